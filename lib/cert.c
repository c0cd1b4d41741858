// SPDX-License-Identifier: MIT
/* Certificate loading (PEM or DER) and IMA key ids. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "internal.h"

#define CERT_MAX_SIZE	(256 * 1024)

int cm_cert_load(const char *path, X509 **out)
{
	X509 *cert = NULL;
	BIO *bio;
	char peek[11];
	int n;

	bio = BIO_new_file(path, "rb");
	if (!bio) {
		int e = errno ? errno : ENOENT;

		ERR_clear_error();
		return -e;
	}
	n = BIO_read(bio, peek, sizeof(peek) - 1);
	if (n <= 0) {
		BIO_free(bio);
		return -EBADMSG;
	}
	peek[n] = '\0';
	(void)BIO_reset(bio);
	if (strstr(peek, "-----"))
		cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	else
		cert = d2i_X509_bio(bio, NULL);
	BIO_free(bio);
	ERR_clear_error();
	if (!cert)
		return -EBADMSG;
	*out = cert;
	return 0;
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
