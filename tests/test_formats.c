/* test_formats.c - what must hold in every format: the same content as
 * text, JSON Lines and WET keeps the same lines, in both dedup scopes and
 * with doc_dedup; format detection; document-level dedup. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "testutil.h"

/* ---- Documents in three formats ---------------------------------------- */

#define MAX_DOCS 64

struct docs {
	int n;
	struct tu_str text[MAX_DOCS];
};

static struct docs docs;

static void teardown(void)
{
	for (int i = 0; i < MAX_DOCS; i++)
		tu_free(&docs.text[i]);
	memset(&docs, 0, sizeof(docs));
}

TestSuite(formats, .fini = teardown);

/* Collects the text of each document record, in order, each ended by a
 * form feed as text output ends a document that came with one. */
static int collect_text(void *ctx, const struct wn_record *rec)
{
	struct tu_str *all = ctx;
	if (rec->kind == WN_REC_BAD)
		cr_assert_fail("malformed output: %s", rec->msg);
	if (rec->kind != WN_REC_DOC)
		return 0;
	tu_append(all, rec->text, rec->text_len);
	if (rec->text_len && rec->text[rec->text_len - 1] != '\n')
		tu_puts(all, "\n");
	tu_puts(all, "\f");
	return 0;
}

/* The kept lines of JSON Lines or WET output as the text output of the
 * same documents framed by form feeds. */
static struct tu_str kept_lines(enum wn_format format, const char *p, size_t n)
{
	struct tu_str all = { 0 };
	const struct wn_options opt = { 0 };
	if (format == WN_FORMAT_JSONL) {
		struct wn_jsonl j;
		wn_jsonl_init(&j, &opt);
		cr_assert_eq(wn_jsonl_push(&j, p, n, collect_text, &all), 0);
		cr_assert_eq(wn_jsonl_finish(&j, collect_text, &all), 0);
		wn_jsonl_free(&j);
	} else {
		struct wn_wet w;
		wn_wet_init(&w, &opt);
		cr_assert_eq(wn_wet_push(&w, p, n, collect_text, &all), 0);
		cr_assert_eq(wn_wet_finish(&w, collect_text, &all), 0);
		wn_wet_free(&w);
	}
	tu_append(&all, "", 0);
	return all;
}

static int take_doc(void *ctx, const struct wn_record *rec)
{
	(void)ctx;
	if (rec->kind == WN_REC_DOC) {
		cr_assert(docs.n < MAX_DOCS);
		tu_append(&docs.text[docs.n++], rec->text, rec->text_len);
	}
	return 0;
}

/* Real documents (gold texts), with copies that differ only in case,
 * punctuation and spacing, a blank one, and one that repeats lines of
 * another. */
static void load_docs(void)
{
	struct tu_str in = tu_data("gold-aeb.jsonl");
	const struct wn_options opt = { .field = "gold" };
	struct wn_jsonl j;
	wn_jsonl_init(&j, &opt);
	cr_assert_eq(wn_jsonl_push(&j, in.ptr, in.len, take_doc, NULL), 0);
	cr_assert_eq(wn_jsonl_finish(&j, take_doc, NULL), 0);
	wn_jsonl_free(&j);
	tu_free(&in);
	cr_assert_eq(docs.n, 20);
	/* doc 20: doc 3 shouted; doc 21: doc 5 exactly; doc 22: blank */
	for (size_t i = 0; i < docs.text[3].len; i++) {
		const char c = docs.text[3].ptr[i];
		const char up = c >= 'a' && c <= 'z' ? (char)(c - 32) : c == '.' ? '!' : c;
		tu_append(&docs.text[20], &up, 1);
	}
	tu_append(&docs.text[21], docs.text[5].ptr, docs.text[5].len);
	tu_puts(&docs.text[22], "\n \n");
	tu_puts(&docs.text[23], "A first line of its own, long enough.\n");
	tu_append(&docs.text[23], docs.text[7].ptr, docs.text[7].len < 300 ? docs.text[7].len : 300);
	docs.n = 24;
}

/* Text input: documents ended by form feeds. */
static struct tu_str as_text(void)
{
	struct tu_str s = { 0 };
	for (int i = 0; i < docs.n; i++) {
		tu_append(&s, docs.text[i].ptr, docs.text[i].len);
		tu_puts(&s, "\f");
	}
	return s;
}

static struct tu_str as_jsonl(void)
{
	struct tu_str s = { 0 };
	for (int i = 0; i < docs.n; i++) {
		char head[64];
		snprintf(head, sizeof(head), "{\"id\":\"doc-%d\",\"text\":\"", i);
		tu_puts(&s, head);
		struct wn_buf enc = { 0 };
		cr_assert_eq(wn_json_encode(docs.text[i].ptr, docs.text[i].len, false, false, &enc), 0);
		tu_append(&s, enc.ptr, enc.len);
		wn_buf_free(&enc);
		tu_puts(&s, "\"}\n");
	}
	return s;
}

static struct tu_str as_wet(void)
{
	struct tu_str s = { 0 };
	tu_puts(&s, "WARC/1.0\r\nWARC-Type: warcinfo\r\nContent-Length: 0\r\n\r\n\r\n\r\n");
	for (int i = 0; i < docs.n; i++) {
		char head[256];
		snprintf(head, sizeof(head), "WARC/1.0\r\nWARC-Type: conversion\r\n"
			 "WARC-Record-ID: <urn:test:%d>\r\nContent-Length: %zu\r\n\r\n", i,
			 docs.text[i].len);
		tu_puts(&s, head);
		tu_append(&s, docs.text[i].ptr, docs.text[i].len);
		tu_puts(&s, "\r\n\r\n");
	}
	return s;
}

struct explained {
	int ndocs;
	uint64_t line[MAX_DOCS];
	char id[MAX_DOCS][64];
};

static void on_explain(void *ctx, const struct wn_event *ev)
{
	struct explained *x = ctx;
	if (ev->reason != WN_DROP_DOC)
		return;
	cr_assert(x->ndocs < MAX_DOCS);
	x->line[x->ndocs] = ev->line;
	snprintf(x->id[x->ndocs], sizeof(x->id[0]), "%.*s", (int)ev->len, ev->text);
	x->ndocs++;
}

static void check_same_kept_lines(enum wn_scope scope, bool doc_dedup)
{
	struct tu_str in[3] = { as_text(), as_jsonl(), as_wet() };
	struct tu_str kept[3];
	struct wn_stats st[3];
	struct explained x[3];
	static const enum wn_format formats[3] = { WN_FORMAT_TEXT, WN_FORMAT_JSONL,
						   WN_FORMAT_WET };
	for (int k = 0; k < 3; k++) {
		memset(&x[k], 0, sizeof(x[k]));
		const struct wn_options opt = { .format = formats[k], .scope = scope,
						.doc_dedup = doc_dedup, .disable = WN_STAGE_REPAIR,
						.explain = on_explain, .explain_ctx = &x[k] };
		struct tu_str out = { 0 };
		cr_assert_eq(tu_run(&opt, in[k].ptr, in[k].len, 0, 0, &out, &st[k]), 0);
		kept[k] = k ? kept_lines(formats[k], out.ptr, out.len) : out;
		if (k)
			tu_free(&out);
		tu_assert_balanced(&st[k]);
	}
	for (int k = 1; k < 3; k++) {
		cr_assert_eq(kept[k].len, kept[0].len, "format %d", k);
		cr_assert(memcmp(kept[k].ptr, kept[0].ptr, kept[0].len) == 0, "format %d", k);
		cr_assert_eq(st[k].lines_in, st[0].lines_in);
		cr_assert_eq(st[k].lines_kept, st[0].lines_kept);
		for (int r = 0; r < WN_REASON_COUNT; r++)
			cr_assert_eq(st[k].dropped[r], st[0].dropped[r], "format %d reason %d", k, r);
		cr_assert_eq(st[k].docs_in, st[0].docs_in);
		cr_assert_eq(st[k].docs_dup, st[0].docs_dup);
		cr_assert_eq(st[k].docs_empty, st[0].docs_empty);
		cr_assert_eq(x[k].ndocs, x[0].ndocs);
	}
	cr_assert_eq(st[0].docs_in, 24);
	cr_assert_gt(st[0].dropped[WN_DROP_DUP], 0);
	if (doc_dedup) {
		/* Docs 20 (3 shouted) and 21 (5 again) go whole; 23 does not. */
		cr_assert_eq(st[0].docs_dup, 2);
		cr_assert_eq(x[1].ndocs, 2);
		cr_assert_str_eq(x[1].id[0], "doc-20");
		cr_assert_eq(x[1].line[0], 21, "the record's line");
		cr_assert_str_eq(x[2].id[1], "<urn:test:21>");
		cr_assert_str_eq(x[0].id[0], "", "text has no ids");
		uint64_t line = 1; /* doc 20 starts after the lines of 20 documents */
		for (int i = 0; i < 20; i++) {
			const struct tu_str *t = &docs.text[i];
			for (size_t c = 0; c < t->len; c++)
				line += t->ptr[c] == '\n';
			line += t->len && t->ptr[t->len - 1] != '\n'; /* ended by the form feed */
		}
		cr_assert_eq(x[0].line[0], line);
	} else {
		cr_assert_eq(st[0].docs_dup, 0);
	}
	for (int k = 0; k < 3; k++) {
		tu_free(&in[k]);
		tu_free(&kept[k]);
	}
}

Test(formats, same_content_same_kept_lines_stream_scope)
{
	load_docs();
	check_same_kept_lines(WN_SCOPE_STREAM, false);
}

Test(formats, same_content_same_kept_lines_doc_scope)
{
	load_docs();
	check_same_kept_lines(WN_SCOPE_DOC, false);
}

Test(formats, same_content_same_kept_lines_doc_dedup)
{
	load_docs();
	check_same_kept_lines(WN_SCOPE_STREAM, true);
	teardown();
	load_docs();
	check_same_kept_lines(WN_SCOPE_DOC, true);
}

/* Under doc scope a line repeated in two records stays in both; under
 * stream scope the second goes. */
Test(formats, scopes_across_records)
{
	static const char jsonl[] = "{\"text\":\"This line is in both records.\\nOne.\"}\n"
				    "{\"text\":\"This line is in both records.\\nTwo.\"}\n";
	struct tu_str out = { 0 };
	struct wn_options opt = { .format = WN_FORMAT_JSONL, .scope = WN_SCOPE_DOC };
	cr_assert_eq(tu_run(&opt, jsonl, sizeof(jsonl) - 1, 0, 0, &out, NULL), 0);
	cr_assert_str_eq(out.ptr, jsonl);
	tu_free(&out);
	opt.scope = WN_SCOPE_STREAM;
	cr_assert_eq(tu_run(&opt, jsonl, sizeof(jsonl) - 1, 0, 0, &out, NULL), 0);
	cr_assert_str_eq(out.ptr, "{\"text\":\"This line is in both records.\\nOne.\"}\n"
				  "{\"text\":\"Two.\"}\n");
	tu_free(&out);
}

/* ---- Detection ------------------------------------------------------------ */

static int run_inputs(const struct wn_options *opt, const char *const *inputs, int n,
		      size_t chunk, struct tu_str *out, struct wn_stats *st)
{
	struct wn_options o = *opt;
	o.write = tu_write;
	o.write_ctx = out;
	struct wn_filter *f = wn_filter_new(&o);
	cr_assert_not_null(f);
	int rc = 0;
	for (int i = 0; i < n && !rc; i++) {
		const size_t len = strlen(inputs[i]);
		for (size_t pos = 0; pos < len && !rc; pos += chunk)
			rc = wn_filter_push(f, inputs[i] + pos, len - pos < chunk ? len - pos : chunk);
		if (!rc)
			rc = wn_filter_end_input(f);
	}
	if (!rc)
		rc = wn_filter_finish(f);
	wn_filter_stats(f, st);
	wn_filter_free(f);
	tu_append(out, "", 0);
	return rc;
}

/* Each input is framed by its own first bytes, however they arrive. */
Test(formats, auto_detects_each_input)
{
	static const char *const inputs[] = {
		"WARC/1.0\r\nWARC-Type: conversion\r\nContent-Length: 8\r\n\r\nwet doc\n\r\n\r\n",
		"{\"text\":\"jsonl doc \"}\n",
		"WARM, a text document\n",
		"",
		"W",
		"{not json\n",
		"text\f{\"text\":\"not json: the input is text\"}\n",
	};
	for (size_t chunk = 1; chunk < 12; chunk++) {
		struct tu_str out = { 0 };
		struct wn_stats st;
		struct tu_errors errors = { 0 };
		const struct wn_options opt = { .format = WN_FORMAT_AUTO, .error = tu_on_error,
						.error_ctx = &errors };
		cr_assert_eq(run_inputs(&opt, inputs, 7, chunk, &out, &st), 0);
		cr_assert_str_eq(out.ptr,
				 "WARC/1.0\r\nWARC-Type: conversion\r\nContent-Length: 8\r\n\r\n"
				 "wet doc\n\r\n\r\n"
				 "{\"text\":\"jsonl doc\"}\n"
				 "WARM, a text document\n"
				 "W\n"
				 "{not json\n"
				 "text\n\f{\"text\":\"not json: the input is text\"}\n",
				 "chunk %zu", chunk);
		cr_assert_eq(errors.count, 1, "'{not json' is malformed JSON Lines");
		cr_assert_eq(st.records_malformed, 1);
		tu_free(&out);
	}
}

Test(formats, fixed_format_is_not_detected)
{
	static const char *const inputs[] = { "{\"text\":\"a \"}\n" };
	struct tu_str out = { 0 };
	struct wn_stats st;
	const struct wn_options opt = { .format = WN_FORMAT_TEXT };
	cr_assert_eq(run_inputs(&opt, inputs, 1, 100, &out, &st), 0);
	cr_assert_str_eq(out.ptr, "{\"text\":\"a \"}\n");
	tu_free(&out);
	const struct wn_options bad = { .format = (enum wn_format)99, .write = tu_write };
	cr_assert_null(wn_filter_new(&bad));
}

/* ---- Document dedup ------------------------------------------------------- */

Test(formats, doc_dedup_keeps_the_first_and_names_the_rest)
{
	static const char in[] =
		"{\"id\":\"a\",\"text\":\"Hello there.\\nShort.\"}\n"
		"{\"id\":\"b\",\"text\":\"hello,   THERE!\\n\\nshort\"}\n"
		"{\"text\":\"Hello there.\\nShort.\"}\n"
		"{\"id\":\"d\",\"text\":\"Hello there.\"}\n"
		"{\"id\":\"e\",\"text\":\"...\\n---\"}\n"
		"{\"id\":\"f\",\"text\":\"***\"}\n";
	struct explained x = { 0 };
	struct tu_str out = { 0 };
	struct wn_stats st;
	const struct wn_options opt = { .format = WN_FORMAT_JSONL, .doc_dedup = true,
					.scope = WN_SCOPE_DOC, .explain = on_explain,
					.explain_ctx = &x };
	cr_assert_eq(tu_run(&opt, in, sizeof(in) - 1, 0, 0, &out, &st), 0);
	cr_assert_str_eq(out.ptr, "{\"id\":\"a\",\"text\":\"Hello there.\\nShort.\"}\n"
				  "{\"id\":\"d\",\"text\":\"Hello there.\"}\n"
				  "{\"id\":\"e\",\"text\":\"...\\n---\"}\n"
				  "{\"id\":\"f\",\"text\":\"***\"}\n",
			 "short lines count; lines without letters or digits do not");
	cr_assert_eq(st.docs_dup, 2);
	cr_assert_eq(st.dropped[WN_DROP_DOC], 5, "the kept lines of b (3) and c (2)");
	cr_assert_eq(x.ndocs, 2);
	cr_assert_str_eq(x.id[0], "b");
	cr_assert_eq(x.line[0], 2);
	cr_assert_str_eq(x.id[1], "", "no id: the line tells");
	cr_assert_eq(x.line[1], 3);
	tu_assert_balanced(&st);
	tu_free(&out);
}

/* A text document longer than max_doc cannot be held back: it is written
 * as it goes and never dropped whole. Shorter ones are. */
Test(formats, doc_dedup_of_long_text_documents)
{
	struct tu_str in = { 0 };
	for (int copy = 0; copy < 3; copy++) {
		for (int i = 0; i < 50; i++) {
			char line[64];
			snprintf(line, sizeof(line), "line %d of a long document\n", i);
			tu_puts(&in, line);
		}
		tu_puts(&in, "\f");
	}
	struct tu_str out = { 0 };
	struct wn_stats st;
	const struct wn_options opt = { .doc_dedup = true, .max_doc = 200,
					.disable = WN_STAGE_DEDUP };
	cr_assert_eq(tu_run(&opt, in.ptr, in.len, 0, 0, &out, &st), 0);
	cr_assert_eq(st.docs_dup, 0, "the copies went out before their end");
	cr_assert_eq(out.len, in.len);
	cr_assert(memcmp(out.ptr, in.ptr, in.len) == 0);
	tu_free(&out);
	const struct wn_options held = { .doc_dedup = true, .disable = WN_STAGE_DEDUP };
	cr_assert_eq(tu_run(&held, in.ptr, in.len, 0, 0, &out, &st), 0);
	cr_assert_eq(st.docs_dup, 2);
	cr_assert_eq(out.len, in.len / 3);
	cr_assert(memcmp(out.ptr, in.ptr, in.len / 3) == 0, "the first copy, with its form feed");
	tu_free(&out);
	tu_free(&in);
}

/* ---- Explanations point into the input ------------------------------------ */

struct dropped_lines {
	int n;
	uint64_t line[16];
	char text[16][128];
};

static void on_drop(void *ctx, const struct wn_event *ev)
{
	struct dropped_lines *d = ctx;
	if (ev->kind != WN_EV_DROP || ev->reason != WN_DROP_DUP || d->n == 16)
		return;
	d->line[d->n] = ev->line;
	snprintf(d->text[d->n], sizeof(d->text[0]), "%.*s", (int)ev->len, ev->text);
	d->n++;
}

/* Line n of p, without its line end. */
static struct tu_str nth_line(const char *p, uint64_t n)
{
	while (--n)
		p = strchr(p, '\n') + 1;
	struct tu_str s = { 0 };
	tu_append(&s, p, strcspn(p, "\r\n"));
	return s;
}

/* In WET a dropped line's number is its line in the file; in JSON Lines
 * the record's line. */
Test(formats, explained_lines_are_input_lines)
{
	struct tu_str wet = tu_data("dolma-sample.lynx.wet");
	struct dropped_lines d = { 0 };
	struct tu_str out = { 0 };
	const struct wn_options opt = { .format = WN_FORMAT_WET, .explain = on_drop,
					.explain_ctx = &d };
	cr_assert_eq(tu_run(&opt, wet.ptr, wet.len, 0, 0, &out, NULL), 0);
	cr_assert_eq(d.n, 16);
	for (int i = 0; i < d.n; i++) {
		struct tu_str line = nth_line(wet.ptr, d.line[i]);
		cr_assert_str_eq(line.ptr, d.text[i], "line %llu", (unsigned long long)d.line[i]);
		tu_free(&line);
	}
	tu_free(&out);
	tu_free(&wet);

	static const char jsonl[] = "{\"text\":\"Repeated line, long enough.\"}\n\n"
				    "{\"text\":\"x\\nRepeated line, long enough.\"}\n";
	memset(&d, 0, sizeof(d));
	const struct wn_options jopt = { .format = WN_FORMAT_JSONL, .explain = on_drop,
					 .explain_ctx = &d };
	cr_assert_eq(tu_run(&jopt, jsonl, sizeof(jsonl) - 1, 0, 0, &out, NULL), 0);
	cr_assert_eq(d.n, 1);
	cr_assert_eq(d.line[0], 3);
	tu_free(&out);
}
