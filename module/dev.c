// SPDX-License-Identifier: GPL-2.0
/*
 * Per device and direction state: the program array of one hook, found by
 * (net_device, direction) on the control path, and what attach, detach and
 * query do to it.  This is the control half of upstream's kernel/bpf/tcx.c;
 * the data half is hook.c.
 *
 * Locking: every change runs under RTNL, which also keeps the device from
 * going away; the data path only reads hook->entry under RCU.  A hook is
 * allocated on the first attach and freed when its last program goes, so a
 * device without programs costs nothing.  Each hook holds a module
 * reference: tcx.ko cannot be unloaded while any program is attached.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hashtable.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "tcx.h"

/* Keyed by the net_device pointer, which survives a move to another netns. */
static DEFINE_HASHTABLE(tcx_hooks, 8);

struct tcx_hook *tcx_hook_lookup(const struct net_device *dev,
				 enum tcx_direction dir)
{
	struct tcx_hook *hook;

	ASSERT_RTNL();
	hash_for_each_possible(tcx_hooks, hook, node, (unsigned long)dev)
		if (hook->dev == dev && hook->dir == dir)
			return hook;
	return NULL;
}

static struct tcx_hook *tcx_hook_create(struct net_device *dev,
					enum tcx_direction dir)
{
	struct tcx_hook *hook;

	if (!try_module_get(THIS_MODULE))
		return ERR_PTR(-ENODEV);
	hook = kzalloc(sizeof(*hook), GFP_KERNEL_ACCOUNT);
	if (!hook)
		goto err_module;
	hook->dev = dev;
	hook->dir = dir;
	tcx_mprog_bundle_init(&hook->bundle);
	RCU_INIT_POINTER(hook->entry, tcx_mprog_bundle_entry(&hook->bundle));
	if (tcx_hook_init(hook))
		goto err_free;
	hash_add(tcx_hooks, &hook->node, (unsigned long)dev);
	return hook;

err_free:
	kfree(hook);
err_module:
	module_put(THIS_MODULE);
	return ERR_PTR(-ENOMEM);
}

/* Only once the data path is disabled: it no longer reaches the hook. */
static void tcx_hook_free(struct tcx_hook *hook)
{
	hash_del(&hook->node);
	tcx_hook_fini(hook);
	kfree(hook);
	module_put(THIS_MODULE);
}

static struct tcx_mprog_entry *tcx_hook_entry(struct tcx_hook *hook)
{
	return rtnl_dereference(hook->entry);
}

/*
 * Make a change visible: readers still running on the old array are waited
 * for before commit releases what was taken out of it.  Replace works in
 * place and has nothing to wait for.  Under RTNL, synchronize_net() waits
 * for an expedited grace period, as the core does for its own changes: a
 * normal one would make every attach and detach take milliseconds.
 */
static void tcx_hook_publish(struct tcx_hook *hook,
			     struct tcx_mprog_entry *entry,
			     struct tcx_mprog_entry *entry_new)
{
	if (entry_new != entry) {
		rcu_assign_pointer(hook->entry, entry_new);
		synchronize_net();
	}
	tcx_mprog_commit(entry);
}

int tcx_hook_attach(struct net_device *dev, enum tcx_direction dir,
		    struct bpf_prog *prog, struct tcx_link *link,
		    struct bpf_prog *replace_prog, u32 flags, u32 relative,
		    u64 revision)
{
	struct tcx_mprog_entry *entry, *entry_new;
	struct tcx_hook *hook;
	bool created = false;
	int ret;

	ASSERT_RTNL();
	hook = tcx_hook_lookup(dev, dir);
	if (!hook) {
		hook = tcx_hook_create(dev, dir);
		if (IS_ERR(hook))
			return PTR_ERR(hook);
		created = true;
	}

	entry = tcx_hook_entry(hook);
	/*
	 * The netfilter hook goes in before the first program, so that a
	 * failure to register it leaves nothing to undo in the array; it
	 * runs an empty array until then.
	 */
	if (!hook->live) {
		ret = tcx_hook_enable(hook);
		if (ret)
			goto err_free;
	}
	ret = tcx_mprog_attach(entry, &entry_new, prog, link, replace_prog,
			       flags, relative, revision);
	if (ret)
		goto err_disable;
	tcx_hook_publish(hook, entry, entry_new);
	return 0;

err_disable:
	if (!tcx_mprog_total(entry))
		tcx_hook_disable(hook);
err_free:
	if (created)
		tcx_hook_free(hook);
	return ret;
}

/* Never fails for lack of memory: mprog swaps to the preallocated peer. */
int tcx_hook_detach(struct net_device *dev, enum tcx_direction dir,
		    struct bpf_prog *prog, struct tcx_link *link, u32 flags,
		    u32 relative, u64 revision)
{
	struct tcx_mprog_entry *entry, *entry_new;
	struct tcx_hook *hook;
	int ret;

	ASSERT_RTNL();
	hook = tcx_hook_lookup(dev, dir);
	if (!hook)
		return -ENOENT;

	entry = tcx_hook_entry(hook);
	ret = tcx_mprog_detach(entry, &entry_new, prog, link, flags, relative,
			       revision);
	if (ret)
		return ret;
	if (tcx_mprog_total(entry_new)) {
		tcx_hook_publish(hook, entry, entry_new);
		return 0;
	}
	/* The last program: unregistering waits for the data path to finish. */
	tcx_hook_disable(hook);
	tcx_mprog_commit(entry);
	tcx_hook_free(hook);
	return 0;
}

/* The device is going away: programs are released, links become defunct. */
static void tcx_hook_uninstall(struct tcx_hook *hook)
{
	struct tcx_mprog_entry *entry = tcx_hook_entry(hook);

	struct tcx_mprog_entry *entry_new;

	/* Disabling waits for the data path: nothing needs publishing. */
	tcx_hook_disable(hook);
	tcx_mprog_clear_all(entry, &entry_new);
	tcx_mprog_release_all(entry, tcx_link_dev_gone, NULL);
	tcx_hook_free(hook);
}

void tcx_dev_unregister(struct net_device *dev)
{
	enum tcx_direction dir;
	struct tcx_hook *hook;

	ASSERT_RTNL();
	for (dir = TCX_INGRESS; dir <= TCX_EGRESS; dir++) {
		hook = tcx_hook_lookup(dev, dir);
		if (hook)
			tcx_hook_uninstall(hook);
	}
}

struct bpf_prog *tcx_prog_get_fd(u32 fd)
{
	/* Device-bound (offloaded) programs are refused, as upstream. */
	return bpf_prog_get_type_dev(fd, BPF_PROG_TYPE_SCHED_CLS, false);
}

u32 tcx_prog_id(const struct bpf_prog *prog)
{
	return prog->aux->id;
}

static int tcx_prog_get(u32 fd, struct bpf_prog **prog)
{
	*prog = tcx_prog_get_fd(fd);
	if (IS_ERR(*prog))
		return PTR_ERR(*prog);
	return 0;
}

/*
 * The checks run in upstream's order: arguments, the program, the device,
 * the program to replace, then the placement rules of mprog.
 */
int tcx_dev_prog_attach(struct net *net, const struct tcx_prog_args *args)
{
	struct bpf_prog *prog, *replace_prog = NULL;
	struct net_device *dev;
	int ret;

	if (args->flags & ~TCX_F_ATTACH_MASK || args->direction > TCX_EGRESS ||
	    args->__reserved)
		return -EINVAL;
	ret = tcx_prog_get(args->prog_fd, &prog);
	if (ret)
		return ret;

	rtnl_lock();
	dev = __dev_get_by_index(net, args->ifindex);
	if (!dev) {
		ret = -ENODEV;
		goto out_unlock;
	}
	if (args->flags & TCX_F_REPLACE) {
		ret = tcx_prog_get(args->replace_prog_fd, &replace_prog);
		if (ret)
			goto out_unlock;
	}
	ret = tcx_hook_attach(dev, args->direction, prog, NULL, replace_prog,
			      args->flags, args->relative_fd,
			      args->expected_revision);
	if (replace_prog)
		bpf_prog_put(replace_prog);
out_unlock:
	rtnl_unlock();
	/* On success the hook owns the reference. */
	if (ret)
		bpf_prog_put(prog);
	return ret;
}

int tcx_dev_prog_detach(struct net *net, const struct tcx_prog_args *args)
{
	struct bpf_prog *prog = NULL;
	struct net_device *dev;
	int ret;

	if (args->flags & ~TCX_F_ATTACH_MASK || args->direction > TCX_EGRESS ||
	    args->__reserved)
		return -EINVAL;
	if (args->prog_fd) {
		ret = tcx_prog_get(args->prog_fd, &prog);
		if (ret)
			return ret;
	}

	rtnl_lock();
	dev = __dev_get_by_index(net, args->ifindex);
	if (dev)
		ret = tcx_hook_detach(dev, args->direction, prog, NULL,
				      args->flags, args->relative_fd,
				      args->expected_revision);
	else
		ret = -ENODEV;
	rtnl_unlock();
	if (prog)
		bpf_prog_put(prog);
	return ret;
}

static int tcx_put_ids(u64 uptr, const u32 *ids, u32 n)
{
	if (!uptr || !n)
		return 0;
	if (copy_to_user(u64_to_user_ptr(uptr), ids, n * sizeof(*ids)))
		return -EFAULT;
	return 0;
}

static int tcx_put_zeroes(u64 uptr, u32 n)
{
	if (!uptr || !n)
		return 0;
	if (clear_user(u64_to_user_ptr(uptr), n * sizeof(u32)))
		return -EFAULT;
	return 0;
}

/*
 * As upstream: the revision and the total are always written back; arrays
 * are filled only when the caller gave both room and a prog_ids array, and
 * a short array gets what fits and ENOSPC.
 */
int tcx_dev_query(struct net *net, struct tcx_query_args *args,
		  struct tcx_query_args __user *uargs)
{
	u32 prog_ids[TCX_MAX_PROGS], link_ids[TCX_MAX_PROGS];
	struct tcx_hook_stats stats = {};
	struct tcx_mprog_entry *entry = NULL;
	u32 total = 0, hook_flags = 0, n;
	struct net_device *dev;
	struct tcx_hook *hook;
	u64 revision = 1;
	int ret = 0;

	if (args->query_flags || args->attach_flags || args->__reserved ||
	    args->direction > TCX_EGRESS)
		return -EINVAL;

	rtnl_lock();
	dev = __dev_get_by_index(net, args->ifindex);
	if (!dev) {
		ret = -ENODEV;
		goto out_unlock;
	}
	hook = tcx_hook_lookup(dev, args->direction);
	if (hook) {
		entry = tcx_hook_entry(hook);
		total = tcx_mprog_total(entry);
		revision = tcx_mprog_revision(entry);
		if (hook->live)
			hook_flags |= TCX_HOOK_F_LIVE;
		tcx_hook_read_stats(hook, &stats);
	}

	if (put_user(0, &uargs->attach_flags) ||
	    put_user(revision, &uargs->revision) ||
	    put_user(total, &uargs->count)) {
		ret = -EFAULT;
		goto out_unlock;
	}
	/* Only what the caller's struct has room for. */
	if (args->size >= offsetofend(struct tcx_query_args, stats) &&
	    (put_user(hook_flags, &uargs->hook_flags) ||
	     copy_to_user(&uargs->stats, &stats, sizeof(stats)))) {
		ret = -EFAULT;
		goto out_unlock;
	}
	if (!args->count || !args->prog_ids || !total)
		goto out_unlock;

	n = min(args->count, total);
	tcx_mprog_query(entry, prog_ids, link_ids, n, &revision);
	ret = tcx_put_ids(args->prog_ids, prog_ids, n) ?:
	      tcx_put_zeroes(args->prog_attach_flags, n) ?:
	      tcx_put_ids(args->link_ids, link_ids, n) ?:
	      tcx_put_zeroes(args->link_attach_flags, n);
	if (!ret && args->count < total)
		ret = -ENOSPC;
out_unlock:
	rtnl_unlock();
	return ret;
}
