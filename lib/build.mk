# libcryptomark: every lib/*.c.  A file that must use deprecated OpenSSL API
# (the PKCS#11 engine route, the only one on Debian 12's OpenSSL 3.0) is the
# single exception listed in LIB_DEPRECATED_OK.
#
# The shared library exports exactly what the installed headers declare:
# the objects are built with -fvisibility=hidden, the headers in
# include/cryptomark/ turn default visibility back on around their
# declarations, and lib/libcryptomark.map names the same functions
# (tests/integration/lib_exports.sh checks both against nm -D).
LIB_SRCS	:= $(sort $(wildcard lib/*.c lib/shared/*.c))
LIB_OBJS	:= $(LIB_SRCS:%.c=$(B)/obj/%.o)
LIB_MAP		:= lib/libcryptomark.map
LIB_DEPRECATED_OK := lib/pkcs11.c

$(LIB_OBJS): CFLAGS += -fvisibility=hidden
$(patsubst %.c,$(B)/obj/%.o,$(LIB_DEPRECATED_OK)): CFLAGS += -Wno-error=deprecated-declarations -Wno-deprecated-declarations

$(LIBCM): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(B)/libcryptomark.so.1: $(LIB_OBJS) $(LIB_MAP)
	$(CC) -shared -Wl,-soname,libcryptomark.so.1 \
		-Wl,--version-script=$(LIB_MAP) $(LDFLAGS) -o $@ $(LIB_OBJS) $(LDLIBS)

all: $(B)/libcryptomark.so.1

# libcmtool.a: the tools' plumbing (tree walk, worker pool, progress bar,
# JSON strings, atomic writes, shared option parsing), never installed.
# Header lib/tool/cmtool.h (on the include path).  A tool links
#   $(B)/mytool: $(MYTOOL_OBJS) $(TOOL_LIBS)
#	$(CC) $(LDFLAGS) -o $@ $(MYTOOL_OBJS) $(TOOL_LIBS) $(LDLIBS)
LIBCMTOOL	:= $(B)/libcmtool.a
CMTOOL_SRCS	:= $(sort $(wildcard lib/tool/*.c))
CMTOOL_OBJS	:= $(CMTOOL_SRCS:%.c=$(B)/obj/%.o)
TOOL_LIBS	:= $(LIBCMTOOL) $(LIBCM)

$(LIBCMTOOL): $(CMTOOL_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^
