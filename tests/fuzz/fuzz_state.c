/* fuzz_state.c - the saved-state loader (src/lib/state.c) on arbitrary
 * bytes. The first byte picks the options (memory limit and on-full mode,
 * read sizes) and whether to fix the file's size field and checksum up
 * before loading, so that mutations get past the checksum to the sections.
 * Invariants:
 * - any byte string is either refused with a state error, and then
 *   wn_state_verify refuses it too, or it loads;
 * - a loaded state is consistent: the filter runs with balanced
 *   statistics, the state it saves passes wn_state_verify, loads again and
 *   saves again to the same bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

struct reader {
	const uint8_t *p;
	size_t n, pos, step;
};

static long read_some(void *ctx, void *buf, size_t cap)
{
	struct reader *r = ctx;
	size_t k = r->n - r->pos;
	if (k > cap)
		k = cap;
	if (k > r->step)
		k = r->step;
	memcpy(buf, r->p + r->pos, k);
	r->pos += k;
	return (long)k;
}

static void put64be(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

static bool state_error(int rc)
{
	return rc == WN_E_NOT_STATE || rc == WN_E_STATE_VERSION || rc == WN_E_STATE_CORRUPT ||
	       rc == WN_E_STATE_TRUNCATED || rc == WN_E_STATE_MISMATCH;
}

static const char input[] = "Markets fell sharply on Monday morning\n"
			    "The central bank left rates unchanged\n"
			    "Markets fell sharply on Monday morning\n"
			    "A brand new story about the weather today\n";

static struct wn_filter *make(const struct wn_options *opt, struct out *o)
{
	struct wn_options x = *opt;
	x.write = collect;
	x.write_ctx = o;
	struct wn_filter *f = wn_filter_new(&x);
	if (!f)
		abort();
	return f;
}

static struct out save(const struct wn_filter *f)
{
	struct out s = { 0 };
	if (wn_filter_save_state(f, collect, &s) != 0)
		abort();
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	if (n < 1)
		return 0;
	const uint8_t flags = d[0];
	uint8_t *buf = malloc(n);
	if (!buf)
		abort();
	const size_t len = n - 1;
	memcpy(buf, d + 1, len);
	if ((flags & 1) && len >= WN_STATE_HEADER_SIZE + 8) {
		put64be(buf + 16, len);
		put64be(buf + len - 8, XXH3_64bits(buf, len - 8));
	}
	static const size_t steps[4] = { 1 << 20, 1, 7, 4096 };
	const size_t step = steps[flags >> 1 & 3];

	/* Settings from the header, so that a state is seldom refused for
	 * being made with others. */
	struct wn_options opt = { 0 };
	struct wn_state_info info;
	if (wn_state_header(buf, len, &info) == 0) {
		opt.key = info.key;
		if (!info.repair)
			opt.disable |= WN_STAGE_REPAIR;
		opt.repair_off = info.repair_off;
	}
	opt.disable |= WN_STAGE_NEAR;
	if (flags & 8) {
		opt.max_mem = 1 << 20;
		opt.on_full = (enum wn_on_full)((flags >> 4) % 3);
	}

	struct out o = { 0 };
	struct wn_filter *f = make(&opt, &o);
	struct reader rd = { buf, len, 0, step };
	const int rc = wn_filter_load_state(f, read_some, &rd);

	struct reader rv = { buf, len, 0, step };
	struct wn_state_section sec[8];
	size_t nsec;
	const int vrc = wn_state_verify(read_some, &rv, &info, sec, 8, &nsec);
	if (rc != 0) {
		if (rc == WN_E_NOMEM || (rc == WN_E_LIMIT && opt.on_full == WN_FULL_FAIL))
			goto done;
		if (!state_error(rc))
			abort();
		/* What the loader refuses, the checker refuses, unless only the
		 * settings or seed differ. */
		if (rc != WN_E_STATE_MISMATCH && vrc == 0)
			abort();
		goto done;
	}
	if (vrc != 0)
		abort();

	/* Loaded: it must work and save a state that is sound. */
	if (wn_filter_push(f, input, sizeof(input) - 1) != 0 || wn_filter_finish(f) != 0)
		abort();
	struct wn_stats st;
	wn_filter_stats(f, &st);
	check_balance(&st, sizeof(input) - 1, o.len);
	struct out s1 = save(f);
	struct reader r1 = { (const uint8_t *)s1.buf, s1.len, 0, 1 << 20 };
	if (wn_state_verify(read_some, &r1, &info, sec, 8, &nsec) != 0)
		abort();
	struct out o2 = { 0 };
	struct wn_filter *g = make(&opt, &o2);
	struct reader r2 = { (const uint8_t *)s1.buf, s1.len, 0, 4096 };
	if (wn_filter_load_state(g, read_some, &r2) != 0)
		abort();
	if (wn_filter_finish(g) != 0)
		abort();
	struct out s2 = save(g);
	if (s1.len != s2.len || memcmp(s1.buf, s2.buf, s1.len) != 0)
		abort();
	wn_filter_free(g);
	free(s1.buf);
	free(s2.buf);
	free(o2.buf);
done:
	wn_filter_free(f);
	free(o.buf);
	free(buf);
	return 0;
}
