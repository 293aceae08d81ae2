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
#                               completion, udev rule, examples
#   make deb                    tcx-dkms, tcxctl, libtcx1, libtcx-dev in build/deb
#   make check-packaging        all of the above, checked on this host and in the VM
#
# The first three only need a compiler and DKMS, so they ask scripts/deps.sh
# for its packages but not for the VM's kernel or the kselftest harness.

INSTALL_TARGETS	:= install dkms-install dkms-remove
PUBLIC		+= deb check-packaging

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
		data/tcx.conf data/61-tcx-group.rules

deb:
	scripts/deb.sh build $(BUILD)/deb

# Not part of `make check`: it installs into the host's DKMS tree and apt
# database (and cleans up after itself), and builds Debian packages.  The
# VM runs a selftest against the module that DKMS built: `tests` builds it.
check-packaging: tests
	@tests/packaging/run $(BUILD)/packaging

endif
