/* lines.c - splits pushed bytes into lines and document ends, carrying an
 * unterminated line between pushes; the output does not depend on how the
 * input was split. */
#include <string.h>

#include "internal.h"

void wn_lines_init(struct wn_lines *s, bool nul_docs)
{
	memset(s, 0, sizeof(*s));
	s->nul_docs = nul_docs;
}

/* The first document terminator in p[0..n), or p + n. */
static const char *find_doc_end(const struct wn_lines *s, const char *p, size_t n)
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
		const char *doc_end = find_doc_end(s, p, (size_t)(end - p));
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
	return wn_buf_append(&s->carry, p, (size_t)(end - p));
}

int wn_lines_finish(struct wn_lines *s, wn_line_fn *fn, void *ctx)
{
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
