/* fuzz_formats.c - JSON Lines and WET framing on arbitrary bytes. The first
 * bytes pick the format and options and a chunking; the invariants checked:
 * the output and the malformed-record count are the same pushed whole or in
 * pieces, and the statistics balance (lines and documents). --strip-nav
 * may be on, so a record's address (WET's WARC-Target-URI, a JSON "url")
 * goes through the navigation classifier's title words too. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	if (n < 2)
		return 0;
	static const enum wn_format formats[4] = { WN_FORMAT_JSONL, WN_FORMAT_WET, WN_FORMAT_AUTO,
						   WN_FORMAT_WET };
	struct wn_options opt = { 0 };
	opt.format = formats[d[0] & 3];
	opt.on_error = d[0] & 4 ? WN_ON_ERROR_SKIP : WN_ON_ERROR_PASS;
	opt.doc_dedup = (d[0] & 8) != 0;
	opt.keep_empty = (d[0] & 16) != 0;
	opt.wet_digest = (d[0] & 32) != 0;
	opt.scope = d[0] & 64 ? WN_SCOPE_DOC : WN_SCOPE_STREAM;
	opt.max_doc = d[0] & 128 ? 64 : 0;
	opt.min_chars = 4;
	const size_t chunk = 1 + (size_t)(d[1] >> 2);
	if (d[1] & 1)
		opt.disable |= WN_STAGE_REPAIR;
	opt.strip_nav = (d[1] & 2) != 0;
	d += 2;
	n -= 2;

	struct wn_stats whole_st, piece_st;
	uint64_t whole_errors = 0, piece_errors = 0;
	struct out whole = run_filter(&opt, d, n, n ? n : 1, true, &whole_st, &whole_errors);
	struct out piece = run_filter(&opt, d, n, chunk, true, &piece_st, &piece_errors);
	if (whole.len != piece.len || (whole.len && memcmp(whole.buf, piece.buf, whole.len) != 0))
		abort();
	if (whole_errors != piece_errors || whole_errors != whole_st.records_malformed)
		abort();
	free(whole.buf);
	free(piece.buf);
	return 0;
}
