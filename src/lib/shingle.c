/* shingle.c - splits a normalized key into tokens (words; single characters
 * in scripts written without spaces) and hashes every window of n tokens. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>
/* Tokens and shingles are short: inlined XXH3 avoids a call per hash. */
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "internal.h"

/* Scripts that do not put spaces between words. A word there has no visible
 * edge, so each character is a token and shingles are character n-grams. */
static bool unspaced(int32_t cp)
{
	return (cp >= 0x0E00 && cp <= 0x0EFF) ||   /* Thai, Lao */
	       (cp >= 0x1000 && cp <= 0x109F) ||   /* Myanmar */
	       (cp >= 0x1780 && cp <= 0x17FF) ||   /* Khmer */
	       (cp >= 0x2E80 && cp <= 0x2FDF) ||   /* CJK and Kangxi radicals */
	       (cp >= 0x3005 && cp <= 0x3007) ||   /* ideographic iteration, zero */
	       (cp >= 0x3040 && cp <= 0x312F) ||   /* Hiragana, Katakana, Bopomofo */
	       (cp >= 0x31A0 && cp <= 0x31FF) ||   /* Bopomofo ext., strokes, Katakana ext. */
	       (cp >= 0x3400 && cp <= 0x4DBF) ||   /* CJK extension A */
	       (cp >= 0x4E00 && cp <= 0x9FFF) ||   /* CJK unified ideographs */
	       (cp >= 0xA000 && cp <= 0xA4CF) ||   /* Yi */
	       (cp >= 0xF900 && cp <= 0xFAFF) ||   /* CJK compatibility ideographs */
	       (cp >= 0xFF66 && cp <= 0xFF9F) ||   /* halfwidth Katakana */
	       (cp >= 0x1B000 && cp <= 0x1B16F) || /* Kana supplement and extensions */
	       (cp >= 0x20000 && cp <= 0x323AF);   /* CJK extensions B to H */
}

static bool is_mark(int32_t cp)
{
	const utf8proc_category_t c = utf8proc_category(cp);
	return c == UTF8PROC_CATEGORY_MN || c == UTF8PROC_CATEGORY_MC ||
	       c == UTF8PROC_CATEGORY_ME;
}

size_t wn_token_next(const char *k, size_t n, size_t *pos, size_t *start_out)
{
	const unsigned char *u = (const unsigned char *)k;
	size_t i = *pos;
	while (i < n && u[i] == ' ')
		i++;
	const size_t start = i;
	bool single = false; /* the token is one unspaced character (and marks) */
	while (i < n && u[i] != ' ') {
		if (u[i] < 0x80) {
			if (single)
				break;
			while (++i < n && u[i] > ' ' && u[i] < 0x80)
				;
			continue;
		}
		int32_t cp;
		const size_t len = wn_utf8_decode(u + i, n - i, &cp);
		if (len == 0) {
			/* An invalid byte the key kept: part of a word. */
			if (single)
				break;
			i++;
			continue;
		}
		if (single) {
			if (!is_mark(cp))
				break;
		} else if (unspaced(cp) && !is_mark(cp)) {
			if (i > start)
				break;
			single = true;
		}
		i += len;
	}
	*pos = i;
	*start_out = start;
	return i - start;
}

void wn_shingler_init(struct wn_shingler *s, unsigned n, uint64_t seed)
{
	assert(n >= 1 && n <= WN_SHINGLE_MAX);
	memset(s, 0, sizeof(*s));
	s->n = n;
	s->seed = seed;
}

uint64_t wn_shingle_hash(const struct wn_shingler *s, const uint64_t *window)
{
	return XXH3_64bits_withSeed(window, s->n * sizeof(*window), s->seed);
}

static int push_shingle(struct wn_shingler *s, uint64_t h)
{
	if (s->nshingles == s->cap) {
		const size_t cap = s->cap ? s->cap * 2 : 256;
		uint64_t *p = realloc(s->shingles, cap * sizeof(*p));
		if (!p)
			return WN_E_NOMEM;
		s->shingles = p;
		s->cap = cap;
	}
	s->shingles[s->nshingles++] = h;
	return 0;
}

int wn_shingler_run(struct wn_shingler *s, const struct wn_line *line, const char *key,
		    size_t key_len)
{
	if (!key) {
		const size_t need = 3 * line->len + 8;
		s->key.len = 0;
		if (wn_buf_reserve(&s->key, need) != 0)
			return WN_E_NOMEM;
		key_len = wn_key_normalize(line->ptr, line->len, s->key.ptr, need);
		key = s->key.ptr;
	}
	const size_t n = s->n, edge = n - 1;
	/* Token j is stored at ring[j % n] and ring[j % n + n], so the last n
	 * tokens always lie in order at ring + (j + 1) % n. */
	uint64_t ring[2 * WN_SHINGLE_MAX];
	size_t pos = 0, start, len;
	s->ntokens = s->nshingles = 0;
	while ((len = wn_token_next(key, key_len, &pos, &start)) != 0) {
		XXH64_canonical_t c;
		XXH64_canonicalFromHash(&c, XXH3_64bits_withSeed(key + start, len, s->seed));
		const size_t r = s->ntokens % n;
		memcpy(&ring[r], &c, sizeof(c));
		ring[r + n] = ring[r];
		if (s->ntokens < edge)
			s->head[s->ntokens] = ring[r];
		if (++s->ntokens >= n &&
		    push_shingle(s, wn_shingle_hash(s, ring + s->ntokens % n)) != 0)
			return WN_E_NOMEM;
	}
	/* The last min(ntokens, n - 1) tokens, oldest first. */
	s->nedge = s->ntokens < edge ? s->ntokens : edge;
	for (size_t i = 0; i < s->nedge; i++)
		s->tail[i] = ring[(s->ntokens - s->nedge + i) % n];
	return 0;
}

void wn_shingler_free(struct wn_shingler *s)
{
	wn_buf_free(&s->key);
	free(s->shingles);
	memset(s, 0, sizeof(*s));
}
