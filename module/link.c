// SPDX-License-Identifier: GPL-2.0
/*
 * tcx links: attachments owned by a file descriptor.
 *
 * A link is an anonymous-inode file ("bpf-link") that owns one slot of a
 * hook's program array.  Its reference count counts the files that point
 * at it, the pin, and short-lived lookups; when it drops to zero the link
 * detaches its program, the way upstream's bpf_link release does.  So a
 * process that dies, is killed or closes its last fd leaves nothing
 * behind, and no one but the link's holders can remove its program: the
 * program API gets EBUSY on a link-owned slot.
 *
 * As upstream, the fd is the capability: whoever holds one, received over
 * a unix socket or inherited, may update and detach the link without any
 * capability of its own.  Getting an fd by id takes CAP_SYS_ADMIN.
 *
 * link->dev is set while the link is attached and cleared, under RTNL, by
 * an explicit detach or when the device is unregistered; a link without a
 * device is defunct but stays valid until its last reference goes.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/cred.h>
#include <linux/ctype.h>
#include <linux/file.h>
#include <linux/idr.h>
#include <linux/module.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/rtnetlink.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string_helpers.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>

#include "tcx.h"

/* BPF_TCX_INGRESS in 6.6's enum bpf_attach_type; BPF_TCX_EGRESS follows. */
#define TCX_UPSTREAM_ATTACH_INGRESS	46

struct tcx_link {
	refcount_t		refcnt;
	u32			id;
	enum tcx_direction	dir;
	bool			pinned;		/* under RTNL */
	struct tcx_pin		*pin;		/* under tcx_pin_lock (pin.c) */
	struct bpf_prog		*prog;		/* swapped under RTNL */
	struct net_device	*dev;		/* under RTNL; NULL: defunct */
	struct pid		*owner_pid;
	kuid_t			owner_uid;
	char			owner_comm[TASK_COMM_LEN];
	char			tag[TCX_TAG_LEN];
	struct work_struct	release_work;
};

/* Live links by id; a reserved id maps to NULL until the link is settled. */
static DEFINE_IDR(tcx_link_idr);
static DEFINE_SPINLOCK(tcx_link_idr_lock);

/* Releases that must not run in the caller's context: see tcx_link_put(). */
static struct workqueue_struct *tcx_link_wq;

static const struct file_operations tcx_link_fops;

static void tcx_link_free(struct tcx_link *link)
{
	spin_lock_bh(&tcx_link_idr_lock);
	idr_remove(&tcx_link_idr, link->id);
	spin_unlock_bh(&tcx_link_idr_lock);
	bpf_prog_put(link->prog);
	put_pid(link->owner_pid);
	kfree(link);
}

/*
 * Detach the link from its device, under RTNL.  A link always finds its
 * own slot, so this cannot fail; if it did, the array would still point at
 * the link and its program, and neither may be freed.
 */
static int tcx_link_unhook(struct tcx_link *link)
{
	int ret;

	ASSERT_RTNL();
	if (!link->dev)
		return 0;
	ret = tcx_dev_detach(link->dev, link->dir, link->prog, link, 0, 0, 0);
	if (WARN_ON_ONCE(ret))
		return ret;
	link->dev = NULL;
	return 0;
}

/* The last reference is gone: detach, unless already defunct. */
static void tcx_link_release(struct tcx_link *link)
{
	int ret;

	rtnl_lock();
	ret = tcx_link_unhook(link);
	rtnl_unlock();
	/* Leaked rather than freed under the data path's feet. */
	if (ret)
		return;
	tcx_link_free(link);
}

static void tcx_link_release_work(struct work_struct *work)
{
	tcx_link_release(container_of(work, struct tcx_link, release_work));
}

void tcx_link_get(struct tcx_link *link)
{
	refcount_inc(&link->refcnt);
}

/*
 * For callers that may hold RTNL (relative-object lookups in mprog): the
 * release, which takes RTNL, is handed to the workqueue.
 */
void tcx_link_put(struct tcx_link *link)
{
	if (refcount_dec_and_test(&link->refcnt))
		queue_work(tcx_link_wq, &link->release_work);
}

/* For callers that do not hold RTNL: the release is done before returning. */
static void tcx_link_put_sync(struct tcx_link *link)
{
	if (refcount_dec_and_test(&link->refcnt))
		tcx_link_release(link);
}

struct bpf_prog *tcx_link_prog(const struct tcx_link *link)
{
	return READ_ONCE(link->prog);
}

u32 tcx_link_id(const struct tcx_link *link)
{
	return link->id;
}

/* Both under tcx_pin_lock: pin.c's lock covers link->pin. */
struct tcx_pin *tcx_link_get_pin(const struct tcx_link *link)
{
	return link->pin;
}

bool tcx_link_set_pin(struct tcx_link *link, struct tcx_pin *old,
		      struct tcx_pin *new)
{
	if (link->pin != old)
		return false;
	link->pin = new;
	return true;
}

/* Called through tcx_mprog_release_all() when the device is unregistered. */
void tcx_link_dev_gone(struct tcx_link *link, void *priv)
{
	ASSERT_RTNL();
	link->dev = NULL;
}

static struct tcx_link *tcx_link_get_by_id(u32 id)
{
	struct tcx_link *link;

	spin_lock_bh(&tcx_link_idr_lock);
	link = idr_find(&tcx_link_idr, id);
	if (!link || !refcount_inc_not_zero(&link->refcnt))
		link = ERR_PTR(-ENOENT);
	spin_unlock_bh(&tcx_link_idr_lock);
	return link;
}

static struct tcx_link *tcx_link_get_by_fd(u32 ufd)
{
	struct tcx_link *link;
	struct fd f = fdget(ufd);

	if (!f.file)
		return ERR_PTR(-EBADF);
	if (f.file->f_op != &tcx_link_fops) {
		fdput(f);
		return ERR_PTR(-EINVAL);
	}
	link = f.file->private_data;
	tcx_link_get(link);
	fdput(f);
	return link;
}

struct tcx_link *tcx_link_get_rel(u32 fd_or_id, bool by_id)
{
	if (by_id)
		return tcx_link_get_by_id(fd_or_id);
	if (!fd_or_id)
		return ERR_PTR(-EINVAL);
	return tcx_link_get_by_fd(fd_or_id);
}

static bool tcx_link_capable(const struct tcx_link *link)
{
	struct net *net = link->dev ? dev_net(link->dev) :
				      current->nsproxy->net_ns;

	return ns_capable(net->user_ns, CAP_NET_ADMIN);
}

static long tcx_link_update(struct tcx_link *link, void __user *uarg)
{
	struct bpf_prog *new_prog, *old_prog = NULL, *prev_prog;
	struct tcx_link_update_args args;
	int ret;

	ret = tcx_copy_args(&args, sizeof(args), sizeof(args), uarg);
	if (ret)
		return ret;
	if (args.flags & ~TCX_F_REPLACE)
		return -EINVAL;
	if (args.old_prog_fd && !(args.flags & TCX_F_REPLACE))
		return -EINVAL;
	new_prog = tcx_prog_get_fd(args.new_prog_fd);
	if (IS_ERR(new_prog))
		return PTR_ERR(new_prog);
	if (args.flags & TCX_F_REPLACE) {
		old_prog = tcx_prog_get_fd(args.old_prog_fd);
		if (IS_ERR(old_prog)) {
			ret = PTR_ERR(old_prog);
			old_prog = NULL;
			goto out_put;
		}
	}

	rtnl_lock();
	if (!link->dev) {
		ret = -ENOLINK;
		goto out_unlock;
	}
	if (old_prog && old_prog != link->prog) {
		ret = -EPERM;
		goto out_unlock;
	}
	/* Updating to the program it already runs changes nothing. */
	if (new_prog == link->prog) {
		ret = 0;
		goto out_unlock;
	}
	ret = tcx_dev_attach(link->dev, link->dir, new_prog, link, link->prog,
			     TCX_F_REPLACE | TCX_F_ID,
			     tcx_prog_id(link->prog), 0);
	if (!ret) {
		prev_prog = xchg(&link->prog, new_prog);
		new_prog = NULL;
		/*
		 * The link's reference; old_prog's own, from the fd, is put
		 * below.  Freed after a grace period: the data path may still
		 * run it.
		 */
		bpf_prog_put(prev_prog);
	}
out_unlock:
	rtnl_unlock();
out_put:
	if (old_prog)
		bpf_prog_put(old_prog);
	if (new_prog)
		bpf_prog_put(new_prog);
	return ret;
}

/* As upstream's BPF_LINK_DETACH: the link becomes defunct, even twice. */
static long tcx_link_detach(struct tcx_link *link)
{
	int ret;

	rtnl_lock();
	ret = tcx_link_unhook(link);
	rtnl_unlock();
	return ret;
}

/*
 * The pin is a reference of its own, and keeps the module loaded.  A
 * pinned link without fds can only be found again by id, which takes
 * CAP_SYS_ADMIN in the initial user namespace: so do pinning and
 * unpinning, or root of any user namespace could leave links behind that
 * it cannot take back, and that keep tcx.ko from unloading.
 */
static long tcx_link_pin(struct tcx_link *link, bool pin)
{
	int ret = 0;

	rtnl_lock();
	if (!capable(CAP_SYS_ADMIN) || !tcx_link_capable(link)) {
		ret = -EPERM;
	} else if (pin && !link->pinned) {
		link->pinned = true;
		tcx_link_get(link);
		__module_get(THIS_MODULE);
	} else if (!pin && link->pinned) {
		link->pinned = false;
		/* The caller's fd still holds a reference: not the last one. */
		refcount_dec(&link->refcnt);
		module_put(THIS_MODULE);
	}
	rtnl_unlock();
	return ret;
}

/* @prog_tag, if not NULL, gets the program's tag under the same lock. */
static void tcx_link_fill_info(struct tcx_link *link,
			       struct tcx_link_info *info, u8 *prog_tag)
{
	u32 pin_path_size;

	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	info->id = link->id;
	info->direction = link->dir;
	info->owner_pid = pid_nr_ns(link->owner_pid,
				    task_active_pid_ns(current));
	info->owner_uid = from_kuid_munged(current_user_ns(), link->owner_uid);
	memcpy(info->owner_comm, link->owner_comm, sizeof(info->owner_comm));
	memcpy(info->tag, link->tag, sizeof(info->tag));

	rtnl_lock();
	info->prog_id = tcx_prog_id(link->prog);
	if (prog_tag)
		memcpy(prog_tag, link->prog->tag, BPF_TAG_SIZE);
	if (link->dev)
		info->ifindex = link->dev->ifindex;
	else
		info->flags |= TCX_LINK_F_DEFUNCT;
	pin_path_size = tcx_pin_path(link, NULL, 0);
	if (link->pinned || pin_path_size)
		info->flags |= TCX_LINK_F_PINNED;
	rtnl_unlock();
	info->pin_path_size = pin_path_size;
}

/* The pin's path, if the caller gave a buffer for it. */
/* The buffer is only written when there is a path to write. */
static int tcx_link_info_path(struct tcx_link *link,
			      const struct tcx_link_info *uinfo)
{
	char *buf;
	u32 size;
	int ret = 0;

	size = min_t(u32, uinfo->pin_path_size, PATH_MAX);
	if (!uinfo->pin_path || !size || !tcx_pin_path(link, NULL, 0))
		return 0;
	buf = kmalloc(size, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	if (!tcx_pin_path(link, buf, size))
		buf[0] = '\0';
	if (copy_to_user(u64_to_user_ptr(uinfo->pin_path), buf,
			 strnlen(buf, size - 1) + 1))
		ret = -EFAULT;
	kfree(buf);
	return ret;
}

/*
 * The struct is the caller's output, so its tail is not checked: an older
 * caller gets the fields it has room for, a newer one what we know.  Only
 * the pin path's buffer is read from it.
 */
static long tcx_link_info(struct tcx_link *link, void __user *uarg)
{
	struct tcx_link_info info, uinfo;
	size_t usize;
	u32 size;
	int ret;

	if (get_user(size, (u32 __user *)uarg))
		return -EFAULT;
	if (size < offsetofend(struct tcx_link_info, flags))
		return -EINVAL;
	usize = min_t(size_t, size, sizeof(info));
	tcx_link_fill_info(link, &info, NULL);
	if (usize >= offsetofend(struct tcx_link_info, pin_path_size)) {
		if (copy_from_user(&uinfo.pin_path,
				   uarg + offsetof(struct tcx_link_info, pin_path),
				   sizeof(uinfo.pin_path) +
				   sizeof(uinfo.pin_path_size)))
			return -EFAULT;
		ret = tcx_link_info_path(link, &uinfo);
		if (ret)
			return ret;
		/* The buffer is the caller's: write its address back. */
		info.pin_path = uinfo.pin_path;
	}
	if (copy_to_user(uarg + sizeof(u32), &info.id, usize - sizeof(u32)))
		return -EFAULT;
	return 0;
}

static long tcx_link_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	struct tcx_link *link = file->private_data;
	void __user *uarg = (void __user *)arg;

	if (_IOC_TYPE(cmd) != TCX_IOC_MAGIC)
		return -ENOTTY;

	switch (_IOC_NR(cmd)) {
	case _IOC_NR(TCX_IOC_LINK_UPDATE):
		return tcx_link_update(link, uarg);
	case _IOC_NR(TCX_IOC_LINK_DETACH):
		return tcx_link_detach(link);
	case _IOC_NR(TCX_IOC_LINK_INFO):
		return tcx_link_info(link, uarg);
	case _IOC_NR(TCX_IOC_LINK_PIN):
		return tcx_link_pin(link, true);
	case _IOC_NR(TCX_IOC_LINK_UNPIN):
		return tcx_link_pin(link, false);
	default:
		return -ENOTTY;
	}
}

static int tcx_link_file_release(struct inode *inode, struct file *file)
{
	tcx_link_put_sync(file->private_data);
	return 0;
}

static void tcx_link_show_fdinfo(struct seq_file *m, struct file *file)
{
	struct tcx_link *link = file->private_data;
	struct tcx_link_info info;
	u8 prog_tag[BPF_TAG_SIZE];

	tcx_link_fill_info(link, &info, prog_tag);
	/*
	 * Upstream's lines first, in its format, so that what parses a
	 * bpf_link's fdinfo reads ours too; its attach types are
	 * BPF_TCX_INGRESS and BPF_TCX_EGRESS, which 6.1 does not define.
	 */
	seq_puts(m, "link_type:\ttcx\n");
	seq_printf(m, "link_id:\t%u\n", info.id);
	seq_printf(m, "prog_tag:\t%*phN\n", BPF_TAG_SIZE, prog_tag);
	seq_printf(m, "prog_id:\t%u\n", info.prog_id);
	seq_printf(m, "ifindex:\t%u\n", info.ifindex);
	seq_printf(m, "attach_type:\t%u (%s)\n",
		   TCX_UPSTREAM_ATTACH_INGRESS + info.direction,
		   info.direction == TCX_INGRESS ? "ingress" : "egress");
	seq_printf(m, "state:\t%s\n",
		   info.flags & TCX_LINK_F_DEFUNCT ? "defunct" : "attached");
	seq_printf(m, "pinned:\t%u\n", !!(info.flags & TCX_LINK_F_PINNED));
	if (info.pin_path_size) {
		char *path = kmalloc(info.pin_path_size, GFP_KERNEL);

		if (path && tcx_pin_path(link, path, info.pin_path_size)) {
			seq_puts(m, "pin_path:\t");
			seq_escape(m, path, " \t\n\\");
			seq_putc(m, '\n');
		}
		kfree(path);
	}
	seq_printf(m, "owner_pid:\t%u\n", info.owner_pid);
	seq_printf(m, "owner_uid:\t%u\n", info.owner_uid);
	seq_printf(m, "owner_comm:\t%s\n", info.owner_comm);
	seq_printf(m, "tag:\t%s\n", info.tag);
}

static const struct file_operations tcx_link_fops = {
	.owner		= THIS_MODULE,
	.release	= tcx_link_file_release,
	.unlocked_ioctl	= tcx_link_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.show_fdinfo	= tcx_link_show_fdinfo,
	.llseek		= no_llseek,
};

/* A new file on the link; the file's reference is the caller's to give. */
static struct file *tcx_link_file(struct tcx_link *link)
{
	/*
	 * Named as 6.12 names a bpf_link's file: tools that tell objects
	 * apart by that name (bpftool) take ours for a link, which it is.
	 */
	return anon_inode_getfile("bpf-link", &tcx_link_fops, link, O_RDWR);
}

/*
 * Any process may set its comm to anything (prctl(PR_SET_NAME)): escape
 * what is not printable ASCII, and the backslash, so that the comm cannot
 * forge lines in fdinfo or in tcxctl's output.  Cut short, like comm.
 */
static void tcx_link_set_comm(struct tcx_link *link, struct task_struct *owner)
{
	char comm[TASK_COMM_LEN];

	get_task_comm(comm, owner);
	string_escape_str(comm, link->owner_comm,
			  sizeof(link->owner_comm) - 1,
			  ESCAPE_ANY | ESCAPE_NAP | ESCAPE_APPEND, "\\");
}

/*
 * A tag is NUL-terminated printable ASCII, as bpf_obj_name_cpy() wants
 * program names to be: it is printed in fdinfo, which parsers read line
 * by line.
 */
static bool tcx_link_tag_valid(const char *tag, size_t len)
{
	size_t i;

	for (i = 0; i < len && tag[i]; i++)
		if (!isascii(tag[i]) || !isprint(tag[i]))
			return false;
	return i < len;
}

static struct tcx_link *tcx_link_alloc(struct bpf_prog *prog,
				       const struct tcx_link_create_args *args,
				       struct task_struct *owner)
{
	struct tcx_link *link;
	int id;

	link = kzalloc(sizeof(*link), GFP_KERNEL_ACCOUNT);
	if (!link)
		return ERR_PTR(-ENOMEM);
	refcount_set(&link->refcnt, 1);
	INIT_WORK(&link->release_work, tcx_link_release_work);
	link->dir = args->direction;
	link->prog = prog;
	link->owner_pid = get_pid(task_tgid(owner));
	link->owner_uid = current_uid();
	tcx_link_set_comm(link, owner);
	memcpy(link->tag, args->tag, sizeof(link->tag));

	/* Reserved now, visible by id only once the link is attached. */
	idr_preload(GFP_KERNEL);
	spin_lock_bh(&tcx_link_idr_lock);
	id = idr_alloc_cyclic(&tcx_link_idr, NULL, 1, INT_MAX, GFP_ATOMIC);
	spin_unlock_bh(&tcx_link_idr_lock);
	idr_preload_end();
	if (id < 0) {
		put_pid(link->owner_pid);
		kfree(link);
		return ERR_PTR(id);
	}
	link->id = id;
	return link;
}

/*
 * The fd is reserved and the file made before the attach, and the fd is
 * installed only after it: a failure leaves nothing behind, and once the
 * program is attached nothing can fail any more.
 */
int tcx_link_create(struct net *net, const struct tcx_link_create_args *args,
		    struct task_struct *owner)
{
	struct net_device *dev;
	struct tcx_link *link;
	struct bpf_prog *prog;
	struct file *file;
	int fd, ret;

	if (args->flags & ~TCX_F_ATTACH_MASK || args->direction > TCX_EGRESS ||
	    !tcx_link_tag_valid(args->tag, sizeof(args->tag)))
		return -EINVAL;
	prog = tcx_prog_get_fd(args->prog_fd);
	if (IS_ERR(prog))
		return PTR_ERR(prog);
	link = tcx_link_alloc(prog, args, owner);
	if (IS_ERR(link)) {
		bpf_prog_put(prog);
		return PTR_ERR(link);
	}
	/* From here on, the link owns the program reference. */
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		tcx_link_free(link);
		return fd;
	}
	file = tcx_link_file(link);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		tcx_link_free(link);
		return PTR_ERR(file);
	}

	rtnl_lock();
	dev = __dev_get_by_index(net, args->ifindex);
	if (dev)
		ret = tcx_dev_attach(dev, args->direction, prog, link, NULL,
				     args->flags, args->relative_fd,
				     args->expected_revision);
	else
		ret = -ENODEV;
	if (!ret)
		link->dev = dev;
	rtnl_unlock();
	if (ret) {
		/* The file's release frees the link: it was never attached. */
		fput(file);
		put_unused_fd(fd);
		return ret;
	}

	spin_lock_bh(&tcx_link_idr_lock);
	idr_replace(&tcx_link_idr, link, link->id);
	spin_unlock_bh(&tcx_link_idr_lock);
	fd_install(fd, file);
	return fd;
}

int tcx_link_get_fd_by_id(u32 id)
{
	struct tcx_link *link;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	link = tcx_link_get_by_id(id);
	if (IS_ERR(link))
		return PTR_ERR(link);
	return tcx_link_new_fd(link);
}

/* Like upstream's BPF_LINK_GET_NEXT_ID; links not yet attached are skipped. */
int tcx_link_get_next_id(u32 start_id, u32 *next_id)
{
	struct tcx_link *link;
	int id = start_id + 1;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (start_id >= INT_MAX)
		return -ENOENT;
	spin_lock_bh(&tcx_link_idr_lock);
	for (;;) {
		link = idr_get_next(&tcx_link_idr, &id);
		if (!link || refcount_read(&link->refcnt))
			break;
		id++;
	}
	spin_unlock_bh(&tcx_link_idr_lock);
	if (!link)
		return -ENOENT;
	*next_id = id;
	return 0;
}

/* Pin the link behind @args->link_fd at a bpffs path (see pin.c). */
int tcx_link_pin_path(const struct tcx_pin_args *args)
{
	struct tcx_link *link;
	int ret;

	link = tcx_link_get_by_fd(args->link_fd);
	if (IS_ERR(link))
		return PTR_ERR(link);
	ret = tcx_pin_create(link, args->dirfd,
			     u64_to_user_ptr(args->pathname));
	tcx_link_put_sync(link);
	return ret;
}

/* A new fd on @link; it takes over the caller's reference, even on error. */
int tcx_link_new_fd(struct tcx_link *link)
{
	struct file *file;
	int fd;

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0)
		goto err_put;
	file = tcx_link_file(link);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		fd = PTR_ERR(file);
		goto err_put;
	}
	/* The reference taken by the lookup is now the file's. */
	fd_install(fd, file);
	return fd;

err_put:
	tcx_link_put_sync(link);
	return fd;
}

int tcx_link_init(void)
{
	tcx_link_wq = alloc_workqueue("tcx_link", 0, 0);
	return tcx_link_wq ? 0 : -ENOMEM;
}

/* Runs only once every link is gone: each one holds the module. */
void tcx_link_exit(void)
{
	destroy_workqueue(tcx_link_wq);
	idr_destroy(&tcx_link_idr);
}
