/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the datapath selftest and its BPF programs (datapath.bpf.c) share:
 * the configuration the test writes before sending a packet, and the ids
 * the programs record, in run order, when they see one of its packets.
 */
#ifndef __TCX_DATAPATH_H
#define __TCX_DATAPATH_H

#include <linux/types.h>
#include <linux/bpf.h>

/* The programs act only on UDP packets to this port (host order). */
#define DP_PORT		4242
/* Where rewrite_port sends them. */
#define DP_PORT_NEW	4243

/* Ids recorded in the order map. */
enum dp_id {
	DP_ID_REC1	= 1,
	DP_ID_REC2	= 2,
	DP_ID_REC3	= 3,
	DP_ID_CLASSID	= 4,
	DP_ID_REWRITE	= 5,
	DP_ID_REDIR	= 6,
	DP_ID_PEER	= 7,
	DP_ID_NEIGH	= 8,
	DP_ID_VERDICT	= 9,
	DP_ID_CLS	= 10,
	DP_ID_CLONE	= 11,
};

/* order[0] counts the records; order[1..DP_ORDER_MAX - 1] hold the ids. */
#define DP_ORDER_MAX	64

/* result[] slots */
enum dp_result {
	DP_RES_TC_INDEX	= 0,	/* skb->tc_index seen by cls_rec */
	DP_RES_MAX,
};

/*
 * seen[]: what the seen<N> programs count, DP_SEEN_KINDS slots each from
 * (N - 1) * DP_SEEN_KINDS on: every packet they see, not only the test's
 * UDP, so that a test can tell which hook saw how much of which traffic.
 */
enum dp_seen {
	DP_SEEN_IFINDEX,	/* skb->ifindex of the last packet */
	DP_SEEN_ALL,		/* packets of any kind */
	DP_SEEN_UDP,		/* UDP to DP_PORT */
	DP_SEEN_ECHO,		/* ICMP and ICMPv6 echo requests */
	DP_SEEN_REPLY,		/* ICMP and ICMPv6 echo replies */
	DP_SEEN_KINDS,
};

#define DP_SEEN_PROGS	4
#define DP_SEEN_MAX	(DP_SEEN_PROGS * DP_SEEN_KINDS)

struct dp_cfg {
	__s32	verdict;	/* what verdict and clone_redir return */
	__u32	ifindex;	/* redirect target */
	__u32	flags;		/* bpf_redirect() / bpf_clone_redirect() flags */
	__u32	classid;	/* set_classid writes it to skb->tc_classid */
	__u8	set_dmac;	/* redir, clone_redir: write dmac first */
	__u8	dmac[6];
	__u8	use_nh;		/* redir_neigh: pass nh */
	struct bpf_redir_neigh nh;
};

#endif /* __TCX_DATAPATH_H */
