/* mojibake.c - repairs UTF-8 text that was decoded with a single-byte
 * charset ("cafÃ©" for "café"), in the manner of ftfy: find sequences that
 * mis-decoding makes and real text seldom has, re-encode with the charset,
 * decode as UTF-8, and keep the result only when it is valid and strictly
 * less suspicious than what it replaces. */
#include <string.h>
#include <utf8proc.h>

#include "internal.h"

#define WILD 256     /* a unit for U+FFFD: a byte the first decoder lost */
#define NONE (-1)    /* a character the charset cannot encode */
#define MAX_ROUNDS 4 /* text can be mis-decoded several times over */
#define CONTEXT 3    /* characters either side of a run that a rule can see */

/* What part a character plays in mojibake, as bits. */
enum {
	K_C1 = 1 << 0,      /* U+0080..U+009F: also classed as Windows-1252 reads it */
	K_UP = 1 << 1,      /* capital letter with a diacritic */
	K_LO = 1 << 2,      /* small letter with a diacritic */
	K_KAO = 1 << 3,     /* Ò..Ö Ù..Û ò..ö ø..ü: common in emoticons, weak evidence */
	K_BAD = 1 << 4,     /* symbols seldom seen outside mojibake: ¤ ¦ ¨ ¬ ¯ ƒ † ‰ ◊ � */
	K_CUR = 1 << 5,     /* ¢ £ ¥ € */
	K_NUM = 1 << 6,     /* ± ² ³ ¹ ¼ ½ ¾ µ × ÷ and the math signs of Mac OS Roman */
	K_LAW = 1 << 7,     /* § ¶ */
	K_OPEN = 1 << 8,    /* ¡ ¿ « © ‘ ‚ “ „ • ‹ */
	K_CLOSE = 1 << 9,   /* ® » ” › ™ */
	K_BOX = 1 << 10,    /* box drawing and blocks: code page 437 */
	K_COMMON = 1 << 11, /* NBSP, soft hyphen, · ´ – — ― … ’: common after a letter */
	K_CONT = 1 << 12,   /* what Windows-1252 makes of a UTF-8 continuation byte */
	K_CYR = 1 << 13,    /* a Cyrillic letter Windows-1251 makes of a continuation byte */
};
#define K_ACC (K_UP | K_LO)
#define K_SYM (K_BAD | K_CUR | K_NUM | K_LAW | K_OPEN | K_CLOSE | K_BOX)

/* U+00A0..U+00BF: every one is a continuation byte in Windows-1252. */
static const uint16_t latin1_symbols[32] = {
	K_COMMON, K_OPEN, K_CUR, K_CUR, K_BAD, K_CUR, K_BAD, K_LAW,    /* NBSP ¡ ¢ £ ¤ ¥ ¦ § */
	K_BAD, K_OPEN, K_BAD, K_OPEN, K_BAD, K_COMMON, K_CLOSE, K_BAD, /* ¨ © ª « ¬ SHY ® ¯ */
	0, K_NUM, K_NUM, K_NUM, K_COMMON, K_NUM, K_LAW, K_COMMON,      /* ° ± ² ³ ´ µ ¶ · */
	K_BAD, K_NUM, K_BAD, K_CLOSE, K_NUM, K_NUM, K_NUM, K_OPEN,     /* ¸ ¹ º » ¼ ½ ¾ ¿ */
};

static unsigned latin1_letter_class(int32_t cp)
{
	if (cp == 0xD7 || cp == 0xF7)
		return K_NUM;
	if ((cp >= 0xD2 && cp <= 0xD6) || (cp >= 0xD9 && cp <= 0xDB) ||
	    (cp >= 0xF2 && cp <= 0xF6) || (cp >= 0xF8 && cp <= 0xFC))
		return K_KAO;
	return cp < 0xDF ? K_UP : K_LO;
}

static unsigned punctuation_class(int32_t cp)
{
	switch (cp) {
	case 0x2013: case 0x2014: case 0x2019: case 0x2026: /* – — ’ … */
		return K_COMMON | K_CONT;
	case 0x2015:                                        /* ― */
		return K_COMMON;
	case 0x2018: case 0x201A: case 0x201C: case 0x201E: case 0x2022: case 0x2039:
		return K_OPEN | K_CONT;                     /* ‘ ‚ “ „ • ‹ */
	case 0x201D: case 0x203A: case 0x2122:              /* ” › ™ */
		return K_CLOSE | K_CONT;
	case 0x2020: case 0x2021: case 0x2030:              /* † ‡ ‰ */
		return K_BAD | K_CONT;
	case 0x20AC:                                        /* € */
		return K_CUR | K_CONT;
	case 0x20A7:                                        /* ₧ */
		return K_CUR;
	case 0x2044: case 0x2116: case 0x2202: case 0x2206: case 0x220F: case 0x2211:
	case 0x221A: case 0x221E: case 0x2229: case 0x222B: case 0x2248: case 0x2260:
	case 0x2261: case 0x2264: case 0x2265:              /* ⁄ № ∂ ∆ ∏ ∑ √ ∞ ∩ ∫ ≈ ≠ ≡ ≤ ≥ */
		return K_NUM;
	case 0x2310: case 0x25CA:                           /* ⌐ ◊ */
		return K_BAD;
	default:
		return cp >= 0x2500 && cp <= 0x25A0 ? K_BOX : 0;
	}
}

/* The Cyrillic letters of Windows-1251 bytes 0x80..0xBF. */
static bool is_1251_cont_letter(int32_t cp)
{
	switch (cp) {
	case 0x0401: case 0x0402: case 0x0403: case 0x0404: case 0x0405: case 0x0406:
	case 0x0407: case 0x0408: case 0x0409: case 0x040A: case 0x040B: case 0x040C:
	case 0x040E: case 0x040F: case 0x0451: case 0x0452: case 0x0453: case 0x0454:
	case 0x0455: case 0x0456: case 0x0457: case 0x0458: case 0x0459: case 0x045A:
	case 0x045B: case 0x045C: case 0x045E: case 0x045F: case 0x0490: case 0x0491:
		return true;
	default:
		return false;
	}
}

static unsigned char_class(int32_t cp)
{
	if (cp < 0x80)
		return 0;
	if (cp < 0xA0) { /* a C1 control is suspicious as itself and as what it stands for */
		const int32_t w = wn_charset_hi[WN_CS_1252][cp - 0x80];
		return K_C1 | K_CONT | (w != cp ? char_class(w) : 0);
	}
	if (cp < 0xC0)
		return latin1_symbols[cp - 0xA0] | K_CONT;
	if (cp < 0x100)
		return latin1_letter_class(cp);
	if (cp < 0x180) {
		const unsigned k = utf8proc_category(cp) == UTF8PROC_CATEGORY_LU ? K_UP : K_LO;
		const bool in_1252 = cp == 0x152 || cp == 0x153 || cp == 0x160 || cp == 0x161 ||
				     cp == 0x178 || cp == 0x17D || cp == 0x17E;
		return in_1252 ? k | K_CONT : k;
	}
	if (cp >= 0x400 && cp < 0x500)
		return is_1251_cont_letter(cp) ? K_CYR : 0;
	if (cp >= 0x2000 && cp < 0x2600)
		return punctuation_class(cp);
	switch (cp) {
	case 0x0192: case 0x02C6: case 0x02DC:   /* ƒ ˆ ˜ */
		return K_BAD | K_CONT;
	case 0x02C7: case 0x02D8: case 0x02D9: case 0x02DB: case 0xFFFD: /* ˇ ˘ ˙ ˛ � */
		return K_BAD;
	case 0x02DD: /* ˝ */
		return K_CLOSE;
	case 0x0384: case 0x0385: case 0xF8FF: /* ΄ ΅ and Mac OS Roman's Apple logo */
		return K_OPEN;
	default:
		return 0;
	}
}

static bool is_ascii_letter(int32_t cp)
{
	return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
}

static bool is_letter(int32_t cp)
{
	if (cp < 0x80)
		return is_ascii_letter(cp);
	const utf8proc_category_t c = utf8proc_category(cp);
	return c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_LO;
}

static bool is_one_of(int32_t cp, const int32_t *set, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (set[i] == cp)
			return true;
	return false;
}

#define ONE_OF(cp, ...) \
	is_one_of(cp, (const int32_t[]){ __VA_ARGS__ }, sizeof((const int32_t[]){ __VA_ARGS__ }) / sizeof(int32_t))

/* Two characters side by side as mis-decoding makes them. */
static bool pair_suspicious(int32_t a, unsigned ka, int32_t b, unsigned kb)
{
	if ((ka & (K_ACC | K_KAO | K_SYM)) && (kb & K_BAD))
		return true;
	if ((ka & K_BAD) && (kb & (K_ACC | K_SYM)))
		return true;
	if ((ka & (K_UP | K_BOX)) && (kb & (K_NUM | K_LAW)))
		return true;
	if ((ka & (K_LO | K_CLOSE | K_CUR | K_NUM | K_BOX)) && (kb & K_UP))
		return true;
	if ((ka & (K_CLOSE | K_CUR | K_NUM | K_BOX)) && (kb & K_LO))
		return true;
	if ((ka & (K_LO | K_CLOSE | K_BOX)) && (kb & K_CUR))
		return true;
	if ((ka & (K_CUR | K_NUM | K_BOX)) && (kb & K_OPEN))
		return true;
	if (((ka & K_BOX) && (kb & (K_ACC | K_KAO))) ||
	    ((ka & (K_ACC | K_KAO | K_CUR | K_NUM | K_OPEN | K_CLOSE | K_LAW)) && (kb & K_BOX)))
		return true;
	if ((a == 0x152 || a == 0x153) && !is_ascii_letter(b)) /* Œ œ outside a word */
		return true;
	/* Â and Ã lead the UTF-8 of U+0080..U+00FF: followed by what a
	 * continuation byte becomes, they are mojibake unless it is punctuation
	 * a word can end with (IRMÃ”, Ã’s) or å (too often real: DrÃ¥ber). */
	if ((a == 0xC2 || a == 0xC3) && (kb & K_CONT) && !ONE_OF(b, 0x2026, 0x2019, 0x201D, 0xA5))
		return true;
	/* Ø and Ù lead most of Arabic. */
	if ((a == 0xD8 || a == 0xD9) && (kb & K_CONT) &&
	    !ONE_OF(b, 0x2026, 0x2019, 0x201D, 0xA5, 0x2122, 0xBB, 0x203A))
		return true;
	if ((ka & K_UP) && b == 0xB0) /* Ã° */
		return true;
	if (a == 0xD7 && (b == 0xB2 || b == 0xB3)) /* ×² */
		return true;
	/* Mac OS Roman reads the lead bytes C3 and C5 as √ and ≈. */
	if (a == 0x221A && ONE_OF(b, 0xB1, 0x2202, 0x2020, 0x2260, 0xAE, 0x2122, 0xB4, 0x2264,
				  0x2265, 0xA5, 0xB5, 0xF8))
		return true;
	if (a == 0x2248 && (b == 0xB0 || b == 0xA2))
		return true;
	return a == 0x432 && b == 0x402; /* вЂ: Windows-1251 for E2 80, U+2000.. */
}

static bool is_1251_lead(int32_t cp) /* В Г Р С: bytes C2 C3 D0 D1 */
{
	return cp == 0x412 || cp == 0x413 || cp == 0x420 || cp == 0x421;
}

/* The weight of the suspicious patterns that end at cp[i]; cp[0] is the
 * start of the line when at_start. */
static unsigned suspicion_at(const int32_t *cp, size_t i, const unsigned *k, bool at_start)
{
	const int32_t c = cp[i];
	if (k[i] & K_C1)
		return 1;
	if (i == 0)
		return 0;
	const int32_t b = cp[i - 1];
	if (pair_suspicious(b, k[i - 1], c, k[i]))
		return 1;
	/* An accented letter, then a quotation mark or © inside a word: Ã©s. */
	if (i >= 2 && (k[i - 2] & K_ACC) && (k[i - 1] & (K_OPEN | K_CLOSE)) && is_letter(c))
		return 1;
	/* Windows-1251 of UTF-8 Latin-1 or Cyrillic: Г‚В. Weighs two, so that
	 * "Г‚ВЈ" scores above the "Â£" it decodes to. */
	if (i >= 2 && is_1251_lead(cp[i - 2]) && is_1251_lead(c) &&
	    ((k[i - 1] & (K_C1 | K_BAD | K_OPEN | K_CLOSE | K_CUR)) || b == 0xB0 || b == 0xB5))
		return 2;
	/* Two Cyrillic letters of the kind only mis-decoding makes: РїСЂ. */
	if (i >= 3 && (k[i] & K_CYR) && (k[i - 2] & K_CYR) &&
	    (cp[i - 1] == 0x420 || cp[i - 1] == 0x421) && (cp[i - 3] == 0x420 || cp[i - 3] == 0x421))
		return 1;
	/* Mac OS Roman of U+2000..: ‚Ä */
	if (i >= 2 && cp[i - 2] == 0x201A && b == 0xC4 &&
	    ONE_OF(c, 0xEC, 0xEE, 0xEF, 0xF2, 0xF4, 0xFA, 0xF9, 0xFB, 0x2020, 0xB0, 0xA2, 0x3C0))
		return 1;
	/* à whose NBSP became a space: "voilÃ le", and a line starting "Ã ". */
	if (c == ' ' && (b == 0xC3 || b == 0xC2)) {
		if (i == 1)
			return at_start;
		const int32_t a = cp[i - 2];
		if ((a >= 'a' && a <= 'z') || (a == ' ' && i >= 3 && cp[i - 3] >= 'a' && cp[i - 3] <= 'z'))
			return 1;
		return at_start && i == 2 && a == ' ';
	}
	return 0;
}

/* Characters a wrong decoding produces and text seldom holds: each one
 * counts against a candidate repair. */
static bool implausible(int32_t cp)
{
	if (cp < 0x250)
		return false;
	if ((cp < 0x2B0) ||                     /* IPA */
	    (cp >= 0x460 && cp < 0x490) ||      /* historic Cyrillic */
	    (cp >= 0x500 && cp < 0x590) ||      /* Cyrillic Supplement, Armenian */
	    (cp >= 0x700 && cp < 0x900) ||      /* Syriac .. Arabic Extended */
	    (cp >= 0x1800 && cp < 0x1A00) ||    /* Mongolian .. Khmer Symbols */
	    (cp >= 0x1D00 && cp < 0x1DC0) ||    /* Phonetic Extensions */
	    (cp >= 0xE000 && cp < 0xF8FF))      /* private use */
		return true;
	return utf8proc_category(cp) == UTF8PROC_CATEGORY_CN;
}

/* The suspicion of cp[0..n), plus one per implausible character when
 * penalize; cp[0] starts the line when at_start. */
static unsigned score(const int32_t *cp, size_t n, bool at_start, bool penalize)
{
	unsigned k[CONTEXT + 1] = { 0 }; /* k[CONTEXT - d]: the class of cp[i - d] */
	unsigned total = 0;
	for (size_t i = 0; i < n; i++) {
		k[0] = k[1];
		k[1] = k[2];
		k[2] = k[3];
		k[3] = char_class(cp[i]);
		if (penalize && implausible(cp[i]))
			total++;
		/* Every pattern has a classed character at its end or just
		 * before: most text is done with here. */
		if (!k[3] && !k[2])
			continue;
		const size_t back = i < CONTEXT ? i : CONTEXT;
		total += suspicion_at(cp + i - back, back, k + CONTEXT - back, at_start && back == i);
	}
	return total;
}

unsigned wn_mojibake_badness(const int32_t *cp, size_t n)
{
	return score(cp, n, true, false);
}

/* ---- Re-encoding and decoding -------------------------------------------- */

/* The byte cs encodes cp as, WILD for U+FFFD, or NONE. */
static int32_t encode_unit(int32_t cp, enum wn_charset cs)
{
	if (cp < 0x80)
		return cp;
	if (cp == 0xFFFD)
		return WILD;
	/* Latin-1 and Windows-1252 are mixed up so often that both readings of
	 * 0x80..0x9F count: "â\x80\x99" and "â€™" are the same mojibake. */
	if (cs == WN_CS_1252 && cp < 0xA0)
		return cp;
	const struct wn_charset_rev *rev = wn_charset_rev[cs];
	size_t lo = 0, hi = 128;
	while (lo < hi) {
		const size_t mid = lo + (hi - lo) / 2;
		if (rev[mid].cp == cp)
			return rev[mid].byte;
		if (rev[mid].cp < cp)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NONE;
}

/* Whether a space at continuation position pos of the sequence led by
 * lead may be an NBSP (byte A0) that something turned into a space: as
 * ftfy observes, that happens to the sequences of à, Š, Π, Р, NBSP itself,
 * and of U+2000.. and Thai. */
static bool space_may_be_a0(int32_t lead, size_t len, size_t pos)
{
	if (len == 2)
		return lead == 0xC2 || lead == 0xC3 || lead == 0xC5 || lead == 0xCE ||
		       lead == 0xD0 || lead == 0xD9;
	return len == 3 && ((pos == 1 && (lead == 0xE2 || lead == 0xE3)) ||
			    (pos == 2 && lead >= 0xE0 && lead <= 0xE3));
}

/* After "Ã " (à whose A0 became a space): Portuguese às, àquele, àquela,
 * àquilo and a doubled space show that the space stood for the A0; before
 * any other word the A0 was lost and the space is a real one. */
static bool space_is_the_a0(const int32_t *u, size_t i, size_t n)
{
	static const char *const words[] = { " ", "s ", "quele", "quela", "quilo" };
	for (size_t w = 0; w < sizeof(words) / sizeof(words[0]); w++) {
		const size_t len = strlen(words[w]);
		size_t k = 0;
		while (k < len && i + k < n && u[i + k] == words[w][k])
			k++;
		if (k == len)
			return true;
	}
	return false;
}

/* Decodes the UTF-8 sequence led by u[i], surrogates allowed: returns the
 * units it spans and its code point (U+FFFD when a wildcard stands for a
 * lost byte), or 0. */
static size_t decode_raw(const int32_t *u, size_t i, size_t n, int32_t *cp_out)
{
	const int32_t lead = u[i];
	size_t len;
	int32_t cp;
	int32_t lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
	if (lead >= 0xC2 && lead <= 0xDF) {
		len = 2;
		cp = lead & 0x1F;
	} else if (lead >= 0xE0 && lead <= 0xEF) {
		len = 3;
		cp = lead & 0x0F;
		lo = lead == 0xE0 ? 0xA0 : 0x80;
	} else if (lead >= 0xF0 && lead <= 0xF4) {
		len = 4;
		cp = lead & 0x07;
		lo = lead == 0xF0 ? 0x90 : 0x80;
		hi = lead == 0xF4 ? 0x8F : 0xBF;
	} else {
		return 0;
	}
	bool lossy = false, spaced = false;
	for (size_t pos = 1; pos < len; pos++) {
		if (i + pos >= n)
			return 0;
		int32_t b = u[i + pos];
		if (b == ' ' && !spaced && space_may_be_a0(lead, len, pos)) {
			spaced = true;
			b = 0xA0;
			if (lead == 0xC3 && !space_is_the_a0(u, i + 2, n)) {
				*cp_out = 0xE0; /* à, and the space stays */
				return 1;
			}
		} else if (b == WILD || (b == '?' && pos >= 2)) {
			/* A decoder lost this byte; "?" is how some mark it. One
			 * per sequence: "é��" is no character that lost two. */
			if (lossy)
				return 0;
			lossy = true;
			continue;
		}
		if (b < (pos == 1 ? lo : 0x80) || b > (pos == 1 ? hi : 0xBF))
			return 0;
		cp = (cp << 6) | (b & 0x3F);
	}
	*cp_out = lossy ? 0xFFFD : cp;
	return len;
}

/* As decode_raw, but a surrogate is valid only as the first half of a
 * CESU-8 pair (each half of a UTF-16 surrogate pair encoded alone). */
static size_t decode_seq(const int32_t *u, size_t i, size_t n, int32_t *cp_out)
{
	int32_t cp;
	const size_t len = decode_raw(u, i, n, &cp);
	if (len == 0 || cp < 0xD800 || cp > 0xDFFF) {
		*cp_out = cp;
		return len;
	}
	int32_t low;
	if (len != 3 || cp > 0xDBFF || i + 6 > n || u[i + 3] != 0xED ||
	    decode_raw(u, i + 3, n, &low) != 3 || low < 0xDC00 || low > 0xDFFF)
		return 0;
	*cp_out = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
	return 6;
}

/* Fills m->units with b re-encoded in cs; false if a character of b has
 * no byte in cs and every_char. */
static int encode_units(struct wn_mojibake *m, const struct wn_cpbuf *b, enum wn_charset cs,
			bool every_char, bool *ok_out)
{
	m->units.len = 0;
	if (wn_cpbuf_reserve(&m->units, b->len) != 0)
		return WN_E_NOMEM;
	*ok_out = true;
	for (size_t i = 0; i < b->len; i++) {
		const int32_t u = encode_unit(b->ptr[i], cs);
		if (u == NONE && every_char) {
			*ok_out = false;
			return 0;
		}
		m->units.ptr[i] = u;
	}
	m->units.len = b->len;
	return 0;
}

/* Decodes the whole of b, re-encoded in cs, as UTF-8 into m->out; false
 * (in *ok_out) unless every byte decodes. */
static int transcode_line(struct wn_mojibake *m, const struct wn_cpbuf *b, enum wn_charset cs,
			  bool *ok_out)
{
	int rc = encode_units(m, b, cs, true, ok_out);
	if (rc || !*ok_out)
		return rc;
	m->out.len = 0;
	if (wn_cpbuf_reserve(&m->out, b->len) != 0)
		return WN_E_NOMEM;
	const int32_t *u = m->units.ptr;
	const size_t n = m->units.len;
	for (size_t i = 0; i < n;) {
		int32_t cp = u[i] == WILD ? 0xFFFD : u[i];
		size_t len = 1;
		if (u[i] >= 0x80 && u[i] != WILD) {
			len = decode_seq(u, i, n, &cp);
			if (len == 0) {
				*ok_out = false;
				return 0;
			}
		}
		m->out.ptr[m->out.len++] = cp;
		i += len;
	}
	return 0;
}

/* Score of a run replaced by repl[0..nrepl), with the context around it
 * in b: the characters the rules can see either side. */
static int local_cost(struct wn_mojibake *m, const struct wn_cpbuf *b, size_t start, size_t end,
		      const int32_t *repl, size_t nrepl, unsigned *cost_out)
{
	const size_t lo = start >= CONTEXT ? start - CONTEXT : 0;
	const size_t hi = b->len - end >= CONTEXT ? end + CONTEXT : b->len;
	m->win.len = 0;
	if (wn_cpbuf_reserve(&m->win, (start - lo) + nrepl + (hi - end)) != 0)
		return WN_E_NOMEM;
	int32_t *w = m->win.ptr;
	memcpy(w, b->ptr + lo, (start - lo) * sizeof(*w));
	memcpy(w + (start - lo), repl, nrepl * sizeof(*w));
	memcpy(w + (start - lo) + nrepl, b->ptr + end, (hi - end) * sizeof(*w));
	m->win.len = (start - lo) + nrepl + (hi - end);
	*cost_out = score(w, m->win.len, lo == 0, true);
	return 0;
}

/* Decodes the run of non-ASCII characters of b at [i..) into m->out:
 * returns its end and whether it decoded consistently (every lead byte
 * starts a valid sequence, at least one did). */
static size_t decode_run(struct wn_mojibake *m, const struct wn_cpbuf *b, size_t i,
			 bool *consistent_out)
{
	const int32_t *u = m->units.ptr;
	const size_t n = m->units.len;
	size_t pieces = 0;
	bool failed = false;
	while (i < n && u[i] >= 0x80) {
		int32_t cp = b->ptr[i];
		size_t len = 1;
		if (u[i] >= 0xC2 && u[i] <= 0xF4) { /* a lead byte */
			len = decode_seq(u, i, n, &cp);
			pieces += len > 0;
			failed |= len == 0;
			if (len == 0) {
				cp = b->ptr[i];
				len = 1;
			}
		}
		m->out.ptr[m->out.len++] = cp;
		i += len;
	}
	*consistent_out = pieces && !failed;
	return i;
}

/* Repairs runs of b one by one, as Windows-1252 or Latin-1, for lines
 * that mix mojibake with characters it cannot come from (’ in "l’Ã©té").
 * A run is a stretch of non-ASCII characters; it is decoded only when all
 * of it decodes and the result scores strictly lower in its context. */
static int fix_runs(struct wn_mojibake *m, struct wn_cpbuf *b, bool *changed_out)
{
	bool ok;
	int rc = encode_units(m, b, WN_CS_1252, false, &ok);
	if (rc)
		return rc;
	m->out.len = 0;
	if (wn_cpbuf_reserve(&m->out, b->len) != 0)
		return WN_E_NOMEM;
	*changed_out = false;
	const int32_t *u = m->units.ptr;
	for (size_t i = 0; i < b->len;) {
		if (u[i] < 0x80) { /* ASCII, or not in Windows-1252 */
			m->out.ptr[m->out.len++] = b->ptr[i++];
			continue;
		}
		const size_t at = m->out.len;
		bool consistent;
		const size_t end = decode_run(m, b, i, &consistent);
		if (consistent) {
			unsigned before, after;
			rc = local_cost(m, b, i, end, b->ptr + i, end - i, &before);
			if (!rc)
				rc = local_cost(m, b, i, end, m->out.ptr + at, m->out.len - at, &after);
			if (rc)
				return rc;
			consistent = after < before;
		}
		if (consistent) {
			*changed_out = true;
		} else { /* keep the run as it was */
			m->out.len = at;
			memcpy(m->out.ptr + at, b->ptr + i, (end - i) * sizeof(int32_t));
			m->out.len += end - i;
		}
		i = end;
	}
	return 0;
}

static void swap_cpbuf(struct wn_cpbuf *a, struct wn_cpbuf *b)
{
	const struct wn_cpbuf t = *a;
	*a = *b;
	*b = t;
}

bool wn_mojibake_char(int32_t cp)
{
	return char_class(cp) != 0;
}

/* char_class, with the ranges where it is 0 told in line: basic Cyrillic
 * letters (of which Windows-1251 makes no continuation byte), U+0500..U+1FFF,
 * and U+2600..U+F8FE (kana, CJK, Hangul, fullwidth forms). */
static inline unsigned class_of(int32_t c)
{
	if (c >= 0x2500 && c <= 0x25A0)
		return K_BOX;
	if ((c >= 0x410 && c < 0x450) || (c >= 0x500 && c < 0x2000) || (c >= 0x2600 && c < 0xF8FF))
		return 0;
	return char_class(c);
}

/* Moves the window of wn_mojibake_clean_utf8 on by one character (a fixed
 * copy the compiler unrolls, not a call). */
static inline void slide(int32_t *cp, unsigned *k, int32_t c, unsigned cls)
{
	for (size_t t = 0; t < CONTEXT; t++) {
		cp[t] = cp[t + 1];
		k[t] = k[t + 1];
	}
	cp[CONTEXT] = c;
	k[CONTEXT] = cls;
}

/* The length of the character of no class at u[0..n) that
 * wn_mojibake_clean_utf8 takes in a run, told from its bytes: ASCII, a
 * basic Cyrillic letter (U+0410..U+044F) or a character U+3000..U+CFFF
 * (kana, CJK, Hangul: a lead E3..EC is never overlong nor a surrogate);
 * else 0. */
static inline size_t quiet_len(const unsigned char *u, size_t n)
{
	const unsigned c = u[0];
	if (c < 0x80)
		return 1;
	if (wn_utf8_basic_cyrillic(u, n))
		return 2;
	if (c >= 0xE3 && c <= 0xEC && n >= 3 && (u[1] & 0xC0) == 0x80 && (u[2] & 0xC0) == 0x80)
		return 3;
	return 0;
}

/* Whether u[0..n) starts with a box drawing U+2500..U+25A0 (K_BOX). */
static inline bool box_at(const unsigned char *u, size_t n)
{
	return n >= 3 && u[0] == 0xE2 && u[1] >= 0x94 && u[1] <= 0x96 && (u[2] & 0xC0) == 0x80 &&
	       (u[1] != 0x96 || u[2] <= 0xA0);
}

bool wn_mojibake_clean_utf8(const char *p, size_t n)
{
	const unsigned char *u = (const unsigned char *)p;
	int32_t cp[CONTEXT + 1] = { 0 }; /* cp[CONTEXT]: the current one, as in score */
	unsigned k[CONTEXT + 1] = { 0 };
	for (size_t at = 0, i = 0; at < n; i++) {
		int32_t c = u[at];
		if (!k[CONTEXT] && quiet_len(u + at, n - at)) {
			/* Characters of no class after one of no class: no
			 * pattern ends in the run; its last characters go into
			 * the window. */
			size_t end = at, chars = 0;
			for (size_t len; end < n && (len = quiet_len(u + end, n - end)); end += len)
				chars++;
			size_t j = end, last = 0;
			while (j > at && last < CONTEXT + 1) { /* back over the last characters */
				j--;
				if ((u[j] & 0xC0) != 0x80)
					last++;
			}
			while (j < end) {
				int32_t d = u[j];
				j += d < 0x80 ? 1 : wn_utf8_next(u + j, end - j, &d);
				slide(cp, k, d, 0);
			}
			i += chars - 1;
			at = end;
			continue;
		}
		if (k[CONTEXT] == K_BOX && box_at(u + at, n - at)) {
			/* A box drawing after another: no pattern ends there
			 * (pair_suspicious has no rule for two of them, and no
			 * longer pattern ends in one). */
			slide(cp, k, 0x2000 | (u[at + 1] & 0x3F) << 6 | (u[at + 2] & 0x3F), K_BOX);
			at += 3;
			continue;
		}
		const size_t len = c < 0x80 ? 1 : wn_utf8_next(u + at, n - at, &c);
		if (!len)
			return false;
		at += len;
		slide(cp, k, c, c < 0x80 ? 0 : class_of(c));
		if (!k[CONTEXT] && !k[CONTEXT - 1])
			continue;
		const size_t back = i < CONTEXT ? i : CONTEXT;
		if (suspicion_at(cp + CONTEXT - back, back, k + CONTEXT - back, back == i))
			return false;
	}
	return true;
}

/* Whether b holds any character that mojibake is made of. */
static bool may_be_mojibake(const struct wn_cpbuf *b)
{
	for (size_t i = 0; i < b->len; i++)
		if (b->ptr[i] >= 0x80 && char_class(b->ptr[i]))
			return true;
	return false;
}

/* One round: the whole line in the charset that gives the lowest score
 * below the current one, or else the runs one by one. */
static int fix_round(struct wn_mojibake *m, struct wn_cpbuf *b, unsigned *cost, bool *changed_out)
{
	unsigned best = *cost;
	bool found = false;
	for (int cs = 0; cs < WN_CS_COUNT; cs++) {
		bool ok;
		const int rc = transcode_line(m, b, (enum wn_charset)cs, &ok);
		if (rc)
			return rc;
		if (!ok)
			continue;
		const unsigned c = score(m->out.ptr, m->out.len, true, true);
		if (c < best) {
			best = c;
			found = true;
			swap_cpbuf(&m->out, &m->win); /* keep the best in win */
		}
	}
	if (found) {
		swap_cpbuf(b, &m->win);
		*cost = best;
		*changed_out = true;
		return 0;
	}
	const int rc = fix_runs(m, b, changed_out);
	if (rc || !*changed_out)
		return rc;
	swap_cpbuf(b, &m->out);
	*cost = score(b->ptr, b->len, true, true);
	return 0;
}

int wn_mojibake_fix(struct wn_mojibake *m, struct wn_cpbuf *b, bool *changed_out)
{
	*changed_out = false;
	if (!may_be_mojibake(b) || wn_mojibake_badness(b->ptr, b->len) == 0)
		return 0;
	unsigned cost = score(b->ptr, b->len, true, true);
	for (int round = 0; round < MAX_ROUNDS; round++) {
		bool changed;
		const int rc = fix_round(m, b, &cost, &changed);
		if (rc)
			return rc;
		if (!changed)
			break;
		*changed_out = true;
		if (wn_mojibake_badness(b->ptr, b->len) == 0)
			break;
	}
	return 0;
}

void wn_mojibake_free(struct wn_mojibake *m)
{
	wn_cpbuf_free(&m->units);
	wn_cpbuf_free(&m->out);
	wn_cpbuf_free(&m->win);
}
