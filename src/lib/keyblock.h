/* keyblock.h - sixteen ASCII bytes keyed at once, as wn_key_normalize keys
 * them: shared by plain.c's SSE2 pass and key.c's general key, so the two
 * can never disagree. Include only under __SSE2__. */
#ifndef WN_KEYBLOCK_H
#define WN_KEYBLOCK_H

#include <emmintrin.h>

/* Keys the ASCII bytes a[lo..hi) onto *o_io as wn_key_normalize would:
 * letters and digits lowered, any other byte a space kept only after a
 * word byte. *after_word_io tells whether the byte before a[lo] was a word
 * byte. lo < hi <= 16. Writes up to 16 bytes past *o_io, whatever it
 * keeps. */
static inline void wn_key_block(__m128i a, unsigned lo, unsigned hi, char **o_io,
				unsigned *after_word_io)
{
	const __m128i alpha = _mm_cmplt_epi8(
		_mm_add_epi8(_mm_or_si128(a, _mm_set1_epi8(0x20)), _mm_set1_epi8((char)(0x80 - 'a'))),
		_mm_set1_epi8((char)(0x80 + 26)));
	const __m128i digit = _mm_cmplt_epi8(_mm_add_epi8(a, _mm_set1_epi8((char)(0x80 - '0'))),
					     _mm_set1_epi8((char)(0x80 + 10)));
	const __m128i word = _mm_or_si128(alpha, digit);
	/* Digits have bit 0x20 set already; a separator becomes 0x20. */
	const __m128i k = _mm_or_si128(_mm_and_si128(a, word), _mm_set1_epi8(0x20));
	const unsigned w = (unsigned)_mm_movemask_epi8(word);
	/* The byte before a[lo] is a[lo - 1] when lo > 0: the same byte that
	 * *after_word_io describes. */
	const unsigned valid = (0xFFFFu >> (16 - (hi - lo))) << lo;
	const unsigned keep = (w | (w << 1) | *after_word_io) & valid;
	*after_word_io = w >> (hi - 1) & 1;
	char *o = *o_io;
	if (keep == 0xFFFF) {
		_mm_storeu_si128((__m128i *)(void *)o, k);
		*o_io = o + 16;
		return;
	}
	/* Runs of kept bytes, each moved in place with one 16-byte copy. */
	unsigned char tmp[32];
	_mm_storeu_si128((__m128i *)(void *)tmp, k);
	for (unsigned m = keep; m;) {
		const unsigned s = (unsigned)__builtin_ctz(m);
		const unsigned run = (unsigned)__builtin_ctz(~(m >> s)); /* m >> s < 0x10000 */
		_mm_storeu_si128((__m128i *)(void *)o,
				 _mm_loadu_si128((const __m128i *)(const void *)(tmp + s)));
		o += run;
		m &= ~(((1u << run) - 1) << s);
	}
	*o_io = o;
}

#endif
