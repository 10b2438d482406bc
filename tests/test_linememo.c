/* test_linememo.c - the line memo (linememo.c, filter.c's take_memo): a
 * repeated line taken from it is judged as its own work would judge it.
 * Real lines from tests/data (plain ones, Chinese, lines with entities,
 * mojibake the repairs fix, lines a punctuation rule changes, and real
 * lines re-encoded as Latin-1), each repeated near and far, pushed whole
 * and in pieces: the output and counts equal those of runs without the
 * memo, under several option sets. And the table itself: hit, miss,
 * eviction, and never another line's entry. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "testutil.h"

TestSuite(linememo);

/* ---- The table ------------------------------------------------------------ */

static struct wn_line line_of(const char *z)
{
	return (struct wn_line){ (char *)(uintptr_t)z, strlen(z) };
}

/* The set fetched ahead from the next line's first 16 bytes is the one
 * its look-up reads, whatever its length, when it ends with '\n'. */
Test(linememo, the_set_fetched_ahead_is_the_set_looked_up)
{
	static const char *const lines[] = {
		"a", "ab\r", "abcdefg", "abcdefgh", "abcdefghi", "abcdefghijklmno",
		"abcdefghijklmnop", "abcdefghijklmnopq", "Posted by the editors on Monday",
	};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		char buf[64] = { 0 };
		const size_t n = strlen(lines[i]);
		memcpy(buf, lines[i], n);
		buf[n] = '\n';
		memcpy(buf + n + 1, "the next line, not this one", 27);
		uint64_t a, b;
		memcpy(&a, buf, 8);
		memcpy(&b, buf + 8, 8);
		const uint64_t keep = wn_linememo_before_nl(a);
		b = keep >> 63 ? b & wn_linememo_before_nl(b) : 0;
		cr_assert_eq(wn_linememo_place(a & keep, b, 9), wn_linememo_set_of(buf, n, 9),
			     "line %zu", i);
	}
}

Test(linememo, a_line_hits_from_its_third_look)
{
	struct wn_keyer k;
	wn_keyer_init(&k, WN_KEY_NORMALIZED, 0x5eed);
	struct wn_linememo m;
	cr_assert_eq(wn_linememo_init(&m, 0x5eed), 0);
	const struct wn_line a = line_of("Posted by the editors on Monday, 3 March");
	struct wn_linememo_fill fill;
	cr_assert_null(wn_linememo_find(&m, &k, &a, &fill));
	cr_assert_null(fill.e, "a line seen once is only glimpsed");
	cr_assert_null(wn_linememo_find(&m, &k, &a, &fill));
	cr_assert_not_null(fill.e, "a line seen twice is to be filled in");
	cr_assert_eq(fill.raw, wn_keyer_exact(&k, &a));
	wn_linememo_fill(&fill, true, 0x1234);
	const struct wn_linememo_entry *e = wn_linememo_find(&m, &k, &a, &fill);
	cr_assert_not_null(e);
	cr_assert_null(fill.e);
	cr_assert_eq(e->dup_hash, 0x1234);
	cr_assert(e->dedup);
	/* Its copy elsewhere in memory, as a line in another buffer. */
	char copy[64];
	memcpy(copy, a.ptr, a.len);
	const struct wn_line b = { copy, a.len };
	e = wn_linememo_find(&m, &k, &b, &fill);
	cr_assert(e && e->dup_hash == 0x1234);
	/* A line never filled in (changed by a repair) never hits. */
	const struct wn_line c = line_of("A line that a repair changed , each time");
	for (int i = 0; i < 5; i++)
		cr_assert_null(wn_linememo_find(&m, &k, &c, &fill));
	wn_linememo_clear(&m);
	cr_assert_null(wn_linememo_find(&m, &k, &a, &fill));
	wn_linememo_free(&m);
}

/* A window of lines with fewer hits than one in WN_LINEMEMO_FEW rests the
 * memo for WN_LINEMEMO_REST windows' lines; one with enough keeps it on. */
Test(linememo, rests_after_a_window_without_hits)
{
	const uint32_t window = 500;
	wn_linememo_window = window;
	struct wn_linememo m;
	cr_assert_eq(wn_linememo_init(&m, 1), 0);
	for (int round = 0; round < 2; round++) {
		for (uint32_t i = 0; i < window; i++) { /* enough hits: 5 in 500 */
			cr_assert(wn_linememo_awake(&m));
			m.hits += i % 100 == 0;
		}
		for (uint32_t i = 0; i < window; i++) { /* too few: 4 in 500 */
			cr_assert(wn_linememo_awake(&m));
			m.hits += i % 125 == 0;
		}
		for (uint32_t i = 0; i < WN_LINEMEMO_REST * window; i++)
			cr_assert_not(wn_linememo_awake(&m), "line %u of the rest", i);
		cr_assert(wn_linememo_awake(&m), "awake again, round %d", round);
		m.looked = 0;
	}
	cr_assert_eq(m.rested, 2 * WN_LINEMEMO_REST * window);
	wn_linememo_free(&m);
	wn_linememo_window = (uint32_t)1 << 16;
}

/* Lines of the same length with the same first 16 and last 8 bytes look
 * alike: same set, same tag. Only the hash of all bytes tells them apart. */
Test(linememo, never_the_entry_of_a_line_that_looks_alike)
{
	struct wn_keyer k;
	wn_keyer_init(&k, WN_KEY_NORMALIZED, 7);
	struct wn_linememo m;
	cr_assert_eq(wn_linememo_init(&m, 7), 0);
	const struct wn_line a = line_of("Read more: the council of the city votes on the budget");
	const struct wn_line b = line_of("Read more: the council of the town votes on the budget");
	cr_assert_eq(wn_linememo_glimpse(a.ptr, a.len, 7), wn_linememo_glimpse(b.ptr, b.len, 7));
	cr_assert_eq(wn_linememo_set_of(a.ptr, a.len, 7), wn_linememo_set_of(b.ptr, b.len, 7));
	struct wn_linememo_fill fill;
	wn_linememo_find(&m, &k, &a, &fill);
	wn_linememo_find(&m, &k, &a, &fill);
	cr_assert_not_null(fill.e);
	wn_linememo_fill(&fill, true, 111);
	cr_assert_not_null(wn_linememo_find(&m, &k, &a, &fill));
	/* b matches a's look: it is hashed, misses, and would take a's place. */
	cr_assert_null(wn_linememo_find(&m, &k, &b, &fill), "b took a's entry");
	cr_assert_not_null(fill.e);
	wn_linememo_fill(&fill, false, 222);
	const struct wn_linememo_entry *e = wn_linememo_find(&m, &k, &b, &fill);
	cr_assert(e && e->dup_hash == 222 && !e->dedup);
	cr_assert_null(wn_linememo_find(&m, &k, &a, &fill), "a has b's entry");
	/* A shorter line with the same ends, in the same set, looks different. */
	const struct wn_line c = line_of("Read more: the council of all votes on the budget");
	cr_assert_eq(wn_linememo_set_of(c.ptr, c.len, 7), wn_linememo_set_of(a.ptr, a.len, 7));
	cr_assert_null(wn_linememo_find(&m, &k, &c, &fill));
	cr_assert_null(fill.e);
	wn_linememo_free(&m);
}

/* Lines "N is a line of the feed" (N in 8 digits: a look each) that fall
 * in one set. */
static size_t same_set(char (*out)[48], size_t want, uint64_t seed)
{
	size_t n = 0;
	uint64_t set = UINT64_MAX;
	for (unsigned i = 0; n < want && i < 10000000; i++) {
		char z[48];
		const int len = snprintf(z, sizeof(z), "%08u is a line of the feed", i);
		const uint64_t g = wn_linememo_set_of(z, (size_t)len, seed);
		if (set == UINT64_MAX)
			set = g;
		if (g == set)
			memcpy(out[n++], z, sizeof(z));
	}
	return n;
}

/* Twice looked at, filled in, then found: l's entry holds dup_hash. */
static void learn(struct wn_linememo *m, const struct wn_keyer *k, const struct wn_line *l,
		  uint64_t dup_hash)
{
	struct wn_linememo_fill fill;
	cr_assert_null(wn_linememo_find(m, k, l, &fill));
	cr_assert_null(wn_linememo_find(m, k, l, &fill));
	cr_assert_not_null(fill.e);
	wn_linememo_fill(&fill, true, dup_hash);
}

static uint64_t found(struct wn_linememo *m, const struct wn_keyer *k, const struct wn_line *l)
{
	struct wn_linememo_fill fill;
	const struct wn_linememo_entry *e = wn_linememo_find(m, k, l, &fill);
	return e ? e->dup_hash : 0;
}

Test(linememo, a_set_keeps_the_line_that_hit_last_and_evicts_the_other)
{
	struct wn_keyer k;
	wn_keyer_init(&k, WN_KEY_NORMALIZED, 3);
	struct wn_linememo m;
	cr_assert_eq(wn_linememo_init(&m, 3), 0);
	char lines[4][48];
	cr_assert_eq(same_set(lines, 4, 3), 4);
	struct wn_line l[4];
	for (int i = 0; i < 4; i++)
		l[i] = line_of(lines[i]);
	learn(&m, &k, &l[0], 100);
	cr_assert_eq(found(&m, &k, &l[0]), 100);
	learn(&m, &k, &l[1], 101);
	cr_assert_eq(found(&m, &k, &l[1]), 101);
	cr_assert_eq(found(&m, &k, &l[0]), 100, "two lines that hit share a set");
	/* Two lines seen once take way 1: the line that hit last stays. */
	struct wn_linememo_fill fill;
	cr_assert_null(wn_linememo_find(&m, &k, &l[2], &fill));
	cr_assert_null(wn_linememo_find(&m, &k, &l[3], &fill));
	cr_assert_eq(found(&m, &k, &l[0]), 100, "the line that hit last was evicted");
	cr_assert_eq(found(&m, &k, &l[1]), 0, "the line that hit before it was not evicted");
	wn_linememo_free(&m);
}

/* ---- Through the filter ---------------------------------------------------- */

/* The line as Latin-1 into out, when all its characters have a byte there
 * and one at least is not ASCII (a page served as ISO-8859-1). */
static bool to_latin1(const char *p, size_t n, struct tu_str *out)
{
	bool high = false;
	struct tu_str s = { 0 };
	for (size_t i = 0; i < n;) {
		const unsigned char c = (unsigned char)p[i];
		unsigned cp;
		if (c < 0x80) {
			cp = c;
			i++;
		} else if ((c & 0xe0) == 0xc0 && i + 1 < n) {
			cp = (unsigned)(c & 0x1f) << 6 | ((unsigned char)p[i + 1] & 0x3f);
			i += 2;
		} else {
			cp = 0x100;
		}
		if (cp > 0xff) {
			tu_free(&s);
			return false;
		}
		high |= cp >= 0x80;
		const char b = (char)cp;
		tu_append(&s, &b, 1);
	}
	if (high)
		tu_append(out, s.ptr, s.len);
	tu_free(&s);
	return high;
}

/* Real lines: plain, Chinese (warc-head), with entities, mojibake the
 * repairs fix (ftfy's cases, as JSON lines), lines the punctuation rules
 * change, WET pages; and each non-ASCII line of clean-gold re-encoded as
 * Latin-1. */
static struct tu_str real_lines(void)
{
	static const char *const files[] = {
		"clean-gold.txt",
		"aeb-25.txt",
		"punct/damage-real.txt",
		"warc-head.txt",
		"dolma-0000.lynx.wet",
		"resiliparse-warcfile.lynx.wet",
		"ftfy/synthetic.json",
		"ftfy/in-the-wild.dev.json",
	};
	struct tu_str all = { 0 };
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct tu_str s = tu_data(files[i]);
		const size_t n = s.len > 200000 ? 200000 : s.len;
		tu_append(&all, s.ptr, n);
		if (n && s.ptr[n - 1] != '\n')
			tu_puts(&all, "\n");
		if (i == 0) /* clean-gold again, its non-ASCII lines as Latin-1 */
			for (const char *p = s.ptr, *end = s.ptr + n; p < end;) {
				const char *nl = memchr(p, '\n', (size_t)(end - p));
				const size_t len = (size_t)((nl ? nl : end) - p);
				if (to_latin1(p, len, &all))
					tu_puts(&all, "\n");
				p = nl ? nl + 1 : end;
			}
		tu_free(&s);
	}
	return all;
}

/* The input: the real lines, some doubled at once, some with a CRLF end
 * or trailing blanks (other raw bytes, the same key), form feeds now and
 * then; then every third line again in another order, then all of it
 * again (repeats far apart); no final newline. */
static struct tu_str make_input(void)
{
	struct tu_str all = real_lines();
	struct tu_str in = { 0 };
	size_t nlines = 0;
	for (const char *p = all.ptr, *end = all.ptr + all.len; p < end; nlines++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const size_t n = (size_t)((nl ? nl : end) - p);
		for (int twice = 0; twice < (nlines % 7 == 3 ? 2 : 1); twice++) {
			tu_append(&in, p, n);
			if (nlines % 997 == 500)
				tu_puts(&in, "\f");
			else if (nlines % 5 == 1 && twice == 0)
				tu_puts(&in, "\r\n");
			else if (nlines % 11 == 2)
				tu_puts(&in, "  \t\n");
			else
				tu_puts(&in, "\n");
		}
		p = nl ? nl + 1 : end;
	}
	const size_t first = in.len;
	/* Every third line, in an order of steps of 7919 lines. */
	const char **starts = malloc((nlines + 1) * sizeof(*starts));
	cr_assert_not_null(starts);
	size_t k = 0;
	for (const char *p = all.ptr, *end = all.ptr + all.len; p < end; k++) {
		starts[k] = p;
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		p = nl ? nl + 1 : end;
	}
	starts[k] = all.ptr + all.len;
	for (size_t i = 0, j = 0; i < nlines; i++, j = (j + 7919) % nlines)
		if (j % 3 == 0)
			tu_append(&in, starts[j], (size_t)(starts[j + 1] - starts[j]));
	free(starts);
	struct tu_str again = { 0 }; /* not appended from itself: it may move */
	tu_append(&again, in.ptr, first);
	tu_append(&in, again.ptr, again.len);
	tu_free(&again);
	while (in.len && (in.ptr[in.len - 1] == '\n' || in.ptr[in.len - 1] == '\r'))
		in.len--;
	tu_free(&all);
	return in;
}

struct result {
	struct tu_str out;
	struct wn_stats st;
	uint64_t hits, rested;
};

/* One run, pushed in pieces as tu_push_pieces cuts them: of random sizes
 * under max_chunk bytes (seed not 0), of max_chunk bytes, or whole. */
static struct result run(const struct wn_options *opt, bool no_memo, const struct tu_str *in,
			 uint64_t seed, size_t max_chunk)
{
	struct result r = { 0 };
	struct wn_options o = *opt;
	o.write = tu_write;
	o.write_ctx = &r.out;
	wn_filter_test_no_memo = no_memo;
	struct wn_filter *f = wn_filter_new(&o);
	wn_filter_test_no_memo = false;
	cr_assert_not_null(f);
	const int rc = tu_push_pieces(f, in->ptr, in->len, seed, max_chunk);
	cr_assert_eq(rc, 0, "%s", wn_strerror(rc));
	cr_assert_eq(wn_filter_finish(f), 0);
	wn_filter_stats(f, &r.st);
	r.hits = wn_filter_memo_hits(f);
	r.rested = wn_filter_memo_rested(f);
	wn_filter_free(f);
	tu_append(&r.out, "", 0);
	return r;
}

static void assert_same(const struct result *a, const struct result *b, const char *what)
{
	tu_assert_same_output(&a->out, &b->out, what);
	tu_assert_same_stats(&a->st, &b->st, what);
	cr_assert_eq(b->hits, 0, "%s: the memo was on", what);
}

/* Each chunking, with and without the memo. on: the memo must take many
 * lines (else this compares a run with itself); else it must take none. */
static void check(const struct wn_options *opt, const char *name, bool on)
{
	struct tu_str in = make_input();
	static const size_t chunks[] = { 0, 97, 4093, 65536 };
	for (size_t c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
		const uint64_t seed = chunks[c] ? 11 + c : 0;
		struct result a = run(opt, false, &in, seed, chunks[c]);
		struct result b = run(opt, true, &in, seed, chunks[c]);
		char what[96];
		snprintf(what, sizeof(what), "%s, pieces under %zu", name, chunks[c]);
		assert_same(&a, &b, what);
		/* Pieces of 97 bytes carry most lines across pushes: those take
		 * their own way (their text is copied). */
		const uint64_t least = !on ? 0 : chunks[c] == 97 ? a.st.lines_in / 50 : a.st.lines_in / 6;
		if (on)
			cr_assert_gt(a.hits, least, "%s: %llu of %llu lines from the memo", what,
				     (unsigned long long)a.hits, (unsigned long long)a.st.lines_in);
		else
			cr_assert_eq(a.hits, 0, "%s: the memo was on", what);
		cr_assert_gt(a.st.dropped[WN_DROP_DUP], 1000, "%s: too few duplicates", what);
		cr_assert_gt(a.st.lines_changed, on ? 100 : 0, "%s: too few repairs", what);
		tu_free(&a.out);
		tu_free(&b.out);
	}
	tu_free(&in);
}

static struct wn_options dedup_only(void)
{
	struct wn_options o = { 0 };
	o.disable = WN_STAGE_NEAR | WN_STAGE_BOILERPLATE;
	o.seed = 0x5eed;
	return o;
}

Test(linememo, repeated_lines_as_their_own_work)
{
	const struct wn_options o = dedup_only();
	check(&o, "dedup only", true);
}

Test(linememo, ascii_nfkc_and_a_rule_off)
{
	struct wn_options o = dedup_only();
	o.ascii = true;
	check(&o, "ascii", true);
	o.ascii = false;
	o.nfkc = true;
	const int bit = wn_repair_rule_find("mojibake");
	cr_assert_geq(bit, 0);
	o.repair_off = (uint64_t)1 << bit;
	check(&o, "nfkc, no mojibake", true);
}

Test(linememo, scope_doc_min_chars_and_no_repair)
{
	struct wn_options o = dedup_only();
	o.scope = WN_SCOPE_DOC;
	o.min_chars = 3;
	check(&o, "scope doc, min chars 3", true);
	o = dedup_only();
	o.disable |= WN_STAGE_REPAIR;
	struct tu_str in = make_input();
	struct result a = run(&o, false, &in, 0, 0);
	struct result b = run(&o, true, &in, 0, 0);
	assert_same(&a, &b, "no repair");
	cr_assert_gt(a.hits, a.st.lines_in / 6);
	tu_free(&a.out);
	tu_free(&b.out);
	tu_free(&in);
}

static void ignore_event(void *ctx, const struct wn_event *ev)
{
	(void)ctx;
	(void)ev;
}

/* Where the memo is off: near duplicates (the default), the exact key,
 * --explain (on one thread and on two). */
Test(linememo, off_where_it_does_not_apply)
{
	struct tu_str in = make_input();
	struct wn_options o[5] = { { .seed = 1 }, dedup_only(), dedup_only(), dedup_only(),
				   { .seed = 1, .threads = 2 } };
	o[1].key = WN_KEY_EXACT;
	o[2].explain = ignore_event;
	o[3].explain = ignore_event;
	o[3].threads = 2;
	for (int i = 0; i < 5; i++) {
		struct result a = run(&o[i], false, &in, 0, 0);
		cr_assert_eq(a.hits, 0, "option set %d: the memo was on", i);
		tu_free(&a.out);
	}
	tu_free(&in);
}

/* ---- Two threads ---------------------------------------------------------- */

/* test_threads.c's: blocks of 64 KiB, so that the input crosses many; the
 * worker's share of the lines (prep.c's wn_prep_test_share: -1 as balances
 * the threads, 0 none, 32 all, 33 at random, else that many of each 32);
 * every way of cutting the input the worker's blocks care about (0 whole,
 * else pieces of that many bytes, or random sizes up to -chunk). */
#define BLOCK ((size_t)64 << 10)
#define SHARE_MAX 32
static const int shares[] = { -1, 0, SHARE_MAX, SHARE_MAX + 1, 5, 27 };
static const long chunks2[] = { 0, 1, 7, 4093, (long)BLOCK - 1, (long)BLOCK + 1, -70000 };

static struct result run2(const struct wn_options *opt, unsigned threads, bool no_memo,
			  const struct tu_str *in, long chunk, int share)
{
	struct wn_options o = *opt;
	o.threads = threads;
	wn_prep_test_block = BLOCK;
	wn_prep_test_share = share;
	struct result r = chunk < 0 ? run(&o, no_memo, in, 7, (size_t)-chunk)
				    : run(&o, no_memo, in, 0, (size_t)chunk);
	wn_prep_test_block = 0;
	wn_prep_test_share = -1;
	return r;
}

/* Two threads, each with its memo: the output and counts of one thread
 * without the memo, and of two without it, in every chunking, each with a
 * share of the worker's (the worker's memo alone when it takes every line,
 * the judging thread's alone when it takes none); the memo must take many
 * lines. The worker records a line from its memo as its own work would
 * (prep.c's prep_memo): a wrong flag or fingerprint shows here. */
static void check_two(const struct wn_options *opt, const char *name)
{
	struct tu_str in = make_input();
	for (size_t c = 0; c < sizeof(chunks2) / sizeof(chunks2[0]); c++) {
		const int share = shares[c % (sizeof(shares) / sizeof(shares[0]))];
		struct result a = run2(opt, 2, false, &in, chunks2[c], share);
		struct result one = run2(opt, 1, true, &in, chunks2[c], share);
		struct result two = run2(opt, 2, true, &in, chunks2[c], share);
		char what[128];
		snprintf(what, sizeof(what), "%s, two threads, chunk %ld, share %d", name,
			 chunks2[c], share);
		assert_same(&a, &one, what);
		assert_same(&a, &two, what);
		if (share != 0)
			cr_assert_gt(a.st.lines_ahead, 0, "%s: the worker prepared nothing", what);
		if (share == SHARE_MAX)
			cr_assert_geq(a.st.lines_ahead * 10, a.st.lines_in * 9,
				      "%s: the worker prepared %llu of %llu lines", what,
				      (unsigned long long)a.st.lines_ahead,
				      (unsigned long long)a.st.lines_in);
		/* Each thread's memo sees its share of the lines only; a line
		 * hits once one memo has seen it twice. With the share set at
		 * run time (-1) which copies meet in one memo depends on the
		 * threads' pace (16.2 to 18.4 % of the lines hit in ten runs
		 * here, 17.4 % and more with a fixed share), so the bound is
		 * lower there. */
		const uint64_t least = a.st.lines_in / (share < 0 ? 20 : 10);
		cr_assert_gt(a.hits, least, "%s: %llu of %llu lines from the memo", what,
			     (unsigned long long)a.hits, (unsigned long long)a.st.lines_in);
		cr_assert_gt(a.st.dropped[WN_DROP_DUP], 1000, "%s: too few duplicates", what);
		cr_assert_gt(a.st.lines_changed, 100, "%s: too few repairs", what);
		tu_free(&a.out);
		tu_free(&one.out);
		tu_free(&two.out);
	}
	tu_free(&in);
}

Test(linememo, two_threads_as_one_without_it)
{
	const struct wn_options o = dedup_only();
	check_two(&o, "dedup only");
}

Test(linememo, two_threads_ascii_min_chars_scope_doc)
{
	struct wn_options o = dedup_only();
	o.ascii = true;
	o.min_chars = 3;
	check_two(&o, "ascii, min chars 3");
	o = dedup_only();
	o.scope = WN_SCOPE_DOC;
	o.nfkc = true;
	check_two(&o, "scope doc, nfkc");
}

/* Windows of 300 lines: the memo rests on the real lines' first pass,
 * where few repeat, and looks again; one thread and two (each memo rests
 * on its own), whole and in pieces: the output and counts of runs without
 * the memo, some lines rested, some taken from the memo. With two threads
 * the worker's share is fixed (half, all, a quarter): whether a window of
 * a memo's lines has few hits depends on which lines it sees, and with the
 * share set at run time a run here once rested none. */
Test(linememo, resting_changes_nothing)
{
	const struct wn_options o = dedup_only();
	struct tu_str in = make_input();
	static const long cuts[] = { 0, 4093, -70000 };
	static const int share[] = { SHARE_MAX / 2, SHARE_MAX, SHARE_MAX / 4 };
	for (size_t c = 0; c < sizeof(cuts) / sizeof(cuts[0]); c++)
		for (unsigned threads = 1; threads <= 2; threads++) {
			wn_linememo_window = 300;
			struct result a = run2(&o, threads, false, &in, cuts[c], share[c]);
			wn_linememo_window = (uint32_t)1 << 16;
			struct result b = run2(&o, threads, true, &in, cuts[c], -1);
			char what[96];
			snprintf(what, sizeof(what), "resting, %u threads, chunk %ld", threads, cuts[c]);
			assert_same(&a, &b, what);
			cr_assert_gt(a.rested, a.st.lines_in / 20, "%s: %llu lines rested", what,
				     (unsigned long long)a.rested);
			cr_assert_gt(a.hits, 1000, "%s: %llu hits", what, (unsigned long long)a.hits);
			tu_free(&a.out);
			tu_free(&b.out);
		}
	tu_free(&in);
}
