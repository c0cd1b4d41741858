# cmverify and cmaudit: CLI glue only; the verification is libcryptomark's,
# cmaudit's line reader is verifier/auditlog.c (also fuzzed on its own).
CMVERIFY_OBJS	:= $(B)/obj/verifier/cmverify.o
CMAUDIT_OBJS	:= $(B)/obj/verifier/cmaudit.o $(B)/obj/verifier/auditlog.o
BINS		+= $(B)/cmverify $(B)/cmaudit

$(B)/cmverify: $(CMVERIFY_OBJS) $(TOOL_LIBS)
	$(CC) $(LDFLAGS) -o $@ $(CMVERIFY_OBJS) $(TOOL_LIBS) $(LDLIBS)

$(B)/cmaudit: $(CMAUDIT_OBJS) $(TOOL_LIBS)
	$(CC) $(LDFLAGS) -o $@ $(CMAUDIT_OBJS) $(TOOL_LIBS) $(LDLIBS)
