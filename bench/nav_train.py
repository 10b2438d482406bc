#!/usr/bin/python3
"""Trains the --strip-nav line model and reports held-out figures (doc/nav.md).

usage: bench/nav_train.py [--winnow BIN] [--shared DIR] [--threshold P] [--folds K]
                          [--write-model]

1. Each gold set's scraped.lynx.wet goes through `winnow --strip-nav
   --nav-dump=FILE`: the features of every judged line, exactly as nav.c
   computes them.
2. Each line is labelled text or junk by aligning it with its document's
   gold text (label_doc): a line of four words or more is text when its
   words occur in the gold in order; a shorter line only when it occurs
   right where the alignment stands (a heading, a table cell inside the
   article), not anywhere later (a menu item "More").
3. Two stages (numpy): the first a logistic regression on the line's
   features (with a gate on pages with a title); the second boosted
   oblivious trees (Oblivious) on the first's probabilities of the line
   and its neighbours, the line's place against the document's main block
   (main_block), the article's end and the rules' lines (stage2), and the
   line's own features; then a two-state smoothing (smooth) whose two
   transitions are counted on the labels.
4. Figures: bag-of-words precision, recall, F1 of the kept lines against
   the gold (as score.py), trained on all sets, leaving one set out, and
   on even / odd documents, and with --folds K by K-fold cross-validation
   over the pages of all sets grouped by site (a page is scored by a model
   trained on other sites, its own set's among them); the oracle keeps
   exactly the lines labelled text.
With --write-model the all-sets weights and trees go to src/lib/nav_model.h."""
import argparse, json, os, re, subprocess, sys, tempfile, zlib
from collections import Counter
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SETS = ["scrapinghub-aeb", "cleaneval-dev", "htmltotext-benchmark"]
TOK = re.compile(r"\w+", re.UNICODE)
L2 = 1e-3
TITLE_COLS = 3  # the dump's last columns: nav.c's T_AFTER, T_BEFORE, T_TITLED
CLEAN_WEIGHT = 0.6  # a clean document's line counts this much in training

def toks(s):
    return [t.lower() for t in TOK.findall(s)]

def read_gold(path):
    gold = {}
    for line in open(path, encoding="utf-8"):
        o = json.loads(line)
        g = o.get("gold")
        if g is None and "fulltext" in o:
            g = (o.get("headline") or "") + "\n" + (o.get("fulltext") or "")
        gold[o["id"]] = g
    return gold

def read_wet_heads(path, field):
    """The X-Corpus-Doc-Id of each conversion record, in order, with the
    value of its header field (or "")."""
    data = open(path, "rb").read()
    out = []
    for m in re.finditer(rb"WARC/1.0\r?\n(.*?)\r?\n\r?\n", data, re.S):
        head = m.group(1).decode("utf-8", "replace")
        t = re.search(r"WARC-Type:\s*(\S+)", head)
        d = re.search(r"X-Corpus-Doc-Id:\s*(\S+)", head)
        v = re.search(re.escape(field) + r":\s*(\S+)", head)
        if t and t.group(1) == "conversion" and d:
            out.append((d.group(1), v.group(1) if v else ""))
    return out

def read_wet_ids(path):
    """The X-Corpus-Doc-Id of each conversion record, in order."""
    return [d for d, _ in read_wet_heads(path, "X-Corpus-Doc-Id")]

def read_uris(path):
    """The WARC-Target-URI of each conversion record, in order."""
    return [u for _, u in read_wet_heads(path, "WARC-Target-URI")]

def dump(winnow, wet, out):
    subprocess.run([winnow, "--strip-nav", "--no-dedup", "--nav-dump=" + out, wet,
                    "-o", os.devnull], check=True)
    docs = {}
    for line in open(out, encoding="utf-8", errors="replace"):
        doc, k, prior, x, text = line.rstrip("\n").split("\t", 4)
        docs.setdefault(int(doc), []).append((int(prior), [float(v) for v in x.split()], text))
    return [docs[k] for k in sorted(docs)]

def label_doc(lines, gold):
    g = " " + " ".join(toks(gold)) + " "
    gset = Counter(toks(gold))
    pos, labels = 0, []
    for _, _, text in lines:
        t = toks(text)
        if not t:
            labels.append(0)
            continue
        key = " " + " ".join(t) + " "
        if len(t) >= 4:
            j = g.find(key, pos)
            if j < 0:
                j = g.find(key)
            if j >= 0:
                pos = max(pos, j + len(key) - 1)
                labels.append(1)
            else:
                share = sum(1 for w in t if gset[w]) / len(t)
                labels.append(1 if share >= 0.8 else 0)
        else:
            j = g.find(key, pos)
            if 0 <= j <= pos + 40:
                pos = j + len(key) - 1
                labels.append(1)
            else:
                labels.append(0)
    return labels

def sig(z):
    return 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))

def fit(X, y, c, iters=300):
    """L2-regularized logistic regression by Newton's method; c: weights."""
    n, d = X.shape
    w = np.zeros(d)
    n = c.sum()
    for _ in range(iters):
        p = sig(X @ w)
        g = X.T @ (c * (p - y)) / n + L2 * np.r_[0, w[1:]]
        H = (X * (c * p * (1 - p))[:, None]).T @ X / n + L2 * np.eye(d)
        step = np.linalg.solve(H, g)
        w = w - step
        if np.abs(step).max() < 1e-7:
            break
    return w

def edges_of(col, nb):
    """A feature's split points: midpoints between its distinct values, at
    most nb - 1 of them, at its quantiles."""
    u = np.unique(col)
    if len(u) <= 1:
        return np.zeros(0)
    if len(u) <= nb:
        return (u[:-1] + u[1:]) / 2
    q = np.quantile(col, np.linspace(0, 1, nb + 1)[1:-1])
    i = np.unique(np.clip(np.searchsorted(u, q, side="left"), 1, len(u) - 1))
    return (u[i - 1] + u[i]) / 2

class Oblivious:
    """Gradient-boosted oblivious trees: every node of a level splits on the
    same input and cut, so a tree is `depth` compares (input > cut: 1)
    that index a table of 2^depth leaves, the first compare the highest
    bit. Logistic loss, Newton leaves with an L2 penalty, splits chosen on
    histograms of nb bins an input (edges_of). nav.c's trees_* evaluate
    what write_model writes."""
    def __init__(self, depth=4, trees=100, lr=0.2, l2=1.0, nb=32, minh=1.0):
        self.depth, self.trees, self.lr, self.l2, self.nb, self.minh = depth, trees, lr, l2, nb, minh

    def fit(self, X, y, c, F0=None):
        """F0: a margin to boost from (0.0 and no base then)."""
        n, d = X.shape
        edges = [edges_of(X[:, j], self.nb) for j in range(d)]
        B = np.column_stack([np.searchsorted(e, X[:, j], side="right")
                             for j, e in enumerate(edges)])
        nbs = [len(e) + 1 for e in edges]
        p0 = (c * y).sum() / c.sum()
        self.base = np.log(p0 / (1 - p0)) if F0 is None else 0.0
        F = np.full(n, self.base) + (0.0 if F0 is None else F0)
        self.model = []
        for _ in range(self.trees):
            p = sig(F)
            g, h = c * (p - y), c * p * (1 - p)
            node, splits = np.zeros(n, int), []
            for lev in range(self.depth):
                nn, best = 1 << lev, (-np.inf, 0, 0)
                for j in range(d):
                    if nbs[j] < 2:
                        continue
                    idx = node * nbs[j] + B[:, j]
                    Gs = np.bincount(idx, g, nn * nbs[j]).reshape(nn, nbs[j])
                    Hs = np.bincount(idx, h, nn * nbs[j]).reshape(nn, nbs[j])
                    GL, HL = np.cumsum(Gs, 1)[:, :-1], np.cumsum(Hs, 1)[:, :-1]
                    GT, HT = Gs.sum(1)[:, None], Hs.sum(1)[:, None]
                    gain = (GL ** 2 / (HL + self.l2) + (GT - GL) ** 2 / (HT - HL + self.l2)
                            - GT ** 2 / (HT + self.l2))
                    gain = np.where((HL >= self.minh) & (HT - HL >= self.minh), gain, 0).sum(0)
                    k = int(np.argmax(gain))
                    if gain[k] > best[0]:
                        best = (gain[k], j, k)
                _, j, k = best
                node = node * 2 + (B[:, j] > k)
                splits.append((j, float(np.float32(edges[j][k])) if len(edges[j]) else 0.0))
            L = 1 << self.depth
            leaf = -self.lr * np.bincount(node, g, L) / (np.bincount(node, h, L) + self.l2)
            leaf = leaf.astype(np.float32).astype(float)  # as nav_model.h holds them
            F += leaf[node]
            self.model.append((splits, leaf))
        return self

    def margin(self, X, F0=None):
        F = np.full(len(X), self.base) + (0.0 if F0 is None else F0)
        for splits, leaf in self.model:
            node = np.zeros(len(X), int)
            for j, t in splits:
                node = node * 2 + (X[:, j] > t)
            F += leaf[node]
        return F

BLOCK_P = 0.5  # main_block in nav.c
STRONG_P, STRONG_CHARS = 0.9, 150  # second_stage in nav.c: a line sure to be text

def main_block(p1, ch):
    """Mirrors main_block in nav.c: the run of lines lo..hi whose sum of
    (p1 - BLOCK_P) * weighted characters is the largest."""
    best, lo, hi, cur, start = -np.inf, 0, 0, 0.0, 0
    for k, v in enumerate((p1 - BLOCK_P) * ch):
        if cur <= 0.0:
            cur, start = v, k
        else:
            cur += v
        if cur > best:
            best, lo, hi = cur, start, k
    return lo, hi

def rules_between(prior, strong, lo, hi):
    """Mirrors rules_since, rules_until and the block's count in nav.c: the
    lines dropped by a rule (prior) since the last strong line before each
    line and until the next one after it (from the window's edges when
    there is none), and between the line and the main block lo..hi."""
    m = len(prior)
    pr = prior.astype(float)
    since, until = np.zeros(m), np.zeros(m)
    c = 0.0
    for i in range(m):
        since[i] = c
        c = 0.0 if strong[i] else c + pr[i]
    c = 0.0
    for i in range(m - 1, -1, -1):
        until[i] = c
        c = 0.0 if strong[i] else c + pr[i]
    cs = np.r_[0.0, np.cumsum(pr)]
    k = np.arange(m)
    block = np.where(k < lo, cs[lo] - cs[np.minimum(k + 1, m)],
                     np.where(k > hi, cs[k] - cs[min(hi + 1, m)], 0.0))
    return since, until, block

def stage2(p1, ch, prior):
    """Mirrors second_stage in nav.c for one document's first probabilities,
    its lines' weighted characters and which lines a rule dropped."""
    m = len(p1)
    s = np.r_[0.0, np.cumsum(p1)]
    k = np.arange(m)
    def mean(r):
        lo, hi = np.maximum(k - r, 0), np.minimum(k + r + 1, m)
        return (s[hi] - s[lo]) / (hi - lo)
    prev = np.r_[0.0, p1[:-1]]
    nxt = np.r_[p1[1:], 0.0]
    m15, m40 = mean(15), mean(40)
    rel = lambda v: v / v.max() if v.max() > 0 else np.zeros(m)
    lo, hi = main_block(p1, ch)
    cs = np.r_[0.0, np.cumsum(ch)]
    inside = ((k >= lo) & (k <= hi)).astype(float)
    before, after = k < lo, k > hi
    lines_before = np.where(before, np.log1p(np.where(before, lo - k, 0)) / 5, 0.0)
    lines_after = np.where(after, np.log1p(np.where(after, k - hi, 0)) / 5, 0.0)
    chars_before = np.where(before, np.log1p(np.where(before, cs[lo] - cs[np.minimum(k + 1, m)], 0)) / 10, 0.0)
    chars_after = np.where(after, np.log1p(np.where(after, cs[k] - cs[hi + 1], 0)) / 10, 0.0)
    share = (cs[hi + 1] - cs[lo]) / max(cs[m], 1.0)
    # The article's end: the text still to come (p1 * characters of the
    # lines over 0.5) as a share of the window's, and the lines since and
    # until the nearest line sure to be article text (STRONG_P, STRONG_CHARS).
    mass = np.where(p1 > 0.5, p1 * ch, 0.0)
    after = (mass.sum() - np.cumsum(mass)) / max(mass.sum(), 1.0)
    strong = (p1 > STRONG_P) & (ch >= STRONG_CHARS)
    since, until = np.full(m, float(m)), np.full(m, float(m))
    last = None
    for i in range(m):
        if last is not None:
            since[i] = i - last
        if strong[i]:
            last = i
    last = None
    for i in range(m - 1, -1, -1):
        if last is not None:
            until[i] = last - i
        if strong[i]:
            last = i
    # The rule drops in between: a rule's line ("Leave a Reply", "Share
    # this", "Related posts") marks a section's edge the stop words miss.
    r_since, r_until, r_block = rules_between(prior, strong, lo, hi)
    return np.column_stack([np.ones(m), p1, mean(2), mean(6), m15, prev, nxt,
                            np.maximum(prev, nxt), rel(m15), rel(m40),
                            inside, lines_before, lines_after, chars_before, chars_after,
                            np.full(m, share), inside * share,
                            after, np.log1p(since) / 5, np.log1p(until) / 5,
                            (until >= m).astype(float),
                            np.log1p(r_since) / 3, np.log1p(r_until) / 3, np.log1p(r_block) / 3])

def gate_cols(doc, w):
    """The gate's inputs on a page with a title (nav.c's wn_nav_wg): 1, the
    first stage's z, log lines after the title line, before it."""
    return np.column_stack([np.ones(len(doc.X)), doc.X @ w, doc.title[:, :-1]])

def p_first(doc, w1):
    """w1: the first stage's weights and the gate's."""
    w, v = w1
    p = sig(gate_cols(doc, w) @ v if doc.gated else doc.X @ w)
    p[doc.prior] = 0.0
    return p

class Doc:
    """clean: the gold text itself fed as a document, every line text."""
    def __init__(self, s, did, lines, gold, clean=False):
        self.set, self.id, self.lines, self.gold, self.clean = s, did, lines, gold, clean
        self.y = (np.ones(len(lines)) if clean else
                  np.array(label_doc(lines, gold), float))
        self.prior = np.array([p for p, _, _ in lines], bool)
        A = np.array([x for _, x, _ in lines]).reshape(len(lines), -1)
        self.X, self.title = A[:, :-TITLE_COLS], A[:, -TITLE_COLS:]
        self.XT = A  # the line's row: the first stage's features, the title's
        # a page with a title (T_TITLED): its first stage goes through the gate
        self.gated = bool(len(lines)) and bool(self.title[:, -1].any())
        self.c = np.full(len(lines), CLEAN_WEIGHT if clean else 1.0)
        # weighted characters, from the feature log1p(chars) / 5
        self.ch = np.round(np.expm1(5.0 * np.array([x[1] for _, x, _ in lines])))

def train(docs):
    X = np.vstack([d.X[~d.prior] for d in docs])
    y = np.concatenate([d.y[~d.prior] for d in docs])
    c = np.concatenate([d.c[~d.prior] for d in docs])
    w = fit(X, y, c)
    # The gate: a residual of the first stage fitted on the pages with a
    # title alone, so a page without one is judged by w as if there were
    # no gate (bench/nav_try.py's "title strict, gated").
    g = [d for d in docs if d.gated]
    v = fit(np.vstack([gate_cols(d, w)[~d.prior] for d in g]),
            np.concatenate([d.y[~d.prior] for d in g]),
            np.concatenate([d.c[~d.prior] for d in g]))
    w1 = (w, v)
    Y2 = np.vstack([second_inputs(d, p_first(d, w1))[~d.prior] for d in docs])
    return w1, (fit_second(Y2, y, c),) + transitions([d for d in docs if not d.clean])

TREES = dict(depth=4, trees=100, lr=0.2)  # the second stage (doc/nav.md)

def second_inputs(doc, p1):
    """The second stage's inputs (nav.c's second_stage and line row):
    stage2's columns, then the line's row of the dump."""
    return np.hstack([stage2(p1, doc.ch, doc.prior), doc.XT])

def fit_second(Y, y, c):
    return Oblivious(**TREES).fit(Y, y, c)

def transitions(docs):
    """The smoothing's chances to go from junk to text (a) and from text
    to junk (b) from one line to the next (rule drops skipped), counted on
    the labelled pages (not the clean texts, which are text throughout)."""
    n0 = n01 = n1 = n10 = 0
    for d in docs:
        y = d.y[~d.prior]
        n0 += int((y[:-1] == 0).sum()); n01 += int(((y[:-1] == 0) & (y[1:] == 1)).sum())
        n1 += int((y[:-1] == 1).sum()); n10 += int(((y[:-1] == 1) & (y[1:] == 0)).sum())
    return n01 / max(n0, 1), n10 / max(n1, 1)

def smooth(p, a, b):
    """Mirrors smooth in nav.c: the forward-backward posterior of a
    two-state chain (junk, text) with transitions a (junk to text) and b
    (text to junk), whose emissions are the second stage's probabilities
    over the chain's own share of text, a / (a + b)."""
    m = len(p)
    pi = a / (a + b)
    e1 = np.clip(p, 1e-6, 1 - 1e-6) / pi
    e0 = np.clip(1 - p, 1e-6, 1.0) / (1 - pi)
    fwd = np.zeros(m)
    f0, f1 = (1 - pi) * e0[0], pi * e1[0]
    fwd[0] = f1 / (f0 + f1)
    for k in range(1, m):
        f0 = ((1 - fwd[k - 1]) * (1 - a) + fwd[k - 1] * b) * e0[k]
        f1 = ((1 - fwd[k - 1]) * a + fwd[k - 1] * (1 - b)) * e1[k]
        fwd[k] = f1 / (f0 + f1)
    post = np.zeros(m)
    post[m - 1] = fwd[m - 1]
    b0 = b1 = 1.0
    for k in range(m - 2, -1, -1):
        t0, t1 = e0[k + 1] * b0, e1[k + 1] * b1
        b0, b1 = (1 - a) * t0 + a * t1, b * t0 + (1 - b) * t1
        b0, b1 = b0 / (b0 + b1), b1 / (b0 + b1)
        g0, g1 = (1 - fwd[k]) * b0, fwd[k] * b1
        post[k] = g1 / (g0 + g1)
    return post

def clean_loss(docs, w1, w2, thr):
    """The share of the clean documents' lines and bytes dropped."""
    n = nd = b = bd = 0
    for d in docs:
        keep = probs(d, w1, w2) >= thr
        for (prior, _, text), k in zip(d.lines, keep):
            n += 1; b += len(text.encode())
            if not k and not prior:
                nd += 1; bd += len(text.encode())
    return nd / max(n, 1), bd / max(b, 1)

def probs(doc, w1, w2):
    """w2: the second stage's trees and the smoothing's transitions."""
    m2, a, b = w2
    p = sig(m2.margin(second_inputs(doc, p_first(doc, w1))))
    q = np.zeros(len(p))
    if (~doc.prior).any():
        q[~doc.prior] = smooth(p[~doc.prior], a, b)
    return q

def score(docs, keep_of):
    tp = fp = fn = 0
    for d in docs:
        keep = keep_of(d)
        out = Counter(t for (_, _, text), k in zip(d.lines, keep) if k for t in toks(text))
        gc = Counter(toks(d.gold))
        inter = sum((gc & out).values())
        tp += inter; fp += sum(out.values()) - inter; fn += sum(gc.values()) - inter
    p = tp / max(tp + fp, 1); r = tp / max(tp + fn, 1)
    return p, r, 2 * p * r / max(p + r, 1e-9)

def host(uri):
    """A page's site: the host of its address, without "www."."""
    m = re.match(r"^[a-z]+://([^/]+)", uri or "")
    return re.sub(r"^www\.", "", m.group(1).lower() if m else "")

def site_folds(docs, clean, k, thr, train_fn=None, probs_fn=None):
    """k-fold cross-validation over the pages of all three sets, grouped by
    site (a site's pages, and their gold texts, are in one fold), so a page
    is scored by a model trained on other sites, its own set's among them.
    Returns (P, R, F1) per set."""
    train_fn = train_fn or train
    probs_fn = probs_fn or (lambda d, m: probs(d, *m))
    fold = {d.id: zlib.crc32(host(d.uri).encode()) % k for d in docs}
    p = {}
    for f in range(k):
        m = train_fn([d for d in docs if fold[d.id] != f] +
                     [d for d in clean if fold.get(d.id, -1) != f])
        for d in docs:
            if fold[d.id] == f:
                p[id(d)] = probs_fn(d, m)
    return [score([d for d in docs if d.set == s], lambda d: p[id(d)] >= thr) for s in SETS]

def pick_threshold(docs, w1, w2, recall):
    """The highest threshold whose recall on docs is at least recall."""
    best = 0.05
    for t in np.arange(0.05, 0.60, 0.025):
        if score(docs, lambda d: probs(d, w1, w2) >= t)[1] >= recall:
            best = t
    return round(float(best), 3)

def cfloat(v):
    """v as a C float constant that reads back to the same float."""
    t = f"{v:.9g}"
    return (t if any(ch in t for ch in ".en") else t + ".0") + "f"

def write_model(path, w1, w2):
    m2, a, b = w2
    w1, wg = w1
    f1 = ", ".join(f"{v:.6g}f" for v in w1)
    fg = ", ".join(f"{v:.6g}f" for v in wg)
    rows = lambda f: ",\n\t".join("{ " + ", ".join(f(t)) + " }" for t in m2.model)
    cols = sorted({j for t in m2.model for j, _ in t[0]})  # the inputs read, as columns
    ins = rows(lambda t: (str(cols.index(j)) for j, _ in t[0]))
    cuts = rows(lambda t: (cfloat(c) for _, c in t[0]))
    leaves = rows(lambda t: (cfloat(v) for v in t[1]))
    with open(path, "w") as f:
        f.write(f"""/* nav_model.h - weights and trees of the --strip-nav line model, written
 * by bench/nav_train.py --write-model (doc/nav.md); do not edit by hand. */
#ifndef WN_NAV_MODEL_H
#define WN_NAV_MODEL_H

#define WN_NAV_NF1 {len(w1)}
static const float wn_nav_w1[WN_NAV_NF1] = {{ {f1} }};
#define WN_NAV_NG {len(wg)}
/* the gate on pages with a title: bias, the first stage's z, lines after
 * the title, before it */
static const float wn_nav_wg[WN_NAV_NG] = {{ {fg} }};

/* The second stage: {m2.trees} oblivious trees of depth {m2.depth}. Their inputs are the
 * second stage's own {N_STAGE2} (second_stage), then the line's row; they read
 * WN_NAV_NCOL of them, the columns (wn_nav_col: the input of each). At
 * each level a column over its cut sets the next bit of the leaf's index
 * (the first level's the highest). The margin is WN_NAV_BASE plus each
 * tree's leaf. */
#define WN_NAV_NF2 {N_STAGE2}
#define WN_NAV_TREES {m2.trees}
#define WN_NAV_DEPTH {m2.depth}
#define WN_NAV_NCOL {len(cols)}
static const uint8_t wn_nav_col[WN_NAV_NCOL] = {{ {", ".join(map(str, cols))} }};
#define WN_NAV_BASE {cfloat(m2.base)}
static const uint8_t wn_nav_in[WN_NAV_TREES][WN_NAV_DEPTH] = {{
\t{ins}
}};
static const float wn_nav_cut[WN_NAV_TREES][WN_NAV_DEPTH] = {{
\t{cuts}
}};
static const float wn_nav_leaf[WN_NAV_TREES][1 << WN_NAV_DEPTH] = {{
\t{leaves}
}};

/* the smoothing's transitions: junk to text, text to junk */
#define WN_NAV_TO_TEXT {a:.6g}
#define WN_NAV_TO_JUNK {b:.6g}

#endif
""")

N_STAGE2 = 24  # stage2's columns, nav.c's WN_NAV_NF2
STAGE2_NAMES = ["bias", "p1", "mean2", "mean6", "mean15", "prev", "next", "max_near",
                "rel15", "rel40", "inside", "lines_before", "lines_after", "chars_before",
                "chars_after", "share", "inside_share", "after", "since", "until",
                "no_strong_after", "rules_since", "rules_until", "rules_block"]
NAMES = ["bias", "chars", "words", "stops", "ends", "caps", "digits", "symbols",
         "repeat", "no_lang", "jt_good", "first_good", "first_bad", "first_short",
         "prev_chars", "prev_stops", "prev_ends", "next_chars", "next_stops",
         "next_ends", "run", "pos", "near_good", "near_chars", "doc_good",
         "short_stops", "no_lang_ends", "from_start", "to_end", "any_good", "short",
         "dense_near", "dense_far", "texty", "doc_texty", "bracketed", "bracket_share",
         "button", "one_token", "counted", "colon", "date", "address",
         "t_after", "t_before", "titled"]

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--winnow", default=os.path.join(ROOT, "build", "winnow"))
    ap.add_argument("--shared", default=os.environ.get("WN_SHARED",
                                                       os.path.join(ROOT, "..", "shared")))
    ap.add_argument("--threshold", type=float, default=None,
                    help="score at this threshold instead of --nav-threshold's default")
    ap.add_argument("--folds", type=int, default=0, metavar="K",
                    help="also score by K-fold cross-validation grouped by site")
    ap.add_argument("--write-model", action="store_true")
    a = ap.parse_args()
    docs, clean = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for s in SETS:
            d = os.path.join(a.shared, "corpora", s)
            wet = os.path.join(d, "scraped.lynx.wet")
            gold = read_gold(os.path.join(d, "gold.jsonl"))
            ids, uris = read_wet_ids(wet), read_uris(wet)
            dumped = dump(a.winnow, wet, os.path.join(tmp, s + ".tsv"))
            assert len(dumped) == len(ids) == len(uris), (s, len(dumped), len(ids))
            docs += [Doc(s, i, lines, gold[i]) for i, lines in zip(ids, dumped)]
            for d, u in zip(docs[-len(ids):], uris):
                d.uri = u
            # The gold texts as documents of their own: clean text to keep,
            # with their page's address (its title words).
            jl = os.path.join(tmp, s + ".jsonl")
            with open(jl, "w") as f:
                for i, u in zip(ids, uris):
                    if gold[i].strip():
                        f.write(json.dumps({"id": i, "url": u, "text": gold[i]}) + "\n")
            cids = [i for i in ids if gold[i].strip()]
            cdump = dump(a.winnow, jl, os.path.join(tmp, s + ".clean.tsv"))
            assert len(cdump) == len(cids), (s, len(cdump), len(cids))
            clean += [Doc(s, i, lines, gold[i], True) for i, lines in zip(cids, cdump)]
    thr = a.threshold
    if thr is None:
        h = open(os.path.join(ROOT, "include", "winnow.h")).read()
        thr = float(re.search(r"WN_DEFAULT_NAV_THRESHOLD ([\d.]+)", h).group(1))
    print(f"{len(docs)} documents, {sum(len(d.lines) for d in docs)} lines, "
          f"{int(sum(d.y.sum() for d in docs))} labelled text; threshold {thr}")
    print(f"{'trained on':28} {'scored on':22} {'P':>6} {'R':>6} {'F1':>6}")
    for s in SETS:
        sd = [d for d in docs if d.set == s]
        p, r, f = score(sd, lambda d: d.y > 0)
        print(f"{'oracle (labels)':28} {s:22} {p:6.3f} {r:6.3f} {f:6.3f}")
        p, r, f = score(sd, lambda d: ~d.prior)
        print(f"{'none (rules only)':28} {s:22} {p:6.3f} {r:6.3f} {f:6.3f}")
    print(f"{'':51} clean text dropped: lines  bytes")
    w1, w2 = train(docs + clean)
    for s in SETS:
        sd = [d for d in docs if d.set == s]
        p, r, f = score(sd, lambda d: probs(d, w1, w2) >= thr)
        ln, by = clean_loss([d for d in clean if d.set == s], w1, w2, thr)
        print(f"{'all sets':28} {s:22} {p:6.3f} {r:6.3f} {f:6.3f} {ln:7.4f} {by:7.4f}")
    for s in SETS:
        tw1, tw2 = train([d for d in docs + clean if d.set != s])
        sd = [d for d in docs if d.set == s]
        p, r, f = score(sd, lambda d: probs(d, tw1, tw2) >= thr)
        ln, by = clean_loss([d for d in clean if d.set == s], tw1, tw2, thr)
        print(f"{'the two others':28} {s:22} {p:6.3f} {r:6.3f} {f:6.3f} {ln:7.4f} {by:7.4f}")
    for half in (0, 1):
        tw1, tw2 = train([d for i, d in enumerate(docs) if i % 2 != half] +
                         [d for d in clean if d.id in {e.id for i, e in enumerate(docs)
                                                       if i % 2 != half}])
        for s in SETS:
            sd = [d for i, d in enumerate(docs) if i % 2 == half and d.set == s]
            p, r, f = score(sd, lambda d: probs(d, tw1, tw2) >= thr)
            name = "odd docs" if half == 0 else "even docs"
            print(f"{name:28} {s + (' even' if half == 0 else ' odd'):22} "
                  f"{p:6.3f} {r:6.3f} {f:6.3f}")
    if a.folds:
        for s, (p, r, f) in zip(SETS, site_folds(docs, clean, a.folds, thr)):
            print(f"{'%d folds by site' % a.folds:28} {s:22} {p:6.3f} {r:6.3f} {f:6.3f}")
    top = sorted(zip(NAMES, w1[0]), key=lambda t: -abs(t[1]))[:8]
    print("first stage, largest weights:", ", ".join(f"{n} {v:+.2f}" for n, v in top))
    print("gate on pages with a title (bias, z, after, before):",
          " ".join(f"{v:+.2f}" for v in w1[1]),
          f"; {sum(d.gated for d in docs)} of {len(docs)} pages have one")
    used = Counter((STAGE2_NAMES + ["x." + n for n in NAMES])[j]
                   for t in w2[0].model for j, _ in t[0])
    print("second stage, the inputs split on most:",
          ", ".join(f"{n} {c}" for n, c in used.most_common(12)),
          f"; transitions junk to text {w2[1]:.4f}, text to junk {w2[2]:.4f}")
    if a.write_model:
        write_model(os.path.join(ROOT, "src", "lib", "nav_model.h"), w1, w2)
        print("wrote src/lib/nav_model.h")

if __name__ == "__main__":
    main()
