/* plain.c - one pass over a line that most lines need and no more: it tells
 * whether the line is plain (ASCII, and nothing the repairs or the
 * punctuation rules could act on), and keys a plain line in the same pass,
 * straight from the input bytes. A plain line skips both repair stages,
 * their scans and any copy; every other line goes the general way. */
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#include "wake.h"
#endif

#include "internal.h"

#if defined(__SSE2__)
/* Bytes that rule a line out, among the sixteen of a: >= 0x80, the controls
 * but TAB, DEL (the repairs' scan), '&' (entities), and the first byte of a
 * pair that may wake a punctuation rule (b is a moved on by one byte). */
static inline __m128i not_plain(__m128i a, __m128i b)
{
	/* Signed: below 0x20 are the controls and the bytes >= 0x80. */
	const __m128i low = _mm_andnot_si128(_mm_cmpeq_epi8(a, _mm_set1_epi8('\t')),
					     _mm_cmplt_epi8(a, _mm_set1_epi8(0x20)));
	const __m128i odd = _mm_or_si128(_mm_cmpeq_epi8(a, _mm_set1_epi8(0x7F)),
					 _mm_cmpeq_epi8(a, _mm_set1_epi8('&')));
	return _mm_or_si128(_mm_or_si128(low, odd), wn_wake_pairs(a, b));
}

/* Keys the ASCII bytes a[lo..hi) onto *o_io as wn_key_normalize would:
 * letters and digits lowered, any other byte a space kept only after a
 * word byte. *after_word_io tells whether the byte before a[lo] was a word
 * byte. Writes up to 16 bytes past *o_io, whatever it keeps. */
static inline void key_block(__m128i a, unsigned lo, unsigned hi, char **o_io,
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

/* The punctuation rules' checks at the line's end (punct.c's candidates):
 * a quote ends it, or a quote then a period. */
static bool quote_at_end(const unsigned char *u, size_t n)
{
	while (n > 0 && (u[n - 1] == ' ' || u[n - 1] == '\t'))
		n--;
	if (n < 2)
		return false;
	const unsigned char last = u[n - 1], prev = u[n - 2];
	return last == '"' || last == '\'' || (last == '.' && (prev == '"' || prev == '\''));
}
#endif

bool wn_plain_key(const char *p, size_t n, char *out, size_t *key_len_out)
{
#if defined(__SSE2__)
	const unsigned char *u = (const unsigned char *)p;
	char *o = out;
	unsigned after_word = 0;
	if (n == 0) {
		*key_len_out = 0;
		return true;
	}
	if (n < 16) {
		/* One block, padded with '0': no rule wakes on it, and the key
		 * leaves it out. */
		unsigned char pad[32];
		memset(pad, '0', sizeof(pad));
		memcpy(pad, p, n);
		const __m128i a = _mm_loadu_si128((const __m128i *)(const void *)pad);
		const __m128i b = _mm_loadu_si128((const __m128i *)(const void *)(pad + 1));
		if (_mm_movemask_epi8(not_plain(a, b)))
			return false;
		key_block(a, 0, (unsigned)n, &o, &after_word);
	} else {
		for (size_t i = 0; i < n; i += 16) {
			/* The last block overlaps the one before: it keys only
			 * the bytes not keyed yet. */
			const size_t at = i + 16 <= n ? i : n - 16;
			const __m128i a = _mm_loadu_si128((const __m128i *)(const void *)(u + at));
			const __m128i b = at + 17 <= n
					  ? _mm_loadu_si128((const __m128i *)(const void *)(u + at + 1))
					  : _mm_srli_si128(a, 1);
			if (_mm_movemask_epi8(not_plain(a, b)))
				return false;
			key_block(a, (unsigned)(i - at), 16, &o, &after_word);
		}
	}
	if (quote_at_end(u, n))
		return false;
	if (o > out && o[-1] == ' ')
		o--;
	*key_len_out = (size_t)(o - out);
	return true;
#else
	(void)p;
	(void)n;
	(void)out;
	(void)key_len_out;
	return false;
#endif
}
