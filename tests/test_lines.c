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

/* ---- The stops bitmap (64 bytes a step) against a byte loop ------------- */

/* What the splitter must give for in[0..n), byte by byte: a line at each
 * '\n', a document end at each '\f' (and NUL with nul_docs), a final '\r'
 * off each line, an unterminated last line. */
static void reference(struct sink *out, const char *in, size_t n, bool nul_docs)
{
	size_t start = 0;
	for (size_t i = 0; i <= n; i++) {
		const bool stop = i < n && (in[i] == '\n' || in[i] == '\f' || (nul_docs && !in[i]));
		if (!stop && (i < n || start == n))
			continue;
		const bool doc = i < n && in[i] != '\n';
		size_t len = i - start;
		if (!doc || len) {
			len -= len && in[start + len - 1] == '\r';
			sink_write(out, in + start, len);
			sink_write(out, "|", 1);
		}
		if (doc)
			sink_write(out, "#", 1);
		start = i + 1;
	}
}

/* Pushes in[0..n) in pieces of 1..max_chunk bytes (0: whole), each from a
 * buffer of its exact size, so that ASan sees a read past a push. */
static void split_exact(const char *in, size_t n, bool nul_docs, size_t max_chunk, uint64_t seed)
{
	struct wn_lines s;
	wn_lines_init(&s, nul_docs);
	uint64_t rng = seed;
	for (size_t pos = 0; pos < n;) {
		size_t k = n - pos;
		if (max_chunk) {
			const size_t c = 1 + (size_t)(rng_next(&rng) % max_chunk);
			k = c < k ? c : k;
		}
		char *piece = malloc(k);
		memcpy(piece, in + pos, k);
		cr_assert_eq(wn_lines_push(&s, piece, k, on_line, NULL), 0);
		free(piece);
		pos += k;
	}
	cr_assert_eq(wn_lines_finish(&s, on_line, NULL), 0);
	wn_lines_free(&s);
}

/* Real lines rebuilt into the shapes the bitmap must get right. */
static char *variant(const char *text, size_t n, int kind, size_t *len_out)
{
	struct sink v = { 0 };
	size_t line = 0;
	for (size_t i = 0, start = 0; i < n; i++) {
		if (text[i] != '\n')
			continue;
		const char *p = text + start;
		const size_t len = i - start;
		start = i + 1;
		line++;
		switch (kind) {
		case 0: /* CRLF */
			sink_write(&v, p, len);
			sink_write(&v, "\r\n", 2);
			break;
		case 1: { /* each line cut or padded to end at a 16/32/64-byte seam, or one off */
			static const size_t widths[] = { 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128 };
			const size_t w = widths[line % (sizeof(widths) / sizeof(widths[0]))] - 1;
			for (size_t k = 0; k < w; k++)
				sink_write(&v, len ? p + k % len : "x", 1);
			sink_write(&v, "\n", 1);
			break;
		}
		case 2: /* form feeds, NULs and CRs among the lines */
			sink_write(&v, p, len / 2);
			sink_write(&v, line % 3 ? "\0" : "\r", 1);
			sink_write(&v, p + len / 2, len - len / 2);
			sink_write(&v, line % 7 ? "\n" : line % 2 ? "\f" : "\n\f", line % 14 ? 1 : 2);
			break;
		default: /* long lines: thirty real ones joined */
			sink_write(&v, p, len);
			sink_write(&v, line % 30 ? " " : "\n", 1);
			break;
		}
	}
	if (v.len && kind != 1)
		v.len--; /* no final line end */
	*len_out = v.len;
	return v.buf;
}

/* WN_TEST_QUICK=1 (tests/valgrind): one file, whole and in 65-byte pushes. */
Test(lines, stops_on_every_path_match_a_byte_loop)
{
	static const char *const files[] = { "tests/data/aeb-25.txt",
					     "tests/data/dolma-0000.lynx.wet" };
	static const size_t chunks[] = { 65, 0, 63, 64, 200, 4096 };
	const bool quick = getenv("WN_TEST_QUICK") != NULL;
	const size_t nfiles = quick ? 1 : sizeof(files) / sizeof(files[0]);
	const size_t nchunks = quick ? 2 : sizeof(chunks) / sizeof(chunks[0]);
	for (size_t fi = 0; fi < nfiles; fi++) {
		size_t n;
		char *text = read_source_file(files[fi], &n);
		for (int kind = -1; kind < 4; kind++) {
			size_t len = n;
			char *in = kind < 0 ? text : variant(text, n, kind, &len);
			for (int nul = 0; nul < 2; nul++) {
				struct sink want = { 0 };
				reference(&want, in, len, nul);
				for (int path = WN_PLAIN_PATH_SSE2; path <= WN_PLAIN_PATH_AVX2; path++) {
					wn_plain_use(path);
					for (size_t c = 0; c < nchunks; c++) {
						teardown();
						split_exact(in, len, nul, chunks[c], 77 + c);
						cr_assert(rec.len == want.len &&
							  memcmp(rec.buf, want.buf, want.len) == 0,
							  "%s kind %d nul %d path %d chunks %zu",
							  files[fi], kind, nul, path, chunks[c]);
					}
				}
				free(want.buf);
			}
			if (in != text)
				free(in);
		}
		free(text);
	}
	wn_plain_use(WN_PLAIN_PATH_AUTO);
	teardown();
}
