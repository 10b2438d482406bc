/* clitest.h - helpers for the tests of the winnow program: each test runs
 * in a temporary directory of its own (CLI_SUITE), runs commands there
 * through the shell (sh, sh_in) or winnow with an argument vector and no
 * shell (run_argv), writes input files (put, put_str) and reads what came
 * out (slurp, expect_file, expect_err, number_after). Include it in one
 * test file only: it defines the test's directory. */
#ifndef WN_TEST_CLITEST_H
#define WN_TEST_CLITEST_H

#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"

/* The test's directory: made before each test (in the test's own worker
 * process), removed after it. */
static char ct_dir[] = "/tmp/winnow-test-XXXXXX";

static inline void ct_setup(void)
{
	cr_assert_not_null(mkdtemp(ct_dir), "cannot make a directory from %s", ct_dir);
}

static inline void ct_teardown(void)
{
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", ct_dir);
	cr_expect_eq(system(cmd), 0);
}

/* A suite whose tests each run in a fresh directory; for other suite
 * options, TestSuite(name, .init = ct_setup, .fini = ct_teardown, ...). */
#define CLI_SUITE(name) TestSuite(name, .init = ct_setup, .fini = ct_teardown)

/* name's path in the test's directory, into buf. */
static inline char *ct_path_into(char *buf, size_t cap, const char *name)
{
	snprintf(buf, cap, "%s/%s", ct_dir, name);
	return buf;
}

/* name's path in the test's directory; the last four results stay valid
 * (the other helpers do not use these). */
static inline const char *ct_path(const char *name)
{
	static char buf[4][512];
	static int turn;
	return ct_path_into(buf[turn++ % 4], sizeof(buf[0]), name);
}

/* Runs the shell command fmt... in the test's directory with $W set to the
 * winnow binary and $D to the source tree; its stdout goes to the file
 * "out", its stderr to "err". Returns the exit status; a command killed by
 * a signal fails the test. */
__attribute__((format(printf, 1, 2)))
static inline int sh(const char *fmt, ...)
{
	char cmd[4096], full[8192];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	snprintf(full, sizeof(full), "cd '%s' && W='%s' && D='%s' && (%s) >out 2>err", ct_dir,
		 WINNOW_BIN, WN_SOURCE_DIR, cmd);
	const int st = system(full);
	cr_assert(WIFEXITED(st), "command killed: %s", cmd);
	return WEXITSTATUS(st);
}

/* Writes n bytes of data to the file name in the test's directory. */
static inline void put(const char *name, const void *data, size_t n)
{
	char path[512];
	FILE *fp = fopen(ct_path_into(path, sizeof(path), name), "wb");
	cr_assert_not_null(fp, "cannot write %s", path);
	cr_assert_eq(fwrite(data, 1, n, fp), n);
	cr_assert_eq(fclose(fp), 0);
}

static inline void put_str(const char *name, const char *text)
{
	put(name, text, strlen(text));
}

/* Flips the lowest bit of the byte at offset in the file name: a change
 * whatever the byte was (a state's fingerprints differ run to run, since a
 * new state draws its own hash seed). */
static inline void flip_bit(const char *name, long offset)
{
	char path[512];
	FILE *fp = fopen(ct_path_into(path, sizeof(path), name), "r+b");
	cr_assert_not_null(fp, "cannot open %s", path);
	cr_assert_eq(fseek(fp, offset, SEEK_SET), 0);
	const int c = fgetc(fp);
	cr_assert_neq(c, EOF, "%s: no byte at %ld", path, offset);
	cr_assert_eq(fseek(fp, offset, SEEK_SET), 0);
	cr_assert_eq(fputc(c ^ 1, fp), c ^ 1);
	cr_assert_eq(fclose(fp), 0);
}

/* As sh, with input in the file "in" and on the command's stdin. */
__attribute__((format(printf, 2, 3)))
static inline int sh_in(const char *input, const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	put_str("in", input);
	return sh("(%s) <in", cmd);
}

/* The whole file at path (NUL-terminated; *len_out its length, NULL
 * ignores it); the caller frees it. */
static inline char *slurp_path(const char *path, size_t *len_out)
{
	FILE *fp = fopen(path, "rb");
	cr_assert_not_null(fp, "no file %s", path);
	struct sink s = { 0 };
	sink_write(&s, "", 0);
	char buf[65536];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		sink_write(&s, buf, n);
	fclose(fp);
	if (len_out)
		*len_out = s.len;
	return s.buf;
}

/* The file name in the test's directory. */
static inline char *slurpn(const char *name, size_t *len_out)
{
	char path[512];
	return slurp_path(ct_path_into(path, sizeof(path), name), len_out);
}

static inline char *slurp(const char *name)
{
	return slurpn(name, NULL);
}

/* The file name holds exactly want. */
static inline void expect_file(const char *name, const char *want)
{
	char *got = slurp(name);
	cr_expect_str_eq(got, want, "%s", name);
	free(got);
}

/* The file "err" contains want. */
static inline void expect_err(const char *want)
{
	char *err = slurp("err");
	cr_expect(strstr(err, want), "stderr lacks \"%s\":\n%s", want, err);
	free(err);
}

/* The number that follows the first key in file (e.g. "\"in\":" in
 * --stats=json output); fails the test when key is missing. */
static inline unsigned long long number_after(const char *file, const char *key)
{
	char *text = slurp(file);
	const char *p = strstr(text, key);
	cr_assert(p, "no \"%s\" in %s:\n%s", key, file, text);
	const unsigned long long v = strtoull(p + strlen(key), NULL, 10);
	free(text);
	return v;
}

/* The --stats=json line in file balances: lines in = kept + each reason
 * dropped + undecided (0 unless the run stopped early), and says whether
 * the run was complete; returns lines in. */
static inline unsigned long long expect_stats_balance(const char *file, bool complete)
{
	char *text = slurp(file);
	const char *json = strstr(text, "{\"docs_in\":");
	cr_assert(json, "no --stats=json line in %s:\n%s", file, text);
	const unsigned long long in = number_after(file, "\"lines_in\":");
	unsigned long long sum = number_after(file, "\"lines_kept\":") +
				 number_after(file, "\"lines_undecided\":");
	for (int r = 1; r < WN_REASON_COUNT; r++) {
		char key[64];
		snprintf(key, sizeof(key), "\"%s\":", wn_reason_name((enum wn_reason)r));
		const char *p = strstr(json, "\"dropped\":{");
		cr_assert(p);
		p = strstr(p, key);
		cr_assert(p, "no %s in %s", key, json);
		sum += strtoull(p + strlen(key), NULL, 10);
	}
	cr_expect_eq(in, sum, "lines in %llu, kept + dropped + undecided %llu:\n%s", in, sum, json);
	cr_expect(strstr(json, complete ? "\"complete\":true" : "\"complete\":false"),
		  "expected complete=%d:\n%s", complete, json);
	free(text);
	return in;
}

/* What run_argv saw: the exit status and both outputs (NUL-terminated). */
struct cli_result {
	int status;
	char *out;
	size_t out_len;
	char *err;
	size_t err_len;
};

static inline void cli_result_free(struct cli_result *r)
{
	free(r->out);
	free(r->err);
	memset(r, 0, sizeof(*r));
}

/* Runs winnow with argv (NULL-terminated, without the program name) and no
 * shell, stdin from in_path (NULL: /dev/null), stdout and stderr into the
 * files "out" and "err". */
static inline struct cli_result run_argv(const char *in_path, const char *const *argv)
{
	const char *argv_full[64] = { WINNOW_BIN };
	for (int i = 0; argv[i]; i++) {
		cr_assert(i < 62);
		argv_full[i + 1] = argv[i];
	}
	char out_path[512], err_path[512];
	ct_path_into(out_path, sizeof(out_path), "out");
	ct_path_into(err_path, sizeof(err_path), "err");
	const pid_t pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		const int in = open(in_path ? in_path : "/dev/null", O_RDONLY);
		const int out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		const int err = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (in < 0 || out < 0 || err < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 ||
		    dup2(err, 2) < 0)
			_exit(127);
		execv(WINNOW_BIN, (char *const *)(uintptr_t)argv_full);
		_exit(127);
	}
	int status;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status), "winnow killed by signal %d", WTERMSIG(status));
	struct cli_result r = { .status = WEXITSTATUS(status) };
	r.out = slurp_path(out_path, &r.out_len);
	r.err = slurp_path(err_path, &r.err_len);
	return r;
}

#endif
