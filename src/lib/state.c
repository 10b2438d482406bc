/* state.c - the saved-state file: a header, a table of typed sections, the
 * sections, and an XXH3-64 checksum of all that precedes it. */
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "internal.h"

static const unsigned char magic[8] = { 0x89, 'W', 'I', 'N', 'N', 'O', 'W', '\n' };

#define HASH_XXH3 1
#define FLAG_REPAIR 1u
#define SECTION_SIZE 32
#define OPTIONAL_SECTION 0x80000000u /* readers may skip unknown ones */
#define INDEX_BYTES ((uint64_t)WN_SEEN_SEGS * 4) /* per-segment counts */
#define CHUNK ((size_t)1 << 20)

/* Every number is big-endian, so fingerprints and the checksum are stored
 * in xxHash's canonical form. */
static void put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (24 - 8 * i));
}

static void put64(unsigned char *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static uint64_t get64(const unsigned char *p)
{
	return (uint64_t)get32(p) << 32 | (uint64_t)get32(p + 4);
}

/* ---- Header ----------------------------------------------------------------- */

int wn_state_header(const void *buf, size_t len, struct wn_state_info *out)
{
	const unsigned char *p = buf;
	memset(out, 0, sizeof(*out));
	if (len < sizeof(magic) || memcmp(p, magic, sizeof(magic)) != 0)
		return WN_E_NOT_STATE;
	if (len < 12)
		return WN_E_STATE_TRUNCATED;
	out->format = get32(p + 8);
	if (out->format > WN_STATE_FORMAT)
		return WN_E_STATE_VERSION;
	if (len < WN_STATE_HEADER_SIZE)
		return WN_E_STATE_TRUNCATED;
	out->file_bytes = get64(p + 16);
	out->nsections = get32(p + 24);
	out->hash = get32(p + 28);
	out->seed = get64(p + 32);
	const uint32_t key = get32(p + 40);
	out->key = key == WN_KEY_EXACT ? WN_KEY_EXACT : WN_KEY_NORMALIZED;
	out->key_version = get32(p + 44);
	out->repair = get32(p + 48) & FLAG_REPAIR;
	out->repair_off = get64(p + 56);
	out->lines = get64(p + 64);
	out->forgotten = get64(p + 72);
	if (out->format == 0 || get32(p + 12) != WN_STATE_HEADER_SIZE || key > WN_KEY_EXACT ||
	    get32(p + 52) != WN_SEEN_SEG_BITS || out->nsections > WN_STATE_MAX_SECTIONS ||
	    out->file_bytes < WN_STATE_HEADER_SIZE + (uint64_t)out->nsections * SECTION_SIZE + 8)
		return WN_E_STATE_CORRUPT;
	return 0;
}

static void header_encode(unsigned char *p, const struct wn_state_info *in)
{
	memset(p, 0, WN_STATE_HEADER_SIZE);
	memcpy(p, magic, sizeof(magic));
	put32(p + 8, WN_STATE_FORMAT);
	put32(p + 12, WN_STATE_HEADER_SIZE);
	put64(p + 16, in->file_bytes);
	put32(p + 24, in->nsections);
	put32(p + 28, HASH_XXH3);
	put64(p + 32, in->seed);
	put32(p + 40, (uint32_t)in->key);
	put32(p + 44, WN_KEY_VERSION);
	put32(p + 48, in->repair ? FLAG_REPAIR : 0);
	put32(p + 52, WN_SEEN_SEG_BITS);
	put64(p + 56, in->repair ? in->repair_off : 0);
	put64(p + 64, in->lines);
	put64(p + 72, in->forgotten);
}

unsigned wn_state_diff(const struct wn_state_info *info, const struct wn_options *opt)
{
	const bool repair = !(opt->disable & WN_STAGE_REPAIR);
	unsigned diff = 0;
	if (info->hash != HASH_XXH3)
		diff |= WN_DIFF_HASH;
	if (info->key != opt->key)
		diff |= WN_DIFF_KEY;
	if (info->key_version != WN_KEY_VERSION)
		diff |= WN_DIFF_KEY_VERSION;
	if (info->repair != repair)
		diff |= WN_DIFF_REPAIR;
	else if (repair && info->repair_off != opt->repair_off)
		diff |= WN_DIFF_REPAIR_RULES;
	return diff;
}

/* ---- Writing ---------------------------------------------------------------- */

struct writer {
	wn_write_fn *fn;
	void *ctx;
	XXH3_state_t *xx;
	unsigned char *buf; /* CHUNK bytes */
	size_t len;
	int err;
};

static void w_flush(struct writer *w)
{
	if (w->err || !w->len)
		return;
	XXH3_64bits_update(w->xx, w->buf, w->len);
	if (w->fn(w->ctx, (const char *)w->buf, w->len) != 0)
		w->err = WN_E_SINK;
	w->len = 0;
}

/* Room for n more bytes (n <= CHUNK) at the end of the buffer. */
static unsigned char *w_room(struct writer *w, size_t n)
{
	if (CHUNK - w->len < n)
		w_flush(w);
	unsigned char *p = w->buf + w->len;
	w->len += n;
	return p;
}

static void w_index(struct writer *w, const struct wn_seen *s, bool bloom)
{
	for (uint32_t si = 0; si < WN_SEEN_SEGS; si++) {
		const struct wn_seen_seg *seg = &s->segs[si];
		put32(w_room(w, 4), bloom ? (seg->slots ? seg->nbuckets : 0) : seg->count);
	}
}

static void w_lines(struct writer *w, const struct wn_seen *s, uint64_t *scratch)
{
	w_index(w, s, false);
	for (uint32_t si = 0; si < WN_SEEN_SEGS && !w->err; si++) {
		const uint32_t n = wn_seen_export_seg(s, si, scratch);
		for (uint32_t i = 0; i < n; i++)
			put64(w_room(w, 8), scratch[i]);
	}
}

static void w_bloom(struct writer *w, const struct wn_seen *s)
{
	w_index(w, s, true);
	for (uint32_t si = 0; si < WN_SEEN_SEGS && !w->err; si++) {
		const struct wn_seen_seg *seg = &s->segs[si];
		const size_t nwords = seg->slots ? (size_t)seg->nbuckets * 8 : 0;
		for (size_t i = 0; i < nwords; i++)
			put64(w_room(w, 8), seg->slots[i]);
	}
}

/* The sections a memo saves as: one per generation, or its Bloom filter;
 * types lines or shingles, tag added to each param. Appends to gens and
 * sec; returns how many. */
static size_t plan(const struct wn_memo *m, uint32_t type, uint32_t bloom_type, uint32_t tag,
		   const struct wn_seen **gens, struct wn_state_section *sec)
{
	if (m->bloom.set) {
		gens[0] = m->bloom.set;
		sec[0] = (struct wn_state_section){ bloom_type, tag, wn_memo_count(m),
						     INDEX_BYTES + m->bloom.blocks * 64 };
		return 1;
	}
	const struct wn_seen *all[WN_MEMO_GENS];
	const unsigned ngens = wn_memo_gens(m, all);
	size_t n = 0;
	for (unsigned i = 0; i < ngens; i++) {
		if (!all[i]->count)
			continue;
		gens[n] = all[i];
		sec[n] = (struct wn_state_section){ type, tag | (uint32_t)n, all[i]->count,
						     INDEX_BYTES + all[i]->count * 8 };
		n++;
	}
	return n;
}

static bool is_bloom(uint32_t type)
{
	return type == WN_SECTION_LINES_BLOOM || type == WN_SECTION_SHINGLES_BLOOM;
}

int wn_state_save(const struct wn_memo *m, const struct wn_memo *shingles, unsigned near_words,
		  const struct wn_state_info *keying, wn_write_fn *fn, void *ctx)
{
	const struct wn_seen *gens[2 * WN_MEMO_GENS];
	struct wn_state_section sec[2 * WN_MEMO_GENS];
	size_t nsec = plan(m, WN_SECTION_LINES, WN_SECTION_LINES_BLOOM, 0, gens, sec);
	if (shingles)
		nsec += plan(shingles, WN_SECTION_SHINGLES, WN_SECTION_SHINGLES_BLOOM,
			     (uint32_t)near_words << 16, gens + nsec, sec + nsec);
	struct wn_state_info head = *keying;
	head.nsections = (uint32_t)nsec;
	head.lines = wn_memo_count(m);
	head.file_bytes = WN_STATE_HEADER_SIZE + nsec * SECTION_SIZE + 8;
	uint32_t max_seg = 0;
	for (size_t i = 0; i < nsec; i++) {
		head.file_bytes += sec[i].nbytes;
		const uint32_t ms = wn_seen_max_seg(gens[i]);
		max_seg = ms > max_seg ? ms : max_seg;
	}

	struct writer w = { fn, ctx, XXH3_createState(), malloc(CHUNK), 0, 0 };
	uint64_t *scratch = malloc(((size_t)max_seg + 1) * sizeof(*scratch));
	int rc = WN_E_NOMEM;
	if (!w.xx || !w.buf || !scratch)
		goto out_free;
	XXH3_64bits_reset(w.xx);
	header_encode(w_room(&w, WN_STATE_HEADER_SIZE), &head);
	uint64_t offset = WN_STATE_HEADER_SIZE + nsec * SECTION_SIZE;
	for (size_t i = 0; i < nsec; i++) {
		unsigned char *p = w_room(&w, SECTION_SIZE);
		put32(p, sec[i].type);
		put32(p + 4, sec[i].param);
		put64(p + 8, sec[i].count);
		put64(p + 16, offset);
		put64(p + 24, sec[i].nbytes);
		offset += sec[i].nbytes;
	}
	for (size_t i = 0; i < nsec; i++) {
		if (is_bloom(sec[i].type))
			w_bloom(&w, gens[i]);
		else
			w_lines(&w, gens[i], scratch);
	}
	w_flush(&w);
	put64(w_room(&w, 8), XXH3_64bits_digest(w.xx));
	if (!w.err && w.fn(w.ctx, (const char *)w.buf, w.len) != 0)
		w.err = WN_E_SINK;
	rc = w.err;
out_free:
	free(scratch);
	free(w.buf);
	XXH3_freeState(w.xx);
	return rc;
}

/* ---- Reading ---------------------------------------------------------------- */

static int r_fill(struct wn_state_reader *r, void *dst, size_t n, bool hash)
{
	unsigned char *p = dst;
	while (n) {
		const long got = r->fn(r->ctx, p, n);
		if (got < 0)
			return WN_E_READ;
		if (got == 0)
			return WN_E_STATE_TRUNCATED;
		if (hash)
			XXH3_64bits_update(r->xx, p, (size_t)got);
		p += got;
		n -= (size_t)got;
		r->pos += (uint64_t)got;
	}
	return 0;
}

int wn_state_open(struct wn_state_reader *r, wn_read_fn *fn, void *ctx)
{
	memset(r, 0, sizeof(*r));
	r->fn = fn;
	r->ctx = ctx;
	r->xx = XXH3_createState();
	r->buf = malloc(CHUNK);
	if (!r->xx || !r->buf)
		return WN_E_NOMEM;
	XXH3_64bits_reset(r->xx);
	unsigned char head[WN_STATE_HEADER_SIZE];
	/* The magic and version first, so a newer file says so whatever follows. */
	int rc = r_fill(r, head, 12, true);
	if (rc == WN_E_STATE_TRUNCATED)
		return wn_state_header(head, (size_t)r->pos, &r->info);
	if (!rc)
		rc = wn_state_header(head, 12, &r->info);
	if (rc != WN_E_STATE_TRUNCATED)
		return rc;
	rc = r_fill(r, head + 12, WN_STATE_HEADER_SIZE - 12, true);
	if (!rc)
		rc = wn_state_header(head, WN_STATE_HEADER_SIZE, &r->info);
	uint64_t end = WN_STATE_HEADER_SIZE + (uint64_t)r->info.nsections * SECTION_SIZE;
	for (uint32_t i = 0; !rc && i < r->info.nsections; i++) {
		unsigned char p[SECTION_SIZE];
		rc = r_fill(r, p, SECTION_SIZE, true);
		struct wn_state_section *s = &r->sec[i];
		*s = (struct wn_state_section){ get32(p), get32(p + 4), get64(p + 8), get64(p + 24) };
		/* Sections follow each other with no gaps, in table order. */
		if (!rc && (get64(p + 16) != end || s->nbytes > r->info.file_bytes - end))
			rc = WN_E_STATE_CORRUPT;
		end += s->nbytes;
		if (!rc && (s->type == WN_SECTION_LINES || s->type == WN_SECTION_SHINGLES) &&
		    (s->count > (UINT64_MAX - INDEX_BYTES) / 8 || s->nbytes != INDEX_BYTES + s->count * 8))
			rc = WN_E_STATE_CORRUPT;
		else if (!rc && s->type != WN_SECTION_LINES && s->type != WN_SECTION_LINES_BLOOM &&
			 !(s->type & OPTIONAL_SECTION))
			rc = WN_E_STATE_VERSION;
	}
	if (!rc && end + 8 != r->info.file_bytes)
		rc = WN_E_STATE_CORRUPT;
	return rc;
}

/* Reads a section's per-segment index into idx; returns the sum. */
static int r_index(struct wn_state_reader *r, uint32_t *idx, uint64_t *sum_out)
{
	const int rc = r_fill(r, r->buf, INDEX_BYTES, true);
	uint64_t sum = 0;
	for (uint32_t si = 0; si < WN_SEEN_SEGS; si++) {
		idx[si] = get32(r->buf + 4 * si);
		sum += idx[si];
	}
	*sum_out = sum;
	return rc;
}

/* Streams a section of exact fingerprints into m: a linear sweep into an
 * empty table when it fits, else one insert each (merging, or a limit). A
 * NULL m checks the order only. */
static int r_lines(struct wn_state_reader *r, const struct wn_state_section *s,
		   struct wn_memo *m, bool skip)
{
	uint32_t idx[WN_SEEN_SEGS];
	uint64_t sum;
	int rc = r_index(r, idx, &sum);
	if (rc)
		return rc;
	if (sum != s->count)
		return WN_E_STATE_CORRUPT;
	struct wn_seen *bulk = m && !skip ? wn_memo_bulk_table(m, idx) : NULL;
	struct wn_seen_fill fl;
	memset(&fl, 0, sizeof(fl));
	uint32_t si = 0, left = 0;
	uint64_t last = 0;
	for (uint64_t done = 0; done < s->count;) {
		size_t n = (size_t)(s->count - done < CHUNK / 8 ? s->count - done : CHUNK / 8);
		rc = r_fill(r, r->buf, n * 8, true);
		for (size_t i = 0; !rc && i < n; i++) {
			const uint64_t fp = get64(r->buf + 8 * i);
			while (left == 0 && si < WN_SEEN_SEGS) {
				left = idx[si++];
				if (bulk && left)
					rc = wn_seen_fill_seg(&fl, bulk, si - 1, left);
			}
			left--;
			if (rc)
				break;
			if (bulk) {
				rc = wn_seen_fill_put(&fl, fp);
			} else if (fp == 0 || wn_seen_seg_of(fp) != si - 1 || wn_seen_canon(fp) <= last) {
				rc = WN_E_STATE_CORRUPT;
			} else {
				last = wn_seen_canon(fp);
				if (m && !skip) {
					const int ins = wn_memo_insert(m, fp);
					rc = ins < 0 ? ins : 0;
				}
			}
		}
		done += n;
		if (rc)
			return rc;
	}
	return 0;
}

static int r_bloom(struct wn_state_reader *r, const struct wn_state_section *s,
		   struct wn_memo *m)
{
	uint32_t idx[WN_SEEN_SEGS];
	uint64_t blocks;
	int rc = r_index(r, idx, &blocks);
	if (rc)
		return rc;
	if (blocks > (UINT64_MAX - INDEX_BYTES) / 64 || s->nbytes != INDEX_BYTES + blocks * 64)
		return WN_E_STATE_CORRUPT;
	for (uint32_t si = 0; si < WN_SEEN_SEGS && !rc; si++) {
		if (!idx[si])
			continue;
		uint64_t *words = NULL;
		if (m)
			rc = wn_memo_bloom_seg(m, si, idx[si], &words);
		for (size_t done = 0; !rc && done < (size_t)idx[si] * 8;) {
			const size_t left = (size_t)idx[si] * 8 - done;
			const size_t n = left < CHUNK / 8 ? left : CHUNK / 8;
			rc = r_fill(r, r->buf, n * 8, true);
			for (size_t i = 0; !rc && words && i < n; i++)
				words[done + i] = get64(r->buf + 8 * i);
			done += n;
		}
	}
	if (!rc && m)
		wn_memo_bloom_done(m, s->count);
	return rc;
}

static int r_skip(struct wn_state_reader *r, uint64_t n)
{
	int rc = 0;
	while (!rc && n) {
		const size_t k = n < CHUNK ? (size_t)n : CHUNK;
		rc = r_fill(r, r->buf, k, true);
		n -= k;
	}
	return rc;
}

/* Under forget, the oldest generations that would not fit are skipped; the
 * newest is always read (entry by entry if it is too big: the filter then
 * forgets its excess as it goes). */
static uint32_t first_kept(const struct wn_state_reader *r, const struct wn_memo *m,
			   uint32_t type)
{
	if (!m || !m->max_mem || m->on_full != WN_FULL_FORGET)
		return 0;
	uint64_t need = 0;
	uint32_t first = r->info.nsections, last = r->info.nsections;
	while (first > 0) {
		const struct wn_state_section *s = &r->sec[first - 1];
		if (s->type == type) {
			need += s->count * 10 + WN_SEEN_OVERHEAD;
			if (need > m->max_mem && last < r->info.nsections)
				break;
			last = first - 1;
		}
		first--;
	}
	return first;
}

/* Shingles of this many words go into near; others are checked, not kept. */
static struct wn_memo *shingles_for(struct wn_memo *near, unsigned near_words, uint32_t param)
{
	return near && param >> 16 == near_words ? near : NULL;
}

int wn_state_read_sets(struct wn_state_reader *r, struct wn_memo *m, struct wn_memo *near,
		       unsigned near_words, uint64_t *skipped_out)
{
	const uint32_t first = first_kept(r, m, WN_SECTION_LINES);
	const uint32_t first_near = first_kept(r, near, WN_SECTION_SHINGLES);
	*skipped_out = 0;
	int rc = 0;
	for (uint32_t i = 0; !rc && i < r->info.nsections; i++) {
		const struct wn_state_section *s = &r->sec[i];
		struct wn_memo *sh = shingles_for(near, near_words, s->param);
		if (s->type == WN_SECTION_LINES) {
			rc = r_lines(r, s, m, i < first);
			if (i < first)
				*skipped_out += s->count;
		} else if (s->type == WN_SECTION_LINES_BLOOM) {
			rc = r_bloom(r, s, m);
		} else if (s->type == WN_SECTION_SHINGLES) {
			rc = r_lines(r, s, sh, i < first_near);
		} else if (s->type == WN_SECTION_SHINGLES_BLOOM) {
			/* A filter loads only into an empty set (merging two:
			 * the second's shingles are left out). */
			const bool empty = sh && sh->ngens == 1 && !sh->gen[sh->cur].count &&
					   !sh->bloom.set;
			rc = r_bloom(r, s, empty ? sh : NULL);
		} else {
			rc = r_skip(r, s->nbytes);
		}
	}
	unsigned char sum[8];
	if (!rc)
		rc = r_fill(r, sum, sizeof(sum), false);
	if (!rc && get64(sum) != XXH3_64bits_digest(r->xx))
		rc = WN_E_STATE_CORRUPT;
	if (!rc) {
		const long extra = r->fn(r->ctx, r->buf, 1);
		rc = extra < 0 ? WN_E_READ : extra > 0 ? WN_E_STATE_CORRUPT : 0;
	}
	return rc;
}

void wn_state_close(struct wn_state_reader *r)
{
	XXH3_freeState(r->xx);
	free(r->buf);
	r->xx = NULL;
	r->buf = NULL;
}

int wn_state_verify(wn_read_fn *rd, void *ctx, struct wn_state_info *info_out,
		    struct wn_state_section *sec_out, size_t max, size_t *nsec_out)
{
	struct wn_state_reader *r = malloc(sizeof(*r));
	if (!r)
		return WN_E_NOMEM;
	int rc = wn_state_open(r, rd, ctx);
	*info_out = r->info;
	*nsec_out = r->info.nsections;
	for (size_t i = 0; i < max && i < r->info.nsections; i++)
		sec_out[i] = r->sec[i];
	uint64_t skipped;
	if (!rc)
		rc = wn_state_read_sets(r, NULL, NULL, 0, &skipped);
	wn_state_close(r);
	free(r);
	return rc;
}
