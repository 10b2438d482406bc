/* test_jsonl.c - the JSON Lines framer (decoding, malformed lines, pieces)
 * and the encoder, then JSON Lines through the filter: round trips, only
 * the text field rewritten, empty records, on_error. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "records.h"
#include "testutil.h"

/* ---- The framer on its own ------------------------------------------------ */

static struct got got;

/* The address of tests/data/nav/wsj-url.jsonl's page. */
#define WSJ_URL                                                                              \
	"https://www.wsj.com/articles/"                                                      \
	"google-stadia-microsoft-xcloud-apple-arcade-so-many-ways-to-playand-pay-11574168580"

static void teardown(void)
{
	free_got(&got);
}

TestSuite(jsonl, .fini = teardown);

/* Frames in[0..n) in pieces of at most chunk bytes (0: whole). */
static void frame(const char *in, size_t n, size_t chunk, const char *field, size_t max_doc)
{
	struct wn_options opt = { .field = field, .max_doc = max_doc };
	struct wn_jsonl j;
	cr_assert_eq(wn_jsonl_init(&j, &opt), 0);
	for (size_t pos = 0; pos < n;) {
		const size_t k = chunk && chunk < n - pos ? chunk : n - pos;
		cr_assert_eq(wn_jsonl_push(&j, in + pos, k, collect, &got), 0);
		pos += k;
	}
	cr_assert_eq(wn_jsonl_finish(&j, collect, &got), 0);
	wn_jsonl_free(&j);
}

static void frame_str(const char *in)
{
	frame(in, strlen(in), 0, NULL, 0);
}

struct decode_case {
	const char *line;
	const char *text; /* decoded */
	size_t text_len;  /* when it holds a NUL; else 0 */
};

/* Every escape, surrogate pairs, unpaired surrogates (U+FFFD), raw UTF-8. */
Test(jsonl, decodes_every_escape)
{
	static const struct decode_case cases[] = {
		{ "{\"text\":\"plain\"}", "plain", 0 },
		{ "{\"text\":\"\"}", "", 0 },
		{ "{\"text\":\"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t\"}", "q\" b\\ s/ \b\f\n\r\t", 0 },
		{ "{\"text\":\"\\u0041\\u00e9\\u00E9\\u20ac\"}", "A\xc3\xa9\xc3\xa9\xe2\x82\xac", 0 },
		{ "{\"text\":\"\\ud83d\\ude00!\"}", "\xf0\x9f\x98\x80!", 0 },
		{ "{\"text\":\"\\uD83D\\uDE00\"}", "\xf0\x9f\x98\x80", 0 },
		{ "{\"text\":\"a\\ud800b\"}", "a\xef\xbf\xbd" "b", 0 },
		{ "{\"text\":\"a\\udc00b\"}", "a\xef\xbf\xbd" "b", 0 },
		{ "{\"text\":\"\\ud800\\u0041\"}", "\xef\xbf\xbd" "A", 0 },
		{ "{\"text\":\"\\ud800\\ud800\\udc00\"}", "\xef\xbf\xbd\xf0\x90\x80\x80", 0 },
		{ "{\"text\":\"\\ude00\\ud83d\"}", "\xef\xbf\xbd\xef\xbf\xbd", 0 },
		{ "{\"text\":\"a\\u0000b\"}", "a\0b", 3 },
		{ "{\"text\":\"raw \xc3\xa9 \xe4\xb8\xad \xf0\x9f\x98\x80 \x7f\"}",
		  "raw \xc3\xa9 \xe4\xb8\xad \xf0\x9f\x98\x80 \x7f", 0 },
		{ "  { \"a\" : [1, {\"text\": 2}], \"text\" : \"x\" , \"b\":null }  ", "x", 0 },
		{ "{\"\\u0074ext\":\"by escaped key\"}", "by escaped key", 0 },
		{ "{\"text\":\"crlf record\"}\r", "crlf record", 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		teardown();
		frame_str(cases[i].line);
		const size_t len = cases[i].text_len ? cases[i].text_len : strlen(cases[i].text);
		cr_assert_eq(got.n, 1, "case %zu", i);
		cr_assert_eq(got.kind[0], WN_REC_DOC, "case %zu: %s", i, got.msg[0]);
		cr_assert_eq(got.text[0].len, len, "case %zu: %s", i, got.text[0].ptr);
		cr_assert(memcmp(got.text[0].ptr, cases[i].text, len) == 0, "case %zu: %s", i,
			  got.text[0].ptr);
	}
}

struct bad_case {
	const char *line;
	const char *msg;
};

/* Each line is malformed, with the reason and column given. */
Test(jsonl, reports_malformed_lines)
{
	static const struct bad_case cases[] = {
		{ "{\"text\":\"a\\x\"}", "invalid escape at column 11" },
		{ "{\"text\":\"a\\u12G4\"}", "invalid \\u escape at column 11" },
		{ "{\"text\":\"a\\u12\"}", "invalid \\u escape at column 11" },
		{ "{\"text\":\"abc}", "unterminated string at column 9" },
		{ "{\"text\":\"a\\", "unterminated string at column 9" },
		{ "{\"text\":\"tab\there\"}", "control character in a string at column 13" },
		{ "{\"id\":\"a\\q\",\"text\":\"x\"}", "invalid escape at column 9" },
		{ "{\"text\":\"x\"} extra", "unexpected data after the object at column 14" },
		{ "{\"text\":\"x\",}", "expected a string key at column 13" },
		{ "{\"text\" \"x\"}", "expected ':' at column 9" },
		{ "{\"text\":\"x\" \"y\":1}", "expected ',' or '}' at column 13" },
		{ "[\"text\"]", "expected a JSON object at column 1" },
		{ "\"text\"", "expected a JSON object at column 1" },
		{ "{\"n\":01,\"text\":\"x\"}", "expected ',' or '}' at column 7" },
		{ "{\"n\":1.,\"text\":\"x\"}", "invalid number at column 6" },
		{ "{\"n\":-,\"text\":\"x\"}", "invalid number at column 6" },
		{ "{\"n\":1e,\"text\":\"x\"}", "invalid number at column 6" },
		{ "{\"n\":tru,\"text\":\"x\"}", "expected a value at column 6" },
		{ "{\"n\":[1,],\"text\":\"x\"}", "expected a value at column 9" },
		{ "{\"n\":{\"a\" 1},\"text\":\"x\"}", "expected ':' at column 11" },
		{ "{\"text\":\"x\"", "expected ',' or '}' at column 12" },
		{ "{\"text\":5}", "field \"text\" is not a string" },
		{ "{\"text\":null}", "field \"text\" is not a string" },
		{ "{\"text\":[\"a\"]}", "field \"text\" is not a string" },
		{ "{\"title\":\"x\"}", "field \"text\" is missing" },
		{ "{}", "field \"text\" is missing" },
		{ "{\"text\":\"a\",\"text\":\"b\"}", "field \"text\" appears twice" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		teardown();
		frame_str(cases[i].line);
		cr_assert_eq(got.n, 1, "case %zu", i);
		cr_assert_eq(got.kind[0], WN_REC_BAD, "case %zu: %s", i, cases[i].line);
		cr_assert_str_eq(got.msg[0], cases[i].msg, "case %zu: %s", i, cases[i].line);
		cr_assert_str_eq(got.raw[0].ptr, cases[i].line, "the record is kept whole");
	}
}

Test(jsonl, nesting_is_bounded)
{
	struct tu_str line = { 0 };
	tu_puts(&line, "{\"a\":");
	for (int i = 0; i < 600; i++)
		tu_puts(&line, "[");
	for (int i = 0; i < 600; i++)
		tu_puts(&line, "]");
	tu_puts(&line, ",\"text\":\"x\"}");
	frame_str(line.ptr);
	cr_assert_eq(got.kind[0], WN_REC_BAD);
	cr_assert(strstr(got.msg[0], "nested too deeply"), "%s", got.msg[0]);
	teardown();
	/* 500 levels are fine: MAX_DEPTH is 512. */
	line.len = 0;
	tu_puts(&line, "{\"a\":");
	for (int i = 0; i < 250; i++)
		tu_puts(&line, "[{\"k\":");
	tu_puts(&line, "0");
	for (int i = 0; i < 250; i++)
		tu_puts(&line, "}]");
	tu_puts(&line, ",\"text\":\"x\"}");
	frame_str(line.ptr);
	cr_assert_eq(got.kind[0], WN_REC_DOC, "%s", got.msg[0]);
	tu_free(&line);
}

Test(jsonl, lines_numbers_ids_and_blank_lines)
{
	frame_str("{\"id\":\"a1\",\"text\":\"x\"}\n\n  \r\n{\"text\":\"y\",\"id\":42}\r\n"
		  "{\"text\":\"z\"}");
	cr_assert_eq(got.n, 5);
	cr_assert_eq(got.kind[0], WN_REC_DOC);
	cr_assert_str_eq(got.id[0].ptr, "a1");
	cr_assert_eq(got.kind[1], WN_REC_PASS, "a blank line is passed on");
	cr_assert_eq(got.kind[2], WN_REC_PASS);
	cr_assert_str_eq(got.raw[2].ptr, "  \r\n");
	cr_assert_eq(got.kind[3], WN_REC_DOC);
	cr_assert_str_eq(got.id[3].ptr, "42");
	cr_assert_eq(got.line[3], 4);
	cr_assert_eq(got.offset[3], 28);
	cr_assert_str_eq(got.raw[3].ptr, "{\"text\":\"y\",\"id\":42}\r\n");
	cr_assert_eq(got.kind[4], WN_REC_DOC);
	cr_assert_eq(got.line[4], 5);
	teardown();
	frame_str("{\"text\":\"y\",\"id\":42}\r\n{\"text\":\"z\"}");
	cr_assert_eq(got.n, 2);
	cr_assert_str_eq(got.raw[1].ptr, "{\"text\":\"z\"}", "the last line needs no line end");
	cr_assert_str_eq(got.text[1].ptr, "z");
}

/* A record's "url" (for --strip-nav's title) reaches it as it is, or
 * decoded when it has escapes; a record without a string "url" has none. */
Test(jsonl, the_address_reaches_the_record)
{
	frame_str("{\"id\":\"a\",\"url\":\"https://x.org/a-b_c\",\"text\":\"x\"}\n"
		  "{\"url\":\"https:\\/\\/x.org\\/caf\\u00e9-story\",\"text\":\"y\"}\n"
		  "{\"text\":\"z\"}\n"
		  "{\"text\":\"w\",\"url\":42}\n");
	cr_assert_eq(got.n, 4);
	for (int i = 0; i < 4; i++)
		cr_assert_eq(got.kind[i], WN_REC_DOC, "record %d: %s", i, got.msg[i]);
	cr_assert(got.has_url[0]);
	cr_assert_str_eq(got.url[0].ptr, "https://x.org/a-b_c");
	cr_assert_str_eq(got.url[1].ptr, "https://x.org/caf\xc3\xa9-story");
	cr_assert_not(got.has_url[2]);
	cr_assert_not(got.has_url[3], "a number is no address");
	cr_assert_str_eq(got.text[3].ptr, "w");
	teardown();
	/* the real record of tests/data/nav, in every piece size */
	struct tu_str in = tu_data("nav/wsj-url.jsonl");
	frame(in.ptr, in.len, 0, NULL, 0);
	cr_assert_eq(got.n, 1);
	cr_assert_str_eq(got.url[0].ptr, WSJ_URL);
	teardown();
	for (size_t chunk = 1; chunk < 64; chunk += 7) {
		frame(in.ptr, in.len, chunk, NULL, 0);
		cr_assert_str_eq(got.url[0].ptr, WSJ_URL, "chunk %zu", chunk);
		teardown();
	}
	tu_free(&in);
}

Test(jsonl, other_field_name)
{
	frame("{\"text\":\"no\",\"gold\":\"yes\"}\n", 27, 0, "gold", 0);
	cr_assert_eq(got.kind[0], WN_REC_DOC);
	cr_assert_str_eq(got.text[0].ptr, "yes");
}

/* A line longer than max_doc is malformed and comes in pieces; the rest
 * of the input is cut as before, whatever the chunking. */
Test(jsonl, longer_than_max_doc)
{
	static const char in[] = "{\"text\":\"short\"}\n{\"text\":\"this one is too long\"}\n"
				 "{\"text\":\"ok\"}\n{\"text\":\"this is too long too\"}";
	for (size_t chunk = 0; chunk < 12; chunk++) {
		teardown();
		frame(in, sizeof(in) - 1, chunk, NULL, 20);
		cr_assert_eq(got.n, 4, "chunk %zu", chunk);
		cr_assert_eq(got.kind[0], WN_REC_DOC);
		cr_assert_eq(got.kind[1], WN_REC_BAD);
		cr_assert_str_eq(got.msg[1], "record longer than 20 bytes (max_doc)");
		cr_assert_str_eq(got.raw[1].ptr, "{\"text\":\"this one is too long\"}\n");
		cr_assert_eq(got.kind[2], WN_REC_DOC);
		cr_assert_eq(got.line[2], 3, "chunk %zu", chunk);
		cr_assert_eq(got.kind[3], WN_REC_BAD);
		cr_assert_str_eq(got.raw[3].ptr, "{\"text\":\"this is too long too\"}");
	}
}

/* Any split of the input gives the same records. */
Test(jsonl, chunking_invariance_of_records)
{
	struct tu_str in = tu_data("gold-htt.jsonl");
	tu_puts(&in, "{\"gold\":\"bad \\escape\"}\n\n{\"gold\":\"last\\u00e9\"}");
	frame(in.ptr, in.len, 0, "gold", 0);
	struct got whole = got;
	memset(&got, 0, sizeof(got));
	uint64_t seed = 0x5eed0001;
	for (int round = 0; round < 30; round++) {
		const size_t chunk = (size_t)(tu_rand(&seed) % 300) + 1;
		frame(in.ptr, in.len, chunk, "gold", 0);
		cr_assert_eq(got.n, whole.n, "chunk %zu", chunk);
		for (int i = 0; i < got.n; i++) {
			cr_assert_eq(got.kind[i], whole.kind[i]);
			cr_assert_eq(got.raw[i].len, whole.raw[i].len, "chunk %zu rec %d", chunk, i);
			cr_assert(memcmp(got.raw[i].ptr, whole.raw[i].ptr, got.raw[i].len) == 0);
			cr_assert_eq(got.text[i].len, whole.text[i].len);
			cr_assert(memcmp(got.text[i].ptr, whole.text[i].ptr, got.text[i].len) == 0);
			cr_assert_eq(got.line[i], whole.line[i]);
		}
		teardown();
	}
	cr_assert_eq(whole.n, 7);
	cr_assert_eq(whole.kind[4], WN_REC_BAD);
	cr_assert_eq(whole.kind[5], WN_REC_PASS);
	free_got(&whole);
	tu_free(&in);
}

/* ---- The encoder ---------------------------------------------------------- */

struct encode_case {
	const char *text;
	size_t len;
	bool ascii, slash;
	const char *json;
};

Test(jsonl, encodes_like_python_json_dumps)
{
	static const struct encode_case cases[] = {
		{ "plain text", 0, false, false, "plain text" },
		{ "q\" b\\ s/", 0, false, false, "q\\\" b\\\\ s/" },
		{ "\b\f\n\r\t", 0, false, false, "\\b\\f\\n\\r\\t" },
		{ "\x01\x1f\x7f", 0, false, false, "\\u0001\\u001f\x7f" },
		{ "\0", 1, false, false, "\\u0000" },
		{ "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 0, false, false,
		  "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80" },
		{ "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 0, true, false,
		  "\\u00e9\\u20ac\\ud83d\\ude00" },
		{ "bad \xff\xc3 utf-8", 0, true, false, "bad \xff\xc3 utf-8" },
		{ "a/b", 0, false, true, "a\\/b" },
		{ "", 0, true, true, "" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct encode_case *c = &cases[i];
		struct wn_buf out = { 0 };
		const size_t len = c->len ? c->len : strlen(c->text);
		cr_assert_eq(wn_json_encode(c->text, len, c->ascii, c->slash, &out), 0);
		cr_assert_eq(out.len, strlen(c->json), "case %zu: %.*s", i, (int)out.len, out.ptr);
		cr_assert(out.len == 0 || memcmp(out.ptr, c->json, out.len) == 0, "case %zu: %.*s", i,
			  (int)out.len, out.ptr);
		wn_buf_free(&out);
	}
}

/* decode(encode(x)) == x for random strings of every kind of byte. */
Test(jsonl, encode_then_decode_is_identity)
{
	static const char *const pieces[] = {
		"a", " ", "\"", "\\", "/", "\n", "\r", "\t", "\x01", "\x7f", "\xc3\xa9",
		"\xe4\xb8\xad", "\xf0\x9f\x98\x80", "\xef\xbf\xbd", "\xff", "u", "\\u",
	};
	const size_t npieces = sizeof(pieces) / sizeof(pieces[0]);
	uint64_t seed = 0x5eed0002;
	for (int round = 0; round < 500; round++) {
		struct tu_str x = { 0 };
		const size_t n = (size_t)(tu_rand(&seed) % 40);
		for (size_t k = 0; k < n; k++)
			tu_puts(&x, pieces[tu_rand(&seed) % npieces]);
		const bool ascii = tu_rand(&seed) & 1, slash = tu_rand(&seed) & 1;
		struct wn_buf line = { 0 };
		wn_buf_append(&line, "{\"text\":\"", 9);
		cr_assert_eq(wn_json_encode(x.ptr ? x.ptr : "", x.len, ascii, slash, &line), 0);
		wn_buf_append(&line, "\"}", 2);
		teardown();
		frame(line.ptr, line.len, 0, NULL, 0);
		cr_assert_eq(got.kind[0], WN_REC_DOC, "round %d: %s", round, got.msg[0]);
		cr_assert_eq(got.text[0].len, x.len, "round %d", round);
		cr_assert(x.len == 0 || memcmp(got.text[0].ptr, x.ptr, x.len) == 0, "round %d", round);
		wn_buf_free(&line);
		tu_free(&x);
	}
}

/* ---- Through the filter --------------------------------------------------- */

static const unsigned all_stages = WN_STAGE_DEDUP | WN_STAGE_REPAIR | WN_STAGE_BOILERPLATE |
				   WN_STAGE_NEAR;

static struct tu_errors errors;

static struct wn_options jsonl_opt(const char *field, unsigned disable)
{
	memset(&errors, 0, sizeof(errors));
	struct wn_options o = { .format = WN_FORMAT_JSONL, .field = field, .disable = disable,
				.error = tu_on_error, .error_ctx = &errors };
	return o;
}

/* Real JSON Lines with nothing to clean comes out byte for byte. */
Test(jsonl, real_round_trip_is_identical)
{
	struct tu_str in = tu_data("gold-aeb.jsonl"), out = { 0 };
	const struct wn_options opt = jsonl_opt("gold", all_stages);
	struct wn_stats st;
	cr_assert_eq(tu_run(&opt, in.ptr, in.len, 0, 0, &out, &st), 0);
	cr_assert_eq(out.len, in.len);
	cr_assert(memcmp(out.ptr, in.ptr, in.len) == 0);
	cr_assert_eq(errors.count, 0);
	cr_assert_eq(st.docs_in, 20);
	cr_assert_eq(st.docs_out, 20);
	tu_free(&in);
	tu_free(&out);
}

/* What the pipeline does to layout, written plainly: trailing spaces and
 * tabs go, CRs go, runs of blank lines become one, blank lines at the
 * edges go; the text ends with a line end if it did. */
static void layout_model(const char *p, size_t n, struct tu_str *out)
{
	bool pending_blank = false, any = false;
	for (size_t i = 0; i < n;) {
		const char *nl = memchr(p + i, '\n', n - i);
		const size_t end = nl ? (size_t)(nl - p) : n;
		size_t len = end - i;
		while (len && strchr(" \t\r\v", p[i + len - 1]))
			len--;
		if (len == 0) {
			pending_blank = true;
		} else {
			if (pending_blank && any)
				tu_puts(out, "\n");
			tu_append(out, p + i, len);
			tu_puts(out, "\n");
			pending_blank = false;
			any = true;
		}
		i = end + 1;
	}
	if (out->len && (n == 0 || p[n - 1] != '\n'))
		out->len--;
	tu_append(out, "", 0);
}

/* Real JSON Lines with layout to clean: the text is what the plain model
 * says, and the records that needed nothing are byte for byte the same. */
Test(jsonl, real_layout_agrees_with_model)
{
	struct tu_str in = tu_data("gold-htt.jsonl"), out = { 0 };
	const struct wn_options opt = jsonl_opt("gold", all_stages);
	cr_assert_eq(tu_run(&opt, in.ptr, in.len, 0, 0, &out, NULL), 0);
	frame(in.ptr, in.len, 0, "gold", 0);
	struct got before = got;
	memset(&got, 0, sizeof(got));
	frame(out.ptr, out.len, 0, "gold", 0);
	cr_assert_eq(got.n, 4);
	cr_assert_eq(before.n, 4);
	int same = 0;
	for (int i = 0; i < got.n; i++) {
		struct tu_str model = { 0 };
		layout_model(before.text[i].ptr, before.text[i].len, &model);
		cr_assert_eq(got.text[i].len, model.len, "record %d", i);
		cr_assert(memcmp(got.text[i].ptr, model.ptr, model.len) == 0, "record %d", i);
		cr_assert_str_eq(got.id[i].ptr, before.id[i].ptr);
		const bool untouched = model.len == before.text[i].len &&
				       memcmp(model.ptr, before.text[i].ptr, model.len) == 0;
		if (untouched) {
			cr_assert_str_eq(got.raw[i].ptr, before.raw[i].ptr);
			same++;
		}
		tu_free(&model);
	}
	cr_assert_eq(same, 2, "two records of four have nothing to clean");
	free_got(&before);
	tu_free(&in);
	tu_free(&out);
}

/* Dedup rewrites the text; every other byte of the record stays, in order. */
Test(jsonl, only_the_text_field_changes)
{
	static const char in[] =
		"{ \"id\" : 7 ,\"meta\":{\"a\":[1,2.5e3,{\"text\":\"nested\"}],\"s\":\"\\u00e9\\/\"},"
		" \"text\" : \"A line long enough to dedup.\\nA LINE long enough, to dedup!\\n"
		"keep \\\"me\\\"\\t\" , \"z\":null }\r\n";
	static const char expected[] =
		"{ \"id\" : 7 ,\"meta\":{\"a\":[1,2.5e3,{\"text\":\"nested\"}],\"s\":\"\\u00e9\\/\"},"
		" \"text\" : \"A line long enough to dedup.\\nkeep \\\"me\\\"\" , \"z\":null }\r\n";
	struct tu_str out = { 0 };
	const struct wn_options opt = jsonl_opt(NULL, WN_STAGE_REPAIR);
	cr_assert_eq(tu_run(&opt, in, sizeof(in) - 1, 0, 0, &out, NULL), 0);
	cr_assert_str_eq(out.ptr, expected);
	tu_free(&out);
}

/* A record's escaping is imitated when its text is rewritten: \u for
 * non-ASCII and "\/" when the input wrote every one that way. */
Test(jsonl, rewritten_text_keeps_the_escaping_style)
{
	static const char *const cases[][2] = {
		{ "{\"text\":\"caf\\u00e9 \\ud83d\\ude00 \"}\n",
		  "{\"text\":\"caf\\u00e9 \\ud83d\\ude00\"}\n" },
		{ "{\"text\":\"caf\xc3\xa9 \\u00e9 \"}\n", "{\"text\":\"caf\xc3\xa9 \xc3\xa9\"}\n" },
		{ "{\"text\":\"a\\/b \"}\n", "{\"text\":\"a\\/b\"}\n" },
		{ "{\"text\":\"a\\/b/c \"}\n", "{\"text\":\"a/b/c\"}\n" },
		{ "{\"text\":\"x\\ud800y \"}\n", "{\"text\":\"x\\ufffdy\"}\n" },
		{ "{\"text\":\"\xc3\xa9\\ud800y \"}\n", "{\"text\":\"\xc3\xa9\xef\xbf\xbdy\"}\n" },
		{ "{\"text\":\"x\\ud800y\"}\n", "{\"text\":\"x\\ud800y\"}\n" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tu_str out = { 0 };
		const struct wn_options opt = jsonl_opt(NULL, all_stages);
		cr_assert_eq(tu_run(&opt, cases[i][0], strlen(cases[i][0]), 0, 0, &out, NULL), 0);
		cr_assert_str_eq(out.ptr, cases[i][1], "case %zu", i);
		tu_free(&out);
	}
}

/* The text keeps or lacks its final line end; CRLF inside becomes LF like
 * text input; blank runs collapse; trailing blanks go. */
Test(jsonl, text_layout_like_text_input)
{
	static const char *const cases[][2] = {
		{ "{\"text\":\"a\\nb\"}\n", "{\"text\":\"a\\nb\"}\n" },
		{ "{\"text\":\"a\\nb\\n\"}\n", "{\"text\":\"a\\nb\\n\"}\n" },
		{ "{\"text\":\"a\\r\\nb\\r\\n\"}\n", "{\"text\":\"a\\nb\\n\"}\n" },
		{ "{\"text\":\"\\n\\na\\n\\n\\n\\nb\\n\\n\"}\n", "{\"text\":\"a\\n\\nb\\n\"}\n" },
		{ "{\"text\":\"a  \\nb\\t\"}\n", "{\"text\":\"a\\nb\"}\n" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tu_str out = { 0 };
		const struct wn_options opt = jsonl_opt(NULL, all_stages);
		cr_assert_eq(tu_run(&opt, cases[i][0], strlen(cases[i][0]), 0, 0, &out, NULL), 0);
		cr_assert_str_eq(out.ptr, cases[i][1], "case %zu", i);
		tu_free(&out);
	}
}

Test(jsonl, empty_records_are_dropped_unless_kept)
{
	static const char in[] = "{\"id\":1,\"text\":\"Same line, long enough to count.\"}\n"
				 "{\"id\":2,\"text\":\"same line long enough to count\"}\n"
				 "{\"id\":3,\"text\":\"\"}\n"
				 "{\"id\":4,\"text\":\" \\n\\t\"}\n";
	struct tu_str out = { 0 };
	struct wn_options opt = jsonl_opt(NULL, WN_STAGE_REPAIR);
	struct wn_stats st;
	cr_assert_eq(tu_run(&opt, in, sizeof(in) - 1, 0, 0, &out, &st), 0);
	cr_assert_str_eq(out.ptr, "{\"id\":1,\"text\":\"Same line, long enough to count.\"}\n");
	cr_assert_eq(st.docs_in, 4);
	cr_assert_eq(st.docs_empty, 3);
	tu_assert_balanced(&st);
	tu_free(&out);

	opt.keep_empty = true;
	cr_assert_eq(tu_run(&opt, in, sizeof(in) - 1, 0, 0, &out, &st), 0);
	cr_assert_str_eq(out.ptr, "{\"id\":1,\"text\":\"Same line, long enough to count.\"}\n"
				  "{\"id\":2,\"text\":\"\"}\n"
				  "{\"id\":3,\"text\":\"\"}\n"
				  "{\"id\":4,\"text\":\"\"}\n");
	cr_assert_eq(st.docs_empty, 3);
	tu_free(&out);
}

static const char mixed[] = "{\"text\":\"first\"}\n"
			    "{\"text\":\"bad \\x escape\"}\n"
			    "{\"text\":\"third\"}\n"
			    "{\"text\":\"unterminated}\n"
			    "{\"text\":\"fifth\"}\n";

Test(jsonl, on_error_pass_skip_fail)
{
	struct tu_str out = { 0 };
	struct wn_options opt = jsonl_opt(NULL, 0);
	struct wn_stats st;
	cr_assert_eq(tu_run(&opt, mixed, sizeof(mixed) - 1, 0, 0, &out, &st), 0);
	cr_assert_str_eq(out.ptr, mixed, "pass: nothing is lost");
	cr_assert_eq(errors.count, 2);
	cr_assert_eq(errors.line[0], 2);
	cr_assert_str_eq(errors.msg[0], "invalid escape at column 14");
	cr_assert_eq(errors.line[1], 4);
	cr_assert_eq(errors.offset[1], 59);
	cr_assert_str_eq(errors.msg[1], "unterminated string at column 9");
	cr_assert_eq(st.records_malformed, 2);
	cr_assert_eq(st.docs_in, 3);
	tu_free(&out);

	opt = jsonl_opt(NULL, 0);
	opt.on_error = WN_ON_ERROR_SKIP;
	cr_assert_eq(tu_run(&opt, mixed, sizeof(mixed) - 1, 0, 0, &out, &st), 0);
	cr_assert_str_eq(out.ptr, "{\"text\":\"first\"}\n{\"text\":\"third\"}\n"
				  "{\"text\":\"fifth\"}\n");
	cr_assert_eq(errors.count, 2);
	cr_assert_eq(st.records_malformed, 2);
	tu_free(&out);

	/* fail: the records before the bad one reach the sink, then the error. */
	opt = jsonl_opt(NULL, 0);
	opt.on_error = WN_ON_ERROR_FAIL;
	cr_assert_eq(tu_run(&opt, mixed, sizeof(mixed) - 1, 0, 0, &out, &st), WN_E_FORMAT);
	cr_assert_str_eq(out.ptr, "{\"text\":\"first\"}\n");
	cr_assert_eq(errors.count, 1);
	tu_free(&out);
}

/* Output is identical however real JSON Lines is split across pushes. */
Test(jsonl, chunking_invariance_through_the_filter)
{
	struct tu_str in = tu_data("gold-aeb.jsonl");
	tu_puts(&in, mixed);
	char *const again = strndup(in.ptr, 20000);
	tu_append(&in, again, strlen(again)); /* repeats: dedup has work */
	free(again);
	const struct wn_options opt = jsonl_opt("gold", 0);
	struct tu_str whole = { 0 };
	cr_assert_eq(tu_run(&opt, in.ptr, in.len, 0, 0, &whole, NULL), 0);
	const int whole_errors = errors.count;
	cr_assert_gt(whole_errors, 0);
	uint64_t seed = 0x5eed0003;
	for (int round = 0; round < 20; round++) {
		const uint64_t s = tu_rand(&seed) | 1;
		struct tu_str out = { 0 };
		const struct wn_options o = jsonl_opt("gold", 0);
		cr_assert_eq(tu_run(&o, in.ptr, in.len, s, 1 + round * 97, &out, NULL), 0);
		cr_assert_eq(out.len, whole.len, "seed %llu", (unsigned long long)s);
		cr_assert(memcmp(out.ptr, whole.ptr, out.len) == 0, "seed %llu",
			  (unsigned long long)s);
		cr_assert_eq(errors.count, whole_errors);
		tu_free(&out);
	}
	tu_free(&whole);
	tu_free(&in);
}

/* ---- Mutations ------------------------------------------------------------ */

/* Random damage to real lines never crashes the framer, and its records
 * put together are the input, whatever the chunking: nothing is lost. */
Test(jsonl, mutated_input_loses_nothing)
{
	static const char bytes[] = "\"\\{}[],:u0aE\n\r\t\x01\xff\xc3 ";
	struct tu_str base = tu_data("gold-htt.jsonl");
	uint64_t seed = 0x5eed0005;
	for (int round = 0; round < 300; round++) {
		struct tu_str in = { 0 };
		const size_t start = (size_t)(tu_rand(&seed) % base.len);
		const size_t len = (size_t)(tu_rand(&seed) % 3000);
		tu_append(&in, base.ptr + start, start + len < base.len ? len : base.len - start);
		for (int k = 0; k < 8 && in.len; k++)
			in.ptr[tu_rand(&seed) % in.len] = bytes[tu_rand(&seed) % (sizeof(bytes) - 1)];
		const size_t chunk = (size_t)(tu_rand(&seed) % 64);
		teardown();
		frame(in.ptr, in.len, chunk, tu_rand(&seed) & 1 ? "gold" : "text",
		      tu_rand(&seed) & 1 ? 0 : 500);
		struct tu_str all = { 0 };
		for (int i = 0; i < got.n; i++)
			tu_append(&all, got.raw[i].ptr, got.raw[i].len);
		cr_assert_eq(all.len, in.len, "round %d", round);
		cr_assert(in.len == 0 || memcmp(all.ptr, in.ptr, in.len) == 0, "round %d", round);
		tu_free(&all);

		struct tu_str out = { 0 };
		struct wn_stats st;
		const struct wn_options opt = jsonl_opt("gold", 0);
		cr_assert_eq(tu_run(&opt, in.ptr, in.len, 0, 0, &out, &st), 0);
		tu_assert_balanced(&st);
		tu_free(&out);
		tu_free(&in);
	}
	tu_free(&base);
}
