# SPDX-License-Identifier: GPL-2.0
#
# Existing tcx software on 6.1: real clients that we did not write, with
# nothing but the bpf() compatibility layer (build/compat) between them and
# tcx-dkms.  bookworm-backports' bpftool 7.5, and a loader built against its
# libbpf 1.4 and 6.12 uapi (tests/compat/), dynamically for LD_PRELOAD and
# statically for `tcx-compat run` (scripts/deps.sh backports unpacks them
# into the cache; the host keeps its own).
#
#   make compat-tests     build/compat-tests: loader, loader-static, their
#                         BPF object, and bpftool 7.5 and libbpf.so.1 where
#                         the VM sees them
#   make check-compat     the clients in the 6.12 VM against native tcx (the
#                         control), then in the 6.1 VM through the layer and
#                         without it; results in build/results/compat-{612,61}.*
#   make compat-expected  record tests/compat/loader.expected in the 6.12 VM
#   make demo             also needs them: stock bpftool 7.5 lists the demo's
#                         programs through the layer (tests/demo/run)

PUBLIC		+= compat-tests check-compat compat-expected

ifneq ($(TCX_DEPS_DONE),)

COMPAT_T	:= $(BUILD)/compat-tests
BPO		:= $(TCX_CACHE)/backports
BPO_LIB		:= $(BPO)/usr/lib/x86_64-linux-gnu
# The backports' uapi and libbpf headers before the host's 6.1 ones.
BPO_INC		:= -I$(BPO)/usr/include -I$(BPO)/usr/include/x86_64-linux-gnu
COMPAT_CFLAGS	:= -O2 -g -Wall -Wextra -Werror $(BPO_INC) -Itests/compat
COMPAT_BPF_CFLAGS := -O2 -g -target bpf -Wall -Werror $(BPO_INC) -Itests/compat
COMPAT_HDRS	:= tests/compat/compat.h $(BPO)/.version
COMPAT_BINS	:= $(addprefix $(COMPAT_T)/,loader loader-static libbpf.so.1 \
		   bpftool compat_progs.bpf.o)

# The layer, as the integrator's tools/compat builds it.
TCX_COMPAT_BIN	:= $(BUILD)/compat/tcx-compat
TCX_COMPAT_LIB	:= $(BUILD)/compat/libtcx-compat.so

.PHONY: compat-tests compat-bins check-compat compat-expected

compat-tests:
	@$(DEPS) backports
	@$(SUBMAKE) compat-bins

compat-bins: $(COMPAT_BINS)
	@:

$(COMPAT_T)/compat_progs.bpf.o: tests/compat/compat_progs.bpf.c $(COMPAT_HDRS)
	@mkdir -p $(@D)
	clang $(COMPAT_BPF_CFLAGS) -c -o $@ $<

# Found next to the loader ($ORIGIN): the cache is not visible in the VM.
$(COMPAT_T)/loader: tests/compat/loader.c $(COMPAT_HDRS)
	@mkdir -p $(@D)
	$(CC) $(COMPAT_CFLAGS) -o $@ $< -L$(BPO_LIB) -lbpf -lelf -lz \
		-Wl,-rpath,'$$ORIGIN'

$(COMPAT_T)/loader-static: tests/compat/loader.c $(COMPAT_HDRS)
	@mkdir -p $(@D)
	$(CC) $(COMPAT_CFLAGS) -static -o $@ $< $(BPO_LIB)/libbpf.a -lelf -lz

$(COMPAT_T)/libbpf.so.1: $(BPO)/.version
	@mkdir -p $(@D)
	cp -L $(BPO_LIB)/libbpf.so.1 $@

$(COMPAT_T)/bpftool: $(BPO)/.version
	@mkdir -p $(@D)
	cp $(BPO)/usr/sbin/bpftool $@

# One VM per kernel: 6.12 natively (the control: its transcripts must match
# tests/compat/loader.expected as well), 6.1 through both faces of the layer
# and bare (the clients must fail there).  The expected transcript is kept
# in the tree rather than recorded afresh by each run: a change to it is
# reviewed like code, a 6.1 run can be judged without booting 6.12, and the
# 6.12 run of every check-compat proves that it still holds upstream.  Each leaves NAME.tap and NAME.rc
# in build/results for tests/tally; NAME-vm.rc only when the VM itself
# failed (crash, splat, time-out) rather than a test.  A build that fails
# is one failed test, so that `make check` still reaches its tally.
COMPAT_61_ENV	:= TCX_COMPAT=$(TCX_COMPAT_BIN) TCX_COMPAT_LIB=$(TCX_COMPAT_LIB) \
		   COMPAT_NOLAYER=1

# $(call compat_vm,NAME,VM OPTIONS,COMMAND)
define compat_vm
	tests/vm/run -q -t 300 $(2) -- $(3) tests/compat/run $(RESULTS) $(1); \
	rc=$$?; [ $$rc = 0 ] || [ "$$rc" = "$$(cat $(RESULTS)/$(1).rc 2>/dev/null)" ] || \
		echo $$rc >$(RESULTS)/$(1)-vm.rc
endef

check-compat: module
	@mkdir -p $(RESULTS)
	@rm -f $(RESULTS)/compat-*
	@if ! $(SUBMAKE) compat-tests >$(RESULTS)/compat-build.log 2>&1; then \
		tail -n 20 $(RESULTS)/compat-build.log; \
		printf 'not ok 1 make compat-tests (%s)\n# Totals: pass:0 fail:1 xfail:0 xpass:0 skip:0 error:0\n' \
			"$(RESULTS)/compat-build.log" >$(RESULTS)/compat-build.tap; \
		echo 1 >$(RESULTS)/compat-build.rc; exit 0; \
	fi; \
	echo "== real tcx clients in the 6.12 VM (native tcx, the control)"; \
	$(DEPS) kernel612 && $(call compat_vm,compat-612,--kernel 6.12,); \
	echo "== real tcx clients in the 6.1 VM (through the layer, and without)"; \
	$(call compat_vm,compat-61,,env $(COMPAT_61_ENV))

# The demo's step with stock bpftool 7.5 under the layer.
demo: compat-tests

compat-expected: compat-tests
	@$(DEPS) kernel612
	tests/vm/run -t 300 --kernel 6.12 -- env COMPAT_RECORD=$(COMPAT_T)/loader.expected \
		tests/compat/run
	cp $(COMPAT_T)/loader.expected tests/compat/loader.expected

endif
