/* fuzz_repair.c - the repair stages on arbitrary bytes. The first byte picks
 * the options (--invalid, --nfkc, --ascii, punctuation on or off); the rest
 * is cut into lines at '\n'. The invariants checked, as tests/test_repair.c
 * checks them on random text: the repaired line is valid UTF-8 with no
 * control character but TAB, and repairing each of its lines again (a
 * repair may break a line in two) changes nothing; the punctuation stage
 * keeps UTF-8 valid. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

static char *copy_of(const char *p, size_t n)
{
	char *c = malloc(n ? n : 1);
	if (!c)
		abort();
	if (n)
		memcpy(c, p, n);
	return c;
}

/* Repairs p[0..n) with r (and punctuation with pu, when not NULL); returns
 * a malloc'd copy of the result and what fired. */
static char *repair(struct wn_repair *r, struct wn_punct *pu, const char *p, size_t n,
		    size_t *len_out, uint32_t *fired_out)
{
	char *c = copy_of(p, n);
	struct wn_line line = { c, n };
	uint32_t fired = 0, pfired = 0;
	if (wn_repair_push(r, &line, &fired) != 0)
		abort();
	if (!wn_utf8_valid(line.ptr, line.len))
		abort();
	if (pu) {
		if (wn_punct_push(pu, &line, &pfired) != 0)
			abort();
		if (!wn_utf8_valid(line.ptr, line.len))
			abort();
	}
	char *res = copy_of(line.ptr, line.len);
	*len_out = line.len;
	*fired_out = fired;
	free(c);
	return res;
}

/* Controls left by the character repairs: TAB anywhere, and the CR and
 * spaces at the end that the line splitter trims (a CR inside breaks the
 * line). */
static void check_controls(const char *p, size_t n)
{
	size_t end = n;
	while (end && (p[end - 1] == '\r' || p[end - 1] == ' ' || p[end - 1] == '\t'))
		end--;
	for (size_t i = 0; i < n; i++) {
		const unsigned char c = (unsigned char)p[i];
		if ((c < 0x20 && c != '\t' && c != '\n' && !(c == '\r' && i >= end)) || c == 0x7f)
			abort();
	}
}

/* The length of the line that starts at p[pos] in p[0..len). */
static size_t line_at(const char *p, size_t pos, size_t len)
{
	const char *nl = memchr(p + pos, '\n', len - pos);
	return nl ? (size_t)(nl - p) - pos : len - pos;
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	if (n < 1 || n > 16384)
		return 0;
	struct wn_options opt = { 0 };
	opt.invalid = d[0] & 1 ? WN_INVALID_DROP : WN_INVALID_REPLACE;
	opt.nfkc = (d[0] & 2) != 0;
	opt.ascii = (d[0] & 4) != 0;
	const bool punct = (d[0] & 8) != 0;
	const char *text = (const char *)d + 1;
	const size_t len = n - 1;

	struct wn_repair r;
	struct wn_punct pu;
	if (wn_repair_init(&r, &opt) != 0 || wn_punct_init(&pu, &opt) != 0)
		abort();
	for (size_t pos = 0; pos <= len;) {
		const size_t line_len = line_at(text, pos, len);
		size_t once_len;
		uint32_t fired;
		char *once = repair(&r, NULL, text + pos, line_len, &once_len, &fired);
		check_controls(once, once_len);
		/* Idempotent: each line of the result repairs to itself. */
		for (size_t q = 0; q <= once_len;) {
			const size_t l2 = line_at(once, q, once_len);
			size_t twice_len;
			uint32_t fired2;
			char *twice = repair(&r, NULL, once + q, l2, &twice_len, &fired2);
			if (fired2 || twice_len != l2 || memcmp(twice, once + q, l2) != 0)
				abort();
			free(twice);
			q += l2 + 1;
		}
		free(once);
		if (punct) {
			once = repair(&r, &pu, text + pos, line_len, &once_len, &fired);
			free(once);
		}
		pos += line_len + 1;
	}
	wn_punct_free(&pu);
	wn_repair_free(&r);
	return 0;
}
