/* filter.c - the pipeline: the only file that knows every stage. Bytes are
 * split into lines, each line is judged, and kept lines are written. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define OUT_FLUSH ((size_t)1 << 20) /* hand output to the sink in blocks */

struct wn_filter {
	struct wn_options opt;
	struct wn_lines lines;
	struct wn_repair repair;
	struct wn_punct punct;
	struct wn_keyer keyer;
	struct wn_memo memo;
	struct wn_buf out;     /* output not yet handed to the sink */
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

static void blank(struct wn_filter *f)
{
	if (f->blank_pending) {
		drop(f, WN_DROP_BLANK, "blank-run", f->line_no, "", 0);
		return;
	}
	f->blank_pending = true;
	f->blank_line_no = f->line_no;
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

/* Decides one line: the whole per-line pipeline. */
static int judge_line(struct wn_filter *f, struct wn_line *line)
{
	line->len = trim_end(line->ptr, line->len);
	if (line->len == 0) {
		blank(f);
		return 0;
	}
	if (!(f->opt.disable & WN_STAGE_DEDUP) &&
	    wn_utf8_count(line->ptr, line->len) >= f->opt.min_chars) {
		uint64_t h;
		bool empty;
		int rc = wn_keyer_hash(&f->keyer, line, &h, &empty);
		if (rc)
			return rc;
		if (!empty) {
			rc = f->opt.judge ? f->opt.judge(f->opt.judge_ctx, h, f->judged++)
					  : wn_memo_insert(&f->memo, h);
			if (rc < 0)
				return rc;
			if (rc == 0) {
				drop(f, WN_DROP_DUP, "dup", f->line_no, line->ptr, line->len);
				return 0;
			}
		}
	}
	return keep(f, line->ptr, line->len);
}

static void end_doc(struct wn_filter *f)
{
	if (!f->doc_open)
		return;
	if (f->blank_pending)
		drop(f, WN_DROP_BLANK, "trailing-blank", f->blank_line_no, "", 0);
	f->st.docs_in++;
	f->st.docs_out += f->doc_has_output;
	f->doc_open = f->doc_has_output = f->blank_pending = false;
	if (f->opt.scope == WN_SCOPE_DOC)
		wn_memo_clear(&f->memo);
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
	if (ends_doc)
		end_doc(f);
	return 0;
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
	    wn_memo_init(&f->memo, opt->max_mem, opt->on_full) != 0) {
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
	f->started = true;
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
	f->started = true;
	const int rc = wn_lines_finish(&f->lines, on_line, f);
	if (rc)
		return fail(f, rc);
	end_doc(f);
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
	out->seen_entries = wn_memo_count(&f->memo);
	out->seen_bytes = wn_memo_bytes(&f->memo);
	out->seen_forgotten = f->memo.forgotten;
	out->seen_bloom = f->memo.bloom.set != NULL;
	out->seen_false_rate = out->seen_bloom ? wn_bloom_rate(&f->memo.bloom) : 0.0;
	out->expected_false_drops = f->memo.bloom.expected_false;
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
		rc = wn_state_read_sets(r, NULL, &skipped);
		if (!rc)
			rc = WN_E_STATE_MISMATCH;
	} else if (!rc) {
		f->keyer.seed = f->opt.seed = r->info.seed;
		f->loaded = true;
		f->loaded_forgotten += r->info.forgotten;
		const uint64_t before = wn_memo_count(&f->memo);
		uint64_t skipped;
		rc = wn_state_read_sets(r, &f->memo, &skipped);
		f->st.seen_loaded += wn_memo_count(&f->memo) - before;
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
	return wn_state_save(&f->memo, &keying, wr, ctx);
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
	wn_memo_free(&f->memo);
	wn_buf_free(&f->out);
	free(f);
}
