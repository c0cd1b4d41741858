# cmsign: CLI glue only; the work is in libcryptomark.
CMSIGN_SRCS	:= $(sort $(wildcard signtool/*.c))
CMSIGN_OBJS	:= $(CMSIGN_SRCS:%.c=$(B)/obj/%.o)
BINS		+= $(B)/cmsign

$(B)/cmsign: $(CMSIGN_OBJS) $(LIBCM)
	$(CC) $(LDFLAGS) -o $@ $(CMSIGN_OBJS) $(LIBCM) $(LDLIBS)
