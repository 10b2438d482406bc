/* test_frequent.c - frequent.c, the table of documents per line, and
 * --drop-frequent through the filter on multi-document streams, in one
 * pass and in two. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

TestSuite(frequent);

Test(frequent, counts_distinct_documents)
{
	struct wn_freq q;
	cr_assert_eq(wn_freq_init(&q, 1 << 16), 0);
	cr_expect_eq(wn_freq_count(&q, 7, 0), 1);
	cr_expect_eq(wn_freq_count(&q, 7, 0), 1, "twice in one document counts once");
	cr_expect_eq(wn_freq_count(&q, 7, 1), 2);
	cr_expect_eq(wn_freq_count(&q, 7, 5), 3);
	cr_expect_eq(wn_freq_docs(&q, 7), 3);
	cr_expect_eq(wn_freq_docs(&q, 8), 0);
	cr_expect_eq(wn_freq_count(&q, 0, 0), 1, "hash 0 is a line like any other");
	cr_expect_eq(wn_freq_docs(&q, 0), 1);
	cr_expect_eq(q.count, 2);
	wn_freq_free(&q);
}

/* The smallest table (one bucket of four) keeps what recurs and forgets
 * the one-off lines that flood it. */
Test(frequent, bounded_and_forgets_rare_lines_first)
{
	struct wn_freq q;
	cr_assert_eq(wn_freq_init(&q, 1), 0);
	cr_assert_eq(q.nbuckets, 1);
	uint32_t doc = 0;
	for (uint64_t i = 0; i < 1000; i++) {
		wn_freq_count(&q, 1, doc);       /* in every document: site chrome */
		wn_freq_count(&q, 1000 + i, doc); /* once: content */
		doc++;
	}
	cr_expect_eq(wn_freq_docs(&q, 1), 1000);
	cr_expect_leq(q.count, WN_FREQ_BUCKET);
	cr_expect_gt(q.evicted, 900);
	wn_freq_free(&q);
}

Test(frequent, sized_by_bytes)
{
	struct wn_freq q;
	cr_assert_eq(wn_freq_init(&q, (size_t)1 << 20), 0);
	cr_expect_eq(q.nbuckets * WN_FREQ_BUCKET * sizeof(struct wn_freq_entry), (size_t)1 << 20);
	wn_freq_free(&q);
	cr_assert_eq(wn_freq_init(&q, ((size_t)1 << 20) + 100), 0);
	cr_expect_eq(q.nbuckets * WN_FREQ_BUCKET * sizeof(struct wn_freq_entry), (size_t)1 << 20,
		     "never more than asked");
	wn_freq_free(&q);
}

/* ---- Through the filter ------------------------------------------------ */

static char out[1 << 16];
static size_t out_len;
static char why[1 << 16];
static size_t why_len;

static int sink(void *ctx, const char *p, size_t n)
{
	(void)ctx;
	cr_assert_lt(out_len + n, sizeof(out));
	memcpy(out + out_len, p, n);
	out_len += n;
	return 0;
}

static void explain(void *ctx, const struct wn_event *ev)
{
	(void)ctx;
	if (ev->kind != WN_EV_DROP || ev->reason == WN_DROP_BLANK)
		return;
	why_len += (size_t)snprintf(why + why_len, sizeof(why) - why_len, "%llu:%llu %s %s %.*s\n",
				    (unsigned long long)ev->doc, (unsigned long long)ev->line,
				    wn_reason_name(ev->reason), ev->rule, (int)ev->len, ev->text);
}

/* Four pages of one site: a menu on each, and their own text. */
static const char site[] =
	"Home\nNews\nSports\nCats purr when they are content, and sometimes when hurt.\n\f"
	"Home\nNews\nDogs were domesticated at least fifteen thousand years ago.\n\f"
	"Home\nWeather\nA storm is expected tonight, the forecasters said.\nHome\n\f"
	"Home\nNews\nSports\nBirds migrate south in the autumn.\n"
	"The last one here is a long sentence without a final stop but it repeats\n\f"
	"The last one here is a long sentence without a final stop but it repeats\n"
	"Every page of this site ends with this sentence, which is long enough.\n\f"
	"The last one here is a long sentence without a final stop but it repeats\n"
	"Every page of this site ends with this sentence, which is long enough.\n\f"
	"Every page of this site ends with this sentence, which is long enough.\n";

static struct wn_filter *make(uint32_t n)
{
	out_len = why_len = 0;
	why[0] = '\0';
	const struct wn_options opt = {
		.write = sink, .explain = explain, .drop_frequent = n,
		.disable = WN_STAGE_DEDUP | WN_STAGE_BOILERPLATE,
	};
	struct wn_filter *f = wn_filter_new(&opt);
	cr_assert_not_null(f);
	return f;
}

static void balanced(const struct wn_filter *f)
{
	struct wn_stats st;
	wn_filter_stats(f, &st);
	uint64_t sum = st.lines_kept;
	for (int r = 1; r < WN_REASON_COUNT; r++)
		sum += st.dropped[r];
	cr_expect_eq(sum, st.lines_in, "lines_in %llu != kept + dropped %llu",
		     (unsigned long long)st.lines_in, (unsigned long long)sum);
}

Test(frequent, one_pass_drops_from_the_nth_document_on)
{
	struct wn_filter *f = make(3);
	cr_assert_eq(wn_filter_push(f, site, strlen(site)), 0);
	cr_assert_eq(wn_filter_finish(f), 0);
	cr_expect_str_eq(why,
		"2:8 frequent frequent Home\n"
		"2:11 frequent frequent Home\n"
		"3:12 frequent frequent Home\n"
		"3:13 frequent frequent News\n"
		"5:19 frequent frequent The last one here is a long sentence without a final stop "
		"but it repeats\n");
	/* The sentence that ends in a stop is never counted, however often. */
	cr_expect(strstr(out, "Every page of this site") != NULL);
	struct wn_stats st;
	wn_filter_stats(f, &st);
	cr_expect_eq(st.dropped[WN_DROP_FREQUENT], 5);
	balanced(f);
	wn_filter_free(f);
}

Test(frequent, two_passes_drop_every_copy)
{
	struct wn_filter *f = make(3);
	cr_assert_eq(wn_filter_count_begin(f), 0);
	cr_assert_eq(wn_filter_push(f, site, strlen(site)), 0);
	cr_assert_eq(wn_filter_count_end(f), 0);
	cr_expect_eq(out_len, 0, "the counting pass writes nothing");
	struct wn_stats st;
	wn_filter_stats(f, &st);
	cr_expect_eq(st.lines_in, 0, "nor counts");
	cr_expect_eq(st.bytes_in, 0);
	cr_assert_eq(wn_filter_push(f, site, strlen(site)), 0);
	cr_assert_eq(wn_filter_finish(f), 0);
	cr_expect_str_eq(out,
		"Sports\nCats purr when they are content, and sometimes when hurt.\n\f"
		"Dogs were domesticated at least fifteen thousand years ago.\n\f"
		"Weather\nA storm is expected tonight, the forecasters said.\n\f"
		"Sports\nBirds migrate south in the autumn.\n\f"
		"Every page of this site ends with this sentence, which is long enough.\n\f"
		"Every page of this site ends with this sentence, which is long enough.\n\f"
		"Every page of this site ends with this sentence, which is long enough.\n");
	wn_filter_stats(f, &st);
	cr_expect_eq(st.dropped[WN_DROP_FREQUENT], 11);
	cr_expect_eq(st.docs_in, 7);
	balanced(f);
	wn_filter_free(f);
}

/* Split anywhere, the counting pass counts the same. */
Test(frequent, two_passes_whatever_the_chunks)
{
	for (size_t step = 1; step < 40; step += 7) {
		struct wn_filter *f = make(2);
		cr_assert_eq(wn_filter_count_begin(f), 0);
		for (size_t i = 0; i < sizeof(site) - 1; i += step) {
			const size_t n = i + step < sizeof(site) - 1 ? step : sizeof(site) - 1 - i;
			cr_assert_eq(wn_filter_push(f, site + i, n), 0);
		}
		cr_assert_eq(wn_filter_count_end(f), 0);
		cr_assert_eq(wn_filter_push(f, site, strlen(site)), 0);
		cr_assert_eq(wn_filter_finish(f), 0);
		struct wn_stats st;
		wn_filter_stats(f, &st);
		cr_expect_eq(st.dropped[WN_DROP_FREQUENT], 13, "step %zu", step);
		wn_filter_free(f);
	}
}

Test(frequent, count_pass_out_of_order)
{
	struct wn_filter *f = make(3);
	cr_expect_eq(wn_filter_count_end(f), WN_E_STATE);
	cr_assert_eq(wn_filter_push(f, "Home\n", 5), 0);
	cr_expect_eq(wn_filter_count_begin(f), WN_E_STATE, "after input");
	wn_filter_free(f);
	f = make(0);
	cr_expect_eq(wn_filter_count_begin(f), WN_E_INVAL, "without drop_frequent");
	wn_filter_free(f);
	f = make(3);
	cr_assert_eq(wn_filter_count_begin(f), 0);
	cr_expect_eq(wn_filter_count_begin(f), WN_E_STATE, "twice");
	cr_assert_eq(wn_filter_count_end(f), 0);
	cr_expect_eq(wn_filter_count_begin(f), WN_E_STATE, "after a pass");
	wn_filter_free(f);
}
