/* testutil.h - helpers for the format tests: test data, an in-memory sink,
 * a filter run with chosen or random chunking, a seeded PRNG. */
#ifndef WN_TESTUTIL_H
#define WN_TESTUTIL_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "winnow.h"

/* A growable byte string; ptr is NUL-terminated for messages. */
struct tu_str {
	char *ptr;
	size_t len;
	size_t cap;
};

static inline void tu_append(struct tu_str *s, const void *p, size_t n)
{
	if (s->len + n + 1 > s->cap) {
		size_t cap = s->cap ? s->cap : 256;
		while (cap < s->len + n + 1)
			cap *= 2;
		s->ptr = realloc(s->ptr, cap);
		cr_assert_not_null(s->ptr);
		s->cap = cap;
	}
	if (n)
		memcpy(s->ptr + s->len, p, n);
	s->len += n;
	s->ptr[s->len] = '\0';
}

static inline void tu_puts(struct tu_str *s, const char *z)
{
	tu_append(s, z, strlen(z));
}

static inline void tu_free(struct tu_str *s)
{
	free(s->ptr);
	memset(s, 0, sizeof(*s));
}

/* One explanation event as a line of s: kind, reason, document, line,
 * rule (or "-") and text. */
static inline void tu_put_event(struct tu_str *s, const struct wn_event *ev)
{
	char head[128];
	snprintf(head, sizeof(head), "%d %d %llu %llu ", (int)ev->kind, (int)ev->reason,
		 (unsigned long long)ev->doc, (unsigned long long)ev->line);
	tu_puts(s, head);
	tu_puts(s, ev->rule ? ev->rule : "-");
	tu_puts(s, " ");
	tu_append(s, ev->text, ev->len);
	tu_puts(s, "\n");
}

static inline int tu_write(void *ctx, const char *p, size_t n)
{
	tu_append(ctx, p, n);
	return 0;
}

/* Reads tests/data/name whole. */
static inline struct tu_str tu_data(const char *name)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/tests/data/%s", WN_SOURCE_DIR, name);
	FILE *fp = fopen(path, "rb");
	cr_assert_not_null(fp, "cannot open %s", path);
	struct tu_str s = { 0 };
	char buf[65536];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		tu_append(&s, buf, n);
	fclose(fp);
	tu_append(&s, "", 0);
	return s;
}

/* splitmix64: small, seeded, good enough to pick chunk sizes. */
static inline uint64_t tu_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

/* Malformed records seen by a run. */
struct tu_errors {
	int count;
	uint64_t line[64];
	uint64_t offset[64];
	char msg[64][192];
};

static inline void tu_on_error(void *ctx, const struct wn_record_error *e)
{
	struct tu_errors *t = ctx;
	if (t->count < 64) {
		t->line[t->count] = e->line;
		t->offset[t->count] = e->offset;
		snprintf(t->msg[t->count], sizeof(t->msg[0]), "%s", e->msg);
	}
	t->count++;
}

/* Pushes in[0..len) into f in pieces: of random sizes below max_chunk
 * when seed is not 0, else of max_chunk bytes, or whole when max_chunk is
 * 0. Stops at the first error and returns it. */
static inline int tu_push_pieces(struct wn_filter *f, const char *in, size_t len, uint64_t seed,
				 size_t max_chunk)
{
	int rc = 0;
	for (size_t pos = 0; pos < len && !rc;) {
		size_t n = len - pos;
		if (seed) {
			const size_t k = (size_t)(tu_rand(&seed) % max_chunk) + 1;
			n = k < n ? k : n;
		} else if (max_chunk && max_chunk < n) {
			n = max_chunk;
		}
		rc = wn_filter_push(f, in + pos, n);
		pos += n;
	}
	return rc;
}

/* Two runs' outputs are the same bytes; else the byte where they part. */
static inline void tu_assert_same_output(const struct tu_str *a, const struct tu_str *b,
					 const char *what)
{
	if (a->len == b->len && memcmp(a->ptr, b->ptr, a->len) == 0)
		return;
	size_t i = 0;
	while (i < a->len && i < b->len && a->ptr[i] == b->ptr[i])
		i++;
	cr_assert_fail("%s: output differs at byte %zu (%zu against %zu bytes)", what, i, a->len,
		       b->len);
}

/* Two runs counted the same: every count that depends only on the input
 * and the options (not the worker's share, the timing or the memory). */
#define TU_SAME_STAT(field)                                                                   \
	cr_assert_eq(a->field, b->field, "%s: %s %llu against %llu", what, #field,            \
		     (unsigned long long)a->field, (unsigned long long)b->field)
static inline void tu_assert_same_stats(const struct wn_stats *a, const struct wn_stats *b,
					const char *what)
{
	TU_SAME_STAT(docs_in);
	TU_SAME_STAT(docs_out);
	TU_SAME_STAT(docs_dup);
	TU_SAME_STAT(docs_empty);
	TU_SAME_STAT(records_passed);
	TU_SAME_STAT(records_malformed);
	TU_SAME_STAT(lines_in);
	TU_SAME_STAT(lines_kept);
	for (int i = 0; i < WN_REASON_COUNT; i++)
		cr_assert_eq(a->dropped[i], b->dropped[i], "%s: dropped[%d]", what, i);
	TU_SAME_STAT(lines_changed);
	TU_SAME_STAT(lines_unjudged);
	TU_SAME_STAT(bytes_in);
	TU_SAME_STAT(bytes_out);
	TU_SAME_STAT(seen_entries);
	TU_SAME_STAT(seen_bytes);
	TU_SAME_STAT(seen_forgotten);
	TU_SAME_STAT(seen_bloom);
	TU_SAME_STAT(near_entries);
	TU_SAME_STAT(doc_near_docs);
	TU_SAME_STAT(regex_limited);
}
#undef TU_SAME_STAT

/* Runs one input through a filter made from *opt (its sink is set here),
 * pushed in pieces: of random sizes below max_chunk when seed is not 0,
 * else whole. Returns the first error; the output is in *out. */
static inline int tu_run(const struct wn_options *opt, const char *in, size_t len,
			 uint64_t seed, size_t max_chunk, struct tu_str *out,
			 struct wn_stats *st_out)
{
	struct wn_options o = *opt;
	o.write = tu_write;
	o.write_ctx = out;
	struct wn_filter *f = wn_filter_new(&o);
	cr_assert_not_null(f);
	int rc = tu_push_pieces(f, in, len, seed, seed ? max_chunk : 0);
	if (!rc)
		rc = wn_filter_finish(f);
	if (st_out)
		wn_filter_stats(f, st_out);
	wn_filter_free(f);
	tu_append(out, "", 0);
	return rc;
}

/* lines_in == kept + every reason; docs_in == out + dup + empty. */
static inline void tu_assert_balanced(const struct wn_stats *st)
{
	uint64_t dropped = 0;
	for (int r = 1; r < WN_REASON_COUNT; r++)
		dropped += st->dropped[r];
	cr_assert_eq(st->lines_in, st->lines_kept + dropped, "lines: %llu in, %llu kept, %llu dropped",
		     (unsigned long long)st->lines_in, (unsigned long long)st->lines_kept,
		     (unsigned long long)dropped);
	cr_assert_eq(st->docs_in, st->docs_out + st->docs_dup + st->docs_empty);
}

#endif
