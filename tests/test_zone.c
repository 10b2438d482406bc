/* test_zone.c - zone.c: the document buffer, footer zones and the tail, on
 * judged lines built by hand, and the shape of a line's end. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

TestSuite(zone);

/* A document of judged lines, from a compact spec per line:
 *   'P' a kept paragraph (long), 'b' a kept brief line, 's' a kept short
 *   sentence, 'B' blank, 'R' dropped by a rule, 'F' a footer marker,
 *   'T' a kept tail candidate (copyright). */
static size_t build(struct wn_judged *r, const char *spec)
{
	size_t n = 0;
	for (const char *c = spec; *c; c++, n++) {
		struct wn_judged *l = &r[n];
		memset(l, 0, sizeof(*l));
		l->line_no = n + 1;
		l->off = 10 * n;
		l->len = 10;
		l->rule = "";
		switch (*c) {
		case 'P': break;
		case 'b': l->short_line = l->brief = true; break;
		case 's': l->short_line = true; break;
		case 'B': l->blank = true; break;
		case 'R': l->reason = WN_DROP_RULE; l->rule = "rule"; l->short_line = true; break;
		case 'F': l->reason = WN_DROP_RULE; l->zone = WN_ZONE_FOOTER; l->rule = "related";
			l->short_line = l->brief = true; break;
		case 'T': l->zone = WN_ZONE_TAIL; l->rule = "copyright"; l->short_line = true; break;
		default: cr_assert_fail("bad spec '%c'", *c);
		}
	}
	return n;
}

/* The outcome per line: '.' kept or blank, 'r' rule, 'z' zone. */
static void outcome(const struct wn_judged *r, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		out[i] = r[i].reason == WN_DROP_ZONE ? 'z' : r[i].reason == WN_DROP_RULE ? 'r' : '.';
	out[n] = '\0';
}

struct zone_case {
	const char *spec;
	const char *want;
	const char *why;
};

static const struct zone_case cases[] = {
	{ "PPPPPFbbbPb", ".....rzzz..", "a footer zone ends at the first paragraph" },
	{ "PPPPPFbBbsb", ".....rz.z..", "blank lines do not end it; a short sentence does" },
	{ "PPPPPFbRbTb", ".....rzrzzz", "dropped lines and tail candidates carry it on" },
	{ "FbbPPPPPP", "r........", "a marker before the text opens no zone" },
	{ "bbFbPbFbb", "..r...rzz", "a short line is not the text yet" },
	{ "PFbBbsb", ".rz.z..", "a zone right after the first paragraph" },
	{ "PPPPTRb", "....zr.", "copyright among boilerplate at the end goes" },
	{ "PPPPT", ".....", "a lone copyright after the text is the article's own" },
	{ "PPPPbbT", ".......", "short lines alone are no footer" },
};

Test(zone, footer_and_tail)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct wn_judged r[32];
		char got[33];
		const size_t n = build(r, cases[i].spec);
		struct wn_zone z = { 0 };
		cr_expect_eq(wn_zone_judge(&z, r, n, 0, true), n);
		outcome(r, n, got);
		cr_expect_str_eq(got, cases[i].want, "%s: %s (got %s)", cases[i].spec, cases[i].why,
				 got);
	}
}

Test(zone, copyright_in_the_body_stays)
{
	struct wn_judged r[8];
	char got[9];
	const size_t n = build(r, "PPTPRT");
	struct wn_zone z = { 0 };
	wn_zone_judge(&z, r, n, 0, true);
	outcome(r, n, got);
	cr_expect_str_eq(got, "....rz");
	cr_expect_str_eq(r[5].rule, "copyright");
}

/* A piece of a long document: the lines that may be its tail wait. */
Test(zone, pieces_keep_their_possible_tail)
{
	struct wn_judged r[16];
	char got[17];
	struct wn_zone z = { 0 };
	size_t n = build(r, "PPPPRT");
	cr_expect_eq(wn_zone_judge(&z, r, n, 20, false), 4, "R and T wait");
	outcome(r, n, got);
	cr_expect_str_eq(got, "....r.", "a piece that does not end the document has no tail");
	n = build(r, "RTPRT");
	cr_expect_eq(wn_zone_judge(&z, r, n, 0, true), n);
	outcome(r, n, got);
	cr_expect_str_eq(got, "r..rz");
	cr_expect(!z.body && !z.footer, "the document's end resets the state");
}

Test(zone, pieces_carry_the_text_and_an_open_zone)
{
	struct wn_judged r[16];
	char got[17];
	struct wn_zone z = { 0 };
	size_t n = build(r, "PP");
	cr_expect_eq(wn_zone_judge(&z, r, n, 100, false), 2);
	cr_expect(z.body);
	n = build(r, "Fbbb");
	cr_expect_eq(wn_zone_judge(&z, r, n, 39, false), n, "40 bytes: too long to wait");
	outcome(r, n, got);
	cr_expect_str_eq(got, "rzzz", "the text began in the previous piece");
	cr_expect_str_eq(z.footer, "related");
	n = build(r, "bbPbb");
	cr_expect_eq(wn_zone_judge(&z, r, n, 20, false), 3, "the last two wait");
	outcome(r, n, got);
	cr_expect_str_eq(got, "zz...", "the open zone went on into this piece");
	cr_expect_null(z.footer, "closed where the waiting lines start");
	n = build(r, "bbFbb");
	cr_expect_eq(wn_zone_judge(&z, r, n, 100, false), 0, "all may be the tail: all wait");
	cr_expect_null(z.footer);
	n = build(r, "bbFbbb");
	cr_expect_eq(wn_zone_judge(&z, r, n, 100, true), n);
	outcome(r, n, got);
	cr_expect_str_eq(got, "..rzzz", "judged again with the rest");
}

Test(zone, footer_zone_names_its_marker)
{
	struct wn_judged r[8];
	const size_t n = build(r, "PPPFbT");
	struct wn_zone z = { 0 };
	wn_zone_judge(&z, r, n, 0, true);
	cr_expect_eq(r[4].reason, WN_DROP_ZONE);
	cr_expect_str_eq(r[4].rule, "related");
	cr_expect_eq(r[5].reason, WN_DROP_ZONE);
	cr_expect_str_eq(r[5].rule, "copyright", "a tail line keeps its own rule");
}

struct end_case {
	const char *text;
	bool sentence;
	bool marked;
};

static const struct end_case ends[] = {
	{ "Read more", false, false },
	{ "more.", true, true },
	{ "Why?", true, true },
	{ "Stop!", true, true },
	{ "Loading…", true, true },
	{ "He said: “It ends.”", true, true },
	{ "(It ends.)", true, true },
	{ "« Fin. »", true, true },
	{ "完了。", true, true },
	{ "Email:", false, true },
	{ "Share this:", false, true },
	{ "Required fields are marked *", false, false },
	{ "In “News”", false, false },
	{ "", false, false },
	{ "\"", false, false },
	{ "\xe2\x80", false, false },
};

Test(zone, line_ends)
{
	for (size_t i = 0; i < sizeof(ends) / sizeof(ends[0]); i++) {
		const struct end_case *c = &ends[i];
		cr_expect_eq(wn_ends_sentence(c->text, strlen(c->text)), c->sentence, "'%s'", c->text);
		cr_expect_eq(wn_ends_marked(c->text, strlen(c->text)), c->marked, "'%s'", c->text);
	}
}

Test(zone, doc_buffer_keeps_text_and_records)
{
	struct wn_doc d;
	memset(&d, 0, sizeof(d));
	char line[32];
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < 1000; i++) {
			const int n = snprintf(line, sizeof(line), "line %d", i);
			const struct wn_judged v = { .len = (size_t)n, .line_no = (uint64_t)i + 1 };
			cr_assert_eq(wn_doc_append(&d, &v, line), 0);
		}
		cr_assert_eq(d.n, 1000);
		for (size_t i = 0; i < d.n; i++) {
			snprintf(line, sizeof(line), "line %zu", i);
			cr_expect_eq(d.recs[i].len, strlen(line));
			cr_expect(memcmp(d.text.ptr + d.recs[i].off, line, d.recs[i].len) == 0);
			cr_expect_eq(d.recs[i].line_no, i + 1);
		}
		const size_t cap = d.cap;
		wn_doc_keep(&d, 990);
		cr_assert_eq(d.n, 10);
		for (size_t i = 0; i < d.n; i++) {
			snprintf(line, sizeof(line), "line %zu", 990 + i);
			cr_expect(memcmp(d.text.ptr + d.recs[i].off, line, d.recs[i].len) == 0);
		}
		cr_expect_eq(d.recs[0].off, 0);
		wn_doc_clear(&d);
		cr_expect_eq(d.n, 0);
		cr_expect_eq(d.cap, cap, "cleared, not freed: reused for the next document");
	}
	wn_doc_free(&d);
}
