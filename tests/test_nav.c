/* test_nav.c - --strip-nav: the stop word lists, a line's features, the
 * language guess, the context pass on a real page (a menu run goes, a
 * heading, a list and a one-line quotation inside the article stay), and
 * the program on text, JSON Lines and WET input. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "nav.h"
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
		cr_assert_eq(wn_nav_add(&nav, &v, p), 0);
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

static struct tu_str run_filter(const char *in, size_t len, bool strip, struct wn_stats *st)
{
	struct tu_str out = { 0 };
	const struct wn_options opt = {
		.write = tu_write, .write_ctx = &out, .strip_nav = strip, .explain = on_explain,
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
	static const char *const inputs[] = { "wsj.txt", "wsj.jsonl", "wsj.wet" };
	for (size_t i = 0; i < 3; i++) {
		char args[1024];
		snprintf(args, sizeof(args), "--strip-nav --stats '%s/tests/data/nav/%s' 2>&1",
			 WN_SOURCE_DIR, inputs[i]);
		struct tu_str out = run_cli(args);
		cr_expect(strstr(out.ptr, "Gaming used to be so simple."), "%s: %s", inputs[i], out.ptr);
		cr_expect_not(strstr(out.ptr, "Commercial Real Estate"), "%s", inputs[i]);
		cr_expect(strstr(out.ptr, "  nav  "), "%s: no nav in --stats: %s", inputs[i], out.ptr);
		tu_free(&out);
	}
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
	snprintf(cmd, sizeof(cmd), "'%s' --strip-nav --nav-stop-low=2 </dev/null >/dev/null 2>&1",
		 WINNOW_BIN);
	const int status = system(cmd);
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 2);
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
