/* zone.c - the document buffer of judged lines, and the zone judge, which
 * needs a document's end: footer zones after a marker, and tail rules
 * (copyright, credits) that count only in a document's last short lines. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* The tail of a document is the run of short or dropped lines that ends
 * it, its last TAIL_MAX lines at most. A tail rule drops its lines there
 * only when the run holds a line dropped for another reason (a rule, a
 * repeat): a page's footer. A copyright or credit line that ends the text
 * itself, with no boilerplate around it, is the article's own. A tail rule
 * never drops a line in the body. */
#define TAIL_MAX 40

int wn_doc_append(struct wn_doc *d, const struct wn_judged *v, const char *text)
{
	if (d->n == d->cap) {
		const size_t cap = d->cap ? 2 * d->cap : 256;
		struct wn_judged *recs = realloc(d->recs, cap * sizeof(*recs));
		if (!recs)
			return WN_E_NOMEM;
		d->recs = recs;
		d->cap = cap;
	}
	struct wn_judged *r = &d->recs[d->n];
	*r = *v;
	r->off = d->text.len;
	if (wn_buf_append(&d->text, text, v->len) != 0)
		return WN_E_NOMEM;
	d->n++;
	return 0;
}

void wn_doc_clear(struct wn_doc *d)
{
	d->text.len = 0;
	d->n = 0;
}

void wn_doc_free(struct wn_doc *d)
{
	wn_buf_free(&d->text);
	free(d->recs);
	memset(d, 0, sizeof(*d));
}

/* A footer marker drops the lines after it while they are brief, tail
 * candidates or dropped anyway; the first other line closes the zone. A
 * marker opens a zone only after the document's text has begun (a kept
 * line that is not short): above it, a box of related links or share
 * buttons is followed by the article's own title and byline. */
static const char *judge_footer(struct wn_zone *z, struct wn_judged *r, size_t n, size_t at)
{
	const char *footer = z->footer, *footer_at = NULL;
	for (size_t i = 0; i < n; i++) {
		if (i == at)
			footer_at = footer;
		struct wn_judged *l = &r[i];
		if (l->blank)
			continue;
		if (l->reason == WN_DROP_RULE && l->zone == WN_ZONE_FOOTER) {
			if (z->body)
				footer = l->rule;
			continue;
		}
		if (l->reason != WN_KEPT)
			continue;
		if (!l->short_line)
			z->body = true;
		if (!footer)
			continue;
		if (!l->brief && l->zone != WN_ZONE_TAIL) {
			footer = NULL;
			continue;
		}
		l->reason = WN_DROP_ZONE;
		if (l->zone != WN_ZONE_TAIL)
			l->rule = footer; /* a tail line keeps its own rule's name */
	}
	return at < n ? footer_at : footer;
}

/* Where the run of short, dropped or blank lines that ends r[0..n) starts:
 * the tail of the document if r ends it. */
static size_t tail_start(const struct wn_judged *r, size_t n)
{
	while (n > 0) {
		const struct wn_judged *l = &r[n - 1];
		if (!l->blank && l->reason == WN_KEPT && !l->short_line && l->zone != WN_ZONE_TAIL)
			break;
		n--;
	}
	return n;
}

/* Tail rules drop their lines in the last TAIL_MAX lines of the tail, if a
 * line of the tail was dropped for another reason. */
static void judge_tail(struct wn_judged *r, size_t n)
{
	size_t start = n, lines = 0;
	bool footer = false;
	while (start > 0 && lines < TAIL_MAX) {
		const struct wn_judged *l = &r[start - 1];
		if (!l->blank) {
			if (l->reason == WN_KEPT && !l->short_line && l->zone != WN_ZONE_TAIL)
				break;
			footer |= l->reason != WN_KEPT;
			lines++;
		}
		start--;
	}
	if (!footer)
		return;
	for (size_t i = start; i < n; i++) {
		if (r[i].reason == WN_KEPT && r[i].zone == WN_ZONE_TAIL && !r[i].blank)
			r[i].reason = WN_DROP_ZONE;
	}
}

size_t wn_zone_judge(struct wn_zone *z, struct wn_judged *r, size_t n, size_t max_wait,
		     bool doc_end)
{
	/* The lines that may yet be the tail wait for the rest of the document
	 * and are judged again with it, unless they are more than max_wait
	 * bytes; the footer zone's state where they start is carried. */
	size_t decided = n;
	if (!doc_end && n) {
		const size_t start = tail_start(r, n);
		if (start < n && r[n - 1].off + r[n - 1].len - r[start].off <= max_wait)
			decided = start;
	}
	z->footer = judge_footer(z, r, n, decided);
	if (doc_end) {
		judge_tail(r, n);
		memset(z, 0, sizeof(*z));
	}
	return decided;
}

/* Moves the lines from index k on to the front of the buffer. */
void wn_doc_keep(struct wn_doc *d, size_t k)
{
	if (k >= d->n) {
		wn_doc_clear(d);
		return;
	}
	const size_t off = d->recs[k].off;
	memmove(d->text.ptr, d->text.ptr + off, d->text.len - off);
	d->text.len -= off;
	memmove(d->recs, d->recs + k, (d->n - k) * sizeof(*d->recs));
	d->n -= k;
	for (size_t i = 0; i < d->n; i++)
		d->recs[i].off -= off;
}

/* The length of p[0..n) without the closing quotes and brackets that may
 * follow a sentence's last mark, and the spaces before them (French puts
 * one before »): " ' ) ] * ” ’ › » 」 』 ）. */
static size_t strip_closers(const unsigned char *p, size_t n)
{
	while (n) {
		const unsigned char c = p[n - 1];
		if (c == '"' || c == '\'' || c == ')' || c == ']' || c == '*' || c == ' ')
			n--;
		else if (c < 0x80)
			break;
		else if (n >= 2 && p[n - 2] == 0xC2 && (c == 0xBB || c == 0xA0))
			n -= 2;
		else if (n >= 3 && p[n - 3] == 0xE2 && p[n - 2] == 0x80 && c == 0xAF)
			n -= 3;
		else if (n >= 3 && p[n - 3] == 0xE2 && p[n - 2] == 0x80 &&
			 (c == 0x9D || c == 0x99 || c == 0xBA))
			n -= 3;
		else if (n >= 3 && p[n - 3] == 0xE3 && p[n - 2] == 0x80 && (c == 0x8D || c == 0x8F))
			n -= 3;
		else if (n >= 3 && p[n - 3] == 0xEF && p[n - 2] == 0xBC && c == 0x89)
			n -= 3;
		else
			break;
	}
	return n;
}

/* 2 when the line ends a sentence: . ! ? … 。 ！ ？; 1 with a colon; else 0. */
static int line_end(const char *text, size_t n)
{
	const unsigned char *p = (const unsigned char *)text;
	n = strip_closers(p, n);
	if (n == 0)
		return 0;
	const unsigned char c = p[n - 1];
	if (c == '.' || c == '!' || c == '?')
		return 2;
	if (c == ':')
		return 1;
	if (c < 0x80 || n < 3)
		return 0;
	const unsigned char a = p[n - 3], b = p[n - 2];
	if ((a == 0xE2 && b == 0x80 && c == 0xA6) || (a == 0xE3 && b == 0x80 && c == 0x82) ||
	    (a == 0xEF && b == 0xBC && (c == 0x81 || c == 0x9F)))
		return 2;
	return 0;
}

bool wn_ends_sentence(const char *text, size_t n)
{
	return line_end(text, n) == 2;
}

bool wn_ends_marked(const char *text, size_t n)
{
	return line_end(text, n) != 0;
}
