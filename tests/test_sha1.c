/* test_sha1.c - SHA-1 in base32 against FIPS 180 vectors and a real WET
 * record's WARC-Block-Digest. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "testutil.h"

static void check(const void *p, size_t n, const char *expected)
{
	char out[WN_SHA1_BASE32_LEN + 1] = { 0 };
	wn_sha1_base32(p, n, out);
	cr_assert_str_eq(out, expected, "%zu bytes", n);
}

Test(sha1, fips_vectors)
{
	check("", 0, "3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ");
	check("abc", 3, "VGMT4NSHA2AWVOR6EVYXQUGCNSONBWE5");
	check("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
	      "QSMD4RA4HPJG5OVOJKQ7SUJJ4XSUM4HR");
	char *a = malloc(1000000);
	memset(a, 'a', 1000000);
	check(a, 1000000, "GSVJOPGUYTNKJ5Q65MV5XLJHGFSTIALP");
	free(a);
}

/* Lengths at the padding edges (55, 56, 64 bytes of a block), prefixes of
 * the byte values 0..255 repeated; digests from Python's hashlib. */
Test(sha1, padding_edges)
{
	static const struct {
		size_t len;
		const char *b32;
	} cases[] = {
		{ 1, "LOUTZHNQZ74T6UVVEHLUEDSD63W2E6CP" },
		{ 55, "RLRNIZZJZ7TI76JHV5POZHD5DNTNMWWC" },
		{ 56, "MNXC5RUY3LEQGSMOMSF5F45PMQOTZCGL" },
		{ 57, "PSYTGDZVERFVOQ3VHESTGBHKPCTLPRCD" },
		{ 63, "NWKC3IGEHEVRENJI6KIFY4J2HTRIGZF5" },
		{ 64, "YYJY2UKP7IQTLP6OB3ILR6WGKZUZC7WH" },
		{ 65, "NG6XFCWW4E6NO37RS5I73ZBHWAHDSV2G" },
		{ 119, "IHEJ2BQADOVUVN4HG22E57T44GGONLQI" },
		{ 120, "2PN5MU55QWL3OR2TEG3AUNUJCJ4ONICK" },
		{ 127, "RHLTCKUQH5S42KZ6GSUXLZK5X2UQGM2T" },
		{ 128, "4ZBUXRAB7GDAHV7NUUCHSDEYYZZYLVJV" },
		{ 768, "VQVCMTEOYH2CGKSAQVHIEON4HJUXVMOS" },
	};
	unsigned char b[768];
	for (size_t i = 0; i < sizeof(b); i++)
		b[i] = (unsigned char)i;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check(b, cases[i].len, cases[i].b32);
}

/* The conversion record of a real Common Crawl WET file carries the sha1
 * of its block. */
Test(sha1, common_crawl_block_digest)
{
	struct tu_str wet = tu_data("whirlwind.warc.wet");
	const char *rec = strstr(wet.ptr, "WARC-Type: conversion");
	cr_assert_not_null(rec);
	const char *head_end = strstr(rec, "\r\n\r\n");
	const char *cl = strstr(rec, "Content-Length: ");
	cr_assert(head_end && cl && cl < head_end);
	const size_t len = strtoul(cl + 16, NULL, 10);
	check(head_end + 4, len, "RDTSR52RUHWDA7QK4BK7OUHU3EXTXYUL");
	cr_assert_not_null(strstr(rec, "WARC-Block-Digest: sha1:RDTSR52RUHWDA7QK4BK7OUHU3EXTXYUL"));
	tu_free(&wet);
}
