/* test_scan.c - the exact-only hot path (scan.c and its use in filter.c):
 * wn_scan_batch splits, trims and fingerprints real lines as the general
 * splitter and keyer do, and a filter with only exact dedup on gives the
 * general pipeline's output, statistics and explanations byte for byte, on
 * real text with form feeds, NULs, CRs, trailing blanks, blank runs and
 * overlong lines, however the input is pushed. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "testutil.h"
#include "winnow.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

#define EXACT_ONLY (WN_STAGE_REPAIR | WN_STAGE_BOILERPLATE | WN_STAGE_NEAR)

/* ---- wn_scan_batch ---------------------------------------------------------- */

/* Lines of s as the general splitter gives them ('\n'-ended only). */
static size_t model_lines(const char *p, const char *end, const char **starts, size_t *lens,
			  size_t max)
{
	size_t n = 0;
	while (n < max) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			break;
		size_t len = (size_t)(nl - p);
		while (len && strchr(" \t\r\v", p[len - 1]))
			len--;
		starts[n] = p;
		lens[n++] = len;
		p = nl + 1;
	}
	return n;
}

Test(scan, batch_splits_trims_and_hashes_real_lines)
{
	struct tu_str in = tu_data("warc-head.txt"); /* CRs, mojibake, UTF-8 */
	struct wn_keyer keyer;
	wn_keyer_init(&keyer, WN_KEY_EXACT, 7);
	const struct wn_scan sc = { .seed = 7, .secret = keyer.secret, .min_chars = 20,
				    .max_line = SIZE_MAX, .dedup = true };
	const char *p = in.ptr, *const end = in.ptr + in.len;
	size_t total = 0, hashed = 0, hashed_long = 0, shortl = 0, blanks = 0;
	while (p < end) {
		struct wn_scan_line ls[13];
		const char *starts[13];
		size_t lens[13];
		const char *next;
		const size_t k = wn_scan_batch(&sc, p, end, ls, 13, &next);
		const size_t m = model_lines(p, end, starts, lens, 13);
		cr_assert_eq(k, m, "at byte %zu", (size_t)(p - in.ptr));
		for (size_t i = 0; i < k; i++) {
			cr_assert_eq(ls[i].ptr, starts[i]);
			cr_assert_eq(ls[i].len, lens[i], "line %zu", total + i);
			const struct wn_line line = { (char *)(uintptr_t)ls[i].ptr, ls[i].len };
			const size_t chars = wn_utf8_count(ls[i].ptr, ls[i].len);
			if (ls[i].len == 0) {
				cr_assert_eq(ls[i].kind, WN_SCAN_BLANK);
				blanks++;
			} else if (chars < 20) {
				cr_assert_eq(ls[i].kind, WN_SCAN_SHORT, "line %zu", total + i);
				shortl++;
			} else {
				cr_assert_eq(ls[i].kind, WN_SCAN_DEDUP, "line %zu", total + i);
				cr_assert_eq(ls[i].hash, wn_keyer_exact(&keyer, &line));
				/* the seeded XXH3, whatever the length (the scan
				 * hashes lines over 240 bytes with the secret made
				 * from the seed once) */
				cr_assert_eq(ls[i].hash, XXH3_64bits_withSeed(ls[i].ptr, ls[i].len, 7),
					     "line %zu, %zu bytes", total + i, ls[i].len);
				hashed_long += ls[i].len > 240;
				hashed++;
			}
		}
		total += k;
		if (k < 13) {
			cr_assert_eq(next, end, "stopped before the end with no long line");
			break;
		}
		p = next;
	}
	/* Every kind occurs, and UTF-8 lines near min_chars were counted. */
	cr_assert_gt(hashed, 100);
	cr_assert_gt(hashed_long, 10);
	cr_assert_gt(shortl, 10);
	cr_assert_gt(blanks, 10);
	tu_free(&in);
}

Test(scan, stops_before_an_overlong_or_unended_line)
{
	static const char text[] = "short line one\n"
				   "a line longer than the limit of thirty bytes\n"
				   "tail without end";
	const struct wn_scan sc = { .min_chars = 5, .max_line = 30, .dedup = true };
	struct wn_scan_line ls[8];
	const char *next;
	const char *const end = text + sizeof(text) - 1;
	cr_assert_eq(wn_scan_batch(&sc, text, end, ls, 8, &next), 1);
	cr_assert_eq(ls[0].len, 14);
	cr_assert_eq(ls[0].kind, WN_SCAN_DEDUP);
	cr_assert_eq(next, text + 15);
	const char *tail = strstr(text, "tail");
	cr_assert_eq(wn_scan_batch(&sc, tail, end, ls, 8, &next), 0);
	cr_assert_eq(next, tail);
	/* No dedup: nothing is hashed. */
	const struct wn_scan off = { .min_chars = 5, .max_line = SIZE_MAX };
	cr_assert_eq(wn_scan_batch(&off, text, end, ls, 8, &next), 2);
	cr_assert_eq(ls[1].kind, WN_SCAN_SHORT);
}

/* Whether p[0..n) has min code points as the scan decides it: four bytes a
 * code point at most, else its bytes less continuation bytes (10xxxxxx),
 * counted one by one. */
static bool model_long_enough(const char *p, size_t n, size_t min)
{
	if (n >= 4 * min)
		return true;
	size_t chars = 0;
	for (size_t i = 0; i < n; i++)
		chars += ((unsigned char)p[i] & 0xC0) != 0x80;
	return chars >= min;
}

/* The code points of lines under 4 * min_chars bytes are counted 16 bytes a
 * step: every line of real UTF-8 text (Cyrillic, CJK, mojibake), at every
 * limit from 1 to 64 code points (so every remainder of the last step
 * occurs), is short or looked up exactly as the byte-by-byte count says. */
Test(scan, code_points_counted_at_every_limit)
{
	static const char *const files[] = { "warc-head.txt", "resiliparse-warcfile.lynx.wet",
					     "dolma-0000.lynx.wet" };
	size_t near = 0;
	for (size_t fi = 0; fi < sizeof(files) / sizeof(files[0]); fi++) {
		struct tu_str in = tu_data(files[fi]);
		struct wn_keyer keyer;
		wn_keyer_init(&keyer, WN_KEY_EXACT, 3);
		for (size_t min = 1; min <= 64; min++) {
			const struct wn_scan sc = { .seed = 3, .secret = keyer.secret, .min_chars = min,
						    .max_line = SIZE_MAX, .dedup = true };
			const char *p = in.ptr, *const end = in.ptr + in.len;
			for (;;) {
				struct wn_scan_line ls[64];
				const char *next;
				const size_t k = wn_scan_batch(&sc, p, end, ls, 64, &next);
				for (size_t i = 0; i < k; i++) {
					if (ls[i].len == 0)
						continue;
					const bool want = model_long_enough(ls[i].ptr, ls[i].len, min);
					cr_assert_eq(ls[i].kind, want ? WN_SCAN_DEDUP : WN_SCAN_SHORT,
						     "%s, min %zu, line at byte %zu", files[fi], min,
						     (size_t)(ls[i].ptr - in.ptr));
					/* enough bytes, too few code points: counted */
					near += ls[i].len >= 16 && ls[i].len >= min && !want;
				}
				if (k < 64)
					break;
				p = next;
			}
		}
		tu_free(&in);
	}
	cr_assert_gt(near, 1000, "%zu lines decided by their multi-byte characters", near);
}

/* ---- The pipeline: exact only against the general path ------------------------ */

static void on_explain(void *ctx, const struct wn_event *ev)
{
	tu_put_event(ctx, ev);
}

struct run {
	struct tu_str out, explain;
	struct wn_stats st;
	int rc;
};

/* Pushes the inputs, each ended by wn_filter_end_input: whole when chunk is
 * 0, in chunk bytes, or random sizes up to -chunk. */
static void run(const struct wn_options *base, struct tu_str *const *inputs, size_t ninputs,
		long chunk, struct run *r)
{
	memset(r, 0, sizeof(*r));
	struct wn_options o = *base;
	o.write = tu_write;
	o.write_ctx = &r->out;
	o.explain = on_explain;
	o.explain_ctx = &r->explain;
	struct wn_filter *f = wn_filter_new(&o);
	cr_assert_not_null(f);
	uint64_t seed = 42;
	int rc = 0;
	for (size_t i = 0; i < ninputs && !rc; i++) {
		size_t pos = 0;
		while (pos < inputs[i]->len && !rc) {
			size_t n = inputs[i]->len - pos;
			if (chunk > 0 && (size_t)chunk < n)
				n = (size_t)chunk;
			if (chunk < 0) {
				const size_t k = (size_t)(tu_rand(&seed) % (size_t)-chunk) + 1;
				n = k < n ? k : n;
			}
			rc = wn_filter_push(f, inputs[i]->ptr + pos, n);
			pos += n;
		}
		if (!rc)
			rc = wn_filter_end_input(f);
	}
	if (!rc)
		rc = wn_filter_finish(f);
	wn_filter_stats(f, &r->st);
	wn_filter_free(f);
	tu_append(&r->out, "", 0);
	tu_append(&r->explain, "", 0);
	r->rc = rc;
}

static void free_run(struct run *r)
{
	tu_free(&r->out);
	tu_free(&r->explain);
}

/* The exact-only options against the same with a judge that never fires
 * (site-wide repeats at a count no line reaches), which keeps the filter
 * on its general path. */
static void check(const struct wn_options *opt, struct tu_str *const *inputs, size_t ninputs,
		  long chunk)
{
	struct wn_options general = *opt;
	general.drop_frequent = UINT32_MAX;
	general.frequent_bytes = (size_t)1 << 20;
	struct run a, b;
	run(opt, inputs, ninputs, chunk, &a);
	run(&general, inputs, ninputs, chunk, &b);
	cr_assert_eq(a.rc, 0, "%s", wn_strerror(a.rc));
	cr_assert_eq(b.rc, 0, "%s", wn_strerror(b.rc));
	cr_assert_gt(a.st.lines_kept, 0);
	cr_assert_eq(a.out.len, b.out.len, "output: %zu bytes against %zu (chunk %ld)", a.out.len,
		     b.out.len, chunk);
	cr_assert(memcmp(a.out.ptr, b.out.ptr, a.out.len) == 0, "output differs (chunk %ld)", chunk);
	cr_assert_eq(a.explain.len, b.explain.len, "explanations: %zu against %zu (chunk %ld)",
		     a.explain.len, b.explain.len, chunk);
	cr_assert(memcmp(a.explain.ptr, b.explain.ptr, a.explain.len) == 0,
		  "explanations differ (chunk %ld)", chunk);
	cr_assert_eq(a.st.docs_in, b.st.docs_in);
	cr_assert_eq(a.st.docs_out, b.st.docs_out);
	cr_assert_eq(a.st.docs_empty, b.st.docs_empty);
	cr_assert_eq(a.st.lines_in, b.st.lines_in);
	cr_assert_eq(a.st.lines_kept, b.st.lines_kept);
	cr_assert_eq(a.st.lines_unjudged, b.st.lines_unjudged);
	for (int i = 0; i < WN_REASON_COUNT; i++)
		cr_assert_eq(a.st.dropped[i], b.st.dropped[i], "dropped[%d] (chunk %ld)", i, chunk);
	cr_assert_eq(a.st.bytes_in, b.st.bytes_in);
	cr_assert_eq(a.st.bytes_out, b.st.bytes_out);
	cr_assert_eq(a.st.seen_entries, b.st.seen_entries);
	tu_assert_balanced(&a.st);
	free_run(&a);
	free_run(&b);
}

/* Real text made harder: every 29th line ends a document (a form feed in
 * place of its line end), every 13th line ends in CR LF, every 11th in
 * trailing blanks, every 17th is followed by a run of blank lines, and
 * every 23rd by a NUL; the file twice over, so half its lines repeat; no
 * final line end. */
static struct tu_str mangled(const char *name)
{
	struct tu_str in = tu_data(name), s = { 0 };
	for (int copy = 0; copy < 2; copy++) {
		const char *p = in.ptr, *const end = in.ptr + in.len;
		for (size_t i = 1; p < end; i++) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			const size_t n = (size_t)((nl ? nl : end) - p);
			tu_append(&s, p, n);
			if (i % 11 == 0)
				tu_puts(&s, " \t ");
			if (i % 13 == 0)
				tu_puts(&s, "\r");
			if (i % 23 == 0)
				tu_append(&s, "\0", 1);
			tu_puts(&s, i % 29 == 0 ? "\f" : "\n");
			if (i % 17 == 0)
				tu_puts(&s, "\n \n\n");
			p = nl ? nl + 1 : end;
		}
	}
	tu_free(&in);
	if (s.len && s.ptr[s.len - 1] == '\n')
		s.len--;
	tu_append(&s, "", 0);
	return s;
}

static const long chunks[] = { 0, 1, 7, 100, 4093, 65537, -3000, -70000 };
#define NCHUNKS (sizeof(chunks) / sizeof(chunks[0]))

Test(scan, exact_only_equals_general_path_every_chunking)
{
	struct tu_str a = mangled("clean-gold.txt"), b = mangled("warc-head.txt");
	struct tu_str *in[] = { &a, &b };
	const struct wn_options opt = { .key = WN_KEY_EXACT, .disable = EXACT_ONLY };
	for (size_t c = 0; c < NCHUNKS; c++)
		check(&opt, in, 2, chunks[c]);
	tu_free(&a);
	tu_free(&b);
}

Test(scan, exact_only_settings)
{
	struct tu_str a = mangled("aeb-25.txt");
	struct tu_str *in[] = { &a };
	/* Overlong lines go out unjudged; NULs end documents; every line deduped;
	 * per-document scope; no dedup at all. */
	const struct wn_options opts[] = {
		{ .key = WN_KEY_EXACT, .disable = EXACT_ONLY, .max_line = 120 },
		{ .key = WN_KEY_EXACT, .disable = EXACT_ONLY, .nul_docs = true, .min_chars = 1 },
		{ .key = WN_KEY_EXACT, .disable = EXACT_ONLY, .scope = WN_SCOPE_DOC, .seed = 99 },
		{ .key = WN_KEY_EXACT, .disable = EXACT_ONLY | WN_STAGE_DEDUP },
		{ .key = WN_KEY_EXACT, .disable = EXACT_ONLY, .format = WN_FORMAT_AUTO,
		  .max_mem = (uint64_t)1 << 20, .on_full = WN_FULL_FORGET },
	};
	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		for (size_t c = 0; c < NCHUNKS; c += 2)
			check(&opts[i], in, 1, chunks[c]);
	tu_free(&a);
}
