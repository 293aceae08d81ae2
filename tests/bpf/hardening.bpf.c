// SPDX-License-Identifier: GPL-2.0
/*
 * For tests/selftests/hardening.c: a program that counts the packets it
 * sees in its own map and lets them go on, so that a test can tell
 * whether a hook ran without asking the module.
 */
#include <linux/bpf.h>
#include <linux/tcx.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} hits SEC(".maps");

SEC("tc")
int count_next(struct __sk_buff *skb)
{
	__u32 key = 0;
	__u64 *n = bpf_map_lookup_elem(&hits, &key);

	if (n)
		__sync_fetch_and_add(n, 1);
	return TCX_NEXT;
}
