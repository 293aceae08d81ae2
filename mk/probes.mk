# SPDX-License-Identifier: GPL-2.0
#
# The module's build-time probes, checked against the headers it is built
# with: module/redirect.c must refuse a kernel whose bpf_redirect flag bits
# it does not know (tests/build/redirect_probe).  Part of `make`, and so of
# the build stage of `make check`; redone when module/ or the headers
# change.

ifneq ($(TCX_DEPS_DONE),)

PROBES		:= $(BUILD)/probes

tests: $(PROBES)/redirect.ok

$(PROBES)/redirect.ok: module/redirect.c module/redirect.h tests/build/redirect_probe \
		$(wildcard $(KDIR)/include/generated/utsrelease.h)
	@mkdir -p $(@D)
	tests/build/redirect_probe $(KDIR)
	@touch $@

endif
