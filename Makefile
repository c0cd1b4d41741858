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

B	:= build
CC	?= cc
PKGS	:= openssl libattr libelf libkeyutils tss2-esys tss2-mu tss2-rc tss2-tctildr

WARN	:= -Wall -Wextra -Werror -Werror=deprecated-declarations -Wshadow \
	   -Wformat=2 -Wno-unused-parameter
CFLAGS	?= -O2 -g
CFLAGS	+= -std=gnu11 $(WARN) -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 -fPIC \
	   -Iinclude -Ilib $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
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
	clean bench bench-deb
all:

include lib/build.mk
include signtool/build.mk
include verifier/build.mk
-include keys/build.mk
-include kernel/build.mk
-include tests/qemu/build.mk
include tests/build.mk

all: $(LIBCM) $(BINS)

# Installs the Debian packages the project needs (idempotent, quiet when
# everything is present).
deps:
	@scripts/deps.sh

$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

-include $(shell find $(B)/obj -name '*.d' 2>/dev/null)

demo: deps
	@$(MAKE) --no-print-directory all
	@scripts/demo.sh

bench: all
	@bench/bench.sh

# cmsign deb on real archive packages, remote (p11-kit RPC) vs local token.
bench-deb: all
	@bench/debsign.sh

install: all $(INSTALL_EXTRA)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR)/pkgconfig \
		$(DESTDIR)$(INCDIR)/cryptomark
	install -m 0755 $(BINS) $(DESTDIR)$(BINDIR)/
	install -m 0644 $(LIBCM) $(B)/libcryptomark.so.1 $(DESTDIR)$(LIBDIR)/
	ln -sf libcryptomark.so.1 $(DESTDIR)$(LIBDIR)/libcryptomark.so
	install -m 0644 include/cryptomark/*.h $(DESTDIR)$(INCDIR)/cryptomark/
	sed -e 's|@PREFIX@|$(PREFIX)|; s|@LIBDIR@|$(LIBDIR)|; s|@INCDIR@|$(INCDIR)|' \
		lib/cryptomark.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/cryptomark.pc

clean:
	rm -rf build
