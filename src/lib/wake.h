/* wake.h - the punctuation rules' waking pairs, sixteen at a step (SSE2):
 * shared by punct.c's candidates and plain.c's one-pass check, so the two
 * can never disagree. Include only under __SSE2__. */
#ifndef WN_WAKE_H
#define WN_WAKE_H

#include <emmintrin.h>

/* For each i in 0..16, 0xFF where the pair (a[i], b[i]) may wake a rule: a
 * space before a space or a mark; a comma before a comma, a letter or a
 * non-ASCII byte; ';' or ':' before a letter or non-ASCII; a period before
 * a period, a capital or non-ASCII (punct.c's pair_rules says the same,
 * byte by byte). b is a moved on by one byte. */
static inline __m128i wn_wake_pairs(__m128i a, __m128i b)
{
#define WN_EQ(x, c) _mm_cmpeq_epi8((x), _mm_set1_epi8((char)(c)))
	/* x | 1 pairs ' ' with '!' and ':' with ';'. */
	const __m128i one = _mm_set1_epi8(1), b1 = _mm_or_si128(b, one);
	const __m128i a_space = WN_EQ(a, ' '), a_comma = WN_EQ(a, ',');
	const __m128i a_colon = WN_EQ(_mm_or_si128(a, one), ';'), a_period = WN_EQ(a, '.');
	const __m128i b_comma = WN_EQ(b, ','), b_period = WN_EQ(b, '.');
	const __m128i after_space = _mm_or_si128(_mm_or_si128(WN_EQ(b1, '!'), WN_EQ(b1, ';')),
						 _mm_or_si128(_mm_or_si128(b_comma, b_period), WN_EQ(b, '?')));
#undef WN_EQ
	/* Signed compares: a byte >= 0x80 is negative; a range check biases
	 * the range's start to -128. */
	const __m128i b_high = _mm_cmplt_epi8(b, _mm_setzero_si128());
	const __m128i b_upper = _mm_cmplt_epi8(_mm_add_epi8(b, _mm_set1_epi8((char)(0x80 - 'A'))),
					       _mm_set1_epi8((char)(0x80 + 26)));
	const __m128i b_alpha = _mm_cmplt_epi8(
		_mm_add_epi8(_mm_or_si128(b, _mm_set1_epi8(0x20)), _mm_set1_epi8((char)(0x80 - 'a'))),
		_mm_set1_epi8((char)(0x80 + 26)));
	const __m128i b_word = _mm_or_si128(b_alpha, b_high);
	__m128i hit = _mm_and_si128(a_space, after_space);
	hit = _mm_or_si128(hit, _mm_and_si128(a_comma, _mm_or_si128(b_comma, b_word)));
	hit = _mm_or_si128(hit, _mm_and_si128(a_colon, b_word));
	return _mm_or_si128(hit, _mm_and_si128(a_period,
					       _mm_or_si128(b_period, _mm_or_si128(b_upper, b_high))));
}

#endif
