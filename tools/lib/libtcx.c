// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libtcx: libbpf-style calls for tcx hooks.  See libtcx.h for the contract.
 * This file validates the caller's options, fills the size-prefixed
 * argument structs of <linux/tcx.h>, picks the backend once per process
 * (module.c: /dev/tcx; native.c: the kernel's own tcx) and turns failures
 * into negative errnos.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libtcx.h"
#include "libtcx_internal.h"

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

static int libtcx_print_stderr(enum libtcx_print_level level,
			       const char *fmt, va_list ap)
{
	if (level == LIBTCX_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static libtcx_print_fn_t libtcx_print_fn = libtcx_print_stderr;

libtcx_print_fn_t libtcx_set_print(libtcx_print_fn_t fn)
{
	return __atomic_exchange_n(&libtcx_print_fn, fn, __ATOMIC_RELAXED);
}

void libtcx_print(enum libtcx_print_level level, const char *fmt, ...)
{
	libtcx_print_fn_t fn = __atomic_load_n(&libtcx_print_fn,
					       __ATOMIC_RELAXED);
	int err = errno;
	va_list ap;

	if (!fn)
		return;
	va_start(ap, fmt);
	fn(level, fmt, ap);
	va_end(ap);
	errno = err;
}

/* 0: not chosen yet.  Only ever goes from 0 to a backend, once. */
static atomic_int tcx_backend_chosen;

static int backend_choose(void)
{
	const char *force = getenv("TCX_BACKEND");
	int native;

	if (force && *force) {
		if (!strcmp(force, "module"))
			return TCX_BACKEND_MODULE;
		if (!strcmp(force, "native"))
			return TCX_BACKEND_NATIVE;
		libtcx_print(LIBTCX_WARN,
			     "libtcx: TCX_BACKEND=%s names no backend: use module or native\n",
			     force);
		return -EINVAL;
	}

	/*
	 * tcx.ko builds only for kernels without tcx: where /dev/tcx exists it
	 * is what this host uses.  Asking bpf() first would be fooled by
	 * tcx-compat, which answers bpf() for tcx from the same module.
	 */
	if (!access("/dev/" TCX_DEVICE_NAME, F_OK)) {
		libtcx_print(LIBTCX_DEBUG, "libtcx: backend module: /dev/"
			     TCX_DEVICE_NAME " exists\n");
		return TCX_BACKEND_MODULE;
	}
	native = tcx_native_probe();
	if (native > 0) {
		libtcx_print(LIBTCX_DEBUG, "libtcx: backend native: the kernel has tcx\n");
		return TCX_BACKEND_NATIVE;
	}
	if (!native) {
		libtcx_print(LIBTCX_DEBUG, "libtcx: backend module: the kernel has no tcx, and /dev/"
			     TCX_DEVICE_NAME " is missing\n");
		return TCX_BACKEND_MODULE;
	}
	/* Refused (no CAP_NET_ADMIN): the kernel's own errors are useful. */
	libtcx_print(LIBTCX_DEBUG, "libtcx: backend native: probing the kernel was refused (%s)\n",
		     strerror(-native));
	return TCX_BACKEND_NATIVE;
}

int tcx_backend(void)
{
	int backend = atomic_load_explicit(&tcx_backend_chosen,
					   memory_order_acquire);
	int unset = 0;

	if (backend)
		return backend;
	backend = backend_choose();
	if (backend < 0)
		return libtcx_err(backend);
	/* Racing first calls choose alike; keep whichever came first. */
	if (!atomic_compare_exchange_strong(&tcx_backend_chosen, &unset,
					    backend))
		backend = unset;
	return backend;
}

const char *tcx_backend_name(int backend)
{
	switch (backend) {
	case TCX_BACKEND_MODULE:
		return "module";
	case TCX_BACKEND_NATIVE:
		return "native";
	default:
		return NULL;
	}
}

/* The ops of the backend in use, or NULL with *err set. */
static const struct tcx_ops *tcx_ops(int *err)
{
	int backend = tcx_backend();

	if (backend < 0) {
		*err = backend;
		return NULL;
	}
	return backend == TCX_BACKEND_NATIVE ? &tcx_native_ops :
					       &tcx_module_ops;
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
	const struct tcx_ops *ops;
	struct tcx_prog_args args;
	int ret;

	ret = prog_args_init(&args, ifindex, dir, prog_fd, opts);
	if (ret)
		return libtcx_err(ret);
	if (OPTS_GET(opts, tag, NULL))
		return libtcx_err(-EINVAL);
	args.replace_prog_fd = OPTS_GET(opts, replace_prog_fd, 0);

	ops = tcx_ops(&ret);
	if (!ops)
		return libtcx_err(ret);
	return libtcx_err(ops->prog_attach(&args));
}

int tcx_prog_detach(int ifindex, enum tcx_dir dir, int prog_fd,
		    const struct tcx_opts *opts)
{
	const struct tcx_ops *ops;
	struct tcx_prog_args args;
	int ret;

	ret = prog_args_init(&args, ifindex, dir, prog_fd, opts);
	if (ret)
		return libtcx_err(ret);
	if (OPTS_GET(opts, replace_prog_fd, 0) || OPTS_GET(opts, tag, NULL))
		return libtcx_err(-EINVAL);

	ops = tcx_ops(&ret);
	if (!ops)
		return libtcx_err(ret);
	return libtcx_err(ops->prog_detach(&args));
}

static __u64 ptr_to_u64(const void *ptr)
{
	return (__u64)(uintptr_t)ptr;
}

int tcx_query(int ifindex, enum tcx_dir dir, struct tcx_query *q)
{
	const struct tcx_ops *ops;
	struct tcx_query_args args;
	int ret;

	if (!q || !OPTS_VALID(q, tcx_query, unavailable))
		return libtcx_err(-EINVAL);
	ops = tcx_ops(&ret);
	if (!ops)
		return libtcx_err(ret);

	memset(&args, 0, sizeof(args));
	args.size = sizeof(args);
	args.ifindex = ifindex;
	args.direction = dir;
	args.count = OPTS_GET(q, count, 0);
	args.prog_ids = ptr_to_u64(OPTS_GET(q, prog_ids, NULL));
	args.prog_attach_flags = ptr_to_u64(OPTS_GET(q, prog_attach_flags, NULL));
	args.link_ids = ptr_to_u64(OPTS_GET(q, link_ids, NULL));
	args.link_attach_flags = ptr_to_u64(OPTS_GET(q, link_attach_flags, NULL));

	ret = ops->query(&args);
	if (!ret || ret == -ENOSPC) {
		OPTS_SET(q, count, args.count);
		OPTS_SET(q, revision, args.revision);
		OPTS_SET(q, hook_flags, args.hook_flags);
		OPTS_SET(q, stats, args.stats);
		OPTS_SET(q, unavailable, ops->query_unavailable);
	}
	return libtcx_err(ret);
}

/*
 * Printable ASCII that fits with its NUL, as tcx.ko checks: a tag ends up
 * in fdinfo and tcxctl's output, where a newline could forge lines.
 */
static bool tag_valid(const char *tag, size_t size)
{
	size_t i;

	for (i = 0; i < size && tag[i]; i++)
		if ((unsigned char)tag[i] < 0x20 || (unsigned char)tag[i] > 0x7e)
			return false;
	return i < size;
}

int tcx_link_create(int ifindex, enum tcx_dir dir, int prog_fd,
		    const struct tcx_opts *opts)
{
	const struct tcx_ops *ops;
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
		if (!tag_valid(tag, sizeof(args.tag)))
			return libtcx_err(-EINVAL);
		strcpy(args.tag, tag);
	}

	ops = tcx_ops(&ret);
	if (!ops)
		return libtcx_err(ret);
	return libtcx_err(ops->link_create(&args));
}

int tcx_link_update(int link_fd, int new_prog_fd,
		    const struct tcx_link_update_opts *opts)
{
	const struct tcx_ops *ops;
	struct tcx_link_update_args args;
	int ret;

	if (!OPTS_VALID(opts, tcx_link_update_opts, old_prog_fd))
		return libtcx_err(-EINVAL);

	memset(&args, 0, sizeof(args));
	args.size = sizeof(args);
	args.flags = OPTS_GET(opts, flags, 0);
	args.new_prog_fd = new_prog_fd;
	args.old_prog_fd = OPTS_GET(opts, old_prog_fd, 0);

	ops = tcx_ops(&ret);
	if (!ops)
		return libtcx_err(ret);
	return libtcx_err(ops->link_update(link_fd, &args));
}

int tcx_link_detach(int link_fd)
{
	const struct tcx_ops *ops;
	int ret;

	ops = tcx_ops(&ret);
	if (!ops)
		return libtcx_err(ret);
	return libtcx_err(ops->link_detach(link_fd));
}

int tcx_link_pin(int link_fd)
{
	const struct tcx_ops *ops;
	int ret;

	ops = tcx_ops(&ret);
	if (!ops)
		return libtcx_err(ret);
	return libtcx_err(ops->link_pin(link_fd));
}

int tcx_link_unpin(int link_fd)
{
	const struct tcx_ops *ops;
	int ret;

	ops = tcx_ops(&ret);
	if (!ops)
		return libtcx_err(ret);
	return libtcx_err(ops->link_unpin(link_fd));
}

int tcx_link_get_fd_by_id(__u32 id)
{
	const struct tcx_ops *ops;
	int ret;

	ops = tcx_ops(&ret);
	if (!ops)
		return libtcx_err(ret);
	return libtcx_err(ops->link_get_fd_by_id(id));
}

int tcx_link_get_info_len(int link_fd, struct tcx_link_info *info,
			  __u32 info_len)
{
	const struct tcx_ops *ops;
	int ret;

	if (!info || info_len < offsetofend(struct tcx_link_info, flags))
		return libtcx_err(-EINVAL);
	ops = tcx_ops(&ret);
	if (!ops)
		return libtcx_err(ret);

	memset(info, 0, info_len);
	info->size = info_len;
	return libtcx_err(ops->link_get_info(link_fd, info));
}

int tcx_link_pin_path(int link_fd, char *buf, size_t size)
{
	const struct tcx_ops *ops;
	int ret;

	if (!buf && size)
		return libtcx_err(-EINVAL);
	ops = tcx_ops(&ret);
	if (!ops)
		return libtcx_err(ret);
	return libtcx_err(ops->link_pin_path(link_fd, buf, size));
}

int tcx_link_pin_at(int link_fd, const char *path)
{
	const struct tcx_ops *ops;
	int ret;

	if (!path || !*path)
		return libtcx_err(-EINVAL);
	ops = tcx_ops(&ret);
	if (!ops)
		return libtcx_err(ret);
	return libtcx_err(ops->link_pin_at(link_fd, path));
}

int tcx_link_get_fd_by_pin(const char *path)
{
	const struct tcx_ops *ops;
	int ret;

	if (!path || !*path)
		return libtcx_err(-EINVAL);
	ops = tcx_ops(&ret);
	if (!ops)
		return libtcx_err(ret);
	return libtcx_err(ops->link_get_fd_by_pin(path));
}

int tcx_link_get_next_id(__u32 start_id, __u32 *next_id)
{
	const struct tcx_ops *ops;
	int ret;

	if (!next_id)
		return libtcx_err(-EINVAL);
	ops = tcx_ops(&ret);
	if (!ops)
		return libtcx_err(ret);
	return libtcx_err(ops->link_get_next_id(start_id, next_id));
}
