// SPDX-License-Identifier: GPL-2.0-only
/*
 * cryptomark: the measurement list in securityfs, root only (0400), as
 * IMA shows its own:
 *   binary_runtime_measurements  PCR (u32), SHA-1 template digest,
 *                                name length (u32), "ima-sig", template
 *                                data length (u32), template data;
 *                                integers in host byte order
 *   ascii_runtime_measurements   "PCR TEMPLATE-SHA1 ima-sig ALGO:HEX PATH SIGHEX"
 *   runtime_measurements_count   the number of entries
 *   measurement                  "name value" lines: pcr, tpm, entries,
 *                                bytes, max_bytes, full, not_logged,
 *                                tpm_errors
 * An entry is found by its index (measure.c), so reading the whole list
 * costs O(entries) whatever the read size.
 */
#include <linux/fs.h>
#include <linux/security.h>
#include <linux/seq_file.h>
#include <asm/unaligned.h>

#include "cryptomark.h"
#include "measure.h"

static void *cm_ml_start(struct seq_file *m, loff_t *pos)
{
	return *pos < 0 ? NULL : cm_mlist_entry(*pos);
}

static void *cm_ml_next(struct seq_file *m, void *v, loff_t *pos)
{
	++*pos;
	return cm_mlist_entry(*pos);
}

static void cm_ml_stop(struct seq_file *m, void *v)
{
}

static int cm_ml_show_binary(struct seq_file *m, void *v)
{
	const struct cm_mentry *e = v;
	u32 pcr = cm_measure_pcr(), nlen = strlen(CM_TEMPLATE_NAME);

	seq_write(m, &pcr, sizeof(pcr));
	seq_write(m, e->tdigest, sizeof(e->tdigest));
	seq_write(m, &nlen, sizeof(nlen));
	seq_write(m, CM_TEMPLATE_NAME, nlen);
	seq_write(m, &e->len, sizeof(e->len));
	seq_write(m, e->data, e->len);
	return 0;
}

static void cm_seq_hex(struct seq_file *m, const u8 *p, u32 len)
{
	u32 n;

	for (; len; p += n, len -= n) {
		n = min_t(u32, len, 64);
		seq_printf(m, "%*phN", (int)n, p);
	}
}

/* Field @i of the template data: its bytes and length. */
static const u8 *cm_field(const struct cm_mentry *e, int i, u32 *len)
{
	const u8 *p = e->data;

	for (;;) {
		*len = get_unaligned_le32(p);
		if (!i--)
			return p + 4;
		p += 4 + *len;
	}
}

static int cm_ml_show_ascii(struct seq_file *m, void *v)
{
	const struct cm_mentry *e = v;
	const u8 *d, *colon;
	u32 len;

	seq_printf(m, "%2u ", cm_measure_pcr());
	cm_seq_hex(m, e->tdigest, sizeof(e->tdigest));
	seq_puts(m, " " CM_TEMPLATE_NAME " ");
	d = cm_field(e, 0, &len);
	colon = memchr(d, ':', len);	/* "algo:\0" digest, made by measure.c */
	seq_write(m, d, colon - d + 1);
	cm_seq_hex(m, colon + 2, len - (colon + 2 - d));
	d = cm_field(e, 1, &len);
	seq_putc(m, ' ');
	seq_write(m, d, len - 1);
	d = cm_field(e, 2, &len);
	seq_putc(m, ' ');
	cm_seq_hex(m, d, len);
	seq_putc(m, '\n');
	return 0;
}

static const struct seq_operations cm_ml_binary_ops = {
	.start = cm_ml_start,
	.next = cm_ml_next,
	.stop = cm_ml_stop,
	.show = cm_ml_show_binary,
};

static const struct seq_operations cm_ml_ascii_ops = {
	.start = cm_ml_start,
	.next = cm_ml_next,
	.stop = cm_ml_stop,
	.show = cm_ml_show_ascii,
};

static int cm_ml_binary_open(struct inode *inode, struct file *file)
{
	return seq_open(file, &cm_ml_binary_ops);
}

static int cm_ml_ascii_open(struct inode *inode, struct file *file)
{
	return seq_open(file, &cm_ml_ascii_ops);
}

static const struct file_operations cm_ml_binary_fops = {
	.open = cm_ml_binary_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = seq_release,
};

static const struct file_operations cm_ml_ascii_fops = {
	.open = cm_ml_ascii_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = seq_release,
};

static int cm_ml_count_show(struct seq_file *m, void *v)
{
	seq_printf(m, "%zu\n", cm_mlist_count());
	return 0;
}

static int cm_ml_state_show(struct seq_file *m, void *v)
{
	seq_printf(m, "pcr %u\ntpm %d\nentries %zu\nbytes %zu\nmax_bytes %lu\n",
		   cm_measure_pcr(), READ_ONCE(cm_mlist.tpm),
		   cm_mlist_count(), READ_ONCE(cm_mlist.bytes),
		   cm_measure_max());
	seq_printf(m, "full %d\nnot_logged %llu\ntpm_errors %llu\n",
		   READ_ONCE(cm_mlist.full), READ_ONCE(cm_mlist.not_logged),
		   READ_ONCE(cm_mlist.tpm_errors));
	return 0;
}

static int cm_ml_count_open(struct inode *inode, struct file *file)
{
	return single_open(file, cm_ml_count_show, NULL);
}

static int cm_ml_state_open(struct inode *inode, struct file *file)
{
	return single_open(file, cm_ml_state_show, NULL);
}

static const struct file_operations cm_ml_count_fops = {
	.open = cm_ml_count_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = single_release,
};

static const struct file_operations cm_ml_state_fops = {
	.open = cm_ml_state_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = single_release,
};

static const struct {
	const char *name;
	const struct file_operations *fops;
} cm_ml_files[] = {
	{ "binary_runtime_measurements", &cm_ml_binary_fops },
	{ "ascii_runtime_measurements", &cm_ml_ascii_fops },
	{ "runtime_measurements_count", &cm_ml_count_fops },
	{ "measurement", &cm_ml_state_fops },
};

/**
 * cm_measure_fs_init - the list's files in the cryptomark directory
 * @dir: /sys/kernel/security/cryptomark
 *
 * Return: 0, or the error of securityfs_create_file().
 */
int __init cm_measure_fs_init(struct dentry *dir)
{
	struct dentry *d;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cm_ml_files); i++) {
		d = securityfs_create_file(cm_ml_files[i].name, 0400, dir,
					   NULL, cm_ml_files[i].fops);
		if (IS_ERR(d))
			return PTR_ERR(d);
	}
	return 0;
}
