/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The callers of mprog.c, reduced to what they do around it: the ioctls
 * (prog attach/detach/query, as upstream's tcx_prog_* do them), the link
 * operations (create, update, detach, close) and device unregister.  The
 * hook publishes, "synchronises" and commits exactly as mprog.h asks.
 *
 * A hook runs either module/mprog.c or the reference model (mprog_model.c),
 * so the same sequence of calls can be replayed on both.
 */
#ifndef _TCX_HOOK_H
#define _TCX_HOOK_H

#include "mprog.h"
#include "mprog_model.h"
#include "fake.h"

struct fake_hook {
	struct tcx_mprog_bundle bundle;
	struct mprog_model model;
	struct fake_world *world;
	/* The published pointer (NULL: no per-hook state). */
	struct tcx_mprog_entry *live;
	bool use_model;
	/* Keep the state when the last program goes, as a qdisc would. */
	bool keep;
	bool present;		/* per-hook state exists */
	bool gone;		/* device unregistered: ENODEV */
	unsigned int syncs;	/* grace periods waited for */
};

void hook_init(struct fake_hook *h, struct fake_world *w, bool use_model,
	       bool keep);
/* TCX_IOC_PROG_ATTACH after the flag-mask check. */
int hook_prog_attach(struct fake_hook *h, u32 prog_fd, u32 flags,
		     u32 replace_fd, u32 relative, u64 revision);
/* TCX_IOC_PROG_DETACH after the flag-mask check; prog_fd 0: positional. */
int hook_prog_detach(struct fake_hook *h, u32 prog_fd, u32 flags,
		     u32 relative, u64 revision);
/* Link create: on success *linkp holds the new link (its fd open). */
int hook_link_create(struct fake_hook *h, u32 prog_fd, u32 flags,
		     u32 relative, u64 revision, struct tcx_link **linkp);
/* Link update: flags 0 or TCX_F_REPLACE with old_prog_fd. */
int hook_link_update(struct fake_hook *h, struct tcx_link *link,
		     u32 new_prog_fd, u32 flags, u32 old_prog_fd);
/* BPF_LINK_DETACH: always 0, the link becomes defunct. */
int hook_link_detach(struct fake_hook *h, struct tcx_link *link);
/* Closing the link's fd: auto-detach, then the fd's reference goes. */
void hook_link_close(struct fake_hook *h, struct tcx_link *link);
/*
 * TCX_IOC_QUERY: *count is the capacity in, the total out; -ENOSPC when
 * the arrays were too small (what fits is filled).
 */
int hook_query(struct fake_hook *h, u32 *prog_ids, u32 *link_ids,
	       u32 *count, u64 *revision);
/*
 * NETDEV_UNREGISTER: programs put, links defunct, hook gone.  Returns the
 * number of programs that were on the hook, *links the links among them.
 */
u32 hook_unregister(struct fake_hook *h, unsigned int *links);
u32 hook_total(const struct fake_hook *h);
/* Slot i of the live array (NULL past the end), and its owner. */
struct bpf_prog *hook_prog_at(const struct fake_hook *h, u32 i);
struct tcx_link *hook_link_at(const struct fake_hook *h, u32 i);
u64 hook_revision(const struct fake_hook *h);

#endif
