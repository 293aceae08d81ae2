// SPDX-License-Identifier: GPL-2.0
/*
 * Links: upstream's tc_links.c scenarios that need no classic tc, case by
 * case, plus what makes links worth having on 6.1: a killed owner leaves
 * nothing behind, a pinned link outlives its creator, fds passed around
 * keep it alive, and the program API cannot touch a link's slot.
 *
 * Each test runs in its own network namespace, so "lo" is ifindex 1 and
 * fresh.  On native tcx the same tests run through libtcx's native backend;
 * what only tcx-dkms has (owner, tag, its fdinfo lines and ioctls) is
 * checked to be reported as missing, or skipped.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include "tcx_test.h"

#define NPROGS 4

FIXTURE(links) {
	struct bpf_object *obj;
	int fd[NPROGS + 1];		/* tc1..tc4; [0] unused */
	__u32 id[NPROGS + 1];
	enum tcx_dir dir;
};

FIXTURE_VARIANT(links) {
	enum tcx_dir dir;
};

FIXTURE_VARIANT_ADD(links, ingress) {
	.dir = TCX_DIR_INGRESS,
};

FIXTURE_VARIANT_ADD(links, egress) {
	.dir = TCX_DIR_EGRESS,
};

static struct bpf_object *load_tc_progs(struct __test_metadata *_metadata,
					int *fd, __u32 *id, int n)
{
	struct bpf_program *prog;
	struct bpf_object *obj;
	char path[PATH_MAX], name[8];
	int i;

	ASSERT_EQ(0, tcx_bpf_obj_path(path, sizeof(path), "tc_progs.bpf.o"));
	obj = bpf_object__open_file(path, NULL);
	ASSERT_EQ(0, libbpf_get_error(obj));
	bpf_object__for_each_program(prog, obj)
		bpf_program__set_type(prog, BPF_PROG_TYPE_SCHED_CLS);
	ASSERT_EQ(0, bpf_object__load(obj));
	for (i = 1; i <= n; i++) {
		snprintf(name, sizeof(name), "tc%d", i);
		prog = bpf_object__find_program_by_name(obj, name);
		ASSERT_NE(NULL, prog);
		fd[i] = bpf_program__fd(prog);
		id[i] = tcx_prog_id(fd[i]);
		ASSERT_NE(0U, id[i]);
	}
	return obj;
}

FIXTURE_SETUP(links)
{
	ASSERT_EQ(0, tcx_test_netns());
	tcx_test_hold_fd0();
	ASSERT_TCX_DEV();
	self->dir = variant->dir;
	self->obj = load_tc_progs(_metadata, self->fd, self->id, NPROGS);
}

FIXTURE_TEARDOWN(links)
{
	bpf_object__close(self->obj);
}

static __u32 link_id(int link_fd)
{
	struct tcx_link_info info;

	if (tcx_link_get_info(link_fd, &info))
		return 0;
	return info.id;
}

/* The number of programs on the hook, or a negative errno. */
static int hook_count(int ifindex, enum tcx_dir dir)
{
	LIBTCX_OPTS(tcx_query, q);
	int ret;

	ret = tcx_query(ifindex, dir, &q);
	return ret ? ret : (int)q.count;
}

/* Expect the hook to hold exactly these programs and links, at REVISION. */
#define ASSERT_HOOK(ifindex, dir, rev, n, progs, links)			\
	do {								\
		__u32 __p[TCX_MAX_PROGS + 1] = {};			\
		__u32 __l[TCX_MAX_PROGS + 1] = {};			\
		LIBTCX_OPTS(tcx_query, __q, .count = TCX_MAX_PROGS + 1,\
			    .prog_ids = __p, .link_ids = __l);		\
		const __u32 *__ep = (progs), *__el = (links);		\
		int __i;						\
									\
		ASSERT_EQ(0, tcx_query(ifindex, dir, &__q));		\
		ASSERT_EQ((__u32)(n), __q.count);			\
		ASSERT_EQ((__u64)(rev), __q.revision);			\
		for (__i = 0; __i < (int)(n); __i++) {			\
			EXPECT_EQ(__ep[__i], __p[__i]) TH_LOG("slot %d", __i); \
			EXPECT_EQ(__el[__i], __l[__i]) TH_LOG("slot %d", __i); \
		}							\
		ASSERT_EQ(0U, __p[n]);					\
	} while (0)

TEST_F(links, basic)
{
	LIBTCX_OPTS(tcx_opts, opts, .tag = "tc_links basic");
	struct tcx_link_info info;
	char comm[16] = {};
	int lfd;

	ASSERT_EQ(0, hook_count(LO_IFINDEX, self->dir));
	lfd = tcx_link_create(LO_IFINDEX, self->dir, self->fd[1], &opts);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(FD_CLOEXEC, fcntl(lfd, F_GETFD) & FD_CLOEXEC);
	ASSERT_EQ(1, hook_count(LO_IFINDEX, self->dir));
	ASSERT_EQ(0, hook_count(LO_IFINDEX, !self->dir));

	ASSERT_EQ(0, tcx_link_get_info(lfd, &info));
	ASSERT_NE(0U, info.id);
	ASSERT_EQ(self->id[1], info.prog_id);
	ASSERT_EQ((__u32)LO_IFINDEX, info.ifindex);
	ASSERT_EQ((__u32)self->dir, info.direction);
	ASSERT_EQ(tcx_test_link_flags(0), info.flags);
	if (tcx_test_native()) {
		/* Not recorded by the kernel: empty, and flagged so. */
		ASSERT_EQ(0U, info.owner_pid);
		ASSERT_EQ(0U, info.owner_uid);
		ASSERT_STREQ("", info.owner_comm);
		ASSERT_STREQ("", info.tag);
	} else {
		ASSERT_EQ((__u32)getpid(), info.owner_pid);
		ASSERT_EQ((__u32)getuid(), info.owner_uid);
		ASSERT_EQ(0, prctl(PR_GET_NAME, comm));
		ASSERT_STREQ(comm, info.owner_comm);
		ASSERT_STREQ("tc_links basic", info.tag);
	}

	{
		__u32 progs[] = { self->id[1] }, links[] = { info.id };

		ASSERT_HOOK(LO_IFINDEX, self->dir, 2, 1, progs, links);
	}

	/* Closing the only fd detaches. */
	close(lfd);
	ASSERT_EQ(0, hook_count(LO_IFINDEX, self->dir));
}

TEST_F(links, before)
{
	int l[NPROGS + 1];
	__u32 lid[NPROGS + 1];
	int i;

	for (i = 1; i <= 2; i++) {
		l[i] = tcx_link_create(LO_IFINDEX, self->dir, self->fd[i], NULL);
		ASSERT_LE(0, l[i]);
		lid[i] = link_id(l[i]);
	}
	{
		__u32 progs[] = { self->id[1], self->id[2] };
		__u32 links[] = { lid[1], lid[2] };

		ASSERT_HOOK(LO_IFINDEX, self->dir, 3, 2, progs, links);
	}
	{
		/* A program anchor matches a link-owned slot. */
		LIBTCX_OPTS(tcx_opts, opts, .flags = TCX_F_BEFORE,
			    .relative_fd = self->fd[2]);

		l[3] = tcx_link_create(LO_IFINDEX, self->dir, self->fd[3], &opts);
		ASSERT_LE(0, l[3]);
		lid[3] = link_id(l[3]);
	}
	{
		LIBTCX_OPTS(tcx_opts, opts, .flags = TCX_F_BEFORE | TCX_F_LINK,
			    .relative_id = lid[1]);

		l[4] = tcx_link_create(LO_IFINDEX, self->dir, self->fd[4], &opts);
		ASSERT_LE(0, l[4]);
		lid[4] = link_id(l[4]);
	}
	{
		__u32 progs[] = { self->id[4], self->id[1], self->id[3], self->id[2] };
		__u32 links[] = { lid[4], lid[1], lid[3], lid[2] };

		ASSERT_HOOK(LO_IFINDEX, self->dir, 5, 4, progs, links);
	}
	for (i = 1; i <= NPROGS; i++)
		close(l[i]);
	ASSERT_EQ(0, hook_count(LO_IFINDEX, self->dir));
}

TEST_F(links, after)
{
	int l[NPROGS + 1];
	__u32 lid[NPROGS + 1];
	int i;

	for (i = 1; i <= 2; i++) {
		l[i] = tcx_link_create(LO_IFINDEX, self->dir, self->fd[i], NULL);
		ASSERT_LE(0, l[i]);
		lid[i] = link_id(l[i]);
	}
	{
		LIBTCX_OPTS(tcx_opts, opts, .flags = TCX_F_AFTER,
			    .relative_fd = self->fd[1]);

		l[3] = tcx_link_create(LO_IFINDEX, self->dir, self->fd[3], &opts);
		ASSERT_LE(0, l[3]);
		lid[3] = link_id(l[3]);
	}
	{
		LIBTCX_OPTS(tcx_opts, opts, .flags = TCX_F_AFTER | TCX_F_LINK,
			    .relative_fd = l[2]);

		l[4] = tcx_link_create(LO_IFINDEX, self->dir, self->fd[4], &opts);
		ASSERT_LE(0, l[4]);
		lid[4] = link_id(l[4]);
	}
	{
		__u32 progs[] = { self->id[1], self->id[3], self->id[2], self->id[4] };
		__u32 links[] = { lid[1], lid[3], lid[2], lid[4] };

		ASSERT_HOOK(LO_IFINDEX, self->dir, 5, 4, progs, links);
	}
	for (i = 1; i <= NPROGS; i++)
		close(l[i]);
	ASSERT_EQ(0, hook_count(LO_IFINDEX, self->dir));
}

TEST_F(links, revision)
{
	LIBTCX_OPTS(tcx_opts, opts, .expected_revision = 1);
	int l1, l2;

	l1 = tcx_link_create(LO_IFINDEX, self->dir, self->fd[1], &opts);
	ASSERT_LE(0, l1);
	ASSERT_EQ(-ESTALE, tcx_link_create(LO_IFINDEX, self->dir, self->fd[2], &opts));
	ASSERT_EQ(1, hook_count(LO_IFINDEX, self->dir));
	opts.expected_revision = 2;
	l2 = tcx_link_create(LO_IFINDEX, self->dir, self->fd[2], &opts);
	ASSERT_LE(0, l2);
	{
		__u32 progs[] = { self->id[1], self->id[2] };
		__u32 links[] = { link_id(l1), link_id(l2) };

		ASSERT_HOOK(LO_IFINDEX, self->dir, 3, 2, progs, links);
	}
	close(l1);
	close(l2);
	ASSERT_EQ(0, hook_count(LO_IFINDEX, self->dir));
}

TEST_F(links, replace)
{
	LIBTCX_OPTS(tcx_opts, opts, .expected_revision = 1);
	__u32 lid1, lid2;
	int l1, l2;

	l1 = tcx_link_create(LO_IFINDEX, self->dir, self->fd[1], &opts);
	ASSERT_LE(0, l1);
	lid1 = link_id(l1);
	opts.flags = TCX_F_BEFORE;
	opts.relative_id = self->id[1];
	opts.expected_revision = 2;
	l2 = tcx_link_create(LO_IFINDEX, self->dir, self->fd[2], &opts);
	ASSERT_LE(0, l2);
	lid2 = link_id(l2);
	{
		__u32 progs[] = { self->id[2], self->id[1] };
		__u32 links[] = { lid2, lid1 };

		ASSERT_HOOK(LO_IFINDEX, self->dir, 3, 2, progs, links);
	}

	/* Link create never replaces. */
	{
		LIBTCX_OPTS(tcx_opts, r, .flags = TCX_F_REPLACE,
			    .relative_fd = self->fd[2], .expected_revision = 3);

		ASSERT_EQ(-ENOENT, tcx_link_create(LO_IFINDEX, self->dir, self->fd[3], &r));
		r.flags = TCX_F_REPLACE | TCX_F_LINK;
		r.relative_fd = l2;
		ASSERT_EQ(-ENOENT, tcx_link_create(LO_IFINDEX, self->dir, self->fd[3], &r));
		r.flags = TCX_F_REPLACE | TCX_F_LINK | TCX_F_AFTER;
		r.relative_fd = 0;
		r.relative_id = lid2;
		ASSERT_EQ(-ENOENT, tcx_link_create(LO_IFINDEX, self->dir, self->fd[3], &r));
	}
	ASSERT_EQ(2, hook_count(LO_IFINDEX, self->dir));

	/* Update keeps the link id and the position. */
	ASSERT_EQ(0, tcx_link_update(l2, self->fd[3], NULL));
	{
		__u32 progs[] = { self->id[3], self->id[1] };
		__u32 links[] = { lid2, lid1 };

		ASSERT_HOOK(LO_IFINDEX, self->dir, 4, 2, progs, links);
	}
	ASSERT_EQ(0, tcx_link_detach(l2));
	{
		__u32 progs[] = { self->id[1] }, links[] = { lid1 };

		ASSERT_HOOK(LO_IFINDEX, self->dir, 5, 1, progs, links);
	}
	/* To the program it already runs: nothing changes, not the revision. */
	ASSERT_EQ(0, tcx_link_update(l1, self->fd[1], NULL));
	{
		__u32 progs[] = { self->id[1] }, links[] = { lid1 };

		ASSERT_HOOK(LO_IFINDEX, self->dir, 5, 1, progs, links);
	}
	close(l2);
	close(l1);
	ASSERT_EQ(0, hook_count(LO_IFINDEX, self->dir));
}

/* Each failure leaves the hook as it was. */
#define ASSERT_CREATE_FAILS(err, prog, ...)					\
	do {									\
		LIBTCX_OPTS(tcx_opts, __o, __VA_ARGS__);			\
		ASSERT_EQ(err, tcx_link_create(LO_IFINDEX, self->dir, prog, &__o)); \
		ASSERT_EQ(__count, hook_count(LO_IFINDEX, self->dir));	\
	} while (0)

TEST_F(links, invalid)
{
	int fd1 = self->fd[1], fd2 = self->fd[2];
	int __count = 0;
	__u32 lid1;
	int l1, l2;

	ASSERT_CREATE_FAILS(-ERANGE, fd1, .flags = TCX_F_BEFORE | TCX_F_AFTER);
	ASSERT_CREATE_FAILS(-ENOENT, fd1, .flags = TCX_F_BEFORE | TCX_F_ID);
	ASSERT_CREATE_FAILS(-ENOENT, fd1, .flags = TCX_F_AFTER | TCX_F_ID);
	ASSERT_CREATE_FAILS(-ENOENT, fd1, .flags = TCX_F_ID);
	ASSERT_CREATE_FAILS(-EINVAL, fd1, .flags = TCX_F_LINK, .relative_fd = fd2);
	ASSERT_CREATE_FAILS(-EINVAL, fd1, .flags = TCX_F_LINK);
	ASSERT_CREATE_FAILS(-EINVAL, fd1, .relative_fd = fd2);
	ASSERT_CREATE_FAILS(-ENOENT, fd1, .flags = TCX_F_BEFORE | TCX_F_AFTER,
			    .relative_fd = fd2);
	ASSERT_CREATE_FAILS(-ENOENT, fd1, .flags = TCX_F_BEFORE, .relative_fd = fd1);
	/* EINVAL: that program exists, if not on this hook. */
	ASSERT_CREATE_FAILS(-EINVAL, fd1, .flags = TCX_F_ID,
			    .relative_id = self->id[2]);
	/* Upstream finds program 42 if some process holds one. */
	ASSERT_CREATE_FAILS(tcx_prog_id_alive(42) ? -EINVAL : -ENOENT,
			    fd1, .flags = TCX_F_ID, .relative_id = 42);
	ASSERT_CREATE_FAILS(-EINVAL, fd1, .flags = TCX_F_BEFORE | TCX_F_LINK,
			    .relative_fd = fd1);
	ASSERT_CREATE_FAILS(-ENOENT, fd1, .flags = TCX_F_AFTER, .relative_fd = fd1);
	ASSERT_CREATE_FAILS(-EINVAL, fd1, .flags = TCX_F_AFTER | TCX_F_LINK,
			    .relative_fd = fd1);
	ASSERT_EQ(-ENODEV, tcx_link_create(0, self->dir, fd1, NULL));
	ASSERT_EQ(-EINVAL, tcx_link_create(LO_IFINDEX, 2, fd1, NULL));
	ASSERT_CREATE_FAILS(-EINVAL, fd1, .flags = 1U << 0);
	ASSERT_CREATE_FAILS(-EBADF, fd1, .flags = TCX_F_BEFORE, .relative_fd = 999);
	ASSERT_EQ(-EBADF, tcx_link_create(LO_IFINDEX, self->dir, 999, NULL));

	l1 = tcx_link_create(LO_IFINDEX, self->dir, fd1, NULL);
	ASSERT_LE(0, l1);
	lid1 = link_id(l1);
	__count = 1;
	ASSERT_CREATE_FAILS(-EINVAL, fd2, .flags = TCX_F_AFTER | TCX_F_LINK,
			    .relative_fd = fd1);
	ASSERT_CREATE_FAILS(-ENOENT, fd2, .flags = TCX_F_BEFORE | TCX_F_LINK | TCX_F_ID,
			    .relative_id = ~0U);
	ASSERT_CREATE_FAILS(-EEXIST, fd1, .flags = TCX_F_BEFORE | TCX_F_LINK | TCX_F_ID,
			    .relative_id = lid1);
	ASSERT_CREATE_FAILS(-EEXIST, fd1, .flags = TCX_F_BEFORE | TCX_F_ID,
			    .relative_id = self->id[1]);
	{
		LIBTCX_OPTS(tcx_opts, opts, .flags = TCX_F_BEFORE | TCX_F_LINK,
			    .relative_id = lid1);

		l2 = tcx_link_create(LO_IFINDEX, self->dir, fd2, &opts);
		ASSERT_LE(0, l2);
	}
	{
		__u32 progs[] = { self->id[2], self->id[1] };
		__u32 links[] = { link_id(l2), lid1 };

		ASSERT_HOOK(LO_IFINDEX, self->dir, 3, 2, progs, links);
	}
	close(l1);
	close(l2);
	ASSERT_EQ(0, hook_count(LO_IFINDEX, self->dir));
}

TEST_F(links, prepend_append)
{
	LIBTCX_OPTS(tcx_opts, before, .flags = TCX_F_BEFORE);
	LIBTCX_OPTS(tcx_opts, after, .flags = TCX_F_AFTER);
	int l[NPROGS + 1];
	__u32 lid[NPROGS + 1];
	int i;

	/* 2 1 3 4: prepend, then append */
	l[1] = tcx_link_create(LO_IFINDEX, self->dir, self->fd[1], NULL);
	l[2] = tcx_link_create(LO_IFINDEX, self->dir, self->fd[2], &before);
	l[3] = tcx_link_create(LO_IFINDEX, self->dir, self->fd[3], &after);
	l[4] = tcx_link_create(LO_IFINDEX, self->dir, self->fd[4], &after);
	for (i = 1; i <= NPROGS; i++) {
		ASSERT_LE(0, l[i]);
		lid[i] = link_id(l[i]);
	}
	{
		__u32 progs[] = { self->id[2], self->id[1], self->id[3], self->id[4] };
		__u32 links[] = { lid[2], lid[1], lid[3], lid[4] };

		ASSERT_HOOK(LO_IFINDEX, self->dir, 5, 4, progs, links);
	}
	for (i = 1; i <= NPROGS; i++)
		close(l[i]);
	ASSERT_EQ(0, hook_count(LO_IFINDEX, self->dir));
}

/* Links and the program API on one hook: neither steps on the other. */
TEST_F(links, mixed)
{
	LIBTCX_OPTS(tcx_opts, opts);
	__u32 lid2, lid4;
	int l2, l4;

	ASSERT_EQ(0, tcx_prog_attach(LO_IFINDEX, self->dir, self->fd[1], NULL));
	l2 = tcx_link_create(LO_IFINDEX, self->dir, self->fd[2], NULL);
	ASSERT_LE(0, l2);
	lid2 = link_id(l2);

	opts.flags = TCX_F_REPLACE;
	opts.replace_prog_fd = self->fd[1];
	ASSERT_EQ(-EEXIST, tcx_prog_attach(LO_IFINDEX, self->dir, self->fd[2], &opts));
	opts.replace_prog_fd = self->fd[2];
	ASSERT_EQ(-EEXIST, tcx_prog_attach(LO_IFINDEX, self->dir, self->fd[1], &opts));
	ASSERT_EQ(-EBUSY, tcx_prog_attach(LO_IFINDEX, self->dir, self->fd[3], &opts));
	/* The link's program, through the program API */
	ASSERT_EQ(-EEXIST, tcx_prog_attach(LO_IFINDEX, self->dir, self->fd[2], NULL));
	ASSERT_EQ(-EBUSY, tcx_prog_detach(LO_IFINDEX, self->dir, self->fd[2], NULL));
	opts.replace_prog_fd = self->fd[1];
	ASSERT_EQ(0, tcx_prog_attach(LO_IFINDEX, self->dir, self->fd[3], &opts));

	l4 = tcx_link_create(LO_IFINDEX, self->dir, self->fd[4], NULL);
	ASSERT_LE(0, l4);
	lid4 = link_id(l4);
	opts.replace_prog_fd = self->fd[4];
	ASSERT_EQ(-EEXIST, tcx_prog_attach(LO_IFINDEX, self->dir, self->fd[2], &opts));
	{
		__u32 progs[] = { self->id[3], self->id[2], self->id[4] };
		__u32 links[] = { 0, lid2, lid4 };

		ASSERT_HOOK(LO_IFINDEX, self->dir, 5, 3, progs, links);
	}
	/* Positional detach of a link's slot: EBUSY (upstream's "demixed"). */
	opts = (struct tcx_opts){ .sz = sizeof(opts), .flags = TCX_F_AFTER };
	ASSERT_EQ(-EBUSY, tcx_prog_detach(LO_IFINDEX, self->dir, 0, &opts));
	opts.flags = TCX_F_BEFORE;
	ASSERT_EQ(0, tcx_prog_detach(LO_IFINDEX, self->dir, 0, &opts));
	ASSERT_EQ(2, hook_count(LO_IFINDEX, self->dir));
	close(l2);
	close(l4);
	ASSERT_EQ(0, hook_count(LO_IFINDEX, self->dir));
	ASSERT_TRUE(tcx_prog_id_alive(self->id[2]));
}

TEST_F(links, update)
{
	LIBTCX_OPTS(tcx_link_update_opts, uo);
	int l1, l2;

	l1 = tcx_link_create(LO_IFINDEX, self->dir, self->fd[1], NULL);
	l2 = tcx_link_create(LO_IFINDEX, self->dir, self->fd[2], NULL);
	ASSERT_LE(0, l1);
	ASSERT_LE(0, l2);

	uo.flags = TCX_F_REPLACE;
	uo.old_prog_fd = self->fd[2];
	ASSERT_EQ(-EPERM, tcx_link_update(l1, self->fd[3], &uo));
	uo.old_prog_fd = self->fd[1];
	ASSERT_EQ(0, tcx_link_update(l1, self->fd[3], &uo));
	/* The old program is no longer on the hook: the check fails now. */
	ASSERT_EQ(-EPERM, tcx_link_update(l1, self->fd[4], &uo));
	/* Another link's program */
	ASSERT_EQ(-EEXIST, tcx_link_update(l1, self->fd[2], NULL));
	uo.flags = TCX_F_BEFORE;
	uo.old_prog_fd = 0;
	ASSERT_EQ(-EINVAL, tcx_link_update(l1, self->fd[4], &uo));
	uo.flags = 0;
	uo.old_prog_fd = self->fd[3];
	ASSERT_EQ(-EINVAL, tcx_link_update(l1, self->fd[4], &uo));
	ASSERT_EQ(-EBADF, tcx_link_update(l1, 999, NULL));
	ASSERT_EQ(-EINVAL, tcx_link_update(0, self->fd[4], NULL));
	{
		__u32 progs[] = { self->id[3], self->id[2] };
		__u32 links[] = { link_id(l1), link_id(l2) };

		ASSERT_HOOK(LO_IFINDEX, self->dir, 4, 2, progs, links);
	}
	close(l1);
	close(l2);
	ASSERT_EQ(0, hook_count(LO_IFINDEX, self->dir));
}

TEST_F(links, detach_defunct)
{
	struct tcx_link_info info;
	int l1;

	l1 = tcx_link_create(LO_IFINDEX, self->dir, self->fd[1], NULL);
	ASSERT_LE(0, l1);
	ASSERT_EQ(0, tcx_link_detach(l1));
	ASSERT_EQ(0, hook_count(LO_IFINDEX, self->dir));
	ASSERT_EQ(0, tcx_link_get_info(l1, &info));
	ASSERT_EQ(0U, info.ifindex);
	ASSERT_EQ(tcx_test_link_flags(TCX_LINK_F_DEFUNCT), info.flags);
	ASSERT_EQ(self->id[1], info.prog_id);
	ASSERT_EQ(-ENOLINK, tcx_link_update(l1, self->fd[2], NULL));
	ASSERT_EQ(0, tcx_link_detach(l1));
	/* Its program may go on the hook again, and the defunct link is harmless. */
	ASSERT_EQ(0, tcx_prog_attach(LO_IFINDEX, self->dir, self->fd[1], NULL));
	close(l1);
	ASSERT_EQ(1, hook_count(LO_IFINDEX, self->dir));
	ASSERT_EQ(0, tcx_prog_detach(LO_IFINDEX, self->dir, self->fd[1], NULL));
}

TEST_F(links, dev_cleanup)
{
	struct tcx_link_info info;
	int l[NPROGS + 1];
	int ifindex, i;

	ASSERT_EQ(0, tcx_run("ip link add name tcx_links1 type veth peer name tcx_links2"));
	ifindex = if_nametoindex("tcx_links1");
	ASSERT_NE(0, ifindex);
	for (i = 1; i <= NPROGS; i++) {
		l[i] = tcx_link_create(ifindex, self->dir, self->fd[i], NULL);
		ASSERT_LE(0, l[i]);
		ASSERT_EQ(i, hook_count(ifindex, self->dir));
	}
	ASSERT_EQ(0, tcx_run("ip link del dev tcx_links1"));
	ASSERT_EQ(0U, if_nametoindex("tcx_links2"));
	for (i = 1; i <= NPROGS; i++) {
		ASSERT_EQ(0, tcx_link_get_info(l[i], &info));
		ASSERT_EQ(0U, info.ifindex);
		ASSERT_EQ(tcx_test_link_flags(TCX_LINK_F_DEFUNCT), info.flags);
		ASSERT_EQ(-ENOLINK, tcx_link_update(l[i], self->fd[(i % NPROGS) + 1], NULL));
		ASSERT_EQ(0, tcx_link_detach(l[i]));
		close(l[i]);
	}
	ASSERT_EQ(-ENODEV, hook_count(ifindex, self->dir));
}

/* The owner is killed: its program goes with it. */
TEST_F(links, owner_killed)
{
	int pipefd[2];
	__u32 lid = 0;
	pid_t pid;
	int status;

	ASSERT_EQ(0, pipe(pipefd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int lfd = tcx_link_create(LO_IFINDEX, self->dir, self->fd[1], NULL);

		lid = lfd >= 0 ? link_id(lfd) : 0;
		if (write(pipefd[1], &lid, sizeof(lid)) != sizeof(lid))
			_exit(1);
		pause();
		_exit(0);
	}
	ASSERT_EQ((ssize_t)sizeof(lid), read(pipefd[0], &lid, sizeof(lid)));
	ASSERT_NE(0U, lid);
	ASSERT_EQ(1, hook_count(LO_IFINDEX, self->dir));
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFSIGNALED(status));
	ASSERT_EQ(0, hook_count(LO_IFINDEX, self->dir));
	ASSERT_EQ(-ENOENT, tcx_link_get_fd_by_id(lid));
}

/* A pinned link outlives its creator and is found again by id. */
TEST_F(links, pinned)
{
	struct tcx_link_info info;
	int pipefd[2], lfd;
	__u32 lid = 0;
	pid_t pid;
	int status;

	ASSERT_EQ(0, pipe(pipefd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		LIBTCX_OPTS(tcx_opts, opts, .tag = "pinned");

		lfd = tcx_link_create(LO_IFINDEX, self->dir, self->fd[1], &opts);
		if (lfd >= 0 && !tcx_link_pin(lfd))
			lid = link_id(lfd);
		_exit(write(pipefd[1], &lid, sizeof(lid)) != sizeof(lid));
	}
	ASSERT_EQ((ssize_t)sizeof(lid), read(pipefd[0], &lid, sizeof(lid)));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, status);
	ASSERT_NE(0U, lid);
	ASSERT_EQ(1, hook_count(LO_IFINDEX, self->dir));

	lfd = tcx_link_get_fd_by_id(lid);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, tcx_link_get_info(lfd, &info));
	ASSERT_EQ(lid, info.id);
	ASSERT_EQ(tcx_test_link_flags(TCX_LINK_F_PINNED), info.flags);
	if (!tcx_test_native()) {
		ASSERT_EQ((__u32)pid, info.owner_pid);
		ASSERT_STREQ("pinned", info.tag);
	}
	/* Pinning twice is one pin. */
	ASSERT_EQ(0, tcx_link_pin(lfd));
	ASSERT_EQ(0, tcx_link_unpin(lfd));
	ASSERT_EQ(0, tcx_link_get_info(lfd, &info));
	ASSERT_EQ(tcx_test_link_flags(0), info.flags);
	ASSERT_EQ(0, tcx_link_unpin(lfd));
	ASSERT_EQ(1, hook_count(LO_IFINDEX, self->dir));
	/* Unpinned, it lives as long as its last fd. */
	close(lfd);
	ASSERT_EQ(0, hook_count(LO_IFINDEX, self->dir));
	ASSERT_EQ(-ENOENT, tcx_link_get_fd_by_id(lid));
	ASSERT_EQ(-ENOENT, tcx_link_get_fd_by_id(0));
}

static int send_fd(int sock, int fd)
{
	char buf[CMSG_SPACE(sizeof(int))] = {};
	char byte = 0;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = buf, .msg_controllen = sizeof(buf),
	};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);

	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

static int recv_fd(int sock)
{
	char buf[CMSG_SPACE(sizeof(int))] = {};
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = buf, .msg_controllen = sizeof(buf),
	};
	struct cmsghdr *cmsg;
	int fd;

	if (recvmsg(sock, &msg, 0) != 1)
		return -1;
	cmsg = CMSG_FIRSTHDR(&msg);
	if (!cmsg || cmsg->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
	return fd;
}

/* dup(), fork() and SCM_RIGHTS keep the link alive, as for any fd. */
TEST_F(links, fd_lifetime)
{
	int lfd, dfd, sv[2], go[2];
	pid_t pid;
	int status;
	char c = 0;

	lfd = tcx_link_create(LO_IFINDEX, self->dir, self->fd[1], NULL);
	ASSERT_LE(0, lfd);
	dfd = dup(lfd);
	ASSERT_LE(0, dfd);
	close(lfd);
	ASSERT_EQ(1, hook_count(LO_IFINDEX, self->dir));

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	ASSERT_EQ(0, pipe(go));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int rfd;

		close(dfd);
		rfd = recv_fd(sv[1]);
		if (rfd < 0)
			_exit(1);
		/* Hold it until told to go. */
		_exit(read(go[0], &c, 1) != 1);
	}
	ASSERT_EQ(0, send_fd(sv[0], dfd));
	close(dfd);
	/* Only the child holds it now (the one in flight was received). */
	usleep(100 * 1000);
	ASSERT_EQ(1, hook_count(LO_IFINDEX, self->dir));
	ASSERT_EQ(1, write(go[1], &c, 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, status);
	ASSERT_EQ(0, hook_count(LO_IFINDEX, self->dir));
}

/* /proc/self/fdinfo/<link fd> into BUF; the byte count, or -1. */
static ssize_t read_fdinfo(int lfd, char *buf, size_t len)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", lfd);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

/* The lines upstream's tcx links print as well. */
TEST_F(links, fdinfo)
{
	struct bpf_prog_info pinfo = {};
	__u32 plen = sizeof(pinfo);
	char buf[1024], want[128];
	unsigned int i;
	int lfd, n;

	lfd = tcx_link_create(LO_IFINDEX, self->dir, self->fd[1], NULL);
	ASSERT_LE(0, lfd);
	ASSERT_LT(0, read_fdinfo(lfd, buf, sizeof(buf)));
	ASSERT_NE(NULL, strstr(buf, "link_type:\ttcx\n")) TH_LOG("%s", buf);
	snprintf(want, sizeof(want), "link_id:\t%u\n", link_id(lfd));
	ASSERT_NE(NULL, strstr(buf, want)) TH_LOG("%s", buf);
	snprintf(want, sizeof(want), "prog_id:\t%u\n", self->id[1]);
	ASSERT_NE(NULL, strstr(buf, want)) TH_LOG("%s", buf);
	ASSERT_NE(NULL, strstr(buf, "ifindex:\t1\n")) TH_LOG("%s", buf);
	ASSERT_NE(NULL, strstr(buf, self->dir == TCX_DIR_INGRESS ?
			       "attach_type:\t46 (ingress)\n" :
			       "attach_type:\t47 (egress)\n")) TH_LOG("%s", buf);
	ASSERT_EQ(0, bpf_obj_get_info_by_fd(self->fd[1], &pinfo, &plen));
	n = snprintf(want, sizeof(want), "prog_tag:\t");
	for (i = 0; i < sizeof(pinfo.tag); i++)
		n += snprintf(want + n, sizeof(want) - n, "%02x", pinfo.tag[i]);
	snprintf(want + n, sizeof(want) - n, "\n");
	ASSERT_NE(NULL, strstr(buf, want)) TH_LOG("%s", buf);
	close(lfd);
}

/* tcx-dkms's own lines: state, tag, owner. */
TEST_F(links, fdinfo_module)
{
	LIBTCX_OPTS(tcx_opts, opts, .tag = "fdinfo-tag");
	char buf[1024], want[128];
	int lfd;

	TCX_MODULE_ONLY("tag, owner or state in fdinfo");
	lfd = tcx_link_create(LO_IFINDEX, self->dir, self->fd[1], &opts);
	ASSERT_LE(0, lfd);
	ASSERT_LT(0, read_fdinfo(lfd, buf, sizeof(buf)));
	ASSERT_NE(NULL, strstr(buf, "state:\tattached\n"));
	ASSERT_NE(NULL, strstr(buf, "tag:\tfdinfo-tag\n"));
	snprintf(want, sizeof(want), "owner_pid:\t%d\n", getpid());
	ASSERT_NE(NULL, strstr(buf, want));
	close(lfd);
}

/* Raw ioctls: what libtcx does not let through. */
TEST_F(links, abi)
{
	struct tcx_link_create_args args = {
		.size = sizeof(args),
		.ifindex = LO_IFINDEX,
		.direction = self->dir,
		.prog_fd = self->fd[1],
	};
	struct tcx_link_id_args ida = { .size = sizeof(ida), .id = 1, .flags = 1 };
	struct tcx_link_info info = { .size = 8 };
	int dev, lfd;

	TCX_MODULE_ONLY("/dev/tcx");
	dev = tcx_dev_fd();
	/* A tag must be NUL-terminated. */
	memset(args.tag, 'x', sizeof(args.tag));
	ASSERT_EQ(-1, ioctl(dev, TCX_IOC_LINK_CREATE, &args));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(0, hook_count(LO_IFINDEX, self->dir));
	memset(args.tag, 0, sizeof(args.tag));
	lfd = ioctl(dev, TCX_IOC_LINK_CREATE, &args);
	ASSERT_LE(0, lfd);
	/* Link ioctls belong on the link fd, and /dev/tcx's on /dev/tcx. */
	ASSERT_EQ(-1, ioctl(dev, TCX_IOC_LINK_DETACH));
	ASSERT_EQ(ENOTTY, errno);
	ASSERT_EQ(-1, ioctl(lfd, TCX_IOC_LINK_CREATE, &args));
	ASSERT_EQ(ENOTTY, errno);
	ASSERT_EQ(-1, ioctl(lfd, TCX_IOC_LINK_INFO, &info));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(-1, ioctl(dev, TCX_IOC_LINK_GET_FD_BY_ID, &ida));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(-1, ioctl(lfd, TCX_IOC_LINK_INFO, NULL));
	ASSERT_EQ(EFAULT, errno);
	close(lfd);
	ASSERT_EQ(0, hook_count(LO_IFINDEX, self->dir));
}

TEST_HARNESS_MAIN
