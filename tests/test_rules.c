/* test_rules.c - rules.c: the rules format, its errors, and matching a line
 * by line:, prefix:, words: and regex: rules. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xxhash.h>

#include "common.h"
#include "internal.h"

#define SEED 42

static struct wn_rules rules;

static void setup(void)
{
	cr_assert_eq(wn_rules_init(&rules, SEED), 0);
}

static void teardown(void)
{
	wn_rules_free(&rules);
}

TestSuite(rules, .init = setup, .fini = teardown);

static int add(const char *text, struct wn_diag *diag)
{
	return wn_rules_add(&rules, "test.rules", text, strlen(text), diag);
}

/* The name of the group matching line, or NULL, keying it as the filter does. */
static const char *match(const char *line)
{
	char key[4096];
	const size_t n = strlen(line);
	cr_assert_lt(3 * n, sizeof(key));
	const size_t kl = wn_key_normalize(line, n, key, sizeof(key));
	const struct wn_line text = { (char *)line, n };
	const struct wn_line k = { key, kl };
	const int g = wn_rules_match(&rules, &text, &k, XXH3_64bits_withSeed(key, kl, SEED));
	return g < 0 ? NULL : rules.groups[g].name;
}

static void expect_match(const char *line, const char *group)
{
	const char *got = match(line);
	if (group)
		cr_expect(got && strcmp(got, group) == 0, "'%s': expected %s, got %s", line, group,
			  got ? got : "no match");
	else
		cr_expect_null(got, "'%s': expected no match, got %s", line, got);
}

Test(rules, line_rules_match_the_whole_key)
{
	cr_assert_eq(add("[forms]\nline: Leave a Reply\nline: Comments are closed.\n", NULL), 0);
	expect_match("Leave a Reply", "forms");
	expect_match("LEAVE A REPLY", "forms");
	expect_match("  Leave   a reply", "forms");
	expect_match("Leave a Reply:", NULL); /* a colon labels what follows */
	expect_match("Leave a reply to this letter", NULL);
	expect_match("Please leave a reply", NULL);
	expect_match("Comments are closed.", "forms");
	expect_match("Comments are closed", "forms");
}

Test(rules, line_rules_without_a_stop_skip_sentences)
{
	cr_assert_eq(add("[nav]\nline: More\nline: Home\nline: Loading...\n", NULL), 0);
	expect_match("More", "nav");
	expect_match("MORE »", "nav");
	expect_match("more.", NULL); /* the end of a wrapped sentence */
	expect_match("Home!", NULL);
	expect_match("Loading", "nav"); /* a rule with a stop matches both */
	expect_match("Loading…", "nav");
}

Test(rules, prefix_rules_match_at_word_boundaries_on_short_lines)
{
	cr_assert_eq(add("[meta]\nprefix: Posted in\nprefix: Posted in the archive of\n", NULL), 0);
	expect_match("Posted in News", "meta");
	expect_match("Posted in", "meta");
	expect_match("posted in: Sports, Politics", "meta");
	expect_match("Posted inside the box", NULL);
	expect_match("He posted in the forum", NULL);
	/* 12 words at most (the group's max-words). */
	expect_match("Posted in one two three four five six seven eight nine ten", "meta");
	expect_match("Posted in one two three four five six seven eight nine ten eleven", NULL);
}

Test(rules, max_words_widens_a_group)
{
	cr_assert_eq(add("[cookie max-words=30]\nprefix: This site uses cookies\n", NULL), 0);
	expect_match("This site uses cookies. By continuing to browse the site you are "
		     "agreeing to our use of cookies and our privacy policy.", "cookie");
	char longer[1024] = "This site uses cookies";
	for (int i = 0; i < 30; i++)
		strcat(longer, " and more");
	expect_match(longer, NULL);
}

Test(rules, words_rules_need_every_word)
{
	cr_assert_eq(add("[buttons]\nwords: Facebook Twitter Email\nwords: Print\n", NULL), 0);
	expect_match("Facebook", "buttons");
	expect_match("Twitter Facebook Email Print", "buttons");
	expect_match("Facebook | Twitter", "buttons");
	expect_match("Facebook shares fell", NULL);
	expect_match("Email:", NULL);
	expect_match("Twitter.", NULL);
}

Test(rules, regex_rules_see_the_text_caseless)
{
	cr_assert_eq(add("[counter]\nregex: ^\\d[\\d.,]*\\s?[km]?\\s+(likes?|views?)$\n"
			 "[copy]\nregex: ^(©|\\(c\\))\n", NULL), 0);
	expect_match("12 likes", "counter");
	expect_match("1.2K views", "counter");
	expect_match("1,234 Views", "counter");
	expect_match("He likes 12 views", NULL);
	expect_match("© 2019 Foo Inc.", "copy");
	expect_match("(c) Foo", "copy");
	expect_match("Foo ©", NULL);
}

Test(rules, regex_rules_skip_long_lines)
{
	cr_assert_eq(add("[x]\nregex: reserved\n", NULL), 0);
	expect_match("All rights reserved.", "x");
	expect_match("One two three four five six seven eight nine ten eleven twelve thirteen "
		     "reserved", NULL);
}

Test(rules, any_zone_wins_over_tail)
{
	cr_assert_eq(add("[credits tail]\nprefix: Photo\n[buttons]\nline: Photo gallery\n", NULL),
		     0);
	expect_match("Photo gallery", "buttons");
	expect_match("Photo: Jane Doe", "credits");
	cr_assert(rules.zones);
}

Test(rules, first_rule_names_a_phrase)
{
	cr_assert_eq(add("[a]\nline: Subscribe\n[b]\nline: subscribe\n", NULL), 0);
	expect_match("Subscribe", "a");
}

Test(rules, rules_before_a_group_take_the_source_name)
{
	cr_assert_eq(add("# comment\n\n   line: Hello there\r\n", NULL), 0);
	expect_match("Hello there", "test.rules");
	cr_expect(!rules.zones);
}

struct bad_case {
	const char *text;
	size_t line;
	const char *msg; /* a part of the message */
};

static const struct bad_case bad_cases[] = {
	{ "[open\n", 1, "must end in ']'" },
	{ "# ok\n[]\n", 2, "needs a name" },
	{ "[a b]\n", 1, "unknown group attribute 'b'" },
	{ "[a/b]\n", 1, "only letters" },
	{ "[a tail footer]\n", 1, "not both" },
	{ "[a max-words=0]\n", 1, "max-words" },
	{ "[a max-words=x]\n", 1, "max-words" },
	{ "[a max-words=1001]\n", 1, "max-words" },
	{ "line: ok\nfoo: bar\n", 2, "unknown rule kind 'foo'" },
	{ "line: ok\n\njust text\n", 3, "expected 'line:'" },
	{ "line:\n", 1, "empty pattern" },
	{ "prefix:   \t\n", 1, "empty pattern" },
	{ "line: ***\n", 1, "no letters or digits" },
	{ "words: --\n", 1, "no letters or digits" },
	{ "regex: (a+\n", 1, "regex: missing closing parenthesis" },
	{ "regex: [z-a]\n", 1, "regex:" },
	{ "[a max-words=2]\nprefix: one two three\n", 2, "never matches" },
};

Test(rules, malformed_rules_name_their_line)
{
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		struct wn_rules r;
		struct wn_diag diag;
		memset(&diag, 0, sizeof(diag));
		cr_assert_eq(wn_rules_init(&r, 0), 0);
		const int rc = wn_rules_add(&r, "bad.rules", c->text, strlen(c->text), &diag);
		cr_expect_eq(rc, WN_E_INVAL, "case %zu", i);
		cr_expect_eq(diag.err, WN_E_INVAL, "case %zu", i);
		cr_expect_eq(diag.line, c->line, "case %zu: line %zu", i, diag.line);
		cr_expect_str_eq(diag.source, "bad.rules");
		cr_expect(strstr(diag.msg, c->msg) != NULL, "case %zu: '%s' lacks '%s'", i,
			  diag.msg, c->msg);
		wn_rules_free(&r);
	}
}

Test(rules, diag_may_be_null)
{
	cr_expect_eq(add("nonsense\n", NULL), WN_E_INVAL);
}

/* (a+)+$ on a's followed by another character tries 2^n ways: without the
 * match limit this line alone would take hours. */
Test(rules, catastrophic_regex_gives_up, .timeout = 10)
{
	cr_assert_eq(add("[bad]\nregex: (a+)+$\n", NULL), 0);
	char line[64];
	memset(line, 'a', 40);
	strcpy(line + 40, "!");
	const clock_t t0 = clock();
	expect_match(line, NULL);
	cr_expect_eq(wn_rules_regex_limited(&rules), 1);
	expect_match("aaaa", "bad");
	cr_expect_lt((double)(clock() - t0) / CLOCKS_PER_SEC, 1.0);
}

/* The table's answer agrees with a plain scan of the rules, and many rules
 * do not slow a lookup down. */
Test(rules, thousands_of_rules)
{
	enum { N = 5000 };
	static char text[N * 48];
	size_t len = 0;
	len += (size_t)sprintf(text + len, "[many]\n");
	for (int i = 0; i < N; i++)
		len += (size_t)sprintf(text + len, "%s: menu item %d of %d\n",
				       i % 2 ? "prefix" : "line", i, i * 7 % 13);
	cr_assert_eq(wn_rules_add(&rules, "many", text, len, NULL), 0);
	char line[128];
	for (int i = 0; i < N; i++) {
		sprintf(line, "Menu item %d of %d", i, i * 7 % 13);
		expect_match(line, "many");
		sprintf(line, "Menu item %d of %d and more", i, i * 7 % 13);
		expect_match(line, i % 2 ? "many" : NULL);
		sprintf(line, "Menu item %d of %d", i, i * 7 % 13 + 13);
		expect_match(line, NULL);
	}
	expect_match("Menu item", NULL);
}

Test(rules, builtin_rules_compile)
{
	struct wn_diag diag;
	const int rc = wn_rules_add(&rules, "builtin", (const char *)wn_builtin_rules_text,
				    wn_builtin_rules_len, &diag);
	cr_assert_eq(rc, 0, "builtin:%zu: %s", diag.line, diag.msg);
	cr_expect_gt(rules.ngroups, 15);
	cr_expect(rules.zones);
	size_t len;
	cr_expect_eq(wn_builtin_rules(&len), (const char *)wn_builtin_rules_text);
	cr_expect_eq(len, wn_builtin_rules_len);
}

/* ---- The literal test before PCRE2 ------------------------------------------ */

/* Matches a line as the filter does, with the literal test on or off. */
static int match_line(const char *p, size_t n, bool prefilter)
{
	static char key[3 * 65536];
	const size_t kl = wn_key_normalize(p, n, key, sizeof(key));
	const struct wn_line text = { (char *)(uintptr_t)p, n };
	const struct wn_line k = { key, kl };
	rules.prefilter_off = !prefilter;
	return wn_rules_match(&rules, &text, &k, XXH3_64bits_withSeed(key, kl, SEED));
}

/* Every line of text: the same verdict with and without the literal test.
 * Returns how many lines a regex group matched. */
static size_t same_verdicts(const char *text, size_t len, const char *what)
{
	size_t matched = 0, line_no = 0;
	for (const char *p = text, *const end = text + len; p < end; line_no++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);
		if (n && p[n - 1] == '\r')
			n--;
		if (n < 65536) {
			const int with = match_line(p, n, true), without = match_line(p, n, false);
			cr_assert_eq(with, without, "%s line %zu: group %d with the test, %d without: %.*s",
				     what, line_no + 1, with, without, (int)n, p);
			matched += with >= 0 && strcmp(rules.groups[with].name, "copyright") == 0;
		}
		p = nl ? nl + 1 : end;
	}
	return matched;
}

Test(rules, literal_test_keeps_every_verdict_on_real_text)
{
	cr_assert_eq(wn_rules_add(&rules, "builtin", (const char *)wn_builtin_rules_text,
				  wn_builtin_rules_len, NULL), 0);
	static const char *const files[] = {
		"tests/data/clean-gold.txt", "tests/data/aeb-25.txt", "tests/data/warc-head.txt",
		"tests/data/dolma-0000.lynx.wet", "tests/data/whirlwind.warc.wet",
		"tests/data/boiler/cleaneval-38.scraped.txt",
		"tests/data/boiler/scrapinghub-264dc3ae3124.scraped.txt",
		"tests/data/boiler/scrapinghub-359fee228518.scraped.txt",
	};
	size_t matched = 0;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		size_t len;
		char *text = read_source_file(files[i], &len);
		matched += same_verdicts(text, len, files[i]);
		free(text);
	}
	/* Lines made to meet the test's edges: case, the characters caseless
	 * matching takes for ASCII letters (long s U+017F, Kelvin sign U+212A,
	 * Turkish I U+0130), branches after the first, anchored branches with
	 * an optional byte, a needle split by a line's end. */
	static const char edge[] =
		"All Rights Reserved.\n"
		"© 2021 Acme Inc. ALL RIGHTS RESERVED\n"
		"Copyright 2019 all rights re\xc5\xbf" "erved\n"
		"Tous droits réservés - Le Monde\n"
		"TODOS LOS DERECHOS RESERVADOS 2020\n"
		"Alle Rechte vorbehalten.\n"
		"all rights\n"
		"reserved all rights\n"
		"\xe2\x84\xaa" "ommentar *\n"
		"Kommentar *\n"
		"E-Mail *\n"
		"email *\n"
		"EMAIL *\n"
		"Website *\n"
		"\xc4\xb0" "tem *\n"
		"Nombre *\n"
		"Tags: news, world\n"
		"Étiquettes : monde\n"
		"12 comments\n"
		"No replies\n";
	matched += same_verdicts(edge, sizeof(edge) - 1, "edge cases");
	cr_assert_geq(matched, 6, "only %zu copyright lines", matched);
	/* The test spares PCRE2 a good part of its calls (31601 of 44716 on
	 * this text remain, mostly anchored rules whose first byte fits). */
	size_t len;
	char *text = read_source_file("tests/data/clean-gold.txt", &len);
	uint64_t with = 0, without = 0;
	for (const char *p = text, *const end = text + len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const size_t n = (size_t)((nl ? nl : end) - p);
		rules.regex_calls = 0;
		match_line(p, n, true);
		with += rules.regex_calls;
		rules.regex_calls = 0;
		match_line(p, n, false);
		without += rules.regex_calls;
		p = nl ? nl + 1 : end;
	}
	free(text);
	cr_assert_lt(with * 4, without * 3, "PCRE2 ran %llu times with the test, %llu without",
		     (unsigned long long)with, (unsigned long long)without);
}
