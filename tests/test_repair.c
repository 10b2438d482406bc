/* test_repair.c - the character repair stage: every rule, with the text it
 * must fix and the text it must leave alone; the options; the fast path;
 * long lines; properties on random text (idempotence, valid UTF-8 out);
 * the normalization quick check; and the stage seen through wn_filter. */
#include <criterion/criterion.h>
#include <utf8proc.h>

#include "common.h"
#include "internal.h"
#include "repair_util.h"

TestSuite(repair);

struct rcase {
	const char *in;
	const char *want;  /* NULL: unchanged */
	const char *rules; /* the rules that fire, in rule order */
};

static void check_cases(const struct wn_options *opt, const struct rcase *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct rcase *c = &cases[i];
		struct repaired out = repair_opt(opt, c->in, strlen(c->in));
		char e1[512], e2[512], e3[512];
		const char *want = c->want ? c->want : c->in;
		cr_expect(out.len == strlen(want) && memcmp(out.text, want, out.len) == 0,
			  "\"%s\": got \"%s\", want \"%s\"", escaped(c->in, strlen(c->in), e1, 512),
			  escaped(out.text, out.len, e2, 512), escaped(want, strlen(want), e3, 512));
		cr_expect_str_eq(out.rules, c->want ? c->rules : "", "\"%s\": rules",
				 escaped(c->in, strlen(c->in), e1, 512));
		if (!c->want)
			cr_expect(out.same_ptr, "\"%s\": unchanged but copied", e1);
		free(out.text);
	}
}

#define CHECK(opt, cases) check_cases(opt, cases, sizeof(cases) / sizeof(cases[0]))

Test(repair, invalid_utf8)
{
	static const struct rcase cases[] = {
		/* In a line that is partly UTF-8, each maximal ill-formed
		 * subpart becomes one U+FFFD (Unicode's recommended practice). */
		{ "na\u00efve caf\xc3", "na\u00efve caf\ufffd", "invalid-utf8" },
		{ "\u00e9\xe2\x82x", "\u00e9\ufffdx", "invalid-utf8" },
		{ "\u00e9\xed\xa0\x80", "\u00e9\ufffd\ufffd\ufffd", "invalid-utf8" }, /* surrogate */
		{ "\u00e9\xf4\x90\x80\x80", "\u00e9\ufffd\ufffd\ufffd\ufffd", "invalid-utf8" },
		{ "\u00e9\xc0\xaf", "\u00e9\ufffd\ufffd", "invalid-utf8" },        /* overlong */
		{ "\u00e9\xf0\x9f\x98", "\u00e9\ufffd", "invalid-utf8" },          /* cut short */
		{ "\xff\u00e9\xfe", "\ufffd\u00e9\ufffd", "invalid-utf8" },
		/* Left alone: valid UTF-8 of every length. */
		{ "na\u00efve \u65e5\u672c \U0001F600 \u0800 \U0010FFFD", NULL, NULL },
	};
	CHECK(NULL, cases);
}

Test(repair, invalid_utf8_dropped_on_request)
{
	static const struct rcase cases[] = {
		{ "\u00e9\xff\xfe!", "\u00e9!", "invalid-utf8" },
		{ "\u00e9\xe2\x82x", "\u00e9x", "invalid-utf8" },
	};
	struct wn_options opt = { 0 };
	opt.invalid = WN_INVALID_DROP;
	CHECK(&opt, cases);
}

Test(repair, windows_1252_lines)
{
	static const struct rcase cases[] = {
		/* Not UTF-8 anywhere: the whole line is Windows-1252. */
		{ "caf\xe9 cr\xe8me br\xfbl\xe9\x65", "caf\u00e9 cr\u00e8me br\u00fbl\u00e9e",
		  "windows-1252" },
		{ "\x93quoted\x94 \x96 \x80" "5\x85", "\u201cquoted\u201d \u2013 \u20ac" "5\u2026",
		  "windows-1252" },
		/* A byte Windows-1252 leaves undefined is a control: removed. */
		{ "a\x81" "b", "ab", "windows-1252,controls" },
	};
	CHECK(NULL, cases);
}

Test(repair, entities)
{
	static const struct rcase cases[] = {
		{ "Fish &amp; Chips", "Fish & Chips", "entities" },
		{ "caf&eacute; &#233; &#xE9;", "caf\u00e9 \u00e9 \u00e9", "entities" },
		{ "Trump&#39;s &ldquo;deal&rdquo;&#8230;", "Trump's \u201cdeal\u201d\u2026", "entities" },
		{ "&amp;lt;double&amp;gt;", "<double>", "entities" },
		/* What an entity decodes to is repaired like any text. */
		{ "a&nbsp;b", "a b", "entities,spaces" },
		{ "a&#1;b", "ab", "entities,controls" },
		{ "one&#x2028;two", "one\ntwo", "entities,line-breaks" },
		{ "caf&Atilde;&copy;", "caf\u00e9", "entities,mojibake" },
		/* Left alone: no entity, or a line that may be markup or code. */
		{ "AT&T, Q&A, &amp without a semicolon", NULL, NULL },
		{ "<p>Fish &amp; Chips</p>", NULL, NULL },
		{ "write &lt; instead of < to get a less-than sign", NULL, NULL },
	};
	CHECK(NULL, cases);
}

Test(repair, mojibake)
{
	static const struct rcase cases[] = {
		{ "caf\u00c3\u00a9", "caf\u00e9", "mojibake" },
		{ "don\u00e2\u20ac\u2122t", "don\u2019t", "mojibake" },
		{ "NESTL\u00c3\u2030\u00c2\u00ae", "NESTL\u00c9\u00ae", "mojibake" },
		{ "n\u00c3\u0192\u00c2\u00a9", "n\u00e9", "mojibake" },              /* twice over */
		{ "l\u2019\u00c3\u00a9t\u00c3\u00a9", "l\u2019\u00e9t\u00e9", "mojibake" }, /* mixed */
		{ "\u00e2\xc2\x80" "\xc2\x9c" "hi\u00e2\xc2\x80" "\xc2\x9d", "\u201chi\u201d", "mojibake" }, /* Latin-1 */
		{ "\u0420\u0457\u0421\u0402\u0420\u0451\u0420\u0406\u0420\u00b5\u0421\u201a",
		  "\u043f\u0440\u0438\u0432\u0435\u0442", "mojibake" },             /* Windows-1251 */
		{ "Li\u0102\u00a8ge", "Li\u00e8ge", "mojibake" },                   /* Windows-1250 */
		{ "Zam\u221a\u2264", "Zam\u00f2", "mojibake" },                     /* Mac OS Roman */
		{ "\u2568\u2510\u2564\u00c7\u2568\u2591", "\u043f\u0440\u0430", "mojibake" }, /* CP437 */
		{ "voil\u00c3 le travail", "voil\u00e0 le travail", "mojibake" },  /* lost NBSP */
		{ "aten\u00c3\u00a7\u00c3\u00a3o \u00c3 s crian\u00c3\u00a7as",
		  "aten\u00e7\u00e3o \u00e0s crian\u00e7as", "mojibake" },
		{ "\u00e2\u20ac\u0153lossy\u00e2\u20ac\ufffd", "\u201clossy\ufffd", "mojibake" },
		{ "guys \u00ed\u00a0\u00bd\u00ed\u00b8\xc2\x8d", "guys \U0001F60D", "mojibake" }, /* CESU-8 */
		/* The issue's must-survive cases, and ftfy's favourite traps. */
		{ "NESTL\u00c9\u00ae requiere", NULL, NULL },
		{ "IRM\u00c3\u201d", NULL, NULL },
		{ "Offici\u00eble", NULL, NULL },
		{ "Bremer/Mccoy \u2013 Dr\u00c3\u00a5ber", NULL, NULL },
		{ "\u00d4\u00f4\u00f4 VIDA MINHA", NULL, NULL },
		{ "(-1/2)! = \u221a\u03c0", NULL, NULL },
		{ "\u251c\u2524a\u253c\u2510a\u253c\u2510a", NULL, NULL },
		{ "\u0412\u0406\u041a\u0406 is Ukrainian for WIKI", NULL, NULL },
		{ "\u041f\u043e\u0437\u0434\u0440\u0430\u0432\u0402\u0430\u0432\u043e", NULL, NULL },
		{ "Offering 5\u00d7\u00a335 pin ups", NULL, NULL },
		{ "C O N C L U S \u00c3 O", NULL, NULL },
	};
	CHECK(NULL, cases);
}

Test(repair, c1_controls)
{
	static const struct rcase cases[] = {
		{ "don\xc2\x92" "t \xc2\x96" " \xc2\x80" "5", "don\u2019t \u2013 \u20ac" "5", "c1-controls" },
		{ "wait\xc2\x85", "wait\u2026", "c1-controls" },
		{ "parl\u00e9\xc2\x85" " Tu sais", "parl\u00e9\u2026 Tu sais", "c1-controls" },
		{ "quotes\xc2\x85" "\xc2\x94", "quotes\u2026\u201d", "c1-controls" },
		/* Amid text Windows-1252 cannot hold, a C1 control is debris. */
		{ "\u8b66\u544a\xc2\x9a" "q", "\u8b66\u544aq", "controls" },
	};
	CHECK(NULL, cases);
}

Test(repair, controls_bom_invisible)
{
	static const struct rcase cases[] = {
		{ "a\x01" "b\x1b[0mc\x7f", "ab[0mc", "controls" },
		{ "a\xc2\x81" "b\xc2\x9d" "c", "abc", "controls" },
		{ "\ufeffTitle", "Title", "bom" },
		{ "a\ufeffb", "ab", "bom" },
		{ "\ufff9x\ufffay\ufffb \ufffc!", "xy !", "invisible" },
		{ "\u206aa\u206fb\U000E0001", "ab", "invisible" },
		/* Kept: TAB, joiners, variation selectors, zero-width space,
		 * bidi marks, curly quotes, dashes and ellipses. */
		{ "a\tb", NULL, NULL },
		{ "\U0001F468\u200d\U0001F469 \u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645", NULL, NULL },
		{ "\u2764\ufe0f \u845b\U000E0100 a\u200bb \u200fx\u200e", NULL, NULL },
		{ "\u201ca\u201d \u2018b\u2019 \u2013 \u2014 \u2026", NULL, NULL },
		{ "\U000E0067\U000E0062\U000E007F", NULL, NULL }, /* emoji tag characters */
	};
	CHECK(NULL, cases);
}

Test(repair, controls_nul)
{
	const char in[] = "a\0b";
	struct repaired out = repair_opt(NULL, in, 3);
	cr_assert_eq(out.len, 2);
	cr_assert_str_eq(out.text, "ab");
	cr_assert_str_eq(out.rules, "controls");
	free(out.text);
}

Test(repair, line_breaks)
{
	static const struct rcase cases[] = {
		{ "one\rtwo\r\rthree", "one\ntwo\n\nthree", "line-breaks" },
		{ "a\u2028b\u2029c", "a\nb\nc", "line-breaks" },
		{ "line\xc2\x85" "next", "line\nnext", "line-breaks" },
		/* A CR ending the line is trailing space: the filter trims it. */
		{ "end\r", NULL, NULL },
		{ "end\r \r", NULL, NULL },
	};
	CHECK(NULL, cases);
}

Test(repair, spaces)
{
	static const struct rcase cases[] = {
		{ "a\u00a0b", "a b", "spaces" },
		{ "a\u2003b\u2009c\u200ad\u202fe\u205ff\u1680g", "a b c d e f g", "spaces" },
		{ "end.\u00a0", "end. ", "spaces" },
		/* Kept: French no-break spaces, digit groups, the ideographic
		 * space of CJK text. */
		{ "Quoi\u00a0? Oui\u202f! Non\u00a0: \u00ab\u00a0Bon\u00a0\u00bb", NULL, NULL },
		{ "10\u00a0000 \u20ac, 1\u202f234\u202f567, 12\u20073", NULL, NULL },
		{ "\u65e5\u672c\u3000\u8a9e", NULL, NULL },
	};
	CHECK(NULL, cases);
}

Test(repair, nfc)
{
	static const struct rcase cases[] = {
		{ "cafe\u0301", "caf\u00e9", "nfc" },
		{ "\u212b \u2126", "\u00c5 \u03a9", "nfc" },              /* singletons */
		{ "a\u0302\u0323", "\u1ead", "nfc" },                      /* reordered, composed */
		{ "\u1100\u1161\u11a8", "\uac01", "nfc" },                 /* Hangul jamo */
		{ "\u0b47\u0b3e", "\u0b4b", "nfc" },                       /* Oriya vowel sign */
		/* Left alone: NFC already, compatibility forms included. */
		{ "caf\u00e9 \uac01 \u1ead \ufb01 \u2460 \uff12 \u00bd", NULL, NULL },
	};
	CHECK(NULL, cases);
}

Test(repair, nfkc_on_request)
{
	static const struct rcase cases[] = {
		{ "\ufb01ne \u2460 \uff12\u00bd cafe\u0301", "fine 1 21\u20442 caf\u00e9", "nfkc" },
		{ "plain caf\u00e9", NULL, NULL },
	};
	struct wn_options opt = { 0 };
	opt.nfkc = true;
	CHECK(&opt, cases);
}

Test(repair, ascii_on_request)
{
	static const struct rcase cases[] = {
		{ "Cr\u00e8me br\u00fbl\u00e9e \u2013 \u201cStra\u00dfe\u201d\u2026 \ufb01n \u00c6",
		  "Creme brulee - \"Strasse\"... fin AE", "ascii" },
		{ "\u0141\u00f3d\u017a, \u00f8l, \u00fe, 2\u00d73", "Lodz, ol, th, 2x3", "ascii" },
		{ "q\u0301 \u00e9\u0301", "q e", "ascii" },
		/* No ASCII equivalent: kept. */
		{ "\u65e5\u672c \u20ac \u0915\u093f", NULL, NULL },
	};
	struct wn_options opt = { 0 };
	opt.ascii = true;
	CHECK(&opt, cases);
}

Test(repair, each_rule_switches_off)
{
	const char *in = "\ufeffcaf\u00c3\u00a9 &amp; x\u00a0y\rz\x01";
	struct repaired all = repair_str(in);
	cr_assert_str_eq(all.text, "caf\u00e9 & x y\nz");
	cr_assert_str_eq(all.rules, "entities,mojibake,controls,bom,line-breaks,spaces");
	free(all.text);
	for (unsigned rule = 0; rule < WN_REPAIR_CHAR_RULES; rule++) {
		struct wn_options opt = { 0 };
		opt.repair_off = UINT64_C(1) << rule;
		struct repaired out = repair_opt(&opt, in, strlen(in));
		cr_expect(!(out.fired >> rule & 1), "%s fired while off", wn_repair_char_rule_name(rule));
		free(out.text);
	}
	struct wn_options opt = { 0 };
	opt.repair_off = UINT64_C(0xFFFFFFFF);
	struct repaired none = repair_opt(&opt, in, strlen(in));
	cr_assert_eq(none.fired, 0);
	cr_assert_str_eq(none.text, in);
	free(none.text);
}

Test(repair, rule_names_round_trip)
{
	for (unsigned rule = 0; rule < WN_REPAIR_CHAR_RULES; rule++) {
		const char *name = wn_repair_rule_name(rule);
		cr_assert(name, "rule %u has no name", rule);
		cr_assert_eq(wn_repair_rule_find(name), (int)rule, "%s", name);
	}
	cr_assert_null(wn_repair_char_rule_name(WN_REPAIR_CHAR_RULES));
	cr_assert_eq(wn_repair_rule_find("no-such-rule"), -1);
}

Test(repair, bad_invalid_option_is_refused)
{
	struct wn_options opt = { 0 };
	opt.invalid = (enum wn_invalid)7;
	struct wn_repair r;
	cr_assert_eq(wn_repair_init(&r, &opt), WN_E_INVAL);
	wn_repair_free(&r);
}

/* ---- The fast path -------------------------------------------------------- */

Test(repair, clean_lines_are_not_copied)
{
	static const char *const clean[] = {
		"",
		"Plain ASCII text, with punctuation (and digits: 12345) - nothing to do.",
		"Tabs\tare\tkept; so are AT&T and Q&A",
		"Gr\u00fc\u00dfe aus M\u00fcnchen \u2014 \u201cso\u201d, 10\u00a0000 \u20ac \u65e5\u672c\u8a9e",
	};
	for (size_t i = 0; i < sizeof(clean) / sizeof(clean[0]); i++) {
		struct repaired out = repair_str(clean[i]);
		cr_expect(out.same_ptr && out.fired == 0, "\"%s\"", clean[i]);
		free(out.text);
	}
}

/* ---- Long lines ------------------------------------------------------------ */

/* A line of n copies of unit, NUL-terminated (caller frees). */
static char *repeat(const char *unit, size_t n)
{
	const size_t len = strlen(unit);
	char *s = malloc(len * n + 1);
	cr_assert(s);
	for (size_t i = 0; i < n; i++)
		memcpy(s + i * len, unit, len);
	s[len * n] = '\0';
	return s;
}

Test(repair, long_lines_are_repaired_in_pieces)
{
	/* 300 KB: several pieces, each cut before a space. */
	char *in = repeat("caf\u00c3\u00a9 cr\u00c3\u00a8me &amp; x\u00a0y ", 12000);
	char *want = repeat("caf\u00e9 cr\u00e8me & x y ", 12000);
	struct repaired out = repair_str(in);
	cr_assert_str_eq(out.rules, "entities,mojibake,spaces");
	cr_assert(strcmp(out.text, want) == 0, "long line repaired differently");
	free(out.text);
	free(in);
	free(want);
	/* No space and no ASCII for 200 KB: cut between characters. */
	in = repeat("\u65e5\u672c\u8a9e", 25000);
	out = repair_str(in);
	cr_assert(out.same_ptr && out.fired == 0);
	free(out.text);
	free(in);
	in = repeat("\u65e5e\u0301", 25000);
	want = repeat("\u65e5\u00e9", 25000);
	out = repair_str(in);
	cr_assert(strcmp(out.text, want) == 0 && out.fired == 1u << WN_REPAIR_NFC);
	free(out.text);
	free(in);
	free(want);
}

/* ---- Properties on random text --------------------------------------------- */

/* Pieces random text is made of: plain text, the stuff of mojibake in
 * several charsets, entities and their fragments, controls, spaces,
 * combining marks, line separators, invalid bytes. */
static const char *const atoms[] = {
	"a", "e", "s", "T", " ", " ", "  ", ".", ",", "'", "\"", "?", "!", ";", ":", "-", "1", "0",
	"&", "&amp;", "&#", "#x", "amp;", "lt;", ";", "&eacute;", "&#233;", "&nbsp;", "&#x85;",
	"<", ">", "\t", "\r", "\x01", "\x7f", "\xc2\x85", "\xc2\x81", "\xc2\x92", "\xc2\x9d",
	"\u00c3", "\u00c2", "\u00e2", "\u00a9", "\u00ae", "\u00a0", "\u00a3", "\u00a4", "\u00a5",
	"\u00a7", "\u00a8", "\u00ab", "\u00bb", "\u00b0", "\u00b1", "\u00b2", "\u00bc", "\u00d7",
	"\u00e9", "\u00ef", "\u00f6", "\u00fc", "\u00df", "\u00c9", "\u00d8", "\u00d9", "\u0152",
	"\u0153", "\u0160", "\u0192", "\u02c6", "\u20ac", "\u2122", "\u201c", "\u201d", "\u2019",
	"\u2026", "\u2013", "\u2014", "\u2022", "\u0420", "\u0421", "\u0457", "\u0402", "\u0432",
	"\u0412", "\u221a", "\u2264", "\u2568", "\u2510", "\u0102", "\u0301", "\u0323", "\u1100",
	"\u1161", "\u2028", "\ufeff", "\ufffd", "\ufffc", "\u202f", "\u3000", "\u65e5", "\u00e0",
	"\U0001F600", "\xff", "\xc3", "\xe2\x80", "\xed\xa0\x80", "caf\u00c3\u00a9 ",
	"\u00e2\u20ac\u2122", "\u00c3\u0192\u00c2", "\u00ed\u00a0\u00bd", "\u0432\u0402\u201c",
};

static size_t random_text(uint64_t *rng, char *buf, size_t cap)
{
	const size_t natoms = sizeof(atoms) / sizeof(atoms[0]);
	const size_t count = (size_t)(rng_next(rng) % 24);
	size_t n = 0;
	for (size_t i = 0; i < count; i++) {
		const char *a = atoms[rng_next(rng) % natoms];
		const size_t len = strlen(a);
		if (n + len > cap)
			break;
		memcpy(buf + n, a, len);
		n += len;
	}
	return n;
}

static size_t random_bytes(uint64_t *rng, char *buf, size_t cap)
{
	const size_t n = (size_t)(rng_next(rng) % cap);
	for (size_t i = 0; i < n; i++) {
		const uint64_t x = rng_next(rng);
		/* Half the bytes high, to hit UTF-8's corners often. */
		buf[i] = (char)(x & 0x100 ? 0x80 | (x & 0x7F) : x & 0xFF);
	}
	return n;
}

/* No control characters but TAB, LF, and CR in the trailing space (which
 * the filter trims). */
static bool controls_only_allowed(const char *p, size_t n)
{
	size_t end = n;
	while (end && (p[end - 1] == '\r' || p[end - 1] == ' ' || p[end - 1] == '\t'))
		end--;
	for (size_t i = 0; i < n; i++) {
		const unsigned char c = (unsigned char)p[i];
		if ((c < 0x20 && c != '\t' && c != '\n' && !(c == '\r' && i >= end)) || c == 0x7f)
			return false;
	}
	return true;
}

typedef size_t gen_fn(uint64_t *rng, char *buf, size_t cap);

/* WN_TEST_SEED=N in the environment replaces the fixed seeds, to explore;
 * WN_TEST_QUICK=1 (tests/valgrind) runs a twentieth of the rounds. */
static void check_random(const struct wn_options *opt, gen_fn *gen, uint64_t seed, int rounds)
{
	if (getenv("WN_TEST_QUICK"))
		rounds /= 20;
	const char *env = getenv("WN_TEST_SEED");
	if (env)
		seed += strtoull(env, NULL, 0) << 20;
	struct wn_repair r;
	cr_assert_eq(wn_repair_init(&r, opt), 0);
	uint64_t rng = seed;
	char buf[512], e1[4096], e2[4096];
	for (int i = 0; i < rounds; i++) {
		const size_t n = gen(&rng, buf, sizeof(buf));
		struct repaired once = repair_with(&r, buf, n);
		cr_assert(wn_utf8_valid(once.text, once.len), "seed %llu round %d: \"%s\" -> invalid \"%s\"",
			  (unsigned long long)seed, i, escaped(buf, n, e1, 4096),
			  escaped(once.text, once.len, e2, 4096));
		cr_assert(controls_only_allowed(once.text, once.len),
			  "seed %llu round %d: \"%s\" -> control left in \"%s\"",
			  (unsigned long long)seed, i, escaped(buf, n, e1, 4096),
			  escaped(once.text, once.len, e2, 4096));
		struct repaired twice;
		if (!repair_is_stable(&r, once.text, once.len, &twice)) {
			char e3[4096];
			cr_assert_fail("seed %llu round %d: not idempotent:\n  in    \"%s\"\n  once  \"%s\"\n"
				       "  twice \"%s\" (%s)", (unsigned long long)seed, i,
				       escaped(buf, n, e1, 4096), escaped(once.text, once.len, e2, 4096),
				       escaped(twice.text, twice.len, e3, 4096), twice.rules);
		}
		free(once.text);
	}
	wn_repair_free(&r);
}

Test(repair, random_text_repairs_once_for_all)
{
	const struct wn_options opt = { 0 };
	check_random(&opt, random_text, 0x5eed0001, 40000);
}

Test(repair, random_bytes_give_valid_utf8)
{
	struct wn_options opt = { 0 };
	check_random(&opt, random_bytes, 0x5eed0002, 40000);
	opt.invalid = WN_INVALID_DROP;
	check_random(&opt, random_bytes, 0x5eed0003, 20000);
	opt.invalid = WN_INVALID_REPLACE;
	opt.nfkc = opt.ascii = true;
	check_random(&opt, random_text, 0x5eed0004, 20000);
}

/* ---- The normalization quick check ------------------------------------------ */

/* What NFC (compat: NFKC) makes of cp alone: true if cp itself. */
static bool nf_keeps(int32_t cp, bool compat)
{
	const utf8proc_option_t o = UTF8PROC_STABLE | UTF8PROC_COMPOSE | (compat ? UTF8PROC_COMPAT : 0);
	utf8proc_int32_t buf[32];
	int bc = 0;
	const utf8proc_ssize_t n = utf8proc_decompose_char(cp, buf, 32, o, &bc);
	cr_assert(n > 0 && n <= 32, "U+%04X", cp);
	return utf8proc_normalize_utf32(buf, n, o) == 1 && buf[0] == cp;
}

/* Every code point the quick check lets through must be one that NFC (or
 * NFKC) leaves as it is, alone and after any starter: checked against
 * utf8proc itself for all of Unicode. */
Test(repair, quick_check_agrees_with_utf8proc)
{
	/* The second code point of a canonical pair composes with what
	 * precedes it: the quick check must stop at each. */
	static bool second[0x110000];
	for (int32_t cp = 0; cp < 0x110000; cp++) {
		const utf8proc_property_t *p = utf8proc_get_property(cp);
		if (p->decomp_seqindex == UINT16_MAX || p->decomp_type != 0 || p->comp_exclusion)
			continue;
		utf8proc_int32_t d[4];
		int bc = 0;
		if (utf8proc_decompose_char(cp, d, 4, UTF8PROC_DECOMPOSE, &bc) == 2)
			second[d[1]] = true;
	}
	size_t stable = 0;
	for (int32_t cp = 0; cp < 0x110000; cp++) {
		if (cp >= 0xD800 && cp <= 0xDFFF)
			continue;
		for (int compat = 0; compat < 2; compat++) {
			if (!wn_nf_stable(cp, compat))
				continue;
			stable++;
			cr_assert_eq(utf8proc_get_property(cp)->combining_class, 0, "U+%04X", cp);
			cr_assert(!second[cp], "U+%04X composes with what precedes it", cp);
			cr_assert(nf_keeps(cp, compat), "U+%04X changes under %s", cp,
				  compat ? "NFKC" : "NFC");
		}
	}
	/* And it lets nearly everything through, or it would be no use. */
	cr_assert_gt(stable, 2 * 1100000 - 60000);
}

/* ---- Through the public API ---------------------------------------------- */

struct events {
	char text[2048];
	size_t len;
};

static void record(void *ctx, const struct wn_event *ev)
{
	struct events *e = ctx;
	e->len += (size_t)snprintf(e->text + e->len, sizeof(e->text) - e->len, "%s %llu %s|%.*s\n",
				   ev->kind == WN_EV_CHANGE ? "change" : "drop",
				   (unsigned long long)ev->line, ev->rule, (int)ev->len, ev->text);
}

Test(repair, filter_repairs_and_explains)
{
	const char in[] = "caf\xc3\x83\xc2\xa9 &amp; cr\xc3\x83\xc2\xa8me\r\n"
			  "plain line\n"
			  "one\xe2\x80\xa8two\xc2\xa0three\n"
			  "caf\xe9\n";
	struct events ev = { 0 };
	struct wn_options opt = { 0 };
	opt.disable = WN_STAGE_DEDUP;
	opt.repair_off = UINT64_C(0xFFFFFFFF) << 32; /* the punctuation repairs: not ours */
	opt.explain = record;
	opt.explain_ctx = &ev;
	size_t n;
	struct wn_stats st;
	char *out = run_filter_parts(&opt, in, sizeof(in) - 1, NULL, 0, 3, 42, &n, &st);
	cr_assert_str_eq(out, "caf\u00e9 & cr\u00e8me\nplain line\none\ntwo three\ncaf\u00e9\n");
	cr_assert_str_eq(ev.text, "change 1 entities,mojibake|caf\u00e9 & cr\u00e8me\n"
				  "change 3 line-breaks,spaces|one\ntwo three\n"
				  "change 4 windows-1252|caf\u00e9\n");
	cr_assert_eq(st.lines_changed, 3);
	cr_assert_eq(st.lines_in, 5); /* the U+2028 made two lines of one */
	free(out);

	/* --no-repair: the same bytes come out as they went in. */
	opt.disable |= WN_STAGE_REPAIR;
	ev.len = 0;
	ev.text[0] = '\0';
	out = run_filter_parts(&opt, in, sizeof(in) - 1, NULL, 0, 0, 0, &n, &st);
	cr_assert_eq(n, sizeof(in) - 1 - 1); /* only the CR before LF goes */
	cr_assert_eq(st.lines_changed, 0);
	cr_assert_str_eq(ev.text, "");
	free(out);
}

Test(repair, filter_takes_the_repair_options)
{
	const char in[] = "\xef\xac\x81n\xc3\xa9 \xff!\n";
	struct wn_options opt = { 0 };
	opt.disable = WN_STAGE_DEDUP;
	opt.repair_off = UINT64_C(0xFFFFFFFF) << 32;
	size_t n;
	char *out = run_filter(&opt, in, sizeof(in) - 1, &n);
	cr_assert_str_eq(out, "\ufb01n\u00e9 \ufffd!\n");
	free(out);
	opt.invalid = WN_INVALID_DROP;
	opt.nfkc = true;
	out = run_filter(&opt, in, sizeof(in) - 1, &n);
	cr_assert_str_eq(out, "fin\u00e9 !\n");
	free(out);
	opt.ascii = true;
	out = run_filter(&opt, in, sizeof(in) - 1, &n);
	cr_assert_str_eq(out, "fine !\n");
	free(out);
	opt.invalid = (enum wn_invalid)9;
	struct sink s = { 0 };
	opt.write = sink_write;
	opt.write_ctx = &s;
	cr_assert_null(wn_filter_new(&opt));
}
