/* test_punct_corpus.c - the punctuation repair stage on real text: no change
 * to clean prose, the reviewed repairs of real damage, idempotence, the seed
 * article through the public API, and recall on damage injected into clean
 * paragraphs (the figures in tests/README.md come from this file). */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "internal.h"
#include "winnow.h"

#define DATA WN_SOURCE_DIR "/tests/data/punct/"

static const char *const clean_files[] = {
	DATA "clean-aeb.txt", DATA "clean-htmltotext.txt", DATA "clean-cleaneval.txt",
	DATA "clean-seed.txt",
};
#define NCLEAN (sizeof(clean_files) / sizeof(clean_files[0]))

static struct wn_punct stage;

static void setup(void)
{
	const struct wn_options opt = { 0 };
	cr_assert_eq(wn_punct_init(&stage, &opt), 0);
}

static void teardown(void)
{
	wn_punct_free(&stage);
}

TestSuite(punct_corpus, .init = setup, .fini = teardown);

/* ---- Files and lines -------------------------------------------------------- */

struct text {
	char *bytes;
	size_t len;
	char **lines; /* NUL-terminated copies, one per line */
	size_t nlines;
};

static void text_load(struct text *t, const char *path)
{
	FILE *fp = fopen(path, "rb");
	cr_assert_not_null(fp, "cannot open %s", path);
	cr_assert_eq(fseek(fp, 0, SEEK_END), 0);
	const long size = ftell(fp);
	cr_assert_geq(size, 0);
	rewind(fp);
	t->len = (size_t)size;
	t->bytes = malloc(t->len + 1);
	cr_assert_not_null(t->bytes);
	cr_assert_eq(fread(t->bytes, 1, t->len, fp), t->len);
	fclose(fp);
	t->bytes[t->len] = '\0';
	t->nlines = 1;
	for (size_t i = 0; i < t->len; i++)
		t->nlines += t->bytes[i] == '\n';
	t->lines = calloc(t->nlines, sizeof(*t->lines));
	cr_assert_not_null(t->lines);
	size_t k = 0;
	for (char *p = t->bytes, *nl; k < t->nlines; p = nl + 1) {
		nl = strchr(p, '\n');
		if (!nl)
			nl = p + strlen(p);
		*nl = '\0';
		t->lines[k++] = p;
	}
}

static void text_free(struct text *t)
{
	free(t->lines);
	free(t->bytes);
}

/* Runs the stage over line (n bytes); the result is valid until the next
 * call. *fired_out gets the rules that fired. */
static struct wn_line run(struct wn_punct *p, char *line, size_t n, uint32_t *fired_out)
{
	struct wn_line l = { line, n };
	cr_assert_eq(wn_punct_push(p, &l, fired_out), 0);
	return l;
}

static bool same(struct wn_line l, const char *want, size_t n)
{
	return l.len == n && memcmp(l.ptr, want, n) == 0;
}

/* ---- Clean text, real damage, idempotence ------------------------------------ */

Test(punct_corpus, clean_text_unchanged)
{
	size_t bytes = 0, lines = 0, changed = 0;
	for (size_t f = 0; f < NCLEAN; f++) {
		struct text t;
		text_load(&t, clean_files[f]);
		bytes += t.len;
		for (size_t i = 0; i < t.nlines; i++) {
			uint32_t fired;
			const size_t n = strlen(t.lines[i]);
			const struct wn_line out = run(&stage, t.lines[i], n, &fired);
			lines++;
			if (fired == 0 && same(out, t.lines[i], n))
				continue;
			if (changed++ < 10)
				cr_log_error("%s:%zu changed:\n  %s\n  %.*s", clean_files[f], i + 1,
					     t.lines[i], (int)out.len, out.ptr);
		}
		text_free(&t);
	}
	cr_assert_geq(bytes, 600000, "the clean text is too small to mean much");
	cr_assert_eq(changed, 0, "%zu of %zu clean lines changed", changed, lines);
}

Test(punct_corpus, real_damage_repaired)
{
	struct text in, want;
	text_load(&in, DATA "damage-real.txt");
	text_load(&want, DATA "damage-real.expected.txt");
	cr_assert_eq(in.nlines, want.nlines);
	cr_assert_geq(in.nlines, 100);
	for (size_t i = 0; i < in.nlines; i++) {
		if (in.lines[i][0] == '\0')
			continue;
		uint32_t fired, again;
		const struct wn_line out = run(&stage, in.lines[i], strlen(in.lines[i]), &fired);
		cr_expect(same(out, want.lines[i], strlen(want.lines[i])),
			  "damage-real.txt:%zu:\n  got  %.*s\n  want %s", i + 1, (int)out.len, out.ptr,
			  want.lines[i]);
		cr_expect_neq(fired, 0, "damage-real.txt:%zu is not changed: it belongs in the "
			      "clean text", i + 1);
		const size_t n = strlen(want.lines[i]);
		const struct wn_line twice = run(&stage, want.lines[i], n, &again);
		cr_expect(again == 0 && same(twice, want.lines[i], n),
			  "damage-real.expected.txt:%zu is changed again", i + 1);
	}
	text_free(&in);
	text_free(&want);
}

/* ---- The seed article through the public API ----------------------------------- */

struct sink {
	char *p;
	size_t len;
	size_t cap;
	char rules[512]; /* "line:rule;" for each change, as explained */
};

static int sink_write(void *ctx, const char *p, size_t n)
{
	struct sink *s = ctx;
	if (s->len + n > s->cap) {
		s->cap = (s->len + n) * 2;
		s->p = realloc(s->p, s->cap);
		cr_assert_not_null(s->p);
	}
	memcpy(s->p + s->len, p, n);
	s->len += n;
	return 0;
}

static void sink_explain(void *ctx, const struct wn_event *ev)
{
	struct sink *s = ctx;
	if (ev->kind != WN_EV_CHANGE)
		return;
	const size_t used = strlen(s->rules);
	snprintf(s->rules + used, sizeof(s->rules) - used, "%llu:%s;",
		 (unsigned long long)ev->line, ev->rule);
}

/* Filters the text in pieces of chunk bytes through wn_filter. */
static void filter_text(const struct text *t, size_t chunk, struct sink *s)
{
	const struct wn_options opt = {
		.write = sink_write, .write_ctx = s, .explain = sink_explain, .explain_ctx = s,
	};
	struct wn_filter *f = wn_filter_new(&opt);
	cr_assert_not_null(f);
	for (size_t at = 0; at < t->len; at += chunk) {
		const size_t n = t->len - at < chunk ? t->len - at : chunk;
		cr_assert_eq(wn_filter_push(f, t->bytes + at, n), 0);
	}
	cr_assert_eq(wn_filter_finish(f), 0);
	wn_filter_free(f);
}

Test(punct_corpus, seed_sample)
{
	struct text in, want;
	text_load(&in, WN_SOURCE_DIR "/samples/000_bf096e77d9db111c.txt");
	text_load(&want, WN_SOURCE_DIR "/samples/000_bf096e77d9db111c.expected");
	/* text_load split the bytes into lines; rejoin them for the filter */
	for (size_t i = 0; i + 1 < in.nlines; i++)
		in.lines[i][strlen(in.lines[i])] = '\n';
	for (size_t i = 0; i + 1 < want.nlines; i++)
		want.lines[i][strlen(want.lines[i])] = '\n';
	static const size_t chunks[] = { 1 << 20, 1, 7, 4096 };
	for (size_t c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
		struct sink s = { 0 };
		filter_text(&in, chunks[c], &s);
		cr_expect(s.len == want.len && memcmp(s.p, want.bytes, want.len) == 0,
			  "chunks of %zu: output differs from the .expected file:\n%.*s", chunks[c],
			  (int)s.len, s.p);
		cr_expect_str_eq(s.rules, "8:space-before-punct;12:quote-after-comma;"
			       "34:dangling-quote;38:quote-before-period;");
		free(s.p);
	}
	text_free(&in);
	text_free(&want);
}

/* ---- Recall on injected damage -------------------------------------------------- */

enum kind {
	K_SPACE_PERIOD,    /* "war crimes." -> "war crimes ." */
	K_SPACE_COMMA,     /* "Ukraine, as" -> "Ukraine , as" */
	K_GLUED_COMMA,     /* "day, virtually" -> "day,virtually" */
	K_QUOTE_COMMA,     /* "war,” he added" -> "war,he added" */
	K_QUOTE_COMMA_ST,  /* the same with straight quotes */
	K_DANGLING,        /* "in Ukraine.”" -> "in Ukraine. “" */
	K_DANGLING_ST,
	K_BEFORE_PERIOD,   /* "impose costs.”" -> "impose costs “." */
	K_BEFORE_PERIOD_ST,
	K_GLUED_PERIOD,    /* "the war. The" -> "the war.The" */
	K_DOUBLE_SPACE,    /* "the war" -> "the  war" */
	K_COUNT
};

static const struct {
	const char *name;
	unsigned issue_rule; /* the issue's rule number */
	double min_recall;   /* asserted; the issue asks 0.90 for rules 1-3 */
} kinds[K_COUNT] = {
	[K_SPACE_PERIOD] = { "space before a period", 1, 0.90 },
	[K_SPACE_COMMA] = { "space before a comma", 1, 0.90 },
	[K_GLUED_COMMA] = { "missing space after a comma", 2, 0.90 },
	[K_QUOTE_COMMA] = { "comma glued, closing curly lost", 2, 0.90 },
	[K_QUOTE_COMMA_ST] = { "comma glued, closing straight lost", 2, 0.90 },
	[K_DANGLING] = { "dangling curly at paragraph end", 3, 0.90 },
	[K_DANGLING_ST] = { "dangling straight at paragraph end", 3, 0.90 },
	[K_BEFORE_PERIOD] = { "curly before the final period", 3, 0.90 },
	[K_BEFORE_PERIOD_ST] = { "straight before the final period", 3, 0.90 },
	[K_GLUED_PERIOD] = { "missing space after a period", 2, 0.90 },
	[K_DOUBLE_SPACE] = { "doubled space between words", 4, 0.90 },
};

#define MAX_SITES 20000 /* per kind; beyond that, sites are taken at a stride */

#define LQ "\xE2\x80\x9C" /* “ */
#define RQ "\xE2\x80\x9D" /* ” */

static int32_t cp_at(const char *s, size_t n, size_t i)
{
	int32_t cp;
	if (i >= n)
		return -1;
	return wn_utf8_decode((const unsigned char *)s + i, n - i, &cp) ? cp : -1;
}

static int32_t cp_before(const char *s, size_t i)
{
	size_t k = i;
	while (k > 0 && ((unsigned char)s[k - 1] & 0xC0) == 0x80 && i - k < 3)
		k--;
	return k > 0 ? cp_at(s, i, k - 1) : -1;
}

static bool letter(int32_t cp)
{
	if (cp < 0)
		return false;
	const utf8proc_category_t c = utf8proc_category(cp);
	return c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_LO;
}

static bool lower_word_before(const char *s, size_t i, size_t min)
{
	size_t count = 0;
	while (i > 0 && s[i - 1] >= 'a' && s[i - 1] <= 'z') {
		count++;
		i--;
	}
	return count >= min && (i == 0 || s[i - 1] == ' ');
}

static bool starts_with(const char *s, size_t n, size_t i, const char *prefix)
{
	const size_t k = strlen(prefix);
	return i + k <= n && memcmp(s + i, prefix, k) == 0;
}

/* Whether the quote that closes at s[i] was opened earlier in the line. */
static bool closes_open_quote(const char *s, size_t i, bool straight)
{
	if (!straight) {
		const char *open = strstr(s, LQ);
		return open && (size_t)(open - s) < i;
	}
	size_t count = 0;
	for (size_t k = 0; k < i; k++)
		count += s[k] == '"';
	return count % 2 == 1;
}

/* The damage of kind k at site i of s[0..n), written into out, or false
 * when i is no site of that kind. Sites are defined by the text alone,
 * not by the stage's guards. */
static bool inject(enum kind k, const char *s, size_t n, size_t i, char *out, size_t *len_out)
{
	size_t at = i, del = 0; /* replace s[at..at+del) by ins */
	const char *ins = "";
	const int32_t prev = cp_before(s, i);
	switch (k) {
	case K_SPACE_PERIOD:
	case K_SPACE_COMMA: {
		if (s[i] != (k == K_SPACE_PERIOD ? '.' : ',') || i == 0 || s[i - 1] == '.')
			return false;
		const bool ends = i + 1 == n || s[i + 1] == ' ' || s[i + 1] == '"' ||
				  starts_with(s, n, i + 1, RQ);
		if (!ends || !(letter(prev) || (prev >= '0' && prev <= '9') || prev == 0x201D ||
			       prev == ')'))
			return false;
		ins = " ";
		break;
	}
	case K_GLUED_COMMA:
		if (s[i] != ',' || i + 2 >= n || s[i + 1] != ' ' || !letter(prev) ||
		    !letter(cp_at(s, n, i + 2)))
			return false;
		at = i + 1;
		del = 1;
		break;
	case K_QUOTE_COMMA:
	case K_QUOTE_COMMA_ST: {
		const bool st = k == K_QUOTE_COMMA_ST;
		const size_t qlen = st ? 1 : 3;
		if (s[i] != ',' || !starts_with(s, n, i + 1, st ? "\"" : RQ) || i + qlen + 2 >= n ||
		    s[i + 1 + qlen] != ' ' || !letter(prev) ||
		    !letter(cp_at(s, n, i + 2 + qlen)) || !closes_open_quote(s, i + 1, st))
			return false;
		at = i + 1;
		del = qlen + 1;
		break;
	}
	case K_DANGLING:
	case K_DANGLING_ST:
	case K_BEFORE_PERIOD:
	case K_BEFORE_PERIOD_ST: {
		const bool st = k == K_DANGLING_ST || k == K_BEFORE_PERIOD_ST;
		const size_t qlen = st ? 1 : 3;
		if (i + 1 + qlen != n || !starts_with(s, n, i + 1, st ? "\"" : RQ) ||
		    !closes_open_quote(s, i + 1, st))
			return false;
		if (k == K_DANGLING || k == K_DANGLING_ST) {
			if (s[i] != '.' && s[i] != '!' && s[i] != '?')
				return false;
			at = i + 1;
			del = qlen;
			ins = st ? " \"" : " " LQ;
		} else {
			if (s[i] != '.' || !(letter(prev) || (prev >= '0' && prev <= '9')))
				return false;
			at = i;
			del = qlen + 1;
			ins = st ? " \"." : " " LQ ".";
		}
		break;
	}
	case K_GLUED_PERIOD: {
		if (s[i] != '.' || i + 3 >= n || s[i + 1] != ' ' || !lower_word_before(s, i, 3))
			return false;
		const int32_t c1 = cp_at(s, n, i + 2);
		if (!(c1 >= 'A' && c1 <= 'Z') || !(s[i + 3] >= 'a' && s[i + 3] <= 'z'))
			return false;
		at = i + 1;
		del = 1;
		break;
	}
	case K_DOUBLE_SPACE:
		if (s[i] != ' ' || !letter(prev) || !letter(cp_at(s, n, i + 1)))
			return false;
		ins = " ";
		break;
	default:
		return false;
	}
	const size_t len = strlen(ins);
	memcpy(out, s, at);
	memcpy(out + at, ins, len);
	memcpy(out + at + len, s + at + del, n - at - del);
	*len_out = n - del + len;
	return true;
}

struct tally {
	size_t sites;
	size_t tried;
	size_t restored;
	size_t not_idempotent;
};

/* Injects damage of kind k at each of its sites in the clean lines (at a
 * stride past MAX_SITES), repairs it, and counts exact restorations. */
static void measure(enum kind k, const struct text *texts, size_t ntexts, struct tally *t)
{
	char *buf = NULL, *again = NULL;
	size_t cap = 0;
	const bool show_misses = getenv("WN_PUNCT_MISSES") != NULL;
	for (int pass = 0; pass < 2; pass++) {
		const size_t stride = pass == 0 ? 0 : (t->sites + MAX_SITES - 1) / MAX_SITES;
		size_t site = 0;
		for (size_t f = 0; f < ntexts; f++) {
			for (size_t l = 0; l < texts[f].nlines; l++) {
				const char *s = texts[f].lines[l];
				const size_t n = strlen(s);
				if (n + 8 > cap) {
					cap = 2 * (n + 8);
					buf = realloc(buf, cap);
					again = realloc(again, cap);
					cr_assert(buf && again);
				}
				for (size_t i = 0; i < n; i++) {
					size_t len;
					if (!inject(k, s, n, i, buf, &len))
						continue;
					if (pass == 0) {
						t->sites++;
						continue;
					}
					if (site++ % stride)
						continue;
					t->tried++;
					uint32_t fired;
					const struct wn_line out = run(&stage, buf, len, &fired);
					const bool ok = same(out, s, n);
					t->restored += ok;
					if (!ok && show_misses)
						fprintf(stderr, "miss [%s]\n  in   %.*s\n  out  %.*s\n",
							kinds[k].name, (int)len, buf, (int)out.len,
							out.ptr);
					memcpy(again, out.ptr, out.len);
					const struct wn_line twice = run(&stage, again, out.len, &fired);
					t->not_idempotent += fired != 0 || !same(twice, again, out.len);
				}
			}
		}
	}
	free(buf);
	free(again);
}

Test(punct_corpus, injected_damage_recall, .timeout = 600)
{
	struct text texts[NCLEAN];
	size_t false_fires = 0;
	for (size_t f = 0; f < NCLEAN; f++) {
		text_load(&texts[f], clean_files[f]);
		for (size_t l = 0; l < texts[f].nlines; l++) {
			uint32_t fired;
			run(&stage, texts[f].lines[l], strlen(texts[f].lines[l]), &fired);
			false_fires += fired != 0;
		}
	}
	fprintf(stderr, "punct recall on injected damage (clean text: tests/data/punct/clean-*)\n"
		"%-34s %4s %7s %7s %9s %7s\n", "kind", "rule", "sites", "tried", "restored",
		"recall");
	struct tally t[K_COUNT] = { { 0, 0, 0, 0 } };
	for (int k = 0; k < K_COUNT; k++) {
		measure((enum kind)k, texts, NCLEAN, &t[k]);
		const double recall = t[k].tried ? (double)t[k].restored / (double)t[k].tried : 0;
		fprintf(stderr, "%-34s %4u %7zu %7zu %9zu %6.1f%%\n", kinds[k].name,
			kinds[k].issue_rule, t[k].sites, t[k].tried, t[k].restored, 100 * recall);
	}
	fprintf(stderr, "false fires on clean lines: %zu\n", false_fires);
	for (int k = 0; k < K_COUNT; k++) {
		cr_expect_geq(t[k].tried, 20, "%s: too few sites to measure", kinds[k].name);
		cr_expect_geq((double)t[k].restored, kinds[k].min_recall * (double)t[k].tried,
			      "%s: recall %zu/%zu below %.0f%%", kinds[k].name, t[k].restored,
			      t[k].tried, 100 * kinds[k].min_recall);
		cr_expect_eq(t[k].not_idempotent, 0, "%s: %zu repairs change on a second run",
			     kinds[k].name, t[k].not_idempotent);
	}
	cr_expect_eq(false_fires, 0);
	for (size_t f = 0; f < NCLEAN; f++)
		text_free(&texts[f]);
}
