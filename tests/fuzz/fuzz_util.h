/* fuzz_util.h - what the libFuzzer targets share: an output sink that
 * collects bytes, and the checks on a finished filter's statistics. */
#ifndef WN_FUZZ_UTIL_H
#define WN_FUZZ_UTIL_H

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

#endif
