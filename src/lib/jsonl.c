/* jsonl.c - JSON Lines framing: one object per line, its text in one named
 * field. An exact scanner (RFC 8259) checks each line, decodes that field's
 * string and leaves every other byte as it is, so a record can be written
 * back with only its text changed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define MAX_DEPTH 512
#define REPLACEMENT 0xFFFD /* for a \u escape of an unpaired surrogate */

/* Bytes a string holds as they are: all but '"', '\\' and controls. */
static const unsigned char str_plain[256] = {
	[0x20] = 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	[0x30] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	[0x40] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	[0x50] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,
	[0x60] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	[0x70] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	[0x80] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	[0x90] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	[0xA0] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	[0xB0] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	[0xC0] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	[0xD0] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	[0xE0] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	[0xF0] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};

/* The first byte at or after p (before end) that a string cannot hold as
 * it is. Eight bytes at a time first: a word has none of '"', '\\' and
 * the controls when no byte of it is zero after XOR with '"' or '\\',
 * and none is below 0x20 (each test exact for "some byte"). */
static const unsigned char *plain_run(const unsigned char *p, const unsigned char *end)
{
	const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
	while (end - p >= 8) {
		uint64_t x;
		memcpy(&x, p, 8);
		const uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\');
		if ((((q - ones) & ~q) | ((b - ones) & ~b) | ((x - ones * 0x20) & ~x)) & highs)
			break;
		p += 8;
	}
	while (p < end && str_plain[*p])
		p++;
	return p;
}

/* ---- Scanning one line ------------------------------------------------- */

struct scan {
	const unsigned char *p;     /* the next byte */
	const unsigned char *begin; /* the line, for columns */
	const unsigned char *end;
	const char *err;            /* the first error, static text */
	const unsigned char *err_at;
};

static bool fail_at(struct scan *s, const unsigned char *at, const char *err)
{
	s->err = err;
	s->err_at = at;
	return false;
}

static void skip_ws(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\r' || *s->p == '\n'))
		s->p++;
}

static int hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The four hex digits at p (before end), or -1. */
static int32_t hex4(const unsigned char *p, const unsigned char *end)
{
	if (end - p < 4)
		return -1;
	int32_t v = 0;
	for (int i = 0; i < 4; i++) {
		const int d = hex_value(p[i]);
		if (d < 0)
			return -1;
		v = v << 4 | d;
	}
	return v;
}

/* Checks the string at s->p (its opening quote) and steps past it. */
static bool skip_string(struct scan *s)
{
	const unsigned char *p = s->p + 1;
	for (;;) {
		p = plain_run(p, s->end);
		if (p == s->end)
			return fail_at(s, s->p, "unterminated string");
		if (*p == '"')
			break;
		if (*p != '\\')
			return fail_at(s, p, "control character in a string");
		if (p + 1 == s->end)
			return fail_at(s, s->p, "unterminated string");
		switch (p[1]) {
		case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
			p += 2;
			break;
		case 'u':
			if (hex4(p + 2, s->end) < 0)
				return fail_at(s, p, "invalid \\u escape");
			p += 6;
			break;
		default:
			return fail_at(s, p, "invalid escape");
		}
	}
	s->p = p + 1;
	return true;
}

static bool skip_digits(struct scan *s)
{
	const unsigned char *const start = s->p;
	while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
		s->p++;
	return s->p > start;
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static bool skip_number(struct scan *s)
{
	const unsigned char *const start = s->p;
	if (*s->p == '-')
		s->p++;
	if (s->p < s->end && *s->p == '0')
		s->p++;
	else if (!skip_digits(s))
		return fail_at(s, start, "invalid number");
	if (s->p < s->end && *s->p == '.') {
		s->p++;
		if (!skip_digits(s))
			return fail_at(s, start, "invalid number");
	}
	if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
		s->p++;
		if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
			s->p++;
		if (!skip_digits(s))
			return fail_at(s, start, "invalid number");
	}
	return true;
}

static bool skip_literal(struct scan *s, const char *word)
{
	const size_t n = strlen(word);
	if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0)
		return fail_at(s, s->p, "expected a value");
	s->p += n;
	return true;
}

static bool skip_value(struct scan *s, int depth);

/* The members or elements of a container after its opening bracket. */
static bool skip_container(struct scan *s, int depth, bool object)
{
	const unsigned char close = object ? '}' : ']';
	s->p++;
	skip_ws(s);
	if (s->p < s->end && *s->p == close) {
		s->p++;
		return true;
	}
	for (;;) {
		if (object) {
			if (s->p == s->end || *s->p != '"')
				return fail_at(s, s->p, "expected a string key");
			if (!skip_string(s))
				return false;
			skip_ws(s);
			if (s->p == s->end || *s->p != ':')
				return fail_at(s, s->p, "expected ':'");
			s->p++;
			skip_ws(s);
		}
		if (!skip_value(s, depth + 1))
			return false;
		skip_ws(s);
		if (s->p < s->end && *s->p == ',') {
			s->p++;
			skip_ws(s);
			continue;
		}
		if (s->p < s->end && *s->p == close) {
			s->p++;
			return true;
		}
		return fail_at(s, s->p, object ? "expected ',' or '}'" : "expected ',' or ']'");
	}
}

static bool skip_value(struct scan *s, int depth)
{
	if (s->p == s->end)
		return fail_at(s, s->p, "expected a value");
	if (depth > MAX_DEPTH)
		return fail_at(s, s->p, "nested too deeply");
	switch (*s->p) {
	case '"': return skip_string(s);
	case '{': return skip_container(s, depth, true);
	case '[': return skip_container(s, depth, false);
	case 't': return skip_literal(s, "true");
	case 'f': return skip_literal(s, "false");
	case 'n': return skip_literal(s, "null");
	default:
		if (*s->p == '-' || (*s->p >= '0' && *s->p <= '9'))
			return skip_number(s);
		return fail_at(s, s->p, "expected a value");
	}
}

/* ---- Decoding the text field ------------------------------------------- */

/* What decoding saw, to encode the text back the same way. */
struct decoded {
	size_t esc_nonascii; /* \u escapes of characters past U+007F */
	size_t esc_slash;    /* "\/" escapes */
};

static size_t bad_string(struct scan *s, const unsigned char *at, const char *err)
{
	fail_at(s, at, err);
	return SIZE_MAX;
}

/* Decodes and checks the string at s->p into out, which has room for as
 * many bytes as are left in the line, and steps past it. Returns its
 * length, or SIZE_MAX with s->err set. */
static size_t decode_string(struct scan *s, char *out, struct decoded *d)
{
	const unsigned char *p = s->p + 1;
	const unsigned char *const end = s->end;
	char *o = out;
	for (;;) {
		const unsigned char *const run = p;
		p = plain_run(p, end);
		memcpy(o, run, (size_t)(p - run));
		o += p - run;
		if (p == end || (*p == '\\' && p + 1 == end))
			return bad_string(s, s->p, "unterminated string");
		if (*p == '"')
			break;
		if (*p != '\\')
			return bad_string(s, p, "control character in a string");
		const unsigned char e = p[1];
		switch (e) {
		case 'b': *o++ = '\b'; p += 2; continue;
		case 'f': *o++ = '\f'; p += 2; continue;
		case 'n': *o++ = '\n'; p += 2; continue;
		case 'r': *o++ = '\r'; p += 2; continue;
		case 't': *o++ = '\t'; p += 2; continue;
		case '"': case '\\': *o++ = (char)e; p += 2; continue;
		case '/': d->esc_slash++; *o++ = '/'; p += 2; continue;
		case 'u': break;
		default: return bad_string(s, p, "invalid escape");
		}
		int32_t cp = hex4(p + 2, end);
		if (cp < 0)
			return bad_string(s, p, "invalid \\u escape");
		p += 6;
		if (cp >= 0xD800 && cp <= 0xDBFF && end - p >= 6 && p[0] == '\\' && p[1] == 'u') {
			const int32_t lo = hex4(p + 2, end);
			if (lo >= 0xDC00 && lo <= 0xDFFF) {
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
				p += 6;
			}
		}
		if (cp >= 0xD800 && cp <= 0xDFFF)
			cp = REPLACEMENT;
		d->esc_nonascii += cp >= 0x80;
		o += wn_utf8_encode(cp, o);
	}
	s->p = p + 1;
	return (size_t)(o - out);
}

static size_t count_byte(const char *p, size_t n, char c)
{
	size_t count = 0;
	for (const char *q = p; (q = memchr(q, c, n - (size_t)(q - p))) != NULL; q++)
		count++;
	return count;
}

static size_t count_nonascii(const char *p, size_t n)
{
	size_t count = 0;
	for (size_t i = 0; i < n; i++)
		count += ((unsigned char)p[i] & 0xC0) == 0xC0;
	return count;
}

/* ---- One record -------------------------------------------------------- */

/* Compares the key string at [k, k_end) (quotes included) with the field. */
static int key_is_field(struct wn_jsonl *j, const unsigned char *k, const unsigned char *k_end,
			bool *match_out)
{
	const size_t n = (size_t)(k_end - k) - 2;
	if (!memchr(k + 1, '\\', n)) {
		*match_out = n == j->field_len && memcmp(k + 1, j->field, n) == 0;
		return 0;
	}
	if (wn_buf_reserve(&j->key, n) != 0)
		return WN_E_NOMEM;
	struct scan s = { k, k, k_end, NULL, NULL };
	struct decoded d = { 0, 0 };
	const size_t len = decode_string(&s, j->key.ptr, &d); /* checked: no SIZE_MAX */
	*match_out = len == j->field_len && memcmp(j->key.ptr, j->field, len) == 0;
	return 0;
}

/* Makes rec malformed: the scanner's error, at its column. */
static int bad_syntax(struct wn_jsonl *j, const struct scan *s, struct wn_record *rec)
{
	snprintf(j->msg, sizeof(j->msg), "%s at column %zu", s->err,
		 (size_t)(s->err_at - s->begin) + 1);
	rec->kind = WN_REC_BAD;
	rec->msg = j->msg;
	return 0;
}

static int bad_at(struct wn_jsonl *j, struct scan *s, const char *err, struct wn_record *rec)
{
	fail_at(s, s->p, err);
	return bad_syntax(j, s, rec);
}

static int bad_field(struct wn_jsonl *j, const char *what, struct wn_record *rec)
{
	snprintf(j->msg, sizeof(j->msg), "field \"%.*s\" %s",
		 j->field_len > 64 ? 64 : (int)j->field_len, j->field, what);
	rec->kind = WN_REC_BAD;
	rec->msg = j->msg;
	return 0;
}

/* Checks and decodes the field's string at s->p into j->text, and notes
 * how it was escaped. A bad string sets s->err. */
static int take_field(struct wn_jsonl *j, struct scan *s)
{
	const unsigned char *const start = s->p;
	j->text.len = 0;
	if (wn_buf_reserve(&j->text, (size_t)(s->end - start)) != 0)
		return WN_E_NOMEM;
	struct decoded d = { 0, 0 };
	const size_t len = decode_string(s, j->text.ptr, &d);
	if (len == SIZE_MAX)
		return 0;
	j->text.len = len;
	j->val_start = (size_t)(start - s->begin);
	j->val_end = (size_t)(s->p - s->begin);
	j->ascii = d.esc_nonascii && count_nonascii(j->text.ptr, j->text.len) == d.esc_nonascii;
	j->slash = d.esc_slash && count_byte(j->text.ptr, j->text.len, '/') == d.esc_slash;
	return 0;
}

/* A string "url" (the page's address, for --strip-nav): value[0..end)
 * with its quotes, checked already; decoded when it has escapes. */
static int take_url(struct wn_jsonl *j, const unsigned char *value, const unsigned char *end,
		    struct wn_record *rec)
{
	const size_t n = (size_t)(end - value) - 2;
	if (!memchr(value + 1, '\\', n)) {
		rec->url = (const char *)value + 1;
		rec->url_len = n;
		return 0;
	}
	if (wn_buf_reserve(&j->url, n) != 0)
		return WN_E_NOMEM;
	struct scan s = { value, value, end, NULL, NULL };
	struct decoded d = { 0, 0 };
	rec->url = j->url.ptr;
	rec->url_len = decode_string(&s, j->url.ptr, &d); /* checked: no SIZE_MAX */
	return 0;
}

/* One member "key": value of the top-level object at s->p. */
static int take_member(struct wn_jsonl *j, struct scan *s, bool *found, struct wn_record *rec)
{
	if (s->p == s->end || *s->p != '"')
		return bad_at(j, s, "expected a string key", rec);
	const unsigned char *const key = s->p;
	if (!skip_string(s))
		return bad_syntax(j, s, rec);
	const unsigned char *const key_end = s->p;
	skip_ws(s);
	if (s->p == s->end || *s->p != ':')
		return bad_at(j, s, "expected ':'", rec);
	s->p++;
	skip_ws(s);
	bool match;
	int rc = key_is_field(j, key, key_end, &match);
	if (rc)
		return rc;
	const unsigned char *const value = s->p;
	if (!match) {
		if (!skip_value(s, 1))
			return bad_syntax(j, s, rec);
	} else if (*found) {
		return bad_field(j, "appears twice", rec);
	} else if (s->p == s->end || *s->p != '"') {
		return skip_value(s, 1) ? bad_field(j, "is not a string", rec)
					: bad_syntax(j, s, rec);
	} else {
		*found = true;
		rc = take_field(j, s);
		if (rc || s->err)
			return rc ? rc : bad_syntax(j, s, rec);
	}
	if (key_end - key == 4 && memcmp(key, "\"id\"", 4) == 0) {
		const bool quoted = *value == '"';
		rec->id = (const char *)value + quoted;
		rec->id_len = (size_t)(s->p - value) - 2 * (size_t)quoted;
	} else if (key_end - key == 5 && memcmp(key, "\"url\"", 5) == 0 && *value == '"') {
		return take_url(j, value, s->p, rec);
	}
	return 0;
}

/* Parses line[0..n) (no '\n') into rec: a document, or malformed. */
static int parse_record(struct wn_jsonl *j, const char *line, size_t n, struct wn_record *rec)
{
	const unsigned char *const u = (const unsigned char *)line;
	struct scan s = { u, u, u + n, NULL, NULL };
	bool found = false;
	skip_ws(&s);
	if (s.p == s.end || *s.p != '{')
		return bad_at(j, &s, "expected a JSON object", rec);
	s.p++;
	skip_ws(&s);
	bool more = s.p == s.end || *s.p != '}';
	if (!more)
		s.p++;
	while (more) {
		const int rc = take_member(j, &s, &found, rec);
		if (rc || rec->kind == WN_REC_BAD)
			return rc;
		skip_ws(&s);
		if (s.p < s.end && *s.p == ',') {
			s.p++;
			skip_ws(&s);
		} else if (s.p < s.end && *s.p == '}') {
			s.p++;
			more = false;
		} else {
			return bad_at(j, &s, "expected ',' or '}'", rec);
		}
	}
	skip_ws(&s);
	if (s.p != s.end)
		return bad_at(j, &s, "unexpected data after the object", rec);
	if (!found)
		return bad_field(j, "is missing", rec);
	rec->kind = WN_REC_DOC;
	rec->text = j->text.ptr;
	rec->text_len = j->text.len;
	return 0;
}

static bool all_space(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
			return false;
	return true;
}

/* Hands over one line, raw[0..n) with its '\n' if it has one. */
static int take_line(struct wn_jsonl *j, const char *raw, size_t n, wn_record_fn *fn, void *ctx)
{
	struct wn_record rec = {
		.kind = WN_REC_PASS, .raw = raw, .raw_len = n, .id = "",
		.line = j->line, .text_line = j->line, .offset = j->offset,
	};
	const size_t body = n && raw[n - 1] == '\n' ? n - 1 : n;
	int rc = 0;
	if (body > j->max_doc) {
		snprintf(j->msg, sizeof(j->msg), "record longer than %zu bytes (max_doc)", j->max_doc);
		rec.kind = WN_REC_BAD;
		rec.msg = j->msg;
	} else if (!all_space(raw, body)) {
		rc = parse_record(j, raw, body, &rec);
	}
	if (!rc)
		rc = fn(ctx, &rec);
	j->line += n && raw[n - 1] == '\n';
	j->offset += n;
	return rc;
}

/* Hands over the complete lines of b[0..len), which starts a line; at the
 * end of an input (final), the unterminated rest too. A line past max_doc
 * goes out in pieces. j->scan bytes of b have no '\n'. Returns the bytes
 * used in *used_out. */
static int cut(struct wn_jsonl *j, const char *b, size_t len, bool final, wn_record_fn *fn,
	       void *ctx, size_t *used_out)
{
	size_t pos = 0;
	int rc = 0;
	while (pos < len && !rc) {
		const char *const nl = memchr(b + j->scan, '\n', len - j->scan);
		const size_t next = nl ? (size_t)(nl - b) + 1 : len;
		if (j->oversize) {
			const struct wn_record more = {
				.kind = WN_REC_MORE, .raw = b + pos, .raw_len = next - pos, .id = "",
				.line = j->line, .text_line = j->line, .offset = j->offset,
			};
			rc = fn(ctx, &more);
			j->offset += next - pos;
			j->line += nl != NULL;
			j->oversize = nl == NULL;
		} else if (nl || final) {
			rc = take_line(j, b + pos, next - pos, fn, ctx);
		} else if (len - pos > j->max_doc) {
			rc = take_line(j, b + pos, len - pos, fn, ctx);
			j->oversize = true;
		} else {
			j->scan = len;
			break;
		}
		pos = j->scan = next;
	}
	j->scan -= pos;
	*used_out = pos;
	return rc;
}

int wn_jsonl_init(struct wn_jsonl *j, const struct wn_options *opt)
{
	memset(j, 0, sizeof(*j));
	const char *const field = opt->field ? opt->field : "text";
	j->field_len = strlen(field);
	j->field = malloc(j->field_len + 1);
	if (!j->field)
		return WN_E_NOMEM;
	memcpy(j->field, field, j->field_len + 1);
	j->max_doc = opt->max_doc ? opt->max_doc : WN_DEFAULT_MAX_DOC;
	j->line = 1;
	return 0;
}

/* Lines are cut from the input itself when no partial line is held, else
 * from rec; what is left over waits in rec. */
int wn_jsonl_push(struct wn_jsonl *j, const char *p, size_t n, wn_record_fn *fn, void *ctx)
{
	size_t used;
	int rc;
	if (j->rec.len == 0) {
		rc = cut(j, p, n, false, fn, ctx, &used);
		if (!rc && wn_buf_append(&j->rec, p + used, n - used) != 0)
			rc = WN_E_NOMEM;
		return rc;
	}
	if (wn_buf_append(&j->rec, p, n) != 0)
		return WN_E_NOMEM;
	rc = cut(j, j->rec.ptr, j->rec.len, false, fn, ctx, &used);
	memmove(j->rec.ptr, j->rec.ptr + used, j->rec.len - used);
	j->rec.len -= used;
	return rc;
}

int wn_jsonl_finish(struct wn_jsonl *j, wn_record_fn *fn, void *ctx)
{
	size_t used;
	const int rc = cut(j, j->rec.ptr, j->rec.len, true, fn, ctx, &used);
	j->rec.len = j->scan = 0;
	j->oversize = false;
	j->line = 1;
	j->offset = 0;
	return rc;
}

/* ---- Writing a record back ------------------------------------------------ */

int wn_json_encode(const char *p, size_t n, bool ascii, bool slash, struct wn_buf *out)
{
	static const char hex[] = "0123456789abcdef";
	if (n > SIZE_MAX / 6 || wn_buf_reserve(out, 6 * n) != 0)
		return WN_E_NOMEM;
	const unsigned char *const u = (const unsigned char *)p;
	char *o = out->ptr + out->len;
	for (size_t i = 0; i < n;) {
		const size_t run = i;
		if (!ascii && !slash)
			i = (size_t)(plain_run(u + i, u + n) - u);
		else
			while (i < n && str_plain[u[i]] && !(ascii && u[i] >= 0x80) &&
			       !(slash && u[i] == '/'))
				i++;
		memcpy(o, u + run, i - run);
		o += i - run;
		if (i == n)
			break;
		const unsigned char c = u[i];
		int32_t cp = c;
		size_t len = 1;
		if (c >= 0x80) {
			len = wn_utf8_decode(u + i, n - i, &cp);
			if (len == 0) { /* not UTF-8: the byte goes as it is */
				*o++ = (char)c;
				i++;
				continue;
			}
		}
		i += len;
		const char *short_esc = NULL;
		switch (cp) {
		case '"': short_esc = "\\\""; break;
		case '\\': short_esc = "\\\\"; break;
		case '/': short_esc = "\\/"; break;
		case '\b': short_esc = "\\b"; break;
		case '\f': short_esc = "\\f"; break;
		case '\n': short_esc = "\\n"; break;
		case '\r': short_esc = "\\r"; break;
		case '\t': short_esc = "\\t"; break;
		default: break;
		}
		if (short_esc) {
			memcpy(o, short_esc, 2);
			o += 2;
			continue;
		}
		/* A control character, or past U+FFFF a surrogate pair. */
		int32_t units[2] = { cp, -1 };
		if (cp >= 0x10000) {
			units[0] = 0xD800 + ((cp - 0x10000) >> 10);
			units[1] = 0xDC00 + ((cp - 0x10000) & 0x3FF);
		}
		for (int k = 0; k < 2 && units[k] >= 0; k++) {
			const int32_t v = units[k];
			const char esc[6] = { '\\', 'u', hex[v >> 12 & 15], hex[v >> 8 & 15],
					      hex[v >> 4 & 15], hex[v & 15] };
			memcpy(o, esc, 6);
			o += 6;
		}
	}
	out->len = (size_t)(o - out->ptr);
	return 0;
}

int wn_jsonl_wrap(const struct wn_jsonl *j, const struct wn_record *rec, const char *text,
		  size_t n, struct wn_buf *out)
{
	const size_t tail = rec->raw_len - j->val_end;
	if (wn_buf_append(out, rec->raw, j->val_start) != 0 || wn_buf_putc(out, '"') != 0)
		return WN_E_NOMEM;
	const int rc = wn_json_encode(text, n, j->ascii, j->slash, out);
	if (rc)
		return rc;
	if (wn_buf_putc(out, '"') != 0 || wn_buf_append(out, rec->raw + j->val_end, tail) != 0)
		return WN_E_NOMEM;
	return 0;
}

void wn_jsonl_free(struct wn_jsonl *j)
{
	wn_buf_free(&j->rec);
	wn_buf_free(&j->text);
	wn_buf_free(&j->key);
	wn_buf_free(&j->url);
	free(j->field);
	j->field = NULL;
}
