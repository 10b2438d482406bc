/* test_repair_corpus.c - the character repairs on real text: clean
 * references must come out unchanged (but for the changes we intend, each
 * counted), and real scraped text, clean or broken, must come out valid
 * UTF-8 and need no second repair. */
#include <criterion/criterion.h>

#include "common.h"
#include "internal.h"
#include "repair_util.h"

TestSuite(repair_corpus);

/* What the repairs do to each line of file: the number of changed lines
 * per rule and of changed bytes, the lines each rule changed alone. */
struct tally {
	size_t lines;
	size_t changed;
	size_t by_rule[32];
	uint32_t rules;  /* union of the rules that fired */
	size_t bytes_in; /* of changed lines */
};

static struct tally repair_file(const char *rel, const struct wn_options *opt)
{
	size_t len;
	char *text = read_source_file(rel, &len);
	struct wn_repair r;
	cr_assert_eq(wn_repair_init(&r, opt), 0);
	struct tally t = { 0 };
	char e1[1024], e2[1024];
	for (const char *p = text, *end = text + len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const size_t n = (size_t)((nl ? nl : end) - p);
		struct repaired out = repair_with(&r, p, n);
		t.lines++;
		if (out.fired) {
			t.changed++;
			t.rules |= out.fired;
			t.bytes_in += n;
			for (unsigned b = 0; b < 32; b++)
				t.by_rule[b] += out.fired >> b & 1;
			cr_log_info("%s: %s: \"%s\" -> \"%s\"", rel, out.rules, escaped(p, n, e1, 1024),
				    escaped(out.text, out.len, e2, 1024));
		}
		free(out.text);
		p = nl ? nl + 1 : end;
	}
	wn_repair_free(&r);
	free(text);
	return t;
}

#define BIT(rule) (1u << (rule))

/* Gold text of 29 documents in 6 languages (tests/data/SOURCE.md). The
 * references hold three things we change on purpose: a BOM left on the
 * first line of four CleanEval files; NBSPs where the HTML had &nbsp; as
 * a plain space (six lines); and entities left escaped in the text of two
 * pages (ten lines: "&amp;" in commit titles, "&bullet;", "&sc;"). With
 * those three rules off, nothing may change at all. */
Test(repair_corpus, clean_references_unchanged)
{
	struct wn_options opt = { 0 };
	opt.repair_off = BIT(WN_REPAIR_BOM) | BIT(WN_REPAIR_SPACES) | BIT(WN_REPAIR_ENTITIES);
	struct tally t = repair_file("tests/data/clean-gold.txt", &opt);
	cr_assert_gt(t.lines, 7000);
	cr_assert_eq(t.changed, 0, "%zu lines (%zu bytes) of clean text changed", t.changed,
		     t.bytes_in);
	t = repair_file("samples/000_bf096e77d9db111c.expected", &opt);
	cr_assert_eq(t.changed, 0);
}

Test(repair_corpus, clean_references_change_only_as_intended)
{
	const struct wn_options opt = { 0 };
	const struct tally t = repair_file("tests/data/clean-gold.txt", &opt);
	cr_assert_eq(t.rules, BIT(WN_REPAIR_BOM) | BIT(WN_REPAIR_SPACES) | BIT(WN_REPAIR_ENTITIES));
	cr_assert_eq(t.by_rule[WN_REPAIR_BOM], 4);
	cr_assert_eq(t.by_rule[WN_REPAIR_SPACES], 6);
	cr_assert_eq(t.by_rule[WN_REPAIR_ENTITIES], 10);
	cr_assert_eq(t.changed, 20);
}

/* Repairs each line of rel, then each line of the result again: the
 * second pass must change nothing, and the result must be valid UTF-8. */
static void check_stable(const char *rel)
{
	size_t len;
	char *text = read_source_file(rel, &len);
	const struct wn_options opt = { 0 };
	struct wn_repair r;
	cr_assert_eq(wn_repair_init(&r, &opt), 0);
	size_t changed = 0;
	char e1[1024], e2[1024], e3[1024];
	for (const char *p = text, *end = text + len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const size_t n = (size_t)((nl ? nl : end) - p);
		struct repaired once = repair_with(&r, p, n), twice;
		changed += once.fired != 0;
		cr_assert(wn_utf8_valid(once.text, once.len), "%s: \"%s\"", rel, escaped(p, n, e1, 1024));
		cr_assert(repair_is_stable(&r, once.text, once.len, &twice),
			  "%s: \"%s\"\n  -> \"%s\"\n  -> \"%s\" (%s)", rel, escaped(p, n, e1, 1024),
			  escaped(once.text, once.len, e2, 1024), escaped(twice.text, twice.len, e3, 1024),
			  twice.rules);
		free(once.text);
		p = nl ? nl + 1 : end;
	}
	fprintf(stderr, "repair_corpus: %s: %zu lines changed, all stable\n", rel, changed);
	wn_repair_free(&r);
	free(text);
}

Test(repair_corpus, clean_text_repairs_once_for_all)
{
	check_stable("tests/data/clean-gold.txt");
}

Test(repair_corpus, scraped_text_repairs_once_for_all)
{
	check_stable("tests/data/aeb-25.txt");
}

/* Raw HTML of a Common Crawl WARC: pages in GB2312, Windows-1251 and
 * UTF-8, so lines that are not UTF-8 at all, partly, or fully. */
Test(repair_corpus, raw_crawl_repairs_to_valid_utf8_once_for_all)
{
	check_stable("tests/data/warc-head.txt");
}
