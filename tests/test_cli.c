/* test_cli.c - the winnow program as a Unix filter: exit codes, messages,
 * stdin/stdout, files, gzip in and out, pipes and full disks. */
#include <zlib.h>

#include "clitest.h"

CLI_SUITE(cli);

static const char doc[] = "A headline that repeats itself\n"
			  "A headline that repeats itself\n\nBody text of the story.\n";
static const char doc_out[] = "A headline that repeats itself\n\nBody text of the story.\n";

/* ---- Options and usage ---------------------------------------------------- */

Test(cli, help_and_version)
{
	cr_assert_eq(sh("$W --help"), 0);
	char *out = slurp("out");
	cr_assert(strstr(out, "Usage: winnow"));
	cr_assert(strstr(out, "Exit status"));
	free(out);
	cr_assert_eq(sh("$W --version"), 0);
	expect_file("out", "winnow " WN_VERSION_STRING "\n");
}

Test(cli, usage_errors_exit_2)
{
	cr_assert_eq(sh("$W --no-such-option"), 2);
	char *err = slurp("err");
	cr_assert(strstr(err, "winnow: unrecognized option '--no-such-option'"), "%s", err);
	cr_assert(strstr(err, "Try 'winnow --help'"));
	free(err);
	cr_assert_eq(sh("$W --scope=page </dev/null"), 2);
	expect_file("err", "winnow: --scope: expected 'stream' or 'doc', got 'page'\n"
			   "Try 'winnow --help' for more information.\n");
	cr_assert_eq(sh("$W --min-chars=-3 </dev/null"), 2);
	cr_assert_eq(sh("$W --level=12 </dev/null"), 2);
	cr_assert_eq(sh("$W --key=fuzzy </dev/null"), 2);
}

/* ---- Inputs and outputs ------------------------------------------------- */

Test(cli, stdin_to_stdout)
{
	put("in.txt", doc, sizeof(doc) - 1);
	cr_assert_eq(sh("$W <in.txt"), 0);
	expect_file("out", doc_out);
	expect_file("err", "");
	cr_assert_eq(sh("cat in.txt | $W -"), 0);
	expect_file("out", doc_out);
}

Test(cli, files_in_order_and_dash)
{
	put("a.txt", "first file line one\n", 20);
	put("b.txt", "second file line two\n", 21);
	cr_assert_eq(sh("$W a.txt - b.txt <b.txt"), 0);
	/* stdin repeats b.txt: its line is a duplicate of the stream by then */
	expect_file("out", "first file line one\nsecond file line two\n");
	cr_assert_eq(sh("$W b.txt a.txt"), 0);
	expect_file("out", "second file line two\nfirst file line one\n");
}

Test(cli, scope_doc_keeps_a_line_once_per_file)
{
	put("a.txt", "shared line in both files\nonly a\n", 33);
	put("b.txt", "shared line in both files\nonly b\n", 33);
	cr_assert_eq(sh("$W --scope=doc a.txt b.txt"), 0);
	expect_file("out", "shared line in both files\nonly a\nshared line in both files\nonly b\n");
	cr_assert_eq(sh("$W a.txt b.txt"), 0);
	expect_file("out", "shared line in both files\nonly a\nonly b\n");
}

Test(cli, missing_file_is_reported_and_others_still_run)
{
	put("a.txt", "line of the existing file\n", 26);
	cr_assert_eq(sh("$W nosuch.txt a.txt"), 1);
	expect_file("err", "winnow: nosuch.txt: No such file or directory\n");
	expect_file("out", "line of the existing file\n");
	cr_assert_eq(sh("mkdir d && $W d"), 1);
	expect_file("err", "winnow: d: Is a directory\n");
}

Test(cli, output_file_replaced_only_on_success)
{
	put("in.txt", doc, sizeof(doc) - 1);
	put("keep.txt", "precious\n", 9);
	cr_assert_eq(sh("$W -o keep.txt in.txt nosuch.txt"), 1);
	expect_file("keep.txt", "precious\n");
	char *err = slurp("err");
	cr_assert(strstr(err, "winnow: keep.txt: not written"), "%s", err);
	free(err);
	cr_assert_eq(sh("ls -A | grep -c winnow- || true"), 0);
	expect_file("out", "0\n");
	cr_assert_eq(sh("$W -o keep.txt in.txt"), 0);
	expect_file("keep.txt", doc_out);
	/* the input may be the output: it is read fully before the rename */
	cr_assert_eq(sh("$W -o in.txt in.txt"), 0);
	expect_file("in.txt", doc_out);
}

Test(cli, crlf_nul_and_no_final_newline)
{
	const char in[] = "first\r\nse\0cond\r\nlast line without newline";
	put("in.txt", in, sizeof(in) - 1);
	/* The controls repair would remove the NUL; framing keeps it. */
	cr_assert_eq(sh("$W --no-repair=controls in.txt"), 0);
	size_t n;
	char *out = slurpn("out", &n);
	const char want[] = "first\nse\0cond\nlast line without newline\n";
	cr_assert_eq(n, sizeof(want) - 1);
	cr_assert(memcmp(out, want, n) == 0);
	free(out);
}

Test(cli, null_separated_documents)
{
	const char in[] = "repeated line across docs\0repeated line across docs\0";
	put("in.txt", in, sizeof(in) - 1);
	cr_assert_eq(sh("$W -0 --scope=doc in.txt"), 0);
	/* each document written back with its NUL, so the next program of a
	 * pipeline (xargs -0, sort -z, winnow -0) reads the same documents */
	static const char want[] = "repeated line across docs\n\0repeated line across docs\n\0";
	size_t n;
	char *out = slurpn("out", &n);
	cr_assert(n == sizeof(want) - 1 && memcmp(out, want, n) == 0);
	free(out);
	cr_assert_eq(sh("$W -0 --scope=doc in.txt | xargs -0 -n 1 printf '[%%s]'"), 0);
	expect_file("out", "[repeated line across docs\n][repeated line across docs\n]");
	cr_assert_eq(sh("$W --no-repair=controls --scope=doc in.txt"), 0);
	out = slurpn("out", &n);
	cr_assert_eq(n, sizeof(in) - 1 + 1); /* one line with NULs, plus LF */
	free(out);
}

/* Form feeds frame documents in and out, through gzip too. */
Test(cli, form_feeds_are_written_back)
{
	static const char in[] = "Page one\nA line that both pages share, long enough.\n\f"
				 "Page two\nA line that both pages share, long enough.\n\f";
	put("in.txt", in, sizeof(in) - 1);
	cr_assert_eq(sh("$W in.txt -o out.gz && gzip -dc out.gz"), 0);
	expect_file("out", "Page one\nA line that both pages share, long enough.\n\fPage two\n\f");
	cr_assert_eq(sh("$W --scope=doc in.txt"), 0);
	expect_file("out", in);
}

Test(cli, line_of_200_mb_without_newline)
{
	cr_assert_eq(sh("head -c 200000000 /dev/zero | tr '\\0' 'a' | $W --no-dedup | wc -c"), 0);
	expect_file("out", "200000001\n");
	cr_assert_eq(sh("head -c 200000000 /dev/zero | tr '\\0' 'a' | $W | cksum"), 0);
	char *a = slurp("out");
	cr_assert_eq(sh("{ head -c 200000000 /dev/zero | tr '\\0' 'a'; echo; } | cksum"), 0);
	expect_file("out", a);
	free(a);
}

/* ---- gzip ------------------------------------------------------------------ */

static void gzip_file(const char *name, const char *data, size_t n)
{
	gzFile gz = gzopen(ct_path(name), "wb");
	cr_assert(gz);
	cr_assert_eq(gzwrite(gz, data, (unsigned)n), (int)n);
	cr_assert_eq(gzclose(gz), Z_OK);
}

Test(cli, gzip_input_detected_by_content)
{
	gzip_file("in.data", doc, sizeof(doc) - 1);
	cr_assert_eq(sh("$W in.data"), 0);
	expect_file("out", doc_out);
	cr_assert_eq(sh("$W <in.data"), 0);
	expect_file("out", doc_out);
}

Test(cli, concatenated_gzip_members)
{
	gzip_file("a.gz", "member one line here\n", 21);
	gzip_file("b.gz", "member two line here\n", 21);
	cr_assert_eq(sh("cat a.gz b.gz a.gz > all.gz && $W all.gz"), 0);
	expect_file("out", "member one line here\nmember two line here\n");
}

Test(cli, gzip_output_round_trips)
{
	size_t n;
	char *text = read_source_file("tests/data/aeb-25.txt", &n);
	put("in.txt", text, n);
	free(text);
	cr_assert_eq(sh("$W in.txt > plain.txt"), 0);
	cr_assert_eq(sh("$W -z in.txt | gzip -dc > z.txt && cmp z.txt plain.txt"), 0);
	cr_assert_eq(sh("$W -o o.txt.gz in.txt && gzip -t o.txt.gz && gzip -dc o.txt.gz | cmp - plain.txt"), 0);
	cr_assert_eq(sh("gzip -c in.txt > in.gz && $W in.gz | cmp - plain.txt"), 0);
	cr_assert_eq(sh("$W --level=1 -z in.txt | $W --no-dedup | cmp - plain.txt"), 0);
}

Test(cli, truncated_gzip_is_an_error_with_offset)
{
	size_t n;
	char *text = read_source_file("tests/data/aeb-25.txt", &n);
	gzip_file("full.gz", text, n);
	free(text);
	cr_assert_eq(sh("head -c 30000 full.gz > cut.gz && $W cut.gz"), 1);
	char *err = slurp("err");
	cr_assert(strstr(err, "winnow: cut.gz: truncated gzip data: unexpected end of file at byte 30000"),
		  "%s", err);
	free(err);
	/* The lines decoded before the cut were still written. */
	size_t out_len;
	char *out = slurpn("out", &out_len);
	cr_assert(out_len > 1000);
	free(out);
}

Test(cli, corrupt_gzip_is_an_error_with_offset)
{
	gzip_file("full.gz", doc, sizeof(doc) - 1);
	/* Flip bytes inside the deflate stream, after the 10-byte header. */
	cr_assert_eq(sh("printf '\\377\\377\\377\\377' | dd of=full.gz bs=1 seek=12 conv=notrunc 2>/dev/null"), 0);
	cr_assert_eq(sh("$W full.gz"), 1);
	char *err = slurp("err");
	cr_assert(strstr(err, "winnow: full.gz: corrupt gzip data (") && strstr(err, "at byte "),
		  "%s", err);
	free(err);
	put("trail.gz", "", 0);
	gzip_file("ok.gz", doc, sizeof(doc) - 1);
	cr_assert_eq(sh("cat ok.gz > trail.gz && printf 'junk' >> trail.gz && $W trail.gz"), 1);
	err = slurp("err");
	cr_assert(strstr(err, "winnow: trail.gz: trailing data after gzip stream at byte"), "%s", err);
	free(err);
}

/* ---- Pipes and disks ----------------------------------------------------------- */

Test(cli, closed_pipe_ends_quietly)
{
	cr_assert_eq(sh("seq 1 3000000 | sed 's/^/line number /' > big.txt"), 0);
	cr_assert_eq(sh("{ $W big.txt; echo $? > status; } | head -1"), 0);
	expect_file("out", "line number 1\n");
	expect_file("err", "");
	expect_file("status", "0\n");
}

/* One thread reads through the reader thread's ring (eight blocks of 256
 * KiB for text, four of 1 MiB for gzip; the reader is woken when half the
 * ring is free); two threads pull the file on the worker, without the
 * ring. 4.1 MB of real text wraps the ring twice: from a file, from a pipe
 * that pauses (the main thread waits for the reader), and from gzip, one
 * thread's output must be the pull path's. A block lost, read twice or
 * handed out of turn shows here. */
Test(cli, reader_ring_gives_every_block_in_turn)
{
	cr_assert_eq(sh("cat $D/tests/data/*.txt $D/tests/data/*.wet > a.txt && cat a.txt a.txt a.txt > b.txt"
			" && gzip -c b.txt > b.gz"), 0);
	cr_assert_eq(sh("$W --no-near --threads=2 b.txt > want && test $(wc -c < b.txt) -gt 4000000"
			" && test $(wc -l < want) -gt 10000"), 0);
	cr_assert_eq(sh("$W --no-near --threads=1 b.txt | cmp - want"), 0);
	cr_assert_eq(sh("(cat a.txt; sleep 0.2; cat a.txt; sleep 0.2; cat a.txt)"
			" | $W --no-near --threads=1 | cmp - want"), 0);
	cr_assert_eq(sh("$W --no-near --threads=1 b.gz | cmp - want"), 0);
	expect_file("err", "");
}

Test(cli, full_disk_fails_with_message)
{
	put("in.txt", doc, sizeof(doc) - 1);
	cr_assert_eq(sh("$W in.txt > /dev/full"), 1);
	expect_file("err", "winnow: stdout: No space left on device\n");
	cr_assert_eq(sh("$W -o /dev/full in.txt"), 1);
	char *err = slurp("err");
	cr_assert(strstr(err, "winnow: /dev/full: No space left on device"), "%s", err);
	free(err);
}

/* ---- Reporting ----------------------------------------------------------------- */

Test(cli, stats_balance_in_json)
{
	put("in.txt", doc, sizeof(doc) - 1);
	cr_assert_eq(sh("$W --stats=json in.txt"), 0);
	char *err = slurp("err");
	unsigned long long in, kept, blank, dup;
	cr_assert(sscanf(err, "{\"docs_in\":1,\"docs_out\":1,\"lines_in\":%llu,\"lines_kept\":%llu,"
			      "\"dropped\":{\"blank\":%llu,\"dup\":%llu", &in, &kept, &blank, &dup) == 4,
		  "%s", err);
	cr_assert_eq(in, 4);
	cr_assert_eq(kept, 3);
	cr_assert_eq(dup, 1);
	cr_assert_eq(in, kept + blank + dup);
	free(err);
	cr_assert_eq(sh("$W --stats in.txt"), 0);
	err = slurp("err");
	cr_assert(strstr(err, "lines ") && strstr(err, "4 in") && strstr(err, "3 kept"), "%s", err);
	free(err);
}

Test(cli, explain_names_file_line_and_reason)
{
	put("in.txt", doc, sizeof(doc) - 1);
	cr_assert_eq(sh("$W --explain=why.tsv in.txt"), 0);
	expect_file("why.tsv", "in.txt:2\tdrop\tdup\tdup\tA headline that repeats itself\n");
	expect_file("out", doc_out);
	cr_assert_eq(sh("$W --explain in.txt"), 0);
	expect_file("err", "in.txt:2\tdrop\tdup\tdup\tA headline that repeats itself\n");
}

/* ---- Exact only ----------------------------------------------------------- */

Test(cli, exact_only_is_exact_dedup_alone)
{
	/* A repair (the entity), a case change and a built-in boilerplate rule
	 * line: --exact-only touches none of them, and drops only the repeat. */
	static const char in[] = "Caf&eacute; opens at nine on Sundays in June\n"
				 "CAFÉ OPENS AT NINE ON SUNDAYS IN JUNE\n"
				 "All rights reserved by the owners of this site.  \n"
				 "\n\n"
				 "Caf&eacute; opens at nine on Sundays in June\r\n"
				 "short\n";
	static const char want[] = "Caf&eacute; opens at nine on Sundays in June\n"
				   "CAFÉ OPENS AT NINE ON SUNDAYS IN JUNE\n"
				   "All rights reserved by the owners of this site.\n"
				   "\n"
				   "short\n";
	put("in.txt", in, sizeof(in) - 1);
	cr_assert_eq(sh("$W --exact-only in.txt"), 0);
	expect_file("out", want);
	cr_assert_eq(sh("$W --key=exact --no-repair --no-boilerplate --no-near in.txt"), 0);
	expect_file("out", want);
	cr_assert_eq(sh("$W in.txt"), 0); /* the default repairs, normalizes, drops the rule */
	expect_file("out", "Café opens at nine on Sundays in June\n"
			   "\n"
			   "short\n");
}

/* ---- Near duplicates ------------------------------------------------------ */

static const char near_doc[] =
	"The council voted on Tuesday to expand the bus network to the northern suburbs of the city\n"
	"The council voted on Tuesday to expand the bus network to the northern suburbs of the town\n";

Test(cli, near_options)
{
	put("in.txt", near_doc, sizeof(near_doc) - 1);
	cr_assert_eq(sh("$W in.txt"), 0);
	expect_file("out", "The council voted on Tuesday to expand the bus network to the northern "
			   "suburbs of the city\n");
	cr_assert_eq(sh("$W --no-near in.txt"), 0);
	expect_file("out", near_doc);
	cr_assert_eq(sh("$W --no-dedup in.txt"), 0);
	expect_file("out", near_doc);
	cr_assert_eq(sh("$W --near=0.95 in.txt"), 0); /* 12 of 13 shingles seen: 0.92 */
	expect_file("out", near_doc);
	cr_assert_eq(sh("$W --near-words=8 --explain in.txt"), 0);
	expect_file("err", "in.txt:2\tdrop\tnear\tnear\tThe council voted on Tuesday to expand "
			   "the bus network to the northern suburbs of the town\n");
	cr_assert_eq(sh("$W --stats=json in.txt"), 0);
	char *err = slurp("err");
	cr_assert(strstr(err, "\"near\":1,") && strstr(err, "\"near_entries\":13,"), "%s", err);
	free(err);
	cr_assert_eq(sh("$W --near=0 in.txt"), 2);
	expect_file("err", "winnow: --near: expected a number above 0 and at most 1, got '0'\n"
			   "Try 'winnow --help' for more information.\n");
	cr_assert_eq(sh("$W --near=1.5 in.txt"), 2);
	cr_assert_eq(sh("$W --near=half in.txt"), 2);
	cr_assert_eq(sh("$W --near-words=0 in.txt"), 2);
	cr_assert_eq(sh("$W --near-words=17 in.txt"), 2);
	cr_assert_eq(sh("$W --doc-near=2 in.txt"), 2);
}

Test(cli, doc_near_drops_a_copied_file_and_names_the_first)
{
	char text[4096];
	size_t n = 0;
	for (int i = 0; i < 40; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      "Paragraph %d of the story says something new %d.\n", i, i * i);
	put("a.txt", text, n);
	text[100] = 'X';
	put("b.txt", text, n);
	cr_assert_eq(sh("$W --no-near --no-dedup --doc-near --explain=why.tsv a.txt b.txt"), 0);
	char *out = slurp("out");
	cr_assert_eq(strlen(out), n);
	free(out);
	char *why = slurp("why.tsv");
	const char *first = "b.txt:1\tdrop\tdoc\tdoc-near:0\tParagraph 0 of";
	cr_assert(strncmp(why, first, strlen(first)) == 0, "%s", why);
	free(why);
	/* Every third line rewritten: Jaccard near 0.5, both kept. */
	for (char *p = text, *nl; (nl = strchr(p, '\n')) != NULL; p = nl + 1)
		if ((p - text) % 3 == 0)
			for (char *q = p; q < nl; q++)
				*q = *q == ' ' ? ' ' : 'y';
	put("c.txt", text, n);
	cr_assert_eq(sh("$W --no-near --no-dedup --doc-near a.txt c.txt"), 0);
	out = slurp("out");
	cr_assert_eq(strlen(out), 2 * n);
	free(out);
}

Test(cli, progress_only_when_asked_or_terminal)
{
	put("in.txt", doc, sizeof(doc) - 1);
	cr_assert_eq(sh("$W in.txt"), 0);
	expect_file("err", "");
	cr_assert_eq(sh("$W --progress in.txt"), 0);
	expect_file("out", doc_out);
}

/* ---- Installation ------------------------------------------------------------ */

Test(cli, install_gives_program_library_header_pkgconfig_and_man_page)
{
	cr_assert_eq(sh("cmake --install '%s' --prefix \"$PWD/inst\" >/dev/null", WN_BINARY_DIR), 0);
	cr_assert_eq(sh("test -x inst/bin/winnow && test -f inst/include/winnow.h && "
			"test -f inst/share/man/man1/winnow.1 && ls inst/lib*/libwinnow.a"), 0);
	const char prog[] = "#include <winnow.h>\n#include <stdio.h>\n"
			    "int main(void) { puts(wn_version()); return 0; }\n";
	put("prog.c", prog, sizeof(prog) - 1);
	/* A sanitized library needs its runtime in the program too. */
	cr_assert_eq(sh("pc=$(dirname inst/lib*/pkgconfig/winnow.pc) && "
			"cc " WN_SANITIZE_FLAGS " prog.c -o prog $(PKG_CONFIG_PATH=$pc pkg-config --define-prefix --cflags --libs --static winnow) && ./prog"), 0,
		     "%s", slurp("err"));
	expect_file("out", WN_VERSION_STRING "\n");
}

/* Both inflaters (ISA-L when built with it, and zlib) agree on members,
 * truncation and corruption. */
Test(cli, zlib_and_isal_inflate_agree)
{
	size_t n;
	char *text = read_source_file("tests/data/aeb-25.txt", &n);
	put("in.txt", text, n);
	gzip_file("one.gz", text, n);
	free(text);
	cr_assert_eq(sh("cat one.gz one.gz one.gz > three.gz && head -c 40000 one.gz > cut.gz && "
			"$W --no-dedup in.txt in.txt in.txt > three.ref"), 0);
	static const char *const engines[] = { "zlib", "isal" };
	for (int e = 0; e < 2; e++) {
		cr_assert_eq(sh("WINNOW_INFLATE=%s $W --no-dedup three.gz | cmp - three.ref", engines[e]),
			     0, "%s", engines[e]);
		cr_assert_eq(sh("WINNOW_INFLATE=%s $W cut.gz", engines[e]), 1);
		expect_file("err", "winnow: cut.gz: truncated gzip data: unexpected end of file at byte 40000\n");
	}
}
