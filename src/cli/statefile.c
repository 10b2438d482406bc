/* statefile.c - saved state in the program: loading --state files with
 * messages that say what differs, saving them atomically, and the
 * `winnow state info` and `winnow state merge` subcommands. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "statefile.h"

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

static const char *key_name(enum wn_key key)
{
	return key == WN_KEY_EXACT ? "exact" : "normalized";
}

/* The --no-repair options that give these settings, into buf. */
static const char *repair_desc(bool repair, uint64_t off, char *buf, size_t cap)
{
	if (!repair)
		return "--no-repair";
	if (!off)
		return "all repairs on";
	size_t n = 0;
	buf[0] = '\0';
	for (unsigned rule = 0; rule < 64 && n < cap; rule++) {
		if (!(off >> rule & 1))
			continue;
		const char *name = wn_repair_rule_name(rule);
		n += (size_t)snprintf(buf + n, cap - n, "%s--no-repair=%s", n ? " " : "",
				      name ? name : "?");
	}
	return buf;
}

/* One line for each setting in which the state differs from this run. */
static void explain_mismatch(const char *path, const struct wn_state_info *info,
			     const struct wn_options *opt)
{
	const unsigned diff = wn_state_diff(info, opt);
	const bool repair = !(opt->disable & WN_STAGE_REPAIR);
	char a[512], b[512];
	if (diff & WN_DIFF_HASH)
		fprintf(stderr, "winnow: %s: made with hash algorithm %" PRIu32
			"; this winnow uses XXH3-64 (1)\n", path, info->hash);
	if (diff & WN_DIFF_KEY)
		fprintf(stderr, "winnow: %s: made with --key=%s; this run uses --key=%s\n", path,
			key_name(info->key), key_name(opt->key));
	if (diff & WN_DIFF_KEY_VERSION)
		fprintf(stderr, "winnow: %s: made with key version %" PRIu32 "; this winnow "
			"uses key version %d, whose fingerprints differ: start a new state\n",
			path, info->key_version, WN_KEY_VERSION);
	if (diff & (WN_DIFF_REPAIR | WN_DIFF_REPAIR_RULES))
		fprintf(stderr, "winnow: %s: made with %s; this run uses %s\n", path,
			repair_desc(info->repair, info->repair_off, a, sizeof(a)),
			repair_desc(repair, opt->repair_off, b, sizeof(b)));
	if (!diff)
		fprintf(stderr, "winnow: %s: made with another hash seed than the states "
			"loaded before it: their fingerprints do not match\n", path);
}

/* Reads the header again for the details of a failed load. */
static bool reread_header(const char *path, struct wn_state_info *info)
{
	int errnum;
	const int fd = cli_read_open(path, &errnum);
	unsigned char head[WN_STATE_HEADER_SIZE];
	struct cli_reader r = { fd, 0, 0 };
	size_t n = 0;
	long got;
	while (fd >= 0 && n < sizeof(head) && (got = cli_read_fd(&r, head + n, sizeof(head) - n)) > 0)
		n += (size_t)got;
	cli_close(fd);
	const int rc = wn_state_header(head, n, info);
	return rc == 0 || rc == WN_E_STATE_VERSION;
}

/* Prints why path could not be used. */
static void report(const char *path, int rc, const struct cli_reader *r, uint64_t size,
		   const struct wn_options *opt)
{
	struct wn_state_info info;
	const bool have_info = reread_header(path, &info);
	switch (rc) {
	case WN_E_READ:
		fprintf(stderr, "winnow: %s: %s\n", path, strerror(r->errnum));
		break;
	case WN_E_STATE_VERSION:
		if (have_info && info.format > WN_STATE_FORMAT)
			fprintf(stderr, "winnow: %s: made by a newer winnow (state format %" PRIu32
				"; this winnow reads format %d)\n", path, info.format,
				WN_STATE_FORMAT);
		else
			fprintf(stderr, "winnow: %s: holds a section this winnow does not know; "
				"made by a newer winnow?\n", path);
		break;
	case WN_E_STATE_TRUNCATED:
		fprintf(stderr, "winnow: %s: truncated state file (%" PRIu64 " of %" PRIu64
			" bytes)\n", path, size, have_info ? info.file_bytes : size);
		break;
	case WN_E_STATE_CORRUPT:
		fprintf(stderr, "winnow: %s: corrupt state file (checksum or structure check "
			"failed)\n", path);
		break;
	case WN_E_STATE_MISMATCH:
		if (have_info && opt)
			explain_mismatch(path, &info, opt);
		else
			fprintf(stderr, "winnow: %s: %s\n", path, wn_strerror(rc));
		break;
	case WN_E_LIMIT:
		fprintf(stderr, "winnow: %s: the state does not fit in --max-mem with "
			"--on-full=fail\n", path);
		break;
	default:
		fprintf(stderr, "winnow: %s: %s\n", path, wn_strerror(rc));
	}
}

int cli_state_load(struct wn_filter *f, const char *path, const struct wn_options *opt,
		   bool must_exist)
{
	int errnum;
	const int fd = cli_read_open(path, &errnum);
	if (fd < 0) {
		if (errnum == ENOENT && !must_exist)
			return 0;
		fprintf(stderr, "winnow: %s: %s\n", path, strerror(errnum));
		return -1;
	}
	struct cli_reader r = { fd, 0, 0 };
	const uint64_t size = cli_file_size(fd);
	const int rc = wn_filter_load_state(f, cli_read_fd, &r);
	cli_close(fd);
	if (rc)
		report(path, rc, &r, size, opt);
	return rc ? -1 : 0;
}

int cli_state_write(const struct wn_filter *f, const char *path, struct cli_file *out)
{
	if (cli_file_create(out, path) != 0) {
		fprintf(stderr, "winnow: %s: %s\n", path, strerror(out->errnum));
		return -1;
	}
	int rc = wn_filter_save_state(f, cli_file_write, out);
	if (!rc && cli_file_sync(out) != 0)
		rc = WN_E_SINK;
	if (rc) {
		fprintf(stderr, "winnow: %s: %s\n", path,
			out->errnum ? strerror(out->errnum) : wn_strerror(rc));
		cli_file_abort(out);
		return -1;
	}
	return 0;
}

/* ---- winnow state ------------------------------------------------------------ */

static const char state_usage[] =
"Usage: winnow state info FILE...\n"
"       winnow state merge FILE... -o OUT\n"
"info prints what each saved state holds and checks it whole; merge writes\n"
"the union of states made with the same settings and seed to OUT.\n"
"Exit status: 0 success, 1 a bad or unreadable state, 2 usage error.\n";

static int info_one(const char *path)
{
	int errnum;
	const int fd = cli_read_open(path, &errnum);
	if (fd < 0) {
		fprintf(stderr, "winnow: %s: %s\n", path, strerror(errnum));
		return EXIT_FAIL;
	}
	struct cli_reader r = { fd, 0, 0 };
	struct wn_state_info info;
	struct wn_state_section sec[16];
	size_t nsec;
	const uint64_t size = cli_file_size(fd);
	const int rc = wn_state_verify(cli_read_fd, &r, &info, sec, 16, &nsec);
	cli_close(fd);
	if (rc) {
		report(path, rc, &r, size, NULL);
		return EXIT_FAIL;
	}
	char buf[512];
	printf("%s:\n", path);
	printf("  format      %" PRIu32 ", %" PRIu64 " bytes, checksum ok\n", info.format,
	       info.file_bytes);
	printf("  hash        XXH3-64, seed %016" PRIx64 "\n", info.seed);
	printf("  key         --key=%s, key version %" PRIu32 "\n", key_name(info.key),
	       info.key_version);
	printf("  repairs     %s\n", repair_desc(info.repair, info.repair_off, buf, sizeof(buf)));
	printf("  lines       %" PRIu64 " fingerprints\n", info.lines);
	printf("  forgotten   %" PRIu64 " fingerprints, over all runs\n", info.forgotten);
	for (size_t i = 0; i < nsec && i < 16; i++) {
		if (sec[i].type == WN_SECTION_LINES)
			printf("  section     lines, generation %" PRIu32 ": %" PRIu64
			       " fingerprints, %" PRIu64 " bytes\n", sec[i].param, sec[i].count,
			       sec[i].nbytes);
		else if (sec[i].type == WN_SECTION_LINES_BLOOM)
			printf("  section     lines as a Bloom filter: about %" PRIu64
			       " lines, %" PRIu64 " bytes\n", sec[i].count, sec[i].nbytes);
		else if (sec[i].type == WN_SECTION_SHINGLES)
			printf("  section     shingles of %" PRIu32 " words, generation %" PRIu32
			       ": %" PRIu64 " fingerprints, %" PRIu64 " bytes\n", sec[i].param >> 16,
			       sec[i].param & 0xffff, sec[i].count, sec[i].nbytes);
		else if (sec[i].type == WN_SECTION_SHINGLES_BLOOM)
			printf("  section     shingles of %" PRIu32 " words as a Bloom filter: about "
			       "%" PRIu64 " shingles, %" PRIu64 " bytes\n", sec[i].param >> 16,
			       sec[i].count, sec[i].nbytes);
		else
			printf("  section     type %" PRIu32 ": %" PRIu64 " bytes\n", sec[i].type,
			       sec[i].nbytes);
	}
	return EXIT_OK;
}

static int ignore_output(void *ctx, const char *p, size_t n)
{
	(void)ctx;
	(void)p;
	(void)n;
	return 0;
}

/* Whether path holds a Bloom filter: it must be loaded first, into an empty
 * set. -1 when unreadable. */
static int has_bloom(const char *path)
{
	int errnum;
	const int fd = cli_read_open(path, &errnum);
	struct cli_reader r = { fd, 0, 0 };
	struct wn_state_info info;
	struct wn_state_section sec[16];
	size_t nsec;
	const int rc = fd < 0 ? WN_E_READ : wn_state_verify(cli_read_fd, &r, &info, sec, 16, &nsec);
	cli_close(fd);
	if (rc) {
		if (fd < 0)
			r.errnum = errnum;
		report(path, rc, &r, 0, NULL);
		return -1;
	}
	for (size_t i = 0; i < nsec && i < 16; i++)
		if (sec[i].type == WN_SECTION_LINES_BLOOM)
			return 1;
	return 0;
}

static int merge(char **paths, int n, const char *out_path)
{
	/* The settings come from the first state; the others must match. */
	int bloom_at = -1;
	for (int i = 0; i < n; i++) {
		const int b = has_bloom(paths[i]);
		if (b < 0)
			return EXIT_FAIL;
		if (b && bloom_at >= 0) {
			fprintf(stderr, "winnow: %s: cannot merge two Bloom filters (%s is one)\n",
				paths[i], paths[bloom_at]);
			return EXIT_FAIL;
		}
		if (b)
			bloom_at = i;
	}
	const int first = bloom_at >= 0 ? bloom_at : 0;
	struct wn_state_info info;
	if (!reread_header(paths[first], &info))
		return EXIT_FAIL;
	struct wn_options opt = { .write = ignore_output, .key = info.key,
				  .repair_off = info.repair_off, .seed = info.seed };
	if (!info.repair)
		opt.disable |= WN_STAGE_REPAIR;
	struct wn_filter *f = wn_filter_new(&opt);
	if (!f) {
		fprintf(stderr, "winnow: out of memory\n");
		return EXIT_FAIL;
	}
	int rc = cli_state_load(f, paths[first], &opt, true);
	for (int i = 0; i < n && !rc; i++)
		if (i != first)
			rc = cli_state_load(f, paths[i], &opt, true);
	struct cli_file out;
	if (!rc)
		rc = cli_state_write(f, out_path, &out);
	if (!rc && cli_file_commit(&out) != 0) {
		fprintf(stderr, "winnow: %s: %s\n", out_path, strerror(out.errnum));
		rc = -1;
	}
	wn_filter_free(f);
	return rc ? EXIT_FAIL : EXIT_OK;
}

int cli_state_main(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(state_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	if (strcmp(argv[1], "info") == 0 && argc > 2) {
		int status = EXIT_OK;
		for (int i = 2; i < argc; i++)
			if (info_one(argv[i]) != EXIT_OK)
				status = EXIT_FAIL;
		return status;
	}
	if (strcmp(argv[1], "merge") == 0) {
		const char *out = NULL;
		char **paths = malloc((size_t)argc * sizeof(*paths));
		int n = 0;
		for (int i = 2; paths && i < argc; i++) {
			if (strcmp(argv[i], "-o") == 0 && i + 1 < argc)
				out = argv[++i];
			else if (strncmp(argv[i], "--output=", 9) == 0)
				out = argv[i] + 9;
			else
				paths[n++] = argv[i];
		}
		int status = EXIT_USAGE;
		if (paths && out && n > 0)
			status = merge(paths, n, out);
		else
			fprintf(stderr, "winnow: state merge: expected FILE... -o OUT\n%s",
				state_usage);
		free(paths);
		return status;
	}
	fprintf(stderr, "winnow: state: unknown command '%s'\n%s", argv[1], state_usage);
	return EXIT_USAGE;
}
