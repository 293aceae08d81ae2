# SPDX-License-Identifier: GPL-2.0
#
# The bpf() compatibility layer (tools/compat).
#
#   make tools     also builds build/compat/tcx-compat and libtcx-compat.so
#   make demo      needs them too: bpftool 7.5 runs under the layer

ifneq ($(TCX_DEPS_DONE),)

tools: compat-build
demo: compat-build

compat-build:
	$(MAKE) -C tools/compat O=$(BUILD)/compat

.PHONY: compat-build

endif
