/* test_boiler.c - the boilerplate stage through the filter: every built-in
 * group with lines it must drop and lines it must keep, zones, user rules,
 * explanations, balanced statistics, chunking, long documents, real pages
 * (tests/data/boiler) and the seed sample. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

TestSuite(boiler);

/* ---- Running the filter ------------------------------------------------- */

struct drop {
	uint64_t doc;
	uint64_t line;
	enum wn_reason reason;
	char rule[32];
	char text[200];
};

struct result {
	struct wn_buf out;
	struct drop *drops;
	size_t ndrops;
	struct wn_stats st;
};

static int sink(void *ctx, const char *p, size_t n)
{
	return wn_buf_append(&((struct result *)ctx)->out, p, n);
}

static void on_event(void *ctx, const struct wn_event *ev)
{
	struct result *r = ctx;
	if (ev->kind != WN_EV_DROP || ev->reason == WN_DROP_BLANK)
		return;
	r->drops = realloc(r->drops, (r->ndrops + 1) * sizeof(*r->drops));
	cr_assert_not_null(r->drops);
	struct drop *d = &r->drops[r->ndrops++];
	d->doc = ev->doc;
	d->line = ev->line;
	d->reason = ev->reason;
	snprintf(d->rule, sizeof(d->rule), "%s", ev->rule);
	snprintf(d->text, sizeof(d->text), "%.*s", (int)ev->len, ev->text);
}

static void result_free(struct result *r)
{
	wn_buf_free(&r->out);
	free(r->drops);
	memset(r, 0, sizeof(*r));
}

static void check_balance(const struct wn_stats *st)
{
	uint64_t sum = st->lines_kept;
	for (int i = 1; i < WN_REASON_COUNT; i++)
		sum += st->dropped[i];
	cr_expect_eq(sum, st->lines_in, "lines_in %llu != kept + dropped %llu",
		     (unsigned long long)st->lines_in, (unsigned long long)sum);
}

/* Runs text through a filter made from *base (dedup off unless base says
 * otherwise), pushing it in pieces of step bytes (0: at once). */
static void run_opt(const char *text, size_t len, const struct wn_options *base, size_t step,
		    struct result *r)
{
	memset(r, 0, sizeof(*r));
	struct wn_options opt = *base;
	opt.write = sink;
	opt.write_ctx = r;
	opt.explain = on_event;
	opt.explain_ctx = r;
	struct wn_filter *f = wn_filter_new(&opt);
	cr_assert_not_null(f);
	if (!step)
		step = len ? len : 1;
	for (size_t i = 0; i < len; i += step)
		cr_assert_eq(wn_filter_push(f, text + i, i + step < len ? step : len - i), 0);
	cr_assert_eq(wn_filter_finish(f), 0);
	wn_filter_stats(f, &r->st);
	wn_filter_free(f);
	wn_buf_putc(&r->out, '\0');
	r->out.len--;
	check_balance(&r->st);
}

static void run(const char *text, struct result *r)
{
	const struct wn_options opt = { .disable = WN_STAGE_DEDUP };
	run_opt(text, strlen(text), &opt, 0, r);
}

static const struct drop *find_drop(const struct result *r, const char *text)
{
	for (size_t i = 0; i < r->ndrops; i++)
		if (strcmp(r->drops[i].text, text) == 0)
			return &r->drops[i];
	return NULL;
}

static bool kept(const struct result *r, const char *line)
{
	const size_t n = strlen(line);
	for (const char *p = r->out.ptr; p && (p = strstr(p, line)) != NULL; p++)
		if ((p == r->out.ptr || p[-1] == '\n') && p[n] == '\n')
			return true;
	return false;
}

static void expect_dropped(const struct result *r, const char *line, enum wn_reason reason,
			   const char *rule)
{
	const struct drop *d = find_drop(r, line);
	cr_expect_not_null(d, "'%s' should be dropped by %s", line, rule);
	if (!d)
		return;
	cr_expect_eq(d->reason, reason, "'%s': reason %s, not %s", line,
		     wn_reason_name(d->reason), wn_reason_name(reason));
	cr_expect_str_eq(d->rule, rule, "'%s'", line);
	cr_expect(!kept(r, line), "'%s' is still in the output", line);
}

static void expect_kept(const struct result *r, const char *line)
{
	const struct drop *d = find_drop(r, line);
	cr_expect_null(d, "'%s' dropped by %s/%s", line, d ? wn_reason_name(d->reason) : "",
		       d ? d->rule : "");
	cr_expect(kept(r, line), "'%s' missing from the output", line);
}

/* ---- Every built-in group ------------------------------------------------ */

static const char para1[] =
	"The council met on Tuesday evening to discuss the budget for the coming year, "
	"which has been delayed twice by disagreements over road repairs.";
static const char para2[] =
	"Residents who spoke at the meeting asked for more money for the library, and the "
	"mayor promised to look again at the figures before the final vote.";

struct group_case {
	const char *line;
	const char *rule; /* NULL: must stay */
};

static const struct group_case groups[] = {
	/* Comment forms */
	{ "Your email address will not be published.", "comment-form" },
	{ "Your email address will not be published. Required fields are marked *",
	  "comment-form" },
	{ "Required fields are marked *", "comment-form" },
	{ "Save my name, email, and website in this browser for the next time I comment.",
	  "comment-form" },
	{ "Post Comment", "comment-form" },
	{ "Cancel reply", "comment-form" },
	{ "Comments are closed.", "comment-form" },
	{ "Name *", "comment-form" },
	{ "Website *", "comment-form" },
	{ "Deine E-Mail-Adresse wird nicht veröffentlicht.", "comment-form" },
	{ "Erforderliche Felder sind mit * markiert", "comment-form" },
	{ "Votre adresse e-mail ne sera pas publiée.", "comment-form" },
	{ "Les champs obligatoires sont indiqués avec *", "comment-form" },
	{ "Tu dirección de correo electrónico no será publicada.", "comment-form" },
	{ "Los campos obligatorios están marcados con *", "comment-form" },
	{ "Name", NULL },     /* a table's heading */
	{ "Comments", NULL }, /* the heading of a blog's comments, which are content */
	{ "Email:", NULL },
	{ "The bank said your email address will not be published.", NULL },
	{ "Leave a Reply", "comment-header" },
	{ "Leave a Comment", "comment-header" },
	{ "Schreibe einen Kommentar", "comment-header" },
	{ "Laisser un commentaire", "comment-header" },
	{ "Deja una respuesta", "comment-header" },
	{ "Leave a reply to the letter within a week, the court ordered.", NULL },
	/* Sharing */
	{ "Share this:", "share-header" },
	{ "Like this:", "share-header" },
	{ "Teilen mit:", "share-header" },
	{ "Partager :", "share-header" },
	{ "Comparte esto:", "share-header" },
	{ "Click to share on Twitter (Opens in new window)", "sharing" },
	{ "Click to share on Facebook (Opens in new window)", "sharing" },
	{ "Share on Facebook", "sharing" },
	{ "Pin it", "sharing" },
	{ "Klicke, um auf Twitter zu teilen (Wird in neuem Fenster geöffnet)", "sharing" },
	{ "Cliquez pour partager sur Facebook(ouvre dans une nouvelle fenêtre)", "sharing" },
	{ "Haz clic para compartir en Twitter (Se abre en una ventana nueva)", "sharing" },
	{ "Share on Facebook fell sharply among teenagers after 2015, according to the survey "
	  "of four thousand households.", NULL },
	{ "Facebook", "share-buttons" },
	{ "Twitter", "share-buttons" },
	{ "Tweet", "share-buttons" },
	{ "Facebook Twitter LinkedIn Email", "share-buttons" },
	{ "Facebook shares fell", NULL },
	{ "Follow us on Twitter", "follow" },
	{ "Síguenos en Instagram", "follow" },
	{ "12 likes", "social-counter" },
	{ "3 shares", "social-counter" },
	{ "1.2K views", "social-counter" },
	{ "Likes: 12", "social-counter" },
	{ "245 Aufrufe", "social-counter" },
	{ "12 partages", "social-counter" },
	{ "34 me gusta", "social-counter" },
	{ "He views 3 shares as enough.", NULL },
	/* Cookies, legal */
	{ "This website uses cookies to improve your experience. We'll assume you're ok with "
	  "this, but you can opt-out if you wish.", "cookie-consent" },
	{ "We use cookies to ensure that we give you the best experience on our website. If "
	  "you continue to use this site we will assume that you are happy with it.",
	  "cookie-consent" },
	{ "Accept all cookies", "cookie-consent" },
	{ "Diese Website verwendet Cookies.", "cookie-consent" },
	{ "Ce site utilise des cookies pour améliorer votre expérience.", "cookie-consent" },
	{ "Este sitio web utiliza cookies para mejorar su experiencia.", "cookie-consent" },
	{ "We use cookies and cream to make the base of this cheesecake.", NULL },
	{ "Under the new privacy policy, which takes effect in May, users can ask the company "
	  "to delete the data it holds about them.", NULL },
	{ "Privacy Policy", "legal-links" },
	{ "Terms of Use", "legal-links" },
	{ "Impressum", "legal-links" },
	{ "Mentions légales", "legal-links" },
	{ "Política de privacidad", "legal-links" },
	{ "Privacy policy experts disagreed.", NULL },
	/* Newsletters, ads, read more */
	{ "Subscribe to our newsletter", "newsletter" },
	{ "Sign up for our daily newsletter", "newsletter" },
	{ "Newsletter abonnieren", "newsletter" },
	{ "Abonnez-vous à notre newsletter", "newsletter" },
	{ "Suscríbete a nuestro boletín", "newsletter" },
	{ "Subscribe to our newsletter, the mayor urged residents at a crowded meeting where "
	  "the budget shortfall dominated the discussion.", NULL },
	{ "Advertisement", "advertising" },
	{ "ADVERTISEMENT", "advertising" },
	{ "Sponsored", "advertising" },
	{ "Anzeige", "advertising" },
	{ "Publicité", "advertising" },
	{ "Publicidad", "advertising" },
	{ "Advertisement revenue fell 4% in the quarter.", NULL },
	{ "Read more", "read-more" },
	{ "Continue reading →", "read-more" },
	{ "Continue reading “The Busy Beaver Frontier”", "read-more" },
	{ "Weiterlesen", "read-more" },
	{ "Lire la suite", "read-more" },
	{ "Leer más", "read-more" },
	{ "more.", NULL }, /* the end of a wrapped sentence */
	/* Related posts, sidebars, site chrome */
	{ "Related posts", "related" },
	{ "You may also like", "related" },
	{ "Ähnliche Beiträge", "related" },
	{ "Articles similaires", "related" },
	{ "Entradas relacionadas", "related" },
	{ "Articoli correlati", "related" },
	{ "Gerelateerde artikelen", "related" },
	{ "Artigos relacionados", "related" },
	{ "Podobne artykuły", "related" },
	{ "Похожие статьи", "related" },
	{ "Читайте также: Как выбрать зимние шины", "related" },
	{ "相关文章", "related" },
	{ "関連記事", "related" },
	{ "관련 기사", "related" },
	{ "Podobne artykuły ukazały się w zeszłym tygodniu w kilku gazetach.", NULL },
	{ "Leggi anche", NULL }, /* kept in a scrapinghub-aeb article's gold text */
	{ "Похожие статьи появлялись в газете и раньше, но эта вызвала настоящий скандал среди "
	  "читателей.", NULL },
	{ "Related posts on social media drew thousands of replies within an hour of the "
	  "announcement.", NULL },
	{ "Recent Comments", "sidebar" },
	{ "Categories", NULL },
	{ "Archives", NULL },
	{ "Skip to content", "site-nav" },
	{ "Skip to main content", "site-nav" },
	{ "Back to top", "site-nav" },
	{ "Zum Inhalt springen", "site-nav" },
	{ "Aller au contenu", "site-nav" },
	{ "Saltar al contenido", "site-nav" },
	{ "Home.", NULL },
	{ "Contact Us", "site-links" },
	{ "Über uns", "site-links" },
	{ "Plan du site", "site-links" },
	{ "Contacto", "site-links" },
	{ "Contact", NULL },
	{ "About", NULL },
	{ "Posted in News", "post-meta" },
	{ "Tagged cats, dogs", "post-meta" },
	{ "Tags: economy, trade", "post-meta" },
	{ "Filed under: Politics", "post-meta" },
	{ "Veröffentlicht in Allgemein", "post-meta" },
	{ "Publié dans Actualités", "post-meta" },
	{ "Publicado en Noticias", "post-meta" },
	{ "This entry was posted in Uncategorized and tagged cats. Bookmark the permalink.",
	  "post-meta-long" },
	{ "Tags", NULL },
	{ "Proudly powered by WordPress", "powered-by" },
	{ "Fièrement propulsé par WordPress", "powered-by" },
	/* Tail groups stay in the body of a document */
	{ "Copyright 2019 Hawaii News Now. All rights reserved.", NULL },
	{ "© Reuters", NULL },
	{ "Photo by Jane Doe on Unsplash", NULL },
	{ "12 Comments", NULL },
	{ "Further reporting by William Langley in Hong Kong", NULL },
};

/* Each case is the middle line of a document of its own, between two
 * paragraphs, so that no zone is involved. */
Test(boiler, every_group)
{
	struct wn_buf in = { 0 };
	const size_t n = sizeof(groups) / sizeof(groups[0]);
	for (size_t i = 0; i < n; i++) {
		char doc[1024];
		snprintf(doc, sizeof(doc), "%s\n%s\n%s\n\f", para1, groups[i].line, para2);
		cr_assert_eq(wn_buf_append(&in, doc, strlen(doc)), 0);
	}
	struct result r;
	const struct wn_options opt = { .disable = WN_STAGE_DEDUP };
	run_opt(in.ptr, in.len, &opt, 0, &r);
	for (size_t i = 0; i < n; i++) {
		const struct drop *d = NULL;
		for (size_t j = 0; j < r.ndrops; j++)
			if (r.drops[j].doc == i)
				d = &r.drops[j];
		if (groups[i].rule) {
			cr_expect(d != NULL, "'%s' should be dropped by %s", groups[i].line,
				  groups[i].rule);
			if (d) {
				cr_expect_eq(d->reason, WN_DROP_RULE, "'%s'", groups[i].line);
				cr_expect_str_eq(d->rule, groups[i].rule, "'%s'", groups[i].line);
				cr_expect_eq(d->line, 3 * i + 2);
			}
		} else {
			cr_expect(d == NULL, "'%s' dropped by %s", groups[i].line, d ? d->rule : "");
		}
	}
	cr_expect_eq(r.st.docs_in, n);
	result_free(&r);
	wn_buf_free(&in);
}

/* ---- Zones ---------------------------------------------------------------- */

Test(boiler, copyright_in_the_footer_goes)
{
	struct result r;
	char in[2048];
	snprintf(in, sizeof(in), "%s\n%s\nPrivacy Policy\nTerms of Use\n"
		 "© 2019 Foo Media Inc. All rights reserved.\nPhoto by Jane Doe on Unsplash\n",
		 para1, para2);
	run(in, &r);
	expect_dropped(&r, "Privacy Policy", WN_DROP_RULE, "legal-links");
	expect_dropped(&r, "© 2019 Foo Media Inc. All rights reserved.", WN_DROP_ZONE, "copyright");
	expect_dropped(&r, "Photo by Jane Doe on Unsplash", WN_DROP_ZONE, "credits");
	expect_kept(&r, para2);
	result_free(&r);
}

Test(boiler, copyright_in_the_body_stays)
{
	struct result r;
	char in[2048];
	snprintf(in, sizeof(in), "%s\nCopyright 2019 Hawaii News Now. All rights reserved.\n%s\n"
		 "Privacy Policy\n", para1, para2);
	run(in, &r);
	expect_kept(&r, "Copyright 2019 Hawaii News Now. All rights reserved.");
	result_free(&r);
	/* Nor at the very end, with no boilerplate around it: the article's own. */
	snprintf(in, sizeof(in), "%s\n%s\n(Reporting by Will Dunham; Editing by Tom Brown)\n"
		 "© Reuters\n", para1, para2);
	run(in, &r);
	expect_kept(&r, "© Reuters");
	result_free(&r);
}

Test(boiler, footer_zone_after_a_marker)
{
	struct result r;
	char in[4096];
	snprintf(in, sizeof(in), "%s\n%s\n%s\nRelated posts\n\nTen things to do in Rome\n"
		 "Why the central bank cut rates again\n%s\nNew tram line opens\n",
		 para1, para2, para1, para2);
	run(in, &r);
	expect_dropped(&r, "Related posts", WN_DROP_RULE, "related");
	expect_dropped(&r, "Ten things to do in Rome", WN_DROP_ZONE, "related");
	expect_dropped(&r, "Why the central bank cut rates again", WN_DROP_ZONE, "related");
	expect_kept(&r, "New tram line opens"); /* the paragraph closed the zone */
	result_free(&r);
}

Test(boiler, marker_high_up_opens_no_zone)
{
	struct result r;
	char in[4096];
	snprintf(in, sizeof(in), "Related posts\nTen things to do in Rome\n%s\n%s\n%s\n%s\n",
		 para1, para2, para1, para2);
	run(in, &r);
	expect_dropped(&r, "Related posts", WN_DROP_RULE, "related");
	expect_kept(&r, "Ten things to do in Rome");
	result_free(&r);
}

Test(boiler, comment_form_zone)
{
	struct result r;
	char in[4096];
	snprintf(in, sizeof(in), "%s\n%s\n%s\n12 Comments\nLeave a Reply\nComment\n\nName\n"
		 "Email\nWebsite\nPost Comment\n", para1, para2, para1);
	run(in, &r);
	expect_dropped(&r, "12 Comments", WN_DROP_ZONE, "comment-count");
	expect_dropped(&r, "Leave a Reply", WN_DROP_RULE, "comment-header");
	expect_dropped(&r, "Name", WN_DROP_ZONE, "comment-header");
	expect_dropped(&r, "Website", WN_DROP_ZONE, "comment-header");
	expect_dropped(&r, "Post Comment", WN_DROP_RULE, "comment-form");
	cr_expect(r.out.len > strlen(para1) &&
		  strncmp(r.out.ptr + r.out.len - strlen(para1) - 1, para1, strlen(para1)) == 0,
		  "the text ends the output");
	result_free(&r);
}

/* ---- The seed sample -------------------------------------------------------- */

static char *slurp(const char *path, size_t *len_out)
{
	FILE *fp = fopen(path, "rb");
	cr_assert_not_null(fp, "%s", path);
	struct wn_buf b = { 0 };
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		cr_assert_eq(wn_buf_append(&b, chunk, n), 0);
	fclose(fp);
	wn_buf_putc(&b, '\0');
	*len_out = b.len - 1;
	return b.ptr;
}

Test(boiler, seed_sample)
{
	size_t in_len, want_len;
	char *in = slurp(WN_SOURCE_DIR "/samples/000_bf096e77d9db111c.txt", &in_len);
	char *want = slurp(WN_SOURCE_DIR "/samples/000_bf096e77d9db111c.expected", &want_len);
	struct result r;
	const struct wn_options opt = { 0 };
	run_opt(in, in_len, &opt, 0, &r);
	cr_expect_str_eq(r.out.ptr, want);
	expect_dropped(&r, "Leave a Reply", WN_DROP_RULE, "comment-header");
	expect_dropped(&r, "Your email address will not be published.", WN_DROP_RULE,
		       "comment-form");
	expect_kept(&r, "Further reporting by William Langley in Hong Kong");
	const char *last = "Further reporting by William Langley in Hong Kong\n";
	cr_expect_str_eq(r.out.ptr + r.out.len - strlen(last), last, "the article's last line ends it");
	result_free(&r);
	free(in);
	free(want);
}

/* ---- Real pages --------------------------------------------------------------- */

static const char *const pages[] = {
	"scrapinghub-264dc3ae3124", "scrapinghub-359fee228518", "cleaneval-38",
};

/* Run over a page's gold text, the rules drop nothing; over its scraped
 * text, they drop boilerplate and keep every gold line. */
Test(boiler, real_pages_keep_their_text)
{
	for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
		char path[512];
		size_t gold_len, scraped_len;
		snprintf(path, sizeof(path), "%s/tests/data/boiler/%s.gold.txt", WN_SOURCE_DIR,
			 pages[i]);
		char *gold = slurp(path, &gold_len);
		snprintf(path, sizeof(path), "%s/tests/data/boiler/%s.scraped.txt", WN_SOURCE_DIR,
			 pages[i]);
		char *scraped = slurp(path, &scraped_len);
		const struct wn_options opt = { .disable = WN_STAGE_DEDUP };
		struct result r;
		run_opt(gold, gold_len, &opt, 0, &r);
		for (size_t j = 0; j < r.ndrops; j++)
			cr_expect_fail("%s: gold line %llu dropped by %s: %s", pages[i],
				       (unsigned long long)r.drops[j].line, r.drops[j].rule,
				       r.drops[j].text);
		result_free(&r);
		run_opt(scraped, scraped_len, &opt, 0, &r);
		cr_expect_gt(r.st.dropped[WN_DROP_RULE], 2, "%s", pages[i]);
		for (size_t j = 0; j < r.ndrops; j++) {
			const char *t = r.drops[j].text;
			const char *at = strstr(gold, t);
			const bool whole = at && (at == gold || at[-1] == '\n') && at[strlen(t)] == '\n';
			cr_expect(!whole, "%s: gold line dropped from the page by %s: %s", pages[i],
				  r.drops[j].rule, t);
		}
		result_free(&r);
		free(gold);
		free(scraped);
	}
}

Test(boiler, real_page_boilerplate)
{
	size_t len;
	char *page = slurp(WN_SOURCE_DIR "/tests/data/boiler/scrapinghub-264dc3ae3124.scraped.txt",
			   &len);
	struct result r;
	const struct wn_options opt = { .disable = WN_STAGE_DEDUP };
	run_opt(page, len, &opt, 0, &r);
	expect_dropped(&r, "Share this:", WN_DROP_RULE, "share-header");
	expect_dropped(&r, "Click to share on Reddit (Opens in new window)", WN_DROP_RULE, "sharing");
	expect_dropped(&r, "Copyright © 2019 MediaNews Group, Inc.", WN_DROP_ZONE, "copyright");
	expect_dropped(&r, "Powered by WordPress.com VIP", WN_DROP_RULE, "powered-by");
	result_free(&r);
	free(page);
}

/* ---- Options, user rules, errors ------------------------------------------------- */

Test(boiler, stage_off)
{
	struct result r;
	char in[2048];
	snprintf(in, sizeof(in), "%s\nLeave a Reply\nPrivacy Policy\n© 2019 Foo\n", para1);
	const struct wn_options opt = { .disable = WN_STAGE_DEDUP | WN_STAGE_BOILERPLATE };
	run_opt(in, strlen(in), &opt, 0, &r);
	cr_expect_str_eq(r.out.ptr, in);
	cr_expect_eq(r.ndrops, 0);
	result_free(&r);
}

Test(boiler, user_rules_without_builtin)
{
	static const char text[] = "[site-footer tail]\nline: Acme Corp\n[mine]\nprefix: Sent from\n";
	const struct wn_rules_text rules = { "site.rules", text, sizeof(text) - 1 };
	const struct wn_options opt = {
		.disable = WN_STAGE_DEDUP | WN_STAGE_BUILTIN_RULES, .rules = &rules, .nrules = 1,
	};
	char in[2048];
	snprintf(in, sizeof(in), "%s\nLeave a Reply\nSent from my phone\nAcme Corp\n", para1);
	struct result r;
	run_opt(in, strlen(in), &opt, 0, &r);
	expect_kept(&r, "Leave a Reply");
	expect_dropped(&r, "Sent from my phone", WN_DROP_RULE, "mine");
	expect_dropped(&r, "Acme Corp", WN_DROP_ZONE, "site-footer");
	result_free(&r);
}

Test(boiler, user_rules_add_to_builtin)
{
	static const char text[] = "line: Acme weekly digest\n";
	const struct wn_rules_text rules = { "extra.rules", text, sizeof(text) - 1 };
	const struct wn_options opt = { .disable = WN_STAGE_DEDUP, .rules = &rules, .nrules = 1 };
	char in[2048];
	snprintf(in, sizeof(in), "%s\nLeave a Reply\nAcme Weekly Digest\n%s\n", para1, para2);
	struct result r;
	run_opt(in, strlen(in), &opt, 0, &r);
	expect_dropped(&r, "Leave a Reply", WN_DROP_RULE, "comment-header");
	expect_dropped(&r, "Acme Weekly Digest", WN_DROP_RULE, "extra.rules");
	result_free(&r);
}

static int null_sink(void *ctx, const char *p, size_t n)
{
	(void)ctx, (void)p, (void)n;
	return 0;
}

Test(boiler, malformed_user_rules)
{
	static const char good[] = "line: fine\n";
	static const char bad[] = "# header\n[ok]\nline: fine\nregex: (unclosed\n";
	const struct wn_rules_text texts[] = {
		{ "good.rules", good, sizeof(good) - 1 },
		{ "bad.rules", bad, sizeof(bad) - 1 },
	};
	const struct wn_options opt = { .write = null_sink, .rules = texts, .nrules = 2 };
	struct wn_filter *f = (struct wn_filter *)1;
	struct wn_diag diag;
	cr_expect_eq(wn_filter_create(&opt, &f, &diag), WN_E_INVAL);
	cr_expect_null(f);
	cr_expect_eq(diag.err, WN_E_INVAL);
	cr_expect_str_eq(diag.source, "bad.rules");
	cr_expect_eq(diag.line, 4);
	cr_expect(strstr(diag.msg, "regex") != NULL, "%s", diag.msg);
	cr_expect_null(wn_filter_new(&opt));
	cr_expect_eq(wn_filter_create(&opt, &f, NULL), WN_E_INVAL, "diag may be NULL");
	/* With the stage off, rules are not even read. */
	struct wn_options off = opt;
	off.disable = WN_STAGE_BOILERPLATE;
	cr_expect_eq(wn_filter_create(&off, &f, &diag), 0);
	cr_expect_eq(diag.err, 0);
	wn_filter_free(f);
	const struct wn_options no_sink = { 0 };
	cr_expect_eq(wn_filter_create(&no_sink, &f, &diag), WN_E_INVAL);
	cr_expect_null(diag.source);
}

/* ---- Streaming, long documents, explanations ------------------------------------ */

/* Three pages of a town's paper, with a menu, ads, a box of related links,
 * a footer, share buttons and a name on every page. */
static const char mixed[] =
	"Skip to content\nHome\nTown Gazette\n\n\n"
	"The council met on Tuesday evening to discuss the budget for the coming year.\n"
	"Advertisement\n"
	"The council met on Tuesday evening to discuss the budget for the coming year.\n"
	"Residents asked for more money for the library, and the mayor agreed to look again.\n\n"
	"Related posts\nBudget vote delayed\nLibrary hours cut\n\n12 likes\nHome\n"
	"Privacy Policy\n© 2019 Town Gazette\n\f"
	"Town Gazette\nA second page, with its own text, which is long enough to be a paragraph.\n"
	"Share this:\nFacebook\nTwitter\n\n\f"
	"Town Gazette\nThe third page ends here, after a sentence that is long enough as well.\n";

Test(boiler, chunking_does_not_change_output)
{
	const struct wn_options opt = { .drop_frequent = 2 };
	struct result whole;
	run_opt(mixed, sizeof(mixed) - 1, &opt, 0, &whole);
	cr_expect_gt(whole.st.dropped[WN_DROP_RULE], 5);
	cr_expect_gt(whole.st.dropped[WN_DROP_ZONE], 1);
	cr_expect_gt(whole.st.dropped[WN_DROP_FREQUENT], 1);
	cr_expect_gt(whole.st.dropped[WN_DROP_DUP], 0);
	cr_expect_gt(whole.st.dropped[WN_DROP_BLANK], 0);
	for (size_t step = 1; step < 64; step++) {
		struct result r;
		run_opt(mixed, sizeof(mixed) - 1, &opt, step, &r);
		cr_expect_str_eq(r.out.ptr, whole.out.ptr, "step %zu", step);
		cr_expect_eq(r.ndrops, whole.ndrops, "step %zu", step);
		result_free(&r);
	}
	result_free(&whole);
}

Test(boiler, explain_names_each_drop)
{
	const struct wn_options opt = { .drop_frequent = 2 };
	struct result r;
	run_opt(mixed, sizeof(mixed) - 1, &opt, 0, &r);
	static const char *const want[] = {
		"0:1 rule site-nav Skip to content",
		"0:2 rule site-nav Home",
		"0:7 rule advertising Advertisement",
		"0:8 dup dup The council met on Tuesday evening to discuss the budget for the "
		"coming year.",
		"0:11 rule related Related posts",
		"0:12 zone related Budget vote delayed",
		"0:13 zone related Library hours cut",
		"0:15 rule social-counter 12 likes",
		"0:16 rule site-nav Home",
		"0:17 rule legal-links Privacy Policy",
		"0:18 zone copyright © 2019 Town Gazette",
		"1:19 frequent frequent Town Gazette",
		"1:21 rule share-header Share this:",
		"1:22 rule share-buttons Facebook",
		"1:23 rule share-buttons Twitter",
		"2:25 frequent frequent Town Gazette",
	};
	const size_t n = sizeof(want) / sizeof(want[0]);
	cr_expect_eq(r.ndrops, n);
	for (size_t i = 0; i < n && i < r.ndrops; i++) {
		char got[300];
		snprintf(got, sizeof(got), "%llu:%llu %s %s %s", (unsigned long long)r.drops[i].doc,
			 (unsigned long long)r.drops[i].line, wn_reason_name(r.drops[i].reason),
			 r.drops[i].rule, r.drops[i].text);
		cr_expect_str_eq(got, want[i]);
	}
	cr_expect_str_eq(r.out.ptr,
		"Town Gazette\n\n"
		"The council met on Tuesday evening to discuss the budget for the coming year.\n"
		"Residents asked for more money for the library, and the mayor agreed to look again.\n"
		"\fA second page, with its own text, which is long enough to be a paragraph.\n"
		"\fThe third page ends here, after a sentence that is long enough as well.\n");
	result_free(&r);
}

/* A document longer than max_doc is judged in pieces: a piece's last short
 * lines wait for the next, so the tail is still judged at the end. */
Test(boiler, long_document_in_pieces)
{
	char in[4096];
	snprintf(in, sizeof(in), "Privacy Policy\n© 2019 Early Inc\n%s\n%s\n%s\nPrivacy Policy\n"
		 "© 2019 Late Inc\n", para1, para2, para1);
	const struct wn_options opt = { .disable = WN_STAGE_DEDUP, .max_doc = 60 };
	struct result r;
	run_opt(in, strlen(in), &opt, 0, &r);
	expect_kept(&r, "© 2019 Early Inc");
	expect_dropped(&r, "© 2019 Late Inc", WN_DROP_ZONE, "copyright");
	cr_expect_eq(r.st.docs_in, 1);
	result_free(&r);
	struct result whole;
	const struct wn_options big = { .drop_frequent = 2 };
	run_opt(mixed, sizeof(mixed) - 1, &big, 0, &whole);
	for (size_t max_doc = 1; max_doc < 600; max_doc += 37) {
		const struct wn_options small = { .max_doc = max_doc, .drop_frequent = 2 };
		run_opt(mixed, sizeof(mixed) - 1, &small, 0, &r);
		cr_expect_eq(r.st.docs_in, 3);
		if (max_doc >= 150) /* the longest run of short lines waits whole */
			cr_expect_str_eq(r.out.ptr, whole.out.ptr, "max_doc %zu", max_doc);
		result_free(&r);
	}
	result_free(&whole);
}
