/* test_cli_formats.c - the winnow program with JSON Lines and WET: options,
 * messages and exit codes for malformed records, gzip with one member per
 * record, stdin, --doc-dedup explanations. The library is tested apart. */
#include <zlib.h>

#include "clitest.h"
#include "testutil.h"

CLI_SUITE(cli_formats);

static const char mixed[] = "{\"id\":1,\"text\":\"first\"}\n"
			    "{\"id\":2,\"text\":\"bad \\x escape\"}\n"
			    "{\"id\":3,\"text\":\"third\"}\n";

Test(cli_formats, usage_errors)
{
	static const char *const cases[][2] = {
		{ "--format=xml", "winnow: --format: unknown value 'xml'\n" },
		{ "--on-error=maybe", "winnow: --on-error: unknown value 'maybe'\n" },
		{ "--field=", "winnow: --field: expected a field name\n" },
	};
	for (size_t i = 0; i < 3; i++) {
		const char *const argv[] = { cases[i][0], NULL };
		struct cli_result r = run_argv(NULL, argv);
		cr_assert_eq(r.status, 2);
		cr_assert(strncmp(r.err, cases[i][1], strlen(cases[i][1])) == 0, "%s", r.err);
		cli_result_free(&r);
	}
}

Test(cli_formats, malformed_json_lines_pass_skip_fail)
{
	put("m.jsonl", mixed, sizeof(mixed) - 1);
	const char *const in = ct_path("m.jsonl");
	char msg[1024];

	const char *const pass[] = { in, NULL };
	struct cli_result r = run_argv(NULL, pass);
	cr_assert_eq(r.status, 0);
	cr_assert_str_eq(r.out, mixed);
	snprintf(msg, sizeof(msg),
		 "winnow: %s: line 2: invalid escape at column 21; passed on unchanged\n", in);
	cr_assert_str_eq(r.err, msg);
	cli_result_free(&r);

	const char *const skip[] = { "--on-error=skip", in, NULL };
	r = run_argv(NULL, skip);
	cr_assert_eq(r.status, 0);
	cr_assert_str_eq(r.out, "{\"id\":1,\"text\":\"first\"}\n{\"id\":3,\"text\":\"third\"}\n");
	snprintf(msg, sizeof(msg), "winnow: %s: line 2: invalid escape at column 21; skipped\n", in);
	cr_assert_str_eq(r.err, msg);
	cli_result_free(&r);

	const char *const fail[] = { "--on-error=fail", in, NULL };
	r = run_argv(NULL, fail);
	cr_assert_eq(r.status, 1);
	cr_assert_str_eq(r.out, "{\"id\":1,\"text\":\"first\"}\n", "what came before is written");
	snprintf(msg, sizeof(msg), "winnow: %s: line 2: invalid escape at column 21\n", in);
	cr_assert_str_eq(r.err, msg, "one line per failure");
	cli_result_free(&r);
}

Test(cli_formats, messages_are_capped_per_input)
{
	struct tu_str bad = { 0 };
	for (int i = 0; i < 25; i++)
		tu_puts(&bad, "{\"text\":1}\n");
	put("bad.jsonl", bad.ptr, bad.len);
	const char *const argv[] = { "--stats=json", ct_path("bad.jsonl"), NULL };
	struct cli_result r = run_argv(NULL, argv);
	cr_assert_eq(r.status, 0);
	int lines = 0;
	for (const char *p = r.err; (p = strstr(p, "is not a string; passed on")); p++)
		lines++;
	cr_assert_eq(lines, 20);
	cr_assert_not_null(strstr(r.err, ": 5 more malformed records not shown\n"));
	cr_assert_not_null(strstr(r.err, "\"records_malformed\":25"));
	cr_assert_str_eq(r.out, bad.ptr);
	cli_result_free(&r);
	tu_free(&bad);
}

Test(cli_formats, truncated_wet_names_its_byte)
{
	struct tu_str wet = tu_data("whirlwind.warc.wet");
	put("t.wet", wet.ptr, wet.len - 100);
	const size_t at = (size_t)(strstr(wet.ptr, "\r\n\r\nWARC/1.0\r\nWARC-Type: conversion") -
				   wet.ptr) + 4;
	int line = 1;
	for (size_t i = 0; i < at; i++)
		line += wet.ptr[i] == '\n';
	char msg[1024];
	const char *const pass[] = { ct_path("t.wet"), NULL };
	struct cli_result r = run_argv(NULL, pass);
	cr_assert_eq(r.status, 0);
	snprintf(msg, sizeof(msg), "winnow: %s: line %d (byte %zu): truncated record: "
		 "Content-Length 4456, 4360 bytes follow; passed on unchanged\n", ct_path("t.wet"),
		 line, at);
	cr_assert_str_eq(r.err, msg);
	cr_assert_eq(r.out_len, wet.len - 100);
	cli_result_free(&r);

	const char *const fail[] = { "--on-error=fail", ct_path("t.wet"), NULL };
	r = run_argv(NULL, fail);
	cr_assert_eq(r.status, 1);
	cr_assert_eq(r.out_len, at, "the warcinfo record before it is written");
	cli_result_free(&r);
	tu_free(&wet);
}

/* Writes p[0..n) as one gzip member. */
static void gzip_member(struct tu_str *out, const char *p, size_t n)
{
	z_stream z;
	memset(&z, 0, sizeof(z));
	cr_assert_eq(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
	unsigned char buf[1 << 16];
	z.next_in = (unsigned char *)(uintptr_t)p;
	z.avail_in = (uInt)n;
	int zr;
	do {
		z.next_out = buf;
		z.avail_out = sizeof(buf);
		zr = deflate(&z, Z_FINISH);
		tu_append(out, buf, sizeof(buf) - z.avail_out);
	} while (zr != Z_STREAM_END);
	deflateEnd(&z);
}

/* Common Crawl ships WET gzipped with one member per record: the same
 * output as the plain file. */
Test(cli_formats, gzip_member_per_record)
{
	struct tu_str wet = tu_data("dolma-sample.lynx.wet"), gz = { 0 };
	const char *p = wet.ptr;
	const char *const end = wet.ptr + wet.len;
	int members = 0;
	while (p < end) {
		const char *next = strstr(p + 1, "\r\n\r\nWARC/1.0");
		next = next ? next + 4 : end;
		gzip_member(&gz, p, (size_t)(next - p));
		members++;
		p = next;
	}
	cr_assert_eq(members, 9);
	put("plain.wet", wet.ptr, wet.len);
	put("members.wet.gz", gz.ptr, gz.len);
	const char *const plain_args[] = { "--stats=json", ct_path("plain.wet"), NULL };
	const char *const gz_args[] = { "--stats=json", ct_path("members.wet.gz"), NULL };
	struct cli_result a = run_argv(NULL, plain_args), b = run_argv(NULL, gz_args);
	cr_assert_eq(a.status, 0);
	cr_assert_eq(b.status, 0, "%s", b.err);
	cr_assert_str_eq(b.out, a.out);
	cr_assert_not_null(strstr(b.err, "\"docs_in\":8,"));
	cr_assert_not_null(strstr(b.err, "\"records_malformed\":0,"));
	cr_assert_lt(a.out_len, wet.len, "dedup changed something");
	cli_result_free(&a);
	cli_result_free(&b);
	tu_free(&wet);
	tu_free(&gz);
}

/* Files with nothing to clean come out byte for byte, the format found
 * by their first bytes, from a file or standard input. */
Test(cli_formats, round_trips_with_auto_format)
{
	static const char *const files[][2] = {
		{ "whirlwind.warc.wet", NULL }, { "dolma-sample.lynx.wet", NULL },
		{ "gold-aeb.jsonl", "--field=gold" },
	};
	for (size_t i = 0; i < 3; i++) {
		struct tu_str in = tu_data(files[i][0]);
		put("in", in.ptr, in.len);
		const char *const args[] = { "--no-dedup", "--no-repair", "--no-boilerplate",
					     files[i][1] ? files[i][1] : "--keep-empty", NULL };
		struct cli_result r = run_argv(ct_path("in"), args);
		cr_assert_eq(r.status, 0, "%s", r.err);
		cr_assert_eq(r.out_len, in.len, "%s", files[i][0]);
		cr_assert(memcmp(r.out, in.ptr, in.len) == 0, "%s", files[i][0]);
		cr_assert_str_eq(r.err, "");
		cli_result_free(&r);
		tu_free(&in);
	}
}

Test(cli_formats, doc_dedup_explains_with_the_id)
{
	static const char in[] = "{\"id\":\"a\",\"text\":\"One document.\"}\n"
				 "{\"id\":\"b\",\"text\":\"one DOCUMENT\"}\n";
	put("d.jsonl", in, sizeof(in) - 1);
	const char *const argv[] = { "--doc-dedup", "--explain", ct_path("d.jsonl"), NULL };
	struct cli_result r = run_argv(NULL, argv);
	cr_assert_eq(r.status, 0);
	cr_assert_str_eq(r.out, "{\"id\":\"a\",\"text\":\"One document.\"}\n");
	char msg[1024];
	snprintf(msg, sizeof(msg), "%s:2\tdrop\tdoc\tdoc-dup\tb\n", ct_path("d.jsonl"));
	cr_assert_str_eq(r.err, msg);
	cli_result_free(&r);
}

Test(cli_formats, forced_format)
{
	put("m.jsonl", mixed, sizeof(mixed) - 1);
	const char *const argv[] = { "--format=text", ct_path("m.jsonl"), NULL };
	struct cli_result r = run_argv(NULL, argv);
	cr_assert_eq(r.status, 0);
	cr_assert_str_eq(r.out, mixed, "as text, the lines are only lines");
	cr_assert_str_eq(r.err, "");
	cli_result_free(&r);
	const char *const wet[] = { "--format=wet", ct_path("m.jsonl"), NULL };
	r = run_argv(NULL, wet);
	cr_assert_eq(r.status, 0);
	cr_assert_not_null(strstr(r.err, "line 1 (byte 0): a record does not start with"));
	cli_result_free(&r);
}

/* Dedup rewrites the Common Crawl record: its digest goes, or with
 * --wet-digest is recomputed (the value Python's hashlib gives for the
 * block dedup alone leaves). */
Test(cli_formats, wet_digest)
{
	struct tu_str wet = tu_data("whirlwind.warc.wet");
	put("w.wet", wet.ptr, wet.len);
	const char *const drop[] = { "--no-boilerplate", ct_path("w.wet"), NULL };
	struct cli_result r = run_argv(NULL, drop);
	cr_assert_eq(r.status, 0);
	cr_assert_null(strstr(r.out, "WARC-Block-Digest"));
	cr_assert_not_null(strstr(r.out, "\r\nContent-Length: 4385\r\n"));
	cli_result_free(&r);
	const char *const sha1[] = { "--no-boilerplate", "--wet-digest", ct_path("w.wet"), NULL };
	r = run_argv(NULL, sha1);
	cr_assert_eq(r.status, 0);
	cr_assert_not_null(strstr(r.out, "\r\nWARC-Block-Digest: "
					     "sha1:4HPWRYR6PVULKBSXKUOMH3RYGA7KS3WA\r\n"));
	cli_result_free(&r);
	tu_free(&wet);
}
