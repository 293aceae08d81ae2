// SPDX-License-Identifier: GPL-2.0
/*
 * tc: the classic tc filters that run on the same hook as tcx, read over
 * rtnetlink with libmnl.
 *
 * Of a device's ingress queue qdisc, clsact has an ingress and an egress
 * filter list, the ingress qdisc an ingress list only.  Both are dumped as
 * "tc filter show dev DEV ingress|egress" dumps them (parent ffff:fff2 or
 * ffff:fff3), chain 0 only, in the order they run: by priority, and within
 * one priority in the classifier's own list order (cls_bpf: the newest
 * handle first).  Chains other than 0 run only when a filter jumps there
 * (goto chain), so they have no place in that order.
 *
 * A cls_bpf filter is one entry per handle, with its program.  Any other
 * classifier (u32, flower, matchall...) is one entry per priority: the
 * kernel's first message for it, without options, stands for the further
 * ones (a handle each, and for u32 its hash tables too).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>

#include "tcxctl.h"

/* One dump's messages at a time; as libmnl's MNL_SOCKET_DUMP_SIZE. */
#define TC_DUMP_BUF	32768

struct tc_nl {
	struct mnl_socket *sock;
	unsigned int portid;
	unsigned int seq;
};

static struct tc_nl nl;

static int tc_nl_open(void)
{
	if (nl.sock)
		return 0;
	nl.sock = mnl_socket_open(NETLINK_ROUTE);
	if (!nl.sock)
		return -errno;
	if (mnl_socket_bind(nl.sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		int err = -errno;

		mnl_socket_close(nl.sock);
		nl.sock = NULL;
		return err;
	}
	nl.portid = mnl_socket_get_portid(nl.sock);
	nl.seq = time(NULL);
	return 0;
}

/* Send the dump request NLH and feed every answer to CB; 0 or -errno. */
static int tc_nl_dump(struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	char *buf;
	int ret;

	buf = malloc(TC_DUMP_BUF);
	if (!buf)
		return -ENOMEM;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = ++nl.seq;
	ret = mnl_socket_sendto(nl.sock, nlh, nlh->nlmsg_len);
	if (ret < 0) {
		ret = -errno;
		goto out;
	}
	do {
		ret = mnl_socket_recvfrom(nl.sock, buf, TC_DUMP_BUF);
		if (ret < 0) {
			ret = -errno;
			goto out;
		}
		/* An NLMSG_ERROR answer: -1 with the kernel's errno. */
		errno = 0;
		ret = mnl_cb_run(buf, ret, nl.seq, nl.portid, cb, data);
		if (ret < 0) {
			ret = errno ? -errno : -EBADMSG;
			goto out;
		}
	} while (ret > MNL_CB_STOP);
	ret = 0;
out:
	free(buf);
	return ret;
}

static struct nlmsghdr *tc_request(char *buf, __u16 type, int ifindex,
				   __u32 parent)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct tcmsg *tcm;

	nlh->nlmsg_type = type;
	tcm = mnl_nlmsg_put_extra_header(nlh, sizeof(*tcm));
	tcm->tcm_family = AF_UNSPEC;
	tcm->tcm_ifindex = ifindex;
	tcm->tcm_parent = parent;
	return nlh;
}

struct tc_attrs {
	const struct nlattr *tb[TCA_MAX + 1];
};

static int tc_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if (mnl_attr_type_valid(attr, TCA_MAX) < 0)
		return MNL_CB_OK;	/* newer than these headers: not ours */
	tb[type] = attr;
	return MNL_CB_OK;
}

static int bpf_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if (mnl_attr_type_valid(attr, TCA_BPF_MAX) < 0)
		return MNL_CB_OK;
	tb[type] = attr;
	return MNL_CB_OK;
}

/* A string attribute, as the kernel's NLA_STRING: NUL-terminated within. */
static bool attr_str(const struct nlattr *attr, char *buf, size_t len)
{
	if (!attr || mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
		return false;
	snprintf(buf, len, "%s", mnl_attr_get_str(attr));
	return true;
}

/*
 * The qdisc on each device's ingress queue (clsact, ingress), from one
 * dump of the namespace's qdiscs made on the first call: the kernel dumps
 * every device's anyway, and one dump per device would make show over many
 * devices quadratic.
 */
struct ingress_qdisc {
	int ifindex;
	char kind[32];
};

static struct {
	bool done;
	size_t count, cap;
	struct ingress_qdisc *q;
	int err;
} qdiscs;

static int qdisc_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct tcmsg *tcm = mnl_nlmsg_get_payload(nlh);
	struct ingress_qdisc *n, q = { .ifindex = tcm->tcm_ifindex };
	struct tc_attrs a = {};

	(void)data;
	if (nlh->nlmsg_type != RTM_NEWQDISC || tcm->tcm_parent != TC_H_INGRESS)
		return MNL_CB_OK;
	if (mnl_attr_parse(nlh, sizeof(*tcm), tc_attr_cb, a.tb) < 0)
		return MNL_CB_ERROR;
	if (!attr_str(a.tb[TCA_KIND], q.kind, sizeof(q.kind)))
		return MNL_CB_OK;
	if (qdiscs.count == qdiscs.cap) {
		qdiscs.cap = qdiscs.cap ? 2 * qdiscs.cap : 16;
		n = realloc(qdiscs.q, qdiscs.cap * sizeof(*n));
		if (!n) {
			qdiscs.err = -ENOMEM;
			return MNL_CB_ERROR;
		}
		qdiscs.q = n;
	}
	qdiscs.q[qdiscs.count++] = q;
	return MNL_CB_OK;
}

static int ingress_qdisc(int ifindex, char *kind, size_t len)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	size_t i;
	int err;

	if (!qdiscs.done) {
		nlh = tc_request(buf, RTM_GETQDISC, 0, 0);
		err = tc_nl_dump(nlh, qdisc_cb, NULL);
		if (err)
			return qdiscs.err ? qdiscs.err : err;
		qdiscs.done = true;
	}
	kind[0] = '\0';
	for (i = 0; i < qdiscs.count; i++)
		if (qdiscs.q[i].ifindex == ifindex)
			snprintf(kind, len, "%s", qdiscs.q[i].kind);
	return 0;
}

struct filter_dump {
	struct tc_hook *hook;
	int err;
};

static int add_entry(struct filter_dump *d, const struct tc_entry *e)
{
	struct tc_hook *h = d->hook;
	struct tc_entry *n;

	if (h->count == h->cap) {
		h->cap = h->cap ? 2 * h->cap : 8;
		n = realloc(h->entries, h->cap * sizeof(*n));
		if (!n) {
			d->err = -ENOMEM;
			return MNL_CB_ERROR;
		}
		h->entries = n;
	}
	h->entries[h->count++] = *e;
	return MNL_CB_OK;
}

static int filter_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct tcmsg *tcm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *bpf[TCA_BPF_MAX + 1] = {};
	struct filter_dump *d = data;
	struct tc_attrs a = {};
	struct tc_entry e = {};

	if (nlh->nlmsg_type != RTM_NEWTFILTER)
		return MNL_CB_OK;
	if (mnl_attr_parse(nlh, sizeof(*tcm), tc_attr_cb, a.tb) < 0)
		return MNL_CB_ERROR;
	if (a.tb[TCA_CHAIN] && mnl_attr_get_u32(a.tb[TCA_CHAIN]))
		return MNL_CB_OK;
	if (!attr_str(a.tb[TCA_KIND], e.kind, sizeof(e.kind)))
		return MNL_CB_OK;
	e.prio = TC_H_MAJ(tcm->tcm_info) >> 16;
	e.protocol = ntohs(TC_H_MIN(tcm->tcm_info));
	e.handle = tcm->tcm_handle;

	if (strcmp(e.kind, "bpf")) {
		/* The classifier's own message: no handle, no options. */
		if (a.tb[TCA_OPTIONS])
			return MNL_CB_OK;
		return add_entry(d, &e);
	}
	if (!a.tb[TCA_OPTIONS])
		return MNL_CB_OK;
	if (mnl_attr_parse_nested(a.tb[TCA_OPTIONS], bpf_attr_cb, bpf) < 0)
		return MNL_CB_ERROR;
	e.is_bpf = true;
	if (bpf[TCA_BPF_ID] &&
	    !mnl_attr_validate(bpf[TCA_BPF_ID], MNL_TYPE_U32))
		e.prog_id = mnl_attr_get_u32(bpf[TCA_BPF_ID]);
	e.has_name = attr_str(bpf[TCA_BPF_NAME], e.name, sizeof(e.name));
	if (bpf[TCA_BPF_FLAGS] &&
	    !mnl_attr_validate(bpf[TCA_BPF_FLAGS], MNL_TYPE_U32))
		e.direct_action = mnl_attr_get_u32(bpf[TCA_BPF_FLAGS]) &
				  TCA_BPF_FLAG_ACT_DIRECT;
	return add_entry(d, &e);
}

int tc_hook_dump(int ifindex, enum tcx_dir dir, struct tc_hook *h)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct filter_dump d = { .hook = h };
	struct nlmsghdr *nlh;
	__u32 parent;
	int err;

	memset(h, 0, sizeof(*h));
	h->failed = "opening an rtnetlink socket";
	err = tc_nl_open();
	if (err)
		return err;

	h->failed = "listing the qdiscs";
	err = ingress_qdisc(ifindex, h->qdisc, sizeof(h->qdisc));
	if (err)
		return err;
	if (strcmp(h->qdisc, "clsact") &&
	    (strcmp(h->qdisc, "ingress") || dir != TCX_DIR_INGRESS)) {
		/* No filter list of this direction: nothing runs there. */
		h->qdisc[0] = '\0';
		return 0;
	}

	parent = TC_H_MAKE(TC_H_CLSACT, dir == TCX_DIR_INGRESS ?
			   TC_H_MIN_INGRESS : TC_H_MIN_EGRESS);
	h->failed = "dumping its tc filters";
	nlh = tc_request(buf, RTM_GETTFILTER, ifindex, parent);
	mnl_attr_put_u32(nlh, TCA_CHAIN, 0);
	err = tc_nl_dump(nlh, filter_cb, &d);
	if (err && d.err)
		err = d.err;
	if (err)
		tc_hook_free(h);
	return err;
}

void tc_hook_free(struct tc_hook *h)
{
	free(h->entries);
	h->entries = NULL;
	h->count = 0;
	h->cap = 0;
}
