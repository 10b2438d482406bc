/* key.c - the normalized hashing key of a line (case-folded, punctuation and
 * symbols as a space, whitespace collapsed, digits kept) and its XXH3 hash. */
#include <string.h>
#include <utf8proc.h>
#define XXH_INLINE_ALL /* the hash inlined here: same values as libxxhash */
#include <xxhash.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#include "keyblock.h"
#endif

#include "internal.h"

/* ASCII classes: 0 separator, otherwise the byte the key holds. */
static const unsigned char ascii_key[128] = {
	['0'] = '0', ['1'] = '1', ['2'] = '2', ['3'] = '3', ['4'] = '4',
	['5'] = '5', ['6'] = '6', ['7'] = '7', ['8'] = '8', ['9'] = '9',
	['A'] = 'a', ['B'] = 'b', ['C'] = 'c', ['D'] = 'd', ['E'] = 'e', ['F'] = 'f',
	['G'] = 'g', ['H'] = 'h', ['I'] = 'i', ['J'] = 'j', ['K'] = 'k', ['L'] = 'l',
	['M'] = 'm', ['N'] = 'n', ['O'] = 'o', ['P'] = 'p', ['Q'] = 'q', ['R'] = 'r',
	['S'] = 's', ['T'] = 't', ['U'] = 'u', ['V'] = 'v', ['W'] = 'w', ['X'] = 'x',
	['Y'] = 'y', ['Z'] = 'z',
	['a'] = 'a', ['b'] = 'b', ['c'] = 'c', ['d'] = 'd', ['e'] = 'e', ['f'] = 'f',
	['g'] = 'g', ['h'] = 'h', ['i'] = 'i', ['j'] = 'j', ['k'] = 'k', ['l'] = 'l',
	['m'] = 'm', ['n'] = 'n', ['o'] = 'o', ['p'] = 'p', ['q'] = 'q', ['r'] = 'r',
	['s'] = 's', ['t'] = 't', ['u'] = 'u', ['v'] = 'v', ['w'] = 'w', ['x'] = 'x',
	['y'] = 'y', ['z'] = 'z',
};

/* Letters, marks and numbers belong to words; the rest separates them. */
static bool is_word_cp(int32_t cp)
{
	switch (utf8proc_category(cp)) {
	case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT:
	case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_LO:
	case UTF8PROC_CATEGORY_MN: case UTF8PROC_CATEGORY_MC: case UTF8PROC_CATEGORY_ME:
	case UTF8PROC_CATEGORY_ND: case UTF8PROC_CATEGORY_NL: case UTF8PROC_CATEGORY_NO:
		return true;
	default:
		return false;
	}
}

/* Appends the case folding of cp; returns bytes written (0 if no room). */
static size_t put_folded(int32_t cp, char *out, size_t room)
{
	utf8proc_int32_t folded[4];
	int last_bc = 0;
	utf8proc_ssize_t n = utf8proc_decompose_char(cp, folded, 4, UTF8PROC_CASEFOLD,
							  &last_bc);
	size_t w = 0;
	if (n < 1 || n > 4) {
		folded[0] = cp;
		n = 1;
	}
	for (utf8proc_ssize_t i = 0; i < n; i++) {
		char enc[4];
		const size_t len = wn_utf8_encode(folded[i], enc);
		if (room - w < len)
			return w;
		memcpy(out + w, enc, len);
		w += len;
	}
	return w;
}

/* Folds one code point that is not ASCII into out (room for 12 bytes);
 * returns the bytes written, 0 for a separator. The common cases (general
 * punctuation, Latin-1 letters) avoid utf8proc's tables. */
static size_t fold_cp(int32_t cp, char *out)
{
	if (cp >= 0x2000 && cp <= 0x206F)
		return 0; /* general punctuation: spaces, dashes, quotes, format */
	if (cp >= 0xC0 && cp <= 0xFF && cp != 0xD7 && cp != 0xF7) {
		if (cp == 0xDF) {
			out[0] = 's';
			out[1] = 's';
			return 2;
		}
		return wn_utf8_encode(cp <= 0xDE ? cp + 0x20 : cp, out);
	}
	if (!is_word_cp(cp))
		return 0;
	return put_folded(cp, out, 12);
}

/* fold_cp for cp, encoded as src[0..len), with the letters of the scripts
 * most text is in (Cyrillic, CJK, kana, Hangul, fullwidth Latin) and the
 * box and block drawings of menus folded here: each is a letter or digit
 * of a stable range with a simple case folding, or a symbol
 * (test_key's every_code_point_as_the_reference holds it to fold_cp). */
static size_t fold_common(int32_t cp, const unsigned char *src, size_t len, char *out)
{
	if ((cp >= 0x430 && cp <= 0x45F) || (cp >= 0x3041 && cp <= 0x3096) ||
	    (cp >= 0x30A1 && cp <= 0x30FA) || (cp >= 0x4E00 && cp <= 0x9FA5) ||
	    (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xFF10 && cp <= 0xFF19) ||
	    (cp >= 0xFF41 && cp <= 0xFF5A)) {
		/* Lower case, or no case; two or three bytes, and a fixed
		 * copy, not a call. */
		memcpy(out, src, 2);
		if (len > 2)
			out[2] = (char)src[2];
		return len;
	}
	if (cp >= 0x410 && cp <= 0x42F)
		return wn_utf8_encode(cp + 0x20, out);
	if (cp >= 0x400 && cp <= 0x40F)
		return wn_utf8_encode(cp + 0x50, out);
	if (cp >= 0xFF21 && cp <= 0xFF3A)
		return wn_utf8_encode(cp + 0x20, out);
	if ((cp >= 0x2500 && cp <= 0x25FF) || (cp >= 0x3000 && cp <= 0x3004) ||
	    (cp >= 0x3008 && cp <= 0x3020) || (cp >= 0xFF01 && cp <= 0xFF0F) ||
	    (cp >= 0xFF1A && cp <= 0xFF20) || (cp >= 0xFF3B && cp <= 0xFF40) ||
	    (cp >= 0xFF5B && cp <= 0xFF65))
		return 0; /* drawings; CJK and fullwidth punctuation */
	/* Latin Extended-A, where a capital and its small letter are a pair
	 * of code points (but the dotted and dotless i, kra, 'n and long s). */
	if ((cp >= 0x100 && cp <= 0x12F) || (cp >= 0x132 && cp <= 0x137) ||
	    (cp >= 0x14A && cp <= 0x177))
		return wn_utf8_encode(cp | 1, out);
	if ((cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17E))
		return wn_utf8_encode(cp + (cp & 1), out);
	return fold_cp(cp, out);
}

/* The general case, checking room before every write. */
static size_t normalize_checked(const unsigned char *u, size_t n, char *out, size_t cap)
{
	size_t o = 0;
	bool gap = false; /* a separator was seen since the last word byte */
	for (size_t i = 0; i < n;) {
		char buf[12];
		size_t w;
		int32_t cp;
		const size_t len = u[i] < 0x80 ? 1 : wn_utf8_decode(u + i, n - i, &cp);
		if (u[i] < 0x80) {
			buf[0] = (char)ascii_key[u[i]];
			w = buf[0] != 0;
		} else if (len == 0) {
			buf[0] = (char)u[i]; /* an invalid byte stays: part of a word */
			w = 1;
		} else {
			w = fold_cp(cp, buf);
		}
		i += len ? len : 1;
		if (w == 0) {
			gap = true;
			continue;
		}
		const size_t space = gap && o;
		if (o + space + w > cap)
			break;
		out[o] = ' ';
		o += space;
		memcpy(out + o, buf, w);
		o += w;
		gap = false;
	}
	return o;
}

size_t wn_key_normalize_ref(const char *p, size_t n, char *out, size_t cap)
{
	return normalize_checked((const unsigned char *)p, n, out, cap);
}

size_t wn_key_normalize(const char *p, size_t n, char *out, size_t cap)
{
	const unsigned char *u = (const unsigned char *)p;
	if (cap < 3 * n + 12)
		return normalize_checked(u, n, out, cap);
	/* Room for the worst case: no checks. Each separator byte is written as a
	 * space but kept only when it follows a word byte, so runs collapse with
	 * no branch; a trailing space is taken back at the end. */
	char *o = out;
	unsigned after_word = 0;
	for (size_t i = 0; i < n;) {
#if defined(__SSE2__)
		/* The ASCII bytes of the sixteen at u[i] up to the first that is
		 * not, keyed at once (the runs' moves write up to 31 bytes on). */
		if (u[i] < 0x80 && i + 16 <= n && (size_t)(o - out) + 32 <= cap) {
			const __m128i a = _mm_loadu_si128((const __m128i *)(const void *)(u + i));
			const unsigned high = (unsigned)_mm_movemask_epi8(a);
			const unsigned ascii = high ? (unsigned)__builtin_ctz(high) : 16;
			wn_key_block(a, 0, ascii, &o, &after_word);
			i += ascii;
			continue;
		}
#endif
		const unsigned char c = u[i];
		if (c < 0x80) {
			const char k = (char)ascii_key[c];
			const unsigned word = k != 0;
			*o = word ? k : ' ';
			o += word | after_word;
			after_word = word;
			i++;
			continue;
		}
		/* A CJK ideograph is a word of its own, kept as it is. */
		if (wn_utf8_cjk_ideograph(u + i, n - i)) {
			memcpy(o, u + i, 3);
			o += 3;
			after_word = 1;
			i += 3;
			continue;
		}
		int32_t cp;
		const size_t len = wn_utf8_next(u + i, n - i, &cp);
		size_t w;
		if (len == 0) {
			*o = (char)c; /* an invalid byte stays: part of a word */
			w = 1;
			i++;
		} else {
			w = fold_common(cp, u + i, len, o);
			i += len;
		}
		if (w == 0) {
			*o = ' ';
			o += after_word;
		}
		o += w;
		after_word = w != 0;
	}
	if (o > out && o[-1] == ' ')
		o--;
	return (size_t)(o - out);
}

_Static_assert(WN_XXH3_SECRET == XXH3_SECRET_DEFAULT_SIZE, "XXH3's secret size");

void wn_keyer_reseed(struct wn_keyer *k, uint64_t seed)
{
	k->seed = seed;
	XXH3_generateSecret_fromSeed(k->secret, seed);
}

void wn_keyer_init(struct wn_keyer *k, enum wn_key mode, uint64_t seed)
{
	k->mode = mode;
	wn_keyer_reseed(k, seed);
}

int wn_keyer_key(const struct wn_keyer *k, const struct wn_line *line, struct wn_buf *key,
		 uint64_t *hash_out)
{
	const size_t need = 3 * line->len + 12;
	if (wn_buf_reserve(key, need) != 0)
		return WN_E_NOMEM;
	char *const out = key->ptr + key->len;
	const size_t n = wn_key_normalize(line->ptr, line->len, out, need);
	key->len += n;
	*hash_out = wn_key_hash(k, out, n);
	return 0;
}

/* XXH3_64bits_withSeed's value: the same under 241 bytes, the secret made
 * from the seed beyond (as xxhash.h documents for a secret from
 * XXH3_generateSecret_fromSeed). */
uint64_t wn_keyer_exact(const struct wn_keyer *k, const struct wn_line *line)
{
	return XXH3_64bits_withSecretandSeed(line->ptr, line->len, k->secret, WN_XXH3_SECRET, k->seed);
}

uint64_t wn_key_hash(const struct wn_keyer *k, const char *key, size_t len)
{
	return XXH3_64bits_withSecretandSeed(key, len, k->secret, WN_XXH3_SECRET, k->seed);
}
