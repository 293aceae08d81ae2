// SPDX-License-Identifier: GPL-2.0
/*
 * The tcx data path with real packets: verdicts, chains, packet rewrites,
 * redirects, the order next to clsact and nftables, and what happens to
 * hooks when their device is deleted, its netns destroyed, or moved.
 *
 * Each test builds its own namespaces (names end in the test's pid) and
 * two veth pairs:
 *
 *     nsA                   nsR                          nsB
 *   x1 10.0.1.1/24 ------ y1 10.0.1.254/24
 *      fd01::1/64            fd01::254/64
 *                          y2 10.0.2.254/24 ------ x2 10.0.2.2/24
 *                             fd02::254/64            fd02::2/64
 *                                                     10.0.3.2/32 10.0.4.2/32
 *                                                     fd03::2/128
 *
 * nsA reaches 10.0.2.0/24, 10.0.3.0/24, fd02::/64 and fd03::/64 through
 * y1; nsR does not forward and has no route to 10.0.3.0/24 or fd03::/64,
 * so a packet from nsA gets to nsB only if a program on y1 sends it there.
 * nsR reaches 10.0.4.0/24 through x1.
 *
 * Programs (tests/bpf/datapath.bpf.c) act only on UDP to DP_PORT and hand
 * anything else on, so ARP and neighbour discovery keep working.  What a
 * test claims ran or arrived it reads from the programs' own maps (the
 * run order, the seen counters) and from the receiving socket; tcx-dkms's
 * hook counters are checked on top, where the backend has them.
 */
#define _GNU_SOURCE
#include "tcx_test.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>

#include "../bpf/datapath.h"

#define RX_WAIT_MS	5000	/* for a packet that must arrive */
#define NO_RX_MS	500	/* for one that must not */
#define DP_TIMEOUT	180	/* per test: the VM emulates the CPU */

enum { NS_A, NS_R, NS_B, NS_MAX };

static const char ns_tag[NS_MAX] = { 'a', 'r', 'b' };

FIXTURE(dp)
{
	char ns[NS_MAX][32];
	int nsfd[NS_MAX];
	int home;			/* the test's own netns */
	struct bpf_object *obj;
	int cfg_fd, order_fd, result_fd, seen_fd;
	int x1, y1, y2, x2;		/* each in its own netns */
	unsigned char mac_y1[ETH_ALEN], mac_y2[ETH_ALEN], mac_x2[ETH_ALEN];
	long refcnt;			/* tcx.ko's, with nothing attached */
};

typedef FIXTURE_DATA(dp) dp_t;

static int ns_enter(dp_t *self, int ns)
{
	return setns(self->nsfd[ns], CLONE_NEWNET) ? -errno : 0;
}

static void ns_leave(dp_t *self)
{
	if (setns(self->home, CLONE_NEWNET))
		abort();
}

/* ifindex and MAC address of a device in netns NS. */
static int dev_info(dp_t *self, int ns, const char *name, int *ifindex,
		    unsigned char *mac)
{
	struct ifreq ifr;
	int fd, ret = -1;

	if (ns_enter(self, ns))
		return -1;
	*ifindex = if_nametoindex(name);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	if (*ifindex && fd >= 0 && !ioctl(fd, SIOCGIFHWADDR, &ifr)) {
		if (mac)
			memcpy(mac, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
		ret = 0;
	}
	if (fd >= 0)
		close(fd);
	ns_leave(self);
	return ret;
}

/* Write a sysctl of netns NS: /proc/sys/net belongs to the reader's netns. */
static int ns_sysctl(dp_t *self, int ns, const char *path, const char *val)
{
	int fd, ret = -1;

	if (ns_enter(self, ns))
		return -1;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (write(fd, val, strlen(val)) == (ssize_t)strlen(val))
			ret = 0;
		close(fd);
	}
	ns_leave(self);
	return ret;
}

/*
 * Deleting the devices first takes their hooks away before this returns,
 * so that the next test starts with tcx.ko's references back where they
 * were; a netns is destroyed later, in a kernel worker.
 */
static void topo_destroy(dp_t *self)
{
	static const char *const devs = "link del y1\nlink del y2\nlink del y3\n";
	char cmd[128];
	FILE *ip;
	int i;

	for (i = NS_R; i <= NS_B; i++) {
		if (!self->ns[i][0])
			continue;
		snprintf(cmd, sizeof(cmd), "ip -n %s -force -batch - >/dev/null 2>&1",
			 self->ns[i]);
		ip = popen(cmd, "w");
		if (ip) {
			fputs(devs, ip);
			pclose(ip);
		}
	}
	tcx_netns_del(self->ns, self->nsfd, NS_MAX);
}

static int topo_build(dp_t *self)
{
	const char *a = self->ns[NS_A], *r = self->ns[NS_R], *b = self->ns[NS_B];
	char cmds[1024];

	if (tcx_netns_add(self->ns, self->nsfd, NS_MAX))
		return -1;
	/* Packets redirected into y2 come from nsA: no reverse-path check. */
	if (ns_sysctl(self, NS_R, "/proc/sys/net/ipv4/conf/all/rp_filter", "0") ||
	    ns_sysctl(self, NS_R, "/proc/sys/net/ipv4/conf/default/rp_filter", "0"))
		return -1;

	snprintf(cmds, sizeof(cmds),
		 "link set lo up\n"
		 "link add name x1 type veth peer name y1 netns %s\n"
		 "addr add 10.0.1.1/24 dev x1\n"
		 "addr add fd01::1/64 dev x1 nodad\n"
		 "link set x1 up\n"
		 "route add 10.0.2.0/24 via 10.0.1.254\n"
		 "route add 10.0.3.0/24 via 10.0.1.254\n"
		 "route add fd02::/64 via fd01::254\n"
		 "route add fd03::/64 via fd01::254\n", r);
	if (tcx_ip_batch(a, cmds))
		return -1;
	snprintf(cmds, sizeof(cmds),
		 "link set lo up\n"
		 "link add name y2 type veth peer name x2 netns %s\n"
		 "addr add 10.0.1.254/24 dev y1\n"
		 "addr add fd01::254/64 dev y1 nodad\n"
		 "addr add 10.0.2.254/24 dev y2\n"
		 "addr add fd02::254/64 dev y2 nodad\n"
		 "link set y1 up\n"
		 "link set y2 up\n"
		 "route add 10.0.4.0/24 via 10.0.1.1\n", b);
	if (tcx_ip_batch(r, cmds))
		return -1;
	if (tcx_ip_batch(b,
			 "link set lo up\n"
			 "addr add 10.0.2.2/24 dev x2\n"
			 "addr add 10.0.3.2/32 dev x2\n"
			 "addr add 10.0.4.2/32 dev x2\n"
			 "addr add fd02::2/64 dev x2 nodad\n"
			 "addr add fd03::2/128 dev x2 nodad\n"
			 "link set x2 up\n"
			 "route add default via 10.0.2.254\n"
			 "route add default via fd02::254\n"))
		return -1;
	if (dev_info(self, NS_A, "x1", &self->x1, NULL) ||
	    dev_info(self, NS_R, "y1", &self->y1, self->mac_y1) ||
	    dev_info(self, NS_R, "y2", &self->y2, self->mac_y2) ||
	    dev_info(self, NS_B, "x2", &self->x2, self->mac_x2))
		return -1;
	return 0;
}

static long module_refcnt(void)
{
	long n = -1;
	FILE *f = fopen("/sys/module/tcx/refcnt", "r");

	if (!f)
		return -1;
	if (fscanf(f, "%ld", &n) != 1)
		n = -1;
	fclose(f);
	return n;
}

FIXTURE_SETUP(dp)
{
	struct bpf_program *prog;
	char path[PATH_MAX];
	int i, ret;

	for (i = 0; i < NS_MAX; i++)
		self->nsfd[i] = -1;
	ASSERT_TCX_DEV();
	self->refcnt = module_refcnt();
	self->home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, self->home);

	ret = tcx_bpf_obj_path(path, sizeof(path), "datapath.bpf.o");
	ASSERT_EQ(0, ret) TH_LOG("datapath.bpf.o: %s", strerror(-ret));
	self->obj = bpf_object__open_file(path, NULL);
	ASSERT_NE(NULL, self->obj);
	bpf_object__for_each_program(prog, self->obj)
		bpf_program__set_type(prog, BPF_PROG_TYPE_SCHED_CLS);
	ASSERT_EQ(0, bpf_object__load(self->obj));
	self->cfg_fd = bpf_object__find_map_fd_by_name(self->obj, "cfg");
	self->order_fd = bpf_object__find_map_fd_by_name(self->obj, "order");
	self->result_fd = bpf_object__find_map_fd_by_name(self->obj, "result");
	self->seen_fd = bpf_object__find_map_fd_by_name(self->obj, "seen");
	ASSERT_LE(0, self->cfg_fd);
	ASSERT_LE(0, self->order_fd);
	ASSERT_LE(0, self->result_fd);
	ASSERT_LE(0, self->seen_fd);

	for (i = 0; i < NS_MAX; i++)
		snprintf(self->ns[i], sizeof(self->ns[i]), "tcxdp%c%d",
			 ns_tag[i], getpid());
	ret = topo_build(self);
	if (ret)
		topo_destroy(self);
	ASSERT_EQ(0, ret) TH_LOG("cannot build the topology");
}

FIXTURE_TEARDOWN(dp)
{
	topo_destroy(self);
	if (self->obj)
		bpf_object__close(self->obj);
	if (self->home >= 0)
		close(self->home);
}

static int prog_fd(dp_t *self, const char *name)
{
	struct bpf_program *prog;

	prog = bpf_object__find_program_by_name(self->obj, name);
	return prog ? bpf_program__fd(prog) : -ENOENT;
}

static int attach(dp_t *self, int ns, int ifindex, enum tcx_dir dir,
		  const char *name)
{
	int fd = prog_fd(self, name), ret;

	if (fd < 0)
		return fd;
	ret = ns_enter(self, ns);
	if (ret)
		return ret;
	ret = tcx_prog_attach(ifindex, dir, fd, NULL);
	ns_leave(self);
	return ret;
}

static int detach(dp_t *self, int ns, int ifindex, enum tcx_dir dir,
		  const char *name)
{
	int fd = prog_fd(self, name), ret;

	if (fd < 0)
		return fd;
	ret = ns_enter(self, ns);
	if (ret)
		return ret;
	ret = tcx_prog_detach(ifindex, dir, fd, NULL);
	ns_leave(self);
	return ret;
}

static int query(dp_t *self, int ns, int ifindex, enum tcx_dir dir,
		 struct tcx_query *q, __u32 *ids, __u32 room)
{
	int ret;

	memset(q, 0, sizeof(*q));
	q->sz = sizeof(*q);
	q->prog_ids = ids;
	q->count = room;
	ret = ns_enter(self, ns);
	if (ret)
		return ret;
	ret = tcx_query(ifindex, dir, q);
	ns_leave(self);
	return ret;
}

static int set_cfg(dp_t *self, const struct dp_cfg *cfg)
{
	__u32 key = 0;

	return bpf_map_update_elem(self->cfg_fd, &key, cfg, BPF_ANY);
}

static void order_reset(dp_t *self)
{
	__u32 key, zero = 0;

	for (key = 0; key < DP_ORDER_MAX; key++)
		bpf_map_update_elem(self->order_fd, &key, &zero, BPF_ANY);
}

/* How many ids the programs recorded so far. */
static __u32 order_count(dp_t *self)
{
	__u32 key = 0, n = 0;

	bpf_map_lookup_elem(self->order_fd, &key, &n);
	return n;
}

/* What program seen<PROG> counted of KIND. */
static __u64 seen(dp_t *self, int prog, enum dp_seen kind)
{
	__u32 key = (prog - 1) * DP_SEEN_KINDS + kind;
	__u64 val = 0;

	bpf_map_lookup_elem(self->seen_fd, &key, &val);
	return val;
}

/* The ids recorded so far, as "1,2,3". */
static const char *order_str(dp_t *self, char *buf, size_t len)
{
	__u32 key = 0, n = 0, id;
	size_t off = 0;

	buf[0] = '\0';
	bpf_map_lookup_elem(self->order_fd, &key, &n);
	for (key = 1; key <= n && key < DP_ORDER_MAX; key++) {
		id = 0;
		bpf_map_lookup_elem(self->order_fd, &key, &id);
		off += snprintf(buf + off, len - off, "%s%u", off ? "," : "", id);
		if (off >= len)
			break;
	}
	return buf;
}

static int parse_addr(const char *addr, __u16 port,
		      struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in6 *sin6 = (void *)ss;
	struct sockaddr_in *sin = (void *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		*len = sizeof(*sin);
		return AF_INET;
	}
	if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		*len = sizeof(*sin6);
		return AF_INET6;
	}
	return -1;
}

/*
 * A UDP socket in netns NS bound to the wildcard address of FAMILY and
 * PORT, that reports the device each datagram came in on.
 */
static int udp_open(dp_t *self, int ns, int family, __u16 port)
{
	struct sockaddr_storage ss;
	int fd, one = 1, ret = -1;
	socklen_t len;

	if (ns_enter(self, ns))
		return -1;
	fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto out;
	parse_addr(family == AF_INET ? "0.0.0.0" : "::", port, &ss, &len);
	if (family == AF_INET)
		ret = setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
	else
		ret = setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one,
				 sizeof(one)) ?:
		      setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
				 sizeof(one));
	if (!ret)
		ret = bind(fd, (struct sockaddr *)&ss, len);
	if (ret) {
		close(fd);
		fd = -1;
	}
out:
	ns_leave(self);
	return fd;
}

/* A datagram within MS milliseconds: its length, or -1. */
static int udp_recv(int fd, int ms, int *ifindex)
{
	char buf[256], cbuf[256];
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct cmsghdr *cm;
	ssize_t n;

	if (ifindex)
		*ifindex = 0;
	if (poll(&pfd, 1, ms) != 1)
		return -1;
	n = recvmsg(fd, &msg, MSG_DONTWAIT);
	if (n < 0)
		return -1;
	for (cm = CMSG_FIRSTHDR(&msg); cm && ifindex; cm = CMSG_NXTHDR(&msg, cm)) {
		if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO)
			*ifindex = ((struct in_pktinfo *)CMSG_DATA(cm))->ipi_ifindex;
		if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_PKTINFO)
			*ifindex = ((struct in6_pktinfo *)CMSG_DATA(cm))->ipi6_ifindex;
	}
	return n;
}

/* One UDP datagram from netns NS to ADDR:PORT. */
static int udp_send(dp_t *self, int ns, const char *addr, __u16 port)
{
	static const char payload[] = "tcx";
	struct sockaddr_storage ss;
	int family, fd, ret = -1;
	socklen_t len;

	family = parse_addr(addr, port, &ss, &len);
	if (family < 0 || ns_enter(self, ns))
		return -1;
	fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd >= 0) {
		if (sendto(fd, payload, sizeof(payload), 0,
			   (struct sockaddr *)&ss, len) == sizeof(payload))
			ret = 0;
		close(fd);
	}
	ns_leave(self);
	return ret;
}

/*
 * One datagram from netns NS to ADDR:PORT on a socket with IP_RECVERR, so
 * that a local drop below the socket is reported: 0 or -errno.
 */
static int udp_send_recverr(dp_t *self, int ns, const char *addr, __u16 port)
{
	struct sockaddr_storage ss;
	int fd, one = 1, ret;
	socklen_t len;

	if (parse_addr(addr, port, &ss, &len) != AF_INET || ns_enter(self, ns))
		return -EINVAL;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ret = -errno;
	} else {
		ret = setsockopt(fd, IPPROTO_IP, IP_RECVERR, &one, sizeof(one));
		if (!ret && sendto(fd, "tcx", 4, 0, (struct sockaddr *)&ss, len) < 0)
			ret = -errno;
		close(fd);
	}
	ns_leave(self);
	return ret;
}

static uint32_t csum_add(uint32_t sum, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	for (; len > 1; len -= 2, p += 2)
		sum += (p[0] << 8) | p[1];
	if (len)
		sum += p[0] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

/*
 * One UDP datagram from SRC (an address of netns NS) to DST:PORT with its
 * checksum computed here: the packet is not CHECKSUM_PARTIAL, so the
 * receiver verifies the checksum and drops the packet if a rewrite broke
 * it.
 */
static int udp_send_csum(dp_t *self, int ns, const char *src, const char *dst,
			 __u16 port)
{
	struct sockaddr_storage sss, dss;
	struct {
		__be16 sport, dport, len, check;
		char data[4];
	} __attribute__((packed)) pkt = {
		.sport = htons(40000), .dport = htons(port),
		.len = htons(sizeof(pkt)), .data = "tcx",
	};
	uint32_t sum = 0;
	int family, fd, ret = -1;
	socklen_t slen, dlen;

	family = parse_addr(src, 0, &sss, &slen);
	if (family < 0 || parse_addr(dst, 0, &dss, &dlen) != family)
		return -1;
	if (family == AF_INET) {
		sum = csum_add(sum, &((struct sockaddr_in *)&sss)->sin_addr, 4);
		sum = csum_add(sum, &((struct sockaddr_in *)&dss)->sin_addr, 4);
	} else {
		sum = csum_add(sum, &((struct sockaddr_in6 *)&sss)->sin6_addr, 16);
		sum = csum_add(sum, &((struct sockaddr_in6 *)&dss)->sin6_addr, 16);
	}
	sum += IPPROTO_UDP + sizeof(pkt);
	sum = csum_add(sum, &pkt, sizeof(pkt));
	pkt.check = htons(csum_fold(sum) ?: 0xffff);

	if (ns_enter(self, ns))
		return -1;
	/* A raw socket: the kernel adds the IP header and leaves ours alone. */
	fd = socket(family, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_UDP);
	if (fd >= 0) {
		if (!bind(fd, (struct sockaddr *)&sss, slen) &&
		    sendto(fd, &pkt, sizeof(pkt), 0, (struct sockaddr *)&dss,
			   dlen) == sizeof(pkt))
			ret = 0;
		close(fd);
	}
	ns_leave(self);
	return ret;
}

/* Poll for something the kernel does after an RCU grace period or later. */
static bool wait_for(bool (*cond)(void *), void *arg, int ms)
{
	const struct timespec pause = { .tv_nsec = 20 * 1000 * 1000 };
	int i;

	for (i = 0; i < ms / 20; i++) {
		if (cond(arg))
			return true;
		nanosleep(&pause, NULL);
	}
	return cond(arg);
}

static bool refcnt_back(void *arg)
{
	return module_refcnt() == *(long *)arg;
}

static bool prog_gone(void *arg)
{
	return !tcx_prog_id_alive(*(__u32 *)arg);
}

/* Send UDP datagrams from netns NS to ADDR as fast as possible, until killed. */
static pid_t flood(dp_t *self, int ns, const char *addr)
{
	struct sockaddr_storage ss;
	socklen_t len;
	pid_t pid;
	int fd;

	pid = fork();
	if (pid)
		return pid;
	if (parse_addr(addr, DP_PORT, &ss, &len) < 0 || ns_enter(self, ns))
		_exit(1);
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		_exit(1);
	for (;;)
		sendto(fd, "tcx", 4, MSG_DONTWAIT, (struct sockaddr *)&ss, len);
}

static void stop(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static void msleep(int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000,
			       .tv_nsec = (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* A pass program lets the packet through and counts it as passed. */
TEST_F_TIMEOUT(dp, pass, DP_TIMEOUT)
{
	struct dp_cfg cfg = { .verdict = TCX_PASS };
	struct tcx_query q;
	char buf[64];
	int rx, ifindex;

	ASSERT_EQ(0, set_cfg(self, &cfg));
	ASSERT_EQ(0, attach(self, NS_R, self->y1, TCX_DIR_INGRESS, "verdict"));
	rx = udp_open(self, NS_R, AF_INET, DP_PORT);
	ASSERT_LE(0, rx);
	ASSERT_EQ(0, udp_send(self, NS_A, "10.0.1.254", DP_PORT));
	ASSERT_LT(0, udp_recv(rx, RX_WAIT_MS, &ifindex));
	EXPECT_EQ(self->y1, ifindex);
	EXPECT_STREQ("9", order_str(self, buf, sizeof(buf)));

	ASSERT_EQ(0, query(self, NS_R, self->y1, TCX_DIR_INGRESS, &q, NULL, 0));
	if (tcx_test_has_stats(&q)) {
		EXPECT_EQ(TCX_HOOK_F_LIVE, q.hook_flags);
		EXPECT_LE(1ULL, q.stats.packets);
		EXPECT_LE(1ULL, q.stats.passed);
		EXPECT_EQ(q.stats.packets, q.stats.passed);
		EXPECT_EQ(0ULL, q.stats.dropped);
		EXPECT_EQ(0ULL, q.stats.redirected);
		EXPECT_EQ(0ULL, q.stats.redirect_failed);
	}
	close(rx);
}

/*
 * A program that counts what it sees on each of the four hooks of the
 * x1-y1 link: ping (ARP and ICMP both ways) still works, and each program
 * ran on its own device and saw just the echo requests, or just the
 * replies, that cross its hook: two of each over IPv4 and over IPv6.
 */
TEST_F_TIMEOUT(dp, ping_through_all_hooks, DP_TIMEOUT)
{
	static const struct {
		int ns, dir, prog;
		enum dp_seen saw, not;
	} hooks[] = {
		{ NS_A, TCX_DIR_EGRESS,  1, DP_SEEN_ECHO,  DP_SEEN_REPLY },
		{ NS_R, TCX_DIR_INGRESS, 2, DP_SEEN_ECHO,  DP_SEEN_REPLY },
		{ NS_R, TCX_DIR_EGRESS,  3, DP_SEEN_REPLY, DP_SEEN_ECHO },
		{ NS_A, TCX_DIR_INGRESS, 4, DP_SEEN_REPLY, DP_SEEN_ECHO },
	};
	struct tcx_query q;
	char name[8];
	unsigned int i;
	int dev;

	for (i = 0; i < ARRAY_SIZE(hooks); i++) {
		dev = hooks[i].ns == NS_A ? self->x1 : self->y1;
		snprintf(name, sizeof(name), "seen%d", hooks[i].prog);
		ASSERT_EQ(0, attach(self, hooks[i].ns, dev, hooks[i].dir, name));
	}
	ASSERT_EQ(0, tcx_sh("ip netns exec %s ping -c 2 -i 0.2 -W 5 10.0.1.254",
			self->ns[NS_A]));
	ASSERT_EQ(0, tcx_sh("ip netns exec %s ping -6 -c 2 -i 0.2 -W 5 fd01::254",
			self->ns[NS_A]));

	for (i = 0; i < ARRAY_SIZE(hooks); i++) {
		dev = hooks[i].ns == NS_A ? self->x1 : self->y1;
		EXPECT_EQ((__u64)dev, seen(self, hooks[i].prog, DP_SEEN_IFINDEX))
			TH_LOG("seen%d", hooks[i].prog);
		EXPECT_EQ(4ULL, seen(self, hooks[i].prog, hooks[i].saw))
			TH_LOG("seen%d", hooks[i].prog);
		EXPECT_EQ(0ULL, seen(self, hooks[i].prog, hooks[i].not))
			TH_LOG("seen%d", hooks[i].prog);
		ASSERT_EQ(0, query(self, hooks[i].ns, dev, hooks[i].dir, &q,
				   NULL, 0));
		if (tcx_test_has_stats(&q)) {
			EXPECT_EQ(seen(self, hooks[i].prog, DP_SEEN_ALL),
				  q.stats.passed);
			EXPECT_EQ(0ULL, q.stats.dropped);
		}
	}
}

/* TCX_DROP at ingress: the packet is gone; without the program it is not. */
TEST_F_TIMEOUT(dp, drop_ingress, DP_TIMEOUT)
{
	struct dp_cfg cfg = { .verdict = TCX_DROP };
	struct tcx_query q;
	char buf[64];
	int rx;

	ASSERT_EQ(0, set_cfg(self, &cfg));
	ASSERT_EQ(0, attach(self, NS_R, self->y1, TCX_DIR_INGRESS, "verdict"));
	rx = udp_open(self, NS_R, AF_INET, DP_PORT);
	ASSERT_LE(0, rx);
	ASSERT_EQ(0, udp_send(self, NS_A, "10.0.1.254", DP_PORT));
	/* The first packet waits for ARP: give it time to arrive and die. */
	EXPECT_GT(0, udp_recv(rx, RX_WAIT_MS / 2, NULL));
	EXPECT_STREQ("9", order_str(self, buf, sizeof(buf)));
	ASSERT_EQ(0, query(self, NS_R, self->y1, TCX_DIR_INGRESS, &q, NULL, 0));
	if (tcx_test_has_stats(&q)) {
		EXPECT_EQ(1ULL, q.stats.dropped);
		EXPECT_EQ(q.stats.packets, q.stats.passed + 1);
	}

	ASSERT_EQ(0, detach(self, NS_R, self->y1, TCX_DIR_INGRESS, "verdict"));
	ASSERT_EQ(0, udp_send(self, NS_A, "10.0.1.254", DP_PORT));
	EXPECT_LT(0, udp_recv(rx, RX_WAIT_MS, NULL));
	close(rx);
}

/* TCX_DROP at egress: the packet never leaves x1. */
TEST_F_TIMEOUT(dp, drop_egress, DP_TIMEOUT)
{
	struct dp_cfg cfg = { .verdict = TCX_DROP };
	struct tcx_query q;
	char buf[64];
	int rx;

	ASSERT_EQ(0, set_cfg(self, &cfg));
	ASSERT_EQ(0, attach(self, NS_A, self->x1, TCX_DIR_EGRESS, "verdict"));
	rx = udp_open(self, NS_R, AF_INET, DP_PORT);
	ASSERT_LE(0, rx);
	ASSERT_EQ(0, udp_send(self, NS_A, "10.0.1.254", DP_PORT));
	EXPECT_GT(0, udp_recv(rx, RX_WAIT_MS / 2, NULL));
	EXPECT_STREQ("9", order_str(self, buf, sizeof(buf)));
	ASSERT_EQ(0, query(self, NS_A, self->x1, TCX_DIR_EGRESS, &q, NULL, 0));
	if (tcx_test_has_stats(&q)) {
		EXPECT_EQ(1ULL, q.stats.dropped);
	}

	ASSERT_EQ(0, detach(self, NS_A, self->x1, TCX_DIR_EGRESS, "verdict"));
	ASSERT_EQ(0, udp_send(self, NS_A, "10.0.1.254", DP_PORT));
	EXPECT_LT(0, udp_recv(rx, RX_WAIT_MS, NULL));

	/*
	 * With the neighbour resolved the packet reaches the hook within
	 * sendto(): the drop comes back as NET_XMIT_DROP, as for a tc drop.
	 */
	ASSERT_EQ(0, attach(self, NS_A, self->x1, TCX_DIR_EGRESS, "verdict"));
	EXPECT_EQ(-ENOBUFS, udp_send_recverr(self, NS_A, "10.0.1.254", DP_PORT));
	EXPECT_GT(0, udp_recv(rx, NO_RX_MS, NULL));
	close(rx);
}

/*
 * Three programs returning TCX_NEXT all run, in array order, which is not
 * the order they were attached in.
 */
TEST_F_TIMEOUT(dp, chain_order, DP_TIMEOUT)
{
	LIBTCX_OPTS(tcx_opts, before, .flags = TCX_F_BEFORE);
	LIBTCX_OPTS(tcx_opts, after, .flags = TCX_F_AFTER,
		    .relative_fd = prog_fd(self, "rec1"));
	__u32 ids[8] = {};
	struct tcx_query q;
	char buf[64];
	int rx;

	ASSERT_EQ(0, attach(self, NS_R, self->y1, TCX_DIR_INGRESS, "rec3"));
	ASSERT_EQ(0, ns_enter(self, NS_R));
	ASSERT_EQ(0, tcx_prog_attach(self->y1, TCX_DIR_INGRESS,
				     prog_fd(self, "rec1"), &before));
	ASSERT_EQ(0, tcx_prog_attach(self->y1, TCX_DIR_INGRESS,
				     prog_fd(self, "rec2"), &after));
	ns_leave(self);
	ASSERT_EQ(0, query(self, NS_R, self->y1, TCX_DIR_INGRESS, &q, ids, 8));
	ASSERT_EQ(3ULL, q.count);
	EXPECT_EQ(tcx_prog_id(prog_fd(self, "rec1")), ids[0]);
	EXPECT_EQ(tcx_prog_id(prog_fd(self, "rec2")), ids[1]);
	EXPECT_EQ(tcx_prog_id(prog_fd(self, "rec3")), ids[2]);

	rx = udp_open(self, NS_R, AF_INET, DP_PORT);
	ASSERT_LE(0, rx);
	ASSERT_EQ(0, udp_send(self, NS_A, "10.0.1.254", DP_PORT));
	ASSERT_LT(0, udp_recv(rx, RX_WAIT_MS, NULL));
	EXPECT_STREQ("1,2,3", order_str(self, buf, sizeof(buf)));
	ASSERT_EQ(0, udp_send(self, NS_A, "10.0.1.254", DP_PORT));
	ASSERT_LT(0, udp_recv(rx, RX_WAIT_MS, NULL));
	EXPECT_STREQ("1,2,3,1,2,3", order_str(self, buf, sizeof(buf)));
	close(rx);
}

static __u64 run_cnt(dp_t *self, const char *name, __u64 *run_time_ns)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(prog_fd(self, name), &info, &len))
		return ~0ULL;
	if (run_time_ns)
		*run_time_ns = info.run_time_ns;
	return info.run_cnt;
}

/*
 * With BPF run-time statistics on, every program of the chain counts each
 * packet it ran for, and its run time; with them off again, none counts,
 * and the chain still runs.
 */
TEST_F_TIMEOUT(dp, run_stats, DP_TIMEOUT)
{
	static const char *const names[] = { "rec1", "rec2", "rec3" };
	__u64 ns, cnt[3];
	char buf[64];
	int i, rx, stats_fd;

	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, attach(self, NS_R, self->y1, TCX_DIR_INGRESS,
				    names[i]));
	rx = udp_open(self, NS_R, AF_INET, DP_PORT);
	ASSERT_LE(0, rx);
	stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	ASSERT_LE(0, stats_fd);
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, udp_send(self, NS_A, "10.0.1.254", DP_PORT));
		ASSERT_LT(0, udp_recv(rx, RX_WAIT_MS, NULL));
	}
	close(stats_fd);
	EXPECT_STREQ("1,2,3,1,2,3,1,2,3", order_str(self, buf, sizeof(buf)));
	/* Other packets (ARP) may have met the chain too: all of it. */
	cnt[0] = run_cnt(self, names[0], &ns);
	EXPECT_LE(3ULL, cnt[0]);
	EXPECT_GT(100ULL, cnt[0]);
	EXPECT_LT(0ULL, ns);
	for (i = 1; i < 3; i++) {
		ns = 0;
		cnt[i] = run_cnt(self, names[i], &ns);
		EXPECT_EQ(cnt[0], cnt[i]);
		EXPECT_LT(0ULL, ns);
	}

	ASSERT_EQ(0, udp_send(self, NS_A, "10.0.1.254", DP_PORT));
	ASSERT_LT(0, udp_recv(rx, RX_WAIT_MS, NULL));
	EXPECT_EQ(12U, order_count(self));
	for (i = 0; i < 3; i++)
		EXPECT_EQ(cnt[i], run_cnt(self, names[i], NULL));
	close(rx);
}

/* TCX_DROP in the middle ends the chain: the program after it never runs. */
TEST_F_TIMEOUT(dp, drop_mid_chain, DP_TIMEOUT)
{
	struct dp_cfg cfg = { .verdict = TCX_DROP };
	struct tcx_query q;
	char buf[64];
	int rx;

	ASSERT_EQ(0, set_cfg(self, &cfg));
	ASSERT_EQ(0, attach(self, NS_R, self->y1, TCX_DIR_INGRESS, "rec1"));
	ASSERT_EQ(0, attach(self, NS_R, self->y1, TCX_DIR_INGRESS, "verdict"));
	ASSERT_EQ(0, attach(self, NS_R, self->y1, TCX_DIR_INGRESS, "rec3"));
	rx = udp_open(self, NS_R, AF_INET, DP_PORT);
	ASSERT_LE(0, rx);
	ASSERT_EQ(0, udp_send(self, NS_A, "10.0.1.254", DP_PORT));
	EXPECT_GT(0, udp_recv(rx, RX_WAIT_MS / 2, NULL));
	EXPECT_STREQ("1,9", order_str(self, buf, sizeof(buf)));
	ASSERT_EQ(0, query(self, NS_R, self->y1, TCX_DIR_INGRESS, &q, NULL, 0));
	if (tcx_test_has_stats(&q)) {
		EXPECT_EQ(1ULL, q.stats.dropped);
	}
	close(rx);
}

/*
 * Any value but NEXT, PASS, DROP and REDIRECT ends the chain like PASS
 * does, and the packet goes on: TC_ACT_STOLEN and TC_ACT_TRAP included,
 * as upstream tcx maps them to TCX_NEXT.  TCX_NEXT itself lets the next
 * program run.
 */
TEST_F_TIMEOUT(dp, other_return_codes, DP_TIMEOUT)
{
	static const int codes[] = {
		TC_ACT_RECLASSIFY, TC_ACT_PIPE, TC_ACT_STOLEN, TC_ACT_QUEUED,
		TC_ACT_REPEAT, TC_ACT_TRAP, 9, 42, -2, 0x7fffffff,
	};
	struct tcx_query q;
	char buf[64];
	unsigned int i;
	int rx;

	ASSERT_EQ(0, attach(self, NS_R, self->y1, TCX_DIR_INGRESS, "rec1"));
	ASSERT_EQ(0, attach(self, NS_R, self->y1, TCX_DIR_INGRESS, "verdict"));
	ASSERT_EQ(0, attach(self, NS_R, self->y1, TCX_DIR_INGRESS, "rec3"));
	rx = udp_open(self, NS_R, AF_INET, DP_PORT);
	ASSERT_LE(0, rx);

	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		struct dp_cfg cfg = { .verdict = codes[i] };

		ASSERT_EQ(0, set_cfg(self, &cfg));
		order_reset(self);
		ASSERT_EQ(0, udp_send(self, NS_A, "10.0.1.254", DP_PORT));
		EXPECT_LT(0, udp_recv(rx, RX_WAIT_MS, NULL))
			TH_LOG("return code %d consumed the packet", codes[i]);
		EXPECT_STREQ("1,9", order_str(self, buf, sizeof(buf)))
			TH_LOG("return code %d", codes[i]);
	}

	{
		struct dp_cfg cfg = { .verdict = TCX_NEXT };

		ASSERT_EQ(0, set_cfg(self, &cfg));
		order_reset(self);
		ASSERT_EQ(0, udp_send(self, NS_A, "10.0.1.254", DP_PORT));
		EXPECT_LT(0, udp_recv(rx, RX_WAIT_MS, NULL));
		EXPECT_STREQ("1,9,3", order_str(self, buf, sizeof(buf)));
	}

	ASSERT_EQ(0, query(self, NS_R, self->y1, TCX_DIR_INGRESS, &q, NULL, 0));
	if (tcx_test_has_stats(&q)) {
		EXPECT_EQ(0ULL, q.stats.dropped);
		EXPECT_EQ(0ULL, q.stats.redirected + q.stats.redirect_failed);
		EXPECT_EQ(q.stats.packets, q.stats.passed);
	}
	close(rx);
}

/*
 * A program that rewrites the UDP destination port (and fixes the
 * checksum) at ingress: the packet reaches the new port, over IPv4 and
 * IPv6, with a checksum the receiver verifies.
 */
TEST_F_TIMEOUT(dp, rewrite_port, DP_TIMEOUT)
{
	int rx_old4, rx_new4, rx_old6, rx_new6;
	char buf[64];

	ASSERT_EQ(0, attach(self, NS_R, self->y1, TCX_DIR_INGRESS, "rewrite_port"));
	rx_old4 = udp_open(self, NS_R, AF_INET, DP_PORT);
	rx_new4 = udp_open(self, NS_R, AF_INET, DP_PORT_NEW);
	rx_old6 = udp_open(self, NS_R, AF_INET6, DP_PORT);
	rx_new6 = udp_open(self, NS_R, AF_INET6, DP_PORT_NEW);
	ASSERT_LE(0, rx_old4);
	ASSERT_LE(0, rx_new4);
	ASSERT_LE(0, rx_old6);
	ASSERT_LE(0, rx_new6);

	ASSERT_EQ(0, udp_send_csum(self, NS_A, "10.0.1.1", "10.0.1.254", DP_PORT));
	EXPECT_LT(0, udp_recv(rx_new4, RX_WAIT_MS, NULL));
	ASSERT_EQ(0, udp_send_csum(self, NS_A, "fd01::1", "fd01::254", DP_PORT));
	EXPECT_LT(0, udp_recv(rx_new6, RX_WAIT_MS, NULL));
	/* And a socket's own (offloaded) checksum. */
	ASSERT_EQ(0, udp_send(self, NS_A, "10.0.1.254", DP_PORT));
	EXPECT_LT(0, udp_recv(rx_new4, RX_WAIT_MS, NULL));
	EXPECT_GT(0, udp_recv(rx_old4, NO_RX_MS, NULL));
	EXPECT_GT(0, udp_recv(rx_old6, 0, NULL));
	EXPECT_STREQ("5,5,5", order_str(self, buf, sizeof(buf)));
	close(rx_old4);
	close(rx_new4);
	close(rx_old6);
	close(rx_new6);
}

static int clsact_attach(dp_t *self, int ns, int ifindex,
			 enum bpf_tc_attach_point where, const char *name)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = where);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = 1, .priority = 1,
		    .prog_fd = prog_fd(self, name));
	int ret;

	ret = ns_enter(self, ns);
	if (ret)
		return ret;
	ret = bpf_tc_hook_create(&hook);
	if (!ret || ret == -EEXIST)
		ret = bpf_tc_attach(&hook, &opts);
	ns_leave(self);
	return ret;
}

/*
 * Next to a cls_bpf program under clsact, at ingress: with tcx-dkms
 * clsact runs first, then tcx (the netfilter ingress hook comes after tc
 * on 6.1); upstream runs tcx first, then clsact, after a chain that ends
 * in TCX_NEXT.
 */
TEST_F_TIMEOUT(dp, clsact_ingress_order, DP_TIMEOUT)
{
	char buf[64];
	int rx;

	ASSERT_EQ(0, attach(self, NS_R, self->y1, TCX_DIR_INGRESS, "rec1"));
	ASSERT_EQ(0, clsact_attach(self, NS_R, self->y1, BPF_TC_INGRESS, "cls_rec"));
	rx = udp_open(self, NS_R, AF_INET, DP_PORT);
	ASSERT_LE(0, rx);
	ASSERT_EQ(0, udp_send(self, NS_A, "10.0.1.254", DP_PORT));
	ASSERT_LT(0, udp_recv(rx, RX_WAIT_MS, NULL));
	EXPECT_STREQ(tcx_test_native() ? "1,10" : "10,1",
		     order_str(self, buf, sizeof(buf)));
	close(rx);
}

/*
 * At egress tcx runs first, then clsact, upstream and tcx-dkms alike.
 * TCX_PASS leaves tc_classid in skb->tc_index (truncated to 16 bits, as
 * upstream); upstream then skips classic tc, while with tcx-dkms the
 * cls_bpf program after it still runs and sees it.  A chain that ends in
 * TCX_NEXT goes on to clsact on both.
 */
TEST_F_TIMEOUT(dp, clsact_egress_order_tc_index, DP_TIMEOUT)
{
	struct dp_cfg cfg = { .classid = 0x51234 };
	__u32 key = DP_RES_TC_INDEX, unset = 0xdeadbeef, tc_index = 0;
	char buf[64];
	int rx;

	ASSERT_EQ(0, set_cfg(self, &cfg));
	ASSERT_EQ(0, bpf_map_update_elem(self->result_fd, &key, &unset, BPF_ANY));
	ASSERT_EQ(0, attach(self, NS_A, self->x1, TCX_DIR_EGRESS, "rec1"));
	ASSERT_EQ(0, attach(self, NS_A, self->x1, TCX_DIR_EGRESS, "set_classid"));
	ASSERT_EQ(0, clsact_attach(self, NS_A, self->x1, BPF_TC_EGRESS, "cls_rec"));
	rx = udp_open(self, NS_R, AF_INET, DP_PORT);
	ASSERT_LE(0, rx);
	ASSERT_EQ(0, udp_send(self, NS_A, "10.0.1.254", DP_PORT));
	ASSERT_LT(0, udp_recv(rx, RX_WAIT_MS, NULL));
	ASSERT_EQ(0, bpf_map_lookup_elem(self->result_fd, &key, &tc_index));
	if (tcx_test_native()) {
		EXPECT_STREQ("1,4", order_str(self, buf, sizeof(buf)));
		EXPECT_EQ(unset, tc_index);
	} else {
		EXPECT_STREQ("1,4,10", order_str(self, buf, sizeof(buf)));
		EXPECT_EQ(0x1234U, tc_index);
	}

	ASSERT_EQ(0, detach(self, NS_A, self->x1, TCX_DIR_EGRESS, "set_classid"));
	order_reset(self);
	ASSERT_EQ(0, udp_send(self, NS_A, "10.0.1.254", DP_PORT));
	ASSERT_LT(0, udp_recv(rx, RX_WAIT_MS, NULL));
	EXPECT_STREQ("1,10", order_str(self, buf, sizeof(buf)));
	close(rx);
}

/*
 * The same with a filter that tc(8) itself loads ("tc filter add ... bpf
 * da obj"), dropping the test's packets: at ingress, with tcx-dkms, it
 * drops them before tcx sees them, and upstream tcx sees them first; at
 * egress tcx sees them before it drops them, on both.
 */
TEST_F_TIMEOUT(dp, clsact_tc_command, DP_TIMEOUT)
{
	const char *a = self->ns[NS_A], *r = self->ns[NS_R];
	const bool native = tcx_test_native();
	char obj[PATH_MAX], buf[64];
	int rx, ret;

	ret = tcx_bpf_obj_path(obj, sizeof(obj), "dp_cls.bpf.o");
	ASSERT_EQ(0, ret) TH_LOG("dp_cls.bpf.o: %s", strerror(-ret));
	rx = udp_open(self, NS_R, AF_INET, DP_PORT);
	ASSERT_LE(0, rx);

	ASSERT_EQ(0, attach(self, NS_R, self->y1, TCX_DIR_INGRESS, "rec1"));
	ASSERT_EQ(0, tcx_sh("ip netns exec %s tc qdisc add dev y1 clsact", r));
	ASSERT_EQ(0, tcx_sh("ip netns exec %s tc filter add dev y1 ingress bpf da obj %s sec classifier",
			r, obj));
	ASSERT_EQ(0, udp_send(self, NS_A, "10.0.1.254", DP_PORT));
	EXPECT_GT(0, udp_recv(rx, RX_WAIT_MS / 2, NULL));
	EXPECT_STREQ(native ? "1" : "", order_str(self, buf, sizeof(buf)));
	ASSERT_EQ(0, tcx_sh("ip netns exec %s tc qdisc del dev y1 clsact", r));
	ASSERT_EQ(0, udp_send(self, NS_A, "10.0.1.254", DP_PORT));
	EXPECT_LT(0, udp_recv(rx, RX_WAIT_MS, NULL));
	EXPECT_STREQ(native ? "1,1" : "1", order_str(self, buf, sizeof(buf)));

	order_reset(self);
	ASSERT_EQ(0, attach(self, NS_A, self->x1, TCX_DIR_EGRESS, "rec2"));
	ASSERT_EQ(0, tcx_sh("ip netns exec %s tc qdisc add dev x1 clsact", a));
	ASSERT_EQ(0, tcx_sh("ip netns exec %s tc filter add dev x1 egress bpf da obj %s sec classifier",
			a, obj));
	ASSERT_EQ(0, udp_send(self, NS_A, "10.0.1.254", DP_PORT));
	EXPECT_GT(0, udp_recv(rx, NO_RX_MS, NULL));
	EXPECT_STREQ("2", order_str(self, buf, sizeof(buf)));
	close(rx);
}

static bool have_nft(void)
{
	return !access("/usr/sbin/nft", X_OK) || !access("/usr/bin/nft", X_OK);
}

/*
 * An nftables netdev ingress chain, even one with a very low priority,
 * runs after tcx: the chain drops packets to the port that tcx rewrote
 * them to.
 */
TEST_F_TIMEOUT(dp, nft_ingress_order, DP_TIMEOUT)
{
	const char *r = self->ns[NS_R];
	char buf[64];
	int rx_old, rx_new;

	ASSERT_TRUE(have_nft()) TH_LOG("no nft(8): scripts/deps.sh installs nftables");
	ASSERT_EQ(0, tcx_sh("ip netns exec %s nft add table netdev tcxdp", r));
	ASSERT_EQ(0, tcx_sh("ip netns exec %s nft 'add chain netdev tcxdp in { type filter hook ingress device y1 priority -10000; }'",
			r));
	ASSERT_EQ(0, tcx_sh("ip netns exec %s nft add rule netdev tcxdp in udp dport %d counter drop",
			r, DP_PORT_NEW));
	ASSERT_EQ(0, attach(self, NS_R, self->y1, TCX_DIR_INGRESS, "rewrite_port"));
	rx_old = udp_open(self, NS_R, AF_INET, DP_PORT);
	rx_new = udp_open(self, NS_R, AF_INET, DP_PORT_NEW);
	ASSERT_LE(0, rx_old);
	ASSERT_LE(0, rx_new);
	ASSERT_EQ(0, udp_send(self, NS_A, "10.0.1.254", DP_PORT));
	EXPECT_GT(0, udp_recv(rx_new, RX_WAIT_MS / 2, NULL));
	EXPECT_GT(0, udp_recv(rx_old, 0, NULL));
	EXPECT_STREQ("5", order_str(self, buf, sizeof(buf)));
	EXPECT_EQ(0, tcx_sh("ip netns exec %s nft list chain netdev tcxdp in | grep -q 'packets 1 '",
			r));
	close(rx_old);
	close(rx_new);
}

/*
 * At egress the nftables netdev chains run first, as upstream: a chain
 * that drops the packet keeps it from tcx.
 */
TEST_F_TIMEOUT(dp, nft_egress_order, DP_TIMEOUT)
{
	const char *a = self->ns[NS_A];
	char buf[64];
	int rx;

	ASSERT_TRUE(have_nft()) TH_LOG("no nft(8): scripts/deps.sh installs nftables");
	ASSERT_EQ(0, attach(self, NS_A, self->x1, TCX_DIR_EGRESS, "rec1"));
	rx = udp_open(self, NS_R, AF_INET, DP_PORT);
	ASSERT_LE(0, rx);
	ASSERT_EQ(0, udp_send(self, NS_A, "10.0.1.254", DP_PORT));
	ASSERT_LT(0, udp_recv(rx, RX_WAIT_MS, NULL));
	EXPECT_STREQ("1", order_str(self, buf, sizeof(buf)));

	ASSERT_EQ(0, tcx_sh("ip netns exec %s nft add table netdev tcxdp", a));
	ASSERT_EQ(0, tcx_sh("ip netns exec %s nft 'add chain netdev tcxdp out { type filter hook egress device x1 priority 10000; }'",
			a));
	ASSERT_EQ(0, tcx_sh("ip netns exec %s nft add rule netdev tcxdp out udp dport %d counter drop",
			a, DP_PORT));
	ASSERT_EQ(0, udp_send(self, NS_A, "10.0.1.254", DP_PORT));
	EXPECT_GT(0, udp_recv(rx, NO_RX_MS, NULL));
	EXPECT_STREQ("1", order_str(self, buf, sizeof(buf)));
	close(rx);
}

/* bpf_redirect(y2) at y1's ingress: out of y2, into nsB. */
TEST_F_TIMEOUT(dp, redirect_ingress_to_egress, DP_TIMEOUT)
{
	struct dp_cfg cfg = { .ifindex = self->y2, .set_dmac = 1 };
	struct tcx_query q;
	int rx, ifindex;

	memcpy(cfg.dmac, self->mac_x2, ETH_ALEN);
	ASSERT_EQ(0, set_cfg(self, &cfg));
	ASSERT_EQ(0, attach(self, NS_R, self->y1, TCX_DIR_INGRESS, "redir"));
	rx = udp_open(self, NS_B, AF_INET, DP_PORT);
	ASSERT_LE(0, rx);
	ASSERT_EQ(0, udp_send(self, NS_A, "10.0.2.2", DP_PORT));
	ASSERT_LT(0, udp_recv(rx, RX_WAIT_MS, &ifindex));
	EXPECT_EQ(self->x2, ifindex);
	ASSERT_EQ(0, udp_send(self, NS_A, "10.0.2.2", DP_PORT));
	ASSERT_LT(0, udp_recv(rx, RX_WAIT_MS, NULL));
	ASSERT_EQ(0, query(self, NS_R, self->y1, TCX_DIR_INGRESS, &q, NULL, 0));
	if (tcx_test_has_stats(&q)) {
		EXPECT_EQ(2ULL, q.stats.redirected);
		EXPECT_EQ(0ULL, q.stats.redirect_failed);
	}
	close(rx);
}

/*
 * bpf_redirect(y2, BPF_F_INGRESS) at y1's ingress: received by nsR's own
 * stack as if it had come in on y2.
 */
TEST_F_TIMEOUT(dp, redirect_ingress_to_ingress, DP_TIMEOUT)
{
	struct dp_cfg cfg = {
		.ifindex = self->y2, .flags = BPF_F_INGRESS, .set_dmac = 1,
	};
	struct tcx_query q;
	int rx, ifindex;

	memcpy(cfg.dmac, self->mac_y2, ETH_ALEN);
	ASSERT_EQ(0, set_cfg(self, &cfg));
	rx = udp_open(self, NS_R, AF_INET, DP_PORT);
	ASSERT_LE(0, rx);
	/* Without the program it comes in on y1. */
	ASSERT_EQ(0, udp_send(self, NS_A, "10.0.2.254", DP_PORT));
	ASSERT_LT(0, udp_recv(rx, RX_WAIT_MS, &ifindex));
	EXPECT_EQ(self->y1, ifindex);

	ASSERT_EQ(0, attach(self, NS_R, self->y1, TCX_DIR_INGRESS, "redir"));
	ASSERT_EQ(0, udp_send(self, NS_A, "10.0.2.254", DP_PORT));
	ASSERT_LT(0, udp_recv(rx, RX_WAIT_MS, &ifindex));
	EXPECT_EQ(self->y2, ifindex);
	ASSERT_EQ(0, query(self, NS_R, self->y1, TCX_DIR_INGRESS, &q, NULL, 0));
	if (tcx_test_has_stats(&q)) {
		EXPECT_EQ(1ULL, q.stats.redirected);
	}
	close(rx);
}

/* bpf_redirect(y2) at y1's egress: out of y2 instead, into nsB. */
TEST_F_TIMEOUT(dp, redirect_egress_to_egress, DP_TIMEOUT)
{
	struct dp_cfg cfg = { .ifindex = self->y2, .set_dmac = 1 };
	struct tcx_query q;
	int rx, ifindex;

	memcpy(cfg.dmac, self->mac_x2, ETH_ALEN);
	ASSERT_EQ(0, set_cfg(self, &cfg));
	ASSERT_EQ(0, attach(self, NS_R, self->y1, TCX_DIR_EGRESS, "redir"));
	rx = udp_open(self, NS_B, AF_INET, DP_PORT);
	ASSERT_LE(0, rx);
	ASSERT_EQ(0, udp_send(self, NS_R, "10.0.4.2", DP_PORT));
	ASSERT_LT(0, udp_recv(rx, RX_WAIT_MS, &ifindex));
	EXPECT_EQ(self->x2, ifindex);
	ASSERT_EQ(0, query(self, NS_R, self->y1, TCX_DIR_EGRESS, &q, NULL, 0));
	if (tcx_test_has_stats(&q)) {
		EXPECT_EQ(1ULL, q.stats.redirected);
	}
	close(rx);
}

/*
 * A program on y1's egress that redirects to y1's egress: each redirect
 * nests a transmit, and the recursion limit of the core ends the loop
 * with a drop.  The program ran once per round, and a program on x1's
 * ingress, across the link, never saw the packet; it does see the next
 * one, sent with the loop gone.
 */
TEST_F_TIMEOUT(dp, redirect_loop_bounded, DP_TIMEOUT)
{
	struct dp_cfg cfg = { .ifindex = self->y1 };
	char buf[128], want[128];
	struct tcx_query q;
	__u32 runs, i;

	ASSERT_EQ(0, set_cfg(self, &cfg));
	ASSERT_EQ(0, attach(self, NS_A, self->x1, TCX_DIR_INGRESS, "seen1"));
	/* Resolve x1 first, so that the packet goes out from sendto(). */
	ASSERT_EQ(0, tcx_sh("ip netns exec %s ping -c 1 -W 5 10.0.1.1", self->ns[NS_R]));
	ASSERT_EQ(0, attach(self, NS_R, self->y1, TCX_DIR_EGRESS, "redir"));
	ASSERT_EQ(0, udp_send(self, NS_R, "10.0.4.2", DP_PORT));
	msleep(NO_RX_MS);
	runs = order_count(self);
	EXPECT_LE(9U, runs);
	EXPECT_GE(10U, runs);
	for (i = 0, want[0] = '\0'; i < runs && i < 10; i++)
		strcat(want, i ? ",6" : "6");
	EXPECT_STREQ(want, order_str(self, buf, sizeof(buf)));
	EXPECT_EQ(0ULL, seen(self, 1, DP_SEEN_UDP));
	ASSERT_EQ(0, query(self, NS_R, self->y1, TCX_DIR_EGRESS, &q, NULL, 0));
	if (tcx_test_has_stats(&q)) {
		EXPECT_EQ(1ULL, q.stats.redirect_failed);
		EXPECT_EQ(runs - 1ULL, q.stats.redirected);
	}

	ASSERT_EQ(0, detach(self, NS_R, self->y1, TCX_DIR_EGRESS, "redir"));
	ASSERT_EQ(0, udp_send(self, NS_R, "10.0.4.2", DP_PORT));
	msleep(NO_RX_MS);
	EXPECT_EQ(1ULL, seen(self, 1, DP_SEEN_UDP));
	EXPECT_EQ(runs, order_count(self));
}

/*
 * bpf_redirect_peer(y2) at y1's ingress: straight into x2 in nsB, counted
 * as received on x2, with no L2 rewrite needed.
 */
TEST_F_TIMEOUT(dp, redirect_peer, DP_TIMEOUT)
{
	struct dp_cfg cfg = { .ifindex = self->y2 };
	struct tcx_query q;
	int rx, ifindex;

	ASSERT_EQ(0, set_cfg(self, &cfg));
	ASSERT_EQ(0, attach(self, NS_R, self->y1, TCX_DIR_INGRESS, "redir_peer"));
	rx = udp_open(self, NS_B, AF_INET, DP_PORT);
	ASSERT_LE(0, rx);
	ASSERT_EQ(0, udp_send(self, NS_A, "10.0.2.2", DP_PORT));
	ASSERT_LT(0, udp_recv(rx, RX_WAIT_MS, &ifindex));
	EXPECT_EQ(self->x2, ifindex);
	ASSERT_EQ(0, udp_send(self, NS_A, "10.0.2.2", DP_PORT));
	ASSERT_LT(0, udp_recv(rx, RX_WAIT_MS, NULL));
	ASSERT_EQ(0, query(self, NS_R, self->y1, TCX_DIR_INGRESS, &q, NULL, 0));
	if (tcx_test_has_stats(&q)) {
		EXPECT_EQ(2ULL, q.stats.redirected);
		EXPECT_EQ(0ULL, q.stats.redirect_failed);
	}
	close(rx);
}

/*
 * bpf_redirect_neigh(y2) at y1's ingress, for a neighbour nsR has not
 * resolved yet: with the FIB (no next hop given), then with a next hop
 * for a destination nsR has no route to.  The next hop is what nsR
 * resolves: no neighbour entry appears for the destination itself.
 *
 * Without a next hop, a destination with no route fails over IPv6.  Over
 * IPv4 it does not: a route lookup with an output device and no matching
 * route assumes the destination is on link (ip_route_output_key_hash),
 * for the core's bpf_redirect_neigh() as well.
 */
static void redirect_neigh(struct __test_metadata *_metadata, dp_t *self,
			   int family)
{
	const bool v4 = family == AF_INET;
	const char *nh_addr = v4 ? "10.0.2.2" : "fd02::2";
	const char *far = v4 ? "10.0.3.2" : "fd03::2";
	const char *r = self->ns[NS_R];
	struct dp_cfg cfg = { .ifindex = self->y2 };
	__u64 failed = 0;
	struct tcx_query q;
	int rx, ifindex;

	ASSERT_EQ(0, set_cfg(self, &cfg));
	ASSERT_EQ(0, attach(self, NS_R, self->y1, TCX_DIR_INGRESS, "redir_neigh"));
	rx = udp_open(self, NS_B, family, DP_PORT);
	ASSERT_LE(0, rx);
	ASSERT_EQ(0, tcx_sh("! ip -n %s neigh show to %s dev y2 | grep -q lladdr",
			r, nh_addr));

	ASSERT_EQ(0, udp_send(self, NS_A, nh_addr, DP_PORT));
	ASSERT_LT(0, udp_recv(rx, RX_WAIT_MS, &ifindex));
	EXPECT_EQ(self->x2, ifindex);
	EXPECT_EQ(0, tcx_sh("ip -n %s neigh show to %s dev y2 | grep -q lladdr",
			r, nh_addr));

	if (!v4) {
		ASSERT_EQ(0, udp_send(self, NS_A, far, DP_PORT));
		EXPECT_GT(0, udp_recv(rx, NO_RX_MS, NULL));
		failed = 1;
	}
	ASSERT_EQ(0, query(self, NS_R, self->y1, TCX_DIR_INGRESS, &q, NULL, 0));
	if (tcx_test_has_stats(&q)) {
		EXPECT_EQ(1ULL, q.stats.redirected);
		EXPECT_EQ(failed, q.stats.redirect_failed);
	}

	cfg.use_nh = 1;
	cfg.nh.nh_family = family;
	if (v4)
		inet_pton(AF_INET, nh_addr, &cfg.nh.ipv4_nh);
	else
		inet_pton(AF_INET6, nh_addr, &cfg.nh.ipv6_nh);
	ASSERT_EQ(0, set_cfg(self, &cfg));
	ASSERT_EQ(0, udp_send(self, NS_A, far, DP_PORT));
	ASSERT_LT(0, udp_recv(rx, RX_WAIT_MS, &ifindex));
	EXPECT_EQ(self->x2, ifindex);
	EXPECT_EQ(0, tcx_sh("! ip -n %s neigh show to %s | grep -q .", r, far));
	ASSERT_EQ(0, query(self, NS_R, self->y1, TCX_DIR_INGRESS, &q, NULL, 0));
	if (tcx_test_has_stats(&q)) {
		EXPECT_EQ(2ULL, q.stats.redirected);
		EXPECT_EQ(failed, q.stats.redirect_failed);
	}
	close(rx);
}

TEST_F_TIMEOUT(dp, redirect_neigh_v4, DP_TIMEOUT)
{
	redirect_neigh(_metadata, self, AF_INET);
}

TEST_F_TIMEOUT(dp, redirect_neigh_v6, DP_TIMEOUT)
{
	redirect_neigh(_metadata, self, AF_INET6);
}

/* A next hop given for a neighbour nsR must resolve first, fresh. */
TEST_F_TIMEOUT(dp, redirect_neigh_nexthop_unresolved, DP_TIMEOUT)
{
	struct dp_cfg cfg = { .ifindex = self->y2, .use_nh = 1 };
	int rx4, rx6;

	cfg.nh.nh_family = AF_INET;
	inet_pton(AF_INET, "10.0.2.2", &cfg.nh.ipv4_nh);
	ASSERT_EQ(0, set_cfg(self, &cfg));
	ASSERT_EQ(0, attach(self, NS_R, self->y1, TCX_DIR_INGRESS, "redir_neigh"));
	rx4 = udp_open(self, NS_B, AF_INET, DP_PORT);
	rx6 = udp_open(self, NS_B, AF_INET6, DP_PORT);
	ASSERT_LE(0, rx4);
	ASSERT_LE(0, rx6);
	ASSERT_EQ(0, udp_send(self, NS_A, "10.0.3.2", DP_PORT));
	EXPECT_LT(0, udp_recv(rx4, RX_WAIT_MS, NULL));

	cfg.nh.nh_family = AF_INET6;
	inet_pton(AF_INET6, "fd02::2", &cfg.nh.ipv6_nh);
	ASSERT_EQ(0, set_cfg(self, &cfg));
	ASSERT_EQ(0, udp_send(self, NS_A, "fd03::2", DP_PORT));
	EXPECT_LT(0, udp_recv(rx6, RX_WAIT_MS, NULL));
	close(rx4);
	close(rx6);
}

/*
 * bpf_clone_redirect() sends its clone from inside the helper: the clone
 * reaches nsB, the original meets the program's verdict (here a drop),
 * and the hook counts no redirect.
 */
TEST_F_TIMEOUT(dp, clone_redirect, DP_TIMEOUT)
{
	struct dp_cfg cfg = {
		.ifindex = self->y2, .set_dmac = 1, .verdict = TCX_DROP,
	};
	struct tcx_query q;
	int rx_b, rx_r;

	memcpy(cfg.dmac, self->mac_x2, ETH_ALEN);
	ASSERT_EQ(0, set_cfg(self, &cfg));
	ASSERT_EQ(0, attach(self, NS_R, self->y1, TCX_DIR_INGRESS, "clone_redir"));
	rx_b = udp_open(self, NS_B, AF_INET, DP_PORT);
	rx_r = udp_open(self, NS_R, AF_INET, DP_PORT);
	ASSERT_LE(0, rx_b);
	ASSERT_LE(0, rx_r);
	ASSERT_EQ(0, udp_send(self, NS_A, "10.0.2.2", DP_PORT));
	ASSERT_LT(0, udp_recv(rx_b, RX_WAIT_MS, NULL));
	ASSERT_EQ(0, query(self, NS_R, self->y1, TCX_DIR_INGRESS, &q, NULL, 0));
	if (tcx_test_has_stats(&q)) {
		EXPECT_EQ(1ULL, q.stats.dropped);
		EXPECT_EQ(0ULL, q.stats.redirected + q.stats.redirect_failed);
	}

	/* With TCX_PASS the original goes on too (nsR does not forward it). */
	cfg.verdict = TCX_PASS;
	ASSERT_EQ(0, set_cfg(self, &cfg));
	ASSERT_EQ(0, udp_send(self, NS_A, "10.0.2.2", DP_PORT));
	ASSERT_LT(0, udp_recv(rx_b, RX_WAIT_MS, NULL));
	EXPECT_GT(0, udp_recv(rx_r, NO_RX_MS, NULL));
	close(rx_b);
	close(rx_r);
}

/*
 * One packet from netns FROM to DST that program ID, the only one on the
 * hook (NS, IFINDEX, DIR), must fail to redirect: the program ran once,
 * the packet does not arrive, and the hook counts it.
 */
static void expect_redirect_failed(struct __test_metadata *_metadata,
				   dp_t *self, int ns, int ifindex,
				   enum tcx_dir dir, int from, const char *dst,
				   int rx, enum dp_id id, const char *what)
{
	char buf[64], want[16];
	__u64 failed, redirected;
	struct tcx_query q;

	ASSERT_EQ(0, query(self, ns, ifindex, dir, &q, NULL, 0));
	failed = q.stats.redirect_failed;
	redirected = q.stats.redirected;
	order_reset(self);
	ASSERT_EQ(0, udp_send(self, from, dst, DP_PORT));
	EXPECT_GT(0, udp_recv(rx, NO_RX_MS * 2, NULL)) TH_LOG("%s", what);
	snprintf(want, sizeof(want), "%d", id);
	EXPECT_STREQ(want, order_str(self, buf, sizeof(buf))) TH_LOG("%s", what);
	ASSERT_EQ(0, query(self, ns, ifindex, dir, &q, NULL, 0));
	if (tcx_test_has_stats(&q)) {
		EXPECT_EQ(failed + 1, q.stats.redirect_failed) TH_LOG("%s", what);
		EXPECT_EQ(redirected, q.stats.redirected) TH_LOG("%s", what);
	}
}

/*
 * Every way a redirect can fail drops the packet and counts it: a target
 * that never existed, one that was deleted, one that is down, a
 * TCX_REDIRECT without a helper call, a peer redirect to a device without
 * a peer, to a peer in the same netns, or from egress.  First the same
 * redirect that works: the packet arrives, so that "it did not arrive"
 * below says something.
 */
TEST_F_TIMEOUT(dp, redirect_failures, DP_TIMEOUT)
{
	const char *r = self->ns[NS_R];
	struct dp_cfg cfg = { .ifindex = self->y2, .set_dmac = 1 };
	int rx, gone, y3;
	char buf[64];

	memcpy(cfg.dmac, self->mac_x2, ETH_ALEN);
	rx = udp_open(self, NS_B, AF_INET, DP_PORT);
	ASSERT_LE(0, rx);
	ASSERT_EQ(0, attach(self, NS_R, self->y1, TCX_DIR_INGRESS, "redir"));
	ASSERT_EQ(0, set_cfg(self, &cfg));
	ASSERT_EQ(0, udp_send(self, NS_A, "10.0.2.2", DP_PORT));
	ASSERT_LT(0, udp_recv(rx, RX_WAIT_MS, NULL));
	EXPECT_STREQ("6", order_str(self, buf, sizeof(buf)));

	cfg = (struct dp_cfg){ .ifindex = 0x7ffffff };
	ASSERT_EQ(0, set_cfg(self, &cfg));
	expect_redirect_failed(_metadata, self, NS_R, self->y1, TCX_DIR_INGRESS,
			       NS_A, "10.0.2.2", rx, DP_ID_REDIR,
			       "no such ifindex");

	ASSERT_EQ(0, tcx_sh("ip -n %s link add name gone type veth peer name gone2", r));
	ASSERT_EQ(0, dev_info(self, NS_R, "gone", &gone, NULL));
	ASSERT_EQ(0, tcx_sh("ip -n %s link del gone", r));
	cfg.ifindex = gone;
	ASSERT_EQ(0, set_cfg(self, &cfg));
	expect_redirect_failed(_metadata, self, NS_R, self->y1, TCX_DIR_INGRESS,
			       NS_A, "10.0.2.2", rx, DP_ID_REDIR,
			       "deleted target");

	ASSERT_EQ(0, tcx_sh("ip -n %s link set y2 down", r));
	cfg.ifindex = self->y2;
	ASSERT_EQ(0, set_cfg(self, &cfg));
	expect_redirect_failed(_metadata, self, NS_R, self->y1, TCX_DIR_INGRESS,
			       NS_A, "10.0.2.2", rx, DP_ID_REDIR,
			       "target down");
	cfg.flags = BPF_F_INGRESS;
	ASSERT_EQ(0, set_cfg(self, &cfg));
	expect_redirect_failed(_metadata, self, NS_R, self->y1, TCX_DIR_INGRESS,
			       NS_A, "10.0.2.2", rx, DP_ID_REDIR,
			       "target down, ingress");
	ASSERT_EQ(0, tcx_sh("ip -n %s link set y2 up", r));

	ASSERT_EQ(0, detach(self, NS_R, self->y1, TCX_DIR_INGRESS, "redir"));
	ASSERT_EQ(0, attach(self, NS_R, self->y1, TCX_DIR_INGRESS, "verdict"));
	cfg.verdict = TCX_REDIRECT;
	ASSERT_EQ(0, set_cfg(self, &cfg));
	expect_redirect_failed(_metadata, self, NS_R, self->y1, TCX_DIR_INGRESS,
			       NS_A, "10.0.2.2", rx, DP_ID_VERDICT,
			       "TCX_REDIRECT without a helper");
	ASSERT_EQ(0, detach(self, NS_R, self->y1, TCX_DIR_INGRESS, "verdict"));

	ASSERT_EQ(0, attach(self, NS_R, self->y1, TCX_DIR_INGRESS, "redir_peer"));
	cfg.ifindex = 1;
	ASSERT_EQ(0, set_cfg(self, &cfg));
	expect_redirect_failed(_metadata, self, NS_R, self->y1, TCX_DIR_INGRESS,
			       NS_A, "10.0.2.2", rx, DP_ID_PEER, "peer of lo");
	ASSERT_EQ(0, tcx_sh("ip -n %s link add name y3 type veth peer name y4", r));
	ASSERT_EQ(0, tcx_sh("ip -n %s link set y3 up", r));
	ASSERT_EQ(0, tcx_sh("ip -n %s link set y4 up", r));
	ASSERT_EQ(0, dev_info(self, NS_R, "y3", &y3, NULL));
	cfg.ifindex = y3;
	ASSERT_EQ(0, set_cfg(self, &cfg));
	expect_redirect_failed(_metadata, self, NS_R, self->y1, TCX_DIR_INGRESS,
			       NS_A, "10.0.2.2", rx, DP_ID_PEER,
			       "peer in the same netns");

	/* From egress: nsR's packets to 10.0.4.2 leave through y1. */
	ASSERT_EQ(0, detach(self, NS_R, self->y1, TCX_DIR_INGRESS, "redir_peer"));
	cfg.ifindex = self->y2;
	ASSERT_EQ(0, set_cfg(self, &cfg));
	ASSERT_EQ(0, attach(self, NS_R, self->y1, TCX_DIR_EGRESS, "redir_peer"));
	expect_redirect_failed(_metadata, self, NS_R, self->y1, TCX_DIR_EGRESS,
			       NS_R, "10.0.4.2", rx, DP_ID_PEER,
			       "peer from egress");
	close(rx);
}

/* The hook is in the data path only while it has programs. */
TEST_F_TIMEOUT(dp, hook_live_only_with_programs, DP_TIMEOUT)
{
	struct tcx_query q;

	TCX_MODULE_ONLY("hook flags");
	ASSERT_EQ(0, query(self, NS_R, self->y1, TCX_DIR_INGRESS, &q, NULL, 0));
	EXPECT_EQ(0ULL, q.hook_flags);
	ASSERT_EQ(0, attach(self, NS_R, self->y1, TCX_DIR_INGRESS, "rec1"));
	ASSERT_EQ(0, query(self, NS_R, self->y1, TCX_DIR_INGRESS, &q, NULL, 0));
	EXPECT_EQ(TCX_HOOK_F_LIVE, q.hook_flags);
	ASSERT_EQ(0, query(self, NS_R, self->y1, TCX_DIR_EGRESS, &q, NULL, 0));
	EXPECT_EQ(0ULL, q.hook_flags);
	ASSERT_EQ(0, attach(self, NS_R, self->y1, TCX_DIR_INGRESS, "rec2"));
	ASSERT_EQ(0, detach(self, NS_R, self->y1, TCX_DIR_INGRESS, "rec1"));
	ASSERT_EQ(0, query(self, NS_R, self->y1, TCX_DIR_INGRESS, &q, NULL, 0));
	EXPECT_EQ(TCX_HOOK_F_LIVE, q.hook_flags);
	EXPECT_EQ(1ULL, q.count);
	ASSERT_EQ(0, detach(self, NS_R, self->y1, TCX_DIR_INGRESS, "rec2"));
	ASSERT_EQ(0, query(self, NS_R, self->y1, TCX_DIR_INGRESS, &q, NULL, 0));
	EXPECT_EQ(0ULL, q.hook_flags);
	EXPECT_EQ(0ULL, q.count);
	EXPECT_EQ(0ULL, q.stats.packets);
	EXPECT_EQ(self->refcnt, module_refcnt());
}

/*
 * A device that moves to another netns keeps its programs running, and
 * they can be detached there.
 */
TEST_F_TIMEOUT(dp, netns_move, DP_TIMEOUT)
{
	const char *r = self->ns[NS_R], *b = self->ns[NS_B];
	struct dp_cfg cfg = { .verdict = TCX_PASS };
	struct tcx_query q;
	int rx, y1;
	char buf[64];

	ASSERT_EQ(0, set_cfg(self, &cfg));
	ASSERT_EQ(0, attach(self, NS_R, self->y1, TCX_DIR_INGRESS, "rec1"));
	ASSERT_EQ(0, attach(self, NS_R, self->y1, TCX_DIR_INGRESS, "verdict"));
	ASSERT_EQ(0, attach(self, NS_R, self->y1, TCX_DIR_EGRESS, "rec2"));
	rx = udp_open(self, NS_R, AF_INET, DP_PORT);
	ASSERT_LE(0, rx);
	ASSERT_EQ(0, udp_send(self, NS_A, "10.0.1.254", DP_PORT));
	ASSERT_LT(0, udp_recv(rx, RX_WAIT_MS, NULL));
	close(rx);

	ASSERT_EQ(0, tcx_sh("ip -n %s link set dev y1 netns %s", r, b));
	ASSERT_EQ(0, tcx_sh("ip -n %s link set y1 up", b));
	ASSERT_EQ(0, tcx_sh("ip -n %s addr add 10.0.1.254/24 dev y1", b));
	ASSERT_EQ(0, dev_info(self, NS_B, "y1", &y1, NULL));
	ASSERT_EQ(0, query(self, NS_B, y1, TCX_DIR_INGRESS, &q, NULL, 0));
	EXPECT_EQ(2ULL, q.count);
	if (tcx_test_has_stats(&q)) {
		EXPECT_EQ(TCX_HOOK_F_LIVE, q.hook_flags);
	}

	rx = udp_open(self, NS_B, AF_INET, DP_PORT);
	ASSERT_LE(0, rx);
	ASSERT_EQ(0, udp_send(self, NS_A, "10.0.1.254", DP_PORT));
	ASSERT_LT(0, udp_recv(rx, RX_WAIT_MS, NULL));
	EXPECT_STREQ("1,9,1,9", order_str(self, buf, sizeof(buf)));
	/* And the egress program sees nsB's packets to nsA. */
	ASSERT_EQ(0, tcx_sh("ip netns exec %s ping -c 1 -W 5 10.0.1.1", b));
	ASSERT_EQ(0, query(self, NS_B, y1, TCX_DIR_EGRESS, &q, NULL, 0));
	if (tcx_test_has_stats(&q)) {
		EXPECT_LE(1ULL, q.stats.passed);
	}

	ASSERT_EQ(0, detach(self, NS_B, y1, TCX_DIR_INGRESS, "verdict"));
	ASSERT_EQ(0, detach(self, NS_B, y1, TCX_DIR_INGRESS, "rec1"));
	ASSERT_EQ(0, query(self, NS_B, y1, TCX_DIR_INGRESS, &q, NULL, 0));
	if (tcx_test_has_stats(&q)) {
		EXPECT_EQ(0ULL, q.hook_flags);
	}
	ASSERT_EQ(0, udp_send(self, NS_A, "10.0.1.254", DP_PORT));
	ASSERT_LT(0, udp_recv(rx, RX_WAIT_MS, NULL));
	EXPECT_STREQ("1,9,1,9", order_str(self, buf, sizeof(buf)));
	close(rx);
	/* The egress hook goes with the device, in nsB, at teardown. */
}

/* The ids of the test object's programs that the tests attach. */
static int prog_ids(dp_t *self, const char *const *names, __u32 *ids, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		ids[i] = tcx_prog_id(prog_fd(self, names[i]));
		if (!ids[i])
			return -1;
	}
	return 0;
}

/*
 * Programs on both hooks of y1 and x1 while packets flow through them,
 * then GONE() takes the devices away: no splat, and once the test drops
 * its own references the programs are freed and tcx.ko is back to the
 * references it had before.  That traffic was flowing is what the
 * programs on the way counted and what the receiver got.
 */
#define GONE_PROGS 5
static void gone_under_traffic(struct __test_metadata *_metadata, dp_t *self,
			       bool netns)
{
	static const char *const names[GONE_PROGS] = {
		"seen1", "verdict", "seen2", "seen3", "seen4",
	};
	struct dp_cfg cfg = { .verdict = TCX_PASS };
	__u32 ids[GONE_PROGS];
	long refcnt = self->refcnt;
	int i, rx, received = 0;
	pid_t pid;

	ASSERT_EQ(0, set_cfg(self, &cfg));
	ASSERT_EQ(0, prog_ids(self, names, ids, GONE_PROGS));
	ASSERT_EQ(0, attach(self, NS_R, self->y1, TCX_DIR_INGRESS, "seen1"));
	ASSERT_EQ(0, attach(self, NS_R, self->y1, TCX_DIR_INGRESS, "verdict"));
	ASSERT_EQ(0, attach(self, NS_R, self->y1, TCX_DIR_EGRESS, "seen2"));
	ASSERT_EQ(0, attach(self, NS_A, self->x1, TCX_DIR_EGRESS, "seen3"));
	ASSERT_EQ(0, attach(self, NS_A, self->x1, TCX_DIR_INGRESS, "seen4"));
	if (!tcx_test_native()) {
		EXPECT_LT(refcnt, module_refcnt());
	}
	rx = udp_open(self, NS_R, AF_INET, DP_PORT);
	ASSERT_LE(0, rx);

	pid = flood(self, NS_A, "10.0.1.254");
	ASSERT_LT(0, pid);
	msleep(500);
	while (udp_recv(rx, 0, NULL) > 0)
		received++;
	/* A socket holds its netns: closed before the netns goes. */
	close(rx);
	EXPECT_LT(10, received);
	EXPECT_LT(10ULL, seen(self, 3, DP_SEEN_UDP));
	EXPECT_LT(10ULL, seen(self, 1, DP_SEEN_UDP));
	EXPECT_EQ((__u64)self->x1, seen(self, 3, DP_SEEN_IFINDEX));
	EXPECT_EQ((__u64)self->y1, seen(self, 1, DP_SEEN_IFINDEX));

	if (netns) {
		close(self->nsfd[NS_R]);
		self->nsfd[NS_R] = -1;
		tcx_ns_del(self->ns[NS_R]);
		self->ns[NS_R][0] = '\0';
	} else {
		EXPECT_EQ(0, tcx_sh("ip -n %s link del y1", self->ns[NS_R]));
	}
	msleep(200);
	stop(pid);

	/* The test's object still holds every program. */
	for (i = 0; i < GONE_PROGS; i++)
		EXPECT_TRUE(tcx_prog_id_alive(ids[i]));
	bpf_object__close(self->obj);
	self->obj = NULL;
	for (i = 0; i < GONE_PROGS; i++) {
		__u32 id = ids[i];

		EXPECT_TRUE(wait_for(prog_gone, &id, 20000))
			TH_LOG("program %u still held", id);
	}
	EXPECT_TRUE(wait_for(refcnt_back, &refcnt, 20000))
		TH_LOG("tcx.ko refcnt %ld, was %ld", module_refcnt(), refcnt);
	/* Both ends of the veth went. */
	EXPECT_EQ(0, tcx_sh("! ip -n %s link show dev x1", self->ns[NS_A]));
}

TEST_F_TIMEOUT(dp, device_deleted_under_traffic, DP_TIMEOUT)
{
	gone_under_traffic(_metadata, self, false);
}

TEST_F_TIMEOUT(dp, netns_destroyed_under_traffic, DP_TIMEOUT)
{
	gone_under_traffic(_metadata, self, true);
}

TEST_HARNESS_MAIN
