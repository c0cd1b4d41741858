// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit: the kernel's ELF note carrier (cm_note_verify(): parse, hash,
 * look the key up) against the repository's ELF vectors
 * (tests/vectors/elf/), the files and expected errors libcryptomark's
 * cm_note_verify_fd() is tested with.  Each vector is written to an
 * unlinked shmem file, as a file on disk would be read.  The .cryptomark
 * keyring is empty when the suite runs, so a well-formed note ends in
 * -ENOKEY on both sides.  One difference is by design: a file that is not
 * ELF at all has no note (-ENODATA), where libcryptomark says -ENOEXEC so
 * that cmsign can name it.  elf_vectors.gen.h is generated from
 * tests/vectors/elf/index.txt by kernel/build-kernel.sh.
 */
#include <kunit/test.h>
#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/shmem_fs.h>

#include "cryptomark.h"
#include "test_vectors.h"

static const struct cm_vector cm_elf_vectors[] = {
#include "elf_vectors.gen.h"
};

static void cm_elf_vector_desc(const struct cm_vector *v, char *desc)
{
	strscpy(desc, v->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(cm_elf, cm_elf_vectors, cm_elf_vector_desc);

static void cm_note_verify_vector(struct kunit *test)
{
	const struct cm_vector *v = test->param_value;
	int want = v->err == -ENOEXEC ? -ENODATA : v->err;
	struct file *file;
	loff_t pos = 0;
	u32 keyid;
	ssize_t n;

	file = shmem_kernel_file_setup("cryptomark-kunit", v->len, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(file));
	n = v->len ? kernel_write(file, v->bytes, v->len, &pos) : 0;
	KUNIT_ASSERT_EQ(test, n, (ssize_t)v->len);
	KUNIT_EXPECT_EQ_MSG(test, cm_note_verify(file, &keyid), want, "%s: %s",
			    v->name, v->why);
	fput(file);
}

/* The vector set must not silently shrink to nothing. */
static void cm_elf_vectors_present(struct kunit *test)
{
	KUNIT_EXPECT_GE(test, ARRAY_SIZE(cm_elf_vectors), 60);
}

static struct kunit_case cm_elf_test_cases[] = {
	KUNIT_CASE(cm_elf_vectors_present),
	KUNIT_CASE_PARAM(cm_note_verify_vector, cm_elf_gen_params),
	{}
};

static struct kunit_suite cm_elf_test_suite = {
	.name = "cryptomark_elfnote",
	.test_cases = cm_elf_test_cases,
};

kunit_test_suite(cm_elf_test_suite);
