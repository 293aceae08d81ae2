// SPDX-License-Identifier: GPL-2.0
/*
 * Pins of tcx links at paths in bpffs.
 *
 * Upstream pins a bpf_link by making a bpffs file that holds a reference
 * to it; removing the file drops the reference.  bpffs makes such files
 * only for its own objects, so a tcx link is pinned as a bpffs symlink to
 * "tcx-link:<id>", and the pin's reference lives in an fsnotify mark on
 * that symlink's inode.  The inode dies when the symlink is removed (or
 * bpffs unmounted), which destroys the mark and drops the reference: the
 * pin ends however the path goes away, with or without our tools.
 *
 * The pin also holds the module, as a link's fd does.  Locking: link->pin
 * and pin->link change under tcx_pin_lock only.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/fsnotify_backend.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/slab.h>
#include <uapi/linux/magic.h>

#include "tcx.h"

struct tcx_pin {
	struct fsnotify_mark	mark;
	struct tcx_link		*link;	/* NULL once the path is gone */
	char			*path;	/* as the pinning task saw it */
};

static struct fsnotify_group *tcx_pin_group;
static DEFINE_SPINLOCK(tcx_pin_lock);

/* The symlink is gone: the link is no longer pinned. */
static void tcx_pin_drop(struct tcx_pin *pin)
{
	struct tcx_link *link;

	spin_lock(&tcx_pin_lock);
	link = pin->link;
	pin->link = NULL;
	if (link)
		tcx_link_set_pin(link, pin, NULL);
	spin_unlock(&tcx_pin_lock);
	/* The release takes RTNL: tcx_link_put() hands it to a worker. */
	if (link)
		tcx_link_put(link);
}

/* FS_DELETE_SELF: unpin as the unlink happens, not after the reaper. */
static int tcx_pin_event(struct fsnotify_mark *mark, u32 mask,
			 struct inode *inode, struct inode *dir,
			 const struct qstr *name, u32 cookie)
{
	tcx_pin_drop(container_of(mark, struct tcx_pin, mark));
	return 0;
}

/* The last reference to the mark: also the end of a pin on an unmount. */
static void tcx_pin_free_mark(struct fsnotify_mark *mark)
{
	struct tcx_pin *pin = container_of(mark, struct tcx_pin, mark);

	tcx_pin_drop(pin);
	kfree(pin->path);
	kfree(pin);
	module_put(THIS_MODULE);
}

static const struct fsnotify_ops tcx_pin_ops = {
	.handle_inode_event	= tcx_pin_event,
	.free_mark		= tcx_pin_free_mark,
};

/* From here on, fsnotify_put_mark() undoes everything: see free_mark. */
static struct tcx_pin *tcx_pin_alloc(struct tcx_link *link)
{
	struct tcx_pin *pin;

	pin = kzalloc(sizeof(*pin), GFP_KERNEL_ACCOUNT);
	if (!pin)
		return NULL;
	pin->path = kmalloc(PATH_MAX, GFP_KERNEL_ACCOUNT);
	if (!pin->path) {
		kfree(pin);
		return NULL;
	}
	__module_get(THIS_MODULE);
	tcx_link_get(link);
	pin->link = link;
	fsnotify_init_mark(&pin->mark, tcx_pin_group);
	pin->mark.mask = FS_DELETE_SELF;
	return pin;
}

/* Keep the path as d_path() gives it, in a buffer of its own size. */
static int tcx_pin_set_path(struct tcx_pin *pin, const struct path *path)
{
	char *p, *buf = pin->path;

	p = d_path(path, buf, PATH_MAX);
	if (IS_ERR(p))
		return PTR_ERR(p);
	pin->path = kstrdup(p, GFP_KERNEL_ACCOUNT);
	kfree(buf);
	return pin->path ? 0 : -ENOMEM;
}

/*
 * Errors as upstream's BPF_OBJ_PIN: EPERM outside bpffs, EEXIST when the
 * path exists, ENOENT/ENOTDIR/EACCES from the lookup; and EBUSY when the
 * link is pinned at a path already.  The symlink is made with the
 * caller's (or the bound task's) credentials; LSMs see it through
 * vfs_symlink(), but not through the path hook, which is not exported.
 */
int tcx_pin_create(struct tcx_link *link, int dirfd,
		   const char __user *pathname)
{
	char target[sizeof(TCX_PIN_TARGET_PREFIX) + 10];
	struct path parent, pinned;
	struct dentry *dentry;
	struct tcx_pin *pin;
	int ret;

	pin = tcx_pin_alloc(link);
	if (!pin)
		return -ENOMEM;
	snprintf(target, sizeof(target), TCX_PIN_TARGET_PREFIX "%u",
		 tcx_link_id(link));

	dentry = user_path_create(dirfd, pathname, &parent, 0);
	if (IS_ERR(dentry)) {
		ret = PTR_ERR(dentry);
		goto err_put;
	}
	if (parent.dentry->d_sb->s_magic != BPF_FS_MAGIC) {
		ret = -EPERM;
		goto err_done;
	}
	ret = vfs_symlink(mnt_user_ns(parent.mnt), d_inode(parent.dentry),
			  dentry, target);
	if (ret)
		goto err_done;
	pinned.mnt = parent.mnt;
	pinned.dentry = dentry;
	ret = tcx_pin_set_path(pin, &pinned);
	if (ret)
		goto err_unlink;

	spin_lock(&tcx_pin_lock);
	if (!tcx_link_set_pin(link, NULL, pin))
		ret = -EBUSY;
	spin_unlock(&tcx_pin_lock);
	if (ret)
		goto err_unlink;
	ret = fsnotify_add_inode_mark(&pin->mark, d_inode(dentry), 0);
	if (ret)
		goto err_unlink;
	/* The inode's mark list holds the pin now. */
	fsnotify_put_mark(&pin->mark);
	done_path_create(&parent, dentry);
	return 0;

err_unlink:
	/* The parent is still locked: nobody has seen the symlink. */
	vfs_unlink(mnt_user_ns(parent.mnt), d_inode(parent.dentry), dentry,
		   NULL);
err_done:
	done_path_create(&parent, dentry);
err_put:
	fsnotify_put_mark(&pin->mark);
	return ret;
}

/*
 * A new fd for the link pinned at @pathname.  Opening a pin takes what
 * opening upstream's 0600 pin file takes: owning it, or CAP_FOWNER.
 */
int tcx_pin_get_fd(int dirfd, const char __user *pathname)
{
	struct fsnotify_mark *mark;
	struct tcx_link *link = NULL;
	struct tcx_pin *pin;
	struct inode *inode;
	struct path path;
	int ret;

	ret = user_path_at(dirfd, pathname, 0, &path);
	if (ret)
		return ret;
	inode = d_inode(path.dentry);
	mark = fsnotify_find_mark(&inode->i_fsnotify_marks, tcx_pin_group);
	if (!mark) {
		ret = -ENXIO;
		goto out;
	}
	if (!inode_owner_or_capable(mnt_user_ns(path.mnt), inode)) {
		ret = -EACCES;
		goto out_mark;
	}
	pin = container_of(mark, struct tcx_pin, mark);
	spin_lock(&tcx_pin_lock);
	link = pin->link;
	if (link)
		tcx_link_get(link);
	spin_unlock(&tcx_pin_lock);
	/* The new fd takes over the reference, or puts it on failure. */
	ret = link ? tcx_link_new_fd(link) : -ENOENT;
out_mark:
	fsnotify_put_mark(mark);
out:
	path_put(&path);
	return ret;
}

/*
 * The path of @link's pin into @buf (NUL-terminated, truncated to @size);
 * returns its size with the NUL, or 0 when the link has no such pin.
 */
u32 tcx_pin_path(struct tcx_link *link, char *buf, u32 size)
{
	struct tcx_pin *pin;
	u32 len = 0;

	spin_lock(&tcx_pin_lock);
	pin = tcx_link_get_pin(link);
	if (pin) {
		len = strlen(pin->path) + 1;
		if (size)
			strscpy(buf, pin->path, size);
	}
	spin_unlock(&tcx_pin_lock);
	return len;
}

int tcx_pin_init(void)
{
	tcx_pin_group = fsnotify_alloc_group(&tcx_pin_ops, 0);
	return PTR_ERR_OR_ZERO(tcx_pin_group);
}

/* Every pin holds the module: none is left, but the reaper may still run. */
void tcx_pin_exit(void)
{
	fsnotify_put_group(tcx_pin_group);
	fsnotify_wait_marks_destroyed();
}
