// SPDX-License-Identifier: GPL-2.0
/*
 * Stress: many threads in several processes change tcx hooks at random,
 * through the program API and through links, while UDP traffic goes
 * through the same devices and devices and network namespaces are deleted
 * and created again underneath.  At the end the kernel must hold exactly
 * what the test holds, and tcx.ko must unload.
 *
 * Two kinds of actors:
 *
 *  - Owners (STRESS_PROCS processes x STRESS_THREADS threads).  Each owner
 *    thread has a world of its own and is the only one to touch it:
 *
 *        nsX (persists)                 nsY (deleted and made again)
 *      v0 10.77.W.1/24  <--- veth --->  v1 10.77.W.2/24
 *      sender thread: UDP to 10.77.W.2
 *
 *    four hooks (v0 and v1, ingress and egress).  The owner keeps a model
 *    of every hook (programs, owning links, revision) and of every link it
 *    created (fds, pin, device), predicts the result of each call, and
 *    compares the hook with the model through a query after every change.
 *    Deleting the veth or nsY takes the hooks' programs away and makes the
 *    links defunct, in the model as in the kernel.
 *
 *  - Chaos (one process): racer threads attach, detach, replace, create,
 *    update, pin and close links on one shared pair of devices that a
 *    reaper thread deletes and creates again, or whose namespaces it
 *    destroys, at random moments; a sender floods through them.  Nothing
 *    is predictable there but the set of acceptable answers, and that every
 *    link ends up defunct once the devices are gone.
 *
 * Afterwards: the program ids the kernel knows are those it knew before
 * plus the test's own, the test's programs go away once it closes them,
 * tcx.ko's reference count is back where it started, and tcx.ko unloads
 * (and is loaded again from $TCX_MODULE for the tests that follow).
 *
 * Settings (environment): STRESS_SECONDS (default 30), STRESS_PROCS (2),
 * STRESS_THREADS (2), STRESS_RACERS (2), STRESS_SEED (random, printed).
 */
#define _GNU_SOURCE
#include "tcx_test.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#include "nl.h"
#include "reliability.h"

#define NPROGS		12	/* shared by everyone; 10: PASS, 11: DROP */
#define HOOKS		4	/* v0 ingress, v0 egress, v1 ingress, v1 egress */
#define MAX_LINKS	24	/* per owner */
#define MAX_DEAD	64	/* ids of closed links, for ENOENT checks */
#define MAX_THREADS	8
#define MAX_RACERS	8
#define RACER_LINKS	16
#define RACER_IDS	512
#define MAX_ALL_IDS	4096

enum op_kind {
	OP_ATTACH,
	OP_REPLACE,
	OP_DETACH,
	OP_LINK_CREATE,
	OP_LINK_UPDATE,
	OP_LINK_DETACH,
	OP_LINK_CLOSE,
	OP_PIN,
	OP_UNPIN,
	OP_GET_FD_BY_ID,
	OP_QUERY,
	OP_DEV_RECREATE,
	OP_NETNS_RECREATE,
	OP_KINDS
};

static const char *const op_names[OP_KINDS] = {
	[OP_ATTACH]		= "attach",
	[OP_REPLACE]		= "replace",
	[OP_DETACH]		= "detach",
	[OP_LINK_CREATE]	= "link_create",
	[OP_LINK_UPDATE]	= "link_update",
	[OP_LINK_DETACH]	= "link_detach",
	[OP_LINK_CLOSE]		= "link_close",
	[OP_PIN]		= "pin",
	[OP_UNPIN]		= "unpin",
	[OP_GET_FD_BY_ID]	= "get_fd_by_id",
	[OP_QUERY]		= "query",
	[OP_DEV_RECREATE]	= "dev_recreate",
	[OP_NETNS_RECREATE]	= "netns_recreate",
};

/* Shared by all processes of the run (MAP_SHARED); counters are atomic. */
struct stress_shared {
	unsigned long ok[OP_KINDS];	/* succeeded */
	unsigned long refused[OP_KINDS]; /* failed with an acceptable errno */
	unsigned long packets, send_errors;
	unsigned long dev_created, dev_destroyed;
	unsigned long ns_created, ns_destroyed;
	unsigned long checks;		/* hook or link states compared */
	unsigned long failures;
	int failure_taken;
	char failure[512];
	double deadline;
	int progs[NPROGS];
	__u32 prog_ids[NPROGS];
};

static struct stress_shared *sh;
static __u64 stress_seed;

static void count(unsigned long *ctr, unsigned long n)
{
	__atomic_fetch_add(ctr, n, __ATOMIC_RELAXED);
}

static bool time_up(void)
{
	return rel_now() >= sh->deadline;
}

static void fail(const char *who, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void fail(const char *who, const char *fmt, ...)
{
	static __thread int printed;
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	count(&sh->failures, 1);
	if (printed++ < 10)
		fprintf(stderr, "# FAIL %s: %s\n", who, msg);
	if (!__atomic_exchange_n(&sh->failure_taken, 1, __ATOMIC_SEQ_CST))
		snprintf(sh->failure, sizeof(sh->failure), "%s: %s", who, msg);
}

/* ---- network namespaces and devices -------------------------------- */

static int ns_self(void)
{
	return open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
}

static int ns_enter(int fd)
{
	return setns(fd, CLONE_NEWNET) ? -errno : 0;
}

/* A new network namespace, held by the fd returned; the thread stays home. */
static int ns_new(int home)
{
	int fd;

	if (unshare(CLONE_NEWNET))
		return -errno;
	fd = ns_self();
	if (fd < 0)
		fd = -errno;
	if (ns_enter(home))
		return -errno;
	if (fd >= 0)
		count(&sh->ns_created, 1);
	return fd;
}

static void ns_drop(int *fd)
{
	if (*fd < 0)
		return;
	close(*fd);
	*fd = -1;
	count(&sh->ns_destroyed, 1);
}

/* Bring up one end: address 10.77.NET.HOST/24, up; its ifindex. */
static int veth_end_up(const char *name, int net, int host)
{
	int nl, ifindex, ret;

	ifindex = if_nametoindex(name);
	if (!ifindex)
		return -errno;
	nl = nl_open();
	if (nl < 0)
		return nl;
	ret = nl_addr4_add(nl, ifindex, htonl(0x0a4d0000 | net << 8 | host),
			   24) ?: nl_link_up(nl, ifindex);
	close(nl);
	return ret ? ret : ifindex;
}

/* v0 in NSX, v1 in NSY, addressed and up; the thread ends up at HOME. */
static int veth_make(int home, int nsx, int nsy, int net, int *ifx, int *ify)
{
	int nl, ret;

	ret = ns_enter(nsx);
	if (ret)
		return ret;
	nl = nl_open();
	if (nl < 0) {
		ret = nl;
		goto out;
	}
	ret = nl_veth_add(nl, "v0", "v1", nsy);
	close(nl);
	if (ret)
		goto out;
	count(&sh->dev_created, 2);
	ret = veth_end_up("v0", net, 1);
	if (ret < 0)
		goto out;
	*ifx = ret;
	ret = ns_enter(nsy);
	if (ret)
		goto out;
	ret = veth_end_up("v1", net, 2);
	if (ret < 0)
		goto out;
	*ify = ret;
	ret = 0;
out:
	if (ns_enter(home) && !ret)
		ret = -errno;
	return ret;
}

/* Delete the pair through v0 (in NSX); the thread ends up at HOME. */
static int veth_del(int home, int nsx, int ifx)
{
	int nl, ret;

	ret = ns_enter(nsx);
	if (ret)
		return ret;
	nl = nl_open();
	if (nl < 0) {
		ret = nl;
	} else {
		ret = nl_link_del(nl, ifx);
		close(nl);
	}
	if (!ret)
		count(&sh->dev_destroyed, 2);
	if (ns_enter(home) && !ret)
		ret = -errno;
	return ret;
}

/* ---- traffic ------------------------------------------------------- */

struct sender {
	pthread_t thread;
	atomic_int stop;
	/* Where to send from: the namespace, and a generation to follow it. */
	pthread_mutex_t *lock;		/* NULL: *nsfd never changes */
	int *nsfd;
	unsigned int *gen;
	int net;
	unsigned long sent, errors;
};

static int sender_socket(struct sender *s, int home)
{
	int fd;

	if (*s->nsfd < 0 || ns_enter(*s->nsfd))
		return -1;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ns_enter(home);
	return fd;
}

/* Bursts of small UDP datagrams, paced so the emulated CPUs keep up. */
static void *sender_main(void *arg)
{
	struct sender *s = arg;
	struct sockaddr_in dst = {
		.sin_family = AF_INET,
		.sin_port = htons(9),
		.sin_addr.s_addr = htonl(0x0a4d0002 | s->net << 8),
	};
	char payload[64] = "tcx stress";
	unsigned int gen = 0;
	int home = ns_self(), fd = -1, i;

	while (!atomic_load(&s->stop)) {
		if (s->lock) {
			pthread_mutex_lock(s->lock);
			if (*s->gen != gen || fd < 0) {
				if (fd >= 0)
					close(fd);
				fd = sender_socket(s, home);
				gen = *s->gen;
			}
			pthread_mutex_unlock(s->lock);
		} else if (fd < 0) {
			fd = sender_socket(s, home);
		}
		for (i = 0; fd >= 0 && i < 4; i++) {
			if (sendto(fd, payload, sizeof(payload), MSG_DONTWAIT,
				   (struct sockaddr *)&dst, sizeof(dst)) < 0)
				s->errors++;
			else
				s->sent++;
		}
		rel_msleep(2);
	}
	if (fd >= 0)
		close(fd);
	close(home);
	count(&sh->packets, s->sent);
	count(&sh->send_errors, s->errors);
	return NULL;
}

static int sender_start(struct sender *s)
{
	atomic_store(&s->stop, 0);
	s->sent = s->errors = 0;
	return -pthread_create(&s->thread, NULL, sender_main, s);
}

static void sender_stop(struct sender *s)
{
	atomic_store(&s->stop, 1);
	pthread_join(s->thread, NULL);
}

/* ---- owners: one world each, with an exact model ------------------- */

struct slot {
	int prog;		/* index into the pool */
	int link;		/* index into world.links, -1: program-owned */
};

struct hook_model {
	int n;
	__u64 rev;		/* 1 while empty: the hook is freed */
	struct slot s[TCX_MAX_PROGS];
};

struct link_model {
	bool used;
	bool pinned;
	__u32 id;
	int fd[2];
	int nfds;
	int hook;		/* -1: defunct */
	int prog;
};

struct world {
	char name[24];
	int net;		/* 10.77.NET.0/24 */
	__u64 rng;
	int home, nsx, nsy, ifx, ify;
	struct hook_model hooks[HOOKS];
	struct link_model links[MAX_LINKS];
	__u32 dead[MAX_DEAD];
	int ndead;
	unsigned long ops;
	bool broken;		/* the model is off: stop changing things */
	pthread_t thread;
	struct sender sender;
};

static unsigned int rnd(struct world *w, unsigned int n)
{
	return rel_rnd(&w->rng, n);
}

static int hook_ns(const struct world *w, int h)
{
	return h < 2 ? w->nsx : w->nsy;
}

static int hook_ifindex(const struct world *w, int h)
{
	return h < 2 ? w->ifx : w->ify;
}

static enum tcx_dir hook_dir(int h)
{
	return h & 1 ? TCX_DIR_EGRESS : TCX_DIR_INGRESS;
}

static int slot_of(const struct hook_model *hm, int prog)
{
	int i;

	for (i = 0; i < hm->n; i++)
		if (hm->s[i].prog == prog)
			return i;
	return -1;
}

static void slot_insert(struct hook_model *hm, int pos, int prog, int link)
{
	memmove(&hm->s[pos + 1], &hm->s[pos], (hm->n - pos) * sizeof(hm->s[0]));
	hm->s[pos].prog = prog;
	hm->s[pos].link = link;
	hm->n++;
	hm->rev++;
}

static void slot_remove(struct hook_model *hm, int pos)
{
	memmove(&hm->s[pos], &hm->s[pos + 1],
		(hm->n - pos - 1) * sizeof(hm->s[0]));
	hm->n--;
	hm->rev = hm->n ? hm->rev + 1 : 1;
}

/* Mostly a program that is not on the hook yet, so that attaching works. */
static int pick_prog(struct world *w, const struct hook_model *hm)
{
	int p = rnd(w, NPROGS), i;

	if (!rnd(w, 5))
		return p;
	for (i = 0; i < NPROGS; i++, p = (p + 1) % NPROGS)
		if (slot_of(hm, p) < 0)
			return p;
	return p;
}

/* A random slot, mostly a program-owned one if there is any; -1: empty. */
static int pick_slot(struct world *w, const struct hook_model *hm)
{
	int k, i;

	if (!hm->n)
		return -1;
	k = rnd(w, hm->n);
	if (!rnd(w, 4))
		return k;
	for (i = 0; i < hm->n; i++, k = (k + 1) % hm->n)
		if (hm->s[k].link < 0)
			return k;
	return k;
}

static int slot_of_link(const struct hook_model *hm, int link)
{
	int i;

	for (i = 0; i < hm->n; i++)
		if (hm->s[i].link == link)
			return i;
	return -1;
}

static void model_fail(struct world *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void model_fail(struct world *w, const char *fmt, ...)
{
	char msg[320];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fail(w->name, "op %lu: %s", w->ops, msg);
	w->broken = true;
}

/* Compare the result of a call with the model's prediction. */
static bool expect_ret(struct world *w, int kind, int ret, int want,
		       const char *what)
{
	if ((want == 0 && ret >= 0) || ret == want) {
		count(ret >= 0 ? &sh->ok[kind] : &sh->refused[kind], 1);
		return ret >= 0;
	}
	model_fail(w, "%s: got %d (%s), want %d (%s)", what, ret,
		   ret < 0 ? strerror(-ret) : "ok", want,
		   want < 0 ? strerror(-want) : "ok");
	return false;
}

static void fmt_hook(char *buf, size_t len, const __u32 *p, const __u32 *l,
		     int n)
{
	size_t off = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < n && off + 24 < len; i++)
		off += snprintf(buf + off, len - off, "%s%u/%u", i ? "," : "",
				p[i], l[i]);
}

/* Query hook H in its namespace and compare it with the model. */
static void check_hook(struct world *w, int h)
{
	const struct hook_model *hm = &w->hooks[h];
	__u32 p[TCX_MAX_PROGS + 1], l[TCX_MAX_PROGS + 1];
	__u32 ep[TCX_MAX_PROGS + 1], el[TCX_MAX_PROGS + 1];
	char got[160], want[160];
	LIBTCX_OPTS(tcx_query, q, .count = TCX_MAX_PROGS + 1, .prog_ids = p,
		    .link_ids = l);
	bool same;
	int ret, i;

	if (w->broken)
		return;
	if (ns_enter(hook_ns(w, h)))
		return model_fail(w, "setns: %s", strerror(errno));
	ret = tcx_query(hook_ifindex(w, h), hook_dir(h), &q);
	ns_enter(w->home);
	count(&sh->checks, 1);
	if (ret)
		return model_fail(w, "query hook %d: %s", h, strerror(-ret));
	for (i = 0; i < hm->n; i++) {
		ep[i] = sh->prog_ids[hm->s[i].prog];
		el[i] = hm->s[i].link < 0 ? 0 : w->links[hm->s[i].link].id;
	}
	same = q.count == (__u32)hm->n && q.revision == hm->rev &&
	       !memcmp(p, ep, hm->n * sizeof(p[0])) &&
	       !memcmp(l, el, hm->n * sizeof(l[0]));
	if (same)
		return;
	fmt_hook(got, sizeof(got), p, l, q.count);
	fmt_hook(want, sizeof(want), ep, el, hm->n);
	model_fail(w, "hook %d: count %u rev %llu [%s], model %d rev %llu [%s]",
		   h, q.count, (unsigned long long)q.revision, got, hm->n,
		   (unsigned long long)hm->rev, want);
}

/* The link's info against the model: program, device, pin. */
static void check_link(struct world *w, int li)
{
	const struct link_model *lm = &w->links[li];
	struct tcx_link_info info;
	__u32 want_if, want_flags;
	int ret;

	if (w->broken || !lm->nfds)
		return;
	ret = tcx_link_get_info(lm->fd[0], &info);
	count(&sh->checks, 1);
	if (ret)
		return model_fail(w, "link %u info: %s", lm->id, strerror(-ret));
	want_if = lm->hook < 0 ? 0 : hook_ifindex(w, lm->hook);
	want_flags = (lm->hook < 0 ? TCX_LINK_F_DEFUNCT : 0) |
		     (lm->pinned ? TCX_LINK_F_PINNED : 0);
	if (info.id != lm->id || info.prog_id != sh->prog_ids[lm->prog] ||
	    info.ifindex != want_if || info.flags != want_flags ||
	    (lm->hook >= 0 && info.direction != (__u32)hook_dir(lm->hook)))
		model_fail(w, "link %u: id %u prog %u ifindex %u flags %#x, model prog %u ifindex %u flags %#x",
			   lm->id, info.id, info.prog_id, info.ifindex,
			   info.flags, sh->prog_ids[lm->prog], want_if,
			   want_flags);
}

static void check_all(struct world *w)
{
	int i;

	for (i = 0; i < HOOKS; i++)
		check_hook(w, i);
	for (i = 0; i < MAX_LINKS; i++)
		if (w->links[i].used)
			check_link(w, i);
}

/* A random link of the model that has an fd, or -1. */
static int pick_link(struct world *w, bool need_fd)
{
	int i, start = rnd(w, MAX_LINKS);

	for (i = 0; i < MAX_LINKS; i++) {
		struct link_model *lm = &w->links[(start + i) % MAX_LINKS];

		if (lm->used && (!need_fd || lm->nfds))
			return (start + i) % MAX_LINKS;
	}
	return -1;
}

static int free_link_slot(struct world *w)
{
	int i;

	for (i = 0; i < MAX_LINKS; i++)
		if (!w->links[i].used)
			return i;
	return -1;
}

static void link_forget(struct world *w, int li)
{
	struct link_model *lm = &w->links[li];

	w->dead[w->ndead++ % MAX_DEAD] = lm->id;
	memset(lm, 0, sizeof(*lm));
}

/* The devices went away: programs with them, links defunct. */
static void model_devices_gone(struct world *w)
{
	int h, i;

	for (h = 0; h < HOOKS; h++) {
		for (i = 0; i < w->hooks[h].n; i++)
			if (w->hooks[h].s[i].link >= 0)
				w->links[w->hooks[h].s[i].link].hook = -1;
		w->hooks[h].n = 0;
		w->hooks[h].rev = 1;
	}
}

/*
 * Name slot K of hook HM as the relative object, any of the four ways
 * that fit: program fd or id, or for a link's slot the link's fd or id.
 */
static void set_anchor(struct world *w, const struct hook_model *hm, int k,
		       struct tcx_opts *o)
{
	const struct slot *s = &hm->s[k];
	const struct link_model *lm = s->link < 0 ? NULL : &w->links[s->link];

	switch (rnd(w, 4)) {
	case 0:
		o->relative_fd = sh->progs[s->prog];
		break;
	case 1:
		o->relative_id = sh->prog_ids[s->prog];
		break;
	default:
		if (!lm) {
			o->relative_fd = sh->progs[s->prog];
			break;
		}
		o->flags |= TCX_F_LINK;
		if (lm->nfds && rnd(w, 2))
			o->relative_fd = lm->fd[0];
		else
			o->relative_id = lm->id;
		break;
	}
}

/* Attach through the program API or create a link, anywhere. */
static void op_attach(struct world *w, bool link)
{
	int h = rnd(w, HOOKS), kind, want = 0, pos, k;
	struct hook_model *hm = &w->hooks[h];
	int p = pick_prog(w, hm);
	LIBTCX_OPTS(tcx_opts, o);
	bool replace = false;
	int ret, li = -1, q;
	char what[64];

	kind = link ? OP_LINK_CREATE : OP_ATTACH;
	pos = hm->n;
	switch (rnd(w, 8)) {
	case 2:
		o.flags = TCX_F_BEFORE;
		pos = 0;
		break;
	case 3:
		o.flags = TCX_F_AFTER;
		break;
	case 4:
	case 5:
		if (!hm->n)
			break;
		k = rnd(w, hm->n);
		o.flags = rnd(w, 2) ? TCX_F_BEFORE : TCX_F_AFTER;
		pos = o.flags & TCX_F_BEFORE ? k : k + 1;
		set_anchor(w, hm, k, &o);
		break;
	case 6:
		/* Relative to a program that is not on the hook. */
		q = rnd(w, NPROGS);
		if (q == p || slot_of(hm, q) >= 0)
			break;
		o.flags = rnd(w, 2) ? TCX_F_BEFORE : TCX_F_AFTER;
		o.relative_fd = sh->progs[q];
		want = -ENOENT;
		break;
	case 7:
		if (link || !hm->n)
			break;
		k = pick_slot(w, hm);
		o.flags = TCX_F_REPLACE;
		o.replace_prog_fd = sh->progs[hm->s[k].prog];
		want = hm->s[k].link >= 0 ? -EBUSY : 0;
		pos = k;
		replace = true;
		kind = OP_REPLACE;
		break;
	default:
		break;
	}
	switch (rnd(w, 10)) {
	case 0:
		o.expected_revision = hm->rev + 1 + rnd(w, 3);
		want = -ESTALE;
		break;
	case 1:
	case 2:
	case 3:
		o.expected_revision = hm->rev;
		break;
	}
	if (want != -ESTALE && slot_of(hm, p) >= 0)
		want = -EEXIST;
	if (link) {
		li = free_link_slot(w);
		if (li < 0)
			return;
	}

	if (ns_enter(hook_ns(w, h)))
		return model_fail(w, "setns: %s", strerror(errno));
	if (link) {
		o.tag = w->name;
		ret = tcx_link_create(hook_ifindex(w, h), hook_dir(h),
				      sh->progs[p], &o);
	} else {
		ret = tcx_prog_attach(hook_ifindex(w, h), hook_dir(h),
				      sh->progs[p], &o);
	}
	ns_enter(w->home);
	snprintf(what, sizeof(what), "%s hook %d prog %d flags %#x rev %llu",
		 op_names[kind], h, p, o.flags,
		 (unsigned long long)o.expected_revision);
	if (!expect_ret(w, kind, ret, want, what)) {
		if (ret >= 0 && link)
			close(ret);
		check_hook(w, h);
		return;
	}

	if (replace) {
		hm->s[pos].prog = p;
		hm->rev++;
	} else if (link) {
		struct link_model *lm = &w->links[li];
		struct tcx_link_info info;

		memset(lm, 0, sizeof(*lm));
		lm->used = true;
		lm->fd[0] = ret;
		lm->nfds = 1;
		lm->hook = h;
		lm->prog = p;
		if (tcx_link_get_info(ret, &info))
			return model_fail(w, "new link: no info");
		lm->id = info.id;
		slot_insert(hm, pos, p, li);
		check_link(w, li);
	} else {
		slot_insert(hm, pos, p, -1);
	}
	check_hook(w, h);
}

static void op_detach(struct world *w)
{
	int h = rnd(w, HOOKS), p = -1, k = -1, want, ret;
	struct hook_model *hm = &w->hooks[h];
	LIBTCX_OPTS(tcx_opts, o);
	char what[64];

	switch (rnd(w, 4)) {
	case 0:
	case 1:
		k = pick_slot(w, hm);
		p = k >= 0 && rnd(w, 4) ? hm->s[k].prog : (int)rnd(w, NPROGS);
		k = slot_of(hm, p);
		break;
	case 2:
		k = hm->n - 1;
		break;
	case 3:
		o.flags = TCX_F_BEFORE;
		k = hm->n ? 0 : -1;
		break;
	}
	if (k < 0)
		want = -ENOENT;
	else
		want = hm->s[k].link >= 0 ? -EBUSY : 0;
	if (hm->n && !rnd(w, 10)) {
		o.expected_revision = hm->rev + 1;
		want = -ESTALE;
	}

	if (ns_enter(hook_ns(w, h)))
		return model_fail(w, "setns: %s", strerror(errno));
	ret = tcx_prog_detach(hook_ifindex(w, h), hook_dir(h),
			      p < 0 ? 0 : sh->progs[p], &o);
	ns_enter(w->home);
	snprintf(what, sizeof(what), "detach hook %d prog %d flags %#x", h, p,
		 o.flags);
	if (expect_ret(w, OP_DETACH, ret, want, what))
		slot_remove(hm, k);
	check_hook(w, h);
}

static void op_link_update(struct world *w)
{
	int li = pick_link(w, true), want = 0, ret, k, i, q;
	LIBTCX_OPTS(tcx_link_update_opts, o);
	struct link_model *lm;
	struct hook_model *hm;
	char what[64];
	int wrong;

	/* Mostly a link that is still attached. */
	for (i = 0; li >= 0 && w->links[li].hook < 0 && i < 3; i++)
		li = pick_link(w, true);
	if (li < 0)
		return op_attach(w, true);
	lm = &w->links[li];
	hm = lm->hook < 0 ? NULL : &w->hooks[lm->hook];
	q = hm ? pick_prog(w, hm) : (int)rnd(w, NPROGS);
	switch (rnd(w, 6)) {
	case 0:
	case 1:
		o.flags = TCX_F_REPLACE;
		o.old_prog_fd = sh->progs[lm->prog];
		break;
	case 2:
		wrong = (lm->prog + 1 + rnd(w, NPROGS - 1)) % NPROGS;
		o.flags = TCX_F_REPLACE;
		o.old_prog_fd = sh->progs[wrong];
		want = -EPERM;
		break;
	}
	if (!hm)
		want = -ENOLINK;
	else if (!want && q != lm->prog && slot_of(hm, q) >= 0)
		want = -EEXIST;

	ret = tcx_link_update(lm->fd[0], sh->progs[q], &o);
	snprintf(what, sizeof(what), "link %u update %d -> %d flags %#x",
		 lm->id, lm->prog, q, o.flags);
	if (expect_ret(w, OP_LINK_UPDATE, ret, want, what) && q != lm->prog) {
		k = slot_of_link(hm, li);
		hm->s[k].prog = q;
		hm->rev++;
		lm->prog = q;
	}
	if (hm)
		check_hook(w, lm->hook);
	check_link(w, li);
}

static void op_link_detach(struct world *w)
{
	int li = pick_link(w, true), ret, h;
	struct link_model *lm;

	if (li < 0)
		return;
	lm = &w->links[li];
	h = lm->hook;
	ret = tcx_link_detach(lm->fd[0]);
	if (!expect_ret(w, OP_LINK_DETACH, ret, 0, "link detach"))
		return;
	if (h >= 0) {
		slot_remove(&w->hooks[h], slot_of_link(&w->hooks[h], li));
		lm->hook = -1;
		check_hook(w, h);
	}
	check_link(w, li);
}

/* Close one fd; the last one of an unpinned link takes it away. */
static void op_link_close(struct world *w)
{
	int li = pick_link(w, true), h;
	struct link_model *lm;

	if (li < 0)
		return;
	lm = &w->links[li];
	if (!expect_ret(w, OP_LINK_CLOSE, close(lm->fd[--lm->nfds]) ? -errno : 0,
			0, "close"))
		return;
	if (lm->nfds) {
		check_link(w, li);
		return;
	}
	if (lm->pinned)
		return;
	h = lm->hook;
	if (h >= 0)
		slot_remove(&w->hooks[h], slot_of_link(&w->hooks[h], li));
	link_forget(w, li);
	if (h >= 0)
		check_hook(w, h);
}

static void op_pin(struct world *w, bool pin)
{
	int li = pick_link(w, true), ret;
	struct link_model *lm;

	if (li < 0)
		return;
	lm = &w->links[li];
	ret = pin ? tcx_link_pin(lm->fd[0]) : tcx_link_unpin(lm->fd[0]);
	if (expect_ret(w, pin ? OP_PIN : OP_UNPIN, ret, 0,
		       pin ? "pin" : "unpin"))
		lm->pinned = pin;
	check_link(w, li);
}

static void op_get_fd_by_id(struct world *w)
{
	struct tcx_link_info info;
	struct link_model *lm;
	int li, ret, i;
	__u32 id;

	if (w->ndead && !rnd(w, 3)) {
		i = rnd(w, w->ndead < MAX_DEAD ? w->ndead : MAX_DEAD);
		id = w->dead[i];
		ret = tcx_link_get_fd_by_id(id);
		if (ret >= 0)
			close(ret);
		expect_ret(w, OP_GET_FD_BY_ID, ret, -ENOENT, "closed link id");
		return;
	}
	li = pick_link(w, false);
	if (li < 0 || w->links[li].nfds == 2)
		return;
	lm = &w->links[li];
	ret = tcx_link_get_fd_by_id(lm->id);
	if (!expect_ret(w, OP_GET_FD_BY_ID, ret, 0, "link id"))
		return;
	lm->fd[lm->nfds++] = ret;
	if (tcx_link_get_info(ret, &info) || info.id != lm->id)
		return model_fail(w, "fd by id %u: a different link", lm->id);
	check_link(w, li);
}

static void op_query(struct world *w)
{
	count(&sh->ok[OP_QUERY], 1);
	check_hook(w, rnd(w, HOOKS));
}

/* The old devices must be gone from NSX: their ifindex is unknown. */
static bool wait_dev_gone(struct world *w, int ifindex)
{
	LIBTCX_OPTS(tcx_query, q);
	int i, ret = 0;

	if (ns_enter(w->nsx))
		return false;
	for (i = 0; i < 3000; i++) {
		ret = tcx_query(ifindex, TCX_DIR_INGRESS, &q);
		if (ret == -ENODEV)
			break;
		rel_msleep(10);
	}
	ns_enter(w->home);
	return ret == -ENODEV;
}

static void op_dev_recreate(struct world *w, bool netns)
{
	int kind = netns ? OP_NETNS_RECREATE : OP_DEV_RECREATE, ret;

	if (netns) {
		/* The last reference to nsY: its teardown deletes the pair. */
		ns_drop(&w->nsy);
		ret = 0;
	} else {
		ret = veth_del(w->home, w->nsx, w->ifx);
	}
	if (!expect_ret(w, kind, ret, 0, netns ? "netns del" : "link del"))
		return;
	if (!wait_dev_gone(w, w->ifx))
		return model_fail(w, "v0 (ifindex %d) still there", w->ifx);
	if (netns)
		count(&sh->dev_destroyed, 2);
	model_devices_gone(w);

	if (netns) {
		w->nsy = ns_new(w->home);
		if (w->nsy < 0)
			return model_fail(w, "new netns: %s",
					  strerror(-w->nsy));
	}
	ret = veth_make(w->home, w->nsx, w->nsy, w->net, &w->ifx, &w->ify);
	if (ret)
		return model_fail(w, "veth: %s", strerror(-ret));
	check_all(w);
}

/* Relative weights of the operations of an owner. */
static const struct {
	int kind;
	int weight;
} owner_mix[] = {
	{ OP_ATTACH,		18 },
	{ OP_DETACH,		14 },
	{ OP_LINK_CREATE,	14 },
	{ OP_LINK_UPDATE,	8 },
	{ OP_LINK_DETACH,	5 },
	{ OP_LINK_CLOSE,	12 },
	{ OP_PIN,		4 },
	{ OP_UNPIN,		3 },
	{ OP_GET_FD_BY_ID,	6 },
	{ OP_QUERY,		4 },
	{ OP_DEV_RECREATE,	2 },
	{ OP_NETNS_RECREATE,	1 },
};

static void owner_op(struct world *w)
{
	int i, total = 0, r;

	for (i = 0; i < (int)ARRAY_SIZE(owner_mix); i++)
		total += owner_mix[i].weight;
	r = rnd(w, total);
	for (i = 0; r >= owner_mix[i].weight; i++)
		r -= owner_mix[i].weight;

	switch (owner_mix[i].kind) {
	case OP_ATTACH:
		return op_attach(w, false);
	case OP_DETACH:
		return op_detach(w);
	case OP_LINK_CREATE:
		return op_attach(w, true);
	case OP_LINK_UPDATE:
		return op_link_update(w);
	case OP_LINK_DETACH:
		return op_link_detach(w);
	case OP_LINK_CLOSE:
		return op_link_close(w);
	case OP_PIN:
		return op_pin(w, true);
	case OP_UNPIN:
		return op_pin(w, false);
	case OP_GET_FD_BY_ID:
		return op_get_fd_by_id(w);
	case OP_QUERY:
		return op_query(w);
	case OP_DEV_RECREATE:
		return op_dev_recreate(w, false);
	case OP_NETNS_RECREATE:
		return op_dev_recreate(w, true);
	}
}

/*
 * Quiescent end: everything the model holds is checked once more, then
 * taken down the way a user would, checking the hooks on the way, and
 * every link id the world ever had must be unknown afterwards.
 */
static void owner_cleanup(struct world *w)
{
	struct link_model *lm;
	int li, h, ret, i;

	check_all(w);
	for (li = 0; li < MAX_LINKS; li++) {
		lm = &w->links[li];
		if (!lm->used)
			continue;
		if (!lm->nfds) {
			ret = tcx_link_get_fd_by_id(lm->id);
			if (ret < 0) {
				model_fail(w, "pinned link %u lost: %s", lm->id,
					   strerror(-ret));
				continue;
			}
			lm->fd[lm->nfds++] = ret;
		}
		if (lm->pinned && tcx_link_unpin(lm->fd[0]))
			model_fail(w, "unpin %u", lm->id);
		lm->pinned = false;
		while (lm->nfds)
			close(lm->fd[--lm->nfds]);
		h = lm->hook;
		if (h >= 0)
			slot_remove(&w->hooks[h],
				    slot_of_link(&w->hooks[h], li));
		link_forget(w, li);
		if (h >= 0)
			check_hook(w, h);
	}
	for (h = 0; h < HOOKS; h++) {
		if (ns_enter(hook_ns(w, h)))
			break;
		while (w->hooks[h].n) {
			ret = tcx_prog_detach(hook_ifindex(w, h), hook_dir(h),
					      0, NULL);
			if (ret) {
				model_fail(w, "final detach: %s",
					   strerror(-ret));
				break;
			}
			slot_remove(&w->hooks[h], w->hooks[h].n - 1);
		}
		ns_enter(w->home);
		check_hook(w, h);
	}
	for (i = 0; i < w->ndead && i < MAX_DEAD; i++) {
		ret = tcx_link_get_fd_by_id(w->dead[i]);
		if (ret >= 0) {
			close(ret);
			fail(w->name, "link %u still there after its last close",
			     w->dead[i]);
		}
	}
}

static void *owner_main(void *arg)
{
	struct world *w = arg;
	int ret, i;

	for (i = 0; i < HOOKS; i++)
		w->hooks[i].rev = 1;
	w->home = ns_self();
	w->nsx = ns_new(w->home);
	w->nsy = ns_new(w->home);
	if (w->home < 0 || w->nsx < 0 || w->nsy < 0) {
		fail(w->name, "namespaces: %s", strerror(errno));
		return NULL;
	}
	ret = veth_make(w->home, w->nsx, w->nsy, w->net, &w->ifx, &w->ify);
	if (ret) {
		fail(w->name, "veth: %s", strerror(-ret));
		return NULL;
	}
	w->sender.nsfd = &w->nsx;
	w->sender.net = w->net;
	if (sender_start(&w->sender)) {
		fail(w->name, "sender thread");
		return NULL;
	}

	while (!time_up() && !w->broken) {
		w->ops++;
		owner_op(w);
		if (!(w->ops % 16))
			check_all(w);
	}
	sender_stop(&w->sender);
	if (!w->broken)
		owner_cleanup(w);

	if (veth_del(w->home, w->nsx, w->ifx))
		fail(w->name, "final link del");
	ns_drop(&w->nsy);
	ns_drop(&w->nsx);
	close(w->home);
	return NULL;
}

static void owner_process(int proc, int threads)
{
	struct world worlds[MAX_THREADS];
	int i;

	memset(worlds, 0, sizeof(worlds));
	for (i = 0; i < threads; i++) {
		struct world *w = &worlds[i];

		w->net = proc * MAX_THREADS + i;
		snprintf(w->name, sizeof(w->name), "owner%d.%d", proc, i);
		w->rng = rel_seed_init(stress_seed + w->net);
		if (pthread_create(&w->thread, NULL, owner_main, w)) {
			fail(w->name, "pthread_create");
			threads = i;
			break;
		}
	}
	for (i = 0; i < threads; i++)
		pthread_join(worlds[i].thread, NULL);
}

/* ---- chaos: racers and a reaper on one shared pair of devices ------ */

struct chaos {
	pthread_mutex_t lock;
	int home;
	int ns[2];		/* -1: being replaced or gone */
	int ifindex[2];
	unsigned int gen;
	struct sender sender;
};

struct racer {
	struct chaos *c;
	char name[16];
	__u64 rng;
	int fd[RACER_LINKS];
	__u32 id[RACER_LINKS];
	bool pinned[RACER_LINKS];
	int nlinks;
	/* Pinned links whose fds this racer closed: still there by id. */
	__u32 orphan[RACER_LINKS];
	int norphans;
	__u32 all_ids[RACER_IDS];	/* the last ones created, a ring */
	int nall;
};

/* One of the allowed results, else a failure. */
static void chaos_expect(struct racer *r, int kind, int ret,
			 const int *allowed, int n)
{
	int i;

	if (ret >= 0) {
		count(&sh->ok[kind], 1);
		return;
	}
	for (i = 0; i < n; i++) {
		if (ret == allowed[i]) {
			count(&sh->refused[kind], 1);
			return;
		}
	}
	fail(r->name, "%s: unexpected %s", op_names[kind], strerror(-ret));
}

#define CHAOS_EXPECT(r, kind, ret, ...)					\
	do {								\
		const int __a[] = { __VA_ARGS__ };			\
		chaos_expect(r, kind, ret, __a, ARRAY_SIZE(__a));	\
	} while (0)

static void racer_drop_link(struct racer *r, int i)
{
	r->nlinks--;
	r->fd[i] = r->fd[r->nlinks];
	r->id[i] = r->id[r->nlinks];
	r->pinned[i] = r->pinned[r->nlinks];
}

static void racer_op(struct racer *r, int ifindex)
{
	enum tcx_dir dir = rel_rnd(&r->rng, 2);
	int p = rel_rnd(&r->rng, NPROGS), q = rel_rnd(&r->rng, NPROGS);
	int i = r->nlinks ? (int)rel_rnd(&r->rng, r->nlinks) : -1;
	LIBTCX_OPTS(tcx_opts, o);
	struct tcx_link_info info;
	int ret;

	switch (rel_rnd(&r->rng, 5)) {
	case 1:
		o.flags = TCX_F_BEFORE;
		break;
	case 2:
		o.flags = TCX_F_AFTER;
		o.relative_fd = sh->progs[q];
		break;
	case 3:
		o.flags = TCX_F_BEFORE;
		o.relative_id = sh->prog_ids[q];
		break;
	}

	switch (rel_rnd(&r->rng, 10)) {
	case 0:
	case 1:
		ret = tcx_prog_attach(ifindex, dir, sh->progs[p], &o);
		CHAOS_EXPECT(r, OP_ATTACH, ret, -ENODEV, -EEXIST, -ENOENT);
		break;
	case 2: {
		LIBTCX_OPTS(tcx_opts, rep, .flags = TCX_F_REPLACE,
			    .replace_prog_fd = sh->progs[q]);

		ret = tcx_prog_attach(ifindex, dir, sh->progs[p], &rep);
		CHAOS_EXPECT(r, OP_REPLACE, ret, -ENODEV, -EEXIST, -ENOENT,
			     -EBUSY);
		break;
	}
	case 3:
		ret = tcx_prog_detach(ifindex, dir,
				      rel_rnd(&r->rng, 2) ? sh->progs[p] : 0,
				      NULL);
		CHAOS_EXPECT(r, OP_DETACH, ret, -ENODEV, -ENOENT, -EBUSY);
		break;
	case 4:
	case 5:
		if (r->nlinks == RACER_LINKS)
			break;
		ret = tcx_link_create(ifindex, dir, sh->progs[p], &o);
		CHAOS_EXPECT(r, OP_LINK_CREATE, ret, -ENODEV, -EEXIST, -ENOENT);
		if (ret < 0)
			break;
		if (tcx_link_get_info(ret, &info)) {
			fail(r->name, "new link without info");
			close(ret);
			break;
		}
		r->fd[r->nlinks] = ret;
		r->id[r->nlinks] = info.id;
		r->pinned[r->nlinks++] = false;
		r->all_ids[r->nall++ % RACER_IDS] = info.id;
		break;
	case 6:
		if (i < 0)
			break;
		ret = tcx_link_update(r->fd[i], sh->progs[p], NULL);
		CHAOS_EXPECT(r, OP_LINK_UPDATE, ret, -ENOLINK, -EEXIST);
		break;
	case 7:
		if (i < 0)
			break;
		ret = tcx_link_detach(r->fd[i]);
		CHAOS_EXPECT(r, OP_LINK_DETACH, ret);
		break;
	case 8:
		if (i < 0)
			break;
		if (!r->pinned[i] && rel_rnd(&r->rng, 2)) {
			ret = tcx_link_pin(r->fd[i]);
			CHAOS_EXPECT(r, OP_PIN, ret);
			r->pinned[i] = !ret;
			break;
		}
		if (r->pinned[i] && r->norphans < RACER_LINKS) {
			r->orphan[r->norphans++] = r->id[i];
		} else if (r->pinned[i]) {
			ret = tcx_link_unpin(r->fd[i]);
			CHAOS_EXPECT(r, OP_UNPIN, ret);
		}
		close(r->fd[i]);
		count(&sh->ok[OP_LINK_CLOSE], 1);
		racer_drop_link(r, i);
		break;
	case 9: {
		LIBTCX_OPTS(tcx_query, qr);

		if (r->norphans && r->nlinks < RACER_LINKS) {
			/* A pinned link outlives fds and devices alike. */
			ret = tcx_link_get_fd_by_id(r->orphan[--r->norphans]);
			CHAOS_EXPECT(r, OP_GET_FD_BY_ID, ret);
			if (ret < 0)
				break;
			r->fd[r->nlinks] = ret;
			r->id[r->nlinks] = r->orphan[r->norphans];
			r->pinned[r->nlinks++] = true;
			break;
		}
		ret = tcx_query(ifindex, dir, &qr);
		CHAOS_EXPECT(r, OP_QUERY, ret, -ENODEV);
		break;
	}
	}
}

static void *racer_main(void *arg)
{
	struct racer *r = arg;
	struct chaos *c = r->c;
	int home = ns_self(), fd, ifindex, dev;

	while (!time_up()) {
		dev = rel_rnd(&r->rng, 2);
		pthread_mutex_lock(&c->lock);
		fd = c->ns[dev] < 0 ? -1 : dup(c->ns[dev]);
		ifindex = c->ifindex[dev];
		pthread_mutex_unlock(&c->lock);
		if (fd < 0) {
			rel_msleep(1);
			continue;
		}
		/* From here on the reaper may take the device away. */
		if (ns_enter(fd)) {
			fail(r->name, "setns: %s", strerror(errno));
			close(fd);
			break;
		}
		close(fd);
		racer_op(r, ifindex);
		ns_enter(home);
	}
	close(home);
	return NULL;
}

/* A link of the chaos world once its devices are gone: defunct. */
static void racer_check_defunct(struct racer *r, int fd)
{
	struct tcx_link_info info;
	int ret, tries;

	/* Namespace teardown runs in a workqueue: give it time. */
	for (tries = 0; tries < 3000; tries++) {
		ret = tcx_link_get_info(fd, &info);
		if (ret || info.flags & TCX_LINK_F_DEFUNCT)
			break;
		rel_msleep(10);
	}
	count(&sh->checks, 1);
	if (ret || !(info.flags & TCX_LINK_F_DEFUNCT) || info.ifindex)
		fail(r->name, "link %u not defunct after its device went (flags %#x ifindex %u)",
		     info.id, info.flags, info.ifindex);
}

/*
 * After the chaos world is gone: every link of the racers, pinned ones
 * whose fds were closed included, is defunct, and once unpinned and
 * closed no id of theirs is left.
 */
static void racer_finish(struct racer *r)
{
	int i, fd;

	for (i = 0; i < r->nlinks; i++) {
		racer_check_defunct(r, r->fd[i]);
		if (r->pinned[i] && tcx_link_unpin(r->fd[i]))
			fail(r->name, "unpin");
		close(r->fd[i]);
	}
	r->nlinks = 0;
	for (i = 0; i < r->norphans; i++) {
		fd = tcx_link_get_fd_by_id(r->orphan[i]);
		if (fd < 0) {
			fail(r->name, "pinned link %u gone: %s", r->orphan[i],
			     strerror(-fd));
			continue;
		}
		racer_check_defunct(r, fd);
		if (tcx_link_unpin(fd))
			fail(r->name, "unpin");
		close(fd);
	}
	r->norphans = 0;
	for (i = 0; i < r->nall && i < RACER_IDS; i++) {
		fd = tcx_link_get_fd_by_id(r->all_ids[i]);
		if (fd >= 0) {
			close(fd);
			fail(r->name, "link %u outlived its fds",
			     r->all_ids[i]);
		}
	}
}

static int chaos_world_new(struct chaos *c, unsigned int *gen)
{
	c->ns[0] = ns_new(c->home);
	c->ns[1] = ns_new(c->home);
	if (c->ns[0] < 0 || c->ns[1] < 0)
		return -1;
	(*gen)++;
	return veth_make(c->home, c->ns[0], c->ns[1], 250, &c->ifindex[0],
			 &c->ifindex[1]);
}

static void chaos_world_drop(struct chaos *c)
{
	ns_drop(&c->ns[0]);
	ns_drop(&c->ns[1]);
}

static void chaos_process(int racers)
{
	struct racer rs[MAX_RACERS];
	pthread_t threads[MAX_RACERS];
	struct chaos c = { .lock = PTHREAD_MUTEX_INITIALIZER };
	__u64 rng = rel_seed_init(stress_seed ^ 0xc4a05);
	int i, ret;

	c.home = ns_self();
	if (chaos_world_new(&c, &c.gen)) {
		fail("chaos", "world: %s", strerror(errno));
		return;
	}
	c.sender.lock = &c.lock;
	c.sender.nsfd = &c.ns[0];
	c.sender.gen = &c.gen;
	c.sender.net = 250;
	if (sender_start(&c.sender)) {
		fail("chaos", "sender thread");
		return;
	}
	memset(rs, 0, sizeof(rs));
	for (i = 0; i < racers; i++) {
		rs[i].c = &c;
		snprintf(rs[i].name, sizeof(rs[i].name), "racer%d", i);
		rs[i].rng = rel_seed_init(stress_seed * 31 + i + 1000);
		if (pthread_create(&threads[i], NULL, racer_main, &rs[i])) {
			fail("chaos", "pthread_create");
			racers = i;
			break;
		}
	}

	/* The reaper. */
	while (!time_up()) {
		rel_msleep(100 + rel_rnd(&rng, 300));
		pthread_mutex_lock(&c.lock);
		if (rel_rnd(&rng, 3)) {
			count(&sh->ok[OP_DEV_RECREATE], 1);
			ret = veth_del(c.home, c.ns[0], c.ifindex[0]);
			if (!ret)
				ret = veth_make(c.home, c.ns[0], c.ns[1], 250,
						&c.ifindex[0], &c.ifindex[1]);
		} else {
			count(&sh->ok[OP_NETNS_RECREATE], 1);
			/* The pair goes with the namespaces, a little later. */
			count(&sh->dev_destroyed, 2);
			chaos_world_drop(&c);
			ret = chaos_world_new(&c, &c.gen);
		}
		pthread_mutex_unlock(&c.lock);
		if (ret) {
			fail("chaos", "reaper: %s", strerror(-ret));
			break;
		}
	}

	for (i = 0; i < racers; i++)
		pthread_join(threads[i], NULL);
	pthread_mutex_lock(&c.lock);
	if (veth_del(c.home, c.ns[0], c.ifindex[0]))
		fail("chaos", "final link del");
	chaos_world_drop(&c);
	c.gen++;
	pthread_mutex_unlock(&c.lock);
	sender_stop(&c.sender);
	for (i = 0; i < racers; i++)
		racer_finish(&rs[i]);
	close(c.home);
}

/* ---- the test ------------------------------------------------------ */

static const int prog_rets[NPROGS] = {
	TCX_NEXT, TCX_NEXT, TCX_NEXT, TCX_NEXT, TCX_NEXT, TCX_NEXT,
	TCX_NEXT, TCX_NEXT, TCX_NEXT, TCX_NEXT, TCX_PASS, TCX_DROP,
};

static pid_t spawn(void (*fn)(int, int), int a, int b)
{
	pid_t pid = fork();

	if (pid)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	fn(a, b);
	_exit(0);
}

static void chaos_entry(int racers, int unused)
{
	(void)unused;
	chaos_process(racers);
}

static void print_stats(unsigned long secs, int procs, int threads,
			int racers)
{
	unsigned long ok = 0, refused = 0;
	int k;

	printf("# stress: %lu s, %d processes x %d owner threads, %d racers, seed %llu (STRESS_SEED to replay)\n",
	       secs, procs, threads, racers, (unsigned long long)stress_seed);
	printf("# %-16s %10s %10s\n", "operation", "ok", "refused");
	for (k = 0; k < OP_KINDS; k++) {
		printf("# %-16s %10lu %10lu\n", op_names[k], sh->ok[k],
		       sh->refused[k]);
		ok += sh->ok[k];
		refused += sh->refused[k];
	}
	printf("# %-16s %10lu %10lu\n", "total", ok, refused);
	printf("# packets sent %lu (send errors %lu)\n", sh->packets,
	       sh->send_errors);
	printf("# devices created %lu, destroyed %lu; network namespaces created %lu, destroyed %lu\n",
	       sh->dev_created, sh->dev_destroyed, sh->ns_created,
	       sh->ns_destroyed);
	printf("# states compared with the model: %lu; failures: %lu\n",
	       sh->checks, sh->failures);
	fflush(stdout);
}

FIXTURE(stress) {
	int unused;
};

FIXTURE_SETUP(stress)
{
	/* The harness's test process ends with _exit(): no buffered output. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	ASSERT_EQ(0, tcx_test_netns());
	ASSERT_EQ(0, access("/dev/" TCX_DEVICE_NAME, F_OK));
}

FIXTURE_TEARDOWN(stress)
{
}

/* The harness's timeout is fixed at build time: STRESS_SECONDS must fit. */
#define STRESS_TIMEOUT	3600
/* Seconds the kernel gets to drop the programs once the test closed them. */
#define RELEASE_WAIT	120

TEST_F_TIMEOUT(stress, run, STRESS_TIMEOUT)
{
	unsigned long secs = rel_env("STRESS_SECONDS", 30);
	int procs = rel_env("STRESS_PROCS", 2);
	int threads = rel_env("STRESS_THREADS", 2);
	int racers = rel_env("STRESS_RACERS", 2);
	static __u32 before[MAX_ALL_IDS], after[MAX_ALL_IDS];
	pid_t pids[MAX_THREADS + 1];
	int nbefore, nafter, i, st, npids = 0;
	long refcnt, now;
	double limit, t0;

	ASSERT_GE(STRESS_TIMEOUT - 300, (long)secs);
	ASSERT_LE(1, procs);
	ASSERT_GE(MAX_THREADS, procs);
	ASSERT_LE(1, threads);
	ASSERT_GE(MAX_THREADS, threads);
	ASSERT_GE(MAX_RACERS, racers);
	stress_seed = rel_env("STRESS_SEED", 0);
	if (!stress_seed)
		stress_seed = (__u64)time(NULL) ^ getpid();

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, sh);
	memset(sh, 0, sizeof(*sh));

	/* What the kernel holds before: tcx.ko's references, program ids. */
	refcnt = rel_module_refcnt();
	ASSERT_LE(0, refcnt);
	nbefore = rel_prog_ids(before, MAX_ALL_IDS);
	ASSERT_LE(0, nbefore);
	ASSERT_GE(MAX_ALL_IDS - NPROGS, nbefore);
	for (i = 0; i < NPROGS; i++) {
		sh->progs[i] = tcx_load_raw_prog(BPF_PROG_TYPE_SCHED_CLS,
						 prog_rets[i]);
		ASSERT_LE(0, sh->progs[i]);
		sh->prog_ids[i] = tcx_prog_id(sh->progs[i]);
		ASSERT_NE(0U, sh->prog_ids[i]);
	}

	sh->deadline = rel_now() + secs;
	for (i = 0; i < procs; i++)
		pids[npids++] = spawn(owner_process, i, threads);
	if (racers)
		pids[npids++] = spawn(chaos_entry, racers, 0);
	for (i = 0; i < npids; i++)
		ASSERT_LT(0, pids[i]);

	/* Every actor stops at the deadline; cleanup gets a generous margin. */
	limit = sh->deadline + 240;
	for (i = 0; i < npids; i++) {
		while (waitpid(pids[i], &st, WNOHANG) == 0) {
			if (rel_now() > limit) {
				kill(pids[i], SIGKILL);
				waitpid(pids[i], &st, 0);
				fail("main", "process %d did not finish", i);
				break;
			}
			rel_msleep(50);
		}
		if (!WIFEXITED(st) || WEXITSTATUS(st))
			fail("main", "process %d: status %#x", i, st);
	}
	print_stats(secs, procs, threads, racers);
	EXPECT_EQ(0UL, sh->failures) TH_LOG("first failure: %s", sh->failure);
	/* A run that did nothing proves nothing. */
	EXPECT_LT(0UL, sh->ok[OP_ATTACH]);
	EXPECT_LT(0UL, sh->ok[OP_LINK_CREATE]);
	EXPECT_LT(0UL, sh->packets);

	/* Held now: what was there before and the pool, nothing else. */
	nafter = rel_prog_ids(after, MAX_ALL_IDS);
	ASSERT_LE(0, nafter);
	for (i = 0; i < nafter; i++) {
		bool ours = rel_id_in(after[i], sh->prog_ids, NPROGS);

		EXPECT_TRUE(ours || rel_id_in(after[i], before, nbefore))
			TH_LOG("program %u appeared during the run", after[i]);
	}
	for (i = 0; i < NPROGS; i++) {
		EXPECT_TRUE(rel_id_in(sh->prog_ids[i], after, nafter));
	}

	/*
	 * Once the test lets go, the kernel lets go of every one of them.
	 * Namespaces die in a workqueue, in batches that the emulated CPUs
	 * take a while to get through: the wait is long, and reported.
	 */
	for (i = 0; i < NPROGS; i++)
		close(sh->progs[i]);
	t0 = rel_now();
	for (i = 0; i < NPROGS; i++) {
		while (tcx_prog_id_alive(sh->prog_ids[i]) &&
		       rel_now() < t0 + RELEASE_WAIT)
			rel_msleep(20);
		EXPECT_FALSE(tcx_prog_id_alive(sh->prog_ids[i]))
			TH_LOG("program %u still held after %d s",
			       sh->prog_ids[i], RELEASE_WAIT);
	}
	printf("# programs released %.1f s after the test closed them\n",
	       rel_now() - t0);
	now = rel_wait_refcnt(refcnt, 10000);
	EXPECT_EQ(refcnt, now) TH_LOG("tcx.ko references: %ld, before %ld",
				      now, refcnt);
}

/* Declared after stress, so the harness runs it last. */
FIXTURE(module) {
	int unused;
};

FIXTURE_SETUP(module)
{
}

FIXTURE_TEARDOWN(module)
{
}

/* Nothing of the run may keep tcx.ko: it unloads, then comes back. */
TEST_F(module, unload_and_reload)
{
	int fd;

	ASSERT_EQ(0, rel_unload_module()) TH_LOG("delete_module: refcnt %ld",
						 rel_module_refcnt());
	ASSERT_EQ(-1, access("/dev/" TCX_DEVICE_NAME, F_OK));
	ASSERT_EQ(0, rel_load_module()) TH_LOG("finit_module($TCX_MODULE)");
	fd = open("/dev/" TCX_DEVICE_NAME, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	close(fd);
}

TEST_HARNESS_MAIN
