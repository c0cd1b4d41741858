// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>

#include "internal.h"

const char *cm_strerror(int err)
{
	switch (err) {
	case 0:
		return "ok";
	case -ENODATA:
		return "unsigned";
	case -EKEYREJECTED:
		return "bad-signature";
	case -ENOKEY:
		return "unknown-key";
	case -EKEYREVOKED:
		return "revoked";
	case -EBADE:
		return "untrusted-chain";
	case -EKEYEXPIRED:
		return "expired";
	case -ENOEXEC:
		return "not-elf";
	default:
		if (cm_err_is_malformed(err))
			return "malformed";
		return "io";
	}
}

int cm_err_is_malformed(int err)
{
	switch (err) {
	case -EBADMSG:
	case -EMSGSIZE:
	case -EPROTO:
	case -EPROTONOSUPPORT:
	case -E2BIG:
	case -EOVERFLOW:
	case -ERANGE:
	case -ENOPKG:
		return 1;
	default:
		return 0;
	}
}

void cm_seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

void cm_seterr_ssl(char *err, size_t errlen, const char *fmt, ...)
{
	unsigned long e = ERR_get_error();
	size_t n;
	va_list ap;

	if (!err || !errlen) {
		ERR_clear_error();
		return;
	}
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	n = strlen(err);
	if (e && n + 3 < errlen) {
		const char *r = ERR_reason_error_string(e);

		snprintf(err + n, errlen - n, ": %s",
			 r ? r : ERR_error_string(e, NULL));
	}
	ERR_clear_error();
}
