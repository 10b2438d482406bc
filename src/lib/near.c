/* near.c - near-duplicate paragraphs in the manner of onion (Pomikálek's ONe
 * Instance ONly): a line goes when most of its tokens lie in shingles seen. */
#include <assert.h>

#include "internal.h"

#define PPM 1000000u
#define AHEAD 8 /* shingles whose buckets are fetched before they are looked up */

int wn_near_init(struct wn_near *nr, const struct wn_options *opt, uint64_t max_mem)
{
	const double t = opt->near > 0 ? opt->near : WN_DEFAULT_NEAR;
	assert(t > 0 && t <= 1);
	nr->threshold_ppm = (uint64_t)(t * PPM + 0.5);
	nr->n = opt->near_words ? opt->near_words : WN_DEFAULT_NEAR_WORDS;
	return wn_memo_init(&nr->set, max_mem, opt->on_full);
}

/* Onion drops a line when more than the threshold share of its tokens lie in
 * seen shingles. That over-counts a line with a few common phrases ("at the
 * end of the"): each seen shingle covers n tokens. We ask instead that more
 * than the threshold share of its shingles were seen. Since s seen shingles
 * cover at least s + n - 1 tokens, the token share then exceeds the threshold
 * too: every line dropped here onion drops. In a line of fewer than 2n tokens
 * all shingles overlap, so a partial match is one shared phrase (a date
 * format, a user name): such a line goes only when all of it was seen. */
static bool near_dup(const struct wn_near *nr, const struct wn_shingler *s)
{
	const uint64_t k = s->nshingles;
	const uint64_t need = s->ntokens < 2 * (size_t)nr->n ? k : nr->threshold_ppm * k / PPM + 1;
	uint64_t seen = 0;
	for (size_t i = 0; i < k && i < AHEAD; i++)
		wn_memo_prefetch(&nr->set, s->shingles[i]);
	for (size_t i = 0; i < k && seen < need && (k - i) + seen >= need; i++) {
		if (i + AHEAD < k)
			wn_memo_prefetch(&nr->set, s->shingles[i + AHEAD]);
		seen += wn_memo_contains(&nr->set, s->shingles[i]);
	}
	return seen >= need;
}

int wn_near_push(struct wn_near *nr, const struct wn_shingler *s, bool *keep_out)
{
	assert(s->n == nr->n);
	*keep_out = s->ntokens < nr->n || !near_dup(nr, s);
	if (!*keep_out)
		return 0;
	for (size_t i = 0; i < s->nshingles; i++) {
		if (i + AHEAD < s->nshingles)
			wn_memo_prefetch(&nr->set, s->shingles[i + AHEAD]);
		const int rc = wn_memo_insert(&nr->set, s->shingles[i]);
		if (rc < 0)
			return rc;
	}
	return 0;
}

void wn_near_clear(struct wn_near *nr)
{
	wn_memo_clear(&nr->set);
}

void wn_near_free(struct wn_near *nr)
{
	wn_memo_free(&nr->set);
}
