#!/usr/bin/python3
"""Tries stronger model classes for --strip-nav in Python, held out
(doc/nav.md, "A stronger model class"), on exactly the features nav.c
dumps. A trial only: it needs scikit-learn (Debian's python3-sklearn);
the shipped trainer, bench/nav_train.py, stays numpy-only.

usage: bench/nav_gbt_try.py [--winnow BIN] [--shared DIR] [--only NAME ...] [--halves] [--folds K]
       bench/nav_gbt_try.py --false-positives
       bench/nav_gbt_try.py --span-oracles [--folds K]

Each trial is a model: a first stage ("lr": nav_train.py's logistic
regression with the title's gate; "gbt": gradient-boosted trees,
scikit-learn's HistGradientBoostingClassifier, on the 43 features and the
title's 3 columns), a second stage ("lr": nav_train.py's logistic
regression on the first stage's probabilities and the line's place
against the main block, the article's end and the rules' lines, stage2;
"gbt": boosted trees on the same inputs; "gbtx": on those and the first
stage's features (the shipped model, with nav_train.py's oblivious
trees); "lr+obl": the logistic second stage, then oblivious trees on
the inputs of "gbtx" boosted from its margin; "none": the first stage
decides; the trees are
scikit-learn's, or with oblivious=True nav_train.py's numpy booster of
oblivious trees, one split a level) and a decision over the
page's lines ("smooth": nav_train.py's forward-backward posterior of the
two-state chain whose transitions are counted on the labels; "viterbi":
the chain's most likely path, a line's evidence weighted so that a line
alone is kept from the threshold up; "none"). The sample weights are
nav_train.py's (the gold texts as documents at 0.6). "oof": the second
stage is trained on out-of-fold first-stage probabilities (3 folds of
documents), since boosted trees are sure of their own training lines.

Printed for each: held-out F1 / R / P (trained on the two other sets) on
scrapinghub-aeb / cleaneval-dev / htmltotext-benchmark at the default
threshold, the share of tests/data/clean-gold.txt's lines the all-sets
model drops, and held-out F1 / R at other thresholds (a tree model's
probabilities are not the logistic model's, so one threshold is not a
fair comparison); with --halves also trained on odd documents scored on
the even ones and back. "shipped" reproduces nav_train.py's rows."""
import os, re, sys, time
import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nav_train as T
import nav_try as Try

TREES = dict(max_depth=3, max_iter=100, learning_rate=0.1)

def gbt(X, y, c, **kw):
    if kw.pop("oblivious", False):
        return T.Oblivious(**kw).fit(X, y, c)
    cfg = dict(TREES)
    cfg.update(kw)
    m = HistGradientBoostingClassifier(early_stopping=False, random_state=0, **cfg)
    m.fit(X, y, sample_weight=c)
    return m

def cat(ds, f):
    return np.concatenate([f(d)[~d.prior] for d in ds])

def vcat(ds, f):
    return np.vstack([f(d)[~d.prior] for d in ds])

def viterbi(p, a, b, t):
    """The most likely path of nav_train.py's two-state chain; the text
    state's evidence is weighted by (1 - t) / t so that a line alone is
    text from p >= t, as with the posterior's threshold."""
    m, pi = len(p), a / (a + b)
    e1 = np.log(np.clip(p, 1e-6, 1 - 1e-6) / pi) + np.log((1 - t) / t)
    e0 = np.log(np.clip(1 - p, 1e-6, 1.0) / (1 - pi))
    la, l1a, lb, l1b = np.log(a), np.log(1 - a), np.log(b), np.log(1 - b)
    v0, v1 = np.log(1 - pi) + e0[0], np.log(pi) + e1[0]
    back = np.zeros((m, 2), int)
    for k in range(1, m):
        c00, c10, c01, c11 = v0 + l1a, v1 + lb, v0 + la, v1 + l1b
        back[k] = (0 if c00 >= c10 else 1, 0 if c01 >= c11 else 1)
        v0, v1 = max(c00, c10) + e0[k], max(c01, c11) + e1[k]
    s, st = np.zeros(m), int(v1 >= v0)
    for k in range(m - 1, -1, -1):
        s[k] = st
        st = back[k, st]
    return s

class Model:
    def __init__(self, s1, s2, decide="smooth", oof=False, vt=None, k1=None, k2=None):
        self.s1, self.s2, self.decide, self.oof, self.vt = s1, s2, decide, oof, vt
        self.k1, self.k2 = k1 or {}, k2 or {}

    def p1(self, d, m1=None):
        m1 = m1 or self.m1
        if self.s1 == "lr":
            return T.p_first(d, m1)
        p = m1.predict_proba(d.XT)[:, 1]
        p[d.prior] = 0.0
        return p

    def feats2(self, d, p1):
        Y = T.stage2(p1, d.ch, d.prior)
        return np.hstack([Y, d.XT]) if self.s2 in ("gbtx", "lr+obl") else Y

    def fit1(self, ds):
        if self.s1 == "lr":
            return T.train(ds)[0]
        return gbt(vcat(ds, lambda d: d.XT), cat(ds, lambda d: d.y),
                   cat(ds, lambda d: d.c), **self.k1)

    def fit(self, ds):
        y, c = cat(ds, lambda d: d.y), cat(ds, lambda d: d.c)
        self.m1 = self.fit1(ds)
        P = {id(d): None for d in ds}
        if self.oof and self.s1 != "lr":
            for f in range(3):
                m = self.fit1([d for i, d in enumerate(ds) if i % 3 != f])
                for i, d in enumerate(ds):
                    if i % 3 == f:
                        P[id(d)] = self.p1(d, m)
        Y2 = vcat(ds, lambda d: self.feats2(d, P[id(d)] if P[id(d)] is not None else self.p1(d)))
        if self.s2 == "lr":
            self.m2 = T.fit(Y2, y, c)
        elif self.s2 == "lr+obl":
            self.w2 = T.fit(Y2[:, :T.N_STAGE2], y, c)
            self.m2 = T.Oblivious(**self.k2).fit(Y2, y, c, Y2[:, :T.N_STAGE2] @ self.w2)
        elif self.s2 != "none":
            self.m2 = gbt(Y2, y, c, **self.k2)
        self.ab = T.transitions([d for d in ds if not d.clean])
        return self

    def probs(self, d, thr):
        if not d.lines:
            return np.zeros(0)
        p1 = self.p1(d)
        if self.s2 == "none":
            p = p1
        elif self.s2 == "lr":
            p = T.sig(self.feats2(d, p1) @ self.m2)
        elif self.s2 == "lr+obl":
            Y = self.feats2(d, p1)
            p = T.sig(self.m2.margin(Y, Y[:, :T.N_STAGE2] @ self.w2))
        elif isinstance(self.m2, T.Oblivious):
            p = T.sig(self.m2.margin(self.feats2(d, p1)))
        else:
            p = self.m2.predict_proba(self.feats2(d, p1))[:, 1]
        q, live = np.zeros(len(p)), ~d.prior
        if live.any():
            if self.decide == "viterbi":
                q[live] = viterbi(p[live], *self.ab, self.vt or thr)
            elif self.decide == "smooth":
                q[live] = T.smooth(p[live], *self.ab)
            else:
                q[live] = p[live]
        return q

TRIALS = {
    "shipped": lambda: Model("lr", "gbtx", k2=dict(oblivious=True, **T.TREES)),
    "logistic 2nd (shipped before)": lambda: Model("lr", "lr"),
    "lr, no smoothing": lambda: Model("lr", "lr", "none"),
    "lr, viterbi": lambda: Model("lr", "lr", "viterbi"),
    "lr, viterbi at 0.5": lambda: Model("lr", "lr", "viterbi", vt=0.5),
    "gbt alone": lambda: Model("gbt", "none"),
    "gbt, lr stacked": lambda: Model("gbt", "lr"),
    "gbt, lr stacked oof": lambda: Model("gbt", "lr", oof=True),
    "lr, gbt 2nd": lambda: Model("lr", "gbt"),
    "lr, gbt 2nd + features": lambda: Model("lr", "gbtx"),
    "lr, gbt 2nd + features d2": lambda: Model("lr", "gbtx", k2=dict(max_depth=2)),
    "lr, gbt 2nd + features d4 200": lambda: Model("lr", "gbtx", k2=dict(max_depth=4, max_iter=200)),
    "lr, oblivious 2nd + features d4 200":
        lambda: Model("lr", "gbtx", k2=dict(oblivious=True, depth=4, trees=200, lr=0.1)),
    "lr, oblivious 2nd + features d4 50 lr 0.3":
        lambda: Model("lr", "gbtx", k2=dict(oblivious=True, depth=4, trees=50, lr=0.3)),
    "shipped, l2 10": lambda: Model("lr", "gbtx", k2=dict(oblivious=True, **dict(T.TREES, l2=10.0))),
    "shipped, leaves of 50 or more": lambda: Model("lr", "gbtx",
                                                   k2=dict(oblivious=True, **dict(T.TREES, minh=50.0))),
    "shipped, 16 bins": lambda: Model("lr", "gbtx", k2=dict(oblivious=True, **dict(T.TREES, nb=16))),
    "lr 2nd, oblivious residual d4 50":
        lambda: Model("lr", "lr+obl", k2=dict(depth=4, trees=50, lr=0.1)),
    "lr 2nd, oblivious residual d4 100":
        lambda: Model("lr", "lr+obl", k2=dict(depth=4, trees=100, lr=0.1)),
}

def f(rows, i):
    return " / ".join(f"{r[i]:.3f}" for r in rows)

def run(name, mk, docs, clean, cg, thr, halves, k=0):
    t0, held, kept = time.time(), [], {}
    for s in T.SETS:
        m = mk().fit([d for d in docs + clean if d.set != s])
        sd = [d for d in docs if d.set == s]
        kept[s] = (sd, {id(d): m.probs(d, thr) for d in sd})
        held.append(T.score(sd, lambda d: kept[s][1][id(d)] >= thr))
    m = mk().fit(docs + clean)
    n = sum(len(d.lines) for d in cg)
    lost = sum(int(((m.probs(d, thr) < thr) & ~d.prior).sum()) for d in cg)
    print(f"{name:30} F1 {f(held, 2)}  R {f(held, 1)}  P {f(held, 0)}  "
          f"clean-gold {100 * lost / max(n, 1):.1f} %  ({time.time() - t0:.0f} s)", flush=True)
    for t in (0.1, 0.3, 0.5):
        rows = [T.score(kept[s][0], lambda d: kept[s][1][id(d)] >= t) for s in T.SETS]
        print(f"{'  at %.2f' % t:30} F1 {f(rows, 2)}  R {f(rows, 1)}", flush=True)
    if k:
        Try.folds(name, T.site_folds(docs, clean, k, thr, lambda ds: mk().fit(ds),
                                     lambda d, m: m.probs(d, thr)))
    if halves:
        for half in (0, 1):
            ids = {e.id for i, e in enumerate(docs) if i % 2 != half}
            mm = mk().fit([d for i, d in enumerate(docs) if i % 2 != half] +
                          [d for d in clean if d.id in ids])
            rows = [T.score([d for i, d in enumerate(docs) if i % 2 == half and d.set == s],
                            lambda d: mm.probs(d, thr) >= thr) for s in T.SETS]
            print(f"{'  even' if half == 0 else '  odd':30} documents: F1 {f(rows, 2)}  "
                  f"R {f(rows, 1)}", flush=True)

def false_positives(docs, clean, thr, held="scrapinghub-aeb"):
    """The lines labelled junk that the shipped model, trained on the two
    other sets, keeps on `held`, by kind: where (before the first line
    labelled text, between the first and the last, after the last) and
    what shape (under 4 words; ending a sentence, i.e. in . ! ? : a quote
    or a closing parenthesis; else a headline), their tokens, and the pages
    that hold the most."""
    w1, w2 = T.train([d for d in docs + clean if d.set != held])
    tok, lines, per, total, sure = {}, {}, {}, 0, 0
    for d in docs:
        if d.set != held or not (d.y > 0).any():
            continue
        q = T.probs(d, w1, w2)
        keep = q >= thr
        yi = np.nonzero(d.y > 0)[0]
        for k, ((_, _, text), kp) in enumerate(zip(d.lines, keep)):
            if not kp or d.y[k] > 0:
                continue
            t, n = text.strip(), len(T.toks(text))
            where = "before" if k < yi[0] else ("after" if k > yi[-1] else "inside")
            shape = ("short" if len(t.split()) < 4 else
                     "sentence" if re.search(r"[.!?:\"'”)]$", t) else "headline")
            tok[where, shape] = tok.get((where, shape), 0) + n
            lines[where, shape] = lines.get((where, shape), 0) + 1
            per[d.id] = per.get(d.id, 0) + n
            total += n
            sure += n if q[k] >= 0.9 else 0
    print(f"{held}, held out: {total} tokens of lines labelled junk kept, "
          f"{100 * sure / max(total, 1):.0f} % of them at p >= 0.9")
    for k in sorted(tok, key=lambda k: -tok[k]):
        print(f"  {k[0]:7} {k[1]:9} {lines[k]:5} lines {tok[k]:6} tokens "
              f"({100 * tok[k] / max(total, 1):.0f} %)")
    top = sorted(per.values(), reverse=True)
    print(f"  {len(per)} pages; the 10 with the most hold "
          f"{100 * sum(top[:10]) / max(total, 1):.0f} %, {sum(v > 500 for v in top)} pages "
          "hold more than 500 tokens each")

def span_oracles(docs, clean, thr, k=5):
    """How far knowing the article's span would take the shipped model:
    its kept lines, then the same with every line after the last line
    labelled text dropped (the article's end known), with the lines before
    the first dropped too (its start and end known), and with the junk
    inside that span dropped instead (the span's junk known). Held out
    (trained on the two other sets) and by k folds of sites."""
    def cut(d, keep, end=False, start=False, inside=False):
        yi = np.nonzero(d.y > 0)[0]
        keep = keep.copy()
        if len(yi):
            if end:
                keep[yi[-1] + 1:] = False
            if start:
                keep[:yi[0]] = False
            if inside:
                keep[yi[0]:yi[-1] + 1] &= d.y[yi[0]:yi[-1] + 1] > 0
        return keep
    ways = [("the model", {}), ("+ the end known", dict(end=True)),
            ("+ the start and end known", dict(end=True, start=True)),
            ("+ the junk inside known", dict(inside=True))]
    q = {}
    for s in T.SETS:
        w = T.train([d for d in docs + clean if d.set != s])
        q.update({id(d): T.probs(d, *w) >= thr for d in docs if d.set == s})
    qf = {}
    def fold_probs(d, m):  # nav_train.py's folds; each page's kept lines noted
        p = T.probs(d, *m)
        qf[id(d)] = p >= thr
        return p
    T.site_folds(docs, clean, k, thr, probs_fn=fold_probs)
    print(f"threshold {thr}; F1 / P / R on scrapinghub-aeb / cleaneval-dev / htmltotext-benchmark")
    for proto, keep in (("held out", q), (f"{k} folds by site", qf)):
        for name, kw in ways:
            rows = [T.score([d for d in docs if d.set == s],
                            lambda d: cut(d, keep[id(d)], **kw)) for s in T.SETS]
            print(f"{proto:16} {name:28} F1 {f(rows, 2)}  P {f(rows, 0)}  R {f(rows, 1)}",
                  flush=True)

def main():
    ap = Try.parser(TRIALS)
    ap.add_argument("--false-positives", action="store_true",
                    help="only the shipped model's kept junk on scrapinghub-aeb, held out, by kind")
    ap.add_argument("--span-oracles", action="store_true",
                    help="only the shipped model with the article's span known, held out and by site")
    a = ap.parse_args()
    docs, clean, cg, thr = Try.load(a.winnow, a.shared)
    if a.false_positives:
        return false_positives(docs, clean, thr)
    if a.span_oracles:
        return span_oracles(docs, clean, thr, a.folds or 5)
    print(f"held out (trained on the two other sets), threshold {thr}: "
          "scrapinghub-aeb / cleaneval-dev / htmltotext-benchmark")
    for name in a.only or TRIALS:
        run(name, TRIALS[name], docs, clean, cg, thr, a.halves, a.folds)

if __name__ == "__main__":
    main()
