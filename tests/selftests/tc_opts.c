// SPDX-License-Identifier: GPL-2.0
/*
 * Program attach, detach and query on tcx hooks through libtcx: the cases of
 * upstream's tools/testing/selftests/bpf/prog_tests/tc_opts.c that need
 * neither links nor classic tc, checked step by step for the order of the
 * programs, the hook's revision and the errno, on ingress and on egress.
 * Then what upstream leaves to the bpf() syscall layer (argument checks),
 * and that the hook drops its program references.
 *
 * Each test runs in a network namespace of its own, on its loopback device
 * (ifindex 1) unless it needs a device it can delete.  Packets are not
 * sent here: the data path has its own tests.
 *
 * The same tests run against native tcx (Linux 6.6 and later) through
 * libtcx's native backend, which checks that they expect what upstream
 * does; the raw ioctls and hook flags are tcx-dkms's own and skipped there.
 */
#include "tcx_test.h"

#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/utsname.h>

#define NR_TC_PROGS	8
#define POISON		0xdeadbeefU

FIXTURE(tc_opts) {
	struct bpf_object *obj;
	int fd[NR_TC_PROGS + 1];	/* fd[n], id[n]: program tcn */
	__u32 id[NR_TC_PROGS + 1];
	int ifindex;
	enum tcx_dir dir;		/* the hook under test */
	enum tcx_dir other;		/* the other direction of the device */
};

FIXTURE_VARIANT(tc_opts) {
	enum tcx_dir dir;
};

FIXTURE_VARIANT_ADD(tc_opts, ingress) {
	.dir = TCX_DIR_INGRESS,
};

FIXTURE_VARIANT_ADD(tc_opts, egress) {
	.dir = TCX_DIR_EGRESS,
};

#define FD(n)	(self->fd[n])
#define ID(n)	(self->id[n])

/* Attach or detach on the hook under test, with opts built from the rest. */
#define ATTACH(prog_fd, ...) ({						\
	LIBTCX_OPTS(tcx_opts, __opts, __VA_ARGS__);			\
	tcx_prog_attach(self->ifindex, self->dir, (prog_fd), &__opts);	\
})

#define DETACH(prog_fd, ...) ({						\
	LIBTCX_OPTS(tcx_opts, __opts, __VA_ARGS__);			\
	tcx_prog_detach(self->ifindex, self->dir, (prog_fd), &__opts);	\
})

static const char *dir_name(enum tcx_dir dir)
{
	return dir == TCX_DIR_INGRESS ? "ingress" : "egress";
}

static void fmt_ids(char *buf, size_t len, const __u32 *ids, unsigned int n)
{
	size_t off = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < n && off < len; i++)
		off += snprintf(buf + off, len - off, "%s%u", i ? "," : "",
				ids[i]);
}

/*
 * The hook holds exactly the programs WANT, in this order, all attached
 * without a link and with zero flags, and its revision is REVISION.  The
 * query gets one slot more than needed, which must stay untouched.
 */
static void check_hook(struct __test_metadata *_metadata, int line,
		       int ifindex, enum tcx_dir dir, __u64 revision,
		       const __u32 *want, unsigned int n)
{
	__u32 ids[TCX_MAX_PROGS + 1], pflags[TCX_MAX_PROGS + 1];
	__u32 lids[TCX_MAX_PROGS + 1], lflags[TCX_MAX_PROGS + 1];
	char got_s[TCX_MAX_PROGS * 11 + 1], want_s[TCX_MAX_PROGS * 11 + 1];
	unsigned int i, shown;
	int ret;
	LIBTCX_OPTS(tcx_query, q,
		    .count = n + 1,
		    .prog_ids = ids,
		    .prog_attach_flags = pflags,
		    .link_ids = lids,
		    .link_attach_flags = lflags);

	for (i = 0; i <= TCX_MAX_PROGS; i++)
		ids[i] = pflags[i] = lids[i] = lflags[i] = POISON;

	ret = tcx_query(ifindex, dir, &q);
	ASSERT_EQ(0, ret)
		TH_LOG("line %d: query %s: %s", line, dir_name(dir),
		       strerror(-ret));

	shown = q.count < n + 1 ? q.count : n + 1;
	fmt_ids(got_s, sizeof(got_s), ids, shown);
	fmt_ids(want_s, sizeof(want_s), want, n);
	ASSERT_EQ(n, q.count)
		TH_LOG("line %d: %s holds %u programs [%s], want %u [%s]",
		       line, dir_name(dir), q.count, got_s, n, want_s);
	ASSERT_EQ(revision, q.revision)
		TH_LOG("line %d: %s at revision %llu, want %llu", line,
		       dir_name(dir), (unsigned long long)q.revision,
		       (unsigned long long)revision);
	if (n) {
		ASSERT_EQ(0, memcmp(ids, want, n * sizeof(*ids)))
			TH_LOG("line %d: %s order [%s], want [%s]", line,
			       dir_name(dir), got_s, want_s);
	}
	for (i = 0; i < n; i++) {
		ASSERT_EQ(0U, pflags[i])
			TH_LOG("line %d: prog_attach_flags[%u]", line, i);
		ASSERT_EQ(0U, lids[i])
			TH_LOG("line %d: link_ids[%u]", line, i);
		ASSERT_EQ(0U, lflags[i])
			TH_LOG("line %d: link_attach_flags[%u]", line, i);
	}
	ASSERT_EQ(POISON, ids[n])
		TH_LOG("line %d: the query wrote past its last entry", line);
	ASSERT_EQ(POISON, lids[n])
		TH_LOG("line %d: the query wrote past its last entry", line);
}

#define __HOOK_IDS(...)		((const __u32[]){ __VA_ARGS__ })
#define __HOOK_NR(...)		(sizeof(__HOOK_IDS(__VA_ARGS__)) / sizeof(__u32))

#define ASSERT_HOOK_DIR(dir, rev, ...)					\
	check_hook(_metadata, __LINE__, self->ifindex, (dir), (rev),	\
		   __HOOK_IDS(__VA_ARGS__), __HOOK_NR(__VA_ARGS__))
#define ASSERT_HOOK(rev, ...)	ASSERT_HOOK_DIR(self->dir, rev, __VA_ARGS__)

/* No programs; the revision starts over at 1 once the last one is gone. */
#define ASSERT_EMPTY_DIR(dir)						\
	check_hook(_metadata, __LINE__, self->ifindex, (dir), 1, NULL, 0)
#define ASSERT_EMPTY()		ASSERT_EMPTY_DIR(self->dir)

/* Only the number of programs, as upstream's assert_mprog_count(). */
static unsigned int hook_count(int ifindex, enum tcx_dir dir)
{
	LIBTCX_OPTS(tcx_query, q);

	if (tcx_query(ifindex, dir, &q))
		return ~0U;
	return q.count;
}

/* Detach whatever is left, by position; the hook ends up empty. */
static void flush_hook(int ifindex, enum tcx_dir dir)
{
	int i;

	for (i = 0; i <= TCX_MAX_PROGS; i++)
		if (tcx_prog_detach(ifindex, dir, 0, NULL))
			break;
}

FIXTURE_SETUP(tc_opts)
{
	struct bpf_program *prog;
	char path[PATH_MAX], name[8];
	int i, ret;

	self->dir = variant->dir;
	self->other = variant->dir == TCX_DIR_INGRESS ? TCX_DIR_EGRESS :
							TCX_DIR_INGRESS;
	self->ifindex = LO_IFINDEX;

	ASSERT_TCX_DEV();
	ret = tcx_test_netns();
	ASSERT_EQ(0, ret) TH_LOG("unshare(CLONE_NEWNET): %s", strerror(-ret));
	tcx_test_hold_fd0();

	ret = tcx_bpf_obj_path(path, sizeof(path), "tc_progs.bpf.o");
	ASSERT_EQ(0, ret)
		TH_LOG("tc_progs.bpf.o: %s (set TCX_BPF_DIR)", strerror(-ret));
	self->obj = bpf_object__open_file(path, NULL);
	ASSERT_NE(NULL, self->obj) TH_LOG("open %s: %s", path, strerror(errno));
	ret = bpf_object__load(self->obj);
	ASSERT_EQ(0, ret) TH_LOG("load %s: %s", path, strerror(-ret));

	for (i = 1; i <= NR_TC_PROGS; i++) {
		snprintf(name, sizeof(name), "tc%d", i);
		prog = bpf_object__find_program_by_name(self->obj, name);
		ASSERT_NE(NULL, prog) TH_LOG("no program %s in %s", name, path);
		self->fd[i] = bpf_program__fd(prog);
		ASSERT_LE(0, self->fd[i]);
		self->id[i] = tcx_prog_id(self->fd[i]);
		ASSERT_NE(0U, self->id[i]);
	}

	ASSERT_EMPTY_DIR(TCX_DIR_INGRESS);
	ASSERT_EMPTY_DIR(TCX_DIR_EGRESS);
}

FIXTURE_TEARDOWN(tc_opts)
{
	flush_hook(LO_IFINDEX, TCX_DIR_INGRESS);
	flush_hook(LO_IFINDEX, TCX_DIR_EGRESS);
	bpf_object__close(self->obj);
}

/* 1. One program on each direction; the hooks are independent. */
TEST_F(tc_opts, basic)
{
	ASSERT_EQ(0, tcx_prog_attach(self->ifindex, self->dir, FD(1), NULL));
	ASSERT_HOOK(2, ID(1));
	ASSERT_EMPTY_DIR(self->other);

	ASSERT_EQ(0, tcx_prog_attach(self->ifindex, self->other, FD(2), NULL));
	ASSERT_HOOK_DIR(self->other, 2, ID(2));
	ASSERT_HOOK(2, ID(1));

	ASSERT_EQ(0, tcx_prog_detach(self->ifindex, self->other, FD(2), NULL));
	ASSERT_EMPTY_DIR(self->other);
	ASSERT_HOOK(2, ID(1));

	ASSERT_EQ(0, tcx_prog_detach(self->ifindex, self->dir, FD(1), NULL));
	ASSERT_EMPTY();
	ASSERT_EMPTY_DIR(self->other);
}

/* 2. BEFORE a program given by fd, and by id. */
TEST_F(tc_opts, before)
{
	ASSERT_EQ(0, ATTACH(FD(1)));
	ASSERT_EQ(0, ATTACH(FD(2)));
	ASSERT_HOOK(3, ID(1), ID(2));

	ASSERT_EQ(0, ATTACH(FD(3), .flags = TCX_F_BEFORE,
			    .relative_fd = FD(2)));
	ASSERT_HOOK(4, ID(1), ID(3), ID(2));

	ASSERT_EQ(0, ATTACH(FD(4), .flags = TCX_F_BEFORE,
			    .relative_id = ID(1)));
	ASSERT_HOOK(5, ID(4), ID(1), ID(3), ID(2));

	ASSERT_EQ(0, DETACH(FD(4)));
	ASSERT_HOOK(6, ID(1), ID(3), ID(2));
	ASSERT_EQ(0, DETACH(FD(3)));
	ASSERT_HOOK(7, ID(1), ID(2));
	ASSERT_EQ(0, DETACH(FD(2)));
	ASSERT_HOOK(8, ID(1));
	ASSERT_EQ(0, DETACH(FD(1)));
	ASSERT_EMPTY();
}

/* 3. AFTER a program given by fd, and by id. */
TEST_F(tc_opts, after)
{
	ASSERT_EQ(0, ATTACH(FD(1)));
	ASSERT_EQ(0, ATTACH(FD(2)));
	ASSERT_HOOK(3, ID(1), ID(2));

	ASSERT_EQ(0, ATTACH(FD(3), .flags = TCX_F_AFTER,
			    .relative_fd = FD(1)));
	ASSERT_HOOK(4, ID(1), ID(3), ID(2));

	ASSERT_EQ(0, ATTACH(FD(4), .flags = TCX_F_AFTER,
			    .relative_id = ID(2)));
	ASSERT_HOOK(5, ID(1), ID(3), ID(2), ID(4));

	ASSERT_EQ(0, DETACH(FD(4)));
	ASSERT_HOOK(6, ID(1), ID(3), ID(2));
	ASSERT_EQ(0, DETACH(FD(3)));
	ASSERT_HOOK(7, ID(1), ID(2));
	ASSERT_EQ(0, DETACH(FD(2)));
	ASSERT_HOOK(8, ID(1));
	ASSERT_EQ(0, DETACH(FD(1)));
	ASSERT_EMPTY();
}

/* 4. expected_revision on attach and detach; ESTALE comes before EEXIST. */
TEST_F(tc_opts, revision)
{
	ASSERT_EQ(0, ATTACH(FD(1), .expected_revision = 1));
	ASSERT_HOOK(2, ID(1));

	ASSERT_EQ(-ESTALE, ATTACH(FD(2), .expected_revision = 1));
	ASSERT_HOOK(2, ID(1));
	ASSERT_EQ(-ESTALE, ATTACH(FD(1), .expected_revision = 3));
	ASSERT_HOOK(2, ID(1));

	ASSERT_EQ(0, ATTACH(FD(2), .expected_revision = 2));
	ASSERT_HOOK(3, ID(1), ID(2));

	ASSERT_EQ(-ESTALE, DETACH(FD(2), .expected_revision = 2));
	ASSERT_HOOK(3, ID(1), ID(2));

	ASSERT_EQ(0, DETACH(FD(2), .expected_revision = 3));
	ASSERT_HOOK(4, ID(1));

	ASSERT_EQ(0, DETACH(FD(1)));
	ASSERT_EMPTY();
}

/* 6. REPLACE in place, alone and with an adjacent relative program. */
TEST_F(tc_opts, replace)
{
	ASSERT_EQ(0, ATTACH(FD(1), .expected_revision = 1));
	ASSERT_EQ(0, ATTACH(FD(2), .flags = TCX_F_BEFORE,
			    .relative_id = ID(1), .expected_revision = 2));
	ASSERT_HOOK(3, ID(2), ID(1));

	ASSERT_EQ(0, ATTACH(FD(3), .flags = TCX_F_REPLACE,
			    .replace_prog_fd = FD(2), .expected_revision = 3));
	ASSERT_HOOK(4, ID(3), ID(1));

	ASSERT_EQ(0, ATTACH(FD(2), .flags = TCX_F_REPLACE | TCX_F_BEFORE,
			    .replace_prog_fd = FD(3), .relative_fd = FD(1),
			    .expected_revision = 4));
	ASSERT_HOOK(5, ID(2), ID(1));

	ASSERT_EQ(-EEXIST, ATTACH(FD(2), .flags = TCX_F_REPLACE,
				  .replace_prog_fd = FD(2)));
	ASSERT_HOOK(5, ID(2), ID(1));

	ASSERT_EQ(-ERANGE, ATTACH(FD(3), .flags = TCX_F_REPLACE | TCX_F_AFTER,
				  .replace_prog_fd = FD(2),
				  .relative_fd = FD(1),
				  .expected_revision = 5));
	ASSERT_HOOK(5, ID(2), ID(1));

	ASSERT_EQ(-ERANGE, ATTACH(FD(3), .flags = TCX_F_BEFORE | TCX_F_AFTER |
						  TCX_F_REPLACE,
				  .replace_prog_fd = FD(2),
				  .relative_fd = FD(1),
				  .expected_revision = 5));
	ASSERT_HOOK(5, ID(2), ID(1));

	ASSERT_EQ(0, DETACH(FD(2), .flags = TCX_F_BEFORE,
			    .relative_id = ID(1), .expected_revision = 5));
	ASSERT_HOOK(6, ID(1));

	ASSERT_EQ(0, DETACH(FD(1)));
	ASSERT_EMPTY();
}

/* 7. Misplaced attaches on an empty hook, then EEXIST on a busy one. */
TEST_F(tc_opts, invalid)
{
	ASSERT_EQ(-ERANGE, ATTACH(FD(1), .flags = TCX_F_BEFORE | TCX_F_AFTER));
	ASSERT_EMPTY();
	/* TCX_F_ID with relative_id 0 asks for program id 0. */
	ASSERT_EQ(-ENOENT, ATTACH(FD(1), .flags = TCX_F_BEFORE | TCX_F_ID));
	ASSERT_EMPTY();
	ASSERT_EQ(-ENOENT, ATTACH(FD(1), .flags = TCX_F_AFTER | TCX_F_ID));
	ASSERT_EMPTY();
	ASSERT_EQ(-EINVAL, ATTACH(FD(1), .relative_fd = FD(2)));
	ASSERT_EMPTY();
	ASSERT_EQ(-ENOENT, ATTACH(FD(1), .flags = TCX_F_BEFORE | TCX_F_AFTER,
				  .relative_fd = FD(2)));
	ASSERT_EMPTY();
	ASSERT_EQ(-EINVAL, ATTACH(FD(1), .flags = TCX_F_ID,
					       .relative_id = ID(2)));
	ASSERT_EMPTY();
	ASSERT_EQ(-ENOENT, ATTACH(FD(1), .flags = TCX_F_BEFORE,
				  .relative_fd = FD(1)));
	ASSERT_EMPTY();
	ASSERT_EQ(-ENOENT, ATTACH(FD(1), .flags = TCX_F_AFTER,
				  .relative_fd = FD(1)));
	ASSERT_EMPTY();

	ASSERT_EQ(0, ATTACH(FD(1)));
	ASSERT_HOOK(2, ID(1));

	ASSERT_EQ(-EEXIST, ATTACH(FD(1)));
	ASSERT_HOOK(2, ID(1));
	ASSERT_EQ(-EEXIST, ATTACH(FD(1), .flags = TCX_F_BEFORE,
				  .relative_fd = FD(1)));
	ASSERT_HOOK(2, ID(1));
	ASSERT_EQ(-EEXIST, ATTACH(FD(1), .flags = TCX_F_AFTER,
				  .relative_fd = FD(1)));
	ASSERT_HOOK(2, ID(1));
	/* replace_prog_fd 0 is fd 0, which is no program. */
	ASSERT_EQ(-EINVAL, ATTACH(FD(1), .flags = TCX_F_REPLACE,
				  .relative_fd = FD(1)));
	ASSERT_HOOK(2, ID(1));
	ASSERT_EQ(-EEXIST, ATTACH(FD(1), .flags = TCX_F_REPLACE,
				  .replace_prog_fd = FD(1)));
	ASSERT_HOOK(2, ID(1));

	ASSERT_EQ(0, DETACH(FD(1)));
	ASSERT_EMPTY();
}

/* 8. BEFORE without a relative program prepends. */
TEST_F(tc_opts, prepend)
{
	ASSERT_EQ(0, ATTACH(FD(1)));
	ASSERT_HOOK(2, ID(1));

	ASSERT_EQ(0, ATTACH(FD(2), .flags = TCX_F_BEFORE));
	ASSERT_HOOK(3, ID(2), ID(1));

	ASSERT_EQ(0, ATTACH(FD(3), .flags = TCX_F_BEFORE));
	ASSERT_EQ(0, ATTACH(FD(4), .flags = TCX_F_BEFORE));
	ASSERT_HOOK(5, ID(4), ID(3), ID(2), ID(1));

	ASSERT_EQ(0, DETACH(FD(4)));
	ASSERT_HOOK(6, ID(3), ID(2), ID(1));
	ASSERT_EQ(0, DETACH(FD(3)));
	ASSERT_HOOK(7, ID(2), ID(1));
	ASSERT_EQ(0, DETACH(FD(2)));
	ASSERT_HOOK(8, ID(1));
	ASSERT_EQ(0, DETACH(FD(1)));
	ASSERT_EMPTY();
}

/* 9. AFTER without a relative program appends. */
TEST_F(tc_opts, append)
{
	ASSERT_EQ(0, ATTACH(FD(1)));
	ASSERT_HOOK(2, ID(1));

	ASSERT_EQ(0, ATTACH(FD(2), .flags = TCX_F_AFTER));
	ASSERT_HOOK(3, ID(1), ID(2));

	ASSERT_EQ(0, ATTACH(FD(3), .flags = TCX_F_AFTER));
	ASSERT_EQ(0, ATTACH(FD(4), .flags = TCX_F_AFTER));
	ASSERT_HOOK(5, ID(1), ID(2), ID(3), ID(4));

	ASSERT_EQ(0, DETACH(FD(4)));
	ASSERT_HOOK(6, ID(1), ID(2), ID(3));
	ASSERT_EQ(0, DETACH(FD(3)));
	ASSERT_HOOK(7, ID(1), ID(2));
	ASSERT_EQ(0, DETACH(FD(2)));
	ASSERT_HOOK(8, ID(1));
	ASSERT_EQ(0, DETACH(FD(1)));
	ASSERT_EMPTY();
}

/*
 * 10. Deleting a device with programs on it releases them: the query on the
 * old ifindex says ENODEV, and no program is kept alive by the hook.
 */
TEST_F(tc_opts, dev_cleanup)
{
	int i, ret;

	ret = tcx_run("ip link add name tcx_opts1 type veth peer name tcx_opts2");
	ASSERT_EQ(0, ret) TH_LOG("cannot create the veth pair");
	self->ifindex = if_nametoindex("tcx_opts1");
	ASSERT_NE(0, self->ifindex);

	for (i = 1; i <= 4; i++) {
		ASSERT_EQ(0, ATTACH(FD(i)));
		ASSERT_EQ((unsigned int)i, hook_count(self->ifindex, self->dir));
	}
	ASSERT_HOOK(5, ID(1), ID(2), ID(3), ID(4));

	/* From now on, only the hook holds tc1..tc4. */
	bpf_object__close(self->obj);
	self->obj = NULL;
	for (i = 1; i <= 4; i++) {
		ASSERT_TRUE(tcx_prog_id_alive(ID(i)))
			TH_LOG("tc%d is gone while attached", i);
	}
	ASSERT_TRUE(tcx_prog_id_released(ID(5)));

	ASSERT_EQ(0, tcx_run("ip link del dev tcx_opts1"));
	ASSERT_EQ(0U, if_nametoindex("tcx_opts1"));
	ASSERT_EQ(0U, if_nametoindex("tcx_opts2"));

	ASSERT_EQ(-ENODEV, tcx_query(self->ifindex, self->dir,
				     &(struct tcx_query){
					.sz = sizeof(struct tcx_query) }));
	for (i = 1; i <= 4; i++) {
		ASSERT_TRUE(tcx_prog_id_released(ID(i)))
			TH_LOG("tc%d (id %u) outlives its device", i, ID(i));
	}
	self->ifindex = LO_IFINDEX;
}

/* 13. Detach by position: first, last, and on an empty hook. */
TEST_F(tc_opts, detach)
{
	int i;

	for (i = 1; i <= 4; i++) {
		ASSERT_EQ(0, ATTACH(FD(i)));
	}
	ASSERT_HOOK(5, ID(1), ID(2), ID(3), ID(4));

	ASSERT_EQ(0, DETACH(0, .flags = TCX_F_BEFORE));
	ASSERT_HOOK(6, ID(2), ID(3), ID(4));

	ASSERT_EQ(0, DETACH(0, .flags = TCX_F_AFTER));
	ASSERT_HOOK(7, ID(2), ID(3));

	ASSERT_EQ(0, DETACH(FD(3)));
	ASSERT_HOOK(8, ID(2));
	ASSERT_EQ(0, DETACH(FD(2)));
	ASSERT_EMPTY();

	ASSERT_EQ(-ENOENT, DETACH(0, .flags = TCX_F_BEFORE));
	ASSERT_EQ(-ENOENT, DETACH(0, .flags = TCX_F_AFTER));
	ASSERT_EMPTY();
}

/* 14. Detach with BEFORE: the relative program must follow directly. */
TEST_F(tc_opts, detach_before)
{
	int i;

	for (i = 1; i <= 4; i++) {
		ASSERT_EQ(0, ATTACH(FD(i)));
	}
	ASSERT_HOOK(5, ID(1), ID(2), ID(3), ID(4));

	ASSERT_EQ(0, DETACH(FD(1), .flags = TCX_F_BEFORE,
			    .relative_fd = FD(2)));
	ASSERT_HOOK(6, ID(2), ID(3), ID(4));

	ASSERT_EQ(-ENOENT, DETACH(FD(1), .flags = TCX_F_BEFORE,
				  .relative_fd = FD(2)));
	ASSERT_HOOK(6, ID(2), ID(3), ID(4));
	ASSERT_EQ(-ERANGE, DETACH(FD(2), .flags = TCX_F_BEFORE,
				  .relative_fd = FD(4)));
	ASSERT_HOOK(6, ID(2), ID(3), ID(4));
	ASSERT_EQ(-ENOENT, DETACH(FD(2), .flags = TCX_F_BEFORE,
				  .relative_fd = FD(1)));
	ASSERT_HOOK(6, ID(2), ID(3), ID(4));

	ASSERT_EQ(0, DETACH(FD(2), .flags = TCX_F_BEFORE,
			    .relative_fd = FD(3)));
	ASSERT_HOOK(7, ID(3), ID(4));

	ASSERT_EQ(0, DETACH(0, .flags = TCX_F_BEFORE, .relative_fd = FD(4)));
	ASSERT_HOOK(8, ID(4));

	ASSERT_EQ(0, DETACH(0, .flags = TCX_F_BEFORE));
	ASSERT_EMPTY();
}

/* 15. Detach with AFTER: the relative program must precede directly. */
TEST_F(tc_opts, detach_after)
{
	int i;

	for (i = 1; i <= 4; i++) {
		ASSERT_EQ(0, ATTACH(FD(i)));
	}
	ASSERT_HOOK(5, ID(1), ID(2), ID(3), ID(4));

	ASSERT_EQ(0, DETACH(FD(2), .flags = TCX_F_AFTER,
			    .relative_fd = FD(1)));
	ASSERT_HOOK(6, ID(1), ID(3), ID(4));

	ASSERT_EQ(-ENOENT, DETACH(FD(2), .flags = TCX_F_AFTER,
				  .relative_fd = FD(1)));
	ASSERT_HOOK(6, ID(1), ID(3), ID(4));
	ASSERT_EQ(-ERANGE, DETACH(FD(1), .flags = TCX_F_AFTER,
				  .relative_fd = FD(4)));
	ASSERT_HOOK(6, ID(1), ID(3), ID(4));
	ASSERT_EQ(-ERANGE, DETACH(FD(1), .flags = TCX_F_AFTER,
				  .relative_fd = FD(3)));
	ASSERT_HOOK(6, ID(1), ID(3), ID(4));
	ASSERT_EQ(-ERANGE, DETACH(FD(1), .flags = TCX_F_AFTER,
				  .relative_fd = FD(1)));
	ASSERT_HOOK(6, ID(1), ID(3), ID(4));

	ASSERT_EQ(0, DETACH(FD(3), .flags = TCX_F_AFTER,
			    .relative_fd = FD(1)));
	ASSERT_HOOK(7, ID(1), ID(4));

	ASSERT_EQ(0, DETACH(0, .flags = TCX_F_AFTER, .relative_fd = FD(1)));
	ASSERT_HOOK(8, ID(1));

	ASSERT_EQ(0, DETACH(0, .flags = TCX_F_AFTER));
	ASSERT_EMPTY();
}

/* 16. A positional detach on a hook that never had a program. */
TEST_F(tc_opts, delete_empty)
{
	ASSERT_EMPTY();
	ASSERT_EQ(-ENOENT, DETACH(0));
	ASSERT_EQ(-ENOENT, tcx_prog_detach(self->ifindex, self->dir, 0, NULL));
	ASSERT_EQ(-ENOENT, DETACH(FD(1)));
	ASSERT_EMPTY();
}

/*
 * 18. At most TCX_MAX_PROGS programs: the 64th fails with ERANGE wherever
 * it is asked to go, a REPLACE still works, and deleting the device
 * releases them all.
 */
TEST_F_TIMEOUT(tc_opts, max, 300)
{
	__u32 ids[TCX_MAX_PROGS], extra_id, replaced_id;
	int first_fd = -1, last_fd = -1, extra_fd, fd, i, ret;
	LIBTCX_OPTS(tcx_query, q);
	const struct {
		__u32 flags;
		int rel;	/* relative program: -1 none, else ids[rel] */
	} full[] = {
		{ 0, -1 },
		{ TCX_F_BEFORE, -1 },
		{ TCX_F_AFTER, -1 },
		{ TCX_F_BEFORE, TCX_MAX_PROGS - 1 },
		{ TCX_F_AFTER, TCX_MAX_PROGS - 1 },
		{ TCX_F_BEFORE, 0 },
		{ TCX_F_AFTER, TCX_MAX_PROGS / 2 },
	};

	ret = tcx_run("ip link add name tcx_max1 type veth peer name tcx_max2");
	ASSERT_EQ(0, ret) TH_LOG("cannot create the veth pair");
	self->ifindex = if_nametoindex("tcx_max1");
	ASSERT_NE(0, self->ifindex);

	for (i = 0; i < TCX_MAX_PROGS; i++) {
		fd = tcx_load_dummy();
		ASSERT_LE(0, fd) TH_LOG("load dummy %d: %s", i, strerror(-fd));
		ids[i] = tcx_prog_id(fd);
		ASSERT_NE(0U, ids[i]);
		ret = tcx_prog_attach(self->ifindex, self->dir, fd, NULL);
		ASSERT_EQ(0, ret) TH_LOG("attach %d: %s", i, strerror(-ret));
		ASSERT_EQ((unsigned int)i + 1,
			  hook_count(self->ifindex, self->dir));
		/* The hook holds the others: keep fds only for what follows. */
		if (i == 0)
			first_fd = fd;
		else if (i == TCX_MAX_PROGS - 1)
			last_fd = fd;
		else
			close(fd);
	}
	ASSERT_EQ(0, tcx_query(self->ifindex, self->dir, &q));
	ASSERT_EQ((__u32)TCX_MAX_PROGS, q.count);
	ASSERT_EQ((__u64)TCX_MAX_PROGS + 1, q.revision);

	extra_fd = tcx_load_dummy();
	ASSERT_LE(0, extra_fd);
	extra_id = tcx_prog_id(extra_fd);
	ASSERT_NE(0U, extra_id);

	for (i = 0; i < (int)ARRAY_SIZE(full); i++) {
		ret = ATTACH(extra_fd, .flags = full[i].flags,
			     .relative_id = full[i].rel < 0 ? 0 :
					    ids[full[i].rel]);
		ASSERT_EQ(-ERANGE, ret)
			TH_LOG("64th program, flags %#x, relative %d: %s",
			       full[i].flags, full[i].rel, strerror(-ret));
	}
	ASSERT_EQ(-ERANGE, ATTACH(extra_fd, .flags = TCX_F_BEFORE,
				  .relative_fd = last_fd));
	ASSERT_EQ(-ERANGE, ATTACH(extra_fd, .flags = TCX_F_AFTER,
				  .relative_fd = last_fd));
	ASSERT_EQ(0, tcx_query(self->ifindex, self->dir, &q));
	ASSERT_EQ((__u32)TCX_MAX_PROGS, q.count);
	ASSERT_EQ((__u64)TCX_MAX_PROGS + 1, q.revision);

	/* A full hook still takes a replacement, in place. */
	ASSERT_EQ(0, ATTACH(extra_fd, .flags = TCX_F_REPLACE,
			    .replace_prog_fd = last_fd));
	replaced_id = ids[TCX_MAX_PROGS - 1];
	ids[TCX_MAX_PROGS - 1] = extra_id;
	check_hook(_metadata, __LINE__, self->ifindex, self->dir,
		   TCX_MAX_PROGS + 2, ids, TCX_MAX_PROGS);

	/* The replaced program lost the hook's reference, the others not. */
	close(last_fd);
	close(first_fd);
	close(extra_fd);
	ASSERT_TRUE(tcx_prog_id_released(replaced_id));
	ASSERT_TRUE(tcx_prog_id_alive(ids[0]));
	ASSERT_TRUE(tcx_prog_id_alive(extra_id));

	ASSERT_EQ(0, tcx_run("ip link del dev tcx_max1"));
	ASSERT_EQ(-ENODEV, tcx_query(self->ifindex, self->dir, &q));
	for (i = 0; i < TCX_MAX_PROGS; i++) {
		ASSERT_TRUE(tcx_prog_id_released(ids[i]))
			TH_LOG("program %d (id %u) outlives its device",
			       i, ids[i]);
	}
	self->ifindex = LO_IFINDEX;
}

/* 19. Query with and without arrays, short arrays. */
TEST_F(tc_opts, query)
{
	__u32 ids[10], i;
	LIBTCX_OPTS(tcx_query, q);

	for (i = 1; i <= 4; i++) {
		ASSERT_EQ(0, ATTACH(FD(i), .expected_revision = i));
	}

	/* No arrays: the count and the revision only. */
	ASSERT_EQ(0, tcx_query(self->ifindex, self->dir, &q));
	ASSERT_EQ(4U, q.count);
	ASSERT_EQ(5ULL, q.revision);
	ASSERT_EQ(NULL, q.prog_ids);
	ASSERT_EQ(NULL, q.link_ids);

	/* The count just read back is the right capacity. */
	for (i = 0; i < 10; i++)
		ids[i] = POISON;
	q.prog_ids = ids;
	ASSERT_EQ(0, tcx_query(self->ifindex, self->dir, &q));
	ASSERT_EQ(4U, q.count);
	ASSERT_EQ(5ULL, q.revision);
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(ID(i + 1), ids[i]);
	}
	ASSERT_EQ(POISON, ids[4]);
	ASSERT_EQ(NULL, q.link_ids);

	/* Too small: what fits, ENOSPC, and the total in count. */
	for (i = 0; i < 10; i++)
		ids[i] = POISON;
	q.count = 2;
	q.revision = 0;
	errno = 0;
	ASSERT_EQ(-ENOSPC, tcx_query(self->ifindex, self->dir, &q));
	ASSERT_EQ(ENOSPC, errno);
	ASSERT_EQ(4U, q.count);
	ASSERT_EQ(5ULL, q.revision);
	ASSERT_EQ(ID(1), ids[0]);
	ASSERT_EQ(ID(2), ids[1]);
	ASSERT_EQ(POISON, ids[2]);
	ASSERT_EQ(POISON, ids[3]);

	/* Room to spare. */
	for (i = 0; i < 10; i++)
		ids[i] = POISON;
	q.count = 10;
	ASSERT_EQ(0, tcx_query(self->ifindex, self->dir, &q));
	ASSERT_EQ(4U, q.count);
	ASSERT_EQ(5ULL, q.revision);
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(ID(i + 1), ids[i]);
	}
	ASSERT_EQ(POISON, ids[4]);

	/* A capacity without arrays, and arrays without capacity. */
	q.prog_ids = NULL;
	q.count = 40;
	ASSERT_EQ(0, tcx_query(self->ifindex, self->dir, &q));
	ASSERT_EQ(4U, q.count);
	ASSERT_EQ(5ULL, q.revision);

	for (i = 0; i < 10; i++)
		ids[i] = POISON;
	q.prog_ids = ids;
	q.count = 0;
	ASSERT_EQ(0, tcx_query(self->ifindex, self->dir, &q));
	ASSERT_EQ(4U, q.count);
	ASSERT_EQ(5ULL, q.revision);
	ASSERT_EQ(POISON, ids[0]);

	/* link_ids alone is not filled: prog_ids decides. */
	q.prog_ids = NULL;
	q.link_ids = ids;
	q.count = 10;
	ASSERT_EQ(0, tcx_query(self->ifindex, self->dir, &q));
	ASSERT_EQ(4U, q.count);
	ASSERT_EQ(POISON, ids[0]);

	ASSERT_HOOK(5, ID(1), ID(2), ID(3), ID(4));
	ASSERT_EQ(0, DETACH(FD(4)));
	ASSERT_EQ(0, DETACH(FD(3)));
	ASSERT_EQ(0, DETACH(FD(2)));
	ASSERT_EQ(0, DETACH(FD(1)));
	ASSERT_EMPTY();
}

/*
 * 19, the raw part: TCX_IOC_QUERY writes back count, revision and zero
 * flags only, fills what fits before ENOSPC, and takes no query or attach
 * flags.  (Upstream checks the same on bpf(BPF_PROG_QUERY).)
 */
TEST_F(tc_opts, query_ioctl)
{
	struct tcx_query_args args;
	int tcx_fd, ret;
	__u32 ids[10], i;

	TCX_MODULE_ONLY("/dev/tcx");
	tcx_fd = tcx_dev_fd();
	ASSERT_LE(0, tcx_fd);
	for (i = 1; i <= 4; i++) {
		ASSERT_EQ(0, ATTACH(FD(i), .expected_revision = i));
	}

	memset(&args, 0, sizeof(args));
	args.size = sizeof(args);
	args.ifindex = self->ifindex;
	args.direction = self->dir;
	ASSERT_EQ(0, ioctl(tcx_fd, TCX_IOC_QUERY, &args));
	ASSERT_EQ(sizeof(args), args.size);
	ASSERT_EQ((__u32)self->ifindex, args.ifindex);
	ASSERT_EQ(self->dir, args.direction);
	ASSERT_EQ(0U, args.query_flags);
	ASSERT_EQ(0U, args.attach_flags);
	ASSERT_EQ(4U, args.count);
	ASSERT_EQ(5ULL, args.revision);
	ASSERT_EQ(0ULL, args.prog_ids);
	ASSERT_EQ(0ULL, args.prog_attach_flags);
	ASSERT_EQ(0ULL, args.link_ids);
	ASSERT_EQ(0ULL, args.link_attach_flags);

	for (i = 0; i < 10; i++)
		ids[i] = POISON;
	args.prog_ids = (__u64)(uintptr_t)ids;
	ASSERT_EQ(0, ioctl(tcx_fd, TCX_IOC_QUERY, &args));
	ASSERT_EQ(4U, args.count);
	ASSERT_EQ(5ULL, args.revision);
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(ID(i + 1), ids[i]);
	}
	ASSERT_EQ(POISON, ids[4]);
	ASSERT_EQ((__u64)(uintptr_t)ids, args.prog_ids);
	ASSERT_EQ(0ULL, args.prog_attach_flags);
	ASSERT_EQ(0ULL, args.link_ids);
	ASSERT_EQ(0ULL, args.link_attach_flags);

	/* Too small: what fits, ENOSPC, and the total in count. */
	args.count = 1;
	args.revision = 0;
	for (i = 0; i < 10; i++)
		ids[i] = POISON;
	ret = ioctl(tcx_fd, TCX_IOC_QUERY, &args);
	ASSERT_EQ(-1, ret);
	ASSERT_EQ(ENOSPC, errno);
	ASSERT_EQ(4U, args.count);
	ASSERT_EQ(5ULL, args.revision);
	ASSERT_EQ(ID(1), ids[0]);
	ASSERT_EQ(POISON, ids[1]);

	/* query_flags and attach_flags are inputs that must be zero. */
	memset(&args, 0, sizeof(args));
	args.size = sizeof(args);
	args.ifindex = self->ifindex;
	args.direction = self->dir;
	args.query_flags = 1;
	ASSERT_EQ(-1, ioctl(tcx_fd, TCX_IOC_QUERY, &args));
	ASSERT_EQ(EINVAL, errno);
	args.query_flags = 0;
	args.attach_flags = 1;
	ASSERT_EQ(-1, ioctl(tcx_fd, TCX_IOC_QUERY, &args));
	ASSERT_EQ(EINVAL, errno);

	ASSERT_HOOK(5, ID(1), ID(2), ID(3), ID(4));
}

/* 20. An unused hook answers count 0, revision 1, and takes revision 1. */
TEST_F(tc_opts, query_attach)
{
	LIBTCX_OPTS(tcx_query, q);

	ASSERT_EQ(0, tcx_query(self->ifindex, self->dir, &q));
	ASSERT_EQ(0U, q.count);
	ASSERT_EQ(1ULL, q.revision);

	ASSERT_EQ(0, ATTACH(FD(1), .expected_revision = 1));
	ASSERT_HOOK(2, ID(1));

	ASSERT_EQ(0, DETACH(FD(1)));
	ASSERT_EMPTY();
}

/*
 * Beyond upstream's tc_opts.c: what the bpf() syscall checks before mprog
 * on native tcx, the rest of the placement rules, and program references.
 */

/* One program may sit on both directions; each hook keeps its own order. */
TEST_F(tc_opts, both_directions)
{
	ASSERT_EQ(0, tcx_prog_attach(self->ifindex, self->dir, FD(1), NULL));
	ASSERT_EQ(0, tcx_prog_attach(self->ifindex, self->other, FD(1), NULL));
	ASSERT_HOOK(2, ID(1));
	ASSERT_HOOK_DIR(self->other, 2, ID(1));

	/* A relative program on the other direction does not count. */
	ASSERT_EQ(0, ATTACH(FD(2), .flags = TCX_F_BEFORE, .relative_fd = FD(1)));
	ASSERT_HOOK(3, ID(2), ID(1));
	ASSERT_EQ(-ENOENT, tcx_prog_attach(self->ifindex, self->other, FD(3),
		  &(struct tcx_opts){ .sz = sizeof(struct tcx_opts),
				      .flags = TCX_F_AFTER,
				      .relative_fd = FD(2) }));
	ASSERT_HOOK_DIR(self->other, 2, ID(1));

	ASSERT_EQ(0, tcx_prog_detach(self->ifindex, self->other, FD(1), NULL));
	ASSERT_EMPTY_DIR(self->other);
	ASSERT_HOOK(3, ID(2), ID(1));
	ASSERT_EQ(-ENOENT, tcx_prog_detach(self->ifindex, self->other, FD(1),
					   NULL));

	ASSERT_EQ(0, DETACH(FD(1)));
	ASSERT_EQ(0, DETACH(FD(2)));
	ASSERT_EMPTY();
}

/* REPLACE: the program to replace must be there, and any anchor adjacent. */
TEST_F(tc_opts, replace_rules)
{
	int xdp_fd;

	ASSERT_EQ(0, ATTACH(FD(1)));
	ASSERT_EQ(0, ATTACH(FD(2)));
	ASSERT_HOOK(3, ID(1), ID(2));

	ASSERT_EQ(-ENOENT, ATTACH(FD(4), .flags = TCX_F_REPLACE,
				  .replace_prog_fd = FD(3)));
	ASSERT_EQ(-ERANGE, ATTACH(FD(3), .flags = TCX_F_REPLACE | TCX_F_BEFORE,
				  .replace_prog_fd = FD(1)));
	ASSERT_EQ(-ERANGE, ATTACH(FD(3), .flags = TCX_F_REPLACE | TCX_F_AFTER,
				  .replace_prog_fd = FD(2)));
	ASSERT_EQ(-ERANGE, ATTACH(FD(3), .flags = TCX_F_REPLACE | TCX_F_BEFORE,
				  .replace_prog_fd = FD(2),
				  .relative_fd = FD(1)));
	ASSERT_EQ(-ENOENT, ATTACH(FD(3), .flags = TCX_F_REPLACE | TCX_F_AFTER,
				  .replace_prog_fd = FD(2),
				  .relative_fd = FD(4)));
	ASSERT_EQ(-EEXIST, ATTACH(FD(1), .flags = TCX_F_REPLACE,
				  .replace_prog_fd = FD(2)));
	ASSERT_EQ(-ESTALE, ATTACH(FD(3), .flags = TCX_F_REPLACE,
				  .replace_prog_fd = FD(2),
				  .expected_revision = 2));
	ASSERT_HOOK(3, ID(1), ID(2));

	/* replace_prog_fd must name a SCHED_CLS program. */
	ASSERT_EQ(-EBADF, ATTACH(FD(3), .flags = TCX_F_REPLACE,
				 .replace_prog_fd = 0x7fffffff));
	xdp_fd = tcx_load_raw_prog(BPF_PROG_TYPE_XDP, XDP_PASS);
	ASSERT_LE(0, xdp_fd) TH_LOG("load XDP: %s", strerror(-xdp_fd));
	ASSERT_EQ(-EINVAL, ATTACH(FD(3), .flags = TCX_F_REPLACE,
				  .replace_prog_fd = xdp_fd));
	close(xdp_fd);
	ASSERT_HOOK(3, ID(1), ID(2));

	ASSERT_EQ(0, ATTACH(FD(3), .flags = TCX_F_REPLACE | TCX_F_AFTER,
			    .replace_prog_fd = FD(2), .relative_fd = FD(1)));
	ASSERT_HOOK(4, ID(1), ID(3));
	ASSERT_EQ(0, ATTACH(FD(4), .flags = TCX_F_REPLACE | TCX_F_BEFORE,
			    .replace_prog_fd = FD(1), .relative_id = ID(3),
			    .expected_revision = 4));
	ASSERT_HOOK(5, ID(4), ID(3));
}

/* Detach: the rest of the table of positional and relative detaches. */
TEST_F(tc_opts, detach_rules)
{
	int i;

	for (i = 1; i <= 4; i++) {
		ASSERT_EQ(0, ATTACH(FD(i)));
	}
	ASSERT_HOOK(5, ID(1), ID(2), ID(3), ID(4));

	/* No program and no flag: the last one. */
	ASSERT_EQ(0, DETACH(0));
	ASSERT_HOOK(6, ID(1), ID(2), ID(3));

	ASSERT_EQ(-EINVAL, DETACH(FD(1), .flags = TCX_F_REPLACE));
	ASSERT_EQ(-EINVAL, DETACH(0, .relative_fd = FD(2)));
	ASSERT_EQ(-ERANGE, DETACH(FD(1), .flags = TCX_F_BEFORE));
	ASSERT_EQ(-ERANGE, DETACH(FD(3), .flags = TCX_F_AFTER));
	ASSERT_EQ(-ENOENT, DETACH(FD(4)));
	ASSERT_EQ(-ENOENT, DETACH(0, .flags = TCX_F_BEFORE,
				  .relative_fd = FD(4)));
	ASSERT_EQ(-ENOENT, DETACH(0, .flags = TCX_F_AFTER | TCX_F_ID));
	ASSERT_HOOK(6, ID(1), ID(2), ID(3));

	/* No program, a relative one: its neighbour. */
	ASSERT_EQ(0, DETACH(0, .flags = TCX_F_BEFORE, .relative_fd = FD(2)));
	ASSERT_HOOK(7, ID(2), ID(3));
	ASSERT_EQ(0, DETACH(0, .flags = TCX_F_AFTER, .relative_id = ID(2)));
	ASSERT_HOOK(8, ID(2));

	ASSERT_EQ(0, DETACH(0, .flags = TCX_F_BEFORE));
	ASSERT_EMPTY();
}

/* Arguments the module refuses before looking at the hook's programs. */
TEST_F(tc_opts, invalid_args)
{
	static const __u32 bad_flags[] = {
		1U << 0, 1U << 1, 1U << 6, 1U << 12, 1U << 14, 1U << 31,
	};
	LIBTCX_OPTS(tcx_query, q);
	int xdp_fd, map_fd, null_fd, bad_fd = 0x7fffffff, i, ret;
	int no_ifindex = 0x7ffffff0;
	char name[IF_NAMESIZE];

	ASSERT_EQ(0, ATTACH(FD(1)));
	ASSERT_HOOK(2, ID(1));

	/* Programs of another type, and fds that are not programs. */
	xdp_fd = tcx_load_raw_prog(BPF_PROG_TYPE_XDP, XDP_PASS);
	ASSERT_LE(0, xdp_fd) TH_LOG("load XDP: %s", strerror(-xdp_fd));
	ASSERT_EQ(-EINVAL, ATTACH(xdp_fd));
	ASSERT_EQ(-EINVAL, DETACH(xdp_fd));
	ASSERT_EQ(-EINVAL, ATTACH(FD(2), .flags = TCX_F_BEFORE,
				  .relative_fd = xdp_fd));
	map_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, NULL, 4, 4, 1, NULL);
	ASSERT_LE(0, map_fd);
	ASSERT_EQ(-EINVAL, ATTACH(map_fd));
	null_fd = open("/dev/null", O_RDONLY);
	ASSERT_LE(0, null_fd);
	ASSERT_EQ(-EINVAL, ATTACH(null_fd));
	ASSERT_EQ(-EINVAL, DETACH(null_fd));
	close(map_fd);
	close(null_fd);
	close(xdp_fd);
	ASSERT_HOOK(2, ID(1));

	/* fds that are not open. */
	ASSERT_EQ(-1, fcntl(bad_fd, F_GETFD));
	ASSERT_EQ(-EBADF, ATTACH(bad_fd));
	ASSERT_EQ(-EBADF, DETACH(bad_fd));
	ASSERT_EQ(-EBADF, ATTACH(FD(2), .flags = TCX_F_BEFORE,
				 .relative_fd = bad_fd));
	ASSERT_HOOK(2, ID(1));

	/* Flag bits outside TCX_F_ATTACH_MASK, e.g. BPF_F_ALLOW_MULTI. */
	for (i = 0; i < (int)ARRAY_SIZE(bad_flags); i++) {
		ASSERT_EQ(0U, bad_flags[i] & TCX_F_ATTACH_MASK);
		ret = ATTACH(FD(2), .flags = bad_flags[i]);
		ASSERT_EQ(-EINVAL, ret)
			TH_LOG("attach with flags %#x: %d", bad_flags[i], ret);
		ret = DETACH(FD(1), .flags = bad_flags[i]);
		ASSERT_EQ(-EINVAL, ret)
			TH_LOG("detach with flags %#x: %d", bad_flags[i], ret);
		ret = DETACH(0, .flags = bad_flags[i]);
		ASSERT_EQ(-EINVAL, ret)
			TH_LOG("positional detach, flags %#x: %d",
			       bad_flags[i], ret);
	}
	ASSERT_HOOK(2, ID(1));

	/* Devices that do not exist in this namespace. */
	ASSERT_EQ(NULL, if_indextoname(no_ifindex, name));
	ASSERT_EQ(-ENODEV, tcx_prog_attach(no_ifindex, self->dir, FD(2), NULL));
	ASSERT_EQ(-ENODEV, tcx_prog_detach(no_ifindex, self->dir, FD(1), NULL));
	ASSERT_EQ(-ENODEV, tcx_prog_detach(no_ifindex, self->dir, 0, NULL));
	ASSERT_EQ(-ENODEV, tcx_query(no_ifindex, self->dir, &q));
	ASSERT_EQ(-ENODEV, tcx_prog_attach(0, self->dir, FD(2), NULL));
	ASSERT_EQ(-ENODEV, tcx_query(0, self->dir, &q));

	/* Directions other than ingress and egress. */
	ASSERT_EQ(-EINVAL, tcx_prog_attach(self->ifindex, 2, FD(2), NULL));
	ASSERT_EQ(-EINVAL, tcx_prog_detach(self->ifindex, 2, FD(1), NULL));
	ASSERT_EQ(-EINVAL, tcx_prog_detach(self->ifindex, 2, 0, NULL));
	ASSERT_EQ(-EINVAL, tcx_query(self->ifindex, 2, &q));
	ASSERT_EQ(-EINVAL, tcx_prog_attach(self->ifindex, (enum tcx_dir)-1,
					   FD(2), NULL));
	ASSERT_EQ(-EINVAL, tcx_query(self->ifindex, (enum tcx_dir)-1, &q));

	ASSERT_HOOK(2, ID(1));
	ASSERT_EMPTY_DIR(self->other);
}

/* TCX_F_LINK asks for a link as the relative object: a program will not do. */
TEST_F(tc_opts, invalid_link_relative)
{
	ASSERT_EQ(-EINVAL, ATTACH(FD(1), .flags = TCX_F_LINK));
	ASSERT_EQ(-EINVAL, ATTACH(FD(1), .flags = TCX_F_BEFORE | TCX_F_LINK,
				  .relative_fd = FD(2)));
	ASSERT_EQ(-ENOENT, ATTACH(FD(1), .flags = TCX_F_BEFORE | TCX_F_LINK,
				  .relative_id = ~0U));
	ASSERT_EMPTY();

	ASSERT_EQ(0, ATTACH(FD(2)));
	ASSERT_EQ(-EINVAL, ATTACH(FD(1), .flags = TCX_F_AFTER | TCX_F_LINK,
				  .relative_fd = FD(2)));
	ASSERT_EQ(-EINVAL, DETACH(0, .flags = TCX_F_AFTER | TCX_F_LINK,
				  .relative_fd = FD(2)));
	ASSERT_HOOK(2, ID(2));
}

/*
 * The hook holds one reference per attached program: it keeps a program
 * alive after its last fd is closed, and drops it on detach, on replace,
 * and never takes one on a failed attach.
 */
TEST_F(tc_opts, prog_refs)
{
	int fd[4], i;
	__u32 id[4];

	for (i = 0; i < 4; i++) {
		fd[i] = tcx_load_dummy();
		ASSERT_LE(0, fd[i]) TH_LOG("load: %s", strerror(-fd[i]));
		id[i] = tcx_prog_id(fd[i]);
		ASSERT_NE(0U, id[i]);
	}

	ASSERT_EQ(0, ATTACH(fd[0]));
	ASSERT_EQ(0, ATTACH(fd[1]));
	ASSERT_HOOK(3, id[0], id[1]);
	close(fd[0]);
	ASSERT_TRUE(tcx_prog_id_alive(id[0]));

	ASSERT_EQ(0, ATTACH(fd[2], .flags = TCX_F_REPLACE,
			    .replace_prog_fd = fd[1]));
	ASSERT_HOOK(4, id[0], id[2]);
	close(fd[1]);
	ASSERT_TRUE(tcx_prog_id_released(id[1]))
		TH_LOG("a replaced program is still referenced");

	ASSERT_EQ(-ESTALE, ATTACH(fd[3], .expected_revision = 1));
	ASSERT_EQ(-EEXIST, ATTACH(fd[2]));
	close(fd[3]);
	ASSERT_TRUE(tcx_prog_id_released(id[3]))
		TH_LOG("a failed attach kept a reference");

	ASSERT_EQ(0, DETACH(fd[2]));
	close(fd[2]);
	ASSERT_TRUE(tcx_prog_id_released(id[2]))
		TH_LOG("a detached program is still referenced");
	ASSERT_HOOK(5, id[0]);

	ASSERT_TRUE(tcx_prog_id_alive(id[0]));
	ASSERT_EQ(0, DETACH(0, .flags = TCX_F_BEFORE));
	ASSERT_EMPTY();
	ASSERT_TRUE(tcx_prog_id_released(id[0]))
		TH_LOG("a program detached by position is still referenced");
}

/* TCX_HOOK_F_LIVE: the hook is in the data path while it has programs. */
TEST_F(tc_opts, hook_flags)
{
	LIBTCX_OPTS(tcx_query, q);

	TCX_MODULE_ONLY("hook flags");
	ASSERT_EQ(0, tcx_query(self->ifindex, self->dir, &q));
	ASSERT_EQ(0U, q.unavailable);

	ASSERT_EQ(0, tcx_query(self->ifindex, self->dir, &q));
	ASSERT_EQ(0U, q.hook_flags);

	ASSERT_EQ(0, ATTACH(FD(1)));
	ASSERT_EQ(0, tcx_query(self->ifindex, self->dir, &q));
	ASSERT_EQ(TCX_HOOK_F_LIVE, q.hook_flags);
	ASSERT_EQ(0, tcx_query(self->ifindex, self->other, &q));
	ASSERT_EQ(0U, q.hook_flags);

	ASSERT_EQ(0, ATTACH(FD(2)));
	ASSERT_EQ(0, DETACH(FD(1)));
	ASSERT_EQ(0, tcx_query(self->ifindex, self->dir, &q));
	ASSERT_EQ(TCX_HOOK_F_LIVE, q.hook_flags);

	ASSERT_EQ(0, DETACH(FD(2)));
	ASSERT_EQ(0, tcx_query(self->ifindex, self->dir, &q));
	ASSERT_EQ(0U, q.hook_flags);
}

/*
 * What the backend cannot report is zero and said to be missing: native tcx
 * has neither hook flags nor counters; tcx.ko has both.
 */
TEST_F(tc_opts, query_unavailable)
{
	const __u32 none = TCX_QUERY_NO_HOOK_FLAGS | TCX_QUERY_NO_STATS;
	struct tcx_hook_stats zero;
	LIBTCX_OPTS(tcx_query, q);

	memset(&zero, 0, sizeof(zero));
	ASSERT_EQ(0, ATTACH(FD(1)));
	q.unavailable = POISON;
	ASSERT_EQ(0, tcx_query(self->ifindex, self->dir, &q));
	ASSERT_EQ(1U, q.count);
	if (tcx_test_native()) {
		ASSERT_EQ(none, q.unavailable);
		ASSERT_EQ(0U, q.hook_flags);
		ASSERT_EQ(0, memcmp(&zero, &q.stats, sizeof(zero)));
	} else {
		ASSERT_EQ(0U, q.unavailable);
		ASSERT_EQ(TCX_HOOK_F_LIVE, q.hook_flags);
	}

	/* A caller that predates the field gets nothing written there. */
	q.sz = offsetof(struct tcx_query, unavailable);
	q.unavailable = POISON;
	ASSERT_EQ(0, tcx_query(self->ifindex, self->dir, &q));
	ASSERT_EQ(POISON, q.unavailable);
}

/* libtcx's own rules: opts sizes, relative_fd vs relative_id, errno. */
TEST_F(tc_opts, libtcx_opts)
{
	struct {
		struct tcx_opts opts;
		__u64 tail;
	} big;
	struct {
		struct tcx_query q;
		__u64 tail;
	} bigq;
	struct tcx_opts old;

	/* sz must cover at least itself. */
	errno = 0;
	ASSERT_EQ(-EINVAL, tcx_prog_attach(self->ifindex, self->dir, FD(1),
					   &(struct tcx_opts){ .sz = 0 }));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(-EINVAL, tcx_prog_detach(self->ifindex, self->dir, FD(1),
		  &(struct tcx_opts){ .sz = sizeof(size_t) - 1 }));
	ASSERT_EQ(-EINVAL, tcx_query(self->ifindex, self->dir,
				     &(struct tcx_query){ .sz = 0 }));
	ASSERT_EQ(-EINVAL, tcx_query(self->ifindex, self->dir, NULL));

	/* A newer caller's larger struct: fine while the tail is zero. */
	memset(&big, 0, sizeof(big));
	big.opts.sz = sizeof(big);
	big.tail = 1;
	ASSERT_EQ(-EINVAL, tcx_prog_attach(self->ifindex, self->dir, FD(1),
					   &big.opts));
	ASSERT_EMPTY();
	big.tail = 0;
	ASSERT_EQ(0, tcx_prog_attach(self->ifindex, self->dir, FD(1),
				     &big.opts));
	ASSERT_HOOK(2, ID(1));

	memset(&bigq, 0, sizeof(bigq));
	bigq.q.sz = sizeof(bigq);
	bigq.tail = 1;
	ASSERT_EQ(-EINVAL, tcx_query(self->ifindex, self->dir, &bigq.q));
	bigq.tail = 0;
	ASSERT_EQ(0, tcx_query(self->ifindex, self->dir, &bigq.q));
	ASSERT_EQ(1U, bigq.q.count);
	ASSERT_EQ(2ULL, bigq.q.revision);
	ASSERT_EQ(0ULL, bigq.tail);

	/* An older caller's smaller struct: what lies beyond sz is ignored. */
	memset(&old, 0xff, sizeof(old));
	old.sz = offsetofend(struct tcx_opts, flags);
	old.flags = TCX_F_BEFORE;
	ASSERT_EQ(0, tcx_prog_attach(self->ifindex, self->dir, FD(2), &old));
	ASSERT_HOOK(3, ID(2), ID(1));

	/* Relative by fd or by id, not both. */
	ASSERT_EQ(-EINVAL, ATTACH(FD(3), .flags = TCX_F_BEFORE,
				  .relative_fd = FD(1), .relative_id = ID(1)));
	ASSERT_EQ(-EINVAL, DETACH(0, .flags = TCX_F_BEFORE,
				  .relative_fd = FD(1), .relative_id = ID(1)));
	/* relative_id implies TCX_F_ID. */
	ASSERT_EQ(0, ATTACH(FD(3), .flags = TCX_F_AFTER, .relative_id = ID(2)));
	ASSERT_HOOK(4, ID(2), ID(3), ID(1));

	/* replace_prog_fd means nothing to a detach, a tag only to a link. */
	ASSERT_EQ(-EINVAL, DETACH(FD(3), .replace_prog_fd = FD(2)));
	ASSERT_EQ(-EINVAL, DETACH(FD(3), .tag = "tag"));
	ASSERT_EQ(-EINVAL, ATTACH(FD(4), .tag = "tag"));
	ASSERT_HOOK(4, ID(2), ID(3), ID(1));

	/* Errors from the kernel set errno as well. */
	errno = 0;
	ASSERT_EQ(-EEXIST, ATTACH(FD(3)));
	ASSERT_EQ(EEXIST, errno);
}

/* libtcx keeps one descriptor of /dev/tcx, not inherited across exec. */
TEST_F(tc_opts, dev_fd)
{
	int fd;

	TCX_MODULE_ONLY("/dev/tcx");
	fd = tcx_dev_fd();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ATTACH(FD(1)));
	ASSERT_EQ(fd, tcx_dev_fd());
	ASSERT_EQ(FD_CLOEXEC, fcntl(fd, F_GETFD) & FD_CLOEXEC);
}

/*
 * In a fresh process with TCX_BACKEND=ENV: the backend libtcx picks (1 or
 * 2), or 100 + its errno; and the errno of a query of lo's ingress in *err.
 */
static int backend_in_child(const char *env, int *err)
{
	int pipefd[2], status, ret;
	pid_t pid;

	if (pipe(pipefd))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		LIBTCX_OPTS(tcx_query, q);
		int b;

		setenv("TCX_BACKEND", env, 1);
		b = tcx_backend();
		ret = -tcx_query(LO_IFINDEX, TCX_DIR_INGRESS, &q);
		if (write(pipefd[1], &ret, sizeof(ret)) != sizeof(ret))
			_exit(99);
		/* Chosen once per process: the variable no longer counts. */
		setenv("TCX_BACKEND", "bogus", 1);
		if (b > 0 && tcx_backend() != b)
			_exit(98);
		_exit(b > 0 ? b : 100 - b);
	}
	close(pipefd[1]);
	if (read(pipefd[0], err, sizeof(*err)) != sizeof(*err))
		*err = -1;
	close(pipefd[0]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* Linux 6.6 brought tcx: the version says which backend auto must find. */
static bool kernel_has_tcx(void)
{
	struct utsname u;
	unsigned int major = 0, minor = 0;

	if (uname(&u) || sscanf(u.release, "%u.%u", &major, &minor) != 2)
		return false;
	return major > 6 || (major == 6 && minor >= 6);
}

/* TCX_BACKEND: auto-probe, forcing either backend, and a bad value. */
TEST(backend)
{
	int native = kernel_has_tcx(), err;

	ASSERT_EQ(native ? TCX_BACKEND_NATIVE : TCX_BACKEND_MODULE,
		  backend_in_child("", &err));
	ASSERT_EQ(0, err);

	ASSERT_EQ(TCX_BACKEND_NATIVE, backend_in_child("native", &err));
	/* 6.1's bpf() knows no BPF_TCX_INGRESS. */
	ASSERT_EQ(native ? 0 : EINVAL, err);

	ASSERT_EQ(TCX_BACKEND_MODULE, backend_in_child("module", &err));
	/* No tcx.ko where the kernel has tcx (in the test VM). */
	ASSERT_EQ(native ? ENOENT : 0, err);

	ASSERT_EQ(100 + EINVAL, backend_in_child("bogus", &err));
	ASSERT_EQ(EINVAL, err);

	ASSERT_STREQ("module", tcx_backend_name(TCX_BACKEND_MODULE));
	ASSERT_STREQ("native", tcx_backend_name(TCX_BACKEND_NATIVE));
	ASSERT_EQ(NULL, tcx_backend_name(0));
}

TEST_HARNESS_MAIN
