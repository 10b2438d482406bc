/* fuzz_key.c - the normalized key on arbitrary bytes: the fast and checked
 * paths agree, the key is idempotent, never longer than 3x the input, and
 * has no leading, trailing or doubled space. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "winnow.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	const char *in = (const char *)d;
	const size_t cap = 3 * n + 16;
	char *fast = malloc(cap), *checked = malloc(cap), *again = malloc(3 * cap + 16);
	if (!fast || !checked || !again)
		abort();
	const size_t a = wn_key_normalize(in, n, fast, cap);
	const size_t b = wn_key_normalize(in, n, checked, a);
	if (a != b || memcmp(fast, checked, a) != 0 || a > 3 * n)
		abort();
	if (a && (fast[0] == ' ' || fast[a - 1] == ' '))
		abort();
	for (size_t i = 1; i < a; i++)
		if (fast[i] == ' ' && fast[i - 1] == ' ')
			abort();
	const size_t c = wn_key_normalize(fast, a, again, 3 * cap + 16);
	if (c != a || memcmp(fast, again, a) != 0)
		abort();
	free(fast);
	free(checked);
	free(again);
	return 0;
}
