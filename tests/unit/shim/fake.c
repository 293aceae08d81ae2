// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/err.h>
#include <linux/errno.h>
#include <linux/bug.h>

#include "mprog.h"
#include "fake.h"

struct fake_world *fake_cur;
unsigned int shim_warnings;

void shim_warn(const char *file, int line, const char *cond)
{
	shim_warnings++;
	fprintf(stderr, "WARNING at %s:%d: %s\n", file, line, cond);
	if (fake_cur && fake_cur->abort_on_error)
		abort();
}

void fake_error(struct fake_world *w, const char *fmt, ...)
{
	va_list ap;

	w->errors++;
	fprintf(stderr, "fake: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (w->abort_on_error)
		abort();
}

void fake_world_init(struct fake_world *w)
{
	memset(w, 0, sizeof(*w));
	/* 0 (stdin), 1 and 2 are open but are no bpf objects. */
	w->fds[0].kind = FAKE_FD_OTHER;
	w->fds[FAKE_FD_NOT_BPF].kind = FAKE_FD_OTHER;
	w->fds[2].kind = FAKE_FD_OTHER;
}

void fake_use(struct fake_world *w)
{
	fake_cur = w;
}

static u32 fake_fd_alloc(struct fake_world *w, enum fake_fd_kind kind,
			 void *obj)
{
	u32 fd;

	/* The lowest free fd, as the kernel hands them out. */
	for (fd = FAKE_FD_FIRST; fd < FAKE_FD_BAD; fd++)
		if (w->fds[fd].kind == FAKE_FD_NONE)
			break;
	if (fd >= FAKE_FD_BAD) {
		fake_error(w, "out of fds");
		abort();
	}
	w->fds[fd].kind = kind;
	w->fds[fd].obj = obj;
	return fd;
}

struct bpf_prog *fake_prog_new(struct fake_world *w, u32 type)
{
	struct bpf_prog *prog;

	if (w->nr_progs >= FAKE_PROGS) {
		fake_error(w, "out of progs");
		abort();
	}
	prog = &w->progs[w->nr_progs];
	prog->world = w;
	prog->id = FAKE_PROG_ID_BASE + w->nr_progs;
	prog->type = type;
	prog->refcnt = 1;
	prog->fd = fake_fd_alloc(w, FAKE_FD_PROG, prog);
	w->nr_progs++;
	return prog;
}

struct tcx_link *fake_link_new(struct fake_world *w, struct bpf_prog *prog)
{
	struct tcx_link *link;
	int i;

	for (i = 0; i < FAKE_LINKS; i++) {
		link = &w->links[i];
		if (link->refcnt)
			continue;
		memset(link, 0, sizeof(*link));
		link->world = w;
		link->id = FAKE_LINK_ID_BASE + ++w->link_seq;
		link->refcnt = 1;
		link->prog = prog;
		link->fd = fake_fd_alloc(w, FAKE_FD_LINK, link);
		return link;
	}
	return NULL;
}

int fake_prog_index(const struct bpf_prog *prog)
{
	return prog ? (int)(prog - prog->world->progs) : -1;
}

int fake_link_index(const struct tcx_link *link)
{
	return link ? (int)(link - link->world->links) : -1;
}

static void fake_link_release(struct tcx_link *link)
{
	struct fake_world *w = link->world;

	if (link->attached)
		fake_error(w, "link %u freed while on a hook", link->id);
	bpf_prog_put(link->prog);
	link->prog = NULL;
}

void fake_link_close(struct tcx_link *link)
{
	struct fake_world *w = link->world;

	if (!link->fd) {
		fake_error(w, "link %u closed twice", link->id);
		return;
	}
	w->fds[link->fd].kind = FAKE_FD_NONE;
	w->fds[link->fd].obj = NULL;
	link->fd = 0;
	tcx_link_put(link);
}

/* What mprog.c calls. */

void bpf_prog_put(struct bpf_prog *prog)
{
	if (!prog || IS_ERR(prog)) {
		fprintf(stderr, "fake: bpf_prog_put(%p)\n", (void *)prog);
		abort();
	}
	if (prog->refcnt <= 0) {
		fake_error(prog->world, "prog %u put with refcnt %d",
			   prog->id, prog->refcnt);
		return;
	}
	prog->refcnt--;
}

struct bpf_prog *tcx_prog_get_fd(u32 fd)
{
	struct fake_world *w = fake_cur;
	struct bpf_prog *prog;

	if (fd >= FAKE_FDS || w->fds[fd].kind == FAKE_FD_NONE)
		return ERR_PTR(-EBADF);
	if (w->fds[fd].kind != FAKE_FD_PROG)
		return ERR_PTR(-EINVAL);
	prog = w->fds[fd].obj;
	if (prog->type != BPF_PROG_TYPE_SCHED_CLS)
		return ERR_PTR(-EINVAL);
	prog->refcnt++;
	return prog;
}

u32 tcx_prog_id(const struct bpf_prog *prog)
{
	if (prog->refcnt <= 0)
		fake_error(prog->world, "id of dead prog %u", prog->id);
	return prog->id;
}

struct tcx_link *tcx_link_get_rel(u32 fd_or_id, bool by_id)
{
	struct fake_world *w = fake_cur;
	struct tcx_link *link;
	int i;

	if (by_id) {
		for (i = 0; i < FAKE_LINKS; i++) {
			link = &w->links[i];
			if (fd_or_id && link->refcnt && link->id == fd_or_id) {
				link->refcnt++;
				return link;
			}
		}
		return ERR_PTR(-ENOENT);
	}
	if (!fd_or_id)
		return ERR_PTR(-EINVAL);
	if (fd_or_id >= FAKE_FDS || w->fds[fd_or_id].kind == FAKE_FD_NONE)
		return ERR_PTR(-EBADF);
	if (w->fds[fd_or_id].kind != FAKE_FD_LINK)
		return ERR_PTR(-EINVAL);
	link = w->fds[fd_or_id].obj;
	link->refcnt++;
	return link;
}

void tcx_link_put(struct tcx_link *link)
{
	if (link->refcnt <= 0) {
		fake_error(link->world, "link %u put with refcnt %d",
			   link->id, link->refcnt);
		return;
	}
	if (!--link->refcnt)
		fake_link_release(link);
}

struct bpf_prog *tcx_link_prog(const struct tcx_link *link)
{
	if (link->refcnt <= 0)
		fake_error(link->world, "prog of dead link %u", link->id);
	return link->prog;
}

u32 tcx_link_id(const struct tcx_link *link)
{
	if (link->refcnt <= 0)
		fake_error(link->world, "id of dead link %u", link->id);
	return link->id;
}
