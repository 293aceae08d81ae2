/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Just enough rtnetlink for the reliability tests: veth pairs across
 * network namespaces, addresses, up, delete.  The stress test changes
 * devices from threads of a process that holds link fds, so it cannot fork
 * ip(8): a fork copies every fd of the process, and a link fd held by the
 * child for a moment keeps a link attached that the test just closed.
 *
 * Every call works in the network namespace the socket was opened in
 * (nl_open() uses the calling thread's) and returns 0 or a negative errno.
 */
#ifndef __TCX_STRESS_NL_H
#define __TCX_STRESS_NL_H

#include <stdint.h>

int nl_open(void);
/* NAME here and PEER in the namespace of PEER_NSFD (-1: here as well). */
int nl_veth_add(int nl, const char *name, const char *peer, int peer_nsfd);
int nl_link_up(int nl, int ifindex);
int nl_link_del(int nl, int ifindex);
/* ADDR in network byte order. */
int nl_addr4_add(int nl, int ifindex, uint32_t addr, int prefix_len);

#endif /* __TCX_STRESS_NL_H */
