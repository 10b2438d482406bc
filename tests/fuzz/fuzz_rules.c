/* fuzz_rules.c - the boilerplate rules parser (src/lib/rules.c) on arbitrary
 * rules files. The first byte picks options; the rest is the rules text.
 * Invariants:
 * - a malformed text is refused with WN_E_INVAL naming the text, a line
 *   that exists in it and a message, and the text cut before that line is
 *   accepted (the line named is the first bad one);
 * - an accepted text makes a filter that runs over the rules text itself
 *   and over real boilerplate lines, with balanced statistics, and gives
 *   the same output pushed whole or byte by byte. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

static const char sample[] =
	"Skip to content\n"
	"The council met on Tuesday evening to discuss the budget.\n"
	"Leave a Reply\n"
	"Your email address will not be published.\n"
	"Share this:\n"
	"Page 3 of 12\n"
	"Copyright 2019 Example Media Group. All rights reserved.\n"
	"\f"
	"Home News Sport Weather\n"
	"Residents asked for more money for the library.\n";

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	if (n < 1 || n > 8192)
		return 0;
	static const char name[] = "fuzz.rules";
	const char *text = (const char *)d + 1;
	const size_t len = n - 1;
	struct wn_rules_text rules = { name, text, len };
	struct wn_options opt = { 0 };
	opt.rules = &rules;
	opt.nrules = 1;
	opt.min_chars = 4;
	if (!(d[0] & 1)) /* the built-in rules in half the runs */
		opt.disable |= WN_STAGE_BUILTIN_RULES;
	if (d[0] & 2)
		opt.scope = WN_SCOPE_DOC;
	opt.write = collect;

	struct wn_filter *f = NULL;
	struct wn_diag diag;
	const int rc = wn_filter_create(&opt, &f, &diag);
	if (rc == WN_E_NOMEM)
		return 0;
	if (rc != 0) {
		size_t lines = 1;
		for (size_t i = 0; i < len; i++)
			lines += text[i] == '\n';
		if (rc != WN_E_INVAL || diag.err != rc || diag.source != name || diag.line == 0 ||
		    diag.line > lines || !diag.msg[0])
			abort();
		/* The text before the line named is good. */
		size_t cut = 0;
		for (size_t line = 1; line < diag.line; line++)
			cut = (size_t)((const char *)memchr(text + cut, '\n', len - cut) - text) + 1;
		rules.len = cut;
		struct wn_diag again;
		const int rc2 = wn_filter_create(&opt, &f, &again);
		if (rc2 == WN_E_NOMEM)
			return 0;
		if (rc2 != 0)
			abort();
		wn_filter_free(f);
		return 0;
	}
	wn_filter_free(f);

	/* The rules text as input (its phrases are lines some rule matches),
	 * then real boilerplate. */
	const size_t in_len = len + sizeof(sample) - 1;
	char *in = malloc(in_len + 1);
	if (!in)
		abort();
	memcpy(in, text, len);
	memcpy(in + len, sample, sizeof(sample) - 1);
	struct wn_stats st;
	run_filter_twice(&opt, (const uint8_t *)in, in_len, 1 + (d[0] >> 2), &st);
	free(in);
	return 0;
}
