# cryptomark top-level Makefile.
#
# Each directory contributes a fragment (DIR/build.mk) that appends to the
# variables below; this file only holds what they share.  `make` builds,
# `make check` installs what is missing, builds and runs every test,
# `make check-fast` skips the kernel build and the QEMU boots.

PREFIX	?= /usr/local
DESTDIR	?=
BINDIR	?= $(PREFIX)/bin
LIBDIR	?= $(PREFIX)/lib
INCDIR	?= $(PREFIX)/include
MANDIR	?= $(PREFIX)/share/man

VERSION	:= 0.1.0
B	:= build
CC	?= cc
PKGS	:= openssl libattr libelf libkeyutils tss2-esys tss2-mu tss2-rc tss2-tctildr

WARN	:= -Wall -Wextra -Werror -Werror=deprecated-declarations -Wshadow \
	   -Wformat=2 -Wno-unused-parameter
CFLAGS	?= -O2 -g
CFLAGS	+= -std=gnu11 $(WARN) -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 -fPIC \
	   -DCM_VERSION='"$(VERSION)"' \
	   -Iinclude -Ilib -Ilib/tool $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS	+= $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread

ifeq ($(SAN),1)
CFLAGS	+= -fsanitize=address,undefined -fno-omit-frame-pointer \
	   -fno-sanitize-recover=all
LDFLAGS	+= -fsanitize=address,undefined
B	:= build/san
endif

# Filled by the fragments.
BINS		:=
LIBCM		:= $(B)/libcryptomark.a
UNIT_TESTS	:=
SHELL_TESTS	:=
FUZZERS		:=
CHECK_SLOW	:=
INSTALL_EXTRA	:=

.PHONY: all deps check check-fast check-unit fuzz fuzz-build install demo \
	demo-kernel clean bench bench-keys bench-deb man deb
all:

include lib/build.mk
include signtool/build.mk
include verifier/build.mk
-include keys/build.mk
-include kernel/build.mk
include tests/build.mk
include attest/build.mk

all: $(LIBCM) $(BINS)

# Installs the Debian packages the project needs (idempotent, quiet when
# everything is present).
deps:
	@scripts/deps.sh

$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

-include $(shell find $(B)/obj -name '*.d' 2>/dev/null)

demo: deps
	@$(MAKE) --no-print-directory all
	@scripts/demo.sh

# The kernel half: builds the kernel if needed (scripts/demo-kernel.sh shows
# its progress), boots it under QEMU.  INTERACTIVE=1 ends in a guest shell.
demo-kernel: deps
	@$(MAKE) --no-print-directory all qemu-guest
	@INTERACTIVE=$(INTERACTIVE) scripts/demo-kernel.sh

bench: all
	@bench/bench.sh

# unseal + provision on swtpm, PolicyPCR and PolicyAuthorize (issue 11)
bench-keys: all
	@bench/keys.sh

# cryptomark's own Debian packages, built by dpkg-buildpackage from debian/
# on a copy of the tree (its output goes to the parent directory, which
# must be ours): build/deb/*.deb.  Never a sanitizer build, whatever this
# make was given (SAN=1 reaches debian/rules' make through MAKEFLAGS).
deb:
	@rm -rf build/deb && mkdir -p build/deb/cryptomark-$(VERSION)
	git ls-files -co --exclude-standard -z | grep -zv '^kernel/' | \
		tar --null -T - -cf - | tar -C build/deb/cryptomark-$(VERSION) -xf -
	cd build/deb/cryptomark-$(VERSION) && \
		env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u SAN \
		dpkg-buildpackage -b -us -uc -j$$(nproc) > ../build.log 2>&1 || \
		{ tail -30 ../build.log; exit 1; }
	@ls build/deb/*.deb

# cmsign deb on real archive packages, remote (p11-kit RPC) vs local token.
bench-deb: all
	@bench/debsign.sh

# Man pages: help2man from each tool's --help/--version, pod2man for
# dh_cryptomark (a debhelper command documents itself in POD).
MAN_PAGES	:= $(B)/man/cmsign.1 $(B)/man/cmverify.1 $(B)/man/cmkeys.1 \
		   $(B)/man/cmattest.1 $(B)/man/dh_cryptomark.1 $(B)/man/cmaudit.1
MAN_DESC_cmsign		:= sign executables, package roots and Debian packages
MAN_DESC_cmverify	:= verify cryptomark and IMA file signatures offline
MAN_DESC_cmkeys		:= cryptomark PKI, keyring bundles, TPM sealing and provisioning
MAN_DESC_cmaudit	:= list what the cryptomark LSM refused or would refuse, from the kernel log

# A tool's subcommands document themselves in their own --help: each
# becomes a section of the tool's page (help2man --include, preformatted).
MAN_SUBCMDS_cmsign	:= manifest apply deb preload

$(B)/man/%.1: $(B)/%
	@mkdir -p $(dir $@)
	@$(if $(MAN_SUBCMDS_$*),for c in $(MAN_SUBCMDS_$*); do \
		echo "[$* $$c]" | tr a-z A-Z; echo .nf; \
		$< $$c --help | sed -e 's/\\/\\e/g' -e 's/^[.'"'"']/\\\&&/'; \
		echo .fi; \
	done > $@.h2m)
	help2man -N --no-discard-stderr --version-string=$(VERSION) \
		-n "$(MAN_DESC_$*)" $(if $(MAN_SUBCMDS_$*),--include $@.h2m) -o $@ $<

$(B)/man/dh_cryptomark.1: packaging/debian/dh_cryptomark
	@mkdir -p $(dir $@)
	pod2man --section=1 --center=Debhelper --release=$(VERSION) \
		--name=DH_CRYPTOMARK $< > $@

man: $(MAN_PAGES)

# The tools, the library, its headers, cryptomark.pc, the man pages and the
# initramfs hook.  Not the Debian integration (dpkg hook, dh_cryptomark):
# packaging/debian/install.sh or the dh-cryptomark and cryptomark packages
# (make deb) install those.
install: all man $(INSTALL_EXTRA)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR)/pkgconfig \
		$(DESTDIR)$(INCDIR)/cryptomark $(DESTDIR)$(MANDIR)/man1
	install -m 0644 $(MAN_PAGES) $(DESTDIR)$(MANDIR)/man1/
	install -m 0755 $(BINS) $(DESTDIR)$(BINDIR)/
	install -m 0644 $(LIBCM) $(B)/libcryptomark.so.1 $(DESTDIR)$(LIBDIR)/
	ln -sf libcryptomark.so.1 $(DESTDIR)$(LIBDIR)/libcryptomark.so
	install -m 0644 include/cryptomark/*.h $(DESTDIR)$(INCDIR)/cryptomark/
	sed -e 's|@PREFIX@|$(PREFIX)|; s|@LIBDIR@|$(LIBDIR)|; s|@INCDIR@|$(INCDIR)|; s|@VERSION@|$(VERSION)|' \
		lib/cryptomark.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/cryptomark.pc

clean:
	rm -rf build
