# SPDX-License-Identifier: GPL-2.0
#
# Upstream's own tc_opts and tc_links tests (linux-source-6.12's BPF
# selftests, unedited) against tcx-dkms on 6.1 through the compatibility
# layer, without it, and against native tcx on 6.12 (tests/upstream/).
#
#   make upstream          build/upstream/test_progs (fetches the source once)
#   make check-upstream    the three runs side by side; results in
#                          build/results/upstream, last line N passed, N failed,
#                          N skipped of the 6.1 run under the layer
#
# check-upstream-stage is the stage of `make check`: the 6.1 run under the
# layer only (2 to 4 minutes under emulation), its totals in
# build/results/upstream.tap for tests/tally.  The 6.12 control (3 more
# minutes) changes only with the 6.12 kernel or the source, and the bare run
# only shows again that 6.1 refuses tcx through bpf(): both are left to
# check-upstream.

PUBLIC		+= upstream check-upstream

ifneq ($(TCX_DEPS_DONE),)

.PHONY: upstream check-upstream check-upstream-stage

# bpftool 7.5 and libbpf 1.4 come from bookworm-backports, unpacked into
# $(TCX_CACHE)/backports by scripts/deps.sh backports.
upstream:
	@test -x $(TCX_CACHE)/backports/usr/sbin/bpftool || $(DEPS) backports
	@tests/upstream/fetch
	$(MAKE) -C tests/upstream O=$(BUILD)/upstream

check-upstream: all upstream
	@$(DEPS) kernel612
	tests/upstream/run $(RESULTS)

check-upstream-stage:
	@echo "== upstream's tc_opts and tc_links on 6.1 under tcx-compat"
	@{ $(SUBMAKE) upstream >$(RESULTS)/upstream-build.log 2>&1 && \
		tests/upstream/run --runs compat $(RESULTS); } || \
		[ -f $(RESULTS)/upstream.tap ] || \
		{ echo 1 >$(RESULTS)/upstream.rc; tail -n 20 $(RESULTS)/upstream-build.log; }

endif
