/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A deliberately naive reference model of the program array of one hook,
 * written from the rule tables of tcx-semantics.md (sections 1.3-1.8) and
 * sharing no code with module/mprog.c.  It keeps one plain list and no
 * a/b entries; the differential fuzzer compares the two.
 */
#ifndef _TCX_MPROG_MODEL_H
#define _TCX_MPROG_MODEL_H

#include <linux/types.h>

struct bpf_prog;
struct tcx_link;

#define MODEL_MAX	63

struct model_slot {
	struct bpf_prog *prog;
	struct tcx_link *link;		/* NULL: owned by the hook */
};

struct mprog_model {
	struct model_slot slot[MODEL_MAX];
	int n;
	u64 revision;
	struct bpf_prog *pending;	/* put at the next commit */
};

void model_init(struct mprog_model *m);
/* Same arguments and results as tcx_mprog_attach()/tcx_mprog_detach(). */
int model_attach(struct mprog_model *m, struct bpf_prog *prog_new,
		 struct tcx_link *link, struct bpf_prog *prog_old,
		 u32 flags, u32 id_or_fd, u64 revision);
int model_detach(struct mprog_model *m, struct bpf_prog *prog,
		 struct tcx_link *link, u32 flags, u32 id_or_fd,
		 u64 revision);
void model_commit(struct mprog_model *m);
u32 model_query(const struct mprog_model *m, u32 *prog_ids, u32 *link_ids,
		u32 room, u64 *revision);
/* A query of a hook that has no state: revision 1, no programs. */
u32 model_query_absent(u64 *revision);
/* Device unregister: put the hook's programs, report links, empty it. */
u32 model_teardown(struct mprog_model *m,
		   void (*unlink)(struct tcx_link *link, void *priv),
		   void *priv);

#endif
