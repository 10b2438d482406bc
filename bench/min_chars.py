#!/usr/bin/env python3
"""Evidence for winnow's --min-chars default: for each threshold T, how many
repeated lines (same normalized key seen earlier in the stream) are at least T
characters long, in the clean gold text and in the scraped text of each
developer corpus. Lines shorter than T are exempt from exact dedup.

usage: bench/min_chars.py [CORPORA_DIR]   (default ../shared/corpora)
"""
import json, os, re, sys

def key(s):
    return ' '.join(re.findall(r'\w+', s.lower()))

def wet_bodies(path):
    data = open(path, 'rb').read()
    i = 0
    while True:
        j = data.find(b'WARC/1.0', i)
        if j < 0:
            return
        h = data.find(b'\r\n\r\n', j)
        head = data[j:h]
        n = int(re.search(rb'Content-Length:\s*(\d+)', head).group(1))
        if b'conversion' in head:
            yield data[h + 4:h + 4 + n].decode('utf-8', 'replace')
        i = h + 4 + n

def repeat_lengths(texts):
    seen, lengths = set(), []
    for text in texts:
        for line in text.split('\n'):
            line = line.strip()
            k = key(line)
            if not k:
                continue
            if k in seen:
                lengths.append(len(line))
            seen.add(k)
    return lengths

def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '..', '..', 'shared', 'corpora')
    print('| corpus | T | gold repeats dropped | scraped repeats dropped |')
    print('|---|---|---|---|')
    for name in ['cleaneval-dev', 'htmltotext-benchmark', 'scrapinghub-aeb']:
        d = os.path.join(root, name)
        gold = repeat_lengths(json.loads(l)['gold'] for l in open(os.path.join(d, 'gold.jsonl')))
        scraped = repeat_lengths(wet_bodies(os.path.join(d, 'scraped.lynx.wet')))
        for t in [1, 8, 12, 16, 20, 24, 32]:
            g = sum(1 for x in gold if x >= t)
            s = sum(1 for x in scraped if x >= t)
            print(f'| {name} | {t} | {g} of {len(gold)} | {s} of {len(scraped)} ({s / len(scraped):.0%}) |')

if __name__ == '__main__':
    main()
