/* test_punct.c - the punctuation repair stage, rule by rule: what each rule
 * fixes, and real text it must leave alone. Cases marked (real) are quoted
 * from ../shared/corpora (gold texts and scraped pages), the seed article,
 * ftfy's negative cases or public-domain French and German literature;
 * (real, glued) ones are real sentences with the damage put in by hand. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static struct wn_punct stage;

static void setup(void)
{
	const struct wn_options opt = { 0 };
	cr_assert_eq(wn_punct_init(&stage, &opt), 0);
}

static void teardown(void)
{
	wn_punct_free(&stage);
}

TestSuite(punct, .init = setup, .fini = teardown);

/* Runs the stage p over a copy of in; returns the result as a string. */
static char *repair(struct wn_punct *p, const char *in, uint32_t *fired_out)
{
	const size_t n = strlen(in);
	char *copy = malloc(n + 1);
	cr_assert_not_null(copy);
	memcpy(copy, in, n + 1);
	struct wn_line line = { copy, n };
	cr_assert_eq(wn_punct_push(p, &line, fired_out), 0);
	cr_assert(*fired_out != 0 || (line.ptr == copy && line.len == n),
		  "a line no rule changed must be left where it was");
	char *out = malloc(line.len + 1);
	cr_assert_not_null(out);
	memcpy(out, line.ptr, line.len);
	out[line.len] = '\0';
	free(copy);
	return out;
}

static unsigned rule_bit(const char *name)
{
	const int rule = wn_repair_rule_find(name);
	cr_assert_geq(rule, 32, "no punctuation rule is called %s", name);
	cr_assert_lt(rule, 64);
	return (unsigned)rule - 32;
}

/* want NULL: the line must come out unchanged. */
struct pcase {
	const char *in;
	const char *want;
};

#define MIN_KEEP 20 /* must-not-touch cases per rule, by the issue */

/* Each fixing case comes out as wanted with the rule named as fired, its
 * output is left alone by a second run, and with the rule switched off the
 * rule does not fire. Each keep case comes out as wanted (unchanged unless
 * another rule repairs it) without the rule firing. */
static void check_rule(const char *name, const struct pcase *fix, size_t nfix,
		       const struct pcase *keep, size_t nkeep)
{
	const unsigned bit = rule_bit(name);
	struct wn_punct off;
	const struct wn_options opt = { .repair_off = UINT64_C(1) << (32 + bit) };
	cr_assert_eq(wn_punct_init(&off, &opt), 0);
	cr_assert_gt(nfix, 0);
	cr_assert_geq(nkeep, MIN_KEEP, "%s: only %zu must-not-touch cases", name, nkeep);
	for (size_t i = 0; i < nfix; i++) {
		uint32_t fired, again;
		char *out = repair(&stage, fix[i].in, &fired);
		cr_expect_str_eq(out, fix[i].want, "%s: fix case %zu: got \"%s\"", name, i, out);
		cr_expect(fired >> bit & 1, "%s did not fire on fix case %zu", name, i);
		char *twice = repair(&stage, out, &again);
		cr_expect_str_eq(twice, out, "%s: second run changed fix case %zu", name, i);
		cr_expect_eq(again, 0);
		free(twice);
		free(out);
		out = repair(&off, fix[i].in, &fired);
		cr_expect_not(fired >> bit & 1, "%s fired while off, case %zu", name, i);
		free(out);
	}
	for (size_t i = 0; i < nkeep; i++) {
		uint32_t fired;
		char *out = repair(&stage, keep[i].in, &fired);
		cr_expect_str_eq(out, keep[i].want ? keep[i].want : keep[i].in,
				 "%s: keep case %zu changed: got \"%s\"", name, i, out);
		cr_expect_not(fired >> bit & 1, "%s fired on keep case %zu", name, i);
		free(out);
	}
	wn_punct_free(&off);
}

#define CHECK_RULE(name, fix, keep) \
	check_rule(name, fix, sizeof(fix) / sizeof(fix[0]), keep, sizeof(keep) / sizeof(keep[0]))

/* ---- Rule 1: space before a mark --------------------------------------- */

static const struct pcase space_before_fix[] = {
	/* the seed */
	{ "investigate “war crimes” committed by the Russian military .",
	  "investigate “war crimes” committed by the Russian military." },
	/* real: cleaneval and aeb gold */
	{ "paying the price for being blinded , dogmatic and overconfident.",
	  "paying the price for being blinded, dogmatic and overconfident." },
	{ "up and spat out by these places . We are raising our beautiful",
	  "up and spat out by these places. We are raising our beautiful" },
	{ "Assembly resumed from its annual recess on Tuesday .",
	  "Assembly resumed from its annual recess on Tuesday." },
	{ "See their preview here .", "See their preview here." },
	{ "the motion after the Senate President Bukola Saraki , read 16 letters",
	  "the motion after the Senate President Bukola Saraki, read 16 letters" },
	/* after a closing quote or bracket, before a closing quote */
	{ "he called them “war crimes” .", "he called them “war crimes”." },
	{ "the ratio of such TMs (Turing machines) , basically",
	  "the ratio of such TMs (Turing machines), basically" },
	{ "“It is a war crime .” Blinken said", "“It is a war crime.” Blinken said" },
	{ "more than one space  .", "more than one space." },
	{ "a digit before it, 2019 .", "a digit before it, 2019." },
	{ "in the U.S . And e.g .", "in the U.S. And e.g." },
	/* ; : ! ? once the line shows it glues them (English, not French) */
	{ "Is it true ? Yes: it is.", "Is it true? Yes: it is." },
	{ "E-mail questions to ; fax to 617-929-3183; or mail",
	  "E-mail questions to; fax to 617-929-3183; or mail" },
};

static const struct pcase space_before_keep[] = {
	/* (real) a mark that starts a word: tickers, .NET, decimals, files */
	{ "the S&P 500 .SPX lost 1.85 points, or 0.07%, to 3,120.18", NULL },
	{ "is capable of supporting both J2EE and .NET platforms.", NULL },
	{ "so only report P < .01.", NULL },
	{ "a convicted felon and possessed a loaded .45-caliber handgun", NULL },
	{ "The coefficient of SCISTUD on VOLTUR was .031 (.009),", NULL },
	{ "Or at least an option in KDE .desktop files to start apps", NULL },
	{ "#18108 Fix .gitignore policy in build", NULL },
	/* (real) spaced ellipses */
	{ "Let me guess . . . the answer would be . . . \"YES.\"", NULL },
	{ "certain point of view\" . . . I love it. :)", NULL },
	{ "the UCSF doctors noticed “a bias of up to 8 percent . . . in individuals", NULL },
	{ "Welcome to the Algonquin . . . for over 100 years, golfers", NULL },
	/* (real) emoticons */
	{ "is the first public offering :)", NULL },
	{ "really really want the rate to be true. :P Mine pretty much", NULL },
	{ "Now I wanna see you guys applying ;-)", NULL },
	{ "(1) that pic you linked says 'Forbidden' ;(", NULL },
	/* (real) French spacing, plain, NBSP and narrow NBSP (Hugo, Molière,
	 * Corneille, Pascal, La Fontaine) */
	{ "Il y a un spectacle plus grand que la mer, c'est le ciel ; il y a un "
	  "spectacle plus grand que le ciel, c'est l'intérieur de l'âme.", NULL },
	{ "Que diable allait-il faire dans cette galère ?", NULL },
	{ "Que diable allait-il faire dans cette galère\u00a0?", NULL },
	{ "Au voleur ! au voleur ! à l'assassin ! au meurtrier !", NULL },
	{ "Rodrigue, as-tu du cœur\u202f?", NULL },
	{ "Le cœur a ses raisons que la raison ne connaît point\u00a0: on le sait "
	  "en mille choses.", NULL },
	{ "Rien ne sert de courir ; il faut partir à point.", NULL },
	/* (real) English with a French-looking space and nothing glued */
	{ "Things are moving aren't they ?", NULL },
	{ "So : you are not ill.", NULL },
	{ "VIP : 60,000₩", NULL },
	/* (real) spaced-out letters, a formula, a score, a handle */
	{ "BTCBTCBTCR O O BTC E T . C O M", NULL },
	{ "I would go with S + 1 , where S is the largest well-defined number", NULL },
	{ "Half time: Arsenal 0 : 0 Chelsea; full time: 2 : 1.", NULL },
	{ "was shared on the Twitter handle of the Senate, @NGRSenate .", NULL },
	/* (real) a line of code */
	{ "for (;;) { if (x == 1) break ; }", NULL },
	/* code, which the rule would change but for looks_like_code (asked
	 * after the space is found to be damage) */
	{ "$(function() { init() ; });", NULL },
	{ "x == y ? done : other.Close;", NULL },
	/* (real, scraped) breadcrumbs, a spaced domain, an emoticon */
	{ "Location: Admin & Clerical : Data Entry : Pennsylvania : Lancaster", NULL },
	{ "All Free Essays . com", NULL },
	{ "that’s your sin! my city : D", NULL },
};

Test(punct, space_before_punct)
{
	CHECK_RULE("space-before-punct", space_before_fix, space_before_keep);
}

/* ---- Rule 2: space after a comma, semicolon or colon --------------------- */

static const struct pcase space_after_fix[] = {
	/* real: cleaneval, aeb and htmltotext gold */
	{ "with the conclusion they reached,that the data provided",
	  "with the conclusion they reached, that the data provided" },
	{ "had been legalized by 2016— Colorado,Washington, Alaska, and Oregon",
	  "had been legalized by 2016— Colorado, Washington, Alaska, and Oregon" },
	{ "То,что вы поставите", "То, что вы поставите" },
	{ "However,changes how the audience", "However, changes how the audience" },
	{ "Mostly,though, I think it's a", "Mostly, though, I think it's a" },
	{ "people hate him,that's why", "people hate him, that's why" },
	{ "non-institutional,non-tradable interest", "non-institutional, non-tradable interest" },
	/* semicolon and colon between small letters */
	{ "the war ended;the talks began", "the war ended; the talks began" },
	{ "Filed to:innovation", "Filed to: innovation" },
	/* (real, scraped) after the period rule split the dotted token */
	{ "the services we provide for you.Therefore,we established",
	  "the services we provide for you. Therefore, we established" },
	/* a lone letter after a comma, ASCII and not a contraction */
	{ "several new small SUVs,a redesigned compact car,a hybrid",
	  "several new small SUVs, a redesigned compact car, a hybrid" },
	/* a glued comma in an open quotation with no attribution after it:
	 * the quotation goes on, only the space is lost (real, glued) */
	{ "“We believe that China in particular has a responsibility,and to defend "
	  "the international rules",
	  "“We believe that China in particular has a responsibility, and to defend "
	  "the international rules" },
};

static const struct pcase space_after_keep[] = {
	/* (real) abbreviations, code, markup, addresses, numbers */
	{ "Here's the TL;DR version of signing", NULL },
	{ "the end of the second act of SW:ANH. We meet", NULL },
	{ "Name:Aaron J. Seigo", NULL },
	{ "Location:Calgary, Alberta, Canada", NULL },
	{ "#17889 Improve CWallet:MarkDestinationsDirty", NULL },
	{ "Hubble liefert ab:https://www.spacetelescope.org/images/", NULL },
	{ "we have f(n,m) = BB(n)? Here the", NULL },
	{ "Define a T(k,n) to be the largest", NULL },
	{ "Test of html: BBω &sc;T BB1 &sc;T BB &sc;T A ~T exp", NULL },
	{ "0,,NUMBER^3;LINK_TEXT^publishing;TARGET_SECTOR^media|publishing", NULL },
	{ "mailto:guy.werlings@wanadoo.fr", NULL },
	{ "WARC-Record-ID: <urn:uuid:0038491c-342e-55a8-a1f3-0b8e1c4d2f6a>", NULL },
	{ "xmlns:xlink=\"http://www.w3.org/1999/xlink\"", NULL },
	{ "Jersey:Gill and MacMillan, 1998", NULL },
	{ "but another exists in 1 Kings 10:14 where Solomon takes 666 talents", NULL },
	{ "a pachina o 17 ago 2023 a las 21:26.", NULL },
	{ "more than 1,000 people; 3,5 % in German", NULL },
	/* (real) a comma for an apostrophe, single letters, emoticons */
	{ "I have three sons abroad that I,ve not seen for years", NULL },
	{ "here our boys are and we wouldn,t have to say goodbye", NULL },
	{ "they,ll come home to us", NULL },
	{ "heese, I'm sure it must be good:p", NULL },
	{ "Let L(m,n)=max_(number(LC) < n)", NULL },
	{ "hierarchy takes us through 𝐵𝐵𝑘,𝐵𝐵𝑘+𝑘,𝐵𝐵𝑘∗𝑘", NULL },
	/* (real) Chinese glues its commas by design */
	{ "城市格局有了不小的变化,相较于去年,重庆与广州位置互换", NULL },
	{ "std::vector<int> and std::string", NULL },
	/* (real) mojibake of a closing quote, left to the character repairs */
	{ "and the outbreak is now over,â says [the FAO", NULL },
	{ "Group A,giving them; Group C,with a point", NULL },
};

Test(punct, space_after_comma)
{
	CHECK_RULE("space-after-comma", space_after_fix, space_after_keep);
}

/* ---- Rule 2: the closing quote lost with the space after a comma ---------- */

static const struct pcase quote_comma_fix[] = {
	/* the seed */
	{ "“The actions that we see Russia commit every single day, virtually every minute "
	  "of every day, are in stark contrast to any serious diplomatic effort to end "
	  "war,he added.",
	  "“The actions that we see Russia commit every single day, virtually every minute "
	  "of every day, are in stark contrast to any serious diplomatic effort to end "
	  "war,” he added." },
	/* (real, glued) aeb gold and the seed, each family of quotes */
	{ "“We have a strong sense of what Russia could do next,Blinken said, pointing out "
	  "that the United States was right in its assessment that Putin intended to "
	  "invade. “We believe that Moscow may be setting the stage.”",
	  "“We have a strong sense of what Russia could do next,” Blinken said, pointing out "
	  "that the United States was right in its assessment that Putin intended to "
	  "invade. “We believe that Moscow may be setting the stage.”" },
	{ "\"Intentionally attacking civilians is a war crime,Blinken said.",
	  "\"Intentionally attacking civilians is a war crime,\" Blinken said." },
	{ "‘Intentionally attacking civilians is a war crime,said Blinken.",
	  "‘Intentionally attacking civilians is a war crime,’ said Blinken." },
	{ "'Intentionally attacking civilians is a war crime,he said.",
	  "'Intentionally attacking civilians is a war crime,' he said." },
	{ "He said: “Our experts are in the process of documenting war crimes,the "
	  "secretary of state told reporters.",
	  "He said: “Our experts are in the process of documenting war crimes,” the "
	  "secretary of state told reporters." },
	{ "“Governor @MattBevin has done a wonderful job for the people of Kentucky,Trump "
	  "tweeted before Election Day.",
	  "“Governor @MattBevin has done a wonderful job for the people of Kentucky,” Trump "
	  "tweeted before Election Day." },
};

static const struct pcase quote_comma_keep[] = {
	/* (real, glued) the quotation is closed later: only the space was lost */
	{ "“The actions,that we see Russia commit every single day,” he added.",
	  "“The actions, that we see Russia commit every single day,” he added." },
	{ "\"The actions,that we see Russia commit,\" he added.",
	  "\"The actions, that we see Russia commit,\" he added." },
	/* (real, glued) no attribution follows: a quotation that goes on in
	 * the next paragraph, or a list */
	{ "“Instead, it seems that China is moving in the opposite direction,while seeking "
	  "to portray itself as a neutral judge.",
	  "“Instead, it seems that China is moving in the opposite direction, while seeking "
	  "to portray itself as a neutral judge." },
	{ "“Anti-aircraft systems,anti-tank weapons and armed drones",
	  "“Anti-aircraft systems, anti-tank weapons and armed drones" },
	/* (real, glued) no quotation open: apostrophes and possessives */
	{ "Blinken’s comments came the day after,he said.",
	  "Blinken’s comments came the day after, he said." },
	{ "the students’ union,she said.", "the students’ union, she said." },
	{ "'Tis the season,he said.", "'Tis the season, he said." },
	{ "The war in the ’90s was long,he said.", "The war in the ’90s was long, he said." },
	/* (real, glued) German and Croatian „…“ and guillemets close otherwise */
	{ "„Premda banke do sada nisu značajnije mijenjale uvjete,kaže Adrović.",
	  "„Premda banke do sada nisu značajnije mijenjale uvjete, kaže Adrović." },
	{ "„Habe Mut,sagte er.", "„Habe Mut, sagte er." },
	{ "« Cela est bien dit,répondit Candide.", "« Cela est bien dit, répondit Candide." },
	/* (real) quotations with nothing to repair */
	{ "“From where I sit, diplomacy obviously requires both sides to engage in good "
	  "faith in order to de-escalate,” Blinken said during a news conference", NULL },
	{ "Blinken’s comments came the day after US President Joe Biden branded Putin as "
	  "one “war criminal” for the first time.", NULL },
	{ "it could end up being a “long and difficult battle”.", NULL },
	{ "e.g. in a ‘name the bigger number’ contest I would go with", NULL },
	{ "“Governor @MattBevin has done a wonderful job for the people of Kentucky!” Trump "
	  "tweeted before Election Day.", NULL },
	{ "\"usefulness\" of BB in the following sense", NULL },
	{ "Die vom gleichnamigen Unternehmen entwickelte App „Vivy“ wurde in Kooperation "
	  "von 90 gesetzlichen Krankenkassen", NULL },
	{ "„Habe Mut, dich deines eigenen Verstandes zu bedienen!“ ist also der "
	  "Wahlspruch der Aufklärung.", NULL },
	{ "tim, „povratak u modu“ kredita u", NULL },
	{ "同样是接受“大考”，重庆和南京何以能够成功“突围”，表现这么好？", NULL },
	{ "He told me, “She said ‘no,’ and left.”", NULL },
};

Test(punct, quote_after_comma)
{
	CHECK_RULE("quote-after-comma", quote_comma_fix, quote_comma_keep);
}

/* ---- Rule 2: space after a period ---------------------------------------- */

static const struct pcase space_period_fix[] = {
	/* real: cleaneval, htmltotext and aeb gold */
	{ "uld tend to differ in that belief.The label Protestant has",
	  "uld tend to differ in that belief. The label Protestant has" },
	{ "where he worked as a chief physician.Police arrested a 57-year-old",
	  "where he worked as a chief physician. Police arrested a 57-year-old" },
	{ "umes around 90 GB of data storage.Is it true?",
	  "umes around 90 GB of data storage. Is it true?" },
	{ "In a nutshell: Start shit, get banned.Well put.",
	  "In a nutshell: Start shit, get banned. Well put." },
	{ "humans (and nonhumans) -- as well.Second, the rights advocate",
	  "humans (and nonhumans) -- as well. Second, the rights advocate" },
	{ "Der Datenverlust war unweigerlich.Weder die TK noch IBM",
	  "Der Datenverlust war unweigerlich. Weder die TK noch IBM" },
	{ "the end.Éric said", "the end. Éric said" },
};

static const struct pcase space_period_keep[] = {
	/* (real) domains, addresses, file and package names */
	{ "Contact Dear Abby at www.DearAbby.com or P.O. Box 69440", NULL },
	{ "Become a member of Cybermissions.Org and hang out with", NULL },
	{ "PanARMENIAN.Net - PanARMENIAN Network", NULL },
	{ "A.Ribbink@ru.ac.za", NULL },
	{ "faculty-staff.ou.edu/L/Joshua.M.Landis-1/syriablog/2006", NULL },
	{ "import java.lang.String;", NULL },
	{ "Run System.Console.WriteLine in a loop", NULL },
	/* (real) abbreviations and initials */
	{ "TheftBusiness Law / Taxes: U.S.Financial Software", NULL },
	{ "Autofahrt von Lübeck nach St.Peter-Ording i.S. des", NULL },
	{ "Nov.November 18, 2019 12:00", NULL },
	{ "stem, Inc.All Rights Reserved.", NULL },
	{ "Rep. David McKinley, R-W.Va., visited the U.S.-Mexico border", NULL },
	{ "Mr.Smith went to Washington", NULL },
	{ "vgl.Abschnitt 3, bzw.Tabelle 2", NULL },
	{ "approx.Ten people, etc.The end", NULL },
	/* (real) short or mixed-case words */
	{ "neka sam i to dozivio na BOL-u.Povratak OSS gurua", NULL },
	{ "for a big win. He didn’t get it.Credit...Doug Mills/The New York Times", NULL },
	{ "Movies end. Life goes on.That's a solid three stars", NULL },
	{ "tial downloads of around 320 GB.At the moment I am", NULL },
	{ "released and checked some APIs.Could the warning", NULL },
	{ "the end.THE END", NULL },
	{ "Ki.Ka and co.Op", NULL },
	/* (real) ellipsis and numbers */
	{ "Mrs. Clinton said...Then she left", NULL },
	{ "version 3.2.Beta of the browser", NULL },
	/* code, which the rule would split but for looks_like_code (asked
	 * after the glued words are found) */
	{ "{ label: this.Value; }", NULL },
	{ "if (ok) { name = first.Second; }", NULL },
};

Test(punct, space_after_period)
{
	CHECK_RULE("space-after-period", space_period_fix, space_period_keep);
}

/* ---- Rule 3: quotes at the end of a paragraph ----------------------------- */

static const struct pcase dangling_fix[] = {
	/* the seed */
	{ "“Instead, it seems that China is moving in the opposite direction by refusing "
	  "to condemn this aggression, while seeking to portray itself as a neutral judge. "
	  "And we are concerned that they are considering helping Russia directly with "
	  "military equipment to use in Ukraine. “",
	  "“Instead, it seems that China is moving in the opposite direction by refusing "
	  "to condemn this aggression, while seeking to portray itself as a neutral judge. "
	  "And we are concerned that they are considering helping Russia directly with "
	  "military equipment to use in Ukraine.”" },
	/* (real, damaged) each family and terminal mark */
	{ "He added: “Our experts are documenting war crimes. “",
	  "He added: “Our experts are documenting war crimes.”" },
	{ "He added: “Our experts are documenting war crimes!“",
	  "He added: “Our experts are documenting war crimes!”" },
	{ "He added: ‘Our experts are documenting war crimes? ‘",
	  "He added: ‘Our experts are documenting war crimes?’" },
	{ "He added: \"Our experts are documenting war crimes. \"",
	  "He added: \"Our experts are documenting war crimes.\"" },
	{ "He added: 'Our experts are documenting war crimes. '",
	  "He added: 'Our experts are documenting war crimes.'" },
	{ "“We will ensure that our results help.… “", "“We will ensure that our results help.…”" },
	{ "“Intentionally attacking civilians is a war crime. “  ",
	  "“Intentionally attacking civilians is a war crime.”  " },
};

static const struct pcase dangling_keep[] = {
	/* (real) closing quotes where they belong */
	{ "He added: “Our experts are in the process of documenting and evaluating "
	  "potential war crimes committed in Ukraine.”", NULL },
	{ "Trump tweeted before Election Day. “Matt has my Complete and Total Endorsement.”",
	  NULL },
	{ "Let me guess . . . the answer would be . . . \"YES.\"", NULL },
	{ "(1) that pic you linked says 'Forbidden'", NULL },
	{ "Blinken said, pointing out that the United States was right in its assessment "
	  "that Putin intended to invade. “We believe that Moscow may be setting the "
	  "stage for using a chemical weapon.”", NULL },
	{ "the students'", NULL },
	/* (real) German and Croatian: “ closes „ */
	{ "„Habe Mut, dich deines eigenen Verstandes zu bedienen!“", NULL },
	{ "„Verweile doch! du bist so schön!“", NULL },
	{ "„Da steh ich nun, ich armer Tor! Und bin so klug als wie zuvor. “", NULL },
	{ "„HNB je zadnjih godina poticao kunsko kreditiranje.“", NULL },
	{ "Unter dem Motto „Take C.A.R.E“", NULL },
	/* (real) Swedish uses ” both ways; French guillemets */
	{ "”Jag vet inte.”", NULL },
	{ "« Cela est bien dit, répondit Candide, mais il faut cultiver notre jardin. »",
	  NULL },
	/* (real) an opening quote with no open quotation before it: a
	 * quotation that starts in the next paragraph */
	{ "Blinken spoke a day after Biden announced a new package. “", NULL },
	{ "He added: “", NULL },
	{ "The statement read: \"", NULL },
	{ "Blinken said. \"", NULL },
	/* (real) a quotation closed, then a new one dangling after a colon */
	{ "“Intentionally attacking civilians is a war crime,” Blinken said: “", NULL },
	{ "同样是接受“大考”，重庆和南京何以能够成功“突围”。", NULL },
	{ "He said 'no' and left. '", NULL },
	{ "“I have a hard time concluding that the Russians are doing anything else,” "
	  "Blinken said. “", NULL },
};

Test(punct, dangling_quote)
{
	CHECK_RULE("dangling-quote", dangling_fix, dangling_keep);
}

static const struct pcase before_period_fix[] = {
	/* the seed */
	{ "Blinken added that in his call with Xi “Biden” makes it clear that China will "
	  "take responsibility for any action it takes to support Russia’s aggression and "
	  "we will not hesitate to impose costs “.",
	  "Blinken added that in his call with Xi “Biden” makes it clear that China will "
	  "take responsibility for any action it takes to support Russia’s aggression and "
	  "we will not hesitate to impose costs.”" },
	/* (real, damaged) each family */
	{ "“We will not hesitate to impose costs“.", "“We will not hesitate to impose costs.”" },
	{ "‘We will not hesitate to impose costs ‘.", "‘We will not hesitate to impose costs.’" },
	{ "\"We will not hesitate to impose costs \".", "\"We will not hesitate to impose costs.\"" },
	{ "'We will not hesitate to impose costs '.", "'We will not hesitate to impose costs.'" },
	{ "it could end up being a “long and difficult battle “.",
	  "it could end up being a “long and difficult battle.”" },
	{ "the “war criminal” of 2022 “.", "the “war criminal” of 2022.”" },
};

static const struct pcase before_period_keep[] = {
	/* (real) British placement: the closing quote before the period */
	{ "it could end up being a “long and difficult battle”.", NULL },
	{ "to discuss “bilateral counter-terrorism and security cooperation”.", NULL },
	{ "in a ‘name the bigger number’.", NULL },
	{ "the file is called \"config\".", NULL },
	{ "the students'.", NULL },
	{ "It was called \"Forbidden\" .", "It was called \"Forbidden\"." },
	/* (real) German and Croatian */
	{ "Unter dem Motto „Take C.A.R.E“.", NULL },
	{ "kako bi iznašli optimalan model, smatra „HNB“.", NULL },
	{ "Er sagte: „Ja “.", NULL },
	/* (real) ellipses and lone marks */
	{ "He said “...", NULL },
	{ "He said \" ..", NULL },
	{ "He measured 5 “ .", NULL },
	{ "“", NULL },
	{ "“.", NULL },
	{ "\".", NULL },
	/* (real) a quote after a symbol, not a word */
	{ "the symbols “+” and “×” “.", NULL },
	{ "higher values (“+” and “×” curves) in the superficial region.", NULL },
	{ "Welcome to the Algonquin . . . for over 100 years, golfers.", NULL },
	{ "Well I’m really pleased :)", NULL },
	{ "ESSE CARA AI QUEM É¿", NULL },
	{ "Blinken’s comments came the day after US President Joe Biden branded Putin as "
	  "one “war criminal” for the first time.", NULL },
};

Test(punct, quote_before_period)
{
	CHECK_RULE("quote-before-period", before_period_fix, before_period_keep);
}

/* ---- Rule 4: doubled spaces, commas and periods ---------------------------- */

static const struct pcase double_space_fix[] = {
	/* real: cleaneval and htmltotext gold */
	{ "OK  how do I start?", "OK how do I start?" },
	{ "in civilisations ranging from  Chandragupta's Indian empire",
	  "in civilisations ranging from Chandragupta's Indian empire" },
	{ "postavljenih od neodgovarajućih  materijala uzrokovalo",
	  "postavljenih od neodgovarajućih materijala uzrokovalo" },
	{ "the war,  he said", "the war, he said" },
};

static const struct pcase double_space_keep[] = {
	/* (real) two spaces after a sentence: a typing style */
	{ "trying to understand Cook’s Theorem.  One of the programs I", NULL },
	{ "as an object example.  It was 1989 and all I", NULL },
	{ "capable of 1 bit of computation.  Here’s a link to an e", NULL },
	/* (real) layout: list markers, columns, indentation, tabs */
	{ "I.       Draft resolution", NULL },
	{ "1.       Strong, steady growth", NULL },
	{ "iii..       it should be", NULL },
	{ "1998 Winner: Erik Zabel  1997 Winner: Erik Zabel", NULL },
	{ "OK??:(   `¬´    ):", NULL },
	{ "MÄ£ÄM ÌÑÌ Q £ÄGÌ GÄLÄW....?????????,                     ......JÄDÍ...", NULL },
	{ "    indented  code", NULL },
	{ "Name\tAge  City", NULL },
	{ "Name   Age  City", NULL },
	{ "  leading spaces", NULL },
	/* (real) between non-letters */
	{ "drugookrivljenika (1970.)  i trećeokrivljenika", NULL },
	{ "Price:  $5", NULL },
	{ "2012—∞  2013", NULL },
	{ "Offering 5×£35  pin ups", NULL },
	{ "Results :: Polls", NULL },
	{ "a -  b", NULL },
	{ "trailing  ", NULL },
	{ "„Vivy“  wurde", NULL },
	/* (real, scraped) Chinese menus; a checksum listing */
	{ "环球综艺秀 美食中国 深度国际 中国新闻  今日关注 今日亚洲", NULL },
	{ "d716ec06f63ab7183df2e006ed4a6a431f  bitcoin-0.20.0-win64.zip", NULL },
};

Test(punct, double_space)
{
	CHECK_RULE("double-space", double_space_fix, double_space_keep);
}

static const struct pcase double_comma_fix[] = {
	{ "the war,, he said", "the war, he said" },
	{ "in 2019,, the senate", "in 2019, the senate" },
	{ "“war crimes”,, he said", "“war crimes”, he said" },
	{ "and so on,,", "and so on," },
};

static const struct pcase double_comma_keep[] = {
	/* (real) */
	{ "ent lasted 'til I hit sunlight,,,(AOTC) was in a", NULL },
	{ "0,,NUMBER^3;LINK_TEXT^publishing", NULL },
	{ "Er sagte ,,Hallo'' und ging.", NULL },
	{ "a,,b,,c", NULL },
	{ "1,,2", NULL },
	{ ",, at the start", NULL },
	{ "the war ,, he said", NULL },
	{ "sunlight,,,", NULL },
	{ "MÄ£ÄM ÌÑÌ....?????????,                     ......JÄDÍ...", NULL },
	{ "select a,,b from t", NULL },
	{ "field1,,field3", NULL },
	{ "x = f(a,,b)", NULL },
	{ "ÉTÉ,,,", NULL },
	{ "the list ,,,, ends", NULL },
	{ "values: 1,2,,4", NULL },
	{ "„Vivy“,,Anna", NULL },
	{ "He said,,„Ja“", NULL },
	{ "CSV: name,,age,,city", NULL },
	{ "the war,,he said", NULL },
	{ "price: 3,,50 €", NULL },
};

Test(punct, double_comma)
{
	CHECK_RULE("double-comma", double_comma_fix, double_comma_keep);
}

static const struct pcase double_period_fix[] = {
	/* real: cleaneval and aeb gold */
	{ "State dept. the CIA, etc.. trying to sabotage him",
	  "State dept. the CIA, etc. trying to sabotage him" },
	{ "strategic partners, media, etc.. requires a clear plan",
	  "strategic partners, media, etc. requires a clear plan" },
	{ "members of the U.S.. Congress", "members of the U.S. Congress" },
	{ "for example, e.g..", "for example, e.g." },
	{ "Acme Inc..”", "Acme Inc.”" },
};

static const struct pcase double_period_keep[] = {
	/* (real) informal two-dot ellipses */
	{ "he'll miss people doesnt sound..Yoda-ish...(oO)", NULL },
	{ "Uh .. in the original trilogy", NULL },
	{ "So.. uh.. stop being a shining", NULL },
	{ "situation.. I came in contact with", NULL },
	{ "but for April..it was more like Mic", NULL },
	{ "felt I had to tell it ..I could have told my", NULL },
	{ "as I write this.. then in my dream I", NULL },
	{ "a voice of support or concern..", NULL },
	{ "(Konversation, Akregator..) for free :-)", NULL },
	{ "ommangels zuende ging fand ich.. naja....", NULL },
	{ "Danke.. hab den Start noch", NULL },
	{ "Das Netz hat keine Obergrenze.. Das Schöne: Im Netz", NULL },
	{ "go with them if it's realistic..", NULL },
	{ "EMULA.. VIRTUA... ELMU.. MA, ONA DIGITALIZAC", NULL },
	{ "iii..       it should be", NULL },
	{ "owledge but not usually seen. .. I,m crying", NULL },
	/* (real) ranges, paths, full ellipses */
	{ "for i in 1..10", NULL },
	{ "cd .. and try again", NULL },
	{ "see ../shared/corpora", NULL },
	{ "Mrs. Clinton said...", NULL },
	{ "www.example.com..", NULL },
	{ "Again..God Be With All of You !", NULL },
};

Test(punct, double_period)
{
	CHECK_RULE("double-period", double_period_fix, double_period_keep);
}

/* ---- The stage as a whole ----------------------------------------------------- */

Test(punct, rule_names)
{
	static const char *const names[] = {
		"space-before-punct", "space-after-comma", "quote-after-comma",
		"space-after-period", "dangling-quote", "quote-before-period",
		"double-space", "double-comma", "double-period",
	};
	const size_t count = sizeof(names) / sizeof(names[0]);
	for (unsigned i = 0; i < count; i++) {
		cr_expect_eq(wn_repair_rule_find(names[i]), (int)(32 + i), "%s", names[i]);
		cr_expect_str_eq(wn_repair_rule_name(32 + i), names[i]);
	}
	for (unsigned bit = (unsigned)count; bit < 32; bit++)
		cr_expect_null(wn_punct_rule_name(bit));
}

Test(punct, every_rule_off)
{
	struct wn_punct off;
	const struct wn_options opt = { .repair_off = ~UINT64_C(0) << 32 };
	cr_assert_eq(wn_punct_init(&off, &opt), 0);
	uint32_t fired;
	char *out = repair(&off, "the war ,he said  so,, etc.. the end.The “", &fired);
	cr_expect_eq(fired, 0);
	cr_expect_str_eq(out, "the war ,he said  so,, etc.. the end.The “");
	free(out);
	wn_punct_free(&off);
}

Test(punct, several_rules_on_one_line)
{
	uint32_t fired;
	char *out = repair(&stage, "“The war  is over ,it is,, said to end.The end,he said. “", &fired);
	/* The dangling quote is repaired first, so the quotation is closed
	 * when the glued comma is looked at: it gets a space, not a quote. */
	cr_expect_str_eq(out, "“The war is over ,it is, said to end. The end, he said.”");
	cr_expect_eq(fired, 1u << rule_bit("double-space") | 1u << rule_bit("double-comma") |
			    1u << rule_bit("space-after-comma") |
			    1u << rule_bit("space-after-period") | 1u << rule_bit("dangling-quote"));
	free(out);
}

/* A small PRNG for the property tests (xorshift64*). */
static uint64_t next_rand(uint64_t *state)
{
	*state ^= *state >> 12;
	*state ^= *state << 25;
	*state ^= *state >> 27;
	return *state * UINT64_C(2685821657736338717);
}

/* Random lines built from the pieces the rules look at, plus raw bytes:
 * never a crash, valid UTF-8 stays valid, and a second run changes
 * nothing. */
Test(punct, random_lines)
{
	static const char *const pieces[] = {
		" ", "  ", ".", ",", ";", ":", "!", "?", "..", ",,", "“", "”", "‘", "’", "\"",
		"'", "„", "«", "»", "war", "he", "The", "said", "etc", "U.S", "e.g", "1",
		"2019", "www.", "http://", "@", "(", ")", "\u00a0", "\u202f", "中", "É", "é",
		"\xe2\x80", "\xff", "\x80", "\xc3", "\t", "{", "_",
	};
	const size_t npieces = sizeof(pieces) / sizeof(pieces[0]);
	uint64_t seed = UINT64_C(0x9E3779B97F4A7C15), state = seed;
	char line[256];
	for (int round = 0; round < 200000; round++) {
		size_t n = 0;
		const size_t count = 1 + next_rand(&state) % 12;
		for (size_t k = 0; k < count; k++) {
			const char *piece = pieces[next_rand(&state) % npieces];
			const size_t len = strlen(piece);
			if (n + len >= sizeof(line))
				break;
			memcpy(line + n, piece, len);
			n += len;
		}
		line[n] = '\0';
		uint32_t fired, again;
		char *out = repair(&stage, line, &fired);
		if (wn_utf8_valid(line, n))
			cr_assert(wn_utf8_valid(out, strlen(out)),
				  "invalid UTF-8 out of \"%s\" (seed %llx, round %d)", line,
				  (unsigned long long)seed, round);
		char *twice = repair(&stage, out, &again);
		cr_assert_str_eq(twice, out, "not idempotent on \"%s\" (seed %llx, round %d)", line,
				 (unsigned long long)seed, round);
		free(twice);
		free(out);
	}
}

/* Random sentences of a few words and marks, so that the rules meet each
 * other often: the stage is idempotent on all of them. */
Test(punct, random_sentences)
{
	static const char *const pieces[] = {
		"war", "The", "he", "etc", "U.S", "said", "I", "a", ".", ",", ";", ":", " ",
		" ", "“", "”", "\"", "'", "..", "’",
	};
	const size_t npieces = sizeof(pieces) / sizeof(pieces[0]);
	uint64_t seed = UINT64_C(0x2545F4914F6CDD1D), state = seed;
	char line[128];
	for (int round = 0; round < 300000; round++) {
		size_t n = 0;
		const size_t count = 2 + next_rand(&state) % 10;
		for (size_t k = 0; k < count; k++) {
			const char *piece = pieces[next_rand(&state) % npieces];
			const size_t len = strlen(piece);
			memcpy(line + n, piece, len);
			n += len;
		}
		line[n] = '\0';
		uint32_t fired, again;
		char *out = repair(&stage, line, &fired);
		char *twice = repair(&stage, out, &again);
		cr_assert_str_eq(twice, out, "not idempotent on \"%s\" (seed %llx, round %d)", line,
				 (unsigned long long)seed, round);
		free(twice);
		free(out);
	}
}

/* An empty line, a lone mark, a line of spaces: nothing to do, nothing
 * read out of bounds (under the sanitizers). */
Test(punct, tiny_lines)
{
	static const char *const lines[] = { "", " ", ".", ",", "“", " .", ". “", " “.", "a,b",
					     "  ", ",,", "..", "\"", "'", "\xe2", "\xe2\x80\x9c." };
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		uint32_t fired;
		char *out = repair(&stage, lines[i], &fired);
		cr_expect_str_eq(out, lines[i]);
		free(out);
	}
}
