/* test_near.c - near-duplicate lines through the pipeline: the threshold and
 * its edges, the fallback for short lines, scopes, onion's smoothing, and
 * statistics and chunking on real text. */
#include <criterion/criterion.h>

#include "common.h"

/* Framing, exact dedup and near dedup only; every line long enough. */
static struct wn_options near_only(void)
{
	struct wn_options o = { 0 };
	o.disable = WN_STAGE_REPAIR | WN_STAGE_BOILERPLATE;
	o.min_chars = 1;
	return o;
}

static void expect_output(const struct wn_options *opt, const char *in, const char *want)
{
	size_t n;
	char *out = run_filter(opt, in, strlen(in), &n);
	cr_expect(n == strlen(want) && memcmp(out, want, n) == 0,
		  "input:\n%s\n got:\n%.*s\nwant:\n%s", in, (int)n, out, want);
	free(out);
}

/* Records every drop: reason, rule and line number. */
struct drops {
	enum wn_reason reason[64];
	char rule[64][32];
	uint64_t line[64];
	size_t n;
};

static void record(void *ctx, const struct wn_event *ev)
{
	struct drops *d = ctx;
	if (ev->kind != WN_EV_DROP || ev->reason == WN_DROP_BLANK || d->n == 64)
		return;
	d->reason[d->n] = ev->reason;
	snprintf(d->rule[d->n], sizeof(d->rule[0]), "%s", ev->rule);
	d->line[d->n++] = ev->line;
}

static struct drops run_drops(struct wn_options opt, const char *in, struct wn_stats *st)
{
	struct drops d = { 0 };
	opt.explain = record;
	opt.explain_ctx = &d;
	size_t n;
	free(run_filter_parts(&opt, in, strlen(in), NULL, 0, 0, 0, &n, st));
	return d;
}

static const char story[] =
	"The city council voted on Tuesday to expand the bus network to the northern suburbs\n";
static const char story_word[] =
	"The city council voted on Monday to expand the bus network to the northern suburbs\n";

Test(near, changed_word_is_dropped_and_off_keeps_it)
{
	struct wn_options opt = near_only();
	char in[512];
	snprintf(in, sizeof(in), "%s%s", story, story_word);
	expect_output(&opt, in, story);
	opt.disable |= WN_STAGE_NEAR;
	expect_output(&opt, in, in);
}

Test(near, reason_and_rule)
{
	char in[512];
	snprintf(in, sizeof(in), "%s%s", story, story_word);
	struct wn_stats st;
	const struct drops d = run_drops(near_only(), in, &st);
	cr_assert_eq(d.n, 1);
	cr_assert_eq(d.reason[0], WN_DROP_NEAR);
	cr_assert_str_eq(d.rule[0], "near");
	cr_assert_eq(d.line[0], 2);
	cr_assert_eq(st.dropped[WN_DROP_NEAR], 1);
	cr_assert_eq(st.near_entries, 11); /* the kept line's 15 - 5 + 1 shingles */
	cr_assert(st.near_bytes > 0);
}

/* 12 tokens make 8 shingles; the first line (8 tokens) gave 4 of them:
 * exactly half is not more than half. */
Test(near, exactly_at_threshold_is_kept)
{
	const struct wn_options opt = near_only();
	const char *in = "t1 t2 t3 t4 t5 t6 t7 t8\n"
			 "t1 t2 t3 t4 t5 t6 t7 t8 u1 u2 u3 u4\n";
	expect_output(&opt, in, in);
}

/* 5 of 8 shingles seen (0.625), and 5 of 9 (0.556): just over half goes. */
Test(near, just_over_threshold_is_dropped)
{
	const struct wn_options opt = near_only();
	expect_output(&opt, "t1 t2 t3 t4 t5 t6 t7 t8 t9\nt1 t2 t3 t4 t5 t6 t7 t8 t9 u1 u2 u3\n",
		      "t1 t2 t3 t4 t5 t6 t7 t8 t9\n");
	expect_output(&opt, "t1 t2 t3 t4 t5 t6 t7 t8 t9\nt1 t2 t3 t4 t5 t6 t7 t8 t9 u1 u2 u3 u4\n",
		      "t1 t2 t3 t4 t5 t6 t7 t8 t9\n");
	/* 5 of 10 is exactly half again. */
	const char *half = "t1 t2 t3 t4 t5 t6 t7 t8 t9\nt1 t2 t3 t4 t5 t6 t7 t8 t9 u1 u2 u3 u4 u5\n";
	expect_output(&opt, half, half);
}

Test(near, threshold_option_edges)
{
	struct wn_options opt = near_only();
	const char *in = "t1 t2 t3 t4 t5 t6 t7 t8 t9\nt1 t2 t3 t4 t5 t6 t7 t8 t9 u1 u2 u3\n";
	opt.near = 0.625; /* 5 of 8: not more than 0.625 */
	expect_output(&opt, in, in);
	opt.near = 0.62;
	expect_output(&opt, in, "t1 t2 t3 t4 t5 t6 t7 t8 t9\n");
	opt.near = 1.0; /* never more than everything */
	expect_output(&opt, "one two three four five six seven eight nine ten\n"
			    "one two three four five six seven eight nine ten!\n"
			    "ONE two three four five six seven eight nine ten eleven\n",
		      "one two three four five six seven eight nine ten\n"
		      "ONE two three four five six seven eight nine ten eleven\n");
}

/* Two seen phrases far apart cover 10 of 12 tokens, which onion's token
 * share counts as a duplicate; only 2 of 8 shingles were seen: kept. */
Test(near, scattered_phrases_do_not_add_up)
{
	const struct wn_options opt = near_only();
	const char *in = "aa bb cc dd ee\nff gg hh ii jj\naa bb cc dd ee ff gg hh ii jj kk ll\n";
	expect_output(&opt, in, in);
}

/* A line of fewer than 2n tokens goes only when all of it was seen. */
Test(near, short_line_needs_every_shingle)
{
	const struct wn_options opt = near_only();
	const char *comments = "Comment #297 August 3rd, 2020 at 6:59 pm\n"
			       "Comment #298 August 3rd, 2020 at 6:59 pm\n";
	expect_output(&opt, comments, comments); /* 3 of 5 shingles seen */
	expect_output(&opt,
		      "The council voted on Tuesday to expand the bus network to the northern suburbs\n"
		      "voted on Tuesday to expand the bus\nnetwork to the northern suburbs\n",
		      "The council voted on Tuesday to expand the bus network to the northern suburbs\n");
}

Test(near, shorter_than_n_words_falls_back_to_exact)
{
	struct wn_options opt = near_only();
	const char *in = "alpha bravo charlie delta echo\nalpha bravo charlie delta\n"
			 "Alpha, bravo charlie delta!\n";
	expect_output(&opt, in, "alpha bravo charlie delta echo\nalpha bravo charlie delta\n");
	opt.near_words = 3; /* now 4 words make two shingles, both seen */
	expect_output(&opt, in, "alpha bravo charlie delta echo\n");
}

Test(near, min_chars_exempts_short_lines)
{
	struct wn_options opt = near_only();
	const char *in = "a b c d e f g\nb c d e f g\n";
	expect_output(&opt, in, "a b c d e f g\n");
	opt.min_chars = 20;
	expect_output(&opt, in, in);
}

/* A dropped line's own shingles are not remembered. */
Test(near, only_kept_lines_are_stored)
{
	const struct wn_options opt = near_only();
	/* The second line has 4 of 7 shingles seen and goes; the third is made
	 * of its new words only. */
	expect_output(&opt,
		      "one two three four five six seven eight\n"
		      "one two three four five six seven eight nine ten eleven\n"
		      "seven eight nine ten eleven\n",
		      "one two three four five six seven eight\n"
		      "seven eight nine ten eleven\n");
}

/* The repeat inside a line does not count against the line itself. */
Test(near, line_is_judged_against_earlier_lines_only)
{
	const struct wn_options opt = near_only();
	const char *in = "buy now and save big buy now and save big buy now and save big\n";
	expect_output(&opt, in, in);
}

Test(near, cjk_character_shingles)
{
	const struct wn_options opt = near_only();
	expect_output(&opt,
		      "東京は今日もよく晴れています。\n東京は今日もよく晴れていました。\n"
		      "大阪では明日は雨が降るでしょう。\n",
		      "東京は今日もよく晴れています。\n大阪では明日は雨が降るでしょう。\n");
}

Test(near, scope_doc_and_stream)
{
	struct wn_options opt = near_only();
	char in[512];
	const int k = snprintf(in, sizeof(in), "%s", story);
	snprintf(in + k, sizeof(in) - (size_t)k, "%s", story_word);
	const size_t ends[] = { (size_t)k };
	size_t n;
	char *out = run_filter_parts(&opt, in, strlen(in), ends, 1, 0, 0, &n, NULL);
	cr_assert_str_eq(out, story);
	free(out);
	opt.scope = WN_SCOPE_DOC;
	out = run_filter_parts(&opt, in, strlen(in), ends, 1, 0, 0, &n, NULL);
	cr_assert_str_eq(out, in);
	free(out);
	/* Repeats inside one document count in either scope. */
	expect_output(&opt, in, story);
}

/* ---- Smoothing ----------------------------------------------------------- */

static const char para_a[] = "Officials said the bridge would reopen to traffic next spring after repairs\n";
static const char para_a2[] = "Officials said the bridge would reopen to traffic next summer after repairs\n";
static const char para_b[] = "The project cost more than twice the original estimate according to records\n";
static const char para_b2[] = "The project cost more than twice the original estimate according to city records\n";

/* Smoothing decides the lines too short for dedup: keep min_chars at 20. */
static struct wn_options smooth_opts(void)
{
	struct wn_options o = near_only();
	o.min_chars = 0;
	return o;
}

Test(near, short_line_between_duplicates_goes_with_them)
{
	const struct wn_options opt = smooth_opts();
	char in[1024], want[1024];
	snprintf(in, sizeof(in), "%sBy Jane Doe\n%s\n%s\nBy John Roe, staff\n\n%s", para_a, para_b,
		 para_a2, para_b2);
	snprintf(want, sizeof(want), "%sBy Jane Doe\n%s", para_a, para_b);
	expect_output(&opt, in, want);
	struct wn_stats st;
	const struct drops d = run_drops(opt, in, &st);
	cr_assert_eq(d.n, 3);
	cr_assert_eq(d.reason[1], WN_DROP_NEAR);
	cr_assert_str_eq(d.rule[1], "near-smooth");
	cr_assert_eq(d.line[0], 5);
	cr_assert_eq(d.line[1], 7);
	cr_assert_eq(d.line[2], 9);
	cr_assert_eq(st.lines_in, st.lines_kept + total_dropped(&st));
}

Test(near, exact_duplicates_are_bread_too)
{
	const struct wn_options opt = smooth_opts();
	char in[1024], want[1024];
	snprintf(in, sizeof(in), "%s%s%sa stub\n%s", para_a, para_b, para_a, para_b);
	snprintf(want, sizeof(want), "%s%s", para_a, para_b);
	expect_output(&opt, in, want);
}

Test(near, short_line_stays_unless_both_sides_are_duplicates)
{
	const struct wn_options opt = smooth_opts();
	const char *unique = "A fresh paragraph that nobody has written before in this stream\n";
	char in[1024], want[1024];
	/* duplicate, stub, kept */
	snprintf(in, sizeof(in), "%s%sBy John Roe\n%s", para_a, para_a2, unique);
	snprintf(want, sizeof(want), "%sBy John Roe\n%s", para_a, unique);
	expect_output(&opt, in, want);
	/* kept, stub, duplicate */
	snprintf(in, sizeof(in), "%s%sBy John Roe\n%s", para_a, unique, para_a2);
	snprintf(want, sizeof(want), "%s%sBy John Roe\n", para_a, unique);
	expect_output(&opt, in, want);
	/* duplicate, stub, end of document */
	snprintf(in, sizeof(in), "%s%sBy John Roe\n", para_a, para_a2);
	snprintf(want, sizeof(want), "%sBy John Roe\n", para_a);
	expect_output(&opt, in, want);
}

/* A line long enough for dedup to judge is judged on its own: a new one
 * between two repeated lines stays. */
Test(near, long_enough_line_between_duplicates_stays)
{
	const struct wn_options opt = smooth_opts();
	char in[1024], want[1024];
	snprintf(in, sizeof(in), "%s%s%sA brand new story about the weather today\n%s", para_a,
		 para_b, para_a, para_b);
	snprintf(want, sizeof(want), "%s%sA brand new story about the weather today\n", para_a,
		 para_b);
	expect_output(&opt, in, want);
}

/* Stubs have at most 20 tokens even when min_chars is large; two stubs in a
 * row go together. */
Test(near, stub_length_limit_and_pairs)
{
	struct wn_options opt = smooth_opts();
	const char *a = "Officials said the bridge would reopen to traffic next spring after repairs "
			"that began in the winter of last year\n";
	const char *b = "The project cost more than twice the original estimate according to records "
			"released by the city council on Monday\n";
	const char *t20 = "w01 w02 w03 w04 w05 w06 w07 w08 w09 w10 w11 w12 w13 w14 w15 w16 w17 w18 w19 w20\n";
	const char *t21 = "v01 v02 v03 v04 v05 v06 v07 v08 v09 v10 v11 v12 v13 v14 v15 v16 v17 v18 v19 v20 v21\n";
	opt.min_chars = 100; /* the stubs are shorter, the paragraphs longer */
	char in[2048], want[2048];
	snprintf(in, sizeof(in), "%s%s%s%s%s", a, b, a, t20, b);
	snprintf(want, sizeof(want), "%s%s", a, b);
	expect_output(&opt, in, want);
	snprintf(in, sizeof(in), "%s%s%s%s%s", a, b, a, t21, b);
	snprintf(want, sizeof(want), "%s%s%s", a, b, t21);
	expect_output(&opt, in, want);
	opt.min_chars = 0;
	snprintf(in, sizeof(in), "%s%s%sone\n\n\n* * *\n\n%s", para_a, para_b, para_a2, para_b2);
	snprintf(want, sizeof(want), "%s%s", para_a, para_b);
	expect_output(&opt, in, want);
}

/* Three short lines between duplicates are content between repeated
 * template lines (forum posts between profile lines): kept. */
Test(near, run_of_three_stubs_is_kept)
{
	const struct wn_options opt = smooth_opts();
	char in[2048], want[2048];
	snprintf(in, sizeof(in), "%s%s%sone\n\ntwo\nthree\n%s", para_a, para_b, para_a2, para_b2);
	snprintf(want, sizeof(want), "%s%sone\n\ntwo\nthree\n", para_a, para_b);
	expect_output(&opt, in, want);
}

Test(near, blank_lines_around_smoothed_stubs)
{
	const struct wn_options opt = smooth_opts();
	const char *unique = "A fresh paragraph that nobody has written before in this stream\n";
	char in[2048], want[2048];
	snprintf(in, sizeof(in), "%s\n%s\n%s\n\nBy Jane\n\nshort two\n\n%s\n%s", para_a, para_b,
		 para_a2, para_b2, unique);
	snprintf(want, sizeof(want), "%s\n%s\n%s", para_a, para_b, unique);
	expect_output(&opt, in, want);
	/* Kept after all: the blanks between them come back. */
	snprintf(in, sizeof(in), "%s\n%s\n%s\n\nBy Jane\n\nshort two\n\n%s", para_a, para_b,
		 para_a2, unique);
	snprintf(want, sizeof(want), "%s\n%s\nBy Jane\n\nshort two\n\n%s", para_a, para_b, unique);
	expect_output(&opt, in, want);
}

Test(near, smoothing_stays_inside_a_document)
{
	const struct wn_options opt = smooth_opts();
	char in[1024], want[1024];
	snprintf(in, sizeof(in), "%s%s%s\fBy Jane\n%s", para_a, para_b, para_a2, para_b2);
	snprintf(want, sizeof(want), "%s%s\fBy Jane\n", para_a, para_b);
	expect_output(&opt, in, want);
}

Test(near, no_near_means_no_smoothing)
{
	struct wn_options opt = smooth_opts();
	opt.disable |= WN_STAGE_NEAR;
	char in[1024], want[1024];
	snprintf(in, sizeof(in), "%s%s%sBy Jane\n%s", para_a, para_b, para_a, para_b);
	snprintf(want, sizeof(want), "%s%sBy Jane\n", para_a, para_b);
	expect_output(&opt, in, want);
}

/* ---- Real text ------------------------------------------------------------ */

/* aeb-25 followed by itself with one word of every long line changed. */
static char *mutated_twice(size_t *len_out)
{
	size_t n;
	char *text = read_source_file("tests/data/aeb-25.txt", &n);
	char *out = malloc(2 * n + 2);
	cr_assert(out);
	memcpy(out, text, n);
	out[n] = '\f';
	size_t o = n + 1;
	for (size_t i = 0; i < n;) {
		const char *nl = memchr(text + i, '\n', n - i);
		const size_t len = nl ? (size_t)(nl - (text + i)) + 1 : n - i;
		memcpy(out + o, text + i, len);
		char *sp = len > 80 ? memchr(out + o + 40, ' ', len - 40) : NULL;
		if (sp && sp[1] != ' ' && sp[1] != '\n')
			sp[1] = sp[1] == 'Q' ? 'R' : 'Q';
		o += len;
		i += len;
	}
	free(text);
	*len_out = o;
	return out;
}

Test(near, stats_balance_and_chunking_on_real_text)
{
	size_t n, whole_len;
	char *text = mutated_twice(&n);
	struct wn_options opt = { 0 };
	opt.doc_near = 0.8;
	struct wn_stats st_whole, st;
	char *whole = run_filter_parts(&opt, text, n, NULL, 0, 0, 0, &whole_len, &st_whole);
	cr_assert_eq(st_whole.lines_in, st_whole.lines_kept + total_dropped(&st_whole));
	cr_assert(st_whole.dropped[WN_DROP_NEAR] > 100, "near %lu",
		  (unsigned long)st_whole.dropped[WN_DROP_NEAR]);
	cr_assert_eq(st_whole.bytes_out, whole_len);
	cr_assert(st_whole.near_entries > 0 && st_whole.near_bytes > 0);
	const size_t chunks[] = { 1, 7, 300, 70000 };
	for (size_t c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
		size_t len;
		char *out = run_filter_parts(&opt, text, n, NULL, 0, chunks[c], 5 + c, &len, &st);
		cr_assert(len == whole_len && memcmp(out, whole, len) == 0, "chunks up to %zu",
			  chunks[c]);
		cr_assert(memcmp(st.dropped, st_whole.dropped, sizeof(st.dropped)) == 0);
		free(out);
	}
	free(whole);
	free(text);
}

/* Removes the form feeds from s[0..n), NUL-terminated; returns the new
 * length. */
static size_t strip_form_feeds(char *s, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] != '\f')
			s[k++] = s[i];
	s[k] = '\0';
	return k;
}

/* Near dedup runs after exact dedup and only removes lines: the output is a
 * subsequence of the exact-only output, and exact drops are unchanged. */
Test(near, near_only_removes_what_exact_keeps)
{
	size_t n, len_with, len_without;
	char *text = mutated_twice(&n);
	struct wn_options opt = { 0 };
	opt.disable = WN_STAGE_BOILERPLATE; /* zones look at their neighbours */
	struct wn_stats with, without;
	char *a = run_filter_parts(&opt, text, n, NULL, 0, 0, 0, &len_with, &with);
	opt.disable |= WN_STAGE_NEAR;
	char *b = run_filter_parts(&opt, text, n, NULL, 0, 0, 0, &len_without, &without);
	cr_assert_eq(with.dropped[WN_DROP_DUP], without.dropped[WN_DROP_DUP]);
	cr_assert(with.dropped[WN_DROP_NEAR] > 0);
	cr_assert_eq(without.dropped[WN_DROP_NEAR], 0);
	cr_assert_eq(without.near_entries, 0);
	/* The lines, not the documents' form feeds: a document near dedup
	 * empties loses its form feed. */
	len_without = strip_form_feeds(b, len_without);
	strip_form_feeds(a, len_with);
	size_t j = 0;
	for (char *line = strtok(a, "\n"); line; line = strtok(NULL, "\n")) {
		const size_t k = strlen(line);
		while (j < len_without && !(strncmp(b + j, line, k) == 0 && b[j + k] == '\n' &&
					   (j == 0 || b[j - 1] == '\n')))
			j++;
		cr_assert(j < len_without, "not in the exact-only output, in order: %s", line);
		j += k;
	}
	free(a);
	free(b);
	free(text);
}

/* ---- Memory limit --------------------------------------------------------- */

/* The CLI's smallest limit, 4 MiB, of which the shingle set gets three
 * quarters: about 290,000 shingles. The input: NLINES distinct lines of 20
 * words (16 shingles each, every one holding the line's number), so 260,000
 * shingles on their own would need about 2.6 MiB, twice what fits; the
 * 60,000 lines' fingerprints fit the line set's quarter. */
#define LIMIT (4u << 20)
#define NLINES 30000

/* 64 words of a news story; line i's words are drawn from them by a hash of
 * (i, position), so every run of five is as good as new. */
static const char *const vocab[64] = {
	"the", "city", "council", "voted", "on", "tuesday", "to", "expand", "bus",
	"network", "northern", "suburbs", "after", "months", "of", "debate", "about",
	"cost", "residents", "said", "new", "routes", "would", "cut", "their",
	"commute", "by", "half", "mayor", "praised", "decision", "while", "critics",
	"warned", "budget", "could", "not", "bear", "it", "transit", "agency",
	"expects", "first", "buses", "run", "next", "spring", "drivers", "union",
	"welcomed", "plan", "hiring", "more", "staff", "fares", "will", "stay",
	"same", "for", "two", "years", "officials", "added", "late",
};

static void line_words(size_t i, size_t nwords, const char *last, char *out, size_t cap)
{
	size_t n = 0;
	for (size_t j = 0; j < nwords; j++) {
		uint64_t h = (uint64_t)i * 0x9E3779B97F4A7C15u + j * 0xC2B2AE3D27D4EB4Fu;
		h ^= h >> 29;
		h *= 0xBF58476D1CE4E5B9u;
		const char *w = j + 1 == nwords && last ? last : vocab[(h >> 40) & 63];
		n += (size_t)snprintf(out + n, cap - n, "%s%s", j ? " " : "", w);
	}
	snprintf(out + n, cap - n, "\n");
}

#define LINE_WORDS 20

static char *distinct_lines(size_t nlines, size_t *len_out)
{
	const size_t cap = nlines * LINE_WORDS * 12 + 1;
	char *text = malloc(cap);
	cr_assert(text);
	size_t n = 0;
	for (size_t i = 0; i < nlines; i++) {
		line_words(i, LINE_WORDS, NULL, text + n, cap - n);
		n += strlen(text + n);
	}
	*len_out = n;
	return text;
}

static struct wn_options limited(enum wn_on_full on_full)
{
	struct wn_options o = { 0 };
	o.max_mem = LIMIT;
	o.on_full = on_full;
	return o;
}

/* Pushes text in 64 KiB pieces; returns the first error. */
static int push_all(struct wn_filter *f, const char *text, size_t n)
{
	for (size_t pos = 0; pos < n; pos += 65536) {
		const int rc = wn_filter_push(f, text + pos, n - pos < 65536 ? n - pos : 65536);
		if (rc)
			return rc;
	}
	return wn_filter_finish(f);
}

Test(near, limit_fail_stops_with_the_shingle_set_named)
{
	size_t n;
	char *text = distinct_lines(NLINES, &n);
	struct wn_options o = limited(WN_FULL_FAIL);
	struct sink s = { 0 };
	o.write = sink_write;
	o.write_ctx = &s;
	struct wn_filter *f = wn_filter_new(&o);
	cr_assert(f);
	cr_assert_eq(push_all(f, text, n), WN_E_LIMIT);
	struct wn_stats st;
	wn_filter_stats(f, &st);
	cr_assert(st.near_full);
	cr_assert_leq(st.near_bytes, LIMIT / 4 * 3);
	cr_assert_gt(st.near_bytes, LIMIT / 2, "%lu", (unsigned long)st.near_bytes);
	cr_assert_leq(st.seen_bytes, LIMIT / 4);
	wn_filter_free(f);
	/* Without near lines the line set has all of it, and no limit is hit. */
	o.disable = WN_STAGE_NEAR;
	s.len = 0;
	f = wn_filter_new(&o);
	cr_assert_eq(push_all(f, text, n), 0);
	wn_filter_stats(f, &st);
	cr_assert(!st.near_full && st.near_bytes == 0 && st.lines_kept == NLINES);
	wn_filter_free(f);
	free(s.buf);
	free(text);
}

/* forget keeps the newest shingles: the last line with its last word
 * changed is still a near duplicate, the first line so changed no longer. */
Test(near, limit_forget_keeps_recent_shingles)
{
	size_t n;
	char *text = distinct_lines(NLINES, &n);
	char *copy = malloc(n + 2 * LINE_WORDS * 12);
	memcpy(copy, text, n);
	size_t m = n;
	line_words(NLINES - 1, LINE_WORDS, "trams", copy + m, 2 * LINE_WORDS * 12);
	m += strlen(copy + m);
	line_words(0, LINE_WORDS, "trams", copy + m, 2 * LINE_WORDS * 12);
	m += strlen(copy + m);
	struct wn_options o = limited(WN_FULL_FORGET);
	o.explain = record;
	struct drops d = { 0 };
	o.explain_ctx = &d;
	struct wn_stats st;
	size_t len;
	free(run_filter_parts(&o, copy, m, NULL, 0, 0, 0, &len, &st));
	cr_assert_gt(st.near_forgotten, 100000, "%lu", (unsigned long)st.near_forgotten);
	cr_assert_leq(st.near_bytes, LIMIT / 4 * 3);
	cr_assert_leq(st.seen_bytes, LIMIT / 4);
	cr_assert_eq(d.n, 1, "drops: %zu", d.n);
	cr_assert_eq(d.reason[0], WN_DROP_NEAR);
	cr_assert_eq(d.line[0], NLINES + 1);
	cr_assert_eq(st.lines_in, st.lines_kept + total_dropped(&st));
	free(copy);
	free(text);
}

Test(near, limit_bloom_stays_within_and_balances)
{
	size_t n, len;
	char *text = distinct_lines(NLINES, &n);
	struct wn_options o = limited(WN_FULL_BLOOM);
	struct wn_stats st;
	free(run_filter_parts(&o, text, n, NULL, 0, 0, 0, &len, &st));
	cr_assert(st.near_bloom && !st.seen_bloom);
	cr_assert_leq(st.near_bytes, LIMIT / 4 * 3);
	cr_assert_eq(st.lines_in, st.lines_kept + total_dropped(&st));
	cr_assert_eq(st.bytes_out, len);
	free(text);
}
