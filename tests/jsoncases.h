/* jsoncases.h - reads a JSON array of objects whose members are strings
 * (ftfy's test case files) into memory, for the tests. Just enough JSON:
 * anything else fails the test that asked. */
#ifndef WN_TEST_JSONCASES_H
#define WN_TEST_JSONCASES_H

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

/* One object: its string members by name (NULL when absent). */
struct jcase {
	char *label, *comment, *original, *fixed, *fixed_encoding, *expect;
};

struct jparser {
	const char *start, *p, *end;
	const char *file;
};

static inline void jskip_space(struct jparser *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\n' || *j->p == '\r' || *j->p == '\t'))
		j->p++;
}

static inline void jexpect(struct jparser *j, char c)
{
	jskip_space(j);
	cr_assert(j->p < j->end && *j->p == c, "%s: expected '%c' at offset %ld", j->file, c,
		  (long)(j->p - j->start));
	j->p++;
}

static inline unsigned jhex4(struct jparser *j)
{
	cr_assert(j->end - j->p >= 4, "%s: short \\u escape", j->file);
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		const char c = *j->p++;
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			cr_assert_fail("%s: bad \\u escape", j->file);
	}
	return v;
}

static inline size_t jput_utf8(unsigned cp, char *o)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xC0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xE0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		o[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (char)(0xF0 | (cp >> 18));
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	o[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* A JSON string, decoded to UTF-8 and NUL-terminated (caller frees). */
static inline char *jstring(struct jparser *j)
{
	jexpect(j, '"');
	char *s = malloc((size_t)(j->end - j->p) + 1), *o = s;
	cr_assert(s);
	while (j->p < j->end && *j->p != '"') {
		if (*j->p != '\\') {
			*o++ = *j->p++;
			continue;
		}
		j->p++;
		cr_assert(j->p < j->end, "%s: escape at the end", j->file);
		const char c = *j->p++;
		switch (c) {
		case '"': case '\\': case '/': *o++ = c; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u': {
			unsigned cp = jhex4(j);
			if (cp >= 0xD800 && cp <= 0xDBFF && j->end - j->p >= 6 && j->p[0] == '\\' &&
			    j->p[1] == 'u') {
				j->p += 2;
				const unsigned low = jhex4(j);
				cr_assert(low >= 0xDC00 && low <= 0xDFFF, "%s: lone surrogate", j->file);
				cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
			}
			cr_assert(cp < 0xD800 || cp > 0xDFFF, "%s: lone surrogate", j->file);
			o += jput_utf8(cp, o);
			break;
		}
		default:
			cr_assert_fail("%s: bad escape \\%c", j->file, c);
		}
	}
	jexpect(j, '"');
	*o = '\0';
	return s;
}

/* Reads tests/data/<rel>; returns the number of cases, *out (free with
 * free_json_cases). */
static inline size_t read_json_cases(const char *rel, struct jcase **out)
{
	size_t len;
	char *text = read_source_file(rel, &len);
	struct jparser j = { text, text, text + len, rel };
	size_t n = 0, cap = 16;
	struct jcase *cases = calloc(cap, sizeof(*cases));
	cr_assert(cases);
	jexpect(&j, '[');
	jskip_space(&j);
	while (j.p < j.end && *j.p != ']') {
		if (n == cap) {
			cap *= 2;
			cases = realloc(cases, cap * sizeof(*cases));
			cr_assert(cases);
		}
		struct jcase *c = &cases[n++];
		memset(c, 0, sizeof(*c));
		jexpect(&j, '{');
		jskip_space(&j);
		while (j.p < j.end && *j.p != '}') {
			char *key = jstring(&j);
			jexpect(&j, ':');
			char *value = jstring(&j);
			char **slot = strcmp(key, "label") == 0 ? &c->label
				      : strcmp(key, "comment") == 0 ? &c->comment
				      : strcmp(key, "original") == 0 ? &c->original
				      : strcmp(key, "fixed") == 0 ? &c->fixed
				      : strcmp(key, "fixed-encoding") == 0 ? &c->fixed_encoding
				      : strcmp(key, "expect") == 0 ? &c->expect : NULL;
			cr_assert(slot, "%s: unknown member \"%s\"", rel, key);
			*slot = value;
			free(key);
			jskip_space(&j);
			if (j.p < j.end && *j.p == ',')
				j.p++;
			jskip_space(&j);
		}
		jexpect(&j, '}');
		cr_assert(c->original && c->fixed && c->expect, "%s: case %zu incomplete", rel, n);
		jskip_space(&j);
		if (j.p < j.end && *j.p == ',')
			j.p++;
		jskip_space(&j);
	}
	jexpect(&j, ']');
	free(text);
	*out = cases;
	return n;
}

static inline void free_json_cases(struct jcase *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(cases[i].label);
		free(cases[i].comment);
		free(cases[i].original);
		free(cases[i].fixed);
		free(cases[i].fixed_encoding);
		free(cases[i].expect);
	}
	free(cases);
}

#endif
