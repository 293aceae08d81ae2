// SPDX-License-Identifier: GPL-2.0
/*
 * PROG and REL: the programs and links a command names.
 *
 * obj loads one program of an ELF object with libbpf, and no other program
 * of it: an object may hold XDP or other programs next to the tc one.
 * libbpf 1.1 knows SEC("tc") and SEC("classifier") only; the sections that
 * later libbpf versions use for tcx ("tcx/ingress", "tc/egress", ...) get
 * their program type from us before the load.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <bpf/bpf.h>

#include "tcxctl.h"

static const char *const tc_sections[] = {
	"tc", "classifier", "tcx/ingress", "tcx/egress", "tc/ingress",
	"tc/egress",
};

#define TC_SECTIONS_TEXT \
	"tc, classifier, tcx/ingress, tcx/egress, tc/ingress or tc/egress"

static bool is_tc_section(const char *sec)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(tc_sections); i++)
		if (!strcmp(sec, tc_sections[i]))
			return true;
	return false;
}

const char *const prog_words[] = { "obj", "id", "pinned", NULL };

void parse_prog(struct cmdline *c, struct prog_ref *p)
{
	static const char *const obj_words[] = { "sec", "name", NULL };
	int kw;

	memset(p, 0, sizeof(*p));
	p->fd = -1;
	if (!more(c))
		usage_fail(c, "PROG missing: obj FILE, id PROG_ID or pinned PATH");
	kw = word_index(c, prog_words);
	if (kw < 0)
		usage_fail(c, "'%s' is not a program: obj FILE, id PROG_ID or pinned PATH",
			   c->argv[0]);
	next_word(c, "PROG");
	switch (kw) {
	case 0:
		p->src = PROG_OBJ;
		p->file = next_word(c, "FILE after obj");
		/* Both may be given: a name within a section. */
		if (is_kw(c, obj_words, "sec")) {
			next_word(c, "sec");
			p->sec = next_word(c, "SECTION after sec");
		}
		if (is_kw(c, obj_words, "name")) {
			next_word(c, "name");
			p->name = next_word(c, "NAME after name");
		}
		break;
	case 1:
		p->src = PROG_ID;
		p->id = next_u32(c, "PROG_ID");
		break;
	default:
		p->src = PROG_PINNED;
		p->path = next_word(c, "PATH after pinned");
		break;
	}
}

void parse_rel(struct cmdline *c, struct rel_ref *r)
{
	static const char *const rel_words[] = {
		"obj", "id", "pinned", "link", NULL
	};

	memset(r, 0, sizeof(*r));
	r->set = true;
	r->link_fd = -1;
	r->prog.fd = -1;
	if (is_kw(c, rel_words, "link")) {
		next_word(c, "link");
		r->is_link = true;
		r->link_id = next_u32(c, "LINK_ID");
		return;
	}
	parse_prog(c, &r->prog);
}

void require_existing(const struct cmdline *c, const struct prog_ref *p,
		      const char *what)
{
	if (p->src == PROG_OBJ)
		usage_fail(c, "%s obj: a program loaded now is on no hook; name one with id or pinned",
			   what);
}

const char *prog_desc(const struct prog_ref *p)
{
	static char buf[64];

	snprintf(buf, sizeof(buf), "program %u", p->prog_id);
	return buf;
}

/* "a (tc), b (xdp)": every program, or those of section SEC. */
static const char *list_programs(struct bpf_object *obj, const char *sec)
{
	static char buf[1024];
	struct bpf_program *prog;
	size_t len = 0;
	int n;

	buf[0] = '\0';
	bpf_object__for_each_program(prog, obj) {
		const char *psec = bpf_program__section_name(prog);

		if (sec && strcmp(sec, psec))
			continue;
		if (sec)
			n = snprintf(buf + len, sizeof(buf) - len, "%s%s",
				     len ? ", " : "", bpf_program__name(prog));
		else
			n = snprintf(buf + len, sizeof(buf) - len, "%s%s (%s)",
				     len ? ", " : "", bpf_program__name(prog),
				     psec);
		if (n < 0 || (size_t)n >= sizeof(buf) - len)
			break;
		len += n;
	}
	return len ? buf : "none";
}

/* "tc, xdp": the sections that hold programs, each once. */
static const char *list_sections(struct bpf_object *obj)
{
	static char buf[1024];
	struct bpf_program *prog, *prev;
	size_t len = 0;
	int n;

	buf[0] = '\0';
	bpf_object__for_each_program(prog, obj) {
		const char *sec = bpf_program__section_name(prog);
		bool seen = false;

		bpf_object__for_each_program(prev, obj) {
			if (prev == prog)
				break;
			if (!strcmp(bpf_program__section_name(prev), sec))
				seen = true;
		}
		if (seen)
			continue;
		n = snprintf(buf + len, sizeof(buf) - len, "%s%s",
			     len ? ", " : "", sec);
		if (n < 0 || (size_t)n >= sizeof(buf) - len)
			break;
		len += n;
	}
	return len ? buf : "none";
}

static bool has_section(struct bpf_object *obj, const char *sec)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, obj)
		if (!strcmp(bpf_program__section_name(prog), sec))
			return true;
	return false;
}

/* No program of the object matches sec and name: say which part is wrong. */
static void __attribute__((noreturn))
obj_not_found(const struct prog_ref *p, struct bpf_object *obj)
{
	struct bpf_program *named = NULL;

	if (p->name)
		named = bpf_object__find_program_by_name(obj, p->name);
	if (p->sec && !has_section(obj, p->sec))
		fail("no section '%s' in %s (its program sections: %s)",
		     p->sec, p->file, list_sections(obj));
	if (named)
		fail("program %s of %s is in section '%s', not '%s'", p->name,
		     p->file, bpf_program__section_name(named), p->sec);
	if (p->name)
		fail("no program named '%s' in %s (its programs: %s)",
		     p->name, p->file, list_programs(obj, NULL));
	fail("%s holds no programs", p->file);
}

static void obj_open(struct prog_ref *p)
{
	struct bpf_program *prog, *chosen = NULL;
	enum bpf_prog_type type;
	struct bpf_object *obj;
	const char *sec;
	int n = 0, err;

	if (access(p->file, R_OK)) {
		err = errno;
		if (err == ENOENT)
			fail("no such file %s (ENOENT)", p->file);
		fail("cannot read %s: %s", p->file, errdesc(err));
	}
	obj = bpf_object__open_file(p->file, NULL);
	err = libbpf_get_error(obj);
	if (err)
		fail("%s is not a BPF object file: %s", p->file, errdesc(err));

	bpf_object__for_each_program(prog, obj) {
		if (p->sec && strcmp(bpf_program__section_name(prog), p->sec))
			continue;
		if (p->name && strcmp(bpf_program__name(prog), p->name))
			continue;
		chosen = prog;
		n++;
	}
	if (!n)
		obj_not_found(p, obj);
	if (n > 1 && p->sec)
		fail("section '%s' of %s holds %d programs (%s); choose one with name NAME",
		     p->sec, p->file, n, list_programs(obj, p->sec));
	if (n > 1)
		fail("%s holds %d programs (%s); choose one with sec SECTION or name NAME",
		     p->file, n, list_programs(obj, NULL));

	sec = bpf_program__section_name(chosen);
	if (is_tc_section(sec))
		bpf_program__set_type(chosen, BPF_PROG_TYPE_SCHED_CLS);
	type = bpf_program__type(chosen);
	if (type == BPF_PROG_TYPE_UNSPEC)
		fail("program %s of %s is in section '%s', which is not a tc section (use "
		     TC_SECTIONS_TEXT ")", bpf_program__name(chosen), p->file, sec);
	if (type != BPF_PROG_TYPE_SCHED_CLS)
		fail("program %s of %s (section '%s') has type %s, not sched_cls: tcx runs tc programs only",
		     bpf_program__name(chosen), p->file, sec,
		     libbpf_bpf_prog_type_str(type));

	bpf_object__for_each_program(prog, obj)
		bpf_program__set_autoload(prog, prog == chosen);
	err = bpf_object__load(obj);
	if (err == -EPERM)
		fail("loading program %s of %s: permission denied (EPERM); "
		     NEEDS_LOAD,
		     bpf_program__name(chosen), p->file);
	if (err)
		fail("the kernel refused program %s of %s: %s%s",
		     bpf_program__name(chosen), p->file, errdesc(err),
		     debug_output ? "" :
		     "; rerun with -d for libbpf's and the verifier's log");
	p->obj = obj;
	p->fd = bpf_program__fd(chosen);
}

/* What kind of BPF object an fd from bpf_obj_get() is. */
static const char *fd_kind(int fd)
{
	char path[64], target[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return "object";
	target[n] = '\0';
	if (!strcmp(target, "anon_inode:bpf-prog"))
		return "program";
	if (!strcmp(target, "anon_inode:bpf-map"))
		return "map";
	/* 6.1's bpf links, and 6.12's and tcx-dkms's. */
	if (!strcmp(target, "anon_inode:bpf_link") ||
	    !strcmp(target, "anon_inode:bpf-link"))
		return "link";
	return "object";
}

static void pinned_open(struct prog_ref *p)
{
	struct statfs st;
	const char *kind;
	int fd;

	fd = bpf_obj_get(p->path);
	if (fd < 0) {
		if (fd == -ENOENT)
			fail("nothing is pinned at %s (ENOENT)", p->path);
		if (!statfs(p->path, &st) && st.f_type != BPF_FS_MAGIC)
			fail("%s is not on a BPF file system (bpffs), so not a pinned program",
			     p->path);
		fail("cannot open the pinned program %s: %s", p->path,
		     errdesc(fd));
	}
	kind = fd_kind(fd);
	if (strcmp(kind, "program"))
		fail("%s is a pinned BPF %s, not a program", p->path, kind);
	p->fd = fd;
}

void prog_open(struct prog_ref *p)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);
	int err;

	switch (p->src) {
	case PROG_OBJ:
		obj_open(p);
		break;
	case PROG_ID:
		p->fd = bpf_prog_get_fd_by_id(p->id);
		if (p->fd == -ENOENT)
			fail("no program with id %u (ENOENT)", p->id);
		if (p->fd == -EPERM)
			fail("looking up program %u: permission denied (EPERM); "
			     NEEDS_SYS_ADMIN, p->id);
		if (p->fd < 0)
			fail("cannot get program %u: %s", p->id, errdesc(p->fd));
		break;
	case PROG_PINNED:
		pinned_open(p);
		break;
	case PROG_NONE:
		return;
	}

	memset(&info, 0, sizeof(info));
	err = bpf_obj_get_info_by_fd(p->fd, &info, &len);
	if (err)
		fail("cannot read the program's info: %s", errdesc(err));
	p->prog_id = info.id;
	if (info.type != BPF_PROG_TYPE_SCHED_CLS)
		fail("program %u has type %s, not sched_cls: tcx runs tc programs only",
		     info.id, libbpf_bpf_prog_type_str(info.type));
}

int link_fd_by_id(__u32 id)
{
	int fd = tcx_link_get_fd_by_id(id);

	if (fd == -ENOENT)
		fail("no link with id %u (ENOENT)", id);
	if (fd == -EPERM)
		fail("looking up link %u: permission denied (EPERM); "
		     NEEDS_SYS_ADMIN, id);
	if (fd < 0)
		fail("cannot get link %u: %s", id, errdesc(fd));
	return fd;
}

void rel_open(struct rel_ref *r)
{
	if (!r->set)
		return;
	if (r->is_link)
		r->link_fd = link_fd_by_id(r->link_id);
	else
		prog_open(&r->prog);
}
