// SPDX-License-Identifier: GPL-2.0
/*
 * CPU hotplug (cpuhp_setup_state_nocalls() is an inline): a dynamic state
 * in the prepare section, whose teardown runs on a CPU still online after
 * a CPU has died, as SLUB's slub_cpu_dead() does.
 */
#include <linux/cpuhotplug.h>
#include "shim.h"

int rspl_cpu_hotplug_start(int (*dead)(unsigned int cpu))
{
	return cpuhp_setup_state_nocalls(CPUHP_BP_PREPARE_DYN, "rspl:dead", NULL, dead);
}

void rspl_cpu_hotplug_stop(int state)
{
	cpuhp_remove_state_nocalls(state);
}
