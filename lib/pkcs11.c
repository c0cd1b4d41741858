// SPDX-License-Identifier: MIT
/*
 * PKCS#11 keys through libp11's OpenSSL engine: the one file allowed the
 * deprecated ENGINE API (lib/build.mk relaxes the warning for it alone).
 * Debian 12's OpenSSL 3.0 has no pkcs11 provider, so OSSL_STORE cannot
 * open a pkcs11: URI; the engine (libengine-pkcs11-openssl) can.
 *
 * Measured with libp11 0.4.12: the engine rejects a URI that carries
 * module-path= ("invalid id"), so that attribute is taken out here and
 * given to the engine's MODULE_PATH control instead (PKCS11_MODULE_PATH
 * when the URI has none).  pin-value= is taken out too and passed with the
 * PIN control (pin-source=, a file, is read here: libp11 0.4.12 would keep
 * its trailing newline as part of the PIN), so the PIN never reaches the
 * engine's URI parser or its
 * error messages; our copies are wiped after use.  The engine keeps its
 * own for re-login (keys with CKA_ALWAYS_AUTHENTICATE need it per
 * signature), so it is not cleared there.
 *
 * State: the engine's functional reference is kept for the life of the
 * process, because keys it returns call back into it on every signature.
 * A token key is one PKCS#11 session, which is not safe to use from
 * several threads at once: cm_signer_sign() serialises signing with such a
 * key (struct cm_signer.serialize, set by cm_signer_load()).
 */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/engine.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "internal.h"

static pthread_mutex_t engine_lock = PTHREAD_MUTEX_INITIALIZER;

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* RFC 3986 percent-decoding of @len bytes into a new string; NULL if bad. */
static char *pct_decode(const char *s, size_t len)
{
	char *out = malloc(len + 1), *o = out;

	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] != '%') {
			*o++ = s[i];
			continue;
		}
		if (len - i < 3 ||
		    hexval(s[i + 1]) < 0 || hexval(s[i + 2]) < 0) {
			free(out);
			return NULL;
		}
		*o++ = (char)(hexval(s[i + 1]) << 4 | hexval(s[i + 2]));
		i += 2;
	}
	*o = '\0';
	if (strlen(out) != (size_t)(o - out)) {
		/* %00: a NUL inside a path or PIN is never meant. */
		free(out);
		return NULL;
	}
	return out;
}

struct p11_uri {
	char *engine_uri;	/* the URI without module-path and pin-value */
	char *module;		/* decoded module-path, or NULL */
	char *pin;		/* decoded pin-value, or NULL */
	char *pin_source;	/* decoded pin-source, or NULL */
};

static void p11_uri_free(struct p11_uri *u)
{
	if (u->pin)
		OPENSSL_clear_free(u->pin, strlen(u->pin));
	if (u->engine_uri)
		OPENSSL_clear_free(u->engine_uri, strlen(u->engine_uri));
	free(u->module);
	free(u->pin_source);
	memset(u, 0, sizeof(*u));
}

/*
 * Splits the query part ('?' a=b '&' c=d) of @uri: module-path and
 * pin-value are extracted, every other attribute is kept for the engine.
 * -EINVAL for a malformed or repeated attribute.
 */
static int p11_uri_split(const char *uri, struct p11_uri *u, const char **why)
{
	const char *q = strchr(uri, '?'), *a;
	size_t keep;
	char *o;

	memset(u, 0, sizeof(*u));
	u->engine_uri = malloc(strlen(uri) + 1);
	if (!u->engine_uri)
		return -ENOMEM;
	keep = q ? (size_t)(q - uri) : strlen(uri);
	memcpy(u->engine_uri, uri, keep);
	o = u->engine_uri + keep;
	*o = '\0';
	if (!q)
		return 0;
	for (a = q + 1; *a; ) {
		size_t alen = strcspn(a, "&");
		const char *eq = memchr(a, '=', alen);
		char **dst = NULL;

		if (!eq) {
			*why = "query attribute without '='";
			goto out_inval;
		}
		if ((size_t)(eq - a) == 11 && !strncmp(a, "module-path", 11))
			dst = &u->module;
		else if ((size_t)(eq - a) == 9 && !strncmp(a, "pin-value", 9))
			dst = &u->pin;
		else if ((size_t)(eq - a) == 10 && !strncmp(a, "pin-source", 10))
			dst = &u->pin_source;
		if (dst) {
			if (*dst) {
				*why = "module-path or pin-value given twice";
				goto out_inval;
			}
			*dst = pct_decode(eq + 1, alen - (size_t)(eq + 1 - a));
			if (!*dst || !**dst) {
				*why = "bad percent-encoding or empty value";
				goto out_inval;
			}
		} else {
			/* Other query attributes stay. */
			char sep = o == u->engine_uri + keep ? '?' : '&';

			*o++ = sep;
			memcpy(o, a, alen);
			o += alen;
			*o = '\0';
		}
		a += alen;
		if (*a == '&')
			a++;
	}
	if (u->pin && u->pin_source) {
		*why = "both pin-value and pin-source";
		goto out_inval;
	}
	return 0;
out_inval:
	p11_uri_free(u);
	return -EINVAL;
}

/*
 * pin-source=file:PATH or PATH: the first line of the file, without its
 * line ending (libp11 would take the newline as part of the PIN).
 */
static int read_pin_source(struct p11_uri *u, char *err, size_t errlen)
{
	const char *path = u->pin_source;
	char buf[256];
	FILE *f;
	int ret = 0;

	if (!strncmp(path, "file:", 5))
		path += 5;
	f = fopen(path, "re");
	if (!f) {
		ret = -errno;
		cm_seterr(err, errlen, "pkcs11: pin-source %s: %s", path,
			  strerror(errno));
		return ret;
	}
	if (!fgets(buf, sizeof(buf), f)) {
		cm_seterr(err, errlen, "pkcs11: pin-source %s: empty", path);
		ret = -ENODATA;
		goto out_close;
	}
	buf[strcspn(buf, "\r\n")] = '\0';
	u->pin = strdup(buf);
	if (!u->pin)
		ret = -ENOMEM;
out_close:
	OPENSSL_cleanse(buf, sizeof(buf));
	fclose(f);
	return ret;
}

/*
 * Loads the engine once per process, bound to @module.  A second call with
 * another module is refused: the engine holds one module.
 */
static ENGINE *get_engine(const char *module, char *err, size_t errlen)
{
	static ENGINE *engine;
	static char *engine_module;
	ENGINE *e = NULL;

	pthread_mutex_lock(&engine_lock);
	if (engine) {
		if (!strcmp(engine_module, module))
			e = engine;
		else
			cm_seterr(err, errlen,
				  "PKCS#11 module %s: this process already uses %s",
				  module, engine_module);
		goto out_unlock;
	}
	e = ENGINE_by_id("pkcs11");
	if (!e) {
		cm_seterr_ssl(err, errlen,
			      "ENGINE_by_id(pkcs11): libp11 engine not found (install libengine-pkcs11-openssl)");
		goto out_unlock;
	}
	if (!ENGINE_ctrl_cmd_string(e, "MODULE_PATH", module, 0)) {
		cm_seterr_ssl(err, errlen, "ENGINE_ctrl MODULE_PATH %s", module);
		goto out_free_engine;
	}
	if (!ENGINE_init(e)) {
		cm_seterr_ssl(err, errlen, "ENGINE_init: cannot load PKCS#11 module %s",
			      module);
		goto out_free_engine;
	}
	engine_module = strdup(module);
	if (!engine_module) {
		ENGINE_finish(e);
		goto out_free_engine;
	}
	engine = e;
	goto out_unlock;
out_free_engine:
	ENGINE_free(e);
	e = NULL;
out_unlock:
	pthread_mutex_unlock(&engine_lock);
	return e;
}

int cm_pkcs11_load_key(const char *uri, EVP_PKEY **out, char *err,
		       size_t errlen)
{
	struct p11_uri u;
	const char *module, *why = NULL;
	EVP_PKEY *pkey;
	ENGINE *e;
	int ret;

	ret = p11_uri_split(uri, &u, &why);
	if (ret) {
		cm_seterr(err, errlen, "pkcs11: URI: %s", why ? why : strerror(-ret));
		return ret;
	}
	if (u.pin_source) {
		ret = read_pin_source(&u, err, errlen);
		if (ret)
			goto out_free_uri;
	}
	module = u.module ? u.module : getenv("PKCS11_MODULE_PATH");
	if (!module || !*module) {
		cm_seterr(err, errlen,
			  "pkcs11: URI: no PKCS#11 module: add module-path=/path/to/module.so to the URI or set PKCS11_MODULE_PATH");
		ret = -EINVAL;
		goto out_free_uri;
	}
	/* libp11 loads the module lazily and then blames the key: say it here. */
	if (access(module, R_OK)) {
		ret = -errno;
		cm_seterr(err, errlen, "PKCS#11 module %s: %s", module,
			  strerror(errno));
		goto out_free_uri;
	}
	e = get_engine(module, err, errlen);
	if (!e) {
		ret = -ENOPKG;
		goto out_free_uri;
	}
	pthread_mutex_lock(&engine_lock);
	if (u.pin && !ENGINE_ctrl_cmd_string(e, "PIN", u.pin, 0)) {
		pthread_mutex_unlock(&engine_lock);
		cm_seterr_ssl(err, errlen, "ENGINE_ctrl PIN");
		ret = -EINVAL;
		goto out_free_uri;
	}
	pkey = ENGINE_load_private_key(e, u.engine_uri, NULL, NULL);
	pthread_mutex_unlock(&engine_lock);
	if (!pkey) {
		cm_seterr_ssl(err, errlen,
			      "%s: no such private key on the token, or wrong PIN (module %s)",
			      u.engine_uri, module);
		ret = -ENOKEY;
		goto out_free_uri;
	}
	ERR_clear_error();
	*out = pkey;
	ret = 0;
out_free_uri:
	p11_uri_free(&u);
	return ret;
}
