/* test_minhash.c - near-duplicate documents: copies dropped whole and named,
 * distinct documents kept, determinism over runs and chunkings, statistics,
 * the size limit, and the LSH S-curve on the signature alone. */
#include <criterion/criterion.h>

#include "common.h"
#include "internal.h"

/* Document-level judging only. */
static struct wn_options doc_only(void)
{
	struct wn_options o = { 0 };
	o.disable = WN_STAGE_REPAIR | WN_STAGE_BOILERPLATE | WN_STAGE_NEAR | WN_STAGE_DEDUP;
	o.doc_near = WN_DEFAULT_DOC_NEAR;
	return o;
}

/* A document of nwords pseudo-random words from a 5,000-word vocabulary,
 * eight words a line, paragraphs of five lines. */
static size_t make_doc(char *out, size_t cap, uint64_t seed, size_t nwords)
{
	uint64_t rng = seed;
	size_t o = 0;
	for (size_t i = 0; i < nwords; i++) {
		const int w = (int)(rng_next(&rng) % 5000);
		const char *sep = (i + 1) % 40 == 0 ? "\n\n" : (i + 1) % 8 == 0 ? "\n" : " ";
		o += (size_t)snprintf(out + o, cap - o, "w%d%s", w, sep);
		cr_assert(o < cap);
	}
	if (o && out[o - 1] != '\n')
		out[o++] = '\n';
	if (o > 1 && out[o - 2] == '\n')
		o--; /* no trailing blank line: the output would lose it */
	out[o] = '\0';
	return o;
}

/* Replaces every k-th word of doc (from word `from`) by a fresh one. */
static void change_words(char *doc, size_t k, size_t from)
{
	size_t word = 0;
	for (char *p = doc; *p; p++) {
		if (*p != 'w' || (p != doc && p[-1] != ' ' && p[-1] != '\n'))
			continue;
		if (word >= from && (word - from) % k == 0)
			*p = 'x';
		word++;
	}
}

struct doc_drops {
	uint64_t doc[256];
	uint64_t line[256];
	char rule[256][32];
	size_t n;
};

static void record(void *ctx, const struct wn_event *ev)
{
	struct doc_drops *d = ctx;
	if (ev->kind != WN_EV_DROP || ev->reason != WN_DROP_DOC || d->n == 256)
		return;
	d->doc[d->n] = ev->doc;
	d->line[d->n] = ev->line;
	snprintf(d->rule[d->n], sizeof(d->rule[0]), "%s", ev->rule);
	d->n++;
}

static char *run_docs(struct wn_options opt, const char *in, size_t n, size_t max_chunk,
		      uint64_t seed, size_t *len_out, struct wn_stats *st, struct doc_drops *d)
{
	if (d) {
		memset(d, 0, sizeof(*d));
		opt.explain = record;
		opt.explain_ctx = d;
	}
	return run_filter_parts(&opt, in, n, NULL, 0, max_chunk, seed, len_out, st);
}

static char big[1 << 20];

Test(minhash, copy_with_changes_is_dropped_and_named)
{
	static char a[65536], b[65536], x[65536];
	make_doc(a, sizeof(a), 1, 600);
	make_doc(x, sizeof(x), 2, 600);
	memcpy(b, a, sizeof(a));
	change_words(b, 100, 3); /* six words of 600 */
	snprintf(big, sizeof(big), "%s\f%s\f%s", a, x, b);
	size_t n;
	struct wn_stats st;
	struct doc_drops d;
	char *out = run_docs(doc_only(), big, strlen(big), 0, 0, &n, &st, &d);
	cr_assert_eq(st.docs_in, 3);
	cr_assert_eq(st.docs_out, 2);
	/* a and x with the form feed that ended each; b goes with its own */
	const size_t la = strlen(a), lx = strlen(x);
	cr_assert(n == la + 1 + lx + 1 && memcmp(out, a, la) == 0 && out[la] == '\f' &&
		  memcmp(out + la + 1, x, lx) == 0 && out[la + 1 + lx] == '\f');
	cr_assert(d.n > 0);
	cr_assert_eq(d.doc[0], 2);
	cr_assert_str_eq(d.rule[0], "doc-near:0");
	cr_assert_eq(st.dropped[WN_DROP_DOC], d.n);
	cr_assert_eq(st.lines_in, st.lines_kept + total_dropped(&st));
	cr_assert_eq(st.doc_near_docs, 2);
	cr_assert(st.doc_near_bytes > 0);
	free(out);
}

Test(minhash, names_the_earlier_document_it_copies)
{
	static char a[65536], x[65536], x2[65536];
	make_doc(a, sizeof(a), 11, 500);
	make_doc(x, sizeof(x), 12, 500);
	memcpy(x2, x, sizeof(x));
	change_words(x2, 100, 7);
	snprintf(big, sizeof(big), "%s\f%s\f%s\f%s", a, x, x2, x2);
	size_t n;
	struct wn_stats st;
	struct doc_drops d;
	free(run_docs(doc_only(), big, strlen(big), 0, 0, &n, &st, &d));
	cr_assert_eq(st.docs_out, 2);
	cr_assert(d.n > 0);
	for (size_t i = 0; i < d.n; i++)
		cr_assert_str_eq(d.rule[i], "doc-near:1", "drop %zu of doc %lu", i,
				 (unsigned long)d.doc[i]);
}

Test(minhash, rewrapped_copy_is_dropped)
{
	static char a[65536], b[65536];
	make_doc(a, sizeof(a), 21, 400);
	/* The same words, wrapped at every fifth word instead of the eighth. */
	size_t o = 0, word = 0;
	for (const char *p = a; *p; p++) {
		if (*p == '\n')
			continue;
		if (*p == ' ' || (p[1] == '\n' && p[0] != ' ')) {
			if (*p != ' ')
				b[o++] = *p;
			b[o++] = ++word % 5 == 0 ? '\n' : ' ';
			continue;
		}
		b[o++] = *p;
	}
	b[o] = '\0';
	snprintf(big, sizeof(big), "%s\f%s", a, b);
	size_t n;
	struct wn_stats st;
	free(run_docs(doc_only(), big, strlen(big), 0, 0, &n, &st, NULL));
	cr_assert_eq(st.docs_in, 2);
	cr_assert_eq(st.docs_out, 1);
}

Test(minhash, distinct_and_half_changed_documents_are_kept)
{
	static char docs[8][65536];
	size_t o = 0;
	for (int i = 0; i < 8; i++) {
		make_doc(docs[i], sizeof(docs[i]), 100 + (uint64_t)i, 400);
		if (i % 2)
			memcpy(docs[i], docs[i - 1], sizeof(docs[i]));
		if (i % 2)
			change_words(docs[i], 10, 0); /* Jaccard near 1/3 */
		o += (size_t)snprintf(big + o, sizeof(big) - o, "%s\f", docs[i]);
	}
	size_t n;
	struct wn_stats st;
	for (uint64_t seed = 0; seed < 8; seed++) {
		struct wn_options opt = doc_only();
		opt.seed = seed;
		free(run_docs(opt, big, o, 0, 0, &n, &st, NULL));
		cr_assert_eq(st.docs_out, 8, "seed %lu", (unsigned long)seed);
	}
}

Test(minhash, documents_without_shingles_are_kept)
{
	const char *in = "one two\fone two\fthree\fthree\f";
	size_t n;
	struct wn_stats st;
	char *out = run_docs(doc_only(), in, strlen(in), 0, 0, &n, &st, NULL);
	cr_assert_str_eq(out, "one two\n\fone two\n\fthree\n\fthree\n\f");
	cr_assert_eq(st.doc_near_docs, 0);
	free(out);
}

/* Same output on every run and every chunking, with every stage on. */
Test(minhash, deterministic_over_runs_and_chunkings)
{
	size_t n;
	char *text = read_source_file("tests/data/aeb-25.txt", &n);
	char *twice = malloc(2 * n + 1);
	cr_assert(twice);
	memcpy(twice, text, n);
	twice[n] = '\f';
	memcpy(twice + n + 1, text, n);
	for (size_t i = n + 1; i < 2 * n + 1; i += 997)
		if (twice[i] >= 'a' && twice[i] <= 'y')
			twice[i]++;
	struct wn_options opt = { 0 };
	opt.doc_near = 0.8;
	opt.seed = 1234;
	size_t len0;
	struct wn_stats st0;
	char *first = run_docs(opt, twice, 2 * n + 1, 0, 0, &len0, &st0, NULL);
	cr_assert(st0.dropped[WN_DROP_DOC] > 0);
	cr_assert_eq(st0.lines_in, st0.lines_kept + total_dropped(&st0));
	for (uint64_t seed = 1; seed <= 6; seed++) {
		uint64_t rng = seed;
		const size_t max_chunk = seed < 3 ? seed : (size_t)(rng_next(&rng) % 100000) + 1;
		size_t len;
		struct wn_stats st;
		char *out = run_docs(opt, twice, 2 * n + 1, max_chunk, seed, &len, &st, NULL);
		cr_assert(len == len0 && memcmp(out, first, len) == 0, "chunks up to %zu",
			  max_chunk);
		cr_assert(memcmp(st.dropped, st0.dropped, sizeof(st.dropped)) == 0);
		free(out);
	}
	free(first);
	free(twice);
	free(text);
}

/* With nothing dropped, holding documents back changes no byte of output. */
Test(minhash, output_unchanged_when_nothing_is_dropped)
{
	size_t n, len_a, len_b;
	char *text = read_source_file("tests/data/aeb-25.txt", &n);
	struct wn_options opt = { 0 };
	struct wn_stats st;
	char *a = run_docs(opt, text, n, 0, 0, &len_a, NULL, NULL);
	opt.doc_near = 0.8;
	char *b = run_docs(opt, text, n, 4096, 3, &len_b, &st, NULL);
	cr_assert_eq(st.dropped[WN_DROP_DOC], 0);
	cr_assert_eq(st.doc_near_docs, 25);
	cr_assert(len_a == len_b && memcmp(a, b, len_a) == 0);
	free(a);
	free(b);
	free(text);
}

/* A document longer than max_doc goes out as it comes and is always kept,
 * but is remembered: a later copy of it that fits is dropped. */
Test(minhash, document_over_max_doc_is_kept)
{
	static char a[65536];
	const size_t alen = make_doc(a, sizeof(a), 31, 800);
	struct wn_options opt = doc_only();
	size_t n;
	struct wn_stats st;
	snprintf(big, sizeof(big), "%s\f%s", a, a);
	opt.max_doc = alen + 5;
	free(run_docs(opt, big, strlen(big), 0, 0, &n, &st, NULL));
	cr_assert_eq(st.docs_out, 1);
	opt.max_doc = alen / 2;
	free(run_docs(opt, big, strlen(big), 0, 0, &n, &st, NULL));
	cr_assert_eq(st.docs_out, 2);
	snprintf(big, sizeof(big), "%sone more line of words here to add\f%s", a, a);
	opt.max_doc = alen + 5;
	free(run_docs(opt, big, strlen(big), 0, 0, &n, &st, NULL));
	cr_assert_eq(st.docs_in, 2);
	cr_assert_eq(st.docs_out, 1);
	cr_assert_eq(st.doc_near_docs, 1);
}

Test(minhash, drop_explains_every_line_with_its_number)
{
	const char *doc = "alpha bravo charlie delta echo foxtrot\n\ngolf hotel india juliet kilo\n";
	char in[512];
	snprintf(in, sizeof(in), "%s\f%s", doc, doc);
	struct doc_drops d;
	size_t n;
	struct wn_stats st;
	char *out = run_docs(doc_only(), in, strlen(in), 0, 0, &n, &st, &d);
	char want[512];
	snprintf(want, sizeof(want), "%s\f", doc); /* the first, with its form feed */
	cr_assert_str_eq(out, want);
	cr_assert_eq(d.n, 3); /* two lines and the blank between them */
	for (size_t i = 0; i < 3; i++) {
		cr_assert_eq(d.line[i], 4 + i);
		cr_assert_eq(d.doc[i], 1);
	}
	cr_assert_eq(st.dropped[WN_DROP_DOC], 3);
	cr_assert_eq(st.docs_out, 1);
	free(out);
}

/* The signature alone: pairs of shingle sets with a known Jaccard
 * similarity are caught about as often as 1 - (1 - s^8)^14 says. */
static double catch_rate(double jaccard, int trials)
{
	int caught = 0;
	for (int t = 0; t < trials; t++) {
		struct wn_options opt = { 0 };
		opt.doc_near = 0.01; /* any candidate counts: measure the bands */
		opt.seed = (uint64_t)t * 7919;
		struct wn_minhash m;
		cr_assert_eq(wn_minhash_init(&m, &opt), 0);
		struct wn_shingler s;
		wn_shingler_init(&s, 5, opt.seed);
		/* Sets A and B of 400 shingles sharing k: J = k / (800 - k). */
		const size_t k = (size_t)(800 * jaccard / (1 + jaccard) + 0.5);
		s.nshingles = 400;
		s.cap = 400;
		s.shingles = malloc(400 * sizeof(uint64_t));
		s.ntokens = 404;
		s.nedge = 0;
		uint64_t rng = (uint64_t)t + 1;
		for (int side = 0; side < 2; side++) {
			uint64_t shared = 99 + (uint64_t)t;
			for (size_t i = 0; i < 400; i++)
				s.shingles[i] = i < k ? rng_next(&shared) : rng_next(&rng);
			wn_minhash_add(&m, &s);
			bool keep;
			uint64_t match;
			cr_assert_eq(wn_minhash_end_doc(&m, (uint64_t)side, true, &keep, &match), 0);
			caught += side == 1 && !keep;
		}
		wn_shingler_free(&s);
		wn_minhash_free(&m);
	}
	return (double)caught / trials;
}

Test(minhash, s_curve)
{
	static const struct { double j, lo, hi; } points[] = {
		{ 0.3, 0.0, 0.02 },   /* theory 0.001 */
		{ 0.7, 0.45, 0.68 },  /* theory 0.565 */
		{ 0.8, 0.85, 0.98 },  /* theory 0.924 */
		{ 0.9, 0.98, 1.0 },   /* theory 0.9996 */
	};
	for (size_t i = 0; i < sizeof(points) / sizeof(points[0]); i++) {
		const double r = catch_rate(points[i].j, 400);
		cr_expect(r >= points[i].lo && r <= points[i].hi, "J=%.1f caught %.3f",
			  points[i].j, r);
	}
}
