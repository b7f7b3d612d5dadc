// SPDX-License-Identifier: GPL-2.0
/*
 * Watches modules load and unload (rust/services/module_watch.rs): the caches a
 * module forgot to destroy are torn down while its code is still there,
 * and /proc/spl is handed to OpenZFS's spl.ko before its init creates it.
 */
#include <linux/module.h>
#include <linux/notifier.h>
#include "rust_callbacks.h"
#include "shim.h"

static int rspl_module_event(struct notifier_block *nb, unsigned long action,
			     void *data)
{
	struct module *mod = data;

	/*
	 * COMING comes before the module's init runs; GOING after its exit
	 * (or failed init) has run.
	 */
	if (action == MODULE_STATE_COMING)
		rspl_module_coming(mod->name);
	else if (action == MODULE_STATE_GOING)
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
