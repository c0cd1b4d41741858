// SPDX-License-Identifier: GPL-2.0-only
/*
 * cmtest: the smallest loadable module, for tests/qemu/load-tests.sh.
 * Loading it prints one line, so the guest can tell a load that ran.
 */
#include <linux/init.h>
#include <linux/module.h>

static int __init cmtest_init(void)
{
	pr_info("cmtest: loaded\n");
	return 0;
}

static void __exit cmtest_exit(void)
{
	pr_info("cmtest: unloaded\n");
}

module_init(cmtest_init);
module_exit(cmtest_exit);
MODULE_DESCRIPTION("cryptomark test module");
MODULE_LICENSE("GPL");
