/* test_boiler_cli.c - the program's boilerplate options: --rules (and
 * malformed rules files), --no-builtin-rules, --print-rules,
 * --no-boilerplate, --drop-frequent in one pass and two, and --explain. */
#include "clitest.h"

CLI_SUITE(boiler_cli);

/* What the last winnow() wrote to stdout and stderr. */
static char out[1 << 16];
static char err[1 << 16];

/* The file name, at most cap - 1 bytes of it, into buf. */
static void slurp_into(const char *name, char *buf, size_t cap)
{
	char *text = slurp(name);
	snprintf(buf, cap, "%s", text);
	free(text);
}

/* Runs winnow with args (a shell fragment; file names are relative to the
 * test's directory), stdin empty. Returns the exit status; stdout and
 * stderr land in out and err. */
static int winnow(const char *args)
{
	const int status = sh("$W %s </dev/null", args);
	slurp_into("out", out, sizeof(out));
	slurp_into("err", err, sizeof(err));
	return status;
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
	put_str("page.txt", page);
	cr_assert_eq(winnow("--explain=why.tsv page.txt"), 0, "%s", err);
	cr_expect_str_eq(out,
		"The council met on Tuesday evening to discuss the budget for the coming year.\n"
		"Acme weekly digest\n"
		"Residents asked for more money for the library, and the mayor agreed to look again.\n");
	char why[4096];
	slurp_into("why.tsv", why, sizeof(why));
	cr_expect_str_eq(why,
		"page.txt:1\tdrop\trule\tsite-nav\tSkip to content\n"
		"page.txt:5\tdrop\trule\tcomment-header\tLeave a Reply\n"
		"page.txt:6\tdrop\trule\tcomment-form\tYour email address will not be published.\n");
}

Test(boiler_cli, user_rules)
{
	put_str("page.txt", page);
	put_str("a.rules", "# mine\n[digest]\nline: Acme weekly digest\n");
	put_str("b.rules", "prefix: Acme\n[long max-words=40]\nprefix: Residents asked\n");
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
	put_str("page.txt", page);
	put_str("a.rules", "line: Acme weekly digest\n");
	cr_assert_eq(winnow("--no-boilerplate --rules=a.rules page.txt"), 0, "%s", err);
	cr_expect_str_eq(out, page);
}

Test(boiler_cli, malformed_rules_are_usage_errors)
{
	put_str("page.txt", page);
	put_str("bad.rules", "# fine so far\n[ok]\nline: fine\nsuffix: nope\n");
	cr_expect_eq(winnow("--rules=bad.rules page.txt"), 2);
	cr_expect_str_eq(err, "winnow: bad.rules:4: unknown rule kind 'suffix' (expected line, "
			      "prefix, words or regex)\n");
	cr_expect_str_eq(out, "", "nothing is written");
	put_str("bad2.rules", "[x]\nregex: ([a-z]\n");
	cr_expect_eq(winnow("--rules=bad.rules --rules=bad2.rules page.txt"), 2);
	cr_expect(strstr(err, "winnow: bad.rules:4: ") == err, "the first bad file: %s", err);
	cr_expect_eq(winnow("--rules=bad2.rules -o result.txt page.txt"), 2);
	cr_expect(strstr(err, "winnow: bad2.rules:2: regex: ") == err, "%s", err);
	cr_expect_eq(access(ct_path("result.txt"), F_OK), -1, "no output file");
	cr_expect_eq(winnow("--rules=missing.rules page.txt"), 1);
	cr_expect(strstr(err, "winnow: missing.rules: ") == err, "%s", err);
}

Test(boiler_cli, catastrophic_regex_does_not_hang, .timeout = 20)
{
	char text[4096] = "";
	for (int i = 0; i < 50; i++)
		strcat(text, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!\n");
	put_str("a.txt", text);
	put_str("bad.rules", "regex: (a+)+$\n");
	cr_assert_eq(winnow("--no-builtin-rules --no-dedup --rules=bad.rules --stats a.txt"), 0, "%s", err);
	cr_expect_str_eq(out, text);
	cr_expect(strstr(err, "regex limit") != NULL, "%s", err);
}

Test(boiler_cli, print_rules)
{
	cr_assert_eq(winnow("--print-rules"), 0);
	cr_expect(strstr(out, "[comment-form") != NULL);
	cr_expect(strstr(out, "line: Leave a Reply\n") != NULL);
	put_str("builtin.rules", out);
	put_str("page.txt", page);
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
	put_str("a.txt", site_a);
	put_str("b.txt", site_b);
	put_str("c.txt", site_c);
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
	put_str("a.txt", site_a);
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
