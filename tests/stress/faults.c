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
 *    struct file.  For each attempt a child moves into a fresh cgroup
 *    limited to the fewest pages the call works with (one on Debian's
 *    kernel), uses up K x 72 bytes of them with SysV messages (each a
 *    64-byte kmalloc, charged to the cgroup), makes the call and moves
 *    out.  Slab objects are charged byte by byte against those pages, so
 *    as K grows the call runs out of memory at an earlier and earlier
 *    allocation: sweeping K makes each allocation on the path fail in
 *    turn, in the order the module makes them (return probes tell which
 *    one failed; a kernel without kprobe events, or whose functions cannot
 *    be probed, makes the test a SKIP).  The child is unkillable by
 *    the OOM killer (oom_score_adj -1000), stays on one CPU (the charge
 *    cache is per CPU) and has its memory locked, so a charge that does
 *    not fit fails with ENOMEM instead of killing or stalling it.
 *  - A full fd table (RLIMIT_NOFILE): link create and get-fd-by-id fail at
 *    get_unused_fd_flags() with EMFILE.
 *
 * And, on a kernel with fault injection (the debug kernel of
 * tests/stress/debug-kernel; these tests skip elsewhere), the kernel's own
 * way: /proc/thread-self/fail-nth fails the Nth slab or page allocation of
 * the calling thread, whatever its GFP flags, so sweeping N fails every
 * allocation the call makes, charged to a cgroup or not, in tcx.ko or
 * below it, one after the other, until the call makes fewer than N.
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
#include <sched.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/magic.h>

#include "reliability.h"

#define NPROGS		6
#define MAX_PAGES	8	/* the most a call may need */
#define BALLAST_PER_PAGE 57	/* 72-byte messages: all but the last of a page */
#define CGROOT		"/sys/fs/cgroup"
/* Seconds per test: a few on Debian's kernel, minutes on a KASAN one. */
#define FAULTS_TIMEOUT	900

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
	int root_procs;		/* the root cgroup's cgroup.procs */
	int attempts;		/* cgroups made so far */
};

static int write_str(int fd, const char *s)
{
	ssize_t n = pwrite(fd, s, strlen(s), 0);

	return n == (ssize_t)strlen(s) ? 0 : -errno;
}

/* A fresh open, and write(): tracefs files cannot pwrite(). */
static int write_path(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		ret = -errno;
	close(fd);
	return ret;
}

/*
 * The memory controller, in a mount namespace of the test's own (the VM
 * does not mount cgroup2).  -EOPNOTSUPP: there is none.  The mount
 * namespace is the test process's: tracefs is mounted in it too.
 */
static int memcg_setup(struct memcg *m)
{
	char ctl[256] = "";
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
	m->root_procs = open(CGROOT "/cgroup.procs", O_WRONLY | O_CLOEXEC);
	return m->root_procs < 0 ? -errno : 0;
}

static void memcg_teardown(struct memcg *m)
{
	close(m->root_procs);
}

/* Grow the stack now: a page fault in the cgroup could not be charged. */
static void __attribute__((noinline)) prefault_stack(void)
{
	volatile char buf[256 * 1024];
	size_t i;

	for (i = 0; i < sizeof(buf); i += 4096)
		buf[i] = 0;
}

/*
 * In the child: one CPU, locked memory, no OOM kill, libtcx's fd open
 * already.
 */
static int memcg_child_prepare(void)
{
	cpu_set_t cpus;

	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	if (sched_setaffinity(0, sizeof(cpus), &cpus))
		return -errno;
	prefault_stack();
	if (mlockall(MCL_CURRENT | MCL_FUTURE))
		return -errno;
	if (write_path("/proc/self/oom_score_adj", "-1000"))
		return -errno;
	return tcx_dev_fd() < 0 ? -ENODEV : 0;
}

struct ballast_msg {
	long mtype;
	char mtext[16];		/* with the header, a 64-byte kmalloc */
};

/*
 * One attempt: into a fresh cgroup limited to PAGES pages, BALLAST
 * messages to eat into them, the call, out again.  Between moving in and
 * out only syscalls on fds opened before happen.
 */
static int memcg_call(struct memcg *m, int pages, int ballast,
		      int (*fn)(void *arg), void *arg, int *ret)
{
	struct ballast_msg msg = { .mtype = 1 };
	char dir[96], path[128], max[32];
	int procs = -1, maxfd = -1, msq, i, err = 0;

	snprintf(dir, sizeof(dir), CGROOT "/tcx-faults-%d-%d", getpid(),
		 m->attempts++);
	if (mkdir(dir, 0755))
		return -errno;
	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	procs = open(path, O_WRONLY | O_CLOEXEC);
	snprintf(path, sizeof(path), "%s/memory.max", dir);
	maxfd = open(path, O_WRONLY | O_CLOEXEC);
	msq = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	snprintf(max, sizeof(max), "%d", pages * 4096);
	if (procs < 0 || maxfd < 0 || msq < 0 || write_str(maxfd, max) ||
	    write_str(procs, "0")) {
		err = -errno;
		goto out;
	}
	for (i = 0; i < ballast; i++)
		if (msgsnd(msq, &msg, sizeof(msg.mtext), IPC_NOWAIT))
			break;
	*ret = fn(arg);
	if (write_str(m->root_procs, "0"))
		err = -errno;
out:
	if (msq >= 0)
		msgctl(msq, IPC_RMID, NULL);
	close(procs);
	close(maxfd);
	rmdir(dir);
	return err;
}
/* ---- where a call failed: kretprobes ------------------------------ */

#define TRACEFS		"/sys/kernel/tracing"

/*
 * Failure points, told apart by return probes on the functions around
 * each allocation: kmalloc_trace() (the link, the hook), the link's file,
 * tcx_hook_init() (per-CPU counters), tcx_hook_enable() (netfilter's hook
 * entries).
 */
enum fail_point {
	FP_LINK,
	FP_FILE,
	FP_HOOK,
	FP_COUNTERS,
	FP_NETFILTER,
	FP_OTHER,
	FP_MAX
};

static const char *const fp_names[FP_MAX] = {
	[FP_LINK]	= "link",
	[FP_FILE]	= "link file",
	[FP_HOOK]	= "hook",
	[FP_COUNTERS]	= "per-CPU counters",
	[FP_NETFILTER]	= "netfilter hook",
	[FP_OTHER]	= "elsewhere",
};

static const char *const probe_defs[] = {
	"r:tcxf/kmalloc kmalloc_trace ret=$retval:x64",
	"r:tcxf/getfile anon_inode_getfile ret=$retval:x64",
	"r:tcxf/hook_init tcx:tcx_hook_init ret=$retval:s32",
	"r:tcxf/hook_enable tcx:tcx_hook_enable ret=$retval:s32",
};

/*
 * Why the probes are not there: what could not be had, the error, and
 * whether that is ours to provide (tracefs, which the VM always has; the
 * probes on tcx.ko's own functions) or the kernel's (kprobe events, the
 * kernel functions probed), which makes the test a SKIP.
 */
struct probes {
	int err;
	const char *what;
	bool ours;
};

static void probes_remove(void)
{
	write_path(TRACEFS "/events/tcxf/enable", "0");
	write_path(TRACEFS "/kprobe_events", "-:tcxf/kmalloc");
	write_path(TRACEFS "/kprobe_events", "-:tcxf/getfile");
	write_path(TRACEFS "/kprobe_events", "-:tcxf/hook_init");
	write_path(TRACEFS "/kprobe_events", "-:tcxf/hook_enable");
}

static bool probes_fail(struct probes *p, int err, const char *what,
			bool ours)
{
	p->err = err;
	p->what = what;
	p->ours = ours;
	probes_remove();
	return false;
}

/*
 * Probes for PID's calls, with tracefs mounted first if it is not (in the
 * test's own mount namespace); false and the reason in P if not.
 */
static bool probes_add(pid_t pid, struct probes *p)
{
	char filter[32];
	struct statfs sfs;
	int fd, i, err;

	if ((statfs(TRACEFS, &sfs) || sfs.f_type != TRACEFS_MAGIC) &&
	    mount("nodev", TRACEFS, "tracefs", 0, NULL))
		return probes_fail(p, -errno, "tracefs", true);
	probes_remove();
	fd = open(TRACEFS "/kprobe_events", O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0)
		return probes_fail(p, -errno, "kprobe events", false);
	for (i = 0; i < (int)ARRAY_SIZE(probe_defs); i++) {
		if (write(fd, probe_defs[i], strlen(probe_defs[i])) < 0) {
			err = -errno;
			close(fd);
			return probes_fail(p, err, probe_defs[i],
					   strstr(probe_defs[i], " tcx:"));
		}
	}
	close(fd);
	snprintf(filter, sizeof(filter), "common_pid == %d", pid);
	err = write_path(TRACEFS "/events/tcxf/filter", filter) ?:
	      write_path(TRACEFS "/events/tcxf/enable", "1");
	if (err)
		return probes_fail(p, err, "the tcxf events", true);
	p->err = 0;
	return true;
}

static void trace_clear(void)
{
	int fd = open(TRACEFS "/trace", O_WRONLY | O_TRUNC | O_CLOEXEC);

	if (fd >= 0)
		close(fd);
}

/* The first allocation that failed, from the trace of one call. */
static enum fail_point trace_fail_point(bool link)
{
	char line[512], *r;
	bool file_done = false;
	FILE *f;
	long long v;
	int fp = FP_OTHER;

	f = fopen(TRACEFS "/trace", "re");
	if (!f)
		return FP_OTHER;
	while (fp == FP_OTHER && fgets(line, sizeof(line), f)) {
		r = strstr(line, "ret=");
		if (line[0] == '#' || !r)
			continue;
		v = strtoull(r + 4, NULL, 0);
		if (strstr(line, " kmalloc:")) {
			if (!v)
				fp = link && !file_done ? FP_LINK : FP_HOOK;
		} else if (strstr(line, " getfile:")) {
			if ((unsigned long long)v >= -4095ULL)
				fp = FP_FILE;
			file_done = true;
		} else if (strstr(line, " hook_init:")) {
			if ((int)v < 0)
				fp = FP_COUNTERS;
		} else if (strstr(line, " hook_enable:")) {
			if ((int)v < 0)
				fp = FP_NETFILTER;
		}
	}
	fclose(f);
	return fp;
}

/* ---- the kernel's fault injection: fail-nth ---------------------- */

#define DEBUGFS		"/sys/kernel/debug"
/* More than any call here makes, debug kernels' own allocations included. */
#define FAILNTH_MAX	500

/*
 * fail-nth decides before the attributes' probability and task filter,
 * but after "ignore-gfp-wait", which by default spares every allocation
 * that may sleep: that is every allocation on our paths.  "verbose" would
 * dump a stack for each failure into the kernel log.
 */
static const char *const failnth_knobs[][2] = {
	{ DEBUGFS "/failslab/ignore-gfp-wait", "N" },
	{ DEBUGFS "/failslab/verbose", "0" },
	{ DEBUGFS "/fail_page_alloc/ignore-gfp-wait", "N" },
	{ DEBUGFS "/fail_page_alloc/verbose", "0" },
};

#define FAILNTH_NKNOBS	ARRAY_SIZE(failnth_knobs)

struct failnth {
	int fd;				/* /proc/thread-self/fail-nth */
	char saved[FAILNTH_NKNOBS][16];
	bool set;
};

static int read_path(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* -EOPNOTSUPP: this kernel has no fault injection. */
static int failnth_setup(struct failnth *f)
{
	unsigned int i;
	int ret;

	f->fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	if (f->fd < 0)
		return errno == ENOENT ? -EOPNOTSUPP : -errno;
	for (i = 0; i < FAILNTH_NKNOBS; i++) {
		ret = read_path(failnth_knobs[i][0], f->saved[i],
				sizeof(f->saved[i]));
		if (ret)
			return ret == -ENOENT ? -EOPNOTSUPP : ret;
	}
	f->set = true;
	for (i = 0; i < FAILNTH_NKNOBS; i++) {
		ret = write_path(failnth_knobs[i][0], failnth_knobs[i][1]);
		if (ret)
			return ret;
	}
	return 0;
}

static void failnth_teardown(struct failnth *f)
{
	unsigned int i;

	if (f->set)
		for (i = 0; i < FAILNTH_NKNOBS; i++)
			write_path(failnth_knobs[i][0], f->saved[i]);
	if (f->fd >= 0)
		close(f->fd);
}

static int failnth_set(struct failnth *f, int n)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%d", n);
	return write_str(f->fd, buf);
}

/* 0: the failure was made; N > 0: N - 1 allocations short of it. */
static int failnth_left(struct failnth *f)
{
	char buf[16];
	ssize_t n = pread(f->fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return atoi(buf);
}

/* ---- the fixture --------------------------------------------------- */

FIXTURE(faults) {
	int prog[NPROGS];
	__u32 id[NPROGS];
	int veth;		/* fa's ifindex */
	long refcnt;
	struct memcg cg;
	bool have_cg;
	struct probes probes;
	struct failnth fn;
	int *shared;		/* results from the memcg child */
};

FIXTURE_SETUP(faults)
{
	int i;

	/* The harness's test process ends with _exit(): no buffered output. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	self->fn.fd = -1;
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
}

FIXTURE_TEARDOWN(faults)
{
	if (self->have_cg)
		memcg_teardown(&self->cg);
	failnth_teardown(&self->fn);
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
TEST_F_TIMEOUT(faults, fd_table_full, FAULTS_TIMEOUT)
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
	R_WORKED,		/* calls that worked */
	R_FIRST_FAIL,		/* the smallest ballast that made it fail */
	R_WRONG,		/* calls that failed otherwise */
	R_CHANGED,		/* failed calls that changed the hook */
	R_FD_LEFT,		/* failed calls that left an fd */
	R_SETUP,		/* the child's own trouble */
	R_NOALLOC,		/* calls without allocation that failed */
	R_PAGES,		/* the fewest pages the call worked with */
	R_TRACED,		/* failure points known (kretprobes) */
	R_POINT,		/* R_POINT + enum fail_point: failures there */
	R_MAX = R_POINT + FP_MAX
};

/* One attempt of call C, checked, and undone if it worked: did it? */
static bool attempt(struct memcg *m, struct call *c, int pages, int ballast,
		    int *r)
{
	struct hook_state s0, s1;
	int probe, ret = 0;

	hook_get(c->ifindex, c->dir, &s0);
	probe = next_fd();
	if (r[R_TRACED])
		trace_clear();
	if (memcg_call(m, pages, ballast, do_call, c, &ret)) {
		r[R_SETUP]++;
		return false;
	}
	hook_get(c->ifindex, c->dir, &s1);
	if (ret < 0) {
		if (ret == -ENOMEM)
			r[R_FAILED]++;
		else
			r[R_WRONG]++;
		if (r[R_TRACED])
			r[R_POINT + trace_fail_point(c->link)]++;
		if (r[R_FIRST_FAIL] < 0 && ballast)
			r[R_FIRST_FAIL] = ballast;
		if (!hook_same(&s0, &s1))
			r[R_CHANGED]++;
		if (fcntl(probe, F_GETFD) >= 0)
			r[R_FD_LEFT]++;
		return false;
	}
	r[R_WORKED]++;
	/* It worked: exactly one more program on the hook. */
	if (s1.count != s0.count + 1 || s1.rev != (s0.count ? s0.rev : 1) + 1)
		r[R_CHANGED]++;
	if (c->link)
		close(ret);
	else if (tcx_prog_detach(c->ifindex, c->dir, c->prog, NULL))
		r[R_SETUP]++;
	return true;
}

/*
 * In a child: call C with no memory at all, then with the fewest pages it
 * works with (one on Debian's kernel; KASAN's padding needs more), eaten
 * into by 1, 2, 3... ballast messages until nothing is left, and with
 * plenty.
 */
static void ballast_sweep(struct memcg *m, struct call *c, int *r)
{
	int pages, k;

	while (!__atomic_load_n(&r[R_MAX], __ATOMIC_ACQUIRE))
		rel_msleep(1);
	r[R_FIRST_FAIL] = -1;
	attempt(m, c, 0, 0, r);
	for (pages = 1; pages <= MAX_PAGES; pages++)
		if (attempt(m, c, pages, 0, r))
			break;
	r[R_PAGES] = pages;
	for (k = 1; pages <= MAX_PAGES && k <= pages * BALLAST_PER_PAGE; k++)
		attempt(m, c, pages, k, r);
	attempt(m, c, 64, 0, r);
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
	self->shared[R_TRACED] = probes_add(pid, &self->probes);
	/* The child waits for the probes: it starts on the flag below. */
	__atomic_store_n(&self->shared[R_MAX], 1, __ATOMIC_RELEASE);
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	if (self->shared[R_TRACED])
		probes_remove();
	ASSERT_TRUE(WIFEXITED(st) && !WEXITSTATUS(st));
	ASSERT_EQ(0, self->shared[R_SETUP]);
}

/*
 * False: the test has failed and must return.  Debian's kernels, the
 * debug one included, have the memory controller: without it this fails.
 */
static bool memcg_fixture(struct __test_metadata *_metadata,
			  FIXTURE_DATA(faults) *self)
{
	int ret = memcg_setup(&self->cg);

	EXPECT_EQ(0, ret) TH_LOG("memory cgroup: %s",
				 ret == -EOPNOTSUPP ? "no memory controller" :
				 strerror(-ret));
	self->have_cg = !ret;
	return !ret;
}

/*
 * The last word of a test that swept with probes: a failure when what was
 * missing is ours to provide, a SKIP when it is the kernel's and nothing
 * failed (a SKIP would hide a failure), since the failure points were not
 * told apart.
 */
static void probes_verdict(struct __test_metadata *_metadata,
			   FIXTURE_DATA(faults) *self)
{
	const struct probes *p = &self->probes;

	if (!p->err)
		return;
	if (p->ours) {
		EXPECT_EQ(0, p->err) TH_LOG("no return probes: %s: %s",
					    p->what, strerror(-p->err));
	} else if (_metadata->passed) {
		SKIP(return, "failure points not told apart: %s: %s",
		     p->what, strerror(-p->err));
	}
}

/*
 * EXPECTED: the failure points the call has, in order.  Each of them must
 * have failed at least once, when the probes could tell.
 */
static void expect_sweep(struct __test_metadata *_metadata, const int *r,
			 const char *what, const int *expected, int nexpected)
{
	char line[256];
	size_t off = 0;
	int i;

	if (r[R_TRACED]) {
		for (i = 0; i < FP_MAX; i++)
			if (r[R_POINT + i])
				off += snprintf(line + off, sizeof(line) - off,
						"%s%s %d", off ? ", " : "",
						fp_names[i], r[R_POINT + i]);
		printf("# %s: ENOMEM in: %s\n", what, off ? line : "-");
		EXPECT_EQ(0, r[R_POINT + FP_OTHER]);
	}
	/*
	 * A charge that needs a page of its own cannot be made to fail byte
	 * by byte: once one allocation needs more than the page the others
	 * share (KASAN's padding makes the hook one), not every later one can
	 * be reached.  On a kernel where the whole call fits in a page, every
	 * allocation must have failed once.
	 */
	if (r[R_TRACED] && r[R_PAGES] == 1) {
		for (i = 0; i < nexpected; i++) {
			EXPECT_LT(0, r[R_POINT + expected[i]])
				TH_LOG("%s: no failure in the %s allocation",
				       what, fp_names[expected[i]]);
		}
	}
	printf("# %s: %d calls worked, %d failed with ENOMEM (it needs %d page(s); from %d x 72 bytes of ballast on)\n",
	       what, r[R_WORKED], r[R_FAILED], r[R_PAGES], r[R_FIRST_FAIL]);
	EXPECT_GE(MAX_PAGES, r[R_PAGES]) TH_LOG("%s needs too much", what);
	/* Failures at more than the first allocation, and success. */
	EXPECT_LT(1, r[R_FAILED]) TH_LOG("%s never ran out of memory", what);
	EXPECT_LT(0, r[R_WORKED]) TH_LOG("%s never worked", what);
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

	ballast_sweep(&self->cg, &c, r);
}

/* The first program of a hook: the hook, its counters, netfilter's. */
TEST_F_TIMEOUT(faults, attach_new_hook_nomem, FAULTS_TIMEOUT)
{
	if (!memcg_fixture(_metadata, self))
		return;
	run_child(_metadata, self, sweep_new_hook);
	expect_sweep(_metadata, self->shared, "attach to a new hook",
		     (const int[]){ FP_HOOK, FP_COUNTERS, FP_NETFILTER }, 3);
	expect_released(_metadata, self);
	probes_verdict(_metadata, self);
}

static void sweep_link_new_hook(FIXTURE_DATA(faults) *self, int *r)
{
	struct call c = {
		.ifindex = self->veth,
		.dir = TCX_DIR_EGRESS,
		.prog = self->prog[1],
		.link = true,
	};

	ballast_sweep(&self->cg, &c, r);
}

/* A link on a new hook: the link, its file, and the hook. */
TEST_F_TIMEOUT(faults, link_create_new_hook_nomem, FAULTS_TIMEOUT)
{
	if (!memcg_fixture(_metadata, self))
		return;
	run_child(_metadata, self, sweep_link_new_hook);
	expect_sweep(_metadata, self->shared, "link create on a new hook",
		     (const int[]){ FP_LINK, FP_FILE, FP_HOOK, FP_COUNTERS,
				    FP_NETFILTER }, 5);
	expect_released(_metadata, self);
	probes_verdict(_metadata, self);
}

static void sweep_link_existing_hook(FIXTURE_DATA(faults) *self, int *r)
{
	struct call c = {
		.ifindex = LO_IFINDEX,
		.dir = TCX_DIR_INGRESS,
		.prog = self->prog[2],
		.link = true,
	};

	ballast_sweep(&self->cg, &c, r);
}

/* A link on a hook that has programs: the link and its file only. */
TEST_F_TIMEOUT(faults, link_create_existing_hook_nomem, FAULTS_TIMEOUT)
{
	if (!memcg_fixture(_metadata, self))
		return;
	ASSERT_EQ(0, tcx_prog_attach(LO_IFINDEX, TCX_DIR_INGRESS,
				     self->prog[0], NULL));
	run_child(_metadata, self, sweep_link_existing_hook);
	expect_sweep(_metadata, self->shared, "link create on a live hook",
		     (const int[]){ FP_LINK, FP_FILE }, 2);
	ASSERT_EQ(0, tcx_prog_detach(LO_IFINDEX, TCX_DIR_INGRESS,
				     self->prog[0], NULL));
	expect_released(_metadata, self);
	probes_verdict(_metadata, self);
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

/* Makes call N under the test's condition; nonzero: that did not work. */
typedef int (*noalloc_runner)(FIXTURE_DATA(faults) *self, struct noalloc *n,
			      int *ret);

/*
 * Every call of noalloc_call() under RUN: the steps that failed as a bit
 * mask, or -1 when setting them up did not work.
 */
static int noalloc_steps(FIXTURE_DATA(faults) *self, noalloc_runner run)
{
	struct noalloc n = { .self = self };
	int step, ret, fd, failed = 0;

	if (tcx_prog_attach(self->veth, TCX_DIR_INGRESS, self->prog[0], NULL))
		return -1;
	n.link = tcx_link_create(self->veth, TCX_DIR_INGRESS, self->prog[1],
				 NULL);
	if (n.link < 0)
		return -1;
	for (step = 0; step < 6; step++) {
		n.step = step;
		if (run(self, &n, &ret))
			return -1;
		if (ret)
			failed |= 1 << step;
	}
	/* And a release: a second link, closed under RUN. */
	if (tcx_prog_attach(self->veth, TCX_DIR_EGRESS, self->prog[0], NULL))
		return -1;
	fd = tcx_link_create(self->veth, TCX_DIR_EGRESS, self->prog[5], NULL);
	if (fd < 0)
		return -1;
	close(n.link);
	n.link = fd;
	n.step = 6;
	if (run(self, &n, &ret))
		return -1;
	if (ret)
		failed |= 1 << 6;
	if (tcx_prog_detach(self->veth, TCX_DIR_EGRESS, self->prog[0], NULL))
		return -1;
	return failed;
}

static int noalloc_memcg(FIXTURE_DATA(faults) *self, struct noalloc *n,
			 int *ret)
{
	return memcg_call(&self->cg, 0, 0, noalloc_call, n, ret);
}

static void noalloc_child(FIXTURE_DATA(faults) *self, int *r)
{
	int failed = noalloc_steps(self, noalloc_memcg);

	if (failed < 0)
		r[R_SETUP]++;
	else
		r[R_NOALLOC] = failed;
}

/* Without any memory left, everything but creating still works. */
TEST_F_TIMEOUT(faults, no_memory_needed, FAULTS_TIMEOUT)
{
	struct hook_state s;

	if (!memcg_fixture(_metadata, self))
		return;
	run_child(_metadata, self, noalloc_child);
	EXPECT_EQ(0, self->shared[R_NOALLOC])
		TH_LOG("steps that failed without memory: %#x",
		       self->shared[R_NOALLOC]);
	hook_get(self->veth, TCX_DIR_INGRESS, &s);
	EXPECT_EQ(0U, s.count);
	expect_released(_metadata, self);
}

/* ---- fail-nth ------------------------------------------------------ */

/* False: the test is skipped or has failed, and must return. */
static bool failnth_fixture(struct __test_metadata *_metadata,
			    FIXTURE_DATA(faults) *self)
{
	int ret = failnth_setup(&self->fn);

	if (ret == -EOPNOTSUPP)
		SKIP(return false, "no fault injection in this kernel (CONFIG_FAULT_INJECTION, FAILSLAB)");
	EXPECT_EQ(0, ret) TH_LOG("fault injection: %s", strerror(-ret));
	return !ret;
}

/* A call that worked: exactly one more program; undone. */
static void expect_one_more(struct __test_metadata *_metadata,
			    const struct call *c, const struct hook_state *s0,
			    int ret)
{
	struct hook_state s1;

	hook_get(c->ifindex, c->dir, &s1);
	EXPECT_EQ(s0->count + 1, s1.count);
	EXPECT_EQ((s0->count ? s0->rev : 1) + 1, s1.rev);
	if (c->link) {
		EXPECT_EQ(0, close(ret));
	} else {
		EXPECT_EQ(0, tcx_prog_detach(c->ifindex, c->dir, c->prog,
					     NULL));
	}
}

/*
 * Call C with its 1st, 2nd, 3rd... allocation failing, until it makes
 * fewer allocations than that and so has to work.  A failed call leaves
 * the hook as it was and no fd; a call may also work in spite of a failure
 * (an allocation with a fallback, or one of the debug kernel's own).
 */
static void failnth_sweep(struct __test_metadata *_metadata,
			  FIXTURE_DATA(faults) *self, const struct call *c,
			  const char *what)
{
	struct hook_state s0, s1;
	int n, ret, left, probe, failed = 0, survived = 0;

	for (n = 1; n <= FAILNTH_MAX; n++) {
		hook_get(c->ifindex, c->dir, &s0);
		probe = next_fd();
		ASSERT_EQ(0, failnth_set(&self->fn, n));
		ret = do_call((void *)c);
		left = failnth_left(&self->fn);
		ASSERT_EQ(0, failnth_set(&self->fn, 0));
		ASSERT_LE(0, left);
		if (left) {
			/* Fewer than N allocations: nothing failed. */
			ASSERT_LE(0, ret) TH_LOG("%s failed with no allocation failing: %s",
						 what, strerror(-ret));
			expect_one_more(_metadata, c, &s0, ret);
			break;
		}
		if (ret >= 0) {
			survived++;
			expect_one_more(_metadata, c, &s0, ret);
			continue;
		}
		failed++;
		hook_get(c->ifindex, c->dir, &s1);
		EXPECT_EQ(-ENOMEM, ret)
			TH_LOG("%s with allocation %d failing: %s", what, n,
			       strerror(-ret));
		EXPECT_TRUE(hook_same(&s0, &s1))
			TH_LOG("%s with allocation %d failing changed the hook",
			       what, n);
		EXPECT_EQ(-1, fcntl(probe, F_GETFD))
			TH_LOG("%s with allocation %d failing left an fd",
			       what, n);
	}
	printf("# %s: %d allocations; with one of them failing the call failed %d times (ENOMEM), worked %d times\n",
	       what, n - 1, failed, survived);
	EXPECT_GE(FAILNTH_MAX, n) TH_LOG("%s never stopped allocating", what);
	EXPECT_LT(0, failed) TH_LOG("%s never failed", what);
}

/* The first program of a hook, with each allocation failing in turn. */
TEST_F_TIMEOUT(faults, attach_new_hook_failnth, FAULTS_TIMEOUT)
{
	struct call c = {
		.ifindex = self->veth,
		.dir = TCX_DIR_INGRESS,
		.prog = self->prog[0],
	};

	if (!failnth_fixture(_metadata, self))
		return;
	failnth_sweep(_metadata, self, &c, "attach to a new hook");
	expect_released(_metadata, self);
}

/* A link on a new hook, and on a live one. */
TEST_F_TIMEOUT(faults, link_create_failnth, FAULTS_TIMEOUT)
{
	struct call c = {
		.ifindex = self->veth,
		.dir = TCX_DIR_EGRESS,
		.prog = self->prog[1],
		.link = true,
	};

	if (!failnth_fixture(_metadata, self))
		return;
	failnth_sweep(_metadata, self, &c, "link create on a new hook");
	ASSERT_EQ(0, tcx_prog_attach(self->veth, TCX_DIR_EGRESS,
				     self->prog[0], NULL));
	failnth_sweep(_metadata, self, &c, "link create on a live hook");
	ASSERT_EQ(0, tcx_prog_detach(self->veth, TCX_DIR_EGRESS,
				     self->prog[0], NULL));
	expect_released(_metadata, self);
}

/* The first allocation the call makes fails. */
static int noalloc_failnth(FIXTURE_DATA(faults) *self, struct noalloc *n,
			   int *ret)
{
	if (failnth_set(&self->fn, 1))
		return -1;
	*ret = noalloc_call(n);
	return failnth_set(&self->fn, 0);
}

/*
 * What must not allocate, with the first allocation failing: each call
 * works all the same.
 */
TEST_F_TIMEOUT(faults, no_allocation_failnth, FAULTS_TIMEOUT)
{
	int failed;

	if (!failnth_fixture(_metadata, self))
		return;
	failed = noalloc_steps(self, noalloc_failnth);
	ASSERT_LE(0, failed);
	EXPECT_EQ(0, failed)
		TH_LOG("steps that failed with an allocation failing: %#x",
		       failed);
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
