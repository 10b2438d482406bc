/* fuzz_util.h - what the libFuzzer targets share: an output sink that
 * collects bytes, and the checks on a finished filter's statistics. */
#ifndef WN_FUZZ_UTIL_H
#define WN_FUZZ_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "winnow.h"

struct out {
	char *buf;
	size_t len, cap;
};

static inline void out_append(struct out *o, const void *p, size_t n)
{
	if (o->len + n > o->cap) {
		o->cap = (o->len + n) * 2 + 64;
		o->buf = realloc(o->buf, o->cap);
		if (!o->buf)
			abort();
	}
	if (n)
		memcpy(o->buf + o->len, p, n);
	o->len += n;
}

static inline int collect(void *ctx, const char *p, size_t n)
{
	out_append(ctx, p, n);
	return 0;
}

/* The accounting every filter run must keep: each line in is kept or
 * dropped for one reason, each document in is written, a duplicate or
 * empty, bytes in are the bytes pushed and bytes out the bytes written.
 * Aborts otherwise. */
static inline void check_balance(const struct wn_stats *st, size_t pushed, size_t written)
{
	uint64_t dropped = 0;
	for (int r = 0; r < WN_REASON_COUNT; r++)
		dropped += st->dropped[r];
	if (st->dropped[WN_KEPT] != 0 || st->lines_in != st->lines_kept + dropped)
		abort();
	if (st->docs_in != st->docs_out + st->docs_dup + st->docs_empty)
		abort();
	if (st->bytes_in != pushed || st->bytes_out != written)
		abort();
}

/* Counts a malformed record, which must say what is wrong. */
static inline void count_error(void *ctx, const struct wn_record_error *e)
{
	if (!e->msg || !e->msg[0])
		abort();
	++*(uint64_t *)ctx;
}

/* Runs d[0..n) through a filter made from *base, in pushes of chunk bytes,
 * with split an input boundary (wn_filter_end_input) in the middle as
 * between two files; checks the balance and returns the output and the
 * statistics. errors, when not NULL, counts the malformed records. */
static inline struct out run_filter(const struct wn_options *base, const uint8_t *d, size_t n,
				    size_t chunk, bool split, struct wn_stats *st, uint64_t *errors)
{
	struct out o = { 0 };
	struct wn_options opt = *base;
	opt.write = collect;
	opt.write_ctx = &o;
	if (errors) {
		opt.error = count_error;
		opt.error_ctx = errors;
	}
	struct wn_filter *f = wn_filter_new(&opt);
	if (!f)
		abort();
	for (size_t pos = 0; pos < n;) {
		size_t k = n - pos < chunk ? n - pos : chunk;
		if (split && pos < n / 2 && pos + k > n / 2)
			k = n / 2 - pos;
		if (wn_filter_push(f, d + pos, k) != 0)
			abort();
		pos += k;
		if (split && pos == n / 2 && wn_filter_end_input(f) != 0)
			abort();
	}
	if (wn_filter_finish(f) != 0)
		abort();
	wn_filter_stats(f, st);
	wn_filter_free(f);
	check_balance(st, n, o.len);
	return o;
}

/* run_filter whole and in pieces of chunk bytes: the same output. */
static inline void run_filter_twice(const struct wn_options *opt, const uint8_t *d, size_t n,
				    size_t chunk, struct wn_stats *st)
{
	struct wn_stats piece_st;
	struct out whole = run_filter(opt, d, n, n ? n : 1, true, st, NULL);
	struct out piece = run_filter(opt, d, n, chunk, true, &piece_st, NULL);
	if (whole.len != piece.len || (whole.len && memcmp(whole.buf, piece.buf, whole.len) != 0))
		abort();
	free(whole.buf);
	free(piece.buf);
}

#endif
