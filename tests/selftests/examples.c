// SPDX-License-Identifier: GPL-2.0
/*
 * What README.md shows of examples/, run as a reader runs it: the
 * return-code programs of examples/retcodes.bpf.c attached with tcxctl,
 * real UDP packets through veth pairs, each code doing what the README
 * says; the systemd units of examples/systemd, their Exec lines read from
 * the unit files (so that the test follows the files) and run as systemd
 * would: ExecStart, SIGTERM to stop a held link, ExecStop; and the
 * README's commands for moving a device from cls_bpf, read from it.
 *
 *     nsC                    nsS                     nsK
 *   c0 10.0.7.1/24 ------ s0 10.0.7.2/24
 *                         s1 (no address) ------ k0 10.0.7.2/24, s0's MAC
 *
 * Programs go on s0's ingress.  A packet that verdict redirects out of s1
 * reaches nsK still addressed to s0's MAC and address, which k0 carries
 * too, so nsK's socket receives it: the evidence that it went there.
 */
#define _GNU_SOURCE
#include "tcx_test.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/if_ether.h>

#include "../bpf/datapath.h"		/* DP_PORT, which dp_cls.bpf.o drops */

#define EX_PORT		7000	/* examples/retcodes.bpf.c's RETCODES_PORT */
#define EX_SERVER	"10.0.7.2"
#define RX_WAIT_MS	5000	/* for a datagram that must arrive */
#define NO_RX_MS	500	/* for one that must not */
#define EX_TIMEOUT	180	/* per test: the VM emulates the CPU */
#define EX_MAX_ARGS	32

enum { NS_C, NS_S, NS_K, NS_MAX };
enum { EX_NEXT, EX_PASS, EX_DROP, EX_REDIRECT, EX_CODES };

static const char ns_tag[NS_MAX] = { 'c', 's', 'k' };

FIXTURE(ex)
{
	char ns[NS_MAX][32];
	int nsfd[NS_MAX];
	int home;			/* the test's own netns */
	int s0, s1;			/* ifindexes in nsS */
	int rx[EX_CODES];		/* nsS's sockets, one per port */
	int sink;			/* nsK's socket, on the redirect port */
	char tcxctl[PATH_MAX];
	char obj[PATH_MAX];
	char units[PATH_MAX];
	char readme[PATH_MAX];
	char pin[PATH_MAX];		/* what a pinned-link unit pinned */
};

typedef FIXTURE_DATA(ex) ex_t;

static int ns_enter(ex_t *self, int ns)
{
	return setns(self->nsfd[ns], CLONE_NEWNET) ? -errno : 0;
}

static void ns_leave(ex_t *self)
{
	if (setns(self->home, CLONE_NEWNET))
		abort();
}

/* ifindex and, if MAC, the address of device NAME in nsS. */
static int dev_info(ex_t *self, const char *name, int *ifindex, char *mac,
		    size_t maclen)
{
	struct ifreq ifr;
	unsigned char *a;
	int fd, ret = -1;

	if (ns_enter(self, NS_S))
		return -1;
	*ifindex = if_nametoindex(name);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	if (*ifindex && fd >= 0 && !ioctl(fd, SIOCGIFHWADDR, &ifr)) {
		a = (unsigned char *)ifr.ifr_hwaddr.sa_data;
		if (mac)
			snprintf(mac, maclen, "%02x:%02x:%02x:%02x:%02x:%02x",
				 a[0], a[1], a[2], a[3], a[4], a[5]);
		ret = 0;
	}
	if (fd >= 0)
		close(fd);
	ns_leave(self);
	return ret;
}

static int udp_open(ex_t *self, int ns, __u16 port)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
	};
	int fd;

	if (ns_enter(self, ns))
		return -1;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&sin, sizeof(sin))) {
		close(fd);
		fd = -1;
	}
	ns_leave(self);
	return fd;
}

/* The devices first: their hooks go with them before this returns. */
static void topo_destroy(ex_t *self)
{
	if (self->ns[NS_S][0])
		tcx_sh("ip -n %s link del s0; ip -n %s link del s1",
		       self->ns[NS_S], self->ns[NS_S]);
	tcx_netns_del(self->ns, self->nsfd, NS_MAX);
}

static int topo_build(ex_t *self)
{
	const char *c = self->ns[NS_C], *s = self->ns[NS_S], *k = self->ns[NS_K];
	char cmds[512], mac[32];

	if (tcx_netns_add(self->ns, self->nsfd, NS_MAX))
		return -1;
	snprintf(cmds, sizeof(cmds),
		 "link set lo up\n"
		 "link add name c0 type veth peer name s0 netns %s\n"
		 "addr add 10.0.7.1/24 dev c0\n"
		 "link set c0 up\n", s);
	if (tcx_ip_batch(c, cmds))
		return -1;
	snprintf(cmds, sizeof(cmds),
		 "link set lo up\n"
		 "link add name s1 type veth peer name k0 netns %s\n"
		 "addr add " EX_SERVER "/24 dev s0\n"
		 "link set s0 up\n"
		 "link set s1 up\n", k);
	if (tcx_ip_batch(s, cmds))
		return -1;
	if (dev_info(self, "s0", &self->s0, mac, sizeof(mac)) ||
	    dev_info(self, "s1", &self->s1, NULL, 0))
		return -1;
	snprintf(cmds, sizeof(cmds),
		 "link set lo up\n"
		 "link set k0 address %s\n"
		 "addr add " EX_SERVER "/24 dev k0\n"
		 "link set k0 up\n", mac);
	return tcx_ip_batch(k, cmds);
}

FIXTURE_SETUP(ex)
{
	int i, ret;

	for (i = 0; i < NS_MAX; i++)
		self->nsfd[i] = -1;
	for (i = 0; i < EX_CODES; i++)
		self->rx[i] = -1;
	self->sink = -1;
	ASSERT_TCX_DEV();
	self->home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, self->home);

	ret = getenv("TCXCTL") && *getenv("TCXCTL") ?
	      (snprintf(self->tcxctl, sizeof(self->tcxctl), "%s",
			getenv("TCXCTL")), 0) :
	      tcx_sibling_path(self->tcxctl, sizeof(self->tcxctl),
			       "../ctl/tcxctl", X_OK);
	ASSERT_EQ(0, ret) TH_LOG("no tcxctl next to this test: make tools");
	ret = tcx_sibling_path(self->obj, sizeof(self->obj),
			       "../examples/retcodes.bpf.o", R_OK);
	ASSERT_EQ(0, ret) TH_LOG("no build/examples/retcodes.bpf.o: make tests");
	ret = tcx_sibling_path(self->units, sizeof(self->units),
			       "../../examples/systemd", R_OK);
	ASSERT_EQ(0, ret) TH_LOG("no examples/systemd in the tree");
	ret = tcx_sibling_path(self->readme, sizeof(self->readme),
			       "../../README.md", R_OK);
	ASSERT_EQ(0, ret) TH_LOG("no README.md in the tree");

	for (i = 0; i < NS_MAX; i++)
		snprintf(self->ns[i], sizeof(self->ns[i]), "tcxex%c%d",
			 ns_tag[i], getpid());
	ret = topo_build(self);
	if (ret)
		topo_destroy(self);
	ASSERT_EQ(0, ret) TH_LOG("cannot build the topology");
	for (i = 0; i < EX_CODES; i++) {
		self->rx[i] = udp_open(self, NS_S, EX_PORT + i);
		ASSERT_LE(0, self->rx[i]);
	}
	self->sink = udp_open(self, NS_K, EX_PORT + EX_REDIRECT);
	ASSERT_LE(0, self->sink);
}

FIXTURE_TEARDOWN(ex)
{
	int i;

	for (i = 0; i < EX_CODES; i++)
		if (self->rx[i] >= 0)
			close(self->rx[i]);
	if (self->sink >= 0)
		close(self->sink);
	topo_destroy(self);
	if (self->pin[0])
		unlink(self->pin);
	if (self->home >= 0)
		close(self->home);
}

/* Any datagram on FD within MS milliseconds? */
static bool udp_got(int fd, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char buf[64];

	if (poll(&pfd, 1, ms) != 1)
		return false;
	return recv(fd, buf, sizeof(buf), MSG_DONTWAIT) >= 0;
}

/*
 * One datagram from nsC to the server's port for CODE: where it went.
 * 'S' nsS's socket got it, 'K' nsK's, '-' nobody (within NO_RX_MS after
 * the first that must not arrive), '?' it could not be sent.
 */
/* One datagram from nsC to the server's PORT: 0, or -1. */
static int udp_send(ex_t *self, __u16 port)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
	};
	int fd, ret = -1;

	inet_pton(AF_INET, EX_SERVER, &sin.sin_addr);
	if (ns_enter(self, NS_C))
		return -1;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ns_leave(self);
	if (fd < 0)
		return -1;
	if (sendto(fd, "tcx", 3, 0, (struct sockaddr *)&sin, sizeof(sin)) == 3)
		ret = 0;
	close(fd);
	return ret;
}

static char send_code(ex_t *self, int code)
{
	int ms = RX_WAIT_MS;
	bool s, k;

	if (udp_send(self, EX_PORT + code))
		return '?';
	/* Wait long only where the datagram should be, then look around. */
	s = udp_got(self->rx[code], code == EX_REDIRECT ? NO_RX_MS : ms);
	k = udp_got(self->sink, code == EX_REDIRECT && !s ? ms : NO_RX_MS);
	if (s && k)
		return '2';
	return s ? 'S' : k ? 'K' : '-';
}

/* The programs on s0's ingress, by id; count or -errno. */
static int s0_progs(ex_t *self, __u32 *ids, __u32 *links)
{
	LIBTCX_OPTS(tcx_query, q, .count = TCX_MAX_PROGS, .prog_ids = ids,
		    .link_ids = links);
	int ret;

	ret = ns_enter(self, NS_S);
	if (ret)
		return ret;
	ret = tcx_query(self->s0, TCX_DIR_INGRESS, &q);
	ns_leave(self);
	return ret ?: (int)q.count;
}

/* Wait up to 20 s for s0's ingress to hold N programs. */
static bool s0_count_is(ex_t *self, int n)
{
	__u32 ids[TCX_MAX_PROGS], links[TCX_MAX_PROGS];
	int i;

	for (i = 0; i < 400; i++) {
		if (s0_progs(self, ids, links) == n)
			return true;
		usleep(50 * 1000);
	}
	return false;
}

/* Run ARGV in nsS, as a child: its pid, or -1. */
static pid_t spawn_in_s(ex_t *self, char *const argv[])
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid)
		return pid;
	/* What tcxctl prints on stdout (ids) is not the test's output. */
	if (setns(self->nsfd[NS_S], CLONE_NEWNET) ||
	    !freopen("/dev/null", "w", stdout))
		_exit(126);
	execv(argv[0], argv);
	_exit(127);
}

/* Run ARGV in nsS to its end: its exit status, or -1. */
static int run_in_s(ex_t *self, char *const argv[])
{
	pid_t pid = spawn_in_s(self, argv);
	int st;

	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

/* tcxctl in nsS with the words of ARGS (NULL-terminated): exit status. */
static int tcxctl(ex_t *self, ...)
{
	char *argv[EX_MAX_ARGS] = { self->tcxctl };
	va_list ap;
	int n = 1;

	va_start(ap, self);
	while (n < EX_MAX_ARGS - 1 && (argv[n] = va_arg(ap, char *)))
		n++;
	va_end(ap);
	argv[n] = NULL;
	return run_in_s(self, argv);
}

/* Put s1's ifindex into redirect_to of the program PROG_ID. */
static int set_redirect(ex_t *self, __u32 prog_id)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info), map_id, key = 0, val = self->s1;
	int fd, ret;

	fd = bpf_prog_get_fd_by_id(prog_id);
	if (fd < 0)
		return fd;
	memset(&info, 0, sizeof(info));
	info.nr_map_ids = 1;
	info.map_ids = (__u64)(unsigned long)&map_id;
	ret = bpf_obj_get_info_by_fd(fd, &info, &len);
	close(fd);
	if (ret)
		return ret;
	if (info.nr_map_ids != 1)
		return -ENOENT;
	fd = bpf_map_get_fd_by_id(map_id);
	if (fd < 0)
		return fd;
	ret = bpf_map_update_elem(fd, &key, &val, BPF_ANY);
	close(fd);
	return ret;
}

/*
 * verdict alone: TCX_NEXT from the last program delivers, as TCX_PASS
 * does; TCX_DROP drops; TCX_REDIRECT sends the packet out of s1 into nsK.
 * Then drop_udp after it: a packet that verdict hands on (TCX_NEXT) is
 * dropped there, one it passed (TCX_PASS) is not.  All through tcxctl,
 * as the README's commands do, and detached with it again.
 */
TEST_F_TIMEOUT(ex, return_codes, EX_TIMEOUT)
{
	__u32 ids[TCX_MAX_PROGS], links[TCX_MAX_PROGS];

	ASSERT_EQ(0, tcxctl(self, "attach", "s0", "ingress", "obj", self->obj,
			    "name", "verdict", NULL));
	ASSERT_EQ(1, s0_progs(self, ids, links));
	EXPECT_EQ(0U, links[0]);
	ASSERT_EQ(0, set_redirect(self, ids[0]));

	EXPECT_EQ('S', send_code(self, EX_NEXT));
	EXPECT_EQ('S', send_code(self, EX_PASS));
	EXPECT_EQ('-', send_code(self, EX_DROP));
	EXPECT_EQ('K', send_code(self, EX_REDIRECT));

	ASSERT_EQ(0, tcxctl(self, "attach", "s0", "ingress", "obj", self->obj,
			    "name", "drop_udp", NULL));
	ASSERT_EQ(2, s0_progs(self, ids, links));
	EXPECT_EQ('-', send_code(self, EX_NEXT));
	EXPECT_EQ('S', send_code(self, EX_PASS));
	EXPECT_EQ('-', send_code(self, EX_DROP));
	EXPECT_EQ('K', send_code(self, EX_REDIRECT));

	/* drop_udp alone: verdict's TCX_PASS was what let 7001 through. */
	ASSERT_EQ(0, tcxctl(self, "detach", "s0", "ingress", "first", NULL));
	ASSERT_EQ(1, s0_progs(self, ids, links));
	EXPECT_EQ('-', send_code(self, EX_PASS));
	EXPECT_EQ('-', send_code(self, EX_REDIRECT));
	ASSERT_EQ(0, tcxctl(self, "detach", "s0", "ingress", "last", NULL));
	ASSERT_EQ(0, s0_progs(self, ids, links));
	EXPECT_EQ('S', send_code(self, EX_DROP));
}

/* Does COMMAND, run in nsS, print NEEDLE?  1 yes, 0 no, -1 it failed. */
static int ns_s_prints(ex_t *self, const char *command, const char *needle)
{
	char cmd[PATH_MAX * 3], line[1024];
	int found = 0, st;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "ip netns exec %s %s 2>&1", self->ns[NS_S],
		 command);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	while (fgets(line, sizeof(line), p))
		if (strstr(line, needle))
			found = 1;
	st = pclose(p);
	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st)) {
		fprintf(stderr, "# failed: %s\n", cmd);
		return -1;
	}
	return found;
}

/*
 * What the README says other tools see: tc filter show never lists a tcx
 * program; Debian 12's bpftool (7.1) knows no tcx; bpftool 7.5 (the one
 * make compat-tests puts next to the build, when it is there) lists it
 * under tcx-compat run, and on 6.1 only there.
 */
TEST_F_TIMEOUT(ex, what_other_tools_see, EX_TIMEOUT)
{
	char bt75[PATH_MAX], compat[PATH_MAX], cmd[PATH_MAX * 2 + 64];

	ASSERT_EQ(0, tcxctl(self, "attach", "s0", "ingress", "obj", self->obj,
			    "name", "verdict", NULL));
	EXPECT_EQ(0, ns_s_prints(self, "tc filter show dev s0 ingress", "verdict"));
	EXPECT_EQ(0, ns_s_prints(self, "tc qdisc show dev s0", "clsact"));
	EXPECT_EQ(0, ns_s_prints(self, "bpftool net show dev s0", "verdict"));
	EXPECT_EQ(1, ns_s_prints(self, "bpftool prog show name verdict", "verdict"));
	snprintf(cmd, sizeof(cmd), "%s show dev s0", self->tcxctl);
	EXPECT_EQ(1, ns_s_prints(self, cmd, "verdict"));

	if (tcx_sibling_path(bt75, sizeof(bt75), "../compat-tests/bpftool", X_OK) ||
	    tcx_sibling_path(compat, sizeof(compat), "../compat/tcx-compat", X_OK)) {
		TH_LOG("no bpftool 7.5 or tcx-compat next to the build (make tests): not compared");
		return;
	}
	snprintf(cmd, sizeof(cmd), "%s net show dev s0", bt75);
	EXPECT_EQ(tcx_test_native() ? 1 : 0, ns_s_prints(self, cmd, "verdict"));
	snprintf(cmd, sizeof(cmd), "%s run -- %s net show dev s0", compat, bt75);
	EXPECT_EQ(1, ns_s_prints(self, cmd, "verdict"));
}

/* A unit file's Exec lines and environment, as systemd reads them. */
struct unit {
	char start[1024];
	char stop[1024];
	char obj_default[PATH_MAX];
	bool has_stop;
};

static int unit_read(const char *path, struct unit *u)
{
	char line[1024];
	FILE *f;

	memset(u, 0, sizeof(*u));
	f = fopen(path, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!strncmp(line, "ExecStart=", 10)) {
			snprintf(u->start, sizeof(u->start), "%s", line + 10);
		} else if (!strncmp(line, "ExecStop=", 9)) {
			snprintf(u->stop, sizeof(u->stop), "%s", line + 9);
			u->has_stop = true;
		} else if (!strncmp(line, "Environment=OBJ=", 16)) {
			snprintf(u->obj_default, sizeof(u->obj_default), "%s",
				 line + 16);
		}
	}
	fclose(f);
	return u->start[0] ? 0 : -ENOENT;
}

/*
 * An Exec line as systemd runs it for instance INST with OBJ set: %i and
 * %I (the same for a name that needs no escaping), ${OBJ}, words split on
 * blanks; tcxctl is this build's, rm is /bin/rm.  Anything else that
 * systemd would interpret (quotes, other specifiers or variables,
 * prefixes) is refused: the test must not run something other than what
 * the unit says.
 */
static int exec_argv(ex_t *self, const char *line, const char *inst,
		     char *buf, size_t len, char *argv[EX_MAX_ARGS])
{
	size_t o = 0;
	const char *p;
	int n = 0;

	for (p = line; *p; p++) {
		const char *add = NULL;
		char c[2] = { *p, '\0' };

		if (*p == '%' && (p[1] == 'i' || p[1] == 'I')) {
			add = inst;
			p++;
		} else if (!strncmp(p, "${OBJ}", 6)) {
			add = self->obj;
			p += 5;
		} else if (strchr("%$\"'\\;", *p)) {
			return -EINVAL;
		} else {
			add = isblank(*p) ? "\n" : c;
		}
		if (o + strlen(add) + 1 > len)
			return -E2BIG;
		strcpy(buf + o, add);
		o += strlen(add);
	}
	buf[o] = '\0';
	for (p = strtok(buf, "\n"); p; p = strtok(NULL, "\n")) {
		if (n == EX_MAX_ARGS - 1)
			return -E2BIG;
		argv[n++] = (char *)p;
	}
	argv[n] = NULL;
	if (n && !strcmp(argv[0], "tcxctl"))
		argv[0] = self->tcxctl;
	else if (n && !strcmp(argv[0], "rm"))
		argv[0] = "/bin/rm";
	else
		return -EINVAL;
	return 0;
}

static void unit_load(struct __test_metadata *_metadata, ex_t *self,
		      const char *name, struct unit *u)
{
	char path[PATH_MAX * 2];
	int ret;

	snprintf(path, sizeof(path), "%s/%s", self->units, name);
	ret = unit_read(path, u);
	ASSERT_EQ(0, ret) TH_LOG("%s: no ExecStart (%s)", path, strerror(-ret));
	/* The object the README installs, which this test swaps for its own. */
	ASSERT_STREQ("/usr/local/lib/tcx/retcodes.bpf.o", u->obj_default);
}

/*
 * tcx-example-hold@.service: ExecStart stays in the foreground holding the
 * link; the program drops 7002 and passes 7001 while it runs; systemctl
 * stop's SIGTERM ends it with status 0 and the program is gone.
 */
TEST_F_TIMEOUT(ex, unit_held_link, EX_TIMEOUT)
{
	__u32 ids[TCX_MAX_PROGS], links[TCX_MAX_PROGS];
	char *argv[EX_MAX_ARGS], buf[2048];
	struct unit u;
	int ret, st;
	pid_t pid;

	unit_load(_metadata, self, "tcx-example-hold@.service", &u);
	EXPECT_FALSE(u.has_stop);
	ret = exec_argv(self, u.start, "s0", buf, sizeof(buf), argv);
	ASSERT_EQ(0, ret) TH_LOG("ExecStart=%s: %s", u.start, strerror(-ret));

	pid = spawn_in_s(self, argv);
	ASSERT_LT(0, pid);
	if (!s0_count_is(self, 1)) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		ASSERT_TRUE(false) TH_LOG("ExecStart=%s attached nothing", u.start);
	}
	EXPECT_EQ(0, waitpid(pid, &st, WNOHANG)) TH_LOG("tcxctl ... hold exited");
	ASSERT_EQ(1, s0_progs(self, ids, links));
	EXPECT_NE(0U, links[0]);
	EXPECT_EQ('-', send_code(self, EX_DROP));
	EXPECT_EQ('S', send_code(self, EX_PASS));

	ASSERT_EQ(0, kill(pid, SIGTERM));
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ASSERT_TRUE(s0_count_is(self, 0));
	EXPECT_EQ('S', send_code(self, EX_DROP));
}

/*
 * tcx-example-pin@.service: ExecStart attaches and exits 0, leaving the
 * link pinned at the unit's path and working; ExecStop removes the pin and
 * with it the link and the program, on native tcx as well.
 */
TEST_F_TIMEOUT(ex, unit_pinned_link, EX_TIMEOUT)
{
	__u32 ids[TCX_MAX_PROGS], links[TCX_MAX_PROGS];
	char *argv[EX_MAX_ARGS], buf[2048];
	const char *pin;
	struct unit u;
	struct stat st;
	int ret;

	unit_load(_metadata, self, "tcx-example-pin@.service", &u);
	ASSERT_TRUE(u.has_stop);
	ret = exec_argv(self, u.start, "s0", buf, sizeof(buf), argv);
	ASSERT_EQ(0, ret) TH_LOG("ExecStart=%s: %s", u.start, strerror(-ret));
	/* The pin path is the word after "pin". */
	for (ret = 0; argv[ret] && strcmp(argv[ret], "pin"); ret++)
		;
	ASSERT_NE(NULL, argv[ret]);
	pin = argv[ret + 1];
	ASSERT_NE(NULL, pin);
	snprintf(self->pin, sizeof(self->pin), "%s", pin);
	unlink(self->pin);	/* what an earlier run may have left */

	ASSERT_EQ(0, run_in_s(self, argv)) TH_LOG("ExecStart=%s", u.start);
	ASSERT_EQ(1, s0_progs(self, ids, links));
	EXPECT_NE(0U, links[0]);
	/* A pin is a symlink to tcx-link:N, which only the module resolves. */
	EXPECT_EQ(0, lstat(self->pin, &st)) TH_LOG("no pin at %s", self->pin);
	EXPECT_EQ('-', send_code(self, EX_DROP));
	EXPECT_EQ('S', send_code(self, EX_PASS));

	ret = exec_argv(self, u.stop, "s0", buf, sizeof(buf), argv);
	ASSERT_EQ(0, ret) TH_LOG("ExecStop=%s: %s", u.stop, strerror(-ret));
	ASSERT_EQ(0, run_in_s(self, argv)) TH_LOG("ExecStop=%s", u.stop);
	EXPECT_EQ(-1, lstat(self->pin, &st));
	ASSERT_TRUE(s0_count_is(self, 0));
	EXPECT_EQ('S', send_code(self, EX_DROP));
	self->pin[0] = '\0';
}

/*
 * The commands of README.md's "Moving a device over" block, for s0 and
 * with retcodes.bpf.o's verdict as the program that moves: the device has
 * clsact with a cls_bpf filter (dp_cls.bpf.o, which drops UDP to DP_PORT)
 * as tc(8) adds it; each command must succeed, and afterwards verdict is
 * there through a pinned link, the filter and the qdisc are gone.
 */
static int readme_block(ex_t *self, const char *after, char lines[][512],
			int max)
{
	char line[512], *hash;
	bool found = false, in = false;
	int n = 0;
	FILE *f;

	f = fopen(self->readme, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f) && n < max) {
		line[strcspn(line, "\n")] = '\0';
		if (!found) {
			found = strstr(line, after) != NULL;
			continue;
		}
		if (!in) {
			in = !strcmp(line, "```sh");
			continue;
		}
		if (!strcmp(line, "```"))
			break;
		hash = strstr(line, " #");
		if (hash)
			*hash = '\0';
		snprintf(lines[n++], sizeof(lines[0]), "%s", line);
	}
	fclose(f);
	return in ? n : -ENOENT;
}

/* SRC with each FROM replaced by TO, into DST: 0, or -E2BIG. */
static int replace(char *dst, size_t len, const char *src, const char *from,
		   const char *to)
{
	size_t o = 0, fl = strlen(from), tl = strlen(to);

	while (*src) {
		if (!strncmp(src, from, fl)) {
			if (o + tl >= len)
				return -E2BIG;
			memcpy(dst + o, to, tl);
			o += tl;
			src += fl;
		} else {
			if (o + 1 >= len)
				return -E2BIG;
			dst[o++] = *src++;
		}
	}
	dst[o] = '\0';
	return 0;
}

TEST_F_TIMEOUT(ex, moving_from_cls_bpf, EX_TIMEOUT)
{
	__u32 ids[TCX_MAX_PROGS], links[TCX_MAX_PROGS];
	char lines[8][512], a[PATH_MAX + 512], c[PATH_MAX + 512];
	char prog[PATH_MAX + 32], cls[PATH_MAX], *pin, *path;
	const char *ns = self->ns[NS_S];
	int i, n, dp, ret;

	n = readme_block(self, "Moving a device over", lines, 8);
	ASSERT_LE(3, n) TH_LOG("no commands after \"Moving a device over\"");
	ret = tcx_bpf_obj_path(cls, sizeof(cls), "dp_cls.bpf.o");
	ASSERT_EQ(0, ret) TH_LOG("dp_cls.bpf.o: %s", strerror(-ret));
	dp = udp_open(self, NS_S, DP_PORT);
	ASSERT_LE(0, dp);

	ASSERT_EQ(0, tcx_sh("ip netns exec %s tc qdisc add dev s0 clsact && "
			"ip netns exec %s tc filter add dev s0 ingress bpf da obj %s sec classifier",
			ns, ns, cls));
	ASSERT_EQ(0, udp_send(self, DP_PORT));
	EXPECT_FALSE(udp_got(dp, NO_RX_MS));

	/* tcxctl as the README types it: this build's, first in PATH. */
	snprintf(prog, sizeof(prog), "%s", self->tcxctl);
	*strrchr(prog, '/') = '\0';
	ret = asprintf(&path, "%s:%s", prog, getenv("PATH") ?: "/usr/bin");
	ASSERT_LT(0, ret);
	ASSERT_EQ(0, setenv("PATH", path, 1));
	free(path);

	snprintf(prog, sizeof(prog), "obj %s name verdict", self->obj);
	for (i = 0; i < n; i++) {
		char *argv[] = { "/bin/sh", "-c", c, NULL };

		ASSERT_EQ(0, replace(a, sizeof(a), lines[i], "obj prog.o sec tc",
				     prog));
		ASSERT_EQ(0, replace(c, sizeof(c), a, "eth0", "s0"));
		pin = strstr(c, "/sys/fs/bpf/");
		if (pin && !self->pin[0]) {
			snprintf(self->pin, sizeof(self->pin), "%s", pin);
			self->pin[strcspn(self->pin, " ")] = '\0';
			unlink(self->pin);
		}
		EXPECT_EQ(0, run_in_s(self, argv)) TH_LOG("README: %s", c);
	}

	ASSERT_EQ(1, s0_progs(self, ids, links));
	EXPECT_NE(0U, links[0]);
	EXPECT_EQ(0, ns_s_prints(self, "tc qdisc show dev s0", "clsact"));
	ASSERT_EQ(0, udp_send(self, DP_PORT));
	EXPECT_TRUE(udp_got(dp, RX_WAIT_MS)) TH_LOG("the cls_bpf filter is still there");
	EXPECT_EQ('-', send_code(self, EX_DROP));
	EXPECT_EQ('S', send_code(self, EX_PASS));
	close(dp);
}

TEST_HARNESS_MAIN
