/* gen.c - deterministic benchmark input from real text: documents built of
 * lines taken from the corpora, a set share of them repeats with Zipf-like
 * popularity (site headers and footers, syndicated lines), the rest made
 * unique by inserting two corpus words. Same seed, same bytes; a smaller size
 * gives a prefix of a larger one. */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#define DEFAULT_SIZE ((uint64_t)1 << 30)
#define DEFAULT_REPEAT 40 /* percent of non-blank output lines */
#define HEAD_LINES 4      /* boilerplate lines a "site" template puts first */
#define FOOT_LINES 3      /* and last */
#define FF_EVERY 4        /* every 4th document ends with a form feed */

/* ---- growable arrays -------------------------------------------------- */

static void *grow(void *p, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return p;
	size_t n = *cap ? *cap : 1024;
	while (n < need)
		n *= 2;
	void *q = realloc(p, n * elem);
	if (!q) {
		fprintf(stderr, "gen: out of memory\n");
		exit(1);
	}
	*cap = n;
	return q;
}

struct bytes {
	char *ptr;
	size_t len;
	size_t cap;
};

static void bytes_append(struct bytes *b, const void *p, size_t n)
{
	b->ptr = grow(b->ptr, &b->cap, b->len + n, 1);
	memcpy(b->ptr + b->len, p, n);
	b->len += n;
}

/* ---- a set of 64-bit hashes (0 stands for itself as 1) ----------------- */

struct hset {
	uint64_t *slots;
	size_t mask;
	size_t count;
};

static void hset_place(uint64_t *slots, size_t mask, uint64_t h)
{
	size_t i = (size_t)h & mask;
	while (slots[i])
		i = (i + 1) & mask;
	slots[i] = h;
}

/* Adds h; true when it was not there yet. */
static bool hset_add(struct hset *s, uint64_t h)
{
	h = h ? h : 1;
	if (2 * (s->count + 1) > s->mask + 1 || !s->slots) {
		const size_t n = s->slots ? 2 * (s->mask + 1) : (size_t)1 << 16;
		uint64_t *slots = calloc(n, sizeof(*slots));
		if (!slots) {
			fprintf(stderr, "gen: out of memory\n");
			exit(1);
		}
		for (size_t i = 0; s->slots && i <= s->mask; i++)
			if (s->slots[i])
				hset_place(slots, n - 1, s->slots[i]);
		free(s->slots);
		s->slots = slots;
		s->mask = n - 1;
	}
	for (size_t i = (size_t)h & s->mask;; i = (i + 1) & s->mask) {
		if (s->slots[i] == h)
			return false;
		if (!s->slots[i]) {
			s->slots[i] = h;
			s->count++;
			return true;
		}
	}
}

/* ---- xoshiro256** seeded by splitmix64 ------------------------------- */

struct rng {
	uint64_t s[4];
};

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static void rng_seed(struct rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++) {
		uint64_t z = (seed += 0x9e3779b97f4a7c15u);
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
		r->s[i] = z ^ (z >> 31);
	}
}

static uint64_t rng_next(struct rng *r)
{
	uint64_t *s = r->s;
	const uint64_t out = rotl(s[1] * 5, 7) * 9;
	const uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return out;
}

static double rng_unit(struct rng *r)
{
	return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

static size_t rng_below(struct rng *r, size_t n)
{
	return (size_t)(rng_unit(r) * (double)n);
}

/* ---- Zipf popularity over n items in a seeded random rank order ------- */

struct zipf {
	double *cdf;     /* cdf[k]: weight of ranks 0..k, last one 1.0 */
	uint32_t *item;  /* item[k]: the item of rank k */
	size_t n;
};

static void zipf_init(struct zipf *z, size_t n, double s, struct rng *r)
{
	z->n = n;
	z->cdf = malloc(n * sizeof(*z->cdf));
	z->item = malloc(n * sizeof(*z->item));
	if (!z->cdf || !z->item) {
		fprintf(stderr, "gen: out of memory\n");
		exit(1);
	}
	double sum = 0;
	for (size_t k = 0; k < n; k++) {
		sum += 1.0 / pow((double)(k + 1), s);
		z->cdf[k] = sum;
		z->item[k] = (uint32_t)k;
	}
	for (size_t k = 0; k < n; k++)
		z->cdf[k] /= sum;
	for (size_t k = n - 1; k > 0; k--) {
		const size_t j = rng_below(r, k + 1);
		const uint32_t t = z->item[k];
		z->item[k] = z->item[j];
		z->item[j] = t;
	}
}

static uint32_t zipf_draw(const struct zipf *z, struct rng *r)
{
	const double u = rng_unit(r);
	size_t lo = 0, hi = z->n - 1;
	while (lo < hi) {
		const size_t mid = lo + (hi - lo) / 2;
		if (z->cdf[mid] < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	return z->item[lo];
}

static void zipf_free(struct zipf *z)
{
	free(z->cdf);
	free(z->item);
}

/* ---- the pool of real lines ------------------------------------------ */

struct span {
	size_t off; /* into pool.text */
	size_t len;
};

struct doc {
	size_t first; /* index into pool.lines */
	size_t nlines;
};

struct pool {
	struct bytes text;
	struct span *lines;
	size_t nlines, cap_lines;
	struct doc *docs;
	size_t ndocs, cap_docs;
	struct span *words; /* distinct lowercase ASCII words, for mutations */
	size_t nwords, cap_words;
	struct hset word_set;
};

static bool is_lower(unsigned char c)
{
	return c >= 'a' && c <= 'z';
}

/* Collects words of 4..10 lowercase letters standing alone in a line. */
static void harvest_words(struct pool *pl, size_t off, size_t len)
{
	const unsigned char *p = (const unsigned char *)pl->text.ptr + off;
	size_t i = 0;
	while (i < len) {
		while (i < len && p[i] == ' ')
			i++;
		const size_t start = i;
		while (i < len && p[i] != ' ')
			i++;
		const size_t n = i - start;
		bool ok = n >= 4 && n <= 10;
		for (size_t k = start; ok && k < i; k++)
			ok = is_lower(p[k]);
		if (ok && hset_add(&pl->word_set, XXH3_64bits(p + start, n))) {
			pl->words = grow(pl->words, &pl->cap_words, pl->nwords + 1, sizeof(*pl->words));
			pl->words[pl->nwords++] = (struct span){ off + start, n };
		}
	}
}

/* A line is kept when it has text and no control characters but tab. */
static bool usable_line(const char *p, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)p[i] < 0x20 && p[i] != '\t')
			return false;
	return true;
}

/* Adds the non-blank lines of one document's text. */
static void pool_add_doc(struct pool *pl, const char *p, size_t n)
{
	const size_t first = pl->nlines;
	const char *const end = p + n;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *stop = nl ? nl : end;
		size_t len = (size_t)(stop - p);
		while (len && (p[len - 1] == ' ' || p[len - 1] == '\t' || p[len - 1] == '\r'))
			len--;
		if (usable_line(p, len)) {
			const size_t off = pl->text.len;
			bytes_append(&pl->text, p, len);
			pl->lines = grow(pl->lines, &pl->cap_lines, pl->nlines + 1, sizeof(*pl->lines));
			pl->lines[pl->nlines++] = (struct span){ off, len };
			harvest_words(pl, off, len);
		}
		p = nl ? nl + 1 : end;
	}
	if (pl->nlines == first)
		return;
	pl->docs = grow(pl->docs, &pl->cap_docs, pl->ndocs + 1, sizeof(*pl->docs));
	pl->docs[pl->ndocs++] = (struct doc){ first, pl->nlines - first };
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static long hex4(const char *p, const char *end)
{
	if (end - p < 4)
		return -1;
	long v = 0;
	for (int i = 0; i < 4; i++) {
		const int d = hex_digit(p[i]);
		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

static void put_utf8(struct bytes *b, long cp)
{
	unsigned char u[4];
	size_t n;
	if (cp < 0x80) {
		u[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (unsigned char)(0xc0 | (cp >> 6));
		u[1] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (unsigned char)(0xe0 | (cp >> 12));
		u[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (unsigned char)(0xf0 | (cp >> 18));
		u[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	bytes_append(b, u, n);
}

/* Decodes the JSON string starting after its opening quote into out;
 * returns the position after the closing quote, or NULL if malformed. */
static const char *json_string(const char *p, const char *end, struct bytes *out)
{
	out->len = 0;
	while (p < end && *p != '"') {
		if (*p != '\\') {
			bytes_append(out, p++, 1);
			continue;
		}
		if (++p == end)
			return NULL;
		const char c = *p++;
		const char *simple = strchr("\"\\/bfnrt", c);
		if (simple && c) {
			static const char map[] = "\"\\/\b\f\n\r\t";
			bytes_append(out, &map[simple - "\"\\/bfnrt"], 1);
			continue;
		}
		if (c != 'u')
			return NULL;
		long cp = hex4(p, end);
		if (cp < 0)
			return NULL;
		p += 4;
		if (cp >= 0xd800 && cp < 0xdc00 && end - p >= 6 && p[0] == '\\' && p[1] == 'u') {
			const long lo = hex4(p + 2, end);
			if (lo >= 0xdc00 && lo < 0xe000) {
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				p += 6;
			}
		}
		if (cp >= 0xd800 && cp < 0xe000)
			cp = 0xfffd;
		put_utf8(out, cp);
	}
	return p < end ? p + 1 : NULL;
}

/* JSON Lines: the "gold" (or "text") field of each object is a document. */
static void pool_add_jsonl(struct pool *pl, const char *p, size_t n)
{
	static const char *const fields[] = { "\"gold\": \"", "\"text\": \"" };
	struct bytes s = { 0 };
	const char *const end = p + n;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *const stop = nl ? nl : end;
		for (size_t f = 0; f < 2; f++) {
			const size_t flen = strlen(fields[f]);
			const char *at = p;
			while (at + flen <= stop && memcmp(at, fields[f], flen) != 0)
				at++;
			if (at + flen > stop)
				continue;
			if (json_string(at + flen, stop, &s))
				pool_add_doc(pl, s.ptr, s.len);
			break;
		}
		p = nl ? nl + 1 : end;
	}
	free(s.ptr);
}

/* The value of header name in h[0..n), or NULL. */
static const char *header(const char *h, size_t n, const char *name)
{
	const size_t len = strlen(name);
	for (const char *p = h; p + len <= h + n;) {
		if (memcmp(p, name, len) == 0)
			return p + len;
		const char *nl = memchr(p, '\n', (size_t)(h + n - p));
		if (!nl)
			break;
		p = nl + 1;
	}
	return NULL;
}

/* WARC/WET: the body of each conversion record is a document. */
static void pool_add_wet(struct pool *pl, const char *p, size_t n)
{
	const char *const end = p + n;
	while (p < end) {
		const char *rec = p;
		while (rec + 9 <= end && memcmp(rec, "WARC/1.0\r", 9) != 0 && memcmp(rec, "WARC/1.0\n", 9) != 0)
			rec++;
		if (rec + 9 > end)
			return;
		const char *hend = rec;
		while (hend + 1 < end && !(hend[0] == '\n' && (hend[1] == '\n' ||
			(hend[1] == '\r' && hend + 2 < end && hend[2] == '\n'))))
			hend++;
		if (hend + 1 >= end)
			return;
		const char *body = hend + (hend[1] == '\n' ? 2 : 3);
		const size_t hlen = (size_t)(hend - rec);
		const char *cl = header(rec, hlen, "Content-Length:");
		const char *type = header(rec, hlen, "WARC-Type:");
		size_t blen = cl ? strtoul(cl, NULL, 10) : 0;
		if (blen > (size_t)(end - body))
			blen = (size_t)(end - body);
		if (type && strncmp(type, " conversion", 11) == 0)
			pool_add_doc(pl, body, blen);
		p = body + blen;
	}
}

static void pool_load(struct pool *pl, const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "gen: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	struct bytes b = { 0 };
	char chunk[1 << 16];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		bytes_append(&b, chunk, n);
	if (ferror(f)) {
		fprintf(stderr, "gen: %s: read error\n", path);
		exit(1);
	}
	fclose(f);
	const size_t plen = strlen(path);
	if (plen >= 6 && strcmp(path + plen - 6, ".jsonl") == 0)
		pool_add_jsonl(pl, b.ptr, b.len);
	else
		pool_add_wet(pl, b.ptr, b.len);
	free(b.ptr);
}

/* ---- generation -------------------------------------------------------- */

struct gen {
	const struct pool *pool;
	struct rng rng;
	struct zipf site;   /* which document lends its header and footer */
	struct zipf line;   /* which pool line a repeated body line is */
	struct hset seen;   /* every non-blank line written so far */
	struct bytes scratch;
	uint64_t counter;   /* numbers the unique lines' inserted words */
	FILE *out;
	uint64_t size;      /* stop once this many bytes are written */
	double repeat;      /* wanted share of repeated non-blank lines */
	uint64_t bytes, lines, nonblank, repeats, docs;
};

static void put(struct gen *g, const char *p, size_t n)
{
	if (fwrite(p, 1, n, g->out) != n) {
		fprintf(stderr, "gen: write error: %s\n", strerror(errno));
		exit(1);
	}
	g->bytes += n;
}

/* Writes a non-blank line; its terminator is '\n', or '\f' to end a document. */
static void emit(struct gen *g, const char *p, size_t n, char term)
{
	put(g, p, n);
	put(g, &term, 1);
	g->lines++;
	g->nonblank++;
	g->repeats += !hset_add(&g->seen, XXH3_64bits(p, n));
}

static void emit_pool_line(struct gen *g, size_t i)
{
	const struct span *s = &g->pool->lines[i];
	emit(g, g->pool->text.ptr + s->off, s->len, '\n');
}

static void append_word(struct gen *g, size_t w)
{
	const struct span *s = &g->pool->words[w];
	bytes_append(&g->scratch, " ", 1);
	bytes_append(&g->scratch, g->pool->text.ptr + s->off, s->len);
}

/* A line never written before: a random pool line with two or three words
 * (numbered by the counter) inserted after one of its words. */
static void emit_fresh(struct gen *g, char term)
{
	const struct pool *pl = g->pool;
	const size_t nw = pl->nwords;
	for (;;) {
		const struct span *s = &pl->lines[rng_below(&g->rng, pl->nlines)];
		const char *p = pl->text.ptr + s->off;
		size_t spaces = 0;
		for (size_t i = 0; i < s->len; i++)
			spaces += p[i] == ' ';
		size_t k = rng_below(&g->rng, spaces + 1), at = s->len;
		for (size_t i = 0; i < s->len; i++)
			if (p[i] == ' ' && k-- == 0) {
				at = i;
				break;
			}
		const uint64_t c = g->counter++;
		g->scratch.len = 0;
		bytes_append(&g->scratch, p, at);
		append_word(g, (size_t)(c % nw));
		/* (c % nw, (c / nw + 7919 c) % nw) is one-to-one for c < nw^2, and
		 * the second word changes with every line, not every nw lines. */
		append_word(g, (size_t)((c / nw + 7919 * c) % nw));
		if (c >= (uint64_t)nw * nw)
			append_word(g, (size_t)(c / nw / nw % nw));
		bytes_append(&g->scratch, p + at, s->len - at);
		const uint64_t h = XXH3_64bits(g->scratch.ptr, g->scratch.len);
		if (!hset_add(&g->seen, h))
			continue;
		put(g, g->scratch.ptr, g->scratch.len);
		put(g, &term, 1);
		g->lines++;
		g->nonblank++;
		return;
	}
}

/* A document: a site's header lines, a body where each line repeats a
 * popular line with probability p_repeat or else is new, the site's footer. */
static void emit_doc(struct gen *g, double p_repeat)
{
	const struct doc *site = &g->pool->docs[zipf_draw(&g->site, &g->rng)];
	size_t head = site->nlines / 4, foot = site->nlines / 4;
	head = head > HEAD_LINES ? HEAD_LINES : head;
	foot = foot > FOOT_LINES ? FOOT_LINES : foot;
	for (size_t i = 0; i < head; i++)
		emit_pool_line(g, site->first + i);
	const size_t body = 8 + rng_below(&g->rng, 32);
	for (size_t i = 0; i < body; i++) {
		if (rng_unit(&g->rng) < p_repeat)
			emit_pool_line(g, zipf_draw(&g->line, &g->rng));
		else
			emit_fresh(g, '\n');
	}
	for (size_t i = site->nlines - foot; i < site->nlines; i++)
		emit_pool_line(g, site->first + i);
	/* Blank lines and form feeds are layout: a line of their own each. */
	const bool ff = ++g->docs % FF_EVERY == 0;
	put(g, ff ? "\f\n" : "\n", ff ? 2 : 1);
	g->lines++;
}

/* Every line distinct, documents ended by a form feed in place of the last
 * line's newline, so no tool sees even a repeated blank line. */
static void emit_distinct_doc(struct gen *g)
{
	const size_t body = 10 + rng_below(&g->rng, 32);
	for (size_t i = 0; i + 1 < body && g->bytes < g->size; i++)
		emit_fresh(g, '\n');
	emit_fresh(g, g->bytes < g->size ? '\f' : '\n');
	g->docs++;
}

static void generate(struct gen *g)
{
	double p_repeat = g->repeat;
	while (g->bytes < g->size) {
		if (g->repeat <= 0) {
			emit_distinct_doc(g);
			continue;
		}
		emit_doc(g, p_repeat);
		/* Steer the body's repeat probability toward the wanted share. */
		const double share = (double)g->repeats / (double)g->nonblank;
		p_repeat += 0.5 * (g->repeat - share);
		p_repeat = p_repeat < 0 ? 0 : p_repeat > 1 ? 1 : p_repeat;
	}
}

static uint64_t parse_size(const char *s)
{
	char *end;
	errno = 0;
	const double v = strtod(s, &end);
	uint64_t mult = 1;
	switch (*end) {
	case 'k': case 'K': mult = (uint64_t)1 << 10; end++; break;
	case 'm': case 'M': mult = (uint64_t)1 << 20; end++; break;
	case 'g': case 'G': mult = (uint64_t)1 << 30; end++; break;
	default: break;
	}
	if (errno || end == s || *end || v <= 0) {
		fprintf(stderr, "gen: bad size '%s' (e.g. 1G, 100M, 20000000)\n", s);
		exit(2);
	}
	return (uint64_t)(v * (double)mult);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: gen [-s SIZE] [-r SEED] [-d PERCENT] [-o FILE] CORPUS_FILE...\n"
		"Writes SIZE bytes (default 1G; K, M, G are binary) of text made of the\n"
		"lines of the corpus files (*.jsonl: the gold or text field; else WET\n"
		"conversion records). PERCENT of the non-blank lines repeat earlier ones\n"
		"(default %d); -d 0 makes every line distinct.\n", DEFAULT_REPEAT);
	exit(2);
}

int main(int argc, char **argv)
{
	uint64_t size = DEFAULT_SIZE, seed = 1;
	double repeat = DEFAULT_REPEAT / 100.0;
	const char *out_path = NULL;
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i += 2) {
		if (i + 1 >= argc || argv[i][2])
			usage();
		const char *v = argv[i + 1];
		switch (argv[i][1]) {
		case 's': size = parse_size(v); break;
		case 'r': seed = strtoull(v, NULL, 10); break;
		case 'd': repeat = atof(v) / 100.0; break;
		case 'o': out_path = v; break;
		default: usage();
		}
	}
	if (i == argc || repeat < 0 || repeat >= 0.95)
		usage();

	struct pool pool = { 0 };
	for (; i < argc; i++)
		pool_load(&pool, argv[i]);
	if (pool.nlines == 0 || pool.nwords < 16) {
		fprintf(stderr, "gen: the corpus files hold too little text\n");
		return 1;
	}
	struct gen g = { .pool = &pool, .size = size, .repeat = repeat, .out = stdout };
	if (out_path && !(g.out = fopen(out_path, "wb"))) {
		fprintf(stderr, "gen: %s: %s\n", out_path, strerror(errno));
		return 1;
	}
	static char obuf[1 << 20];
	setvbuf(g.out, obuf, _IOFBF, sizeof(obuf));
	rng_seed(&g.rng, seed);
	zipf_init(&g.site, pool.ndocs, 1.1, &g.rng);
	zipf_init(&g.line, pool.nlines, 1.0, &g.rng);
	generate(&g);
	if (fclose(g.out) != 0) {
		fprintf(stderr, "gen: write error: %s\n", strerror(errno));
		return 1;
	}
	fprintf(stderr,
		"gen: %llu bytes, %llu lines (%llu non-blank), %llu documents; "
		"%llu repeats = %.1f%% of non-blank lines; pool %zu lines, %zu docs, %zu words\n",
		(unsigned long long)g.bytes, (unsigned long long)g.lines,
		(unsigned long long)g.nonblank, (unsigned long long)g.docs,
		(unsigned long long)g.repeats,
		g.nonblank ? 100.0 * (double)g.repeats / (double)g.nonblank : 0.0,
		pool.nlines, pool.ndocs, pool.nwords);
	zipf_free(&g.site);
	zipf_free(&g.line);
	free(g.seen.slots);
	free(g.scratch.ptr);
	free(pool.text.ptr);
	free(pool.lines);
	free(pool.docs);
	free(pool.words);
	free(pool.word_set.slots);
	return 0;
}
