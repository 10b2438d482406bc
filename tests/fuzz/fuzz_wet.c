/* fuzz_wet.c - WARC/WET parsing on arbitrary bytes. The first byte picks a
 * chunking and --wet-digest; the rest is framed by the WET framer alone,
 * then by the whole filter. Invariants:
 * - framing loses and invents no byte: the records' raw bytes, in order,
 *   are the input, however it is pushed, and the records are the same;
 * - a malformed record says why;
 * - a conversion record round-trips: wrapping it with its own text, and
 *   with an arbitrary other text, gives a record that frames as one
 *   document holding that text (Content-Length rewritten), and that wraps
 *   again to itself;
 * - the filter's statistics balance. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

struct frame {
	struct out raw;   /* every record's raw bytes, in order */
	struct out kinds; /* the kinds of the records, one byte each (pieces merged) */
	const uint8_t *alt;
	size_t alt_len;
	bool digest;
	bool check;       /* round-trip the documents */
};

struct one {
	struct out text;
	struct out wrapped;
	int docs, others;
};

static struct wn_wet *one_framer;

static int one_rec(void *ctx, const struct wn_record *rec)
{
	struct one *o = ctx;
	if (rec->kind != WN_REC_DOC) {
		o->others += rec->raw_len > 0;
		return 0;
	}
	o->docs++;
	out_append(&o->text, rec->text, rec->text_len);
	struct wn_buf b = { 0 };
	if (wn_wet_wrap(one_framer, rec, rec->text, rec->text_len, &b) != 0)
		abort();
	out_append(&o->wrapped, b.ptr, b.len);
	wn_buf_free(&b);
	return 0;
}

static void check_round_trip(bool digest, const char *rec_bytes, size_t len, const char *text,
			     size_t text_len)
{
	struct wn_options opt = { 0 };
	opt.wet_digest = digest;
	struct wn_wet w;
	if (wn_wet_init(&w, &opt) != 0)
		abort();
	one_framer = &w;
	struct one o = { 0 };
	if (wn_wet_push(&w, rec_bytes, len, one_rec, &o) != 0 || wn_wet_finish(&w, one_rec, &o) != 0)
		abort();
	if (o.docs != 1 || o.others != 0)
		abort();
	if (o.text.len != text_len || (text_len && memcmp(o.text.buf, text, text_len) != 0))
		abort();
	if (o.wrapped.len != len || memcmp(o.wrapped.buf, rec_bytes, len) != 0)
		abort();
	free(o.text.buf);
	free(o.wrapped.buf);
	wn_wet_free(&w);
}

static struct wn_wet *framer;

static int on_rec(void *ctx, const struct wn_record *rec)
{
	struct frame *fr = ctx;
	out_append(&fr->raw, rec->raw, rec->raw_len);
	if (rec->kind == WN_REC_BAD && (!rec->msg || !rec->msg[0]))
		abort();
	if (rec->kind != WN_REC_MORE) {
		const char k = (char)('0' + rec->kind);
		out_append(&fr->kinds, &k, 1);
	}
	if (rec->kind != WN_REC_DOC || !fr->check)
		return 0;
	if (rec->text < rec->raw || rec->text + rec->text_len > rec->raw + rec->raw_len)
		abort();
	for (int k = 0; k < 2; k++) {
		const char *t = k ? (const char *)fr->alt : rec->text;
		const size_t tn = k ? fr->alt_len : rec->text_len;
		struct wn_buf b = { 0 };
		if (wn_wet_wrap(framer, rec, t, tn, &b) != 0)
			abort();
		check_round_trip(fr->digest, b.ptr, b.len, t, tn);
		wn_buf_free(&b);
	}
	return 0;
}

static void frame(const uint8_t *p, size_t n, size_t chunk, struct frame *fr)
{
	struct wn_options opt = { 0 };
	opt.wet_digest = fr->digest;
	opt.max_doc = 4096;
	struct wn_wet w;
	if (wn_wet_init(&w, &opt) != 0)
		abort();
	framer = &w;
	for (size_t pos = 0; pos < n;) {
		const size_t k = n - pos < chunk ? n - pos : chunk;
		if (wn_wet_push(&w, (const char *)p + pos, k, on_rec, fr) != 0)
			abort();
		pos += k;
	}
	if (wn_wet_finish(&w, on_rec, fr) != 0)
		abort();
	wn_wet_free(&w);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	if (n < 1)
		return 0;
	const bool digest = d[0] & 1;
	const size_t chunk = 1 + (size_t)(d[0] >> 1) * 5;
	d++;
	n--;
	struct frame whole = { .alt = d + n / 2, .alt_len = n - n / 2, .digest = digest,
			       .check = true };
	struct frame piece = whole;
	piece.check = false;
	frame(d, n, n ? n : 1, &whole);
	frame(d, n, chunk, &piece);
	if (whole.raw.len != n || (n && memcmp(whole.raw.buf, d, n) != 0))
		abort();
	if (piece.raw.len != n || (n && memcmp(piece.raw.buf, d, n) != 0))
		abort();
	if (whole.kinds.len != piece.kinds.len ||
	    memcmp(whole.kinds.buf, piece.kinds.buf, whole.kinds.len) != 0)
		abort();

	struct wn_options opt = { 0 };
	opt.format = WN_FORMAT_WET;
	opt.wet_digest = digest;
	opt.max_doc = 4096;
	opt.min_chars = 4;
	opt.disable = WN_STAGE_BUILTIN_RULES; /* compiling them is most of a run's time */
	struct wn_stats st;
	struct out o = run_filter(&opt, d, n, n ? n : 1, false, &st, NULL);
	free(o.buf);
	free(whole.raw.buf);
	free(whole.kinds.buf);
	free(piece.raw.buf);
	free(piece.kinds.buf);
	return 0;
}
