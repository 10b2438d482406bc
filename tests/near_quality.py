#!/usr/bin/env python3
"""Measures winnow's near-duplicate detection on real documents with injected
near duplicates of known kinds (see doc/near.md, "Quality").

    python3 tests/near_quality.py [--winnow PATH] [--check] [--misses]

Reads tests/data/near/*.jsonl only. Paragraph level: a stream of real
articles (each with a headline, a byline and a date line) and pairs of
scraped pages sharing a site template, then copies of the articles with one
kind of change in every paragraph it applies to; winnow runs with its
defaults, and each line is scored from --explain. Precision counts every
line dropped from the must-survive set (the articles, which include stories
on the same event, and the body lines of the template pages) as an error.
Document level: originals and copies with one to many changes, run with
--doc-near --no-dedup; the truth is keep-first at a Jaccard similarity of
word 5-gram sets >= 0.8, computed here exactly.

--check exits 1 when a goal is missed (precision >= 0.99 and recall >= 0.95
per kind; document F1 >= 0.95). --misses prints the lines scored wrong.
"""
import json
import os
import random
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, 'data', 'near')
KINDS = ['word', 'date', 'drop-sentence', 'add-sentence', 'rewrap', 'byline']
KIND_TEXT = {
    'word': 'a changed word', 'date': 'a changed date or time in a paragraph', 'drop-sentence': 'a dropped sentence',
    'add-sentence': 'an added sentence', 'rewrap': 're-wrapped lines', 'byline': 'a changed byline',
    'date-line': '(not a goal) a changed date line of 20 characters or more',
    'word-short': '(not a goal) a changed word in a line of 8 to 14 words',
}
FIRST = ('Anna Ben Carla David Elena Farid Grace Hiro Ines Jonas Kemi Liam Maya Nikos Olga Pedro '
         'Quinn Rosa Sami Tara Umar Vera Wei Ximena Yusuf Zoe').split()
LAST = ('Adams Brennan Castillo Dimitrov Evans Fischer Garcia Haddad Ivanova Jensen Kowalski Lopez '
        'Moreau Nakamura Okafor Petrov Quist Rossi Schmidt Tanaka Usman Vargas Walsh Xu Yilmaz Zhou').split()
MONTHS = ('January February March April May June July August September October November '
          'December').split()
DAYS = 'Monday Tuesday Wednesday Thursday Friday Saturday Sunday'.split()
DATE_RE = re.compile(r'\b(?:(?P<day>' + '|'.join(DAYS) + r')|(?P<month>' + '|'.join(MONTHS) +
                     r'|Jan\.|Feb\.|Aug\.|Sept\.|Oct\.|Nov\.|Dec\.)(?: (?P<dom>\d{1,2})\b)?'
                     r'|(?P<year>(?:19|20)\d\d)|(?P<time>\d{1,2}:\d\d))\b')


def key_tokens(s):
    """winnow's normalized key, split into words (English text)."""
    return re.sub(r'[\W_]+', ' ', s.casefold()).split()


def sentences(p):
    return [s for s in re.split(r'(?:(?<=[.!?])|(?<=[.!?][”"’)]))\s+(?=[A-Z“"‘(])', p) if s]


def title_of(url, number):
    segs = [s for s in url.split('?')[0].split('/') if s]
    for seg in reversed(segs[2:]):
        seg = re.sub(r'\.(html?|php)$', '', seg)
        words = [w for w in re.split(r'[-_]', seg) if w and not re.fullmatch(r'[0-9a-f]{6,}|\d+|ar|idUSKBN\w+', w)]
        if len(words) >= 4:
            return ' '.join(words).capitalize()
    return f'Story {number} from {segs[1]}'



def date_line(rng):
    return (f'Published {rng.choice(MONTHS)} {rng.randint(1, 28)}, {rng.randint(2015, 2020)} '
            f'at {rng.randint(1, 12)}:{rng.randint(0, 59):02d} {rng.choice(["AM", "PM"])}')


def byline(rng):
    return f'By {rng.choice(FIRST)} {rng.choice(LAST)}'


def prose(p):
    """A paragraph of running text: the kinds apply to these (doc/near.md)."""
    return len(p.split()) >= 15


def change_date(p, rng):
    m = DATE_RE.search(p)
    if not m:
        return None
    if m.group('day'):
        new = rng.choice([d for d in DAYS if d != m.group('day')])
    elif m.group('month'):
        new = rng.choice([x for x in MONTHS if not m.group('month').startswith(x[:3])])
        if m.group('dom'):
            new += f' {(int(m.group("dom")) % 28) + 1}'
    elif m.group('year'):
        new = str(int(m.group('year')) + rng.randint(1, 3))
    else:
        new = f'{rng.randint(1, 12)}:{rng.randint(0, 59):02d}'
    return p[:m.start()] + new + p[m.end():]


def change_word(p, rng, vocab):
    words = p.split(' ')
    spots = [i for i, w in enumerate(words) if re.fullmatch(r'[A-Za-z]{3,}[,.;:]?', w)]
    if not spots:
        return None
    i = rng.choice(spots)
    tail = re.sub(r'[A-Za-z]', '', words[i])
    new = rng.choice(vocab)
    while new.lower() == words[i].rstrip(',.;:').lower():
        new = rng.choice(vocab)
    words[i] = new + tail
    return ' '.join(words)


def drop_sentence(p, rng):
    s = sentences(p)
    if len(s) < 2:
        return None
    del s[rng.randrange(len(s))]
    return ' '.join(s)


def add_sentence(p, rng, pool):
    """One more sentence, no longer than the paragraph's longest, in a
    paragraph of three or more: most of the paragraph is still old text."""
    s = sentences(p)
    if len(s) < 3:
        return None
    longest = max(len(x.split()) for x in s)
    fits = [x for x in pool if len(x.split()) <= longest]
    if not fits:
        return None
    s.insert(rng.randrange(len(s) + 1), rng.choice(fits))
    return ' '.join(s)


def rewrap(p, rng):
    if len(p.split()) < 12:
        return None
    width, out, line = rng.randint(60, 78), [], ''
    for w in p.split():
        if line and len(line) + 1 + len(w) > width:
            out.append(line)
            line = w
        else:
            line = f'{line} {w}' if line else w
    out.append(line)
    return out


def mutate(par, kind, rng, vocab, pool):
    """The changed paragraph as a list of lines, or None if the kind does not apply."""
    if kind == 'word-short':
        n = len(par.split())
        return [r] if 8 <= n < 15 and (r := change_word(par, rng, vocab)) else None
    if not prose(par):
        return None
    if kind == 'word':
        r = change_word(par, rng, vocab)
    elif kind == 'date':
        r = change_date(par, rng)
    elif kind == 'drop-sentence':
        r = drop_sentence(par, rng)
    elif kind == 'add-sentence':
        r = add_sentence(par, rng, pool)
    elif kind == 'rewrap':
        return rewrap(par, rng)
    else:
        r = None
    return [r] if r is not None and r != par else None


# ---- Building the streams -------------------------------------------------------

class Doc:
    """A document: its lines and one label per line."""

    def __init__(self, name):
        self.name, self.lines, self.labels = name, [], []

    def add(self, line, label):
        self.lines.append(line)
        self.labels.append(label)


def load():
    arts = [json.loads(l) for l in open(os.path.join(DATA, 'articles.jsonl'), encoding='utf-8')]
    pages = [json.loads(l) for l in open(os.path.join(DATA, 'pages.jsonl'), encoding='utf-8')]
    return arts, pages


def article_doc(a, number, rng):
    d = Doc(a['url'])
    d.head = [title_of(a['url'], number), byline(rng), date_line(rng)]
    d.pars = [p.strip() for p in a['gold'].split('\n') if p.strip()]
    for line in d.head + d.pars:
        d.add(line, 'keep')
    return d


def page_doc(p):
    d = Doc(p['url'])
    body = {' '.join(key_tokens(x)) for x in p['gold'].split('\n') if key_tokens(x)}
    for line in p['text'].split('\n'):
        k = ' '.join(key_tokens(line))
        d.add(line, 'keep' if k in body and len(line) >= 20 else None)
    return d


def copy_doc(orig, kind, rng, vocab, pool):
    """orig with `kind` applied to every paragraph it applies to."""
    d = Doc(orig.name + ' #' + kind)
    title, by, date = orig.head
    d.add(title, 'copy')
    if kind == 'byline':
        new = byline(rng)
        while new == by:
            new = byline(rng)
        d.add(new, 'byline')
    else:
        d.add(by, 'copy')
    if kind == 'date':
        new = date_line(rng)
        d.add(new, 'date-line' if new != date else 'copy')
    else:
        d.add(date, 'copy')
    for par in orig.pars:
        changed = mutate(par, kind, rng, vocab, pool) if kind != 'byline' else None
        if changed is None:
            d.add(par, 'copy')
        else:
            for line in changed:
                d.add(line, kind)
    return d


def doc_copy(orig, kind, changes, rng, vocab, pool):
    """orig with `changes` changes of `kind` in random paragraphs (document level)."""
    d = Doc(f'{orig.name} #{kind}x{changes}')
    head = list(orig.head)
    if kind == 'byline':
        head[1] = byline(rng)
    if kind == 'date':
        head[2] = date_line(rng)
    pars = [[p] for p in orig.pars]
    order = list(range(len(pars)))
    rng.shuffle(order)
    done = 0
    for i in order:
        if done == changes or kind in ('byline', 'date') and done:
            break
        m = mutate(pars[i][0], kind, rng, vocab, pool)
        if m:
            pars[i] = m
            done += 1
    if kind == 'rewrap':
        pars = [rewrap(p[0], rng) or p for p in pars]
    for line in head + [l for p in pars for l in p]:
        d.add(line, 'doc')
    return d


def place_after(docs, extra, rng):
    """Inserts each (original index, doc) of extra at a random place after its original."""
    out = [[d] for d in docs]
    for i, d in extra:
        j = rng.randrange(i, len(out))
        out[j].append(d)
    return [d for group in out for d in group]


def streams(seed=1):
    rng = random.Random(seed)
    arts, pages = load()
    held_out = [a for a in arts if not a['event']][-10:]
    pool = [s for a in held_out for p in a['gold'].split('\n') for s in sentences(p.strip())
            if 6 <= len(s.split()) <= 30]
    arts = [a for a in arts if a not in held_out]
    vocab = sorted({w for a in arts for w in re.findall(r'\b[a-z]{4,10}\b', a['gold'])})
    origs = [article_doc(a, i, rng) for i, a in enumerate(arts)]
    base = origs + [page_doc(p) for p in pages]
    rng.shuffle(base)
    index = {id(d): i for i, d in enumerate(base)}
    para = {}
    for kind in KINDS + ['word-short']:
        copies = [(index[id(o)], copy_doc(o, kind, rng, vocab, pool)) for o in origs]
        para[kind] = place_after(base, copies, rng)
    para['all'] = place_after(base, [(index[id(o)], copy_doc(o, k, rng, vocab, pool))
                                     for o in origs for k in KINDS], rng)
    doc_copies = []
    for o in origs:
        for kind, changes in [('word', 1), ('date', 1), ('drop-sentence', 1), ('add-sentence', 1),
                              ('rewrap', 0), ('byline', 1), ('word', 5), ('word', 15),
                              ('drop-sentence', 4), ('add-sentence', 4), ('word', 40)]:
            doc_copies.append((index[id(o)], doc_copy(o, kind, changes, rng, vocab, pool)))
    return para, place_after(base, doc_copies, rng)


# ---- Running winnow ------------------------------------------------------------

def run(winnow, docs, args):
    """Runs winnow on docs (form-feed separated); returns {line number: (reason, rule)}."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, 'in.txt')
        with open(path, 'w', encoding='utf-8') as f:
            f.write('\f'.join('\n'.join(d.lines) + '\n' for d in docs))
        why = os.path.join(tmp, 'why.tsv')
        subprocess.run([winnow, '--no-progress', f'--explain={why}', '-o', os.devnull, *args, path],
                       check=True)
        drops = {}
        for line in open(why, encoding='utf-8', errors='replace'):
            f = line.rstrip('\n').split('\t', 4)
            if f[1] == 'drop' and f[2] != 'blank':
                drops[int(f[0].rsplit(':', 1)[1])] = (f[2], f[3])
        return drops


def numbered(docs):
    n = 0
    for di, d in enumerate(docs):
        for line, label in zip(d.lines, d.labels):
            n += 1
            yield n, di, line, label


# ---- Scoring -------------------------------------------------------------------

def repeated_lines(docs):
    """Line numbers of must-survive lines whose text appeared earlier in the
    stream: at least half of their words lie in word 8-grams of earlier lines,
    or, for a line of fewer than 8 words, its words occur together earlier.
    Independent of winnow's rule; dropping these is deduplication."""
    seen, text, out = set(), [], set()
    for n, _, line, label in numbered(docs):
        t = key_tokens(line)
        if label == 'keep' and t:
            if len(t) < 8:
                rep = ' ' + ' '.join(t) + ' ' in ' '.join(text)
            else:
                cov = set()
                for i in range(len(t) - 7):
                    if tuple(t[i:i + 8]) in seen:
                        cov.update(range(i, i + 8))
                rep = 2 * len(cov) >= len(t)
            if rep:
                out.add(n)
        for i in range(len(t) - 7):
            seen.add(tuple(t[i:i + 8]))
        text.append(' ' + ' '.join(t) + ' ')
    return out


def score_paragraphs(winnow, docs, show):
    """Counts per label: dropped and total; for drops, by reason."""
    drops = run(winnow, docs, [])
    repeated = repeated_lines(docs)
    c = {'kind': {}, 'copy': [0, 0], 'rep': [0, 0], 'fp': 0, 'fp_near': 0, 'tp_near': 0, 'keep': 0,
         'tp': 0}
    for n, _, line, label in numbered(docs):
        if label is None:
            continue
        reason = drops.get(n, ('', ''))[0]
        dropped = n in drops
        if label == 'keep' and n in repeated:
            c['rep'][0] += dropped
            c['rep'][1] += 1
        elif label == 'keep':
            c['keep'] += 1
            c['fp'] += dropped
            c['fp_near'] += reason == 'near'
            if dropped and show:
                print(f'  false drop ({"/".join(drops[n])}): {line[:150]}')
        else:
            c['tp_near'] += reason == 'near'
            c['tp'] += dropped
            k = c['copy'] if label == 'copy' else c['kind'].setdefault(label, [0, 0])
            k[0] += dropped
            k[1] += 1
            if not dropped and show and label != 'copy':
                print(f'  missed {label}: {line[:150]}')
    return c


def shingles(d):
    toks = [t for line in d.lines for t in key_tokens(line)]
    return {tuple(toks[i:i + 5]) for i in range(len(toks) - 4)}


def doc_truth(docs):
    """Keep-first at Jaccard >= 0.8: the set of document indices to drop."""
    sets = [shingles(d) for d in docs]
    index, drop = {}, set()
    for i, s in enumerate(sets):
        cands = {j for g in s for j in index.get(g, ())}
        if any(len(s & sets[j]) / len(s | sets[j]) >= 0.8 for j in cands):
            drop.add(i)
            continue
        for g in s:
            index.setdefault(g, []).append(i)
    return drop


def score_documents(winnow, docs, truth, runs):
    line_doc = {n: di for n, di, _, _ in numbered(docs)}
    results = []
    for _ in range(runs):
        drops = run(winnow, docs, ['--doc-near', '--no-dedup'])
        pred = {line_doc[n] for n, (reason, _) in drops.items() if reason == 'doc'}
        tp, fp, fn = len(pred & truth), len(pred - truth), len(truth - pred)
        p = tp / (tp + fp) if tp + fp else 1.0
        r = tp / (tp + fn) if tp + fn else 1.0
        results.append((p, r, 2 * p * r / (p + r) if p + r else 0.0, tp, fp, fn))
    return results


def main():
    args = sys.argv[1:]
    winnow = os.path.join(HERE, '..', 'build', 'winnow')
    if '--winnow' in args:
        winnow = args[args.index('--winnow') + 1]
    check, show = '--check' in args, '--misses' in args
    para, docs = streams()
    ok = True
    print('Paragraph level (winnow defaults: --near=0.5 --near-words=5, smoothing):\n')
    print('| injected kind | changed lines | dropped | recall | drops | false drops | precision |'
          ' near drops | precision of near drops |')
    print('|---|---|---|---|---|---|---|---|---|')
    for kind in KINDS + ['all', 'date-line', 'word-short']:
        c = score_paragraphs(winnow, para['date' if kind == 'date-line' else kind], show)
        ks = KINDS if kind == 'all' else [kind]
        got, total = sum(c['kind'][k][0] for k in ks), sum(c['kind'][k][1] for k in ks)
        near = c['tp_near'] + c['fp_near']
        prec = c['tp_near'] / near if near else 1.0
        name = 'all kinds together' if kind == 'all' else KIND_TEXT[kind]
        allp = c['tp'] / (c['tp'] + c['fp']) if c['tp'] + c['fp'] else 1.0
        print(f'| {name} | {total} | {got} | {got / total:.3f} | {c["tp"] + c["fp"]} | {c["fp"]} |'
              f' {allp:.4f} | {near} | {prec:.4f} |')
        if kind not in ('word-short', 'date-line'):
            ok &= allp >= 0.99 and got / total >= 0.95
        if kind == 'all':
            ok &= prec >= 0.99
            last = c
    arts, pages = load()
    print(f'\nEach run holds {last["keep"] + last["rep"][1]} must-survive lines: {len(arts) - 10} articles '
          f'({sum(1 for a in arts if a["event"])} of them stories on {len({a["event"] for a in arts}) - 1} '
          f'events, from different publishers) and the body lines of {len(pages)} pages, two by site. '
          f'Of these, {last["rep"][1]} repeat earlier text (a quote or passage shared by two stories, a '
          f'credit line); {last["rep"][0]} of those were dropped, which is deduplication and is not '
          f'counted as a false drop.')
    print(f'Unchanged lines of the copies dropped (exact duplicates, or by smoothing): '
          f'{last["copy"][0]} of {last["copy"][1]}.')
    truth = doc_truth(docs)
    res = score_documents(winnow, docs, truth, 5)
    print(f'\nDocument level (--doc-near=0.8 --no-dedup), {len(docs)} documents, {len(truth)} '
          f'near duplicates at Jaccard >= 0.8, 5 runs (random seeds):\n')
    print('| run | precision | recall | F1 | true drops | false drops | missed |')
    print('|---|---|---|---|---|---|---|')
    for i, (p, r, f1, tp, fp, fn) in enumerate(res, 1):
        print(f'| {i} | {p:.4f} | {r:.4f} | {f1:.4f} | {tp} | {fp} | {fn} |')
        ok &= f1 >= 0.95
    if check and not ok:
        print('near_quality: a goal was missed', file=sys.stderr)
        sys.exit(1)


if __name__ == '__main__':
    main()
