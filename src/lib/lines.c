/* lines.c - splits pushed bytes into lines and document ends, carrying an
 * unterminated line between pushes; the output does not depend on how the
 * input was split. A line longer than a limit goes out in pieces instead,
 * so that no line is ever held whole past the limit. */
#include <string.h>

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

/* Emits one line made of the carry (if any) and p[0..n). */
static int emit(struct wn_lines *s, const char *p, size_t n, bool end_doc, wn_line_fn *fn,
		void *ctx)
{
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

int wn_lines_push(struct wn_lines *s, const char *p, size_t n, wn_line_fn *fn, void *ctx)
{
	const char *const end = p + n;
	while (p < end) {
		const char *doc_end = wn_lines_doc_end(s, p, (size_t)(end - p));
		/* Lines ended by '\n' before the next document terminator. */
		for (;;) {
			const char *nl = memchr(p, '\n', (size_t)(doc_end - p));
			if (!nl)
				break;
			int rc = emit(s, p, (size_t)(nl - p), false, fn, ctx);
			if (rc)
				return rc;
			p = nl + 1;
		}
		if (doc_end == end)
			break;
		int rc = emit(s, p, (size_t)(doc_end - p), true, fn, ctx);
		if (rc)
			return rc;
		p = doc_end + 1;
	}
	if (too_long(s, (size_t)(end - p)))
		return pass_piece(s, p, (size_t)(end - p), false, ctx);
	return wn_buf_append(&s->carry, p, (size_t)(end - p));
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
