/* bench_rules.c - speed of the boilerplate stage as the number of rules
 * grows: the rule table (one hash probe per word boundary) against a linear
 * scan of the same rules, and the whole pipeline with 0 to 100,000 rules.
 * Synthetic input from a seeded generator; best of 5 runs, in CPU time
 * (the machine is shared). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xxhash.h>

#include "internal.h"
#include "winnow.h"

#define NWORDS 4000
#define RUNS 5

static uint64_t rng = 0x9E3779B97F4A7C15u;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static char vocab[NWORDS][12];

static void make_words(void)
{
	for (int i = 0; i < NWORDS; i++) {
		const int n = 3 + (int)(next() % 7);
		for (int j = 0; j < n; j++)
			vocab[i][j] = (char)('a' + next() % 26);
		vocab[i][n] = '\0';
	}
}

static void put_words(struct wn_buf *b, int n)
{
	for (int i = 0; i < n; i++) {
		if (i)
			wn_buf_putc(b, ' ');
		const char *w = vocab[next() % NWORDS];
		wn_buf_append(b, w, strlen(w));
	}
}

/* Lines: 60% short (1 to 8 words, like menus and buttons), 40% paragraphs
 * of 20 to 60 words ending in a period; a document (a form feed) every 60
 * lines, about 8 KB, like a scraped page. */
static void make_input(struct wn_buf *in, size_t nbytes)
{
	for (unsigned n = 1; in->len < nbytes; n++) {
		if (n % 60 == 0)
			wn_buf_putc(in, '\f');
		if (next() % 10 < 6) {
			put_words(in, 1 + (int)(next() % 8));
		} else {
			put_words(in, 20 + (int)(next() % 41));
			wn_buf_putc(in, '.');
		}
		wn_buf_putc(in, '\n');
	}
}

/* n rules, half line: and half prefix: of 1 to 4 words. */
static void make_rules(struct wn_buf *r, int n)
{
	wn_buf_append(r, "[bench]\n", 8);
	for (int i = 0; i < n; i++) {
		const bool prefix = i & 1;
		wn_buf_append(r, prefix ? "prefix: " : "line: ", prefix ? 8 : 6);
		put_words(r, 1 + (int)(next() % 4));
		wn_buf_putc(r, '\n');
	}
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int sink(void *ctx, const char *p, size_t n)
{
	(void)p;
	*(size_t *)ctx += n;
	return 0;
}

/* The whole pipeline over the input, with the built-in rules and n more. */
static double time_pipeline(const struct wn_buf *in, const struct wn_buf *rules, bool boiler)
{
	double best = 1e30;
	for (int run = 0; run < RUNS; run++) {
		size_t out = 0;
		const struct wn_rules_text text = { "bench", rules->ptr, rules->len };
		struct wn_options opt = { .write = sink, .write_ctx = &out };
		opt.rules = rules->len ? &text : NULL;
		opt.nrules = rules->len ? 1 : 0;
		if (!boiler)
			opt.disable |= WN_STAGE_BOILERPLATE;
		struct wn_filter *f = wn_filter_new(&opt);
		if (!f)
			exit(1);
		const double t0 = now();
		if (wn_filter_push(f, in->ptr, in->len) != 0 || wn_filter_finish(f) != 0)
			exit(1);
		const double t = now() - t0;
		wn_filter_free(f);
		if (t < best)
			best = t;
	}
	return best;
}

struct keyed {
	struct wn_buf keys;   /* every line's key, one after another */
	size_t *off;
	uint64_t *hash;
	size_t n;
};

static void key_lines(const struct wn_buf *in, struct keyed *k)
{
	size_t cap = 1024;
	k->off = malloc((cap + 1) * sizeof(*k->off));
	k->hash = malloc(cap * sizeof(*k->hash));
	char tmp[4096];
	for (const char *p = in->ptr, *end = in->ptr + in->len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const size_t n = (size_t)(nl - p);
		if (*p == '\f') {
			p++;
			continue;
		}
		if (k->n == cap) {
			cap *= 2;
			k->off = realloc(k->off, (cap + 1) * sizeof(*k->off));
			k->hash = realloc(k->hash, cap * sizeof(*k->hash));
		}
		const size_t kl = wn_key_normalize(p, n < 1300 ? n : 1300, tmp, sizeof(tmp));
		k->off[k->n] = k->keys.len;
		k->hash[k->n++] = XXH3_64bits_withSeed(tmp, kl, 0);
		wn_buf_append(&k->keys, tmp, kl);
		p = nl + 1;
	}
	k->off[k->n] = k->keys.len;
}

/* The rule table alone: matches per second over the keyed lines. */
static double time_table(struct wn_rules *r, const struct keyed *k, size_t *hits)
{
	double best = 1e30;
	for (int run = 0; run < RUNS; run++) {
		size_t h = 0;
		const double t0 = now();
		for (size_t i = 0; i < k->n; i++) {
			struct wn_line key = { k->keys.ptr + k->off[i], k->off[i + 1] - k->off[i] };
			h += wn_rules_match(r, &key, &key, k->hash[i]) >= 0;
		}
		const double t = now() - t0;
		*hits = h;
		if (t < best)
			best = t;
	}
	return best;
}

/* The obvious alternative: compare every line with every rule. */
static double time_scan(const struct wn_buf *rules, const struct keyed *k, size_t *hits)
{
	struct wn_buf keys = { 0 };
	size_t *off = malloc(sizeof(*off) * (rules->len / 4 + 2));
	bool *prefix = malloc(rules->len / 4 + 2);
	size_t n = 0;
	char tmp[512];
	for (const char *p = rules->ptr, *end = p + rules->len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *colon = memchr(p, ':', (size_t)(nl - p));
		if (colon && p[0] != '[') {
			prefix[n] = p[0] == 'p';
			off[n++] = keys.len;
			wn_buf_append(&keys, tmp, wn_key_normalize(colon + 1, (size_t)(nl - colon - 1),
							       tmp, sizeof(tmp)));
		}
		p = nl + 1;
	}
	off[n] = keys.len;
	const double t0 = now();
	size_t h = 0;
	for (size_t i = 0; i < k->n; i++) {
		const char *line = k->keys.ptr + k->off[i];
		const size_t len = k->off[i + 1] - k->off[i];
		size_t words = len ? 1 : 0;
		for (size_t c = 0; c < len; c++)
			words += line[c] == ' ';
		/* As the table does: prefixes only on short lines (12 words). */
		const bool short_line = words <= WN_SHORT_WORDS &&
					len <= WN_SHORT_WORDS * WN_SHORT_BYTES_PER_WORD;
		for (size_t j = 0; j < n; j++) {
			const size_t rl = off[j + 1] - off[j];
			if ((rl == len || (prefix[j] && short_line && rl < len && line[rl] == ' ')) &&
			    memcmp(line, keys.ptr + off[j], rl) == 0) {
				h++;
				break;
			}
		}
	}
	const double t = now() - t0;
	*hits = h;
	wn_buf_free(&keys);
	free(off);
	free(prefix);
	return t;
}

int main(int argc, char **argv)
{
	const size_t mb = argc > 1 ? (size_t)atoi(argv[1]) : 16;
	make_words();
	struct wn_buf in = { 0 };
	make_input(&in, mb << 20);
	struct keyed k = { 0 };
	key_lines(&in, &k);
	printf("input: %zu MB, %zu lines (60%% short); best of %d runs\n\n", in.len >> 20, k.n,
	       RUNS);
	printf("%8s %14s %14s %12s %14s\n", "rules", "table Mlines/s", "scan Mlines/s",
	       "pipeline MB/s", "(no boiler MB/s)");
	const struct wn_buf none = { 0 };
	const double base = time_pipeline(&in, &none, false);
	static const int counts[] = { 10, 100, 1000, 10000, 100000 };
	for (size_t c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
		struct wn_buf rules = { 0 };
		make_rules(&rules, counts[c]);
		struct wn_rules r;
		wn_rules_init(&r, 0);
		if (wn_rules_add(&r, "bench", rules.ptr, rules.len, NULL) != 0)
			return 1;
		size_t hits_table, hits_scan = 0;
		const double tt = time_table(&r, &k, &hits_table);
		const double ts = counts[c] <= 10000 ? time_scan(&rules, &k, &hits_scan) : 0;
		const double tp = time_pipeline(&in, &rules, true);
		char scan[32] = "-";
		if (ts > 0)
			snprintf(scan, sizeof(scan), "%.2f", (double)k.n / ts / 1e6);
		printf("%8d %14.2f %14s %12.0f %14.0f   (%zu lines match)\n", counts[c],
		       (double)k.n / tt / 1e6, scan, (double)in.len / tp / 1e6,
		       (double)in.len / base / 1e6, hits_table);
		if (ts > 0 && hits_scan != hits_table)
			printf("   (the scan found %zu)\n", hits_scan);
		wn_rules_free(&r);
		wn_buf_free(&rules);
	}
	const double tb = time_pipeline(&in, &none, true);
	printf("\nbuilt-in rules only: pipeline %.0f MB/s\n", (double)in.len / tb / 1e6);
	return 0;
}
