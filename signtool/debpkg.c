// SPDX-License-Identifier: MIT
/*
 * cmsign deb, the package content: what is read from a .deb and what is
 * written back.  Every byte of the original data.tar stream before its
 * end-of-archive blocks is kept, except (--elf-notes) the data and size
 * field of the ELF files that got the note; md5sums is the one member of
 * control.tar that changes.  Nothing depends on the clock.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/evp.h>

#include <cryptomark/cryptomark.h>
#include <cryptomark/manifest.h>
#include "cmtool.h"
#include "debpkg.h"
#include "signtool.h"

#define PROG DEB_PROG

struct df_notes {
	struct cm_signer *signer;
	int algo;
	const char *tmpdir;
	const struct df_file *files;
	struct df_new *nw;	/* indexed by tar entry */
};

/*
 * Embeds the note into one ELF file: through a temporary file, since the
 * library's embedding works on files (libelf), then read back.
 */
static void note_one(void *ctx, size_t i)
{
	struct df_notes *r = ctx;
	const struct df_file *f = &r->files[i];
	struct df_new *nw = &r->nw[f->entry];
	char path[4200];
	size_t len;
	int ret;

	if (f->is_link || f->keep || f->size < 4 || memcmp(f->data, "\177ELF", 4))
		return;
	snprintf(path, sizeof(path), "%s/%zu", r->tmpdir, i);
	ret = cmt_write_atomic(path, f->data, (size_t)f->size, 0755);
	if (!ret)
		ret = cm_note_sign_path(r->signer, r->algo, path, nw->msg,
					sizeof(nw->msg));
	if (!ret)
		ret = cm_read_file(path, SIZE_MAX, &nw->data, &len);
	unlink(path);
	if (ret == -ENOEXEC) {		/* ELF magic, but not an ELF file we sign */
		nw->msg[0] = '\0';
		return;
	}
	if (ret) {
		nw->err = ret;
		if (!nw->msg[0])
			snprintf(nw->msg, sizeof(nw->msg), "%s", strerror(-ret));
		return;
	}
	nw->size = len;
}

/* Value of control field @name (first line only), or NULL. */
static char *control_field(const uint8_t *p, size_t len, const char *name)
{
	size_t nl = strlen(name);

	for (size_t pos = 0; pos < len; ) {
		const uint8_t *eol = memchr(p + pos, '\n', len - pos);
		size_t ll = eol ? (size_t)(eol - (p + pos)) : len - pos;

		if (ll > nl && !strncasecmp((const char *)p + pos, name, nl) &&
		    p[pos + nl] == ':') {
			size_t a = pos + nl + 1, b = pos + ll;

			while (a < b && (p[a] == ' ' || p[a] == '\t'))
				a++;
			while (b > a && (p[b - 1] == ' ' || p[b - 1] == '\t' || p[b - 1] == '\r'))
				b--;
			return strndup((const char *)p + a, b - a);
		}
		pos += ll + 1;
	}
	return NULL;
}

static const struct deb_tar_entry *tar_find(const struct deb_tar *t,
					    const char *path)
{
	/* The last entry of a name wins, as when tar extracts. */
	for (size_t i = t->n; i-- > 0; )
		if (!strcmp(t->v[i].path, path))
			return &t->v[i];
	return NULL;
}

/* A package name or architecture as dpkg allows them (no '/', no '_'). */
static int name_ok(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		      *s == '+' || *s == '-' || *s == '.'))
			return 0;
	return 1;
}


void deb_pkg_free(struct deb_pkg *d)
{
	free(d->raw);
	deb_buf_free(&d->ctl_tar);
	deb_buf_free(&d->dat_tar);
	deb_tar_free(&d->ctl_t);
	deb_tar_free(&d->dat_t);
	free(d->package);
	free(d->arch);
}

void deb_scripts_free(struct df_script *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(s[i].path);
}

/*
 * dpkg 1.21 names the info files of a Multi-Arch: same package
 * PKG:ARCH.SCRIPT (pkgbin_name(..., pnaw_same)), of any other PKG.SCRIPT;
 * the installed copy has the bytes of control.tar's.
 */
int deb_list_scripts(const struct deb_pkg *d, struct df_script *out,
		     size_t *n_out)
{
	static const char *const names[DEB_MAX_SCRIPTS] = {
		"config", "postinst", "postrm", "preinst", "prerm",
	};
	size_t n = 0;

	for (size_t i = 0; i < DEB_MAX_SCRIPTS; i++) {
		const struct deb_tar_entry *e = tar_find(&d->ctl_t, names[i]);
		int l;

		if (!e)
			continue;
		if (e->type != '0') {
			fprintf(stderr, PROG ": %s: control.tar: %s is not a regular file (tar type '%c')\n",
				d->file, names[i], e->type);
			deb_scripts_free(out, n);
			return -EINVAL;
		}
		l = d->ma_same ?
		    asprintf(&out[n].path, DEB_INFO_DIR "/%s:%s.%s", d->package, d->arch, names[i]) :
		    asprintf(&out[n].path, DEB_INFO_DIR "/%s.%s", d->package, names[i]);
		if (l < 0) {
			deb_scripts_free(out, n);
			return -ENOMEM;
		}
		out[n].data = d->ctl_tar.p + e->data_off;
		out[n].size = e->size;
		n++;
	}
	*n_out = n;
	return 0;
}

/* Package, Architecture and Multi-Arch: same from the control file. */
static void read_control(struct deb_pkg *d, const uint8_t *p, size_t len)
{
	char *ma = control_field(p, len, "Multi-Arch");

	d->package = control_field(p, len, "Package");
	d->arch = control_field(p, len, "Architecture");
	d->ma_same = ma && !strcmp(ma, "same");
	free(ma);
}

/* Reads and unpacks @d->file.  Prints the reason on failure. */
int deb_pkg_open(struct deb_pkg *d)
{
	const struct deb_tar_entry *ce;
	const char *why = NULL;
	int ret;

	d->ctl = d->dat = -1;
	d->ctl_tar.max = DEB_MAX_UNPACKED;
	d->dat_tar.max = DEB_MAX_UNPACKED;
	ret = cm_read_file(d->file, DEB_MAX_SIZE, &d->raw, &d->raw_len);
	if (ret) {
		fprintf(stderr, PROG ": %s: %s\n", d->file, strerror(-ret));
		return ret;
	}
	ret = deb_ar_parse(d->raw, d->raw_len, d->m, &d->n_m, &why);
	if (ret)
		goto out_why;
	if (d->n_m < 3 || strcmp(d->m[0].name, "debian-binary") ||
	    d->m[0].size < 4 || memcmp(d->m[0].data, "2.", 2)) {
		why = "not a Debian binary package (format 2.x)";
		ret = -EPROTO;
		goto out_why;
	}
	for (size_t i = 1; i < d->n_m; i++) {
		if (d->ctl < 0 && (d->ctl_comp = deb_comp_of(d->m[i].name, "control.tar")) >= 0)
			d->ctl = (int)i;
		else if (d->ctl >= 0 && d->dat < 0 &&
			 (d->dat_comp = deb_comp_of(d->m[i].name, "data.tar")) >= 0)
			d->dat = (int)i;
		else if ((d->m[i].name[0] != '_' || d->dat >= 0) &&
			 strcmp(d->m[i].name, DEB_MF_MEMBER))
			/* deb(5): "_" members only before data.tar; nothing after it. */
			fprintf(stderr, PROG ": %s: warning: member %s copied as is%s\n",
				d->file, d->m[i].name,
				d->m[i].name[0] == '_' ? " (a signature over the old members no longer matches)" : "");
	}
	if (d->ctl < 0 || d->dat < 0) {
		why = "no control.tar or data.tar member (or an unsupported compressor: bzip2, lzma)";
		ret = -ENOTSUP;
		goto out_why;
	}
	ret = deb_decompress(d->ctl_comp, d->m[d->ctl].data, d->m[d->ctl].size,
			     &d->ctl_tar, &why);
	if (!ret)
		ret = deb_tar_parse(d->ctl_tar.p, d->ctl_tar.len, &d->ctl_t, &why);
	if (ret)
		goto out_member_why;
	ce = tar_find(&d->ctl_t, "control");
	if (!ce || ce->type != '0') {
		why = "control.tar has no control file";
		ret = -EBADMSG;
		goto out_why;
	}
	read_control(d, d->ctl_tar.p + ce->data_off, (size_t)ce->size);
	if (!d->package || !d->arch || !name_ok(d->package) || !name_ok(d->arch)) {
		why = "control file without a valid Package and Architecture";
		ret = -EBADMSG;
		goto out_why;
	}
	ret = deb_decompress(d->dat_comp, d->m[d->dat].data, d->m[d->dat].size,
			     &d->dat_tar, &why);
	if (!ret)
		ret = deb_tar_parse(d->dat_tar.p, d->dat_tar.len, &d->dat_t, &why);
	if (ret) {
		d->ctl = d->dat;
		goto out_member_why;
	}
	return 0;
out_member_why:
	fprintf(stderr, PROG ": %s: %s: %s\n", d->file, d->m[d->ctl].name,
		why ? why : strerror(-ret));
	return ret;
out_why:
	fprintf(stderr, PROG ": %s: %s\n", d->file, why ? why : strerror(-ret));
	return ret;
}

/*
 * The regular files of data.tar, hard links resolved to their target's
 * data.  Refuses what a manifest cannot describe (sparse files, unknown
 * entry types, bad paths).
 */
int deb_list_files(struct deb_pkg *d, const char *mf_path,
		      struct df_file **out, size_t *n_out)
{
	struct df_file *f = calloc(d->dat_t.n ? d->dat_t.n : 1, sizeof(*f));
	size_t n = 0;

	if (!f)
		return -ENOMEM;
	for (size_t i = 0; i < d->dat_t.n; i++) {
		const struct deb_tar_entry *e = &d->dat_t.v[i], *t = e;
		const char *why = NULL;

		if (!strchr("0123456", e->type)) {
			fprintf(stderr, PROG ": %s: %s: tar entry type '%c' not supported\n",
				d->file, e->path, e->type);
			goto out_err;
		}
		if (!strcmp(e->path, mf_path)) {
			fprintf(stderr, PROG ": %s: already ships %s: not signed again\n",
				d->file, mf_path);
			goto out_err;
		}
		if (e->type == '1') {
			t = tar_find(&d->dat_t, e->link);
			if (!t || t->type != '0' || t > e) {
				fprintf(stderr, PROG ": %s: %s: hard link to %s, which is not an earlier regular file\n",
					d->file, e->path, e->link);
				goto out_err;
			}
		} else if (e->type != '0') {
			continue;
		}
		if (cm_manifest_check_path(e->path, strlen(e->path), &why)) {
			fprintf(stderr, PROG ": %s: %s: path not accepted: %s\n",
				d->file, e->path, why ? why : "invalid");
			goto out_err;
		}
		f[n].path = e->path;
		f[n].data = d->dat_tar.p + t->data_off;
		f[n].size = t->size;
		f[n].entry = (size_t)(t - d->dat_t.v);
		f[n].is_link = e->type == '1';
		n++;
	}
	*out = f;
	*n_out = n;
	return 0;
out_err:
	free(f);
	return -EINVAL;
}

/* The new data.tar: the old entries, missing directories, the manifest. */
int deb_build_data(struct deb_pkg *d, const struct df_new *nw,
		      const char *mf_path, const uint8_t *mf, size_t mf_len,
		      struct deb_buf *out)
{
	static const char *const dirs[] = {
		"usr", "usr/share", "usr/share/cryptomark", MANIFEST_DIR,
	};
	uint64_t mtime = d->dat_t.max_mtime;
	size_t pos = 0;
	int ret = 0;

	/*
	 * Every byte up to the end blocks, except the data (and size field)
	 * of entries the note changed: those get their new bytes.
	 */
	for (size_t i = 0; nw && !ret && i < d->dat_t.n; i++) {
		const struct deb_tar_entry *e = &d->dat_t.v[i];

		if (!nw[i].data)
			continue;
		ret = deb_buf_add(out, d->dat_tar.p + pos, e->data_off - pos);
		/* The ustar header right before the data holds the size. */
		if (!ret)
			ret = deb_tar_set_size(out->p + out->len - 512, nw[i].size);
		if (!ret)
			ret = deb_tar_add_data(out, nw[i].data, nw[i].size);
		pos = e->data_off + (size_t)((e->size + 511) / 512 * 512);
	}
	if (!ret)
		ret = deb_buf_add(out, d->dat_tar.p + pos, d->dat_t.end - pos);
	for (size_t i = 0; !ret && i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		const struct deb_tar_entry *e = tar_find(&d->dat_t, dirs[i]);

		if (e && e->type != '5')
			return -ENOTDIR;
		if (!e)
			ret = deb_tar_add_header(out, dirs[i], '5', 0755, 0, mtime);
	}
	if (!ret)
		ret = deb_tar_add_header(out, mf_path, '0', 0644, mf_len, mtime);
	if (!ret)
		ret = deb_tar_add_data(out, mf, mf_len);
	if (!ret)
		ret = deb_tar_finish(out);
	return ret;
}

static int md5_hex(const uint8_t *p, size_t len, char hex[33])
{
	unsigned char md5[EVP_MAX_MD_SIZE];
	unsigned int md5_len = 0;

	if (!EVP_Digest(p, len, md5, &md5_len, EVP_md5(), NULL) || md5_len != 16)
		return -EIO;
	for (unsigned i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", md5[i]);
	return 0;
}

/*
 * The new md5sums: the old lines, those of files the note changed with
 * their new sum, then the manifest's line.
 */
static int new_md5sums(const uint8_t *old, size_t len, const struct df_file *f,
		       size_t n, const struct df_new *nw, const char *mf_path,
		       const uint8_t *mf, size_t mf_len, struct deb_buf *out)
{
	char hex[33], line[4200];
	int ret = 0;

	for (size_t pos = 0; !ret && pos < len; ) {
		const uint8_t *eol = memchr(old + pos, '\n', len - pos);
		size_t ll = eol ? (size_t)(eol - (old + pos)) + 1 : len - pos;
		const struct df_new *hit = NULL;

		if (nw && ll > 34 && old[pos + 32] == ' ' && old[pos + 33] == ' ') {
			size_t pl = ll - 34 - (eol ? 1 : 0);

			for (size_t i = 0; i < n && !hit; i++)
				if (nw[f[i].entry].data && strlen(f[i].path) == pl &&
				    !memcmp(f[i].path, old + pos + 34, pl))
					hit = &nw[f[i].entry];
		}
		if (hit) {
			ret = md5_hex(hit->data, hit->size, hex);
			if (!ret)
				ret = deb_buf_add(out, hex, 32);
			if (!ret)
				ret = deb_buf_add(out, old + pos + 32, ll - 32);
		} else {
			ret = deb_buf_add(out, old + pos, ll);
		}
		pos += ll;
	}
	if (!ret)
		ret = md5_hex(mf, mf_len, hex);
	if (!ret) {
		int l = snprintf(line, sizeof(line), "%s  %s\n", hex, mf_path);

		ret = deb_buf_add(out, line, (size_t)l);
	}
	return ret;
}

/*
 * The new control.tar: md5sums gets the manifest's line (and, with ELF
 * notes, the changed files' new sums); every other byte stays.  *changed
 * is 0 (and @out empty) if there is no md5sums.
 */
int deb_build_control(struct deb_pkg *d, const struct df_file *f, size_t n,
			 const struct df_new *nw, const char *mf_path,
			 const uint8_t *mf, size_t mf_len, struct deb_buf *out,
			 int *changed)
{
	const struct deb_tar_entry *e = tar_find(&d->ctl_t, "md5sums");
	struct deb_buf sums = { 0 };
	size_t old_end;
	int ret;

	*changed = 0;
	if (!e)
		return 0;
	if (e->type != '0' || e->hdr_off + 512 != e->data_off)
		return -ENOTSUP;	/* long-name or pax header: not from dpkg-deb */
	ret = new_md5sums(d->ctl_tar.p + e->data_off, (size_t)e->size, f, n, nw,
			  mf_path, mf, mf_len, &sums);
	old_end = e->data_off + (size_t)((e->size + 511) / 512 * 512);
	if (!ret)
		ret = deb_buf_add(out, d->ctl_tar.p, e->data_off);
	if (!ret)
		ret = deb_tar_set_size(out->p + e->hdr_off, sums.len);
	if (!ret)
		ret = deb_tar_add_data(out, sums.p, sums.len);
	if (!ret)
		ret = deb_buf_add(out, d->ctl_tar.p + old_end,
				  d->ctl_tar.len - old_end);
	deb_buf_free(&sums);
	*changed = !ret;
	return ret;
}

/*
 * --elf-notes: embeds the note into every ELF file of the package (worker
 * pool, through temporary files), then points each file (hard links too)
 * at its new bytes.  *nw_out is indexed by tar entry.
 */
int deb_embed_notes(struct cm_signer *signer, int algo, int jobs,
		    struct deb_pkg *d, struct df_file *files, size_t n,
		    struct df_new **nw_out, size_t *n_notes)
{
	char tmpl[] = "/tmp/cmsign-deb.XXXXXX";
	const char *tmp = getenv("TMPDIR");
	struct df_notes r = { .signer = signer, .algo = algo, .files = files };
	char *dir;
	int failed = 0;

	*nw_out = r.nw = calloc(d->dat_t.n ? d->dat_t.n : 1, sizeof(*r.nw));
	if (!r.nw)
		return -ENOMEM;
	if (tmp && *tmp) {
		if (asprintf(&dir, "%s/cmsign-deb.XXXXXX", tmp) < 0)
			return -ENOMEM;
	} else if (!(dir = strdup(tmpl))) {
		return -ENOMEM;
	}
	if (!mkdtemp(dir)) {
		fprintf(stderr, PROG ": %s: %s\n", dir, strerror(errno));
		free(dir);
		return -errno;
	}
	r.tmpdir = dir;
	/* An entry whose size a pax header gives cannot be resized here. */
	for (size_t i = 0; i < n; i++)
		if (d->dat_t.v[files[i].entry].size_from_pax)
			files[i].keep = 1;
	cmt_parallel(n, jobs, note_one, &r);
	rmdir(dir);
	free(dir);
	for (size_t i = 0; i < d->dat_t.n; i++) {
		if (r.nw[i].err) {
			failed++;
			fprintf(stderr, PROG ": %s: %s: ELF note: %s\n", d->file,
				d->dat_t.v[i].path, r.nw[i].msg);
		}
		*n_notes += r.nw[i].data != NULL;
	}
	if (failed)
		return -EIO;
	for (size_t i = 0; i < n; i++) {
		const struct df_new *w = &r.nw[files[i].entry];

		if (w->data) {
			files[i].data = w->data;
			files[i].size = w->size;
		}
	}
	return 0;
}
