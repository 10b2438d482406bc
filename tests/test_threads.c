/* test_threads.c - wn_options.threads: the line-local stages on a worker
 * thread give the single-threaded output, statistics and explanations byte
 * for byte, on real text, JSON Lines and WET, however the input is pushed:
 * lines, documents and records straddling the worker's blocks, one
 * byte at a time, several inputs in a row, and the two-pass site-wide
 * count; whichever thread prepares which lines (repairs, keys, shingles,
 * boilerplate rules). */
#include <criterion/criterion.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "internal.h"
#include "testutil.h"
#include "winnow.h"

/* The worker's blocks in these tests (wn_prep_test_block): 64 KiB rather
 * than the 1 MiB a filter with no memory limit takes, so that short real
 * inputs cross many block boundaries. */
#define BLOCK ((size_t)64 << 10)
#define SHARE_MAX 32             /* prep.c's: a share of 32 lines */

static void small_blocks(void)
{
	wn_prep_test_block = BLOCK;
}

static void default_blocks(void)
{
	wn_prep_test_block = 0;
}

TestSuite(threads, .init = small_blocks, .fini = default_blocks);

/* Which lines the worker prepares in check()'s two-thread run (prep.c's
 * wn_prep_test_share): -1 as many as balances the threads, 0 none, 32 all,
 * 33 at random, else that many of each 32 in a row. */
static int share = -1;
static const int shares[] = { -1, 0, SHARE_MAX, SHARE_MAX + 1, 5, 27 };
#define NSHARES (sizeof(shares) / sizeof(shares[0]))

/* Explanations as text: every field, one event a line; drops and changes
 * apart. Each comes in input order, but where a change falls among the
 * drops of the lines before it depends on how the input was cut (the batch
 * of 32 lines being judged), with one thread as with two. */
static void on_explain(void *ctx, const struct wn_event *ev)
{
	struct tu_str *logs = ctx;
	tu_put_event(&logs[ev->kind == WN_EV_CHANGE], ev);
}

/* The classifier's training dump (--nav-dump) as text: every feature of
 * every line, exactly (hex floats). */
static void on_dump(void *ctx, const struct wn_nav_sample *s)
{
	struct tu_str *dump = ctx;
	char num[64];
	snprintf(num, sizeof(num), "%llu %zu %d", (unsigned long long)s->doc, s->line, s->prior);
	tu_puts(dump, num);
	for (unsigned j = 0; j < s->nx; j++) {
		snprintf(num, sizeof(num), " %a", (double)s->x[j]);
		tu_puts(dump, num);
	}
	tu_puts(dump, "\t");
	tu_append(dump, s->text, s->len);
	tu_puts(dump, "\n");
}

struct run {
	struct tu_str out;
	struct tu_str explain[2]; /* drops, changes */
	struct tu_str dump;       /* --nav-dump, when opt.nav_dump is set */
	struct wn_stats st;
	int rc;
};

/* A filter of base's options on threads threads, writing into r. */
static struct wn_filter *new_filter(const struct wn_options *base, unsigned threads,
				    struct run *r)
{
	memset(r, 0, sizeof(*r));
	struct wn_options o = *base;
	o.threads = threads;
	o.write = tu_write;
	o.write_ctx = &r->out;
	if (o.explain) {
		o.explain = on_explain;
		o.explain_ctx = r->explain;
	}
	if (o.nav_dump) {
		o.nav_dump = on_dump;
		o.nav_dump_ctx = &r->dump;
	}
	struct wn_filter *f = wn_filter_new(&o);
	cr_assert_not_null(f);
	return f;
}

/* Pushes the inputs (each ended by wn_filter_end_input) in pieces: whole
 * when chunk is 0, else of chunk bytes, or random sizes up to -chunk when
 * chunk is negative. */
static void run(const struct wn_options *base, unsigned threads, struct tu_str *const *inputs,
		size_t ninputs, long chunk, bool two_pass, struct run *r)
{
	struct wn_filter *f = new_filter(base, threads, r);
	uint64_t seed = 42;
	int rc = two_pass ? wn_filter_count_begin(f) : 0;
	for (int pass = two_pass ? 0 : 1; pass < 2 && !rc; pass++) {
		for (size_t i = 0; i < ninputs && !rc; i++) {
			const struct tu_str *in = inputs[i];
			size_t pos = 0;
			while (pos < in->len && !rc) {
				size_t n = in->len - pos;
				if (chunk > 0 && (size_t)chunk < n)
					n = (size_t)chunk;
				if (chunk < 0) {
					const size_t k = (size_t)(tu_rand(&seed) % (size_t)-chunk) + 1;
					n = k < n ? k : n;
				}
				rc = wn_filter_push(f, in->ptr + pos, n);
				pos += n;
			}
			if (!rc)
				rc = wn_filter_end_input(f);
		}
		if (!rc && pass == 0)
			rc = wn_filter_count_end(f);
	}
	if (!rc)
		rc = wn_filter_finish(f);
	wn_filter_stats(f, &r->st);
	wn_filter_free(f);
	tu_append(&r->out, "", 0);
	tu_append(&r->explain[0], "", 0);
	tu_append(&r->explain[1], "", 0);
	r->rc = rc;
}

static void free_run(struct run *r)
{
	tu_free(&r->out);
	tu_free(&r->explain[0]);
	tu_free(&r->explain[1]);
	tu_free(&r->dump);
}

/* One thread against two, on the same inputs and pushes: the same bytes
 * out, the same statistics and explanations, and the worker prepared the
 * lines of its share (lines_in also counts the pieces a repair breaks a
 * line into). */
static void check(const struct wn_options *opt, struct tu_str *const *inputs, size_t ninputs,
		  long chunk, bool two_pass)
{
	struct run one, two;
	run(opt, 1, inputs, ninputs, chunk, two_pass, &one);
	wn_prep_test_share = share;
	wn_prep_test_poison = true;
	run(opt, 2, inputs, ninputs, chunk, two_pass, &two);
	wn_prep_test_share = -1;
	wn_prep_test_poison = false;
	cr_assert_eq(one.rc, 0, "one thread: %s", wn_strerror(one.rc));
	cr_assert_eq(two.rc, 0, "two threads: %s", wn_strerror(two.rc));
	cr_assert_gt(one.st.lines_kept, 0);
	cr_assert_eq(one.out.len, two.out.len, "output: %zu bytes against %zu (chunk %ld)",
		     one.out.len, two.out.len, chunk);
	cr_assert(memcmp(one.out.ptr, two.out.ptr, one.out.len) == 0, "output differs (chunk %ld)",
		  chunk);
	for (int k = 0; k < 2; k++) {
		const struct tu_str *x = &one.explain[k], *y = &two.explain[k];
		cr_assert_eq(x->len, y->len, "explanations: %zu bytes against %zu (chunk %ld)",
			     x->len, y->len, chunk);
		cr_assert(memcmp(x->ptr, y->ptr, x->len) == 0, "explanations differ (chunk %ld)",
			  chunk);
	}
	if (opt->explain)
		cr_assert_gt(one.explain[0].len, 0);
	if (opt->nav_dump) {
		cr_assert_gt(one.dump.len, 0);
		cr_assert_eq(one.dump.len, two.dump.len, "nav dump: %zu bytes against %zu (chunk %ld)",
			     one.dump.len, two.dump.len, chunk);
		cr_assert(memcmp(one.dump.ptr, two.dump.ptr, one.dump.len) == 0,
			  "nav dumps differ (chunk %ld)", chunk);
	}
	char what[64];
	snprintf(what, sizeof(what), "one thread against two (chunk %ld)", chunk);
	tu_assert_same_stats(&one.st, &two.st, what);
	cr_assert_eq(one.st.lines_ahead, 0);
	const unsigned long long ahead = two.st.lines_ahead, in = two.st.lines_in;
	if (opt->disable & WN_STAGE_REPAIR || share == 0)
		cr_assert_eq(ahead, 0);
	else if (share == SHARE_MAX)
		cr_assert_geq(ahead * 10, in * 9, "the worker prepared %llu of %llu lines", ahead, in);
	else if (share < 0)
		cr_assert_gt(ahead, 0);
	else
		cr_assert(ahead > 0 && ahead < in, "share %d: the worker prepared %llu of %llu lines",
			  share, ahead, in);
	free_run(&one);
	free_run(&two);
}

/* Every way of cutting the input the worker's blocks care about. */
static const long chunks[] = { 0, 1, 7, 4093, (long)BLOCK - 1, (long)BLOCK + 1, -70000 };
#define NCHUNKS (sizeof(chunks) / sizeof(chunks[0]))

/* Inputs longer than a block, so lines, documents and records straddle
 * blocks: the file repeated until it is. */
static struct tu_str data_over_block(const char *name)
{
	struct tu_str one = tu_data(name);
	struct tu_str s = { 0 };
	while (s.len < BLOCK + BLOCK / 2)
		tu_append(&s, one.ptr, one.len);
	tu_free(&one);
	return s;
}

Test(threads, text_every_chunking)
{
	struct tu_str a = tu_data("clean-gold.txt"), b = tu_data("aeb-25.txt");
	struct tu_str *in[] = { &a, &b };
	const struct wn_options opt = { .explain = on_explain };
	for (size_t c = 0; c < NCHUNKS; c++) {
		share = shares[c % NSHARES];
		check(&opt, in, 2, chunks[c], false);
	}
	tu_free(&a);
	tu_free(&b);
}

Test(threads, repeated_text_straddles_blocks)
{
	/* Mojibake, entities and controls in raw crawl text: many repairs. */
	struct tu_str a = data_over_block("warc-head.txt");
	struct tu_str *in[] = { &a };
	const struct wn_options opt = { .key = WN_KEY_EXACT, .explain = on_explain };
	for (size_t c = 0; c < NCHUNKS; c++) {
		share = shares[(c + 1) % NSHARES];
		check(&opt, in, 1, chunks[c], false);
	}
	const struct wn_options doc = { .doc_dedup = true, .doc_near = 0.8, .scope = WN_SCOPE_DOC };
	check(&doc, in, 1, -300000, false);
	tu_free(&a);
}

Test(threads, jsonl_records_straddle_blocks)
{
	struct tu_str a = data_over_block("gold-aeb.jsonl"), b = tu_data("gold-htt.jsonl");
	struct tu_str *in[] = { &a, &b };
	const struct wn_options opt = { .format = WN_FORMAT_AUTO, .field = "gold",
					.explain = on_explain, .doc_dedup = true };
	for (size_t c = 0; c < NCHUNKS; c++) {
		share = shares[(c + 2) % NSHARES];
		check(&opt, in, 2, chunks[c], false);
	}
	tu_free(&a);
	tu_free(&b);
}

Test(threads, wet_records_straddle_blocks)
{
	struct tu_str a = data_over_block("dolma-0000.lynx.wet"), b = tu_data("whirlwind.warc.wet");
	struct tu_str *in[] = { &a, &b };
	const struct wn_options opt = { .format = WN_FORMAT_AUTO, .explain = on_explain };
	for (size_t c = 0; c < NCHUNKS; c++) {
		share = shares[(c + 3) % NSHARES];
		check(&opt, in, 2, chunks[c], false);
	}
	tu_free(&a);
	tu_free(&b);
}

Test(threads, formats_in_a_row)
{
	/* Format detection anew at each input, with the worker a block ahead. */
	struct tu_str a = tu_data("gold-htt.jsonl"), b = tu_data("aeb-25.txt"),
		      c = tu_data("dolma-sample.lynx.wet"), d = tu_data("gold-aeb.jsonl");
	struct tu_str *in[] = { &a, &b, &c, &d };
	const struct wn_options opt = { .format = WN_FORMAT_AUTO, .field = "gold",
					.explain = on_explain };
	check(&opt, in, 4, 0, false);
	check(&opt, in, 4, 3, false);
	check(&opt, in, 4, -9000, false);
	tu_free(&a);
	tu_free(&b);
	tu_free(&c);
	tu_free(&d);
}

Test(threads, two_pass_frequent)
{
	struct tu_str a = data_over_block("dolma-0000.lynx.wet");
	struct tu_str *in[] = { &a };
	const struct wn_options opt = { .format = WN_FORMAT_AUTO, .drop_frequent = 3,
					.explain = on_explain };
	check(&opt, in, 1, 0, true);
	share = SHARE_MAX + 1;
	check(&opt, in, 1, -100000, true);
	tu_free(&a);
}

/* Boilerplate rule verdicts made by either thread: the built-in rules with
 * their tail and footer zones, user rules, a regex given up at its match
 * limit, on scraped pages full of boilerplate; each share of the lines
 * the worker may prepare, and near duplicates on and off. */
Test(threads, rules_either_side)
{
	struct tu_str s = { 0 };
	const char *const pages[] = { "boiler/cleaneval-38.scraped.txt",
				      "boiler/scrapinghub-264dc3ae3124.scraped.txt",
				      "boiler/scrapinghub-359fee228518.scraped.txt" };
	/* Each page in a few versions (lines repeated, a line changed) so
	 * that duplicates and near duplicates come too. */
	for (int k = 0; s.len < BLOCK + BLOCK / 2; k++) {
		struct tu_str page = tu_data(pages[k % 3]);
		tu_append(&s, page.ptr, page.len);
		char tag[192];
		snprintf(tag, sizeof(tag), "\nPage %d of the series, with a line of its own.\n"
			 "Share this: Twitter, Facebook\naaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!\n\n",
			 k);
		tu_puts(&s, tag);
		tu_free(&page);
	}
	static const char user[] = "[user-share]\nprefix: share this\n"
				   "[user-bad]\nregex: (a+)+$\n"
				   "[user-tail tail]\nline: page 1 of the series, with a line of its own.\n";
	const struct wn_rules_text rules[] = { { "user.rules", user, sizeof(user) - 1 } };
	struct tu_str *in[] = { &s };
	const struct wn_options opts[] = {
		{ .explain = on_explain, .rules = rules, .nrules = 1 },
		{ .explain = on_explain, .rules = rules, .nrules = 1, .disable = WN_STAGE_NEAR },
		{ .explain = on_explain, .strip_nav = true },
	};
	for (size_t o = 0; o < sizeof(opts) / sizeof(opts[0]); o++) {
		for (size_t k = 0; k < NSHARES; k++) {
			share = shares[k];
			check(&opts[o], in, 1, k % 2 ? -70000 : 0, false);
		}
	}
	/* The regex did give up, once a copy, and rules did drop lines. */
	struct run r;
	run(&opts[0], 2, in, 1, 0, false, &r);
	cr_assert_gt(r.st.regex_limited, 0);
	cr_assert_gt(r.st.dropped[WN_DROP_RULE], 0);
	cr_assert_gt(r.st.dropped[WN_DROP_ZONE], 0);
	free_run(&r);
	tu_free(&s);
}

/* The navigation classifier's line features made by either thread
 * (--strip-nav): real lynx WET pages from the gold sets and a crawl, and
 * the same page as JSON Lines, in a row; output, explanations and the
 * training dump the same as one thread's, for every share of the lines;
 * with dedup off too, so that the classifier decides every line. */
Test(threads, strip_nav_either_side)
{
	struct tu_str a = tu_data("nav/wsj.wet"), b = tu_data("nav/cleaneval-16.wet"),
		      c = tu_data("resiliparse-warcfile.lynx.wet"), d = tu_data("nav/wsj.jsonl");
	struct tu_str *in[] = { &a, &b, &c, &d };
	const struct wn_options opts[] = {
		{ .format = WN_FORMAT_AUTO, .strip_nav = true, .explain = on_explain,
		  .nav_dump = on_dump },
		{ .format = WN_FORMAT_AUTO, .strip_nav = true, .explain = on_explain,
		  .nav_dump = on_dump, .disable = WN_STAGE_DEDUP | WN_STAGE_NEAR },
	};
	static const long cuts[] = { 0, -70000, 4093 };
	for (size_t o = 0; o < sizeof(opts) / sizeof(opts[0]); o++) {
		for (size_t k = 0; k < NSHARES; k++) {
			share = shares[k];
			check(&opts[o], in, 4, cuts[(k + o) % 3], false);
		}
	}
	/* The classifier did drop lines. */
	struct run r;
	run(&opts[1], 2, in, 4, 0, false, &r);
	cr_assert_gt(r.st.dropped[WN_DROP_NAV], 100);
	free_run(&r);
	tu_free(&a);
	tu_free(&b);
	tu_free(&c);
	tu_free(&d);
}

Test(threads, repair_off_is_one_thread)
{
	struct tu_str a = tu_data("aeb-25.txt");
	struct tu_str *in[] = { &a };
	const struct wn_options opt = { .disable = WN_STAGE_REPAIR };
	check(&opt, in, 1, 5000, false);
	struct run r;
	run(&opt, 2, in, 1, 0, false, &r);
	cr_assert_eq(r.st.lines_ahead, 0);
	free_run(&r);
	tu_free(&a);
}

/* Output is lagging by at most a block, and flush brings it all out. */
Test(threads, flush_writes_what_was_pushed)
{
	struct tu_str a = tu_data("aeb-25.txt");
	struct tu_str out = { 0 };
	const struct wn_options opt = { .threads = 2, .write = tu_write, .write_ctx = &out };
	struct wn_filter *f = wn_filter_new(&opt);
	cr_assert_not_null(f);
	/* Up to the end of a line well inside the file. */
	const char *nl = memchr(a.ptr + a.len / 2, '\n', a.len / 2);
	cr_assert_not_null(nl);
	const size_t half = (size_t)(nl + 1 - a.ptr);
	cr_assert_eq(wn_filter_push(f, a.ptr, half), 0);
	cr_assert_eq(wn_filter_flush(f), 0);
	const size_t flushed = out.len;
	struct wn_stats st;
	wn_filter_stats(f, &st);
	cr_assert_eq(st.bytes_in, half);
	cr_assert_gt(flushed, 0);
	cr_assert_eq(wn_filter_push(f, a.ptr + half, a.len - half), 0);
	cr_assert_eq(wn_filter_finish(f), 0);
	wn_filter_free(f);
	/* The same as one thread, and the flushed part is a prefix of it. */
	struct tu_str ref = { 0 };
	const struct wn_options one = { 0 };
	cr_assert_eq(tu_run(&one, a.ptr, a.len, 0, 0, &ref, NULL), 0);
	cr_assert_eq(out.len, ref.len);
	cr_assert(memcmp(out.ptr, ref.ptr, out.len) == 0);
	tu_free(&ref);
	tu_free(&out);
	tu_free(&a);
}

/* ---- wn_filter_pull ------------------------------------------------------- */

/* An input in memory as wn_filter_pull reads it: in pieces of chunk bytes
 * (0: as many as asked, which is block-sized; negative: random sizes up to
 * -chunk), failing once fail_at bytes were given. */
struct source {
	const struct tu_str *in;
	size_t pos;
	long chunk;
	uint64_t seed;
	size_t fail_at;   /* SIZE_MAX: never */
	bool pulling;     /* wn_filter_pull is running */
	unsigned outside; /* calls while it was not */
	size_t max_cap;   /* the most it was asked for at once */
	unsigned unaligned; /* reads into a buffer off a cache line */
};

static long source_read(void *ctx, void *buf, size_t cap)
{
	struct source *src = ctx;
	if (!src->pulling)
		src->outside++;
	if (cap > src->max_cap)
		src->max_cap = cap;
	if ((uintptr_t)buf % WN_READ_ALIGN)
		src->unaligned++;
	if (src->pos >= src->fail_at)
		return -1;
	size_t n = src->in->len - src->pos;
	if (n > cap)
		n = cap;
	if (src->chunk > 0 && (size_t)src->chunk < n)
		n = (size_t)src->chunk;
	if (src->chunk < 0) {
		const size_t k = (size_t)(tu_rand(&src->seed) % (size_t)-src->chunk) + 1;
		n = k < n ? k : n;
	}
	if (src->fail_at - src->pos < n)
		n = src->fail_at - src->pos;
	memcpy(buf, src->in->ptr + src->pos, n);
	src->pos += n;
	return (long)n;
}

/* How check_pull reads: rd's pieces, wn_filter_pull's max_bytes, and the
 * bytes of each input pushed before it is pulled. */
struct pulling {
	long chunk;
	uint64_t max_bytes;
	size_t push_first;
};

/* Pulls each input (after pushing its first push_first bytes), to its end
 * or to fail_at; returns the first error. */
static int run_pull(const struct wn_options *base, unsigned threads, struct tu_str *const *inputs,
		    size_t ninputs, const struct pulling *how, size_t fail_at, struct run *r)
{
	struct wn_filter *f = new_filter(base, threads, r);
	int rc = 0;
	for (size_t i = 0; i < ninputs && !rc; i++) {
		struct source src = { inputs[i], 0, how->chunk, 42 + i, fail_at, false, 0, 0, 0 };
		if (how->push_first) {
			src.pos = how->push_first < src.in->len ? how->push_first : src.in->len;
			if (src.pos > fail_at)
				src.pos = fail_at;
			rc = wn_filter_push(f, src.in->ptr, src.pos);
		}
		int got = 0;
		while (!rc && got == 0) {
			src.pulling = true;
			got = wn_filter_pull(f, source_read, &src, how->max_bytes);
			src.pulling = false;
			if (got < 0)
				rc = got;
		}
		cr_assert_eq(src.outside, 0, "rd was called after wn_filter_pull returned");
		/* One thread reads 256 KiB at a time; the worker a piece of a
		 * block, a quarter of the tests' 64 KiB blocks and 64 KiB of
		 * 1 MiB ones, and frames each piece as it comes. */
		if (threads == 1)
			cr_assert_leq(src.max_cap, (size_t)256 << 10);
		else
			cr_assert_leq(src.max_cap, wn_prep_test_block ? wn_prep_test_block / 4
								       : (size_t)64 << 10);
		/* rd reads into buffers aligned to a cache line (the kernel's
		 * copy is 4x slower 16 bytes past one: WN_READ_ALIGN): one thread's
		 * buffer always; the worker's pieces while each read gives all
		 * it was asked for. */
		if (threads == 1 || (how->chunk == 0 && !how->push_first))
			cr_assert_eq(src.unaligned, 0, "%u reads off a cache line", src.unaligned);
		if (!rc)
			cr_assert_eq(src.pos, src.in->len);
	}
	if (!rc)
		rc = wn_filter_finish(f);
	wn_filter_stats(f, &r->st);
	cr_assert_eq(wn_filter_finish(f), rc ? rc : WN_E_STATE, "the error stays");
	wn_filter_free(f);
	tu_append(&r->out, "", 0);
	tu_append(&r->explain[0], "", 0);
	tu_append(&r->explain[1], "", 0);
	r->rc = rc;
	return rc;
}

static void assert_same_run(const struct run *a, const struct run *b, const char *what)
{
	cr_assert_eq(a->out.len, b->out.len, "%s: output %zu bytes against %zu", what,
		     a->out.len, b->out.len);
	cr_assert(memcmp(a->out.ptr, b->out.ptr, a->out.len) == 0, "%s: output differs", what);
	for (int k = 0; k < 2; k++) {
		cr_assert_eq(a->explain[k].len, b->explain[k].len, "%s: explanations", what);
		cr_assert(memcmp(a->explain[k].ptr, b->explain[k].ptr, a->explain[k].len) == 0,
			  "%s: explanations differ", what);
	}
	tu_assert_same_stats(&a->st, &b->st, what);
}

static const struct pulling pullings[] = {
	{ 0, 0, 0 },                   /* block-sized reads */
	{ 4093, 0, 0 },
	{ -70000, 100000, 1001 },      /* random reads; a push first; returns midway */
	{ -9000, 1, 0 },               /* returns after every block read */
	{ (long)BLOCK - 1, 300000, 0 },
	{ 1, 0, 0 },                   /* a byte at a time (short inputs only) */
};
#define NPULLINGS (sizeof(pullings) / sizeof(pullings[0]))

/* wn_filter_pull on one thread and on two gives wn_filter_push's output,
 * statistics and explanations, for every way rd may cut the input. */
static void check_pull(const struct wn_options *opt, struct tu_str *const *inputs, size_t ninputs,
		       size_t npullings)
{
	struct run ref;
	run(opt, 1, inputs, ninputs, 0, false, &ref);
	cr_assert_eq(ref.rc, 0);
	cr_assert_gt(ref.st.lines_kept, 0);
	for (size_t k = 0; k < npullings; k++) {
		for (unsigned threads = 1; threads <= 2; threads++) {
			share = shares[(k + threads) % NSHARES];
			wn_prep_test_share = threads == 2 ? share : -1;
			wn_prep_test_poison = threads == 2;
			struct run r;
			run_pull(opt, threads, inputs, ninputs, &pullings[k], SIZE_MAX, &r);
			wn_prep_test_share = -1;
			wn_prep_test_poison = false;
			char what[96];
			snprintf(what, sizeof(what), "%u thread(s), rd in %ld, max %llu, pushed %zu",
				 threads, pullings[k].chunk,
				 (unsigned long long)pullings[k].max_bytes, pullings[k].push_first);
			cr_assert_eq(r.rc, 0, "%s: %s", what, wn_strerror(r.rc));
			assert_same_run(&ref, &r, what);
			if (threads == 2 && share != 0)
				cr_assert_gt(r.st.lines_ahead, 0, "%s", what);
			free_run(&r);
		}
	}
	free_run(&ref);
}

/* With the seen set the only judge (plain_fast) the worker keeps no key
 * of a plain line that it need not (prep.c's hash_only: only its hash goes
 * in the record): real text of mostly plain lines, some repeated, with
 * each input's first block sniffed (WN_FORMAT_AUTO: the filter frames it
 * from its copy, and needs those keys; pulled, the worker sniffs only the
 * block's first piece), lines straddling blocks (carried: the keys are
 * needed), several inputs in a row, pushed in every chunking and pulled.
 * One thread's output, and with the worker taking every line it prepared
 * nine lines in ten: a key the filter needed and did not find would turn
 * the worker's results off (prep.c's wn_prep_take), and it would have
 * prepared a block's worth at most. */
Test(threads, keys_not_kept_when_only_hashed)
{
	struct tu_str a = data_over_block("clean-gold.txt"), b = data_over_block("aeb-25.txt"),
		      w = tu_data("warc-head.txt");
	struct tu_str *in[] = { &a, &b, &w, &a };
	const struct wn_options opts[] = {
		{ .disable = WN_STAGE_NEAR | WN_STAGE_BOILERPLATE, .format = WN_FORMAT_AUTO,
		  .explain = on_explain },
		{ .disable = WN_STAGE_NEAR | WN_STAGE_BOILERPLATE, .format = WN_FORMAT_AUTO,
		  .min_chars = 40 },
		{ .disable = WN_STAGE_NEAR | WN_STAGE_BOILERPLATE },
	};
	for (size_t o = 0; o < sizeof(opts) / sizeof(opts[0]); o++) {
		for (size_t c = 0; c < NCHUNKS; c++) {
			share = chunks[c] == 1 ? SHARE_MAX + 1 : SHARE_MAX;
			check(&opts[o], in, 4, chunks[c], false);
		}
		share = -1;
		check(&opts[o], in, 4, -70000, false);
		struct run ref, r;
		run(&opts[o], 1, in, 4, 0, false, &ref);
		wn_prep_test_share = SHARE_MAX;
		run_pull(&opts[o], 2, in, 4, &pullings[0], SIZE_MAX, &r);
		wn_prep_test_share = -1;
		cr_assert_eq(r.rc, 0);
		assert_same_run(&ref, &r, "pulled");
		cr_assert_geq(r.st.lines_ahead * 10, r.st.lines_in * 9, "pulled: %llu of %llu",
			      (unsigned long long)r.st.lines_ahead,
			      (unsigned long long)r.st.lines_in);
		free_run(&ref);
		free_run(&r);
	}
	tu_free(&a);
	tu_free(&b);
	tu_free(&w);
}

Test(threads, pull_text_every_chunking)
{
	struct tu_str a = tu_data("clean-gold.txt"), b = tu_data("aeb-25.txt");
	struct tu_str *in[] = { &a, &b };
	const struct wn_options opt = { .explain = on_explain };
	check_pull(&opt, in, 2, NPULLINGS - 1);
	const struct wn_options plain = { .disable = WN_STAGE_NEAR | WN_STAGE_BOILERPLATE };
	check_pull(&plain, in, 2, NPULLINGS - 1);
	struct tu_str c = tu_data("nav/wsj.txt");
	struct tu_str *small[] = { &c, &c };
	check_pull(&opt, small, 2, NPULLINGS);
	tu_free(&a);
	tu_free(&b);
	tu_free(&c);
}

/* Lines of text input (a CR before the line end not counted) of at most
 * max bytes: those the worker prepares when it takes every line it can. */
static uint64_t lines_at_most(const struct tu_str *s, size_t max)
{
	uint64_t n = 0;
	for (size_t at = 0; at < s->len;) {
		const char *nl = memchr(s->ptr + at, '\n', s->len - at);
		size_t len = (size_t)((nl ? nl : s->ptr + s->len) - (s->ptr + at));
		const size_t next = at + len + 1;
		if (len && s->ptr[at + len - 1] == '\r')
			len--;
		n += len <= max;
		at = next;
	}
	return n;
}

/* The worker reads a block in pieces and frames each as it comes: a line,
 * a CRLF line end, a UTF-8 sequence or a JSON record cut between two
 * pieces (the reads are as large as asked, so the pieces end at a quarter,
 * half and three quarters of each block) is framed as one thread frames it,
 * at every offset of the cut within 4 bytes. With the worker taking every
 * line it can, it prepares every line not longer than a thirty-second of
 * a block: a piece framed wrong would part the two framers, and the filter
 * would prepare the rest itself (with the same output). */
Test(threads, pull_pieces_cut_anywhere)
{
	struct tu_str raw = tu_data("warc-head.txt"), json = tu_data("gold-aeb.jsonl");
	struct tu_str crlf = { 0 };
	for (size_t i = 0; i < raw.len && crlf.len < BLOCK + BLOCK / 2; i++)
		tu_append(&crlf, raw.ptr[i] == '\n' ? "\r\n" : raw.ptr + i, raw.ptr[i] == '\n' ? 2 : 1);
	const struct wn_options text = { .explain = on_explain, .disable = WN_STAGE_NEAR };
	const struct wn_options jsonl = { .format = WN_FORMAT_JSONL, .field = "gold",
					  .explain = on_explain };
	const struct pulling whole = { 0, 0, 0 }; /* reads as large as asked */
	/* The last CR before the first piece's end, and a line of x before
	 * the text that moves it to 2 bytes before the end, then 1, then to
	 * the end, then past it (its LF the last byte). */
	const size_t piece = BLOCK / 4;
	size_t cr = piece - 8;
	while (crlf.ptr[cr] != '\r')
		cr--;
	for (size_t shift = 0; shift < 4; shift++) {
		struct tu_str a = { 0 }, b = { 0 };
		for (size_t k = cr; k + 3 < piece + shift; k++)
			tu_append(&a, "x", 1);
		tu_append(&a, "\n", 1);
		tu_append(&a, crlf.ptr, crlf.len);
		cr_assert_eq(a.ptr[piece - 3 + shift], '\r');
		struct tu_str *in[] = { &a };
		struct run ref, r;
		run(&text, 1, in, 1, 0, false, &ref);
		wn_prep_test_share = SHARE_MAX;
		wn_prep_test_poison = true;
		run_pull(&text, 2, in, 1, &whole, SIZE_MAX, &r);
		wn_prep_test_share = -1;
		wn_prep_test_poison = false;
		cr_assert_eq(r.rc, 0);
		assert_same_run(&ref, &r, "text in pieces");
		cr_assert_eq(r.st.lines_ahead, lines_at_most(&a, BLOCK / 32),
			     "shift %zu: the worker prepared %llu lines", shift,
			     (unsigned long long)r.st.lines_ahead);
		free_run(&ref);
		free_run(&r);
		tu_append(&b, "\n\n\n", shift);
		while (b.len < BLOCK + BLOCK / 2)
			tu_append(&b, json.ptr, json.len);
		struct tu_str *jin[] = { &b };
		check_pull(&jsonl, jin, 1, 1);
		tu_free(&a);
		tu_free(&b);
	}
	tu_free(&raw);
	tu_free(&json);
	tu_free(&crlf);
}

Test(threads, pull_jsonl_and_wet)
{
	struct tu_str a = data_over_block("gold-aeb.jsonl"), b = tu_data("dolma-0000.lynx.wet"),
		      c = tu_data("whirlwind.warc.wet"), d = tu_data("gold-htt.jsonl");
	/* Formats in a row, detected anew at each input. */
	struct tu_str *in[] = { &a, &b, &c, &d };
	const struct wn_options opt = { .format = WN_FORMAT_AUTO, .field = "gold",
					.explain = on_explain, .doc_dedup = true };
	check_pull(&opt, in, 4, NPULLINGS - 1);
	struct tu_str e = tu_data("nav/wsj.wet");
	struct tu_str *small[] = { &e, &d };
	const struct wn_options nav = { .format = WN_FORMAT_AUTO, .field = "gold",
					.explain = on_explain, .strip_nav = true };
	check_pull(&nav, small, 1, NPULLINGS);
	tu_free(&a);
	tu_free(&b);
	tu_free(&c);
	tu_free(&d);
	tu_free(&e);
}

/* rd fails mid-stream, mid-line: wn_filter_pull returns WN_E_READ (and
 * so does every later call), and the sink got exactly what pushing the
 * bytes before the failure writes: nothing of the unfinished line, nothing
 * after it; on one thread and two, however rd cut the input. */
Test(threads, pull_read_error_writes_nothing_after_it)
{
	struct tu_str a = data_over_block("aeb-25.txt");
	const struct wn_options opt = { .disable = WN_STAGE_NEAR };
	const size_t fails[] = { 5, 70001, 200003 };
	for (size_t i = 0; i < sizeof(fails) / sizeof(fails[0]); i++) {
		const size_t at = fails[i];
		cr_assert_neq(a.ptr[at - 1], '\n');
		/* The reference: one thread, the bytes before the failure pushed. */
		struct run ref;
		struct wn_filter *f = new_filter(&opt, 1, &ref);
		cr_assert_eq(wn_filter_push(f, a.ptr, at), 0);
		wn_filter_stats(f, &ref.st);
		wn_filter_free(f);
		tu_append(&ref.out, "", 0);
		if (at > 1000)
			cr_assert_gt(ref.out.len, 0);
		for (size_t k = 0; k < NPULLINGS - 1; k++) {
			for (unsigned threads = 1; threads <= 2; threads++) {
				struct tu_str *in[] = { &a };
				struct run r;
				wn_prep_test_poison = threads == 2;
				const int rc = run_pull(&opt, threads, in, 1, &pullings[k], at, &r);
				wn_prep_test_poison = false;
				cr_assert_eq(rc, WN_E_READ, "fail at %zu, %u thread(s), pulling %zu: %s",
					     at, threads, k, wn_strerror(rc));
				cr_assert_eq(r.out.len, ref.out.len, "fail at %zu, %u thread(s), "
					     "pulling %zu: %zu bytes out against %zu", at, threads, k,
					     r.out.len, ref.out.len);
				cr_assert(memcmp(r.out.ptr, ref.out.ptr, r.out.len) == 0);
				cr_assert_eq(r.st.bytes_in, at);
				cr_assert_eq(r.st.lines_kept, ref.st.lines_kept);
				free_run(&r);
			}
		}
		free_run(&ref);
	}
	tu_free(&a);
}

/* A live source that goes quiet (a pipe): what it gave is judged and
 * written before rd is called again, on one thread and two, so that
 * `tail -f log | winnow` sees its lines. rd waits (up to 20 s) for the
 * output of the lines it gave, then ends the input. */
struct live {
	atomic_size_t written;
	int calls;
	bool saw;
};

static int live_write(void *ctx, const char *p, size_t n)
{
	(void)p;
	atomic_fetch_add(&((struct live *)ctx)->written, n);
	return 0;
}

static long live_read(void *ctx, void *buf, size_t cap)
{
	static const char text[] = "The first line of a live feed, long enough to judge.\n"
				   "And a second one, which comes with it in one read.\n";
	struct live *l = ctx;
	if (l->calls++ == 0) {
		cr_assert_geq(cap, sizeof(text) - 1);
		memcpy(buf, text, sizeof(text) - 1);
		return (long)(sizeof(text) - 1);
	}
	for (int i = 0; i < 2000 && atomic_load(&l->written) < sizeof(text) - 1; i++)
		nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
	l->saw = atomic_load(&l->written) == sizeof(text) - 1;
	return 0;
}

Test(threads, pull_live_source_is_written_before_it_goes_on)
{
	for (unsigned threads = 1; threads <= 2; threads++) {
		struct live l = { 0 };
		/* No zones or near duplicates: they hold lines back by design. */
		const struct wn_options opt = { .threads = threads, .write = live_write,
						.write_ctx = &l,
						.disable = WN_STAGE_BOILERPLATE | WN_STAGE_NEAR };
		struct wn_filter *f = wn_filter_new(&opt);
		cr_assert_not_null(f);
		cr_assert_eq(wn_filter_pull(f, live_read, &l, 0), 1);
		cr_assert_eq(wn_filter_finish(f), 0);
		wn_filter_free(f);
		cr_assert_eq(l.calls, 2);
		cr_assert(l.saw, "%u thread(s): the lines read were not written before the next read",
			  threads);
	}
}

/* ---- The blocks' caps and the memory limit --------------------------------- */

/* Real text cut to words words a line, repeated past four blocks. */
static struct tu_str short_lines(const char *name, unsigned words)
{
	struct tu_str one = tu_data(name);
	unsigned k = 0;
	for (size_t i = 0; i < one.len; i++)
		if (one.ptr[i] == ' ' && ++k % words == 0)
			one.ptr[i] = '\n';
	struct tu_str s = { 0 };
	while (s.len < 4 * BLOCK + BLOCK / 3)
		tu_append(&s, one.ptr, one.len);
	tu_free(&one);
	return s;
}

/* The worker's share of lines_in with every line its own (share 32). */
static double share_all(const struct wn_options *opt, struct tu_str *in)
{
	struct tu_str *ins[] = { in };
	struct run one, two;
	run(opt, 1, ins, 1, 0, false, &one);
	wn_prep_test_share = SHARE_MAX;
	run(opt, 2, ins, 1, 0, false, &two);
	wn_prep_test_share = -1;
	assert_same_run(&one, &two, "share 32");
	const double got = (double)two.st.lines_ahead / (double)two.st.lines_in;
	free_run(&one);
	free_run(&two);
	return got;
}

/* A line a word: a block's records (36 bytes a line) would outgrow the
 * block, so the worker stops recording at its cap and the filter prepares
 * the rest of that block; the next block is recorded again. Lines of
 * three words with the classifier's features and shingles: the text's cap.
 * Output as one thread's for every share; with the worker taking every
 * line it can, it prepares a share of each block (not of the first only,
 * as it would if the filter took the cut for parted framers; not all). */
Test(threads, short_lines_past_the_caps)
{
	struct tu_str a = short_lines("clean-gold.txt", 1);
	struct tu_str *in[] = { &a };
	const struct wn_options opt = { .explain = on_explain, .disable = WN_STAGE_NEAR };
	for (size_t k = 0; k < NSHARES; k++) {
		if (shares[k] == SHARE_MAX)
			continue; /* check() wants 90 % of the lines then */
		share = shares[k];
		check(&opt, in, 1, chunks[k], false);
	}
	share = -1;
	const double words = share_all(&opt, &a);
	cr_assert(words > 0.08 && words < 0.5, "a line a word: the worker prepared %.3f", words);
	struct tu_str b = short_lines("aeb-25.txt", 3);
	const struct wn_options nav = { .explain = on_explain, .strip_nav = true };
	in[0] = &b;
	share = 27;
	check(&nav, in, 1, -70000, false);
	share = -1;
	const double three = share_all(&nav, &b);
	cr_assert(three > 0.08 && three < 0.7, "three words a line: the worker prepared %.3f",
		  three);
	tu_free(&a);
	tu_free(&b);
}

/* The limit counts the worker's blocks: the seen set gets what is left
 * (blocks of 32 KiB for a limit of 4 MiB, a quarter of it at most), on one
 * thread too, so a set that fills forgets at the same line and the output
 * is one thread's; a limit too small for the smallest block has no worker,
 * and the output is one thread's. */
Test(threads, max_mem_counts_the_blocks)
{
	wn_prep_test_block = 0; /* the sizes the limit gives */
	cr_assert_eq(wn_prep_footprint((size_t)1 << 20, false, false), (uint64_t)24 << 20);
	cr_assert_eq(wn_prep_block_size((uint64_t)24 << 20, false, false), (size_t)1 << 20);
	cr_assert_eq(wn_prep_block_size(((uint64_t)24 << 20) - 1, false, false), (size_t)512 << 10);
	cr_assert_eq(wn_prep_block_size(UINT64_MAX, true, false), (size_t)1 << 20);
	cr_assert_eq(wn_prep_block_size((uint64_t)96 << 20 >> 2, true, false), (size_t)512 << 10);
	cr_assert_eq(wn_prep_block_size(UINT64_MAX, true, true), (size_t)64 << 10);
	cr_assert_eq(wn_prep_block_size(wn_prep_footprint(4096, true, true) - 1, true, true), 0);
	const uint64_t limit = (uint64_t)4 << 20;
	const size_t block = wn_prep_block_size(limit / 4, false, false);
	cr_assert_eq(block, (size_t)32 << 10);
	const uint64_t seen_limit = limit - wn_prep_footprint(block, false, false);
	/* Distinct lines, more than the limit holds. */
	struct tu_str a = { 0 };
	char line[64];
	for (unsigned i = 0; i < 450000; i++) {
		const int n = snprintf(line, sizeof(line), "distinct line number %u\n", i);
		tu_append(&a, line, (size_t)n);
	}
	struct tu_str *in[] = { &a };
	const struct wn_options opt = { .disable = WN_STAGE_NEAR, .max_mem = limit,
					.on_full = WN_FULL_FORGET };
	struct run one, two;
	run(&opt, 1, in, 1, 0, false, &one);
	run(&opt, 2, in, 1, 0, false, &two);
	cr_assert_eq(one.rc, 0);
	cr_assert_eq(two.rc, 0);
	cr_assert_gt(two.st.lines_ahead, 0);
	cr_assert_leq(two.st.seen_bytes, seen_limit, "two threads: %llu bytes for the seen set",
		      (unsigned long long)two.st.seen_bytes);
	cr_assert_gt(two.st.seen_bytes, seen_limit / 10 * 7);
	cr_assert_gt(two.st.seen_forgotten, 0);
	cr_assert_eq(one.st.seen_bytes, two.st.seen_bytes);
	cr_assert_eq(one.st.seen_forgotten, two.st.seen_forgotten);
	assert_same_run(&one, &two, "4 MiB, forgetting");
	free_run(&one);
	free_run(&two);
	/* 256 KiB: not even one block of 4 KiB fits a quarter of it. */
	const struct wn_options tiny = { .explain = on_explain, .disable = WN_STAGE_NEAR,
					 .max_mem = 256 << 10, .on_full = WN_FULL_BLOOM };
	cr_assert_eq(wn_prep_block_size(tiny.max_mem / 4, false, false), 0);
	struct tu_str b = tu_data("aeb-25.txt");
	in[0] = &b;
	run(&tiny, 1, in, 1, 4093, false, &one);
	run(&tiny, 2, in, 1, 4093, false, &two);
	cr_assert_eq(one.rc, 0, "%s", wn_strerror(one.rc));
	cr_assert_gt(one.st.lines_kept, 0);
	assert_same_run(&one, &two, "256 KiB");
	cr_assert_eq(two.st.lines_ahead, 0);
	free_run(&one);
	free_run(&two);
	tu_free(&a);
	tu_free(&b);
}

/* At the block size a filter with no limit takes (1 MiB), on an input of
 * several blocks, pushed and pulled: one thread's output. */
Test(threads, default_blocks_same_output)
{
	wn_prep_test_block = 0;
	struct tu_str one = tu_data("warc-head.txt"), a = { 0 };
	while (a.len < (size_t)5 << 19)
		tu_append(&a, one.ptr, one.len);
	struct tu_str *in[] = { &a };
	const struct wn_options opt = { .explain = on_explain, .disable = WN_STAGE_NEAR };
	share = -1;
	check(&opt, in, 1, -300000, false);
	share = 27;
	check(&opt, in, 1, 0, false);
	share = -1;
	check_pull(&opt, in, 1, 2);
	tu_free(&one);
	tu_free(&a);
}

/* The CLI: --threads=1 and --threads=2 write the same bytes from a file,
 * a gzip file and a pipe. */
Test(threads, cli_same_output)
{
	char cmd[4096];
	const char *const ins[] = { "clean-gold.txt", "gold-aeb.jsonl", "dolma-0000.lynx.wet" };
	for (size_t i = 0; i < sizeof(ins) / sizeof(ins[0]); i++) {
		snprintf(cmd, sizeof(cmd),
			 "set -e; d=$(mktemp -d); f='%s/tests/data/%s'; "
			 "'%s' --threads=1 --field=gold --stats=json \"$f\" >$d/1 2>$d/s1; "
			 "'%s' --threads=2 --field=gold --stats=json \"$f\" >$d/2 2>$d/s2; "
			 "gzip -c \"$f\" >$d/in.gz; '%s' --threads=2 --field=gold $d/in.gz >$d/3; "
			 "cat \"$f\" | '%s' --threads=2 --field=gold >$d/4; "
			 "cmp $d/1 $d/2; cmp $d/1 $d/3; cmp $d/1 $d/4; test -s $d/1; "
			 "sed -E 's/\"(seconds|seen_bytes|near_bytes|lines_ahead|cpu_seconds|ahead_cpu_seconds|peak_rss_bytes)\":[0-9.e+-]*//g' $d/s1 >$d/t1; "
			 "sed -E 's/\"(seconds|seen_bytes|near_bytes|lines_ahead|cpu_seconds|ahead_cpu_seconds|peak_rss_bytes)\":[0-9.e+-]*//g' $d/s2 >$d/t2; "
			 "cmp $d/t1 $d/t2; rm -r $d",
			 WN_SOURCE_DIR, ins[i], WINNOW_BIN, WINNOW_BIN, WINNOW_BIN, WINNOW_BIN);
		cr_assert_eq(system(cmd), 0, "%s", ins[i]);
	}
}

/* The CLI reads plain files and pipes with wn_filter_pull on two threads
 * (gzip through its reader thread): several files of every format in a
 * row, a gzip file and stdin between them, give one thread's output,
 * statistics and explanations (in the same order, up to where a change
 * falls among drops, which depends on how the input is cut); and an
 * unreadable input names the file and the byte. */
Test(threads, cli_pull_files_in_a_row)
{
	char cmd[4096];
	snprintf(cmd, sizeof(cmd),
		 "set -e; d=$(mktemp -d); D='%s/tests/data'; W='%s'; "
		 "gzip -c $D/gold-htt.jsonl >$d/b.gz; "
		 "for t in 1 2; do cat $D/dolma-0000.lynx.wet | $W --threads=$t --field=gold "
		 "--stats=json --progress --explain=$d/x$t $D/clean-gold.txt $d/b.gz - "
		 "$D/gold-aeb.jsonl $D/aeb-25.txt $D/nav/wsj.wet >$d/$t 2>$d/s$t; "
		 "sed -E 's/\"(seconds|seen_bytes|near_bytes|lines_ahead|cpu_seconds|"
		 "ahead_cpu_seconds|peak_rss_bytes)\":[0-9.e+-]*//g; s/.*\\r//' $d/s$t >$d/t$t; "
		 "sort $d/x$t >$d/y$t; done; "
		 "cmp $d/1 $d/2; cmp $d/t1 $d/t2; cmp $d/y1 $d/y2; test -s $d/1; "
		 "grep -q '\"lines_ahead\":[1-9]' $d/s2; grep -q '^stdin:[0-9]' $d/x2; "
		 "grep -q '^%s/tests/data/nav/wsj.wet:' $d/x2; "
		 "if [ -r /proc/self/mem ]; then ! $W --threads=2 /proc/self/mem 2>$d/e; "
		 "grep -q '^winnow: /proc/self/mem: read error at byte 0: ' $d/e; fi; rm -r $d",
		 WN_SOURCE_DIR, WINNOW_BIN, WN_SOURCE_DIR);
	cr_assert_eq(system(cmd), 0);
}

Test(threads, cli_rejects_bad_counts)
{
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "'%s' --threads=0 </dev/null >/dev/null 2>&1", WINNOW_BIN);
	cr_assert_eq(WEXITSTATUS(system(cmd)), 2);
	snprintf(cmd, sizeof(cmd), "'%s' --threads=two </dev/null >/dev/null 2>&1", WINNOW_BIN);
	cr_assert_eq(WEXITSTATUS(system(cmd)), 2);
	snprintf(cmd, sizeof(cmd), "echo 'a line of text that is long enough' | '%s' --threads=auto >/dev/null",
		 WINNOW_BIN);
	cr_assert_eq(WEXITSTATUS(system(cmd)), 0);
}
