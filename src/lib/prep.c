/* prep.c - the line-local stages on a second thread (wn_options.threads >= 2).
 *
 * The filter copies its input into blocks of up to PREP_BLOCK_MAX bytes and
 * hands each to a worker thread, which frames it exactly as the filter
 * will (the same framer code, options and input bytes give the same lines
 * in the same order) and, for a share of the lines, runs everything that
 * depends on the line alone: the character and punctuation repairs, the
 * key, the shingles, the boilerplate rules and the navigation classifier's
 * line features. It records each line's
 * result, or that it left the line to the filter. The filter then frames
 * the same block itself, one block behind the worker, and takes each
 * prepared line's results from the worker's record instead of computing
 * them; it prepares the other lines itself. Judging, dedup and writing stay
 * on the calling thread, in input order, so the output is the
 * single-threaded output byte for byte. The share follows which thread
 * waits for the other. Each record carries the line's length and first
 * bytes; a line that does not match (which would be a bug) turns the
 * worker's results off and the filter prepares every line on its own. */
#define _POSIX_C_SOURCE 200809L /* pthread_getcpuclockid, clock_gettime */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"
#include "nav.h"

/* Bytes handed to the worker at once: PREP_BLOCK_MAX unless the memory
 * limit wants smaller (wn_prep_block_size); never below PREP_BLOCK_MIN. */
#define PREP_BLOCK_MAX ((size_t)1 << 20)
#define PREP_BLOCK_MIN ((size_t)4 << 10)
/* With the classifier's features (--strip-nav) the judging thread is the
 * bound and reads about 110 bytes of features a line from the worker's
 * blocks: in blocks of 1 MiB (about 5 MiB with their text, six in flight)
 * they come from memory rather than the cache, and its CPU time rose by a
 * quarter (bench/README.md, branch twothr7). It keeps the blocks its
 * speed was measured with. */
#define PREP_BLOCK_NAV ((size_t)64 << 10)
/* One being filled, one being judged, the rest queued for the worker or
 * prepared: the slack lets either thread run ahead a while. */
#define PREP_BLOCKS 6

/* One line as the worker found it, in 24 bytes (40 before branch
 * twothr10: the cache lines of records pass from one core to the other).
 * What the line has besides follows the previous line's in the block's
 * text buffer, in this order, as its flags say: when a repair fired, the
 * rules that fired (two uint32_t, as wn_repair_push and wn_punct_push say)
 * and the repaired text after its length (a size_t); the key; its rule
 * group; the regex counts; the shingles; the classifier's features. The
 * key's hash is here, not after the key in the text buffer: the judging
 * thread reads the records in order, which the cache's prefetcher follows,
 * and without rules nor near duplicates it reads no other byte the worker
 * wrote of a line it keeps by its hash (a hash after each key was one miss
 * from the other core a line: bench/README.md, branch twothr8). */
struct prepped {
	uint64_t hash;     /* keyed: the key's hash */
	uint32_t in_len;   /* the line before repair (its low 32 bits) */
	uint32_t in_head;  /* and its first (up to) 4 bytes, to check it is the same */
	uint32_t key_len;  /* NO_KEY, or the trimmed line's key */
	uint32_t flags;    /* PR_ below */
};

_Static_assert(sizeof(struct prepped) == 24, "a record is 24 bytes");

enum {
	PR_PREPARED = 1 << 0,  /* else the filter prepares the line itself */
	PR_CHANGED = 1 << 1,   /* a repair fired: the rules and the text */
	PR_LONG_LINE = 1 << 2, /* keyed: the trimmed line has min_chars code points */
	PR_KEY_GONE = 1 << 3,  /* keyed, hash_only: the key is not in the text
				* (the filter reads only its hash) */
	PR_RULED = 1 << 4,     /* keyed, rules on: wn_rules_match's group (an
				* int32_t, -1 for none) after the key */
	PR_REGEXED = 1 << 5,   /* then the PCRE2 matches the rules ran on it
				* and those given up at a limit (two uint32_t);
				* not set when both are 0 */
	PR_SHINGLED = 1 << 6,  /* then its shingles (wn_shingler_save) */
	PR_NAVVED = 1 << 7,    /* then the trimmed line's struct wn_nav_feat */
};

/* wn_filter_pull: what the worker's reading is at. */
enum pull_state {
	PULL_OFF,     /* not reading: blocks come from wn_prep_fill */
	PULL_READING, /* reading the input through rd into free blocks */
	PULL_CAPPED,  /* stopped at the call's max bytes: the filter returns */
	PULL_END,     /* rd said the input ends (the last block says so too) */
	PULL_FAILED,  /* rd failed, or preparing a block did (its err says) */
};

/* wn_filter_pull: the worker reads this much at a time into a block, or
 * a quarter of a smaller block (so the tests' blocks of 64 KiB come in
 * pieces too). */
#define PULL_PIECE ((size_t)64 << 10)
/* wn_prep_take fetches the record this many lines ahead, and the text
 * this many bytes ahead. */
#define TAKE_AHEAD 16u
#define TAKE_AHEAD_TEXT 512u

#define NO_KEY UINT32_MAX
/* The worker prepares SHARE_MAX parts in share of the lines: more while
 * it waits for the filter, fewer while the filter waits for it. */
#define SHARE_MAX 32

int wn_prep_test_share = -1; /* tests only (internal.h) */
bool wn_prep_test_poison;
size_t wn_prep_test_block;

/* What a block may hold besides its input, in eighths of the block: the
 * worker stops recording lines (the filter prepares the rest of the block
 * itself) before one more record would pass RES_EIGHTHS, or once the text
 * buffer holds TEXT_EIGHTHS (more with shingles and the classifier's
 * features: measured on dup, a record is 0.41 of a line's bytes, the
 * keys 1.0, shingles 1.6 and features 1.2 more; with records of 36 bytes
 * and the hash in the text, now 40 bytes with the hash in the record). The last line recorded
 * may pass the text's cap by what one line writes; lines longer than
 * block / LINE_PART are left to the filter, so that is at most about
 * LINE_TEXT times block / LINE_PART (the repaired line, its key of at most
 * three bytes a byte, its shingles and features). */
#define RES_EIGHTHS 8u
#define TEXT_EIGHTHS 12u
#define SHINGLE_EIGHTHS 16u
#define NAV_EIGHTHS 12u
#define LINE_PART 32u
#define LINE_TEXT 16u

static size_t text_cap(size_t block, bool shingles, bool nav)
{
	return block / 8 *
	       (TEXT_EIGHTHS + (shingles ? SHINGLE_EIGHTHS : 0) + (nav ? NAV_EIGHTHS : 0));
}

uint64_t wn_prep_footprint(size_t block, bool shingles, bool nav)
{
	const uint64_t one = (uint64_t)block + block / 8 * RES_EIGHTHS +
			     text_cap(block, shingles, nav) + block / LINE_PART * LINE_TEXT;
	return PREP_BLOCKS * one;
}

size_t wn_prep_block_size(uint64_t budget, bool shingles, bool nav)
{
	if (wn_prep_test_block)
		return wn_prep_test_block;
	for (size_t block = nav ? PREP_BLOCK_NAV : PREP_BLOCK_MAX; block >= PREP_BLOCK_MIN;
	     block /= 2)
		if (wn_prep_footprint(block, shingles, nav) <= budget)
			return block;
	return 0;
}

/* A block's header and the filter's side of struct wn_prep each have a
 * cache line of their own: the worker writes the lengths of the block it
 * prepares at each line while the filter reads those of the one before it
 * and moves its own place in it at each line, and sharing a line made each
 * thread's write a miss for the other (bench/README.md, branch twothr8). */
#define CACHE_LINE 64

struct prep_block {
	_Alignas(CACHE_LINE) struct wn_buf data; /* a copy of the input */
	uint64_t seed;       /* the filter's key seed (a loaded state sets it) */
	struct wn_buf res;   /* struct prepped per line, in order */
	struct wn_buf text;  /* the repaired lines */
	bool cut;            /* the worker stopped recording at a cap: the
			      * lines after the records are the filter's */
	bool sniffed;        /* an input's format was told in this block: the
			      * filter frames it from its sniffing copy */
	bool end_input;      /* the input ends after data */
	int err;             /* the worker's error on this block, or 0 */
};

struct wn_prep {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool thread_live;
	bool stop;
	struct prep_block blocks[PREP_BLOCKS];
	size_t block;        /* bytes in a full block */
	size_t res_cap, text_cap, line_max; /* a block's caps (above) */
	size_t piece;        /* wn_filter_pull reads this much at a time */
	/* Counters, only growing: blocks handed to the worker, prepared by it,
	 * and judged and given back by the filter. judged <= prepped <=
	 * filled; block filled % PREP_BLOCKS is the one being filled while
	 * filled - judged < PREP_BLOCKS. */
	unsigned filled, prepped, judged;
	bool filter_waited;  /* the filter waited for a block since the worker looked */
	/* wn_filter_pull: the worker reads the input itself through rd into
	 * the next free block (block filled % PREP_BLOCKS), prepares it and
	 * counts it filled and prepared at once; the filter only judges. */
	enum pull_state pull;
	bool pull_halt;      /* the filter failed: stop reading */
	wn_read_fn *rd;
	void *rd_ctx;
	uint64_t pull_seed;
	uint64_t pull_max;   /* 0, or stop once this many bytes were read */
	uint64_t pull_read;  /* bytes read since wn_prep_pull_start */
	/* The filter's side: the block it judges and its next record. */
	_Alignas(CACHE_LINE) struct prep_block *cur;
	size_t next;
	size_t text_next;    /* the next repaired text in cur */
	bool broken;         /* a line did not match: repair on the caller's thread */
	/* The worker's side: its own framers and repair stages. */
	_Alignas(CACHE_LINE) struct wn_options opt;
	enum wn_format format;
	struct wn_buf sniff;
	struct wn_lines lines;
	struct wn_jsonl jsonl;
	struct wn_wet wet;
	struct wn_repair repair;
	struct wn_punct punct;
	struct wn_keyer keyer;
	struct wn_shingler shingler; /* near stages on: keyed lines are shingled too */
	const struct wn_rules *rules; /* the filter's, read only; NULL: rules off */
	const struct wn_nav *nav;     /* the filter's, read only; NULL: strip_nav off */
	struct wn_rules_local rules_local;
	bool shingle_lines;
	bool key_lines;      /* the filter keys lines: so does the worker */
	bool hash_only;      /* wn_prep_new's: an unchanged line's key is made
			      * in scratch, not kept in the text buffer */
	struct wn_buf scratch;
	/* wn_prep_new's memo: lines that came out unchanged lately, under
	 * the keyer's seed, as filter.c's for the lines it prepares. */
	bool memo_on;
	struct wn_linememo memo;
	struct wn_linememo_fill memo_fill;
	unsigned share;      /* of SHARE_MAX lines, those the worker prepares */
	unsigned nlines;
	uint64_t rand;       /* wn_prep_test_share > SHARE_MAX: which lines */
	struct prep_block *out; /* the block being prepared */
};

static uint32_t head4(const char *p, size_t n)
{
	uint32_t h = 0;
	if (n >= 4) /* a fixed size: no call to memcpy */
		memcpy(&h, p, 4);
	else
		for (size_t i = 0; i < n; i++)
			h |= (uint32_t)(uint8_t)p[i] << (8 * i);
	return h;
}

/* ---- The worker ------------------------------------------------------------ */

/* As filter.c's trim_end(). */
static size_t trim_end(const char *s, size_t n)
{
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\v'))
		n--;
	return n;
}

/* The key of a repaired line that stays one line: appended to the text
 * buffer with its hash; then its boilerplate rule and shingles. ascii: the
 * line is known to be ASCII (its bytes are its code points). The key of
 * an unchanged line made in the worker's scratch (gone: a plain line's
 * is there already) only gives its hash. */
static int prep_key(struct wn_prep *p, const struct wn_line *line, bool changed,
		    const size_t *plain_key, bool gone, bool ascii, struct prepped *r)
{
	if (!p->key_lines)
		return 0;
	const struct wn_line trimmed = { line->ptr, trim_end(line->ptr, line->len) };
	if (trimmed.len == 0 || trimmed.len > NO_KEY / 4 ||
	    (changed && memchr(line->ptr, '\n', line->len)))
		return 0;
	struct wn_buf *t = &p->out->text;
	const size_t at = t->len;
	uint64_t hash;
	if (gone && !changed) {
		/* Not plain, unchanged: the repairs' key too, as a memo hit
		 * records it (the filter reads its hash only either way). */
		if (!plain_key) {
			p->scratch.len = 0;
			if (wn_keyer_key(&p->keyer, &trimmed, &p->scratch, &hash) != 0)
				return WN_E_NOMEM;
			r->hash = hash;
			r->key_len = (uint32_t)p->scratch.len;
		} else {
			r->hash = wn_key_hash(&p->keyer, p->scratch.ptr, *plain_key);
			r->key_len = (uint32_t)*plain_key;
		}
		r->flags |= PR_KEY_GONE;
		if (ascii ? trimmed.len >= p->opt.min_chars
			  : wn_utf8_at_least(trimmed.ptr, trimmed.len, p->opt.min_chars))
			r->flags |= PR_LONG_LINE;
		return 0;
	}
	if (plain_key) { /* made at the buffer's end already */
		t->len += *plain_key;
		hash = wn_key_hash(&p->keyer, t->ptr + at, *plain_key);
	} else if (wn_keyer_key(&p->keyer, &trimmed, t, &hash) != 0) {
		return WN_E_NOMEM;
	}
	r->hash = hash;
	r->key_len = (uint32_t)(t->len - at);
	if (ascii ? trimmed.len >= p->opt.min_chars
		  : wn_utf8_at_least(trimmed.ptr, trimmed.len, p->opt.min_chars))
		r->flags |= PR_LONG_LINE;
	if (p->rules) {
		struct wn_rules_local *l = &p->rules_local;
		const uint64_t calls = l->regex_calls, limited = l->limited;
		const struct wn_line key = { t->ptr + at, r->key_len };
		const int32_t rule = wn_rules_match_local(p->rules, l, &trimmed, &key, hash);
		const uint32_t counts[2] = { (uint32_t)(l->regex_calls - calls),
					     (uint32_t)(l->limited - limited) };
		r->flags |= PR_RULED | ((counts[0] | counts[1]) ? PR_REGEXED : 0);
		if (wn_buf_append(t, &rule, sizeof(rule)) != 0 ||
		    ((r->flags & PR_REGEXED) && wn_buf_append(t, counts, sizeof(counts)) != 0))
			return WN_E_NOMEM;
	}
	if (p->shingle_lines)
		r->flags |= PR_SHINGLED;
	if (!p->shingle_lines)
		return 0;
	const int rc = wn_shingler_run(&p->shingler, &trimmed, t->ptr + at, r->key_len);
	return rc ? rc : wn_shingler_save(&p->shingler, t);
}

/* The navigation classifier's features of the trimmed line, when the
 * repaired line stays one line (the filter judges it as it is), after the
 * key in the text buffer. */
static int prep_nav(struct wn_prep *p, const struct wn_line *line, bool changed,
		    struct prepped *r)
{
	const size_t len = trim_end(line->ptr, line->len);
	if (len == 0 || (changed && memchr(line->ptr, '\n', line->len)))
		return 0;
	struct wn_nav_feat feat;
	wn_nav_features(p->nav, line->ptr, len, &feat);
	r->flags |= PR_NAVVED;
	return wn_buf_append(&p->out->text, &feat, sizeof(feat));
}

/* Whether the worker prepares the next line. */
static bool my_turn(struct wn_prep *p)
{
	const unsigned k = p->nlines++ % SHARE_MAX;
	if (wn_prep_test_share <= SHARE_MAX)
		return k < p->share;
	p->rand ^= p->rand << 13; /* xorshift64 */
	p->rand ^= p->rand >> 7;
	p->rand ^= p->rand << 17;
	return p->rand >> 63;
}

/* The worker's memo (filter.c's take_memo): a line of the block it
 * judges that came out unchanged lately is recorded as it was then, with
 * its key's length and hash (0), skipping the plain pass, or the repairs,
 * and the key; else (1) it goes on, to be remembered if unchanged. */
static int prep_memo(struct wn_prep *p, const struct wn_line *line, struct prepped *r)
{
	p->memo_fill.e = NULL;
	/* An empty line has no look (and none is over line_max, the
	 * memo's 4 GiB bound). */
	if (!line->len)
		return 1;
	const struct wn_linememo_entry *e =
		wn_linememo_find(&p->memo, &p->keyer, line, &p->memo_fill);
	if (!e)
		return 1;
	r->hash = e->dup_hash;
	r->key_len = e->dedup & ~WN_LINEMEMO_LONG;
	r->flags |= PR_KEY_GONE | (e->dedup & WN_LINEMEMO_LONG ? PR_LONG_LINE : 0);
	p->memo.hits++;
	return 0;
}

/* Remembers the line that missed in the worker's memo, if it came out
 * unchanged and keyed (its key gone: in the block, not sniffed). */
static void prep_remember(struct wn_prep *p, const struct prepped *r, bool changed)
{
	if (!p->memo_fill.e)
		return;
	if (!changed && (r->flags & PR_KEY_GONE))
		wn_linememo_fill(&p->memo_fill,
				 r->key_len | (r->flags & PR_LONG_LINE ? WN_LINEMEMO_LONG : 0),
				 r->hash);
	p->memo_fill.e = NULL;
}

static int prep_line(struct wn_prep *p, const struct wn_line *in)
{
	struct prep_block *const o = p->out;
	if (o->cut)
		return 0;
	if (o->res.len + sizeof(struct prepped) > p->res_cap || o->text.len >= p->text_cap) {
		o->cut = true; /* counted in the memory limit: no further */
		return 0;
	}
	struct wn_line line = *in;
	/* The record is written where it goes, in the room the worker
	 * reserved for the block's records (p->res_cap, checked above), and
	 * counted once the line is prepared: made on the stack and copied, a
	 * record's small stores were read back as one wide load that waited
	 * for them. */
	struct prepped *const r = (struct prepped *)(void *)(o->res.ptr + o->res.len);
	*r = (struct prepped){ .in_len = (uint32_t)in->len, .in_head = head4(in->ptr, in->len),
			       .key_len = NO_KEY };
	if (!my_turn(p) || in->len > p->line_max) {
		o->res.len += sizeof(*r);
		return 0;
	}
	r->flags = PR_PREPARED;
	/* With hash_only the filter reads only the hash of an unchanged
	 * line's key when the line is in the buffer it judges: not carried
	 * over from the block before, nor in a block whose first bytes told
	 * the input's format (the filter frames that block from its copy).
	 * Such a key is made in scratch, which stays in this core's cache,
	 * and not written to the text buffer of up to 1.5 blocks that the
	 * filter reads a few blocks later (bench/README.md, branch twothr10). */
	const bool gone = p->hash_only && !o->sniffed && line.ptr >= o->data.ptr &&
			  line.ptr + line.len <= o->data.ptr + o->data.len;
	if (p->memo_on && gone && wn_linememo_awake(&p->memo)) {
		/* The set of the next line is fetched while this one is
		 * worked on: a look-up is a cache miss otherwise. */
		const char *const next = line.ptr + line.len + 1;
		if (next + 16 <= o->data.ptr + o->data.len)
			wn_linememo_prefetch(&p->memo, next);
		if (!prep_memo(p, &line, r)) {
			o->res.len += sizeof(*r);
			return 0;
		}
	}
	/* A plain line (plain.c, as filter.c's take_plain) needs no repair,
	 * and its key is made, at the text buffer's end, in the pass that
	 * tells so; the punctuation rules run on it only if one may act. */
	struct wn_buf *t = &o->text;
	const size_t room = 3 * line.len + WN_PLAIN_SLACK;
	if (t->cap - t->len < room && wn_buf_reserve(t, room) != 0)
		return WN_E_NOMEM;
	size_t plain_len;
	const int plain = wn_plain_key(line.ptr, line.len, !p->opt.nfkc && !p->opt.ascii,
				       gone ? p->scratch.ptr : t->ptr + t->len, &plain_len);
	int rc = 0;
	uint32_t fired[2] = { 0, 0 }; /* repairs, puncts */
	if (!plain)
		rc = wn_repair_push(&p->repair, &line, &fired[0]);
	if (!rc && (!plain || (plain & WN_PLAIN_PUNCT)))
		rc = wn_punct_push(&p->punct, &line, &fired[1]);
	if (rc)
		return rc;
	const bool changed = fired[0] | fired[1];
	if (changed) {
		r->flags |= PR_CHANGED;
		if (wn_buf_append(t, fired, sizeof(fired)) != 0 ||
		    wn_buf_append(t, &line.len, sizeof(line.len)) != 0 ||
		    wn_buf_append(t, line.ptr, line.len) != 0)
			return WN_E_NOMEM;
	}
	const bool as_is = plain && !changed;
	rc = prep_key(p, &line, changed, as_is ? &plain_len : NULL, gone,
		      as_is && (plain & WN_PLAIN_ASCII), r);
	if (!rc && p->nav)
		rc = prep_nav(p, &line, changed, r);
	if (rc)
		return rc;
	prep_remember(p, r, changed);
	o->res.len += sizeof(*r);
	return 0;
}

static int on_line(void *ctx, struct wn_line *line, bool ends_doc)
{
	(void)ends_doc;
	return line ? prep_line(ctx, line) : 0;
}

/* A record's text, split into lines as filter.c's feed_text splits it. */
static int on_record(void *ctx, const struct wn_record *rec)
{
	if (rec->kind != WN_REC_DOC)
		return 0;
	const char *s = rec->text;
	const char *const end = s + rec->text_len;
	while (s < end) {
		const char *const nl = memchr(s, '\n', (size_t)(end - s));
		struct wn_line line = { (char *)(uintptr_t)s, (size_t)((nl ? nl : end) - s) };
		if (line.len && line.ptr[line.len - 1] == '\r')
			line.len--;
		const int rc = prep_line(ctx, &line);
		if (rc || !nl)
			return rc;
		s = nl + 1;
	}
	return 0;
}

static int sniff(struct wn_prep *p, const char *s, size_t n);

/* As filter.c's frame(). */
static int frame(struct wn_prep *p, const char *s, size_t n)
{
	switch (p->format) {
	case WN_FORMAT_JSONL: return wn_jsonl_push(&p->jsonl, s, n, on_record, p);
	case WN_FORMAT_WET: return wn_wet_push(&p->wet, s, n, on_record, p);
	case WN_FORMAT_AUTO: return sniff(p, s, n);
	default: return wn_lines_push(&p->lines, s, n, on_line, p);
	}
}

/* As filter.c's sniff(). */
static int sniff(struct wn_prep *p, const char *s, size_t n)
{
	static const char wet[] = "WARC/1.";
	if (wn_buf_append(&p->sniff, s, n) != 0)
		return WN_E_NOMEM;
	const size_t k = p->sniff.len;
	if (n && k < sizeof(wet) - 1 && memcmp(p->sniff.ptr, wet, k) == 0)
		return 0;
	p->format = wn_format_detect(p->sniff.ptr, k);
	p->out->sniffed = true;
	const int rc = frame(p, p->sniff.ptr, k);
	p->sniff.len = 0;
	return rc;
}

/* As filter.c's wn_filter_end_input() and end_frame(). */
static int end_input(struct wn_prep *p)
{
	int rc = p->format == WN_FORMAT_AUTO ? sniff(p, NULL, 0) : 0;
	if (!rc) {
		switch (p->format) {
		case WN_FORMAT_JSONL: rc = wn_jsonl_finish(&p->jsonl, on_record, p); break;
		case WN_FORMAT_WET: rc = wn_wet_finish(&p->wet, on_record, p); break;
		default: rc = wn_lines_finish(&p->lines, on_line, p); break;
		}
	}
	p->format = p->opt.format;
	return rc;
}

/* wn_filter_pull: reads the input into b in pieces (p->piece) and
 * frames and prepares each piece as it comes, while its bytes are still in
 * this core's cache (read whole first, a 1 MiB block was framed from
 * farther out: bench/README.md, branch twothr8), until the block is full,
 * rd gives fewer bytes than asked (what a pipe had: a live source may go
 * quiet now, and what was read is judged at once), the input ends or rd
 * fails (*read_err; what was read before it is framed, as the filter
 * judges it). Returns the state of the reading, and the framers' error or 0. */
static int pull_frame(struct wn_prep *p, struct prep_block *b, wn_read_fn *rd, void *ctx,
		      enum pull_state *state_out, int *read_err)
{
	*state_out = PULL_READING;
	/* Aligned, as the reads' pieces then are (wn_buf_reserve_aligned). */
	if (wn_buf_reserve_aligned(&b->data, p->block) != 0)
		return WN_E_NOMEM;
	while (b->data.len < p->block) {
		const size_t room = p->block - b->data.len;
		const size_t want = room < p->piece ? room : p->piece;
		const long n = rd(ctx, b->data.ptr + b->data.len, want);
		if (n < 0 || (unsigned long)n > want) {
			*read_err = WN_E_READ;
			*state_out = PULL_FAILED;
			return 0;
		}
		if (n == 0) {
			b->end_input = true;
			*state_out = PULL_END;
			return 0;
		}
		const char *const piece = b->data.ptr + b->data.len;
		b->data.len += (size_t)n;
		const int rc = frame(p, piece, (size_t)n);
		if (rc || (size_t)n < want)
			return rc;
	}
	return 0;
}

/* Under the mutex: whether the worker has a block to prepare (one the
 * filter filled) or to read and prepare (pulling, with a block free). A
 * pull the filter halted, or that failed, stops here. */
static bool has_work(struct wn_prep *p, bool failed)
{
	if (p->stop || p->prepped != p->filled)
		return true;
	if (p->pull != PULL_READING)
		return false;
	if (p->pull_halt || failed) {
		p->pull = PULL_FAILED;
		pthread_cond_broadcast(&p->cv);
		return false;
	}
	return p->filled - p->judged < PREP_BLOCKS;
}

static void *worker(void *arg)
{
	struct wn_prep *p = arg;
	bool failed = false;
	for (;;) {
		pthread_mutex_lock(&p->mu);
		/* Balance the two threads: the filter waiting for this one
		 * gives it fewer lines, and this one waiting, more. */
		if (p->filter_waited && p->share > 0)
			p->share--;
		p->filter_waited = false;
		bool idle = false;
		while (!has_work(p, failed)) {
			idle = true;
			pthread_cond_wait(&p->cv, &p->mu);
		}
		if (idle && p->share < SHARE_MAX)
			p->share++;
		if (wn_prep_test_share >= 0 && wn_prep_test_share <= SHARE_MAX)
			p->share = (unsigned)wn_prep_test_share;
		const bool stop = p->stop;
		const bool pulled = p->prepped == p->filled; /* else the filter filled it */
		struct prep_block *b = &p->blocks[p->prepped % PREP_BLOCKS];
		wn_read_fn *const rd = p->rd;
		void *const rd_ctx = p->rd_ctx;
		const uint64_t pull_seed = p->pull_seed;
		pthread_mutex_unlock(&p->mu);
		if (stop)
			return NULL;
		enum pull_state state = PULL_READING;
		int read_err = 0;
		if (pulled)
			b->seed = pull_seed;
		b->res.len = b->text.len = 0;
		b->cut = b->sniffed = false;
		p->out = b;
		if (p->keyer.seed != b->seed) {
			wn_keyer_reseed(&p->keyer, b->seed);
			if (p->memo_on) { /* its hashes are the old seed's */
				wn_linememo_clear(&p->memo);
				p->memo.seed = b->seed;
			}
		}
		p->shingler.seed = b->seed;
		/* The caps' room at once: growing by doubling would map up to
		 * twice what they hold. */
		int rc = wn_buf_reserve(&b->res, p->res_cap) != 0 ||
				 wn_buf_reserve(&b->text, p->text_cap) != 0
			 ? WN_E_NOMEM
			 : 0;
		/* After an error the framers are in no known state: the filter
		 * stops at the block that reports it. What was read before a
		 * read error is framed, as the filter judges it. */
		if (!rc && failed)
			rc = WN_E_STATE;
		else if (!rc && pulled)
			rc = pull_frame(p, b, rd, rd_ctx, &state, &read_err);
		else if (!rc && b->data.len)
			rc = frame(p, b->data.ptr, b->data.len);
		if (!rc && b->end_input)
			rc = end_input(p);
		b->err = rc ? rc : read_err;
		failed = b->err != 0;
		pthread_mutex_lock(&p->mu);
		if (pulled) {
			p->filled++;
			p->pull_read += b->data.len;
			if (failed)
				state = PULL_FAILED;
			else if (state == PULL_READING && p->pull_max && p->pull_read >= p->pull_max)
				state = PULL_CAPPED;
			p->pull = state;
		}
		p->prepped++;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
	}
}

/* ---- The filter's side ------------------------------------------------------ */

/* The worker's side of a line longer than max_line: nothing to prepare. */
static int skip_piece(void *ctx, const char *p, size_t n, bool last)
{
	(void)ctx;
	(void)p;
	(void)n;
	(void)last;
	return 0;
}

int wn_prep_new(const struct wn_options *opt, bool key_lines, bool hash_only, bool memo,
		const struct wn_rules *rules, const struct wn_nav *nav, size_t block,
		struct wn_prep **out)
{
	*out = NULL;
	/* sizeof is a multiple of the alignment (C11 aligned_alloc's rule). */
	struct wn_prep *p = aligned_alloc(_Alignof(struct wn_prep), sizeof(*p));
	if (!p)
		return WN_E_NOMEM;
	memset(p, 0, sizeof(*p));
	p->opt = *opt;
	p->format = opt->format;
	p->key_lines = key_lines;
	p->nav = nav;
	p->share = SHARE_MAX / 2;
	p->rand = 0x9E3779B97F4A7C15u;
	wn_keyer_init(&p->keyer, opt->key, opt->seed);
	wn_shingler_init(&p->shingler, opt->near_words, opt->seed);
	/* The filter tokenizes the lines its near stages judge: as many as it
	 * can take ready-made, with the key, from the worker. */
	p->shingle_lines = key_lines && (!(opt->disable & WN_STAGE_NEAR) || opt->doc_near > 0);
	p->block = block;
	p->res_cap = block / 8 * RES_EIGHTHS;
	p->text_cap = text_cap(block, p->shingle_lines, nav != NULL);
	p->line_max = block / LINE_PART;
	/* Rules and shingles read the key: kept then. */
	p->hash_only = hash_only && key_lines && !rules && !p->shingle_lines && !nav;
	int rc = p->hash_only && wn_buf_reserve(&p->scratch, 3 * p->line_max + WN_PLAIN_SLACK) != 0
			 ? WN_E_NOMEM
			 : 0;
	p->memo_on = memo && p->hash_only;
	if (!rc && p->memo_on)
		rc = wn_linememo_init(&p->memo, p->keyer.seed);
	p->piece = block / 4 < PULL_PIECE ? block / 4 : PULL_PIECE;
	wn_lines_init(&p->lines, opt->nul_docs);
	/* A line longer than max_line goes through the filter unrepaired, in
	 * pieces, with no record: the worker passes it by the same way, and
	 * never holds it whole either. */
	if (opt->max_line != SIZE_MAX)
		wn_lines_limit(&p->lines, opt->max_line, skip_piece);
	if (!rc)
		rc = wn_repair_init(&p->repair, opt);
	if (!rc && key_lines && rules) {
		p->rules = rules;
		rc = wn_rules_local_init(&p->rules_local, rules);
	}
	if (!rc)
		rc = wn_punct_init(&p->punct, opt);
	if (!rc)
		rc = wn_jsonl_init(&p->jsonl, opt);
	if (!rc)
		rc = wn_wet_init(&p->wet, opt);
	if (!rc && pthread_mutex_init(&p->mu, NULL) != 0)
		rc = WN_E_NOMEM;
	if (!rc && pthread_cond_init(&p->cv, NULL) != 0) {
		pthread_mutex_destroy(&p->mu);
		rc = WN_E_NOMEM;
	}
	/* The worker blocks every signal a fault does not raise: the
	 * application's handlers run on its own threads, never on ours. */
	sigset_t async, old;
	sigfillset(&async);
	sigdelset(&async, SIGSEGV);
	sigdelset(&async, SIGBUS);
	sigdelset(&async, SIGFPE);
	sigdelset(&async, SIGILL);
	pthread_sigmask(SIG_BLOCK, &async, &old);
	if (!rc && pthread_create(&p->thread, NULL, worker, p) != 0) {
		pthread_cond_destroy(&p->cv);
		pthread_mutex_destroy(&p->mu);
		rc = WN_E_NOMEM;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc) {
		wn_prep_free(p);
		return rc;
	}
	p->thread_live = true;
	*out = p;
	return 0;
}

void wn_prep_free(struct wn_prep *p)
{
	if (!p)
		return;
	if (p->thread_live) {
		pthread_mutex_lock(&p->mu);
		p->stop = true;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
		pthread_join(p->thread, NULL);
		pthread_cond_destroy(&p->cv);
		pthread_mutex_destroy(&p->mu);
	}
	for (int i = 0; i < PREP_BLOCKS; i++) {
		wn_buf_free(&p->blocks[i].data);
		wn_buf_free(&p->blocks[i].res);
		wn_buf_free(&p->blocks[i].text);
	}
	wn_buf_free(&p->sniff);
	wn_buf_free(&p->scratch);
	wn_linememo_free(&p->memo);
	wn_shingler_free(&p->shingler);
	wn_lines_free(&p->lines);
	wn_jsonl_free(&p->jsonl);
	wn_wet_free(&p->wet);
	wn_repair_free(&p->repair);
	wn_punct_free(&p->punct);
	if (p->rules)
		wn_rules_local_free(&p->rules_local);
	free(p);
}

int wn_prep_fill(struct wn_prep *p, const char *buf, size_t len, size_t *taken_out)
{
	*taken_out = 0;
	if (p->filled - p->judged == PREP_BLOCKS)
		return 0;
	struct prep_block *b = &p->blocks[p->filled % PREP_BLOCKS];
	const size_t room = p->block - b->data.len;
	const size_t n = len < room ? len : room;
	if (wn_buf_append(&b->data, buf, n) != 0)
		return WN_E_NOMEM;
	*taken_out = n;
	return 0;
}

bool wn_prep_full(const struct wn_prep *p)
{
	return p->filled - p->judged < PREP_BLOCKS &&
	       p->blocks[p->filled % PREP_BLOCKS].data.len == p->block;
}

bool wn_prep_filling(const struct wn_prep *p)
{
	return p->filled - p->judged < PREP_BLOCKS &&
	       p->blocks[p->filled % PREP_BLOCKS].data.len > 0;
}

bool wn_prep_can_submit(const struct wn_prep *p)
{
	return p->filled - p->judged < PREP_BLOCKS;
}

void wn_prep_submit(struct wn_prep *p, bool end_input, uint64_t seed)
{
	pthread_mutex_lock(&p->mu);
	p->blocks[p->filled % PREP_BLOCKS].end_input = end_input;
	p->blocks[p->filled % PREP_BLOCKS].seed = seed;
	p->filled++;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

unsigned wn_prep_pending(const struct wn_prep *p)
{
	return p->filled - p->judged;
}

/* The filter judges a block only when all but one are in use: it keeps
 * the worker's queue full while it has input, and holds the blocks the
 * worker has prepared as slack for itself. Judging each block as soon as
 * it was ready left the worker idle while the filter judged several. */
bool wn_prep_due(struct wn_prep *p)
{
	return p->filled - p->judged >= PREP_BLOCKS - 1;
}

int wn_prep_begin(struct wn_prep *p, const char **data_out, size_t *len_out, bool *end_out)
{
	pthread_mutex_lock(&p->mu);
	if (p->prepped == p->judged)
		p->filter_waited = true;
	while (p->prepped == p->judged)
		pthread_cond_wait(&p->cv, &p->mu);
	pthread_mutex_unlock(&p->mu);
	struct prep_block *b = &p->blocks[p->judged % PREP_BLOCKS];
	p->cur = b;
	p->next = p->text_next = 0;
	*data_out = b->data.ptr;
	*len_out = b->data.len;
	*end_out = b->end_input;
	return b->err;
}

void wn_prep_end(struct wn_prep *p)
{
	struct prep_block *b = p->cur;
	/* Every record must have been taken, or the two framers parted. */
	if (b && p->next * sizeof(struct prepped) != b->res.len)
		p->broken = true;
	/* Tests: what the filter took from the block is gone now, so that a
	 * line that still pointed into it would be judged wrong. */
	if (b && wn_prep_test_poison && b->text.len)
		memset(b->text.ptr, 0xA5, b->text.len);
	b->data.len = b->res.len = b->text.len = 0;
	b->end_input = false;
	p->cur = NULL;
	pthread_mutex_lock(&p->mu);
	p->judged++;
	if (p->pull == PULL_READING) /* it may wait for a free block */
		pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

void wn_prep_pull_start(struct wn_prep *p, wn_read_fn *rd, void *ctx, uint64_t max_bytes,
			uint64_t seed)
{
	pthread_mutex_lock(&p->mu);
	p->rd = rd;
	p->rd_ctx = ctx;
	p->pull_seed = seed;
	p->pull_max = max_bytes;
	p->pull_read = 0;
	p->pull_halt = false;
	p->pull = PULL_READING;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

bool wn_prep_pull_next(struct wn_prep *p)
{
	pthread_mutex_lock(&p->mu);
	if (p->prepped == p->judged && p->pull == PULL_READING)
		p->filter_waited = true;
	while (p->prepped == p->judged && p->pull == PULL_READING)
		pthread_cond_wait(&p->cv, &p->mu);
	/* At the cap the caller gets control back at once: the blocks read
	 * and not judged yet wait for the next call, as after a push. */
	const bool ready = p->pull != PULL_CAPPED && p->prepped != p->judged;
	if (!ready)
		p->pull = PULL_OFF;
	pthread_mutex_unlock(&p->mu);
	return ready;
}

void wn_prep_pull_stop(struct wn_prep *p)
{
	pthread_mutex_lock(&p->mu);
	p->pull_halt = true;
	pthread_cond_broadcast(&p->cv);
	while (p->pull == PULL_READING)
		pthread_cond_wait(&p->cv, &p->mu);
	p->pull = PULL_OFF;
	p->rd = NULL;
	p->rd_ctx = NULL;
	pthread_mutex_unlock(&p->mu);
}

bool wn_prep_take(struct wn_prep *p, struct wn_line *line, uint32_t *repairs_out,
		  uint32_t *puncts_out, struct wn_prep_key *key_out)
{
	key_out->valid = false;
	key_out->nav = NULL;
	const struct prep_block *b = p->cur;
	if (p->broken || !b || (p->next + 1) * sizeof(struct prepped) > b->res.len) {
		/* Past a cap the worker recorded no more lines of the block. */
		if (!b || !b->cut)
			p->broken = true;
		return false;
	}
	/* The records and the text come from the other core's writes, a few
	 * blocks back: fetched ahead, they are in the cache when taken. */
	const size_t ahead = (p->next + TAKE_AHEAD) * sizeof(struct prepped);
	if (ahead < b->res.len)
		__builtin_prefetch(b->res.ptr + ahead);
	if (p->text_next + TAKE_AHEAD_TEXT < b->text.len)
		__builtin_prefetch(b->text.ptr + p->text_next + TAKE_AHEAD_TEXT);
	struct prepped r;
	memcpy(&r, b->res.ptr + p->next * sizeof(r), sizeof(r));
	p->next++;
	if (r.in_len != (uint32_t)line->len || r.in_head != head4(line->ptr, line->len)) {
		p->broken = true;
		return false;
	}
	if (!(r.flags & PR_PREPARED))
		return false;
	*repairs_out = *puncts_out = 0;
	if (r.flags & PR_CHANGED) {
		const char *const x = b->text.ptr + p->text_next;
		size_t len;
		memcpy(repairs_out, x, sizeof(uint32_t));
		memcpy(puncts_out, x + sizeof(uint32_t), sizeof(uint32_t));
		memcpy(&len, x + 2 * sizeof(uint32_t), sizeof(len));
		line->ptr = len ? (char *)(uintptr_t)(x + 2 * sizeof(uint32_t) + sizeof(len)) : NULL;
		line->len = len;
		p->text_next += 2 * sizeof(uint32_t) + sizeof(len) + len;
	}
	const bool gone = r.flags & PR_KEY_GONE;
	if (gone && (line->ptr < b->data.ptr || line->ptr + line->len >
						       b->data.ptr + b->data.len)) {
		p->broken = true; /* the filter would read the key: see prep_line */
		return false;
	}
	if (r.key_len != NO_KEY) {
		key_out->valid = true;
		key_out->long_line = r.flags & PR_LONG_LINE;
		key_out->ptr = gone ? NULL : b->text.ptr + p->text_next;
		key_out->len = r.key_len;
		key_out->hash = r.hash;
		p->text_next += gone ? 0 : r.key_len;
		key_out->ruled = r.flags & PR_RULED;
		key_out->rule = -1;
		if (key_out->ruled) {
			int32_t rule;
			memcpy(&rule, b->text.ptr + p->text_next, sizeof(rule));
			key_out->rule = rule;
			p->text_next += sizeof(rule);
		}
		key_out->regex_calls = key_out->regex_limited = 0;
		if (r.flags & PR_REGEXED) {
			uint32_t counts[2];
			memcpy(counts, b->text.ptr + p->text_next, sizeof(counts));
			key_out->regex_calls = counts[0];
			key_out->regex_limited = counts[1];
			p->text_next += sizeof(counts);
		}
		key_out->shingles = NULL;
		if (r.flags & PR_SHINGLED) {
			key_out->shingles = b->text.ptr + p->text_next;
			p->text_next += wn_shingler_saved_size(key_out->shingles);
		}
	}
	if (r.flags & PR_NAVVED) {
		key_out->nav = b->text.ptr + p->text_next;
		p->text_next += sizeof(struct wn_nav_feat);
	}
	return true;
}

double wn_prep_cpu(const struct wn_prep *p)
{
	clockid_t id;
	struct timespec ts;
	if (pthread_getcpuclockid(p->thread, &id) != 0 || clock_gettime(id, &ts) != 0)
		return 0;
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

uint64_t wn_prep_memo_hits(const struct wn_prep *p)
{
	return p->memo.hits;
}

uint64_t wn_prep_memo_rested(const struct wn_prep *p)
{
	return p->memo.rested;
}

bool wn_prep_broken(const struct wn_prep *p)
{
	return p->broken;
}
