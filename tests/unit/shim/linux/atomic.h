/* SPDX-License-Identifier: GPL-2.0 */
/* Host stand-in: the tests are single-threaded. */
#ifndef _SHIM_LINUX_ATOMIC_H
#define _SHIM_LINUX_ATOMIC_H

#include <linux/types.h>

typedef struct {
	s64 counter;
} atomic64_t;

static inline s64 atomic64_read(const atomic64_t *v)
{
	return v->counter;
}

static inline void atomic64_set(atomic64_t *v, s64 i)
{
	v->counter = i;
}

static inline void atomic64_inc(atomic64_t *v)
{
	v->counter++;
}

#endif
