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

  python3 bench/profile.py analyze KALLSYMS PCS OUTDIR [KIND]
      per-function self counts (in the order of first entry), categories,
      OUTDIR/functions.txt, OUTDIR/summary.json; fails when the trace holds
      interrupt code or another task, or with KIND (drop, pass, nohook)
      when the program did not run once (drop, pass) or ran (nohook)
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

# Out-of-line rcu_read_lock() and friends (PREEMPT_DYNAMIC kernels): they
# count where their caller counts, as the thunks do.
HELPERS = {"__local_bh_enable_ip", "local_bh_enable", "__rcu_read_lock",
           "__rcu_read_unlock", "preempt_count_add", "preempt_count_sub",
           "migrate_disable", "migrate_enable", "rcu_read_unlock_strict"}


def is_thunk(name):
    return name.startswith(THUNK_PREFIXES)


def is_helper(name):
    """Counted where its caller counts."""
    return is_thunk(name) or name in HELPERS


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
    if name.startswith(("pktgen", "kthread")) or mod == "pktgen":
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
    inside, outside = [], []
    cur = inside
    with gzip.open(path, "rt") as f:
        for line in f:
            if line.startswith("# return"):
                cur = outside
            elif not line.startswith("#"):
                cur.append(int(line, 16))
    return inside, outside


def analyze(kallsyms, pcs_path, outdir, kind=None):
    syms = Symbols(kallsyms)
    native = syms.byname.get("tcx_link_attach", (0, "tcx"))[1] == ""
    inside, outside = read_pcs(pcs_path)
    named = [syms.lookup(pc) for pc in inside + outside]
    funcs = {}      # (phase, name) -> row
    order = []
    cats = {c: 0 for c, _ in CATEGORIES}
    helpers = {c: 0 for c, _ in CATEGORIES}
    prev = None
    cat = "other"
    caller = None
    for i, pc in enumerate(inside + outside):
        phase = "in" if i < len(inside) else "out"
        name, mod = named[i]
        if name != prev:
            if not is_helper(name):
                caller = None
            elif caller is None:
                caller = "%x" % (inside + outside)[i - 1] if i else None
            if is_helper(name):
                # A thunk or a small helper counts where its caller, the
                # function before it, counts; the indirect call into a
                # program is the hook's.
                if name.startswith("__x86_indirect_") and \
                        next_real_category(named, i, native) == "prog":
                    cat = "hook"
            else:
                cat = category(name, mod, native)
        key = (phase, name)
        row = funcs.get(key)
        if row is None:
            row = funcs[key] = {"name": name, "mod": mod, "phase": phase,
                                "self": 0, "entries": 0, "cats": {},
                                "pcs": {}, "from": {}}
            order.append(key)
        row["self"] += 1
        if name != prev:
            row["entries"] += 1
        prev = name
        if phase == "in":
            row["cats"][cat] = row["cats"].get(cat, 0) + 1
            row["pcs"]["%x" % pc] = row["pcs"].get("%x" % pc, 0) + 1
            cats[cat] += 1
            if is_helper(name):
                helpers[cat] += 1
                # Where a helper counted in the core was called from.
                if cat == "core" and caller:
                    row["from"][caller] = row["from"].get(caller, 0) + 1

    # The trace must be the packet's and nothing else: no interrupt came
    # in, and the program ran once (bench_drop, bench_pass) or not at all.
    irq = sorted(set(n for n, _ in named
                     if n.startswith(("asm_sysvec", "asm_common_interrupt",
                                      "sysvec_", "__sysvec_", "asm_exc_"))))
    if irq:
        sys.exit("profile: %s: interrupt code in the trace: %s"
                 % (pcs_path, ", ".join(irq)))
    # Nor did pktgen's thread give the CPU to another task in between.
    if any(n in ("__schedule", "__switch_to_asm") for n, _ in named):
        sys.exit("profile: %s: another task ran in the trace" % pcs_path)
    progs = sum(r["entries"] for r in funcs.values()
                if r["phase"] == "in" and r["name"].startswith("bpf_prog_"))
    if kind is not None and progs != (0 if kind == "nohook" else 1):
        sys.exit("profile: %s: %s, yet %d program runs in the trace"
                 % (pcs_path, kind, progs))

    os.makedirs(outdir, exist_ok=True)
    with open(os.path.join(outdir, "functions.txt"), "w") as f:
        f.write("# phase: in = inside the call, out = pktgen until the next "
                "packet's call; category: where the instructions count\n")
        f.write("# %-5s %-40s %-8s %6s %7s  %s\n"
                % ("phase", "function", "module", "self", "entries",
                   "category"))
        for key in order:
            r = funcs[key]
            c = "+".join("%s:%d" % kv for kv in sorted(r["cats"].items())) \
                if len(r["cats"]) > 1 else next(iter(r["cats"]), "pktgen")
            f.write("  %-5s %-40s %-8s %6d %7d  %s\n"
                    % (r["phase"], r["name"], r["mod"] or "-", r["self"],
                       r["entries"], c))
    summary = {
        "native": native,
        "inside": len(inside),
        "outside": len(outside),
        "categories": cats,
        "helpers": helpers,
        "functions": [funcs[k] for k in order],
    }
    with open(os.path.join(outdir, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
    return summary


def next_real_category(named, i, native):
    for name, mod in named[i:]:
        if not is_helper(name):
            return category(name, mod, native)
    return None


def core_rows(summary, name):
    """NAME's rows inside the call, also under a GCC clone's name."""
    return [r for r in summary["functions"]
            if r["phase"] == "in" and
            (r["name"] == name or r["name"].startswith(name + "."))]


CORE_FN = {"ingress": "__netif_receive_skb_core", "egress": "__dev_queue_xmit"}


def inlined_hook(drop, nohook, direction):
    """Instructions the core function executes in the drop trace at
    addresses that the no-hook trace (same boot, same text) never reaches:
    the hook code inlined into it and its handling of the verdict."""
    fn = CORE_FN[direction]
    seen = set()
    for r in core_rows(nohook, fn):
        seen.update(r["pcs"])
    new = set(pc for r in core_rows(drop, fn) for pc in r["pcs"]) - seen
    own = sum(n for r in core_rows(drop, fn)
              for pc, n in r["pcs"].items() if pc in new)
    # With the helpers (rcu_read_lock()...) that code calls.
    called = sum(n for r in drop["functions"] if r["phase"] == "in"
                 for pc, n in r["from"].items() if pc in new)
    return own + called


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

    def row(label, cells):
        w("| %s | %s |" % (label, " | ".join(cells)))

    def share(n, s):
        return "%d (%.0f%%)" % (n, 100.0 * n / s["inside"])

    drop = {c: runs[c + "-drop"] for c in cols}
    # The hook code inlined into the core function, found by address.
    inl = {}
    for c in cols:
        if c + "-nohook" in runs:
            inl[c] = inlined_hook(drop[c], runs[c + "-nohook"], c.split("-")[1])

    w("| instructions | " + " | ".join(
        "%s %s" % tuple(c.split("-")) for c in cols) + " |")
    w("|---|" + "---:|" * len(cols))
    for cat, label in CATEGORIES:
        cells = []
        for c in cols:
            s = drop[c]
            n = s["categories"][cat]
            if cat == "core" and c in inl:
                n -= inl[c]
            elif c in inl and cat == ("hook" if s["native"] else "netfilter"):
                n += inl[c]
            cells.append(share(n, s))
        row(label, cells)
    row("**inside the call**", ["**%d**" % drop[c]["inside"] for c in cols])
    row("pktgen, on to the next packet",
        ["%d" % drop[c]["outside"] for c in cols])
    row("**per packet** (entry to next entry)",
        ["**%d**" % (drop[c]["inside"] + drop[c]["outside"]) for c in cols])
    w("")
    w("Hook code inlined into the core function: the instructions it "
      "executes at addresses that the no-hook trace of the same boot never "
      "reaches (the inlined hook and its handling of the verdict), with the "
      "helpers called from there; counted above in the netfilter layer on "
      "6.1, in the tcx hook on 6.12:")
    w("")
    w("| | " + " | ".join("%s %s" % tuple(c.split("-")) for c in cols) + " |")
    w("|---|" + "---:|" * len(cols))
    row("hook code inlined into the core function",
        ["%s in %s" % (inl[c], CORE_FN[c.split("-")[1]]) if c in inl else "-"
         for c in cols])
    for cat in ("netfilter", "hook"):
        row("%s, own functions (no inlined code)" % dict(CATEGORIES)[cat],
            ["%d" % drop[c]["categories"][cat] for c in cols])
    row("thunks and rcu/bh helpers, counted with their caller",
        ["%d" % sum(drop[c]["helpers"].values()) for c in cols])
    for kind, label in (("pass", "bench_pass (goes on)"),
                        ("nohook", "no hook")):
        if all(c + "-" + kind in runs for c in cols):
            row("%s: inside the call / per packet" % label,
                ["%d / %d" % (runs[c + "-" + kind]["inside"],
                              runs[c + "-" + kind]["inside"]
                              + runs[c + "-" + kind]["outside"])
                 for c in cols])
    w("")
    w("Function by function, bench_drop: self instructions inside the "
      "call, in the order of first entry (`[m]`: module):")
    w("")
    for c in cols:
        w("- %s %s: %s" % (*c.split("-"), ", ".join(
            "%s%s %d" % (r["name"], " [%s]" % r["mod"] if r["mod"] else "",
                         r["self"])
            for r in drop[c]["functions"] if r["phase"] == "in")))
    text = "\n".join(lines) + "\n"
    with open(os.path.join(out, "profile.md"), "w") as f:
        f.write(text)
    return text


def main(argv):
    if len(argv) in (5, 6) and argv[1] == "analyze":
        analyze(*argv[2:])
    elif len(argv) == 3 and argv[1] == "report":
        sys.stdout.write(report(argv[2]))
    else:
        sys.exit("usage: profile.py analyze KALLSYMS PCS OUTDIR [KIND] | report OUT")


if "gdb" in sys.modules:
    gdb_trace()
elif __name__ == "__main__":
    main(sys.argv)
