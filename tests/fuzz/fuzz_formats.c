/* fuzz_formats.c - JSON Lines and WET framing on arbitrary bytes. The first
 * bytes pick the format and options and a chunking; the invariants checked:
 * the output and the malformed-record count are the same pushed whole or in
 * pieces, and the statistics balance (lines and documents). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "winnow.h"

struct out {
	char *buf;
	size_t len, cap;
};

static int collect(void *ctx, const char *p, size_t n)
{
	struct out *o = ctx;
	if (o->len + n > o->cap) {
		o->cap = (o->len + n) * 2 + 64;
		o->buf = realloc(o->buf, o->cap);
		if (!o->buf)
			abort();
	}
	memcpy(o->buf + o->len, p, n);
	o->len += n;
	return 0;
}

static void count_error(void *ctx, const struct wn_record_error *e)
{
	if (!e->msg || !e->msg[0])
		abort();
	++*(uint64_t *)ctx;
}

static struct out run(const struct wn_options *base, const uint8_t *d, size_t n, size_t chunk,
		      struct wn_stats *st, uint64_t *errors)
{
	struct out o = { 0 };
	struct wn_options opt = *base;
	opt.write = collect;
	opt.write_ctx = &o;
	opt.error = count_error;
	opt.error_ctx = errors;
	struct wn_filter *f = wn_filter_new(&opt);
	if (!f)
		abort();
	for (size_t pos = 0; pos < n;) {
		size_t k = n - pos < chunk ? n - pos : chunk;
		/* an input boundary in the middle, as between two files */
		if (pos < n / 2 && pos + k > n / 2)
			k = n / 2 - pos;
		if (wn_filter_push(f, d + pos, k) != 0)
			abort();
		pos += k;
		if (pos == n / 2 && wn_filter_end_input(f) != 0)
			abort();
	}
	if (wn_filter_finish(f) != 0)
		abort();
	wn_filter_stats(f, st);
	wn_filter_free(f);
	return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	if (n < 2)
		return 0;
	static const enum wn_format formats[4] = { WN_FORMAT_JSONL, WN_FORMAT_WET, WN_FORMAT_AUTO,
						   WN_FORMAT_WET };
	struct wn_options opt = { 0 };
	opt.format = formats[d[0] & 3];
	opt.on_error = d[0] & 4 ? WN_ON_ERROR_SKIP : WN_ON_ERROR_PASS;
	opt.doc_dedup = (d[0] & 8) != 0;
	opt.keep_empty = (d[0] & 16) != 0;
	opt.wet_digest = (d[0] & 32) != 0;
	opt.scope = d[0] & 64 ? WN_SCOPE_DOC : WN_SCOPE_STREAM;
	opt.max_doc = d[0] & 128 ? 64 : 0;
	opt.min_chars = 4;
	const size_t chunk = 1 + (size_t)(d[1] >> 1);
	if (d[1] & 1)
		opt.disable |= WN_STAGE_REPAIR;
	d += 2;
	n -= 2;

	struct wn_stats whole_st, piece_st;
	uint64_t whole_errors = 0, piece_errors = 0;
	struct out whole = run(&opt, d, n, n ? n : 1, &whole_st, &whole_errors);
	struct out piece = run(&opt, d, n, chunk, &piece_st, &piece_errors);
	if (whole.len != piece.len || (whole.len && memcmp(whole.buf, piece.buf, whole.len) != 0))
		abort();
	if (whole_errors != piece_errors || whole_errors != whole_st.records_malformed)
		abort();
	uint64_t dropped = 0;
	for (int r = 0; r < WN_REASON_COUNT; r++)
		dropped += whole_st.dropped[r];
	if (whole_st.lines_in != whole_st.lines_kept + dropped || whole_st.bytes_out != whole.len)
		abort();
	if (whole_st.docs_in != whole_st.docs_out + whole_st.docs_dup + whole_st.docs_empty)
		abort();
	free(whole.buf);
	free(piece.buf);
	return 0;
}
