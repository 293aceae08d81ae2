/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the compat tests' BPF object (compat_progs.bpf.c) and its loader
 * (loader.c) agree on: the UDP port whose datagrams the programs count, and
 * the slot of each program in the `counts` map.
 */
#ifndef TCX_COMPAT_TEST_H
#define TCX_COMPAT_TEST_H

#define COMPAT_PORT	4242

enum compat_slot {
	COMPAT_ING_A,
	COMPAT_ING_B,
	COMPAT_ING_C,
	COMPAT_ING_D,
	COMPAT_ING_E,
	COMPAT_ING_F,
	COMPAT_EG_A,
	COMPAT_SPARE,
	COMPAT_NPROGS,
};

#endif /* TCX_COMPAT_TEST_H */
