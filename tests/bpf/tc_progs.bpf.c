// SPDX-License-Identifier: GPL-2.0
/*
 * Programs for the tcx selftests: tc1..tc4 hand the packet on (TCX_NEXT),
 * tc5..tc8 end the chain (TCX_PASS).  Each one records that it ran, so a
 * test can tell which programs of a chain a packet went through.
 *
 * SEC("tc") rather than "tcx/ingress": libbpf 1.1 does not know tcx, and
 * tcx-dkms, like upstream tcx, does not look at expected_attach_type.
 */
#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/tcx.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

#define TC_PROG(N, VERDICT)				\
	bool seen_tc##N;				\
							\
	SEC("tc")					\
	int tc##N(struct __sk_buff *skb)		\
	{						\
		(void)skb;				\
		seen_tc##N = true;			\
		return VERDICT;				\
	}

TC_PROG(1, TCX_NEXT)
TC_PROG(2, TCX_NEXT)
TC_PROG(3, TCX_NEXT)
TC_PROG(4, TCX_NEXT)
TC_PROG(5, TCX_PASS)
TC_PROG(6, TCX_PASS)
TC_PROG(7, TCX_PASS)
TC_PROG(8, TCX_PASS)
