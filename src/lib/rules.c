/* rules.c - boilerplate rules: parses rules texts (built-in and user) and
 * matches a line against them in time linear in the line's words, however
 * many rules there are. One hash table holds the key of every line: and
 * prefix: rule and every word of the words: rules; regex: rules run one by
 * one, on short lines only. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif

#include "internal.h"

#define MAX_MAX_WORDS 1000
/* A regex gives up (no match) after this many steps, so a catastrophic
 * pattern costs about a millisecond per line instead of hanging the run. */
#define REGEX_MATCH_LIMIT 100000u
#define REGEX_DEPTH_LIMIT 1000u
#define REGEX_HEAP_LIMIT_KIB 1024u
#define REGEX_OPTIONS (PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS | PCRE2_MATCH_INVALID_UTF | \
		       PCRE2_NEVER_BACKSLASH_C)

#define NEEDLES_MAX 24
#define NEEDLE_MAX 24
#define FOLD_MAX 1024 /* longer lines go to PCRE2 without the literal test */

struct regex_rule {
	pcre2_code *code;
	int32_t group;
	bool first_known; /* anchored, and first says how a match can start */
	uint8_t first[32]; /* bit b: a match can start with byte b */
	/* A pattern made of literal branches (a|b|c) matches only a line that
	 * holds, in ASCII lower case, one of these needles: the longest ASCII
	 * run of each branch; ^(a|b|c)... one that starts with one. */
	uint8_t nneedles;  /* 0: no literal test */
	bool at_start;     /* the line starts with a needle (else holds one) */
	uint8_t needle_len[NEEDLES_MAX];
	char needle[NEEDLES_MAX][NEEDLE_MAX];
};

struct wn_regexes {
	struct regex_rule *rules;
	size_t n;
	size_t cap;
	pcre2_match_data *md;
	pcre2_match_context *mctx;
	uint64_t limited; /* matches given up at a limit */
};

/* The state of parsing one rules text. */
struct parser {
	struct wn_rules *r;
	const char *name;
	size_t line;
	int32_t group; /* the current group, -1 before the first */
	struct wn_diag *diag;
	struct wn_buf key;
};

int wn_rules_init(struct wn_rules *r, uint64_t seed)
{
	memset(r, 0, sizeof(*r));
	r->seed = seed;
	r->rx = calloc(1, sizeof(*r->rx));
	if (!r->rx)
		return WN_E_NOMEM;
	r->rx->mctx = pcre2_match_context_create(NULL);
	r->rx->md = pcre2_match_data_create(1, NULL);
	if (!r->rx->mctx || !r->rx->md)
		return WN_E_NOMEM;
	pcre2_set_match_limit(r->rx->mctx, REGEX_MATCH_LIMIT);
	pcre2_set_depth_limit(r->rx->mctx, REGEX_DEPTH_LIMIT);
	pcre2_set_heap_limit(r->rx->mctx, REGEX_HEAP_LIMIT_KIB);
	return 0;
}

void wn_rules_free(struct wn_rules *r)
{
	for (size_t i = 0; i < r->ngroups; i++)
		free(r->groups[i].name);
	free(r->groups);
	free(r->slots);
	wn_buf_free(&r->phrases);
	if (r->rx) {
		for (size_t i = 0; i < r->rx->n; i++)
			pcre2_code_free(r->rx->rules[i].code);
		free(r->rx->rules);
		pcre2_match_data_free(r->rx->md);
		pcre2_match_context_free(r->rx->mctx);
		free(r->rx);
	}
	memset(r, 0, sizeof(*r));
}

const char *wn_builtin_rules(size_t *len_out)
{
	*len_out = wn_builtin_rules_len;
	return (const char *)wn_builtin_rules_text;
}

uint64_t wn_rules_regex_limited(const struct wn_rules *r)
{
	return r->rx ? r->rx->limited : 0;
}

/* ---- The phrase table --------------------------------------------------- */

static uint64_t phrase_hash(const struct wn_rules *r, const char *p, size_t n)
{
	const uint64_t h = XXH3_64bits_withSeed(p, n, r->seed);
	return h ? h : 1;
}

/* The slot holding the phrase p[0..n) of hash h, or the empty slot where it
 * belongs. The table is never full. */
static struct wn_rule_slot *probe(const struct wn_rules *r, uint64_t h, const char *p, size_t n)
{
	for (size_t i = (size_t)h & r->slot_mask;; i = (i + 1) & r->slot_mask) {
		struct wn_rule_slot *s = &r->slots[i];
		if (s->hash == 0 ||
		    (s->hash == h && s->len == n && memcmp(r->phrases.ptr + s->off, p, n) == 0))
			return s;
	}
}

static const struct wn_rule_slot *lookup(const struct wn_rules *r, uint64_t h, const char *p,
					 size_t n)
{
	if (!r->slots)
		return NULL;
	const struct wn_rule_slot *s = probe(r, h ? h : 1, p, n);
	return s->hash ? s : NULL;
}

/* Doubles the table (from 64 slots), keeping the load under one half. */
static int table_grow(struct wn_rules *r)
{
	const size_t nslots = r->slots ? 2 * (r->slot_mask + 1) : 64;
	struct wn_rule_slot *old = r->slots;
	const size_t old_n = old ? r->slot_mask + 1 : 0;
	r->slots = calloc(nslots, sizeof(*r->slots));
	if (!r->slots) {
		r->slots = old;
		return WN_E_NOMEM;
	}
	r->slot_mask = nslots - 1;
	for (size_t i = 0; i < old_n; i++)
		if (old[i].hash)
			*probe(r, old[i].hash, r->phrases.ptr + old[i].off, old[i].len) = old[i];
	free(old);
	return 0;
}

int wn_rules_reseed(struct wn_rules *r, uint64_t seed)
{
	if (seed == r->seed)
		return 0;
	r->seed = seed;
	if (!r->slots)
		return 0;
	const size_t n = r->slot_mask + 1;
	struct wn_rule_slot *old = r->slots;
	r->slots = calloc(n, sizeof(*r->slots));
	if (!r->slots) {
		r->slots = old;
		return WN_E_NOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		if (!old[i].hash)
			continue;
		struct wn_rule_slot s = old[i];
		s.hash = phrase_hash(r, r->phrases.ptr + s.off, s.len);
		*probe(r, s.hash, r->phrases.ptr + s.off, s.len) = s;
	}
	free(old);
	return 0;
}

/* Finds or adds the phrase p[0..n); *slot_out is valid until the next add. */
static int phrase_add(struct wn_rules *r, const char *p, size_t n, struct wn_rule_slot **slot_out)
{
	if ((r->nslots + 1) * 2 > (r->slots ? r->slot_mask + 1 : 0) && table_grow(r) != 0)
		return WN_E_NOMEM;
	const uint64_t h = phrase_hash(r, p, n);
	struct wn_rule_slot *s = probe(r, h, p, n);
	if (!s->hash) {
		if (r->phrases.len > UINT32_MAX - n || wn_buf_append(&r->phrases, p, n) != 0)
			return WN_E_NOMEM;
		*s = (struct wn_rule_slot){
			.hash = h, .off = (uint32_t)(r->phrases.len - n), .len = (uint32_t)n,
			.line_group = -1, .prefix_group = -1,
		};
		r->nslots++;
	}
	*slot_out = s;
	return 0;
}

/* ---- Parsing ------------------------------------------------------------ */

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static int bad(struct parser *p, const char *fmt, ...)
{
	if (p->diag) {
		p->diag->err = WN_E_INVAL;
		p->diag->source = p->name;
		p->diag->line = p->line;
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(p->diag->msg, sizeof(p->diag->msg), fmt, ap);
		va_end(ap);
	}
	return WN_E_INVAL;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static void trim(const char **s, size_t *n)
{
	while (*n && is_blank(**s))
		(*s)++, (*n)--;
	while (*n && is_blank((*s)[*n - 1]))
		(*n)--;
}

/* Shortens a quoted pattern for a message. */
static int shown(size_t n)
{
	return n > 40 ? 40 : (int)n;
}

static int group_add(struct parser *p, const char *name, size_t n, enum wn_zone_kind zone,
		     uint32_t max_words)
{
	struct wn_rules *r = p->r;
	if (r->ngroups == r->groups_cap) {
		const size_t cap = r->groups_cap ? 2 * r->groups_cap : 16;
		struct wn_rule_group *g = realloc(r->groups, cap * sizeof(*g));
		if (!g)
			return WN_E_NOMEM;
		r->groups = g;
		r->groups_cap = cap;
	}
	char *copy = malloc(n + 1);
	if (!copy)
		return WN_E_NOMEM;
	memcpy(copy, name, n);
	copy[n] = '\0';
	r->groups[r->ngroups] = (struct wn_rule_group){ copy, zone, max_words, -1 };
	p->group = (int32_t)r->ngroups++;
	r->zones |= zone != WN_ZONE_ANY;
	return 0;
}

static bool name_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == '.' || c == ':';
}

/* One attribute of a group line: tail, footer or max-words=N. */
static int group_attr(struct parser *p, const char *a, size_t n, enum wn_zone_kind *zone,
		      uint32_t *max_words)
{
	static const char mw[] = "max-words=";
	enum wn_zone_kind z = WN_ZONE_ANY;
	if (n == 4 && memcmp(a, "tail", 4) == 0) {
		z = WN_ZONE_TAIL;
	} else if (n == 6 && memcmp(a, "footer", 6) == 0) {
		z = WN_ZONE_FOOTER;
	} else if (n > sizeof(mw) - 1 && memcmp(a, mw, sizeof(mw) - 1) == 0) {
		uint32_t v = 0;
		for (size_t i = sizeof(mw) - 1; i < n; i++) {
			if (a[i] < '0' || a[i] > '9' || v > MAX_MAX_WORDS)
				return bad(p, "max-words: expected a number from 1 to %d",
					   MAX_MAX_WORDS);
			v = v * 10 + (uint32_t)(a[i] - '0');
		}
		if (v < 1 || v > MAX_MAX_WORDS)
			return bad(p, "max-words: expected a number from 1 to %d", MAX_MAX_WORDS);
		*max_words = v;
		return 0;
	} else {
		return bad(p, "unknown group attribute '%.*s' (expected tail, footer or max-words=N)",
			   shown(n), a);
	}
	if (*zone != WN_ZONE_ANY && *zone != z)
		return bad(p, "a group is either tail or footer, not both");
	*zone = z;
	return 0;
}

/* [name attribute...] starts a group. */
static int parse_group(struct parser *p, const char *s, size_t n)
{
	if (n < 2 || s[n - 1] != ']')
		return bad(p, "a group line must end in ']'");
	s++;
	n -= 2;
	trim(&s, &n);
	size_t name_len = 0;
	while (name_len < n && !is_blank(s[name_len])) {
		if (!name_char((unsigned char)s[name_len]))
			return bad(p, "a group name has only letters, digits and - _ . :");
		name_len++;
	}
	if (name_len == 0)
		return bad(p, "a group needs a name: [name]");
	enum wn_zone_kind zone = WN_ZONE_ANY;
	uint32_t max_words = WN_SHORT_WORDS;
	for (size_t i = name_len; i < n;) {
		while (i < n && is_blank(s[i]))
			i++;
		const size_t start = i;
		while (i < n && !is_blank(s[i]))
			i++;
		if (i > start) {
			const int rc = group_attr(p, s + start, i - start, &zone, &max_words);
			if (rc)
				return rc;
		}
	}
	return group_add(p, s, name_len, zone, max_words);
}

/* Normalizes a pattern into p->key; a pattern must have a letter or digit. */
static int pattern_key(struct parser *p, const char *s, size_t n)
{
	p->key.len = 0;
	const size_t cap = 3 * n + 8;
	if (wn_buf_reserve(&p->key, cap) != 0)
		return WN_E_NOMEM;
	p->key.len = wn_key_normalize(s, n, p->key.ptr, cap);
	if (p->key.len == 0)
		return bad(p, "'%.*s' has no letters or digits", shown(n), s);
	return 0;
}

static uint32_t count_words(const char *k, size_t n)
{
	uint32_t words = 1;
	for (size_t i = 0; i < n; i++)
		words += k[i] == ' ';
	return words;
}

static void grow_reach(struct wn_rules *r, uint32_t reach)
{
	if (reach > r->max_words)
		r->max_words = reach;
}

static int add_phrase(struct parser *p, bool prefix, const char *s, size_t n)
{
	int rc = pattern_key(p, s, n);
	if (rc)
		return rc;
	const uint32_t words = count_words(p->key.ptr, p->key.len);
	const uint32_t reach = p->r->groups[p->group].max_words;
	if (prefix && words > reach)
		return bad(p, "a prefix of %u words never matches: the group's max-words is %u",
			   (unsigned)words, (unsigned)reach);
	struct wn_rule_slot *slot;
	rc = phrase_add(p->r, p->key.ptr, p->key.len, &slot);
	if (rc)
		return rc;
	int32_t *g = prefix ? &slot->prefix_group : &slot->line_group;
	if (*g < 0)
		*g = p->group; /* the first rule for a phrase names it */
	if (wn_ends_marked(s, n))
		*(prefix ? &slot->prefix_stop : &slot->line_stop) = true;
	if (!prefix)
		return 0;
	struct wn_rules *r = p->r;
	if (reach > r->prefix_reach)
		r->prefix_reach = reach;
	grow_reach(r, reach);
	for (size_t i = 0; i < p->key.len; i++) {
		if (p->key.ptr[i] != ' ')
			continue;
		rc = phrase_add(r, p->key.ptr, i, &slot);
		if (rc)
			return rc;
		slot->stem = true;
	}
	return 0;
}

/* words: a line made only of these words (in any order and number). */
static int add_words(struct parser *p, const char *s, size_t n)
{
	struct wn_rules *r = p->r;
	struct wn_rule_group *g = &r->groups[p->group];
	if (g->word_bit < 0) {
		if (r->nword_groups == WN_WORD_GROUPS)
			return bad(p, "more than %d groups have words: rules", WN_WORD_GROUPS);
		g->word_bit = (int)r->nword_groups;
		r->word_group[r->nword_groups++] = p->group;
		if (g->max_words > r->word_reach)
			r->word_reach = g->max_words;
		grow_reach(r, g->max_words);
	}
	int rc = pattern_key(p, s, n);
	for (size_t i = 0; !rc && i < p->key.len;) {
		const char *sp = memchr(p->key.ptr + i, ' ', p->key.len - i);
		const size_t end = sp ? (size_t)(sp - p->key.ptr) : p->key.len;
		struct wn_rule_slot *slot;
		rc = phrase_add(r, p->key.ptr + i, end - i, &slot);
		if (!rc)
			slot->word_groups |= UINT64_C(1) << g->word_bit;
		i = end + 1;
	}
	return rc;
}

/* Most regex rules are anchored and can only start with a few bytes
 * ("^\\d", "^(likes?|shares?)"): checking the line's first byte before
 * calling PCRE2 skips most calls. Sets first_known when that holds. */
static void first_bytes(struct regex_rule *rule)
{
	uint32_t options = 0, type = 0, unit = 0;
	const uint8_t *bitmap = NULL;
	pcre2_pattern_info(rule->code, PCRE2_INFO_ALLOPTIONS, &options);
	if (!(options & PCRE2_ANCHORED))
		return;
	if (pcre2_pattern_info(rule->code, PCRE2_INFO_FIRSTBITMAP, &bitmap) == 0 && bitmap) {
		memcpy(rule->first, bitmap, sizeof(rule->first));
		rule->first_known = true;
		return;
	}
	pcre2_pattern_info(rule->code, PCRE2_INFO_FIRSTCODETYPE, &type);
	if (type != 1 || pcre2_pattern_info(rule->code, PCRE2_INFO_FIRSTCODEUNIT, &unit) != 0 ||
	    unit > 0x7f)
		return;
	rule->first[unit >> 3] |= (uint8_t)(1u << (unit & 7));
	const uint32_t other = unit ^ 0x20; /* either case: never reject a match */
	if ((unit | 0x20) >= 'a' && (unit | 0x20) <= 'z')
		rule->first[other >> 3] |= (uint8_t)(1u << (other & 7));
	rule->first_known = true;
}

/* Bytes a needle may hold: printable ASCII that is no regex syntax. Upper
 * case is folded to lower. Caseless Unicode matching pairs k with the
 * Kelvin sign and s with the long s (and a Turkish i may be taken for i):
 * a line holding one of those skips the literal test (unsafe_line). */
static bool needle_byte(uint8_t c)
{
	return c >= 0x20 && c < 0x7f && !strchr("\\^$.|?*+()[]{}", c);
}

static void add_needle(struct regex_rule *rule, const char *s, size_t n)
{
	const size_t len = n < NEEDLE_MAX ? n : NEEDLE_MAX;
	for (size_t j = 0; j < len; j++)
		rule->needle[rule->nneedles][j] = s[j] >= 'A' && s[j] <= 'Z' ? (char)(s[j] | 0x20) : s[j];
	rule->needle_len[rule->nneedles++] = (uint8_t)len;
}

/* ^(a|b|c)...: a match starts with the literal start of one branch (up to
 * its first syntax, less a quantified last byte). Sets at_start. */
static void find_prefixes(struct regex_rule *rule, const char *s, size_t n)
{
	if (n < 3 || s[0] != '^' || s[1] != '(')
		return;
	size_t close = 2;
	while (close < n && s[close] != ')' && s[close] != '(')
		close++;
	if (close >= n || s[close] != ')' || (close + 1 < n && strchr("?*{", s[close + 1])))
		return;
	for (size_t i = 2; i < close;) {
		const char *bar = memchr(s + i, '|', close - i);
		const size_t end = bar ? (size_t)(bar - s) : close;
		size_t run = 0;
		while (i + run < end && needle_byte((uint8_t)s[i + run]))
			run++;
		if (run && i + run < end && strchr("?*{", s[i + run]))
			run--;
		if (run == 0 || rule->nneedles == NEEDLES_MAX) {
			rule->nneedles = 0;
			return;
		}
		add_needle(rule, s + i, run);
		i = end + 1;
	}
	rule->at_start = true;
}

/* Sets rule's needles when the pattern is literal branches (a|b|c, no
 * regex syntax but '|', each branch with a run of at least 3 needle
 * bytes); else tries find_prefixes. */
static void find_needles(struct regex_rule *rule, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strchr("\\^$.?*+()[]{}", s[i]) && s[i] != '\0') {
			find_prefixes(rule, s, n);
			return;
		}
	for (size_t i = 0; i <= n;) {
		const char *bar = memchr(s + i, '|', n - i);
		const size_t end = bar ? (size_t)(bar - s) : n;
		size_t best = 0, best_len = 0;
		for (size_t j = i; j < end;) {
			size_t run = 0;
			while (j + run < end && needle_byte((uint8_t)s[j + run]))
				run++;
			if (run > best_len) {
				best = j;
				best_len = run;
			}
			j += run + 1;
		}
		/* Spaces at a needle's ends are common bytes: a poor first byte
		 * to search for, and no help to the test. */
		while (best_len && s[best] == ' ') {
			best++;
			best_len--;
		}
		while (best_len && s[best + best_len - 1] == ' ')
			best_len--;
		if (best_len < 3 || rule->nneedles == NEEDLES_MAX) {
			rule->nneedles = 0;
			return;
		}
		add_needle(rule, s + best, best_len);
		i = end + 1;
	}
}

static int add_regex(struct parser *p, const char *s, size_t n)
{
	struct wn_regexes *rx = p->r->rx;
	int err;
	PCRE2_SIZE at;
	pcre2_code *code = pcre2_compile((PCRE2_SPTR)s, n, REGEX_OPTIONS, &err, &at, NULL);
	if (!code) {
		PCRE2_UCHAR msg[120];
		if (pcre2_get_error_message(err, msg, sizeof(msg)) < 0)
			msg[0] = '\0';
		return bad(p, "regex: %s at offset %zu", (const char *)msg, (size_t)at);
	}
	/* Without JIT (unsupported here) the interpreter runs, under the same
	 * limits. Not under valgrind: JIT code reads past the subject in wide
	 * loads that memcheck takes for uses of uninitialised memory. */
	if (!RUNNING_ON_VALGRIND)
		(void)pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
	if (rx->n == rx->cap) {
		const size_t cap = rx->cap ? 2 * rx->cap : 16;
		struct regex_rule *rules = realloc(rx->rules, cap * sizeof(*rules));
		if (!rules) {
			pcre2_code_free(code);
			return WN_E_NOMEM;
		}
		rx->rules = rules;
		rx->cap = cap;
	}
	struct regex_rule *rule = &rx->rules[rx->n++];
	memset(rule, 0, sizeof(*rule));
	rule->code = code;
	rule->group = p->group;
	first_bytes(rule);
	find_needles(rule, s, n);
	const uint32_t reach = p->r->groups[p->group].max_words;
	if (reach > p->r->regex_reach)
		p->r->regex_reach = reach;
	grow_reach(p->r, reach);
	return 0;
}

/* kind: pattern */
static int parse_rule(struct parser *p, const char *s, size_t n)
{
	const char *colon = memchr(s, ':', n);
	if (!colon)
		return bad(p, "expected 'line:', 'prefix:', 'words:' or 'regex:', "
			      "a [group] line or a # comment");
	const char *kind = s;
	size_t kind_len = (size_t)(colon - s);
	trim(&kind, &kind_len);
	const char *pat = colon + 1;
	size_t pat_len = (size_t)(s + n - pat);
	trim(&pat, &pat_len);
	if (p->group < 0) {
		const int rc = group_add(p, p->name, strlen(p->name), WN_ZONE_ANY, WN_SHORT_WORDS);
		if (rc)
			return rc;
	}
	if (pat_len == 0)
		return bad(p, "empty pattern after '%.*s:'", shown(kind_len), kind);
	if (kind_len == 4 && memcmp(kind, "line", 4) == 0)
		return add_phrase(p, false, pat, pat_len);
	if (kind_len == 6 && memcmp(kind, "prefix", 6) == 0)
		return add_phrase(p, true, pat, pat_len);
	if (kind_len == 5 && memcmp(kind, "words", 5) == 0)
		return add_words(p, pat, pat_len);
	if (kind_len == 5 && memcmp(kind, "regex", 5) == 0)
		return add_regex(p, pat, pat_len);
	return bad(p, "unknown rule kind '%.*s' (expected line, prefix, words or regex)",
		   shown(kind_len), kind);
}

int wn_rules_add(struct wn_rules *r, const char *name, const char *text, size_t len,
		 struct wn_diag *diag)
{
	struct parser p = { .r = r, .name = name ? name : "rules", .group = -1, .diag = diag };
	int rc = 0;
	for (size_t i = 0; i < len && !rc;) {
		const char *nl = memchr(text + i, '\n', len - i);
		const size_t end = nl ? (size_t)(nl - text) : len;
		const char *s = text + i;
		size_t n = end - i;
		p.line++;
		i = end + 1;
		trim(&s, &n);
		if (n == 0 || s[0] == '#')
			continue;
		rc = s[0] == '[' ? parse_group(&p, s, n) : parse_rule(&p, s, n);
	}
	wn_buf_free(&p.key);
	return rc;
}

/* ---- Matching ----------------------------------------------------------- */

/* A line being matched. Its words are counted only when a rule needs to
 * know (most lines meet no rule), and only up to a limit. */
struct subject {
	const struct wn_line *text;
	const struct wn_line *key;
	bool stop;         /* the line ends with a stop or a colon */
	uint32_t words;    /* the words counted so far, 0 before */
	const char *next;  /* where counting goes on; NULL: all counted */
};

/* True when the key has at most max words. */
static bool at_most(struct subject *s, uint32_t max)
{
	const char *end = s->key->ptr + s->key->len;
	if (s->words == 0 && s->key->len) {
		s->words = 1;
		s->next = s->key->ptr;
	}
	while (s->words <= max && s->next) {
		s->next = memchr(s->next, ' ', (size_t)(end - s->next));
		if (s->next) {
			s->words++;
			s->next++;
		}
	}
	return s->words <= max;
}

/* Does a prefix, words or regex rule of group g apply to a line this long? */
static bool fits(const struct wn_rules *r, int32_t g, struct subject *s)
{
	const uint32_t max = r->groups[g].max_words;
	return s->key->len <= (size_t)max * WN_SHORT_BYTES_PER_WORD && at_most(s, max);
}

/* True when a hit of group g decides the match; a tail group's hit is only
 * remembered, in case nothing better matches. */
static bool decides(const struct wn_rules *r, int32_t g, int *tail)
{
	if (r->groups[g].zone != WN_ZONE_TAIL)
		return true;
	if (*tail < 0)
		*tail = g;
	return false;
}

/* The longest prefix: rule that starts the line, trying its prefixes
 * shortest first while they are stems; -1 if none. */
static int match_prefix(const struct wn_rules *r, struct subject *sub,
			const struct wn_rule_slot *whole, int *tail)
{
	const struct wn_line *key = sub->key;
	int best = -1;
	for (const char *sp = key->ptr;; sp++) {
		sp = memchr(sp, ' ', (size_t)(key->ptr + key->len - sp));
		const size_t n = sp ? (size_t)(sp - key->ptr) : key->len;
		const struct wn_rule_slot *s =
			sp ? lookup(r, phrase_hash(r, key->ptr, n), key->ptr, n) : whole;
		if (!s)
			break;
		const int32_t g = s->prefix_group;
		if (g >= 0 && (sp || s->prefix_stop || !sub->stop) && fits(r, g, sub)) {
			if (r->groups[g].zone != WN_ZONE_TAIL)
				best = g;
			else
				*tail = g;
		}
		if (!s->stem || !sp)
			break;
	}
	return best;
}

/* The words: group whose words make up the whole key, or -1. */
static int match_words(const struct wn_rules *r, struct subject *sub, int *tail)
{
	const struct wn_line *key = sub->key;
	uint64_t groups = ~UINT64_C(0);
	for (size_t i = 0; groups && i < key->len;) {
		const char *sp = memchr(key->ptr + i, ' ', key->len - i);
		const size_t end = sp ? (size_t)(sp - key->ptr) : key->len;
		const struct wn_rule_slot *s =
			lookup(r, phrase_hash(r, key->ptr + i, end - i), key->ptr + i, end - i);
		groups &= s ? s->word_groups : 0;
		i = end + 1;
	}
	for (unsigned b = 0; groups && b < r->nword_groups; b++) {
		const int32_t g = r->word_group[b];
		if ((groups >> b & 1) && fits(r, g, sub) && decides(r, g, tail))
			return g;
	}
	return -1;
}

/* Whether hay[0..n) holds needle[0..m) (m >= 1). */
static bool contains(const char *hay, size_t n, const char *needle, size_t m)
{
	const char *p = hay, *const last = hay + n - m;
	while (n >= m && p <= last) {
		p = memchr(p, needle[0], (size_t)(last - p) + 1);
		if (!p)
			return false;
		if (memcmp(p + 1, needle + 1, m - 1) == 0)
			return true;
		p++;
	}
	return false;
}

/* Whether the folded line holds (or starts with) one of the needles. */
static bool has_needle(const struct regex_rule *rule, const char *folded, size_t n)
{
	for (unsigned k = 0; k < rule->nneedles; k++) {
		const size_t m = rule->needle_len[k];
		if (rule->at_start ? n >= m && folded[0] == rule->needle[k][0] &&
					     memcmp(folded, rule->needle[k], m) == 0
				   : contains(folded, n, rule->needle[k], m))
			return true;
	}
	return false;
}

/* Folds p[0..n) to ASCII lower case into out. False when the line holds a
 * character caseless matching takes for an ASCII letter (U+212A Kelvin
 * sign, U+017F long s, U+0130 and U+0131 Turkish i): then no literal test. */
static bool fold_line(const char *p, size_t n, char *out)
{
	uint8_t high = 0;
	for (size_t j = 0; j < n; j++) {
		const uint8_t b = (uint8_t)p[j];
		out[j] = (char)(b | (uint8_t)((uint8_t)(b - 'A') < 26) << 5);
		high |= b;
	}
	if (!(high & 0x80))
		return true;
	for (size_t j = 0; j + 1 < n; j++) {
		const uint8_t b = (uint8_t)p[j], c = (uint8_t)p[j + 1];
		if ((b == 0xC5 && c == 0xBF) || (b == 0xC4 && (c == 0xB0 || c == 0xB1)) ||
		    (b == 0xE2 && c == 0x84 && j + 2 < n && (uint8_t)p[j + 2] == 0xAA))
			return false;
	}
	return true;
}

/* Where a match runs: its PCRE2 match data and context, and its counts. */
struct matcher {
	pcre2_match_data *md;
	pcre2_match_context *mctx;
	uint64_t *calls;
	uint64_t *limited;
};

static int match_regex(const struct wn_rules *r, const struct matcher *m, struct subject *sub,
		       int *tail)
{
	const struct wn_regexes *rx = r->rx;
	const char *p = sub->text->ptr;
	size_t n = sub->text->len;
	trim(&p, &n);
	const uint8_t c = n ? (uint8_t)p[0] : 0;
	char folded[FOLD_MAX]; /* the line in ASCII lower case, once a rule asks */
	int fold = r->prefilter_off || n > FOLD_MAX ? -1 : 0; /* 1 folded, -1 no test */
	for (size_t i = 0; i < rx->n; i++) {
		const struct regex_rule *rule = &rx->rules[i];
		const int32_t g = rule->group;
		if ((rule->first_known && n && !(rule->first[c >> 3] >> (c & 7) & 1)) ||
		    (*tail >= 0 && r->groups[g].zone == WN_ZONE_TAIL) || !fits(r, g, sub))
			continue;
		if (rule->nneedles && fold >= 0) {
			if (fold == 0)
				fold = fold_line(p, n, folded) ? 1 : -1;
			if (fold > 0 && !has_needle(rule, folded, n))
				continue;
		}
		(*m->calls)++;
		const int rc = pcre2_match(rule->code, (PCRE2_SPTR)p, n, 0, 0, m->md, m->mctx);
		if (rc >= 0) {
			if (decides(r, g, tail))
				return g;
		} else if (rc != PCRE2_ERROR_NOMATCH) {
			(*m->limited)++;
		}
	}
	return -1;
}

static int match(const struct wn_rules *r, const struct matcher *m, const struct wn_line *text,
		 const struct wn_line *key, uint64_t hash)
{
	int tail = -1;
	struct subject sub = { text, key, wn_ends_marked(text->ptr, text->len), 0, NULL };
	/* A line: rule matches a line of any length: it is the whole line. */
	const struct wn_rule_slot *whole = lookup(r, hash, key->ptr, key->len);
	if (whole && whole->line_group >= 0 && (whole->line_stop || !sub.stop) &&
	    decides(r, whole->line_group, &tail))
		return whole->line_group;
	const size_t len = key->len;
	int g = -1;
	if (len && len <= (size_t)r->prefix_reach * WN_SHORT_BYTES_PER_WORD)
		g = match_prefix(r, &sub, whole, &tail);
	if (g < 0 && len && len <= (size_t)r->word_reach * WN_SHORT_BYTES_PER_WORD && !sub.stop)
		g = match_words(r, &sub, &tail);
	if (g < 0 && len <= (size_t)r->regex_reach * WN_SHORT_BYTES_PER_WORD)
		g = match_regex(r, m, &sub, &tail);
	return g >= 0 ? g : tail;
}

int wn_rules_match(struct wn_rules *r, const struct wn_line *text, const struct wn_line *key,
		   uint64_t hash)
{
	const struct matcher m = { r->rx->md, r->rx->mctx, &r->regex_calls, &r->rx->limited };
	return match(r, &m, text, key, hash);
}

int wn_rules_local_init(struct wn_rules_local *l, const struct wn_rules *r)
{
	memset(l, 0, sizeof(*l));
	l->md = pcre2_match_data_create(1, NULL);
	l->mctx = pcre2_match_context_copy(r->rx->mctx);
	return l->md && l->mctx ? 0 : WN_E_NOMEM;
}

void wn_rules_local_free(struct wn_rules_local *l)
{
	pcre2_match_data_free(l->md);
	pcre2_match_context_free(l->mctx);
	memset(l, 0, sizeof(*l));
}

int wn_rules_match_local(const struct wn_rules *r, struct wn_rules_local *l,
			 const struct wn_line *text, const struct wn_line *key, uint64_t hash)
{
	const struct matcher m = { l->md, l->mctx, &l->regex_calls, &l->limited };
	return match(r, &m, text, key, hash);
}

void wn_rules_add_counts(struct wn_rules *r, uint64_t regex_calls, uint64_t limited)
{
	r->regex_calls += regex_calls;
	r->rx->limited += limited;
}
