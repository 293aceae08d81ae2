// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libtcx: the /dev/tcx ioctls behind libbpf-style calls.  See libtcx.h for
 * the contract; this file only validates options, fills the size-prefixed
 * ioctl arguments and turns failures into negative errnos.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "libtcx.h"

#define offsetofend(TYPE, FIELD) \
	(offsetof(TYPE, FIELD) + sizeof(((TYPE *)0)->FIELD))

/* Does the caller's struct reach FIELD?  Older callers pass smaller ones. */
#define OPTS_HAS(opts, FIELD) \
	((opts) && (opts)->sz >= offsetofend(__typeof__(*(opts)), FIELD))
#define OPTS_GET(opts, FIELD, fallback) \
	(OPTS_HAS(opts, FIELD) ? (opts)->FIELD : (fallback))
#define OPTS_SET(opts, FIELD, value)			\
	do {						\
		if (OPTS_HAS(opts, FIELD))		\
			(opts)->FIELD = (value);	\
	} while (0)

/* NULL is fine (defaults); LAST is the last field this version knows. */
#define OPTS_VALID(opts, TYPE, LAST) \
	(!(opts) || opts_valid((opts), (opts)->sz, offsetofend(struct TYPE, LAST)))

static bool opts_valid(const void *opts, size_t user_sz, size_t known_sz)
{
	const unsigned char *p = opts;
	size_t i;

	if (user_sz < sizeof(size_t))
		return false;
	for (i = known_sz; i < user_sz; i++)
		if (p[i])
			return false;
	return true;
}

static int libtcx_err(int ret)
{
	if (ret < 0)
		errno = -ret;
	return ret;
}

/* -1: not open yet.  Only ever goes from -1 to an open fd, once. */
static atomic_int tcx_fd = -1;

int tcx_dev_fd(void)
{
	int fd = atomic_load_explicit(&tcx_fd, memory_order_acquire);
	int unset = -1;

	if (fd >= 0)
		return fd;

	fd = open("/dev/" TCX_DEVICE_NAME, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return libtcx_err(-errno);

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

static int prog_args_init(struct tcx_prog_args *args, int ifindex,
			  enum tcx_dir dir, int prog_fd,
			  const struct tcx_opts *opts)
{
	__u32 relative_fd, relative_id, flags;

	if (!OPTS_VALID(opts, tcx_opts, tag))
		return -EINVAL;

	flags = OPTS_GET(opts, flags, 0);
	relative_fd = OPTS_GET(opts, relative_fd, 0);
	relative_id = OPTS_GET(opts, relative_id, 0);
	if (relative_fd && relative_id)
		return -EINVAL;

	memset(args, 0, sizeof(*args));
	args->size = sizeof(*args);
	args->ifindex = ifindex;
	args->direction = dir;
	args->prog_fd = prog_fd;
	args->expected_revision = OPTS_GET(opts, expected_revision, 0);
	if (relative_id) {
		flags |= TCX_F_ID;
		args->relative_id = relative_id;
	} else {
		args->relative_fd = relative_fd;
	}
	args->flags = flags;
	return 0;
}

int tcx_prog_attach(int ifindex, enum tcx_dir dir, int prog_fd,
		    const struct tcx_opts *opts)
{
	struct tcx_prog_args args;
	int ret;

	ret = prog_args_init(&args, ifindex, dir, prog_fd, opts);
	if (ret)
		return libtcx_err(ret);
	if (OPTS_GET(opts, tag, NULL))
		return libtcx_err(-EINVAL);
	args.replace_prog_fd = OPTS_GET(opts, replace_prog_fd, 0);

	return libtcx_err(tcx_ioctl(TCX_IOC_PROG_ATTACH, &args));
}

int tcx_prog_detach(int ifindex, enum tcx_dir dir, int prog_fd,
		    const struct tcx_opts *opts)
{
	struct tcx_prog_args args;
	int ret;

	ret = prog_args_init(&args, ifindex, dir, prog_fd, opts);
	if (ret)
		return libtcx_err(ret);
	if (OPTS_GET(opts, replace_prog_fd, 0) || OPTS_GET(opts, tag, NULL))
		return libtcx_err(-EINVAL);

	return libtcx_err(tcx_ioctl(TCX_IOC_PROG_DETACH, &args));
}

static __u64 ptr_to_u64(const void *ptr)
{
	return (__u64)(uintptr_t)ptr;
}

int tcx_query(int ifindex, enum tcx_dir dir, struct tcx_query *q)
{
	struct tcx_query_args args;
	int ret;

	if (!q || !OPTS_VALID(q, tcx_query, stats))
		return libtcx_err(-EINVAL);

	memset(&args, 0, sizeof(args));
	args.size = sizeof(args);
	args.ifindex = ifindex;
	args.direction = dir;
	args.count = OPTS_GET(q, count, 0);
	args.prog_ids = ptr_to_u64(OPTS_GET(q, prog_ids, NULL));
	args.prog_attach_flags = ptr_to_u64(OPTS_GET(q, prog_attach_flags, NULL));
	args.link_ids = ptr_to_u64(OPTS_GET(q, link_ids, NULL));
	args.link_attach_flags = ptr_to_u64(OPTS_GET(q, link_attach_flags, NULL));

	ret = tcx_ioctl(TCX_IOC_QUERY, &args);
	if (!ret || ret == -ENOSPC) {
		OPTS_SET(q, count, args.count);
		OPTS_SET(q, revision, args.revision);
		OPTS_SET(q, hook_flags, args.hook_flags);
		OPTS_SET(q, stats, args.stats);
	}
	return libtcx_err(ret);
}

int tcx_link_create(int ifindex, enum tcx_dir dir, int prog_fd,
		    const struct tcx_opts *opts)
{
	struct tcx_link_create_args args;
	struct tcx_prog_args pargs;
	const char *tag;
	int ret;

	/* Validate and place as an attach does, then move to link args. */
	ret = prog_args_init(&pargs, ifindex, dir, prog_fd, opts);
	if (ret)
		return libtcx_err(ret);
	if (OPTS_GET(opts, replace_prog_fd, 0))
		return libtcx_err(-EINVAL);

	memset(&args, 0, sizeof(args));
	args.size = sizeof(args);
	args.ifindex = pargs.ifindex;
	args.direction = pargs.direction;
	args.flags = pargs.flags;
	args.prog_fd = pargs.prog_fd;
	args.relative_fd = pargs.relative_fd;
	args.expected_revision = pargs.expected_revision;
	tag = OPTS_GET(opts, tag, NULL);
	if (tag) {
		if (strlen(tag) >= sizeof(args.tag))
			return libtcx_err(-EINVAL);
		strcpy(args.tag, tag);
	}

	return libtcx_err(tcx_ioctl(TCX_IOC_LINK_CREATE, &args));
}

int tcx_link_update(int link_fd, int new_prog_fd,
		    const struct tcx_link_update_opts *opts)
{
	struct tcx_link_update_args args;

	if (!OPTS_VALID(opts, tcx_link_update_opts, old_prog_fd))
		return libtcx_err(-EINVAL);

	memset(&args, 0, sizeof(args));
	args.size = sizeof(args);
	args.flags = OPTS_GET(opts, flags, 0);
	args.new_prog_fd = new_prog_fd;
	args.old_prog_fd = OPTS_GET(opts, old_prog_fd, 0);

	return libtcx_err(tcx_link_ioctl(link_fd, TCX_IOC_LINK_UPDATE, &args));
}

int tcx_link_detach(int link_fd)
{
	return libtcx_err(tcx_link_ioctl(link_fd, TCX_IOC_LINK_DETACH, NULL));
}

int tcx_link_pin(int link_fd)
{
	return libtcx_err(tcx_link_ioctl(link_fd, TCX_IOC_LINK_PIN, NULL));
}

int tcx_link_unpin(int link_fd)
{
	return libtcx_err(tcx_link_ioctl(link_fd, TCX_IOC_LINK_UNPIN, NULL));
}

int tcx_link_get_fd_by_id(__u32 id)
{
	struct tcx_link_id_args args;

	memset(&args, 0, sizeof(args));
	args.size = sizeof(args);
	args.id = id;

	return libtcx_err(tcx_ioctl(TCX_IOC_LINK_GET_FD_BY_ID, &args));
}

int tcx_link_get_info_len(int link_fd, struct tcx_link_info *info,
			  __u32 info_len)
{
	if (!info || info_len < offsetofend(struct tcx_link_info, flags))
		return libtcx_err(-EINVAL);

	/* The module writes what fits in the caller's struct, and no more. */
	memset(info, 0, info_len);
	info->size = info_len;

	return libtcx_err(tcx_link_ioctl(link_fd, TCX_IOC_LINK_INFO, info));
}

int tcx_module_version(__u32 *abi_version, char *buf, size_t len)
{
	struct tcx_version ver;
	size_t n;
	int ret;

	memset(&ver, 0, sizeof(ver));
	ver.size = sizeof(ver);
	ret = tcx_ioctl(TCX_IOC_VERSION, &ver);
	if (ret)
		return libtcx_err(ret);

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
