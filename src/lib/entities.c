/* entities.c - decodes HTML character references in a line of text: the
 * named references of HTML5 that end in ';', and decimal and hex ones. */
#include <string.h>

#include "internal.h"

#define MAX_NAME 32 /* longest HTML5 name: CounterClockwiseContourIntegral */

bool wn_entities_literal(const char *p, size_t n)
{
	return memchr(p, '<', n) != NULL;
}

static bool is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int hex_value(unsigned char c)
{
	if (is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The entity called name[0..len), or NULL. */
static const struct wn_entity *find_named(const char *name, size_t len)
{
	size_t lo = 0, hi = WN_ENTITY_COUNT;
	while (lo < hi) {
		const size_t mid = lo + (hi - lo) / 2;
		const struct wn_entity *e = &wn_entities[mid];
		const size_t k = len < e->name_len ? len : e->name_len;
		int cmp = memcmp(name, e->name, k);
		if (cmp == 0)
			cmp = len < e->name_len ? -1 : len > e->name_len;
		if (cmp == 0)
			return e;
		if (cmp < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* What a numeric reference stands for, as HTML5 decodes it: nothing
 * outside Unicode scalar values, and 0x80..0x9F as Windows-1252. */
static int32_t numeric_value(uint32_t v, bool overflow)
{
	if (overflow || v == 0 || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		return 0xFFFD;
	if (v >= 0x80 && v <= 0x9F)
		return wn_charset_hi[WN_CS_1252][v - 0x80];
	return (int32_t)v;
}

/* Parses the reference whose '&' precedes q[0..m). Returns the number of
 * bytes after the '&' it spans, ';' included, with its code points in
 * cp[0..*ncp_out); or 0 when q does not start a reference we decode. */
static size_t parse_ref(const char *q, size_t m, int32_t cp[2], unsigned *ncp_out)
{
	const unsigned char *u = (const unsigned char *)q;
	size_t i = 0;
	if (m >= 1 && u[0] == '#') {
		const bool hex = m >= 2 && (u[1] == 'x' || u[1] == 'X');
		i = hex ? 2 : 1;
		const size_t first = i;
		uint32_t v = 0;
		bool overflow = false;
		for (; i < m; i++) {
			const int d = hex ? hex_value(u[i]) : (is_digit(u[i]) ? u[i] - '0' : -1);
			if (d < 0)
				break;
			v = v * (hex ? 16u : 10u) + (uint32_t)d;
			if (v > 0x10FFFF) {
				overflow = true;
				v = 0x110000; /* stays out of range whatever follows */
			}
		}
		if (i == first || i >= m || u[i] != ';')
			return 0;
		cp[0] = numeric_value(v, overflow);
		*ncp_out = 1;
		return i + 1;
	}
	if (m == 0 || !is_alpha(u[0]))
		return 0;
	while (i < m && i <= MAX_NAME && (is_alpha(u[i]) || is_digit(u[i])))
		i++;
	if (i >= m || i > MAX_NAME || u[i] != ';')
		return 0;
	const struct wn_entity *e = find_named(q, i);
	if (!e)
		return 0;
	cp[0] = e->cp[0];
	cp[1] = e->cp[1];
	*ncp_out = e->ncp;
	return i + 1;
}

/* Parses the reference at p[0] == '&', and goes on while it decodes to
 * an '&' that starts another one ("&amp;lt;" is "<"), so that decoding the
 * result again changes nothing. Returns the bytes spanned, or 0. */
static size_t parse_chain(const char *p, size_t n, int32_t cp[2], unsigned *ncp_out)
{
	size_t k = parse_ref(p + 1, n - 1, cp, ncp_out);
	size_t len = 1;
	while (k) {
		len += k;
		if (*ncp_out != 1 || cp[0] != '&')
			break;
		int32_t next[2];
		unsigned ncp;
		k = parse_ref(p + len, n - len, next, &ncp);
		if (k) {
			memcpy(cp, next, sizeof(next));
			*ncp_out = ncp;
		}
	}
	return len > 1 ? len : 0;
}

int wn_entities_decode(const char *p, size_t n, struct wn_buf *out, bool *changed_out)
{
	*changed_out = false;
	size_t done = 0; /* p[0..done) is in out */
	const char *amp = memchr(p, '&', n);
	while (amp) {
		const size_t at = (size_t)(amp - p);
		int32_t cp[2];
		unsigned ncp = 0;
		const size_t len = parse_chain(amp, n - at, cp, &ncp);
		size_t next = at + 1;
		if (len) {
			char enc[8];
			size_t w = 0;
			for (unsigned k = 0; k < ncp; k++)
				w += wn_utf8_encode(cp[k], enc + w);
			if (wn_buf_append(out, p + done, at - done) != 0 ||
			    wn_buf_append(out, enc, w) != 0)
				return WN_E_NOMEM;
			*changed_out = true;
			done = next = at + len;
		}
		amp = next < n ? memchr(p + next, '&', n - next) : NULL;
	}
	if (*changed_out && wn_buf_append(out, p + done, n - done) != 0)
		return WN_E_NOMEM;
	return 0;
}
