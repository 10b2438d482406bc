/* test_lines.c - splitting bytes into lines and documents, carrying partial
 * lines between pushes. */
#include <criterion/criterion.h>

#include "common.h"
#include "internal.h"

/* Records lines as "text|" and document ends as "#" into a buffer. */
static struct sink rec;

static int on_line(void *ctx, struct wn_line *line, bool end_doc)
{
	(void)ctx;
	if (line) {
		sink_write(&rec, line->ptr, line->len);
		sink_write(&rec, "|", 1);
	}
	if (end_doc)
		sink_write(&rec, "#", 1);
	return 0;
}

static void split(const char *in, size_t n, bool nul_docs, size_t max_chunk, uint64_t seed)
{
	struct wn_lines s;
	wn_lines_init(&s, nul_docs);
	uint64_t rng = seed;
	size_t pos = 0;
	while (pos < n) {
		size_t k = n - pos;
		if (max_chunk) {
			const size_t c = 1 + (size_t)(rng_next(&rng) % max_chunk);
			k = c < k ? c : k;
		}
		cr_assert_eq(wn_lines_push(&s, in + pos, k, on_line, NULL), 0);
		pos += k;
	}
	cr_assert_eq(wn_lines_finish(&s, on_line, NULL), 0);
	wn_lines_free(&s);
}

static void teardown(void)
{
	free(rec.buf);
	memset(&rec, 0, sizeof(rec));
}

TestSuite(lines, .fini = teardown);

struct split_case {
	const char *in;
	size_t len;
	bool nul_docs;
	const char *want;
	size_t want_len;
};

#define S(lit) lit, sizeof(lit) - 1

static const struct split_case cases[] = {
	{ S("a\nb\n"), false, S("a|b|") },
	{ S("a\nb"), false, S("a|b|") },              /* no final newline */
	{ S("a\r\nb\r\n"), false, S("a|b|") },        /* CRLF */
	{ S("a\rb\n"), false, S("a\rb|") },           /* a lone CR is the repair stage's */
	{ S("\n\n"), false, S("||") },
	{ S(""), false, S("") },
	{ S("a\fb\n"), false, S("a|#b|") },           /* form feed ends a document */
	{ S("a\n\fb\n"), false, S("a|#b|") },
	{ S("a\n\f\n"), false, S("a|#|") },
	{ S("a\0b\n"), false, S("a\0b|") },           /* NUL is an ordinary byte ... */
	{ S("a\0b\n"), true, S("a|#b|") },            /* ... unless it ends documents */
	{ S("x\r"), false, S("x|") },
};

Test(lines, table)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (size_t chunk = 0; chunk <= 3; chunk++) {
			teardown();
			sink_write(&rec, "", 0);
			split(cases[i].in, cases[i].len, cases[i].nul_docs, chunk, i + 1);
			const size_t want_len = cases[i].want_len;
			cr_expect(rec.len == want_len && memcmp(rec.buf, cases[i].want, want_len) == 0,
				  "case %zu chunk %zu: got \"%.*s\"", i, chunk, (int)rec.len, rec.buf);
		}
	}
}

Test(lines, chunking_invariance_on_real_text)
{
	size_t n;
	char *text = read_source_file("tests/data/aeb-25.txt", &n);
	split(text, n, false, 0, 1);
	char *whole = rec.buf;
	const size_t whole_len = rec.len;
	memset(&rec, 0, sizeof(rec));
	const size_t chunks[] = { 1, 2, 7, 100, 4096 };
	for (size_t c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
		const uint64_t seed = 1000 + c;
		split(text, n, false, chunks[c], seed);
		cr_assert(rec.len == whole_len && memcmp(rec.buf, whole, whole_len) == 0,
			  "chunks up to %zu, seed %lu", chunks[c], (unsigned long)seed);
		teardown();
	}
	free(whole);
	free(text);
}

Test(lines, long_line_across_pushes)
{
	const size_t n = 10u << 20;
	char *big = malloc(n + 1);
	memset(big, 'q', n);
	big[n] = '\n';
	split(big, n + 1, false, 65536, 5);
	cr_assert_eq(rec.len, n + 1);
	cr_assert_eq(rec.buf[n], '|');
	free(big);
}
