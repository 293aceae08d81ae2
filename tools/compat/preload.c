// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libtcx-compat.so: the emulation core inside the calling process, for
 * LD_PRELOAD.  libbpf (and anything else that has no bpf() wrapper in
 * libc) calls syscall(__NR_bpf, ...); this library's syscall() serves the
 * commands that concern tcx and hands every other call to libc's.
 * Programs that make system calls without libc (Go) need tcx-compat run.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <linux/tcx.h>

#include "compat.h"

#define EXPORT __attribute__((visibility("default")))

static long (*libc_syscall)(long number, ...);
static pthread_once_t compat_once = PTHREAD_ONCE_INIT;
static bool compat_on;

static long real_bpf(int cmd, void *attr, __u32 size)
{
	long ret = libc_syscall(__NR_bpf, cmd, attr, size);

	return ret < 0 ? -errno : ret;
}

/* Unlike memcpy(), a bad address is EFAULT here, as in the kernel. */
static int self_read(struct tcx_compat_caller *c, __u64 addr, void *buf,
		     size_t len)
{
	return tcx_compat_readv(getpid(), addr, buf, len);
}

static int self_write(struct tcx_compat_caller *c,
		      const struct tcx_compat_iov *iov, unsigned int n)
{
	return tcx_compat_writev(getpid(), iov, n);
}

/* The caller's fds are ours: nothing to translate, nothing to put. */
static int self_get_fd(struct tcx_compat_caller *c, int fd)
{
	return fcntl(fd, F_GETFD) < 0 ? -EBADF : fd;
}

static void self_put_fd(struct tcx_compat_caller *c, int fd)
{
}

static int self_install_fd(struct tcx_compat_caller *c, int fd)
{
	return fd;
}

/*
 * /dev/tcx, opened once.  A program may close fds it did not open (daemons
 * do), and the number may then name another file: check before each use.
 */
static int self_dev_fd(struct tcx_compat_caller *c)
{
	static int fd = -1;
	static dev_t rdev;
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	struct stat st;
	int ret;

	pthread_mutex_lock(&lock);
	if (fd >= 0 && (fstat(fd, &st) || !S_ISCHR(st.st_mode) ||
			st.st_rdev != rdev))
		fd = -1;
	if (fd < 0) {
		fd = open("/dev/" TCX_DEVICE_NAME, O_RDWR | O_CLOEXEC);
		if (fd >= 0 && !fstat(fd, &st))
			rdev = st.st_rdev;
	}
	ret = fd < 0 ? -errno : fd;
	pthread_mutex_unlock(&lock);
	return ret;
}

/* The kernel checks the caller's rights itself: let it. */
static bool self_sys_admin(struct tcx_compat_caller *c)
{
	return true;
}

static int self_path_at(struct tcx_compat_caller *c, int dirfd, char *path,
			size_t size, int *local_dirfd, const char **local_path)
{
	*local_dirfd = dirfd;
	*local_path = path;
	return 0;
}

static const struct tcx_compat_ops self_ops = {
	.read		= self_read,
	.write		= self_write,
	.get_fd		= self_get_fd,
	.put_fd		= self_put_fd,
	.install_fd	= self_install_fd,
	.dev_fd		= self_dev_fd,
	.real_bpf	= real_bpf,
	.sys_admin	= self_sys_admin,
	.path_at	= self_path_at,
};

static void compat_init(void)
{
	compat_on = tcx_compat_wanted(real_bpf);
}

__attribute__((constructor))
static void compat_load(void)
{
	libc_syscall = dlsym(RTLD_NEXT, "syscall");
}

EXPORT long syscall(long number, ...)
{
	struct tcx_compat_caller caller = { .ops = &self_ops };
	int saved_errno = errno;
	va_list ap;
	long a[6], ret;
	int i;

	/* The kernel reads six registers whatever the call: so do we. */
	va_start(ap, number);
	for (i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);

	if (!libc_syscall)
		compat_load();
	if (number == __NR_bpf && tcx_compat_cmd_trapped((int)a[0])) {
		pthread_once(&compat_once, compat_init);
		if (compat_on &&
		    tcx_compat_serve(&caller, (int)a[0], (unsigned long)a[1],
				     (__u32)a[2], &ret)) {
			if (ret < 0) {
				errno = -ret;
				return -1;
			}
			errno = saved_errno;
			return ret;
		}
		errno = saved_errno;
	}
	return libc_syscall(number, a[0], a[1], a[2], a[3], a[4], a[5]);
}
