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
#                   Then the cost of a bpf() call under the compatibility
#                   layer (bench/compat, 2 minutes).

PUBLIC		+= bench

ifneq ($(TCX_DEPS_DONE),)

# gnuplot draws the plot on the host; only this target needs it.
bench: module tools
	scripts/deps.sh bench
	case " $${BENCH_KERNELS:-6.1 6.12} " in *" 6.12 "*) scripts/deps.sh kernel612 ;; esac
	$(MAKE) -C bench O=$(BUILD)/bench BPF_DIR=$(BUILD)/bpf LIBTCX_DIR=$(BUILD)/lib
	bench/run
	bench/compat

endif
