/* shard.h - exact dedup split over machines: winnow sign (per shard),
 * winnow resolve (per partition of the fingerprints), winnow apply (per
 * shard), whose result equals one run over the shards in order. */
#ifndef WN_CLI_SHARD_H
#define WN_CLI_SHARD_H

#include <stdbool.h>
#include <stdint.h>

#include "winnow.h"

struct cli_shard_opts {
	long shard;          /* --shard: this input's number, from 0 */
	long parts;          /* --parts: partitions of the fingerprints */
	long part;           /* --part (resolve) */
	long shards;         /* --shards (resolve) */
	uint64_t seed;       /* --seed, shared by every shard */
	bool seed_set;
	const char *dir;     /* --dir: where the sign and drop files live */
};

/* winnow sign: runs the pipeline over inputs and writes DIR/sign-S-P.wns
 * for every partition P. Returns the exit code. */
int cli_sign_run(struct wn_options *opt, const struct cli_shard_opts *so, char **inputs,
		 int ninputs);

/* winnow resolve: argv[0] is "resolve". Returns the exit code. */
int cli_resolve_main(int argc, char **argv);

/* winnow apply: the drop lists of one shard, consulted by a wn_judge_fn. */
struct cli_apply {
	uint64_t *drops;     /* sorted line indices to drop */
	size_t ndrops;
	size_t next;
	uint64_t judged;     /* lines judged so far */
	uint64_t shard_lines; /* lines sign judged in this shard */
};

/* Reads DIR/drop-S-*.wns. 0, or -1 with a message printed. */
int cli_apply_load(struct cli_apply *ap, const struct wn_options *opt,
		   const struct cli_shard_opts *so);
int cli_apply_judge(void *ctx, uint64_t fingerprint, uint64_t index);
/* After the run: the input must have been the shard that was signed. 0 or
 * -1 with a message printed. */
int cli_apply_check(const struct cli_apply *ap, const char *name);
void cli_apply_free(struct cli_apply *ap);

#endif
