/* fuzz_nav.c - a line's --strip-nav features on arbitrary bytes, both ways:
 * the AVX2 steps (ascii_avx2, markup_avx2) and the byte and code point
 * loops give the same features, to the bit, for every line of the input
 * (a machine without AVX2 runs the loops twice). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "nav.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static struct wn_nav nav; /* the stop word tables: built once */
	static bool ready;
	if (!ready) {
		const struct wn_options opt = { 0 };
		if (wn_nav_init(&nav, &opt) != 0)
			abort();
		ready = true;
	}
	const char *p = (const char *)d, *const end = p + n;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		struct wn_nav_feat f[2]; /* wn_nav_features zeroes each first */
		for (int k = 0; k < 2; k++) {
			wn_plain_use(k ? WN_PLAIN_PATH_AVX2 : WN_PLAIN_PATH_SSE2);
			wn_nav_features(&nav, p, len, &f[k]);
		}
		wn_plain_use(WN_PLAIN_PATH_AUTO);
		if (memcmp(&f[0], &f[1], sizeof(f[0])) != 0)
			abort();
		p += len + 1;
	}
	return 0;
}
