#!/usr/bin/env python3
"""Unlabelled news sentences for distilling the NER model.

Writes one sentence per line from news article bodies: the teacher model
tags them and the student learns its tag distributions there too
(`stancewire-lab ner-train --teacher ... --transfer FILE`). No gold tags are
read or written.

Sources, each capped at its own number of sentences (0 leaves it out):
- Reuters-21578 (1987 newswire, the same kind of text as CoNLL-2003);
- BBC News 2004-05, every topic but business (the speed bench's articles);
- FNC-1 article bodies (2014-16 world news), without the bodies of its
  dev split (`talos_holdout_body_ids.txt`), which the stance model is
  scored on.
The later two bring the organisations, places and people of this century
that 1987 newswire lacks.

usage: scripts/ner-transfer-text.py [--out FILE] [--reuters N] [--bbc N] [--fnc N]
"""
import argparse
import csv
import html
import pathlib
import random
import re

DATA = pathlib.Path("../shared/data")


def sentences_of(body):
    body = re.sub(r"\s+", " ", body).strip()
    for s in re.split(r"(?<=[.!?])\s+(?=[A-Z\"'])", body):
        words = s.split()
        letters = [c for c in s if c.isalpha()]
        if not 6 <= len(words) <= 60 or not letters:
            continue
        # Skip all-capitals text (old wire style): its case says nothing.
        if sum(c.isupper() for c in letters) / len(letters) > 0.5:
            continue
        yield s


def reuters(corpus):
    for sgm in sorted(corpus.glob("*.sgm")):
        text = sgm.read_bytes().decode("latin-1")
        for body in re.findall(r"<BODY>(.*?)</BODY>", text, flags=re.S):
            body = html.unescape(body).replace("\x03", " ")
            yield from sentences_of(re.sub(r"\s*Reuter\s*$", "", body.strip()))


def bbc(corpus):
    for topic in sorted(p for p in corpus.iterdir() if p.is_dir() and p.name != "business"):
        for article in sorted(topic.glob("*.txt")):
            lines = article.read_bytes().decode("latin-1").splitlines()
            for paragraph in lines[1:]:  # the first line is the headline
                yield from sentences_of(paragraph)


def fnc(bodies, holdout):
    held = set(holdout.read_text().split())
    csv.field_size_limit(1 << 30)
    with bodies.open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["Body ID"] not in held:
                for paragraph in row["articleBody"].splitlines():
                    yield from sentences_of(paragraph)


def sample(sentences, limit):
    sentences = list(sentences)
    random.Random(7).shuffle(sentences)
    return sentences[:limit]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=".stancewire/ner-transfer.txt")
    ap.add_argument("--reuters", type=int, default=10000)
    ap.add_argument("--bbc", type=int, default=0)
    ap.add_argument("--fnc", type=int, default=0)
    args = ap.parse_args()
    picked = []
    if args.reuters:
        picked += sample(reuters(DATA / "corpora/reuters21578"), args.reuters)
    if args.bbc:
        picked += sample(bbc(DATA / "corpora/bbc"), args.bbc)
    if args.fnc:
        fnc_dir = DATA / "fnc-1"
        picked += sample(
            fnc(fnc_dir / "train_bodies.csv", fnc_dir / "talos_holdout_body_ids.txt"), args.fnc
        )
    out = pathlib.Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(picked) + "\n")
    words = sum(len(s.split()) for s in picked)
    print(f"{len(picked)} sentences, {words} words -> {out}")


if __name__ == "__main__":
    main()
