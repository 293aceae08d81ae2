// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * loader: attach a tc program from a BPF object with libbpf and libtcx,
 * look at the hook, and take it off again.  The same binary works on a
 * kernel with tcx (Linux 6.6 and later) and on 6.1 with tcx-dkms: libtcx
 * picks the backend.
 *
 *   loader OBJECT PROGRAM DEVICE [ingress|egress]
 *
 * The program is attached twice over: once through a link (owned by this
 * process: it would go away with it) and once, in front of it, through the
 * program API (owned by the hook).  Build, against the installed libtcx:
 *
 *   cc -o loader loader.c $(pkg-config --cflags --libs libtcx libbpf)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <tcx/libtcx.h>

static int fail(const char *what, int err)
{
	fprintf(stderr, "loader: %s: %s\n", what, strerror(err < 0 ? -err : err));
	return 1;
}

static void show_hook(int ifindex, enum tcx_dir dir)
{
	__u32 ids[TCX_MAX_PROGS], links[TCX_MAX_PROGS], i;
	LIBTCX_OPTS(tcx_query, q, .count = TCX_MAX_PROGS, .prog_ids = ids,
		    .link_ids = links);
	int ret;

	ret = tcx_query(ifindex, dir, &q);
	if (ret) {
		fail("query", ret);
		return;
	}
	printf("hook: revision %llu, %u program(s)",
	       (unsigned long long)q.revision, q.count);
	if (q.unavailable & TCX_QUERY_NO_HOOK_FLAGS)
		printf(", live: not available");
	else
		printf(", live: %s", q.hook_flags & TCX_HOOK_F_LIVE ? "yes" : "no");
	if (q.unavailable & TCX_QUERY_NO_STATS)
		printf(", packets: not available\n");
	else
		printf(", packets: %llu\n", (unsigned long long)q.stats.packets);
	for (i = 0; i < q.count; i++) {
		if (links[i])
			printf("  %u. prog %u, link %u\n", i + 1, ids[i], links[i]);
		else
			printf("  %u. prog %u, no link\n", i + 1, ids[i]);
	}
}

static void show_link(int link_fd)
{
	struct tcx_link_info info;
	char path[64], line[128];
	FILE *f;
	int ret;

	ret = tcx_link_get_info(link_fd, &info);
	if (ret) {
		fail("link info", ret);
		return;
	}
	printf("link %u: prog %u, ifindex %u, %s%s", info.id, info.prog_id,
	       info.ifindex, info.direction == TCX_EGRESS ? "egress" : "ingress",
	       info.flags & TCX_LINK_F_DEFUNCT ? " (defunct)" : "");
	if (info.flags & TCX_LINK_F_NO_OWNER)
		printf(", owner: not available");
	else
		printf(", owner: pid %u (%s)", info.owner_pid, info.owner_comm);
	if (info.flags & TCX_LINK_F_NO_TAG)
		printf(", tag: not available\n");
	else
		printf(", tag: \"%s\"\n", info.tag);

	/* What the kernel itself says about the link fd. */
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", link_fd);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "pos:", 4) && strncmp(line, "flags:", 6) &&
		    strncmp(line, "mnt_id:", 7) && strncmp(line, "ino:", 4))
			printf("  fdinfo %s", line);
	fclose(f);
}

int main(int argc, char **argv)
{
	struct bpf_program *prog;
	struct bpf_object *obj;
	enum tcx_dir dir = TCX_DIR_INGRESS;
	int ifindex, prog_fd, link_fd, backend, ret;

	if (argc < 4 || argc > 5 ||
	    (argc == 5 && strcmp(argv[4], "ingress") && strcmp(argv[4], "egress"))) {
		fprintf(stderr, "usage: loader OBJECT PROGRAM DEVICE [ingress|egress]\n");
		return 2;
	}
	if (argc == 5 && !strcmp(argv[4], "egress"))
		dir = TCX_DIR_EGRESS;
	ifindex = if_nametoindex(argv[3]);
	if (!ifindex)
		return fail(argv[3], errno);

	backend = tcx_backend();
	if (backend < 0)
		return fail("libtcx backend", backend);
	printf("kernel tcx backend: %s\n", tcx_backend_name(backend));

	obj = bpf_object__open_file(argv[1], NULL);
	ret = libbpf_get_error(obj);
	if (ret)
		return fail(argv[1], ret);
	/* libbpf 1.1 knows no tcx/ sections: a tc program is SCHED_CLS. */
	bpf_object__for_each_program(prog, obj)
		bpf_program__set_type(prog, BPF_PROG_TYPE_SCHED_CLS);
	ret = bpf_object__load(obj);
	if (ret)
		return fail("load", ret);
	prog = bpf_object__find_program_by_name(obj, argv[2]);
	if (!prog)
		return fail(argv[2], ENOENT);
	prog_fd = bpf_program__fd(prog);

	link_fd = tcx_link_create(ifindex, dir, prog_fd, NULL);
	if (link_fd < 0)
		return fail("link create", link_fd);
	printf("attached %s to %s %s through a link\n", argv[2], argv[3],
	       dir == TCX_DIR_EGRESS ? "egress" : "ingress");
	show_link(link_fd);
	show_hook(ifindex, dir);

	/* Another program of the object in front of it, owned by the hook. */
	{
		struct bpf_program *other = NULL, *p;

		bpf_object__for_each_program(p, obj)
			if (p != prog) {
				other = p;
				break;
			}
		if (other) {
			LIBTCX_OPTS(tcx_opts, opts, .flags = TCX_F_BEFORE);

			ret = tcx_prog_attach(ifindex, dir, bpf_program__fd(other),
					      &opts);
			if (ret)
				return fail("attach", ret);
			printf("attached %s in front of it, without a link\n",
			       bpf_program__name(other));
			show_hook(ifindex, dir);
			ret = tcx_prog_detach(ifindex, dir, bpf_program__fd(other),
					      NULL);
			if (ret)
				return fail("detach", ret);
			printf("detached %s\n", bpf_program__name(other));
		}
	}

	ret = tcx_link_detach(link_fd);
	if (ret)
		return fail("link detach", ret);
	printf("detached the link\n");
	show_link(link_fd);
	show_hook(ifindex, dir);
	close(link_fd);
	bpf_object__close(obj);
	return 0;
}
