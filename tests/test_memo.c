/* test_memo.c - the seen set under a memory limit: each on-full mode does
 * what winnow.h documents, and the memory stays within the limit. */
#include <criterion/criterion.h>
#include <math.h>

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

/* Under a limit the table lives in one arena. A block a segment leaves is
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
