// SPDX-License-Identifier: GPL-2.0
/*
 * Reference model: the rules of tcx-semantics.md 1.5 and 1.6 spelled out
 * case by case on a plain list.  Slow and simple on purpose.
 */
#include <errno.h>
#include <string.h>
#include <linux/err.h>
#include <linux/tcx.h>

#include "mprog_model.h"
#include "mprog.h"

struct anchor {
	bool given;			/* a relative object was resolved */
	struct bpf_prog *prog;
	struct tcx_link *link;		/* a link anchor must match exactly */
	bool holds_prog_ref;
	int at;				/* its index on the hook, or -1 */
};

void model_init(struct mprog_model *m)
{
	memset(m, 0, sizeof(*m));
	m->revision = 1;
}

static int index_of_prog(const struct mprog_model *m,
			 const struct bpf_prog *prog)
{
	int i;

	for (i = 0; i < m->n; i++)
		if (m->slot[i].prog == prog)
			return i;
	return -1;
}

static int index_of_anchor(const struct mprog_model *m,
			   const struct anchor *a)
{
	int i;

	for (i = 0; i < m->n; i++) {
		if (m->slot[i].prog != a->prog)
			continue;
		if (a->link && m->slot[i].link != a->link)
			continue;
		return i;
	}
	return -1;
}

/* Returns 0 or the errno of resolving the relative object. */
static int resolve(const struct mprog_model *m, struct anchor *a,
		   u32 flags, u32 id_or_fd)
{
	struct tcx_link *link;
	struct bpf_prog *prog;
	int i;

	memset(a, 0, sizeof(*a));
	a->at = -1;
	if (flags & TCX_F_LINK) {
		if (flags & TCX_F_ID) {
			link = tcx_link_get_rel(id_or_fd, true);
		} else {
			if (id_or_fd == 0)
				return -EINVAL;
			link = tcx_link_get_rel(id_or_fd, false);
		}
		if (IS_ERR(link))
			return PTR_ERR(link);
		a->given = true;
		a->link = link;
		a->prog = tcx_link_prog(link);
	} else if (flags & TCX_F_ID) {
		/* Program ids are looked up on this hook only. */
		for (i = 0; i < m->n; i++) {
			if (id_or_fd && tcx_prog_id(m->slot[i].prog) == id_or_fd) {
				a->given = true;
				a->prog = m->slot[i].prog;
				break;
			}
		}
		if (!a->given)
			return -ENOENT;
	} else if (id_or_fd) {
		prog = tcx_prog_get_fd(id_or_fd);
		if (IS_ERR(prog))
			return PTR_ERR(prog);
		a->given = true;
		a->prog = prog;
		a->holds_prog_ref = true;
	}
	if (a->given)
		a->at = index_of_anchor(m, a);
	return 0;
}

static void release(struct anchor *a)
{
	if (a->link)
		tcx_link_put(a->link);
	else if (a->holds_prog_ref)
		bpf_prog_put(a->prog);
}

int model_attach(struct mprog_model *m, struct bpf_prog *prog_new,
		 struct tcx_link *link, struct bpf_prog *prog_old,
		 u32 flags, u32 id_or_fd, u64 revision)
{
	bool replace = flags & TCX_F_REPLACE;
	bool before = flags & TCX_F_BEFORE;
	bool after = flags & TCX_F_AFTER;
	struct anchor a;
	int err, old = -1, pos, i;

	if (revision != 0 && revision != m->revision)
		return -ESTALE;
	if (index_of_prog(m, prog_new) >= 0)
		return -EEXIST;
	err = resolve(m, &a, flags & ~TCX_F_REPLACE, id_or_fd);
	if (err)
		return err;

	if (replace) {
		old = prog_old ? index_of_prog(m, prog_old) : -1;
		if (old < 0) {
			err = -ENOENT;
			goto out;
		}
		if (m->slot[old].link != link) {
			err = -EBUSY;
			goto out;
		}
	} else if (m->n == MODEL_MAX) {
		err = -ERANGE;
		goto out;
	}

	if ((before || after) && a.given && a.at < 0) {
		err = -ENOENT;
		goto out;
	}
	if (before && after) {
		err = -ERANGE;
		goto out;
	}

	if (replace) {
		/* BEFORE A: A right behind the old one; AFTER A: in front. */
		if (before && !(a.given && a.at == old + 1)) {
			err = -ERANGE;
			goto out;
		}
		if (after && !(a.given && a.at == old - 1)) {
			err = -ERANGE;
			goto out;
		}
		m->slot[old].prog = prog_new;
		if (!link)
			bpf_prog_put(prog_old);
		err = 0;
		goto out;
	}

	if (before) {
		pos = a.given ? a.at : 0;
	} else if (after) {
		pos = a.given ? a.at + 1 : m->n;
	} else {
		if (a.given || flags) {
			err = -EINVAL;
			goto out;
		}
		pos = m->n;
	}

	for (i = m->n; i > pos; i--)
		m->slot[i] = m->slot[i - 1];
	m->slot[pos].prog = prog_new;
	m->slot[pos].link = link;
	m->n++;
	err = 0;
out:
	release(&a);
	return err;
}

int model_detach(struct mprog_model *m, struct bpf_prog *prog,
		 struct tcx_link *link, u32 flags, u32 id_or_fd,
		 u64 revision)
{
	bool before = flags & TCX_F_BEFORE;
	bool after = flags & TCX_F_AFTER;
	struct anchor a;
	int err, at = -1, victim, i;

	if (flags & TCX_F_REPLACE)
		return -EINVAL;
	if (revision != 0 && revision != m->revision)
		return -ESTALE;
	if (m->n == 0)
		return -ENOENT;
	err = resolve(m, &a, flags, id_or_fd);
	if (err)
		return err;

	if (prog) {
		at = index_of_prog(m, prog);
		if (at < 0) {
			err = -ENOENT;
			goto out;
		}
		if (m->slot[at].link != link) {
			err = -EBUSY;
			goto out;
		}
	}
	if ((before || after) && a.given && a.at < 0) {
		err = -ENOENT;
		goto out;
	}
	if (before && after) {
		err = -ERANGE;
		goto out;
	}

	if (prog) {
		/* BEFORE A: A right behind prog; AFTER A: right in front. */
		if (before && !(a.given && a.at == at + 1)) {
			err = -ERANGE;
			goto out;
		}
		if (after && !(a.given && a.at == at - 1)) {
			err = -ERANGE;
			goto out;
		}
		victim = at;
	} else if (before) {
		/* The one in front of A, or the first (A itself if first). */
		victim = a.given ? a.at - 1 : -1;
	} else if (after) {
		/* The one behind A, or the last (A itself if last). */
		victim = a.given ? a.at + 1 : m->n;
	} else {
		if (a.given || flags) {
			err = -EINVAL;
			goto out;
		}
		victim = m->n;
	}
	/* Positions run from -1 (front) to n (back); n can be 63 when full. */
	if (victim >= MODEL_MAX) {
		err = -ERANGE;
		goto out;
	}
	if (victim < 0)
		victim = 0;
	if (victim >= m->n)
		victim = m->n - 1;
	if (m->slot[victim].link && !link) {
		err = -EBUSY;
		goto out;
	}
	if (!m->slot[victim].link)
		m->pending = m->slot[victim].prog;
	for (i = victim; i < m->n - 1; i++)
		m->slot[i] = m->slot[i + 1];
	m->n--;
	memset(&m->slot[m->n], 0, sizeof(m->slot[0]));
	err = 0;
out:
	release(&a);
	return err;
}

void model_commit(struct mprog_model *m)
{
	if (m->pending)
		bpf_prog_put(m->pending);
	m->pending = NULL;
	m->revision++;
}

u32 model_query(const struct mprog_model *m, u32 *prog_ids, u32 *link_ids,
		u32 room, u64 *revision)
{
	u32 i;

	if (revision)
		*revision = m->revision;
	for (i = 0; i < (u32)m->n && i < room; i++) {
		if (prog_ids)
			prog_ids[i] = tcx_prog_id(m->slot[i].prog);
		if (link_ids)
			link_ids[i] = m->slot[i].link ?
				      tcx_link_id(m->slot[i].link) : 0;
	}
	return m->n;
}

u32 model_query_absent(u64 *revision)
{
	if (revision)
		*revision = 1;
	return 0;
}

u32 model_teardown(struct mprog_model *m,
		   void (*unlink)(struct tcx_link *link, void *priv),
		   void *priv)
{
	u32 n = m->n;
	int i;

	for (i = 0; i < m->n; i++) {
		if (m->slot[i].link)
			unlink(m->slot[i].link, priv);
		else
			bpf_prog_put(m->slot[i].prog);
	}
	if (m->pending)
		bpf_prog_put(m->pending);
	m->pending = NULL;
	m->n = 0;
	memset(m->slot, 0, sizeof(m->slot));
	return n;
}
