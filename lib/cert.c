// SPDX-License-Identifier: MIT
/* Certificate loading (PEM or DER) and IMA key ids. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "internal.h"

#define CERT_MAX_SIZE	(256 * 1024)

/*
 * DER (a SEQUENCE: first byte 0x30) must be one certificate and nothing
 * else; anything else is read as PEM: the first CERTIFICATE block (what
 * `openssl x509` and evmctl read), text before it ignored.
 */
int cm_cert_parse(const uint8_t *buf, size_t len, X509 **out)
{
	const unsigned char *p = buf;
	X509 *cert = NULL;

	if (!len)
		return -ENODATA;
	if (len > CERT_MAX_SIZE)
		return -E2BIG;
	if (buf[0] != 0x30) {
		BIO *bio = BIO_new_mem_buf(buf, (int)len);

		if (!bio)
			return -ENOMEM;
		cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
		BIO_free(bio);
	} else {
		cert = d2i_X509(NULL, &p, (long)len);
		if (cert && p != buf + len) {
			X509_free(cert);
			ERR_clear_error();
			return -EMSGSIZE;
		}
	}
	ERR_clear_error();
	if (!cert)
		return -EBADMSG;
	*out = cert;
	return 0;
}

int cm_cert_load(const char *path, X509 **out)
{
	uint8_t *buf;
	size_t len;
	int ret;

	ret = cm_read_file(path, CERT_MAX_SIZE, &buf, &len);
	if (ret)
		return ret;
	ret = cm_cert_parse(buf, len, out);
	free(buf);
	return ret;
}

const char *cm_cert_strerror(int err)
{
	switch (err) {
	case -ENODATA:
		return "empty file, not a certificate";
	case -E2BIG:
		return "larger than 256 KiB, not a certificate";
	case -EMSGSIZE:
		return "bytes follow the DER certificate";
	case -EBADMSG:
		return "not a PEM or DER X.509 certificate";
	case -EINVAL:
		return "not a regular file";
	case -ENOKEY:
		return "certificate has no subjectKeyIdentifier, which IMA key ids are taken from";
	default:
		return strerror(-err);
	}
}

int cm_cert_keyid(X509 *cert, uint32_t *keyid)
{
	const ASN1_OCTET_STRING *skid = X509_get0_subject_key_id(cert);
	const unsigned char *p;
	int len;

	ERR_clear_error();
	if (!skid)
		return -ENOKEY;
	len = ASN1_STRING_length(skid);
	p = ASN1_STRING_get0_data(skid);
	if (len < 4)
		return -ENOKEY;
	p += len - 4;
	*keyid = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		 (uint32_t)p[2] << 8 | p[3];
	return 0;
}
