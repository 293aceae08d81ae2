// SPDX-License-Identifier: GPL-2.0
/*
 * tcxctl: attach, detach and inspect programs on tcx hooks (tcx-dkms).
 *
 * The command line reads as a sentence, as bpftool's does:
 *
 *	tcxctl attach eth0 ingress obj prog.o sec tc before id 42 link
 *
 * This file holds the options, the dispatch to the commands, help and
 * version, the one-line errors, and the words every command shares
 * (devices and directions).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tcxctl.h"

#ifndef TCXCTL_VERSION
#error "TCXCTL_VERSION must be defined (see Makefile)"
#endif

bool json_output;
bool pretty_output;
bool debug_output;

/* The command as typed, which every error line starts with. */
static char context[1024];

#define ATTACH_USAGE							\
	"  tcxctl attach DEV {ingress|egress} PROG\n"			\
	"         [before REL | after REL | first | last] [replace PROG]\n" \
	"         [link [tag TAG] [pin PATH | hold]] [expected-revision N]\n"
#define DETACH_USAGE							\
	"  tcxctl detach DEV {ingress|egress} {PROG | first | last}\n"	\
	"         [expected-revision N]\n"
#define SHOW_USAGE							\
	"  tcxctl show [dev DEV] [ingress|egress]     (alias: list)\n"
#define LINK_USAGE							\
	"  tcxctl link show [LINK]\n"					\
	"  tcxctl link update LINK PROG [old PROG]\n"			\
	"  tcxctl link detach LINK\n"					\
	"  tcxctl link pin LINK PATH\n"					\
	"  tcxctl link unpin LINK\n"
#define WORDS_USAGE							\
	"  DEV  := [dev] { NAME | ifindex IFINDEX }\n"			\
	"  PROG := { obj FILE [sec SECTION] [name NAME] | id PROG_ID | pinned PATH }\n" \
	"  REL  := { PROG | link LINK_ID }\n"				\
	"  LINK := { id LINK_ID | pinned PATH }\n"

static const char options_usage[] =
	"Options:\n"
	"  -j, --json      print JSON\n"
	"  -p, --pretty    print indented JSON (implies -j)\n"
	"  -d, --debug     print libbpf's log, with the verifier's\n"
	"  -h, --help      print this help\n"
	"  -V, --version   print tcxctl's and the loaded module's versions\n";

void print_usage(FILE *f, const char *cmd)
{
	fputs("Usage: tcxctl [OPTIONS] COMMAND ...\n\n", f);
	if (!cmd)
		fputs(ATTACH_USAGE DETACH_USAGE SHOW_USAGE LINK_USAGE
		      "  tcxctl help | tcxctl COMMAND help\n", f);
	else if (!strcmp(cmd, "attach"))
		fputs(ATTACH_USAGE, f);
	else if (!strcmp(cmd, "detach"))
		fputs(DETACH_USAGE, f);
	else if (!strcmp(cmd, "show") || !strcmp(cmd, "list"))
		fputs(SHOW_USAGE, f);
	else
		fputs(LINK_USAGE, f);
	fputs("\n" WORDS_USAGE "\n", f);
	fputs(options_usage, f);
	fputs("\nSee tcxctl(8).\n", f);
}

void set_context(int argc, char **argv)
{
	size_t len = 0;
	int i, n;

	context[0] = '\0';
	for (i = 0; i < argc; i++) {
		n = snprintf(context + len, sizeof(context) - len, "%s%s",
			     i ? " " : "", argv[i]);
		if (n < 0 || (size_t)n >= sizeof(context) - len)
			break;
		len += n;
	}
}

/*
 * An error: one line on stderr, "tcxctl: MSG", or with -j, as bpftool
 * does, {"error": "MSG"} on stdout and nothing on stderr.
 */
static void print_error(const char *head, const char *fmt, va_list ap,
			const char *tail)
{
	char msg[2048];
	size_t n;

	n = snprintf(msg, sizeof(msg), "%s", head);
	if (n < sizeof(msg))
		n += vsnprintf(msg + n, sizeof(msg) - n, fmt, ap);
	if (n < sizeof(msg))
		snprintf(msg + n, sizeof(msg) - n, "%s", tail);
	fflush(stdout);
	if (json_output) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "error", json_object_new_string(msg));
		json_print(o);
		fflush(stdout);
	} else {
		fprintf(stderr, "tcxctl: %s\n", msg);
	}
}

static void main_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static void main_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	print_error("", fmt, ap, "; see 'tcxctl help'");
	va_end(ap);
}

void fail(const char *fmt, ...)
{
	char head[sizeof(context) + 2] = "";
	va_list ap;

	if (context[0])
		snprintf(head, sizeof(head), "%s: ", context);
	va_start(ap, fmt);
	print_error(head, fmt, ap, "");
	va_end(ap);
	exit(1);
}

void warn(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("tcxctl: ", stderr);
	if (context[0])
		fprintf(stderr, "%s: ", context);
	fputs("warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void usage_fail(const struct cmdline *c, const char *fmt, ...)
{
	int top = strcspn(c->cmd, " ");
	char head[64], tail[64];
	va_list ap;

	snprintf(head, sizeof(head), "%s: ", c->cmd);
	snprintf(tail, sizeof(tail), "; see 'tcxctl %.*s help'", top, c->cmd);
	va_start(ap, fmt);
	print_error(head, fmt, ap, tail);
	va_end(ap);
	exit(1);
}

const char *errdesc(int err)
{
	static char buf[160];
	const char *name;

	if (err < 0)
		err = -err;
	if (err >= __LIBBPF_ERRNO__START && err < __LIBBPF_ERRNO__END) {
		char msg[128];

		libbpf_strerror(err, msg, sizeof(msg));
		snprintf(buf, sizeof(buf), "%s (libbpf error %d)", msg, err);
		return buf;
	}
	name = strerrorname_np(err);
	if (name)
		snprintf(buf, sizeof(buf), "%s (%s)", strerror(err), name);
	else
		snprintf(buf, sizeof(buf), "%s", strerror(err));
	return buf;
}

bool more(const struct cmdline *c)
{
	return c->argc > 0;
}

bool is_word(const struct cmdline *c, const char *word)
{
	return c->argc > 0 && !strcmp(c->argv[0], word);
}

int word_index(const struct cmdline *c, const char *const *words)
{
	char list[256];
	size_t len, used = 0;
	int i, found = -1, n = 0;

	if (c->argc <= 0 || !c->argv[0][0])
		return -1;
	for (i = 0; words[i]; i++)
		if (!strcmp(c->argv[0], words[i]))
			return i;
	len = strlen(c->argv[0]);
	list[0] = '\0';
	for (i = 0; words[i]; i++) {
		if (strncmp(c->argv[0], words[i], len))
			continue;
		used += snprintf(list + used, sizeof(list) - used, "%s%s",
				 n ? ", " : "", words[i]);
		if (used >= sizeof(list))
			used = sizeof(list) - 1;
		found = i;
		n++;
	}
	if (n > 1)
		usage_fail(c, "'%s' is ambiguous: %s", c->argv[0], list);
	return found;
}

bool is_kw(const struct cmdline *c, const char *const *words,
	   const char *word)
{
	int i = word_index(c, words);

	return i >= 0 && !strcmp(words[i], word);
}

const char *next_word(struct cmdline *c, const char *what)
{
	if (c->argc <= 0)
		usage_fail(c, "%s missing", what);
	c->argc--;
	return *c->argv++;
}

__u64 next_u64(struct cmdline *c, const char *what)
{
	const char *word = next_word(c, what);
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(word, &end, 0);
	if (errno || end == word || *end || word[0] == '-')
		usage_fail(c, "%s must be a number, not '%s'", what, word);
	return v;
}

__u32 next_u32(struct cmdline *c, const char *what)
{
	const char *word = c->argc > 0 ? c->argv[0] : "";
	__u64 v = next_u64(c, what);

	if (v > UINT_MAX)
		usage_fail(c, "%s %s is out of range", what, word);
	return v;
}

/*
 * On a kernel with tcx of its own libtcx talks bpf() and needs no module
 * (a query on lo tells now whether bpf() is allowed); otherwise /dev/tcx is
 * opened now.  Either way, their errors come first.
 */
void need_tcx(void)
{
	int backend = tcx_backend();
	int fd;

	if (backend == -EINVAL)
		fail("TCX_BACKEND=%s names no backend: use module or native",
		     getenv("TCX_BACKEND"));
	if (backend == TCX_BACKEND_NATIVE) {
		/* bpf() wants CAP_NET_ADMIN: ask lo (ifindex 1 in every netns). */
		LIBTCX_OPTS(tcx_query, q);
		fd = tcx_query(1, TCX_DIR_INGRESS, &q);
		if (fd == -EPERM || fd == -EACCES)
			fail("cannot use bpf(): permission denied (%s); "
			     NEEDS_NET_ADMIN, strerrorname_np(-fd));
		return;
	}
	fd = tcx_dev_fd();
	if (fd >= 0)
		return;
	switch (-fd) {
	case ENOENT:
		fail("cannot open /dev/tcx: the tcx module is not loaded (ENOENT); load it with 'modprobe tcx'");
	case EACCES:
	case EPERM:
		fail("cannot open /dev/tcx: permission denied (%s); it is root's (mode 0600), and then "
		     NEEDS_NET_ADMIN, strerrorname_np(-fd));
	default:
		fail("cannot open /dev/tcx: %s", errdesc(fd));
	}
}

void parse_dev(struct cmdline *c, struct dev *dev)
{
	const char *name;

	memset(dev, 0, sizeof(*dev));
	/* "dev eth0", as ip and bpftool write it, or just "eth0". */
	if (is_word(c, "dev") && c->argc > 1)
		next_word(c, "dev");
	if (is_word(c, "ifindex")) {
		__u32 ifindex;

		next_word(c, "ifindex");
		ifindex = next_u32(c, "IFINDEX");
		if (!ifindex || ifindex > INT_MAX)
			usage_fail(c, "ifindex %u is not a valid interface index",
				   ifindex);
		dev->ifindex = ifindex;
		return;
	}
	name = next_word(c, "DEV");
	if (strlen(name) >= IF_NAMESIZE)
		usage_fail(c, "device name '%s' is too long (at most %d bytes)",
			   name, IF_NAMESIZE - 1);
	strcpy(dev->name, name);
}

/* Name -> ifindex or ifindex -> name, in the current network namespace. */
void resolve_dev(struct dev *dev)
{
	if (dev->ifindex) {
		if (!if_indextoname(dev->ifindex, dev->name))
			fail("no device with ifindex %d (ENODEV)", dev->ifindex);
	} else {
		dev->ifindex = if_nametoindex(dev->name);
		if (!dev->ifindex)
			fail("no such device %s (ENODEV)", dev->name);
	}
}

bool parse_dir(struct cmdline *c, enum tcx_dir *dir)
{
	static const char *const dirs[] = { "ingress", "egress", NULL };

	switch (word_index(c, dirs)) {
	case 0:
		*dir = TCX_DIR_INGRESS;
		break;
	case 1:
		*dir = TCX_DIR_EGRESS;
		break;
	default:
		return false;
	}
	next_word(c, "direction");
	return true;
}

enum tcx_dir next_dir(struct cmdline *c)
{
	enum tcx_dir dir;

	if (!more(c))
		usage_fail(c, "direction missing: ingress or egress");
	if (!parse_dir(c, &dir))
		usage_fail(c, "'%s' is not a direction: ingress or egress",
			   c->argv[0]);
	return dir;
}

const char *dir_name(enum tcx_dir dir)
{
	return dir == TCX_DIR_INGRESS ? "ingress" : "egress";
}

const char *dir_kind(enum tcx_dir dir)
{
	return dir == TCX_DIR_INGRESS ? "tcx/ingress" : "tcx/egress";
}

void json_print(struct json_object *obj)
{
	int flags = JSON_C_TO_STRING_NOSLASHESCAPE;

	flags |= pretty_output ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED :
				 JSON_C_TO_STRING_PLAIN;
	puts(json_object_to_json_string_ext(obj, flags));
	json_object_put(obj);
}

/* Versions never fail: what cannot be known is said so. */
static int print_version(void)
{
	const char *backend = tcx_backend_name(tcx_backend());
	char ver[TCX_VERSION_LEN];
	__u32 abi;
	int ret;

	ret = tcx_module_version(&abi, ver, sizeof(ver));
	if (json_output) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "version",
				       json_object_new_string(TCXCTL_VERSION));
		json_object_object_add(o, "backend", backend ?
				       json_object_new_string(backend) : NULL);
		json_object_object_add(o, "module_version", ret < 0 ? NULL :
				       json_object_new_string(ver));
		json_object_object_add(o, "abi_version", ret < 0 ? NULL :
				       json_object_new_int64(abi));
		json_print(o);
		return 0;
	}
	printf("tcxctl %s\n", TCXCTL_VERSION);
	if (ret >= 0)
		printf("module %s (ABI %u)\n", ver, abi);
	else if (ret == -ENOENT && tcx_backend() == TCX_BACKEND_NATIVE)
		printf("module not loaded (native tcx needs none)\n");
	else if (ret == -ENOENT)
		printf("module not loaded (modprobe tcx)\n");
	else
		printf("module unknown: /dev/tcx: %s\n", errdesc(ret));
	printf("backend %s\n", backend ? backend :
	       "none: TCX_BACKEND names neither module nor native");
	return 0;
}

static int libbpf_log(enum libbpf_print_level level, const char *fmt,
		      va_list ap)
{
	(void)level;
	if (!debug_output)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

/* libtcx's words only with -d: tcxctl's own line says what went wrong. */
static int libtcx_log(enum libtcx_print_level level, const char *fmt,
		      va_list ap)
{
	(void)level;
	if (!debug_output)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

/* Prefixes name the commands, not the alias list. */
static const char *const command_words[] = {
	"attach", "detach", "show", "link", "help", NULL
};

static const struct {
	const char *name;
	int (*fn)(struct cmdline *c);
} commands[] = {
	{ "attach",	do_attach },
	{ "detach",	do_detach },
	{ "show",	do_show },
	{ "list",	do_show },
	{ "link",	do_link },
};

int main(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "json",	no_argument,	NULL, 'j' },
		{ "pretty",	no_argument,	NULL, 'p' },
		{ "debug",	no_argument,	NULL, 'd' },
		{ "help",	no_argument,	NULL, 'h' },
		{ "version",	no_argument,	NULL, 'V' },
		{}
	};
	struct cmdline c;
	bool help = false, version = false;
	const char *cmd;
	size_t i;
	int opt;

	/* Our own one-line message instead of getopt's. */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "jpdhV", long_opts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			json_output = true;
			break;
		case 'p':
			json_output = true;
			pretty_output = true;
			break;
		case 'd':
			debug_output = true;
			break;
		case 'h':
			help = true;
			break;
		case 'V':
			version = true;
			break;
		default:
			if (optopt)
				main_error("unknown option '-%c'", optopt);
			else
				main_error("unknown option '%s'", argv[optind - 1]);
			return 1;
		}
	}
	libbpf_set_print(libbpf_log);
	libtcx_set_print(libtcx_log);

	c.argc = argc - optind;
	c.argv = argv + optind;
	c.cmd = "tcxctl";

	if (version)
		return print_version();
	if (is_kw(&c, command_words, "help")) {
		help = true;
		c.argc--;
		c.argv++;
	}
	if (!more(&c)) {
		if (help) {
			print_usage(stdout, NULL);
			return 0;
		}
		main_error("no command given");
		return 1;
	}

	cmd = is_word(&c, "list") ? "list" : NULL;
	if (!cmd && word_index(&c, command_words) >= 0)
		cmd = command_words[word_index(&c, command_words)];
	for (i = 0; cmd && i < ARRAY_SIZE(commands); i++) {
		if (strcmp(cmd, commands[i].name))
			continue;
		c.cmd = commands[i].name;
		if (help || (c.argc > 1 && !strcmp(c.argv[1], "help"))) {
			print_usage(stdout, c.cmd);
			return 0;
		}
		set_context(c.argc, c.argv);
		c.argc--;
		c.argv++;
		return commands[i].fn(&c) ? 1 : 0;
	}
	main_error("unknown command '%s'", c.argv[0]);
	return 1;
}
