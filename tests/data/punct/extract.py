#!/usr/bin/env python3
"""Rebuilds the clean-text files of the punctuation tests from the gold
texts of the shared corpora (see SOURCE.md).

    python3 tests/data/punct/extract.py [CORPORA_DIR]

CORPORA_DIR defaults to ../shared/corpora beside the repository; the seed's
wanted output (../shared/seed/*.expected.txt) becomes clean-seed.txt. Documents
are taken in file order up to a size budget per corpus; paragraphs listed in
damage-real.txt (real punctuation damage, read by hand) are left out, since
the stage is meant to change them."""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CORPORA = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, '..', '..', '..', '..',
                                                              'shared', 'corpora')

# corpus, output file, byte budget, largest document taken
PLAN = [
    ('scrapinghub-aeb', 'clean-aeb.txt', 300_000, 20_000),
    ('htmltotext-benchmark', 'clean-htmltotext.txt', 240_000, 30_000),
    ('cleaneval-dev', 'clean-cleaneval.txt', 120_000, 20_000),
]


def copy_seed():
    seed = os.path.join(CORPORA, '..', 'seed', '000_bf096e77d9db111c.expected.txt')
    with open(seed, encoding='utf-8') as f, \
            open(os.path.join(HERE, 'clean-seed.txt'), 'w', encoding='utf-8') as out:
        out.write(f.read())


def main():
    copy_seed()
    with open(os.path.join(HERE, 'damage-real.txt'), encoding='utf-8') as f:
        damaged = set(f.read().split('\n'))
    for corpus, out, budget, largest in PLAN:
        size = docs = dropped = 0
        lines = []
        with open(os.path.join(CORPORA, corpus, 'gold.jsonl'), encoding='utf-8') as f:
            for row in f:
                gold = json.loads(row)['gold']
                n = len(gold.encode('utf-8'))
                if n > largest or size + n > budget:
                    continue
                size += n
                docs += 1
                for line in gold.split('\n'):
                    if line in damaged and line.strip():
                        dropped += 1
                    else:
                        lines.append(line)
                lines.append('')
        with open(os.path.join(HERE, out), 'w', encoding='utf-8') as f:
            f.write('\n'.join(lines))
        print(f'{out}: {docs} documents, {size} bytes, {dropped} damaged paragraphs left out')


main()
