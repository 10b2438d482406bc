/* test_cli_shard.c - exact dedup split over shards: sign, resolve and apply
 * give the same output as one run over the shards in order, on real text,
 * and refuse inputs and files that do not belong together. */
#include "clitest.h"

CLI_SUITE(cli_shard);

/* The three steps over shards s0..s3 with options opts, P partitions;
 * then the concatenated outputs must equal one run. */
static void sharded_equals_single(const char *opts, int parts)
{
	cr_assert_eq(sh("rm -rf sig && mkdir sig && for i in 0 1 2 3; do "
			"$W sign %s --shard=$i --parts=%d --seed=0123456789abcdef --dir=sig s$i || exit 1; done && "
			"for p in $(seq 0 %d); do $W resolve --part=$p --shards=4 --dir=sig || exit 1; done && "
			"for i in 0 1 2 3; do $W apply %s --shard=$i --dir=sig -o o$i s$i || exit 1; done && "
			"cat o0 o1 o2 o3 > sharded && $W --no-near %s s0 s1 s2 s3 > single && "
			"$W --no-near %s --stats=json s0 s1 s2 s3 2>&1 >/dev/null",
			opts, parts, parts - 1, opts, opts, opts), 0, "%s", slurp("err"));
	char *stats = slurp("out");
	const char *dup = strstr(stats, "\"dup\":");
	cr_assert(dup && strtoul(dup + 6, NULL, 10) > 50, "too few duplicates to test: %s", stats);
	free(stats);
	cr_assert_eq(sh("cmp sharded single"), 0, "%s: sharded and single runs differ", opts);
	cr_assert_eq(sh("ls -A sig | grep -c winnow- || true"), 0);
	cr_assert_eq(strcmp(slurp("out"), "0\n"), 0);
}

/* Real scraped text split into 4 shards at line boundaries (a shard may
 * begin mid-page), with repeated lines within and across shards. */
Test(cli_shard, four_shards_of_real_text_equal_one_run)
{
	cr_assert_eq(sh("cat $D/tests/data/aeb-25.txt $D/tests/data/dolma-0000.lynx.wet > all && "
			"split -n l/4 -a 1 all s && for i in 0 1 2 3; do mv s$(echo abcd | cut -c$((i+1))) s$i; done"),
		     0);
	sharded_equals_single("", 3);
	sharded_equals_single("--key=exact --min-chars=1", 1);
	sharded_equals_single("--no-repair --min-chars=8", 16);
}

/* Shards that are mostly copies of each other: all but the first copy go. */
Test(cli_shard, repeated_shards_keep_the_first_copy)
{
	cr_assert_eq(sh("cp $D/tests/data/aeb-25.txt s0 && cp s0 s1 && head -2000 s0 > s2 && "
			"tail -1000 s0 > s3"), 0);
	sharded_equals_single("--min-chars=1", 4);
	/* Only lines that are never deduplicated (no letters or digits) are
	 * left of the copies. */
	cr_assert_eq(sh("cat o1 o2 o3 | grep -c '[[:alnum:]]' || true"), 0);
	cr_assert_eq(strcmp(slurp("out"), "0\n"), 0, "%s", slurp("out"));
}

Test(cli_shard, mismatches_are_errors_and_write_nothing)
{
	cr_assert_eq(sh("cp $D/tests/data/aeb-25.txt s0 && head -300 s0 > s1 && mkdir sig && "
			"for i in 0 1; do $W sign --shard=$i --parts=2 --seed=ab --dir=sig s$i; done && "
			"for p in 0 1; do $W resolve --part=$p --shards=2 --dir=sig; done"), 0);
	cr_assert_eq(sh("$W apply --shard=1 --dir=sig -o o1 s0"), 1);
	expect_err("winnow: s0: not the input that was signed as this shard");
	expect_err("winnow: o1: not written");
	cr_assert_eq(sh("$W apply --min-chars=5 --shard=1 --dir=sig -o o1 s1"), 1);
	expect_err("winnow: sig/drop-1-0.wns: made with other settings than this run");
	cr_assert_eq(sh("test ! -e o1 && $W apply --shard=1 --dir=sig -o o1 s1"), 0);
	/* a sign file made with another seed */
	cr_assert_eq(sh("$W sign --shard=1 --parts=2 --seed=cd --dir=sig s1 && "
			"$W resolve --part=0 --shards=2 --dir=sig"), 1);
	expect_err("winnow: sig/sign-1-0.wns: made with another --seed\n");
	/* a corrupt one */
	cr_assert_eq(sh("$W sign --shard=1 --parts=2 --seed=ab --dir=sig s1 && "
			"printf x | dd of=sig/sign-1-0.wns bs=1 seek=80 conv=notrunc 2>/dev/null && "
			"$W resolve --part=0 --shards=2 --dir=sig"), 1);
	expect_err("winnow: sig/sign-1-0.wns: corrupt (checksum mismatch)\n");
	cr_assert_eq(sh("$W resolve --part=0 --shards=3 --dir=sig"), 1);
	expect_err("winnow: sig/sign-1-0.wns: corrupt");
	cr_assert_eq(sh("$W sign --shard=0 --dir=sig s0"), 2);
	cr_assert_eq(sh("$W resolve --part=0"), 2);
	cr_assert_eq(sh("$W --shard=1 s0"), 2);
}
