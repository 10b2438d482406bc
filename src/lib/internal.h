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

/* ---- buf.c: a growable array of code points, reused across lines ------- */

struct wn_cpbuf {
	int32_t *ptr;
	size_t len;
	size_t cap;
};

/* Makes room for at least extra more code points. 0 or WN_E_NOMEM. */
int wn_cpbuf_reserve(struct wn_cpbuf *b, size_t extra);
void wn_cpbuf_free(struct wn_cpbuf *b);

/* ---- repair.c: characters and encoding (invalid UTF-8, mojibake, HTML
 * entities, controls, Unicode NFC). A repair stage rewrites a line and never
 * drops it: it points *line at its own scratch when it changes anything, and
 * may put '\n' in it to break the line in two (U+2028, a lone CR). It sets a
 * bit of *fired_out for each rule that changed the line. */

/* Buffers of the mojibake repair (mojibake.c), reused across lines. */
struct wn_mojibake {
	struct wn_cpbuf units; /* the line re-encoded: bytes, or WILD/NONE */
	struct wn_cpbuf out;   /* the repaired line being built */
	struct wn_cpbuf win;   /* a run and its context, for local scores */
};

struct wn_repair {
	struct wn_buf scratch; /* byte passes write into the one of these two */
	struct wn_buf spare;   /* that the current text is not in */
	struct wn_buf bytes;   /* a piece re-encoded for utf8proc */
	struct wn_cpbuf cps;   /* a piece of the line as code points */
	struct wn_cpbuf tmp;   /* passes that grow a piece write here, then swap */
	struct wn_cpbuf whole; /* a piece broken into lines: the piece, */
	struct wn_cpbuf joined; /* and its lines repaired, joined by '\n' */
	struct wn_mojibake mj;
	uint32_t off; /* rules switched off: low half of wn_options.repair_off */
	enum wn_invalid invalid;
	bool nfkc;
	bool ascii;
};

int wn_repair_init(struct wn_repair *r, const struct wn_options *opt);
int wn_repair_push(struct wn_repair *r, struct wn_line *line, uint32_t *fired_out);
/* The name of character rule bit (0..31), or NULL. */
const char *wn_repair_char_rule_name(unsigned bit);
void wn_repair_free(struct wn_repair *r);

/* ---- entities.c: HTML character references ------------------------------ */

/* One HTML5 named reference: its name (without '&' and ';') and the one
 * or two code points it stands for (entity_table.c). */
struct wn_entity {
	const char *name;
	uint8_t name_len;
	uint8_t ncp;
	int32_t cp[2];
};

#define WN_ENTITY_COUNT 2125
extern const struct wn_entity wn_entities[WN_ENTITY_COUNT]; /* sorted by name */

/* True when p[0..n) may be markup, code or text about them (it holds a
 * '<'), where an entity is more likely meant literally. */
bool wn_entities_literal(const char *p, size_t n);

/* Appends p[0..n) to out with its character references decoded: named ones
 * of HTML5 ending in ';', and decimal and hex ones ending in ';'. Sets
 * *changed_out when any was. 0 or WN_E_NOMEM. */
int wn_entities_decode(const char *p, size_t n, struct wn_buf *out, bool *changed_out);

/* ---- mojibake.c: UTF-8 that was decoded with a single-byte charset ------- */

enum wn_charset {
	WN_CS_1252, /* also Latin-1: U+0080..U+009F encode as themselves */
	WN_CS_1251,
	WN_CS_1250,
	WN_CS_1257,
	WN_CS_MAC,
	WN_CS_437,
	WN_CS_COUNT
};

struct wn_charset_rev {
	uint16_t cp;
	uint8_t byte;
};

/* Bytes 0x80..0xFF of each charset, and the inverse (charset_table.c). */
extern const uint16_t wn_charset_hi[WN_CS_COUNT][128];
extern const struct wn_charset_rev wn_charset_rev[WN_CS_COUNT][128];

/* How suspicious cp[0..n) looks: the number of places where characters
 * follow each other as in UTF-8 read with a single-byte charset, and as
 * rarely in real text. 0 means nothing suspicious. */
unsigned wn_mojibake_badness(const int32_t *cp, size_t n);

/* Repairs the mojibake in b, in place: a suspicious line, or run of a line,
 * is re-encoded with a charset and decoded as UTF-8, and kept only when
 * valid and strictly less suspicious. Sets *changed_out. 0 or WN_E_NOMEM. */
int wn_mojibake_fix(struct wn_mojibake *m, struct wn_cpbuf *b, bool *changed_out);
void wn_mojibake_free(struct wn_mojibake *m);

/* ---- normalize.c: Unicode normalization and ASCII folding (utf8proc) ----- */

/* True when cp is left as it is by NFC (compat: NFKC) whatever surrounds
 * it: a quick check that lets most text skip normalization. */
bool wn_nf_stable(int32_t cp, bool compat);

/* Normalizes b to NFC (compat: NFKC), using bytes and tmp as scratch.
 * Sets *changed_out. 0 or WN_E_NOMEM. */
int wn_normalize(struct wn_cpbuf *b, struct wn_cpbuf *tmp, struct wn_buf *bytes, bool compat,
		 bool *changed_out);

/* Replaces each character of b that has an ASCII equivalent by it (letters
 * lose their marks, ligatures split, typographic punctuation becomes
 * ASCII); others stay. Sets *changed_out. 0 or WN_E_NOMEM. */
int wn_ascii_fold(struct wn_cpbuf *b, struct wn_cpbuf *tmp, bool *changed_out);

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
	enum wn_key mode;
	uint64_t seed;
};

void wn_keyer_init(struct wn_keyer *k, enum wn_key mode, uint64_t seed);
/* Fingerprint of a line under the keyer's mode. In normalized mode the key
 * is appended to *key (for the judges that read it); *empty_out is set when
 * the key has no letters or digits (such a line is layout, never
 * deduplicated). 0 or WN_E_NOMEM. */
int wn_keyer_hash(const struct wn_keyer *k, const struct wn_line *line, struct wn_buf *key,
		  uint64_t *hash_out, bool *empty_out);

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
/* Brings h's bucket toward the cache ahead of an insert or lookup. */
void wn_seen_prefetch(const struct wn_seen *s, uint64_t h);
/* Inserts h. Returns 1 if it was new, 0 if already present, or WN_E_NOMEM. */
int wn_seen_insert(struct wn_seen *s, uint64_t h);
bool wn_seen_contains(const struct wn_seen *s, uint64_t h);
/* Forgets every entry but keeps the memory for reuse. */
void wn_seen_clear(struct wn_seen *s);
void wn_seen_free(struct wn_seen *s);

#endif
