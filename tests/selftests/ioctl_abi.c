// SPDX-License-Identifier: GPL-2.0
/*
 * The /dev/tcx control interface itself: the device node, TCX_IOC_VERSION,
 * and the rules every size-prefixed ioctl argument follows (uapi/linux/tcx.h):
 * too small -> EINVAL, larger with a non-zero tail -> E2BIG, larger with a
 * zero tail -> accepted, bad memory -> EFAULT, unknown command -> ENOTTY,
 * reserved fields -> EINVAL.  Also how libtcx opens the device.  All of it
 * is tcx-dkms's own: skipped on native tcx.
 */
#include "tcx_test.h"

#include <dirent.h>
#include <pthread.h>
#include <grp.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <termios.h>

#define TCX_DEV_PATH		"/dev/" TCX_DEVICE_NAME
#define MISC_MAJOR		10

/*
 * The first version of each argument: a module must keep accepting these
 * sizes, and the fields must stay where they are.
 */
#define TCX_VERSION_SIZE_VER0	40
#define TCX_PROG_ARGS_SIZE_VER0	40

_Static_assert(offsetof(struct tcx_version, size) == 0, "ABI");
_Static_assert(offsetof(struct tcx_version, abi_version) == 4, "ABI");
_Static_assert(offsetof(struct tcx_version, module_version) == 8, "ABI");
_Static_assert(sizeof(struct tcx_version) >= TCX_VERSION_SIZE_VER0, "ABI");

_Static_assert(offsetof(struct tcx_prog_args, size) == 0, "ABI");
_Static_assert(offsetof(struct tcx_prog_args, ifindex) == 4, "ABI");
_Static_assert(offsetof(struct tcx_prog_args, direction) == 8, "ABI");
_Static_assert(offsetof(struct tcx_prog_args, flags) == 12, "ABI");
_Static_assert(offsetof(struct tcx_prog_args, prog_fd) == 16, "ABI");
_Static_assert(offsetof(struct tcx_prog_args, replace_prog_fd) == 20, "ABI");
_Static_assert(offsetof(struct tcx_prog_args, relative_fd) == 24, "ABI");
_Static_assert(offsetof(struct tcx_prog_args, relative_id) == 24, "ABI");
_Static_assert(offsetof(struct tcx_prog_args, __reserved) == 28, "ABI");
_Static_assert(offsetof(struct tcx_prog_args, expected_revision) == 32, "ABI");
_Static_assert(sizeof(struct tcx_prog_args) >= TCX_PROG_ARGS_SIZE_VER0, "ABI");

_Static_assert(offsetof(struct tcx_query_args, size) == 0, "ABI");
_Static_assert(offsetof(struct tcx_query_args, ifindex) == 4, "ABI");
_Static_assert(offsetof(struct tcx_query_args, direction) == 8, "ABI");
_Static_assert(offsetof(struct tcx_query_args, query_flags) == 12, "ABI");
_Static_assert(offsetof(struct tcx_query_args, attach_flags) == 16, "ABI");
_Static_assert(offsetof(struct tcx_query_args, count) == 20, "ABI");
_Static_assert(offsetof(struct tcx_query_args, revision) == 24, "ABI");
_Static_assert(offsetof(struct tcx_query_args, prog_ids) == 32, "ABI");
_Static_assert(offsetof(struct tcx_query_args, prog_attach_flags) == 40, "ABI");
_Static_assert(offsetof(struct tcx_query_args, link_ids) == 48, "ABI");
_Static_assert(offsetof(struct tcx_query_args, link_attach_flags) == 56, "ABI");
_Static_assert(TCX_QUERY_ARGS_SIZE_VER0 == 64, "ABI");
_Static_assert(sizeof(struct tcx_query_args) >= TCX_QUERY_ARGS_SIZE_VER0, "ABI");

/* An ioctl's errno, or 0. */
static int ioc(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) < 0 ? errno : 0;
}

static const struct tcx_cmd {
	const char *name;
	unsigned long cmd;
	size_t min_size;	/* first version */
	size_t size;		/* this header's version */
} tcx_cmds[] = {
	{ "VERSION", TCX_IOC_VERSION, TCX_VERSION_SIZE_VER0,
	  sizeof(struct tcx_version) },
	{ "PROG_ATTACH", TCX_IOC_PROG_ATTACH, TCX_PROG_ARGS_SIZE_VER0,
	  sizeof(struct tcx_prog_args) },
	{ "PROG_DETACH", TCX_IOC_PROG_DETACH, TCX_PROG_ARGS_SIZE_VER0,
	  sizeof(struct tcx_prog_args) },
	{ "QUERY", TCX_IOC_QUERY, TCX_QUERY_ARGS_SIZE_VER0,
	  sizeof(struct tcx_query_args) },
};

#define NR_CMDS		ARRAY_SIZE(tcx_cmds)
#define TAIL		64

/* Room for any argument plus a tail, 8-byte aligned. */
union arg_buf {
	struct tcx_version version;
	struct tcx_prog_args prog;
	struct tcx_query_args query;
	unsigned char bytes[512];
	__u64 align;
};

static void prog_args_init(struct tcx_prog_args *a, int prog_fd)
{
	memset(a, 0, sizeof(*a));
	a->size = sizeof(*a);
	a->ifindex = LO_IFINDEX;
	a->direction = TCX_INGRESS;
	a->prog_fd = prog_fd;
}

static void query_args_init(struct tcx_query_args *q)
{
	memset(q, 0, sizeof(*q));
	q->size = sizeof(*q);
	q->ifindex = LO_IFINDEX;
	q->direction = TCX_INGRESS;
}

/* A valid argument for CMD in BUF, zeroed up to sizeof(*buf). */
static void arg_init(union arg_buf *buf, const struct tcx_cmd *c, int prog_fd)
{
	memset(buf, 0, sizeof(*buf));
	if (c->cmd == TCX_IOC_QUERY)
		query_args_init(&buf->query);
	else if (c->cmd == TCX_IOC_VERSION)
		buf->version.size = sizeof(buf->version);
	else
		prog_args_init(&buf->prog, prog_fd);
}

/* Programs on lo's ingress hook, or -errno. */
static int lo_count(int fd)
{
	struct tcx_query_args q;

	query_args_init(&q);
	if (ioctl(fd, TCX_IOC_QUERY, &q))
		return -errno;
	return q.count;
}

/* Two pages: the first read-write, the second inaccessible. */
static unsigned char *guarded_pages(size_t page)
{
	unsigned char *p;

	p = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	if (mprotect(p + page, page, PROT_NONE)) {
		munmap(p, 2 * page);
		return NULL;
	}
	return p;
}

/*
 * Tests of the device node and of libtcx's open: each starts with libtcx
 * untouched (the harness forks every test from a parent that never used it).
 */
FIXTURE(tcx_dev) {
	int unused;
};

FIXTURE_SETUP(tcx_dev)
{
	/* No /dev/tcx to look at: the test body says SKIP. */
	if (tcx_test_native())
		return;
	ASSERT_EQ(0, access(TCX_DEV_PATH, F_OK))
		TH_LOG("%s: %s (is tcx.ko loaded?)", TCX_DEV_PATH,
		       strerror(errno));
}

FIXTURE_TEARDOWN(tcx_dev)
{
}

/* A root-only misc character device. */
TEST_F(tcx_dev, dev_node)
{
	struct stat st;
	TCX_MODULE_ONLY("/dev/tcx");

	ASSERT_EQ(0, stat(TCX_DEV_PATH, &st));
	ASSERT_TRUE(S_ISCHR(st.st_mode));
	ASSERT_EQ(0600U, st.st_mode & 07777)
		TH_LOG("mode %04o", st.st_mode & 07777);
	ASSERT_EQ(0U, st.st_uid);
	ASSERT_EQ(0U, st.st_gid);
	ASSERT_EQ((unsigned int)MISC_MAJOR, major(st.st_rdev));
}

/* Only root may open it; libtcx reports the open's errno. */
TEST_F(tcx_dev, unprivileged_open)
{
	TCX_MODULE_ONLY("/dev/tcx");
	ASSERT_EQ(0, setgroups(0, NULL));
	ASSERT_EQ(0, setgid(65534));
	ASSERT_EQ(0, setuid(65534));

	ASSERT_EQ(-1, open(TCX_DEV_PATH, O_RDWR));
	ASSERT_EQ(EACCES, errno);
	ASSERT_EQ(-1, open(TCX_DEV_PATH, O_RDONLY));
	ASSERT_EQ(EACCES, errno);

	errno = 0;
	ASSERT_EQ(-EACCES, tcx_dev_fd());
	ASSERT_EQ(EACCES, errno);
	ASSERT_EQ(-EACCES, tcx_query(LO_IFINDEX, TCX_DIR_INGRESS,
				     &(struct tcx_query){
					.sz = sizeof(struct tcx_query) }));
}

/*
 * Without /dev/tcx (module not loaded) every call fails with ENOENT, and
 * libtcx opens the device on a later call once it is there.
 */
TEST_F(tcx_dev, libtcx_no_device)
{
	LIBTCX_OPTS(tcx_query, q);
	TCX_MODULE_ONLY("/dev/tcx");

	/* Hide /dev behind an empty tmpfs, in a mount namespace of our own. */
	ASSERT_EQ(0, unshare(CLONE_NEWNS));
	ASSERT_EQ(0, mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
	ASSERT_EQ(0, mount("tmpfs", "/dev", "tmpfs", 0, NULL));

	errno = 0;
	ASSERT_EQ(-ENOENT, tcx_dev_fd());
	ASSERT_EQ(ENOENT, errno);
	ASSERT_EQ(-ENOENT, tcx_query(LO_IFINDEX, TCX_DIR_INGRESS, &q));
	ASSERT_EQ(-ENOENT, tcx_prog_detach(LO_IFINDEX, TCX_DIR_INGRESS, 0,
					   NULL));
	ASSERT_EQ(-ENOENT, tcx_module_version(NULL, NULL, 0));

	ASSERT_EQ(0, umount2("/dev", 0));
	ASSERT_LE(0, tcx_dev_fd());
	ASSERT_EQ(0, tcx_query(LO_IFINDEX, TCX_DIR_INGRESS, &q));
}

#define RACERS	16

static pthread_barrier_t race_start;

static void *race_open(void *arg)
{
	int *fd = arg;

	pthread_barrier_wait(&race_start);
	*fd = tcx_dev_fd();
	return NULL;
}

/* Threads racing for the first open end up sharing one descriptor. */
TEST_F(tcx_dev, libtcx_open_race)
{
	char link[300], target[PATH_MAX];
	pthread_t threads[RACERS];
	int fds[RACERS], i, open_fds = 0;
	struct dirent *de;
	ssize_t n;
	DIR *dir;
	TCX_MODULE_ONLY("/dev/tcx");

	ASSERT_EQ(0, pthread_barrier_init(&race_start, NULL, RACERS));
	for (i = 0; i < RACERS; i++) {
		ASSERT_EQ(0, pthread_create(&threads[i], NULL, race_open,
					    &fds[i]));
	}
	for (i = 0; i < RACERS; i++) {
		ASSERT_EQ(0, pthread_join(threads[i], NULL));
	}

	for (i = 0; i < RACERS; i++) {
		ASSERT_LE(0, fds[i]);
		ASSERT_EQ(fds[0], fds[i]);
	}
	ASSERT_EQ(fds[0], tcx_dev_fd());

	dir = opendir("/proc/self/fd");
	ASSERT_NE(NULL, dir);
	while ((de = readdir(dir))) {
		snprintf(link, sizeof(link), "/proc/self/fd/%s", de->d_name);
		n = readlink(link, target, sizeof(target) - 1);
		if (n < 0)
			continue;
		target[n] = '\0';
		if (!strcmp(target, TCX_DEV_PATH))
			open_fds++;
	}
	closedir(dir);
	ASSERT_EQ(1, open_fds);
}

FIXTURE(ioctl_abi) {
	int fd;
	int prog_fd;
	size_t page;
};

FIXTURE_SETUP(ioctl_abi)
{
	int ret;

	self->prog_fd = -1;
	/* Nothing to set up on native tcx: the test body says SKIP. */
	if (tcx_test_native())
		return;
	ASSERT_TCX_DEV();
	self->fd = tcx_dev_fd();
	ret = tcx_test_netns();
	ASSERT_EQ(0, ret) TH_LOG("unshare(CLONE_NEWNET): %s", strerror(-ret));
	self->prog_fd = tcx_load_dummy();
	ASSERT_LE(0, self->prog_fd)
		TH_LOG("load a SCHED_CLS program: %s", strerror(-self->prog_fd));
	self->page = sysconf(_SC_PAGESIZE);
	ASSERT_EQ(0, lo_count(self->fd));
}

FIXTURE_TEARDOWN(ioctl_abi)
{
	int i;

	/* Not set up (skipped or failed early): not in a netns of our own. */
	if (self->prog_fd < 0)
		return;
	for (i = 0; i <= TCX_MAX_PROGS; i++)
		if (tcx_prog_detach(LO_IFINDEX, TCX_DIR_INGRESS, 0, NULL))
			break;
	close(self->prog_fd);
}

/* TCX_IOC_VERSION, raw and through libtcx. */
TEST_F(ioctl_abi, version)
{
	char buf[TCX_VERSION_LEN], small[2];
	struct tcx_version v;
	__u32 abi = 0;
	size_t len;
	int ret;
	TCX_MODULE_ONLY("/dev/tcx");

	memset(&v, 0xff, sizeof(v));
	v.size = sizeof(v);
	ASSERT_EQ(0, ioc(self->fd, TCX_IOC_VERSION, &v));
	ASSERT_EQ(sizeof(v), v.size);
	ASSERT_EQ((__u32)TCX_ABI_VERSION, v.abi_version);
	ASSERT_NE(NULL, memchr(v.module_version, '\0', TCX_VERSION_LEN))
		TH_LOG("module_version is not NUL-terminated");
	len = strlen(v.module_version);
	ASSERT_LT(0U, len) TH_LOG("empty module_version");
	TH_LOG("tcx module %s, ABI %u", v.module_version, v.abi_version);

	ret = tcx_module_version(&abi, buf, sizeof(buf));
	ASSERT_EQ((int)len, ret);
	ASSERT_EQ((__u32)TCX_ABI_VERSION, abi);
	ASSERT_STREQ(v.module_version, buf);

	/* Truncated as snprintf() does, and the full length returned. */
	ASSERT_EQ((int)len, tcx_module_version(NULL, small, sizeof(small)));
	ASSERT_EQ(v.module_version[0], small[0]);
	ASSERT_EQ('\0', small[1]);
	ASSERT_EQ((int)len, tcx_module_version(NULL, NULL, 0));
}

/* Commands the module does not know: ENOTTY. */
TEST_F(ioctl_abi, bad_cmd)
{
	struct tcx_version v = { .size = sizeof(v) };
	struct termios tio;
	TCX_MODULE_ONLY("/dev/tcx");

	ASSERT_EQ(ENOTTY, ioc(self->fd, _IOWR('t', 0x00, struct tcx_version),
			      &v));
	ASSERT_EQ(ENOTTY, ioc(self->fd, _IOWR(TCX_IOC_MAGIC + 1, 0x00,
					      struct tcx_version), &v));
	ASSERT_EQ(ENOTTY, ioc(self->fd, _IOWR(TCX_IOC_MAGIC, 0xff,
					      struct tcx_version), &v));
	ASSERT_EQ(ENOTTY, ioc(self->fd, _IO(TCX_IOC_MAGIC, 0xfe), NULL));
	ASSERT_EQ(ENOTTY, ioc(self->fd, TCGETS, &tio));
}

/*
 * The size in the command number is not checked, only the struct's own:
 * a caller built with a larger struct sends another command number.
 */
TEST_F(ioctl_abi, cmd_size_ignored)
{
	union arg_buf buf;
	unsigned int i;
	unsigned long cmd;
	TCX_MODULE_ONLY("/dev/tcx");

	for (i = 0; i < NR_CMDS; i++) {
		const struct tcx_cmd *c = &tcx_cmds[i];

		if (c->cmd == TCX_IOC_PROG_ATTACH ||
		    c->cmd == TCX_IOC_PROG_DETACH)
			continue;
		cmd = _IOC(_IOC_DIR(c->cmd), TCX_IOC_MAGIC, _IOC_NR(c->cmd),
			   c->size + TAIL);
		arg_init(&buf, c, self->prog_fd);
		buf.version.size = c->size + TAIL;
		ASSERT_EQ(0, ioc(self->fd, cmd, &buf))
			TH_LOG("%s with size %zu in the command", c->name,
			       c->size + TAIL);
	}

	arg_init(&buf, &tcx_cmds[1], self->prog_fd);
	cmd = _IOC(_IOC_WRITE, TCX_IOC_MAGIC, _IOC_NR(TCX_IOC_PROG_ATTACH), 8);
	ASSERT_EQ(0, ioc(self->fd, cmd, &buf));
	ASSERT_EQ(1, lo_count(self->fd));
	cmd = _IOC(_IOC_WRITE, TCX_IOC_MAGIC, _IOC_NR(TCX_IOC_PROG_DETACH), 0);
	ASSERT_EQ(0, ioc(self->fd, cmd, &buf));
	ASSERT_EQ(0, lo_count(self->fd));
}

/* Sizes below the first version of a struct: EINVAL. */
TEST_F(ioctl_abi, short_size)
{
	union arg_buf buf;
	unsigned int i, j;
	__u32 sizes[4];
	TCX_MODULE_ONLY("/dev/tcx");

	for (i = 0; i < NR_CMDS; i++) {
		const struct tcx_cmd *c = &tcx_cmds[i];

		sizes[0] = 0;
		sizes[1] = 4;
		sizes[2] = c->min_size / 2;
		sizes[3] = c->min_size - 1;
		for (j = 0; j < 4; j++) {
			arg_init(&buf, c, self->prog_fd);
			buf.version.size = sizes[j];
			ASSERT_EQ(EINVAL, ioc(self->fd, c->cmd, &buf))
				TH_LOG("%s with size %u", c->name, sizes[j]);
		}
	}
	ASSERT_EQ(0, lo_count(self->fd));
}

/* A caller of the first QUERY version gets nothing written past its size. */
TEST_F(ioctl_abi, old_query_size)
{
	union arg_buf buf;
	unsigned int i;
	TCX_MODULE_ONLY("/dev/tcx");

	ASSERT_EQ(0, tcx_prog_attach(LO_IFINDEX, TCX_DIR_INGRESS,
				     self->prog_fd, NULL));

	arg_init(&buf, &tcx_cmds[3], self->prog_fd);
	memset(buf.bytes + TCX_QUERY_ARGS_SIZE_VER0, 0xa5,
	       sizeof(buf) - TCX_QUERY_ARGS_SIZE_VER0);
	buf.query.size = TCX_QUERY_ARGS_SIZE_VER0;
	ASSERT_EQ(0, ioc(self->fd, TCX_IOC_QUERY, &buf));
	ASSERT_EQ(1U, buf.query.count);
	ASSERT_EQ(2ULL, buf.query.revision);
	for (i = TCX_QUERY_ARGS_SIZE_VER0; i < sizeof(buf); i++) {
		ASSERT_EQ(0xa5, buf.bytes[i])
			TH_LOG("byte %u past the caller's struct written", i);
	}
}

/*
 * A larger struct (a newer caller): E2BIG when the part this module does
 * not know holds anything but zeroes, accepted otherwise.
 */
TEST_F(ioctl_abi, big_size)
{
	static const size_t where[] = { 0, 1, TAIL - 1 };
	union arg_buf buf;
	unsigned int i, j;
	TCX_MODULE_ONLY("/dev/tcx");

	for (i = 0; i < NR_CMDS; i++) {
		const struct tcx_cmd *c = &tcx_cmds[i];

		for (j = 0; j < ARRAY_SIZE(where); j++) {
			arg_init(&buf, c, self->prog_fd);
			buf.version.size = c->size + TAIL;
			buf.bytes[c->size + where[j]] = 1;
			ASSERT_EQ(E2BIG, ioc(self->fd, c->cmd, &buf))
				TH_LOG("%s, non-zero byte %zu of the tail",
				       c->name, where[j]);
		}
	}
	ASSERT_EQ(0, lo_count(self->fd));

	for (i = 0; i < NR_CMDS; i++) {
		const struct tcx_cmd *c = &tcx_cmds[i];

		arg_init(&buf, c, self->prog_fd);
		buf.version.size = c->size + TAIL;
		ASSERT_EQ(0, ioc(self->fd, c->cmd, &buf))
			TH_LOG("%s with a zero tail", c->name);
		for (j = 0; j < TAIL; j++) {
			ASSERT_EQ(0, buf.bytes[c->size + j])
				TH_LOG("%s wrote into the tail", c->name);
		}
		if (c->cmd == TCX_IOC_VERSION) {
			ASSERT_EQ((__u32)TCX_ABI_VERSION,
				  buf.version.abi_version);
		}
		if (c->cmd == TCX_IOC_PROG_ATTACH) {
			ASSERT_EQ(1, lo_count(self->fd));
		}
		if (c->cmd == TCX_IOC_PROG_DETACH) {
			ASSERT_EQ(0, lo_count(self->fd));
		}
	}

	/* A program on the hook, seen by a query with a tail. */
	ASSERT_EQ(0, tcx_prog_attach(LO_IFINDEX, TCX_DIR_INGRESS,
				     self->prog_fd, NULL));
	arg_init(&buf, &tcx_cmds[3], self->prog_fd);
	buf.query.size = sizeof(buf.query) + TAIL;
	ASSERT_EQ(0, ioc(self->fd, TCX_IOC_QUERY, &buf));
	ASSERT_EQ(1U, buf.query.count);
	ASSERT_EQ(2ULL, buf.query.revision);
}

/* Arguments in memory the module cannot read, or cannot write back to. */
TEST_F(ioctl_abi, efault)
{
	unsigned char *p, *ro;
	struct tcx_query_args *q;
	union arg_buf buf;
	size_t page = self->page;
	unsigned int i;
	TCX_MODULE_ONLY("/dev/tcx");

	for (i = 0; i < NR_CMDS; i++) {
		ASSERT_EQ(EFAULT, ioc(self->fd, tcx_cmds[i].cmd, NULL))
			TH_LOG("%s with a NULL argument", tcx_cmds[i].name);
	}

	p = guarded_pages(page);
	ASSERT_NE(NULL, p);

	/* The whole argument unreadable. */
	for (i = 0; i < NR_CMDS; i++) {
		ASSERT_EQ(EFAULT, ioc(self->fd, tcx_cmds[i].cmd, p + page))
			TH_LOG("%s in an unreadable page", tcx_cmds[i].name);
	}

	/* The struct readable, its (claimed) tail not. */
	for (i = 0; i < NR_CMDS; i++) {
		const struct tcx_cmd *c = &tcx_cmds[i];
		unsigned char *arg = p + page - c->size;

		arg_init(&buf, c, self->prog_fd);
		memcpy(arg, &buf, c->size);
		((struct tcx_version *)arg)->size = c->size + TAIL;
		ASSERT_EQ(EFAULT, ioc(self->fd, c->cmd, arg))
			TH_LOG("%s with its tail in an unreadable page",
			       c->name);
	}
	ASSERT_EQ(0, lo_count(self->fd));

	/* Answers that cannot be written back. */
	ro = mmap(NULL, page, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	memset(ro, 0, page);
	((struct tcx_version *)ro)->size = sizeof(struct tcx_version);
	ASSERT_EQ(0, mprotect(ro, page, PROT_READ));
	ASSERT_EQ(EFAULT, ioc(self->fd, TCX_IOC_VERSION, ro));

	ASSERT_EQ(0, mprotect(ro, page, PROT_READ | PROT_WRITE));
	query_args_init((struct tcx_query_args *)ro);
	ASSERT_EQ(0, mprotect(ro, page, PROT_READ));
	ASSERT_EQ(EFAULT, ioc(self->fd, TCX_IOC_QUERY, ro));

	/* Attach and detach only read their argument. */
	ASSERT_EQ(0, mprotect(ro, page, PROT_READ | PROT_WRITE));
	prog_args_init((struct tcx_prog_args *)ro, self->prog_fd);
	ASSERT_EQ(0, mprotect(ro, page, PROT_READ));
	ASSERT_EQ(0, ioc(self->fd, TCX_IOC_PROG_ATTACH, ro));
	ASSERT_EQ(1, lo_count(self->fd));

	/* An id array the answer cannot be written to. */
	q = &buf.query;
	query_args_init(q);
	q->count = 1;
	q->prog_ids = (__u64)(uintptr_t)(p + page);
	ASSERT_EQ(EFAULT, ioc(self->fd, TCX_IOC_QUERY, q));
	q->prog_ids = (__u64)(uintptr_t)p;
	q->link_ids = (__u64)(uintptr_t)(p + page);
	ASSERT_EQ(EFAULT, ioc(self->fd, TCX_IOC_QUERY, q));
	q->link_ids = 0;
	q->prog_ids = (__u64)(uintptr_t)ro;
	ASSERT_EQ(EFAULT, ioc(self->fd, TCX_IOC_QUERY, q));

	ASSERT_EQ(0, ioc(self->fd, TCX_IOC_PROG_DETACH, ro));
	ASSERT_EQ(0, lo_count(self->fd));

	munmap(ro, page);
	munmap(p, 2 * page);
}

/* Reserved fields must be zero. */
TEST_F(ioctl_abi, reserved)
{
	static const __u32 values[] = { 1, 0x80000000U, ~0U };
	struct tcx_query_args q;
	struct tcx_prog_args a;
	unsigned int i;
	TCX_MODULE_ONLY("/dev/tcx");

	for (i = 0; i < ARRAY_SIZE(values); i++) {
		prog_args_init(&a, self->prog_fd);
		a.__reserved = values[i];
		ASSERT_EQ(EINVAL, ioc(self->fd, TCX_IOC_PROG_ATTACH, &a))
			TH_LOG("attach with __reserved %#x", values[i]);
		ASSERT_EQ(0, lo_count(self->fd));

		query_args_init(&q);
		q.__reserved = values[i];
		ASSERT_EQ(EINVAL, ioc(self->fd, TCX_IOC_QUERY, &q))
			TH_LOG("query with __reserved %#x", values[i]);
	}

	prog_args_init(&a, self->prog_fd);
	ASSERT_EQ(0, ioc(self->fd, TCX_IOC_PROG_ATTACH, &a));
	for (i = 0; i < ARRAY_SIZE(values); i++) {
		a.__reserved = values[i];
		ASSERT_EQ(EINVAL, ioc(self->fd, TCX_IOC_PROG_DETACH, &a))
			TH_LOG("detach with __reserved %#x", values[i]);
		ASSERT_EQ(1, lo_count(self->fd));
	}
	a.__reserved = 0;
	ASSERT_EQ(0, ioc(self->fd, TCX_IOC_PROG_DETACH, &a));
	ASSERT_EQ(0, lo_count(self->fd));
}

TEST_HARNESS_MAIN
