/* plain.c - one pass over a line that most lines need and no more: it tells
 * whether the line is plain (nothing the repairs or the punctuation rules
 * could act on: ASCII, or with basic Cyrillic, CJK ideographs or lone
 * general punctuation such as curly quotes and dashes), and keys a plain
 * line in the same pass, straight from the input bytes. A plain line skips
 * both repair stages, their scans and any copy; every other line goes the
 * general way. */
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#include "wake.h"
#endif

#include "internal.h"

#if defined(__SSE2__)
/* Bytes that the repairs act on, among the sixteen of a: the controls but
 * TAB, DEL (the repairs' scan), '&' (entities). */
static inline __m128i repair_bytes(__m128i a)
{
	/* Unsigned: a <= 0x1F. */
	const __m128i ctrl = _mm_cmpeq_epi8(_mm_min_epu8(a, _mm_set1_epi8(0x1F)), a);
	const __m128i low = _mm_andnot_si128(_mm_cmpeq_epi8(a, _mm_set1_epi8('\t')), ctrl);
	const __m128i odd = _mm_or_si128(_mm_cmpeq_epi8(a, _mm_set1_epi8(0x7F)),
					 _mm_cmpeq_epi8(a, _mm_set1_epi8('&')));
	return _mm_or_si128(low, odd);
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
 * a quote ends it, or a quote then a period (0x9C and 0x98 end the curly
 * opening quotes). */
static bool quote_at_end(const unsigned char *u, size_t n)
{
	while (n > 0 && (u[n - 1] == ' ' || u[n - 1] == '\t'))
		n--;
	if (n < 2)
		return false;
	const unsigned char last = u[n - 1], prev = u[n - 2];
	const bool quote = last == '"' || last == '\'' || last == 0x9C || last == 0x98;
	return quote || (last == '.' && (prev == '"' || prev == '\'' || prev == 0x9C || prev == 0x98));
}

/* The bytes >= 0x80 at u[at + k] for each bit k of high, those from *done_io
 * on not checked yet: each must start a character that no repair touches
 * (repair.c's quick_needs): basic Cyrillic letters U+0410..U+044F and CJK
 * ideographs U+4E00..U+9FA5 (which set *letters_io: the block key does
 * not fold them), or general punctuation U+2010..U+2027, U+2030..U+205E
 * (dashes, quotes, bullets, primes; a separator in the key) with ASCII (or
 * the line's ends) on both sides, so no two characters form mojibake (sets
 * *punct_io). A line with both kinds is not plain: two letters side by side
 * and a character mojibake is made of ask for repair.c's closer look. */
static bool quiet_high(const unsigned char *u, size_t n, size_t at, unsigned high,
		       size_t *done_io, bool *letters_io, bool *punct_io)
{
	for (; high; high &= high - 1) {
		const size_t j = at + (unsigned)__builtin_ctz(high);
		if (j < *done_io)
			continue; /* a character's tail, or a byte seen in the last block */
		const unsigned lead = u[j];
		if (lead == 0xD0 || lead == 0xD1) {
			if (j + 2 > n)
				return false;
			const unsigned b1 = u[j + 1];
			if (lead == 0xD0 ? b1 < 0x90 || b1 > 0xBF : b1 < 0x80 || b1 > 0x8F)
				return false;
			*letters_io = true;
			*done_io = j + 2;
			continue;
		}
		if (j + 3 > n)
			return false;
		const unsigned b1 = u[j + 1], b2 = u[j + 2];
		if ((b1 & 0xC0) != 0x80 || (b2 & 0xC0) != 0x80)
			return false;
		const unsigned cp = (lead & 0x0F) << 12 | (b1 & 0x3F) << 6 | (b2 & 0x3F);
		if (lead >= 0xE4 && lead <= 0xE9) {
			if (cp < 0x4E00 || cp > 0x9FA5)
				return false;
			*letters_io = true;
		} else if (lead == 0xE2) {
			if (cp < 0x2010 || (cp >= 0x2028 && cp < 0x2030) || cp >= 0x205F ||
			    (j > 0 && u[j - 1] >= 0x80) || (j + 3 < n && u[j + 3] >= 0x80))
				return false;
			*punct_io = true;
		} else {
			return false;
		}
		*done_io = j + 3;
	}
	return true;
}
#endif

int wn_plain_key(const char *p, size_t n, bool other, char *out, size_t *key_len_out)
{
#if defined(__SSE2__)
	const unsigned char *u = (const unsigned char *)p;
	char *o = out;
	unsigned after_word = 0;
	unsigned any_high = 0;
	size_t done = 0;      /* bytes >= 0x80 before this are checked */
	bool letters = false; /* Cyrillic or CJK: the block key does not do */
	bool punct = false;   /* general punctuation */
	__m128i wake = _mm_setzero_si128(); /* pairs that wake a punctuation rule */
	if (n == 0) {
		*key_len_out = 0;
		return WN_PLAIN_ASCII;
	}
	if (n < 16) {
		/* One block, padded with '0': no rule wakes on it, and the key
		 * leaves it out. */
		unsigned char pad[32];
		memset(pad, '0', sizeof(pad));
		memcpy(pad, p, n);
		const __m128i a = _mm_loadu_si128((const __m128i *)(const void *)pad);
		const __m128i b = _mm_loadu_si128((const __m128i *)(const void *)(pad + 1));
		const unsigned high = (unsigned)_mm_movemask_epi8(a);
		if (_mm_movemask_epi8(repair_bytes(a)) ||
		    (high && (!other || !quiet_high(u, n, 0, high, &done, &letters, &punct))))
			return 0;
		wake = wn_wake_pairs(a, b);
		any_high = high;
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
			const unsigned high = (unsigned)_mm_movemask_epi8(a);
			if (_mm_movemask_epi8(repair_bytes(a)) ||
			    (high && (!other || !quiet_high(u, n, at, high, &done, &letters, &punct))))
				return 0;
			wake = _mm_or_si128(wake, wn_wake_pairs(a, b));
			any_high |= high;
			key_block(a, (unsigned)(i - at), 16, &o, &after_word);
		}
	}
	if (letters && punct)
		return 0;
	const int kind = (any_high ? WN_PLAIN_OTHER : WN_PLAIN_ASCII) |
			 (_mm_movemask_epi8(wake) || quote_at_end(u, n) ? WN_PLAIN_PUNCT : 0);
	if (letters) {
		*key_len_out = wn_key_normalize(p, n, out, 3 * n + WN_PLAIN_SLACK);
		return kind;
	}
	if (o > out && o[-1] == ' ')
		o--;
	*key_len_out = (size_t)(o - out);
	return kind;
#else
	(void)p;
	(void)n;
	(void)other;
	(void)out;
	(void)key_len_out;
	return 0;
#endif
}
