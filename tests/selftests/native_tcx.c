// SPDX-License-Identifier: GPL-2.0
/*
 * Run the tc_opts selftest against upstream's own tcx (Linux 6.6 or later)
 * instead of tcx.ko, to check that the test expects what upstream does.
 *
 * Linked with -Wl,--wrap=open,--wrap=ioctl: opening /dev/tcx gives a
 * descriptor of /dev/null, and the TCX_IOC_* ioctls on it become
 * bpf(BPF_PROG_ATTACH/DETACH/QUERY) with BPF_TCX_INGRESS/EGRESS.  libtcx and
 * the test are unchanged.  What only tcx-dkms has (the argument checks
 * before bpf(), hook_flags) is played here after the uapi header; the
 * program placement, revisions, errnos and references are the kernel's.
 * Arguments are trusted to be readable: the bad-memory cases belong to
 * ioctl_abi, which needs the module.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <linux/tcx.h>

/* From Linux 6.6's <linux/bpf.h>, which the 6.1 headers lack. */
#define NATIVE_BPF_PROG_ATTACH	8
#define NATIVE_BPF_PROG_DETACH	9
#define NATIVE_BPF_PROG_QUERY	16
#define NATIVE_BPF_TCX_INGRESS	46

struct native_attach_attr {
	__u32 target_ifindex;
	__u32 attach_bpf_fd;
	__u32 attach_type;
	__u32 attach_flags;
	__u32 replace_bpf_fd;
	__u32 relative_fd;		/* or relative_id */
	__u64 expected_revision;
};

struct native_query_attr {
	__u32 target_ifindex;
	__u32 attach_type;
	__u32 query_flags;
	__u32 attach_flags;
	__aligned_u64 prog_ids;
	__u32 count;
	__u32 pad;
	__aligned_u64 prog_attach_flags;
	__aligned_u64 link_ids;
	__aligned_u64 link_attach_flags;
	__aligned_u64 revision;
};

int __real_open(const char *path, int flags, ...);
int __real_ioctl(int fd, unsigned long cmd, ...);

static int native_fd = -1;

int __wrap_open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;
	int fd;

	if (flags & O_CREAT) {
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	if (strcmp(path, "/dev/" TCX_DEVICE_NAME))
		return __real_open(path, flags, mode);

	fd = __real_open("/dev/null", flags, mode);
	if (fd >= 0)
		native_fd = fd;
	return fd;
}

static int native_bpf(int cmd, void *attr, unsigned int size)
{
	return syscall(__NR_bpf, cmd, attr, size) < 0 ? -errno : 0;
}

/* The module's copy-in rules for size-prefixed arguments. */
static int native_copy_args(void *dst, size_t ksize, size_t min_size,
			    const void *uarg)
{
	const unsigned char *tail = uarg;
	__u32 usize;
	size_t i;

	if (!uarg)
		return -EFAULT;
	memcpy(&usize, uarg, sizeof(usize));
	if (usize < min_size)
		return -EINVAL;
	for (i = ksize; i < usize; i++)
		if (tail[i])
			return -E2BIG;
	memset(dst, 0, ksize);
	memcpy(dst, uarg, usize < ksize ? usize : ksize);
	return 0;
}

static int native_version(struct tcx_version *uarg)
{
	struct tcx_version ver;
	int ret;

	ret = native_copy_args(&ver, sizeof(ver), sizeof(ver), uarg);
	if (ret)
		return ret;
	uarg->abi_version = TCX_ABI_VERSION;
	memset(uarg->module_version, 0, sizeof(uarg->module_version));
	strcpy(uarg->module_version, "native");
	return 0;
}

static int native_prog(int cmd, const struct tcx_prog_args *uarg)
{
	struct native_attach_attr attr;
	struct tcx_prog_args args;
	int ret;

	ret = native_copy_args(&args, sizeof(args), sizeof(args), uarg);
	if (ret)
		return ret;
	if (args.flags & ~TCX_F_ATTACH_MASK || args.direction > TCX_EGRESS ||
	    args.__reserved)
		return -EINVAL;

	memset(&attr, 0, sizeof(attr));
	attr.target_ifindex = args.ifindex;
	attr.attach_bpf_fd = args.prog_fd;
	attr.attach_type = NATIVE_BPF_TCX_INGRESS + args.direction;
	attr.attach_flags = args.flags;
	attr.replace_bpf_fd = args.replace_prog_fd;
	attr.relative_fd = args.relative_fd;
	attr.expected_revision = args.expected_revision;
	return native_bpf(cmd, &attr, sizeof(attr));
}

static int native_query(struct tcx_query_args *uarg)
{
	struct native_query_attr attr;
	struct tcx_query_args args;
	int ret;

	ret = native_copy_args(&args, sizeof(args), TCX_QUERY_ARGS_SIZE_VER0,
			       uarg);
	if (ret)
		return ret;
	if (args.__reserved || args.direction > TCX_EGRESS)
		return -EINVAL;

	memset(&attr, 0, sizeof(attr));
	attr.target_ifindex = args.ifindex;
	attr.attach_type = NATIVE_BPF_TCX_INGRESS + args.direction;
	attr.query_flags = args.query_flags;
	attr.attach_flags = args.attach_flags;
	attr.prog_ids = args.prog_ids;
	attr.count = args.count;
	attr.prog_attach_flags = args.prog_attach_flags;
	attr.link_ids = args.link_ids;
	attr.link_attach_flags = args.link_attach_flags;
	ret = native_bpf(NATIVE_BPF_PROG_QUERY, &attr, sizeof(attr));
	if (ret && ret != -ENOSPC)
		return ret;

	uarg->attach_flags = attr.attach_flags;
	uarg->count = attr.count;
	uarg->revision = attr.revision;
	if (uarg->size >= offsetof(struct tcx_query_args, stats) +
			  sizeof(uarg->stats)) {
		uarg->hook_flags = attr.count ? TCX_HOOK_F_LIVE : 0;
		memset(&uarg->stats, 0, sizeof(uarg->stats));
	}
	return ret;
}

static int native_dispatch(unsigned long cmd, void *arg)
{
	if (_IOC_TYPE(cmd) != TCX_IOC_MAGIC)
		return -ENOTTY;

	switch (_IOC_NR(cmd)) {
	case _IOC_NR(TCX_IOC_VERSION):
		return native_version(arg);
	case _IOC_NR(TCX_IOC_PROG_ATTACH):
		return native_prog(NATIVE_BPF_PROG_ATTACH, arg);
	case _IOC_NR(TCX_IOC_PROG_DETACH):
		return native_prog(NATIVE_BPF_PROG_DETACH, arg);
	case _IOC_NR(TCX_IOC_QUERY):
		return native_query(arg);
	default:
		return -ENOTTY;
	}
}

int __wrap_ioctl(int fd, unsigned long cmd, ...)
{
	va_list ap;
	void *arg;
	int ret;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);

	if (native_fd < 0 || fd != native_fd)
		return __real_ioctl(fd, cmd, arg);

	ret = native_dispatch(cmd, arg);
	if (ret) {
		errno = -ret;
		return -1;
	}
	return 0;
}
