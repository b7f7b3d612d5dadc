// SPDX-License-Identifier: GPL-2.0
/*
 * Watches modules unload, so that the caches a module forgot to destroy
 * are torn down while its code is still there (rust/owners.rs): after it
 * is gone, a reclaim or a grow would call into freed memory.
 */
#include <linux/module.h>
#include <linux/notifier.h>
#include <rspl/rust_callbacks.h>
#include <rspl/shim.h>

static int rspl_module_event(struct notifier_block *nb, unsigned long action,
			     void *data)
{
	struct module *mod = data;

	/* GOING comes after the module's exit (or failed init) has run. */
	if (action == MODULE_STATE_GOING)
		rspl_module_going(mod, mod->name);
	return NOTIFY_OK;
}

static struct notifier_block rspl_module_nb = {
	.notifier_call = rspl_module_event,
};

int rspl_module_watch_start(void)
{
	return register_module_notifier(&rspl_module_nb);
}

void rspl_module_watch_stop(void)
{
	unregister_module_notifier(&rspl_module_nb);
}
