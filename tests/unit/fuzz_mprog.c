// SPDX-License-Identifier: GPL-2.0
/*
 * Differential fuzzer: module/mprog.c against the reference model.
 *
 * The input is read as a sequence of operations (prog attach/detach with
 * random flags including unknown bits, link create/update/detach/close,
 * query, fill, device unregister) with random programs, relative objects
 * by fd and by id, and expected revisions.  Each operation runs once on a
 * hook backed by mprog.c and once on a hook backed by the model, each in
 * its own fake world built the same way.  Any difference in the return
 * value, the order or owners of the programs, the revision or a single
 * reference count aborts.
 *
 * Built with -fsanitize=fuzzer this is a libFuzzer target; with
 * -DFUZZ_STANDALONE it has its own main(): "-n N [-s SEED]" runs N random
 * inputs, file names are replayed.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/bug.h>
#include <linux/errno.h>

#include "hook.h"

#define NPROGS		70	/* SCHED_CLS programs; one XDP program more */
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

struct side {
	struct fake_world w;
	struct fake_hook h;
};

static struct side impl, model;

struct input {
	const uint8_t *p;
	size_t n;
};

static u8 next(struct input *in)
{
	if (!in->n)
		return 0;
	in->n--;
	return *in->p++;
}

static u32 next32(struct input *in)
{
	u32 v = next(in);

	v |= (u32)next(in) << 8;
	v |= (u32)next(in) << 16;
	return v | (u32)next(in) << 24;
}

static char trace[1 << 16];
static size_t trace_len;

static void __attribute__((format(printf, 1, 2))) log_op(const char *fmt, ...)
{
	va_list ap;
	int n;

	if (trace_len >= sizeof(trace) - 256)
		trace_len = 0;
	va_start(ap, fmt);
	n = vsnprintf(trace + trace_len, sizeof(trace) - trace_len, fmt, ap);
	va_end(ap);
	if (n > 0)
		trace_len += n;
}

static void __attribute__((noreturn, format(printf, 1, 2)))
fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "operations:\n%.*s", (int)trace_len, trace);
	fprintf(stderr, "MISMATCH: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

static void side_init(struct side *s, bool use_model, bool keep)
{
	int i;

	fake_world_init(&s->w);
	s->w.abort_on_error = true;
	for (i = 0; i < NPROGS; i++)
		fake_prog_new(&s->w, BPF_PROG_TYPE_SCHED_CLS);
	fake_prog_new(&s->w, BPF_PROG_TYPE_XDP);
	hook_init(&s->h, &s->w, use_model, keep);
}

/* Picking objects: values are read in the implementation's world and are
 * the same in the model's, as both are built alike.
 */

static u32 pick_prog_fd(struct input *in)
{
	u8 b = next(in);

	if (b < 230)
		return impl.w.progs[b % (NPROGS + 1)].fd;
	switch (b % 4) {
	case 0:
		return 0;
	case 1:
		return FAKE_FD_NOT_BPF;
	case 2:
		return FAKE_FD_BAD;
	default:
		return impl.w.links[b % FAKE_LINKS].fd;
	}
}

static u32 pick_flags(struct input *in)
{
	static const u32 bits[] = {
		TCX_F_REPLACE, TCX_F_BEFORE, TCX_F_AFTER, TCX_F_ID,
		TCX_F_LINK, 1U << 7,
	};
	u8 b = next(in);
	u32 flags = 0;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bits); i++)
		if (b & (1U << i))
			flags |= bits[i];
	if ((b & 0xc0) == 0xc0)
		flags |= 1U << 31;
	return flags;
}

static u32 pick_relative(struct input *in)
{
	u8 b = next(in);
	u8 i = next(in);

	switch (b % 10) {
	case 0:
	case 1:
		return 0;
	case 2:
	case 3:
		return impl.w.progs[i % (NPROGS + 1)].fd;
	case 4:
	case 5:
		return impl.w.progs[i % (NPROGS + 1)].id;
	case 6:
		return impl.w.links[i % FAKE_LINKS].fd;
	case 7:
		return impl.w.links[i % FAKE_LINKS].id;
	case 8:
		return i & 1 ? FAKE_FD_BAD : FAKE_FD_NOT_BPF;
	default:
		return next32(in);
	}
}

static u64 pick_revision(struct input *in)
{
	u8 b = next(in);
	u64 rev = hook_revision(&impl.h);

	if (b < 128)
		return 0;
	switch (b % 4) {
	case 0:
		return rev;
	case 1:
		return rev + 1;
	case 2:
		return rev - 1;
	default:
		return b;
	}
}

/* A link that has been created in the same slot in both worlds. */
static int pick_link(struct input *in)
{
	int i, start = next(in) % FAKE_LINKS;

	for (i = 0; i < FAKE_LINKS; i++) {
		int j = (start + i) % FAKE_LINKS;

		if (impl.w.links[j].refcnt)
			return j;
	}
	return -1;
}

static void compare(const char *what)
{
	u32 i, total = hook_total(&impl.h);
	struct bpf_prog *const *slot;
	struct bpf_prog *prog;

	if (impl.h.present != model.h.present)
		fail("%s: present %d vs %d", what, impl.h.present,
		     model.h.present);
	if (total != hook_total(&model.h))
		fail("%s: total %u vs %u", what, total,
		     hook_total(&model.h));
	if (hook_revision(&impl.h) != hook_revision(&model.h))
		fail("%s: revision %llu vs %llu", what,
		     (unsigned long long)hook_revision(&impl.h),
		     (unsigned long long)hook_revision(&model.h));
	for (i = 0; i < total; i++) {
		if (fake_prog_index(hook_prog_at(&impl.h, i)) !=
		    fake_prog_index(hook_prog_at(&model.h, i)))
			fail("%s: slot %u: prog %d vs %d", what, i,
			     fake_prog_index(hook_prog_at(&impl.h, i)),
			     fake_prog_index(hook_prog_at(&model.h, i)));
		if (fake_link_index(hook_link_at(&impl.h, i)) !=
		    fake_link_index(hook_link_at(&model.h, i)))
			fail("%s: slot %u: link %d vs %d", what, i,
			     fake_link_index(hook_link_at(&impl.h, i)),
			     fake_link_index(hook_link_at(&model.h, i)));
	}
	if (impl.h.present) {
		i = 0;
		tcx_mprog_foreach_prog(impl.h.live, slot, prog) {
			if (prog != hook_prog_at(&impl.h, i))
				fail("%s: data path slot %u", what, i);
			i++;
		}
		if (i != total || total > TCX_MAX_PROGS)
			fail("%s: data path runs %u of %u", what, i, total);
	}
	for (i = 0; i <= NPROGS; i++)
		if (impl.w.progs[i].refcnt != model.w.progs[i].refcnt)
			fail("%s: prog %u refcnt %d vs %d", what, i,
			     impl.w.progs[i].refcnt, model.w.progs[i].refcnt);
	for (i = 0; i < FAKE_LINKS; i++) {
		const struct tcx_link *a = &impl.w.links[i];
		const struct tcx_link *b = &model.w.links[i];

		if (a->refcnt != b->refcnt || a->fd != b->fd ||
		    a->attached != b->attached || a->id != b->id ||
		    fake_prog_index(a->prog) != fake_prog_index(b->prog))
			fail("%s: link %u differs", what, i);
		if (a->refcnt != (a->fd ? 1 : 0))
			fail("%s: link %u refcnt %d", what, i, a->refcnt);
	}
	if (impl.w.errors || model.w.errors || shim_warnings)
		fail("%s: errors %u/%u warnings %u", what, impl.w.errors,
		     model.w.errors, shim_warnings);
}

/* How the operations ended, to see what the inputs reach. */
static struct {
	unsigned long ops, ok, full;
	unsigned long err[160];
} stats;

static void same_ret(const char *what, int a, int b)
{
	if (a != b)
		fail("%s: returned %d vs %d", what, a, b);
	stats.ops++;
	if (!a)
		stats.ok++;
	else if (-a < (int)ARRAY_SIZE(stats.err))
		stats.err[-a]++;
	if (hook_total(&impl.h) == TCX_MAX_PROGS)
		stats.full++;
}

static void op_attach(struct input *in)
{
	u32 fd = pick_prog_fd(in), flags = pick_flags(in);
	u32 old = pick_prog_fd(in), rel = pick_relative(in);
	u64 rev = pick_revision(in);
	int a, b;

	log_op("attach fd %u flags %#x replace %u rel %u rev %llu", fd, flags,
	       old, rel, (unsigned long long)rev);
	a = hook_prog_attach(&impl.h, fd, flags, old, rel, rev);
	b = hook_prog_attach(&model.h, fd, flags, old, rel, rev);
	log_op(" = %d\n", a);
	same_ret("attach", a, b);
}

static void op_detach(struct input *in)
{
	u32 fd = next(in) & 1 ? 0 : pick_prog_fd(in);
	u32 flags = pick_flags(in), rel = pick_relative(in);
	u64 rev = pick_revision(in);
	int a, b;

	log_op("detach fd %u flags %#x rel %u rev %llu", fd, flags, rel,
	       (unsigned long long)rev);
	a = hook_prog_detach(&impl.h, fd, flags, rel, rev);
	b = hook_prog_detach(&model.h, fd, flags, rel, rev);
	log_op(" = %d\n", a);
	same_ret("detach", a, b);
}

static void op_link_create(struct input *in)
{
	u32 fd = pick_prog_fd(in), flags = pick_flags(in);
	u32 rel = pick_relative(in);
	u64 rev = pick_revision(in);
	struct tcx_link *la, *lb;
	int a, b;

	log_op("link_create fd %u flags %#x rel %u rev %llu", fd, flags, rel,
	       (unsigned long long)rev);
	a = hook_link_create(&impl.h, fd, flags, rel, rev, &la);
	b = hook_link_create(&model.h, fd, flags, rel, rev, &lb);
	log_op(" = %d (link %d)\n", a, fake_link_index(la));
	same_ret("link_create", a, b);
	if (fake_link_index(la) != fake_link_index(lb))
		fail("link_create: link %d vs %d", fake_link_index(la),
		     fake_link_index(lb));
}

static void op_link_update(struct input *in)
{
	int i = pick_link(in), a, b;
	u32 fd = pick_prog_fd(in), old = pick_prog_fd(in);
	u8 f = next(in);
	u32 flags = f & 1 ? TCX_F_REPLACE : 0;

	if (f & 2)
		flags |= pick_flags(in);
	if (i < 0)
		return;
	if (!(f & 4) && flags & TCX_F_REPLACE)
		old = impl.w.links[i].prog->fd;	/* mostly the right one */
	if (!(flags & TCX_F_REPLACE) && !(f & 8))
		old = 0;
	log_op("link_update link %d fd %u flags %#x old %u", i, fd, flags,
	       old);
	a = hook_link_update(&impl.h, &impl.w.links[i], fd, flags, old);
	b = hook_link_update(&model.h, &model.w.links[i], fd, flags, old);
	log_op(" = %d\n", a);
	same_ret("link_update", a, b);
}

static void op_link_detach(struct input *in, bool close)
{
	int i = pick_link(in);

	if (i < 0)
		return;
	log_op("link_%s link %d\n", close ? "close" : "detach", i);
	if (close) {
		hook_link_close(impl.w.links[i].owner ?: &impl.h,
				&impl.w.links[i]);
		hook_link_close(model.w.links[i].owner ?: &model.h,
				&model.w.links[i]);
	} else {
		same_ret("link_detach",
			 hook_link_detach(impl.w.links[i].owner ?: &impl.h,
					  &impl.w.links[i]),
			 hook_link_detach(model.w.links[i].owner ?: &model.h,
					  &model.w.links[i]));
	}
}

static void op_query(struct input *in)
{
	u32 ids_a[TCX_MAX_PROGS + 8], ids_b[TCX_MAX_PROGS + 8];
	u32 lids_a[TCX_MAX_PROGS + 8], lids_b[TCX_MAX_PROGS + 8];
	u8 f = next(in);
	u32 room = next(in) % (TCX_MAX_PROGS + 8);
	u32 ca = room, cb = room;
	u64 ra = 0, rb = 0;
	int a, b;

	memset(ids_a, 0x5a, sizeof(ids_a));
	memset(ids_b, 0x5a, sizeof(ids_b));
	memset(lids_a, 0x5a, sizeof(lids_a));
	memset(lids_b, 0x5a, sizeof(lids_b));
	log_op("query room %u flags %#x", room, f & 3);
	a = hook_query(&impl.h, f & 1 ? ids_a : NULL, f & 2 ? lids_a : NULL,
		       &ca, &ra);
	b = hook_query(&model.h, f & 1 ? ids_b : NULL, f & 2 ? lids_b : NULL,
		       &cb, &rb);
	log_op(" = %d count %u\n", a, ca);
	same_ret("query", a, b);
	if (ca != cb || (!a && ra != rb))
		fail("query: count %u/%u revision %llu/%llu", ca, cb,
		     (unsigned long long)ra, (unsigned long long)rb);
	if (memcmp(ids_a, ids_b, sizeof(ids_a)) ||
	    memcmp(lids_a, lids_b, sizeof(lids_a)))
		fail("query: arrays differ");
}

/* Attach programs in a row to get near the maximum quickly. */
static void op_fill(struct input *in)
{
	u8 n = next(in) % 64, f = next(in);
	u32 flags = f & 1 ? TCX_F_BEFORE : f & 2 ? TCX_F_AFTER : 0;
	u32 start = next(in);
	int a, b;
	u8 i;

	log_op("fill %u flags %#x from %u\n", n, flags, start);
	for (i = 0; i < n; i++) {
		u32 fd = impl.w.progs[(start + i) % NPROGS].fd;

		if (f & 4 && i & 1) {
			struct tcx_link *la, *lb;

			a = hook_link_create(&impl.h, fd, flags, 0, 0, &la);
			b = hook_link_create(&model.h, fd, flags, 0, 0, &lb);
		} else {
			a = hook_prog_attach(&impl.h, fd, flags, 0, 0, 0);
			b = hook_prog_attach(&model.h, fd, flags, 0, 0, 0);
		}
		same_ret("fill", a, b);
		compare("fill");
	}
}

static void op_unregister(struct input *in)
{
	unsigned int la, lb;
	bool keep = next(in) & 1;
	u32 a, b;

	log_op("unregister (then a new device, keep %d)\n", keep);
	a = hook_unregister(&impl.h, &la);
	b = hook_unregister(&model.h, &lb);
	if (a != b || la != lb)
		fail("unregister: %u/%u programs, %u/%u links", a, b, la, lb);
	compare("unregister");
	hook_init(&impl.h, &impl.w, false, keep);
	hook_init(&model.h, &model.w, true, keep);
}

static void run(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	bool keep = next(&in) & 1;
	unsigned int ops = 0;
	int i;

	trace_len = 0;
	shim_warnings = 0;
	side_init(&impl, false, keep);
	side_init(&model, true, keep);
	while (in.n && ops++ < 4096) {
		switch (next(&in) % 16) {
		case 0: case 1: case 2: case 3:
			op_attach(&in);
			break;
		case 4: case 5: case 6:
			op_detach(&in);
			break;
		case 7: case 8:
			op_link_create(&in);
			break;
		case 9:
			op_link_update(&in);
			break;
		case 10:
			op_link_detach(&in, false);
			break;
		case 11:
			op_link_detach(&in, true);
			break;
		case 12: case 13:
			op_query(&in);
			break;
		case 14:
			op_fill(&in);
			break;
		default:
			op_unregister(&in);
			break;
		}
		compare("after operation");
	}
	/* Close every link, then the device: nothing may be left over. */
	for (i = 0; i < FAKE_LINKS; i++) {
		if (!impl.w.links[i].fd)
			continue;
		hook_link_close(impl.w.links[i].owner ?: &impl.h,
				&impl.w.links[i]);
		hook_link_close(model.w.links[i].owner ?: &model.h,
				&model.w.links[i]);
	}
	compare("closing links");
	op_unregister(&in);
	for (i = 0; i <= NPROGS; i++)
		if (impl.w.progs[i].refcnt != 1)
			fail("end: prog %d refcnt %d", i,
			     impl.w.progs[i].refcnt);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	run(data, size);
	return 0;
}

#ifdef FUZZ_STANDALONE
static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static int replay(const char *path)
{
	static uint8_t buf[1 << 20];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f) {
		perror(path);
		return 1;
	}
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	run(buf, n);
	printf("%s: ok\n", path);
	return 0;
}

int main(int argc, char **argv)
{
	static uint8_t buf[2048];
	unsigned long runs = 0, i;
	uint64_t seed = 0x7c5d0f1e2b3a4968ULL;
	size_t len, j;
	int opt, ret = 0;

	while ((opt = getopt(argc, argv, "n:s:")) != -1) {
		switch (opt) {
		case 'n':
			runs = strtoul(optarg, NULL, 0);
			break;
		case 's':
			seed = strtoull(optarg, NULL, 0) | 1;
			break;
		default:
			fprintf(stderr, "usage: %s [-n RUNS] [-s SEED] [FILE...]\n",
				argv[0]);
			return 2;
		}
	}
	for (; optind < argc; optind++)
		ret |= replay(argv[optind]);
	for (i = 0; i < runs; i++) {
		len = 1 + xorshift(&seed) % sizeof(buf);
		for (j = 0; j < len; j++)
			buf[j] = xorshift(&seed);
		run(buf, len);
	}
	if (runs)
		printf("fuzz_mprog: %lu random inputs, no difference\n", runs);
	printf("%lu operations: %lu ok, %lu on a full hook", stats.ops,
	       stats.ok, stats.full);
	for (i = 0; i < ARRAY_SIZE(stats.err); i++)
		if (stats.err[i])
			printf(", errno %lu: %lu", i, stats.err[i]);
	printf("\n");
	return ret;
}
#endif
