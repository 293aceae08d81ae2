/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fake programs, links and file descriptors for the host tests of mprog.c.
 *
 * A world holds everything mprog.c can reach through the functions mprog.h
 * declares.  Every object counts its references and every misuse (a put
 * below zero, a look at a dead object) is recorded in world->errors, so a
 * test can insist on no leaks and no double puts.  Two worlds built the
 * same way hold objects at the same indices: the differential fuzzer runs
 * the implementation in one and the reference model in the other.
 */
#ifndef _TCX_FAKE_H
#define _TCX_FAKE_H

#include <linux/types.h>
#include <linux/bpf.h>

#define FAKE_PROGS		72
#define FAKE_LINKS		72
#define FAKE_FDS		256

/* fds 0-2 are open but no bpf objects; objects get fds from 3 on. */
#define FAKE_FD_NOT_BPF		1
#define FAKE_FD_FIRST		3
#define FAKE_FD_BAD		(FAKE_FDS - 1)

#define FAKE_PROG_ID_BASE	100
#define FAKE_LINK_ID_BASE	1000

struct fake_world;

struct bpf_prog {
	struct fake_world *world;
	u32 id;
	u32 type;		/* enum bpf_prog_type */
	u32 fd;
	int refcnt;		/* the test's own reference counts as one */
};

struct tcx_link {
	struct fake_world *world;
	u32 id;
	u32 fd;			/* 0 once closed */
	int refcnt;
	bool attached;		/* on a hook (not detached, not defunct) */
	void *owner;		/* the hook it was created on (tests) */
	struct bpf_prog *prog;	/* the link holds a reference */
};

enum fake_fd_kind {
	FAKE_FD_NONE,
	FAKE_FD_OTHER,
	FAKE_FD_PROG,
	FAKE_FD_LINK,
};

struct fake_fd {
	enum fake_fd_kind kind;
	void *obj;
};

struct fake_world {
	struct bpf_prog progs[FAKE_PROGS];
	struct tcx_link links[FAKE_LINKS];
	struct fake_fd fds[FAKE_FDS];
	u32 nr_progs;
	u32 link_seq;		/* ids handed out so far */
	unsigned int errors;
	bool abort_on_error;
};

/* The world the fd and id lookups of mprog.c see. */
extern struct fake_world *fake_cur;

void fake_world_init(struct fake_world *w);
void fake_use(struct fake_world *w);
/* A new program with one reference (the caller's) and an fd. */
struct bpf_prog *fake_prog_new(struct fake_world *w, u32 type);
/*
 * A new link in the first free slot, with one reference (its fd) and a
 * reference to @prog taken over from the caller.
 */
struct tcx_link *fake_link_new(struct fake_world *w, struct bpf_prog *prog);
/* Close the link's fd: drop the fd's reference. */
void fake_link_close(struct tcx_link *link);
int fake_link_index(const struct tcx_link *link);
int fake_prog_index(const struct bpf_prog *prog);
void fake_error(struct fake_world *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
