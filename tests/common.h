/* common.h - helpers shared by the tests: running a filter over a buffer
 * with a chosen chunking, reading files, a seeded PRNG. */
#ifndef WN_TEST_COMMON_H
#define WN_TEST_COMMON_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "winnow.h"

struct sink {
	char *buf;
	size_t len, cap;
	int fail_after;	/* fail the nth call (1-based); 0 never */
	int calls;
};

static inline int sink_write(void *ctx, const char *p, size_t n)
{
	struct sink *s = ctx;
	if (s->fail_after && ++s->calls >= s->fail_after)
		return -1;
	if (s->len + n + 1 > s->cap) {
		s->cap = (s->len + n + 1) * 2;
		s->buf = realloc(s->buf, s->cap);
		cr_assert(s->buf);
	}
	memcpy(s->buf + s->len, p, n);
	s->len += n;
	s->buf[s->len] = '\0';
	return 0;
}

/* xorshift64*: deterministic, seeded, good enough for tests. */
static inline uint64_t rng_next(uint64_t *state)
{
	uint64_t x = *state;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545F4914F6CDD1DULL;
}

/* Runs in[0..n) through a filter made from *opt, pushing pieces of random
 * size up to max_chunk (1: byte by byte; 0: one push), with end_input after
 * each of the ninputs parts given by ends[] (offsets), and returns the
 * output (caller frees) and the stats. */
static inline char *run_filter_parts(const struct wn_options *opt, const char *in, size_t n,
				     const size_t *ends, size_t nends, size_t max_chunk,
				     uint64_t seed, size_t *len_out, struct wn_stats *st_out)
{
	struct sink s = { 0 };
	struct wn_options o = *opt;
	o.write = sink_write;
	o.write_ctx = &s;
	struct wn_filter *f = wn_filter_new(&o);
	cr_assert(f);
	uint64_t rng = seed ? seed : 1;
	size_t pos = 0;
	for (size_t part = 0; part <= nends; part++) {
		const size_t end = part < nends ? ends[part] : n;
		while (pos < end) {
			size_t k = end - pos;
			if (max_chunk) {
				const size_t c = 1 + (size_t)(rng_next(&rng) % max_chunk);
				if (c < k)
					k = c;
			}
			cr_assert_eq(wn_filter_push(f, in + pos, k), 0);
			pos += k;
		}
		if (part < nends)
			cr_assert_eq(wn_filter_end_input(f), 0);
	}
	cr_assert_eq(wn_filter_finish(f), 0);
	if (st_out)
		wn_filter_stats(f, st_out);
	wn_filter_free(f);
	if (!s.buf)
		s.buf = calloc(1, 1);
	*len_out = s.len;
	return s.buf;
}

static inline char *run_filter(const struct wn_options *opt, const char *in, size_t n,
			       size_t *len_out)
{
	return run_filter_parts(opt, in, n, NULL, 0, 0, 0, len_out, NULL);
}

/* Reads a whole file under the source tree; aborts the test if missing. */
static inline char *read_source_file(const char *rel, size_t *len_out)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", WN_SOURCE_DIR, rel);
	FILE *fp = fopen(path, "rb");
	cr_assert(fp, "cannot open %s", path);
	fseek(fp, 0, SEEK_END);
	const long size = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	char *buf = malloc((size_t)size + 1);
	cr_assert(buf);
	cr_assert_eq(fread(buf, 1, (size_t)size, fp), (size_t)size);
	buf[size] = '\0';
	fclose(fp);
	*len_out = (size_t)size;
	return buf;
}

static inline uint64_t total_dropped(const struct wn_stats *st)
{
	uint64_t sum = 0;
	for (int r = 0; r < WN_REASON_COUNT; r++)
		sum += st->dropped[r];
	return sum;
}

#endif
