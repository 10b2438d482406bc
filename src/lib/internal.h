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

struct wn_seen {
	struct wn_seen_seg *segs; /* WN_SEEN_SEGS of them, slots allocated lazily */
	uint16_t *touched;        /* indices of segments with count > 0 */
	uint32_t ntouched;
	uint64_t count;
	uint64_t bytes;           /* slot memory held, for --stats and limits */
};

int wn_seen_init(struct wn_seen *s);
/* Inserts h. Returns 1 if it was new, 0 if already present, or WN_E_NOMEM. */
int wn_seen_insert(struct wn_seen *s, uint64_t h);
bool wn_seen_contains(const struct wn_seen *s, uint64_t h);
/* Forgets every entry but keeps the memory for reuse. */
void wn_seen_clear(struct wn_seen *s);
void wn_seen_free(struct wn_seen *s);

/* ---- shingle.c: words of a normalized key and hashes of their windows ----- */

/* Longest shingle, in tokens, that wn_options.near_words may ask for. */
#define WN_SHINGLE_MAX 16

/* Splits the normalized key k[0..n) into tokens: a token is a run of
 * characters between spaces, except that each character of a script written
 * without spaces (Han, Hiragana, Katakana, Thai, Lao, Khmer, Myanmar, Yi) is
 * a token of its own, with any combining marks that follow it. Finds the
 * token at or after *pos: stores its start, advances *pos past it and
 * returns its length, or returns 0 when no token is left. */
size_t wn_token_next(const char *k, size_t n, size_t *pos, size_t *start_out);

/* The tokens of one line, hashed: every window of n consecutive tokens (a
 * shingle) gets a 64-bit XXH3 fingerprint. Scratch reused across lines. */
struct wn_shingler {
	struct wn_buf key;  /* the normalized key when the caller has none */
	uint64_t *shingles; /* nshingles = ntokens - n + 1 (or 0) fingerprints */
	size_t nshingles;
	size_t cap;
	size_t ntokens;
	/* Token hashes in xxHash's canonical byte order, so shingle hashes do
	 * not depend on the machine: the first and the last n - 1 tokens of the
	 * line (fewer when the line is shorter), for windows across lines. */
	uint64_t head[WN_SHINGLE_MAX];
	uint64_t tail[WN_SHINGLE_MAX];
	size_t nedge; /* min(ntokens, n - 1) */
	unsigned n;
	uint64_t seed;
};

void wn_shingler_init(struct wn_shingler *s, unsigned n, uint64_t seed);
/* Tokenizes and hashes one line. key is its normalized key, or NULL to have
 * it made here from the line's text. 0 or WN_E_NOMEM. */
int wn_shingler_run(struct wn_shingler *s, const struct wn_line *line, const char *key,
		    size_t key_len);
/* The fingerprint of a window of n canonical token hashes. */
uint64_t wn_shingle_hash(const struct wn_shingler *s, const uint64_t *window);
void wn_shingler_free(struct wn_shingler *s);

/* ---- near.c: near-duplicate paragraphs (onion) ---------------------------- */

/* A line is a near duplicate when more than a threshold share of its tokens
 * lie in shingles already seen in the scope, and more than that share of its
 * shingles were seen (all of them in a line of fewer than 2n tokens). Only
 * kept lines' shingles are remembered, in a seen set of their fingerprints. */
struct wn_near {
	struct wn_seen seen;
	uint64_t threshold_ppm; /* share of tokens, in millionths */
	unsigned n;
};

int wn_near_init(struct wn_near *nr, const struct wn_options *opt);
/* Judges the line s holds: *keep_out is false for a near duplicate (see
 * near.c; a line of fewer than n tokens is always kept); a kept line's
 * shingles are added to the set. 0 or WN_E_NOMEM. */
int wn_near_push(struct wn_near *nr, const struct wn_shingler *s, bool *keep_out);
/* Forgets every shingle (a new scope), keeping the memory for reuse. */
void wn_near_clear(struct wn_near *nr);
void wn_near_free(struct wn_near *nr);

/* ---- minhash.c: near-duplicate documents (MinHash, LSH bands) ------------- */

/* A document's signature has WN_MH_BANDS * WN_MH_ROWS minimum hashes; two
 * documents are candidates when all rows of one band agree, and duplicates
 * when the estimated Jaccard similarity of their shingle sets reaches the
 * threshold. See doc/near.md for the S-curve. */
#define WN_MH_BANDS 14
#define WN_MH_ROWS 8
#define WN_MH_BINS (WN_MH_BANDS * WN_MH_ROWS)

/* Band fingerprint -> ordinal of the first kept document with that band. */
struct wn_band_table {
	uint64_t *keys;  /* 0 = empty slot */
	uint32_t *kept;  /* ordinal among kept documents */
	size_t cap;      /* a power of two */
	size_t count;
};

struct wn_minhash {
	uint64_t bins[WN_MH_BINS]; /* the current document's minima; UINT64_MAX empty */
	uint64_t carry[WN_SHINGLE_MAX]; /* its last n - 1 token hashes */
	size_t ncarry;
	bool any;                  /* the current document has a shingle */
	struct wn_band_table bands;
	struct wn_buf sigs;        /* one byte per bin of each kept document */
	uint64_t *docs;            /* stream index of each kept document */
	size_t ndocs, docs_cap;
	double threshold;
	unsigned n;
	uint64_t seed;
};

int wn_minhash_init(struct wn_minhash *m, const struct wn_options *opt);
/* Adds the shingles of one line of the current document, including the
 * windows that span the previous line's end. */
void wn_minhash_add(struct wn_minhash *m, const struct wn_shingler *s);
/* Ends the current document, index doc in the stream: *keep_out is false
 * when may_drop and it is a near duplicate of an earlier kept document, whose
 * index goes to *match_out. A kept document's bands are remembered. A
 * document without a shingle is always kept and not remembered. 0 or
 * WN_E_NOMEM. */
int wn_minhash_end_doc(struct wn_minhash *m, uint64_t doc, bool may_drop, bool *keep_out,
		       uint64_t *match_out);
/* Memory held by the band table and the signatures. */
uint64_t wn_minhash_bytes(const struct wn_minhash *m);
void wn_minhash_free(struct wn_minhash *m);

#endif
