// SPDX-License-Identifier: GPL-2.0
/*
 * Programs for the compat tests, in libbpf 1.4's own section names
 * ("tcx/ingress", "tcx/egress": libbpf 1.1 does not know them), built
 * against bookworm-backports' libbpf and 6.12 uapi.  Each one counts the UDP
 * datagrams to COMPAT_PORT that it sees in its own slot of `counts`, so the
 * loader learns from the programs themselves which of them a packet went
 * through, and hands the packet on.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "compat.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, COMPAT_NPROGS);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

static __always_inline int count(struct __sk_buff *skb, __u32 slot)
{
	struct udphdr udp;
	struct iphdr ip;
	__u64 *n;

	if (skb->protocol != bpf_htons(ETH_P_IP))
		return TCX_NEXT;
	if (bpf_skb_load_bytes(skb, ETH_HLEN, &ip, sizeof(ip)) ||
	    ip.protocol != IPPROTO_UDP)
		return TCX_NEXT;
	if (bpf_skb_load_bytes(skb, ETH_HLEN + ip.ihl * 4, &udp, sizeof(udp)) ||
	    udp.dest != bpf_htons(COMPAT_PORT))
		return TCX_NEXT;
	n = bpf_map_lookup_elem(&counts, &slot);
	if (n)
		__sync_fetch_and_add(n, 1);
	return TCX_NEXT;
}

#define COMPAT_PROG(SECTION, NAME, SLOT)			\
	SEC(SECTION)						\
	int NAME(struct __sk_buff *skb)				\
	{							\
		return count(skb, SLOT);			\
	}

COMPAT_PROG("tcx/ingress", ing_a, COMPAT_ING_A)
COMPAT_PROG("tcx/ingress", ing_b, COMPAT_ING_B)
COMPAT_PROG("tcx/ingress", ing_c, COMPAT_ING_C)
COMPAT_PROG("tcx/ingress", ing_d, COMPAT_ING_D)
COMPAT_PROG("tcx/ingress", ing_e, COMPAT_ING_E)
COMPAT_PROG("tcx/ingress", ing_f, COMPAT_ING_F)
COMPAT_PROG("tcx/egress", eg_a, COMPAT_EG_A)
/* Never attached: the relative program "elsewhere" of the by-id cases. */
COMPAT_PROG("tcx/ingress", spare, COMPAT_SPARE)

/* For a link of the kernel's own next to the tcx ones. */
SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_PASS;
}
