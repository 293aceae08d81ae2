# SPDX-License-Identifier: GPL-2.0
#
# The kernels tcx.ko is built and tested for: Debian 12's 6.1 in its three
# amd64 flavours, of the ABI of the installed linux-headers-amd64:
# generic, cloud (what Debian's images for AWS, Azure and GCP boot; no 9p,
# so tests/vm/run carries the tree on disk images) and rt (PREEMPT_RT).
#
#   make check-build-matrix   tcx.ko against each flavour's headers, with no
#                             compiler or modpost warning, into
#                             build/flavour/FLAVOUR (part of `make check`:
#                             under a minute; catches API drift early)
#   make check-matrix [MATRIX_FLAVOURS="generic cloud rt"]
#                     [STRESS_SECONDS=30] [FUZZ_ITERATIONS=10000]
#                             each flavour in its own VM: every selftest,
#                             stress with traffic and ioctl fuzzing; the
#                             table in build/results/matrix/table.md
#
#   make check-upgrade        a point release moves the kernel ABI: with tcx
#                             installed through DKMS for the archive's
#                             second newest 6.1 ABI, installing the newest
#                             one's headers builds tcx.ko for it through
#                             Debian's hooks; both boot in the VM
#                             (tests/packaging/upgrade; root, not part of
#                             `make check`; it cleans up after itself)
#
# The flavours' headers go onto the host and their images into the cache
# (scripts/deps.sh flavour-headers, flavours).

PUBLIC		+= check-build-matrix check-matrix check-upgrade

ifneq ($(TCX_DEPS_DONE),)

MATRIX_FLAVOURS	?= generic cloud rt
MATRIX_RESULTS	:= $(RESULTS)/matrix

.PHONY: check-build-matrix check-matrix check-upgrade

check-build-matrix:
	@echo "== tcx.ko against the headers of every Debian 12 flavour"
	@mkdir -p $(RESULTS)
	@$(DEPS) flavour-headers || { echo 1 >$(RESULTS)/kbuild-deps.rc; exit 1; }
	@tests/matrix/run build $(RESULTS) $(MATRIX_FLAVOURS)

check-matrix: all
	@$(DEPS) flavours
	@rm -rf $(MATRIX_RESULTS); mkdir -p $(MATRIX_RESULTS)
	@tests/matrix/run build $(MATRIX_RESULTS) $(MATRIX_FLAVOURS)
	@tests/matrix/run vm $(MATRIX_RESULTS) $(MATRIX_FLAVOURS)

check-upgrade: tests
	@tests/packaging/upgrade $(BUILD)/upgrade

endif
