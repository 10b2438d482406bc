#!/usr/bin/env python3
"""Scores --strip-nav on the developer gold sets (doc/nav.md, bench/README.md).

usage: bench/nav_score.py [--winnow BIN] [--shared DIR] [--sets a,b] [-- OPTION...]

For each set in SHARED/corpora (scrapinghub-aeb, cleaneval-dev,
htmltotext-benchmark) it feeds scraped.lynx.wet through winnow and scores
the output against gold.jsonl with SHARED/tools/score.py: bag-of-words
token precision, recall and F1, and the share of gold lines of four or more
words kept whole. Rows: the raw text, the default pipeline, --strip-nav on
top of it, and --strip-nav with --no-dedup (the classifier and the rules
alone: dedup drops repeated content inside a page, which the bag-of-words
recall counts as lost). Options after -- are added to the --strip-nav rows
(to try thresholds)."""
import argparse, os, re, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SETS = ["scrapinghub-aeb", "cleaneval-dev", "htmltotext-benchmark"]

def score(tool, gold, wet):
    out = subprocess.run([sys.executable, tool, gold, wet], check=True,
                         capture_output=True, text=True).stdout
    m = re.search(r"P=([\d.]+) R=([\d.]+) F1=([\d.]+) gold_lines_kept=\d+/\d+=([\d.]+)", out)
    return tuple(float(x) for x in m.groups())

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--winnow", default=os.path.join(ROOT, "build", "winnow"))
    ap.add_argument("--shared", default=os.environ.get("WN_SHARED",
                                                       os.path.join(ROOT, "..", "shared")))
    ap.add_argument("--sets", default=",".join(SETS))
    ap.add_argument("extra", nargs="*")
    a = ap.parse_args()
    tool = os.path.join(a.shared, "tools", "score.py")
    rows = [("raw", None), ("default", []), ("--strip-nav", ["--strip-nav"] + a.extra),
            ("--strip-nav --no-dedup", ["--strip-nav", "--no-dedup"] + a.extra)]
    print(f"{'set':22} {'run':26} {'P':>6} {'R':>6} {'F1':>6} {'lines':>7}")
    with tempfile.TemporaryDirectory() as tmp:
        for s in a.sets.split(","):
            d = os.path.join(a.shared, "corpora", s)
            wet, gold = os.path.join(d, "scraped.lynx.wet"), os.path.join(d, "gold.jsonl")
            for name, opts in rows:
                out = wet
                if opts is not None:
                    out = os.path.join(tmp, "out.wet")
                    subprocess.run([a.winnow, *opts, wet, "-o", out], check=True)
                p, r, f, lk = score(tool, gold, out)
                print(f"{s:22} {name:26} {p:6.3f} {r:6.3f} {f:6.3f} {lk:7.4f}")

if __name__ == "__main__":
    main()
