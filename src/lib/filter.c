/* filter.c - the pipeline: the only file that knows every stage. Bytes are
 * split into lines, each line is judged, and kept lines are written. */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define OUT_FLUSH ((size_t)1 << 20) /* hand output to the sink in blocks */
#define BATCH 32                    /* lines prepared before any is decided */
#define DOC_STEP ((size_t)256 << 10) /* judge the document buffer this often */
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
	size_t key_len;
	uint64_t key_hash; /* hash of the normalized key */
	uint64_t dup_hash; /* the fingerprint dedup looks up */
	uint64_t line_no;
	bool in_arena;
	bool blank;
	bool keyed;        /* key_* are set */
	bool dedup;        /* long enough, with a non-empty key: look it up */
};

struct wn_filter {
	struct wn_options opt;
	struct wn_lines lines;
	struct wn_repair repair;
	struct wn_punct punct;
	struct wn_keyer keyer;
	struct wn_seen seen;
	struct wn_rules boiler; /* boilerplate rules, when rules_on */
	struct wn_freq freq;    /* documents per short line, when drop_frequent */
	struct wn_doc doc;      /* the document's judged lines, when zones_on */
	struct wn_zone zone;
	size_t doc_flush_at;    /* judge a piece once doc holds this many bytes */
	bool rules_on;
	bool zones_on;          /* a document-level judge is on: lines wait in doc */
	bool near_keys;         /* a near stage is on: key every line */
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
	struct wn_buf rules;   /* names of the repairs that fired, for explain */
	uint64_t line_no;      /* in the current input */
	/* The current document. A blank line is held back until a kept line
	 * follows it, so runs collapse and a document's edges lose theirs. */
	bool doc_open;         /* a line of this document was read */
	bool doc_has_output;
	bool blank_pending;
	uint64_t blank_line_no;
	/* Near duplicates. A short kept line after a duplicate waits in held[]
	 * until the next line is decided: it goes with a following duplicate
	 * (onion's smoothing), and on with anything else. */
	struct wn_shingler shingler;
	struct wn_near near;
	bool tokenized;        /* shingler holds the current line */
	bool after_dup;        /* the last content line decided was a duplicate */
	struct wn_judged held[HOLD_MAX]; /* off: the text in held_text */
	size_t nheld;
	size_t nstubs;         /* lines (not blanks) in held[] */
	struct wn_buf held_text;
	/* Document near duplicates: the document's output waits in doc_out
	 * until its end decides it, unless it outgrew max_doc (spilled). */
	struct wn_minhash minhash;
	struct wn_buf doc_out;
	struct wn_buf doc_line_nos; /* uint64_t line number per doc_out line, to explain */
	bool doc_spilled;
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

/* Hands a finished document's held output on, straight to the sink when big. */
static int commit_doc(struct wn_filter *f)
{
	struct wn_buf *d = &f->doc_out;
	int rc = 0;
	if (d->len >= OUT_FLUSH) {
		rc = flush_out(f);
		if (!rc)
			rc = f->opt.write(f->opt.write_ctx, d->ptr, d->len) ? WN_E_SINK : 0;
		f->st.bytes_out += d->len;
	} else if (wn_buf_append(&f->out, d->ptr, d->len) != 0) {
		rc = WN_E_NOMEM;
	} else if (f->out.len >= OUT_FLUSH) {
		rc = flush_out(f);
	}
	d->len = 0;
	f->doc_line_nos.len = 0;
	return rc;
}

/* With doc_near, a document's lines wait for its end; past max_doc bytes the
 * document can no longer be dropped and goes out as it comes. */
static int hold_doc_line(struct wn_filter *f, const char *p, size_t n, uint64_t line_no)
{
	if (wn_buf_reserve(&f->doc_out, n + 1) != 0 ||
	    (f->opt.explain && wn_buf_append(&f->doc_line_nos, &line_no, sizeof(line_no)) != 0))
		return WN_E_NOMEM;
	memcpy(f->doc_out.ptr + f->doc_out.len, p, n);
	f->doc_out.ptr[f->doc_out.len + n] = '\n';
	f->doc_out.len += n + 1;
	if (f->doc_out.len <= f->opt.max_doc)
		return 0;
	f->doc_spilled = true;
	return commit_doc(f);
}

static int write_line(struct wn_filter *f, const char *p, size_t n, uint64_t line_no)
{
	if (f->opt.doc_near > 0 && !f->doc_spilled)
		return hold_doc_line(f, p, n, line_no);
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
	if (wn_buf_reserve(&f->out, n + 1) != 0)
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

static int keep(struct wn_filter *f, const char *p, size_t n, uint64_t line_no)
{
	if (f->blank_pending) {
		f->blank_pending = false;
		if (f->doc_has_output) {
			f->st.lines_kept++;
			const int rc = write_line(f, "", 0, f->blank_line_no);
			if (rc)
				return rc;
		} else {
			drop(f, WN_DROP_BLANK, "leading-blank", f->blank_line_no, "", 0);
		}
	}
	f->doc_has_output = true;
	f->st.lines_kept++;
	return write_line(f, p, n, line_no);
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

/* Judges the zones of the buffered lines and writes out those decided. */
static int flush_doc(struct wn_filter *f, bool doc_end)
{
	const size_t decided = wn_zone_judge(&f->zone, f->doc.recs, f->doc.n, f->opt.max_doc,
					     doc_end);
	int rc = 0;
	for (size_t i = 0; i < decided && !rc; i++)
		rc = emit(f, &f->doc.recs[i], f->doc.text.ptr + f->doc.recs[i].off);
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
static int settle(struct wn_filter *f, const struct wn_judged *v, const char *text)
{
	if (!f->zones_on)
		return emit(f, v, text);
	const int rc = wn_doc_append(&f->doc, v, text);
	if (rc || f->doc.text.len < f->doc_flush_at)
		return rc;
	return flush_doc(f, false);
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

/* Runs the repair stages; they rewrite the line and never drop it. */
static int repair_line(struct wn_filter *f, struct wn_line *line)
{
	uint32_t repairs = 0, puncts = 0;
	int rc = wn_repair_push(&f->repair, line, &repairs);
	if (!rc)
		rc = wn_punct_push(&f->punct, line, &puncts);
	if (rc || !(repairs | puncts) || f->counting)
		return rc;
	f->st.lines_changed++;
	return f->opt.explain ? explain_change(f, repairs, puncts, line) : 0;
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
static void judge_boilerplate(struct wn_filter *f, const struct wn_line *line,
			      const struct line_key *k, struct wn_judged *v)
{
	shape(v, line, &k->key);
	if (f->rules_on) {
		const int g = wn_rules_match(&f->boiler, line, &k->key, k->hash);
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

/* True when the line has at least min code points; counts only when the
 * byte length leaves it open (a code point is 1 to 4 bytes). */
static bool long_enough(const char *p, size_t n, size_t min)
{
	if (n >= 4 * min)
		return true;
	return n >= min && wn_utf8_count(p, n) >= min;
}

/* ---- Near duplicates ----------------------------------------------------- */

/* Tokenizes the line when a near stage wants it (with the key the batch
 * made), feeds the document's MinHash with every line, and judges the lines
 * the other judges kept and that are long enough to be deduplicated. */
static int near_line(struct wn_filter *f, const struct pending *p, const char *text,
		     struct wn_judged *v)
{
	const bool para = !(f->opt.disable & WN_STAGE_NEAR) && v->reason == WN_KEPT &&
			  long_enough(text, p->len, f->opt.min_chars);
	const bool doc = f->opt.doc_near > 0;
	if (!para && !doc)
		return 0;
	const struct wn_line line = { (char *)(uintptr_t)text, p->len };
	int rc = wn_shingler_run(&f->shingler, &line, p->keyed ? f->arena.ptr + p->key_off : NULL,
				 p->key_len);
	if (rc)
		return rc;
	f->tokenized = true;
	if (doc)
		wn_minhash_add(&f->minhash, &f->shingler);
	if (!para)
		return 0;
	bool keep_line;
	rc = wn_near_push(&f->near, &f->shingler, &keep_line);
	if (!rc && !keep_line) {
		v->reason = WN_DROP_NEAR;
		v->rule = "near";
	}
	return rc;
}

/* A line of at most STUB_TOKENS tokens. */
static int is_stub(struct wn_filter *f, const struct wn_judged *v, const char *text, bool *stub_out)
{
	if (!f->tokenized && v->len > STUB_TOKENS && wn_utf8_count(text, v->len) > STUB_TOKENS) {
		const struct wn_line line = { (char *)(uintptr_t)text, v->len };
		const int rc = wn_shingler_run(&f->shingler, &line, NULL, 0);
		if (rc)
			return rc;
		f->tokenized = true;
	}
	*stub_out = !f->tokenized || f->shingler.ntokens <= STUB_TOKENS;
	return 0;
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
		rc = settle(f, h, f->held_text.ptr + h->off);
	}
	f->nheld = f->nstubs = 0;
	f->held_text.len = 0;
	return rc;
}

/* Onion's smoothing, between the judges and settle: a short kept line right
 * after a duplicate waits for the next line; a duplicate takes it along,
 * anything else lets it go on as kept. */
static int smooth(struct wn_filter *f, struct wn_judged *v, const char *text)
{
	if (v->blank) {
		if (!f->nheld)
			return settle(f, v, text);
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
	return settle(f, v, text);
}

/* The end of a document with doc_near: its held output goes out, or the
 * whole document is dropped as a copy of an earlier one. */
static int doc_near_end(struct wn_filter *f)
{
	bool keep_doc;
	uint64_t match;
	int rc = wn_minhash_end_doc(&f->minhash, f->st.docs_in, !f->doc_spilled, &keep_doc, &match);
	f->doc_spilled = false;
	if (rc || keep_doc)
		return rc ? rc : commit_doc(f);
	char rule[32];
	snprintf(rule, sizeof(rule), "doc-near:%" PRIu64, match);
	const char *p = f->doc_out.ptr;
	for (size_t i = 0; p < f->doc_out.ptr + f->doc_out.len; i++) {
		const char *nl = memchr(p, '\n', (size_t)(f->doc_out.ptr + f->doc_out.len - p));
		uint64_t line_no = 0;
		if (f->opt.explain)
			memcpy(&line_no, f->doc_line_nos.ptr + i * sizeof(line_no), sizeof(line_no));
		f->st.lines_kept--;
		drop(f, WN_DROP_DOC, rule, line_no, p, (size_t)(nl - p));
		p = nl + 1;
	}
	f->doc_has_output = false;
	f->doc_out.len = 0;
	f->doc_line_nos.len = 0;
	return 0;
}

/* ---- Lines and documents ------------------------------------------------ */

/* Decides one line, in input order: the judges, then keep or drop. */
static int judge_line(struct wn_filter *f, const struct pending *p)
{
	const char *text = p->in_arena ? f->arena.ptr + p->off : p->ptr;
	struct wn_judged v = { .line_no = p->line_no, .len = p->len, .rule = "", .blank = p->blank };
	if (!p->blank && p->keyed && (f->rules_on || f->opt.drop_frequent)) {
		const struct wn_line line = { (char *)(uintptr_t)text, p->len };
		const struct line_key k = { { f->arena.ptr + p->key_off, p->key_len }, p->key_hash };
		judge_boilerplate(f, &line, &k, &v);
	}
	if (p->dedup && v.reason == WN_KEPT) {
		const int rc = wn_seen_insert(&f->seen, p->dup_hash);
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
	return smooth(f, &v, text);
}

static int flush_batch(struct wn_filter *f)
{
	int rc = 0;
	for (size_t i = 0; i < f->nbatch && !rc; i++)
		rc = judge_line(f, &f->batch[i]);
	f->nbatch = 0;
	f->arena.len = 0;
	return rc;
}

/* Prepares one line for the batch: trims it, leaves it where it is if the
 * caller's buffer holds it (else copies it), and keys and fingerprints it
 * for the judges that will look. */
static int prepare_line(struct wn_filter *f, const struct wn_line *line)
{
	struct pending *p = &f->batch[f->nbatch++];
	const struct wn_line trimmed = { line->ptr, trim_end(line->ptr, line->len) };
	const uintptr_t at = (uintptr_t)trimmed.ptr;
	p->len = trimmed.len;
	p->line_no = f->line_no;
	p->blank = trimmed.len == 0;
	p->keyed = p->dedup = false;
	p->in_arena = !(at >= f->push_lo && at + trimmed.len <= f->push_hi);
	p->ptr = trimmed.ptr;
	if (p->in_arena) {
		p->off = f->arena.len;
		if (wn_buf_append(&f->arena, trimmed.ptr, trimmed.len) != 0)
			return WN_E_NOMEM;
	}
	if (p->blank)
		return f->nbatch == BATCH ? flush_batch(f) : 0;
	const bool dedup = !(f->opt.disable & WN_STAGE_DEDUP) &&
			   long_enough(trimmed.ptr, trimmed.len, f->opt.min_chars);
	if (f->rules_on || f->opt.drop_frequent || f->near_keys ||
	    (dedup && f->opt.key == WN_KEY_NORMALIZED)) {
		p->key_off = f->arena.len;
		const int rc = wn_keyer_key(&f->keyer, &trimmed, &f->arena, &p->key_hash);
		if (rc)
			return rc;
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
		if (p->dedup)
			wn_seen_prefetch(&f->seen, p->dup_hash);
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

static int end_doc(struct wn_filter *f)
{
	const int flushed = flush_batch(f);
	if (flushed || !f->doc_open)
		return flushed;
	f->freq_doc++;
	if (f->counting) {
		f->doc_open = false;
		return 0;
	}
	int rc = release(f, false);
	if (!rc && f->zones_on)
		rc = flush_doc(f, true);
	if (rc)
		return rc;
	if (f->blank_pending)
		drop(f, WN_DROP_BLANK, "trailing-blank", f->blank_line_no, "", 0);
	if (f->opt.doc_near > 0 && (rc = doc_near_end(f)) != 0)
		return rc;
	f->st.docs_in++;
	f->st.docs_out += f->doc_has_output;
	f->doc_open = f->doc_has_output = f->blank_pending = f->after_dup = false;
	if (f->opt.scope == WN_SCOPE_DOC) {
		wn_seen_clear(&f->seen);
		wn_near_clear(&f->near);
	}
	return 0;
}

/* Repairs one input line, which may break it in several, and judges each. */
static int on_line(void *ctx, struct wn_line *line, bool ends_doc)
{
	struct wn_filter *f = ctx;
	if (line) {
		f->line_no++;
		f->doc_open = true;
		if (!(f->opt.disable & WN_STAGE_REPAIR)) {
			const int rc = repair_line(f, line);
			if (rc)
				return rc;
		}
		const char *p = line->ptr;
		const char *const end = p + line->len;
		for (;;) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			struct wn_line part = { (char *)(uintptr_t)p, (size_t)((nl ? nl : end) - p) };
			int rc;
			if (f->counting) {
				rc = count_line(f, &part);
			} else {
				f->st.lines_in++;
				rc = prepare_line(f, &part);
			}
			if (rc)
				return rc;
			if (!nl)
				break;
			p = nl + 1;
		}
	}
	return ends_doc ? end_doc(f) : 0;
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
	f->doc_flush_at = DOC_STEP;
	if (f->opt.frequent_bytes == 0)
		f->opt.frequent_bytes = WN_DEFAULT_FREQUENT_BYTES;
	if (f->opt.near_words == 0)
		f->opt.near_words = WN_DEFAULT_NEAR_WORDS;
	if (f->opt.disable & WN_STAGE_DEDUP)
		f->opt.disable |= WN_STAGE_NEAR; /* no dedup is no near dedup either */
	f->near_keys = !(f->opt.disable & WN_STAGE_NEAR) || opt->doc_near > 0;
	wn_lines_init(&f->lines, opt->nul_docs);
	wn_keyer_init(&f->keyer, opt->key, opt->seed);
	wn_shingler_init(&f->shingler, f->opt.near_words, opt->seed);
	int rc = wn_repair_init(&f->repair, opt);
	if (!rc)
		rc = wn_punct_init(&f->punct, opt);
	if (!rc)
		rc = wn_seen_init(&f->seen);
	if (!rc && !(f->opt.disable & WN_STAGE_NEAR))
		rc = wn_near_init(&f->near, &f->opt);
	if (!rc)
		rc = wn_minhash_init(&f->minhash, &f->opt);
	if (!rc && opt->drop_frequent)
		rc = wn_freq_init(&f->freq, f->opt.frequent_bytes);
	if (!rc)
		rc = boiler_init(f, opt, diag);
	if (rc) {
		wn_filter_free(f);
		return diag->err = rc;
	}
	*f_out = f;
	return 0;
}

struct wn_filter *wn_filter_new(const struct wn_options *opt)
{
	struct wn_filter *f;
	return wn_filter_create(opt, &f, NULL) == 0 ? f : NULL;
}

/* Makes an error sticky and returns it. */
static int fail(struct wn_filter *f, int rc)
{
	if (rc && !f->err)
		f->err = rc;
	return rc;
}

int wn_filter_push(struct wn_filter *f, const void *buf, size_t len)
{
	if (f->err || f->finished)
		return f->err ? f->err : WN_E_STATE;
	if (!f->counting)
		f->st.bytes_in += len;
	f->push_lo = (uintptr_t)buf;
	f->push_hi = f->push_lo + len;
	int rc = wn_lines_push(&f->lines, buf, len, on_line, f);
	if (!rc)
		rc = flush_batch(f);
	f->push_lo = f->push_hi = 0;
	if (!rc)
		rc = flush_out(f);
	return fail(f, rc);
}

int wn_filter_end_input(struct wn_filter *f)
{
	if (f->err || f->finished)
		return f->err ? f->err : WN_E_STATE;
	int rc = wn_lines_finish(&f->lines, on_line, f);
	if (!rc)
		rc = end_doc(f);
	if (rc)
		return fail(f, rc);
	f->line_no = 0;
	return 0;
}

int wn_filter_count_begin(struct wn_filter *f)
{
	if (f->err || f->finished || f->counting || f->counted || f->st.lines_in || f->doc_open ||
	    f->lines.carry.len)
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
	out->seen_entries = f->seen.count;
	out->seen_bytes = f->seen.bytes;
	out->regex_limited = wn_rules_regex_limited(&f->boiler);
	out->near_entries = f->near.seen.count;
	out->near_bytes = f->near.seen.bytes;
	out->doc_near_docs = f->minhash.ndocs;
	out->doc_near_bytes = wn_minhash_bytes(&f->minhash);
}

void wn_filter_free(struct wn_filter *f)
{
	if (!f)
		return;
	wn_lines_free(&f->lines);
	wn_repair_free(&f->repair);
	wn_punct_free(&f->punct);
	wn_buf_free(&f->rules);
	wn_buf_free(&f->arena);
	wn_seen_free(&f->seen);
	wn_rules_free(&f->boiler);
	wn_freq_free(&f->freq);
	wn_doc_free(&f->doc);
	wn_buf_free(&f->out);
	wn_shingler_free(&f->shingler);
	wn_near_free(&f->near);
	wn_buf_free(&f->held_text);
	wn_minhash_free(&f->minhash);
	wn_buf_free(&f->doc_out);
	wn_buf_free(&f->doc_line_nos);
	free(f);
}
