// SPDX-License-Identifier: GPL-2.0
/*
 * What the bpf() compatibility layer costs a call, measured in the VM by
 * bench/compat under no layer, LD_PRELOAD and tcx-compat run:
 *
 *   untrapped    BPF_MAP_LOOKUP_ELEM: a command the filter lets through;
 *   passthrough  BPF_OBJ_GET_INFO_BY_FD on a program: trapped by command,
 *                found not to be tcx, run by the kernel;
 *   served       BPF_PROG_QUERY for BPF_TCX_INGRESS on lo, one program
 *                attached: served through /dev/tcx.  Without the layer the
 *                same query as the ioctl itself, TCX_IOC_QUERY, which is
 *                what serving it adds to.
 *
 * Prints "MODE CALL ns_per_call" lines.  Usage: compat_cost MODE [CALLS]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <bpf/bpf.h>

#include "libtcx.h"

#define TCX_BPF_TCX_INGRESS	46

static long sys_bpf(int cmd, void *attr, unsigned int size)
{
	return syscall(__NR_bpf, cmd, attr, size);
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "compat_cost: %s: %s\n", what, strerror(errno));
	exit(1);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "bare";
	long i, calls = argc > 2 ? atol(argv[2]) : 2000;
	struct bpf_prog_info pinfo;
	struct tcx_query_args q;
	__u32 key = 0, val, len, ids[4];
	unsigned char attr[152];
	int map, prog, dev;
	double t;

	/* r0 = -1; exit */
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0,
		  .imm = -1 },
		{ .code = BPF_JMP | BPF_EXIT },
	};

	map = bpf_map_create(BPF_MAP_TYPE_ARRAY, NULL, 4, 4, 1, NULL);
	prog = bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, NULL, "GPL", insns, 2,
			     NULL);
	if (map < 0 || prog < 0)
		die("map or program");
	/* One program on lo's ingress, from the first run on. */
	if (!strcmp(mode, "bare")) {
		LIBTCX_OPTS(tcx_query, hq);

		if (tcx_query(1, TCX_DIR_INGRESS, &hq))
			die("query");
		if (!hq.count && tcx_prog_attach(1, TCX_DIR_INGRESS, prog, NULL))
			die("attach");
	}

	t = now_ns();
	for (i = 0; i < calls; i++)
		if (bpf_map_lookup_elem(map, &key, &val))
			die("lookup");
	printf("%s untrapped %.0f\n", mode, (now_ns() - t) / calls);

	t = now_ns();
	for (i = 0; i < calls; i++) {
		len = sizeof(pinfo);
		memset(&pinfo, 0, sizeof(pinfo));
		if (bpf_obj_get_info_by_fd(prog, &pinfo, &len))
			die("prog info");
	}
	printf("%s passthrough %.0f\n", mode, (now_ns() - t) / calls);

	if (!strcmp(mode, "bare")) {
		dev = tcx_dev_fd();
		if (dev < 0)
			die("/dev/tcx");
		t = now_ns();
		for (i = 0; i < calls; i++) {
			memset(&q, 0, sizeof(q));
			q.size = sizeof(q);
			q.ifindex = 1;
			q.count = 4;
			q.prog_ids = (unsigned long)ids;
			if (ioctl(dev, TCX_IOC_QUERY, &q) || q.count != 1)
				die("TCX_IOC_QUERY");
		}
	} else {
		t = now_ns();
		for (i = 0; i < calls; i++) {
			memset(attr, 0, sizeof(attr));
			/* query: target_ifindex, attach_type, ..., prog_ids, count */
			((__u32 *)attr)[0] = 1;
			((__u32 *)attr)[1] = TCX_BPF_TCX_INGRESS;
			*(__u64 *)(attr + 16) = (unsigned long)ids;
			((__u32 *)attr)[6] = 4;
			if (sys_bpf(BPF_PROG_QUERY, attr, sizeof(attr)) ||
			    ((__u32 *)attr)[6] != 1)
				die("BPF_PROG_QUERY for tcx");
		}
	}
	printf("%s served %.0f\n", mode, (now_ns() - t) / calls);
	return 0;
}
