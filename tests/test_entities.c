/* test_entities.c - HTML character references: the generated table, and
 * decoding, with what must be left alone. */
#include <criterion/criterion.h>

#include "common.h"
#include "internal.h"

TestSuite(entities);

Test(entities, table_is_sorted_and_complete)
{
	/* Python's html.entities.html5 has 2231 names, 2125 ending in ';'. */
	cr_assert_eq(WN_ENTITY_COUNT, 2125);
	for (size_t i = 0; i < WN_ENTITY_COUNT; i++) {
		const struct wn_entity *e = &wn_entities[i];
		cr_assert_eq(strlen(e->name), e->name_len, "%s", e->name);
		cr_assert(e->ncp == 1 || e->ncp == 2, "%s", e->name);
		cr_assert(e->cp[0] > 0 && e->cp[0] <= 0x10FFFF, "%s", e->name);
		if (i == 0)
			continue;
		const struct wn_entity *prev = &wn_entities[i - 1];
		cr_assert_lt(strcmp(prev->name, e->name), 0, "%s before %s", prev->name, e->name);
	}
}

struct ecase {
	const char *in;
	const char *want; /* NULL: left as it is */
};

static const struct ecase cases[] = {
	{ "Fish &amp; Chips", "Fish & Chips" },
	{ "caf&eacute; &#233; &#xE9; &#XE9; &#x00e9;", "caf\u00e9 \u00e9 \u00e9 \u00e9 \u00e9" },
	{ "don&#8217;t &rsquo; &#x2019;", "don\u2019t \u2019 \u2019" },
	{ "&AMP; &LT;&GT; &quot;&apos;", "& <> \"'" },
	{ "&hellip;&mdash;&nbsp;&copy;", "\u2026\u2014\u00a0\u00a9" },
	{ "&CounterClockwiseContourIntegral;", "\u2233" },
	{ "&nGt; &bne;", "\u226b\u20d2 =\u20e5" },                  /* two code points */
	{ "&#150; &#x80; &#159;", "\u2013 \u20ac \u0178" },          /* as Windows-1252 */
	{ "&#129; &#x9D;", "\xc2\x81" " \xc2\x9d" },                          /* undefined there */
	{ "&#0; &#xD800; &#x110000; &#99999999999999;", "\ufffd \ufffd \ufffd \ufffd" },
	{ "&#128512; &#x1F600;", "\U0001F600 \U0001F600" },
	{ "&amp;lt;b&amp;gt;", "<b>" },                                /* double-escaped */
	{ "&amp;amp;amp;quot;", "\"" },
	{ "&amp;&amp;", "&&" },
	{ "&&amp;", "&&" },
	{ "a&amp;", "a&" },
	{ "&amp;notanentity;", "&notanentity;" },
	/* Left alone. */
	{ "AT&T and Q&A", NULL },
	{ "&amp &lt &eacute", NULL },            /* no ';': ambiguous in text */
	{ "&notanentity; &Amp; &AMPx;", NULL },
	{ "&; &#; &#x; &#12a; &#x12g; &# 65;", NULL },
	{ "&", NULL },
	{ "&&&", NULL },
	{ "a & b &amp", NULL },
	{ "&a0123456789012345678901234567890123;", NULL }, /* longer than any name */
};

Test(entities, decode)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct ecase *c = &cases[i];
		struct wn_buf out = { 0 };
		bool changed;
		cr_assert_eq(wn_entities_decode(c->in, strlen(c->in), &out, &changed), 0);
		if (!c->want) {
			cr_expect(!changed, "\"%s\" changed to \"%.*s\"", c->in, (int)out.len, out.ptr);
			cr_expect_eq(out.len, 0, "\"%s\": nothing written when unchanged", c->in);
		} else {
			cr_expect(changed, "\"%s\" unchanged", c->in);
			cr_expect(out.len == strlen(c->want) && memcmp(out.ptr, c->want, out.len) == 0,
				  "\"%s\": got \"%.*s\", want \"%s\"", c->in, (int)out.len, out.ptr,
				  c->want);
		}
		wn_buf_free(&out);
	}
}

Test(entities, decoding_twice_changes_nothing)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (!cases[i].want || wn_entities_literal(cases[i].want, strlen(cases[i].want)))
			continue;
		struct wn_buf out = { 0 };
		bool changed;
		cr_assert_eq(wn_entities_decode(cases[i].want, strlen(cases[i].want), &out, &changed), 0);
		cr_expect(!changed, "\"%s\" decodes again to \"%.*s\"", cases[i].want, (int)out.len,
			  out.ptr);
		wn_buf_free(&out);
	}
}

Test(entities, every_table_name_decodes)
{
	for (size_t i = 0; i < WN_ENTITY_COUNT; i++) {
		const struct wn_entity *e = &wn_entities[i];
		char in[64], want[16];
		snprintf(in, sizeof(in), "&%s;", e->name);
		size_t w = 0;
		for (unsigned k = 0; k < e->ncp; k++)
			w += wn_utf8_encode(e->cp[k], want + w);
		struct wn_buf out = { 0 };
		bool changed;
		cr_assert_eq(wn_entities_decode(in, strlen(in), &out, &changed), 0);
		cr_assert(changed && out.len == w && memcmp(out.ptr, want, w) == 0, "%s", in);
		wn_buf_free(&out);
	}
}

Test(entities, lines_with_markup_or_code_are_literal)
{
	cr_assert(wn_entities_literal("<p>Fish &amp; Chips</p>", 23));
	cr_assert(wn_entities_literal("write &lt; instead of < here", 28));
	cr_assert(wn_entities_literal("if (a < b && c)", 15));
	cr_assert(!wn_entities_literal("Fish &amp; Chips > Burgers", 26));
	cr_assert(!wn_entities_literal("Fish &amp; Chips", 16));
}
