/* test_shingle.c - tokens of a normalized key (Unicode words, one token per
 * character in scripts without spaces) and the hashes of their windows. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

struct token_case {
	const char *key;    /* a normalized key */
	const char *tokens; /* the expected tokens, each followed by '|' */
};

static const struct token_case cases[] = {
	{ "", "" },
	{ "   ", "" },
	{ "hello", "hello|" },
	{ "hello world", "hello|world|" },
	{ "  two   spaces  ", "two|spaces|" },
	{ "привет мир", "привет|мир|" },                       /* Cyrillic words */
	{ "été à paris", "été|à|paris|" },                     /* precomposed */
	{ "cafe\xcc\x81 ok", "cafe\xcc\x81|ok|" },             /* combining mark stays in the word */
	{ "안녕하세요 세계", "안녕하세요|세계|" },               /* Hangul: words have spaces */
	{ "東京は晴れ", "東|京|は|晴|れ|" },                    /* Han and Hiragana: characters */
	{ "カタカナ", "カ|タ|カ|ナ|" },
	{ "iphone手机 abc", "iphone|手|机|abc|" },             /* a word ends where Han begins */
	{ "手机abc", "手|机|abc|" },
	{ "2024年3月", "2024|年|3|月|" },
	{ "ภาษาไทย", "ภ|า|ษ|า|ไ|ท|ย|" },                       /* Thai letters */
	{ "กิน", "กิ|น|" },                                    /* Thai vowel mark joins its letter */
	{ "a\xffz", "a\xffz|" },                               /* invalid byte is part of a word */
	{ "\xff手", "\xff|手|" },
	{ "x 𠀀y", "x|𠀀|y|" },                                /* CJK extension B */
};

Test(shingle, tokens_table)
{
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		const char *k = cases[c].key;
		char got[256] = "";
		size_t pos = 0, start, len, used = 0;
		while ((len = wn_token_next(k, strlen(k), &pos, &start)) != 0) {
			cr_assert(used + len + 2 < sizeof(got));
			memcpy(got + used, k + start, len);
			used += len;
			got[used++] = '|';
			got[used] = '\0';
		}
		cr_expect_str_eq(got, cases[c].tokens, "key \"%s\"", k);
	}
}

/* Tokens and shingles of text through the real key. */
static void run(struct wn_shingler *s, const char *text)
{
	const struct wn_line line = { (char *)(uintptr_t)text, strlen(text) };
	cr_assert_eq(wn_shingler_run(s, &line, NULL, 0), 0);
}

Test(shingle, counts)
{
	static const struct { const char *text; unsigned n; size_t ntokens, nshingles, nedge; } t[] = {
		{ "", 5, 0, 0, 0 },
		{ "* * *", 5, 0, 0, 0 },
		{ "one two three four", 5, 4, 0, 4 },
		{ "one two three four five", 5, 5, 1, 4 },
		{ "One, two; THREE four five six seven!", 5, 7, 3, 4 },
		{ "one two three", 1, 3, 3, 0 },
		{ "one two", 2, 2, 1, 1 },
		{ "東京は晴れです", 5, 7, 3, 4 },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct wn_shingler s;
		wn_shingler_init(&s, t[i].n, 42);
		run(&s, t[i].text);
		cr_expect_eq(s.ntokens, t[i].ntokens, "%s", t[i].text);
		cr_expect_eq(s.nshingles, t[i].nshingles, "%s", t[i].text);
		cr_expect_eq(s.nedge, t[i].nedge, "%s", t[i].text);
		wn_shingler_free(&s);
	}
}

/* Copies the shingles of text into out (room for 64). */
static size_t shingles_of(unsigned n, uint64_t seed, const char *text, uint64_t *out)
{
	struct wn_shingler s;
	wn_shingler_init(&s, n, seed);
	run(&s, text);
	cr_assert(s.nshingles <= 64);
	memcpy(out, s.shingles, s.nshingles * sizeof(*out));
	const size_t k = s.nshingles;
	wn_shingler_free(&s);
	return k;
}

Test(shingle, case_punctuation_and_spacing_do_not_matter)
{
	uint64_t a[64], b[64];
	const size_t na = shingles_of(5, 1, "The cat, sat on the mat today.", a);
	const size_t nb = shingles_of(5, 1, "the CAT sat   on THE mat -- today", b);
	cr_assert_eq(na, 3);
	cr_assert_eq(nb, na);
	cr_assert(memcmp(a, b, na * sizeof(*a)) == 0);
}

Test(shingle, order_and_seed_matter)
{
	uint64_t a[64], b[64], c[64];
	cr_assert_eq(shingles_of(5, 1, "alpha bravo charlie delta echo", a), 1);
	cr_assert_eq(shingles_of(5, 1, "echo delta charlie bravo alpha", b), 1);
	cr_assert_eq(shingles_of(5, 2, "alpha bravo charlie delta echo", c), 1);
	cr_assert_neq(a[0], b[0]);
	cr_assert_neq(a[0], c[0]);
	/* A shared window gives the same fingerprint wherever it stands. */
	uint64_t d[64];
	cr_assert_eq(shingles_of(5, 1, "zulu alpha bravo charlie delta echo yankee", d), 3);
	cr_assert_eq(d[1], a[0]);
	cr_assert_neq(d[0], a[0]);
}

/* The edges of two lines make exactly the windows of the joined line. */
Test(shingle, edges_join_lines)
{
	struct wn_shingler s;
	wn_shingler_init(&s, 5, 9);
	run(&s, "one two three four five six");
	uint64_t w[8];
	memcpy(w, s.tail, 4 * sizeof(*w));
	run(&s, "seven eight nine ten");
	cr_assert_eq(s.nedge, 4);
	memcpy(w + 4, s.head, 4 * sizeof(*w));
	uint64_t joined[64];
	cr_assert_eq(shingles_of(5, 9, "one two three four five six seven eight nine ten", joined), 6);
	for (size_t i = 0; i < 4; i++)
		cr_expect_eq(wn_shingle_hash(&s, w + i), joined[2 + i], "window %zu", i);
	wn_shingler_free(&s);
}

Test(shingle, key_given_or_made_agree)
{
	const char *text = "Über den Wolken: muss die Freiheit wohl grenzenlos sein";
	char key[256];
	const size_t klen = wn_key_normalize(text, strlen(text), key, sizeof(key));
	struct wn_shingler a, b;
	wn_shingler_init(&a, 5, 3);
	wn_shingler_init(&b, 5, 3);
	run(&a, text);
	const struct wn_line line = { (char *)(uintptr_t)text, strlen(text) };
	cr_assert_eq(wn_shingler_run(&b, &line, key, klen), 0);
	cr_assert_eq(a.ntokens, 9);
	cr_assert_eq(b.nshingles, a.nshingles);
	cr_assert(memcmp(a.shingles, b.shingles, a.nshingles * sizeof(uint64_t)) == 0);
	wn_shingler_free(&a);
	wn_shingler_free(&b);
}

Test(shingle, long_line_grows_scratch)
{
	struct sink_buf { char *p; size_t n; } t = { malloc(200000), 0 };
	cr_assert(t.p);
	for (int i = 0; i < 20000; i++)
		t.n += (size_t)sprintf(t.p + t.n, "w%d ", i);
	struct wn_shingler s;
	wn_shingler_init(&s, 5, 0);
	const struct wn_line line = { t.p, t.n };
	cr_assert_eq(wn_shingler_run(&s, &line, NULL, 0), 0);
	cr_assert_eq(s.ntokens, 20000);
	cr_assert_eq(s.nshingles, 19996);
	wn_shingler_free(&s);
	free(t.p);
}
