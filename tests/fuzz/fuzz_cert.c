// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the certificate parser (cm_cert_parse(): DER or PEM,
 * as --cert, --keyring and bundle tools read them) and the IMA key id.
 * Any input must parse or be refused with one of the documented errors,
 * and what parses must have a key id or -ENOKEY and encode again.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include <openssl/x509.h>

#include <cryptomark/cryptomark.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *enc = NULL;
	uint32_t keyid;
	X509 *cert = NULL;
	int r = cm_cert_parse(data, size, &cert), n;

	switch (r) {
	case 0:
		break;
	case -ENODATA: case -E2BIG: case -EMSGSIZE: case -EBADMSG:
	case -ENOMEM:
		if (cert)
			abort();
		return 0;
	default:
		abort();
	}
	r = cm_cert_keyid(cert, &keyid);
	if (r != 0 && r != -ENOKEY)
		abort();
	n = i2d_X509(cert, &enc);
	if (n <= 0)
		abort();
	OPENSSL_free(enc);
	X509_free(cert);
	return 0;
}
