// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/err.h>
#include <linux/errno.h>

#include "hook.h"

void hook_init(struct fake_hook *h, struct fake_world *w, bool use_model,
	       bool keep)
{
	memset(h, 0, sizeof(*h));
	h->world = w;
	h->use_model = use_model;
	h->keep = keep;
}

static void hook_create(struct fake_hook *h)
{
	if (h->use_model) {
		model_init(&h->model);
	} else {
		tcx_mprog_bundle_init(&h->bundle);
		h->live = tcx_mprog_bundle_entry(&h->bundle);
	}
	h->present = true;
}

static void hook_free(struct fake_hook *h)
{
	h->present = false;
	h->live = NULL;
}

u32 hook_total(const struct fake_hook *h)
{
	if (!h->present)
		return 0;
	return h->use_model ? (u32)h->model.n : tcx_mprog_total(h->live);
}

u64 hook_revision(const struct fake_hook *h)
{
	if (!h->present)
		return 1;
	return h->use_model ? h->model.revision : tcx_mprog_revision(h->live);
}

struct bpf_prog *hook_prog_at(const struct fake_hook *h, u32 i)
{
	if (i >= hook_total(h))
		return NULL;
	return h->use_model ? h->model.slot[i].prog : h->live->progs[i];
}

struct tcx_link *hook_link_at(const struct fake_hook *h, u32 i)
{
	if (i >= hook_total(h))
		return NULL;
	return h->use_model ? h->model.slot[i].link :
			      h->live->parent->links[i];
}

static void hook_publish(struct fake_hook *h, struct tcx_mprog_entry *entry)
{
	h->live = entry;
}

/* The core of every attach: mprog (or the model), publish, sync, commit. */
static int hook_do_attach(struct fake_hook *h, struct bpf_prog *prog,
			  struct tcx_link *link, struct bpf_prog *old,
			  u32 flags, u32 relative, u64 revision)
{
	struct tcx_mprog_entry *entry = h->live, *entry_new = NULL;
	int ret;

	if (h->use_model) {
		ret = model_attach(&h->model, prog, link, old, flags,
				   relative, revision);
		if (!ret)
			model_commit(&h->model);
		return ret;
	}
	ret = tcx_mprog_attach(entry, &entry_new, prog, link, old, flags,
			       relative, revision);
	if (ret)
		return ret;
	if (!entry_new) {
		fake_error(h->world, "attach succeeded without an entry");
		abort();
	}
	if (entry_new != entry) {
		hook_publish(h, entry_new);
		h->syncs++;
	}
	tcx_mprog_commit(entry);
	return 0;
}

static int hook_do_detach(struct fake_hook *h, struct bpf_prog *prog,
			  struct tcx_link *link, u32 flags, u32 relative,
			  u64 revision)
{
	struct tcx_mprog_entry *entry = h->live, *entry_new = NULL;
	int ret;

	if (h->use_model) {
		ret = model_detach(&h->model, prog, link, flags, relative,
				   revision);
		if (ret)
			return ret;
		model_commit(&h->model);
	} else {
		ret = tcx_mprog_detach(entry, &entry_new, prog, link, flags,
				       relative, revision);
		if (ret)
			return ret;
		if (!entry_new || entry_new == entry) {
			fake_error(h->world, "detach did not swap entries");
			abort();
		}
		hook_publish(h, entry_new);
		h->syncs++;
		tcx_mprog_commit(entry);
	}
	if (!hook_total(h) && !h->keep)
		hook_free(h);
	return 0;
}

int hook_prog_attach(struct fake_hook *h, u32 prog_fd, u32 flags,
		     u32 replace_fd, u32 relative, u64 revision)
{
	struct bpf_prog *prog, *old = NULL;
	bool created = false;
	int ret;

	fake_use(h->world);
	prog = tcx_prog_get_fd(prog_fd);
	if (IS_ERR(prog))
		return PTR_ERR(prog);
	if (h->gone) {
		ret = -ENODEV;
		goto out_prog;
	}
	if (flags & TCX_F_REPLACE) {
		old = tcx_prog_get_fd(replace_fd);
		if (IS_ERR(old)) {
			ret = PTR_ERR(old);
			old = NULL;
			goto out_prog;
		}
	}
	if (!h->present) {
		hook_create(h);
		created = true;
	}
	ret = hook_do_attach(h, prog, NULL, old, flags, relative, revision);
	if (ret && created)
		hook_free(h);
	if (old)
		bpf_prog_put(old);
	if (!ret)
		return 0;
out_prog:
	bpf_prog_put(prog);
	return ret;
}

int hook_prog_detach(struct fake_hook *h, u32 prog_fd, u32 flags,
		     u32 relative, u64 revision)
{
	struct bpf_prog *prog = NULL;
	int ret;

	fake_use(h->world);
	if (prog_fd) {
		prog = tcx_prog_get_fd(prog_fd);
		if (IS_ERR(prog))
			return PTR_ERR(prog);
	}
	if (h->gone)
		ret = -ENODEV;
	else if (!h->present)
		ret = -ENOENT;
	else
		ret = hook_do_detach(h, prog, NULL, flags, relative, revision);
	if (prog)
		bpf_prog_put(prog);
	return ret;
}

int hook_link_create(struct fake_hook *h, u32 prog_fd, u32 flags,
		     u32 relative, u64 revision, struct tcx_link **linkp)
{
	struct tcx_link *link;
	struct bpf_prog *prog;
	bool created = false;
	int ret;

	fake_use(h->world);
	*linkp = NULL;
	prog = tcx_prog_get_fd(prog_fd);
	if (IS_ERR(prog))
		return PTR_ERR(prog);
	if (h->gone) {
		bpf_prog_put(prog);
		return -ENODEV;
	}
	link = fake_link_new(h->world, prog);
	if (!link) {
		bpf_prog_put(prog);
		return -ENOMEM;
	}
	if (!h->present) {
		hook_create(h);
		created = true;
	}
	ret = hook_do_attach(h, prog, link, NULL, flags, relative, revision);
	if (ret) {
		if (created)
			hook_free(h);
		fake_link_close(link);
		return ret;
	}
	link->attached = true;
	link->owner = h;
	*linkp = link;
	return 0;
}

int hook_link_update(struct fake_hook *h, struct tcx_link *link,
		     u32 new_prog_fd, u32 flags, u32 old_prog_fd)
{
	struct bpf_prog *nprog, *oprog = NULL;
	int ret = 0;

	fake_use(h->world);
	if (flags & ~TCX_F_REPLACE)
		return -EINVAL;
	if (old_prog_fd && !(flags & TCX_F_REPLACE))
		return -EINVAL;
	nprog = tcx_prog_get_fd(new_prog_fd);
	if (IS_ERR(nprog))
		return PTR_ERR(nprog);
	if (flags & TCX_F_REPLACE) {
		oprog = tcx_prog_get_fd(old_prog_fd);
		if (IS_ERR(oprog)) {
			bpf_prog_put(nprog);
			return PTR_ERR(oprog);
		}
	}
	if (!link->attached) {
		ret = -ENOLINK;
		goto out;
	}
	if (oprog && oprog != link->prog) {
		ret = -EPERM;
		goto out;
	}
	if (nprog == link->prog)
		goto out;
	ret = hook_do_attach(h, nprog, link, link->prog,
			     TCX_F_REPLACE | TCX_F_ID,
			     tcx_prog_id(link->prog), 0);
	if (!ret) {
		struct bpf_prog *prev = link->prog;

		link->prog = nprog;
		bpf_prog_put(prev);
		nprog = NULL;
	}
out:
	if (nprog)
		bpf_prog_put(nprog);
	if (oprog)
		bpf_prog_put(oprog);
	return ret;
}

static void hook_link_release(struct fake_hook *h, struct tcx_link *link)
{
	int ret;

	if (!link->attached)
		return;
	ret = hook_do_detach(h, link->prog, link, 0, 0, 0);
	if (ret) {
		fake_error(h->world, "link %u release failed: %d", link->id,
			   ret);
		abort();
	}
	link->attached = false;
}

int hook_link_detach(struct fake_hook *h, struct tcx_link *link)
{
	fake_use(h->world);
	hook_link_release(h, link);
	return 0;
}

void hook_link_close(struct fake_hook *h, struct tcx_link *link)
{
	fake_use(h->world);
	hook_link_release(h, link);
	fake_link_close(link);
}

int hook_query(struct fake_hook *h, u32 *prog_ids, u32 *link_ids,
	       u32 *count, u64 *revision)
{
	u32 room = prog_ids ? *count : 0, total;
	const struct tcx_mprog_entry *entry = h->present ? h->live : NULL;

	fake_use(h->world);
	if (h->gone)
		return -ENODEV;
	if (!prog_ids)
		link_ids = NULL;
	if (!h->use_model)
		total = tcx_mprog_query(entry, prog_ids, link_ids, room,
					revision);
	else if (h->present)
		total = model_query(&h->model, prog_ids, link_ids, room,
				    revision);
	else
		total = model_query_absent(revision);
	if (room && total > room) {
		*count = total;
		return -ENOSPC;
	}
	*count = total;
	return 0;
}

static void hook_unlink(struct tcx_link *link, void *priv)
{
	unsigned int *n = priv;

	link->attached = false;
	(*n)++;
}

u32 hook_unregister(struct fake_hook *h, unsigned int *links)
{
	struct tcx_mprog_entry *entry = h->live, *entry_new;
	u32 n;

	fake_use(h->world);
	h->gone = true;
	*links = 0;
	if (!h->present)
		return 0;
	if (h->use_model) {
		n = model_teardown(&h->model, hook_unlink, links);
	} else {
		tcx_mprog_clear_all(entry, &entry_new);
		hook_publish(h, h->keep ? entry_new : NULL);
		h->syncs++;
		n = tcx_mprog_release_all(entry, hook_unlink, links);
	}
	hook_free(h);
	return n;
}
