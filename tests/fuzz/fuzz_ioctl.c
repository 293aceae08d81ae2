// SPDX-License-Identifier: GPL-2.0
/*
 * ioctl fuzzing of /dev/tcx and of link fds, in the VM.
 *
 * Every iteration sends one command with a random, often mutated argument:
 * sizes (0, short, exact, larger with a zero or a non-zero tail, past a
 * page, huge), argument pointers (NULL, unmapped, kernel, running into an
 * unmapped page), flags, fds of every kind (SCHED_CLS, XDP and socket
 * filter programs, a map, links, /dev/tcx itself, a pipe, /dev/null, a
 * socket, closed and never-opened numbers), ids, ifindexes (lo, a veth
 * pair, 0, unknown), directions and revisions.  Commands go to the right
 * file, to the wrong one (link commands on /dev/tcx and the reverse, tcx
 * commands on a pipe or /dev/null, changes on a read-only /dev/tcx) and as
 * unknown numbers.
 *
 * Pins go to a bpffs the test mounts in a private directory, at paths of
 * every kind: fresh names, absolute and relative to directory fds of all
 * sorts, names taken (by our pins, a map's pin, a symlink that only looks
 * like a pin, a directory), outside bpffs, under a missing directory or a
 * file, names and paths too long, unterminated, empty, dotted; and they
 * are opened again from the same kinds of paths.  Binding to a task goes
 * to a /dev/tcx file opened for it each time: to the fuzzer itself, one
 * of its threads, a child, no task, an unknown pid.
 *
 * Each result is checked:
 *  - the errno is one that command can give, and exactly the one called
 *    for where that is known: ENOTTY for the wrong file or an unknown
 *    command, EFAULT, EINVAL or E2BIG for the argument's framing, EINVAL
 *    for unknown flags, a bad direction, a non-zero reserved field or a
 *    tag that is unterminated or not printable ASCII;
 *  - a failed call changed nothing: every hook reports the same revision
 *    and programs, and no fd appeared;
 *  - a successful one did what it says and nothing else, as a query and
 *    the link's info show afterwards.
 * At the end everything is detached and closed, every program the test
 * loaded must be gone once it closes its fds, tcx.ko's reference count is
 * back to where it was, and the module unloads (and is loaded again from
 * $TCX_MODULE).
 *
 * FUZZ_ITERATIONS (default 10000) and FUZZ_SEED (default: from the clock,
 * printed; set it to replay a run).
 */
#define _GNU_SOURCE
#include "tcx_test.h"

#include <dirent.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <linux/tcx.h>

#include "reliability.h"

#define NPROGS		8
#define NDEVS		3	/* lo, fz0, fz1 */
#define NHOOKS		(NDEVS * 2)
#define MAX_LINKS	48	/* link objects the fuzzer keeps track of */
#define MAX_FDS		4	/* fds per link */
#define MAX_IDS		4096	/* link ids remembered */
#define MAX_PROG_IDS	1024

/* The fuzzer's view of the commands. */
enum fz_cmd {
	FZ_VERSION,
	FZ_ATTACH,
	FZ_DETACH,
	FZ_QUERY,
	FZ_LINK_CREATE,
	FZ_GET_FD_BY_ID,
	FZ_NEXT_ID,
	FZ_PIN_PATH,
	FZ_GET_FD_BY_PIN,
	FZ_BIND_TASK,		/* the last command on /dev/tcx */
	FZ_UPDATE,
	FZ_LINK_DETACH,
	FZ_INFO,
	FZ_PIN,
	FZ_UNPIN,
	FZ_CLOSE,		/* close() of a link fd */
	FZ_UNLINK_PIN,		/* unlink() of a pin's path */
	FZ_BOGUS,		/* an unknown command number */
	FZ_CMDS
};

static const char *const fz_names[FZ_CMDS] = {
	[FZ_VERSION]		= "version",
	[FZ_ATTACH]		= "prog_attach",
	[FZ_DETACH]		= "prog_detach",
	[FZ_QUERY]		= "query",
	[FZ_LINK_CREATE]	= "link_create",
	[FZ_GET_FD_BY_ID]	= "link_get_fd_by_id",
	[FZ_NEXT_ID]		= "link_get_next_id",
	[FZ_PIN_PATH]		= "link_pin_path",
	[FZ_GET_FD_BY_PIN]	= "link_get_fd_by_pin",
	[FZ_BIND_TASK]		= "bind_task",
	[FZ_UPDATE]		= "link_update",
	[FZ_LINK_DETACH]	= "link_detach",
	[FZ_INFO]		= "link_info",
	[FZ_PIN]		= "link_pin",
	[FZ_UNPIN]		= "link_unpin",
	[FZ_CLOSE]		= "link_close",
	[FZ_UNLINK_PIN]		= "pin_unlink",
	[FZ_BOGUS]		= "unknown_cmd",
};

static const int fz_weights[FZ_CMDS] = {
	[FZ_VERSION]		= 2,
	[FZ_ATTACH]		= 20,
	[FZ_DETACH]		= 14,
	[FZ_QUERY]		= 10,
	[FZ_LINK_CREATE]	= 16,
	[FZ_GET_FD_BY_ID]	= 6,
	[FZ_NEXT_ID]		= 4,
	[FZ_PIN_PATH]		= 6,
	[FZ_GET_FD_BY_PIN]	= 5,
	[FZ_BIND_TASK]		= 4,
	[FZ_UPDATE]		= 10,
	[FZ_LINK_DETACH]	= 4,
	[FZ_INFO]		= 6,
	[FZ_PIN]		= 3,
	[FZ_UNPIN]		= 3,
	[FZ_CLOSE]		= 6,
	[FZ_UNLINK_PIN]		= 3,
	[FZ_BOGUS]		= 3,
};

/* Bits of an errno set: 1 << errno (ESTALE is 116). */
typedef unsigned __int128 errset_t;
#define E(x)		((errset_t)1 << (x))
#define E_OK		E(0)
#define MAX_ERRNO_SEEN	128

/* What each command may answer once its argument was read. */
static const errset_t fz_allowed[FZ_CMDS] = {
	[FZ_VERSION]	= E_OK,
	[FZ_ATTACH]	= E_OK | E(EINVAL) | E(EBADF) | E(ENODEV) | E(ENOENT) |
			  E(EEXIST) | E(EBUSY) | E(ERANGE) | E(ESTALE),
	[FZ_DETACH]	= E_OK | E(EINVAL) | E(EBADF) | E(ENODEV) | E(ENOENT) |
			  E(EBUSY) | E(ERANGE) | E(ESTALE),
	[FZ_QUERY]	= E_OK | E(EINVAL) | E(ENODEV) | E(ENOSPC) | E(EFAULT),
	[FZ_LINK_CREATE] = E_OK | E(EINVAL) | E(EBADF) | E(ENODEV) |
			  E(ENOENT) | E(EEXIST) | E(ERANGE) | E(ESTALE),
	[FZ_GET_FD_BY_ID] = E_OK | E(EINVAL) | E(ENOENT),
	[FZ_NEXT_ID]	= E_OK | E(ENOENT),
	[FZ_PIN_PATH]	= E_OK | E(EBADF) | E(EINVAL) | E(EFAULT) |
			  E(ENOENT) | E(ENOTDIR) | E(ENAMETOOLONG) |
			  E(EEXIST) | E(EPERM) | E(EBUSY),
	[FZ_GET_FD_BY_PIN] = E_OK | E(ENXIO) | E(ENOENT) | E(ENOTDIR) |
			  E(EFAULT) | E(ENAMETOOLONG) | E(EBADF) | E(EPERM),
	[FZ_BIND_TASK]	= E_OK | E(ESRCH),
	[FZ_UPDATE]	= E_OK | E(EINVAL) | E(EBADF) | E(EPERM) | E(EEXIST) |
			  E(ENOLINK),
	[FZ_LINK_DETACH] = E_OK,
	[FZ_INFO]	= E_OK,
	[FZ_PIN]	= E_OK,
	[FZ_UNPIN]	= E_OK,
	[FZ_CLOSE]	= E_OK,
	[FZ_UNLINK_PIN]	= E_OK,
	[FZ_BOGUS]	= E(ENOTTY),
};

struct fz_link {
	bool used;
	__u32 id;
	int fds[MAX_FDS];
	int nfds;
	bool pinned;		/* by TCX_IOC_LINK_PIN */
	int pin;		/* N: pinned at <bpffs>/pinN, 0: not */
};

/* What the path of this iteration's pin call asks for. */
struct fz_path {
	int create;		/* errno of PIN_PATH: 0 done, -1 unknown */
	int get;		/* errno of LINK_GET_FD_BY_PIN, likewise */
	int pin;		/* a fresh name in bpffs: pinN */
	__u32 id;		/* the link pinned there, for get */
	char left[PATH_MAX];	/* what a failed call must not leave */
};

/* Whom TCX_IOC_BIND_TASK names. */
enum fz_bind {
	BK_SELF,
	BK_THREAD,
	BK_CHILD,
	BK_ZERO,
	BK_NONE,		/* no such pid */
	BK_RANDOM,
	BK_KINDS
};

struct fz_hook {
	int ret;
	__u32 count;
	__u64 rev;
	__u32 p[TCX_MAX_PROGS + 1];
	__u32 l[TCX_MAX_PROGS + 1];
};

struct fz {
	__u64 rng;
	unsigned long iter;
	bool sane;		/* this iteration: well-formed, sensible values */
	int upd_fd;		/* the link fd a link update goes to */
	long page;
	int dev;		/* the fd the commands go to */
	int dev2;		/* another open of /dev/tcx, as an argument */
	int ro;			/* /dev/tcx opened read-only */
	int bound;		/* /dev/tcx opened to be bound, or -1 */
	int progs[NPROGS];
	__u32 prog_ids[NPROGS];
	int xdp, filter, map;
	__u32 xdp_id;
	int pipe_r, pipe_w, null, sock, closed_fd;
	int ifindex[NDEVS];
	struct fz_link links[MAX_LINKS];
	__u32 ids[MAX_IDS];		/* the link ids seen last, a ring */
	int nids, ids_next;
	unsigned char *buf;		/* page + PROT_NONE guard page */
	__u32 *arrays;			/* 4 x 64 u32 for queries */
	/* Pins: bpffs at <tmp>/bpf; <tmp> is the working directory. */
	char tmp[48], bpffs[64];
	int tmp_fd, bpffs_fd, bpffs_opath;
	int pins;			/* names handed out: pin1, pin2, ... */
	char *pbuf;			/* 2 pages for paths + guard page */
	struct fz_path pw;
	__u32 next_in;			/* next_id as filled in */
	/* Tasks to bind to. */
	enum fz_bind bind;
	pid_t child, thread;
	/* Statistics. */
	unsigned long calls[FZ_CMDS], ok[FZ_CMDS];
	unsigned long errnos[FZ_CMDS][MAX_ERRNO_SEEN];
	unsigned long checks;
	unsigned long failures;
	char first_failure[512];
};

static unsigned int rnd(struct fz *f, unsigned int n)
{
	return rel_rnd(&f->rng, n);
}

static __u32 rnd32(struct fz *f)
{
	return (__u32)rel_rand(&f->rng);
}

static void fz_fail(struct fz *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void fz_fail(struct fz *f, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!f->failures++)
		snprintf(f->first_failure, sizeof(f->first_failure),
			 "iteration %lu: %s", f->iter, msg);
	if (f->failures <= 20)
		printf("# FAIL iteration %lu: %s\n", f->iter, msg);
}

/* ---- the kernel's view ------------------------------------------- */

static int fz_query_on(int fd, int ifindex, int dir, struct fz_hook *h)
{
	struct tcx_query_args q = {
		.size = sizeof(q),
		.ifindex = ifindex,
		.direction = dir,
		.count = TCX_MAX_PROGS + 1,
		.prog_ids = (__u64)(unsigned long)h->p,
		.link_ids = (__u64)(unsigned long)h->l,
	};

	memset(h, 0, sizeof(*h));
	h->ret = ioctl(fd, TCX_IOC_QUERY, &q) ? -errno : 0;
	h->count = q.count;
	h->rev = q.revision;
	return h->ret;
}

static int fz_query(struct fz *f, int ifindex, int dir, struct fz_hook *h)
{
	return fz_query_on(f->dev, ifindex, dir, h);
}

static void fz_snapshot(struct fz *f, struct fz_hook *hooks)
{
	int i;

	for (i = 0; i < NHOOKS; i++)
		fz_query(f, f->ifindex[i / 2], i % 2, &hooks[i]);
}

static bool hook_same(const struct fz_hook *a, const struct fz_hook *b)
{
	return a->ret == b->ret && a->count == b->count && a->rev == b->rev &&
	       !memcmp(a->p, b->p, sizeof(a->p)) &&
	       !memcmp(a->l, b->l, sizeof(a->l));
}

/* The index of a prog id (or with LINK a link id) on hook H, or -1. */
static int hook_find(const struct fz_hook *h, __u32 id, bool link)
{
	__u32 i;

	for (i = 0; i < h->count && i <= TCX_MAX_PROGS; i++)
		if ((link ? h->l[i] : h->p[i]) == id)
			return i;
	return -1;
}

/* A hook's revision as the next change sees it: an empty hook restarts. */
static __u64 hook_rev(const struct fz_hook *h)
{
	return h->count ? h->rev : 1;
}

static int hook_index(struct fz *f, __u32 ifindex, __u32 dir)
{
	int i;

	if (dir > 1)
		return -1;
	for (i = 0; i < NDEVS; i++)
		if (f->ifindex[i] == (int)ifindex)
			return i * 2 + dir;
	return -1;
}

static int fz_info(int fd, struct tcx_link_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	return ioctl(fd, TCX_IOC_LINK_INFO, info) ? -errno : 0;
}

static __u32 prog_id_of_fd(struct fz *f, __u32 fd)
{
	int i;

	for (i = 0; i < NPROGS; i++)
		if ((__u32)f->progs[i] == fd)
			return f->prog_ids[i];
	return 0;
}

/* ---- links the fuzzer holds --------------------------------------- */

static struct fz_link *link_by_id(struct fz *f, __u32 id)
{
	int i;

	for (i = 0; i < MAX_LINKS; i++)
		if (f->links[i].used && f->links[i].id == id)
			return &f->links[i];
	return NULL;
}

static struct fz_link *link_by_fd(struct fz *f, int fd, int *slot)
{
	int i, j;

	for (i = 0; i < MAX_LINKS; i++)
		for (j = 0; f->links[i].used && j < f->links[i].nfds; j++)
			if (f->links[i].fds[j] == fd) {
				if (slot)
					*slot = j;
				return &f->links[i];
			}
	return NULL;
}

static void id_seen(struct fz *f, __u32 id)
{
	int i;

	for (i = 0; i < f->nids; i++)
		if (f->ids[i] == id)
			return;
	f->ids[f->ids_next++ % MAX_IDS] = id;
	if (f->nids < MAX_IDS)
		f->nids++;
}

/* Take a new link fd into account; false when there is no room. */
static bool link_add_fd(struct fz *f, __u32 id, int fd)
{
	struct fz_link *l = link_by_id(f, id);
	int i;

	id_seen(f, id);
	if (!l) {
		for (i = 0; i < MAX_LINKS && f->links[i].used; i++)
			;
		if (i == MAX_LINKS)
			return false;
		l = &f->links[i];
		memset(l, 0, sizeof(*l));
		l->used = true;
		l->id = id;
	}
	if (l->nfds == MAX_FDS)
		return false;
	l->fds[l->nfds++] = fd;
	return true;
}

/* Is there room to track a new link? */
static bool link_room(struct fz *f)
{
	int i;

	for (i = 0; i < MAX_LINKS; i++)
		if (!f->links[i].used)
			return true;
	return false;
}

static int nlinkfds(struct fz *f)
{
	int i, n = 0;

	for (i = 0; i < MAX_LINKS; i++)
		if (f->links[i].used)
			n += f->links[i].nfds;
	return n;
}

/* A random link fd the fuzzer holds, or -1. */
static int any_link_fd(struct fz *f)
{
	int n = nlinkfds(f), k, i, j;

	if (!n)
		return -1;
	k = rnd(f, n);
	for (i = 0; i < MAX_LINKS; i++)
		for (j = 0; f->links[i].used && j < f->links[i].nfds; j++)
			if (!k--)
				return f->links[i].fds[j];
	return -1;
}

/* ---- random values ------------------------------------------------- */

/* An fd-sized value: mostly fds of the right kind, any kind otherwise. */
static __u32 pick_fd(struct fz *f, bool prog)
{
	int lfd;

	if (prog && rnd(f, 10) < 7)
		return f->progs[rnd(f, NPROGS)];
	switch (rnd(f, 14)) {
	case 0:
		return f->xdp;
	case 1:
		return f->filter;
	case 2:
		return f->map;
	case 3:
		return f->pipe_r;
	case 4:
		return f->null;
	case 5:
		return f->sock;
	case 6:
		return rnd(f, 2) ? f->dev : f->dev2;
	case 7:
		return f->closed_fd;
	case 8:
		return 0;
	case 9:
		return rnd(f, 2) ? 0xffffffffU : 100000;
	case 10:
		return rnd32(f);
	default:
		lfd = any_link_fd(f);
		return lfd < 0 ? (__u32)f->progs[rnd(f, NPROGS)] : (__u32)lfd;
	}
}

static __u32 pick_id(struct fz *f, bool link)
{
	if (link && f->nids && rnd(f, 10) < 7)
		return f->ids[rnd(f, f->nids)];
	switch (rnd(f, 8)) {
	case 0:
		return 0;
	case 1:
		return 0xffffffffU;
	case 2:
		return rnd32(f);
	case 3:
		return f->xdp_id;
	case 4:
		return f->nids ? f->ids[rnd(f, f->nids)] : 1;
	default:
		return f->prog_ids[rnd(f, NPROGS)];
	}
}

static __u32 pick_ifindex(struct fz *f)
{
	switch (rnd(f, 12)) {
	case 0:
		return 0;
	case 1:
		return 9999;
	case 2:
		return rnd32(f);
	default:
		return f->ifindex[rnd(f, NDEVS)];
	}
}

static __u32 pick_dir(struct fz *f)
{
	switch (rnd(f, 20)) {
	case 0:
		return 2;
	case 1:
		return rnd32(f);
	default:
		return rnd(f, 2);
	}
}

static const __u32 fz_flag_bits[] = {
	TCX_F_REPLACE, TCX_F_BEFORE, TCX_F_AFTER, TCX_F_ID, TCX_F_LINK,
};

static __u32 pick_flags(struct fz *f)
{
	__u32 flags = 0;
	int i, n;

	switch (rnd(f, 10)) {
	case 0:
	case 1:
	case 2:
		return 0;
	case 3:
		return 1U << rnd(f, 32);
	case 4:
		flags = 1U << rnd(f, 32);
		break;
	}
	n = 1 + rnd(f, 2);
	for (i = 0; i < n; i++)
		flags |= fz_flag_bits[rnd(f, ARRAY_SIZE(fz_flag_bits))];
	return flags;
}

static __u64 pick_rev(struct fz *f, const struct fz_hook *hooks, __u32 ifindex,
		      __u32 dir)
{
	int h = hook_index(f, ifindex, dir);
	__u64 cur = h < 0 ? 1 : hook_rev(&hooks[h]);

	switch (rnd(f, 10)) {
	case 0:
		return cur;
	case 1:
		return cur + 1;
	case 2:
		return cur - 1;
	case 3:
		return rel_rand(&f->rng);
	default:
		return 0;
	}
}

/* ---- paths and tasks ----------------------------------------------- */

/* A link of ours pinned at a path, or NULL. */
static struct fz_link *pinned_link(struct fz *f)
{
	int i, k = rnd(f, MAX_LINKS);

	for (i = 0; i < MAX_LINKS; i++, k = (k + 1) % MAX_LINKS)
		if (f->links[k].used && f->links[k].pin)
			return &f->links[k];
	return NULL;
}

/* NAME in bpffs, reached one of several ways, with the dirfd for it. */
static void bpffs_path(struct fz *f, const char *name, char *out, size_t len,
		       __s32 *dirfd)
{
	*dirfd = AT_FDCWD;
	switch (rnd(f, 7)) {
	case 0:
		snprintf(out, len, "%s/%s", f->bpffs, name);
		/* Absolute: the dirfd does not count, whatever it is. */
		if (!rnd(f, 3))
			*dirfd = rnd(f, 2) ? f->null : f->closed_fd;
		break;
	case 1:
		snprintf(out, len, "%s", name);
		*dirfd = rnd(f, 2) ? f->bpffs_fd : f->bpffs_opath;
		break;
	case 2:
		snprintf(out, len, "bpf/%s", name);
		break;
	case 3:
		snprintf(out, len, "bpf/%s", name);
		*dirfd = f->tmp_fd;
		break;
	case 4:
		/* Through a symlink to the bpffs directory. */
		snprintf(out, len, "%s/bpflink/%s", f->tmp, name);
		break;
	case 5:
		snprintf(out, len, "%s/dir/../%s", f->bpffs, name);
		break;
	default:
		snprintf(out, len, "bpflink/%s", name);
		*dirfd = rnd(f, 2) ? AT_FDCWD : f->tmp_fd;
		break;
	}
}

/* NAME in the directory around bpffs (tmpfs), with the dirfd for it. */
static void tmp_path(struct fz *f, const char *name, char *out, size_t len,
		     __s32 *dirfd)
{
	*dirfd = AT_FDCWD;
	switch (rnd(f, 3)) {
	case 0:
		snprintf(out, len, "%s/%s", f->tmp, name);
		break;
	case 1:
		snprintf(out, len, "%s", name);
		*dirfd = f->tmp_fd;
		break;
	default:
		snprintf(out, len, "%s", name);
		break;
	}
}

/* The string at the end of the path pages: its NUL is the last byte. */
static __u64 put_path(struct fz *f, const char *path)
{
	size_t n = strlen(path) + 1;
	char *p = f->pbuf + 2 * f->page - n;

	memcpy(p, path, n);
	return (unsigned long)p;
}

/*
 * The path and dirfd of a pin call, and what each of the two pin calls
 * must answer for them (before the path, the link fd and flags count).
 */
static void pick_path(struct fz *f, struct tcx_pin_args *a)
{
	static const char *const taken[] = { "map", "sym", "dir", ".", "..", };
	struct fz_path *w = &f->pw;
	struct fz_link *l = pinned_link(f);
	char path[PATH_MAX], name[NAME_MAX + 8];
	int k = f->sane ? (int)rnd(f, 2) : (int)rnd(f, 16);
	__s32 dirfd = AT_FDCWD;
	size_t n;

	memset(w, 0, sizeof(*w));
	if (k >= 14)
		k -= 14;
	if (k == 1 && !l)
		k = 0;
	switch (k) {
	case 0:		/* a fresh name */
		w->pin = ++f->pins;
		snprintf(name, sizeof(name), "pin%d", w->pin);
		bpffs_path(f, name, path, sizeof(path), &dirfd);
		snprintf(w->left, sizeof(w->left), "%s/%s", f->bpffs, name);
		w->get = ENOENT;
		break;
	case 1:		/* a pin of ours */
		snprintf(name, sizeof(name), "pin%d", l->pin);
		bpffs_path(f, name, path, sizeof(path), &dirfd);
		w->create = EEXIST;
		w->id = l->id;
		break;
	case 2:		/* taken by no tcx pin: a map, a look-alike */
		bpffs_path(f, taken[rnd(f, ARRAY_SIZE(taken))], path,
			   sizeof(path), &dirfd);
		w->create = EEXIST;
		w->get = ENXIO;
		break;
	case 3:		/* outside bpffs */
		w->create = EEXIST;
		w->get = ENXIO;
		switch (rnd(f, 4)) {
		case 0:
			snprintf(name, sizeof(name), "out%d", ++f->pins);
			tmp_path(f, name, path, sizeof(path), &dirfd);
			snprintf(w->left, sizeof(w->left), "%s/%s", f->tmp,
				 name);
			w->create = EPERM;
			w->get = ENOENT;
			break;
		case 1:
			tmp_path(f, "file", path, sizeof(path), &dirfd);
			break;
		case 2:
			/* A symlink, not followed at the end of the path. */
			tmp_path(f, "bpflink", path, sizeof(path), &dirfd);
			break;
		default:
			strcpy(path, "/dev/" TCX_DEVICE_NAME);
			break;
		}
		break;
	case 4:		/* a directory that is not there */
		snprintf(name, sizeof(name), "nodir/pin%d", ++f->pins);
		bpffs_path(f, name, path, sizeof(path), &dirfd);
		w->create = w->get = ENOENT;
		break;
	case 5:		/* a file taken for a directory */
		bpffs_path(f, "map/pin", path, sizeof(path), &dirfd);
		w->create = w->get = ENOTDIR;
		break;
	case 6:		/* a name longer than NAME_MAX */
		memset(name, 'n', NAME_MAX + 1);
		name[NAME_MAX + 1] = '\0';
		bpffs_path(f, name, path, sizeof(path), &dirfd);
		w->create = w->get = ENAMETOOLONG;
		break;
	case 7:		/* a path of PATH_MAX bytes or more */
		n = PATH_MAX + rnd(f, 64);
		memset(f->pbuf, '/', n);
		memcpy(f->pbuf, f->bpffs, strlen(f->bpffs));
		f->pbuf[n] = '\0';
		a->pathname = (unsigned long)f->pbuf;
		a->dirfd = AT_FDCWD;
		w->create = w->get = ENAMETOOLONG;
		return;
	case 8:		/* unterminated: up to the guard page */
		n = rnd(f, 4) ? 1 + rnd(f, 200) : 2 * f->page;
		memset(f->pbuf + 2 * f->page - n, 'u', n);
		a->pathname = (unsigned long)(f->pbuf + 2 * f->page - n);
		a->dirfd = rnd(f, 2) ? AT_FDCWD : f->bpffs_fd;
		/* Within PATH_MAX the fault comes first. */
		w->create = w->get = n < PATH_MAX ? EFAULT : ENAMETOOLONG;
		return;
	case 9:		/* no string at all */
		switch (rnd(f, 3)) {
		case 0:
			a->pathname = 0;
			break;
		case 1:
			a->pathname = (unsigned long)(f->pbuf + 2 * f->page);
			break;
		default:
			a->pathname = 0xffff888000000000ULL;
			break;
		}
		a->dirfd = AT_FDCWD;
		w->create = w->get = EFAULT;
		return;
	case 10:	/* empty */
		path[0] = '\0';
		dirfd = rnd(f, 2) ? AT_FDCWD : f->bpffs_fd;
		w->create = w->get = ENOENT;
		break;
	case 11:	/* relative to an fd that is no directory, or none */
		snprintf(path, sizeof(path), "pin%d", ++f->pins);
		switch (rnd(f, 3)) {
		case 0:
			dirfd = rnd(f, 2) ? f->null : f->pipe_r;
			w->create = w->get = ENOTDIR;
			break;
		case 1:
			/* Far above any fd the fuzzer opens. */
			dirfd = 900 + rnd(f, 100);
			w->create = w->get = EBADF;
			break;
		default:
			dirfd = -1;
			w->create = w->get = EBADF;
			break;
		}
		break;
	case 12:	/* a trailing slash on a fresh name */
		snprintf(name, sizeof(name), "pin%d/", ++f->pins);
		bpffs_path(f, name, path, sizeof(path), &dirfd);
		w->create = w->get = ENOENT;
		break;
	default:	/* bpffs keeps dotted names for itself */
		snprintf(name, sizeof(name), "pin.%d", ++f->pins);
		bpffs_path(f, name, path, sizeof(path), &dirfd);
		snprintf(w->left, sizeof(w->left), "%s/%s", f->bpffs, name);
		w->create = w->get = EPERM;
		break;
	}
	a->dirfd = dirfd;
	a->pathname = put_path(f, path);
}

static void *fz_thread(void *arg)
{
	pid_t *tid = arg;

	__atomic_store_n(tid, gettid(), __ATOMIC_RELEASE);
	for (;;)
		pause();
	return NULL;
}

/*
 * A child that waits to be bound to and killed; it dies with us.  It
 * holds none of our fds: a link fd of ours in it would keep the link.
 */
static pid_t fz_spawn_child(void)
{
	int p[2];
	pid_t pid;
	char c;

	if (pipe2(p, O_CLOEXEC))
		return -1;
	pid = fork();
	if (!pid) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		/* Our end of the pipe goes too: EOF says we are done. */
		close_range(3, ~0U, 0);
		for (;;)
			pause();
	}
	close(p[1]);
	if (pid > 0 && read(p[0], &c, 1) != 0)
		pid = -1;
	close(p[0]);
	return pid;
}

static __u32 pick_task(struct fz *f)
{
	f->bind = f->sane ? rnd(f, 3) : rnd(f, BK_KINDS);
	switch (f->bind) {
	case BK_SELF:
		return getpid();
	case BK_THREAD:
		return f->thread;
	case BK_CHILD:
		return f->child;
	case BK_ZERO:
		return 0;
	case BK_NONE:
		/* Above PID_MAX_LIMIT, or negative as the kernel's int. */
		return rnd(f, 2) ? 0x3fffffff : 0xffffffffU;
	default:
		return rnd32(f);
	}
}

/* ---- argument framing ---------------------------------------------- */

/*
 * How the argument is laid out: its size field, the bytes readable from
 * its start (the rest is the guard page), and whether the tail past the
 * struct is zero.  The expected outcome of the framing alone follows the
 * module's tcx_copy_args(): 0 means "read fine".
 */
struct frame {
	void *ptr;
	__u32 usize;
	size_t avail;		/* readable bytes at ptr */
	bool tail_dirty;
};

/* Choose the size field, the placement and the tail of an argument. */
static void frame_pick(struct fz *f, struct frame *fr, size_t ksize,
		       size_t min_size)
{
	size_t room, len, i;
	unsigned char *p;

	if (f->sane) {
		memset(f->buf, 0, f->page);
		fr->usize = ksize;
		fr->ptr = f->buf + f->page - ksize;
		fr->avail = ksize;
		fr->tail_dirty = false;
		return;
	}
	switch (rnd(f, 20)) {
	case 0:
		fr->usize = 0;
		break;
	case 1:
		fr->usize = 1 + rnd(f, min_size - 1);
		break;
	case 2:
	case 3:
		fr->usize = ksize + 1 + rnd(f, 64);
		break;
	case 4:
		fr->usize = f->page;
		break;
	case 5:
		fr->usize = f->page + 1 + rnd(f, 2) * rnd32(f) % 100000;
		break;
	case 6:
		fr->usize = 0xffffffffU;
		break;
	case 7:
		fr->usize = min_size + rnd(f, ksize - min_size + 1);
		break;
	default:
		fr->usize = ksize;
		break;
	}
	/* Usually the whole of what the size says is there. */
	len = fr->usize > (size_t)f->page ? ksize : fr->usize;
	if (len < ksize)
		len = ksize;
	if (!rnd(f, 12))
		len = rnd(f, len + 1);
	room = f->page;
	if (len > room)
		len = room;
	p = f->buf + room - len;
	memset(f->buf, 0, room);
	fr->tail_dirty = false;
	if (fr->usize > ksize && len > ksize && rnd(f, 2)) {
		i = ksize + rnd(f, len - ksize);
		p[i] = 1 + rnd(f, 255);
		fr->tail_dirty = i < fr->usize;
	}
	fr->ptr = p;
	fr->avail = len;

	switch (rnd(f, 40)) {
	case 0:
		fr->ptr = NULL;
		fr->avail = 0;
		break;
	case 1:
		fr->ptr = f->buf + room;	/* the guard page */
		fr->avail = 0;
		break;
	case 2:
		fr->ptr = (void *)0xffff888000000000UL;
		fr->avail = 0;
		break;
	}
}

/* The module's answer to the framing alone; 0: the struct was read. */
static int frame_expect(const struct frame *fr, size_t ksize, size_t min_size,
			bool *either_e2big_efault)
{
	*either_e2big_efault = false;
	if (fr->avail < 4)
		return -EFAULT;
	if (fr->usize < min_size)
		return -EINVAL;
	if (fr->usize > 4096)
		return -E2BIG;
	if (fr->usize > ksize) {
		if (fr->avail < fr->usize) {
			/* A non-zero word may be met before the fault. */
			*either_e2big_efault = fr->tail_dirty;
			return -EFAULT;
		}
		return fr->tail_dirty ? -E2BIG : 0;
	}
	return fr->avail < fr->usize ? -EFAULT : 0;
}

/* ---- commands ------------------------------------------------------ */

static unsigned long fz_cmd_nr(enum fz_cmd c)
{
	switch (c) {
	case FZ_VERSION:	return TCX_IOC_VERSION;
	case FZ_ATTACH:		return TCX_IOC_PROG_ATTACH;
	case FZ_DETACH:		return TCX_IOC_PROG_DETACH;
	case FZ_QUERY:		return TCX_IOC_QUERY;
	case FZ_LINK_CREATE:	return TCX_IOC_LINK_CREATE;
	case FZ_GET_FD_BY_ID:	return TCX_IOC_LINK_GET_FD_BY_ID;
	case FZ_NEXT_ID:	return TCX_IOC_LINK_GET_NEXT_ID;
	case FZ_PIN_PATH:	return TCX_IOC_LINK_PIN_PATH;
	case FZ_GET_FD_BY_PIN:	return TCX_IOC_LINK_GET_FD_BY_PIN;
	case FZ_BIND_TASK:	return TCX_IOC_BIND_TASK;
	case FZ_UPDATE:		return TCX_IOC_LINK_UPDATE;
	case FZ_LINK_DETACH:	return TCX_IOC_LINK_DETACH;
	case FZ_INFO:		return TCX_IOC_LINK_INFO;
	case FZ_PIN:		return TCX_IOC_LINK_PIN;
	case FZ_UNPIN:		return TCX_IOC_LINK_UNPIN;
	default:		return 0;
	}
}

/* The size in the command number is not checked: vary it and the dir. */
static unsigned long fz_cmd_encode(struct fz *f, unsigned long cmd)
{
	if (rnd(f, 8))
		return cmd;
	return _IOC(rnd(f, 4), _IOC_TYPE(cmd), _IOC_NR(cmd), rnd(f, 1 << 14));
}

/* A command number no file of ours knows, and no generic VFS ioctl. */
static unsigned long fz_bogus_cmd(struct fz *f)
{
	static const unsigned int known[] = {
		0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09,
		0x10, 0x11, 0x12, 0x13, 0x14,
	};
	unsigned int nr, i;

	if (rnd(f, 2))
		return _IOC(rnd(f, 4), 0xC0 + rnd(f, 7), rnd(f, 256),
			    rnd(f, 512));
	for (;;) {
		nr = rnd(f, 256);
		for (i = 0; i < ARRAY_SIZE(known) && known[i] != nr; i++)
			;
		if (i == ARRAY_SIZE(known))
			return _IOC(rnd(f, 4), TCX_IOC_MAGIC, nr, rnd(f, 512));
	}
}

static bool is_dev_cmd(enum fz_cmd c)
{
	return c <= FZ_BIND_TASK;
}

/* What takes /dev/tcx opened for writing (EBADF otherwise). */
static bool is_write_cmd(enum fz_cmd c)
{
	return c == FZ_ATTACH || c == FZ_DETACH || c == FZ_LINK_CREATE ||
	       c == FZ_PIN_PATH || c == FZ_BIND_TASK;
}

static __u32 fd_of_prog_id(struct fz *f, __u32 id)
{
	int i;

	for (i = 0; i < NPROGS; i++)
		if (f->prog_ids[i] == id)
			return f->progs[i];
	return 0;
}

/* A program of the pool, mostly one that is not on hook HK yet. */
static __u32 sane_prog(struct fz *f, const struct fz_hook *hk)
{
	int i, k = rnd(f, NPROGS);

	for (i = 0; hk && rnd(f, 4) && i < NPROGS; i++, k = (k + 1) % NPROGS)
		if (hook_find(hk, f->prog_ids[k], false) < 0)
			break;
	return f->progs[k];
}

/* Slot K of hook HK as a relative object: program or link, fd or id. */
static void sane_relative(struct fz *f, const struct fz_hook *hk, int k,
			  __u32 *flags, __u32 *rel)
{
	struct fz_link *l;

	if (hk->l[k] && rnd(f, 2)) {
		*flags |= TCX_F_LINK;
		l = link_by_id(f, hk->l[k]);
		if (l && l->nfds && rnd(f, 2)) {
			*rel = l->fds[0];
		} else {
			*flags |= TCX_F_ID;
			*rel = hk->l[k];
		}
	} else if (rnd(f, 2)) {
		*flags |= TCX_F_ID;
		*rel = hk->p[k];
	} else {
		*rel = fd_of_prog_id(f, hk->p[k]);
	}
}

/*
 * Well-formed placement arguments for a hook of ours: attach (REPLACE
 * allowed), link create or detach.
 */
static void sane_place(struct fz *f, enum fz_cmd c, const struct fz_hook *hooks,
		       __u32 *ifindex, __u32 *dir, __u32 *flags, __u32 *prog,
		       __u32 *replace, __u32 *rel, __u64 *rev)
{
	int h = rnd(f, NHOOKS), k;
	const struct fz_hook *hk = &hooks[h];

	*ifindex = f->ifindex[h / 2];
	*dir = h % 2;
	*flags = 0;
	*rel = 0;
	*prog = c == FZ_DETACH ? 0 : sane_prog(f, hk);
	k = hk->count ? (int)rnd(f, hk->count) : -1;
	switch (rnd(f, 6)) {
	case 1:
		*flags = rnd(f, 2) ? TCX_F_BEFORE : TCX_F_AFTER;
		break;
	case 2:
	case 3:
		if (k < 0)
			break;
		*flags = rnd(f, 2) ? TCX_F_BEFORE : TCX_F_AFTER;
		sane_relative(f, hk, k, flags, rel);
		break;
	case 4:
		if (k < 0 || c != FZ_ATTACH)
			break;
		*flags = TCX_F_REPLACE;
		*replace = fd_of_prog_id(f, hk->p[k]);
		break;
	}
	if (c == FZ_DETACH && k >= 0 && rnd(f, 3))
		*prog = fd_of_prog_id(f, hk->p[rnd(f, hk->count)]);
	*rev = rnd(f, 4) ? 0 : hook_rev(hk);
}

/* A link the fuzzer tracks, one without fds if there is any. */
static __u32 sane_link_id(struct fz *f)
{
	int i, k = rnd(f, MAX_LINKS), any = -1;

	for (i = 0; i < MAX_LINKS; i++, k = (k + 1) % MAX_LINKS) {
		if (!f->links[k].used)
			continue;
		if (!f->links[k].nfds)
			return f->links[k].id;
		any = k;
	}
	return any < 0 ? pick_id(f, true) : f->links[any].id;
}

/* Fill the argument of command C into the framed buffer. */
static void fz_fill(struct fz *f, enum fz_cmd c, const struct fz_hook *hooks,
		    void *p, size_t len)
{
	union {
		struct tcx_version ver;
		struct tcx_prog_args prog;
		struct tcx_query_args query;
		struct tcx_link_create_args create;
		struct tcx_link_id_args id;
		struct tcx_link_update_args update;
		struct tcx_link_info info;
		struct tcx_link_next_id_args next;
		struct tcx_pin_args pin;
		struct tcx_task_args task;
	} a;
	size_t n, i;
	int lfd;
	int arr;

	memset(&a, 0, sizeof(a));
	if (f->sane) {
		switch (c) {
		case FZ_ATTACH:
		case FZ_DETACH:
			sane_place(f, c, hooks, &a.prog.ifindex,
				   &a.prog.direction, &a.prog.flags,
				   &a.prog.prog_fd, &a.prog.replace_prog_fd,
				   &a.prog.relative_fd,
				   &a.prog.expected_revision);
			goto out;
		case FZ_LINK_CREATE:
			sane_place(f, c, hooks, &a.create.ifindex,
				   &a.create.direction, &a.create.flags,
				   &a.create.prog_fd, &a.create.relative_fd,
				   &a.create.relative_fd,
				   &a.create.expected_revision);
			strcpy(a.create.tag, "fuzz");
			goto out;
		case FZ_UPDATE:
			a.update.new_prog_fd = f->progs[rnd(f, NPROGS)];
			if (rnd(f, 2)) {
				struct tcx_link_info info;

				a.update.flags = TCX_F_REPLACE;
				a.update.old_prog_fd = f->progs[rnd(f, NPROGS)];
				/* Mostly the program the link runs. */
				if (rnd(f, 4) && f->upd_fd >= 0 &&
				    !fz_info(f->upd_fd, &info))
					a.update.old_prog_fd =
						fd_of_prog_id(f, info.prog_id);
			}
			goto out;
		case FZ_GET_FD_BY_ID:
			/* Mostly a pinned link that has no fd left. */
			a.id.id = sane_link_id(f);
			goto out;
		case FZ_QUERY:
			a.query.ifindex = f->ifindex[rnd(f, NDEVS)];
			a.query.direction = rnd(f, 2);
			a.query.count = rnd(f, 2) ? 64 : rnd(f, 3);
			a.query.prog_ids = (unsigned long)f->arrays;
			a.query.link_ids = (unsigned long)(f->arrays + 128);
			goto out;
		case FZ_NEXT_ID:
			a.next.start_id = pick_id(f, true);
			if (rnd(f, 2))
				a.next.start_id--;
			goto out;
		case FZ_PIN_PATH:
			lfd = any_link_fd(f);
			a.pin.link_fd = lfd < 0 ? pick_fd(f, false) :
						  (__u32)lfd;
			pick_path(f, &a.pin);
			goto out;
		case FZ_GET_FD_BY_PIN:
			pick_path(f, &a.pin);
			goto out;
		case FZ_BIND_TASK:
			a.task.pid = pick_task(f);
			goto out;
		default:
			break;
		}
	}
	switch (c) {
	case FZ_ATTACH:
	case FZ_DETACH:
		a.prog.ifindex = pick_ifindex(f);
		a.prog.direction = pick_dir(f);
		a.prog.flags = pick_flags(f);
		a.prog.prog_fd = c == FZ_DETACH && rnd(f, 3) == 0 ?
				 0 : pick_fd(f, true);
		if (a.prog.flags & TCX_F_REPLACE || !rnd(f, 10))
			a.prog.replace_prog_fd = pick_fd(f, true);
		if (a.prog.flags & TCX_F_ID)
			a.prog.relative_id = pick_id(f,
					a.prog.flags & TCX_F_LINK);
		else if (rnd(f, 2))
			a.prog.relative_fd = pick_fd(f,
					!(a.prog.flags & TCX_F_LINK));
		a.prog.__reserved = rnd(f, 20) ? 0 : rnd32(f);
		a.prog.expected_revision = pick_rev(f, hooks, a.prog.ifindex,
						    a.prog.direction);
		break;
	case FZ_QUERY:
		a.query.ifindex = pick_ifindex(f);
		a.query.direction = pick_dir(f);
		a.query.query_flags = rnd(f, 20) ? 0 : rnd32(f);
		a.query.attach_flags = rnd(f, 20) ? 0 : rnd32(f);
		a.query.__reserved = rnd(f, 20) ? 0 : rnd32(f);
		a.query.count = rnd(f, 3) ? rnd(f, 4) : rnd32(f) % 80;
		for (arr = 0; arr < 4; arr++) {
			__u64 *ptr = arr == 0 ? &a.query.prog_ids :
				     arr == 1 ? &a.query.prog_attach_flags :
				     arr == 2 ? &a.query.link_ids :
						&a.query.link_attach_flags;

			switch (rnd(f, 12)) {
			case 0:
				*ptr = 0;
				break;
			case 1:
				*ptr = 1;
				break;
			case 2:
				/* The guard page. */
				*ptr = (unsigned long)(f->buf + f->page);
				break;
			default:
				*ptr = (unsigned long)(f->arrays + arr * 64);
				break;
			}
		}
		break;
	case FZ_LINK_CREATE:
		a.create.ifindex = pick_ifindex(f);
		a.create.direction = pick_dir(f);
		a.create.flags = pick_flags(f);
		a.create.prog_fd = pick_fd(f, true);
		if (a.create.flags & TCX_F_ID)
			a.create.relative_id = pick_id(f,
					a.create.flags & TCX_F_LINK);
		else if (rnd(f, 2))
			a.create.relative_fd = pick_fd(f,
					!(a.create.flags & TCX_F_LINK));
		a.create.expected_revision = pick_rev(f, hooks,
						      a.create.ifindex,
						      a.create.direction);
		n = rnd(f, 12) ? rnd(f, TCX_TAG_LEN) : TCX_TAG_LEN;
		/* Now and then a byte that makes the tag invalid. */
		for (i = 0; i < n; i++)
			a.create.tag[i] = rnd(f, 40) ? 'a' + rnd(f, 26) :
						       rnd(f, 256);
		break;
	case FZ_GET_FD_BY_ID:
		a.id.id = pick_id(f, true);
		a.id.flags = rnd(f, 15) ? 0 : rnd32(f);
		break;
	case FZ_NEXT_ID:
		switch (rnd(f, 6)) {
		case 0:
			a.next.start_id = INT_MAX - rnd(f, 2);
			break;
		case 1:
			a.next.start_id = INT_MAX + 1U +
					  rnd(f, 2) * rnd32(f) % INT_MAX;
			break;
		default:
			a.next.start_id = pick_id(f, true) - rnd(f, 3);
			break;
		}
		a.next.next_id = rnd(f, 2) ? 0 : rnd32(f);
		a.next.flags = rnd(f, 15) ? 0 : rnd32(f);
		break;
	case FZ_PIN_PATH:
	case FZ_GET_FD_BY_PIN:
		lfd = any_link_fd(f);
		if (c == FZ_GET_FD_BY_PIN)
			a.pin.link_fd = rnd(f, 10) ? 0 : pick_fd(f, false);
		else
			a.pin.link_fd = rnd(f, 2) && lfd >= 0 ?
					(__u32)lfd : pick_fd(f, false);
		pick_path(f, &a.pin);
		a.pin.flags = rnd(f, 15) ? 0 : rnd32(f);
		break;
	case FZ_BIND_TASK:
		a.task.pid = pick_task(f);
		a.task.flags = rnd(f, 15) ? 0 : rnd32(f);
		break;
	case FZ_UPDATE:
		a.update.flags = rnd(f, 3) ? (rnd(f, 2) ? TCX_F_REPLACE : 0) :
					     pick_flags(f);
		a.update.new_prog_fd = pick_fd(f, true);
		if (a.update.flags & TCX_F_REPLACE || !rnd(f, 8))
			a.update.old_prog_fd = pick_fd(f, true);
		break;
	default:
		break;
	}
out:
	if (c == FZ_NEXT_ID)
		f->next_in = a.next.next_id;
	memcpy(p, &a, len < sizeof(a) ? len : sizeof(a));
}

static size_t fz_ksize(enum fz_cmd c, size_t *min_size)
{
	size_t k;

	switch (c) {
	case FZ_VERSION:	k = sizeof(struct tcx_version); break;
	case FZ_ATTACH:
	case FZ_DETACH:		k = sizeof(struct tcx_prog_args); break;
	case FZ_QUERY:
		*min_size = TCX_QUERY_ARGS_SIZE_VER0;
		return sizeof(struct tcx_query_args);
	case FZ_LINK_CREATE:	k = sizeof(struct tcx_link_create_args); break;
	case FZ_GET_FD_BY_ID:	k = sizeof(struct tcx_link_id_args); break;
	case FZ_NEXT_ID:	k = sizeof(struct tcx_link_next_id_args); break;
	case FZ_PIN_PATH:
	case FZ_GET_FD_BY_PIN:	k = sizeof(struct tcx_pin_args); break;
	case FZ_BIND_TASK:	k = sizeof(struct tcx_task_args); break;
	case FZ_UPDATE:		k = sizeof(struct tcx_link_update_args); break;
	case FZ_INFO:
		*min_size = offsetofend(struct tcx_link_info, flags);
		return sizeof(struct tcx_link_info);
	default:		k = 0; break;
	}
	*min_size = k;
	return k;
}

/* ---- checking a result --------------------------------------------- */

static bool memchr_inv_zero(const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i])
			return true;
	return false;
}

static void check_unchanged(struct fz *f, const char *what,
			    const struct fz_hook *before, int except)
{
	struct fz_hook now;
	int i;

	for (i = 0; i < NHOOKS; i++) {
		if (i == except)
			continue;
		fz_query(f, f->ifindex[i / 2], i % 2, &now);
		f->checks++;
		if (!hook_same(&before[i], &now))
			fz_fail(f, "%s: hook %d changed: count %u rev %llu -> count %u rev %llu",
				what, i, before[i].count,
				(unsigned long long)before[i].rev, now.count,
				(unsigned long long)now.rev);
	}
}

/* The hook after a successful change: count and revision moved by one. */
static void check_changed(struct fz *f, const char *what,
			  const struct fz_hook *before, int h, int dcount,
			  struct fz_hook *now)
{
	__u64 want_rev;

	fz_query(f, f->ifindex[h / 2], h % 2, now);
	f->checks++;
	want_rev = now->count ? hook_rev(&before[h]) + 1 : 1;
	if (now->ret || (int)now->count != (int)before[h].count + dcount ||
	    now->rev != want_rev)
		fz_fail(f, "%s: hook %d count %u rev %llu -> count %u rev %llu, want %+d and rev %llu",
			what, h, before[h].count,
			(unsigned long long)before[h].rev, now->count,
			(unsigned long long)now->rev, dcount,
			(unsigned long long)want_rev);
}

/* After a successful attach or link create on hook H. */
static void check_attached(struct fz *f, const struct fz_hook *before, int h,
			   __u32 prog_id, __u32 link_id, bool replace,
			   __u32 replaced_id)
{
	struct fz_hook now;
	int k;

	check_unchanged(f, "attach elsewhere", before, h);
	check_changed(f, "attach", before, h, replace ? 0 : 1, &now);
	k = hook_find(&now, prog_id, false);
	if (k < 0 || now.l[k] != link_id)
		fz_fail(f, "attach: prog %u (link %u) not on hook %d", prog_id,
			link_id, h);
	if (replace && hook_find(&now, replaced_id, false) >= 0)
		fz_fail(f, "replace: prog %u still on hook %d", replaced_id, h);
}

/* Slot-level bookkeeping for a link: which hook it is on, if any. */
static int link_hook(struct fz *f, const struct fz_hook *hooks, __u32 id)
{
	int i;

	for (i = 0; i < NHOOKS; i++)
		if (hook_find(&hooks[i], id, true) >= 0)
			return i;
	return -1;
}

/* Count the result, and fail on an errno outside the allowed set. */
static bool fz_result(struct fz *f, enum fz_cmd c, int ret, errset_t allowed,
		      const char *what)
{
	int e = ret < 0 ? -ret : 0;

	f->calls[c]++;
	if (ret >= 0)
		f->ok[c]++;
	else if (e < MAX_ERRNO_SEEN)
		f->errnos[c][e]++;
	if (e < MAX_ERRNO_SEEN && allowed & E(e))
		return true;
	fz_fail(f, "%s: %s answered %s", fz_names[c], what,
		ret >= 0 ? "success" : strerror(e));
	return false;
}

/* The lowest free fd right now: where a new fd would go. */
static int next_fd(void)
{
	int fd = dup(0);

	if (fd >= 0)
		close(fd);
	return fd;
}

static void fz_close(struct fz *f, const struct fz_hook *before)
{
	struct fz_link *l;
	int fd = any_link_fd(f), slot, h;
	struct fz_hook now;
	char what[48];

	if (fd < 0)
		return;
	l = link_by_fd(f, fd, &slot);
	h = link_hook(f, before, l->id);
	snprintf(what, sizeof(what), "close of link %u", l->id);
	fz_result(f, FZ_CLOSE, close(fd) ? -errno : 0, E_OK, what);
	l->fds[slot] = l->fds[--l->nfds];
	if (!l->nfds && !l->pinned && !l->pin) {
		/* The last reference: the link detaches and is gone. */
		if (h >= 0) {
			check_unchanged(f, what, before, h);
			check_changed(f, what, before, h, -1, &now);
			if (hook_find(&now, l->id, true) >= 0)
				fz_fail(f, "%s: still on hook %d", what, h);
		} else {
			check_unchanged(f, what, before, -1);
		}
		fd = tcx_link_get_fd_by_id(l->id);
		if (fd >= 0) {
			close(fd);
			fz_fail(f, "%s: id still there", what);
		}
		memset(l, 0, sizeof(*l));
		return;
	}
	check_unchanged(f, what, before, -1);
}

/* After success of a link command on FD: what the link says of itself. */
static void check_link_after(struct fz *f, enum fz_cmd c, int fd,
			     const struct fz_hook *before,
			     const struct tcx_link_info *old,
			     const struct tcx_link_update_args *up)
{
	struct fz_link *l = link_by_fd(f, fd, NULL);
	struct tcx_link_info info;
	struct fz_hook now;
	__u32 new_id;
	int h = old->flags & TCX_LINK_F_DEFUNCT ? -1 :
		hook_index(f, old->ifindex, old->direction);

	if (fz_info(fd, &info))
		return fz_fail(f, "%s: link info failed", fz_names[c]);
	switch (c) {
	case FZ_UPDATE:
		new_id = prog_id_of_fd(f, up->new_prog_fd);
		if (info.prog_id != new_id || !new_id)
			fz_fail(f, "update: link runs prog %u, want %u",
				info.prog_id, new_id);
		if (h < 0)
			return fz_fail(f, "update of a defunct link worked");
		check_unchanged(f, "update", before, h);
		if (new_id == old->prog_id) {
			check_unchanged(f, "self update", before, -1);
			return;
		}
		check_changed(f, "update", before, h, 0, &now);
		if (hook_find(&now, info.id, true) !=
		    hook_find(&before[h], info.id, true) ||
		    now.p[hook_find(&now, info.id, true)] != new_id)
			fz_fail(f, "update: slot of link %u moved or wrong",
				info.id);
		break;
	case FZ_LINK_DETACH:
		if (!(info.flags & TCX_LINK_F_DEFUNCT) || info.ifindex)
			fz_fail(f, "detach: link %u not defunct", info.id);
		if (h < 0) {
			check_unchanged(f, "detach of a defunct link", before,
					-1);
			return;
		}
		check_unchanged(f, "link detach", before, h);
		check_changed(f, "link detach", before, h, -1, &now);
		break;
	case FZ_PIN:
	case FZ_UNPIN:
		/* A pin at a path keeps the flag up after an unpin. */
		if (!!(info.flags & TCX_LINK_F_PINNED) !=
		    (c == FZ_PIN || (l && l->pin)))
			fz_fail(f, "%s: flags %#x", fz_names[c], info.flags);
		if (l)
			l->pinned = c == FZ_PIN;
		check_unchanged(f, fz_names[c], before, -1);
		break;
	case FZ_INFO:
		check_unchanged(f, "info", before, -1);
		break;
	default:
		break;
	}
}

/* What TCX_IOC_LINK_INFO wrote: what a full-size call said just before. */
static void check_info_written(struct fz *f, const struct frame *fr,
			       const struct tcx_link_info *old)
{
	size_t n = fr->usize < sizeof(*old) ? fr->usize : sizeof(*old);
	const unsigned char *p = fr->ptr;

	/* The size field stays as the caller wrote it. */
	if (memcmp(p, &fr->usize, 4) ||
	    memcmp(p + 4, (const unsigned char *)old + 4, n - 4))
		fz_fail(f, "info: %zu bytes differ from a full-size call", n);
	if (n < sizeof(*old) && fr->avail > n &&
	    memchr_inv_zero(p + n, fr->avail - n))
		fz_fail(f, "info: wrote past the caller's %u bytes",
			fr->usize);
}

/* NUL-terminated printable ASCII, as tcx.ko wants a link's tag. */
static bool tag_valid(const char *tag)
{
	int i;

	for (i = 0; i < TCX_TAG_LEN && tag[i]; i++)
		if ((unsigned char)tag[i] < 0x20 || (unsigned char)tag[i] > 0x7e)
			return false;
	return i < TCX_TAG_LEN;
}

/*
 * The argument checks every command makes first, on the struct as the
 * module sees it (the caller's bytes, zeroes past them): true when they
 * call for EINVAL whatever else is wrong.
 */
static bool args_invalid(enum fz_cmd c, const struct frame *fr, size_t ksize)
{
	union {
		struct tcx_prog_args prog;
		struct tcx_query_args query;
		struct tcx_link_create_args create;
		struct tcx_link_id_args id;
		struct tcx_link_update_args update;
		struct tcx_link_next_id_args next;
		struct tcx_pin_args pin;
		struct tcx_task_args task;
		unsigned char raw[256];
	} k;

	memset(&k, 0, sizeof(k));
	memcpy(&k, fr->ptr, fr->usize < ksize ? fr->usize : ksize);
	switch (c) {
	case FZ_ATTACH:
	case FZ_DETACH:
		return k.prog.flags & ~TCX_F_ATTACH_MASK ||
		       k.prog.direction > TCX_EGRESS || k.prog.__reserved;
	case FZ_QUERY:
		return k.query.query_flags || k.query.attach_flags ||
		       k.query.__reserved || k.query.direction > TCX_EGRESS;
	case FZ_LINK_CREATE:
		return k.create.flags & ~TCX_F_ATTACH_MASK ||
		       k.create.direction > TCX_EGRESS ||
		       !tag_valid(k.create.tag);
	case FZ_GET_FD_BY_ID:
		return k.id.flags;
	case FZ_NEXT_ID:
		return k.next.flags;
	case FZ_PIN_PATH:
		return k.pin.flags;
	case FZ_GET_FD_BY_PIN:
		return k.pin.flags || k.pin.link_fd;
	case FZ_BIND_TASK:
		return k.task.flags || !k.task.pid;
	case FZ_UPDATE:
		return k.update.flags & ~TCX_F_REPLACE ||
		       (k.update.old_prog_fd &&
			!(k.update.flags & TCX_F_REPLACE));
	default:
		return false;
	}
}

/* ---- the newer /dev/tcx commands ----------------------------------- */

/*
 * The exact answer of a command whose struct was read and passed the
 * first checks: 0, an errno, or -1 when only the allowed set is known.
 */
static int fz_want(struct fz *f, enum fz_cmd c, const void *arg)
{
	const struct tcx_link_next_id_args *next = arg;
	const struct tcx_pin_args *pin = arg;
	struct fz_link *l;

	switch (c) {
	case FZ_NEXT_ID:
		return next->start_id >= INT_MAX ? ENOENT : -1;
	case FZ_PIN_PATH:
		l = pin->link_fd > INT_MAX ? NULL :
		    link_by_fd(f, pin->link_fd, NULL);
		if (!l)
			return pin->link_fd <= INT_MAX &&
			       fcntl(pin->link_fd, F_GETFD) >= 0 ?
			       EINVAL : EBADF;
		/* At most one pin at a path per link. */
		return !f->pw.create && l->pin ? EBUSY : f->pw.create;
	case FZ_GET_FD_BY_PIN:
		return f->pw.get;
	case FZ_BIND_TASK:
		return f->bind == BK_RANDOM ? -1 :
		       f->bind == BK_NONE ? ESRCH : 0;
	default:
		return -1;
	}
}

/* TCX_IOC_LINK_GET_FD_BY_PIN of an absolute path, on our /dev/tcx. */
static int fz_get_pin(struct fz *f, const char *path)
{
	struct tcx_pin_args a = {
		.size = sizeof(a), .dirfd = AT_FDCWD,
		.pathname = (unsigned long)path,
	};
	int fd = ioctl(f->dev, TCX_IOC_LINK_GET_FD_BY_PIN, &a);

	return fd < 0 ? -errno : fd;
}

/*
 * The next id: above the start, a link that is there, and no link of
 * ours in between; ENOENT only when no link of ours lies above.
 */
static void check_next_id(struct fz *f, const struct tcx_link_next_id_args *a,
			  int ret)
{
	struct tcx_link_info info;
	int i, fd;

	for (i = 0; i < MAX_LINKS; i++) {
		const struct fz_link *l = &f->links[i];

		if (!l->used || l->id <= a->start_id)
			continue;
		if (ret == -ENOENT)
			fz_fail(f, "next id after %u: none, but link %u is there",
				a->start_id, l->id);
		else if (!ret && l->id < a->next_id)
			fz_fail(f, "next id after %u is %u: link %u skipped",
				a->start_id, a->next_id, l->id);
	}
	if (ret)
		return;
	if (a->next_id <= a->start_id)
		return fz_fail(f, "next id after %u is %u", a->start_id,
			       a->next_id);
	fd = tcx_link_get_fd_by_id(a->next_id);
	if (fd < 0)
		return fz_fail(f, "next id %u: no such link (%s)", a->next_id,
			       strerror(-fd));
	if (fz_info(fd, &info) || info.id != a->next_id)
		fz_fail(f, "next id %u: fd by id gives link %u", a->next_id,
			info.id);
	close(fd);
}

/* A pin made: the symlink, the link's info, and the way back to it. */
static void check_pinned(struct fz *f, const struct tcx_pin_args *a)
{
	struct fz_link *l = link_by_fd(f, a->link_fd, NULL);
	char path[PATH_MAX], got[PATH_MAX], want[64];
	struct tcx_link_info info = {
		.size = sizeof(info),
		.pin_path = (unsigned long)got,
		.pin_path_size = sizeof(got),
	};
	ssize_t n;
	int fd;

	if (!l)
		return fz_fail(f, "pin path: link fd %u is no link, and it worked",
			       a->link_fd);
	l->pin = f->pw.pin;
	snprintf(path, sizeof(path), "%s/pin%d", f->bpffs, l->pin);
	snprintf(want, sizeof(want), TCX_PIN_TARGET_PREFIX "%u", l->id);
	n = readlink(path, got, sizeof(got) - 1);
	if (n < 0 || (got[n] = '\0', strcmp(got, want)))
		fz_fail(f, "pin path: %s -> %s, want %s", path,
			n < 0 ? strerror(errno) : got, want);
	got[0] = '\0';
	if (ioctl(a->link_fd, TCX_IOC_LINK_INFO, &info) ||
	    !(info.flags & TCX_LINK_F_PINNED) || strcmp(got, path) ||
	    info.pin_path_size != strlen(path) + 1)
		fz_fail(f, "pin path: link %u says flags %#x path '%s', want %s",
			l->id, info.flags, got, path);
	fd = fz_get_pin(f, path);
	if (fd < 0 || fz_info(fd, &info) || info.id != l->id)
		fz_fail(f, "pin path: %s gives %s link %u, want %u", path,
			fd < 0 ? strerror(-fd) : "", fd < 0 ? 0 : info.id,
			l->id);
	if (fd >= 0)
		close(fd);
}

/* Nothing pinned by a call that failed; the link's own pin as it was. */
static void check_no_pin(struct fz *f, enum fz_cmd c,
			 const struct tcx_pin_args *a)
{
	struct tcx_link_info info;
	struct stat st;
	struct fz_link *l;

	if (f->pw.left[0] && !lstat(f->pw.left, &st))
		fz_fail(f, "%s failed but left %s", fz_names[c], f->pw.left);
	l = a && a->link_fd <= INT_MAX ? link_by_fd(f, a->link_fd, NULL) :
	    NULL;
	if (l && (fz_info(a->link_fd, &info) ||
		  !info.pin_path_size != !l->pin))
		fz_fail(f, "%s failed but link %u has a pin path of %u bytes",
			fz_names[c], l->id, info.pin_path_size);
}

/*
 * A bound file: once only, it acts for the task (in the task's netns,
 * which is ours), and for nobody once the task is gone.
 */
static void check_bound(struct fz *f, int fd, const struct fz_hook *before)
{
	struct tcx_task_args t = { .size = sizeof(t), .pid = getpid() };
	struct fz_hook h;
	int ret, st;

	ret = ioctl(fd, TCX_IOC_BIND_TASK, &t) ? -errno : 0;
	if (ret != -EBUSY)
		fz_fail(f, "a second bind: %s", ret ? strerror(-ret) : "done");
	/* A random pid that names a task: not ours, nor in our netns. */
	if (f->bind == BK_RANDOM)
		return;
	fz_query_on(fd, f->ifindex[0], TCX_INGRESS, &h);
	if (!hook_same(&h, &before[0]))
		fz_fail(f, "bound file: query %s, count %u rev %llu",
			strerror(-h.ret), h.count, (unsigned long long)h.rev);
	if (f->bind != BK_CHILD || rnd(f, 4))
		return;
	kill(f->child, SIGKILL);
	if (waitpid(f->child, &st, 0) != f->child)
		fz_fail(f, "child %d: %s", f->child, strerror(errno));
	ret = fz_query_on(fd, f->ifindex[0], TCX_INGRESS, &h);
	if (ret != -ESRCH)
		fz_fail(f, "file bound to a dead task: query %s",
			ret ? strerror(-ret) : "done");
	f->child = fz_spawn_child();
	if (f->child < 0)
		fz_fail(f, "fork: %s", strerror(errno));
}

/* The hook HK once it no longer has link ID: a worker takes it off. */
static void wait_link_off(struct fz *f, int hk, __u32 id)
{
	struct fz_hook now;
	int i;

	for (i = 0; i < 500; i++) {
		fz_query(f, f->ifindex[hk / 2], hk % 2, &now);
		if (hook_find(&now, id, true) < 0)
			return;
		rel_msleep(10);
	}
}

/* Removing a pin's path unpins; a link held by nothing else goes. */
static void fz_unlink_pin(struct fz *f, const struct fz_hook *before)
{
	struct fz_link *l = pinned_link(f);
	struct tcx_link_info info;
	struct fz_hook now;
	char path[PATH_MAX];
	int h, ret;

	if (!l)
		return;
	snprintf(path, sizeof(path), "%s/pin%d", f->bpffs, l->pin);
	h = link_hook(f, before, l->id);
	fz_result(f, FZ_UNLINK_PIN, unlink(path) ? -errno : 0, E_OK, path);
	l->pin = 0;
	ret = fz_get_pin(f, path);
	if (ret != -ENOENT)
		fz_fail(f, "%s removed: get fd by pin says %s", path,
			ret < 0 ? strerror(-ret) : "fd");
	if (ret >= 0)
		close(ret);
	if (l->nfds) {
		if (fz_info(l->fds[0], &info) || info.pin_path_size ||
		    !(info.flags & TCX_LINK_F_PINNED) != !l->pinned)
			fz_fail(f, "%s removed: link %u flags %#x, path size %u",
				path, l->id, info.flags, info.pin_path_size);
		check_unchanged(f, path, before, -1);
		return;
	}
	if (l->pinned) {
		ret = tcx_link_get_fd_by_id(l->id);
		if (ret < 0)
			fz_fail(f, "%s removed: link %u, still pinned, gone",
				path, l->id);
		else
			close(ret);
		check_unchanged(f, path, before, -1);
		return;
	}
	/* The pin was the last reference. */
	if (!tcx_id_gone(tcx_link_get_fd_by_id, l->id))
		fz_fail(f, "%s removed: link %u still there", path, l->id);
	if (h >= 0) {
		wait_link_off(f, h, l->id);
		check_unchanged(f, path, before, h);
		check_changed(f, path, before, h, -1, &now);
	} else {
		check_unchanged(f, path, before, -1);
	}
	memset(l, 0, sizeof(*l));
}

/* ---- one iteration ------------------------------------------------- */

static enum fz_cmd fz_pick_cmd(struct fz *f)
{
	int total = 0, r, c;

	for (c = 0; c < FZ_CMDS; c++)
		total += fz_weights[c];
	r = rnd(f, total);
	for (c = 0; r >= fz_weights[c]; c++)
		r -= fz_weights[c];
	return c;
}

static void fz_one(struct fz *f)
{
	enum fz_cmd c = fz_pick_cmd(f);
	struct fz_hook before[NHOOKS];
	struct tcx_link_info old_info, info;
	size_t ksize, min_size = 0;
	bool wrong_file = false, ro = false, either, reads;
	int fd, ret, want_frame, h, probe, e, want;
	__u32 in_count = 0;
	unsigned long cmd;
	struct frame fr;
	char what[240];
	errset_t allowed;
	int n;

	fz_snapshot(f, before);
	f->sane = rnd(f, 2);
	f->upd_fd = -1;
	/* Keep the number of links bounded: close one instead. */
	if ((c == FZ_LINK_CREATE || c == FZ_GET_FD_BY_ID ||
	     c == FZ_GET_FD_BY_PIN) &&
	    (nlinkfds(f) >= 40 || !link_room(f)) && nlinkfds(f))
		c = FZ_CLOSE;
	if (c == FZ_CLOSE)
		return fz_close(f, before);
	if (c == FZ_UNLINK_PIN)
		return fz_unlink_pin(f, before);
	/* Mostly, a link command without a link makes one first. */
	if (!is_dev_cmd(c) && c != FZ_BOGUS && !nlinkfds(f) && rnd(f, 4))
		c = FZ_LINK_CREATE;

	/* The file: mostly the right one. */
	if (c == FZ_BOGUS) {
		fd = rnd(f, 2) ? f->dev : any_link_fd(f);
		if (fd < 0)
			fd = f->dev;
		cmd = fz_bogus_cmd(f);
	} else if (is_dev_cmd(c)) {
		fd = f->dev;
		if (!rnd(f, 16)) {
			fd = f->ro;
			ro = true;
		}
		if (!rnd(f, 12)) {
			ro = false;
			fd = any_link_fd(f);
			if (fd < 0 || rnd(f, 3) == 0)
				fd = rnd(f, 2) ? f->pipe_w : f->null;
			wrong_file = true;
		}
		cmd = fz_cmd_encode(f, fz_cmd_nr(c));
	} else {
		fd = any_link_fd(f);
		if (fd < 0 || !rnd(f, 12)) {
			fd = rnd(f, 3) ? f->dev : f->pipe_w;
			wrong_file = true;
		}
		cmd = fz_cmd_encode(f, fz_cmd_nr(c));
	}

	if (c == FZ_BIND_TASK && !wrong_file) {
		/* A file of its own: a bind is for good. */
		f->bound = open("/dev/" TCX_DEVICE_NAME,
				(ro ? O_RDONLY : O_RDWR) | O_CLOEXEC);
		if (f->bound < 0)
			return fz_fail(f, "open /dev/tcx: %s", strerror(errno));
		fd = f->bound;
	}
	if (c == FZ_UPDATE && !wrong_file)
		f->upd_fd = fd;
	ksize = fz_ksize(c, &min_size);
	reads = ksize && c != FZ_BOGUS;
	memset(&fr, 0, sizeof(fr));
	if (reads) {
		frame_pick(f, &fr, ksize, min_size);
		fz_fill(f, c, before, fr.ptr && fr.avail ? fr.ptr : f->buf,
			fr.avail ? (fr.avail < ksize ? fr.avail : ksize) : 0);
		/* The size field goes in last: the fill wrote a zero. */
		if (fr.avail >= 4)
			memcpy(fr.ptr, &fr.usize, 4);
	} else {
		/* Commands without argument ignore it: any pointer will do. */
		fr.ptr = rnd(f, 2) ? NULL : f->buf;
	}

	old_info.flags = 0;
	if (!wrong_file && !is_dev_cmd(c) && c != FZ_BOGUS &&
	    fz_info(fd, &old_info))
		return fz_fail(f, "info of a live link fd failed");

	if (c == FZ_QUERY && fr.avail >= offsetofend(struct tcx_query_args, count))
		in_count = ((struct tcx_query_args *)fr.ptr)->count;
	memset(f->arrays, 0, 4 * 64 * sizeof(__u32));
	probe = next_fd();
	errno = 0;
	ret = ioctl(fd, cmd, fr.ptr);
	ret = ret < 0 ? -errno : ret;
	n = snprintf(what, sizeof(what), "cmd %#lx fd %d size %u avail %zu%s",
		     cmd, fd, fr.usize, fr.avail,
		     fr.tail_dirty ? " dirty tail" : "");
	if ((c == FZ_PIN_PATH || c == FZ_GET_FD_BY_PIN) &&
	    fr.avail >= sizeof(struct tcx_pin_args)) {
		const struct tcx_pin_args *a = fr.ptr;
		unsigned long lo = (unsigned long)f->pbuf;
		unsigned long hi = lo + 2 * f->page, p = a->pathname;
		/* What of the path lies in our pages, before the guard. */
		int len = p >= lo && p < hi ? (hi - p < 60 ? hi - p : 60) : 0;

		snprintf(what + n, sizeof(what) - n,
			 " link_fd %u dirfd %d path '%.*s'", a->link_fd,
			 a->dirfd, len, len ? (const char *)p : "");
	}

	/* Exact answers first: the file, then the framing. */
	if (wrong_file || c == FZ_BOGUS) {
		fz_result(f, c, ret, E(ENOTTY), what);
		goto unchanged;
	}
	if (ro && is_write_cmd(c)) {
		fz_result(f, c, ret, E(EBADF), what);
		goto unchanged;
	}
	if (reads) {
		if (c == FZ_INFO) {
			either = false;
			want_frame = fr.avail < 4 ? -EFAULT :
				     fr.usize < min_size ? -EINVAL :
				     fr.avail < (fr.usize < ksize ? fr.usize :
						 ksize) ? -EFAULT : 0;
		} else {
			want_frame = frame_expect(&fr, ksize, min_size, &either);
		}
		if (want_frame) {
			allowed = E(-want_frame) | (either ? E(E2BIG) : 0);
			fz_result(f, c, ret, allowed, what);
			goto unchanged;
		}
		if (args_invalid(c, &fr, ksize)) {
			fz_result(f, c, ret, E(EINVAL), what);
			goto unchanged;
		}
	}
	want = fz_want(f, c, fr.ptr);
	allowed = want < 0 ? fz_allowed[c] : want ? E(want) : E_OK;
	if (c == FZ_NEXT_ID)
		check_next_id(f, fr.ptr, ret);
	if (!fz_result(f, c, ret, allowed, what) || ret < 0)
		goto unchanged;

	/* Success: it did what it says. */
	switch (c) {
	case FZ_VERSION: {
		struct tcx_version *v = fr.ptr;

		if (v->abi_version != TCX_ABI_VERSION ||
		    !memchr(v->module_version, 0, TCX_VERSION_LEN))
			fz_fail(f, "version: abi %u", v->abi_version);
		check_unchanged(f, "version", before, -1);
		break;
	}
	case FZ_ATTACH: {
		struct tcx_prog_args *a = fr.ptr;

		h = hook_index(f, a->ifindex, a->direction);
		if (h < 0)
			return fz_fail(f, "attach to ifindex %u dir %u worked",
				       a->ifindex, a->direction);
		check_attached(f, before, h, prog_id_of_fd(f, a->prog_fd), 0,
			       a->flags & TCX_F_REPLACE,
			       prog_id_of_fd(f, a->replace_prog_fd));
		break;
	}
	case FZ_DETACH: {
		struct tcx_prog_args *a = fr.ptr;
		struct fz_hook now;

		h = hook_index(f, a->ifindex, a->direction);
		if (h < 0)
			return fz_fail(f, "detach from ifindex %u worked",
				       a->ifindex);
		check_unchanged(f, "detach elsewhere", before, h);
		check_changed(f, "detach", before, h, -1, &now);
		if (a->prog_fd &&
		    hook_find(&now, prog_id_of_fd(f, a->prog_fd), false) >= 0)
			fz_fail(f, "detach: prog still on hook %d", h);
		break;
	}
	case FZ_QUERY: {
		struct tcx_query_args *q = fr.ptr;
		__u32 n, i;

		h = hook_index(f, q->ifindex, q->direction);
		if (h < 0)
			return fz_fail(f, "query of ifindex %u worked",
				       q->ifindex);
		if (q->count != before[h].count ||
		    q->revision != before[h].rev)
			fz_fail(f, "query: count %u rev %llu, want %u %llu",
				q->count, (unsigned long long)q->revision,
				before[h].count,
				(unsigned long long)before[h].rev);
		/* Filled: as many as there were and there was room for. */
		n = q->count < in_count ? q->count : in_count;
		if (!q->prog_ids || !in_count)
			n = 0;
		if (q->prog_ids == (unsigned long)f->arrays)
			for (i = 0; i < n && i < 64; i++)
				if (f->arrays[i] != before[h].p[i])
					fz_fail(f, "query: prog %u at %u, want %u",
						f->arrays[i], i,
						before[h].p[i]);
		check_unchanged(f, "query", before, -1);
		break;
	}
	case FZ_LINK_CREATE: {
		struct tcx_link_create_args *a = fr.ptr;

		h = hook_index(f, a->ifindex, a->direction);
		if (ret != probe)
			fz_fail(f, "link fd %d, the lowest free was %d", ret,
				probe);
		if (h < 0 || fz_info(ret, &info) || info.ifindex != a->ifindex ||
		    info.direction != a->direction ||
		    info.prog_id != prog_id_of_fd(f, a->prog_fd) ||
		    info.flags) {
			close(ret);
			return fz_fail(f, "link create: the link is not what was asked");
		}
		check_attached(f, before, h, info.prog_id, info.id, false, 0);
		/* No room (only pinned links left): let this one go again. */
		if (!link_add_fd(f, info.id, ret))
			close(ret);
		break;
	}
	case FZ_GET_FD_BY_ID: {
		struct tcx_link_id_args *a = fr.ptr;

		if (fz_info(ret, &info) || info.id != a->id) {
			close(ret);
			return fz_fail(f, "fd by id %u: another link", a->id);
		}
		check_unchanged(f, "get fd by id", before, -1);
		if (!link_add_fd(f, info.id, ret))
			close(ret);
		break;
	}
	case FZ_NEXT_ID:
	case FZ_PIN_PATH:
	case FZ_BIND_TASK:
		if (c == FZ_PIN_PATH)
			check_pinned(f, fr.ptr);
		if (c == FZ_BIND_TASK)
			check_bound(f, fd, before);
		check_unchanged(f, fz_names[c], before, -1);
		if (probe >= 0 && fcntl(probe, F_GETFD) >= 0)
			fz_fail(f, "%s: fd %d appeared", fz_names[c], probe);
		break;
	case FZ_GET_FD_BY_PIN:
		if (ret != probe)
			fz_fail(f, "fd by pin %d, the lowest free was %d", ret,
				probe);
		if (fz_info(ret, &info) || info.id != f->pw.id) {
			close(ret);
			return fz_fail(f, "fd by pin: link %u, want %u",
				       info.id, f->pw.id);
		}
		check_unchanged(f, "get fd by pin", before, -1);
		if (!link_add_fd(f, info.id, ret))
			close(ret);
		break;
	case FZ_UPDATE:
		check_link_after(f, c, fd, before, &old_info, fr.ptr);
		break;
	case FZ_INFO:
		check_info_written(f, &fr, &old_info);
		check_link_after(f, c, fd, before, &old_info, NULL);
		break;
	default:
		check_link_after(f, c, fd, before, &old_info, NULL);
		break;
	}
	return;

unchanged:
	/* A failure changes nothing and leaves no fd behind. */
	if (ret >= 0) {
		if (c == FZ_LINK_CREATE || c == FZ_GET_FD_BY_ID ||
		    c == FZ_GET_FD_BY_PIN)
			close(ret);
		return;
	}
	e = -ret;
	check_unchanged(f, fz_names[c], before, -1);
	if (c == FZ_PIN_PATH || c == FZ_GET_FD_BY_PIN)
		check_no_pin(f, c, reads && fr.avail >=
				   sizeof(struct tcx_pin_args) ? fr.ptr : NULL);
	if (c == FZ_NEXT_ID && fr.avail >=
	    offsetofend(struct tcx_link_next_id_args, next_id) &&
	    ((struct tcx_link_next_id_args *)fr.ptr)->next_id != f->next_in)
		fz_fail(f, "next id failed (%s) but wrote next_id", strerror(e));
	if (probe >= 0 && fcntl(probe, F_GETFD) >= 0)
		fz_fail(f, "%s failed (%s) but fd %d appeared", fz_names[c],
			strerror(e), probe);
}

/* ---- set-up and tear-down ------------------------------------------ */

static void print_stats(struct fz *f, __u64 seed, unsigned long iters)
{
	int c, e;

	printf("# fuzz_ioctl: %lu iterations, seed %llu (FUZZ_SEED to replay)\n",
	       iters, (unsigned long long)seed);
	for (c = 0; c < FZ_CMDS; c++) {
		char line[512];
		size_t off = 0;

		off += snprintf(line + off, sizeof(line) - off,
				"# %-18s %6lu calls %6lu ok", fz_names[c],
				f->calls[c], f->ok[c]);
		for (e = 1; e < MAX_ERRNO_SEEN; e++)
			if (f->errnos[c][e] && off < sizeof(line) - 32)
				off += snprintf(line + off, sizeof(line) - off,
						" %s:%lu", strerrorname_np(e),
						f->errnos[c][e]);
		printf("%s\n", line);
	}
	printf("# hook states compared: %lu; failures: %lu\n", f->checks,
	       f->failures);
	fflush(stdout);
}

static int bpf_dummy(enum bpf_prog_type type, int ret)
{
	return tcx_load_raw_prog(type, ret);
}

/*
 * Take down what the fuzzer left: its links (pinned ones without fds are
 * found by id; pins at paths are removed), then the programs on every
 * hook.  A link alive, or a pin in bpffs, that the fuzzer does not know of
 * is a failure: it lost track of one.
 */
static void fz_cleanup(struct __test_metadata *_metadata, struct fz *f)
{
	char path[PATH_MAX];
	struct fz_link *l;
	struct dirent *d;
	struct fz_hook h;
	int i, j, fd;
	DIR *dir;

	for (i = 0; i < MAX_LINKS; i++) {
		l = &f->links[i];
		if (!l->used)
			continue;
		fd = l->nfds ? l->fds[0] : tcx_link_get_fd_by_id(l->id);
		EXPECT_LE(0, fd) TH_LOG("link %u lost", l->id);
		if (l->pin) {
			snprintf(path, sizeof(path), "%s/pin%d", f->bpffs,
				 l->pin);
			EXPECT_EQ(0, unlink(path)) TH_LOG("%s", path);
		}
		if (fd >= 0) {
			EXPECT_EQ(0, tcx_link_unpin(fd));
			EXPECT_EQ(0, tcx_link_detach(fd));
			if (!l->nfds)
				close(fd);
		}
		for (j = 0; j < l->nfds; j++)
			close(l->fds[j]);
		memset(l, 0, sizeof(*l));
	}
	for (i = 0; i < f->nids; i++) {
		fd = tcx_link_get_fd_by_id(f->ids[i]);
		EXPECT_EQ(-ENOENT, fd) TH_LOG("link %u alive, untracked",
					      f->ids[i]);
		if (fd >= 0) {
			tcx_link_unpin(fd);
			close(fd);
		}
	}
	/* Only what the test put there is left in bpffs. */
	dir = opendir(f->bpffs);
	ASSERT_NE(NULL, dir);
	while ((d = readdir(dir))) {
		if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, "..") ||
		    !strcmp(d->d_name, "map") || !strcmp(d->d_name, "sym") ||
		    !strcmp(d->d_name, "dir"))
			continue;
		EXPECT_STREQ("", d->d_name) TH_LOG("left in bpffs");
		unlinkat(dirfd(dir), d->d_name, 0);
	}
	closedir(dir);
	for (i = 0; i < NHOOKS; i++) {
		for (j = 0; j <= TCX_MAX_PROGS; j++)
			if (tcx_prog_detach(f->ifindex[i / 2], i % 2, 0, NULL))
				break;
		EXPECT_EQ(0, fz_query(f, f->ifindex[i / 2], i % 2, &h));
		EXPECT_EQ(0U, h.count) TH_LOG("hook %d not empty", i);
		EXPECT_EQ(1ULL, h.rev);
	}
}

FIXTURE(fuzz) {
	struct fz *f;
	long refcnt;
};

FIXTURE_SETUP(fuzz)
{
	char path[PATH_MAX];
	pthread_t thread;
	struct fz *f;
	int p[2], i;

	/* The harness's test process ends with _exit(): no buffered output. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	self->refcnt = rel_module_refcnt();
	ASSERT_LE(0, self->refcnt);
	ASSERT_EQ(0, tcx_test_netns());
	/* Our bpffs goes with the test process, and pins with it. */
	ASSERT_EQ(0, unshare(CLONE_NEWNS));
	ASSERT_EQ(0, mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
	tcx_test_hold_fd0();
	ASSERT_TCX_DEV();
	f = calloc(1, sizeof(*f));
	ASSERT_NE(NULL, f);
	self->f = f;
	f->page = sysconf(_SC_PAGESIZE);
	ASSERT_EQ(4096, f->page);
	f->buf = mmap(NULL, 2 * f->page, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, f->buf);
	ASSERT_EQ(0, mprotect(f->buf + f->page, f->page, PROT_NONE));
	f->arrays = calloc(4 * 64, sizeof(__u32));
	ASSERT_NE(NULL, f->arrays);

	f->dev = open("/dev/" TCX_DEVICE_NAME, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, f->dev);
	f->dev2 = open("/dev/" TCX_DEVICE_NAME, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, f->dev2);
	f->ro = open("/dev/" TCX_DEVICE_NAME, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, f->ro);
	f->bound = -1;
	for (i = 0; i < NPROGS; i++) {
		f->progs[i] = bpf_dummy(BPF_PROG_TYPE_SCHED_CLS,
					i % 2 ? TCX_NEXT : TCX_PASS);
		ASSERT_LE(0, f->progs[i]);
		f->prog_ids[i] = tcx_prog_id(f->progs[i]);
	}
	f->xdp = bpf_dummy(BPF_PROG_TYPE_XDP, 2);
	ASSERT_LE(0, f->xdp);
	f->xdp_id = tcx_prog_id(f->xdp);
	f->filter = bpf_dummy(BPF_PROG_TYPE_SOCKET_FILTER, 0);
	ASSERT_LE(0, f->filter);
	f->map = bpf_map_create(BPF_MAP_TYPE_ARRAY, NULL, 4, 4, 1, NULL);
	ASSERT_LE(0, f->map);
	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	f->pipe_r = p[0];
	f->pipe_w = p[1];
	f->null = open("/dev/null", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, f->null);
	f->sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, f->sock);
	f->closed_fd = dup(f->null);
	ASSERT_LE(0, f->closed_fd);
	close(f->closed_fd);

	ASSERT_EQ(0, tcx_run("ip link set lo up"));
	ASSERT_EQ(0, tcx_run("ip link add fz0 type veth peer name fz1"));
	ASSERT_EQ(0, tcx_run("ip link set fz0 up && ip link set fz1 up"));
	f->ifindex[0] = LO_IFINDEX;
	f->ifindex[1] = if_nametoindex("fz0");
	f->ifindex[2] = if_nametoindex("fz1");
	ASSERT_NE(0, f->ifindex[1]);
	ASSERT_NE(0, f->ifindex[2]);

	/*
	 * <tmp>: the working directory, with a file and a symlink to bpf,
	 * where bpffs holds a map's pin, a directory, and a symlink that
	 * looks like a pin but is none.
	 */
	f->pbuf = mmap(NULL, 3 * f->page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, f->pbuf);
	ASSERT_EQ(0, mprotect(f->pbuf + 2 * f->page, f->page, PROT_NONE));
	strcpy(f->tmp, "/tmp/fuzz-pins.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(f->tmp));
	snprintf(f->bpffs, sizeof(f->bpffs), "%s/bpf", f->tmp);
	ASSERT_EQ(0, mkdir(f->bpffs, 0700));
	ASSERT_EQ(0, mount("bpf", f->bpffs, "bpf", 0, NULL));
	ASSERT_EQ(0, chdir(f->tmp));
	ASSERT_EQ(0, symlink(f->bpffs, "bpflink"));
	i = open("file", O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	ASSERT_LE(0, i);
	close(i);
	snprintf(path, sizeof(path), "%s/map", f->bpffs);
	ASSERT_EQ(0, bpf_obj_pin(f->map, path));
	ASSERT_EQ(0, symlink(TCX_PIN_TARGET_PREFIX "1", "bpf/sym"));
	ASSERT_EQ(0, mkdir("bpf/dir", 0700));
	f->tmp_fd = open(f->tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ASSERT_LE(0, f->tmp_fd);
	f->bpffs_fd = open(f->bpffs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ASSERT_LE(0, f->bpffs_fd);
	f->bpffs_opath = open(f->bpffs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	ASSERT_LE(0, f->bpffs_opath);

	/* Tasks to bind to: a thread of ours and a child. */
	ASSERT_EQ(0, pthread_create(&thread, NULL, fz_thread, &f->thread));
	while (!__atomic_load_n(&f->thread, __ATOMIC_ACQUIRE))
		rel_msleep(1);
	f->child = fz_spawn_child();
	ASSERT_LT(0, f->child);
}

FIXTURE_TEARDOWN(fuzz)
{
}

/* The harness's timeout is fixed at build time; FUZZ_ITERATIONS must fit. */
TEST_F_TIMEOUT(fuzz, ioctls, 3600)
{
	unsigned long iters = rel_env("FUZZ_ITERATIONS", 10000);
	__u64 seed = rel_env("FUZZ_SEED", 0);
	struct fz *f = self->f;
	__u32 all[MAX_PROG_IDS];
	char path[PATH_MAX];
	double t0 = rel_now();
	long now;
	int i, n;

	if (!seed)
		seed = (__u64)time(NULL) ^ getpid();
	printf("# seed %llu\n", (unsigned long long)seed);
	fflush(stdout);
	f->rng = rel_seed_init(seed);
	for (f->iter = 0; f->iter < iters; f->iter++) {
		fz_one(f);
		if (f->bound >= 0) {
			close(f->bound);
			f->bound = -1;
		}
	}
	print_stats(f, seed, iters);
	printf("# %.1f s\n", rel_now() - t0);
	EXPECT_EQ(0UL, f->failures) TH_LOG("first: %s", f->first_failure);
	/* The fuzzer must get through to the kernel's real work. */
	EXPECT_LT(0UL, f->ok[FZ_ATTACH]);
	EXPECT_LT(0UL, f->ok[FZ_LINK_CREATE]);
	EXPECT_LT(0UL, f->ok[FZ_UPDATE]);
	EXPECT_LT(0UL, f->ok[FZ_NEXT_ID]);
	EXPECT_LT(0UL, f->ok[FZ_PIN_PATH]);
	EXPECT_LT(0UL, f->ok[FZ_GET_FD_BY_PIN]);
	EXPECT_LT(0UL, f->ok[FZ_BIND_TASK]);
	EXPECT_LT(0UL, f->ok[FZ_UNLINK_PIN]);

	fz_cleanup(_metadata, f);
	kill(f->child, SIGKILL);
	waitpid(f->child, NULL, 0);
	EXPECT_EQ(0, chdir("/"));
	close(f->tmp_fd);
	close(f->bpffs_fd);
	close(f->bpffs_opath);
	EXPECT_EQ(0, umount2(f->bpffs, 0));
	unlinkat(AT_FDCWD, f->bpffs, AT_REMOVEDIR);
	snprintf(path, sizeof(path), "%s/file", f->tmp);
	unlink(path);
	snprintf(path, sizeof(path), "%s/bpflink", f->tmp);
	unlink(path);
	EXPECT_EQ(0, rmdir(f->tmp));
	close(f->dev);
	close(f->dev2);
	close(f->ro);
	close(f->xdp);
	close(f->filter);
	close(f->map);
	/* Every program the fuzzer loaded goes once it lets go. */
	for (i = 0; i < NPROGS; i++)
		close(f->progs[i]);
	for (i = 0; i < NPROGS; i++) {
		EXPECT_TRUE(tcx_prog_id_released(f->prog_ids[i]))
			TH_LOG("program %u still held", f->prog_ids[i]);
	}
	EXPECT_TRUE(tcx_prog_id_released(f->xdp_id));
	n = rel_prog_ids(all, MAX_PROG_IDS);
	for (i = 0; i < n && i < MAX_PROG_IDS; i++) {
		EXPECT_FALSE(rel_id_in(all[i], f->prog_ids, NPROGS));
	}
	/* libtcx's own /dev/tcx fd is the one reference this process keeps. */
	now = rel_wait_refcnt(self->refcnt + 1, 10000);
	EXPECT_EQ(self->refcnt + 1, now);
}

FIXTURE(module) {
	int unused;
};

FIXTURE_SETUP(module)
{
}

FIXTURE_TEARDOWN(module)
{
}

/* Whatever the fuzzer did, tcx.ko unloads afterwards, and comes back. */
TEST_F(module, unload_and_reload)
{
	int fd;

	ASSERT_EQ(0, rel_unload_module()) TH_LOG("delete_module: refcnt %ld",
						 rel_module_refcnt());
	ASSERT_EQ(0, rel_load_module()) TH_LOG("finit_module($TCX_MODULE)");
	fd = open("/dev/" TCX_DEVICE_NAME, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	close(fd);
}

TEST_HARNESS_MAIN
