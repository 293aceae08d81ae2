// SPDX-License-Identifier: GPL-2.0
/*
 * link update, detach, pin and unpin: each finds the link by id or by its
 * pin (a new fd on it) and acts on that fd.  The fd is this process's only,
 * so once the link is unpinned and its other holders are gone, exiting
 * ends it.  Also here: pin paths, and bpffs mounted for them on demand.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>

#include "tcxctl.h"

/* Does DIR hold anything besides . and ..? */
static bool dir_empty(const char *dir)
{
	struct dirent *de;
	bool empty = true;
	DIR *d = opendir(dir);

	if (!d)
		return false;
	while (empty && (de = readdir(d)))
		empty = !strcmp(de->d_name, ".") || !strcmp(de->d_name, "..");
	closedir(d);
	return empty;
}

/*
 * As bpftool does before a pin: the path must not exist, and its directory
 * must be in bpffs; bpffs is mounted there if it is not.  Unlike bpftool,
 * never over a directory with files in it, which the mount would hide.
 */
void pin_path_prepare(const char *path)
{
	char copy[PATH_MAX], *dir;
	struct statfs fs;
	struct stat st;

	if (strlen(path) >= sizeof(copy))
		fail("pin path %s is too long (ENAMETOOLONG)", path);
	if (!lstat(path, &st))
		fail("cannot pin at %s: the path exists (EEXIST)", path);
	strcpy(copy, path);
	dir = dirname(copy);
	if (statfs(dir, &fs)) {
		if (errno == ENOENT)
			fail("cannot pin at %s: directory %s does not exist (ENOENT)",
			     path, dir);
		fail("cannot pin at %s: %s: %s", path, dir, errdesc(errno));
	}
	if (fs.f_type == BPF_FS_MAGIC)
		return;
	if (!dir_empty(dir))
		fail("bpffs is not mounted at %s, which is not empty; mount it there (mount -t bpf bpf %s) or pin under /sys/fs/bpf",
		     dir, dir);
	if (mount("bpf", dir, "bpf", 0, "mode=0700")) {
		int err = errno;

		fail("bpffs is not mounted at %s, and mounting it failed: %s%s",
		     dir, errdesc(err),
		     err == EPERM ? "; mounting needs CAP_SYS_ADMIN" : "");
	}
}

/* Pin LINK_FD (link ID) at PATH; fails with a message. */
void link_pin_at(int link_fd, __u32 id, const char *path)
{
	int err;

	pin_path_prepare(path);
	err = tcx_link_pin_at(link_fd, path);
	if (!err)
		return;
	switch (-err) {
	case EBUSY:
		fail("link %u is pinned at a path already (EBUSY); one path per link with tcx-dkms",
		     id);
	case EEXIST:
		fail("cannot pin at %s: the path exists (EEXIST)", path);
	case EPERM:
	case EACCES:
		fail("pinning link %u at %s: permission denied (%s)", id,
		     path, strerrorname_np(-err));
	}
	fail("pinning link %u at %s failed: %s", id, path, errdesc(err));
}

void parse_link(struct cmdline *c, struct link_ref *l)
{
	static const char *const link_words[] = { "id", "pinned", NULL };

	memset(l, 0, sizeof(*l));
	if (is_kw(c, link_words, "id")) {
		next_word(c, "id");
		l->id = next_u32(c, "LINK_ID");
		return;
	}
	if (!is_kw(c, link_words, "pinned"))
		usage_fail(c, "'id LINK_ID' or 'pinned PATH' missing");
	next_word(c, "pinned");
	l->path = next_word(c, "PATH after pinned");
}

int link_open(struct link_ref *l)
{
	struct tcx_link_info info;
	int fd;

	need_tcx();
	if (!l->path)
		return link_fd_by_id(l->id);
	fd = tcx_link_get_fd_by_pin(l->path);
	if (fd == -ENOENT)
		fail("nothing is pinned at %s (ENOENT)", l->path);
	if (fd == -ENXIO)
		fail("%s is not the pin of a tcx link (ENXIO)", l->path);
	if (fd == -EACCES || fd == -EPERM)
		fail("opening the link pinned at %s: permission denied (%s); the pin is not yours",
		     l->path, strerrorname_np(-fd));
	if (fd < 0)
		fail("opening the link pinned at %s failed: %s", l->path,
		     errdesc(fd));
	if (tcx_link_get_info(fd, &info))
		fail("reading the link pinned at %s failed: %s", l->path,
		     errdesc(errno));
	l->id = info.id;
	return fd;
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
	struct link_ref ref;
	char name[IF_NAMESIZE];
	__u32 id;
	int fd, err;

	parse_link(c, &ref);
	parse_prog(c, &prog);
	if (is_kw(c, (const char *const[]){ "old", NULL }, "old")) {
		next_word(c, "old");
		parse_prog(c, &old);
		require_existing(c, &old, "old");
	}
	no_more(c);

	fd = link_open(&ref);
	id = ref.id;

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
		fail("updating link %u: permission denied (EPERM); "
		     NEEDS_NET_ADMIN, id);
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
	struct link_ref ref;
	__u32 id;
	int fd, err;

	parse_link(c, &ref);
	no_more(c);
	fd = link_open(&ref);
	id = ref.id;
	err = tcx_link_detach(fd);
	if (err == -EPERM)
		fail("detaching link %u: permission denied (EPERM); "
		     NEEDS_NET_ADMIN, id);
	if (err)
		fail("detaching link %u failed: %s", id, errdesc(err));
	close(fd);
	return 0;
}

static int link_unpin(struct cmdline *c)
{
	struct link_ref ref;
	__u32 id;
	int fd, err;

	parse_link(c, &ref);
	no_more(c);
	fd = link_open(&ref);
	id = ref.id;
	err = tcx_link_unpin(fd);
	if (err == -EPERM)
		fail("unpinning link %u: permission denied (EPERM); "
		     NEEDS_NET_ADMIN, id);
	if (err)
		fail("unpinning link %u failed: %s", id, errdesc(err));
	/*
	 * On native tcx a pin at a chosen path is a bpffs file that libtcx
	 * does not track; named as the link, it goes too.  (The module's
	 * path pin went with tcx_link_unpin().)
	 */
	if (ref.path && unlink(ref.path) && errno != ENOENT)
		fail("unpinning link %u: cannot remove %s: %s", id, ref.path,
		     errdesc(errno));
	/* Unless someone else holds the link, this detaches and frees it. */
	close(fd);
	return 0;
}

static int link_pin(struct cmdline *c)
{
	struct link_ref ref;
	const char *path;
	int fd;

	parse_link(c, &ref);
	path = next_word(c, "PATH");
	no_more(c);
	fd = link_open(&ref);
	link_pin_at(fd, ref.id, path);
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
		{ "pin",	"link pin",	link_pin },
		{ "unpin",	"link unpin",	link_unpin },
	};
	/* Prefixes name the commands, not the alias list. */
	static const char *const words[] = {
		"show", "update", "detach", "pin", "unpin", NULL
	};
	const char *word;
	size_t i;
	int k;

	if (!more(c))
		usage_fail(c, "show, update, detach, pin or unpin missing");
	k = is_word(c, "list") ? -1 : word_index(c, words);
	word = next_word(c, "link command");
	if (k >= 0)
		word = words[k];
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
	usage_fail(c, "unknown link command '%s': show, update, detach, pin or unpin",
		   word);
}
