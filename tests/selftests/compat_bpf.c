// SPDX-License-Identifier: GPL-2.0
/*
 * bpf() for tcx, as Linux 6.6+ answers it: raw BPF_PROG_ATTACH/DETACH/
 * QUERY, BPF_LINK_* and BPF_OBJ_* calls with upstream's attr layouts
 * (the 6.12 <linux/bpf.h>).  The binary re-executes itself under the
 * compatibility layer first: compat_preload with LD_PRELOAD of
 * libtcx-compat.so, compat_supervised under tcx-compat run.  On 6.1 the
 * layer serves the calls from tcx-dkms; on 6.12 it must step aside, and
 * the kernel's own tcx answers: that run is the control.  The same
 * expectations hold on both kernels unless a test says otherwise.
 */
#include "tcx_test.h"

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <linux/capability.h>

#ifndef TCX_COMPAT_VIA
#error "build with -DTCX_COMPAT_VIA=\"preload\" or \"supervised\""
#endif

#define ATTR_SIZE	sizeof(union bpf_attr)
#define PIN_DIR		"/sys/fs/bpf/tcx-compat-test"
#define ID_BASE		0x80000000U

/* 6.6 and later have tcx: there the calls go to the kernel itself. */
static bool kernel_native(void)
{
	struct utsname u;
	int major = 0, minor = 0;

	uname(&u);
	sscanf(u.release, "%d.%d", &major, &minor);
	return major > 6 || (major == 6 && minor >= 6);
}

static long sys_bpf(int cmd, union bpf_attr *attr, unsigned int size)
{
	long ret = syscall(__NR_bpf, cmd, attr, size);

	return ret < 0 ? -errno : ret;
}

static int prog_attach(int ifindex, int type, int prog_fd, __u32 flags,
		       __u32 rel, int replace_fd, __u64 revision)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.target_ifindex = ifindex;
	a.attach_type = type;
	a.attach_bpf_fd = prog_fd;
	a.attach_flags = flags;
	a.replace_bpf_fd = replace_fd;
	a.relative_fd = rel;
	a.expected_revision = revision;
	return sys_bpf(BPF_PROG_ATTACH, &a, ATTR_SIZE);
}

static int prog_detach(int ifindex, int type, int prog_fd, __u32 flags,
		       __u32 rel)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.target_ifindex = ifindex;
	a.attach_type = type;
	a.attach_bpf_fd = prog_fd;
	a.attach_flags = flags;
	a.relative_fd = rel;
	return sys_bpf(BPF_PROG_DETACH, &a, ATTR_SIZE);
}

struct query {
	__u32 count;
	__u64 revision;
	__u32 prog_ids[8];
	__u32 link_ids[8];
};

static int query(int ifindex, int type, struct query *q, __u32 capacity)
{
	union bpf_attr a;
	int ret;

	memset(&a, 0, sizeof(a));
	memset(q->prog_ids, 0, sizeof(q->prog_ids));
	memset(q->link_ids, 0, sizeof(q->link_ids));
	a.query.target_ifindex = ifindex;
	a.query.attach_type = type;
	a.query.count = capacity;
	if (capacity) {
		a.query.prog_ids = (unsigned long)q->prog_ids;
		a.query.link_ids = (unsigned long)q->link_ids;
	}
	ret = sys_bpf(BPF_PROG_QUERY, &a, ATTR_SIZE);
	q->count = a.query.count;
	q->revision = a.query.revision;
	return ret;
}

static int count(int ifindex, int type)
{
	struct query q;

	return query(ifindex, type, &q, 0) ?: (int)q.count;
}

static int link_create(int ifindex, int type, int prog_fd, __u32 flags,
		       __u32 rel)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.link_create.prog_fd = prog_fd;
	a.link_create.target_ifindex = ifindex;
	a.link_create.attach_type = type;
	a.link_create.flags = flags;
	a.link_create.tcx.relative_fd = rel;
	return sys_bpf(BPF_LINK_CREATE, &a, ATTR_SIZE);
}

static int link_info(int fd, struct bpf_link_info *info)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	memset(info, 0, sizeof(*info));
	a.info.bpf_fd = fd;
	a.info.info_len = sizeof(*info);
	a.info.info = (unsigned long)info;
	return sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a, ATTR_SIZE);
}

static int link_update(int fd, int new_fd, __u32 flags, int old_fd)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.link_update.link_fd = fd;
	a.link_update.new_prog_fd = new_fd;
	a.link_update.flags = flags;
	a.link_update.old_prog_fd = old_fd;
	return sys_bpf(BPF_LINK_UPDATE, &a, ATTR_SIZE);
}

static int link_detach(int fd)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.link_detach.link_fd = fd;
	return sys_bpf(BPF_LINK_DETACH, &a, ATTR_SIZE);
}

static int obj_pin(int fd, const char *path)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.pathname = (unsigned long)path;
	a.bpf_fd = fd;
	return sys_bpf(BPF_OBJ_PIN, &a, ATTR_SIZE);
}

static int obj_get(const char *path, __u32 flags)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.pathname = (unsigned long)path;
	a.file_flags = flags;
	return sys_bpf(BPF_OBJ_GET, &a, ATTR_SIZE);
}

/* Wait for a count that a release on another CPU or a worker brings. */
static int count_settles(int ifindex, int type, int want)
{
	const struct timespec pause = { .tv_nsec = 10 * 1000 * 1000 };
	int i, n = -1;

	for (i = 0; i < 300; i++) {
		n = count(ifindex, type);
		if (n == want)
			break;
		nanosleep(&pause, NULL);
	}
	return n;
}

FIXTURE(compat) {
	int p1, p2, p3;
	__u32 id1, id2, id3;
};

FIXTURE_SETUP(compat)
{
	tcx_test_hold_fd0();
	ASSERT_EQ(tcx_test_netns(), 0);
	ASSERT_EQ(tcx_run("ip link set lo up"), 0);
	self->p1 = tcx_load_dummy();
	self->p2 = tcx_load_dummy();
	self->p3 = tcx_load_dummy();
	ASSERT_GT(self->p1, 0);
	ASSERT_GT(self->p2, 0);
	ASSERT_GT(self->p3, 0);
	self->id1 = tcx_prog_id(self->p1);
	self->id2 = tcx_prog_id(self->p2);
	self->id3 = tcx_prog_id(self->p3);
}

FIXTURE_TEARDOWN(compat)
{
	close(self->p1);
	close(self->p2);
	close(self->p3);
}

/* Placement, revisions and the query's order, through bpf() alone. */
TEST_F(compat, attach_query_detach)
{
	struct query q;

	ASSERT_EQ(query(LO_IFINDEX, BPF_TCX_INGRESS, &q, 8), 0);
	EXPECT_EQ(q.count, 0U);
	EXPECT_EQ(q.revision, 1U);
	ASSERT_EQ(prog_attach(LO_IFINDEX, BPF_TCX_INGRESS, self->p1, 0, 0, 0, 1), 0);
	ASSERT_EQ(prog_attach(LO_IFINDEX, BPF_TCX_INGRESS, self->p2, 0, 0, 0, 1),
		  -ESTALE);
	ASSERT_EQ(prog_attach(LO_IFINDEX, BPF_TCX_INGRESS, self->p2,
			      BPF_F_BEFORE, self->p1, 0, 2), 0);
	ASSERT_EQ(prog_attach(LO_IFINDEX, BPF_TCX_INGRESS, self->p2, 0, 0, 0, 0),
		  -EEXIST);
	ASSERT_EQ(query(LO_IFINDEX, BPF_TCX_INGRESS, &q, 8), 0);
	EXPECT_EQ(q.count, 2U);
	EXPECT_EQ(q.revision, 3U);
	EXPECT_EQ(q.prog_ids[0], self->id2);
	EXPECT_EQ(q.prog_ids[1], self->id1);
	EXPECT_EQ(q.prog_ids[2], 0U);
	EXPECT_EQ(q.link_ids[0], 0U);
	EXPECT_EQ(count(LO_IFINDEX, BPF_TCX_EGRESS), 0);

	/* Positional: the first one. */
	ASSERT_EQ(prog_detach(LO_IFINDEX, BPF_TCX_INGRESS, 0, BPF_F_BEFORE, 0), 0);
	ASSERT_EQ(query(LO_IFINDEX, BPF_TCX_INGRESS, &q, 8), 0);
	EXPECT_EQ(q.count, 1U);
	EXPECT_EQ(q.prog_ids[0], self->id1);
	ASSERT_EQ(prog_detach(LO_IFINDEX, BPF_TCX_INGRESS, self->p1, 0, 0), 0);
	ASSERT_EQ(prog_detach(LO_IFINDEX, BPF_TCX_INGRESS, self->p1, 0, 0), -ENOENT);
	ASSERT_EQ(query(LO_IFINDEX, BPF_TCX_INGRESS, &q, 8), 0);
	EXPECT_EQ(q.count, 0U);
	EXPECT_EQ(q.revision, 1U);
}

/* Count-only and too-small queries, as bpf_mprog_query() answers them. */
TEST_F(compat, query_sizes)
{
	union bpf_attr a;
	__u32 ids[4] = { 0 };
	struct query q;

	ASSERT_EQ(prog_attach(LO_IFINDEX, BPF_TCX_EGRESS, self->p1, 0, 0, 0, 0), 0);
	ASSERT_EQ(prog_attach(LO_IFINDEX, BPF_TCX_EGRESS, self->p2, 0, 0, 0, 0), 0);
	ASSERT_EQ(prog_attach(LO_IFINDEX, BPF_TCX_EGRESS, self->p3, 0, 0, 0, 0), 0);

	ASSERT_EQ(query(LO_IFINDEX, BPF_TCX_EGRESS, &q, 0), 0);
	EXPECT_EQ(q.count, 3U);
	EXPECT_EQ(q.revision, 4U);

	memset(&a, 0, sizeof(a));
	a.query.target_ifindex = LO_IFINDEX;
	a.query.attach_type = BPF_TCX_EGRESS;
	a.query.prog_ids = (unsigned long)ids;
	a.query.count = 2;
	a.query.attach_flags = 0;
	ASSERT_EQ(sys_bpf(BPF_PROG_QUERY, &a, ATTR_SIZE), -ENOSPC);
	EXPECT_EQ(a.query.count, 3U);
	EXPECT_EQ(a.query.revision, 4U);
	EXPECT_EQ(ids[0], self->id1);
	EXPECT_EQ(ids[1], self->id2);
	EXPECT_EQ(ids[2], 0U);

	/* A count of 0 with an array: totals only, nothing written. */
	memset(ids, 0, sizeof(ids));
	a.query.count = 0;
	ASSERT_EQ(sys_bpf(BPF_PROG_QUERY, &a, ATTR_SIZE), 0);
	EXPECT_EQ(a.query.count, 3U);
	EXPECT_EQ(ids[0], 0U);

	a.query.count = 4;
	a.query.query_flags = BPF_F_QUERY_EFFECTIVE;
	EXPECT_EQ(sys_bpf(BPF_PROG_QUERY, &a, ATTR_SIZE), -EINVAL);
	a.query.query_flags = 0;
	a.query.attach_flags = 1;
	EXPECT_EQ(sys_bpf(BPF_PROG_QUERY, &a, ATTR_SIZE), -EINVAL);

	/* Arrays the kernel cannot write to. */
	a.query.attach_flags = 0;
	a.query.prog_ids = 8;
	EXPECT_EQ(sys_bpf(BPF_PROG_QUERY, &a, ATTR_SIZE), -EFAULT);
}

/* The size, tail and field checks of __sys_bpf() and CHECK_ATTR. */
TEST_F(compat, attr_checks)
{
	unsigned char big[ATTR_SIZE + 64];
	union bpf_attr *a = (void *)big;

	memset(big, 0, sizeof(big));
	a->target_ifindex = LO_IFINDEX;
	a->attach_type = BPF_TCX_INGRESS;
	a->attach_bpf_fd = self->p1;
	big[ATTR_SIZE + 8] = 1;
	EXPECT_EQ(sys_bpf(BPF_PROG_ATTACH, a, sizeof(big)), -E2BIG);
	big[ATTR_SIZE + 8] = 0;
	/* A byte past expected_revision, the command's last field. */
	big[offsetofend(union bpf_attr, expected_revision) + 4] = 1;
	EXPECT_EQ(sys_bpf(BPF_PROG_ATTACH, a, ATTR_SIZE), -EINVAL);
	big[offsetofend(union bpf_attr, expected_revision) + 4] = 0;

	EXPECT_EQ(prog_attach(LO_IFINDEX, BPF_TCX_INGRESS, self->p1,
			      BPF_F_ALLOW_MULTI, 0, 0, 0), -EINVAL);
	EXPECT_EQ(prog_attach(LO_IFINDEX, BPF_TCX_INGRESS, 1000, 0, 0, 0, 0),
		  -EBADF);
	EXPECT_EQ(prog_attach(LO_IFINDEX, BPF_TCX_INGRESS, 0, 0, 0, 0, 0),
		  -EINVAL);
	EXPECT_EQ(prog_attach(4242, BPF_TCX_INGRESS, self->p1, 0, 0, 0, 0),
		  -ENODEV);
	EXPECT_EQ(link_create(4242, BPF_TCX_INGRESS, self->p1, 0, 0), -ENODEV);
	/* cilium/ebpf's probe for tcx: ENODEV means "supported". */
	EXPECT_EQ(link_create(-1, BPF_TCX_INGRESS, self->p1, 0, 0), -ENODEV);
	EXPECT_EQ(prog_attach(LO_IFINDEX, BPF_TCX_INGRESS, self->p1,
			      BPF_F_REPLACE, 0, 0, 0), -EINVAL);
	/* An empty hook has nothing to detach, before the flags are read. */
	EXPECT_EQ(prog_detach(LO_IFINDEX, BPF_TCX_INGRESS, 0, 0, 0), -ENOENT);
	EXPECT_EQ(prog_detach(LO_IFINDEX, BPF_TCX_INGRESS, 0, BPF_F_REPLACE, 0),
		  -ENOENT);
	ASSERT_EQ(prog_attach(LO_IFINDEX, BPF_TCX_INGRESS, self->p2, 0, 0, 0, 0), 0);
	EXPECT_EQ(prog_detach(LO_IFINDEX, BPF_TCX_INGRESS, 0, BPF_F_REPLACE, 0),
		  -EINVAL);
	ASSERT_EQ(prog_detach(LO_IFINDEX, BPF_TCX_INGRESS, self->p2, 0, 0), 0);
	EXPECT_EQ(sys_bpf(BPF_PROG_ATTACH, (void *)8, ATTR_SIZE), -EFAULT);
	EXPECT_EQ(count(LO_IFINDEX, BPF_TCX_INGRESS), 0);
}

/*
 * A relative program given by id that is not on the hook is found where
 * upstream finds it: replace and detach then succeed, as on 6.6.
 */
TEST_F(compat, relative_id_elsewhere)
{
	struct query q;

	EXPECT_EQ(prog_attach(LO_IFINDEX, BPF_TCX_INGRESS, self->p1, BPF_F_ID,
			      self->id3, 0, 0), -EINVAL);
	EXPECT_EQ(prog_attach(LO_IFINDEX, BPF_TCX_INGRESS, self->p1,
			      BPF_F_ID | BPF_F_BEFORE, 0, 0, 0), -ENOENT);
	EXPECT_EQ(prog_attach(LO_IFINDEX, BPF_TCX_INGRESS, self->p1,
			      BPF_F_ID | BPF_F_BEFORE, self->id3, 0, 0), -ENOENT);
	ASSERT_EQ(prog_attach(LO_IFINDEX, BPF_TCX_INGRESS, self->p1, 0, 0, 0, 0), 0);
	ASSERT_EQ(prog_attach(LO_IFINDEX, BPF_TCX_INGRESS, self->p2,
			      BPF_F_REPLACE | BPF_F_ID, self->id3, self->p1, 0), 0);
	ASSERT_EQ(query(LO_IFINDEX, BPF_TCX_INGRESS, &q, 8), 0);
	EXPECT_EQ(q.count, 1U);
	EXPECT_EQ(q.prog_ids[0], self->id2);
	ASSERT_EQ(prog_detach(LO_IFINDEX, BPF_TCX_INGRESS, self->p2, BPF_F_ID,
			      self->id3), 0);
	EXPECT_EQ(count(LO_IFINDEX, BPF_TCX_INGRESS), 0);
}

/* A link: info, query, update in place, detach to defunct. */
TEST_F(compat, link_lifecycle)
{
	struct bpf_link_info info;
	struct query q;
	__u32 link_id;
	int link;

	link = link_create(LO_IFINDEX, BPF_TCX_EGRESS, self->p1, 0, 0);
	ASSERT_GT(link, 0);
	EXPECT_EQ(fcntl(link, F_GETFD), FD_CLOEXEC);
	ASSERT_EQ(link_info(link, &info), 0);
	EXPECT_EQ(info.type, (__u32)BPF_LINK_TYPE_TCX);
	EXPECT_EQ(info.prog_id, self->id1);
	EXPECT_EQ(info.tcx.ifindex, (__u32)LO_IFINDEX);
	EXPECT_EQ(info.tcx.attach_type, (__u32)BPF_TCX_EGRESS);
	link_id = info.id;
	if (!kernel_native())
		EXPECT_GT(link_id, ID_BASE);

	ASSERT_EQ(query(LO_IFINDEX, BPF_TCX_EGRESS, &q, 8), 0);
	EXPECT_EQ(q.count, 1U);
	EXPECT_EQ(q.link_ids[0], link_id);
	/* The program API cannot take a link's program away. */
	EXPECT_EQ(prog_detach(LO_IFINDEX, BPF_TCX_EGRESS, self->p1, 0, 0), -EBUSY);
	EXPECT_EQ(link_create(LO_IFINDEX, BPF_TCX_EGRESS, self->p2,
			      BPF_F_REPLACE, self->p1), -ENOENT);

	EXPECT_EQ(link_update(link, self->p2, BPF_F_REPLACE, self->p3), -EPERM);
	EXPECT_EQ(link_update(link, self->p2, 0, self->p3), -EINVAL);
	EXPECT_EQ(link_update(link, self->p2, BPF_F_ID, 0), -EINVAL);
	ASSERT_EQ(link_update(link, self->p2, BPF_F_REPLACE, self->p1), 0);
	ASSERT_EQ(query(LO_IFINDEX, BPF_TCX_EGRESS, &q, 8), 0);
	EXPECT_EQ(q.revision, 3U);
	EXPECT_EQ(q.prog_ids[0], self->id2);
	EXPECT_EQ(q.link_ids[0], link_id);
	ASSERT_EQ(link_update(link, self->p2, 0, 0), 0);
	ASSERT_EQ(query(LO_IFINDEX, BPF_TCX_EGRESS, &q, 8), 0);
	EXPECT_EQ(q.revision, 3U);

	ASSERT_EQ(link_detach(link), 0);
	EXPECT_EQ(count(LO_IFINDEX, BPF_TCX_EGRESS), 0);
	ASSERT_EQ(link_info(link, &info), 0);
	EXPECT_EQ(info.tcx.ifindex, 0U);
	EXPECT_EQ(info.id, link_id);
	EXPECT_EQ(link_update(link, self->p3, 0, 0), -ENOLINK);
	EXPECT_EQ(link_detach(link), 0);
	close(link);
}

/* The last close detaches; so does the death of the process holding it. */
TEST_F(compat, link_owner_dies)
{
	int link, st, pipefd[2];
	char c;
	pid_t pid;

	link = link_create(LO_IFINDEX, BPF_TCX_INGRESS, self->p1, 0, 0);
	ASSERT_GT(link, 0);
	EXPECT_EQ(count(LO_IFINDEX, BPF_TCX_INGRESS), 1);
	close(link);
	EXPECT_EQ(count_settles(LO_IFINDEX, BPF_TCX_INGRESS, 0), 0);

	ASSERT_EQ(pipe(pipefd), 0);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		link = link_create(LO_IFINDEX, BPF_TCX_INGRESS, self->p2, 0, 0);
		if (link < 0)
			_exit(1);
		if (write(pipefd[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	ASSERT_EQ(read(pipefd[0], &c, 1), 1);
	EXPECT_EQ(count(LO_IFINDEX, BPF_TCX_INGRESS), 1);
	kill(pid, SIGKILL);
	ASSERT_EQ(waitpid(pid, &st, 0), pid);
	EXPECT_EQ(count_settles(LO_IFINDEX, BPF_TCX_INGRESS, 0), 0);
}

/*
 * tcx links are listed with the kernel's own links, and opened by id;
 * here beside an XDP link, whose calls go to the kernel untouched.
 */
TEST_F(compat, link_ids)
{
	bool seen_tcx = false, seen_xdp = false;
	struct bpf_link_info info;
	__u32 tcx_id, xdp_id, id = 0;
	union bpf_attr a;
	int tcx, xdp_prog, xdp, fd;

	tcx = link_create(LO_IFINDEX, BPF_TCX_INGRESS, self->p1, 0, 0);
	ASSERT_GT(tcx, 0);
	xdp_prog = tcx_load_raw_prog(BPF_PROG_TYPE_XDP, 2);
	ASSERT_GT(xdp_prog, 0);
	xdp = bpf_link_create(xdp_prog, LO_IFINDEX, BPF_XDP, NULL);
	ASSERT_GT(xdp, 0);
	ASSERT_EQ(link_info(tcx, &info), 0);
	tcx_id = info.id;
	ASSERT_EQ(link_info(xdp, &info), 0);
	EXPECT_EQ(info.type, (__u32)BPF_LINK_TYPE_XDP);
	xdp_id = info.id;
	EXPECT_NE(tcx_id, xdp_id);

	for (;;) {
		memset(&a, 0, sizeof(a));
		a.start_id = id;
		if (sys_bpf(BPF_LINK_GET_NEXT_ID, &a, ATTR_SIZE))
			break;
		EXPECT_GT(a.next_id, id);
		id = a.next_id;
		seen_tcx |= id == tcx_id;
		seen_xdp |= id == xdp_id;
	}
	EXPECT_TRUE(seen_tcx);
	EXPECT_TRUE(seen_xdp);

	memset(&a, 0, sizeof(a));
	a.link_id = tcx_id;
	fd = sys_bpf(BPF_LINK_GET_FD_BY_ID, &a, ATTR_SIZE);
	ASSERT_GT(fd, 0);
	ASSERT_EQ(link_info(fd, &info), 0);
	EXPECT_EQ(info.id, tcx_id);
	EXPECT_EQ(info.type, (__u32)BPF_LINK_TYPE_TCX);
	close(fd);
	a.open_flags = 1;
	EXPECT_EQ(sys_bpf(BPF_LINK_GET_FD_BY_ID, &a, ATTR_SIZE), -EINVAL);
	a.open_flags = 0;
	a.link_id = tcx_id + 1000;
	EXPECT_EQ(sys_bpf(BPF_LINK_GET_FD_BY_ID, &a, ATTR_SIZE), -ENOENT);

	EXPECT_EQ(link_detach(xdp), 0);
	close(xdp);
	close(xdp_prog);
	close(tcx);
}

/* A pin at a path of the caller's choosing, found from another process. */
TEST_F(compat, pin)
{
	const char *path = PIN_DIR "/link";
	struct bpf_link_info info;
	int link, fd, st;
	__u32 id;
	pid_t pid;

	mkdir(PIN_DIR, 0700);
	unlink(path);
	link = link_create(LO_IFINDEX, BPF_TCX_INGRESS, self->p1, 0, 0);
	ASSERT_GT(link, 0);
	ASSERT_EQ(link_info(link, &info), 0);
	id = info.id;
	EXPECT_EQ(obj_pin(link, "/tmp/tcx-compat-pin"), -EPERM);
	EXPECT_EQ(obj_pin(link, PIN_DIR "/none/link"), -ENOENT);
	ASSERT_EQ(obj_pin(link, path), 0);
	EXPECT_EQ(obj_pin(self->p1, path), -EEXIST);
	close(link);
	/* Pinned: it stays without any fd. */
	EXPECT_EQ(count(LO_IFINDEX, BPF_TCX_INGRESS), 1);

	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		fd = obj_get(path, 0);
		if (fd < 0 || link_info(fd, &info) || info.id != id)
			_exit(1);
		if (obj_get(path, BPF_F_RDONLY) != -EINVAL)
			_exit(2);
		_exit(0);
	}
	ASSERT_EQ(waitpid(pid, &st, 0), pid);
	EXPECT_EQ(st, 0);
	EXPECT_EQ(count(LO_IFINDEX, BPF_TCX_INGRESS), 1);

	/* Removing the path unpins: the link goes with its last holder. */
	ASSERT_EQ(unlink(path), 0);
	EXPECT_EQ(count_settles(LO_IFINDEX, BPF_TCX_INGRESS, 0), 0);
	EXPECT_EQ(obj_get(path, 0), -ENOENT);
	rmdir(PIN_DIR);
}

/* The path of tcxctl, next to this binary's folder (build/ctl). */
static int tcxctl_path(char *buf, size_t len)
{
	char self[PATH_MAX], *slash;
	ssize_t n;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		return -errno;
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (!slash)
		return -ENOENT;
	*slash = '\0';
	snprintf(buf, len, "%s/../ctl/tcxctl", self);
	return access(buf, X_OK) ? -errno : 0;
}

/* tcxctl shows where a link is pinned, and unpins it by removing the path. */
TEST_F(compat, pin_tcxctl)
{
	const char *path = PIN_DIR "/ctl";
	char tcxctl[PATH_MAX + 32];
	struct bpf_link_info info;
	int link;

	if (kernel_native())
		SKIP(return, "tcxctl on native tcx unpins its own pins only");
	ASSERT_EQ(tcxctl_path(tcxctl, sizeof(tcxctl)), 0);
	mkdir(PIN_DIR, 0700);
	unlink(path);
	link = link_create(LO_IFINDEX, BPF_TCX_EGRESS, self->p1, 0, 0);
	ASSERT_GT(link, 0);
	ASSERT_EQ(link_info(link, &info), 0);
	ASSERT_EQ(obj_pin(link, path), 0);
	close(link);

	EXPECT_EQ(tcx_run("%s -j link show | grep -q '\"pin_path\": *\"%s\"'",
			  tcxctl, path), 0);
	EXPECT_EQ(tcx_run("%s show dev lo | grep -q ' %s$'", tcxctl, path), 0);
	/* The id bpf() shows names the link for tcxctl too. */
	ASSERT_EQ(tcx_run("%s link unpin id %u", tcxctl, info.id), 0);
	EXPECT_NE(access(path, F_OK), 0);
	EXPECT_EQ(count_settles(LO_IFINDEX, BPF_TCX_EGRESS, 0), 0);
	rmdir(PIN_DIR);
}

/*
 * The caller's rights, not the layer's: without CAP_NET_ADMIN a query is
 * refused everywhere.  Attaching takes no capability upstream (the program
 * fd is the right) but CAP_NET_ADMIN over the device's netns in tcx-dkms.
 */
TEST_F(compat, caller_rights)
{
	int st, link;
	pid_t pid;

	link = link_create(LO_IFINDEX, BPF_TCX_INGRESS, self->p3, 0, 0);
	ASSERT_GT(link, 0);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		struct query q;
		int want = kernel_native() ? 0 : -EPERM;

		/* nobody, with no capabilities left. */
		if (setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			_exit(10);
		if (query(LO_IFINDEX, BPF_TCX_INGRESS, &q, 8) != -EPERM)
			_exit(11);
		if (prog_attach(LO_IFINDEX, BPF_TCX_INGRESS, self->p1, 0, 0, 0,
				0) != want)
			_exit(12);
		if (link_create(LO_IFINDEX, BPF_TCX_EGRESS, self->p2, 0, 0) <
		    0 && want == 0)
			_exit(13);
		/* The link fd is the right to update and detach it. */
		if (link_update(link, self->p2, 0, 0))
			_exit(14);
		if (link_detach(link))
			_exit(15);
		_exit(0);
	}
	ASSERT_EQ(waitpid(pid, &st, 0), pid);
	EXPECT_EQ(WEXITSTATUS(st), 0);
	close(link);
}

static void *thread_link_create(void *arg)
{
	int *fds = arg;

	fds[1] = link_create(LO_IFINDEX, BPF_TCX_INGRESS, fds[0], 0, 0);
	return NULL;
}

/* A call from a thread other than the main one is served as well. */
TEST_F(compat, from_a_thread)
{
	struct tcx_link_info info = { .size = sizeof(info) };
	int fds[2] = { self->p1, -1 };
	pthread_t t;

	ASSERT_EQ(pthread_create(&t, NULL, thread_link_create, fds), 0);
	ASSERT_EQ(pthread_join(t, NULL), 0);
	ASSERT_GT(fds[1], 0);
	EXPECT_EQ(count(LO_IFINDEX, BPF_TCX_INGRESS), 1);
	if (!kernel_native()) {
		ASSERT_EQ(ioctl(fds[1], TCX_IOC_LINK_INFO, &info), 0);
		EXPECT_EQ(info.owner_pid, (__u32)getpid());
	}
	close(fds[1]);
	EXPECT_EQ(count_settles(LO_IFINDEX, BPF_TCX_INGRESS, 0), 0);
}

/* tcx-compat's own command line: usage errors, exit statuses. */
TEST(supervisor_cli)
{
	char sup[PATH_MAX + 32], self[PATH_MAX], *slash;
	ssize_t n;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	ASSERT_GT(n, 0);
	self[n] = '\0';
	slash = strrchr(self, '/');
	ASSERT_NE(NULL, slash);
	*slash = '\0';
	snprintf(sup, sizeof(sup), "%s/../compat/tcx-compat", self);
	ASSERT_EQ(access(sup, X_OK), 0);

#define SUP_EXIT(want, fmt, ...)					\
	do {								\
		char cmd[3 * PATH_MAX];					\
		int st;							\
									\
		snprintf(cmd, sizeof(cmd), "%s " fmt " 2>/dev/null",	\
			 sup, ##__VA_ARGS__);				\
		st = system(cmd);					\
		ASSERT_TRUE(WIFEXITED(st));				\
		EXPECT_EQ(WEXITSTATUS(st), want) TH_LOG("%s", cmd);	\
	} while (0)

	SUP_EXIT(2, "");
	SUP_EXIT(2, "bogus");
	SUP_EXIT(2, "run");
	SUP_EXIT(2, "run --bogus -- true");
	SUP_EXIT(0, "help >/dev/null");
	SUP_EXIT(0, "run -- true");
	SUP_EXIT(7, "run -- sh -c 'exit 7'");
	SUP_EXIT(127, "run -- /nonexistent/command");
	SUP_EXIT(126, "run -- /dev/null");
	SUP_EXIT(128 + SIGTERM, "run -- sh -c 'kill -TERM $$'");
	/*
	 * Nested: the outer one serves; the inner one only runs the command.
	 * Where tcx is native, neither supervises (nor says so).
	 */
	SUP_EXIT(kernel_native() ? 1 : 0,
		 "run -- %s run -- sh -c 'test -n \"$TCX_COMPAT_SUPERVISED\"'",
		 sup);
#undef SUP_EXIT
}

/*
 * tcx-compat stays for what the command left running (a daemon that
 * forked), and serves it: the background query only succeeds if served.
 */
TEST(supervisor_outlived)
{
	char cmd[3 * PATH_MAX], self[PATH_MAX], *slash;
	const char *res = "/tmp/tcx-compat-outlived";
	char buf[8] = "";
	ssize_t n;
	int fd;

	if (kernel_native() || getenv("TCX_COMPAT_SUPERVISED"))
		SKIP(return, "no tcx-compat of our own here");
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	ASSERT_GT(n, 0);
	self[n] = '\0';
	slash = strrchr(self, '/');
	ASSERT_NE(NULL, slash);
	*slash = '\0';
	unlink(res);
	snprintf(cmd, sizeof(cmd),
		 "%s/../compat/tcx-compat run -- sh -c '(sleep 1; "
		 "env -u LD_PRELOAD %s/compat_preload --query-lo; "
		 "echo $? >%s) & exit 0'", self, self, res);
	ASSERT_EQ(system(cmd), 0);
	fd = open(res, O_RDONLY);
	ASSERT_GE(fd, 0);
	EXPECT_GT(read(fd, buf, sizeof(buf) - 1), 0);
	close(fd);
	EXPECT_STREQ("0\n", buf);
	unlink(res);
}

/*
 * The command of the signal tests (this binary with --hold-link FD MODE):
 * it makes a link through the layer, says "ready PID ID" on fd FD and
 * waits.  Each signal it gets it reports as "signal NN from PID" (PID 0:
 * the kernel).  In HOLD_DIE, SIGHUP makes it exit with 3 and any other
 * signal kills it; in HOLD_STAY and HOLD_GROUP (where it has a process
 * group of its own), only SIGTERM does.
 */
enum { HOLD_DIE, HOLD_STAY, HOLD_GROUP };

static int hold_report = -1, hold_mode;

static void hold_signal(int sig, siginfo_t *si, void *uc)
{
	char msg[32] = "signal 00 from ", *p = msg + 15, digits[12];
	int n = 0, pid = si->si_code == SI_KERNEL ? 0 : si->si_pid;

	msg[7] = '0' + sig / 10;
	msg[8] = '0' + sig % 10;
	do {
		digits[n++] = '0' + pid % 10;
		pid /= 10;
	} while (pid);
	while (n)
		*p++ = digits[--n];
	*p++ = '\n';
	if (write(hold_report, msg, p - msg) < 0 ||
	    (hold_mode != HOLD_DIE && sig != SIGTERM))
		return;
	if (sig == SIGHUP)
		_exit(3);
	signal(sig, SIG_DFL);
	raise(sig);
}

static const int forwarded[] = {
	SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM,
	SIGVTALRM, SIGPROF, SIGPWR,
};

static int hold_link(int report, int mode)
{
	struct sigaction sa = {
		.sa_sigaction = hold_signal,
		.sa_flags = SA_SIGINFO,
	};
	struct rlimit no_core = { 0, 0 };
	struct bpf_link_info info;
	char msg[64];
	int prog, link;
	size_t i;

	setrlimit(RLIMIT_CORE, &no_core);
	hold_report = report;
	hold_mode = mode;
	if (mode == HOLD_GROUP && setpgid(0, 0))
		return 1;
	prog = tcx_load_dummy();
	link = link_create(LO_IFINDEX, BPF_TCX_INGRESS, prog, 0, 0);
	if (prog < 0 || link < 0 || link_info(link, &info))
		return 1;
	for (i = 0; i < ARRAY_SIZE(forwarded); i++)
		sigaction(forwarded[i], &sa, NULL);
	snprintf(msg, sizeof(msg), "ready %d %u\n", getpid(), info.id);
	if (write(report, msg, strlen(msg)) < 0)
		return 1;
	/*
	 * Waiting for a signal that may come twice: on a CPU, so that the
	 * first one is handled at once, not merged with a second one that
	 * finds it still pending.
	 */
	while (mode == HOLD_STAY)
		__asm__ __volatile__("" ::: "memory");
	for (;;)
		pause();
}

/* What the command reported next, up to a newline, within @ms. */
static int read_report(int fd, char *buf, size_t size, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	size_t n = 0;

	while (n < size - 1) {
		if (poll(&pfd, 1, ms) != 1 || read(fd, buf + n, 1) != 1)
			break;
		if (buf[n++] == '\n')
			break;
	}
	buf[n] = '\0';
	return n;
}

struct held {
	pid_t sup;		/* tcx-compat */
	pid_t cmd;		/* the command under it */
	__u32 link_id;
	int report;		/* what the command says */
};

/*
 * tcx-compat run -- this binary --hold-link, started by @setup in the
 * child before the exec (NULL: nothing); false if it did not get ready.
 */
static bool start_held(struct held *h, int mode, void (*setup)(void *),
		       void *arg)
{
	char self[PATH_MAX], sup[PATH_MAX + 32], fdarg[16], modearg[16];
	char msg[64], *slash;
	int p[2];
	ssize_t n;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return false;
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (!slash)
		return false;
	*slash = '\0';
	snprintf(sup, sizeof(sup), "%s/../compat/tcx-compat", self);
	*slash = '/';
	if (pipe(p))
		return false;
	h->sup = fork();
	if (h->sup < 0)
		return false;
	if (!h->sup) {
		close(p[0]);
		if (setup)
			setup(arg);
		snprintf(fdarg, sizeof(fdarg), "%d", p[1]);
		snprintf(modearg, sizeof(modearg), "%d", mode);
		/* The seccomp supervisor alone serves its calls. */
		unsetenv("LD_PRELOAD");
		execl(sup, sup, "run", "--", self, "--hold-link", fdarg,
		      modearg, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	h->report = p[0];
	return read_report(h->report, msg, sizeof(msg), 30000) > 0 &&
	       sscanf(msg, "ready %d %u", &h->cmd, &h->link_id) == 2;
}

/* The link the command held is gone with it. */
static bool held_link_gone(__u32 id)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.link_id = id;
	return count_settles(LO_IFINDEX, BPF_TCX_INGRESS, 0) == 0 &&
	       sys_bpf(BPF_LINK_GET_FD_BY_ID, &a, ATTR_SIZE) == -ENOENT;
}

/*
 * The signals tcx-compat passes on reach the command, tcx-compat exits as
 * the command did (128 + N when a signal killed it), and the command's
 * link dies with it.
 */
TEST_F(compat, supervisor_signals)
{
	char msg[64], want[64];
	struct query q;
	struct held h;
	size_t i;
	int st;

	if (kernel_native() || getenv("TCX_COMPAT_SUPERVISED"))
		SKIP(return, "no tcx-compat of our own here");
	for (i = 0; i < ARRAY_SIZE(forwarded); i++) {
		int sig = forwarded[i];

		ASSERT_TRUE(start_held(&h, HOLD_DIE, NULL, NULL));
		ASSERT_EQ(query(LO_IFINDEX, BPF_TCX_INGRESS, &q, 8), 0);
		EXPECT_EQ(q.count, 1U);
		EXPECT_EQ(q.link_ids[0], h.link_id);
		ASSERT_EQ(kill(h.sup, sig), 0);
		/* Passed on: it comes from tcx-compat. */
		snprintf(want, sizeof(want), "signal %02d from %d\n", sig,
			 h.sup);
		read_report(h.report, msg, sizeof(msg), 30000);
		EXPECT_STREQ(want, msg) TH_LOG("%s", strsignal(sig));
		ASSERT_EQ(waitpid(h.sup, &st, 0), h.sup);
		ASSERT_TRUE(WIFEXITED(st)) TH_LOG("%s", strsignal(sig));
		EXPECT_EQ(WEXITSTATUS(st), sig == SIGHUP ? 3 : 128 + sig)
			TH_LOG("%s", strsignal(sig));
		EXPECT_TRUE(held_link_gone(h.link_id))
			TH_LOG("%s", strsignal(sig));
		close(h.report);
	}

	/* The command killed under it: SIGKILL is not for tcx-compat. */
	ASSERT_TRUE(start_held(&h, HOLD_DIE, NULL, NULL));
	ASSERT_EQ(kill(h.cmd, SIGKILL), 0);
	ASSERT_EQ(waitpid(h.sup, &st, 0), h.sup);
	ASSERT_TRUE(WIFEXITED(st));
	EXPECT_EQ(WEXITSTATUS(st), 128 + SIGKILL);
	EXPECT_EQ(read_report(h.report, msg, sizeof(msg), 1000), 0);
	EXPECT_TRUE(held_link_gone(h.link_id));
	close(h.report);
}

/* The child: a session of its own, with the terminal as its own. */
static void take_terminal(void *arg)
{
	const char *pts = arg;
	int fd;

	if (setsid() < 0)
		_exit(126);
	fd = open(pts, O_RDWR);
	if (fd < 0)
		_exit(126);
	dup2(fd, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	if (fd > 2)
		close(fd);
}

/*
 * The command under tcx-compat on a terminal of its own, in MODE: ^C and
 * ^\ typed ten times each reach it once (from the kernel) in tcx-compat's
 * process group, and not at all from a group of its own: tcx-compat does
 * not pass them on.  SIGTERM to tcx-compat still is.
 */
static void held_on_terminal(struct __test_metadata *_metadata, int mode)
{
	char pts[64], msg[64], want[64], rest[128] = "";
	struct held h;
	int ptm, st, i;
	size_t n = 0;

	ptm = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	ASSERT_LE(0, ptm);
	ASSERT_EQ(0, grantpt(ptm));
	ASSERT_EQ(0, unlockpt(ptm));
	ASSERT_EQ(0, ptsname_r(ptm, pts, sizeof(pts)));
	ASSERT_TRUE(start_held(&h, mode, take_terminal, pts));
	/* tcx-compat's group has the terminal; the command's is its own. */
	EXPECT_EQ(tcgetpgrp(ptm), h.sup);
	EXPECT_EQ(getpgid(h.cmd), mode == HOLD_GROUP ? h.cmd : h.sup);
	/* Often: a second one may merge with the first, still pending. */
	for (i = 0; i < 20; i++) {
		int sig = i % 2 ? SIGQUIT : SIGINT;

		ASSERT_EQ(1, write(ptm, sig == SIGINT ? "\003" : "\034", 1));
		if (mode != HOLD_GROUP) {
			snprintf(want, sizeof(want), "signal %02d from 0\n",
				 sig);
			read_report(h.report, msg, sizeof(msg), 30000);
			EXPECT_STREQ(want, msg);
		}
		/* What tcx-compat would pass on would come now. */
		EXPECT_EQ(0, read_report(h.report, msg, sizeof(msg), 300))
			TH_LOG("%s %d: then %s", strsignal(sig), i / 2 + 1, msg);
	}
	ASSERT_EQ(kill(h.sup, SIGTERM), 0);
	while (n < sizeof(rest) - 1 &&
	       read_report(h.report, rest + n, sizeof(rest) - n, 30000) > 0)
		n = strlen(rest);
	snprintf(want, sizeof(want), "signal 15 from %d\n", h.sup);
	EXPECT_STREQ(want, rest);
	ASSERT_EQ(waitpid(h.sup, &st, 0), h.sup);
	EXPECT_TRUE(WIFEXITED(st));
	EXPECT_EQ(WEXITSTATUS(st), 128 + SIGTERM);
	EXPECT_TRUE(held_link_gone(h.link_id));
	close(h.report);
	close(ptm);
}

/*
 * ^C and ^\ go to the terminal's whole foreground process group, the
 * command included: tcx-compat must not send them a second time.
 */
TEST_F(compat, supervisor_terminal_signals)
{
	if (kernel_native() || getenv("TCX_COMPAT_SUPERVISED"))
		SKIP(return, "no tcx-compat of our own here");
	held_on_terminal(_metadata, HOLD_STAY);
	held_on_terminal(_metadata, HOLD_GROUP);
}

/* Links belong to the calling process, not to a supervisor. */
TEST_F(compat, link_owner)
{
	struct tcx_link_info info = { .size = sizeof(info) };
	int link;

	if (kernel_native())
		SKIP(return, "native tcx has no owner of a link");
	link = link_create(LO_IFINDEX, BPF_TCX_INGRESS, self->p1, 0, 0);
	ASSERT_GT(link, 0);
	ASSERT_EQ(ioctl(link, TCX_IOC_LINK_INFO, &info), 0);
	EXPECT_EQ(info.owner_pid, (__u32)getpid());
	close(link);
}

static int bind_task(int dev, __u32 pid, __u32 flags)
{
	struct tcx_task_args args = {
		.size = sizeof(args), .pid = pid, .flags = flags,
	};

	return ioctl(dev, TCX_IOC_BIND_TASK, &args) ? -errno : 0;
}

/*
 * What the supervisor binds its /dev/tcx files with: only to a task one
 * could ptrace, once per file, on a file open for writing.
 */
TEST(bind_task_errors)
{
	int dev, ro, st;
	pid_t pid;

	if (kernel_native())
		SKIP(return, "native tcx has no /dev/tcx");
	dev = open("/dev/tcx", O_RDWR | O_CLOEXEC);
	ASSERT_GE(dev, 0);
	ro = open("/dev/tcx", O_RDONLY | O_CLOEXEC);
	ASSERT_GE(ro, 0);
	EXPECT_EQ(bind_task(ro, getpid(), 0), -EBADF);
	EXPECT_EQ(bind_task(dev, 0, 0), -EINVAL);
	EXPECT_EQ(bind_task(dev, getpid(), 1), -EINVAL);
	EXPECT_EQ(bind_task(dev, 0x3fffffff, 0), -ESRCH);

	/* Without CAP_SYS_PTRACE, not to a task with more than we have. */
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		int other = open("/dev/tcx", O_RDWR | O_CLOEXEC);

		if (other < 0)
			_exit(10);
		if (setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			_exit(11);
		_exit(bind_task(other, getppid(), 0) == -EPERM ? 0 : 12);
	}
	ASSERT_EQ(waitpid(pid, &st, 0), pid);
	EXPECT_EQ(WEXITSTATUS(st), 0);

	EXPECT_EQ(bind_task(dev, getpid(), 0), 0);
	EXPECT_EQ(bind_task(dev, getpid(), 0), -EBUSY);
	close(ro);
	close(dev);
}

/* Run under the layer this binary is named for. */
static void compat_reexec(char **argv)
{
	char self[PATH_MAX], layer[PATH_MAX + 64], *slash;
	const char *dir = getenv("TCX_COMPAT_DIR");
	ssize_t n;

	/* On native tcx too: there the layer must let every call through. */
	if (getenv("TCX_COMPAT_UNDER"))
		return;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		return;
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (!dir && slash) {
		*slash = '\0';
		snprintf(layer, sizeof(layer), "%s/../compat", self);
		*slash = '/';
		dir = layer;
	}
	setenv("TCX_COMPAT_UNDER", TCX_COMPAT_VIA, 1);
	if (!strcmp(TCX_COMPAT_VIA, "preload")) {
		char lib[PATH_MAX + 160];

		snprintf(lib, sizeof(lib), "%s/libtcx-compat.so", dir);
		setenv("LD_PRELOAD", lib, 1);
		execv(self, argv);
	} else {
		char sup[PATH_MAX + 160];
		char *args[64] = { sup, "run", "--", self };
		int i;

		snprintf(sup, sizeof(sup), "%s/tcx-compat", dir);
		for (i = 1; argv[i] && i < 59; i++)
			args[i + 3] = argv[i];
		execv(sup, args);
	}
	fprintf(stderr, "compat: cannot run under the layer: %s\n",
		strerror(errno));
	exit(1);
}

int main(int argc, char **argv)
{
	struct query q;

	/* For supervisor_outlived: one query, as is, no layer of our own. */
	if (argc == 2 && !strcmp(argv[1], "--query-lo"))
		return query(LO_IFINDEX, BPF_TCX_INGRESS, &q, 8) ? 1 : 0;
	/* For the supervisor's signal tests: see hold_link(). */
	if (argc == 4 && !strcmp(argv[1], "--hold-link"))
		return hold_link(atoi(argv[2]), atoi(argv[3]));
	compat_reexec(argv);
	return test_harness_run(argc, argv);
}
