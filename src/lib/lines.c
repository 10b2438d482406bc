/* lines.c - splits pushed bytes into lines and document ends, carrying an
 * unterminated line between pushes; the output does not depend on how the
 * input was split. A line longer than a limit goes out in pieces instead,
 * so that no line is ever held whole past the limit. */
#include <stdint.h>
#include <string.h>

#ifdef __SSE2__
#include <immintrin.h>
#endif

#include "internal.h"

void wn_lines_init(struct wn_lines *s, bool nul_docs)
{
	memset(s, 0, sizeof(*s));
	s->nul_docs = nul_docs;
}

void wn_lines_limit(struct wn_lines *s, size_t max_line, wn_piece_fn *piece)
{
	s->max_line = max_line;
	s->piece = piece;
}

/* Hands over what is held of an overlong line, then p[0..n): the line's
 * last piece when last. */
static int pass_piece(struct wn_lines *s, const char *p, size_t n, bool last, void *ctx)
{
	int rc = 0;
	if (!s->overlong) {
		s->overlong = true;
		if (s->carry.len || (n == 0 && !last))
			rc = s->piece(ctx, s->carry.ptr ? s->carry.ptr : "", s->carry.len, false);
		s->carry.len = 0;
	}
	if (!rc && (n || last))
		rc = s->piece(ctx, n ? p : "", n, last);
	s->overlong = !last;
	return rc;
}

/* Whether a line of which n more bytes come goes out in pieces. */
static bool too_long(const struct wn_lines *s, size_t n)
{
	return s->overlong || (s->max_line && s->carry.len + n > s->max_line);
}

const char *wn_lines_doc_end(const struct wn_lines *s, const char *p, size_t n)
{
	const char *ff = memchr(p, '\f', n);
	const char *end = ff ? ff : p + n;
	if (s->nul_docs) {
		const char *nul = memchr(p, '\0', (size_t)(end - p));
		if (nul)
			end = nul;
	}
	return end;
}

/* Emits one line made of the carry (if any) and p[0..n), ended by stop:
 * a line feed, or a form feed or NUL that also ends the document. */
static int emit(struct wn_lines *s, const char *p, size_t n, char stop, wn_line_fn *fn,
		void *ctx)
{
	const bool end_doc = stop != '\n';
	if (end_doc)
		s->doc_sep = stop;
	if (too_long(s, n)) {
		const int rc = pass_piece(s, p, n, true, ctx);
		return rc || !end_doc ? rc : fn(ctx, NULL, true);
	}
	struct wn_line line = { (char *)(uintptr_t)p, n };
	if (s->carry.len) {
		if (wn_buf_append(&s->carry, p, n) != 0)
			return WN_E_NOMEM;
		line.ptr = s->carry.ptr;
		line.len = s->carry.len;
		s->carry.len = 0;
	} else if (n == 0 && end_doc) {
		return fn(ctx, NULL, true);
	}
	if (line.len && line.ptr[line.len - 1] == '\r')
		line.len--;
	return fn(ctx, &line, end_doc);
}

#if defined(__SSE2__) && defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#define LINES_AVX2 1
#define AVX2 __attribute__((target("avx2")))
#endif

/* Which bytes stop a line, by their low nibble: a byte stops one when it
 * equals the entry at its low nibble ('\n' at 0x0A, '\f' at 0x0C, NUL at 0
 * when it ends documents; 0xFF, which no byte below 0x80 equals,
 * elsewhere); a byte >= 0x80 stops none. Twice, for the AVX2 lanes. */
struct stop_table {
	unsigned char t[32];
};

static void stop_table_init(struct stop_table *st, bool nul_docs)
{
	for (int lane = 0; lane < 32; lane += 16) {
		memset(st->t + lane, 0xFF, 16);
		st->t[lane] = nul_docs ? 0 : 0xFF;
		st->t[lane + '\n'] = '\n';
		st->t[lane + '\f'] = '\f';
	}
}

/* A bitmap of stops of p[0..n) (n <= 64), bit i for p[i]. */
typedef uint64_t stops_fn(const struct stop_table *st, const char *p, size_t n);

/* The bytes to look at: p, or the push's last bytes (fewer than 64)
 * copied out, so that no load reads past the push. */
static inline const char *padded(const char *p, size_t n, char tail[64])
{
	if (n == 64)
		return p;
	memset(tail, 0, 64);
	memcpy(tail, p, n);
	return tail;
}

static inline uint64_t below(uint64_t m, size_t n)
{
	return n < 64 ? m & ((UINT64_C(1) << n) - 1) : m;
}

static inline uint64_t stops_sse2(const struct stop_table *st, const char *p, size_t n)
{
#ifdef __SSE2__
	char tail[64];
	p = padded(p, n, tail);
	const __m128i nl = _mm_set1_epi8('\n');
	const __m128i ff = _mm_set1_epi8('\f');
	uint64_t m = 0;
	for (int i = 0; i < 4; i++) {
		const __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * i));
		__m128i hit = _mm_or_si128(_mm_cmpeq_epi8(v, nl), _mm_cmpeq_epi8(v, ff));
		if (st->t[0] == 0)
			hit = _mm_or_si128(hit, _mm_cmpeq_epi8(v, _mm_setzero_si128()));
		m |= (uint64_t)(uint32_t)_mm_movemask_epi8(hit) << (16 * i);
	}
	return below(m, n);
#else
	uint64_t m = 0;
	for (size_t i = 0; i < n; i++) {
		const unsigned char c = (unsigned char)p[i];
		if (c < 0x80 && st->t[c & 15] == c)
			m |= UINT64_C(1) << i;
	}
	return m;
#endif
}

/* Hands on the lines and document ends of p[0..n) at the stops, from
 * *from on (where the current line starts); leaves in *from where the last
 * one left off. Inlined into each path, its stops with it. */
static inline __attribute__((always_inline)) int split(struct wn_lines *s, const char *p, size_t n,
							wn_line_fn *fn, void *ctx,
							const char **from, stops_fn *stops)
{
	struct stop_table st;
	stop_table_init(&st, s->nul_docs);
	const char *const end = p + n;
	for (const char *blk = p; blk < end; blk += 64) {
		const size_t k = end - blk < 64 ? (size_t)(end - blk) : 64;
		for (uint64_t m = stops(&st, blk, k); m; m &= m - 1) {
			const char *const x = blk + __builtin_ctzll(m);
			const int rc = emit(s, *from, (size_t)(x - *from), *x, fn, ctx);
			if (rc)
				return rc;
			*from = x + 1;
		}
	}
	return 0;
}

static int split_sse2(struct wn_lines *s, const char *p, size_t n, wn_line_fn *fn, void *ctx,
		      const char **from)
{
	return split(s, p, n, fn, ctx, from, stops_sse2);
}

#if defined(LINES_AVX2)
/* The stops 32 bytes a lookup (vpshufb) and compare. */
static inline AVX2 uint64_t stops_avx2(const struct stop_table *st, const char *p, size_t n)
{
	char tail[64];
	p = padded(p, n, tail);
	const __m256i t = _mm256_loadu_si256((const __m256i *)(const void *)st->t);
	const __m256i a = _mm256_loadu_si256((const __m256i *)(const void *)p);
	const __m256i b = _mm256_loadu_si256((const __m256i *)(const void *)(p + 32));
	const uint32_t ma =
		(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_shuffle_epi8(t, a), a));
	const uint32_t mb =
		(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_shuffle_epi8(t, b), b));
	return below((uint64_t)mb << 32 | ma, n);
}

static AVX2 int split_avx2(struct wn_lines *s, const char *p, size_t n, wn_line_fn *fn,
			   void *ctx, const char **from)
{
	return split(s, p, n, fn, ctx, from, stops_avx2);
}
#endif

/* The line and document ends are found 64 bytes at a step, as a bitmap
 * (the AVX2 form when plain.c's pass runs AVX2), not by a memchr call a
 * line after a scan for the next document end: one read of each byte, and
 * no call's setup for each short line. */
int wn_lines_push(struct wn_lines *s, const char *p, size_t n, wn_line_fn *fn, void *ctx)
{
	const char *const end = p + n;
	const char *from = p;
#if defined(LINES_AVX2)
	const int rc = wn_plain_path() == WN_PLAIN_PATH_AVX2 ? split_avx2(s, p, n, fn, ctx, &from)
							      : split_sse2(s, p, n, fn, ctx, &from);
#else
	const int rc = split_sse2(s, p, n, fn, ctx, &from);
#endif
	if (rc)
		return rc;
	if (too_long(s, (size_t)(end - from)))
		return pass_piece(s, from, (size_t)(end - from), false, ctx);
	return wn_buf_append(&s->carry, from, (size_t)(end - from));
}

int wn_lines_finish(struct wn_lines *s, wn_line_fn *fn, void *ctx)
{
	if (s->overlong)
		return pass_piece(s, NULL, 0, true, ctx);
	if (s->carry.len == 0)
		return 0;
	struct wn_line line = { s->carry.ptr, s->carry.len };
	s->carry.len = 0;
	if (line.ptr[line.len - 1] == '\r')
		line.len--;
	return fn(ctx, &line, false);
}

void wn_lines_free(struct wn_lines *s)
{
	wn_buf_free(&s->carry);
}
