/* nav.c - --strip-nav: navigation and menu runs found from the text alone
 * (doc/nav.md): each line gets features and jusText's classes (first class,
 * then the context pass) and what lynx left of the markup, and a two-stage
 * model over them (a logistic first stage, then boosted trees on its
 * probabilities of the line and its neighbours, the line's place against
 * the page's main block and the article's end, and the line's features),
 * smoothed over the page's lines by a two-state chain, decides, so a menu
 * goes as a whole. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#define NAV_AVX2 __attribute__((target("avx2")))
#include <immintrin.h>
#endif

#include <utf8proc.h>
#include <xxhash.h>

#include "nav.h"
#include "nav_model.h"

#define MAX_WORD 64                 /* longer tokens are never stop words */
#define SENTENCE_WORDS 6            /* a short line of this many words may be text */
#define SEEN_BYTES ((size_t)4 << 20) /* the repeat table: 256 Ki lines */

static const char *const lang_names[WN_NAV_LANGS] = {
	"en", "de", "fr", "es", "it", "nl", "pt", "pl", "ru", "zh", "ja", "ko",
};


const char *wn_nav_lang_name(int lang)
{
	return lang >= 0 && lang < WN_NAV_LANGS ? lang_names[lang] : "";
}

static int lang_find(const char *p, size_t n)
{
	for (int l = 0; l < WN_NAV_LANGS; l++)
		if (strlen(lang_names[l]) == n && memcmp(lang_names[l], p, n) == 0)
			return l;
	return -1;
}

/* ---- The stop word table ------------------------------------------------- */

static uint64_t word_hash(const char *p, size_t n)
{
	const uint64_t h = XXH3_64bits(p, n);
	return h ? h : 1;
}

static struct wn_nav_slot *slot_of(const struct wn_nav *n, const char *p, size_t len,
				   uint64_t h)
{
	for (size_t i = (size_t)h & n->mask;; i = (i + 1) & n->mask) {
		struct wn_nav_slot *s = &n->slots[i];
		if (s->hash == 0 ||
		    (s->hash == h && s->len == len && memcmp(n->pool.ptr + s->off, p, len) == 0))
			return s;
	}
}

static int add_word(struct wn_nav *n, const char *p, size_t len, int lang)
{
	if (len == 0 || len > MAX_WORD)
		return 0;
	const uint64_t h = word_hash(p, len);
	struct wn_nav_slot *s = slot_of(n, p, len, h);
	if (s->hash == 0) {
		s->hash = h;
		s->off = (uint32_t)n->pool.len;
		s->len = (uint16_t)len;
		if (wn_buf_append(&n->pool, p, len) != 0)
			return WN_E_NOMEM;
	}
	if (!(s->langs >> lang & 1))
		n->nwords[lang]++;
	const unsigned char first = (unsigned char)p[0];
	if (len > n->max_len[first])
		n->max_len[first] = (uint8_t)len;
	s->langs = (uint16_t)(s->langs | 1u << lang);
	return 0;
}

unsigned wn_nav_stopword(const struct wn_nav *n, const char *word, size_t len)
{
	if (len == 0 || len > n->max_len[(unsigned char)word[0]])
		return 0; /* most words are longer than any stop word of their first byte */
	return n->slots[slot_of(n, word, len, word_hash(word, len)) - n->slots].langs;
}

static void add_suffix(struct wn_nav *n, const char *p, size_t len)
{
	int32_t cp;
	if (n->nko_suffix < sizeof(n->ko_suffix) / sizeof(n->ko_suffix[0]) &&
	    wn_utf8_decode((const unsigned char *)p, len, &cp) == len)
		n->ko_suffix[n->nko_suffix++] = (uint32_t)cp;
}

/* Reads rules/stopwords.txt: "[xx]" starts a language, "#" a comment,
 * words are separated by white space. */
static int load_lists(struct wn_nav *n, const char *p, size_t len)
{
	const char *const end = p + len;
	int lang = -1;
	bool suffix = false;
	while (p < end) {
		while (p < end && (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r'))
			p++;
		if (p == end)
			break;
		if (*p == '#') {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			p = nl ? nl : end;
			continue;
		}
		const char *w = p;
		while (p < end && *p != ' ' && *p != '\n' && *p != '\t' && *p != '\r')
			p++;
		const size_t wlen = (size_t)(p - w);
		if (w[0] == '[' && w[wlen - 1] == ']') {
			suffix = wlen == 11 && memcmp(w, "[ko-suffix]", 11) == 0;
			lang = suffix ? -1 : lang_find(w + 1, wlen - 2);
			continue;
		}
		if (suffix)
			add_suffix(n, w, wlen);
		else if (lang >= 0 && add_word(n, w, wlen, lang) != 0)
			return WN_E_NOMEM;
	}
	return 0;
}

static void plain_init(uint8_t plain[256]);
static void title_class_init(uint8_t cls[256]);

int wn_nav_init(struct wn_nav *n, const struct wn_options *opt)
{
	memset(n, 0, sizeof(*n));
	n->conf.short_chars = opt->nav_short ? opt->nav_short : WN_DEFAULT_NAV_SHORT;
	n->conf.long_chars = opt->nav_long ? opt->nav_long : WN_DEFAULT_NAV_LONG;
	n->conf.heading_chars = opt->nav_heading ? opt->nav_heading : WN_DEFAULT_NAV_HEADING;
	n->conf.stop_low = opt->nav_stop_low > 0 ? opt->nav_stop_low : WN_DEFAULT_NAV_STOP_LOW;
	n->conf.stop_high = opt->nav_stop_high > 0 ? opt->nav_stop_high : WN_DEFAULT_NAV_STOP_HIGH;
	if (n->conf.stop_high < n->conf.stop_low)
		n->conf.stop_high = n->conf.stop_low;
	n->conf.lang_min = WN_NAV_LANG_MIN;
	n->conf.threshold = opt->nav_threshold > 0 ? opt->nav_threshold : WN_DEFAULT_NAV_THRESHOLD;
	n->dump = opt->nav_dump;
	n->dump_ctx = opt->nav_dump_ctx;
	n->window = opt->max_doc && opt->max_doc < WN_NAV_WINDOW ? opt->max_doc : WN_NAV_WINDOW;
	n->lang = WN_NAV_NO_LANG;
	plain_init(n->plain);
	title_class_init(n->title_class);
	for (size_t i = 0; i < WN_NAV_LOG1P_SMALL; i++)
		n->log1p_small[i] = log1p((double)i);
	n->mask = 4095;
	n->slots = calloc(n->mask + 1, sizeof(*n->slots));
	if (!n->slots)
		return WN_E_NOMEM;
	int rc = load_lists(n, (const char *)wn_stopwords_text, wn_stopwords_len);
	if (!rc)
		rc = wn_freq_init(&n->seen, SEEN_BYTES);
	return rc;
}

void wn_nav_free(struct wn_nav *n)
{
	free(n->slots);
	wn_buf_free(&n->pool);
	wn_doc_free(&n->doc);
	free(n->feat);
	wn_freq_free(&n->seen);
	wn_buf_free(&n->fin);
	wn_buf_free(&n->model);
	wn_buf_free(&n->slug);
	wn_buf_free(&n->slug_text);
	memset(n, 0, sizeof(*n));
}

/* ---- Features -------------------------------------------------------------- */

enum kind { K_SPACE, K_LOWER, K_UPPER, K_DIGIT, K_CJK, K_HANGUL, K_APOS, K_SYMBOL };

static enum kind kind_of(int32_t cp)
{
	if (cp < 0x80) {
		if (cp >= 'a' && cp <= 'z')
			return K_LOWER;
		if (cp >= 'A' && cp <= 'Z')
			return K_UPPER;
		if (cp >= '0' && cp <= '9')
			return K_DIGIT;
		if (cp == ' ' || cp == '\t' || cp == '\v' || cp == '\f' || cp == '\r')
			return K_SPACE;
		return cp == '\'' ? K_APOS : K_SYMBOL;
	}
	if ((cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
	    (cp >= 0x3040 && cp <= 0x30FF) || (cp >= 0xF900 && cp <= 0xFAFF) ||
	    (cp >= 0x20000 && cp <= 0x2FFFF))
		return K_CJK;
	if (cp >= 0xAC00 && cp <= 0xD7A3)
		return K_HANGUL;
	if (cp == 0x2019)
		return K_APOS;
	switch (utf8proc_category(cp)) {
	case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LT:
		return K_UPPER;
	case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_LO:
	case UTF8PROC_CATEGORY_MN: case UTF8PROC_CATEGORY_MC: case UTF8PROC_CATEGORY_ME:
		return K_LOWER;
	case UTF8PROC_CATEGORY_ND:
		return K_DIGIT;
	case UTF8PROC_CATEGORY_ZS:
		return K_SPACE;
	default:
		return K_SYMBOL;
	}
}

static bool ko_suffix(const struct wn_nav *n, int32_t cp)
{
	for (unsigned i = 0; i < n->nko_suffix; i++)
		if (n->ko_suffix[i] == (uint32_t)cp)
			return true;
	return false;
}

/* The word being read: lowercased, cut at MAX_WORD bytes (a longer one is
 * counted, never looked up). */
struct word {
	char buf[MAX_WORD + 4];
	size_t len;
	size_t ncp;   /* its code points */
	int32_t last; /* its last code point */
	bool cut;
};

/* The bit of wn_nav_feat.title_bits for the lowercased ASCII word
 * p[0..len) (len >= 3; p has 8 bytes readable): its first 8 bytes and
 * its length, hashed to 6 bits. Words that share them share the bit. */
static unsigned title_bit(const char *p, size_t len)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	if (len < 8)
		v &= (1ull << (8 * len)) - 1;
	return (unsigned)(((v ^ len) * 0x9E3779B97F4A7C15ull) >> 58);
}

/* Counts a word, lowercased in buf[0..len) (8 bytes readable), of ncp
 * code points, the last one last; cut: longer than buf holds. A stop word
 * of which languages: a Korean word of two syllables or more is one when
 * it ends in a particle. Its bit goes to the line's title_bits: every bit
 * when it is not all ASCII (or cut). */
static inline void count_word(const struct wn_nav *n, struct wn_nav_feat *out,
			      const char *buf, size_t len, size_t ncp, int32_t last, bool cut)
{
	out->words++;
	if (len != ncp)
		out->title_bits = ~0ull;
	else if (len >= 3)
		out->title_bits |= 1ull << title_bit(buf, len);
	unsigned langs = cut ? 0 : wn_nav_stopword(n, buf, len);
	if (!(langs >> WN_NAV_KO & 1) && ncp >= 2 && last >= 0xAC00 && last <= 0xD7A3 &&
	    ko_suffix(n, last))
		langs |= 1u << WN_NAV_KO;
	for (unsigned l = 0; langs; l++, langs >>= 1)
		out->stops[l] = (uint16_t)(out->stops[l] + (langs & 1));
}

static void end_word(const struct wn_nav *n, struct wn_nav_feat *out, struct word *w)
{
	if (w->ncp == 0)
		return;
	count_word(n, out, w->buf, w->len, w->ncp, w->last, w->cut);
	w->len = w->ncp = 0;
	w->cut = false;
}

static void put_cp(struct word *w, int32_t cp)
{
	w->ncp++;
	w->last = cp;
	if (w->len > MAX_WORD) {
		w->cut = true;
		return;
	}
	if (cp < 0x80)
		w->buf[w->len++] = (char)cp;
	else
		w->len += wn_utf8_encode(cp, w->buf + w->len);
}

static void markup_features(const uint8_t plain[256], const unsigned char *s, size_t len,
			    bool avx2, float *x);

#define ASCII_MAX 4096 /* the longest line ascii_avx2 takes */

#if defined(NAV_AVX2)
/* The bytes of x from lo to lo + n, unsigned. */
static inline NAV_AVX2 __m256i byte_in(__m256i x, unsigned char lo, unsigned char n)
{
	const __m256i d = _mm256_sub_epi8(x, _mm256_set1_epi8((char)lo));
	return _mm256_cmpeq_epi8(_mm256_min_epu8(d, _mm256_set1_epi8((char)n)), d);
}

/* is_space's (and kind_of's) spaces: ' ' and '\t' to '\r' but '\n'. */
static inline NAV_AVX2 __m256i space_bytes(__m256i x)
{
	return _mm256_or_si256(_mm256_cmpeq_epi8(x, _mm256_set1_epi8(' ')),
			       _mm256_andnot_si256(_mm256_cmpeq_epi8(x, _mm256_set1_epi8('\n')),
						   byte_in(x, '\t', 4)));
}

/* wn_nav_features' loop for a line of len <= ASCII_MAX bytes, 32 bytes a
 * step: false when a byte is not ASCII (the loop then reads the line).
 * Every ASCII byte is a character; a word is a run of letters and digits,
 * lowercased into a copy of the line, and goes to count_word as put_cp
 * would have left it. */
static __attribute__((target("avx2,popcnt"))) bool
ascii_avx2(const struct wn_nav *n, const unsigned char *s, size_t len, struct wn_nav_feat *out)
{
	char low[ASCII_MAX + 64];
	uint32_t word[ASCII_MAX / 32 + 1], upper[ASCII_MAX / 32];
	uint32_t digits = 0, symbols = 0;
	const size_t nb = (len + 31) / 32;
	for (size_t b = 0; b < nb; b++) {
		const size_t at = 32 * b, have = len - at < 32 ? len - at : 32;
		__m256i x;
		if (have == 32) {
			x = _mm256_loadu_si256((const __m256i *)(s + at));
		} else {
			unsigned char tail[32] = { 0 };
			memcpy(tail, s + at, have);
			x = _mm256_loadu_si256((const __m256i *)tail);
		}
		if (_mm256_movemask_epi8(x))
			return false;
		const uint32_t valid = have == 32 ? ~0u : (1u << have) - 1;
		const __m256i alpha = byte_in(_mm256_or_si256(x, _mm256_set1_epi8(0x20)), 'a', 25);
		const __m256i up = byte_in(x, 'A', 25), digit = byte_in(x, '0', 9);
		const __m256i space = space_bytes(x);
		const uint32_t dm = (uint32_t)_mm256_movemask_epi8(digit);
		const uint32_t wm = ((uint32_t)_mm256_movemask_epi8(alpha) | dm) & valid;
		const uint32_t sm = (uint32_t)_mm256_movemask_epi8(space) & valid;
		word[b] = wm;
		upper[b] = (uint32_t)_mm256_movemask_epi8(up);
		digits += (uint32_t)__builtin_popcount(dm & valid);
		symbols += (uint32_t)__builtin_popcount(valid & ~wm & ~sm);
		_mm256_storeu_si256((__m256i *)(low + at),
				    _mm256_or_si256(x, _mm256_and_si256(up, _mm256_set1_epi8(0x20))));
	}
	word[nb] = 0;
	_mm256_storeu_si256((__m256i *)(low + 32 * nb), _mm256_setzero_si256());
	uint32_t caps = 0;
	for (size_t i = 0;;) { /* each word: its first bit set, then its first bit clear */
		size_t b = i / 32;
		uint32_t m = word[b] & ~0u << (i % 32);
		while (!m) {
			if (++b >= nb)
				goto done;
			m = word[b];
		}
		const size_t start = 32 * b + (size_t)__builtin_ctz(m);
		m = ~word[b] & ~0u << (start % 32);
		while (!m)
			m = ~word[++b]; /* word[nb] is 0 */
		const size_t end = 32 * b + (size_t)__builtin_ctz(m), wl = end - start;
		caps += upper[start / 32] >> (start % 32) & 1;
		count_word(n, out, low + start, wl <= MAX_WORD ? wl : MAX_WORD + 1, wl, s[end - 1],
			   wl > MAX_WORD + 1);
		i = end;
	}
done:
	out->chars = (uint32_t)len;
	out->caps = caps;
	out->digits = digits;
	out->symbols = symbols;
	return true;
}
#endif

/* A line's characters, words, capitals, digits, symbols, stop words and
 * title bits, a code point at a time. */
static void count_line(const struct wn_nav *n, const unsigned char *s, size_t len,
		       struct wn_nav_feat *out)
{
	struct word w = { .len = 0 };
	for (size_t i = 0; i < len;) {
		int32_t cp = s[i];
		size_t k = 1;
		if (cp >= 0x80 && (k = wn_utf8_decode(s + i, len - i, &cp)) == 0) {
			cp = 0xFFFD;
			k = 1;
		}
		i += k;
		const enum kind kd = kind_of(cp);
		switch (kd) {
		case K_UPPER:
			if (w.ncp == 0)
				out->caps++;
			cp = cp < 0x80 ? cp | 0x20 : utf8proc_tolower(cp);
			out->chars++;
			put_cp(&w, cp);
			break;
		case K_LOWER: case K_DIGIT: case K_HANGUL:
			out->chars += kd == K_HANGUL ? 2 : 1;
			out->digits += kd == K_DIGIT;
			put_cp(&w, cp);
			break;
		case K_CJK:
			end_word(n, out, &w);
			out->chars += 3;
			put_cp(&w, cp);
			end_word(n, out, &w);
			break;
		case K_SPACE:
			end_word(n, out, &w);
			out->chars++;
			break;
		case K_APOS: case K_SYMBOL:
			end_word(n, out, &w);
			out->chars++;
			out->symbols++;
			break;
		}
	}
	end_word(n, out, &w);
}

void wn_nav_features(const struct wn_nav *n, const char *p, size_t len, struct wn_nav_feat *out)
{
	memset(out, 0, sizeof(*out));
	const unsigned char *s = (const unsigned char *)p;
	/* the AVX2 steps (ascii_avx2, markup_avx2): chosen as plain.c's pass is */
	bool avx2 = false, counted = false;
#if defined(NAV_AVX2)
	avx2 = wn_plain_path() == WN_PLAIN_PATH_AVX2 && __builtin_cpu_supports("popcnt");
	/* ascii_avx2 touches out only when it returns true */
	counted = avx2 && len <= ASCII_MAX && ascii_avx2(n, s, len, out);
#endif
	if (!counted)
		count_line(n, s, len, out);
	out->ends = wn_ends_marked(p, len);
	markup_features(n->plain, s, len, avx2, out->markup);
	/* A short line's repeats are counted when its document is judged. */
	if (out->chars < n->conf.short_chars)
		out->line_hash = XXH3_64bits(p, len) | 1;
}

int wn_nav_add(struct wn_nav *n, const struct wn_judged *v, const char *text, const void *made)
{
	if (n->doc.n == n->feat_cap) {
		const size_t cap = n->feat_cap ? 2 * n->feat_cap : 256;
		struct wn_nav_feat *feat = realloc(n->feat, cap * sizeof(*feat));
		if (!feat)
			return WN_E_NOMEM;
		n->feat = feat;
		n->feat_cap = cap;
	}
	struct wn_nav_feat *f = &n->feat[n->doc.n];
	if (v->blank) {
		memset(f, 0, sizeof(*f));
		f->cls = WN_NAV_SKIP;
	} else {
		if (made)
			memcpy(f, made, sizeof(*f));
		else
			wn_nav_features(n, text, v->len, f);
		f->prior = v->reason == WN_DROP_RULE || v->reason == WN_DROP_ZONE ||
			   v->reason == WN_DROP_FREQUENT;
		/* Counted when the document is judged: the bucket is fetched
		 * meanwhile. */
		if (f->line_hash)
			wn_freq_prefetch(&n->seen, f->line_hash);
	}
	return wn_doc_append(&n->doc, v, text);
}

/* ---- Classes ----------------------------------------------------------------- */

/* The language with the most stop words, when they are at least lang_min
 * of the words: -1 when no list fits the text. */
static int guess_lang(const struct wn_nav *n)
{
	uint64_t hits[WN_NAV_LANGS] = { 0 }, words = 0;
	for (size_t i = 0; i < n->doc.n; i++) {
		const struct wn_nav_feat *f = &n->feat[i];
		words += f->words;
		for (int l = 0; l < WN_NAV_LANGS; l++)
			hits[l] += f->stops[l];
	}
	int best = WN_NAV_NO_LANG;
	for (int l = 0; l < WN_NAV_LANGS; l++)
		if (hits[l] && (best < 0 || hits[l] > hits[best]))
			best = l;
	if (best < 0 || (double)hits[best] < n->conf.lang_min * (double)words)
		return WN_NAV_NO_LANG;
	return best;
}

/* jusText's first class, from the line alone. Without a stop word list,
 * only length, punctuation and symbols. */
static enum wn_nav_class first_class(const struct wn_nav_conf *c, const struct wn_nav_feat *f,
				     int lang)
{
	if (f->prior || f->repeat)
		return WN_NAV_BAD;
	const double share = lang >= 0 && f->words ? (double)f->stops[lang] / (double)f->words : 0.0;
	if (f->chars < c->short_chars)
		/* A short line of many words, as many stop words as text has, is
		 * a piece of hard-wrapped text, not a menu item. */
		return f->words >= SENTENCE_WORDS && share >= c->stop_high ? WN_NAV_NEAR
									  : WN_NAV_SHORT;
	if (lang < 0) {
		if (2 * f->symbols > f->chars)
			return WN_NAV_BAD;
		return f->ends || f->chars >= c->long_chars ? WN_NAV_GOOD : WN_NAV_NEAR;
	}
	if (share >= c->stop_high)
		return f->chars >= c->long_chars ? WN_NAV_GOOD : WN_NAV_NEAR;
	if (share >= c->stop_low)
		return WN_NAV_NEAR;
	return WN_NAV_BAD;
}

/* For each line i, the class of the nearest line before it (or after it,
 * backward) that is not short nor blank, in loose[i], and that is not
 * near-good either, in strict[i]; edge past the window's end. One sweep,
 * so a run of a hundred thousand short lines costs no more than its
 * length. */
static void sweep(const uint8_t *fin, size_t cnt, bool backward, uint8_t edge, uint8_t *strict,
		  uint8_t *loose)
{
	uint8_t s = edge, l = edge;
	for (size_t k = 0; k < cnt; k++) {
		const size_t i = backward ? cnt - 1 - k : k;
		strict[i] = s;
		loose[i] = l;
		const uint8_t c = fin[i];
		if (c == WN_NAV_SKIP || c == WN_NAV_SHORT)
			continue;
		l = c;
		if (c != WN_NAV_NEAR)
			s = c;
	}
}

/* A short line that may be a heading: a good line follows within
 * heading_chars (jusText's rule for <h> elements, here for any short line
 * that is no repeat and has a letter). */
static bool heads_text(const struct wn_nav *n, const uint8_t *fin, size_t i)
{
	const struct wn_nav_feat *f = n->feat;
	if (f[i].repeat || f[i].prior || f[i].words == 0 || f[i].digits == f[i].chars)
		return false;
	uint32_t dist = 0; /* blank lines count one: the loop stays short */
	for (size_t j = i + 1; j < n->doc.n && dist <= n->conf.heading_chars; j++) {
		if (fin[j] == WN_NAV_GOOD)
			return true;
		dist += f[j].chars + 1;
	}
	return false;
}

/* The context pass: short lines between good text are text, between bad
 * lines junk; between the two, text when a near-good line is next to them;
 * near-good lines are junk only between bad ones. nb holds 4 * cnt bytes
 * for the neighbours' classes. */
static void context(struct wn_nav *n, uint8_t *fin, uint8_t *nb, uint8_t top, uint8_t bottom)
{
	const size_t cnt = n->doc.n;
	uint8_t *prev = nb, *prev_any = nb + cnt, *next = nb + 2 * cnt, *next_any = nb + 3 * cnt;
	for (size_t i = 0; i < cnt; i++)
		if (fin[i] == WN_NAV_SHORT && heads_text(n, fin, i))
			fin[i] = WN_NAV_NEAR;
	/* Short lines, decided all at once from the classes before. */
	sweep(fin, cnt, false, top, prev, prev_any);
	sweep(fin, cnt, true, bottom, next, next_any);
	for (size_t i = 0; i < cnt; i++) {
		if (fin[i] != WN_NAV_SHORT)
			continue;
		if (prev[i] == WN_NAV_GOOD && next[i] == WN_NAV_GOOD)
			fin[i] = WN_NAV_GOOD;
		else if (prev[i] == WN_NAV_BAD && next[i] == WN_NAV_BAD)
			fin[i] = WN_NAV_BAD;
		else if ((prev[i] == WN_NAV_BAD && prev_any[i] == WN_NAV_NEAR) ||
			 (next[i] == WN_NAV_BAD && next_any[i] == WN_NAV_NEAR))
			fin[i] = WN_NAV_GOOD;
		else
			fin[i] = WN_NAV_BAD;
	}
	sweep(fin, cnt, false, top, prev, prev_any);
	sweep(fin, cnt, true, bottom, next, next_any);
	for (size_t i = 0; i < cnt; i++)
		if (fin[i] == WN_NAV_NEAR)
			fin[i] = prev[i] == WN_NAV_BAD && next[i] == WN_NAV_BAD ? WN_NAV_BAD
										: WN_NAV_GOOD;
	/* A heading whose line alone was not bad stays with the text after it. */
	for (size_t i = 0; i < cnt; i++)
		if (fin[i] == WN_NAV_BAD && n->feat[i].cls != WN_NAV_BAD && heads_text(n, fin, i))
			fin[i] = WN_NAV_GOOD;
}

/* ---- The model ---------------------------------------------------------------- */

/* The features of the model, by index in a line's vector (doc/nav.md). */
enum {
	X_BIAS, X_CHARS, X_WORDS, X_STOPS, X_ENDS, X_CAPS, X_DIGITS, X_SYMBOLS, X_REPEAT,
	X_NO_LANG, X_JT_GOOD, X_FIRST_GOOD, X_FIRST_BAD, X_FIRST_SHORT,
	X_PREV_CHARS, X_PREV_STOPS, X_PREV_ENDS, X_NEXT_CHARS, X_NEXT_STOPS, X_NEXT_ENDS,
	X_RUN, X_POS, X_NEAR_GOOD, X_NEAR_CHARS, X_DOC_GOOD, X_SHORT_STOPS, X_NO_LANG_ENDS,
	X_FROM_START, X_TO_END, X_ANY_GOOD, X_SHORT, X_DENSE_NEAR, X_DENSE_FAR, X_TEXTY, X_DOC_TEXTY,
	X_BRACKETED, X_BRACKET_SHARE, X_BUTTON, X_ONE_TOKEN, X_COUNTED, X_COLON, X_DATE, X_ADDRESS,
	X_COUNT
};
_Static_assert(X_COUNT == WN_NAV_NF1, "nav_model.h does not fit the features");
/* The features of the text alone come last: markup_features computes
 * them with the line's other features, on either thread, and
 * line_features copies them. A new one of that kind goes at the end. */
#define X_MARKUP X_BRACKETED
_Static_assert(X_COUNT - X_MARKUP == WN_NAV_MARKUP, "WN_NAV_MARKUP (nav.h) is wrong");
/* The page's title (title_features), which the first stage's gate reads
 * (wn_nav_wg: on pages with a title, z becomes wg[0] + wg[1] z +
 * wg[2] x[T_AFTER] + wg[3] x[T_BEFORE]): log(1 + lines) / 5 after the
 * title line, before it, the page has one. They follow the first stage's
 * features in a line's row of X_ROW, and --nav-dump writes them too. */
enum { T_AFTER = X_COUNT, T_BEFORE, T_TITLED, X_ROW };
_Static_assert(WN_NAV_NG == 4, "nav_model.h's gate does not fit the title's features");
/* The trees' inputs: second_stage's WN_NAV_NF2, then the line's row. */
#define TREE_INPUTS (WN_NAV_NF2 + X_ROW)
_Static_assert(WN_NAV_DEPTH == 4, "trees_avx2 takes trees of depth 4 (16 leaves)");

#define CONTEXT_LINES 5   /* X_NEAR_*: the lines this close on each side */
#define DENSE_NEAR 10     /* X_DENSE_*: the text within this many lines, over */
#define DENSE_FAR 30      /* its most in the window (where the article is) */

/* The model's buffers for m non-blank lines: the first stage's
 * probabilities and six prefix sums (the last of the rules' lines), the
 * lines to the next strong line and the rules' lines among them, the
 * second stage's probabilities and the smoothing's posteriors, the lines'
 * indexes, the features, and the trees' columns (in: column c of the i-th
 * line a rule did not drop at in[c * stride + i]) and margins. */
struct model_bufs {
	double *p1, *sum_p1, *sum_good, *sum_chars, *sum_text, *sum_len, *sum_rules, *dense,
		*rules_until, *p2, *post;
	size_t *idx;
	float *x, *in, *z;
	size_t stride; /* m rounded up to 8 lines, trees_avx2's step */
	/* the main block: the lines lo .. hi, and its share of the text */
	size_t lo, hi;
	double share;
};

static int model_reserve(struct wn_nav *n, size_t m, struct model_bufs *b)
{
	const size_t stride = (m + 7) & ~(size_t)7;
	const size_t nd = 5 * m + 6 * (m + 1), need = nd * sizeof(double) + m * sizeof(size_t) +
					     (m * X_ROW + (WN_NAV_NCOL + 1) * stride) *
						     sizeof(float);
	if (n->model.cap < need && wn_buf_reserve(&n->model, need) != 0)
		return WN_E_NOMEM;
	double *d = (double *)(void *)n->model.ptr;
	b->p1 = d;
	b->sum_p1 = d + m;
	b->sum_good = b->sum_p1 + m + 1;
	b->sum_chars = b->sum_good + m + 1;
	b->sum_text = b->sum_chars + m + 1;
	b->sum_len = b->sum_text + m + 1;
	b->sum_rules = b->sum_len + m + 1;
	b->dense = b->sum_rules + m + 1;
	b->rules_until = b->dense + m;
	b->p2 = b->rules_until + m;
	b->post = b->p2 + m;
	b->idx = (size_t *)(void *)(d + nd);
	b->x = (float *)(void *)(b->idx + m);
	b->in = b->x + m * X_ROW;
	b->z = b->in + WN_NAV_NCOL * stride;
	b->stride = stride;
	return 0;
}

/* log1p of a count (a whole number, as the model's features take it): a
 * table look-up for the small ones, the same value log1p gives. */
static double log1p_count(const struct wn_nav *n, double v)
{
	return v < (double)WN_NAV_LOG1P_SMALL ? n->log1p_small[(size_t)v] : log1p(v);
}

static float logf1(const struct wn_nav *n, double v, float scale)
{
	return (float)log1p_count(n, v) / scale;
}

static bool is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* A letter, digit or underscore; any byte of a multibyte character counts
 * as one (a word of another script). */
static bool is_wordc(unsigned char c)
{
	return c >= 0x80 || is_digit(c) || c == '_' || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

/* s[i..] starts with the ASCII word w, in any case. */
static bool has_at(const unsigned char *s, size_t len, size_t i, const char *w)
{
	const size_t k = strlen(w);
	if (len - i < k)
		return false;
	for (size_t j = 0; j < k; j++)
		if ((s[i + j] | 0x20) != (unsigned char)w[j])
			return false;
	return true;
}

/* An address or an image's file name: "http:", "https:", "www." or an
 * image extension at a word's end. */
static bool address_at(const unsigned char *s, size_t len, size_t i)
{
	static const char *const ext[] = { ".jpg", ".jpeg", ".png", ".gif", ".webp", ".svg" };
	if ((s[i] | 0x20) == 'h')
		return has_at(s, len, i, "http:") || has_at(s, len, i, "https:");
	if ((s[i] | 0x20) == 'w')
		return has_at(s, len, i, "www.");
	if (s[i] != '.')
		return false;
	for (size_t e = 0; e < sizeof(ext) / sizeof(ext[0]); e++) {
		const size_t k = strlen(ext[e]);
		if (has_at(s, len, i, ext[e]) && (i + k == len || !is_wordc(s[i + k])))
			return true;
	}
	return false;
}

/* What markup_features counts as it reads a line. */
struct markup {
	size_t cps, bracketed, open, token, longest;
	bool in_bracket, button, date, address;
};

/* markup_features' byte s[i] that plain (plain_init) says is not plain. */
static inline void markup_byte(struct markup *m, const unsigned char *s, size_t len, size_t i)
{
	const unsigned char c = s[i];
	m->cps++;
	if (is_space(c)) {
		m->longest = m->token > m->longest ? m->token : m->longest;
		m->token = 0;
		return;
	}
	m->token++;
	if (c == '[' && !m->in_bracket) {
		m->in_bracket = true;
		m->open = m->cps;
	} else if (c == ']' && m->in_bracket) {
		m->in_bracket = false;
		m->bracketed += m->cps - m->open + 1;
	} else if (c == '(' && !m->button) {
		size_t j = i + 1;
		while (j < len && s[j] >= 'A' && s[j] <= 'Z')
			j++;
		m->button = j - i > 3 && j < len && s[j] == ')';
	} else if (c == ':' && !m->date && i > 0 && is_digit(s[i - 1])) {
		m->date = i + 2 < len && is_digit(s[i + 1]) && is_digit(s[i + 2]);
	} else if (is_digit(c) && !m->date && (i == 0 || !is_wordc(s[i - 1]))) {
		/* a year 1900 - 2099 as a word of its own */
		m->date = i + 4 <= len &&
			  ((c == '1' && s[i + 1] == '9') || (c == '2' && s[i + 1] == '0')) &&
			  is_digit(s[i + 2]) && is_digit(s[i + 3]) &&
			  (i + 4 == len || !is_wordc(s[i + 4]));
	}
	if (!m->address)
		m->address = address_at(s, len, i);
}

#if defined(NAV_AVX2)
/* markup_features' bytes 32 at a time, as many whole steps as len holds
 * (returns where it stopped): the plain bytes (plain_init) are counted by
 * their bits (a code point's first byte counts), the others go one by one
 * to markup_byte. The bytes that are not plain: NUL, is_space's spaces,
 * digits, [ ] ( ) : . h H w W. */
static __attribute__((target("avx2,popcnt"))) size_t
markup_avx2(struct markup *m, const unsigned char *s, size_t len)
{
#define EQ(x, c) _mm256_cmpeq_epi8(x, _mm256_set1_epi8((char)(c)))
	size_t at = 0;
	for (; at + 32 <= len; at += 32) {
		const __m256i v = _mm256_loadu_si256((const __m256i *)(const void *)(s + at));
		const __m256i lower = _mm256_or_si256(v, _mm256_set1_epi8(0x20));
		__m256i x = _mm256_or_si256(space_bytes(v), byte_in(v, '0', 9));
		x = _mm256_or_si256(x, EQ(v, 0));
		x = _mm256_or_si256(x, _mm256_or_si256(EQ(v, '['), EQ(v, ']')));
		x = _mm256_or_si256(x, _mm256_or_si256(EQ(v, '('), EQ(v, ')')));
		x = _mm256_or_si256(x, _mm256_or_si256(EQ(v, ':'), EQ(v, '.')));
		x = _mm256_or_si256(x, _mm256_or_si256(EQ(lower, 'h'), EQ(lower, 'w')));
		const uint32_t special = (uint32_t)_mm256_movemask_epi8(x);
		const uint32_t starts = ~(uint32_t)_mm256_movemask_epi8(
			EQ(_mm256_and_si256(v, _mm256_set1_epi8((char)0xC0)), 0x80));
		uint32_t done = 0; /* the bits of the bytes counted */
		for (uint32_t rest = special; rest; rest &= rest - 1) {
			const uint32_t below = (rest & -rest) - 1; /* the bytes before this one */
			const unsigned plain = (unsigned)__builtin_popcount(starts & below & ~done);
			m->cps += plain;
			m->token += plain;
			markup_byte(m, s, len, at + (size_t)__builtin_ctz(rest));
			done = below | (rest & -rest);
		}
		const unsigned plain = (unsigned)__builtin_popcount(starts & ~done);
		m->cps += plain;
		m->token += plain;
	}
#undef EQ
	return at;
}
#endif

/* plain[c]: 1 for a byte that starts a code point markup_features need
 * not look at (not a space, a bracket, '(', ':', '.', a digit, nor the
 * first letter of "http" or "www"), 2 for a continuation byte, 0 else. */
static void plain_init(uint8_t plain[256])
{
	for (unsigned c = 0; c < 256; c++) {
		const unsigned char b = (unsigned char)c;
		plain[c] = (b & 0xC0) == 0x80 ? 2 : 1;
		if (is_space(b) || is_digit(b) || strchr("[]():.hHwW", b) || b == 0)
			plain[c] = 0;
	}
}

/* What text extracted from HTML leaves of its markup (lynx, WET): a line
 * that is one bracketed marker ("[photo.jpg]"), the share of its
 * characters inside brackets, a form control "(BUTTON)", a line that is
 * one long token (a file name, an address), a count "22 comments", a
 * line ending in a colon ("X says:"), a time or a year, an address or an
 * image's file name. Lengths in code points. x: the WN_NAV_MARKUP features
 * from X_MARKUP on (x[X_F - X_MARKUP] is feature X_F); avx2: read 32
 * bytes a step (markup_avx2). The one place
 * computing features of the text alone: called by wn_nav_features, so on
 * the worker thread too. */
static void markup_features(const uint8_t plain[256], const unsigned char *s, size_t len,
			    bool avx2, float *x)
{
	while (len > 0 && is_space(s[len - 1]))
		len--;
	while (len > 0 && is_space(s[0])) {
		s++;
		len--;
	}
	struct markup m = { 0 };
	size_t at = 0;
#if defined(NAV_AVX2)
	if (avx2)
		at = markup_avx2(&m, s, len);
#else
	(void)avx2;
#endif
	for (; at < len; at++) {
		const unsigned char c = s[at];
		if (plain[c]) { /* most bytes: a code point of a word, nothing more */
			m.cps += plain[c] & 1;
			m.token += plain[c] & 1;
			continue;
		}
		markup_byte(&m, s, len, at);
	}
	const size_t longest = m.token > m.longest ? m.token : m.longest;
	x[X_BRACKETED - X_MARKUP] = len >= 2 && s[0] == '[' && s[len - 1] == ']';
	x[X_BRACKET_SHARE - X_MARKUP] = m.cps ? (float)((double)m.bracketed / (double)m.cps) : 0.0f;
	x[X_BUTTON - X_MARKUP] = m.button;
	x[X_ONE_TOKEN - X_MARKUP] = m.cps >= 12 ? (float)((double)longest / (double)m.cps) : 0.0f;
	/* "22 comments": digits, spaces, one word */
	size_t i = 0;
	while (i < len && is_digit(s[i]))
		i++;
	size_t j = i;
	while (j < len && is_space(s[j]))
		j++;
	bool counted = i > 0 && j > i && j < len;
	for (size_t k = j; counted && k < len; k++)
		counted = is_wordc(s[k]);
	x[X_COUNTED - X_MARKUP] = counted;
	x[X_COLON - X_MARKUP] = len > 0 && s[len - 1] == ':';
	x[X_DATE - X_MARKUP] = m.date;
	x[X_ADDRESS - X_MARKUP] = m.address;
}

/* The features of the line alone, and the jusText classes. */
static void line_features(const struct wn_nav *n, const struct wn_nav_feat *f, uint8_t final,
			  float *x)
{
	const double words = f->words ? (double)f->words : 1.0;
	const double chars = f->chars ? (double)f->chars : 1.0;
	const bool is_short = f->chars < n->conf.short_chars;
	memset(x, 0, X_ROW * sizeof(*x));
	x[X_BIAS] = 1.0f;
	x[X_CHARS] = logf1(n, f->chars, 5.0f);
	x[X_WORDS] = logf1(n, f->words, 4.0f);
	x[X_STOPS] = n->lang >= 0 ? (float)((double)f->stops[n->lang] / words) : 0.0f;
	x[X_ENDS] = f->ends;
	x[X_CAPS] = (float)((double)f->caps / words);
	x[X_DIGITS] = (float)((double)f->digits / chars);
	x[X_SYMBOLS] = (float)((double)f->symbols / chars);
	x[X_REPEAT] = f->repeat;
	x[X_NO_LANG] = n->lang < 0;
	x[X_JT_GOOD] = final == WN_NAV_GOOD;
	x[X_FIRST_GOOD] = f->cls == WN_NAV_GOOD;
	x[X_FIRST_BAD] = f->cls == WN_NAV_BAD;
	x[X_FIRST_SHORT] = f->cls == WN_NAV_SHORT;
	x[X_SHORT] = is_short;
	x[X_SHORT_STOPS] = is_short ? x[X_STOPS] : 0.0f;
	x[X_NO_LANG_ENDS] = x[X_NO_LANG] * x[X_ENDS];
	/* Like a sentence, hard-wrapped or not: enough words, and stop words
	 * when the language has a list. */
	x[X_TEXTY] = f->words >= SENTENCE_WORDS && (n->lang < 0 || x[X_STOPS] >= n->conf.stop_low);
	memcpy(x + X_MARKUP, f->markup, sizeof(f->markup));
}

/* The text (characters of lines like sentences: X_TEXTY) within r lines of
 * each line, over the most of any line: out[k * X_ROW]. */
static void dense(const double *sum, size_t m, size_t r, double *tmp, float *out)
{
	double most = 0.0;
	for (size_t k = 0; k < m; k++) {
		const size_t lo = k > r ? k - r : 0, hi = k + r + 1 < m ? k + r + 1 : m;
		tmp[k] = sum[hi] - sum[lo];
		if (tmp[k] > most)
			most = tmp[k];
	}
	for (size_t k = 0; k < m; k++)
		out[k * X_ROW] = most > 0.0 ? (float)(tmp[k] / most) : 0.0f;
}

/* The features that look at the other lines of the window. */
static void context_features(const struct wn_nav *n, struct model_bufs *b, size_t m,
			     bool any_good)
{
	b->sum_good[0] = b->sum_chars[0] = b->sum_text[0] = b->sum_len[0] = 0.0;
	size_t texty = 0;
	for (size_t k = 0; k < m; k++) {
		const float *x = b->x + k * X_ROW;
		const struct wn_nav_feat *f = &n->feat[b->idx[k]];
		b->sum_good[k + 1] = b->sum_good[k] + x[X_JT_GOOD];
		b->sum_chars[k + 1] = b->sum_chars[k] + x[X_CHARS];
		b->sum_text[k + 1] = b->sum_text[k] + (x[X_TEXTY] > 0.0f ? f->chars : 0);
		b->sum_len[k + 1] = b->sum_len[k] + f->chars;
		texty += x[X_TEXTY] > 0.0f;
	}
	dense(b->sum_text, m, DENSE_NEAR, b->dense, b->x + X_DENSE_NEAR);
	dense(b->sum_text, m, DENSE_FAR, b->dense, b->x + X_DENSE_FAR);
	size_t run = 0;
	for (size_t k = 0; k < m; k++) { /* forward: the run so far */
		float *x = b->x + k * X_ROW;
		run = x[X_SHORT] > 0.0f ? run + 1 : 0;
		x[X_RUN] = (float)run;
	}
	size_t total = 0;
	for (size_t k = m; k-- > 0;) { /* backward: the run's whole length */
		float *x = b->x + k * X_ROW;
		if (x[X_RUN] == 0.0f) {
			total = 0;
			continue;
		}
		if (total == 0)
			total = (size_t)x[X_RUN];
		x[X_RUN] = logf1(n, (double)total, 4.0f);
		if (k > 0 && b->x[(k - 1) * X_ROW + X_RUN] == 0.0f)
			total = 0;
	}
	for (size_t k = 0; k < m; k++) {
		float *x = b->x + k * X_ROW;
		if (k > 0) {
			const float *p = x - X_ROW;
			x[X_PREV_CHARS] = p[X_CHARS];
			x[X_PREV_STOPS] = p[X_STOPS];
			x[X_PREV_ENDS] = p[X_ENDS];
		}
		if (k + 1 < m) {
			const float *q = x + X_ROW;
			x[X_NEXT_CHARS] = q[X_CHARS];
			x[X_NEXT_STOPS] = q[X_STOPS];
			x[X_NEXT_ENDS] = q[X_ENDS];
		}
		const size_t lo = k > CONTEXT_LINES ? k - CONTEXT_LINES : 0;
		const size_t hi = k + CONTEXT_LINES + 1 < m ? k + CONTEXT_LINES + 1 : m;
		x[X_NEAR_GOOD] = (float)((b->sum_good[hi] - b->sum_good[lo]) / (double)(hi - lo));
		x[X_NEAR_CHARS] = (float)((b->sum_chars[hi] - b->sum_chars[lo]) / (double)(hi - lo));
		x[X_POS] = (float)((double)k / (double)m);
		x[X_DOC_GOOD] = (float)(b->sum_good[m] / (double)m);
		x[X_FROM_START] = logf1(n, (double)k, 5.0f);
		x[X_TO_END] = logf1(n, (double)(m - 1 - k), 5.0f);
		x[X_ANY_GOOD] = any_good;
		x[X_DOC_TEXTY] = (float)((double)texty / (double)m);
	}
}

static double sigmoid(double z)
{
	return 1.0 / (1.0 + exp(-z));
}

/* The mean of p1 over the lines k - r .. k + r of the window. */
static double mean_p1(const struct model_bufs *b, size_t m, size_t k, size_t r)
{
	const size_t lo = k > r ? k - r : 0, hi = k + r + 1 < m ? k + r + 1 : m;
	return (b->sum_p1[hi] - b->sum_p1[lo]) / (double)(hi - lo);
}

/* The main block of the window (boilerpipe's and trafilatura's "largest
 * text block", on the first stage's probabilities): the run of lines
 * whose sum of (p1 - BLOCK_P) times their weighted characters is the
 * largest. Menus end before it; teasers, comments and related links come
 * after the article's end. */
#define BLOCK_P 0.5

static void main_block(struct model_bufs *b, size_t m)
{
	double best = -HUGE_VAL, cur = 0.0;
	size_t start = 0;
	b->lo = 0;
	b->hi = 0;
	for (size_t k = 0; k < m; k++) {
		const double v = (b->p1[k] - BLOCK_P) * (b->sum_len[k + 1] - b->sum_len[k]);
		if (cur <= 0.0) {
			cur = v;
			start = k;
		} else {
			cur += v;
		}
		if (cur > best) {
			best = cur;
			b->lo = start;
			b->hi = k;
		}
	}
	const double all = b->sum_len[m];
	b->share = (b->sum_len[b->hi + 1] - b->sum_len[b->lo]) / (all > 1.0 ? all : 1.0);
}

/* The article's end: a line sure to be article text, the second stage
 * counts the lines since and until the nearest one. */
#define STRONG_P 0.9
#define STRONG_CHARS 150.0

static bool strong(const struct model_bufs *b, size_t k)
{
	return b->p1[k] > STRONG_P && b->sum_len[k + 1] - b->sum_len[k] >= STRONG_CHARS;
}

/* The text to come: p1 times the characters of the lines over 0.5. */
static double mass(const struct model_bufs *b, size_t k)
{
	return b->p1[k] > 0.5 ? b->p1[k] * (b->sum_len[k + 1] - b->sum_len[k]) : 0.0;
}

/* What sum (a prefix sum over the window's lines) adds up to over the
 * lines between the line k and the main block, on either side; 0 inside. */
static double to_block(const double *sum, const struct model_bufs *b, size_t k)
{
	if (k < b->lo)
		return sum[b->lo] - sum[k + 1];
	if (k > b->hi)
		return sum[k] - sum[b->hi + 1];
	return 0.0;
}

/* The second stage's own inputs: each line's first probability with its
 * neighbours', its place against the main block and against the article's
 * end, and the lines dropped by a rule in between: a rule's line ("Leave a
 * Reply", "Share this", "Related posts") marks a section's edge that the
 * stop words miss. end: the share of the window's text (mass) after the
 * line, the lines since the last strong line before it and until the next
 * one after it (m when there is none). rules: the lines dropped by a rule
 * since that strong line and until that one (from the window's edge when
 * there is none). With the line's row after them, the trees' inputs, of
 * which their columns are written at line j. */
static void second_stage(const struct wn_nav *n, const struct model_bufs *b, size_t m, size_t k,
			 size_t j, const double most[2], const double end[3], const double rules[2])
{
	const double prev = k > 0 ? b->p1[k - 1] : 0.0, next = k + 1 < m ? b->p1[k + 1] : 0.0;
	const double m15 = mean_p1(b, m, k, 15), m40 = mean_p1(b, m, k, 40);
	const bool inside = k >= b->lo && k <= b->hi;
	const double lines_before = k < b->lo ? log1p_count(n, (double)(b->lo - k)) / 5.0 : 0.0;
	const double lines_after = k > b->hi ? log1p_count(n, (double)(k - b->hi)) / 5.0 : 0.0;
	const double chars = log1p_count(n, to_block(b->sum_len, b, k)) / 10.0;
	const double chars_before = k < b->lo ? chars : 0.0, chars_after = k > b->hi ? chars : 0.0;
	const double y[WN_NAV_NF2] = {
		1.0, b->p1[k], mean_p1(b, m, k, 2), mean_p1(b, m, k, 6), m15,
		prev, next, prev > next ? prev : next,
		most[0] > 0.0 ? m15 / most[0] : 0.0, most[1] > 0.0 ? m40 / most[1] : 0.0,
		inside, lines_before, lines_after, chars_before, chars_after, b->share,
		inside ? b->share : 0.0,
		end[0], log1p_count(n, end[1]) / 5.0, log1p_count(n, end[2]) / 5.0, end[2] >= (double)m,
		log1p_count(n, rules[0]) / 3.0, log1p_count(n, rules[1]) / 3.0,
		log1p_count(n, to_block(b->sum_rules, b, k)) / 3.0,
	};
	float v[TREE_INPUTS]; /* gathered from one array: cheaper than a choice a column */
	for (unsigned i = 0; i < WN_NAV_NF2; i++)
		v[i] = (float)y[i];
	memcpy(v + WN_NAV_NF2, b->x + k * X_ROW, X_ROW * sizeof(float));
	float *in = b->in + j;
	for (unsigned c = 0; c < WN_NAV_NCOL; c++)
		in[c * b->stride] = v[wn_nav_col[c]];
}

/* The trees (nav_model.h): each adds its leaf to the margins z of the cnt
 * lines whose columns are in's. One tree is four compares that index its
 * 16 leaves; the two ways add the leaves in the same order, in single
 * precision, so they give the same margins to the bit. */
static void trees_scalar(const float *in, size_t stride, size_t cnt, float *z)
{
	for (unsigned t = 0; t < WN_NAV_TREES; t++) {
		const float *c[WN_NAV_DEPTH];
		for (unsigned l = 0; l < WN_NAV_DEPTH; l++)
			c[l] = in + wn_nav_in[t][l] * stride;
		for (size_t i = 0; i < cnt; i++) {
			unsigned node = 0;
			for (unsigned l = 0; l < WN_NAV_DEPTH; l++)
				node = 2 * node + (c[l][i] > wn_nav_cut[t][l]);
			z[i] += wn_nav_leaf[t][node];
		}
	}
}

#if defined(NAV_AVX2)
/* Eight lines a step: the first level's compare picks the upper or the
 * lower eight leaves (a blend), the three others index them (a permute
 * reads an index's low three bits). cnt is a multiple of 8. */
static NAV_AVX2 void trees_avx2(const float *in, size_t stride, size_t cnt, float *z)
{
	const __m256i four = _mm256_set1_epi32(4), two = _mm256_set1_epi32(2),
		      one = _mm256_set1_epi32(1);
	for (unsigned t = 0; t < WN_NAV_TREES; t++) {
		const uint8_t *f = wn_nav_in[t];
		const float *c0 = in + f[0] * stride, *c1 = in + f[1] * stride,
			    *c2 = in + f[2] * stride, *c3 = in + f[3] * stride;
		const __m256 t0 = _mm256_set1_ps(wn_nav_cut[t][0]), t1 = _mm256_set1_ps(wn_nav_cut[t][1]),
			     t2 = _mm256_set1_ps(wn_nav_cut[t][2]), t3 = _mm256_set1_ps(wn_nav_cut[t][3]);
		const __m256 lower = _mm256_loadu_ps(wn_nav_leaf[t]),
			     upper = _mm256_loadu_ps(wn_nav_leaf[t] + 8);
		for (size_t i = 0; i < cnt; i += 8) {
			const __m256 hi = _mm256_cmp_ps(_mm256_loadu_ps(c0 + i), t0, _CMP_GT_OQ);
			const __m256i b1 = _mm256_castps_si256(
					      _mm256_cmp_ps(_mm256_loadu_ps(c1 + i), t1, _CMP_GT_OQ)),
				      b2 = _mm256_castps_si256(
					      _mm256_cmp_ps(_mm256_loadu_ps(c2 + i), t2, _CMP_GT_OQ)),
				      b3 = _mm256_castps_si256(
					      _mm256_cmp_ps(_mm256_loadu_ps(c3 + i), t3, _CMP_GT_OQ));
			const __m256i idx = _mm256_or_si256(
				_mm256_or_si256(_mm256_and_si256(b1, four), _mm256_and_si256(b2, two)),
				_mm256_and_si256(b3, one));
			const __m256 leaf = _mm256_blendv_ps(_mm256_permutevar8x32_ps(lower, idx),
							     _mm256_permutevar8x32_ps(upper, idx), hi);
			_mm256_storeu_ps(z + i, _mm256_add_ps(_mm256_loadu_ps(z + i), leaf));
		}
	}
}
#endif

int wn_nav_trees(int path, const float *in, size_t stride, size_t cnt, float *z)
{
#if defined(NAV_AVX2)
	if (path == WN_PLAIN_PATH_AVX2 && __builtin_cpu_supports("avx2")) {
		trees_avx2(in, stride, (cnt + 7) & ~(size_t)7, z);
		return WN_PLAIN_PATH_AVX2;
	}
#endif
	(void)path;
	trees_scalar(in, stride, cnt, z);
	return WN_PLAIN_PATH_SSE2;
}

/* The second stage's probabilities p2 of the cnt lines whose columns are
 * b's: the lines from cnt to the stride's end are zeros. */
static void second_trees(struct model_bufs *b, size_t cnt)
{
	const size_t stride = b->stride;
	for (unsigned c = 0; c < WN_NAV_NCOL; c++)
		memset(b->in + c * stride + cnt, 0, (stride - cnt) * sizeof(float));
	for (size_t i = 0; i < stride; i++)
		b->z[i] = WN_NAV_BASE;
	wn_nav_trees(wn_plain_path(), b->in, stride, cnt, b->z);
	for (size_t i = 0; i < cnt; i++)
		b->p2[i] = sigmoid(b->z[i]);
}

/* The chain's emissions: the second stage's probability q of text (of
 * junk) over the chain's share of text pi (of junk), q kept off 0 and 1. */
static double emit_text(double q, double pi)
{
	return (q < 1e-6 ? 1e-6 : q > 1.0 - 1e-6 ? 1.0 - 1e-6 : q) / pi;
}

static double emit_junk(double q, double pi)
{
	return (1.0 - q < 1e-6 ? 1e-6 : 1.0 - q) / (1.0 - pi);
}

/* The smoothing: the forward-backward posterior of a two-state chain
 * (junk, text) over the lines of the window not dropped by a rule, whose
 * transitions (WN_NAV_TO_TEXT, WN_NAV_TO_JUNK) were counted on the
 * training pages, and whose emissions are the second stage's
 * probabilities over the chain's own share of text. It settles a run as
 * a whole where the second stage wavers (teasers after an article, a
 * table inside it). p: the probabilities of the cnt lines; post: the
 * posteriors (first the forward pass). */
static void smooth(const double *p, double *post, size_t cnt)
{
	const double a = WN_NAV_TO_TEXT, bj = WN_NAV_TO_JUNK, pi = a / (a + bj);
	if (cnt == 0)
		return;
	double f0 = (1.0 - pi) * emit_junk(p[0], pi), f1 = pi * emit_text(p[0], pi);
	post[0] = f1 / (f0 + f1);
	for (size_t k = 1; k < cnt; k++) {
		f0 = ((1.0 - post[k - 1]) * (1.0 - a) + post[k - 1] * bj) * emit_junk(p[k], pi);
		f1 = ((1.0 - post[k - 1]) * a + post[k - 1] * (1.0 - bj)) * emit_text(p[k], pi);
		post[k] = f1 / (f0 + f1);
	}
	double b0 = 1.0, b1 = 1.0;
	for (size_t k = cnt - 1; k-- > 0;) {
		const double t0 = emit_junk(p[k + 1], pi) * b0, t1 = emit_text(p[k + 1], pi) * b1;
		b0 = (1.0 - a) * t0 + a * t1;
		b1 = bj * t0 + (1.0 - bj) * t1;
		const double s = b0 + b1;
		b0 /= s;
		b1 /= s;
		const double g0 = (1.0 - post[k]) * b0, g1 = post[k] * b1;
		post[k] = g1 / (g0 + g1); /* the last line's is its forward one */
	}
}

/* ---- The page's title, from its address ---------------------------------- */

/* A title word is a run of letters, digits (any script) and '_' of three
 * code points or more, not all digits, lowercased: the words of
 * bench/nav_try.py's Python regex \w+, and its str.isdigit. */
#define TITLE_WORD_MIN 3
#define TITLE_WORD_MAX 256 /* bytes; a longer word never matches */
#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME 0x100000001b3ull

static bool title_wordc(int32_t cp)
{
	switch (utf8proc_category(cp)) {
	case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT:
	case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_LO:
	case UTF8PROC_CATEGORY_ND: case UTF8PROC_CATEGORY_NL: case UTF8PROC_CATEGORY_NO:
		return true;
	default:
		return false;
	}
}

/* A digit by Python's str.isdigit, past ASCII: a decimal digit, or one of
 * the other numbers that are digits (superscripts, circled digits). */
static bool title_digit(int32_t cp)
{
	static const int32_t other[][2] = {
		{ 0xB2, 0xB3 }, { 0xB9, 0xB9 }, { 0x1369, 0x1371 }, { 0x19DA, 0x19DA },
		{ 0x2070, 0x2070 }, { 0x2074, 0x2079 }, { 0x2080, 0x2089 }, { 0x2460, 0x2468 },
		{ 0x2474, 0x247C }, { 0x2488, 0x2490 }, { 0x24EA, 0x24EA }, { 0x24F5, 0x24FD },
		{ 0x24FF, 0x24FF }, { 0x2776, 0x277E }, { 0x2780, 0x2788 }, { 0x278A, 0x2792 },
		{ 0x10A40, 0x10A43 }, { 0x10E60, 0x10E68 }, { 0x11052, 0x1105A },
		{ 0x1F100, 0x1F10A },
	};
	if (utf8proc_category(cp) == UTF8PROC_CATEGORY_ND)
		return true;
	for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++)
		if (cp >= other[i][0] && cp <= other[i][1])
			return true;
	return false;
}

/* A byte's part in a title word (wn_nav.title_class): an ASCII letter,
 * digit or '_' (TW_WORD, with TW_DIGIT, TW_UNDER), a byte past ASCII
 * (TW_HIGH: decode it), or none (0). */
enum { TW_WORD = 1, TW_DIGIT = 2, TW_UNDER = 4, TW_HIGH = 8 };

static void title_class_init(uint8_t cls[256])
{
	for (unsigned c = 0; c < 256; c++) {
		cls[c] = c >= 0x80 ? TW_HIGH : 0;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
			cls[c] = TW_WORD;
		else if (c >= '0' && c <= '9')
			cls[c] = TW_WORD | TW_DIGIT;
		else if (c == '_')
			cls[c] = TW_WORD | TW_UNDER;
	}
}

/* A title word found: s[start..end), ASCII or not. */
struct title_span {
	size_t start, end;
	bool ascii;
};

/* Finds the next title word of s[*pos..len) and steps past it: true, or
 * false when none is left. '_' is a letter unless under is false (an
 * address's words split there). ASCII bytes cost a table lookup. */
static bool title_word(const struct wn_nav *n, const unsigned char *s, size_t len, size_t *pos,
		       bool under, struct title_span *w)
{
	const uint8_t stop = under ? TW_WORD : TW_WORD | TW_UNDER;
	size_t i = *pos;
	while (i < len) {
		size_t sep = 0, extra = 0; /* extra: bytes past a code point's first */
		uint8_t all = TW_DIGIT;    /* every code point a digit so far */
		w->start = i;
		w->ascii = true;
		while (i < len) {
			const uint8_t t = n->title_class[s[i]];
			if ((t & stop) == TW_WORD) {
				all &= t;
				i++;
				continue;
			}
			if (!(t & TW_HIGH)) {
				sep = 1;
				break;
			}
			int32_t cp;
			size_t k = wn_utf8_decode(s + i, len - i, &cp);
			if (k == 0) {
				cp = 0xFFFD;
				k = 1;
			}
			if (!title_wordc(cp)) {
				sep = k;
				break;
			}
			w->ascii = false;
			if (all && !title_digit(cp))
				all = 0;
			extra += k - 1;
			i += k;
		}
		w->end = i;
		if (i - w->start - extra >= TITLE_WORD_MIN && !all) {
			*pos = i + sep;
			return true;
		}
		i += sep;
	}
	*pos = i;
	return false;
}

/* The word's bytes lowercased into buf, its length (more than
 * TITLE_WORD_MAX: too long to match) and their FNV-1a hash. */
static size_t title_key(const unsigned char *s, const struct title_span *w,
			char buf[TITLE_WORD_MAX + 4], uint64_t *hash)
{
	size_t n = 0;
	uint64_t h = FNV_OFFSET;
	for (size_t i = w->start; i < w->end && n <= TITLE_WORD_MAX;) {
		int32_t cp = s[i];
		size_t k = 1;
		if (cp >= 0x80 && (k = wn_utf8_decode(s + i, w->end - i, &cp)) == 0)
			cp = 0xFFFD; /* not reached: title_word decoded it */
		i += k ? k : 1;
		if (cp < 0x80) {
			buf[n++] = (char)(cp >= 'A' && cp <= 'Z' ? cp | 0x20 : cp);
			h = (h ^ (unsigned char)buf[n - 1]) * FNV_PRIME;
			continue;
		}
		const size_t e = wn_utf8_encode(utf8proc_tolower(cp), buf + n);
		for (size_t j = n; j < n + e; j++)
			h = (h ^ (unsigned char)buf[j]) * FNV_PRIME;
		n += e;
	}
	*hash = h;
	return n;
}

/* A word of the page's slug, in wn_nav.slug. */
struct slug_word {
	uint64_t hash;
	uint32_t off, len; /* in wn_nav.slug_text */
	uint32_t mark;     /* the line (+ 1) that last had it */
};

/* An ASCII word's first two bytes, case folded, in 10 bits. */
static unsigned head_of(const unsigned char *p)
{
	return (p[0] & 31u) << 5 | (p[1] & 31u);
}

/* The slug's word equal to s[w], or NULL. An ASCII word of a length no
 * slug word has, or whose first two letters none has, is not hashed. */
static struct slug_word *slug_find(const struct wn_nav *n, const unsigned char *s,
				   const struct title_span *w)
{
	const size_t span = w->end - w->start;
	if (w->ascii && (!(n->slug_lens >> (span < 63 ? span : 63) & 1) ||
			 !(n->slug_heads[head_of(s + w->start) >> 6] >> (head_of(s + w->start) & 63) & 1)))
		return NULL;
	char buf[TITLE_WORD_MAX + 4];
	uint64_t h;
	const size_t len = title_key(s, w, buf, &h);
	if (len > TITLE_WORD_MAX || !(n->slug_bloom[(h >> 6) & 3] >> (h & 63) & 1))
		return NULL;
	struct slug_word *sw = (struct slug_word *)(void *)n->slug.ptr;
	for (size_t j = 0; j < n->slug_words; j++)
		if (sw[j].hash == h && sw[j].len == len &&
		    memcmp(n->slug_text.ptr + sw[j].off, buf, len) == 0)
			return &sw[j];
	return NULL;
}

/* The address's path without the scheme, the host and a page's extension
 * (".html", ".php", ...): where the story's slug is. */
static void slug_span(const char *url, size_t len, size_t *lo, size_t *hi)
{
	static const char *const ext[] = { ".html", ".htm", ".php", ".aspx", ".asp",
					   ".jsp", ".cms", ".shtml" };
	size_t i = 0;
	while (i < len && url[i] >= 'a' && url[i] <= 'z')
		i++;
	*lo = 0;
	if (i > 0 && i < len && url[i] == ':') {
		*lo = i + 1;
		if (len - *lo >= 2 && url[*lo] == '/' && url[*lo + 1] == '/') {
			*lo += 2;
			while (*lo < len && url[*lo] != '/')
				(*lo)++;
		}
	}
	*hi = len;
	for (size_t e = 0; e < sizeof(ext) / sizeof(ext[0]); e++) {
		const size_t k = strlen(ext[e]);
		if (len - *lo >= k && memcmp(url + len - k, ext[e], k) == 0) {
			*hi = len - k;
			break;
		}
	}
}

static void slug_clear(struct wn_nav *n)
{
	n->slug.len = n->slug_text.len = 0;
	n->slug_words = n->nslug = 0;
	n->slug_lens = n->slug_bits = 0;
	memset(n->slug_per_bit, 0, sizeof(n->slug_per_bit));
	memset(n->slug_bloom, 0, sizeof(n->slug_bloom));
	memset(n->slug_heads, 0, sizeof(n->slug_heads));
}

void wn_nav_begin(struct wn_nav *n, const char *url, size_t len)
{
	slug_clear(n);
	if (!url)
		return;
	size_t lo, hi;
	slug_span(url, len, &lo, &hi);
	const unsigned char *const u = (const unsigned char *)url;
	struct title_span w;
	for (size_t pos = lo; title_word(n, u, hi, &pos, false, &w);) {
		if (slug_find(n, u, &w))
			continue;
		n->nslug++; /* a word too long to match counts in the slug's size */
		char buf[TITLE_WORD_MAX + 4];
		uint64_t h;
		const size_t k = title_key(u, &w, buf, &h);
		if (k > TITLE_WORD_MAX)
			continue;
		const struct slug_word sw = {
			.hash = h, .off = (uint32_t)n->slug_text.len, .len = (uint32_t)k,
		};
		if (wn_buf_append(&n->slug_text, buf, k) != 0 ||
		    wn_buf_append(&n->slug, &sw, sizeof(sw)) != 0) {
			slug_clear(n); /* out of memory: no title */
			return;
		}
		n->slug_words++;
		n->slug_bloom[(h >> 6) & 3] |= 1ull << (h & 63);
		/* an ASCII word's length is its key's; past ASCII it may differ */
		n->slug_lens |= w.ascii ? 1ull << (k < 63 ? k : 63) : ~0ull;
		if (w.ascii) {
			n->slug_heads[head_of(u + w.start) >> 6] |= 1ull << (head_of(u + w.start) & 63);
			char pad[TITLE_WORD_MAX + 12] = { 0 };
			memcpy(pad, buf, k);
			const unsigned bit = title_bit(pad, k);
			n->slug_bits |= 1ull << bit;
			n->slug_per_bit[bit] = (uint8_t)(n->slug_per_bit[bit] + (n->slug_per_bit[bit] < 3));
		} else { /* may match an ASCII word, whose bit is not known */
			memset(n->slug_heads, 0xFF, sizeof(n->slug_heads));
			n->slug_bits = ~0ull;
			memset(n->slug_per_bit, 3, sizeof(n->slug_per_bit));
		}
	}
}

/* The page's title: the line with the most of the slug's words, when it
 * holds three of them and half the slug (a slug of three words or more).
 * Sets each line's T_* features and returns true then; false, and they
 * stay 0, else. */
static bool title_features(struct wn_nav *n, struct model_bufs *b, size_t m)
{
	if (n->nslug < TITLE_WORD_MIN)
		return false;
	struct slug_word *sw = (struct slug_word *)(void *)n->slug.ptr;
	for (size_t j = 0; j < n->slug_words; j++)
		sw[j].mark = 0;
	size_t best = 0, ti = 0;
	struct title_span w;
	for (size_t k = 0; k < m; k++) {
		/* At most this many slug words can be in the line: under 3, it
		 * is no title, and a title is at least 3 (title_bits). */
		const uint64_t on = n->feat[b->idx[k]].title_bits & n->slug_bits;
		unsigned most = 0;
		for (uint64_t v = on; v && most < 3; v &= v - 1)
			most += n->slug_per_bit[__builtin_ctzll(v)];
		if (most < 3)
			continue;
		const struct wn_judged *r = &n->doc.recs[b->idx[k]];
		const unsigned char *s = (const unsigned char *)n->doc.text.ptr + r->off;
		size_t hit = 0;
		for (size_t pos = 0; title_word(n, s, r->len, &pos, true, &w);) {
			struct slug_word *f = slug_find(n, s, &w);
			if (f && f->mark != (uint32_t)k + 1) {
				f->mark = (uint32_t)k + 1;
				hit++;
			}
		}
		if (hit > best) {
			best = hit;
			ti = k;
		}
	}
	if (best < 3 || 2 * best < n->nslug)
		return false;
	for (size_t k = 0; k < m; k++) {
		float *x = b->x + k * X_ROW;
		x[T_AFTER] = k > ti ? logf1(n, (double)(k - ti), 5.0f) : 0.0f;
		x[T_BEFORE] = k < ti;
		x[T_TITLED] = 1.0f;
	}
	return true;
}

#define P_STEPS 20 /* --explain names the probability in steps of 0.05 */
#define P_RULES(c)                                                                      \
	c ":model p<0.05", c ":model p<0.10", c ":model p<0.15", c ":model p<0.20",      \
	c ":model p<0.25", c ":model p<0.30", c ":model p<0.35", c ":model p<0.40",      \
	c ":model p<0.45", c ":model p<0.50", c ":model p<0.55", c ":model p<0.60",      \
	c ":model p<0.65", c ":model p<0.70", c ":model p<0.75", c ":model p<0.80",      \
	c ":model p<0.85", c ":model p<0.90", c ":model p<0.95", c ":model p<1.00"

static const char *model_rule(uint8_t cls, double p)
{
	static const char *const rules[4][P_STEPS] = {
		{ P_RULES("good") }, { P_RULES("bad") }, { P_RULES("short") }, { P_RULES("near-good") },
	};
	size_t step = (size_t)(p * P_STEPS);
	if (step >= P_STEPS)
		step = P_STEPS - 1;
	return rules[cls < 4 ? cls : WN_NAV_BAD][step];
}

/* Scores the window's non-blank lines and drops those under the threshold.
 * fin: the jusText classes after the context pass. */
static void model_judge(struct wn_nav *n, const uint8_t *fin, bool any_good)
{
	const size_t cnt = n->doc.n;
	size_t m = 0;
	for (size_t i = 0; i < cnt; i++)
		m += n->feat[i].cls != WN_NAV_SKIP;
	struct model_bufs b;
	if (m == 0 || model_reserve(n, m, &b) != 0)
		return; /* out of memory: every line is kept */
	for (size_t i = 0, k = 0; i < cnt; i++)
		if (n->feat[i].cls != WN_NAV_SKIP) {
			b.idx[k] = i;
			line_features(n, &n->feat[i], fin[i], b.x + k * X_ROW);
			k++;
		}
	context_features(n, &b, m, any_good);
	const bool titled = title_features(n, &b, m);
	b.sum_p1[0] = b.sum_rules[0] = 0.0;
	for (size_t k = 0; k < m; k++) {
		const float *x = b.x + k * X_ROW;
		double z = 0.0;
		for (unsigned j = 0; j < WN_NAV_NF1; j++)
			z += wn_nav_w1[j] * x[j];
		if (titled) /* the gate: a residual of the first stage */
			z = wn_nav_wg[0] + wn_nav_wg[1] * z + wn_nav_wg[2] * x[T_AFTER] +
			    wn_nav_wg[3] * x[T_BEFORE];
		const bool prior = n->feat[b.idx[k]].prior;
		b.p1[k] = prior ? 0.0 : sigmoid(z);
		b.sum_p1[k + 1] = b.sum_p1[k] + b.p1[k];
		b.sum_rules[k + 1] = b.sum_rules[k] + prior;
	}
	main_block(&b, m);
	n->block_lo = b.idx[b.lo];
	n->block_hi = b.idx[b.hi];
	double most[2] = { 0.0, 0.0 };
	for (size_t k = 0; k < m; k++) {
		const double m15 = mean_p1(&b, m, k, 15), m40 = mean_p1(&b, m, k, 40);
		most[0] = m15 > most[0] ? m15 : most[0];
		most[1] = m40 > most[1] ? m40 : most[1];
	}
	/* The lines until the next strong line, backward, in b.dense (free
	 * since context_features), and the rules' lines among them; the text
	 * to come, from the window's sum. */
	double total = 0.0, until = (double)m, rules = 0.0;
	for (size_t k = m; k-- > 0;) {
		const bool at = strong(&b, k);
		b.dense[k] = until;
		until = at ? 0.0 : until;
		until += until < (double)m;
		b.rules_until[k] = rules;
		rules = at ? 0.0 : rules + n->feat[b.idx[k]].prior; /* a strong line is no rule's */
		total += mass(&b, k);
	}
	/* The second stage for the lines not dropped by a rule, in order
	 * (b.p2), then the smoothing over them. */
	double seen = 0.0, since = (double)m;
	rules = 0.0;
	size_t judged = 0;
	for (size_t k = 0; k < m; k++) {
		const size_t i = b.idx[k];
		const struct wn_judged *r = &n->doc.recs[i];
		if (n->dump) {
			const struct wn_nav_sample s = {
				.doc = n->doc_no, .line = k, .x = b.x + k * X_ROW,
				.nx = X_ROW, .text = n->doc.text.ptr + r->off, .len = r->len,
				.prior = n->feat[i].prior,
			};
			n->dump(n->dump_ctx, &s);
		}
		seen += mass(&b, k);
		const double end[3] = { (total - seen) / (total > 1.0 ? total : 1.0), since,
					b.dense[k] };
		const double ruled[2] = { rules, b.rules_until[k] };
		const bool at = strong(&b, k);
		since = at ? 1.0 : since + (since < (double)m);
		rules = at ? 0.0 : rules + n->feat[i].prior;
		if (!n->feat[i].prior)
			second_stage(n, &b, m, k, judged++, most, end, ruled);
	}
	second_trees(&b, judged);
	smooth(b.p2, b.post, judged);
	for (size_t k = 0, j = 0; k < m; k++) {
		const size_t i = b.idx[k];
		if (n->feat[i].prior)
			continue;
		const double p = b.post[j++];
		struct wn_judged *r = &n->doc.recs[i];
		if (r->reason != WN_KEPT || p >= n->conf.threshold)
			continue;
		r->reason = WN_DROP_NAV;
		r->rule = model_rule(n->feat[i].cls, p);
	}
}

void wn_nav_judge(struct wn_nav *n, bool doc_end)
{
	const size_t cnt = n->doc.n;
	if (cnt == 0)
		return;
	n->lang = guess_lang(n);
	for (size_t i = 0; i < cnt; i++)
		if (n->feat[i].line_hash)
			n->feat[i].repeat = wn_freq_count(&n->seen, n->feat[i].line_hash, n->doc_no) >= 2;
	if (n->fin.cap < 5 * cnt && wn_buf_reserve(&n->fin, 5 * cnt) != 0)
		return; /* out of memory: every line is kept */
	uint8_t *fin = (uint8_t *)n->fin.ptr;
	for (size_t i = 0; i < cnt; i++) {
		struct wn_nav_feat *f = &n->feat[i];
		if (f->cls == WN_NAV_SKIP) {
			fin[i] = WN_NAV_SKIP;
			continue;
		}
		f->cls = (uint8_t)first_class(&n->conf, f, n->lang);
		fin[i] = f->cls;
	}
	/* jusText's context pass needs a good line to hold on to; without
	 * one its classes are the first ones. Both are features of the model. */
	bool any_good = false;
	for (size_t i = 0; i < cnt && !any_good; i++)
		any_good = fin[i] == WN_NAV_GOOD;
	if (any_good)
		context(n, fin, fin + cnt, n->cont ? WN_NAV_GOOD : WN_NAV_BAD,
			doc_end ? WN_NAV_BAD : WN_NAV_GOOD);
	model_judge(n, fin, any_good);
}

void wn_nav_clear(struct wn_nav *n, bool doc_end)
{
	wn_doc_clear(&n->doc);
	n->cont = !doc_end;
	if (doc_end)
		n->doc_no++;
}
