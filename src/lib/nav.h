/* nav.h - --strip-nav: a per-document classifier of navigation and menu
 * runs, in the manner of jusText, adapted to text without markup
 * (doc/nav.md). Only filter.c and the tests include it. */
#ifndef WN_NAV_H
#define WN_NAV_H

#include "internal.h"

/* The languages with a stop word list (rules/stopwords.txt), by bit. */
enum wn_nav_lang {
	WN_NAV_EN, WN_NAV_DE, WN_NAV_FR, WN_NAV_ES, WN_NAV_IT, WN_NAV_NL,
	WN_NAV_PT, WN_NAV_PL, WN_NAV_RU, WN_NAV_ZH, WN_NAV_JA, WN_NAV_KO,
	WN_NAV_LANGS
};
#define WN_NAV_NO_LANG (-1)

/* A line's first class, and after the context pass its final one. */
enum wn_nav_class { WN_NAV_GOOD, WN_NAV_BAD, WN_NAV_SHORT, WN_NAV_NEAR, WN_NAV_SKIP };

/* The model's features that come from the line's text alone (what lynx
 * left of the markup: nav.c's markup_features), the last WN_NAV_MARKUP of
 * a line's vector. */
#define WN_NAV_MARKUP 8
/* The counts the model takes the log of (a line's characters and words,
 * lines between two places, characters between them) are looked up below
 * this, computed above it. */
#define WN_NAV_LOG1P_SMALL 1024

/* What the classifier knows of one line. Lengths are weighted characters:
 * one per letter, digit or symbol, three per Han or kana character, two
 * per Hangul syllable (about what a word's letters weigh in English).
 * wn_nav_features fills everything but repeat, cls and prior from the
 * line alone, so either thread may compute it (doc/threads.md). */
struct wn_nav_feat {
	uint64_t line_hash; /* of a short line's bytes, to count repeats; 0: none */
	uint64_t title_bits; /* a bit per word (nav.c's title_bit), to skip lines
			      * with no three of the page's title words */
	uint32_t chars;
	uint32_t words;    /* words; each Han or kana character is one */
	uint32_t caps;     /* words that start with a capital letter */
	uint32_t digits;
	uint32_t symbols;  /* neither letters, digits nor spaces */
	uint16_t stops[WN_NAV_LANGS]; /* stop words of each language */
	bool ends;         /* ends a sentence (or with a colon) */
	bool repeat;       /* a short line seen in an earlier document */
	uint8_t cls;       /* enum wn_nav_class: first, then final */
	uint8_t prior;     /* dropped by an earlier judge (rule, zone, frequent) */
	float markup[WN_NAV_MARKUP]; /* the model's text-only features */
};

/* Thresholds, from wn_options (0: the defaults in winnow.h). */
struct wn_nav_conf {
	uint32_t short_chars;   /* shorter lines are "short": context decides */
	uint32_t long_chars;    /* a line this long with stop_high is good alone */
	uint32_t heading_chars; /* a heading's distance to good text */
	double stop_low;        /* below: bad; from it: near-good */
	double stop_high;       /* from it: good (when long) */
	double lang_min;        /* a language needs this share of the words */
	double threshold;       /* the model: a lower probability of text is junk */
};

/* The compiled stop word table: open addressing on the word's hash
 * (nav.c's word_hash). */
struct wn_nav_slot {
	uint64_t hash;
	uint32_t off;   /* the word in wn_nav.pool */
	uint16_t len;   /* 0: empty */
	uint16_t langs; /* bit l: a stop word of language l */
};

struct wn_nav {
	struct wn_nav_conf conf;
	struct wn_nav_slot *slots;
	size_t mask;
	struct wn_buf pool;
	uint32_t ko_suffix[32];      /* particles that make a Korean word a stop word */
	unsigned nko_suffix;
	size_t nwords[WN_NAV_LANGS]; /* entries per language */
	uint8_t max_len[256];        /* longest stop word by its first byte */
	uint8_t plain[256];          /* bytes the markup features skip (nav.c) */
	uint8_t title_class[256];    /* bytes of the page's title words (nav.c) */
	double log1p_small[WN_NAV_LOG1P_SMALL]; /* log1p(i): the model's counts (nav.c) */
	/* Everything above is only read once wn_nav_init returns: a worker
	 * thread computes features with it (wn_nav_features) while the
	 * filter's thread judges with what follows. */
	/* The document (or window) being held: judged lines and features. */
	struct wn_doc doc;
	struct wn_nav_feat *feat;
	size_t feat_cap;
	size_t window;               /* judge a document in windows of this many bytes */
	bool cont;                   /* the window goes on from an earlier one */
	int lang;                    /* the last window's language, or WN_NAV_NO_LANG */
	struct wn_freq seen;         /* documents per short line, for repeat */
	uint32_t doc_no;
	struct wn_buf fin;           /* the final class of each held line */
	struct wn_buf model;         /* the model's features and sums (nav.c) */
	size_t block_lo, block_hi;   /* the last window's main block: held lines */
	/* The page's title words, from its address (nav.c's wn_nav_begin). */
	struct wn_buf slug;          /* a struct slug_word (nav.c) per word */
	struct wn_buf slug_text;     /* their bytes, lowercased */
	size_t slug_words;           /* words in slug */
	size_t nslug;                /* distinct words, those too long to keep too */
	uint64_t slug_bloom[4];      /* bits of their hashes */
	uint64_t slug_lens;          /* bits of their lengths (63: 63 or more) */
	uint64_t slug_heads[16];     /* bits of their first two letters (nav.c) */
	uint64_t slug_bits;          /* their title_bits (wn_nav_feat) */
	uint8_t slug_per_bit[64];    /* words per bit (3: maybe more) */
	wn_nav_dump_fn *dump;        /* training dump, or NULL */
	void *dump_ctx;
};

/* Compiles the built-in stop word lists and sets the thresholds. 0 or
 * WN_E_NOMEM. */
int wn_nav_init(struct wn_nav *n, const struct wn_options *opt);
void wn_nav_free(struct wn_nav *n);

/* The features of the non-blank line p[0..len) that depend on it alone
 * (all but repeat, cls and prior). Reads only what wn_nav_init set, so
 * another thread may call it while the filter's thread judges. */
void wn_nav_features(const struct wn_nav *n, const char *p, size_t len,
		     struct wn_nav_feat *out);

/* The languages (bits) of which word (lowercase UTF-8) is a stop word. */
unsigned wn_nav_stopword(const struct wn_nav *n, const char *word, size_t len);

/* A document starts; url is its address (a record's WARC-Target-URI or
 * "url"), or NULL: the words of its path are the page's title words,
 * which the model looks for in the lines (doc/nav.md). Out of memory,
 * the page has none. */
void wn_nav_begin(struct wn_nav *n, const char *url, size_t len);

/* Holds a judged line of the current document. made: the bytes of the
 * line's struct wn_nav_feat as wn_nav_features made them (maybe on the
 * worker thread; unaligned), or NULL to compute them here. 0 or
 * WN_E_NOMEM. */
int wn_nav_add(struct wn_nav *n, const struct wn_judged *v, const char *text, const void *made);

/* True when the held lines fill a window: judge them before the next. */
static inline bool wn_nav_full(const struct wn_nav *n)
{
	return n->doc.text.len >= n->window;
}

/* Classifies the held lines and marks those to drop (reason WN_DROP_NAV,
 * rule "CLASS:RULE"); lines dropped before stay as they were. doc_end
 * says the document ends here (else the window's end counts as text). */
void wn_nav_judge(struct wn_nav *n, bool doc_end);

/* Forgets the held lines; at a document's end, starts a new document. */
void wn_nav_clear(struct wn_nav *n, bool doc_end);

/* The second stage's trees (nav_model.h): adds each tree's leaf to the
 * margins z of cnt lines whose columns are in (column c of line i at
 * in[c * stride + i]; stride and z's room a multiple of 8 at least cnt,
 * the lines from cnt on readable). path: WN_PLAIN_PATH_AVX2 eight lines a
 * step when the CPU has AVX2, else one at a time; both give the same
 * margins to the bit. Returns the path it took. nav.c passes
 * wn_plain_path(); the tests compare the two. */
int wn_nav_trees(int path, const float *in, size_t stride, size_t cnt, float *z);

/* The ISO 639-1 code of a language, or "" for WN_NAV_NO_LANG. */
const char *wn_nav_lang_name(int lang);

/* The embedded rules/stopwords.txt. */
extern const unsigned char wn_stopwords_text[];
extern const size_t wn_stopwords_len;

#endif
