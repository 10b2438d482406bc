/* test_nav.c - --strip-nav: the stop word lists, a line's features and the
 * model's, the language guess, the classifier on real pages (a menu run
 * goes; a heading, a list, a table and a one-line quotation inside the
 * article stay; clean prose stays), --nav-threshold, and the program on
 * text, JSON Lines and WET input; what lynx leaves of the markup and of
 * comment threads, the main block of a page, the teasers after an
 * article's end, the second stage's trees both ways (AVX2 and one line
 * at a time) against the model, and a line's counts and markup features
 * both ways (AVX2 and the byte loops). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "nav.h"
#include "nav_model.h"
#include "testutil.h"

static struct wn_nav nav;

static void setup(void)
{
	const struct wn_options opt = { 0 };
	cr_assert_eq(wn_nav_init(&nav, &opt), 0);
}

static void teardown(void)
{
	wn_nav_free(&nav);
}

TestSuite(nav, .init = setup, .fini = teardown);

Test(nav, each_stoplist_loads)
{
	static const struct { int lang; const char *word; } known[] = {
		{ WN_NAV_EN, "the" }, { WN_NAV_DE, "und" }, { WN_NAV_FR, "les" },
		{ WN_NAV_ES, "los" }, { WN_NAV_IT, "della" }, { WN_NAV_NL, "het" },
		{ WN_NAV_PT, "não" }, { WN_NAV_PL, "się" }, { WN_NAV_RU, "что" },
		{ WN_NAV_ZH, "的" }, { WN_NAV_JA, "の" }, { WN_NAV_KO, "그리고" },
	};
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		const int l = known[i].lang;
		cr_expect_gt(nav.nwords[l], 10, "%s has %zu words", wn_nav_lang_name(l), nav.nwords[l]);
		const unsigned langs = wn_nav_stopword(&nav, known[i].word, strlen(known[i].word));
		cr_expect(langs >> l & 1, "'%s' is no %s stop word", known[i].word, wn_nav_lang_name(l));
	}
	cr_expect_eq(wn_nav_stopword(&nav, "volkswagen", 10), 0);
	cr_expect_gt(nav.nko_suffix, 5);
}

Test(nav, features_of_real_lines)
{
	struct wn_nav_feat f;
	const char *menu = "Commercial Real Estate";
	wn_nav_features(&nav, menu, strlen(menu), &f);
	cr_expect_eq(f.words, 3);
	cr_expect_eq(f.caps, 3);
	cr_expect_eq(f.stops[WN_NAV_EN], 0);
	cr_expect_not(f.ends);
	cr_expect_eq(f.chars, 22); /* spaces count, as in jusText */

	const char *text = "Gaming used to be so simple. We’d buy a game, sit down in front of a "
			   "console or PC, grind our way to the end, then repeat.";
	wn_nav_features(&nav, text, strlen(text), &f);
	cr_expect(f.ends);
	cr_expect_eq(f.words, 28); /* "We’d" is two words */
	/* to be so we d a down in of a or our to the then */
	cr_expect_eq(f.stops[WN_NAV_EN], 15, "%u", f.stops[WN_NAV_EN]);

	const char *date = "Nov. 19, 2019 8:03 am ET";
	wn_nav_features(&nav, date, strlen(date), &f);
	cr_expect_eq(f.digits, 9);
	cr_expect_eq(f.symbols, 3);

	/* Han and kana count one word each and weigh three. */
	const char *zh = "这是我们的城市。";
	wn_nav_features(&nav, zh, strlen(zh), &f);
	cr_expect_eq(f.words, 7);
	cr_expect_eq(f.chars, 7 * 3 + 1);
	cr_expect_eq(f.stops[WN_NAV_ZH], 5, "%u", f.stops[WN_NAV_ZH]); /* 这 是 我 们 的 */
	cr_expect(f.ends);

	/* A Korean word that ends in a particle is a stop word. */
	const char *ko = "학교에 갔다";
	wn_nav_features(&nav, ko, strlen(ko), &f);
	cr_expect_eq(f.words, 2);
	cr_expect_eq(f.stops[WN_NAV_KO], 2);
}

/* Feeds lines to the classifier as one document; returns its language. */
static int judge_text(const char *text)
{
	const char *p = text;
	uint64_t no = 0;
	while (*p) {
		const char *nl = strchr(p, '\n');
		const size_t len = nl ? (size_t)(nl - p) : strlen(p);
		const struct wn_judged v = { .len = len, .line_no = ++no, .rule = "", .blank = !len };
		cr_assert_eq(wn_nav_add(&nav, &v, p, NULL), 0);
		p += len + (nl != NULL);
	}
	wn_nav_judge(&nav, true);
	return nav.lang;
}

static size_t count_dropped(void)
{
	size_t n = 0;
	for (size_t i = 0; i < nav.doc.n; i++)
		n += nav.doc.recs[i].reason == WN_DROP_NAV;
	return n;
}

Test(nav, language_guess)
{
	struct tu_str de = tu_data("nav/de.txt");
	cr_expect_eq(judge_text(de.ptr), WN_NAV_DE, "%s", wn_nav_lang_name(nav.lang));
	cr_expect_eq(count_dropped(), 0);
	wn_nav_clear(&nav, true);
	struct tu_str en = tu_data("nav/article.txt");
	cr_expect_eq(judge_text(en.ptr), WN_NAV_EN);
	cr_expect_eq(count_dropped(), 0);
	tu_free(&de);
	tu_free(&en);
}

/* Croatian has no list: the text must not be judged junk for that. */
Test(nav, language_without_a_list_is_kept)
{
	struct tu_str hr = tu_data("nav/hr.txt");
	judge_text(hr.ptr);
	cr_expect_neq(nav.lang, WN_NAV_EN);
	cr_expect_eq(count_dropped(), 0);
	tu_free(&hr);
}

/* The WSJ page's menus around a real article with a heading, a short
 * list and a one-line quotation. */
static struct tu_str page(void)
{
	struct tu_str wsj = tu_data("nav/wsj.txt"), art = tu_data("nav/article.txt");
	const char *body = strstr(wsj.ptr, "Gaming used to be so simple");
	cr_assert_not_null(body);
	const char *tail = strstr(body, "All...");
	cr_assert_not_null(tail);
	struct tu_str s = { 0 };
	tu_append(&s, wsj.ptr, (size_t)(body - wsj.ptr));
	tu_append(&s, art.ptr, art.len);
	tu_puts(&s, tail);
	tu_free(&wsj);
	tu_free(&art);
	return s;
}

static struct tu_str explained;

static void on_explain(void *ctx, const struct wn_event *ev)
{
	(void)ctx;
	if (ev->kind != WN_EV_DROP || ev->reason != WN_DROP_NAV)
		return;
	tu_puts(&explained, ev->rule);
	tu_puts(&explained, "\t");
	tu_append(&explained, ev->text, ev->len);
	tu_puts(&explained, "\n");
}

static struct tu_str run_filter_as(const char *in, size_t len, bool strip, enum wn_format format,
				   struct wn_stats *st)
{
	struct tu_str out = { 0 };
	const struct wn_options opt = {
		.write = tu_write, .write_ctx = &out, .strip_nav = strip, .explain = on_explain,
		.format = format,
	};
	struct wn_filter *f = wn_filter_new(&opt);
	cr_assert_not_null(f);
	cr_assert_eq(wn_filter_push(f, in, len), 0);
	cr_assert_eq(wn_filter_finish(f), 0);
	wn_filter_stats(f, st);
	wn_filter_free(f);
	tu_append(&out, "", 0);
	return out;
}

static struct tu_str run_filter(const char *in, size_t len, bool strip, struct wn_stats *st)
{
	return run_filter_as(in, len, strip, WN_FORMAT_TEXT, st);
}

static bool has_line(const char *text, const char *line)
{
	const size_t n = strlen(line);
	for (const char *p = strstr(text, line); p; p = strstr(p + 1, line))
		if ((p == text || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0'))
			return true;
	return false;
}

Test(nav, menu_run_goes_article_stays)
{
	struct tu_str in = page();
	struct wn_stats st;
	struct tu_str out = run_filter(in.ptr, in.len, true, &st);
	static const char *const menu[] = {
		"Commercial Real Estate", "Heard on the Street", "Aerospace & Defense",
		"Market Data Home", "Letters to the Editor", "Corporate Subscriptions",
		"Customer Center",
	};
	for (size_t i = 0; i < sizeof(menu) / sizeof(menu[0]); i++)
		cr_expect_not(has_line(out.ptr, menu[i]), "kept menu item '%s'", menu[i]);
	struct tu_str art = tu_data("nav/article.txt");
	for (char *p = art.ptr, *nl; (nl = strchr(p, '\n')); p = nl + 1) {
		*nl = '\0';
		cr_expect(has_line(out.ptr, p), "dropped article line '%s'", p);
	}
	cr_expect_gt(st.dropped[WN_DROP_NAV], 150);
	uint64_t sum = st.lines_kept;
	for (int r = 1; r < WN_REASON_COUNT; r++)
		sum += st.dropped[r];
	cr_expect_eq(sum, st.lines_in);
	cr_expect(strstr(explained.ptr, "short:model p<0.05\tCommercial Real Estate\n"), "%s",
		  explained.ptr);
	tu_free(&in);
	tu_free(&out);
	tu_free(&art);
	tu_free(&explained);
}

Test(nav, off_by_default)
{
	struct tu_str in = page();
	struct wn_stats st;
	struct tu_str out = run_filter(in.ptr, in.len, false, &st);
	cr_expect(has_line(out.ptr, "Commercial Real Estate"));
	cr_expect_eq(st.dropped[WN_DROP_NAV], 0);
	tu_free(&in);
	tu_free(&out);
}

/* The program, on each format. */
static struct tu_str run_cli(const char *args)
{
	char cmd[2048];
	snprintf(cmd, sizeof(cmd), "'%s' %s", WINNOW_BIN, args);
	FILE *p = popen(cmd, "r");
	cr_assert_not_null(p);
	struct tu_str s = { 0 };
	char buf[65536];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
		tu_append(&s, buf, n);
	tu_append(&s, "", 0);
	const int status = pclose(p);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s", cmd);
	return s;
}

Test(nav, cli_text_jsonl_wet)
{
	static const char *const inputs[] = { "wsj.txt", "wsj.jsonl", "wsj.wet", "wsj-url.jsonl" };
	for (size_t i = 0; i < 4; i++) {
		char args[1024];
		snprintf(args, sizeof(args), "--strip-nav --stats '%s/tests/data/nav/%s' 2>&1",
			 WN_SOURCE_DIR, inputs[i]);
		struct tu_str out = run_cli(args);
		cr_expect(strstr(out.ptr, "Gaming used to be so simple."), "%s: %s", inputs[i], out.ptr);
		cr_expect_not(strstr(out.ptr, "Commercial Real Estate"), "%s", inputs[i]);
		cr_expect(strstr(out.ptr, "  nav  "), "%s: no nav in --stats: %s", inputs[i], out.ptr);
		tu_free(&out);
	}
	/* The WET page has a title (its address): the gate's rule is still named. */
	char args[1024];
	snprintf(args, sizeof(args), "--strip-nav --explain=- '%s/tests/data/nav/wsj.wet' 2>&1 >/dev/null",
		 WN_SOURCE_DIR);
	struct tu_str ex = run_cli(args);
	cr_expect(strstr(ex.ptr, "\tdrop\tnav\tshort:model p<0.05\tBarron's\n"), "%s", ex.ptr);
	tu_free(&ex);
}

Test(nav, cli_bad_threshold_is_a_usage_error)
{
	char cmd[1024];
	static const char *const bad[] = { "--nav-stop-low=2", "--nav-threshold=0",
					   "--nav-threshold=1.5", "--nav-threshold=x" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(cmd, sizeof(cmd), "'%s' --strip-nav %s </dev/null >/dev/null 2>&1",
			 WINNOW_BIN, bad[i]);
		const int status = system(cmd);
		cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 2, "%s", bad[i]);
	}
}

/* Streaming contract: any split of the input gives the same output, in
 * each format; the statistics balance. */
Test(nav, chunking_invariance)
{
	static const char *const inputs[] = { "nav/wsj.txt", "nav/wsj.jsonl", "nav/wsj.wet" };
	const struct wn_options opt = { .strip_nav = true, .format = WN_FORMAT_AUTO };
	for (size_t k = 0; k < 3; k++) {
		struct tu_str in = tu_data(inputs[k]), whole = { 0 };
		struct wn_stats st;
		cr_assert_eq(tu_run(&opt, in.ptr, in.len, 0, 0, &whole, &st), 0);
		tu_assert_balanced(&st);
		cr_assert_gt(st.dropped[WN_DROP_NAV], 100, "%s", inputs[k]);
		for (uint64_t seed = 1; seed <= 4; seed++) {
			struct tu_str part = { 0 };
			cr_assert_eq(tu_run(&opt, in.ptr, in.len, seed, 1 + 97 * seed, &part, NULL), 0);
			cr_expect_str_eq(part.ptr, whole.ptr, "%s, seed %llu", inputs[k],
					 (unsigned long long)seed);
			tu_free(&part);
		}
		tu_free(&in);
		tu_free(&whole);
	}
}

/* A real page of another site (CleanEval): the portal's menus, a board of
 * recent posts and the footer go; the article's table, its headings and
 * paragraphs stay. */
Test(nav, real_page_table_and_headings_stay)
{
	struct tu_str in = tu_data("nav/cleaneval-16.wet"), out = { 0 };
	const struct wn_options opt = { .strip_nav = true, .format = WN_FORMAT_AUTO };
	struct wn_stats st;
	cr_assert_eq(tu_run(&opt, in.ptr, in.len, 0, 0, &out, &st), 0);
	tu_assert_balanced(&st);
	static const char *const kept[] = {
		"WHO definitions",
		"Blood pressure (mmHg)             Diagnosis",
		"Up to 120/80                        Optimal",
		"Up to 140/90                    High normal",
		"Above 180/110           Severe hypertension",
		"What you can do",
	};
	for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
		cr_expect(has_line(out.ptr, kept[i]), "dropped '%s'", kept[i]);
	static const char *const gone[] = {
		"Yahoo!7   My Yahoo!7   Yahoo! Mail", "Health Home - Help",
		"Most Recent Posts on Health Message Boards", "More Health Boards",
		"Privacy Policy - Terms of Service - Help",
		"Site Map - Health News Archive - Health RSS",
	};
	for (size_t i = 0; i < sizeof(gone) / sizeof(gone[0]); i++)
		cr_expect_not(has_line(out.ptr, gone[i]), "kept '%s'", gone[i]);
	tu_free(&in);
	tu_free(&out);
}

/* The article's end (the second stage's lines since and until a line
 * sure to be text) and the smoothing over the lines: on a real news page
 * (tests/data/nav/SOURCE.md) the four teasers of "Latest news" after the
 * article, each a headline run on into its first sentence that jusText
 * calls good, go as a run, and so does the footer; the article and its
 * dateline stay. "Latest news" itself is dropped by a rule (related): the
 * rule's lines between a line and the article, in the second stage, put
 * all four under the default threshold (without them the two middle ones
 * scored 0.20 - 0.25 and stayed). */
static void teasers_go(double threshold, const char *const *gone, size_t ngone)
{
	struct tu_str in = tu_data("nav/panarmenian.wet"), out = { 0 };
	const struct wn_options opt = {
		.strip_nav = true, .format = WN_FORMAT_AUTO, .nav_threshold = threshold,
	};
	struct wn_stats st;
	cr_assert_eq(tu_run(&opt, in.ptr, in.len, 0, 0, &out, &st), 0);
	tu_assert_balanced(&st);
	static const char *const kept[] = {
		"\nNovember 20, 2019 - 11:28 AMT\n",
		"\nAt least 106 protesters in 21 cities have been killed",
		"\nHundreds of demonstrators blocked roads",
		"\nAccording to eyewitness accounts corroborated by video footage",
	};
	for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
		cr_expect(strstr(out.ptr, kept[i]), "%.2f: dropped '%s'", threshold, kept[i]);
	for (size_t i = 0; i < ngone; i++)
		cr_expect_not(strstr(out.ptr, gone[i]), "%.2f: kept '%s'", threshold, gone[i]);
	tu_free(&in);
	tu_free(&out);
}

Test(nav, teasers_after_the_article_go)
{
	static const char *const gone[] = {
		"Armenia named most popular spot for Russian travelers in 2019",
		"Historic Armenian church in Turkey on the verge of destruction",
		"Most popular in the section", "Copyright \xc2\xa9 2000\xe2\x80\x94" "2019. PAN Media",
		"Kim Kardashian, Christian Bale support UCLA Promise Institute",
		"Iconic \"Friends\" props and costumes will be auctioned",
	};
	teasers_go(0.0, gone, 6);
	teasers_go(0.25, gone, 6);
}

/* The model's features, as --nav-dump sees them: one vector per non-blank
 * line, a menu line in a long run of short lines, an article line like a
 * sentence near the densest text. */
struct dumped {
	size_t lines;
	unsigned nx;
	float menu[64], text[64], image[64], button[64], date[64];
	bool seen_menu, seen_text, seen_image, seen_button, seen_date;
};

/* Keeps the features of the first line equal to want. */
static void keep_line(const struct wn_nav_sample *s, const char *want, float *x, bool *seen)
{
	if (!*seen && s->len == strlen(want) && memcmp(s->text, want, s->len) == 0) {
		memcpy(x, s->x, s->nx * sizeof(float));
		*seen = true;
	}
}

static void on_dump(void *ctx, const struct wn_nav_sample *s)
{
	struct dumped *d = ctx;
	d->lines++;
	d->nx = s->nx;
	cr_assert_leq(s->nx, 64);
	if (s->len == 22 && memcmp(s->text, "Commercial Real Estate", 22) == 0 && !d->seen_menu) {
		memcpy(d->menu, s->x, s->nx * sizeof(float));
		d->seen_menu = true;
	}
	if (s->len > 27 && memcmp(s->text, "Gaming used to be so simple", 27) == 0) {
		memcpy(d->text, s->x, s->nx * sizeof(float));
		d->seen_text = true;
	}
	keep_line(s, "[https://m.wsj.net/video/20191119/clipping3v1/clipping3v1_167x94.jpg]",
		  d->image, &d->seen_image);
	keep_line(s, "____________________ (BUTTON) Search\xe2\x86\x92", d->button, &d->seen_button);
	keep_line(s, "Nov. 19, 2019 8:03 am ET", d->date, &d->seen_date);
}

/* The markup features of a line's vector (nav.c's enum, doc/nav.md). */
enum { M_BRACKETED = 35, M_BRACKET_SHARE, M_BUTTON, M_ONE_TOKEN, M_COUNTED, M_COLON, M_DATE,
       M_ADDRESS, M_END };

Test(nav, model_features_in_the_dump)
{
	struct tu_str in = tu_data("nav/wsj.txt"), out = { 0 };
	struct dumped d = { 0 };
	const struct wn_options opt = { .strip_nav = true, .nav_dump = on_dump, .nav_dump_ctx = &d };
	struct wn_stats st;
	cr_assert_eq(tu_run(&opt, in.ptr, in.len, 0, 0, &out, &st), 0);
	size_t nonblank = 0;
	for (const char *p = in.ptr, *nl; (nl = memchr(p, '\n', in.len - (size_t)(p - in.ptr)));
	     p = nl + 1)
		nonblank += strspn(p, " \t\r") < (size_t)(nl - p);
	cr_expect_eq(d.lines, nonblank, "%zu of %zu", d.lines, nonblank);
	cr_assert(d.seen_menu && d.seen_text);
	cr_expect_eq(d.nx, 46, "43 features and the title's 3");
	/* bias; log1p(22) / 5; 0 stop words; short and in a run of more than
	 * 50 short lines; far from the article's text */
	cr_expect_float_eq(d.menu[0], 1.0f, 1e-6);
	cr_expect_float_eq(d.menu[1], 0.6270f, 1e-3);
	cr_expect_float_eq(d.menu[3], 0.0f, 1e-6);
	cr_expect_float_eq(d.menu[30], 1.0f, 1e-6);
	cr_expect_gt(d.menu[20], 0.98f, "run %f", (double)d.menu[20]); /* log1p(50) / 4 */
	cr_expect_lt(d.menu[31], 0.2f, "dense %f", (double)d.menu[31]);
	cr_expect_float_eq(d.menu[33], 0.0f, 1e-6);
	/* ends a sentence, English stop words, like a sentence, in the text */
	cr_expect_float_eq(d.text[4], 1.0f, 1e-6);
	cr_expect_gt(d.text[3], 0.4f);
	cr_expect_float_eq(d.text[33], 1.0f, 1e-6);
	cr_expect_gt(d.text[31], 0.5f, "dense %f", (double)d.text[31]);
	/* What lynx leaves of the markup: none in the article's sentence; an
	 * image's address in brackets, one token; a form's button; a date. */
	for (unsigned j = M_BRACKETED; j < M_END; j++)
		if (j != M_ONE_TOKEN)
			cr_expect_float_eq(d.text[j], 0.0f, 1e-6, "feature %u", j);
	cr_expect_float_eq(d.text[M_ONE_TOKEN], 7.0f / 122.0f, 1e-5); /* "console" */
	cr_assert(d.seen_image && d.seen_button && d.seen_date);
	cr_expect_float_eq(d.image[M_BRACKETED], 1.0f, 1e-6);
	cr_expect_float_eq(d.image[M_BRACKET_SHARE], 1.0f, 1e-6);
	cr_expect_float_eq(d.image[M_ONE_TOKEN], 1.0f, 1e-6);
	cr_expect_float_eq(d.image[M_ADDRESS], 1.0f, 1e-6);
	cr_expect_float_eq(d.image[M_DATE], 0.0f, 1e-6); /* 20191119 is no year */
	cr_expect_float_eq(d.button[M_BUTTON], 1.0f, 1e-6);
	cr_expect_float_eq(d.button[M_BRACKETED], 0.0f, 1e-6);
	/* 20 underscores of 37 code points (the arrow is one) */
	cr_expect_float_eq(d.button[M_ONE_TOKEN], 20.0f / 37.0f, 1e-5);
	cr_expect_float_eq(d.date[M_DATE], 1.0f, 1e-6);
	cr_expect_float_eq(d.date[M_ADDRESS], 0.0f, 1e-6);
	tu_free(&in);
	tu_free(&out);
}

/* The page's title from its address (nav.c's title_features, the last
 * three values of a dumped line): after the title line, before it, the
 * page has one. */
enum { T_AFTER = 43, T_BEFORE, T_TITLED };

struct title_lines {
	size_t lines, titled, k_title, k_text;
	float title[64], menu[64], text[64];
	bool seen_title, seen_menu, seen_text;
};

static void on_title_dump(void *ctx, const struct wn_nav_sample *s)
{
	struct title_lines *t = ctx;
	cr_assert_eq(s->nx, 46);
	t->lines++;
	t->titled += s->x[T_TITLED] == 1.0f;
	if (!t->seen_title)
		t->k_title = s->line;
	keep_line(s,
		  "Google Stadia, Microsoft xCloud, Apple Arcade: So Many Ways to Play\xe2\x80\xa6"
		  "and Pay",
		  t->title, &t->seen_title);
	keep_line(s, "Commercial Real Estate", t->menu, &t->seen_menu);
	if (!t->seen_text && s->len > 27 && memcmp(s->text, "Gaming used to be so simple", 27) == 0) {
		memcpy(t->text, s->x, s->nx * sizeof(float));
		t->seen_text = true;
		t->k_text = s->line;
	}
}

static struct title_lines title_dump(const char *file)
{
	struct title_lines t = { .lines = 0 };
	struct tu_str in = tu_data(file), out = { 0 };
	const struct wn_options opt = {
		.strip_nav = true, .format = WN_FORMAT_AUTO, .nav_dump = on_title_dump,
		.nav_dump_ctx = &t,
	};
	struct wn_stats st;
	cr_assert_eq(tu_run(&opt, in.ptr, in.len, 0, 0, &out, &st), 0);
	tu_free(&in);
	tu_free(&out);
	return t;
}

/* The wsj.com page of scrapinghub-aeb (tests/data/nav/SOURCE.md): its
 * address's slug "google-stadia-microsoft-xcloud-apple-arcade-so-many-
 * ways-to-playand-pay-11574168580" has 11 title words, of which the
 * headline holds 9 (half and 3 at least): the page has a title, from the
 * WET record's WARC-Target-URI and from a JSON record's "url" (escaped
 * there). The same text with no address, and the panarmenian.net page,
 * whose slug "eng/news/275221" has two words, have none. */
Test(nav, page_title_from_the_address)
{
	static const char *const with[] = { "nav/wsj.wet", "nav/wsj-url.jsonl" };
	for (size_t i = 0; i < 2; i++) {
		const struct title_lines t = title_dump(with[i]);
		cr_assert(t.seen_title && t.seen_menu && t.seen_text, "%s", with[i]);
		cr_expect_eq(t.titled, t.lines, "%s: every line knows the page's title", with[i]);
		cr_expect_float_eq(t.title[T_AFTER], 0.0f, 1e-6, "%s", with[i]);
		cr_expect_float_eq(t.title[T_BEFORE], 0.0f, 1e-6, "%s", with[i]);
		cr_expect_float_eq(t.menu[T_BEFORE], 1.0f, 1e-6, "%s: the menu is before", with[i]);
		cr_expect_float_eq(t.menu[T_AFTER], 0.0f, 1e-6, "%s", with[i]);
		cr_expect_float_eq(t.text[T_BEFORE], 0.0f, 1e-6, "%s", with[i]);
		cr_assert_gt(t.k_text, t.k_title);
		cr_expect_float_eq(t.text[T_AFTER], (float)log1p((double)(t.k_text - t.k_title)) / 5.0f,
				   1e-5, "%s: lines after the title", with[i]);
	}
	static const char *const without[] = { "nav/wsj.txt", "nav/wsj.jsonl", "nav/panarmenian.wet" };
	for (size_t i = 0; i < 3; i++) {
		const struct title_lines t = title_dump(without[i]);
		cr_expect_gt(t.lines, 0);
		cr_expect_eq(t.titled, 0, "%s: %zu lines titled", without[i], t.titled);
		cr_expect_float_eq(t.menu[T_BEFORE], 0.0f, 1e-6, "%s", without[i]);
	}
}

/* The comment structure of a real page (tests/data/nav/SOURCE.md): a
 * commenter's "X says:", the comment's time, a count "604 COMMENTS". */
struct comment_lines {
	float says[64], when[64], count[64], headline[64];
	bool seen_says, seen_when, seen_count, seen_headline;
};

static void on_comment_dump(void *ctx, const struct wn_nav_sample *s)
{
	struct comment_lines *c = ctx;
	keep_line(s, "thelastchargersfan says:", c->says, &c->seen_says);
	keep_line(s, "November 19, 2019 at 6:34 am", c->when, &c->seen_when);
	keep_line(s, "604 COMMENTS", c->count, &c->seen_count);
	keep_line(s, "With chips down, Leafs' Mike Babcock still betting on himself", c->headline,
		  &c->seen_headline);
}

Test(nav, comment_features_in_the_dump)
{
	struct comment_lines c = { .seen_says = false };
	const struct wn_options opt = {
		.strip_nav = true, .nav_dump = on_comment_dump, .nav_dump_ctx = &c,
	};
	static const char *const files[] = { "nav/comments.txt", "nav/discussed.txt" };
	for (size_t i = 0; i < 2; i++) {
		struct tu_str in = tu_data(files[i]), out = { 0 };
		struct wn_stats st;
		cr_assert_eq(tu_run(&opt, in.ptr, in.len, 0, 0, &out, &st), 0);
		tu_free(&in);
		tu_free(&out);
	}
	cr_assert(c.seen_says && c.seen_when && c.seen_count && c.seen_headline);
	cr_expect_float_eq(c.says[M_COLON], 1.0f, 1e-6);
	cr_expect_float_eq(c.says[M_DATE], 0.0f, 1e-6);
	cr_expect_float_eq(c.when[M_DATE], 1.0f, 1e-6);
	cr_expect_float_eq(c.when[M_COLON], 0.0f, 1e-6);
	cr_expect_float_eq(c.count[M_COUNTED], 1.0f, 1e-6);
	cr_expect_float_eq(c.count[M_BRACKET_SHARE], 0.0f, 1e-6);
	cr_expect_float_eq(c.count[M_ONE_TOKEN], 8.0f / 12.0f, 1e-5); /* "COMMENTS" */
	for (unsigned j = M_BRACKETED; j < M_END; j++)
		if (j != M_ONE_TOKEN)
			cr_expect_float_eq(c.headline[j], 0.0f, 1e-6, "feature %u", j);
	cr_expect_float_eq(c.headline[M_ONE_TOKEN], 7.0f / 61.0f, 1e-5); /* "Babcock" */
}

/* The line of the held document that starts with prefix, or SIZE_MAX. */
static size_t held_line(const char *prefix)
{
	for (size_t i = 0; i < nav.doc.n; i++) {
		const struct wn_judged *r = &nav.doc.recs[i];
		if (r->len >= strlen(prefix) &&
		    memcmp(nav.doc.text.ptr + r->off, prefix, strlen(prefix)) == 0)
			return i;
	}
	return SIZE_MAX;
}

/* The main block of a real page (wsj.com): the article, not the two
 * hundred menu lines before it nor the footer. (It takes in the related
 * headlines right after the article, which read like text: the second
 * stage weighs the block with the line's own probability.) */
Test(nav, main_block_is_the_article)
{
	struct tu_str wsj = tu_data("nav/wsj.txt");
	judge_text(wsj.ptr);
	const size_t first = held_line("Gaming used to be so simple"),
		     second = held_line("Now we spend money over and over"),
		     menu = held_line("Commercial Real Estate"),
		     footer = held_line("WSJ Membership");
	cr_assert(first != SIZE_MAX && second != SIZE_MAX && menu != SIZE_MAX && footer != SIZE_MAX);
	cr_expect_leq(nav.block_lo, first, "block %zu - %zu", nav.block_lo, nav.block_hi);
	cr_expect_geq(nav.block_hi, second, "block %zu - %zu", nav.block_lo, nav.block_hi);
	cr_expect_gt(nav.block_lo, menu);
	const struct wn_judged *end = &nav.doc.recs[nav.block_hi];
	cr_expect_lt(nav.block_hi, footer, "block ends at %.*s", (int)end->len,
		     nav.doc.text.ptr + end->off);
	tu_free(&wsj);
}

/* A higher --nav-threshold drops more, never less; the lines dropped at a
 * low one are dropped at a high one too. (The smoothed probabilities are
 * sure of most lines: 0.99 is what takes the last menu items.) */
Test(nav, threshold_is_monotone)
{
	struct tu_str in = tu_data("nav/cleaneval-16.wet");
	uint64_t last = 0;
	static const double thr[] = { 0.05, 0.2, 0.5, 0.99 };
	for (size_t i = 0; i < 4; i++) {
		struct tu_str out = { 0 };
		const struct wn_options opt = {
			.strip_nav = true, .format = WN_FORMAT_AUTO, .nav_threshold = thr[i],
		};
		struct wn_stats st;
		cr_assert_eq(tu_run(&opt, in.ptr, in.len, 0, 0, &out, &st), 0);
		cr_expect_geq(st.dropped[WN_DROP_NAV], last, "threshold %g", thr[i]);
		last = st.dropped[WN_DROP_NAV];
		tu_free(&out);
	}
	cr_expect_gt(last, 30);
	tu_free(&in);
}

/* Clean prose (gold texts of the benchmarks, tests/data/SOURCE.md) loses
 * almost nothing: under 2 % of its lines and 1.5 % of its bytes. */
Test(nav, clean_text_is_kept)
{
	struct tu_str in = tu_data("clean-gold.txt"), out = { 0 };
	const struct wn_options opt = { .strip_nav = true, .disable = WN_STAGE_DEDUP };
	struct wn_stats st;
	cr_assert_eq(tu_run(&opt, in.ptr, in.len, 0, 0, &out, &st), 0);
	const uint64_t lines = st.lines_in - st.dropped[WN_DROP_BLANK];
	cr_expect_lt(st.dropped[WN_DROP_NAV] * 50, lines, "%llu of %llu lines",
		     (unsigned long long)st.dropped[WN_DROP_NAV], (unsigned long long)lines);
	cr_expect_gt(out.len * 1000, in.len * 985, "%zu of %zu bytes", out.len, in.len);
	tu_free(&in);
	tu_free(&out);
}

/* The second stage's trees, both ways (wn_nav_trees), against nav_model.h
 * read as nav_train.py's Oblivious.margin defines it: at each level a
 * column over its cut (not equal to it, not NaN) sets the next bit, the
 * first level's the highest, and the leaves add up in order. The inputs
 * sit on the cuts, a step either side of them, far off, and NaN, for 61
 * lines (not a multiple of 8: the AVX2 way's last step reads padding). */

#define TREE_LINES 61
#define TREE_STRIDE 64

static float tree_input(uint64_t *r, unsigned c)
{
	*r ^= *r << 13;
	*r ^= *r >> 7;
	*r ^= *r << 17;
	const unsigned t = (unsigned)(*r % WN_NAV_TREES), l = (unsigned)(*r >> 8) % WN_NAV_DEPTH;
	float cut = 0.5f;
	for (unsigned k = 0; k < WN_NAV_TREES * WN_NAV_DEPTH; k++) {
		const unsigned tt = (t + k / WN_NAV_DEPTH) % WN_NAV_TREES, ll = (l + k) % WN_NAV_DEPTH;
		if (wn_nav_in[tt][ll] == c) {
			cut = wn_nav_cut[tt][ll];
			break;
		}
	}
	switch ((*r >> 20) % 6) {
	case 0: return cut;
	case 1: return nextafterf(cut, INFINITY);
	case 2: return nextafterf(cut, -INFINITY);
	case 3: return cut + (float)((*r >> 32) % 1000) / 500.0f - 1.0f;
	case 4: return (*r >> 40) % 64 ? cut * 3.0f : NAN;
	default: return (float)((*r >> 24) % 100) / 10.0f;
	}
}

Test(nav, trees_agree_with_the_model)
{
	(void)wn_nav_w1;
	(void)wn_nav_wg;
	static float in[WN_NAV_NCOL * TREE_STRIDE];
	float want[TREE_STRIDE], z[2][TREE_STRIDE];
	uint64_t r = 0x9e3779b97f4a7c15u;
	/* The model reads inside a line's inputs (the second stage's, the
	 * first stage's features, the title's 3) and inside its columns. */
	for (unsigned c = 0; c < WN_NAV_NCOL; c++)
		cr_assert_lt(wn_nav_col[c], WN_NAV_NF2 + WN_NAV_NF1 + 3);
	for (unsigned t = 0; t < WN_NAV_TREES; t++)
		for (unsigned l = 0; l < WN_NAV_DEPTH; l++)
			cr_assert_lt(wn_nav_in[t][l], WN_NAV_NCOL);
	for (unsigned c = 0; c < WN_NAV_NCOL; c++)
		for (size_t i = 0; i < TREE_STRIDE; i++)
			in[c * TREE_STRIDE + i] = i < TREE_LINES ? tree_input(&r, c) : 0.0f;
	size_t differ = 0;
	for (size_t i = 0; i < TREE_LINES; i++) {
		float acc = WN_NAV_BASE;
		for (unsigned t = 0; t < WN_NAV_TREES; t++) {
			unsigned leaf = 0;
			for (unsigned l = 0; l < WN_NAV_DEPTH; l++) {
				const float x = in[wn_nav_in[t][l] * TREE_STRIDE + i];
				leaf |= (unsigned)(x > wn_nav_cut[t][l]) << (WN_NAV_DEPTH - 1 - l);
			}
			acc += wn_nav_leaf[t][leaf];
		}
		want[i] = acc;
		differ += i > 0 && want[i] != want[i - 1];
	}
	cr_assert_gt(differ, TREE_LINES / 2, "the inputs hardly vary the margins");
	static const int paths[2] = { WN_PLAIN_PATH_SSE2, WN_PLAIN_PATH_AVX2 };
	for (int p = 0; p < 2; p++) {
		for (size_t i = 0; i < TREE_STRIDE; i++)
			z[p][i] = WN_NAV_BASE;
		const int took = wn_nav_trees(paths[p], in, TREE_STRIDE, TREE_LINES, z[p]);
		if (p == 1 && took != WN_PLAIN_PATH_AVX2)
			cr_log_warn("no AVX2 here: the scalar way only");
		for (size_t i = 0; i < TREE_LINES; i++)
			cr_expect(memcmp(&z[p][i], &want[i], sizeof(float)) == 0,
				  "path %d, line %zu: %a against %a", paths[p], i, (double)z[p][i],
				  (double)want[i]);
	}
}

/* The program gives the same output and the same rules (the probability's
 * step) whichever way it runs the trees, on three real pages. */
Test(nav, trees_paths_same_output)
{
	static const char *const inputs[] = { "nav/wsj.wet", "nav/cleaneval-16.wet",
					      "nav/panarmenian.wet" };
	for (size_t k = 0; k < 3; k++) {
		struct tu_str in = tu_data(inputs[k]), out[2] = { { 0 }, { 0 } }, why[2];
		for (int p = 0; p < 2; p++) {
			wn_plain_use(p ? WN_PLAIN_PATH_AVX2 : WN_PLAIN_PATH_SSE2);
			struct wn_stats st;
			out[p] = run_filter_as(in.ptr, in.len, true, WN_FORMAT_AUTO, &st);
			why[p] = explained;
			explained = (struct tu_str){ 0 };
			cr_assert_gt(st.dropped[WN_DROP_NAV], 10, "%s", inputs[k]);
		}
		wn_plain_use(WN_PLAIN_PATH_AUTO);
		cr_expect_str_eq(out[0].ptr, out[1].ptr, "%s", inputs[k]);
		cr_expect_str_eq(why[0].ptr, why[1].ptr, "%s", inputs[k]);
		for (int p = 0; p < 2; p++) {
			tu_free(&out[p]);
			tu_free(&why[p]);
		}
		tu_free(&in);
	}
}

static uint64_t next_random(uint64_t *r)
{
	*r = *r * 6364136223846793005u + 1442695040888963407u;
	return *r >> 33;
}

/* The line's features by the AVX2 steps (f[1]) and by the byte and code
 * point loops (f[0]). */
static void features_both_ways(const char *line, size_t len, struct wn_nav_feat f[2])
{
	for (int p = 0; p < 2; p++) {
		wn_plain_use(p ? WN_PLAIN_PATH_AVX2 : WN_PLAIN_PATH_SSE2);
		wn_nav_features(&nav, line, len, &f[p]);
	}
	wn_plain_use(WN_PLAIN_PATH_AUTO);
}

/* markup_features reads 32 bytes a step with AVX2 and a byte at a time
 * without: the same features either way, on lines whose markers, spaces
 * and multibyte characters sit on and across the steps' edges. */
Test(nav, markup_features_both_ways)
{
	static const char *const pieces[] = {
		"word ", "The ", "with ", "http://example.com/a ", "www.x.org ", "[photo.jpg] ",
		"(BUTTON) ", "12:30 ", "2019 ", "x2019 ", "22 comments", "Ж", "中", "😀", "é",
		"\t", ":", ".", "..", "(", ")", "[", "]", "h", "W", "0", "_", "a.jpeg ", "says:",
	};
	const size_t np = sizeof(pieces) / sizeof(pieces[0]);
	uint64_t r = 12345;
	char line[400];
	size_t differ = 0, lines = 0;
	for (unsigned k = 0; k < 3000; k++) {
		size_t len = 0;
		const unsigned n = 1 + (unsigned)(k % 40);
		for (unsigned i = 0; i < n; i++) {
			const char *p = pieces[next_random(&r) % np];
			const size_t pl = strlen(p);
			if (len + pl >= sizeof(line))
				break;
			memcpy(line + len, p, pl);
			len += pl;
		}
		struct wn_nav_feat f[2];
		features_both_ways(line, len, f);
		cr_expect(memcmp(f[0].markup, f[1].markup, sizeof(f[0].markup)) == 0,
			  "line %u: '%.*s'", k, (int)len, line);
		differ += f[0].markup[0] != 0.0f || f[0].markup[1] != 0.0f || f[0].markup[2] != 0.0f ||
			  f[0].markup[6] != 0.0f || f[0].markup[7] != 0.0f;
		lines += len >= 64;
	}
	cr_expect_gt(differ, 1000, "the lines hardly set the markup features");
	cr_expect_gt(lines, 1000, "too few lines of two steps or more");
}

/* A line's counts (words, capitals, digits, symbols, stop words, the title's
 * bits) from the AVX2 step over ASCII lines and from the code point loop
 * alike: random lines of words, capitals, digits, every kind of space and
 * of symbol, words of 64, 65 and 66 letters (where a word is cut), lines
 * across the 32-byte steps and around the longest line the step takes,
 * and now and then a byte that is not ASCII (the loop then reads it all). */
Test(nav, ascii_counts_both_ways)
{
	static char longw[3][70];
	for (int i = 0; i < 3; i++) {
		memset(longw[i], i == 1 ? 'B' : 'a' + i, (size_t)(64 + i));
		longw[i][64 + i] = ' ';
	}
	const char *const pieces[] = {
		"word ", "The ", "the ", "and ", "der ", "und ", "les ", "la ", "de ", "het ",
		"Dow ", "JONES ", "x", "Q", "0", "42 ", "2019", "it's ", "'", "\t", "\v", "\f",
		"\r", "\n", "\x01", "\x7f", "_", "-", ":", ".", "[img] ", "(BUTTON) ", " ", "  ",
		"Volkswagen ", "über ", "中", longw[0], longw[1], longw[2],
	};
	const size_t np = sizeof(pieces) / sizeof(pieces[0]);
	uint64_t r = 4242;
	static char line[4200];
	size_t ascii = 0, capped = 0, cut = 0, past = 0;
	for (unsigned k = 0; k < 4000; k++) {
		const size_t want = k % 97 == 0 ? 4080 + k % 40 : 1 + k % 150;
		size_t len = 0;
		while (len < want) {
			size_t i = next_random(&r) % np;
			if ((i == np - 4 || i == np - 5) && r >> 20 & 7) /* mostly ASCII lines */
				i = 0;
			const size_t pl = strlen(pieces[i]);
			if (len + pl > sizeof(line))
				break;
			memcpy(line + len, pieces[i], pl);
			len += pl;
		}
		struct wn_nav_feat f[2];
		features_both_ways(line, len, f);
		cr_expect(f[0].chars == f[1].chars && f[0].words == f[1].words &&
			  f[0].caps == f[1].caps && f[0].digits == f[1].digits &&
			  f[0].symbols == f[1].symbols && f[0].title_bits == f[1].title_bits &&
			  memcmp(f[0].stops, f[1].stops, sizeof(f[0].stops)) == 0 &&
			  f[0].ends == f[1].ends && f[0].line_hash == f[1].line_hash,
			  "line %u (%zu bytes): chars %u/%u words %u/%u caps %u/%u digits %u/%u "
			  "symbols %u/%u stops(en) %u/%u", k, len, f[0].chars, f[1].chars,
			  f[0].words, f[1].words, f[0].caps, f[1].caps, f[0].digits, f[1].digits,
			  f[0].symbols, f[1].symbols, f[0].stops[WN_NAV_EN], f[1].stops[WN_NAV_EN]);
		bool plain = true;
		for (size_t i = 0; i < len; i++)
			plain &= (unsigned char)line[i] < 0x80;
		ascii += plain;
		capped += plain && f[0].caps > 0 && f[0].stops[WN_NAV_EN] > 0 && f[0].digits > 0;
		cut += plain && f[0].title_bits == ~0ull;
		past += len > 4096;
	}
	cr_expect_gt(ascii, 3000, "too few ASCII lines");
	cr_expect_gt(capped, 1000, "the lines hardly have capitals, stop words and digits");
	cr_expect_gt(cut, 100, "too few words cut");
	cr_expect_gt(past, 10, "no line longer than the AVX2 step takes");
}
