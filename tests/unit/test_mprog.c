// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of module/mprog.c against tcx-semantics.md: the attach and
 * detach tables (1.5, 1.6), query (1.7), ownership (1.8), revisions (1.3)
 * and the tc_opts/tc_links selftest scenarios that are pure algebra.
 *
 * Most tests go through shim/hook.c, which calls mprog.c the way the ioctl
 * and link code do.  After every check of the hook's order the references
 * of every fake program and link are recounted from scratch, so a leaked or
 * doubly put reference fails the test where it happens.  The api_* tests
 * call mprog.c directly to pin down the calling protocol.
 *
 * Every test runs twice: without a qdisc (the per-hook state goes away with
 * the last program, and the revision restarts at 1) and with one (the
 * state stays).
 *
 * Names p1..p70 are programs, L(n) in an expected order is the slot of the
 * link self->lk[n], whose program is pn.
 */

/* The harness's own functions have unused parameters. */
#pragma GCC diagnostic ignored "-Wunused-parameter"

#include "kselftest_harness.h"

#include <linux/bug.h>
#include <linux/errno.h>

#include "hook.h"

#define NPROGS		70
#define L(n)		(-(n))

#define F_REPLACE	TCX_F_REPLACE
#define F_BEFORE	TCX_F_BEFORE
#define F_AFTER		TCX_F_AFTER
#define F_ID		TCX_F_ID
#define F_LINK		TCX_F_LINK

FIXTURE(mprog) {
	struct fake_world w;
	struct fake_hook h;		/* the hook under test ("ingress") */
	struct fake_hook h2;		/* another hook ("egress") */
	struct bpf_prog *p[NPROGS + 1];
	struct bpf_prog *xdp;		/* a program of another type */
	struct tcx_link *lk[NPROGS + 1];
};

FIXTURE_VARIANT(mprog) {
	bool keep;
};

FIXTURE_VARIANT_ADD(mprog, no_qdisc) {
	.keep = false,
};

FIXTURE_VARIANT_ADD(mprog, qdisc) {
	.keep = true,
};

typedef FIXTURE_DATA(mprog) fx_t;

FIXTURE_SETUP(mprog)
{
	int i;

	fake_world_init(&self->w);
	fake_use(&self->w);
	hook_init(&self->h, &self->w, false, variant->keep);
	hook_init(&self->h2, &self->w, false, variant->keep);
	for (i = 1; i <= NPROGS; i++)
		self->p[i] = fake_prog_new(&self->w, BPF_PROG_TYPE_SCHED_CLS);
	self->xdp = fake_prog_new(&self->w, BPF_PROG_TYPE_XDP);
	shim_warnings = 0;
}

static void check_refs(struct __test_metadata *_metadata, fx_t *self)
{
	struct fake_hook *hooks[] = { &self->h, &self->h2 };
	struct tcx_link *link;
	unsigned int i, j, k;
	int want;

	for (i = 1; i <= NPROGS; i++) {
		want = 1;
		for (k = 0; k < ARRAY_SIZE(hooks); k++)
			for (j = 0; j < hook_total(hooks[k]); j++)
				if (hook_prog_at(hooks[k], j) == self->p[i] &&
				    !hook_link_at(hooks[k], j))
					want++;
		for (j = 0; j < FAKE_LINKS; j++) {
			link = &self->w.links[j];
			if (link->refcnt > 0 && link->prog == self->p[i])
				want++;
		}
		EXPECT_EQ(want, self->p[i]->refcnt)
			TH_LOG("references of p%u", i);
	}
	EXPECT_EQ(1, self->xdp->refcnt);
	for (j = 0; j < FAKE_LINKS; j++) {
		link = &self->w.links[j];
		EXPECT_EQ(link->fd ? 1 : 0, link->refcnt)
			TH_LOG("references of link %u", link->id);
	}
	EXPECT_EQ(0u, self->w.errors);
	EXPECT_EQ(0u, shim_warnings);
}

FIXTURE_TEARDOWN(mprog)
{
	unsigned int links, j;
	struct tcx_link *link;

	for (j = 0; j < FAKE_LINKS; j++) {
		link = &self->w.links[j];
		if (link->fd)
			hook_link_close(link->owner ? link->owner : &self->h,
					link);
	}
	hook_unregister(&self->h, &links);
	hook_unregister(&self->h2, &links);
	check_refs(_metadata, self);
	for (j = 1; j <= NPROGS; j++)
		EXPECT_EQ(1, self->p[j]->refcnt);
	for (j = 0; j < FAKE_LINKS; j++)
		EXPECT_EQ(0, self->w.links[j].refcnt);
}

/* Shorthands for the ioctls and link operations on self->h. */

#define FD(n)		(self->p[n]->fd)
#define ID(n)		(self->p[n]->id)
#define LFD(n)		(self->lk[n]->fd)
#define LID(n)		(self->lk[n]->id)
#define REV()		hook_revision(&self->h)
#define TOTAL()		hook_total(&self->h)

static int att(fx_t *self, int n, u32 flags, u32 rel, u64 rev)
{
	return hook_prog_attach(&self->h, FD(n), flags, 0, rel, rev);
}

static int rep(fx_t *self, int n, int old, u32 flags, u32 rel, u64 rev)
{
	return hook_prog_attach(&self->h, FD(n), flags | F_REPLACE, FD(old),
				rel, rev);
}

/* n == 0: positional detach */
static int det(fx_t *self, int n, u32 flags, u32 rel, u64 rev)
{
	return hook_prog_detach(&self->h, n ? FD(n) : 0, flags, rel, rev);
}

static int lnk_on(fx_t *self, struct fake_hook *h, int n, u32 flags,
		  u32 rel, u64 rev)
{
	struct tcx_link *link;
	int ret;

	ret = hook_link_create(h, FD(n), flags, rel, rev, &link);
	if (!ret)
		self->lk[n] = link;
	return ret;
}

static int lnk(fx_t *self, int n, u32 flags, u32 rel, u64 rev)
{
	return lnk_on(self, &self->h, n, flags, rel, rev);
}

static void expect_order(struct __test_metadata *_metadata, fx_t *self,
			 struct fake_hook *h, const int *want, u32 nr)
{
	u32 ids[TCX_MAX_PROGS + 1], lids[TCX_MAX_PROGS + 1];
	u32 count = TCX_MAX_PROGS, i;
	struct bpf_prog *const *slot;
	struct bpf_prog *prog;
	u64 rev;
	int n;

	ASSERT_EQ(0, hook_query(h, ids, lids, &count, &rev));
	ASSERT_EQ(nr, count);
	ASSERT_EQ(nr, hook_total(h));
	for (i = 0; i < nr; i++) {
		n = want[i] < 0 ? -want[i] : want[i];
		EXPECT_EQ(self->p[n]->id, ids[i]) TH_LOG("slot %u", i);
		if (want[i] < 0) {
			ASSERT_NE(NULL, self->lk[n]);
			EXPECT_EQ(self->lk[n]->id, lids[i]) TH_LOG("slot %u", i);
		} else {
			EXPECT_EQ(0u, lids[i]) TH_LOG("slot %u", i);
		}
	}
	/* The data path sees the same programs and stops at the NULL. */
	if (h->present) {
		i = 0;
		tcx_mprog_foreach_prog(h->live, slot, prog) {
			ASSERT_LT(i, nr);
			n = want[i] < 0 ? -want[i] : want[i];
			EXPECT_EQ(self->p[n], prog);
			i++;
		}
		EXPECT_EQ(nr, i);
		EXPECT_EQ(NULL, h->live->progs[nr]);
	} else {
		EXPECT_EQ(0u, nr);
		EXPECT_EQ(NULL, h->live);
	}
	check_refs(_metadata, self);
}

#define EXPECT_ORDER_ON(hook, ...) do {					\
	const int __want[] = { __VA_ARGS__ };				\
	expect_order(_metadata, self, hook, __want, ARRAY_SIZE(__want)); \
} while (0)
#define EXPECT_ORDER(...)	EXPECT_ORDER_ON(&self->h, __VA_ARGS__)
#define EXPECT_EMPTY_ON(hook)	expect_order(_metadata, self, hook, NULL, 0)
#define EXPECT_EMPTY()		EXPECT_EMPTY_ON(&self->h)
#define EXPECT_REV(r)		EXPECT_EQ((u64)(r), REV())

/* A revision that depends on whether the state outlived an empty hook. */
#define KEPT_OR_FRESH(kept, fresh)	(variant->keep ? (kept) : (fresh))

/* 1.5: attach, case by case */

TEST_F(mprog, attach_no_flags_appends)
{
	ASSERT_EQ(0, att(self, 1, 0, 0, 0));
	ASSERT_EQ(0, att(self, 2, 0, 0, 0));
	ASSERT_EQ(0, att(self, 3, 0, 0, 0));
	EXPECT_ORDER(1, 2, 3);
	EXPECT_REV(4);
}

TEST_F(mprog, attach_relative_without_position)
{
	ASSERT_EQ(0, att(self, 1, 0, 0, 0));
	EXPECT_EQ(-EINVAL, att(self, 2, 0, FD(1), 0));
	EXPECT_EQ(-EINVAL, att(self, 2, 0, FD(3), 0));
	/* A relative fd is resolved first: its own errors win. */
	EXPECT_EQ(-EBADF, att(self, 2, 0, FAKE_FD_BAD, 0));
	EXPECT_EQ(-EINVAL, att(self, 2, 0, FAKE_FD_NOT_BPF, 0));
	EXPECT_EQ(-EINVAL, att(self, 2, 0, self->xdp->fd, 0));
	/* Unknown flag bits count as flags. */
	EXPECT_EQ(-EINVAL, att(self, 2, 1U << 7, 0, 0));
	EXPECT_EQ(-EINVAL, att(self, 2, 1U << 31, 0, 0));
	EXPECT_ORDER(1);
	EXPECT_REV(2);
}

TEST_F(mprog, attach_id_alone)
{
	EXPECT_EQ(-ENOENT, att(self, 1, F_ID, 0, 0));
	EXPECT_EMPTY();
	ASSERT_EQ(0, att(self, 1, 0, 0, 0));
	EXPECT_EQ(-ENOENT, att(self, 2, F_ID, 0, 0));
	/* An id on this hook, but no position. */
	EXPECT_EQ(-EINVAL, att(self, 2, F_ID, ID(1), 0));
	/*
	 * Program ids are looked up on this hook only: one that is not here
	 * gives ENOENT (upstream: EINVAL, as bpf_prog_by_id finds it).
	 */
	EXPECT_EQ(-ENOENT, att(self, 2, F_ID, ID(3), 0));
	EXPECT_EQ(-ENOENT, att(self, 2, F_ID, 424242, 0));
	EXPECT_ORDER(1);
	EXPECT_REV(2);
}

TEST_F(mprog, attach_link_flag_alone)
{
	ASSERT_EQ(0, att(self, 1, 0, 0, 0));
	ASSERT_EQ(0, lnk(self, 3, 0, 0, 0));
	EXPECT_EQ(-EINVAL, att(self, 2, F_LINK, 0, 0));
	EXPECT_EQ(-EINVAL, att(self, 2, F_LINK, FD(1), 0));
	EXPECT_EQ(-EINVAL, att(self, 2, F_LINK, LFD(3), 0));
	EXPECT_EQ(-EBADF, att(self, 2, F_LINK, FAKE_FD_BAD, 0));
	EXPECT_EQ(-EINVAL, att(self, 2, F_LINK, FAKE_FD_NOT_BPF, 0));
	EXPECT_EQ(-ENOENT, att(self, 2, F_LINK | F_ID, 0, 0));
	EXPECT_EQ(-EINVAL, att(self, 2, F_LINK | F_ID, LID(3), 0));
	EXPECT_EQ(-ENOENT, att(self, 2, F_LINK | F_ID, ~0U, 0));
	EXPECT_ORDER(1, L(3));
	EXPECT_REV(3);
}

TEST_F(mprog, attach_prepend_append)
{
	ASSERT_EQ(0, att(self, 1, F_BEFORE, 0, 0));
	ASSERT_EQ(0, att(self, 2, F_BEFORE, 0, 0));
	ASSERT_EQ(0, att(self, 3, F_AFTER, 0, 0));
	ASSERT_EQ(0, att(self, 4, F_BEFORE, 0, 0));
	ASSERT_EQ(0, att(self, 5, F_AFTER, 0, 0));
	EXPECT_ORDER(4, 2, 1, 3, 5);
	EXPECT_REV(6);
}

TEST_F(mprog, attach_before_after_anchor)
{
	ASSERT_EQ(0, att(self, 1, 0, 0, 0));
	ASSERT_EQ(0, att(self, 2, 0, 0, 0));
	ASSERT_EQ(0, att(self, 3, F_BEFORE, FD(2), 0));
	EXPECT_ORDER(1, 3, 2);
	ASSERT_EQ(0, att(self, 4, F_BEFORE, FD(1), 0));
	ASSERT_EQ(0, att(self, 5, F_AFTER, FD(2), 0));
	ASSERT_EQ(0, att(self, 6, F_AFTER, FD(4), 0));
	EXPECT_ORDER(4, 6, 1, 3, 2, 5);
	ASSERT_EQ(0, att(self, 7, F_BEFORE | F_ID, ID(3), 0));
	ASSERT_EQ(0, att(self, 8, F_AFTER | F_ID, ID(5), 0));
	EXPECT_ORDER(4, 6, 1, 7, 3, 2, 5, 8);
	/* Unknown bits next to a position change nothing. */
	ASSERT_EQ(0, att(self, 9, F_AFTER | (1U << 7), FD(4), 0));
	EXPECT_ORDER(4, 9, 6, 1, 7, 3, 2, 5, 8);
	EXPECT_REV(10);
}

TEST_F(mprog, attach_anchor_not_on_hook)
{
	ASSERT_EQ(0, att(self, 1, 0, 0, 0));
	ASSERT_EQ(0, lnk_on(self, &self->h2, 4, 0, 0, 0));
	ASSERT_EQ(0, hook_prog_attach(&self->h2, FD(5), 0, 0, 0, 0));
	EXPECT_EQ(-ENOENT, att(self, 2, F_BEFORE, FD(3), 0));
	EXPECT_EQ(-ENOENT, att(self, 2, F_AFTER, FD(3), 0));
	EXPECT_EQ(-ENOENT, att(self, 2, F_BEFORE, FD(2), 0));
	EXPECT_EQ(-ENOENT, att(self, 2, F_AFTER, FD(2), 0));
	EXPECT_EQ(-ENOENT, att(self, 2, F_BEFORE | F_ID, 0, 0));
	EXPECT_EQ(-ENOENT, att(self, 2, F_AFTER | F_ID, 0, 0));
	EXPECT_EQ(-ENOENT, att(self, 2, F_BEFORE | F_LINK | F_ID, ~0U, 0));
	/* Objects that sit on another hook. */
	EXPECT_EQ(-ENOENT, att(self, 2, F_BEFORE | F_LINK, LFD(4), 0));
	EXPECT_EQ(-ENOENT, att(self, 2, F_AFTER | F_LINK | F_ID, LID(4), 0));
	EXPECT_EQ(-ENOENT, att(self, 2, F_AFTER, FD(4), 0));
	EXPECT_EQ(-ENOENT, att(self, 2, F_BEFORE, FD(5), 0));
	EXPECT_EQ(-ENOENT, att(self, 2, F_BEFORE | F_ID, ID(5), 0));
	/* Resolution errors of the anchor. */
	EXPECT_EQ(-EBADF, att(self, 2, F_BEFORE, FAKE_FD_BAD, 0));
	EXPECT_EQ(-EINVAL, att(self, 2, F_BEFORE, FAKE_FD_NOT_BPF, 0));
	EXPECT_EQ(-EINVAL, att(self, 2, F_BEFORE, self->xdp->fd, 0));
	EXPECT_EQ(-EINVAL, att(self, 2, F_BEFORE | F_LINK, FD(1), 0));
	EXPECT_EQ(-EINVAL, att(self, 2, F_BEFORE | F_LINK, 0, 0));
	EXPECT_ORDER(1);
	EXPECT_ORDER_ON(&self->h2, L(4), 5);
	EXPECT_REV(2);
}

TEST_F(mprog, attach_before_and_after)
{
	EXPECT_EQ(-ERANGE, att(self, 1, F_BEFORE | F_AFTER, 0, 0));
	EXPECT_EMPTY();
	ASSERT_EQ(0, att(self, 1, 0, 0, 0));
	EXPECT_EQ(-ERANGE, att(self, 2, F_BEFORE | F_AFTER, 0, 0));
	EXPECT_EQ(-ERANGE, att(self, 2, F_BEFORE | F_AFTER, FD(1), 0));
	EXPECT_EQ(-ENOENT, att(self, 2, F_BEFORE | F_AFTER, FD(3), 0));
	EXPECT_ORDER(1);
	EXPECT_REV(2);
}

TEST_F(mprog, attach_eexist_precedence)
{
	ASSERT_EQ(0, att(self, 1, 0, 0, 0));
	ASSERT_EQ(0, att(self, 2, 0, 0, 0));
	EXPECT_EQ(-EEXIST, att(self, 1, 0, 0, 0));
	EXPECT_EQ(-EEXIST, att(self, 1, F_BEFORE, FD(1), 0));
	EXPECT_EQ(-EEXIST, att(self, 1, F_AFTER, FD(1), 0));
	EXPECT_EQ(-EEXIST, att(self, 1, F_BEFORE, FD(3), 0));
	EXPECT_EQ(-EEXIST, att(self, 1, F_LINK, FAKE_FD_BAD, 0));
	EXPECT_EQ(-EEXIST, att(self, 1, F_BEFORE | F_AFTER, 0, 0));
	EXPECT_EQ(-EEXIST, rep(self, 1, 2, 0, 0, 0));
	EXPECT_EQ(-EEXIST, rep(self, 2, 2, 0, 0, 0));
	EXPECT_EQ(-EEXIST, rep(self, 1, 3, 0, 0, 0));
	/* ESTALE comes first. */
	EXPECT_EQ(-ESTALE, att(self, 1, 0, 0, 99));
	EXPECT_ORDER(1, 2);
	EXPECT_REV(3);
}

TEST_F(mprog, attach_prog_once_per_hook)
{
	ASSERT_EQ(0, lnk(self, 1, 0, 0, 0));
	EXPECT_EQ(-EEXIST, att(self, 1, 0, 0, 0));
	EXPECT_EQ(-EEXIST, lnk(self, 1, 0, 0, 0));
	ASSERT_EQ(0, att(self, 2, 0, 0, 0));
	EXPECT_EQ(-EEXIST, lnk(self, 2, 0, 0, 0));
	/* The same programs may sit on another hook. */
	ASSERT_EQ(0, hook_prog_attach(&self->h2, FD(1), 0, 0, 0, 0));
	ASSERT_EQ(0, hook_prog_attach(&self->h2, FD(2), 0, 0, 0, 0));
	EXPECT_ORDER(L(1), 2);
	EXPECT_ORDER_ON(&self->h2, 1, 2);
}

TEST_F(mprog, attach_estale_first)
{
	EXPECT_EQ(0, att(self, 1, 0, 0, 1));
	EXPECT_EQ(-ESTALE, att(self, 2, 0, 0, 1));
	EXPECT_EQ(-ESTALE, att(self, 2, F_BEFORE | F_AFTER, 0, 3));
	EXPECT_EQ(-ESTALE, att(self, 2, F_LINK, FAKE_FD_BAD, 3));
	EXPECT_EQ(-ESTALE, rep(self, 2, 3, 0, 0, 3));
	EXPECT_EQ(-ESTALE, lnk(self, 2, 0, 0, 1));
	EXPECT_EQ(0, att(self, 2, 0, 0, 2));
	EXPECT_ORDER(1, 2);
	EXPECT_REV(3);
	EXPECT_EQ(-ESTALE, det(self, 2, 0, 0, 2));
	EXPECT_EQ(0, det(self, 2, 0, 0, 3));
	EXPECT_ORDER(1);
	EXPECT_EQ(0, det(self, 1, 0, 0, 0));
	EXPECT_EMPTY();
}

/* 1.5: REPLACE */

TEST_F(mprog, replace_in_place)
{
	ASSERT_EQ(0, att(self, 1, 0, 0, 0));
	ASSERT_EQ(0, att(self, 2, 0, 0, 0));
	ASSERT_EQ(0, rep(self, 3, 1, 0, 0, 3));
	EXPECT_ORDER(3, 2);
	EXPECT_REV(4);
	/* The hook's reference to p1 went at once. */
	EXPECT_EQ(1, self->p[1]->refcnt);
	EXPECT_EQ(-ENOENT, rep(self, 4, 1, 0, 0, 0));
	EXPECT_EQ(-ENOENT, rep(self, 4, 5, 0, 0, 0));
	EXPECT_EQ(-EEXIST, rep(self, 2, 3, 0, 0, 0));
	EXPECT_ORDER(3, 2);
	EXPECT_REV(4);
}

TEST_F(mprog, replace_link_owned)
{
	/* tc_opts_mixed */
	ASSERT_EQ(0, att(self, 1, 0, 0, 0));
	ASSERT_EQ(0, lnk(self, 2, 0, 0, 0));
	EXPECT_EQ(-EEXIST, rep(self, 2, 1, 0, 0, 0));
	EXPECT_EQ(-EEXIST, rep(self, 1, 2, 0, 0, 0));
	EXPECT_EQ(-EBUSY, rep(self, 3, 2, 0, 0, 0));
	EXPECT_EQ(-EBUSY, rep(self, 3, 2, F_BEFORE | F_AFTER, 0, 0));
	ASSERT_EQ(0, rep(self, 3, 1, 0, 0, 0));
	EXPECT_ORDER(3, L(2));
	ASSERT_EQ(0, lnk(self, 4, 0, 0, 0));
	EXPECT_EQ(-EEXIST, rep(self, 2, 4, 0, 0, 0));
	EXPECT_ORDER(3, L(2), L(4));
	EXPECT_REV(5);
	ASSERT_EQ(0, det(self, 3, 0, 0, 0));
	EXPECT_ORDER(L(2), L(4));
}

TEST_F(mprog, replace_with_position)
{
	ASSERT_EQ(0, att(self, 1, 0, 0, 0));
	ASSERT_EQ(0, att(self, 2, 0, 0, 0));
	ASSERT_EQ(0, att(self, 3, 0, 0, 0));
	/* BEFORE A: A must follow the old program directly. */
	ASSERT_EQ(0, rep(self, 4, 2, F_BEFORE, FD(3), 0));
	EXPECT_ORDER(1, 4, 3);
	EXPECT_EQ(-ERANGE, rep(self, 5, 4, F_BEFORE, FD(1), 0));
	/* AFTER A: A must precede it directly. */
	ASSERT_EQ(0, rep(self, 5, 4, F_AFTER, FD(1), 0));
	EXPECT_ORDER(1, 5, 3);
	EXPECT_EQ(-ERANGE, rep(self, 6, 5, F_AFTER, FD(3), 0));
	EXPECT_EQ(-ERANGE, rep(self, 6, 5, F_AFTER, FD(5), 0));
	EXPECT_EQ(-ERANGE, rep(self, 6, 5, F_BEFORE, FD(5), 0));
	/* Without an anchor never: -1 and total are no slot. */
	EXPECT_EQ(-ERANGE, rep(self, 6, 5, F_BEFORE, 0, 0));
	EXPECT_EQ(-ERANGE, rep(self, 6, 5, F_AFTER, 0, 0));
	EXPECT_EQ(-ERANGE, rep(self, 6, 1, F_BEFORE, 0, 0));
	EXPECT_EQ(-ERANGE, rep(self, 6, 3, F_AFTER, 0, 0));
	EXPECT_EQ(-ERANGE, rep(self, 6, 5, F_BEFORE | F_AFTER, FD(1), 0));
	EXPECT_EQ(-ERANGE, rep(self, 6, 5, F_BEFORE | F_AFTER, FD(3), 0));
	EXPECT_EQ(-ENOENT, rep(self, 6, 5, F_BEFORE, FD(7), 0));
	/* REPLACE errors come before the anchor's position. */
	EXPECT_EQ(-ENOENT, rep(self, 6, 9, F_BEFORE | F_AFTER, FD(7), 0));
	/* Anchor resolution comes before REPLACE. */
	EXPECT_EQ(-EBADF, rep(self, 6, 9, F_LINK, FAKE_FD_BAD, 0));
	EXPECT_ORDER(1, 5, 3);
	ASSERT_EQ(0, rep(self, 6, 5, F_BEFORE | F_ID, ID(3), 0));
	EXPECT_ORDER(1, 6, 3);
	/* REPLACE alone ignores an anchor that resolves. */
	ASSERT_EQ(0, rep(self, 7, 6, F_ID, ID(1), 0));
	ASSERT_EQ(0, rep(self, 8, 7, 0, FD(9), 0));
	EXPECT_ORDER(1, 8, 3);
	/* ...but an id must be on this hook (upstream looks it up anywhere). */
	EXPECT_EQ(-ENOENT, rep(self, 9, 8, F_ID, ID(10), 0));
	EXPECT_ORDER(1, 8, 3);
	EXPECT_REV(9);
}

TEST_F(mprog, replace_tc_opts_replace)
{
	ASSERT_EQ(0, att(self, 1, 0, 0, 1));
	ASSERT_EQ(0, att(self, 2, F_BEFORE | F_ID, ID(1), 2));
	EXPECT_ORDER(2, 1);
	EXPECT_REV(3);
	ASSERT_EQ(0, rep(self, 3, 2, 0, 0, 3));
	EXPECT_ORDER(3, 1);
	EXPECT_REV(4);
	ASSERT_EQ(0, rep(self, 2, 3, F_BEFORE, FD(1), 4));
	EXPECT_ORDER(2, 1);
	EXPECT_REV(5);
	EXPECT_EQ(-EEXIST, rep(self, 2, 2, 0, 0, 0));
	EXPECT_EQ(-ERANGE, rep(self, 3, 2, F_AFTER, FD(1), 5));
	EXPECT_EQ(-ERANGE, rep(self, 3, 2, F_BEFORE | F_AFTER, FD(1), 5));
	ASSERT_EQ(0, det(self, 2, F_BEFORE | F_ID, ID(1), 5));
	EXPECT_ORDER(1);
	ASSERT_EQ(0, det(self, 1, 0, 0, 0));
	EXPECT_EMPTY();
}

TEST_F(mprog, link_create_replace)
{
	ASSERT_EQ(0, att(self, 1, 0, 0, 0));
	ASSERT_EQ(0, lnk(self, 3, 0, 0, 0));
	EXPECT_EQ(-ENOENT, lnk(self, 2, F_REPLACE, FD(1), 0));
	EXPECT_EQ(-ENOENT, lnk(self, 2, F_REPLACE, 0, 0));
	EXPECT_EQ(-ENOENT, lnk(self, 2, F_REPLACE | F_LINK, LFD(3), 0));
	EXPECT_EQ(-ENOENT, lnk(self, 2, F_REPLACE | F_LINK | F_AFTER | F_ID,
			       LID(3), 0));
	EXPECT_EQ(-ENOENT, lnk(self, 2, F_REPLACE | F_BEFORE | F_AFTER, 0, 0));
	EXPECT_ORDER(1, L(3));
	EXPECT_REV(3);
}

/* 1.5: the maximum, tc_opts_max */

static void fill(struct __test_metadata *_metadata, fx_t *self)
{
	int i;

	for (i = 1; i <= TCX_MAX_PROGS; i++) {
		ASSERT_EQ(0, att(self, i, 0, 0, 0));
		ASSERT_EQ((u32)i, TOTAL());
	}
}

TEST_F(mprog, max_attach)
{
	fill(_metadata, self);
	EXPECT_EQ(-ERANGE, att(self, 64, 0, 0, 0));
	EXPECT_EQ(-ERANGE, att(self, 64, F_BEFORE, 0, 0));
	EXPECT_EQ(-ERANGE, att(self, 64, F_AFTER, 0, 0));
	EXPECT_EQ(-ERANGE, att(self, 64, F_BEFORE, FD(63), 0));
	EXPECT_EQ(-ERANGE, att(self, 64, F_AFTER, FD(63), 0));
	EXPECT_EQ(-ERANGE, att(self, 64, F_BEFORE, FD(1), 0));
	EXPECT_EQ(-ERANGE, att(self, 64, F_BEFORE, FD(65), 0));
	EXPECT_EQ(-ERANGE, lnk(self, 64, 0, 0, 0));
	EXPECT_EQ(-EEXIST, att(self, 1, 0, 0, 0));
	EXPECT_EQ(-ESTALE, att(self, 64, 0, 0, 5));
	EXPECT_EQ(-EBADF, att(self, 64, F_BEFORE, FAKE_FD_BAD, 0));
	EXPECT_EQ((u32)TCX_MAX_PROGS, TOTAL());
	EXPECT_REV(64);
	/* REPLACE stays possible on a full hook. */
	ASSERT_EQ(0, rep(self, 64, 30, 0, 0, 0));
	ASSERT_EQ(0, rep(self, 65, 63, F_AFTER, FD(62), 0));
	EXPECT_EQ((u32)TCX_MAX_PROGS, TOTAL());
	EXPECT_EQ(self->p[64], hook_prog_at(&self->h, 29));
	EXPECT_EQ(self->p[65], hook_prog_at(&self->h, 62));
	EXPECT_EQ(NULL, self->h.live->progs[TCX_MAX_PROGS]);
	check_refs(_metadata, self);
}

TEST_F(mprog, max_detach_positional)
{
	fill(_metadata, self);
	/* Upstream: the position behind the last slot is out of range. */
	EXPECT_EQ(-ERANGE, det(self, 0, 0, 0, 0));
	EXPECT_EQ(-ERANGE, det(self, 0, F_AFTER, 0, 0));
	EXPECT_EQ(-ERANGE, det(self, 0, F_AFTER, FD(63), 0));
	EXPECT_EQ((u32)TCX_MAX_PROGS, TOTAL());
	ASSERT_EQ(0, det(self, 63, 0, 0, 0));
	ASSERT_EQ(0, det(self, 0, F_BEFORE, 0, 0));
	ASSERT_EQ(0, att(self, 63, 0, 0, 0));
	ASSERT_EQ(0, att(self, 1, F_BEFORE, 0, 0));
	ASSERT_EQ(0, det(self, 0, F_AFTER, FD(61), 0));
	EXPECT_EQ(self->p[63], hook_prog_at(&self->h, 61));
	EXPECT_EQ((u32)TCX_MAX_PROGS - 1, TOTAL());
	ASSERT_EQ(0, det(self, 0, 0, 0, 0));
	EXPECT_EQ((u32)TCX_MAX_PROGS - 2, TOTAL());
	check_refs(_metadata, self);
}

TEST_F(mprog, max_with_links)
{
	int i;

	for (i = 1; i <= TCX_MAX_PROGS; i++)
		ASSERT_EQ(0, i & 1 ? lnk(self, i, F_BEFORE, 0, 0) :
				     att(self, i, F_AFTER, 0, 0));
	EXPECT_EQ(-ERANGE, lnk(self, 64, F_AFTER | F_LINK, LFD(1), 0));
	EXPECT_EQ(-ERANGE, att(self, 64, F_BEFORE | F_LINK | F_ID, LID(63), 0));
	EXPECT_EQ(self->p[63], hook_prog_at(&self->h, 0));
	EXPECT_EQ(self->lk[63], hook_link_at(&self->h, 0));
	EXPECT_EQ(self->p[62], hook_prog_at(&self->h, 62));
	check_refs(_metadata, self);
}

/* 1.6: detach, case by case */

TEST_F(mprog, detach_by_prog)
{
	ASSERT_EQ(0, att(self, 1, 0, 0, 0));
	ASSERT_EQ(0, att(self, 2, 0, 0, 0));
	ASSERT_EQ(0, att(self, 3, 0, 0, 0));
	ASSERT_EQ(0, lnk(self, 4, 0, 0, 0));
	ASSERT_EQ(0, det(self, 2, 0, 0, 0));
	EXPECT_ORDER(1, 3, L(4));
	EXPECT_EQ(-ENOENT, det(self, 2, 0, 0, 0));
	EXPECT_EQ(-ENOENT, det(self, 9, 0, 0, 0));
	EXPECT_EQ(-EBUSY, det(self, 4, 0, 0, 0));
	EXPECT_EQ(-EBADF, hook_prog_detach(&self->h, FAKE_FD_BAD, 0, 0, 0));
	EXPECT_ORDER(1, 3, L(4));
	EXPECT_REV(6);
}

TEST_F(mprog, detach_positional)
{
	/* tc_opts_detach */
	ASSERT_EQ(0, att(self, 1, 0, 0, 0));
	ASSERT_EQ(0, att(self, 2, 0, 0, 0));
	ASSERT_EQ(0, att(self, 3, 0, 0, 0));
	ASSERT_EQ(0, att(self, 4, 0, 0, 0));
	EXPECT_REV(5);
	ASSERT_EQ(0, det(self, 0, F_BEFORE, 0, 0));
	EXPECT_ORDER(2, 3, 4);
	EXPECT_REV(6);
	ASSERT_EQ(0, det(self, 0, F_AFTER, 0, 0));
	EXPECT_ORDER(2, 3);
	EXPECT_REV(7);
	/* No flag at all: the last one. */
	ASSERT_EQ(0, det(self, 0, 0, 0, 0));
	EXPECT_ORDER(2);
	ASSERT_EQ(0, det(self, 2, 0, 0, 0));
	EXPECT_EMPTY();
	EXPECT_EQ(-ENOENT, det(self, 0, F_BEFORE, 0, 0));
	EXPECT_EQ(-ENOENT, det(self, 0, F_AFTER, 0, 0));
	EXPECT_EQ(-ENOENT, det(self, 0, 0, 0, 0));
	EXPECT_EQ(-ENOENT, det(self, 1, 0, 0, 0));
}

TEST_F(mprog, detach_positional_link)
{
	/* tc_opts_demixed */
	ASSERT_EQ(0, att(self, 1, 0, 0, 0));
	ASSERT_EQ(0, lnk(self, 2, 0, 0, 0));
	EXPECT_EQ(-EBUSY, det(self, 0, F_AFTER, 0, 0));
	EXPECT_EQ(-EBUSY, det(self, 0, 0, 0, 0));
	EXPECT_EQ(-EBUSY, det(self, 0, F_AFTER, FD(1), 0));
	EXPECT_ORDER(1, L(2));
	ASSERT_EQ(0, det(self, 0, F_BEFORE, 0, 0));
	EXPECT_ORDER(L(2));
	EXPECT_EQ(-EBUSY, det(self, 0, F_BEFORE, 0, 0));
	EXPECT_EQ(-EBUSY, det(self, 2, 0, 0, 0));
	EXPECT_ORDER(L(2));
}

TEST_F(mprog, detach_before)
{
	/* tc_opts_detach_before */
	ASSERT_EQ(0, att(self, 1, 0, 0, 0));
	ASSERT_EQ(0, att(self, 2, 0, 0, 0));
	ASSERT_EQ(0, att(self, 3, 0, 0, 0));
	ASSERT_EQ(0, att(self, 4, 0, 0, 0));
	ASSERT_EQ(0, det(self, 1, F_BEFORE, FD(2), 0));
	EXPECT_ORDER(2, 3, 4);
	EXPECT_REV(6);
	EXPECT_EQ(-ENOENT, det(self, 1, F_BEFORE, FD(2), 0));
	EXPECT_EQ(-ERANGE, det(self, 2, F_BEFORE, FD(4), 0));
	EXPECT_EQ(-ENOENT, det(self, 2, F_BEFORE, FD(1), 0));
	EXPECT_EQ(-ERANGE, det(self, 2, F_BEFORE, FD(2), 0));
	ASSERT_EQ(0, det(self, 2, F_BEFORE, FD(3), 0));
	EXPECT_ORDER(3, 4);
	EXPECT_REV(7);
	ASSERT_EQ(0, det(self, 0, F_BEFORE, FD(4), 0));
	EXPECT_ORDER(4);
	EXPECT_REV(8);
	ASSERT_EQ(0, det(self, 0, F_BEFORE, 0, 0));
	EXPECT_EMPTY();
}

TEST_F(mprog, detach_after)
{
	/* tc_opts_detach_after */
	ASSERT_EQ(0, att(self, 1, 0, 0, 0));
	ASSERT_EQ(0, att(self, 2, 0, 0, 0));
	ASSERT_EQ(0, att(self, 3, 0, 0, 0));
	ASSERT_EQ(0, att(self, 4, 0, 0, 0));
	ASSERT_EQ(0, det(self, 2, F_AFTER, FD(1), 0));
	EXPECT_ORDER(1, 3, 4);
	EXPECT_REV(6);
	EXPECT_EQ(-ENOENT, det(self, 2, F_AFTER, FD(1), 0));
	EXPECT_EQ(-ERANGE, det(self, 1, F_AFTER, FD(4), 0));
	EXPECT_EQ(-ERANGE, det(self, 1, F_AFTER, FD(3), 0));
	EXPECT_EQ(-ERANGE, det(self, 1, F_AFTER, FD(1), 0));
	ASSERT_EQ(0, det(self, 3, F_AFTER, FD(1), 0));
	EXPECT_ORDER(1, 4);
	EXPECT_REV(7);
	ASSERT_EQ(0, det(self, 0, F_AFTER, FD(1), 0));
	EXPECT_ORDER(1);
	EXPECT_REV(8);
	ASSERT_EQ(0, det(self, 0, F_AFTER, 0, 0));
	EXPECT_EMPTY();
}

TEST_F(mprog, detach_prog_position_without_anchor)
{
	ASSERT_EQ(0, att(self, 1, 0, 0, 0));
	ASSERT_EQ(0, att(self, 2, 0, 0, 0));
	ASSERT_EQ(0, att(self, 3, 0, 0, 0));
	EXPECT_EQ(-ERANGE, det(self, 2, F_BEFORE, 0, 0));
	EXPECT_EQ(-ERANGE, det(self, 2, F_AFTER, 0, 0));
	EXPECT_EQ(-ERANGE, det(self, 1, F_BEFORE, 0, 0));
	EXPECT_EQ(-ERANGE, det(self, 3, F_AFTER, 0, 0));
	EXPECT_EQ(-ERANGE, det(self, 2, F_BEFORE | F_AFTER, 0, 0));
	EXPECT_EQ(-ERANGE, det(self, 0, F_BEFORE | F_AFTER, 0, 0));
	EXPECT_EQ(-ERANGE, det(self, 0, F_BEFORE | F_AFTER, FD(2), 0));
	EXPECT_EQ(-ENOENT, det(self, 0, F_BEFORE | F_AFTER, FD(5), 0));
	EXPECT_ORDER(1, 2, 3);
	EXPECT_REV(4);
}

TEST_F(mprog, detach_anchor_at_the_ends)
{
	/*
	 * Upstream picks the slot in front of the first (-1) or behind the
	 * last (total) and then clamps it: the anchor itself goes.
	 */
	ASSERT_EQ(0, att(self, 1, 0, 0, 0));
	ASSERT_EQ(0, att(self, 2, 0, 0, 0));
	ASSERT_EQ(0, att(self, 3, 0, 0, 0));
	ASSERT_EQ(0, det(self, 0, F_BEFORE, FD(1), 0));
	EXPECT_ORDER(2, 3);
	ASSERT_EQ(0, det(self, 0, F_AFTER, FD(3), 0));
	EXPECT_ORDER(2);
}

TEST_F(mprog, detach_einval)
{
	ASSERT_EQ(0, att(self, 1, 0, 0, 0));
	ASSERT_EQ(0, att(self, 2, 0, 0, 0));
	EXPECT_EQ(-EINVAL, det(self, 1, F_REPLACE, 0, 0));
	EXPECT_EQ(-EINVAL, det(self, 0, F_REPLACE | F_BEFORE, 0, 0));
	/* REPLACE comes before ESTALE. */
	EXPECT_EQ(-EINVAL, det(self, 1, F_REPLACE, 0, 99));
	EXPECT_EQ(-EINVAL, det(self, 0, 0, FD(1), 0));
	EXPECT_EQ(-EINVAL, det(self, 0, F_ID, ID(1), 0));
	EXPECT_EQ(-EINVAL, det(self, 0, 1U << 7, 0, 0));
	EXPECT_EQ(-EINVAL, det(self, 0, F_LINK, 0, 0));
	EXPECT_EQ(-EINVAL, det(self, 0, F_LINK, FD(1), 0));
	EXPECT_EQ(-ENOENT, det(self, 0, F_ID, 0, 0));
	EXPECT_EQ(-ENOENT, det(self, 0, F_ID, ID(3), 0));
	EXPECT_EQ(-EBADF, det(self, 0, F_BEFORE, FAKE_FD_BAD, 0));
	/* Upstream: ENOENT (no type check without a program). */
	EXPECT_EQ(-EINVAL, det(self, 0, F_BEFORE, self->xdp->fd, 0));
	EXPECT_ORDER(1, 2);
	/* With a program, an anchor that resolves is ignored. */
	ASSERT_EQ(0, det(self, 1, F_ID, ID(2), 0));
	EXPECT_ORDER(2);
	EXPECT_REV(4);
}

TEST_F(mprog, detach_link_anchor)
{
	ASSERT_EQ(0, lnk(self, 1, 0, 0, 0));
	ASSERT_EQ(0, att(self, 2, 0, 0, 0));
	ASSERT_EQ(0, lnk(self, 3, 0, 0, 0));
	ASSERT_EQ(0, det(self, 2, F_AFTER | F_LINK, LFD(1), 0));
	EXPECT_ORDER(L(1), L(3));
	ASSERT_EQ(0, att(self, 2, F_AFTER | F_LINK | F_ID, LID(1), 0));
	EXPECT_ORDER(L(1), 2, L(3));
	ASSERT_EQ(0, det(self, 0, F_BEFORE | F_LINK, LFD(3), 0));
	EXPECT_ORDER(L(1), L(3));
	EXPECT_EQ(-EBUSY, det(self, 0, F_BEFORE | F_LINK | F_ID, LID(3), 0));
	EXPECT_EQ(-EBUSY, det(self, 0, F_BEFORE, FD(3), 0));
	EXPECT_EQ(-EBUSY, det(self, 0, F_AFTER | F_ID, ID(1), 0));
	EXPECT_ORDER(L(1), L(3));
}

TEST_F(mprog, detach_empty)
{
	/* tc_opts_delete_empty: with and without per-hook state */
	EXPECT_EQ(-ENOENT, det(self, 0, 0, 0, 0));
	ASSERT_EQ(0, att(self, 1, 0, 0, 0));
	ASSERT_EQ(0, det(self, 1, 0, 0, 0));
	EXPECT_EQ(variant->keep, self->h.present);
	EXPECT_EQ(-ENOENT, det(self, 0, 0, 0, 0));
	EXPECT_EQ(-ENOENT, det(self, 1, 0, 0, 0));
	EXPECT_EQ(-ENOENT, det(self, 0, F_BEFORE, FAKE_FD_BAD, 0));
	if (variant->keep) {
		/* The order inside mprog: REPLACE, ESTALE, empty. */
		EXPECT_EQ(-EINVAL, det(self, 0, F_REPLACE, 0, 99));
		EXPECT_EQ(-ESTALE, det(self, 0, 0, 0, 99));
		EXPECT_EQ(-ENOENT, det(self, 0, 0, 0, 3));
	}
	EXPECT_EMPTY();
}

/* 1.7: query */

TEST_F(mprog, query)
{
	u32 ids[10], lids[10], count;
	u64 rev;
	int i;

	/* tc_opts_query_attach */
	count = 10;
	ASSERT_EQ(0, hook_query(&self->h, ids, lids, &count, &rev));
	EXPECT_EQ(0u, count);
	EXPECT_EQ(1u, rev);

	/* tc_opts_query */
	for (i = 1; i <= 4; i++)
		ASSERT_EQ(0, att(self, i, 0, 0, i));
	count = 0;
	ASSERT_EQ(0, hook_query(&self->h, NULL, NULL, &count, &rev));
	EXPECT_EQ(4u, count);
	EXPECT_EQ(5u, rev);

	memset(ids, 0xee, sizeof(ids));
	count = 10;
	ASSERT_EQ(0, hook_query(&self->h, ids, NULL, &count, &rev));
	EXPECT_EQ(4u, count);
	for (i = 0; i < 4; i++)
		EXPECT_EQ(ID(i + 1), ids[i]);
	EXPECT_EQ(0xeeeeeeeeu, ids[4]);

	memset(ids, 0xee, sizeof(ids));
	memset(lids, 0xee, sizeof(lids));
	count = 2;
	EXPECT_EQ(-ENOSPC, hook_query(&self->h, ids, lids, &count, &rev));
	EXPECT_EQ(4u, count);
	EXPECT_EQ(5u, rev);
	EXPECT_EQ(ID(1), ids[0]);
	EXPECT_EQ(ID(2), ids[1]);
	EXPECT_EQ(0xeeeeeeeeu, ids[2]);
	EXPECT_EQ(0u, lids[1]);
	EXPECT_EQ(0xeeeeeeeeu, lids[2]);

	memset(ids, 0xee, sizeof(ids));
	count = 40;
	ASSERT_EQ(0, hook_query(&self->h, NULL, lids, &count, &rev));
	EXPECT_EQ(4u, count);
	count = 0;
	ASSERT_EQ(0, hook_query(&self->h, ids, lids, &count, &rev));
	EXPECT_EQ(4u, count);
	EXPECT_EQ(0xeeeeeeeeu, ids[0]);

	/* Links report their ids, program-owned slots 0. */
	ASSERT_EQ(0, lnk(self, 5, F_BEFORE, FD(2), 0));
	count = 10;
	ASSERT_EQ(0, hook_query(&self->h, ids, lids, &count, &rev));
	EXPECT_EQ(5u, count);
	EXPECT_EQ(6u, rev);
	EXPECT_EQ(ID(5), ids[1]);
	EXPECT_EQ(LID(5), lids[1]);
	EXPECT_EQ(0u, lids[2]);
	EXPECT_ORDER(1, L(5), 2, 3, 4);
	/* Queries leave the revision alone. */
	EXPECT_REV(6);
}

TEST_F(mprog, query_after_unregister)
{
	u32 count = 0;
	u64 rev;
	unsigned int links;

	ASSERT_EQ(0, att(self, 1, 0, 0, 0));
	EXPECT_EQ(1u, hook_unregister(&self->h, &links));
	EXPECT_EQ(-ENODEV, hook_query(&self->h, NULL, NULL, &count, &rev));
	check_refs(_metadata, self);
}

/* 1.3: revisions */

TEST_F(mprog, revision)
{
	EXPECT_REV(1);
	ASSERT_EQ(0, att(self, 1, 0, 0, 1));
	EXPECT_REV(2);
	EXPECT_EQ(-EEXIST, att(self, 1, 0, 0, 0));
	EXPECT_EQ(-ESTALE, att(self, 2, 0, 0, 1));
	EXPECT_REV(2);
	ASSERT_EQ(0, rep(self, 2, 1, 0, 0, 2));
	EXPECT_REV(3);
	ASSERT_EQ(0, lnk(self, 3, 0, 0, 3));
	EXPECT_REV(4);
	ASSERT_EQ(0, hook_link_update(&self->h, self->lk[3], FD(4), 0, 0));
	EXPECT_REV(5);
	/* Updating a link to its own program is a no-op. */
	ASSERT_EQ(0, hook_link_update(&self->h, self->lk[3], FD(4), 0, 0));
	EXPECT_REV(5);
	ASSERT_EQ(0, hook_link_detach(&self->h, self->lk[3]));
	EXPECT_REV(6);
	ASSERT_EQ(0, det(self, 2, 0, 0, 6));
	EXPECT_EMPTY();
	/* With no qdisc the state went: the next one starts at 1 again. */
	EXPECT_REV(KEPT_OR_FRESH(7, 1));
	ASSERT_EQ(0, att(self, 1, 0, 0, KEPT_OR_FRESH(7, 1)));
	EXPECT_REV(KEPT_OR_FRESH(8, 2));
	/* A failed first attach leaves no state behind. */
	ASSERT_EQ(0, det(self, 1, 0, 0, 0));
	EXPECT_EQ(-ENOENT, att(self, 1, F_ID, ID(1), 0));
	EXPECT_EQ(variant->keep, self->h.present);
}

/* tc_opts scenarios */

TEST_F(mprog, tc_opts_basic)
{
	u32 ids[2], count = 2;
	u64 rev;

	EXPECT_EMPTY();
	EXPECT_EMPTY_ON(&self->h2);
	ASSERT_EQ(0, att(self, 1, 0, 0, 0));
	ASSERT_EQ(0, hook_query(&self->h, ids, NULL, &count, &rev));
	EXPECT_EQ(1u, count);
	EXPECT_EQ(2u, rev);
	EXPECT_EQ(ID(1), ids[0]);
	ASSERT_EQ(0, hook_prog_attach(&self->h2, FD(2), 0, 0, 0, 0));
	EXPECT_ORDER(1);
	EXPECT_ORDER_ON(&self->h2, 2);
	ASSERT_EQ(0, hook_prog_detach(&self->h2, FD(2), 0, 0, 0));
	EXPECT_EMPTY_ON(&self->h2);
	ASSERT_EQ(0, det(self, 1, 0, 0, 0));
	EXPECT_EMPTY();
}

TEST_F(mprog, tc_opts_before)
{
	ASSERT_EQ(0, att(self, 1, 0, 0, 0));
	ASSERT_EQ(0, att(self, 2, 0, 0, 0));
	EXPECT_REV(3);
	ASSERT_EQ(0, att(self, 3, F_BEFORE, FD(2), 0));
	EXPECT_ORDER(1, 3, 2);
	EXPECT_REV(4);
	ASSERT_EQ(0, att(self, 4, F_BEFORE | F_ID, ID(1), 0));
	EXPECT_ORDER(4, 1, 3, 2);
	EXPECT_REV(5);
	ASSERT_EQ(0, det(self, 4, 0, 0, 0));
	ASSERT_EQ(0, det(self, 3, 0, 0, 0));
	ASSERT_EQ(0, det(self, 2, 0, 0, 0));
	EXPECT_ORDER(1);
	ASSERT_EQ(0, det(self, 1, 0, 0, 0));
	EXPECT_EMPTY();
}

TEST_F(mprog, tc_opts_after)
{
	ASSERT_EQ(0, att(self, 1, 0, 0, 0));
	ASSERT_EQ(0, att(self, 2, 0, 0, 0));
	ASSERT_EQ(0, att(self, 3, F_AFTER, FD(1), 0));
	EXPECT_ORDER(1, 3, 2);
	EXPECT_REV(4);
	ASSERT_EQ(0, att(self, 4, F_AFTER | F_ID, ID(2), 0));
	EXPECT_ORDER(1, 3, 2, 4);
	EXPECT_REV(5);
	ASSERT_EQ(0, det(self, 4, 0, 0, 0));
	EXPECT_ORDER(1, 3, 2);
	EXPECT_REV(6);
	ASSERT_EQ(0, det(self, 3, 0, 0, 0));
	EXPECT_REV(7);
	ASSERT_EQ(0, det(self, 2, 0, 0, 0));
	EXPECT_ORDER(1);
	EXPECT_REV(8);
	ASSERT_EQ(0, det(self, 1, 0, 0, 0));
	EXPECT_EMPTY();
}

TEST_F(mprog, tc_opts_invalid)
{
	EXPECT_EQ(-ERANGE, att(self, 1, F_BEFORE | F_AFTER, 0, 0));
	EXPECT_EQ(-ENOENT, att(self, 1, F_BEFORE | F_ID, 0, 0));
	EXPECT_EQ(-ENOENT, att(self, 1, F_AFTER | F_ID, 0, 0));
	EXPECT_EQ(-EINVAL, att(self, 1, 0, FD(2), 0));
	EXPECT_EQ(-ENOENT, att(self, 1, F_BEFORE | F_AFTER, FD(2), 0));
	/* f: upstream EINVAL (p2 exists elsewhere), here ENOENT. */
	EXPECT_EQ(-ENOENT, att(self, 1, F_ID, ID(2), 0));
	EXPECT_EQ(-ENOENT, att(self, 1, F_BEFORE, FD(1), 0));
	EXPECT_EQ(-ENOENT, att(self, 1, F_AFTER, FD(1), 0));
	EXPECT_EMPTY();
	ASSERT_EQ(0, att(self, 1, 0, 0, 0));
	EXPECT_EQ(-EEXIST, att(self, 1, 0, 0, 0));
	EXPECT_EQ(-EEXIST, att(self, 1, F_BEFORE, FD(1), 0));
	EXPECT_EQ(-EEXIST, att(self, 1, F_AFTER, FD(1), 0));
	EXPECT_EQ(-EEXIST, rep(self, 1, 1, 0, 0, 0));
	EXPECT_ORDER(1);
	ASSERT_EQ(0, det(self, 1, 0, 0, 0));
	EXPECT_EMPTY();
}

TEST_F(mprog, tc_opts_prepend_append)
{
	ASSERT_EQ(0, att(self, 1, 0, 0, 0));
	ASSERT_EQ(0, att(self, 2, F_BEFORE, 0, 0));
	EXPECT_ORDER(2, 1);
	EXPECT_REV(3);
	ASSERT_EQ(0, att(self, 3, F_BEFORE, 0, 0));
	ASSERT_EQ(0, att(self, 4, F_BEFORE, 0, 0));
	EXPECT_ORDER(4, 3, 2, 1);
	EXPECT_REV(5);
	ASSERT_EQ(0, hook_prog_attach(&self->h2, FD(1), 0, 0, 0, 0));
	ASSERT_EQ(0, hook_prog_attach(&self->h2, FD(2), F_AFTER, 0, 0, 0));
	ASSERT_EQ(0, hook_prog_attach(&self->h2, FD(3), F_AFTER, 0, 0, 0));
	ASSERT_EQ(0, hook_prog_attach(&self->h2, FD(4), F_AFTER, 0, 0, 0));
	EXPECT_ORDER_ON(&self->h2, 1, 2, 3, 4);
	EXPECT_EQ(5u, hook_revision(&self->h2));
}

TEST_F(mprog, tc_opts_dev_cleanup)
{
	unsigned int links;
	int i;

	for (i = 1; i <= 4; i++)
		ASSERT_EQ(0, att(self, i, 0, 0, 0));
	EXPECT_EQ(4u, hook_unregister(&self->h, &links));
	EXPECT_EQ(0u, links);
	for (i = 1; i <= 4; i++)
		EXPECT_EQ(1, self->p[i]->refcnt);
	EXPECT_EQ(-ENODEV, att(self, 1, 0, 0, 0));
	EXPECT_EQ(-ENODEV, det(self, 1, 0, 0, 0));
	check_refs(_metadata, self);
}

/* tc_links scenarios */

TEST_F(mprog, tc_links_basic)
{
	u32 ids[2], lids[2], count = 2;
	u64 rev;

	ASSERT_EQ(0, lnk(self, 1, 0, 0, 0));
	ASSERT_EQ(0, hook_query(&self->h, ids, lids, &count, &rev));
	EXPECT_EQ(1u, count);
	EXPECT_EQ(2u, rev);
	EXPECT_EQ(ID(1), ids[0]);
	EXPECT_EQ(LID(1), lids[0]);
	ASSERT_EQ(0, lnk_on(self, &self->h2, 2, 0, 0, 0));
	EXPECT_NE(LID(1), LID(2));
	EXPECT_ORDER_ON(&self->h2, L(2));
	hook_link_close(&self->h, self->lk[1]);
	hook_link_close(&self->h2, self->lk[2]);
	EXPECT_EMPTY();
	EXPECT_EMPTY_ON(&self->h2);
}

TEST_F(mprog, tc_links_before_after)
{
	ASSERT_EQ(0, lnk(self, 1, 0, 0, 0));
	ASSERT_EQ(0, lnk(self, 2, 0, 0, 0));
	EXPECT_REV(3);
	/* A program anchor matches a link-owned slot too. */
	ASSERT_EQ(0, lnk(self, 3, F_BEFORE, FD(2), 0));
	ASSERT_EQ(0, lnk(self, 4, F_BEFORE | F_LINK | F_ID, LID(1), 0));
	EXPECT_ORDER(L(4), L(1), L(3), L(2));
	EXPECT_REV(5);
	ASSERT_EQ(0, lnk(self, 5, F_AFTER, FD(1), 0));
	ASSERT_EQ(0, lnk(self, 6, F_AFTER | F_LINK, LFD(2), 0));
	EXPECT_ORDER(L(4), L(1), L(5), L(3), L(2), L(6));
	EXPECT_REV(7);
}

TEST_F(mprog, tc_links_revision)
{
	ASSERT_EQ(0, lnk(self, 1, 0, 0, 1));
	EXPECT_EQ(-ESTALE, lnk(self, 2, 0, 0, 1));
	ASSERT_EQ(0, lnk(self, 2, 0, 0, 2));
	EXPECT_ORDER(L(1), L(2));
	EXPECT_REV(3);
	hook_link_close(&self->h, self->lk[1]);
	EXPECT_ORDER(L(2));
	EXPECT_REV(4);
}

TEST_F(mprog, tc_links_replace)
{
	struct tcx_link *l2;

	ASSERT_EQ(0, lnk(self, 1, 0, 0, 1));
	ASSERT_EQ(0, lnk(self, 2, F_BEFORE | F_ID, ID(1), 2));
	EXPECT_ORDER(L(2), L(1));
	EXPECT_REV(3);
	EXPECT_EQ(-ENOENT, lnk(self, 3, F_REPLACE, FD(2), 3));
	EXPECT_EQ(-ENOENT, lnk(self, 3, F_REPLACE | F_LINK, LFD(2), 3));
	EXPECT_EQ(-ENOENT, lnk(self, 3, F_REPLACE | F_LINK | F_AFTER | F_ID,
			       LID(2), 3));
	EXPECT_ORDER(L(2), L(1));
	l2 = self->lk[2];
	ASSERT_EQ(0, hook_link_update(&self->h, l2, FD(3), 0, 0));
	/* Same link, same slot, new program. */
	self->lk[3] = l2;
	EXPECT_ORDER(L(3), L(1));
	EXPECT_REV(4);
	EXPECT_EQ(1, self->p[2]->refcnt);
	ASSERT_EQ(0, hook_link_detach(&self->h, l2));
	EXPECT_ORDER(L(1));
	EXPECT_REV(5);
	ASSERT_EQ(0, hook_link_update(&self->h, self->lk[1], FD(1), 0, 0));
	EXPECT_ORDER(L(1));
	EXPECT_REV(5);
	/* Defunct: update fails, detach is a no-op. */
	EXPECT_EQ(-ENOLINK, hook_link_update(&self->h, l2, FD(4), 0, 0));
	EXPECT_EQ(0, hook_link_detach(&self->h, l2));
	EXPECT_REV(5);
}

TEST_F(mprog, tc_links_update_errors)
{
	ASSERT_EQ(0, lnk(self, 1, 0, 0, 0));
	ASSERT_EQ(0, att(self, 2, 0, 0, 0));
	ASSERT_EQ(0, lnk(self, 3, 0, 0, 0));
	EXPECT_EQ(-EPERM, hook_link_update(&self->h, self->lk[1], FD(4),
					   F_REPLACE, FD(2)));
	EXPECT_EQ(-EEXIST, hook_link_update(&self->h, self->lk[1], FD(2),
					    0, 0));
	EXPECT_EQ(-EEXIST, hook_link_update(&self->h, self->lk[1], FD(3),
					    F_REPLACE, FD(1)));
	EXPECT_EQ(-EINVAL, hook_link_update(&self->h, self->lk[1],
					    self->xdp->fd, 0, 0));
	EXPECT_ORDER(L(1), 2, L(3));
	EXPECT_REV(4);
	ASSERT_EQ(0, hook_link_update(&self->h, self->lk[1], FD(4),
				      F_REPLACE, FD(1)));
	self->lk[4] = self->lk[1];
	EXPECT_ORDER(L(4), 2, L(3));
	EXPECT_REV(5);
}

TEST_F(mprog, tc_links_invalid)
{
	EXPECT_EQ(-ERANGE, lnk(self, 1, F_BEFORE | F_AFTER, 0, 0));
	EXPECT_EQ(-ENOENT, lnk(self, 1, F_BEFORE | F_ID, 0, 0));
	EXPECT_EQ(-ENOENT, lnk(self, 1, F_AFTER | F_ID, 0, 0));
	EXPECT_EQ(-ENOENT, lnk(self, 1, F_ID, 0, 0));
	EXPECT_EQ(-EINVAL, lnk(self, 1, F_LINK, FD(2), 0));
	EXPECT_EQ(-EINVAL, lnk(self, 1, F_LINK, 0, 0));
	EXPECT_EQ(-EINVAL, lnk(self, 1, 0, FD(2), 0));
	EXPECT_EQ(-ENOENT, lnk(self, 1, F_BEFORE | F_AFTER, FD(2), 0));
	EXPECT_EQ(-ENOENT, lnk(self, 1, F_BEFORE, FD(1), 0));
	/* j: upstream EINVAL (p2 exists elsewhere), here ENOENT. */
	EXPECT_EQ(-ENOENT, lnk(self, 1, F_ID, ID(2), 0));
	EXPECT_EQ(-ENOENT, lnk(self, 1, F_ID, 42, 0));
	EXPECT_EQ(-EINVAL, lnk(self, 1, F_BEFORE | F_LINK, FD(1), 0));
	EXPECT_EQ(-ENOENT, lnk(self, 1, F_AFTER, FD(1), 0));
	EXPECT_EQ(-EINVAL, lnk(self, 1, F_AFTER | F_LINK, FD(1), 0));
	EXPECT_EMPTY();
	ASSERT_EQ(0, lnk(self, 1, 0, 0, 0));
	EXPECT_EQ(-EINVAL, lnk(self, 2, F_AFTER | F_LINK, FD(1), 0));
	EXPECT_EQ(-ENOENT, lnk(self, 2, F_BEFORE | F_LINK | F_ID, ~0U, 0));
	EXPECT_EQ(-EEXIST, lnk(self, 1, F_BEFORE | F_LINK | F_ID, LID(1), 0));
	EXPECT_EQ(-EEXIST, lnk(self, 1, F_BEFORE | F_ID, ID(1), 0));
	/* With p1 on the hook, its id alone is now EINVAL (no position). */
	EXPECT_EQ(-EINVAL, lnk(self, 2, F_ID, ID(1), 0));
	ASSERT_EQ(0, lnk(self, 2, F_BEFORE | F_LINK | F_ID, LID(1), 0));
	EXPECT_ORDER(L(2), L(1));
}

TEST_F(mprog, tc_links_dev_cleanup)
{
	unsigned int links;
	int i;

	for (i = 1; i <= 4; i++)
		ASSERT_EQ(0, lnk(self, i, 0, 0, 0));
	EXPECT_EQ(4u, hook_unregister(&self->h, &links));
	EXPECT_EQ(4u, links);
	for (i = 1; i <= 4; i++) {
		EXPECT_FALSE(self->lk[i]->attached);
		/* The link keeps its program until its fd goes. */
		EXPECT_EQ(2, self->p[i]->refcnt);
		EXPECT_EQ(-ENOLINK, hook_link_update(&self->h, self->lk[i],
						     FD(10), 0, 0));
		EXPECT_EQ(0, hook_link_detach(&self->h, self->lk[i]));
	}
	check_refs(_metadata, self);
	for (i = 1; i <= 4; i++) {
		hook_link_close(&self->h, self->lk[i]);
		EXPECT_EQ(1, self->p[i]->refcnt);
	}
}

TEST_F(mprog, dev_cleanup_mixed)
{
	unsigned int links;

	ASSERT_EQ(0, att(self, 1, 0, 0, 0));
	ASSERT_EQ(0, lnk(self, 2, 0, 0, 0));
	ASSERT_EQ(0, att(self, 3, 0, 0, 0));
	ASSERT_EQ(0, lnk(self, 4, 0, 0, 0));
	EXPECT_EQ(4u, hook_unregister(&self->h, &links));
	EXPECT_EQ(2u, links);
	EXPECT_EQ(1, self->p[1]->refcnt);
	EXPECT_EQ(2, self->p[2]->refcnt);
	EXPECT_EQ(1, self->p[3]->refcnt);
	EXPECT_EQ(2, self->p[4]->refcnt);
	check_refs(_metadata, self);
}

/* The calling protocol, straight on mprog.c */

/* What the ioctl layer hands over: a referenced program. */
static struct bpf_prog *get(fx_t *self, int n)
{
	return tcx_prog_get_fd(FD(n));
}

TEST_F(mprog, api_bundle_init)
{
	struct tcx_mprog_bundle b;
	struct tcx_mprog_entry *e;
	u64 rev = 0;
	int i;

	memset(&b, 0xa5, sizeof(b));
	tcx_mprog_bundle_init(&b);
	e = tcx_mprog_bundle_entry(&b);
	EXPECT_EQ(&b.a, e);
	EXPECT_EQ(&b, b.a.parent);
	EXPECT_EQ(&b, b.b.parent);
	EXPECT_EQ(0u, tcx_mprog_total(e));
	EXPECT_EQ(1u, tcx_mprog_revision(e));
	EXPECT_EQ(NULL, b.ref);
	for (i = 0; i < TCX_MPROG_SLOTS; i++) {
		EXPECT_EQ(NULL, b.a.progs[i]);
		EXPECT_EQ(NULL, b.b.progs[i]);
		EXPECT_EQ(NULL, b.links[i]);
	}
	EXPECT_EQ((u32)TCX_MAX_PROGS, tcx_mprog_max());
	EXPECT_EQ(0u, tcx_mprog_query(e, NULL, NULL, 0, &rev));
	EXPECT_EQ(1u, rev);
	rev = 0;
	EXPECT_EQ(0u, tcx_mprog_query(NULL, NULL, NULL, 5, &rev));
	EXPECT_EQ(1u, rev);
}

TEST_F(mprog, api_insert_swaps_entries)
{
	struct tcx_mprog_bundle b;
	struct tcx_mprog_entry *e, *n = NULL;
	struct bpf_prog *p1 = get(self, 1), *p2 = get(self, 2);

	tcx_mprog_bundle_init(&b);
	e = tcx_mprog_bundle_entry(&b);
	ASSERT_EQ(0, tcx_mprog_attach(e, &n, p1, NULL, NULL, 0, 0, 0));
	EXPECT_EQ(&b.b, n);
	/* The live entry is untouched until the caller publishes. */
	EXPECT_EQ(NULL, e->progs[0]);
	EXPECT_EQ(p1, n->progs[0]);
	EXPECT_EQ(NULL, n->progs[1]);
	EXPECT_EQ(1u, tcx_mprog_total(n));
	EXPECT_EQ(1u, tcx_mprog_revision(n));
	EXPECT_TRUE(tcx_mprog_exists(n, p1));
	tcx_mprog_commit(e);
	EXPECT_EQ(2u, tcx_mprog_revision(n));
	e = n;
	ASSERT_EQ(0, tcx_mprog_attach(e, &n, p2, NULL, NULL, F_BEFORE, 0, 0));
	EXPECT_EQ(&b.a, n);
	EXPECT_EQ(p1, e->progs[0]);
	EXPECT_EQ(NULL, e->progs[1]);
	EXPECT_EQ(p2, n->progs[0]);
	EXPECT_EQ(p1, n->progs[1]);
	EXPECT_EQ(NULL, n->progs[2]);
	tcx_mprog_commit(e);
	EXPECT_EQ(3u, tcx_mprog_revision(n));
	/* The hook holds one reference per program. */
	EXPECT_EQ(2, p1->refcnt);
	EXPECT_EQ(2, p2->refcnt);
	e = n;
	ASSERT_EQ(0, tcx_mprog_detach(e, &n, NULL, NULL, 0, 0, 0));
	tcx_mprog_commit(e);
	e = n;
	ASSERT_EQ(0, tcx_mprog_detach(e, &n, NULL, NULL, 0, 0, 0));
	tcx_mprog_commit(e);
	EXPECT_EQ(0u, tcx_mprog_total(n));
	EXPECT_EQ(5u, tcx_mprog_revision(n));
	check_refs(_metadata, self);
}

TEST_F(mprog, api_replace_in_place)
{
	struct tcx_mprog_bundle b;
	struct tcx_mprog_entry *e, *n = NULL;
	struct bpf_prog *p1 = get(self, 1), *p2 = get(self, 2);
	struct bpf_prog *old;

	tcx_mprog_bundle_init(&b);
	e = tcx_mprog_bundle_entry(&b);
	ASSERT_EQ(0, tcx_mprog_attach(e, &n, p1, NULL, NULL, 0, 0, 0));
	tcx_mprog_commit(e);
	e = n;
	old = get(self, 1);		/* the replace fd's reference */
	ASSERT_EQ(0, tcx_mprog_attach(e, &n, p2, NULL, old, F_REPLACE, 0, 0));
	EXPECT_EQ(e, n);
	EXPECT_EQ(p2, e->progs[0]);
	/* The hook's reference is gone already; only the fd's is left. */
	EXPECT_EQ(2, p1->refcnt);
	bpf_prog_put(old);
	EXPECT_EQ(1, p1->refcnt);
	EXPECT_EQ(2u, tcx_mprog_revision(e));
	tcx_mprog_commit(e);
	EXPECT_EQ(3u, tcx_mprog_revision(e));
	EXPECT_EQ(1, p1->refcnt);
	EXPECT_EQ(2, p2->refcnt);
	ASSERT_EQ(0, tcx_mprog_detach(e, &n, NULL, NULL, 0, 0, 0));
	tcx_mprog_commit(e);
	check_refs(_metadata, self);
}

TEST_F(mprog, api_detach_puts_after_commit)
{
	struct tcx_mprog_bundle b;
	struct tcx_mprog_entry *e, *n = NULL;
	struct bpf_prog *p1 = get(self, 1), *p2 = get(self, 2);
	struct tcx_link *l3;

	tcx_mprog_bundle_init(&b);
	e = tcx_mprog_bundle_entry(&b);
	ASSERT_EQ(0, tcx_mprog_attach(e, &n, p1, NULL, NULL, 0, 0, 0));
	tcx_mprog_commit(e);
	e = n;
	ASSERT_EQ(0, tcx_mprog_attach(e, &n, p2, NULL, NULL, 0, 0, 0));
	tcx_mprog_commit(e);
	e = n;
	l3 = fake_link_new(&self->w, get(self, 3));
	ASSERT_EQ(0, tcx_mprog_attach(e, &n, l3->prog, l3, NULL, 0, 0, 0));
	tcx_mprog_commit(e);
	e = n;

	ASSERT_EQ(0, tcx_mprog_detach(e, &n, p1, NULL, 0, 0, 0));
	EXPECT_NE(e, n);
	/* Readers of the old entry may still run p1: it stays referenced. */
	EXPECT_EQ(p1, e->progs[0]);
	EXPECT_EQ(2, p1->refcnt);
	EXPECT_EQ(p2, n->progs[0]);
	EXPECT_EQ(l3->prog, n->progs[1]);
	EXPECT_EQ(NULL, n->progs[2]);
	EXPECT_EQ(l3, b.links[1]);
	EXPECT_EQ(NULL, b.links[2]);
	tcx_mprog_commit(e);
	EXPECT_EQ(1, p1->refcnt);
	EXPECT_EQ(2, p2->refcnt);
	EXPECT_EQ(2, l3->prog->refcnt);
	e = n;

	/* A link-owned slot: the link keeps its program. */
	ASSERT_EQ(0, tcx_mprog_detach(e, &n, l3->prog, l3, 0, 0, 0));
	tcx_mprog_commit(e);
	EXPECT_EQ(2, self->p[3]->refcnt);
	EXPECT_EQ(5u + 1u, tcx_mprog_revision(n));
	fake_link_close(l3);
	EXPECT_EQ(1, self->p[3]->refcnt);
	e = n;
	ASSERT_EQ(0, tcx_mprog_detach(e, &n, p2, NULL, 0, 0, 0));
	tcx_mprog_commit(e);
	check_refs(_metadata, self);
}

static void count_unlink(struct tcx_link *link, void *priv)
{
	unsigned int *n = priv;

	(*n)++;
}

/* [p1, p2, p3, L4] on a bare bundle; the link is returned. */
static struct tcx_link *build(fx_t *self, struct tcx_mprog_bundle *b,
			      struct tcx_mprog_entry **live)
{
	struct tcx_mprog_entry *e, *n = NULL;
	struct tcx_link *l4;
	int i;

	tcx_mprog_bundle_init(b);
	e = tcx_mprog_bundle_entry(b);
	for (i = 1; i <= 3; i++) {
		if (tcx_mprog_attach(e, &n, get(self, i), NULL, NULL, 0, 0, 0))
			abort();
		tcx_mprog_commit(e);
		e = n;
	}
	l4 = fake_link_new(&self->w, get(self, 4));
	if (tcx_mprog_attach(e, &n, l4->prog, l4, NULL, 0, 0, 0))
		abort();
	tcx_mprog_commit(e);
	*live = n;
	return l4;
}

static void unbuild(struct tcx_mprog_entry *e, struct tcx_link *l4)
{
	struct tcx_mprog_entry *n;
	unsigned int links = 0;

	tcx_mprog_clear_all(e, &n);
	tcx_mprog_release_all(e, count_unlink, &links);
	fake_link_close(l4);
}

TEST_F(mprog, api_failures_change_nothing)
{
	static const u32 flag_sets[] = {
		0, F_BEFORE, F_AFTER, F_BEFORE | F_AFTER, F_ID, F_LINK,
		F_LINK | F_ID, F_BEFORE | F_ID, F_AFTER | F_LINK,
		F_BEFORE | F_LINK | F_ID, F_REPLACE, F_REPLACE | F_BEFORE,
		F_REPLACE | F_AFTER, F_REPLACE | F_ID, 1U << 7,
	};
	unsigned int i, j, k, fails = 0, oks = 0;
	struct tcx_mprog_bundle *b, *snap;
	struct tcx_mprog_entry *e, *n;
	struct bpf_prog *p, *old;
	struct tcx_link *l4;
	u32 rels[9];
	int ret;

	b = aligned_alloc(64, sizeof(*b));
	snap = aligned_alloc(64, sizeof(*snap));
	ASSERT_NE(NULL, b);
	ASSERT_NE(NULL, snap);
	for (i = 0; i < ARRAY_SIZE(flag_sets); i++) {
		for (j = 0; j < ARRAY_SIZE(rels); j++) {
			/* k: new or detached program p1..p5, or 0 */
			for (k = 0; k <= 5; k++) {
				l4 = build(self, b, &e);
				rels[0] = 0;
				rels[1] = FD(2);
				rels[2] = ID(3);
				rels[3] = l4->fd;
				rels[4] = l4->id;
				rels[5] = FD(9);
				rels[6] = FAKE_FD_BAD;
				rels[7] = 77777;
				rels[8] = ID(4);

				memcpy(snap, b, sizeof(*b));
				p = get(self, k ? k : 5);
				old = self->p[(k + 1) % 5 + 1];
				ret = tcx_mprog_attach(e, &n, p, NULL, old,
						       flag_sets[i], rels[j],
						       k == 3 ? 4 : 0);
				if (ret) {
					fails++;
					EXPECT_EQ(0, memcmp(snap, b,
							    sizeof(*b)))
						TH_LOG("attach %x %u %u",
						       flag_sets[i], j, k);
					bpf_prog_put(p);
				} else {
					oks++;
					tcx_mprog_commit(e);
					e = n;
				}

				memcpy(snap, b, sizeof(*b));
				ret = tcx_mprog_detach(e, &n,
						       k ? self->p[k] : NULL,
						       NULL, flag_sets[i],
						       rels[j],
						       k == 2 ? 3 : 0);
				if (ret) {
					fails++;
					EXPECT_EQ(0, memcmp(snap, b,
							    sizeof(*b)))
						TH_LOG("detach %x %u %u",
						       flag_sets[i], j, k);
				} else {
					oks++;
					tcx_mprog_commit(e);
					e = n;
				}
				unbuild(e, l4);
				EXPECT_EQ(0u, self->w.errors);
			}
		}
	}
	EXPECT_LT(500u, fails);
	EXPECT_LT(50u, oks);
	free(b);
	free(snap);
	check_refs(_metadata, self);
}

TEST_F(mprog, api_relative_objects_released)
{
	struct tcx_mprog_bundle b;
	struct tcx_mprog_entry *e, *n;
	struct tcx_link *l4;
	int ret;

	l4 = build(self, &b, &e);
	/* Anchors by fd and link are referenced while in use, then put. */
	ret = tcx_mprog_attach(e, &n, get(self, 5), NULL, NULL,
			       F_BEFORE | F_LINK, l4->fd, 0);
	ASSERT_EQ(0, ret);
	tcx_mprog_commit(e);
	e = n;
	EXPECT_EQ(1, l4->refcnt);
	ret = tcx_mprog_attach(e, &n, get(self, 6), NULL, NULL, F_AFTER,
			       FD(1), 0);
	ASSERT_EQ(0, ret);
	tcx_mprog_commit(e);
	e = n;
	/* p1: its own and the hook's */
	EXPECT_EQ(2, self->p[1]->refcnt);
	ret = tcx_mprog_detach(e, &n, NULL, NULL, F_AFTER | F_LINK | F_ID,
			       l4->id, 0);
	EXPECT_EQ(-EBUSY, ret);
	EXPECT_EQ(1, l4->refcnt);
	ret = tcx_mprog_detach(e, &n, NULL, NULL, F_BEFORE | F_LINK | F_ID,
			       l4->id, 0);
	ASSERT_EQ(0, ret);
	EXPECT_EQ(self->p[5], e->progs[4]);
	tcx_mprog_commit(e);
	e = n;
	EXPECT_EQ(1, l4->refcnt);
	ret = tcx_mprog_detach(e, &n, self->p[9], NULL, F_AFTER | F_LINK,
			       l4->fd, 0);
	EXPECT_EQ(-ENOENT, ret);
	EXPECT_EQ(1, l4->refcnt);
	ret = tcx_mprog_detach(e, &n, self->p[3], NULL, F_AFTER, FD(1), 0);
	EXPECT_EQ(-ERANGE, ret);
	EXPECT_EQ(2, self->p[1]->refcnt);
	EXPECT_EQ(0u, self->w.errors);
	unbuild(e, l4);
	check_refs(_metadata, self);
}

TEST_F(mprog, api_teardown)
{
	struct tcx_mprog_bundle b;
	struct tcx_mprog_entry *e, *n = NULL, *m;
	struct bpf_prog *const *slot;
	struct bpf_prog *prog;
	unsigned int links = 0, i = 0;
	struct tcx_link *l4;
	u64 rev;

	l4 = build(self, &b, &e);
	/* A detach whose commit is still due when the device goes. */
	ASSERT_EQ(0, tcx_mprog_detach(e, &m, self->p[2], NULL, 0, 0, 0));
	e = m;
	rev = tcx_mprog_revision(e);
	tcx_mprog_clear_all(e, &n);
	EXPECT_NE(e, n);
	EXPECT_EQ(0u, tcx_mprog_total(n));
	EXPECT_EQ(NULL, n->progs[0]);
	/* The old entry still runs until the grace period is over. */
	tcx_mprog_foreach_prog(e, slot, prog)
		i++;
	EXPECT_EQ(3u, i);
	EXPECT_EQ(3u, tcx_mprog_release_all(e, count_unlink, &links));
	EXPECT_EQ(1u, links);
	EXPECT_EQ(rev, tcx_mprog_revision(n));
	EXPECT_EQ(NULL, b.ref);
	for (i = 1; i <= 3; i++)
		EXPECT_EQ(1, self->p[i]->refcnt);
	EXPECT_EQ(2, self->p[4]->refcnt);
	EXPECT_EQ(0u, tcx_mprog_total(n));
	for (i = 0; i < TCX_MPROG_SLOTS; i++) {
		EXPECT_EQ(NULL, b.a.progs[i]);
		EXPECT_EQ(NULL, b.b.progs[i]);
		EXPECT_EQ(NULL, b.links[i]);
	}
	/* The bundle can be used again. */
	ASSERT_EQ(0, tcx_mprog_attach(n, &m, get(self, 1), NULL, NULL, 0, 0,
				      rev));
	tcx_mprog_commit(n);
	EXPECT_EQ(1u, tcx_mprog_total(m));
	tcx_mprog_clear_all(m, &n);
	EXPECT_EQ(1u, tcx_mprog_release_all(m, count_unlink, &links));
	fake_link_close(l4);
	check_refs(_metadata, self);
}

TEST_F(mprog, api_exists_and_query)
{
	struct tcx_mprog_bundle b;
	struct tcx_mprog_entry *e;
	struct tcx_link *l4;
	u32 ids[4], lids[4];
	u64 rev;

	l4 = build(self, &b, &e);
	EXPECT_TRUE(tcx_mprog_exists(e, self->p[1]));
	EXPECT_TRUE(tcx_mprog_exists(e, self->p[4]));
	EXPECT_FALSE(tcx_mprog_exists(e, self->p[5]));
	memset(ids, 0, sizeof(ids));
	memset(lids, 0xff, sizeof(lids));
	EXPECT_EQ(4u, tcx_mprog_query(e, ids, lids, 2, &rev));
	EXPECT_EQ(5u, rev);
	EXPECT_EQ(ID(1), ids[0]);
	EXPECT_EQ(ID(2), ids[1]);
	EXPECT_EQ(0u, ids[2]);
	EXPECT_EQ(0u, lids[0]);
	EXPECT_EQ(0xffffffffu, lids[2]);
	EXPECT_EQ(4u, tcx_mprog_query(e, NULL, lids, 4, NULL));
	EXPECT_EQ(l4->id, lids[3]);
	EXPECT_EQ(4u, tcx_mprog_query(e, ids, NULL, 0, NULL));
	unbuild(e, l4);
	check_refs(_metadata, self);
}

TEST_HARNESS_MAIN
