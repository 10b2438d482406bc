/* plain.c - one pass over a line that most lines need and no more: it tells
 * whether the line is plain (nothing the repairs or the punctuation rules
 * could act on: ASCII, or with basic Cyrillic, CJK ideographs, lone
 * Latin-1 letters or lone punctuation and signs such as curly quotes,
 * dashes and ©), and keys a plain line in the same pass, straight from the
 * input bytes. A plain line skips both repair stages, their scans and any
 * copy; every other line goes the general way. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#include "keyblock.h"
#include "wake.h"
#endif

#include "internal.h"

#if defined(__SSE2__)
/* The bits of the bytes that the repairs act on, among the sixteen of a
 * (b: a moved on by one byte): the controls but TAB, DEL (the repairs'
 * scan), and an '&' that may start a character reference, i.e. before an
 * ASCII letter or '#' (entities.c decodes nothing else: the '&' of "Tom &
 * Jerry", "&&" or "&1" leaves the line plain; that of "R&D" does not).
 * The byte after an '&' is looked at only in a block that has one. */
static inline unsigned repair_mask(__m128i a, __m128i b)
{
	/* Unsigned: a <= 0x1F. */
	const __m128i ctrl = _mm_cmpeq_epi8(_mm_min_epu8(a, _mm_set1_epi8(0x1F)), a);
	const __m128i low = _mm_andnot_si128(_mm_cmpeq_epi8(a, _mm_set1_epi8('\t')), ctrl);
	const __m128i odd = _mm_or_si128(low, _mm_cmpeq_epi8(a, _mm_set1_epi8(0x7F)));
	const __m128i amp = _mm_cmpeq_epi8(a, _mm_set1_epi8('&'));
	if (!_mm_movemask_epi8(_mm_or_si128(odd, amp)))
		return 0;
	const __m128i d = _mm_sub_epi8(_mm_or_si128(b, _mm_set1_epi8(0x20)), _mm_set1_epi8('a'));
	const __m128i ref = _mm_or_si128(_mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(25)), d),
					 _mm_cmpeq_epi8(b, _mm_set1_epi8('#')));
	return (unsigned)_mm_movemask_epi8(_mm_or_si128(odd, _mm_and_si128(amp, ref)));
}

/* The punctuation rules' checks at the line's end (punct.c's candidates):
 * a quote ends it, or a quote then a period (0x9C and 0x98 end the curly
 * opening quotes). */
static bool quote_at_end(const unsigned char *u, size_t n)
{
	/* Most lines end in a byte that is none of these: no walk. */
	if (n == 0)
		return false;
	const unsigned char end = u[n - 1];
	if (end != '"' && end != '\'' && end != '.' && end != ' ' && end != '\t' && end != 0x9C &&
	    end != 0x98)
		return false;
	while (n > 0 && (u[n - 1] == ' ' || u[n - 1] == '\t'))
		n--;
	if (n < 2)
		return false;
	const unsigned char last = u[n - 1], prev = u[n - 2];
	const bool quote = last == '"' || last == '\'' || last == 0x9C || last == 0x98;
	return quote || (last == '.' && (prev == '"' || prev == '\'' || prev == 0x9C || prev == 0x98));
}

/* The bits of high (bit k for byte at + k) from byte done on. */
static inline unsigned bits_from(unsigned high, size_t at, size_t done)
{
	if (done <= at)
		return high;
	return done - at >= 32 ? 0 : high & (~0u << (done - at));
}

/* The kinds of characters >= 0x80 a plain line may hold, one kind a line:
 * in a line with two, two letters side by side and a character mojibake is
 * made of would ask for repair.c's closer look. */
enum {
	KIND_CC = 1,     /* basic Cyrillic letters, CJK ideographs: word bytes */
	KIND_LATIN = 2,  /* Latin-1 letters, each between ASCII: word bytes */
	KIND_PUNCT = 4,  /* general punctuation and Latin-1 signs, each between
			  * ASCII: separators */
};
#define KIND_LETTERS (KIND_CC | KIND_LATIN)

/* Bit k for U+00A0 + k: ¡ ¢ £ ¤ ¥ ¦ § ¨ © « ¬ ® ¯ ° ± ´ ¶ · ¸ » ¿, not NBSP
 * (a space to the repairs), the soft hyphen, nor ª ² ³ µ ¹ º ¼ ½ ¾ (word
 * characters of the key, µ folded to μ). */
#define LATIN1_SIGNS 0x89D3DBFEu

/* The bytes >= 0x80 at u[at + k] for each bit k of high, those from *done_io
 * on not checked yet: each must start a character that no repair touches
 * (repair.c's quick_needs), and sets its kind in *kinds_io: basic Cyrillic
 * letters U+0410..U+044F and CJK ideographs U+4E00..U+9FA5 (KIND_CC: the
 * block key does not fold them); Latin-1 letters U+00C0..U+00FF but for
 * the signs U+00D7 and U+00F7, U+00DF (its key is "ss") and U+00C2 and
 * U+00C3 (the leads of mojibake: "Ã " asks for a closer look), with ASCII
 * (or the line's ends) on both sides (KIND_LATIN); or general punctuation
 * U+2010..U+2027, U+2030..U+205E (dashes, quotes, bullets, primes) and the
 * Latin-1 signs that are no letter or number (LATIN1_SIGNS), each a
 * separator in the key, with ASCII on both sides too (KIND_PUNCT). A
 * character between ASCII bytes forms no mojibake with its neighbours:
 * what a single-byte charset makes of UTF-8 is two characters or more. */
static bool quiet_high(const unsigned char *u, size_t n, size_t at, unsigned high,
		       size_t *done_io, unsigned *kinds_io)
{
	/* Each step takes the next lead byte: the bits before *done_io are a
	 * character's tail, or bytes seen in the last block. */
	for (high = bits_from(high, at, *done_io); high; high = bits_from(high, at, *done_io)) {
		const size_t j = at + (unsigned)__builtin_ctz(high);
		const unsigned lead = u[j];
		if (lead == 0xD0 || lead == 0xD1) {
			if (j + 2 > n)
				return false;
			const unsigned b1 = u[j + 1];
			if (lead == 0xD0 ? b1 < 0x90 || b1 > 0xBF : b1 < 0x80 || b1 > 0x8F)
				return false;
			*kinds_io |= KIND_CC;
			*done_io = j + 2;
			continue;
		}
		if (lead == 0xC2 || lead == 0xC3) {
			if (j + 2 > n)
				return false;
			const unsigned b1 = u[j + 1];
			const bool ok = lead == 0xC2 ? b1 >= 0xA0 && b1 <= 0xBF &&
							       (LATIN1_SIGNS >> (b1 - 0xA0) & 1)
						     : b1 >= 0x80 && b1 <= 0xBF && b1 != 0x82 &&
							       b1 != 0x83 && b1 != 0x97 && b1 != 0x9F &&
							       b1 != 0xB7;
			if (!ok || (j > 0 && u[j - 1] >= 0x80) || (j + 2 < n && u[j + 2] >= 0x80))
				return false;
			*kinds_io |= lead == 0xC2 ? KIND_PUNCT : KIND_LATIN;
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
			*kinds_io |= KIND_CC;
		} else if (lead == 0xE2) {
			if (cp < 0x2010 || (cp >= 0x2028 && cp < 0x2030) || cp >= 0x205F ||
			    (j > 0 && u[j - 1] >= 0x80) || (j + 3 < n && u[j + 3] >= 0x80))
				return false;
			*kinds_io |= KIND_PUNCT;
		} else {
			return false;
		}
		*done_io = j + 3;
	}
	return true;
}
#endif

/* Not inlined: wn_plain_key stays a bare jump to the pass it runs. */
static __attribute__((noinline)) int plain_sse2(const char *p, size_t n, bool other, char *out,
						size_t *key_len_out)
{
#if defined(__SSE2__)
	const unsigned char *u = (const unsigned char *)p;
	char *o = out;
	unsigned after_word = 0;
	unsigned any_high = 0;
	size_t done = 0;      /* bytes >= 0x80 before this are checked */
	unsigned kinds = 0;   /* KIND_*: KIND_LETTERS the block key does not do */
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
		if (repair_mask(a, b) ||
		    (high && (!other || !quiet_high(u, n, 0, high, &done, &kinds))))
			return 0;
		wake = wn_wake_pairs(a, b);
		any_high = high;
		wn_key_block(a, 0, (unsigned)n, &o, &after_word);
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
			if (repair_mask(a, b) ||
			    (high && (!other || !quiet_high(u, n, at, high, &done, &kinds))))
				return 0;
			wake = _mm_or_si128(wake, wn_wake_pairs(a, b));
			any_high |= high;
			wn_key_block(a, (unsigned)(i - at), 16, &o, &after_word);
		}
	}
	if (kinds & (kinds - 1))
		return 0;
	const int kind = (any_high ? WN_PLAIN_OTHER : WN_PLAIN_ASCII) |
			 (_mm_movemask_epi8(wake) || quote_at_end(u, n) ? WN_PLAIN_PUNCT : 0);
	if (kinds & KIND_LETTERS) {
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

#if defined(__SSE2__) && defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#define WN_PLAIN_AVX2 1

/* The AVX2 pass: the same answer and key, 32 bytes a step, its byte
 * classes by the nibble tables of wake.h. */
#define AVX2 WN_AVX2
typedef struct wn_wake_tables tables_t;

/* 0xFF where lo <= x <= lo + len - 1, unsigned. */
static inline AVX2 __m256i in_range(__m256i x, unsigned char lo, unsigned char len)
{
	const __m256i d = _mm256_sub_epi8(x, _mm256_set1_epi8((char)lo));
	return _mm256_cmpeq_epi8(_mm256_min_epu8(d, _mm256_set1_epi8((char)(len - 1))), d);
}

/* a with the basic Cyrillic capitals (U+0410..U+042F) and the Latin-1
 * ones (U+00C0..U+00DE) made small as wn_key_normalize makes them
 * (U+0430..U+044F, U+00E0..U+00FE); prev is a moved back by one byte, b on
 * by one. Other bytes stay. */
static inline AVX2 __m256i letters_small(__m256i a, __m256i prev, __m256i b)
{
	const __m256i d0 = _mm256_set1_epi8((char)0xD0);
	/* D0 A0..AF (U+0420..U+042F) become D1 80..8F; D0 90..9F become D0 B0..BF. */
	const __m256i lead = _mm256_and_si256(_mm256_cmpeq_epi8(a, d0), in_range(b, 0xA0, 16));
	const __m256i after = _mm256_cmpeq_epi8(prev, d0);
	const __m256i up = _mm256_and_si256(after, in_range(a, 0x90, 16));
	const __m256i down = _mm256_and_si256(after, in_range(a, 0xA0, 16));
	const __m256i x20 = _mm256_set1_epi8(0x20);
	/* C3 80..9E become C3 A0..BE (C3 97 is no plain line's). */
	const __m256i latin = _mm256_and_si256(_mm256_cmpeq_epi8(prev, _mm256_set1_epi8((char)0xC3)),
					       in_range(a, 0x80, 31));
	a = _mm256_sub_epi8(a, lead); /* lead is -1 where it applies */
	a = _mm256_add_epi8(a, _mm256_and_si256(_mm256_or_si256(up, latin), x20));
	return _mm256_sub_epi8(a, _mm256_and_si256(down, x20));
}

/* Whether the bytes >= 0x80 of the 32 at u[at] (high: their bits; a, b as
 * in step_avx2) from *done_io on are all basic Cyrillic letters, each a
 * lead D0 or D1 with its second byte in range (quiet_high's test, 32 bytes
 * at once); if so moves *done_io past them and sets KIND_CC in *kinds_io
 * if there was one. */
static inline AVX2 bool cyrillic_only(__m256i a, __m256i b, size_t at, unsigned high,
				      size_t *done_io, unsigned *kinds_io)
{
	const __m256i lead = _mm256_or_si256(
		_mm256_and_si256(_mm256_cmpeq_epi8(a, _mm256_set1_epi8((char)0xD0)),
				 in_range(b, 0x90, 48)),
		_mm256_and_si256(_mm256_cmpeq_epi8(a, _mm256_set1_epi8((char)0xD1)),
				 in_range(b, 0x80, 16)));
	const unsigned l = (unsigned)_mm256_movemask_epi8(lead);
	/* Bytes before *done_io were checked with the blocks before. */
	const size_t seen = *done_io > at ? *done_io - at : 0;
	const unsigned fresh = seen >= 32 ? 0 : 0xFFFFFFFFu << seen;
	if ((high & fresh) != ((l | l << 1) & fresh))
		return false;
	*kinds_io |= (high & fresh) ? KIND_CC : 0;
	const size_t done = at + 32 + (l >> 31);
	if (done > *done_io)
		*done_io = done;
	return true;
}

/* One step over the 32 bytes a (b: a moved on by one byte): false when a
 * byte rules the line out. Keys the bytes lo..32 of a onto *o_io as
 * key_block does (writes up to 32 bytes past it), and ors into *wake_io
 * the pairs that wake a punctuation rule. */
static inline AVX2 bool step_avx2(const tables_t *t, __m256i a, __m256i b, unsigned lo,
				  unsigned hi, char **o_io, unsigned *after_word_io,
				  __m256i *wake_io, unsigned *b_high_io, unsigned letters,
				  __m256i prev)
{
	const __m256i zero = _mm256_setzero_si256();
	const __m256i l = _mm256_and_si256(a, t->nibble);
	const __m256i h = _mm256_and_si256(_mm256_srli_epi16(a, 4), t->nibble);
	const __m256i ca = _mm256_and_si256(_mm256_shuffle_epi8(t->a_lo, l),
					    _mm256_shuffle_epi8(t->a_hi, h));
	const __m256i cr = _mm256_and_si256(_mm256_shuffle_epi8(t->r_lo, l),
					    _mm256_shuffle_epi8(t->r_hi, h));
	const __m256i amp = _mm256_and_si256(ca, _mm256_set1_epi8((char)WK_A_AMP));
	if (!_mm256_testz_si256(_mm256_or_si256(cr, amp), _mm256_set1_epi8(-1))) {
		/* A control or DEL, or an '&': only one before an ASCII letter
		 * or '#' may start a reference (repair_mask). */
		const __m256i d = _mm256_sub_epi8(_mm256_or_si256(b, _mm256_set1_epi8(0x20)),
						  _mm256_set1_epi8('a'));
		const __m256i ref =
			_mm256_or_si256(_mm256_cmpeq_epi8(_mm256_min_epu8(d, _mm256_set1_epi8(25)), d),
					_mm256_cmpeq_epi8(b, _mm256_set1_epi8('#')));
		if (!_mm256_testz_si256(cr, cr) || !_mm256_testz_si256(amp, ref))
			return false;
	}
	/* The pairs: the first byte's rule spread over its parts, and the
	 * parts the second byte is in. */
	*wake_io = _mm256_or_si256(*wake_io, wn_wake_parts(t, ca, b));
	/* A byte >= 0x80 after a comma, colon or period. */
	*b_high_io |= wn_wake_high(ca, b);
	/* The key, as wn_key_block. */
	const __m256i not_word = _mm256_cmpeq_epi8(_mm256_and_si256(ca, _mm256_set1_epi8(WK_A_WORD)),
						   zero);
	__m256i k = _mm256_or_si256(_mm256_andnot_si256(not_word, a), _mm256_set1_epi8(0x20));
	unsigned w = ~(unsigned)_mm256_movemask_epi8(not_word);
	if (letters) {
		/* Letters: every byte >= 0x80 is a word byte, kept as it is
		 * but for the capitals. */
		k = _mm256_blendv_epi8(k, letters_small(a, prev, b), a);
		w |= letters;
	}
	const unsigned valid = (0xFFFFFFFFu >> (32 - (hi - lo))) << lo;
	const unsigned keep = (w | (w << 1) | *after_word_io) & valid;
	*after_word_io = w >> (hi - 1) & 1;
	char *o = *o_io;
	if (keep == 0xFFFFFFFFu) {
		_mm256_storeu_si256((__m256i *)(void *)o, k);
		*o_io = o + 32;
		return true;
	}
	unsigned char tmp[64];
	_mm256_storeu_si256((__m256i *)(void *)tmp, k);
	for (unsigned m = keep; m;) {
		/* The lowest run of kept bytes: adding its lowest bit carries
		 * through it. */
		const unsigned s = (unsigned)__builtin_ctz(m);
		const unsigned next = m & (m + (m & (0u - m)));
		_mm256_storeu_si256((__m256i *)(void *)o,
				    _mm256_loadu_si256((const __m256i *)(const void *)(tmp + s)));
		o += __builtin_popcount(m ^ next);
		m = next;
	}
	*o_io = o;
	return true;
}

/* a moved on by one byte across both lanes, a zero byte shifted in. */
static inline AVX2 __m256i next_bytes(__m256i a)
{
	return _mm256_alignr_epi8(_mm256_permute2x128_si256(a, a, 0x81), a, 1);
}

/* a moved back by one byte, a zero byte shifted in. */
static inline AVX2 __m256i prev_bytes(__m256i a)
{
	return _mm256_alignr_epi8(a, _mm256_permute2x128_si256(a, a, 0x08), 15);
}

/* The checks of the bytes >= 0x80 (high: their bits) of the 32 at u[at]:
 * false when one rules the line out. Returns in *word_io the bits of those
 * that are word bytes of the key (all of them once the line holds letters;
 * general punctuation is a separator, and a line with both is not plain). */
static inline AVX2 bool check_high(const unsigned char *u, size_t n, size_t at, unsigned high,
				   __m256i a, __m256i b, size_t *done_io, unsigned *kinds_io,
				   unsigned *word_io)
{
	if (!cyrillic_only(a, b, at, high, done_io, kinds_io) &&
	    !quiet_high(u, n, at, high, done_io, kinds_io))
		return false;
	*word_io = *kinds_io & KIND_LETTERS ? high : 0;
	return true;
}

static AVX2 int plain_avx2(const char *p, size_t n, bool other, char *out, size_t *key_len_out)
{
	const unsigned char *u = (const unsigned char *)p;
	tables_t t;
	wn_wake_tables_init(&t);
	char *o = out;
	unsigned after_word = 0, any_high = 0, wake_high = 0;
	size_t done = 0;
	unsigned kinds = 0;
	__m256i wake = _mm256_setzero_si256();
	if (n == 0) {
		*key_len_out = 0;
		return WN_PLAIN_ASCII;
	}
	if (n < 32) {
		/* One block, padded with '0' as in the SSE2 pass. */
		unsigned char pad[64];
		memset(pad, '0', sizeof(pad));
		memcpy(pad, p, n);
		const __m256i a = _mm256_loadu_si256((const __m256i *)(const void *)pad);
		const __m256i b = _mm256_loadu_si256((const __m256i *)(const void *)(pad + 1));
		const unsigned high = (unsigned)_mm256_movemask_epi8(a);
		unsigned word_high = 0;
		if (high && (!other || !check_high(u, n, 0, high, a, b, &done, &kinds,
						   &word_high)))
			return 0;
		if (!step_avx2(&t, a, b, 0, (unsigned)n, &o, &after_word, &wake, &wake_high,
			       word_high, prev_bytes(a)))
			return 0;
		any_high = high;
	} else {
		for (size_t i = 0; i < n; i += 32) {
			const size_t at = i + 32 <= n ? i : n - 32;
			const __m256i a = _mm256_loadu_si256((const __m256i *)(const void *)(u + at));
			const __m256i b =
				at + 33 <= n
					? _mm256_loadu_si256((const __m256i *)(const void *)(u + at + 1))
					: next_bytes(a);
			const unsigned high = (unsigned)_mm256_movemask_epi8(a);
			unsigned word_high = 0;
			if (high && (!other || !check_high(u, n, at, high, a, b, &done, &kinds,
							   &word_high)))
				return 0;
			const __m256i prev =
				!word_high ? a
				: at > 0
					? _mm256_loadu_si256((const __m256i *)(const void *)(u + at - 1))
					: prev_bytes(a);
			if (!step_avx2(&t, a, b, (unsigned)(i - at), 32, &o, &after_word, &wake,
				       &wake_high, word_high, prev))
				return 0;
			any_high |= high;
		}
	}
	if (kinds & (kinds - 1))
		return 0;
	const int kind = (any_high ? WN_PLAIN_OTHER : WN_PLAIN_ASCII) |
			 (!_mm256_testz_si256(wake, wake) || wake_high || quote_at_end(u, n)
				  ? WN_PLAIN_PUNCT
				  : 0);
	if (o > out && o[-1] == ' ')
		o--;
	*key_len_out = (size_t)(o - out);
	return kind;
}
#endif

/* Which pass: 0 not chosen yet, else a WN_PLAIN_PATH_* (internal.h). */
static _Atomic int plain_path;

static int plain_choose(void)
{
	int path = WN_PLAIN_PATH_SSE2;
#if defined(WN_PLAIN_AVX2)
	const char *want = getenv("WINNOW_SIMD");
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx2") && !(want && strcmp(want, "sse2") == 0))
		path = WN_PLAIN_PATH_AVX2;
#endif
	atomic_store_explicit(&plain_path, path, memory_order_relaxed);
	return path;
}

int wn_plain_path(void)
{
	const int path = atomic_load_explicit(&plain_path, memory_order_relaxed);
	return path ? path : plain_choose();
}

int wn_plain_use(int path)
{
	if (path == WN_PLAIN_PATH_AUTO)
		return plain_choose();
#if defined(WN_PLAIN_AVX2)
	__builtin_cpu_init();
	if (path == WN_PLAIN_PATH_AVX2 && !__builtin_cpu_supports("avx2"))
		path = WN_PLAIN_PATH_SSE2;
#else
	path = WN_PLAIN_PATH_SSE2;
#endif
	atomic_store_explicit(&plain_path, path, memory_order_relaxed);
	return path;
}

int wn_plain_key(const char *p, size_t n, bool other, char *out, size_t *key_len_out)
{
#if defined(WN_PLAIN_AVX2)
	int path = atomic_load_explicit(&plain_path, memory_order_relaxed);
	if (path == 0)
		path = plain_choose();
	if (path == WN_PLAIN_PATH_AVX2)
		return plain_avx2(p, n, other, out, key_len_out);
#endif
	return plain_sse2(p, n, other, out, key_len_out);
}
