// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libtcx's module backend: the tcx-dkms ioctls on /dev/tcx and on link fds.
 * The arguments arrive complete from libtcx.c; this file only opens the
 * device and turns failures into negative errnos.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <limits.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <linux/bpf.h>

#include "libtcx.h"
#include "libtcx_internal.h"

/* -1: not open yet.  Only ever goes from -1 to an open fd, once. */
static atomic_int tcx_fd = -1;

int tcx_dev_fd(void)
{
	int fd = atomic_load_explicit(&tcx_fd, memory_order_acquire);
	int unset = -1;

	if (fd >= 0)
		return fd;

	fd = open("/dev/" TCX_DEVICE_NAME, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fd = -errno;
		errno = -fd;
		return fd;
	}

	/* Another thread may have won the race: keep its fd, drop ours. */
	if (!atomic_compare_exchange_strong(&tcx_fd, &unset, fd)) {
		close(fd);
		fd = unset;
	}
	return fd;
}

/* An ioctl on /dev/tcx: its non-negative result, or -errno. */
static int tcx_ioctl(unsigned long cmd, void *arg)
{
	int fd = tcx_dev_fd();
	int ret;

	if (fd < 0)
		return fd;
	ret = ioctl(fd, cmd, arg);
	return ret < 0 ? -errno : ret;
}

/*
 * An ioctl on a link fd.  Any other file refuses our commands with ENOTTY:
 * say EINVAL, as bpf() does for an fd that is not a link.
 */
static int tcx_link_ioctl(int link_fd, unsigned long cmd, void *arg)
{
	int ret = ioctl(link_fd, cmd, arg);

	if (ret >= 0)
		return ret;
	return errno == ENOTTY ? -EINVAL : -errno;
}

/*
 * tcx.ko finds a relative program by id only among the programs on the
 * hook; upstream finds it anywhere (bpf_prog_by_id()), which decides some
 * outcomes (a replace with a relative id elsewhere succeeds).  Where the
 * caller may open programs by id (CAP_SYS_ADMIN), hand the module an fd of
 * the program instead.  Returns that fd, to close, or -1.
 */
static int module_relative_fd(__u32 *flags, __u32 *relative)
{
	union bpf_attr attr;
	long fd;

	if ((*flags & (TCX_F_ID | TCX_F_LINK)) != TCX_F_ID || !*relative)
		return -1;
	memset(&attr, 0, sizeof(attr));
	attr.prog_id = *relative;
	fd = syscall(__NR_bpf, BPF_PROG_GET_FD_BY_ID, &attr, sizeof(attr));
	if (fd < 0)
		return -1;
	*flags &= ~TCX_F_ID;
	*relative = fd;
	return fd;
}

static int module_prog(unsigned long cmd, const struct tcx_prog_args *args)
{
	struct tcx_prog_args copy = *args;
	int rel, ret, err = errno;

	rel = module_relative_fd(&copy.flags, &copy.relative_fd);
	ret = tcx_ioctl(cmd, &copy);
	if (rel >= 0)
		close(rel);
	errno = err;
	return ret;
}

static int module_prog_attach(const struct tcx_prog_args *args)
{
	return module_prog(TCX_IOC_PROG_ATTACH, args);
}

static int module_prog_detach(const struct tcx_prog_args *args)
{
	return module_prog(TCX_IOC_PROG_DETACH, args);
}

static int module_query(struct tcx_query_args *args)
{
	return tcx_ioctl(TCX_IOC_QUERY, args);
}

static int module_link_create(const struct tcx_link_create_args *args)
{
	struct tcx_link_create_args copy = *args;
	int rel, ret, err = errno;

	rel = module_relative_fd(&copy.flags, &copy.relative_fd);
	ret = tcx_ioctl(TCX_IOC_LINK_CREATE, &copy);
	if (rel >= 0)
		close(rel);
	errno = err;
	return ret;
}

static int module_link_update(int link_fd,
			      const struct tcx_link_update_args *args)
{
	return tcx_link_ioctl(link_fd, TCX_IOC_LINK_UPDATE, (void *)args);
}

static int module_link_detach(int link_fd)
{
	return tcx_link_ioctl(link_fd, TCX_IOC_LINK_DETACH, NULL);
}

static int module_link_pin(int link_fd)
{
	return tcx_link_ioctl(link_fd, TCX_IOC_LINK_PIN, NULL);
}

/*
 * A pin at a bpffs path (TCX_IOC_LINK_PIN_PATH, BPF_OBJ_PIN through the
 * compatibility layer) ends when the path goes, as upstream's: remove it.
 * Otherwise end the module's own pin.
 */
static int module_link_pin_path(int link_fd, char *buf, size_t size)
{
	struct tcx_link_info info;
	int ret;

	memset(&info, 0, sizeof(info));
	info.size = sizeof(info);
	info.pin_path = (__u64)(unsigned long)buf;
	info.pin_path_size = size > UINT32_MAX ? UINT32_MAX : size;
	ret = tcx_link_ioctl(link_fd, TCX_IOC_LINK_INFO, &info);
	if (ret)
		return ret;
	/* A module that predates pin paths leaves the size at 0. */
	if (!info.pin_path_size && size)
		buf[0] = '\0';
	return info.pin_path_size;
}

static int module_link_unpin(int link_fd)
{
	char path[PATH_MAX];
	int ret;

	ret = module_link_pin_path(link_fd, path, sizeof(path));
	if (ret < 0)
		return ret;
	if (ret > 0 && (size_t)ret <= sizeof(path))
		return unlink(path) ? -errno : 0;
	return tcx_link_ioctl(link_fd, TCX_IOC_LINK_UNPIN, NULL);
}

static int module_link_get_fd_by_id(__u32 id)
{
	struct tcx_link_id_args args;

	memset(&args, 0, sizeof(args));
	args.size = sizeof(args);
	/* bpf() shows the module's link N as TCX_BPF_LINK_ID_BASE + N. */
	args.id = id > TCX_BPF_LINK_ID_BASE ? id - TCX_BPF_LINK_ID_BASE : id;
	return tcx_ioctl(TCX_IOC_LINK_GET_FD_BY_ID, &args);
}

static int module_pin_ioctl(unsigned long cmd, int link_fd, const char *path)
{
	struct tcx_pin_args args;

	memset(&args, 0, sizeof(args));
	args.size = sizeof(args);
	args.link_fd = link_fd;
	args.dirfd = AT_FDCWD;
	args.pathname = (__u64)(unsigned long)path;
	return tcx_ioctl(cmd, &args);
}

static int module_link_pin_at(int link_fd, const char *path)
{
	return module_pin_ioctl(TCX_IOC_LINK_PIN_PATH, link_fd, path);
}

static int module_link_get_fd_by_pin(const char *path)
{
	return module_pin_ioctl(TCX_IOC_LINK_GET_FD_BY_PIN, 0, path);
}

static int module_link_get_next_id(__u32 start_id, __u32 *next_id)
{
	struct tcx_link_next_id_args args;
	int ret;

	memset(&args, 0, sizeof(args));
	args.size = sizeof(args);
	args.start_id = start_id;
	ret = tcx_ioctl(TCX_IOC_LINK_GET_NEXT_ID, &args);
	if (!ret)
		*next_id = args.next_id;
	return ret;
}

/* The module writes what fits in the caller's struct, and no more. */
static int module_link_get_info(int link_fd, struct tcx_link_info *info)
{
	return tcx_link_ioctl(link_fd, TCX_IOC_LINK_INFO, info);
}

const struct tcx_ops tcx_module_ops = {
	.prog_attach		= module_prog_attach,
	.prog_detach		= module_prog_detach,
	.query			= module_query,
	.link_create		= module_link_create,
	.link_update		= module_link_update,
	.link_detach		= module_link_detach,
	.link_pin		= module_link_pin,
	.link_unpin		= module_link_unpin,
	.link_get_fd_by_id	= module_link_get_fd_by_id,
	.link_get_info		= module_link_get_info,
	.link_pin_path		= module_link_pin_path,
	.link_pin_at		= module_link_pin_at,
	.link_get_fd_by_pin	= module_link_get_fd_by_pin,
	.link_get_next_id	= module_link_get_next_id,
	.query_unavailable	= 0,
};

int tcx_module_version(__u32 *abi_version, char *buf, size_t len)
{
	struct tcx_version ver;
	size_t n;
	int ret;

	memset(&ver, 0, sizeof(ver));
	ver.size = sizeof(ver);
	ret = tcx_ioctl(TCX_IOC_VERSION, &ver);
	if (ret) {
		errno = -ret;
		return ret;
	}

	/* Do not trust the module to terminate the string. */
	n = strnlen(ver.module_version, sizeof(ver.module_version));
	if (n == sizeof(ver.module_version))
		n--;
	ver.module_version[n] = '\0';

	if (abi_version)
		*abi_version = ver.abi_version;
	if (buf && len) {
		size_t copy = n < len - 1 ? n : len - 1;

		memcpy(buf, ver.module_version, copy);
		buf[copy] = '\0';
	}
	return n;
}
