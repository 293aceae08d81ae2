// SPDX-License-Identifier: GPL-2.0
/*
 * tcx-dkms: the program-array algebra of one hook; see mprog.h for the
 * design and the calling protocol.
 *
 * Positions follow upstream: while the request is evaluated, idx is the
 * slot a rule points at, -1 meaning "in front of the first" and total
 * meaning "behind the last".  Every rule given (REPLACE, BEFORE, AFTER)
 * computes its own idx and all of them have to agree, otherwise ERANGE.
 * -ERANGE itself doubles as "no rule has chosen a position yet".
 */

#include <linux/bug.h>
#include <linux/err.h>
#include <linux/errno.h>
#include <linux/string.h>

#include "mprog.h"

/* A relative object, or none: prog NULL. */
struct tcx_mprog_tuple {
	struct bpf_prog *prog;
	struct tcx_link *link;
	/* prog came from an fd and holds a reference. */
	bool prog_ref;
};

void tcx_mprog_bundle_init(struct tcx_mprog_bundle *bundle)
{
	memset(bundle, 0, sizeof(*bundle));
	bundle->a.parent = bundle;
	bundle->b.parent = bundle;
	atomic64_set(&bundle->revision, 1);
}

static struct tcx_mprog_entry *tcx_mprog_peer(struct tcx_mprog_entry *entry)
{
	struct tcx_mprog_bundle *bundle = entry->parent;

	return entry == &bundle->a ? &bundle->b : &bundle->a;
}

/**
 * tcx_mprog_exists - whether @prog sits in any slot of the hook
 * @entry: the live entry
 * @prog: the program to look for
 *
 * Link-owned and program-owned slots count alike: a program can be
 * attached to a hook only once.
 */
bool tcx_mprog_exists(const struct tcx_mprog_entry *entry,
		      const struct bpf_prog *prog)
{
	u32 i, total = tcx_mprog_total(entry);

	for (i = 0; i < total; i++) {
		if (entry->progs[i] == prog)
			return true;
	}
	return false;
}

/*
 * Upstream resolves a program id with bpf_prog_by_id(), which 6.1 does not
 * export to modules, so the id is looked up among this hook's programs.
 * The one visible difference: an id of a program that exists but is not on
 * this hook gives ENOENT here, where upstream gives EINVAL when no position
 * flag is set and ignores it when only REPLACE is set (a program that is on
 * some other hook cannot be an anchor on this one, so the BEFORE and AFTER
 * cases give ENOENT either way).  The program found is held by the hook,
 * and RTNL keeps it there, so no reference is taken.
 */
static struct bpf_prog *tcx_mprog_prog_by_id(const struct tcx_mprog_entry *entry,
					     u32 id)
{
	u32 i, total = tcx_mprog_total(entry);

	if (!id)
		return NULL;
	for (i = 0; i < total; i++) {
		if (tcx_prog_id(entry->progs[i]) == id)
			return entry->progs[i];
	}
	return NULL;
}

static int tcx_mprog_tuple_relative(const struct tcx_mprog_entry *entry,
				    struct tcx_mprog_tuple *tuple,
				    u32 id_or_fd, u32 flags)
{
	bool by_id = flags & TCX_F_ID;
	struct bpf_prog *prog;
	struct tcx_link *link;

	memset(tuple, 0, sizeof(*tuple));
	if (flags & TCX_F_LINK) {
		if (!by_id && !id_or_fd)
			return -EINVAL;
		link = tcx_link_get_rel(id_or_fd, by_id);
		if (IS_ERR(link))
			return PTR_ERR(link);
		tuple->link = link;
		tuple->prog = tcx_link_prog(link);
		return 0;
	}
	if (by_id) {
		prog = tcx_mprog_prog_by_id(entry, id_or_fd);
		if (!prog)
			return -ENOENT;
		tuple->prog = prog;
		return 0;
	}
	/* Neither fd nor id: BEFORE means first, AFTER means last. */
	if (!id_or_fd)
		return 0;
	/*
	 * tcx_prog_get_fd() only hands out SCHED_CLS programs, which is the
	 * type check upstream does against the program being attached.  For
	 * a positional detach upstream checks no type, so an anchor fd of
	 * another program type gives ENOENT there and EINVAL here.
	 */
	prog = tcx_prog_get_fd(id_or_fd);
	if (IS_ERR(prog))
		return PTR_ERR(prog);
	tuple->prog = prog;
	tuple->prog_ref = true;
	return 0;
}

static void tcx_mprog_tuple_put(struct tcx_mprog_tuple *tuple)
{
	if (tuple->link)
		tcx_link_put(tuple->link);
	else if (tuple->prog_ref)
		bpf_prog_put(tuple->prog);
}

/* The slot holding @prog: its index, or -ENOENT, or -EBUSY for an owner
 * other than @link.
 */
static int tcx_mprog_pos_exact(const struct tcx_mprog_entry *entry,
			       const struct bpf_prog *prog,
			       const struct tcx_link *link)
{
	const struct tcx_mprog_bundle *bundle = entry->parent;
	int i, total = tcx_mprog_total(entry);

	for (i = 0; i < total; i++) {
		if (entry->progs[i] == prog)
			return bundle->links[i] == link ? i : -EBUSY;
	}
	return -ENOENT;
}

/* The index of the relative object, or -ENOENT if it is not on the hook. */
static int tcx_mprog_pos_of(const struct tcx_mprog_entry *entry,
			    const struct tcx_mprog_tuple *tuple)
{
	const struct tcx_mprog_bundle *bundle = entry->parent;
	int i, total = tcx_mprog_total(entry);

	for (i = 0; i < total; i++) {
		if (entry->progs[i] == tuple->prog &&
		    (!tuple->link || bundle->links[i] == tuple->link))
			return i;
	}
	return -ENOENT;
}

static int tcx_mprog_pos_before(const struct tcx_mprog_entry *entry,
				const struct tcx_mprog_tuple *tuple)
{
	int pos;

	if (!tuple->prog)
		return -1;
	pos = tcx_mprog_pos_of(entry, tuple);
	return pos < 0 ? pos : pos - 1;
}

static int tcx_mprog_pos_after(const struct tcx_mprog_entry *entry,
			       const struct tcx_mprog_tuple *tuple)
{
	int pos;

	if (!tuple->prog)
		return tcx_mprog_total(entry);
	pos = tcx_mprog_pos_of(entry, tuple);
	return pos < 0 ? pos : pos + 1;
}

/*
 * Apply the BEFORE and AFTER rules to *idx.  A relative object that is not
 * on the hook gives ENOENT; a rule that disagrees with one evaluated
 * earlier gives ERANGE.
 */
static int tcx_mprog_pos_relative(const struct tcx_mprog_entry *entry,
				  const struct tcx_mprog_tuple *tuple,
				  u32 flags, int *idx)
{
	int pos;

	if (flags & TCX_F_BEFORE) {
		pos = tcx_mprog_pos_before(entry, tuple);
		if (pos < -1)
			return pos;
		if (*idx >= -1 && pos != *idx)
			return -ERANGE;
		*idx = pos;
	}
	if (flags & TCX_F_AFTER) {
		pos = tcx_mprog_pos_after(entry, tuple);
		if (pos < -1)
			return pos;
		if (*idx >= -1 && pos != *idx)
			return -ERANGE;
		*idx = pos;
	}
	return 0;
}

static void tcx_mprog_copy(struct tcx_mprog_entry *dst,
			   const struct tcx_mprog_entry *src)
{
	memcpy(dst->progs, src->progs, sizeof(dst->progs));
}

static void tcx_mprog_replace(struct tcx_mprog_entry *entry,
			      struct tcx_mprog_entry **entry_new,
			      struct bpf_prog *prog_new, struct tcx_link *link,
			      int idx)
{
	struct tcx_mprog_bundle *bundle = entry->parent;
	struct bpf_prog *prog_old = entry->progs[idx];

	WRITE_ONCE(entry->progs[idx], prog_new);
	if (!link) {
		WARN_ON_ONCE(bundle->links[idx]);
		bpf_prog_put(prog_old);
	}
	*entry_new = entry;
}

/* Insert at @pos of the spare entry, moving the slots from @pos on up. */
static void tcx_mprog_insert(struct tcx_mprog_entry *entry,
			     struct tcx_mprog_entry **entry_new,
			     struct bpf_prog *prog_new, struct tcx_link *link,
			     int pos)
{
	struct tcx_mprog_bundle *bundle = entry->parent;
	struct tcx_mprog_entry *peer = tcx_mprog_peer(entry);
	int total = tcx_mprog_total(entry);

	tcx_mprog_copy(peer, entry);
	memmove(&peer->progs[pos + 1], &peer->progs[pos],
		(total - pos) * sizeof(peer->progs[0]));
	memmove(&bundle->links[pos + 1], &bundle->links[pos],
		(total - pos) * sizeof(bundle->links[0]));
	peer->progs[pos] = prog_new;
	bundle->links[pos] = link;
	bundle->count++;
	*entry_new = peer;
}

/* Remove slot @pos from the spare entry, moving the slots above it down. */
static void tcx_mprog_delete(struct tcx_mprog_entry *entry,
			     struct tcx_mprog_entry **entry_new, int pos)
{
	struct tcx_mprog_bundle *bundle = entry->parent;
	struct tcx_mprog_entry *peer = tcx_mprog_peer(entry);
	int total = tcx_mprog_total(entry);
	struct bpf_prog *prog = entry->progs[pos];
	struct tcx_link *link = bundle->links[pos];

	tcx_mprog_copy(peer, entry);
	memmove(&peer->progs[pos], &peer->progs[pos + 1],
		(total - pos - 1) * sizeof(peer->progs[0]));
	memmove(&bundle->links[pos], &bundle->links[pos + 1],
		(total - pos - 1) * sizeof(bundle->links[0]));
	peer->progs[total - 1] = NULL;
	bundle->links[total - 1] = NULL;
	bundle->count--;
	/* A link keeps its program; the hook's reference goes after the grace
	 * period, in tcx_mprog_commit().
	 */
	if (!link) {
		WARN_ON_ONCE(bundle->ref);
		bundle->ref = prog;
	}
	*entry_new = peer;
}

/**
 * tcx_mprog_attach - insert a program or replace one
 * @entry: the live entry
 * @entry_new: set on success: the entry to publish (@entry for a replace)
 * @prog_new: the program; for a program-owned slot the caller's reference
 *	passes to the hook on success and stays with the caller on failure
 * @link: the owning link, or NULL for a program-owned slot
 * @prog_old: with TCX_F_REPLACE, the program to replace (not a reference
 *	passed in: the hook's own reference is put if the slot is
 *	program-owned)
 * @flags: TCX_F_*
 * @id_or_fd: the relative object, if any
 * @revision: the expected revision, 0 for any
 *
 * Return: 0, or -ESTALE, -EEXIST, an error resolving the relative object,
 * -ENOENT, -EBUSY, -ERANGE or -EINVAL, with the hook unchanged.
 */
int tcx_mprog_attach(struct tcx_mprog_entry *entry,
		     struct tcx_mprog_entry **entry_new,
		     struct bpf_prog *prog_new, struct tcx_link *link,
		     struct bpf_prog *prog_old, u32 flags, u32 id_or_fd,
		     u64 revision)
{
	struct tcx_mprog_tuple rel;
	int ret, idx = -ERANGE;

	if (WARN_ON_ONCE(!prog_new))
		return -EINVAL;
	if (revision && revision != tcx_mprog_revision(entry))
		return -ESTALE;
	if (tcx_mprog_exists(entry, prog_new))
		return -EEXIST;
	ret = tcx_mprog_tuple_relative(entry, &rel, id_or_fd,
				       flags & ~TCX_F_REPLACE);
	if (ret)
		return ret;
	if (flags & TCX_F_REPLACE) {
		/* NULL for a link being created: never found, ENOENT. */
		ret = tcx_mprog_pos_exact(entry, prog_old, link);
		if (ret < 0)
			goto out;
		idx = ret;
	} else if (tcx_mprog_total(entry) == tcx_mprog_max()) {
		ret = -ERANGE;
		goto out;
	}
	ret = tcx_mprog_pos_relative(entry, &rel, flags, &idx);
	if (ret)
		goto out;
	if (idx < -1) {
		if (rel.prog || flags) {
			ret = -EINVAL;
			goto out;
		}
		idx = tcx_mprog_total(entry);
	}
	if (idx >= (int)tcx_mprog_max()) {
		ret = -ERANGE;
		goto out;
	}
	if (flags & TCX_F_REPLACE)
		tcx_mprog_replace(entry, entry_new, prog_new, link, idx);
	else
		tcx_mprog_insert(entry, entry_new, prog_new, link,
				 flags & TCX_F_BEFORE ? idx + 1 : idx);
	ret = 0;
out:
	tcx_mprog_tuple_put(&rel);
	return ret;
}

/**
 * tcx_mprog_detach - remove a program
 * @entry: the live entry
 * @entry_new: set on success: the entry to publish (never @entry)
 * @prog: the program to remove, or NULL to pick one by position; no
 *	reference passes either way
 * @link: the owning link (link release), or NULL
 * @flags: TCX_F_*
 * @id_or_fd: the relative object, if any
 * @revision: the expected revision, 0 for any
 *
 * Upstream quirks kept on purpose: with prog NULL, BEFORE against the first
 * program and AFTER against the last one remove that program itself, and
 * removing the last slot by position fails with ERANGE when the hook holds
 * TCX_MAX_PROGS programs.
 *
 * Return: 0, or -EINVAL, -ESTALE, -ENOENT, an error resolving the relative
 * object, -EBUSY or -ERANGE, with the hook unchanged.
 */
int tcx_mprog_detach(struct tcx_mprog_entry *entry,
		     struct tcx_mprog_entry **entry_new,
		     struct bpf_prog *prog, struct tcx_link *link,
		     u32 flags, u32 id_or_fd, u64 revision)
{
	struct tcx_mprog_bundle *bundle = entry->parent;
	int ret, total, idx = -ERANGE;
	struct tcx_mprog_tuple rel;

	if (flags & TCX_F_REPLACE)
		return -EINVAL;
	if (revision && revision != tcx_mprog_revision(entry))
		return -ESTALE;
	total = tcx_mprog_total(entry);
	if (!total)
		return -ENOENT;
	ret = tcx_mprog_tuple_relative(entry, &rel, id_or_fd, flags);
	if (ret)
		return ret;
	if (prog) {
		ret = tcx_mprog_pos_exact(entry, prog, link);
		if (ret < 0)
			goto out;
		idx = ret;
	}
	ret = tcx_mprog_pos_relative(entry, &rel, flags, &idx);
	if (ret)
		goto out;
	if (idx < -1) {
		if (rel.prog || flags) {
			ret = -EINVAL;
			goto out;
		}
		idx = total;
	}
	if (idx >= (int)tcx_mprog_max()) {
		ret = -ERANGE;
		goto out;
	}
	if (idx == -1)
		idx = 0;
	else if (idx == total)
		idx = total - 1;
	if (bundle->links[idx] && !link) {
		ret = -EBUSY;
		goto out;
	}
	WARN_ON_ONCE(prog && prog != entry->progs[idx]);
	WARN_ON_ONCE(link && link != bundle->links[idx]);
	tcx_mprog_delete(entry, entry_new, idx);
	ret = 0;
out:
	tcx_mprog_tuple_put(&rel);
	return ret;
}

/**
 * tcx_mprog_commit - finish a successful attach or detach
 * @entry: the entry passed to it (either entry of the bundle will do)
 *
 * Call after the new entry is published and, for an insert or a delete,
 * after an RCU grace period.  Puts the program a detach removed from a
 * program-owned slot and bumps the revision.
 */
void tcx_mprog_commit(struct tcx_mprog_entry *entry)
{
	struct tcx_mprog_bundle *bundle = entry->parent;

	if (bundle->ref) {
		bpf_prog_put(bundle->ref);
		bundle->ref = NULL;
	}
	atomic64_inc(&bundle->revision);
}

/**
 * tcx_mprog_query - the hook's programs in run order
 * @entry: the live entry, or NULL for a hook that has none
 * @prog_ids: filled with program ids, or NULL
 * @link_ids: filled with link ids (0 for a program-owned slot), or NULL
 * @room: fill at most this many elements of each array
 * @revision: set to the revision (1 for a NULL @entry), or NULL
 *
 * Return: the number of programs on the hook, which may exceed @room.
 */
u32 tcx_mprog_query(const struct tcx_mprog_entry *entry, u32 *prog_ids,
		    u32 *link_ids, u32 room, u64 *revision)
{
	const struct tcx_mprog_bundle *bundle;
	struct tcx_link *link;
	u32 i, total;

	if (!entry) {
		if (revision)
			*revision = 1;
		return 0;
	}
	bundle = entry->parent;
	total = tcx_mprog_total(entry);
	if (revision)
		*revision = tcx_mprog_revision(entry);
	for (i = 0; i < total && i < room; i++) {
		if (prog_ids)
			prog_ids[i] = tcx_prog_id(entry->progs[i]);
		if (link_ids) {
			link = bundle->links[i];
			link_ids[i] = link ? tcx_link_id(link) : 0;
		}
	}
	return total;
}

/**
 * tcx_mprog_clear_all - first step of a teardown
 * @entry: the live entry
 * @entry_new: set to an empty entry, for a caller that keeps the hook
 *
 * Leaves @entry as it is (the data path may still run it) and releases
 * nothing; the hook counts as empty from now on.  Publish @entry_new,
 * wait for an RCU grace period, then call
 * tcx_mprog_release_all(@entry) before anything else changes the hook.
 * The revision does not change.
 */
void tcx_mprog_clear_all(struct tcx_mprog_entry *entry,
			 struct tcx_mprog_entry **entry_new)
{
	struct tcx_mprog_entry *peer = tcx_mprog_peer(entry);

	memset(peer->progs, 0, sizeof(peer->progs));
	entry->parent->count = 0;
	*entry_new = peer;
}

/**
 * tcx_mprog_release_all - second step of a teardown, after the grace period
 * @entry: the entry that was live before tcx_mprog_clear_all()
 * @unlink: called for every link-owned slot, so that the caller can make
 *	the link defunct; the link keeps its program reference
 * @priv: passed to @unlink
 *
 * Puts every program-owned program (and one still waiting for a commit)
 * and leaves the bundle empty.  Never fails.
 *
 * Return: the number of programs that were on the hook.
 */
u32 tcx_mprog_release_all(struct tcx_mprog_entry *entry,
			  void (*unlink)(struct tcx_link *link, void *priv),
			  void *priv)
{
	struct tcx_mprog_bundle *bundle = entry->parent;
	struct tcx_link *link;
	u32 i;

	/* The count may be gone already: walk up to the NULL slot. */
	for (i = 0; i < tcx_mprog_max() && entry->progs[i]; i++) {
		link = bundle->links[i];
		if (link)
			unlink(link, priv);
		else
			bpf_prog_put(entry->progs[i]);
	}
	if (bundle->ref) {
		bpf_prog_put(bundle->ref);
		bundle->ref = NULL;
	}
	memset(entry->progs, 0, sizeof(entry->progs));
	memset(bundle->links, 0, sizeof(bundle->links));
	bundle->count = 0;
	return i;
}
