/* test_cli_formats.c - the winnow program with JSON Lines and WET: options,
 * messages and exit codes for malformed records, gzip with one member per
 * record, stdin, --doc-dedup explanations. The library is tested apart. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "testutil.h"

static char dir[] = "/tmp/winnow-cli-formats-XXXXXX";

static void setup(void)
{
	cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(cli_formats, .init = setup, .fini = teardown);

/* A path in the test's directory; the last four stay valid. */
static const char *path(const char *name)
{
	static char buf[4][512];
	static int turn;
	char *p = buf[turn++ % 4];
	snprintf(p, sizeof(buf[0]), "%s/%s", dir, name);
	return p;
}

static void write_file(const char *name, const void *p, size_t n)
{
	FILE *fp = fopen(path(name), "wb");
	cr_assert_not_null(fp);
	cr_assert_eq(fwrite(p, 1, n, fp), n);
	cr_assert_eq(fclose(fp), 0);
}

static struct tu_str read_path(const char *p)
{
	struct tu_str s = { 0 };
	FILE *fp = fopen(p, "rb");
	cr_assert_not_null(fp, "%s", p);
	char buf[65536];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		tu_append(&s, buf, n);
	fclose(fp);
	tu_append(&s, "", 0);
	return s;
}

struct result {
	int status;
	struct tu_str out;
	struct tu_str err;
};

static void result_free(struct result *r)
{
	tu_free(&r->out);
	tu_free(&r->err);
}

/* Runs winnow with argv (NULL-terminated, without the program), standard
 * input from in_path (NULL: /dev/null). */
static struct result run(const char *in_path, const char *const *argv)
{
	const char *argv_full[32] = { WINNOW_BIN };
	for (int i = 0; argv[i]; i++) {
		cr_assert(i < 30);
		argv_full[i + 1] = argv[i];
	}
	char out_copy[512], err_copy[512];
	snprintf(out_copy, sizeof(out_copy), "%s/stdout", dir);
	snprintf(err_copy, sizeof(err_copy), "%s/stderr", dir);
	const pid_t pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		const int in = open(in_path ? in_path : "/dev/null", O_RDONLY);
		const int out = open(out_copy, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		const int err = open(err_copy, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (in < 0 || out < 0 || err < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 ||
		    dup2(err, 2) < 0)
			_exit(127);
		execv(WINNOW_BIN, (char *const *)(uintptr_t)argv_full);
		_exit(127);
	}
	int status;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status));
	struct result r = { WEXITSTATUS(status), read_path(out_copy), read_path(err_copy) };
	return r;
}

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
		struct result r = run(NULL, argv);
		cr_assert_eq(r.status, 2);
		cr_assert(strncmp(r.err.ptr, cases[i][1], strlen(cases[i][1])) == 0, "%s", r.err.ptr);
		result_free(&r);
	}
}

Test(cli_formats, malformed_json_lines_pass_skip_fail)
{
	write_file("m.jsonl", mixed, sizeof(mixed) - 1);
	const char *const in = path("m.jsonl");
	char msg[1024];

	const char *const pass[] = { in, NULL };
	struct result r = run(NULL, pass);
	cr_assert_eq(r.status, 0);
	cr_assert_str_eq(r.out.ptr, mixed);
	snprintf(msg, sizeof(msg),
		 "winnow: %s: line 2: invalid escape at column 21; passed on unchanged\n", in);
	cr_assert_str_eq(r.err.ptr, msg);
	result_free(&r);

	const char *const skip[] = { "--on-error=skip", in, NULL };
	r = run(NULL, skip);
	cr_assert_eq(r.status, 0);
	cr_assert_str_eq(r.out.ptr, "{\"id\":1,\"text\":\"first\"}\n{\"id\":3,\"text\":\"third\"}\n");
	snprintf(msg, sizeof(msg), "winnow: %s: line 2: invalid escape at column 21; skipped\n", in);
	cr_assert_str_eq(r.err.ptr, msg);
	result_free(&r);

	const char *const fail[] = { "--on-error=fail", in, NULL };
	r = run(NULL, fail);
	cr_assert_eq(r.status, 1);
	cr_assert_str_eq(r.out.ptr, "{\"id\":1,\"text\":\"first\"}\n", "what came before is written");
	snprintf(msg, sizeof(msg), "winnow: %s: line 2: invalid escape at column 21\n", in);
	cr_assert_str_eq(r.err.ptr, msg, "one line per failure");
	result_free(&r);
}

Test(cli_formats, messages_are_capped_per_input)
{
	struct tu_str bad = { 0 };
	for (int i = 0; i < 25; i++)
		tu_puts(&bad, "{\"text\":1}\n");
	write_file("bad.jsonl", bad.ptr, bad.len);
	const char *const argv[] = { "--stats=json", path("bad.jsonl"), NULL };
	struct result r = run(NULL, argv);
	cr_assert_eq(r.status, 0);
	int lines = 0;
	for (const char *p = r.err.ptr; (p = strstr(p, "is not a string; passed on")); p++)
		lines++;
	cr_assert_eq(lines, 20);
	cr_assert_not_null(strstr(r.err.ptr, ": 5 more malformed records not shown\n"));
	cr_assert_not_null(strstr(r.err.ptr, "\"records_malformed\":25"));
	cr_assert_str_eq(r.out.ptr, bad.ptr);
	result_free(&r);
	tu_free(&bad);
}

Test(cli_formats, truncated_wet_names_its_byte)
{
	struct tu_str wet = tu_data("whirlwind.warc.wet");
	write_file("t.wet", wet.ptr, wet.len - 100);
	const size_t at = (size_t)(strstr(wet.ptr, "\r\n\r\nWARC/1.0\r\nWARC-Type: conversion") -
				   wet.ptr) + 4;
	int line = 1;
	for (size_t i = 0; i < at; i++)
		line += wet.ptr[i] == '\n';
	char msg[1024];
	const char *const pass[] = { path("t.wet"), NULL };
	struct result r = run(NULL, pass);
	cr_assert_eq(r.status, 0);
	snprintf(msg, sizeof(msg), "winnow: %s: line %d (byte %zu): truncated record: "
		 "Content-Length 4456, 4360 bytes follow; passed on unchanged\n", path("t.wet"),
		 line, at);
	cr_assert_str_eq(r.err.ptr, msg);
	cr_assert_eq(r.out.len, wet.len - 100);
	result_free(&r);

	const char *const fail[] = { "--on-error=fail", path("t.wet"), NULL };
	r = run(NULL, fail);
	cr_assert_eq(r.status, 1);
	cr_assert_eq(r.out.len, at, "the warcinfo record before it is written");
	result_free(&r);
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
	write_file("plain.wet", wet.ptr, wet.len);
	write_file("members.wet.gz", gz.ptr, gz.len);
	const char *const plain_args[] = { "--stats=json", path("plain.wet"), NULL };
	const char *const gz_args[] = { "--stats=json", path("members.wet.gz"), NULL };
	struct result a = run(NULL, plain_args), b = run(NULL, gz_args);
	cr_assert_eq(a.status, 0);
	cr_assert_eq(b.status, 0, "%s", b.err.ptr);
	cr_assert_str_eq(b.out.ptr, a.out.ptr);
	cr_assert_not_null(strstr(b.err.ptr, "\"docs_in\":8,"));
	cr_assert_not_null(strstr(b.err.ptr, "\"records_malformed\":0,"));
	cr_assert_lt(a.out.len, wet.len, "dedup changed something");
	result_free(&a);
	result_free(&b);
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
		write_file("in", in.ptr, in.len);
		const char *const args[] = { "--no-dedup", "--no-repair", "--no-boilerplate",
					     files[i][1] ? files[i][1] : "--keep-empty", NULL };
		struct result r = run(path("in"), args);
		cr_assert_eq(r.status, 0, "%s", r.err.ptr);
		cr_assert_eq(r.out.len, in.len, "%s", files[i][0]);
		cr_assert(memcmp(r.out.ptr, in.ptr, in.len) == 0, "%s", files[i][0]);
		cr_assert_str_eq(r.err.ptr, "");
		result_free(&r);
		tu_free(&in);
	}
}

Test(cli_formats, doc_dedup_explains_with_the_id)
{
	static const char in[] = "{\"id\":\"a\",\"text\":\"One document.\"}\n"
				 "{\"id\":\"b\",\"text\":\"one DOCUMENT\"}\n";
	write_file("d.jsonl", in, sizeof(in) - 1);
	const char *const argv[] = { "--doc-dedup", "--explain", path("d.jsonl"), NULL };
	struct result r = run(NULL, argv);
	cr_assert_eq(r.status, 0);
	cr_assert_str_eq(r.out.ptr, "{\"id\":\"a\",\"text\":\"One document.\"}\n");
	char msg[1024];
	snprintf(msg, sizeof(msg), "%s:2\tdrop\tdoc\tdoc-dup\tb\n", path("d.jsonl"));
	cr_assert_str_eq(r.err.ptr, msg);
	result_free(&r);
}

Test(cli_formats, forced_format)
{
	write_file("m.jsonl", mixed, sizeof(mixed) - 1);
	const char *const argv[] = { "--format=text", path("m.jsonl"), NULL };
	struct result r = run(NULL, argv);
	cr_assert_eq(r.status, 0);
	cr_assert_str_eq(r.out.ptr, mixed, "as text, the lines are only lines");
	cr_assert_str_eq(r.err.ptr, "");
	result_free(&r);
	const char *const wet[] = { "--format=wet", path("m.jsonl"), NULL };
	r = run(NULL, wet);
	cr_assert_eq(r.status, 0);
	cr_assert_not_null(strstr(r.err.ptr, "line 1 (byte 0): a record does not start with"));
	result_free(&r);
}

/* Dedup rewrites the Common Crawl record: its digest goes, or with
 * --wet-digest is recomputed (the value Python's hashlib gives for the
 * block dedup alone leaves). */
Test(cli_formats, wet_digest)
{
	struct tu_str wet = tu_data("whirlwind.warc.wet");
	write_file("w.wet", wet.ptr, wet.len);
	const char *const drop[] = { "--no-boilerplate", path("w.wet"), NULL };
	struct result r = run(NULL, drop);
	cr_assert_eq(r.status, 0);
	cr_assert_null(strstr(r.out.ptr, "WARC-Block-Digest"));
	cr_assert_not_null(strstr(r.out.ptr, "\r\nContent-Length: 4385\r\n"));
	result_free(&r);
	const char *const sha1[] = { "--no-boilerplate", "--wet-digest", path("w.wet"), NULL };
	r = run(NULL, sha1);
	cr_assert_eq(r.status, 0);
	cr_assert_not_null(strstr(r.out.ptr, "\r\nWARC-Block-Digest: "
					     "sha1:4HPWRYR6PVULKBSXKUOMH3RYGA7KS3WA\r\n"));
	result_free(&r);
	tu_free(&wet);
}
