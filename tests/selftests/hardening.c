// SPDX-License-Identifier: GPL-2.0
/*
 * What a caller allowed to use /dev/tcx, or holding a link fd, must not be
 * able to do to the rest of the host, and behaviour of 6.1 that tcx-dkms
 * cannot change, pinned:
 *
 *  - user memory is never touched under RTNL: a query whose output faults
 *    forever (userfaultfd) stalls its caller only, not `ip link add`;
 *  - an argument's size is read once, whatever the copy finds later;
 *  - changing a hook takes /dev/tcx opened for writing, reading one not;
 *  - a link fd is the capability to update and detach its link, also in a
 *    process without any capability that got it over a unix socket;
 *  - a container's root looping over attach and detach sends no IPIs to
 *    other CPUs (no expedited grace periods);
 *  - a tag is printable ASCII, and a comm that holds a newline cannot
 *    forge fdinfo lines;
 *  - classic tc redirecting to a device skips that device's tcx egress
 *    (6.1; upstream runs it), and programs attached inside a network
 *    namespace stay on a device that moves out of it (as upstream).
 *
 * Each test works in a network namespace of its own.
 */
#define _GNU_SOURCE
#include "tcx_test.h"

#include <grp.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/userfaultfd.h>
#include <linux/tcx.h>

#define TCX_PATH	"/dev/" TCX_DEVICE_NAME
#define NOBODY		65534
/* How long anything that should be prompt may take under emulation. */
#define PROMPT_MS	10000

static int xioctl(int fd, unsigned long cmd, void *arg)
{
	int ret = ioctl(fd, cmd, arg);

	return ret < 0 ? -errno : ret;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- userfaultfd: memory whose first touch waits for the test --------- */

struct uffd_area {
	int fd;
	char *mem;		/* two pages: the second one is registered */
	long page;
};

static int uffd_area_init(struct uffd_area *a)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = {};

	a->page = sysconf(_SC_PAGESIZE);
	a->fd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (a->fd < 0)
		return -errno;
	if (ioctl(a->fd, UFFDIO_API, &api))
		return -errno;
	a->mem = mmap(NULL, 2 * a->page, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a->mem == MAP_FAILED)
		return -errno;
	memset(a->mem, 0, a->page);
	reg.range.start = (unsigned long)a->mem + a->page;
	reg.range.len = a->page;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	if (ioctl(a->fd, UFFDIO_REGISTER, &reg))
		return -errno;
	return 0;
}

/* Wait up to PROMPT_MS for a fault in the registered page. */
static bool uffd_wait_fault(struct uffd_area *a)
{
	struct pollfd pfd = { .fd = a->fd, .events = POLLIN };
	struct uffd_msg msg;

	if (poll(&pfd, 1, PROMPT_MS) != 1)
		return false;
	return read(a->fd, &msg, sizeof(msg)) == sizeof(msg) &&
	       msg.event == UFFD_EVENT_PAGEFAULT;
}

/* Let the faulting access go on: the page is mapped as zeroes. */
static int uffd_release(struct uffd_area *a)
{
	struct uffdio_zeropage zp = {
		.range = {
			.start = (unsigned long)a->mem + a->page,
			.len = a->page,
		},
	};

	if (ioctl(a->fd, UFFDIO_ZEROPAGE, &zp) && errno != EEXIST)
		return -errno;
	return 0;
}

static void uffd_area_fini(struct uffd_area *a)
{
	if (a->mem && a->mem != MAP_FAILED)
		munmap(a->mem, 2 * a->page);
	if (a->fd >= 0)
		close(a->fd);
}

struct query_call {
	int dev;
	struct tcx_query_args *args;
	int ret;
};

static void *query_thread(void *arg)
{
	struct query_call *c = arg;

	c->ret = xioctl(c->dev, TCX_IOC_QUERY, c->args);
	return NULL;
}

/* Run CMD in a child; its exit status, or -ETIMEDOUT after MS (still running: *pid). */
static int run_bounded(const char *cmd, long ms, pid_t *pid)
{
	long end = now_ms() + ms;
	int status;
	pid_t ret;

	*pid = fork();
	if (*pid < 0)
		return -errno;
	if (!*pid) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	do {
		ret = waitpid(*pid, &status, WNOHANG);
		if (ret == *pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : -ECHILD;
		usleep(10 * 1000);
	} while (now_ms() < end);
	return -ETIMEDOUT;
}

static int load_prog(void)
{
	return tcx_load_dummy();
}

/*
 * In a network namespace of the test's own, a program on lo's ingress
 * (*prog) and the userfaultfd area: 0, or uffd_area_init()'s error.
 */
static int query_setup(struct __test_metadata *_metadata,
		       struct uffd_area *a, int *prog)
{
	ASSERT_EQ(0, tcx_test_netns());
	ASSERT_TCX_DEV();
	*prog = load_prog();
	ASSERT_LE(0, *prog);
	ASSERT_EQ(0, tcx_prog_attach(LO_IFINDEX, TCX_DIR_INGRESS, *prog,
				     NULL));
	return uffd_area_init(a);
}

/*
 * A query whose prog_ids array faults and stays faulted holds no lock:
 * `ip link add` from another process completes meanwhile.
 */
TEST(query_fault_leaves_rtnl_free)
{
	struct uffd_area a = { .fd = -1 };
	struct tcx_query_args q = {};
	struct query_call call;
	pthread_t thread;
	int prog, ret, status;
	pid_t ip;

	TCX_MODULE_ONLY("/dev/tcx");
	ret = query_setup(_metadata, &a, &prog);
	if (ret == -EPERM || ret == -ENOSYS)
		SKIP(return, "no userfaultfd here: %s", strerror(-ret));
	ASSERT_EQ(0, ret);

	q.size = sizeof(q);
	q.ifindex = LO_IFINDEX;
	q.direction = TCX_INGRESS;
	q.count = 8;
	q.prog_ids = (unsigned long)(a.mem + a.page);
	call.dev = tcx_dev_fd();
	call.args = &q;
	ASSERT_EQ(0, pthread_create(&thread, NULL, query_thread, &call));

	ASSERT_TRUE(uffd_wait_fault(&a))
		TH_LOG("the query never touched its prog_ids array");
	/* The query is stuck in its copy; RTNL must be free. */
	ret = run_bounded("ip link add name hd0 type dummy", PROMPT_MS, &ip);
	/* Whatever the outcome, let the query and ip finish. */
	EXPECT_EQ(0, uffd_release(&a));
	pthread_join(thread, NULL);
	if (ret == -ETIMEDOUT)
		waitpid(ip, &status, 0);
	EXPECT_EQ(0, ret)
		TH_LOG("ip link add %s while a query waited on its fault",
		       ret == -ETIMEDOUT ? "blocked" : "failed");
	EXPECT_EQ(0, call.ret);
	EXPECT_EQ(1U, q.count);
	EXPECT_EQ(tcx_prog_id(prog), *(__u32 *)(a.mem + a.page));
	uffd_area_fini(&a);
	close(prog);
}

/*
 * The size is read once.  The struct is one u64 larger than the module's,
 * with that zero tail in the registered page: the module reads the size,
 * checks the tail (and faults), then copies the struct.  While it waits,
 * the size field becomes the first version's, which has no stats; the
 * module must still answer for the size it read first.
 */
TEST(args_size_read_once)
{
	struct uffd_area a = { .fd = -1 };
	const size_t ksize = sizeof(struct tcx_query_args);
	struct tcx_query_args *q;
	struct query_call call;
	pthread_t thread;
	int prog, ret;

	TCX_MODULE_ONLY("/dev/tcx");
	ret = query_setup(_metadata, &a, &prog);
	if (ret == -EPERM || ret == -ENOSYS)
		SKIP(return, "no userfaultfd here: %s", strerror(-ret));
	ASSERT_EQ(0, ret);

	/* The struct ends where the registered page begins. */
	q = (struct tcx_query_args *)(a.mem + a.page - ksize);
	q->size = ksize + sizeof(__u64);
	q->ifindex = LO_IFINDEX;
	q->direction = TCX_INGRESS;
	q->hook_flags = 0xdead0000;
	call.dev = tcx_dev_fd();
	call.args = q;
	ASSERT_EQ(0, pthread_create(&thread, NULL, query_thread, &call));

	ASSERT_TRUE(uffd_wait_fault(&a))
		TH_LOG("the module never read the struct's tail");
	q->size = TCX_QUERY_ARGS_SIZE_VER0;
	EXPECT_EQ(0, uffd_release(&a));
	pthread_join(thread, NULL);

	EXPECT_EQ(0, call.ret);
	EXPECT_EQ(1U, q->count);
	EXPECT_EQ(TCX_HOOK_F_LIVE, q->hook_flags)
		TH_LOG("hook_flags %#x: the module took the size it read second",
		       q->hook_flags);
	uffd_area_fini(&a);
	close(prog);
}

/* ---- /dev/tcx opened for reading only -------------------------------- */

TEST(read_only_fd_queries_only)
{
	struct tcx_prog_args pa = {
		.size = sizeof(pa),
		.ifindex = LO_IFINDEX,
		.direction = TCX_INGRESS,
	};
	struct tcx_link_create_args la = {
		.size = sizeof(la),
		.ifindex = LO_IFINDEX,
		.direction = TCX_INGRESS,
	};
	struct tcx_query_args q = {
		.size = sizeof(q),
		.ifindex = LO_IFINDEX,
		.direction = TCX_INGRESS,
	};
	int ro, rw, prog, link;

	TCX_MODULE_ONLY("/dev/tcx");
	ASSERT_EQ(0, tcx_test_netns());
	ro = open(TCX_PATH, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, ro);
	rw = open(TCX_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, rw);
	prog = load_prog();
	ASSERT_LE(0, prog);
	pa.prog_fd = prog;
	la.prog_fd = prog;

	EXPECT_EQ(-EBADF, xioctl(ro, TCX_IOC_PROG_ATTACH, &pa));
	EXPECT_EQ(-EBADF, xioctl(ro, TCX_IOC_LINK_CREATE, &la));
	ASSERT_EQ(0, xioctl(ro, TCX_IOC_QUERY, &q));
	EXPECT_EQ(0U, q.count);

	ASSERT_EQ(0, xioctl(rw, TCX_IOC_PROG_ATTACH, &pa));
	EXPECT_EQ(-EBADF, xioctl(ro, TCX_IOC_PROG_DETACH, &pa));
	q.count = 0;
	ASSERT_EQ(0, xioctl(ro, TCX_IOC_QUERY, &q));
	EXPECT_EQ(1U, q.count);
	EXPECT_EQ(0, xioctl(rw, TCX_IOC_PROG_DETACH, &pa));

	/* What the link fd does is the link's business, not /dev/tcx's. */
	link = xioctl(rw, TCX_IOC_LINK_CREATE, &la);
	ASSERT_LE(0, link);
	EXPECT_EQ(0, xioctl(link, TCX_IOC_LINK_DETACH, NULL));
	close(link);
	close(prog);
	close(rw);
	close(ro);
}

/* ---- the link fd is the capability ----------------------------------- */

static int send_fds(int sock, const int *fds, int n)
{
	char buf[CMSG_SPACE(4 * sizeof(int))] = {};
	char byte = 'f';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = buf,
		.msg_controllen = CMSG_SPACE(n * sizeof(int)),
	};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);

	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(n * sizeof(int));
	memcpy(CMSG_DATA(cmsg), fds, n * sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -errno;
}

static int recv_fds(int sock, int *fds, int n)
{
	char buf[CMSG_SPACE(4 * sizeof(int))] = {};
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = buf,
		.msg_controllen = CMSG_SPACE(n * sizeof(int)),
	};
	struct cmsghdr *cmsg;

	if (recvmsg(sock, &msg, 0) != 1)
		return -errno;
	cmsg = CMSG_FIRSTHDR(&msg);
	if (!cmsg || cmsg->cmsg_type != SCM_RIGHTS ||
	    cmsg->cmsg_len != CMSG_LEN(n * sizeof(int)))
		return -EPROTO;
	memcpy(fds, CMSG_DATA(cmsg), n * sizeof(int));
	return 0;
}

/* Exit codes of the child in link_fd_is_the_capability. */
enum { CHILD_OK, CHILD_SETUP, CHILD_CAPS, CHILD_BY_ID, CHILD_UPDATE,
       CHILD_DETACH };

/* Is the effective capability set of this process empty? */
static bool no_caps(void)
{
	unsigned long long eff = ~0ULL;
	char line[128];
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &eff) == 1)
			break;
	fclose(f);
	return eff == 0;
}

/* Leaving root for nobody clears every capability (no keepcaps). */
static int drop_to_nobody(void)
{
	if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	    setresuid(NOBODY, NOBODY, NOBODY))
		return -errno;
	return no_caps() ? 0 : -EPERM;
}

TEST(link_fd_is_the_capability)
{
	struct tcx_link_info info;
	int sv[2], fds[2], prog_a, prog_b, link, status;
	struct tcx_link_id_args by_id = { .size = sizeof(by_id) };
	pid_t pid;

	TCX_MODULE_ONLY("/dev/tcx");
	ASSERT_EQ(0, tcx_test_netns());
	ASSERT_TCX_DEV();
	prog_a = load_prog();
	prog_b = load_prog();
	ASSERT_LE(0, prog_a);
	ASSERT_LE(0, prog_b);
	link = tcx_link_create(LO_IFINDEX, TCX_DIR_INGRESS, prog_a, NULL);
	ASSERT_LE(0, link);
	ASSERT_EQ(0, tcx_link_get_info(link, &info));
	by_id.id = info.id;
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv));

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct tcx_link_update_args up = { .size = sizeof(up) };
		int dev = open(TCX_PATH, O_RDWR | O_CLOEXEC);

		close(sv[0]);
		close(link);
		close(prog_b);
		if (dev < 0 || drop_to_nobody())
			_exit(CHILD_SETUP);
		if (recv_fds(sv[1], fds, 2))
			_exit(CHILD_SETUP);
		if (!no_caps())
			_exit(CHILD_CAPS);
		/* Finding links by id stays CAP_SYS_ADMIN's. */
		if (xioctl(dev, TCX_IOC_LINK_GET_FD_BY_ID, &by_id) != -EPERM)
			_exit(CHILD_BY_ID);
		up.new_prog_fd = fds[1];
		if (xioctl(fds[0], TCX_IOC_LINK_UPDATE, &up))
			_exit(CHILD_UPDATE);
		if (xioctl(fds[0], TCX_IOC_LINK_DETACH, NULL))
			_exit(CHILD_DETACH);
		_exit(CHILD_OK);
	}
	close(sv[1]);
	fds[0] = link;
	fds[1] = prog_b;
	ASSERT_EQ(0, send_fds(sv[0], fds, 2));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(CHILD_OK, WEXITSTATUS(status))
		TH_LOG("step %d failed in the process without capabilities",
		       WEXITSTATUS(status));

	ASSERT_EQ(0, tcx_link_get_info(link, &info));
	EXPECT_EQ(tcx_prog_id(prog_b), info.prog_id);
	EXPECT_EQ(TCX_LINK_F_DEFUNCT, info.flags & TCX_LINK_F_DEFUNCT);
	close(sv[0]);
	close(link);
	close(prog_a);
	close(prog_b);
}

/* ---- grace periods a container can trigger --------------------------- */

/* Function call IPIs taken by CPU so far (the CAL line of /proc/interrupts). */
static long cal_irqs(int cpu)
{
	char line[4096], *p, *end;
	long n = -1;
	FILE *f = fopen("/proc/interrupts", "r");
	int i;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		p = line + strspn(line, " ");
		if (strncmp(p, "CAL:", 4))
			continue;
		p += 4;
		for (i = 0; i <= cpu; i++) {
			n = strtol(p, &end, 10);
			if (end == p) {
				n = -1;
				break;
			}
			p = end;
		}
		break;
	}
	fclose(f);
	return n;
}

static int pin_to(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

#define GP_PAIRS	50

/*
 * In a child, on CPU 0, in a network namespace of its own (owned by a new
 * user namespace with USERNS): a program that stays, then GP_PAIRS
 * attach+detach pairs of another one, each of which publishes a new array.
 * Returns how many function call IPIs CPU 1 took during the pairs alone,
 * or -1 (with the child's exit status in *ms).
 */
static long gp_loop_ipis(int dev, int base, int prog, bool userns, long *ms)
{
	struct tcx_prog_args a = {
		.size = sizeof(a),
		.ifindex = LO_IFINDEX,
		.direction = TCX_INGRESS,
	};
	int ready[2], go[2], status, i;
	long before = 0, start = 0;
	char c = 0;
	pid_t pid;

	if (pipe2(ready, O_CLOEXEC) || pipe2(go, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		/* Out of the VM's chroot, which forbids user namespaces. */
		if (pin_to(0) || (userns && tcx_test_leave_chroot()) ||
		    unshare(CLONE_NEWNET | (userns ? CLONE_NEWUSER : 0)))
			_exit(1);
		a.prog_fd = base;
		if (xioctl(dev, TCX_IOC_PROG_ATTACH, &a))
			_exit(2);
		if (write(ready[1], "r", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(3);
		a.prog_fd = prog;
		for (i = 0; i < GP_PAIRS; i++)
			if (xioctl(dev, TCX_IOC_PROG_ATTACH, &a) ||
			    xioctl(dev, TCX_IOC_PROG_DETACH, &a))
				_exit(4);
		_exit(0);
	}
	close(ready[1]);
	close(go[0]);
	/* Set-up done (or failed: then the read sees the pipe closed). */
	if (read(ready[0], &c, 1) == 1) {
		before = cal_irqs(1);
		start = now_ms();
		if (write(go[1], "g", 1) != 1)
			c = 0;
	}
	close(go[1]);
	close(ready[0]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) || c != 'r') {
		*ms = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		return -1;
	}
	*ms = now_ms() - start;
	return cal_irqs(1) - before;
}

/*
 * Expedited grace periods interrupt every CPU that is not idle; CPU 1
 * spins in user space so that it never is.  An administrator of the host
 * gets them (they keep RTNL short), the root of a user namespace does not.
 */
/* Does the kernel run expedited grace periods as normal ones? */
static bool rcu_normal(void)
{
	char c = '0';
	int fd;

	fd = open("/sys/kernel/rcu_normal", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	if (read(fd, &c, 1) != 1)
		c = '0';
	close(fd);
	return c == '1';
}

TEST(userns_loop_sends_no_ipis)
{
	long host, userns, host_ms = 0, userns_ms = 0;
	int dev, base, prog, status;
	pid_t spinner;

	TCX_MODULE_ONLY("/dev/tcx");
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		SKIP(return, "needs a second CPU");
	if (cal_irqs(1) < 0)
		SKIP(return, "no function call IPI counts in /proc/interrupts");
	dev = open(TCX_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, dev);
	base = load_prog();
	prog = load_prog();
	ASSERT_LE(0, base);
	ASSERT_LE(0, prog);

	spinner = fork();
	ASSERT_LE(0, spinner);
	if (!spinner) {
		if (pin_to(1))
			_exit(1);
		for (;;)
			;
	}
	host = gp_loop_ipis(dev, base, prog, false, &host_ms);
	userns = gp_loop_ipis(dev, base, prog, true, &userns_ms);
	kill(spinner, SIGKILL);
	waitpid(spinner, &status, 0);

	TH_LOG("%d attach+detach pairs: host admin %ld ms, %ld IPIs on CPU 1; user namespace root %ld ms, %ld IPIs",
	       GP_PAIRS, host_ms, host, userns_ms, userns);
	ASSERT_LE(0, host);
	ASSERT_LE(0, userns);
	EXPECT_GT(GP_PAIRS / 5, userns);
	/*
	 * The measure works: one expedited grace period per change.  Not
	 * where the kernel makes every expedited grace period a normal one
	 * (rcupdate.rcu_normal, the default of PREEMPT_RT after boot).
	 */
	if (rcu_normal())
		SKIP(return, "expedited grace periods are normal ones here (rcu_normal)");
	EXPECT_LE(GP_PAIRS, host);
	close(prog);
	close(base);
	close(dev);
}

/* ---- what a tag and a comm can say ----------------------------------- */

static const char * const hostile_tags[] = {
	"x\nprog_id:\t1",	/* forges upstream's fdinfo line */
	"tab\there",
	"del\x7f",
	"caf\xc3\xa9",		/* UTF-8: not ASCII */
	"\x1b[2J",		/* terminal escape */
};

/* libtcx refuses them itself, on both backends. */
TEST(libtcx_refuses_hostile_tags)
{
	int prog, link;
	size_t i;

	ASSERT_EQ(0, tcx_test_netns());
	ASSERT_TCX_DEV();
	prog = load_prog();
	ASSERT_LE(0, prog);
	for (i = 0; i < ARRAY_SIZE(hostile_tags); i++) {
		LIBTCX_OPTS(tcx_opts, opts, .tag = hostile_tags[i]);

		EXPECT_EQ(-EINVAL, tcx_link_create(LO_IFINDEX, TCX_DIR_INGRESS,
						   prog, &opts))
			TH_LOG("tag %zu", i);
	}
	{
		LIBTCX_OPTS(tcx_opts, opts, .tag = "agent v2.1 (pid 42) ~ok");

		link = tcx_link_create(LO_IFINDEX, TCX_DIR_INGRESS, prog, &opts);
		ASSERT_LE(0, link);
		close(link);
	}
	close(prog);
}

/* And the module refuses them from a caller that does not use libtcx. */
TEST(module_refuses_hostile_tags)
{
	struct tcx_link_create_args a = {
		.size = sizeof(a),
		.ifindex = LO_IFINDEX,
		.direction = TCX_INGRESS,
	};
	int dev, prog, link;
	size_t i;

	TCX_MODULE_ONLY("/dev/tcx");
	ASSERT_EQ(0, tcx_test_netns());
	dev = open(TCX_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, dev);
	prog = load_prog();
	ASSERT_LE(0, prog);
	a.prog_fd = prog;
	for (i = 0; i < ARRAY_SIZE(hostile_tags); i++) {
		strcpy(a.tag, hostile_tags[i]);
		EXPECT_EQ(-EINVAL, xioctl(dev, TCX_IOC_LINK_CREATE, &a))
			TH_LOG("tag %zu", i);
	}
	/* Printable, but without its NUL. */
	memset(a.tag, 'a', sizeof(a.tag));
	EXPECT_EQ(-EINVAL, xioctl(dev, TCX_IOC_LINK_CREATE, &a));
	memset(a.tag, 0, sizeof(a.tag));
	strcpy(a.tag, "plain tag");
	link = xioctl(dev, TCX_IOC_LINK_CREATE, &a);
	ASSERT_LE(0, link);
	close(link);
	close(prog);
	close(dev);
}

/* The lines of FD's fdinfo that start with KEY, and the last such line. */
static int fdinfo_lines(int fd, const char *key, char *last, size_t len)
{
	char path[64], line[256];
	int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, strlen(key)))
			continue;
		n++;
		snprintf(last, len, "%s", line);
	}
	fclose(f);
	return n;
}

TEST(comm_cannot_forge_fdinfo)
{
	const char *forged = "x\nprog_id:\t7";
	const char *escaped = "x\\nprog_id:\\t7";
	struct tcx_link_info info;
	char comm[16], line[256], want[64];
	int prog, link;

	TCX_MODULE_ONLY("owner comm");
	ASSERT_EQ(0, tcx_test_netns());
	ASSERT_TCX_DEV();
	prog = load_prog();
	ASSERT_LE(0, prog);
	ASSERT_EQ(0, prctl(PR_GET_NAME, comm));
	ASSERT_EQ(0, prctl(PR_SET_NAME, forged));
	link = tcx_link_create(LO_IFINDEX, TCX_DIR_INGRESS, prog, NULL);
	ASSERT_EQ(0, prctl(PR_SET_NAME, comm));
	ASSERT_LE(0, link);

	EXPECT_EQ(1, fdinfo_lines(link, "prog_id:", line, sizeof(line)));
	snprintf(want, sizeof(want), "prog_id:\t%u\n", tcx_prog_id(prog));
	EXPECT_STREQ(want, line);
	EXPECT_EQ(1, fdinfo_lines(link, "owner_comm:", line, sizeof(line)));
	snprintf(want, sizeof(want), "owner_comm:\t%s\n", escaped);
	EXPECT_STREQ(want, line);
	ASSERT_EQ(0, tcx_link_get_info(link, &info));
	EXPECT_STREQ(escaped, info.owner_comm);
	close(link);
	close(prog);
}

/* ---- what 6.1 decides, pinned ----------------------------------------- */

#define ETH_P_TEST	0x88b5	/* IEEE local experimental */

static int pkt_socket(const char *ifname)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_TEST),
		.sll_ifindex = if_nametoindex(ifname),
	};
	int fd;

	if (!sll.sll_ifindex)
		return -ENODEV;
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_TEST));
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		close(fd);
		return -errno;
	}
	return fd;
}

/* A broadcast frame out of IFNAME that carries MARK. */
static int send_frame(int sock, const char *ifname, unsigned char mark)
{
	unsigned char frame[ETH_ZLEN] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
		ETH_P_TEST >> 8, ETH_P_TEST & 0xff,
	};
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_ifindex = if_nametoindex(ifname),
		.sll_halen = ETH_ALEN,
	};

	memset(frame + ETH_HLEN, mark, sizeof(frame) - ETH_HLEN);
	memset(sll.sll_addr, 0xff, ETH_ALEN);
	return sendto(sock, frame, sizeof(frame), 0, (struct sockaddr *)&sll,
		      sizeof(sll)) == sizeof(frame) ? 0 : -errno;
}

/* Did a frame with MARK arrive on SOCK within PROMPT_MS? */
static bool recv_frame(int sock, unsigned char mark)
{
	struct pollfd pfd = { .fd = sock, .events = POLLIN };
	unsigned char buf[2048];
	long end = now_ms() + PROMPT_MS;
	ssize_t n;

	while (now_ms() < end) {
		if (poll(&pfd, 1, 100) != 1)
			continue;
		n = recv(sock, buf, sizeof(buf), 0);
		if (n >= ETH_ZLEN && buf[ETH_HLEN] == mark)
			return true;
	}
	return false;
}

/* Load hardening.bpf.o's counting program; its map's fd in *map. */
static int load_counter(struct bpf_object **obj, int *map)
{
	struct bpf_program *p;
	char path[PATH_MAX];
	int ret;

	ret = tcx_bpf_obj_path(path, sizeof(path), "hardening.bpf.o");
	if (ret)
		return ret;
	*obj = bpf_object__open_file(path, NULL);
	if (!*obj)
		return -errno;
	p = bpf_object__find_program_by_name(*obj, "count_next");
	if (!p)
		return -ENOENT;
	bpf_program__set_type(p, BPF_PROG_TYPE_SCHED_CLS);
	ret = bpf_object__load(*obj);
	if (ret)
		return ret;
	*map = bpf_object__find_map_fd_by_name(*obj, "hits");
	return bpf_program__fd(p);
}

static __u64 counter(int map)
{
	__u32 key = 0;
	__u64 n = 0;

	bpf_map_lookup_elem(map, &key, &n);
	return n;
}

/*
 * ha0 -> ha1, whose clsact ingress redirects with act_mirred to hb0's
 * egress -> hb1.  hb0 has a tcx egress program that counts.  On 6.1 the
 * core marks packets in tc so that no netfilter egress hook sees them
 * (nf_skip_egress), and tcx-dkms's egress is one: the program does not
 * run.  Upstream's tcx egress runs for them.
 */
TEST(classic_tc_redirect_skips_tcx_egress)
{
	struct bpf_object *obj = NULL;
	int prog, map, tx, rx;
	__u64 direct;

	ASSERT_EQ(0, tcx_test_netns());
	ASSERT_TCX_DEV();
	ASSERT_EQ(0, tcx_run("ip link add name ha0 type veth peer name ha1 && "
			     "ip link add name hb0 type veth peer name hb1 && "
			     "for d in ha0 ha1 hb0 hb1; do ip link set dev $d up || exit 1; done"));
	ASSERT_EQ(0, tcx_run("tc qdisc add dev ha1 clsact && "
			     "tc filter add dev ha1 ingress matchall action mirred egress redirect dev hb0"));
	prog = load_counter(&obj, &map);
	ASSERT_LE(0, prog);
	ASSERT_EQ(0, tcx_prog_attach(if_nametoindex("hb0"), TCX_DIR_EGRESS,
				     prog, NULL));
	rx = pkt_socket("hb1");
	ASSERT_LE(0, rx);
	tx = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, tx);

	/* Sent out of hb0 itself, the frame meets the program. */
	ASSERT_EQ(0, send_frame(tx, "hb0", 0x5a));
	ASSERT_TRUE(recv_frame(rx, 0x5a));
	direct = counter(map);
	ASSERT_LE(1ULL, direct);

	/* Redirected to hb0 by classic tc, it arrives all the same... */
	ASSERT_EQ(0, send_frame(tx, "ha0", 0xa5));
	ASSERT_TRUE(recv_frame(rx, 0xa5));
	/* ...but tcx egress on hb0 runs only on native tcx. */
	if (tcx_test_native()) {
		EXPECT_LT(direct, counter(map));
	} else {
		EXPECT_EQ(direct, counter(map));
	}
	close(tx);
	close(rx);
	bpf_object__close(obj);
}

/*
 * A device moved into a child's network namespace, given a tcx program
 * and a clsact qdisc there, and moved back: the program stays (as
 * upstream), the qdisc does not (the move shuts the device's qdiscs down).
 */
TEST(programs_follow_device_out_of_netns)
{
	struct tcx_query q = { .sz = sizeof(q) };
	int prog, go[2], ready[2], status;
	__u32 ids[4];
	char c;
	pid_t pid;

	ASSERT_EQ(0, tcx_test_netns());
	ASSERT_TCX_DEV();
	ASSERT_EQ(0, tcx_run("ip link add name hm0 type veth peer name hm1"));
	prog = load_prog();
	ASSERT_LE(0, prog);
	ASSERT_EQ(0, pipe2(go, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(ready, O_CLOEXEC));

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		int ifindex;

		if (unshare(CLONE_NEWNET) || write(ready[1], "r", 1) != 1 ||
		    read(go[0], &c, 1) != 1)
			_exit(1);
		ifindex = if_nametoindex("hm1");
		if (!ifindex)
			_exit(2);
		if (tcx_prog_attach(ifindex, TCX_DIR_INGRESS, prog, NULL))
			_exit(3);
		if (tcx_run("tc qdisc add dev hm1 clsact"))
			_exit(4);
		if (tcx_run("ip link set dev hm1 netns %d", (int)getppid()))
			_exit(5);
		_exit(0);
	}
	ASSERT_EQ(1, read(ready[0], &c, 1));
	ASSERT_EQ(0, tcx_run("ip link set dev hm1 netns %d", (int)pid));
	ASSERT_EQ(1, write(go[1], "g", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status))
		TH_LOG("step %d failed in the child's namespace",
		       WEXITSTATUS(status));

	q.count = ARRAY_SIZE(ids);
	q.prog_ids = ids;
	ASSERT_EQ(0, tcx_query(if_nametoindex("hm1"), TCX_DIR_INGRESS, &q));
	EXPECT_EQ(1U, q.count);
	EXPECT_EQ(tcx_prog_id(prog), ids[0]);
	EXPECT_NE(0, tcx_run("tc qdisc show dev hm1 | grep -q clsact"));
	ASSERT_EQ(0, tcx_prog_detach(if_nametoindex("hm1"), TCX_DIR_INGRESS,
				     prog, NULL));
	close(prog);
}

TEST_HARNESS_MAIN
