/* wake.h - the punctuation rules' waking pairs, sixteen at a step (SSE2)
 * or thirty-two (AVX2, with the byte classes plain.c's AVX2 pass uses):
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


#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#define WN_WAKE_AVX2 1
#include <immintrin.h>

/* ---- AVX2 (chosen at run time: plain.c's wn_plain_path) ----------------
 * Each byte is classified by two 16-entry tables, one indexed by its low nibble and one
 * by its high nibble (pshufb), whose AND holds one bit per class; a class
 * is a set of bytes whose low and high nibbles may be chosen apart (a
 * product), so a class such as "a letter" takes two bits. A byte >= 0x80
 * gets no class (its high-nibble entry is 0). */
#define WN_AVX2 __attribute__((target("avx2")))

/* The first table pair: what the byte is, as the first of a pair, as a key
 * byte and as an entity's start. */
enum {
	WK_A_SPACE = 0x01,	 /* ' ' */
	WK_A_COMMA = 0x02,	 /* ',' */
	WK_A_COLON = 0x04,	 /* ':' ';' */
	WK_A_PERIOD = 0x08, /* '.' */
	WK_A_DIGIT = 0x10,	 /* 0x30..0x39 */
	WK_A_ALPHA1 = 0x20, /* 0x41..0x4F, 0x61..0x6F */
	WK_A_ALPHA2 = 0x40, /* 0x50..0x5A, 0x70..0x7A */
	WK_A_AMP = 0x80,	 /* '&' */
	WK_A_WORD = WK_A_DIGIT | WK_A_ALPHA1 | WK_A_ALPHA2,
};
/* The second pair: the other bytes the repairs act on. */
enum {
	WK_R_CTRL0 = 0x01, /* 0x00..0x08, 0x0A..0x0F: not TAB */
	WK_R_CTRL1 = 0x02, /* 0x10..0x1F */
	WK_R_DEL = 0x04,	/* 0x7F */
};
/* The third pair: what the byte is as the second of a pair, one bit for
 * each part of a rule's second bytes; each rule's first byte (the first
 * pair's WK_A_SPACE..WK_A_PERIOD, one at most) is spread over its parts through
 * first_parts. punct.c's pair_rules: a space before a space or a mark; a
 * comma before a comma, a letter (or a byte >= 0x80); ';' or ':' before a
 * letter (or >= 0x80); a period before a period, a capital (or >= 0x80).
 * The bytes >= 0x80 are checked apart. */
enum {
	WK_B_MARK1 = 0x01,	 /* ' ' '!' ',' '.': after a space */
	WK_B_MARK2 = 0x02,	 /* ':' ';' '?': after a space */
	WK_B_COMMA = 0x04,	 /* ',' after a comma */
	WK_B_ALPHA1 = 0x08, /* a letter 0x41..0x4F, 0x61..0x6F after a comma or colon */
	WK_B_ALPHA2 = 0x10, /* a letter 0x50..0x5A, 0x70..0x7A after a comma or colon */
	WK_B_PERIOD = 0x20, /* '.' after a period */
	WK_B_UPPER1 = 0x40, /* 'A'..'O' after a period */
	WK_B_UPPER2 = 0x80, /* 'P'..'Z' after a period */
};

#define T16(a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, aa, ab, ac, ad, ae, af)                       \
	_mm256_setr_epi8((char)(a0), (char)(a1), (char)(a2), (char)(a3), (char)(a4), (char)(a5),    \
			 (char)(a6), (char)(a7), (char)(a8), (char)(a9), (char)(aa), (char)(ab),    \
			 (char)(ac), (char)(ad), (char)(ae), (char)(af), (char)(a0), (char)(a1),    \
			 (char)(a2), (char)(a3), (char)(a4), (char)(a5), (char)(a6), (char)(a7),    \
			 (char)(a8), (char)(a9), (char)(aa), (char)(ab), (char)(ac), (char)(ad),    \
			 (char)(ae), (char)(af))

struct wn_wake_tables {
	__m256i a_lo, a_hi, r_lo, r_hi, b_lo, b_hi, first_parts, nibble;
};

static inline WN_AVX2 void wn_wake_tables_init(struct wn_wake_tables *tp)
{
	struct wn_wake_tables t;
	enum { D = WK_A_DIGIT, L1 = WK_A_ALPHA1, L2 = WK_A_ALPHA2 };
	t.a_lo = T16(WK_A_SPACE | D | L2, D | L1 | L2, D | L1 | L2, D | L1 | L2, D | L1 | L2,
		     D | L1 | L2, D | L1 | L2 | WK_A_AMP, D | L1 | L2, D | L1 | L2, D | L1 | L2,
		     WK_A_COLON | L1 | L2, WK_A_COLON | L1, WK_A_COMMA | L1, L1, WK_A_PERIOD | L1, L1);
	t.a_hi = T16(0, 0, WK_A_SPACE | WK_A_COMMA | WK_A_PERIOD | WK_A_AMP, WK_A_COLON | D, L1, L2,
		     L1, L2, 0, 0, 0, 0, 0, 0, 0, 0);
	enum { C = WK_R_CTRL0 | WK_R_CTRL1 };
	t.r_lo = T16(C, C, C, C, C, C, C, C, C, WK_R_CTRL1, C, C, C, C, C, C | WK_R_DEL);
	t.r_hi = T16(WK_R_CTRL0, WK_R_CTRL1, 0, 0, 0, 0, 0, WK_R_DEL, 0, 0, 0, 0, 0, 0, 0, 0);
	enum {
		M1 = WK_B_MARK1,
		M2 = WK_B_MARK2,
		B1 = WK_B_ALPHA1 | WK_B_UPPER1,
		B2 = WK_B_ALPHA2 | WK_B_UPPER2,
	};
	t.b_lo = T16(M1 | WK_B_ALPHA2 | WK_B_UPPER2, M1 | B1 | B2, B1 | B2, B1 | B2, B1 | B2, B1 | B2,
		     B1 | B2, B1 | B2, B1 | B2, B1 | B2, M2 | B1 | B2, M2 | B1, M1 | WK_B_COMMA | B1,
		     B1, M1 | WK_B_PERIOD | B1, M2 | B1);
	t.b_hi = T16(0, 0, M1 | WK_B_COMMA | WK_B_PERIOD, M2, B1, B2, WK_B_ALPHA1, WK_B_ALPHA2, 0, 0,
		     0, 0, 0, 0, 0, 0);
	/* Indexed by the first pair's WK_A_SPACE..WK_A_PERIOD bits (one at most). */
	enum { AL = WK_B_ALPHA1 | WK_B_ALPHA2 };
	t.first_parts = T16(0, M1 | M2, WK_B_COMMA | AL, 0, AL, 0, 0, 0,
			    WK_B_PERIOD | WK_B_UPPER1 | WK_B_UPPER2, 0, 0, 0, 0, 0, 0, 0);
	t.nibble = _mm256_set1_epi8(0x0F);
	*tp = t;
}

/* The class bits of each byte of x by the table pair (lo, hi). */
static inline WN_AVX2 __m256i wn_wake_classify(const struct wn_wake_tables *t, __m256i x,
					       __m256i lo, __m256i hi)
{
	const __m256i l = _mm256_and_si256(x, t->nibble);
	const __m256i h = _mm256_and_si256(_mm256_srli_epi16(x, 4), t->nibble);
	return _mm256_and_si256(_mm256_shuffle_epi8(lo, l), _mm256_shuffle_epi8(hi, h));
}

/* Not 0 where the pair (a[i], b[i]) wakes a rule, ca being a's first
 * classes (a_lo, a_hi): all but the bytes >= 0x80 after a mark, which
 * wn_wake_high tells. */
static inline WN_AVX2 __m256i wn_wake_parts(const struct wn_wake_tables *t, __m256i ca,
					    __m256i b)
{
	const __m256i first =
		_mm256_shuffle_epi8(t->first_parts, _mm256_and_si256(ca, _mm256_set1_epi8(0x0F)));
	return _mm256_and_si256(first, wn_wake_classify(t, b, t->b_lo, t->b_hi));
}

/* The bits of the pairs where b[i] >= 0x80 follows a comma, colon or period. */
static inline WN_AVX2 unsigned wn_wake_high(__m256i ca, __m256i b)
{
	const unsigned b_high = (unsigned)_mm256_movemask_epi8(b);
	if (!b_high)
		return 0;
	const __m256i mark = _mm256_cmpeq_epi8(
		_mm256_and_si256(ca, _mm256_set1_epi8(WK_A_COMMA | WK_A_COLON | WK_A_PERIOD)),
		_mm256_setzero_si256());
	return b_high & ~(unsigned)_mm256_movemask_epi8(mark);
}

/* The pairs at u[0..32) that wake a rule, one bit each (u[32] is read). */
static inline WN_AVX2 unsigned wn_wake_mask32(const struct wn_wake_tables *t,
					      const unsigned char *u)
{
	const __m256i a = _mm256_loadu_si256((const __m256i *)(const void *)u);
	const __m256i b = _mm256_loadu_si256((const __m256i *)(const void *)(u + 1));
	const __m256i ca = wn_wake_classify(t, a, t->a_lo, t->a_hi);
	const __m256i hit = _mm256_cmpeq_epi8(wn_wake_parts(t, ca, b), _mm256_setzero_si256());
	return ~(unsigned)_mm256_movemask_epi8(hit) | wn_wake_high(ca, b);
}

#endif

#endif
