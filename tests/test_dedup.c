/* test_dedup.c - the seen set: membership, growth, memory per entry,
 * adversarially similar fingerprints, clearing. */
#include <criterion/criterion.h>

#include "common.h"
#include "internal.h"

static struct wn_seen seen;

static void setup(void)
{
	cr_assert_eq(wn_seen_init(&seen), 0);
}

static void teardown(void)
{
	wn_seen_free(&seen);
}

TestSuite(dedup, .init = setup, .fini = teardown);

Test(dedup, insert_then_contains)
{
	cr_assert_eq(wn_seen_insert(&seen, 12345), 1);
	cr_assert_eq(wn_seen_insert(&seen, 12345), 0);
	cr_assert(wn_seen_contains(&seen, 12345));
	cr_assert(!wn_seen_contains(&seen, 54321));
	cr_assert_eq(seen.count, 1);
}

Test(dedup, zero_is_a_fingerprint)
{
	cr_assert_eq(wn_seen_insert(&seen, 0), 1);
	cr_assert(wn_seen_contains(&seen, 0));
	cr_assert_eq(wn_seen_insert(&seen, 0), 0);
}

Test(dedup, grows_to_millions_with_bounded_memory)
{
	const uint64_t n = 3000000;
	uint64_t rng = 7;
	uint64_t fresh = 0, again = 0;
	for (uint64_t i = 0; i < n; i++)
		fresh += wn_seen_insert(&seen, rng_next(&rng)) == 1;
	cr_assert_eq(fresh, n);
	cr_assert_eq(seen.count, n);
	rng = 7;
	for (uint64_t i = 0; i < n; i++)
		again += wn_seen_insert(&seen, rng_next(&rng)) == 0;
	cr_assert_eq(again, n);
	const double per_entry = (double)seen.bytes / (double)n;
	cr_assert(per_entry <= 12.0, "%.2f bytes per entry", per_entry);
	cr_assert(per_entry >= 8.0, "%.2f bytes per entry", per_entry);
}

/* Fingerprints that differ only in the bits that pick a segment, or only in
 * the bits that pick a bucket, or not at all in the low 32 bits. */
Test(dedup, adversarially_similar_fingerprints)
{
	const uint64_t n = 20000;
	for (uint64_t i = 1; i <= n; i++) {
		cr_assert_eq(wn_seen_insert(&seen, i), 1);             /* one segment, low bits */
		cr_assert_eq(wn_seen_insert(&seen, (i + 1) << 32), 1); /* same bucket input */
		cr_assert_eq(wn_seen_insert(&seen, (i % 4096) << 52 | 0xABCDEF | (i / 4096) << 24), 1);
	}
	cr_assert_eq(seen.count, 3 * n);
	for (uint64_t i = 1; i <= n; i++) {
		cr_assert(wn_seen_contains(&seen, i));
		cr_assert(wn_seen_contains(&seen, (i + 1) << 32));
	}
	cr_assert(!wn_seen_contains(&seen, n + 5));
	cr_assert(!wn_seen_contains(&seen, (n + 5) << 32));
}

Test(dedup, clear_forgets_and_reuses)
{
	for (uint64_t i = 1; i <= 1000; i++)
		wn_seen_insert(&seen, i * 0x9E3779B97F4A7C15ull);
	const uint64_t bytes = seen.bytes;
	wn_seen_clear(&seen);
	cr_assert_eq(seen.count, 0);
	cr_assert(!wn_seen_contains(&seen, 0x9E3779B97F4A7C15ull));
	cr_assert_eq(seen.bytes, bytes);
	cr_assert_eq(wn_seen_insert(&seen, 0x9E3779B97F4A7C15ull), 1);
}

/* Agreement with a sorted-array reference on random small sets with many
 * repeats. */
Test(dedup, agrees_with_reference)
{
	uint64_t rng = 99;
	static uint64_t ref[6000];
	size_t nref = 0;
	for (int i = 0; i < 20000; i++) {
		const uint64_t h = rng_next(&rng) % 6000 * 0x100000001B3ull;
		bool in_ref = false;
		for (size_t j = 0; j < nref && !in_ref; j++)
			in_ref = ref[j] == h;
		const int rc = wn_seen_insert(&seen, h);
		cr_assert_eq(rc, in_ref ? 0 : 1);
		if (!in_ref)
			ref[nref++] = h;
		cr_assert(nref <= 6000);
	}
	cr_assert_eq(seen.count, nref);
}

/* The probe that compares a bucket's eight slots at once (AVX2) finds the
 * slot the slot-by-slot probe finds: two sets fed the same fingerprints
 * answer alike and end with the same slots in the same places. The
 * fingerprints crowd buckets: one segment's last bucket (probes wrap to
 * the first), one bucket of many segments, and random ones seen twice. */
Test(dedup, bucket_probe_finds_the_scalar_probes_slot)
{
	struct wn_seen one;
	cr_assert_eq(wn_seen_init(&one), 0);
	one.avx2 = false;
	if (!seen.avx2)
		cr_log_warn("no AVX2 probe on this machine: both sets probe slot by slot");
	uint64_t rng = 11;
	for (uint64_t i = 0; i < 200000; i++) {
		uint64_t h;
		if (i % 4 == 0 && i < 16000)
			h = (uint64_t)7 << 52 | i << 32 | 0xFFFFFFF0u; /* last bucket */
		else if (i % 4 == 1)
			h = (i % 4096) << 52 | 0x12345678u; /* one bucket */
		else
			h = rng_next(&rng) % 60000 * 0x9E3779B97F4A7C15u; /* repeats */
		const int a = wn_seen_insert(&seen, h), b = wn_seen_insert(&one, h);
		cr_assert_eq(a, b, "insert %llu", (unsigned long long)i);
		cr_assert(wn_seen_contains(&seen, h ^ 1) == wn_seen_contains(&one, h ^ 1));
	}
	cr_assert_eq(seen.count, one.count);
	for (uint32_t si = 0; si < WN_SEEN_SEGS; si++) {
		cr_assert_eq(seen.segs[si].nbuckets, one.segs[si].nbuckets);
		if (seen.segs[si].nbuckets)
			cr_assert(memcmp(seen.segs[si].slots, one.segs[si].slots,
					 (size_t)seen.segs[si].nbuckets * 64) == 0,
				  "segment %u", si);
	}
	wn_seen_free(&one);
}
