/* utf8.c - strict UTF-8 decoding and encoding (RFC 3629: no overlongs, no
 * surrogates, nothing past U+10FFFF). */
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "internal.h"

size_t wn_utf8_decode(const unsigned char *p, size_t n, int32_t *cp_out)
{
	const unsigned char c = p[0];
	if (c < 0x80) {
		*cp_out = c;
		return 1;
	}
	size_t len;
	int32_t cp;
	unsigned char lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2;
		cp = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		cp = c & 0x0F;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		cp = c & 0x07;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
	} else {
		return 0;
	}
	if (n < len || p[1] < lo || p[1] > hi)
		return 0;
	cp = (cp << 6) | (p[1] & 0x3F);
	for (size_t i = 2; i < len; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3F);
	}
	*cp_out = cp;
	return len;
}

size_t wn_utf8_encode(int32_t cp, char *out)
{
	unsigned char *o = (unsigned char *)out;
	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (unsigned char)(0xC0 | (cp >> 6));
		o[1] = (unsigned char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (unsigned char)(0xE0 | (cp >> 12));
		o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		o[2] = (unsigned char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (unsigned char)(0xF0 | (cp >> 18));
	o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
	o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
	o[3] = (unsigned char)(0x80 | (cp & 0x3F));
	return 4;
}

bool wn_utf8_valid(const char *p, size_t n)
{
	const unsigned char *u = (const unsigned char *)p;
	size_t i = 0;
	while (i < n) {
		/* Skip ASCII eight bytes at a time. */
		while (i + 8 <= n) {
			uint64_t w = 0;
			for (size_t k = 0; k < 8; k++)
				w |= (uint64_t)u[i + k] << (8 * k);
			if (w & 0x8080808080808080ull)
				break;
			i += 8;
		}
		if (i >= n)
			break;
		if (u[i] < 0x80) {
			i++;
			continue;
		}
		int32_t cp;
		const size_t len = wn_utf8_decode(u + i, n - i, &cp);
		if (len == 0)
			return false;
		i += len;
	}
	return true;
}

size_t wn_utf8_count(const char *p, size_t n)
{
	size_t count = 0, i = 0;
#if defined(__SSE2__)
	size_t conts = 0;
	/* Sixteen bytes at a step: a continuation byte is, signed, below -64;
	 * each lane counts up to 255 of them before they are summed. */
	while (i + 16 <= n) {
		__m128i cont = _mm_setzero_si128();
		const size_t stop = i + 16 * 255 < n ? i + 16 * 255 : n;
		for (; i + 16 <= stop; i += 16) {
			const __m128i c = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
			cont = _mm_sub_epi8(cont, _mm_cmplt_epi8(c, _mm_set1_epi8(-64)));
		}
		const __m128i sums = _mm_sad_epu8(cont, _mm_setzero_si128());
		conts += (size_t)_mm_cvtsi128_si32(sums) +
			 (size_t)_mm_cvtsi128_si32(_mm_srli_si128(sums, 8));
	}
	count = i - conts;
#endif
	for (; i < n; i++)
		count += ((unsigned char)p[i] & 0xC0) != 0x80;
	return count;
}
