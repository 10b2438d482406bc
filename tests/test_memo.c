/* test_memo.c - the seen set under a memory limit: each on-full mode does
 * what winnow.h documents, and the memory stays within the limit. */
#define _DEFAULT_SOURCE /* mincore */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common.h"
#include "internal.h"

#define LIMIT ((uint64_t)4 << 20)

static struct wn_memo memo;

static void teardown(void)
{
	wn_memo_free(&memo);
}

TestSuite(memo, .fini = teardown);

Test(memo, no_limit_stays_one_table)
{
	cr_assert_eq(wn_memo_init(&memo, 0, WN_FULL_FAIL), 0);
	uint64_t rng = 3;
	for (int i = 0; i < 1000000; i++)
		cr_assert_eq(wn_memo_insert(&memo, rng_next(&rng)), 1);
	cr_assert(memo.simple);
	cr_assert_eq(wn_memo_count(&memo), 1000000);
}

Test(memo, fail_stops_at_the_limit_and_keeps_what_it_has)
{
	cr_assert_eq(wn_memo_init(&memo, LIMIT, WN_FULL_FAIL), 0);
	uint64_t rng = 5, n = 0;
	int rc;
	while ((rc = wn_memo_insert(&memo, rng_next(&rng))) == 1)
		n++;
	cr_assert_eq(rc, WN_E_LIMIT);
	cr_assert_leq(wn_memo_bytes(&memo), LIMIT);
	/* The table was full: at least 1 entry per 11.1 bytes of the limit. */
	cr_assert_geq(n, LIMIT * 9 / 100, "%llu entries", (unsigned long long)n);
	cr_assert_eq(wn_memo_count(&memo), n);
	rng = 5;
	for (uint64_t i = 0; i < n; i++)
		cr_assert_eq(wn_memo_insert(&memo, rng_next(&rng)), 0);
}

/* Past the limit every line ever inserted is still found (no false
 * negatives), and the distinct lines it takes for seen match the expected
 * count it reports, within 5 standard deviations. */
Test(memo, bloom_catches_every_repeat_and_counts_its_false_drops)
{
	cr_assert_eq(wn_memo_init(&memo, LIMIT, WN_FULL_BLOOM), 0);
	const uint64_t n = 3000000; /* about 8 times what the table holds */
	uint64_t rng = 11, false_drops = 0;
	for (uint64_t i = 0; i < n; i++) {
		const int rc = wn_memo_insert(&memo, rng_next(&rng));
		cr_assert_geq(rc, 0);
		false_drops += rc == 0;
	}
	cr_assert(memo.bloom.set, "never switched to a Bloom filter");
	cr_assert_leq(wn_memo_bytes(&memo), LIMIT);
	const double expected = memo.bloom.expected_false;
	cr_assert_gt(expected, 1000.0, "%.1f", expected);
	cr_assert_leq(fabs((double)false_drops - expected), 5 * sqrt(expected) + 1,
		      "%llu false drops, %.1f expected", (unsigned long long)false_drops, expected);
	const double rate = wn_bloom_rate(&memo.bloom);
	cr_assert(rate > 0.0 && rate < 1.0, "%g", rate);
	rng = 11;
	for (uint64_t i = 0; i < n; i++)
		cr_assert_eq(wn_memo_insert(&memo, rng_next(&rng)), 0);
}

/* A live feed: a few hot lines come back every 1000 lines among millions of
 * new ones. The hot lines are never forgotten, the oldest cold lines are,
 * the newest are not, and memory stays within the limit. */
Test(memo, forget_keeps_recent_and_recurring_lines)
{
	cr_assert_eq(wn_memo_init(&memo, LIMIT, WN_FULL_FORGET), 0);
	const uint64_t n = 3000000;
	uint64_t rng = 17, max_bytes = 0;
	for (uint64_t i = 0; i < n; i++) {
		cr_assert_eq(wn_memo_insert(&memo, rng_next(&rng)), 1);
		if (i % 1000 == 0) {
			for (uint64_t hot = 1; hot <= 50; hot++)
				cr_assert_eq(wn_memo_insert(&memo, hot * 0x9E3779B97F4A7C15ull),
					     i == 0 ? 1 : 0, "hot line %llu at %llu",
					     (unsigned long long)hot, (unsigned long long)i);
			if (wn_memo_bytes(&memo) > max_bytes)
				max_bytes = wn_memo_bytes(&memo);
		}
	}
	cr_assert_leq(max_bytes, LIMIT);
	cr_assert_gt(memo.forgotten, n / 2);
	cr_assert_eq(memo.ngens, WN_MEMO_GENS);
	/* The newest 100000 are remembered; the first 100000 are not. */
	uint64_t recent = 17, kept = 0, forgotten = 0;
	for (uint64_t i = 0; i < n; i++) {
		const uint64_t h = rng_next(&recent);
		if (i >= n - 100000)
			kept += wn_memo_insert(&memo, h) == 0;
	}
	cr_assert_eq(kept, 100000, "%llu kept, gen_cap %llu", (unsigned long long)kept, (unsigned long long)memo.gen_cap);
	recent = 17;
	struct wn_memo *m = &memo;
	for (uint64_t i = 0; i < 100000; i++) {
		const uint64_t h = rng_next(&recent);
		bool found = false;
		for (unsigned g = 0; g < m->ngens; g++)
			found = found || wn_seen_contains(&m->gen[g], h);
		forgotten += !found;
	}
	cr_assert_eq(forgotten, 100000);
}

Test(memo, scope_clear_forgets_everything)
{
	cr_assert_eq(wn_memo_init(&memo, LIMIT, WN_FULL_FORGET), 0);
	for (uint64_t i = 1; i <= 1000; i++)
		wn_memo_insert(&memo, i * 0x9E3779B97F4A7C15ull);
	wn_memo_clear(&memo);
	cr_assert_eq(wn_memo_count(&memo), 0);
	cr_assert_eq(wn_memo_insert(&memo, 0x9E3779B97F4A7C15ull), 1);
}

/* Under a limit the table lives in one arena. Segments near their growth
 * grow together in sweeps (see the test below on real lines). A block a segment leaves is
 * reused by the next segment to grow to its size, and a full arena grows
 * rather than compacts while it has few holes: filling a table to 30 MiB
 * compacts it 25 times (43 when each hole waited for a compaction and a
 * full arena compacted before growing), the holes stay under a quarter of
 * it, and every fingerprint is still found after the blocks moved. The
 * list of blocks a compaction sorts is allocated once, for the one set's
 * segments, and kept for the next compaction. */
Test(memo, arena_reuses_holes_and_rarely_compacts)
{
	cr_assert_eq(wn_memo_init(&memo, (uint64_t)64 << 20, WN_FULL_FAIL), 0);
	uint64_t rng = 17;
	const int n = 3000000;
	for (int i = 0; i < n; i++)
		cr_assert_eq(wn_memo_insert(&memo, rng_next(&rng)), 1);
	const struct wn_arena *a = &memo.arena;
	cr_assert_leq(a->compactions, 30, "%llu compactions", (unsigned long long)a->compactions);
	cr_assert_geq(a->compactions, 2);
	/* Most growth went through sweeps, one per step of the table's
	 * growth: each compaction was one. */
	cr_assert_geq(a->sweeps, a->compactions - 2, "%llu sweeps", (unsigned long long)a->sweeps);
	cr_assert_geq(a->swept, 4 * WN_SEEN_SEGS, "%llu swept", (unsigned long long)a->swept);
	cr_assert_not_null(a->blocks);
	cr_assert_eq(a->blocks_cap, WN_SEEN_SEGS);
	cr_assert_leq(a->top - a->live, a->live / 4 + ((uint64_t)1 << 20), "holes: %llu of %llu bytes",
		      (unsigned long long)(a->top - a->live), (unsigned long long)a->live);
	cr_assert_eq(memo.gen[0].bytes, a->live);
	cr_assert_leq(wn_memo_bytes(&memo), (uint64_t)n * 12, "%.1f bytes a line",
		      (double)wn_memo_bytes(&memo) / n);
	rng = 17;
	for (int i = 0; i < n; i++)
		cr_assert_eq(wn_memo_insert(&memo, rng_next(&rng)), 0);
	cr_assert(!wn_memo_contains(&memo, 12345));
	cr_assert_eq(wn_memo_count(&memo), (uint64_t)n);
}

/* FNV-1a of a line, mixed with the pass: a fingerprint per (line, pass). */
static uint64_t line_fp(const char *p, size_t n, uint64_t pass)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)p[i]) * 0x100000001b3ull;
	return wn_mix64(h ^ pass * 0x9E3779B97F4A7C15ull);
}

/* Inserts every line of the text, pass after pass from pass first, until
 * the passes are done or an insert fails; *added counts the new ones.
 * Returns the last insert's result. */
static int fill_lines(const char *text, size_t len, uint64_t first, uint64_t passes,
		      uint64_t *added)
{
	int rc = 0;
	*added = 0;
	for (uint64_t pass = first; rc >= 0 && pass < first + passes; pass++)
		for (const char *p = text, *end = text + len; p < end && rc >= 0;) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			const size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
			rc = wn_memo_insert(&memo, line_fp(p, n, pass));
			*added += rc > 0;
			p += n + 1;
		}
	return rc;
}

/* Feeds every line of the text, pass after pass; returns how many were new. */
static uint64_t feed_lines(const char *text, size_t len, uint64_t first, uint64_t passes)
{
	uint64_t added;
	cr_assert_geq(fill_lines(text, len, first, passes, &added), 0);
	return added;
}

/* Real lines (tests/data/clean-gold.txt, its repeats included), keyed once
 * per pass so the set grows as a stream of distinct lines would: the sweeps
 * grow and move the segments, and afterwards every line of every pass is
 * still found, no other is, the count is exact, and the arena's memory
 * (live blocks and holes) stays under 12 bytes a line. */
Test(memo, sweeps_keep_every_line_of_real_text)
{
	size_t len;
	char *text = read_source_file("tests/data/clean-gold.txt", &len);
	cr_assert_not_null(text);
	cr_assert_eq(wn_memo_init(&memo, (uint64_t)64 << 20, WN_FULL_FAIL), 0);
	const uint64_t per_pass = feed_lines(text, len, 0, 1);
	cr_assert_gt(per_pass, 1000);
	const uint64_t passes = 120;
	cr_assert_eq(feed_lines(text, len, 1, passes - 1), per_pass * (passes - 1));
	const struct wn_arena *a = &memo.arena;
	cr_assert_geq(a->sweeps, 3, "%llu sweeps", (unsigned long long)a->sweeps);
	cr_assert_geq(a->swept, 2 * WN_SEEN_SEGS, "%llu swept", (unsigned long long)a->swept);
	cr_assert_eq(wn_memo_count(&memo), per_pass * passes);
	cr_assert_eq(memo.gen[0].bytes, a->live);
	cr_assert_leq(a->top, per_pass * passes * 12, "%.2f bytes a line",
		      (double)a->top / (double)(per_pass * passes));
	cr_assert_eq(feed_lines(text, len, 0, passes), 0);
	cr_assert_eq(feed_lines(text, len, passes, 1), per_pass);
	free(text);
}

/* The arena is one reserved range of address space for its whole limit:
 * as real lines fill the set through sweeps and the arena's cap grows many
 * times, its base never moves (moving it was a realloc, an mremap whose
 * moved pages cost a first touch again on a virtual machine), and only the
 * pages the cap reaches are touched. A limit past what can be reserved
 * falls back to realloc, with the same set. */
Test(memo, arena_never_moves_as_it_grows)
{
	size_t len;
	char *text = read_source_file("tests/data/clean-gold.txt", &len);
	cr_assert_not_null(text);
	cr_assert_eq(wn_memo_init(&memo, (uint64_t)256 << 20, WN_FULL_FAIL), 0);
	const uint64_t per_pass = feed_lines(text, len, 0, 1);
	const struct wn_arena *a = &memo.arena;
	cr_assert(a->mapped);
	const unsigned char *const base = a->base;
	const uint64_t cap = a->cap;
	const uint64_t passes = 120;
	cr_assert_eq(feed_lines(text, len, 1, passes - 1), per_pass * (passes - 1));
	cr_assert_geq(a->cap, 4 * cap, "cap %llu from %llu", (unsigned long long)a->cap,
		     (unsigned long long)cap);
	cr_assert_eq(a->base, base);
	cr_assert_geq(a->sweeps, 3);
	cr_assert_eq(feed_lines(text, len, 0, passes), 0);
	wn_memo_free(&memo);

	/* 2^50 bytes of address space are not reserved: realloc, and the
	 * same lines give the same set. */
	cr_assert_eq(wn_memo_init(&memo, (uint64_t)1 << 50, WN_FULL_FAIL), 0);
	cr_assert_eq(feed_lines(text, len, 0, 20), per_pass * 20);
	cr_assert(!memo.arena.mapped);
	cr_assert_not_null(memo.arena.raw);
	cr_assert_eq(feed_lines(text, len, 0, 20), 0);
	cr_assert_eq(wn_memo_count(&memo), per_pass * 20);
	free(text);
}

#ifdef __linux__
/* Resident bytes of [p, p + len), by mincore (p page aligned). */
static uint64_t resident_in(const unsigned char *p, uint64_t len)
{
	const size_t page = (size_t)sysconf(_SC_PAGESIZE);
	const size_t npages = (size_t)((len + page - 1) / page);
	unsigned char *vec = malloc(npages);
	cr_assert_not_null(vec);
	cr_assert_eq(mincore((void *)(uintptr_t)p, (size_t)len, vec), 0);
	uint64_t n = 0;
	for (size_t i = 0; i < npages; i++)
		n += vec[i] & 1;
	free(vec);
	return n * page;
}

/* Huge pages are asked for only where they lie wholly below the arena's
 * cap, before anything there is touched, so the table's pages never pass
 * the cap. The first cap is one huge page: one pass of real lines (a
 * table of about 70 KB) stays in it. Filled to a limit of 5 MiB, the cap
 * ends 0.93 MiB into the third 2 MiB page: the first two are advised, the
 * third is in use and stays in 4 KiB pages, none of it past the cap. */
Test(memo, huge_pages_stay_under_the_cap)
{
	size_t len;
	char *text = read_source_file("tests/data/clean-gold.txt", &len);
	cr_assert_not_null(text);
	const struct wn_arena *a = &memo.arena;
	const uint64_t chunk = (uint64_t)2 << 20;
	const bool small_pages = sysconf(_SC_PAGESIZE) == 4096;
	uint64_t added, rss;

	cr_assert_eq(wn_memo_init(&memo, (uint64_t)256 << 20, WN_FULL_FAIL), 0);
	cr_assert_eq(fill_lines(text, len, 0, 1, &added), 1);
	cr_assert(a->mapped);
	cr_assert_eq(a->cap, chunk);
	if (small_pages)
		cr_assert_eq(a->huge, chunk);
	rss = resident_in(a->raw, a->map_len);
	cr_assert_gt(rss, 0);
	cr_assert_leq(rss, a->cap, "rss %llu", (unsigned long long)rss);
	wn_memo_free(&memo);

	cr_assert_eq(wn_memo_init(&memo, (uint64_t)5 << 20, WN_FULL_FAIL), 0);
	cr_assert_eq(fill_lines(text, len, 0, 10000, &added), WN_E_LIMIT);
	cr_assert_eq(wn_memo_count(&memo), added);
	cr_assert_eq(a->cap, a->size);
	if (small_pages) {
		cr_assert_eq((uintptr_t)a->base % chunk, 0);
		cr_assert_eq(a->huge, a->cap - a->cap % chunk, "huge %llu cap %llu",
			     (unsigned long long)a->huge, (unsigned long long)a->cap);
	}
	rss = resident_in(a->raw, a->map_len);
	cr_assert_gt(rss, a->cap - a->cap % chunk, "rss %llu", (unsigned long long)rss);
	cr_assert_leq(rss, a->cap, "rss %llu cap %llu", (unsigned long long)rss,
		      (unsigned long long)a->cap);
	free(text);
}
#endif
