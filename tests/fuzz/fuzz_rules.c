// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the rule-set parser shared by libcryptomark and the
 * LSM (lib/rules_parse.c), and the signed-policy container split.  Any
 * input must be accepted or refused with one of the documented errors and
 * a reason; an accepted text must format to a canonical text that parses
 * to the same rules; a split container must describe exactly its bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"

static void check_text(const uint8_t *data, size_t size)
{
	static char text[CM_RULES_FORMAT_MAX];
	struct cm_rules r, again;
	struct cm_rules_err e;
	int n, ret = cm_rules_parse((const char *)data, size, &r, &e);

	switch (ret) {
	case 0:
		n = cm_rules_format(&r, text, sizeof(text));
		if (n <= 0 || cm_rules_parse(text, (size_t)n, &again, NULL) ||
		    memcmp(&r, &again, sizeof(r)))
			abort();
		break;
	case -ENODATA: case -EBADMSG: case -EILSEQ: case -E2BIG:
	case -EEXIST: case -ERANGE:
		if (!e.why || !e.why[0])
			abort();
		break;
	default:
		abort();
	}
}

static void check_split(const uint8_t *data, size_t size)
{
	const uint8_t *sig;
	const char *text;
	size_t tl, sl;
	int ret = cm_rules_split(data, size, &text, &tl, &sig, &sl);

	if (ret == 0) {
		if (text != (const char *)data + CM_RULES_HDR_SIZE ||
		    sig != data + CM_RULES_HDR_SIZE + tl ||
		    CM_RULES_HDR_SIZE + tl + sl != size)
			abort();
		check_text((const uint8_t *)text, tl);
	} else if (ret != -EBADMSG && ret != -EMSGSIZE && ret != -E2BIG) {
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_text(data, size);
	check_split(data, size);
	return 0;
}
