// SPDX-License-Identifier: GPL-2.0
/*
 * Completing a TCX_REDIRECT verdict.
 *
 * bpf_redirect(), bpf_redirect_peer() and bpf_redirect_neigh() only note
 * the target in the per-CPU bpf_redirect_info and return TC_ACT_REDIRECT;
 * the core then hands the packet over in skb_do_redirect(), which 6.1
 * does not export.  This file does what skb_do_redirect() and its helpers
 * in net/core/filter.c do, with exported symbols and inline helpers only:
 *
 *   flags              target                    how
 *   0                  egress of dev             dev_queue_xmit()
 *   BPF_F_INGRESS      ingress of dev            dev_forward_skb_nomtu()
 *   BPF_F_PEER         ingress of dev's peer     backlog of this CPU (*)
 *   BPF_F_NEIGH        egress of dev, L2 filled  route + neighbour output
 *
 * (*) The core restarts __netif_receive_skb_core() on the peer ("another
 * round"); a netfilter hook cannot, so the packet is queued to the peer
 * with netif_rx() instead and is received on the peer in the next pass of
 * the backlog, still without going through the veth's xmit path.
 *
 * A target that is missing or down ends the redirect here, so that the
 * hook can count it; the core would drop such a packet further on.
 * bpf_clone_redirect() transmits its clone inside the helper, so it needs
 * nothing from this file.
 *
 * Mirrors net/core/filter.c of Linux 6.1.192 (linux-source-6.1 of Debian
 * 12, 6.1.0-57), which carries upstream commit 09d88791c7cd for the flag
 * values: skb_do_redirect() -> tcx_redirect(), __bpf_redirect_common() ->
 * tcx_redirect_common(), __bpf_redirect_no_mac() -> tcx_redirect_no_mac(),
 * __bpf_tx_skb() -> tcx_tx_skb(), __bpf_redirect_neigh_v4/v6() and
 * bpf_out_neigh_v4/v6() -> tcx_redirect_neigh_v4/v6() and
 * tcx_out_neigh_v4/v6().  A later sync diffs those functions between
 * 6.1.192 and the new release.
 */
#include <linux/etherdevice.h>
#include <linux/filter.h>
#include <linux/if_arp.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <net/ip6_fib.h>
#include <net/ip6_route.h>
#include <net/ipv6.h>
#include <net/ipv6_stubs.h>
#include <net/neighbour.h>
#include <net/route.h>
#include <net/sch_generic.h>
#include <net/sock.h>

#include "redirect.h"

/*
 * The helpers' internal bpf_redirect_info flags, private to
 * net/core/filter.c.  Their values moved from bits 1-3 to bits 16-18 with
 * upstream commit 09d88791c7cd ("bpf: Make sure internal and UAPI
 * bpf_redirect flags don't overlap"), whose uapi half added
 * BPF_F_REDIRECT_FLAGS: a kernel whose headers define it uses the values
 * below, one without it uses others and would misroute the packets of
 * bpf_redirect_peer() and bpf_redirect_neigh().
 */
#ifndef BPF_F_REDIRECT_FLAGS
#error "tcx: kernel headers predate commit 09d88791c7cd (6.1.115): no BPF_F_REDIRECT_FLAGS"
#endif
#define BPF_F_NEIGH	BIT(16)
#define BPF_F_PEER	BIT(17)
#define BPF_F_NEXTHOP	BIT(18)

static int tcx_xmit_ret(int ret)
{
	/* NET_XMIT_CN: the packet was queued but others may be dropped. */
	ret = net_xmit_eval(ret);
	return ret > 0 ? -ENOBUFS : ret;
}

static int tcx_rx_ret(int ret)
{
	return ret == NET_RX_SUCCESS ? 0 : -ENOBUFS;
}

/*
 * At ingress skb->csum does not cover the link-layer header that was
 * pushed back for the program; at egress it never did.
 */
static void tcx_push_mac_rcsum(struct sk_buff *skb)
{
	if (skb_at_tc_ingress(skb))
		skb_postpush_rcsum(skb, skb_mac_header(skb), skb->mac_len);
}

/* Bounded like the core's redirect: a loop of redirects ends in a drop. */
static int tcx_tx_skb(struct net_device *dev, struct sk_buff *skb)
{
	int ret;

	if (dev_xmit_recursion()) {
		net_crit_ratelimited("tcx: recursion limit reached on datapath, buggy bpf program?\n");
		kfree_skb(skb);
		return -ENETDOWN;
	}

	skb->dev = dev;
	skb_clear_tstamp(skb);

	dev_xmit_recursion_inc();
	ret = dev_queue_xmit(skb);
	dev_xmit_recursion_dec();

	return tcx_xmit_ret(ret);
}

/* dev_forward_skb_nomtu(), which 6.1 does not export. */
static int tcx_rx_skb(struct net_device *dev, struct sk_buff *skb)
{
	if (____dev_forward_skb(dev, skb, false))
		return -ENETDOWN;
	skb->protocol = eth_type_trans(skb, dev);
	skb_postpull_rcsum(skb, eth_hdr(skb), ETH_HLEN);
	return tcx_rx_ret(netif_rx(skb));
}

static int tcx_rx_skb_no_mac(struct net_device *dev, struct sk_buff *skb)
{
	if (____dev_forward_skb(dev, skb, false))
		return -ENETDOWN;
	skb->dev = dev;
	return tcx_rx_ret(netif_rx(skb));
}

/* To a device without a link-layer header (tun, ipip, wireguard...). */
static int tcx_redirect_no_mac(struct sk_buff *skb, struct net_device *dev,
			       u32 flags)
{
	unsigned int mlen = skb_network_offset(skb);

	if (unlikely(skb->len <= mlen))
		goto out_drop;

	if (mlen) {
		__skb_pull(skb, mlen);
		if (unlikely(!skb->len))
			goto out_drop;
		/*
		 * At ingress skb->csum already starts at the network header;
		 * a packet forwarded to egress may still cover the L2 one.
		 */
		if (!skb_at_tc_ingress(skb))
			skb_postpull_rcsum(skb, skb_mac_header(skb), mlen);
	}
	skb_pop_mac_header(skb);
	skb_reset_mac_len(skb);
	return flags & BPF_F_INGRESS ? tcx_rx_skb_no_mac(dev, skb) :
				       tcx_tx_skb(dev, skb);

out_drop:
	kfree_skb(skb);
	return -ERANGE;
}

static int tcx_redirect_common(struct sk_buff *skb, struct net_device *dev,
			       u32 flags)
{
	/* The packet must carry the link-layer header it is sent with. */
	if (unlikely(skb->mac_header >= skb->network_header || !skb->len)) {
		kfree_skb(skb);
		return -ERANGE;
	}

	tcx_push_mac_rcsum(skb);
	return flags & BPF_F_INGRESS ? tcx_rx_skb(dev, skb) :
				       tcx_tx_skb(dev, skb);
}

static int tcx_redirect_dev(struct sk_buff *skb, struct net_device *dev,
			    u32 flags)
{
	if (dev_is_mac_header_xmit(dev))
		return tcx_redirect_common(skb, dev, flags);
	return tcx_redirect_no_mac(skb, dev, flags);
}

/*
 * bpf_redirect_peer(): only at ingress, into the other end of a veth that
 * is up and lives in another netns.  The packet is scrubbed as it crosses
 * namespaces (CVE-2025-37959) and counted as received on the peer, as the
 * core does.
 */
static int tcx_redirect_peer(struct sk_buff *skb, struct net_device *dev)
{
	const struct net_device_ops *ops = dev->netdev_ops;
	struct net_device *peer;

	if (unlikely(!ops->ndo_get_peer_dev || !skb_at_tc_ingress(skb)))
		goto out_drop;
	peer = ops->ndo_get_peer_dev(dev);
	if (unlikely(!peer || !(peer->flags & IFF_UP) ||
		     net_eq(dev_net(skb->dev), dev_net(peer))))
		goto out_drop;

	skb->dev = peer;
	dev_sw_netstats_rx_add(peer, skb->len);
	skb_scrub_packet(skb, false);
	/* The backlog expects the data at the network header, as from a driver. */
	__skb_pull(skb, skb->mac_len);
	return tcx_rx_ret(netif_rx(skb));

out_drop:
	kfree_skb(skb);
	return -EINVAL;
}

#if IS_ENABLED(CONFIG_INET)
/*
 * Ready @skb to leave through @dev with a new L2 header: room for it, and
 * no loop between programs redirecting to each other.  On error the
 * packet is gone.
 */
static int tcx_neigh_prepare(struct sk_buff **pskb, struct net_device *dev)
{
	u32 hh_len = LL_RESERVED_SPACE(dev);
	struct sk_buff *skb = *pskb;

	if (dev_xmit_recursion()) {
		net_crit_ratelimited("tcx: recursion limit reached on datapath, buggy bpf program?\n");
		kfree_skb(skb);
		return -ENETDOWN;
	}

	skb->dev = dev;
	skb_clear_tstamp(skb);

	if (unlikely(skb_headroom(skb) < hh_len && dev->header_ops)) {
		/* Frees the packet when it fails. */
		*pskb = skb_expand_head(skb, hh_len);
		if (!*pskb)
			return -ENOMEM;
	}
	return 0;
}

/* Under rcu_read_lock(), which keeps @neigh. */
static int tcx_neigh_output(struct sk_buff *skb, struct neighbour *neigh,
			    bool skip_cache)
{
	int ret;

	sock_confirm_neigh(skb, neigh);
	local_bh_disable();
	dev_xmit_recursion_inc();
	ret = neigh_output(neigh, skb, skip_cache);
	dev_xmit_recursion_dec();
	local_bh_enable();
	return tcx_xmit_ret(ret);
}
#endif /* CONFIG_INET */

#if IS_ENABLED(CONFIG_IPV6)
static int tcx_out_neigh_v6(struct net *net, struct sk_buff *skb,
			    struct net_device *dev,
			    const struct bpf_nh_params *nh)
{
	const struct in6_addr *nexthop;
	struct dst_entry *dst = NULL;
	struct neighbour *neigh;
	int ret;

	ret = tcx_neigh_prepare(&skb, dev);
	if (ret)
		return ret;

	rcu_read_lock();
	if (!nh) {
		dst = skb_dst(skb);
		nexthop = rt6_nexthop(dst_rt6_info(dst),
				      &ipv6_hdr(skb)->daddr);
	} else {
		nexthop = &nh->ipv6_nh;
	}
	neigh = ip_neigh_gw6(dev, nexthop);
	if (!IS_ERR(neigh)) {
		ret = tcx_neigh_output(skb, neigh, false);
		rcu_read_unlock();
		return ret;
	}
	rcu_read_unlock();
	if (dst)
		IP6_INC_STATS(net, ip6_dst_idev(dst), IPSTATS_MIB_OUTNOROUTES);
	kfree_skb(skb);
	return -ENETDOWN;
}

static int tcx_redirect_neigh_v6(struct sk_buff *skb, struct net_device *dev,
				 const struct bpf_nh_params *nh)
{
	const struct ipv6hdr *ip6h = ipv6_hdr(skb);
	struct net *net = dev_net(dev);
	int ret;

	if (!nh) {
		struct dst_entry *dst;
		struct flowi6 fl6 = {
			.flowi6_flags = FLOWI_FLAG_ANYSRC,
			.flowi6_mark  = skb->mark,
			.flowlabel    = ip6_flowinfo(ip6h),
			.flowi6_oif   = dev->ifindex,
			.flowi6_proto = ip6h->nexthdr,
			.daddr	      = ip6h->daddr,
			.saddr	      = ip6h->saddr,
		};

		dst = ipv6_stub->ipv6_dst_lookup_flow(net, NULL, &fl6, NULL);
		if (IS_ERR(dst)) {
			ret = PTR_ERR(dst);
			goto out_drop;
		}

		skb_dst_drop(skb);
		skb_dst_set(skb, dst);
	} else if (nh->nh_family != AF_INET6) {
		ret = -EAFNOSUPPORT;
		goto out_drop;
	}

	ret = tcx_out_neigh_v6(net, skb, dev, nh);
	if (unlikely(ret))
		dev_core_stats_tx_dropped_inc(dev);
	return ret;

out_drop:
	dev_core_stats_tx_dropped_inc(dev);
	kfree_skb(skb);
	return ret;
}
#else
static int tcx_redirect_neigh_v6(struct sk_buff *skb, struct net_device *dev,
				 const struct bpf_nh_params *nh)
{
	kfree_skb(skb);
	return -EAFNOSUPPORT;
}
#endif /* CONFIG_IPV6 */

#if IS_ENABLED(CONFIG_INET)
static int tcx_out_neigh_v4(struct sk_buff *skb, struct net_device *dev,
			    const struct bpf_nh_params *nh)
{
	struct neighbour *neigh;
	bool is_v6gw = false;
	int ret;

	ret = tcx_neigh_prepare(&skb, dev);
	if (ret)
		return ret;

	rcu_read_lock();
	if (!nh) {
		struct dst_entry *dst = skb_dst(skb);
		struct rtable *rt = container_of(dst, struct rtable, dst);

		neigh = ip_neigh_for_gw(rt, skb, &is_v6gw);
	} else if (nh->nh_family == AF_INET6) {
		neigh = ip_neigh_gw6(dev, &nh->ipv6_nh);
		is_v6gw = true;
	} else if (nh->nh_family == AF_INET) {
		neigh = ip_neigh_gw4(dev, nh->ipv4_nh);
	} else {
		neigh = ERR_PTR(-EAFNOSUPPORT);
	}

	if (!IS_ERR(neigh)) {
		ret = tcx_neigh_output(skb, neigh, is_v6gw);
		rcu_read_unlock();
		return ret;
	}
	rcu_read_unlock();
	kfree_skb(skb);
	return -ENETDOWN;
}

static int tcx_redirect_neigh_v4(struct sk_buff *skb, struct net_device *dev,
				 const struct bpf_nh_params *nh)
{
	const struct iphdr *ip4h = ip_hdr(skb);
	struct net *net = dev_net(dev);
	int ret;

	if (!nh) {
		struct flowi4 fl4 = {
			.flowi4_flags = FLOWI_FLAG_ANYSRC,
			.flowi4_mark  = skb->mark,
			.flowi4_tos   = RT_TOS(ip4h->tos),
			.flowi4_oif   = dev->ifindex,
			.flowi4_proto = ip4h->protocol,
			.daddr	      = ip4h->daddr,
			.saddr	      = ip4h->saddr,
		};
		struct rtable *rt;

		rt = ip_route_output_flow(net, &fl4, NULL);
		if (IS_ERR(rt)) {
			ret = PTR_ERR(rt);
			goto out_drop;
		}
		if (rt->rt_type != RTN_UNICAST && rt->rt_type != RTN_LOCAL) {
			ip_rt_put(rt);
			ret = -EHOSTUNREACH;
			goto out_drop;
		}

		skb_dst_drop(skb);
		skb_dst_set(skb, &rt->dst);
	}

	ret = tcx_out_neigh_v4(skb, dev, nh);
	if (unlikely(ret))
		dev_core_stats_tx_dropped_inc(dev);
	return ret;

out_drop:
	dev_core_stats_tx_dropped_inc(dev);
	kfree_skb(skb);
	return ret;
}
#else
static int tcx_redirect_neigh_v4(struct sk_buff *skb, struct net_device *dev,
				 const struct bpf_nh_params *nh)
{
	kfree_skb(skb);
	return -EAFNOSUPPORT;
}
#endif /* CONFIG_INET */

/*
 * bpf_redirect_neigh(): the L2 header is dropped and rebuilt for @dev from
 * the FIB (or the given next hop) and the neighbour table, resolving the
 * neighbour first if need be.
 */
static int tcx_redirect_neigh(struct sk_buff *skb, struct net_device *dev,
			      const struct bpf_nh_params *nh)
{
	struct ethhdr *ethh = eth_hdr(skb);

	if (unlikely(skb->mac_header >= skb->network_header))
		goto out_drop;
	tcx_push_mac_rcsum(skb);
	if (is_multicast_ether_addr(ethh->h_dest))
		goto out_drop;

	skb_pull(skb, sizeof(*ethh));
	skb_unset_mac_header(skb);
	skb_reset_network_header(skb);

	if (skb->protocol == htons(ETH_P_IP))
		return tcx_redirect_neigh_v4(skb, dev, nh);
	if (skb->protocol == htons(ETH_P_IPV6))
		return tcx_redirect_neigh_v6(skb, dev, nh);
out_drop:
	kfree_skb(skb);
	return -EOPNOTSUPP;
}

/*
 * The program's helper filled this CPU's bpf_redirect_info in the same BH
 * section.  On PREEMPT_RT that section may be preempted, but only by tasks
 * that cannot take this CPU's softirq local lock, so no other packet's
 * redirect overwrites it before it is read here.
 */
int tcx_redirect(struct sk_buff *skb)
{
	struct bpf_redirect_info *ri = this_cpu_ptr(&bpf_redirect_info);
	struct bpf_nh_params nh;
	struct net_device *dev;
	u32 flags = ri->flags;

	/* A program that returned TCX_REDIRECT without a helper: index 0. */
	dev = dev_get_by_index_rcu(dev_net(skb->dev), ri->tgt_index);
	ri->tgt_index = 0;
	ri->flags = 0;
	if (unlikely(!dev))
		goto out_drop;

	if (flags & BPF_F_PEER)
		return tcx_redirect_peer(skb, dev);
	if (unlikely(!(dev->flags & IFF_UP)))
		goto out_drop;
	if (flags & BPF_F_NEIGH) {
		if (!(flags & BPF_F_NEXTHOP))
			return tcx_redirect_neigh(skb, dev, NULL);
		/* A nested redirect on this CPU may reuse ri before we are done. */
		nh = ri->nh;
		return tcx_redirect_neigh(skb, dev, &nh);
	}
	return tcx_redirect_dev(skb, dev, flags);

out_drop:
	kfree_skb(skb);
	return -ENODEV;
}
