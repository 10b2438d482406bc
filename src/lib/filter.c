/* filter.c - the pipeline: the only file that knows every stage. Bytes are
 * framed into documents (text, JSON Lines or WET), documents split into
 * lines, each line is judged, and kept lines are written. */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "nav.h"

#define OUT_FLUSH ((size_t)1 << 20) /* hand output to the sink in blocks */
#define BATCH 32                    /* lines prepared before any is decided */
#define DOC_STEP ((size_t)256 << 10) /* judge the document buffer this often */
#define PULL_BUF ((size_t)256 << 10) /* wn_filter_pull on one thread reads this much at once */
/* Smoothing: a run of at most MAX_STUBS lines of at most STUB_TOKENS tokens
 * between two duplicates goes with them. Longer runs are kept: between
 * repeated template lines (forum profiles, interview questions) they are
 * content (doc/near.md). Each held line may bring the blank after it. */
#define STUB_TOKENS 20
#define MAX_STUBS 2
#define HOLD_MAX (2 * MAX_STUBS)

/* A line waiting in the batch: trimmed, keyed and fingerprinted, its bucket
 * in the seen set already being fetched. Lines are decided when the batch is
 * flushed, in input order, so the cache misses of a whole batch overlap. */
struct pending {
	const char *ptr;   /* the text, when it lives in the caller's buffer */
	size_t off;        /* else its offset in the filter's arena */
	size_t len;
	size_t key_off;    /* the normalized key, in the arena, when keyed */
	const char *key_ptr; /* or the worker's key, which stays put until the
			      * batch is flushed (prep.c's block), else NULL */
	size_t key_len;
	uint64_t key_hash; /* hash of the normalized key */
	uint64_t dup_hash; /* the fingerprint dedup looks up */
	uint64_t line_no;
	const char *shingles; /* the worker's shingles of the line, or NULL */
	const char *nav;   /* the worker's struct wn_nav_feat of the line, or NULL */
	bool long_line;    /* not blank, and min_chars code points or more */
	int rule;          /* ruled: the worker matched the boilerplate rules */
	uint32_t regex_calls;
	uint32_t regex_limited;
	bool ruled;
	bool in_arena;
	bool blank;
	bool keyed;        /* key_* are set */
	bool dedup;        /* long enough, with a non-empty key: look it up */
	bool plain;        /* queue_plain's line: only ptr, len, line_no, dup_hash,
			    * dedup and runs are set (judge_plain decides it) */
	bool runs;         /* plain: untrimmed, its '\n' right after it in the
			    * caller's buffer: a kept one may join a run */
};

struct wn_filter {
	struct wn_options opt;
	struct wn_lines lines;
	struct wn_repair repair;
	struct wn_punct punct;
	struct wn_keyer keyer;
	struct wn_memo memo;    /* the seen set, under the memory limit */
	struct wn_rules boiler; /* boilerplate rules, when rules_on */
	struct wn_freq freq;    /* documents per short line, when drop_frequent */
	struct wn_doc doc;      /* the document's judged lines, when zones_on */
	struct wn_zone zone;
	size_t doc_flush_at;    /* judge a piece once doc holds this many bytes */
	bool rules_on;
	bool zones_on;          /* a document-level judge is on: lines wait in doc */
	bool near_keys;         /* a near stage is on: key every line */
	bool raw;               /* exact dedup alone: text goes through scan.c */
	bool plain_fast;        /* dedup is the only judge of a line: plain lines
				 * take queue_plain and judge_plain */
	uint64_t plain_judged;  /* lines judge_plain decided (for tests) */
	/* One thread with plain_fast: lines that came out unchanged are
	 * remembered by their raw bytes (take_memo). memo_fill: where the
	 * current line goes if it is queued unchanged (e NULL: nowhere). */
	struct wn_linememo linememo;
	bool memo_on;
	struct wn_linememo_fill memo_fill;
	bool counting;          /* between wn_filter_count_begin and _end */
	bool counted;           /* a counting pass is done: counts are final */
	uint32_t freq_doc;      /* documents so far, for counting distinct ones */
	struct wn_buf out;     /* output not yet handed to the sink */
	struct pending batch[BATCH];
	size_t nbatch;
	struct wn_buf arena;   /* texts and keys of the batch's lines */
	uintptr_t push_lo;     /* the caller's buffer during wn_filter_push: */
	uintptr_t push_hi;     /* lines inside it need no copy */
	struct wn_stats st;
	int err;               /* sticky: once set, every call returns it */
	bool finished;
	bool started;          /* input was pushed: too late to load state */
	bool loaded;           /* a state was loaded: the seed is its */
	uint64_t loaded_forgotten; /* forgotten before this run, per the state */
	uint64_t judged;       /* lines handed to opt.judge so far */
	struct wn_buf rules;   /* names of the repairs that fired, for explain */
	uint64_t line_no;      /* in the current input */
	/* The current document. A blank line is held back until a kept line
	 * follows it, so runs collapse and a document's edges lose theirs. */
	bool doc_open;         /* a line of this document was read */
	bool doc_has_output;
	bool blank_pending;
	uint64_t blank_line_no;
	bool overlong;         /* a line longer than max_line is going through */
	bool doc_unjudged;     /* the document has such a line: never dropped whole */
	/* Framing of the current input, and whole documents. */
	enum wn_format format; /* of the current input; AUTO until its first bytes */
	struct wn_buf sniff;   /* AUTO: the input's first bytes */
	struct wn_jsonl jsonl;
	struct wn_wet wet;
	struct wn_docdup docdup;
	/* While to_doc is set, kept lines go to doc_out rather than out: a
	 * record is wrapped, or a duplicate document dropped, at its end. */
	struct wn_buf doc_out;
	bool to_doc;
	bool doc_spilled;      /* a long text document went out before its end */
	bool pass_more;        /* WN_REC_MORE pieces are written */
	uint64_t doc_line;     /* where the current document starts */
	uint64_t doc_kept;     /* lines it has kept */
	const char *doc_id;    /* its id, borrowed from the record */
	size_t doc_id_len;
	struct wn_buf doc_line_nos; /* uint64_t line number per doc_out line, to explain */
	/* Near duplicates. A short kept line after a duplicate waits in held[]
	 * until the next line is decided: it goes with a following duplicate
	 * (onion's smoothing), and on with anything else. */
	struct wn_shingler shingler;
	struct wn_near near;
	bool tokenized;        /* shingler holds the current line */
	bool near_full;        /* the shingle set hit its limit (on_full=fail) */
	bool after_dup;        /* the last content line decided was a duplicate */
	struct wn_judged held[HOLD_MAX]; /* off: the text in held_text */
	size_t nheld;
	size_t nstubs;         /* lines (not blanks) in held[] */
	struct wn_buf held_text;
	struct wn_minhash minhash; /* document near duplicates (doc_near) */
	struct wn_nav nav;     /* strip_nav: the document's lines wait here */
	/* threads >= 2: the repairs run on a worker thread (prep.c), and the
	 * input is judged in blocks, one behind it. */
	struct wn_prep *prep;
	struct wn_prep_key ahead; /* the key the worker made of the current line */
	struct wn_buf pull_buf;   /* wn_filter_pull on one thread: what rd gave */
};

const char *wn_version(void)
{
	return WN_VERSION_STRING;
}

const char *wn_strerror(int err)
{
	switch (err) {
	case WN_OK: return "success";
	case WN_E_NOMEM: return "out of memory";
	case WN_E_SINK: return "write failed";
	case WN_E_INVAL: return "invalid argument";
	case WN_E_FORMAT: return "malformed input";
	case WN_E_LIMIT: return "memory limit reached";
	case WN_E_STATE: return "filter unusable after an earlier error";
	case WN_E_NOT_STATE: return "not a winnow state file";
	case WN_E_STATE_VERSION: return "state file made by a newer winnow";
	case WN_E_STATE_CORRUPT: return "state file corrupt";
	case WN_E_STATE_TRUNCATED: return "state file truncated";
	case WN_E_STATE_MISMATCH: return "state file made with other settings";
	case WN_E_READ: return "read failed";
	default: return "unknown error";
	}
}

const char *wn_reason_name(enum wn_reason r)
{
	static const char *const names[WN_REASON_COUNT] = {
		[WN_KEPT] = "kept", [WN_DROP_BLANK] = "blank", [WN_DROP_DUP] = "dup",
		[WN_DROP_RULE] = "rule", [WN_DROP_ZONE] = "zone",
		[WN_DROP_FREQUENT] = "frequent", [WN_DROP_NEAR] = "near",
		[WN_DROP_NAV] = "nav", [WN_DROP_DOC] = "doc",
	};
	return (unsigned)r < WN_REASON_COUNT ? names[r] : "unknown";
}

const char *wn_repair_rule_name(unsigned rule)
{
	if (rule < 32)
		return wn_repair_char_rule_name(rule);
	return rule < 64 ? wn_punct_rule_name(rule - 32) : NULL;
}

int wn_repair_rule_find(const char *name)
{
	for (unsigned rule = 0; rule < 64; rule++) {
		const char *n = wn_repair_rule_name(rule);
		if (n && strcmp(n, name) == 0)
			return (int)rule;
	}
	return -1;
}

static int flush_out(struct wn_filter *f)
{
	if (f->out.len == 0)
		return 0;
	const int rc = f->opt.write(f->opt.write_ctx, f->out.ptr, f->out.len);
	f->st.bytes_out += f->out.len;
	f->out.len = 0;
	return rc ? WN_E_SINK : 0;
}

static int write_raw(struct wn_filter *f, const char *p, size_t n)
{
	if (wn_buf_append(&f->out, p, n) != 0)
		return WN_E_NOMEM;
	return f->out.len >= OUT_FLUSH ? flush_out(f) : 0;
}

/* Looks the fingerprint up in the seen set, or asks the caller's judge:
 * 1 new (remembered now), 0 seen before, < 0 an error. */
static inline int seen_judge(struct wn_filter *f, uint64_t hash)
{
	return f->opt.judge ? f->opt.judge(f->opt.judge_ctx, hash, f->judged++)
			    : wn_memo_insert(&f->memo, hash);
}

/* A text document held for doc_dedup grew past max_doc: it goes out now,
 * and is no longer dropped if it turns out a duplicate. */
static int spill_doc(struct wn_filter *f)
{
	f->to_doc = false;
	f->doc_spilled = true;
	const int rc = write_raw(f, f->doc_out.ptr, f->doc_out.len);
	f->doc_out.len = 0;
	f->doc_line_nos.len = 0;
	return rc;
}

/* Appends a kept line to the current document's output (with its line
 * number when a document near duplicate may need to explain it). */
static int hold_line(struct wn_filter *f, const char *p, size_t n, uint64_t line_no)
{
	if (wn_buf_reserve(&f->doc_out, n + 1) != 0 ||
	    (f->opt.explain && f->opt.doc_near > 0 &&
	     wn_buf_append(&f->doc_line_nos, &line_no, sizeof(line_no)) != 0))
		return WN_E_NOMEM;
	memcpy(f->doc_out.ptr + f->doc_out.len, p, n);
	f->doc_out.ptr[f->doc_out.len + n] = '\n';
	f->doc_out.len += n + 1;
	return f->format == WN_FORMAT_TEXT && f->doc_out.len > f->opt.max_doc ? spill_doc(f) : 0;
}

static int write_line(struct wn_filter *f, const char *p, size_t n, uint64_t line_no)
{
	if (f->to_doc)
		return hold_line(f, p, n, line_no);
	if (n >= OUT_FLUSH) {
		/* A huge line goes straight to the sink, not through a copy. */
		int rc = flush_out(f);
		if (!rc)
			rc = f->opt.write(f->opt.write_ctx, p, n) ? WN_E_SINK : 0;
		f->st.bytes_out += n;
		if (!rc)
			rc = f->opt.write(f->opt.write_ctx, "\n", 1) ? WN_E_SINK : 0;
		f->st.bytes_out += 1;
		return rc;
	}
	/* The room is nearly always there: no call per line. */
	if (f->out.cap - f->out.len < n + 1 && wn_buf_reserve(&f->out, n + 1) != 0)
		return WN_E_NOMEM;
	memcpy(f->out.ptr + f->out.len, p, n);
	f->out.ptr[f->out.len + n] = '\n';
	f->out.len += n + 1;
	return f->out.len >= OUT_FLUSH ? flush_out(f) : 0;
}

static void drop(struct wn_filter *f, enum wn_reason reason, const char *rule, uint64_t line_no,
		 const char *p, size_t n)
{
	f->st.dropped[reason]++;
	if (!f->opt.explain)
		return;
	const struct wn_event ev = {
		.kind = WN_EV_DROP, .reason = reason, .rule = rule,
		.doc = f->st.docs_in, .line = line_no, .text = p, .len = n,
	};
	f->opt.explain(f->opt.explain_ctx, &ev);
}

/* A line is kept: a blank line held back before it goes out first (or is
 * dropped at the document's start), and the counts move. */
static int keep_count(struct wn_filter *f)
{
	if (f->blank_pending) {
		f->blank_pending = false;
		if (f->doc_has_output) {
			f->st.lines_kept++;
			f->doc_kept++;
			const int rc = write_line(f, "", 0, f->blank_line_no);
			if (rc)
				return rc;
		} else {
			drop(f, WN_DROP_BLANK, "leading-blank", f->blank_line_no, "", 0);
		}
	}
	f->doc_has_output = true;
	f->st.lines_kept++;
	f->doc_kept++;
	return 0;
}

static int keep(struct wn_filter *f, const char *p, size_t n, uint64_t line_no)
{
	const int rc = keep_count(f);
	return rc ? rc : write_line(f, p, n, line_no);
}

static void blank(struct wn_filter *f, uint64_t line_no)
{
	if (f->blank_pending) {
		drop(f, WN_DROP_BLANK, "blank-run", line_no, "", 0);
		return;
	}
	f->blank_pending = true;
	f->blank_line_no = line_no;
}

/* Writes out one judged line: the only place where lines are kept, dropped
 * or collapsed, whether they come at once or from the document buffer. */
static int emit(struct wn_filter *f, const struct wn_judged *v, const char *text)
{
	if (v->blank) {
		blank(f, v->line_no);
		return 0;
	}
	if (v->reason != WN_KEPT) {
		drop(f, (enum wn_reason)v->reason, v->rule, v->line_no, text, v->len);
		return 0;
	}
	return keep(f, text, v->len, v->line_no);
}

/* The text at base + off, len bytes: an empty one may have no buffer. */
static const char *text_at(const char *base, size_t off, size_t len)
{
	return len ? base + off : "";
}

/* Judges the zones of the buffered lines and writes out those decided. */
static int flush_doc(struct wn_filter *f, bool doc_end)
{
	const size_t decided = wn_zone_judge(&f->zone, f->doc.recs, f->doc.n, f->opt.max_doc,
					     doc_end);
	int rc = 0;
	for (size_t i = 0; i < decided && !rc; i++)
		rc = emit(f, &f->doc.recs[i],
			  text_at(f->doc.text.ptr, f->doc.recs[i].off, f->doc.recs[i].len));
	wn_doc_keep(&f->doc, decided);
	/* Only the lines that may yet be the document's tail stay (at most
	 * max_doc bytes): judging again when their bytes have doubled keeps the
	 * buffer small and in cache, and the work linear. */
	const size_t waiting = f->doc.text.len;
	f->doc_flush_at = waiting + (waiting > DOC_STEP ? waiting : DOC_STEP);
	return rc;
}

/* Hands a judged line on: at once, or into the document buffer while a
 * document-level judge is on. The buffer is judged in pieces as it grows:
 * every line before the run of short lines that ends it is decided. */
static int settle_line(struct wn_filter *f, const struct wn_judged *v, const char *text)
{
	if (!f->zones_on)
		return emit(f, v, text);
	const int rc = wn_doc_append(&f->doc, v, text);
	if (rc || f->doc.text.len < f->doc_flush_at)
		return rc;
	return flush_doc(f, false);
}

/* ---- strip_nav: the only hook of the navigation classifier (nav.c) ------ */

/* Classifies the held lines of the document (or of a full window) and
 * hands them on, in order, some now dropped as navigation. */
static int nav_flush(struct wn_filter *f, bool doc_end)
{
	wn_nav_judge(&f->nav, doc_end);
	int rc = 0;
	for (size_t i = 0; i < f->nav.doc.n && !rc; i++) {
		const struct wn_judged *v = &f->nav.doc.recs[i];
		rc = settle_line(f, v, text_at(f->nav.doc.text.ptr, v->off, v->len));
	}
	wn_nav_clear(&f->nav, doc_end);
	return rc;
}

/* nav: the line's classifier features, made by the worker, or NULL. */
static int settle(struct wn_filter *f, const struct wn_judged *v, const char *text,
		  const char *nav)
{
	if (!f->opt.strip_nav)
		return settle_line(f, v, text);
	const int rc = wn_nav_add(&f->nav, v, text, nav);
	return rc || !wn_nav_full(&f->nav) ? rc : nav_flush(f, false);
}

static size_t trim_end(const char *p, size_t n)
{
	while (n && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r' || p[n - 1] == '\v'))
		n--;
	return n;
}

/* Explains a changed line by the names of the rules that fired. */
static int explain_change(struct wn_filter *f, uint32_t repairs, uint32_t puncts,
			  const struct wn_line *line)
{
	f->rules.len = 0;
	for (unsigned bit = 0; bit < 64; bit++) {
		const uint32_t set = bit < 32 ? repairs : puncts;
		if (!(set >> (bit & 31) & 1))
			continue;
		const char *name = wn_repair_rule_name(bit);
		if (!name)
			continue;
		if ((f->rules.len && wn_buf_putc(&f->rules, ',') != 0) ||
		    wn_buf_append(&f->rules, name, strlen(name)) != 0)
			return WN_E_NOMEM;
	}
	if (wn_buf_putc(&f->rules, '\0') != 0)
		return WN_E_NOMEM;
	const struct wn_event ev = {
		.kind = WN_EV_CHANGE, .reason = WN_KEPT, .rule = f->rules.ptr,
		.doc = f->st.docs_in, .line = f->line_no, .text = line->ptr, .len = line->len,
	};
	f->opt.explain(f->opt.explain_ctx, &ev);
	return 0;
}

/* Counts and explains the repairs of a line that were made. */
static int repaired(struct wn_filter *f, const struct wn_line *line, uint32_t repairs,
		    uint32_t puncts)
{
	if (!(repairs | puncts) || f->counting)
		return 0;
	f->st.lines_changed++;
	return f->opt.explain ? explain_change(f, repairs, puncts, line) : 0;
}

/* With threads: takes the worker's repairs of the line (1, or 2 when none
 * fired: the line is as framed, one line), or tells that the worker left
 * the line to this thread (0). */
static int take_ahead(struct wn_filter *f, struct wn_line *line)
{
	uint32_t repairs = 0, puncts = 0;
	if (!wn_prep_take(f->prep, line, &repairs, &puncts, &f->ahead))
		return 0;
	f->st.lines_ahead += !f->counting;
	if (!(repairs | puncts))
		return 2;
	const int rc = repaired(f, line, repairs, puncts);
	return rc ? rc : 1;
}

/* Runs the repair stages; they rewrite the line and never drop it. */
static int repair_line(struct wn_filter *f, struct wn_line *line)
{
	uint32_t repairs = 0, puncts = 0;
	int rc = wn_repair_push(&f->repair, line, &repairs);
	if (!rc)
		rc = wn_punct_push(&f->punct, line, &puncts);
	if (repairs | puncts)
		f->memo_fill.e = NULL; /* a changed line is never remembered */
	return rc ? rc : repaired(f, line, repairs, puncts);
}

/* A line's normalized key and its hash. */
struct line_key {
	struct wn_line key;
	uint64_t hash;
};

/* Sets the shape of a line that the zones and site-wide repeats look at. */
static void shape(struct wn_judged *v, const struct wn_line *line, const struct wn_line *key)
{
	v->short_line = false;
	v->brief = false;
	if (key->len > WN_SHORT_WORDS * WN_SHORT_BYTES_PER_WORD)
		return;
	size_t spaces = 0; /* a key has one space between words */
	for (size_t i = 0; i < key->len; i++)
		spaces += key->ptr[i] == ' ';
	v->short_line = spaces < WN_SHORT_WORDS;
	v->brief = v->short_line && !wn_ends_sentence(line->ptr, line->len);
}

/* Site-wide repeats count short lines, and lines that end no sentence. */
static bool frequent_candidate(const struct wn_judged *v, const struct wn_line *line,
			       const struct wn_line *key)
{
	return key->len && (v->short_line || !wn_ends_sentence(line->ptr, line->len));
}

/* Boilerplate rules, then site-wide repeats. A line matching only a tail
 * rule stays kept here: the zone judge decides at the document's end. */
static void judge_boilerplate(struct wn_filter *f, const struct pending *p,
			      const struct wn_line *line, const struct line_key *k,
			      struct wn_judged *v)
{
	shape(v, line, &k->key);
	if (f->rules_on) {
		int g;
		if (p->ruled) { /* by the worker */
			g = p->rule;
			wn_rules_add_counts(&f->boiler, p->regex_calls, p->regex_limited);
		} else {
			g = wn_rules_match(&f->boiler, line, &k->key, k->hash);
		}
		if (g >= 0) {
			v->rule = f->boiler.groups[g].name;
			v->zone = (uint8_t)f->boiler.groups[g].zone;
			if (v->zone != WN_ZONE_TAIL) {
				v->reason = WN_DROP_RULE;
				return;
			}
		}
	}
	if (f->opt.drop_frequent && frequent_candidate(v, line, &k->key)) {
		const uint32_t docs = f->counted ? wn_freq_docs(&f->freq, k->hash)
						 : wn_freq_count(&f->freq, k->hash, f->freq_doc);
		if (docs >= f->opt.drop_frequent) {
			v->reason = WN_DROP_FREQUENT;
			v->rule = "frequent";
		}
	}
}

/* ---- Near duplicates ----------------------------------------------------- */

/* A keyed line's key. */
static const char *pending_key(const struct wn_filter *f, const struct pending *p)
{
	return p->key_ptr ? p->key_ptr : text_at(f->arena.ptr, p->key_off, p->key_len);
}

/* Tokenizes the line when a near stage wants it (with the key the batch
 * made), feeds the document's MinHash with every line, and judges the lines
 * the other judges kept and that are long enough to be deduplicated. */
static int near_line(struct wn_filter *f, const struct pending *p, const char *text,
		     struct wn_judged *v)
{
	const bool para = !(f->opt.disable & WN_STAGE_NEAR) && v->reason == WN_KEPT && p->long_line;
	const bool doc = f->opt.doc_near > 0;
	if (!para && !doc)
		return 0;
	const struct wn_line line = { (char *)(uintptr_t)text, p->len };
	int rc = p->shingles ? wn_shingler_load(&f->shingler, p->shingles)
			     : wn_shingler_run(&f->shingler, &line,
					       p->keyed ? pending_key(f, p) : NULL, p->key_len);
	if (rc)
		return rc;
	f->tokenized = true;
	if (doc)
		wn_minhash_add(&f->minhash, &f->shingler);
	if (!para)
		return 0;
	bool keep_line;
	rc = wn_near_push(&f->near, &f->shingler, &keep_line);
	f->near_full = rc == WN_E_LIMIT;
	if (!rc && !keep_line) {
		v->reason = WN_DROP_NEAR;
		v->rule = "near";
	}
	return rc;
}

/* A stub: a line too short for dedup to judge on its own (under min_chars
 * characters) and of at most STUB_TOKENS tokens. */
static int is_stub(struct wn_filter *f, const struct wn_judged *v, const char *text, bool *stub_out)
{
	*stub_out = !wn_utf8_at_least(text, v->len, f->opt.min_chars);
	if (!*stub_out || f->tokenized || v->len <= STUB_TOKENS)
		return 0;
	const struct wn_line line = { (char *)(uintptr_t)text, v->len };
	const int rc = wn_shingler_run(&f->shingler, &line, NULL, 0);
	f->tokenized = !rc;
	*stub_out = f->shingler.ntokens <= STUB_TOKENS;
	return rc;
}

/* Holds a judged line (or blank) back until the next decision. */
static int hold(struct wn_filter *f, const struct wn_judged *v, const char *text)
{
	assert(f->nheld < HOLD_MAX);
	struct wn_judged *h = &f->held[f->nheld++];
	*h = *v;
	h->off = f->held_text.len;
	f->nstubs += !v->blank;
	return wn_buf_append(&f->held_text, text, v->len);
}

/* Decides the held lines as they would have been decided in their place:
 * dropped with a duplicate that follows them, kept otherwise. */
static int release(struct wn_filter *f, bool dup)
{
	int rc = 0;
	for (size_t i = 0; i < f->nheld && !rc; i++) {
		struct wn_judged *h = &f->held[i];
		if (dup && !h->blank) {
			h->reason = WN_DROP_NEAR;
			h->rule = "near-smooth";
		}
		rc = settle(f, h, f->held_text.ptr + h->off, NULL);
	}
	f->nheld = f->nstubs = 0;
	f->held_text.len = 0;
	return rc;
}

/* Onion's smoothing, between the judges and settle: a short kept line right
 * after a duplicate waits for the next line; a duplicate takes it along,
 * anything else lets it go on as kept. nav: as settle's (a held line
 * computes its features when released). */
static int smooth(struct wn_filter *f, struct wn_judged *v, const char *text, const char *nav)
{
	if (v->blank) {
		if (!f->nheld)
			return settle(f, v, text, NULL);
		if (!f->held[f->nheld - 1].blank)
			return hold(f, v, text);
		/* However the held lines go, a second blank is a run. */
		drop(f, WN_DROP_BLANK, "blank-run", v->line_no, "", 0);
		return 0;
	}
	const bool dup = v->reason == WN_DROP_DUP || v->reason == WN_DROP_NEAR;
	if (v->reason == WN_KEPT && f->after_dup && f->nstubs < MAX_STUBS &&
	    !(f->opt.disable & WN_STAGE_NEAR)) {
		bool stub;
		const int rc = is_stub(f, v, text, &stub);
		if (rc || stub)
			return rc ? rc : hold(f, v, text);
	}
	/* Other drops (boilerplate) pass by, but end a hold: lines stay in order. */
	const bool held = f->nheld > 0;
	const int rc = release(f, dup);
	if (rc)
		return rc;
	if (dup || v->reason == WN_KEPT || held)
		f->after_dup = dup;
	return settle(f, v, text, nav);
}

/* A document whose MinHash matches an earlier one's: its kept lines, held
 * in doc_out, are dropped with it, each explained by the document matched. */
static void drop_near_doc(struct wn_filter *f, uint64_t match)
{
	char rule[32];
	snprintf(rule, sizeof(rule), "doc-near:%" PRIu64, match);
	const char *p = f->doc_out.ptr;
	const char *const end = p + f->doc_out.len;
	for (size_t i = 0; p < end; i++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		uint64_t line_no = 0;
		if (f->opt.explain)
			memcpy(&line_no, f->doc_line_nos.ptr + i * sizeof(line_no), sizeof(line_no));
		f->st.lines_kept--;
		drop(f, WN_DROP_DOC, rule, line_no, p, (size_t)(nl - p));
		p = nl + 1;
	}
	f->st.docs_dup++;
	f->doc_has_output = false;
	f->doc_out.len = 0;
	f->doc_line_nos.len = 0;
}

/* ---- Lines and documents ------------------------------------------------ */

/* Decides one line, in input order: the judges, then keep or drop. */
static int judge_line(struct wn_filter *f, const struct pending *p)
{
	const char *text = p->in_arena ? text_at(f->arena.ptr, p->off, p->len) : p->ptr;
	struct wn_judged v = { .line_no = p->line_no, .len = p->len, .rule = "", .blank = p->blank };
	if (!p->blank && p->keyed && (f->rules_on || f->opt.drop_frequent)) {
		const struct wn_line line = { (char *)(uintptr_t)text, p->len };
		const char *key = pending_key(f, p);
		const struct line_key k = { { (char *)(uintptr_t)key, p->key_len }, p->key_hash };
		judge_boilerplate(f, p, &line, &k, &v);
	}
	if (p->dedup && v.reason == WN_KEPT) {
		const int rc = seen_judge(f, p->dup_hash);
		if (rc < 0)
			return rc;
		if (rc == 0) {
			v.reason = WN_DROP_DUP;
			v.rule = "dup";
		}
	}
	f->tokenized = false;
	if (!p->blank) {
		const int rc = near_line(f, p, text, &v);
		if (rc)
			return rc;
	}
	return smooth(f, &v, text, p->nav);
}

/* Kept lines that follow each other in the caller's buffer, each as it
 * came (not trimmed) with its line end, written as one copy when a line
 * that does not join them comes. */
struct run {
	const char *ptr;
	size_t len;
};

static int end_run(struct wn_filter *f, struct run *r)
{
	const int rc = r->len ? write_raw(f, r->ptr, r->len) : 0;
	r->ptr = NULL;
	r->len = 0;
	return rc;
}

/* The kept line p[0..n) with its '\n' right after it: it joins the run if
 * it follows it in the buffer, else the run goes out and the line starts
 * the next one (not when that write failed). */
static int run_join(struct wn_filter *f, struct run *r, const char *p, size_t n)
{
	if (r->ptr && r->ptr + r->len == p) {
		r->len += n + 1;
		return 0;
	}
	const int rc = end_run(f, r);
	if (!rc) {
		r->ptr = p;
		r->len = n + 1;
	}
	return rc;
}

/* The batch's fingerprints are prefetched in one burst before any is
 * judged, not each as its line is prepared: a probe of the seen set mostly
 * misses the TLB as well as the cache, and a prefetch waits for its page
 * walk, so one issued among a line's work stalls the core for the walk;
 * issued together, the walks overlap. */
/* Decides a plain line (queue_plain) as judge_line would with dedup the
 * only judge: nothing is held (no near stage), no zone or navigation
 * buffer waits. A kept line with nothing held back before it and its line
 * end right after it joins the run of such lines before it. */
static int judge_plain(struct wn_filter *f, const struct pending *p, struct run *r)
{
	bool dup = false;
	if (p->dedup) {
		const int rc = seen_judge(f, p->dup_hash);
		if (rc < 0)
			return rc;
		dup = rc == 0;
	}
	f->after_dup = dup;
	f->plain_judged++;
	if (!dup && p->runs && !f->blank_pending && !f->to_doc) {
		(void)keep_count(f); /* only counts: no blank is held back */
		return run_join(f, r, p->ptr, p->len);
	}
	const int rc = end_run(f, r);
	if (rc)
		return rc;
	if (dup) {
		drop(f, WN_DROP_DUP, "dup", p->line_no, p->ptr, p->len);
		return 0;
	}
	return keep(f, p->ptr, p->len, p->line_no);
}

/* flush_batch with plain_fast: the plain lines by judge_plain, the others
 * by judge_line, each ending the run of kept lines before it. */
static __attribute__((noinline)) int flush_mixed(struct wn_filter *f)
{
	int rc = 0;
	struct run r = { NULL, 0 };
	for (size_t i = 0; i < f->nbatch && !rc; i++) {
		const struct pending *p = &f->batch[i];
		if (p->plain) {
			rc = judge_plain(f, p, &r);
			continue;
		}
		rc = end_run(f, &r);
		if (!rc)
			rc = judge_line(f, p);
	}
	/* The run so far goes out even when a line failed, as each kept line
	 * before it would have gone out at once. */
	const int wrc = end_run(f, &r);
	return rc ? rc : wrc;
}

static int flush_batch(struct wn_filter *f)
{
	int rc = 0;
	if (!f->opt.judge)
		for (size_t i = 0; i < f->nbatch; i++)
			if (f->batch[i].dedup)
				wn_memo_prefetch(&f->memo, f->batch[i].dup_hash);
	if (f->plain_fast)
		rc = flush_mixed(f);
	else
		for (size_t i = 0; i < f->nbatch && !rc; i++)
			rc = judge_line(f, &f->batch[i]);
	f->nbatch = 0;
	f->arena.len = 0;
	return rc;
}

/* Chains a line into its document's fingerprint (doc_dedup): its key, or
 * in exact mode its bytes; lines whose key is empty are layout. */
static void doc_line(struct wn_filter *f, const struct pending *p, const struct wn_line *line)
{
	if (f->opt.key != WN_KEY_NORMALIZED)
		wn_docdup_line(&f->docdup, p->dedup ? p->dup_hash : wn_keyer_exact(&f->keyer, line));
	else if (p->key_len)
		wn_docdup_line(&f->docdup, p->key_hash);
}

/* Prepares one line for the batch: trims it, leaves it where it is if the
 * caller's buffer holds it (else copies it), and keys and fingerprints it
 * for the judges that will look. plain_key, if not NULL, is the length of
 * the line's key, made already at the arena's end after room for the
 * line's copy (take_plain); ascii: the line is known to be ASCII. */
static int prepare_line(struct wn_filter *f, const struct wn_line *line, const size_t *plain_key,
			bool ascii)
{
	struct pending *p = &f->batch[f->nbatch++];
	const struct wn_line trimmed = { line->ptr, trim_end(line->ptr, line->len) };
	const uintptr_t at = (uintptr_t)trimmed.ptr;
	p->len = trimmed.len;
	p->line_no = f->line_no;
	p->blank = trimmed.len == 0;
	p->keyed = p->dedup = p->ruled = p->long_line = p->plain = false;
	p->shingles = NULL;
	p->nav = f->ahead.nav; /* a line the worker prepared stays one line */
	f->ahead.nav = NULL;
	p->in_arena = !(at >= f->push_lo && at + trimmed.len <= f->push_hi);
	p->ptr = trimmed.ptr;
	if (p->in_arena) {
		p->off = f->arena.len;
		if (wn_buf_append(&f->arena, trimmed.ptr, trimmed.len) != 0)
			return WN_E_NOMEM;
	}
	if (p->blank)
		return f->nbatch == BATCH ? flush_batch(f) : 0;
	/* The worker has counted the line it keyed; an ASCII line's bytes are its characters. */
	p->long_line = f->ahead.valid ? f->ahead.long_line
		       : ascii ? trimmed.len >= f->opt.min_chars
			       : wn_utf8_at_least(trimmed.ptr, trimmed.len, f->opt.min_chars);
	const bool dedup = !(f->opt.disable & WN_STAGE_DEDUP) && p->long_line;
	const bool normalized = f->opt.key == WN_KEY_NORMALIZED;
	if (f->rules_on || f->opt.drop_frequent || f->near_keys ||
	    ((dedup || f->opt.doc_dedup) && normalized)) {
		p->key_off = f->arena.len;
		p->key_ptr = NULL;
		int rc = 0;
		if (plain_key) { /* in place already */
			f->arena.len += *plain_key;
			p->key_hash = wn_key_hash(&f->keyer, f->arena.ptr + p->key_off, *plain_key);
		} else if (f->ahead.valid) { /* the worker keyed the line: it is one part */
			/* Its block is judged whole before the worker reuses it,
			 * and the batch flushed at its end (judge_input): the
			 * key stays where the worker wrote it. */
			p->key_ptr = f->ahead.ptr;
			p->key_len = f->ahead.len;
			p->key_hash = f->ahead.hash;
			p->shingles = f->ahead.shingles;
			p->ruled = f->ahead.ruled;
			p->rule = f->ahead.rule;
			p->regex_calls = f->ahead.regex_calls;
			p->regex_limited = f->ahead.regex_limited;
			f->ahead.valid = false;
		} else {
			rc = wn_keyer_key(&f->keyer, &trimmed, &f->arena, &p->key_hash);
		}
		if (rc)
			return rc;
		if (!p->key_ptr)
			p->key_len = f->arena.len - p->key_off;
		p->keyed = true;
	}
	if (dedup) {
		if (f->opt.key == WN_KEY_NORMALIZED) {
			p->dup_hash = p->key_hash;
			p->dedup = p->key_len != 0;
		} else {
			p->dup_hash = wn_keyer_exact(&f->keyer, &trimmed);
			p->dedup = true;
		}
	}
	if (f->opt.doc_dedup)
		doc_line(f, p, &trimmed);
	if (f->memo_fill.e) { /* take_memo's line, not plain, unchanged */
		wn_linememo_fill(&f->memo_fill, p->dedup, p->dup_hash);
		f->memo_fill.e = NULL;
	}
	return f->nbatch == BATCH ? flush_batch(f) : 0;
}

/* The counting pass of two-pass site-wide repeats: no judging, no output. */
static int count_line(struct wn_filter *f, struct wn_line *line)
{
	line->len = trim_end(line->ptr, line->len);
	if (line->len == 0)
		return 0;
	struct wn_judged v = { .len = line->len };
	struct line_key k;
	f->arena.len = 0;
	const int rc = wn_keyer_key(&f->keyer, line, &f->arena, &k.hash);
	if (rc)
		return rc;
	k.key.ptr = f->arena.ptr;
	k.key.len = f->arena.len;
	shape(&v, line, &k.key);
	if (frequent_candidate(&v, line, &k.key))
		wn_freq_count(&f->freq, k.hash, f->freq_doc);
	return 0;
}

/* url: the document's address (a record's), or NULL: --strip-nav reads
 * the page's title from it. */
static void begin_doc(struct wn_filter *f, uint64_t line_no, const char *id, size_t id_len,
		      const char *url, size_t url_len)
{
	if (f->opt.strip_nav)
		wn_nav_begin(&f->nav, url, url_len);
	f->doc_open = true;
	f->doc_line = line_no;
	f->doc_kept = 0;
	f->doc_id = id;
	f->doc_id_len = id_len;
	f->doc_out.len = 0;
	f->doc_spilled = false;
	f->doc_unjudged = false;
	f->doc_line_nos.len = 0;
	f->to_doc = f->format != WN_FORMAT_TEXT || f->opt.doc_dedup || f->opt.doc_near > 0;
}

/* A document seen before: its kept lines are dropped with it. */
static void drop_doc(struct wn_filter *f)
{
	f->st.docs_dup++;
	f->st.lines_kept -= f->doc_kept;
	f->st.dropped[WN_DROP_DOC] += f->doc_kept;
	f->doc_out.len = 0;
	if (!f->opt.explain)
		return;
	const struct wn_event ev = {
		.kind = WN_EV_DROP, .reason = WN_DROP_DOC, .rule = "doc-dup",
		.doc = f->st.docs_in, .line = f->doc_line, .text = f->doc_id ? f->doc_id : "",
		.len = f->doc_id_len,
	};
	f->opt.explain(f->opt.explain_ctx, &ev);
}

/* Ends the current document and judges it whole. Returns 1 when it was
 * dropped, 0 when not (its kept lines may wait in doc_out), or an error. */
static int end_doc(struct wn_filter *f)
{
	const int flushed = flush_batch(f);
	if (flushed || !f->doc_open)
		return flushed;
	f->freq_doc++;
	if (f->counting) {
		f->doc_open = f->to_doc = false;
		f->doc_out.len = 0;
		return 0;
	}
	int rc = release(f, false);
	if (!rc && f->opt.strip_nav)
		rc = nav_flush(f, true);
	if (!rc && f->zones_on)
		rc = flush_doc(f, true);
	if (rc)
		return rc;
	if (f->blank_pending)
		drop(f, WN_DROP_BLANK, "trailing-blank", f->blank_line_no, "", 0);
	const int seen = f->opt.doc_dedup ? wn_docdup_end(&f->docdup) : 0;
	if (seen < 0)
		return seen;
	/* A document whose lines were not all judged (one went out as it came,
	 * or what it held already went out) is never dropped whole. */
	const bool whole = !f->doc_spilled && !f->doc_unjudged;
	bool dup = seen && whole;
	if (dup)
		drop_doc(f);
	if (f->opt.doc_near > 0) {
		bool keep_doc;
		uint64_t match;
		rc = wn_minhash_end_doc(&f->minhash, f->st.docs_in, !dup && whole, &keep_doc,
					&match);
		if (rc)
			return rc;
		if (!dup && whole && !keep_doc) {
			drop_near_doc(f, match);
			dup = true;
		}
	}
	if (!dup && f->doc_has_output)
		f->st.docs_out++;
	else if (!dup)
		f->st.docs_empty++;
	f->st.docs_in++;
	f->doc_open = f->doc_has_output = f->blank_pending = f->to_doc = f->after_dup = false;
	if (f->opt.scope == WN_SCOPE_DOC) {
		wn_memo_clear(&f->memo);
		wn_near_clear(&f->near);
	}
	return dup;
}

/* Ends a text document: what doc_dedup held back goes out unless dropped. */
static int end_text_doc(struct wn_filter *f)
{
	const bool held = f->to_doc;
	const int rc = end_doc(f);
	if (rc || !held)
		return rc < 0 ? rc : 0;
	const int wrc = write_raw(f, f->doc_out.ptr, f->doc_out.len);
	f->doc_out.len = 0;
	return wrc;
}

/* Queues a line for judge_plain with its fingerprint known: dedup, look
 * dup_hash up. */
static inline __attribute__((always_inline)) int
queue_judged(struct wn_filter *f, const struct wn_line *line, const struct wn_line *trimmed,
	     bool dedup, uint64_t dup_hash)
{
	struct pending *p = &f->batch[f->nbatch++];
	p->plain = true;
	p->blank = false;
	p->ptr = trimmed->ptr;
	p->len = trimmed->len;
	p->line_no = f->line_no;
	const uintptr_t end = (uintptr_t)(trimmed->ptr + trimmed->len);
	p->runs = trimmed->len == line->len && trimmed->len < OUT_FLUSH && end < f->push_hi &&
		  trimmed->ptr[trimmed->len] == '\n';
	p->dedup = dedup;
	p->dup_hash = dup_hash;
	return f->nbatch == BATCH ? flush_batch(f) : 0;
}

/* prepare_line for a plain, not blank line in the caller's buffer when
 * dedup is the only judge (plain_fast): only what judge_plain reads is
 * set. long_line: it has min_chars code points or more. Its normalized
 * key is key_len bytes at key (take_plain: the arena's end), and hash its
 * hash if known (the worker's), else NULL. */
static inline __attribute__((always_inline)) int
queue_plain(struct wn_filter *f, const struct wn_line *line, const struct wn_line *trimmed,
	    bool long_line, const char *key, size_t key_len, const uint64_t *hash)
{
	bool dedup = false;
	uint64_t dup_hash = 0;
	if (!(f->opt.disable & WN_STAGE_DEDUP) && long_line) {
		if (f->opt.key != WN_KEY_NORMALIZED) {
			dup_hash = wn_keyer_exact(&f->keyer, trimmed);
			dedup = true;
		} else if (key_len) {
			dup_hash = hash ? *hash : wn_key_hash(&f->keyer, key, key_len);
			dedup = true;
		}
	}
	if (f->memo_fill.e) { /* take_memo's line, plain and unchanged */
		wn_linememo_fill(&f->memo_fill, dedup, dup_hash);
		f->memo_fill.e = NULL;
	}
	return queue_judged(f, line, trimmed, dedup, dup_hash);
}

/* A plain line (plain.c: nothing the repairs could act on) is keyed in
 * the pass that tells so, into the arena where prepare_line wants its key,
 * and goes on unrepaired; one that a punctuation rule may act on goes
 * through those rules alone, and on as it is if none fired. Returns 1 when
 * the line goes on the general way: not plain, or (*punct_done_out) a
 * punctuation rule rewrote it. */
static int take_plain(struct wn_filter *f, struct wn_line *line, bool *punct_done_out)
{
	const struct wn_line trimmed = { line->ptr, trim_end(line->ptr, line->len) };
	const uintptr_t at = (uintptr_t)trimmed.ptr;
	const size_t copy = at >= f->push_lo && at + trimmed.len <= f->push_hi ? 0 : trimmed.len;
	const size_t room = copy + 3 * line->len + WN_PLAIN_SLACK;
	if (f->arena.cap - f->arena.len < room && wn_buf_reserve(&f->arena, room) != 0)
		return WN_E_NOMEM;
	size_t key_len;
	const int plain = wn_plain_key(line->ptr, line->len, !f->opt.nfkc && !f->opt.ascii,
				       f->arena.ptr + f->arena.len + copy, &key_len);
	if (!plain)
		return 1;
	if ((plain & WN_PLAIN_PUNCT) && !(f->opt.disable & WN_STAGE_REPAIR)) {
		struct wn_line rewritten = *line;
		uint32_t puncts;
		int rc = wn_punct_push(&f->punct, &rewritten, &puncts);
		if (rc)
			return rc;
		if (puncts) {
			*line = rewritten;
			*punct_done_out = true;
			f->memo_fill.e = NULL; /* a changed line is never remembered */
			f->st.lines_changed++;
			rc = f->opt.explain ? explain_change(f, 0, puncts, line) : 0;
			return rc ? rc : 1;
		}
	}
	f->st.lines_in++;
	if (f->plain_fast && !copy && trimmed.len) {
		const bool long_line =
			plain & WN_PLAIN_ASCII
				? trimmed.len >= f->opt.min_chars
				: wn_utf8_at_least(trimmed.ptr, trimmed.len, f->opt.min_chars);
		return queue_plain(f, line, &trimmed, long_line, f->arena.ptr + f->arena.len,
				   key_len, NULL);
	}
	return prepare_line(f, &trimmed, &key_len, (plain & WN_PLAIN_ASCII) != 0);
}

/* plain_fast, a line this thread prepares (not the worker): one in the
 * caller's buffer whose raw bytes came out unchanged lately is queued for
 * judge_plain with the fingerprint they had (0), skipping the plain pass,
 * or the repairs, and the key: a line that was not plain but unchanged is
 * judged as judge_line would with dedup the only judge. Else (1) the
 * line goes on, marked to be remembered if it is queued unchanged
 * (queue_plain, prepare_line). */
static int take_memo(struct wn_filter *f, const struct wn_line *line)
{
	if (!wn_linememo_awake(&f->linememo)) {
		f->memo_fill.e = NULL;
		return 1;
	}
	/* The set of the next line is fetched while this one is worked on:
	 * a look-up is a cache miss otherwise. */
	const char *next = line->ptr + line->len + 1;
	if ((uintptr_t)next >= f->push_lo && (uintptr_t)next + 16 <= f->push_hi)
		wn_linememo_prefetch(&f->linememo, next);
	if (line->len - 1 >= UINT32_MAX) { /* 0, or over 4 GiB */
		f->memo_fill.e = NULL;
		return 1;
	}
	const struct wn_linememo_entry *e =
		wn_linememo_find(&f->linememo, &f->keyer, line, &f->memo_fill);
	if (!e)
		return 1;
	/* Only a line queued with text is filled in, but one that moved out
	 * of the caller's buffer now goes the general way. */
	const struct wn_line trimmed = { line->ptr, trim_end(line->ptr, line->len) };
	const uintptr_t at = (uintptr_t)trimmed.ptr;
	if (!trimmed.len || !(at >= f->push_lo && at + trimmed.len <= f->push_hi))
		return 1;
	f->linememo.hits++;
	f->st.lines_in++;
	return queue_judged(f, line, &trimmed, e->dedup, e->dup_hash);
}

/* Repairs one line of the current document, which may break it in
 * several, and judges each. */
static int take_line(struct wn_filter *f, struct wn_line *line)
{
	/* done: the line's repairs are made (by the worker, or a punctuation
	 * rule on a plain line); a plain line that needs none is taken whole. */
	int done = f->prep ? take_ahead(f, line) : 0;
	if (done < 0)
		return done;
	if (f->memo_on && !done) { /* never counting (plain_fast) */
		const int rc = take_memo(f, line);
		if (rc <= 0)
			return rc;
	}
	if (!done && !f->counting) {
		bool punct_done = false;
		const int rc = take_plain(f, line, &punct_done);
		if (rc <= 0)
			return rc;
		done = punct_done;
	}
	if (done == 2 && f->plain_fast && f->ahead.valid && !f->counting) {
		/* The worker's line, unchanged and keyed, in the block judged. */
		const struct wn_line trimmed = { line->ptr, trim_end(line->ptr, line->len) };
		const uintptr_t at = (uintptr_t)trimmed.ptr;
		if (trimmed.len && at >= f->push_lo && at + trimmed.len <= f->push_hi) {
			f->st.lines_in++;
			f->ahead.valid = false;
			f->ahead.nav = NULL;
			return queue_plain(f, line, &trimmed, f->ahead.long_line, f->ahead.ptr,
					   f->ahead.len, &f->ahead.hash);
		}
	}
	if (!done && !(f->opt.disable & WN_STAGE_REPAIR)) {
		const int rc = repair_line(f, line);
		if (rc)
			return rc;
	}
	/* A repair that empties a line may leave no buffer behind it. */
	const char *p = line->len ? line->ptr : "";
	const char *const end = p + line->len;
	for (;;) {
		/* done == 2: the framer's line, unchanged, holds no '\n'. */
		const char *nl = done == 2 ? NULL : memchr(p, '\n', (size_t)(end - p));
		struct wn_line part = { (char *)(uintptr_t)p, (size_t)((nl ? nl : end) - p) };
		int rc;
		if (f->counting) {
			rc = count_line(f, &part);
		} else {
			f->st.lines_in++;
			rc = prepare_line(f, &part, NULL, false);
		}
		if (rc)
			return rc;
		if (!nl)
			break;
		p = nl + 1;
	}
	f->ahead.valid = false;
	f->ahead.nav = NULL;
	f->memo_fill.e = NULL;
	return 0;
}

/* ---- Lines longer than max_line ----------------------------------------- */

/* Writes bytes of an unjudged line: into the document's held output, or
 * straight to the sink (a large piece without a copy). */
static int write_piece(struct wn_filter *f, const char *p, size_t n)
{
	if (f->to_doc) {
		if (wn_buf_append(&f->doc_out, p, n) != 0)
			return WN_E_NOMEM;
		return f->format == WN_FORMAT_TEXT && f->doc_out.len > f->opt.max_doc ? spill_doc(f)
										      : 0;
	}
	if (n < OUT_FLUSH)
		return write_raw(f, p, n);
	int rc = flush_out(f);
	if (!rc)
		rc = f->opt.write(f->opt.write_ctx, p, n) ? WN_E_SINK : 0;
	f->st.bytes_out += n;
	return rc;
}

/* An unjudged line starts at f->line_no: every line before it is decided
 * and written first (the zones judge what they hold as at a document's
 * end), then it counts as kept. */
static int unjudged_begin(struct wn_filter *f)
{
	int rc = flush_batch(f);
	if (!rc)
		rc = release(f, false);
	if (!rc && f->zones_on)
		rc = flush_doc(f, true);
	if (!rc)
		rc = keep_count(f);
	if (rc)
		return rc;
	f->st.lines_in++;
	f->st.lines_unjudged++;
	f->after_dup = false;
	f->doc_unjudged = true;
	if (f->to_doc && f->opt.explain && f->opt.doc_near > 0 &&
	    wn_buf_append(&f->doc_line_nos, &f->line_no, sizeof(f->line_no)) != 0)
		return WN_E_NOMEM;
	if (f->opt.explain) {
		const struct wn_event ev = {
			.kind = WN_EV_UNJUDGED, .reason = WN_KEPT, .rule = "max-line",
			.doc = f->st.docs_in, .line = f->line_no, .text = "", .len = 0,
		};
		f->opt.explain(f->opt.explain_ctx, &ev);
	}
	return 0;
}

/* A piece of a text line longer than max_line (wn_piece_fn). */
static int on_piece(void *ctx, const char *p, size_t n, bool last)
{
	struct wn_filter *f = ctx;
	int rc = 0;
	if (!f->overlong) {
		f->overlong = true;
		f->line_no++;
		if (!f->doc_open)
			begin_doc(f, f->line_no, NULL, 0, NULL, 0);
		if (!f->counting)
			rc = unjudged_begin(f);
	}
	if (!rc && !f->counting)
		rc = write_piece(f, p, n);
	if (!rc && !f->counting && last)
		rc = write_piece(f, "\n", 1);
	f->overlong = !last;
	return rc;
}

/* A line of text input. A document ended by a form feed (or NUL) is
 * written back with it after its kept lines, as the input framed it; one
 * dropped whole (a duplicate) or left with no line goes without it, unless
 * keep_empty keeps the empty one. */
static int on_line(void *ctx, struct wn_line *line, bool ends_doc)
{
	struct wn_filter *f = ctx;
	if (line) {
		f->line_no++;
		if (!f->doc_open)
			begin_doc(f, f->line_no, NULL, 0, NULL, 0);
		const int rc = take_line(f, line);
		if (rc)
			return rc;
	}
	if (!ends_doc)
		return 0;
	const uint64_t out = f->st.docs_out, empty = f->st.docs_empty;
	const int rc = end_text_doc(f);
	if (rc)
		return rc;
	const bool written = f->st.docs_out != out || (f->opt.keep_empty && f->st.docs_empty != empty);
	return written ? write_raw(f, &f->lines.doc_sep, 1) : 0;
}

/* ---- Exact dedup alone (scan.c) ------------------------------------------- */

#define RAW_BATCH 32 /* lines hashed and prefetched before any is decided */

/* Decides a scanned batch in order, as judge_line would with every other
 * stage off. A kept line with nothing held back before it and its line end
 * right after it joins the run of such lines before it in the input; any
 * other line ends the run (written first, so the output's order stays). */
static int raw_decide(struct wn_filter *f, const struct wn_scan_line *ls, size_t n)
{
	struct run r = { NULL, 0 };
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		const struct wn_scan_line *l = &ls[i];
		const uint64_t line_no = ++f->line_no;
		if (!f->doc_open)
			begin_doc(f, line_no, NULL, 0, NULL, 0);
		f->st.lines_in++;
		bool dup = false;
		if (l->kind == WN_SCAN_DEDUP) {
			rc = seen_judge(f, l->hash);
			if (rc < 0)
				break;
			dup = rc == 0;
			rc = 0;
		}
		if (l->kind != WN_SCAN_BLANK && !dup && !f->blank_pending && !f->to_doc &&
		    l->ptr[l->len] == '\n' && l->len < OUT_FLUSH) {
			f->after_dup = false;
			rc = keep_count(f); /* only counts: no blank is held back */
			if (!rc)
				rc = run_join(f, &r, l->ptr, l->len);
			if (rc)
				break;
			continue;
		}
		rc = end_run(f, &r);
		if (rc)
			break;
		if (l->kind == WN_SCAN_BLANK) {
			blank(f, line_no);
			continue;
		}
		f->after_dup = dup;
		if (dup) {
			drop(f, WN_DROP_DUP, "dup", line_no, l->ptr, l->len);
			continue;
		}
		rc = keep(f, l->ptr, l->len, line_no);
		if (rc)
			break;
	}
	/* The run so far goes out even when a line failed, as each kept line
	 * before it went out at once. */
	const int wrc = end_run(f, &r);
	return rc ? rc : wrc;
}

/* Text input with only exact dedup on: whole lines inside the buffer are
 * scanned and decided in batches; a line under way from the last push, a
 * document's end, an overlong line and the unended tail go through the
 * general splitter, one line at a time, with the same result. */
static int raw_push(struct wn_filter *f, const char *p, size_t n)
{
	const struct wn_scan sc = {
		.seed = f->keyer.seed, .secret = f->keyer.secret,
		.min_chars = f->opt.min_chars, .max_line = f->opt.max_line,
		.dedup = !(f->opt.disable & WN_STAGE_DEDUP),
		.memo = f->opt.judge ? NULL : &f->memo,
	};
	struct wn_scan_line ls[RAW_BATCH];
	const char *const end = p + n;
	while (p < end) {
		const char *doc_end = wn_lines_doc_end(&f->lines, p, (size_t)(end - p));
		if (!wn_lines_midline(&f->lines)) {
			for (;;) {
				const char *next;
				const size_t k = wn_scan_batch(&sc, p, doc_end, ls, RAW_BATCH, &next);
				const int rc = raw_decide(f, ls, k);
				if (rc)
					return rc;
				p = next;
				if (k < RAW_BATCH)
					break;
			}
		}
		if (p == end)
			break;
		/* One line (or a document's end) the general way. */
		const char *nl = memchr(p, '\n', (size_t)(doc_end - p));
		const char *stop = nl ? nl + 1 : doc_end < end ? doc_end + 1 : end;
		int rc = wn_lines_push(&f->lines, p, (size_t)(stop - p), on_line, f);
		if (!rc)
			rc = flush_batch(f);
		if (rc)
			return rc;
		p = stop;
	}
	return 0;
}

/* ---- Records: JSON Lines and WET ------------------------------------------ */

/* Judges a record's text line by line, as text input would be split. In
 * JSON Lines every line of the text is on the record's input line. */
static int feed_text(struct wn_filter *f, const struct wn_record *rec)
{
	const bool advance = f->format == WN_FORMAT_WET;
	const char *p = rec->text;
	const char *const end = p + rec->text_len;
	f->line_no = rec->text_line - advance;
	while (p < end) {
		const char *const nl = memchr(p, '\n', (size_t)(end - p));
		struct wn_line line = { (char *)(uintptr_t)p, (size_t)((nl ? nl : end) - p) };
		if (line.len && line.ptr[line.len - 1] == '\r')
			line.len--;
		f->line_no += advance;
		int rc;
		if (line.len > f->opt.max_line && !f->counting) {
			rc = unjudged_begin(f);
			if (!rc)
				rc = write_piece(f, line.ptr, line.len);
			if (!rc)
				rc = write_piece(f, "\n", 1);
		} else {
			rc = take_line(f, &line);
		}
		if (rc || !nl)
			return rc;
		p = nl + 1;
	}
	return 0;
}

/* Writes a judged record: as it came if its text did not change, else
 * wrapped around the kept lines. Its text keeps or lacks a final line end
 * as it did. */
static int write_record(struct wn_filter *f, const struct wn_record *rec)
{
	struct wn_buf *const t = &f->doc_out;
	if (t->len && (!rec->text_len || rec->text[rec->text_len - 1] != '\n'))
		t->len--;
	if (!t->len && !f->opt.keep_empty)
		return 0;
	if (t->len == rec->text_len && memcmp(t->ptr, rec->text, t->len) == 0)
		return write_raw(f, rec->raw, rec->raw_len);
	const int rc = f->format == WN_FORMAT_JSONL
			       ? wn_jsonl_wrap(&f->jsonl, rec, t->ptr, t->len, &f->out)
			       : wn_wet_wrap(&f->wet, rec, t->ptr, t->len, &f->out);
	return rc || f->out.len < OUT_FLUSH ? rc : flush_out(f);
}

static int doc_record(struct wn_filter *f, const struct wn_record *rec)
{
	/* The batch is empty and end_doc decides it while rec is valid: lines
	 * in the record's text need no copy. */
	assert(f->nbatch == 0);
	const uintptr_t lo = f->push_lo, hi = f->push_hi;
	f->push_lo = (uintptr_t)rec->text;
	f->push_hi = f->push_lo + rec->text_len;
	begin_doc(f, rec->line, rec->id, rec->id_len, rec->url, rec->url_len);
	int rc = feed_text(f, rec);
	if (!rc)
		rc = end_doc(f);
	f->push_lo = lo;
	f->push_hi = hi;
	if (!rc && !f->counting)
		rc = write_record(f, rec);
	f->doc_out.len = 0;
	return rc < 0 ? rc : 0;
}

static int bad_record(struct wn_filter *f, const struct wn_record *rec)
{
	f->st.records_malformed++;
	if (f->opt.error) {
		const struct wn_record_error err = {
			.format = f->format, .action = f->opt.on_error, .line = rec->line,
			.offset = rec->offset, .msg = rec->msg,
		};
		f->opt.error(f->opt.error_ctx, &err);
	}
	if (f->opt.on_error == WN_ON_ERROR_FAIL)
		return WN_E_FORMAT;
	f->pass_more = f->opt.on_error == WN_ON_ERROR_PASS;
	return f->pass_more ? write_raw(f, rec->raw, rec->raw_len) : 0;
}

static int on_record(void *ctx, const struct wn_record *rec)
{
	struct wn_filter *f = ctx;
	if (f->counting) /* only the lines of documents are counted */
		return rec->kind == WN_REC_DOC ? doc_record(f, rec) : 0;
	switch (rec->kind) {
	case WN_REC_DOC:
		return doc_record(f, rec);
	case WN_REC_PASS:
		f->st.records_passed++;
		f->pass_more = true;
		return write_raw(f, rec->raw, rec->raw_len);
	case WN_REC_BAD:
		return bad_record(f, rec);
	case WN_REC_MORE:
		return f->pass_more ? write_raw(f, rec->raw, rec->raw_len) : 0;
	}
	return WN_E_INVAL;
}

/* The format of an input that starts with p[0..n). */
enum wn_format wn_format_detect(const char *p, size_t n)
{
	static const char wet[] = "WARC/1.";
	if (n >= sizeof(wet) - 1 && memcmp(p, wet, sizeof(wet) - 1) == 0)
		return WN_FORMAT_WET;
	return n && p[0] == '{' ? WN_FORMAT_JSONL : WN_FORMAT_TEXT;
}

static int sniff(struct wn_filter *f, const char *p, size_t n);

/* Hands input to the current input's framer. */
static int frame(struct wn_filter *f, const char *p, size_t n)
{
	switch (f->format) {
	case WN_FORMAT_JSONL: return wn_jsonl_push(&f->jsonl, p, n, on_record, f);
	case WN_FORMAT_WET: return wn_wet_push(&f->wet, p, n, on_record, f);
	case WN_FORMAT_AUTO: return sniff(f, p, n);
	default: return f->raw ? raw_push(f, p, n) : wn_lines_push(&f->lines, p, n, on_line, f);
	}
}

/* WN_FORMAT_AUTO: holds an input's first bytes until they tell its format
 * (or, with end, the input is over). */
static int sniff(struct wn_filter *f, const char *p, size_t n)
{
	static const char wet[] = "WARC/1.";
	if (wn_buf_append(&f->sniff, p, n) != 0)
		return WN_E_NOMEM;
	const size_t k = f->sniff.len;
	if (n && k < sizeof(wet) - 1 && memcmp(f->sniff.ptr, wet, k) == 0)
		return 0;
	f->format = wn_format_detect(f->sniff.ptr, k);
	const int rc = frame(f, f->sniff.ptr, k);
	f->sniff.len = 0;
	return rc;
}

/* Compiles the built-in and the user's rules; no rules is no stage. */
static int boiler_init(struct wn_filter *f, const struct wn_options *opt, struct wn_diag *diag)
{
	if (opt->disable & WN_STAGE_BOILERPLATE)
		return 0;
	int rc = wn_rules_init(&f->boiler, opt->seed);
	if (!rc && !(opt->disable & WN_STAGE_BUILTIN_RULES))
		rc = wn_rules_add(&f->boiler, "builtin", (const char *)wn_builtin_rules_text,
				  wn_builtin_rules_len, diag);
	for (size_t i = 0; !rc && i < opt->nrules; i++) {
		const struct wn_rules_text *t = &opt->rules[i];
		rc = wn_rules_add(&f->boiler, t->name, t->text, t->len, diag);
	}
	f->rules_on = f->boiler.ngroups > 0;
	f->zones_on = f->boiler.zones;
	return rc;
}

int wn_filter_create(const struct wn_options *opt, struct wn_filter **f_out,
		     struct wn_diag *diag_out)
{
	struct wn_diag scratch;
	struct wn_diag *diag = diag_out ? diag_out : &scratch;
	memset(diag, 0, sizeof(*diag));
	*f_out = NULL;
	if (!opt || !opt->write || !(opt->near >= 0 && opt->near <= 1) ||
	    !(opt->doc_near >= 0 && opt->doc_near <= 1) || opt->near_words > WN_SHINGLE_MAX)
		return diag->err = WN_E_INVAL;
	struct wn_filter *f = calloc(1, sizeof(*f));
	if (!f)
		return diag->err = WN_E_NOMEM;
	f->opt = *opt;
	f->opt.rules = NULL; /* compiled in boiler_init; the texts are not kept */
	f->opt.nrules = 0;
	if (f->opt.min_chars == 0)
		f->opt.min_chars = WN_DEFAULT_MIN_CHARS;
	if (f->opt.max_doc == 0)
		f->opt.max_doc = WN_DEFAULT_MAX_DOC;
	if (f->opt.max_line == 0)
		f->opt.max_line = WN_DEFAULT_MAX_LINE;
	f->doc_flush_at = DOC_STEP;
	if (f->opt.frequent_bytes == 0)
		f->opt.frequent_bytes = WN_DEFAULT_FREQUENT_BYTES;
	if (f->opt.near_words == 0)
		f->opt.near_words = WN_DEFAULT_NEAR_WORDS;
	if (f->opt.disable & WN_STAGE_DEDUP)
		f->opt.disable |= WN_STAGE_NEAR; /* no dedup is no near dedup either */
	f->near_keys = !(f->opt.disable & WN_STAGE_NEAR) || opt->doc_near > 0;
	if ((unsigned)opt->format > WN_FORMAT_AUTO || (unsigned)opt->on_error > WN_ON_ERROR_FAIL) {
		free(f);
		return diag->err = WN_E_INVAL;
	}
	f->format = opt->format;
	wn_lines_init(&f->lines, opt->nul_docs);
	if (f->opt.max_line != SIZE_MAX)
		wn_lines_limit(&f->lines, f->opt.max_line, on_piece);
	wn_keyer_init(&f->keyer, opt->key, opt->seed);
	wn_shingler_init(&f->shingler, f->opt.near_words, opt->seed);
	int rc = wn_repair_init(&f->repair, opt);
	if (!rc)
		rc = wn_punct_init(&f->punct, opt);
	/* One memory limit for the worker's blocks and both sets. The blocks
	 * (repairs on) take up to a quarter of it, in blocks of 1 MiB or
	 * smaller ones that fit; when not even the smallest fit, there is no
	 * worker. They are set aside on one thread too, so that the sets get
	 * the same share, forget at the same line and the output stays one
	 * thread's whatever the threads. With near-duplicate lines on, the
	 * shingle set (a fingerprint per word of kept text) takes three
	 * quarters of the rest and the line set the rest of that. */
	uint64_t mem = opt->max_mem;
	size_t block = 0;
	if (!(f->opt.disable & WN_STAGE_REPAIR)) {
		block = wn_prep_block_size(mem ? mem / 4 : UINT64_MAX, f->near_keys,
					   f->opt.strip_nav);
		const uint64_t fp = wn_prep_footprint(block, f->near_keys, f->opt.strip_nav);
		if (block && mem) /* only wn_prep_test_block passes a quarter */
			mem -= fp <= mem / 4 ? fp : mem / 4;
	}
	const bool near_on = !(f->opt.disable & WN_STAGE_NEAR);
	const uint64_t line_mem = near_on ? mem / 4 : mem;
	if (!rc)
		rc = wn_memo_init(&f->memo, line_mem, opt->on_full);
	if (!rc && near_on)
		rc = wn_near_init(&f->near, &f->opt, mem - line_mem);
	if (!rc)
		rc = wn_minhash_init(&f->minhash, &f->opt);
	if (!rc && opt->drop_frequent)
		rc = wn_freq_init(&f->freq, f->opt.frequent_bytes);
	if (!rc)
		rc = boiler_init(f, opt, diag);
	if (!rc)
		rc = wn_jsonl_init(&f->jsonl, &f->opt);
	if (!rc)
		rc = wn_wet_init(&f->wet, &f->opt);
	if (!rc)
		rc = wn_docdup_init(&f->docdup, opt->seed);
	if (!rc && opt->strip_nav)
		rc = wn_nav_init(&f->nav, &f->opt);
	f->raw = f->opt.key == WN_KEY_EXACT && (f->opt.disable & WN_STAGE_REPAIR) &&
		 (f->opt.disable & WN_STAGE_NEAR) && !f->rules_on && !f->zones_on &&
		 !f->opt.drop_frequent && !f->opt.doc_dedup && f->opt.doc_near <= 0 &&
		 !f->opt.strip_nav;
	f->plain_fast = !wn_filter_test_general && !f->near_keys && !f->rules_on &&
			!f->zones_on && !f->opt.drop_frequent && !f->opt.doc_dedup &&
			!f->opt.strip_nav;
	/* The line memo stands in for the plain pass, the repairs and the
	 * key: only with plain_fast (near, boilerplate, zones, navigation
	 * and frequent-line judges read a line's text and key), with the
	 * normalized key (the exact one is a hash of the line already), and
	 * not with --explain (an unchanged line fires no rule to explain, but
	 * that mode is for reading, not speed: it stays the plain way). On
	 * two threads each thread has its own, for the lines it prepares:
	 * the worker's records a line as it would have (prep.c). */
	const bool memo = f->plain_fast && !wn_filter_test_no_memo &&
			  f->opt.key == WN_KEY_NORMALIZED && !f->opt.explain;
	if (!rc && block && opt->threads > 1)
		rc = wn_prep_new(&f->opt,
				 f->rules_on || f->opt.drop_frequent || f->near_keys ||
					 f->opt.key == WN_KEY_NORMALIZED,
				 f->plain_fast, memo, f->rules_on ? &f->boiler : NULL,
				 f->opt.strip_nav ? &f->nav : NULL, block, &f->prep);
	f->memo_on = memo;
	if (!rc && f->memo_on)
		rc = wn_linememo_init(&f->linememo, f->keyer.seed);
	if (rc) {
		wn_filter_free(f);
		return diag->err = rc;
	}
	*f_out = f;
	return 0;
}

bool wn_filter_test_general;
bool wn_filter_test_no_memo;

uint64_t wn_filter_memo_rested(const struct wn_filter *f)
{
	return f->linememo.rested + (f->prep ? wn_prep_memo_rested(f->prep) : 0);
}

uint64_t wn_filter_memo_hits(const struct wn_filter *f)
{
	return f->linememo.hits + (f->prep ? wn_prep_memo_hits(f->prep) : 0);
}

uint64_t wn_filter_plain_judged(const struct wn_filter *f)
{
	return f->plain_judged;
}

struct wn_filter *wn_filter_new(const struct wn_options *opt)
{
	struct wn_filter *f;
	return wn_filter_create(opt, &f, NULL) == 0 ? f : NULL;
}

/* Makes an error sticky and returns it. Before a malformed record stops
 * the filter, the records before it reach the sink. */
static int fail(struct wn_filter *f, int rc)
{
	if (rc == WN_E_FORMAT && !f->err)
		flush_out(f);
	if (rc && !f->err)
		f->err = rc;
	return rc;
}

/* Frames and judges buf[0..len), and hands the output to the sink. */
static int judge_input(struct wn_filter *f, const char *buf, size_t len)
{
	if (len == 0) /* nothing to frame: an empty push ends no sniffing */
		return 0;
	if (!f->counting)
		f->st.bytes_in += len;
	f->push_lo = (uintptr_t)buf;
	f->push_hi = f->push_lo + len;
	int rc = frame(f, buf, len);
	if (!rc)
		rc = flush_batch(f);
	f->push_lo = f->push_hi = 0;
	if (!rc)
		rc = flush_out(f);
	return rc;
}

static int end_input(struct wn_filter *f);

/* Threads: judges the oldest block the worker has (or will have) repaired,
 * and ends the input there when it is the input's last (*end_out). A read
 * error (wn_filter_pull) comes after the bytes read before it. */
static int judge_block(struct wn_filter *f, bool *end_out)
{
	const char *data;
	size_t len;
	bool end;
	int rc = wn_prep_begin(f->prep, &data, &len, &end);
	const int read_err = rc == WN_E_READ ? rc : 0;
	if (read_err)
		rc = 0;
	if (!rc)
		rc = judge_input(f, data, len);
	if (!rc && end)
		rc = end_input(f);
	if (!rc)
		rc = read_err;
	if (rc) /* its lines may point into the block given back */
		f->nbatch = 0;
	wn_prep_end(f->prep);
	if (end_out)
		*end_out = end;
	return rc;
}

/* Threads: copies the input into blocks for the worker, and judges the
 * blocks it has repaired (never the newest), waiting for it only when it
 * has all blocks but one. */
static int push_blocks(struct wn_filter *f, const char *buf, size_t len)
{
	while (len) {
		size_t n;
		int rc = wn_prep_fill(f->prep, buf, len, &n);
		if (!rc && n == 0)
			rc = judge_block(f, NULL);
		buf += n;
		len -= n;
		if (!rc && wn_prep_full(f->prep)) {
			wn_prep_submit(f->prep, false, f->keyer.seed);
			while (!rc && wn_prep_due(f->prep))
				rc = judge_block(f, NULL);
		}
		if (rc)
			return rc;
	}
	return 0;
}

/* Threads: the worker gets what was filled, and every block is judged. */
static int drain(struct wn_filter *f, bool end)
{
	int rc = 0;
	while (!rc && !wn_prep_can_submit(f->prep))
		rc = judge_block(f, NULL);
	if (!rc && (end || wn_prep_filling(f->prep)))
		wn_prep_submit(f->prep, end, f->keyer.seed);
	while (!rc && wn_prep_pending(f->prep))
		rc = judge_block(f, NULL);
	return rc;
}

int wn_filter_push(struct wn_filter *f, const void *buf, size_t len)
{
	if (f->err || f->finished)
		return f->err ? f->err : WN_E_STATE;
	f->started = true;
	const int rc = f->prep ? push_blocks(f, buf, len) : judge_input(f, buf, len);
	return fail(f, rc);
}

/* wn_filter_pull on one thread: reads into the filter's buffer and judges
 * each read as wn_filter_push would. */
static int pull_input(struct wn_filter *f, wn_read_fn *rd, void *ctx, uint64_t max_bytes)
{
	if (wn_buf_reserve_aligned(&f->pull_buf, PULL_BUF) != 0)
		return WN_E_NOMEM;
	for (uint64_t got = 0; !max_bytes || got < max_bytes;) {
		const long n = rd(ctx, f->pull_buf.ptr, PULL_BUF);
		if (n < 0 || (unsigned long)n > PULL_BUF)
			return WN_E_READ;
		if (n == 0) {
			const int rc = end_input(f);
			return rc ? rc : 1;
		}
		got += (uint64_t)n;
		const int rc = judge_input(f, f->pull_buf.ptr, (size_t)n);
		if (rc)
			return rc;
	}
	return 0;
}

/* wn_filter_pull on two threads: the worker reads into its own blocks and
 * prepares them; this thread judges each block once it is prepared (it
 * fills none, so it need not hold any back as slack). */
static int pull_blocks(struct wn_filter *f, wn_read_fn *rd, void *ctx, uint64_t max_bytes)
{
	int rc = 0;
	if (wn_prep_filling(f->prep)) /* a push left a block half filled: it goes first */
		wn_prep_submit(f->prep, false, f->keyer.seed);
	wn_prep_pull_start(f->prep, rd, ctx, max_bytes, f->keyer.seed);
	while (wn_prep_pull_next(f->prep)) {
		bool end;
		rc = judge_block(f, &end);
		if (rc)
			break;
		if (end)
			return 1;
	}
	wn_prep_pull_stop(f->prep);
	return rc;
}

int wn_filter_pull(struct wn_filter *f, wn_read_fn *rd, void *ctx, uint64_t max_bytes)
{
	if (f->err || f->finished)
		return f->err ? f->err : WN_E_STATE;
	if (!rd)
		return fail(f, WN_E_INVAL);
	f->started = true;
	const int rc = f->prep ? pull_blocks(f, rd, ctx, max_bytes)
			       : pull_input(f, rd, ctx, max_bytes);
	return rc < 0 ? fail(f, rc) : rc;
}

int wn_filter_flush(struct wn_filter *f)
{
	if (f->err || f->finished)
		return f->err ? f->err : WN_E_STATE;
	int rc = f->prep ? drain(f, false) : 0;
	if (!rc)
		rc = flush_out(f);
	return fail(f, rc);
}

/* Ends the current input in its framer. */
static int end_frame(struct wn_filter *f)
{
	switch (f->format) {
	case WN_FORMAT_JSONL: return wn_jsonl_finish(&f->jsonl, on_record, f);
	case WN_FORMAT_WET: return wn_wet_finish(&f->wet, on_record, f);
	default: break;
	}
	const int rc = wn_lines_finish(&f->lines, on_line, f);
	return rc ? rc : end_text_doc(f);
}

static int end_input(struct wn_filter *f)
{
	int rc = f->format == WN_FORMAT_AUTO ? sniff(f, NULL, 0) : 0;
	if (!rc)
		rc = end_frame(f);
	if (rc)
		return rc;
	f->line_no = 0;
	f->format = f->opt.format;
	return 0;
}

int wn_filter_end_input(struct wn_filter *f)
{
	if (f->err || f->finished)
		return f->err ? f->err : WN_E_STATE;
	f->started = true;
	return fail(f, f->prep ? drain(f, true) : end_input(f));
}

int wn_filter_count_begin(struct wn_filter *f)
{
	if (f->err || f->finished || f->counting || f->counted || f->st.lines_in || f->doc_open ||
	    f->lines.carry.len || (f->prep && (wn_prep_pending(f->prep) || wn_prep_filling(f->prep))))
		return f->err ? f->err : WN_E_STATE;
	if (!f->opt.drop_frequent)
		return WN_E_INVAL;
	f->counting = true;
	return 0;
}

int wn_filter_count_end(struct wn_filter *f)
{
	if (f->err || !f->counting)
		return f->err ? f->err : WN_E_STATE;
	const int rc = wn_filter_end_input(f);
	f->counting = false;
	f->counted = true;
	f->freq_doc = 0;
	return rc;
}

int wn_filter_finish(struct wn_filter *f)
{
	int rc = wn_filter_end_input(f);
	if (!rc)
		rc = flush_out(f);
	f->finished = true;
	return fail(f, rc);
}

void wn_filter_stats(const struct wn_filter *f, struct wn_stats *out)
{
	*out = f->st;
	out->seen_entries = wn_memo_count(&f->memo);
	out->seen_bytes = wn_memo_bytes(&f->memo);
	out->seen_forgotten = f->memo.forgotten;
	out->seen_bloom = f->memo.bloom.set != NULL;
	out->seen_false_rate = out->seen_bloom ? wn_bloom_rate(&f->memo.bloom) : 0.0;
	out->expected_false_drops = f->memo.bloom.expected_false;
	out->regex_limited = wn_rules_regex_limited(&f->boiler);
	out->near_entries = wn_memo_count(&f->near.set);
	out->near_bytes = wn_memo_bytes(&f->near.set);
	out->near_forgotten = f->near.set.forgotten;
	out->near_bloom = f->near.set.bloom.set != NULL;
	out->near_full = f->near_full;
	out->doc_near_docs = f->minhash.ndocs;
	out->doc_near_bytes = wn_minhash_bytes(&f->minhash);
	out->ahead_seconds = f->prep ? wn_prep_cpu(f->prep) : 0.0;
}

int wn_filter_load_state(struct wn_filter *f, wn_read_fn *rd, void *ctx)
{
	if (f->err)
		return f->err;
	if (f->started)
		return fail(f, WN_E_INVAL);
	struct wn_state_reader *r = malloc(sizeof(*r));
	if (!r)
		return fail(f, WN_E_NOMEM);
	int rc = wn_state_open(r, rd, ctx);
	if (!rc && (wn_state_diff(&r->info, &f->opt) ||
		    (f->loaded && r->info.seed != f->keyer.seed))) {
		/* Only an intact file can be said to have other settings. */
		uint64_t skipped;
		rc = wn_state_read_sets(r, NULL, NULL, 0, &skipped);
		if (!rc)
			rc = WN_E_STATE_MISMATCH;
	} else if (!rc) {
		/* Fingerprints are only comparable under the state's seed: the
		 * rule table, hashed with the old one, is hashed again. */
		wn_keyer_reseed(&f->keyer, r->info.seed);
		if (f->memo_on) { /* its raw hashes and fingerprints are the old seed's */
			wn_linememo_clear(&f->linememo);
			f->linememo.seed = r->info.seed;
		}
		f->opt.seed = f->shingler.seed = r->info.seed;
		rc = wn_rules_reseed(&f->boiler, r->info.seed);
		f->loaded = true;
		f->loaded_forgotten += r->info.forgotten;
		const uint64_t before = wn_memo_count(&f->memo);
		uint64_t skipped = 0;
		const bool near_on = !(f->opt.disable & WN_STAGE_NEAR);
		const uint64_t near_before = near_on ? wn_memo_count(&f->near.set) : 0;
		if (!rc)
			rc = wn_state_read_sets(r, &f->memo, near_on ? &f->near.set : NULL,
						f->opt.near_words, &skipped);
		f->st.seen_loaded += wn_memo_count(&f->memo) - before;
		if (near_on)
			f->st.near_loaded += wn_memo_count(&f->near.set) - near_before;
		f->loaded_forgotten += skipped;
	}
	wn_state_close(r);
	free(r);
	return fail(f, rc);
}

int wn_filter_save_state(const struct wn_filter *f, wn_write_fn *wr, void *ctx)
{
	if (f->err)
		return f->err;
	const struct wn_state_info keying = {
		.seed = f->keyer.seed, .key = f->opt.key,
		.repair = !(f->opt.disable & WN_STAGE_REPAIR), .repair_off = f->opt.repair_off,
		.forgotten = f->loaded_forgotten + f->memo.forgotten,
	};
	const bool near_on = !(f->opt.disable & WN_STAGE_NEAR);
	return wn_state_save(&f->memo, near_on ? &f->near.set : NULL, f->opt.near_words, &keying,
			     wr, ctx);
}

void wn_filter_free(struct wn_filter *f)
{
	if (!f)
		return;
	wn_prep_free(f->prep);
	wn_buf_free(&f->pull_buf);
	wn_lines_free(&f->lines);
	wn_repair_free(&f->repair);
	wn_punct_free(&f->punct);
	wn_buf_free(&f->rules);
	wn_buf_free(&f->arena);
	wn_memo_free(&f->memo);
	wn_linememo_free(&f->linememo);
	wn_rules_free(&f->boiler);
	wn_freq_free(&f->freq);
	wn_doc_free(&f->doc);
	wn_buf_free(&f->out);
	wn_shingler_free(&f->shingler);
	wn_near_free(&f->near);
	wn_buf_free(&f->held_text);
	wn_minhash_free(&f->minhash);
	wn_buf_free(&f->doc_line_nos);
	wn_buf_free(&f->sniff);
	wn_jsonl_free(&f->jsonl);
	wn_wet_free(&f->wet);
	wn_docdup_free(&f->docdup);
	wn_buf_free(&f->doc_out);
	wn_nav_free(&f->nav);
	free(f);
}
