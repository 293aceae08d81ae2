// SPDX-License-Identifier: GPL-2.0
/*
 * The data path: where a packet meets the programs of a hook.
 *
 * 6.1 has no tcx hook in __netif_receive_skb_core() or __dev_queue_xmit(),
 * and its tc hooks belong to the clsact qdisc.  Each tcx hook is therefore
 * a netfilter netdev hook (NFPROTO_NETDEV, ingress or egress) bound to its
 * device.  It is registered only while it has programs, so a device
 * without programs pays nothing.  On 6.1 this puts tcx here:
 *
 *   ingress: taps -> clsact ingress -> [tcx] -> nft netdev ingress
 *            -> rx_handler (bridge, bond...) -> IP
 *   egress:  IP -> nft netdev egress -> [tcx] -> clsact egress -> qdisc
 *            -> driver
 *
 * Upstream (6.6) runs tcx before clsact on both sides: ingress is
 * taps -> tcx -> clsact -> nft ingress, egress is nft egress -> tcx ->
 * clsact.  Among the netfilter hooks we keep upstream's order: tcx before
 * the nftables chains at ingress, after them at egress.  Relative to clsact
 * the ingress order is reversed; nothing short of patching the core can
 * change that.
 *
 * Per packet, as upstream's tcx_run(): the programs run in array order
 * until one returns anything but TCX_NEXT, and that value decides:
 *
 *   TCX_PASS       the packet goes on; skb->tc_index = tc_classid
 *   TCX_DROP       the packet is dropped
 *   TCX_REDIRECT   the packet goes where bpf_redirect*() said (redirect.c)
 *   anything else  the packet goes on
 *
 * Upstream maps every unknown value (TC_ACT_STOLEN, TC_ACT_TRAP, 1, 42...)
 * to TCX_NEXT: it ends the array but does not consume the packet, which
 * then meets the next layer.  Here, too.
 */
#include <linux/filter.h>
#include <linux/netfilter.h>
#include <linux/netfilter_netdev.h>
#include <linux/percpu.h>
#include <linux/rtnetlink.h>
#include <linux/skbuff.h>
#include <net/dropreason.h>
#include <net/pkt_sched.h>
#include <net/sch_generic.h>

#include "tcx.h"
#include "redirect.h"

/*
 * Where the hook sits among the netfilter netdev hooks of its device:
 * first at ingress and last at egress, which is where upstream runs tcx
 * relative to netfilter.  A chain at the very same priority runs in
 * registration order with it.
 */
#define TCX_NF_PRIO_INGRESS	INT_MIN
#define TCX_NF_PRIO_EGRESS	INT_MAX

static __always_inline void tcx_set_ingress(struct sk_buff *skb, bool ingress)
{
#ifdef CONFIG_NET_CLS_ACT
	skb->tc_at_ingress = ingress;
#endif
}

/*
 * The tc control-block field a program can see, as the classic tc path
 * prepares it; pkt_len is done by the callers (egress: the core).  mru and
 * post_ct are left alone: no program sees them, and clsact resets them
 * before its own filters, as upstream's tcx does.
 */
static __always_inline void tcx_prepare(struct sk_buff *skb, bool ingress)
{
	qdisc_skb_cb(skb)->tc_classid = 0;
	tcx_set_ingress(skb, ingress);
}

static __always_inline int tcx_action_code(struct sk_buff *skb, int code)
{
	switch (code) {
	case TCX_PASS:
		skb->tc_index = qdisc_skb_cb(skb)->tc_classid;
		fallthrough;
	case TCX_DROP:
	case TCX_REDIRECT:
		return code;
	default:
		return TCX_NEXT;
	}
}

/*
 * bpf_prog_run(), with its run-time statistics branch (sysctl
 * kernel.bpf_stats_enabled) out of line: inlined, that branch keeps the
 * program and its start time live across the program's call, and the hook
 * then saves and restores three more registers on every packet.
 */
static noinline u32 tcx_prog_run_stats(const struct bpf_prog *prog,
				       struct sk_buff *skb)
{
	return bpf_prog_run(prog, skb);
}

static __always_inline u32 tcx_prog_run(const struct bpf_prog *prog,
					struct sk_buff *skb)
{
	cant_migrate();
	if (static_branch_unlikely(&bpf_stats_enabled_key))
		return tcx_prog_run_stats(prog, skb);
	return bpf_dispatcher_nop_func(skb, prog->insnsi, prog->bpf_func);
}

/* @prog is the array's first program, which the caller has checked for. */
static __always_inline int tcx_run(const struct tcx_mprog_entry *entry,
				   struct bpf_prog *prog, struct sk_buff *skb)
{
	struct bpf_prog * const *slot = &entry->progs[0];
	int ret;

	do {
		bpf_compute_data_pointers(skb);
		ret = tcx_prog_run(prog, skb);
		if (ret != TCX_NEXT)
			break;
		prog = READ_ONCE(*++slot);
	} while (prog);
	return tcx_action_code(skb, ret);
}

/*
 * One counter per packet: the packet total is their sum, taken when the
 * counters are read.  A redirect is counted once done, since it may have
 * nested other hooks.  Both hooks run with BH disabled, which on
 * PREEMPT_RT is preemptible but disables migration and holds this CPU's
 * softirq local lock: no other writer of these per-CPU counters runs on
 * this CPU in between.
 */
static __always_inline void tcx_count(struct tcx_hook *hook,
				      enum tcx_stat stat)
{
	struct tcx_pcpu_stats *stats = this_cpu_ptr(hook->stats);

	u64_stats_update_begin(&stats->syncp);
	u64_stats_inc(&stats->cnt[stat]);
	u64_stats_update_end(&stats->syncp);
}

/*
 * Called from __netif_receive_skb_core() through nf_hook_ingress(), under
 * rcu_read_lock in softirq context, after the clsact ingress hook.  On
 * PREEMPT_RT this reader, and the egress one with BH off, may be
 * preempted; the grace period that the control path waits for before it
 * releases an array waits for preempted readers too.
 */
static unsigned int tcx_hook_ingress(void *priv, struct sk_buff *skb,
				     const struct nf_hook_state *state)
{
	struct tcx_hook *hook = priv;
	const struct tcx_mprog_entry *entry = rcu_dereference(hook->entry);
	struct bpf_prog *prog = READ_ONCE(entry->progs[0]);

	/* Registered just before the first program is in place. */
	if (unlikely(!prog))
		return NF_ACCEPT;

	qdisc_skb_cb(skb)->pkt_len = skb->len;
	tcx_prepare(skb, true);
	/*
	 * The data starts at the network header here; programs expect it at
	 * the link-layer header, as under cls_bpf, and a redirect wants it
	 * there too.  Only a packet that goes on needs it back.
	 */
	__skb_push(skb, skb->mac_len);
	switch (tcx_run(entry, prog, skb)) {
	case TCX_DROP:
		kfree_skb_reason(skb, SKB_DROP_REASON_TC_INGRESS);
		tcx_count(hook, TCX_STAT_DROPPED);
		return NF_STOLEN;
	case TCX_REDIRECT:
		tcx_count(hook, tcx_redirect(skb) ? TCX_STAT_REDIRECT_FAILED :
						    TCX_STAT_REDIRECTED);
		return NF_STOLEN;
	default:
		__skb_pull(skb, skb->mac_len);
		tcx_count(hook, TCX_STAT_PASSED);
		return NF_ACCEPT;
	}
}

/*
 * Called from __dev_queue_xmit() through nf_hook_egress(), under
 * rcu_read_lock with BH off, before the clsact egress hook.  The data is
 * at the link-layer header and pkt_len is set already.
 *
 * A drop returns NF_DROP rather than freeing the packet here, so that
 * __dev_queue_xmit() returns NET_XMIT_DROP as it does for a tc drop; the
 * packet's drop reason is then NETFILTER_DROP instead of TC_EGRESS.  It is
 * counted first: netfilter frees it on the way back.
 */
static unsigned int tcx_hook_egress(void *priv, struct sk_buff *skb,
				    const struct nf_hook_state *state)
{
	struct tcx_hook *hook = priv;
	const struct tcx_mprog_entry *entry = rcu_dereference(hook->entry);
	struct bpf_prog *prog = READ_ONCE(entry->progs[0]);

	if (unlikely(!prog))
		return NF_ACCEPT;

	tcx_prepare(skb, false);
	switch (tcx_run(entry, prog, skb)) {
	case TCX_DROP:
		tcx_count(hook, TCX_STAT_DROPPED);
		return NF_DROP;
	case TCX_REDIRECT:
		tcx_count(hook, tcx_redirect(skb) ? TCX_STAT_REDIRECT_FAILED :
						    TCX_STAT_REDIRECTED);
		return NF_STOLEN;
	default:
		tcx_count(hook, TCX_STAT_PASSED);
		return NF_ACCEPT;
	}
}

int tcx_hook_init(struct tcx_hook *hook)
{
	bool ingress = hook->dir == TCX_INGRESS;

	hook->stats = __netdev_alloc_pcpu_stats(struct tcx_pcpu_stats,
						GFP_KERNEL_ACCOUNT);
	if (!hook->stats)
		return -ENOMEM;

	hook->ops.hook = ingress ? tcx_hook_ingress : tcx_hook_egress;
	hook->ops.pf = NFPROTO_NETDEV;
	hook->ops.hooknum = ingress ? NF_NETDEV_INGRESS : NF_NETDEV_EGRESS;
	hook->ops.priority = ingress ? TCX_NF_PRIO_INGRESS : TCX_NF_PRIO_EGRESS;
	hook->ops.dev = hook->dev;
	hook->ops.priv = hook;
	return 0;
}

void tcx_hook_fini(struct tcx_hook *hook)
{
	free_percpu(hook->stats);
	hook->stats = NULL;
}

int tcx_hook_enable(struct tcx_hook *hook)
{
	int ret;

	ASSERT_RTNL();
	ret = nf_register_net_hook(dev_net(hook->dev), &hook->ops);
	if (!ret)
		hook->live = true;
	return ret;
}

/*
 * nf_unregister_net_hook() only swaps the hook function for a stub: a CPU
 * may still be inside ours.  Wait for it, so that the caller may put the
 * programs and free the hook as soon as this returns.  The device may have
 * changed netns since the hook was registered; its hooks moved with it.
 */
void tcx_hook_disable(struct tcx_hook *hook)
{
	ASSERT_RTNL();
	if (!hook->live)
		return;
	nf_unregister_net_hook(dev_net(hook->dev), &hook->ops);
	tcx_dev_sync();
	hook->live = false;
}

void tcx_hook_read_stats(const struct tcx_hook *hook,
			 struct tcx_hook_stats *stats)
{
	u64 sum[__TCX_STAT_MAX] = {};
	int cpu, i;

	for_each_possible_cpu(cpu) {
		const struct tcx_pcpu_stats *s = per_cpu_ptr(hook->stats, cpu);
		u64 v[__TCX_STAT_MAX];
		unsigned int start;

		do {
			start = u64_stats_fetch_begin(&s->syncp);
			for (i = 0; i < __TCX_STAT_MAX; i++)
				v[i] = u64_stats_read(&s->cnt[i]);
		} while (u64_stats_fetch_retry(&s->syncp, start));

		for (i = 0; i < __TCX_STAT_MAX; i++)
			sum[i] += v[i];
	}

	memset(stats, 0, sizeof(*stats));
	stats->passed = sum[TCX_STAT_PASSED];
	stats->dropped = sum[TCX_STAT_DROPPED];
	stats->redirected = sum[TCX_STAT_REDIRECTED];
	stats->redirect_failed = sum[TCX_STAT_REDIRECT_FAILED];
	stats->packets = stats->passed + stats->dropped + stats->redirected +
			 stats->redirect_failed;
}
