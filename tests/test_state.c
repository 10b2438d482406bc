/* test_state.c - the saved-state format: round trips through the filter and
 * the seen set, streaming in any chunking, and rejection of files that are
 * corrupt, truncated, newer, or made with other settings. */
#include <criterion/criterion.h>

#include "common.h"
#include "internal.h"

struct reader {
	const char *p;
	size_t len, pos;
	size_t max_chunk; /* 0: as much as asked */
	uint64_t rng;
};

static long mem_read(void *ctx, void *buf, size_t cap)
{
	struct reader *r = ctx;
	size_t n = r->len - r->pos;
	if (n > cap)
		n = cap;
	if (r->max_chunk && n) {
		const size_t c = 1 + (size_t)(rng_next(&r->rng) % r->max_chunk);
		n = c < n ? c : n;
	}
	memcpy(buf, r->p + r->pos, n);
	r->pos += n;
	return (long)n;
}

static struct wn_options opts(void)
{
	struct wn_options o = { 0 };
	o.write = sink_write;
	o.seed = 42;
	/* The state holds exact fingerprints; near duplicates (and onion's
	 * smoothing of a short line between two repeats) are not saved. */
	o.disable = WN_STAGE_NEAR;
	return o;
}

/* Runs text through a filter made from *o, after loading state (if any);
 * returns the output and, if state_out, the saved state. */
static char *run(struct wn_options o, const char *text, const struct sink *state,
		 struct sink *state_out, struct wn_stats *st)
{
	struct sink out = { 0 };
	o.write_ctx = &out;
	struct wn_filter *f = wn_filter_new(&o);
	cr_assert(f);
	if (state) {
		struct reader r = { state->buf, state->len, 0, 0, 1 };
		cr_assert_eq(wn_filter_load_state(f, mem_read, &r), 0);
	}
	cr_assert_eq(wn_filter_push(f, text, strlen(text)), 0);
	cr_assert_eq(wn_filter_finish(f), 0);
	if (state_out)
		cr_assert_eq(wn_filter_save_state(f, sink_write, state_out), 0);
	if (st)
		wn_filter_stats(f, st);
	wn_filter_free(f);
	return out.buf ? out.buf : calloc(1, 1);
}

static int load(struct wn_options o, const char *p, size_t len)
{
	struct sink out = { 0 };
	o.write_ctx = &out;
	struct wn_filter *f = wn_filter_new(&o);
	cr_assert(f);
	struct reader r = { p, len, 0, 0, 1 };
	const int rc = wn_filter_load_state(f, mem_read, &r);
	wn_filter_free(f);
	free(out.buf);
	return rc;
}

static const char day1[] = "Markets fell sharply on Monday morning\n"
			   "The central bank left rates unchanged\n";
static const char day2[] = "Markets fell sharply on Monday morning\n"
			   "A brand new story about the weather today\n"
			   "THE CENTRAL BANK LEFT RATES UNCHANGED!\n";

Test(state, round_trip_remembers_yesterday)
{
	struct sink s1 = { 0 }, s2 = { 0 };
	struct wn_stats st;
	free(run(opts(), day1, NULL, &s1, NULL));
	struct wn_options o = opts();
	o.seed = 7; /* ignored: the state brings its seed */
	char *out = run(o, day2, &s1, &s2, &st);
	cr_assert_str_eq(out, "A brand new story about the weather today\n");
	cr_assert_eq(st.seen_loaded, 2);
	cr_assert_eq(st.dropped[WN_DROP_DUP], 2);
	cr_assert_eq(st.seen_entries, 3);
	free(out);
	struct wn_state_info info;
	cr_assert_eq(wn_state_header(s2.buf, s2.len, &info), 0);
	cr_assert_eq(info.seed, 42);
	cr_assert_eq(info.lines, 3);
	cr_assert_eq(info.file_bytes, s2.len);
	free(s1.buf);
	free(s2.buf);
}

/* Saving what was loaded, with nothing new, gives the same bytes: the
 * format is canonical (sorted fingerprints). */
Test(state, save_of_a_load_is_identical)
{
	struct sink s1 = { 0 }, s2 = { 0 };
	size_t n;
	char *text = read_source_file("tests/data/aeb-25.txt", &n);
	free(run(opts(), text, NULL, &s1, NULL));
	free(run(opts(), "", &s1, &s2, NULL));
	cr_assert_eq(s1.len, s2.len);
	cr_assert(memcmp(s1.buf, s2.buf, s1.len) == 0);
	free(text);
	free(s1.buf);
	free(s2.buf);
}

/* A million fingerprints through save and a bulk load, read in pieces of
 * random size: every one is found, and nothing else. */
Test(state, bulk_load_of_a_million)
{
	struct wn_memo m, back;
	cr_assert_eq(wn_memo_init(&m, 0, WN_FULL_FAIL), 0);
	uint64_t rng = 1234;
	for (int i = 0; i < 1000000; i++)
		cr_assert_eq(wn_memo_insert(&m, rng_next(&rng)), 1);
	cr_assert_eq(wn_memo_insert(&m, 0), 1); /* the empty mark's stand-in */
	struct sink s = { 0 };
	const struct wn_state_info keying = { .seed = 1 };
	cr_assert_eq(wn_state_save(&m, NULL, 0, &keying, sink_write, &s), 0);
	cr_assert_eq(s.len, 96 + 32 + 16384 + 1000001 * 8 + 8);
	struct wn_state_reader r;
	struct reader rd = { s.buf, s.len, 0, 100000, 9 };
	cr_assert_eq(wn_state_open(&r, mem_read, &rd), 0);
	cr_assert_eq(wn_memo_init(&back, 0, WN_FULL_FAIL), 0);
	uint64_t skipped;
	cr_assert_eq(wn_state_read_sets(&r, &back, NULL, 0, &skipped), 0);
	wn_state_close(&r);
	cr_assert_eq(wn_memo_count(&back), 1000001);
	rng = 1234;
	for (int i = 0; i < 1000000; i++)
		cr_assert_eq(wn_memo_insert(&back, rng_next(&rng)), 0);
	cr_assert_eq(wn_memo_insert(&back, 0), 0);
	for (int i = 0; i < 1000; i++)
		cr_assert_eq(wn_memo_insert(&back, rng_next(&rng)), 1);
	/* The loaded table stays within the band that growth keeps. */
	const double per_entry = (double)back.gen[0].bytes / 1000001.0;
	cr_assert(per_entry > 8.8 && per_entry < 11.2, "%.2f", per_entry);
	wn_memo_free(&m);
	wn_memo_free(&back);
	free(s.buf);
}

static struct sink state_of(const struct wn_options *o, const char *text)
{
	struct sink s = { 0 };
	free(run(*o, text, NULL, &s, NULL));
	return s;
}

Test(state, other_settings_are_rejected)
{
	struct wn_options exact = opts();
	exact.key = WN_KEY_EXACT;
	struct sink s = state_of(&exact, day1);
	struct wn_state_info info;
	cr_assert_eq(wn_state_header(s.buf, s.len, &info), 0);
	struct wn_options o = opts();
	cr_assert_eq(wn_state_diff(&info, &o), WN_DIFF_KEY);
	cr_assert_eq(load(o, s.buf, s.len), WN_E_STATE_MISMATCH);
	cr_assert_eq(load(exact, s.buf, s.len), 0);
	free(s.buf);

	struct wn_options norepair = opts();
	norepair.disable = WN_STAGE_REPAIR;
	s = state_of(&norepair, day1);
	cr_assert_eq(wn_state_header(s.buf, s.len, &info), 0);
	cr_assert_eq(wn_state_diff(&info, &o), WN_DIFF_REPAIR);
	cr_assert_eq(load(o, s.buf, s.len), WN_E_STATE_MISMATCH);
	free(s.buf);

	struct wn_options rule = opts();
	rule.repair_off = 1;
	s = state_of(&rule, day1);
	cr_assert_eq(wn_state_header(s.buf, s.len, &info), 0);
	cr_assert_eq(wn_state_diff(&info, &o), WN_DIFF_REPAIR_RULES);
	cr_assert_eq(load(o, s.buf, s.len), WN_E_STATE_MISMATCH);
	free(s.buf);
}

/* A newer format version is named as such even when nothing else of the
 * file can be read; so is a newer key version. */
Test(state, newer_versions_are_rejected)
{
	struct wn_options o = opts();
	struct sink s = state_of(&o, day1);
	struct wn_state_info info;
	s.buf[11] = 2;
	cr_assert_eq(wn_state_header(s.buf, s.len, &info), WN_E_STATE_VERSION);
	cr_assert_eq(info.format, 2);
	cr_assert_eq(load(o, s.buf, s.len), WN_E_STATE_VERSION);
	cr_assert_eq(load(o, s.buf, 12), WN_E_STATE_VERSION);
	s.buf[11] = 1;
	s.buf[47] = 2; /* key version */
	cr_assert_eq(wn_state_header(s.buf, s.len, &info), 0);
	cr_assert_eq(wn_state_diff(&info, &o), WN_DIFF_KEY_VERSION);
	/* The checksum no longer matches: the file is corrupt, not other. */
	cr_assert_eq(load(o, s.buf, s.len), WN_E_STATE_CORRUPT);
	free(s.buf);
}

Test(state, not_a_state_file)
{
	const char text[] = "just some text, not a state\n";
	cr_assert_eq(load(opts(), text, sizeof(text) - 1), WN_E_NOT_STATE);
	cr_assert_eq(load(opts(), "", 0), WN_E_NOT_STATE);
}

/* Every single flipped byte and every truncation is an error: never a
 * silent load. */
Test(state, flipped_bytes_and_truncation_are_errors)
{
	size_t n;
	char *text = read_source_file("tests/data/aeb-25.txt", &n);
	struct wn_options o = opts();
	struct sink s = state_of(&o, text);
	free(text);
	cr_assert_eq(load(o, s.buf, s.len), 0);
	for (size_t i = 0; i < s.len; i += 1 + i / 64) {
		for (int bit = 0; bit < 8; bit += 3) {
			s.buf[i] ^= (char)(1 << bit);
			const int rc = load(o, s.buf, s.len);
			s.buf[i] ^= (char)(1 << bit);
			cr_assert(rc < 0, "flipped bit %d of byte %zu loaded", bit, i);
		}
	}
	for (size_t len = 0; len < s.len; len += 1 + len / 16) {
		const int rc = load(o, s.buf, len);
		cr_assert(rc == WN_E_STATE_TRUNCATED || (len < 8 && rc == WN_E_NOT_STATE),
			  "length %zu: %d", len, rc);
	}
	/* A flipped fingerprint byte is corruption. */
	s.buf[96 + 32 + 16384 + 3] ^= 0x10;
	cr_assert_eq(load(o, s.buf, s.len), WN_E_STATE_CORRUPT);
	s.buf[96 + 32 + 16384 + 3] ^= 0x10;
	/* So is anything after the checksum. */
	sink_write(&s, "x", 1);
	cr_assert_eq(load(o, s.buf, s.len), WN_E_STATE_CORRUPT);
	free(s.buf);
}

/* Two states with the same seed merge into their union; other seeds don't
 * mix. */
Test(state, loading_two_states_merges_them)
{
	struct wn_options o = opts();
	struct sink a = state_of(&o, day1), b = state_of(&o, day2), c = { 0 };
	struct sink out = { 0 };
	o.write_ctx = &out;
	struct wn_filter *f = wn_filter_new(&o);
	struct reader ra = { a.buf, a.len, 0, 0, 1 }, rb = { b.buf, b.len, 0, 0, 1 };
	cr_assert_eq(wn_filter_load_state(f, mem_read, &ra), 0);
	cr_assert_eq(wn_filter_load_state(f, mem_read, &rb), 0);
	cr_assert_eq(wn_filter_save_state(f, sink_write, &c), 0);
	struct wn_stats st;
	wn_filter_stats(f, &st);
	cr_assert_eq(st.seen_entries, 3);
	cr_assert_eq(st.seen_loaded, 3);
	wn_filter_free(f);
	struct wn_options other = opts();
	other.seed = 43;
	struct sink d = state_of(&other, day1);
	f = wn_filter_new(&o);
	struct reader rc = { c.buf, c.len, 0, 0, 1 }, rd = { d.buf, d.len, 0, 0, 1 };
	cr_assert_eq(wn_filter_load_state(f, mem_read, &rc), 0);
	cr_assert_eq(wn_filter_load_state(f, mem_read, &rd), WN_E_STATE_MISMATCH);
	wn_filter_free(f);
	free(a.buf);
	free(b.buf);
	free(c.buf);
	free(d.buf);
	free(out.buf);
}

Test(state, load_after_input_is_invalid)
{
	struct wn_options o = opts();
	struct sink s = state_of(&o, day1), out = { 0 };
	o.write_ctx = &out;
	struct wn_filter *f = wn_filter_new(&o);
	cr_assert_eq(wn_filter_push(f, "x\n", 2), 0);
	struct reader r = { s.buf, s.len, 0, 0, 1 };
	cr_assert_eq(wn_filter_load_state(f, mem_read, &r), WN_E_INVAL);
	wn_filter_free(f);
	free(s.buf);
	free(out.buf);
}

/* Generations (forget) and Bloom filters survive a save and load as they
 * are: saving again gives the same bytes. */
static void same_after_reload(uint64_t limit, enum wn_on_full mode, uint64_t n)
{
	struct wn_memo m, back;
	cr_assert_eq(wn_memo_init(&m, limit, mode), 0);
	uint64_t rng = 77;
	for (uint64_t i = 0; i < n; i++)
		cr_assert_geq(wn_memo_insert(&m, rng_next(&rng)), 0);
	struct sink s = { 0 }, s2 = { 0 };
	const struct wn_state_info keying = { .seed = 1 };
	cr_assert_eq(wn_state_save(&m, NULL, 0, &keying, sink_write, &s), 0);
	struct wn_state_reader r;
	struct reader rd = { s.buf, s.len, 0, 0, 1 };
	cr_assert_eq(wn_state_open(&r, mem_read, &rd), 0);
	cr_assert_eq(wn_memo_init(&back, limit, mode), 0);
	uint64_t skipped;
	cr_assert_eq(wn_state_read_sets(&r, &back, NULL, 0, &skipped), 0);
	cr_assert_eq(skipped, 0);
	wn_state_close(&r);
	cr_assert_eq(back.ngens, m.ngens);
	cr_assert_eq(back.bloom.set != NULL, m.bloom.set != NULL);
	cr_assert_eq(wn_state_save(&back, NULL, 0, &keying, sink_write, &s2), 0);
	cr_assert_eq(s.len, s2.len);
	cr_assert(memcmp(s.buf, s2.buf, s.len) == 0);
	wn_memo_free(&m);
	wn_memo_free(&back);
	free(s.buf);
	free(s2.buf);
}

Test(state, forget_generations_round_trip)
{
	same_after_reload((uint64_t)4 << 20, WN_FULL_FORGET, 1000000);
}

Test(state, bloom_round_trip)
{
	same_after_reload((uint64_t)4 << 20, WN_FULL_BLOOM, 1000000);
}

/* A state bigger than a forget run's limit: its oldest part is forgotten,
 * the rest loads, and the memory stays within the limit. */
Test(state, big_state_into_a_small_forget_limit)
{
	const uint64_t limit = (uint64_t)4 << 20;
	struct wn_memo m, back;
	cr_assert_eq(wn_memo_init(&m, 0, WN_FULL_FAIL), 0);
	uint64_t rng = 99;
	for (int i = 0; i < 1000000; i++)
		wn_memo_insert(&m, rng_next(&rng));
	struct sink s = { 0 };
	const struct wn_state_info keying = { .seed = 1 };
	cr_assert_eq(wn_state_save(&m, NULL, 0, &keying, sink_write, &s), 0);
	struct wn_state_reader r;
	struct reader rd = { s.buf, s.len, 0, 0, 1 };
	cr_assert_eq(wn_state_open(&r, mem_read, &rd), 0);
	cr_assert_eq(wn_memo_init(&back, limit, WN_FULL_FORGET), 0);
	uint64_t skipped;
	cr_assert_eq(wn_state_read_sets(&r, &back, NULL, 0, &skipped), 0);
	wn_state_close(&r);
	cr_assert_leq(wn_memo_bytes(&back), limit);
	cr_assert_gt(wn_memo_count(&back), 200000);
	cr_assert_gt(back.forgotten, 500000);
	for (int i = 0; i < 100000; i++)
		cr_assert_geq(wn_memo_insert(&back, rng_next(&rng)), 0);
	cr_assert_leq(wn_memo_bytes(&back), limit);
	wn_memo_free(&m);
	wn_memo_free(&back);
	free(s.buf);
}
