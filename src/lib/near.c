/* near.c - near-duplicate paragraphs in the manner of onion (Pomikálek's ONe
 * Instance ONly): a line goes when most of its tokens lie in shingles seen. */
#include <assert.h>

#include "internal.h"

#define PPM 1000000u

int wn_near_init(struct wn_near *nr, const struct wn_options *opt)
{
	const double t = opt->near > 0 ? opt->near : WN_DEFAULT_NEAR;
	assert(t > 0 && t <= 1);
	nr->threshold_ppm = (uint64_t)(t * PPM + 0.5);
	nr->n = opt->near_words ? opt->near_words : WN_DEFAULT_NEAR_WORDS;
	return wn_seen_init(&nr->seen);
}

int wn_near_push(struct wn_near *nr, const struct wn_shingler *s, bool *keep_out)
{
	assert(s->n == nr->n && s->ntokens >= nr->n);
	/* Shingle i covers tokens [i, i + n); covered counts each token once. A
	 * line is dropped when covered / ntokens > threshold, in integers. */
	const uint64_t limit = nr->threshold_ppm * s->ntokens;
	uint64_t covered = 0;
	size_t end = 0; /* tokens before end are counted already */
	for (size_t i = 0; i < s->nshingles; i++) {
		if (!wn_seen_contains(&nr->seen, s->shingles[i]))
			continue;
		covered += i + nr->n - (i > end ? i : end);
		end = i + nr->n;
		if (covered * PPM > limit) {
			*keep_out = false;
			return 0;
		}
	}
	*keep_out = true;
	for (size_t i = 0; i < s->nshingles; i++) {
		const int rc = wn_seen_insert(&nr->seen, s->shingles[i]);
		if (rc < 0)
			return rc;
	}
	return 0;
}

void wn_near_clear(struct wn_near *nr)
{
	wn_seen_clear(&nr->seen);
}

void wn_near_free(struct wn_near *nr)
{
	wn_seen_free(&nr->seen);
}
