// SPDX-License-Identifier: GPL-2.0
/*
 * The programs of `make bench` (bench/run, bench/bench_ctl.c).  The very
 * same object is loaded for clsact + cls_bpf (direct-action) and for
 * tcx-dkms, so that the hooks, not the programs, are what differ.
 *
 * bench_drop ends pktgen's packets at the hook: nothing above the hook is
 * measured.  bench_next does nothing but hand the packet on; a chain of N
 * programs is N - 1 of them and bench_drop last, so the cost of each extra
 * program is the hook's cost of running one more program.  bench_pass does
 * bench_drop's work but lets the packet go on, to where it goes without a
 * hook: the difference to no hook at all is then the hook's own cost.
 *
 * The return codes are tc's: tcx uses the same values (TCX_NEXT is
 * TC_ACT_UNSPEC, which also makes cls_bpf go on to the next filter).
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <linux/tcx.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

/* pktgen's packets go to this UDP port (bench/run sets udp_dst_min/max). */
#define BENCH_PORT	9

_Static_assert(TC_ACT_UNSPEC == TCX_NEXT, "TCX_NEXT is not TC_ACT_UNSPEC");
_Static_assert(TC_ACT_OK == TCX_PASS, "TCX_PASS is not TC_ACT_OK");
_Static_assert(TC_ACT_SHOT == TCX_DROP, "TCX_DROP is not TC_ACT_SHOT");

char LICENSE[] SEC("license") = "GPL";

/*
 * Reads the headers as a real filter would, so the one-program figures
 * include a program that touches the packet; anything but the benchmark
 * flow goes on untouched.
 */
static __always_inline int bench_verdict(struct __sk_buff *skb, int verdict)
{
	void *data_end = (void *)(long)skb->data_end;
	void *data = (void *)(long)skb->data;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct udphdr *udp = (void *)(ip + 1);

	/*
	 * Hide the constant: otherwise bench_pass, whose every path returns
	 * TC_ACT_OK, compiles to nothing but that.
	 */
	asm volatile("" : "+r"(verdict));
	if ((void *)(udp + 1) > data_end ||
	    eth->h_proto != bpf_htons(ETH_P_IP) || ip->ihl != 5 ||
	    ip->protocol != IPPROTO_UDP)
		return TC_ACT_OK;
	return udp->dest == bpf_htons(BENCH_PORT) ? verdict : TC_ACT_OK;
}

SEC("tc")
int bench_drop(struct __sk_buff *skb)
{
	return bench_verdict(skb, TC_ACT_SHOT);
}

/* TC_ACT_OK either way, yet the same instructions as bench_drop. */
SEC("tc")
int bench_pass(struct __sk_buff *skb)
{
	return bench_verdict(skb, TC_ACT_OK);
}

SEC("tc")
int bench_next(struct __sk_buff *skb)
{
	(void)skb;
	return TC_ACT_UNSPEC;
}
