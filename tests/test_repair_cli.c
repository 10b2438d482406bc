/* test_repair_cli.c - the repair options of the winnow program: --invalid,
 * --nfkc, --ascii, --no-repair=NAME, what --explain says, --help's list. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"

static char dir[] = "/tmp/winnow-repair-cli-XXXXXX";

static void setup(void)
{
	cr_assert(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(repair_cli, .init = setup, .fini = teardown);

/* Runs a shell command in the test's directory with $W the winnow binary
 * and "in" holding input; stdout goes to "out", stderr to "err". */
__attribute__((format(printf, 2, 3)))
static int sh(const char *input, const char *fmt, ...)
{
	char cmd[2048], full[4096], path[512];
	snprintf(path, sizeof(path), "%s/in", dir);
	FILE *fp = fopen(path, "wb");
	cr_assert(fp);
	cr_assert_eq(fwrite(input, 1, strlen(input), fp), strlen(input));
	cr_assert_eq(fclose(fp), 0);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	snprintf(full, sizeof(full), "cd '%s' && W='%s' && (%s) <in >out 2>err", dir, WINNOW_BIN, cmd);
	const int st = system(full);
	cr_assert(WIFEXITED(st), "command killed: %s", cmd);
	return WEXITSTATUS(st);
}

static char *slurp(const char *name)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	size_t n;
	FILE *fp = fopen(path, "rb");
	cr_assert(fp, "no file %s", path);
	struct sink s = { 0 };
	sink_write(&s, "", 0);
	char buf[4096];
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		sink_write(&s, buf, n);
	fclose(fp);
	return s.buf;
}

static void expect_out(const char *name, const char *want)
{
	char *got = slurp(name);
	cr_expect_str_eq(got, want, "%s", name);
	free(got);
}

static const char dirty[] = "caf\xc3\x83\xc2\xa9 &amp; \xef\xac\x81ne \xff\n";

Test(repair_cli, repairs_by_default)
{
	cr_assert_eq(sh(dirty, "$W"), 0);
	expect_out("out", "caf\u00e9 & \ufb01ne \ufffd\n");
}

Test(repair_cli, invalid_nfkc_ascii)
{
	cr_assert_eq(sh(dirty, "$W --invalid=drop"), 0);
	expect_out("out", "caf\u00e9 & \ufb01ne\n");
	cr_assert_eq(sh(dirty, "$W --invalid=replace --nfkc"), 0);
	expect_out("out", "caf\u00e9 & fine \ufffd\n");
	cr_assert_eq(sh(dirty, "$W --invalid=drop --ascii"), 0);
	expect_out("out", "cafe & fine\n");
	cr_assert_eq(sh(dirty, "$W --invalid=maybe"), 2);
	expect_out("err", "winnow: --invalid: expected 'replace' or 'drop', got 'maybe'\n"
			  "Try 'winnow --help' for more information.\n");
}

Test(repair_cli, no_repair_by_name)
{
	cr_assert_eq(sh(dirty, "$W --no-repair=mojibake --no-repair=invalid-utf8"), 0);
	expect_out("out", "caf\u00c3\u00a9 & \ufb01ne \xff\n");
	cr_assert_eq(sh(dirty, "$W --no-repair"), 0);
	expect_out("out", dirty);
	cr_assert_eq(sh(dirty, "$W --no-repair=nonsense"), 2);
	expect_out("err", "winnow: --no-repair: no repair rule is called 'nonsense'\n"
			  "Try 'winnow --help' for more information.\n");
}

Test(repair_cli, explain_names_the_repairs)
{
	cr_assert_eq(sh("plain\ncaf\xc3\x83\xc2\xa9 &amp; more\n", "$W --explain"), 0);
	expect_out("err", "stdin:2\tchange\tkept\tentities,mojibake\tcaf\u00e9 & more\n");
}

Test(repair_cli, help_lists_the_rules)
{
	cr_assert_eq(sh("", "$W --help"), 0);
	char *out = slurp("out");
	cr_expect(strstr(out, "--invalid=ACTION") && strstr(out, "--nfkc") && strstr(out, "--ascii"));
	const char *list = strstr(out, "Repair rules");
	cr_assert(list, "%s", out);
	static const char *const names[] = { "invalid-utf8", "windows-1252", "entities", "mojibake",
					     "c1-controls", "controls", "bom", "invisible",
					     "line-breaks", "spaces", "nfc", "nfkc", "ascii" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		cr_expect(strstr(list, names[i]), "%s missing from --help", names[i]);
	free(out);
}
