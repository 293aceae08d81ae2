// SPDX-License-Identifier: GPL-2.0
/*
 * Who may do what through /dev/tcx and through link fds.
 *
 *  - /dev/tcx is root's, mode 0600: nobody else can open it.
 *  - Opening it is not what protects the hooks: with the node made
 *    world-accessible (chmod 0666 here, in the VM, put back afterwards),
 *    every command that changes a hook or reads one needs CAP_NET_ADMIN in
 *    the user namespace that owns the device's network namespace, finding
 *    a link by id needs CAP_SYS_ADMIN in the initial user namespace, and so
 *    do pinning and unpinning (a pinned link without fds can only be found
 *    again by id).  A refused call changes nothing.
 *  - A process in a user and network namespace of its own (uid 65534
 *    outside) manages the devices of that namespace and nothing else: an
 *    ifindex means a device of the caller's network namespace.
 *  - A link fd is the capability to update and detach its link, as
 *    upstream: whoever holds one may, with or without privileges (here:
 *    an update to the program the link runs already, which changes
 *    nothing; hardening.c detaches through a passed fd).  Pinning still
 *    takes the privileges above.
 *
 * Unprivileged processes cannot load SCHED_CLS programs on 6.1 (and Debian
 * disables unprivileged bpf), so the programs are loaded as root and their
 * fds handed down across fork, setuid and unshare.
 *
 * The fixture works in a network namespace of its own with:
 *   lo (1):  ingress: prog[0], program-owned; egress: prog[1] through a link
 *   pa (77) <-> pb (78): a veth pair with indexes no fresh namespace uses
 */
#define _GNU_SOURCE
#include "tcx_test.h"

#include <grp.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/capability.h>
#include <linux/tcx.h>

#define TCX_PATH	"/dev/" TCX_DEVICE_NAME
#define NOBODY		65534
#define PA_IFINDEX	77
#define PB_IFINDEX	78
#define NPROGS		4

/* ---- raw ioctls: each returns the result or -errno ---------------- */

static int tcx_open(void)
{
	int fd = open(TCX_PATH, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

static int xioctl(int fd, unsigned long cmd, void *arg)
{
	int ret = ioctl(fd, cmd, arg);

	return ret < 0 ? -errno : ret;
}

static int x_prog(int dev, bool attach, int ifindex, int dir, int prog_fd)
{
	struct tcx_prog_args a = {
		.size = sizeof(a),
		.ifindex = ifindex,
		.direction = dir,
		.prog_fd = prog_fd,
	};

	return xioctl(dev, attach ? TCX_IOC_PROG_ATTACH : TCX_IOC_PROG_DETACH,
		      &a);
}

static int x_attach(int dev, int ifindex, int dir, int prog_fd)
{
	return x_prog(dev, true, ifindex, dir, prog_fd);
}

static int x_detach(int dev, int ifindex, int dir, int prog_fd)
{
	return x_prog(dev, false, ifindex, dir, prog_fd);
}

/* The hook's programs (ids into IDS, room for 8), count and revision. */
static int x_query(int dev, int ifindex, int dir, __u32 *ids, __u32 *count,
		   __u64 *rev)
{
	struct tcx_query_args q = {
		.size = sizeof(q),
		.ifindex = ifindex,
		.direction = dir,
		.count = ids ? 8 : 0,
		.prog_ids = (unsigned long)ids,
	};
	int ret = xioctl(dev, TCX_IOC_QUERY, &q);

	if (count)
		*count = q.count;
	if (rev)
		*rev = q.revision;
	return ret;
}

static int x_link_create(int dev, int ifindex, int dir, int prog_fd)
{
	struct tcx_link_create_args a = {
		.size = sizeof(a),
		.ifindex = ifindex,
		.direction = dir,
		.prog_fd = prog_fd,
	};

	return xioctl(dev, TCX_IOC_LINK_CREATE, &a);
}

static int x_link_by_id(int dev, __u32 id)
{
	struct tcx_link_id_args a = { .size = sizeof(a), .id = id };

	return xioctl(dev, TCX_IOC_LINK_GET_FD_BY_ID, &a);
}

static int x_update(int link, int new_prog)
{
	struct tcx_link_update_args a = {
		.size = sizeof(a),
		.new_prog_fd = new_prog,
	};

	return xioctl(link, TCX_IOC_LINK_UPDATE, &a);
}

static int x_info(int link, struct tcx_link_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	return xioctl(link, TCX_IOC_LINK_INFO, info);
}

/* ---- credentials --------------------------------------------------- */

static int caps_set(__u64 caps)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[2] = {
		{ .effective = caps, .permitted = caps },
		{ .effective = caps >> 32, .permitted = caps >> 32 },
	};

	return syscall(SYS_capset, &h, d) ? -errno : 0;
}

static __u64 caps_get(void)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[2] = {};

	if (syscall(SYS_capget, &h, d))
		return 0;
	return d[0].effective | (__u64)d[1].effective << 32;
}

#define CAP(x)	(1ULL << (x))

/* uid/gid 65534, no supplementary groups; KEEP: capabilities to retain. */
static int become_nobody(__u64 keep)
{
	if (keep && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0))
		return -errno;
	if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	    setresuid(NOBODY, NOBODY, NOBODY))
		return -errno;
	return keep ? caps_set(keep) : 0;
}

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		ret = -errno;
	close(fd);
	return ret;
}

/*
 * As uid 65534, a user namespace (root inside, 65534 outside) and, with
 * NEWNET, a network namespace owned by it.
 */
static int become_userns_root(bool newnet)
{
	int ret = become_nobody(0);

	if (ret)
		return ret;
	/* setuid made it undumpable: /proc/self would be root's. */
	if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) ||
	    unshare(CLONE_NEWUSER | (newnet ? CLONE_NEWNET : 0)))
		return -errno;
	return write_file("/proc/self/setgroups", "deny") ?:
	       write_file("/proc/self/uid_map", "0 65534 1") ?:
	       write_file("/proc/self/gid_map", "0 65534 1");
}

/*
 * Run FN in a child and expect it to pass.  The child reports with its
 * exit status (EXPECT_* only there: an ASSERT would run the fixture's
 * teardown in the child).
 */
#define IN_CHILD(fn)							\
	do {								\
		pid_t __pid = fork();					\
		int __st;						\
									\
		ASSERT_LE(0, __pid);					\
		if (!__pid) {						\
			fn(_metadata, self);				\
			_exit(_metadata->passed ? 0 : 1);		\
		}							\
		ASSERT_EQ(__pid, waitpid(__pid, &__st, 0));		\
		ASSERT_TRUE(WIFEXITED(__st) && !WEXITSTATUS(__st))	\
			TH_LOG("child: status %#x", __st);		\
	} while (0)

/* ---- the fixture ---------------------------------------------------- */

FIXTURE(perm) {
	int dev;			/* root's /dev/tcx */
	int prog[NPROGS];
	__u32 prog_id[NPROGS];
	int link;			/* lo egress, prog[1] */
	__u32 link_id;
	mode_t mode;			/* /dev/tcx's, to put back */
	bool chmodded;
};

/* The state root set up, to compare with after a refused call. */
struct perm_state {
	__u32 ids[3][8];
	__u32 count[3];
	__u64 rev[3];
};

static void perm_state(FIXTURE_DATA(perm) *self, struct perm_state *s)
{
	memset(s, 0, sizeof(*s));
	x_query(self->dev, LO_IFINDEX, TCX_INGRESS, s->ids[0], &s->count[0],
		&s->rev[0]);
	x_query(self->dev, LO_IFINDEX, TCX_EGRESS, s->ids[1], &s->count[1],
		&s->rev[1]);
	x_query(self->dev, PA_IFINDEX, TCX_INGRESS, s->ids[2], &s->count[2],
		&s->rev[2]);
}

FIXTURE_SETUP(perm)
{
	struct tcx_link_info info;
	struct stat st;
	int i;

	ASSERT_EQ(0, stat(TCX_PATH, &st)) TH_LOG("is tcx.ko loaded?");
	/* A run that died halfway must not hide here as a wrong mode. */
	ASSERT_EQ(0600U, st.st_mode & 07777);
	self->mode = st.st_mode & 07777;
	ASSERT_EQ(0, tcx_test_netns());
	ASSERT_EQ(0, tcx_test_leave_chroot());
	tcx_test_hold_fd0();
	ASSERT_EQ(0, tcx_run("ip link add name pa index %d type veth peer name pb index %d",
			     PA_IFINDEX, PB_IFINDEX));
	self->dev = tcx_open();
	ASSERT_LE(0, self->dev);
	for (i = 0; i < NPROGS; i++) {
		self->prog[i] = tcx_load_dummy();
		ASSERT_LE(0, self->prog[i]);
		self->prog_id[i] = tcx_prog_id(self->prog[i]);
	}
	ASSERT_EQ(0, x_attach(self->dev, LO_IFINDEX, TCX_INGRESS,
			      self->prog[0]));
	self->link = x_link_create(self->dev, LO_IFINDEX, TCX_EGRESS,
				   self->prog[1]);
	ASSERT_LE(0, self->link);
	ASSERT_EQ(0, x_info(self->link, &info));
	self->link_id = info.id;
	/* Last: the teardown puts the mode back only after a full setup. */
	ASSERT_EQ(0, chmod(TCX_PATH, 0666));
	self->chmodded = true;
}

FIXTURE_TEARDOWN(perm)
{
	if (self->chmodded && getuid() == 0)
		chmod(TCX_PATH, self->mode);
}

/* Expect every command that changes or reads a hook to be refused. */
static void expect_all_refused(struct __test_metadata *_metadata,
			       FIXTURE_DATA(perm) *self, int dev, int ifindex)
{
	struct tcx_link_info info;
	__u32 count;

	EXPECT_EQ(-EPERM, x_attach(dev, ifindex, TCX_INGRESS, self->prog[2]));
	EXPECT_EQ(-EPERM, x_detach(dev, ifindex, TCX_INGRESS, self->prog[0]));
	EXPECT_EQ(-EPERM, x_detach(dev, ifindex, TCX_INGRESS, 0));
	EXPECT_EQ(-EPERM, x_query(dev, ifindex, TCX_INGRESS, NULL, &count,
				  NULL));
	EXPECT_EQ(-EPERM, x_link_create(dev, ifindex, TCX_INGRESS,
					self->prog[2]));
	EXPECT_EQ(-EPERM, x_link_by_id(dev, self->link_id));
	/* No device information leaks out before the check either. */
	EXPECT_EQ(-EPERM, x_attach(dev, 9999, TCX_INGRESS, self->prog[2]));
	EXPECT_EQ(-EPERM, x_query(dev, 9999, TCX_EGRESS, NULL, &count, NULL));

	/* root's link, through the fd inherited from root: the fd is enough. */
	EXPECT_EQ(0, x_update(self->link, self->prog[1]));
	EXPECT_EQ(-EPERM, xioctl(self->link, TCX_IOC_LINK_PIN, NULL));
	EXPECT_EQ(-EPERM, xioctl(self->link, TCX_IOC_LINK_UNPIN, NULL));
	/* Reading what the fd is does not need privileges. */
	EXPECT_EQ(0, x_info(self->link, &info));
	EXPECT_EQ(self->link_id, info.id);
	EXPECT_EQ(0U, info.flags);
}

static void expect_unchanged(struct __test_metadata *_metadata,
			     FIXTURE_DATA(perm) *self,
			     const struct perm_state *before)
{
	struct perm_state now;

	perm_state(self, &now);
	EXPECT_EQ(0, memcmp(before, &now, sizeof(now)))
		TH_LOG("a refused call changed a hook");
	EXPECT_EQ(1U, now.count[0]);
	EXPECT_EQ(self->prog_id[0], now.ids[0][0]);
	EXPECT_EQ(1U, now.count[1]);
	EXPECT_EQ(self->prog_id[1], now.ids[1][0]);
}

/* The node as loaded: root's, 0600; nobody cannot open it. */
TEST(default_mode)
{
	struct stat st;
	pid_t pid;
	int st2;

	ASSERT_EQ(0, stat(TCX_PATH, &st));
	ASSERT_EQ(0600U, st.st_mode & 07777);
	ASSERT_EQ(0U, st.st_uid);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		if (become_nobody(0))
			_exit(2);
		_exit(tcx_open() == -EACCES ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &st2, 0));
	ASSERT_TRUE(WIFEXITED(st2) && !WEXITSTATUS(st2))
		TH_LOG("open as uid %d: status %#x", NOBODY, st2);
}

static void nobody_child(struct __test_metadata *_metadata,
			 FIXTURE_DATA(perm) *self)
{
	struct tcx_version ver = { .size = sizeof(ver) };
	int dev;

	EXPECT_EQ(0, become_nobody(0));
	EXPECT_EQ(0ULL, caps_get());
	dev = tcx_open();
	EXPECT_LE(0, dev) TH_LOG("a 0666 node opens for anyone");
	if (dev < 0)
		return;
	/* Harmless: which module this is. */
	EXPECT_EQ(0, xioctl(dev, TCX_IOC_VERSION, &ver));
	expect_all_refused(_metadata, self, dev, LO_IFINDEX);
	expect_all_refused(_metadata, self, dev, PA_IFINDEX);
	close(dev);
}

/* World-accessible node, uid 65534 without capabilities: nothing. */
TEST_F(perm, nobody)
{
	struct perm_state before;

	perm_state(self, &before);
	IN_CHILD(nobody_child);
	expect_unchanged(_metadata, self, &before);
}

static void root_child(struct __test_metadata *_metadata,
		       FIXTURE_DATA(perm) *self)
{
	struct tcx_link_info info;
	int dev, fd;

	EXPECT_EQ(0, caps_set(caps_get() & ~CAP(CAP_NET_ADMIN)));
	dev = tcx_open();
	EXPECT_LE(0, dev);
	if (dev < 0)
		return;
	EXPECT_EQ(-EPERM, x_attach(dev, LO_IFINDEX, TCX_INGRESS,
				   self->prog[2]));
	EXPECT_EQ(-EPERM, x_detach(dev, LO_IFINDEX, TCX_INGRESS, 0));
	EXPECT_EQ(-EPERM, x_query(dev, LO_IFINDEX, TCX_INGRESS, NULL, NULL,
				  NULL));
	EXPECT_EQ(-EPERM, x_link_create(dev, PA_IFINDEX, TCX_EGRESS,
					self->prog[2]));
	EXPECT_EQ(0, x_update(self->link, self->prog[1]));
	/* CAP_SYS_ADMIN is what finding a link by id takes. */
	fd = x_link_by_id(dev, self->link_id);
	EXPECT_LE(0, fd);
	if (fd >= 0) {
		EXPECT_EQ(0, x_info(fd, &info));
		EXPECT_EQ(self->link_id, info.id);
		EXPECT_EQ(0, x_update(fd, self->prog[1]));
		close(fd);
	}
	close(dev);
}

/* uid 0 without CAP_NET_ADMIN: being root is not what counts. */
TEST_F(perm, root_without_net_admin)
{
	struct perm_state before;

	perm_state(self, &before);
	IN_CHILD(root_child);
	expect_unchanged(_metadata, self, &before);
}

static void net_admin_child(struct __test_metadata *_metadata,
			    FIXTURE_DATA(perm) *self)
{
	struct tcx_link_info info;
	__u32 count;
	int dev, link;

	EXPECT_EQ(0, become_nobody(CAP(CAP_NET_ADMIN)));
	EXPECT_EQ(CAP(CAP_NET_ADMIN), caps_get());
	dev = tcx_open();
	EXPECT_LE(0, dev);
	if (dev < 0)
		return;
	EXPECT_EQ(0, x_attach(dev, PA_IFINDEX, TCX_INGRESS, self->prog[2]));
	EXPECT_EQ(0, x_query(dev, PA_IFINDEX, TCX_INGRESS, NULL, &count,
			     NULL));
	EXPECT_EQ(1U, count);
	link = x_link_create(dev, PA_IFINDEX, TCX_INGRESS, self->prog[3]);
	EXPECT_LE(0, link);
	if (link >= 0) {
		EXPECT_EQ(0, x_update(link, self->prog[1]));
		EXPECT_EQ(0, x_info(link, &info));
		/* Pins and ids are CAP_SYS_ADMIN's. */
		EXPECT_EQ(-EPERM, xioctl(link, TCX_IOC_LINK_PIN, NULL));
		EXPECT_EQ(-EPERM, x_link_by_id(dev, info.id));
		EXPECT_EQ(0, xioctl(link, TCX_IOC_LINK_DETACH, NULL));
		close(link);
	}
	EXPECT_EQ(0, x_detach(dev, PA_IFINDEX, TCX_INGRESS, self->prog[2]));
	EXPECT_EQ(-EPERM, x_link_by_id(dev, self->link_id));
	close(dev);
}

/* uid 65534 with CAP_NET_ADMIN only: hooks yes, link ids and pins no. */
TEST_F(perm, net_admin_only)
{
	struct perm_state before;

	perm_state(self, &before);
	IN_CHILD(net_admin_child);
	expect_unchanged(_metadata, self, &before);
}

static void userns_only_child(struct __test_metadata *_metadata,
			      FIXTURE_DATA(perm) *self)
{
	int dev;

	EXPECT_EQ(0, become_userns_root(false));
	/* All capabilities, but over a namespace that owns nothing here. */
	EXPECT_NE(0ULL, caps_get() & CAP(CAP_NET_ADMIN));
	dev = tcx_open();
	EXPECT_LE(0, dev);
	if (dev < 0)
		return;
	expect_all_refused(_metadata, self, dev, LO_IFINDEX);
	expect_all_refused(_metadata, self, dev, PA_IFINDEX);
	close(dev);
}

/* Root in a user namespace of its own, still in root's network namespace. */
TEST_F(perm, userns_without_netns)
{
	struct perm_state before;

	perm_state(self, &before);
	IN_CHILD(userns_only_child);
	expect_unchanged(_metadata, self, &before);
}

static void userns_netns_child(struct __test_metadata *_metadata,
			       FIXTURE_DATA(perm) *self)
{
	struct tcx_link_info info;
	__u32 ids[8], count;
	int dev, link, ret;
	__u64 rev;

	EXPECT_EQ(0, become_userns_root(true));
	dev = tcx_open();
	EXPECT_LE(0, dev);
	if (dev < 0)
		return;

	/* Its own lo: attach, query, links, update, detach. */
	EXPECT_EQ(0, x_attach(dev, LO_IFINDEX, TCX_INGRESS, self->prog[2]));
	EXPECT_EQ(0, x_query(dev, LO_IFINDEX, TCX_INGRESS, ids, &count, &rev));
	EXPECT_EQ(1U, count);
	EXPECT_EQ(self->prog_id[2], ids[0]);
	EXPECT_EQ(2ULL, rev);
	link = x_link_create(dev, LO_IFINDEX, TCX_EGRESS, self->prog[3]);
	EXPECT_LE(0, link);
	if (link >= 0) {
		EXPECT_EQ(0, x_update(link, self->prog[0]));
		EXPECT_EQ(0, x_info(link, &info));
		EXPECT_EQ((__u32)LO_IFINDEX, info.ifindex);
		EXPECT_EQ(self->prog_id[0], info.prog_id);
		/* Not by id, and no pins: both are the initial namespace's. */
		EXPECT_EQ(-EPERM, x_link_by_id(dev, info.id));
		EXPECT_EQ(-EPERM, xioctl(link, TCX_IOC_LINK_PIN, NULL));
		EXPECT_EQ(0, xioctl(link, TCX_IOC_LINK_DETACH, NULL));
		EXPECT_EQ(0, x_info(link, &info));
		EXPECT_EQ((__u32)TCX_LINK_F_DEFUNCT, info.flags);
		/* A defunct link cannot be pinned from here either. */
		EXPECT_EQ(-EPERM, xioctl(link, TCX_IOC_LINK_PIN, NULL));
		close(link);
	}
	EXPECT_EQ(0, x_detach(dev, LO_IFINDEX, TCX_INGRESS, self->prog[2]));

	/* A veth of its own. */
	ret = system("ip link add name ua type veth peer name ub >/dev/null 2>&1");
	EXPECT_EQ(0, ret);
	ret = if_nametoindex("ua");
	EXPECT_NE(0, ret);
	if (ret) {
		EXPECT_EQ(0, x_attach(dev, ret, TCX_EGRESS, self->prog[1]));
		link = x_link_create(dev, ret, TCX_EGRESS, self->prog[2]);
		EXPECT_LE(0, link);
		EXPECT_EQ(0, x_query(dev, ret, TCX_EGRESS, ids, &count, NULL));
		EXPECT_EQ(2U, count);
		if (link >= 0)
			close(link);
		EXPECT_EQ(0, x_detach(dev, ret, TCX_EGRESS, 0));
	}

	/* root's devices are not in this namespace: ifindex 77 is nobody. */
	EXPECT_EQ(-ENODEV, x_attach(dev, PA_IFINDEX, TCX_INGRESS,
				    self->prog[2]));
	EXPECT_EQ(-ENODEV, x_query(dev, PA_IFINDEX, TCX_INGRESS, NULL, &count,
				   NULL));
	EXPECT_EQ(-ENODEV, x_link_create(dev, PA_IFINDEX, TCX_INGRESS,
					 self->prog[2]));
	/* Nor is root's lo: ifindex 1 here is this namespace's own lo. */
	EXPECT_EQ(0, x_query(dev, LO_IFINDEX, TCX_EGRESS, ids, &count, NULL));
	EXPECT_EQ(0U, count);
	EXPECT_EQ(-ENOENT, x_detach(dev, LO_IFINDEX, TCX_INGRESS,
				    self->prog[0]));

	/* root's link of another namespace: its fd is enough, but to pin. */
	EXPECT_EQ(0, x_update(self->link, self->prog[1]));
	EXPECT_EQ(-EPERM, xioctl(self->link, TCX_IOC_LINK_PIN, NULL));
	EXPECT_EQ(-EPERM, x_link_by_id(dev, self->link_id));
	close(dev);
}

/* Root in its own user and network namespace: its devices, only those. */
TEST_F(perm, userns_with_netns)
{
	struct perm_state before;

	perm_state(self, &before);
	IN_CHILD(userns_netns_child);
	expect_unchanged(_metadata, self, &before);
}

/* Root of the initial namespace: everything, pins and ids included. */
TEST_F(perm, root)
{
	struct tcx_link_info info;
	int fd;

	ASSERT_EQ(0, xioctl(self->link, TCX_IOC_LINK_PIN, NULL));
	fd = x_link_by_id(self->dev, self->link_id);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, x_info(fd, &info));
	ASSERT_EQ((__u32)TCX_LINK_F_PINNED, info.flags);
	ASSERT_EQ(0, xioctl(fd, TCX_IOC_LINK_UNPIN, NULL));
	close(fd);
	ASSERT_EQ(0, x_update(self->link, self->prog[3]));
	ASSERT_EQ(0, xioctl(self->link, TCX_IOC_LINK_DETACH, NULL));
	ASSERT_EQ(0, x_detach(self->dev, LO_IFINDEX, TCX_INGRESS,
			      self->prog[0]));
}

TEST_HARNESS_MAIN
