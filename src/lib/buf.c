/* buf.c - growable byte and code point buffers: geometric growth, reused
 * across lines. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int wn_buf_reserve(struct wn_buf *b, size_t extra)
{
	if (b->cap - b->len >= extra)
		return 0;
	if (extra > SIZE_MAX / 2 - b->len)
		return WN_E_NOMEM;
	size_t cap = b->cap ? b->cap : 256;
	while (cap - b->len < extra)
		cap *= 2;
	char *p = realloc(b->ptr, cap);
	if (!p)
		return WN_E_NOMEM;
	b->ptr = p;
	b->cap = cap;
	return 0;
}

int wn_buf_reserve_aligned(struct wn_buf *b, size_t cap)
{
	if (!b->ptr) {
		cap = (cap + WN_READ_ALIGN - 1) & ~(size_t)(WN_READ_ALIGN - 1);
		b->ptr = aligned_alloc(WN_READ_ALIGN, cap);
		if (!b->ptr)
			return WN_E_NOMEM;
		b->cap = cap;
	}
	return b->cap >= cap ? 0 : wn_buf_reserve(b, cap - b->len);
}

int wn_buf_append(struct wn_buf *b, const void *p, size_t n)
{
	if (n == 0)
		return 0;
	if (wn_buf_reserve(b, n) != 0)
		return WN_E_NOMEM;
	memcpy(b->ptr + b->len, p, n);
	b->len += n;
	return 0;
}

void wn_buf_free(struct wn_buf *b)
{
	free(b->ptr);
	b->ptr = NULL;
	b->len = b->cap = 0;
}

int wn_cpbuf_reserve(struct wn_cpbuf *b, size_t extra)
{
	if (b->cap - b->len >= extra)
		return 0;
	if (extra > SIZE_MAX / (2 * sizeof(int32_t)) - b->len)
		return WN_E_NOMEM;
	size_t cap = b->cap ? b->cap : 256;
	while (cap - b->len < extra)
		cap *= 2;
	int32_t *p = realloc(b->ptr, cap * sizeof(int32_t));
	if (!p)
		return WN_E_NOMEM;
	b->ptr = p;
	b->cap = cap;
	return 0;
}

void wn_cpbuf_free(struct wn_cpbuf *b)
{
	free(b->ptr);
	b->ptr = NULL;
	b->len = b->cap = 0;
}
