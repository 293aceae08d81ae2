# SPDX-License-Identifier: GPL-2.0
#
# One API on old and new kernels: libtcx drives tcx-dkms on 6.1 and the
# kernel's own tcx on 6.6 and later, so the same binaries run on both.
# The second VM kernel is bookworm-backports' 6.12 (scripts/deps.sh
# kernel612, unpacked into the cache like the 6.1 one).
#
#   make examples           build/examples/loader (also part of `make`)
#   make loader-demo        the loader on lo, in the 6.1 VM and in the 6.12 VM
#   make selftests-612      the selftests in the 6.12 VM, against native tcx;
#                           results in build/results/612
#   make selftests-host     the selftests on this host, whose kernel must have
#                           tcx (root; TCX_BACKEND=native); build/results/host
#
# check-612 is the 6.12 stage of `make check`: results next to the 6.1 ones
# as 612-selftest-NAME.{tap,rc}, and 612-vm.rc only when the VM run failed.

PUBLIC		+= examples loader-demo selftests-612 selftests-host

ifneq ($(TCX_DEPS_DONE),)

EXAMPLES_O	:= $(BUILD)/examples
LOADER		:= $(EXAMPLES_O)/loader
# From the installed headers, as its users build it (check-install).
LOADER_CFLAGS	:= -O2 -g -Wall -Wextra -Werror -I$(STAGE_INC)

.PHONY: examples loader-demo selftests-612 selftests-host check-612

tests: examples

examples: tools check-install
	@$(SUBMAKE) $(LOADER)

$(LOADER): examples/loader.c tools/lib/libtcx.h uapi/linux/tcx.h $(BUILD)/lib/libtcx.a
	@mkdir -p $(@D)
	$(CC) $(LOADER_CFLAGS) -o $@ $< $(BUILD)/lib/libtcx.a -lbpf -lelf -lz

# A namespace of its own: lo is fresh and nothing else is touched.
LOADER_RUN	= unshare -n sh -c 'ip link set lo up && \
		  $(LOADER) $(BUILD)/bpf/tc_progs.bpf.o tc1 lo ingress'

loader-demo: all
	@$(DEPS) kernel612
	tests/vm/run -q -- $(LOADER_RUN)
	tests/vm/run -q --kernel 6.12 -- $(LOADER_RUN)

selftests-612: all
	@$(DEPS) kernel612
	tests/vm/run --kernel 6.12 -- tests/selftests/run $(RESULTS)/612

selftests-host: tests
	TCX_BACKEND=native tests/selftests/run $(RESULTS)/host

# The suites of shared semantics; stress, fuzz_ioctl, faults and permissions
# exercise the module itself and are not run against native tcx.
NATIVE_TESTS	:= ioctl_abi tc_opts tc_links datapath tcxctl hardening examples compat_preload \
		   compat_supervised module_unload

# compat-tests: bpftool 7.5 next to the build, which tcxctl's selftest
# compares its JSON with.
check-612:
	@echo "== selftests in the 6.12 VM (native tcx)"
	@$(SUBMAKE) -s compat-tests
	@rm -rf $(RESULTS)/612; mkdir -p $(RESULTS)/612
	@$(DEPS) kernel612 && \
		tests/vm/run --kernel 6.12 -- env TCX_TESTS="$(NATIVE_TESTS)" \
			tests/selftests/run $(RESULTS)/612; \
		rc=$$?; [ $$rc = 0 ] || echo $$rc >$(RESULTS)/612-vm.rc; \
		for f in $(RESULTS)/612/*; do \
			[ -e "$$f" ] && mv "$$f" "$(RESULTS)/612-$${f##*/}"; \
		done; rmdir $(RESULTS)/612

endif
