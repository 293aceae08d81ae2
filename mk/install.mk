# SPDX-License-Identifier: GPL-2.0
#
# Installing: the module through DKMS, the userspace into PREFIX, and the
# Debian packages that do both.
#
#   make dkms-install [KVER=]   tcx.ko via DKMS into /lib/modules/KVER/updates/dkms
#   make dkms-remove            tcx out of DKMS and /usr/src, for every kernel
#   make install [PREFIX=/usr/local] [DESTDIR=]
#                               tcxctl, libtcx, headers, tcx.pc, tcx-compat,
#                               libtcx-compat.so, man pages, bash
#                               completion, udev rule, examples (retcodes.bpf.c,
#                               the systemd units)
#   make check-install          libtcx as its users get it (part of every build:
#                               examples/loader is built from the installed files)
#   make deb                    tcx-dkms, tcxctl, libtcx1, libtcx-dev in build/deb
#   make check-packaging        all of the above, checked on this host and in the VM
#
# The first three only need a compiler and DKMS, so they ask scripts/deps.sh
# for its packages but not for the VM's kernel or the kselftest harness.

INSTALL_TARGETS	:= install dkms-install dkms-remove
PUBLIC		+= deb check-packaging check-install

PREFIX		?= /usr/local
SBINDIR		?= $(PREFIX)/sbin
LIBDIR		?= $(PREFIX)/lib
INCLUDEDIR	?= $(PREFIX)/include
MANDIR		?= $(PREFIX)/share/man
DOCDIR		?= $(PREFIX)/share/doc/tcx-dkms
COMPLETIONDIR	?= $(PREFIX)/share/bash-completion/completions
# udev reads no rules under /usr/local: a local install is the admin's rule.
UDEVRULESDIR	?= /etc/udev/rules.d

.PHONY: $(INSTALL_TARGETS)

ifeq ($(TCX_DEPS_DONE),)

$(INSTALL_TARGETS):
	@$(DEPS) packages
	@$(SUBMAKE) $@

else

# Sub-makes run elsewhere: a relative DESTDIR means this folder.
override DESTDIR := $(if $(DESTDIR),$(abspath $(DESTDIR)))

INSTALL		?= install

dkms-install:
	scripts/dkms.sh install $(KVER)

dkms-remove:
	scripts/dkms.sh remove

install: tools
	$(MAKE) -C tools/lib O=$(BUILD)/lib DESTDIR=$(DESTDIR) PREFIX=$(PREFIX) \
		LIBDIR=$(LIBDIR) INCLUDEDIR=$(INCLUDEDIR) install
	$(MAKE) -C tools/ctl O=$(BUILD)/ctl LIBTCX_DIR=$(BUILD)/lib DESTDIR=$(DESTDIR) \
		PREFIX=$(PREFIX) SBINDIR=$(SBINDIR) MANDIR=$(MANDIR) \
		COMPLETIONDIR=$(COMPLETIONDIR) install
	$(MAKE) -C tools/compat O=$(BUILD)/compat DESTDIR=$(DESTDIR) \
		PREFIX=$(PREFIX) LIBDIR=$(LIBDIR) MANDIR=$(MANDIR) install
	$(INSTALL) -D -m 0644 data/60-tcx.rules $(DESTDIR)$(UDEVRULESDIR)/60-tcx.rules
	$(INSTALL) -D -m 0644 -t $(DESTDIR)$(DOCDIR)/examples \
		data/tcx.conf data/61-tcx-group.rules examples/retcodes.bpf.c \
		examples/systemd/tcx-example-hold@.service \
		examples/systemd/tcx-example-pin@.service

deb:
	scripts/deb.sh build $(BUILD)/deb

# Not part of `make check`: it installs into the host's DKMS tree and apt
# database (and cleans up after itself), and builds Debian packages.  The
# VM runs a selftest against the module that DKMS built: `tests` builds it.
check-packaging: tests
	@tests/packaging/run $(BUILD)/packaging

# `make install` into a staging DESTDIR, then what a user of libtcx does
# with it: the headers, <tcx/libtcx.h> and <tcx/tcx.h>, compile before and
# after <linux/bpf.h>, this host's 6.1 one and 6.6+'s (bookworm-backports'
# linux-libc-dev, which defines tcx's return codes itself), and nothing
# lands in linux-libc-dev's include/linux; examples/loader.c builds with
# the command it documents, examples/retcodes.bpf.c with <tcx/tcx.h> as
# installed; libtcx says why it refuses a bad TCX_BACKEND.
STAGE		:= $(BUILD)/install-check
STAGE_INC	:= $(STAGE)/usr/local/include
STAGE_ENV	:= PKG_CONFIG_PATH=$(STAGE)/usr/local/lib/pkgconfig \
		   PKG_CONFIG_SYSROOT_DIR=$(STAGE)
STAGE_BPO	:= $(TCX_CACHE)/backports/usr/include
HDR_ORDERS	:= linux/bpf.h,tcx/libtcx.h tcx/libtcx.h,linux/bpf.h \
		   linux/bpf.h,tcx/tcx.h tcx/tcx.h,linux/bpf.h

.PHONY: check-install

check-install: tools
	@$(DEPS) backports
	@rm -rf $(STAGE)
	@$(SUBMAKE) -s install DESTDIR=$(STAGE) PREFIX=/usr/local >/dev/null
	@test ! -e $(STAGE_INC)/linux || \
		{ echo "check-install: headers in include/linux" >&2; exit 1; }
	@grep -q BPF_TCX_INGRESS $(STAGE_BPO)/linux/bpf.h
	@for inc in "-I$(STAGE_BPO) -I$(STAGE_BPO)/$$($(CC) -print-multiarch)" ""; do \
		for pair in $(HDR_ORDERS); do \
			{ printf '#include <%s>\n' $${pair%,*} $${pair#*,}; \
			  echo 'int x = TCX_PASS + TCX_MAX_PROGS;'; \
			  [ -z "$$inc" ] || echo 'int y = BPF_TCX_INGRESS;'; } | \
			$(CC) -Wall -Wextra -Werror -fsyntax-only -I$(STAGE_INC) \
				$$inc -x c - || { echo "check-install: <$${pair%,*}>" \
				"then <$${pair#*,}> fails with $${inc:-the host headers}" >&2; \
				exit 1; }; \
		done; \
	done
	@cd $(STAGE) && $(STAGE_ENV) $(CC) -Wall -Wextra -Werror -o loader \
		$(CURDIR)/examples/loader.c $$($(STAGE_ENV) pkg-config --cflags --libs libtcx libbpf)
	@cd $(STAGE) && $(STAGE_ENV) clang -O2 -g -target bpf -Wall -Werror \
		-idirafter /usr/include/$$(gcc -print-multiarch) \
		$$($(STAGE_ENV) pkg-config --cflags libtcx) -c -o retcodes.bpf.o \
		usr/local/share/doc/tcx-dkms/examples/retcodes.bpf.c
	@out=$$(TCX_BACKEND=bogus LD_LIBRARY_PATH=$(STAGE)/usr/local/lib \
		$(STAGE)/loader obj prog lo 2>&1); \
	[ "$$out" = "libtcx: TCX_BACKEND=bogus names no backend: use module or native"$$'\n'"loader: libtcx backend: Invalid argument" ] || \
		{ echo "check-install: loader with TCX_BACKEND=bogus said: $$out" >&2; exit 1; }
	@echo "check-install: ok"

endif
