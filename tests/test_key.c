/* test_key.c - the normalized key: case folding, punctuation, spacing. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "internal.h"
#include "testutil.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

struct key_case {
	const char *in;
	const char *key;
};

static const struct key_case cases[] = {
	{ "Hello, World!", "hello world" },
	{ "  The   UNITED states\t", "the united states" },
	{ "The United States is pouring cold water.", "the united states is pouring cold water" },
	{ "don't stop", "don t stop" },
	{ "3.14 is pi; 2,000 people", "3 14 is pi 2 000 people" },
	{ "Straße", "strasse" },                          /* full case folding */
	{ "ÉTÉ à Paris", "été à paris" },
	{ "ΣΊΣΥΦΟΣ", "σίσυφοσ" },
	{ "İstanbul", "i\xcc\x87stanbul" },               /* U+0130 folds to i + U+0307 */
	{ "“Quoted” — dash…", "quoted dash" },            /* Unicode punctuation */
	{ "€100 + $5 = ©", "100 5" },                     /* symbols separate words */
	{ "emoji 😀 here", "emoji here" },
	{ "日本語のテキスト", "日本語のテキスト" },          /* letters without spaces stay */
	{ "Привет, Мир", "привет мир" },
	{ "a\x80z", "a\x80z" },                           /* invalid bytes kept as word bytes */
	{ "---", "" },
	{ "", "" },
	{ "\t \t", "" },
	{ "x", "x" },
	{ "A1B2", "a1b2" },
	{ "Ǆemal", "ǆemal" },                             /* titlecase digraph */
	{ "e\xcc\x81t\xc3\xa9", "e\xcc\x81t\xc3\xa9" },   /* combining mark is part of a word */
};

Test(key, table)
{
	char out[256];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const size_t n = strlen(cases[i].in);
		const size_t k = wn_key_normalize(cases[i].in, n, out, sizeof(out));
		cr_expect(k == strlen(cases[i].key) && memcmp(out, cases[i].key, k) == 0,
			  "key of \"%s\": got \"%.*s\", want \"%s\"", cases[i].in, (int)k, out,
			  cases[i].key);
	}
}

Test(key, never_longer_than_three_times_input)
{
	/* U+0390 (2 bytes) folds to three code points of 2 bytes each. */
	const char *in = "ΐΐΐ";
	char out[64];
	const size_t k = wn_key_normalize(in, strlen(in), out, 3 * strlen(in));
	cr_assert_eq(k, 3 * strlen(in));
}

Test(key, truncates_instead_of_overflowing)
{
	char out[8];
	memset(out, 'X', sizeof(out));
	const size_t k = wn_key_normalize("hello world again", 17, out, 5);
	cr_assert(k <= 5);
	cr_assert_eq(out[5], 'X');
}

static struct wn_buf kb;

static void free_key(void)
{
	wn_buf_free(&kb);
}

TestSuite(key, .fini = free_key);

Test(key, hash_agrees_for_equal_keys)
{
	struct wn_keyer k;
	wn_keyer_init(&k, WN_KEY_NORMALIZED, 42);
	char a[] = "Breaking: The Market Fell!", b[] = "breaking the market fell";
	struct wn_line la = { a, strlen(a) }, lb = { b, strlen(b) };
	uint64_t ha, hb;
	cr_assert_eq(wn_keyer_key(&k, &la, &kb, &ha), 0);
	cr_assert_eq(wn_keyer_key(&k, &lb, &kb, &hb), 0);
	cr_assert_eq(ha, hb);
	cr_assert_eq(kb.len, 2 * strlen("breaking the market fell"));
	cr_assert(memcmp(kb.ptr, "breaking the market fellbreaking the market fell", kb.len) == 0);
	cr_assert_neq(wn_keyer_exact(&k, &la), wn_keyer_exact(&k, &lb));
	cr_assert_eq(wn_keyer_exact(&k, &lb), hb); /* the key of an exact key is itself */
}

Test(key, seed_changes_hash)
{
	struct wn_keyer k1, k2;
	wn_keyer_init(&k1, WN_KEY_NORMALIZED, 1);
	wn_keyer_init(&k2, WN_KEY_NORMALIZED, 2);
	char a[] = "same line";
	struct wn_line l = { a, strlen(a) };
	uint64_t h1, h2;
	cr_assert_eq(wn_keyer_key(&k1, &l, &kb, &h1), 0);
	cr_assert_eq(wn_keyer_key(&k2, &l, &kb, &h2), 0);
	cr_assert_neq(h1, h2);
	cr_assert_neq(wn_keyer_exact(&k1, &l), wn_keyer_exact(&k2, &l));
}

/* The keyer hashes with a secret it derives from the seed once; its values
 * are XXH3_64bits_withSeed's, which saved states hold, at every length (the
 * secret is used past 240 bytes): every prefix of a real line of 1,000
 * bytes and more, under three seeds, and again after a reseed. */
Test(key, hash_is_seeded_xxh3_at_every_length)
{
	struct tu_str in = tu_data("warc-head.txt");
	const char *line = NULL;
	size_t len = 0;
	for (const char *p = in.ptr, *end = in.ptr + in.len; p < end && len < 1000;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		if ((size_t)(e - p) > len) {
			line = p;
			len = (size_t)(e - p);
		}
		p = e + 1;
	}
	cr_assert_geq(len, 1000, "warc-head.txt has a line of 1,000 bytes");
	static const uint64_t seeds[] = { 0, 0x5eed, 0x9e3779b97f4a7c15 };
	for (size_t s = 0; s < sizeof(seeds) / sizeof(seeds[0]); s++) {
		struct wn_keyer k;
		wn_keyer_init(&k, WN_KEY_EXACT, s ? seeds[s - 1] : 1);
		wn_keyer_reseed(&k, seeds[s]);
		for (size_t n = 0; n <= len; n++) {
			const uint64_t want = XXH3_64bits_withSeed(line, n, seeds[s]);
			const struct wn_line l = { (char *)(uintptr_t)line, n };
			cr_assert_eq(wn_key_hash(&k, line, n), want, "seed %zu, %zu bytes", s, n);
			cr_assert_eq(wn_keyer_exact(&k, &l), want, "seed %zu, %zu bytes", s, n);
		}
	}
	tu_free(&in);
}

Test(key, punctuation_only_is_empty)
{
	struct wn_keyer k;
	wn_keyer_init(&k, WN_KEY_NORMALIZED, 0);
	char a[] = "* * * — …";
	struct wn_line l = { a, strlen(a) };
	uint64_t h;
	cr_assert_eq(wn_keyer_key(&k, &l, &kb, &h), 0);
	cr_assert_eq(kb.len, 0);
}

/* The unchecked fast path (room for the worst case) and the checked path
 * (tight room) agree on random bytes, random UTF-8 and real text. */
Test(key, fast_and_checked_paths_agree)
{
	static const char *const pieces[] = {
		"The ", "QUICK", " brown", "—", "“fox”", " Straße", "ΐ", "日本", "\x80", "\xe2\x80",
		"  ", "\t", ",", "42", "é", "É", "😀", "İ", "a", "Z", "\xff", "ß", "’s",
	};
	uint64_t rng = 12345;
	char in[512], fast[2048], checked[2048];
	for (int round = 0; round < 20000; round++) {
		size_t n = 0;
		const int k = (int)(rng_next(&rng) % 24);
		for (int j = 0; j < k; j++) {
			if (rng_next(&rng) % 4 == 0) {
				in[n++] = (char)(rng_next(&rng) & 0xFF);
			} else {
				const char *p = pieces[rng_next(&rng) % (sizeof(pieces) / sizeof(pieces[0]))];
				memcpy(in + n, p, strlen(p));
				n += strlen(p);
			}
		}
		const size_t a = wn_key_normalize(in, n, fast, sizeof(fast));
		const size_t b = wn_key_normalize(in, n, checked, a);
		cr_assert(a == b && memcmp(fast, checked, a) == 0, "round %d: %zu vs %zu bytes", round,
			  a, b);
		cr_assert(a == 0 || (fast[0] != ' ' && fast[a - 1] != ' '), "round %d", round);
		cr_assert(a <= 3 * n);
		for (size_t j = 1; j < a; j++)
			cr_assert(fast[j] != ' ' || fast[j - 1] != ' ', "round %d: double space", round);
	}
}

/* Every code point, alone and between letters, keys as the reference
 * (fold_cp through utf8proc) keys it: the fast path's ranges of letters
 * folded by an offset and of symbols must say what utf8proc says. Those
 * ranges are all in the Basic Multilingual Plane, which WN_TEST_QUICK=1
 * (tests/valgrind) keeps to, between letters only. */
Test(key, every_code_point_as_the_reference)
{
	static const char *const sides[][2] = { { "", "" }, { "a", "b" }, { "\xd0\x96", " 1" } };
	const bool quick = getenv("WN_TEST_QUICK") != NULL;
	const int32_t last = quick ? 0xFFFF : 0x10FFFF;
	char in[16], fast[64], ref[64];
	for (int32_t cp = 0x80; cp <= last; cp++) {
		if (cp >= 0xD800 && cp <= 0xDFFF)
			continue;
		char enc[4];
		const size_t len = wn_utf8_encode(cp, enc);
		for (size_t s = quick; s < (quick ? 2 : sizeof(sides) / sizeof(sides[0])); s++) {
			const size_t l = strlen(sides[s][0]), r = strlen(sides[s][1]);
			memcpy(in, sides[s][0], l);
			memcpy(in + l, enc, len);
			memcpy(in + l + len, sides[s][1], r);
			const size_t n = l + len + r;
			const size_t a = wn_key_normalize(in, n, fast, sizeof(fast));
			const size_t b = wn_key_normalize_ref(in, n, ref, sizeof(ref));
			if (a != b || memcmp(fast, ref, a) != 0)
				cr_assert_fail("U+%04X (sides %zu): %zu vs %zu bytes", (unsigned)cp, s,
					       a, b);
		}
	}
}
