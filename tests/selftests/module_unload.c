// SPDX-License-Identifier: GPL-2.0
/*
 * Unloading and reloading tcx.ko.  Runs last: it takes the module away and
 * brings it back from $TCX_MODULE.  Skipped on native tcx: no module.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/tcx.h>

#include "tcx_test.h"

#define TCX_PATH "/dev/" TCX_DEVICE_NAME

static int unload(void)
{
	return syscall(__NR_delete_module, "tcx", O_NONBLOCK);
}

static int load(void)
{
	const char *path = getenv("TCX_MODULE");
	int fd, ret;

	if (!path)
		path = "tcx.ko";
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ret = syscall(__NR_finit_module, fd, "", 0);
	close(fd);
	return ret;
}

TEST(busy_while_open)
{
	int fd;

	TCX_MODULE_ONLY("module to unload");
	fd = open(TCX_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	/* An open /dev/tcx holds the module. */
	ASSERT_EQ(-1, unload());
	ASSERT_EQ(EWOULDBLOCK, errno);
	close(fd);
}

TEST(unload_removes_device)
{
	struct stat st;

	TCX_MODULE_ONLY("module to unload");
	ASSERT_EQ(0, stat(TCX_PATH, &st));
	ASSERT_EQ(0, unload()) TH_LOG("delete_module: %s", strerror(errno));
	ASSERT_EQ(-1, stat(TCX_PATH, &st));
	ASSERT_EQ(ENOENT, errno);
	ASSERT_EQ(-1, unload());
	ASSERT_EQ(ENOENT, errno);
}

TEST(reload)
{
	struct tcx_version ver = { .size = sizeof(ver) };
	int fd;

	TCX_MODULE_ONLY("module to unload");
	ASSERT_EQ(0, load()) TH_LOG("finit_module: %s", strerror(errno));
	fd = open(TCX_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ioctl(fd, TCX_IOC_VERSION, &ver));
	ASSERT_EQ((__u32)TCX_ABI_VERSION, ver.abi_version);
	close(fd);
}

TEST_HARNESS_MAIN
