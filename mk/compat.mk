# SPDX-License-Identifier: GPL-2.0
#
# The bpf() compatibility layer (tools/compat).
#
#   make tools     also builds build/compat/tcx-compat and libtcx-compat.so

ifneq ($(TCX_DEPS_DONE),)

tools: compat-build

compat-build:
	$(MAKE) -C tools/compat O=$(BUILD)/compat

.PHONY: compat-build

endif
