/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Host stand-in: a warning is counted (and printed) every time, so that a
 * test can insist on none.
 */
#ifndef _SHIM_LINUX_BUG_H
#define _SHIM_LINUX_BUG_H

#include <linux/types.h>

void shim_warn(const char *file, int line, const char *cond);
extern unsigned int shim_warnings;

#define WARN_ON_ONCE(cond) ({						\
	bool __c = !!(cond);						\
	if (__c)							\
		shim_warn(__FILE__, __LINE__, #cond);			\
	__c;								\
})
#define WARN_ON(cond)	WARN_ON_ONCE(cond)

#endif
