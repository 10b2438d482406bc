/* test_repair_cli.c - the repair options of the winnow program: --invalid,
 * --nfkc, --ascii, --no-repair=NAME, what --explain says, --help's list. */
#include "clitest.h"

CLI_SUITE(repair_cli);

static const char dirty[] = "caf\xc3\x83\xc2\xa9 &amp; \xef\xac\x81ne \xff\n";

Test(repair_cli, repairs_by_default)
{
	cr_assert_eq(sh_in(dirty, "$W"), 0);
	expect_file("out", "caf\u00e9 & \ufb01ne \ufffd\n");
}

Test(repair_cli, invalid_nfkc_ascii)
{
	cr_assert_eq(sh_in(dirty, "$W --invalid=drop"), 0);
	expect_file("out", "caf\u00e9 & \ufb01ne\n");
	cr_assert_eq(sh_in(dirty, "$W --invalid=replace --nfkc"), 0);
	expect_file("out", "caf\u00e9 & fine \ufffd\n");
	cr_assert_eq(sh_in(dirty, "$W --invalid=drop --ascii"), 0);
	expect_file("out", "cafe & fine\n");
	cr_assert_eq(sh_in(dirty, "$W --invalid=maybe"), 2);
	expect_file("err", "winnow: --invalid: expected 'replace' or 'drop', got 'maybe'\n"
			  "Try 'winnow --help' for more information.\n");
}

Test(repair_cli, no_repair_by_name)
{
	cr_assert_eq(sh_in(dirty, "$W --no-repair=mojibake --no-repair=invalid-utf8"), 0);
	expect_file("out", "caf\u00c3\u00a9 & \ufb01ne \xff\n");
	cr_assert_eq(sh_in(dirty, "$W --no-repair"), 0);
	expect_file("out", dirty);
	cr_assert_eq(sh_in(dirty, "$W --no-repair=nonsense"), 2);
	expect_file("err", "winnow: --no-repair: no repair rule is called 'nonsense'\n"
			  "Try 'winnow --help' for more information.\n");
}

Test(repair_cli, explain_names_the_repairs)
{
	cr_assert_eq(sh_in("plain\ncaf\xc3\x83\xc2\xa9 &amp; more\n", "$W --explain"), 0);
	expect_file("err", "stdin:2\tchange\tkept\tentities,mojibake\tcaf\u00e9 & more\n");
}

Test(repair_cli, help_lists_the_rules)
{
	cr_assert_eq(sh_in("", "$W --help"), 0);
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
