// SPDX-License-Identifier: GPL-2.0
/*
 * tcxctl, driven the way a user drives it: every test runs the tcxctl
 * binary (fork and exec, stdout and stderr captured) and checks what it
 * printed and its exit status against the hooks' real state, read with
 * libtcx and libbpf.  A command that fails must exit with 1, print exactly
 * one line on stderr ("tcxctl: COMMAND: why"), nothing on stdout, and
 * leave nothing attached or loaded.
 *
 * Each test runs in network and mount namespaces of its own, with a veth
 * pair ctl0/ctl1 (both down, so no packet moves the counters) and a
 * private bpffs.  tcxctl is $TCXCTL, else ../ctl/tcxctl next to this
 * binary; the BPF objects are found as tcx_test.h says.
 */
#define _GNU_SOURCE
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <net/if.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <linux/magic.h>
#include <json-c/json.h>

#include "tcx_test.h"

#define CTL_OUT_MAX	(64 * 1024)
#define CTL_MAX_ARGS	48
#define CTL_MAX_LINKS	32

FIXTURE(ctl) {
	char tcxctl[PATH_MAX];
	char obj[PATH_MAX];		/* ctl_progs.bpf.o */
	char bpffs[64];
	int if0, if1;			/* ctl0, ctl1 */
	char out[CTL_OUT_MAX];
	char err[CTL_OUT_MAX];
	char msg[2048];
	__u32 links[CTL_MAX_LINKS];	/* unpinned by the teardown */
	int nlinks;
};

typedef FIXTURE_DATA(ctl) ctl_t;

#define ARGS(...)	((const char *const[]){ __VA_ARGS__, NULL })

/* tcxctl ARGS must succeed; returns the number it printed (an id). */
#define CTL_OK(...)	ctl_ok(_metadata, self, ARGS(__VA_ARGS__))
/* tcxctl ARGS must fail with "tcxctl: ARGS: MSG". */
#define CTL_FAIL(MSG, ...) ctl_fail(_metadata, self, MSG, true, \
				    ARGS(__VA_ARGS__))
/* tcxctl ARGS must fail with exactly LINE (a usage error). */
#define CTL_FAIL_LINE(LINE, ...) ctl_fail(_metadata, self, LINE, false, \
					  ARGS(__VA_ARGS__))
/* A message built with printf's format, for CTL_FAIL. */
#define M(...)		msgf(self, __VA_ARGS__)

/* Numbers as arguments: a ring of buffers, so that a call can use several. */
static const char *num(__u64 v)
{
	static char bufs[32][24];
	static unsigned int next;
	char *b = bufs[next++ % 32];

	snprintf(b, sizeof(bufs[0]), "%llu", (unsigned long long)v);
	return b;
}

static bool starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

static const char *msgf(ctl_t *self, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(self->msg, sizeof(self->msg), fmt, ap);
	va_end(ap);
	return self->msg;
}

static const char *join(const char *const *args)
{
	static char buf[4096];
	size_t len = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; args[i]; i++)
		len += snprintf(buf + len, sizeof(buf) - len, "%s%s",
				i ? " " : "", args[i]);
	return buf;
}

/* $TCXCTL, else the tcxctl that the build put next to this test. */
static int tcxctl_path(char *buf, size_t len)
{
	const char *env = getenv("TCXCTL");
	int ret;

	if (!env || !*env)
		return tcx_sibling_path(buf, len, "../ctl/tcxctl", R_OK);
	ret = snprintf(buf, len, "%s", env);
	if (ret < 0 || (size_t)ret >= len)
		return -ENAMETOOLONG;
	return access(buf, X_OK) ? -errno : 0;
}

/* The selftests' way first ($TCX_BPF_DIR), then next to this binary. */
static int bpf_obj_path(char *buf, size_t len, const char *name)
{
	char rel[64];

	if (!tcx_bpf_obj_path(buf, len, name))
		return 0;
	snprintf(rel, sizeof(rel), "../bpf/%s", name);
	return tcx_sibling_path(buf, len, rel, R_OK);
}

typedef void (*ctl_pre_exec)(void);

/*
 * Run the program at PATH with ARGS, PRE first in the child; stdout and
 * stderr land in self->out and self->err.  Returns the exit status,
 * 128 + signal, or -1.
 */
static int run_exec(ctl_t *self, const char *path, ctl_pre_exec pre,
		    const char *const *args)
{
	char *bufs[2] = { self->out, self->err };
	const char *argv[CTL_MAX_ARGS + 2];
	size_t len[2] = { 0, 0 };
	struct pollfd pfd[2];
	int out[2], err[2], status, i, n;
	pid_t pid;

	argv[0] = "tcxctl";
	for (n = 0; args[n] && n < CTL_MAX_ARGS; n++)
		argv[n + 1] = args[n];
	argv[n + 1] = NULL;
	self->out[0] = '\0';
	self->err[0] = '\0';

	if (pipe2(out, O_CLOEXEC))
		return -1;
	if (pipe2(err, O_CLOEXEC)) {
		close(out[0]);
		close(out[1]);
		return -1;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		dup2(out[1], STDOUT_FILENO);
		dup2(err[1], STDERR_FILENO);
		if (pre)
			pre();
		execv(path, (char **)argv);
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	pfd[0].fd = out[0];
	pfd[1].fd = err[0];
	pfd[0].events = POLLIN;
	pfd[1].events = POLLIN;
	while (pfd[0].fd >= 0 || pfd[1].fd >= 0) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (i = 0; i < 2; i++) {
			if (pfd[i].fd < 0 || !pfd[i].revents)
				continue;
			n = read(pfd[i].fd, bufs[i] + len[i],
				 CTL_OUT_MAX - 1 - len[i]);
			if (n <= 0) {
				close(pfd[i].fd);
				pfd[i].fd = -1;
				continue;
			}
			len[i] += n;
		}
	}
	for (i = 0; i < 2; i++) {
		if (pfd[i].fd >= 0)
			close(pfd[i].fd);
		bufs[i][len[i]] = '\0';
	}
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) :
				   128 + WTERMSIG(status);
}

/*
 * What tcxctl ARGS must print on stderr when it succeeds: nothing, but on
 * native tcx, which keeps no tag, a warning for a tag.
 */
static const char *ok_stderr(const char *const *args)
{
	static char buf[4096];
	int i;

	if (!tcx_test_native())
		return "";
	for (i = 0; args[i] && args[i + 1]; i++) {
		if (strcmp(args[i], "tag"))
			continue;
		snprintf(buf, sizeof(buf),
			 "tcxctl: %s: warning: native tcx keeps no tag: '%s' is not recorded\n",
			 join(args), args[i + 1]);
		return buf;
	}
	return "";
}

/* Run tcxctl ARGS, as run_exec(). */
static int ctl_exec(ctl_t *self, ctl_pre_exec pre, const char *const *args)
{
	return run_exec(self, self->tcxctl, pre, args);
}

static __u32 ctl_ok(struct __test_metadata *_metadata,
		    ctl_t *self, const char *const *args)
{
	int rc = ctl_exec(self, NULL, args);

	ASSERT_EQ(0, rc) {
		TH_LOG("tcxctl %s: exit %d, stderr: %s", join(args), rc,
		       self->err);
	}
	EXPECT_STREQ(ok_stderr(args), self->err);
	return strtoul(self->out, NULL, 10);
}

static void ctl_fail(struct __test_metadata *_metadata,
		     ctl_t *self, const char *msg, bool context,
		     const char *const *args)
{
	char expected[4096];
	int rc;

	if (context)
		snprintf(expected, sizeof(expected), "tcxctl: %s: %s\n",
			 join(args), msg);
	else
		snprintf(expected, sizeof(expected), "%s\n", msg);
	rc = ctl_exec(self, NULL, args);
	EXPECT_EQ(1, rc) {
		TH_LOG("tcxctl %s: exit %d", join(args), rc);
	}
	EXPECT_STREQ(expected, self->err);
	EXPECT_STREQ("", self->out);
}

struct hook {
	__u32 count;
	__u64 revision;
	__u32 flags;
	__u32 unavailable;		/* TCX_QUERY_NO_*: native tcx */
	struct tcx_hook_stats stats;
	__u32 ids[TCX_MAX_PROGS];
	__u32 links[TCX_MAX_PROGS];
};

static void query(struct __test_metadata *_metadata, int ifindex,
		  enum tcx_dir dir, struct hook *h)
{
	memset(h, 0, sizeof(*h));
	LIBTCX_OPTS(tcx_query, q, .count = TCX_MAX_PROGS,
		    .prog_ids = h->ids, .link_ids = h->links);
	ASSERT_EQ(0, tcx_query(ifindex, dir, &q));
	h->count = q.count;
	h->revision = q.revision;
	h->flags = q.hook_flags;
	h->unavailable = q.unavailable;
	h->stats = q.stats;
}

/* The hook holds exactly IDS, in this order. */
static void expect_progs(struct __test_metadata *_metadata, int ifindex,
			 enum tcx_dir dir, const __u32 *ids, __u32 n)
{
	struct hook h;
	__u32 i;

	query(_metadata, ifindex, dir, &h);
	ASSERT_EQ(n, h.count);
	for (i = 0; i < n; i++) {
		EXPECT_EQ(ids[i], h.ids[i]) {
			TH_LOG("slot %u", i);
		}
	}
}

#define EXPECT_PROGS(IFINDEX, DIR, ...)					\
	expect_progs(_metadata, IFINDEX, DIR, (const __u32[]){ __VA_ARGS__ }, \
		     sizeof((const __u32[]){ __VA_ARGS__ }) / sizeof(__u32))
#define EXPECT_EMPTY(IFINDEX, DIR)	expect_progs(_metadata, IFINDEX, DIR, NULL, 0)

/* A SCHED_CLS program of the test's own (kept open); its id. */
static __u32 load_dummy(struct __test_metadata *_metadata)
{
	int fd = tcx_load_dummy();
	__u32 id;

	ASSERT_LE(0, fd);
	id = tcx_prog_id(fd);
	ASSERT_NE(0U, id);
	return id;
}

static void remember_link(ctl_t *self, __u32 id)
{
	if (self->nlinks < CTL_MAX_LINKS)
		self->links[self->nlinks++] = id;
}

static bool prog_name_loaded(const char *name)
{
	struct bpf_prog_info info;
	__u32 id = 0, len;
	bool found = false;
	int fd;

	while (!found && !bpf_prog_get_next_id(id, &id)) {
		fd = bpf_prog_get_fd_by_id(id);
		if (fd < 0)
			continue;
		memset(&info, 0, sizeof(info));
		len = sizeof(info);
		if (!bpf_obj_get_info_by_fd(fd, &info, &len) &&
		    !strcmp(info.name, name))
			found = true;
		close(fd);
	}
	return found;
}

/*
 * No program named NAME is left.  Programs are freed after an RCU grace
 * period, and an earlier test's namespace is dismantled in the background:
 * give it time.
 */
static bool prog_name_gone(const char *name)
{
	const struct timespec pause = { .tv_nsec = 20 * 1000 * 1000 };
	int i;

	for (i = 0; i < 500; i++) {
		if (!prog_name_loaded(name))
			return true;
		nanosleep(&pause, NULL);
	}
	return false;
}

static void prog_meta(struct __test_metadata *_metadata, __u32 id,
		      char *name, char *tag)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);
	int fd, i;

	fd = bpf_prog_get_fd_by_id(id);
	ASSERT_LE(0, fd);
	memset(&info, 0, sizeof(info));
	ASSERT_EQ(0, bpf_obj_get_info_by_fd(fd, &info, &len));
	close(fd);
	strcpy(name, info.name);
	for (i = 0; i < BPF_TAG_SIZE; i++)
		sprintf(tag + 2 * i, "%02x", info.tag[i]);
}

static void link_info(struct __test_metadata *_metadata, __u32 id,
		      struct tcx_link_info *info)
{
	int fd = tcx_link_get_fd_by_id(id);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, tcx_link_get_info(fd, info));
	close(fd);
}

FIXTURE_SETUP(ctl)
{
	ASSERT_EQ(0, unshare(CLONE_NEWNET | CLONE_NEWNS));
	ASSERT_EQ(0, mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
	tcx_test_hold_fd0();
	ASSERT_TCX_DEV();
	ASSERT_EQ(0, tcxctl_path(self->tcxctl, sizeof(self->tcxctl)))
		TH_LOG("no tcxctl: build it (make tools) or set TCXCTL");
	ASSERT_EQ(0, bpf_obj_path(self->obj, sizeof(self->obj),
				  "ctl_progs.bpf.o"))
		TH_LOG("no ctl_progs.bpf.o: build it (make tests) or set TCX_BPF_DIR");
	strcpy(self->bpffs, "/tmp/tcxctl-bpffs.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->bpffs));
	ASSERT_EQ(0, mount("bpf", self->bpffs, "bpf", 0, NULL));
	ASSERT_EQ(0, tcx_run("ip link add name ctl0 type veth peer name ctl1"));
	self->if0 = if_nametoindex("ctl0");
	self->if1 = if_nametoindex("ctl1");
	ASSERT_NE(0, self->if0);
	ASSERT_NE(0, self->if1);
}

/* Pinned links outlive the namespace (and hold the module): unpin them. */
FIXTURE_TEARDOWN(ctl)
{
	int ifs[2] = { self->if0, self->if1 };
	struct hook h;
	int i, d, fd;
	__u32 k;

	for (i = 0; i < 2; i++) {
		for (d = TCX_DIR_INGRESS; d <= TCX_DIR_EGRESS && ifs[i]; d++) {
			memset(&h, 0, sizeof(h));
			LIBTCX_OPTS(tcx_query, q, .count = TCX_MAX_PROGS,
				    .prog_ids = h.ids, .link_ids = h.links);
			if (tcx_query(ifs[i], d, &q))
				continue;
			for (k = 0; k < q.count; k++)
				if (h.links[k])
					remember_link(self, h.links[k]);
		}
	}
	for (i = 0; i < self->nlinks; i++) {
		fd = tcx_link_get_fd_by_id(self->links[i]);
		if (fd < 0)
			continue;
		/* A pin at a path goes first, then the module's own pin. */
		tcx_link_unpin(fd);
		tcx_link_unpin(fd);
		close(fd);
	}
	if (self->bpffs[0]) {
		umount2(self->bpffs, MNT_DETACH);
		rmdir(self->bpffs);
	}
}

/* Each section name tcxctl knows, by sec; the program named in the object. */
TEST_F(ctl, attach_obj_by_section)
{
	static const struct {
		const char *sec, *name, *prog;
	} cases[] = {
		{ "tcx/ingress", NULL, "ctl_in" },
		{ "tcx/egress", NULL, "ctl_eg" },
		{ "tc/ingress", NULL, "ctl_tc_in" },
		{ "tc/egress", NULL, "ctl_tc_eg" },
		{ "tc", "ctl_tc2", "ctl_tc2" },
		{ "classifier", NULL, "ctl_cls" },
	};
	char name[BPF_OBJ_NAME_LEN], tag[32];
	__u32 ids[ARRAY_SIZE(cases)];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		if (cases[i].name)
			ids[i] = CTL_OK("attach", "ctl0", "ingress", "obj",
					self->obj, "sec", cases[i].sec, "name",
					cases[i].name);
		else
			ids[i] = CTL_OK("attach", "ctl0", "ingress", "obj",
					self->obj, "sec", cases[i].sec);
		ASSERT_NE(0U, ids[i]);
		prog_meta(_metadata, ids[i], name, tag);
		EXPECT_STREQ(cases[i].prog, name);
	}
	expect_progs(_metadata, self->if0, TCX_DIR_INGRESS, ids,
		     ARRAY_SIZE(ids));
	EXPECT_EMPTY(self->if0, TCX_DIR_EGRESS);
}

TEST_F(ctl, attach_obj_by_name)
{
	char name[BPF_OBJ_NAME_LEN], tag[32];
	__u32 a, b;

	a = CTL_OK("attach", "ctl0", "egress", "obj", self->obj, "name",
		   "ctl_tc1");
	b = CTL_OK("attach", "ctl0", "egress", "obj", self->obj, "name",
		   "ctl_eg");
	prog_meta(_metadata, a, name, tag);
	EXPECT_STREQ("ctl_tc1", name);
	prog_meta(_metadata, b, name, tag);
	EXPECT_STREQ("ctl_eg", name);
	EXPECT_PROGS(self->if0, TCX_DIR_EGRESS, a, b);
	EXPECT_EMPTY(self->if0, TCX_DIR_INGRESS);
	/* The one program of the object that was asked for, and no other. */
	EXPECT_FALSE(prog_name_loaded("ctl_in"));
}

TEST_F(ctl, attach_by_id_and_pinned)
{
	char path[PATH_MAX];
	__u32 a, b;
	int fd;

	a = load_dummy(_metadata);
	EXPECT_EQ(a, CTL_OK("attach", "ctl1", "ingress", "id", num(a)));

	fd = tcx_load_dummy();
	ASSERT_LE(0, fd);
	b = tcx_prog_id(fd);
	snprintf(path, sizeof(path), "%s/prog", self->bpffs);
	ASSERT_EQ(0, bpf_obj_pin(fd, path));
	close(fd);
	EXPECT_EQ(b, CTL_OK("attach", "ifindex", num(self->if1), "ingress",
			    "pinned", path));
	EXPECT_PROGS(self->if1, TCX_DIR_INGRESS, a, b);

	/* The hook holds its own reference: the pin can go. */
	ASSERT_EQ(0, unlink(path));
	EXPECT_TRUE(tcx_prog_id_alive(b));
}

TEST_F(ctl, placement)
{
	__u32 a, b, c, d, e, f, g, h, link;
	char path[PATH_MAX];
	struct hook st;
	int fd;

	a = load_dummy(_metadata);
	b = load_dummy(_metadata);
	c = load_dummy(_metadata);
	d = load_dummy(_metadata);
	e = load_dummy(_metadata);
	f = load_dummy(_metadata);
	g = load_dummy(_metadata);
	h = load_dummy(_metadata);

	CTL_OK("attach", "ctl0", "ingress", "id", num(a));
	CTL_OK("attach", "ctl0", "ingress", "id", num(b), "before", "id",
	       num(a));
	EXPECT_PROGS(self->if0, TCX_DIR_INGRESS, b, a);
	CTL_OK("attach", "ctl0", "ingress", "id", num(c), "after", "id",
	       num(b));
	EXPECT_PROGS(self->if0, TCX_DIR_INGRESS, b, c, a);
	CTL_OK("attach", "ctl0", "ingress", "id", num(d), "first");
	CTL_OK("attach", "ctl0", "ingress", "id", num(e), "last");
	EXPECT_PROGS(self->if0, TCX_DIR_INGRESS, d, b, c, a, e);

	link = CTL_OK("attach", "ctl0", "ingress", "id", num(f), "link");
	remember_link(self, link);
	CTL_OK("attach", "ctl0", "ingress", "id", num(g), "before", "link",
	       num(link));
	EXPECT_PROGS(self->if0, TCX_DIR_INGRESS, d, b, c, a, e, g, f);

	fd = bpf_prog_get_fd_by_id(d);
	ASSERT_LE(0, fd);
	snprintf(path, sizeof(path), "%s/d", self->bpffs);
	ASSERT_EQ(0, bpf_obj_pin(fd, path));
	close(fd);
	query(_metadata, self->if0, TCX_DIR_INGRESS, &st);
	CTL_OK("attach", "ctl0", "ingress", "id", num(h), "after", "pinned",
	       path, "expected-revision", num(st.revision));
	EXPECT_PROGS(self->if0, TCX_DIR_INGRESS, d, h, b, c, a, e, g, f);
}

TEST_F(ctl, replace)
{
	__u32 a, b, c, x, y;
	struct hook h;

	a = load_dummy(_metadata);
	b = load_dummy(_metadata);
	c = load_dummy(_metadata);
	x = load_dummy(_metadata);
	y = load_dummy(_metadata);
	CTL_OK("attach", "ctl0", "egress", "id", num(a));
	CTL_OK("attach", "ctl0", "egress", "id", num(b));
	CTL_OK("attach", "ctl0", "egress", "id", num(c));

	EXPECT_EQ(x, CTL_OK("attach", "ctl0", "egress", "id", num(x),
			    "replace", "id", num(b)));
	EXPECT_PROGS(self->if0, TCX_DIR_EGRESS, a, x, c);

	query(_metadata, self->if0, TCX_DIR_EGRESS, &h);
	CTL_OK("attach", "ctl0", "egress", "id", num(y), "replace", "id",
	       num(x), "before", "id", num(c), "expected-revision",
	       num(h.revision));
	EXPECT_PROGS(self->if0, TCX_DIR_EGRESS, a, y, c);
}

TEST_F(ctl, detach)
{
	__u32 a, b, c, d;
	struct hook h;

	a = load_dummy(_metadata);
	b = load_dummy(_metadata);
	c = load_dummy(_metadata);
	d = load_dummy(_metadata);
	CTL_OK("attach", "ctl1", "egress", "id", num(a));
	CTL_OK("attach", "ctl1", "egress", "id", num(b));
	CTL_OK("attach", "ctl1", "egress", "id", num(c));
	CTL_OK("attach", "ctl1", "egress", "id", num(d));

	CTL_OK("detach", "ctl1", "egress", "first");
	EXPECT_PROGS(self->if1, TCX_DIR_EGRESS, b, c, d);
	CTL_OK("detach", "ctl1", "egress", "last");
	EXPECT_PROGS(self->if1, TCX_DIR_EGRESS, b, c);
	CTL_OK("detach", "ctl1", "egress", "id", num(c));
	EXPECT_PROGS(self->if1, TCX_DIR_EGRESS, b);
	query(_metadata, self->if1, TCX_DIR_EGRESS, &h);
	CTL_OK("detach", "ifindex", num(self->if1), "egress", "id", num(b),
	       "expected-revision", num(h.revision));
	EXPECT_EMPTY(self->if1, TCX_DIR_EGRESS);
}

/*
 * A link's "owner" object against its info: null where the backend keeps
 * no owner or tag (native tcx), never zeros or empty strings.
 */
static void check_owner_json(struct __test_metadata *_metadata,
			     struct json_object *owner,
			     const struct tcx_link_info *li)
{
	bool no_owner = li->flags & TCX_LINK_F_NO_OWNER;
	struct json_object *v;

	ASSERT_NE(NULL, owner);
	EXPECT_EQ(tcx_test_native(), no_owner);
	EXPECT_EQ(tcx_test_native(), !!(li->flags & TCX_LINK_F_NO_TAG));
	ASSERT_TRUE(json_object_object_get_ex(owner, "pid", &v));
	if (no_owner) {
		EXPECT_EQ(NULL, v);
	} else {
		EXPECT_EQ(li->owner_pid, json_object_get_int64(v));
	}
	ASSERT_TRUE(json_object_object_get_ex(owner, "uid", &v));
	if (no_owner) {
		EXPECT_EQ(NULL, v);
	} else {
		EXPECT_EQ(li->owner_uid, json_object_get_int64(v));
	}
	ASSERT_TRUE(json_object_object_get_ex(owner, "comm", &v));
	if (no_owner) {
		EXPECT_EQ(NULL, v);
	} else {
		ASSERT_NE(NULL, v);
		EXPECT_STREQ(li->owner_comm, json_object_get_string(v));
	}
	ASSERT_TRUE(json_object_object_get_ex(owner, "tag", &v));
	if (li->flags & TCX_LINK_F_NO_TAG) {
		EXPECT_EQ(NULL, v);
	} else {
		ASSERT_NE(NULL, v);
		EXPECT_STREQ(li->tag, json_object_get_string(v));
	}
}

/* The fields of one link object of link show -j against the link itself. */
static void check_link_json(struct __test_metadata *_metadata,
			    struct json_object *o)
{
	struct json_object *v, *owner;
	char name[BPF_OBJ_NAME_LEN], tag[32], dev[IF_NAMESIZE];
	struct tcx_link_info li;

	ASSERT_TRUE(json_object_object_get_ex(o, "id", &v));
	link_info(_metadata, json_object_get_int64(v), &li);
	ASSERT_TRUE(json_object_object_get_ex(o, "type", &v));
	EXPECT_STREQ("tcx", json_object_get_string(v));
	ASSERT_TRUE(json_object_object_get_ex(o, "prog_id", &v));
	EXPECT_EQ(li.prog_id, json_object_get_int64(v));
	prog_meta(_metadata, li.prog_id, name, tag);
	ASSERT_TRUE(json_object_object_get_ex(o, "name", &v));
	EXPECT_STREQ(name, json_object_get_string(v));
	ASSERT_TRUE(json_object_object_get_ex(o, "ifindex", &v));
	EXPECT_EQ(li.ifindex, json_object_get_int64(v));
	ASSERT_TRUE(json_object_object_get_ex(o, "devname", &v));
	if (li.ifindex) {
		ASSERT_NE(NULL, if_indextoname(li.ifindex, dev));
		EXPECT_STREQ(dev, json_object_get_string(v));
	} else {
		EXPECT_EQ(NULL, v);
	}
	ASSERT_TRUE(json_object_object_get_ex(o, "kind", &v));
	EXPECT_STREQ(li.direction == TCX_INGRESS ? "tcx/ingress" : "tcx/egress",
		     json_object_get_string(v));
	ASSERT_TRUE(json_object_object_get_ex(o, "state", &v));
	EXPECT_STREQ(li.flags & TCX_LINK_F_DEFUNCT ? "defunct" : "attached",
		     json_object_get_string(v));
	ASSERT_TRUE(json_object_object_get_ex(o, "pinned", &v));
	EXPECT_EQ(!!(li.flags & TCX_LINK_F_PINNED), json_object_get_boolean(v));
	ASSERT_TRUE(json_object_object_get_ex(o, "owner", &owner));
	check_owner_json(_metadata, owner, &li);
}

TEST_F(ctl, link_lifecycle)
{
	char name[BPF_OBJ_NAME_LEN], tag[32], pin[PATH_MAX];
	char line[PATH_MAX + 256];
	struct json_object *root, *jv;
	struct tcx_link_info li;
	__u32 link, p, q, r, s;

	p = load_dummy(_metadata);
	s = load_dummy(_metadata);
	CTL_OK("attach", "ctl0", "ingress", "id", num(s));
	link = CTL_OK("attach", "ctl0", "ingress", "obj", self->obj, "sec",
		      "tcx/ingress", "link", "tag", "monitor");
	ASSERT_NE(0U, link);
	remember_link(self, link);

	/* tcxctl is gone; the pinned link and its program stay. */
	link_info(_metadata, link, &li);
	EXPECT_EQ(tcx_test_link_flags(TCX_LINK_F_PINNED), li.flags);
	EXPECT_EQ((__u32)self->if0, li.ifindex);
	EXPECT_EQ((__u32)TCX_INGRESS, li.direction);
	if (!tcx_test_native()) {
		/* Native tcx records no owner and no tag. */
		EXPECT_STREQ("monitor", li.tag);
		EXPECT_STREQ("tcxctl", li.owner_comm);
		EXPECT_EQ(0U, li.owner_uid);
	} else {
		/* ... and libtcx pins the link in bpffs. */
		snprintf(pin, sizeof(pin), TCX_NATIVE_PIN_DIR "/link-%u", link);
		EXPECT_EQ(0, access(pin, F_OK)) TH_LOG("no pin %s", pin);
	}
	prog_meta(_metadata, li.prog_id, name, tag);
	EXPECT_STREQ("ctl_in", name);
	EXPECT_PROGS(self->if0, TCX_DIR_INGRESS, s, li.prog_id);

	/* link show, as text and as JSON. */
	CTL_OK("link", "show", "id", num(link));
	if (tcx_test_native())
		snprintf(line, sizeof(line),
			 "%u: tcx  prog %u ctl_in  dev ctl0 (ifindex %d) ingress  attached  pinned %s\n"
			 "\towner n/a  tag n/a\n",
			 link, li.prog_id, self->if0, pin);
	else
		snprintf(line, sizeof(line),
			 "%u: tcx  prog %u ctl_in  dev ctl0 (ifindex %d) ingress  attached  pinned\n"
			 "\towner %u/tcxctl uid 0  tag monitor\n",
			 link, li.prog_id, self->if0, li.owner_pid);
	EXPECT_STREQ(line, self->out);
	CTL_OK("-j", "link", "show", "id", num(link));
	root = json_tokener_parse(self->out);
	ASSERT_NE(NULL, root);
	check_link_json(_metadata, root);
	json_object_put(root);
	CTL_OK("link", "show", "-p");
	root = json_tokener_parse(self->out);
	ASSERT_NE(NULL, root);
	ASSERT_EQ(1U, json_object_array_length(root));
	check_link_json(_metadata, json_object_array_get_idx(root, 0));
	json_object_put(root);

	/* update: same link, same slot, another program. */
	CTL_OK("link", "update", "id", num(link), "id", num(p));
	EXPECT_PROGS(self->if0, TCX_DIR_INGRESS, s, p);
	q = load_dummy(_metadata);
	CTL_OK("link", "update", "id", num(link), "id", num(q), "old", "id",
	       num(p));
	EXPECT_PROGS(self->if0, TCX_DIR_INGRESS, s, q);
	link_info(_metadata, link, &li);
	EXPECT_EQ(q, li.prog_id);
	EXPECT_EQ(link, li.id);

	/* An update from an object: the new program is the link's. */
	CTL_OK("link", "update", "id", num(link), "obj", self->obj, "sec",
	       "tc/ingress");
	EXPECT_STREQ("", self->out);
	link_info(_metadata, link, &li);
	prog_meta(_metadata, li.prog_id, name, tag);
	EXPECT_STREQ("ctl_tc_in", name);
	EXPECT_PROGS(self->if0, TCX_DIR_INGRESS, s, li.prog_id);

	/* -j attach: both ids, link_id null without a link. */
	CTL_OK("-j", "attach", "ctl1", "egress", "obj", self->obj, "sec",
	       "tcx/egress");
	root = json_tokener_parse(self->out);
	ASSERT_NE(NULL, root);
	ASSERT_TRUE(json_object_object_get_ex(root, "prog_id", &jv));
	r = json_object_get_int64(jv);
	ASSERT_TRUE(json_object_object_get_ex(root, "link_id", &jv));
	EXPECT_EQ(NULL, jv);
	json_object_put(root);
	EXPECT_PROGS(self->if1, TCX_DIR_EGRESS, r);

	/* detach: off the hook, defunct but still pinned; unpin: gone. */
	CTL_OK("link", "detach", "id", num(link));
	EXPECT_PROGS(self->if0, TCX_DIR_INGRESS, s);
	link_info(_metadata, link, &li);
	EXPECT_EQ(tcx_test_link_flags(TCX_LINK_F_PINNED | TCX_LINK_F_DEFUNCT),
		  li.flags);
	CTL_OK("-j", "link", "show", "id", num(link));
	root = json_tokener_parse(self->out);
	ASSERT_NE(NULL, root);
	check_link_json(_metadata, root);
	json_object_put(root);
	CTL_FAIL(M("link %u is defunct: it was detached or its device is gone (ENOLINK)",
		   link), "link", "update", "id", num(link), "id", num(p));

	CTL_OK("link", "unpin", "id", num(link));
	EXPECT_EQ(-ENOENT, tcx_link_get_fd_by_id(link));
	if (tcx_test_native()) {
		EXPECT_NE(0, access(pin, F_OK)) TH_LOG("%s left", pin);
	}
	CTL_FAIL(M("no link with id %u (ENOENT)", link), "link", "show", "id",
		 num(link));
}

/* Link ID is gone: freed once its last fd or pin went, maybe a bit later. */
static bool link_gone(__u32 id)
{
	return tcx_id_gone(tcx_link_get_fd_by_id, id);
}

/* The entry of link ID in link show -j's array, or NULL. */
static struct json_object *json_link_by_id(struct json_object *arr, __u32 id)
{
	struct json_object *o, *v;
	size_t i;

	for (i = 0; i < json_object_array_length(arr); i++) {
		o = json_object_array_get_idx(arr, i);
		if (json_object_object_get_ex(o, "id", &v) &&
		    json_object_get_int64(v) == id)
			return o;
	}
	return NULL;
}

/*
 * Pins at paths: made by one tcxctl, found again by this process and by
 * another tcxctl; bpffs mounted on an empty directory on demand, refused
 * over one with files; a defunct link that a pin holds is still listed;
 * removing the path ends the link.
 */
TEST_F(ctl, link_pin_paths)
{
	char pin[PATH_MAX], pin2[PATH_MAX], pin3[PATH_MAX], path[PATH_MAX];
	char empty[64], full[64], file[PATH_MAX];
	struct json_object *root, *o, *v;
	struct tcx_link_info li;
	__u32 link, link2, a;
	struct statfs fs;
	int fd;

	a = load_dummy(_metadata);
	snprintf(pin, sizeof(pin), "%s/agent", self->bpffs);
	link = CTL_OK("attach", "ctl0", "ingress", "obj", self->obj, "sec",
		      "tcx/ingress", "link", "pin", pin);
	ASSERT_NE(0U, link);
	remember_link(self, link);

	/* tcxctl is gone: the pin holds the link, and finds it again. */
	fd = tcx_link_get_fd_by_pin(pin);
	ASSERT_LE(0, fd) TH_LOG("%s", strerror(-fd));
	ASSERT_EQ(0, tcx_link_get_info(fd, &li));
	EXPECT_EQ(link, li.id);
	EXPECT_EQ((__u32)self->if0, li.ifindex);
	if (!tcx_test_native()) {
		/* On native, bpffs does not say where a link is pinned. */
		EXPECT_EQ(TCX_LINK_F_PINNED, li.flags & TCX_LINK_F_PINNED);
		EXPECT_EQ((int)strlen(pin) + 1,
			  tcx_link_pin_path(fd, path, sizeof(path)));
		EXPECT_STREQ(pin, path);
	}
	close(fd);
	EXPECT_PROGS(self->if0, TCX_DIR_INGRESS, li.prog_id);

	/* ... and so does another tcxctl. */
	CTL_OK("-j", "link", "show", "pinned", pin);
	root = json_tokener_parse(self->out);
	ASSERT_NE(NULL, root);
	ASSERT_TRUE(json_object_object_get_ex(root, "id", &v));
	EXPECT_EQ(link, json_object_get_int64(v));
	ASSERT_TRUE(json_object_object_get_ex(root, "pin_path", &v));
	if (!tcx_test_native())
		EXPECT_STREQ(pin, json_object_get_string(v));
	json_object_put(root);

	/* link pin: into an empty directory, on which bpffs is mounted. */
	link2 = CTL_OK("attach", "ctl0", "egress", "id", num(a), "link");
	ASSERT_NE(0U, link2);
	remember_link(self, link2);
	strcpy(empty, "/tmp/tcxctl-empty.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(empty));
	snprintf(pin2, sizeof(pin2), "%s/second", empty);
	CTL_OK("link", "pin", "id", num(link2), pin2);
	EXPECT_STREQ("", self->out);
	ASSERT_EQ(0, statfs(empty, &fs));
	EXPECT_EQ(BPF_FS_MAGIC, fs.f_type);
	fd = tcx_link_get_fd_by_pin(pin2);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, tcx_link_get_info(fd, &li));
	EXPECT_EQ(link2, li.id);
	close(fd);

	/* Never over a directory with files in it; nothing is attached. */
	strcpy(full, "/tmp/tcxctl-full.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(full));
	snprintf(file, sizeof(file), "%s/keep", full);
	fd = open(file, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	ASSERT_LE(0, fd);
	close(fd);
	snprintf(path, sizeof(path), "%s/x", full);
	CTL_FAIL(M("bpffs is not mounted at %s, which is not empty; mount it there (mount -t bpf bpf %s) or pin under /sys/fs/bpf",
		   full, full),
		 "attach", "ctl1", "ingress", "id", num(a), "link", "pin", path);
	EXPECT_EMPTY(self->if1, TCX_DIR_INGRESS);
	snprintf(path, sizeof(path), "%s/none/x", self->bpffs);
	CTL_FAIL(M("cannot pin at %s: directory %s/none does not exist (ENOENT)",
		   path, self->bpffs),
		 "attach", "ctl1", "ingress", "id", num(a), "link", "pin", path);
	CTL_FAIL(M("cannot pin at %s: the path exists (EEXIST)", pin),
		 "attach", "ctl1", "ingress", "id", num(a), "link", "pin", pin);
	EXPECT_EMPTY(self->if1, TCX_DIR_INGRESS);
	CTL_FAIL(M("cannot pin at %s: the path exists (EEXIST)", pin),
		 "link", "pin", "id", num(link2), pin);
	snprintf(pin3, sizeof(pin3), "%s/third", self->bpffs);
	if (tcx_test_native()) {
		/* bpffs pins an object at as many paths as asked. */
		CTL_OK("link", "pin", "id", num(link2), pin3);
		EXPECT_EQ(0, unlink(pin3));
	} else {
		CTL_FAIL(M("link %u is pinned at a path already (EBUSY); one path per link with tcx-dkms",
			   link2), "link", "pin", "id", num(link2), pin3);
		EXPECT_NE(0, access(pin3, F_OK));
		/* A symlink made by hand is no pin. */
		ASSERT_EQ(0, symlink(TCX_PIN_TARGET_PREFIX "1", pin3));
		CTL_FAIL(M("%s is not the pin of a tcx link (ENXIO)", pin3),
			 "link", "show", "pinned", pin3);
		EXPECT_EQ(-ENXIO, tcx_link_get_fd_by_pin(pin3));
		EXPECT_EQ(0, unlink(pin3));
	}
	CTL_FAIL(M("nothing is pinned at %s (ENOENT)", pin3),
		 "link", "detach", "pinned", pin3);
	EXPECT_EQ(-ENOENT, tcx_link_get_fd_by_pin(pin3));
	EXPECT_EQ(-EINVAL, tcx_link_get_fd_by_pin(""));
	EXPECT_EQ(-EINVAL, tcx_link_pin_at(0, NULL));

	/* Detached through its pin: defunct, still listed while pinned. */
	CTL_OK("link", "detach", "pinned", pin);
	EXPECT_EMPTY(self->if0, TCX_DIR_INGRESS);
	CTL_OK("-j", "link", "show");
	root = json_tokener_parse(self->out);
	ASSERT_NE(NULL, root);
	o = json_link_by_id(root, link);
	ASSERT_NE(NULL, o) TH_LOG("link %u not listed: %s", link, self->out);
	check_link_json(_metadata, o);
	ASSERT_TRUE(json_object_object_get_ex(o, "state", &v));
	EXPECT_STREQ("defunct", json_object_get_string(v));
	EXPECT_NE(NULL, json_link_by_id(root, link2));
	json_object_put(root);

	/* Removing the path ends the pin; nothing else holds the link. */
	ASSERT_EQ(0, unlink(pin));
	EXPECT_TRUE(link_gone(link));
	CTL_OK("-j", "link", "show");
	root = json_tokener_parse(self->out);
	ASSERT_NE(NULL, root);
	EXPECT_EQ(NULL, json_link_by_id(root, link));
	json_object_put(root);

	/*
	 * link2's pins, before its bpffs goes: with the module a pin whose
	 * path went with an unmount could outlive it and hold the module.
	 */
	fd = tcx_link_get_fd_by_id(link2);
	ASSERT_LE(0, fd);
	/* Named by its path, the pin goes on both backends. */
	CTL_OK("link", "unpin", "pinned", pin2);
	EXPECT_STREQ("", self->out);
	EXPECT_NE(0, access(pin2, F_OK));
	EXPECT_EQ(0, tcx_link_unpin(fd));
	close(fd);
	EXPECT_TRUE(link_gone(link2));
	umount2(empty, MNT_DETACH);
	rmdir(empty);
	unlink(file);
	rmdir(full);
}

/*
 * show -j against tcx_query and the programs' and links' own info: as
 * bpftool net show -j, [{"tc": [...]}] with one entry per program of
 * every hook with programs (or of the chosen device and direction), in
 * run order, bpftool's fields first and ours beside them.
 */
static void check_show_json(struct __test_metadata *_metadata,
			    ctl_t *self, int only_ifindex,
			    int only_dir)
{
	int ifs[3] = { LO_IFINDEX, self->if0, self->if1 };
	struct json_object *root, *tc, *v, *p, *owner, *stats;
	char name[BPF_OBJ_NAME_LEN], tag[32], dev[IF_NAMESIZE];
	size_t n, expected = 0, k;
	struct tcx_link_info li;
	int i, d, dir, ifindex, pos, next_pos = 0;
	struct hook h;

	root = json_tokener_parse(self->out);
	ASSERT_NE(NULL, root) TH_LOG("not JSON: %s", self->out);
	ASSERT_TRUE(json_object_is_type(root, json_type_array));
	ASSERT_EQ(1U, json_object_array_length(root));
	ASSERT_TRUE(json_object_object_get_ex(json_object_array_get_idx(root, 0),
					      "tc", &tc));
	ASSERT_TRUE(json_object_is_type(tc, json_type_array));
	for (i = 0; i < 3; i++) {
		for (d = TCX_DIR_INGRESS; d <= TCX_DIR_EGRESS; d++) {
			if (only_ifindex && ifs[i] != only_ifindex)
				continue;
			if (only_dir >= 0 && d != only_dir)
				continue;
			query(_metadata, ifs[i], d, &h);
			expected += h.count;
		}
	}
	n = json_object_array_length(tc);
	ASSERT_EQ(expected, n) TH_LOG("%s", self->out);

	for (k = 0; k < n; k++) {
		p = json_object_array_get_idx(tc, k);
		ASSERT_TRUE(json_object_object_get_ex(p, "ifindex", &v));
		ifindex = json_object_get_int(v);
		ASSERT_TRUE(json_object_object_get_ex(p, "devname", &v));
		ASSERT_NE(NULL, if_indextoname(ifindex, dev));
		EXPECT_STREQ(dev, json_object_get_string(v));
		ASSERT_TRUE(json_object_object_get_ex(p, "kind", &v));
		if (!strcmp("tcx/ingress", json_object_get_string(v))) {
			dir = TCX_DIR_INGRESS;
		} else {
			EXPECT_STREQ("tcx/egress", json_object_get_string(v));
			dir = TCX_DIR_EGRESS;
		}
		query(_metadata, ifindex, dir, &h);
		/* A hook's programs come together, in run order. */
		ASSERT_TRUE(json_object_object_get_ex(p, "position", &v));
		pos = json_object_get_int(v);
		EXPECT_EQ(next_pos, pos) TH_LOG("%s", self->out);
		ASSERT_LT(pos, (int)h.count);
		next_pos = pos + 1 == (int)h.count ? 0 : pos + 1;

		ASSERT_TRUE(json_object_object_get_ex(p, "prog_id", &v));
		EXPECT_EQ(h.ids[pos], (__u32)json_object_get_int64(v));
		prog_meta(_metadata, h.ids[pos], name, tag);
		ASSERT_TRUE(json_object_object_get_ex(p, "name", &v));
		EXPECT_STREQ(name, json_object_get_string(v));
		ASSERT_TRUE(json_object_object_get_ex(p, "tag", &v));
		EXPECT_STREQ(tag, json_object_get_string(v));
		ASSERT_TRUE(json_object_object_get_ex(p, "prog_flags", &v));
		EXPECT_TRUE(json_object_is_type(v, json_type_array) &&
			    !json_object_array_length(v));
		ASSERT_TRUE(json_object_object_get_ex(p, "link_flags", &v));
		EXPECT_TRUE(json_object_is_type(v, json_type_array) &&
			    !json_object_array_length(v));
		ASSERT_TRUE(json_object_object_get_ex(p, "revision", &v));
		EXPECT_EQ(h.revision, json_object_get_uint64(v));
		/* Native tcx has no live flag and no counters: null. */
		EXPECT_EQ(tcx_test_native() ?
			  TCX_QUERY_NO_HOOK_FLAGS | TCX_QUERY_NO_STATS : 0U,
			  h.unavailable);
		ASSERT_TRUE(json_object_object_get_ex(p, "live", &v));
		if (h.unavailable & TCX_QUERY_NO_HOOK_FLAGS) {
			EXPECT_EQ(NULL, v);
		} else {
			ASSERT_NE(NULL, v);
			EXPECT_EQ(!!(h.flags & TCX_HOOK_F_LIVE),
				  json_object_get_boolean(v));
		}
		ASSERT_TRUE(json_object_object_get_ex(p, "stats", &stats));
		if (h.unavailable & TCX_QUERY_NO_STATS) {
			EXPECT_EQ(NULL, stats);
		} else {
			ASSERT_TRUE(json_object_object_get_ex(stats, "packets", &v));
			EXPECT_EQ(h.stats.packets, json_object_get_uint64(v));
			ASSERT_TRUE(json_object_object_get_ex(stats, "dropped", &v));
			EXPECT_EQ(h.stats.dropped, json_object_get_uint64(v));
		}
		/* bpftool's link_id: 0 without a link. */
		ASSERT_TRUE(json_object_object_get_ex(p, "link_id", &v));
		EXPECT_EQ(h.links[pos], (__u32)json_object_get_int64(v));
		ASSERT_TRUE(json_object_object_get_ex(p, "owner", &owner));
		if (!h.links[pos]) {
			EXPECT_EQ(NULL, owner);
			continue;
		}
		link_info(_metadata, h.links[pos], &li);
		check_owner_json(_metadata, owner, &li);
		ASSERT_TRUE(json_object_object_get_ex(p, "pinned", &v));
		EXPECT_EQ(!!(li.flags & TCX_LINK_F_PINNED),
			  json_object_get_boolean(v));
	}
	EXPECT_EQ(0, next_pos) TH_LOG("a hook cut short: %s", self->out);
	json_object_put(root);
}

/* bpftool 7.3 or later: $TCX_BPFTOOL, else the one make compat-tests built. */
static int bpftool_path(char *buf, size_t len)
{
	const char *env = getenv("TCX_BPFTOOL");

	if (env && *env)
		return snprintf(buf, len, "%s", env) < (int)len ? 0 : -ENAMETOOLONG;
	return tcx_sibling_path(buf, len, "../compat-tests/bpftool", R_OK);
}

/*
 * bpftool -j net show and tcxctl -j show of ctl0: the documents in
 * *THEIRS and *OURS, their "tc" arrays in *A and *B.
 */
static void net_show_both(struct __test_metadata *_metadata, ctl_t *self,
			  const char *bpftool, struct json_object **theirs,
			  struct json_object **ours, struct json_object **a,
			  struct json_object **b)
{
	char *saved;

	ASSERT_EQ(0, run_exec(self, bpftool, NULL,
			      ARGS("-j", "net", "show", "dev", "ctl0")))
		TH_LOG("%s: %s", bpftool, self->err);
	saved = strdup(self->out);
	ASSERT_NE(NULL, saved);
	*theirs = json_tokener_parse(saved);
	free(saved);
	ASSERT_NE(NULL, *theirs) TH_LOG("bpftool: not JSON: %s", self->out);
	CTL_OK("-j", "show", "dev", "ctl0");
	*ours = json_tokener_parse(self->out);
	ASSERT_NE(NULL, *ours) TH_LOG("not JSON: %s", self->out);
	ASSERT_TRUE(json_object_object_get_ex(json_object_array_get_idx(*theirs, 0),
					      "tc", a));
	ASSERT_TRUE(json_object_object_get_ex(json_object_array_get_idx(*ours, 0),
					      "tc", b));
}

/*
 * show -j against bpftool -j net show itself, on native tcx (bpftool sees
 * tcx-dkms's programs only under tcx-compat): the same entries in the same
 * order, and every field bpftool writes equal in ours.  bpftool 7.3 or
 * later: $TCX_BPFTOOL, else bookworm-backports' next to the build
 * (make compat-tests).
 */
TEST_F(ctl, show_json_bpftool)
{
	struct json_object *ours, *theirs, *a, *b, *v;
	char bpftool[PATH_MAX];
	size_t i, n;
	__u32 p, q, link;

	if (!tcx_test_native())
		SKIP(return, "bpftool sees tcx-dkms programs only under tcx-compat");
	if (bpftool_path(bpftool, sizeof(bpftool)))
		SKIP(return, "no bpftool 7.3+: set TCX_BPFTOOL or make compat-tests");

	p = load_dummy(_metadata);
	q = load_dummy(_metadata);
	CTL_OK("attach", "ctl0", "ingress", "id", num(p));
	link = CTL_OK("attach", "ctl0", "ingress", "id", num(q), "first",
		      "link");
	remember_link(self, link);
	CTL_OK("attach", "ctl0", "egress", "obj", self->obj, "sec",
	       "tcx/egress");

	net_show_both(_metadata, self, bpftool, &theirs, &ours, &a, &b);
	n = json_object_array_length(a);
	ASSERT_EQ(3U, n) TH_LOG("bpftool: %s", json_object_to_json_string(theirs));
	ASSERT_EQ(n, json_object_array_length(b));
	for (i = 0; i < n; i++) {
		struct json_object *t = json_object_array_get_idx(a, i);
		struct json_object *o = json_object_array_get_idx(b, i);

		json_object_object_foreach(t, key, val) {
			ASSERT_TRUE(json_object_object_get_ex(o, key, &v))
				TH_LOG("entry %zu: no %s", i, key);
			EXPECT_TRUE(json_object_equal(val, v))
				TH_LOG("entry %zu, %s: bpftool %s, tcxctl %s", i,
				       key, json_object_to_json_string(val),
				       json_object_to_json_string(v));
		}
	}
	json_object_put(theirs);
	json_object_put(ours);
}

TEST_F(ctl, show)
{
	char line[512], name[BPF_OBJ_NAME_LEN], tag[32];
	__u32 a, b, c, link;
	struct hook h;

	a = load_dummy(_metadata);
	b = CTL_OK("attach", "ctl0", "ingress", "obj", self->obj, "sec",
		   "classifier");
	CTL_OK("attach", "ctl0", "ingress", "id", num(a), "first");
	link = CTL_OK("attach", "ctl0", "ingress", "obj", self->obj, "name",
		      "ctl_in", "link", "tag", "ops team");
	remember_link(self, link);
	c = CTL_OK("attach", "ctl1", "egress", "obj", self->obj, "sec",
		   "tcx/egress");

	CTL_OK("show", "-j");
	check_show_json(_metadata, self, 0, -1);
	CTL_OK("list", "-p");
	check_show_json(_metadata, self, 0, -1);
	CTL_OK("-j", "show", "egress");
	check_show_json(_metadata, self, 0, TCX_DIR_EGRESS);
	CTL_OK("-j", "show", "dev", "ctl1");
	check_show_json(_metadata, self, self->if1, -1);
	CTL_OK("-j", "show", "dev", "ifindex", num(self->if0), "ingress");
	check_show_json(_metadata, self, self->if0, TCX_DIR_INGRESS);

	/* The text, line by line. */
	query(_metadata, self->if0, TCX_DIR_INGRESS, &h);
	ASSERT_EQ(3U, h.count);
	CTL_OK("show", "dev", "ctl0");
	/* Native tcx: n/a for the live flag and the counters, never 0. */
	snprintf(line, sizeof(line),
		 "ctl0 (ifindex %d) ingress: revision %llu, %s\n"
		 "  %s\n"
		 "  pos  prog_id  name             tag               link_id  owner                  owner_tag        pinned\n",
		 self->if0, (unsigned long long)h.revision,
		 tcx_test_native() ? "live n/a" : "live",
		 tcx_test_native() ? "counters n/a (native tcx keeps none)" :
		 "packets 0  passed 0  dropped 0  redirected 0  redirect_failed 0");
	EXPECT_TRUE(starts_with(self->out, line)) TH_LOG("%s", self->out);
	prog_meta(_metadata, a, name, tag);
	snprintf(line, sizeof(line), "\n  0    %-8u %-16s %-17s %-8s %-22s %-16s -\n",
		 a, "-", tag, "-", "-", "-");
	EXPECT_NE(NULL, strstr(self->out, line)) TH_LOG("%s", self->out);
	prog_meta(_metadata, b, name, tag);
	snprintf(line, sizeof(line), "\n  1    %-8u %-16s %-17s %-8s %-22s %-16s -\n",
		 b, "ctl_cls", tag, "-", "-", "-");
	EXPECT_NE(NULL, strstr(self->out, line)) TH_LOG("%s", self->out);
	EXPECT_NE(NULL, strstr(self->out, "\nctl0 (ifindex ")) TH_LOG("%s", self->out);
	EXPECT_NE(NULL, strstr(self->out, tcx_test_native() ?
			       " egress: revision 1, live n/a, no programs\n" :
			       " egress: revision 1, not live, no programs\n"));
	/* The link's row: owner and tag n/a on native tcx. */
	if (tcx_test_native()) {
		snprintf(line, sizeof(line), "\n  2    %-8u %-16s ",
			 h.ids[2], "ctl_in");
		EXPECT_NE(NULL, strstr(self->out, line)) TH_LOG("%s", self->out);
		/* libtcx's own pin, the one path native tcx can know. */
		snprintf(line, sizeof(line),
			 " %-8u %-22s %-16s " TCX_NATIVE_PIN_DIR "/link-%u\n",
			 link, "n/a", "n/a", link);
		EXPECT_NE(NULL, strstr(self->out, line)) TH_LOG("%s", self->out);
	}
	CTL_OK("show", "dev", "ctl1", "egress");
	prog_meta(_metadata, c, name, tag);
	snprintf(line, sizeof(line), "\n  0    %-8u %-16s %-17s %-8s %-22s %-16s -\n",
		 c, "ctl_eg", tag, "-", "-", "-");
	EXPECT_NE(NULL, strstr(self->out, line)) TH_LOG("%s", self->out);

	/* Nothing anywhere: no output at all. */
	CTL_OK("link", "unpin", "id", num(link));
	CTL_OK("detach", "ctl0", "ingress", "first");
	CTL_OK("detach", "ctl0", "ingress", "first");
	CTL_OK("detach", "ctl1", "egress", "last");
	CTL_OK("show");
	EXPECT_STREQ("", self->out);
	CTL_OK("-j", "show");
	EXPECT_STREQ("[{\"tc\":[]}]\n", self->out);
}

/*
 * show with clsact filters beside tcx programs: one list per device and
 * direction in the order the two run (tcx first on native tcx; on 6.1,
 * clsact first at ingress and tcx first at egress), each entry marked
 * with its mechanism.  Filter ids are checked against libbpf's
 * bpf_tc_query(), names against what tc set.
 */
struct run_entry {
	const char *mech;	/* "tcx", "tc" */
	enum tcx_dir dir;
	__u32 prog_id;		/* 0: a classifier without a program */
	__u32 pref, handle;
	const char *filter;	/* tc: "bpf", "u32" */
	bool da;
};

static void tc_prog_id(struct __test_metadata *_metadata, int ifindex,
		       enum tcx_dir dir, __u32 pref, __u32 handle, __u32 *id)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = dir == TCX_DIR_INGRESS ? BPF_TC_INGRESS :
							     BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = handle, .priority = pref);

	ASSERT_EQ(0, bpf_tc_query(&hook, &opts))
		TH_LOG("no filter pref %u handle %u", pref, handle);
	*id = opts.prog_id;
}

/* The entries of IFINDEX in TC are WANT, in this order. */
static void check_run_json(struct __test_metadata *_metadata,
			   struct json_object *tc, int ifindex,
			   const struct run_entry *want, size_t n)
{
	char kind[32], name[BPF_OBJ_NAME_LEN], tag[32];
	struct json_object *p, *v;
	size_t i, k = 0;

	for (i = 0; i < json_object_array_length(tc); i++) {
		const struct run_entry *w = &want[k];

		p = json_object_array_get_idx(tc, i);
		ASSERT_TRUE(json_object_object_get_ex(p, "ifindex", &v));
		if (json_object_get_int(v) != ifindex)
			continue;
		ASSERT_LT(k, n) TH_LOG("entry %zu: more than %zu", i, n);
		k++;
		ASSERT_TRUE(json_object_object_get_ex(p, "mechanism", &v));
		EXPECT_STREQ(w->mech, json_object_get_string(v))
			TH_LOG("entry %zu", i);
		snprintf(kind, sizeof(kind), "%s/%s",
			 strcmp(w->mech, "tc") ? "tcx" : "clsact",
			 w->dir == TCX_DIR_INGRESS ? "ingress" : "egress");
		ASSERT_TRUE(json_object_object_get_ex(p, "kind", &v));
		EXPECT_STREQ(kind, json_object_get_string(v))
			TH_LOG("entry %zu", i);
		ASSERT_TRUE(json_object_object_get_ex(p, "prog_id", &v));
		if (w->prog_id) {
			EXPECT_EQ(w->prog_id, (__u32)json_object_get_int64(v))
				TH_LOG("entry %zu", i);
		} else {
			EXPECT_EQ(NULL, v) TH_LOG("entry %zu", i);
		}
		if (strcmp(w->mech, "tc"))
			continue;
		ASSERT_TRUE(json_object_object_get_ex(p, "filter", &v));
		EXPECT_STREQ(w->filter, json_object_get_string(v));
		ASSERT_TRUE(json_object_object_get_ex(p, "pref", &v));
		EXPECT_EQ(w->pref, (__u32)json_object_get_int64(v));
		ASSERT_TRUE(json_object_object_get_ex(p, "handle", &v));
		EXPECT_EQ(w->handle, (__u32)json_object_get_int64(v));
		ASSERT_TRUE(json_object_object_get_ex(p, "id", &v));
		ASSERT_TRUE(json_object_object_get_ex(p, "name", &v));
		if (!w->prog_id) {
			EXPECT_EQ(NULL, v);
			continue;
		}
		EXPECT_STREQ("ctl_progs.bpf.o:[classifier]",
			     json_object_get_string(v));
		ASSERT_TRUE(json_object_object_get_ex(p, "id", &v));
		EXPECT_EQ(w->prog_id, (__u32)json_object_get_int64(v));
		ASSERT_TRUE(json_object_object_get_ex(p, "direct_action", &v));
		EXPECT_EQ(w->da, json_object_get_boolean(v));
		prog_meta(_metadata, w->prog_id, name, tag);
		ASSERT_TRUE(json_object_object_get_ex(p, "prog_name", &v));
		EXPECT_STREQ(name, json_object_get_string(v));
		ASSERT_TRUE(json_object_object_get_ex(p, "tag", &v));
		EXPECT_STREQ(tag, json_object_get_string(v));
	}
	EXPECT_EQ(n, k);
}

static struct json_object *show_tc_array(struct __test_metadata *_metadata,
					 ctl_t *self, struct json_object **root)
{
	struct json_object *tc;

	*root = json_tokener_parse(self->out);
	ASSERT_NE(NULL, *root) TH_LOG("not JSON: %s", self->out);
	ASSERT_TRUE(json_object_object_get_ex(json_object_array_get_idx(*root, 0),
					      "tc", &tc));
	return tc;
}

/* The rows of WANT appear in OUT in this order. */
static void check_run_text(struct __test_metadata *_metadata,
			   const char *out, const struct run_entry *want,
			   size_t n, const __u32 *tcx_pos)
{
	char row[256], name[BPF_OBJ_NAME_LEN], tag[32];
	const char *at = out, *found;
	size_t i;

	for (i = 0; i < n; i++) {
		const struct run_entry *w = &want[i];

		if (!strcmp(w->mech, "tcx")) {
			snprintf(row, sizeof(row), "\n  %-4u %-8u ",
				 tcx_pos[i], w->prog_id);
		} else if (w->prog_id) {
			prog_meta(_metadata, w->prog_id, name, tag);
			snprintf(row, sizeof(row),
				 "\n  tc   %-8u %-16s %-17s pref %u handle 0x%x bpf%s\n",
				 w->prog_id, name, tag, w->pref, w->handle,
				 w->da ? " direct-action" : "");
		} else {
			snprintf(row, sizeof(row),
				 "\n  tc   %-8s %-16s %-17s pref %u %s\n",
				 "-", "-", "-", w->pref, w->filter);
		}
		found = strstr(at, row);
		ASSERT_NE(NULL, found)
			TH_LOG("row %zu '%s' not after the last in:\n%s", i,
			       row + 1, out);
		at = found + 1;
	}
}

/*
 * clsact on ctl0 with filters at several prefs (and a u32 classifier) in
 * both directions, and on ctl1 one egress filter: IN and EG get ctl0's in
 * their run order, with program ids from bpf_tc_query(); CTL1 ctl1's id.
 */
static void clsact_setup(struct __test_metadata *_metadata, ctl_t *self,
			 struct run_entry *in, struct run_entry *eg,
			 __u32 *ctl1)
{
	int i;

	/* Filters first, so that ids alone cannot give the order away. */
	ASSERT_EQ(0, tcx_run("tc qdisc add dev ctl0 clsact"));
	ASSERT_EQ(0, tcx_run("tc filter add dev ctl0 ingress pref 20 handle 2 bpf da obj %s sec classifier",
			     self->obj));
	ASSERT_EQ(0, tcx_run("tc filter add dev ctl0 ingress pref 10 handle 1 bpf da obj %s sec classifier",
			     self->obj));
	ASSERT_EQ(0, tcx_run("tc filter add dev ctl0 ingress pref 10 handle 3 bpf obj %s sec classifier",
			     self->obj));
	ASSERT_EQ(0, tcx_run("tc filter add dev ctl0 ingress pref 30 u32 match u32 0 0"));
	ASSERT_EQ(0, tcx_run("tc filter add dev ctl0 egress pref 5 handle 1 bpf da obj %s sec classifier",
			     self->obj));
	ASSERT_EQ(0, tcx_run("tc qdisc add dev ctl1 clsact"));
	ASSERT_EQ(0, tcx_run("tc filter add dev ctl1 egress pref 1 handle 1 bpf da obj %s sec classifier",
			     self->obj));

	/* Within a pref, cls_bpf runs the newest handle first. */
	in[0] = (struct run_entry){ "tc", TCX_DIR_INGRESS, 0, 10, 3, "bpf", false };
	in[1] = (struct run_entry){ "tc", TCX_DIR_INGRESS, 0, 10, 1, "bpf", true };
	in[2] = (struct run_entry){ "tc", TCX_DIR_INGRESS, 0, 20, 2, "bpf", true };
	in[3] = (struct run_entry){ "tc", TCX_DIR_INGRESS, 0, 30, 0, "u32", false };
	for (i = 0; i < 3; i++)
		tc_prog_id(_metadata, self->if0, TCX_DIR_INGRESS, in[i].pref,
			   in[i].handle, &in[i].prog_id);
	*eg = (struct run_entry){ "tc", TCX_DIR_EGRESS, 0, 5, 1, "bpf", true };
	tc_prog_id(_metadata, self->if0, TCX_DIR_EGRESS, 5, 1, &eg->prog_id);
	tc_prog_id(_metadata, self->if1, TCX_DIR_EGRESS, 1, 1, ctl1);
}

TEST_F(ctl, show_clsact)
{
	struct json_object *root, *tc;
	struct run_entry in_tc[4], in_tcx[2], eg_tc, eg_tcx, want[8];
	__u32 pos[8] = {}, ctl1_id, link;
	bool native = tcx_test_native();
	char line[256];
	size_t n = 0, i;

	clsact_setup(_metadata, self, in_tc, &eg_tc, &ctl1_id);

	in_tcx[0] = (struct run_entry){ .mech = "tcx", .dir = TCX_DIR_INGRESS };
	in_tcx[0].prog_id = CTL_OK("attach", "ctl0", "ingress", "obj",
				   self->obj, "sec", "tcx/ingress");
	in_tcx[1] = (struct run_entry){ .mech = "tcx", .dir = TCX_DIR_INGRESS };
	in_tcx[1].prog_id = load_dummy(_metadata);
	link = CTL_OK("attach", "ctl0", "ingress", "id",
		      num(in_tcx[1].prog_id), "last", "link");
	remember_link(self, link);
	eg_tcx = (struct run_entry){ .mech = "tcx", .dir = TCX_DIR_EGRESS };
	eg_tcx.prog_id = CTL_OK("attach", "ctl0", "egress", "obj", self->obj,
				"sec", "tcx/egress");

	/* Native tcx runs before clsact; tcx-dkms's ingress hook after it. */
	if (!native)
		for (i = 0; i < 4; i++)
			want[n++] = in_tc[i];
	pos[n] = 0;
	want[n++] = in_tcx[0];
	pos[n] = 1;
	want[n++] = in_tcx[1];
	if (native)
		for (i = 0; i < 4; i++)
			want[n++] = in_tc[i];
	pos[n] = 0;
	want[n++] = eg_tcx;
	want[n++] = eg_tc;

	CTL_OK("-j", "show", "dev", "ctl0");
	tc = show_tc_array(_metadata, self, &root);
	EXPECT_EQ(n, json_object_array_length(tc)) TH_LOG("%s", self->out);
	check_run_json(_metadata, tc, self->if0, want, n);
	json_object_put(root);

	/* Every device: ctl1 has a filter and no tcx program. */
	CTL_OK("-j", "show");
	tc = show_tc_array(_metadata, self, &root);
	EXPECT_EQ(n + 1, json_object_array_length(tc)) TH_LOG("%s", self->out);
	check_run_json(_metadata, tc, self->if0, want, n);
	check_run_json(_metadata, tc, self->if1,
		       &(struct run_entry){ "tc", TCX_DIR_EGRESS, ctl1_id, 1, 1,
					    "bpf", true }, 1);
	json_object_put(root);

	CTL_OK("-j", "show", "dev", "ctl0", "egress");
	tc = show_tc_array(_metadata, self, &root);
	EXPECT_EQ(2U, json_object_array_length(tc)) TH_LOG("%s", self->out);
	check_run_json(_metadata, tc, self->if0, want + n - 2, 2);
	json_object_put(root);

	CTL_OK("show", "dev", "ctl0");
	EXPECT_NE(NULL, strstr(self->out, native ?
			       "; clsact, 4 filters, run after tcx\n" :
			       "; clsact, 4 filters, run before tcx\n"))
		TH_LOG("%s", self->out);
	EXPECT_NE(NULL, strstr(self->out, "; clsact, 1 filter, run after tcx\n"))
		TH_LOG("%s", self->out);
	check_run_text(_metadata, self->out, want, n, pos);

	CTL_OK("show", "dev", "ctl1");
	snprintf(line, sizeof(line),
		 "ctl1 (ifindex %d) egress: revision ", self->if1);
	EXPECT_NE(NULL, strstr(self->out, line)) TH_LOG("%s", self->out);
	EXPECT_NE(NULL, strstr(self->out,
			       "; clsact, 1 filter, run after tcx\n  no tcx programs\n"))
		TH_LOG("%s", self->out);
	check_run_text(_metadata, self->out,
		       &(struct run_entry){ "tc", TCX_DIR_EGRESS, ctl1_id, 1, 1,
					    "bpf", true }, 1, pos);

	/* Without clsact, nothing of tc: the show test's output, unchanged. */
	ASSERT_EQ(0, tcx_run("tc qdisc del dev ctl0 clsact"));
	CTL_OK("-j", "show", "dev", "ctl0");
	tc = show_tc_array(_metadata, self, &root);
	EXPECT_EQ(3U, json_object_array_length(tc)) TH_LOG("%s", self->out);
	json_object_put(root);
	CTL_OK("show", "dev", "ctl0");
	EXPECT_EQ(NULL, strstr(self->out, "clsact")) TH_LOG("%s", self->out);
	EXPECT_EQ(NULL, strstr(self->out, "\n  tc ")) TH_LOG("%s", self->out);
}

/*
 * The filters' entries against bpftool -j net show on native tcx: every
 * clsact entry bpftool writes is ours too (same kind and id), with every
 * field of bpftool's equal.  bpftool lists a device's tcx programs before
 * its filters whatever runs first, so entries are matched, not ordered.
 */
TEST_F(ctl, show_clsact_bpftool)
{
	struct run_entry in_tc[4], eg_tc;
	struct json_object *ours, *theirs, *a, *b, *v, *o;
	char bpftool[PATH_MAX];
	size_t i, k, n = 0;
	__u32 ctl1_id;

	if (!tcx_test_native())
		SKIP(return, "bpftool sees tcx-dkms programs only under tcx-compat");
	if (bpftool_path(bpftool, sizeof(bpftool)))
		SKIP(return, "no bpftool 7.3+: set TCX_BPFTOOL or make compat-tests");

	clsact_setup(_metadata, self, in_tc, &eg_tc, &ctl1_id);
	CTL_OK("attach", "ctl0", "ingress", "obj", self->obj, "sec",
	       "tcx/ingress");

	net_show_both(_metadata, self, bpftool, &theirs, &ours, &a, &b);

	for (i = 0; i < json_object_array_length(a); i++) {
		struct json_object *t = json_object_array_get_idx(a, i);
		const char *kind, *id;

		ASSERT_TRUE(json_object_object_get_ex(t, "kind", &v));
		kind = json_object_get_string(v);
		if (!starts_with(kind, "clsact/"))
			continue;
		n++;
		ASSERT_TRUE(json_object_object_get_ex(t, "id", &v))
			TH_LOG("bpftool: %s", json_object_to_json_string(t));
		id = json_object_get_string(v);
		for (k = 0, o = NULL; k < json_object_array_length(b); k++) {
			struct json_object *c = json_object_array_get_idx(b, k);

			if (json_object_object_get_ex(c, "kind", &v) &&
			    !strcmp(kind, json_object_get_string(v)) &&
			    json_object_object_get_ex(c, "id", &v) && v &&
			    !strcmp(id, json_object_get_string(v)))
				o = c;
		}
		ASSERT_NE(NULL, o) TH_LOG("not ours: %s",
					  json_object_to_json_string(t));
		json_object_object_foreach(t, key, val) {
			ASSERT_TRUE(json_object_object_get_ex(o, key, &v))
				TH_LOG("%s %s: no %s", kind, id, key);
			EXPECT_TRUE(json_object_equal(val, v))
				TH_LOG("%s %s, %s: bpftool %s, tcxctl %s", kind,
				       id, key, json_object_to_json_string(val),
				       json_object_to_json_string(v));
		}
	}
	/* Three cls_bpf filters at ingress, one at egress; u32 is not bpf. */
	EXPECT_EQ(4U, n) TH_LOG("bpftool: %s", json_object_to_json_string(theirs));
	json_object_put(theirs);
	json_object_put(ours);
}

/*
 * tcxctl under a seccomp filter that refuses netlink sockets with EPERM,
 * as a sandbox may: everything else works, so only the tc filters fail.
 */
static void refuse_netlink(void)
{
	struct sock_filter insns[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_socket, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, args[0])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_NETLINK, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {
		.len = sizeof(insns) / sizeof(insns[0]),
		.filter = insns,
	};

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog))
		_exit(126);
}

TEST_F(ctl, errors_tc_netlink)
{
	int rc;

	ASSERT_EQ(0, tcx_run("tc qdisc add dev ctl0 clsact"));
	rc = ctl_exec(self, refuse_netlink, ARGS("show", "dev", "ctl0"));
	EXPECT_EQ(1, rc) TH_LOG("%s", self->err);
	EXPECT_STREQ("tcxctl: show dev ctl0: reading ctl0 ingress's tc filters: opening an rtnetlink socket: permission denied (EPERM)\n",
		     self->err);
	EXPECT_STREQ("", self->out);
	rc = ctl_exec(self, refuse_netlink, ARGS("-j", "show", "dev", "ctl0", "egress"));
	EXPECT_EQ(1, rc);
	EXPECT_STREQ("{\"error\":\"show dev ctl0 egress: reading ctl0 egress's tc filters: opening an rtnetlink socket: permission denied (EPERM)\"}\n",
		     self->out);
	EXPECT_STREQ("", self->err);
}

/* Nothing of an object that was refused may stay attached or loaded. */
static void expect_nothing_left(struct __test_metadata *_metadata,
				ctl_t *self, const char *name)
{
	EXPECT_EMPTY(self->if0, TCX_DIR_INGRESS);
	EXPECT_EMPTY(self->if0, TCX_DIR_EGRESS);
	EXPECT_TRUE(prog_name_gone(name)) TH_LOG("%s left loaded", name);
}

TEST_F(ctl, errors_device)
{
	CTL_FAIL("no such device nosuch0 (ENODEV)", "attach", "nosuch0",
		 "ingress", "obj", self->obj, "sec", "tcx/ingress");
	CTL_FAIL("no device with ifindex 9999 (ENODEV)", "attach", "ifindex",
		 "9999", "egress", "obj", self->obj, "sec", "tcx/egress");
	CTL_FAIL("no such device nosuch0 (ENODEV)", "detach", "nosuch0",
		 "ingress", "first");
	CTL_FAIL("no such device nosuch0 (ENODEV)", "show", "dev", "nosuch0");
	expect_nothing_left(_metadata, self, "ctl_in");
	expect_nothing_left(_metadata, self, "ctl_eg");
}

TEST_F(ctl, errors_object)
{
	char notelf[PATH_MAX];
	int fd;

	CTL_FAIL("no such file /nonexistent/ctl.bpf.o (ENOENT)", "attach",
		 "ctl0", "ingress", "obj", "/nonexistent/ctl.bpf.o");
	CTL_FAIL(M("no section 'tcx' in %s (its program sections: tcx/ingress, tcx/egress, tc/ingress, tc/egress, tc, classifier, ctl/unknown, xdp)",
		   self->obj), "attach", "ctl0", "ingress", "obj", self->obj,
		 "sec", "tcx");
	CTL_FAIL(M("no program named 'ctl_nope' in %s (its programs: ctl_in (tcx/ingress), ctl_eg (tcx/egress), ctl_tc_in (tc/ingress), ctl_tc_eg (tc/egress), ctl_tc1 (tc), ctl_tc2 (tc), ctl_cls (classifier), ctl_odd (ctl/unknown), ctl_xdp (xdp))",
		   self->obj), "attach", "ctl0", "ingress", "obj", self->obj,
		 "name", "ctl_nope");
	CTL_FAIL(M("program ctl_eg of %s is in section 'tcx/egress', not 'tcx/ingress'",
		   self->obj), "attach", "ctl0", "ingress", "obj", self->obj,
		 "sec", "tcx/ingress", "name", "ctl_eg");
	CTL_FAIL(M("section 'tc' of %s holds 2 programs (ctl_tc1, ctl_tc2); choose one with name NAME",
		   self->obj), "attach", "ctl0", "ingress", "obj", self->obj,
		 "sec", "tc");
	CTL_FAIL(M("%s holds 9 programs (ctl_in (tcx/ingress), ctl_eg (tcx/egress), ctl_tc_in (tc/ingress), ctl_tc_eg (tc/egress), ctl_tc1 (tc), ctl_tc2 (tc), ctl_cls (classifier), ctl_odd (ctl/unknown), ctl_xdp (xdp)); choose one with sec SECTION or name NAME",
		   self->obj), "attach", "ctl0", "ingress", "obj", self->obj);
	CTL_FAIL(M("program ctl_xdp of %s (section 'xdp') has type xdp, not sched_cls: tcx runs tc programs only",
		   self->obj), "attach", "ctl0", "ingress", "obj", self->obj,
		 "sec", "xdp");
	CTL_FAIL(M("program ctl_odd of %s is in section 'ctl/unknown', which is not a tc section (use tc, classifier, tcx/ingress, tcx/egress, tc/ingress or tc/egress)",
		   self->obj), "attach", "ctl0", "egress", "obj", self->obj,
		 "name", "ctl_odd", "link");

	strcpy(notelf, "/tmp/tcxctl-not-elf.XXXXXX");
	fd = mkstemp(notelf);
	ASSERT_LE(0, fd);
	ASSERT_EQ(4, write(fd, "tcx\n", 4));
	close(fd);
	CTL_FAIL(M("%s is not a BPF object file: BPF object format invalid (libbpf error 4001)",
		   notelf), "attach", "ctl0", "ingress", "obj", notelf);
	unlink(notelf);

	expect_nothing_left(_metadata, self, "ctl_xdp");
	expect_nothing_left(_metadata, self, "ctl_odd");
}

TEST_F(ctl, errors_program)
{
	char path[PATH_MAX];
	__u32 xdp;
	int fd;

	CTL_FAIL("no program with id 4000000000 (ENOENT)", "attach", "ctl0",
		 "ingress", "id", "4000000000");
	fd = tcx_load_raw_prog(BPF_PROG_TYPE_XDP, 2);
	ASSERT_LE(0, fd);
	xdp = tcx_prog_id(fd);
	CTL_FAIL(M("program %u has type xdp, not sched_cls: tcx runs tc programs only",
		   xdp), "attach", "ctl0", "ingress", "id", num(xdp));
	snprintf(path, sizeof(path), "%s/xdp", self->bpffs);
	ASSERT_EQ(0, bpf_obj_pin(fd, path));
	CTL_FAIL(M("program %u has type xdp, not sched_cls: tcx runs tc programs only",
		   xdp), "attach", "ctl0", "egress", "pinned", path, "link");
	close(fd);

	snprintf(path, sizeof(path), "%s/nothing", self->bpffs);
	CTL_FAIL(M("nothing is pinned at %s (ENOENT)", path), "attach", "ctl0",
		 "ingress", "pinned", path);
	CTL_FAIL("/etc/hostname is not on a BPF file system (bpffs), so not a pinned program",
		 "attach", "ctl0", "ingress", "pinned", "/etc/hostname");
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, NULL, 4, 4, 1, NULL);
	ASSERT_LE(0, fd);
	snprintf(path, sizeof(path), "%s/map", self->bpffs);
	ASSERT_EQ(0, bpf_obj_pin(fd, path));
	close(fd);
	CTL_FAIL(M("%s is a pinned BPF map, not a program", path), "attach",
		 "ctl0", "ingress", "pinned", path);
	EXPECT_EMPTY(self->if0, TCX_DIR_INGRESS);
	EXPECT_EMPTY(self->if0, TCX_DIR_EGRESS);
}

TEST_F(ctl, errors_hook)
{
	__u32 a, b, c, d, x, link, lp;
	struct hook h;
	int i, fd;

	a = load_dummy(_metadata);
	b = load_dummy(_metadata);
	c = load_dummy(_metadata);
	x = load_dummy(_metadata);
	CTL_OK("attach", "ctl0", "ingress", "id", num(a));
	CTL_OK("attach", "ctl0", "ingress", "id", num(b));

	CTL_FAIL(M("program %u is already on ctl0 ingress (EEXIST)", a),
		 "attach", "ctl0", "ingress", "id", num(a), "last");
	CTL_FAIL(M("program %u is not on ctl0 ingress (ENOENT)", x),
		 "attach", "ctl0", "ingress", "id", num(c), "before", "id",
		 num(x));
	CTL_FAIL(M("program %u to replace is not on ctl0 ingress (ENOENT)", x),
		 "attach", "ctl0", "ingress", "id", num(c), "replace", "id",
		 num(x));
	CTL_FAIL(M("inconsistent placement: program %u to replace is not directly after program %u on ctl0 ingress (ERANGE)",
		   a, b), "attach", "ctl0", "ingress", "id", num(c), "replace",
		 "id", num(a), "after", "id", num(b));
	query(_metadata, self->if0, TCX_DIR_INGRESS, &h);
	CTL_FAIL(M("ctl0 ingress changed: revision is %llu, expected 1 (ESTALE)",
		   (unsigned long long)h.revision), "attach", "ctl0",
		 "ingress", "id", num(c), "expected-revision", "1");
	CTL_FAIL(M("ctl0 ingress changed: revision is %llu, expected 1 (ESTALE)",
		   (unsigned long long)h.revision), "detach", "ctl0",
		 "ingress", "last", "expected-revision", "1");
	EXPECT_PROGS(self->if0, TCX_DIR_INGRESS, a, b);

	/* Loaded from the object, refused by the hook: gone with tcxctl. */
	CTL_FAIL(M("ctl0 ingress changed: revision is %llu, expected 1 (ESTALE)",
		   (unsigned long long)h.revision), "attach", "ctl0",
		 "ingress", "obj", self->obj, "sec", "tc/egress",
		 "expected-revision", "1");
	CTL_FAIL(M("ctl0 ingress changed: revision is %llu, expected 1 (ESTALE)",
		   (unsigned long long)h.revision), "attach", "ctl0",
		 "ingress", "obj", self->obj, "sec", "tc/egress", "link",
		 "expected-revision", "1");
	EXPECT_TRUE(prog_name_gone("ctl_tc_eg"));

	/* A link's program: the program API may not touch it. */
	link = CTL_OK("attach", "ctl0", "ingress", "obj", self->obj, "sec",
		      "tc/ingress", "link", "tag", "agent");
	remember_link(self, link);
	query(_metadata, self->if0, TCX_DIR_INGRESS, &h);
	ASSERT_EQ(3U, h.count);
	lp = h.ids[2];
	CTL_FAIL(M("program %u is owned by link %u (EBUSY); detach the link instead (tcxctl link detach id %u)",
		   lp, link, link), "detach", "ctl0", "ingress", "id", num(lp));
	CTL_FAIL(M("program %u is owned by link %u (EBUSY); detach the link instead (tcxctl link detach id %u)",
		   lp, link, link), "detach", "ctl0", "ingress", "last");
	CTL_FAIL(M("program %u is owned by link %u (EBUSY); update the link instead (tcxctl link update id %u PROG)",
		   lp, link, link), "attach", "ctl0", "ingress", "id", num(c),
		 "replace", "id", num(lp));
	CTL_FAIL(M("link %u is not on ctl0 egress (ENOENT)", link), "attach",
		 "ctl0", "egress", "id", num(c), "after", "link", num(link));
	CTL_FAIL("no link with id 4000000000 (ENOENT)", "attach", "ctl0",
		 "egress", "id", num(c), "after", "link", "4000000000");
	EXPECT_PROGS(self->if0, TCX_DIR_INGRESS, a, b, lp);
	EXPECT_EMPTY(self->if0, TCX_DIR_EGRESS);

	CTL_FAIL("ctl1 ingress has no programs (ENOENT)", "detach", "ctl1",
		 "ingress", "first");
	CTL_FAIL(M("program %u is not on ctl0 ingress (ENOENT)", c), "detach",
		 "ctl0", "ingress", "id", num(c));

	/* Full: 63 programs, the last ones put there through libtcx. */
	for (i = 3; i < TCX_MAX_PROGS; i++) {
		fd = tcx_load_dummy();
		ASSERT_LE(0, fd);
		ASSERT_EQ(0, tcx_prog_attach(self->if0, TCX_DIR_INGRESS, fd,
					     NULL));
		close(fd);
	}
	d = load_dummy(_metadata);
	CTL_FAIL("ctl0 ingress is full (63 programs) (ERANGE)", "attach",
		 "ctl0", "ingress", "id", num(d));
	CTL_FAIL("ctl0 ingress is full (63 programs) (ERANGE)", "attach",
		 "ctl0", "ingress", "obj", self->obj, "sec", "tc/egress",
		 "link");
	query(_metadata, self->if0, TCX_DIR_INGRESS, &h);
	EXPECT_EQ((__u32)TCX_MAX_PROGS, h.count);
	EXPECT_TRUE(prog_name_gone("ctl_tc_eg"));

	/*
	 * The last one, without naming it: upstream's ERANGE on a full hook
	 * (the slot after the last is out of range) stays in the library,
	 * and tcxctl names the program instead.
	 */
	EXPECT_EQ(-ERANGE, tcx_prog_detach(self->if0, TCX_DIR_INGRESS, 0,
					   NULL));
	CTL_OK("detach", "dev", "ctl0", "ingress", "last");
	EXPECT_STREQ("", self->out);
	d = h.ids[TCX_MAX_PROGS - 1];
	query(_metadata, self->if0, TCX_DIR_INGRESS, &h);
	EXPECT_EQ((__u32)TCX_MAX_PROGS - 1, h.count);
	EXPECT_NE(d, h.ids[TCX_MAX_PROGS - 2]);
	EXPECT_TRUE(tcx_prog_id_released(d));
}

TEST_F(ctl, errors_link)
{
	__u32 a, b, c, link;

	a = load_dummy(_metadata);
	b = load_dummy(_metadata);
	c = load_dummy(_metadata);
	link = CTL_OK("attach", "ctl1", "ingress", "id", num(a), "link");
	remember_link(self, link);
	CTL_OK("attach", "ctl1", "ingress", "id", num(b));

	CTL_FAIL("no link with id 4000000000 (ENOENT)", "link", "show", "id",
		 "4000000000");
	CTL_FAIL("no link with id 4000000000 (ENOENT)", "link", "update", "id",
		 "4000000000", "id", num(c));
	CTL_FAIL("no link with id 4000000000 (ENOENT)", "link", "detach", "id",
		 "4000000000");
	CTL_FAIL("no link with id 4000000000 (ENOENT)", "link", "unpin", "id",
		 "4000000000");
	CTL_FAIL(M("link %u runs program %u, not program %u (EPERM)", link, a,
		   b), "link", "update", "id", num(link), "id", num(c), "old",
		 "id", num(b));
	CTL_FAIL(M("program %u is already on ctl1 ingress (EEXIST)", b),
		 "link", "update", "id", num(link), "id", num(b));
	CTL_FAIL(M("program %u is already on ctl1 ingress (EEXIST)", b),
		 "attach", "ctl1", "ingress", "id", num(b), "link");
	/* None of the refused updates touched the link. */
	EXPECT_PROGS(self->if1, TCX_DIR_INGRESS, a, b);
}

TEST_F(ctl, errors_usage)
{
	CTL_FAIL_LINE("tcxctl: unknown command 'frob'; see 'tcxctl help'",
		      "frob");
	CTL_FAIL_LINE("tcxctl: no command given; see 'tcxctl help'", "-d");
	CTL_FAIL_LINE("tcxctl: unknown option '-z'; see 'tcxctl help'", "-z",
		      "show");
	CTL_FAIL_LINE("tcxctl: attach: direction missing: ingress or egress; see 'tcxctl attach help'",
		      "attach", "ctl0");
	CTL_FAIL_LINE("tcxctl: attach: 'up' is not a direction: ingress or egress; see 'tcxctl attach help'",
		      "attach", "ctl0", "up", "id", "1");
	CTL_FAIL_LINE("tcxctl: attach: 'file' is not a program: obj FILE, id PROG_ID or pinned PATH; see 'tcxctl attach help'",
		      "attach", "ctl0", "ingress", "file", "x.o");
	CTL_FAIL_LINE("tcxctl: attach: PROG_ID must be a number, not 'x'; see 'tcxctl attach help'",
		      "attach", "ctl0", "ingress", "id", "x");
	CTL_FAIL_LINE("tcxctl: attach: a link never replaces a program; to change a link's program use 'tcxctl link update'; see 'tcxctl attach help'",
		      "attach", "ctl0", "ingress", "id", "1", "replace", "id",
		      "2", "link");
	CTL_FAIL_LINE("tcxctl: attach: hold keeps a link: write 'link hold'; see 'tcxctl attach help'",
		      "attach", "ctl0", "ingress", "id", "1", "hold");
	CTL_FAIL_LINE("tcxctl: attach: tag belongs to a link: write 'link tag TAG'; see 'tcxctl attach help'",
		      "attach", "ctl0", "ingress", "id", "1", "tag", "x");
	CTL_FAIL_LINE("tcxctl: attach: tag 'abcdefghijklmnopqrstuvwxyz012345' is too long (at most 31 bytes); see 'tcxctl attach help'",
		      "attach", "ctl0", "ingress", "id", "1", "link", "tag",
		      "abcdefghijklmnopqrstuvwxyz012345");
	CTL_FAIL_LINE("tcxctl: attach: before and first exclude each other; see 'tcxctl attach help'",
		      "attach", "ctl0", "ingress", "id", "1", "before", "id",
		      "2", "first");
	CTL_FAIL_LINE("tcxctl: attach: replace obj: a program loaded now is on no hook; name one with id or pinned; see 'tcxctl attach help'",
		      "attach", "ctl0", "ingress", "id", "1", "replace", "obj",
		      "x.o");
	CTL_FAIL_LINE("tcxctl: attach: expected-revision 0 checks nothing; revisions start at 1; see 'tcxctl attach help'",
		      "attach", "ctl0", "ingress", "id", "1",
		      "expected-revision", "0");
	CTL_FAIL_LINE("tcxctl: detach: unexpected 'now'; see 'tcxctl detach help'",
		      "detach", "ctl0", "ingress", "first", "now");
	CTL_FAIL_LINE("tcxctl: link update: 'id LINK_ID' or 'pinned PATH' missing; see 'tcxctl link help'",
		      "link", "update", "7");
	CTL_FAIL_LINE("tcxctl: link: unknown link command 'drop': show, update, detach, pin or unpin; see 'tcxctl link help'",
		      "link", "drop");
	CTL_FAIL_LINE("tcxctl: link pin: PATH missing; see 'tcxctl link help'",
		      "link", "pin", "id", "1");
	CTL_FAIL_LINE("tcxctl: attach: pin belongs to a link: write 'link pin PATH'; see 'tcxctl attach help'",
		      "attach", "ctl0", "ingress", "id", "1", "pin", "/sys/fs/bpf/x");
	CTL_FAIL_LINE("tcxctl: attach: hold and pin exclude each other: a pinned link outlives tcxctl; see 'tcxctl attach help'",
		      "attach", "ctl0", "ingress", "id", "1", "link", "pin",
		      "/sys/fs/bpf/x", "hold");
	CTL_FAIL_LINE("tcxctl: show: unknown keyword 'all'; see 'tcxctl show help'",
		      "show", "all");
}

static void become_nobody(void)
{
	if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
	    setresuid(65534, 65534, 65534))
		_exit(126);
}

/* Hide /dev/tcx as an unloaded module would, in the child only. */
static void hide_dev(void)
{
	if (unshare(CLONE_NEWNS) ||
	    mount("tmpfs", "/dev", "tmpfs", 0, NULL))
		_exit(126);
}

/*
 * Native tcx needs no /dev/tcx: without it every command works, and
 * without root bpf() itself is refused.
 */
static void native_no_dev_tcx(struct __test_metadata *_metadata, ctl_t *self)
{
	int rc;

	rc = ctl_exec(self, become_nobody, ARGS("show"));
	EXPECT_EQ(1, rc);
	EXPECT_STREQ("tcxctl: show: cannot use bpf(): permission denied (EPERM); this needs CAP_NET_ADMIN\n",
		     self->err);
	EXPECT_STREQ("", self->out);
	rc = ctl_exec(self, become_nobody, ARGS("link", "show"));
	EXPECT_EQ(1, rc);
	EXPECT_STREQ("tcxctl: link show: cannot use bpf(): permission denied (EPERM); this needs CAP_NET_ADMIN\n",
		     self->err);
	rc = ctl_exec(self, hide_dev, ARGS("attach", "ctl0", "ingress", "obj",
					   self->obj, "sec", "tcx/ingress"));
	EXPECT_EQ(0, rc) TH_LOG("%s", self->err);
	EXPECT_STREQ("", self->err);
	rc = ctl_exec(self, hide_dev, ARGS("show", "dev", "ctl0", "ingress"));
	EXPECT_EQ(0, rc) TH_LOG("%s", self->err);
	EXPECT_NE(NULL, strstr(self->out, " ctl_in ")) TH_LOG("%s", self->out);
	rc = ctl_exec(self, hide_dev, ARGS("detach", "ctl0", "ingress", "last"));
	EXPECT_EQ(0, rc) TH_LOG("%s", self->err);
	EXPECT_EMPTY(self->if0, TCX_DIR_INGRESS);
	rc = ctl_exec(self, hide_dev, ARGS("-V"));
	EXPECT_EQ(0, rc);
	EXPECT_NE(NULL, strstr(self->out,
			       "\nmodule not loaded (native tcx needs none)\nbackend native\n"))
		TH_LOG("%s", self->out);
}

TEST_F(ctl, errors_dev_tcx)
{
	int rc;

	if (tcx_test_native()) {
		native_no_dev_tcx(_metadata, self);
		return;
	}
	rc = ctl_exec(self, become_nobody, ARGS("show"));
	EXPECT_EQ(1, rc);
	EXPECT_STREQ("tcxctl: show: cannot open /dev/tcx: permission denied (EACCES); it is root's (mode 0600), and then this needs CAP_NET_ADMIN\n",
		     self->err);
	rc = ctl_exec(self, hide_dev, ARGS("link", "show"));
	EXPECT_EQ(1, rc);
	EXPECT_STREQ("tcxctl: link show: cannot open /dev/tcx: the tcx module is not loaded (ENOENT); load it with 'modprobe tcx'\n",
		     self->err);
	rc = ctl_exec(self, hide_dev, ARGS("attach", "ctl0", "ingress", "obj",
					   self->obj, "sec", "tcx/ingress"));
	EXPECT_EQ(1, rc);
	EXPECT_NE(NULL, strstr(self->err,
			       ": the tcx module is not loaded (ENOENT); load it with 'modprobe tcx'\n"));
	rc = ctl_exec(self, hide_dev, ARGS("-V"));
	EXPECT_EQ(0, rc);
	EXPECT_NE(NULL, strstr(self->out, "\nmodule not loaded (modprobe tcx)\n"));
}

/*
 * Words as ip and bpftool take them: "dev" before a device, and unique
 * prefixes of keywords (not of device names, nor of the alias list).
 */
TEST_F(ctl, words)
{
	char name[BPF_OBJ_NAME_LEN], tag[32];
	struct tcx_link_info li;
	struct hook h;
	__u32 a, b, p, link;

	a = load_dummy(_metadata);
	b = load_dummy(_metadata);
	p = CTL_OK("a", "dev", "ctl0", "i", "o", self->obj, "s",
		   "tcx/ingress", "n", "ctl_in");
	prog_meta(_metadata, p, name, tag);
	EXPECT_STREQ("ctl_in", name);
	CTL_OK("att", "dev", "ctl0", "in", "i", num(a), "bef", "i", num(p));
	EXPECT_PROGS(self->if0, TCX_DIR_INGRESS, a, p);
	link = CTL_OK("at", "dev", "ctl0", "e", "i", num(a), "lin", "tag",
		      "words", "exp", "1");
	remember_link(self, link);
	link_info(_metadata, link, &li);
	EXPECT_EQ((__u32)TCX_EGRESS, li.direction);

	CTL_OK("s", "d", "ctl0", "i");
	EXPECT_NE(NULL, strstr(self->out, " ctl_in ")) TH_LOG("%s", self->out);
	EXPECT_EQ(NULL, strstr(self->out, " egress")) TH_LOG("%s", self->out);
	CTL_OK("l", "s", "i", num(link));
	EXPECT_TRUE(starts_with(self->out, num(link))) TH_LOG("%s", self->out);
	CTL_OK("l", "sh");
	EXPECT_NE(NULL, strstr(self->out, " egress  attached")) TH_LOG("%s", self->out);
	CTL_OK("li", "d", "i", num(link));
	query(_metadata, self->if0, TCX_DIR_EGRESS, &h);
	EXPECT_EQ(0U, h.count);
	CTL_OK("l", "un", "i", num(link));
	EXPECT_EQ(-ENOENT, tcx_link_get_fd_by_id(link));

	/* detach: "dev", a prefix of last, of first; then of id. */
	CTL_OK("det", "dev", "ctl0", "ingress", "la");
	EXPECT_PROGS(self->if0, TCX_DIR_INGRESS, a);
	CTL_OK("at", "ctl0", "ingress", "i", num(b));
	CTL_OK("d", "ctl0", "ingress", "f");
	EXPECT_PROGS(self->if0, TCX_DIR_INGRESS, b);
	CTL_OK("d", "ctl0", "ingress", "i", num(b));
	EXPECT_EMPTY(self->if0, TCX_DIR_INGRESS);

	/* Ambiguous prefixes, and device names are never prefixes. */
	CTL_FAIL_LINE("tcxctl: attach: 'l' is ambiguous: last, link; see 'tcxctl attach help'",
		      "attach", "ctl0", "ingress", "id", num(a), "l");
	CTL_FAIL("no such device ctl (ENODEV)", "attach", "dev", "ctl",
		 "ingress", "id", num(a));
	CTL_FAIL_LINE("tcxctl: link: 'u' is ambiguous: update, unpin; see 'tcxctl link help'",
		      "l", "u", "i", "1");
	CTL_FAIL_LINE("tcxctl: link: unknown link command 'x': show, update, detach, pin or unpin; see 'tcxctl link help'",
		      "l", "x");
	EXPECT_EMPTY(self->if0, TCX_DIR_INGRESS);
}

/*
 * What bash completion (completion/tcxctl, next to the build tree) offers
 * after WORDS, the last one being the word under the cursor, one per line.
 */
static void complete(struct __test_metadata *_metadata, char *out,
		     size_t len, const char *const *words)
{
	static const char script[] =
		"f=$1; shift; . \"$f\"; COMP_WORDS=(\"$@\"); "
		"COMP_CWORD=$(($# - 1)); _tcxctl; "
		"printf '%s\\n' \"${COMPREPLY[@]}\"";
	const char *argv[CTL_MAX_ARGS + 5] = { "bash", "-c", script, "bash" };
	char file[PATH_MAX];
	int pipefd[2], status, n = 0, i;
	ssize_t r;
	pid_t pid;

	ASSERT_EQ(0, tcx_sibling_path(file, sizeof(file), "../../completion/tcxctl", R_OK));
	argv[4] = file;
	for (i = 0; words[i] && i < CTL_MAX_ARGS; i++)
		argv[5 + i] = words[i];
	argv[5 + i] = NULL;
	ASSERT_EQ(0, pipe2(pipefd, O_CLOEXEC));
	fflush(NULL);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		dup2(pipefd[1], STDOUT_FILENO);
		execvp("bash", (char **)argv);
		_exit(127);
	}
	close(pipefd[1]);
	while ((r = read(pipefd[0], out + n, len - 1 - n)) > 0)
		n += r;
	out[n] = '\0';
	close(pipefd[0]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
}

#define COMPLETE(...)	complete(_metadata, out, sizeof(out), ARGS(__VA_ARGS__))
#define OFFERED(WORD)	(strstr(out, WORD "\n") == out || \
			 strstr(out, "\n" WORD "\n"))

/* Completion offers no word that tcxctl would then refuse. */
TEST(completion)
{
	char out[4096];

	COMPLETE("tcxctl", "attach", "lo", "ingress", "id", "1", "link", "");
	EXPECT_TRUE(OFFERED("tag") && OFFERED("pin") && OFFERED("hold"))
		TH_LOG("%s", out);
	EXPECT_FALSE(OFFERED("replace")) TH_LOG("%s", out);
	EXPECT_TRUE(OFFERED("before") && OFFERED("expected-revision"))
		TH_LOG("%s", out);
	COMPLETE("tcxctl", "attach", "lo", "ingress", "id", "1", "link", "pin",
		 "/sys/fs/bpf/x", "");
	EXPECT_FALSE(OFFERED("hold") || OFFERED("pin")) TH_LOG("%s", out);
	EXPECT_TRUE(OFFERED("tag")) TH_LOG("%s", out);
	COMPLETE("tcxctl", "attach", "lo", "ingress", "id", "1", "link", "hold",
		 "");
	EXPECT_FALSE(OFFERED("pin")) TH_LOG("%s", out);
	COMPLETE("tcxctl", "attach", "lo", "ingress", "id", "1", "replace",
		 "id", "2", "");
	EXPECT_FALSE(OFFERED("link") || OFFERED("replace")) TH_LOG("%s", out);
	EXPECT_TRUE(OFFERED("before")) TH_LOG("%s", out);
	COMPLETE("tcxctl", "link", "");
	EXPECT_TRUE(OFFERED("pin") && OFFERED("unpin")) TH_LOG("%s", out);
	COMPLETE("tcxctl", "link", "detach", "");
	EXPECT_TRUE(OFFERED("id") && OFFERED("pinned")) TH_LOG("%s", out);
	COMPLETE("tcxctl", "attach", "");
	EXPECT_TRUE(OFFERED("dev") && OFFERED("lo")) TH_LOG("%s", out);
	COMPLETE("tcxctl", "attach", "dev", "");
	EXPECT_TRUE(OFFERED("lo") && !OFFERED("dev")) TH_LOG("%s", out);
	COMPLETE("tcxctl", "detach", "dev", "lo", "");
	EXPECT_TRUE(OFFERED("ingress") && OFFERED("egress")) TH_LOG("%s", out);
}

/* tcxctl -j ARGS must fail with {"error": MSG} on stdout, and no stderr. */
static void json_fail(struct __test_metadata *_metadata, ctl_t *self,
		      const char *msg, const char *const *args)
{
	struct json_object *root, *v;
	int rc;

	rc = ctl_exec(self, NULL, args);
	EXPECT_EQ(1, rc) TH_LOG("tcxctl %s: exit %d", join(args), rc);
	EXPECT_STREQ("", self->err);
	root = json_tokener_parse(self->out);
	ASSERT_NE(NULL, root) TH_LOG("not JSON: %s", self->out);
	ASSERT_TRUE(json_object_is_type(root, json_type_object));
	EXPECT_EQ(1, json_object_object_length(root));
	ASSERT_TRUE(json_object_object_get_ex(root, "error", &v))
		TH_LOG("%s", self->out);
	EXPECT_STREQ(msg, json_object_get_string(v));
	json_object_put(root);
}

#define JSON_FAIL(MSG, ...)	json_fail(_metadata, self, MSG, ARGS(__VA_ARGS__))

/*
 * Under -j an error is {"error": "..."} on stdout, as bpftool prints it,
 * and an empty answer is still JSON.
 */
TEST_F(ctl, json_errors)
{
	JSON_FAIL("no command given; see 'tcxctl help'", "-j");
	JSON_FAIL("unknown command 'frob'; see 'tcxctl help'", "-j", "frob");
	JSON_FAIL("link update: 'id LINK_ID' or 'pinned PATH' missing; see 'tcxctl link help'",
		  "-p", "link", "update", "7");
	JSON_FAIL("attach ctl0 ingress id 4000000000: no program with id 4000000000 (ENOENT)",
		  "-j", "attach", "ctl0", "ingress", "id", "4000000000");
	JSON_FAIL("show dev nosuch0: no such device nosuch0 (ENODEV)",
		  "-j", "show", "dev", "nosuch0");
	JSON_FAIL("link show id 4000000000: no link with id 4000000000 (ENOENT)",
		  "-j", "link", "show", "id", "4000000000");
	EXPECT_EMPTY(self->if0, TCX_DIR_INGRESS);

	CTL_OK("-j", "show");
	EXPECT_STREQ("[{\"tc\":[]}]\n", self->out);
	CTL_OK("-j", "show", "egress");
	EXPECT_STREQ("[{\"tc\":[]}]\n", self->out);
}

static void bogus_backend(void)
{
	if (setenv("TCX_BACKEND", "bogus", 1))
		_exit(126);
}

/*
 * An unknown TCX_BACKEND is refused with words, not a bare EINVAL: one
 * line from tcxctl, and with -d libtcx's own (its print callback) first.
 */
TEST_F(ctl, backend_env)
{
	int rc;

	rc = ctl_exec(self, bogus_backend, ARGS("show"));
	EXPECT_EQ(1, rc);
	EXPECT_STREQ("tcxctl: show: TCX_BACKEND=bogus names no backend: use module or native\n",
		     self->err);
	EXPECT_STREQ("", self->out);
	rc = ctl_exec(self, bogus_backend, ARGS("-d", "link", "show"));
	EXPECT_EQ(1, rc);
	EXPECT_STREQ("libtcx: TCX_BACKEND=bogus names no backend: use module or native\n"
		     "tcxctl: link show: TCX_BACKEND=bogus names no backend: use module or native\n",
		     self->err);
	/* -d: which backend libtcx chose, and why. */
	rc = ctl_exec(self, NULL, ARGS("-d", "show", "dev", "ctl0"));
	EXPECT_EQ(0, rc);
	EXPECT_TRUE(starts_with(self->err, tcx_test_native() ?
				"libtcx: backend native: " :
				"libtcx: backend module: "))
		TH_LOG("%s", self->err);
}

/* Root without CAP_SYS_ADMIN (exec gives root what the bounding set has). */
static void drop_sys_admin(void)
{
	if (prctl(PR_CAPBSET_DROP, CAP_SYS_ADMIN, 0, 0, 0))
		_exit(126);
}

/* ... and without CAP_NET_ADMIN either. */
static void drop_net_admin(void)
{
	if (prctl(PR_CAPBSET_DROP, CAP_SYS_ADMIN, 0, 0, 0) ||
	    prctl(PR_CAPBSET_DROP, CAP_NET_ADMIN, 0, 0, 0))
		_exit(126);
}

/* A refusal names the capability it takes, not just "root". */
TEST_F(ctl, errors_capabilities)
{
	char pinned[PATH_MAX], line[3 * PATH_MAX], path[PATH_MAX];
	char empty[64];
	__u32 a, link;
	int rc, fd;

	a = load_dummy(_metadata);
	link = CTL_OK("attach", "ctl0", "ingress", "id", num(a), "link");
	remember_link(self, link);

	rc = ctl_exec(self, drop_sys_admin, ARGS("link", "show"));
	EXPECT_EQ(1, rc);
	EXPECT_STREQ("tcxctl: link show: listing links: permission denied (EPERM); this needs CAP_SYS_ADMIN\n",
		     self->err);
	EXPECT_STREQ("", self->out);
	rc = ctl_exec(self, drop_sys_admin, ARGS("link", "show", "id",
						 num(link)));
	EXPECT_EQ(1, rc);
	snprintf(line, sizeof(line),
		 "tcxctl: link show id %u: looking up link %u: permission denied (EPERM); this needs CAP_SYS_ADMIN\n",
		 link, link);
	EXPECT_STREQ(line, self->err);
	rc = ctl_exec(self, drop_sys_admin, ARGS("detach", "ctl0", "ingress",
						 "id", num(a)));
	EXPECT_EQ(1, rc);
	snprintf(line, sizeof(line),
		 "tcxctl: detach ctl0 ingress id %u: looking up program %u: permission denied (EPERM); this needs CAP_SYS_ADMIN\n",
		 a, a);
	EXPECT_STREQ(line, self->err);

	/* A pinned program opens without either; the hook wants NET_ADMIN. */
	snprintf(pinned, sizeof(pinned), "%s/prog", self->bpffs);
	fd = bpf_prog_get_fd_by_id(a);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, bpf_obj_pin(fd, pinned));
	close(fd);
	rc = ctl_exec(self, drop_net_admin, ARGS("detach", "ctl0", "egress",
						 "pinned", pinned));
	EXPECT_EQ(1, rc);
	if (tcx_test_native())
		snprintf(line, sizeof(line),
			 "tcxctl: detach ctl0 egress pinned %s: cannot use bpf(): permission denied (EPERM); this needs CAP_NET_ADMIN\n",
			 pinned);
	else
		snprintf(line, sizeof(line),
			 "tcxctl: detach ctl0 egress pinned %s: detaching: permission denied (EPERM); this needs CAP_NET_ADMIN\n",
			 pinned);
	EXPECT_STREQ(line, self->err);
	EXPECT_PROGS(self->if0, TCX_DIR_INGRESS, a);

	/* Mounting bpffs on demand takes CAP_SYS_ADMIN; a pin opens without. */
	snprintf(pinned, sizeof(pinned), "%s/link", self->bpffs);
	CTL_OK("link", "pin", "id", num(link), pinned);
	strcpy(empty, "/tmp/tcxctl-nomount.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(empty));
	snprintf(path, sizeof(path), "%s/x", empty);
	rc = ctl_exec(self, drop_sys_admin, ARGS("link", "pin", "pinned",
						 pinned, path));
	EXPECT_EQ(1, rc);
	snprintf(line, sizeof(line),
		 "tcxctl: link pin pinned %s %s: bpffs is not mounted at %s, and mounting it failed: Operation not permitted (EPERM); mounting needs CAP_SYS_ADMIN\n",
		 pinned, path, empty);
	EXPECT_STREQ(line, self->err);
	EXPECT_NE(0, access(path, F_OK));
	rmdir(empty);
}

/*
 * tcxctl attach ... link hold, in the background: returns its pid once it
 * printed the link's id.
 */
static pid_t start_hold(struct __test_metadata *_metadata,
			ctl_t *self, __u32 *link)
{
	const char *argv[] = { "tcxctl", "attach", "ctl0", "egress", "obj",
			       self->obj, "sec", "tcx/egress", "link", "tag",
			       "holder", "hold", NULL };
	char buf[64] = "";
	struct pollfd pfd;
	size_t len = 0;
	int out[2];
	ssize_t n;
	pid_t pid;

	ASSERT_EQ(0, pipe2(out, O_CLOEXEC));
	fflush(NULL);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		dup2(out[1], STDOUT_FILENO);
		execv(self->tcxctl, (char **)argv);
		_exit(127);
	}
	close(out[1]);
	pfd.fd = out[0];
	pfd.events = POLLIN;
	while (!strchr(buf, '\n') && len < sizeof(buf) - 1) {
		ASSERT_EQ(1, poll(&pfd, 1, 20000)) TH_LOG("no link id from hold");
		n = read(out[0], buf + len, sizeof(buf) - 1 - len);
		ASSERT_LT(0, n);
		len += n;
		buf[len] = '\0';
	}
	close(out[0]);
	*link = strtoul(buf, NULL, 10);
	ASSERT_NE(0U, *link);
	return pid;
}

static void check_hold(struct __test_metadata *_metadata,
		       ctl_t *self, int sig, int exit_status)
{
	struct tcx_link_info li;
	struct hook h;
	__u32 link;
	int status;
	pid_t pid;

	pid = start_hold(_metadata, self, &link);
	query(_metadata, self->if0, TCX_DIR_EGRESS, &h);
	ASSERT_EQ(1U, h.count);
	EXPECT_EQ(link, h.links[0]);
	link_info(_metadata, link, &li);
	EXPECT_EQ(tcx_test_link_flags(0), li.flags);	/* held, not pinned */
	if (!tcx_test_native()) {
		/* Native tcx records no owner and no tag. */
		EXPECT_EQ((__u32)pid, li.owner_pid);
		EXPECT_STREQ("holder", li.tag);
	}

	ASSERT_EQ(0, kill(pid, sig));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	if (exit_status >= 0) {
		EXPECT_TRUE(WIFEXITED(status));
		EXPECT_EQ(exit_status, WEXITSTATUS(status));
	} else {
		EXPECT_TRUE(WIFSIGNALED(status));
	}
	EXPECT_EMPTY(self->if0, TCX_DIR_EGRESS);
	EXPECT_EQ(-ENOENT, tcx_link_get_fd_by_id(link));
	EXPECT_TRUE(tcx_prog_id_released(li.prog_id));
}

TEST_F(ctl, hold_sigterm)
{
	check_hold(_metadata, self, SIGTERM, 0);
}

TEST_F(ctl, hold_sigint)
{
	check_hold(_metadata, self, SIGINT, 0);
}

TEST_F(ctl, hold_sigkill)
{
	check_hold(_metadata, self, SIGKILL, -1);
}

TEST_F(ctl, help_and_version)
{
	char ver[TCX_VERSION_LEN], line[128];
	__u32 abi;

	CTL_OK("help");
	EXPECT_TRUE(starts_with(self->out, "Usage: tcxctl [OPTIONS] COMMAND ...\n"));
	EXPECT_NE(NULL, strstr(self->out, "  tcxctl link unpin LINK\n"));
	EXPECT_NE(NULL, strstr(self->out, "  LINK := { id LINK_ID | pinned PATH }\n"));
	CTL_OK("--help");
	EXPECT_NE(NULL, strstr(self->out, "  tcxctl detach DEV"));
	CTL_OK("attach", "help");
	EXPECT_NE(NULL, strstr(self->out, "  tcxctl attach DEV"));
	EXPECT_EQ(NULL, strstr(self->out, "tcxctl detach"));
	CTL_OK("help", "link");
	EXPECT_NE(NULL, strstr(self->out, "  tcxctl link update LINK PROG [old PROG]\n"));
	EXPECT_NE(NULL, strstr(self->out, "  tcxctl link pin LINK PATH\n"));
	EXPECT_EQ(NULL, strstr(self->out, "tcxctl attach"));

	if (tcx_test_native()) {
		/* No module needed: its line says so; the backend is native. */
		CTL_OK("-V");
		EXPECT_TRUE(starts_with(self->out, "tcxctl "));
		EXPECT_NE(NULL, strstr(self->out, "\nbackend native\n"));
		if (tcx_module_version(&abi, ver, sizeof(ver)) < 0) {
			EXPECT_NE(NULL, strstr(self->out, "\nmodule not loaded (native tcx needs none)\n"))
				TH_LOG("%s", self->out);
		}
		CTL_OK("--version", "-j");
		EXPECT_NE(NULL, strstr(self->out, "\"backend\":\"native\""))
			TH_LOG("%s", self->out);
		return;
	}
	ASSERT_LT(0, tcx_module_version(&abi, ver, sizeof(ver)));
	CTL_OK("-V");
	snprintf(line, sizeof(line), "module %s (ABI %u)\n", ver, abi);
	EXPECT_TRUE(starts_with(self->out, "tcxctl "));
	EXPECT_NE(NULL, strstr(self->out, line));
	EXPECT_NE(NULL, strstr(self->out, "\nbackend module\n"));
	CTL_OK("--version", "-j");
	snprintf(line, sizeof(line), "\"backend\":\"module\",\"module_version\":\"%s\",\"abi_version\":%u}",
		 ver, abi);
	EXPECT_NE(NULL, strstr(self->out, line)) TH_LOG("%s", self->out);
}

TEST_HARNESS_MAIN
