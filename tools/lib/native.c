// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libtcx's native backend: Linux 6.6 and later have tcx in the kernel, and
 * the same calls become bpf() with BPF_TCX_INGRESS/BPF_TCX_EGRESS.
 *
 * libtcx needs only libc, so this is raw syscall(__NR_bpf).  The attribute
 * layouts that Debian 12's 6.1 <linux/bpf.h> lacks (relative_fd,
 * expected_revision, link_create.tcx, query.link_ids and revision, the tcx
 * link info) are written out here after Linux 6.6's uapi.
 *
 * What only tcx-dkms has is reported as missing, never made up: a link's
 * owner and tag (TCX_LINK_F_NO_OWNER, TCX_LINK_F_NO_TAG), the hook's live
 * flag and counters (TCX_QUERY_NO_HOOK_FLAGS, TCX_QUERY_NO_STATS).  Pinning
 * is a bpffs pin at TCX_NATIVE_PIN_DIR/link-<id>.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/bpf.h>

#include "libtcx.h"
#include "libtcx_internal.h"

/* Linux 6.6 <linux/bpf.h>: enum bpf_attach_type, enum bpf_link_type. */
#define NATIVE_BPF_TCX_INGRESS		46
#define NATIVE_BPF_TCX_EGRESS		47
#define NATIVE_BPF_LINK_TYPE_TCX	11

/* union bpf_attr for BPF_PROG_ATTACH and BPF_PROG_DETACH. */
struct native_attach_attr {
	__u32 target_ifindex;
	__u32 attach_bpf_fd;
	__u32 attach_type;
	__u32 attach_flags;
	__u32 replace_bpf_fd;
	__u32 relative_fd;		/* or relative_id, with BPF_F_ID */
	__u64 expected_revision;
};

/* union bpf_attr for BPF_PROG_QUERY. */
struct native_query_attr {
	__u32 target_ifindex;
	__u32 attach_type;
	__u32 query_flags;
	__u32 attach_flags;
	__aligned_u64 prog_ids;
	__u32 count;
	__u32 :32;
	__aligned_u64 prog_attach_flags;
	__aligned_u64 link_ids;
	__aligned_u64 link_attach_flags;
	__u64 revision;
};

/* union bpf_attr for BPF_LINK_CREATE, with its tcx member. */
struct native_link_create_attr {
	__u32 prog_fd;
	__u32 target_ifindex;
	__u32 attach_type;
	__u32 flags;
	__u32 relative_fd;		/* or relative_id, with BPF_F_ID */
	__u32 :32;
	__u64 expected_revision;
};

/* struct bpf_link_info, as far as its tcx member. */
struct native_link_info {
	__u32 type;
	__u32 id;
	__u32 prog_id;
	__u32 :32;
	__u32 ifindex;			/* 0 once the link is defunct */
	__u32 attach_type;
};

_Static_assert(offsetof(struct native_attach_attr, expected_revision) == 24,
	       "bpf_attr");
_Static_assert(offsetof(struct native_query_attr, revision) == 56,
	       "bpf_attr");
_Static_assert(offsetof(struct native_link_create_attr, expected_revision) == 24,
	       "bpf_attr");
_Static_assert(offsetof(struct native_link_info, ifindex) == 16,
	       "bpf_link_info");

static int sys_bpf(int cmd, void *attr, unsigned int size)
{
	long ret = syscall(__NR_bpf, cmd, attr, size);

	return ret < 0 ? -errno : (int)ret;
}

static __u64 ptr_to_u64(const void *ptr)
{
	return (__u64)(uintptr_t)ptr;
}

/* tcx.ko checks these itself; bpf() leaves some to chance (link_create). */
static int native_check(__u32 direction, __u32 flags)
{
	if (direction > TCX_EGRESS || flags & ~TCX_F_ATTACH_MASK)
		return -EINVAL;
	return 0;
}

int tcx_native_probe(void)
{
	struct native_query_attr attr;
	int ret;

	/* lo is ifindex 1 in every network namespace; 6.1 says EINVAL. */
	memset(&attr, 0, sizeof(attr));
	attr.target_ifindex = 1;
	attr.attach_type = NATIVE_BPF_TCX_INGRESS;
	ret = sys_bpf(BPF_PROG_QUERY, &attr, sizeof(attr));
	if (!ret)
		return 1;
	if (ret == -EINVAL)
		return 0;
	return ret;
}

static int native_prog(int cmd, const struct tcx_prog_args *args)
{
	struct native_attach_attr attr;
	int ret;

	ret = native_check(args->direction, args->flags);
	if (ret)
		return ret;

	memset(&attr, 0, sizeof(attr));
	attr.target_ifindex = args->ifindex;
	attr.attach_bpf_fd = args->prog_fd;
	attr.attach_type = NATIVE_BPF_TCX_INGRESS + args->direction;
	attr.attach_flags = args->flags;
	attr.replace_bpf_fd = args->replace_prog_fd;
	attr.relative_fd = args->relative_fd;
	attr.expected_revision = args->expected_revision;
	return sys_bpf(cmd, &attr, sizeof(attr));
}

static int native_prog_attach(const struct tcx_prog_args *args)
{
	return native_prog(BPF_PROG_ATTACH, args);
}

static int native_prog_detach(const struct tcx_prog_args *args)
{
	return native_prog(BPF_PROG_DETACH, args);
}

static int native_query(struct tcx_query_args *args)
{
	struct native_query_attr attr;
	int ret;

	ret = native_check(args->direction, 0);
	if (ret)
		return ret;

	memset(&attr, 0, sizeof(attr));
	attr.target_ifindex = args->ifindex;
	attr.attach_type = NATIVE_BPF_TCX_INGRESS + args->direction;
	attr.query_flags = args->query_flags;
	attr.attach_flags = args->attach_flags;
	attr.prog_ids = args->prog_ids;
	attr.count = args->count;
	attr.prog_attach_flags = args->prog_attach_flags;
	attr.link_ids = args->link_ids;
	attr.link_attach_flags = args->link_attach_flags;
	ret = sys_bpf(BPF_PROG_QUERY, &attr, sizeof(attr));
	if (ret && ret != -ENOSPC)
		return ret;

	args->attach_flags = attr.attach_flags;
	args->count = attr.count;
	args->revision = attr.revision;
	/* Not known to native tcx: zero, and the caller is told so. */
	args->hook_flags = 0;
	memset(&args->stats, 0, sizeof(args->stats));
	return ret;
}

static int native_link_create(const struct tcx_link_create_args *args)
{
	struct native_link_create_attr attr;
	int ret;

	ret = native_check(args->direction, args->flags);
	if (ret)
		return ret;

	/* Checked by libtcx.c, then dropped: never silently. */
	if (args->tag[0])
		libtcx_print(LIBTCX_INFO, "libtcx: native tcx keeps no tag: '%s' is not recorded\n",
			     args->tag);

	memset(&attr, 0, sizeof(attr));
	attr.prog_fd = args->prog_fd;
	attr.target_ifindex = args->ifindex;
	attr.attach_type = NATIVE_BPF_TCX_INGRESS + args->direction;
	attr.flags = args->flags;
	attr.relative_fd = args->relative_fd;
	attr.expected_revision = args->expected_revision;
	return sys_bpf(BPF_LINK_CREATE, &attr, sizeof(attr));
}

/*
 * The tcx part of a link's info.  An fd that is not a tcx link is -EINVAL,
 * as with the module, and one that is not open -EBADF (bpf() says EBADFD).
 */
static int native_link_info(int link_fd, struct native_link_info *info)
{
	union bpf_attr attr;
	int ret;

	memset(info, 0, sizeof(*info));
	memset(&attr, 0, sizeof(attr));
	attr.info.bpf_fd = link_fd;
	attr.info.info_len = sizeof(*info);
	attr.info.info = ptr_to_u64(info);
	ret = sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &attr, sizeof(attr));
	if (ret == -EBADFD)
		return -EBADF;
	if (ret)
		return ret;
	if (info->type != NATIVE_BPF_LINK_TYPE_TCX)
		return -EINVAL;
	return 0;
}

static int native_link_update(int link_fd,
			      const struct tcx_link_update_args *args)
{
	struct native_link_info info;
	union bpf_attr attr;
	int ret;

	/* Never update a link of another kind that happens to be this fd. */
	ret = native_link_info(link_fd, &info);
	if (ret)
		return ret;

	memset(&attr, 0, sizeof(attr));
	attr.link_update.link_fd = link_fd;
	attr.link_update.new_prog_fd = args->new_prog_fd;
	attr.link_update.flags = args->flags;
	attr.link_update.old_prog_fd = args->old_prog_fd;
	return sys_bpf(BPF_LINK_UPDATE, &attr, sizeof(attr));
}

static int native_link_detach(int link_fd)
{
	struct native_link_info info;
	union bpf_attr attr;
	int ret;

	ret = native_link_info(link_fd, &info);
	if (ret)
		return ret;

	memset(&attr, 0, sizeof(attr));
	attr.link_detach.link_fd = link_fd;
	return sys_bpf(BPF_LINK_DETACH, &attr, sizeof(attr));
}

static int pin_path(char *buf, size_t len, __u32 id)
{
	int n = snprintf(buf, len, "%s/link-%u", TCX_NATIVE_PIN_DIR, id);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* Another object pinned there is not a tcx link: -ENXIO, as the module. */
static int native_link_get_fd_by_pin(const char *path)
{
	struct native_link_info info;
	union bpf_attr attr;
	int fd, ret;

	memset(&attr, 0, sizeof(attr));
	attr.pathname = ptr_to_u64(path);
	fd = sys_bpf(BPF_OBJ_GET, &attr, sizeof(attr));
	if (fd < 0)
		return fd;
	ret = native_link_info(fd, &info);
	if (ret) {
		close(fd);
		return ret == -EINVAL ? -ENXIO : ret;
	}
	return fd;
}

/* The id of the tcx link pinned at PATH, or -errno. */
static int pinned_id(const char *path, __u32 *id)
{
	struct native_link_info info;
	int fd, ret;

	fd = native_link_get_fd_by_pin(path);
	if (fd < 0)
		return fd;
	ret = native_link_info(fd, &info);
	close(fd);
	if (ret)
		return ret;
	*id = info.id;
	return 0;
}

static int native_link_pin(int link_fd)
{
	struct native_link_info info;
	char path[64];
	union bpf_attr attr;
	__u32 id;
	int ret;

	ret = native_link_info(link_fd, &info);
	if (ret)
		return ret;
	ret = pin_path(path, sizeof(path), info.id);
	if (ret)
		return ret;

	if (mkdir(TCX_NATIVE_PIN_DIR, 0700) && errno != EEXIST)
		return -errno;

	memset(&attr, 0, sizeof(attr));
	attr.pathname = ptr_to_u64(path);
	attr.bpf_fd = link_fd;
	ret = sys_bpf(BPF_OBJ_PIN, &attr, sizeof(attr));
	/* Pinned already: one pin, as with the module. */
	if (ret == -EEXIST && !pinned_id(path, &id) && id == info.id)
		return 0;
	return ret;
}

static int native_link_unpin(int link_fd)
{
	struct native_link_info info;
	char path[64];
	int ret;

	ret = native_link_info(link_fd, &info);
	if (ret)
		return ret;
	ret = pin_path(path, sizeof(path), info.id);
	if (ret)
		return ret;
	if (unlink(path) && errno != ENOENT)
		return -errno;
	return 0;
}

static int native_link_get_fd_by_id(__u32 id)
{
	struct native_link_info info;
	union bpf_attr attr;
	int fd, ret;

	memset(&attr, 0, sizeof(attr));
	attr.link_id = id;
	fd = sys_bpf(BPF_LINK_GET_FD_BY_ID, &attr, sizeof(attr));
	if (fd < 0)
		return fd;

	/* Links of other kinds share the id space: not ours to hand out. */
	ret = native_link_info(fd, &info);
	if (ret) {
		close(fd);
		return ret == -EINVAL ? -ENOENT : ret;
	}
	return fd;
}

static int native_link_get_info(int link_fd, struct tcx_link_info *info)
{
	struct native_link_info ninfo;
	struct tcx_link_info full;
	struct stat st;
	char path[64];
	__u32 size = info->size;
	int ret;

	ret = native_link_info(link_fd, &ninfo);
	if (ret)
		return ret;

	memset(&full, 0, sizeof(full));
	full.size = size;
	full.id = ninfo.id;
	full.prog_id = ninfo.prog_id;
	full.ifindex = ninfo.ifindex;
	full.direction = ninfo.attach_type == NATIVE_BPF_TCX_EGRESS ?
			 TCX_EGRESS : TCX_INGRESS;
	full.flags = TCX_LINK_F_NO_OWNER | TCX_LINK_F_NO_TAG;
	if (!ninfo.ifindex)
		full.flags |= TCX_LINK_F_DEFUNCT;
	/* A pin holds the link, so its id names no other link meanwhile. */
	if (!pin_path(path, sizeof(path), ninfo.id) && !stat(path, &st))
		full.flags |= TCX_LINK_F_PINNED;

	memcpy(info, &full, size < sizeof(full) ? size : sizeof(full));
	return 0;
}

/* Only libtcx's own pin is known: bpffs does not say where a link is. */
static int native_link_pin_path(int link_fd, char *buf, size_t size)
{
	struct native_link_info info;
	char path[64];
	struct stat st;
	int ret;

	ret = native_link_info(link_fd, &info);
	if (ret)
		return ret;
	ret = pin_path(path, sizeof(path), info.id);
	if (ret)
		return ret;
	if (stat(path, &st)) {
		if (size)
			buf[0] = '\0';
		return 0;
	}
	if (size)
		snprintf(buf, size, "%s", path);
	return strlen(path) + 1;
}

static int native_link_pin_at(int link_fd, const char *path)
{
	struct native_link_info info;
	union bpf_attr attr;
	int ret;

	ret = native_link_info(link_fd, &info);
	if (ret)
		return ret;
	memset(&attr, 0, sizeof(attr));
	attr.pathname = ptr_to_u64(path);
	attr.bpf_fd = link_fd;
	return sys_bpf(BPF_OBJ_PIN, &attr, sizeof(attr));
}

/* Links of every kind share the id space: step over those not tcx. */
static int native_link_get_next_id(__u32 start_id, __u32 *next_id)
{
	union bpf_attr attr;
	__u32 id = start_id;
	int fd;

	for (;;) {
		memset(&attr, 0, sizeof(attr));
		attr.start_id = id;
		fd = sys_bpf(BPF_LINK_GET_NEXT_ID, &attr, sizeof(attr));
		if (fd)
			return fd;
		id = attr.next_id;
		fd = native_link_get_fd_by_id(id);
		if (fd >= 0) {
			close(fd);
			*next_id = id;
			return 0;
		}
		/* Gone meanwhile, or of another kind. */
		if (fd != -ENOENT)
			return fd;
	}
}

const struct tcx_ops tcx_native_ops = {
	.prog_attach		= native_prog_attach,
	.prog_detach		= native_prog_detach,
	.query			= native_query,
	.link_create		= native_link_create,
	.link_update		= native_link_update,
	.link_detach		= native_link_detach,
	.link_pin		= native_link_pin,
	.link_unpin		= native_link_unpin,
	.link_get_fd_by_id	= native_link_get_fd_by_id,
	.link_get_info		= native_link_get_info,
	.link_pin_path		= native_link_pin_path,
	.link_pin_at		= native_link_pin_at,
	.link_get_fd_by_pin	= native_link_get_fd_by_pin,
	.link_get_next_id	= native_link_get_next_id,
	.query_unavailable	= TCX_QUERY_NO_HOOK_FLAGS | TCX_QUERY_NO_STATS,
};
