// SPDX-License-Identifier: GPL-2.0
/*
 * Allocation failures on the attach and link-create paths.
 *
 * Debian's 6.1 kernel has no fault injection (CONFIG_FAULT_INJECTION,
 * failslab and fail_page_alloc are off), so the failures are made with
 * what it does have:
 *
 *  - A memory cgroup.  Everything tcx.ko allocates for a hook or a link is
 *    GFP_KERNEL_ACCOUNT (the hook with its program arrays, its per-CPU
 *    counters, the netfilter hook entries, the link) and so is the link's
 *    struct file.  A child moves into a cgroup whose memory.max leaves it
 *    B pages, makes one call and moves out; B goes 0, 1, 2... until the
 *    call succeeds, so that every allocation on the path fails once.  The
 *    child is unkillable by the OOM killer (oom_score_adj -1000) and has
 *    its memory locked, so a charge that does not fit fails (ENOMEM)
 *    instead of killing or stalling it.
 *  - A full fd table (RLIMIT_NOFILE): link create and get-fd-by-id fail at
 *    get_unused_fd_flags() with EMFILE.
 *
 * After each failure the hook must be exactly as before (revision and
 * programs), no fd may have appeared, and in the end the programs go away
 * once the test closes them, tcx.ko's references are back, and it unloads.
 * Calls that need no memory (an insert into an existing hook, detach,
 * replace, link update, link detach and release) must work with no memory
 * at all.
 */
#define _GNU_SOURCE
#include "tcx_test.h"

#include <net/if.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/magic.h>

#include "reliability.h"

#define NPROGS		6
#define MAX_BUDGET	48	/* pages; a hook needs far fewer */
#define CGROOT		"/sys/fs/cgroup"

/* ---- hook state ---------------------------------------------------- */

struct hook_state {
	int ret;
	__u32 count;
	__u64 rev;
	__u32 p[8], l[8];
};

static void hook_get(int ifindex, enum tcx_dir dir, struct hook_state *s)
{
	LIBTCX_OPTS(tcx_query, q, .count = 8, .prog_ids = s->p,
		    .link_ids = s->l);

	memset(s, 0, sizeof(*s));
	s->ret = tcx_query(ifindex, dir, &q);
	s->count = q.count;
	s->rev = q.revision;
}

static bool hook_same(const struct hook_state *a, const struct hook_state *b)
{
	return !memcmp(a, b, sizeof(*a));
}

/* The lowest free fd: where a new one would go. */
static int next_fd(void)
{
	int fd = dup(0);

	if (fd >= 0)
		close(fd);
	return fd;
}

/* ---- memory cgroup ------------------------------------------------- */

struct memcg {
	char dir[64];
	int procs;		/* the test cgroup's cgroup.procs */
	int root_procs;		/* the root's */
	int max;		/* memory.max */
	int current;		/* memory.current */
};

static int write_str(int fd, const char *s)
{
	ssize_t n = pwrite(fd, s, strlen(s), 0);

	return n == (ssize_t)strlen(s) ? 0 : -errno;
}

static int write_path(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret;

	if (fd < 0)
		return -errno;
	ret = write_str(fd, s);
	close(fd);
	return ret;
}

static long memcg_current(struct memcg *m)
{
	char buf[32];
	ssize_t n = pread(m->current, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return atol(buf);
}

/*
 * A memory cgroup of the test's own, in a mount namespace of its own (the
 * VM does not mount cgroup2).  -EOPNOTSUPP: no memory controller.
 */
static int memcg_setup(struct memcg *m)
{
	char path[128], ctl[256] = "";
	struct statfs sfs;
	int fd, ret;
	ssize_t n;

	if (unshare(CLONE_NEWNS) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return -errno;
	if (statfs(CGROOT, &sfs))
		return -errno;
	if (sfs.f_type != CGROUP2_SUPER_MAGIC &&
	    mount("none", CGROOT, "cgroup2", 0, NULL))
		return -errno;
	fd = open(CGROOT "/cgroup.controllers", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, ctl, sizeof(ctl) - 1);
	close(fd);
	if (n < 0 || !strstr(ctl, "memory"))
		return -EOPNOTSUPP;
	ret = write_path(CGROOT "/cgroup.subtree_control", "+memory");
	if (ret)
		return ret;
	snprintf(m->dir, sizeof(m->dir), CGROOT "/tcx-faults-%d", getpid());
	if (mkdir(m->dir, 0755))
		return -errno;
	snprintf(path, sizeof(path), "%s/cgroup.procs", m->dir);
	m->procs = open(path, O_WRONLY | O_CLOEXEC);
	m->root_procs = open(CGROOT "/cgroup.procs", O_WRONLY | O_CLOEXEC);
	snprintf(path, sizeof(path), "%s/memory.max", m->dir);
	m->max = open(path, O_WRONLY | O_CLOEXEC);
	snprintf(path, sizeof(path), "%s/memory.current", m->dir);
	m->current = open(path, O_RDONLY | O_CLOEXEC);
	if (m->procs < 0 || m->root_procs < 0 || m->max < 0 || m->current < 0)
		return -errno;
	/* Nothing of the test's may be swapped out either. */
	snprintf(path, sizeof(path), "%s/memory.swap.max", m->dir);
	write_path(path, "0");
	return 0;
}

static void memcg_teardown(struct memcg *m)
{
	close(m->procs);
	close(m->root_procs);
	close(m->max);
	close(m->current);
	if (m->dir[0])
		rmdir(m->dir);
}

/* Grow the stack now: a page fault in the cgroup could not be charged. */
static void __attribute__((noinline)) prefault_stack(void)
{
	volatile char buf[256 * 1024];
	size_t i;

	for (i = 0; i < sizeof(buf); i += 4096)
		buf[i] = 0;
}

/* In the child: locked memory, no OOM kill, libtcx's fd open already. */
static int memcg_child_prepare(void)
{
	prefault_stack();
	if (mlockall(MCL_CURRENT | MCL_FUTURE))
		return -errno;
	if (write_path("/proc/self/oom_score_adj", "-1000"))
		return -errno;
	return tcx_dev_fd() < 0 ? -ENODEV : 0;
}

/*
 * One call with BUDGET pages of memory: in, call, out.  Only syscalls on
 * fds opened before happen in between.
 */
static int memcg_call(struct memcg *m, long budget,
		      int (*fn)(void *arg), void *arg, int *ret)
{
	char buf[32];
	long cur = memcg_current(m);

	if (cur < 0)
		return -EIO;
	snprintf(buf, sizeof(buf), "%ld", cur + budget * 4096);
	if (write_str(m->max, buf) || write_str(m->procs, "0"))
		return -errno;
	*ret = fn(arg);
	if (write_str(m->root_procs, "0") || write_str(m->max, "max"))
		return -errno;
	return 0;
}

/* ---- the fixture --------------------------------------------------- */

FIXTURE(faults) {
	int prog[NPROGS];
	__u32 id[NPROGS];
	int veth;		/* fa's ifindex */
	long refcnt;
	struct memcg cg;
	bool have_cg;
	int *shared;		/* results from the memcg child */
};

FIXTURE_SETUP(faults)
{
	int i;

	self->refcnt = rel_module_refcnt();
	ASSERT_LE(0, self->refcnt);
	ASSERT_EQ(0, tcx_test_netns());
	tcx_test_hold_fd0();
	ASSERT_EQ(0, tcx_run("ip link add fa type veth peer name fb"));
	self->veth = if_nametoindex("fa");
	ASSERT_NE(0, self->veth);
	for (i = 0; i < NPROGS; i++) {
		self->prog[i] = tcx_load_dummy();
		ASSERT_LE(0, self->prog[i]);
		self->id[i] = tcx_prog_id(self->prog[i]);
	}
	self->shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->shared);
	memset(self->cg.dir, 0, sizeof(self->cg.dir));
}

FIXTURE_TEARDOWN(faults)
{
	if (self->have_cg)
		memcg_teardown(&self->cg);
}

/*
 * The end of every test: nothing on the hooks, the programs go once the
 * test closes them, no link id is left, tcx.ko's references are back
 * (libtcx keeps /dev/tcx open: one more than before).
 */
static void expect_released(struct __test_metadata *_metadata,
			    FIXTURE_DATA(faults) *self)
{
	struct hook_state s;
	int i, dir;
	long now;

	for (dir = 0; dir < 2; dir++) {
		hook_get(self->veth, dir, &s);
		EXPECT_EQ(0U, s.count);
		hook_get(LO_IFINDEX, dir, &s);
		EXPECT_EQ(0U, s.count);
	}
	for (i = 0; i < NPROGS; i++)
		close(self->prog[i]);
	for (i = 0; i < NPROGS; i++) {
		EXPECT_TRUE(tcx_prog_id_released(self->id[i]))
			TH_LOG("program %u still held", self->id[i]);
	}
	now = rel_wait_refcnt(self->refcnt + 1, 10000);
	EXPECT_EQ(self->refcnt + 1, now);
}

/* ---- fd table full --------------------------------------------------- */

static void set_nofile(struct __test_metadata *_metadata, rlim_t n)
{
	struct rlimit rl;

	ASSERT_EQ(0, getrlimit(RLIMIT_NOFILE, &rl));
	rl.rlim_cur = n;
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &rl));
}

/* get_unused_fd_flags() fails: nothing attached, no link left behind. */
TEST_F(faults, fd_table_full)
{
	LIBTCX_OPTS(tcx_opts, before_link, .flags = TCX_F_BEFORE | TCX_F_LINK);
	struct hook_state s0, s1;
	struct tcx_link_info info;
	int link, fd, limit, i;
	__u32 pinned_id;

	/* A hook with a program and a link on it; a pinned link elsewhere. */
	ASSERT_EQ(0, tcx_prog_attach(self->veth, TCX_DIR_INGRESS,
				     self->prog[0], NULL));
	link = tcx_link_create(self->veth, TCX_DIR_INGRESS, self->prog[1],
			       NULL);
	ASSERT_LE(0, link);
	fd = tcx_link_create(LO_IFINDEX, TCX_DIR_EGRESS, self->prog[2], NULL);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, tcx_link_pin(fd));
	ASSERT_EQ(0, tcx_link_get_info(fd, &info));
	pinned_id = info.id;
	close(fd);
	before_link.relative_fd = link;

	hook_get(self->veth, TCX_DIR_INGRESS, &s0);
	ASSERT_EQ(2U, s0.count);
	limit = next_fd();
	ASSERT_LT(0, limit);
	set_nofile(_metadata, limit);

	for (i = 0; i < 3; i++) {
		/* Appended, before the link, on an empty hook. */
		if (i == 0)
			fd = tcx_link_create(self->veth, TCX_DIR_INGRESS,
					     self->prog[3], NULL);
		else if (i == 1)
			fd = tcx_link_create(self->veth, TCX_DIR_INGRESS,
					     self->prog[3], &before_link);
		else
			fd = tcx_link_create(self->veth, TCX_DIR_EGRESS,
					     self->prog[3], NULL);
		EXPECT_EQ(-EMFILE, fd);
		hook_get(self->veth, TCX_DIR_INGRESS, &s1);
		EXPECT_TRUE(hook_same(&s0, &s1)) TH_LOG("case %d", i);
		hook_get(self->veth, TCX_DIR_EGRESS, &s1);
		EXPECT_EQ(0U, s1.count);
	}
	/* Looking a link up by id: refused, and the link stays as it was. */
	EXPECT_EQ(-EMFILE, tcx_link_get_fd_by_id(pinned_id));
	EXPECT_EQ(-EMFILE, tcx_link_get_fd_by_id(s0.l[1]));
	set_nofile(_metadata, limit + 8);

	/* The program no link took is free again as soon as it is closed. */
	close(self->prog[3]);
	EXPECT_TRUE(tcx_prog_id_released(self->id[3]));
	self->prog[3] = -1;

	hook_get(self->veth, TCX_DIR_INGRESS, &s1);
	EXPECT_TRUE(hook_same(&s0, &s1));
	fd = tcx_link_get_fd_by_id(pinned_id);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, tcx_link_get_info(fd, &info));
	EXPECT_EQ((__u32)TCX_LINK_F_PINNED, info.flags);
	EXPECT_EQ(0, tcx_link_unpin(fd));
	close(fd);
	close(link);
	EXPECT_EQ(0, tcx_prog_detach(self->veth, TCX_DIR_INGRESS,
				     self->prog[0], NULL));
	EXPECT_EQ(-ENOENT, tcx_link_get_fd_by_id(pinned_id));
	expect_released(_metadata, self);
}

/* ---- memory cgroup ----------------------------------------------------- */

struct call {
	int ifindex;
	enum tcx_dir dir;
	int prog;
	bool link;
	int ret;
};

static int do_call(void *arg)
{
	struct call *c = arg;

	if (c->link)
		return tcx_link_create(c->ifindex, c->dir, c->prog, NULL);
	return tcx_prog_attach(c->ifindex, c->dir, c->prog, NULL);
}

enum {
	R_FAILED,		/* calls that failed with ENOMEM */
	R_WRONG,		/* calls that failed otherwise */
	R_CHANGED,		/* failed calls that changed the hook */
	R_FD_LEFT,		/* failed calls that left an fd */
	R_BUDGET,		/* pages the call needed, -1: never worked */
	R_SETUP,		/* the child's own trouble */
	R_NOALLOC,		/* calls without allocation that failed */
	R_MAX
};

/*
 * In a child: the call C with 0, 1, 2... pages until it works; then undo
 * it.  Results into R.
 */
static void budget_sweep(struct memcg *m, struct call *c, int *r)
{
	struct hook_state s0, s1;
	int b, probe, ret;

	r[R_BUDGET] = -1;
	for (b = 0; b <= MAX_BUDGET; b++) {
		hook_get(c->ifindex, c->dir, &s0);
		probe = next_fd();
		if (memcg_call(m, b, do_call, c, &ret)) {
			r[R_SETUP]++;
			return;
		}
		hook_get(c->ifindex, c->dir, &s1);
		if (ret >= 0) {
			r[R_BUDGET] = b;
			break;
		}
		if (ret == -ENOMEM)
			r[R_FAILED]++;
		else
			r[R_WRONG]++;
		if (!hook_same(&s0, &s1))
			r[R_CHANGED]++;
		if (fcntl(probe, F_GETFD) >= 0)
			r[R_FD_LEFT]++;
	}
	if (ret < 0)
		return;
	/* It worked: exactly one more program on the hook. */
	if (s1.count != s0.count + 1 || s1.rev != (s0.count ? s0.rev : 1) + 1)
		r[R_CHANGED]++;
	if (c->link)
		close(ret);
	else if (tcx_prog_detach(c->ifindex, c->dir, c->prog, NULL))
		r[R_SETUP]++;
}

static void run_child(struct __test_metadata *_metadata,
		      FIXTURE_DATA(faults) *self,
		      void (*fn)(FIXTURE_DATA(faults) *self, int *r))
{
	pid_t pid;
	int st;

	memset(self->shared, 0, 4096);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		if (memcg_child_prepare())
			self->shared[R_SETUP]++;
		else
			fn(self, self->shared);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	ASSERT_TRUE(WIFEXITED(st) && !WEXITSTATUS(st));
	ASSERT_EQ(0, self->shared[R_SETUP]);
}

static void memcg_fixture(struct __test_metadata *_metadata,
			  FIXTURE_DATA(faults) *self)
{
	int ret = memcg_setup(&self->cg);

	if (ret == -EOPNOTSUPP)
		SKIP(return, "no memory controller");
	ASSERT_EQ(0, ret) TH_LOG("memory cgroup: %s", strerror(-ret));
	self->have_cg = true;
}

static void expect_sweep(struct __test_metadata *_metadata, const int *r,
			 const char *what)
{
	printf("# %s: %d calls failed with ENOMEM, it worked with %d pages\n",
	       what, r[R_FAILED], r[R_BUDGET]);
	EXPECT_LT(0, r[R_FAILED]) TH_LOG("%s never ran out of memory", what);
	EXPECT_LE(0, r[R_BUDGET]) TH_LOG("%s never worked", what);
	EXPECT_EQ(0, r[R_WRONG]);
	EXPECT_EQ(0, r[R_CHANGED]) TH_LOG("a failed %s changed the hook", what);
	EXPECT_EQ(0, r[R_FD_LEFT]) TH_LOG("a failed %s left an fd", what);
}

static void sweep_new_hook(FIXTURE_DATA(faults) *self, int *r)
{
	struct call c = {
		.ifindex = self->veth,
		.dir = TCX_DIR_INGRESS,
		.prog = self->prog[0],
	};

	budget_sweep(&self->cg, &c, r);
}

/* The first program of a hook: the hook, its counters, netfilter's. */
TEST_F(faults, attach_new_hook_nomem)
{
	memcg_fixture(_metadata, self);
	run_child(_metadata, self, sweep_new_hook);
	expect_sweep(_metadata, self->shared, "attach to a new hook");
	expect_released(_metadata, self);
}

static void sweep_link_new_hook(FIXTURE_DATA(faults) *self, int *r)
{
	struct call c = {
		.ifindex = self->veth,
		.dir = TCX_DIR_EGRESS,
		.prog = self->prog[1],
		.link = true,
	};

	budget_sweep(&self->cg, &c, r);
}

/* A link on a new hook: the link, its file, and the hook. */
TEST_F(faults, link_create_new_hook_nomem)
{
	memcg_fixture(_metadata, self);
	run_child(_metadata, self, sweep_link_new_hook);
	expect_sweep(_metadata, self->shared, "link create on a new hook");
	expect_released(_metadata, self);
}

static void sweep_link_existing_hook(FIXTURE_DATA(faults) *self, int *r)
{
	struct call c = {
		.ifindex = LO_IFINDEX,
		.dir = TCX_DIR_INGRESS,
		.prog = self->prog[2],
		.link = true,
	};

	budget_sweep(&self->cg, &c, r);
}

/* A link on a hook that has programs: the link and its file only. */
TEST_F(faults, link_create_existing_hook_nomem)
{
	memcg_fixture(_metadata, self);
	ASSERT_EQ(0, tcx_prog_attach(LO_IFINDEX, TCX_DIR_INGRESS,
				     self->prog[0], NULL));
	run_child(_metadata, self, sweep_link_existing_hook);
	expect_sweep(_metadata, self->shared, "link create on a live hook");
	ASSERT_EQ(0, tcx_prog_detach(LO_IFINDEX, TCX_DIR_INGRESS,
				     self->prog[0], NULL));
	expect_released(_metadata, self);
}

struct noalloc {
	FIXTURE_DATA(faults) *self;
	int link;
	int step;
};

/* The calls that must not need memory, one per step. */
static int noalloc_call(void *arg)
{
	LIBTCX_OPTS(tcx_opts, rep, .flags = TCX_F_REPLACE);
	struct noalloc *n = arg;
	FIXTURE_DATA(faults) *self = n->self;

	switch (n->step) {
	case 0:		/* insert into a live hook */
		return tcx_prog_attach(self->veth, TCX_DIR_INGRESS,
				       self->prog[2], NULL);
	case 1:		/* replace in place */
		rep.replace_prog_fd = self->prog[2];
		return tcx_prog_attach(self->veth, TCX_DIR_INGRESS,
				       self->prog[3], &rep);
	case 2:
		return tcx_link_update(n->link, self->prog[4], NULL);
	case 3:
		return tcx_prog_detach(self->veth, TCX_DIR_INGRESS,
				       self->prog[3], NULL);
	case 4:
		return tcx_link_detach(n->link);
	case 5:		/* the last program: the hook goes */
		return tcx_prog_detach(self->veth, TCX_DIR_INGRESS,
				       self->prog[0], NULL);
	default:	/* a link's release, on its last close */
		return close(n->link) ? -errno : 0;
	}
}

static void noalloc_child(FIXTURE_DATA(faults) *self, int *r)
{
	struct noalloc n = { .self = self };
	int step, ret, fd;

	if (tcx_prog_attach(self->veth, TCX_DIR_INGRESS, self->prog[0], NULL))
		goto setup;
	n.link = tcx_link_create(self->veth, TCX_DIR_INGRESS, self->prog[1],
				 NULL);
	if (n.link < 0)
		goto setup;
	for (step = 0; step < 6; step++) {
		n.step = step;
		if (memcg_call(&self->cg, 0, noalloc_call, &n, &ret))
			goto setup;
		if (ret)
			r[R_NOALLOC] |= 1 << step;
	}
	/* And a release: a second link, closed with no memory. */
	if (tcx_prog_attach(self->veth, TCX_DIR_EGRESS, self->prog[0], NULL))
		goto setup;
	fd = tcx_link_create(self->veth, TCX_DIR_EGRESS, self->prog[5], NULL);
	if (fd < 0)
		goto setup;
	close(n.link);
	n.link = fd;
	n.step = 6;
	if (memcg_call(&self->cg, 0, noalloc_call, &n, &ret))
		goto setup;
	if (ret)
		r[R_NOALLOC] |= 1 << 6;
	if (tcx_prog_detach(self->veth, TCX_DIR_EGRESS, self->prog[0], NULL))
		goto setup;
	return;
setup:
	r[R_SETUP]++;
}

/* Without any memory left, everything but creating still works. */
TEST_F(faults, no_memory_needed)
{
	struct hook_state s;

	memcg_fixture(_metadata, self);
	run_child(_metadata, self, noalloc_child);
	EXPECT_EQ(0, self->shared[R_NOALLOC])
		TH_LOG("steps that failed without memory: %#x",
		       self->shared[R_NOALLOC]);
	hook_get(self->veth, TCX_DIR_INGRESS, &s);
	EXPECT_EQ(0U, s.count);
	expect_released(_metadata, self);
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

/* After all those failures tcx.ko holds nothing: it unloads, and is back. */
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
