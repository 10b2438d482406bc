/* libbench.c - times libwinnow alone on a file loaded into memory: the whole
 * pipeline through the public API, and each stage through its internal
 * functions, best of N runs, so a regression points at its stage. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

#if defined(__GNUC__)
#define NOINLINE __attribute__((noinline, noclone))
#else
#define NOINLINE
#endif

/* The input and what the stages are fed: line views into it. */
struct input {
	char *ptr;
	size_t len;
	struct wn_line *lines;  /* every line, as the splitter gives it */
	size_t nlines;
	struct wn_line *keyed;  /* lines the default pipeline keys: trimmed, >= min chars */
	size_t nkeyed;
	uint64_t *hashes;       /* normalized fingerprints of the keyed lines */
	size_t nhashes;         /* of keyed lines with a non-empty key */
};

struct stage {
	const char *name;
	const char *what; /* what one item is, for the table */
	/* Runs the stage once over the input; returns a count the compiler
	 * cannot drop (and a sanity figure), or a negative wn_error. */
	long long (*run)(const struct input *in);
	size_t (*items)(const struct input *in);
};

static size_t all_lines(const struct input *in)
{
	return in->nlines;
}

static size_t keyed_lines(const struct input *in)
{
	return in->nkeyed;
}

static size_t keyed_hashes(const struct input *in)
{
	return in->nhashes;
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p) {
		fprintf(stderr, "libbench: out of memory\n");
		exit(1);
	}
	return p;
}

/* ---- stages ------------------------------------------------------------ */

static long long run_memchr(const struct input *in)
{
	long long n = 0;
	const char *p = in->ptr, *const end = in->ptr + in->len;
	while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		n++;
		p++;
	}
	return n;
}

static int count_line(void *ctx, struct wn_line *line, bool end_doc)
{
	(void)end_doc;
	*(long long *)ctx += line != NULL;
	return 0;
}

static long long run_lines(const struct input *in)
{
	struct wn_lines s;
	long long n = 0;
	wn_lines_init(&s, false);
	int rc = wn_lines_push(&s, in->ptr, in->len, count_line, &n);
	if (!rc)
		rc = wn_lines_finish(&s, count_line, &n);
	wn_lines_free(&s);
	return rc ? rc : n;
}

static long long run_repair(const struct input *in)
{
	const struct wn_options opt = { 0 };
	struct wn_repair r;
	long long changed = 0;
	int rc = wn_repair_init(&r, &opt);
	for (size_t i = 0; !rc && i < in->nlines; i++) {
		struct wn_line line = in->lines[i];
		uint32_t fired;
		rc = wn_repair_push(&r, &line, &fired);
		changed += fired != 0;
	}
	wn_repair_free(&r);
	return rc ? rc : changed;
}

static long long run_punct(const struct input *in)
{
	const struct wn_options opt = { 0 };
	struct wn_punct p;
	long long changed = 0;
	int rc = wn_punct_init(&p, &opt);
	for (size_t i = 0; !rc && i < in->nlines; i++) {
		struct wn_line line = in->lines[i];
		uint32_t fired;
		rc = wn_punct_push(&p, &line, &fired);
		changed += fired != 0;
	}
	wn_punct_free(&p);
	return rc ? rc : changed;
}

/* The one pass a plain line needs (plain.c): returns the plain lines. */
static long long run_plain(const struct input *in)
{
	struct wn_buf key = { 0 };
	long long plain = 0;
	for (size_t i = 0; i < in->nlines; i++) {
		const struct wn_line *l = &in->lines[i];
		if (wn_buf_reserve(&key, 3 * l->len + WN_PLAIN_SLACK) != 0) {
			plain = WN_E_NOMEM;
			break;
		}
		size_t len;
		plain += wn_plain_key(l->ptr, l->len, true, key.ptr, &len) != 0;
	}
	wn_buf_free(&key);
	return plain;
}

static long long run_utf8_count(const struct input *in)
{
	long long n = 0;
	for (size_t i = 0; i < in->nlines; i++)
		n += wn_utf8_count(in->lines[i].ptr, in->lines[i].len) >= WN_DEFAULT_MIN_CHARS;
	return n;
}

static long long run_key(const struct input *in, enum wn_key mode)
{
	struct wn_keyer k;
	struct wn_buf key = { 0 };
	long long empty_keys = 0;
	int rc = 0;
	wn_keyer_init(&k, mode, 0);
	for (size_t i = 0; !rc && i < in->nkeyed; i++) {
		if (mode == WN_KEY_EXACT) {
			empty_keys += wn_keyer_exact(&k, &in->keyed[i]) == 0;
			continue;
		}
		uint64_t h;
		key.len = 0;
		rc = wn_keyer_key(&k, &in->keyed[i], &key, &h);
		empty_keys += key.len == 0;
	}
	wn_buf_free(&key);
	return rc ? rc : empty_keys;
}

static long long run_key_exact(const struct input *in)
{
	return run_key(in, WN_KEY_EXACT);
}

static long long run_key_normalized(const struct input *in)
{
	return run_key(in, WN_KEY_NORMALIZED);
}

static long long run_seen(const struct input *in)
{
	struct wn_seen s;
	long long fresh = 0;
	int rc = wn_seen_init(&s);
	for (size_t i = 0; !rc && i < in->nhashes; i++) {
		const int r = wn_seen_insert(&s, in->hashes[i]);
		if (r < 0)
			rc = r;
		fresh += r > 0;
	}
	wn_seen_free(&s);
	return rc ? rc : fresh;
}

static int discard(void *ctx, const char *p, size_t n)
{
	(void)p;
	*(size_t *)ctx += n;
	return 0;
}

/* The public API as the CLI drives it, in 1 MiB pushes; returns lines kept. */
static long long run_pipeline_mem(const struct input *in, enum wn_key key, unsigned disable,
				   unsigned threads, uint64_t max_mem)
{
	size_t out_bytes = 0;
	const struct wn_options opt = {
		.write = discard, .write_ctx = &out_bytes, .key = key, .disable = disable,
		.threads = threads, .max_mem = max_mem,
	};
	struct wn_filter *f = wn_filter_new(&opt);
	if (!f)
		return WN_E_NOMEM;
	const size_t chunk = (size_t)1 << 20;
	int rc = 0;
	for (size_t off = 0; !rc && off < in->len; off += chunk)
		rc = wn_filter_push(f, in->ptr + off, in->len - off < chunk ? in->len - off : chunk);
	if (!rc)
		rc = wn_filter_finish(f);
	struct wn_stats st;
	wn_filter_stats(f, &st);
	wn_filter_free(f);
	return rc ? rc : (long long)st.lines_kept;
}

static long long run_pipeline_threads(const struct input *in, enum wn_key key,
				      unsigned disable, unsigned threads)
{
	return run_pipeline_mem(in, key, disable, threads, 0);
}

static long long run_pipeline(const struct input *in, enum wn_key key, unsigned disable)
{
	return run_pipeline_threads(in, key, disable, 1);
}

/* Two threads: wall time, so on a busy machine this is noisy; not counted
 * under callgrind, which runs one thread at a time. */
static long long run_pipeline_2threads(const struct input *in)
{
	return run_pipeline_threads(in, WN_KEY_NORMALIZED, 0, 2);
}

static long long run_pipeline_default(const struct input *in)
{
	return run_pipeline(in, WN_KEY_NORMALIZED, 0);
}

static long long run_pipeline_exact(const struct input *in)
{
	return run_pipeline(in, WN_KEY_EXACT, 0);
}

/* Exact dedup alone, as --exact-only asks: no repairs, rules or near; and
 * under a memory limit, as the command line always is (its default, half
 * of the memory, is far above what this input needs), so the seen set
 * lives in its arena as it does there. */
static long long run_pipeline_raw(const struct input *in)
{
	return run_pipeline_mem(in, WN_KEY_EXACT, WN_STAGE_REPAIR | WN_STAGE_BOILERPLATE | WN_STAGE_NEAR,
				1, (uint64_t)8 << 30);
}

/* Repair, key and dedup: --no-near --no-boilerplate. */
static long long run_pipeline_repair_key(const struct input *in)
{
	return run_pipeline(in, WN_KEY_NORMALIZED, WN_STAGE_NEAR | WN_STAGE_BOILERPLATE);
}

static long long run_pipeline_no_dedup(const struct input *in)
{
	return run_pipeline(in, WN_KEY_NORMALIZED, WN_STAGE_DEDUP);
}

static const struct stage stages[] = {
	{ "memchr", "line", run_memchr, all_lines },
	{ "lines", "line", run_lines, all_lines },
	{ "repair", "line", run_repair, all_lines },
	{ "punct", "line", run_punct, all_lines },
	{ "plain", "line", run_plain, all_lines },
	{ "utf8_count", "line", run_utf8_count, all_lines },
	{ "key_exact", "keyed line", run_key_exact, keyed_lines },
	{ "key_normalized", "keyed line", run_key_normalized, keyed_lines },
	{ "seen_insert", "fingerprint", run_seen, keyed_hashes },
	{ "pipeline_exact", "line", run_pipeline_exact, all_lines },
	{ "pipeline_raw", "line", run_pipeline_raw, all_lines },
	{ "pipeline_default", "line", run_pipeline_default, all_lines },
	{ "pipeline_repair_key", "line", run_pipeline_repair_key, all_lines },
	{ "pipeline_no_dedup", "line", run_pipeline_no_dedup, all_lines },
	{ "pipeline_2threads", "line", run_pipeline_2threads, all_lines },
};
#define NSTAGES (sizeof(stages) / sizeof(stages[0]))

/* The one function callgrind measures (--toggle-collect=measured), kept
 * out of line and uncloned so it keeps that name. */
NOINLINE static long long measured(const struct stage *s, const struct input *in)
{
	return s->run(in);
}

/* ---- setup --------------------------------------------------------------- */

static void load(struct input *in, const char *path, size_t limit)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "libbench: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	size_t cap = (size_t)64 << 20;
	in->ptr = xmalloc(cap);
	in->len = 0;
	for (;;) {
		if (in->len == cap) {
			cap *= 2;
			char *p = realloc(in->ptr, cap);
			if (!p) {
				fprintf(stderr, "libbench: out of memory\n");
				exit(1);
			}
			in->ptr = p;
		}
		size_t want = cap - in->len;
		if (limit && want > limit - in->len)
			want = limit - in->len;
		const size_t n = fread(in->ptr + in->len, 1, want, f);
		in->len += n;
		if (n == 0 || (limit && in->len >= limit))
			break;
	}
	if (ferror(f)) {
		fprintf(stderr, "libbench: %s: read error\n", path);
		exit(1);
	}
	fclose(f);
}

struct collect {
	struct input *in;
	size_t cap;
};

static int collect_line(void *ctx, struct wn_line *line, bool end_doc)
{
	struct collect *c = ctx;
	(void)end_doc;
	if (!line)
		return 0;
	if (c->in->nlines == c->cap) {
		c->cap = c->cap ? 2 * c->cap : (size_t)1 << 20;
		struct wn_line *p = realloc(c->in->lines, c->cap * sizeof(*p));
		if (!p)
			return WN_E_NOMEM;
		c->in->lines = p;
	}
	c->in->lines[c->in->nlines++] = *line;
	return 0;
}

/* Splits the input once (lines point into it: the input ends with its last
 * line's terminator, the tail after it is ignored) and precomputes what the
 * later stages take: the lines the pipeline keys and their fingerprints. */
static void prepare(struct input *in)
{
	struct wn_lines s;
	struct collect c = { in, 0 };
	wn_lines_init(&s, false);
	if (wn_lines_push(&s, in->ptr, in->len, collect_line, &c) != 0) {
		fprintf(stderr, "libbench: out of memory\n");
		exit(1);
	}
	wn_lines_free(&s);

	in->keyed = xmalloc(in->nlines * sizeof(*in->keyed));
	in->hashes = xmalloc(in->nlines * sizeof(*in->hashes));
	struct wn_keyer k;
	struct wn_buf key = { 0 };
	wn_keyer_init(&k, WN_KEY_NORMALIZED, 0);
	for (size_t i = 0; i < in->nlines; i++) {
		struct wn_line line = in->lines[i];
		while (line.len && (line.ptr[line.len - 1] == ' ' || line.ptr[line.len - 1] == '\t' ||
				    line.ptr[line.len - 1] == '\r' || line.ptr[line.len - 1] == '\v'))
			line.len--;
		if (line.len == 0 || wn_utf8_count(line.ptr, line.len) < WN_DEFAULT_MIN_CHARS)
			continue;
		in->keyed[in->nkeyed++] = line;
		uint64_t h;
		key.len = 0;
		if (wn_keyer_key(&k, &line, &key, &h) != 0) {
			fprintf(stderr, "libbench: out of memory\n");
			exit(1);
		}
		if (key.len)
			in->hashes[in->nhashes++] = h;
	}
	wn_buf_free(&key);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static bool selected(const char *only, const char *name)
{
	if (!only)
		return true;
	const size_t n = strlen(name);
	for (const char *p = only; (p = strstr(p, name)) != NULL; p += n)
		if ((p == only || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
			return true;
	return false;
}

static bool any_selected(const char *only)
{
	for (size_t k = 0; k < NSTAGES; k++)
		if (selected(only, stages[k].name))
			return true;
	return false;
}

static void usage(void)
{
	fprintf(stderr, "usage: libbench [-n RUNS] [-m MAX_MB] [-s STAGE[,STAGE...]] FILE\n"
			"Stages:");
	for (size_t i = 0; i < NSTAGES; i++)
		fprintf(stderr, " %s", stages[i].name);
	fprintf(stderr, "\nPrints a tab-separated table: stage, item, items, best seconds,\n"
			"MB/s of input, M items/s, ns/item, checksum.\n");
	exit(2);
}

int main(int argc, char **argv)
{
	int runs = 3;
	size_t limit = 0;
	const char *only = NULL;
	int i = 1;
	for (; i + 1 < argc && argv[i][0] == '-' && argv[i][1] && !argv[i][2]; i += 2) {
		switch (argv[i][1]) {
		case 'n': runs = atoi(argv[i + 1]); break;
		case 'm': limit = (size_t)strtoull(argv[i + 1], NULL, 10) * 1000000; break;
		case 's': only = argv[i + 1]; break;
		default: usage();
		}
	}
	if (i + 1 != argc || runs < 1)
		usage();
	if (!any_selected(only)) {
		fprintf(stderr, "libbench: no stage in '%s'\n", only);
		usage();
	}
	struct input in = { 0 };
	load(&in, argv[i], limit);
	prepare(&in);
	fprintf(stderr, "libbench: %s: %zu bytes, %zu lines, %zu keyed, %zu fingerprints\n",
		argv[i], in.len, in.nlines, in.nkeyed, in.nhashes);

	printf("stage\titem\titems\tseconds\tMB/s\tMitems/s\tns/item\tchecksum\n");
	for (size_t k = 0; k < NSTAGES; k++) {
		const struct stage *s = &stages[k];
		if (!selected(only, s->name))
			continue;
		double best = 1e30;
		long long sum = 0;
		for (int r = 0; r < runs; r++) {
			const double t0 = now();
			sum = measured(s, &in);
			const double t = now() - t0;
			if (sum < 0) {
				fprintf(stderr, "libbench: %s: %s\n", s->name, wn_strerror((int)sum));
				return 1;
			}
			best = t < best ? t : best;
		}
		const size_t items = s->items(&in);
		printf("%s\t%s\t%zu\t%.6f\t%.1f\t%.2f\t%.2f\t%lld\n", s->name, s->what, items, best,
		       (double)in.len / best / 1e6, (double)items / best / 1e6,
		       items ? best * 1e9 / (double)items : 0.0, sum);
		fflush(stdout);
	}
	free(in.ptr);
	free(in.lines);
	free(in.keyed);
	free(in.hashes);
	return 0;
}
