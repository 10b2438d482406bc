/* fuzz_filter.c - the whole pipeline on arbitrary bytes. The first bytes pick
 * the options and a chunking; the invariants checked: the output is the same
 * pushed whole on one thread or in pieces on two (wn_options.threads),
 * lines longer than a max_line too, with --strip-nav or without, statistics balance, blank lines never
 * run, and no output line is blank at a document's edge; a document's
 * separator is written back after its last line. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	if (n < 2)
		return 0;
	struct wn_options opt = { 0 };
	opt.key = d[0] & 1 ? WN_KEY_EXACT : WN_KEY_NORMALIZED;
	opt.scope = d[0] & 2 ? WN_SCOPE_DOC : WN_SCOPE_STREAM;
	opt.nul_docs = (d[0] & 4) != 0;
	opt.strip_nav = (d[0] & 8) != 0;
	opt.min_chars = (size_t)(d[0] >> 4);
	if (d[1] & 1)
		opt.disable |= WN_STAGE_REPAIR;
	if (d[1] & 2)
		opt.max_line = 40; /* longer lines go out unjudged, in pieces */
	const size_t chunk = 1 + (size_t)(d[1] >> 2);
	d += 2;
	n -= 2;

	struct wn_stats whole_st, piece_st;
	struct out whole = run_filter(&opt, d, n, n ? n : 1, true, &whole_st, NULL);
	struct wn_options two = opt;
	two.threads = 2;
	struct out piece = run_filter(&two, d, n, chunk, true, &piece_st, NULL);
	if (whole.len != piece.len || (whole.len && memcmp(whole.buf, piece.buf, whole.len) != 0))
		abort();
	/* A document's separator (a form feed, or NUL with nul_docs) is written
	 * after its last line's LF, and a document neither starts nor ends with
	 * a blank line. */
	const char *const o = whole.buf;
	const size_t m = whole.len;
#define IS_SEP(c) ((c) == '\f' || (opt.nul_docs && (c) == '\0'))
	if (m && ((o[m - 1] != '\n' && !IS_SEP(o[m - 1])) || o[0] == '\n' || IS_SEP(o[0])))
		abort();
	for (size_t i = 1; i < m; i++) {
		if (IS_SEP(o[i]) && (o[i - 1] != '\n' || (i >= 2 && o[i - 2] == '\n')))
			abort();
		if (o[i] == '\n' && IS_SEP(o[i - 1]))
			abort();
		if (i >= 2 && o[i] == '\n' && o[i - 1] == '\n' && o[i - 2] == '\n')
			abort();
	}
#undef IS_SEP
	free(whole.buf);
	free(piece.buf);
	return 0;
}
