# SPDX-License-Identifier: GPL-2.0
"""Exact per-function instruction profile of one packet (bench/profile).

Two halves in one file:

  inside gdb (gdb -nx -batch -x bench/profile.py, settings in PROFILE_*):
      attaches to QEMU's gdbstub, stops at the entry of netif_receive_skb
      (ingress) or __dev_queue_xmit (egress) when pktgen calls it for the
      PROFILE_SKIP-th time, then single-steps the guest, recording every
      instruction's address, until that call has returned and pktgen has
      come back to the same entry with its next packet.  QEMU's gdbstub
      steps with interrupts and timers masked (its default sstep flags), so
      the trace is the packet's code only; TCG executes each iteration of a
      rep-prefixed instruction as one step, as -icount counts it.

  python3 bench/profile.py analyze KALLSYMS PCS OUTDIR
      per-function self counts (in the order of first entry), categories,
      OUTDIR/functions.txt, OUTDIR/summary.json, OUTDIR/summary.md
  python3 bench/profile.py report OUT
      OUT/profile.md from every OUT/*/summary.json
"""

import bisect
import gzip
import json
import os
import sys

ENTRY = {"ingress": "netif_receive_skb", "egress": "__dev_queue_xmit"}

CATEGORIES = [
    ("core", "receive/transmit core path"),
    ("netfilter", "netfilter layer"),
    ("hook", "tcx hook"),
    ("prog", "BPF program"),
    ("free", "drop/free path"),
    ("other", "other"),
]

THUNK_PREFIXES = ("__x86_indirect_", "__x86_return_thunk", "srso_",
                  "retbleed_", "zen_untrain_ret", "entry_untrain_ret",
                  "__x86_return_skl", "call_depth_return_thunk")

FREE = {"kfree_skb", "kfree_skb_reason", "__kfree_skb", "kfree_skbmem",
        "skb_release_all", "skb_release_head_state", "skb_release_data",
        "skb_free_head", "consume_skb", "__consume_stateless_skb",
        "sk_skb_reason_drop", "kmem_cache_free", "__slab_free", "kfree",
        "skb_attempt_defer_free", "napi_consume_skb", "page_frag_free",
        "dst_release", "skb_orphan", "skb_dst_drop", "kfree_skb_list_reason",
        "__kfree_skb_reason", "skb_unref", "__build_skb_around"}

# Everything else on the path of the call is its core; these are not.
OTHER = {"__local_bh_enable_ip", "local_bh_enable", "__rcu_read_lock",
         "__rcu_read_unlock", "preempt_count_add", "preempt_count_sub",
         "migrate_disable", "migrate_enable", "rcu_read_unlock_strict"}


def is_thunk(name):
    return name.startswith(THUNK_PREFIXES)


def category(name, mod, native):
    if mod == "bpf" or name.startswith("bpf_prog_"):
        return "prog"
    if mod == "tcx" or name.startswith("tcx_"):
        return "hook"
    # Native tcx: tcx_run() is inlined into these.
    if native and name in ("sch_handle_ingress", "sch_handle_egress"):
        return "hook"
    if name.startswith(("nf_", "__nf_", "nft_")) or mod == "nf_tables":
        return "netfilter"
    if name in FREE:
        return "free"
    if name in OTHER:
        return "other"
    return "core"


class Symbols:
    """Text symbols of /proc/kallsyms; a PC is the nearest one below."""

    def __init__(self, path):
        syms = []
        with open(path) as f:
            for line in f:
                parts = line.split()
                if len(parts) < 3 or parts[1] not in "tTwW":
                    continue
                addr = int(parts[0], 16)
                if addr == 0:
                    sys.exit("profile: %s has no addresses (kptr_restrict)" % path)
                mod = parts[3].strip("[]") if len(parts) > 3 else ""
                syms.append((addr, parts[2], mod))
        syms.sort()
        self.addrs = [s[0] for s in syms]
        self.syms = syms
        self.byname = {}
        for a, n, m in syms:
            self.byname.setdefault(n, (a, m))

    def lookup(self, pc):
        i = bisect.bisect_right(self.addrs, pc) - 1
        if i < 0:
            return ("?%x" % pc, "")
        _, name, mod = self.syms[i]
        return (name, mod)

    def module_range(self, mod):
        addrs = [a for a, _, m in self.syms if m == mod]
        return (min(addrs), max(addrs) + 0x10000) if addrs else None


# ---- inside gdb ---------------------------------------------------------

def gdb_trace():
    import gdb

    env = os.environ
    target = env["PROFILE_TARGET"]
    syms = Symbols(env["PROFILE_KALLSYMS"])
    direction = env["PROFILE_DIR"]
    skip = int(env.get("PROFILE_SKIP", "200"))
    limit = int(env.get("PROFILE_LIMIT", "200000"))
    out = env["PROFILE_PCS"]

    entry = syms.byname[ENTRY[direction]][0]
    pktgen = syms.module_range("pktgen")
    if not pktgen:
        raise gdb.GdbError("pktgen's symbols are not in kallsyms")

    gdb.execute("set pagination off")
    gdb.execute("set confirm off")
    gdb.execute("target remote %s" % target, to_string=True)

    def reg(name):
        return int(gdb.parse_and_eval("$" + name)) & 0xffffffffffffffff

    inferior = gdb.selected_inferior()

    def ret_addr(sp):
        return int.from_bytes(inferior.read_memory(sp, 8).tobytes(), "little")

    bp = gdb.Breakpoint("*0x%x" % entry, internal=True)
    hits = 0
    while True:
        gdb.execute("continue", to_string=True)
        if reg("pc") != entry:
            raise gdb.GdbError("stopped at %#x, not at the entry" % reg("pc"))
        ra = ret_addr(reg("sp"))
        if pktgen[0] <= ra < pktgen[1]:
            hits += 1
            if hits >= skip:
                break
    bp.delete()

    sp0 = reg("sp")
    ra = ret_addr(sp0)
    pcs = [entry]
    returned = None
    while len(pcs) < limit:
        gdb.execute("stepi", to_string=True)
        pc = reg("pc")
        if returned is None and pc == ra and reg("sp") > sp0:
            returned = len(pcs)
        if returned is not None and pc == entry:
            break
        pcs.append(pc)
    else:
        raise gdb.GdbError("no next packet within %d instructions" % limit)

    with gzip.open(out, "wt") as f:
        f.write("# entry %s %#x, returned after %d, next entry after %d\n"
                % (ENTRY[direction], entry, returned, len(pcs)))
        for i, pc in enumerate(pcs):
            if i == returned:
                f.write("# return\n")
            f.write("%x\n" % pc)
    gdb.execute("detach", to_string=True)


# ---- analysis -----------------------------------------------------------

def read_pcs(path):
    inside, outside, cur = [], [], None
    cur = inside
    with gzip.open(path, "rt") as f:
        for line in f:
            if line.startswith("# return"):
                cur = outside
            elif not line.startswith("#"):
                cur.append(int(line, 16))
    return inside, outside


def analyze(kallsyms, pcs_path, outdir):
    syms = Symbols(kallsyms)
    native = "tcx_link_attach" in syms.byname and \
        syms.byname.get("tcx_link_attach", (0, ""))[1] == ""
    inside, outside = read_pcs(pcs_path)
    funcs = {}      # (phase, name) -> row
    order = []
    cats = {c: 0 for c, _ in CATEGORIES}
    thunks_for = {}  # category -> thunk instructions
    prev = None
    owner = None
    for phase, pcs in (("in", inside), ("out", outside)):
        for pc in pcs:
            name, mod = syms.lookup(pc)
            if is_thunk(name):
                cat = category(owner[0], owner[1], native) if owner else "other"
                thunks_for[cat] = thunks_for.get(cat, 0) + 1
            else:
                owner = (name, mod)
                cat = category(name, mod, native)
            key = (phase, name)
            row = funcs.get(key)
            if row is None:
                row = funcs[key] = {"name": name, "mod": mod, "phase": phase,
                                    "cat": cat if phase == "in" else "loop",
                                    "self": 0, "entries": 0, "thunk_for": {}}
                order.append(key)
            row["self"] += 1
            if is_thunk(name) and phase == "in":
                row["thunk_for"][cat] = row["thunk_for"].get(cat, 0) + 1
            if prev != name:
                row["entries"] += 1
            prev = name
            if phase == "in":
                cats[cat] += 1

    os.makedirs(outdir, exist_ok=True)
    with open(os.path.join(outdir, "functions.txt"), "w") as f:
        f.write("# phase: in = inside the call, out = pktgen until the next "
                "packet's call\n")
        f.write("# %-5s %-40s %-8s %-10s %6s %7s\n"
                % ("phase", "function", "module", "category", "self", "entries"))
        for key in order:
            r = funcs[key]
            cat = r["cat"]
            if r["thunk_for"]:
                cat = "+".join("%s:%d" % kv for kv in sorted(r["thunk_for"].items()))
            f.write("  %-5s %-40s %-8s %-10s %6d %7d\n"
                    % (r["phase"], r["name"], r["mod"] or "-", cat,
                       r["self"], r["entries"]))
    summary = {
        "native": native,
        "inside": len(inside),
        "outside": len(outside),
        "categories": cats,
        "thunks": thunks_for,
        "functions": [funcs[k] for k in order],
    }
    with open(os.path.join(outdir, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
    return summary


def self_count(summary, name):
    """NAME's own instructions, also under a GCC clone's name (.constprop.0)."""
    return sum(r["self"] for r in summary["functions"]
               if r["phase"] == "in" and
               (r["name"] == name or r["name"].startswith(name + ".")))


CORE_FN = {"ingress": "__netif_receive_skb_core", "egress": "__dev_queue_xmit"}


def report(out):
    runs = {}
    for d in sorted(os.listdir(out)):
        p = os.path.join(out, d, "summary.json")
        if os.path.exists(p):
            with open(p) as f:
                runs[d] = json.load(f)
    lines = []
    w = lines.append
    kernels = []
    for d in runs:
        k = d.split("-")[0]
        if k not in kernels:
            kernels.append(k)
    cols = ["%s-%s" % (k, dr) for k in kernels for dr in ("ingress", "egress")
            if "%s-%s-drop" % (k, dr) in runs]
    if not cols:
        sys.exit("profile: no traces of bench_drop in %s" % out)

    w("Instructions of one packet, bench_drop (N = 1), counted exactly by "
      "single-stepping the guest (bench/profile).")
    w("Inside the call: from the entry of netif_receive_skb (ingress) or "
      "__dev_queue_xmit (egress) to its return; retpoline and return thunks "
      "count where their caller counts.")
    w("")
    w("| | " + " | ".join(c.replace("-", " ") for c in cols) + " |")
    w("|---|" + "---:|" * len(cols))
    for cat, label in CATEGORIES:
        cells = []
        for c in cols:
            s = runs[c + "-drop"]
            n = s["categories"][cat]
            th = s["thunks"].get(cat, 0)
            cell = "%d (%.0f%%)" % (n, 100.0 * n / s["inside"])
            if th:
                cell += ", %d in thunks" % th
            cells.append(cell)
        w("| %s | %s |" % (label, " | ".join(cells)))
    w("| **inside the call** | %s |" % " | ".join(
        "**%d**" % runs[c + "-drop"]["inside"] for c in cols))
    w("| pktgen, to the next packet | %s |" % " | ".join(
        "%d" % runs[c + "-drop"]["outside"] for c in cols))
    w("| **per packet** (entry to next entry) | %s |" % " | ".join(
        "**%d**" % (runs[c + "-drop"]["inside"] + runs[c + "-drop"]["outside"])
        for c in cols))
    for kind, label in (("pass", "bench_pass (goes on)"),
                        ("nohook", "no hook")):
        if all(c + "-" + kind in runs for c in cols):
            w("| %s: inside the call / per packet | %s |" % (label, " | ".join(
                "%d / %d" % (runs[c + "-" + kind]["inside"],
                             runs[c + "-" + kind]["inside"]
                             + runs[c + "-" + kind]["outside"])
                for c in cols)))
    # Hook code inlined into the core function: what the core function
    # itself executes more with bench_pass than with no hook (the packet
    # takes the same way on after the hook in both).
    cells = []
    for c in cols:
        dr = c.split("-")[1]
        if c + "-pass" in runs and c + "-nohook" in runs:
            fn = CORE_FN[dr]
            d = self_count(runs[c + "-pass"], fn) - \
                self_count(runs[c + "-nohook"], fn)
            cells.append("%d in %s" % (d, fn))
        else:
            cells.append("-")
    w("| hook code inlined into the core (pass - no hook, self) | %s |"
      % " | ".join(cells))
    w("")
    w("The same, function by function (self instructions inside the call, "
      "in the order of first entry; `[m]`: module):")
    w("")
    for c in cols:
        s = runs[c + "-drop"]
        w("- %s: %s" % (c.replace("-", " "), ", ".join(
            "%s%s %d" % (r["name"], " [%s]" % r["mod"] if r["mod"] else "",
                         r["self"])
            for r in s["functions"] if r["phase"] == "in")))
    text = "\n".join(lines) + "\n"
    with open(os.path.join(out, "profile.md"), "w") as f:
        f.write(text)
    return text


def main(argv):
    if len(argv) == 5 and argv[1] == "analyze":
        analyze(argv[2], argv[3], argv[4])
    elif len(argv) == 3 and argv[1] == "report":
        sys.stdout.write(report(argv[2]))
    else:
        sys.exit("usage: profile.py analyze KALLSYMS PCS OUTDIR | report OUT")


if "gdb" in sys.modules:
    gdb_trace()
elif __name__ == "__main__":
    main(sys.argv)
