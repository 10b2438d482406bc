/* fuzz_filter.c - the whole pipeline on arbitrary bytes. The first bytes pick
 * the options and a chunking; the invariants checked: the output is the same
 * pushed whole on one thread or in pieces on two (wn_options.threads),
 * statistics balance, blank lines never run, and
 * no output line is blank at a document's edge. */
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

static struct out run(const struct wn_options *base, const uint8_t *d, size_t n, size_t chunk,
		      struct wn_stats *st)
{
	struct out o = { 0 };
	struct wn_options opt = *base;
	opt.write = collect;
	opt.write_ctx = &o;
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
	struct wn_options opt = { 0 };
	opt.key = d[0] & 1 ? WN_KEY_EXACT : WN_KEY_NORMALIZED;
	opt.scope = d[0] & 2 ? WN_SCOPE_DOC : WN_SCOPE_STREAM;
	opt.nul_docs = (d[0] & 4) != 0;
	opt.min_chars = (size_t)(d[0] >> 3);
	if (d[1] & 1)
		opt.disable |= WN_STAGE_REPAIR;
	const size_t chunk = 1 + (size_t)(d[1] >> 1);
	d += 2;
	n -= 2;

	struct wn_stats whole_st, piece_st;
	struct out whole = run(&opt, d, n, n ? n : 1, &whole_st);
	struct wn_options two = opt;
	two.threads = 2;
	struct out piece = run(&two, d, n, chunk, &piece_st);
	if (whole.len != piece.len || (whole.len && memcmp(whole.buf, piece.buf, whole.len) != 0))
		abort();
	uint64_t dropped = 0;
	for (int r = 0; r < WN_REASON_COUNT; r++)
		dropped += whole_st.dropped[r];
	if (whole_st.lines_in != whole_st.lines_kept + dropped || whole_st.bytes_out != whole.len)
		abort();
	if (whole.len && (whole.buf[whole.len - 1] != '\n' || whole.buf[0] == '\n'))
		abort();
	for (size_t i = 2; i < whole.len; i++)
		if (whole.buf[i] == '\n' && whole.buf[i - 1] == '\n' && whole.buf[i - 2] == '\n')
			abort();
	free(whole.buf);
	free(piece.buf);
	return 0;
}
