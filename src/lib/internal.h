/* internal.h - shared types of libwinnow's stages: the line view, growable
 * buffers, and each stage's declarations. Only filter.c knows every stage. */
#ifndef WN_INTERNAL_H
#define WN_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "winnow.h"

/* A view of one line: not NUL-terminated, any byte allowed, no line end. */
struct wn_line {
	char *ptr;
	size_t len;
};

/* ---- buf.c: a growable byte buffer, reused across lines ----------------- */

struct wn_buf {
	char *ptr;
	size_t len;
	size_t cap;
};

/* Makes room for at least extra more bytes. 0 or WN_E_NOMEM. */
int wn_buf_reserve(struct wn_buf *b, size_t extra);
int wn_buf_append(struct wn_buf *b, const void *p, size_t n);
void wn_buf_free(struct wn_buf *b);

static inline int wn_buf_putc(struct wn_buf *b, char c)
{
	if (b->len == b->cap && wn_buf_reserve(b, 1) != 0)
		return WN_E_NOMEM;
	b->ptr[b->len++] = c;
	return 0;
}

/* ---- utf8.c: decoding ----------------------------------------------------- */

/* Decodes one UTF-8 sequence at p[0..n), n >= 1. Returns its length (1..4)
 * and the code point in *cp_out, or 0 when p does not start a valid
 * sequence (overlong, surrogate, out of range, truncated, stray byte). */
size_t wn_utf8_decode(const unsigned char *p, size_t n, int32_t *cp_out);

/* Encodes cp (a valid scalar value) into out (room for 4); returns length. */
size_t wn_utf8_encode(int32_t cp, char *out);

/* True when p[0..n) is valid UTF-8. */
bool wn_utf8_valid(const char *p, size_t n);

/* Number of code points (bytes that are not continuation bytes). */
size_t wn_utf8_count(const char *p, size_t n);

/* ---- lines.c: bytes -> lines and document ends -------------------------- */

/* Called for each complete line, with a CR before its LF removed. end_doc is
 * true when the line's terminator also ends a document (form feed, or NUL
 * with nul_docs); line is NULL when such a terminator follows a line end
 * directly (no line, only the document's end). Returns 0 or a negative
 * wn_error, which stops the splitter. */
typedef int wn_line_fn(void *ctx, struct wn_line *line, bool end_doc);

struct wn_lines {
	struct wn_buf carry; /* a partial line held between pushes */
	bool nul_docs;
};

void wn_lines_init(struct wn_lines *s, bool nul_docs);
/* Splits p[0..n) into lines, carrying an unterminated tail to the next push. */
int wn_lines_push(struct wn_lines *s, const char *p, size_t n, wn_line_fn *fn, void *ctx);
/* Hands over the unterminated tail, if any, as a last line. */
int wn_lines_finish(struct wn_lines *s, wn_line_fn *fn, void *ctx);
void wn_lines_free(struct wn_lines *s);

/* ---- repair.c: characters and encoding (invalid UTF-8, mojibake, HTML
 * entities, controls, Unicode NFC). A repair stage rewrites a line and never
 * drops it: it points *line at its own scratch when it changes anything, and
 * may put '\n' in it to break the line in two (U+2028, a lone CR). It sets a
 * bit of *fired_out for each rule that changed the line. */

struct wn_repair {
	struct wn_buf scratch;
	uint32_t off; /* rules switched off: low half of wn_options.repair_off */
};

int wn_repair_init(struct wn_repair *r, const struct wn_options *opt);
int wn_repair_push(struct wn_repair *r, struct wn_line *line, uint32_t *fired_out);
/* The name of character rule bit (0..31), or NULL. */
const char *wn_repair_char_rule_name(unsigned bit);
void wn_repair_free(struct wn_repair *r);

/* ---- punct.c: mangled punctuation (space before a period, lost space or
 * closing quote after a comma, dangling quotes). Same shape as repair. */

struct wn_punct {
	struct wn_buf scratch;
	uint32_t off; /* rules switched off: high half of wn_options.repair_off */
};

int wn_punct_init(struct wn_punct *p, const struct wn_options *opt);
int wn_punct_push(struct wn_punct *p, struct wn_line *line, uint32_t *fired_out);
const char *wn_punct_rule_name(unsigned bit);
void wn_punct_free(struct wn_punct *p);

/* ---- key.c: normalized key and fingerprint ------------------------------- */

struct wn_keyer {
	struct wn_buf scratch; /* the normalized key of the last line */
	enum wn_key mode;
	uint64_t seed;
};

void wn_keyer_init(struct wn_keyer *k, enum wn_key mode, uint64_t seed);
/* Fingerprint of a line under the keyer's mode; *empty_out is set when the
 * key has no letters or digits (such a line is layout, never deduplicated). */
int wn_keyer_hash(struct wn_keyer *k, const struct wn_line *line, uint64_t *hash_out,
		  bool *empty_out);
void wn_keyer_free(struct wn_keyer *k);

/* ---- dedup.c: the seen set of 64-bit fingerprints ------------------------ */

/* Open addressing in 64-byte buckets of eight fingerprints, split into
 * segments by the hash's top bits. Each segment grows on its own by a small
 * factor, so a resize pause is a small fraction of the table and the
 * table's load stays high (bytes per entry near 10). */
#define WN_SEEN_SEG_BITS 12
#define WN_SEEN_SEGS (1u << WN_SEEN_SEG_BITS)

struct wn_seen_seg {
	uint64_t *slots;   /* nbuckets * 8 fingerprints, 0 = empty */
	uint32_t nbuckets;
	uint32_t count;
};

/* Under a memory limit, slots come from one arena, by bumping a pointer;
 * blocks left behind by growth are holes, removed by sliding the live
 * blocks down (compaction) when the holes grow past a quarter of the live
 * bytes or the arena is full. The arena itself grows by doubling (realloc)
 * up to the limit. So the memory the process touches for the seen set never
 * exceeds the limit, whatever the C library's allocator would have made of
 * the many sizes a growing table asks for. */
#define WN_ARENA_SETS 4

struct wn_arena {
	unsigned char *raw;   /* as allocated */
	unsigned char *base;  /* raw rounded up to 64 bytes */
	uint64_t cap;         /* usable bytes from base */
	uint64_t size;        /* the limit: cap never grows past it */
	uint64_t top;         /* bytes below the bump pointer: live or holes */
	uint64_t live;        /* bytes in live blocks */
	uint64_t compactions;
	struct wn_seen *sets[WN_ARENA_SETS]; /* whose segments live here */
};

/* An empty arena that may grow to size bytes. */
void wn_arena_init(struct wn_arena *a, uint64_t size);
void wn_arena_free(struct wn_arena *a);

struct wn_seen {
	struct wn_seen_seg *segs; /* WN_SEEN_SEGS of them, slots allocated lazily */
	uint16_t *touched;        /* indices of segments with count > 0 */
	uint32_t ntouched;
	uint64_t count;
	uint64_t bytes;           /* slot memory held, for --stats and limits */
	uint64_t limit;           /* bytes may not grow past this: WN_E_LIMIT */
	struct wn_arena *arena;   /* where slots come from; NULL: malloc */
};

/* Fixed memory of a seen set besides its slots (segment table, index). */
#define WN_SEEN_OVERHEAD (WN_SEEN_SEGS * (sizeof(struct wn_seen_seg) + sizeof(uint16_t)))

int wn_seen_init(struct wn_seen *s);
/* Inserts h. Returns 1 if it was new, 0 if already present, WN_E_NOMEM, or
 * WN_E_LIMIT when holding it would take s->bytes past s->limit (the set is
 * unchanged then). */
int wn_seen_insert(struct wn_seen *s, uint64_t h);
bool wn_seen_contains(const struct wn_seen *s, uint64_t h);
/* Forgets every entry but keeps the memory for reuse. */
void wn_seen_clear(struct wn_seen *s);
void wn_seen_free(struct wn_seen *s);

/* The canonical order of fingerprints in saved state and sign files: by
 * segment (top 12 bits), then by the low 32 bits (which pick the bucket),
 * then the rest. In this order a segment's fingerprints arrive in bucket
 * order, so a table is built by a linear sweep with no probing. */
static inline uint64_t wn_seen_canon(uint64_t fp)
{
	return (fp >> 52) << 52 | (fp & 0xFFFFFFFFu) << 20 | (fp >> 32 & 0xFFFFFu);
}

static inline uint32_t wn_seen_seg_of(uint64_t fp)
{
	return (uint32_t)(fp >> (64 - WN_SEEN_SEG_BITS));
}

/* Fingerprints as stored: h, except that 0 (the empty mark) becomes 1. */
static inline uint64_t wn_seen_fp(uint64_t h)
{
	return h ? h : 1;
}

/* Bulk loading from fingerprints in canonical order, segment by segment:
 * wn_seen_fill_seg sizes an empty segment for n entries, then
 * wn_seen_fill_put places them in order. The set must be empty or the
 * segment untouched. WN_E_NOMEM, WN_E_LIMIT, or WN_E_STATE_CORRUPT when the
 * input is out of order, repeats, or belongs to another segment. */
struct wn_seen_fill {
	struct wn_seen *set;
	struct wn_seen_seg *seg; /* being filled, NULL between segments */
	uint32_t si;
	uint32_t left;           /* fingerprints still due for seg */
	size_t next;             /* next slot of the linear sweep */
	uint64_t last;           /* canonical key of the previous fingerprint */
};

int wn_seen_fill_seg(struct wn_seen_fill *fl, struct wn_seen *s, uint32_t si, uint32_t n);
int wn_seen_fill_put(struct wn_seen_fill *fl, uint64_t fp);

/* Copies segment si's fingerprints into out (room for its count) in
 * canonical order; returns how many. */
uint32_t wn_seen_export_seg(const struct wn_seen *s, uint32_t si, uint64_t *out);

/* Largest count of any segment, to size an export buffer. */
uint32_t wn_seen_max_seg(const struct wn_seen *s);

/* Slot bytes wn_seen_fill_seg gives a segment of n fingerprints. */
uint64_t wn_seen_fill_bytes(uint32_t n);

/* Gives an empty segment exactly nbuckets zeroed buckets (for Bloom blocks).
 * WN_E_NOMEM or WN_E_LIMIT. */
int wn_seen_seg_alloc(struct wn_seen *s, uint32_t si, uint32_t nbuckets);

/* Maps the low 32 bits of h onto [0, n) without a division. */
static inline uint32_t wn_seen_bucket_of(uint64_t h, uint32_t n)
{
	return (uint32_t)(((uint64_t)(uint32_t)h * n) >> 32);
}

/* ---- bloom.c: a Bloom filter in the memory of a seen set ------------------ */

/* When an exact set reaches its memory limit under on-full=bloom, each
 * segment's slots are reused in place as 64-byte blocks of a split-block
 * Bloom filter (one bit set in each of a block's eight words), so the switch
 * allocates nothing. It never forgets a line; a new line is taken for a seen
 * one with the probability that its eight bits are already set. */
struct wn_bloom {
	struct wn_seen *set;    /* its segments hold the blocks; NULL: not on */
	uint64_t blocks;        /* total 64-byte blocks */
	double fpr_sum;         /* sum over blocks of their false-positive rate */
	double expected_false;  /* expected distinct lines dropped so far */
	uint64_t held;          /* lines it held when made (exact until then) */
	uint64_t added;         /* lines taken as new since */
};

/* Turns s into a Bloom filter holding its fingerprints. WN_E_NOMEM. */
int wn_bloom_from_seen(struct wn_bloom *b, struct wn_seen *s);
/* Adopts s, whose segments already hold Bloom blocks (a loaded state). */
void wn_bloom_adopt(struct wn_bloom *b, struct wn_seen *s, uint64_t held);
/* 1 if h looked new (its bits are now set), 0 if it looked seen, or
 * WN_E_NOMEM. */
int wn_bloom_insert(struct wn_bloom *b, uint64_t h);
/* The chance that a distinct line arriving now is dropped. */
double wn_bloom_rate(const struct wn_bloom *b);
void wn_bloom_clear(struct wn_bloom *b);

/* ---- memo.c: the seen set under a memory limit ----------------------------- */

/* With no limit this is one exact table. With a limit, on_full says what
 * happens when it is reached: fail (WN_E_LIMIT), bloom (the table becomes a
 * Bloom filter of the same size), or forget: the table is split in
 * WN_MEMO_GENS generations, the newest taking inserts; when it is full the
 * oldest is cleared and reused as the newest, and a line found only in an
 * older generation is copied into the newest, so lines that keep coming back
 * are never forgotten. */
#define WN_MEMO_GENS 4

struct wn_memo {
	struct wn_seen gen[WN_MEMO_GENS]; /* a ring; gen[cur] is the newest */
	struct wn_arena arena;   /* under a limit: where all slots live */
	unsigned cur;
	unsigned ngens;       /* generations in use, the newest counted */
	bool simple;          /* one exact table: inserts go straight to it */
	struct wn_bloom bloom;
	uint64_t max_mem;     /* 0: no limit */
	enum wn_on_full on_full;
	uint64_t gen_cap;     /* entries of a full generation under forget */
	uint64_t forgotten;   /* fingerprints dropped by forget */
};

int wn_memo_init(struct wn_memo *m, uint64_t max_mem, enum wn_on_full on_full);
int wn_memo_insert_slow(struct wn_memo *m, uint64_t h);

/* Inserts h: 1 if it was new, 0 if seen, or a negative wn_error. The common
 * case (no limit, or below it) costs one table insert. */
static inline int wn_memo_insert(struct wn_memo *m, uint64_t h)
{
	if (m->simple) {
		const int rc = wn_seen_insert(&m->gen[m->cur], h);
		if (rc != WN_E_LIMIT)
			return rc;
	}
	return wn_memo_insert_slow(m, h);
}

/* Distinct fingerprints held (an estimate once a Bloom filter). */
uint64_t wn_memo_count(const struct wn_memo *m);
/* Memory held, counted against max_mem. */
uint64_t wn_memo_bytes(const struct wn_memo *m);
/* The generations from oldest to newest: fills out[] with up to
 * WN_MEMO_GENS tables and returns how many. */
unsigned wn_memo_gens(const struct wn_memo *m, const struct wn_seen **out);
/* For bulk loading a generation with these per-segment counts (oldest
 * generation first): the empty table to fill, or NULL when the entries
 * must go through wn_memo_insert instead (a Bloom filter, a non-empty
 * table, or not enough room under the limit). */
struct wn_seen *wn_memo_bulk_table(struct wn_memo *m, const uint32_t *counts);
/* Loading a saved Bloom filter into an empty set: wn_memo_bloom_seg gives
 * segment si nblocks blocks and returns their words (nblocks * 8) for the
 * caller to fill; wn_memo_bloom_done then switches the set to it, taken to
 * hold held lines. */
int wn_memo_bloom_seg(struct wn_memo *m, uint32_t si, uint32_t nblocks, uint64_t **words_out);
void wn_memo_bloom_done(struct wn_memo *m, uint64_t held);
void wn_memo_clear(struct wn_memo *m);
void wn_memo_free(struct wn_memo *m);

/* ---- state.c: the saved-state file ----------------------------------------- */

#define WN_STATE_MAX_SECTIONS 64

/* Writes m as a state file; keying gives the seed, key and repair settings
 * and the forgotten count. */
int wn_state_save(const struct wn_memo *m, const struct wn_state_info *keying,
		  wn_write_fn *fn, void *ctx);

/* Reading goes in two steps, so the settings can be checked between them:
 * wn_state_open reads the header and section table, wn_state_read_sets
 * the sections into m (NULL: only check them) and the checksum. */
struct wn_state_reader {
	wn_read_fn *fn;
	void *ctx;
	struct XXH3_state_s *xx; /* checksum of what was read so far */
	unsigned char *buf;
	uint64_t pos;
	struct wn_state_info info;
	struct wn_state_section sec[WN_STATE_MAX_SECTIONS];
};

int wn_state_open(struct wn_state_reader *r, wn_read_fn *fn, void *ctx);
/* *skipped_out gets the fingerprints of old generations left out to fit
 * the limit under on-full=forget. */
int wn_state_read_sets(struct wn_state_reader *r, struct wn_memo *m, uint64_t *skipped_out);
void wn_state_close(struct wn_state_reader *r);

#endif
