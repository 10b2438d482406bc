/* key.c - the normalized hashing key of a line (case-folded, punctuation and
 * symbols as a space, whitespace collapsed, digits kept) and its XXH3 hash. */
#include <string.h>
#include <utf8proc.h>
#include <xxhash.h>

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
	const utf8proc_ssize_t n = utf8proc_decompose_char(cp, folded, 4, UTF8PROC_CASEFOLD,
							  &last_bc);
	size_t w = 0;
	if (n < 1 || n > 4)
		return room >= 4 ? wn_utf8_encode(cp, out) : 0;
	for (utf8proc_ssize_t i = 0; i < n; i++) {
		if (room - w < 4)
			return w;
		w += wn_utf8_encode(folded[i], out + w);
	}
	return w;
}

size_t wn_key_normalize(const char *p, size_t n, char *out, size_t cap)
{
	const unsigned char *u = (const unsigned char *)p;
	size_t o = 0;
	bool gap = false; /* a separator was seen since the last word byte */
	for (size_t i = 0; i < n;) {
		const unsigned char c = u[i];
		if (c < 0x80) {
			const unsigned char k = ascii_key[c];
			i++;
			if (!k) {
				gap = true;
				continue;
			}
			if (o + 2 > cap)
				break;
			if (gap && o)
				out[o++] = ' ';
			gap = false;
			out[o++] = (char)k;
			continue;
		}
		int32_t cp;
		size_t len = wn_utf8_decode(u + i, n - i, &cp);
		if (len == 0) {
			/* An invalid byte stays as it is: it is part of a word. */
			if (o + 2 > cap)
				break;
			if (gap && o)
				out[o++] = ' ';
			gap = false;
			out[o++] = (char)c;
			i++;
			continue;
		}
		i += len;
		if (!is_word_cp(cp)) {
			gap = true;
			continue;
		}
		if (o + 1 > cap)
			break;
		const size_t mark = o;
		if (gap && o)
			out[o++] = ' ';
		const size_t w = put_folded(cp, out + o, cap - o);
		if (w == 0) {
			o = mark;
			break;
		}
		o += w;
		gap = false;
	}
	return o;
}

void wn_keyer_init(struct wn_keyer *k, enum wn_key mode, uint64_t seed)
{
	memset(k, 0, sizeof(*k));
	k->mode = mode;
	k->seed = seed;
}

int wn_keyer_key(struct wn_keyer *k, const struct wn_line *line, struct wn_line *key_out,
		 uint64_t *hash_out)
{
	k->scratch.len = 0;
	const size_t need = 3 * line->len + 8;
	if (wn_buf_reserve(&k->scratch, need) != 0)
		return WN_E_NOMEM;
	k->scratch.len = wn_key_normalize(line->ptr, line->len, k->scratch.ptr, need);
	key_out->ptr = k->scratch.ptr;
	key_out->len = k->scratch.len;
	*hash_out = XXH3_64bits_withSeed(k->scratch.ptr, k->scratch.len, k->seed);
	return 0;
}

int wn_keyer_hash(struct wn_keyer *k, const struct wn_line *line, uint64_t *hash_out,
		  bool *empty_out)
{
	if (k->mode == WN_KEY_EXACT) {
		*hash_out = XXH3_64bits_withSeed(line->ptr, line->len, k->seed);
		*empty_out = line->len == 0;
		return 0;
	}
	struct wn_line key = { NULL, 0 };
	const int rc = wn_keyer_key(k, line, &key, hash_out);
	*empty_out = key.len == 0;
	return rc;
}

void wn_keyer_free(struct wn_keyer *k)
{
	wn_buf_free(&k->scratch);
}
