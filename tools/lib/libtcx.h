/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * libtcx: attach, detach and query programs on tcx hooks, with one API on
 * old and new kernels.  Installed as <tcx/libtcx.h>, next to <tcx/tcx.h>,
 * the /dev/tcx uapi (<linux/tcx.h> in the tree); both compile before or
 * after any <linux/bpf.h>, 6.1's or 6.6+'s.
 *
 * The calls mirror libbpf's bpf_prog_attach_opts(), bpf_prog_detach_opts()
 * and bpf_prog_query_opts() for BPF_TCX_INGRESS/BPF_TCX_EGRESS on Linux 6.6.
 *
 * Backends.  Where /dev/tcx exists (tcx-dkms is loaded: it builds only for
 * kernels without tcx), every call goes through it to the module
 * ("module", e.g. on 6.1).  Otherwise libtcx asks the kernel whether it has
 * tcx itself (BPF_PROG_QUERY for BPF_TCX_INGRESS on lo) and then uses
 * bpf() ("native", Linux 6.6 and later); when that probe is refused (no
 * CAP_NET_ADMIN), native too, whose errors then say why.  The variable
 * TCX_BACKEND=module or TCX_BACKEND=native forces one (any other non-empty
 * value makes every call fail with -EINVAL, and libtcx says why through
 * libtcx_set_print()'s callback).  The choice is made once per
 * process; tcx_backend() tells which.
 *
 * The semantics (placement, revisions, errnos, link lifetime) are
 * upstream's on both; where tcx-dkms differs, the call's description says
 * so.  What only tcx-dkms keeps is reported as not available on native,
 * never made up: a link's owner and tag (TCX_LINK_F_NO_OWNER,
 * TCX_LINK_F_NO_TAG in its info), a hook's live flag and counters
 * (tcx_query's unavailable).
 *
 * Conventions, as in libbpf:
 *  - every function returns >= 0 on success and a negative errno on failure,
 *    and also sets errno to the positive value;
 *  - options structs start with their size: declare them with LIBTCX_OPTS(),
 *    or pass NULL for the defaults.  A caller built against an older libtcx
 *    passes a smaller struct and gets defaults for the fields it lacks; one
 *    built against a newer libtcx may pass a larger struct only if the fields
 *    this version does not know are zero (else -EINVAL).
 *
 * Module backend: /dev/tcx is opened on first use (O_RDWR | O_CLOEXEC) and
 * kept open for the life of the process; concurrent first calls are safe.
 * When the open fails, the call fails with that open's error, which is then
 * retried on the next call:
 *   -ENOENT  the tcx module is not loaded (modprobe tcx);
 *   -EACCES  the caller may not open /dev/tcx (it is root-only, mode 0600).
 * Every function below can fail with those two, and with -ENOTTY when
 * /dev/tcx is not the tcx control device.
 *
 * Native backend: -EPERM when the caller may not use bpf() for this
 * (CAP_NET_ADMIN; CAP_SYS_ADMIN for a link by id).
 *
 * Errors of the hook itself follow upstream tcx (bpf_mprog); see each call.
 */
#ifndef __TCX_LIBTCX_H
#define __TCX_LIBTCX_H

#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <linux/types.h>
#include <linux/tcx.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LIBTCX_API __attribute__((visibility("default")))

/*
 * Declare and zero an options struct with its size set, then apply the
 * designated initializers given:
 *
 *	LIBTCX_OPTS(tcx_opts, opts, .flags = TCX_F_BEFORE, .relative_fd = fd);
 */
#define LIBTCX_OPTS(TYPE, NAME, ...)					\
	struct TYPE NAME = ({						\
		memset(&NAME, 0, sizeof(struct TYPE));			\
		(struct TYPE) {						\
			.sz = sizeof(struct TYPE),			\
			__VA_ARGS__					\
		};							\
	})

/*
 * libtcx's messages, as libbpf_set_print(): what it cannot say in an errno
 * (why TCX_BACKEND was refused, a tag native tcx drops) and, at
 * LIBTCX_DEBUG, which backend it chose and why.  The default callback
 * prints LIBTCX_WARN and LIBTCX_INFO on stderr; NULL prints nothing.
 * Messages start with "libtcx: " and end with a newline.
 */
enum libtcx_print_level {
	LIBTCX_WARN,
	LIBTCX_INFO,
	LIBTCX_DEBUG,
};

typedef int (*libtcx_print_fn_t)(enum libtcx_print_level level,
				 const char *fmt, va_list ap);

/* Returns the callback it replaces. */
LIBTCX_API libtcx_print_fn_t libtcx_set_print(libtcx_print_fn_t fn);

/* tcx_backend(): what carries out the calls. */
enum tcx_backend_kind {
	TCX_BACKEND_MODULE = 1,	/* tcx-dkms, through /dev/tcx */
	TCX_BACKEND_NATIVE = 2,	/* the kernel's own tcx, through bpf() */
};

/*
 * tcx_backend - the backend in use, chosen on the first call (see above)
 * Returns TCX_BACKEND_MODULE or TCX_BACKEND_NATIVE, or -EINVAL when
 * $TCX_BACKEND names neither (and a LIBTCX_WARN message says so).
 */
LIBTCX_API int tcx_backend(void);

/* "module", "native", or NULL for anything else. */
LIBTCX_API const char *tcx_backend_name(int backend);

/*
 * Native backend: tcx_link_pin() pins link <id> in bpffs as
 * TCX_NATIVE_PIN_DIR "/link-<id>" (the folder is created, mode 0700); bpffs
 * must be mounted at /sys/fs/bpf.
 */
#define TCX_NATIVE_PIN_DIR	"/sys/fs/bpf/tcx"

/* Values are enum tcx_direction's (TCX_INGRESS, TCX_EGRESS). */
enum tcx_dir {
	TCX_DIR_INGRESS = TCX_INGRESS,
	TCX_DIR_EGRESS	= TCX_EGRESS,
};

struct tcx_opts {
	size_t sz;		/* sizeof(struct tcx_opts) */
	__u32 flags;		/* TCX_F_* */
	__u32 relative_fd;	/* prog fd, or link fd with TCX_F_LINK */
	__u32 relative_id;	/* prog id, or link id with TCX_F_LINK */
	__u32 replace_prog_fd;	/* with TCX_F_REPLACE (tcx_prog_attach only) */
	__u64 expected_revision; /* 0: do not check */
	const char *tag;	/* tcx_link_create only: who owns the link,
				 * shorter than TCX_TAG_LEN; NULL for none */
};

/*
 * tcx_prog_attach - put a SCHED_CLS program on a device's hook
 * @ifindex:	device, in the caller's network namespace
 * @dir:	TCX_DIR_INGRESS or TCX_DIR_EGRESS
 * @prog_fd:	the program; the hook takes its own reference
 * @opts:	NULL to append, or where to put it:
 *   flags 0			append at the end;
 *   TCX_F_BEFORE / TCX_F_AFTER	before / after the relative object, or
 *				first / last without one;
 *   TCX_F_REPLACE		take replace_prog_fd's slot, in place.
 * A non-zero relative_id sets TCX_F_ID and addresses the relative object by
 * id instead of fd; giving both relative_fd and relative_id is -EINVAL.
 * Passing TCX_F_ID with relative_id 0 sends id 0, which fails with -ENOENT.
 *
 * opts->tag must be unset (links only).
 *
 * Errors, in the order the module checks them:
 *   -EINVAL	bad opts or a tag; unknown flag bits; bad direction;
 *		prog_fd is not a SCHED_CLS program; TCX_F_REPLACE without a
 *		valid replace_prog_fd; a relative object of another program
 *		type; TCX_F_LINK with no link fd/id or with a program's;
 *   -EBADF	prog_fd, replace_prog_fd or relative_fd is not an open fd;
 *   -ENODEV	no such device;
 *   -ENOMEM	the hook's first program could not be set up;
 *   -ESTALE	expected_revision is neither 0 nor the hook's revision;
 *   -EEXIST	the program is already on this hook (it may be on the other
 *		direction or on other devices);
 *   -ENOENT	the relative object (or id) or the program to replace is not
 *		on this hook.  A relative program id names a program
 *		anywhere, as upstream; with the module, only for callers that
 *		may open programs by id (CAP_SYS_ADMIN): for others an id of
 *		a program that is not on the hook is -ENOENT (upstream:
 *		-EINVAL);
 *   -EBUSY	the program to replace belongs to a link;
 *   -ERANGE	the hook holds TCX_MAX_PROGS (63) programs already (REPLACE
 *		still works); TCX_F_BEFORE and TCX_F_AFTER together; REPLACE
 *		with a relative object not adjacent to the replaced slot;
 *   -EINVAL	a relative object or TCX_F_ID without BEFORE, AFTER or REPLACE.
 * Returns 0 on success; the hook's revision then went up by one.
 */
LIBTCX_API int tcx_prog_attach(int ifindex, enum tcx_dir dir, int prog_fd,
			       const struct tcx_opts *opts);

/*
 * tcx_prog_detach - take a program off a device's hook
 * @prog_fd:	the program, or 0 to pick one by position:
 *   flags 0 or TCX_F_AFTER	the last one, or the one after the relative
 *				object;
 *   TCX_F_BEFORE		the first one, or the one before it.
 * With a prog_fd, TCX_F_BEFORE / TCX_F_AFTER and a relative object assert
 * that the program sits directly before / after that object (else -ERANGE).
 * opts->replace_prog_fd and opts->tag must be unset.
 *
 * Errors: -EINVAL (bad opts, a tag, unknown flags, TCX_F_REPLACE, bad
 * direction, prog_fd not SCHED_CLS, or with prog_fd 0 a relative object
 * or TCX_F_ID without BEFORE/AFTER), -EBADF, -ENODEV, -ESTALE, -ENOENT (the
 * hook is empty, or the program or the relative object is not on it),
 * -EBUSY (the slot belongs to a link: detach the link instead), -ERANGE
 * (not adjacent to the relative object, or BEFORE/AFTER with a prog_fd and
 * no relative object).
 * Returns 0 on success; the hook's revision then went up by one, and the
 * hook's reference to the program is dropped.
 */
LIBTCX_API int tcx_prog_detach(int ifindex, enum tcx_dir dir, int prog_fd,
			       const struct tcx_opts *opts);

struct tcx_query {
	size_t sz;		/* sizeof(struct tcx_query) */
	__u32 count;		/* in: capacity of the arrays; out: entries */
	__u64 revision;		/* out */
	__u32 *prog_ids;	/* each array may be NULL */
	__u32 *prog_attach_flags; /* always 0 */
	__u32 *link_ids;	/* 0 for a program attached without a link */
	__u32 *link_attach_flags; /* always 0 */
	__u32 hook_flags;	/* out: TCX_HOOK_F_* */
	struct tcx_hook_stats stats; /* out: the hook's packet counters */
	__u32 unavailable;	/* out: TCX_QUERY_NO_*, what the backend
				 * cannot report (those fields are 0) */
};

/* tcx_query.unavailable: native tcx has no such thing. */
#define TCX_QUERY_NO_HOOK_FLAGS	(1U << 0)	/* hook_flags */
#define TCX_QUERY_NO_STATS	(1U << 1)	/* stats */

/*
 * tcx_query - the hook's revision and its programs, in run order
 *
 * The arrays are filled only when prog_ids is given and count is non-zero.
 * A hook without programs reports count 0 and revision 1 (the revision
 * starts over once the last program is gone), and hook_flags 0.
 * count, revision, hook_flags, stats and unavailable are written back on
 * success and on -ENOSPC (within q->sz); hook_flags and stats stay 0 with a
 * module that predates them.  The native backend sets unavailable to
 * TCX_QUERY_NO_HOOK_FLAGS | TCX_QUERY_NO_STATS.
 *
 * Errors: -EINVAL (q is NULL, bad sz, bad direction), -ENODEV,
 * -ENOSPC (count was smaller than the number of entries: the first count
 * entries are filled and count now holds the total), -EFAULT (an array
 * pointer is bad).
 */
LIBTCX_API int tcx_query(int ifindex, enum tcx_dir dir, struct tcx_query *q);

/*
 * Links: a program attached through a link belongs to the link, not to the
 * hook.  The link is an fd (O_CLOEXEC); the program stays on the hook until
 * the last fd of the link is closed (unless it is pinned), or until
 * tcx_link_detach().  The program API cannot detach or replace it (-EBUSY).
 * When the device goes away, the link stays but becomes defunct.
 *
 * The link calls below other than create and get_fd_by_id act on a link fd;
 * on an fd that is not a tcx link they fail with -EINVAL (-EBADF if it is not
 * open at all).
 */

/*
 * tcx_link_create - attach a program through a new link
 * @opts:	placement as for tcx_prog_attach(), and a tag; replace_prog_fd
 *		must be 0 (a link never replaces: TCX_F_REPLACE is -ENOENT)
 * Returns the link fd.  Errors as for tcx_prog_attach(), and -EINVAL for a
 * tag of TCX_TAG_LEN bytes or more.  Native tcx keeps no tag: it is checked,
 * then dropped (a LIBTCX_INFO message says so), and the link's info says
 * TCX_LINK_F_NO_TAG.
 */
LIBTCX_API int tcx_link_create(int ifindex, enum tcx_dir dir, int prog_fd,
			       const struct tcx_opts *opts);

struct tcx_link_update_opts {
	size_t sz;		/* sizeof(struct tcx_link_update_opts) */
	__u32 flags;		/* 0 or TCX_F_REPLACE */
	__u32 old_prog_fd;	/* with TCX_F_REPLACE: the expected program */
};

/*
 * tcx_link_update - swap the link's program, in place (same slot, same id)
 *
 * Errors: -EINVAL (bad opts, flags other than TCX_F_REPLACE, old_prog_fd
 * without it, new program not SCHED_CLS, not a link fd), -EBADF, -EPERM (the
 * link's program is not old_prog_fd's), -EEXIST (the new program is already
 * on the hook elsewhere), -ENOLINK (the link is defunct).  Updating to the
 * link's own program succeeds without a new revision.
 */
LIBTCX_API int tcx_link_update(int link_fd, int new_prog_fd,
			       const struct tcx_link_update_opts *opts);

/*
 * tcx_link_detach - take the link's program off the hook now; the link fd
 * stays valid but defunct.  Detaching a defunct link succeeds.
 */
LIBTCX_API int tcx_link_detach(int link_fd);

/*
 * tcx_link_pin, tcx_link_unpin - make the link outlive its fds (found again
 * with tcx_link_get_fd_by_id()), or end that.  Both are idempotent.  With
 * the module, unpinning a link pinned at a bpffs path (BPF_OBJ_PIN through
 * tcx-compat) removes that path, which is what ends such a pin.  On
 * native tcx the pin is a bpffs file, TCX_NATIVE_PIN_DIR "/link-<id>":
 * removing it by hand unpins too.
 */
LIBTCX_API int tcx_link_pin(int link_fd);
LIBTCX_API int tcx_link_unpin(int link_fd);

/*
 * tcx_link_get_fd_by_id - a new fd (O_CLOEXEC) for a live link
 * With the module, the id bpf() shows through tcx-compat
 * (TCX_BPF_LINK_ID_BASE + id) names the same link.
 * Errors: -ENOENT (no such tcx link, or id 0; on native, the id of a link
 * of another kind too), -EPERM (not CAP_SYS_ADMIN).
 */
LIBTCX_API int tcx_link_get_fd_by_id(__u32 id);

/*
 * tcx_link_get_info - the link's id, program, device and owner
 *
 * Fills *info (struct tcx_link_info of <tcx/tcx.h>).  info_len is the
 * caller's sizeof(*info), so that a caller built against an older header
 * gets only the fields it knows; use the tcx_link_get_info() wrapper.
 * pin_path and pin_path_size are left 0: see tcx_link_pin_path().
 *
 * Native tcx records neither owner nor tag: owner_pid, owner_uid,
 * owner_comm and tag are then zero and flags has TCX_LINK_F_NO_OWNER and
 * TCX_LINK_F_NO_TAG.  TCX_LINK_F_PINNED there means that libtcx's bpffs
 * pin (TCX_NATIVE_PIN_DIR "/link-<id>") exists; pins made elsewhere in
 * bpffs, e.g. by bpftool, do not show.
 */
LIBTCX_API int tcx_link_get_info_len(int link_fd, struct tcx_link_info *info,
				     __u32 info_len);

static inline int tcx_link_get_info(int link_fd, struct tcx_link_info *info)
{
	return tcx_link_get_info_len(link_fd, info, sizeof(*info));
}

/*
 * tcx_link_pin_path - where the link is pinned in bpffs
 * Copies the path (NUL-terminated, truncated to size) into buf and returns
 * its size with the NUL, as snprintf() counts; 0 (and "") when the link has
 * no such pin.  With the module: the path of BPF_OBJ_PIN through tcx-compat
 * or of TCX_IOC_LINK_PIN_PATH; on native: libtcx's own pin only.
 */
LIBTCX_API int tcx_link_pin_path(int link_fd, char *buf, size_t size);

/*
 * tcx_link_pin_at - pin the link at PATH in bpffs, as BPF_OBJ_PIN does: the
 * link lives while the path exists, and removing the path (rm, unmount,
 * tcx_link_unpin()) ends the pin.  With the module the pin is a symlink to
 * TCX_PIN_TARGET_PREFIX "<id>" and tcx_link_pin_path() reports the path; a
 * link has at most one such pin (-EBUSY).  On native it is bpffs's own pin
 * file, which tcx_link_pin_path() cannot know (bpffs does not record it).
 * Errors: -EPERM (the directory is not in bpffs), -EEXIST (the path
 * exists), -ENOENT/-ENOTDIR/-EACCES (from the path's lookup), -EINVAL (no
 * path, not a link fd), -EBUSY (module: pinned at a path already).
 */
LIBTCX_API int tcx_link_pin_at(int link_fd, const char *path);

/*
 * tcx_link_get_fd_by_pin - a new fd (O_CLOEXEC) for the link pinned at PATH,
 * from any process (bpf_obj_get() for tcx links).
 * Errors: -ENOENT (no such path), -ENXIO (the path is no tcx link's pin),
 * -EACCES (the pin is not the caller's, and no CAP_FOWNER on the module).
 */
LIBTCX_API int tcx_link_get_fd_by_pin(const char *path);

/*
 * tcx_link_get_next_id - the smallest tcx link id above start_id, in
 * *next_id, as BPF_LINK_GET_NEXT_ID: every link, attached or defunct, that
 * some fd or pin still holds.  Start from 0 and go on until -ENOENT.  On
 * native, links of other kinds are stepped over.
 * Errors: -ENOENT (no link above start_id), -EPERM (not CAP_SYS_ADMIN),
 * -EINVAL (next_id is NULL).
 */
LIBTCX_API int tcx_link_get_next_id(__u32 start_id, __u32 *next_id);

/*
 * tcx_link_info.flags that only libtcx sets, when its backend does not know
 * the owner or the tag (native tcx).  High bits, clear of the module's own
 * TCX_LINK_F_*.
 */
#ifndef TCX_LINK_F_NO_OWNER
#define TCX_LINK_F_NO_OWNER	(1U << 30)	/* owner_* not available */
#endif
#ifndef TCX_LINK_F_NO_TAG
#define TCX_LINK_F_NO_TAG	(1U << 31)	/* tag not available */
#endif

/*
 * tcx_module_version - ABI and version of the loaded module, from /dev/tcx
 * whichever backend is in use (-ENOENT without the module)
 * @abi_version:	if not NULL, gets TCX_ABI_VERSION of the module
 * @buf, @len:		if len > 0, gets the module's version string,
 *			NUL-terminated and truncated to len - 1 bytes
 * Returns the full length of the version string (as snprintf does).
 */
LIBTCX_API int tcx_module_version(__u32 *abi_version, char *buf, size_t len);

/*
 * tcx_dev_fd - libtcx's own descriptor of /dev/tcx, opened if need be
 *
 * For raw ioctls that libtcx does not wrap.  The descriptor belongs to
 * libtcx: do not close it.  Only the module has one: with the native
 * backend and no module this is -ENOENT.
 */
LIBTCX_API int tcx_dev_fd(void);

#ifdef __cplusplus
}
#endif

#endif /* __TCX_LIBTCX_H */
