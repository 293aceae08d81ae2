/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Declarations shared by the module's files.
 */
#ifndef _TCX_H
#define _TCX_H

#include <linux/types.h>

int tcx_copy_args(void *dst, size_t ksize, size_t min_size,
		  const void __user *uarg);

#endif /* _TCX_H */
