# SPDX-License-Identifier: GPL-2.0
#
# tcxctl (tools/ctl), its selftest and the demo.
#
#   make tools     also builds build/ctl/tcxctl
#   make tests     also builds build/selftests/tcxctl (the tcxctl selftest)
#   make demo      the main job end to end, in the VM (tests/demo/run)

PUBLIC += demo

ifneq ($(TCX_DEPS_DONE),)

CTL_TEST	:= $(BUILD)/selftests/tcxctl
CTL_TEST_CFLAGS	:= -O2 -g -Wall -Wextra -Werror -Wno-misleading-indentation \
		   -Wno-unused-parameter -I$(KSFT_DIR) -Itests/selftests \
		   -Itools/lib -Iuapi
CTL_TEST_LIBS	:= $(BUILD)/lib/libtcx.a -lbpf -lelf -lz -ljson-c

tools: tcxctl-build
tests: tcxctl-selftest

tcxctl-build:
	$(MAKE) -C tools/ctl O=$(BUILD)/ctl LIBTCX_DIR=$(BUILD)/lib

tcxctl-bpf:
	$(MAKE) -C tests/bpf O=$(BUILD)/bpf

tcxctl-selftest: tcxctl-build tcxctl-bpf $(CTL_TEST)

# Always ask: the library's own Makefile (run by tcxctl-build) knows
# when it is up to date.
$(BUILD)/lib/libtcx.a: tcxctl-build ;

$(CTL_TEST): tests/selftests/tcxctl.c tests/selftests/tcx_test.h \
	     tools/lib/libtcx.h uapi/linux/tcx.h $(BUILD)/lib/libtcx.a
	@test -f $(KSFT_DIR)/kselftest_harness.h || { \
		echo "no kselftest_harness.h in $(KSFT_DIR): run scripts/deps.sh source" >&2; \
		exit 1; }
	mkdir -p $(@D)
	$(CC) $(CTL_TEST_CFLAGS) -o $@ $< $(CTL_TEST_LIBS)

demo: module tcxctl-build tcxctl-bpf
	tests/vm/run -t 240 -- tests/demo/run

.PHONY: tcxctl-build tcxctl-bpf tcxctl-selftest

endif
