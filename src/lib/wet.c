/* wet.c - WARC framing for Common Crawl WET files: a record is its header
 * block and Content-Length bytes of block, then a separator of line ends.
 * Conversion records are documents; the rest go through in pieces. */
#include <stdio.h>
#include <string.h>

#include "internal.h"

#define MAGIC "WARC/"
#define MAGIC_LEN 5

static bool is_eol(char c)
{
	return c == '\r' || c == '\n';
}

/* True when p[0..n) could start a record: "WARC/", or its start at the end
 * of the input. */
static bool starts_record(const char *p, size_t n)
{
	return memcmp(p, MAGIC, n < MAGIC_LEN ? n : MAGIC_LEN) == 0;
}

static uint64_t count_lines(const char *p, size_t n)
{
	if (n == 0)
		return 0; /* p may be NULL: the empty piece of a truncated record */
	uint64_t count = 0;
	const char *const end = p + n;
	while (p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		count++;
		p++;
	}
	return count;
}

/* Hands a piece of input over and moves the position past it. */
static int emit(struct wn_wet *w, struct wn_record *rec, wn_record_fn *fn, void *ctx)
{
	rec->line = w->rec_line;
	rec->offset = w->rec_offset;
	if (!rec->id)
		rec->id = "";
	const int rc = fn(ctx, rec);
	w->line += count_lines(rec->raw, rec->raw_len);
	w->offset += rec->raw_len;
	return rc;
}

static int emit_piece(struct wn_wet *w, enum wn_record_kind kind, const char *p, size_t n,
		      const char *msg, wn_record_fn *fn, void *ctx)
{
	struct wn_record rec = { .kind = kind, .raw = p, .raw_len = n, .msg = msg };
	return emit(w, &rec, fn, ctx);
}

/* Finds the first line at or after b[from] that starts with "WARC/", all
 * five bytes of it in b[0..len); a line starts at from when nl_before. */
static bool find_record(const char *b, size_t from, size_t len, bool nl_before, size_t *at_out)
{
	if (nl_before && len - from >= MAGIC_LEN && memcmp(b + from, MAGIC, MAGIC_LEN) == 0) {
		*at_out = from;
		return true;
	}
	const char *const end = b + len;
	for (const char *q = b + from; (q = memchr(q, '\n', (size_t)(end - q))) != NULL; q++) {
		if (end - q > MAGIC_LEN && memcmp(q + 1, MAGIC, MAGIC_LEN) == 0) {
			*at_out = (size_t)(q + 1 - b);
			return true;
		}
	}
	return false;
}

/* ---- Headers -------------------------------------------------------------- */

/* The length of the header block at p[0..n) up to and with its blank line,
 * or 0 when it has not ended yet; *scan is where to go on searching. */
static size_t head_end(const char *p, size_t n, size_t *scan)
{
	size_t i = *scan;
	for (;;) {
		const char *const nl = memchr(p + i, '\n', n - i);
		if (!nl) {
			*scan = i;
			return 0;
		}
		const size_t next = (size_t)(nl - p) + 1;
		if (i > 0 && (next - i == 1 || (next - i == 2 && p[i] == '\r')))
			return next;
		i = next;
	}
}

static bool name_is(const char *p, size_t n, const char *name)
{
	const size_t k = strlen(name);
	if (n != k)
		return false;
	for (size_t i = 0; i < k; i++) {
		const char c = p[i] >= 'A' && p[i] <= 'Z' ? (char)(p[i] + 32) : p[i];
		const char d = name[i] >= 'A' && name[i] <= 'Z' ? (char)(name[i] + 32) : name[i];
		if (c != d)
			return false;
	}
	return true;
}

static int bad_head(struct wn_wet *w, const char *what)
{
	snprintf(w->msg, sizeof(w->msg), "%s", what);
	return -1;
}

/* Reads the Content-Length value p[0..n) into w->length. */
static int parse_length(struct wn_wet *w, const char *p, size_t n)
{
	uint64_t v = 0;
	if (n == 0 || n > 18)
		return bad_head(w, "invalid Content-Length");
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return bad_head(w, "invalid Content-Length");
		v = v * 10 + (uint64_t)(p[i] - '0');
	}
	w->length = w->clen = v;
	return 0;
}

/* Notes one header line h[0..n) (no line end) at offset off of the record. */
static int parse_header(struct wn_wet *w, const char *h, size_t n, size_t off, size_t next)
{
	const char *const colon = memchr(h, ':', n);
	if (!colon)
		return 0; /* a continuation or a stray line: kept, not read */
	const size_t name_len = (size_t)(colon - h);
	size_t v = name_len + 1, v_end = n;
	while (v < n && (h[v] == ' ' || h[v] == '\t'))
		v++;
	while (v_end > v && (h[v_end - 1] == ' ' || h[v_end - 1] == '\t'))
		v_end--;
	if (name_is(h, name_len, "Content-Length")) {
		if (w->len_end)
			return bad_head(w, "two Content-Length headers");
		w->len_start = off + v;
		w->len_end = off + v_end;
		return parse_length(w, h + v, v_end - v);
	}
	if (name_is(h, name_len, "WARC-Type")) {
		w->doc = name_is(h + v, v_end - v, "conversion");
	} else if (name_is(h, name_len, "WARC-Block-Digest")) {
		/* Only one can be rewritten or dropped: another would be left
		 * stale in a rewritten record. */
		if (w->digest_next)
			return bad_head(w, "two WARC-Block-Digest headers");
		w->digest_line = off;
		w->digest_next = next;
		w->digest_start = off + v;
		w->digest_end = off + v_end;
	} else if (name_is(h, name_len, "WARC-Record-ID")) {
		w->id_is_uri = false;
		w->id_start = off + v;
		w->id_end = off + v_end;
	} else if (name_is(h, name_len, "WARC-Target-URI")) {
		w->uri_start = off + v;
		w->uri_end = off + v_end;
		if (!w->id_end || w->id_is_uri) {
			w->id_is_uri = true;
			w->id_start = off + v;
			w->id_end = off + v_end;
		}
	}
	return 0;
}

/* Reads the headers of the record at p, whose header block is n bytes. */
static int parse_head(struct wn_wet *w, const char *p, size_t n)
{
	w->doc = w->id_is_uri = false;
	w->len_start = w->len_end = w->digest_start = w->digest_end = 0;
	w->digest_line = w->digest_next = w->id_start = w->id_end = 0;
	w->uri_start = w->uri_end = 0;
	const char *nl = memchr(p, '\n', n);
	for (size_t i = (size_t)(nl - p) + 1; i < n;) {
		nl = memchr(p + i, '\n', n - i);
		const size_t next = (size_t)(nl - p) + 1;
		size_t len = next - 1 - i;
		if (len && p[i + len - 1] == '\r')
			len--;
		if (len && parse_header(w, p + i, len, i, next) != 0)
			return -1;
		i = next;
	}
	if (!w->len_end)
		return bad_head(w, "no Content-Length header");
	return 0;
}

/* ---- Cutting records ------------------------------------------------------ */

/* Passes on b[*pos..) as kind (WN_REC_BAD: a malformed record starts at
 * *pos) up to the next record, the first line at or after b[from] that
 * starts with "WARC/"; if it has not come yet, goes on in WN_WET_RESYNC. */
static int skip_to_record(struct wn_wet *w, const char *b, size_t len, size_t *pos, size_t from,
			  bool nl_before, bool final, enum wn_record_kind kind, wn_record_fn *fn,
			  void *ctx)
{
	if (from > len)
		from = len;
	size_t stop;
	const bool found = find_record(b, from, len, nl_before, &stop);
	if (!found && final) {
		stop = len;
	} else if (!found) {
		/* Holds back what may be the start of "\nWARC/". */
		stop = len > from + MAGIC_LEN ? len - MAGIC_LEN : from;
		w->nl_before = stop > from ? b[stop - 1] == '\n' : nl_before;
	}
	w->state = found ? WN_WET_HEAD : WN_WET_RESYNC;
	w->scan = 0;
	const size_t start = *pos;
	*pos = stop;
	if (kind == WN_REC_MORE && stop == start)
		return found || final ? 0 : 1;
	const int rc = emit_piece(w, kind, b + start, stop - start, w->msg, fn, ctx);
	return rc || found || final ? rc : 1;
}

static void truncated(struct wn_wet *w, uint64_t have)
{
	snprintf(w->msg, sizeof(w->msg), "truncated record: Content-Length %llu, %llu bytes follow",
		 (unsigned long long)w->clen, (unsigned long long)have);
}

/* WN_WET_HEAD: the record at b[*pos]. Returns 1 when it needs more input. */
static int head(struct wn_wet *w, const char *b, size_t len, size_t *pos, bool final,
		wn_record_fn *fn, void *ctx)
{
	const char *const p = b + *pos;
	const size_t avail = len - *pos;
	w->rec_line = w->line;
	w->rec_offset = w->offset;
	if (!starts_record(p, avail)) {
		bad_head(w, "a record does not start with \"WARC/\"");
		return skip_to_record(w, b, len, pos, *pos, false, final, WN_REC_BAD, fn, ctx);
	}
	const size_t hlen = head_end(p, avail, &w->scan);
	if (!hlen && !final && avail <= w->max_doc)
		return 1;
	if (!hlen || hlen > w->max_doc) {
		bad_head(w, hlen || !final ? "record header longer than max_doc"
					   : "truncated record header");
		return skip_to_record(w, b, len, pos, *pos + 1, false, final, WN_REC_BAD, fn, ctx);
	}
	w->scan = 0;
	if (parse_head(w, p, hlen) != 0)
		return skip_to_record(w, b, len, pos, *pos + hlen, true, final, WN_REC_BAD, fn, ctx);
	if (w->length <= w->max_doc) {
		w->head_len = hlen;
		w->state = WN_WET_BODY;
		return 0;
	}
	/* Too long to hold: a document is malformed, the rest go on as they are. */
	w->state = WN_WET_STREAM;
	*pos += hlen;
	if (w->doc) {
		snprintf(w->msg, sizeof(w->msg), "conversion record of %llu bytes is longer than "
			 "max_doc", (unsigned long long)w->length);
		return emit_piece(w, WN_REC_BAD, p, hlen, w->msg, fn, ctx);
	}
	return emit_piece(w, WN_REC_PASS, p, hlen, NULL, fn, ctx);
}

/* WN_WET_BODY: a whole record at b[*pos], with its separator. */
static int body(struct wn_wet *w, const char *b, size_t len, size_t *pos, bool final,
		wn_record_fn *fn, void *ctx)
{
	const char *const p = b + *pos;
	const size_t avail = len - *pos;
	const size_t end = w->head_len + (size_t)w->length;
	if (avail < end) {
		if (!final)
			return 1;
		truncated(w, avail - w->head_len);
		return skip_to_record(w, b, len, pos, len, false, final, WN_REC_BAD, fn, ctx);
	}
	size_t sep = end;
	while (sep < avail && is_eol(p[sep]))
		sep++;
	if (!final && avail - sep < MAGIC_LEN)
		return 1;
	if (!starts_record(p + sep, avail - sep)) {
		snprintf(w->msg, sizeof(w->msg), "Content-Length %llu does not end the record",
			 (unsigned long long)w->length);
		return skip_to_record(w, b, len, pos, *pos + w->head_len, true, final, WN_REC_BAD,
				      fn, ctx);
	}
	struct wn_record rec = {
		.kind = w->doc ? WN_REC_DOC : WN_REC_PASS, .raw = p, .raw_len = sep,
		.text = p + w->head_len,
		.text_len = (size_t)w->length, .id = p + w->id_start,
		.id_len = w->id_end - w->id_start,
		.url = w->uri_end ? p + w->uri_start : NULL, .url_len = w->uri_end - w->uri_start,
		.text_line = w->line + count_lines(p, w->head_len),
	};
	w->state = WN_WET_HEAD;
	*pos += sep;
	return emit(w, &rec, fn, ctx);
}

/* WN_WET_STREAM and WN_WET_SEP: the rest of a record not buffered. */
static int stream(struct wn_wet *w, const char *b, size_t len, size_t *pos, bool final,
		  wn_record_fn *fn, void *ctx)
{
	int rc = 0;
	if (w->state == WN_WET_STREAM) {
		const size_t take = len - *pos < w->length ? len - *pos : (size_t)w->length;
		rc = emit_piece(w, WN_REC_MORE, b + *pos, take, NULL, fn, ctx);
		*pos += take;
		w->length -= take;
		if (rc || w->length)
			return rc ? rc : 1;
		w->state = WN_WET_SEP;
	}
	size_t sep = *pos;
	while (sep < len && is_eol(b[sep]))
		sep++;
	if (sep > *pos)
		rc = emit_piece(w, WN_REC_MORE, b + *pos, sep - *pos, NULL, fn, ctx);
	*pos = sep;
	if (rc || (!final && len - sep < MAGIC_LEN))
		return rc ? rc : 1;
	if (!starts_record(b + sep, len - sep)) {
		snprintf(w->msg, sizeof(w->msg), "Content-Length %llu does not end the record",
			 (unsigned long long)w->clen);
		return skip_to_record(w, b, len, pos, sep, false, final, WN_REC_BAD, fn, ctx);
	}
	w->state = WN_WET_HEAD;
	return 0;
}

/* Cuts b[0..len), which starts where the last push stopped, into records.
 * Each state's step returns 1 when it needs more input. Returns the bytes
 * used in *used_out; the rest starts the record not complete yet. */
static int cut(struct wn_wet *w, const char *b, size_t len, bool final, wn_record_fn *fn,
	       void *ctx, size_t *used_out)
{
	size_t pos = 0;
	int rc = 0;
	while (!rc && pos < len) {
		switch (w->state) {
		case WN_WET_HEAD: rc = head(w, b, len, &pos, final, fn, ctx); break;
		case WN_WET_BODY: rc = body(w, b, len, &pos, final, fn, ctx); break;
		case WN_WET_RESYNC:
			rc = skip_to_record(w, b, len, &pos, pos, w->nl_before, final, WN_REC_MORE,
					    fn, ctx);
			break;
		default: rc = stream(w, b, len, &pos, final, fn, ctx); break;
		}
	}
	if (final && rc >= 0 && w->state == WN_WET_STREAM && w->length) {
		truncated(w, w->clen - w->length);
		rc = emit_piece(w, WN_REC_BAD, b, 0, w->msg, fn, ctx);
	}
	*used_out = pos;
	return rc > 0 ? 0 : rc;
}

int wn_wet_init(struct wn_wet *w, const struct wn_options *opt)
{
	memset(w, 0, sizeof(*w));
	w->max_doc = opt->max_doc ? opt->max_doc : WN_DEFAULT_MAX_DOC;
	w->sha1 = opt->wet_digest;
	w->line = 1;
	return 0;
}

/* Records are cut from the input itself when nothing is held, else from
 * buf; what is left over waits in buf. */
int wn_wet_push(struct wn_wet *w, const char *p, size_t n, wn_record_fn *fn, void *ctx)
{
	size_t used;
	int rc;
	if (w->buf.len == 0) {
		rc = cut(w, p, n, false, fn, ctx, &used);
		if (!rc && wn_buf_append(&w->buf, p + used, n - used) != 0)
			rc = WN_E_NOMEM;
		return rc;
	}
	if (wn_buf_append(&w->buf, p, n) != 0)
		return WN_E_NOMEM;
	rc = cut(w, w->buf.ptr, w->buf.len, false, fn, ctx, &used);
	memmove(w->buf.ptr, w->buf.ptr + used, w->buf.len - used);
	w->buf.len -= used;
	return rc;
}

int wn_wet_finish(struct wn_wet *w, wn_record_fn *fn, void *ctx)
{
	size_t used;
	const int rc = cut(w, w->buf.ptr, w->buf.len, true, fn, ctx, &used);
	w->buf.len = w->scan = 0;
	w->state = WN_WET_HEAD;
	w->length = 0;
	w->line = 1;
	w->offset = 0;
	return rc;
}

/* ---- Writing a record back ------------------------------------------------ */

static int append_u64(struct wn_buf *out, uint64_t v)
{
	char digits[24];
	size_t n = 0;
	do {
		digits[sizeof(digits) - ++n] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return wn_buf_append(out, digits + sizeof(digits) - n, n);
}

static bool is_sha1(const char *p, size_t n)
{
	return n >= 5 && name_is(p, 5, "sha1:");
}

int wn_wet_wrap(const struct wn_wet *w, const struct wn_record *rec, const char *text,
		size_t n, struct wn_buf *out)
{
	/* The header block is copied with up to two edits, in their order:
	 * the Content-Length value, and the digest's value (sha1) or line. */
	enum { EDIT_LENGTH, EDIT_SHA1, EDIT_DROP };
	struct edit {
		size_t from, to;
		int what;
	} edits[2] = { { w->len_start, w->len_end, EDIT_LENGTH }, { 0, 0, EDIT_DROP } };
	const char *const r = rec->raw;
	size_t nedits = 1;
	if (w->digest_next) {
		const size_t dlen = w->digest_end - w->digest_start;
		edits[1] = w->sha1 && is_sha1(r + w->digest_start, dlen)
				   ? (struct edit){ w->digest_start + 5, w->digest_end, EDIT_SHA1 }
				   : (struct edit){ w->digest_line, w->digest_next, EDIT_DROP };
		nedits = 2;
		if (edits[1].from < edits[0].from) {
			const struct edit t = edits[0];
			edits[0] = edits[1];
			edits[1] = t;
		}
	}
	size_t at = 0;
	int rc = 0;
	for (size_t i = 0; i < nedits && !rc; i++) {
		rc = wn_buf_append(out, r + at, edits[i].from - at);
		if (!rc && edits[i].what == EDIT_LENGTH) {
			rc = append_u64(out, n);
		} else if (!rc && edits[i].what == EDIT_SHA1) {
			char b32[WN_SHA1_BASE32_LEN];
			wn_sha1_base32(text, n, b32);
			rc = wn_buf_append(out, b32, sizeof(b32));
		}
		at = edits[i].to;
	}
	const size_t sep = w->head_len + (size_t)w->length;
	if (!rc)
		rc = wn_buf_append(out, r + at, w->head_len - at);
	if (!rc)
		rc = wn_buf_append(out, text, n);
	if (!rc)
		rc = wn_buf_append(out, r + sep, rec->raw_len - sep);
	return rc ? WN_E_NOMEM : 0;
}

void wn_wet_free(struct wn_wet *w)
{
	wn_buf_free(&w->buf);
}
