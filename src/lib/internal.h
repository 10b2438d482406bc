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
/* The normalized key of a line, whatever the keyer's mode, and its seeded
 * XXH3 hash; the key lives in the keyer's scratch until its next call. */
int wn_keyer_key(struct wn_keyer *k, const struct wn_line *line, struct wn_line *key_out,
		 uint64_t *hash_out);
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

#endif
