// SPDX-License-Identifier: GPL-2.0
/*
 * Programs for the datapath selftest.  Each acts only on the test's own
 * packets (UDP to DP_PORT, over IPv4 or IPv6) and hands everything else
 * (ARP, neighbour discovery...) on with TCX_NEXT, so that background
 * traffic never changes a verdict.  Each records its id in the order map
 * when it acts, so a test sees which programs ran and in which order.
 * The seen<N> programs count every packet by kind instead, each into its
 * own slots of the seen map: which hook saw how much of what.
 *
 * SEC("tc"): libbpf 1.1 knows no tcx sections; the test sets the type.
 */
#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/pkt_cls.h>
#include <linux/udp.h>
#include <linux/tcx.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "datapath.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct dp_cfg);
} cfg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, DP_ORDER_MAX);
	__type(key, __u32);
	__type(value, __u32);
} order SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, DP_RES_MAX);
	__type(key, __u32);
	__type(value, __u32);
} result SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, DP_SEEN_MAX);
	__type(key, __u32);
	__type(value, __u64);
} seen SEC(".maps");

static __always_inline struct dp_cfg *dp_cfg(void)
{
	__u32 key = 0;

	return bpf_map_lookup_elem(&cfg, &key);
}

/*
 * Is this a UDP packet to DP_PORT?  On success *l4off is the offset of the
 * UDP header from the start of the packet (the Ethernet header).
 */
static __always_inline bool dp_match(struct __sk_buff *skb, __u32 *l4off)
{
	void *data_end = (void *)(long)skb->data_end;
	void *data = (void *)(long)skb->data;
	struct ethhdr *eth = data;
	struct udphdr *udp;

	if ((void *)(eth + 1) > data_end)
		return false;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);

		if ((void *)(ip + 1) > data_end || ip->ihl != 5 ||
		    ip->protocol != IPPROTO_UDP)
			return false;
		udp = (void *)(ip + 1);
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		if ((void *)(ip6 + 1) > data_end ||
		    ip6->nexthdr != IPPROTO_UDP)
			return false;
		udp = (void *)(ip6 + 1);
	} else {
		return false;
	}
	if ((void *)(udp + 1) > data_end)
		return false;
	*l4off = (void *)udp - data;
	return udp->dest == bpf_htons(DP_PORT);
}

/* One packet at a time runs through a chain, on one CPU: no atomics. */
static __always_inline void dp_record(__u32 id)
{
	__u32 key = 0, *n, *slot, i;

	n = bpf_map_lookup_elem(&order, &key);
	if (!n)
		return;
	i = *n + 1;
	if (i >= DP_ORDER_MAX)
		return;
	*n = i;
	slot = bpf_map_lookup_elem(&order, &i);
	if (slot)
		*slot = id;
}

#define DP_REC_PROG(N)					\
	SEC("tc")					\
	int rec##N(struct __sk_buff *skb)		\
	{						\
		__u32 off;				\
							\
		if (dp_match(skb, &off))		\
			dp_record(DP_ID_REC##N);	\
		return TCX_NEXT;			\
	}

DP_REC_PROG(1)
DP_REC_PROG(2)
DP_REC_PROG(3)

/* Echo types, ICMP's and ICMPv6's: linux/icmp.h needs libc's headers. */
#define DP_ICMP_ECHOREPLY	0
#define DP_ICMP_ECHO		8
#define DP_ICMPV6_ECHO		128
#define DP_ICMPV6_ECHOREPLY	129

/* What a packet is, as a dp_seen kind; DP_SEEN_ALL for anything else. */
static __always_inline __u32 dp_kind(struct __sk_buff *skb)
{
	void *data_end = (void *)(long)skb->data_end;
	void *data = (void *)(long)skb->data;
	struct ethhdr *eth = data;
	struct udphdr *udp;
	__u8 proto, *type;
	void *l4;

	if ((void *)(eth + 1) > data_end)
		return DP_SEEN_ALL;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);

		if ((void *)(ip + 1) > data_end || ip->ihl != 5)
			return DP_SEEN_ALL;
		proto = ip->protocol;
		l4 = ip + 1;
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		if ((void *)(ip6 + 1) > data_end)
			return DP_SEEN_ALL;
		proto = ip6->nexthdr;
		l4 = ip6 + 1;
	} else {
		return DP_SEEN_ALL;
	}
	/* The ICMP and ICMPv6 headers both start with their type. */
	type = l4;
	if (proto == IPPROTO_UDP) {
		udp = l4;
		if ((void *)(udp + 1) <= data_end &&
		    udp->dest == bpf_htons(DP_PORT))
			return DP_SEEN_UDP;
	} else if ((proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6) &&
		   (void *)(type + 1) <= data_end) {
		if (*type == (proto == IPPROTO_ICMP ? DP_ICMP_ECHO :
						       DP_ICMPV6_ECHO))
			return DP_SEEN_ECHO;
		if (*type == (proto == IPPROTO_ICMP ? DP_ICMP_ECHOREPLY :
						       DP_ICMPV6_ECHOREPLY))
			return DP_SEEN_REPLY;
	}
	return DP_SEEN_ALL;
}

/* Packets of several CPUs at once (a flood): atomic adds. */
static __always_inline void dp_seen_add(__u32 key)
{
	__u64 *val;

	val = bpf_map_lookup_elem(&seen, &key);
	if (!val)
		return;
	__sync_fetch_and_add(val, 1);
}

static __always_inline void dp_seen(struct __sk_buff *skb, __u32 base)
{
	__u32 key = base + DP_SEEN_IFINDEX, kind = dp_kind(skb);
	__u64 *val;

	val = bpf_map_lookup_elem(&seen, &key);
	if (val)
		*val = skb->ifindex;
	dp_seen_add(base + DP_SEEN_ALL);
	if (kind != DP_SEEN_ALL)
		dp_seen_add(base + kind);
}

#define DP_SEEN_PROG(N)						\
	SEC("tc")						\
	int seen##N(struct __sk_buff *skb)			\
	{							\
		dp_seen(skb, ((N) - 1) * DP_SEEN_KINDS);	\
		return TCX_NEXT;				\
	}

DP_SEEN_PROG(1)
DP_SEEN_PROG(2)
DP_SEEN_PROG(3)
DP_SEEN_PROG(4)

/* Returns whatever the test put in cfg.verdict. */
SEC("tc")
int verdict(struct __sk_buff *skb)
{
	struct dp_cfg *c = dp_cfg();
	__u32 off;

	if (!c || !dp_match(skb, &off))
		return TCX_NEXT;
	dp_record(DP_ID_VERDICT);
	return c->verdict;
}

/* UDP DP_PORT -> DP_PORT_NEW, checksum fixed; the chain goes on. */
SEC("tc")
int rewrite_port(struct __sk_buff *skb)
{
	__be16 old_port = bpf_htons(DP_PORT), new_port = bpf_htons(DP_PORT_NEW);
	__u32 off;

	if (!dp_match(skb, &off))
		return TCX_NEXT;
	if (bpf_l4_csum_replace(skb, off + offsetof(struct udphdr, check),
				old_port, new_port,
				BPF_F_MARK_MANGLED_0 | sizeof(new_port)))
		return TCX_DROP;
	if (bpf_skb_store_bytes(skb, off + offsetof(struct udphdr, dest),
				&new_port, sizeof(new_port), 0))
		return TCX_DROP;
	dp_record(DP_ID_REWRITE);
	return TCX_NEXT;
}

/* TCX_PASS copies tc_classid to tc_index. */
SEC("tc")
int set_classid(struct __sk_buff *skb)
{
	struct dp_cfg *c = dp_cfg();
	__u32 off;

	if (!c || !dp_match(skb, &off))
		return TCX_NEXT;
	skb->tc_classid = c->classid;
	dp_record(DP_ID_CLASSID);
	return TCX_PASS;
}

static __always_inline int dp_set_dmac(struct __sk_buff *skb,
				       const struct dp_cfg *c)
{
	__u8 mac[ETH_ALEN];

	if (!c->set_dmac)
		return 0;
	__builtin_memcpy(mac, c->dmac, sizeof(mac));
	return bpf_skb_store_bytes(skb, offsetof(struct ethhdr, h_dest),
				   mac, sizeof(mac), 0);
}

SEC("tc")
int redir(struct __sk_buff *skb)
{
	struct dp_cfg *c = dp_cfg();
	__u32 off;

	if (!c || !dp_match(skb, &off))
		return TCX_NEXT;
	dp_record(DP_ID_REDIR);
	if (dp_set_dmac(skb, c))
		return TCX_DROP;
	return bpf_redirect(c->ifindex, c->flags);
}

SEC("tc")
int redir_peer(struct __sk_buff *skb)
{
	struct dp_cfg *c = dp_cfg();
	__u32 off;

	if (!c || !dp_match(skb, &off))
		return TCX_NEXT;
	dp_record(DP_ID_PEER);
	return bpf_redirect_peer(c->ifindex, 0);
}

SEC("tc")
int redir_neigh(struct __sk_buff *skb)
{
	struct dp_cfg *c = dp_cfg();
	struct bpf_redir_neigh nh;
	__u32 off;

	if (!c || !dp_match(skb, &off))
		return TCX_NEXT;
	dp_record(DP_ID_NEIGH);
	if (!c->use_nh)
		return bpf_redirect_neigh(c->ifindex, NULL, 0, 0);
	__builtin_memcpy(&nh, &c->nh, sizeof(nh));
	return bpf_redirect_neigh(c->ifindex, &nh, sizeof(nh), 0);
}

/* The clone goes to cfg.ifindex; the original gets cfg.verdict. */
SEC("tc")
int clone_redir(struct __sk_buff *skb)
{
	struct dp_cfg *c = dp_cfg();
	__u32 off;

	if (!c || !dp_match(skb, &off))
		return TCX_NEXT;
	dp_record(DP_ID_CLONE);
	if (dp_set_dmac(skb, c))
		return TCX_DROP;
	if (bpf_clone_redirect(skb, c->ifindex, c->flags))
		return TCX_DROP;
	return c->verdict;
}

/*
 * For cls_bpf (direct action) under clsact, next to the tcx programs:
 * records its id and the tc_index it sees, and lets the packet go on.
 */
SEC("tc")
int cls_rec(struct __sk_buff *skb)
{
	__u32 key = DP_RES_TC_INDEX, *val, off;

	if (!dp_match(skb, &off))
		return TC_ACT_UNSPEC;
	dp_record(DP_ID_CLS);
	val = bpf_map_lookup_elem(&result, &key);
	if (val)
		*val = skb->tc_index;
	return TC_ACT_UNSPEC;
}
