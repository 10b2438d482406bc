/* test_judge.c - the judging loop's short way for plain lines (filter.c:
 * queue_plain, judge_plain, kept runs written from the input in one copy)
 * against the general judge (prepare_line, judge_line) it stands in for
 * when dedup is the only judge. Real text from tests/data (plain lines,
 * lines the repairs rewrite, a WET file's lines), with duplicates next to
 * each other and far apart, CRLF ends, trailing spaces, form feeds and no
 * final newline, pushed whole and in pieces of random sizes (so that the
 * caller's buffer ends anywhere in a run of kept lines, and lines are
 * carried across pushes), on one and two threads: the output, the counts
 * and the explanations are the same both ways. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "testutil.h"

TestSuite(judge);

/* The input: real lines, some doubled at once (a duplicate inside the same
 * batch of 32), some with a CRLF end or trailing blanks (not joined to a
 * run), form feeds every 997 lines (documents), then the first part again
 * (duplicates far apart), with no final newline. */
static struct tu_str make_input(void)
{
	static const char *const files[] = {
		"clean-gold.txt",
		"punct/damage-real.txt",
		"aeb-25.txt",
		"dolma-0000.lynx.wet",
	};
	struct tu_str all = { 0 };
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct tu_str s = tu_data(files[i]);
		/* clean-gold is large: its first 200 kB are enough */
		const size_t n = s.len > 200000 ? 200000 : s.len;
		tu_append(&all, s.ptr, n);
		tu_free(&s);
	}
	struct tu_str in = { 0 };
	size_t line = 0;
	size_t half = 0;
	for (const char *p = all.ptr, *end = all.ptr + all.len; p < end; line++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const size_t n = (size_t)((nl ? nl : end) - p);
		for (int twice = 0; twice < (line % 7 == 3 ? 2 : 1); twice++) {
			tu_append(&in, p, n);
			if (line % 997 == 500)
				tu_puts(&in, "\f");
			else if (line % 5 == 1)
				tu_puts(&in, "\r\n");
			else if (line % 11 == 2)
				tu_puts(&in, "  \t\n");
			else
				tu_puts(&in, "\n");
		}
		if (p - all.ptr < (ptrdiff_t)(all.len / 2))
			half = in.len;
		p = nl ? nl + 1 : end;
	}
	struct tu_str again = { 0 }; /* not appended from itself: it may move */
	tu_append(&again, in.ptr, half);
	tu_append(&in, again.ptr, again.len);
	tu_free(&again);
	while (in.len && (in.ptr[in.len - 1] == '\n' || in.ptr[in.len - 1] == '\r'))
		in.len--;
	tu_free(&all);
	return in;
}

static void on_explain(void *ctx, const struct wn_event *ev)
{
	tu_put_event(ctx, ev);
}

struct result {
	struct tu_str out;
	struct tu_str events;
	struct wn_stats st;
	uint64_t plain;
};

/* One run, pushed whole (seed 0) or in pieces under max_chunk bytes. */
static struct result run(const struct wn_options *opt, bool general, const struct tu_str *in,
			 uint64_t seed, size_t max_chunk)
{
	struct result r = { 0 };
	struct wn_options o = *opt;
	o.write = tu_write;
	o.write_ctx = &r.out;
	if (o.explain) {
		o.explain = on_explain;
		o.explain_ctx = &r.events;
	}
	wn_filter_test_general = general;
	struct wn_filter *f = wn_filter_new(&o);
	wn_filter_test_general = false;
	cr_assert_not_null(f);
	const int rc = tu_push_pieces(f, in->ptr, in->len, seed, max_chunk);
	cr_assert_eq(rc, 0, "%s", wn_strerror(rc));
	cr_assert_eq(wn_filter_finish(f), 0);
	wn_filter_stats(f, &r.st);
	r.plain = wn_filter_plain_judged(f);
	wn_filter_free(f);
	tu_append(&r.out, "", 0);
	return r;
}

static void assert_same(const struct result *a, const struct result *b, const char *what)
{
	tu_assert_same_output(&a->out, &b->out, what);
	cr_assert_eq(a->events.len, b->events.len, "%s: explanations differ", what);
	cr_assert(a->events.len == 0 || memcmp(a->events.ptr, b->events.ptr, a->events.len) == 0,
		  "%s: explanations differ", what);
	tu_assert_same_stats(&a->st, &b->st, what);
	cr_assert_eq(b->plain, 0, "%s: the general judge took the short way", what);
}

/* Each chunking of the input, both ways; the short way must decide most
 * lines (else this compares the general judge with itself). */
static void check(const struct wn_options *opt, const char *name)
{
	struct tu_str in = make_input();
	static const size_t chunks[] = { 0, 97, 4093, 65536 };
	for (size_t c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
		const uint64_t seed = chunks[c] ? 7 + c : 0;
		struct result a = run(opt, false, &in, seed, chunks[c]);
		struct result b = run(opt, true, &in, seed, chunks[c]);
		char what[96];
		snprintf(what, sizeof(what), "%s, pieces under %zu", name, chunks[c]);
		assert_same(&a, &b, what);
		/* Pieces of 97 bytes carry most lines across pushes: those take
		 * the general way (their text is copied). */
		const uint64_t least = chunks[c] == 97 ? a.st.lines_in / 5 : a.st.lines_in / 2;
		cr_assert_gt(a.plain, least, "%s: %llu of %llu lines the short way", what,
			     (unsigned long long)a.plain, (unsigned long long)a.st.lines_in);
		cr_assert_gt(a.st.dropped[WN_DROP_DUP], 1000, "%s: too few duplicates", what);
		tu_free(&a.out);
		tu_free(&a.events);
		tu_free(&b.out);
		tu_free(&b.events);
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

Test(judge, plain_lines_as_the_general_judge)
{
	const struct wn_options o = dedup_only();
	check(&o, "normalized key");
}

Test(judge, exact_key_and_scope_doc)
{
	struct wn_options o = dedup_only();
	o.key = WN_KEY_EXACT;
	o.scope = WN_SCOPE_DOC;
	check(&o, "exact key, scope doc");
}

Test(judge, every_line_deduplicated_and_explained)
{
	struct wn_options o = dedup_only();
	o.min_chars = 1;
	o.explain = on_explain; /* run() collects the events */
	check(&o, "min_chars 1, explain");
}

/* The seen set fills and forgets (or becomes a Bloom filter) in the middle
 * of batches. */
Test(judge, seen_set_full)
{
	struct wn_options o = dedup_only();
	o.max_mem = 256 * 1024;
	o.on_full = WN_FULL_BLOOM;
	check(&o, "max_mem 256K, bloom");
	o.max_mem = 512 * 1024;
	o.on_full = WN_FULL_FORGET;
	check(&o, "max_mem 512K, forget");
	struct tu_str in = make_input();
	struct result r = run(&o, false, &in, 0, 0);
	cr_assert_gt(r.st.seen_forgotten, 0, "the seen set never filled");
	tu_free(&r.out);
	tu_free(&r.events);
	tu_free(&in);
}

/* Two threads: the worker's unchanged lines take the short way too, in
 * blocks of 64 KiB that end anywhere in a run. */
Test(judge, two_threads)
{
	struct wn_options o = dedup_only();
	o.threads = 2;
	wn_prep_test_block = 64 * 1024;
	check(&o, "two threads");
	wn_prep_test_block = 0;
}
