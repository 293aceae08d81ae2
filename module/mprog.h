/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcx-dkms: the program array of one hook (device x direction), with the
 * attach/detach/query rules of upstream's bpf_mprog (Linux 6.6).
 *
 * What this layer is for
 * ~~~~~~~~~~~~~~~~~~~~~~
 * A hook runs up to TCX_MAX_PROGS programs in order.  Each slot is owned
 * either by the hook itself (a program attached with TCX_IOC_PROG_ATTACH,
 * "program-owned"; the hook holds the program reference) or by a tcx link
 * (the link holds the reference and the slot only records the link).
 * This file does the array algebra only: where a new program goes, which
 * slot a detach removes, which errno a request gets and in which order the
 * checks run.  It knows nothing of skbs, devices, ioctls or user memory,
 * and it never allocates: the caller embeds a struct tcx_mprog_bundle in
 * its per-hook state, so detach, link release and device unregister cannot
 * fail for lack of memory.
 *
 * Layout
 * ~~~~~~
 * The bundle holds two entries, a and b.  Each entry is the data-path view:
 * TCX_MAX_PROGS + 1 program pointers, NULL-terminated, so the last slot is
 * always NULL.  Exactly one entry is live (published by the caller with
 * rcu_assign_pointer); the other one is the spare.  Who owns each slot,
 * the number of programs, the revision and a program waiting to be put
 * after the grace period live once in the bundle: the data path never
 * reads them.
 *
 * Attach (pseudo-code of the caller, dev.c's tcx_dev_attach(), under RTNL):
 *
 *	if (!hook->live)
 *		tcx_hook_enable(hook);		(netfilter hook, empty array)
 *	ret = tcx_mprog_attach(entry, &entry_new, prog, link, prog_old,
 *			       flags, id_or_fd, expected_revision);
 *	if (ret)
 *		goto err;			(prog still belongs to the caller)
 *	if (entry_new != entry) {		(insert: a and b swapped)
 *		rcu_assign_pointer(hook->entry, entry_new);
 *		tcx_dev_sync();			(a grace period: see dev.c)
 *	}					(replace: done in place)
 *	tcx_mprog_commit(entry);		(revision + 1)
 *
 *   Inside: ESTALE (revision) -> EEXIST (prog already on the hook) ->
 *   resolve the relative object -> REPLACE: ENOENT/EBUSY, otherwise
 *   ERANGE when full -> BEFORE, AFTER: ENOENT/ERANGE -> no position but an
 *   anchor or any flag: EINVAL, else append -> ERANGE past the last slot.
 *   An insert copies the live entry into the spare, opens a hole there and
 *   returns the spare; a replace writes the slot of the live entry with
 *   WRITE_ONCE and, for a program-owned slot, puts the old program at once
 *   (programs are freed after an RCU grace period anyway).
 *
 * Detach (tcx_dev_detach(), under RTNL):
 *
 *	ret = tcx_mprog_detach(entry, &entry_new, prog, link,
 *			       flags, id_or_fd, expected_revision);
 *	if (ret)
 *		goto err;
 *	if (tcx_mprog_total(entry_new)) {
 *		rcu_assign_pointer(hook->entry, entry_new);
 *		tcx_dev_sync();
 *		tcx_mprog_commit(entry);	(puts the released program)
 *	} else {				(the last program)
 *		tcx_hook_disable(hook);		(unregister, then tcx_dev_sync())
 *		tcx_mprog_commit(entry);
 *		(free the per-hook state)
 *	}
 *
 *   Inside: REPLACE: EINVAL -> ESTALE -> empty: ENOENT -> resolve the
 *   relative object -> prog given: ENOENT/EBUSY -> BEFORE, AFTER:
 *   ENOENT/ERANGE -> no position but an anchor or any flag: EINVAL, else
 *   the last slot -> ERANGE past the last slot -> a link-owned slot without
 *   its link: EBUSY.  The delete copies the live entry into the spare,
 *   closes the hole there and returns the spare.
 *
 * Query (tcx_dev_query()): under RTNL, tcx_mprog_query() reports the
 * revision and the total and fills at most the given number of ids into
 * the caller's snapshot; the caller applies the ENOSPC and count rules of
 * BPF_PROG_QUERY and copies to user space after dropping RTNL.
 *
 * Fast path (hook.c, a netfilter hook: under rcu_read_lock()):
 *
 *	entry = rcu_dereference(hook->entry);
 *	slot = &entry->progs[0];
 *	prog = READ_ONCE(*slot);
 *	if (!prog)
 *		return NF_ACCEPT;		(registered, not yet filled)
 *	do {
 *		ret = bpf_prog_run(prog, skb);
 *		if (ret != TCX_NEXT)
 *			break;
 *		prog = READ_ONCE(*++slot);
 *	} while (prog);
 *
 *   The same walk as tcx_mprog_foreach_prog(), with the first load shared
 *   with the emptiness check.
 *
 * Device unregister (tcx_dev_uninstall(), under RTNL):
 *
 *	tcx_hook_disable(hook);			(no reader is left)
 *	n = tcx_mprog_release_all(entry, mark_link_defunct, priv);
 *
 *   A caller that keeps the hook running instead empties it with
 *   tcx_mprog_clear_all(), publishes the empty entry it returns, waits for
 *   a grace period, then calls tcx_mprog_release_all().
 *
 * Locking
 * ~~~~~~~
 * Every function here except the fast-path iterator must be called with
 * RTNL held (the caller's lock serialises all changes of a hook; this file
 * takes no lock).  The data path reads the live entry under RCU and touches
 * nothing but its program array.  A change returned in entry_new must be
 * published, followed by an RCU grace period and tcx_mprog_commit(), before
 * the next change to the same bundle: the next insert or delete reuses the
 * now spare entry as its scratch buffer.
 *
 * Relative objects
 * ~~~~~~~~~~~~~~~~
 * A relative object is a link (TCX_F_LINK, by fd or with TCX_F_ID by id) or
 * a program (by fd, or with TCX_F_ID by id).  Links and program fds are
 * resolved through the functions declared below (implemented by the link
 * and ioctl code).  A program id is looked up among this hook's own
 * programs, since a module cannot look up arbitrary program ids on 6.1
 * (bpf_prog_by_id is not exported).
 */
#ifndef _TCX_MPROG_H
#define _TCX_MPROG_H

#include <linux/types.h>
#include <linux/compiler.h>
#include <linux/cache.h>
#include <linux/atomic.h>
#include <linux/bpf.h>
#include <linux/tcx.h>

#define TCX_MPROG_SLOTS		(TCX_MAX_PROGS + 1)

struct tcx_link;
struct tcx_mprog_bundle;

struct tcx_mprog_entry {
	/* Data path: programs in run order, NULL after the last one. */
	struct bpf_prog *progs[TCX_MPROG_SLOTS] ____cacheline_aligned;
	struct tcx_mprog_bundle *parent;
};

struct tcx_mprog_bundle {
	struct tcx_mprog_entry a;
	struct tcx_mprog_entry b;
	/* Owner of each slot of the live entry: a link, or NULL for the hook. */
	struct tcx_link *links[TCX_MPROG_SLOTS];
	/* Program-owned program removed by a detach, put by commit. */
	struct bpf_prog *ref;
	atomic64_t revision;
	u32 count;
};

/*
 * What this file needs from the code around it, defined there: in the
 * module by dev.c (programs) and link.c (links), on the host by the unit
 * tests' shim (tests/unit/shim/fake.c).  bpf_prog_put() comes from
 * <linux/bpf.h>.
 */

/* dev.c: a referenced SCHED_CLS program, or ERR_PTR(-EBADF/-EINVAL). */
struct bpf_prog *tcx_prog_get_fd(u32 fd);
u32 tcx_prog_id(const struct bpf_prog *prog);
/*
 * link.c: a referenced tcx link, or ERR_PTR: -EBADF for a bad fd, -EINVAL
 * for an fd that is not a tcx link, -ENOENT for an unknown id.
 */
struct tcx_link *tcx_link_get_rel(u32 fd_or_id, bool by_id);
void tcx_link_put(struct tcx_link *link);
struct bpf_prog *tcx_link_prog(const struct tcx_link *link);
u32 tcx_link_id(const struct tcx_link *link);

static inline u32 tcx_mprog_max(void)
{
	return TCX_MAX_PROGS;
}

static inline struct tcx_mprog_entry *
tcx_mprog_bundle_entry(struct tcx_mprog_bundle *bundle)
{
	return &bundle->a;
}

/* Number of programs on the hook. */
static inline u32 tcx_mprog_total(const struct tcx_mprog_entry *entry)
{
	return entry->parent->count;
}

static inline u64 tcx_mprog_revision(const struct tcx_mprog_entry *entry)
{
	return atomic64_read(&entry->parent->revision);
}

/*
 * Runs through an entry's programs in order, as the data path does.  slot
 * is a struct bpf_prog * const *, prog a struct bpf_prog *.
 */
#define tcx_mprog_foreach_prog(entry, slot, prog)			\
	for ((slot) = &(entry)->progs[0];				\
	     ((prog) = READ_ONCE(*(slot))) != NULL;			\
	     (slot)++)

void tcx_mprog_bundle_init(struct tcx_mprog_bundle *bundle);
bool tcx_mprog_exists(const struct tcx_mprog_entry *entry,
		      const struct bpf_prog *prog);
int tcx_mprog_attach(struct tcx_mprog_entry *entry,
		     struct tcx_mprog_entry **entry_new,
		     struct bpf_prog *prog_new, struct tcx_link *link,
		     struct bpf_prog *prog_old, u32 flags, u32 id_or_fd,
		     u64 revision);
int tcx_mprog_detach(struct tcx_mprog_entry *entry,
		     struct tcx_mprog_entry **entry_new,
		     struct bpf_prog *prog, struct tcx_link *link,
		     u32 flags, u32 id_or_fd, u64 revision);
void tcx_mprog_commit(struct tcx_mprog_entry *entry);
u32 tcx_mprog_query(const struct tcx_mprog_entry *entry, u32 *prog_ids,
		    u32 *link_ids, u32 room, u64 *revision);
void tcx_mprog_clear_all(struct tcx_mprog_entry *entry,
			 struct tcx_mprog_entry **entry_new);
u32 tcx_mprog_release_all(struct tcx_mprog_entry *entry,
			  void (*unlink)(struct tcx_link *link, void *priv),
			  void *priv);

#endif /* _TCX_MPROG_H */
