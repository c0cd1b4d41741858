# cmkeys: PKI, keyring bundles, TPM2 sealing, boot-time provisioning.
# The initramfs-tools hook and init-premount script are installed by
# `make install`; its QEMU suites are registered in tests/qemu/build.mk.
CMKEYS_SRCS	:= $(sort $(wildcard keys/*.c))
CMKEYS_OBJS	:= $(CMKEYS_SRCS:%.c=$(B)/obj/%.o)
BINS		+= $(B)/cmkeys

$(B)/cmkeys: $(CMKEYS_OBJS) $(TOOL_LIBS)
	$(CC) $(LDFLAGS) -o $@ $(CMKEYS_OBJS) $(TOOL_LIBS) $(LDLIBS)

INITRAMFS_DIR	?= /usr/share/initramfs-tools
INSTALL_EXTRA	+= install-cmkeys-initramfs

.PHONY: install-cmkeys-initramfs
install-cmkeys-initramfs:
	install -d $(DESTDIR)$(INITRAMFS_DIR)/hooks \
		$(DESTDIR)$(INITRAMFS_DIR)/scripts/init-premount \
		$(DESTDIR)/etc/cryptomark
	install -m 0755 keys/initramfs/hook $(DESTDIR)$(INITRAMFS_DIR)/hooks/cryptomark
	install -m 0755 keys/initramfs/init-premount \
		$(DESTDIR)$(INITRAMFS_DIR)/scripts/init-premount/cryptomark
	install -d $(DESTDIR)/etc/kernel/postinst.d
	install -m 0755 keys/initramfs/kernel-postinst \
		$(DESTDIR)/etc/kernel/postinst.d/cryptomark

