// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The cryptomark rule set's text parser and the signed-policy container
 * split, without libc: the same source runs in libcryptomark and in the
 * LSM (rules_parse.h).  Input is hostile: every byte is checked, every
 * limit is enforced before a write, and each refusal has its own errno and
 * reason.  The grammar is docs/FORMAT-rules.md.
 */
#include "rules_parse.h"

static const char *const cm_rules_op_names[__CM_RULES_OP_MAX] = {
	"exec", "mmap", "mprotect", "check", "module", "firmware", "kexec",
};

static const char *const cm_rules_mode_names[__CM_RULES_MODE_MAX] = {
	"off", "audit", "enforce",
};

const char *cm_rules_op_name(unsigned int op)
{
	return op < __CM_RULES_OP_MAX ? cm_rules_op_names[op] : "?";
}

const char *cm_rules_mode_name(unsigned int mode)
{
	return mode < __CM_RULES_MODE_MAX ? cm_rules_mode_names[mode] : "?";
}

/* One token of a line: not NUL-terminated. */
struct cm_tok {
	const char *s;
	size_t len;
};

#define CM_RULES_MAX_TOKS	6

static int cm_tok_eq(const struct cm_tok *t, const char *word)
{
	size_t i;

	for (i = 0; i < t->len; i++)
		if (!word[i] || word[i] != t->s[i])
			return 0;
	return word[i] == '\0';
}

static int cm_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int cm_fail(struct cm_rules_err *e, int err, const char *why)
{
	if (e)
		e->why = why;
	return err;
}

void cm_rules_default(struct cm_rules *r)
{
	__u8 *p = (__u8 *)r;
	size_t i;

	for (i = 0; i < sizeof(*r); i++)
		p[i] = 0;
	for (i = 0; i < __CM_RULES_OP_MAX; i++)
		r->op[i].mode = CM_RULES_ENFORCE;
}

/* Decimal, no sign, no leading zero; 1 .. 2^64-1. */
static int cm_parse_version(const struct cm_tok *t, __u64 *v,
			    struct cm_rules_err *e)
{
	__u64 n = 0;
	size_t i;

	if (t->len > 1 && t->s[0] == '0')
		return cm_fail(e, -EBADMSG, "version has a leading zero");
	for (i = 0; i < t->len; i++) {
		unsigned int d;

		if (t->s[i] < '0' || t->s[i] > '9')
			return cm_fail(e, -EBADMSG, "version is not a number");
		d = t->s[i] - '0';
		if (n > (~(__u64)0 - d) / 10)
			return cm_fail(e, -ERANGE, "version over 2^64-1");
		n = n * 10 + d;
	}
	if (n == 0)
		return cm_fail(e, -ERANGE, "version 0 is the compiled-in default");
	*v = n;
	return 0;
}

static int cm_parse_op(const struct cm_tok *t)
{
	int i;

	for (i = 0; i < __CM_RULES_OP_MAX; i++)
		if (cm_tok_eq(t, cm_rules_op_names[i]))
			return i;
	return -1;
}

/* "exec,mmap,...": a bit per op, each once. */
static int cm_parse_oplist(const struct cm_tok *t, __u32 *ops,
			   struct cm_rules_err *e)
{
	size_t i = 0;

	*ops = 0;
	while (i <= t->len) {
		struct cm_tok one = { t->s + i, 0 };
		int op;

		while (i + one.len < t->len && t->s[i + one.len] != ',')
			one.len++;
		op = cm_parse_op(&one);
		if (op < 0)
			return cm_fail(e, -EBADMSG, "unknown operation in list");
		if (*ops & (1u << op))
			return cm_fail(e, -EEXIST, "operation twice in list");
		*ops |= 1u << op;
		i += one.len + 1;
	}
	return 0;
}

/* "any", or key ids of 8 hex digits separated by commas, each once. */
static int cm_parse_keys(const struct cm_tok *t, struct cm_rules_req *req,
			 struct cm_rules_err *e)
{
	size_t i = 0, j, k;

	req->nkeys = 0;
	if (cm_tok_eq(t, "any"))
		return 0;
	while (i <= t->len) {
		__u32 id = 0;

		for (j = 0; j < 8; j++) {
			int h = i + j < t->len ? cm_hexval(t->s[i + j]) : -1;

			if (h < 0)
				return cm_fail(e, -EBADMSG,
					       "key id is not 8 hex digits");
			id = id << 4 | h;
		}
		if (i + 8 < t->len && t->s[i + 8] != ',')
			return cm_fail(e, -EBADMSG, "key id is not 8 hex digits");
		for (k = 0; k < req->nkeys; k++)
			if (req->keys[k] == id)
				return cm_fail(e, -EEXIST, "key id twice");
		if (req->nkeys == CM_RULES_MAX_KEYS)
			return cm_fail(e, -E2BIG, "more than 16 key ids");
		req->keys[req->nkeys++] = id;
		i += 9;
	}
	return 0;
}

/* 8-4-4-4-12 hex digits, not all zero. */
static int cm_parse_uuid(const struct cm_tok *t, __u8 *uuid,
			 struct cm_rules_err *e)
{
	size_t i, n = 0;
	__u8 any = 0;

	if (t->len != 36)
		return cm_fail(e, -EBADMSG, "UUID is not 36 characters");
	for (i = 0; i < 36; i += 2) {
		int hi, lo;

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (t->s[i] != '-')
				return cm_fail(e, -EBADMSG, "UUID dash misplaced");
			i--;
			continue;
		}
		hi = cm_hexval(t->s[i]);
		lo = cm_hexval(t->s[i + 1]);
		if (hi < 0 || lo < 0)
			return cm_fail(e, -EBADMSG, "UUID has a non-hex digit");
		uuid[n] = hi << 4 | lo;
		any |= uuid[n++];
	}
	if (!any)
		return cm_fail(e, -EBADMSG, "nil UUID");
	return 0;
}

/* op OP MODE [key KEYS] */
static int cm_line_op(const struct cm_tok *tok, int n, struct cm_rules *r,
		      __u32 *seen, struct cm_rules_err *e)
{
	struct cm_rules_req req = { 0 };
	int op, m;

	if (n != 3 && n != 5)
		return cm_fail(e, -EBADMSG, "op: OP MODE [key KEYS] expected");
	op = cm_parse_op(&tok[1]);
	if (op < 0)
		return cm_fail(e, -EBADMSG, "unknown operation");
	for (m = 0; m < __CM_RULES_MODE_MAX; m++)
		if (cm_tok_eq(&tok[2], cm_rules_mode_names[m]))
			break;
	if (m == __CM_RULES_MODE_MAX)
		return cm_fail(e, -EBADMSG, "unknown mode");
	if (n == 5 && !cm_tok_eq(&tok[3], "key"))
		return cm_fail(e, -EBADMSG, "op: 'key' expected after the mode");
	if (n == 5) {
		int ret = cm_parse_keys(&tok[4], &req, e);

		if (ret)
			return ret;
	}
	if (*seen & (1u << op))
		return cm_fail(e, -EEXIST, "operation has a rule already");
	*seen |= 1u << op;
	req.mode = m;
	r->op[op] = req;
	return 0;
}

/* fs UUID OPS */
static int cm_line_fs(const struct cm_tok *tok, int n, struct cm_rules *r,
		      struct cm_rules_err *e)
{
	struct cm_rules_fs fs;
	__u32 i, j;
	int ret;

	if (n != 3)
		return cm_fail(e, -EBADMSG, "fs: UUID OPS expected");
	ret = cm_parse_uuid(&tok[1], fs.uuid, e);
	if (!ret)
		ret = cm_parse_oplist(&tok[2], &fs.ops, e);
	if (ret)
		return ret;
	for (i = 0; i < r->nfs; i++) {
		for (j = 0; j < 16 && r->fs[i].uuid[j] == fs.uuid[j]; j++)
			;
		if (j == 16)
			return cm_fail(e, -EEXIST, "fs UUID has a rule already");
	}
	if (r->nfs == CM_RULES_MAX_FS)
		return cm_fail(e, -E2BIG, "more than 64 fs rules");
	r->fs[r->nfs++] = fs;
	return 0;
}

/* Splits a line (comment removed) into tokens; -EBADMSG if too many. */
static int cm_tokenize(const char *s, size_t len, struct cm_tok *tok,
		       struct cm_rules_err *e)
{
	size_t i = 0;
	int n = 0;

	while (i < len) {
		if (s[i] == ' ' || s[i] == '\t') {
			i++;
			continue;
		}
		if (n == CM_RULES_MAX_TOKS)
			return cm_fail(e, -EBADMSG, "too many fields");
		tok[n].s = s + i;
		tok[n].len = 0;
		while (i < len && s[i] != ' ' && s[i] != '\t') {
			tok[n].len++;
			i++;
		}
		n++;
	}
	return n;
}

static int cm_parse_line(const char *s, size_t len, struct cm_rules *r,
			 __u32 *seen, struct cm_rules_err *e)
{
	struct cm_tok tok[CM_RULES_MAX_TOKS];
	size_t i;
	int n;

	for (i = 0; i < len; i++) {	/* comments included */
		unsigned char c = s[i];

		if ((c < 0x20 || c > 0x7e) && c != '\t')
			return cm_fail(e, -EILSEQ,
				       "byte not printable ASCII or tab");
	}
	for (i = 0; i < len && s[i] != '#'; i++)
		;
	n = cm_tokenize(s, i, tok, e);
	if (n <= 0)
		return n;
	if (cm_tok_eq(&tok[0], "version")) {
		if (r->version)
			return cm_fail(e, -EEXIST, "second version line");
		if (n != 2)
			return cm_fail(e, -EBADMSG, "version: one number expected");
		return cm_parse_version(&tok[1], &r->version, e);
	}
	if (!r->version)
		return cm_fail(e, -EBADMSG, "a rule before the version line");
	if (cm_tok_eq(&tok[0], "op"))
		return cm_line_op(tok, n, r, seen, e);
	if (cm_tok_eq(&tok[0], "fs"))
		return cm_line_fs(tok, n, r, e);
	return cm_fail(e, -EBADMSG, "unknown directive");
}

int cm_rules_parse(const char *text, size_t len, struct cm_rules *r,
		   struct cm_rules_err *e)
{
	unsigned int line = 0;
	__u32 seen = 0;
	size_t pos = 0;
	int ret;

	if (e) {
		e->line = 0;
		e->why = "";
	}
	cm_rules_default(r);
	if (len > CM_RULES_TEXT_MAX)
		return cm_fail(e, -E2BIG, "policy text over 65536 bytes");
	while (pos < len) {
		size_t end = pos;

		while (end < len && text[end] != '\n')
			end++;
		line++;
		if (e)
			e->line = line;
		if (end - pos > CM_RULES_LINE_MAX)
			return cm_fail(e, -E2BIG, "line over 256 bytes");
		ret = cm_parse_line(text + pos, end - pos, r, &seen, e);
		if (ret < 0)
			return ret;
		pos = end + 1;
	}
	if (e)
		e->line = 0;
	if (!r->version)
		return cm_fail(e, -ENODATA, "no version line");
	return 0;
}

static __u32 cm_be32(const __u8 *p)
{
	return (__u32)p[0] << 24 | (__u32)p[1] << 16 | (__u32)p[2] << 8 | p[3];
}

int cm_rules_split(const __u8 *buf, size_t len, const char **text,
		   size_t *text_len, const __u8 **sig, size_t *sig_len)
{
	static const char magic[] = CM_RULES_MAGIC;
	__u32 tlen, slen;
	size_t i;

	if (len < CM_RULES_HDR_SIZE)
		return -EBADMSG;
	for (i = 0; i < 8; i++)
		if (buf[i] != (__u8)magic[i])
			return -EBADMSG;
	tlen = cm_be32(buf + 8);
	slen = cm_be32(buf + 12);
	if (tlen > CM_RULES_TEXT_MAX || slen > CM_RULES_SIG_MAX)
		return -E2BIG;
	if (len - CM_RULES_HDR_SIZE != (size_t)tlen + slen)
		return -EMSGSIZE;
	*text = (const char *)buf + CM_RULES_HDR_SIZE;
	*text_len = tlen;
	*sig = buf + CM_RULES_HDR_SIZE + tlen;
	*sig_len = slen;
	return 0;
}
