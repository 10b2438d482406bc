#!/usr/bin/python3
"""Tries candidate --strip-nav features in Python, held out (doc/nav.md,
"What was tried"), before any of them is ported to nav.c.

usage: bench/nav_try.py [--winnow BIN] [--shared DIR] [--only NAME ...] [--halves] [--folds K]

The dumps, labels, training and scoring are bench/nav_train.py's; each
trial appends columns to the first stage's features (e1) or to the second
stage's inputs (e2), trains leaving one set out and on all sets, and
prints held-out F1 / R / P on scrapinghub-aeb / cleaneval-dev /
htmltotext-benchmark, the share of tests/data/clean-gold.txt's lines the
all-sets model drops, and the in-sample F1. "baseline" is today's model
without the page's title (branch nav6); "shipped" is today's, with
the title nav.c dumps (its last three columns) through the gate, and
reproduces nav_train.py's held-out rows. A trial that needs the page's
address reads WARC-Target-URI ("title strict, gated" computes in Python
what nav.c's title_features dumps: the two rows agree)."""
import argparse, itertools, json, os, re, sys, tempfile
from collections import Counter
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nav_train as T

WORD = re.compile(r"\w+")

def words(s, k=3):
    return [w.lower() for w in WORD.findall(s) if len(w) >= k and not w.isdigit()]

# ---- candidate features: each returns (lines, k) for one document ----------

def slug(uri):
    """The words of an address's path (the story's slug), no extension."""
    u = re.sub(r"^[a-z]+:(//[^/]*)?", "", uri)
    u = re.sub(r"\.(html?|php|aspx?|jsp|cms|shtml)$", "", u)
    return set(words(u.replace("_", " ")))

def title(d):
    """Idea 1: the share of the line's words in the slug; with a title
    line (the line with the most slug words, two or more): log lines to it,
    before it, and whether the page has one."""
    sl, n = slug(d.uri), len(d.lines)
    ws = [words(t) for _, _, t in d.lines]
    hit = np.array([sum(1 for w in x if w in sl) for x in ws], float)
    share = np.array([h / len(x) if x else 0.0 for h, x in zip(hit, ws)])
    k = np.arange(n)
    if len(sl) >= 2 and n and hit.max() >= 2:
        ti = int(np.argmax(hit))
        return np.column_stack([share, np.log1p(np.abs(k - ti)) / 5, (k < ti).astype(float),
                                np.ones(n)])
    return np.column_stack([share, np.zeros((n, 3))])

def title_strict(d):
    """Idea 1, strict: a title line holds 3 slug words and half the slug;
    log lines after it, before it, whether the page has one."""
    sl, n = slug(d.uri), len(d.lines)
    ws = [set(words(t)) for _, _, t in d.lines]
    hit = np.array([len(x & sl) for x in ws], float)
    k = np.arange(n)
    if len(sl) >= 3 and n and hit.max() >= max(3, 0.5 * len(sl)):
        ti = int(np.argmax(hit))
        after = np.log1p(np.maximum(k - ti, 0)) / 5
        return np.column_stack([after, (k < ti).astype(float), np.ones(n)])
    return np.zeros((n, 3))

def headline_list(d):
    """Idea 2: runs of consecutive lines shaped like headlines (4 - 15
    words, no end mark, half the words capitalized) that share no word of
    4 letters or more with the next: in one, the run's log length, the
    share of such lines within 5 lines."""
    n = len(d.lines)
    X = np.array([x for _, x, _ in d.lines]).reshape(n, -1)
    nw = np.expm1(4 * X[:, 2]) if n else np.zeros(0)
    ws = [set(words(t, 4)) for _, _, t in d.lines]
    shaped = (nw >= 4) & (nw <= 15) & (X[:, 4] == 0) & (X[:, 5] >= 0.5) if n else np.zeros(0, bool)
    r = np.zeros(n)
    for i in range(n - 1):
        if shaped[i] and shaped[i + 1] and not ws[i] & ws[i + 1]:
            r[i] = r[i + 1] = 1.0
    run, k = np.zeros(n), 0
    while k < n:
        j = k
        while j < n and r[j]:
            j += 1
        run[k:j] = np.log1p(j - k) / 3
        k = max(j, k + 1)
    c = np.r_[0.0, np.cumsum(r)]
    lo, hi = np.maximum(np.arange(n) - 5, 0), np.minimum(np.arange(n) + 6, n)
    return np.column_stack([r, run, (c[hi] - c[lo]) / np.maximum(hi - lo, 1)])

def page_repeats(d):
    """Idea 3: how often the line occurs in its own page (log), whether it
    lies between the first and last copy of a line that occurs three
    times or more (a post between user-info lines, "Quote", "Top") and is
    no copy itself, and the page's share of such copies."""
    texts = [t.strip() for _, _, t in d.lines]
    n, c = len(texts), Counter(texts)
    rep = np.array([c[t] for t in texts], float)
    first, last = {}, {}
    for i, t in enumerate(texts):
        if c[t] >= 3:
            first.setdefault(t, i)
            last[t] = i
    cover = np.zeros(n + 1)
    for t in first:
        cover[first[t]] += 1
        cover[last[t]] -= 1
    between = (np.cumsum(cover)[:n] > 0) & (rep < 2)
    return np.column_stack([np.log1p(rep - 1) / 3, between.astype(float),
                            np.full(n, (rep >= 3).mean() if n else 0.0)])

def adjacent_copy(d):
    """A line the same as the line before or after it (a photo's caption
    after its alternative text, as CNN's pages have them)."""
    t = [x.strip() for _, _, x in d.lines]
    n = len(t)
    same = [n > 1 and ((k > 0 and t[k] == t[k - 1]) or (k + 1 < n and t[k] == t[k + 1]))
            for k in range(n)]
    return np.array(same, float).reshape(n, 1)

PAREN_COUNT = re.compile(r"\((\d{1,6})\)\s*$")

def paren_count(d):
    """A line ending in a count in parentheses ("Week 12 power rankings
    (133)": a headline's comments), not a year."""
    out = []
    for _, _, x in d.lines:
        m = PAREN_COUNT.search(x)
        out.append(bool(m) and not (len(m.group(1)) == 4 and 1900 <= int(m.group(1)) <= 2099))
    return np.array(out, float).reshape(len(d.lines), 1)

SHAPE_END = re.compile(r"[.!?:\"'”)»]\s*$")

def shape(t):
    """A line's shape for periodic_shapes: blank, markup ("[...]", an
    IFRAME), short (under 4 words; with a digit or not), a sentence (long
    or not) or a headline."""
    t = t.strip()
    if not t:
        return "0"
    if t.startswith("[") or t.startswith("IFRAME"):
        return "I"
    if len(t.split()) < 4:
        return "D" if re.search(r"\d", t) else "S"
    if SHAPE_END.search(t):
        return "L" if len(t) > 200 else "P"
    return "H"

def periodic_shapes(d, pmax=6, reps=3):
    """Session 16: lists of teasers and comment threads repeat a block of
    line shapes ([image], headline, "19 hours ago", summary, "44
    comments"); an article's paragraphs do not. For each line, the
    repetitions of the longest run of period 2 to 6 that covers it (3 or
    more, a block of two shapes or more, not sentences alone), as log1p / 3,
    and whether there is one."""
    s = [shape(x) for _, _, x in d.lines]
    n = len(s)
    best = np.zeros(n)
    for p in range(2, pmax + 1):
        i = p
        while i < n:
            if s[i] != s[i - p]:
                i += 1
                continue
            j = i
            while j < n and s[j] == s[j - p]:
                j += 1
            block = set(s[i - p:i])
            if j - (i - p) >= reps * p and len(block) >= 2 and block - {"L", "P"}:
                best[i - p:j] = np.maximum(best[i - p:j], (j - (i - p)) / p)
            i = j
    return np.column_stack([np.log1p(best) / 3, (best > 0).astype(float)])

def neighbours(d, ks=(-2, -1, 1, 2)):
    """Session 16: the first stage's features of the lines 2 and 1 before
    and after the line (zero past the page's ends, so their bias column
    says whether there is one), for the trees to read a teaser's shape
    from its neighbours ("19 hours ago on Mac Blog" after a headline)."""
    X, n = d.X, len(d.X)
    out = []
    for k in ks:
        Z = np.zeros_like(X)
        if k < 0:
            Z[-k:] = X[:n + k]
        else:
            Z[:n - k] = X[k:]
        out.append(Z)
    return np.hstack(out)

def article_vocabulary(d, p1):
    """A page-level view from the first stage: the share of the line's
    words of 4 letters or more found in another line sure to be article
    text (p1 > 0.9, 150 weighted characters or more: the second stage's
    strong lines), and whether the page has one."""
    if not hasattr(d, "W"):
        d.W = [set(words(t, 4)) for _, _, t in d.lines]
    strong = (p1 > T.STRONG_P) & (d.ch >= T.STRONG_CHARS)
    cnt = Counter()
    for i in np.nonzero(strong)[0]:
        cnt.update(d.W[i])
    share = np.array([sum(1 for x in w if cnt[x] - int(strong[i]) > 0) / len(w) if w else 0.0
                      for i, w in enumerate(d.W)])
    return np.column_stack([share, np.full(len(p1), float(strong.any()))])

def block_vocabulary(d, p1):
    """nav6's idea: the share of the line's words of 4 letters or more
    found in another line of the page's strongest paragraph block (the
    main block on p1, its lines over 0.5: teasers of other stories share
    little of the article's vocabulary), and whether the line is in it."""
    if not hasattr(d, "W"):
        d.W = [set(words(t, 4)) for _, _, t in d.lines]
    n = len(p1)
    if n == 0:
        return np.zeros((0, 2))
    lo, hi = T.main_block(p1, d.ch)
    strong = np.zeros(n, bool)
    strong[lo:hi + 1] = p1[lo:hi + 1] > 0.5
    cnt = Counter()
    for i in np.nonzero(strong)[0]:
        cnt.update(d.W[i])
    share = np.array([sum(1 for x in w if cnt[x] - int(strong[i]) > 0) / len(w) if w else 0.0
                      for i, w in enumerate(d.W)])
    return np.column_stack([share, strong.astype(float)])

def products(Y):
    """Idea 4: the second stage's strongest inputs (p1, its 2-, 6- and
    15-line means, inside the block, text to come, lines since and until a
    sure line) multiplied in pairs and squared."""
    idx = [1, 2, 3, 4, 10, 17, 18, 19]
    return np.column_stack([Y] + [Y[:, i] * Y[:, j] for i, j in itertools.combinations(idx, 2)]
                           + [Y[:, i] ** 2 for i in idx])

TRIALS = {
    "baseline": {},
    "shipped": {"g1": lambda d: d.title},
    "title (1st stage)": {"e1": title},
    "title (2nd stage)": {"e2": title},
    "title strict (1st stage)": {"e1": title_strict},
    "title, gated": {"g1": title},
    "title strict, gated": {"g1": title_strict},
    "headline list (1st stage)": {"e1": headline_list},
    "headline list (2nd stage)": {"e2": headline_list},
    "page repeats (1st stage)": {"e1": page_repeats},
    "page repeats (2nd stage)": {"e2": page_repeats},
    "2nd stage products": {"s2": products},
    "shipped + block vocabulary (2nd stage)": {"g1": lambda d: d.title, "p2": block_vocabulary},
    "article vocabulary (2nd stage)": {"p2": article_vocabulary},
    "shipped + adjacent copy (2nd stage)": {"g1": lambda d: d.title, "e2": adjacent_copy},
    "shipped + a count in parentheses (2nd stage)": {"g1": lambda d: d.title, "e2": paren_count},
    "shipped + page repeats (2nd stage)": {"g1": lambda d: d.title, "e2": page_repeats},
    "shipped + headline list (2nd stage)": {"g1": lambda d: d.title, "e2": headline_list},
    "shipped + article vocabulary (2nd stage)": {"g1": lambda d: d.title,
                                                 "p2": article_vocabulary},
    "shipped + periodic shapes (1st stage)": {"g1": lambda d: d.title, "e1": periodic_shapes},
    "shipped + periodic shapes (2nd stage)": {"g1": lambda d: d.title, "e2": periodic_shapes},
    "shipped + neighbours' features (2nd stage)": {"g1": lambda d: d.title, "e2": neighbours},
    "shipped + neighbours' features, 1 line (2nd stage)": {
        "g1": lambda d: d.title, "e2": lambda d: neighbours(d, (-1, 1))},
}

# ---- training and scoring with extra columns -------------------------------

def prepare(docs, trial):
    for d in docs:
        n = len(d.lines)
        d.X = np.array([x for _, x, _ in d.lines]).reshape(n, -1)[:, :-T.TITLE_COLS]
        if "e1" in trial:
            d.X = np.hstack([d.X, trial["e1"](d)])
        d.E2 = trial["e2"](d) if "e2" in trial else None
        # g1: a gated residual of the first stage, only on pages whose
        # last column (has a title) is set: [1, the first stage's z, the
        # other columns], fitted on those pages alone, so a page without
        # one is judged exactly as before.
        d.G = trial["g1"](d) if "g1" in trial else None
        d.gated = d.G is not None and n > 0 and bool(d.G[:, -1].any())

def gate_cols(d, w1):
    return np.column_stack([np.ones(len(d.X)), d.X @ w1, d.G[:, :-1]])

def first(d, w1):
    w1, v = w1 if isinstance(w1, tuple) else (w1, None)
    z = gate_cols(d, w1) @ v if v is not None and d.gated else d.X @ w1
    p1 = T.sig(z)
    p1[d.prior] = 0.0
    return p1

def stage2(d, w1, trial):
    p1 = first(d, w1)
    Y = T.stage2(p1, d.ch, d.prior)
    if "s2" in trial:
        Y = trial["s2"](Y)
    # the trees' inputs as nav_train.second_inputs, then the trial's
    # columns: the first stage's (e1), the second's (p2, e2)
    Y = np.hstack([Y, d.XT, d.X[:, d.XT.shape[1] - T.TITLE_COLS:]])
    if "p2" in trial:
        Y = np.hstack([Y, trial["p2"](d, p1)])
    return Y if d.E2 is None else np.hstack([Y, d.E2])

def train(ds, trial):
    X = np.vstack([d.X[~d.prior] for d in ds])
    y = np.concatenate([d.y[~d.prior] for d in ds])
    c = np.concatenate([d.c[~d.prior] for d in ds])
    w1 = T.fit(X, y, c)
    if "g1" in trial:
        g = [d for d in ds if d.gated]
        v = T.fit(np.vstack([gate_cols(d, w1)[~d.prior] for d in g]),
                  np.concatenate([d.y[~d.prior] for d in g]),
                  np.concatenate([d.c[~d.prior] for d in g]))
        w1 = (w1, v)
    w2 = T.fit_second(np.vstack([stage2(d, w1, trial)[~d.prior] for d in ds]), y, c)
    return w1, (w2,) + T.transitions([d for d in ds if not d.clean])

def probs(d, w1, w2, trial):
    m2, a, b = w2
    p = T.sig(m2.margin(stage2(d, w1, trial)))
    q = np.zeros(len(p))
    if (~d.prior).any():
        q[~d.prior] = T.smooth(p[~d.prior], a, b)
    return q

def halves(name, trial, docs, clean, thr):
    """Trained on the odd documents, scored on the even ones, and the
    other way round (as nav_train.py)."""
    for half in (0, 1):
        ids = {e.id for i, e in enumerate(docs) if i % 2 != half}
        w1, w2 = train([d for i, d in enumerate(docs) if i % 2 != half] +
                       [d for d in clean if d.id in ids], trial)
        rows = [T.score([d for i, d in enumerate(docs) if i % 2 == half and d.set == s],
                        lambda d: probs(d, w1, w2, trial) >= thr) for s in T.SETS]
        print(f"{name:28} {'even' if half == 0 else 'odd'} documents: F1 "
              + " / ".join(f"{r[2]:.3f}" for r in rows) + "  R "
              + " / ".join(f"{r[1]:.3f}" for r in rows), flush=True)

def folds(name, rows):
    """Prints the figures of nav_train.site_folds."""
    print(f"{name:28} by site: F1 " + " / ".join(f"{r[2]:.3f}" for r in rows) + "  R "
          + " / ".join(f"{r[1]:.3f}" for r in rows), flush=True)

def run(name, trial, docs, clean, cg, thr, by_halves=False, k=0):
    prepare(docs + clean + cg, trial)
    if by_halves:
        halves(name, trial, docs, clean, thr)
    if k:
        folds(name, T.site_folds(docs, clean, k, thr, lambda ds: train(ds, trial),
                                 lambda d, m: probs(d, *m, trial)))
    held = []
    for s in T.SETS:
        w1, w2 = train([d for d in docs + clean if d.set != s], trial)
        held.append(T.score([d for d in docs if d.set == s],
                            lambda d: probs(d, w1, w2, trial) >= thr))
    w1, w2 = train(docs + clean, trial)
    n = sum(len(d.lines) for d in cg)
    lost = sum(int(((probs(d, w1, w2, trial) < thr) & ~d.prior).sum()) for d in cg)
    ins = [T.score([d for d in docs if d.set == s], lambda d: probs(d, w1, w2, trial) >= thr)
           for s in T.SETS]
    f = lambda rows, i: " / ".join(f"{r[i]:.3f}" for r in rows)
    print(f"{name:28} F1 {f(held, 2)}  R {f(held, 1)}  P {f(held, 0)}  "
          f"clean-gold {100 * lost / max(n, 1):.1f} %  in-sample F1 {f(ins, 2)}", flush=True)

def load(winnow, shared):
    """The three gold sets' dumped lines (docs), their gold texts dumped as
    clean pages (clean), clean-gold.txt (cg), each with its page's address
    (uri), and the shipped threshold."""
    docs, clean = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for s in T.SETS:
            d = os.path.join(shared, "corpora", s)
            wet = os.path.join(d, "scraped.lynx.wet")
            gold = T.read_gold(os.path.join(d, "gold.jsonl"))
            ids, uris = T.read_wet_ids(wet), T.read_uris(wet)
            dumped = T.dump(winnow, wet, os.path.join(tmp, s + ".tsv"))
            assert len(dumped) == len(ids) == len(uris), s
            for i, u, lines in zip(ids, uris, dumped):
                docs.append(T.Doc(s, i, lines, gold[i]))
                docs[-1].uri = u
            jl = os.path.join(tmp, s + ".jsonl")
            cids = [i for i in ids if gold[i].strip()]
            uri = dict(zip(ids, uris))
            with open(jl, "w") as f:  # with the page's address, as nav_train.py
                for i in cids:
                    f.write(json.dumps({"id": i, "url": uri[i], "text": gold[i]}) + "\n")
            for i, lines in zip(cids, T.dump(winnow, jl, os.path.join(tmp, s + ".clean.tsv"))):
                clean.append(T.Doc(s, i, lines, gold[i], True))
                clean[-1].uri = uri[i]  # the gold text of that page
        cg = [T.Doc("clean-gold", "", lines, "", True) for lines in
              T.dump(winnow, os.path.join(T.ROOT, "tests", "data", "clean-gold.txt"),
                     os.path.join(tmp, "cg.tsv"))]
    for d in cg:
        d.uri = ""
    h = open(os.path.join(T.ROOT, "include", "winnow.h")).read()
    thr = float(re.search(r"WN_DEFAULT_NAV_THRESHOLD ([\d.]+)", h).group(1))
    return docs, clean, cg, thr

def parser(trials):
    """The trial scripts' common options: the binary, ../shared, which trials, --halves."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--winnow", default=os.path.join(T.ROOT, "build", "winnow"))
    ap.add_argument("--shared", default=os.environ.get("WN_SHARED",
                                                       os.path.join(T.ROOT, "..", "shared")))
    ap.add_argument("--only", nargs="*", choices=sorted(trials))
    ap.add_argument("--halves", action="store_true",
                    help="also train on odd documents and score even ones, and back")
    ap.add_argument("--folds", type=int, default=0, metavar="K",
                    help="also score by K-fold cross-validation grouped by site")
    return ap

def main():
    a = parser(TRIALS).parse_args()
    docs, clean, cg, thr = load(a.winnow, a.shared)
    print(f"held out (trained on the two other sets), threshold {thr}: "
          "scrapinghub-aeb / cleaneval-dev / htmltotext-benchmark")
    for name in a.only or TRIALS:
        run(name, TRIALS[name], docs, clean, cg, thr, a.halves, a.folds)

if __name__ == "__main__":
    main()
