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

.PHONY: compat-tests check-compat compat-expected

compat-tests:
	@$(DEPS) backports
	@$(SUBMAKE) $(COMPAT_BINS)

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
# and bare (the clients must fail there).
COMPAT_61_ENV	:= TCX_COMPAT=$(TCX_COMPAT_BIN) TCX_COMPAT_LIB=$(TCX_COMPAT_LIB) \
		   COMPAT_NOLAYER=1

check-compat: module compat-tests
	@mkdir -p $(RESULTS)
	@echo "== real tcx clients in the 6.12 VM (native tcx, the control)"
	@$(DEPS) kernel612 && tests/vm/run -q -t 300 --kernel 6.12 -- \
		tests/compat/run $(RESULTS) compat-612; \
		rc=$$?; [ $$rc = 0 ] || echo $$rc >$(RESULTS)/compat-612-vm.rc
	@echo "== real tcx clients in the 6.1 VM (through the layer, and without)"
	@tests/vm/run -q -t 300 -- env $(COMPAT_61_ENV) \
		tests/compat/run $(RESULTS) compat-61; \
		rc=$$?; [ $$rc = 0 ] || echo $$rc >$(RESULTS)/compat-61-vm.rc

# The demo's step with stock bpftool 7.5 under the layer.
demo: compat-tests

compat-expected: compat-tests
	@$(DEPS) kernel612
	tests/vm/run -t 300 --kernel 6.12 -- env COMPAT_RECORD=$(COMPAT_T)/loader.expected \
		tests/compat/run
	cp $(COMPAT_T)/loader.expected tests/compat/loader.expected

endif
