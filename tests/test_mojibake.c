/* test_mojibake.c - the mojibake repair on ftfy's public test cases
 * (tests/data/ftfy, see tests/data/SOURCE.md) and the suspicion score. */
#include <criterion/criterion.h>

#include "common.h"
#include "internal.h"
#include "jsoncases.h"
#include "repair_util.h"

TestSuite(mojibake);

/* ftfy also straightens curly quotes; we keep them ("repairing is not
 * restyling"), so results are compared with quotes straightened. */
static void uncurl(char *s)
{
	static const char *const from[] = { "\u2018", "\u2019", "\u201a", "\u201b",
					    "\u201c", "\u201d", "\u201e", "\u201f" };
	char *o = s;
	for (const char *p = s; *p;) {
		size_t i = 0;
		while (i < 8 && strncmp(p, from[i], strlen(from[i])) != 0)
			i++;
		if (i < 8) {
			*o++ = i < 4 ? '\'' : '"';
			p += strlen(from[i]);
		} else {
			*o++ = *p++;
		}
	}
	*o = '\0';
}

/* Our repair of a case, with the spaces rule off: ftfy keeps NBSPs. */
static struct repaired repair_case(const struct jcase *c)
{
	struct wn_options opt = { 0 };
	opt.repair_off = UINT64_C(1) << WN_REPAIR_SPACES;
	return repair_opt(&opt, c->original, strlen(c->original));
}

static bool fixes_case(const struct jcase *c, struct repaired *out)
{
	*out = repair_case(c);
	char *want = strdup(c->fixed);
	uncurl(want);
	uncurl(out->text);
	const bool ok = strcmp(out->text, want) == 0;
	free(want);
	return ok;
}

/* Cases we get wrong on purpose or cannot get right, by the start of their
 * original text; each must still fail, so the list stays true. */
struct miss {
	const char *prefix;
	const char *why;
};

/* Runs every case of file that ftfy expects to pass; all must pass but the
 * misses. Prints the tally. */
static void check_file(const char *file, const struct miss *misses, size_t nmisses)
{
	struct jcase *cases;
	const size_t n = read_json_cases(file, &cases);
	size_t fixed = 0, total = 0;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(cases[i].expect, "pass") != 0)
			continue;
		total++;
		struct repaired out;
		const bool ok = fixes_case(&cases[i], &out);
		fixed += ok;
		const struct miss *m = NULL;
		for (size_t k = 0; k < nmisses; k++)
			if (strncmp(cases[i].original, misses[k].prefix, strlen(misses[k].prefix)) == 0)
				m = &misses[k];
		if (m)
			cr_expect(!ok, "%s: \"%s\" is listed as a miss (%s) but now passes", file,
				  cases[i].original, m->why);
		else
			cr_expect(ok, "%s: \"%s\"\n  got  \"%s\" (%s)\n  want \"%s\"", file,
				  cases[i].original, out.text, out.rules, cases[i].fixed);
		free(out.text);
	}
	fprintf(stderr, "mojibake: %s: %zu of %zu cases fixed\n", file, fixed, total);
	free_json_cases(cases, n);
}

Test(mojibake, ftfy_in_the_wild)
{
	static const struct miss misses[] = {
		{ "\u0149 Chloroplas", "U+0149 is not mojibake but a deprecated letter; NFKC only" },
	};
	check_file("tests/data/ftfy/in-the-wild.dev.json", misses, 1);
}

Test(mojibake, ftfy_synthetic)
{
	static const struct miss misses[] = {
		{ "These control characters", "we remove U+0081, a control character; ftfy keeps it" },
	};
	check_file("tests/data/ftfy/synthetic.json", misses, 1);
}

Test(mojibake, ftfy_language_names)
{
	check_file("tests/data/ftfy/language-names.json", NULL, 0);
}

/* Text that looks odd but is right: the mojibake rule must not fire, and
 * the rest must agree with ftfy (which also reads "parlé\x85" as "…"). */
Test(mojibake, ftfy_negative_cases_untouched)
{
	struct jcase *cases;
	const size_t n = read_json_cases("tests/data/ftfy/negative.json", &cases);
	cr_assert_eq(n, 31);
	for (size_t i = 0; i < n; i++) {
		struct repaired out;
		const bool ok = fixes_case(&cases[i], &out);
		cr_expect(!(out.fired & (1u << WN_REPAIR_MOJIBAKE)) && ok,
			  "\"%s\" became \"%s\" (%s)", cases[i].original, out.text, out.rules);
		free(out.text);
	}
	free_json_cases(cases, n);
}

/* ftfy fails these too; whatever we make of them must be valid UTF-8 and
 * stable under a second repair. */
Test(mojibake, ftfy_known_failures_stay_sane)
{
	struct jcase *cases;
	const size_t n = read_json_cases("tests/data/ftfy/known-failures.json", &cases);
	struct wn_repair r;
	const struct wn_options opt = { 0 };
	cr_assert_eq(wn_repair_init(&r, &opt), 0);
	size_t fixed = 0;
	for (size_t i = 0; i < n; i++) {
		struct repaired out = repair_with(&r, cases[i].original, strlen(cases[i].original));
		struct repaired bad;
		cr_expect(wn_utf8_valid(out.text, out.len), "%s", cases[i].original);
		cr_expect(repair_is_stable(&r, out.text, out.len, &bad), "\"%s\" -> \"%s\" -> \"%s\"",
			  cases[i].original, out.text, bad.text);
		free(out.text);
		struct repaired f;
		fixed += fixes_case(&cases[i], &f);
		free(f.text);
	}
	fprintf(stderr, "mojibake: known-failures.json: %zu of %zu cases fixed\n", fixed, n);
	wn_repair_free(&r);
	free_json_cases(cases, n);
}

/* ---- The score ----------------------------------------------------------- */

static unsigned badness_of(const char *s)
{
	int32_t cps[256];
	size_t n = 0;
	for (size_t i = 0; s[i];) {
		const size_t len = wn_utf8_decode((const unsigned char *)s + i, strlen(s + i), &cps[n]);
		cr_assert(len && n < 256, "%s", s);
		n++;
		i += len;
	}
	return wn_mojibake_badness(cps, n);
}

Test(mojibake, score_is_zero_on_real_text)
{
	static const char *const clean[] = {
		"Gr\u00fc\u00dfe aus M\u00fcnchen, sagte der Stra\u00dfenb\u00e4cker",
		"\u00c0 la fa\u00e7on fran\u00e7aise : \u00ab\u00a0d\u00e9j\u00e0 vu\u00a0\u00bb, 25\u00a0\u00b0C",
		"S\u00e3o Paulo, IRM\u00c3\u201d e N\u00c3O \u2014 a\u00e7\u00e3o",
		"NESTL\u00c9\u00ae, 5\u00d7\u00a335, \u00bd kg, \u00a7 12 \u00b6 3, \u00a9 2020",
		"Officiële, \u0161\u0107\u010d\u0111\u017e, \u0141\u00f3d\u017a, \u0103\u00ee\u0219\u021b",
		"\u041f\u0440\u0438\u0432\u0435\u0442, \u0440\u0456\u043a \u0457\u0436\u0430\u043a \u0491",
		"\u0395\u03bb\u03bb\u03b7\u03bd\u03b9\u03ba\u03ac \u65e5\u672c\u8a9e \ud55c\uad6d\uc5b4 \u0639\u0631\u0628\u064a",
		"(-1/2)! = \u221a\u03c0, x \u2264 y \u2265 z, \u221e \u00b1 1",
		"\u251c\u2524a\u253c\u2510 \u2500\u2500 \u2588\u2591",
		"She said \u201chi\u201d \u2013 it\u2019s \u2018fine\u2019\u2026 \u2022 item",
	};
	for (size_t i = 0; i < sizeof(clean) / sizeof(clean[0]); i++)
		cr_expect_eq(badness_of(clean[i]), 0, "\"%s\"", clean[i]);
}

Test(mojibake, score_finds_each_kind_of_mojibake)
{
	static const char *const dirty[] = {
		"caf\u00c3\u00a9",                      /* UTF-8 as Windows-1252 */
		"don\u00e2\u20ac\u2122t",
		"\u00c3\xc2\x83" "\u00c2\u00a9",             /* twice */
		"r\u00c3\xc2\x89" "sum\u00c3\u00a9",
		"x\xc2\x80" "y",                              /* a C1 control */
		"\u0420\u045f\u0421\u0402\u0420\u0451",  /* Windows-1251 */
		"\u0432\u0402\u201c dash",
		"Zam\u221a\u2264",                       /* Mac OS Roman */
		"\u2568\u2510\u2564\u00c7",              /* CP437 */
		"\u00ce\u00b3 rays",                     /* Greek */
		"voil\u00c3 le travail",                 /* a lost NBSP */
	};
	for (size_t i = 0; i < sizeof(dirty) / sizeof(dirty[0]); i++)
		cr_expect_gt(badness_of(dirty[i]), 0, "\"%s\"", dirty[i]);
}

/* Repairing must lower the score: double mojibake scores above single. */
Test(mojibake, score_falls_as_layers_come_off)
{
	cr_expect_gt(badness_of("n\u00c3\u0192\u00c2\u00a9"), badness_of("n\u00c3\u00a9"));
	cr_expect_gt(badness_of("\u0413\u201a\u0412\u0408"), badness_of("\u00c2\u00a3"));
	cr_expect_eq(badness_of("n\u00e9"), 0);
}
