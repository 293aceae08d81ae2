// SPDX-License-Identifier: GPL-2.0
/*
 * tcx-dkms: qdisc-less tc BPF hooks with multi-program arrays and links,
 * for kernels that predate native tcx.
 *
 * This file is the module's front door: init/exit, the /dev/tcx misc
 * device and its ioctl dispatch, and the netdev notifier.  Everything an
 * ioctl does is done by dev.c (per-device state), mprog.c (the program
 * array) and link.c (link objects).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/miscdevice.h>
#include <linux/fs.h>
#include <linux/netdevice.h>
#include <linux/uaccess.h>
#include <linux/tcx.h>
#include <net/net_namespace.h>

#include "tcx.h"

/*
 * Copy a size-prefixed argument in.  A smaller struct than ours gets zeroes
 * for the fields it lacks; a larger one must have a zero tail (E2BIG).
 * The size is read once: the copy reads the struct again, and what it
 * finds in the size field may have changed since.
 */
int tcx_copy_args(void *dst, size_t ksize, size_t min_size,
		  const void __user *uarg)
{
	u32 usize;
	int ret;

	if (get_user(usize, (const u32 __user *)uarg))
		return -EFAULT;
	if (usize < min_size)
		return -EINVAL;
	if (usize > PAGE_SIZE)
		return -E2BIG;
	ret = copy_struct_from_user(dst, ksize, uarg, usize);
	if (!ret)
		*(u32 *)dst = usize;
	return ret;
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

/*
 * Devices are named by ifindex in the caller's network namespace, and
 * managing them takes CAP_NET_ADMIN over that namespace, as for tc.
 */
static struct net *tcx_caller_net(void)
{
	struct net *net = current->nsproxy->net_ns;

	if (!ns_capable(net->user_ns, CAP_NET_ADMIN))
		return ERR_PTR(-EPERM);
	return net;
}

static long tcx_ioctl_prog(void __user *uarg, bool attach)
{
	struct tcx_prog_args args;
	struct net *net;
	int ret;

	ret = tcx_copy_args(&args, sizeof(args), sizeof(args), uarg);
	if (ret)
		return ret;
	net = tcx_caller_net();
	if (IS_ERR(net))
		return PTR_ERR(net);
	if (attach)
		return tcx_dev_prog_attach(net, &args);
	return tcx_dev_prog_detach(net, &args);
}

static long tcx_ioctl_query(void __user *uarg)
{
	struct tcx_query_args args;
	struct net *net;
	int ret;

	ret = tcx_copy_args(&args, sizeof(args), TCX_QUERY_ARGS_SIZE_VER0, uarg);
	if (ret)
		return ret;
	net = tcx_caller_net();
	if (IS_ERR(net))
		return PTR_ERR(net);
	return tcx_dev_query(net, &args, uarg);
}

static long tcx_ioctl_link_create(void __user *uarg)
{
	struct tcx_link_create_args args;
	struct net *net;
	int ret;

	ret = tcx_copy_args(&args, sizeof(args), sizeof(args), uarg);
	if (ret)
		return ret;
	net = tcx_caller_net();
	if (IS_ERR(net))
		return PTR_ERR(net);
	return tcx_link_create(net, &args);
}

static long tcx_ioctl_link_get_fd_by_id(void __user *uarg)
{
	struct tcx_link_id_args args;
	int ret;

	ret = tcx_copy_args(&args, sizeof(args), sizeof(args), uarg);
	if (ret)
		return ret;
	if (args.flags)
		return -EINVAL;
	return tcx_link_get_fd_by_id(args.id);
}

/* Changing a hook takes /dev/tcx opened for writing; reading one does not. */
static bool tcx_ioctl_writes(unsigned int nr)
{
	switch (nr) {
	case _IOC_NR(TCX_IOC_PROG_ATTACH):
	case _IOC_NR(TCX_IOC_PROG_DETACH):
	case _IOC_NR(TCX_IOC_LINK_CREATE):
		return true;
	default:
		return false;
	}
}

static long tcx_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	/* The size in the command number is not checked: the struct's is. */
	if (_IOC_TYPE(cmd) != TCX_IOC_MAGIC)
		return -ENOTTY;
	if (tcx_ioctl_writes(_IOC_NR(cmd)) && !(file->f_mode & FMODE_WRITE))
		return -EBADF;

	switch (_IOC_NR(cmd)) {
	case _IOC_NR(TCX_IOC_VERSION):
		return tcx_ioctl_version(uarg);
	case _IOC_NR(TCX_IOC_PROG_ATTACH):
		return tcx_ioctl_prog(uarg, true);
	case _IOC_NR(TCX_IOC_PROG_DETACH):
		return tcx_ioctl_prog(uarg, false);
	case _IOC_NR(TCX_IOC_QUERY):
		return tcx_ioctl_query(uarg);
	case _IOC_NR(TCX_IOC_LINK_CREATE):
		return tcx_ioctl_link_create(uarg);
	case _IOC_NR(TCX_IOC_LINK_GET_FD_BY_ID):
		return tcx_ioctl_link_get_fd_by_id(uarg);
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

/*
 * A device that is unregistered takes its programs with it.  A device that
 * moves to another netns also sees NETDEV_UNREGISTER, but stays registered:
 * it keeps its programs, as with upstream tcx.
 */
static int tcx_netdev_event(struct notifier_block *nb, unsigned long event,
			    void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);

	if (event == NETDEV_UNREGISTER && dev->reg_state == NETREG_UNREGISTERING)
		tcx_dev_unregister(dev);
	return NOTIFY_DONE;
}

static struct notifier_block tcx_netdev_notifier = {
	.notifier_call	= tcx_netdev_event,
};

static int __init tcx_init(void)
{
	int ret;

	ret = tcx_link_init();
	if (ret)
		return ret;
	ret = register_netdevice_notifier(&tcx_netdev_notifier);
	if (ret)
		goto err_link;
	ret = misc_register(&tcx_miscdev);
	if (ret) {
		pr_err("cannot register /dev/%s: %d\n", TCX_DEVICE_NAME, ret);
		goto err_notifier;
	}
	pr_info("version %s loaded\n", TCX_VERSION);
	return 0;

err_notifier:
	unregister_netdevice_notifier(&tcx_netdev_notifier);
err_link:
	tcx_link_exit();
	return ret;
}

/* Every hook and link holds a module reference: nothing is attached here. */
static void __exit tcx_exit(void)
{
	misc_deregister(&tcx_miscdev);
	unregister_netdevice_notifier(&tcx_netdev_notifier);
	tcx_link_exit();
}

module_init(tcx_init);
module_exit(tcx_exit);

MODULE_DESCRIPTION("tcx: qdisc-less tc BPF hooks with program arrays and links");
MODULE_AUTHOR("The tcx-dkms developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(TCX_VERSION);
