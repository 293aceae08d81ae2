/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Completing a TCX_REDIRECT verdict (redirect.c), for hook.c only.
 */
#ifndef _TCX_REDIRECT_H
#define _TCX_REDIRECT_H

#include <linux/skbuff.h>

/*
 * Send @skb where the program's bpf_redirect*() call asked for, with the
 * data at the link-layer header.  Always consumes @skb.  Returns 0 when
 * the target took the packet, a negative errno when it was dropped.
 * Called in the data path, in BH context under RCU.
 */
int tcx_redirect(struct sk_buff *skb);

#endif /* _TCX_REDIRECT_H */
