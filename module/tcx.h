/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Declarations shared by the module's files.
 */
#ifndef _TCX_H
#define _TCX_H

#include <linux/types.h>
#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <linux/u64_stats_sync.h>
#include <linux/tcx.h>

#include "mprog.h"

/*
 * What became of the packets a hook's programs saw, one counter each.
 * Per-CPU, so the data path never writes shared cache lines.
 */
enum tcx_stat {
	TCX_STAT_PASSED,
	TCX_STAT_DROPPED,
	TCX_STAT_REDIRECTED,
	TCX_STAT_REDIRECT_FAILED,
	__TCX_STAT_MAX,
};

struct tcx_pcpu_stats {
	u64_stats_t			cnt[__TCX_STAT_MAX];
	struct u64_stats_sync		syncp;
};

/*
 * One device and direction.  The data path reaches it through ops.priv and
 * reads only entry (the program array) and stats.
 */
struct tcx_hook {
	struct tcx_mprog_entry __rcu	*entry;
	struct tcx_pcpu_stats __percpu	*stats;
	struct net_device		*dev;
	enum tcx_direction		dir;
	bool				live;	/* ops registered */
	struct nf_hook_ops		ops;
	struct hlist_node		node;
	struct tcx_mprog_bundle		bundle;
};

/* hook.c: the data path.  All but the per-packet code run under RTNL. */
int tcx_hook_init(struct tcx_hook *hook);
void tcx_hook_fini(struct tcx_hook *hook);
int tcx_hook_enable(struct tcx_hook *hook);
void tcx_hook_disable(struct tcx_hook *hook);
void tcx_hook_read_stats(const struct tcx_hook *hook,
			 struct tcx_hook_stats *stats);

/* link.c */
struct tcx_pin;
int tcx_link_init(void);
void tcx_link_exit(void);
int tcx_link_create(struct net *net, const struct tcx_link_create_args *args,
		    struct task_struct *owner);
int tcx_link_get_fd_by_id(u32 id);
int tcx_link_get_next_id(u32 start_id, u32 *next_id);
int tcx_link_pin_path(const struct tcx_pin_args *args);
int tcx_link_new_fd(struct tcx_link *link);
void tcx_link_get(struct tcx_link *link);
void tcx_link_dev_gone(struct tcx_link *link, void *priv);
struct tcx_pin *tcx_link_get_pin(const struct tcx_link *link);
bool tcx_link_set_pin(struct tcx_link *link, struct tcx_pin *old,
		      struct tcx_pin *new);

/* pin.c */
int tcx_pin_init(void);
void tcx_pin_exit(void);
int tcx_pin_create(struct tcx_link *link, int dirfd,
		   const char __user *pathname);
int tcx_pin_get_fd(int dirfd, const char __user *pathname);
u32 tcx_pin_path(struct tcx_link *link, char *buf, u32 size);

/* tcx_main.c */
int tcx_copy_args(void *dst, size_t ksize, size_t min_size,
		  const void __user *uarg);

/* dev.c, the control path of a hook; all under RTNL */
int tcx_dev_attach(struct net_device *dev, enum tcx_direction dir,
		   struct bpf_prog *prog, struct tcx_link *link,
		   struct bpf_prog *replace_prog, u32 flags, u32 relative,
		   u64 revision);
int tcx_dev_detach(struct net_device *dev, enum tcx_direction dir,
		   struct bpf_prog *prog, struct tcx_link *link, u32 flags,
		   u32 relative, u64 revision);
void tcx_dev_unregister(struct net_device *dev);
void tcx_dev_sync(void);

/* dev.c, the ioctls; they take RTNL */
int tcx_dev_prog_attach(struct net *net, const struct tcx_prog_args *args);
int tcx_dev_prog_detach(struct net *net, const struct tcx_prog_args *args);
int tcx_dev_query(struct net *net, struct tcx_query_args *args,
		  struct tcx_query_args __user *uargs);

#endif /* _TCX_H */
