/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the tcx selftests, and the kselftest harness itself:
 * include this first instead of kselftest_harness.h.
 *
 * Mind that ASSERT_*() and EXPECT_*() expand to more than one statement
 * (the check, then the optional TH_LOG handler): as the body of a loop or
 * an if, they need braces.
 *
 * The tests run as root inside the test VM, from any working directory:
 * on 6.1 against tcx.ko, on 6.12 against the kernel's own tcx, through the
 * same libtcx calls (libtcx picks its backend; TCX_BACKEND forces one).
 * What only tcx-dkms has is tested under TCX_MODULE_ONLY() and counted as
 * skipped on native tcx.  BPF objects are looked up in $TCX_BPF_DIR, else
 * in ../bpf next to the test binary (build/selftests -> build/bpf).
 */
#ifndef __TCX_TEST_H
#define __TCX_TEST_H

/* 6.1's harness has an unused parameter, which -Wextra -Werror rejects. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop

/*
 * The harness's 30 s per test, which TEST() and TEST_F() read when they
 * are expanded: on the debug kernel (KASAN, lockdep, kmemleak) under
 * emulation a test that spawns tools or deletes devices can take longer.
 * A hang is still caught, only later.
 */
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT	180

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "libtcx.h"

#define LO_IFINDEX	1

/* Are the tests running against the kernel's own tcx? */
static inline bool tcx_test_native(void)
{
	return tcx_backend() == TCX_BACKEND_NATIVE;
}

/*
 * A test of what only tcx-dkms has (its ioctls, the module itself, owner
 * and tag, hook flags and counters): skipped on native tcx.  First thing in
 * the test body: a SKIP() in FIXTURE_SETUP does not stop the body.
 */
#define TCX_MODULE_ONLY(what)							do {										if (tcx_test_native())								SKIP(return, "native tcx has no %s", what);		} while (0)

/*
 * Did the query bring the hook's counters and live flag?  tcx-dkms keeps
 * them; native tcx has none (TCX_QUERY_NO_STATS, TCX_QUERY_NO_HOOK_FLAGS).
 */
static inline bool tcx_test_has_stats(const struct tcx_query *q)
{
	return !(q->unavailable & (TCX_QUERY_NO_STATS | TCX_QUERY_NO_HOOK_FLAGS));
}

/*
 * tcx_link_info.flags as the backend reports them: native tcx knows no
 * owner and no tag, and says so.
 */
static inline __u32 tcx_test_link_flags(__u32 flags)
{
	if (tcx_test_native())
		flags |= TCX_LINK_F_NO_OWNER | TCX_LINK_F_NO_TAG;
	return flags;
}

#ifndef offsetofend
#define offsetofend(TYPE, FIELD) \
	(offsetof(TYPE, FIELD) + sizeof(((TYPE *)0)->FIELD))
#endif

/*
 * Fail the test with one line that says what is missing: the backend, and
 * for the module /dev/tcx.
 */
#define ASSERT_TCX_DEV()						\
	do {								\
		int __b = tcx_backend(), __fd;				\
									\
		ASSERT_LT(0, __b)					\
			TH_LOG("no libtcx backend: %s (TCX_BACKEND=%s)", \
			       strerror(-__b), getenv("TCX_BACKEND") ?: ""); \
		if (__b == TCX_BACKEND_MODULE) {			\
			__fd = tcx_dev_fd();				\
			ASSERT_LE(0, __fd)				\
				TH_LOG("cannot open /dev/%s: %s%s",	\
				       TCX_DEVICE_NAME, strerror(-__fd), \
				       __fd == -ENOENT ?		\
				       " (is tcx.ko loaded?)" : "");	\
		}							\
	} while (0)

/*
 * A network namespace of the test's own (each test runs in a child process)
 * gives it a fresh loopback device, ifindex 1, that no other test touches,
 * and takes whatever a failed test left behind away with it.
 */
static inline int tcx_test_netns(void)
{
	if (unshare(CLONE_NEWNET))
		return -errno;
	return 0;
}

/*
 * Upstream passes fd 0 as "no program" in a few places and expects EINVAL
 * (fd 0 is open but not a program); make sure it is open, or it would be
 * EBADF.
 */
static inline void tcx_test_hold_fd0(void)
{
	int fd;

	if (fcntl(0, F_GETFD) >= 0)
		return;
	fd = open("/dev/null", O_RDONLY);
	if (fd > 0) {
		dup2(fd, 0);
		close(fd);
	}
}

static inline int tcx_bpf_obj_path(char *buf, size_t len, const char *name)
{
	const char *dir = getenv("TCX_BPF_DIR");
	char exe[PATH_MAX];
	ssize_t n;
	char *slash;
	int ret;

	if (dir && *dir) {
		ret = snprintf(buf, len, "%s/%s", dir, name);
	} else {
		n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		if (n < 0)
			return -errno;
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash)
			*slash = '\0';
		ret = snprintf(buf, len, "%s/../bpf/%s", exe, name);
	}
	if (ret < 0 || (size_t)ret >= len)
		return -ENAMETOOLONG;
	if (access(buf, R_OK))
		return -errno;
	return 0;
}

/* A program of TYPE that only returns RET: r0 = RET; exit. */
static inline int tcx_load_raw_prog(enum bpf_prog_type type, int ret)
{
	const struct bpf_insn insns[] = {
		{
			.code	 = BPF_ALU64 | BPF_MOV | BPF_K,
			.dst_reg = BPF_REG_0,
			.imm	 = ret,
		},
		{
			.code	 = BPF_JMP | BPF_EXIT,
		},
	};

	return bpf_prog_load(type, NULL, "GPL", insns,
			     ARRAY_SIZE(insns), NULL);
}

/* A SCHED_CLS program returning TCX_NEXT. */
static inline int tcx_load_dummy(void)
{
	return tcx_load_raw_prog(BPF_PROG_TYPE_SCHED_CLS, TCX_NEXT);
}

/* The program id behind FD, or 0. */
static inline __u32 tcx_prog_id(int fd)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	return info.id;
}

/* Does the program with this id still exist (is someone holding it)? */
static inline bool tcx_prog_id_alive(__u32 id)
{
	int fd = bpf_prog_get_fd_by_id(id);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

/*
 * Wait until the object with this id is gone: returns true once
 * get_fd_by_id() (a program's, a link's) says ENOENT.  The wait covers a
 * module that puts its references after an RCU grace period or from a
 * worker instead of before returning.
 */
static inline bool tcx_id_gone(int (*get_fd_by_id)(__u32 id), __u32 id)
{
	const struct timespec pause = { .tv_nsec = 10 * 1000 * 1000 };
	int i, fd;

	for (i = 0; i < 500; i++) {
		fd = get_fd_by_id(id);
		if (fd == -ENOENT)
			return true;
		if (fd >= 0)
			close(fd);
		nanosleep(&pause, NULL);
	}
	return false;
}

static inline bool tcx_prog_id_released(__u32 id)
{
	return tcx_id_gone(bpf_prog_get_fd_by_id, id);
}

/*
 * Run a shell command with REDIRECT appended; 0 when it exited with 0,
 * else -ECHILD (named on stderr if LOG).
 */
static inline int tcx_vsystem(const char *redirect, bool log,
			      const char *fmt, va_list ap)
{
	char cmd[512];
	int ret;

	ret = vsnprintf(cmd, sizeof(cmd) - 32, fmt, ap);
	if (ret < 0 || (size_t)ret >= sizeof(cmd) - 32)
		return -ENAMETOOLONG;
	strcat(cmd, redirect);
	ret = system(cmd);
	if (ret == -1)
		return -errno;
	if (WIFEXITED(ret) && WEXITSTATUS(ret) == 0)
		return 0;
	if (log)
		fprintf(stderr, "# failed: %s\n", cmd);
	return -ECHILD;
}

/* Run a shell command, stdout muted. */
static inline int tcx_run(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static inline int tcx_run(const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = tcx_vsystem(" >/dev/null", false, fmt, ap);
	va_end(ap);
	return ret;
}

/* A set-up command: both outputs muted, a failure names the command. */
static inline int tcx_sh(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static inline int tcx_sh(const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = tcx_vsystem(" >/dev/null 2>&1", true, fmt, ap);
	va_end(ap);
	return ret;
}

/* ip(8) commands, one per line, run in netns NS by one ip process. */
static inline int tcx_ip_batch(const char *ns, const char *cmds)
{
	char cmd[128];
	FILE *ip;
	int ret;

	snprintf(cmd, sizeof(cmd), "ip -n %s -batch - >/dev/null", ns);
	ip = popen(cmd, "w");
	if (!ip)
		return -1;
	fputs(cmds, ip);
	ret = pclose(ip);
	if (ret == -1 || !WIFEXITED(ret) || WEXITSTATUS(ret)) {
		fprintf(stderr, "# failed in %s:\n%s", ns, cmds);
		return -1;
	}
	return 0;
}

/* What "ip netns del" does: the netns goes once nothing else holds it. */
static inline void tcx_ns_del(const char *name)
{
	char path[64];

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	umount2(path, MNT_DETACH);
	unlink(path);
}

/* Named network namespaces (ip netns), each made and opened into FDS. */
static inline int tcx_netns_add(char (*names)[32], int *fds, int n)
{
	char path[64];
	int i;

	for (i = 0; i < n; i++) {
		if (tcx_sh("ip netns add %s", names[i]))
			return -1;
		snprintf(path, sizeof(path), "/run/netns/%s", names[i]);
		fds[i] = open(path, O_RDONLY | O_CLOEXEC);
		if (fds[i] < 0)
			return -1;
	}
	return 0;
}

/* Their fds closed and the namespaces deleted; an empty name was never made. */
static inline void tcx_netns_del(char (*names)[32], int *fds, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
		if (names[i][0])
			tcx_ns_del(names[i]);
	}
}

/*
 * REL next to this binary, if access(MODE) allows it: found through
 * /proc/self/exe, else through the name it was run by (in the test VM's
 * chroot, /proc/self/exe names the path outside it).
 */
static inline int tcx_sibling_path(char *buf, size_t len, const char *rel,
				   int mode)
{
	const char *bases[2] = { NULL, program_invocation_name };
	char exe[PATH_MAX], dir[PATH_MAX];
	char *slash;
	ssize_t n;
	int i, ret;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n >= 0) {
		exe[n] = '\0';
		bases[0] = exe;
	}
	for (i = 0; i < 2; i++) {
		if (!bases[i])
			continue;
		snprintf(dir, sizeof(dir), "%s", bases[i]);
		slash = strrchr(dir, '/');
		if (slash)
			*slash = '\0';
		else
			strcpy(dir, ".");
		ret = snprintf(buf, len, "%s/%s", dir, rel);
		if (ret < 0 || (size_t)ret >= len)
			return -ENAMETOOLONG;
		if (!access(buf, mode))
			return 0;
	}
	return -ENOENT;
}

/* Can this process create a user namespace?  Tried in a child. */
static inline bool tcx_test_userns_possible(void)
{
	pid_t pid = fork();
	int st;

	if (!pid)
		_exit(unshare(CLONE_NEWUSER) ? 1 : 0);
	return pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	       !WEXITSTATUS(st);
}

/*
 * The test VM runs everything in a chroot, and a chrooted process may not
 * create user namespaces (EPERM).  In a mount namespace of the test's own,
 * do what switch_root does: climb out to the namespace's root and move the
 * old root on top of it, so that the root is the namespace's again.
 */
static inline int tcx_test_leave_chroot(void)
{
	const char *dir = "/tmp/tcx-test-escape";
	int oldroot, i, ret = 0;

	if (tcx_test_userns_possible())
		return 0;
	if (unshare(CLONE_NEWNS) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return -errno;
	oldroot = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (oldroot < 0)
		return -errno;
	if ((mkdir(dir, 0700) && errno != EEXIST) || chdir("/") ||
	    chroot(dir)) {
		ret = -errno;
		goto out;
	}
	/* The working directory is outside the new root: walk up from it. */
	for (i = 0; i < 64 && !ret; i++)
		ret = chdir("..") ? -errno : 0;
	if (ret || chroot(".") || fchdir(oldroot) ||
	    mount(".", "/", NULL, MS_MOVE, NULL) || chroot(".") || chdir("/"))
		ret = ret ?: -errno;
	if (!ret && !tcx_test_userns_possible())
		ret = -EPERM;
out:
	close(oldroot);
	return ret;
}

#endif /* __TCX_TEST_H */
