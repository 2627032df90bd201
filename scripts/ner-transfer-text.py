#!/usr/bin/env python3
"""Unlabelled news sentences for distilling the NER model.

Reads Reuters-21578 (newswire, the same kind of text as CoNLL-2003) article
bodies and writes one sentence per line: the teacher model tags them and the
student learns its tag distributions there too (`entity-recognition train
--teacher ... --transfer FILE`). No gold tags are read or written.

usage: scripts/ner-transfer-text.py [CORPUS_DIR] [OUT] [MAX_SENTENCES]
"""
import html
import pathlib
import random
import re
import sys

corpus = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/corpora/reuters21578")
out = pathlib.Path(sys.argv[2] if len(sys.argv) > 2 else ".stancewire/ner-transfer.txt")
limit = int(sys.argv[3]) if len(sys.argv) > 3 else 12000

sentences = []
for sgm in sorted(corpus.glob("*.sgm")):
    text = sgm.read_bytes().decode("latin-1")
    for body in re.findall(r"<BODY>(.*?)</BODY>", text, flags=re.S):
        body = html.unescape(body).replace("\x03", " ")
        body = re.sub(r"\s*Reuter\s*$", "", body.strip())
        body = re.sub(r"\s+", " ", body)
        for s in re.split(r"(?<=[.!?])\s+(?=[A-Z\"'])", body):
            words = s.split()
            letters = [c for c in s if c.isalpha()]
            if not 6 <= len(words) <= 60 or not letters:
                continue
            # Skip all-capitals bodies (old wire style): their case says nothing.
            if sum(c.isupper() for c in letters) / len(letters) > 0.5:
                continue
            sentences.append(s)

random.Random(7).shuffle(sentences)
sentences = sentences[:limit]
out.parent.mkdir(parents=True, exist_ok=True)
out.write_text("\n".join(sentences) + "\n")
words = sum(len(s.split()) for s in sentences)
print(f"{len(sentences)} sentences, {words} words -> {out}")
