/* main.c - the winnow program: options, the read loop, statistics and exit
 * codes. All OS code is in io.c; all text work is in libwinnow. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io.h"
#include "shard.h"
#include "statefile.h"
#include "winnow.h"

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };
enum stats_mode { STATS_NONE, STATS_TEXT, STATS_JSON };
enum progress_mode { PROGRESS_AUTO, PROGRESS_ON, PROGRESS_OFF };

#define MIN_MAX_MEM ((uint64_t)4 << 20)
#define ERRORS_SHOWN 20 /* malformed records reported per input */

struct cli_args {
	struct wn_options opt;
	const char *output;
	bool gzip_out;
	int level;
	enum stats_mode stats;
	const char *explain_path; /* NULL: none; "-": stderr */
	enum progress_mode progress;
	const char *state_path;   /* --state or --state-readonly */
	bool state_readonly;
	bool max_mem_set;         /* --max-mem given (else the default) */
	bool threads_set;         /* --threads=N given (else auto) */
	enum cli_mode { MODE_FILTER, MODE_SIGN, MODE_APPLY } mode;
	struct cli_shard_opts shard;
	char **inputs;
	int ninputs;
	const char **rule_paths; /* --rules FILEs, in order */
	int nrule_paths;
	int passes;              /* 2: count site-wide repeats first */
	const char *nav_dump_path; /* --nav-dump: the model's features, or NULL */
};

/* What the explain callback needs to name a line's file. */
struct cli_explain {
	FILE *fp;
	const char *input;
};

/* Malformed records of the current input: the first few are shown. */
struct cli_errors {
	const char *input;
	uint64_t count;
};

struct cli_progress {
	bool on;
	double start;
	double last;
	uint64_t total;   /* sum of the input files' sizes, 0 if unknown */
	uint64_t done;    /* bytes of finished inputs */
};

static const char usage_text[] =
"Usage: winnow [OPTION]... [FILE]...\n"
"Clean, repair and deduplicate scraped text. Reads the FILEs in order (plain\n"
"or gzip, detected by content), or standard input when there is none or a\n"
"FILE is '-', and writes the kept lines to standard output.\n"
"\n"
"Input and output:\n"
"  -o, --output=FILE     write to FILE (replaced only when the run succeeds)\n"
"  -z, --gzip            write gzip (the default when FILE ends in .gz)\n"
"      --level=N         gzip level, 1 (fast) to 9 (small); default 6\n"
"  -0, --null            a NUL byte ends a document (a form feed always does);\n"
"                        each is written back after its document's lines\n"
"      --max-line=SIZE   a longer line is written as it came, unrepaired and\n"
"                        unjudged, without being held whole; default 64M,\n"
"                        0 for no limit\n"
"\n"
"Formats (see doc/formats.md):\n"
"      --format=FORMAT   auto (default: each input by its first bytes), text,\n"
"                        jsonl (JSON Lines) or wet (WARC/WET records)\n"
"      --field=NAME      the JSON Lines field holding the text; default text\n"
"      --keep-empty      write records (and text documents ended by a form\n"
"                        feed or NUL) whose text became empty (default: drop)\n"
"      --wet-digest      recompute the sha1 WARC-Block-Digest of a rewritten\n"
"                        WET record (default: drop the header)\n"
"      --on-error=WHAT   a malformed record is reported and then: pass\n"
"                        (default: written unchanged), skip, or fail (exit 1)\n"
"\n"
"Deduplication of lines:\n"
"      --key=MODE        normalized (default: case, punctuation and spacing\n"
"                        ignored) or exact (the line's bytes)\n"
"      --scope=SCOPE     stream (default: across all input) or doc (each\n"
"                        document on its own: a text file or its part ended\n"
"                        by a form feed, a JSON Lines record, a WET record)\n"
"      --min-chars=N     never drop lines shorter than N characters; default 20\n"
"      --no-dedup        keep repeated lines (exact and near)\n"
"      --exact-only      exact line dedup and nothing else, the fastest mode:\n"
"                        --key=exact --no-repair --no-boilerplate --no-near\n"
"      --doc-dedup       drop documents whose whole text was seen before\n"
"                        (normalized as --key says; across the stream)\n"
"\n"
"Near duplicates (see doc/near.md):\n"
"      --near=SHARE      drop a line when more than SHARE (0 to 1) of its runs\n"
"                        of 5 words were seen before; default 0.5\n"
"      --near-words=N    length of those runs (shingles), 1 to 16; default 5\n"
"      --no-near         keep near-duplicate lines\n"
"      --doc-near[=J]    drop a document whose word shingles are at least J\n"
"                        similar (Jaccard, 0 to 1) to an earlier one's; 0.8\n"
"\n"
"Boilerplate (see doc/boilerplate.md):\n"
"      --rules=FILE      add the boilerplate rules in FILE (repeatable)\n"
"      --no-builtin-rules  leave out the built-in rules\n"
"      --print-rules     print the built-in rules and exit\n"
"      --no-boilerplate  switch rules and zones off\n"
"      --drop-frequent=N drop short lines seen in N or more documents\n"
"      --drop-frequent-passes=P  1 (default: copies from the Nth document on)\n"
"                        or 2 (read the FILEs twice to drop every copy)\n"
"      --frequent-mem=MIB  memory for counting repeated lines; default 32\n"
"\n";

/* C compilers need not take a literal over 4095 bytes: the help is in parts. */
static const char usage_text_nav[] =
"Navigation and menus (see doc/nav.md):\n"
"      --strip-nav       drop menu runs, link lists and other page chrome by a\n"
"                        classifier of each document's lines and their context\n"
"      --nav-short=N     lines under N characters are settled by context; 90\n"
"      --nav-long=N      a line of N characters with enough stop words is\n"
"                        text on its own; default 150\n"
"      --nav-heading=N   a short line at most N characters before text stays\n"
"                        with it; default 50\n"
"      --nav-stop-low=SHARE   stop word share below which a line is junk; 0.10\n"
"      --nav-stop-high=SHARE  share from which a line is text; default 0.30\n"
"      --nav-threshold=P a line the model gives a probability of being text\n"
"                        under P is dropped; default 0.15\n"
"      --nav-dump=FILE   write each judged line's features to FILE (for\n"
"                        training the model: bench/nav_train.py)\n"
"\n"
"Repairs (each line is repaired before it is judged):\n"
"      --no-repair[=NAME]\n"
"                        switch off all repairs, or the rule NAME (see the\n"
"                        list at the end); may be repeated\n"
"      --invalid=ACTION  bytes that are not UTF-8 (in a line that is partly\n"
"                        UTF-8): replace (default, with U+FFFD) or drop\n"
"      --nfkc            normalize to Unicode NFKC instead of NFC\n"
"      --ascii           fold letters and punctuation to ASCII where an ASCII\n"
"                        equivalent exists (caf\u00e9 -> cafe, \u201c -> \")\n";

static const char usage_text2[] =
"Memory across runs and its limit:\n"
"      --state=FILE      load the lines seen by earlier runs from FILE (if it\n"
"                        exists) and save them back at the end\n"
"      --state-readonly=FILE  load FILE but never save it (filter against a\n"
"                        reference set)\n"
"      --max-mem=SIZE    memory for remembered lines, e.g. 512M or 4G; about\n"
"                        10 bytes a line; default half of the physical memory\n"
"      --on-full=MODE    when it is full: forget (default: the oldest quarter\n"
"                        of the lines is forgotten; lines that recur are kept),\n"
"                        fail (exit 1, nothing written), or bloom (a Bloom\n"
"                        filter of the same size: catches every repeat, but\n"
"                        may drop a distinct line; --stats gives the odds)\n"
"  winnow state info FILE...          print what saved states hold\n"
"  winnow state merge FILE... -o OUT  combine saved states\n"
"\n"
"Exact dedup over many machines (see doc/state.md), with the same options:\n"
"  winnow sign --shard=N --parts=P --seed=HEX --dir=DIR FILE...\n"
"  winnow resolve --part=P --shards=S --dir=DIR\n"
"  winnow apply --shard=N --dir=DIR [-o OUT] FILE...\n"
"\n"
"Speed:\n"
"      --threads=N       1: one thread (plus one that reads and inflates);\n"
"                        2: repairs run on a second core too, with the same\n"
"                        output; default auto: 2 with two cores or more\n"
"\n"
"Reporting:\n"
"      --stats[=FORMAT]  print counts to stderr at the end: text or json\n"
"      --explain[=FILE]  write each dropped line with its reason, and each\n"
"                        changed line with the repairs that changed it, to\n"
"                        FILE (default stderr)\n"
"      --progress        show progress on stderr (default: when a terminal)\n"
"      --no-progress     never show progress\n"
"  -h, --help            print this help and exit\n"
"  -V, --version         print the version and exit\n"
"\n"
"Lines are compared by a 64-bit hash: two distinct lines share one with a\n"
"probability of about n^2/2^65 for n distinct lines (1 in 37 for 10^9 lines),\n"
"and then the later one is dropped as a duplicate.\n"
"\n"
"Exit status: 0 success, 1 failure (I/O, corrupt gzip, an unusable state, a\n"
"full seen set with --on-full=fail, a malformed record with --on-error=fail,\n"
"out of memory), 2 usage error. A closed output pipe ends winnow quietly with\n"
"status 0.\n";

/* The help text, then the names --no-repair takes, from the library. */
static void print_usage(void)
{
	fputs(usage_text, stdout);
	fputs(usage_text_nav, stdout);
	fputs(usage_text2, stdout);
	fputs("\nRepair rules (NAME for --no-repair):", stdout);
	size_t col = 80;
	for (unsigned rule = 0; rule < 64; rule++) {
		const char *name = wn_repair_rule_name(rule);
		if (!name)
			continue;
		if (col + strlen(name) + 1 > 78) {
			fputs("\n ", stdout);
			col = 1;
		}
		printf(" %s", name);
		col += strlen(name) + 1;
	}
	fputs("\n", stdout);
}

__attribute__((format(printf, 1, 2), noreturn))
static void usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "winnow: ");
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'winnow --help' for more information.\n");
	exit(EXIT_USAGE);
}

static size_t parse_count(const char *opt, const char *s)
{
	char *end;
	errno = 0;
	const unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-')
		usage_error("%s: expected a non-negative whole number", opt);
	return (size_t)v;
}

enum {
	OPT_LEVEL = 256, OPT_KEY, OPT_SCOPE, OPT_MIN_CHARS, OPT_NO_DEDUP, OPT_STATS,
	OPT_EXPLAIN, OPT_PROGRESS, OPT_NO_PROGRESS, OPT_NO_REPAIR, OPT_RULES, OPT_NO_BUILTIN,
	OPT_PRINT_RULES, OPT_NO_BOILERPLATE, OPT_DROP_FREQUENT, OPT_FREQUENT_PASSES,
	OPT_FREQUENT_MEM, OPT_INVALID, OPT_NFKC, OPT_ASCII, OPT_STATE,
	OPT_STATE_READONLY, OPT_MAX_MEM, OPT_ON_FULL, OPT_SHARD, OPT_PARTS, OPT_SEED, OPT_DIR,
	OPT_FORMAT, OPT_FIELD, OPT_KEEP_EMPTY, OPT_ON_ERROR, OPT_DOC_DEDUP, OPT_WET_DIGEST,
	OPT_NEAR, OPT_NEAR_WORDS, OPT_NO_NEAR, OPT_DOC_NEAR, OPT_STRIP_NAV, OPT_NAV_SHORT,
	OPT_NAV_LONG, OPT_NAV_HEADING, OPT_NAV_STOP_LOW, OPT_NAV_STOP_HIGH, OPT_NAV_THRESHOLD, OPT_NAV_DUMP, OPT_THREADS,
	OPT_MAX_LINE, OPT_EXACT_ONLY,
};

static const struct option long_options[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "gzip", no_argument, NULL, 'z' },
	{ "level", required_argument, NULL, OPT_LEVEL },
	{ "null", no_argument, NULL, '0' },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "field", required_argument, NULL, OPT_FIELD },
	{ "keep-empty", no_argument, NULL, OPT_KEEP_EMPTY },
	{ "on-error", required_argument, NULL, OPT_ON_ERROR },
	{ "doc-dedup", no_argument, NULL, OPT_DOC_DEDUP },
	{ "wet-digest", no_argument, NULL, OPT_WET_DIGEST },
	{ "key", required_argument, NULL, OPT_KEY },
	{ "scope", required_argument, NULL, OPT_SCOPE },
	{ "min-chars", required_argument, NULL, OPT_MIN_CHARS },
	{ "no-dedup", no_argument, NULL, OPT_NO_DEDUP },
	{ "exact-only", no_argument, NULL, OPT_EXACT_ONLY },
	{ "near", required_argument, NULL, OPT_NEAR },
	{ "near-words", required_argument, NULL, OPT_NEAR_WORDS },
	{ "no-near", no_argument, NULL, OPT_NO_NEAR },
	{ "doc-near", optional_argument, NULL, OPT_DOC_NEAR },
	{ "no-repair", optional_argument, NULL, OPT_NO_REPAIR },
	{ "rules", required_argument, NULL, OPT_RULES },
	{ "no-builtin-rules", no_argument, NULL, OPT_NO_BUILTIN },
	{ "print-rules", no_argument, NULL, OPT_PRINT_RULES },
	{ "no-boilerplate", no_argument, NULL, OPT_NO_BOILERPLATE },
	{ "drop-frequent", required_argument, NULL, OPT_DROP_FREQUENT },
	{ "drop-frequent-passes", required_argument, NULL, OPT_FREQUENT_PASSES },
	{ "frequent-mem", required_argument, NULL, OPT_FREQUENT_MEM },
	{ "strip-nav", no_argument, NULL, OPT_STRIP_NAV },
	{ "nav-short", required_argument, NULL, OPT_NAV_SHORT },
	{ "nav-long", required_argument, NULL, OPT_NAV_LONG },
	{ "nav-heading", required_argument, NULL, OPT_NAV_HEADING },
	{ "nav-stop-low", required_argument, NULL, OPT_NAV_STOP_LOW },
	{ "nav-stop-high", required_argument, NULL, OPT_NAV_STOP_HIGH },
	{ "nav-threshold", required_argument, NULL, OPT_NAV_THRESHOLD },
	{ "nav-dump", required_argument, NULL, OPT_NAV_DUMP },
	{ "invalid", required_argument, NULL, OPT_INVALID },
	{ "nfkc", no_argument, NULL, OPT_NFKC },
	{ "ascii", no_argument, NULL, OPT_ASCII },
	{ "stats", optional_argument, NULL, OPT_STATS },
	{ "explain", optional_argument, NULL, OPT_EXPLAIN },
	{ "state", required_argument, NULL, OPT_STATE },
	{ "state-readonly", required_argument, NULL, OPT_STATE_READONLY },
	{ "max-mem", required_argument, NULL, OPT_MAX_MEM },
	{ "max-line", required_argument, NULL, OPT_MAX_LINE },
	{ "on-full", required_argument, NULL, OPT_ON_FULL },
	{ "shard", required_argument, NULL, OPT_SHARD },
	{ "parts", required_argument, NULL, OPT_PARTS },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "dir", required_argument, NULL, OPT_DIR },
	{ "progress", no_argument, NULL, OPT_PROGRESS },
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ "no-progress", no_argument, NULL, OPT_NO_PROGRESS },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/* A size in bytes with an optional binary suffix: 512K, 64M, 4G, 1T. */
static uint64_t parse_size(const char *opt, const char *s)
{
	char *end;
	errno = 0;
	const unsigned long long v = strtoull(s, &end, 10);
	unsigned shift = 0;
	switch (*end) {
	case 'K': case 'k': shift = 10; end++; break;
	case 'M': case 'm': shift = 20; end++; break;
	case 'G': case 'g': shift = 30; end++; break;
	case 'T': case 't': shift = 40; end++; break;
	default: break;
	}
	if (shift && (strcmp(end, "iB") == 0 || strcmp(end, "B") == 0))
		end += strlen(end);
	if (errno || end == s || *end || s[0] == '-' || v > (UINT64_MAX >> shift))
		usage_error("%s: expected a size such as 512M or 4G, got '%s'", opt, s);
	return (uint64_t)v << shift;
}

/* A share or similarity: a number above 0 and at most 1. */
static double parse_share(const char *opt, const char *s)
{
	char *end;
	errno = 0;
	const double v = strtod(s, &end);
	if (errno || end == s || *end || !(v > 0 && v <= 1))
		usage_error("%s: expected a number above 0 and at most 1, got '%s'", opt, s);
	return v;
}

static bool ends_with(const char *s, const char *suffix)
{
	const size_t n = strlen(s), k = strlen(suffix);
	return n >= k && strcmp(s + n - k, suffix) == 0;
}

static void print_rules(void)
{
	size_t len;
	const char *text = wn_builtin_rules(&len);
	fwrite(text, 1, len, stdout);
	exit(fflush(stdout) == 0 && !ferror(stdout) ? EXIT_OK : EXIT_FAIL);
}

/* The options of boilerplate rules and site-wide repeats. */
static void parse_boiler_arg(int c, struct cli_args *a)
{
	switch (c) {
	case OPT_RULES: a->rule_paths[a->nrule_paths++] = optarg; break;
	case OPT_NO_BUILTIN: a->opt.disable |= WN_STAGE_BUILTIN_RULES; break;
	case OPT_PRINT_RULES: print_rules(); break;
	case OPT_NO_BOILERPLATE: a->opt.disable |= WN_STAGE_BOILERPLATE; break;
	case OPT_DROP_FREQUENT: {
		const size_t n = parse_count("--drop-frequent", optarg);
		if (n < 2 || n > UINT32_MAX)
			usage_error("--drop-frequent: expected 2 or more documents, got '%s'", optarg);
		a->opt.drop_frequent = (uint32_t)n;
		break;
	}
	case OPT_FREQUENT_PASSES:
		a->passes = (int)parse_count("--drop-frequent-passes", optarg);
		if (a->passes < 1 || a->passes > 2)
			usage_error("--drop-frequent-passes: expected 1 or 2, got '%s'", optarg);
		break;
	case OPT_FREQUENT_MEM: {
		const size_t mib = parse_count("--frequent-mem", optarg);
		if (mib < 1 || mib > SIZE_MAX >> 21)
			usage_error("--frequent-mem: expected a size in MiB, got '%s'", optarg);
		a->opt.frequent_bytes = mib << 20;
		break;
	}
	}
}

/* A length option of --strip-nav: 1 to 100000 characters. */
static unsigned parse_nav_chars(const char *opt, const char *s)
{
	const size_t n = parse_count(opt, s);
	if (n < 1 || n > 100000)
		usage_error("%s: expected 1 to 100000 characters, got '%s'", opt, s);
	return (unsigned)n;
}

/* The options of the navigation classifier. */
static void parse_nav_arg(int c, struct cli_args *a)
{
	switch (c) {
	case OPT_STRIP_NAV: a->opt.strip_nav = true; break;
	case OPT_NAV_SHORT: a->opt.nav_short = parse_nav_chars("--nav-short", optarg); break;
	case OPT_NAV_LONG: a->opt.nav_long = parse_nav_chars("--nav-long", optarg); break;
	case OPT_NAV_HEADING:
		a->opt.nav_heading = parse_nav_chars("--nav-heading", optarg);
		break;
	case OPT_NAV_STOP_LOW:
		a->opt.nav_stop_low = parse_share("--nav-stop-low", optarg);
		break;
	case OPT_NAV_STOP_HIGH:
		a->opt.nav_stop_high = parse_share("--nav-stop-high", optarg);
		break;
	case OPT_NAV_THRESHOLD:
		a->opt.nav_threshold = parse_share("--nav-threshold", optarg);
		break;
	case OPT_NAV_DUMP: a->nav_dump_path = optarg; break;
	}
}

/* The index of s in names (NULL-terminated), or a usage error. */
static int pick(const char *opt, const char *s, const char *const *names)
{
	for (int i = 0; names[i]; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	usage_error("%s: unknown value '%s'", opt, s);
}

static void parse_args(int argc, char **argv, struct cli_args *a)
{
	/* In the order of enum wn_format and enum wn_on_error. */
	static const char *const formats[] = { "text", "jsonl", "wet", "auto", NULL };
	static const char *const on_errors[] = { "pass", "skip", "fail", NULL };
	a->level = 6;
	a->passes = 1;
	a->rule_paths = calloc((size_t)argc, sizeof(*a->rule_paths));
	if (!a->rule_paths) {
		fprintf(stderr, "winnow: out of memory\n");
		exit(EXIT_FAIL);
	}
	a->opt.format = WN_FORMAT_AUTO;
	int c;
	while ((c = getopt_long(argc, argv, "o:z0hV", long_options, NULL)) != -1) {
		switch (c) {
		case 'o': a->output = optarg; break;
		case 'z': a->gzip_out = true; break;
		case '0': a->opt.nul_docs = true; break;
		case OPT_FORMAT: a->opt.format = (enum wn_format)pick("--format", optarg, formats); break;
		case OPT_FIELD:
			if (!*optarg)
				usage_error("--field: expected a field name");
			a->opt.field = optarg;
			break;
		case OPT_KEEP_EMPTY: a->opt.keep_empty = true; break;
		case OPT_ON_ERROR:
			a->opt.on_error = (enum wn_on_error)pick("--on-error", optarg, on_errors);
			break;
		case OPT_DOC_DEDUP: a->opt.doc_dedup = true; break;
		case OPT_WET_DIGEST: a->opt.wet_digest = true; break;
		case OPT_LEVEL:
			a->level = (int)parse_count("--level", optarg);
			if (a->level < 1 || a->level > 9)
				usage_error("--level: expected 1 to 9, got '%s'", optarg);
			break;
		case OPT_KEY:
			if (strcmp(optarg, "exact") == 0)
				a->opt.key = WN_KEY_EXACT;
			else if (strcmp(optarg, "normalized") == 0)
				a->opt.key = WN_KEY_NORMALIZED;
			else
				usage_error("--key: expected 'normalized' or 'exact', got '%s'", optarg);
			break;
		case OPT_SCOPE:
			if (strcmp(optarg, "doc") == 0)
				a->opt.scope = WN_SCOPE_DOC;
			else if (strcmp(optarg, "stream") == 0)
				a->opt.scope = WN_SCOPE_STREAM;
			else
				usage_error("--scope: expected 'stream' or 'doc', got '%s'", optarg);
			break;
		case OPT_MIN_CHARS: {
			const size_t n = parse_count("--min-chars", optarg);
			a->opt.min_chars = n ? n : 1;
			break;
		}
		case OPT_NO_DEDUP: a->opt.disable |= WN_STAGE_DEDUP; break;
		case OPT_EXACT_ONLY:
			a->opt.key = WN_KEY_EXACT;
			a->opt.disable |= WN_STAGE_REPAIR | WN_STAGE_BOILERPLATE | WN_STAGE_NEAR;
			break;
		case OPT_NEAR: a->opt.near = parse_share("--near", optarg); break;
		case OPT_NEAR_WORDS: {
			const size_t n = parse_count("--near-words", optarg);
			if (n < 1 || n > 16)
				usage_error("--near-words: expected 1 to 16, got '%s'", optarg);
			a->opt.near_words = (unsigned)n;
			break;
		}
		case OPT_NO_NEAR: a->opt.disable |= WN_STAGE_NEAR; break;
		case OPT_DOC_NEAR:
			a->opt.doc_near = optarg ? parse_share("--doc-near", optarg) : WN_DEFAULT_DOC_NEAR;
			break;
		case OPT_NO_REPAIR: {
			if (!optarg) {
				a->opt.disable |= WN_STAGE_REPAIR;
				break;
			}
			const int rule = wn_repair_rule_find(optarg);
			if (rule < 0)
				usage_error("--no-repair: no repair rule is called '%s'", optarg);
			a->opt.repair_off |= UINT64_C(1) << rule;
			break;
		}
		case OPT_INVALID:
			if (strcmp(optarg, "replace") == 0)
				a->opt.invalid = WN_INVALID_REPLACE;
			else if (strcmp(optarg, "drop") == 0)
				a->opt.invalid = WN_INVALID_DROP;
			else
				usage_error("--invalid: expected 'replace' or 'drop', got '%s'", optarg);
			break;
		case OPT_NFKC: a->opt.nfkc = true; break;
		case OPT_ASCII: a->opt.ascii = true; break;
		case OPT_STATS:
			if (!optarg || strcmp(optarg, "text") == 0)
				a->stats = STATS_TEXT;
			else if (strcmp(optarg, "json") == 0)
				a->stats = STATS_JSON;
			else
				usage_error("--stats: expected 'text' or 'json', got '%s'", optarg);
			break;
		case OPT_EXPLAIN: a->explain_path = optarg ? optarg : "-"; break;
		case OPT_RULES: case OPT_NO_BUILTIN: case OPT_PRINT_RULES: case OPT_NO_BOILERPLATE:
		case OPT_DROP_FREQUENT: case OPT_FREQUENT_PASSES: case OPT_FREQUENT_MEM:
			parse_boiler_arg(c, a);
			break;
		case OPT_STRIP_NAV: case OPT_NAV_SHORT: case OPT_NAV_LONG: case OPT_NAV_HEADING:
		case OPT_NAV_STOP_LOW: case OPT_NAV_STOP_HIGH:
		case OPT_NAV_THRESHOLD: case OPT_NAV_DUMP:
			parse_nav_arg(c, a);
			break;
		case OPT_STATE:
		case OPT_STATE_READONLY:
			if (a->state_path)
				usage_error("--state and --state-readonly: give one of them, once");
			a->state_path = optarg;
			a->state_readonly = c == OPT_STATE_READONLY;
			break;
		case OPT_MAX_MEM:
			a->opt.max_mem = parse_size("--max-mem", optarg);
			a->max_mem_set = true;
			if (a->opt.max_mem < MIN_MAX_MEM)
				usage_error("--max-mem: at least 4M, got '%s'", optarg);
			break;
		case OPT_MAX_LINE: {
			const uint64_t v = parse_size("--max-line", optarg);
			a->opt.max_line = v == 0 || v >= SIZE_MAX ? SIZE_MAX : (size_t)v;
			break;
		}
		case OPT_ON_FULL:
			if (strcmp(optarg, "forget") == 0)
				a->opt.on_full = WN_FULL_FORGET;
			else if (strcmp(optarg, "fail") == 0)
				a->opt.on_full = WN_FULL_FAIL;
			else if (strcmp(optarg, "bloom") == 0)
				a->opt.on_full = WN_FULL_BLOOM;
			else
				usage_error("--on-full: expected 'forget', 'fail' or 'bloom', got '%s'",
					    optarg);
			break;
		case OPT_SHARD: a->shard.shard = (long)parse_count("--shard", optarg); break;
		case OPT_PARTS: a->shard.parts = (long)parse_count("--parts", optarg); break;
		case OPT_DIR: a->shard.dir = optarg; break;
		case OPT_SEED: {
			char *end;
			errno = 0;
			a->shard.seed = strtoull(optarg, &end, 16);
			if (errno || end == optarg || *end || strlen(optarg) > 16)
				usage_error("--seed: expected up to 16 hex digits, got '%s'", optarg);
			a->shard.seed_set = true;
			break;
		}
		case OPT_THREADS:
			if (strcmp(optarg, "auto") == 0) {
				a->threads_set = false;
				break;
			}
			a->opt.threads = (unsigned)parse_count("--threads", optarg);
			if (a->opt.threads < 1 || a->opt.threads > 1024)
				usage_error("--threads: expected auto or 1 or more, got '%s'", optarg);
			a->threads_set = true;
			break;
		case OPT_PROGRESS: a->progress = PROGRESS_ON; break;
		case OPT_NO_PROGRESS: a->progress = PROGRESS_OFF; break;
		case 'h': print_usage(); exit(EXIT_OK);
		case 'V': printf("winnow %s\n", wn_version()); exit(EXIT_OK);
		default:
			fprintf(stderr, "Try 'winnow --help' for more information.\n");
			exit(EXIT_USAGE);
		}
	}
	if (a->output && ends_with(a->output, ".gz"))
		a->gzip_out = true;
	if (a->mode != MODE_FILTER && (a->state_path || a->opt.scope == WN_SCOPE_DOC ||
				       a->opt.disable & WN_STAGE_DEDUP))
		usage_error("sign and apply: no --state, --scope=doc or --no-dedup");
	if (a->mode == MODE_FILTER && (a->shard.dir || a->shard.seed_set || a->shard.shard >= 0 ||
				       a->shard.parts))
		usage_error("--shard, --parts, --seed and --dir go with sign and apply");
	if (a->state_path && a->opt.scope == WN_SCOPE_DOC)
		usage_error("--state: needs --scope=stream (with --scope=doc nothing is "
			    "remembered across documents)");
	if (!a->max_mem_set)
		a->opt.max_mem = cli_default_max_mem();
	if (!a->threads_set)
		a->opt.threads = cli_cpus() > 1 ? 2 : 1;
	a->inputs = argv + optind;
	a->ninputs = argc - optind;
	if (a->passes == 2) {
		if (!a->opt.drop_frequent)
			usage_error("--drop-frequent-passes=2 needs --drop-frequent=N");
		if (a->ninputs == 0)
			usage_error("--drop-frequent-passes=2 reads its inputs twice: give files, "
				    "not standard input");
		for (int i = 0; i < a->ninputs; i++)
			if (!cli_is_regular(a->inputs[i]))
				usage_error("--drop-frequent-passes=2 reads its inputs twice: '%s' is "
					    "not a regular file", a->inputs[i]);
	}
}

/* ---- Reporting ------------------------------------------------------------ */

static void explain_line(void *ctx, const struct wn_event *ev)
{
	struct cli_explain *x = ctx;
	static const char *const kinds[] = { [WN_EV_DROP] = "drop", [WN_EV_CHANGE] = "change",
					     [WN_EV_UNJUDGED] = "pass" };
	fprintf(x->fp, "%s:%" PRIu64 "\t%s\t%s\t%s\t%.*s\n", x->input, ev->line, kinds[ev->kind],
		wn_reason_name(ev->reason), ev->rule, (int)ev->len, ev->text);
}

static void report_error(void *ctx, const struct wn_record_error *err)
{
	struct cli_errors *e = ctx;
	if (++e->count > ERRORS_SHOWN)
		return;
	static const char *const done[] = {
		[WN_ON_ERROR_PASS] = "; passed on unchanged", [WN_ON_ERROR_SKIP] = "; skipped",
		[WN_ON_ERROR_FAIL] = "",
	};
	if (err->format == WN_FORMAT_WET)
		fprintf(stderr, "winnow: %s: line %" PRIu64 " (byte %" PRIu64 "): %s%s\n", e->input,
			err->line, err->offset, err->msg, done[err->action]);
	else
		fprintf(stderr, "winnow: %s: line %" PRIu64 ": %s%s\n", e->input, err->line,
			err->msg, done[err->action]);
}

static void progress_show(struct cli_progress *p, const struct cli_in *in,
			  const struct wn_filter *f)
{
	const double now = cli_now();
	if (!p->on || now - p->last < 0.25)
		return;
	p->last = now;
	const uint64_t done = p->done + cli_in_pos(in);
	const double secs = now - p->start > 1e-6 ? now - p->start : 1e-6;
	const double rate = (double)done / secs;
	struct wn_stats st;
	wn_filter_stats(f, &st);
	fprintf(stderr, "\rwinnow: %s: %.1f MiB, %" PRIu64 " lines, %" PRIu64 " kept, %.0f MB/s",
		in->name, (double)done / 1048576.0, st.lines_in, st.lines_kept, rate / 1e6);
	if (p->total && done <= p->total && rate > 0)
		fprintf(stderr, ", %.0f%%, %.0f s left", 100.0 * (double)done / (double)p->total,
			(double)(p->total - done) / rate);
	fprintf(stderr, "\033[K");
}

static void progress_end(const struct cli_progress *p)
{
	if (p->on)
		fprintf(stderr, "\r\033[K");
}

/* The statistics. A run that stopped at an error is partial: the lines
 * read but not decided yet are counted as undecided, so that lines in is
 * always kept + dropped + undecided. */
static void print_stats(enum stats_mode mode, const struct wn_stats *st, double secs,
			bool complete)
{
	uint64_t dropped = 0;
	for (int r = 1; r < WN_REASON_COUNT; r++)
		dropped += st->dropped[r];
	const uint64_t undecided = st->lines_in - st->lines_kept - dropped;
	const uint64_t peak = cli_peak_rss();
	if (mode == STATS_JSON) {
		fprintf(stderr, "{\"docs_in\":%" PRIu64 ",\"docs_out\":%" PRIu64
			",\"lines_in\":%" PRIu64 ",\"lines_kept\":%" PRIu64 ",\"dropped\":{",
			st->docs_in, st->docs_out, st->lines_in, st->lines_kept);
		for (int r = 1; r < WN_REASON_COUNT; r++)
			fprintf(stderr, "%s\"%s\":%" PRIu64, r > 1 ? "," : "",
				wn_reason_name((enum wn_reason)r), st->dropped[r]);
		fprintf(stderr, "},\"lines_undecided\":%" PRIu64 ",\"lines_unjudged\":%" PRIu64
			",\"complete\":%s", undecided, st->lines_unjudged, complete ? "true" : "false");
		fprintf(stderr, ",\"lines_changed\":%" PRIu64 ",\"bytes_in\":%" PRIu64
			",\"bytes_out\":%" PRIu64 ",\"seen_entries\":%" PRIu64
			",\"seen_bytes\":%" PRIu64 ",\"seen_loaded\":%" PRIu64
			",\"seen_forgotten\":%" PRIu64 ",\"seen_bloom\":%s"
			",\"false_drop_rate\":%.3g,\"expected_false_drops\":%.1f"
			",\"near_entries\":%" PRIu64 ",\"near_bytes\":%" PRIu64
			",\"near_loaded\":%" PRIu64 ",\"near_forgotten\":%" PRIu64
			",\"near_bloom\":%s"
			",\"doc_near_docs\":%" PRIu64 ",\"doc_near_bytes\":%" PRIu64
			",\"regex_limited\":%" PRIu64
			",\"docs_dup\":%" PRIu64 ",\"docs_empty\":%" PRIu64
			",\"records_passed\":%" PRIu64 ",\"records_malformed\":%" PRIu64
			",\"lines_ahead\":%" PRIu64 ",\"cpu_seconds\":%.3f"
			",\"ahead_cpu_seconds\":%.3f,\"peak_rss_bytes\":%" PRIu64
			",\"seconds\":%.3f}\n",
			st->lines_changed, st->bytes_in, st->bytes_out, st->seen_entries,
			st->seen_bytes, st->seen_loaded, st->seen_forgotten,
			st->seen_bloom ? "true" : "false", st->seen_false_rate,
			st->expected_false_drops, st->near_entries, st->near_bytes,
			st->near_loaded, st->near_forgotten, st->near_bloom ? "true" : "false",
			st->doc_near_docs,
			st->doc_near_bytes, st->regex_limited, st->docs_dup, st->docs_empty,
			st->records_passed, st->records_malformed, st->lines_ahead, cli_thread_cpu(),
			st->ahead_seconds, peak, secs);
		return;
	}
	if (!complete)
		fprintf(stderr, "winnow: partial statistics: the run stopped early\n");
	fprintf(stderr, "winnow: documents  %12" PRIu64 " in %12" PRIu64 " out\n", st->docs_in,
		st->docs_out);
	if (st->docs_dup)
		fprintf(stderr, "winnow:   %-16s %12" PRIu64 "\n", "duplicate", st->docs_dup);
	if (st->docs_empty)
		fprintf(stderr, "winnow:   %-16s %12" PRIu64 "\n", "empty", st->docs_empty);
	if (st->records_passed || st->records_malformed)
		fprintf(stderr, "winnow: records    %12" PRIu64 " passed %8" PRIu64 " malformed\n",
			st->records_passed, st->records_malformed);
	fprintf(stderr, "winnow: lines      %12" PRIu64 " in %12" PRIu64 " kept %12" PRIu64
		" dropped\n", st->lines_in, st->lines_kept, dropped);
	for (int r = 1; r < WN_REASON_COUNT; r++)
		if (st->dropped[r])
			fprintf(stderr, "winnow:   %-16s %12" PRIu64 "\n",
				wn_reason_name((enum wn_reason)r), st->dropped[r]);
	if (undecided)
		fprintf(stderr, "winnow:   %-16s %12" PRIu64 " (read, not decided)\n", "undecided",
			undecided);
	if (st->lines_unjudged)
		fprintf(stderr, "winnow:   %-16s %12" PRIu64 " of the kept (longer than --max-line)\n",
			"unjudged", st->lines_unjudged);
	fprintf(stderr, "winnow: changed    %12" PRIu64 " lines\n", st->lines_changed);
	fprintf(stderr, "winnow: bytes      %12" PRIu64 " in %12" PRIu64 " out\n", st->bytes_in,
		st->bytes_out);
	fprintf(stderr, "winnow: seen set   %12" PRIu64 " fingerprints, %.1f MiB\n",
		st->seen_entries, (double)st->seen_bytes / 1048576.0);
	if (st->seen_loaded)
		fprintf(stderr, "winnow:   loaded   %12" PRIu64 " from the state\n", st->seen_loaded);
	if (st->seen_forgotten)
		fprintf(stderr, "winnow:   forgotten %11" PRIu64 " (memory full)\n",
			st->seen_forgotten);
	if (st->seen_bloom)
		fprintf(stderr, "winnow:   Bloom filter: a distinct line is now dropped with "
			"chance %.3g; %.1f such drops expected so far\n", st->seen_false_rate,
			st->expected_false_drops);
	fprintf(stderr, "winnow: shingles   %12" PRIu64 " fingerprints, %.1f MiB\n",
		st->near_entries, (double)st->near_bytes / 1048576.0);
	if (st->near_loaded)
		fprintf(stderr, "winnow:   loaded   %12" PRIu64 " from the state\n", st->near_loaded);
	if (st->near_forgotten)
		fprintf(stderr, "winnow:   forgotten %11" PRIu64 " (memory full)\n",
			st->near_forgotten);
	if (st->near_bloom)
		fprintf(stderr, "winnow:   Bloom filter: some new shingles now look seen\n");
	if (st->doc_near_docs || st->doc_near_bytes)
		fprintf(stderr, "winnow: doc-near   %12" PRIu64 " documents, %.1f MiB\n",
			st->doc_near_docs, (double)st->doc_near_bytes / 1048576.0);
	if (st->regex_limited)
		fprintf(stderr, "winnow: regex limit %12" PRIu64 " matches given up (lines kept)\n",
			st->regex_limited);
	fprintf(stderr, "winnow: memory     %12.1f MiB peak (resident)\n",
		(double)peak / 1048576.0);
	fprintf(stderr, "winnow: time       %12.3f s\n", secs);
}

/* ---- The run -------------------------------------------------------------- */

/* What went wrong in a run, to pick the exit code and the message. */
struct run_status {
	bool failed;     /* an input or the library failed: exit 1 */
	bool stop;       /* nothing more can be written */
};

static void report_lib_error(const struct wn_filter *f, const char *name, int rc)
{
	if (rc != WN_E_LIMIT) {
		fprintf(stderr, "winnow: %s: %s\n", name, wn_strerror(rc));
		return;
	}
	struct wn_stats st;
	wn_filter_stats(f, &st);
	if (st.near_full) {
		fprintf(stderr, "winnow: %s: the shingle set is full (three quarters of "
			"--max-mem less the input blocks, with near-duplicate lines on, %" PRIu64
			" shingles in %.1f MiB) and --on-full=fail; raise --max-mem, use "
			"--on-full=forget or bloom, or --no-near\n", name, st.near_entries,
			(double)st.near_bytes / 1048576.0);
		return;
	}
	fprintf(stderr, "winnow: %s: the seen set is full (--max-mem, %" PRIu64 " distinct "
		"lines in %.1f MiB) and --on-full=fail; raise --max-mem, or use "
		"--on-full=forget or bloom\n", name, st.seen_entries,
		(double)st.seen_bytes / 1048576.0);
}

/* How much wn_filter_pull reads before it returns, to show progress. */
#define PULL_STEP ((uint64_t)16 << 20)

/* Pulls a plain input (a file or a pipe) and ends it: the filter's worker
 * reads it straight into its blocks. Returns 0 or a wn_error; a read
 * error has been reported (file and offset), and the input ended there. */
static int pull_input(struct wn_filter *f, struct cli_in *in, struct cli_progress *p,
		      struct run_status *rs)
{
	int rc;
	while ((rc = wn_filter_pull(f, cli_in_read, in, p->on ? PULL_STEP : 0)) == 0)
		progress_show(p, in, f);
	if (in->err[0]) {
		fprintf(stderr, "winnow: %s: %s\n", in->name, in->err);
		rs->failed = true;
	}
	return rc < 0 ? rc : 0;
}

/* Pushes an input read ahead by io.c's reader thread (gzip, or no worker
 * thread in the filter) and ends it. Returns 0 or a wn_error; a read or
 * gzip error has been reported, and the input ends where it happened. */
static int push_input(struct wn_filter *f, struct cli_in *in, struct cli_progress *p,
		      struct run_status *rs)
{
	ssize_t n;
	int rc = 0;
	const char *data;
	while ((n = cli_in_next(in, &data)) > 0) {
		rc = wn_filter_push(f, data, (size_t)n);
		/* A pipe that goes quiet gets its output now, not with the next
		 * block (the repair thread works a block ahead). */
		if (!rc && in->live && !cli_in_ready(in))
			rc = wn_filter_flush(f);
		if (rc)
			break;
		progress_show(p, in, f);
	}
	if (n < 0) {
		fprintf(stderr, "winnow: %s: %s\n", in->name, in->err);
		rs->failed = true;
	}
	return rc ? rc : wn_filter_end_input(f);
}

/* pull: a plain input goes through wn_filter_pull (the filter has a
 * worker thread to read it). */
static void feed_input(struct wn_filter *f, const char *path, bool pull, struct cli_explain *x,
		       struct cli_errors *e, struct cli_progress *p, const struct cli_out *out,
		       struct run_status *rs)
{
	struct cli_in in;
	x->input = e->input = strcmp(path, "-") == 0 ? "stdin" : path;
	e->count = 0;
	if (cli_in_open(&in, path) != 0) {
		fprintf(stderr, "winnow: %s: %s\n", x->input, in.err);
		rs->failed = true;
		cli_in_close(&in);
		return;
	}
	const int rc = pull && cli_in_pullable(&in) ? pull_input(f, &in, p, rs)
						    : push_input(f, &in, p, rs);
	if (e->count > ERRORS_SHOWN)
		fprintf(stderr, "winnow: %s: %" PRIu64 " more malformed records not shown\n", in.name,
			e->count - ERRORS_SHOWN);
	if (rc) {
		rs->stop = true;
		if (!out->broken_pipe) {
			rs->failed = true;
			if (rc == WN_E_SINK)
				fprintf(stderr, "winnow: %s: %s\n", out->name, strerror(out->errnum));
			else if (rc != WN_E_FORMAT) /* malformed records are reported as found */
				report_lib_error(f, in.name, rc);
		}
	}
	p->done += in.size ? in.size : cli_in_pos(&in);
	cli_in_close(&in);
}

static uint64_t total_size(char **inputs, int n)
{
	uint64_t total = 0;
	for (int i = 0; i < n; i++) {
		if (strcmp(inputs[i], "-") == 0)
			return 0;
		/* Only sizes of regular files are known; a pipe makes it unknown. */
		FILE *fp = fopen(inputs[i], "rb");
		if (!fp)
			continue;
		if (fseeko(fp, 0, SEEK_END) == 0)
			total += (uint64_t)ftello(fp);
		fclose(fp);
	}
	return total;
}

/* Reads the --rules files and makes the filter. Returns an exit code: a
 * malformed rule is a usage error, named by file and line. */
static int make_filter(struct cli_args *a, struct wn_filter **f_out)
{
	*f_out = NULL;
	const size_t n = (size_t)a->nrule_paths;
	struct wn_rules_text *texts = calloc(n ? n : 1, sizeof(*texts));
	int code = texts ? EXIT_OK : EXIT_FAIL;
	for (size_t i = 0; i < n && code == EXIT_OK; i++) {
		char err[CLI_ERR_MAX];
		char *text;
		texts[i].name = a->rule_paths[i];
		if (cli_read_all(a->rule_paths[i], &text, &texts[i].len, err) != 0) {
			fprintf(stderr, "winnow: %s: %s\n", a->rule_paths[i], err);
			code = EXIT_FAIL;
		}
		texts[i].text = text;
	}
	if (code == EXIT_OK) {
		struct wn_diag diag;
		a->opt.rules = texts;
		a->opt.nrules = n;
		const int rc = wn_filter_create(&a->opt, f_out, &diag);
		if (rc == WN_E_INVAL && diag.source) {
			fprintf(stderr, "winnow: %s:%zu: %s\n", diag.source, diag.line, diag.msg);
			code = EXIT_USAGE;
		} else if (rc) {
			fprintf(stderr, "winnow: %s\n", wn_strerror(rc));
			code = EXIT_FAIL;
		}
		a->opt.rules = NULL;
		a->opt.nrules = 0;
	} else if (!texts) {
		fprintf(stderr, "winnow: out of memory\n");
	}
	for (size_t i = 0; texts && i < n; i++)
		free((char *)(uintptr_t)texts[i].text);
	free(texts);
	return code;
}

/* The first of two passes: counts site-wide repeats and writes nothing. */
static void count_pass(struct wn_filter *f, char **inputs, int ninputs, bool pull,
		       struct cli_explain *x, struct cli_errors *e, struct cli_progress *p,
		       const struct cli_out *out, struct run_status *rs)
{
	int rc = wn_filter_count_begin(f);
	for (int i = 0; i < ninputs && !rc && !rs->stop; i++)
		feed_input(f, inputs[i], pull, x, e, p, out, rs);
	if (!rc && !rs->stop)
		rc = wn_filter_count_end(f);
	if (rc) {
		fprintf(stderr, "winnow: %s\n", wn_strerror(rc));
		rs->failed = true;
	}
	rs->stop |= rs->failed; /* an unreadable input is reported once */
}

/* --nav-dump: one line per judged line, "doc line prior x0 x1 ... \t text". */
static void nav_dump_line(void *ctx, const struct wn_nav_sample *s)
{
	FILE *fp = ctx;
	fprintf(fp, "%" PRIu64 "\t%zu\t%d\t", s->doc, s->line, s->prior);
	for (unsigned j = 0; j < s->nx; j++)
		fprintf(fp, j ? " %.6g" : "%.6g", (double)s->x[j]);
	fputc('\t', fp);
	for (size_t i = 0; i < s->len; i++)
		fputc(s->text[i] == '\t' || s->text[i] == '\n' ? ' ' : s->text[i], fp);
	fputc('\n', fp);
}

static int run(struct cli_args *a)
{
	static char stdin_name[] = "-";
	static char *stdin_only[] = { stdin_name };
	char **inputs = a->ninputs ? a->inputs : stdin_only;
	const int ninputs = a->ninputs ? a->ninputs : 1;
	struct cli_out out;
	struct cli_explain x = { NULL, "" };
	if (a->explain_path) {
		a->opt.explain = explain_line;
		a->opt.explain_ctx = &x;
	}
	struct cli_errors errors = { "", 0 };
	a->opt.error = report_error;
	a->opt.error_ctx = &errors;
	a->opt.write = cli_out_write;
	a->opt.write_ctx = &out;
	a->opt.seed = cli_random_seed();
	struct cli_apply apply = { 0 };
	if (a->mode == MODE_APPLY) {
		if (cli_apply_load(&apply, &a->opt, &a->shard) != 0)
			return EXIT_FAIL;
		a->opt.judge = cli_apply_judge;
		a->opt.judge_ctx = &apply;
	}
	FILE *dump = NULL;
	if (a->nav_dump_path) {
		dump = fopen(a->nav_dump_path, "w");
		if (!dump) {
			fprintf(stderr, "winnow: %s: %s\n", a->nav_dump_path, strerror(errno));
			cli_apply_free(&apply);
			return EXIT_FAIL;
		}
		a->opt.nav_dump = nav_dump_line;
		a->opt.nav_dump_ctx = dump;
	}
	struct wn_filter *f;
	const int made = make_filter(a, &f);
	if (made != EXIT_OK) {
		cli_apply_free(&apply);
		return made;
	}
	if (cli_out_open(&out, a->output, a->gzip_out, a->level) != 0) {
		cli_apply_free(&apply);
		wn_filter_free(f);
		return EXIT_FAIL;
	}
	if (a->explain_path) {
		x.fp = strcmp(a->explain_path, "-") == 0 ? stderr : fopen(a->explain_path, "w");
		if (!x.fp) {
			fprintf(stderr, "winnow: %s: %s\n", a->explain_path, strerror(errno));
			cli_out_close(&out, false);
			cli_apply_free(&apply);
			wn_filter_free(f);
			return EXIT_FAIL;
		}
	}

	cli_signals_describe(a->output, a->state_readonly ? NULL : a->state_path,
			     a->stats != STATS_NONE);
	struct cli_progress prog = { 0 };
	prog.on = a->progress == PROGRESS_ON ||
		  (a->progress == PROGRESS_AUTO && cli_isatty(STDERR_FILENO));
	prog.start = prog.last = cli_now();
	prog.total = prog.on ? total_size(inputs, ninputs) * (uint64_t)a->passes : 0;

	/* With a worker thread in the filter (two threads, repairs on), it
	 * reads plain input itself; else io.c's reader thread reads ahead. */
	const bool pull = a->opt.threads > 1 && !(a->opt.disable & WN_STAGE_REPAIR);
	struct run_status rs = { false, false };
	if (a->state_path && cli_state_load(f, a->state_path, &a->opt, a->state_readonly) != 0)
		rs.failed = rs.stop = true;
	if (a->passes == 2 && !rs.stop)
		count_pass(f, inputs, ninputs, pull, &x, &errors, &prog, &out, &rs);
	for (int i = 0; i < ninputs && !rs.stop; i++)
		feed_input(f, inputs[i], pull, &x, &errors, &prog, &out, &rs);
	if (!rs.stop) {
		const int rc = wn_filter_finish(f);
		if (rc && !out.broken_pipe) {
			rs.failed = true;
			if (rc == WN_E_SINK)
				fprintf(stderr, "winnow: %s: %s\n", out.name, strerror(out.errnum));
			else
				report_lib_error(f, out.name, rc);
		}
	}
	progress_end(&prog);
	if (a->mode == MODE_APPLY && !rs.failed && !out.broken_pipe &&
	    cli_apply_check(&apply, ninputs == 1 ? inputs[0] : "input") != 0)
		rs.failed = true;
	cli_apply_free(&apply);
	/* The state is written in full before the output is renamed into place
	 * and renamed after it: a failure at any point never leaves a state
	 * that remembers lines the output lacks. */
	struct cli_file state_out;
	bool state_ready = false;
	if (!rs.failed && !out.broken_pipe && a->state_path && !a->state_readonly) {
		state_ready = cli_state_write(f, a->state_path, &state_out) == 0;
		rs.failed = !state_ready;
	}
	const bool commit = !rs.failed && !out.broken_pipe;
	if (cli_out_close(&out, commit) != 0 && !rs.failed && !out.broken_pipe) {
		fprintf(stderr, "winnow: %s: %s\n", out.name, strerror(out.errnum));
		rs.failed = true;
	}
	cli_signals_done(commit && !rs.failed, false);
	if (state_ready && rs.failed) {
		cli_file_abort(&state_out);
	} else if (state_ready && cli_file_commit(&state_out) != 0) {
		fprintf(stderr, "winnow: %s: %s\n", a->state_path, strerror(state_out.errnum));
		rs.failed = true;
	} else if (state_ready) {
		cli_signals_done(false, true);
	}
	if (rs.failed && a->output)
		fprintf(stderr, "winnow: %s: not written\n", a->output);
	if ((rs.failed || out.broken_pipe) && a->state_path && !a->state_readonly)
		fprintf(stderr, "winnow: %s: not saved (it is as it was)\n", a->state_path);
	struct wn_stats st;
	wn_filter_stats(f, &st);
	if (a->stats != STATS_NONE && !out.broken_pipe)
		print_stats(a->stats, &st, cli_now() - prog.start, !rs.stop);
	if (!a->max_mem_set && st.seen_forgotten)
		fprintf(stderr, "winnow: note: the seen set filled the default --max-mem "
			"(%.0f MiB) and forgot %" PRIu64 " of the oldest lines; see --max-mem "
			"and --on-full\n", (double)a->opt.max_mem / 1048576.0, st.seen_forgotten);
	if (!a->max_mem_set && st.near_forgotten)
		fprintf(stderr, "winnow: note: the shingle set filled its share of the default "
			"--max-mem (%.0f MiB) and forgot %" PRIu64 " of the oldest shingles; see "
			"--max-mem and --on-full\n", (double)a->opt.max_mem / 1048576.0,
			st.near_forgotten);
	if (x.fp && x.fp != stderr && fclose(x.fp) != 0) {
		fprintf(stderr, "winnow: %s: %s\n", a->explain_path, strerror(errno));
		rs.failed = true;
	}
	wn_filter_free(f);
	if (dump && fclose(dump) != 0) {
		fprintf(stderr, "winnow: %s: %s\n", a->nav_dump_path, strerror(errno));
		rs.failed = true;
	}
	return rs.failed ? EXIT_FAIL : EXIT_OK;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "state") == 0)
		return cli_state_main(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "resolve") == 0)
		return cli_resolve_main(argc - 1, argv + 1);
	struct cli_args args;
	memset(&args, 0, sizeof(args));
	args.shard.shard = -1;
	if (argc > 1 && (strcmp(argv[1], "sign") == 0 || strcmp(argv[1], "apply") == 0)) {
		args.mode = strcmp(argv[1], "sign") == 0 ? MODE_SIGN : MODE_APPLY;
		argc--;
		argv++;
	}
	parse_args(argc, argv, &args);
	if (args.mode != MODE_FILTER) {
		/* Sharding replaces the exact seen set only: near duplicates are
		 * judged across the whole stream, which no shard sees. */
		args.opt.disable |= WN_STAGE_NEAR;
		args.opt.doc_near = 0;
	}
	cli_signals_init();
	const int code = args.mode == MODE_SIGN
				 ? cli_sign_run(&args.opt, &args.shard, args.inputs, args.ninputs)
				 : run(&args);
	free(args.rule_paths);
	return code;
}
