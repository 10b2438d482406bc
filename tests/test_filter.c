/* test_filter.c - the whole pipeline through the public API: the golden
 * sample, chunking invariance, keep-first against a reference, blank lines,
 * scopes, statistics and errors. */
#include <criterion/criterion.h>

#include "common.h"
#include "testutil.h"

/* Options that run only framing and dedup, whatever later stages exist. */
static struct wn_options dedup_only(void)
{
	struct wn_options o = { 0 };
	o.disable = WN_STAGE_REPAIR | WN_STAGE_BOILERPLATE | WN_STAGE_NEAR;
	return o;
}

static void expect_output(const struct wn_options *opt, const char *in, const char *want)
{
	size_t n;
	char *out = run_filter(opt, in, strlen(in), &n);
	cr_expect(n == strlen(want) && memcmp(out, want, n) == 0,
		  "input \"%s\":\n got \"%.*s\"\nwant \"%s\"", in, (int)n, out, want);
	free(out);
}

Test(filter, golden_seed_sample)
{
	size_t in_len, want_len, out_len;
	char *in = read_source_file("samples/000_bf096e77d9db111c.txt", &in_len);
	char *want = read_source_file("samples/000_bf096e77d9db111c.expected", &want_len);
	const struct wn_options opt = { 0 };
	char *out = run_filter(&opt, in, in_len, &out_len);
	cr_assert(out_len == want_len && memcmp(out, want, want_len) == 0,
		  "output differs from samples/000_bf096e77d9db111c.expected:\n%s", out);
	free(in);
	free(want);
	free(out);
}

Test(filter, headline_kept_once_paragraphs_intact)
{
	const struct wn_options opt = dedup_only();
	expect_output(&opt,
		      "The United States is pouring cold water on hope\n"
		      "The United States is pouring cold water on hope\n\n"
		      "The united states is pouring cold water on hope.\n\n"
		      "First paragraph of the story.\n\nSecond paragraph.\n",
		      "The United States is pouring cold water on hope\n\n"
		      "First paragraph of the story.\n\nSecond paragraph.\n");
}

Test(filter, blank_lines_collapse_and_edges_go)
{
	const struct wn_options opt = dedup_only();
	expect_output(&opt, "\n\n  \t\nfirst\n\n\n \nsecond\n\t\n\n", "first\n\nsecond\n");
	expect_output(&opt, "", "");
	expect_output(&opt, "\n\n\n", "");
}

Test(filter, trailing_space_trimmed_line_ends_lf_nul_kept)
{
	const struct wn_options opt = dedup_only();
	const char in[] = "one  \t\r\ntw\0o\r\nthree";
	size_t n;
	char *out = run_filter(&opt, in, sizeof(in) - 1, &n);
	const char want[] = "one\ntw\0o\nthree\n";
	cr_assert_eq(n, sizeof(want) - 1);
	cr_assert(memcmp(out, want, n) == 0);
	free(out);
}

Test(filter, short_lines_are_exempt)
{
	struct wn_options opt = dedup_only();
	const char *dialogue = "Yes.\nThanks!\nYes.\nThanks!\n"
			       "A headline that repeats itself\nA headline that repeats itself\n";
	expect_output(&opt, dialogue, "Yes.\nThanks!\nYes.\nThanks!\nA headline that repeats itself\n");
	opt.min_chars = 1;
	expect_output(&opt, dialogue, "Yes.\nThanks!\nA headline that repeats itself\n");
}

Test(filter, key_modes)
{
	struct wn_options opt = dedup_only();
	opt.min_chars = 1;
	const char *in = "Hello, World and friends\nhello world AND friends!\n";
	expect_output(&opt, in, "Hello, World and friends\n");
	opt.key = WN_KEY_EXACT;
	expect_output(&opt, in, in);
}

Test(filter, punctuation_only_lines_are_layout)
{
	struct wn_options opt = dedup_only();
	opt.min_chars = 1;
	expect_output(&opt, "* * *\ntext one\n* * *\ntext two\n",
		      "* * *\ntext one\n* * *\ntext two\n");
}

Test(filter, no_dedup_keeps_repeats)
{
	struct wn_options opt = dedup_only();
	opt.disable |= WN_STAGE_DEDUP;
	expect_output(&opt, "a repeated line of text\na repeated line of text\n",
		      "a repeated line of text\na repeated line of text\n");
}

Test(filter, scope_doc_forgets_between_inputs)
{
	struct wn_options opt = dedup_only();
	const char in[] = "a line present in both files\nonly in a\n"
			  "a line present in both files\nonly in b\n";
	const size_t ends[] = { 39 };
	size_t n;
	opt.scope = WN_SCOPE_DOC;
	char *out = run_filter_parts(&opt, in, sizeof(in) - 1, ends, 1, 0, 0, &n, NULL);
	cr_assert_str_eq(out, "a line present in both files\nonly in a\n"
			      "a line present in both files\nonly in b\n");
	free(out);
	opt.scope = WN_SCOPE_STREAM;
	out = run_filter_parts(&opt, in, sizeof(in) - 1, ends, 1, 0, 0, &n, NULL);
	cr_assert_str_eq(out, "a line present in both files\nonly in a\nonly in b\n");
	free(out);
}

/* Output of in[0..n) with opt, pushed whole and in chunks of 1 to 3 bytes
 * (the separator then arrives alone), which must agree; its length in
 * *len. */
static char *run_both_ways(const struct wn_options *opt, const char *in, size_t n, size_t *len,
			   struct wn_stats *st)
{
	size_t k;
	char *whole = run_filter_parts(opt, in, n, NULL, 0, 0, 0, len, st);
	char *bytes = run_filter_parts(opt, in, n, NULL, 0, 3, 7, &k, NULL);
	cr_assert(k == *len && memcmp(whole, bytes, k) == 0, "chunked: %.*s", (int)k, bytes);
	free(bytes);
	return whole;
}

static void expect_out(const char *out, size_t len, const char *want, size_t want_len)
{
	cr_expect(len == want_len && memcmp(out, want, len) == 0, "got %zu bytes: %.*s", len,
		  (int)len, out);
}

#define EXPECT_OUT(out, len, lit) expect_out(out, len, lit, sizeof(lit) - 1)

/* A form feed (or NUL with nul_docs) ends a document, and is written back
 * after the document's kept lines: the output keeps the input's framing,
 * as JSON Lines and WET do. */
Test(filter, form_feed_and_nul_end_documents)
{
	struct wn_options opt = dedup_only();
	opt.scope = WN_SCOPE_DOC;
	const char in[] = "repeated line in two documents\n\frepeated line in two documents\n";
	size_t n;
	struct wn_stats st;
	char *out = run_both_ways(&opt, in, sizeof(in) - 1, &n, &st);
	EXPECT_OUT(out, n, "repeated line in two documents\n\frepeated line in two documents\n");
	cr_assert_eq(st.docs_in, 2);
	cr_assert_eq(st.bytes_out, n);
	free(out);
	opt.nul_docs = true;
	const char in0[] = "repeated line in two documents\0repeated line in two documents\0";
	out = run_both_ways(&opt, in0, sizeof(in0) - 1, &n, &st);
	EXPECT_OUT(out, n, "repeated line in two documents\n\0repeated line in two documents\n\0");
	cr_assert_eq(st.docs_in, 2);
	free(out);
	/* With nul_docs a form feed still ends a document, and each keeps its
	 * own separator; a line cut by one ends with a line feed. */
	const char mixed[] = "first document line\fsecond document line\0third\n";
	out = run_both_ways(&opt, mixed, sizeof(mixed) - 1, &n, &st);
	EXPECT_OUT(out, n, "first document line\n\fsecond document line\n\0third\n");
	cr_assert_eq(st.docs_in, 3);
	free(out);
	/* Without nul_docs a NUL is a byte of the line (the controls repair is
	 * off in dedup_only). */
	opt.nul_docs = false;
	out = run_both_ways(&opt, in0, sizeof(in0) - 1, &n, &st);
	EXPECT_OUT(out, n, "repeated line in two documents\0repeated line in two documents\0\n");
	cr_assert_eq(st.docs_in, 1);
	free(out);
}

/* A document that keeps no line goes without its separator, as an empty
 * JSON Lines record does, unless keep_empty; so does one dropped whole as
 * a duplicate; a separator with no line before it is no document. */
Test(filter, empty_and_dropped_documents_lose_their_separator)
{
	struct wn_options opt = dedup_only();
	const char in[] = "\f\fthe first document's only line\n\f"
			  "the first document's only line\n\f" /* all dropped */
			  "\n \n\f"                            /* blank lines only */
			  "the last document, ended by the input\n";
	size_t n;
	struct wn_stats st;
	char *out = run_both_ways(&opt, in, sizeof(in) - 1, &n, &st);
	EXPECT_OUT(out, n, "the first document's only line\n\f"
			   "the last document, ended by the input\n");
	cr_assert_eq(st.docs_in, 4);
	cr_assert_eq(st.docs_out, 2);
	cr_assert_eq(st.docs_empty, 2);
	free(out);
	opt.keep_empty = true;
	out = run_both_ways(&opt, in, sizeof(in) - 1, &n, &st);
	EXPECT_OUT(out, n, "the first document's only line\n\f\f\f"
			   "the last document, ended by the input\n");
	free(out);
	/* A duplicate document is dropped with its separator, even with
	 * keep_empty. */
	opt.doc_dedup = true;
	opt.scope = WN_SCOPE_DOC;
	const char dup[] = "one document of two lines\nits second line, long enough\n\f"
			   "one document of two lines\nits second line, long enough\n\f"
			   "another document\n\f";
	out = run_both_ways(&opt, dup, sizeof(dup) - 1, &n, &st);
	EXPECT_OUT(out, n, "one document of two lines\nits second line, long enough\n\f"
			   "another document\n\f");
	cr_assert_eq(st.docs_dup, 1);
	free(out);
}

/* With every stage off, text framed by form feeds comes out byte for
 * byte, one thread or two. */
Test(filter, form_feeds_round_trip)
{
	const char in[] = "A heading\n\nA paragraph of the first page.\n\f"
			  "The second page\nwith two lines\n\f"
			  "The third page, ended by the input\n";
	for (unsigned threads = 1; threads <= 2; threads++) {
		struct wn_options opt = { .disable = WN_STAGE_DEDUP | WN_STAGE_NEAR |
						     WN_STAGE_BOILERPLATE | WN_STAGE_REPAIR,
					  .threads = threads };
		size_t n;
		char *out = run_both_ways(&opt, in, sizeof(in) - 1, &n, NULL);
		expect_out(out, n, in, sizeof(in) - 1);
		free(out);
	}
}

/* With --scope=doc every document is judged alone, so the stream's output
 * cut at its form feeds is each document's output run on its own (a
 * document that keeps nothing leaves no form feed): aeb-25's 25 pages,
 * every stage on, one thread and two. */
Test(filter, doc_scope_output_is_each_document_alone)
{
	size_t n;
	char *text = read_source_file("tests/data/aeb-25.txt", &n);
	for (unsigned threads = 1; threads <= 2; threads++) {
		const struct wn_options opt = { .scope = WN_SCOPE_DOC, .threads = threads };
		size_t whole_len;
		struct wn_stats st;
		char *whole = run_filter_parts(&opt, text, n, NULL, 0, 0, 0, &whole_len, &st);
		cr_assert_eq(st.docs_in, 25);
		struct tu_str joined = { 0 };
		for (const char *p = text, *end = text + n; p < end;) {
			const char *ff = memchr(p, '\f', (size_t)(end - p));
			const char *stop = ff ? ff : end;
			size_t k;
			char *one = run_filter_parts(&opt, p, (size_t)(stop - p), NULL, 0, 0, 0, &k, NULL);
			tu_append(&joined, one, k);
			if (k && ff)
				tu_append(&joined, "\f", 1);
			free(one);
			p = ff ? ff + 1 : end;
		}
		cr_assert(joined.len == whole_len && memcmp(joined.ptr, whole, whole_len) == 0,
			  "threads %u", threads);
		tu_free(&joined);
		free(whole);
	}
	free(text);
}

Test(filter, chunking_invariance_on_real_text)
{
	size_t n, whole_len;
	char *text = read_source_file("tests/data/aeb-25.txt", &n);
	const struct wn_options opt = { 0 };
	struct wn_stats st_whole, st;
	char *whole = run_filter_parts(&opt, text, n, NULL, 0, 0, 0, &whole_len, &st_whole);
	cr_assert(whole_len > 0 && whole_len < n);
	const size_t chunks[] = { 1, 3, 64, 1000, 65536 };
	for (size_t c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
		const uint64_t seed = 77 + c;
		size_t len;
		char *out = run_filter_parts(&opt, text, n, NULL, 0, chunks[c], seed, &len, &st);
		cr_assert(len == whole_len && memcmp(out, whole, len) == 0,
			  "chunks up to %zu, seed %lu", chunks[c], (unsigned long)seed);
		cr_assert_eq(st.lines_kept, st_whole.lines_kept);
		free(out);
	}
	free(whole);
	free(text);
}

Test(filter, stats_balance_on_real_text)
{
	size_t n, len;
	char *text = read_source_file("tests/data/aeb-25.txt", &n);
	const struct wn_options opt = { 0 };
	struct wn_stats st;
	char *out = run_filter_parts(&opt, text, n, NULL, 0, 0, 0, &len, &st);
	cr_assert_eq(st.lines_in, st.lines_kept + total_dropped(&st));
	cr_assert_eq(st.docs_in, 25);
	cr_assert(st.dropped[WN_DROP_DUP] > 0);
	cr_assert_eq(st.bytes_in, n);
	cr_assert_eq(st.bytes_out, len);
	cr_assert_eq(st.dropped[WN_KEPT], 0);
	free(out);
	free(text);
}

/* ---- Against a tiny reference ----------------------------------------- */

static const char *const vocab[] = {
	"The market fell sharply on Monday", "the market fell sharply, on monday!",
	"Prices rose again in the afternoon", "PRICES ROSE AGAIN IN THE AFTERNOON",
	"Yes.", "No.", "", "   ", "\t", "Share this article with your friends",
	"A unique sentence about nothing at all", "Another line that is long enough",
	"* * *", "x",
};

/* The obvious implementation: one document, keys compared as strings. */
static char *reference(const char *const *lines, size_t nlines, size_t min_chars, size_t *len_out)
{
	struct sink out = { 0 };
	sink_write(&out, "", 0);
	char keys[64][256];
	size_t nkeys = 0;
	bool pending = false, any = false;
	for (size_t i = 0; i < nlines; i++) {
		size_t n = strlen(lines[i]);
		while (n && (lines[i][n - 1] == ' ' || lines[i][n - 1] == '\t'))
			n--;
		if (n == 0) {
			pending = true;
			continue;
		}
		char key[256];
		const size_t k = wn_key_normalize(lines[i], n, key, sizeof(key) - 1);
		key[k] = '\0';
		if (k && n >= min_chars) {
			bool seen = false;
			for (size_t j = 0; j < nkeys && !seen; j++)
				seen = strcmp(keys[j], key) == 0;
			if (seen)
				continue;
			strcpy(keys[nkeys++], key);
		}
		if (pending && any)
			sink_write(&out, "\n", 1);
		pending = false;
		any = true;
		sink_write(&out, lines[i], n);
		sink_write(&out, "\n", 1);
	}
	*len_out = out.len;
	return out.buf;
}

Test(filter, agrees_with_reference_on_random_inputs)
{
	const struct wn_options opt = dedup_only();
	const size_t nvocab = sizeof(vocab) / sizeof(vocab[0]);
	for (uint64_t seed = 1; seed <= 300; seed++) {
		uint64_t rng = seed;
		const char *lines[40];
		const size_t nlines = (size_t)(rng_next(&rng) % 40);
		struct sink in = { 0 };
		sink_write(&in, "", 0);
		for (size_t i = 0; i < nlines; i++) {
			lines[i] = vocab[rng_next(&rng) % nvocab];
			sink_write(&in, lines[i], strlen(lines[i]));
			sink_write(&in, "\n", 1);
		}
		size_t want_len, got_len;
		char *want = reference(lines, nlines, WN_DEFAULT_MIN_CHARS, &want_len);
		char *got = run_filter_parts(&opt, in.buf, in.len, NULL, 0, 5, seed, &got_len, NULL);
		cr_assert(got_len == want_len && memcmp(got, want, got_len) == 0,
			  "seed %lu:\ninput:\n%s\ngot:\n%s\nwant:\n%s", (unsigned long)seed, in.buf,
			  got, want);
		free(want);
		free(got);
		free(in.buf);
	}
}

/* ---- Errors --------------------------------------------------------------- */

Test(filter, sink_failure_is_sticky)
{
	struct sink s = { .fail_after = 1 };
	struct wn_options opt = dedup_only();
	opt.write = sink_write;
	opt.write_ctx = &s;
	struct wn_filter *f = wn_filter_new(&opt);
	cr_assert(f);
	cr_assert_eq(wn_filter_push(f, "one line\n", 9), WN_E_SINK);
	cr_assert_eq(wn_filter_push(f, "two\n", 4), WN_E_SINK);
	cr_assert_eq(wn_filter_finish(f), WN_E_SINK);
	wn_filter_free(f);
	free(s.buf);
}

Test(filter, new_rejects_missing_sink)
{
	const struct wn_options opt = { 0 };
	cr_assert_null(wn_filter_new(&opt));
	cr_assert_null(wn_filter_new(NULL));
	wn_filter_free(NULL);
}

Test(filter, names_and_messages)
{
	cr_assert_str_eq(wn_reason_name(WN_DROP_DUP), "dup");
	cr_assert_str_eq(wn_reason_name(WN_KEPT), "kept");
	cr_assert_str_eq(wn_reason_name(WN_REASON_COUNT), "unknown");
	cr_assert_str_eq(wn_strerror(WN_E_NOMEM), "out of memory");
	cr_assert_str_eq(wn_version(), WN_VERSION_STRING);
}

/* ---- Lines longer than max_line --------------------------------------------- */

struct explained {
	int unjudged;
	uint64_t line;
};

static void count_unjudged(void *ctx, const struct wn_event *ev)
{
	struct explained *x = ctx;
	if (ev->kind != WN_EV_UNJUDGED)
		return;
	x->unjudged++;
	x->line = ev->line;
	cr_assert_str_eq(ev->rule, "max-line");
	cr_assert_eq(ev->reason, WN_KEPT);
}

/* A line up to max_line bytes is judged (repaired, deduplicated); a longer
 * one goes out as it came, kept and counted unjudged, in every chunking. */
Test(filter, lines_longer_than_max_line_pass_unjudged)
{
	/* 23 bytes each but the 3rd and 5th (24 with their CR), max_line 23. */
	static const char in[] = "caf\xe9 au lait, please!!!\n"  /* judged: repaired */
				 "caf\xe9 au lait, please!!!\n"  /* judged: a duplicate */
				 "caf\xe9 au lait, please!!!\r\n" /* 25 bytes: unjudged */
				 "A line that is short.\n"
				 "caf\xe9 au lait, please!!!\r\n" /* unjudged again, kept */
				 "\n\n"
				 "ends without a newline: long enough to pass";
	static const char want[] = "caf\xc3\xa9 au lait, please!!!\n"
				   "caf\xe9 au lait, please!!!\r\n"
				   "A line that is short.\n"
				   "caf\xe9 au lait, please!!!\r\n"
				   "\n"
				   "ends without a newline: long enough to pass\n";
	struct explained x = { 0 };
	struct wn_options opt = { .max_line = 23, .explain = count_unjudged, .explain_ctx = &x };
	for (size_t chunk = 0; chunk <= 30; chunk++) {
		size_t len;
		struct wn_stats st;
		memset(&x, 0, sizeof(x));
		char *out = run_filter_parts(&opt, in, sizeof(in) - 1, NULL, 0, chunk, 7 + chunk, &len,
					     &st);
		cr_assert_eq(len, sizeof(want) - 1, "chunk %zu: %s", chunk, out);
		cr_assert(memcmp(out, want, len) == 0, "chunk %zu: %s", chunk, out);
		cr_assert_eq(st.lines_unjudged, 3, "chunk %zu", chunk);
		cr_assert_eq(x.unjudged, 3);
		cr_assert_eq(x.line, 8);
		cr_assert_eq(st.lines_in, 8);
		cr_assert_eq(st.lines_in, st.lines_kept + total_dropped(&st));
		cr_assert_eq(st.dropped[WN_DROP_DUP], 1);
		cr_assert_eq(st.bytes_out, len);
		free(out);
	}
	/* Exactly max_line bytes is judged; no limit judges every line. */
	opt.max_line = 24;
	size_t len;
	struct wn_stats st;
	char *out = run_filter_parts(&opt, in, sizeof(in) - 1, NULL, 0, 5, 3, &len, &st);
	cr_assert_eq(st.lines_unjudged, 1, "only the last line is longer: %s", out);
	free(out);
	opt.max_line = SIZE_MAX;
	out = run_filter_parts(&opt, in, sizeof(in) - 1, NULL, 0, 5, 3, &len, &st);
	cr_assert_eq(st.lines_unjudged, 0);
	free(out);
}

/* The pieces of an unjudged line are not held: in a document held for
 * --doc-dedup it still comes out, and a JSON Lines record's line longer
 * than max_line is kept as it came. */
Test(filter, unjudged_lines_in_held_documents_and_records)
{
	static const char text[] = "first line of the document here\n"
				   "0123456789012345678901234567890123456789\n"
				   "\f"
				   "first line of the document here\n"
				   "0123456789012345678901234567890123456789\n";
	struct wn_options opt = { .max_line = 32, .doc_dedup = true };
	size_t len;
	struct wn_stats st;
	char *out = run_filter_parts(&opt, text, sizeof(text) - 1, NULL, 0, 3, 5, &len, &st);
	cr_assert_str_eq(out, "first line of the document here\n"
			      "0123456789012345678901234567890123456789\n"
			      "\f"
			      "0123456789012345678901234567890123456789\n");
	cr_assert_eq(st.lines_unjudged, 2);
	cr_assert_eq(st.lines_in, st.lines_kept + total_dropped(&st));
	free(out);

	static const char jsonl[] = "{\"id\":1,\"text\":\"caf\\u00e9 short\\ncaf\xc3\x83\xc2\xa9 and a line longer than thirty-two bytes\"}\n";
	struct wn_options j = { .max_line = 32, .format = WN_FORMAT_JSONL };
	out = run_filter_parts(&j, jsonl, sizeof(jsonl) - 1, NULL, 0, 0, 0, &len, &st);
	cr_assert_str_eq(out, jsonl, "the long line is not repaired, so the record is unchanged");
	cr_assert_eq(st.lines_unjudged, 1);
	cr_assert_eq(st.lines_in, 2);
	free(out);
}
