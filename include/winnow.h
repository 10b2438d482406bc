/* winnow.h - public API of libwinnow: clean, repair and deduplicate scraped
 * text, streaming, on bytes in memory. The library does no I/O of its own. */
#ifndef WINNOW_H
#define WINNOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define WN_VERSION_MAJOR 0
#define WN_VERSION_MINOR 1
#define WN_VERSION_PATCH 0
#define WN_VERSION_STRING "0.1.0"

/* ---- Errors ------------------------------------------------------------ */

enum wn_error {
	WN_OK = 0,
	WN_E_NOMEM = -1,  /* an allocation failed */
	WN_E_SINK = -2,   /* the write callback returned non-zero */
	WN_E_INVAL = -3,  /* an option or argument is out of range */
	WN_E_FORMAT = -4, /* the input is malformed for its format */
	WN_E_LIMIT = -5,  /* a memory limit was reached under on-full=fail */
	WN_E_STATE = -6,  /* no filter to use: an earlier call failed */
};

/* A static, human-readable description of err (never NULL). */
const char *wn_strerror(int err);

/* The library's version as "MAJOR.MINOR.PATCH". */
const char *wn_version(void);

/* ---- Why a line was dropped or changed --------------------------------- */

/* Every input line ends in exactly one outcome: kept, or dropped for one
 * reason. The statistics count each, so lines_in == kept + sum(dropped). */
enum wn_reason {
	WN_KEPT = 0,
	WN_DROP_BLANK,   /* a blank line in a run, or leading/trailing */
	WN_DROP_DUP,     /* exact duplicate of a line already seen in scope */
	WN_DROP_RULE,    /* matched a boilerplate rule */
	WN_DROP_ZONE,    /* footer or copyright zone of a document */
	WN_DROP_FREQUENT, /* short line seen in many documents */
	WN_DROP_NEAR,    /* most of its word shingles were seen before */
	WN_DROP_NAV,     /* navigation or menu run */
	WN_DROP_DOC,     /* its whole document was dropped; rule "doc-near:N"
			  * names the earlier document N it copies */
	WN_REASON_COUNT
};

/* The short name of a reason ("kept", "dup", ...), as --stats prints it. */
const char *wn_reason_name(enum wn_reason r);

/* ---- Options ----------------------------------------------------------- */

/* Receives output bytes in large blocks. Return 0, or non-zero to stop the
 * filter with WN_E_SINK. The bytes are valid only during the call. */
typedef int wn_write_fn(void *ctx, const char *p, size_t n);

enum wn_event_kind {
	WN_EV_DROP,   /* a line was dropped: reason and rule say why */
	WN_EV_CHANGE, /* a line was rewritten by repairs: rule lists them */
};

/* One explanation, borrowed for the duration of the callback. */
struct wn_event {
	enum wn_event_kind kind;
	enum wn_reason reason; /* WN_KEPT for WN_EV_CHANGE */
	const char *rule;      /* rule name(s), comma-separated; never NULL */
	uint64_t doc;          /* document index in the stream, from 0 */
	uint64_t line;         /* line number in the current input, from 1 */
	const char *text;      /* the line as judged (after repair) */
	size_t len;
};

typedef void wn_explain_fn(void *ctx, const struct wn_event *ev);

enum wn_scope {
	WN_SCOPE_STREAM = 0, /* one seen set for the whole run */
	WN_SCOPE_DOC,        /* the seen set is forgotten at each document */
};

enum wn_key {
	WN_KEY_NORMALIZED = 0, /* case-folded, punctuation as space, spaces collapsed */
	WN_KEY_EXACT,          /* the line's bytes as they are */
};

/* Stages that can be switched off, as bits of wn_options.disable. */
enum wn_stage {
	WN_STAGE_DEDUP = 1u << 0,
	WN_STAGE_REPAIR = 1u << 1,
	WN_STAGE_BOILERPLATE = 1u << 2,
	WN_STAGE_NEAR = 1u << 3,  /* near-duplicate lines; off too without DEDUP */
	WN_STAGE_BUILTIN_RULES = 1u << 4, /* the built-in boilerplate rules (user rules stay) */
};

/* One text of boilerplate rules, as a rules file holds it (format: see
 * doc/boilerplate.md). The filter compiles it when it is made and keeps no
 * pointer into it. */
struct wn_rules_text {
	const char *name; /* for messages, and the group of rules before any [group] */
	const char *text; /* not NUL-terminated */
	size_t len;
};

/* What the repair stage does with bytes that are not UTF-8 and cannot be
 * read as Windows-1252 (see wn_options.invalid). */
enum wn_invalid {
	WN_INVALID_REPLACE = 0, /* each maximal ill-formed sequence becomes U+FFFD */
	WN_INVALID_DROP,        /* ill-formed bytes are removed */
};

/* Default of wn_options.min_chars: lines shorter than this many characters
 * are never deduplicated (see README: short replies like "Yes." survive). */
#define WN_DEFAULT_MIN_CHARS 20
/* Default document size past which a document is judged in pieces. */
#define WN_DEFAULT_MAX_DOC ((size_t)64 << 20)
/* Default of wn_options.frequent_bytes: 2^21 lines of 16 bytes. */
#define WN_DEFAULT_FREQUENT_BYTES ((size_t)32 << 20)
/* Defaults of near-duplicate detection (see doc/near.md): a line is dropped
 * when more than half of its 5-word shingles were seen before. */
#define WN_DEFAULT_NEAR 0.5
#define WN_DEFAULT_NEAR_WORDS 5
/* The Jaccard similarity --doc-near uses when given no value. */
#define WN_DEFAULT_DOC_NEAR 0.8

/* Zero-initialized means all defaults (with no output: set write). */
struct wn_options {
	wn_write_fn *write;     /* output sink; required */
	void *write_ctx;
	wn_explain_fn *explain; /* NULL: no explanations */
	void *explain_ctx;
	enum wn_scope scope;
	enum wn_key key;
	unsigned disable;       /* bits of enum wn_stage */
	size_t min_chars;       /* 0: WN_DEFAULT_MIN_CHARS; 1: dedup every line */
	uint64_t seed;          /* hash seed; 0 is a valid seed */
	uint64_t repair_off;    /* repair rules switched off, by bit: see below */
	bool nul_docs;          /* a NUL byte ends a document (-0) */
	size_t max_doc;         /* 0: WN_DEFAULT_MAX_DOC */
	const struct wn_rules_text *rules; /* user boilerplate rules, nrules texts,
					    * after the built-in ones */
	size_t nrules;
	uint32_t drop_frequent; /* 0: off; N: drop a short line (12 words at most)
				 * or one ending no sentence from the Nth document
				 * it occurs in; see wn_filter_count_begin */
	size_t frequent_bytes;  /* 0: WN_DEFAULT_FREQUENT_BYTES; the table for
				 * drop_frequent, fixed: rare lines are forgotten */
	enum wn_invalid invalid; /* bytes that are not UTF-8: U+FFFD or dropped */
	bool nfkc;              /* normalize to NFKC instead of NFC (rule "nfkc") */
	bool ascii;             /* fold to ASCII where an equivalent exists (rule "ascii") */
	/* Near-duplicate lines (WN_STAGE_NEAR): a line is dropped when more
	 * than near (a share in (0, 1]; 1 never drops) of its shingles (runs
	 * of near_words words, 1..16) were already seen in the scope; all of
	 * them when it has fewer than 2 * near_words words (doc/near.md). */
	double near;            /* 0: WN_DEFAULT_NEAR */
	unsigned near_words;    /* 0: WN_DEFAULT_NEAR_WORDS */
	/* Near-duplicate documents: a document whose estimated Jaccard
	 * similarity with an earlier kept document of the stream is at least
	 * doc_near (in (0, 1]) is dropped whole. Its output is held until the
	 * document ends (up to max_doc bytes; a longer one is always kept). */
	double doc_near;        /* 0: off */
};

/* Why wn_filter_create failed: which rule is malformed, and how. */
struct wn_diag {
	int err;            /* 0 or a negative wn_error */
	const char *source; /* the name of the wn_rules_text at fault, or NULL;
			     * borrowed from the options */
	size_t line;        /* its line, from 1; 0 when no line is at fault */
	char msg[160];      /* what is wrong; "" when err says it all */
};

/* Repair rules are numbered 0..63 (0..31 characters and encoding, 32..63
 * punctuation); bit n of wn_options.repair_off switches rule n off. Returns
 * the rule's name, or NULL for a number that names no rule. */
const char *wn_repair_rule_name(unsigned rule);

/* The character and encoding repairs, rules 0..31, in the order they
 * apply to a line; README.md ("Repairs") describes each. */
enum wn_repair_rule {
	WN_REPAIR_INVALID_UTF8 = 0, /* "invalid-utf8": ill-formed bytes -> U+FFFD */
	WN_REPAIR_WINDOWS_1252,     /* "windows-1252": a line that is not UTF-8 at all */
	WN_REPAIR_ENTITIES,         /* "entities": &amp; &eacute; &#8217; &#x2019; */
	WN_REPAIR_MOJIBAKE,         /* "mojibake": cafÃ© -> café */
	WN_REPAIR_C1_CONTROLS,      /* "c1-controls": U+0080..U+009F read as Windows-1252 */
	WN_REPAIR_CONTROLS,         /* "controls": C0 controls but TAB, DEL, unassigned C1 */
	WN_REPAIR_BOM,              /* "bom": U+FEFF removed */
	WN_REPAIR_INVISIBLE,        /* "invisible": U+FFF9..U+FFFC, deprecated format chars */
	WN_REPAIR_LINE_BREAKS,      /* "line-breaks": CR, U+2028, U+2029, NEL break the line */
	WN_REPAIR_SPACES,           /* "spaces": NBSP and other spaces -> U+0020 */
	WN_REPAIR_NFC,              /* "nfc": Unicode normalization form C */
	WN_REPAIR_NFKC,             /* "nfkc": form KC, with wn_options.nfkc only */
	WN_REPAIR_ASCII,            /* "ascii": ASCII folding, with wn_options.ascii only */
	WN_REPAIR_CHAR_RULES        /* the number of character rules */
};

/* The number of the repair rule called name, or -1. */
int wn_repair_rule_find(const char *name);

/* ---- Statistics -------------------------------------------------------- */

struct wn_stats {
	uint64_t docs_in;
	uint64_t docs_out;    /* documents with at least one kept line */
	uint64_t lines_in;
	uint64_t lines_kept;
	uint64_t dropped[WN_REASON_COUNT]; /* index WN_KEPT is unused (0) */
	uint64_t lines_changed; /* kept or not, rewritten by a repair */
	uint64_t bytes_in;
	uint64_t bytes_out;
	uint64_t seen_entries;  /* distinct fingerprints in the seen set */
	uint64_t seen_bytes;    /* memory held by the seen set */
	uint64_t near_entries;  /* distinct shingle fingerprints of kept lines */
	uint64_t near_bytes;    /* memory held by the shingle set */
	uint64_t doc_near_docs; /* documents remembered for doc_near */
	uint64_t doc_near_bytes; /* memory held by their bands and signatures */
	uint64_t regex_limited; /* regex rule matches given up at the match limit */
};

/* ---- The filter -------------------------------------------------------- */

struct wn_filter;

/* Makes a filter, copying *opt. Returns NULL when out of memory or when an
 * option is invalid (opt->write NULL, a share out of range). Free with wn_filter_free. A filter is
 * not thread-safe; distinct filters are independent. */
struct wn_filter *wn_filter_new(const struct wn_options *opt);

/* Makes a filter as wn_filter_new does, and says why it could not: returns
 * 0 and sets *f_out, or returns WN_E_NOMEM or WN_E_INVAL (opt->write NULL,
 * or a malformed rule) with *f_out NULL. When diag_out is not NULL it gets
 * the error and, for a malformed rule, the text's name, line and message
 * (the first malformed rule; rules texts are read in order). */
int wn_filter_create(const struct wn_options *opt, struct wn_filter **f_out,
		     struct wn_diag *diag_out);

/* Feeds len bytes of input. The output is identical however the input is
 * split across calls. Output written so far is passed to the sink before
 * return, so a live pipe sees its lines promptly. Returns 0 or a negative
 * wn_error; after an error the only valid call is wn_filter_free. */
int wn_filter_push(struct wn_filter *f, const void *buf, size_t len);

/* Ends the current input (a file): an unterminated last line is taken as a
 * line, the document ends, and line numbers restart at 1. */
int wn_filter_end_input(struct wn_filter *f);

/* Ends the stream: as wn_filter_end_input, then flushes all output. Call
 * once; then only wn_filter_stats and wn_filter_free are valid. */
int wn_filter_finish(struct wn_filter *f);

/* Two-pass site-wide repeats (wn_options.drop_frequent): between
 * wn_filter_count_begin and wn_filter_count_end, wn_filter_push and
 * wn_filter_end_input only count in how many documents each short line
 * occurs; they write nothing and change no statistics. wn_filter_count_end
 * ends the current input. Then feed the same input again: a line counted
 * in drop_frequent documents or more is dropped everywhere, its first
 * copies included, and counts no longer change. Call begin before any
 * input, end once. Returns 0, WN_E_STATE out of order, WN_E_INVAL when
 * drop_frequent is 0, or an error of wn_filter_end_input. */
int wn_filter_count_begin(struct wn_filter *f);
int wn_filter_count_end(struct wn_filter *f);

/* Copies the statistics so far into *out. Valid at any time. */
void wn_filter_stats(const struct wn_filter *f, struct wn_stats *out);

/* Frees f and everything it holds. NULL is fine. */
void wn_filter_free(struct wn_filter *f);

/* ---- Boilerplate rules ------------------------------------------------- */

/* The built-in rules text (rules/builtin.rules as compiled in): static, not
 * NUL-terminated, *len_out bytes. */
const char *wn_builtin_rules(size_t *len_out);

/* ---- Keys -------------------------------------------------------------- */

/* Writes the normalized key of the UTF-8 text p[0..n) into out (capacity
 * cap) and returns its length; the key is never longer than 3 * n bytes,
 * so cap >= 3 * n always suffices. For tests and tools; the filter uses the
 * same function. Invalid UTF-8 bytes are kept as they are. */
size_t wn_key_normalize(const char *p, size_t n, char *out, size_t cap);

#ifdef __cplusplus
}
#endif
#endif
