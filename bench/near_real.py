#!/usr/bin/env python3
"""What near-duplicate detection removes from real scraped pages: runs winnow
on the text of every scraped.lynx.wet record of the developer corpora with
gold text (one document each, in corpus order) and sorts the dropped lines
by reason into template lines (not in the page's gold text), body lines that
repeat earlier text, and body lines whose text is new: content lost.

A body line repeats earlier text when at least half of its words lie in word
8-grams of earlier lines of the stream, or, for a line of fewer than 8 words,
when its words occur together in an earlier line. This does not use
winnow's rule.

usage: bench/near_real.py [--winnow PATH] [--corpora DIR] [--show N] [-- WINNOW_OPTIONS...]
"""
import json
import os
import random
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def key_tokens(s):
    return re.sub(r'[\W_]+', ' ', s.casefold()).split()


def records(path):
    data = open(path, 'rb').read()
    i = 0
    while True:
        j = data.find(b'WARC/1.0', i)
        if j < 0:
            return
        h = data.find(b'\r\n\r\n', j)
        head = data[j:h].decode('utf-8', 'replace')
        n = int(re.search(r'Content-Length:\s*(\d+)', head).group(1))
        if 'conversion' in head:
            doc_id = re.search(r'X-Corpus-Doc-Id:\s*(\S+)', head).group(1)
            yield doc_id, data[h + 4:h + 4 + n].decode('utf-8', 'replace').rstrip('\n')
        i = h + 4 + n


def main():
    args = sys.argv[1:]
    extra = args[args.index('--') + 1:] if '--' in args else []
    args = args[:args.index('--')] if '--' in args else args
    opt = lambda name, d: args[args.index(name) + 1] if name in args else d
    winnow = opt('--winnow', os.path.join(HERE, '..', 'build', 'winnow'))
    root = opt('--corpora', os.path.join(HERE, '..', '..', 'shared', 'corpora'))
    show = int(opt('--show', '0'))
    docs = []
    for name in ['cleaneval-dev', 'htmltotext-benchmark', 'scrapinghub-aeb']:
        gold = {}
        for line in open(os.path.join(root, name, 'gold.jsonl'), encoding='utf-8'):
            g = json.loads(line)
            gold[g['id']] = g['gold']
        for doc_id, text in records(os.path.join(root, name, 'scraped.lynx.wet')):
            docs.append((text, gold.get(doc_id, '')))
    # Label every line: template, body-repeated or body-new.
    labels, seen8, earlier = [], set(), []
    for text, gold in docs:
        body = {' '.join(key_tokens(x)) for x in gold.split('\n')}
        body_text = ' ' + ' '.join(key_tokens(gold)) + ' '
        for line in text.split('\n'):
            t = key_tokens(line)
            k = ' '.join(t)
            if not t or not (k in body or (len(k) > 30 and ' ' + k + ' ' in body_text)):
                labels.append('template')
            else:
                if len(t) < 8:
                    rep = any(' ' + k + ' ' in e for e in earlier[-20000:])
                else:
                    cov = set()
                    for i in range(len(t) - 7):
                        if tuple(t[i:i + 8]) in seen8:
                            cov.update(range(i, i + 8))
                    rep = 2 * len(cov) >= len(t)
                labels.append('repeated' if rep else 'new')
            seen8.update(tuple(t[i:i + 8]) for i in range(len(t) - 7))
            earlier.append(' ' + k + ' ')
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, 'in.txt')
        with open(path, 'w', encoding='utf-8') as f:
            f.write('\f'.join(text + '\n' for text, _ in docs))
        why = os.path.join(tmp, 'why.tsv')
        subprocess.run([winnow, '--no-progress', f'--explain={why}', '-o', os.devnull, *extra, path],
                       check=True)
        counts, lost = {}, {}
        for line in open(why, encoding='utf-8', errors='replace'):
            f = line.rstrip('\n').split('\t', 4)
            if f[1] != 'drop' or f[2] == 'blank':
                continue
            label = labels[int(f[0].rsplit(':', 1)[1]) - 1]
            name = f[3] if f[2] == 'near' else f[2]  # near and near-smooth apart
            c = counts.setdefault(name, {'template': 0, 'repeated': 0, 'new': 0})
            c[label] += 1
            if label == 'new':
                lost.setdefault(name, []).append(f[4])
    body = sum(1 for l in labels if l != 'template')
    print(f'{len(docs)} pages, {len(labels)} lines, {body} of them body lines '
          f'({sum(1 for l in labels if l == "new")} new text); winnow {" ".join(extra) or "(defaults)"}\n')
    print('| drop reason (rule) | lines dropped | template lines | body lines repeating earlier text |'
          ' body lines with new text (lost) |')
    print('|---|---|---|---|---|')
    for rule, c in sorted(counts.items()):
        print(f'| {rule} | {sum(c.values())} | {c["template"]} | {c["repeated"]} | {c["new"]} |')
    rng = random.Random(1)
    for rule, lines in sorted(lost.items()):
        for line in rng.sample(lines, min(show, len(lines))):
            print(f'  lost ({rule}): {line[:150]}')


if __name__ == '__main__':
    main()
