/* docdup.c - document-level dedup: a fingerprint of each document's keyed
 * lines, kept in a seen set of its own; the first document of a kind wins. */
#include <xxhash.h>

#include "internal.h"

int wn_docdup_init(struct wn_docdup *d, uint64_t seed)
{
	d->hash = d->seed = seed;
	d->any = false;
	return wn_seen_init(&d->seen);
}

void wn_docdup_line(struct wn_docdup *d, uint64_t line_hash)
{
	XXH64_canonical_t c; /* bytes in a fixed order, whatever the machine */
	XXH64_canonicalFromHash(&c, line_hash);
	d->hash = XXH3_64bits_withSeed(&c, sizeof(c), d->hash);
	d->any = true;
}

int wn_docdup_end(struct wn_docdup *d)
{
	const uint64_t h = d->hash;
	const bool any = d->any;
	d->hash = d->seed;
	d->any = false;
	if (!any)
		return 0;
	const int rc = wn_seen_insert(&d->seen, h);
	return rc < 0 ? rc : !rc;
}

void wn_docdup_free(struct wn_docdup *d)
{
	wn_seen_free(&d->seen);
}
