/* fuzz_jsonl.c - JSON Lines decoding and encoding on arbitrary bytes. The
 * first byte picks a chunking and the text field's name; the rest is framed
 * by the JSON Lines framer alone, then by the whole filter. Invariants:
 * - framing loses and invents no byte: the records' raw bytes, in order,
 *   are the input, however it is pushed;
 * - a malformed record says why;
 * - a record round-trips: wrapping a document with its own text, and with
 *   an arbitrary other text, gives a line that decodes to that text, keeps
 *   every byte outside the field, and wraps again to itself;
 * - the filter's statistics balance. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

static const char *const fields[4] = { "text", "content", "id", "t\"x" };

struct frame {
	struct out raw;     /* every record's raw bytes, in order */
	const uint8_t *alt; /* another text to wrap documents with */
	size_t alt_len;
	const char *field;
	uint64_t docs;
};

/* Frames line[0..n) (one record, '\n' ended or not) with a fresh framer;
 * the single record it holds must be a document: its text goes to text. */
struct one {
	struct out text;
	struct out wrapped; /* wrapped again with the same text */
	int docs, others;
};

static int one_rec(void *ctx, const struct wn_record *rec);

static struct wn_jsonl *one_framer;

static int one_rec(void *ctx, const struct wn_record *rec)
{
	struct one *o = ctx;
	if (rec->kind != WN_REC_DOC) {
		o->others++;
		return 0;
	}
	o->docs++;
	out_append(&o->text, rec->text, rec->text_len);
	struct wn_buf b = { 0 };
	if (wn_jsonl_wrap(one_framer, rec, rec->text, rec->text_len, &b) != 0)
		abort();
	out_append(&o->wrapped, b.ptr, b.len);
	wn_buf_free(&b);
	return 0;
}

static void check_round_trip(const char *field, const char *line, size_t len, const char *text,
			     size_t text_len, bool fixed_point)
{
	struct wn_options opt = { 0 };
	opt.field = field;
	struct wn_jsonl j;
	if (wn_jsonl_init(&j, &opt) != 0)
		abort();
	one_framer = &j;
	struct one o = { 0 };
	if (wn_jsonl_push(&j, line, len, one_rec, &o) != 0 || wn_jsonl_finish(&j, one_rec, &o) != 0)
		abort();
	if (o.docs != 1 || o.others != 0)
		abort();
	if (o.text.len != text_len || (text_len && memcmp(o.text.buf, text, text_len) != 0))
		abort();
	if (fixed_point && (o.wrapped.len != len || memcmp(o.wrapped.buf, line, len) != 0))
		abort();
	free(o.text.buf);
	free(o.wrapped.buf);
	wn_jsonl_free(&j);
}

static struct wn_jsonl *framer;

static int on_rec(void *ctx, const struct wn_record *rec)
{
	struct frame *fr = ctx;
	out_append(&fr->raw, rec->raw, rec->raw_len);
	if (rec->kind == WN_REC_BAD && (!rec->msg || !rec->msg[0]))
		abort();
	if (rec->kind != WN_REC_DOC)
		return 0;
	fr->docs++;
	/* The record's text back in place, then another text. */
	for (int k = 0; k < 2; k++) {
		const char *t = k ? (const char *)fr->alt : rec->text;
		const size_t tn = k ? fr->alt_len : rec->text_len;
		struct wn_buf b = { 0 };
		if (wn_jsonl_wrap(framer, rec, t, tn, &b) != 0)
			abort();
		/* The bytes before the field and after it are the record's. */
		if (memcmp(b.ptr, rec->raw, framer->val_start) != 0)
			abort();
		const size_t tail = rec->raw_len - framer->val_end;
		if (b.len < tail || memcmp(b.ptr + b.len - tail, rec->raw + framer->val_end, tail) != 0)
			abort();
		if (k == 0 && !framer->ascii && !framer->slash && b.len > rec->raw_len)
			abort(); /* re-encoding never grows a text it decoded */
		check_round_trip(fr->field, b.ptr, b.len, t, tn, k == 0);
		wn_buf_free(&b);
	}
	return 0;
}

static void frame(const char *field, const uint8_t *p, size_t n, size_t chunk, struct frame *fr)
{
	struct wn_options opt = { 0 };
	opt.field = field;
	opt.max_doc = 4096;
	struct wn_jsonl j;
	if (wn_jsonl_init(&j, &opt) != 0)
		abort();
	framer = &j;
	fr->field = field;
	for (size_t pos = 0; pos < n;) {
		const size_t k = n - pos < chunk ? n - pos : chunk;
		if (wn_jsonl_push(&j, (const char *)p + pos, k, on_rec, fr) != 0)
			abort();
		pos += k;
	}
	if (wn_jsonl_finish(&j, on_rec, fr) != 0)
		abort();
	wn_jsonl_free(&j);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	if (n < 1)
		return 0;
	const char *field = fields[d[0] & 3];
	const size_t chunk = 1 + (size_t)(d[0] >> 2) * 7;
	d++;
	n--;
	/* The other text: the input's second half, arbitrary bytes. */
	struct frame whole = { .alt = d + n / 2, .alt_len = n - n / 2 };
	struct frame piece = whole;
	frame(field, d, n, n ? n : 1, &whole);
	frame(field, d, n, chunk, &piece);
	if (whole.raw.len != n || (n && memcmp(whole.raw.buf, d, n) != 0))
		abort();
	if (piece.raw.len != n || (n && memcmp(piece.raw.buf, d, n) != 0))
		abort();
	if (whole.docs != piece.docs)
		abort();

	/* The whole filter over the same bytes. */
	struct wn_options opt = { 0 };
	opt.format = WN_FORMAT_JSONL;
	opt.field = field;
	opt.max_doc = 4096;
	opt.min_chars = 4;
	opt.disable = WN_STAGE_BUILTIN_RULES; /* compiling them is most of a run's time */
	struct wn_stats st;
	struct out o = run_filter(&opt, d, n, n ? n : 1, false, &st, NULL);
	free(o.buf);
	if (st.docs_in != whole.docs)
		abort();
	free(whole.raw.buf);
	free(piece.raw.buf);
	return 0;
}
