#!/usr/bin/env python3
"""Boilerplate precision of winnow's built-in rules on the corpora with gold.

usage: tests/boiler_precision.py [--winnow build/winnow] [--corpora DIR]
                                 [--frequent N] [--show]

For each corpus (cleaneval-dev, htmltotext-benchmark, scrapinghub-aeb):
 1. gold: the gold text of every page, one document per page, through
    `winnow --no-dedup`: every line the boilerplate stage drops (reason rule
    or zone) is a content line lost. Must be 0.
 2. scraped: the lynx text of every page (scraped.lynx.wet, one document per
    record) through the same command: dropped lines are split into gold lines
    (content lost: a line equal to a gold line of its page, or for 4+ words
    found inside the page's gold text) and the rest (boilerplate removed).
With --frequent N, step 2 also runs with --drop-frequent N (one pass and two).
--show prints every content line lost. Reads ../shared/corpora: a tool, not a
test (ctest never runs it).
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

CORPORA = ["cleaneval-dev", "htmltotext-benchmark", "scrapinghub-aeb"]
BOILER = {"rule", "zone", "frequent"}


def norm(s):
    return " ".join(re.findall(r"\w+", s.lower()))


def read_wet(path):
    """{doc id: text} of the conversion records of a WET file."""
    data = open(path, "rb").read()
    docs, i = {}, 0
    while True:
        j = data.find(b"WARC/1.0", i)
        if j < 0:
            break
        h = data.find(b"\r\n\r\n", j)
        sep = 4
        if h < 0:
            h, sep = data.find(b"\n\n", j), 2
        head = data[j:h].decode("utf-8", "replace")
        n = int(re.search(r"Content-Length:\s*(\d+)", head, re.I).group(1))
        body = data[h + sep:h + sep + n]
        d = re.search(r"X-Corpus-Doc-Id:\s*(\S+)", head, re.I)
        t = re.search(r"WARC-Type:\s*(\S+)", head, re.I)
        if d and t and t.group(1) == "conversion":
            docs[d.group(1)] = body.decode("utf-8", "replace")
        i = h + sep + n
    return docs


def read_gold(path):
    return {o["id"]: o["gold"] for o in map(json.loads, open(path, encoding="utf-8"))}


def run(winnow, docs, extra):
    """Runs winnow over docs (a list of texts, one document each, ended by a
    form feed) and returns [(doc index, reason, rule, text)] of its drops."""
    starts, text, nlines = [], [], 0
    for d in docs:
        d = d.replace("\f", " ").replace("\r", "")
        if not d.endswith("\n"):
            d += "\n"
        starts.append(nlines)
        nlines += d.count("\n")
        text.append(d + "\f")
    with tempfile.TemporaryDirectory() as tmp:
        inp = os.path.join(tmp, "in.txt")
        exp = os.path.join(tmp, "explain.tsv")
        with open(inp, "w", encoding="utf-8") as f:
            f.write("".join(text))
        subprocess.run([winnow, "--no-dedup", "--explain=" + exp, "-o", os.devnull] + extra +
                       [inp], check=True)
        drops = []
        for line in open(exp, encoding="utf-8", errors="replace"):
            where, kind, reason, rule, txt = line.rstrip("\n").split("\t", 4)
            if kind != "drop" or reason not in BOILER:
                continue
            no = int(where.rsplit(":", 1)[1])
            doc = max(i for i, s in enumerate(starts) if s < no)
            drops.append((doc, reason, rule, txt))
    return drops


def is_gold(line, gold_lines, gold_text):
    k = norm(line)
    if not k:
        return False
    return k in gold_lines or (len(k.split()) >= 4 and k in gold_text)


def measure(winnow, root, name, extra, show):
    gold = read_gold(os.path.join(root, name, "gold.jsonl"))
    scraped = read_wet(os.path.join(root, name, "scraped.lynx.wet"))
    ids = [i for i in gold if i in scraped]
    gold_docs = [gold[i] for i in ids]
    n_gold = sum(1 for d in gold_docs for l in d.split("\n") if l.strip())
    lost_gold = run(winnow, gold_docs, extra)

    scraped_docs = [scraped[i] for i in ids]
    n_scraped = sum(1 for d in scraped_docs for l in d.split("\n") if l.strip())
    glines = [{norm(l) for l in gold[i].split("\n")} for i in ids]
    gtext = [norm(gold[i]) for i in ids]
    n_boiler_in = sum(1 for k, d in enumerate(scraped_docs) for l in d.split("\n")
                      if l.strip() and not is_gold(l, glines[k], gtext[k]))
    removed, lost = 0, []
    for doc, reason, rule, txt in run(winnow, scraped_docs, extra):
        if is_gold(txt, glines[doc], gtext[doc]):
            lost.append((ids[doc], reason, rule, txt))
        else:
            removed += 1
    if show:
        for doc, reason, rule, txt in lost_gold:
            print(f"  gold lost  {ids[doc][:16]}  {reason}/{rule}: {txt[:100]}")
        for i, reason, rule, txt in lost:
            print(f"  scraped content lost  {i[:16]}  {reason}/{rule}: {txt[:100]}")
    return dict(docs=len(ids), gold_lines=n_gold, gold_lost=len(lost_gold),
                scraped_lines=n_scraped, boiler_lines=n_boiler_in, removed=removed,
                scraped_lost=len(lost))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--winnow", default=os.path.join(here, "..", "build", "winnow"))
    ap.add_argument("--corpora", default=os.path.join(here, "..", "..", "shared", "corpora"))
    ap.add_argument("--frequent", type=int, default=0)
    ap.add_argument("--show", action="store_true")
    a = ap.parse_args()
    configs = [("built-in rules", [])]
    if a.frequent:
        n = str(a.frequent)
        configs += [(f"rules + --drop-frequent {n}", ["--drop-frequent", n]),
                    (f"rules + --drop-frequent {n}, 2 passes",
                     ["--drop-frequent", n, "--drop-frequent-passes", "2"])]
    print("| corpus | run | docs | gold lines | gold lines dropped | scraped lines "
          "| of them not gold | boilerplate removed | scraped gold lines dropped |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    bad = 0
    for label, extra in configs:
        for name in CORPORA:
            m = measure(a.winnow, a.corpora, name, extra, a.show)
            if not extra:
                bad += m["gold_lost"]
            print(f"| {name} | {label} | {m['docs']} | {m['gold_lines']} | {m['gold_lost']} "
                  f"| {m['scraped_lines']} | {m['boiler_lines']} | {m['removed']} "
                  f"({100.0 * m['removed'] / max(1, m['boiler_lines']):.1f}%) "
                  f"| {m['scraped_lost']} |", flush=True)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
