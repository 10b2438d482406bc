/* test_faults.c - the winnow program when the system fails it: a full disk
 * (a device, and a file under a size limit), an unreadable input, a
 * truncated gzip in the middle of a run, SIGINT and SIGTERM in the middle
 * of a run with --state and -o, the memory limit under each --on-full.
 * Each test asserts the exit status, the message, that no output or state
 * file is left half-written or changed, that no temporary file is left,
 * and that the statistics balance (or say that they are partial). */
#include "clitest.h"

TestSuite(faults, .init = ct_setup, .fini = ct_teardown, .timeout = 120);

static const char day1[] = "Markets fell sharply on Monday morning\n"
			   "The central bank left rates unchanged\n";

/* No file of ours is left beside the outputs. */
static void expect_no_temp_files(void)
{
	cr_assert_eq(sh("ls -A | grep -c winnow- || true"), 0);
	expect_file("out", "0\n");
}

/* An old output and an old state, to check that a failed run leaves them. */
static void old_output_and_state(void)
{
	put_str("d1.txt", day1);
	cr_assert_eq(sh("$W --state=s.st d1.txt >/dev/null && cp s.st s.orig && "
			"echo 'the previous output' > keep.txt && cp keep.txt keep.orig"), 0);
}

static void expect_old_output_and_state(void)
{
	cr_assert_eq(sh("cmp keep.txt keep.orig && cmp s.st s.orig"), 0, "%s", slurp("err"));
}

/* ---- Full disk ------------------------------------------------------------ */

/* A device that is full: written in place, the write fails. */
Test(faults, full_device)
{
	put_str("in.txt", day1);
	cr_assert_eq(sh("$W --stats=json -o /dev/full in.txt"), 1);
	expect_err("winnow: /dev/full: No space left on device\n");
	expect_err("winnow: /dev/full: not written\n");
	expect_stats_balance("err", true);
}

/* A regular file on a disk that fills up, as a file size limit makes it
 * (ulimit -f; SIGXFSZ is ignored by the shell and so by winnow): the
 * temporary file is removed, the old output and state stay. */
Test(faults, full_disk_for_a_file_output)
{
	old_output_and_state();
	cr_assert_eq(sh("seq 1 200000 | sed 's/^/a distinct line of text, number /' > big.txt"), 0);
	cr_assert_eq(sh("trap '' XFSZ; ulimit -f 100; $W --state=s.st --stats=json -o keep.txt big.txt"),
		     1);
	expect_err("winnow: keep.txt: File too large\n");
	expect_err("winnow: keep.txt: not written\n");
	expect_err("winnow: s.st: not saved (it is as it was)\n");
	expect_stats_balance("err", false);
	expect_old_output_and_state();
	expect_no_temp_files();
}

/* ---- Inputs that fail ------------------------------------------------------- */

/* A directory among the inputs: reported, the others read, exit 1; with -o
 * nothing is written. */
Test(faults, unreadable_input_among_others)
{
	put_str("a.txt", "the first file has this line\n");
	put_str("c.txt", "the third file has this line\n");
	cr_assert_eq(sh("mkdir adir && $W --stats=json a.txt adir c.txt"), 1);
	expect_file("out", "the first file has this line\nthe third file has this line\n");
	expect_err("winnow: adir: Is a directory\n");
	cr_assert_eq(expect_stats_balance("err", true), 2);
	old_output_and_state();
	cr_assert_eq(sh("$W --state=s.st -o keep.txt a.txt adir c.txt"), 1);
	expect_err("winnow: adir: Is a directory\n");
	expect_err("winnow: keep.txt: not written\n");
	expect_err("winnow: s.st: not saved (it is as it was)\n");
	expect_old_output_and_state();
	expect_no_temp_files();
}

/* A gzip file cut short between two good files: what it held up to the
 * cut is used (its cut last line as a line), the files after it are read,
 * the message gives the byte where it ends, and the status is 1. */
Test(faults, truncated_gzip_in_a_multi_file_run)
{
	put_str("a.txt", "the first file has this line\n");
	put_str("c.txt", "the third file has this line\n");
	cr_assert_eq(sh("seq 1 20000 | sed 's/^/gzip line number /' > full.txt && "
			"gzip -c full.txt > full.gz && head -c 30000 full.gz > bad.gz"), 0);
	cr_assert_eq(sh("$W --stats=json a.txt bad.gz c.txt > got"), 1);
	expect_err("winnow: bad.gz: truncated gzip data: unexpected end of file at byte 30000\n");
	const unsigned long long in = expect_stats_balance("err", true);
	/* The output: the first file, a prefix of the gzip file's lines (the
	 * last of them possibly cut), the third file. */
	cr_assert_eq(sh("head -1 got"), 0);
	expect_file("out", "the first file has this line\n");
	cr_assert_eq(sh("tail -1 got"), 0);
	expect_file("out", "the third file has this line\n");
	cr_assert_eq(sh("sed '1d;$d' got | sed '$d' > mid && head -c $(wc -c < mid) full.txt | cmp - mid"),
		     0, "the decoded lines are the file's first lines");
	cr_assert_gt(in, 10000, "most of the gzip file was decoded");
	old_output_and_state();
	cr_assert_eq(sh("$W --state=s.st -o keep.txt a.txt bad.gz c.txt"), 1);
	expect_err("winnow: bad.gz: truncated gzip data");
	expect_err("winnow: keep.txt: not written\n");
	expect_old_output_and_state();
	expect_no_temp_files();
}

/* ---- Signals ---------------------------------------------------------------- */

/* winnow reads from a pipe that stays open (a sleep holds it), then gets
 * sig once its temporary output exists (or, with stdout, once it wrote
 * something); once winnow is gone the sleep is ended, by its pid, so that
 * the shell can wait for the pipeline. Returns winnow's status. */
static int interrupt(const char *sig, const char *args, bool to_file)
{
	char cmd[1024];
	snprintf(cmd, sizeof(cmd),
		 "{ cat big.txt; sleep 60 & echo $! > sleeper; wait; } | $W %s > got 2>msg & "
		 "pid=$!; for i in $(seq 1 400); do %s && break; sleep 0.05; done; "
		 "kill -%s $pid; while kill -0 $pid 2>/dev/null; do sleep 0.05; done; "
		 "kill $(cat sleeper); wait $pid; echo $? > status",
		 args, to_file ? "ls -A | grep -q '^\\.keep\\.txt\\.winnow-'" : "test -s got", sig);
	cr_assert_eq(sh("%s", cmd), 0);
	char *status = slurp("status");
	const int st = atoi(status);
	free(status);
	return st;
}

/* SIGINT and SIGTERM with -o and --state: nothing is replaced, no temporary
 * file stays, the message says so, and the status is the signal's (130 and
 * 143 in a shell). */
Test(faults, signals_leave_output_and_state_as_they_were)
{
	old_output_and_state();
	cr_assert_eq(sh("seq 1 300000 | sed 's/^/a distinct line of text, number /' > big.txt"), 0);
	static const char *const sigs[] = { "INT", "TERM" };
	static const int codes[] = { 130, 143 };
	static const char *const says[] = { "winnow: interrupted (SIGINT)\n",
					    "winnow: terminated (SIGTERM)\n" };
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(interrupt(sigs[i], "--state=s.st --stats=json -o keep.txt", true),
			     codes[i], "SIG%s", sigs[i]);
		char *msg = slurp("msg");
		char want[512];
		snprintf(want, sizeof(want), "%swinnow: keep.txt: not written (it is as it was)\n"
			 "winnow: s.st: not saved (it is as it was)\n"
			 "winnow: no statistics: the run did not end\n", says[i]);
		cr_assert_str_eq(msg, want);
		free(msg);
		expect_old_output_and_state();
		expect_no_temp_files();
	}
}

/* To standard output, the message says how many bytes went out. */
Test(faults, signal_with_stdout_counts_what_was_written)
{
	cr_assert_eq(sh("seq 1 300000 | sed 's/^/a distinct line of text, number /' > big.txt"), 0);
	cr_assert_eq(interrupt("TERM", "", false), 143);
	cr_assert_eq(sh("printf 'winnow: terminated (SIGTERM)\\nwinnow: stdout: %%s bytes written\\n' "
			"$(wc -c < got) | cmp - msg"), 0, "%s", slurp("msg"));
	cr_assert_eq(sh("head -c $(wc -c < got) big.txt | cmp - got"), 0, "what was written is "
		     "the input's first lines, whole");
}

/* A signal while the output waits in write() on a full pipe: the bytes that
 * call had put in the pipe are counted. The handler used to run as the
 * call returned, before it could count them, and said 0 here. */
Test(faults, signal_in_a_blocked_write_counts_its_bytes)
{
	cr_assert_eq(sh("seq 1 300000 | sed 's/^/a distinct line of text, number /' > big.txt"), 0);
	/* winnow writes blocks of 1 MiB to a pipe that holds 64 KiB and is
	 * read only once winnow is gone; the signal comes while its main
	 * thread is in write(2) on fd 1 (/proc/PID/syscall: number 1 on
	 * x86-64; elsewhere after 20 s of waiting, at whatever point). */
	cr_assert_eq(sh("{ $W big.txt 2>msg & echo $! > pid; wait $!; echo $? > status; } | "
			"{ while [ ! -e go ]; do sleep 0.05; done; cat > got; } & "
			"while [ ! -s pid ]; do sleep 0.05; done; "
			"for i in $(seq 1 400); do "
			"read -r nr fd rest < /proc/$(cat pid)/syscall; "
			"[ \"$nr $fd\" = '1 0x1' ] && break; sleep 0.05; done; "
			"kill -TERM $(cat pid); touch go; wait"), 0);
	expect_file("status", "143\n");
	cr_assert_eq(sh("test $(wc -c < got) -ge 65536"), 0, "the pipe was full");
	cr_assert_eq(sh("printf 'winnow: terminated (SIGTERM)\\nwinnow: stdout: %%s bytes written\\n' "
			"$(wc -c < got) | cmp - msg"), 0, "%s", slurp("msg"));
	cr_assert_eq(sh("head -c $(wc -c < got) big.txt | cmp - got"), 0);
}

/* ---- Memory limit ------------------------------------------------------------ */

/* 300,000 distinct lines need about 3 MiB of fingerprints: more than a
 * 4 MiB limit leaves once the tables are counted. */
Test(faults, memory_limit_under_each_policy)
{
	cr_assert_eq(sh("seq 1 600000 | sed 's/^/a distinct line of text, number /' > big.txt"), 0);
	old_output_and_state();
	cr_assert_eq(sh("$W --no-near --max-mem=4M --on-full=fail --state=s.st --stats=json "
			"-o keep.txt big.txt"), 1);
	expect_err("--on-full=fail; raise --max-mem, or use --on-full=forget or bloom\n");
	expect_err("winnow: keep.txt: not written\n");
	expect_err("winnow: s.st: not saved (it is as it was)\n");
	expect_stats_balance("err", false);
	expect_old_output_and_state();
	expect_no_temp_files();

	cr_assert_eq(sh("$W --no-near --max-mem=4M --on-full=forget --stats=json big.txt | cmp - big.txt"),
		     0, "%s", slurp("err"));
	expect_stats_balance("err", true);
	cr_assert_gt(number_after("err", "\"seen_forgotten\":"), 0);

	cr_assert_eq(sh("$W --no-near --max-mem=4M --on-full=bloom --stats=json big.txt > got"), 0);
	expect_stats_balance("err", true);
	expect_err("\"seen_bloom\":true");
}
