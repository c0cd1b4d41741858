// SPDX-License-Identifier: MIT
/*
 * Hash algorithm table: the kernel's hash_info.h numbers mapped to OpenSSL
 * digests.  The EVP_MD objects are fetched once: EVP_MD_fetch per file
 * would cost a provider lookup on every signature in a large tree.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include <openssl/evp.h>

#include "internal.h"

static const struct {
	int algo;
	const char *name;
	int size;
} hashes[] = {
	{ CM_HASH_SHA256, "sha256", 32 },
	{ CM_HASH_SHA384, "sha384", 48 },
	{ CM_HASH_SHA512, "sha512", 64 },
	{ CM_HASH_SHA224, "sha224", 28 },
};

static EVP_MD *mds[ARRAY_SIZE(hashes)];
static pthread_once_t mds_once = PTHREAD_ONCE_INIT;

static void fetch_mds(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(hashes); i++)
		/*
		 * Prefer the default provider: a loaded tpm2 provider also
		 * offers SHA-2, computed in the TPM, slowly and not
		 * thread-safely.
		 */
		mds[i] = EVP_MD_fetch(NULL, hashes[i].name, "?provider=default");
}

static int index_of(int algo)
{
	for (size_t i = 0; i < ARRAY_SIZE(hashes); i++)
		if (hashes[i].algo == algo)
			return (int)i;
	return -1;
}

int cm_hash_size(int algo)
{
	int i = index_of(algo);

	return i < 0 ? -ENOPKG : hashes[i].size;
}

const char *cm_hash_name(int algo)
{
	int i = index_of(algo);

	return i < 0 ? NULL : hashes[i].name;
}

int cm_hash_from_name(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(hashes); i++)
		if (!strcmp(hashes[i].name, name))
			return hashes[i].algo;
	return -ENOPKG;
}

const EVP_MD *cm_hash_md(int algo)
{
	int i = index_of(algo);

	if (i < 0)
		return NULL;
	pthread_once(&mds_once, fetch_mds);
	return mds[i];
}
