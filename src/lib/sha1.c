/* sha1.c - SHA-1 (FIPS 180-4) in base32, for the WARC-Block-Digest of a WET
 * record whose text was rewritten. Not for security: WARC names it. */
#include <string.h>

#include "internal.h"

struct sha1 {
	uint32_t h[5];
	unsigned char block[64];
	size_t used;     /* bytes in block */
	uint64_t nbytes; /* total bytes hashed */
};

static uint32_t rol(uint32_t x, unsigned n)
{
	return (x << n) | (x >> (32 - n));
}

static uint32_t load_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* One round: the caller passes f(b, c, d) + k; the registers rotate by
 * renaming in the unrolled calls rather than by moves. */
#define ROUND(a, b, c, d, e, fk, w)                              \
	do {                                                     \
		(e) += rol((a), 5) + (fk) + (w);                 \
		(b) = rol((b), 30);                              \
	} while (0)

static void compress(uint32_t h[5], const unsigned char *block)
{
	uint32_t w[80];
	for (int i = 0; i < 16; i++)
		w[i] = load_be32(block + 4 * i);
	for (int i = 16; i < 80; i++)
		w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
	uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
	for (int i = 0; i < 20; i += 5) {
		ROUND(a, b, c, d, e, ((b & c) | (~b & d)) + 0x5A827999, w[i]);
		ROUND(e, a, b, c, d, ((a & b) | (~a & c)) + 0x5A827999, w[i + 1]);
		ROUND(d, e, a, b, c, ((e & a) | (~e & b)) + 0x5A827999, w[i + 2]);
		ROUND(c, d, e, a, b, ((d & e) | (~d & a)) + 0x5A827999, w[i + 3]);
		ROUND(b, c, d, e, a, ((c & d) | (~c & e)) + 0x5A827999, w[i + 4]);
	}
	for (int i = 20; i < 40; i += 5) {
		ROUND(a, b, c, d, e, (b ^ c ^ d) + 0x6ED9EBA1, w[i]);
		ROUND(e, a, b, c, d, (a ^ b ^ c) + 0x6ED9EBA1, w[i + 1]);
		ROUND(d, e, a, b, c, (e ^ a ^ b) + 0x6ED9EBA1, w[i + 2]);
		ROUND(c, d, e, a, b, (d ^ e ^ a) + 0x6ED9EBA1, w[i + 3]);
		ROUND(b, c, d, e, a, (c ^ d ^ e) + 0x6ED9EBA1, w[i + 4]);
	}
	for (int i = 40; i < 60; i += 5) {
		ROUND(a, b, c, d, e, ((b & c) | (b & d) | (c & d)) + 0x8F1BBCDC, w[i]);
		ROUND(e, a, b, c, d, ((a & b) | (a & c) | (b & c)) + 0x8F1BBCDC, w[i + 1]);
		ROUND(d, e, a, b, c, ((e & a) | (e & b) | (a & b)) + 0x8F1BBCDC, w[i + 2]);
		ROUND(c, d, e, a, b, ((d & e) | (d & a) | (e & a)) + 0x8F1BBCDC, w[i + 3]);
		ROUND(b, c, d, e, a, ((c & d) | (c & e) | (d & e)) + 0x8F1BBCDC, w[i + 4]);
	}
	for (int i = 60; i < 80; i += 5) {
		ROUND(a, b, c, d, e, (b ^ c ^ d) + 0xCA62C1D6, w[i]);
		ROUND(e, a, b, c, d, (a ^ b ^ c) + 0xCA62C1D6, w[i + 1]);
		ROUND(d, e, a, b, c, (e ^ a ^ b) + 0xCA62C1D6, w[i + 2]);
		ROUND(c, d, e, a, b, (d ^ e ^ a) + 0xCA62C1D6, w[i + 3]);
		ROUND(b, c, d, e, a, (c ^ d ^ e) + 0xCA62C1D6, w[i + 4]);
	}
	h[0] += a;
	h[1] += b;
	h[2] += c;
	h[3] += d;
	h[4] += e;
}

static void sha1_update(struct sha1 *s, const unsigned char *p, size_t n)
{
	s->nbytes += n;
	if (s->used) {
		const size_t take = n < 64 - s->used ? n : 64 - s->used;
		memcpy(s->block + s->used, p, take);
		s->used += take;
		p += take;
		n -= take;
		if (s->used < 64)
			return;
		compress(s->h, s->block);
		s->used = 0;
	}
	for (; n >= 64; p += 64, n -= 64)
		compress(s->h, p);
	memcpy(s->block, p, n);
	s->used = n;
}

static void sha1_final(struct sha1 *s, unsigned char digest[20])
{
	const uint64_t bits = s->nbytes * 8;
	unsigned char pad[72] = { 0x80 };
	const size_t npad = (s->used < 56 ? 56 : 120) - s->used;
	for (int i = 0; i < 8; i++)
		pad[npad + (size_t)i] = (unsigned char)(bits >> (56 - 8 * i));
	sha1_update(s, pad, npad + 8);
	for (int i = 0; i < 20; i++)
		digest[i] = (unsigned char)(s->h[i / 4] >> (24 - 8 * (i % 4)));
}

void wn_sha1_base32(const void *p, size_t n, char out[WN_SHA1_BASE32_LEN])
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	struct sha1 s = { { 0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0 },
			  { 0 }, 0, 0 };
	unsigned char digest[20];
	sha1_update(&s, p, n);
	sha1_final(&s, digest);
	/* 160 bits are 32 groups of five, so no padding. */
	for (int i = 0; i < WN_SHA1_BASE32_LEN; i++) {
		const int bit = 5 * i;
		const unsigned v = (unsigned)digest[bit / 8] << 8 |
				   (bit / 8 + 1 < 20 ? digest[bit / 8 + 1] : 0);
		out[i] = alphabet[(v >> (11 - bit % 8)) & 31];
	}
}
