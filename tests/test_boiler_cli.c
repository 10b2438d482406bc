/* test_boiler_cli.c - the program's boilerplate options: --rules (and
 * malformed rules files), --no-builtin-rules, --print-rules,
 * --no-boilerplate, --drop-frequent in one pass and two, and --explain. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Each test runs in a process of its own, in a directory of its own. */
static char dir[] = "/tmp/winnow-boiler-cli-XXXXXX";
static char out[1 << 16];
static char err[1 << 16];

static void setup(void)
{
	cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_expect_eq(system(cmd), 0);
}

TestSuite(boiler_cli, .init = setup, .fini = teardown);

static void put(const char *name, const char *text)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	FILE *fp = fopen(p, "wb");
	cr_assert_not_null(fp, "%s", p);
	fputs(text, fp);
	cr_assert_eq(fclose(fp), 0);
}

static void slurp(const char *name, char *buf, size_t cap)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	FILE *fp = fopen(p, "rb");
	cr_assert_not_null(fp, "%s", p);
	const size_t n = fread(buf, 1, cap - 1, fp);
	buf[n] = '\0';
	fclose(fp);
}

/* Runs winnow with args (a shell fragment; file names are relative to the
 * test's directory), stdin empty. Returns the exit status; stdout and
 * stderr land in out and err. */
static int winnow(const char *args)
{
	char cmd[2048];
	snprintf(cmd, sizeof(cmd), "cd '%s' && '%s' %s < /dev/null > stdout 2> stderr", dir,
		 WINNOW_BIN, args);
	const int status = system(cmd);
	cr_assert(WIFEXITED(status), "%s", cmd);
	slurp("stdout", out, sizeof(out));
	slurp("stderr", err, sizeof(err));
	return WEXITSTATUS(status);
}

static const char page[] =
	"Skip to content\n"
	"The council met on Tuesday evening to discuss the budget for the coming year.\n"
	"Acme weekly digest\n"
	"Residents asked for more money for the library, and the mayor agreed to look again.\n"
	"Leave a Reply\n"
	"Your email address will not be published.\n";

Test(boiler_cli, builtin_rules_by_default)
{
	put("page.txt", page);
	cr_assert_eq(winnow("--explain=why.tsv page.txt"), 0, "%s", err);
	cr_expect_str_eq(out,
		"The council met on Tuesday evening to discuss the budget for the coming year.\n"
		"Acme weekly digest\n"
		"Residents asked for more money for the library, and the mayor agreed to look again.\n");
	char why[4096];
	slurp("why.tsv", why, sizeof(why));
	cr_expect_str_eq(why,
		"page.txt:1\tdrop\trule\tsite-nav\tSkip to content\n"
		"page.txt:5\tdrop\trule\tcomment-header\tLeave a Reply\n"
		"page.txt:6\tdrop\trule\tcomment-form\tYour email address will not be published.\n");
}

Test(boiler_cli, user_rules)
{
	put("page.txt", page);
	put("a.rules", "# mine\n[digest]\nline: Acme weekly digest\n");
	put("b.rules", "prefix: Acme\n[long max-words=40]\nprefix: Residents asked\n");
	cr_assert_eq(winnow("--rules=a.rules --rules b.rules --explain page.txt"), 0, "%s", err);
	cr_expect_str_eq(out,
		"The council met on Tuesday evening to discuss the budget for the coming year.\n");
	cr_expect(strstr(err, "page.txt:3\tdrop\trule\tdigest\tAcme weekly digest\n") != NULL, "%s",
		  err);
	cr_expect(strstr(err, "\trule\tlong\tResidents asked") != NULL, "%s", err);
	cr_assert_eq(winnow("--no-builtin-rules --rules=a.rules page.txt"), 0, "%s", err);
	cr_expect(strstr(out, "Leave a Reply\n") != NULL);
	cr_expect(strstr(out, "Skip to content\n") != NULL);
	cr_expect(strstr(out, "Acme") == NULL);
}

Test(boiler_cli, no_boilerplate)
{
	put("page.txt", page);
	put("a.rules", "line: Acme weekly digest\n");
	cr_assert_eq(winnow("--no-boilerplate --rules=a.rules page.txt"), 0, "%s", err);
	cr_expect_str_eq(out, page);
}

Test(boiler_cli, malformed_rules_are_usage_errors)
{
	put("page.txt", page);
	put("bad.rules", "# fine so far\n[ok]\nline: fine\nsuffix: nope\n");
	cr_expect_eq(winnow("--rules=bad.rules page.txt"), 2);
	cr_expect_str_eq(err, "winnow: bad.rules:4: unknown rule kind 'suffix' (expected line, "
			      "prefix, words or regex)\n");
	cr_expect_str_eq(out, "", "nothing is written");
	put("bad2.rules", "[x]\nregex: ([a-z]\n");
	cr_expect_eq(winnow("--rules=bad.rules --rules=bad2.rules page.txt"), 2);
	cr_expect(strstr(err, "winnow: bad.rules:4: ") == err, "the first bad file: %s", err);
	cr_expect_eq(winnow("--rules=bad2.rules -o result.txt page.txt"), 2);
	cr_expect(strstr(err, "winnow: bad2.rules:2: regex: ") == err, "%s", err);
	char result[256];
	snprintf(result, sizeof(result), "%s/result.txt", dir);
	cr_expect_eq(access(result, F_OK), -1, "no output file");
	cr_expect_eq(winnow("--rules=missing.rules page.txt"), 1);
	cr_expect(strstr(err, "winnow: missing.rules: ") == err, "%s", err);
}

Test(boiler_cli, catastrophic_regex_does_not_hang, .timeout = 20)
{
	char text[4096] = "";
	for (int i = 0; i < 50; i++)
		strcat(text, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!\n");
	put("a.txt", text);
	put("bad.rules", "regex: (a+)+$\n");
	cr_assert_eq(winnow("--no-builtin-rules --no-dedup --rules=bad.rules --stats a.txt"), 0, "%s", err);
	cr_expect_str_eq(out, text);
	cr_expect(strstr(err, "regex limit") != NULL, "%s", err);
}

Test(boiler_cli, print_rules)
{
	cr_assert_eq(winnow("--print-rules"), 0);
	cr_expect(strstr(out, "[comment-form") != NULL);
	cr_expect(strstr(out, "line: Leave a Reply\n") != NULL);
	put("builtin.rules", out);
	put("page.txt", page);
	cr_assert_eq(winnow("--no-builtin-rules --rules=builtin.rules page.txt"), 0, "%s", err);
	char with_copy[4096];
	strcpy(with_copy, out);
	cr_assert_eq(winnow("page.txt"), 0);
	cr_expect_str_eq(with_copy, out, "the printed rules are the built-in rules");
}

static const char site_a[] = "Home\nNews\nCats purr when they are content, and sometimes when hurt.\n";
static const char site_b[] = "Home\nNews\nDogs were domesticated at least fifteen thousand years ago.\n";
static const char site_c[] = "Home\nWeather\nA storm is expected tonight, the forecasters said.\n";

Test(boiler_cli, drop_frequent)
{
	put("a.txt", site_a);
	put("b.txt", site_b);
	put("c.txt", site_c);
	cr_assert_eq(winnow("--no-builtin-rules --drop-frequent=2 --stats=json a.txt b.txt c.txt"),
		     0, "%s", err);
	cr_expect_str_eq(out,
		"Home\nNews\nCats purr when they are content, and sometimes when hurt.\n"
		"Dogs were domesticated at least fifteen thousand years ago.\n"
		"Weather\nA storm is expected tonight, the forecasters said.\n");
	cr_expect(strstr(err, "\"frequent\":3") != NULL, "%s", err);
	cr_assert_eq(winnow("--no-builtin-rules --drop-frequent=2 --drop-frequent-passes=2 "
			    "--explain --stats a.txt b.txt c.txt"), 0, "%s", err);
	cr_expect_str_eq(out,
		"Cats purr when they are content, and sometimes when hurt.\n"
		"Dogs were domesticated at least fifteen thousand years ago.\n"
		"Weather\nA storm is expected tonight, the forecasters said.\n");
	cr_expect(strstr(err, "a.txt:1\tdrop\tfrequent\tfrequent\tHome\n") != NULL, "%s", err);
	cr_expect(strstr(err, "lines                 9 in") != NULL, "one pass counted: %s", err);
}

Test(boiler_cli, drop_frequent_usage)
{
	put("a.txt", site_a);
	cr_expect_eq(winnow("--drop-frequent=1 a.txt"), 2);
	cr_expect_eq(winnow("--drop-frequent=x a.txt"), 2);
	cr_expect_eq(winnow("--drop-frequent-passes=2 a.txt"), 2);
	cr_expect(strstr(err, "needs --drop-frequent") != NULL, "%s", err);
	cr_expect_eq(winnow("--drop-frequent=2 --drop-frequent-passes=3 a.txt"), 2);
	cr_expect_eq(winnow("--drop-frequent=2 --drop-frequent-passes=2"), 2);
	cr_expect(strstr(err, "reads its inputs twice") != NULL, "%s", err);
	cr_expect_eq(winnow("--drop-frequent=2 --drop-frequent-passes=2 a.txt -"), 2);
	cr_expect_eq(winnow("--drop-frequent=2 --drop-frequent-passes=2 missing.txt"), 2);
	cr_expect_eq(winnow("--drop-frequent=2 --frequent-mem=0 a.txt"), 2);
	cr_expect_eq(winnow("--drop-frequent=2 --frequent-mem=1 a.txt"), 0, "%s", err);
}
