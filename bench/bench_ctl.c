// SPDX-License-Identifier: GPL-2.0
/*
 * bench_ctl: the control-plane half of `make bench`, run by bench/run
 * inside the VM.  It puts the programs of tests/bpf/bench_prog.bpf.c on a
 * hook the way each hook is meant to be driven from C: tcx-dkms through
 * libtcx, clsact + cls_bpf through libbpf's netlink calls (bpf_tc_*), and
 * times attach+detach pairs in one process, so that process start-up and
 * program loading are not part of what is measured.
 *
 *   bench_ctl attach tcx|tc|tc1p DIR IFNAME N [pass]
 *	N programs on the hook: N - 1 copies of bench_next, then bench_drop
 *	(bench_pass with "pass"); tc: one filter per program, priority and
 *	handle 1..N; tc1p: all under priority 1, handles 1..N, which cls_bpf
 *	runs as one list
 *   bench_ctl attach-many tcx|tc DIR PREFIX COUNT
 *	bench_drop on each of PREFIX0 .. PREFIX<COUNT-1>
 *   bench_ctl stats DIR IFNAME
 *	"PACKETS PASSED DROPPED PROGS": the tcx hook's own counters and the
 *	number of programs on it (tcx_query); the counters are "-" on native
 *	tcx, which has none
 *   bench_ctl cp METHOD DIR IFNAME PRE SECONDS RUNS
 *	PRE programs attached first, then RUNS times: attach+detach pairs of
 *	one more program for at least SECONDS; one line per run:
 *	"cp METHOD PRE RUN PAIRS SECONDS PAIRS_PER_S"
 *	METHOD: tcx-prog   tcx_prog_attach + tcx_prog_detach
 *		tcx-link   tcx_link_create + close of the link fd
 *		tc         bpf_tc_attach + bpf_tc_detach, clsact in place
 *		tc-qdisc   also bpf_tc_hook_create + bpf_tc_hook_destroy
 *			   (PRE must be 0): what tcx does on its first attach
 *			   and last detach, registering and freeing its hook
 *
 * DIR is ingress or egress.  The BPF object is $BENCH_BPF_OBJ, else
 * ../bpf/bench_prog.bpf.o next to this binary.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "libtcx.h"

#define BENCH_OBJ	"bench_prog.bpf.o"

/* Both hooks take at most this many here: tcx's array holds 63. */
#define BENCH_MAX_PROGS	TCX_MAX_PROGS

enum bench_hook { HOOK_TCX, HOOK_TC, HOOK_TC1P };

struct bench_insns {
	struct bpf_insn *insns;
	size_t cnt;
};

static struct bench_insns insns_drop, insns_pass, insns_next;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("bench_ctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void obj_path(char *buf, size_t len)
{
	const char *env = getenv("BENCH_BPF_OBJ");
	char exe[PATH_MAX];
	ssize_t n;
	char *slash;
	int ret;

	if (env && *env) {
		ret = snprintf(buf, len, "%s", env);
		goto out;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		die("readlink /proc/self/exe: %s", strerror(errno));
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (slash)
		*slash = '\0';
	ret = snprintf(buf, len, "%s/../bpf/%s", exe, BENCH_OBJ);
out:
	if (ret < 0 || (size_t)ret >= len)
		die("path of %s too long", BENCH_OBJ);
}

static void copy_insns(struct bpf_object *obj, const char *name,
		       struct bench_insns *out)
{
	struct bpf_program *prog = bpf_object__find_program_by_name(obj, name);
	size_t size;

	if (!prog)
		die("no program %s in %s", name, BENCH_OBJ);
	out->cnt = bpf_program__insn_cnt(prog);
	size = out->cnt * sizeof(*out->insns);
	out->insns = malloc(size);
	if (!out->insns)
		die("out of memory");
	memcpy(out->insns, bpf_program__insns(prog), size);
}

/*
 * The instructions as the object file has them: the programs use no maps
 * and no relocations, so each copy loads as is.  Loading copies rather than
 * one program is needed because a hook takes a program only once.
 */
static void load_object(void)
{
	struct bpf_object *obj;
	char path[PATH_MAX];

	obj_path(path, sizeof(path));
	obj = bpf_object__open_file(path, NULL);
	if (!obj)
		die("open %s: %s", path, strerror(errno));
	copy_insns(obj, "bench_drop", &insns_drop);
	copy_insns(obj, "bench_pass", &insns_pass);
	copy_insns(obj, "bench_next", &insns_next);
	bpf_object__close(obj);
}

static int load_prog(const struct bench_insns *p, const char *name)
{
	static char log[8192];
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .log_buf = log,
		    .log_size = sizeof(log), .log_level = 0);
	int fd;

	fd = bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, name, "GPL", p->insns,
			   p->cnt, &opts);
	if (fd < 0) {
		/* Load once more with the verifier's log to say why. */
		opts.log_level = 1;
		bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, name, "GPL", p->insns,
			      p->cnt, &opts);
		die("load %s: %s\n%s", name, strerror(-fd), log);
	}
	return fd;
}

static enum bench_hook parse_hook(const char *s)
{
	if (!strcmp(s, "tcx"))
		return HOOK_TCX;
	if (!strcmp(s, "tc"))
		return HOOK_TC;
	if (!strcmp(s, "tc1p"))
		return HOOK_TC1P;
	die("hook %s: tcx, tc or tc1p", s);
}

static enum tcx_dir parse_dir(const char *s)
{
	if (!strcmp(s, "ingress"))
		return TCX_DIR_INGRESS;
	if (!strcmp(s, "egress"))
		return TCX_DIR_EGRESS;
	die("direction %s: ingress or egress", s);
}

static int parse_int(const char *s, int min, int max, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || end == s || v < min || v > max)
		die("%s %s: want %d..%d", what, s, min, max);
	return v;
}

static int ifindex_of(const char *name)
{
	int ifindex = if_nametoindex(name);

	if (!ifindex)
		die("device %s: %s", name, strerror(errno));
	return ifindex;
}

static void tc_hook_init(struct bpf_tc_hook *hook, int ifindex,
			 enum tcx_dir dir)
{
	memset(hook, 0, sizeof(*hook));
	hook->sz = sizeof(*hook);
	hook->ifindex = ifindex;
	hook->attach_point = dir == TCX_DIR_INGRESS ? BPF_TC_INGRESS :
						      BPF_TC_EGRESS;
}

/* clsact on the device; one that is there already is fine. */
static void tc_hook_create(const struct bpf_tc_hook *hook)
{
	struct bpf_tc_hook h = *hook;
	int ret;

	ret = bpf_tc_hook_create(&h);
	if (ret && ret != -EEXIST)
		die("clsact on ifindex %d: %s", hook->ifindex, strerror(-ret));
}

static void tc_attach_handle(const struct bpf_tc_hook *hook, int fd,
			     __u32 prio, __u32 handle)
{
	LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = fd, .handle = handle,
		    .priority = prio);
	int ret;

	ret = bpf_tc_attach(hook, &opts);
	if (ret)
		die("cls_bpf prio %u handle %u on ifindex %d: %s", prio, handle,
		    hook->ifindex, strerror(-ret));
}

static void tc_attach(const struct bpf_tc_hook *hook, int fd, __u32 prio)
{
	tc_attach_handle(hook, fd, prio, prio);
}

static void tc_detach(const struct bpf_tc_hook *hook, __u32 prio)
{
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = prio, .priority = prio);
	int ret;

	ret = bpf_tc_detach(hook, &opts);
	if (ret)
		die("cls_bpf prio %u off ifindex %d: %s", prio, hook->ifindex,
		    strerror(-ret));
}

static void tcx_attach(int ifindex, enum tcx_dir dir, int fd)
{
	int ret = tcx_prog_attach(ifindex, dir, fd, NULL);

	if (ret)
		die("tcx attach on ifindex %d: %s", ifindex, strerror(-ret));
}

static void tcx_detach(int ifindex, enum tcx_dir dir, int fd)
{
	int ret = tcx_prog_detach(ifindex, dir, fd, NULL);

	if (ret)
		die("tcx detach from ifindex %d: %s", ifindex, strerror(-ret));
}

/* The hook keeps its references to the programs after we exit. */
static int cmd_attach(int argc, char **argv)
{
	const struct bench_insns *last = &insns_drop;
	const char *last_name = "bench_drop";
	enum bench_hook kind;
	struct bpf_tc_hook hook;
	enum tcx_dir dir;
	int ifindex, n, i, fd;

	if (argc != 4 && !(argc == 5 && !strcmp(argv[4], "pass")))
		die("attach tcx|tc|tc1p DIR IFNAME N [pass]");
	kind = parse_hook(argv[0]);
	dir = parse_dir(argv[1]);
	ifindex = ifindex_of(argv[2]);
	n = parse_int(argv[3], 1, BENCH_MAX_PROGS, "N");
	if (argc == 5) {
		last = &insns_pass;
		last_name = "bench_pass";
	}

	load_object();
	tc_hook_init(&hook, ifindex, dir);
	if (kind != HOOK_TCX)
		tc_hook_create(&hook);
	/*
	 * cls_bpf puts a new filter of a priority in front of the others
	 * (list_add_rcu()): under one priority, bench_drop goes in first.
	 */
	if (kind == HOOK_TC1P) {
		for (i = 1; i <= n; i++) {
			if (i == 1)
				fd = load_prog(last, last_name);
			else
				fd = load_prog(&insns_next, "bench_next");
			tc_attach_handle(&hook, fd, 1, i);
			close(fd);
		}
		return 0;
	}
	for (i = 1; i <= n; i++) {
		if (i < n)
			fd = load_prog(&insns_next, "bench_next");
		else
			fd = load_prog(last, last_name);
		if (kind == HOOK_TCX)
			tcx_attach(ifindex, dir, fd);
		else
			tc_attach(&hook, fd, i);
		close(fd);
	}
	return 0;
}

static int cmd_attach_many(int argc, char **argv)
{
	char name[IF_NAMESIZE];
	enum bench_hook kind;
	struct bpf_tc_hook hook;
	enum tcx_dir dir;
	int count, i, fd, ifindex;
	double t0;

	if (argc != 4)
		die("attach-many tcx|tc DIR PREFIX COUNT");
	kind = parse_hook(argv[0]);
	dir = parse_dir(argv[1]);
	count = parse_int(argv[3], 1, 1000000, "COUNT");

	load_object();
	fd = load_prog(&insns_drop, "bench_drop");
	t0 = now();
	for (i = 0; i < count; i++) {
		snprintf(name, sizeof(name), "%s%d", argv[2], i);
		ifindex = ifindex_of(name);
		if (kind == HOOK_TCX) {
			tcx_attach(ifindex, dir, fd);
		} else {
			/* One filter: tc and tc1p are the same thing here. */
			tc_hook_init(&hook, ifindex, dir);
			tc_hook_create(&hook);
			tc_attach(&hook, fd, 1);
		}
	}
	fprintf(stderr, "bench_ctl: %d devices in %.1f s\n", count, now() - t0);
	close(fd);
	return 0;
}

static int cmd_stats(int argc, char **argv)
{
	LIBTCX_OPTS(tcx_query, q);
	int ret;

	if (argc != 2)
		die("stats DIR IFNAME");
	ret = tcx_query(ifindex_of(argv[1]), parse_dir(argv[0]), &q);
	if (ret)
		die("tcx query %s: %s", argv[1], strerror(-ret));
	if (q.unavailable & TCX_QUERY_NO_STATS)
		printf("- - - %u\n", q.count);
	else
		printf("%llu %llu %llu %u\n",
		       (unsigned long long)q.stats.packets,
		       (unsigned long long)q.stats.passed,
		       (unsigned long long)q.stats.dropped, q.count);
	return 0;
}

enum cp_method { CP_TCX_PROG, CP_TCX_LINK, CP_TC, CP_TC_QDISC };

static const char *const cp_names[] = {
	[CP_TCX_PROG]	= "tcx-prog",
	[CP_TCX_LINK]	= "tcx-link",
	[CP_TC]		= "tc",
	[CP_TC_QDISC]	= "tc-qdisc",
};

/* One attach and one detach of fd, the program that comes and goes. */
static void cp_pair(enum cp_method m, int ifindex, enum tcx_dir dir, int fd,
		    const struct bpf_tc_hook *hook, __u32 prio)
{
	struct bpf_tc_hook both;
	int link, ret;

	switch (m) {
	case CP_TCX_PROG:
		tcx_attach(ifindex, dir, fd);
		tcx_detach(ifindex, dir, fd);
		break;
	case CP_TCX_LINK:
		link = tcx_link_create(ifindex, dir, fd, NULL);
		if (link < 0)
			die("tcx link on ifindex %d: %s", ifindex,
			    strerror(-link));
		/* The last fd of a link going away detaches it, at once. */
		close(link);
		break;
	case CP_TC:
		tc_attach(hook, fd, prio);
		tc_detach(hook, prio);
		break;
	case CP_TC_QDISC:
		tc_hook_create(hook);
		tc_attach(hook, fd, prio);
		tc_detach(hook, prio);
		/* Only both directions together remove clsact itself. */
		both = *hook;
		both.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
		ret = bpf_tc_hook_destroy(&both);
		if (ret)
			die("clsact off ifindex %d: %s", ifindex, strerror(-ret));
		break;
	}
}

static int cmd_cp(int argc, char **argv)
{
	int fds[BENCH_MAX_PROGS];
	struct bpf_tc_hook hook;
	enum cp_method m;
	enum tcx_dir dir;
	int ifindex, pre, runs, run, i, fd;
	double secs, t0, dt;
	long pairs;

	if (argc != 6)
		die("cp METHOD DIR IFNAME PRE SECONDS RUNS");
	for (m = 0; m < sizeof(cp_names) / sizeof(cp_names[0]); m++)
		if (!strcmp(argv[0], cp_names[m]))
			break;
	if (m == sizeof(cp_names) / sizeof(cp_names[0]))
		die("method %s: tcx-prog, tcx-link, tc or tc-qdisc", argv[0]);
	dir = parse_dir(argv[1]);
	ifindex = ifindex_of(argv[2]);
	/* The one that comes and goes needs a free slot. */
	pre = parse_int(argv[3], 0, BENCH_MAX_PROGS - 1, "PRE");
	secs = parse_int(argv[4], 1, 3600, "SECONDS");
	runs = parse_int(argv[5], 1, 1000, "RUNS");
	if (m == CP_TC_QDISC && pre)
		die("tc-qdisc removes clsact with every pair: PRE must be 0");

	load_object();
	tc_hook_init(&hook, ifindex, dir);
	if (m == CP_TC)
		tc_hook_create(&hook);
	for (i = 0; i < pre; i++) {
		fds[i] = load_prog(&insns_next, "bench_next");
		if (m == CP_TC)
			tc_attach(&hook, fds[i], i + 1);
		else
			tcx_attach(ifindex, dir, fds[i]);
	}
	fd = load_prog(&insns_next, "bench_next");

	/* One pair first: the first use of each path pays for warming up. */
	cp_pair(m, ifindex, dir, fd, &hook, pre + 1);
	for (run = 1; run <= runs; run++) {
		pairs = 0;
		t0 = now();
		do {
			cp_pair(m, ifindex, dir, fd, &hook, pre + 1);
			pairs++;
			dt = now() - t0;
		} while (dt < secs || pairs < 5);
		printf("cp %s %d %d %ld %.3f %.1f\n", cp_names[m], pre, run,
		       pairs, dt, pairs / dt);
		fflush(stdout);
	}

	for (i = 0; i < pre; i++) {
		if (m != CP_TC)
			tcx_detach(ifindex, dir, fds[i]);
		close(fds[i]);
	}
	if (m == CP_TC) {
		hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
		bpf_tc_hook_destroy(&hook);
	}
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		die("attach | attach-many | stats | cp ... (see bench/bench_ctl.c)");
	/* Quiet: libbpf's warnings would mix with the results on stdout. */
	libbpf_set_print(NULL);
	if (!strcmp(argv[1], "attach"))
		return cmd_attach(argc - 2, argv + 2);
	if (!strcmp(argv[1], "attach-many"))
		return cmd_attach_many(argc - 2, argv + 2);
	if (!strcmp(argv[1], "stats"))
		return cmd_stats(argc - 2, argv + 2);
	if (!strcmp(argv[1], "cp"))
		return cmd_cp(argc - 2, argv + 2);
	die("unknown command %s", argv[1]);
}
