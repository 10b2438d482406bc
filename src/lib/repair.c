/* repair.c - the character and encoding repairs of one line, in order:
 * bytes to valid UTF-8, HTML entities, invisible characters, mojibake,
 * C1 controls, line breaks, spaces, Unicode normalization. */
#include <assert.h>
#include <string.h>
#include <utf8proc.h>

#include "internal.h"

/* Code points are worked on in pieces of at most this many bytes of a
 * long line, so that memory stays proportional to the line, not four
 * times it (see piece_len). */
#define PIECE ((size_t)64 << 10)

#define BIT(rule) ((uint32_t)1 << (rule))

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
	wn_mojibake_free(&r->mj);
}

/* ---- The fast scan ------------------------------------------------------- */

enum { F_HIGH = 1, F_AMP = 2, F_CTRL = 4 };

static uint64_t has_zero_byte(uint64_t v)
{
	return (v - 0x0101010101010101ull) & ~v & 0x8080808080808080ull;
}

/* What the line holds that some rule may act on: a byte >= 0x80, an '&',
 * a control character other than TAB. Most lines hold none of these and
 * cost this scan only, eight bytes at a step. */
static unsigned scan(const char *p, size_t n)
{
	unsigned f = 0;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, p + i, 8);
		const uint64_t high = w & 0x8080808080808080ull;
		const uint64_t ctrl = (w - 0x2020202020202020ull) & ~w & 0x8080808080808080ull;
		if (!high && !ctrl && !has_zero_byte(w ^ 0x2626262626262626ull) &&
		    !has_zero_byte(w ^ 0x7F7F7F7F7F7F7F7Full))
			continue;
		break;
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
 * replacement in *repl_out (-1: removed); or -1 when none applies.
 * trailing: only CR, space and tab follow to the end of the line. */
static int map_rule(int32_t cp, int32_t prev, int32_t next, bool trailing, int32_t *repl_out)
{
	if (cp == '\r') {
		/* A CR ending the line is trimmed with the trailing space. */
		*repl_out = '\n';
		return trailing ? -1 : WN_REPAIR_LINE_BREAKS;
	}
	if (cp < 0x80)
		return -1;
	if (cp == 0x85) {
		const bool ellipsis = nel_is_ellipsis(next);
		*repl_out = ellipsis ? 0x2026 : '\n';
		return ellipsis ? WN_REPAIR_C1_CONTROLS : WN_REPAIR_LINE_BREAKS;
	}
	if (cp < 0xA0) {
		/* A C1 control is Windows-1252 read as Latin-1 in text that
		 * Windows-1252 could hold ("don\x92t"); elsewhere (amid Chinese,
		 * say) it is the debris of another mis-decoding. */
		const int32_t w = wn_charset_hi[WN_CS_1252][cp - 0x80];
		const bool mapped = w != cp && in_1252(prev) && in_1252(next);
		*repl_out = mapped ? w : -1;
		return mapped ? WN_REPAIR_C1_CONTROLS : WN_REPAIR_CONTROLS;
	}
	if (cp == 0x2028 || cp == 0x2029) {
		*repl_out = '\n';
		return WN_REPAIR_LINE_BREAKS;
	}
	if (cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x202F ||
	    cp == 0x205F) {
		*repl_out = ' ';
		return space_is_meant(cp, prev, next) ? -1 : WN_REPAIR_SPACES;
	}
	return -1;
}

/* C1 controls, line breaks and spaces: each character maps to one or
 * none, so b is rewritten in place; the rules see the original
 * neighbours. ends_line: b is the end of the line. */
static void map_chars(const struct wn_repair *r, struct wn_cpbuf *b, bool ends_line,
		      uint32_t *fired)
{
	size_t content = b->len; /* past it, only CR, space and tab */
	if (ends_line)
		while (content && (b->ptr[content - 1] == '\r' || b->ptr[content - 1] == ' ' ||
				   b->ptr[content - 1] == '\t'))
			content--;
	int32_t prev = -1;
	size_t w = 0;
	for (size_t i = 0; i < b->len; i++) {
		const int32_t cp = b->ptr[i];
		const int32_t next = i + 1 < b->len ? b->ptr[i + 1] : -1;
		int32_t repl = cp;
		const int rule = map_rule(cp, prev, next, i >= content, &repl);
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

static int decode_piece(struct wn_cpbuf *b, const char *p, size_t n)
{
	b->len = 0;
	if (wn_cpbuf_reserve(b, n) != 0)
		return WN_E_NOMEM;
	const unsigned char *u = (const unsigned char *)p;
	for (size_t i = 0; i < n;) {
		int32_t cp = u[i];
		const size_t len = cp < 0x80 ? 1 : wn_utf8_decode(u + i, n - i, &cp);
		assert(len > 0); /* the caller made the line valid UTF-8 */
		b->ptr[b->len++] = cp;
		i += len;
	}
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

/* The rules over code points, on r->cps. Invisible characters go first
 * and the text is normalized before mojibake is looked for, so that what
 * they would uncover is seen; the rules that map characters come after, so
 * that mojibake is judged on the raw text, NBSPs and C1 controls included. */
static int repair_piece(struct wn_repair *r, bool ends_line, uint32_t *fired)
{
	remove_invisible(r, &r->cps, fired);
	int rc = normalize(r, fired);
	bool fixed = false;
	if (!rc && on(r, WN_REPAIR_MOJIBAKE)) {
		rc = wn_mojibake_fix(&r->mj, &r->cps, &fixed);
		if (fixed)
			*fired |= BIT(WN_REPAIR_MOJIBAKE);
	}
	if (rc)
		return rc;
	uint32_t mapped = 0;
	map_chars(r, &r->cps, ends_line, &mapped);
	*fired |= mapped;
	if (fixed || mapped)
		rc = normalize(r, fired);
	if (!rc && r->ascii && on(r, WN_REPAIR_ASCII)) {
		bool folded;
		rc = wn_ascii_fold(&r->cps, &r->tmp, &folded);
		if (folded)
			*fired |= BIT(WN_REPAIR_ASCII);
	}
	return rc;
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
		int rc = decode_piece(&r->cps, p + done, len);
		if (!rc)
			rc = repair_piece(r, done + len == n, &f);
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

int wn_repair_push(struct wn_repair *r, struct wn_line *line, uint32_t *fired_out)
{
	*fired_out = 0;
	unsigned flags = scan(line->ptr, line->len);
	if (!flags)
		return 0;
	/* The text so far, and which of the two buffers holds it (none: the
	 * line itself); each pass writes into the other one. */
	const char *p = line->ptr;
	size_t n = line->len;
	struct wn_buf *held = NULL;
	uint32_t fired = 0;
	bool valid = true;
	int rc = 0;
	if ((flags & F_HIGH) && !wn_utf8_valid(p, n)) {
		struct wn_buf *out = &r->scratch;
		rc = repair_utf8(r, p, n, out, &fired, &valid);
		if (!rc && valid) {
			p = out->ptr;
			n = out->len;
			held = out;
		}
	}
	if (!rc && (flags & F_AMP) && on(r, WN_REPAIR_ENTITIES) && !wn_entities_literal(p, n)) {
		struct wn_buf *out = held == &r->scratch ? &r->spare : &r->scratch;
		bool changed;
		out->len = 0;
		rc = wn_entities_decode(p, n, out, &changed);
		if (!rc && changed) {
			fired |= BIT(WN_REPAIR_ENTITIES);
			p = out->ptr;
			n = out->len;
			held = out;
			flags = scan(p, n); /* "&#1;" or "&eacute;" made new work */
		}
	}
	if (!rc && valid && (flags & (F_HIGH | F_CTRL))) {
		struct wn_buf *out = held == &r->scratch ? &r->spare : &r->scratch;
		bool changed;
		rc = repair_chars(r, p, n, out, &fired, &changed);
		if (!rc && changed) {
			p = out->ptr;
			n = out->len;
		}
	}
	if (rc)
		return rc;
	if (fired) {
		line->ptr = (char *)(uintptr_t)p;
		line->len = n;
	}
	*fired_out = fired;
	return 0;
}
