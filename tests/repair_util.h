/* repair_util.h - running the character repair stage on strings, for the
 * tests of the repair stage and its parts. */
#ifndef WN_TEST_REPAIR_UTIL_H
#define WN_TEST_REPAIR_UTIL_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* A repaired line: its bytes (NUL-terminated copy) and the rules that
 * fired, as bits and as "name,name". */
struct repaired {
	char *text;
	size_t len;
	uint32_t fired;
	char rules[256];
	bool same_ptr; /* the stage left the line where it was */
};

static inline void rule_names_of(uint32_t fired, char *buf, size_t cap)
{
	size_t w = 0;
	buf[0] = '\0';
	for (unsigned bit = 0; bit < 32; bit++) {
		if (!(fired >> bit & 1))
			continue;
		const char *name = wn_repair_char_rule_name(bit);
		w += (size_t)snprintf(buf + w, cap - w, "%s%s", w ? "," : "", name ? name : "?");
	}
}

/* Runs the stage r on in[0..n); the result is the caller's to free. */
static inline struct repaired repair_with(struct wn_repair *r, const char *in, size_t n)
{
	char *copy = malloc(n + 1);
	cr_assert(copy);
	memcpy(copy, in, n);
	struct wn_line line = { copy, n };
	struct repaired out = { 0 };
	cr_assert_eq(wn_repair_push(r, &line, &out.fired), 0);
	out.same_ptr = line.ptr == copy;
	out.len = line.len;
	out.text = malloc(line.len + 1);
	cr_assert(out.text);
	memcpy(out.text, line.ptr, line.len);
	out.text[line.len] = '\0';
	rule_names_of(out.fired, out.rules, sizeof(out.rules));
	free(copy);
	return out;
}

/* Runs a fresh stage made from *opt (NULL: defaults) on in[0..n). */
static inline struct repaired repair_opt(const struct wn_options *opt, const char *in, size_t n)
{
	const struct wn_options defaults = { 0 };
	struct wn_repair r;
	cr_assert_eq(wn_repair_init(&r, opt ? opt : &defaults), 0);
	const struct repaired out = repair_with(&r, in, n);
	wn_repair_free(&r);
	return out;
}

static inline struct repaired repair_str(const char *in)
{
	return repair_opt(NULL, in, strlen(in));
}

/* in[0..n) with bytes outside printable ASCII as \xHH, for messages;
 * returns buf. */
static inline char *escaped(const char *in, size_t n, char *buf, size_t cap)
{
	size_t w = 0;
	for (size_t i = 0; i < n && w + 5 < cap; i++) {
		const unsigned char c = (unsigned char)in[i];
		if (c >= 0x20 && c < 0x7F && c != '\\')
			buf[w++] = (char)c;
		else
			w += (size_t)snprintf(buf + w, cap - w, "\\x%02X", c);
	}
	buf[w] = '\0';
	return buf;
}

/* Whether repairing each line of text[0..n) (split at '\n') again
 * changes nothing; on failure, *bad_out is the first such line. */
static inline bool repair_is_stable(struct wn_repair *r, const char *text, size_t n,
				    struct repaired *bad_out)
{
	const char *p = text, *end = text + n;
	for (;;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const size_t len = (size_t)((nl ? nl : end) - p);
		struct repaired again = repair_with(r, p, len);
		if (again.fired) {
			*bad_out = again;
			return false;
		}
		free(again.text);
		if (!nl)
			return true;
		p = nl + 1;
	}
}

#endif
