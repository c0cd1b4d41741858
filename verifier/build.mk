# cmverify: CLI glue only; the work is in libcryptomark.
CMVERIFY_SRCS	:= $(sort $(wildcard verifier/*.c))
CMVERIFY_OBJS	:= $(CMVERIFY_SRCS:%.c=$(B)/obj/%.o)
BINS		+= $(B)/cmverify

$(B)/cmverify: $(CMVERIFY_OBJS) $(TOOL_LIBS)
	$(CC) $(LDFLAGS) -o $@ $(CMVERIFY_OBJS) $(TOOL_LIBS) $(LDLIBS)
