// SPDX-License-Identifier: GPL-2.0
/*
 * loader: a tcx client written the way existing software is, against
 * libbpf 1.4 (bookworm-backports) and nothing of ours, for the compat tests
 * (tests/compat/run).  On 6.6 and later it talks to the kernel's tcx; on 6.1
 * it needs the bpf() compatibility layer in front of tcx-dkms, under
 * LD_PRELOAD=libtcx-compat.so (built dynamically) or `tcx-compat run`
 * (built statically).
 *
 *   loader run OBJECT DEVICE PEER_NETNS PEER_ADDR PIN_DIR
 *	Every tcx call of libbpf on DEVICE (in this netns), with packets
 *	from and to PEER_ADDR (on the veth peer, in netns PEER_NETNS), a
 *	link pinned under PIN_DIR and fetched back by a second process, and
 *	the link ids walked with an XDP link of the kernel's own among them.
 *	Prints one line per step, with each outcome checked against what
 *	upstream's tcx does; exit status 0 only if all of them held.
 *   loader pin OBJECT PROGRAM DEVICE PATH
 *	Attach PROGRAM through a tcx link, pin the link at PATH and exit.
 *   loader get PATH LINK_ID PROG_ID IFINDEX
 *	(the second process) Open the pinned link at PATH and check it.
 *
 * Kernel-assigned ids differ from run to run and between the kernel and
 * the layer: programs are printed by name, links as L1, L2... in the order
 * they appear, so that transcripts compare line by line across kernels.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "compat.h"

#define MAX_PROGS	64
#define MAX_LINKS	16
#define PACKETS		5

static const char *const prog_names[COMPAT_NPROGS] = {
	[COMPAT_ING_A]	= "ing_a",
	[COMPAT_ING_B]	= "ing_b",
	[COMPAT_ING_C]	= "ing_c",
	[COMPAT_ING_D]	= "ing_d",
	[COMPAT_ING_E]	= "ing_e",
	[COMPAT_ING_F]	= "ing_f",
	[COMPAT_EG_A]	= "eg_a",
	[COMPAT_SPARE]	= "spare",
};

static struct {
	struct bpf_object *obj;
	struct bpf_program *prog[COMPAT_NPROGS];
	struct bpf_program *xdp;
	int prog_fd[COMPAT_NPROGS];
	__u32 prog_id[COMPAT_NPROGS];
	int counts_fd;
	const char *dev;
	int ifindex;
	__u32 link_id[MAX_LINKS];	/* L1 is link_id[0] */
	int nlinks;
	int failed;
} t;

/* err is a positive errno, or 0. */
static const char *err_name(int err)
{
	static char buf[32];

	switch (err) {
	case 0:		return "ok";
	case EPERM:	return "EPERM";
	case ENOENT:	return "ENOENT";
	case EBADF:	return "EBADF";
	case EBUSY:	return "EBUSY";
	case EEXIST:	return "EEXIST";
	case ENODEV:	return "ENODEV";
	case EINVAL:	return "EINVAL";
	case ENOSPC:	return "ENOSPC";
	case ERANGE:	return "ERANGE";
	case ENOLINK:	return "ENOLINK";
	case ESTALE:	return "ESTALE";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	}
	snprintf(buf, sizeof(buf), "errno %d", err);
	return buf;
}

/*
 * One step: what was done, its outcome (0 or an errno) against upstream's,
 * and details.  A step that differs is marked and counted; the transcript
 * of the run is what the driver compares across kernels.
 */
static void step(const char *what, int err, int want, const char *fmt, ...)
{
	va_list ap;

	err = abs(err);
	printf("%s: %s", what, err_name(err));
	if (fmt && *fmt) {
		printf(", ");
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
	}
	if (err != want) {
		printf("  <-- FAILED: upstream gives %s", err_name(want));
		t.failed++;
	}
	printf("\n");
	fflush(stdout);
}

/* A fact that must hold, with the line it prints. */
static void expect(int cond, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (!cond) {
		printf("  <-- FAILED");
		t.failed++;
	}
	printf("\n");
	fflush(stdout);
}

static const char *prog_name(__u32 id)
{
	int i;

	for (i = 0; i < COMPAT_NPROGS; i++)
		if (id && t.prog_id[i] == id)
			return prog_names[i];
	return id ? "prog-not-ours" : "none";
}

/* n of "L<n>": the order in which this link id first appeared. */
static int link_index(__u32 id)
{
	int i;

	for (i = 0; i < t.nlinks; i++)
		if (t.link_id[i] == id)
			return i + 1;
	if (t.nlinks < MAX_LINKS)
		t.link_id[t.nlinks++] = id;
	return t.nlinks;
}

static const char *link_name(__u32 id)
{
	static char buf[4][16];
	static int n;

	if (!id)
		return "none";
	n = (n + 1) % 4;
	snprintf(buf[n], sizeof(buf[n]), "L%d", link_index(id));
	return buf[n];
}

/* One slot of a query: "name[Ln]", or "name" for the program API's. */
static const char *slot_name(__u32 prog_id, __u32 link_id)
{
	static char buf[4][48];
	static int n;

	n = (n + 1) % 4;
	if (link_id)
		snprintf(buf[n], sizeof(buf[n]), "%s[%s]", prog_name(prog_id),
			 link_name(link_id));
	else
		snprintf(buf[n], sizeof(buf[n]), "%s", prog_name(prog_id));
	return buf[n];
}

static const char *ifindex_name(__u32 ifindex)
{
	static char buf[16];

	if (ifindex && (int)ifindex == t.ifindex)
		return t.dev;
	snprintf(buf, sizeof(buf), "%u", ifindex);
	return buf;
}

static const char *attach_type_name(__u32 type)
{
	switch (type) {
	case BPF_TCX_INGRESS:	return "tcx_ingress";
	case BPF_TCX_EGRESS:	return "tcx_egress";
	}
	return "other";
}

/* The hook's programs, in run order, as "name[link]" or "name" (no link). */
static void show_hook(const char *what, enum bpf_attach_type type,
		      int want_count)
{
	__u32 prog_ids[MAX_PROGS] = {}, link_ids[MAX_PROGS] = {}, i;
	LIBBPF_OPTS(bpf_prog_query_opts, q, .prog_ids = prog_ids,
		    .link_ids = link_ids, .count = MAX_PROGS);
	char list[1024] = "";
	size_t off = 0;
	int err;

	err = bpf_prog_query_opts(t.ifindex, type, &q);
	for (i = 0; !err && i < q.count && i < MAX_PROGS; i++)
		off += snprintf(list + off, sizeof(list) - off, " %s",
				slot_name(prog_ids[i], link_ids[i]));
	step(what, err, 0, "revision %llu, count %u:%s",
	     (unsigned long long)q.revision, q.count, list);
	expect((int)q.count == want_count, "  %u program(s) on %s %s",
	       q.count, t.dev, attach_type_name(type));
}

/* An ingress link's info: want_ifindex is 0 once it is detached. */
static void show_link(const char *what, int link_fd, __u32 want_ifindex,
		      enum compat_slot want_prog)
{
	struct bpf_link_info info;
	__u32 len = sizeof(info);
	int err;

	memset(&info, 0, sizeof(info));
	err = bpf_link_get_info_by_fd(link_fd, &info, &len);
	step(what, err, 0, "%s: type %s, ifindex %s, attach_type %s, prog %s",
	     link_name(info.id),
	     info.type == BPF_LINK_TYPE_TCX ? "tcx" : "other",
	     ifindex_name(info.tcx.ifindex),
	     attach_type_name(info.tcx.attach_type), prog_name(info.prog_id));
	if (err)
		return;
	expect(info.type == BPF_LINK_TYPE_TCX &&
	       info.tcx.ifindex == want_ifindex &&
	       info.tcx.attach_type == BPF_TCX_INGRESS &&
	       info.prog_id == t.prog_id[want_prog],
	       "  expected: type tcx, ifindex %s, attach_type tcx_ingress, prog %s",
	       ifindex_name(want_ifindex), prog_names[want_prog]);
}

static __u32 link_id_of(const struct bpf_link *link)
{
	struct bpf_link_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_link_get_info_by_fd(bpf_link__fd(link), &info, &len))
		return 0;
	return info.id;
}

static struct bpf_link *attach_tcx(const char *what, enum compat_slot slot,
				   __u32 flags, int relative_fd,
				   __u32 relative_id, int want)
{
	LIBBPF_OPTS(bpf_tcx_opts, o, .flags = flags, .relative_fd = relative_fd,
		    .relative_id = relative_id);
	struct bpf_link *link;
	int err;

	link = bpf_program__attach_tcx(t.prog[slot], t.ifindex, &o);
	err = link ? 0 : -errno;
	if (link)
		step(what, err, want, "link %s", link_name(link_id_of(link)));
	else
		step(what, err, want, NULL);
	return link;
}

/*
 * bpf_prog_attach_opts() of SLOT on ingress; replace < 0 for no
 * BPF_F_REPLACE, a relative id (libbpf adds BPF_F_ID) or fd, or neither.
 */
static void prog_attach(const char *what, enum compat_slot slot, __u32 flags,
			int replace, int relative_fd, __u32 relative_id,
			__u64 revision, int want)
{
	LIBBPF_OPTS(bpf_prog_attach_opts, o, .flags = flags,
		    .relative_fd = relative_fd, .relative_id = relative_id,
		    .expected_revision = revision);
	int err;

	if (replace >= 0) {
		o.flags |= BPF_F_REPLACE;
		o.replace_prog_fd = t.prog_fd[replace];
	}
	err = bpf_prog_attach_opts(t.prog_fd[slot], t.ifindex, BPF_TCX_INGRESS,
				   &o);
	step(what, err, want, NULL);
}

/* bpf_prog_detach_opts() from ingress: prog_fd 0 detaches by position. */
static void prog_detach(const char *what, int prog_fd, __u32 relative_id,
			int want)
{
	LIBBPF_OPTS(bpf_prog_detach_opts, o, .relative_id = relative_id);
	int err;

	err = bpf_prog_detach_opts(prog_fd, t.ifindex, BPF_TCX_INGRESS, &o);
	step(what, err, want, NULL);
}

/* A query that asks for the count only, and one with too little room. */
static void query_sizes(void)
{
	__u32 ids[2] = {}, links[2] = {};
	LIBBPF_OPTS(bpf_prog_query_opts, count_only);
	LIBBPF_OPTS(bpf_prog_query_opts, small, .prog_ids = ids,
		    .link_ids = links, .count = 2);
	int err;

	err = bpf_prog_query_opts(t.ifindex, BPF_TCX_INGRESS, &count_only);
	step("prog_query_opts, count only", err, 0, "count %u, revision %llu",
	     count_only.count, (unsigned long long)count_only.revision);
	err = bpf_prog_query_opts(t.ifindex, BPF_TCX_INGRESS, &small);
	step("prog_query_opts, room for 2", err, ENOSPC,
	     "count %u, revision %llu, first: %s %s", small.count,
	     (unsigned long long)small.revision, slot_name(ids[0], links[0]),
	     slot_name(ids[1], links[1]));
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static int open_object(const char *path)
{
	struct bpf_prog_info info;
	__u32 len;
	int i, err;

	t.obj = bpf_object__open_file(path, NULL);
	if (!t.obj) {
		fprintf(stderr, "loader: open %s: %s\n", path, strerror(errno));
		return -1;
	}
	err = bpf_object__load(t.obj);
	if (err) {
		fprintf(stderr, "loader: load %s: %s\n", path, strerror(-err));
		return -1;
	}
	for (i = 0; i < COMPAT_NPROGS; i++) {
		t.prog[i] = bpf_object__find_program_by_name(t.obj, prog_names[i]);
		if (!t.prog[i]) {
			fprintf(stderr, "loader: no program %s in %s\n",
				prog_names[i], path);
			return -1;
		}
		t.prog_fd[i] = bpf_program__fd(t.prog[i]);
		memset(&info, 0, sizeof(info));
		len = sizeof(info);
		err = bpf_prog_get_info_by_fd(t.prog_fd[i], &info, &len);
		if (err) {
			fprintf(stderr, "loader: info of %s: %s\n",
				prog_names[i], strerror(-err));
			return -1;
		}
		t.prog_id[i] = info.id;
	}
	t.xdp = bpf_object__find_program_by_name(t.obj, "xdp_pass");
	if (!t.xdp) {
		fprintf(stderr, "loader: no program xdp_pass in %s\n", path);
		return -1;
	}
	t.counts_fd = bpf_object__find_map_fd_by_name(t.obj, "counts");
	if (t.counts_fd < 0) {
		fprintf(stderr, "loader: no map counts in %s\n", path);
		return -1;
	}
	return 0;
}

static int set_device(const char *dev)
{
	t.dev = dev;
	t.ifindex = if_nametoindex(dev);
	if (!t.ifindex) {
		fprintf(stderr, "loader: %s: %s\n", dev, strerror(errno));
		return -1;
	}
	return 0;
}

/* A UDP socket on COMPAT_PORT, in the netns of NETNS_PATH if given. */
static int udp_socket(const char *netns_path)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(COMPAT_PORT),
	};
	int self = -1, ns = -1, fd = -1;

	if (netns_path) {
		self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		ns = open(netns_path, O_RDONLY | O_CLOEXEC);
		if (self < 0 || ns < 0 || setns(ns, CLONE_NEWNET))
			goto out;
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&sin, sizeof(sin))) {
		close(fd);
		fd = -1;
	}
	/* Back home: the ifindex of every later call is resolved here. */
	if (netns_path && setns(self, CLONE_NEWNET)) {
		fprintf(stderr, "loader: cannot return to my netns: %s\n",
			strerror(errno));
		exit(2);
	}
out:
	if (fd < 0)
		fprintf(stderr, "loader: UDP socket%s%s: %s\n",
			netns_path ? " in " : "", netns_path ? netns_path : "",
			strerror(errno));
	if (self >= 0)
		close(self);
	if (ns >= 0)
		close(ns);
	return fd;
}

/* Receive n datagrams on fd, each within 5 s; the sender of the last. */
static int receive(int fd, int n, struct sockaddr_in *from)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	socklen_t len;
	char buf[64];
	int got = 0;

	while (got < n && poll(&pfd, 1, 5000) == 1) {
		len = sizeof(*from);
		if (recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)from,
			     &len) >= 0)
			got++;
	}
	return got;
}

static __u64 count_of(enum compat_slot slot)
{
	__u32 key = slot;
	__u64 n = 0;

	if (bpf_map_lookup_elem(t.counts_fd, &key, &n))
		return ~0ULL;
	return n;
}

/*
 * PACKETS datagrams from here to the peer (out through DEVICE's egress
 * hook) and as many back (in through its ingress hook); then what each
 * program counted.
 */
static void packets(const char *peer_netns, const char *peer_addr,
		    const __u64 want[COMPAT_NPROGS])
{
	struct sockaddr_in to = {
		.sin_family = AF_INET,
		.sin_port = htons(COMPAT_PORT),
	}, from;
	int here, there, out, back, i, ok = 1;
	char list[512] = "";
	size_t off = 0;

	here = udp_socket(NULL);
	there = udp_socket(peer_netns);
	if (here < 0 || there < 0 || inet_pton(AF_INET, peer_addr, &to.sin_addr) != 1) {
		expect(0, "packets: no sockets");
		goto out;
	}
	for (i = 0; i < PACKETS; i++)
		sendto(here, "out", 3, 0, (struct sockaddr *)&to, sizeof(to));
	out = receive(there, PACKETS, &from);
	for (i = 0; out && i < PACKETS; i++)
		sendto(there, "back", 4, 0, (struct sockaddr *)&from, sizeof(from));
	back = receive(here, PACKETS, &from);
	expect(out == PACKETS && back == PACKETS,
	       "packets: %d of %d out to the peer, %d of %d back", out, PACKETS,
	       back, PACKETS);
	for (i = 0; i < COMPAT_NPROGS; i++) {
		off += snprintf(list + off, sizeof(list) - off, " %s %llu",
				prog_names[i], (unsigned long long)count_of(i));
		if (count_of(i) != want[i])
			ok = 0;
	}
	expect(ok, "  counted by the programs:%s", list);
out:
	if (here >= 0)
		close(here);
	if (there >= 0)
		close(there);
}

/* The second process: what BPF_OBJ_GET of the pin gives, checked. */
static int do_get(char **argv)
{
	struct bpf_link_info info;
	__u32 len = sizeof(info);
	int fd, err;

	fd = bpf_obj_get(argv[0]);
	step("  obj_get in a second process", fd < 0 ? fd : 0, 0, NULL);
	if (fd < 0)
		return 1;
	memset(&info, 0, sizeof(info));
	err = bpf_link_get_info_by_fd(fd, &info, &len);
	step("  its link info", err, 0, "type %s, attach_type %s",
	     info.type == BPF_LINK_TYPE_TCX ? "tcx" : "other",
	     attach_type_name(info.tcx.attach_type));
	expect(!err && info.id == strtoul(argv[1], NULL, 0) &&
	       info.prog_id == strtoul(argv[2], NULL, 0) &&
	       info.tcx.ifindex == strtoul(argv[3], NULL, 0),
	       "  the pinned link: same link id, prog id and ifindex");
	close(fd);
	return t.failed ? 1 : 0;
}

/* Pin link_fd under dir, and have a second process open it. */
static void pin_and_get(int link_fd, const char *dir, enum compat_slot slot)
{
	char path[256], id[3][16];
	struct bpf_link_info info;
	__u32 len = sizeof(info);
	int err, status;
	pid_t pid;

	snprintf(path, sizeof(path), "%s/link", dir);
	err = bpf_obj_pin(link_fd, path);
	step("obj_pin of a link", err, 0, NULL);
	if (err)
		return;
	memset(&info, 0, sizeof(info));
	bpf_link_get_info_by_fd(link_fd, &info, &len);
	snprintf(id[0], sizeof(id[0]), "%u", info.id);
	snprintf(id[1], sizeof(id[1]), "%u", t.prog_id[slot]);
	snprintf(id[2], sizeof(id[2]), "%d", t.ifindex);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		execl("/proc/self/exe", "loader", "get", path, id[0], id[1],
		      id[2], (char *)NULL);
		_exit(127);
	}
	status = -1;
	if (pid > 0)
		waitpid(pid, &status, 0);
	expect(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "  the second process found the link");
	err = unlink(path) ? -errno : 0;
	step("unlink of the pin", err, 0, NULL);
	err = bpf_obj_get(path);
	step("obj_get after the unlink", err < 0 ? err : 0, ENOENT, NULL);
	if (err >= 0)
		close(err);
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/*
 * Walk all link ids, as bpftool link show does: the tcx links on DEVICE
 * must be listed beside the kernel's own XDP link there, and each id must
 * open the link that has it.
 */
static void walk_links(int want_tcx, int want_xdp)
{
	int tcx[MAX_LINKS], ntcx = 0, xdp = 0, wrong = 0, fd, err, ret, i;
	struct bpf_link_info info;
	char list[256] = "";
	size_t off = 0;
	__u32 id = 0, len;

	while (!(err = bpf_link_get_next_id(id, &id))) {
		fd = bpf_link_get_fd_by_id(id);
		if (fd < 0) {
			step("link_get_fd_by_id", fd, 0, NULL);
			continue;
		}
		memset(&info, 0, sizeof(info));
		len = sizeof(info);
		ret = bpf_link_get_info_by_fd(fd, &info, &len);
		close(fd);
		if (ret || info.id != id)
			wrong++;
		else if (info.type == BPF_LINK_TYPE_TCX &&
			 (int)info.tcx.ifindex == t.ifindex && ntcx < MAX_LINKS)
			tcx[ntcx++] = link_index(info.id);
		else if (info.type == BPF_LINK_TYPE_XDP &&
			 (int)info.xdp.ifindex == t.ifindex)
			xdp++;
	}
	qsort(tcx, ntcx, sizeof(tcx[0]), cmp_int);
	for (i = 0; i < ntcx; i++)
		off += snprintf(list + off, sizeof(list) - off, " L%d", tcx[i]);
	step("link_get_next_id to the end", err, ENOENT, NULL);
	expect(ntcx == want_tcx && xdp == want_xdp && !wrong,
	       "  by link_get_fd_by_id on %s: tcx%s, %d xdp, %d id(s) opening another link",
	       t.dev, list, xdp, wrong);
}

static int do_run(char **argv)
{
	const char *peer_netns = argv[2], *peer_addr = argv[3];
	const char *pin_dir = argv[4];
	struct bpf_link *l1, *l2, *l3, *l4, *xdp;
	__u64 want[COMPAT_NPROGS] = {};
	int err;

	if (open_object(argv[0]) || set_device(argv[1]))
		return 2;

	/* Links, placed by link and by program id. */
	l1 = attach_tcx("attach_tcx ing_a", COMPAT_ING_A, 0, 0, 0, 0);
	if (!l1)
		return 1;
	l2 = attach_tcx("attach_tcx ing_b, before L1 (BPF_F_BEFORE|BPF_F_LINK)",
			COMPAT_ING_B, BPF_F_BEFORE | BPF_F_LINK,
			bpf_link__fd(l1), 0, 0);
	l3 = attach_tcx("attach_tcx ing_c, after ing_a by id (BPF_F_AFTER)",
			COMPAT_ING_C, BPF_F_AFTER, 0,
			t.prog_id[COMPAT_ING_A], 0);
	if (!l2 || !l3)
		return 1;
	show_hook("prog_query ingress", BPF_TCX_INGRESS, 3);
	show_link("link_get_info_by_fd L1", bpf_link__fd(l1), t.ifindex,
		  COMPAT_ING_A);
	attach_tcx("attach_tcx ing_a again", COMPAT_ING_A, 0, 0, 0, EEXIST);

	/* Replacing a link's program, in place. */
	err = bpf_link__update_program(l2, t.prog[COMPAT_ING_D]);
	step("link__update_program L2 to ing_d", err, 0, NULL);
	err = bpf_link__update_program(l2, t.prog[COMPAT_ING_A]);
	step("link__update_program L2 to ing_a (on the hook)", err, EEXIST, NULL);
	show_hook("prog_query ingress", BPF_TCX_INGRESS, 3);

	/* The program API next to links. */
	prog_attach("prog_attach_opts ing_e, before L1 (BPF_F_BEFORE|BPF_F_LINK)",
		    COMPAT_ING_E, BPF_F_BEFORE | BPF_F_LINK, -1,
		    bpf_link__fd(l1), 0, 0, 0);
	prog_attach("prog_attach_opts ing_f, BPF_F_ALLOW_MULTI", COMPAT_ING_F,
		    BPF_F_ALLOW_MULTI, -1, 0, 0, 0, EINVAL);
	prog_attach("prog_attach_opts ing_f, expected_revision 1", COMPAT_ING_F,
		    0, -1, 0, 0, 1, ESTALE);
	show_hook("prog_query ingress", BPF_TCX_INGRESS, 4);
	query_sizes();
	prog_detach("prog_detach_opts ing_a (owned by L1)",
		    t.prog_fd[COMPAT_ING_A], 0, EBUSY);

	/* A relative program by id that is not on the hook. */
	prog_attach("prog_attach_opts ing_f replacing ing_e, relative: spare's id (BPF_F_REPLACE|BPF_F_ID)",
		    COMPAT_ING_F, 0, COMPAT_ING_E, 0, t.prog_id[COMPAT_SPARE], 0, 0);
	show_hook("prog_query ingress", BPF_TCX_INGRESS, 4);
	prog_detach("prog_detach_opts ing_f, relative: spare's id (BPF_F_ID)",
		    t.prog_fd[COMPAT_ING_F], t.prog_id[COMPAT_SPARE], 0);
	show_hook("prog_query ingress", BPF_TCX_INGRESS, 3);

	/* Egress, then packets through both hooks. */
	l4 = attach_tcx("attach_tcx eg_a", COMPAT_EG_A, 0, 0, 0, 0);
	show_hook("prog_query egress", BPF_TCX_EGRESS, l4 ? 1 : 0);
	want[COMPAT_ING_D] = PACKETS;
	want[COMPAT_ING_A] = PACKETS;
	want[COMPAT_ING_C] = PACKETS;
	want[COMPAT_EG_A] = l4 ? PACKETS : 0;
	packets(peer_netns, peer_addr, want);

	/* Pins, and ids beside a link of the kernel's own. */
	pin_and_get(bpf_link__fd(l1), pin_dir, COMPAT_ING_A);
	xdp = bpf_program__attach_xdp(t.xdp, t.ifindex);
	if (xdp)
		step("attach_xdp xdp_pass (not tcx)", 0, 0, "link %s",
		     link_name(link_id_of(xdp)));
	else
		step("attach_xdp xdp_pass (not tcx)", -errno, 0, NULL);
	walk_links(l4 ? 4 : 3, xdp ? 1 : 0);

	/* A detached link stays open, defunct. */
	err = bpf_link__detach(l2);
	step("link__detach L2", err, 0, NULL);
	show_link("link_get_info_by_fd L2", bpf_link__fd(l2), 0, COMPAT_ING_D);
	err = bpf_link__update_program(l2, t.prog[COMPAT_ING_B]);
	step("link__update_program L2 after the detach", err, ENOLINK, NULL);
	show_hook("prog_query ingress", BPF_TCX_INGRESS, 2);
	prog_detach("prog_detach_opts, no program (the last, owned by L3)", 0,
		    0, EBUSY);

	/* Closing the links takes their programs off. */
	bpf_link__destroy(l1);
	bpf_link__destroy(l2);
	bpf_link__destroy(l3);
	bpf_link__destroy(l4);
	bpf_link__destroy(xdp);
	show_hook("prog_query ingress, links closed", BPF_TCX_INGRESS, 0);
	show_hook("prog_query egress, links closed", BPF_TCX_EGRESS, 0);

	printf("%s\n", t.failed ? "loader: some steps differ from upstream"
				: "loader: every step as upstream");
	bpf_object__close(t.obj);
	return t.failed ? 1 : 0;
}

/* A link that outlives this process, pinned at PATH (for bpftool). */
static int do_pin(char **argv)
{
	struct bpf_program *prog;
	struct bpf_link *link;
	int err;

	t.obj = bpf_object__open_file(argv[0], NULL);
	if (!t.obj || bpf_object__load(t.obj)) {
		fprintf(stderr, "loader: cannot load %s\n", argv[0]);
		return 2;
	}
	prog = bpf_object__find_program_by_name(t.obj, argv[1]);
	if (!prog || set_device(argv[2])) {
		fprintf(stderr, "loader: no program %s or no device %s\n",
			argv[1], argv[2]);
		return 2;
	}
	link = bpf_program__attach_tcx(prog, t.ifindex, NULL);
	if (!link) {
		fprintf(stderr, "loader: attach_tcx %s: %s\n", argv[1],
			err_name(errno));
		return 1;
	}
	err = bpf_link__pin(link, argv[3]);
	if (err) {
		fprintf(stderr, "loader: pin at %s: %s\n", argv[3],
			err_name(-err));
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	libbpf_set_print(libbpf_print);
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (argc == 7 && !strcmp(argv[1], "run"))
		return do_run(argv + 2);
	if (argc == 6 && !strcmp(argv[1], "pin"))
		return do_pin(argv + 2);
	if (argc == 6 && !strcmp(argv[1], "get"))
		return do_get(argv + 2);
	fprintf(stderr,
		"usage: loader run OBJECT DEVICE PEER_NETNS PEER_ADDR PIN_DIR\n"
		"       loader pin OBJECT PROGRAM DEVICE PATH\n"
		"       loader get PATH LINK_ID PROG_ID IFINDEX\n");
	return 2;
}
