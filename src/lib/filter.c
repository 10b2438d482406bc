/* filter.c - the pipeline: the only file that knows every stage. Bytes are
 * split into lines, each line is judged, and kept lines are written. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define OUT_FLUSH ((size_t)1 << 20) /* hand output to the sink in blocks */
#define BATCH 32                    /* lines prepared before any is decided */

/* A line waiting in the batch: trimmed, keyed and fingerprinted, its bucket
 * in the seen set already being fetched. Lines are decided when the batch is
 * flushed, in input order, so the cache misses of a whole batch overlap. */
struct pending {
	const char *ptr;   /* the text, when it lives in the caller's buffer */
	size_t off;        /* else its offset in the filter's arena */
	size_t len;
	size_t key_off;    /* the normalized key, in the arena (normalized mode) */
	size_t key_len;
	uint64_t hash;
	uint64_t line_no;
	bool in_arena;
	bool blank;
	bool dedup;        /* long enough, with a non-empty key: look it up */
};

struct wn_filter {
	struct wn_options opt;
	struct wn_lines lines;
	struct wn_repair repair;
	struct wn_punct punct;
	struct wn_keyer keyer;
	struct wn_seen seen;
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

static int write_line(struct wn_filter *f, const char *p, size_t n)
{
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

static int keep(struct wn_filter *f, const char *p, size_t n)
{
	if (f->blank_pending) {
		f->blank_pending = false;
		if (f->doc_has_output) {
			f->st.lines_kept++;
			const int rc = write_line(f, "", 0);
			if (rc)
				return rc;
		} else {
			drop(f, WN_DROP_BLANK, "leading-blank", f->blank_line_no, "", 0);
		}
	}
	f->doc_has_output = true;
	f->st.lines_kept++;
	return write_line(f, p, n);
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

/* True when the line has at least min code points; counts only when the
 * byte length leaves it open (a code point is 1 to 4 bytes). */
static bool long_enough(const char *p, size_t n, size_t min)
{
	if (n >= 4 * min)
		return true;
	return n >= min && wn_utf8_count(p, n) >= min;
}

/* Decides one line, in input order: the judges, then keep or drop. */
static int judge_line(struct wn_filter *f, const struct pending *p)
{
	if (p->blank) {
		blank(f, p->line_no);
		return 0;
	}
	const char *text = p->in_arena ? f->arena.ptr + p->off : p->ptr;
	if (p->dedup) {
		const int rc = wn_seen_insert(&f->seen, p->hash);
		if (rc < 0)
			return rc;
		if (rc == 0) {
			drop(f, WN_DROP_DUP, "dup", p->line_no, text, p->len);
			return 0;
		}
	}
	return keep(f, text, p->len);
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

/* Prepares one line for the batch: trims it, keeps it where it is if the
 * caller's buffer holds it (else copies it), and fingerprints its key. */
static int prepare_line(struct wn_filter *f, const struct wn_line *line)
{
	struct pending *p = &f->batch[f->nbatch++];
	const struct wn_line trimmed = { line->ptr, trim_end(line->ptr, line->len) };
	const uintptr_t at = (uintptr_t)trimmed.ptr;
	p->len = trimmed.len;
	p->line_no = f->line_no;
	p->blank = trimmed.len == 0;
	p->dedup = false;
	p->in_arena = !(at >= f->push_lo && at + trimmed.len <= f->push_hi);
	p->ptr = trimmed.ptr;
	if (p->in_arena) {
		p->off = f->arena.len;
		if (wn_buf_append(&f->arena, trimmed.ptr, trimmed.len) != 0)
			return WN_E_NOMEM;
	}
	if (!p->blank && !(f->opt.disable & WN_STAGE_DEDUP) &&
	    long_enough(trimmed.ptr, trimmed.len, f->opt.min_chars)) {
		bool empty;
		p->key_off = f->arena.len;
		const int rc = wn_keyer_hash(&f->keyer, &trimmed, &f->arena, &p->hash, &empty);
		if (rc)
			return rc;
		p->key_len = f->arena.len - p->key_off;
		p->dedup = !empty;
		if (p->dedup)
			wn_seen_prefetch(&f->seen, p->hash);
	}
	return f->nbatch == BATCH ? flush_batch(f) : 0;
}

static int end_doc(struct wn_filter *f)
{
	const int rc = flush_batch(f);
	if (rc || !f->doc_open)
		return rc;
	if (f->blank_pending)
		drop(f, WN_DROP_BLANK, "trailing-blank", f->blank_line_no, "", 0);
	f->st.docs_in++;
	f->st.docs_out += f->doc_has_output;
	f->doc_open = f->doc_has_output = f->blank_pending = false;
	if (f->opt.scope == WN_SCOPE_DOC)
		wn_seen_clear(&f->seen);
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
			const int rc = prepare_line(f, &part);
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
	if (!opt || !opt->write)
		return NULL;
	struct wn_filter *f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->opt = *opt;
	if (f->opt.min_chars == 0)
		f->opt.min_chars = WN_DEFAULT_MIN_CHARS;
	if (f->opt.max_doc == 0)
		f->opt.max_doc = WN_DEFAULT_MAX_DOC;
	wn_lines_init(&f->lines, opt->nul_docs);
	wn_keyer_init(&f->keyer, opt->key, opt->seed);
	if (wn_repair_init(&f->repair, opt) != 0 || wn_punct_init(&f->punct, opt) != 0 ||
	    wn_seen_init(&f->seen) != 0) {
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
	f->line_no = 0;
	return fail(f, rc);
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
	wn_buf_free(&f->out);
	free(f);
}
