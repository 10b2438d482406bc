/* minhash.c - near-duplicate documents: a MinHash signature of each
 * document's shingles, LSH bands to find earlier candidates, keep-first. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "internal.h"

#define EMPTY UINT64_MAX
#define BAND_INIT 1024 /* slots in the band table at first use */

/* Maps the high 32 bits of h onto [0, n) without a division. */
static size_t range_of(uint64_t h, size_t n)
{
	return (size_t)(((h >> 32) * n) >> 32);
}

/* The estimate's bin of a shingle: from its low 32 bits (the band bins
 * take the high ones), so the two sketches split the shingles apart. */
static size_t est_bin(uint64_t h)
{
	return (size_t)(((h & 0xffffffffu) * WN_MH_EST_BINS) >> 32);
}

static void reset_doc(struct wn_minhash *m)
{
	for (size_t i = 0; i < WN_MH_BINS; i++)
		m->bins[i] = EMPTY;
	for (size_t i = 0; i < WN_MH_EST_BINS; i++)
		m->est[i] = EMPTY;
	m->ncarry = 0;
	m->any = false;
}

int wn_minhash_init(struct wn_minhash *m, const struct wn_options *opt)
{
	memset(m, 0, sizeof(*m));
	m->threshold = opt->doc_near;
	m->n = opt->near_words ? opt->near_words : WN_DEFAULT_NEAR_WORDS;
	m->seed = opt->seed;
	reset_doc(m);
	return 0;
}

/* One-permutation hashing: the shingle's hash picks its bin and competes
 * for that bin's minimum, one operation per shingle instead of one per bin. */
static void add_shingle(struct wn_minhash *m, uint64_t h)
{
	uint64_t *const bin = &m->bins[range_of(h, WN_MH_BINS)];
	if (h == EMPTY)
		h--;
	if (h < *bin)
		*bin = h;
	uint64_t *const est = &m->est[est_bin(h)];
	if (h < *est)
		*est = h;
	m->any = true;
}

void wn_minhash_add(struct wn_minhash *m, const struct wn_shingler *s)
{
	assert(s->n == m->n);
	const size_t edge = m->n - 1;
	/* Windows that start in earlier lines and end in this one: a paragraph
	 * wrapped differently still gives the same document shingles. */
	uint64_t w[2 * WN_SHINGLE_MAX];
	memcpy(w, m->carry, m->ncarry * sizeof(*w));
	memcpy(w + m->ncarry, s->head, s->nedge * sizeof(*w));
	const size_t nw = m->ncarry + s->nedge;
	for (size_t i = 0; i < m->ncarry && i + m->n <= nw; i++)
		add_shingle(m, wn_shingle_hash(s, w + i));
	for (size_t i = 0; i < s->nshingles; i++)
		add_shingle(m, s->shingles[i]);
	if (s->ntokens >= edge) {
		memcpy(m->carry, s->tail, edge * sizeof(*w));
		m->ncarry = edge;
	} else {
		const size_t keep = nw < edge ? nw : edge;
		memcpy(m->carry, w + nw - keep, keep * sizeof(*w));
		m->ncarry = keep;
	}
}

/* Optimal densification (Shrivastava, ICML 2017): an empty bin takes the
 * value of the first non-empty bin along a probe sequence that depends only
 * on the bin's number and the seed, the same for every document. Two
 * documents' bins then agree with probability equal to their Jaccard
 * similarity, as with independent MinHash functions. */
static void densify(const struct wn_minhash *m, uint64_t *sig)
{
	for (size_t i = 0; i < WN_MH_BINS; i++) {
		sig[i] = m->bins[i];
		for (uint64_t t = 1; sig[i] == EMPTY; t++) {
			const size_t j = t <= 4096 ? range_of(wn_mix64(m->seed ^ ((uint64_t)i << 32 | t)), WN_MH_BINS)
						 : (i + t) % WN_MH_BINS;
			sig[i] = m->bins[j];
		}
	}
}

static uint64_t band_key(const struct wn_minhash *m, const uint64_t *sig, size_t band)
{
	XXH64_canonical_t rows[WN_MH_ROWS];
	for (size_t r = 0; r < WN_MH_ROWS; r++)
		XXH64_canonicalFromHash(&rows[r], sig[band * WN_MH_ROWS + r]);
	const uint64_t k = XXH3_64bits_withSeed(rows, sizeof(rows), m->seed + band + 1);
	return k ? k : 1; /* 0 marks an empty slot */
}

/* The slot of key in the band table: where it is, or the empty one where it
 * belongs. Linear probing; the table is never full. */
static size_t band_slot(const struct wn_band_table *t, uint64_t key)
{
	size_t i = (size_t)key & (t->cap - 1);
	while (t->keys[i] && t->keys[i] != key)
		i = (i + 1) & (t->cap - 1);
	return i;
}

static int band_grow(struct wn_band_table *t)
{
	const size_t cap = t->cap ? t->cap * 2 : BAND_INIT;
	struct wn_band_table g = { calloc(cap, sizeof(*g.keys)), malloc(cap * sizeof(*g.kept)),
				   cap, t->count };
	if (!g.keys || !g.kept) {
		free(g.keys);
		free(g.kept);
		return WN_E_NOMEM;
	}
	for (size_t i = 0; i < t->cap; i++) {
		if (!t->keys[i])
			continue;
		const size_t j = band_slot(&g, t->keys[i]);
		g.keys[j] = t->keys[i];
		g.kept[j] = t->kept[i];
	}
	free(t->keys);
	free(t->kept);
	*t = g;
	return 0;
}

/* The estimate's bits of the current document. An empty bin takes the
 * minimum of the nearest non-empty bin to its right (circularly), shifted
 * by the distance (densification by rotation, Shrivastava and Li, ICML
 * 2014: two documents' bins still agree with probability equal to their
 * Jaccard similarity), in one sweep. Each bin gives one bit: a full bin
 * the lowest bit of its minimum (a minimum is picked by its high bits, its
 * bin by bits 21 to 31, so bit 0 is a fair coin), an empty one the lowest
 * bit of a mix of the minimum it copies and the distance, so that the bins
 * of a run copying one minimum give independent bits. Equal minima at equal
 * distances give equal bits; others agree half the time. */
#define ROTATE UINT64_C(0x9E3779B97F4A7C15)

static void est_bits(const struct wn_minhash *m, uint64_t *bits)
{
	size_t first = 0;
	while (m->est[first] == EMPTY)
		first++; /* the document has a shingle: some bin is full */
	size_t next = first + WN_MH_EST_BINS;
	uint64_t value = m->est[first];
	memset(bits, 0, WN_MH_EST_WORDS * sizeof(*bits));
	for (size_t i = WN_MH_EST_BINS; i-- > 0;) {
		if (m->est[i] != EMPTY) {
			next = i;
			value = m->est[i];
		}
		const uint64_t v = next == i ? value : wn_mix64(value + (uint64_t)(next - i) * ROTATE);
		bits[i / 64] |= (v & 1) << (i % 64);
	}
}

/* Estimated Jaccard similarity of the current document and kept document
 * k: a share p of equal bits is J + (1 - J) / 2, so J = 2p - 1. */
static double estimate(const struct wn_minhash *m, const uint64_t *bits, uint32_t k)
{
	const uint64_t *d = (const uint64_t *)(const void *)m->sigs.ptr + (size_t)k * WN_MH_EST_WORDS;
	unsigned differ = 0;
	for (size_t i = 0; i < WN_MH_EST_WORDS; i++)
		differ += wn_popcount64(d[i] ^ bits[i]);
	return 1.0 - 2.0 * differ / WN_MH_EST_BINS;
}

/* Remembers the current document as kept document number m->ndocs. */
static int remember(struct wn_minhash *m, const uint64_t *bits, const uint64_t *keys, uint64_t doc)
{
	if (m->ndocs == m->docs_cap) {
		const size_t cap = m->docs_cap ? m->docs_cap * 2 : 64;
		uint64_t *p = realloc(m->docs, cap * sizeof(*p));
		if (!p)
			return WN_E_NOMEM;
		m->docs = p;
		m->docs_cap = cap;
	}
	if (wn_buf_append(&m->sigs, bits, WN_MH_EST_WORDS * sizeof(*bits)) != 0)
		return WN_E_NOMEM;
	const uint32_t k = (uint32_t)m->ndocs;
	m->docs[m->ndocs++] = doc;
	for (size_t b = 0; b < WN_MH_BANDS; b++) {
		struct wn_band_table *t = &m->bands;
		if ((t->count + 1) * 4 > t->cap * 3 && band_grow(t) != 0)
			return WN_E_NOMEM;
		const size_t i = band_slot(t, keys[b]);
		if (t->keys[i])
			continue; /* keep-first: an earlier document holds this band */
		t->keys[i] = keys[b];
		t->kept[i] = k;
		t->count++;
	}
	return 0;
}

int wn_minhash_end_doc(struct wn_minhash *m, uint64_t doc, bool may_drop, bool *keep_out,
		       uint64_t *match_out)
{
	*keep_out = true;
	if (!m->any) {
		reset_doc(m);
		return 0;
	}
	uint64_t sig[WN_MH_BINS], keys[WN_MH_BANDS], bits[WN_MH_EST_WORDS];
	densify(m, sig);
	est_bits(m, bits);
	reset_doc(m);
	double best = -1;
	uint32_t best_k = 0;
	for (size_t b = 0; b < WN_MH_BANDS; b++) {
		keys[b] = band_key(m, sig, b);
		if (!m->bands.cap)
			continue;
		const size_t i = band_slot(&m->bands, keys[b]);
		if (!m->bands.keys[i])
			continue;
		const uint32_t k = m->bands.kept[i];
		const double j = estimate(m, bits, k);
		if (j > best || (j == best && k < best_k)) {
			best = j;
			best_k = k;
		}
	}
	if (may_drop && best >= m->threshold) {
		*keep_out = false;
		*match_out = m->docs[best_k];
		return 0;
	}
	return remember(m, bits, keys, doc);
}

uint64_t wn_minhash_bytes(const struct wn_minhash *m)
{
	return (uint64_t)m->bands.cap * (sizeof(*m->bands.keys) + sizeof(*m->bands.kept)) +
	       m->sigs.cap + (uint64_t)m->docs_cap * sizeof(*m->docs);
}

void wn_minhash_free(struct wn_minhash *m)
{
	free(m->bands.keys);
	free(m->bands.kept);
	wn_buf_free(&m->sigs);
	free(m->docs);
	memset(m, 0, sizeof(*m));
}
