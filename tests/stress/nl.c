// SPDX-License-Identifier: GPL-2.0
/*
 * Minimal rtnetlink requests for the reliability tests; see nl.h.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <netinet/in.h>

#include "nl.h"

/* One request: a header, then room for its attributes. */
struct nl_req {
	char	buf[1024];
} __attribute__((aligned(8)));

#define NL_HDR(req)	((struct nlmsghdr *)(req)->buf)

static void *nl_tail(struct nlmsghdr *n)
{
	return (char *)n + NLMSG_ALIGN(n->nlmsg_len);
}

static struct rtattr *nl_put(struct nlmsghdr *n, int type, const void *data,
			     size_t len)
{
	struct rtattr *rta = nl_tail(n);

	rta->rta_type = type;
	rta->rta_len = RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(rta), data, len);
	n->nlmsg_len = NLMSG_ALIGN(n->nlmsg_len) + RTA_ALIGN(rta->rta_len);
	return rta;
}

static struct rtattr *nl_nest(struct nlmsghdr *n, int type)
{
	return nl_put(n, type, NULL, 0);
}

static void nl_nest_end(struct nlmsghdr *n, struct rtattr *nest)
{
	nest->rta_len = (char *)nl_tail(n) - (char *)nest;
}

static void *nl_put_raw(struct nlmsghdr *n, const void *data, size_t len)
{
	void *p = nl_tail(n);

	memcpy(p, data, len);
	n->nlmsg_len = NLMSG_ALIGN(n->nlmsg_len) + NLMSG_ALIGN(len);
	return p;
}

int nl_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -errno;
	}
	return fd;
}

/* Send one request and wait for its acknowledgement. */
static int nl_talk(int fd, struct nlmsghdr *n)
{
	static __thread unsigned int seq;
	char buf[4096];
	struct nlmsghdr *h;
	ssize_t ret;
	int len;

	n->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	n->nlmsg_seq = ++seq;
	if (send(fd, n, n->nlmsg_len, 0) < 0)
		return -errno;
	for (;;) {
		ret = recv(fd, buf, sizeof(buf), 0);
		if (ret < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		len = ret;
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, len);
		     h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_seq != n->nlmsg_seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR)
				return ((struct nlmsgerr *)NLMSG_DATA(h))->error;
		}
	}
}

static struct nlmsghdr *nl_init(struct nl_req *req, int type, int flags,
				 size_t hdr)
{
	struct nlmsghdr *n = NL_HDR(req);

	memset(req, 0, sizeof(*req));
	n->nlmsg_len = NLMSG_LENGTH(hdr);
	n->nlmsg_type = type;
	n->nlmsg_flags = flags;
	return n;
}

int nl_veth_add(int nl, const char *name, const char *peer, int peer_nsfd)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct rtattr *linkinfo, *data, *info_peer;
	struct nlmsghdr *n;
	struct nl_req req;

	n = nl_init(&req, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, sizeof(ifi));
	nl_put(n, IFLA_IFNAME, name, strlen(name) + 1);
	linkinfo = nl_nest(n, IFLA_LINKINFO);
	nl_put(n, IFLA_INFO_KIND, "veth", 4);
	data = nl_nest(n, IFLA_INFO_DATA);
	info_peer = nl_nest(n, VETH_INFO_PEER);
	nl_put_raw(n, &ifi, sizeof(ifi));
	nl_put(n, IFLA_IFNAME, peer, strlen(peer) + 1);
	if (peer_nsfd >= 0)
		nl_put(n, IFLA_NET_NS_FD, &peer_nsfd, sizeof(peer_nsfd));
	nl_nest_end(n, info_peer);
	nl_nest_end(n, data);
	nl_nest_end(n, linkinfo);
	return nl_talk(nl, n);
}

int nl_link_up(int nl, int ifindex)
{
	struct ifinfomsg *ifi;
	struct nlmsghdr *n;
	struct nl_req req;

	n = nl_init(&req, RTM_NEWLINK, 0, sizeof(*ifi));
	ifi = NLMSG_DATA(n);
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	return nl_talk(nl, n);
}

int nl_link_del(int nl, int ifindex)
{
	struct ifinfomsg *ifi;
	struct nlmsghdr *n;
	struct nl_req req;

	n = nl_init(&req, RTM_DELLINK, 0, sizeof(*ifi));
	ifi = NLMSG_DATA(n);
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	return nl_talk(nl, n);
}

int nl_addr4_add(int nl, int ifindex, uint32_t addr, int prefix_len)
{
	struct ifaddrmsg *ifa;
	struct nlmsghdr *n;
	struct nl_req req;

	n = nl_init(&req, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, sizeof(*ifa));
	ifa = NLMSG_DATA(n);
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = prefix_len;
	ifa->ifa_index = ifindex;
	nl_put(n, IFA_LOCAL, &addr, sizeof(addr));
	nl_put(n, IFA_ADDRESS, &addr, sizeof(addr));
	return nl_talk(nl, n);
}
