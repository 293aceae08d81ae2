# SPDX-License-Identifier: GPL-2.0
#
# examples/: what README.md shows a newcomer, built and checked.
#
#   make tests     also builds build/examples/retcodes.bpf.o, which the
#                  examples selftest (tests/selftests/examples.c) attaches
#                  with tcxctl and drives with packets in the VM, next to
#                  the Exec lines of examples/systemd/*.service
#   make check-readme
#                  README.md against the tree (tests/readme-check): its
#                  kernel claims against dkms.conf, the unit files through
#                  systemd-analyze verify, the examples shown where they are
#                  described; part of `make check`'s host stages

PUBLIC		+= check-readme

ifneq ($(TCX_DEPS_DONE),)

EX_OUT		:= $(BUILD)/examples
# <tcx/tcx.h> as `make install` names it, here the tree's uapi header.
EX_INC		:= $(EX_OUT)/include
EX_MULTIARCH	:= $(shell clang -print-multiarch 2>/dev/null || gcc -print-multiarch)

tests: examples-bpf

# The selftest also runs bookworm-backports' bpftool 7.5 under tcx-compat,
# from where mk/compat-tests.mk puts it for the VM.
examples-bpf: $(BUILD)/compat-tests/bpftool $(BUILD)/compat-tests/libbpf.so.1

examples-bpf: $(EX_OUT)/retcodes.bpf.o

$(EX_INC)/tcx:
	mkdir -p $(@D)
	ln -sfn $(CURDIR)/uapi/linux $@

$(EX_OUT)/%.bpf.o: examples/%.bpf.c uapi/linux/tcx.h | $(EX_INC)/tcx
	clang -O2 -g -target bpf -Wall -Werror \
		$(if $(EX_MULTIARCH),-idirafter /usr/include/$(EX_MULTIARCH)) \
		-I$(EX_INC) -c -o $@ $<

check-readme: tcxctl-build
	tests/readme-check

.PHONY: examples-bpf check-readme

endif
