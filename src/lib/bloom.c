/* bloom.c - a split-block Bloom filter built in place in the memory of a
 * seen set, for on-full=bloom: same size, never forgets, a known error. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define WORDS 8 /* 64-bit words per 64-byte block: one bit set in each */

/* The bit positions come from wn_mix64 of the fingerprint, a second,
 * independent-looking hash (the block is picked by its own bits). */

/* The chance that a key not in the filter finds all its bits set in this
 * block: the product of the eight words' fill ratios. */
static double block_rate(const uint64_t *w)
{
	double p = 1.0;
	for (int i = 0; i < WORDS; i++)
		p *= (double)wn_popcount64(w[i]) / 64.0;
	return p;
}

static uint64_t *block_of(const struct wn_seen_seg *seg, uint64_t fp)
{
	return seg->slots + (size_t)wn_seen_bucket_of(fp, seg->nbuckets) * WORDS;
}

/* Sets fp's bits; returns true if all were set already. */
static bool set_bits(uint64_t *w, uint64_t fp)
{
	const uint64_t m = wn_mix64(fp);
	bool all = true;
	for (int i = 0; i < WORDS; i++) {
		const uint64_t bit = UINT64_C(1) << (m >> (6 * i) & 63);
		all = all && (w[i] & bit);
		w[i] |= bit;
	}
	return all;
}

static void recount(struct wn_bloom *b)
{
	const struct wn_seen *s = b->set;
	b->blocks = 0;
	b->fpr_sum = 0;
	for (uint32_t si = 0; si < WN_SEEN_SEGS; si++) {
		const struct wn_seen_seg *seg = &s->segs[si];
		for (uint32_t k = 0; seg->slots && k < seg->nbuckets; k++)
			b->fpr_sum += block_rate(seg->slots + (size_t)k * WORDS);
		b->blocks += seg->slots ? seg->nbuckets : 0;
	}
}

int wn_bloom_from_seen(struct wn_bloom *b, struct wn_seen *s)
{
	uint64_t *fps = malloc(((size_t)wn_seen_max_seg(s) + 1) * sizeof(*fps));
	if (!fps)
		return WN_E_NOMEM;
	/* Segment by segment: take the fingerprints out, and set their bits in
	 * the zeroed slots. */
	for (uint32_t si = 0; si < WN_SEEN_SEGS; si++) {
		struct wn_seen_seg *seg = &s->segs[si];
		if (!seg->slots)
			continue;
		const uint32_t n = wn_seen_export_seg(s, si, fps);
		memset(seg->slots, 0, (size_t)seg->nbuckets * WORDS * sizeof(uint64_t));
		for (uint32_t i = 0; i < n; i++)
			set_bits(block_of(seg, fps[i]), fps[i]);
	}
	free(fps);
	memset(b, 0, sizeof(*b));
	b->set = s;
	b->held = s->count;
	recount(b);
	return 0;
}

void wn_bloom_adopt(struct wn_bloom *b, struct wn_seen *s, uint64_t held)
{
	memset(b, 0, sizeof(*b));
	b->set = s;
	b->held = held;
	recount(b);
}

int wn_bloom_insert(struct wn_bloom *b, uint64_t h)
{
	const uint64_t fp = wn_seen_fp(h);
	struct wn_seen *s = b->set;
	struct wn_seen_seg *seg = &s->segs[wn_seen_seg_of(fp)];
	if (!seg->slots) {
		/* A segment no line reached before the switch: one small block,
		 * if there is room; if not, the line is kept, unremembered. */
		s->limit = UINT64_MAX;
		const int rc = wn_seen_seg_alloc(s, wn_seen_seg_of(fp), 1);
		if (rc)
			return rc == WN_E_LIMIT ? 1 : rc;
		b->blocks++;
	}
	uint64_t *w = block_of(seg, fp);
	const double before = block_rate(w);
	if (set_bits(w, fp))
		return 0;
	b->fpr_sum += block_rate(w) - before;
	/* This line was new and got through with chance 1 - before; each such
	 * line stands for before / (1 - before) expected false drops. */
	b->expected_false += before / (1.0 - before);
	b->added++;
	return 1;
}

bool wn_bloom_contains(const struct wn_bloom *b, uint64_t h)
{
	const uint64_t fp = wn_seen_fp(h);
	const struct wn_seen_seg *seg = &b->set->segs[wn_seen_seg_of(fp)];
	if (!seg->slots)
		return false;
	const uint64_t *w = block_of(seg, fp), m = wn_mix64(fp);
	for (int i = 0; i < WORDS; i++)
		if (!(w[i] & UINT64_C(1) << (m >> (6 * i) & 63)))
			return false;
	return true;
}

double wn_bloom_rate(const struct wn_bloom *b)
{
	return b->blocks ? b->fpr_sum / (double)b->blocks : 0.0;
}

void wn_bloom_clear(struct wn_bloom *b)
{
	struct wn_seen *s = b->set;
	for (uint32_t si = 0; si < WN_SEEN_SEGS; si++)
		if (s->segs[si].slots)
			memset(s->segs[si].slots, 0,
			       (size_t)s->segs[si].nbuckets * WORDS * sizeof(uint64_t));
	b->fpr_sum = 0;
}
