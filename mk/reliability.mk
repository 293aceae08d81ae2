# SPDX-License-Identifier: GPL-2.0
#
# Reliability and security tests (tests/stress, tests/fuzz, tests/perm):
# the stress test, the allocation failure paths, the ioctl fuzzer and the
# permission tests.  `make` builds them into build/selftests, so that
# `make check` runs their short versions in its one VM boot:
#
#   stress       STRESS_SECONDS=30 (default), plus the final checks
#   faults       every allocation of attach and link create failing in turn
#   fuzz_ioctl   FUZZ_ITERATIONS=10000 (default)
#   permissions  /dev/tcx and link fds as root, nobody, and in user namespaces
#
# and two public targets run the long versions alone in the VM:
#
#   make stress [STRESS_SECONDS=120] [STRESS_SEED=N] [STRESS_PROCS=2]
#               [STRESS_THREADS=2] [STRESS_RACERS=2]
#   make fuzz-ioctl [FUZZ_ITERATIONS=100000] [FUZZ_SEED=N]
#
# Each prints the seed it used; passing it back replays the same choices.
#
# And a debug kernel (KASAN, kmemleak, lockdep, fault injection) for the
# VM, built once from linux-source-6.1 into the cache (hours on two cores),
# never part of `make check`:
#
#   make debug-kernel
#   make check-debug [DEBUG_TESTS="stress fuzz_ioctl faults"]
#                    [STRESS_SECONDS=N] [FUZZ_ITERATIONS=N]
#
# check-debug ends with tests/tally's line, as `make check` does: a splat,
# a VM time-out and a kmemleak report through tcx.ko each count as a
# failure there (results in build/debug/results).

PUBLIC		+= stress fuzz-ioctl debug-kernel check-debug

ifneq ($(TCX_DEPS_DONE),)

STRESS_SECONDS	?= 120
FUZZ_ITERATIONS	?= 100000
REL_BIN		:= $(BUILD)/selftests
REL_ENV		= TCX_MODULE=$(CURDIR)/tcx.ko

tests: reliability-tests

reliability-tests: tools
	$(MAKE) -C tests/stress O=$(REL_BIN)
	$(MAKE) -C tests/fuzz O=$(REL_BIN)
	$(MAKE) -C tests/perm O=$(REL_BIN)

# The VM's time limit follows the run's length, with room for the set-up
# and the final checks on the emulated CPUs.
stress: module reliability-tests
	tests/vm/run -t $$(( $(STRESS_SECONDS) + 900 )) -- env $(REL_ENV) \
		STRESS_SECONDS=$(STRESS_SECONDS) \
		$(foreach v,STRESS_SEED STRESS_PROCS STRESS_THREADS STRESS_RACERS,$(if $($(v)),$(v)=$($(v)))) \
		$(REL_BIN)/stress

fuzz-ioctl: module reliability-tests
	tests/vm/run -t $$(( $(FUZZ_ITERATIONS) / 20 + 900 )) -- env $(REL_ENV) \
		FUZZ_ITERATIONS=$(FUZZ_ITERATIONS) \
		$(if $(FUZZ_SEED),FUZZ_SEED=$(FUZZ_SEED)) \
		$(REL_BIN)/fuzz_ioctl

debug-kernel:
	tests/stress/debug-kernel build

# The selftests with the short stress and fuzz runs by default; pass
# STRESS_SECONDS and FUZZ_ITERATIONS for the long ones.
check-debug: all
	DEBUG_TESTS="$(DEBUG_TESTS)" \
		$(if $(filter command line,$(origin STRESS_SECONDS)),STRESS_SECONDS=$(STRESS_SECONDS)) \
		$(if $(filter command line,$(origin FUZZ_ITERATIONS)),FUZZ_ITERATIONS=$(FUZZ_ITERATIONS)) \
		tests/stress/debug-kernel check

.PHONY: reliability-tests

endif
