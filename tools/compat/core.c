// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * tcx-compat's emulation core: bpf() commands for tcx, served by tcx-dkms
 * with upstream's answers.  See compat.h for who calls it and how it
 * reaches the caller.
 *
 * Each command follows upstream's __sys_bpf() and the command's own
 * function (kernel/bpf/syscall.c, kernel/bpf/mprog.c, kernel/bpf/tcx.c of
 * 6.6 to 6.12): the size and tail checks first, then CHECK_ATTR (the bytes
 * after the command's last field must be zero), then the module, which
 * keeps upstream's order for everything past the attr.  Whether a command
 * is ours is decided before any check: a call that is not ours reaches the
 * kernel untouched, with its own errors.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <linux/tcx.h>

#include "compat.h"

#define TCX_ATTACH_MASK		TCX_F_ATTACH_MASK
/* A local fd number that is never open: the module then says EBADF. */
#define TCX_COMPAT_BAD_FD	0x7fffffffU
/* A link id the module never hands out: ENOENT, as for an unknown id. */
#define TCX_COMPAT_NO_ID	0xffffffffU

#define min_t(a, b)		((a) < (b) ? (a) : (b))
#define offsetofend(TYPE, FIELD) \
	(offsetof(TYPE, FIELD) + sizeof(((TYPE *)0)->FIELD))

int tcx_compat_readv(int pid, __u64 addr, void *buf, size_t len)
{
	struct iovec local = { .iov_base = buf, .iov_len = len };
	struct iovec remote = { .iov_base = (void *)(unsigned long)addr,
				.iov_len = len };

	return process_vm_readv(pid, &local, 1, &remote, 1, 0) == (ssize_t)len ?
	       0 : -EFAULT;
}

int tcx_compat_writev(int pid, const struct tcx_compat_iov *iov,
		      unsigned int n)
{
	struct iovec local[8], remote[8];
	ssize_t total = 0;
	unsigned int i;

	if (n > 8)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		local[i].iov_base = (void *)iov[i].buf;
		local[i].iov_len = iov[i].len;
		remote[i].iov_base = (void *)(unsigned long)iov[i].addr;
		remote[i].iov_len = iov[i].len;
		total += iov[i].len;
	}
	return process_vm_writev(pid, local, n, remote, n, 0) == total ?
	       0 : -EFAULT;
}

bool tcx_compat_cmd_trapped(int cmd)
{
	switch (cmd) {
	case TCX_BPF_OBJ_PIN:
	case TCX_BPF_OBJ_GET:
	case TCX_BPF_PROG_ATTACH:
	case TCX_BPF_PROG_DETACH:
	case TCX_BPF_OBJ_GET_INFO_BY_FD:
	case TCX_BPF_PROG_QUERY:
	case TCX_BPF_LINK_CREATE:
	case TCX_BPF_LINK_UPDATE:
	case TCX_BPF_LINK_GET_FD_BY_ID:
	case TCX_BPF_LINK_GET_NEXT_ID:
	case TCX_BPF_LINK_DETACH:
		return true;
	default:
		return false;
	}
}

struct tcx_req {
	struct tcx_compat_caller	*c;
	__u64				uattr;
	__u32				size;
	unsigned char			attr[TCX_BPF_ATTR_SIZE];
	/* Local fds to give back when the call is done; own: ours to close. */
	int				fds[6];
	bool				own[6];
	int				nr_fds;
};

static int req_ioctl(struct tcx_req *r, unsigned long cmd, void *arg)
{
	int fd = r->c->ops->dev_fd(r->c);

	if (fd < 0)
		return fd;
	return ioctl(fd, cmd, arg) < 0 ? -errno : 0;
}

/* As __sys_bpf(): at most a page, and what the kernel does not know is 0. */
static int req_check_tail(struct tcx_req *r)
{
	unsigned char buf[256];
	__u64 off = TCX_BPF_ATTR_SIZE;
	size_t i, n;

	if (r->size > 4096)
		return -E2BIG;
	while (off < r->size) {
		n = min_t(r->size - off, sizeof(buf));
		if (r->c->ops->read(r->c, r->uattr + off, buf, n))
			return -EFAULT;
		for (i = 0; i < n; i++)
			if (buf[i])
				return -E2BIG;
		off += n;
	}
	return 0;
}

/* The attr as the kernel copies it in: what the caller gave, then zeroes. */
static int req_read(struct tcx_req *r)
{
	memset(r->attr, 0, sizeof(r->attr));
	return r->c->ops->read(r->c, r->uattr, r->attr,
			       min_t(r->size, (__u32)sizeof(r->attr)));
}

/* The size checks, then CHECK_ATTR: nothing set past @last_end. */
static int req_check(struct tcx_req *r, size_t last_end)
{
	size_t i;
	int ret;

	ret = req_check_tail(r);
	if (ret)
		return ret;
	for (i = last_end; i < sizeof(r->attr); i++)
		if (r->attr[i])
			return -EINVAL;
	return 0;
}

static void req_keep(struct tcx_req *r, int fd, bool own)
{
	r->own[r->nr_fds] = own;
	r->fds[r->nr_fds++] = fd;
}

/*
 * A local fd for the caller's @fd, kept until the request ends.  0 stays 0
 * where upstream reads 0 as "none"; a caller's fd that is not open becomes
 * one that is not open here either, so the module reports EBADF where
 * upstream's checks would.
 */
static __u32 req_fd(struct tcx_req *r, __u32 fd, bool zero_is_none)
{
	int local;

	if (zero_is_none && !fd)
		return 0;
	if (fd > INT_MAX)
		return TCX_COMPAT_BAD_FD;
	local = r->c->ops->get_fd(r->c, fd);
	if (local < 0)
		return TCX_COMPAT_BAD_FD;
	req_keep(r, local, false);
	return local;
}

static void req_done(struct tcx_req *r)
{
	while (r->nr_fds--) {
		if (r->own[r->nr_fds])
			close(r->fds[r->nr_fds]);
		else
			r->c->ops->put_fd(r->c, r->fds[r->nr_fds]);
	}
}

/*
 * Is the caller's @fd a tcx link?  Its local fd, or -1.  Only anonymous
 * inodes (no file type in their mode: bpf objects, eventfds...) are asked,
 * with an ioctl that only a tcx link knows.
 */
static int req_link_fd(struct tcx_req *r, __u32 fd)
{
	struct tcx_link_info info = {
		.size = offsetofend(struct tcx_link_info, flags),
	};
	struct stat st;
	int local;

	if (fd > INT_MAX)
		return -1;
	local = r->c->ops->get_fd(r->c, fd);
	if (local < 0)
		return -1;
	if (fstat(local, &st) || (st.st_mode & S_IFMT) ||
	    ioctl(local, TCX_IOC_LINK_INFO, &info)) {
		r->c->ops->put_fd(r->c, local);
		return -1;
	}
	req_keep(r, local, false);
	return local;
}

static int req_write(struct tcx_req *r, size_t off, const void *val,
		     size_t len)
{
	struct tcx_compat_iov iov = { r->uattr + off, val, len };

	return r->c->ops->write(r->c, &iov, 1) ? -EFAULT : 0;
}

/*
 * The relative object of an attach, detach or link create.  A program id
 * is turned into an fd where the caller may (BPF_PROG_GET_FD_BY_ID), so
 * that a program that is not on the hook is found as upstream finds it;
 * the module alone only knows the programs on the hook.
 */
static void req_relative(struct tcx_req *r, __u32 *flags, __u32 rel,
			 __u32 *out)
{
	const struct tcx_compat_ops *ops = r->c->ops;
	__u32 id_attr[3] = { rel, 0, 0 };
	long fd;

	if (*flags & TCX_F_LINK) {
		if (!(*flags & TCX_F_ID))
			*out = req_fd(r, rel, true);
		else if (rel > TCX_COMPAT_LINK_ID_BASE)
			*out = rel - TCX_COMPAT_LINK_ID_BASE;
		else
			*out = TCX_COMPAT_NO_ID;
		return;
	}
	if (!(*flags & TCX_F_ID)) {
		*out = req_fd(r, rel, true);
		return;
	}
	*out = rel;
	if (!rel || !ops->sys_admin(r->c))
		return;
	fd = ops->real_bpf(TCX_BPF_PROG_GET_FD_BY_ID, id_attr,
			   sizeof(id_attr));
	if (fd < 0)
		return;
	req_keep(r, fd, true);
	*flags &= ~TCX_F_ID;
	*out = fd;
}

static long serve_attach(struct tcx_req *r, bool attach)
{
	struct tcx_bpf_attach_attr *a = (void *)r->attr;
	struct tcx_prog_args args;
	int ret;

	ret = req_check(r, offsetof(struct tcx_bpf_attach_attr,
				    expected_revision) + sizeof(__u64));
	if (ret)
		return ret;
	memset(&args, 0, sizeof(args));
	args.size = sizeof(args);
	args.ifindex = a->target_ifindex;
	args.direction = a->attach_type - TCX_BPF_TCX_INGRESS;
	args.flags = a->attach_flags;
	args.expected_revision = a->expected_revision;
	/* Upstream's flag check comes before any fd is looked at. */
	if (args.flags & ~TCX_ATTACH_MASK)
		return -EINVAL;
	args.prog_fd = req_fd(r, a->attach_bpf_fd, !attach);
	if (attach && (args.flags & TCX_F_REPLACE))
		args.replace_prog_fd = req_fd(r, a->replace_bpf_fd, false);
	req_relative(r, &args.flags, a->relative_fd_or_id,
		     &args.relative_fd);
	return req_ioctl(r, attach ? TCX_IOC_PROG_ATTACH : TCX_IOC_PROG_DETACH,
			 &args);
}

/* As bpf_mprog_query(): counters first, then as many entries as fit. */
static long serve_query(struct tcx_req *r)
{
	struct tcx_bpf_query_attr *q = (void *)r->attr;
	__u32 prog_ids[TCX_MAX_PROGS], link_ids[TCX_MAX_PROGS];
	static const __u32 zeros[TCX_MAX_PROGS];
	struct tcx_compat_iov iov[7];
	struct tcx_query_args args;
	unsigned int nr = 0;
	__u32 i, n, total;
	long ret;

	ret = req_check(r, offsetof(struct tcx_bpf_query_attr, revision) +
			   sizeof(__u64));
	if (ret)
		return ret;
	memset(&args, 0, sizeof(args));
	args.size = sizeof(args);
	args.ifindex = q->target_ifindex;
	args.direction = q->attach_type - TCX_BPF_TCX_INGRESS;
	args.query_flags = q->query_flags;
	args.attach_flags = q->attach_flags;
	args.count = TCX_MAX_PROGS;
	args.prog_ids = (__u64)(unsigned long)prog_ids;
	args.link_ids = (__u64)(unsigned long)link_ids;
	ret = req_ioctl(r, TCX_IOC_QUERY, &args);
	if (ret)
		return ret;

	total = args.count;
	iov[nr++] = (struct tcx_compat_iov){
		r->uattr + offsetof(struct tcx_bpf_query_attr, attach_flags),
		zeros, sizeof(__u32) };
	iov[nr++] = (struct tcx_compat_iov){
		r->uattr + offsetof(struct tcx_bpf_query_attr, revision),
		&args.revision, sizeof(args.revision) };
	iov[nr++] = (struct tcx_compat_iov){
		r->uattr + offsetof(struct tcx_bpf_query_attr, count),
		&total, sizeof(total) };
	n = total;
	if (!q->count || !q->prog_ids)
		n = 0;
	if (n > q->count) {
		n = q->count;
		ret = -ENOSPC;
	}
	/* The arrays in one go each; upstream writes them slot by slot. */
	for (i = 0; i < n; i++)
		if (link_ids[i])
			link_ids[i] += TCX_COMPAT_LINK_ID_BASE;
	if (n) {
		iov[nr++] = (struct tcx_compat_iov){ q->prog_ids, prog_ids,
						     4 * n };
		if (q->prog_attach_flags)
			iov[nr++] = (struct tcx_compat_iov){
				q->prog_attach_flags, zeros, 4 * n };
		if (q->link_ids)
			iov[nr++] = (struct tcx_compat_iov){ q->link_ids,
							     link_ids, 4 * n };
		if (q->link_attach_flags)
			iov[nr++] = (struct tcx_compat_iov){
				q->link_attach_flags, zeros, 4 * n };
	}
	return r->c->ops->write(r->c, iov, nr) ? -EFAULT : ret;
}

/* A new fd of ours, handed to the caller. */
static long req_install(struct tcx_req *r, int local)
{
	if (local < 0)
		return local;
	return r->c->ops->install_fd(r->c, local);
}

static long serve_link_create(struct tcx_req *r)
{
	struct tcx_bpf_link_create_attr *a = (void *)r->attr;
	struct tcx_link_create_args args;
	int dev, fd;
	long ret;

	/* BPF_LINK_CREATE's last field is link_create.uprobe_multi.pid. */
	ret = req_check(r, 60);
	if (ret)
		return ret;
	memset(&args, 0, sizeof(args));
	args.size = sizeof(args);
	args.ifindex = a->target_ifindex;
	args.direction = a->attach_type - TCX_BPF_TCX_INGRESS;
	args.flags = a->flags;
	args.expected_revision = a->expected_revision;
	args.prog_fd = req_fd(r, a->prog_fd, false);
	req_relative(r, &args.flags, a->relative_fd_or_id, &args.relative_fd);

	dev = r->c->ops->dev_fd(r->c);
	if (dev < 0)
		return dev;
	fd = ioctl(dev, TCX_IOC_LINK_CREATE, &args);
	return req_install(r, fd < 0 ? -errno : fd);
}

static long link_ioctl(int link_fd, unsigned long cmd, void *arg)
{
	return ioctl(link_fd, cmd, arg) < 0 ? -errno : 0;
}

static long serve_link_update(struct tcx_req *r, int link_fd)
{
	struct tcx_bpf_link_update_attr *a = (void *)r->attr;
	struct tcx_link_update_args args;
	long ret;

	ret = req_check(r, sizeof(*a));
	if (ret)
		return ret;
	memset(&args, 0, sizeof(args));
	args.size = sizeof(args);
	args.flags = a->flags;
	if (args.flags & ~TCX_F_REPLACE)
		return -EINVAL;
	args.new_prog_fd = req_fd(r, a->new_prog_fd, false);
	if (args.flags & TCX_F_REPLACE)
		args.old_prog_fd = req_fd(r, a->old_prog_fd, false);
	else if (a->old_prog_fd)
		return -EINVAL;
	return link_ioctl(link_fd, TCX_IOC_LINK_UPDATE, &args);
}

static long serve_link_detach(struct tcx_req *r, int link_fd)
{
	long ret;

	ret = req_check(r, sizeof(__u32));
	if (ret)
		return ret;
	return link_ioctl(link_fd, TCX_IOC_LINK_DETACH, NULL);
}

/* As bpf_link_get_info_by_fd(), for what a tcx link fills in. */
static long serve_link_info(struct tcx_req *r, int link_fd)
{
	struct tcx_bpf_info_attr *a = (void *)r->attr;
	unsigned char buf[TCX_BPF_LINK_INFO_SIZE], tail[64];
	struct tcx_bpf_link_info *info = (void *)buf;
	struct tcx_link_info tinfo;
	__u32 len, off, n, i;
	long ret;

	ret = req_check(r, sizeof(*a));
	if (ret)
		return ret;
	if (a->info_len > 4096)
		return -E2BIG;
	for (off = sizeof(buf); off < a->info_len; off += n) {
		n = min_t(a->info_len - off, (__u32)sizeof(tail));
		if (r->c->ops->read(r->c, a->info + off, tail, n))
			return -EFAULT;
		for (i = 0; i < n; i++)
			if (tail[i])
				return -E2BIG;
	}
	len = min_t(a->info_len, (__u32)sizeof(buf));
	memset(buf, 0, sizeof(buf));
	if (r->c->ops->read(r->c, a->info, buf, len))
		return -EFAULT;

	memset(&tinfo, 0, sizeof(tinfo));
	tinfo.size = sizeof(tinfo);
	ret = link_ioctl(link_fd, TCX_IOC_LINK_INFO, &tinfo);
	if (ret)
		return ret;
	info->type = TCX_BPF_LINK_TYPE_TCX;
	info->id = tinfo.id + TCX_COMPAT_LINK_ID_BASE;
	info->prog_id = tinfo.prog_id;
	info->ifindex = tinfo.ifindex;
	info->attach_type = TCX_BPF_TCX_INGRESS + tinfo.direction;
	{
		struct tcx_compat_iov iov[2] = {
			{ a->info, buf, len },
			{ r->uattr + offsetof(struct tcx_bpf_info_attr, info_len),
			  &len, sizeof(len) },
		};

		return r->c->ops->write(r->c, iov, 2) ? -EFAULT : 0;
	}
}

/* The caller's path string, as getname() takes it. */
static int req_path(struct tcx_req *r, __u64 upath, char *path, size_t size)
{
	size_t off = 0, n;

	/* Read in pieces: a string may end just before an unmapped page. */
	while (off < size) {
		n = 64 - ((upath + off) & 63);
		if (n > size - off)
			n = size - off;
		if (r->c->ops->read(r->c, upath + off, path + off, n))
			return -EFAULT;
		if (memchr(path + off, '\0', n))
			return path[0] ? 0 : -ENOENT;
		off += n;
	}
	return -ENAMETOOLONG;
}

/* BPF_OBJ's file_flags and path_fd rules; the dirfd the caller meant. */
static int req_obj_dirfd(struct tcx_req *r, __u32 allowed, int *dirfd)
{
	struct tcx_bpf_obj_attr *a = (void *)r->attr;
	int ret;

	ret = req_check(r, offsetof(struct tcx_bpf_obj_attr, path_fd) +
			   sizeof(__s32));
	if (ret)
		return ret;
	if (a->file_flags & ~(allowed | TCX_BPF_F_PATH_FD))
		return -EINVAL;
	if (!(a->file_flags & TCX_BPF_F_PATH_FD) && a->path_fd)
		return -EINVAL;
	*dirfd = a->file_flags & TCX_BPF_F_PATH_FD ? a->path_fd : AT_FDCWD;
	return 0;
}

static long req_pin_ioctl(struct tcx_req *r, unsigned long cmd,
			  __u32 link_fd, int dirfd)
{
	struct tcx_bpf_obj_attr *a = (void *)r->attr;
	const char *local_path;
	struct tcx_pin_args args;
	char path[PATH_MAX];
	int local_dirfd, dev;
	long ret;

	ret = req_path(r, a->pathname, path, sizeof(path));
	if (ret)
		return ret;
	ret = r->c->ops->path_at(r->c, dirfd, path, sizeof(path),
				 &local_dirfd, &local_path);
	if (ret)
		return ret;
	if (local_dirfd != AT_FDCWD)
		req_keep(r, local_dirfd, false);
	dev = r->c->ops->dev_fd(r->c);
	if (dev < 0)
		return dev;
	memset(&args, 0, sizeof(args));
	args.size = sizeof(args);
	args.link_fd = link_fd;
	args.dirfd = local_dirfd;
	args.pathname = (__u64)(unsigned long)local_path;
	ret = ioctl(dev, cmd, &args);
	return ret < 0 ? -errno : ret;
}

static long serve_obj_pin(struct tcx_req *r, int link_fd)
{
	int dirfd, ret;

	ret = req_obj_dirfd(r, 0, &dirfd);
	if (ret)
		return ret;
	return req_pin_ioctl(r, TCX_IOC_LINK_PIN_PATH, link_fd, dirfd);
}

/* Ours only if the path is a tcx pin; *mine says so. */
static long serve_obj_get(struct tcx_req *r, bool *mine)
{
	struct tcx_bpf_obj_attr *a = (void *)r->attr;
	int dirfd;
	long fd;

	*mine = false;
	if (a->bpf_fd || req_obj_dirfd(r, TCX_BPF_F_RDONLY | TCX_BPF_F_WRONLY,
				       &dirfd))
		return 0;
	fd = req_pin_ioctl(r, TCX_IOC_LINK_GET_FD_BY_PIN, 0, dirfd);
	switch (fd) {
	case -ENXIO:
	case -ENOENT:
	case -ENOTDIR:
	case -ELOOP:
	case -ENAMETOOLONG:
	case -EFAULT:
		return 0;
	}
	*mine = true;
	/* A link opens read-write only, as upstream's bpf_obj_get_user(). */
	if (fd >= 0 && (a->file_flags & (TCX_BPF_F_RDONLY | TCX_BPF_F_WRONLY))) {
		close(fd);
		return -EINVAL;
	}
	return req_install(r, fd);
}

static long serve_link_get_fd_by_id(struct tcx_req *r)
{
	struct tcx_bpf_id_attr *a = (void *)r->attr;
	struct tcx_link_id_args args;
	int dev, fd;
	long ret;

	ret = req_check(r, sizeof(__u32));
	if (ret)
		return ret;
	dev = r->c->ops->dev_fd(r->c);
	if (dev < 0)
		return dev;
	memset(&args, 0, sizeof(args));
	args.size = sizeof(args);
	args.id = a->id - TCX_COMPAT_LINK_ID_BASE;
	fd = ioctl(dev, TCX_IOC_LINK_GET_FD_BY_ID, &args);
	return req_install(r, fd < 0 ? -errno : fd);
}

/* The kernel's links first, then ours above TCX_COMPAT_LINK_ID_BASE. */
static long serve_link_get_next_id(struct tcx_req *r)
{
	struct tcx_bpf_id_attr *a = (void *)r->attr;
	struct tcx_link_next_id_args args;
	__u32 kattr[3] = { a->id, 0, 0 };
	long ret;

	ret = req_check(r, 2 * sizeof(__u32));
	if (ret)
		return ret;
	if (!r->c->ops->sys_admin(r->c))
		return -EPERM;
	memset(&args, 0, sizeof(args));
	args.size = sizeof(args);
	if (a->id < TCX_COMPAT_LINK_ID_BASE) {
		ret = r->c->ops->real_bpf(TCX_BPF_LINK_GET_NEXT_ID, kattr,
					  sizeof(kattr));
		if (!ret)
			return req_write(r, offsetof(struct tcx_bpf_id_attr,
						     next_id),
					 &kattr[1], sizeof(kattr[1]));
		if (ret != -ENOENT)
			return ret;
	} else {
		args.start_id = a->id - TCX_COMPAT_LINK_ID_BASE;
	}
	ret = req_ioctl(r, TCX_IOC_LINK_GET_NEXT_ID, &args);
	if (ret)
		return ret;
	args.next_id += TCX_COMPAT_LINK_ID_BASE;
	return req_write(r, offsetof(struct tcx_bpf_id_attr, next_id),
			 &args.next_id, sizeof(args.next_id));
}

static bool tcx_attach_type(__u32 type)
{
	return type == TCX_BPF_TCX_INGRESS || type == TCX_BPF_TCX_EGRESS;
}

static bool serve(struct tcx_req *r, int cmd, long *ret)
{
	__u32 *u = (__u32 *)r->attr;
	bool mine = true;
	int link_fd;

	switch (cmd) {
	case TCX_BPF_PROG_ATTACH:
	case TCX_BPF_PROG_DETACH:
		if (!tcx_attach_type(u[2]))
			return false;
		*ret = serve_attach(r, cmd == TCX_BPF_PROG_ATTACH);
		return true;
	case TCX_BPF_PROG_QUERY:
		if (!tcx_attach_type(u[1]))
			return false;
		*ret = serve_query(r);
		return true;
	case TCX_BPF_LINK_CREATE:
		if (!tcx_attach_type(u[2]))
			return false;
		*ret = serve_link_create(r);
		return true;
	case TCX_BPF_LINK_GET_FD_BY_ID:
		if (u[0] <= TCX_COMPAT_LINK_ID_BASE)
			return false;
		*ret = serve_link_get_fd_by_id(r);
		return true;
	case TCX_BPF_LINK_GET_NEXT_ID:
		*ret = serve_link_get_next_id(r);
		return true;
	case TCX_BPF_OBJ_GET:
		*ret = serve_obj_get(r, &mine);
		return mine;
	}

	/* The rest act on an fd: ours if it is a tcx link. */
	link_fd = req_link_fd(r, cmd == TCX_BPF_OBJ_PIN ? u[2] : u[0]);
	if (link_fd < 0)
		return false;
	switch (cmd) {
	case TCX_BPF_LINK_UPDATE:
		*ret = serve_link_update(r, link_fd);
		return true;
	case TCX_BPF_LINK_DETACH:
		*ret = serve_link_detach(r, link_fd);
		return true;
	case TCX_BPF_OBJ_GET_INFO_BY_FD:
		*ret = serve_link_info(r, link_fd);
		return true;
	case TCX_BPF_OBJ_PIN:
		*ret = serve_obj_pin(r, link_fd);
		return true;
	}
	return false;
}

bool tcx_compat_serve(struct tcx_compat_caller *c, int cmd, __u64 uattr,
		      __u32 size, long *ret)
{
	struct tcx_req r = { .c = c, .uattr = uattr, .size = size };
	bool served;

	if (!tcx_compat_cmd_trapped(cmd))
		return false;
	/* What cannot be read is not ours to judge: the kernel says EFAULT. */
	if (req_read(&r))
		return false;
	served = serve(&r, cmd, ret);
	req_done(&r);
	return served;
}

/* A kernel release of 6.6 or later has tcx of its own. */
static bool tcx_kernel_has_tcx(void)
{
	struct utsname u;
	int major, minor;

	if (uname(&u) || sscanf(u.release, "%d.%d", &major, &minor) != 2)
		return false;
	return major > 6 || (major == 6 && minor >= 6);
}

bool tcx_compat_wanted(long (*real_bpf)(int cmd, void *attr, __u32 size))
{
	struct tcx_bpf_query_attr q = {
		.target_ifindex = 1,	/* lo */
		.attach_type = TCX_BPF_TCX_INGRESS,
	};
	long ret;

	if (access("/dev/" TCX_DEVICE_NAME, F_OK))
		return false;
	ret = real_bpf(TCX_BPF_PROG_QUERY, &q, sizeof(q));
	if (!ret || ret == -ENODEV)
		return false;
	if (ret == -EINVAL)
		return true;
	/* Refused before the attach type was looked at: ask the release. */
	return !tcx_kernel_has_tcx();
}
