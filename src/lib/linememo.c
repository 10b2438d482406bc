/* linememo.c - what recent raw lines came to: a fixed table of 2-way sets
 * (filter.c's take_memo; the look-up itself is wn_linememo_find in
 * internal.h). */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

uint32_t wn_linememo_window = (uint32_t)1 << 16;

int wn_linememo_init(struct wn_linememo *m, uint64_t seed)
{
	memset(m, 0, sizeof(*m));
	m->seed = seed;
	/* calloc, not aligned_alloc and a memset: fresh pages come zeroed,
	 * and the sets a run never reaches are never touched. A set is
	 * aligned to a cache line by hand. */
	m->mem = calloc(1, WN_LINEMEMO_SETS * sizeof(*m->sets) + 64);
	if (!m->mem)
		return WN_E_NOMEM;
	m->sets = (struct wn_linememo_set *)(((uintptr_t)m->mem + 63) & ~(uintptr_t)63);
	return 0;
}

const struct wn_linememo_entry *wn_linememo_check(struct wn_linememo_set *s, unsigned way,
						   const struct wn_keyer *k, const struct wn_line *line,
						   struct wn_linememo_fill *fill)
{
	const uint64_t raw = wn_keyer_exact(k, line);
	struct wn_linememo_entry *e = &s->way[way];
	if (e->state == WN_LINEMEMO_FILLED && e->raw == raw) {
		fill->e = NULL;
		if (way == 1) {
			const struct wn_linememo_entry hit = *e;
			s->way[1] = s->way[0];
			s->way[0] = hit;
		}
		return &s->way[0];
	}
	/* Looked at before, or another line of the same look: this one is
	 * filled in if it comes out unchanged. */
	fill->e = e;
	fill->raw = raw;
	return NULL;
}

void wn_linememo_fill(const struct wn_linememo_fill *fill, uint32_t dedup, uint64_t dup_hash)
{
	struct wn_linememo_entry *e = fill->e;
	e->raw = fill->raw;
	e->dup_hash = dup_hash;
	e->dedup = dedup;
	e->state = WN_LINEMEMO_FILLED;
}

void wn_linememo_clear(struct wn_linememo *m)
{
	/* len 0 is no line: only lines with text are looked up. */
	memset(m->sets, 0, WN_LINEMEMO_SETS * sizeof(*m->sets));
	m->looked = m->rest = 0;
	m->window_hits = m->hits;
}

void wn_linememo_free(struct wn_linememo *m)
{
	free(m->mem);
	m->mem = NULL;
	m->sets = NULL;
}
