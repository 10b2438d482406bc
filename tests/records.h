/* records.h - what a record framer (jsonl.c, wet.c) gave, for test_jsonl
 * and test_wet: each record's kind, raw bytes (with the MORE pieces that
 * follow it), text, id, address, message and place. */
#ifndef WN_TEST_RECORDS_H
#define WN_TEST_RECORDS_H

#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "testutil.h"

#define MAX_RECS 256

struct got {
	int n;
	enum wn_record_kind kind[MAX_RECS];
	struct tu_str raw[MAX_RECS]; /* MORE pieces are appended to their record */
	struct tu_str text[MAX_RECS];
	struct tu_str id[MAX_RECS];
	struct tu_str url[MAX_RECS];
	bool has_url[MAX_RECS];
	char msg[MAX_RECS][192];
	uint64_t line[MAX_RECS];
	uint64_t text_line[MAX_RECS];
	uint64_t offset[MAX_RECS];
};

static inline void free_got(struct got *g)
{
	for (int i = 0; i < MAX_RECS; i++) {
		tu_free(&g->raw[i]);
		tu_free(&g->text[i]);
		tu_free(&g->id[i]);
		tu_free(&g->url[i]);
	}
	memset(g, 0, sizeof(*g));
}

/* A framer's callback: ctx is a struct got. */
static inline int collect(void *ctx, const struct wn_record *rec)
{
	struct got *g = ctx;
	if (rec->kind == WN_REC_MORE) {
		cr_assert(g->n > 0);
		tu_append(&g->raw[g->n - 1], rec->raw, rec->raw_len);
		return 0;
	}
	cr_assert(g->n < MAX_RECS);
	const int i = g->n++;
	g->kind[i] = rec->kind;
	tu_append(&g->raw[i], rec->raw, rec->raw_len);
	tu_append(&g->text[i], rec->text ? rec->text : "", rec->text_len);
	tu_append(&g->id[i], rec->id ? rec->id : "", rec->id_len);
	tu_append(&g->url[i], rec->url ? rec->url : "", rec->url_len);
	g->has_url[i] = rec->url != NULL;
	snprintf(g->msg[i], sizeof(g->msg[i]), "%s", rec->msg ? rec->msg : "");
	g->line[i] = rec->line;
	g->text_line[i] = rec->text_line;
	g->offset[i] = rec->offset;
	return 0;
}

#endif
