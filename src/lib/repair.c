/* repair.c - the character and encoding repairs of one line: bytes to
 * valid UTF-8, HTML entities, then over code points invisible characters,
 * line breaks, normalization, mojibake, C1 controls and spaces; a changed
 * line is repaired again until it is stable. */
#include <assert.h>
#include <string.h>
#include <utf8proc.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "internal.h"

/* Code points are worked on in pieces of at most this many bytes of a
 * long line, so that memory stays proportional to the line, not four
 * times it (see piece_len). */
#define PIECE ((size_t)64 << 10)

#define BIT(rule) ((uint32_t)1 << (rule))

/* Passes over a line that changed: what one rule changes can give another
 * work (a control removed from "&\x7Flt;"), so a changed line is repaired
 * again until nothing changes, and repairing the result changes nothing.
 * Real text needs one pass and a second to confirm; every pass but the
 * last changed something. */
#define MAX_PASSES 4

static const char *const rule_names[WN_REPAIR_CHAR_RULES] = {
	[WN_REPAIR_INVALID_UTF8] = "invalid-utf8",
	[WN_REPAIR_WINDOWS_1252] = "windows-1252",
	[WN_REPAIR_ENTITIES] = "entities",
	[WN_REPAIR_MOJIBAKE] = "mojibake",
	[WN_REPAIR_C1_CONTROLS] = "c1-controls",
	[WN_REPAIR_CONTROLS] = "controls",
	[WN_REPAIR_BOM] = "bom",
	[WN_REPAIR_INVISIBLE] = "invisible",
	[WN_REPAIR_LINE_BREAKS] = "line-breaks",
	[WN_REPAIR_SPACES] = "spaces",
	[WN_REPAIR_NFC] = "nfc",
	[WN_REPAIR_NFKC] = "nfkc",
	[WN_REPAIR_ASCII] = "ascii",
};

const char *wn_repair_char_rule_name(unsigned bit)
{
	return bit < WN_REPAIR_CHAR_RULES ? rule_names[bit] : NULL;
}

static bool on(const struct wn_repair *r, enum wn_repair_rule rule)
{
	return !(r->off & BIT(rule));
}

int wn_repair_init(struct wn_repair *r, const struct wn_options *opt)
{
	memset(r, 0, sizeof(*r));
	if (opt->invalid != WN_INVALID_REPLACE && opt->invalid != WN_INVALID_DROP)
		return WN_E_INVAL;
	r->off = (uint32_t)opt->repair_off;
	r->invalid = opt->invalid;
	r->nfkc = opt->nfkc;
	r->ascii = opt->ascii;
	return 0;
}

void wn_repair_free(struct wn_repair *r)
{
	wn_buf_free(&r->scratch);
	wn_buf_free(&r->spare);
	wn_buf_free(&r->bytes);
	wn_cpbuf_free(&r->cps);
	wn_cpbuf_free(&r->tmp);
	wn_cpbuf_free(&r->whole);
	wn_cpbuf_free(&r->joined);
	wn_mojibake_free(&r->mj);
}

/* ---- The fast scan ------------------------------------------------------- */

enum { F_HIGH = 1, F_AMP = 2, F_CTRL = 4 };

static uint64_t has_zero_byte(uint64_t v)
{
	return (v - 0x0101010101010101ull) & ~v & 0x8080808080808080ull;
}

#if defined(__SSE2__)
/* The flags of the sixteen bytes at p. */
static inline __m128i scan_block(const char *p, __m128i *amp, __m128i *ctrl)
{
	const __m128i c = _mm_loadu_si128((const __m128i *)(const void *)p);
	*amp = _mm_or_si128(*amp, _mm_cmpeq_epi8(c, _mm_set1_epi8('&')));
	/* Signed: below 0x20 are the controls and the bytes >= 0x80. */
	const __m128i low = _mm_andnot_si128(_mm_cmplt_epi8(c, _mm_setzero_si128()),
					     _mm_cmplt_epi8(c, _mm_set1_epi8(0x20)));
	*ctrl = _mm_or_si128(*ctrl, _mm_or_si128(_mm_andnot_si128(_mm_cmpeq_epi8(c, _mm_set1_epi8('\t')), low),
						 _mm_cmpeq_epi8(c, _mm_set1_epi8(0x7F))));
	return c;
}

/* scan() sixteen bytes at a step; the last block overlaps the one before. */
static unsigned scan_sse2(const char *p, size_t n)
{
	__m128i high = _mm_setzero_si128(), amp = high, ctrl = high;
	for (size_t i = 0; i < n; i += 16)
		high = _mm_or_si128(high, scan_block(p + (i + 16 <= n ? i : n - 16), &amp, &ctrl));
	return (_mm_movemask_epi8(high) ? F_HIGH : 0u) | (_mm_movemask_epi8(amp) ? F_AMP : 0u) |
	       (_mm_movemask_epi8(ctrl) ? F_CTRL : 0u);
}
#endif

/* What the line holds that some rule may act on: a byte >= 0x80, an '&',
 * a control character other than TAB. Most lines hold none of these and
 * cost this scan only, eight (SSE2: sixteen) bytes at a step. */
static unsigned scan(const char *p, size_t n, bool reference)
{
#if defined(__SSE2__)
	if (!reference && n >= 16)
		return scan_sse2(p, n);
#else
	(void)reference;
#endif
	const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
	unsigned f = 0;
	size_t i = 0;
	for (; i + 8 <= n && f != (F_HIGH | F_AMP | F_CTRL); i += 8) {
		uint64_t w;
		memcpy(&w, p + i, 8);
		if (w & highs)
			f |= F_HIGH;
		if (has_zero_byte(w ^ (0x26 * ones)))
			f |= F_AMP;
		/* A byte below 0x20 or DEL: TAB is one, so look closer. */
		if (((w - 0x20 * ones) & ~w & highs) || has_zero_byte(w ^ (0x7F * ones)))
			for (size_t k = 0; k < 8; k++) {
				const unsigned char c = (unsigned char)p[i + k];
				if (c == 0x7F || (c < 0x20 && c != '\t'))
					f |= F_CTRL;
			}
	}
	for (; i < n; i++) {
		const unsigned char c = (unsigned char)p[i];
		if (c >= 0x80)
			f |= F_HIGH;
		else if (c == '&')
			f |= F_AMP;
		else if (c == 0x7F || (c < 0x20 && c != '\t'))
			f |= F_CTRL;
	}
	return f;
}

/* ---- Bytes to UTF-8 ------------------------------------------------------ */

/* The length of the maximal ill-formed subpart at p[0..n), which does not
 * start a valid sequence: the longest start of one, at least a byte. Each
 * such subpart becomes one U+FFFD, as the Unicode Standard recommends. */
static size_t ill_formed_len(const unsigned char *p, size_t n)
{
	const unsigned char c = p[0];
	size_t len;
	unsigned char lo = 0x80, hi = 0xBF;
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		lo = c == 0xE0 ? 0xA0 : 0x80;
		hi = c == 0xED ? 0x9F : 0xBF;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		lo = c == 0xF0 ? 0x90 : 0x80;
		hi = c == 0xF4 ? 0x8F : 0xBF;
	} else {
		return 1;
	}
	if (n < 2 || p[1] < lo || p[1] > hi)
		return 1;
	size_t i = 2;
	while (i < len && i < n && (p[i] & 0xC0) == 0x80)
		i++;
	return i;
}

static bool has_utf8_sequence(const unsigned char *u, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int32_t cp;
		if (u[i] >= 0x80 && wn_utf8_decode(u + i, n - i, &cp))
			return true;
	}
	return false;
}

/* Writes p[0..n), which is not valid UTF-8, into out as UTF-8: as
 * Windows-1252 when no byte sequence in it is UTF-8, else with each
 * ill-formed subpart replaced or dropped. *valid_out is false when the
 * rules that would do it are off. */
static int repair_utf8(const struct wn_repair *r, const char *p, size_t n, struct wn_buf *out,
		       uint32_t *fired, bool *valid_out)
{
	const unsigned char *u = (const unsigned char *)p;
	const bool single_byte = !has_utf8_sequence(u, n);
	*valid_out = single_byte ? on(r, WN_REPAIR_WINDOWS_1252) : on(r, WN_REPAIR_INVALID_UTF8);
	if (!*valid_out)
		return 0;
	out->len = 0;
	if (wn_buf_reserve(out, 3 * n) != 0)
		return WN_E_NOMEM;
	char *o = out->ptr;
	for (size_t i = 0; i < n;) {
		int32_t cp;
		size_t len = u[i] < 0x80 ? 1 : wn_utf8_decode(u + i, n - i, &cp);
		if (single_byte && u[i] >= 0x80) {
			/* Bytes Windows-1252 leaves undefined stay C1 controls,
			 * which the controls rule removes. */
			o += wn_utf8_encode(wn_charset_hi[WN_CS_1252][u[i] - 0x80], o);
		} else if (len) {
			memcpy(o, p + i, len);
			o += len;
		} else {
			len = ill_formed_len(u + i, n - i);
			if (r->invalid == WN_INVALID_REPLACE)
				o += wn_utf8_encode(0xFFFD, o);
		}
		i += len ? len : 1;
	}
	out->len = (size_t)(o - out->ptr);
	*fired |= BIT(single_byte ? WN_REPAIR_WINDOWS_1252 : WN_REPAIR_INVALID_UTF8);
	return 0;
}

/* ---- Entities ------------------------------------------------------------ */

/* The length of the next stretch of p[0..n) that may become a line of its
 * own: up to a CR, LF, U+2028, U+2029 or U+0085, the line breaks to come.
 * reference: byte by byte only. */
static size_t stretch_len(const char *p, size_t n, bool reference)
{
	size_t i = 0;
#if defined(__SSE2__)
	/* Sixteen bytes at a step up to the first that may start a break:
	 * CR, LF, or the lead byte 0xC2 or 0xE2. */
	for (; !reference && i + 16 <= n; i += 16) {
		const __m128i c = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
		const __m128i hit = _mm_or_si128(
			_mm_or_si128(_mm_cmpeq_epi8(c, _mm_set1_epi8('\r')),
				     _mm_cmpeq_epi8(c, _mm_set1_epi8('\n'))),
			_mm_or_si128(_mm_cmpeq_epi8(c, _mm_set1_epi8((char)0xC2)),
				     _mm_cmpeq_epi8(c, _mm_set1_epi8((char)0xE2))));
		const unsigned m = (unsigned)_mm_movemask_epi8(hit);
		if (m) {
			i += (unsigned)__builtin_ctz(m);
			break;
		}
	}
#else
	(void)reference;
#endif
	for (; i < n; i++) {
		const unsigned char c = (unsigned char)p[i];
		if (c == '\r' || c == '\n')
			return i + 1;
		if (c == 0xC2 && i + 1 < n && (unsigned char)p[i + 1] == 0x85)
			return i + 2;
		if (c == 0xE2 && i + 2 < n && (unsigned char)p[i + 1] == 0x80 &&
		    ((unsigned char)p[i + 2] == 0xA8 || (unsigned char)p[i + 2] == 0xA9))
			return i + 3;
	}
	return n;
}

/* Decodes the entities of p[0..n) into out (changed or not), stretch by
 * stretch: one that holds '<' keeps its entities, as a line of its own
 * would, so that repairing the lines it becomes again changes nothing. */
static int decode_entities(const char *p, size_t n, bool reference, struct wn_buf *out,
			   bool *changed_out)
{
	*changed_out = false;
	out->len = 0;
	for (size_t done = 0; done < n;) {
		const size_t len = stretch_len(p + done, n - done, reference);
		bool changed = false;
		int rc = 0;
		if (!wn_entities_literal(p + done, len))
			rc = wn_entities_decode(p + done, len, out, &changed);
		if (!rc && changed && !*changed_out && done) {
			/* The first change: the stretches before it go in front. */
			rc = wn_buf_reserve(out, done);
			if (!rc) {
				memmove(out->ptr + done, out->ptr, out->len);
				memcpy(out->ptr, p, done);
				out->len += done;
			}
		} else if (!rc && !changed && *changed_out) {
			rc = wn_buf_append(out, p + done, len);
		}
		if (rc)
			return rc;
		*changed_out |= changed;
		done += len;
	}
	return 0;
}

/* ---- Characters ---------------------------------------------------------- */

/* The rule that removes cp, or -1: C0 controls but TAB (CR and LF break
 * lines), DEL, the byte-order mark, and characters that mean something to
 * software only (interlinear annotation, object replacement, the
 * deprecated format characters U+206A..U+206F, the language tag). */
static int removal_rule(int32_t cp)
{
	if (cp < 0x20)
		return cp == '\t' || cp == '\n' || cp == '\r' ? -1 : WN_REPAIR_CONTROLS;
	if (cp < 0x7F)
		return -1;
	if (cp == 0x7F)
		return WN_REPAIR_CONTROLS;
	if (cp == 0xFEFF)
		return WN_REPAIR_BOM;
	if ((cp >= 0xFFF9 && cp <= 0xFFFC) || (cp >= 0x206A && cp <= 0x206F) || cp == 0xE0001)
		return WN_REPAIR_INVISIBLE;
	return -1;
}

static void remove_invisible(const struct wn_repair *r, struct wn_cpbuf *b, uint32_t *fired)
{
	size_t w = 0;
	for (size_t i = 0; i < b->len; i++) {
		const int rule = removal_rule(b->ptr[i]);
		if (rule >= 0 && on(r, (enum wn_repair_rule)rule)) {
			*fired |= BIT(rule);
			continue;
		}
		b->ptr[w++] = b->ptr[i];
	}
	b->len = w;
}

static bool is_space_cp(int32_t cp)
{
	return cp == ' ' || cp == '\t' || cp == 0xA0 || cp == 0x202F || cp == 0x3000 ||
	       (cp >= 0x2000 && cp <= 0x200A);
}

/* U+0085 is NEL, a line break, in EBCDIC-born text, but far more often
 * Windows-1252's "…" read as Latin-1: it is taken as "…" where an
 * ellipsis goes, before a space, punctuation or the end. */
static bool nel_is_ellipsis(int32_t next)
{
	if (next < 0 || is_space_cp(next) || (next >= 0x80 && next < 0xA0))
		return true;
	const utf8proc_category_t c = utf8proc_category(next);
	return c >= UTF8PROC_CATEGORY_PC && c <= UTF8PROC_CATEGORY_PO;
}

/* Whether the no-break space cp between prev and next means something:
 * French puts one before ; : ! ? » and after «, and digits are grouped
 * with one ("10 000"). */
static bool space_is_meant(int32_t cp, int32_t prev, int32_t next)
{
	const bool digits = prev >= '0' && prev <= '9' && next >= '0' && next <= '9';
	if (cp == 0x2007) /* FIGURE SPACE */
		return digits;
	if (cp != 0xA0 && cp != 0x202F)
		return false;
	return digits || next == ';' || next == ':' || next == '!' || next == '?' ||
	       next == 0xBB || next == 0x203A || prev == 0xAB || prev == 0x2039;
}

/* Whether Windows-1252 can encode cp (-1, an edge of the text, too). */
static bool in_1252(int32_t cp)
{
	if (cp < 0x100)
		return true;
	for (size_t i = 0; i < 32; i++)
		if (wn_charset_hi[WN_CS_1252][i] == cp)
			return true;
	return false;
}

/* The rule that maps cp, between prev and next (-1 at an end), and its
 * replacement in *repl_out (-1: removed); or -1 when none applies. */
static int map_rule(int32_t cp, int32_t prev, int32_t next, int32_t *repl_out)
{
	if (cp < 0x80)
		return -1;
	if (cp < 0xA0) {
		/* A C1 control is Windows-1252 read as Latin-1 in text that
		 * Windows-1252 could hold ("don\x92t"); elsewhere (amid Chinese,
		 * say) it is the debris of another mis-decoding. */
		const int32_t w = wn_charset_hi[WN_CS_1252][cp - 0x80];
		const bool mapped = w != cp && in_1252(prev) && in_1252(next);
		*repl_out = mapped ? w : -1;
		return mapped ? WN_REPAIR_C1_CONTROLS : WN_REPAIR_CONTROLS;
	}
	if (cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x202F ||
	    cp == 0x205F) {
		*repl_out = ' ';
		return space_is_meant(cp, prev, next) ? -1 : WN_REPAIR_SPACES;
	}
	return -1;
}

/* C1 controls and spaces: each character maps to one or none, so b is
 * rewritten in place; the rules see the original neighbours. */
static void map_chars(const struct wn_repair *r, struct wn_cpbuf *b, uint32_t *fired)
{
	int32_t prev = -1;
	size_t w = 0;
	for (size_t i = 0; i < b->len; i++) {
		const int32_t cp = b->ptr[i];
		const int32_t next = i + 1 < b->len ? b->ptr[i + 1] : -1;
		int32_t repl = cp;
		const int rule = map_rule(cp, prev, next, &repl);
		prev = cp;
		if (rule < 0 || !on(r, (enum wn_repair_rule)rule)) {
			b->ptr[w++] = cp;
			continue;
		}
		*fired |= BIT(rule);
		if (repl >= 0)
			b->ptr[w++] = repl;
	}
	b->len = w;
}

/* ---- Line breaks ------------------------------------------------------- */

/* Whether b->ptr[i] ends a line: LF (which an entity may have made), CR
 * before the trailing space (content is where that starts), U+2028,
 * U+2029, and U+0085 where it is no ellipsis, nor perhaps part of
 * mojibake (after what Windows-1252 makes of a UTF-8 byte >= 0x80). */
static bool breaks_line(const struct wn_repair *r, const struct wn_cpbuf *b, size_t i,
			size_t content)
{
	const int32_t cp = b->ptr[i];
	if (cp == '\n')
		return true;
	if (!on(r, WN_REPAIR_LINE_BREAKS))
		return false;
	if (cp == '\r')
		return i < content;
	if (cp == 0x2028 || cp == 0x2029)
		return true;
	if (cp != 0x85)
		return false;
	const int32_t prev = i ? b->ptr[i - 1] : -1;
	const int32_t next = i + 1 < b->len ? b->ptr[i + 1] : -1;
	const bool after_high = prev >= 0x80 && prev <= 0xF4 && in_1252(prev);
	return !after_high && !(prev >= 0x100 && in_1252(prev)) && !nel_is_ellipsis(next);
}

/* ---- Pieces of a line as code points -------------------------------------- */

/* The length of the next piece of p[0..n): all of it, or for a long line
 * up to PIECE bytes cut before a space (where no rule looks across), else
 * before an ASCII byte, else between characters. */
static size_t piece_len(const char *p, size_t n)
{
	if (n <= PIECE)
		return n;
	for (size_t i = PIECE; i > PIECE / 2; i--)
		if (p[i] == ' ')
			return i;
	for (size_t i = PIECE; i > PIECE / 2; i--)
		if ((unsigned char)p[i] < 0x80)
			return i;
	size_t i = PIECE;
	while (((unsigned char)p[i] & 0xC0) == 0x80)
		i--;
	return i;
}

/* What a piece holds that some rule over code points may act on. */
enum {
	N_REMOVE = 1,    /* a control or invisible character */
	N_BREAK = 2,     /* CR, LF, U+0085, U+2028, U+2029 */
	N_MAP = 4,       /* a C1 control, a space separator */
	N_NORM = 8,      /* a character normalization may change */
	N_MOJIBAKE = 16, /* what every suspicious sequence has: two non-ASCII
			  * characters side by side, a C1 control, Œ or œ, Ã or
			  * Â before a space */
	N_FOLD = 32,     /* a non-ASCII character */
};

static unsigned needs_of(int32_t cp, bool compat)
{
	if (cp < 0xA0)
		return N_MAP | N_MOJIBAKE | (cp == 0x85 ? N_BREAK : 0);
	if (cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x202F ||
	    cp == 0x205F)
		return N_MAP;
	if (cp == 0x152 || cp == 0x153)
		return N_MOJIBAKE;
	if (cp == 0x2028 || cp == 0x2029)
		return N_BREAK;
	if (removal_rule(cp) >= 0)
		return N_REMOVE;
	return wn_nf_stable(cp, compat) ? 0 : N_NORM;
}

/* What in p[0..n), a line of printable ASCII and other bytes, any rule
 * over code points may act on, as decode_piece tells it for each piece,
 * but with N_MOJIBAKE only where mojibake_fix could find something; -1
 * when p is not valid UTF-8. One pass that writes nothing: when it finds
 * nothing, the line is done. */
static int quick_needs(const struct wn_repair *r, const char *p, size_t n)
{
	const unsigned char *u = (const unsigned char *)p;
	unsigned needs = 0;
	bool high = false, a_hat = false; /* as in decode_piece */
	bool mojibake = false;            /* a character mojibake is made of */
	for (size_t i = 0; i < n;) {
		if (u[i] < 0x80) {
			if (u[i] == ' ' && a_hat)
				needs |= N_MOJIBAKE;
			high = a_hat = false;
			i++;
#if defined(__SSE2__)
			/* Sixteen bytes at a step up to the next byte >= 0x80. */
			for (; i + 16 <= n; i += 16) {
				const unsigned m = (unsigned)_mm_movemask_epi8(
					_mm_loadu_si128((const __m128i *)(const void *)(u + i)));
				if (m) {
					i += (unsigned)__builtin_ctz(m);
					break;
				}
			}
#else
			for (; i + 8 <= n; i += 8) {
				uint64_t w;
				memcpy(&w, u + i, 8);
				if (w & 0x8080808080808080ull)
					break;
			}
#endif
			while (i < n && u[i] < 0x80)
				i++;
			continue;
		}
		/* A CJK ideograph or a basic Cyrillic letter: nothing to do, as
		 * below, without decoding it. */
		const size_t quiet = wn_utf8_cjk_ideograph(u + i, n - i) ? 3
				     : wn_utf8_basic_cyrillic(u + i, n - i) ? 2 : 0;
		if (quiet) {
			needs |= N_FOLD | (high ? N_MOJIBAKE : 0);
			high = true;
			a_hat = false;
			i += quiet;
			/* The run of them that follows, each after a non-ASCII
			 * character, in a loop of its own. */
			while (i < n) {
				const size_t next = wn_utf8_cjk_ideograph(u + i, n - i)    ? 3
						    : wn_utf8_basic_cyrillic(u + i, n - i) ? 2
											   : 0;
				if (!next)
					break;
				needs |= N_MOJIBAKE;
				i += next;
			}
			continue;
		}
		int32_t cp;
		const size_t len = wn_utf8_next(u + i, n - i, &cp);
		if (!len)
			return -1;
		/* Basic Cyrillic letters and CJK ideographs: nothing to do. */
		const bool plain = (cp >= 0x410 && cp < 0x450) || (cp >= 0x4E00 && cp < 0xA000);
		/* Nor for other characters that needs_of leaves to
		 * wn_nf_stable, in its quick ranges: Cyrillic, box drawing,
		 * kana; and but for NFKC the letters and signs of Latin-1 and
		 * Latin Extended, most general punctuation, fullwidth ASCII. */
		const bool stable = (cp >= 0x400 && cp < 0x483) || (cp >= 0x2500 && cp < 0x2600) ||
				    (cp >= 0x3041 && cp <= 0x3094) ||
				    (!r->nfkc && ((cp > 0xA0 && cp < 0x300 && cp != 0x152 && cp != 0x153) ||
						  (cp >= 0x2010 && cp < 0x2028) ||
						  (cp >= 0x2030 && cp < 0x205F) ||
						  (cp >= 0x30A1 && cp <= 0x30FA) ||
						  (cp >= 0xFF01 && cp <= 0xFF5E)));
		if (!plain && !stable)
			needs |= needs_of(cp, r->nfkc);
		if (!plain && !mojibake)
			mojibake = wn_mojibake_char(cp);
		needs |= N_FOLD | (high ? N_MOJIBAKE : 0);
		high = true;
		a_hat = cp == 0xC2 || cp == 0xC3;
		i += len;
	}
	if (!mojibake)
		needs &= ~(unsigned)N_MOJIBAKE;
	return (int)(needs & ~(r->ascii ? 0u : (unsigned)N_FOLD));
}

/* Decodes p[0..n), valid UTF-8, into b, and tells in *needs_out what in it
 * any rule may act on: most text holds nothing, and costs this pass only. */
static int decode_piece(struct wn_cpbuf *b, const char *p, size_t n, bool compat,
			unsigned *needs_out)
{
	b->len = 0;
	if (wn_cpbuf_reserve(b, n) != 0)
		return WN_E_NOMEM;
	const unsigned char *u = (const unsigned char *)p;
	unsigned needs = 0;
	bool high = false, a_hat = false; /* the last character: non-ASCII, Ã or Â */
	for (size_t i = 0; i < n;) {
		int32_t cp = u[i];
		if (cp < 0x80) {
			if (cp < 0x20 || cp == 0x7F)
				needs |= cp == '\r' || cp == '\n' ? N_BREAK : cp == '\t' ? 0 : N_REMOVE;
			else if (cp == ' ' && a_hat)
				needs |= N_MOJIBAKE;
			high = a_hat = false;
			b->ptr[b->len++] = cp;
			i++;
			continue;
		}
		const size_t len = wn_utf8_decode(u + i, n - i, &cp);
		assert(len > 0); /* the caller made the line valid UTF-8 */
		needs |= N_FOLD | (high ? N_MOJIBAKE : 0) | needs_of(cp, compat);
		high = true;
		a_hat = cp == 0xC2 || cp == 0xC3;
		b->ptr[b->len++] = cp;
		i += len;
	}
	*needs_out = needs;
	return 0;
}

static int encode_append(struct wn_buf *out, const struct wn_cpbuf *b)
{
	if (wn_buf_reserve(out, 4 * b->len) != 0)
		return WN_E_NOMEM;
	for (size_t i = 0; i < b->len; i++)
		out->len += wn_utf8_encode(b->ptr[i], out->ptr + out->len);
	return 0;
}

static int normalize(struct wn_repair *r, uint32_t *fired)
{
	const enum wn_repair_rule rule = r->nfkc ? WN_REPAIR_NFKC : WN_REPAIR_NFC;
	if (!on(r, rule))
		return 0;
	bool changed;
	const int rc = wn_normalize(&r->cps, &r->tmp, &r->bytes, r->nfkc, &changed);
	if (changed)
		*fired |= BIT(rule);
	return rc;
}

/* The rules over code points, on one line's worth of r->cps, those of
 * them that needs says may act. The text is normalized before mojibake is
 * looked for, so that what normalization would uncover is seen; the rules
 * that map characters come after, so that mojibake is judged on the raw
 * text, NBSPs and C1 controls included. */
static int repair_segment(struct wn_repair *r, unsigned needs, uint32_t *fired)
{
	uint32_t f = 0;
	int rc = needs & N_NORM ? normalize(r, &f) : 0;
	bool fixed = false;
	if (!rc && (needs & N_MOJIBAKE || f) && on(r, WN_REPAIR_MOJIBAKE))
		rc = wn_mojibake_fix(&r->mj, &r->cps, &fixed);
	if (rc)
		return rc;
	if (fixed)
		f |= BIT(WN_REPAIR_MOJIBAKE);
	if (needs & N_MAP || fixed)
		map_chars(r, &r->cps, &f);
	if (f & ~(BIT(WN_REPAIR_NFC) | BIT(WN_REPAIR_NFKC)))
		rc = normalize(r, &f);
	if (!rc && r->ascii && (needs & N_FOLD || f) && on(r, WN_REPAIR_ASCII)) {
		bool folded;
		rc = wn_ascii_fold(&r->cps, &r->tmp, &folded);
		if (folded)
			f |= BIT(WN_REPAIR_ASCII);
	}
	*fired |= f;
	return rc;
}

static int append_cps(struct wn_cpbuf *to, const int32_t *cp, size_t n)
{
	if (n == 0)
		return 0; /* to->ptr may still be NULL */
	if (wn_cpbuf_reserve(to, n) != 0)
		return WN_E_NOMEM;
	memcpy(to->ptr + to->len, cp, n * sizeof(*cp));
	to->len += n;
	return 0;
}

/* Repairs the piece in r->cps: invisible characters go, then each line it
 * breaks into is repaired on its own, as it will be judged (and as it
 * would be if repaired again). ends_line: the piece ends the line. */
static int repair_piece(struct wn_repair *r, unsigned needs, bool ends_line, uint32_t *fired)
{
	if (needs & N_REMOVE) {
		uint32_t f = 0;
		remove_invisible(r, &r->cps, &f);
		if (f) /* what was apart may now be side by side */
			needs |= N_MOJIBAKE | N_NORM;
		*fired |= f;
	}
	if (!(needs & N_BREAK))
		return repair_segment(r, needs, fired);
	size_t content = r->cps.len; /* past it, only CR, space and tab */
	if (ends_line)
		while (content && (r->cps.ptr[content - 1] == '\r' || r->cps.ptr[content - 1] == ' ' ||
				   r->cps.ptr[content - 1] == '\t'))
			content--;
	size_t at = 0;
	while (at < r->cps.len && !breaks_line(r, &r->cps, at, content))
		at++;
	if (at == r->cps.len)
		return repair_segment(r, needs, fired);
	struct wn_cpbuf whole = r->whole;
	r->whole = r->cps;
	r->cps = whole;
	r->joined.len = 0;
	int rc = 0;
	for (size_t start = 0; !rc;) {
		r->cps.len = 0;
		rc = append_cps(&r->cps, r->whole.ptr + start, at - start);
		if (!rc)
			rc = repair_segment(r, needs, fired);
		if (!rc)
			rc = append_cps(&r->joined, r->cps.ptr, r->cps.len);
		if (rc || at == r->whole.len)
			break;
		if (r->whole.ptr[at] != '\n')
			*fired |= BIT(WN_REPAIR_LINE_BREAKS);
		rc = append_cps(&r->joined, (const int32_t[]){ '\n' }, 1);
		start = at + 1;
		at = start;
		while (at < r->whole.len && !breaks_line(r, &r->whole, at, content))
			at++;
	}
	if (rc)
		return rc;
	const struct wn_cpbuf t = r->cps;
	r->cps = r->joined;
	r->joined = t;
	return 0;
}

/* Runs the rules over code points on p[0..n), valid UTF-8, piece by piece.
 * The result goes to out only if a rule changed something. */
static int repair_chars(struct wn_repair *r, const char *p, size_t n, struct wn_buf *out,
			uint32_t *fired, bool *changed_out)
{
	*changed_out = false;
	out->len = 0;
	for (size_t done = 0; done < n;) {
		const size_t len = piece_len(p + done, n - done);
		uint32_t f = 0;
		unsigned needs;
		int rc = decode_piece(&r->cps, p + done, len, r->nfkc, &needs);
		if (!rc && needs & ~(r->ascii ? 0u : (unsigned)N_FOLD))
			rc = repair_piece(r, needs, done + len == n, &f);
		if (!rc && f && !*changed_out) {
			*changed_out = true;
			rc = wn_buf_append(out, p, done);
		}
		if (!rc && *changed_out)
			rc = f ? encode_append(out, &r->cps) : wn_buf_append(out, p + done, len);
		if (rc)
			return rc;
		*fired |= f;
		done += len;
	}
	return 0;
}

/* ---- The stage ------------------------------------------------------------ */

/* The buffer of the two that text p is not in. */
static struct wn_buf *other(struct wn_repair *r, const char *p)
{
	return p == r->scratch.ptr ? &r->spare : &r->scratch;
}

/* One pass of every rule over p[0..n): the result in *p_out, *n_out and
 * the rules that changed it in *fired. */
static int repair_pass(struct wn_repair *r, const char **p_io, size_t *n_io, uint32_t *fired)
{
	const char *p = *p_io;
	size_t n = *n_io;
	unsigned flags = scan(p, n, r->reference);
	if (!flags)
		return 0;
	bool valid = true;
	int rc = 0;
	/* Most lines with a byte >= 0x80 are valid UTF-8 that no rule acts
	 * on: one quick pass tells, before anything is decoded. */
	const int quick = flags == F_HIGH && !r->reference ? quick_needs(r, p, n) : -1;
	if (quick == 0)
		return 0;
	/* Only mojibake may be there: that needs a suspicious sequence (in a
	 * line of one piece, where the line's start is the piece's). */
	if (quick == N_MOJIBAKE && n <= PIECE && wn_mojibake_clean_utf8(p, n))
		return 0;
	if ((flags & F_HIGH) && quick < 0 && !wn_utf8_valid(p, n)) {
		struct wn_buf *out = other(r, p);
		rc = repair_utf8(r, p, n, out, fired, &valid);
		if (!rc && valid) {
			p = out->ptr;
			n = out->len;
		}
	}
	if (!rc && (flags & F_AMP) && on(r, WN_REPAIR_ENTITIES)) {
		struct wn_buf *out = other(r, p);
		bool changed;
		rc = decode_entities(p, n, r->reference, out, &changed);
		if (!rc && changed) {
			*fired |= BIT(WN_REPAIR_ENTITIES);
			p = out->ptr;
			n = out->len;
			flags = scan(p, n, r->reference); /* "&#1;" or "&eacute;" made new work */
		}
	}
	if (!rc && valid && (flags & (F_HIGH | F_CTRL))) {
		struct wn_buf *out = other(r, p);
		bool changed;
		rc = repair_chars(r, p, n, out, fired, &changed);
		if (!rc && changed) {
			p = out->ptr;
			n = out->len;
		}
	}
	*p_io = p;
	*n_io = n;
	return rc;
}

int wn_repair_push(struct wn_repair *r, struct wn_line *line, uint32_t *fired_out)
{
	const char *p = line->ptr;
	size_t n = line->len;
	uint32_t fired = 0;
	for (int pass = 0; pass < MAX_PASSES; pass++) {
		uint32_t f = 0;
		const int rc = repair_pass(r, &p, &n, &f);
		if (rc)
			return rc;
		fired |= f;
		if (!f)
			break;
	}
	if (fired) {
		line->ptr = (char *)(uintptr_t)p;
		line->len = n;
	}
	*fired_out = fired;
	return 0;
}

unsigned wn_repair_scan(const char *p, size_t n, bool reference)
{
	return scan(p, n, reference);
}
