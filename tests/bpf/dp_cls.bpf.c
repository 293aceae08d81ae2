// SPDX-License-Identifier: GPL-2.0
/*
 * A classic cls_bpf program for the datapath selftest, loaded by tc(8)
 * itself ("tc filter add ... bpf da obj dp_cls.bpf.o sec classifier"):
 * drops the test's packets (UDP to DP_PORT over IPv4) and lets everything
 * else through.  Self-contained (no maps): tc loads its own copy.
 */
#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "datapath.h"

char LICENSE[] SEC("license") = "GPL";

SEC("classifier")
int cls_drop(struct __sk_buff *skb)
{
	void *data_end = (void *)(long)skb->data_end;
	void *data = (void *)(long)skb->data;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct udphdr *udp = (void *)(ip + 1);

	if ((void *)(udp + 1) > data_end ||
	    eth->h_proto != bpf_htons(ETH_P_IP) || ip->ihl != 5 ||
	    ip->protocol != IPPROTO_UDP)
		return TC_ACT_OK;
	return udp->dest == bpf_htons(DP_PORT) ? TC_ACT_SHOT : TC_ACT_OK;
}
