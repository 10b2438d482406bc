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
	WN_E_NOT_STATE = -7,       /* not a winnow state file (bad magic) */
	WN_E_STATE_VERSION = -8,   /* state file of a newer format version */
	WN_E_STATE_CORRUPT = -9,   /* state file fails its checksum or checks */
	WN_E_STATE_TRUNCATED = -10, /* state file ends early */
	WN_E_STATE_MISMATCH = -11, /* state made with other key settings or seed */
	WN_E_READ = -12,           /* the read callback failed */
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
	WN_DROP_DOC,     /* its whole document was dropped: doc_dedup (rule
			  * "doc-dup"), or doc_near (rule "doc-near:N" names the
			  * earlier document N it copies) */
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
	WN_EV_UNJUDGED, /* a line longer than max_line was kept as it came,
			 * unrepaired and unjudged: rule "max-line", text empty */
};

/* One explanation, borrowed for the duration of the callback. A document
 * dropped whole (WN_DROP_DOC) gets one event: line is the line where the
 * document starts and text its id (the JSON "id" field, or WARC-Record-ID,
 * else WARC-Target-URI; empty in text input). */
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

/* One line as the navigation model sees it, for training the model
 * (bench/nav_train.py): the features x[0..nx) of the line, in the order
 * of doc/nav.md, and its text. prior: dropped before the classifier (by a
 * rule, a zone or --drop-frequent), so never judged by the model. */
struct wn_nav_sample {
	uint64_t doc;       /* the document's index among those the classifier saw */
	size_t line;        /* the line's index among the document's non-blank lines */
	const float *x;
	unsigned nx;
	const char *text;
	size_t len;
	bool prior;
};

typedef void wn_nav_dump_fn(void *ctx, const struct wn_nav_sample *s);

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

/* How an input is framed into documents; see doc/formats.md. */
enum wn_format {
	WN_FORMAT_TEXT = 0, /* lines; an input, or a part of it ended by a form
			     * feed (or NUL with nul_docs), is a document,
			     * written back with that byte after its lines */
	WN_FORMAT_JSONL,    /* one JSON object per line, its text in one field */
	WN_FORMAT_WET,      /* WARC records: each conversion record is a document */
	WN_FORMAT_AUTO,     /* each input by its first bytes: "WARC/1." is WET,
			     * '{' is JSON Lines, anything else text */
};

/* What becomes of a malformed record in JSON Lines or WET input. */
enum wn_on_error {
	WN_ON_ERROR_PASS = 0, /* written unchanged */
	WN_ON_ERROR_SKIP,     /* left out */
	WN_ON_ERROR_FAIL,     /* the filter stops with WN_E_FORMAT */
};

/* One malformed record, borrowed for the duration of the callback. */
struct wn_record_error {
	enum wn_format format;    /* WN_FORMAT_JSONL or WN_FORMAT_WET */
	enum wn_on_error action;  /* what is done with the record */
	uint64_t line;            /* line of the input where the record starts, from 1 */
	uint64_t offset;          /* byte of the input where the record starts, from 0 */
	const char *msg;          /* what is wrong, without the position; never NULL */
};

/* Called once for each malformed record, before the action is taken. */
typedef void wn_error_fn(void *ctx, const struct wn_record_error *err);

/* Default of wn_options.min_chars: lines shorter than this many characters
 * are never deduplicated (see README: short replies like "Yes." survive). */
#define WN_DEFAULT_MIN_CHARS 20
/* Default of wn_options.max_line: lines up to 64 MiB are judged. */
#define WN_DEFAULT_MAX_LINE ((size_t)64 << 20)
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
/* Defaults of --strip-nav (doc/nav.md): lengths in weighted characters. */
#define WN_DEFAULT_NAV_SHORT 90
#define WN_DEFAULT_NAV_LONG 150
#define WN_DEFAULT_NAV_HEADING 50
#define WN_DEFAULT_NAV_STOP_LOW 0.10
#define WN_DEFAULT_NAV_STOP_HIGH 0.30
/* Default of wn_options.nav_threshold: a line the model gives a lower
 * probability of being text is dropped (doc/nav.md). */
#define WN_DEFAULT_NAV_THRESHOLD 0.15
/* A stop word list fits a document when its words are this share of all. */
#define WN_NAV_LANG_MIN 0.10
/* A longer document is judged in windows of this many bytes. */
#define WN_NAV_WINDOW ((size_t)4 << 20)

/* Replaces the seen set, for dedup split over several processes (winnow
 * sign and apply): called for each line the seen set would be asked about,
 * with the line's fingerprint and its index among such lines in the stream
 * (0, 1, 2, ...: the same for the same input and settings). Returns 1 to
 * keep the line, 0 to drop it as a duplicate, or a negative wn_error. */
typedef int wn_judge_fn(void *ctx, uint64_t fingerprint, uint64_t index);

/* What happens when the seen set reaches wn_options.max_mem. */
enum wn_on_full {
	WN_FULL_FORGET = 0, /* forget the oldest quarter of the lines seen */
	WN_FULL_FAIL,       /* stop with WN_E_LIMIT */
	WN_FULL_BLOOM,      /* become a Bloom filter of the same size */
};

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
	size_t max_doc;         /* 0: WN_DEFAULT_MAX_DOC; a longer text document
				 * is judged in pieces, a longer JSON Lines or
				 * WET record is malformed */
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
	uint64_t max_mem;       /* bytes for the seen set; 0: no limit */
	enum wn_on_full on_full;
	wn_judge_fn *judge;     /* NULL: the seen set decides */
	void *judge_ctx;
	/* Formats and documents (doc/formats.md). */
	enum wn_format format;  /* WN_FORMAT_TEXT by default */
	const char *field;      /* JSON Lines text field; NULL: "text". Copied */
	bool keep_empty;        /* write records whose text became empty (and
				 * a text document's form feed or NUL) */
	bool wet_digest;        /* recompute a sha1 WARC-Block-Digest of a
				 * rewritten WET record; else drop the header */
	bool doc_dedup;         /* drop documents whose whole text was seen */
	enum wn_on_error on_error;
	wn_error_fn *error;     /* NULL: malformed records are only counted */
	void *error_ctx;
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
	/* Navigation and menu runs (doc/nav.md): each document's lines are
	 * classified by their features and their neighbours' and the junk is
	 * dropped (WN_DROP_NAV). Lengths are weighted characters; 0 means the
	 * WN_DEFAULT_NAV_* value. */
	bool strip_nav;
	unsigned nav_short;     /* shorter lines are settled by context */
	unsigned nav_long;      /* a line this long with nav_stop_high is good */
	unsigned nav_heading;   /* a short line this close before good text stays */
	double nav_stop_low;    /* stop word share below which a line is bad */
	double nav_stop_high;   /* share from which a line is (near-)good */
	double nav_threshold;   /* 0: WN_DEFAULT_NAV_THRESHOLD; a line whose
				 * probability of being text is lower is dropped */
	wn_nav_dump_fn *nav_dump; /* NULL: none; else called for every
				   * non-blank line the classifier judges */
	void *nav_dump_ctx;
	/* Threads (doc/threads.md): 0 or 1 runs everything on the calling
	 * thread; 2 or more prepare a share of the lines (repairs, key,
	 * shingles, boilerplate rules) on one worker thread while the calling
	 * thread prepares the rest, judges and writes, up to five blocks of
	 * input (64 KiB each) behind it. The output and statistics are the same
	 * byte for byte, and so are the explanations (where a change event
	 * falls among the drops of the lines just before it depends on how
	 * the input is cut, with one thread as with two); every callback
	 * comes on the calling thread. More than 2 is 2 for now; with
	 * repairs off it is 1. */
	unsigned threads;
	/* A line longer than max_line bytes (CR included, LF not) is kept as
	 * it came, unrepaired and unjudged, and written in pieces as it
	 * arrives: the filter never holds such a line whole, so memory stays
	 * bounded whatever the input (see README, --max-line). */
	size_t max_line;        /* 0: WN_DEFAULT_MAX_LINE; SIZE_MAX: no limit */
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

/* docs_in == docs_out + docs_dup + docs_empty. Records that are not
 * documents (WARC warcinfo, request, ...; blank lines in JSON Lines) and
 * malformed records are counted apart and hold no lines. */
struct wn_stats {
	uint64_t docs_in;
	uint64_t docs_out;    /* documents with at least one kept line */
	uint64_t docs_dup;    /* dropped whole by doc_dedup */
	uint64_t docs_empty;  /* no line kept: in JSON Lines and WET not
			       * written, unless keep_empty */
	uint64_t records_passed;    /* not documents, written unchanged */
	uint64_t records_malformed; /* passed, skipped or failed: on_error */
	uint64_t lines_in;
	uint64_t lines_kept;
	uint64_t dropped[WN_REASON_COUNT]; /* index WN_KEPT is unused (0) */
	uint64_t lines_changed; /* kept or not, rewritten by a repair */
	uint64_t lines_unjudged; /* kept unjudged, longer than max_line (in lines_kept) */
	uint64_t bytes_in;
	uint64_t bytes_out;
	uint64_t seen_entries;  /* distinct fingerprints in the seen set */
	uint64_t seen_bytes;    /* memory held by the seen set */
	uint64_t near_entries;  /* distinct shingle fingerprints of kept lines */
	uint64_t near_bytes;    /* memory held by the shingle set */
	uint64_t near_forgotten; /* shingles forgotten by on_full=forget */
	uint64_t near_loaded;   /* shingles loaded from saved state */
	bool near_bloom;        /* the shingle set is a Bloom filter */
	bool near_full;         /* WN_E_LIMIT came from the shingle set */
	uint64_t doc_near_docs; /* documents remembered for doc_near */
	uint64_t doc_near_bytes; /* memory held by their bands and signatures */
	uint64_t regex_limited; /* regex rule matches given up at the match limit */
	uint64_t seen_loaded;   /* fingerprints loaded from saved state */
	uint64_t seen_forgotten; /* forgotten by on_full=forget in this run */
	uint64_t lines_ahead;   /* threads: lines the worker thread prepared */
	double ahead_seconds;   /* threads: CPU time of the worker thread so far */
	bool seen_bloom;        /* the seen set is a Bloom filter */
	double seen_false_rate; /* Bloom: chance a distinct line is dropped now */
	double expected_false_drops; /* Bloom: distinct lines dropped, expected */
};

/* ---- The filter -------------------------------------------------------- */

struct wn_filter;

/* Makes a filter, copying *opt. Returns NULL when out of memory or when an
 * option is invalid (opt->write NULL, format or on_error out of range, a
 * share out of range, a malformed rule). Free with wn_filter_free. A filter
 * is not thread-safe; distinct filters are independent. */
struct wn_filter *wn_filter_new(const struct wn_options *opt);

/* Makes a filter as wn_filter_new does, and says why it could not: returns
 * 0 and sets *f_out, or returns WN_E_NOMEM or WN_E_INVAL (opt->write NULL,
 * format or on_error out of range, or a malformed rule) with *f_out NULL.
 * When diag_out is not NULL it gets the error and, for a malformed rule,
 * the text's name, line and message (the first malformed rule; rules texts
 * are read in order). */
int wn_filter_create(const struct wn_options *opt, struct wn_filter **f_out,
		     struct wn_diag *diag_out);

/* Feeds len bytes of input. The output is identical however the input is
 * split across calls. Output written so far is passed to the sink before
 * return, so a live pipe sees its lines promptly (a JSON Lines or WET
 * record once it is complete). Returns 0 or a negative wn_error; after an
 * error the only valid call is wn_filter_free. WN_E_FORMAT (a malformed
 * record under WN_ON_ERROR_FAIL) comes after the error callback, and after
 * every record before the malformed one was passed to the sink. */
int wn_filter_push(struct wn_filter *f, const void *buf, size_t len);

/* With wn_options.threads >= 2, wn_filter_push copies its input and may
 * return with up to five 64 KiB blocks not yet judged: their output comes
 * on a later call. wn_filter_flush judges all input
 * pushed so far and passes its output to the sink (a live pipe that went
 * quiet, say). Without threads it only passes on what is pending. Returns
 * as wn_filter_push does. */
int wn_filter_flush(struct wn_filter *f);

/* Supplies up to cap bytes into buf: returns how many (> 0), 0 at the end,
 * or a negative number on failure (reported as WN_E_READ). */
typedef long wn_read_fn(void *ctx, void *buf, size_t cap);

/* Reads the current input through rd and judges it: the same output,
 * statistics and explanations as wn_filter_push of every byte rd gives, in
 * order, then, once rd returns 0, wn_filter_end_input. rd is asked for up
 * to 256 KiB at a time; it should return what it has rather than wait for
 * more: a read that gives fewer bytes than asked is judged at once, so a
 * live source that goes quiet (a pipe) has its output written.
 *
 * With wn_options.threads >= 2 the worker thread calls rd, straight into
 * its own 64 KiB blocks, and prepares them while the calling thread judges
 * the blocks read before, in order: no copy, and no thread of the caller's
 * to read ahead. rd is then called on the worker thread, never twice at
 * once, and never after wn_filter_pull returned; every other callback
 * comes on the calling thread. With one thread the calling thread calls rd
 * into a buffer of the filter's.
 *
 * max_bytes: 0 reads to the input's end; else wn_filter_pull returns once
 * about max_bytes were read in this call (a block more at most), so that
 * the caller can report progress; call it again (or wn_filter_push) to go
 * on. As after a push, blocks read but not judged yet (five at most) are
 * judged by the next call.
 *
 * Returns 1 when the input ended (it was ended as by wn_filter_end_input),
 * 0 when it stopped at max_bytes, or a negative wn_error. WN_E_READ: rd
 * failed (or gave more than cap); every byte it gave before was judged and
 * the output of whole lines passed to the sink, as wn_filter_push would
 * have; the input was not ended (an unfinished last line is not written),
 * and as after any error only wn_filter_free is valid. */
int wn_filter_pull(struct wn_filter *f, wn_read_fn *rd, void *ctx, uint64_t max_bytes);

/* Ends the current input (a file): an unterminated last line is taken as a
 * line, the document ends, and line numbers restart at 1. With
 * WN_FORMAT_AUTO the next input's format is detected anew. An input that
 * ends inside a WET record makes that record malformed (truncated). */
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
/* ---- Saved state ------------------------------------------------------ */

/* A saved state holds what the filter remembers (the fingerprints of the
 * lines it has seen) with the settings that made them, so a later run can
 * go on where this one stopped. The format is in doc/state.md: a header,
 * a table of typed sections, the sections, and an XXH3-64 checksum. */

#define WN_STATE_FORMAT 1        /* the format version this library writes */
#define WN_STATE_HEADER_SIZE 96  /* bytes wn_state_header needs */
/* Version of the key: bumped whenever key normalization or a repair rule
 * changes the fingerprint of some line, which makes older states unusable. */
#define WN_KEY_VERSION 1

/* Types with bit 31 set are optional: a reader that does not know one
 * skips it. Shingle sections are optional, so an older winnow loads a state
 * with them, without them. */
enum wn_section_type {
	WN_SECTION_LINES = 1,       /* exact line fingerprints; param = generation */
	WN_SECTION_LINES_BLOOM = 2, /* a Bloom filter of line fingerprints */
};
/* Word shingles of kept lines (near duplicates), optional; param = words
 * per shingle << 16 | generation (| 0 for the Bloom filter). */
#define WN_SECTION_SHINGLES 0x80000003u
#define WN_SECTION_SHINGLES_BLOOM 0x80000004u

struct wn_state_section {
	uint32_t type;     /* enum wn_section_type */
	uint32_t param;    /* generation, 0 the oldest (| words << 16 for shingles) */
	uint64_t count;    /* fingerprints (estimated for a Bloom filter) */
	uint64_t nbytes;   /* size in the file */
};

struct wn_state_info {
	uint32_t format;      /* format version */
	uint64_t file_bytes;  /* the whole file, as the header says */
	uint32_t hash;        /* 1: XXH3-64 */
	uint64_t seed;
	enum wn_key key;
	uint32_t key_version;
	bool repair;          /* repairs were on */
	uint64_t repair_off;  /* repair rules switched off (when repair) */
	uint64_t lines;       /* line fingerprints held */
	uint64_t forgotten;   /* fingerprints forgotten by on-full=forget, ever */
	uint32_t nsections;
};

/* Settings of a state that differ from a run's, as bits. */
enum wn_state_diff {
	WN_DIFF_HASH = 1 << 0,         /* another hash algorithm */
	WN_DIFF_KEY = 1 << 1,          /* another key mode */
	WN_DIFF_KEY_VERSION = 1 << 2,  /* another key version */
	WN_DIFF_REPAIR = 1 << 3,       /* repairs on in one, off in the other */
	WN_DIFF_REPAIR_RULES = 1 << 4, /* other repair rules switched off */
};

/* Parses the fixed header at the start of a state file (len >= 96 bytes):
 * 0, WN_E_NOT_STATE, WN_E_STATE_VERSION (out->format says which), or
 * WN_E_STATE_CORRUPT. Checks no checksum: a later load does. */
int wn_state_header(const void *buf, size_t len, struct wn_state_info *out);

/* The settings in which a state made with info differs from opt (bits of
 * wn_state_diff; 0 when it can be loaded). The seed is not compared: a
 * loaded state brings its own. */
unsigned wn_state_diff(const struct wn_state_info *info, const struct wn_options *opt);

/* Reads a whole state through rd and checks it: structure, order and
 * checksum. Fills *info_out and up to max section descriptions; *nsec_out
 * gets the number of sections. 0 or a negative wn_error. */
int wn_state_verify(wn_read_fn *rd, void *ctx, struct wn_state_info *info_out,
		    struct wn_state_section *sec_out, size_t max, size_t *nsec_out);

/* Loads a state read through rd into f, before the first push. The first
 * load sets f's hash seed to the state's; a second load (merging) must have
 * the same seed. Returns 0, WN_E_STATE_MISMATCH when wn_state_diff finds a
 * difference or the seeds differ, WN_E_LIMIT when the state does not fit
 * wn_options.max_mem under on_full=fail, the format errors above, or
 * WN_E_INVAL after a push. A failed load leaves f unusable (free it). */
int wn_filter_load_state(struct wn_filter *f, wn_read_fn *rd, void *ctx);

/* Writes what f remembers as a state file through wr, in blocks of up to
 * 1 MiB. Valid after wn_filter_finish or before any push. 0, WN_E_NOMEM or
 * WN_E_SINK. The filter is unchanged. */
int wn_filter_save_state(const struct wn_filter *f, wn_write_fn *wr, void *ctx);

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
