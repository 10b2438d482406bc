#!/usr/bin/env python3
"""Makes the throughput input for near-duplicate detection: the text bodies of
the developer corpora's scraped.lynx.wet files, repeated until the output
reaches the wanted size, each copy with small seeded mutations (a word
changed, a number changed, a line re-wrapped), so that exact dedup drops most
of a copy and the near-duplicate stages have real work. Documents are
separated by form feeds.

With MEGABYTES 0, writes instead every scraped text and every gold text
once (all distinct, about 6.5 MB). With --shuffle, every copy of every line
has its words in a new seeded order: real words, hardly a repeated 5-word
run, so every line is judged and stored: the case where near detection
works most.

usage: bench/near_input.py OUT [MEGABYTES] [CORPORA_DIR] [--shuffle]
       (default 200 MB, ../shared/corpora)
"""
import json, os, random, re, sys

def wet_bodies(path):
    data = open(path, 'rb').read()
    i = 0
    while True:
        j = data.find(b'WARC/1.0', i)
        if j < 0:
            return
        h = data.find(b'\r\n\r\n', j)
        n = int(re.search(rb'Content-Length:\s*(\d+)', data[j:h]).group(1))
        if b'conversion' in data[j:h]:
            yield data[h + 4:h + 4 + n].decode('utf-8', 'replace')
        i = h + 4 + n

def mutate(line, rng, words):
    toks = line.split(' ')
    kind = rng.randrange(3)
    if kind == 0 and len(toks) > 3:
        toks[rng.randrange(len(toks))] = rng.choice(words)
        return ' '.join(toks)
    if kind == 1:
        return re.sub(r'\d+', lambda m: str(rng.randrange(1, 2100)), line, count=1)
    if len(toks) > 12:
        k = rng.randrange(4, len(toks) - 4)
        return ' '.join(toks[:k]) + '\n' + ' '.join(toks[k:])
    return line + ' ' + rng.choice(words)

def shuffled(line, rng):
    words = line.split(' ')
    rng.shuffle(words)
    return ' '.join(words)


def main():
    shuffle = '--shuffle' in sys.argv
    args = [a for a in sys.argv if a != '--shuffle']
    out = args[1]
    want = int(args[2]) << 20 if len(args) > 2 else 200 << 20
    root = args[3] if len(args) > 3 else os.path.join(os.path.dirname(__file__), '..', '..', 'shared', 'corpora')
    docs = []
    for name in sorted(os.listdir(root)):
        p = os.path.join(root, name, 'scraped.lynx.wet')
        if os.path.exists(p):
            docs.extend(wet_bodies(p))
    if want == 0:
        for name in sorted(os.listdir(root)):
            p = os.path.join(root, name, 'gold.jsonl')
            if os.path.exists(p):
                docs.extend(json.loads(l)['gold'] for l in open(p, encoding='utf-8'))
        with open(out, 'w', encoding='utf-8') as fp:
            fp.write('\f'.join(d.rstrip('\n') + '\n' for d in docs if d.strip()))
        return
    words = sorted({w for d in docs[:50] for w in d.split() if w.isalpha()})
    rng = random.Random(7)
    size = 0
    with open(out, 'w', encoding='utf-8') as fp:
        while size < want:
            for d in docs:
                if shuffle:
                    lines = [shuffled(l, rng) for l in d.split('\n')]
                else:
                    lines = [mutate(l, rng, words) if rng.random() < 0.05 else l
                             for l in d.split('\n')]
                text = '\n'.join(lines).rstrip('\n') + '\n\f'
                fp.write(text)
                size += len(text.encode('utf-8'))
                if size >= want:
                    break

if __name__ == '__main__':
    main()
