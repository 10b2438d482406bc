/* frequent.c - site-wide repeats: in how many distinct documents each short
 * line was seen, in a table of fixed size that forgets rare lines first. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static uint64_t fingerprint(uint64_t h)
{
	return h ? h : 1; /* 0 marks an empty entry */
}

int wn_freq_init(struct wn_freq *q, size_t nbytes)
{
	memset(q, 0, sizeof(*q));
	const size_t bucket_bytes = WN_FREQ_BUCKET * sizeof(struct wn_freq_entry);
	size_t n = 1;
	while (n <= nbytes / bucket_bytes / 2)
		n *= 2;
	/* calloc: the pages of a large table stay untouched until used. */
	q->slots = calloc(n * WN_FREQ_BUCKET, sizeof(*q->slots));
	if (!q->slots)
		return WN_E_NOMEM;
	q->nbuckets = n;
	return 0;
}

static struct wn_freq_entry *bucket_of(const struct wn_freq *q, uint64_t fp)
{
	/* The low bits pick the bucket; the seen set uses others, but the two
	 * tables never meet. */
	return q->slots + (size_t)(fp & (q->nbuckets - 1)) * WN_FREQ_BUCKET;
}

uint32_t wn_freq_count(struct wn_freq *q, uint64_t h, uint32_t doc)
{
	const uint64_t fp = fingerprint(h);
	struct wn_freq_entry *b = bucket_of(q, fp);
	struct wn_freq_entry *victim = b;
	for (int i = 0; i < WN_FREQ_BUCKET; i++) {
		struct wn_freq_entry *e = &b[i];
		if (e->hash == fp) {
			if (e->last_doc != doc && e->docs < UINT32_MAX) {
				e->docs++;
				e->last_doc = doc;
			}
			return e->docs;
		}
		if (e->hash == 0 || (victim->hash && e->docs < victim->docs))
			victim = e;
		if (e->hash == 0)
			break;
	}
	if (victim->hash)
		q->evicted++;
	else
		q->count++;
	*victim = (struct wn_freq_entry){ fp, 1, doc };
	return 1;
}

uint32_t wn_freq_docs(const struct wn_freq *q, uint64_t h)
{
	const uint64_t fp = fingerprint(h);
	const struct wn_freq_entry *b = bucket_of(q, fp);
	for (int i = 0; i < WN_FREQ_BUCKET && b[i].hash; i++)
		if (b[i].hash == fp)
			return b[i].docs;
	return 0;
}

void wn_freq_free(struct wn_freq *q)
{
	free(q->slots);
	memset(q, 0, sizeof(*q));
}
