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
#include <sys/stat.h>
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

/*
 * REL next to this binary: found through /proc/self/exe, else through the
 * name it was run by (in the test VM's chroot, /proc/self/exe names the
 * path outside it).
 */
static int sibling_path(char *buf, size_t len, const char *rel)
{
	const char *bases[2] = { NULL, program_invocation_name };
	char exe[PATH_MAX], dir[PATH_MAX];
	char *slash;
	ssize_t n;
	int i, ret;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n >= 0) {
		exe[n] = '\0';
		bases[0] = exe;
	}
	for (i = 0; i < 2; i++) {
		if (!bases[i])
			continue;
		snprintf(dir, sizeof(dir), "%s", bases[i]);
		slash = strrchr(dir, '/');
		if (slash)
			*slash = '\0';
		else
			strcpy(dir, ".");
		ret = snprintf(buf, len, "%s/%s", dir, rel);
		if (ret < 0 || (size_t)ret >= len)
			return -ENAMETOOLONG;
		if (!access(buf, R_OK))
			return 0;
	}
	return -ENOENT;
}

/* $TCXCTL, else the tcxctl that the build put next to this test. */
static int tcxctl_path(char *buf, size_t len)
{
	const char *env = getenv("TCXCTL");
	int ret;

	if (!env || !*env)
		return sibling_path(buf, len, "../ctl/tcxctl");
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
	return sibling_path(buf, len, rel);
}

typedef void (*ctl_pre_exec)(void);

/*
 * Run tcxctl ARGS, PRE first in the child; stdout and stderr land in
 * self->out and self->err.  Returns the exit status, 128 + signal, or -1.
 */
static int ctl_exec(ctl_t *self, ctl_pre_exec pre,
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
		execv(self->tcxctl, (char **)argv);
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

static __u32 ctl_ok(struct __test_metadata *_metadata,
		    ctl_t *self, const char *const *args)
{
	int rc = ctl_exec(self, NULL, args);

	ASSERT_EQ(0, rc) {
		TH_LOG("tcxctl %s: exit %d, stderr: %s", join(args), rc,
		       self->err);
	}
	EXPECT_STREQ("", self->err);
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
	char name[BPF_OBJ_NAME_LEN], tag[32], line[512], pin[128];
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

/*
 * show -j against tcx_query and the programs' and links' own info: every
 * hook with programs (or, with dev, every hook of the device) once, the
 * programs in run order.
 */
static void check_show_json(struct __test_metadata *_metadata,
			    ctl_t *self, int only_ifindex,
			    int only_dir)
{
	int ifs[3] = { LO_IFINDEX, self->if0, self->if1 };
	struct json_object *root, *o, *v, *progs, *p, *owner, *stats;
	char name[BPF_OBJ_NAME_LEN], tag[32], dev[IF_NAMESIZE];
	size_t n, expected = 0, k;
	struct tcx_link_info li;
	struct hook h;
	int i, d, dir, ifindex;
	__u32 j;

	root = json_tokener_parse(self->out);
	ASSERT_NE(NULL, root) TH_LOG("not JSON: %s", self->out);
	ASSERT_TRUE(json_object_is_type(root, json_type_array));
	for (i = 0; i < 3; i++) {
		for (d = TCX_DIR_INGRESS; d <= TCX_DIR_EGRESS; d++) {
			if (only_ifindex && ifs[i] != only_ifindex)
				continue;
			if (only_dir >= 0 && d != only_dir)
				continue;
			query(_metadata, ifs[i], d, &h);
			if (h.count || only_ifindex)
				expected++;
		}
	}
	n = json_object_array_length(root);
	ASSERT_EQ(expected, n) TH_LOG("%s", self->out);

	for (k = 0; k < n; k++) {
		o = json_object_array_get_idx(root, k);
		ASSERT_TRUE(json_object_object_get_ex(o, "ifindex", &v));
		ifindex = json_object_get_int(v);
		ASSERT_TRUE(json_object_object_get_ex(o, "devname", &v));
		ASSERT_NE(NULL, if_indextoname(ifindex, dev));
		EXPECT_STREQ(dev, json_object_get_string(v));
		ASSERT_TRUE(json_object_object_get_ex(o, "kind", &v));
		if (!strcmp("tcx/ingress", json_object_get_string(v))) {
			dir = TCX_DIR_INGRESS;
		} else {
			EXPECT_STREQ("tcx/egress", json_object_get_string(v));
			dir = TCX_DIR_EGRESS;
		}
		query(_metadata, ifindex, dir, &h);
		ASSERT_TRUE(json_object_object_get_ex(o, "revision", &v));
		EXPECT_EQ(h.revision, (__u64)json_object_get_int64(v));
		/* Native tcx has no live flag and no counters: null. */
		EXPECT_EQ(tcx_test_native() ?
			  TCX_QUERY_NO_HOOK_FLAGS | TCX_QUERY_NO_STATS : 0U,
			  h.unavailable);
		ASSERT_TRUE(json_object_object_get_ex(o, "live", &v));
		if (h.unavailable & TCX_QUERY_NO_HOOK_FLAGS) {
			EXPECT_EQ(NULL, v);
		} else {
			ASSERT_NE(NULL, v);
			EXPECT_EQ(!!(h.flags & TCX_HOOK_F_LIVE),
				  json_object_get_boolean(v));
		}
		ASSERT_TRUE(json_object_object_get_ex(o, "stats", &stats));
		if (h.unavailable & TCX_QUERY_NO_STATS) {
			EXPECT_EQ(NULL, stats);
		} else {
			ASSERT_TRUE(json_object_object_get_ex(stats, "packets", &v));
			EXPECT_EQ(h.stats.packets, (__u64)json_object_get_int64(v));
			ASSERT_TRUE(json_object_object_get_ex(stats, "dropped", &v));
			EXPECT_EQ(h.stats.dropped, (__u64)json_object_get_int64(v));
		}
		ASSERT_TRUE(json_object_object_get_ex(o, "progs", &progs));
		ASSERT_EQ(h.count, json_object_array_length(progs));
		for (j = 0; j < h.count; j++) {
			p = json_object_array_get_idx(progs, j);
			ASSERT_TRUE(json_object_object_get_ex(p, "position", &v));
			EXPECT_EQ(j, (__u32)json_object_get_int(v));
			ASSERT_TRUE(json_object_object_get_ex(p, "prog_id", &v));
			EXPECT_EQ(h.ids[j], (__u32)json_object_get_int64(v));
			prog_meta(_metadata, h.ids[j], name, tag);
			ASSERT_TRUE(json_object_object_get_ex(p, "name", &v));
			EXPECT_STREQ(name, json_object_get_string(v));
			ASSERT_TRUE(json_object_object_get_ex(p, "tag", &v));
			EXPECT_STREQ(tag, json_object_get_string(v));
			ASSERT_TRUE(json_object_object_get_ex(p, "link_id", &v));
			ASSERT_TRUE(json_object_object_get_ex(p, "owner", &owner));
			if (!h.links[j]) {
				EXPECT_EQ(NULL, v);
				EXPECT_EQ(NULL, owner);
				continue;
			}
			EXPECT_EQ(h.links[j], (__u32)json_object_get_int64(v));
			link_info(_metadata, h.links[j], &li);
			check_owner_json(_metadata, owner, &li);
			ASSERT_TRUE(json_object_object_get_ex(p, "pinned", &v));
			EXPECT_EQ(!!(li.flags & TCX_LINK_F_PINNED),
				  json_object_get_boolean(v));
		}
	}
	json_object_put(root);
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
	/* With dev, the empty hooks of that device too. */
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
		/* libtcx's own pin, where it is. */
		snprintf(line, sizeof(line), " %-8u %-22s %-16s %s/link-%u\n",
			 link, "n/a", "n/a", TCX_NATIVE_PIN_DIR, link);
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
	EXPECT_STREQ("[]\n", self->out);
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
	CTL_FAIL_LINE("tcxctl: no command given; see 'tcxctl help'", "-j");
	CTL_FAIL_LINE("tcxctl: unknown option '-z'; see 'tcxctl help'", "-z",
		      "show");
	CTL_FAIL_LINE("tcxctl: attach: direction missing: ingress or egress; see 'tcxctl attach help'",
		      "attach", "ctl0");
	CTL_FAIL_LINE("tcxctl: attach: 'in' is not a direction: ingress or egress; see 'tcxctl attach help'",
		      "attach", "ctl0", "in", "id", "1");
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
	CTL_FAIL_LINE("tcxctl: link update: 'id LINK_ID' missing; see 'tcxctl link help'",
		      "link", "update", "7");
	CTL_FAIL_LINE("tcxctl: link: unknown link command 'drop': show, update, detach or unpin; see 'tcxctl link help'",
		      "link", "drop");
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
	EXPECT_STREQ("tcxctl: show: cannot use bpf(): permission denied (EPERM); tcxctl needs root\n",
		     self->err);
	EXPECT_STREQ("", self->out);
	rc = ctl_exec(self, become_nobody, ARGS("link", "show"));
	EXPECT_EQ(1, rc);
	EXPECT_STREQ("tcxctl: link show: cannot use bpf(): permission denied (EPERM); tcxctl needs root\n",
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
	EXPECT_STREQ("tcxctl: show: cannot open /dev/tcx: permission denied (EACCES); tcxctl needs root\n",
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
	EXPECT_NE(NULL, strstr(self->out, "  tcxctl link unpin id LINK_ID\n"));
	CTL_OK("--help");
	EXPECT_NE(NULL, strstr(self->out, "  tcxctl detach DEV"));
	CTL_OK("attach", "help");
	EXPECT_NE(NULL, strstr(self->out, "  tcxctl attach DEV"));
	EXPECT_EQ(NULL, strstr(self->out, "tcxctl detach"));
	CTL_OK("help", "link");
	EXPECT_NE(NULL, strstr(self->out, "  tcxctl link update id LINK_ID PROG [old PROG]\n"));
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
