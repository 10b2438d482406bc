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

/* A window's fingerprint is a polynomial in its token hashes, then mixed:
 * H = t[0] P^(n-1) + t[1] P^(n-2) + ... + t[n-1] (mod 2^64), so sliding the
 * window costs a multiply and two adds instead of a hash of n * 8 bytes.
 * P is odd with P - 1 = 2 (mod 4), so that two windows holding the same
 * tokens in another order differ unless the token hashes do in their top
 * bits (chance 2^-63). The token hashes are seeded XXH3, so an adversary who
 * does not know the seed cannot steer H. */
#define POLY UINT64_C(0x9E3779B97F4A7C17)

void wn_shingler_init(struct wn_shingler *s, unsigned n, uint64_t seed)
{
	assert(n >= 1 && n <= WN_SHINGLE_MAX);
	memset(s, 0, sizeof(*s));
	s->n = n;
	s->seed = seed;
	s->pow = 1;
	for (unsigned i = 0; i < n; i++)
		s->pow *= POLY;
}

uint64_t wn_shingle_hash(const struct wn_shingler *s, const uint64_t *window)
{
	uint64_t h = 0;
	for (unsigned i = 0; i < s->n; i++)
		h = h * POLY + window[i];
	return wn_mix64(h);
}

/* A token of at most 8 bytes, packed into a word (first byte highest), is
 * hashed by wn_mix64, a bijection: no two such tokens of one length
 * collide, and the length and the seed keep the others apart. Longer
 * tokens get seeded XXH3. Both paths of wn_shingler_run hash a token the
 * same way, whatever the rest of its line. */
#define LEN_MIX UINT64_C(0xD6E8FEB86659FD93)

static inline uint64_t packed_hash(const struct wn_shingler *s, uint64_t packed, size_t len)
{
	return wn_mix64((packed ^ s->seed) + (uint64_t)len * LEN_MIX);
}

static inline uint64_t token_hash(const struct wn_shingler *s, const char *p, size_t len)
{
	if (len > 8)
		return XXH3_64bits_withSeed(p, len, s->seed);
	uint64_t a = 0;
	for (size_t i = 0; i < len; i++)
		a = a << 8 | (unsigned char)p[i];
	return packed_hash(s, a, len);
}

static int grow(struct wn_shingler *s, size_t need)
{
	size_t cap = s->cap ? s->cap : 256;
	while (cap < need)
		cap *= 2;
	uint64_t *p = realloc(s->shingles, cap * sizeof(*p));
	if (!p)
		return WN_E_NOMEM;
	s->shingles = p;
	s->cap = cap;
	return 0;
}

/* The key is ASCII when no byte has its top bit set: then a token is a run
 * of bytes between spaces. */
static bool ascii(const char *k, size_t n)
{
	uint64_t any = 0;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, k + i, 8);
		any |= w;
	}
	for (; i < n; i++)
		any |= (unsigned char)k[i];
	return !(any & UINT64_C(0x8080808080808080));
}

/* The window over the last n tokens. Token j is stored at ring[j % n], so
 * the token leaving the window when token j enters is ring[j % n] before it
 * is overwritten. */
struct window {
	uint64_t ring[WN_SHINGLE_MAX];
	uint64_t h;   /* the polynomial of the tokens in ring */
	size_t nt, r; /* tokens so far; ring slot of the next one */
	size_t nsh;   /* shingles written to s->shingles */
};

/* Slides the window over token hash t and writes the shingle it completes. */
static inline int add_token(struct wn_shingler *s, struct window *w, uint64_t t)
{
	w->h = w->h * POLY + t - w->ring[w->r] * s->pow;
	w->ring[w->r] = t;
	w->r = w->r + 1 == s->n ? 0 : w->r + 1;
	if (w->nt < s->n - 1)
		s->head[w->nt] = t;
	if (++w->nt < s->n)
		return 0;
	if (w->nsh == s->cap && grow(s, s->cap + 1) != 0) /* not expected: be sure */
		return WN_E_NOMEM;
	s->shingles[w->nsh++] = wn_mix64(w->h);
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
	/* At most one token per two bytes (a byte and a space), so one shingle
	 * each: room for all of them up front. */
	if (key_len / 2 + 1 > s->cap && grow(s, key_len / 2 + 1) != 0)
		return WN_E_NOMEM;
	struct window w = { .h = 0 };
	int rc = 0;
	if (ascii(key, key_len)) {
		const unsigned char *p = (const unsigned char *)key, *end = p + key_len;
		while (p < end && !rc) {
			if (*p == ' ') {
				p++;
				continue;
			}
			/* Packs the first 8 bytes as token_hash does, on the way. */
			const unsigned char *q = p, *stop = end - p > 8 ? p + 8 : end;
			uint64_t a = 0;
			while (q < stop && *q != ' ')
				a = a << 8 | *q++;
			uint64_t t;
			if (q < end && *q != ' ') {
				while (q < end && *q != ' ')
					q++;
				t = XXH3_64bits_withSeed(p, (size_t)(q - p), s->seed);
			} else {
				t = packed_hash(s, a, (size_t)(q - p));
			}
			p = q;
			rc = add_token(s, &w, t);
		}
	} else {
		size_t pos = 0, start, len;
		while (!rc && (len = wn_token_next(key, key_len, &pos, &start)) != 0)
			rc = add_token(s, &w, token_hash(s, key + start, len));
	}
	if (rc)
		return rc;
	const size_t n = s->n, edge = n - 1;
	s->ntokens = w.nt;
	s->nshingles = w.nsh;
	/* The last min(ntokens, n - 1) tokens, oldest first: ring[r] holds the
	 * oldest of the last n. */
	s->nedge = w.nt < edge ? w.nt : edge;
	for (size_t i = 0; i < s->nedge; i++)
		s->tail[i] = w.ring[(w.r + n - s->nedge + i) % n];
	return 0;
}

/* Saved: ntokens, nshingles, nedge (uint64_t each), then head[nedge],
 * tail[nedge] and the shingles. */
int wn_shingler_save(const struct wn_shingler *s, struct wn_buf *out)
{
	const uint64_t hdr[3] = { s->ntokens, s->nshingles, s->nedge };
	if (wn_buf_append(out, hdr, sizeof(hdr)) != 0 ||
	    wn_buf_append(out, s->head, s->nedge * sizeof(uint64_t)) != 0 ||
	    wn_buf_append(out, s->tail, s->nedge * sizeof(uint64_t)) != 0 ||
	    wn_buf_append(out, s->shingles, s->nshingles * sizeof(uint64_t)) != 0)
		return WN_E_NOMEM;
	return 0;
}

size_t wn_shingler_saved_size(const char *p)
{
	uint64_t hdr[3];
	memcpy(hdr, p, sizeof(hdr));
	return sizeof(hdr) + (size_t)(2 * hdr[2] + hdr[1]) * sizeof(uint64_t);
}

int wn_shingler_load(struct wn_shingler *s, const char *p)
{
	uint64_t hdr[3];
	memcpy(hdr, p, sizeof(hdr));
	p += sizeof(hdr);
	if (hdr[1] > s->cap && grow(s, (size_t)hdr[1]) != 0)
		return WN_E_NOMEM;
	s->ntokens = (size_t)hdr[0];
	s->nshingles = (size_t)hdr[1];
	s->nedge = (size_t)hdr[2];
	memcpy(s->head, p, s->nedge * sizeof(uint64_t));
	p += s->nedge * sizeof(uint64_t);
	memcpy(s->tail, p, s->nedge * sizeof(uint64_t));
	p += s->nedge * sizeof(uint64_t);
	if (s->nshingles)
		memcpy(s->shingles, p, s->nshingles * sizeof(uint64_t));
	return 0;
}

void wn_shingler_free(struct wn_shingler *s)
{
	wn_buf_free(&s->key);
	free(s->shingles);
	memset(s, 0, sizeof(*s));
}
