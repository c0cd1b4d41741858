# cmsign: CLI glue only; the work is in libcryptomark.  `cmsign deb` also
# needs the compressors of .deb members (xz, gzip, zstd).
CMSIGN_SRCS	:= $(sort $(wildcard signtool/*.c))
CMSIGN_OBJS	:= $(CMSIGN_SRCS:%.c=$(B)/obj/%.o)
CMSIGN_LIBS	:= $(shell pkg-config --libs liblzma zlib libzstd 2>/dev/null)
BINS		+= $(B)/cmsign

$(B)/cmsign: $(CMSIGN_OBJS) $(TOOL_LIBS)
	$(CC) $(LDFLAGS) -o $@ $(CMSIGN_OBJS) $(TOOL_LIBS) $(LDLIBS) $(CMSIGN_LIBS)
