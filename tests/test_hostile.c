/* test_hostile.c - the winnow program on hostile input: a 1 GiB line with no
 * newline, a gzip bomb, files of only newlines, only NULs, random bytes,
 * every kind of invalid UTF-8, deeply nested and huge JSON, a WET
 * Content-Length past the end of the file, a regex rule that backtracks
 * catastrophically, lines crafted to collide. Each test asserts the exit
 * status, the message, what was written, and that the statistics balance;
 * the big ones also bound the peak memory (max RSS from time(1)). */
#include <stdint.h>

#include "clitest.h"
#include "internal.h"

CLI_SUITE(hostile);

/* Under the sanitizers the big inputs are smaller: the point there is the
 * code's behaviour, the memory bound is checked by the Release build. */
#ifdef WN_SANITIZED
#define BIG_BYTES "67108864"                       /* 64 MiB */
#define BIG_CKSUM NULL
#else
#define BIG_BYTES "1073741824"                     /* 1 GiB */
#define BIG_CKSUM "1176520594 1073741825\n"        /* of the bytes and a newline */
#endif

#ifndef WN_SANITIZED
/* The peak RSS in KiB that /usr/bin/time -f %M wrote to file. */
static unsigned long long rss_kib(const char *file)
{
	char *text = slurp(file);
	const char *last = text, *p;
	/* time(1) puts "Command exited with non-zero status N" first then. */
	while ((p = strchr(last, '\n')) && p[1])
		last = p + 1;
	const unsigned long long v = strtoull(last, NULL, 10);
	cr_assert_gt(v, 0, "no max RSS in %s: %s", file, text);
	free(text);
	return v;
}
#endif

/* ---- Size ----------------------------------------------------------------- */

/* A 1 GiB line with no newline, generated through a pipe: it goes out whole
 * (and ended by a newline), unjudged, while winnow holds no more than
 * --max-line of it. */
Test(hostile, gigabyte_line_without_newline, .timeout = 300)
{
	cr_assert_eq(sh("head -c " BIG_BYTES " /dev/zero | tr '\\0' a | "
			"{ /usr/bin/time -f %%M -o rss $W --max-line=1M --stats=json 2>stats; "
			"echo $? >status; } | cksum"), 0);
	expect_file("status", "0\n");
	if (BIG_CKSUM) {
		expect_file("out", BIG_CKSUM);
	} else {
		char *got = slurp("out");
		cr_assert_eq(sh("{ head -c " BIG_BYTES " /dev/zero | tr '\\0' a; echo; } | cksum"), 0);
		expect_file("out", got);
		free(got);
	}
	cr_assert_eq(expect_stats_balance("stats", true), 1);
	cr_assert_eq(number_after("stats", "\"lines_unjudged\":"), 1);
	cr_assert_eq(number_after("stats", "\"bytes_in\":"), strtoull(BIG_BYTES, NULL, 10));
	cr_assert_eq(number_after("stats", "\"bytes_out\":"), strtoull(BIG_BYTES, NULL, 10) + 1);
#ifndef WN_SANITIZED
	/* Reading blocks, one line piece and the tables: a few MiB, whatever
	 * the line's length. The bound is generous, not a measurement. */
	cr_assert_lt(rss_kib("rss"), 48 * 1024, "max RSS %llu KiB", rss_kib("rss"));
#endif
}

/* The default --max-line (64 MiB) judges a long line whole: 2.9 MB of
 * words with no newline is repaired (each entity, the trailing space) and
 * its copy dropped as a duplicate. */
Test(hostile, long_line_under_the_default_limit_is_judged)
{
	cr_assert_eq(sh("yes 'a few words &amp; more' | head -c 3000000 | tr -d '\\n' > long && "
			"{ cat long; echo; cat long; } | $W --stats=json > got 2>stats && "
			"{ sed 's/&amp;/\\&/g; s/ *$//' long; echo; } > want && cmp got want"), 0,
		     "%s", slurp("err"));
	expect_stats_balance("stats", true);
	cr_assert_eq(number_after("stats", "\"dup\":"), 1);
	cr_assert_eq(number_after("stats", "\"lines_unjudged\":"), 0);
}

/* A gzip bomb: 1 GiB of zeros in about 4.5 MB of gzip. The output is
 * bounded by what the reader takes, the memory is constant. */
Test(hostile, gzip_bomb_keeps_memory_constant, .timeout = 300)
{
	cr_assert_eq(sh("head -c " BIG_BYTES " /dev/zero | gzip -1 > bomb.gz"), 0);
	cr_assert_eq(sh("{ /usr/bin/time -f %%M -o rss $W --max-line=1M --stats=json bomb.gz "
			"2>stats; echo $? >status; } | wc -c"), 0);
	expect_file("status", "0\n");
	char want[64];
	snprintf(want, sizeof(want), "%llu\n", strtoull(BIG_BYTES, NULL, 10) + 1);
	expect_file("out", want);
	expect_stats_balance("stats", true);
#ifndef WN_SANITIZED
	cr_assert_lt(rss_kib("rss"), 48 * 1024, "max RSS %llu KiB", rss_kib("rss"));
#endif
}

/* ---- Degenerate text ------------------------------------------------------ */

Test(hostile, only_newlines)
{
	cr_assert_eq(sh("head -c 1000000 /dev/zero | tr '\\0' '\\n' > nl && $W --stats=json nl"), 0);
	expect_file("out", "");
	cr_assert_eq(expect_stats_balance("err", true), 1000000);
	cr_assert_eq(number_after("err", "\"blank\":"), 1000000);
}

/* NUL bytes: one line of them, which the controls repair empties; with -0
 * each NUL ends a document. Nothing is written and nothing fails. */
Test(hostile, only_nuls)
{
	cr_assert_eq(sh("head -c 1000000 /dev/zero > nul && $W --stats=json nul"), 0);
	expect_file("out", "");
	cr_assert_eq(expect_stats_balance("err", true), 1);
	cr_assert_eq(sh("$W -0 --stats=json nul"), 0);
	expect_file("out", "");
	cr_assert_eq(expect_stats_balance("err", true), 0, "documents with no line at all");
	cr_assert_eq(sh("$W --no-repair --stats=json nul | cmp - nul"), 1, "kept as they are, "
		     "with a newline added: cmp says the output is longer");
	expect_err("EOF on nul");
}

/* Random bytes: the output is valid UTF-8, every line ends in a newline,
 * and the counts balance. */
Test(hostile, random_binary)
{
	const size_t n = 4 << 20;
	char *buf = malloc(n);
	cr_assert_not_null(buf);
	uint64_t rng = 0x5eed4057;
	for (size_t i = 0; i < n; i += 8) {
		const uint64_t x = rng_next(&rng);
		memcpy(buf + i, &x, 8);
	}
	put("random.bin", buf, n);
	free(buf);
	cr_assert_eq(sh("$W --stats=json random.bin"), 0);
	char *err = slurp("err"); /* nothing but the statistics */
	cr_assert_eq(strncmp(err, "{\"docs_in\":", 11), 0, "%s", err);
	free(err);
	size_t len;
	char *out = slurpn("out", &len);
	cr_assert_gt(len, n / 2);
	cr_assert(wn_utf8_valid(out, len), "the output is not UTF-8");
	cr_assert_eq(out[len - 1], '\n');
	free(out);
	cr_assert_gt(expect_stats_balance("err", true), 10000);
	cr_assert_eq(number_after("err", "\"bytes_in\":"), n);
}

/* Every kind of ill-formed UTF-8, in lines that are otherwise UTF-8: each
 * maximal ill-formed subsequence becomes one U+FFFD (Unicode's practice),
 * or goes with --invalid=drop; the good text around it is untouched. */
Test(hostile, invalid_utf8_of_every_kind)
{
	static const char in[] =
		"caf\xc3\xa9 overlong slash \xc0\xaf and \xe0\x80\xaf and \xf0\x80\x80\xaf end\n"
		"caf\xc3\xa9 surrogates \xed\xa0\x80 and \xed\xbf\xbf end\n"
		"caf\xc3\xa9 truncated \xe2\x82 and \xf0\x9f\x98 and last \xc3\n"
		"caf\xc3\xa9 beyond U+10FFFF \xf4\x90\x80\x80 and \xf7\xbf\xbf\xbf end\n"
		"caf\xc3\xa9 lone continuations \x80\xbf and bytes \xfe\xff end\n";
#define R "\xef\xbf\xbd"
	static const char want[] =
		"caf\xc3\xa9 overlong slash " R R " and " R R R " and " R R R R " end\n"
		"caf\xc3\xa9 surrogates " R R R " and " R R R " end\n"
		"caf\xc3\xa9 truncated " R " and " R " and last " R "\n"
		"caf\xc3\xa9 beyond U+10FFFF " R R R R " and " R R R R " end\n"
		"caf\xc3\xa9 lone continuations " R R " and bytes " R R " end\n";
#undef R
	static const char want_drop[] =
		"caf\xc3\xa9 overlong slash  and  and  end\n"
		"caf\xc3\xa9 surrogates  and  end\n"
		"caf\xc3\xa9 truncated  and  and last\n"
		"caf\xc3\xa9 beyond U+10FFFF  and  end\n"
		"caf\xc3\xa9 lone continuations  and bytes  end\n";
	put_str("bad.txt", in);
	cr_assert_eq(sh("$W --no-repair=double-space --stats=json bad.txt"), 0);
	expect_file("out", want);
	cr_assert_eq(expect_stats_balance("err", true), 5);
	cr_assert_eq(number_after("err", "\"lines_changed\":"), 5);
	cr_assert_eq(sh("$W --no-repair=double-space --invalid=drop bad.txt"), 0);
	expect_file("out", want_drop);
	/* Without repairs the bytes go through as they came. */
	cr_assert_eq(sh("$W --no-repair bad.txt | cmp - bad.txt"), 0);
}

/* ---- Formats -------------------------------------------------------------- */

/* JSON nested 100,000 deep is a malformed record (the scanner stops at 512
 * levels, never recursing further), reported with its line; 500 levels is
 * fine. */
Test(hostile, deeply_nested_json)
{
	cr_assert_eq(sh("{ echo '{\"text\":\"first record\"}'; printf '{\"text\":\"deep\",\"x\":'; "
			"head -c 100000 /dev/zero | tr '\\0' '['; head -c 100000 /dev/zero | tr '\\0' ']'; "
			"echo '}'; printf '{\"text\":\"ok\",\"y\":'; head -c 500 /dev/zero | tr '\\0' '['; "
			"head -c 500 /dev/zero | tr '\\0' ']'; echo '}'; } > deep.jsonl && "
			"$W --stats=json deep.jsonl > got 2>stats"), 0);
	cr_assert_eq(sh("cmp got deep.jsonl"), 0, "passed on unchanged");
	char *err = slurp("stats");
	static const char msg[] = "winnow: deep.jsonl: line 2: nested too deeply at column 532; "
				  "passed on unchanged\n";
	cr_assert(strncmp(err, msg, strlen(msg)) == 0, "%s", err);
	free(err);
	cr_assert_eq(number_after("stats", "\"records_malformed\":"), 1);
	cr_assert_eq(number_after("stats", "\"docs_in\":"), 2);
	expect_stats_balance("stats", true);
	cr_assert_eq(sh("$W --on-error=fail deep.jsonl"), 1);
	expect_file("out", "{\"text\":\"first record\"}\n");
	expect_err("winnow: deep.jsonl: line 2: nested too deeply");
}

/* A JSON string of 8 MB (one line of text in it) is decoded, judged and
 * written back; repeated, the second record's text is a duplicate. */
Test(hostile, huge_json_string)
{
	cr_assert_eq(sh("{ printf '{\"id\":1,\"text\":\"'; yes 'words and words \\\\u00e9' | "
			"head -c 8000000 | tr -d '\\n'; echo '\"}'; } > one.jsonl && "
			"cat one.jsonl one.jsonl > two.jsonl && $W --stats=json two.jsonl > got 2>stats"),
		     0);
	cr_assert_eq(sh("cmp got one.jsonl"), 0, "the first record unchanged, the second empty "
		     "and so not written");
	expect_stats_balance("stats", true);
	cr_assert_eq(number_after("stats", "\"dup\":"), 1);
	cr_assert_eq(number_after("stats", "\"docs_empty\":"), 1);
}

/* A WET record whose Content-Length runs past the end of the file: the
 * record is reported as truncated, with what follows, and passed on; under
 * --on-error=fail the run fails after the records before it. A length past
 * the 64 MiB document limit is streamed, not held. */
Test(hostile, wet_content_length_past_the_end)
{
	static const char head[] = "WARC/1.0\r\nWARC-Type: warcinfo\r\nContent-Length: 5\r\n\r\n"
				   "info\n\r\n\r\n";
	static const char rec[] = "WARC/1.0\r\nWARC-Type: conversion\r\n"
				  "WARC-Target-URI: http://example.com/\r\nContent-Length: %s\r\n\r\n"
				  "A page of text that stops here.\n";
	char buf[512];
	for (int big = 0; big < 2; big++) {
		snprintf(buf, sizeof(buf), "%s", head);
		snprintf(buf + strlen(head), sizeof(buf) - strlen(head), rec,
			 big ? "999999999999" : "5000");
		put_str("t.wet", buf);
		cr_assert_eq(sh("$W --stats=json t.wet"), 0);
		expect_file("out", buf);
		char want[256];
		snprintf(want, sizeof(want), "winnow: t.wet: line 8 (byte 61): %s",
			 big ? "conversion record of 999999999999 bytes is longer than max_doc"
			     : "truncated record: Content-Length 5000, 32 bytes follow; passed on "
			       "unchanged\n");
		expect_err(want);
		if (big)
			expect_err("truncated record: Content-Length 999999999999, 32 bytes follow");
		expect_stats_balance("err", true);
		cr_assert_eq(sh("$W --on-error=fail t.wet"), 1);
		expect_file("out", head);
	}
}

/* ---- Rules and hashing ---------------------------------------------------- */

/* (a+)+$ against a line of a's that ends otherwise backtracks for ever;
 * PCRE2's match limit gives up, the line is kept, --stats counts it. */
Test(hostile, catastrophic_backtracking_rule_finishes, .timeout = 60)
{
	put_str("bad.rules", "regex: (a+)+$\n");
	cr_assert_eq(sh("{ for i in 1 2 3 4 5 6 7 8; do head -c $((60 + i)) /dev/zero | tr '\\0' a; "
			"echo '!'; done; echo 'A normal line of text that is kept.'; } > in.txt && "
			"$W --rules=bad.rules --stats=json in.txt > got 2>stats"), 0);
	cr_assert_eq(sh("cmp got in.txt"), 0);
	expect_stats_balance("stats", true);
	cr_assert_geq(number_after("stats", "\"regex_limited\":"), 1);
}

static int by_hash(const void *x, const void *y)
{
	const uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
	return a < b ? -1 : a > b;
}

/* Lines crafted to collide must be crafted against one seed: winnow draws
 * a new seed for every state, so lines whose fingerprints agree (here in
 * their top 28 bits, found by search under one seed: a full 64-bit
 * collision is the same search, longer) agree under another seed only by
 * chance. And two runs draw different seeds. */
Test(hostile, collisions_do_not_survive_another_seed)
{
	enum { N = 1 << 18 };
	struct pair {
		uint64_t h;
		uint32_t i;
	} *v = malloc(N * sizeof(*v));
	cr_assert_not_null(v);
	struct wn_keyer k1, k2;
	wn_keyer_init(&k1, WN_KEY_EXACT, 0x1111);
	wn_keyer_init(&k2, WN_KEY_EXACT, 0x2222);
	char line[32];
	for (uint32_t i = 0; i < N; i++) {
		const int len = snprintf(line, sizeof(line), "crafted line %u", i);
		const struct wn_line l = { line, (size_t)len };
		v[i].h = wn_keyer_exact(&k1, &l) >> 36; /* the top 28 bits */
		v[i].i = i;
	}
	/* Pairs equal in the top 28 bits under seed 1: about N^2/2^29 = 128. */
	int found = 0, still = 0;
	qsort(v, N, sizeof(*v), by_hash);
	for (uint32_t j = 1; j < N; j++) {
		if (v[j].h != v[j - 1].h)
			continue;
		found++;
		char l1[32], l2[32];
		const int n1 = snprintf(l1, sizeof(l1), "crafted line %u", v[j - 1].i);
		const int n2 = snprintf(l2, sizeof(l2), "crafted line %u", v[j].i);
		const struct wn_line a = { l1, (size_t)n1 }, b = { l2, (size_t)n2 };
		still += wn_keyer_exact(&k2, &a) >> 36 == wn_keyer_exact(&k2, &b) >> 36;
	}
	free(v);
	cr_assert_gt(found, 50, "the search should find colliding pairs");
	cr_assert_eq(still, 0, "%d of %d crafted pairs still collide under another seed", still,
		     found);
	/* Every run (every new state) has a seed of its own. */
	cr_assert_eq(sh("$W --state=a.st </dev/null && $W --state=b.st </dev/null && "
			"$W state info a.st b.st | grep -c seed && "
			"test \"$($W state info a.st | grep seed)\" != \"$($W state info b.st | grep seed)\""),
		     0, "%s", slurp("err"));
}

