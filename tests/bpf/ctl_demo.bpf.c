// SPDX-License-Identifier: GPL-2.0
/*
 * The two programs of `make demo` (tests/demo/run), loaded by tcxctl:
 *
 *   monitor    counts every packet and hands it on;
 *   drop_ping  drops ICMP echo requests (counting them) and hands the
 *              rest on.
 *
 * Each load of this object gets maps of its own, so the counters of the
 * agent's drop_ping and of the monitor are apart.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/tcx.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

/* <linux/icmp.h> pulls in libc headers that -target bpf cannot use. */
#define CTL_ICMP_ECHO	8

struct ctl_icmphdr {
	__u8	type;
	__u8	code;
	__u16	checksum;
};

__u64 monitor_packets;
__u64 ping_drops;

SEC("tcx/ingress")
int monitor(struct __sk_buff *skb)
{
	(void)skb;
	__sync_fetch_and_add(&monitor_packets, 1);
	return TCX_NEXT;
}

SEC("tcx/ingress")
int drop_ping(struct __sk_buff *skb)
{
	void *data_end = (void *)(long)skb->data_end;
	void *data = (void *)(long)skb->data;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct ctl_icmphdr *icmp = (void *)(ip + 1);

	if ((void *)(icmp + 1) > data_end ||
	    eth->h_proto != bpf_htons(ETH_P_IP) || ip->ihl != 5 ||
	    ip->protocol != IPPROTO_ICMP || icmp->type != CTL_ICMP_ECHO)
		return TCX_NEXT;
	__sync_fetch_and_add(&ping_drops, 1);
	return TCX_DROP;
}
