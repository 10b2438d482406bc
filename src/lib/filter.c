/* filter.c - the pipeline: the only file that knows every stage. Bytes are
 * split into lines, each line is judged, and kept lines are written. */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define OUT_FLUSH ((size_t)1 << 20) /* hand output to the sink in blocks */
/* Smoothing: a run of at most MAX_STUBS lines of at most STUB_TOKENS tokens
 * between two duplicates goes with them. Longer runs are kept: between
 * repeated template lines (forum profiles, interview questions) they are
 * content (doc/near.md). Each held line may bring the blank after it. */
#define STUB_TOKENS 20
#define MAX_STUBS 2
#define HOLD_MAX (2 * MAX_STUBS)

/* A line or blank held back by smoothing, its text in wn_filter.held_text. */
struct held {
	uint64_t line_no;
	size_t off, len;
	bool blank;
};

struct wn_filter {
	struct wn_options opt;
	struct wn_lines lines;
	struct wn_repair repair;
	struct wn_punct punct;
	struct wn_keyer keyer;
	struct wn_seen seen;
	struct wn_buf out;     /* output not yet handed to the sink */
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
	 * (onion's smoothing), and out with anything kept. */
	struct wn_shingler shingler;
	struct wn_near near;
	bool tokenized;        /* shingler holds the current line */
	bool after_dup;        /* the last content line decided was a duplicate */
	struct held held[HOLD_MAX];
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
	if (rc || !(repairs | puncts))
		return rc;
	f->st.lines_changed++;
	return f->opt.explain ? explain_change(f, repairs, puncts, line) : 0;
}

/* ---- Near duplicates ----------------------------------------------------- */

/* Tokenizes the line when a near stage wants it (the keyer's key when it
 * made one), feeds the document's MinHash with every line, and judges the
 * lines exact dedup kept and that are long enough to be deduplicated. */
static int near_line(struct wn_filter *f, const struct wn_line *line, bool dedupable,
		     bool keyed, enum wn_reason *why)
{
	const bool para = !(f->opt.disable & WN_STAGE_NEAR) && dedupable && *why == WN_KEPT;
	const bool doc = f->opt.doc_near > 0;
	if (!para && !doc)
		return 0;
	int rc = wn_shingler_run(&f->shingler, line, keyed ? f->keyer.scratch.ptr : NULL,
				 f->keyer.scratch.len);
	if (rc)
		return rc;
	f->tokenized = true;
	if (doc)
		wn_minhash_add(&f->minhash, &f->shingler);
	if (!para)
		return 0;
	bool keep_line;
	rc = wn_near_push(&f->near, &f->shingler, &keep_line);
	if (!rc && !keep_line)
		*why = WN_DROP_NEAR;
	return rc;
}

/* A line of at most STUB_TOKENS tokens. */
static int is_stub(struct wn_filter *f, const struct wn_line *line, size_t nchars, bool *stub_out)
{
	if (!f->tokenized && nchars > STUB_TOKENS) {
		const int rc = wn_shingler_run(&f->shingler, line, NULL, 0);
		if (rc)
			return rc;
		f->tokenized = true;
	}
	*stub_out = f->tokenized ? f->shingler.ntokens <= STUB_TOKENS : true;
	return 0;
}

/* Holds a line (NULL: a blank) back until the next decision. */
static int hold(struct wn_filter *f, const struct wn_line *line)
{
	assert(f->nheld < HOLD_MAX);
	struct held *h = &f->held[f->nheld++];
	f->nstubs += line != NULL;
	h->line_no = f->line_no;
	h->off = f->held_text.len;
	h->len = line ? line->len : 0;
	h->blank = !line;
	return line ? wn_buf_append(&f->held_text, line->ptr, line->len) : 0;
}

/* Decides the held lines as they would have been decided in their place:
 * dropped with a duplicate that follows them, kept otherwise. */
static int release(struct wn_filter *f, bool dup)
{
	int rc = 0;
	for (size_t i = 0; i < f->nheld && !rc; i++) {
		const struct held *h = &f->held[i];
		const char *p = f->held_text.ptr + h->off;
		if (h->blank)
			blank(f, h->line_no);
		else if (dup)
			drop(f, WN_DROP_NEAR, "near-smooth", h->line_no, p, h->len);
		else
			rc = keep(f, p, h->len, h->line_no);
	}
	f->nheld = f->nstubs = 0;
	f->held_text.len = 0;
	return rc;
}

/* A blank line: layout, held back with the lines around it while smoothing. */
static int blank_line(struct wn_filter *f)
{
	if (!f->nheld) {
		blank(f, f->line_no);
		return 0;
	}
	if (!f->held[f->nheld - 1].blank)
		return hold(f, NULL);
	/* However the held lines are decided, a second blank is a run. */
	drop(f, WN_DROP_BLANK, "blank-run", f->line_no, "", 0);
	return 0;
}

/* Carries out a line's verdict. With near on, a short kept line right after a
 * duplicate is held back instead; drops other than duplicates leave held
 * lines waiting. */
static int settle(struct wn_filter *f, const struct wn_line *line, size_t nchars,
		  enum wn_reason why)
{
	const bool dup = why == WN_DROP_DUP || why == WN_DROP_NEAR;
	if (why != WN_KEPT && !dup) {
		drop(f, why, wn_reason_name(why), f->line_no, line->ptr, line->len);
		return 0;
	}
	if (why == WN_KEPT && f->after_dup && f->nstubs < MAX_STUBS &&
	    !(f->opt.disable & WN_STAGE_NEAR)) {
		bool stub;
		const int rc = is_stub(f, line, nchars, &stub);
		if (rc || stub)
			return rc ? rc : hold(f, line);
	}
	const int rc = release(f, dup);
	if (rc)
		return rc;
	f->after_dup = dup;
	if (!dup)
		return keep(f, line->ptr, line->len, f->line_no);
	drop(f, why, wn_reason_name(why), f->line_no, line->ptr, line->len);
	return 0;
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

/* Decides one line: the whole per-line pipeline. */
static int judge_line(struct wn_filter *f, struct wn_line *line)
{
	line->len = trim_end(line->ptr, line->len);
	if (line->len == 0)
		return blank_line(f);
	f->tokenized = false;
	enum wn_reason why = WN_KEPT;
	const size_t nchars = wn_utf8_count(line->ptr, line->len);
	const bool dedupable = nchars >= f->opt.min_chars;
	bool keyed = false;
	if (!(f->opt.disable & WN_STAGE_DEDUP) && dedupable) {
		uint64_t h;
		bool empty;
		int rc = wn_keyer_hash(&f->keyer, line, &h, &empty);
		if (rc)
			return rc;
		keyed = f->keyer.mode == WN_KEY_NORMALIZED;
		if (!empty) {
			rc = wn_seen_insert(&f->seen, h);
			if (rc < 0)
				return rc;
			if (rc == 0)
				why = WN_DROP_DUP;
		}
	}
	const int rc = near_line(f, line, dedupable, keyed, &why);
	return rc ? rc : settle(f, line, nchars, why);
}

static int end_doc(struct wn_filter *f)
{
	if (!f->doc_open)
		return 0;
	int rc = release(f, false);
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
			f->st.lines_in++;
			const int rc = judge_line(f, &part);
			if (rc)
				return rc;
			if (!nl)
				break;
			p = nl + 1;
		}
	}
	return ends_doc ? end_doc(f) : 0;
}

struct wn_filter *wn_filter_new(const struct wn_options *opt)
{
	if (!opt || !opt->write || !(opt->near >= 0 && opt->near <= 1) ||
	    !(opt->doc_near >= 0 && opt->doc_near <= 1) || opt->near_words > WN_SHINGLE_MAX)
		return NULL;
	struct wn_filter *f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->opt = *opt;
	if (f->opt.min_chars == 0)
		f->opt.min_chars = WN_DEFAULT_MIN_CHARS;
	if (f->opt.max_doc == 0)
		f->opt.max_doc = WN_DEFAULT_MAX_DOC;
	if (f->opt.near_words == 0)
		f->opt.near_words = WN_DEFAULT_NEAR_WORDS;
	wn_lines_init(&f->lines, opt->nul_docs);
	wn_keyer_init(&f->keyer, opt->key, opt->seed);
	wn_shingler_init(&f->shingler, f->opt.near_words, opt->seed);
	if (wn_repair_init(&f->repair, opt) != 0 || wn_punct_init(&f->punct, opt) != 0 ||
	    wn_seen_init(&f->seen) != 0 || wn_minhash_init(&f->minhash, &f->opt) != 0 ||
	    (!(opt->disable & WN_STAGE_NEAR) && wn_near_init(&f->near, &f->opt) != 0)) {
		wn_filter_free(f);
		return NULL;
	}
	return f;
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
	f->st.bytes_in += len;
	int rc = wn_lines_push(&f->lines, buf, len, on_line, f);
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
	wn_keyer_free(&f->keyer);
	wn_seen_free(&f->seen);
	wn_buf_free(&f->out);
	wn_shingler_free(&f->shingler);
	wn_near_free(&f->near);
	wn_buf_free(&f->held_text);
	wn_minhash_free(&f->minhash);
	wn_buf_free(&f->doc_out);
	wn_buf_free(&f->doc_line_nos);
	free(f);
}
