# SPDX-License-Identifier: GPL-2.0
#
# What every kselftest harness binary of tests/ is built with.  A
# directory's Makefile sets SRCDIR, TESTS and, where it has them, EXTRA_SRCS,
# EXTRA_HDRS and EXTRA_CFLAGS, and includes this; NO_LIBTCX=1 links without
# libtcx.
#
#   make [O=DIR] [KSFT_DIR=DIR]     build into DIR (default: build/selftests)
#   make clean

TOPDIR := $(abspath $(SRCDIR)/../..)

O ?= $(TOPDIR)/build/selftests
LIBTCX_DIR ?= $(TOPDIR)/build/lib
TCX_CACHE ?= $(HOME)/.cache/tcx-dkms
KSFT_DIR ?= $(TCX_CACHE)/linux-source-6.1/tools/testing/selftests

CFLAGS ?= -O2 -g
# The 6.1 harness ends each ASSERT_* with a for (;;) that gcc's indentation
# heuristic mistakes for an unbraced loop whenever a statement follows, and
# its TEST() passes a variant that a plain test never uses.
override CFLAGS += -Wall -Wextra -Werror -Wno-misleading-indentation \
		   -Wno-unused-parameter -pthread \
		   -I$(KSFT_DIR) -I$(TOPDIR)/tests/selftests \
		   -I$(TOPDIR)/tools/lib -I$(TOPDIR)/uapi $(EXTRA_CFLAGS)

HDRS := $(TOPDIR)/tests/selftests/tcx_test.h $(TOPDIR)/uapi/linux/tcx.h \
	$(EXTRA_HDRS)
ifeq ($(NO_LIBTCX),)
LIBTCX := $(LIBTCX_DIR)/libtcx.a
HDRS += $(TOPDIR)/tools/lib/libtcx.h
endif
LDLIBS := $(LIBTCX) -lbpf -lelf -lz

BINS := $(addprefix $(O)/,$(TESTS))

all: $(BINS)

$(O)/%: $(SRCDIR)/%.c $(EXTRA_SRCS) $(HDRS) $(LIBTCX) | $(O) harness
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(EXTRA_SRCS) $(LDLIBS)

harness:
	@test -f $(KSFT_DIR)/kselftest_harness.h || { \
		echo "no kselftest_harness.h in $(KSFT_DIR): run scripts/deps.sh source, or set KSFT_DIR" >&2; \
		exit 1; }

ifneq ($(LIBTCX),)
# Always ask: the library's own Makefile knows when it is up to date.
$(LIBTCX): FORCE
	$(MAKE) -C $(TOPDIR)/tools/lib O=$(LIBTCX_DIR) $@
endif

$(O):
	mkdir -p $@

clean:
	rm -f $(BINS)

.PHONY: all harness clean FORCE
