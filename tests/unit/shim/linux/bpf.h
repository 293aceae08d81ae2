/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Host stand-in for the kernel's <linux/bpf.h>: the uapi header plus what
 * mprog.c uses of the kernel side.  struct bpf_prog stays opaque here; the
 * fakes in fake.h define it.
 */
#ifndef _SHIM_LINUX_BPF_H
#define _SHIM_LINUX_BPF_H

#include_next <linux/bpf.h>
#include <linux/types.h>

struct bpf_prog;

void bpf_prog_put(struct bpf_prog *prog);

#endif
