/* shard.c - exact line dedup split over machines. sign runs the pipeline
 * over a shard and records (fingerprint, line index) of every line the seen
 * set would judge, partitioned by fingerprint; resolve takes one partition
 * from every shard and keeps the first copy by (shard, index); apply runs
 * the pipeline over a shard again, dropping the lines resolve named. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "io.h"
#include "shard.h"

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };
enum { KIND_SIGN = 1, KIND_DROP = 2 };

#define HEAD 72
#define MAX_PARTS 4096

static const unsigned char magic[8] = { 0x89, 'W', 'N', 'S', 'H', 'R', 'D', '\n' };

/* ---- Files: a header, records, an XXH3-64 of all before it; big-endian ---- */

struct shard_file {
	uint32_t kind, shard, part, parts;
	uint64_t seed;
	uint64_t settings;    /* digest of the settings that decide line indices */
	uint64_t count;       /* records */
	uint64_t shard_lines; /* lines the shard had judged */
	unsigned char *data;  /* the whole file */
	const unsigned char *rec;
};

static void put64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (56 - 8 * i));
}

static void put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (24 - 8 * i));
}

static uint64_t get64(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)(get64(p) >> 32);
}

static size_t rec_size(uint32_t kind)
{
	return kind == KIND_SIGN ? 16 : 8;
}

/* The settings that decide which lines get an index: they must agree
 * between sign and apply. */
static uint64_t settings_digest(const struct wn_options *opt)
{
	char s[256];
	const int n = snprintf(s, sizeof(s), "key=%d repair=%d off=%" PRIx64 " min=%zu nul=%d "
			       "keyver=%d", (int)opt->key, !(opt->disable & WN_STAGE_REPAIR),
			       opt->repair_off, opt->min_chars ? opt->min_chars : WN_DEFAULT_MIN_CHARS,
			       (int)opt->nul_docs, WN_KEY_VERSION);
	return XXH3_64bits(s, (size_t)n);
}

/* Writes a whole file atomically. 0, or -1 with a message printed. */
static int write_file(const char *path, const struct shard_file *h, const uint64_t *rec,
		      size_t words_per_rec)
{
	const size_t nbytes = HEAD + (size_t)h->count * words_per_rec * 8 + 8;
	unsigned char *buf = malloc(nbytes);
	if (!buf) {
		fprintf(stderr, "winnow: %s: out of memory\n", path);
		return -1;
	}
	memset(buf, 0, HEAD);
	memcpy(buf, magic, sizeof(magic));
	put32(buf + 8, 1);
	put32(buf + 12, h->kind);
	put32(buf + 16, h->shard);
	put32(buf + 20, h->part);
	put32(buf + 24, h->parts);
	put64(buf + 32, h->seed);
	put64(buf + 40, h->settings);
	put64(buf + 48, h->count);
	put64(buf + 56, h->shard_lines);
	for (size_t i = 0; i < (size_t)h->count * words_per_rec; i++)
		put64(buf + HEAD + 8 * i, rec[i]);
	put64(buf + nbytes - 8, XXH3_64bits(buf, nbytes - 8));
	struct cli_file f;
	int rc = cli_file_create(&f, path);
	if (!rc)
		rc = cli_file_write(&f, (const char *)buf, nbytes);
	if (!rc)
		rc = cli_file_sync(&f);
	if (!rc)
		rc = cli_file_commit(&f);
	else
		cli_file_abort(&f);
	if (rc)
		fprintf(stderr, "winnow: %s: %s\n", path, strerror(f.errnum));
	free(buf);
	return rc;
}

static int read_file(const char *path, uint32_t kind, struct shard_file *h)
{
	memset(h, 0, sizeof(*h));
	int errnum;
	const int fd = cli_read_open(path, &errnum);
	if (fd < 0) {
		fprintf(stderr, "winnow: %s: %s\n", path, strerror(errnum));
		return -1;
	}
	const uint64_t size = cli_file_size(fd);
	struct cli_reader r = { fd, 0, 0 };
	h->data = size < SIZE_MAX ? malloc((size_t)size + 1) : NULL;
	uint64_t got = 0;
	long n = 1;
	while (h->data && got < size && (n = cli_read_fd(&r, h->data + got, (size_t)(size - got))) > 0)
		got += (uint64_t)n;
	cli_close(fd);
	const char *bad = NULL;
	if (!h->data)
		bad = "out of memory";
	else if (n < 0)
		bad = strerror(r.errnum);
	else if (got < 12 || memcmp(h->data, magic, sizeof(magic)) != 0)
		bad = "not a winnow sign or drop file";
	else if (get32(h->data + 8) != 1)
		bad = "made by a newer winnow";
	else if (got < HEAD + 8)
		bad = "truncated";
	if (!bad) {
		h->kind = get32(h->data + 12);
		h->shard = get32(h->data + 16);
		h->part = get32(h->data + 20);
		h->parts = get32(h->data + 24);
		h->seed = get64(h->data + 32);
		h->settings = get64(h->data + 40);
		h->count = get64(h->data + 48);
		h->shard_lines = get64(h->data + 56);
		h->rec = h->data + HEAD;
		if (h->kind != kind)
			bad = kind == KIND_SIGN ? "not a sign file" : "not a drop file";
		else if (h->count > (got - HEAD - 8) / rec_size(kind) ||
			 HEAD + h->count * rec_size(kind) + 8 != got)
			bad = HEAD + h->count * rec_size(kind) + 8 > got ? "truncated" : "corrupt";
		else if (get64(h->data + got - 8) != XXH3_64bits(h->data, (size_t)got - 8))
			bad = "corrupt (checksum mismatch)";
	}
	if (bad) {
		fprintf(stderr, "winnow: %s: %s\n", path, bad);
		free(h->data);
		h->data = NULL;
		return -1;
	}
	return 0;
}

static void file_name(char *buf, size_t cap, const char *dir, const char *kind, long shard,
		      long part)
{
	snprintf(buf, cap, "%s/%s-%ld-%ld.wns", dir, kind, shard, part);
}

/* ---- sign ------------------------------------------------------------------------- */

/* Canonical order of fingerprints (as in saved state): segment, low bits. */
static uint64_t canon(uint64_t fp)
{
	return (fp >> 52) << 52 | (fp & 0xFFFFFFFFu) << 20 | (fp >> 32 & 0xFFFFFu);
}

static uint32_t part_of(uint64_t fp, long parts)
{
	return (uint32_t)(((fp >> 52) * (uint64_t)parts) >> 12);
}

struct sign_ctx {
	uint64_t *rec; /* pairs: fingerprint, index */
	size_t n, cap;
};

static int sign_judge(void *ctx, uint64_t fp, uint64_t index)
{
	struct sign_ctx *s = ctx;
	if (s->n == s->cap) {
		const size_t cap = s->cap ? s->cap * 2 : 1 << 16;
		uint64_t *rec = realloc(s->rec, cap * 2 * sizeof(*rec));
		if (!rec)
			return WN_E_NOMEM;
		s->rec = rec;
		s->cap = cap;
	}
	s->rec[2 * s->n] = fp;
	s->rec[2 * s->n + 1] = index;
	s->n++;
	return 1;
}

static int by_fp_index(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;
	const uint64_t cx = canon(x[0]), cy = canon(y[0]);
	if (cx != cy)
		return (cx > cy) - (cx < cy);
	return (x[1] > y[1]) - (x[1] < y[1]);
}

static int discard(void *ctx, const char *p, size_t n)
{
	(void)ctx;
	(void)p;
	(void)n;
	return 0;
}

static int feed(struct wn_filter *f, const char *path)
{
	struct cli_in in;
	const char *name = strcmp(path, "-") == 0 ? "stdin" : path;
	if (cli_in_open(&in, path) != 0) {
		fprintf(stderr, "winnow: %s: %s\n", name, in.err);
		cli_in_close(&in);
		return -1;
	}
	ssize_t n;
	int lib = 0;
	const char *data;
	while ((n = cli_in_next(&in, &data)) > 0 && !(lib = wn_filter_push(f, data, (size_t)n)))
		;
	const bool read_failed = n < 0;
	if (read_failed)
		fprintf(stderr, "winnow: %s: %s\n", name, in.err);
	else if (!lib)
		lib = wn_filter_end_input(f);
	if (lib)
		fprintf(stderr, "winnow: %s: %s\n", name, wn_strerror(lib));
	cli_in_close(&in);
	return read_failed || lib ? -1 : 0;
}

int cli_sign_run(struct wn_options *opt, const struct cli_shard_opts *so, char **inputs,
		 int ninputs)
{
	if (so->shard < 0 || so->parts < 1 || so->parts > MAX_PARTS || !so->seed_set || !so->dir) {
		fprintf(stderr, "winnow: sign: needs --shard=N, --parts=P (1 to %d), --seed=HEX "
			"and --dir=DIR\nTry 'winnow --help' for more information.\n", MAX_PARTS);
		return EXIT_USAGE;
	}
	struct sign_ctx s = { NULL, 0, 0 };
	opt->write = discard;
	opt->seed = so->seed;
	opt->judge = sign_judge;
	opt->judge_ctx = &s;
	opt->max_mem = 0;
	struct wn_filter *f = wn_filter_new(opt);
	int rc = f ? 0 : -1;
	if (!f)
		fprintf(stderr, "winnow: out of memory\n");
	for (int i = 0; i < ninputs && !rc; i++)
		rc = feed(f, inputs[i]);
	if (!rc && wn_filter_finish(f) != 0)
		rc = -1;
	wn_filter_free(f);
	if (!rc)
		qsort(s.rec, s.n, 2 * sizeof(*s.rec), by_fp_index);
	size_t start = 0;
	for (long p = 0; p < so->parts && !rc; p++) {
		size_t end = start;
		while (end < s.n && part_of(s.rec[2 * end], so->parts) == (uint32_t)p)
			end++;
		const struct shard_file h = {
			.kind = KIND_SIGN, .shard = (uint32_t)so->shard, .part = (uint32_t)p,
			.parts = (uint32_t)so->parts, .seed = so->seed,
			.settings = settings_digest(opt), .count = end - start, .shard_lines = s.n,
		};
		char path[4096];
		file_name(path, sizeof(path), so->dir, "sign", so->shard, p);
		rc = write_file(path, &h, s.rec + 2 * start, 2);
		start = end;
	}
	free(s.rec);
	return rc ? EXIT_FAIL : EXIT_OK;
}

/* ---- resolve ------------------------------------------------------------------------ */

struct triple {
	uint64_t key;   /* canonical fingerprint */
	uint32_t shard;
	uint64_t index;
};

static int by_key_shard_index(const void *a, const void *b)
{
	const struct triple *x = a, *y = b;
	if (x->key != y->key)
		return (x->key > y->key) - (x->key < y->key);
	if (x->shard != y->shard)
		return (x->shard > y->shard) - (x->shard < y->shard);
	return (x->index > y->index) - (x->index < y->index);
}

static int by_u64(const void *a, const void *b)
{
	const uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

static const char resolve_usage[] =
"Usage: winnow resolve --part=P --shards=S --dir=DIR\n"
"Reads DIR/sign-N-P.wns for every shard N below S, keeps the first copy of\n"
"every line by (shard, line) and writes DIR/drop-N-P.wns for every shard.\n";

/* Reads the sign files of one partition; checks they belong together. */
static int resolve_read(const struct cli_shard_opts *so, struct shard_file *files)
{
	for (long s = 0; s < so->shards; s++) {
		char path[4096];
		file_name(path, sizeof(path), so->dir, "sign", s, so->part);
		if (read_file(path, KIND_SIGN, &files[s]) != 0)
			return -1;
		const struct shard_file *h = &files[s], *h0 = &files[0];
		const char *bad = NULL;
		if (h->shard != (uint32_t)s || h->part != (uint32_t)so->part)
			bad = "names another shard or partition than its file name";
		else if (h->parts != h0->parts || h->parts <= (uint32_t)so->part)
			bad = "made with another --parts";
		else if (h->seed != h0->seed)
			bad = "made with another --seed";
		else if (h->settings != h0->settings)
			bad = "made with other settings (--key, --min-chars, repairs or -0)";
		if (bad) {
			fprintf(stderr, "winnow: %s: %s\n", path, bad);
			return -1;
		}
	}
	return 0;
}

static int resolve(const struct cli_shard_opts *so)
{
	struct shard_file *files = calloc((size_t)so->shards, sizeof(*files));
	uint64_t **drops = calloc((size_t)so->shards, sizeof(*drops));
	size_t *ndrops = calloc((size_t)so->shards, sizeof(*ndrops));
	struct triple *t = NULL;
	int rc = files && drops && ndrops ? resolve_read(so, files) : -1;
	size_t n = 0;
	for (long s = 0; !rc && s < so->shards; s++)
		n += (size_t)files[s].count;
	if (!rc && !(t = malloc((n ? n : 1) * sizeof(*t))))
		rc = -1;
	n = 0;
	for (long s = 0; !rc && s < so->shards; s++) {
		for (uint64_t i = 0; i < files[s].count; i++)
			t[n++] = (struct triple){ canon(get64(files[s].rec + 16 * i)), (uint32_t)s,
						  get64(files[s].rec + 16 * i + 8) };
		drops[s] = malloc(((size_t)files[s].count + 1) * sizeof(**drops));
		rc = drops[s] ? 0 : -1;
	}
	if (!rc)
		qsort(t, n, sizeof(*t), by_key_shard_index);
	for (size_t i = 1; !rc && i < n; i++)
		if (t[i].key == t[i - 1].key)
			drops[t[i].shard][ndrops[t[i].shard]++] = t[i].index;
	for (long s = 0; !rc && s < so->shards; s++) {
		qsort(drops[s], ndrops[s], sizeof(**drops), by_u64);
		struct shard_file h = files[s];
		h.kind = KIND_DROP;
		h.count = ndrops[s];
		char path[4096];
		file_name(path, sizeof(path), so->dir, "drop", s, so->part);
		rc = write_file(path, &h, drops[s], 1);
	}
	for (long s = 0; s < so->shards; s++) {
		if (files)
			free(files[s].data);
		if (drops)
			free(drops[s]);
	}
	if (!files || !drops || !ndrops || (n && !t))
		fprintf(stderr, "winnow: resolve: out of memory\n");
	free(t);
	free(files);
	free(drops);
	free(ndrops);
	return rc ? EXIT_FAIL : EXIT_OK;
}

int cli_resolve_main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "part", required_argument, NULL, 'p' },
		{ "shards", required_argument, NULL, 's' },
		{ "dir", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_shard_opts so = { .part = -1, .shards = 0 };
	int c;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		char *end;
		switch (c) {
		case 'p': so.part = strtol(optarg, &end, 10); break;
		case 's': so.shards = strtol(optarg, &end, 10); break;
		case 'd': so.dir = optarg; break;
		case 'h': fputs(resolve_usage, stdout); return EXIT_OK;
		default: fputs(resolve_usage, stderr); return EXIT_USAGE;
		}
	}
	if (so.part < 0 || so.part >= MAX_PARTS || so.shards < 1 || so.shards > 1000000 ||
	    !so.dir || optind != argc) {
		fprintf(stderr, "winnow: resolve: expected --part, --shards and --dir\n%s",
			resolve_usage);
		return EXIT_USAGE;
	}
	return resolve(&so);
}

/* ---- apply -------------------------------------------------------------------------- */

int cli_apply_load(struct cli_apply *ap, const struct wn_options *opt,
		   const struct cli_shard_opts *so)
{
	memset(ap, 0, sizeof(*ap));
	if (so->shard < 0 || !so->dir) {
		fprintf(stderr, "winnow: apply: needs --shard=N and --dir=DIR\n"
			"Try 'winnow --help' for more information.\n");
		return -1;
	}
	uint32_t parts = 1;
	for (uint32_t p = 0; p < parts; p++) {
		char path[4096];
		file_name(path, sizeof(path), so->dir, "drop", so->shard, p);
		struct shard_file h;
		if (read_file(path, KIND_DROP, &h) != 0)
			return -1;
		const char *bad = NULL;
		if (p == 0)
			parts = h.parts;
		if (h.shard != (uint32_t)so->shard || h.part != p || h.parts != parts)
			bad = "names another shard or partition than its file name";
		else if (h.settings != settings_digest(opt))
			bad = "made with other settings than this run (--key, --min-chars, "
			      "repairs or -0)";
		else if (p > 0 && h.shard_lines != ap->shard_lines)
			bad = "from another signing of this shard";
		uint64_t *d = bad ? NULL : realloc(ap->drops, (ap->ndrops + h.count + 1) * sizeof(*d));
		if (!bad && !d)
			bad = "out of memory";
		if (bad) {
			fprintf(stderr, "winnow: %s: %s\n", path, bad);
			free(h.data);
			return -1;
		}
		ap->drops = d;
		for (uint64_t i = 0; i < h.count; i++)
			ap->drops[ap->ndrops++] = get64(h.rec + 8 * i);
		ap->shard_lines = h.shard_lines;
		free(h.data);
	}
	qsort(ap->drops, ap->ndrops, sizeof(*ap->drops), by_u64);
	return 0;
}

int cli_apply_judge(void *ctx, uint64_t fingerprint, uint64_t index)
{
	struct cli_apply *ap = ctx;
	(void)fingerprint;
	ap->judged = index + 1;
	if (ap->next < ap->ndrops && ap->drops[ap->next] == index) {
		ap->next++;
		return 0;
	}
	return 1;
}

int cli_apply_check(const struct cli_apply *ap, const char *name)
{
	if (ap->judged == ap->shard_lines && ap->next == ap->ndrops)
		return 0;
	fprintf(stderr, "winnow: %s: not the input that was signed as this shard (%" PRIu64
		" lines to judge; signed: %" PRIu64 ")\n", name, ap->judged, ap->shard_lines);
	return -1;
}

void cli_apply_free(struct cli_apply *ap)
{
	free(ap->drops);
	ap->drops = NULL;
}
