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
#include "winnow.h"

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };
enum stats_mode { STATS_NONE, STATS_TEXT, STATS_JSON };
enum progress_mode { PROGRESS_AUTO, PROGRESS_ON, PROGRESS_OFF };


struct cli_args {
	struct wn_options opt;
	const char *output;
	bool gzip_out;
	int level;
	enum stats_mode stats;
	const char *explain_path; /* NULL: none; "-": stderr */
	enum progress_mode progress;
	char **inputs;
	int ninputs;
	const char **rule_paths; /* --rules FILEs, in order */
	int nrule_paths;
	int passes;              /* 2: count site-wide repeats first */
};

/* What the explain callback needs to name a line's file. */
struct cli_explain {
	FILE *fp;
	const char *input;
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
"  -0, --null            a NUL byte ends a document (a form feed always does)\n"
"\n"
"Deduplication of lines:\n"
"      --key=MODE        normalized (default: case, punctuation and spacing\n"
"                        ignored) or exact (the line's bytes)\n"
"      --scope=SCOPE     stream (default: across all input) or doc (each\n"
"                        document on its own; each file is a document)\n"
"      --min-chars=N     never drop lines shorter than N characters; default 20\n"
"      --no-dedup        keep repeated lines (exact and near)\n"
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
"\n"
"Repairs (each line is repaired before it is judged):\n"
"      --no-repair[=NAME]\n"
"                        switch off all repairs, or the rule NAME (see the\n"
"                        list at the end); may be repeated\n"
"      --invalid=ACTION  bytes that are not UTF-8 (in a line that is partly\n"
"                        UTF-8): replace (default, with U+FFFD) or drop\n"
"      --nfkc            normalize to Unicode NFKC instead of NFC\n"
"      --ascii           fold letters and punctuation to ASCII where an ASCII\n"
"                        equivalent exists (caf\u00e9 -> cafe, \u201c -> \")\n"
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
"Exit status: 0 success, 1 failure (I/O, corrupt gzip, out of memory),\n"
"2 usage error. A closed output pipe ends winnow quietly with status 0.\n";

/* The help text, then the names --no-repair takes, from the library. */
static void print_usage(void)
{
	fputs(usage_text, stdout);
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
	OPT_FREQUENT_MEM, OPT_INVALID, OPT_NFKC, OPT_ASCII, OPT_NEAR, OPT_NEAR_WORDS, OPT_NO_NEAR,
	OPT_DOC_NEAR,
};

static const struct option long_options[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "gzip", no_argument, NULL, 'z' },
	{ "level", required_argument, NULL, OPT_LEVEL },
	{ "null", no_argument, NULL, '0' },
	{ "key", required_argument, NULL, OPT_KEY },
	{ "scope", required_argument, NULL, OPT_SCOPE },
	{ "min-chars", required_argument, NULL, OPT_MIN_CHARS },
	{ "no-dedup", no_argument, NULL, OPT_NO_DEDUP },
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
	{ "invalid", required_argument, NULL, OPT_INVALID },
	{ "nfkc", no_argument, NULL, OPT_NFKC },
	{ "ascii", no_argument, NULL, OPT_ASCII },
	{ "stats", optional_argument, NULL, OPT_STATS },
	{ "explain", optional_argument, NULL, OPT_EXPLAIN },
	{ "progress", no_argument, NULL, OPT_PROGRESS },
	{ "no-progress", no_argument, NULL, OPT_NO_PROGRESS },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

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

static void parse_args(int argc, char **argv, struct cli_args *a)
{
	a->level = 6;
	a->passes = 1;
	a->rule_paths = calloc((size_t)argc, sizeof(*a->rule_paths));
	if (!a->rule_paths) {
		fprintf(stderr, "winnow: out of memory\n");
		exit(EXIT_FAIL);
	}
	int c;
	while ((c = getopt_long(argc, argv, "o:z0hV", long_options, NULL)) != -1) {
		switch (c) {
		case 'o': a->output = optarg; break;
		case 'z': a->gzip_out = true; break;
		case '0': a->opt.nul_docs = true; break;
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
	fprintf(x->fp, "%s:%" PRIu64 "\t%s\t%s\t%s\t%.*s\n", x->input, ev->line,
		ev->kind == WN_EV_DROP ? "drop" : "change", wn_reason_name(ev->reason), ev->rule,
		(int)ev->len, ev->text);
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

static void print_stats(enum stats_mode mode, const struct wn_stats *st, double secs)
{
	if (mode == STATS_JSON) {
		fprintf(stderr, "{\"docs_in\":%" PRIu64 ",\"docs_out\":%" PRIu64
			",\"lines_in\":%" PRIu64 ",\"lines_kept\":%" PRIu64 ",\"dropped\":{",
			st->docs_in, st->docs_out, st->lines_in, st->lines_kept);
		for (int r = 1; r < WN_REASON_COUNT; r++)
			fprintf(stderr, "%s\"%s\":%" PRIu64, r > 1 ? "," : "",
				wn_reason_name((enum wn_reason)r), st->dropped[r]);
		fprintf(stderr, "},\"lines_changed\":%" PRIu64 ",\"bytes_in\":%" PRIu64
			",\"bytes_out\":%" PRIu64 ",\"seen_entries\":%" PRIu64
			",\"seen_bytes\":%" PRIu64 ",\"near_entries\":%" PRIu64
			",\"near_bytes\":%" PRIu64 ",\"doc_near_docs\":%" PRIu64
			",\"doc_near_bytes\":%" PRIu64 ",\"regex_limited\":%" PRIu64
			",\"seconds\":%.3f}\n",
			st->lines_changed, st->bytes_in, st->bytes_out, st->seen_entries,
			st->seen_bytes, st->near_entries, st->near_bytes, st->doc_near_docs,
			st->doc_near_bytes, st->regex_limited, secs);
		return;
	}
	uint64_t dropped = 0;
	for (int r = 1; r < WN_REASON_COUNT; r++)
		dropped += st->dropped[r];
	fprintf(stderr, "winnow: documents  %12" PRIu64 " in %12" PRIu64 " out\n", st->docs_in,
		st->docs_out);
	fprintf(stderr, "winnow: lines      %12" PRIu64 " in %12" PRIu64 " kept %12" PRIu64
		" dropped\n", st->lines_in, st->lines_kept, dropped);
	for (int r = 1; r < WN_REASON_COUNT; r++)
		if (st->dropped[r])
			fprintf(stderr, "winnow:   %-16s %12" PRIu64 "\n",
				wn_reason_name((enum wn_reason)r), st->dropped[r]);
	fprintf(stderr, "winnow: changed    %12" PRIu64 " lines\n", st->lines_changed);
	fprintf(stderr, "winnow: bytes      %12" PRIu64 " in %12" PRIu64 " out\n", st->bytes_in,
		st->bytes_out);
	fprintf(stderr, "winnow: seen set   %12" PRIu64 " fingerprints, %.1f MiB\n",
		st->seen_entries, (double)st->seen_bytes / 1048576.0);
	fprintf(stderr, "winnow: shingles   %12" PRIu64 " fingerprints, %.1f MiB\n",
		st->near_entries, (double)st->near_bytes / 1048576.0);
	if (st->doc_near_docs || st->doc_near_bytes)
		fprintf(stderr, "winnow: doc-near   %12" PRIu64 " documents, %.1f MiB\n",
			st->doc_near_docs, (double)st->doc_near_bytes / 1048576.0);
	if (st->regex_limited)
		fprintf(stderr, "winnow: regex limit %12" PRIu64 " matches given up (lines kept)\n",
			st->regex_limited);
	fprintf(stderr, "winnow: time       %12.3f s\n", secs);
}

/* ---- The run -------------------------------------------------------------- */

/* What went wrong in a run, to pick the exit code and the message. */
struct run_status {
	bool failed;     /* an input or the library failed: exit 1 */
	bool stop;       /* nothing more can be written */
};

static void feed_input(struct wn_filter *f, const char *path, struct cli_explain *x,
		       struct cli_progress *p, const struct cli_out *out, struct run_status *rs)
{
	struct cli_in in;
	x->input = strcmp(path, "-") == 0 ? "stdin" : path;
	if (cli_in_open(&in, path) != 0) {
		fprintf(stderr, "winnow: %s: %s\n", x->input, in.err);
		rs->failed = true;
		cli_in_close(&in);
		return;
	}
	ssize_t n;
	int rc = 0;
	const char *data;
	while ((n = cli_in_next(&in, &data)) > 0) {
		rc = wn_filter_push(f, data, (size_t)n);
		if (rc)
			break;
		progress_show(p, &in, f);
	}
	if (n < 0) {
		fprintf(stderr, "winnow: %s: %s\n", in.name, in.err);
		rs->failed = true;
	}
	if (!rc)
		rc = wn_filter_end_input(f);
	if (rc) {
		rs->stop = true;
		if (!out->broken_pipe) {
			rs->failed = true;
			if (rc == WN_E_SINK)
				fprintf(stderr, "winnow: %s: %s\n", out->name, strerror(out->errnum));
			else
				fprintf(stderr, "winnow: %s: %s\n", in.name, wn_strerror(rc));
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
static void count_pass(struct wn_filter *f, char **inputs, int ninputs, struct cli_explain *x,
		       struct cli_progress *p, const struct cli_out *out, struct run_status *rs)
{
	int rc = wn_filter_count_begin(f);
	for (int i = 0; i < ninputs && !rc && !rs->stop; i++)
		feed_input(f, inputs[i], x, p, out, rs);
	if (!rc && !rs->stop)
		rc = wn_filter_count_end(f);
	if (rc) {
		fprintf(stderr, "winnow: %s\n", wn_strerror(rc));
		rs->failed = true;
	}
	rs->stop |= rs->failed; /* an unreadable input is reported once */
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
	a->opt.write = cli_out_write;
	a->opt.write_ctx = &out;
	a->opt.seed = cli_random_seed();
	struct wn_filter *f;
	const int made = make_filter(a, &f);
	if (made != EXIT_OK)
		return made;
	if (cli_out_open(&out, a->output, a->gzip_out, a->level) != 0) {
		wn_filter_free(f);
		return EXIT_FAIL;
	}
	if (a->explain_path) {
		x.fp = strcmp(a->explain_path, "-") == 0 ? stderr : fopen(a->explain_path, "w");
		if (!x.fp) {
			fprintf(stderr, "winnow: %s: %s\n", a->explain_path, strerror(errno));
			cli_out_close(&out, false);
			wn_filter_free(f);
			return EXIT_FAIL;
		}
	}

	struct cli_progress prog = { 0 };
	prog.on = a->progress == PROGRESS_ON ||
		  (a->progress == PROGRESS_AUTO && cli_isatty(STDERR_FILENO));
	prog.start = prog.last = cli_now();
	prog.total = prog.on ? total_size(inputs, ninputs) * (uint64_t)a->passes : 0;

	struct run_status rs = { false, false };
	if (a->passes == 2)
		count_pass(f, inputs, ninputs, &x, &prog, &out, &rs);
	for (int i = 0; i < ninputs && !rs.stop; i++)
		feed_input(f, inputs[i], &x, &prog, &out, &rs);
	if (!rs.stop) {
		const int rc = wn_filter_finish(f);
		if (rc && !out.broken_pipe) {
			rs.failed = true;
			fprintf(stderr, "winnow: %s: %s\n", out.name,
				rc == WN_E_SINK ? strerror(out.errnum) : wn_strerror(rc));
		}
	}
	progress_end(&prog);
	const bool commit = !rs.failed && !out.broken_pipe;
	if (cli_out_close(&out, commit) != 0 && !rs.failed && !out.broken_pipe) {
		fprintf(stderr, "winnow: %s: %s\n", out.name, strerror(out.errnum));
		rs.failed = true;
	}
	if (rs.failed && a->output)
		fprintf(stderr, "winnow: %s: not written\n", a->output);
	if (f && a->stats != STATS_NONE && !out.broken_pipe) {
		struct wn_stats st;
		wn_filter_stats(f, &st);
		print_stats(a->stats, &st, cli_now() - prog.start);
	}
	if (x.fp && x.fp != stderr && fclose(x.fp) != 0) {
		fprintf(stderr, "winnow: %s: %s\n", a->explain_path, strerror(errno));
		rs.failed = true;
	}
	wn_filter_free(f);
	return rs.failed ? EXIT_FAIL : EXIT_OK;
}

int main(int argc, char **argv)
{
	struct cli_args args;
	memset(&args, 0, sizeof(args));
	parse_args(argc, argv, &args);
	cli_signals_init();
	const int code = run(&args);
	free(args.rule_paths);
	return code;
}
