# SPDX-License-Identifier: GPL-2.0
#
# Benchmarks: tcx-dkms against clsact + cls_bpf and against no hook.
#
#   make bench      packet rates (pktgen, ingress and egress, 1..63
#                   programs), attach+detach rates and memory per device,
#                   in one VM boot on 6.1, and the packet rates of native
#                   tcx in a second boot on 6.12 (BENCH_KERNELS; 25-30
#                   minutes; not part of check).
#                   Table on stdout, CSV and plot in build/bench, the
#                   latest table in bench/RESULTS.md.  See bench/run.
#                   Then where one packet's instructions go at N = 1, on
#                   6.1 with tcx.ko and on 6.12 (bench/profile, 3 minutes:
#                   it needs the 6.12 kernel whatever BENCH_KERNELS says).
#                   Then the cost of a bpf() call under the compatibility
#                   layer (bench/compat, 2 minutes).

PUBLIC		+= bench

ifneq ($(TCX_DEPS_DONE),)

# gnuplot draws the plot on the host; only this target needs it.
bench: module tools
	scripts/deps.sh bench
	scripts/deps.sh kernel612
	$(MAKE) -C bench O=$(BUILD)/bench BPF_DIR=$(BUILD)/bpf LIBTCX_DIR=$(BUILD)/lib
	bench/run
	bench/compat

endif
