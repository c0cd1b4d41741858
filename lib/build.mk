# libcryptomark: every lib/*.c.  A file that must use deprecated OpenSSL API
# (the PKCS#11 engine route, the only one on Debian 12's OpenSSL 3.0) is the
# single exception listed in LIB_DEPRECATED_OK.
LIB_SRCS	:= $(sort $(wildcard lib/*.c lib/shared/*.c))
LIB_OBJS	:= $(LIB_SRCS:%.c=$(B)/obj/%.o)
LIB_DEPRECATED_OK := lib/pkcs11.c

$(patsubst %.c,$(B)/obj/%.o,$(LIB_DEPRECATED_OK)): CFLAGS += -Wno-error=deprecated-declarations -Wno-deprecated-declarations

$(LIBCM): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(B)/libcryptomark.so.1: $(LIB_OBJS)
	$(CC) -shared -Wl,-soname,libcryptomark.so.1 $(LDFLAGS) -o $@ $^ $(LDLIBS)

all: $(B)/libcryptomark.so.1
