/* memo.c - the seen set under a memory limit: one exact table, or on-full
 * fail, bloom, or forget by generations. */
#include <string.h>

#include "internal.h"

/* Bytes a generation's entries take on average (load 0.8), to size one. */
#define BYTES_PER_ENTRY 10

/* Memory for slots once the tables' fixed parts are paid for. */
static uint64_t slot_budget(const struct wn_memo *m)
{
	const unsigned ntables = m->on_full == WN_FULL_FORGET ? WN_MEMO_GENS : 1;
	const uint64_t fixed = (uint64_t)ntables * WN_SEEN_OVERHEAD;
	return m->max_mem > fixed ? m->max_mem - fixed : 0;
}

int wn_memo_init(struct wn_memo *m, uint64_t max_mem, enum wn_on_full on_full)
{
	memset(m, 0, sizeof(*m));
	m->max_mem = max_mem;
	m->on_full = on_full;
	m->ngens = 1;
	m->simple = true;
	int rc = wn_seen_init(&m->gen[0]);
	if (rc || !max_mem)
		return rc;
	wn_arena_init(&m->arena, slot_budget(m));
	for (unsigned i = 0; i < WN_MEMO_GENS; i++)
		m->arena.sets[i] = &m->gen[i];
	m->gen[0].arena = &m->arena;
	m->arena.growing = &m->gen[0];
	const uint64_t budget = slot_budget(m);
	if (on_full == WN_FULL_FORGET) {
		/* The first generation fills a quarter; rotations keep the rest. */
		m->gen[0].limit = budget / WN_MEMO_GENS;
		m->gen_cap = budget / WN_MEMO_GENS / BYTES_PER_ENTRY;
	} else {
		m->gen[0].limit = budget;
	}
	return 0;
}

static uint64_t others_bytes(const struct wn_memo *m, unsigned except)
{
	uint64_t sum = 0;
	for (unsigned i = 0; i < WN_MEMO_GENS; i++)
		if (i != except && m->gen[i].segs)
			sum += m->gen[i].bytes;
	return sum;
}

/* Starts a new generation in a fresh table, dropping the oldest when all
 * are in use. Its limit is what the others leave of the budget. The oldest
 * is freed rather than cleared for reuse: its segments are sized for the
 * counts it happened to get, and a new generation needs other sizes. */
static int rotate(struct wn_memo *m)
{
	const unsigned next = (m->cur + 1) % WN_MEMO_GENS;
	struct wn_seen *g = &m->gen[next];
	if (m->ngens == WN_MEMO_GENS) {
		m->forgotten += g->count;
		wn_seen_free(g);
	} else {
		m->ngens++;
	}
	const int rc = wn_seen_init(g);
	if (rc)
		return rc;
	g->arena = &m->arena;
	m->arena.growing = g;
	m->arena.sweep_count = 0;
	m->cur = next;
	m->simple = false;
	const uint64_t budget = slot_budget(m), others = others_bytes(m, next);
	g->limit = budget > others ? budget - others : 0;
	return 0;
}

static int to_bloom(struct wn_memo *m)
{
	const int rc = wn_bloom_from_seen(&m->bloom, &m->gen[m->cur]);
	if (!rc) {
		m->simple = false;
		m->arena.growing = NULL; /* a Bloom filter's blocks never grow */
	}
	return rc;
}

/* In an older generation: copy it to the newest, so it is kept longer. */
static bool in_older(const struct wn_memo *m, uint64_t h)
{
	for (unsigned i = 1; i < m->ngens; i++)
		if (wn_seen_contains(&m->gen[(m->cur + WN_MEMO_GENS - i) % WN_MEMO_GENS], h))
			return true;
	return false;
}

static int insert_forget(struct wn_memo *m, uint64_t h)
{
	struct wn_seen *g = &m->gen[m->cur];
	if (g->count >= m->gen_cap) {
		const int rc = rotate(m);
		if (rc)
			return rc;
		g = &m->gen[m->cur];
	}
	int rc = wn_seen_insert(g, h);
	for (unsigned tries = 0; rc == WN_E_LIMIT && tries < WN_MEMO_GENS; tries++) {
		rc = rotate(m);
		if (rc)
			return rc;
		g = &m->gen[m->cur];
		rc = wn_seen_insert(g, h);
	}
	if (rc == 1 && in_older(m, h))
		return 0;
	return rc;
}

int wn_memo_insert_slow(struct wn_memo *m, uint64_t h)
{
	if (m->bloom.set)
		return wn_bloom_insert(&m->bloom, h);
	if (m->on_full == WN_FULL_FORGET && m->max_mem)
		return insert_forget(m, h);
	int rc = wn_seen_insert(&m->gen[m->cur], h);
	if (rc != WN_E_LIMIT || m->on_full != WN_FULL_BLOOM)
		return rc;
	rc = to_bloom(m);
	return rc ? rc : wn_bloom_insert(&m->bloom, h);
}

bool wn_memo_contains(const struct wn_memo *m, uint64_t h)
{
	if (m->bloom.set)
		return wn_bloom_contains(&m->bloom, h);
	for (unsigned i = 0; i < m->ngens; i++)
		if (wn_seen_contains(&m->gen[(m->cur + WN_MEMO_GENS - i) % WN_MEMO_GENS], h))
			return true;
	return false;
}

uint64_t wn_memo_count(const struct wn_memo *m)
{
	if (m->bloom.set)
		return m->bloom.held + m->bloom.added;
	uint64_t n = 0;
	for (unsigned i = 0; i < WN_MEMO_GENS; i++)
		n += m->gen[i].count;
	return n;
}

uint64_t wn_memo_bytes(const struct wn_memo *m)
{
	uint64_t n = 0;
	for (unsigned i = 0; i < WN_MEMO_GENS; i++)
		if (m->gen[i].segs)
			n += m->gen[i].bytes + WN_SEEN_OVERHEAD;
	return n;
}

unsigned wn_memo_gens(const struct wn_memo *m, const struct wn_seen **out)
{
	for (unsigned i = 0; i < m->ngens; i++)
		out[i] = &m->gen[(m->cur + WN_MEMO_GENS + 1 + i - m->ngens) % WN_MEMO_GENS];
	return m->ngens;
}

struct wn_seen *wn_memo_bulk_table(struct wn_memo *m, const uint32_t *counts)
{
	if (m->bloom.set)
		return NULL;
	if (m->gen[m->cur].count) {
		if (m->on_full != WN_FULL_FORGET || !m->max_mem || m->ngens == WN_MEMO_GENS)
			return NULL;
		if (rotate(m) != 0)
			return NULL;
	}
	struct wn_seen *g = &m->gen[m->cur];
	if (m->max_mem) {
		/* A loaded generation may use what the others leave. */
		const uint64_t budget = slot_budget(m), others = others_bytes(m, m->cur);
		g->limit = budget > others ? budget - others : 0;
	}
	uint64_t need = 0;
	for (uint32_t si = 0; si < WN_SEEN_SEGS; si++)
		need += wn_seen_fill_bytes(counts[si]);
	/* Under forget, a generation much bigger than this run's (a state made
	 * with a larger limit, or none) goes in entry by entry, so it is split
	 * into generations rather than forgotten all at once. */
	const bool oversized = m->max_mem && m->on_full == WN_FULL_FORGET &&
			       need > slot_budget(m) / WN_MEMO_GENS * 5 / 4;
	if (need > g->limit || oversized)
		return NULL;
	if (m->max_mem && m->on_full == WN_FULL_FORGET)
		m->simple = false; /* rotation goes by count from now on */
	return g;
}

int wn_memo_bloom_seg(struct wn_memo *m, uint32_t si, uint32_t nblocks, uint64_t **words_out)
{
	struct wn_seen *g = &m->gen[m->cur];
	if (m->ngens != 1 || g->count)
		return WN_E_STATE_CORRUPT;
	const int rc = wn_seen_seg_alloc(g, si, nblocks);
	*words_out = g->segs[si].slots;
	return rc;
}

void wn_memo_bloom_done(struct wn_memo *m, uint64_t held)
{
	wn_bloom_adopt(&m->bloom, &m->gen[m->cur], held);
	m->arena.growing = NULL;
	m->simple = false;
}

void wn_memo_clear(struct wn_memo *m)
{
	if (m->bloom.set) {
		wn_bloom_clear(&m->bloom);
		return;
	}
	for (unsigned i = 0; i < WN_MEMO_GENS; i++)
		if (m->gen[i].segs)
			wn_seen_clear(&m->gen[i]);
	m->arena.sweep_count = 0;
}

void wn_memo_free(struct wn_memo *m)
{
	for (unsigned i = 0; i < WN_MEMO_GENS; i++)
		if (m->gen[i].segs)
			wn_seen_free(&m->gen[i]);
	wn_arena_free(&m->arena);
	memset(m, 0, sizeof(*m));
}
