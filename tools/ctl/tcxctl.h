/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcxctl: what the command files share.
 *
 *   tcxctl.c	options, dispatch, help, errors, devices and directions
 *   prog.c	PROG and REL: load an object, or find a program or link
 *   hook.c	attach and detach, and what their errors mean
 *   show.c	show (hooks) and link show, as text or JSON
 *   tc.c	the classic tc filters on the same hooks, over rtnetlink
 *   link.c	link update, detach, pin, unpin; pin paths
 *
 * Errors go through fail(): one line on stderr, exit status 1.  Whatever
 * this process made on the way (programs loaded from an object, a link not
 * pinned yet) is held by its file descriptors only, so exiting is also the
 * clean-up: a command that fails leaves nothing attached.
 */
#ifndef __TCXCTL_H
#define __TCXCTL_H

#include <stdbool.h>
#include <stdio.h>
#include <net/if.h>
#include <linux/types.h>
#include <bpf/libbpf.h>
#include <json-c/json.h>

#include "libtcx.h"

/* The words of a command still to be read. */
struct cmdline {
	int argc;
	char **argv;
	const char *cmd;	/* "attach", "link update": for usage errors */
};

extern bool json_output;
extern bool pretty_output;
extern bool debug_output;

void fail(const char *fmt, ...)
	__attribute__((noreturn, format(printf, 1, 2)));
/* One line on stderr, as fail()'s, and go on. */
void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void usage_fail(const struct cmdline *c, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 2, 3)));
/* "No such device (ENODEV)"; libbpf's own codes get libbpf's words. */
const char *errdesc(int err);
void set_context(int argc, char **argv);
void print_usage(FILE *f, const char *cmd);

bool more(const struct cmdline *c);
bool is_word(const struct cmdline *c, const char *word);
/*
 * Which of WORDS (NULL-terminated) the next word is: written in full, or a
 * prefix that only one of them starts with, as ip and bpftool take their
 * keywords ("tcxctl l s").  -1 when none; an ambiguous prefix is a usage
 * error.  Device names and aliases are matched in full only.
 */
int word_index(const struct cmdline *c, const char *const *words);
/* Is the next word WORD of WORDS, in full or as its unique prefix? */
bool is_kw(const struct cmdline *c, const char *const *words,
	   const char *word);
const char *next_word(struct cmdline *c, const char *what);
__u32 next_u32(struct cmdline *c, const char *what);
__u64 next_u64(struct cmdline *c, const char *what);

/*
 * What a refused call needs, for "permission denied (EPERM); ..." lines:
 * changing hooks and links; ids of programs and links (and listing links);
 * loading a tc program.
 */
#define NEEDS_NET_ADMIN	"this needs CAP_NET_ADMIN"
#define NEEDS_SYS_ADMIN	"this needs CAP_SYS_ADMIN"
#define NEEDS_LOAD	"this needs CAP_BPF and CAP_NET_ADMIN, or CAP_SYS_ADMIN"

/* /dev/tcx, opened up front so that its errors come before anything else. */
void need_tcx(void);

struct dev {
	int ifindex;
	char name[IF_NAMESIZE];
};

void parse_dev(struct cmdline *c, struct dev *dev);
void resolve_dev(struct dev *dev);
bool parse_dir(struct cmdline *c, enum tcx_dir *dir);
enum tcx_dir next_dir(struct cmdline *c);
const char *dir_name(enum tcx_dir dir);
const char *dir_kind(enum tcx_dir dir);

/* PROG := { obj FILE [sec SECTION | name NAME] | id PROG_ID | pinned PATH } */
enum prog_src {
	PROG_NONE,
	PROG_OBJ,
	PROG_ID,
	PROG_PINNED,
};

struct prog_ref {
	enum prog_src src;
	const char *file;	/* PROG_OBJ */
	const char *sec;
	const char *name;
	__u32 id;		/* PROG_ID */
	const char *path;	/* PROG_PINNED */

	/* Set by prog_open(). */
	int fd;
	__u32 prog_id;
	struct bpf_object *obj;
};

/* REL := { PROG | link LINK_ID } */
struct rel_ref {
	bool set;
	bool is_link;
	__u32 link_id;
	int link_fd;
	struct prog_ref prog;
};

/* obj, id, pinned: the words that start a PROG. */
extern const char *const prog_words[];

void parse_prog(struct cmdline *c, struct prog_ref *p);
void parse_rel(struct cmdline *c, struct rel_ref *r);
/* Only a program that can already be on a hook: no obj.  WHAT: "replace". */
void require_existing(const struct cmdline *c, const struct prog_ref *p,
		      const char *what);
void prog_open(struct prog_ref *p);
void rel_open(struct rel_ref *r);
/* "program 42": how messages name it. */
const char *prog_desc(const struct prog_ref *p);

/* A hook as tcx_query reports it. */
struct hook_state {
	__u32 count;
	__u64 revision;
	__u32 hook_flags;
	__u32 unavailable;	/* TCX_QUERY_NO_*: the backend cannot tell */
	struct tcx_hook_stats stats;
	__u32 prog_ids[TCX_MAX_PROGS];
	__u32 link_ids[TCX_MAX_PROGS];
};

int hook_query(int ifindex, enum tcx_dir dir, struct hook_state *st);
/* The slot of program ID on the hook, or -1. */
int hook_find(const struct hook_state *st, __u32 prog_id);

/*
 * A classic tc filter of chain 0 on a clsact (or ingress) qdisc: a cls_bpf
 * filter (one per handle), or another classifier (one per priority).
 */
struct tc_entry {
	__u32 prio;
	__u32 handle;		/* 0 for a classifier other than bpf */
	__u16 protocol;		/* ETH_P_*, host order */
	char kind[32];		/* "bpf", "u32", "flower"... */
	bool is_bpf;
	bool has_name;
	bool direct_action;
	__u32 prog_id;
	char name[256];		/* TCA_BPF_NAME: "obj.o:[sec]" as tc sets it */
};

struct tc_hook {
	char qdisc[32];		/* "clsact", "ingress"; "" when none runs here */
	__u32 count, cap;
	struct tc_entry *entries;	/* in run order */
	const char *failed;	/* what failed, for tc_hook_dump()'s errors */
};

/*
 * The filters of DEV's DIR, in run order, from rtnetlink; 0 or -errno.
 * A device without clsact (or ingress, for ingress) has none.
 */
int tc_hook_dump(int ifindex, enum tcx_dir dir, struct tc_hook *h);
void tc_hook_free(struct tc_hook *h);

/* Link id -> fd, failing with a message when there is no such link. */
int link_fd_by_id(__u32 id);
/* LINK := { id LINK_ID | pinned PATH } */
struct link_ref {
	__u32 id;		/* set by link_open() for a pin */
	const char *path;
};

void parse_link(struct cmdline *c, struct link_ref *l);
/* A new fd on the link, failing with a message when there is none. */
int link_open(struct link_ref *l);
/* Pin at PATH, mounting bpffs on its directory if need be; or fail. */
void pin_path_prepare(const char *path);
void link_pin_at(int link_fd, __u32 id, const char *path);

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* Output of -j / -p; takes the reference. */
void json_print(struct json_object *obj);

int do_attach(struct cmdline *c);
int do_detach(struct cmdline *c);
int do_show(struct cmdline *c);
int do_link(struct cmdline *c);
int do_link_show(struct cmdline *c);

#endif /* __TCXCTL_H */
