// SPDX-License-Identifier: GPL-2.0
/*
 * tcx-compat run: the emulation core for any binary (static, Go, Rust),
 * through seccomp user notification.
 *
 * The command runs under a seccomp filter that traps bpf() for the
 * commands that can concern tcx, and nothing else; threads and children
 * inherit it.  This process receives each trapped call, serves it through
 * the core or lets the kernel run it (SECCOMP_USER_NOTIF_FLAG_CONTINUE).
 * It acts with the caller's rights, not its own: /dev/tcx is bound to the
 * calling thread (TCX_IOC_BIND_TASK), its fds are copied with
 * pidfd_getfd(), its memory read and written with process_vm_*(), and the
 * new fds land in its table (SECCOMP_IOCTL_NOTIF_ADDFD).  It runs until no
 * process is left under the filter, and exits with the command's status.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <linux/tcx.h>

#include "compat.h"

#ifndef SECCOMP_ADDFD_FLAG_SEND
#define SECCOMP_ADDFD_FLAG_SEND	(1UL << 1)
#endif

#define CAP_SYS_ADMIN_BIT	21
/* Set for the supervised command: its tcx-compat runs need no second one. */
#define TCX_COMPAT_ENV		"TCX_COMPAT_SUPERVISED"

static const char *prog_name = "tcx-compat";
static int verbose;

/* One trapped call: the thread that made it and how to reach it. */
struct notif {
	int			listener;
	__u64			id;
	pid_t			tid;
	pid_t			tgid;
	int			pidfd;		/* of tgid, -1 until needed */
	int			dev;		/* /dev/tcx bound to tid, or -1 */
	bool			responded;	/* by ADDFD with SEND */
	struct tcx_compat_caller caller;
};

static struct notif *to_notif(struct tcx_compat_caller *c)
{
	return c->priv;
}

static bool notif_valid(struct notif *n)
{
	return !ioctl(n->listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &n->id);
}

static long sup_real_bpf(int cmd, void *attr, __u32 size)
{
	long ret = syscall(__NR_bpf, cmd, attr, size);

	return ret < 0 ? -errno : ret;
}

static int sup_read(struct tcx_compat_caller *c, __u64 addr, void *buf,
		    size_t len)
{
	return tcx_compat_readv(to_notif(c)->tid, addr, buf, len);
}

static int sup_write(struct tcx_compat_caller *c,
		     const struct tcx_compat_iov *iov, unsigned int n)
{
	return tcx_compat_writev(to_notif(c)->tid, iov, n);
}

/* The value of a line of /proc/<tid>/status, e.g. "Tgid:". */
static bool proc_status(pid_t tid, const char *key, char *buf, size_t size)
{
	char path[64], text[2048], *p, *end;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/status", tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return false;
	text[n] = '\0';
	for (p = text; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (strncmp(p, key, strlen(key)))
			continue;
		p += strlen(key);
		end = strchr(p, '\n');
		if (end)
			*end = '\0';
		snprintf(buf, size, "%s", p);
		return true;
	}
	return false;
}

static int notif_pidfd(struct notif *n)
{
	char buf[32];

	if (n->pidfd >= 0)
		return n->pidfd;
	/* Most callers are their process's main thread: try that first. */
	n->tgid = n->tid;
	n->pidfd = syscall(SYS_pidfd_open, n->tid, 0);
	if (n->pidfd < 0 && errno == EINVAL) {
		if (!proc_status(n->tid, "Tgid:", buf, sizeof(buf)))
			return -ESRCH;
		n->tgid = atoi(buf);
		n->pidfd = syscall(SYS_pidfd_open, n->tgid, 0);
	}
	if (n->pidfd < 0)
		return -errno;
	/* The pid named the caller when it was still waiting for us. */
	if (!notif_valid(n))
		return -ESRCH;
	return n->pidfd;
}

static int sup_get_fd(struct tcx_compat_caller *c, int fd)
{
	int pidfd = notif_pidfd(to_notif(c)), local;

	if (pidfd < 0)
		return pidfd;
	local = syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	return local < 0 ? -EBADF : local;
}

static void sup_put_fd(struct tcx_compat_caller *c, int fd)
{
	close(fd);
}

/* Installs the fd and answers the call with its number, atomically. */
static int sup_install_fd(struct tcx_compat_caller *c, int local)
{
	struct notif *n = to_notif(c);
	struct seccomp_notif_addfd addfd = {
		.id		= n->id,
		.flags		= SECCOMP_ADDFD_FLAG_SEND,
		.srcfd		= local,
		.newfd_flags	= O_CLOEXEC,
	};
	int ret;

	ret = ioctl(n->listener, SECCOMP_IOCTL_NOTIF_ADDFD, &addfd);
	ret = ret < 0 ? -errno : ret;
	close(local);
	if (ret >= 0)
		n->responded = true;
	return ret;
}

/* /dev/tcx acting for the calling thread: its credentials, its netns. */
static int sup_dev_fd(struct tcx_compat_caller *c)
{
	struct notif *n = to_notif(c);
	struct tcx_task_args args = { .size = sizeof(args), .pid = n->tid };
	int fd;

	if (n->dev >= 0)
		return n->dev;
	fd = open("/dev/" TCX_DEVICE_NAME, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, TCX_IOC_BIND_TASK, &args)) {
		int err = -errno;

		close(fd);
		return err;
	}
	if (!notif_valid(n)) {
		close(fd);
		return -ESRCH;
	}
	n->dev = fd;
	return fd;
}

/*
 * CAP_SYS_ADMIN as capable() sees it: effective, and in our user
 * namespace (the one the real calls we make for the caller run in).
 */
static bool sup_sys_admin(struct tcx_compat_caller *c)
{
	struct stat self, other;
	char path[64], buf[64];
	unsigned long long caps;

	snprintf(path, sizeof(path), "/proc/%d/ns/user", to_notif(c)->tid);
	if (stat(path, &other) || stat("/proc/self/ns/user", &self) ||
	    self.st_ino != other.st_ino || self.st_dev != other.st_dev)
		return false;
	if (!proc_status(to_notif(c)->tid, "CapEff:", buf, sizeof(buf)))
		return false;
	caps = strtoull(buf, NULL, 16);
	return caps & (1ULL << CAP_SYS_ADMIN_BIT);
}

/*
 * Paths are the caller's: relative to its cwd or to its own dirfd, and
 * absolute ones from its root, which /proc/<tid>/root reaches.
 */
static int sup_path_at(struct tcx_compat_caller *c, int dirfd, char *path,
		       size_t size, int *local_dirfd, const char **local_path)
{
	struct notif *n = to_notif(c);
	char proc[64];
	int fd;

	if (path[0] == '/') {
		snprintf(proc, sizeof(proc), "/proc/%d/root", n->tid);
		while (*path == '/')
			path++;
		if (!*path)
			path = ".";
	} else if (dirfd == AT_FDCWD) {
		snprintf(proc, sizeof(proc), "/proc/%d/cwd", n->tid);
	} else {
		fd = sup_get_fd(c, dirfd);
		if (fd < 0)
			return fd;
		*local_dirfd = fd;
		*local_path = path;
		return 0;
	}
	fd = open(proc, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	*local_dirfd = fd;
	*local_path = path;
	return 0;
}

static const struct tcx_compat_ops sup_ops = {
	.read		= sup_read,
	.write		= sup_write,
	.get_fd		= sup_get_fd,
	.put_fd		= sup_put_fd,
	.install_fd	= sup_install_fd,
	.dev_fd		= sup_dev_fd,
	.real_bpf	= sup_real_bpf,
	.sys_admin	= sup_sys_admin,
	.path_at	= sup_path_at,
};

/* bpf() for the trapped commands goes to us; everything else runs. */
static int install_filter(void)
{
	struct sock_filter f[64];
	struct sock_fprog prog = { .filter = f };
	unsigned int n = 0, i, cmds[32], nr_cmds = 0;

	for (i = 0; i < 64; i++)
		if (tcx_compat_cmd_trapped(i))
			cmds[nr_cmds++] = i;

	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			offsetof(struct seccomp_data, arch));
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
			AUDIT_ARCH_X86_64, 1, 0);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
			SECCOMP_RET_ALLOW);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			offsetof(struct seccomp_data, nr));
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
			__NR_bpf, 1, 0);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
			SECCOMP_RET_ALLOW);
	/* The command is an int: the low half of the first argument. */
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			offsetof(struct seccomp_data, args[0]));
	for (i = 0; i < nr_cmds; i++)
		f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
				cmds[i], nr_cmds - i, 0);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
			SECCOMP_RET_ALLOW);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
			SECCOMP_RET_USER_NOTIF);
	prog.len = n;

	return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
		       SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
}

static int send_fd(int sock, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	char byte = 0;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);

	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

static int recv_fd(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cmsg;
	int fd;

	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != 1)
		return -1;
	cmsg = CMSG_FIRSTHDR(&msg);
	if (!cmsg || cmsg->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
	return fd;
}

/* The child: the filter, its listener to the parent, then the command. */
static void run_child(int sock, char **argv, const sigset_t *mask)
{
	int listener;

	sigprocmask(SIG_SETMASK, mask, NULL);
	listener = install_filter();
	/*
	 * Without CAP_SYS_ADMIN, seccomp wants no_new_privs; only then, so
	 * that set-user-ID programs under a privileged caller keep working.
	 */
	if (listener < 0 && errno == EACCES &&
	    !prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		listener = install_filter();
	if (listener < 0) {
		fprintf(stderr, "%s: cannot install the seccomp filter: %s\n",
			prog_name, strerror(errno));
		_exit(125);
	}
	if (send_fd(sock, listener)) {
		fprintf(stderr, "%s: cannot hand over the listener: %s\n",
			prog_name, strerror(errno));
		_exit(125);
	}
	close(listener);
	close(sock);
	execvp(argv[0], argv);
	fprintf(stderr, "%s: %s: %s\n", prog_name, argv[0], strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

static void serve_one(int listener, struct seccomp_notif *req,
		      struct seccomp_notif_resp *resp)
{
	struct notif n = {
		.listener = listener, .pidfd = -1, .dev = -1,
	};
	long ret = 0;
	bool served;

	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, req))
		return;		/* the caller is gone, or a signal */
	n.id = req->id;
	n.tid = req->pid;
	n.caller.ops = &sup_ops;
	n.caller.priv = &n;

	served = tcx_compat_serve(&n.caller, (int)req->data.args[0],
				  req->data.args[1], (__u32)req->data.args[2],
				  &ret);
	if (verbose)
		fprintf(stderr, "%s: pid %d bpf(%d): %s %ld\n", prog_name,
			n.tid, (int)req->data.args[0],
			served ? "served," : "to the kernel", served ? ret : 0L);
	if (n.dev >= 0)
		close(n.dev);
	if (n.pidfd >= 0)
		close(n.pidfd);
	if (n.responded)
		return;

	resp->id = req->id;
	resp->val = 0;
	resp->error = 0;
	resp->flags = 0;
	if (!served)
		resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	else if (ret < 0)
		resp->error = ret;
	else
		resp->val = ret;
	/* ENOENT: the caller died or was interrupted meanwhile. */
	ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, resp);
}

/* The exit status of a shell for @status. */
static int exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 1;
}

/*
 * ^C and ^\ typed on the terminal: the kernel sends them to the whole
 * foreground process group, the command's as well as ours (a command that
 * makes a group of its own, as an interactive shell does, takes the
 * foreground with it): passed on, they would arrive twice.
 */
static bool from_terminal(const struct signalfd_siginfo *si)
{
	return (si->ssi_signo == SIGINT || si->ssi_signo == SIGQUIT) &&
	       si->ssi_code == SI_KERNEL;
}

static int supervise(int listener, pid_t child, int sigfd)
{
	struct seccomp_notif_sizes sizes;
	struct seccomp_notif_resp *resp;
	struct seccomp_notif *req;
	struct pollfd pfd[2] = {
		{ .fd = listener, .events = POLLIN },
		{ .fd = sigfd, .events = POLLIN },
	};
	struct signalfd_siginfo si;
	int status = 0;
	bool exited = false;

	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes)) {
		fprintf(stderr, "%s: seccomp notification sizes: %s\n",
			prog_name, strerror(errno));
		return 125;
	}
	req = calloc(1, sizes.seccomp_notif);
	resp = calloc(1, sizes.seccomp_notif_resp);
	if (!req || !resp) {
		fprintf(stderr, "%s: out of memory\n", prog_name);
		return 125;
	}

	/* Until no task is left under the filter: daemons outlive the child. */
	for (;;) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[1].revents & POLLIN &&
		    read(sigfd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo == SIGCHLD) {
				if (!exited && waitpid(child, &status, WNOHANG) == child)
					exited = true;
			} else if (!exited && !from_terminal(&si)) {
				kill(child, si.ssi_signo);
			}
		}
		if (pfd[0].revents & POLLIN) {
			memset(req, 0, sizes.seccomp_notif);
			memset(resp, 0, sizes.seccomp_notif_resp);
			serve_one(listener, req, resp);
		} else if (pfd[0].revents & (POLLHUP | POLLERR)) {
			break;
		}
	}
	if (!exited && waitpid(child, &status, 0) != child)
		status = 1 << 8;
	free(req);
	free(resp);
	return exit_code(status);
}

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

static const int forwarded_signals[] = {
	SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM,
	SIGVTALRM, SIGPROF, SIGPWR,
};

static int run(char **argv)
{
	int sock[2], listener, sigfd, fd;
	size_t i;
	sigset_t mask, old;
	pid_t child;

	/*
	 * Under a tcx-compat already (a supervised program that runs another
	 * through tcx-compat): its calls reach the outer one, and a second
	 * seccomp listener could not be had anyway.
	 */
	if (getenv(TCX_COMPAT_ENV) ||
	    !tcx_compat_wanted(sup_real_bpf)) {
		/* Native tcx, or no tcx-dkms: nothing to emulate. */
		if (verbose)
			fprintf(stderr, "%s: not needed here, running %s as it is\n",
				prog_name, argv[0]);
		execvp(argv[0], argv);
		fprintf(stderr, "%s: %s: %s\n", prog_name, argv[0],
			strerror(errno));
		return errno == ENOENT ? 127 : 126;
	}

	/* Our fds 0-2 stay taken, so a copied fd is never 0. */
	while ((fd = open("/dev/null", O_RDWR)) >= 0 && fd <= 2)
		;
	if (fd > 2)
		close(fd);

	/*
	 * Signals for the command go to it; we stay to serve its calls.  The
	 * ones others send that would end us by default: one left out would
	 * kill the supervisor and leave the command without answers.
	 */
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	for (i = 0; i < ARRAY_SIZE(forwarded_signals); i++)
		sigaddset(&mask, forwarded_signals[i]);
	sigprocmask(SIG_BLOCK, &mask, &old);
	sigfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sigfd < 0 || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0,
				    sock)) {
		fprintf(stderr, "%s: %s\n", prog_name, strerror(errno));
		return 125;
	}

	child = fork();
	if (child < 0) {
		fprintf(stderr, "%s: fork: %s\n", prog_name, strerror(errno));
		return 125;
	}
	if (!child) {
		close(sock[0]);
		close(sigfd);
		setenv(TCX_COMPAT_ENV, "1", 1);
		run_child(sock[1], argv, &old);
	}
	close(sock[1]);
	listener = recv_fd(sock[0]);
	close(sock[0]);
	if (listener < 0) {
		int status;

		/* The child said why; its status says how. */
		waitpid(child, &status, 0);
		return exit_code(status);
	}
	return supervise(listener, child, sigfd);
}

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: %s run [--verbose] [--] COMMAND [ARG]...\n"
		"       %s help\n"
		"\n"
		"Runs COMMAND with its bpf() calls for tcx (BPF_TCX_INGRESS and\n"
		"BPF_TCX_EGRESS attach, detach, query and links) served by\n"
		"tcx-dkms through /dev/tcx, with the answers of Linux 6.6.\n"
		"On kernels with tcx of their own it runs COMMAND as it is.\n"
		"\n"
		"  -v, --verbose   log each trapped call on stderr\n"
		"  -h, --help      this text\n",
		prog_name, prog_name);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "verbose",	no_argument, NULL, 'v' },
		{ "help",	no_argument, NULL, 'h' },
		{ NULL,		0,	     NULL, 0 },
	};
	int c;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "run")) {
		fprintf(stderr, "%s: unknown command '%s' (try '%s help')\n",
			prog_name, argv[1], prog_name);
		return 2;
	}
	argc--;
	argv++;
	/* Options end at the command: its own options are its own. */
	while ((c = getopt_long(argc, argv, "+vh", opts, NULL)) != -1) {
		switch (c) {
		case 'v':
			verbose = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "%s run: no command given\n", prog_name);
		return 2;
	}
	return run(argv + optind);
}
