/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the reliability tests (stress, fault paths, ioctl
 * fuzzing): settings from the environment, what the kernel holds (program
 * ids, tcx.ko's reference count), and unloading and reloading tcx.ko.
 * Include after tcx_test.h.
 */
#ifndef __TCX_RELIABILITY_H
#define __TCX_RELIABILITY_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>

#include <bpf/bpf.h>

/* An unsigned setting from the environment, or DEF when unset or bad. */
static inline unsigned long rel_env(const char *name, unsigned long def)
{
	const char *s = getenv(name);
	unsigned long v;
	char *end;

	if (!s || !*s)
		return def;
	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *end)
		return def;
	return v;
}

static inline double rel_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline void rel_msleep(unsigned int ms)
{
	struct timespec ts = {
		.tv_sec = ms / 1000,
		.tv_nsec = (ms % 1000) * 1000000L,
	};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* xorshift64*: small, fast, and the same sequence for the same seed. */
static inline __u64 rel_rand(__u64 *state)
{
	__u64 x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545F4914F6CDD1DULL;
}

/* Uniform enough in [0, n). */
static inline unsigned int rel_rnd(__u64 *state, unsigned int n)
{
	return n ? (unsigned int)((rel_rand(state) >> 32) % n) : 0;
}

static inline __u64 rel_seed_init(__u64 seed)
{
	/* xorshift must not start at 0; mix so that 1, 2, 3 differ a lot. */
	seed = (seed + 0x9E3779B97F4A7C15ULL) * 0xBF58476D1CE4E5B9ULL;
	return seed ? seed : 1;
}

/* tcx.ko's reference count, or -1. */
static inline long rel_module_refcnt(void)
{
	long n = -1;
	FILE *f;

	f = fopen("/sys/module/tcx/refcnt", "re");
	if (!f)
		return -1;
	if (fscanf(f, "%ld", &n) != 1)
		n = -1;
	fclose(f);
	return n;
}

/* Wait up to MS for tcx.ko's reference count to be WANT; the last value. */
static inline long rel_wait_refcnt(long want, unsigned int ms)
{
	long n = rel_module_refcnt();

	while (n != want && ms >= 10) {
		rel_msleep(10);
		ms -= 10;
		n = rel_module_refcnt();
	}
	return n;
}

/*
 * Every BPF program id the kernel knows, ascending, into IDS (at most MAX);
 * returns how many there are, which may exceed MAX, or a negative errno.
 */
static inline int rel_prog_ids(__u32 *ids, int max)
{
	__u32 id = 0;
	int n = 0;

	for (;;) {
		if (bpf_prog_get_next_id(id, &id))
			return errno == ENOENT ? n : -errno;
		if (n < max)
			ids[n] = id;
		n++;
	}
}

static inline bool rel_id_in(__u32 id, const __u32 *ids, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

static inline int rel_unload_module(void)
{
	return syscall(__NR_delete_module, "tcx", O_NONBLOCK) ? -errno : 0;
}

/* finit_module() of $TCX_MODULE, else tcx.ko in the current directory. */
static inline int rel_load_module(void)
{
	const char *path = getenv("TCX_MODULE");
	int fd, ret;

	if (!path || !*path)
		path = "tcx.ko";
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = syscall(__NR_finit_module, fd, "", 0) ? -errno : 0;
	close(fd);
	return ret;
}

#endif /* __TCX_RELIABILITY_H */
