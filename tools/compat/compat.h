/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * tcx-compat: bpf() as Linux 6.6 answers it for tcx, served by tcx-dkms.
 *
 * One emulation core (core.c) decides, for a bpf() command with its attr
 * and size, whether the call concerns tcx; if it does, it serves it through
 * /dev/tcx and returns what 6.6 and later return, value and errno.  Two
 * front ends feed it:
 *   - preload.c (libtcx-compat.so): in the calling process, interposing
 *     libc's syscall() for __NR_bpf;
 *   - supervisor.c (tcx-compat run): for any binary, through seccomp user
 *     notification; the calling task's memory, fds and credentials are
 *     reached through process_vm_*(), pidfd_getfd() and TCX_IOC_BIND_TASK.
 * The front end tells the core how to reach the caller (struct
 * tcx_compat_ops), so the semantics live in one place.
 *
 * The attr layouts below are upstream's (include/uapi/linux/bpf.h of 6.6
 * and later), spelled out here because the build host's <linux/bpf.h> may
 * predate them.
 */
#ifndef __TCX_COMPAT_H
#define __TCX_COMPAT_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include <linux/tcx.h>

/* bpf() commands that can concern tcx. */
enum {
	TCX_BPF_OBJ_PIN			= 6,
	TCX_BPF_OBJ_GET			= 7,
	TCX_BPF_PROG_ATTACH		= 8,
	TCX_BPF_PROG_DETACH		= 9,
	TCX_BPF_PROG_GET_FD_BY_ID	= 13,
	TCX_BPF_OBJ_GET_INFO_BY_FD	= 15,
	TCX_BPF_PROG_QUERY		= 16,
	TCX_BPF_LINK_CREATE		= 28,
	TCX_BPF_LINK_UPDATE		= 29,
	TCX_BPF_LINK_GET_FD_BY_ID	= 30,
	TCX_BPF_LINK_GET_NEXT_ID	= 31,
	TCX_BPF_LINK_DETACH		= 34,
};

#define TCX_BPF_TCX_INGRESS	46
#define TCX_BPF_TCX_EGRESS	47
#define TCX_BPF_LINK_TYPE_TCX	11
#define TCX_BPF_F_RDONLY	(1U << 3)
#define TCX_BPF_F_WRONLY	(1U << 4)
#define TCX_BPF_F_PATH_FD	(1U << 14)

/* sizeof(union bpf_attr) and sizeof(struct bpf_link_info) in 6.12. */
#define TCX_BPF_ATTR_SIZE	152
#define TCX_BPF_LINK_INFO_SIZE	64

/* tcx-dkms link ids as bpf() shows them (see <linux/tcx.h>). */
#define TCX_COMPAT_LINK_ID_BASE	TCX_BPF_LINK_ID_BASE

/* BPF_PROG_ATTACH, BPF_PROG_DETACH */
struct tcx_bpf_attach_attr {
	__u32	target_ifindex;
	__u32	attach_bpf_fd;
	__u32	attach_type;
	__u32	attach_flags;
	__u32	replace_bpf_fd;
	__u32	relative_fd_or_id;
	__u64	expected_revision;
};

/* BPF_PROG_QUERY */
struct tcx_bpf_query_attr {
	__u32	target_ifindex;
	__u32	attach_type;
	__u32	query_flags;
	__u32	attach_flags;
	__u64	prog_ids;
	__u32	count;
	__u32	:32;
	__u64	prog_attach_flags;
	__u64	link_ids;
	__u64	link_attach_flags;
	__u64	revision;
};

/* BPF_LINK_CREATE, its tcx member */
struct tcx_bpf_link_create_attr {
	__u32	prog_fd;
	__u32	target_ifindex;
	__u32	attach_type;
	__u32	flags;
	__u32	relative_fd_or_id;
	__u32	:32;
	__u64	expected_revision;
};

/* BPF_LINK_UPDATE */
struct tcx_bpf_link_update_attr {
	__u32	link_fd;
	__u32	new_prog_fd;
	__u32	flags;
	__u32	old_prog_fd;
};

/* BPF_OBJ_GET_INFO_BY_FD */
struct tcx_bpf_info_attr {
	__u32	bpf_fd;
	__u32	info_len;
	__u64	info;
};

/* BPF_OBJ_PIN, BPF_OBJ_GET */
struct tcx_bpf_obj_attr {
	__u64	pathname;
	__u32	bpf_fd;
	__u32	file_flags;
	__s32	path_fd;
};

/* BPF_*_GET_FD_BY_ID, BPF_*_GET_NEXT_ID */
struct tcx_bpf_id_attr {
	__u32	id;		/* start_id or link_id */
	__u32	next_id;
	__u32	open_flags;
};

/* struct bpf_link_info, up to its tcx member */
struct tcx_bpf_link_info {
	__u32	type;
	__u32	id;
	__u32	prog_id;
	__u32	:32;
	__u32	ifindex;
	__u32	attach_type;
};

/*
 * How the core reaches the caller.  Every fd the caller names is turned
 * into one the front end can use (get_fd) and given back (put_fd); a new
 * fd is handed to the caller by install_fd, which returns its number
 * there.  Memory is the caller's; -EFAULT for what is not mapped.
 */
struct tcx_compat_caller;

/* One piece of what a call writes back into the caller's memory. */
struct tcx_compat_iov {
	__u64		addr;
	const void	*buf;
	size_t		len;
};

struct tcx_compat_ops {
	int	(*read)(struct tcx_compat_caller *c, __u64 addr, void *buf,
			size_t len);
	/* In order, stopping at the first fault, as copy_to_user()s do. */
	int	(*write)(struct tcx_compat_caller *c,
			 const struct tcx_compat_iov *iov, unsigned int n);
	/* A local fd for the caller's @fd, or -EBADF. */
	int	(*get_fd)(struct tcx_compat_caller *c, int fd);
	void	(*put_fd)(struct tcx_compat_caller *c, int local_fd);
	/* Hands @local_fd (O_CLOEXEC) to the caller; takes it over. */
	int	(*install_fd)(struct tcx_compat_caller *c, int local_fd);
	/* /dev/tcx, acting with the caller's rights. */
	int	(*dev_fd)(struct tcx_compat_caller *c);
	/* The real bpf() system call, made by the front end itself. */
	long	(*real_bpf)(int cmd, void *attr, __u32 size);
	/* Would the kernel let the caller do what CAP_SYS_ADMIN allows? */
	bool	(*sys_admin)(struct tcx_compat_caller *c);
	/*
	 * A directory fd and a path relative to it that name what @path,
	 * relative to the caller's @dirfd, names for the caller; the fd is
	 * put with put_fd (AT_FDCWD needs none).
	 */
	int	(*path_at)(struct tcx_compat_caller *c, int dirfd,
			   char *path, size_t size, int *local_dirfd,
			   const char **local_path);
};

struct tcx_compat_caller {
	const struct tcx_compat_ops	*ops;
	void				*priv;
};

/* process_vm_readv()/writev() on @pid: 0, or -EFAULT for a bad address. */
int tcx_compat_readv(int pid, __u64 addr, void *buf, size_t len);
int tcx_compat_writev(int pid, const struct tcx_compat_iov *iov,
		      unsigned int n);

/*
 * Is this bpf() command one that the core may serve?  A cheap test on the
 * command number alone: the supervisor's seccomp filter traps exactly these.
 */
bool tcx_compat_cmd_trapped(int cmd);

/*
 * Serve @cmd with @attr (@size bytes at the caller's @uattr) if it
 * concerns tcx.  Returns false when it does not: the real bpf() must run.
 * Otherwise *ret is what bpf() returns (>= 0) or -errno.
 */
bool tcx_compat_serve(struct tcx_compat_caller *c, int cmd, __u64 uattr,
		      __u32 size, long *ret);

/*
 * Should the layer act at all?  Only on kernels without tcx of their own,
 * with /dev/tcx present; @real_bpf runs the real system call.
 */
bool tcx_compat_wanted(long (*real_bpf)(int cmd, void *attr, __u32 size));

#endif /* __TCX_COMPAT_H */
