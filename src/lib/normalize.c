/* normalize.c - Unicode normalization (NFC, NFKC) with utf8proc, behind a
 * quick check that lets most text skip it, and ASCII folding. */
#include <string.h>
#include <utf8proc.h>

#include "internal.h"

#define MAX_DECOMP 18 /* the longest NFKD of one code point (U+FDFA) */

/* Whether NFC (compat: NFKC) gives back cp alone from its decomposition:
 * not for a singleton (U+2126 OHM -> U+03A9), an excluded composition, or
 * one that decomposes further through another precomposed character
 * (U+1F71 -> U+03AC). */
static bool recomposes(int32_t cp, bool compat)
{
	const utf8proc_option_t o = UTF8PROC_STABLE | UTF8PROC_COMPOSE | (compat ? UTF8PROC_COMPAT : 0);
	utf8proc_int32_t d[MAX_DECOMP];
	int boundclass = 0;
	const utf8proc_ssize_t n = utf8proc_decompose_char(cp, d, MAX_DECOMP, o, &boundclass);
	return n > 0 && n <= MAX_DECOMP && utf8proc_normalize_utf32(d, n, o) == 1 && d[0] == cp;
}

bool wn_nf_stable(int32_t cp, bool compat)
{
	/* The basic Cyrillic letters (before the combining titlo at U+0483),
	 * box drawing and blocks, the kana, and for NFC the fullwidth ASCII,
	 * beside the blocks of wn_nf_stable_ref. */
	if ((cp >= 0x400 && cp < 0x483) || (cp >= 0x2500 && cp < 0x2600) ||
	    (cp >= 0x3041 && cp <= 0x3094) ||
	    (!compat && ((cp >= 0x30A1 && cp <= 0x30FA) || (cp >= 0xFF01 && cp <= 0xFF5E))))
		return true;
	return wn_nf_stable_ref(cp, compat);
}

bool wn_nf_stable_ref(int32_t cp, bool compat)
{
	if (cp < 0xA0 || (cp < 0x300 && !compat)) /* nothing composes below U+0300 */
		return true;
	/* Common blocks with nothing to normalize: punctuation (compatibility
	 * forms such as … aside), CJK ideographs, Hangul syllables. */
	if ((!compat && cp >= 0x2010 && cp < 0x20D0) || (cp >= 0x4E00 && cp < 0xA000) ||
	    (cp >= 0xAC00 && cp < 0xD7A4))
		return true;
	const utf8proc_property_t *p = utf8proc_get_property(cp);
	if (p->combining_class != 0)
		return false;
	/* The second character of a canonical composition (a vowel sign that
	 * joins the consonant before it): utf8proc marks it with bit 15. */
	if (p->comb_index != UINT16_MAX && (p->comb_index & 0x8000))
		return false;
	if (cp >= 0x1160 && cp <= 0x11FF) /* Hangul vowel and final jamo compose by rule */
		return false;
	if (p->decomp_seqindex == UINT16_MAX || (!compat && p->decomp_type != 0))
		return true;
	return recomposes(cp, compat);
}

int wn_normalize(struct wn_cpbuf *b, struct wn_cpbuf *tmp, struct wn_buf *bytes, bool compat,
		 bool *changed_out)
{
	*changed_out = false;
	size_t first = 0;
	while (first < b->len && wn_nf_stable(b->ptr[first], compat))
		first++;
	if (first == b->len)
		return 0;
	/* utf8proc normalizes UTF-8; its output is code points, as we want. */
	bytes->len = 0;
	if (wn_buf_reserve(bytes, 4 * b->len) != 0)
		return WN_E_NOMEM;
	for (size_t i = 0; i < b->len; i++)
		bytes->len += wn_utf8_encode(b->ptr[i], bytes->ptr + bytes->len);
	const utf8proc_option_t opts = UTF8PROC_STABLE | UTF8PROC_COMPOSE |
				       (compat ? UTF8PROC_COMPAT : 0);
	const utf8proc_uint8_t *const src = (const utf8proc_uint8_t *)bytes->ptr;
	utf8proc_ssize_t n;
	for (;;) {
		n = utf8proc_decompose(src, (utf8proc_ssize_t)bytes->len, tmp->ptr,
				       (utf8proc_ssize_t)tmp->cap, opts);
		if (n < 0)
			return WN_E_NOMEM; /* only UTF8PROC_ERROR_NOMEM can happen on valid input */
		if ((size_t)n <= tmp->cap)
			break;
		tmp->len = 0;
		if (wn_cpbuf_reserve(tmp, (size_t)n) != 0)
			return WN_E_NOMEM;
	}
	n = utf8proc_normalize_utf32(tmp->ptr, n, opts);
	if (n < 0)
		return WN_E_NOMEM;
	tmp->len = (size_t)n;
	if (tmp->len == b->len && memcmp(tmp->ptr, b->ptr, b->len * sizeof(int32_t)) == 0)
		return 0;
	const struct wn_cpbuf t = *b;
	*b = *tmp;
	*tmp = t;
	*changed_out = true;
	return 0;
}

/* ---- ASCII folding ------------------------------------------------------- */

/* ASCII for characters that no compatibility decomposition takes there. */
static const char *ascii_of(int32_t cp)
{
	switch (cp) {
	case 0x00A0: return " ";
	case 0x00AB: case 0x00BB: case 0x201C: case 0x201D: case 0x201E: case 0x201F:
	case 0x2033: case 0x2036: return "\"";
	case 0x2018: case 0x2019: case 0x201A: case 0x201B: case 0x2032: case 0x2035:
	case 0x2039: case 0x203A: case 0x02BC: return "'";
	case 0x2010: case 0x2011: case 0x2012: case 0x2013: case 0x2014: case 0x2015:
	case 0x2212: return "-";
	case 0x2022: case 0x2023: case 0x2043: return "*";
	case 0x2044: case 0x2215: return "/";
	case 0x00D7: return "x";
	case 0x00DF: return "ss";
	case 0x1E9E: return "SS";
	case 0x00E6: return "ae";
	case 0x00C6: return "AE";
	case 0x0153: return "oe";
	case 0x0152: return "OE";
	case 0x00F8: return "o";
	case 0x00D8: return "O";
	case 0x0142: return "l";
	case 0x0141: return "L";
	case 0x0111: case 0x00F0: return "d";
	case 0x0110: case 0x00D0: return "D";
	case 0x00FE: return "th";
	case 0x00DE: return "TH";
	case 0x0131: return "i";
	case 0x0127: return "h";
	case 0x0126: return "H";
	default: return NULL;
	}
}

static bool is_mark(int32_t cp)
{
	const utf8proc_category_t c = utf8proc_category(cp);
	return c == UTF8PROC_CATEGORY_MN || c == UTF8PROC_CATEGORY_MC || c == UTF8PROC_CATEGORY_ME;
}

/* Appends the ASCII form of cp to out (room for MAX_DECOMP * 2), or cp
 * itself when it has none. */
static void fold_one(int32_t cp, bool after_ascii, struct wn_cpbuf *out)
{
	const char *s = ascii_of(cp);
	if (!s) {
		utf8proc_int32_t d[MAX_DECOMP];
		int boundclass = 0;
		const utf8proc_ssize_t n = utf8proc_decompose_char(
			cp, d, MAX_DECOMP, UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT | UTF8PROC_STRIPMARK,
			&boundclass);
		bool ascii = n > 0 && n <= MAX_DECOMP;
		for (utf8proc_ssize_t i = 0; ascii && i < n; i++)
			ascii = d[i] < 0x80 || ascii_of(d[i]);
		if (ascii) {
			for (utf8proc_ssize_t i = 0; i < n; i++) {
				const char *t = d[i] < 0x80 ? NULL : ascii_of(d[i]);
				if (!t)
					out->ptr[out->len++] = d[i];
				while (t && *t)
					out->ptr[out->len++] = (unsigned char)*t++;
			}
			return;
		}
		/* A mark left on an ASCII letter (q + U+0301) goes with the letter's. */
		if (!(after_ascii && is_mark(cp)))
			out->ptr[out->len++] = cp;
		return;
	}
	while (*s)
		out->ptr[out->len++] = (unsigned char)*s++;
}

int wn_ascii_fold(struct wn_cpbuf *b, struct wn_cpbuf *tmp, bool *changed_out)
{
	*changed_out = false;
	size_t first = 0;
	while (first < b->len && b->ptr[first] < 0x80)
		first++;
	if (first == b->len)
		return 0;
	tmp->len = 0;
	if (wn_cpbuf_reserve(tmp, b->len + 2 * MAX_DECOMP) != 0)
		return WN_E_NOMEM;
	memcpy(tmp->ptr, b->ptr, first * sizeof(int32_t));
	tmp->len = first;
	bool after_ascii = first > 0;
	for (size_t i = first; i < b->len; i++) {
		if (wn_cpbuf_reserve(tmp, 2 * MAX_DECOMP) != 0)
			return WN_E_NOMEM;
		const int32_t cp = b->ptr[i];
		const size_t at = tmp->len;
		if (cp < 0x80)
			tmp->ptr[tmp->len++] = cp;
		else
			fold_one(cp, after_ascii, tmp);
		if (tmp->len > at)
			after_ascii = tmp->ptr[tmp->len - 1] < 0x80;
	}
	if (tmp->len == b->len && memcmp(tmp->ptr, b->ptr, b->len * sizeof(int32_t)) == 0)
		return 0;
	const struct wn_cpbuf t = *b;
	*b = *tmp;
	*tmp = t;
	*changed_out = true;
	return 0;
}
