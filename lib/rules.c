// SPDX-License-Identifier: MIT
/*
 * The rule set in userspace: the canonical text of a compiled rule set
 * (what `cmkeys rules show` prints and signs) and the signed-policy
 * container.  The parser itself is rules_parse.c, shared with the LSM.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "rules.h"

struct cm_out {
	char *buf;
	size_t size, len;
	int err;
};

static void out(struct cm_out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->err)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, o->size - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->size - o->len)
		o->err = -ENOSPC;
	else
		o->len += (size_t)n;
}

static void out_ops(struct cm_out *o, uint32_t ops)
{
	const char *sep = "";

	for (unsigned int i = 0; i < __CM_RULES_OP_MAX; i++) {
		if (ops & (1u << i)) {
			out(o, "%s%s", sep, cm_rules_op_name(i));
			sep = ",";
		}
	}
}

int cm_rules_format(const struct cm_rules *r, char *buf, size_t size)
{
	struct cm_out o = { buf, size, 0, 0 };
	const uint8_t *u;

	if (!size)
		return -ENOSPC;
	buf[0] = '\0';
	out(&o, "version %llu\n", (unsigned long long)r->version);
	for (unsigned int i = 0; i < __CM_RULES_OP_MAX; i++) {
		const struct cm_rules_req *q = &r->op[i];

		out(&o, "op %s %s", cm_rules_op_name(i),
		    cm_rules_mode_name(q->mode));
		for (unsigned int k = 0; k < q->nkeys; k++)
			out(&o, "%s%08x", k ? "," : " key ", q->keys[k]);
		out(&o, "%s\n", q->nkeys ? "" : " key any");
	}
	for (uint32_t i = 0; i < r->nfs; i++) {
		u = r->fs[i].uuid;
		out(&o, "fs %02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
		    "%02x%02x%02x%02x%02x%02x ", u[0], u[1], u[2], u[3], u[4],
		    u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13],
		    u[14], u[15]);
		out_ops(&o, r->fs[i].ops);
		out(&o, "\n");
	}
	return o.err ? o.err : (int)o.len;
}

int cm_rules_pack(const char *text, size_t text_len, const uint8_t *sig,
		  size_t sig_len, uint8_t *buf, size_t size)
{
	size_t total = CM_RULES_HDR_SIZE + text_len + sig_len;

	if (text_len > CM_RULES_TEXT_MAX || sig_len > CM_RULES_SIG_MAX)
		return -E2BIG;
	if (size < total)
		return -ENOSPC;
	memcpy(buf, CM_RULES_MAGIC, 8);
	for (int i = 0; i < 4; i++) {
		buf[8 + i] = (uint8_t)(text_len >> (24 - 8 * i));
		buf[12 + i] = (uint8_t)(sig_len >> (24 - 8 * i));
	}
	memcpy(buf + CM_RULES_HDR_SIZE, text, text_len);
	if (sig_len)
		memcpy(buf + CM_RULES_HDR_SIZE + text_len, sig, sig_len);
	return (int)total;
}
