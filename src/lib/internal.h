/* internal.h - shared types of libwinnow's stages: the line view, growable
 * buffers, and each stage's declarations. Only filter.c knows every stage. */
#ifndef WN_INTERNAL_H
#define WN_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "winnow.h"

/* ---- Small shared bit functions ------------------------------------------- */

/* The splitmix64 finalizer: a bijection of 64 bits in which every input bit
 * moves every output bit. Fixed, so the same on every machine. */
static inline uint64_t wn_mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= UINT64_C(0xbf58476d1ce4e5b9);
	x ^= x >> 27;
	x *= UINT64_C(0x94d049bb133111eb);
	return x ^ (x >> 31);
}

static inline unsigned wn_popcount64(uint64_t x)
{
	x -= (x >> 1) & UINT64_C(0x5555555555555555);
	x = (x & UINT64_C(0x3333333333333333)) + ((x >> 2) & UINT64_C(0x3333333333333333));
	x = (x + (x >> 4)) & UINT64_C(0x0f0f0f0f0f0f0f0f);
	return (unsigned)((x * UINT64_C(0x0101010101010101)) >> 56);
}

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
/* Buffers that read(2) fills: the kernel copies into one 16 bytes past a
 * 32-byte boundary, as malloc's large blocks are, at a quarter of the speed
 * (1.2 against 5 - 6 GB/s on this project's machine: bench/README.md,
 * "read(2) into aligned blocks"). */
#define WN_READ_ALIGN 64
/* Room for cap bytes in all; an empty, unallocated buffer gets it aligned
 * to WN_READ_ALIGN (and keeps it, unless it must grow past cap). */
int wn_buf_reserve_aligned(struct wn_buf *b, size_t cap);
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

/* wn_utf8_decode, with the two- and three-byte sequences whose second byte
 * needs no range check decoded in line: for the loops over every
 * character of a line. */
static inline size_t wn_utf8_next(const unsigned char *p, size_t n, int32_t *cp_out)
{
	const unsigned c = p[0];
	if (c >= 0xC2 && c <= 0xDF && n >= 2 && (p[1] & 0xC0) == 0x80) {
		*cp_out = (int32_t)((c & 0x1F) << 6 | (p[1] & 0x3Fu));
		return 2;
	}
	if (c >= 0xE1 && c <= 0xEF && c != 0xED && n >= 3 && (p[1] & 0xC0) == 0x80 &&
	    (p[2] & 0xC0) == 0x80) {
		*cp_out = (int32_t)((c & 0x0F) << 12 | (p[1] & 0x3Fu) << 6 | (p[2] & 0x3Fu));
		return 3;
	}
	return wn_utf8_decode(p, n, cp_out);
}

/* True when p[0..n) starts with a CJK ideograph U+4E00..U+9FA5, told from
 * its three bytes without decoding (a lead E4..E9 is never overlong nor a
 * surrogate). */
static inline bool wn_utf8_cjk_ideograph(const unsigned char *p, size_t n)
{
	const unsigned c = p[0];
	return c >= 0xE4 && c <= 0xE9 && n >= 3 && (p[1] & 0xC0) == 0x80 &&
	       (p[2] & 0xC0) == 0x80 && (c != 0xE4 || p[1] >= 0xB8) &&
	       (c != 0xE9 || p[1] < 0xBE || (p[1] == 0xBE && p[2] <= 0xA5));
}

/* True when p[0..n) starts with a basic Cyrillic letter U+0410..U+044F,
 * told from its two bytes. */
static inline bool wn_utf8_basic_cyrillic(const unsigned char *p, size_t n)
{
	return n >= 2 && ((p[0] == 0xD0 && p[1] >= 0x90 && p[1] <= 0xBF) ||
			  (p[0] == 0xD1 && p[1] >= 0x80 && p[1] <= 0x8F));
}

/* Encodes cp (a valid scalar value) into out (room for 4); returns length. */
size_t wn_utf8_encode(int32_t cp, char *out);

/* True when p[0..n) is valid UTF-8. */
bool wn_utf8_valid(const char *p, size_t n);

/* Number of code points (bytes that are not continuation bytes). */
size_t wn_utf8_count(const char *p, size_t n);

/* True when p[0..n) has at least min code points; counts only when the
 * byte length leaves it open (a code point is 1 to 4 bytes). */
static inline bool wn_utf8_at_least(const char *p, size_t n, size_t min)
{
	if (n >= 4 * min)
		return true;
	return n >= min && wn_utf8_count(p, n) >= min;
}

/* ---- lines.c: bytes -> lines and document ends -------------------------- */

/* Called for each complete line, with a CR before its LF removed. end_doc is
 * true when the line's terminator also ends a document (form feed, or NUL
 * with nul_docs); line is NULL when such a terminator follows a line end
 * directly (no line, only the document's end). Returns 0 or a negative
 * wn_error, which stops the splitter. */
typedef int wn_line_fn(void *ctx, struct wn_line *line, bool end_doc);

/* Called instead of wn_line_fn for a line longer than max_line: its bytes
 * (a CR before its LF kept) in pieces, the first piece once the line passes
 * max_line, the last with last set, possibly empty. */
typedef int wn_piece_fn(void *ctx, const char *p, size_t n, bool last);

struct wn_lines {
	struct wn_buf carry; /* a partial line held between pushes */
	bool nul_docs;
	size_t max_line;     /* 0: no limit; else longer lines go to piece */
	wn_piece_fn *piece;
	bool overlong;       /* the current line passed max_line */
	char doc_sep;        /* the byte that ended the last document: '\f' or NUL */
};

void wn_lines_init(struct wn_lines *s, bool nul_docs);
/* Lines longer than max_line bytes are handed to piece, and never held
 * whole; the splitter then holds at most max_line bytes. */
void wn_lines_limit(struct wn_lines *s, size_t max_line, wn_piece_fn *piece);
/* Splits p[0..n) into lines, carrying an unterminated tail to the next push;
 * ctx goes to fn and to the piece function. */
int wn_lines_push(struct wn_lines *s, const char *p, size_t n, wn_line_fn *fn, void *ctx);
/* The first document terminator (form feed, or NUL with nul_docs) in
 * p[0..n), or p + n. */
const char *wn_lines_doc_end(const struct wn_lines *s, const char *p, size_t n);
/* Whether a line is under way: a partial or overlong one was pushed. */
static inline bool wn_lines_midline(const struct wn_lines *s)
{
	return s->carry.len || s->overlong;
}
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
	bool reference; /* the plain byte-by-byte scans, for differential tests */
};

int wn_repair_init(struct wn_repair *r, const struct wn_options *opt);
int wn_repair_push(struct wn_repair *r, struct wn_line *line, uint32_t *fired_out);
/* What the repairs' scan finds in the line (0: no repair can act on it):
 * bytes >= 0x80, '&', controls other than TAB. reference: word at a time. */
unsigned wn_repair_scan(const char *p, size_t n, bool reference);
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
/* Whether cp (>= 0x80) is a character mojibake is made of: a line without
 * one is left alone by wn_mojibake_fix. */
bool wn_mojibake_char(int32_t cp);
/* Whether wn_mojibake_badness of the text p[0..n), valid UTF-8, is 0,
 * decoding it on the way. */
bool wn_mojibake_clean_utf8(const char *p, size_t n);
void wn_mojibake_free(struct wn_mojibake *m);

/* ---- normalize.c: Unicode normalization and ASCII folding (utf8proc) ----- */

/* True when cp is left as it is by NFC (compat: NFKC) whatever surrounds
 * it: a quick check that lets most text skip normalization. */
bool wn_nf_stable(int32_t cp, bool compat);
/* wn_nf_stable without its quick ranges, from utf8proc's tables alone. */
bool wn_nf_stable_ref(int32_t cp, bool compat);

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
	struct wn_buf spare; /* rules run in turn, each writing into the other */
	uint32_t off; /* rules switched off: high half of wn_options.repair_off */
	bool reference; /* the plain byte-by-byte scan, for differential tests */
};

int wn_punct_init(struct wn_punct *p, const struct wn_options *opt);
int wn_punct_push(struct wn_punct *p, struct wn_line *line, uint32_t *fired_out);
const char *wn_punct_rule_name(unsigned bit);
/* The rules that a cheap look says may fire on the line (0: none can);
 * reference: the plain loop over every byte pair. */
uint32_t wn_punct_candidates(const char *s, size_t n, bool reference);
/* Tests: wn_punct_push runs every rule that is on, whatever the cheap look
 * says, to show that it wakes every rule that fires. */
extern bool wn_punct_test_every_rule;
void wn_punct_free(struct wn_punct *p);

/* ---- key.c: normalized key and fingerprint ------------------------------- */

/* The size of XXH3's secret (XXH3_SECRET_DEFAULT_SIZE). */
#define WN_XXH3_SECRET 192

struct wn_keyer {
	enum wn_key mode;
	uint64_t seed;
	/* XXH3's secret derived from seed once: a key over 240 bytes hashes
	 * with it to the value the seed gives, without XXH3 deriving it again
	 * for each key. Set by wn_keyer_init and wn_keyer_reseed. */
	unsigned char secret[WN_XXH3_SECRET];
};

void wn_keyer_init(struct wn_keyer *k, enum wn_key mode, uint64_t seed);
/* Hashes under another seed from now on (a loaded state's). */
void wn_keyer_reseed(struct wn_keyer *k, uint64_t seed);
/* Appends the normalized key of line to *key, whatever the keyer's mode, and
 * gives its seeded XXH3 hash. 0 or WN_E_NOMEM. */
int wn_keyer_key(const struct wn_keyer *k, const struct wn_line *line, struct wn_buf *key,
		 uint64_t *hash_out);
/* wn_key_normalize the plain way, character by character through the
 * tables: the reference its fast paths are tested against. */
size_t wn_key_normalize_ref(const char *p, size_t n, char *out, size_t cap);
/* The seeded XXH3 hash of the line's bytes, for --key=exact. */
uint64_t wn_keyer_exact(const struct wn_keyer *k, const struct wn_line *line);
/* The seeded XXH3 hash of a key (what wn_keyer_key gives with it). */
uint64_t wn_key_hash(const struct wn_keyer *k, const char *key, size_t len);

/* ---- plain.c: the one pass most lines need -------------------------------- */

/* Room wn_plain_key needs at out beyond three times the line's length. */
#define WN_PLAIN_SLACK 32
enum { WN_PLAIN_ASCII = 1, WN_PLAIN_OTHER = 2, WN_PLAIN_PUNCT = 4 };
/* Tells whether the line is plain: nothing the repairs could act on (an
 * '&', a control other than TAB, DEL, a byte >= 0x80 but the ones below).
 * Returns WN_PLAIN_ASCII for a plain line all ASCII; with other (the
 * repairs run without nfkc and ascii), WN_PLAIN_OTHER for a plain line that
 * also holds basic Cyrillic letters U+0410..U+044F, CJK ideographs
 * U+4E00..U+9FA5, or general punctuation U+2010..U+2027, U+2030..U+205E
 * each between ASCII bytes (not both kinds); 0 for a line that is not
 * plain. To a plain line WN_PLAIN_PUNCT is added when a punctuation rule
 * may act on it (wn_punct_candidates is not 0). A plain line's normalized
 * key (wn_key_normalize's) is at out, *key_len_out bytes. out has room for
 * 3 * n + WN_PLAIN_SLACK bytes and may be written whatever the answer.
 * Always 0 without SSE2. Runs the AVX2 pass when the CPU has AVX2 (and
 * the environment's WINNOW_SIMD is not "sse2"), else the SSE2 pass. */
int wn_plain_key(const char *p, size_t n, bool other, char *out, size_t *key_len_out);
enum { WN_PLAIN_PATH_AUTO, WN_PLAIN_PATH_SSE2, WN_PLAIN_PATH_AVX2 };
/* For tests and benchmarks: makes wn_plain_key run the given pass from now
 * on (AUTO: as chosen at first use); returns the pass it will run (SSE2
 * when AVX2 is asked for and the CPU lacks it). Not thread-safe against
 * running filters. */
int wn_plain_use(int path);
/* The pass wn_plain_key runs (SSE2 or AVX2); punct.c's candidates follow it. */
int wn_plain_path(void);

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
 * bytes or the arena is full. The segments of a table grow in step (their
 * counts differ by a few percent), so when one of the growing set's is due
 * and the set has grown by a sixth since, a sweep grows every segment near
 * its growth (load 0.75 or more) at once, each rehashed straight to its
 * new place and the others moved (in address order; a run of blocks that
 * moves up goes last first): the table moves once per step of its growth,
 * and only as its blocks are rewritten anyway. The arena's cap grows by
 * doubling up to the limit, in a range of address space reserved for the
 * limit (realloc where none can be), and the whole 2 MiB pages below the
 * cap are transparent huge pages. So the memory the process touches
 * for the seen set never exceeds the limit, whatever the C library's
 * allocator would have made of the many sizes a growing table asks for. */
#define WN_ARENA_SETS 4
#define WN_ARENA_HOLE_SIZES 16

struct wn_arena {
	unsigned char *raw;   /* as allocated */
	unsigned char *base;  /* raw rounded up to 64 bytes */
	uint64_t cap;         /* usable bytes from base */
	uint64_t size;        /* the limit: cap never grows past it */
	bool mapped;          /* raw is a reserved mapping of map_len bytes */
	uint64_t map_len;     /* size and the alignment of base to a huge page */
	uint64_t huge;        /* bytes from base advised as huge pages */
	uint64_t top;         /* bytes below the bump pointer: live or holes */
	uint64_t live;        /* bytes in live blocks */
	uint64_t compactions; /* sweeps included */
	uint64_t sweeps;
	uint64_t swept;       /* segments grown by sweeps */
	uint64_t moved;       /* bytes compactions and sweeps moved, in all */
	struct wn_seen *growing; /* the set sweeps grow; NULL: none */
	uint64_t sweep_count; /* its count at the last sweep */
	uint64_t *scratch;    /* a block's old slots while a sweep grows it */
	size_t scratch_cap;   /* bytes */
	/* A compaction's list of blocks, kept from one to the next: freeing it
	 * let the C library hand its pages back, and touching fresh pages is
	 * slow (a page fault each, and on a virtual machine much more). */
	void *blocks;
	size_t blocks_cap;    /* entries blocks has room for, and as many to sort */
	struct wn_seen *sets[WN_ARENA_SETS]; /* whose segments live here */
	/* Holes by size, for reuse: segments grow through the same sizes, so
	 * the block one leaves is the block another soon asks for. Each list
	 * is chained through its holes' first word (offset + 1; 0 ends it). */
	struct { uint64_t nbytes, head; } holes[WN_ARENA_HOLE_SIZES];
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
	bool avx2;                /* probes compare a bucket at once (AVX2) */
};

/* Fixed memory of a seen set besides its slots (segment table, index). */
#define WN_SEEN_OVERHEAD (WN_SEEN_SEGS * (sizeof(struct wn_seen_seg) + sizeof(uint16_t)))

int wn_seen_init(struct wn_seen *s);
/* Brings h's bucket toward the cache ahead of an insert or lookup. */
void wn_seen_prefetch(const struct wn_seen *s, uint64_t h);
/* Inserts h. Returns 1 if it was new, 0 if already present, WN_E_NOMEM, or
 * WN_E_LIMIT when holding it would take s->bytes past s->limit (the set is
 * unchanged then). */
int wn_seen_insert(struct wn_seen *s, uint64_t h);
bool wn_seen_contains(const struct wn_seen *s, uint64_t h);
/* Forgets every entry but keeps the memory for reuse. */
void wn_seen_clear(struct wn_seen *s);
void wn_seen_free(struct wn_seen *s);

/* ---- rules.c: boilerplate rules, matched on a line's normalized key ------- */

/* Where the matches of a rule group count. */
enum wn_zone_kind {
	WN_ZONE_ANY = 0, /* the line is dropped wherever it is */
	WN_ZONE_TAIL,    /* only in the tail: the last short lines of a document */
	WN_ZONE_FOOTER,  /* the line is dropped and opens a footer zone */
};

/* Lines with at most this many words (and WN_SHORT_BYTES_PER_WORD bytes of
 * key per word) are short: rules, zones and site-wide repeats look at them. */
#define WN_SHORT_WORDS 12
#define WN_SHORT_BYTES_PER_WORD 12

struct wn_rule_group {
	char *name;         /* reported as the rule; owned */
	enum wn_zone_kind zone;
	uint32_t max_words; /* prefix, words and regex rules skip longer lines */
	int word_bit;       /* its bit in wn_rule_slot.word_groups, or -1 */
};

/* A phrase of the rule table: the key of a line: or prefix: rule, one word
 * of a words: rule, or the first words of a prefix: rule (a stem), so that
 * matching a line's prefixes, shortest first, stops at the first prefix
 * that no rule starts with: one probe for most lines. Groups are indices
 * into wn_rules.groups, -1 none. */
struct wn_rule_slot {
	uint64_t hash;        /* seeded XXH3 of the phrase; 0 marks an empty slot */
	uint32_t off;         /* the phrase in wn_rules.phrases, to confirm a hit */
	uint32_t len;
	int32_t line_group;   /* the whole line is this phrase */
	int32_t prefix_group; /* the line's first words are this phrase */
	uint64_t word_groups; /* bit b: a word of words: group wn_rules.word_group[b] */
	/* A phrase written without a final stop (. ! ? ...) or colon does not
	 * match a whole line that ends with one: in wrapped text "more." ends
	 * a sentence, and "Email:" labels what follows. Set when some rule
	 * wrote the phrase with one. */
	bool line_stop;
	bool prefix_stop;
	bool stem;            /* a prefix: phrase goes on with more words */
};

#define WN_WORD_GROUPS 64

struct wn_regexes; /* PCRE2 state, private to rules.c */

struct wn_rules {
	struct wn_rule_group *groups;
	size_t ngroups;
	size_t groups_cap;
	struct wn_rule_slot *slots; /* open addressing, a power of two */
	size_t slot_mask;
	size_t nslots;              /* slots in use */
	struct wn_buf phrases;
	int32_t word_group[WN_WORD_GROUPS];
	unsigned nword_groups;
	struct wn_regexes *rx;
	/* The longest lines (in words) that rules of each kind can match, so
	 * that long lines skip what cannot match them. */
	uint32_t max_words;
	uint32_t prefix_reach;
	uint32_t word_reach;
	uint32_t regex_reach;
	uint64_t seed;
	bool zones;                 /* some group is a tail or footer group */
	bool prefilter_off;         /* tests: every regex runs without its literal test */
	uint64_t regex_calls;       /* PCRE2 matches run */
};

int wn_rules_init(struct wn_rules *r, uint64_t seed);
/* Hashes the phrase table again under another seed (the keyer's, when a
 * saved state brings its own). 0 or WN_E_NOMEM. */
int wn_rules_reseed(struct wn_rules *r, uint64_t seed);
/* Parses a rules text and adds its rules; name is the source's name, also
 * the group of rules before any [group] line. Returns 0, WN_E_NOMEM, or
 * WN_E_INVAL with diag filled in (diag may be NULL). */
int wn_rules_add(struct wn_rules *r, const char *name, const char *text, size_t len,
		 struct wn_diag *diag);
/* The group of a rule matching the line, or -1. text is the line as
 * judged, key its normalized key and hash the key's seeded XXH3. A group
 * of WN_ZONE_ANY or WN_ZONE_FOOTER wins over a WN_ZONE_TAIL one. */
int wn_rules_match(struct wn_rules *r, const struct wn_line *text, const struct wn_line *key,
		   uint64_t hash);
/* Matching the same rules on another thread (prep.c): the rules are only
 * read; the PCRE2 match data and context, and the counts, are the
 * thread's own. */
struct wn_rules_local {
	void *md;   /* pcre2_match_data */
	void *mctx; /* pcre2_match_context */
	uint64_t regex_calls; /* as wn_rules.regex_calls */
	uint64_t limited;     /* as wn_rules_regex_limited */
};
/* 0 or WN_E_NOMEM (then wn_rules_local_free). */
int wn_rules_local_init(struct wn_rules_local *l, const struct wn_rules *r);
void wn_rules_local_free(struct wn_rules_local *l);
/* wn_rules_match with l's match data, counting into l. */
int wn_rules_match_local(const struct wn_rules *r, struct wn_rules_local *l,
			 const struct wn_line *text, const struct wn_line *key, uint64_t hash);
/* Adds counts made on another thread, as if r had made them. */
void wn_rules_add_counts(struct wn_rules *r, uint64_t regex_calls, uint64_t limited);
/* Regex matches given up at the match limit so far. */
uint64_t wn_rules_regex_limited(const struct wn_rules *r);
void wn_rules_free(struct wn_rules *r);

/* The built-in rules (rules/builtin.rules, embedded at build time). */
extern const unsigned char wn_builtin_rules_text[];
extern const size_t wn_builtin_rules_len;

/* ---- zone.c: the current document's judged lines, and the zone judge ----- */

/* One line of the document buffer, judged line by line, awaiting the
 * document-level judge. Blank lines are kept as records: the writer
 * collapses them. */
struct wn_judged {
	size_t off;           /* the text in wn_doc.text */
	size_t len;
	uint64_t line_no;
	const char *rule;     /* the rule that dropped it, or the tail rule it matched */
	uint8_t reason;       /* enum wn_reason: WN_KEPT unless already dropped */
	uint8_t zone;         /* enum wn_zone_kind of the rule it matched (ANY if none) */
	bool blank;
	bool short_line;      /* at most WN_SHORT_WORDS words */
	bool brief;           /* short, and it does not end a sentence */
};

struct wn_doc {
	struct wn_buf text;   /* the lines' text, one after another */
	struct wn_judged *recs;
	size_t n;
	size_t cap;
};

/* Appends a judged line and its text (v->len bytes, v->off is set). */
int wn_doc_append(struct wn_doc *d, const struct wn_judged *v, const char *text);
void wn_doc_clear(struct wn_doc *d);
void wn_doc_free(struct wn_doc *d);

/* Moves the records from index k on (and their text) to the front. */
void wn_doc_keep(struct wn_doc *d, size_t k);

/* What the zone judge carries from one piece of a document to the next. */
struct wn_zone {
	bool body;          /* a kept line that is not short was seen */
	const char *footer; /* the marker's rule while a footer zone is open */
};

/* Judges the zones of the document's lines r[0..n): footer zones after
 * markers and, when doc_end, tail rules in the tail. Returns how many lines
 * from the start are decided: all at the document's end; else those before
 * the run of short lines that ends the piece, which may be the tail and
 * wait (wn_doc_keep) to be judged again with the next piece, unless the
 * run is more than max_wait bytes. */
size_t wn_zone_judge(struct wn_zone *z, struct wn_judged *r, size_t n, size_t max_wait,
		     bool doc_end);

/* True when the line ends a sentence (., !, ?, an ellipsis, CJK stops),
 * closing quotes and brackets aside. */
bool wn_ends_sentence(const char *p, size_t n);
/* True when the line ends a sentence or with a colon (a label). */
bool wn_ends_marked(const char *p, size_t n);

/* ---- frequent.c: in how many documents each short line was seen ---------- */

/* A fixed table of 16-byte entries in 64-byte buckets. When a bucket is
 * full, a new line replaces the entry seen in the fewest documents: rare
 * lines are forgotten first, and a forgotten line is only counted low. */
struct wn_freq_entry {
	uint64_t hash;     /* 0 marks an empty entry */
	uint32_t docs;     /* distinct documents, saturating */
	uint32_t last_doc; /* the last document counted, modulo 2^32 */
};

struct wn_freq {
	struct wn_freq_entry *slots; /* nbuckets * WN_FREQ_BUCKET, calloc'ed */
	size_t nbuckets;             /* a power of two */
	uint64_t count;              /* entries in use */
	uint64_t evicted;
};

#define WN_FREQ_BUCKET 4

/* Sizes the table to at most nbytes (at least one bucket). */
int wn_freq_init(struct wn_freq *q, size_t nbytes);
/* Counts document doc for h once; returns h's document count after it. */
uint32_t wn_freq_count(struct wn_freq *q, uint64_t h, uint32_t doc);
/* h's document count, without counting. */
uint32_t wn_freq_docs(const struct wn_freq *q, uint64_t h);
/* Brings h's bucket toward the cache ahead of wn_freq_count. */
static inline void wn_freq_prefetch(const struct wn_freq *q, uint64_t h)
{
	const uint64_t fp = h ? h : 1;
	__builtin_prefetch(q->slots + (size_t)(fp & (q->nbuckets - 1)) * WN_FREQ_BUCKET);
}
void wn_freq_free(struct wn_freq *q);
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
/* Whether all of h's bits are set (without setting them). */
bool wn_bloom_contains(const struct wn_bloom *b, uint64_t h);
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

/* Brings h's bucket toward the cache ahead of wn_memo_insert (simple sets
 * only: a generation ring or a Bloom filter probes more than one place). */
static inline void wn_memo_prefetch(const struct wn_memo *m, uint64_t h)
{
	if (m->simple)
		wn_seen_prefetch(&m->gen[m->cur], h);
}

/* Whether h is held, in any generation (or looks held, in a Bloom filter). */
bool wn_memo_contains(const struct wn_memo *m, uint64_t h);

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

/* ---- scan.c: the exact-only hot path ------------------------------------ */

/* A line of a scanned batch: trimmed, in the caller's buffer. */
enum wn_scan_kind {
	WN_SCAN_BLANK,  /* empty once trimmed */
	WN_SCAN_SHORT,  /* kept without a look-up: under min_chars, or no dedup */
	WN_SCAN_DEDUP,  /* hash is its fingerprint, its bucket being fetched */
};

struct wn_scan_line {
	const char *ptr;
	size_t len;
	uint64_t hash;
	enum wn_scan_kind kind;
};

struct wn_scan {
	uint64_t seed;
	const unsigned char *secret; /* the keyer's, derived from seed */
	size_t min_chars;
	size_t max_line;       /* a longer line stops the scan; SIZE_MAX: none */
	bool dedup;
	const struct wn_memo *memo; /* prefetched into; NULL: no prefetch */
};

/* Splits p[0..end) into at most max '\n'-ended lines, trimmed, hashed
 * (seeded XXH3, as --key=exact) and prefetched. Stops before an unended
 * line or one longer than max_line; *next is where it stopped. */
size_t wn_scan_batch(const struct wn_scan *sc, const char *p, const char *end,
		     struct wn_scan_line *out, size_t max, const char **next);

/* ---- state.c: the saved-state file ----------------------------------------- */

#define WN_STATE_MAX_SECTIONS 64

/* Writes m as a state file; keying gives the seed, key and repair settings
 * and the forgotten count. */
int wn_state_save(const struct wn_memo *m, const struct wn_memo *shingles, unsigned near_words,
		  const struct wn_state_info *keying,
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
/* Shingle sections of near_words-word shingles go into near (NULL, or
 * another length: checked only). *skipped_out gets the line fingerprints
 * of old generations left out to fit the limit under on-full=forget. */
int wn_state_read_sets(struct wn_state_reader *r, struct wn_memo *m, struct wn_memo *near,
		       unsigned near_words, uint64_t *skipped_out);
void wn_state_close(struct wn_state_reader *r);

/* ---- docdup.c: document-level dedup (doc_dedup) -------------------------- */

/* A document's fingerprint chains the fingerprints of its lines whose key
 * is not empty, so two documents match when their normalized lines do. */
struct wn_docdup {
	struct wn_seen seen; /* fingerprints of whole documents, apart from lines */
	uint64_t hash;       /* of the current document so far */
	uint64_t seed;
	bool any;            /* the current document has a line with a key */
};

int wn_docdup_init(struct wn_docdup *d, uint64_t seed);
void wn_docdup_line(struct wn_docdup *d, uint64_t line_hash);
/* Ends the current document: 1 if it was seen before, 0 if it is new (and
 * now remembered) or has no keyed line, or WN_E_NOMEM. */
int wn_docdup_end(struct wn_docdup *d);
void wn_docdup_free(struct wn_docdup *d);

/* ---- Record framing: jsonl.c, wet.c --------------------------------------- */

/* A framer cuts its input into records and hands each to a wn_record_fn.
 * Records that need no judging may come in pieces: a WN_REC_PASS or
 * WN_REC_BAD piece is followed by WN_REC_MORE pieces of the same record. */
enum wn_record_kind {
	WN_REC_DOC,  /* a document: its text is judged, then it is wrapped */
	WN_REC_PASS, /* not a document (warcinfo, a blank line): written as is */
	WN_REC_BAD,  /* malformed: msg says why */
	WN_REC_MORE, /* more bytes of the last PASS or BAD record */
};

struct wn_record {
	enum wn_record_kind kind;
	const char *raw;     /* the record's bytes as read (this piece of them) */
	size_t raw_len;
	const char *text;    /* DOC: the decoded text */
	size_t text_len;
	const char *id;      /* DOC: its id for explanations; may be empty */
	size_t id_len;
	const char *url;     /* DOC: its address (WET's WARC-Target-URI, a JSONL
			      * record's "url"), or NULL */
	size_t url_len;
	const char *msg;     /* BAD: what is wrong */
	uint64_t line;       /* input line where the record starts, from 1 */
	uint64_t text_line;  /* DOC: input line of the text's first line */
	uint64_t offset;     /* input byte where the record starts */
};

/* Returns 0 or a negative wn_error, which stops the framer. */
typedef int wn_record_fn(void *ctx, const struct wn_record *rec);

/* JSON Lines: one object per line; the named field's string is decoded
 * into text, and every other byte is kept for wn_jsonl_wrap. */
struct wn_jsonl {
	struct wn_buf rec;    /* input from the start of the current line */
	size_t scan;          /* bytes of rec already searched for '\n' */
	struct wn_buf text;   /* the decoded text of the current record */
	struct wn_buf key;    /* a key with escapes, decoded to compare */
	struct wn_buf url;    /* a "url" with escapes, decoded */
	char *field;          /* the text field's name (owned) */
	size_t field_len;
	size_t max_doc;
	bool oversize;        /* the current line passed max_doc: WN_REC_MORE */
	uint64_t line;        /* input line of rec.ptr[0] */
	uint64_t offset;      /* input byte of rec.ptr[0] */
	/* The current document, for wn_jsonl_wrap. */
	size_t val_start;     /* the field's string, both quotes included */
	size_t val_end;
	bool ascii;           /* it escaped every non-ASCII character */
	bool slash;           /* it escaped every '/' */
	char msg[192];
};

int wn_jsonl_init(struct wn_jsonl *j, const struct wn_options *opt);
int wn_jsonl_push(struct wn_jsonl *j, const char *p, size_t n, wn_record_fn *fn, void *ctx);
/* Ends an input: an unterminated last line is a record. */
int wn_jsonl_finish(struct wn_jsonl *j, wn_record_fn *fn, void *ctx);
/* Appends the current record (rec, during its callback) to out with its
 * text field replaced by text[0..n), encoded as the input encoded it. */
int wn_jsonl_wrap(const struct wn_jsonl *j, const struct wn_record *rec, const char *text,
		  size_t n, struct wn_buf *out);
/* Appends the JSON string body of p[0..n) (no quotes) to out: '"', '\\'
 * and control characters escaped; with ascii, non-ASCII as \u escapes;
 * with slash, '/' as "\/". */
int wn_json_encode(const char *p, size_t n, bool ascii, bool slash, struct wn_buf *out);
void wn_jsonl_free(struct wn_jsonl *j);

enum wn_wet_state {
	WN_WET_HEAD,   /* reading a record's header block */
	WN_WET_BODY,   /* reading a document's block and separator */
	WN_WET_STREAM, /* passing on a block that is not buffered */
	WN_WET_SEP,    /* after a streamed block: its separator */
	WN_WET_RESYNC, /* after a malformed record: up to a "WARC/" line */
};

/* WARC/WET: records cut by their headers and Content-Length. */
struct wn_wet {
	struct wn_buf buf;    /* input not consumed; starts at the current
			       * record in WN_WET_HEAD and WN_WET_BODY */
	enum wn_wet_state state;
	size_t scan;          /* HEAD: bytes of the header already searched */
	size_t head_len;      /* BODY: the header block with its blank line */
	uint64_t length;      /* BODY: Content-Length; STREAM: bytes left */
	uint64_t clen;        /* the record's Content-Length, for messages */
	size_t max_doc;
	bool sha1;            /* wn_options.wet_digest */
	bool nl_before;       /* RESYNC: a line starts at buf.ptr[0] */
	uint64_t line;        /* input line of the next byte to cut */
	uint64_t offset;      /* input byte of the next byte to cut */
	uint64_t rec_line;    /* where the current record starts */
	uint64_t rec_offset;
	/* The current record's headers, as offsets in it (0 when absent). */
	bool doc;             /* WARC-Type: conversion */
	size_t len_start, len_end;     /* Content-Length value */
	size_t digest_start, digest_end; /* WARC-Block-Digest value */
	size_t digest_line, digest_next; /* its whole line */
	size_t id_start, id_end;       /* WARC-Record-ID, else WARC-Target-URI */
	bool id_is_uri;
	size_t uri_start, uri_end;     /* WARC-Target-URI */
	char msg[192];
};

int wn_wet_init(struct wn_wet *w, const struct wn_options *opt);
int wn_wet_push(struct wn_wet *w, const char *p, size_t n, wn_record_fn *fn, void *ctx);
/* Ends an input: a record not complete by now is truncated. */
int wn_wet_finish(struct wn_wet *w, wn_record_fn *fn, void *ctx);
/* Appends the current record (rec, during its callback) to out with its
 * block replaced by text[0..n): Content-Length recomputed; a sha1
 * WARC-Block-Digest recomputed if w->sha1, else (or another algorithm)
 * the header dropped. */
int wn_wet_wrap(const struct wn_wet *w, const struct wn_record *rec, const char *text,
		size_t n, struct wn_buf *out);
void wn_wet_free(struct wn_wet *w);

/* ---- sha1.c: WARC-Block-Digest ------------------------------------------- */

#define WN_SHA1_BASE32_LEN 32

/* Writes the SHA-1 of p[0..n) in RFC 4648 base32 (32 characters, no NUL),
 * as WARC digests spell it. */
void wn_sha1_base32(const void *p, size_t n, char out[WN_SHA1_BASE32_LEN]);

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
	/* Token hashes (seeded XXH3) of the first and the last n - 1 tokens of
	 * the line (fewer when the line is shorter), for windows across lines. */
	uint64_t head[WN_SHINGLE_MAX];
	uint64_t tail[WN_SHINGLE_MAX];
	size_t nedge; /* min(ntokens, n - 1) */
	unsigned n;
	uint64_t seed;
	uint64_t pow; /* the polynomial's base to the nth power (shingle.c) */
};

void wn_shingler_init(struct wn_shingler *s, unsigned n, uint64_t seed);
/* Tokenizes and hashes one line. key is its normalized key, or NULL to have
 * it made here from the line's text. 0 or WN_E_NOMEM. */
int wn_shingler_run(struct wn_shingler *s, const struct wn_line *line, const char *key,
		    size_t key_len);
/* The fingerprint of a window of n token hashes, as wn_shingler_run makes. */
uint64_t wn_shingle_hash(const struct wn_shingler *s, const uint64_t *window);
/* What a run left (tokens, edges, shingles), appended to out; its size;
 * and put back into s, as if s had run on the same line. For the worker
 * thread (prep.c), which shingles lines ahead of the filter. */
int wn_shingler_save(const struct wn_shingler *s, struct wn_buf *out);
size_t wn_shingler_saved_size(const char *p);
int wn_shingler_load(struct wn_shingler *s, const char *p);
void wn_shingler_free(struct wn_shingler *s);

/* ---- near.c: near-duplicate paragraphs (onion) ---------------------------- */

/* A line is a near duplicate when more than a threshold share of its
 * shingles were already seen in the scope (all of them in a line of fewer
 * than 2n tokens). Only kept lines' shingles are remembered, in a seen set
 * of their fingerprints. */
struct wn_near {
	struct wn_memo set;     /* under its share of the memory limit */
	uint64_t threshold_ppm; /* share of shingles, in millionths */
	unsigned n;
};

/* max_mem: the shingle set's memory limit (0: none), with opt->on_full. */
int wn_near_init(struct wn_near *nr, const struct wn_options *opt, uint64_t max_mem);
/* Judges the line s holds: *keep_out is false for a near duplicate (see
 * near.c; a line of fewer than n tokens is always kept); a kept line's
 * shingles are added to the set. 0, WN_E_NOMEM or WN_E_LIMIT. */
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

/* A second, finer one-permutation sketch of each document estimates the
 * Jaccard similarity of a candidate pair: WN_MH_EST_BINS bins, of which a
 * kept document keeps one bit each (b-bit MinHash with b = 1): 256 bytes,
 * and a standard error of about 0.013 at a similarity of 0.8. */
#define WN_MH_EST_BINS 2048
#define WN_MH_EST_WORDS (WN_MH_EST_BINS / 64)

struct wn_minhash {
	uint64_t bins[WN_MH_BINS]; /* the current document's minima; UINT64_MAX empty */
	uint64_t est[WN_MH_EST_BINS]; /* its minima in the estimate's bins */
	uint64_t carry[WN_SHINGLE_MAX]; /* its last n - 1 token hashes */
	size_t ncarry;
	bool any;                  /* the current document has a shingle */
	struct wn_band_table bands;
	struct wn_buf sigs;        /* WN_MH_EST_WORDS words of bits per kept document */
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


/* ---- linememo.c: what recent raw lines came to --------------------------- */

/* Scraped text repeats lines verbatim (headlines, bylines, menus). A line
 * that came out of the repairs unchanged is remembered by the seeded XXH3
 * of its raw bytes and its length, with what its per-line work gave: the
 * fingerprint dedup looks it up by, and whether it does. Its next copies
 * skip that work (the plain pass, or the repairs, and the key). What a
 * line comes to depends only on its bytes and the options (no repair
 * carries state from line to line), so this is exact but for a false hit,
 * as unlikely as a seen-set collision: 64 bits and the length match.
 * A line seen once costs a cheap look only (wn_linememo_find), and the
 * set of the next line is fetched ahead (wn_linememo_prefetch). Fixed
 * size: 16 K sets of two ways, 1 MiB, like the batch's buffers not
 * counted in max_mem (counting it would move where the seen set forgets). */
#define WN_LINEMEMO_BITS 14
#define WN_LINEMEMO_SETS ((size_t)1 << WN_LINEMEMO_BITS)

struct wn_linememo_entry {
	uint64_t look;     /* the raw line's length << 32 | the tag of its look;
			    * 0: an empty slot (no line of 0 bytes is looked up) */
	uint64_t raw;      /* filled: wn_keyer_exact of the raw (untrimmed) line */
	uint64_t dup_hash; /* filled: the fingerprint it is judged by, if dedup
			    * (the worker's memo: its key's hash, always) */
	uint32_t state;    /* 0, WN_LINEMEMO_GLIMPSED or _FILLED */
	uint32_t dedup;    /* filled: long enough, with a key: dedup looks it up
			    * (the worker's memo, prep.c: its key's length,
			    * with WN_LINEMEMO_LONG if long enough) */
};

/* In the worker's memo, a line of min_chars code points or more. Its key
 * is shorter: the worker keys no line over 32 KiB. */
#define WN_LINEMEMO_LONG (UINT32_C(1) << 31)

struct wn_linememo_set {
	struct wn_linememo_entry way[2]; /* one cache line */
};

struct wn_linememo {
	struct wn_linememo_set *sets; /* in mem, aligned to 64 bytes */
	void *mem;
	uint64_t seed;                /* of the cheap look */
	/* wn_linememo_awake: lines looked up in this window and the lines
	 * still to pass by unlooked; hits: all so far (the callers count
	 * them), window_hits: as many when this window began; rested: the
	 * lines passed by (for tests). */
	uint32_t looked, rest;
	uint64_t hits, window_hits, rested;
};

/* Text with no repeated lines pays the look of each line and gains
 * nothing: hits are counted over windows of wn_linememo_window lines, and
 * after one with fewer than one in WN_LINEMEMO_FEW the memo rests for
 * WN_LINEMEMO_REST windows' lines (neither looked up nor filled), then
 * looks again. It only skips work: what lines come to is the same. */
#define WN_LINEMEMO_FEW 100u
#define WN_LINEMEMO_REST 16u
extern uint32_t wn_linememo_window; /* 64 K lines; tests make it smaller */

/* Whether to look the next line up (the caller counts its hit in
 * m->hits). */
static inline bool wn_linememo_awake(struct wn_linememo *m)
{
	if (m->rest) {
		m->rest--;
		m->rested++;
		return false;
	}
	if (++m->looked >= wn_linememo_window) {
		if (m->hits - m->window_hits < m->looked / WN_LINEMEMO_FEW)
			m->rest = WN_LINEMEMO_REST * m->looked;
		m->looked = 0;
		m->window_hits = m->hits;
	}
	return true;
}

/* Where a line that missed goes once it has come out unchanged. */
struct wn_linememo_fill {
	struct wn_linememo_entry *e; /* NULL: it is not remembered */
	uint64_t raw;
};

enum { WN_LINEMEMO_GLIMPSED = 1, WN_LINEMEMO_FILLED = 2 }; /* entry states */

int wn_linememo_init(struct wn_linememo *m, uint64_t seed);

/* A cheap look at a line of 1 byte or more: its length and its first and
 * last bytes (8 of each when it has them). It tags the line (low 32 bits);
 * the seeded XXH3 of all its bytes tells whether it is the same. */
static inline uint64_t wn_linememo_glimpse(const char *p, size_t n, uint64_t seed)
{
	uint64_t a, b;
	if (n >= 8) {
		memcpy(&a, p, 8);
		memcpy(&b, p + n - 8, 8);
	} else if (n >= 4) {
		uint32_t x, y;
		memcpy(&x, p, 4);
		memcpy(&y, p + n - 4, 4);
		a = x;
		b = y;
	} else {
		a = (uint64_t)(unsigned char)p[0] << 16 | (uint64_t)(unsigned char)p[n / 2] << 8 |
		    (unsigned char)p[n - 1];
		b = 0;
	}
	return (a ^ seed) * 0x9e3779b97f4a7c15u ^ (b + n) * 0xc2b2ae3d27d4eb4fu;
}

/* The set of a line whose first 16 bytes, zero past its end, are a, b.
 * Only they place it, so that the next line's set can be fetched ahead
 * before its end is known (wn_linememo_prefetch). */
static inline size_t wn_linememo_place(uint64_t a, uint64_t b, uint64_t seed)
{
	return (size_t)(((a ^ seed) * 0x9e3779b97f4a7c15u ^ b * 0x165667b19e3779f9u) >>
			(64 - WN_LINEMEMO_BITS));
}

/* The set of the line p[0..n), n >= 1. */
static inline size_t wn_linememo_set_of(const char *p, size_t n, uint64_t seed)
{
	uint64_t a = 0, b = 0;
	if (n >= 16) {
		memcpy(&a, p, 8);
		memcpy(&b, p + 8, 8);
	} else if (n > 8) {
		memcpy(&a, p, 8);
		memcpy(&b, p + n - 8, 8);
		b >>= 8 * (16 - n); /* bytes 8 to n-1 */
	} else if (n == 8) {
		memcpy(&a, p, 8);
	} else {
		for (size_t i = n; i-- > 0;)
			a = a << 8 | (unsigned char)p[i];
	}
	return wn_linememo_place(a, b, seed);
}

/* The bytes of x up to its first '\n' kept, the rest zero: a mask. All
 * ones when x has no '\n'. */
static inline uint64_t wn_linememo_before_nl(uint64_t x)
{
	const uint64_t y = x ^ 0x0a0a0a0a0a0a0a0au; /* a zero byte where x has '\n' */
	const uint64_t z = (y - 0x0101010101010101u) & ~y & 0x8080808080808080u;
	/* z - 1 sets the bits below the first '\n''s high bit; the bits of
	 * that byte itself go with >> 8. */
	return z ? ((z ^ (z - 1)) >> 8) : ~(uint64_t)0;
}

/* Brings toward the cache the set of the line that starts at p and ends
 * at a '\n' (16 bytes from p are readable): the one the next look-up will
 * read, fetched while the current line is worked on. A line that ends
 * otherwise only had a useless fetch. Always inlined: GCC takes a
 * function that only prefetches for one without effects, and drops the
 * call. */
static inline __attribute__((always_inline)) void
wn_linememo_prefetch(const struct wn_linememo *m, const char *p)
{
	uint64_t a, b;
	memcpy(&a, p, 8);
	memcpy(&b, p + 8, 8);
	const uint64_t keep = wn_linememo_before_nl(a);
	a &= keep;
	b &= wn_linememo_before_nl(b);
	if (!(keep >> 63)) /* a had the '\n' */
		b = 0;
	__builtin_prefetch(&m->sets[wn_linememo_place(a, b, m->seed)]);
}

/* wn_linememo_find's way when the look matched: hashes the line. */
const struct wn_linememo_entry *wn_linememo_check(struct wn_linememo_set *s, unsigned way,
						   const struct wn_keyer *k, const struct wn_line *line,
						   struct wn_linememo_fill *fill);

/* The entry of a line (1 to UINT32_MAX bytes) remembered with its raw
 * hash under k, or NULL; then *fill tells where to remember it (e NULL:
 * nowhere). A line looked at for the first time only leaves its tag and
 * length in way 1 of its set: a line seen once costs the look and no
 * hash, and replaces only other such lines. Seen again, it is hashed,
 * and filled in if it comes out unchanged; after that it hits, and the
 * line that hit last in a set is in way 0. */
static inline const struct wn_linememo_entry *
wn_linememo_find(struct wn_linememo *m, const struct wn_keyer *k, const struct wn_line *line,
		 struct wn_linememo_fill *fill)
{
	const uint64_t g = wn_linememo_glimpse(line->ptr, line->len, m->seed);
	struct wn_linememo_set *s = &m->sets[wn_linememo_set_of(line->ptr, line->len, m->seed)];
	const uint64_t look = (uint64_t)line->len << 32 | (uint32_t)g;
	for (unsigned way = 0; way < 2; way++)
		if (s->way[way].look == look)
			return wn_linememo_check(s, way, k, line, fill);
	struct wn_linememo_entry *e = &s->way[1]; /* its other fields are stale */
	e->look = look;
	e->state = WN_LINEMEMO_GLIMPSED;
	fill->e = NULL;
	return NULL;
}
/* Remembers the line that missed (fill->e not NULL) as it was judged,
 * before the memo is looked up again (dedup and dup_hash as the entry's). */
void wn_linememo_fill(const struct wn_linememo_fill *fill, uint32_t dedup, uint64_t dup_hash);
void wn_linememo_clear(struct wn_linememo *m);
void wn_linememo_free(struct wn_linememo *m);

/* ---- filter.c: tests of the judging loop --------------------------------- */

/* Tests: every line takes the general judge (prepare_line, judge_line),
 * never judge_plain. Set before wn_filter_new. */
extern bool wn_filter_test_general;
/* Tests: the lines judge_plain has decided. */
uint64_t wn_filter_plain_judged(const struct wn_filter *f);
/* Tests: no line memo (linememo.c), every line does its own work. Set
 * before wn_filter_new. */
extern bool wn_filter_test_no_memo;
/* Tests: the lines taken from the line memo, and those it let pass by
 * unlooked while it rested (wn_linememo_awake). */
uint64_t wn_filter_memo_hits(const struct wn_filter *f);
uint64_t wn_filter_memo_rested(const struct wn_filter *f);

/* ---- prep.c: the repair stages on a second thread ------------------------ */

/* The format an input starting with p[0..n) has (filter.c). */
enum wn_format wn_format_detect(const char *p, size_t n);

/* A worker thread that frames the filter's input as the filter does and
 * prepares a share of its lines ahead of it (repairs, key, shingles,
 * boilerplate rules), as many as keeps both threads busy; the filter
 * judges one block behind and prepares the other lines itself. */
struct wn_prep;
struct wn_nav;

/* key_lines: the filter keys lines (wn_keyer_key of the trimmed line), and
 * so does the worker with the lines it prepares; rules (or NULL): the
 * filter's boilerplate rules, which the worker then matches too, reading
 * them only (they must not change while the worker runs); nav (or NULL,
 * with strip_nav): the filter's classifier, whose stop word table the
 * worker reads to compute its lines' features (wn_nav_features);
 * hash_only: the filter reads no key of an unchanged line of the block it
 * judges, only its hash (plain_fast), so the worker keeps no such key
 * (wn_prep_key's ptr is NULL); memo, with hash_only: the worker records a
 * line it has lately seen come out unchanged from its own line memo
 * (linememo.c), as it would have recorded it. */
int wn_prep_new(const struct wn_options *opt, bool key_lines, bool hash_only, bool memo,
		const struct wn_rules *rules, const struct wn_nav *nav, size_t block,
		struct wn_prep **out);
/* Tests and measures: the worker's lines taken from its memo. Read once
 * the filter has judged every block. */
uint64_t wn_prep_memo_hits(const struct wn_prep *p);
uint64_t wn_prep_memo_rested(const struct wn_prep *p);
/* The most memory the worker's blocks of block bytes take, whatever the
 * input: their input, records and text (the worker stops recording a
 * block's lines at caps that hold it), with the keys' shingles (shingles)
 * and the classifier's features (nav) or not. */
uint64_t wn_prep_footprint(size_t block, bool shingles, bool nav);
/* The largest block size (a power of two, 4 KiB to 1 MiB, to 64 KiB with
 * nav) whose footprint fits budget, or 0 when none does;
 * wn_prep_test_block when set. */
size_t wn_prep_block_size(uint64_t budget, bool shingles, bool nav);
/* Tests: the block size whatever the memory limit (0: chosen by it). Set
 * before wn_filter_new. */
extern size_t wn_prep_test_block;
/* Tests: -1 (the default) balances the threads; 0 to 32 fixes the share of
 * 32 lines the worker prepares; above, it prepares lines at random. Set
 * before wn_filter_new. */
extern int wn_prep_test_share;
/* Tests: overwrite what the worker wrote of a block (keys, repaired lines)
 * when the filter gives it back, so that a line still pointing into it is
 * judged wrong. */
extern bool wn_prep_test_poison;
void wn_prep_free(struct wn_prep *p);
/* Copies up to len bytes into the block being filled: *taken_out is 0 when
 * every block is in use (judge one first). 0 or WN_E_NOMEM. */
int wn_prep_fill(struct wn_prep *p, const char *buf, size_t len, size_t *taken_out);
/* The block being filled is full / holds bytes. */
bool wn_prep_full(const struct wn_prep *p);
bool wn_prep_filling(const struct wn_prep *p);
/* A block is free to be filled and submitted. */
bool wn_prep_can_submit(const struct wn_prep *p);
/* Hands the block being filled (maybe empty) to the worker; end_input: the
 * input ends after it; seed: the keyer's. Only when wn_prep_can_submit. */
void wn_prep_submit(struct wn_prep *p, bool end_input, uint64_t seed);
/* Blocks submitted and not yet judged. */
unsigned wn_prep_pending(const struct wn_prep *p);
/* Whether the filter should judge the oldest block now, while it fills the
 * next: when all the blocks but one are in use (it waits for the worker if
 * that one is not prepared yet). Never the newest submitted block. */
bool wn_prep_due(struct wn_prep *p);
/* Waits for the oldest submitted block to be prepared and makes it the one
 * judged: its bytes, and whether the input ends after them. Returns the
 * worker's error on it, or 0. Only when wn_prep_pending. */
int wn_prep_begin(struct wn_prep *p, const char **data_out, size_t *len_out, bool *end_out);
/* Gives the judged block back. */
void wn_prep_end(struct wn_prep *p);
/* wn_filter_pull: the worker reads the input itself through rd (on its
 * thread) into the free blocks and prepares each, until it has read
 * max_bytes (0: no limit) in this call, the input ends (its last block
 * says so: wn_prep_begin's end) or rd fails (that block's error is
 * WN_E_READ, after the bytes read before it). No block may be being
 * filled (submit it first). */
void wn_prep_pull_start(struct wn_prep *p, wn_read_fn *rd, void *ctx, uint64_t max_bytes,
			uint64_t seed);
/* Waits until the oldest block not judged is prepared: true, judge it
 * (wn_prep_begin, wn_prep_end); false when the worker stopped at max_bytes
 * (the blocks not judged yet stay pending) and no longer calls rd. */
bool wn_prep_pull_next(struct wn_prep *p);
/* The filter failed: the worker stops reading; returns once it no longer
 * calls rd. */
void wn_prep_pull_stop(struct wn_prep *p);
/* A line's key made by the worker: valid when the repaired line is one
 * line (no '\n') and not blank once trimmed, and it was the worker's turn. */
struct wn_prep_key {
	const char *ptr;      /* NULL: not kept (wn_prep_new's hash_only) */
	size_t len;
	uint64_t hash;
	const char *shingles; /* the line's shingles (wn_shingler_save), or NULL */
	const char *nav;      /* with strip_nav, the trimmed line's struct
			       * wn_nav_feat (its bytes, unaligned), or NULL;
			       * set whether the key is valid or not */
	bool long_line;       /* it has wn_options.min_chars code points or more */
	int rule;             /* ruled: wn_rules_match's result for the line */
	uint32_t regex_calls; /* and the regex matches it ran, */
	uint32_t regex_limited; /* and gave up at a limit */
	bool ruled;
	bool valid;
};

/* The repair of the next line of the judged block, which must be *line:
 * rewrites *line as wn_repair_push then wn_punct_push would, sets the rules
 * that fired, maybe the key of the trimmed result, and returns true; false
 * when the worker left the line to the caller or its results are off (the
 * caller prepares the line itself). */
bool wn_prep_take(struct wn_prep *p, struct wn_line *line, uint32_t *repairs_out,
		  uint32_t *puncts_out, struct wn_prep_key *key_out);
bool wn_prep_broken(const struct wn_prep *p);
/* CPU seconds the worker has run. */
double wn_prep_cpu(const struct wn_prep *p);

#endif
