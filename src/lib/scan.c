/* scan.c - the exact-only hot path: splits a buffer into lines and
 * fingerprints a batch of them at once (trimmed bytes, seeded XXH3, no
 * copy), bringing each one's bucket of the seen set toward the cache, so
 * that the probes of a whole batch overlap their misses. The pipeline
 * (filter.c) then decides the batch in order. */
#include <string.h>

#define XXH_INLINE_ALL /* the hash inlined here: same values as libxxhash */
#include <xxhash.h>

#include "internal.h"

/* The line's length without the blanks at its end (as the pipeline trims). */
static size_t trimmed_len(const char *p, size_t n)
{
	while (n && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r' || p[n - 1] == '\v'))
		n--;
	return n;
}

/* Code points in p[0..n): bytes less continuation bytes (10xxxxxx),
 * counted eight at a time. */
static size_t count_code_points(const char *p, size_t n)
{
	const uint64_t high = 0x8080808080808080u;
	size_t cont = 0, i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t x;
		memcpy(&x, p + i, sizeof(x));
		/* bit 7 set and bit 6 clear; the shift moves each byte's bit 6
		 * into its own bit 7, never across bytes there */
		if (x & high)
			cont += (size_t)wn_popcount64(x & ~(x << 1) & high);
	}
	for (; i < n; i++)
		cont += ((unsigned char)p[i] & 0xC0) == 0x80;
	return n - cont;
}

#if defined(__SSE2__)
#include <emmintrin.h>

/* count_code_points for 16 <= n <= 16 * 255, 16 bytes a step, with no
 * branch but the loop's: a continuation byte is one below -64 as a signed
 * byte, counted in a lane of its own (at most 255 steps); the last step
 * reads the 16 bytes that end the line and counts only those not yet
 * counted. The byte loop's exits were a third of the exact-only path's
 * mispredicted branches on lines of 20 to 79 bytes (bench/README.md,
 * branch exact8). */
static size_t count_code_points_sse2(const char *p, size_t n)
{
	const __m128i below = _mm_set1_epi8(-64);
	__m128i cont = _mm_setzero_si128();
	size_t i = 0;
	for (; i + 16 <= n; i += 16) {
		const __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
		cont = _mm_sub_epi8(cont, _mm_cmplt_epi8(x, below));
	}
	/* the last n - i bytes are the top of the 16 that end at p + n */
	const __m128i idx = _mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
	const __m128i fresh = _mm_cmpgt_epi8(idx, _mm_set1_epi8((char)(15 - (n - i))));
	const __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(p + n - 16));
	cont = _mm_sub_epi8(cont, _mm_and_si128(fresh, _mm_cmplt_epi8(x, below)));
	const __m128i sums = _mm_sad_epu8(cont, _mm_setzero_si128());
	/* each half's sum is at most 8 * 255 */
	const size_t total = (size_t)_mm_cvtsi128_si32(sums) +
			     (size_t)_mm_cvtsi128_si32(_mm_unpackhi_epi64(sums, sums));
	return n - total;
}
#endif

/* At least min code points: counts only when the byte length leaves it open. */
static bool scan_long_enough(const char *p, size_t n, size_t min)
{
	if (n >= 4 * min)
		return true;
#if defined(__SSE2__)
	if (n >= 16 && n <= 16 * 255)
		return count_code_points_sse2(p, n) >= min;
#endif
	return n >= min && count_code_points(p, n) >= min;
}

/* The first '\n' in p[0..end): 64 bytes a step while 64 are left (four
 * compares and one 64-bit mask), then memchr for the rest. On lines of
 * about 100 bytes a call of memchr a line mispredicted more branches (its
 * exits) than this costs in instructions (bench/README.md, branch exact8). */
static inline const char *find_nl(const char *p, const char *end)
{
#if defined(__SSE2__)
	const __m128i nl = _mm_set1_epi8('\n');
	for (; end - p >= 64; p += 64) {
		const __m128i *const v = (const __m128i *)(const void *)p;
		const uint64_t m =
			(uint64_t)(uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128(v), nl)) |
			(uint64_t)(uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128(v + 1), nl)) << 16 |
			(uint64_t)(uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128(v + 2), nl)) << 32 |
			(uint64_t)(uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128(v + 3), nl)) << 48;
		if (m)
			return p + __builtin_ctzll(m);
	}
#endif
	return memchr(p, '\n', (size_t)(end - p));
}

size_t wn_scan_batch(const struct wn_scan *sc, const char *p, const char *end,
		     struct wn_scan_line *out, size_t max, const char **next)
{
	size_t n = 0;
	while (n < max && p < end) {
		const char *nl = find_nl(p, end);
		if (!nl || (sc->max_line && (size_t)(nl - p) > sc->max_line))
			break;
		struct wn_scan_line *l = &out[n++];
		l->ptr = p;
		l->len = trimmed_len(p, (size_t)(nl - p));
		l->kind = WN_SCAN_BLANK;
		p = nl + 1;
		if (l->len == 0)
			continue;
		if (!sc->dedup || !scan_long_enough(l->ptr, l->len, sc->min_chars)) {
			l->kind = WN_SCAN_SHORT;
			continue;
		}
		l->kind = WN_SCAN_DEDUP;
		l->hash = XXH3_64bits_withSecretandSeed(l->ptr, l->len, sc->secret, WN_XXH3_SECRET, sc->seed);
		if (sc->memo)
			wn_memo_prefetch(sc->memo, l->hash);
	}
	*next = p;
	return n;
}
