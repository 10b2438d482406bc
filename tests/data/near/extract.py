#!/usr/bin/env python3
"""Rebuilds the real documents of the near-duplicate quality test from the
shared corpora (see SOURCE.md).

    python3 tests/data/near/extract.py [CORPORA_DIR]

CORPORA_DIR defaults to ../shared/corpora beside the repository. Writes
articles.jsonl (gold article bodies: stories grouped by the event they report,
then other articles) and pages.jsonl (the lynx text of pairs of pages from the
same site: one template, different bodies)."""
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CORPORA = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, '..', '..', '..', '..',
                                                              'shared', 'corpora')
AEB = os.path.join(CORPORA, 'scrapinghub-aeb')

# Stories from different publishers on the same event: URL fragments.
EVENTS = {
    'feather-duvet-lung': ['gizmodo.com/a-man-developed-feather', 'forbes.com/sites/brucelee',
                           'livescience.com/feather-duvet', 'msn.com/en-us/health'],
    'plague': ['nypost.com/2019/11/18/chinese-hunter', 'express.co.uk/news/science',
               'smithsonianmag.com', 'thesun.co.uk'],
    'europa-water': ['hawaiinewsnow.com', 'sciencealert.com/nasa-finds-water',
                     'space.com/jupiter-moon-europa'],
    'lunar-landers': ['spacenews.com', 'aljazeera.com/ajimpact', 'space.com/nasa-picks'],
    'hibernation': ['phys.org', 'ctvnews.ca'],
    'meth-campaign': ['thehill.com/homenews', 'nj.com', 'spokesman.com', 'usatoday.com/story/news/nation'],
    'wework': ['techcrunch.com', 'venturebeat.com', 'therealdeal.com'],
    'doobie-brothers': ['billboard.com', 'cleveland.com', 'rollingstone.com'],
    'omar-threat': ['thehill.com/blogs', 'nbcnews.com/news/us-news'],
    'home-depot': ['barrons.com', 'foxbusiness.com'],
    'fort-worth-rescue': ['cbsnews.com/news/michael-webb', 'nbcdfw.com'],
    'stadia': ['wsj.com/articles/google-stadia', 'digg.com', 'hollywoodreporter.com',
               'mspoweruser.com', 'wccftech.com'],
    'impeachment': ['cbsnews.com/news/impeachment', 'deccanherald.com/international',
                    'nationalreview.com', 'nytimes.com/2019/11/19/opinion', 'hosted.ap.org/berkshireeagle'],
    'hong-kong': ['express.co.uk/news/world', 'theguardian.com', 'washingtonexaminer.com/opinion/why-beijing'],
    'trade-talks': ['nytimes.com/2019/11/18/business', 'deccanherald.com/business',
                    'reuters.com', 'cnn.com/2019/11/18/investing'],
}

# Pairs of pages from one site: their lynx text shares the site's template.
SITES = ['www.ctpost.com', 'www.chron.com', 'www.sfgate.com', 'www.timesunion.com',
         'www.mysanantonio.com', 'www.ascom.com', 'www.autoindustriya.com', 'www.slashgear.com',
         'www.foxnews.com', 'www.wired.com', 'www.cnbc.com', 'www.bbc.com']

OTHERS = 30  # further English articles, in file order, under 8 KB


def wet_records(path):
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
            yield doc_id, data[h + 4:h + 4 + n].decode('utf-8', 'replace')
        i = h + 4 + n


def main():
    gold = [json.loads(line) for line in open(os.path.join(AEB, 'gold.jsonl'), encoding='utf-8')]
    taken, out = set(), []
    for event, frags in EVENTS.items():
        for frag in frags:
            hits = [g for g in gold if frag in g['url']]
            assert len(hits) == 1, (frag, [g['url'] for g in hits])
            out.append({'id': hits[0]['id'], 'url': hits[0]['url'], 'event': event,
                        'gold': hits[0]['gold']})
            taken.add(hits[0]['id'])
    pages = []
    lynx = dict(wet_records(os.path.join(AEB, 'scraped.lynx.wet')))
    for site in SITES:
        hits = [g for g in gold if g['url'].split('/')[2] == site]
        assert len(hits) == 2, site
        for g in hits:
            pages.append({'id': g['id'], 'url': g['url'], 'site': site, 'text': lynx[g['id']],
                          'gold': g['gold']})
            taken.add(g['id'])
    others = 0
    for g in gold:
        english = sum(c.isascii() for c in g['gold']) > 0.97 * len(g['gold'])
        if g['id'] in taken or not english or len(g['gold']) > 8000 or len(g['gold']) < 1000:
            continue
        out.append({'id': g['id'], 'url': g['url'], 'event': '', 'gold': g['gold']})
        others += 1
        if others == OTHERS:
            break
    with open(os.path.join(HERE, 'articles.jsonl'), 'w', encoding='utf-8') as f:
        for a in out:
            f.write(json.dumps(a, ensure_ascii=False) + '\n')
    with open(os.path.join(HERE, 'pages.jsonl'), 'w', encoding='utf-8') as f:
        for p in pages:
            f.write(json.dumps(p, ensure_ascii=False) + '\n')
    print(f'{len(out)} articles, {len(pages)} pages')


if __name__ == '__main__':
    main()
