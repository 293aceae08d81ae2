// SPDX-License-Identifier: GPL-2.0
/*
 * tcx-dkms: qdisc-less tc BPF hooks with multi-program arrays and links,
 * for kernels that predate native tcx.
 *
 * This file is the module's front door: init/exit, the /dev/tcx misc
 * device and its ioctl dispatch, and the netdev notifier.  Everything an
 * ioctl does is done by dev.c (per-device state), mprog.c (the program
 * array), link.c (link objects) and pin.c (their pins in bpffs).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/miscdevice.h>
#include <linux/fs.h>
#include <linux/netdevice.h>
#include <linux/cred.h>
#include <linux/pid.h>
#include <linux/sched/task.h>
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
 * Who an ioctl on /dev/tcx acts for: the calling task, or the task the file
 * is bound to (TCX_IOC_BIND_TASK), whose credentials then stand in for the
 * caller's for the length of the call.
 */
struct tcx_caller {
	struct task_struct	*task;
	struct net		*net;
	const struct cred	*saved_cred;
};

static int tcx_caller_enter(struct file *file, struct tcx_caller *caller)
{
	struct pid *pid = READ_ONCE(file->private_data);
	struct task_struct *task;
	const struct cred *cred;
	struct net *net = NULL;

	if (!pid) {
		caller->task = current;
		caller->net = current->nsproxy->net_ns;
		caller->saved_cred = NULL;
		return 0;
	}
	task = get_pid_task(pid, PIDTYPE_PID);
	if (!task)
		return -ESRCH;
	task_lock(task);
	if (task->nsproxy)
		net = get_net(task->nsproxy->net_ns);
	task_unlock(task);
	if (!net) {
		put_task_struct(task);
		return -ESRCH;
	}
	cred = get_task_cred(task);
	caller->saved_cred = override_creds(cred);
	put_cred(cred);
	caller->task = task;
	caller->net = net;
	return 0;
}

static void tcx_caller_exit(struct tcx_caller *caller)
{
	if (!caller->saved_cred)
		return;
	revert_creds(caller->saved_cred);
	put_net(caller->net);
	put_task_struct(caller->task);
}

/*
 * Devices are named by ifindex in the caller's network namespace, and
 * managing them takes CAP_NET_ADMIN over that namespace, as for tc.
 */
static struct net *tcx_caller_net(const struct tcx_caller *caller)
{
	if (!ns_capable(caller->net->user_ns, CAP_NET_ADMIN))
		return ERR_PTR(-EPERM);
	return caller->net;
}

static long tcx_ioctl_prog(const struct tcx_caller *caller,
			   void __user *uarg, bool attach)
{
	struct tcx_prog_args args;
	struct net *net;
	int ret;

	ret = tcx_copy_args(&args, sizeof(args), sizeof(args), uarg);
	if (ret)
		return ret;
	net = tcx_caller_net(caller);
	if (IS_ERR(net))
		return PTR_ERR(net);
	if (attach)
		return tcx_dev_prog_attach(net, &args);
	return tcx_dev_prog_detach(net, &args);
}

static long tcx_ioctl_query(const struct tcx_caller *caller,
			    void __user *uarg)
{
	struct tcx_query_args args;
	struct net *net;
	int ret;

	ret = tcx_copy_args(&args, sizeof(args), TCX_QUERY_ARGS_SIZE_VER0, uarg);
	if (ret)
		return ret;
	net = tcx_caller_net(caller);
	if (IS_ERR(net))
		return PTR_ERR(net);
	return tcx_dev_query(net, &args, uarg);
}

static long tcx_ioctl_link_create(const struct tcx_caller *caller,
				  void __user *uarg)
{
	struct tcx_link_create_args args;
	struct net *net;
	int ret;

	ret = tcx_copy_args(&args, sizeof(args), sizeof(args), uarg);
	if (ret)
		return ret;
	net = tcx_caller_net(caller);
	if (IS_ERR(net))
		return PTR_ERR(net);
	return tcx_link_create(net, &args, caller->task);
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

static long tcx_ioctl_link_get_next_id(void __user *uarg)
{
	struct tcx_link_next_id_args args;
	int ret;

	ret = tcx_copy_args(&args, sizeof(args), sizeof(args), uarg);
	if (ret)
		return ret;
	if (args.flags)
		return -EINVAL;
	ret = tcx_link_get_next_id(args.start_id, &args.next_id);
	if (ret)
		return ret;
	if (put_user(args.next_id, (u32 __user *)(uarg +
		     offsetof(struct tcx_link_next_id_args, next_id))))
		return -EFAULT;
	return 0;
}

static long tcx_ioctl_pin(void __user *uarg, bool create)
{
	struct tcx_pin_args args;
	int ret;

	ret = tcx_copy_args(&args, sizeof(args), sizeof(args), uarg);
	if (ret)
		return ret;
	if (args.flags || (!create && args.link_fd))
		return -EINVAL;
	if (create)
		return tcx_link_pin_path(&args);
	return tcx_pin_get_fd(args.dirfd, u64_to_user_ptr(args.pathname));
}

/*
 * What ptrace would ask, less the LSM and dumpable checks that a module
 * cannot reach: acting for a task must not give more than the caller has.
 */
static bool tcx_may_act_for(struct task_struct *task)
{
	const struct cred *cred = current_cred(), *tcred;
	bool ok;

	rcu_read_lock();
	tcred = __task_cred(task);
	ok = (cred->user_ns == tcred->user_ns &&
	      uid_eq(cred->uid, tcred->euid) &&
	      uid_eq(cred->uid, tcred->suid) &&
	      uid_eq(cred->uid, tcred->uid) &&
	      gid_eq(cred->gid, tcred->egid) &&
	      gid_eq(cred->gid, tcred->sgid) &&
	      gid_eq(cred->gid, tcred->gid) &&
	      cap_issubset(tcred->cap_permitted, cred->cap_permitted)) ||
	     ns_capable(tcred->user_ns, CAP_SYS_PTRACE);
	rcu_read_unlock();
	return ok;
}

static long tcx_ioctl_bind_task(struct file *file, void __user *uarg)
{
	struct task_struct *task;
	struct tcx_task_args args;
	struct pid *pid;
	int ret;

	ret = tcx_copy_args(&args, sizeof(args), sizeof(args), uarg);
	if (ret)
		return ret;
	if (args.flags || !args.pid)
		return -EINVAL;
	pid = find_get_pid(args.pid);
	if (!pid)
		return -ESRCH;
	task = get_pid_task(pid, PIDTYPE_PID);
	if (!task) {
		ret = -ESRCH;
		goto err_pid;
	}
	ret = tcx_may_act_for(task) ? 0 : -EPERM;
	put_task_struct(task);
	if (ret)
		goto err_pid;
	if (cmpxchg(&file->private_data, NULL, pid)) {
		ret = -EBUSY;
		goto err_pid;
	}
	return 0;

err_pid:
	put_pid(pid);
	return ret;
}

static long tcx_ioctl_caller(struct file *file, unsigned int nr,
			     void __user *uarg)
{
	struct tcx_caller caller;
	long ret;

	ret = tcx_caller_enter(file, &caller);
	if (ret)
		return ret;
	switch (nr) {
	case _IOC_NR(TCX_IOC_PROG_ATTACH):
		ret = tcx_ioctl_prog(&caller, uarg, true);
		break;
	case _IOC_NR(TCX_IOC_PROG_DETACH):
		ret = tcx_ioctl_prog(&caller, uarg, false);
		break;
	case _IOC_NR(TCX_IOC_QUERY):
		ret = tcx_ioctl_query(&caller, uarg);
		break;
	case _IOC_NR(TCX_IOC_LINK_CREATE):
		ret = tcx_ioctl_link_create(&caller, uarg);
		break;
	case _IOC_NR(TCX_IOC_LINK_GET_FD_BY_ID):
		ret = tcx_ioctl_link_get_fd_by_id(uarg);
		break;
	case _IOC_NR(TCX_IOC_LINK_GET_NEXT_ID):
		ret = tcx_ioctl_link_get_next_id(uarg);
		break;
	case _IOC_NR(TCX_IOC_LINK_PIN_PATH):
		ret = tcx_ioctl_pin(uarg, true);
		break;
	case _IOC_NR(TCX_IOC_LINK_GET_FD_BY_PIN):
		ret = tcx_ioctl_pin(uarg, false);
		break;
	default:
		ret = -ENOTTY;
	}
	tcx_caller_exit(&caller);
	return ret;
}

/* Changing a hook takes /dev/tcx opened for writing; reading one does not. */
static bool tcx_ioctl_writes(unsigned int nr)
{
	switch (nr) {
	case _IOC_NR(TCX_IOC_PROG_ATTACH):
	case _IOC_NR(TCX_IOC_PROG_DETACH):
	case _IOC_NR(TCX_IOC_LINK_CREATE):
	case _IOC_NR(TCX_IOC_LINK_PIN_PATH):
	case _IOC_NR(TCX_IOC_BIND_TASK):
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
	case _IOC_NR(TCX_IOC_BIND_TASK):
		return tcx_ioctl_bind_task(file, uarg);
	default:
		return tcx_ioctl_caller(file, _IOC_NR(cmd), uarg);
	}
}

static int tcx_open(struct inode *inode, struct file *file)
{
	/* misc_open() left the miscdevice here: ours holds the bound task. */
	file->private_data = NULL;
	return nonseekable_open(inode, file);
}

static int tcx_release(struct inode *inode, struct file *file)
{
	put_pid(file->private_data);
	return 0;
}

static const struct file_operations tcx_fops = {
	.owner		= THIS_MODULE,
	.open		= tcx_open,
	.release	= tcx_release,
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
	ret = tcx_pin_init();
	if (ret)
		goto err_link;
	ret = register_netdevice_notifier(&tcx_netdev_notifier);
	if (ret)
		goto err_pin;
	ret = misc_register(&tcx_miscdev);
	if (ret) {
		pr_err("cannot register /dev/%s: %d\n", TCX_DEVICE_NAME, ret);
		goto err_notifier;
	}
	pr_info("version %s loaded\n", TCX_VERSION);
	return 0;

err_notifier:
	unregister_netdevice_notifier(&tcx_netdev_notifier);
err_pin:
	tcx_pin_exit();
err_link:
	tcx_link_exit();
	return ret;
}

/* Every hook and link holds a module reference: nothing is attached here. */
static void __exit tcx_exit(void)
{
	misc_deregister(&tcx_miscdev);
	unregister_netdevice_notifier(&tcx_netdev_notifier);
	tcx_pin_exit();
	tcx_link_exit();
}

module_init(tcx_init);
module_exit(tcx_exit);

MODULE_DESCRIPTION("tcx: qdisc-less tc BPF hooks with program arrays and links");
MODULE_AUTHOR("The tcx-dkms developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(TCX_VERSION);
