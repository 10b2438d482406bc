/* punct.c - punctuation repairs of one line (a paragraph): spaces lost or
 * misplaced around marks and quotes left dangling by scrapers. Each rule is
 * guarded by the class of the token it would touch, so URLs, e-mail
 * addresses, numbers, file names, abbreviations and ellipses pass unchanged.
 * The rules and what they never touch are listed in doc/punct.md. */
#include <assert.h>
#include <string.h>
#include <utf8proc.h>
#include "internal.h"
#if defined(__SSE2__)
#include "wake.h"
#endif

/* Rule bits; the public rule number is 32 + bit. Order is the public one;
 * the order the rules run in is the passes[] table below. */
enum punct_rule {
	PR_SPACE_BEFORE,        /* "military ." -> "military." */
	PR_SPACE_AFTER,         /* "war,he" -> "war, he" */
	PR_QUOTE_AFTER_COMMA,   /* "“… war,he added." -> "“… war,” he added." */
	PR_SPACE_AFTER_PERIOD,  /* "the end.The" -> "the end. The" */
	PR_DANGLING_QUOTE,      /* "… Ukraine. “" -> "… Ukraine.”" */
	PR_QUOTE_BEFORE_PERIOD, /* "… costs “." -> "… costs.”" */
	PR_DOUBLE_SPACE,        /* "the  war" -> "the war" */
	PR_DOUBLE_COMMA,        /* "war,, he" -> "war, he" */
	PR_DOUBLE_PERIOD,       /* "etc.." -> "etc." */
	PR_COUNT
};

#define BIT(r) ((uint32_t)1 << (r))

static const char *const rule_names[PR_COUNT] = {
	[PR_SPACE_BEFORE] = "space-before-punct",
	[PR_SPACE_AFTER] = "space-after-comma",
	[PR_QUOTE_AFTER_COMMA] = "quote-after-comma",
	[PR_SPACE_AFTER_PERIOD] = "space-after-period",
	[PR_DANGLING_QUOTE] = "dangling-quote",
	[PR_QUOTE_BEFORE_PERIOD] = "quote-before-period",
	[PR_DOUBLE_SPACE] = "double-space",
	[PR_DOUBLE_COMMA] = "double-comma",
	[PR_DOUBLE_PERIOD] = "double-period",
};

/* ---- Code points ---------------------------------------------------------- */

#define CP_NONE (-1) /* before the start or past the end of the line */
#define CP_BAD (-2)  /* a byte that starts no valid UTF-8 sequence */

/* The code point at s[i], its length in *len_out (1 for an invalid byte). */
static int32_t cp_at(const char *s, size_t n, size_t i, size_t *len_out)
{
	if (i >= n) {
		*len_out = 0;
		return CP_NONE;
	}
	int32_t cp;
	const size_t len = wn_utf8_decode((const unsigned char *)s + i, n - i, &cp);
	*len_out = len ? len : 1;
	return len ? cp : CP_BAD;
}

/* The code point that ends just before s[i], its start in *start_out. */
static int32_t cp_before(const char *s, size_t i, size_t *start_out)
{
	if (i == 0) {
		*start_out = 0;
		return CP_NONE;
	}
	size_t k = i - 1;
	while (k > 0 && i - k < 4 && ((unsigned char)s[k] & 0xC0) == 0x80)
		k--;
	int32_t cp;
	if (wn_utf8_decode((const unsigned char *)s + k, i - k, &cp) == i - k) {
		*start_out = k;
		return cp;
	}
	*start_out = i - 1;
	return CP_BAD;
}

static bool is_letter(int32_t cp)
{
	if (cp < 0x80)
		return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
	const utf8proc_category_t c = utf8proc_category(cp);
	return c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_LO;
}

static bool is_upper(int32_t cp)
{
	if (cp < 0x80)
		return cp >= 'A' && cp <= 'Z';
	const utf8proc_category_t c = utf8proc_category(cp);
	return c == UTF8PROC_CATEGORY_LU || c == UTF8PROC_CATEGORY_LT;
}

static bool is_lower(int32_t cp)
{
	if (cp < 0x80)
		return cp >= 'a' && cp <= 'z';
	return utf8proc_category(cp) == UTF8PROC_CATEGORY_LL;
}

static bool is_digit(int32_t cp)
{
	if (cp < 0x80)
		return cp >= '0' && cp <= '9';
	return utf8proc_category(cp) == UTF8PROC_CATEGORY_ND;
}

/* Combining marks continue the word they follow (decomposed accents). */
static bool is_mark(int32_t cp)
{
	if (cp < 0x300)
		return false;
	const utf8proc_category_t c = utf8proc_category(cp);
	return c == UTF8PROC_CATEGORY_MN || c == UTF8PROC_CATEGORY_MC;
}

/* Letters of scripts that put a space after a comma. Chinese, Japanese,
 * Thai and their neighbours glue punctuation to words by design. */
static bool is_spaced_letter(int32_t cp)
{
	if (!is_letter(cp))
		return false;
	return !((cp >= 0x0E00 && cp <= 0x0EFF) || (cp >= 0x1000 && cp <= 0x109F) ||
		 (cp >= 0x1780 && cp <= 0x17FF) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
		 (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFF00 && cp <= 0xFFEF) ||
		 cp >= 0x20000);
}

/* Space characters that separate tokens: ASCII blanks, NBSP and the other
 * fixed-width spaces French and typeset text use. */
static bool is_space_cp(int32_t cp)
{
	return cp == ' ' || cp == '\t' || cp == 0xA0 || (cp >= 0x2000 && cp <= 0x200A) ||
	       cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

static bool is_ascii_alnum(unsigned char c)
{
	return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

/* A byte that can belong to a word: ASCII alnum or part of a non-ASCII
 * character (good enough to tell "example.com" from "end. The"). */
static bool is_word_byte(unsigned char c)
{
	return is_ascii_alnum(c) || c >= 0x80;
}

static bool is_mark_byte(unsigned char c)
{
	return c == '.' || c == ',' || c == ';' || c == ':' || c == '!' || c == '?';
}

#define LQUOTE2 0x201C /* “ */
#define RQUOTE2 0x201D /* ” */
#define LQUOTE1 0x2018 /* ‘ */
#define RQUOTE1 0x2019 /* ’ */

static bool is_closing_bracket(int32_t cp)
{
	return cp == ')' || cp == ']' || cp == '}';
}

/* ---- Tokens ---------------------------------------------------------------- */

/* A token is a maximal run of non-space characters. */
static size_t token_start(const char *s, size_t i)
{
	while (i > 0) {
		size_t k;
		if (is_space_cp(cp_before(s, i, &k)))
			break;
		i = k;
	}
	return i;
}

static size_t token_end(const char *s, size_t n, size_t i)
{
	while (i < n) {
		size_t len;
		if (is_space_cp(cp_at(s, n, i, &len)))
			break;
		i += len;
	}
	return i;
}

enum {
	TK_URL = 1 << 0,   /* "://", "www." or a slash */
	TK_MAIL = 1 << 1,  /* '@': an e-mail address or a handle */
	TK_DIGIT = 1 << 2, /* a number, a time, a version, a price */
	TK_CODE = 1 << 3,  /* symbols of code, markup and entities */
	TK_FILE = 1 << 4,  /* dotted, not an abbreviation: a domain or file name */
};

struct tok {
	unsigned flags;
	unsigned inner_dots;  /* '.' between two word bytes */
	unsigned inner_marks; /* ',' ';' ':' between two word bytes */
};

/* Classifies the token s[start..end). A dotted token whose pieces are all
 * one or two letters ("U.S", "e.g", "Ph.D") is an abbreviation; any other
 * dotted token ("example.com", "notes.txt") is TK_FILE. */
static struct tok token_classify(const char *s, size_t start, size_t end)
{
	struct tok t = { 0, 0, 0 };
	size_t piece = 0, longest = 0;
	for (size_t i = start; i < end; i++) {
		const unsigned char c = (unsigned char)s[i];
		const bool inner = i > start && i + 1 < end && is_word_byte((unsigned char)s[i - 1]) &&
				   is_word_byte((unsigned char)s[i + 1]);
		if (is_ascii_alnum(c) || c >= 0x80) {
			piece += (c & 0xC0) != 0x80;
			if (piece > longest)
				longest = piece;
			if (c >= '0' && c <= '9')
				t.flags |= TK_DIGIT;
			continue;
		}
		piece = 0;
		switch (c) {
		case '/':
			t.flags |= TK_URL;
			break;
		case '@':
			t.flags |= TK_MAIL;
			break;
		case '.':
			t.inner_dots += inner;
			break;
		case ',': case ';': case ':':
			t.inner_marks += inner;
			break;
		case '_': case '=': case '<': case '>': case '{': case '}': case '[': case ']':
		case '\\': case '|': case '#': case '$': case '%': case '^': case '*': case '~':
		case '`': case '+': case '&':
			t.flags |= TK_CODE;
			break;
		case '(':
			if (inner) /* a call: f(x) */
				t.flags |= TK_CODE;
			break;
		default:
			break;
		}
	}
	if (end - start >= 4 && memcmp(s + start, "www.", 4) == 0)
		t.flags |= TK_URL;
	if (t.inner_dots && longest > 2)
		t.flags |= TK_FILE;
	return t;
}

#if defined(__SSE2__)
/* The bytes of u[0..16) that looks_like_code looks closer at: '{', '}',
 * and '=', '&', '|', '<', '/' before a byte that may complete them. */
static inline unsigned code_mask(const unsigned char *u)
{
	const __m128i a = _mm_loadu_si128((const __m128i *)(const void *)u);
	const __m128i b = _mm_loadu_si128((const __m128i *)(const void *)(u + 1));
#define EQ(x, c) _mm_cmpeq_epi8((x), _mm_set1_epi8((char)(c)))
	const __m128i b_gt = EQ(b, '>');
	__m128i hit = _mm_or_si128(EQ(a, '{'), EQ(a, '}'));
	hit = _mm_or_si128(hit, _mm_and_si128(EQ(a, '='), _mm_or_si128(EQ(b, '='), b_gt)));
	hit = _mm_or_si128(hit, _mm_and_si128(EQ(a, '&'), EQ(b, '&')));
	hit = _mm_or_si128(hit, _mm_and_si128(EQ(a, '|'), EQ(b, '|')));
	hit = _mm_or_si128(hit, _mm_and_si128(EQ(a, '<'), EQ(b, '/')));
	hit = _mm_or_si128(hit, _mm_and_si128(EQ(a, '/'), b_gt));
#undef EQ
	return (unsigned)_mm_movemask_epi8(hit);
}
#endif

/* Program text keeps its own spacing; a line with these is left alone.
 * reference: byte by byte only, for the differential tests. */
static bool looks_like_code(const char *s, size_t n, bool reference)
{
	size_t i = 0;
#if defined(__SSE2__)
	/* Each byte code_mask finds is a pair the loop below accepts. */
	for (; !reference && i + 17 <= n; i += 16)
		if (code_mask((const unsigned char *)s + i))
			return true;
#else
	(void)reference;
#endif
	for (; i < n; i++) {
		const char c = s[i];
		if (c < '&' || (c > '=' && c != '{' && c != '|' && c != '}'))
			continue; /* most bytes */
		const char d = i + 1 < n ? s[i + 1] : '\0';
		if (c == '{' || c == '}' || (c == '=' && (d == '=' || d == '>')) ||
		    (c == '&' && d == '&') || (c == '|' && d == '|') || (c == '<' && d == '/') ||
		    (c == '/' && d == '>'))
			return true;
	}
	return false;
}

/* German, Croatian and Polish „…“ make “ a closing quote; guillemets have
 * their own spacing. Quote rules skip such lines rather than guess. */
static bool has_foreign_quotes(const char *s, size_t n)
{
	/* Every one of these starts with 0xC2 or 0xE2: memchr finds them. */
	for (const char *q = s; (q = memchr(q, 0xC2, n - (size_t)(q - s))) != NULL; q++) {
		const size_t i = (size_t)(q - s);
		if (i + 1 < n && ((unsigned char)s[i + 1] == 0xAB || (unsigned char)s[i + 1] == 0xBB))
			return true;
	}
	for (const char *q = s; (q = memchr(q, 0xE2, n - (size_t)(q - s))) != NULL; q++) {
		const size_t i = (size_t)(q - s);
		if (i + 2 < n && (unsigned char)s[i + 1] == 0x80) {
			const unsigned char c = (unsigned char)s[i + 2];
			if (c == 0x9A || c == 0x9E || c == 0xB9 || c == 0xBA)
				return true;
		}
	}
	return false;
}

/* has_foreign_quotes byte by byte, for the differential tests. */
static bool has_foreign_quotes_ref(const char *s, size_t n)
{
	for (size_t i = 0; i + 1 < n; i++) {
		const unsigned char a = (unsigned char)s[i], b = (unsigned char)s[i + 1];
		if (a == 0xC2 && (b == 0xAB || b == 0xBB))
			return true;
		if (a == 0xE2 && b == 0x80 && i + 2 < n) {
			const unsigned char c = (unsigned char)s[i + 2];
			if (c == 0x9A || c == 0x9E || c == 0xB9 || c == 0xBA)
				return true;
		}
	}
	return false;
}

/* ---- Quotes ---------------------------------------------------------------- */

static bool starts_elision(const char *s, size_t n, size_t i);

enum qfam { QF_CURLY2, QF_CURLY1, QF_STRAIGHT2, QF_STRAIGHT1, QF_NONE };
enum qrole { QR_NONE, QR_OPEN, QR_CLOSE, QR_EITHER };

static const char *const closer_of[QF_NONE] = { "\xE2\x80\x9D", "\xE2\x80\x99", "\"", "'" };

static bool opens_context(int32_t prev)
{
	return prev == CP_NONE || is_space_cp(prev) || prev == '(' || prev == '[' ||
	       prev == '{' || prev == '-' || prev == 0x2013 || prev == 0x2014 ||
	       prev == LQUOTE2 || prev == LQUOTE1;
}

static bool closes_context(int32_t next)
{
	return next == CP_NONE || is_space_cp(next) || (next < 0x80 && next >= 0 &&
	       (is_mark_byte((unsigned char)next) || is_closing_bracket(next) || next == '-')) ||
	       next == RQUOTE2 || next == RQUOTE1 || next == 0x2013 || next == 0x2014;
}

/* The family and role of the quote character at s[i], if it is one. Straight
 * quotes and ’ take their role from their neighbours; an apostrophe inside
 * a word (don't, don’t) is no quote. ’ after a word (students’) counts as a
 * possible closer, which only makes the quote rules more cautious. */
static enum qrole quote_at(const char *s, size_t n, size_t i, enum qfam *fam_out,
			   size_t *len_out)
{
	const int32_t cp = cp_at(s, n, i, len_out);
	if (cp != '"' && cp != '\'' && (cp < LQUOTE1 || cp > RQUOTE2))
		return QR_NONE;
	size_t k, nl;
	const int32_t prev = cp_before(s, i, &k);
	const int32_t next = cp_at(s, n, i + *len_out, &nl);
	switch (cp) {
	case LQUOTE2:
		*fam_out = QF_CURLY2;
		return QR_OPEN;
	case RQUOTE2:
		*fam_out = QF_CURLY2;
		return QR_CLOSE;
	case LQUOTE1:
		*fam_out = QF_CURLY1;
		return (is_letter(next) || next == LQUOTE2) && !starts_elision(s, n, i + *len_out) ?
			       QR_OPEN : QR_NONE;
	case RQUOTE1:
		*fam_out = QF_CURLY1;
		return is_letter(next) || is_digit(next) || opens_context(prev) ? QR_NONE : QR_CLOSE;
	case '"': {
		*fam_out = QF_STRAIGHT2;
		const bool open = opens_context(prev), close = closes_context(next);
		if (open && close)
			return QR_NONE;
		return open ? QR_OPEN : close ? QR_CLOSE : QR_EITHER;
	}
	default: /* '\'' */
		*fam_out = QF_STRAIGHT1;
		if (is_letter(prev) && is_letter(next))
			return QR_NONE;
		if (opens_context(prev) && is_letter(next))
			return starts_elision(s, n, i + 1) ? QR_NONE : QR_OPEN;
		if ((is_letter(prev) || prev == '.' || prev == ',' || prev == '!' || prev == '?') &&
		    closes_context(next))
			return QR_CLOSE;
		return QR_NONE;
	}
}

#define QSTACK_MAX 8

/* The quotations open at the end of a scan, innermost last. */
struct qstack {
	enum qfam fam[QSTACK_MAX];
	size_t pos[QSTACK_MAX]; /* where each opening quote starts */
	unsigned depth;
};

static bool qstack_find(const struct qstack *q, enum qfam fam, unsigned *at_out)
{
	for (unsigned d = q->depth; d-- > 0;) {
		if (q->fam[d] == fam) {
			*at_out = d;
			return true;
		}
	}
	return false;
}

/* Tracks the quotations opened and closed in s[0..end). */
static void qstack_scan(struct qstack *q, const char *s, size_t n, size_t end)
{
	q->depth = 0;
	for (size_t i = 0; i < end;) {
		const unsigned char c = (unsigned char)s[i];
		if (c != '"' && c != '\'' && c != 0xE2) {
			i++;
			continue;
		}
		enum qfam fam = QF_NONE;
		size_t len;
		enum qrole role = quote_at(s, n, i, &fam, &len);
		if (role != QR_NONE) {
			unsigned at;
			const bool open = qstack_find(q, fam, &at);
			if (role == QR_EITHER)
				role = open ? QR_CLOSE : QR_OPEN;
			if (role == QR_CLOSE && open) {
				q->depth = at;
			} else if (role == QR_OPEN && q->depth < QSTACK_MAX) {
				q->fam[q->depth] = fam;
				q->pos[q->depth++] = i;
			}
		}
		i += len;
	}
}

/* The family of a quotation open at s[i] that the rest of the line never
 * closes (the next quote of its family, if any, opens another), or QF_NONE;
 * *open_out is where its opening quote is. */
static enum qfam unclosed_quote_at(const char *s, size_t n, size_t i, size_t *open_out)
{
	struct qstack q;
	qstack_scan(&q, s, n, i);
	if (q.depth == 0)
		return QF_NONE;
	const enum qfam fam = q.fam[q.depth - 1];
	*open_out = q.pos[q.depth - 1];
	for (size_t k = i; k < n;) {
		enum qfam f = QF_NONE;
		size_t len;
		const enum qrole role = quote_at(s, n, k, &f, &len);
		k += len;
		if (role == QR_NONE || f != fam)
			continue;
		return role == QR_OPEN ? fam : QF_NONE;
	}
	return fam;
}

/* ---- Word lists ------------------------------------------------------------ */

/* True when the ASCII word s[0..len), folded to lowercase, is in the list.
 * The lists are short and consulted only where a rule is about to fire. */
static bool in_list(const char *s, size_t len, const char *const *list, size_t count)
{
	char w[16];
	if (len == 0 || len >= sizeof(w))
		return false;
	for (size_t i = 0; i < len; i++) {
		const unsigned char c = (unsigned char)s[i];
		if (c >= 0x80)
			return false;
		w[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	w[len] = '\0';
	for (size_t i = 0; i < count; i++) {
		if (list[i][0] == w[0] && strcmp(w, list[i]) == 0)
			return true;
	}
	return false;
}

#define IN_LIST(s, len, list) in_list(s, len, list, sizeof(list) / sizeof(list[0]))

/* Lowercase abbreviations of three or more letters that take a period and
 * may be followed by a capitalized word: "approx.Ten" is no glued sentence.
 * English, German and Croatian. */
static const char *const abbrev3[] = {
	"abbr", "acad", "adj", "adm", "adv", "ala", "apr", "approx", "assn", "assoc", "asst",
	"attn", "aug", "ave", "avg", "bldg", "blvd", "bros", "bspw", "bzw", "capt", "cca",
	"chap", "cit", "col", "comp", "conf", "corp", "dec", "def", "dept", "dipl", "dir",
	"dist", "doz", "eds", "engl", "esp", "est", "etc", "evtl", "excl", "ext", "feb",
	"fig", "figs", "fri", "gen", "geb", "gest", "ggf", "god", "gov", "govt", "hon",
	"hrs", "ibid", "inc", "incl", "inkl", "intl", "itd", "jan", "jhd", "jul", "jun",
	"lbs", "lit", "loc", "ltd", "mar", "max", "messrs", "mgr", "min", "misc", "mio",
	"mlrd", "mon", "mrd", "mrs", "mss", "nat", "natl", "nos", "nov", "npr", "oct", "orig",
	"para", "pls", "pres", "prof", "pts", "qty", "ref", "rep", "repr", "resp", "rev",
	"sat", "sec", "sect", "sen", "sep", "sept", "seq", "ser", "sgt", "sog", "sqq", "str",
	"sun", "suppl", "tel", "thu", "thur", "thurs", "trans", "tsd", "tue", "tues", "tzv",
	"ugs", "univ", "usw", "var", "vgl", "viz", "vol", "vols", "wed", "yrs", "zit",
};

/* Words that end in a period as an abbreviation: "etc.." lost a doubled
 * period, "well.." is an informal ellipsis and stays. Sorted. */
static const char *const abbrev_dot[] = {
	"approx", "bros", "co", "corp", "dept", "dr", "esp", "etc", "inc", "jr", "ltd",
	"misc", "mr", "mrs", "ms", "prof", "sr", "st", "vol", "vs",
};

/* Words after a quotation that show the quotation ended there: the speech
 * verb of an attribution ("…,” he added). */
static const char *const speech_verbs[] = {
	"according", "acknowledged", "added", "adding", "adds", "admits", "admitted", "agreed",
	"agrees", "announced", "answered", "argued", "argues", "asked", "asks", "boasted",
	"cautioned", "claimed", "claims", "commented", "complained", "conceded", "concluded",
	"confirmed", "continued", "continues", "countered", "cried", "declared", "emphasised",
	"emphasized", "explained", "explains", "insisted", "insists", "joked", "laughed",
	"mused", "noted", "notes", "observed", "pleaded", "pointed", "predicted", "quipped",
	"recalled", "recalls", "remarked", "replied", "replies", "reported", "responded",
	"said", "saying", "say", "says", "shouted", "sighed", "sings", "stated", "states", "stressed",
	"suggested", "suggests", "telling", "tells", "told", "tweeted", "urged", "warned", "warns",
	"whispered", "wrote", "writes", "yelled",
};

/* A quotation speaks in the first or second person, an attribution in the
 * third: these words after a glued comma mean the quotation goes on. */
static const char *const first_persons[] = {
	"i", "me", "my", "our", "us", "we", "you", "your",
};

/* Words that start with an apostrophe ("'tis", "‘til"): no quotation opens
 * there. */
static const char *const elisions[] = {
	"bout", "cause", "em", "n", "round", "til", "tis", "twas",
};

/* URI schemes and XML prefixes glue a colon to a word on purpose. */
static const char *const colon_words[] = {
	"data", "file", "ftp", "http", "https", "irc", "javascript", "mailto", "news",
	"sip", "sms", "svg", "tel", "urn", "xlink", "xml", "xmlns", "xsl",
};

/* English contractions written with a comma for the apostrophe ("they,ll"):
 * a typo, but not a missing space. */
static const char *const contraction_tails[] = { "d", "ll", "m", "re", "s", "t", "ve" };

/* True when the word at s[i] is an elided one ("tis" after "'"). */
static bool starts_elision(const char *s, size_t n, size_t i)
{
	size_t end = i;
	while (end < n && (s[end] | 0x20) >= 'a' && (s[end] | 0x20) <= 'z')
		end++;
	return IN_LIST(s + i, end - i, elisions);
}

/* ---- Rewriting ------------------------------------------------------------- */

/* One pass over a line: s[0..n) with edits applied left to right. The
 * output buffer is touched only from the first edit on. */
struct rewrite {
	const char *s;
	size_t n;
	uint32_t off;      /* rules switched off */
	uint32_t fired;    /* rules that made an edit */
	size_t from;       /* s is copied to out up to here */
	struct wn_buf *out;
	int err;
	int code;          /* looks_like_code() of the line, -1 until asked */
	bool reference;    /* the plain loops, for the differential tests */
};

/* Replaces s[at..at+del) by ins[0..ins_len). Edits come in order. */
static void edit(struct rewrite *rw, enum punct_rule rule, size_t at, size_t del,
		 const char *ins, size_t ins_len)
{
	assert(at >= rw->from && at + del <= rw->n);
	if (!rw->fired)
		rw->out->len = 0;
	rw->fired |= BIT(rule);
	if (wn_buf_append(rw->out, rw->s + rw->from, at - rw->from) != 0 ||
	    wn_buf_append(rw->out, ins, ins_len) != 0)
		rw->err = WN_E_NOMEM;
	rw->from = at + del;
}

/* No rule adds or removes the characters that make a line look like code,
 * so the answer holds for every pass over the line. */
static bool code_line(struct rewrite *rw)
{
	if (rw->code < 0)
		rw->code = looks_like_code(rw->s, rw->n, rw->reference);
	return rw->code;
}

static bool foreign_quotes(const struct rewrite *rw)
{
	return rw->reference ? has_foreign_quotes_ref(rw->s, rw->n) : has_foreign_quotes(rw->s, rw->n);
}

static bool rule_on(const struct rewrite *rw, enum punct_rule rule)
{
	return !(rw->off & BIT(rule));
}

/* The end of the line without trailing blanks (the filter trims them later). */
static size_t trimmed_end(const char *s, size_t n)
{
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return n;
}

/* ---- Rule: double space ------------------------------------------------------ */

/* Two spaces between words are a lost element (a link, a line break); two
 * after a sentence are a typing style, and three or more, or a tab, lay out
 * columns. Only the first kind is collapsed, and only in scripts that
 * space their words (Chinese menus use double spaces as separators). */
#if defined(__SSE2__)
/* Bits k where u[k] and u[k + 1] are spaces (*pairs_out), and where
 * u[k + 2] is one too (returned); reads u[0..18). */
static inline unsigned double_spaces(const unsigned char *u, unsigned *pairs_out)
{
	const __m128i sp = _mm_set1_epi8(' ');
	const __m128i a = _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)u), sp);
	const __m128i b =
		_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)(u + 1)), sp);
	const __m128i c =
		_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)(u + 2)), sp);
	const __m128i pairs = _mm_and_si128(a, b);
	*pairs_out = (unsigned)_mm_movemask_epi8(pairs);
	return (unsigned)_mm_movemask_epi8(_mm_and_si128(pairs, c));
}
#endif

/* fix_double_space at the two spaces s[i], s[i + 1]. */
static void double_space_at(struct rewrite *rw, size_t i)
{
	const char *const s = rw->s;
	const size_t n = rw->n;
	size_t k, len;
	const int32_t prev = cp_before(s, i, &k);
	const int32_t next = cp_at(s, n, i + 2, &len);
	if (!(is_spaced_letter(prev) || prev == ',' || prev == ';') || !is_spaced_letter(next))
		return;
	/* "<sha256>  file.tar.gz" is a checksum listing, not prose */
	const struct tok left = token_classify(s, token_start(s, i), i);
	const struct tok right = token_classify(s, i + 2, token_end(s, n, i + 2));
	if (!((left.flags | right.flags) & (TK_URL | TK_MAIL | TK_DIGIT | TK_CODE)))
		edit(rw, PR_DOUBLE_SPACE, i, 1, "", 0);
}

static void fix_double_space(struct rewrite *rw)
{
	const char *const s = rw->s;
	const size_t n = rw->n;
	if (memchr(s, '\t', n))
		return;
	/* Pairs and triples starting before from are the blocks', below. */
	size_t from = 0, nblocks = 0;
	unsigned pairs[64];
#if defined(__SSE2__)
	/* A run of three spaces anywhere leaves the line alone; else each
	 * pair from s[1] on, sixteen bytes at a step, in the same order. */
	if (!rw->reference)
		for (; from + 18 <= n && nblocks < 64; from += 16, nblocks++)
			if (double_spaces((const unsigned char *)s + from, &pairs[nblocks]))
				return;
#endif
	for (size_t i = from; i + 2 < n; i++)
		if (s[i] == ' ' && s[i + 1] == ' ' && s[i + 2] == ' ')
			return;
	for (size_t b = 0; b < nblocks; b++)
		for (unsigned m = pairs[b] & (b ? 0xFFFFu : 0xFFFEu); m; m &= m - 1)
			double_space_at(rw, 16 * b + (unsigned)__builtin_ctz(m));
	for (size_t i = from > 0 ? from : 1; i + 2 < n; i++)
		if (s[i] == ' ' && s[i + 1] == ' ')
			double_space_at(rw, i);
}

/* ---- Rule: doubled comma or period ------------------------------------------- */

static bool ends_word(int32_t cp, const char *s, size_t start)
{
	if (is_letter(cp) || is_digit(cp) || is_closing_bracket(cp) || cp == RQUOTE2 ||
	    cp == RQUOTE1)
		return true;
	return (cp == '"' || cp == '\'') && start > 0 && s[start - 1] != ' ';
}

/* True when s[i] is followed by the end of its word: the line's end, a
 * space, or a closing quote that itself ends the word. */
static bool mark_ends_word(const char *s, size_t n, size_t i)
{
	size_t len, len2;
	const int32_t next = cp_at(s, n, i + 1, &len);
	if (next == CP_NONE || is_space_cp(next))
		return true;
	if (next != RQUOTE2 && next != RQUOTE1 && next != '"' && next != '\'')
		return false;
	const int32_t after = cp_at(s, n, i + 1 + len, &len2);
	return after == CP_NONE || is_space_cp(after) ||
	       (after >= 0 && after < 0x80 && (is_mark_byte((unsigned char)after) ||
					       is_closing_bracket(after)));
}

/* ",," after a word: one comma too many ("war,, he"). ",,Hallo" (a German
 * opening quote typed as two commas) and ",,," are left alone. */
static void fix_double_comma(struct rewrite *rw)
{
	const char *const s = rw->s;
	const size_t n = rw->n;
	for (size_t i = 1; i + 1 < n; i++) {
		if (s[i] != ',' || s[i + 1] != ',' || s[i - 1] == ',' ||
		    (i + 2 < n && s[i + 2] != ' '))
			continue;
		size_t k;
		const int32_t prev = cp_before(s, i, &k);
		if (ends_word(prev, s, k))
			edit(rw, PR_DOUBLE_COMMA, i, 1, "", 0);
	}
}

/* True when the word that ends s[start..end) is an abbreviation that ends
 * in a period: a word of abbrev_dot[] or letters in pieces of one or two
 * ("U.S", "e.g", "Ph.D"). */
static bool is_dotted_abbrev(const char *s, size_t start, size_t end)
{
	for (size_t i = end; i > start; i--) { /* the last word: "(U.S", "he,etc" */
		const unsigned char c = (unsigned char)s[i - 1];
		if (c != '.' && !((c | 0x20) >= 'a' && (c | 0x20) <= 'z')) {
			start = i;
			break;
		}
	}
	if (IN_LIST(s + start, end - start, abbrev_dot))
		return true;
	size_t piece = 0, dots = 0;
	for (size_t i = start; i < end; i++) {
		const unsigned char c = (unsigned char)s[i];
		if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') {
			if (++piece > 2)
				return false;
		} else if (c == '.' && piece > 0) {
			piece = 0;
			dots++;
		} else {
			return false;
		}
	}
	return dots > 0 && piece > 0;
}

/* ".." after an abbreviation ("etc..", "U.S..") is the abbreviation's period
 * doubled at the end of a sentence. After any other word ".." is an informal
 * ellipsis ("well.. I think") and stays, as does "...". */
static void fix_double_period(struct rewrite *rw)
{
	const char *const s = rw->s;
	const size_t n = rw->n;
	for (size_t i = 1; i + 1 < n; i++) {
		if (s[i] != '.' || s[i + 1] != '.' || s[i - 1] == '.' || !mark_ends_word(s, n, i + 1))
			continue;
		const size_t ts = token_start(s, i);
		const struct tok t = token_classify(s, ts, i);
		if (!(t.flags & (TK_URL | TK_MAIL | TK_CODE | TK_DIGIT)) && is_dotted_abbrev(s, ts, i))
			edit(rw, PR_DOUBLE_PERIOD, i, 1, "", 0);
	}
}

/* ---- Rule 1: space before a mark ---------------------------------------------- */

/* French puts a space before ; : ! ? (often a plain one). A line shows that
 * it follows the English convention when one of these marks is glued to
 * the word before it and followed by a space, a quote or a letter (not by
 * a digit or another mark: "10:30", "http://", "std::"). A glued letter
 * counts too, so that the comma rule's space after "war:etc" adds no
 * evidence a second run would see. */
static bool glues_high_marks(const char *s, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		const char c = s[i];
		if (c != ';' && c != ':' && c != '!' && c != '?')
			continue;
		size_t k, len;
		const int32_t prev = cp_before(s, i, &k);
		if (!(is_letter(prev) || is_digit(prev) || prev == RQUOTE2 || prev == ')'))
			continue;
		if (mark_ends_word(s, n, i) || is_letter(cp_at(s, n, i + 1, &len)))
			return true;
	}
	return false;
}

/* True when mark c stands between spaces more than once in the line: a
 * separator of breadcrumbs or fields, not a misplaced mark. */
static bool used_as_separator(const char *s, size_t n, char c)
{
	unsigned count = 0;
	for (size_t i = 1; i + 1 < n; i++)
		count += s[i] == c && s[i - 1] == ' ' && s[i + 1] == ' ';
	return count >= 2;
}

/* True when the space before s[i] (a mark) may go. */
static bool space_before_is_damage(const char *s, size_t n, size_t i, size_t j)
{
	const char c = s[i];
	if (c == '.') {
		/* ". . ." is a spaced ellipsis; "Essays . com" a spaced domain;
		 * a sentence ends before a capital or the paragraph's end */
		size_t k = i + 1, len;
		while (k < n && s[k] == ' ')
			k++;
		if (k < n && s[k] == '.')
			return false;
		if (k < n && is_lower(cp_at(s, n, k, &len)) &&
		    !is_dotted_abbrev(s, token_start(s, j), j))
			return false; /* but "at 10 p.m . on Monday" */
	}
	if ((c == ':' || c == ';') && i + 2 < n && s[i + 1] == ' ' &&
	    strchr("DPpOo()[]3/|", s[i + 2]) && (i + 3 == n || s[i + 3] == ' '))
		return false; /* ": D" is a face */
	if ((c == ':' || c == ';') && used_as_separator(s, n, c))
		return false; /* "Admin & Clerical : Data Entry : Pennsylvania" */
	size_t ps;
	const int32_t prev = cp_before(s, j, &ps);
	if (!ends_word(prev, s, ps))
		return false;
	if (prev == ')' && ps > 0 && strchr(":;=-8", s[ps - 1]))
		return false; /* an emoticon: ":) ." */
	if (c == ':' && is_digit(prev))
		return false; /* a score or ratio: "3 : 1" */
	const size_t ts = token_start(s, j);
	const struct tok t = token_classify(s, ts, j);
	if (t.flags & (TK_URL | TK_MAIL | TK_CODE | TK_FILE))
		return false; /* "see example.com ." keeps the URL apart */
	if (ps == ts && ts >= 2 && s[ts - 1] == ' ' && (is_letter(prev) || is_digit(prev))) {
		/* One character after another: spaced-out letters ("C O M")
		 * or a formula ("S + 1 ,"). */
		const size_t ts2 = token_start(s, ts - 1);
		if (ts - 1 - ts2 == 1 && !is_mark_byte((unsigned char)s[ts2]))
			return false;
	}
	return true;
}

#if defined(__SSE2__)
/* Bit k set where u[k] is a space and u[k + 1] a mark (is_mark_byte; reads
 * u[0..17)). */
static inline unsigned space_then_mark(const unsigned char *u)
{
	const __m128i a = _mm_loadu_si128((const __m128i *)(const void *)u);
	const __m128i b = _mm_loadu_si128((const __m128i *)(const void *)(u + 1));
	/* '.' ',' are 0x2E 0x2C, ':' ';' 0x3A 0x3B: two pairs by one bit. */
	const __m128i b2 = _mm_or_si128(b, _mm_set1_epi8(0x02));
	const __m128i b1 = _mm_or_si128(b, _mm_set1_epi8(0x01));
	const __m128i mark = _mm_or_si128(
		_mm_or_si128(_mm_cmpeq_epi8(b2, _mm_set1_epi8('.')),
			     _mm_cmpeq_epi8(b1, _mm_set1_epi8(';'))),
		_mm_or_si128(_mm_cmpeq_epi8(b, _mm_set1_epi8('!')),
			     _mm_cmpeq_epi8(b, _mm_set1_epi8('?'))));
	return (unsigned)_mm_movemask_epi8(
		_mm_and_si128(mark, _mm_cmpeq_epi8(a, _mm_set1_epi8(' '))));
}
#endif

/* fix_space_before at the mark s[i], after a space; english as there. */
static void space_before_at(struct rewrite *rw, size_t i, int *english_io)
{
	const char *const s = rw->s;
	const size_t n = rw->n;
	if (!mark_ends_word(s, n, i))
		return;
	size_t j = i - 1;
	while (j > 0 && s[j - 1] == ' ')
		j--;
	if (j == 0 || j < rw->from)
		return;
	if (s[i] != '.' && s[i] != ',') {
		if (*english_io < 0)
			*english_io = glues_high_marks(s, n);
		if (!*english_io)
			return;
	}
	/* A line that looks like code is left alone: asked last. */
	if (space_before_is_damage(s, n, i, j) && !code_line(rw))
		edit(rw, PR_SPACE_BEFORE, j, i - j, "", 0);
}

static void fix_space_before(struct rewrite *rw)
{
	const char *const s = rw->s;
	const size_t n = rw->n;
	int english = -1; /* whether the line glues ; : ! ?, computed once needed */
	size_t i = 1;
#if defined(__SSE2__)
	/* Only the marks after a space, sixteen bytes at a step, in the same
	 * order. */
	if (!rw->reference) {
		const unsigned char *u = (const unsigned char *)s;
		for (size_t at = 0; at + 17 <= n; at += 16, i = at + 1)
			for (unsigned m = space_then_mark(u + at); m; m &= m - 1)
				space_before_at(rw, at + (unsigned)__builtin_ctz(m) + 1, &english);
	}
#endif
	for (; i < n; i++)
		if (is_mark_byte((unsigned char)s[i]) && s[i - 1] == ' ')
			space_before_at(rw, i, &english);
}

/* ---- Rule 2: space (and quote) after a comma, a semicolon, a colon ----------- */

/* Counts the letters of the word that ends at s[end], walking back over
 * letters, combining marks and inner apostrophes or hyphens. */
static size_t word_before(const char *s, size_t end, size_t *start_out, bool *lower_out)
{
	size_t letters = 0, i = end;
	*lower_out = true;
	while (i > 0) {
		size_t k;
		const int32_t cp = cp_before(s, i, &k);
		if (is_letter(cp)) {
			letters++;
			*lower_out = *lower_out && is_lower(cp);
		} else if (!is_mark(cp) && !((cp == '\'' || cp == RQUOTE1 || cp == '-') && k > 0 &&
					      i < end)) {
			break;
		}
		i = k;
	}
	*start_out = i;
	return letters;
}

/* Counts the letters of the word that starts at s[start]; *camel_out is set
 * when a capital follows a small letter ("getElementById", "iPhone"). */
static size_t word_after(const char *s, size_t n, size_t start, size_t *end_out, bool *lower_out,
			 bool *camel_out)
{
	size_t letters = 0, i = start;
	bool seen_lower = false;
	*lower_out = true;
	*camel_out = false;
	while (i < n) {
		size_t len;
		const int32_t cp = cp_at(s, n, i, &len);
		if (is_letter(cp)) {
			const bool lower = is_lower(cp);
			*camel_out = *camel_out || (seen_lower && !lower);
			seen_lower = seen_lower || lower;
			*lower_out = *lower_out && lower;
			letters++;
		} else if (!is_mark(cp)) {
			break;
		}
		i += len;
	}
	*end_out = i;
	return letters;
}

/* True when the '.', '!' or '?' at s[i] ends a sentence: it ends its word
 * and does not close an initial or a short title ("J.", "Sen.", "Dr."). */
static bool ends_sentence(const char *s, size_t n, size_t i)
{
	if (!mark_ends_word(s, n, i))
		return false;
	if (s[i] != '.')
		return true;
	size_t start = i;
	while (start > 0 && is_ascii_alnum((unsigned char)s[start - 1]))
		start--;
	const size_t len = i - start;
	return !(len >= 1 && len <= 3 && s[start] >= 'A' && s[start] <= 'Z');
}

#define ATTRIBUTION_WORDS 25
#define SHORT_PHRASE_WORDS 6

/* True when the sentence after the glued comma at s[i] attributes the
 * quotation: a speech verb comes before the sentence ends, with no first
 * or second person on the way ("…,” Sen. John Cornyn (R-TX) told Politico"
 * yes; "…,and we told them" is the quotation going on). */
static bool attribution_follows(const char *s, size_t n, size_t i)
{
	for (int words = 0; words < ATTRIBUTION_WORDS && i < n;) {
		const unsigned char c = (unsigned char)s[i];
		if (!is_ascii_alnum(c)) {
			size_t len;
			const int32_t cp = cp_at(s, n, i, &len);
			if (cp == '"' || cp == ':' || cp == ';' || cp == LQUOTE2 || cp == RQUOTE2 ||
			    cp == LQUOTE1 || ((cp == '.' || cp == '!' || cp == '?') && ends_sentence(s, n, i)))
				return false;
			i += len;
			continue;
		}
		const size_t start = i;
		while (i < n && (is_ascii_alnum((unsigned char)s[i]) || s[i] == '\''))
			i++;
		words++;
		if (IN_LIST(s + start, i - start, first_persons))
			return false;
		if (IN_LIST(s + start, i - start, speech_verbs))
			return true;
	}
	return false;
}

/* True when the quotation opened at s[open] and glued to the next word by
 * the comma at s[comma] is a short phrase inside a sentence, a title or a
 * term ("the show “Nashville,Steenburgen's…", "accusations as “patently
 * false,and both…"): such a quotation ends at the comma. A quotation that
 * opens its paragraph or follows a colon may run on into the next one. */
static bool short_quoted_phrase(const char *s, size_t open, size_t comma)
{
	size_t k = open;
	while (k > 0 && s[k - 1] == ' ')
		k--;
	if (k == 0 || k == open || s[k - 1] == ':')
		return false;
	unsigned words = 1;
	for (size_t i = open; i < comma; i++) {
		if (s[i] == ' ')
			words++;
		else if (s[i] == '.' || s[i] == '!' || s[i] == '?' || s[i] == ';')
			return false;
	}
	return words <= SHORT_PHRASE_WORDS;
}

/* Decides what a glued "word,word" at s[i] needs: nothing, a space, or
 * (inside a quotation that is never closed) the lost closing quote too.
 * *foreign_io: whether the line has foreign quotes, -1 until asked. */
static void fix_glued_mark(struct rewrite *rw, size_t i, int *foreign_io)
{
	const char *const s = rw->s;
	const size_t n = rw->n;
	size_t ls, re;
	bool left_lower, right_lower, camel;
	const size_t left = word_before(s, i, &ls, &left_lower);
	const size_t right = word_after(s, n, i + 1, &re, &right_lower, &camel);
	/* "x,y", "f(n,m)" and "good:p" are no words glued; a word of one
	 * letter after a comma is, when it stands alone and is ASCII ("things,a
	 * lot"; "over,â says" is mojibake of a quote). */
	const bool lone_letter = right == 1 && s[i] == ',' && left >= 3 && re == i + 2 &&
				 re < n && s[re] == ' ';
	if (left < 2 || (right < 2 && !lone_letter))
		return;
	const struct tok t = token_classify(s, token_start(s, i), token_end(s, n, i));
	if ((t.flags & (TK_URL | TK_MAIL | TK_DIGIT | TK_CODE)) || t.inner_dots || t.inner_marks != 1)
		return;
	if (s[i] == ',') {
		if (IN_LIST(s + i + 1, re - i - 1, contraction_tails))
			return;
		if (*foreign_io < 0) /* asked of the line once a site needs it */
			*foreign_io = foreign_quotes(rw);
		if (!*foreign_io && rule_on(rw, PR_QUOTE_AFTER_COMMA)) {
			size_t open;
			const enum qfam fam = unclosed_quote_at(s, n, i + 1, &open);
			if (fam != QF_NONE && (attribution_follows(s, n, i + 1) ||
					       short_quoted_phrase(s, open, i))) {
				char ins[8];
				const size_t len = strlen(closer_of[fam]);
				memcpy(ins, closer_of[fam], len);
				ins[len] = ' ';
				edit(rw, PR_QUOTE_AFTER_COMMA, i + 1, 0, ins, len + 1);
				return;
			}
		}
	} else if (!left_lower || !right_lower || camel || IN_LIST(s + ls, i - ls, colon_words)) {
		return; /* "TL;DR", "Name:Aaron", "xmlns:xlink" */
	}
	if (rule_on(rw, PR_SPACE_AFTER))
		edit(rw, PR_SPACE_AFTER, i + 1, 0, " ", 1);
}

#if defined(__SSE2__)
/* Bit k set where u[k] is a mark (c1, or c2 or c3) and u[k + 1] is a
 * letter of the class the rule looks for, or a byte >= 0x80 (reads
 * u[0..17)). */
static inline unsigned mark_before(const unsigned char *u, char c1, char c2, bool upper_only)
{
	const __m128i a = _mm_loadu_si128((const __m128i *)(const void *)u);
	const __m128i b = _mm_loadu_si128((const __m128i *)(const void *)(u + 1));
	const __m128i mark = _mm_or_si128(_mm_cmpeq_epi8(a, _mm_set1_epi8(c1)),
					  _mm_cmpeq_epi8(a, _mm_set1_epi8(c2)));
	const __m128i folded = upper_only ? b : _mm_or_si128(b, _mm_set1_epi8(0x20));
	const __m128i letter = _mm_cmplt_epi8(
		_mm_add_epi8(folded, _mm_set1_epi8((char)(0x80 - (upper_only ? 'A' : 'a')))),
		_mm_set1_epi8((char)(0x80 + 26)));
	const __m128i high = _mm_cmplt_epi8(b, _mm_setzero_si128());
	return (unsigned)_mm_movemask_epi8(_mm_and_si128(mark, _mm_or_si128(letter, high)));
}
#endif

/* fix_space_after at the mark s[i]. */
static void space_after_at(struct rewrite *rw, size_t i, int *foreign_io)
{
	const char *const s = rw->s;
	const size_t n = rw->n;
	/* A letter follows: an ASCII one or one that is not ASCII. */
	const unsigned char c = (unsigned char)s[i + 1];
	if (!rw->reference && !((c | 0x20) >= 'a' && (c | 0x20) <= 'z') && c < 0x80)
		return;
	size_t k, len;
	const int32_t prev = cp_before(s, i, &k);
	const int32_t next = cp_at(s, n, i + 1, &len);
	/* A line that looks like code is left alone: asked last, since most
	 * marks are followed by a space and it scans the line. */
	if (is_spaced_letter(prev) && is_spaced_letter(next) && !code_line(rw))
		fix_glued_mark(rw, i, foreign_io);
}

static void fix_space_after(struct rewrite *rw)
{
	const char *const s = rw->s;
	const size_t n = rw->n;
	int foreign = -1; /* whether the line has foreign quotes: not known yet */
	size_t i = 1;
#if defined(__SSE2__)
	/* Only the marks before a letter, sixteen bytes at a step (':' | 1
	 * is ';'), in the same order. */
	if (!rw->reference) {
		const unsigned char *u = (const unsigned char *)s;
		for (size_t at = 0; at + 17 <= n; at += 16, i = at) {
			unsigned m = mark_before(u + at, ',', ';', false) |
				     mark_before(u + at, ':', ':', false);
			for (m &= at ? 0xFFFFu : 0xFFFEu; m; m &= m - 1)
				space_after_at(rw, at + (unsigned)__builtin_ctz(m), &foreign);
		}
	}
#endif
	for (; i + 1 < n; i++)
		if (s[i] == ',' || s[i] == ';' || s[i] == ':')
			space_after_at(rw, i, &foreign);
}

/* ---- Rule 2: space after a period ------------------------------------------------ */

static bool has_vowel(const char *s, size_t start, size_t end)
{
	for (size_t i = start; i < end; i++) {
		const unsigned char c = (unsigned char)(s[i] | 0x20);
		if (c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y' ||
		    (unsigned char)s[i] >= 0x80)
			return true;
	}
	return false;
}

/* True when "word.Word" at s[i] is two sentences glued: a lowercase word of
 * three or more letters that is no abbreviation, a capitalized word, and
 * nothing around them that belongs to a URL, an address or a name in code. */
static bool glued_sentences(const char *s, size_t n, size_t i)
{
	size_t ls, re, k;
	bool left_lower, right_lower, camel;
	const size_t left = word_before(s, i, &ls, &left_lower);
	if (left < 3 || !left_lower || !has_vowel(s, ls, i))
		return false;
	const int32_t before = cp_before(s, ls, &k);
	if (!(before == CP_NONE || is_space_cp(before) || before == '(' || before == '"' ||
	      before == LQUOTE2 || before == LQUOTE1))
		return false;
	size_t len;
	const int32_t first = cp_at(s, n, i + 1, &len);
	if (!is_upper(first) || !is_spaced_letter(first))
		return false;
	const size_t right = word_after(s, n, i + 1, &re, &right_lower, &camel);
	if (right < 2 || camel)
		return false;
	const int32_t second = cp_at(s, n, i + 1 + len, &len);
	if (!is_lower(second))
		return false; /* "end.THE", "end.I" */
	const int32_t after = cp_at(s, n, re, &len);
	if (!(after == CP_NONE || is_space_cp(after) || after == ',' || after == ';' ||
	      after == '!' || after == '?' || after == ')' || after == RQUOTE2 || after == RQUOTE1 ||
	      after == '"' || ((after == '.' || after == ':') && mark_ends_word(s, n, re))))
		return false;
	/* The list last: most sites fail a test above (every test is pure). */
	return !IN_LIST(s + ls, i - ls, abbrev3);
}

/* fix_space_after_period at the period s[i]. */
static void space_after_period_at(struct rewrite *rw, size_t i)
{
	/* A capital follows: an ASCII one or one that is not ASCII. */
	const unsigned char c = (unsigned char)rw->s[i + 1];
	if (!rw->reference && !(c >= 'A' && c <= 'Z') && c < 0x80)
		return;
	/* A line that looks like code is left alone: asked last (a scan of
	 * the line), as most periods before a capital end an abbreviation. */
	if (glued_sentences(rw->s, rw->n, i) && !code_line(rw))
		edit(rw, PR_SPACE_AFTER_PERIOD, i + 1, 0, " ", 1);
}

static void fix_space_after_period(struct rewrite *rw)
{
	const char *const s = rw->s;
	const size_t n = rw->n;
	size_t i = 3;
#if defined(__SSE2__)
	/* Only the periods before a capital, sixteen bytes at a step. */
	if (!rw->reference) {
		const unsigned char *u = (const unsigned char *)s;
		size_t at = 0;
		for (; at + 18 <= n; at += 16) {
			unsigned m = mark_before(u + at, '.', '.', true);
			for (m &= at ? 0xFFFFu : 0xFFF8u; m; m &= m - 1)
				space_after_period_at(rw, at + (unsigned)__builtin_ctz(m));
		}
		i = at > i ? at : i;
	}
#endif
	for (; i + 2 < n; i++)
		if (s[i] == '.')
			space_after_period_at(rw, i);
}

/* ---- Rule 3: quotes at the end of a paragraph ------------------------------------ */

/* The family of the opening quote that ends at s[end], and its start. */
static enum qfam opener_before(const char *s, size_t end, size_t *start_out)
{
	switch (cp_before(s, end, start_out)) {
	case LQUOTE2: return QF_CURLY2;
	case LQUOTE1: return QF_CURLY1;
	case '"': return QF_STRAIGHT2;
	case '\'': return QF_STRAIGHT1;
	default: return QF_NONE;
	}
}

static bool is_straight(enum qfam fam)
{
	return fam == QF_STRAIGHT2 || fam == QF_STRAIGHT1;
}

/* "… Ukraine. “" -> "… Ukraine.”": a paragraph that ends with an opening
 * quote after its last sentence, while a quotation of the same kind is
 * still open, lost that quotation's closing quote. */
static void fix_dangling_quote(struct rewrite *rw)
{
	const char *const s = rw->s;
	const size_t m = trimmed_end(s, rw->n);
	size_t qs, ts;
	const enum qfam fam = opener_before(s, m, &qs);
	if (fam == QF_NONE || foreign_quotes(rw))
		return;
	size_t k = qs;
	while (k > 0 && s[k - 1] == ' ')
		k--;
	if (is_straight(fam) && k == qs)
		return; /* 'end."' is a closing quote */
	const int32_t t = cp_before(s, k, &ts);
	if (t != '.' && t != '!' && t != '?' && t != 0x2026)
		return;
	struct qstack q;
	unsigned at;
	qstack_scan(&q, s, rw->n, ts);
	if (qstack_find(&q, fam, &at))
		edit(rw, PR_DANGLING_QUOTE, k, m - k, closer_of[fam], strlen(closer_of[fam]));
}

/* "… costs “." -> "… costs.”": an opening quote cannot stand before the
 * period that ends a paragraph; it is the closing quote, misplaced. A
 * straight quote must have a space before it ('costs".' is correct). */
static void fix_quote_before_period(struct rewrite *rw)
{
	const char *const s = rw->s;
	const size_t m = trimmed_end(s, rw->n);
	if (m < 3 || s[m - 1] != '.' || s[m - 2] == '.' || foreign_quotes(rw))
		return;
	size_t qs, ps;
	const enum qfam fam = opener_before(s, m - 1, &qs);
	if (fam == QF_NONE)
		return;
	size_t k = qs;
	while (k > 0 && s[k - 1] == ' ')
		k--;
	if (is_straight(fam) && k == qs)
		return;
	const int32_t prev = cp_before(s, k, &ps);
	if (!is_letter(prev) && !is_digit(prev))
		return;
	char ins[8];
	const size_t len = strlen(closer_of[fam]);
	ins[0] = '.';
	memcpy(ins + 1, closer_of[fam], len);
	edit(rw, PR_QUOTE_BEFORE_PERIOD, k, m - k, ins, len + 1);
}

/* ---- The stage ------------------------------------------------------------------- */

/* Cheap signs that a rule may fire, from one pass over the bytes: most
 * lines show none and cost nothing more. The pass is branch-free: each
 * pair of adjacent bytes, by class, indexes the rules it may wake. */
enum { A_OTHER, A_SPACE, A_COMMA, A_COLON, A_PERIOD, A_COUNT };
enum { B_OTHER, B_SPACE, B_COMMA, B_PERIOD, B_MARK, B_LOWER, B_UPPER, B_HIGH, B_COUNT };

static const unsigned char first_class[256] = {
	[' '] = A_SPACE, [','] = A_COMMA, [';'] = A_COLON, [':'] = A_COLON, ['.'] = A_PERIOD,
};

/* Class of the second byte of a pair, one digit per byte value: 1 space,
 * 2 comma, 3 period, 4 ; : ! ?, 5 small letter, 6 capital, 7 non-ASCII. */
static const char second_class[256 + 1] =
	"0000000000000000" /* 0x00 */
	"0000000000000000" /* 0x10 */
	"1400000000002030" /* 0x20 */
	"0000000000440004" /* 0x30 */
	"0666666666666666" /* 0x40 */
	"6666666666600000" /* 0x50 */
	"0555555555555555" /* 0x60 */
	"5555555555500000" /* 0x70 */
	"7777777777777777" /* 0x80 */
	"7777777777777777" /* 0x90 */
	"7777777777777777" /* 0xa0 */
	"7777777777777777" /* 0xb0 */
	"7777777777777777" /* 0xc0 */
	"7777777777777777" /* 0xd0 */
	"7777777777777777" /* 0xe0 */
	"7777777777777777" /* 0xf0 */;

static const uint32_t pair_rules[A_COUNT][B_COUNT] = {
	[A_SPACE] = {
		[B_SPACE] = BIT(PR_DOUBLE_SPACE), [B_COMMA] = BIT(PR_SPACE_BEFORE),
		[B_PERIOD] = BIT(PR_SPACE_BEFORE), [B_MARK] = BIT(PR_SPACE_BEFORE),
	},
	[A_COMMA] = {
		[B_COMMA] = BIT(PR_DOUBLE_COMMA),
		[B_LOWER] = BIT(PR_SPACE_AFTER) | BIT(PR_QUOTE_AFTER_COMMA),
		[B_UPPER] = BIT(PR_SPACE_AFTER) | BIT(PR_QUOTE_AFTER_COMMA),
		[B_HIGH] = BIT(PR_SPACE_AFTER) | BIT(PR_QUOTE_AFTER_COMMA),
	},
	[A_COLON] = {
		[B_LOWER] = BIT(PR_SPACE_AFTER), [B_UPPER] = BIT(PR_SPACE_AFTER),
		[B_HIGH] = BIT(PR_SPACE_AFTER),
	},
	[A_PERIOD] = {
		[B_PERIOD] = BIT(PR_DOUBLE_PERIOD), [B_UPPER] = BIT(PR_SPACE_AFTER_PERIOD),
		[B_HIGH] = BIT(PR_SPACE_AFTER_PERIOD),
	},
};

static uint32_t pair_at(const unsigned char *u, size_t i)
{
	return pair_rules[first_class[u[i]]][second_class[u[i + 1]] - '0'];
}

#if defined(__SSE2__)
/* The pairs at u[0..16) that wake a rule, one bit each (wake.h). */
static inline unsigned pair_mask(const unsigned char *u)
{
	const __m128i a = _mm_loadu_si128((const __m128i *)(const void *)u);
	const __m128i b = _mm_loadu_si128((const __m128i *)(const void *)(u + 1));
	return (unsigned)_mm_movemask_epi8(wn_wake_pairs(a, b));
}
#endif

#if defined(__SSE2__) && defined(WN_WAKE_AVX2)
/* The pairs of u[0..n), n >= 33, as candidates finds them, 32 at a step. */
static WN_AVX2 uint32_t pairs_avx2(const unsigned char *u, size_t n)
{
	struct wn_wake_tables t;
	wn_wake_tables_init(&t);
	uint32_t c = 0;
	for (size_t i = 0; i + 1 < n; i += 32) {
		const size_t at = i + 33 <= n ? i : n - 33;
		for (unsigned m = wn_wake_mask32(&t, u + at) >> (i - at) << (i - at); m; m &= m - 1)
			c |= pair_at(u, at + (unsigned)__builtin_ctz(m));
	}
	return c;
}
#endif

/* reference: the plain loop over every pair, for the differential tests. */
static uint32_t candidates(const char *s, size_t n, bool reference)
{
	const unsigned char *u = (const unsigned char *)s;
	uint32_t c = 0;
	size_t i = 0;
#if defined(__SSE2__)
	/* Most blocks hold no waking pair: only the pairs found are looked up.
	 * The last block overlaps the one before: the pairs done are masked. */
#if defined(WN_WAKE_AVX2)
	if (!reference && n >= 33 && wn_plain_path() == WN_PLAIN_PATH_AVX2) {
		c = pairs_avx2(u, n);
		i = n;
	}
#endif
	if (!reference && n >= 17 && i == 0) {
		for (; i + 1 < n; i += 16) {
			const size_t at = i + 17 <= n ? i : n - 17;
			for (unsigned m = pair_mask(u + at) >> (i - at) << (i - at); m; m &= m - 1)
				c |= pair_at(u, at + (unsigned)__builtin_ctz(m));
		}
	}
#else
	(void)reference;
#endif
	for (; i + 1 < n; i++)
		c |= pair_at(u, i);
	const size_t m = trimmed_end(s, n);
	if (m >= 2) {
		const unsigned char last = u[m - 1], prev = u[m - 2];
		if (last == '"' || last == '\'' || last == 0x9C || last == 0x98)
			c |= BIT(PR_DANGLING_QUOTE);
		if (last == '.' && (prev == '"' || prev == '\'' || prev == 0x9C || prev == 0x98))
			c |= BIT(PR_QUOTE_BEFORE_PERIOD);
	}
	return c;
}

typedef void punct_fix_fn(struct rewrite *rw);

/* The rules in the order they run. Each rule leaves nothing that a rule
 * before it would change, which makes the stage idempotent: the quotes at
 * a paragraph's end are settled before the space before a mark ("he .“"
 * becomes "he .”", then "he.”"); the period's space splits a dotted token
 * ("said.The?” ?", "you.Therefore,we") before the rules that keep away
 * from dotted tokens look at it; doubled spaces are collapsed only after
 * the space before a mark went (a run of three marks a layout line); a
 * doubled period goes last, once "he,etc.." has become "he, etc..". */
static const struct {
	uint32_t rules;
	punct_fix_fn *fix;
} passes[] = {
	{ BIT(PR_QUOTE_BEFORE_PERIOD), fix_quote_before_period },
	{ BIT(PR_DANGLING_QUOTE), fix_dangling_quote },
	{ BIT(PR_SPACE_AFTER_PERIOD), fix_space_after_period },
	{ BIT(PR_SPACE_BEFORE), fix_space_before },
	{ BIT(PR_SPACE_AFTER) | BIT(PR_QUOTE_AFTER_COMMA), fix_space_after },
	{ BIT(PR_DOUBLE_SPACE), fix_double_space },
	{ BIT(PR_DOUBLE_COMMA), fix_double_comma },
	{ BIT(PR_DOUBLE_PERIOD), fix_double_period },
};

bool wn_punct_test_every_rule;

/* The rules to run on s[0..n): those the cheap look wakes (all of them
 * under wn_punct_test_every_rule), less those switched off. */
static uint32_t todo_of(const struct wn_punct *p, const char *s, size_t n)
{
	const uint32_t c = wn_punct_test_every_rule ? (uint32_t)-1 : candidates(s, n, p->reference);
	return c & ~p->off;
}

int wn_punct_init(struct wn_punct *p, const struct wn_options *opt)
{
	memset(p, 0, sizeof(*p));
	p->off = (uint32_t)(opt->repair_off >> 32);
	return 0;
}

int wn_punct_push(struct wn_punct *p, struct wn_line *line, uint32_t *fired_out)
{
	*fired_out = 0;
	uint32_t todo = todo_of(p, line->ptr, line->len);
	if (!todo)
		return 0;
	struct wn_buf *bufs[2] = { &p->scratch, &p->spare };
	const char *s = line->ptr;
	size_t n = line->len;
	unsigned next = 0;
	int code = -1;
	for (size_t k = 0; k < sizeof(passes) / sizeof(passes[0]); k++) {
		if (!(todo & passes[k].rules))
			continue;
		struct rewrite rw = { .s = s, .n = n, .off = p->off, .out = bufs[next], .code = code,
				      .reference = p->reference };
		passes[k].fix(&rw);
		code = rw.code;
		if (rw.err)
			return rw.err;
		if (!rw.fired)
			continue;
		if (wn_buf_append(rw.out, s + rw.from, n - rw.from) != 0)
			return WN_E_NOMEM;
		*fired_out |= rw.fired;
		s = rw.out->ptr;
		n = rw.out->len;
		next ^= 1;
		todo = todo_of(p, s, n); /* an edit may reveal another */
	}
	if (*fired_out) {
		line->ptr = (char *)(uintptr_t)s;
		line->len = n;
	}
	return 0;
}

const char *wn_punct_rule_name(unsigned bit)
{
	return bit < PR_COUNT ? rule_names[bit] : NULL;
}

void wn_punct_free(struct wn_punct *p)
{
	wn_buf_free(&p->scratch);
	wn_buf_free(&p->spare);
}

uint32_t wn_punct_candidates(const char *s, size_t n, bool reference)
{
	return candidates(s, n, reference);
}
