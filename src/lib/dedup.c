/* dedup.c - the seen set: 64-bit fingerprints in open addressing with
 * 64-byte buckets, split into segments that grow independently. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define BUCKET 8                 /* fingerprints per 64-byte bucket */
#define INIT_BUCKETS 2
/* A segment grows by 5/4 once 9/10 of its slots are full, so the load stays
 * between 0.72 and 0.9: 8.9 to 11.1 bytes per fingerprint. */
#define GROW_NUM 5
#define GROW_DEN 4

static uint32_t seg_of(uint64_t h)
{
	return (uint32_t)(h >> (64 - WN_SEEN_SEG_BITS));
}

/* Maps the low 32 bits of h onto [0, n) without a division. */
static uint32_t bucket_of(uint64_t h, uint32_t n)
{
	return (uint32_t)(((uint64_t)(uint32_t)h * n) >> 32);
}

static uint64_t fingerprint(uint64_t h)
{
	return h ? h : 1; /* 0 marks an empty slot */
}

int wn_seen_init(struct wn_seen *s)
{
	memset(s, 0, sizeof(*s));
	s->segs = calloc(WN_SEEN_SEGS, sizeof(*s->segs));
	s->touched = malloc(WN_SEEN_SEGS * sizeof(*s->touched));
	if (!s->segs || !s->touched) {
		wn_seen_free(s);
		return WN_E_NOMEM;
	}
	return 0;
}

void wn_seen_prefetch(const struct wn_seen *s, uint64_t h)
{
	const struct wn_seen_seg *seg = &s->segs[seg_of(h)];
	if (seg->slots)
		__builtin_prefetch(seg->slots + (size_t)bucket_of(h, seg->nbuckets) * BUCKET);
}

/* Finds fp in seg: returns its slot, or the empty slot where it belongs. */
static uint64_t *probe(const struct wn_seen_seg *seg, uint64_t fp)
{
	uint32_t b = bucket_of(fp, seg->nbuckets);
	for (;;) {
		uint64_t *slot = seg->slots + (size_t)b * BUCKET;
		for (int i = 0; i < BUCKET; i++)
			if (slot[i] == fp || slot[i] == 0)
				return slot + i;
		if (++b == seg->nbuckets)
			b = 0;
	}
}

static int seg_resize(struct wn_seen *s, struct wn_seen_seg *seg, uint32_t nbuckets)
{
	const size_t nbytes = (size_t)nbuckets * BUCKET * sizeof(uint64_t);
	uint64_t *slots = aligned_alloc(64, nbytes);
	if (!slots)
		return WN_E_NOMEM;
	memset(slots, 0, nbytes);
	struct wn_seen_seg grown = { slots, nbuckets, seg->count };
	const size_t old_slots = (size_t)seg->nbuckets * BUCKET;
	for (size_t i = 0; i < old_slots; i++)
		if (seg->slots[i])
			*probe(&grown, seg->slots[i]) = seg->slots[i];
	s->bytes = s->bytes - old_slots * sizeof(uint64_t) + nbytes;
	free(seg->slots);
	*seg = grown;
	return 0;
}

int wn_seen_insert(struct wn_seen *s, uint64_t h)
{
	const uint64_t fp = fingerprint(h);
	const uint32_t si = seg_of(h);
	struct wn_seen_seg *seg = &s->segs[si];
	if (!seg->slots && seg_resize(s, seg, INIT_BUCKETS) != 0)
		return WN_E_NOMEM;
	uint64_t *slot = probe(seg, fp);
	if (*slot)
		return 0;
	if ((uint64_t)(seg->count + 1) * 10 > (uint64_t)seg->nbuckets * BUCKET * 9) {
		const uint32_t grown = seg->nbuckets * GROW_NUM / GROW_DEN;
		if (seg_resize(s, seg, grown > seg->nbuckets ? grown : seg->nbuckets + 1) != 0)
			return WN_E_NOMEM;
		slot = probe(seg, fp);
	}
	*slot = fp;
	if (seg->count++ == 0)
		s->touched[s->ntouched++] = (uint16_t)si;
	s->count++;
	return 1;
}

bool wn_seen_contains(const struct wn_seen *s, uint64_t h)
{
	const struct wn_seen_seg *seg = &s->segs[seg_of(h)];
	return seg->slots && *probe(seg, fingerprint(h)) != 0;
}

void wn_seen_clear(struct wn_seen *s)
{
	for (uint32_t i = 0; i < s->ntouched; i++) {
		struct wn_seen_seg *seg = &s->segs[s->touched[i]];
		memset(seg->slots, 0, (size_t)seg->nbuckets * BUCKET * sizeof(uint64_t));
		seg->count = 0;
	}
	s->ntouched = 0;
	s->count = 0;
}

void wn_seen_free(struct wn_seen *s)
{
	if (s->segs)
		for (uint32_t i = 0; i < WN_SEEN_SEGS; i++)
			free(s->segs[i].slots);
	free(s->segs);
	free(s->touched);
	memset(s, 0, sizeof(*s));
}
