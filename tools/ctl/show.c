// SPDX-License-Identifier: GPL-2.0
/*
 * show and link show: hooks and links as text, or as JSON with bpftool's
 * field names where bpftool has one (devname, ifindex, kind, name,
 * prog_id, link_id, tag; "id" for a link's own id in link show).
 *
 * The hook gives program and link ids in run order; names and tags come
 * from the programs, owners and pins from the links.  A program or link
 * that goes away between the query and the lookup is shown without them.
 *
 * Where a clsact (or ingress) qdisc has filters on the same device and
 * direction, show lists them with the tcx programs, in the order the two
 * run (tc.c reads them): on 6.6 and later tcx runs first, from the
 * kernel's own hook; on 6.1 tcx-dkms's netfilter hooks run after clsact
 * at ingress and before it at egress.  It is the order of the walk only:
 * a final verdict (drop, redirect, or a tcx pass on 6.6+) ends it early.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "tcxctl.h"

struct prog_meta {
	char name[BPF_OBJ_NAME_LEN];
	char tag[2 * BPF_TAG_SIZE + 1];
};

struct link_meta {
	bool found;
	struct tcx_link_info info;
	char comm[TCX_COMM_LEN + 1];
	char tag[TCX_TAG_LEN + 1];
	char pin_path[PATH_MAX];	/* "" when not pinned at a path */
};

static void get_prog_meta(__u32 id, struct prog_meta *m)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);
	int fd, i;

	strcpy(m->name, "?");
	strcpy(m->tag, "?");
	fd = bpf_prog_get_fd_by_id(id);
	if (fd < 0)
		return;
	memset(&info, 0, sizeof(info));
	if (!bpf_obj_get_info_by_fd(fd, &info, &len)) {
		snprintf(m->name, sizeof(m->name), "%s", info.name);
		for (i = 0; i < BPF_TAG_SIZE; i++)
			sprintf(m->tag + 2 * i, "%02x", info.tag[i]);
	}
	close(fd);
}

static void fill_link_meta(int fd, struct link_meta *m)
{
	memset(m, 0, sizeof(*m));
	if (tcx_link_get_info(fd, &m->info))
		return;
	if (tcx_link_pin_path(fd, m->pin_path, sizeof(m->pin_path)) < 0 ||
	    !(m->info.flags & TCX_LINK_F_PINNED))
		m->pin_path[0] = '\0';
	m->found = true;
	memcpy(m->comm, m->info.owner_comm, TCX_COMM_LEN);
	memcpy(m->tag, m->info.tag, TCX_TAG_LEN);
}

static void get_link_meta(__u32 id, struct link_meta *m)
{
	int fd;

	memset(m, 0, sizeof(*m));
	if (!id)
		return;
	fd = tcx_link_get_fd_by_id(id);
	if (fd < 0)
		return;
	fill_link_meta(fd, m);
	close(fd);
}

/* Native tcx keeps no owner or tag: those fields are null, not made up. */
static struct json_object *json_owner(const struct link_meta *m)
{
	bool owner = !(m->info.flags & TCX_LINK_F_NO_OWNER);
	bool tag = !(m->info.flags & TCX_LINK_F_NO_TAG);
	struct json_object *o;

	if (!m->found)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "pid", owner ?
			       json_object_new_int64(m->info.owner_pid) : NULL);
	json_object_object_add(o, "uid", owner ?
			       json_object_new_int64(m->info.owner_uid) : NULL);
	json_object_object_add(o, "comm", owner ?
			       json_object_new_string(m->comm) : NULL);
	json_object_object_add(o, "tag", tag ?
			       json_object_new_string(m->tag) : NULL);
	return o;
}

/* "pid/comm", "n/a" where the backend does not know, "-" without a link. */
static const char *owner_text(const struct link_meta *m)
{
	static char buf[48];

	if (!m->found)
		return "-";
	if (m->info.flags & TCX_LINK_F_NO_OWNER)
		return "n/a";
	snprintf(buf, sizeof(buf), "%u/%s", m->info.owner_pid, m->comm);
	return buf;
}

static const char *tag_text(const struct link_meta *m)
{
	if (!m->found)
		return "-";
	if (m->info.flags & TCX_LINK_F_NO_TAG)
		return "n/a";
	return m->tag[0] ? m->tag : "-";
}

static struct json_object *json_stats(const struct tcx_hook_stats *s)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "packets", json_object_new_uint64(s->packets));
	json_object_object_add(o, "passed", json_object_new_uint64(s->passed));
	json_object_object_add(o, "dropped", json_object_new_uint64(s->dropped));
	json_object_object_add(o, "redirected",
			       json_object_new_uint64(s->redirected));
	json_object_object_add(o, "redirect_failed",
			       json_object_new_uint64(s->redirect_failed));
	return o;
}

/* Whether DIR's tcx programs run before its tc filters (see the top). */
static bool tcx_runs_first(enum tcx_dir dir)
{
	return tcx_backend() == TCX_BACKEND_NATIVE || dir == TCX_DIR_EGRESS;
}

/* bpftool's kind for a filter: clsact/ingress, clsact/egress, ingress. */
static const char *tc_kind(const struct tc_hook *tc, enum tcx_dir dir)
{
	if (strcmp(tc->qdisc, "clsact"))
		return tc->qdisc;
	return dir == TCX_DIR_INGRESS ? "clsact/ingress" : "clsact/egress";
}

/*
 * A filter as bpftool net show -j writes a cls_bpf one (devname, ifindex,
 * kind, name, id: name is the filter's, "obj.o:[sec]" as tc sets it, and
 * id the program's), then ours, prog_id first, as a tcx entry has it.
 * Other classifiers have no program: null there.
 */
static void json_tc(struct json_object *arr, const struct dev *dev,
		    enum tcx_dir dir, const struct tc_hook *tc)
{
	const struct tc_entry *e;
	struct prog_meta pm;
	__u32 i;

	for (i = 0; i < tc->count; i++) {
		struct json_object *p = json_object_new_object();

		e = &tc->entries[i];
		json_object_object_add(p, "devname",
				       json_object_new_string(dev->name));
		json_object_object_add(p, "ifindex",
				       json_object_new_int(dev->ifindex));
		json_object_object_add(p, "kind",
				       json_object_new_string(tc_kind(tc, dir)));
		json_object_object_add(p, "name", e->has_name ?
				       json_object_new_string(e->name) : NULL);
		json_object_object_add(p, "id", e->is_bpf ?
				       json_object_new_int64(e->prog_id) : NULL);
		json_object_object_add(p, "prog_id", e->is_bpf ?
				       json_object_new_int64(e->prog_id) : NULL);
		json_object_object_add(p, "mechanism",
				       json_object_new_string("tc"));
		json_object_object_add(p, "filter",
				       json_object_new_string(e->kind));
		json_object_object_add(p, "pref", json_object_new_int64(e->prio));
		json_object_object_add(p, "handle",
				       json_object_new_int64(e->handle));
		json_object_object_add(p, "protocol",
				       json_object_new_int(e->protocol));
		if (e->is_bpf) {
			get_prog_meta(e->prog_id, &pm);
			json_object_object_add(p, "direct_action",
					       json_object_new_boolean(e->direct_action));
			json_object_object_add(p, "prog_name",
					       json_object_new_string(pm.name));
			json_object_object_add(p, "tag",
					       json_object_new_string(pm.tag));
		} else {
			json_object_object_add(p, "direct_action", NULL);
			json_object_object_add(p, "prog_name", NULL);
			json_object_object_add(p, "tag", NULL);
		}
		json_object_array_add(arr, p);
	}
}

/*
 * One entry of "tc" per program, in run order, as bpftool net show -j
 * writes a tcx program: its fields first and alike (link_id 0 without a
 * link, empty flag arrays), then ours beside them.
 */
static void json_hook(struct json_object *tc, const struct dev *dev,
		      enum tcx_dir dir, const struct hook_state *st)
{
	struct prog_meta pm;
	struct link_meta lm;
	__u32 i;

	for (i = 0; i < st->count; i++) {
		struct json_object *p = json_object_new_object();

		get_prog_meta(st->prog_ids[i], &pm);
		get_link_meta(st->link_ids[i], &lm);
		json_object_object_add(p, "devname",
				       json_object_new_string(dev->name));
		json_object_object_add(p, "ifindex",
				       json_object_new_int(dev->ifindex));
		json_object_object_add(p, "kind",
				       json_object_new_string(dir_kind(dir)));
		json_object_object_add(p, "name", json_object_new_string(pm.name));
		json_object_object_add(p, "prog_id",
				       json_object_new_int64(st->prog_ids[i]));
		json_object_object_add(p, "prog_flags", json_object_new_array());
		json_object_object_add(p, "link_id",
				       json_object_new_int64(st->link_ids[i]));
		json_object_object_add(p, "link_flags", json_object_new_array());
		json_object_object_add(p, "mechanism",
				       json_object_new_string("tcx"));
		json_object_object_add(p, "position", json_object_new_int(i));
		json_object_object_add(p, "tag", json_object_new_string(pm.tag));
		json_object_object_add(p, "revision",
				       json_object_new_uint64(st->revision));
		json_object_object_add(p, "live",
				       st->unavailable & TCX_QUERY_NO_HOOK_FLAGS ?
				       NULL :
				       json_object_new_boolean(st->hook_flags &
							       TCX_HOOK_F_LIVE));
		json_object_object_add(p, "stats",
				       st->unavailable & TCX_QUERY_NO_STATS ?
				       NULL : json_stats(&st->stats));
		json_object_object_add(p, "owner", json_owner(&lm));
		json_object_object_add(p, "pinned",
				       json_object_new_boolean(lm.info.flags &
							       TCX_LINK_F_PINNED));
		json_object_object_add(p, "pin_path", lm.pin_path[0] ?
				       json_object_new_string(lm.pin_path) :
				       NULL);
		json_object_array_add(tc, p);
	}
}

/* "tc" where tcx rows have their position; tc's own words at the end. */
static void text_tc(const struct tc_hook *tc)
{
	const struct tc_entry *e;
	struct prog_meta pm;
	char id[16];
	__u32 i;

	for (i = 0; i < tc->count; i++) {
		e = &tc->entries[i];
		strcpy(id, "-");
		strcpy(pm.name, "-");
		strcpy(pm.tag, "-");
		if (e->is_bpf) {
			snprintf(id, sizeof(id), "%u", e->prog_id);
			get_prog_meta(e->prog_id, &pm);
		}
		printf("  %-4s %-8s %-16s %-17s pref %u", "tc", id,
		       pm.name[0] ? pm.name : "-", pm.tag, e->prio);
		if (e->is_bpf)
			printf(" handle 0x%x bpf%s\n", e->handle,
			       e->direct_action ? " direct-action" : "");
		else
			printf(" %s\n", e->kind);
	}
}

static void text_hook(const struct dev *dev, enum tcx_dir dir,
		      const struct hook_state *st, const struct tc_hook *tc,
		      bool *first)
{
	const struct tcx_hook_stats *s = &st->stats;
	struct prog_meta pm;
	struct link_meta lm;
	char id[16];
	__u32 i;

	if (!*first)
		putchar('\n');
	*first = false;
	printf("%s (ifindex %d) %s: revision %llu, %s", dev->name, dev->ifindex,
	       dir_name(dir), (unsigned long long)st->revision,
	       st->unavailable & TCX_QUERY_NO_HOOK_FLAGS ? "live n/a" :
	       st->hook_flags & TCX_HOOK_F_LIVE ? "live" : "not live");
	if (tc->qdisc[0])
		printf("; %s, %u filter%s, run %s tcx", tc->qdisc, tc->count,
		       tc->count == 1 ? "" : "s",
		       tcx_runs_first(dir) ? "after" : "before");
	if (!st->count && !tc->count) {
		printf(", no programs\n");
		return;
	}
	if (!st->count)
		printf("\n  no tcx programs\n");
	else if (st->unavailable & TCX_QUERY_NO_STATS)
		printf("\n  counters n/a (native tcx keeps none)\n");
	else
		printf("\n  packets %llu  passed %llu  dropped %llu  redirected %llu  redirect_failed %llu\n",
		       (unsigned long long)s->packets,
		       (unsigned long long)s->passed,
		       (unsigned long long)s->dropped,
		       (unsigned long long)s->redirected,
		       (unsigned long long)s->redirect_failed);
	printf("  %-4s %-8s %-16s %-17s %-8s %-22s %-16s %s\n", "pos", "prog_id",
	       "name", "tag", "link_id", "owner", "owner_tag", "pinned");
	if (!tcx_runs_first(dir))
		text_tc(tc);
	for (i = 0; i < st->count; i++) {
		get_prog_meta(st->prog_ids[i], &pm);
		get_link_meta(st->link_ids[i], &lm);
		strcpy(id, "-");
		if (st->link_ids[i])
			snprintf(id, sizeof(id), "%u", st->link_ids[i]);
		printf("  %-4u %-8u %-16s %-17s %-8s %-22s %-16s %s\n", i,
		       st->prog_ids[i], pm.name[0] ? pm.name : "-", pm.tag, id,
		       owner_text(&lm), tag_text(&lm),
		       !lm.found ? "-" : lm.pin_path[0] ? lm.pin_path :
		       lm.info.flags & TCX_LINK_F_PINNED ? "yes" : "no");
	}
	if (tcx_runs_first(dir))
		text_tc(tc);
}

/*
 * Both directions of DEV, or only DIR.  Without an explicit device, hooks
 * without programs or filters are left out, and a device that went away
 * since the walk began is skipped.
 */
static void show_dev(const struct dev *dev, const enum tcx_dir *only,
		     bool explicit, struct json_object *arr, bool *first)
{
	static const enum tcx_dir dirs[] = { TCX_DIR_INGRESS, TCX_DIR_EGRESS };
	struct hook_state st;
	struct tc_hook tc;
	size_t i;
	int err;

	for (i = 0; i < ARRAY_SIZE(dirs); i++) {
		if (only && *only != dirs[i])
			continue;
		err = hook_query(dev->ifindex, dirs[i], &st);
		if (err == -ENODEV && !explicit)
			return;
		if (err == -ENODEV)
			fail("no such device %s (ENODEV)", dev->name);
		if (err)
			fail("querying %s %s failed: %s", dev->name,
			     dir_name(dirs[i]), errdesc(err));
		err = tc_hook_dump(dev->ifindex, dirs[i], &tc);
		if (err == -ENODEV && !explicit)
			return;
		if (err == -ENODEV)
			fail("no such device %s (ENODEV)", dev->name);
		if (err == -EPERM || err == -EACCES)
			fail("reading %s %s's tc filters: %s: permission denied (%s)",
			     dev->name, dir_name(dirs[i]), tc.failed,
			     strerrorname_np(-err));
		if (err)
			fail("reading %s %s's tc filters: %s failed: %s",
			     dev->name, dir_name(dirs[i]), tc.failed,
			     errdesc(err));
		if (!st.count && !tc.count && !explicit)
			continue;
		if (!arr) {
			text_hook(dev, dirs[i], &st, &tc, first);
		} else if (tcx_runs_first(dirs[i])) {
			json_hook(arr, dev, dirs[i], &st);
			json_tc(arr, dev, dirs[i], &tc);
		} else {
			json_tc(arr, dev, dirs[i], &tc);
			json_hook(arr, dev, dirs[i], &st);
		}
		tc_hook_free(&tc);
	}
}

static const char *const show_words[] = { "dev", "ingress", "egress", NULL };

int do_show(struct cmdline *c)
{
	struct json_object *arr = NULL;
	struct if_nameindex *ifs, *it;
	bool has_dev = false, has_dir = false, first = true;
	enum tcx_dir dir;
	struct dev dev;

	while (more(c)) {
		if (is_kw(c, show_words, "dev")) {
			next_word(c, "dev");
			if (has_dev)
				usage_fail(c, "dev given twice");
			parse_dev(c, &dev);
			has_dev = true;
		} else if (parse_dir(c, &dir)) {
			if (has_dir)
				usage_fail(c, "direction given twice");
			has_dir = true;
		} else {
			usage_fail(c, "unknown keyword '%s'", c->argv[0]);
		}
	}

	need_tcx();
	if (json_output)
		arr = json_object_new_array();
	if (has_dev) {
		resolve_dev(&dev);
		show_dev(&dev, has_dir ? &dir : NULL, true, arr, &first);
	} else {
		ifs = if_nameindex();
		if (!ifs)
			fail("listing the network devices failed: %s",
			     errdesc(errno));
		for (it = ifs; it->if_index; it++) {
			memset(&dev, 0, sizeof(dev));
			dev.ifindex = it->if_index;
			snprintf(dev.name, sizeof(dev.name), "%s", it->if_name);
			show_dev(&dev, has_dir ? &dir : NULL, false, arr,
				 &first);
		}
		if_freenameindex(ifs);
	}
	if (arr) {
		/* bpftool's [{"tc": [...]}]; only tc is ours to speak of. */
		struct json_object *root = json_object_new_array();
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "tc", arr);
		json_object_array_add(root, o);
		json_print(root);
	}
	return 0;
}

static struct json_object *json_link(const struct link_meta *m)
{
	struct json_object *o = json_object_new_object();
	const struct tcx_link_info *li = &m->info;
	char name[IF_NAMESIZE];
	struct prog_meta pm;

	get_prog_meta(li->prog_id, &pm);
	json_object_object_add(o, "id", json_object_new_int64(li->id));
	json_object_object_add(o, "type", json_object_new_string("tcx"));
	json_object_object_add(o, "prog_id", json_object_new_int64(li->prog_id));
	json_object_object_add(o, "name", json_object_new_string(pm.name));
	json_object_object_add(o, "devname",
			       li->ifindex && if_indextoname(li->ifindex, name) ?
			       json_object_new_string(name) : NULL);
	json_object_object_add(o, "ifindex", json_object_new_int64(li->ifindex));
	json_object_object_add(o, "kind",
			       json_object_new_string(dir_kind(li->direction)));
	json_object_object_add(o, "state",
			       json_object_new_string(li->flags & TCX_LINK_F_DEFUNCT ?
						      "defunct" : "attached"));
	json_object_object_add(o, "pinned",
			       json_object_new_boolean(li->flags &
						       TCX_LINK_F_PINNED));
	json_object_object_add(o, "pin_path", m->pin_path[0] ?
			       json_object_new_string(m->pin_path) : NULL);
	json_object_object_add(o, "owner", json_owner(m));
	return o;
}

static void text_link(const struct link_meta *m)
{
	const struct tcx_link_info *li = &m->info;
	char name[IF_NAMESIZE];
	struct prog_meta pm;

	get_prog_meta(li->prog_id, &pm);
	printf("%u: tcx  prog %u %s  ", li->id, li->prog_id, pm.name);
	if (li->flags & TCX_LINK_F_DEFUNCT)
		printf("%s  defunct", dir_name(li->direction));
	else
		printf("dev %s (ifindex %u) %s  attached",
		       if_indextoname(li->ifindex, name) ? name : "?",
		       li->ifindex, dir_name(li->direction));
	if (m->pin_path[0])
		printf("  pinned %s\n", m->pin_path);
	else
		printf("%s\n", li->flags & TCX_LINK_F_PINNED ? "  pinned" : "");
	if (li->flags & TCX_LINK_F_NO_OWNER)
		printf("\towner n/a");
	else
		printf("\towner %u/%s uid %u", li->owner_pid, m->comm,
		       li->owner_uid);
	printf("  tag %s\n", tag_text(m));
}

/*
 * Without an id: every tcx link, attached or defunct, found by id as
 * bpftool link show does.  Link ids are global, so this shows links of
 * every network namespace; device names are looked up in this one.
 */
int do_link_show(struct cmdline *c)
{
	struct json_object *arr = NULL;
	struct link_ref ref;
	struct link_meta m;
	__u32 id = 0;
	int fd, err;

	if (more(c)) {
		parse_link(c, &ref);
		if (more(c))
			usage_fail(c, "unexpected '%s'", c->argv[0]);
		fd = link_open(&ref);
		fill_link_meta(fd, &m);
		if (!m.found)
			fail("reading link %u failed: %s", ref.id,
			     errdesc(errno));
		close(fd);
		if (json_output)
			json_print(json_link(&m));
		else
			text_link(&m);
		return 0;
	}

	need_tcx();
	if (json_output)
		arr = json_object_new_array();
	while (!(err = tcx_link_get_next_id(id, &id))) {
		/* Gone since it was listed: nothing to show. */
		fd = tcx_link_get_fd_by_id(id);
		if (fd < 0)
			continue;
		fill_link_meta(fd, &m);
		close(fd);
		if (!m.found)
			continue;
		if (arr)
			json_object_array_add(arr, json_link(&m));
		else
			text_link(&m);
	}
	if (err == -EPERM)
		fail("listing links: permission denied (EPERM); this needs CAP_SYS_ADMIN");
	if (err != -ENOENT)
		fail("listing links failed: %s", errdesc(err));
	if (arr)
		json_print(arr);
	return 0;
}
