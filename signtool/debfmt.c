// SPDX-License-Identifier: MIT
/*
 * ar, tar and the member compressors of a .deb, on whole buffers.  The
 * parsers see untrusted packages: every size and offset is checked against
 * what is left before use.  The writers produce the same bytes for the same
 * input (no timestamps of their own, single settings per compressor).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include "debfmt.h"

#define TAR_BLOCK 512
#define TAR_RECORD 10240
#define AR_HDR 60

int deb_buf_add(struct deb_buf *b, const void *p, size_t n)
{
	if (b->max && (b->len > b->max || n > b->max - b->len))
		return -EFBIG;
	if (n > b->cap - b->len) {
		size_t cap = b->cap ? b->cap : 65536;
		uint8_t *np;

		while (cap - b->len < n) {
			if (cap > SIZE_MAX / 2)
				return -ENOMEM;
			cap *= 2;
		}
		np = realloc(b->p, cap);
		if (!np)
			return -ENOMEM;
		b->p = np;
		b->cap = cap;
	}
	if (n && p)
		memcpy(b->p + b->len, p, n);
	b->len += n;
	return 0;
}

void deb_buf_free(struct deb_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

/* ---- ar ----------------------------------------------------------------- */

/* A decimal ar field: digits, then spaces only. */
static int ar_num(const uint8_t *f, size_t w, uint64_t *v)
{
	size_t i = 0;

	*v = 0;
	if (f[0] < '0' || f[0] > '9')
		return -EBADMSG;
	for (; i < w && f[i] >= '0' && f[i] <= '9'; i++) {
		if (*v > (UINT64_MAX - 9) / 10)
			return -EBADMSG;
		*v = *v * 10 + (uint64_t)(f[i] - '0');
	}
	for (; i < w; i++)
		if (f[i] != ' ')
			return -EBADMSG;
	return 0;
}

int deb_ar_parse(const uint8_t *p, size_t len, struct deb_ar_member *m,
		 size_t *n, const char **why)
{
	size_t pos = 8;

	*n = 0;
	if (len < 8 || memcmp(p, "!<arch>\n", 8)) {
		*why = "not an ar archive";
		return -EPROTO;
	}
	while (pos < len) {
		struct deb_ar_member *e;
		uint64_t size;
		size_t nl;

		if (AR_HDR > len - pos) {
			*why = "truncated ar member header";
			return -EBADMSG;
		}
		if (p[pos + 58] != '`' || p[pos + 59] != '\n' ||
		    ar_num(p + pos + 48, 10, &size)) {
			*why = "malformed ar member header";
			return -EBADMSG;
		}
		if (size > len - pos - AR_HDR) {
			*why = "ar member extends beyond the end";
			return -EMSGSIZE;
		}
		if (*n == DEB_AR_MAX_MEMBERS) {
			*why = "too many ar members";
			return -E2BIG;
		}
		e = &m[(*n)++];
		memcpy(e->name, p + pos, 16);
		e->name[16] = '\0';
		nl = 16;
		while (nl && e->name[nl - 1] == ' ')
			e->name[--nl] = '\0';
		if (nl && e->name[nl - 1] == '/')
			e->name[--nl] = '\0';
		e->hdr = p + pos;
		e->data = p + pos + AR_HDR;
		e->size = (size_t)size;
		pos += AR_HDR + (size_t)size;
		if (size & 1)
			pos++;	/* padding byte; may be missing at the very end */
	}
	return 0;
}

int deb_ar_add(struct deb_buf *out, const uint8_t *hdr, const uint8_t *data,
	       size_t size)
{
	uint8_t h[AR_HDR];
	char f[11];
	int ret;

	memcpy(h, hdr, AR_HDR);
	snprintf(f, sizeof(f), "%-10zu", size);
	if (strlen(f) != 10)
		return -E2BIG;
	memcpy(h + 48, f, 10);
	ret = deb_buf_add(out, h, AR_HDR);
	if (!ret)
		ret = deb_buf_add(out, data, size);
	if (!ret && (size & 1))
		ret = deb_buf_add(out, "\n", 1);
	return ret;
}

/* ---- compression -------------------------------------------------------- */

int deb_comp_of(const char *member, const char *base)
{
	static const char *const ext[] = {
		[DEB_COMP_NONE] = "", [DEB_COMP_GZ] = ".gz",
		[DEB_COMP_XZ] = ".xz", [DEB_COMP_ZST] = ".zst",
	};
	size_t bl = strlen(base);

	if (strncmp(member, base, bl))
		return -1;
	for (int c = 0; c < __DEB_COMP_MAX; c++)
		if (!strcmp(member + bl, ext[c]))
			return c;
	return -1;
}

static int grow(struct deb_buf *b, size_t min_free)
{
	int ret = 0;

	if (b->max && (b->len > b->max || min_free > b->max - b->len))
		return -EFBIG;
	if (b->cap - b->len < min_free) {
		size_t keep = b->len;

		ret = deb_buf_add(b, NULL, min_free);
		b->len = keep;
	}
	return ret;
}

static int xz_run(lzma_stream *s, const uint8_t *in, size_t len,
		  struct deb_buf *out, const char **why)
{
	lzma_ret r;

	s->next_in = in;
	s->avail_in = len;
	do {
		int g = grow(out, 1 << 20);

		if (g) {
			*why = g == -EFBIG ? "unpacks beyond the size limit" : "out of memory";
			return g;
		}
		s->next_out = out->p + out->len;
		s->avail_out = out->cap - out->len;
		r = lzma_code(s, LZMA_FINISH);
		out->len = out->cap - s->avail_out;
	} while (r == LZMA_OK);
	if (r != LZMA_STREAM_END) {
		*why = r == LZMA_MEM_ERROR ? "xz: out of memory" : "xz: corrupt stream";
		return r == LZMA_MEM_ERROR ? -ENOMEM : -EBADMSG;
	}
	return 0;
}

static int gz_decompress(const uint8_t *in, size_t len, struct deb_buf *out,
			 const char **why)
{
	z_stream z = { 0 };
	int r;

	if (inflateInit2(&z, 15 + 32) != Z_OK)
		return -ENOMEM;
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)len;
	if ((size_t)z.avail_in != len) {
		inflateEnd(&z);
		*why = "gzip member over 4 GiB";
		return -EFBIG;
	}
	do {
		int g = grow(out, 1 << 20);

		if (g) {
			inflateEnd(&z);
			*why = g == -EFBIG ? "unpacks beyond the size limit" : "out of memory";
			return g;
		}
		z.next_out = out->p + out->len;
		z.avail_out = (uInt)(out->cap - out->len > (1u << 30) ? (1u << 30) : out->cap - out->len);
		{
			uInt before = z.avail_out;

			r = inflate(&z, Z_NO_FLUSH);
			out->len += before - z.avail_out;
		}
	} while (r == Z_OK);
	inflateEnd(&z);
	if (r != Z_STREAM_END) {
		*why = "gzip: corrupt stream";
		return -EBADMSG;
	}
	return 0;
}

static int gz_compress(const uint8_t *in, size_t len, struct deb_buf *out,
		       const char **why)
{
	z_stream z = { 0 };
	uLong bound;
	int r;

	/* windowBits 15 + 16: a gzip wrapper with mtime 0 and no name. */
	if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -ENOMEM;
	bound = deflateBound(&z, (uLong)len);
	if ((size_t)(uInt)len != len || grow(out, bound + 64)) {
		deflateEnd(&z);
		*why = "gzip: member too large";
		return -ENOMEM;
	}
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)len;
	z.next_out = out->p + out->len;
	z.avail_out = (uInt)(out->cap - out->len);
	r = deflate(&z, Z_FINISH);
	out->len += (size_t)((out->cap - out->len) - z.avail_out);
	deflateEnd(&z);
	if (r != Z_STREAM_END) {
		*why = "gzip: deflate failed";
		return -EIO;
	}
	return 0;
}

static int zst_decompress(const uint8_t *in, size_t len, struct deb_buf *out,
			  const char **why)
{
	ZSTD_DStream *d = ZSTD_createDStream();
	ZSTD_inBuffer ib = { in, len, 0 };
	size_t r = 1;

	if (!d)
		return -ENOMEM;
	while (ib.pos < ib.size || r) {
		ZSTD_outBuffer ob;
		int g = grow(out, 1 << 20);

		if (g) {
			ZSTD_freeDStream(d);
			*why = g == -EFBIG ? "unpacks beyond the size limit" : "out of memory";
			return g;
		}
		ob.dst = out->p + out->len;
		ob.size = out->cap - out->len;
		ob.pos = 0;
		r = ZSTD_decompressStream(d, &ob, &ib);
		out->len += ob.pos;
		if (ZSTD_isError(r) || (ib.pos == ib.size && r && !ob.pos)) {
			ZSTD_freeDStream(d);
			*why = "zstd: corrupt stream";
			return -EBADMSG;
		}
	}
	ZSTD_freeDStream(d);
	return 0;
}

static int zst_compress(const uint8_t *in, size_t len, struct deb_buf *out,
			const char **why)
{
	size_t bound = ZSTD_compressBound(len), r;

	if (grow(out, bound))
		return -ENOMEM;
	/* dpkg-deb's default level; single-threaded, hence deterministic. */
	r = ZSTD_compress(out->p + out->len, bound, in, len, 3);
	if (ZSTD_isError(r)) {
		*why = "zstd: compression failed";
		return -EIO;
	}
	out->len += r;
	return 0;
}

int deb_decompress(enum deb_comp c, const uint8_t *in, size_t len,
		   struct deb_buf *out, const char **why)
{
	lzma_stream s = LZMA_STREAM_INIT;
	int ret;

	switch (c) {
	case DEB_COMP_NONE:
		return deb_buf_add(out, in, len);
	case DEB_COMP_GZ:
		return gz_decompress(in, len, out, why);
	case DEB_COMP_ZST:
		return zst_decompress(in, len, out, why);
	case DEB_COMP_XZ:
		if (lzma_stream_decoder(&s, UINT64_MAX, LZMA_CONCATENATED) != LZMA_OK)
			return -ENOMEM;
		ret = xz_run(&s, in, len, out, why);
		lzma_end(&s);
		return ret;
	default:
		*why = "unsupported compression";
		return -ENOTSUP;
	}
}

int deb_compress(enum deb_comp c, const uint8_t *in, size_t len,
		 struct deb_buf *out, int threads, const char **why)
{
	lzma_stream s = LZMA_STREAM_INIT;
	lzma_mt mt = {
		.flags = 0,
		.threads = threads > 0 ? (uint32_t)threads : 1,
		/* Fixed block size: the output does not depend on @threads. */
		.block_size = 0,
		.timeout = 0,
		.preset = 6,
		.check = LZMA_CHECK_CRC64,
	};
	int ret;

	switch (c) {
	case DEB_COMP_NONE:
		return deb_buf_add(out, in, len);
	case DEB_COMP_GZ:
		return gz_compress(in, len, out, why);
	case DEB_COMP_ZST:
		return zst_compress(in, len, out, why);
	case DEB_COMP_XZ:
		if (lzma_stream_encoder_mt(&s, &mt) != LZMA_OK) {
			*why = "xz: cannot start the encoder";
			return -ENOMEM;
		}
		ret = xz_run(&s, in, len, out, why);
		lzma_end(&s);
		return ret;
	default:
		*why = "unsupported compression";
		return -ENOTSUP;
	}
}

/* ---- tar ---------------------------------------------------------------- */

/* Octal (NUL/space terminated) or GNU base-256 number field. */
static int tar_num(const uint8_t *f, size_t w, uint64_t *v)
{
	size_t i = 0;

	*v = 0;
	if (f[0] & 0x80) {
		if (f[0] != 0x80)
			return -EBADMSG;	/* negative or too large */
		for (i = 1; i < w; i++) {
			if (*v >> 56)
				return -EBADMSG;
			*v = (*v << 8) | f[i];
		}
		return 0;
	}
	while (i < w && f[i] == ' ')
		i++;
	for (; i < w && f[i] >= '0' && f[i] <= '7'; i++) {
		if (*v >> 60)
			return -EBADMSG;
		*v = (*v << 3) | (uint64_t)(f[i] - '0');
	}
	for (; i < w; i++)
		if (f[i] != ' ' && f[i] != '\0')
			return -EBADMSG;
	return 0;
}

static int tar_cksum_ok(const uint8_t *h)
{
	uint64_t want, sum = 0;

	if (tar_num(h + 148, 8, &want))
		return 0;
	for (int i = 0; i < TAR_BLOCK; i++)
		sum += (i >= 148 && i < 156) ? ' ' : h[i];
	return sum == want;
}

/* Copy of @n bytes at @f up to the first NUL, normalized. */
static char *norm_path(const char *f, size_t n)
{
	size_t l = strnlen(f, n);
	char *s, *p;

	while (l >= 2 && f[0] == '.' && f[1] == '/') {
		f += 2;
		l -= 2;
		while (l && f[0] == '/') {
			f++;
			l--;
		}
	}
	while (l && f[0] == '/') {
		f++;
		l--;
	}
	if (l == 1 && f[0] == '.')
		l = 0;
	s = strndup(f, l);
	if (!s)
		return NULL;
	p = s + strlen(s);
	while (p > s && p[-1] == '/')
		*--p = '\0';
	return s;
}

/* pax extended header: "LEN key=value\n" records; takes path, linkpath, size. */
static int pax_parse(const uint8_t *p, size_t len, char **path, char **link,
		     uint64_t *size, int *have_size)
{
	size_t pos = 0;

	while (pos < len) {
		uint64_t rl = 0;
		size_t i = pos;
		const uint8_t *kv, *eq;

		while (i < len && p[i] >= '0' && p[i] <= '9' && rl < (1u << 30))
			rl = rl * 10 + (uint64_t)(p[i++] - '0');
		if (i >= len || p[i] != ' ' || rl <= i - pos + 1 || rl > len - pos ||
		    p[pos + rl - 1] != '\n')
			return -EBADMSG;
		kv = p + i + 1;
		eq = memchr(kv, '=', (size_t)(p + pos + rl - 1 - kv));
		if (!eq)
			return -EBADMSG;
		{
			size_t kl = (size_t)(eq - kv);
			size_t vl = (size_t)(p + pos + rl - 1 - (eq + 1));
			char **dst = NULL;

			if (kl == 4 && !memcmp(kv, "path", 4))
				dst = path;
			else if (kl == 8 && !memcmp(kv, "linkpath", 8))
				dst = link;
			if (dst) {
				free(*dst);
				*dst = norm_path((const char *)eq + 1, vl);
				if (!*dst)
					return -ENOMEM;
			} else if (kl == 4 && !memcmp(kv, "size", 4)) {
				uint64_t v = 0;

				for (size_t j = 0; j < vl; j++) {
					if (eq[1 + j] < '0' || eq[1 + j] > '9' || v > UINT64_MAX / 10 - 1)
						return -EBADMSG;
					v = v * 10 + (uint64_t)(eq[1 + j] - '0');
				}
				*size = v;
				*have_size = 1;
			}
		}
		pos += rl;
	}
	return 0;
}

static int is_zero_block(const uint8_t *h)
{
	for (int i = 0; i < TAR_BLOCK; i++)
		if (h[i])
			return 0;
	return 1;
}

/* What deb_tar_parse() carries from one header to the next. */
struct tar_state {
	char *lname, *llink;	/* GNU L/K or pax path / linkpath, pending */
	uint64_t xsize;		/* pax size, pending */
	int have_xsize;
	int pending;		/* an extension header awaits its entry */
	size_t first_hdr;	/* offset of the entry's first header */
	size_t cap;
};

/* One header block at *pos. */
struct tar_hdr {
	const uint8_t *h;
	uint64_t size, mtime;
	size_t blocks;
	char type;
};

/*
 * The header at *pos, checked, *pos moved past it (not past its data):
 * 0, 1 at the end-of-archive block, or an error.
 */
static int tar_header(const uint8_t *p, size_t len, size_t *pos,
		      struct tar_state *st, struct tar_hdr *th,
		      const char **why)
{
	const uint8_t *h;

	if (TAR_BLOCK > len - *pos) {
		*why = "tar archive without an end-of-archive block";
		return -EBADMSG;
	}
	h = th->h = p + *pos;
	if (is_zero_block(h)) {
		if (!st->pending)
			return 1;
		*why = "tar archive ends inside an entry";
		return -EBADMSG;
	}
	if (!tar_cksum_ok(h)) {
		*why = "tar header checksum";
		return -EBADMSG;
	}
	if (tar_num(h + 124, 12, &th->size) || tar_num(h + 136, 12, &th->mtime)) {
		*why = "tar header number field";
		return -EBADMSG;
	}
	th->type = (char)h[156];
	if (!st->pending)
		st->first_hdr = *pos;
	*pos += TAR_BLOCK;
	if (st->have_xsize && !(th->type && strchr("xgLK", th->type)))
		th->size = st->xsize;
	/* Size in blocks, overflow-safe. */
	th->blocks = (size_t)((th->size + TAR_BLOCK - 1) / TAR_BLOCK);
	if (th->size > len - *pos || th->blocks > (len - *pos) / TAR_BLOCK) {
		*why = "tar entry extends beyond the end";
		return -EMSGSIZE;
	}
	return 0;
}

/* GNU L/K and pax x headers: what they say waits for the next entry. */
static int tar_extension(const uint8_t *data, const struct tar_hdr *th,
			 struct tar_state *st, const char **why)
{
	char **dst;

	if (th->type == 'x') {
		if (pax_parse(data, (size_t)th->size, &st->lname, &st->llink,
			      &st->xsize, &st->have_xsize)) {
			*why = "malformed pax extended header";
			return -EBADMSG;
		}
		st->pending = 1;
		return 0;
	}
	dst = th->type == 'L' ? &st->lname : &st->llink;
	free(*dst);
	*dst = norm_path((const char *)data, (size_t)th->size);
	if (!*dst)
		return -ENOMEM;
	st->pending = 1;
	return 0;
}

/* The entry's path: pax or GNU long name, ustar prefix + name, or name. */
static char *tar_entry_path(const uint8_t *h, struct tar_state *st)
{
	char full[256 + 2], *path;
	size_t pl, nl;

	if (st->lname) {
		path = st->lname;
		st->lname = NULL;
		return path;
	}
	if (memcmp(h + 257, "ustar\0", 6) || !h[345])
		return norm_path((const char *)h, 100);
	pl = strnlen((const char *)h + 345, 155);
	nl = strnlen((const char *)h, 100);
	memcpy(full, h + 345, pl);
	full[pl] = '/';
	memcpy(full + pl + 1, h, nl);
	return norm_path(full, pl + 1 + nl);
}

/* Appends the entry whose data starts at @pos; may zero th->blocks. */
static int tar_add_entry(struct deb_tar *t, struct tar_state *st,
			 struct tar_hdr *th, size_t pos)
{
	struct deb_tar_entry *e;

	if (t->n == st->cap) {
		size_t nc = st->cap ? st->cap * 2 : 256;
		struct deb_tar_entry *nv = realloc(t->v, nc * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		t->v = nv;
		st->cap = nc;
	}
	e = &t->v[t->n];
	memset(e, 0, sizeof(*e));
	e->path = tar_entry_path(th->h, st);
	if (st->llink) {
		e->link = st->llink;
		st->llink = NULL;
	} else {
		e->link = norm_path((const char *)th->h + 157, 100);
	}
	t->n++;
	if (!e->path || !e->link)
		return -ENOMEM;
	e->type = th->type ? th->type : '0';
	if (e->type == '7')
		e->type = '0';
	/* Links, devices, FIFOs, directories: no data whatever size says. */
	if (strchr("123456", e->type)) {
		th->size = 0;
		th->blocks = 0;
	}
	e->size = th->size;
	e->size_from_pax = st->have_xsize;
	e->mtime = th->mtime;
	e->hdr_off = st->first_hdr;
	e->data_off = pos;
	if (th->mtime > t->max_mtime)
		t->max_mtime = th->mtime;
	st->pending = 0;
	st->have_xsize = 0;
	return 0;
}

int deb_tar_parse(const uint8_t *p, size_t len, struct deb_tar *t,
		  const char **why)
{
	struct tar_state st = { 0 };
	struct tar_hdr th;
	size_t pos = 0;
	int ret;

	memset(t, 0, sizeof(*t));
	for (;;) {
		ret = tar_header(p, len, &pos, &st, &th, why);
		if (ret)
			break;
		if (th.type == 'L' || th.type == 'K' || th.type == 'x')
			ret = tar_extension(p + pos, &th, &st, why);
		else if (th.type != 'g')	/* global pax: nothing we use */
			ret = tar_add_entry(t, &st, &th, pos);
		if (ret)
			break;
		pos += th.blocks * TAR_BLOCK;
	}
	free(st.lname);
	free(st.llink);
	if (ret < 0) {
		deb_tar_free(t);
		return ret;
	}
	t->end = pos;
	return 0;
}

void deb_tar_free(struct deb_tar *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].path);
		free(t->v[i].link);
	}
	free(t->v);
	memset(t, 0, sizeof(*t));
}

static void put_octal(uint8_t *f, size_t w, uint64_t v)
{
	/* w-1 digits, then NUL. */
	for (size_t i = w - 1; i-- > 0; v >>= 3)
		f[i] = (uint8_t)('0' + (v & 7));
	f[w - 1] = '\0';
}

static void set_cksum(uint8_t *h)
{
	unsigned sum = 0;

	memset(h + 148, ' ', 8);
	for (int i = 0; i < TAR_BLOCK; i++)
		sum += h[i];
	put_octal(h + 148, 7, sum);	/* six digits, NUL, then the space */
	h[155] = ' ';
}

int deb_tar_add_header(struct deb_buf *out, const char *path, char type,
		       unsigned mode, uint64_t size, uint64_t mtime)
{
	uint8_t h[TAR_BLOCK] = { 0 };
	char name[4096 + 4];
	size_t l;

	l = (size_t)snprintf(name, sizeof(name), "./%s%s", path,
			     type == '5' ? "/" : "");
	if (l >= sizeof(name))
		return -ENAMETOOLONG;
	if (l <= 100) {
		memcpy(h, name, l);
	} else {
		/* ustar split: prefix (<= 155) '/' name (<= 100). */
		const char *slash = NULL;

		for (const char *s = name; *s; s++)
			if (*s == '/' && s != name + l - 1 &&
			    (size_t)(s - name) <= 155 && l - (size_t)(s - name) - 1 <= 100)
				slash = s;
		if (!slash)
			return -ENAMETOOLONG;
		memcpy(h + 345, name, (size_t)(slash - name));
		memcpy(h, slash + 1, l - (size_t)(slash - name) - 1);
	}
	if (size >> 33)
		return -EFBIG;
	put_octal(h + 100, 8, mode);
	put_octal(h + 108, 8, 0);
	put_octal(h + 116, 8, 0);
	put_octal(h + 124, 12, size);
	put_octal(h + 136, 12, mtime & 077777777777ULL);
	h[156] = (uint8_t)type;
	memcpy(h + 257, "ustar\0" "00", 8);
	memcpy(h + 265, "root", 4);
	memcpy(h + 297, "root", 4);
	set_cksum(h);
	return deb_buf_add(out, h, TAR_BLOCK);
}

int deb_tar_add_data(struct deb_buf *out, const uint8_t *p, size_t len)
{
	static const uint8_t zero[TAR_BLOCK];
	int ret = deb_buf_add(out, p, len);

	if (!ret && len % TAR_BLOCK)
		ret = deb_buf_add(out, zero, TAR_BLOCK - len % TAR_BLOCK);
	return ret;
}

int deb_tar_finish(struct deb_buf *out)
{
	static const uint8_t zero[TAR_BLOCK];
	int ret = 0;

	for (int i = 0; i < 2 && !ret; i++)
		ret = deb_buf_add(out, zero, TAR_BLOCK);
	while (!ret && out->len % TAR_RECORD)
		ret = deb_buf_add(out, zero, TAR_BLOCK);
	return ret;
}

int deb_tar_set_size(uint8_t *hdr, uint64_t size)
{
	if (size >> 33)
		return -EFBIG;
	put_octal(hdr + 124, 12, size);
	set_cksum(hdr);
	return 0;
}
