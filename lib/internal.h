/* SPDX-License-Identifier: MIT */
/* Helpers shared by the library's own files; not installed. */
#ifndef CM_INTERNAL_H
#define CM_INTERNAL_H

#include <stdarg.h>
#include <stdio.h>
#include <cryptomark/cryptomark.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Formats "stage: detail[: openssl reason]" into @err, clearing the queue. */
void cm_seterr(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Same, appending the first queued OpenSSL error and clearing the queue. */
void cm_seterr_ssl(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Verify @sig over @digest with @pkey: 0, or -EKEYREJECTED. */
int cm_pkey_verify(EVP_PKEY *pkey, int algo, const uint8_t *sig,
		   size_t sig_len, const uint8_t *digest, size_t dlen);

/* Sign @digest with @pkey into @sig (*sig_len in: room, out: length). */
int cm_pkey_sign(EVP_PKEY *pkey, int algo, const uint8_t *digest, size_t dlen,
		 uint8_t *sig, size_t *sig_len, char *err, size_t errlen);

/* Checks a key is one we sign with: RSA 2048-4096, ECDSA P-256/P-384. */
int cm_pkey_check_type(EVP_PKEY *pkey, char *err, size_t errlen);

/*
 * A key's passphrase from the first line of @pass_file, else the variable
 * @pass_env, into @buf (never argv, never a prompt): its length, -ENOENT
 * when neither is given, -EINVAL unreadable, unset or longer than @size - 1.
 * Shared by the signer and cmkeys' encrypted CA key.
 */
int cm_pass_get(const char *pass_env, const char *pass_file, char *buf,
		size_t size, char *err, size_t errlen);

#endif
