/* test_wet.c - the WARC/WET framer (records by Content-Length, malformed
 * and truncated records, resync, pieces) and WET through the filter: round
 * trips, recomputed Content-Length and digest, empty records, on_error. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "records.h"
#include "testutil.h"

/* ---- The framer on its own ------------------------------------------------ */

static struct got got;

static void teardown(void)
{
	free_got(&got);
}

TestSuite(wet, .fini = teardown);

/* Frames in[0..n) in pieces of at most chunk bytes (0: whole). */
static void frame(const char *in, size_t n, size_t chunk, size_t max_doc)
{
	struct wn_options opt = { .max_doc = max_doc };
	struct wn_wet w;
	cr_assert_eq(wn_wet_init(&w, &opt), 0);
	for (size_t pos = 0; pos < n;) {
		const size_t k = chunk && chunk < n - pos ? chunk : n - pos;
		cr_assert_eq(wn_wet_push(&w, in + pos, k, collect, &got), 0);
		pos += k;
	}
	cr_assert_eq(wn_wet_finish(&w, collect, &got), 0);
	wn_wet_free(&w);
}

/* The pieces put back together are the input: nothing lost or doubled. */
static void assert_covers(const char *in, size_t n)
{
	struct tu_str all = { 0 };
	for (int i = 0; i < got.n; i++)
		tu_append(&all, got.raw[i].ptr, got.raw[i].len);
	cr_assert_eq(all.len, n);
	cr_assert(n == 0 || memcmp(all.ptr, in, n) == 0);
	tu_free(&all);
}

/* Frames whole and in every piece size up to 40: the same records. */
static void frame_all_ways(const char *in, size_t n, size_t max_doc)
{
	frame(in, n, 0, max_doc);
	assert_covers(in, n);
	struct got whole = got;
	memset(&got, 0, sizeof(got));
	for (size_t chunk = 1; chunk <= 40; chunk++) {
		frame(in, n, chunk, max_doc);
		cr_assert_eq(got.n, whole.n, "chunk %zu", chunk);
		for (int i = 0; i < got.n; i++) {
			cr_assert_eq(got.kind[i], whole.kind[i], "chunk %zu rec %d", chunk, i);
			cr_assert_str_eq(got.raw[i].ptr, whole.raw[i].ptr, "chunk %zu rec %d", chunk, i);
			cr_assert_str_eq(got.text[i].ptr, whole.text[i].ptr);
			cr_assert_str_eq(got.msg[i], whole.msg[i]);
			cr_assert_eq(got.offset[i], whole.offset[i]);
			cr_assert_eq(got.line[i], whole.line[i]);
		}
		free_got(&got);
	}
	got = whole;
}

static uint64_t lines_before(const char *p, size_t off)
{
	uint64_t n = 1;
	for (size_t i = 0; i < off; i++)
		n += p[i] == '\n';
	return n;
}

Test(wet, real_common_crawl_file)
{
	struct tu_str in = tu_data("whirlwind.warc.wet");
	frame(in.ptr, in.len, 0, 0);
	assert_covers(in.ptr, in.len);
	cr_assert_eq(got.n, 2);
	cr_assert_eq(got.kind[0], WN_REC_PASS, "warcinfo goes through");
	cr_assert_eq(got.kind[1], WN_REC_DOC);
	cr_assert_eq(got.text[1].len, 4456);
	cr_assert(strncmp(got.text[1].ptr, "Escopete - Biquipedia", 21) == 0);
	cr_assert_str_eq(got.id[1].ptr, "<urn:uuid:ba729a40-ff84-4085-8d48-0a5b2ee0c42d>");
	const size_t off = (size_t)(strstr(in.ptr, "\r\n\r\nWARC/1.0\r\nWARC-Type: conversion") - in.ptr) + 4;
	cr_assert_eq(got.offset[1], off);
	cr_assert_eq(got.line[1], lines_before(in.ptr, off));
	cr_assert_eq(got.text_line[1], lines_before(in.ptr, off) + 11, "ten headers, one blank");
	tu_free(&in);
}

/* cc_net's fixture: LF-only headers. As shipped its Content-Lengths are
 * wrong, so each record is malformed, found again by its "WARC/" line. */
Test(wet, lf_only_headers_and_wrong_lengths)
{
	struct tu_str fixed = tu_data("ccnet-sample.fixed.wet");
	frame_all_ways(fixed.ptr, fixed.len, 0);
	cr_assert_eq(got.n, 4);
	cr_assert_eq(got.kind[0], WN_REC_PASS);
	for (int i = 1; i < 4; i++)
		cr_assert_eq(got.kind[i], WN_REC_DOC, "record %d: %s", i, got.msg[i]);
	cr_assert(strncmp(got.text[1].ptr, "Famous Mark Twain Quotes\n", 25) == 0);
	cr_assert_str_eq(got.id[2].ptr, "<urn:uuid:cd61b0b3-d9b0-466c-9a5e-99c191f8d2e1>");
	teardown();

	struct tu_str shipped = tu_data("ccnet-sample.warc.wet");
	frame_all_ways(shipped.ptr, shipped.len, 0);
	cr_assert_eq(got.n, 4);
	static const uint64_t offsets[] = { 0, 617, 1310, 1959 };
	static const uint64_t lengths[] = { 370, 353, 109, 355 };
	for (int i = 0; i < 4; i++) {
		char msg[96];
		snprintf(msg, sizeof(msg), "Content-Length %llu does not end the record",
			 (unsigned long long)lengths[i]);
		cr_assert_eq(got.kind[i], WN_REC_BAD);
		cr_assert_str_eq(got.msg[i], msg);
		cr_assert_eq(got.offset[i], offsets[i]);
	}
	tu_free(&fixed);
	tu_free(&shipped);
}

/* Appends a record: version line, headers (each ending in eol), a
 * Content-Length of length bytes (-1: the text's), the text, a separator. */
static void add_record(struct tu_str *s, const char *type, const char *extra, const char *text,
		       long length, const char *eol, const char *sep)
{
	char head[512];
	snprintf(head, sizeof(head), "WARC/1.0%sWARC-Type: %s%s%sContent-Length: %ld%s%s", eol,
		 type, eol, extra, length < 0 ? (long)strlen(text) : length, eol, eol);
	tu_puts(s, head);
	tu_puts(s, text);
	tu_puts(s, sep);
}

struct bad_case {
	const char *name;
	const char *input;
	const char *kinds; /* one letter per record: D doc, P pass, B bad */
	const char *msg;   /* of the first bad record */
	uint64_t offset;   /* of the first bad record */
};

static const char good[] = "WARC/1.0\r\nWARC-Type: conversion\r\nContent-Length: 6\r\n\r\nhello\n\r\n\r\n";

Test(wet, malformed_records)
{
	static const struct bad_case cases[] = {
		{ "length too short",
		  "WARC/1.0\r\nWARC-Type: conversion\r\nContent-Length: 4\r\n\r\nhello\n\r\n\r\n",
		  "BD", "Content-Length 4 does not end the record", 0 },
		{ "length too long, swallowing the next record's start",
		  "WARC/1.0\r\nWARC-Type: conversion\r\nContent-Length: 16\r\n\r\nhello\n\r\n\r\n",
		  "BD", "Content-Length 16 does not end the record", 0 },
		{ "length too long in a warcinfo",
		  "WARC/1.0\r\nWARC-Type: warcinfo\r\nContent-Length: 12\r\n\r\na: b\r\n\r\n\r\n",
		  "BD", "Content-Length 12 does not end the record", 0 },
		{ "no Content-Length",
		  "WARC/1.0\r\nWARC-Type: conversion\r\n\r\nhello\n\r\n\r\n",
		  "BD", "no Content-Length header", 0 },
		{ "bad Content-Length",
		  "WARC/1.0\r\nWARC-Type: conversion\r\nContent-Length: 6x\r\n\r\nhello\n\r\n\r\n",
		  "BD", "invalid Content-Length", 0 },
		{ "two Content-Lengths",
		  "WARC/1.0\r\nContent-Length: 6\r\nContent-Length: 6\r\n\r\nhello\n\r\n\r\n",
		  "BD", "two Content-Length headers", 0 },
		/* Found by fuzz_wet: a rewrite dropped one digest and left the
		 * other, stale, in the record. */
		{ "two block digests",
		  "WARC/1.0\r\nWARC-Type: conversion\r\nWARC-Block-Digest: sha1:AAAA\r\n"
		  "WARC-Block-Digest: sha1:BBBB\r\nContent-Length: 6\r\n\r\nhello\n\r\n\r\n",
		  "BD", "two WARC-Block-Digest headers", 0 },
		{ "junk before the first record", "junk\nmore junk\n", "BD",
		  "a record does not start with \"WARC/\"", 0 },
		{ "truncated block", "WARC/1.0\r\nWARC-Type: conversion\r\nContent-Length: 100\r\n\r\nhel",
		  "DB", "truncated record: Content-Length 100, 3 bytes follow", 64 },
		{ "length larger than the file",
		  "WARC/1.0\r\nWARC-Type: conversion\r\nContent-Length: 99999\r\n\r\nhello\n\r\n\r\n",
		  "DB", "truncated record: Content-Length 99999, 10 bytes follow", 64 },
		{ "truncated header", "WARC/1.0\r\nWARC-Type: conv", "DB", "truncated record header",
		  64 },
		{ "truncated magic", "WAR", "DB", "truncated record header", 64 },
		{ "truncated warcinfo", "WARC/1.0\r\nWARC-Type: warcinfo\r\nContent-Length: 50\r\n\r\nab",
		  "DB", "truncated record: Content-Length 50, 2 bytes follow", 64 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct bad_case *c = &cases[i];
		struct tu_str in = { 0 };
		/* A good record before or after, as the kinds say. */
		if (c->kinds[0] == 'D')
			tu_puts(&in, good);
		tu_puts(&in, c->input);
		if (c->kinds[0] == 'B')
			tu_puts(&in, good);
		frame_all_ways(in.ptr, in.len, 0);
		cr_assert_eq(got.n, 2, "%s: %d records", c->name, got.n);
		for (int k = 0; k < 2; k++)
			cr_assert_eq(got.kind[k], c->kinds[k] == 'D' ? WN_REC_DOC : WN_REC_BAD, "%s",
				     c->name);
		const int bad = c->kinds[0] == 'B' ? 0 : 1;
		cr_assert_str_eq(got.msg[bad], c->msg, "%s", c->name);
		cr_assert_eq(got.offset[bad], c->offset, "%s", c->name);
		cr_assert_str_eq(got.text[1 - bad].ptr, "hello\n", "%s", c->name);
		teardown();
		tu_free(&in);
	}
}

Test(wet, separators_and_other_record_types)
{
	struct tu_str in = { 0 };
	add_record(&in, "warcinfo", "", "software: x\r\n", -1, "\r\n", "\r\n\r\n");
	add_record(&in, "request", "WARC-Target-URI: http://a/\r\n", "GET / HTTP/1.1\r\n\r\n", -1,
		   "\r\n", "\r\n\r\n");
	add_record(&in, "conversion", "", "lf separator\n", -1, "\n", "\n\n");
	add_record(&in, "Conversion", "", "crlf only", -1, "\r\n", "\r\n");
	add_record(&in, "response", "", "HTTP/1.1 200 OK\r\n\r\n<html>", -1, "\r\n", "\r\n\r\n");
	add_record(&in, "conversion", "WARC-Target-URI: http://b/\r\n", "", -1, "\r\n", "\r\n\r\n");
	add_record(&in, "conversion", "", "no separator at the end", -1, "\r\n", "");
	frame_all_ways(in.ptr, in.len, 0);
	static const enum wn_record_kind kinds[] = { WN_REC_PASS, WN_REC_PASS, WN_REC_DOC,
						     WN_REC_DOC, WN_REC_PASS, WN_REC_DOC, WN_REC_DOC };
	cr_assert_eq(got.n, 7);
	for (int i = 0; i < 7; i++)
		cr_assert_eq(got.kind[i], kinds[i], "record %d: %s", i, got.msg[i]);
	cr_assert_str_eq(got.text[3].ptr, "crlf only");
	cr_assert_str_eq(got.text[5].ptr, "");
	cr_assert_str_eq(got.id[5].ptr, "http://b/", "the URI when there is no record id");
	cr_assert_str_eq(got.text[6].ptr, "no separator at the end");
	tu_free(&in);
}

/* A document's address (WARC-Target-URI, for --strip-nav's title) reaches
 * its record whether or not a record id comes before or after it, in
 * every piece size; a record without one has none. */
Test(wet, the_address_reaches_the_record)
{
	struct tu_str in = tu_data("whirlwind.warc.wet");
	frame(in.ptr, in.len, 0, 0);
	cr_assert_eq(got.kind[1], WN_REC_DOC);
	cr_assert(got.has_url[1]);
	cr_assert_str_eq(got.url[1].ptr, "https://an.wikipedia.org/wiki/Escopete");
	cr_assert_str_eq(got.id[1].ptr, "<urn:uuid:ba729a40-ff84-4085-8d48-0a5b2ee0c42d>");
	tu_free(&in);
	teardown();
	struct tu_str syn = { 0 };
	add_record(&syn, "conversion", "WARC-Target-URI: http://a/x-y-z\r\nWARC-Record-ID: <urn:1>\r\n",
		   "text a\n", -1, "\r\n", "\r\n\r\n");
	add_record(&syn, "conversion", "", "text b\n", -1, "\r\n", "\r\n\r\n");
	add_record(&syn, "conversion", "WARC-Record-ID: <urn:3>\r\nWARC-Target-URI:  http://c/\t\r\n",
		   "text c\n", -1, "\r\n", "\r\n\r\n");
	frame_all_ways(syn.ptr, syn.len, 0);
	cr_assert_eq(got.n, 3);
	cr_assert_str_eq(got.url[0].ptr, "http://a/x-y-z");
	cr_assert_str_eq(got.id[0].ptr, "<urn:1>", "the record id, not the address");
	cr_assert_not(got.has_url[1], "no address: none, not the last record's");
	cr_assert_str_eq(got.url[2].ptr, "http://c/", "trimmed");
	cr_assert_str_eq(got.id[2].ptr, "<urn:3>");
	tu_free(&syn);
}

/* Records longer than max_doc are not held: a document is malformed, any
 * other record goes through; both in pieces, and the next one is found. */
Test(wet, longer_than_max_doc)
{
	struct tu_str in = { 0 };
	static const char long_text[] = "a text of more than sixty bytes, which is the max_doc of this test\n";
	add_record(&in, "warcinfo", "", long_text, -1, "\r\n", "\r\n\r\n");
	add_record(&in, "conversion", "", long_text, -1, "\r\n", "\r\n\r\n");
	add_record(&in, "conversion", "", "short\n", -1, "\r\n", "\r\n\r\n");
	add_record(&in, "conversion", "X-Header-Too-Long: 0123456789\r\n", "x\n", -1, "\r\n",
		   "\r\n\r\n");
	add_record(&in, "conversion", "", "short again\n", -1, "\r\n", "\r\n\r\n");
	add_record(&in, "conversion", "", long_text, 999, "\r\n", "");
	frame_all_ways(in.ptr, in.len, 60);
	cr_assert_eq(got.n, 7);
	cr_assert_eq(got.kind[0], WN_REC_PASS);
	cr_assert_eq(got.kind[1], WN_REC_BAD);
	cr_assert_str_eq(got.msg[1], "conversion record of 67 bytes is longer than max_doc");
	cr_assert_eq(got.kind[2], WN_REC_DOC);
	cr_assert_str_eq(got.text[2].ptr, "short\n");
	cr_assert_eq(got.kind[3], WN_REC_BAD);
	cr_assert_str_eq(got.msg[3], "record header longer than max_doc");
	cr_assert_eq(got.kind[4], WN_REC_DOC);
	cr_assert_str_eq(got.text[4].ptr, "short again\n");
	cr_assert_eq(got.kind[5], WN_REC_BAD);
	cr_assert_eq(got.kind[6], WN_REC_BAD);
	cr_assert_str_eq(got.msg[6], "truncated record: Content-Length 999, 67 bytes follow");
	tu_free(&in);
}

/* A first record longer than max_doc, streamed, whose Content-Length runs
 * past the end of the input, pushed whole: nothing is held back, so the
 * truncated record's final empty piece comes from an unallocated buffer
 * (found by tests/fuzz/fuzz_wet.c: UBSan, an offset applied to NULL). */
Test(wet, truncated_streamed_first_record)
{
	static const char in[] = "WARC/1.0\r\nWARC-Type: conversion\r\nContent-Length: 1000\r\n\r\n"
				 "a text of more than sixty bytes, which is the max_doc of this test\n";
	frame_all_ways(in, sizeof(in) - 1, 60);
	cr_assert_eq(got.n, 2);
	cr_assert_eq(got.kind[0], WN_REC_BAD);
	cr_assert_str_eq(got.msg[0], "conversion record of 1000 bytes is longer than max_doc");
	cr_assert_eq(got.kind[1], WN_REC_BAD);
	cr_assert_str_eq(got.msg[1], "truncated record: Content-Length 1000, 67 bytes follow");
	cr_assert_eq(got.raw[1].len, 0);
}

/* ---- Through the filter --------------------------------------------------- */

static const unsigned all_stages = WN_STAGE_DEDUP | WN_STAGE_REPAIR | WN_STAGE_BOILERPLATE |
				   WN_STAGE_NEAR;

static struct tu_errors errors;

static struct wn_options wet_opt(unsigned disable)
{
	memset(&errors, 0, sizeof(errors));
	struct wn_options o = { .format = WN_FORMAT_WET, .disable = disable,
				.error = tu_on_error, .error_ctx = &errors };
	return o;
}

Test(wet, real_round_trips_are_identical)
{
	static const char *const files[] = { "whirlwind.warc.wet", "dolma-sample.lynx.wet",
					     "ccnet-sample.fixed.wet", "ccnet-sample.warc.wet" };
	for (size_t i = 0; i < 4; i++) {
		struct tu_str in = tu_data(files[i]), out = { 0 };
		const struct wn_options opt = wet_opt(all_stages);
		struct wn_stats st;
		cr_assert_eq(tu_run(&opt, in.ptr, in.len, 0, 0, &out, &st), 0);
		cr_assert_eq(out.len, in.len, "%s", files[i]);
		cr_assert(memcmp(out.ptr, in.ptr, in.len) == 0, "%s", files[i]);
		cr_assert_eq(errors.count, i == 3 ? 4 : 0, "%s", files[i]);
		cr_assert_eq(st.docs_in, i == 3 ? 0 : i == 1 ? 8 : i == 2 ? 3 : 1);
		cr_assert_eq(st.records_passed, i == 3 ? 0 : 1);
		tu_free(&in);
		tu_free(&out);
	}
}

/* Dedup changes the text: the output is well-formed WET whose every
 * Content-Length and sha1 digest fit the new block, and whose other
 * headers are the input's, in order. */
Test(wet, rewritten_records_are_consistent)
{
	static const char *const files[] = { "whirlwind.warc.wet", "dolma-sample.lynx.wet" };
	for (size_t f = 0; f < 2; f++) {
		struct tu_str in = tu_data(files[f]), out = { 0 };
		struct wn_options opt = wet_opt(WN_STAGE_REPAIR);
		opt.wet_digest = true;
		struct wn_stats st;
		cr_assert_eq(tu_run(&opt, in.ptr, in.len, 0, 0, &out, &st), 0);
		cr_assert_gt(st.dropped[WN_DROP_DUP], 0, "the test needs a change");
		frame(in.ptr, in.len, 0, 0);
		struct got before = got;
		memset(&got, 0, sizeof(got));
		frame(out.ptr, out.len, 0, 0);
		cr_assert_eq(got.n, before.n);
		int changed = 0;
		for (int i = 0; i < got.n; i++) {
			cr_assert_eq(got.kind[i], before.kind[i], "%s: %s", files[f], got.msg[i]);
			if (got.kind[i] != WN_REC_DOC || got.text[i].len == before.text[i].len)
				continue;
			changed++;
			const char *digest = strstr(got.raw[i].ptr, "WARC-Block-Digest: sha1:");
			const char *body = strstr(got.raw[i].ptr, "\r\n\r\n");
			const char *had = strstr(before.raw[i].ptr, "WARC-Block-Digest: sha1:");
			const char *had_body = strstr(before.raw[i].ptr, "\r\n\r\n");
			cr_assert_eq(digest && digest < body, had && had < had_body);
			if (digest && digest < body) {
				char b32[WN_SHA1_BASE32_LEN];
				wn_sha1_base32(got.text[i].ptr, got.text[i].len, b32);
				cr_assert(memcmp(digest + 24, b32, sizeof(b32)) == 0);
			}
			/* Header lines other than the two rewritten ones are kept. */
			const char *p = before.raw[i].ptr, *q = got.raw[i].ptr;
			while (*p != '\r') {
				const char *pe = strchr(p, '\n') + 1, *qe = strchr(q, '\n') + 1;
				if (strncmp(p, "Content-Length:", 15) && strncmp(p, "WARC-Block-Digest:", 18))
					cr_assert(pe - p == qe - q && memcmp(p, q, (size_t)(pe - p)) == 0,
						  "%s: %.*s", files[f], (int)(pe - p), p);
				p = pe;
				q = qe;
			}
			cr_assert_eq(*q, '\r');
		}
		cr_assert_gt(changed, 0);
		free_got(&before);
		teardown();
		tu_free(&in);
		tu_free(&out);
	}
}

/* A rewritten record loses its digest, or with wet_digest gets a new
 * sha1 one; other algorithms are dropped either way. An unchanged record
 * keeps its own. */
Test(wet, block_digests)
{
	struct tu_str in = { 0 }, out = { 0 };
	add_record(&in, "conversion", "WARC-Block-Digest: md5:abc\r\nX-Keep: yes\r\n",
		   "text with a trailing space \n", -1, "\r\n", "\r\n\r\n");
	add_record(&in, "conversion", "WARC-Block-Digest: SHA1:XXXX\r\n", "shouted \n", -1, "\r\n",
		   "\r\n\r\n");
	add_record(&in, "conversion", "WARC-Block-Digest: sha1:KEPT\r\n", "unchanged\n", -1, "\r\n",
		   "\r\n\r\n");
	struct wn_options opt = wet_opt(all_stages);
	struct tu_str expected = { 0 };
	add_record(&expected, "conversion", "X-Keep: yes\r\n", "text with a trailing space\n", -1,
		   "\r\n", "\r\n\r\n");
	add_record(&expected, "conversion", "", "shouted\n", -1, "\r\n", "\r\n\r\n");
	add_record(&expected, "conversion", "WARC-Block-Digest: sha1:KEPT\r\n", "unchanged\n", -1,
		   "\r\n", "\r\n\r\n");
	cr_assert_eq(tu_run(&opt, in.ptr, in.len, 0, 0, &out, NULL), 0);
	cr_assert_str_eq(out.ptr, expected.ptr);
	tu_free(&out);
	tu_free(&expected);

	opt.wet_digest = true;
	cr_assert_eq(tu_run(&opt, in.ptr, in.len, 0, 0, &out, NULL), 0);
	char b32[WN_SHA1_BASE32_LEN + 1] = { 0 };
	wn_sha1_base32("shouted\n", 8, b32);
	add_record(&expected, "conversion", "X-Keep: yes\r\n", "text with a trailing space\n", -1,
		   "\r\n", "\r\n\r\n");
	char extra[64];
	snprintf(extra, sizeof(extra), "WARC-Block-Digest: SHA1:%s\r\n", b32);
	add_record(&expected, "conversion", extra, "shouted\n", -1, "\r\n", "\r\n\r\n");
	add_record(&expected, "conversion", "WARC-Block-Digest: sha1:KEPT\r\n", "unchanged\n", -1,
		   "\r\n", "\r\n\r\n");
	cr_assert_str_eq(out.ptr, expected.ptr);
	tu_free(&in);
	tu_free(&out);
	tu_free(&expected);
}

Test(wet, empty_documents_are_dropped_unless_kept)
{
	struct tu_str in = { 0 }, out = { 0 };
	add_record(&in, "conversion", "", "A line that is long enough to be a dup.\n", -1, "\r\n",
		   "\r\n\r\n");
	add_record(&in, "conversion", "WARC-Block-Digest: sha1:OLD\r\n",
		   "a line that is long enough to be a dup\n\n", -1, "\r\n", "\r\n\r\n");
	struct wn_options opt = wet_opt(WN_STAGE_REPAIR);
	struct wn_stats st;
	cr_assert_eq(tu_run(&opt, in.ptr, in.len, 0, 0, &out, &st), 0);
	struct tu_str expected = { 0 };
	add_record(&expected, "conversion", "", "A line that is long enough to be a dup.\n", -1,
		   "\r\n", "\r\n\r\n");
	cr_assert_str_eq(out.ptr, expected.ptr);
	cr_assert_eq(st.docs_empty, 1);
	tu_assert_balanced(&st);
	tu_free(&out);

	opt.keep_empty = opt.wet_digest = true;
	cr_assert_eq(tu_run(&opt, in.ptr, in.len, 0, 0, &out, &st), 0);
	add_record(&expected, "conversion", "WARC-Block-Digest: sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ\r\n",
		   "", -1, "\r\n", "\r\n\r\n");
	cr_assert_str_eq(out.ptr, expected.ptr);
	tu_free(&in);
	tu_free(&out);
	tu_free(&expected);
}

/* A truncated last record: reported with its byte offset once every
 * complete record has been written; then passed, skipped or fatal. */
Test(wet, truncated_last_record_and_on_error)
{
	struct tu_str in = tu_data("dolma-sample.lynx.wet");
	const size_t whole = in.len;
	struct tu_str tail = tu_data("whirlwind.warc.wet");
	tu_append(&in, tail.ptr, tail.len - 100);
	const uint64_t conv_at = whole + (uint64_t)(strstr(tail.ptr, "\r\n\r\nWARC/1.0\r\nWARC-Type: "
								 "conversion") - tail.ptr) + 4;
	struct tu_str out = { 0 }, complete = { 0 };
	struct wn_options opt = wet_opt(0);
	cr_assert_eq(tu_run(&opt, in.ptr, whole, 0, 0, &complete, NULL), 0);

	opt = wet_opt(0);
	cr_assert_eq(tu_run(&opt, in.ptr, in.len, 0, 0, &out, NULL), 0);
	cr_assert_eq(errors.count, 1);
	cr_assert_eq(errors.offset[0], conv_at);
	cr_assert_str_eq(errors.msg[0], "truncated record: Content-Length 4456, 4360 bytes follow");
	cr_assert(out.len > complete.len && memcmp(out.ptr, complete.ptr, complete.len) == 0);
	cr_assert(memcmp(out.ptr + out.len - 200, in.ptr + in.len - 200, 200) == 0,
		  "pass: the truncated record is written as it came");

	opt = wet_opt(0);
	opt.on_error = WN_ON_ERROR_SKIP;
	tu_free(&out);
	cr_assert_eq(tu_run(&opt, in.ptr, in.len, 0, 0, &out, NULL), 0);
	const size_t info_len = (size_t)(conv_at - whole);
	cr_assert_eq(out.len, complete.len + info_len, "skip: only the warcinfo before it");

	opt = wet_opt(0);
	opt.on_error = WN_ON_ERROR_FAIL;
	tu_free(&out);
	cr_assert_eq(tu_run(&opt, in.ptr, in.len, 0, 0, &out, NULL), WN_E_FORMAT);
	cr_assert_eq(out.len, complete.len + info_len, "fail: every complete record first");
	cr_assert(memcmp(out.ptr, complete.ptr, complete.len) == 0);
	tu_free(&in);
	tu_free(&tail);
	tu_free(&out);
	tu_free(&complete);
}

/* Output is identical however real WET is split across pushes. */
Test(wet, chunking_invariance_through_the_filter)
{
	struct tu_str in = tu_data("dolma-sample.lynx.wet");
	struct tu_str more = tu_data("whirlwind.warc.wet");
	tu_append(&in, more.ptr, more.len);
	tu_puts(&in, "WARC/1.0\r\nWARC-Type: conversion\r\nContent-Length: 3\r\n\r\nbad length\r\n\r\n");
	tu_append(&in, more.ptr, more.len);
	const struct wn_options opt = wet_opt(0);
	struct tu_str whole = { 0 };
	cr_assert_eq(tu_run(&opt, in.ptr, in.len, 0, 0, &whole, NULL), 0);
	cr_assert_eq(errors.count, 1);
	uint64_t seed = 0x5eed0004;
	for (int round = 0; round < 20; round++) {
		const uint64_t s = tu_rand(&seed) | 1;
		struct tu_str out = { 0 };
		const struct wn_options o = wet_opt(0);
		cr_assert_eq(tu_run(&o, in.ptr, in.len, s, 1 + (size_t)round * 131, &out, NULL), 0);
		cr_assert_eq(out.len, whole.len, "seed %llu", (unsigned long long)s);
		cr_assert(memcmp(out.ptr, whole.ptr, out.len) == 0, "seed %llu",
			  (unsigned long long)s);
		cr_assert_eq(errors.count, 1);
		tu_free(&out);
	}
	tu_free(&whole);
	tu_free(&in);
	tu_free(&more);
}

/* ---- Mutations ------------------------------------------------------------ */

/* Random damage to real WET (line ends, digits of a Content-Length, record
 * starts) never crashes the framer, and its records put together are the
 * input, whatever the chunking: nothing is lost or doubled. */
Test(wet, mutated_input_loses_nothing)
{
	static const char bytes[] = "\r\n0123456789WARC/: x";
	struct tu_str base = tu_data("dolma-sample.lynx.wet");
	uint64_t seed = 0x5eed0006;
	for (int round = 0; round < 200; round++) {
		struct tu_str in = { 0 };
		const size_t start = (size_t)(tu_rand(&seed) % 3) * 4000;
		const size_t len = (size_t)(tu_rand(&seed) % 30000);
		tu_append(&in, base.ptr + start, start + len < base.len ? len : base.len - start);
		for (int k = 0; k < 6 && in.len; k++) {
			/* Mostly near a header, where damage changes the framing. */
			const char *h = strstr(in.ptr + tu_rand(&seed) % in.len, "Content-Length: ");
			const size_t at = h && tu_rand(&seed) % 4 ? (size_t)(h - in.ptr) + 16 +
								     tu_rand(&seed) % 3
							   : (size_t)(tu_rand(&seed) % in.len);
			if (at < in.len)
				in.ptr[at] = bytes[tu_rand(&seed) % (sizeof(bytes) - 1)];
		}
		const size_t chunk = (size_t)(tu_rand(&seed) % 200);
		teardown();
		frame(in.ptr, in.len, chunk, tu_rand(&seed) & 1 ? 0 : 2000);
		assert_covers(in.ptr, in.len);

		struct tu_str out = { 0 };
		struct wn_stats st;
		const struct wn_options opt = wet_opt(0);
		cr_assert_eq(tu_run(&opt, in.ptr, in.len, 0, 0, &out, &st), 0);
		tu_assert_balanced(&st);
		tu_free(&out);
		tu_free(&in);
	}
	tu_free(&base);
}
