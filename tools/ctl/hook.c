// SPDX-License-Identifier: GPL-2.0
/*
 * attach and detach, and what their errors mean.
 *
 * libtcx reports an errno; which of several causes it stands for depends
 * on what was asked (a relative object, a program to replace, a position)
 * and on the hook, so on failure the hook is queried once more and the
 * message names the object and the reason: "program 42 is owned by link 7
 * (EBUSY); detach the link instead".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "tcxctl.h"

enum position {
	POS_NONE,
	POS_BEFORE,
	POS_AFTER,
	POS_FIRST,
	POS_LAST,
};

static const char *const pos_words[] = {
	[POS_BEFORE]	= "before",
	[POS_AFTER]	= "after",
	[POS_FIRST]	= "first",
	[POS_LAST]	= "last",
};

struct attach_req {
	struct dev dev;
	enum tcx_dir dir;
	char hook[IF_NAMESIZE + 16];	/* "eth0 ingress" */
	struct prog_ref prog;
	enum position pos;
	struct rel_ref rel;
	struct prog_ref replace;
	bool link;
	bool hold;
	const char *tag;
	const char *pin;		/* link pin PATH */
	__u64 expected_revision;
};

int hook_query(int ifindex, enum tcx_dir dir, struct hook_state *st)
{
	int ret;

	memset(st, 0, sizeof(*st));
	LIBTCX_OPTS(tcx_query, q,
		    .count = TCX_MAX_PROGS,
		    .prog_ids = st->prog_ids,
		    .link_ids = st->link_ids);
	ret = tcx_query(ifindex, dir, &q);
	if (ret)
		return ret;
	st->count = q.count;
	st->revision = q.revision;
	st->hook_flags = q.hook_flags;
	st->unavailable = q.unavailable;
	st->stats = q.stats;
	return 0;
}

int hook_find(const struct hook_state *st, __u32 prog_id)
{
	__u32 i;

	for (i = 0; i < st->count; i++)
		if (st->prog_ids[i] == prog_id)
			return i;
	return -1;
}

static void set_hook_name(char *buf, size_t len, const struct dev *dev,
			  enum tcx_dir dir)
{
	snprintf(buf, len, "%s %s", dev->name, dir_name(dir));
}

static const char *rel_desc(const struct rel_ref *r)
{
	static char buf[64];

	if (r->is_link)
		snprintf(buf, sizeof(buf), "link %u", r->link_id);
	else
		snprintf(buf, sizeof(buf), "%s", prog_desc(&r->prog));
	return buf;
}

static void print_ids(__u32 prog_id, __u32 link_id)
{
	if (json_output) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "prog_id",
				       json_object_new_int64(prog_id));
		json_object_object_add(o, "link_id", link_id ?
				       json_object_new_int64(link_id) : NULL);
		json_print(o);
	} else {
		printf("%u\n", link_id ? link_id : prog_id);
	}
	fflush(stdout);
}

/* Errors that read the same for every command on a hook. */
static void hook_fail_common(const char *hook, const struct dev *dev,
			     enum tcx_dir dir, int err, __u64 expected_revision,
			     const char *what)
{
	struct hook_state st;

	switch (err) {
	case ENODEV:
		fail("no such device %s (ENODEV)", dev->name);
	case ESTALE:
		if (!hook_query(dev->ifindex, dir, &st))
			fail("%s changed: revision is %llu, expected %llu (ESTALE)",
			     hook, (unsigned long long)st.revision,
			     (unsigned long long)expected_revision);
		break;
	case EPERM:
	case EACCES:
		fail("%s: permission denied (%s); " NEEDS_NET_ADMIN, what,
		     strerrorname_np(err));
	}
}

static void attach_fail(const struct attach_req *r, int err)
{
	struct hook_state st;
	bool known;
	int i;

	hook_fail_common(r->hook, &r->dev, r->dir, err, r->expected_revision,
			 "attaching");
	known = !hook_query(r->dev.ifindex, r->dir, &st);

	switch (err) {
	case EEXIST:
		fail("%s is already on %s (EEXIST)", prog_desc(&r->prog),
		     r->hook);
	case ENOENT:
		if (r->replace.src && known &&
		    hook_find(&st, r->replace.prog_id) < 0)
			fail("%s to replace is not on %s (ENOENT)",
			     prog_desc(&r->replace), r->hook);
		if (r->rel.set)
			fail("%s is not on %s (ENOENT)", rel_desc(&r->rel),
			     r->hook);
		break;
	case ERANGE:
		if (!r->replace.src && known && st.count >= TCX_MAX_PROGS)
			fail("%s is full (%d programs) (ERANGE)", r->hook,
			     TCX_MAX_PROGS);
		if (r->replace.src && r->rel.set)
			fail("inconsistent placement: %s to replace is not directly %s %s on %s (ERANGE)",
			     prog_desc(&r->replace), pos_words[r->pos],
			     rel_desc(&r->rel), r->hook);
		if (r->replace.src && r->pos)
			fail("inconsistent placement: %s to replace is not the %s program on %s (ERANGE)",
			     prog_desc(&r->replace),
			     r->pos == POS_FIRST ? "first" : "last", r->hook);
		fail("inconsistent placement on %s (ERANGE)", r->hook);
	case EBUSY:
		i = known && r->replace.src ?
		    hook_find(&st, r->replace.prog_id) : -1;
		if (i >= 0 && st.link_ids[i])
			fail("%s is owned by link %u (EBUSY); update the link instead (tcxctl link update id %u PROG)",
			     prog_desc(&r->replace), st.link_ids[i],
			     st.link_ids[i]);
		break;
	}
	fail("attaching %s to %s failed: %s", prog_desc(&r->prog), r->hook,
	     errdesc(err));
}

/*
 * link ... hold: the link belongs to this process until SIGINT or SIGTERM
 * (blocked since before the link was made, so none is lost); closing the
 * last fd detaches it.  Any other way to die (SIGKILL) detaches it too.
 */
static int hold(int link_fd, const sigset_t *sigs, __u32 prog_id,
		__u32 link_id)
{
	int sig;

	print_ids(prog_id, link_id);
	if (sigwait(sigs, &sig))
		fail("waiting for a signal failed");
	close(link_fd);
	return 0;
}

static const char *const attach_words[] = {
	"before", "after", "first", "last", "replace", "link", "tag", "hold",
	"pin", "expected-revision", NULL
};

static void parse_attach(struct cmdline *c, struct attach_req *r)
{
	const char *kw;
	int k;

	parse_dev(c, &r->dev);
	r->dir = next_dir(c);
	parse_prog(c, &r->prog);
	while (more(c)) {
		k = word_index(c, attach_words);
		kw = next_word(c, "keyword");
		if (k < 0)
			usage_fail(c, "unknown keyword '%s'", kw);
		kw = attach_words[k];
		if (!strcmp(kw, "before") || !strcmp(kw, "after") ||
		    !strcmp(kw, "first") || !strcmp(kw, "last")) {
			if (r->pos)
				usage_fail(c, "%s and %s exclude each other",
					   pos_words[r->pos], kw);
			r->pos = kw[0] == 'b' ? POS_BEFORE :
				 kw[0] == 'a' ? POS_AFTER :
				 kw[0] == 'f' ? POS_FIRST : POS_LAST;
			if (r->pos != POS_BEFORE && r->pos != POS_AFTER)
				continue;
			parse_rel(c, &r->rel);
			if (!r->rel.is_link)
				require_existing(c, &r->rel.prog, kw);
		} else if (!strcmp(kw, "replace")) {
			if (r->replace.src)
				usage_fail(c, "replace given twice");
			parse_prog(c, &r->replace);
			require_existing(c, &r->replace, "replace");
		} else if (!strcmp(kw, "link")) {
			r->link = true;
		} else if (!strcmp(kw, "tag")) {
			if (!r->link)
				usage_fail(c, "tag belongs to a link: write 'link tag TAG'");
			r->tag = next_word(c, "TAG");
			if (strlen(r->tag) >= TCX_TAG_LEN)
				usage_fail(c, "tag '%s' is too long (at most %d bytes)",
					   r->tag, TCX_TAG_LEN - 1);
		} else if (!strcmp(kw, "hold")) {
			if (!r->link)
				usage_fail(c, "hold keeps a link: write 'link hold'");
			r->hold = true;
		} else if (!strcmp(kw, "pin")) {
			if (!r->link)
				usage_fail(c, "pin belongs to a link: write 'link pin PATH'");
			r->pin = next_word(c, "PATH after pin");
		} else if (!strcmp(kw, "expected-revision")) {
			r->expected_revision = next_u64(c, "expected-revision");
			if (!r->expected_revision)
				usage_fail(c, "expected-revision 0 checks nothing; revisions start at 1");
		}
	}
	if (r->hold && r->pin)
		usage_fail(c, "hold and pin exclude each other: a pinned link outlives tcxctl");
	if (r->link && r->replace.src)
		usage_fail(c, "a link never replaces a program; to change a link's program use 'tcxctl link update'");
}

int do_attach(struct cmdline *c)
{
	struct tcx_link_info info;
	struct attach_req r;
	sigset_t sigs;
	int fd, err;

	memset(&r, 0, sizeof(r));
	parse_attach(c, &r);

	if (r.hold) {
		sigemptyset(&sigs);
		sigaddset(&sigs, SIGINT);
		sigaddset(&sigs, SIGTERM);
		sigprocmask(SIG_BLOCK, &sigs, NULL);
	}
	need_tcx();
	resolve_dev(&r.dev);
	set_hook_name(r.hook, sizeof(r.hook), &r.dev, r.dir);
	/* libtcx checks a tag on native, then drops it: say so. */
	if (r.tag && tcx_backend() == TCX_BACKEND_NATIVE)
		warn("native tcx keeps no tag: '%s' is not recorded", r.tag);
	/* Before anything is attached: a bad path attaches nothing. */
	if (r.pin)
		pin_path_prepare(r.pin);
	prog_open(&r.prog);
	rel_open(&r.rel);
	prog_open(&r.replace);

	LIBTCX_OPTS(tcx_opts, opts, .expected_revision = r.expected_revision);
	if (r.pos == POS_BEFORE || r.pos == POS_FIRST)
		opts.flags |= TCX_F_BEFORE;
	else if (r.pos == POS_AFTER || r.pos == POS_LAST)
		opts.flags |= TCX_F_AFTER;
	if (r.rel.is_link) {
		opts.flags |= TCX_F_LINK;
		opts.relative_fd = r.rel.link_fd;
	} else if (r.rel.set) {
		opts.relative_fd = r.rel.prog.fd;
	}
	if (r.replace.src) {
		opts.flags |= TCX_F_REPLACE;
		opts.replace_prog_fd = r.replace.fd;
	}

	if (!r.link) {
		err = tcx_prog_attach(r.dev.ifindex, r.dir, r.prog.fd, &opts);
		if (err)
			attach_fail(&r, -err);
		print_ids(r.prog.prog_id, 0);
		return 0;
	}

	opts.tag = r.tag;
	fd = tcx_link_create(r.dev.ifindex, r.dir, r.prog.fd, &opts);
	if (fd < 0)
		attach_fail(&r, -fd);
	err = tcx_link_get_info(fd, &info);
	if (err)
		fail("reading the new link's info failed: %s; the program was detached again",
		     errdesc(err));
	if (r.hold)
		return hold(fd, &sigs, r.prog.prog_id, info.id);
	if (r.pin) {
		link_pin_at(fd, info.id, r.pin);
		print_ids(r.prog.prog_id, info.id);
		return 0;
	}
	err = tcx_link_pin(fd);
	if (err)
		fail("pinning link %u failed: %s; the program was detached again",
		     info.id, errdesc(err));
	print_ids(r.prog.prog_id, info.id);
	return 0;
}

static const char *const detach_words[] = {
	"obj", "id", "pinned", "first", "last", NULL
};

int do_detach(struct cmdline *c)
{
	struct prog_ref prog = { .fd = -1 };
	enum position pos = POS_NONE;
	struct hook_state st;
	__u64 expected = 0;
	char hook[IF_NAMESIZE + 16];
	struct dev dev;
	enum tcx_dir dir;
	int err, i;

	parse_dev(c, &dev);
	dir = next_dir(c);
	if (is_kw(c, detach_words, "first") || is_kw(c, detach_words, "last")) {
		pos = is_kw(c, detach_words, "first") ? POS_FIRST : POS_LAST;
		next_word(c, "position");
	} else {
		parse_prog(c, &prog);
		require_existing(c, &prog, "detach");
	}
	if (is_kw(c, (const char *const[]){ "expected-revision", NULL },
		  "expected-revision")) {
		next_word(c, "expected-revision");
		expected = next_u64(c, "expected-revision");
		if (!expected)
			usage_fail(c, "expected-revision 0 checks nothing; revisions start at 1");
	}
	if (more(c))
		usage_fail(c, "unexpected '%s'", c->argv[0]);

	need_tcx();
	resolve_dev(&dev);
	set_hook_name(hook, sizeof(hook), &dev, dir);
	/*
	 * "last" without a program is ERANGE on a full hook, upstream's quirk
	 * (the slot after the last is out of range): name the program.
	 */
	if (pos == POS_LAST) {
		err = hook_query(dev.ifindex, dir, &st);
		if (err)
			hook_fail_common(hook, &dev, dir, -err, expected,
					 "detaching");
		if (err)
			fail("querying %s failed: %s", hook, errdesc(err));
		if (!st.count)
			fail("%s has no programs (ENOENT)", hook);
		prog.src = PROG_ID;
		prog.id = st.prog_ids[st.count - 1];
	}
	prog_open(&prog);

	LIBTCX_OPTS(tcx_opts, opts, .expected_revision = expected,
		    .flags = pos == POS_FIRST ? TCX_F_BEFORE : 0);
	err = tcx_prog_detach(dev.ifindex, dir, prog.src ? prog.fd : 0, &opts);
	if (!err)
		return 0;

	err = -err;
	hook_fail_common(hook, &dev, dir, err, expected, "detaching");
	if (hook_query(dev.ifindex, dir, &st))
		fail("detaching from %s failed: %s", hook, errdesc(err));
	switch (err) {
	case ENOENT:
		if (!st.count)
			fail("%s has no programs (ENOENT)", hook);
		if (prog.src)
			fail("%s is not on %s (ENOENT)", prog_desc(&prog), hook);
		break;
	case EBUSY:
		i = pos == POS_FIRST ? 0 :
		    pos == POS_LAST ? (int)st.count - 1 :
		    hook_find(&st, prog.prog_id);
		if (i >= 0 && st.link_ids[i])
			fail("program %u is owned by link %u (EBUSY); detach the link instead (tcxctl link detach id %u)",
			     st.prog_ids[i], st.link_ids[i], st.link_ids[i]);
		break;
	}
	fail("detaching from %s failed: %s", hook, errdesc(err));
}
