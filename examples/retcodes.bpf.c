// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * retcodes: what each tcx return code does, on UDP to ports 7000 to 7003.
 *
 *   verdict    7000: TCX_NEXT      hand the packet to the next program;
 *                                  after the last one, as TCX_PASS
 *              7001: TCX_PASS      deliver it; later programs do not run
 *              7002: TCX_DROP      drop it; later programs do not run
 *              7003: TCX_REDIRECT  send it out of the device whose ifindex
 *                                  is in redirect_to[0] (bpf_redirect())
 *              anything else (ARP too): TCX_NEXT
 *   drop_udp   drops every UDP packet and hands the rest on: put it after
 *              verdict to see that TCX_NEXT hands on and TCX_PASS does not.
 *
 * A program returning a value other than these four is taken as TCX_NEXT.
 * SEC("tc") is the name every libbpf knows (Debian 12's 1.1 included) and
 * tcxctl loads it for either hook; libbpf 1.3 and later also read
 * "tcx/ingress" and "tcx/egress".  Build and try it (README.md):
 *
 *   clang -O2 -g -target bpf -idirafter /usr/include/$(gcc -print-multiarch) \
 *         $(pkg-config --cflags libtcx) -c retcodes.bpf.c -o retcodes.bpf.o
 *   tcxctl attach eth0 ingress obj retcodes.bpf.o name verdict
 *   tcxctl attach eth0 ingress obj retcodes.bpf.o name drop_udp
 *   bpftool prog show name verdict       # its map_ids: redirect_to's id
 *   bpftool map update id MAP key 0 0 0 0 value 4 0 0 0     # ifindex 4
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
/* TCX_NEXT...: <linux/bpf.h> has them from 6.6 on, <tcx/tcx.h> before. */
#include <tcx/tcx.h>

#define RETCODES_PORT	7000

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} redirect_to SEC(".maps");

/* The UDP header of an IPv4 packet without options, or NULL. */
static __always_inline struct udphdr *udp_header(struct __sk_buff *skb)
{
	void *data_end = (void *)(long)skb->data_end;
	void *data = (void *)(long)skb->data;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct udphdr *udp = (void *)(ip + 1);

	if ((void *)(udp + 1) > data_end ||
	    eth->h_proto != bpf_htons(ETH_P_IP) || ip->ihl != 5 ||
	    ip->protocol != IPPROTO_UDP)
		return NULL;
	return udp;
}

SEC("tc")
int verdict(struct __sk_buff *skb)
{
	struct udphdr *udp = udp_header(skb);
	__u32 key = 0, *ifindex;

	if (!udp)
		return TCX_NEXT;
	switch (bpf_ntohs(udp->dest)) {
	case RETCODES_PORT + 1:
		return TCX_PASS;
	case RETCODES_PORT + 2:
		return TCX_DROP;
	case RETCODES_PORT + 3:
		ifindex = bpf_map_lookup_elem(&redirect_to, &key);
		if (!ifindex || !*ifindex)
			return TCX_DROP;
		/* TCX_REDIRECT if the target exists, TCX_DROP if not. */
		return bpf_redirect(*ifindex, 0);
	default:
		return TCX_NEXT;
	}
}

SEC("tc")
int drop_udp(struct __sk_buff *skb)
{
	return udp_header(skb) ? TCX_DROP : TCX_NEXT;
}
