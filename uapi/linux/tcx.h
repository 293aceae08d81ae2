/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * tcx-dkms: the control interface of /dev/tcx.
 *
 * The same header is used by the module, libtcx, tcxctl and the tests.
 *
 * Every ioctl argument starts with its own size in bytes, so that old and
 * new binaries can talk to old and new modules:
 *   - a caller that passes a smaller struct gets the missing fields as zero;
 *   - a caller that passes a larger struct must leave the unknown tail zeroed,
 *     otherwise the call fails with E2BIG;
 *   - a size below the first version of a struct fails with EINVAL.
 * The size encoded in the ioctl number is that of the first version and is
 * not checked; the struct's own size field is what counts.
 *
 * Flag values match upstream's BPF_F_* so that code written for native tcx
 * (Linux 6.6 and later) carries over unchanged.
 */
#ifndef _UAPI_LINUX_TCX_H
#define _UAPI_LINUX_TCX_H

#include <linux/types.h>
#include <linux/ioctl.h>
#include <linux/bpf.h>

#define TCX_DEVICE_NAME		"tcx"
#define TCX_ABI_VERSION		1

/* Attach, detach and link-create flags, with upstream's bit values. */
#define TCX_F_REPLACE		(1U << 2)
#define TCX_F_BEFORE		(1U << 3)
#define TCX_F_AFTER		(1U << 4)
#define TCX_F_ID		(1U << 5)
#define TCX_F_LINK		(1U << 13)

#define TCX_F_ATTACH_MASK	(TCX_F_REPLACE | TCX_F_BEFORE | TCX_F_AFTER | \
				 TCX_F_ID | TCX_F_LINK)

/* At most this many programs per device and direction, as upstream. */
#define TCX_MAX_PROGS		63

enum tcx_direction {
	TCX_INGRESS = 0,
	TCX_EGRESS = 1,
};

/*
 * Program return codes. They equal TC_ACT_UNSPEC/OK/SHOT/REDIRECT, and are
 * named as upstream names them; any other value counts as TCX_NEXT.
 * Linux 6.6's <linux/bpf.h> defines the same enum, and also BPF_F_BEFORE,
 * which tells us whether it is there.
 */
#ifndef BPF_F_BEFORE
enum tcx_action_base {
	TCX_NEXT	= -1,
	TCX_PASS	= 0,
	TCX_DROP	= 2,
	TCX_REDIRECT	= 7,
};
#endif

#define TCX_VERSION_LEN		32

/* TCX_IOC_VERSION */
struct tcx_version {
	__u32	size;
	__u32	abi_version;			/* out: TCX_ABI_VERSION */
	char	module_version[TCX_VERSION_LEN];	/* out: NUL-terminated */
};

/*
 * TCX_IOC_PROG_ATTACH, TCX_IOC_PROG_DETACH: the fields of upstream's
 * BPF_PROG_ATTACH/BPF_PROG_DETACH for tcx, with the device and direction
 * spelled out.  The relative object is a program fd, or with TCX_F_ID a
 * program id; with TCX_F_LINK it is a link fd or link id instead.
 * A detach with prog_fd 0 is positional (TCX_F_BEFORE: the first entry or the
 * one before the relative object, TCX_F_AFTER or no flag: the last entry or
 * the one after it).
 */
struct tcx_prog_args {
	__u32	size;
	__u32	ifindex;		/* in the caller's network namespace */
	__u32	direction;		/* enum tcx_direction */
	__u32	flags;			/* TCX_F_* */
	__u32	prog_fd;
	__u32	replace_prog_fd;	/* with TCX_F_REPLACE */
	union {
		__u32	relative_fd;
		__u32	relative_id;
	};
	__u32	__reserved;		/* must be zero */
	__u64	expected_revision;	/* 0: do not check */
};

/* Packets seen by one hook since its first program was attached. */
struct tcx_hook_stats {
	__u64	packets;		/* that reached the programs */
	__u64	passed;			/* went on up or out the stack */
	__u64	dropped;
	__u64	redirected;
	__u64	redirect_failed;	/* target missing, down or refusing */
};

/* tcx_query_args.hook_flags */
#define TCX_HOOK_F_LIVE		(1U << 0)	/* registered in the data path */

/*
 * TCX_IOC_QUERY: the hook's revision and, in array order, the programs on it.
 * count is the capacity of the arrays on input and the number of entries on
 * output; when the arrays are too small, what fits is copied and the call
 * fails with ENOSPC, as upstream's BPF_PROG_QUERY does.  The fields after
 * link_attach_flags are tcx-dkms's own: whether the hook is registered in
 * the data path (it is only while programs are attached) and its counters.
 */
struct tcx_query_args {
	__u32	size;
	__u32	ifindex;
	__u32	direction;
	__u32	query_flags;		/* in: must be zero */
	__u32	attach_flags;		/* in: must be zero; out: zero */
	__u32	count;			/* in: capacity; out: entries */
	__u64	revision;		/* out */
	__aligned_u64 prog_ids;		/* __u32 [count], may be 0 */
	__aligned_u64 prog_attach_flags;	/* __u32 [count], may be 0 */
	__aligned_u64 link_ids;		/* __u32 [count], 0 for program-owned */
	__aligned_u64 link_attach_flags;	/* __u32 [count], may be 0 */
	__u32	hook_flags;		/* out: TCX_HOOK_F_* */
	__u32	__reserved;		/* must be zero */
	struct tcx_hook_stats stats;	/* out */
};

/* The first version of struct tcx_query_args ended at link_attach_flags. */
#define TCX_QUERY_ARGS_SIZE_VER0	64

#define TCX_TAG_LEN		32

/*
 * TCX_IOC_LINK_CREATE: attach a program through a new link and return its
 * fd (O_CLOEXEC).  Placement as for TCX_IOC_PROG_ATTACH; TCX_F_REPLACE is
 * refused with ENOENT, as upstream's link create does.  The tag is free
 * text (NUL-terminated) that tells operators who owns the link.
 */
struct tcx_link_create_args {
	__u32	size;
	__u32	ifindex;
	__u32	direction;
	__u32	flags;
	__u32	prog_fd;
	union {
		__u32	relative_fd;
		__u32	relative_id;
	};
	__u64	expected_revision;
	char	tag[TCX_TAG_LEN];
};

/* TCX_IOC_LINK_GET_FD_BY_ID: a new fd (O_CLOEXEC) for a live link. */
struct tcx_link_id_args {
	__u32	size;
	__u32	id;
	__u32	flags;			/* must be zero */
};

/*
 * TCX_IOC_LINK_GET_NEXT_ID: the smallest id of a link above start_id, as
 * upstream's BPF_LINK_GET_NEXT_ID (CAP_SYS_ADMIN; ENOENT past the last).
 */
struct tcx_link_next_id_args {
	__u32	size;
	__u32	start_id;
	__u32	next_id;		/* out */
	__u32	flags;			/* must be zero */
};

/*
 * TCX_IOC_LINK_PIN_PATH: pin link_fd's link at a path in bpffs, resolved
 * against dirfd as openat() does.  The pin is a symlink to "tcx-link:<id>":
 * removing it, by any means, unpins the link, as removing a bpffs pin does
 * upstream.  A link has at most one such pin (EBUSY).
 * TCX_IOC_LINK_GET_FD_BY_PIN: a new fd (O_CLOEXEC) for the link pinned at
 * that path (link_fd unused, 0); ENXIO when the path is not a tcx pin.
 */
struct tcx_pin_args {
	__u32	size;
	__u32	link_fd;
	__s32	dirfd;			/* AT_FDCWD or a directory fd */
	__u32	flags;			/* must be zero */
	__aligned_u64 pathname;		/* NUL-terminated */
};

/*
 * Through bpf() (the compatibility layer), link N of the module has the id
 * TCX_BPF_LINK_ID_BASE + N: the kernel's own link ids stay below INT_MAX,
 * so the two never collide.
 */
#define TCX_BPF_LINK_ID_BASE	0x80000000U

/* The pin's symlink points at TCX_PIN_TARGET_PREFIX "<link id>". */
#define TCX_PIN_TARGET_PREFIX	"tcx-link:"

/*
 * TCX_IOC_BIND_TASK: from now on the ioctls on this /dev/tcx file act for
 * the task with this pid (of the caller's pid namespace): with its
 * credentials, in its network namespace, and with it as the owner of new
 * links.  For a supervisor that serves the calls of other processes with
 * their rights, not its own.  The caller must be able to ptrace the task:
 * CAP_SYS_PTRACE over its user namespace, or the same user and group with
 * at least its capabilities (EPERM).  Once per file (EBUSY).
 */
struct tcx_task_args {
	__u32	size;
	__u32	pid;
	__u32	flags;			/* must be zero */
};

/*
 * TCX_IOC_LINK_UPDATE, on a link fd: swap the link's program in place.
 * With TCX_F_REPLACE, only if the current program is old_prog_fd's (EPERM).
 */
struct tcx_link_update_args {
	__u32	size;
	__u32	flags;			/* 0 or TCX_F_REPLACE */
	__u32	new_prog_fd;
	__u32	old_prog_fd;
};

/* tcx_link_info.flags */
#define TCX_LINK_F_DEFUNCT	(1U << 0)	/* detached, or its device gone */
#define TCX_LINK_F_PINNED	(1U << 1)	/* outlives its fds */
/* Bits 30 and 31 are libtcx's, for what native tcx cannot report. */

#define TCX_COMM_LEN		16

/* TCX_IOC_LINK_INFO, on a link fd. */
struct tcx_link_info {
	__u32	size;
	__u32	id;
	__u32	prog_id;
	__u32	ifindex;		/* 0 once defunct */
	__u32	direction;
	__u32	flags;			/* TCX_LINK_F_* */
	__u32	owner_pid;		/* creator, in the caller's pid ns; 0 if not visible */
	__u32	owner_uid;		/* creator, in the caller's user ns */
	char	owner_comm[TCX_COMM_LEN];
	char	tag[TCX_TAG_LEN];
	/*
	 * in: a buffer for the path of the link's bpffs pin, or 0; out: the
	 * size of that path with its NUL (0 if none), as snprintf() counts:
	 * a smaller buffer gets what fits, NUL-terminated; without a pin the
	 * buffer is not touched.  The rest of the struct is output only.
	 */
	__aligned_u64 pin_path;
	__u32	pin_path_size;
	__u32	__reserved;
};

#define TCX_IOC_MAGIC		0xC7

#define TCX_IOC_VERSION		_IOWR(TCX_IOC_MAGIC, 0x00, struct tcx_version)
#define TCX_IOC_PROG_ATTACH	_IOW(TCX_IOC_MAGIC, 0x01, struct tcx_prog_args)
#define TCX_IOC_PROG_DETACH	_IOW(TCX_IOC_MAGIC, 0x02, struct tcx_prog_args)
#define TCX_IOC_QUERY		_IOWR(TCX_IOC_MAGIC, 0x03, struct tcx_query_args)
#define TCX_IOC_LINK_CREATE	_IOW(TCX_IOC_MAGIC, 0x04, struct tcx_link_create_args)
#define TCX_IOC_LINK_GET_FD_BY_ID _IOW(TCX_IOC_MAGIC, 0x05, struct tcx_link_id_args)
#define TCX_IOC_LINK_GET_NEXT_ID _IOWR(TCX_IOC_MAGIC, 0x06, struct tcx_link_next_id_args)
#define TCX_IOC_LINK_PIN_PATH	_IOW(TCX_IOC_MAGIC, 0x07, struct tcx_pin_args)
#define TCX_IOC_LINK_GET_FD_BY_PIN _IOW(TCX_IOC_MAGIC, 0x08, struct tcx_pin_args)
#define TCX_IOC_BIND_TASK	_IOW(TCX_IOC_MAGIC, 0x09, struct tcx_task_args)

/* On a link fd. */
#define TCX_IOC_LINK_UPDATE	_IOW(TCX_IOC_MAGIC, 0x10, struct tcx_link_update_args)
#define TCX_IOC_LINK_DETACH	_IO(TCX_IOC_MAGIC, 0x11)
#define TCX_IOC_LINK_INFO	_IOWR(TCX_IOC_MAGIC, 0x12, struct tcx_link_info)
#define TCX_IOC_LINK_PIN	_IO(TCX_IOC_MAGIC, 0x13)
#define TCX_IOC_LINK_UNPIN	_IO(TCX_IOC_MAGIC, 0x14)

#endif /* _UAPI_LINUX_TCX_H */
