/* test_cli_state.c - the program's saved state and memory limit: --state
 * across runs, clear errors for unusable states, atomic saves under kill -9,
 * each --on-full mode, the limit measured by max RSS, state info and merge. */
#include "clitest.h"

TestSuite(cli_state, .init = ct_setup, .fini = ct_teardown, .timeout = 600);

/* Filter runs pass --no-near: a state remembers exact fingerprints only, and
 * onion smoothing would take a short new line between two remembered ones. */

static const char day1[] = "Markets fell sharply on Monday morning\n"
			   "The central bank left rates unchanged\n";
static const char day2[] = "Markets fell sharply on Monday morning\n"
			   "A brand new story about the weather today\n"
			   "THE CENTRAL BANK LEFT RATES UNCHANGED!\n";

/* ---- Across runs --------------------------------------------------------------- */

Test(cli_state, second_run_drops_what_the_first_saw)
{
	put_str("d1.txt", day1);
	put_str("d2.txt", day2);
	cr_assert_eq(sh("$W --no-near --state=s.st d1.txt"), 0);
	expect_file("out", day1);
	cr_assert_eq(sh("$W --no-near --state=s.st d2.txt"), 0);
	expect_file("out", "A brand new story about the weather today\n");
	cr_assert_eq(sh("$W --no-near --state=s.st --stats=json d2.txt"), 0);
	expect_file("out", "");
	cr_assert_eq(number_after("err", "\"seen_loaded\":"), 3);
	/* gzip output and a state together */
	cr_assert_eq(sh("$W --no-near --state=s.st -o o.gz d1.txt d2.txt && gzip -dc o.gz"), 0);
	expect_file("out", "");
	cr_assert_eq(sh("ls -A | grep -c winnow- || true"), 0);
	expect_file("out", "0\n");
}

Test(cli_state, readonly_filters_and_never_saves)
{
	put_str("d1.txt", day1);
	put_str("d2.txt", day2);
	cr_assert_eq(sh("$W --no-near --state=ref.st d1.txt && cp ref.st before.st"), 0);
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(sh("$W --no-near --state-readonly=ref.st d2.txt"), 0);
		expect_file("out", "A brand new story about the weather today\n");
	}
	cr_assert_eq(sh("cmp ref.st before.st"), 0);
	cr_assert_eq(sh("$W --no-near --state-readonly=none.st d1.txt"), 1);
	expect_file("err", "winnow: none.st: No such file or directory\n");
}

Test(cli_state, usage_errors)
{
	cr_assert_eq(sh("$W --no-near --max-mem=1K </dev/null"), 2);
	expect_err("--max-mem: at least 4M");
	cr_assert_eq(sh("$W --no-near --max-mem=12X </dev/null"), 2);
	expect_err("--max-mem: expected a size such as 512M or 4G, got '12X'");
	cr_assert_eq(sh("$W --no-near --on-full=drop </dev/null"), 2);
	expect_err("--on-full: expected 'forget', 'fail' or 'bloom', got 'drop'");
	cr_assert_eq(sh("$W --no-near --state=s.st --scope=doc </dev/null"), 2);
	cr_assert_eq(sh("$W --no-near --state=a.st --state-readonly=b.st </dev/null"), 2);
	cr_assert_eq(sh("$W state"), 2);
	cr_assert_eq(sh("$W state frobnicate x"), 2);
	cr_assert_eq(sh("$W state merge a.st"), 2);
	cr_assert_eq(sh("$W --no-near --max-mem=512MiB --max-mem=1g --max-mem=4096k </dev/null"), 0);
}

/* ---- States that cannot be used ---------------------------------------------- */

/* Each bad state is an error naming the file and what is wrong; the output
 * is not written and the state stays as it was. */
static void rejected(const char *state, const char *opts, const char *message)
{
	cr_assert_eq(sh("cp %s saved.copy", state), 0);
	cr_assert_eq(sh("$W %s --state=%s -o o.txt d2.txt", opts, state), 1, "%s %s", opts, state);
	expect_err(message);
	expect_err("winnow: o.txt: not written");
	cr_assert_eq(sh("test ! -e o.txt"), 0);
	cr_assert_eq(sh("cmp %s saved.copy", state), 0, "%s changed", state);
}

Test(cli_state, other_settings_are_named)
{
	put_str("d1.txt", day1);
	put_str("d2.txt", day2);
	cr_assert_eq(sh("$W --no-near --state=s.st d1.txt"), 0);
	rejected("s.st", "--key=exact",
		 "winnow: s.st: made with --key=normalized; this run uses --key=exact\n");
	rejected("s.st", "--no-repair",
		 "winnow: s.st: made with all repairs on; this run uses --no-repair\n");
	cr_assert_eq(sh("$W --no-near --key=exact --state=e.st d1.txt"), 0);
	rejected("e.st", "", "winnow: e.st: made with --key=exact; this run uses --key=normalized\n");
}

Test(cli_state, corrupt_truncated_and_newer_states_are_errors)
{
	put_str("d1.txt", day1);
	put_str("d2.txt", day2);
	cr_assert_eq(sh("$W --no-near --state=s.st d1.txt >/dev/null && stat -c %%s s.st"), 0);
	const unsigned long long size = number_after("out", "");
	cr_assert_eq(sh("head -c 100 s.st > t.st"), 0);
	char msg[256];
	snprintf(msg, sizeof(msg), "winnow: t.st: truncated state file (100 of %llu bytes)\n", size);
	rejected("t.st", "", msg);
	/* a flipped bit in the fingerprint table, and a changed header count */
	cr_assert_eq(sh("cp s.st c.st"), 0);
	flip_bit("c.st", 16514);
	rejected("c.st", "", "winnow: c.st: corrupt state file (checksum or structure check failed)\n");
	cr_assert_eq(sh("cp s.st h.st && printf '\\011' | dd of=h.st bs=1 seek=71 conv=notrunc 2>/dev/null"), 0);
	rejected("h.st", "", "winnow: h.st: corrupt state file");
	cr_assert_eq(sh("cp s.st n.st && printf '\\002' | dd of=n.st bs=1 seek=11 conv=notrunc 2>/dev/null"), 0);
	rejected("n.st", "", "winnow: n.st: made by a newer winnow (state format 2; this winnow reads format 1)\n");
	put_str("x.st", "words, not a state\n");
	rejected("x.st", "", "winnow: x.st: not a winnow state file\n");
	cr_assert_eq(sh("$W state info c.st"), 1);
	expect_file("err", "winnow: c.st: corrupt state file (checksum or structure check failed)\n");
}

/* ---- Saving atomically ------------------------------------------------------- */

/* Runs with a large state are killed with SIGKILL at random moments: after
 * every kill the state loads, holding either the lines before the run or
 * those after it. Some kills must land inside a save (a temporary file is
 * left behind), or the test proves nothing. */
Test(cli_state, kill_during_save_leaves_the_old_state)
{
	cr_assert_eq(sh("seq 1 2000000 | sed 's/^/an older line of text, number /' > old.txt && "
			"$W --no-near --state=s.st old.txt >/dev/null"), 0);
	unsigned long long lines = 2000000;
	/* How long a whole run takes: load, a little input, save. */
	cr_assert_eq(sh("cp s.st m.st && seq 1 5000 | sed 's/^/a line to time the run, number /' > t.txt && "
			"t0=$(date +%%s%%N) && $W --no-near --state=m.st t.txt >/dev/null && "
			"echo $(( ($(date +%%s%%N) - t0) / 1000 ))"), 0);
	const unsigned long long full_us = number_after("out", "");
	cr_assert_gt(full_us, 0);
	uint64_t rng = 20261128;
	int in_save = 0, completed = 0;
	for (int trial = 0; trial < 24; trial++) {
		const unsigned long long delay = rng_next(&rng) % (full_us * 11 / 10);
		cr_assert_eq(sh("seq 1 5000 | sed 's/^/a line new in trial %d, number /' > new.txt && "
				"timeout -s KILL %llu.%06llus $W --no-near --state=s.st new.txt >/dev/null; "
				"ls -A | grep -c '^\\.s\\.st\\.winnow-' || true",
				trial, delay / 1000000, delay % 1000000), 0);
		in_save += number_after("out", "") > 0;
		cr_assert_eq(sh("rm -f .s.st.winnow-* && $W state info s.st"), 0,
			     "trial %d, kill after %llu us: %s", trial, delay, slurp("err"));
		const unsigned long long now = number_after("out", "lines       ");
		cr_assert(now == lines || now == lines + 5000, "trial %d: %llu lines, had %llu",
			  trial, now, lines);
		completed += now != lines;
		lines = now;
	}
	/* On a loaded machine no random delay may land inside a save: then kill
	 * as soon as the temporary file shows, a few times if need be. */
	for (int trial = 0; trial < 8 && in_save == 0; trial++) {
		cr_assert_eq(sh("seq 1 5000 | sed 's/^/a line new in watched trial %d, number /' > new.txt && "
				"{ $W --no-near --state=s.st new.txt >/dev/null & p=$!; "
				"while kill -0 $p 2>/dev/null; do "
				"if ls -A | grep -q '^\\.s\\.st\\.winnow-'; then kill -KILL $p; break; fi; done; "
				"wait $p; ls -A | grep -c '^\\.s\\.st\\.winnow-' || true; }",
				trial), 0);
		in_save += number_after("out", "") > 0;
		cr_assert_eq(sh("rm -f .s.st.winnow-* && $W state info s.st"), 0,
			     "watched trial %d: %s", trial, slurp("err"));
		const unsigned long long now = number_after("out", "lines       ");
		cr_assert(now == lines || now == lines + 5000, "watched trial %d: %llu lines, had %llu",
			  trial, now, lines);
		lines = now;
	}
	cr_assert_gt(in_save, 0, "no kill landed inside a save (run took %llu us)", full_us);
	cr_log_info("%d of 24 kills inside a save, %d runs completed", in_save, completed);
}

/* ---- Memory limit ---------------------------------------------------------------- */

Test(cli_state, on_full_fail_writes_nothing)
{
	put_str("d1.txt", day1);
	cr_assert_eq(sh("$W --no-near --state=s.st d1.txt && cp s.st before.st"), 0);
	cr_assert_eq(sh("seq 1 600000 | sed 's/^/distinct line number /' > in.txt"), 0);
	cr_assert_eq(sh("$W --no-near --max-mem=4M --on-full=fail --state=s.st -o o.txt in.txt"), 1);
	expect_err("winnow: in.txt: the seen set is full (--max-mem, ");
	expect_err("--on-full=fail; raise --max-mem, or use --on-full=forget or bloom\n");
	expect_err("winnow: o.txt: not written\n");
	expect_err("winnow: s.st: not saved (it is as it was)\n");
	cr_assert_eq(sh("test ! -e o.txt && cmp s.st before.st"), 0);
	/* A state bigger than the limit does not load under fail either. */
	cr_assert_eq(sh("$W --no-near --state=big.st in.txt >/dev/null"), 0);
	cr_assert_eq(sh("$W --no-near --max-mem=4M --on-full=fail --state=big.st d1.txt"), 1);
	expect_err("winnow: big.st: the state does not fit in --max-mem with --on-full=fail\n");
}

/* With near-duplicate lines on, the shingle set has three quarters of the
 * limit and says so when it is the one that fills. */
Test(cli_state, on_full_fail_names_the_shingle_set)
{
	cr_assert_eq(sh("seq 1 40000 | awk '{ printf \"item\"; for (k = 3; k < 40; k += 2) "
			"printf \" %%d\", $1 * k; print \"\" }' > in.txt"), 0);
	cr_assert_eq(sh("$W --max-mem=4M --on-full=fail -o o.txt in.txt"), 1);
	expect_err("winnow: in.txt: the shingle set is full (three quarters of --max-mem less "
		   "the input blocks, with near-duplicate lines on, ");
	expect_err("and --on-full=fail; raise --max-mem, use --on-full=forget or bloom, or "
		   "--no-near\n");
	expect_err("winnow: o.txt: not written\n");
	cr_assert_eq(sh("test ! -e o.txt"), 0);
	cr_assert_eq(sh("$W --max-mem=4M --on-full=forget --stats=json in.txt | wc -l"), 0);
	expect_file("out", "40000\n");
	cr_assert_gt(number_after("err", "\"near_forgotten\":"), 10000);
	cr_assert_eq(sh("$W --no-near --max-mem=4M --on-full=fail in.txt | wc -l"), 0);
	expect_file("out", "40000\n");
}

/* Past the limit a Bloom filter still drops every repeat, and says how many
 * distinct lines it expects to have dropped by mistake. */
Test(cli_state, on_full_bloom_drops_every_repeat)
{
	cr_assert_eq(sh("seq 1 600000 | sed 's/^/distinct line number /' > in.txt && "
			"seq 1 100000 | sed 's/^/distinct line number /' >> in.txt"), 0);
	cr_assert_eq(sh("$W --no-near --max-mem=4M --on-full=bloom --stats=json in.txt | wc -l"), 0);
	const unsigned long long kept = number_after("out", "");
	expect_err("\"seen_bloom\":true");
	const unsigned long long dups = number_after("err", "\"dup\":");
	char *err = slurp("err");
	const char *p = strstr(err, "\"expected_false_drops\":");
	cr_assert(p);
	const double expected = strtod(p + 23, NULL);
	free(err);
	cr_assert_eq(kept + dups, 700000);
	cr_assert_geq(dups, 100000, "a repeat got through");
	cr_assert_leq((double)(dups - 100000), expected * 3 + 10, "%llu false drops, %.2f expected",
		      dups - 100000, expected);
	/* The state keeps the filter: the next run drops them all. */
	cr_assert_eq(sh("$W --no-near --max-mem=4M --on-full=bloom --state=b.st in.txt >/dev/null && "
			"$W --no-near --max-mem=4M --on-full=bloom --state=b.st in.txt | wc -l"), 0);
	expect_file("out", "0\n");
	cr_assert_eq(sh("$W state info b.st"), 0);
	char *info = slurp("out");
	cr_assert(strstr(info, "  section     lines as a Bloom filter: about "), "%s", info);
	free(info);
}

/* A live feed: a headline repeats every 1000 lines among 1.5 million new
 * ones. Under forget it is caught every time, no distinct line is lost, and
 * the oldest lines are forgotten (the first one, sent again, is kept). */
Test(cli_state, on_full_forget_keeps_recent_and_recurring_lines)
{
	cr_assert_eq(sh("awk 'BEGIN { for (i = 1; i <= 1500000; i++) { "
			"print \"distinct line number \" i; "
			"if (i %% 1000 == 0) print \"Breaking: the repeated headline of the day\" } "
			"print \"distinct line number 1\"; print \"distinct line number 1499999\" }' > in.txt"), 0);
	cr_assert_eq(sh("$W --no-near --max-mem=4M --stats=json in.txt > o.txt && grep -c headline o.txt && "
			"wc -l < o.txt"), 0);
	expect_file("out", "1\n1500002\n");
	cr_assert_gt(number_after("err", "\"seen_forgotten\":"), 1000000);
	expect_err("\"dup\":1500,");
	cr_assert_eq(sh("tail -2 o.txt"), 0);
	expect_file("out", "distinct line number 1500000\ndistinct line number 1\n");
}

/* The limit measured from outside: the process's max RSS stays within 10%
 * of --max-mem in every mode, on input that needs more than that. */
Test(cli_state, rss_stays_within_ten_percent_of_the_limit)
{
#ifdef WN_SANITIZED
	ct_teardown(); /* a skipped test gets no fini */
	cr_skip("max RSS means nothing under the sanitizers");
#endif
	cr_assert_eq(sh("test -x /usr/bin/time"), 0, "install Debian's time package");
	const unsigned long long limit_kb = 96 * 1024;
	cr_assert_eq(sh("seq 1 12000000 | sed 's/^/distinct line number /' > in.txt"), 0);
	cr_assert_eq(sh("/usr/bin/time -f %%M -o rss $W --no-near --max-mem=1G --on-full=fail in.txt >/dev/null"), 0);
	const unsigned long long unlimited = number_after("rss", "");
	cr_assert_gt(unlimited, limit_kb * 12 / 10, "the input must need more than the limit");
	static const char *const modes[] = { "fail", "bloom", "forget" };
	for (int i = 0; i < 3; i++) {
		const int rc = sh("/usr/bin/time -f %%M -o rss $W --no-near --max-mem=96M --on-full=%s in.txt "
				  ">/dev/null", modes[i]);
		cr_assert_eq(rc, i == 0 ? 1 : 0, "%s", modes[i]);
		/* time(1) says so before the figure when the status is not 0. */
		const unsigned long long rss =
			number_after("rss", i == 0 ? "Command exited with non-zero status 1\n" : "");
		cr_log_info("--on-full=%s: max RSS %llu KiB for a limit of %llu KiB (%llu without)",
			    modes[i], rss, limit_kb, unlimited);
		cr_assert_leq(rss, limit_kb * 11 / 10, "%s: %llu KiB", modes[i], rss);
		cr_assert_geq(rss, limit_kb * 9 / 10, "%s: %llu KiB: the limit was not reached",
			      modes[i], rss);
	}
}

/* ---- state info and merge ------------------------------------------------------- */

/* The shingles of kept lines are saved too: a paragraph of yesterday's
 * article, republished with a word changed, is a near duplicate today. */
static const char article1[] =
	"The city council voted on Tuesday to expand the bus network to the northern suburbs "
	"after months of debate about the cost.\n";
static const char article2[] =
	"The city council voted on Wednesday to expand the bus network to the northern suburbs "
	"after months of debate about the cost.\n"
	"Residents said the new routes would cut their commute by half.\n";

Test(cli_state, near_duplicates_across_runs)
{
	put_str("a1.txt", article1);
	put_str("a2.txt", article2);
	cr_assert_eq(sh("$W --state=s.st a1.txt"), 0);
	expect_file("out", article1);
	cr_assert_eq(sh("$W state info s.st"), 0);
	char *info = slurp("out");
	/* 22 words: 18 runs of five; 26 with a 12-word line below */
	cr_assert(strstr(info, "  section     shingles of 5 words, generation 0: 18 fingerprints, "),
		  "%s", info);
	free(info);
	/* Saved again with nothing new: the same bytes. */
	cr_assert_eq(sh("cp s.st again.st && $W --state=again.st </dev/null && cmp s.st again.st"), 0);
	/* Merged with another run's state: the shingles of both. */
	put_str("d.txt", "Officials said the bridge would reopen to traffic next spring after repairs\n");
	cr_assert_eq(sh("$W state merge s.st -o b.st && $W --state=b.st d.txt && "
			"$W state merge s.st b.st -o m.st && $W state info m.st"), 0);
	info = slurp("out");
	cr_assert(strstr(info, "  section     shingles of 5 words, generation 0: 26 fingerprints, "),
		  "%s", info);
	free(info);
	cr_assert_eq(sh("cp s.st before.st && $W --state=s.st --stats=json a2.txt"), 0);
	expect_file("out", "Residents said the new routes would cut their commute by half.\n");
	expect_err("\"near\":1,");
	expect_err("\"near_loaded\":18,");
	/* Without near lines nothing is saved or loaded for them. */
	cr_assert_eq(sh("$W --no-near --state-readonly=before.st a2.txt"), 0);
	expect_file("out", article2);
	/* Shingles of another length are not comparable: left out. */
	cr_assert_eq(sh("$W --near-words=6 --state-readonly=before.st --stats=json a2.txt"), 0);
	expect_file("out", article2);
	expect_err("\"near_loaded\":0,");
	/* A state saved with --no-near keeps no shingles, and the lines it had. */
	cr_assert_eq(sh("$W --no-near --state=n.st a1.txt && $W state info n.st"), 0);
	info = slurp("out");
	cr_assert(!strstr(info, "shingles"), "%s", info);
	free(info);
}

Test(cli_state, info_and_merge)
{
	put_str("d1.txt", day1);
	put_str("d2.txt", day2);
	/* States to merge share a seed: both start from one empty state. */
	cr_assert_eq(sh("$W --no-near --state=base.st </dev/null && cp base.st a.st && cp base.st b.st && "
			"$W --no-near --state=a.st d1.txt && $W --no-near --state=b.st d2.txt"), 0);
	cr_assert_eq(sh("$W state merge a.st b.st -o m.st && $W state info m.st"), 0);
	char *info = slurp("out");
	cr_assert(strstr(info, "m.st:\n  format      1, "), "%s", info);
	cr_assert(strstr(info, "checksum ok"), "%s", info);
	cr_assert(strstr(info, "  key         --key=normalized, key version 1\n"), "%s", info);
	/* day2's shouting line has the same key as day1's */
	cr_assert(strstr(info, "  lines       3 fingerprints\n"), "%s", info);
	cr_assert(strstr(info, "  section     lines, generation 0: 3 fingerprints, "), "%s", info);
	free(info);
	cr_assert_eq(sh("$W --no-near --state=m.st d1.txt d2.txt"), 0);
	expect_file("out", "");
	/* Separately started states have their own seeds and cannot merge. */
	cr_assert_eq(sh("$W --no-near --state=c.st d1.txt && $W state merge a.st c.st -o m2.st"), 1);
	expect_err("winnow: c.st: made with another hash seed than the states loaded before it");
	cr_assert_eq(sh("test ! -e m2.st"), 0);
	cr_assert_eq(sh("$W state info nosuch.st"), 1);
	expect_file("err", "winnow: nosuch.st: No such file or directory\n");
}
