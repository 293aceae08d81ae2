// SPDX-License-Identifier: GPL-2.0
/*
 * link update, detach and unpin: each finds the link by id (a new fd on
 * it) and acts on that fd.  The fd is this process's only, so once the
 * link is unpinned and its other holders are gone, exiting ends it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "tcxctl.h"

static __u32 next_link_id(struct cmdline *c)
{
	if (!is_word(c, "id"))
		usage_fail(c, "'id LINK_ID' missing");
	next_word(c, "id");
	return next_u32(c, "LINK_ID");
}

static void no_more(const struct cmdline *c)
{
	if (more(c))
		usage_fail(c, "unexpected '%s'", c->argv[0]);
}

static int link_update(struct cmdline *c)
{
	struct prog_ref prog, old = { .fd = -1 };
	struct tcx_link_info info;
	char name[IF_NAMESIZE];
	__u32 id;
	int fd, err;

	id = next_link_id(c);
	parse_prog(c, &prog);
	if (is_word(c, "old")) {
		next_word(c, "old");
		parse_prog(c, &old);
		require_existing(c, &old, "old");
	}
	no_more(c);

	need_tcx();
	fd = link_fd_by_id(id);
	prog_open(&prog);
	prog_open(&old);
	LIBTCX_OPTS(tcx_link_update_opts, opts,
		    .flags = old.src ? TCX_F_REPLACE : 0,
		    .old_prog_fd = old.src ? old.fd : 0);
	err = tcx_link_update(fd, prog.fd, &opts);
	if (!err)
		return 0;

	err = -err;
	memset(&info, 0, sizeof(info));
	tcx_link_get_info(fd, &info);
	switch (err) {
	case EPERM:
		if (old.src && info.prog_id && info.prog_id != old.prog_id)
			fail("link %u runs program %u, not %s (EPERM)", id,
			     info.prog_id, prog_desc(&old));
		fail("updating link %u: permission denied (EPERM); tcxctl needs root",
		     id);
	case EEXIST:
		fail("%s is already on %s %s (EEXIST)", prog_desc(&prog),
		     if_indextoname(info.ifindex, name) ? name : "the link's device",
		     dir_name(info.direction));
	case ENOLINK:
		fail("link %u is defunct: it was detached or its device is gone (ENOLINK)",
		     id);
	}
	fail("updating link %u failed: %s", id, errdesc(err));
}

static int link_detach(struct cmdline *c)
{
	__u32 id;
	int fd, err;

	id = next_link_id(c);
	no_more(c);
	need_tcx();
	fd = link_fd_by_id(id);
	err = tcx_link_detach(fd);
	if (err == -EPERM)
		fail("detaching link %u: permission denied (EPERM); tcxctl needs root",
		     id);
	if (err)
		fail("detaching link %u failed: %s", id, errdesc(err));
	close(fd);
	return 0;
}

static int link_unpin(struct cmdline *c)
{
	__u32 id;
	int fd, err;

	id = next_link_id(c);
	no_more(c);
	need_tcx();
	fd = link_fd_by_id(id);
	err = tcx_link_unpin(fd);
	if (err == -EPERM)
		fail("unpinning link %u: permission denied (EPERM); tcxctl needs root",
		     id);
	if (err)
		fail("unpinning link %u failed: %s", id, errdesc(err));
	/* Unless someone else holds the link, this detaches and frees it. */
	close(fd);
	return 0;
}

int do_link(struct cmdline *c)
{
	static const struct {
		const char *name;
		const char *cmd;
		int (*fn)(struct cmdline *c);
	} subs[] = {
		{ "show",	"link show",	do_link_show },
		{ "list",	"link show",	do_link_show },
		{ "update",	"link update",	link_update },
		{ "detach",	"link detach",	link_detach },
		{ "unpin",	"link unpin",	link_unpin },
	};
	const char *word;
	size_t i;

	if (!more(c))
		usage_fail(c, "show, update, detach or unpin missing");
	word = next_word(c, "link command");
	for (i = 0; i < ARRAY_SIZE(subs); i++) {
		if (strcmp(word, subs[i].name))
			continue;
		c->cmd = subs[i].cmd;
		if (is_word(c, "help")) {
			print_usage(stdout, "link");
			return 0;
		}
		return subs[i].fn(c);
	}
	usage_fail(c, "unknown link command '%s': show, update, detach or unpin",
		   word);
}
