// SPDX-License-Identifier: GPL-2.0
/*
 * Programs for the tcxctl selftest: one per section name that tcxctl
 * accepts, two in "tc" (so that "sec tc" alone is ambiguous), an XDP
 * program and one in a section no loader knows, for the errors.  The tc
 * ones hand every packet on (TCX_NEXT), so they can sit on any hook.
 */
#include <linux/bpf.h>
#include <linux/tcx.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

#define CTL_PROG(NAME, SECTION)				\
	SEC(SECTION)					\
	int NAME(struct __sk_buff *skb)			\
	{						\
		(void)skb;				\
		return TCX_NEXT;			\
	}

CTL_PROG(ctl_in, "tcx/ingress")
CTL_PROG(ctl_eg, "tcx/egress")
CTL_PROG(ctl_tc_in, "tc/ingress")
CTL_PROG(ctl_tc_eg, "tc/egress")
CTL_PROG(ctl_tc1, "tc")
CTL_PROG(ctl_tc2, "tc")
CTL_PROG(ctl_cls, "classifier")
CTL_PROG(ctl_odd, "ctl/unknown")

SEC("xdp")
int ctl_xdp(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_PASS;
}
