/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * libtcx's two backends behind one API.  libtcx.c checks the caller's
 * options and turns them into the size-prefixed argument structs of
 * <linux/tcx.h>, already filled in (flags, TCX_F_ID, size); a backend only
 * carries them out:
 *
 *   module.c  ioctls on /dev/tcx (tcx-dkms, e.g. on 6.1);
 *   native.c  bpf() with BPF_TCX_INGRESS/EGRESS (Linux 6.6 and later).
 *
 * Every op returns >= 0 or a negative errno, and leaves errno alone.
 */
#ifndef __TCX_LIBTCX_INTERNAL_H
#define __TCX_LIBTCX_INTERNAL_H

#include <stddef.h>
#include <linux/types.h>
#include <linux/tcx.h>

#include "libtcx.h"

#ifndef offsetofend
#define offsetofend(TYPE, FIELD) \
	(offsetof(TYPE, FIELD) + sizeof(((TYPE *)0)->FIELD))
#endif

struct tcx_ops {
	int (*prog_attach)(const struct tcx_prog_args *args);
	int (*prog_detach)(const struct tcx_prog_args *args);
	/* On success and on -ENOSPC: count, revision, hook_flags, stats. */
	int (*query)(struct tcx_query_args *args);
	int (*link_create)(const struct tcx_link_create_args *args);
	int (*link_update)(int link_fd, const struct tcx_link_update_args *args);
	int (*link_detach)(int link_fd);
	int (*link_pin)(int link_fd);
	int (*link_unpin)(int link_fd);
	int (*link_get_fd_by_id)(__u32 id);
	/* info is zeroed and info->size is the caller's struct size. */
	int (*link_get_info)(int link_fd, struct tcx_link_info *info);
	/* As tcx_link_pin_path(). */
	int (*link_pin_path)(int link_fd, char *buf, size_t size);
	/* As tcx_link_pin_at(), tcx_link_get_fd_by_pin(). */
	int (*link_pin_at)(int link_fd, const char *path);
	int (*link_get_fd_by_pin)(const char *path);
	/* As tcx_link_get_next_id(). */
	int (*link_get_next_id)(__u32 start_id, __u32 *next_id);
	/* TCX_QUERY_NO_*: what query cannot report on this backend. */
	__u32 query_unavailable;
};

/* A message through libtcx_set_print()'s callback; errno is kept. */
void libtcx_print(enum libtcx_print_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

extern const struct tcx_ops tcx_module_ops;
extern const struct tcx_ops tcx_native_ops;

/* Does the running kernel have tcx itself?  1 yes, 0 no, or -errno. */
int tcx_native_probe(void);

#endif /* __TCX_LIBTCX_INTERNAL_H */
