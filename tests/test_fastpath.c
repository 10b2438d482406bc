/* test_fastpath.c - the fast paths of the per-line work (word-at-a-time and
 * SSE2 scans, the ASCII key in blocks, the common scripts' case folding)
 * against the plain byte-by-byte paths they replace: on every line of the
 * real text in tests/data, and three of its suffixes (which move the
 * blocks), the repair and punctuation stages give the same bytes and fire
 * the same rules, and the key is the same; the key and the NFC check also
 * for every code point, both repairs for every BMP character. */
#include <criterion/criterion.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "internal.h"

TestSuite(fastpath);

static const char *const files[] = {
	"tests/data/aeb-25.txt",
	"tests/data/clean-gold.txt",
	"tests/data/warc-head.txt",
	"tests/data/dolma-0000.lynx.wet",
	"tests/data/whirlwind.warc.wet",
	"tests/data/ccnet-sample.warc.wet",
	"tests/data/resiliparse-warcfile.lynx.wet",
	"tests/data/gold-htt.jsonl",
	"tests/data/gold-aeb.jsonl",
	"tests/data/punct/damage-real.txt",
	"tests/data/punct/clean-htmltotext.txt",
	"tests/data/ftfy/in-the-wild.dev.json",
	"tests/data/ftfy/synthetic.json",
	"tests/data/ftfy/negative.json",
};
#define NFILES (sizeof(files) / sizeof(files[0]))

/* Suffixes of each line tried: these shift every 16-byte block. */
static const size_t shifts[] = { 0, 1, 3, 13 };
#define NSHIFTS (sizeof(shifts) / sizeof(shifts[0]))

/* Calls fn on each line of each file, and on its suffixes. */
static void each_line(void (*fn)(const char *p, size_t n, void *ctx), void *ctx)
{
	for (size_t f = 0; f < NFILES; f++) {
		size_t len;
		char *text = read_source_file(files[f], &len);
		for (const char *p = text, *end = text + len; p < end;) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			const size_t n = (size_t)((nl ? nl : end) - p);
			for (size_t s = 0; s < NSHIFTS && shifts[s] <= n; s++)
				fn(p + shifts[s], n - shifts[s], ctx);
			p = nl ? nl + 1 : end;
		}
		free(text);
	}
}

/* The line copied to the heap at its exact size, so that a scan reading
 * past its end shows under AddressSanitizer. */
static char *exact_copy(const char *p, size_t n)
{
	char *c = malloc(n ? n : 1);
	cr_assert(c);
	memcpy(c, p, n);
	return c;
}

/* ---- Keys ---------------------------------------------------------------- */

struct key_check {
	size_t lines;
	size_t differ;
};

static void check_key(const char *p, size_t n, struct key_check *k)
{
	char *in = exact_copy(p, n);
	const size_t cap = 3 * n + 12;
	char *fast = malloc(cap), *ref = malloc(cap);
	cr_assert(fast && ref);
	const size_t a = wn_key_normalize(in, n, fast, cap);
	const size_t b = wn_key_normalize_ref(in, n, ref, cap);
	k->lines++;
	if (a != b || memcmp(fast, ref, a) != 0) {
		k->differ++;
		cr_log_error("key differs on \"%.*s\": \"%.*s\" vs \"%.*s\"", (int)n, in, (int)a,
			     fast, (int)b, ref);
	}
	free(fast);
	free(ref);
	free(in);
}

static void key_line(const char *p, size_t n, void *ctx)
{
	check_key(p, n, ctx);
}

Test(fastpath, key_of_every_line)
{
	struct key_check k = { 0 };
	each_line(key_line, &k);
	cr_assert_gt(k.lines, 40000, "the corpus was not read: %zu lines", k.lines);
	cr_assert_eq(k.differ, 0, "%zu of %zu keys differ", k.differ, k.lines);
}

/* Appends len bytes of s to line at *n. */
static void put(char *line, size_t *n, const char *s, size_t len)
{
	memcpy(line + *n, s, len);
	*n += len;
}

/* Each code point between ASCII words, with ASCII around it long enough
 * for the block path, in both cases of the letters around. */
Test(fastpath, key_of_every_code_point)
{
	struct key_check k = { 0 };
	char line[96];
	for (int32_t cp = 0x80; cp <= 0x10FFFF; cp++) {
		if (cp >= 0xD800 && cp <= 0xDFFF)
			continue;
		char enc[4];
		const size_t len = wn_utf8_encode(cp, enc);
		size_t n = 0;
		put(line, &n, "Word Ab", 7);
		put(line, &n, enc, len);
		put(line, &n, "cD ", 3);
		put(line, &n, enc, len);
		put(line, &n, ", the 16-byte Block", 19);
		check_key(line, n, &k);
	}
	cr_assert_eq(k.differ, 0, "%zu of %zu keys differ", k.differ, k.lines);
}

/* ---- Stages -------------------------------------------------------------- */

struct stage_check {
	struct wn_repair repair[2]; /* fast, reference */
	struct wn_punct punct[2];
	size_t lines;
	size_t changed; /* lines the fast repair or punctuation changed */
	size_t differ;
};

static void compare(struct stage_check *c, const char *what, const char *in, size_t n,
		    const struct wn_line *a, uint32_t fa, const struct wn_line *b, uint32_t fb)
{
	if (fa == fb && a->len == b->len && memcmp(a->ptr, b->ptr, a->len) == 0)
		return;
	c->differ++;
	cr_log_error("%s differs on \"%.*s\": \"%.*s\" (%x) vs \"%.*s\" (%x)", what, (int)n, in,
		     (int)a->len, a->ptr, fa, (int)b->len, b->ptr, fb);
}

static void stage_line(const char *p, size_t n, void *ctx)
{
	struct stage_check *c = ctx;
	char *in = exact_copy(p, n);
	struct wn_line out[2];
	uint32_t fired[2];
	for (int k = 0; k < 2; k++) {
		out[k] = (struct wn_line){ .ptr = in, .len = n };
		cr_assert_eq(wn_repair_push(&c->repair[k], &out[k], &fired[k]), 0);
	}
	compare(c, "repair", in, n, &out[0], fired[0], &out[1], fired[1]);
	c->changed += fired[0] != 0;
	/* The punctuation rules on the repaired line, as the filter runs them. */
	char *rep = exact_copy(out[0].ptr, out[0].len);
	const size_t rn = out[0].len;
	for (int k = 0; k < 2; k++) {
		out[k] = (struct wn_line){ .ptr = rep, .len = rn };
		cr_assert_eq(wn_punct_push(&c->punct[k], &out[k], &fired[k]), 0);
	}
	compare(c, "punct", rep, rn, &out[0], fired[0], &out[1], fired[1]);
	c->changed += fired[0] != 0;
	c->lines++;
	free(rep);
	free(in);
}

typedef void each_fn(void (*fn)(const char *p, size_t n, void *ctx), void *ctx);

static void check_stages(const struct wn_options *opt, each_fn *each, size_t min_lines,
			 size_t min_changed)
{
	struct stage_check c = { 0 };
	for (int k = 0; k < 2; k++) {
		cr_assert_eq(wn_repair_init(&c.repair[k], opt), 0);
		cr_assert_eq(wn_punct_init(&c.punct[k], opt), 0);
		c.repair[k].reference = c.punct[k].reference = k == 1;
	}
	each(stage_line, &c);
	for (int k = 0; k < 2; k++) {
		wn_repair_free(&c.repair[k]);
		wn_punct_free(&c.punct[k]);
	}
	cr_assert_gt(c.lines, min_lines);
	cr_assert_gt(c.changed, min_changed, "too few repairs to compare: %zu", c.changed);
	cr_assert_eq(c.differ, 0, "%zu of %zu lines differ", c.differ, c.lines);
}

Test(fastpath, stages_default)
{
	const struct wn_options opt = { 0 };
	check_stages(&opt, each_line, 40000, 100);
}

Test(fastpath, stages_ascii_nfkc)
{
	const struct wn_options opt = { .ascii = true, .nfkc = true };
	check_stages(&opt, each_line, 40000, 100);
}

/* Real lines of the punctuation sets joined by a space into lines of 1100
 * bytes and more (the rules' block scans stop at 64 blocks of sixteen and
 * go on byte by byte), each with its suffixes. */
static void each_long_line(void (*fn)(const char *p, size_t n, void *ctx), void *ctx)
{
	static const char *const sets[] = { "tests/data/punct/damage-real.txt",
					    "tests/data/punct/clean-htmltotext.txt" };
	for (size_t f = 0; f < 2; f++) {
		size_t len;
		char *text = read_source_file(sets[f], &len);
		char *joined = malloc(len + 1);
		cr_assert(joined);
		size_t n = 0;
		for (const char *p = text, *end = text + len; p < end;) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			const size_t k = (size_t)((nl ? nl : end) - p);
			memcpy(joined + n, p, k);
			n += k;
			p = nl ? nl + 1 : end;
			if (n < 1100) {
				joined[n++] = ' ';
				continue;
			}
			for (size_t s = 0; s < NSHIFTS; s++)
				fn(joined + shifts[s], n - shifts[s], ctx);
			n = 0;
		}
		free(joined);
		free(text);
	}
}

Test(fastpath, stages_on_long_lines)
{
	const struct wn_options opt = { 0 };
	check_stages(&opt, each_long_line, 100, 50);
}

/* The real lines of text[0..len) that hold what looks like an entity ('&',
 * a letter or '#', ';') and no '<', or else (tag) a '<', up to max of them. */
static size_t pick_lines(const char *text, size_t len, bool tag, const char **at, size_t *n,
			 size_t max)
{
	size_t k = 0;
	for (const char *p = text, *end = text + len; p < end && k < max;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const size_t m = (size_t)((nl ? nl : end) - p);
		bool hit = false;
		for (size_t i = 0; i + 2 < m && !hit; i++)
			hit = tag ? p[i] == '<'
				  : p[i] == '&' && (isalpha((unsigned char)p[i + 1]) || p[i + 1] == '#') &&
					    memchr(p + i, ';', m - i) != NULL;
		hit = hit && (tag || !memchr(p, '<', m));
		if (hit && m <= 300) {
			at[k] = p;
			n[k++] = m;
		}
		p = nl ? nl + 1 : end;
	}
	return k;
}

/* Real lines with entities joined to real lines with tags by each line
 * break the repairs split on (CR, U+0085, U+2028, U+2029), in both orders:
 * a stretch with a '<' keeps its entities, so where each stretch ends
 * decides what is decoded. With the first line's sixteen suffixes, the
 * break falls at every place of a 16-byte block. */
static void each_entity_break(void (*fn)(const char *p, size_t n, void *ctx), void *ctx)
{
	static const char *const sets[] = { "tests/data/warc-head.txt", "tests/data/clean-gold.txt" };
	static const char *const breaks[] = { "\r", "\xC2\x85", "\xE2\x80\xA8", "\xE2\x80\xA9" };
	enum { ENTITIES = 80, TAGS = 6 };
	for (size_t f = 0; f < 2; f++) {
		size_t len;
		char *text = read_source_file(sets[f], &len);
		const char *ent[ENTITIES], *tag[TAGS];
		size_t ent_n[ENTITIES], tag_n[TAGS];
		const size_t ne = pick_lines(text, len, false, ent, ent_n, ENTITIES);
		const size_t nt = pick_lines(text, len, true, tag, tag_n, TAGS);
		cr_assert_gt(ne, 0, "no line with entities in %s", sets[f]);
		cr_assert_eq(nt, TAGS);
		char *joined = malloc(1024);
		cr_assert(joined);
		for (size_t e = 0; e < ne; e++)
			for (size_t t = 0; t < nt; t++)
				for (size_t b = 0; b < 4; b++)
					for (int order = 0; order < 2; order++) {
						const char *first = order ? tag[t] : ent[e];
						const size_t first_n = order ? tag_n[t] : ent_n[e];
						const char *second = order ? ent[e] : tag[t];
						const size_t second_n = order ? ent_n[e] : tag_n[t];
						const size_t bn = strlen(breaks[b]);
						memcpy(joined, first, first_n);
						memcpy(joined + first_n, breaks[b], bn);
						memcpy(joined + first_n + bn, second, second_n);
						const size_t n = first_n + bn + second_n;
						for (size_t s = 0; s < 16 && s < first_n; s++)
							fn(joined + s, n - s, ctx);
					}
		free(joined);
		free(text);
	}
}

Test(fastpath, stages_on_entities_across_line_breaks)
{
	const struct wn_options opt = { 0 };
	check_stages(&opt, each_entity_break, 5000, 2000);
}

/* NFKC without the ASCII fold: lines with characters NFKC changes go
 * through the quick pass (with --ascii, every non-ASCII line skips it). */
Test(fastpath, stages_nfkc)
{
	const struct wn_options opt = { .nfkc = true };
	check_stages(&opt, each_line, 40000, 100);
}

/* The quick ranges of the normalization check, for every code point. */
Test(fastpath, nf_stable_of_every_code_point)
{
	size_t differ = 0;
	for (int32_t cp = 0; cp <= 0x10FFFF; cp++) {
		if (cp >= 0xD800 && cp <= 0xDFFF)
			continue;
		for (int compat = 0; compat < 2; compat++)
			if (wn_nf_stable(cp, compat) != wn_nf_stable_ref(cp, compat)) {
				differ++;
				cr_log_error("U+%04X (compat %d): %d vs %d", (unsigned)cp, compat,
					     wn_nf_stable(cp, compat), wn_nf_stable_ref(cp, compat));
			}
	}
	cr_assert_eq(differ, 0, "%zu code points differ", differ);
}

/* Code points counted sixteen bytes at a step, against a count byte by
 * byte, on every line and on the whole of a file (past 255 blocks). */
static size_t count_plain(const char *p, size_t n)
{
	size_t count = 0;
	for (size_t i = 0; i < n; i++)
		count += ((unsigned char)p[i] & 0xC0) != 0x80;
	return count;
}

static void count_line(const char *p, size_t n, void *ctx)
{
	size_t *differ = ctx;
	char *in = exact_copy(p, n);
	*differ += wn_utf8_count(in, n) != count_plain(in, n);
	free(in);
}

Test(fastpath, utf8_count)
{
	size_t differ = 0;
	each_line(count_line, &differ);
	cr_assert_eq(differ, 0, "%zu lines counted wrong", differ);
	size_t len;
	char *text = read_source_file("tests/data/resiliparse-warcfile.lynx.wet", &len);
	cr_assert_eq(wn_utf8_count(text, len), count_plain(text, len));
	cr_assert_lt(wn_utf8_count(text, len), len, "no multi-byte character in the file");
	free(text);
}

/* Every character of the Basic Multilingual Plane through both repairs,
 * alone and doubled (two non-ASCII characters side by side are where
 * mojibake is looked for), between ASCII words. */
Test(fastpath, repair_of_every_bmp_character)
{
	struct stage_check c = { 0 };
	const struct wn_options opt = { 0 };
	for (int k = 0; k < 2; k++) {
		cr_assert_eq(wn_repair_init(&c.repair[k], &opt), 0);
		cr_assert_eq(wn_punct_init(&c.punct[k], &opt), 0);
		c.repair[k].reference = c.punct[k].reference = k == 1;
	}
	for (int32_t cp = 0x80; cp <= 0xFFFF; cp++) {
		if (cp >= 0xD800 && cp <= 0xDFFF)
			continue;
		char enc[4], line[32];
		const size_t len = wn_utf8_encode(cp, enc);
		size_t n = 0;
		put(line, &n, "Ab ", 3);
		put(line, &n, enc, len);
		put(line, &n, "cd ", 3);
		put(line, &n, enc, len);
		put(line, &n, enc, len);
		line[n++] = 'e';
		stage_line(line, n, &c);
	}
	for (int k = 0; k < 2; k++) {
		wn_repair_free(&c.repair[k]);
		wn_punct_free(&c.punct[k]);
	}
	cr_assert_gt(c.changed, 100);
	cr_assert_eq(c.differ, 0, "%zu of %zu characters differ", c.differ, c.lines);
}

/* ---- The mojibake check (wn_mojibake_clean_utf8) ------------------------ */

/* What the check must say of p[0..n): valid UTF-8 whose characters score
 * no suspicion at all (wn_mojibake_badness, the repair's own score). */
static bool clean_ref(const char *p, size_t n)
{
	int32_t *cps = malloc((n ? n : 1) * sizeof(*cps));
	cr_assert(cps);
	size_t m = 0;
	bool ok = true;
	for (size_t i = 0; i < n && ok;) {
		const size_t len = wn_utf8_decode((const unsigned char *)p + i, n - i, &cps[m++]);
		ok = len != 0;
		i += len;
	}
	ok = ok && wn_mojibake_badness(cps, m) == 0;
	free(cps);
	return ok;
}

static bool holds(const char *p, size_t n, const char *s)
{
	const size_t k = strlen(s);
	for (size_t i = 0; i + k <= n; i++)
		if (memcmp(p + i, s, k) == 0)
			return true;
	return false;
}

struct clean_check {
	size_t lines, dirty, boxes, runs; /* runs: no-class runs of non-ASCII */
	size_t differ;
};

static void check_clean(const char *p, size_t n, struct clean_check *c)
{
	char *in = exact_copy(p, n);
	const bool fast = wn_mojibake_clean_utf8(in, n), ref = clean_ref(in, n);
	c->lines++;
	c->dirty += !ref;
	c->boxes += holds(in, n, "\u2588\u2588") || holds(in, n, "\u2500\u2500");
	c->runs += holds(in, n, "\u043e\u0432") || holds(in, n, "\u306e");
	if (fast != ref) {
		c->differ++;
		cr_log_error("mojibake check says %d on \"%.*s\"", fast, (int)n, in);
	}
	free(in);
}

static void clean_line(const char *p, size_t n, void *ctx)
{
	check_clean(p, n, ctx);
}

/* The check's runs (characters of no class after one, box drawings after
 * one) on real lines: those of tests/data, with its box-drawing art
 * (clean-gold.txt) and Cyrillic with dashes and guillemets (clean-aeb.txt). */
Test(fastpath, mojibake_check_of_every_line)
{
	struct clean_check c = { 0 };
	each_line(clean_line, &c);
	static const char *const more[] = { "tests/data/clean-gold.txt", "tests/data/punct/clean-aeb.txt" };
	for (size_t f = 0; f < 2; f++) {
		size_t len;
		char *text = read_source_file(more[f], &len);
		for (const char *q = text, *end = text + len; q < end;) {
			const char *nl = memchr(q, '\n', (size_t)(end - q));
			const size_t n = (size_t)((nl ? nl : end) - q);
			for (size_t s = 0; s < NSHIFTS && shifts[s] <= n; s++)
				check_clean(q + shifts[s], n - shifts[s], &c);
			q = nl ? nl + 1 : end;
		}
		free(text);
	}
	cr_assert_gt(c.boxes, 20);
	cr_assert_gt(c.runs, 100);
	cr_assert_gt(c.dirty, 20);
	cr_assert_eq(c.differ, 0, "%zu of %zu lines differ", c.differ, c.lines);
}

/* Every BMP character after and before each kind of run the check takes in
 * one step (box drawings, Cyrillic, CJK, kana, Hangul, ASCII) and after the
 * characters that lead mojibake (Ã, â, Ð, В), alone and doubled. */
Test(fastpath, mojibake_check_of_every_bmp_character)
{
	static const char *const around[] = {
		"", "\u2588", "\u2591\u2588", "\u25a0", "\u2500", "\u25a1", "\u0431\u0430",
		"\u044f", "\u0410", "\u0451", "\u65e5\u672c", "\u306e", "\ud55c", "ab ", "a",
		"\u00c3", "\u00e2\u20ac", "\u00d0", "\u0412", "\u0420\u045f",
	};
	const size_t nar = sizeof(around) / sizeof(around[0]);
	struct clean_check c = { 0 };
	for (int32_t cp = 0x80; cp <= 0xFFFF; cp++) {
		if (cp >= 0xD800 && cp <= 0xDFFF)
			continue;
		char enc[4], line[64];
		const size_t len = wn_utf8_encode(cp, enc);
		for (size_t a = 0; a < nar; a++)
			for (size_t b = 0; b < 4; b++) {
				const char *after = around[(b * 5 + (size_t)cp % 5) % nar];
				size_t n = 0;
				put(line, &n, around[a], strlen(around[a]));
				put(line, &n, enc, len);
				if (b & 1)
					put(line, &n, enc, len);
				put(line, &n, after, strlen(after));
				check_clean(line, n, &c);
			}
		/* Between a run and what is suspicious after a box drawing or
		 * an accented letter: the run must end where its class does. */
		static const char *const runs[] = { "\u2588", "\u0431", "\u65e5", "a", "" };
		static const char *const marks[] = { "\u00c3", "\u00e9", "\u20ac", "\u00ab", "\u00b1", "\u00a7" };
		for (size_t a = 0; a < 5; a++)
			for (size_t b = 0; b < 6; b++) {
				size_t n = 0;
				put(line, &n, runs[a], strlen(runs[a]));
				put(line, &n, enc, len);
				put(line, &n, marks[b], strlen(marks[b]));
				check_clean(line, n, &c);
			}
	}
	cr_assert_gt(c.dirty, 10000);
	cr_assert_eq(c.differ, 0, "%zu of %zu lines differ", c.differ, c.lines);
}

/* ---- The one pass of a plain line (plain.c) ------------------------------ */

struct plain_check {
	struct wn_repair repair;
	struct wn_punct punct;
	bool punctuation; /* wn_plain_key's other: Cyrillic, CJK, punctuation */
	size_t plain, other;
	size_t punct_lines; /* plain lines not all ASCII */
	size_t wake_lines;  /* plain lines a punctuation rule may act on */
	size_t differ;
};

/* What a plain line may hold beyond ASCII: basic Cyrillic letters and CJK
 * ideographs; Latin-1 letters but the signs, sharp s and the leads of
 * mojibake (U+00C2, U+00C3); general punctuation that no repair touches
 * and the Latin-1 signs that are no letter or number (not NBSP nor the
 * soft hyphen); the last two kinds with ASCII (or the line's ends) around;
 * one kind a line. */
static bool quiet_beyond_ascii(const char *p, size_t n)
{
	const unsigned char *u = (const unsigned char *)p;
	unsigned kinds = 0; /* one of them: see plain.c */
	for (size_t i = 0; i < n;) {
		if (u[i] < 0x80) {
			i++;
			continue;
		}
		int32_t cp;
		const size_t len = wn_utf8_decode(u + i, n - i, &cp);
		if (!len)
			return false;
		const bool letter = (cp >= 0x410 && cp <= 0x44F) || (cp >= 0x4E00 && cp <= 0x9FA5);
		const bool latin = cp >= 0xC0 && cp <= 0xFF && cp != 0xC2 && cp != 0xC3 &&
				   cp != 0xD7 && cp != 0xDF && cp != 0xF7;
		const bool sign = cp >= 0xA1 && cp <= 0xBF && cp != 0xAA && cp != 0xAD &&
				  cp != 0xB2 && cp != 0xB3 && cp != 0xB5 && cp != 0xB9 && cp != 0xBA &&
				  (cp < 0xBC || cp > 0xBE);
		const bool punct = (cp >= 0x2010 && cp <= 0x2027) || (cp >= 0x2030 && cp <= 0x205E) ||
				   sign;
		const bool alone = !(i > 0 && u[i - 1] >= 0x80) && !(i + len < n && u[i + len] >= 0x80);
		if (!letter && (!(latin || punct) || !alone))
			return false;
		kinds |= letter ? 1u : latin ? 2u : 4u;
		i += len;
	}
	return (kinds & (kinds - 1)) == 0;
}

/* wn_plain_key says plain exactly when the repairs' scan finds nothing
 * (or, with punctuation, only lone general punctuation) and the
 * punctuation rules' candidates (both the plain loops) find nothing; then
 * no stage changes the line, and its key is wn_key_normalize's, of the line
 * and of the line trimmed as the filter trims it. */
static void check_plain(const char *p, size_t n, struct plain_check *c)
{
	char *in = exact_copy(p, n);
	char *key = malloc(3 * n + WN_PLAIN_SLACK);
	const size_t cap = 3 * n + 12;
	char *ref = malloc(cap);
	cr_assert(key && ref);
	size_t len = SIZE_MAX;
	const int kind = wn_plain_key(in, n, c->punctuation, key, &len);
	bool ascii = true, other = false, amp = false;
	for (size_t i = 0; i < n; i++) {
		const unsigned char b = (unsigned char)in[i];
		const unsigned char next = i + 1 < n ? (unsigned char)in[i + 1] : 0;
		ascii &= b < 0x80;
		amp |= b == '&';
		/* An '&' may start a character reference only before a letter
		 * or '#'. */
		other |= (b == '&' && (((next | 0x20) >= 'a' && (next | 0x20) <= 'z') || next == '#')) ||
			 b == 0x7F ||
			 (b < 0x20 && b != '\t');
	}
	const uint32_t rules = wn_punct_candidates(in, n, true);
	const bool wakes = rules != 0;
	/* punct.c's candidates scan (SSE2 or AVX2, as the pass) finds the
	 * same rules as its byte loop. */
	if (wn_punct_candidates(in, n, false) != rules) {
		c->differ++;
		cr_log_error("candidates %x, expected %x: \"%.*s\"",
			     wn_punct_candidates(in, n, false), rules, (int)n, in);
	}
	const int base = other ? 0
			 : ascii ? WN_PLAIN_ASCII
			 : c->punctuation && quiet_beyond_ascii(in, n) ? WN_PLAIN_OTHER : 0;
	const int expect = base ? base | (wakes ? WN_PLAIN_PUNCT : 0) : 0;
	if (base == WN_PLAIN_ASCII && !amp)
		cr_assert_eq(wn_repair_scan(in, n, true), 0);
	const bool plain = kind != 0;
	if (kind != expect) {
		c->differ++;
		cr_log_error("plain %d, expected %d: \"%.*s\"", kind, expect, (int)n, in);
	}
	c->punct_lines += (kind & WN_PLAIN_OTHER) != 0;
	c->wake_lines += (kind & WN_PLAIN_PUNCT) != 0;
	if (plain) {
		c->plain++;
		const size_t r = wn_key_normalize_ref(in, n, ref, cap);
		size_t t = n;
		while (t && (in[t - 1] == ' ' || in[t - 1] == '\t'))
			t--;
		char *tref = malloc(cap);
		cr_assert(tref);
		const size_t tr = wn_key_normalize_ref(in, t, tref, cap);
		if (len != r || memcmp(key, ref, r) != 0 || tr != r || memcmp(tref, ref, r) != 0) {
			c->differ++;
			cr_log_error("plain key of \"%.*s\": \"%.*s\" vs \"%.*s\"", (int)n, in,
				     (int)(len == SIZE_MAX ? 0 : len), key, (int)r, ref);
		}
		free(tref);
		struct wn_line line = { in, n };
		uint32_t fired;
		cr_assert_eq(wn_repair_push(&c->repair, &line, &fired), 0);
		cr_assert_eq(fired, 0, "a repair fired on the plain \"%.*s\"", (int)n, in);
		if (!(kind & WN_PLAIN_PUNCT)) {
			cr_assert_eq(wn_punct_push(&c->punct, &line, &fired), 0);
			cr_assert_eq(fired, 0, "a punctuation rule fired on \"%.*s\"", (int)n, in);
		}
	} else {
		c->other++;
	}
	free(ref);
	free(key);
	free(in);
}

static void plain_line(const char *p, size_t n, void *ctx)
{
	check_plain(p, n, ctx);
}

static void plain_init(struct plain_check *c, bool punctuation)
{
	const struct wn_options opt = { 0 };
	memset(c, 0, sizeof(*c));
	c->punctuation = punctuation;
	cr_assert_eq(wn_repair_init(&c->repair, &opt), 0);
	cr_assert_eq(wn_punct_init(&c->punct, &opt), 0);
	c->repair.reference = c->punct.reference = true;
}

static void plain_free(struct plain_check *c)
{
	wn_repair_free(&c->repair);
	wn_punct_free(&c->punct);
}

/* Makes wn_plain_key run the pass path; false (and a note) when this CPU
 * cannot run it. */
static bool use_path(int path)
{
	if (wn_plain_use(path) == path)
		return true;
	cr_log_warn("this CPU has no AVX2: only the SSE2 pass is checked");
	return false;
}

static void check_plain_lines(bool punctuation, int path)
{
	if (!use_path(path))
		return;
	struct plain_check c;
	plain_init(&c, punctuation);
	each_line(plain_line, &c);
	plain_free(&c);
#if defined(__SSE2__)
	cr_assert_gt(c.plain, 20000, "too few plain lines: %zu", c.plain);
	if (punctuation)
		cr_assert_gt(c.punct_lines, 1000, "too few with punctuation: %zu", c.punct_lines);
	cr_assert_gt(c.wake_lines, 1000, "too few waking the rules: %zu", c.wake_lines);
#endif
	cr_assert_gt(c.other, 10000, "too few other lines: %zu", c.other);
	cr_assert_eq(c.differ, 0, "%zu of %zu lines differ", c.differ, c.plain + c.other);
}

/* Each pass (SSE2, and AVX2 when the CPU has it) on its own. */
Test(fastpath, plain_of_every_line)
{
	check_plain_lines(false, WN_PLAIN_PATH_SSE2);
}

Test(fastpath, plain_with_punctuation_of_every_line)
{
	check_plain_lines(true, WN_PLAIN_PATH_SSE2);
}

Test(fastpath, plain_of_every_line_avx2)
{
	check_plain_lines(false, WN_PLAIN_PATH_AVX2);
}

Test(fastpath, plain_with_punctuation_of_every_line_avx2)
{
	check_plain_lines(true, WN_PLAIN_PATH_AVX2);
}

/* Each byte or pair that rules a line out (or does not), at every offset
 * of lines of every length up to 81: the blocks' seams (16 and 32 bytes),
 * the last block's overlap and the short lines' padding. */
static void check_plain_probes(bool punctuation, int path)
{
	if (!use_path(path))
		return;
	static const char *const probes[] = {
		" ,", "  ", ",a", ",,", ".A", "..", ";x", ":B", " !", " ?", " .", " :",
		"&", "&#", "&#39;", "&amp;", "&a", "&Z", "&@", "&[", "&`", "&{", "& ", "&&", "&1",
		"&\xc3\xa9", "\x01", "\x7f", "\r", "\xc3\xa9", "\t", "'", "\"", ". ", ", ", "a.b",
		".a", ",1", ":1", "!!", " '", "-- ", "!A", "?B", "(a)", "U.S.", "x\".",
		/* general punctuation: ’ “ — at the range ends, alone and not */
		"\xe2\x80\x99", "a\xe2\x80\x9c", "\xe2\x80\x94 ", "\xe2\x80\x90", "\xe2\x80\xa7",
		"\xe2\x80\xa8", "\xe2\x80\xaf", "\xe2\x80\xb0", "\xe2\x81\x9e", "\xe2\x81\x9f",
		"\xe2\x80\x8f", "\xe2\x80\x99\xe2\x80\x9d", "\xe2\x80", "\xe2", "\x99",
		",\xe2\x80\x99", ".\xe2\x80\x9d", "\xe2\x80\x98.", "\xc3\xa2\xe2\x82\xac",
		/* Cyrillic and CJK at the ranges' ends, and just outside */
		"\xd0\x9f\xd1\x80\xd0\xb8", "\xd0\x90", "\xd1\x8f", "\xd0\x8f", "\xd1\x90",
		"\xe4\xb8\x80", "\xe9\xbe\xa5", "\xe9\xbe\xa6", "\xe4\xb7\xbf", "\xe4\xb8",
		"\xd0", "\xe4\xb8\xad\xe2\x80\x94", "\xd0\xb0\xe4\xb8\xad", ",\xd0\xb0",
		".\xd0\x90", "\xd0\xb0.", "\xed\xa0\x80", "\xe0\xb8\x80", "\xd0\xb0\xcc\x81",
		"\xd0\xb0\xd0\xb1 \xe2\x80\x99",
		/* the ends of the AVX2 pass's nibble classes: letters split at
		 * O/P and o/p, the bytes around them, the controls' edges */
		",@", ",[", ",`", ",{", ",O", ",P", ",Z", ",o", ",p", ",z", ".@", ".[", ".O",
		".P", ".Z", ".`", ".z", ":@", ":[", ":`", ":{", ";O", ":P", ";o", ":p", ":z",
		" /", " @", " >", " ;", " \"", " #", " >", "\x1f", "\x10", "\x0f", "\x08",
		"\n", "\x0b", "~", "%", "'", "\x7e.", "., ", ",\x7f",
		/* Cyrillic capitals keyed in the AVX2 pass: each range's ends */
		"\xd0\x9f", "\xd0\xa0", "\xd0\xaf", "\xd0\xb0", "\xd0\xbf", "\xd1\x80",
		"\xd0\x90\xd0\xaf\xd0\x9f\xd0\xa0", "a\xd0\xaf.", "\xd0\xaf\xe4\xb8\x80",
		"\xd0\xc0", "\xd0\xd0\x90", "\xd1\xbf", "\xd0\xbf\xc0",
		/* Latin-1 letters: the ends, the signs, sharp s, the leads of
		 * mojibake, side by side, beside other kinds, cut short */
		"\xc3\x80", "\xc3\x81", "\xc3\x84", "\xc3\x96", "\xc3\x97", "\xc3\x98",
		"\xc3\x9e", "\xc3\x9f", "\xc3\xa0", "\xc3\xb6", "\xc3\xb7", "\xc3\xbf",
		"\xc3\x82", "\xc3\x83", "\xc3\x83 ", "\xc3\x83\xc2\xa9", "\xc3\xa9\xc3\xa8",
		"\xc2\xa9", "\xc2\xbf", "\xc3\xc0", "\xc3", "\xc3\x7f", "\xc3\xa9\xd0\xb0",
		"\xc3\xa9 \xd0\xb0", "\xc3\xa9 \xe2\x80\x99", "\xc3\xa9 \xe4\xb8\x80",
		"M\xc3\xbcller", "\xc3\x89T\xc3\x89", ",\xc3\xa9", ".\xc3\x89", "\xc3\xa9.",
		"\xc3\xa9\xcc\x81", "e\xcc\x81",
		/* Latin-1 signs: each end, the letters and numbers among them,
		 * NBSP and the soft hyphen, beside other kinds and marks */
		"\xc2\xa0", "\xc2\xa1", "\xc2\xa9", "\xc2\xaa", "\xc2\xab", "\xc2\xad",
		"\xc2\xb2", "\xc2\xb4", "\xc2\xb5", "\xc2\xb7", "\xc2\xba", "\xc2\xbb",
		"\xc2\xbc", "\xc2\xbe", "\xc2\xbf", "\xc2\x9f", "\xc2\xc0", "\xc2",
		"\xc2\xab \xe2\x80\x9c", "\xc2\xa9 \xc3\xa9", "\xc2\xa9\xc2\xae",
		"\xc2\xab ", " \xc2\xbb", "\xc2\xbb.", ",\xc2\xbf", ".\xc2\xa1", "\xc2\xa9 \xd0\xb0",
		"a\xc2\xb7" "b", "\xc2\xa3" "5", "5\xc2\xb0",
	};
	struct plain_check c;
	plain_init(&c, punctuation);
	char line[96];
	for (size_t pr = 0; pr < sizeof(probes) / sizeof(probes[0]); pr++) {
		const size_t plen = strlen(probes[pr]);
		for (size_t len = plen; len < 82; len++)
			for (size_t at = 0; at + plen <= len; at++) {
				for (size_t i = 0; i < len; i++) /* plain filler: no ". G" */
					line[i] = "ab cd9 Ef gh"[i % 12];
				memcpy(line + at, probes[pr], plen);
				check_plain(line, len, &c);
			}
	}
	plain_free(&c);
	cr_assert_gt(c.other, 1000);
	cr_assert_gt(c.plain, 1000);
	if (punctuation)
		cr_assert_gt(c.punct_lines, 1000);
	cr_assert_eq(c.differ, 0, "%zu of %zu lines differ", c.differ, c.plain + c.other);
}

Test(fastpath, plain_at_every_offset)
{
	check_plain_probes(false, WN_PLAIN_PATH_SSE2);
	check_plain_probes(true, WN_PLAIN_PATH_SSE2);
}

Test(fastpath, plain_at_every_offset_avx2)
{
	check_plain_probes(false, WN_PLAIN_PATH_AVX2);
	check_plain_probes(true, WN_PLAIN_PATH_AVX2);
}

/* ---- The punctuation rules' wake (punct.c's candidates) ------------------ */

/* A rule fires only where a pair wakes it: each line comes out of the rules
 * the same whether only the woken ones run or every one does. */
struct wake_check {
	struct wn_punct woken, every;
	size_t lines, fired, differ;
};

static void check_wake(const char *p, size_t n, void *ctx)
{
	struct wake_check *c = ctx;
	char *in = exact_copy(p, n);
	struct wn_line a = { in, n }, b = { in, n };
	uint32_t fa, fb;
	cr_assert_eq(wn_punct_push(&c->woken, &a, &fa), 0);
	wn_punct_test_every_rule = true;
	const int rc = wn_punct_push(&c->every, &b, &fb);
	wn_punct_test_every_rule = false;
	cr_assert_eq(rc, 0);
	c->lines++;
	c->fired += fb != 0;
	if (fa != fb || a.len != b.len || memcmp(a.ptr, b.ptr, a.len) != 0) {
		c->differ++;
		cr_log_error("rules %x fired as woken, %x with every rule run: \"%.*s\"", fa, fb,
			     (int)n, in);
	}
	free(in);
}

Test(fastpath, punct_wakes_every_rule_that_fires)
{
	const struct wn_options opt = { 0 };
	struct wake_check c = { 0 };
	cr_assert_eq(wn_punct_init(&c.woken, &opt), 0);
	cr_assert_eq(wn_punct_init(&c.every, &opt), 0);
	each_line(check_wake, &c);
	/* A mark before each kind of byte >= 0x80: letters of spaced scripts
	 * (the rules' business), closing quotes and CJK (not). */
	static const char *const lines[] = {
		"They met at the caf\xc3\xa9,\xc3\xa9t\xc3\xa9 was over.",
		"It was the end.\xc3\x89ric left early.",
		"He said that,\xd0\xb6\xd0\xb8\xd0\xb7\xd0\xbd\xd1\x8c goes on.",
		"It was over:\xce\xb1\xce\xb2 and more.",
		"\xe2\x80\x9cWe won,\xe2\x80\x9d he said.",
		"\xe2\x80\x9cWe won.\xe2\x80\x9d He left.",
		"\xe4\xb8\xad\xe5\x9b\xbd,\xe6\x97\xa5\xe6\x9c\xac.\xe9\x9f\xa9\xe5\x9b\xbd",
		"the end.\xea\xb0\x80\xeb\x82\x98 starts",
		"a list,\xe2\x80\xa6 and more,\xe2\x80\x94 too",
		"the math.\xe2\x84\x93 is a letter",
		"the end,\xe2",
	};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		check_wake(lines[i], strlen(lines[i]), &c);
	wn_punct_free(&c.woken);
	wn_punct_free(&c.every);
	cr_assert_gt(c.fired, 500, "too few lines a rule fires on: %zu of %zu", c.fired, c.lines);
	cr_assert_eq(c.differ, 0, "%zu of %zu lines differ", c.differ, c.lines);
}
