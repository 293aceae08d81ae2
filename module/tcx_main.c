// SPDX-License-Identifier: GPL-2.0
/*
 * tcx-dkms: qdisc-less tc BPF hooks with multi-program arrays and links,
 * for kernels that predate native tcx.
 *
 * This file is the module's front door: init/exit, the /dev/tcx misc
 * device and its ioctl dispatch, and the netdev notifier.  Everything an
 * ioctl does is done by tcx_dev.c (per-device state), mprog.c (the program
 * array) and link.c (link objects).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/miscdevice.h>
#include <linux/fs.h>
#include <linux/uaccess.h>
#include <linux/tcx.h>

#include "tcx.h"

/*
 * Copy a size-prefixed argument in.  A smaller struct than ours gets zeroes
 * for the fields it lacks; a larger one must have a zero tail (E2BIG).
 */
int tcx_copy_args(void *dst, size_t ksize, size_t min_size,
		  const void __user *uarg)
{
	u32 usize;

	if (get_user(usize, (const u32 __user *)uarg))
		return -EFAULT;
	if (usize < min_size)
		return -EINVAL;
	if (usize > PAGE_SIZE)
		return -E2BIG;
	return copy_struct_from_user(dst, ksize, uarg, usize);
}

static long tcx_ioctl_version(void __user *uarg)
{
	struct tcx_version ver;
	int ret;

	ret = tcx_copy_args(&ver, sizeof(ver), sizeof(ver), uarg);
	if (ret)
		return ret;

	ver.abi_version = TCX_ABI_VERSION;
	memset(ver.module_version, 0, sizeof(ver.module_version));
	strscpy(ver.module_version, TCX_VERSION, sizeof(ver.module_version));

	if (copy_to_user(uarg + offsetof(struct tcx_version, abi_version),
			 &ver.abi_version,
			 sizeof(ver) - offsetof(struct tcx_version, abi_version)))
		return -EFAULT;
	return 0;
}

static long tcx_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	/* The size in the command number is not checked: the struct's is. */
	if (_IOC_TYPE(cmd) != TCX_IOC_MAGIC)
		return -ENOTTY;

	switch (_IOC_NR(cmd)) {
	case _IOC_NR(TCX_IOC_VERSION):
		return tcx_ioctl_version(uarg);
	default:
		return -ENOTTY;
	}
}

static int tcx_open(struct inode *inode, struct file *file)
{
	return nonseekable_open(inode, file);
}

static const struct file_operations tcx_fops = {
	.owner		= THIS_MODULE,
	.open		= tcx_open,
	.unlocked_ioctl	= tcx_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= no_llseek,
};

static struct miscdevice tcx_miscdev = {
	.minor		= MISC_DYNAMIC_MINOR,
	.name		= TCX_DEVICE_NAME,
	.fops		= &tcx_fops,
	.mode		= 0600,
};

static int __init tcx_init(void)
{
	int ret;

	ret = misc_register(&tcx_miscdev);
	if (ret) {
		pr_err("cannot register /dev/%s: %d\n", TCX_DEVICE_NAME, ret);
		return ret;
	}
	pr_info("version %s loaded\n", TCX_VERSION);
	return 0;
}

static void __exit tcx_exit(void)
{
	misc_deregister(&tcx_miscdev);
}

module_init(tcx_init);
module_exit(tcx_exit);

MODULE_DESCRIPTION("tcx: qdisc-less tc BPF hooks with program arrays and links");
MODULE_AUTHOR("The tcx-dkms developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(TCX_VERSION);
