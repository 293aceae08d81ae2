# SPDX-License-Identifier: GPL-2.0
#
# tcx-dkms: the user-facing wrapper around Kbuild (module) and the
# userspace builds (tools/, tests/).
#
#   make            module, libtcx, tools and tests
#   make check      all of it, host unit tests, then the selftests in a VM
#   make lint       checkpatch on module/
#   make vm CMD=..  run a command in the test VM with the module loaded
#
# Public targets first make sure the dependencies are there
# (scripts/deps.sh), then re-enter make so that the versions they bring are
# what the build sees.

SHELL		:= /bin/bash
DEPS		:= scripts/deps.sh
export TCX_CACHE ?= $(HOME)/.cache/tcx-dkms

ifeq ($(TCX_DEPS_DONE),)
KVER		?= $(shell $(DEPS) kver 2>/dev/null)
else
KVER		?= $(shell $(DEPS) kver)
endif
KDIR		?= /lib/modules/$(KVER)/build
KSFT_DIR	?= $(TCX_CACHE)/linux-source-6.1/tools/testing/selftests
CHECKPATCH	?= $(TCX_CACHE)/linux-source-6.1/scripts/checkpatch.pl

BUILD		:= $(CURDIR)/build
RESULTS		:= $(BUILD)/results
FUZZ_SECONDS	?= 60

export KSFT_DIR

SUBMAKE		= $(MAKE) --no-print-directory TCX_DEPS_DONE=1
PUBLIC		:= all module tools tests check unit fuzz lint selftests vm

# Each mk/*.mk adds its public targets to PUBLIC and defines them only when
# TCX_DEPS_DONE is set; one that builds a test for the VM makes it a
# prerequisite of `tests` and puts the executable into build/selftests.
include $(sort $(wildcard mk/*.mk))

.PHONY: $(PUBLIC) clean help deps
.DEFAULT_GOAL	:= all

help:
	@sed -n '3,11s/^# \{0,1\}//p' Makefile

ifeq ($(TCX_DEPS_DONE),)

# Outer level: install what is missing, then do the work one level down.
$(PUBLIC): deps
	@$(SUBMAKE) $@

deps:
	@$(DEPS) all

else

all: module tools tests

module:
	@test -d $(KDIR) || { echo "make: no kernel headers at $(KDIR)" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

tools:
	$(MAKE) -C tools/lib O=$(BUILD)/lib

tests: tools
	$(MAKE) -C tests/bpf O=$(BUILD)/bpf
	$(MAKE) -C tests/selftests O=$(BUILD)/selftests
	$(MAKE) -C tests/unit O=$(BUILD)/unit

unit:
	$(MAKE) -C tests/unit O=$(BUILD)/unit check

fuzz:
	$(MAKE) -C tests/unit O=$(BUILD)/unit fuzz FUZZ_SECONDS=$(FUZZ_SECONDS)

selftests: all
	tests/vm/run -- tests/selftests/run

vm: module
	tests/vm/run -- $(CMD)

# MACRO_ARG_REUSE: an iterator macro names its cursor in each clause of its
# for(), as every for_each_*() in the kernel does.
lint:
	@test -f $(CHECKPATCH) || { echo "make: $(CHECKPATCH) missing" >&2; exit 1; }
	$(CHECKPATCH) --no-tree --strict --show-types \
		--ignore SPDX_LICENSE_TAG,MACRO_ARG_REUSE \
		-f module/*.c module/*.h

# Every stage records its results in build/results; tests/tally sums them
# and its last line is the verdict.  A stage that cannot run at all still
# counts as a failure there.
check:
	@rm -rf $(RESULTS); mkdir -p $(RESULTS)
	@echo "== build (warnings are errors)"
	@$(SUBMAKE) all >$(RESULTS)/build.log 2>&1 && echo 0 >$(RESULTS)/build.rc || \
		{ echo 1 >$(RESULTS)/build.rc; tail -n 40 $(RESULTS)/build.log; }
	@$(SUBMAKE) check-build-matrix || true
	@echo "== host unit tests"
	@$(MAKE) -s -C tests/unit O=$(BUILD)/unit check 2>&1 | tee $(RESULTS)/unit.tap; \
		echo $${PIPESTATUS[0]} >$(RESULTS)/unit.rc
	@echo "== mprog fuzzing against the reference model ($(FUZZ_SECONDS) s)"
	@$(MAKE) -s -C tests/unit O=$(BUILD)/unit fuzz FUZZ_SECONDS=$(FUZZ_SECONDS) \
		>$(RESULTS)/fuzz.log 2>&1; rc=$$?; echo $$rc >$(RESULTS)/fuzz.rc; \
		tail -n 3 $(RESULTS)/fuzz.log
	@echo "== the test harness, fed broken results on purpose"
	@tests/harness-check 2>&1 | tee $(RESULTS)/harness.tap; \
		echo $${PIPESTATUS[0]} >$(RESULTS)/harness.rc
	@echo "== README against the tree: dkms.conf, examples, systemd units"
	@tests/readme-check 2>&1 | tee $(RESULTS)/readme.tap; \
		echo $${PIPESTATUS[0]} >$(RESULTS)/readme.rc
	@echo "== selftests in the VM"
	@tests/vm/run -- tests/selftests/run $(RESULTS); echo $$? >$(RESULTS)/vm.rc
	@$(SUBMAKE) check-612
	@$(SUBMAKE) check-compat
	@$(SUBMAKE) check-upstream-stage
	@tests/tally $(RESULTS)

endif

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean >/dev/null 2>&1
	rm -rf $(BUILD)
