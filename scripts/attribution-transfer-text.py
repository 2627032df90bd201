#!/usr/bin/env python3
"""Unlabelled news paragraphs for distilling the attribution tagger.

Writes one paragraph per line, drawn at random (seeded) from the BBC News
corpus (2004-05, all five topics; each file's first line, its headline, left
out): the teacher tags them and a shallower student learns its tag
distributions there beside PolNeAR's gold tags
(`stancewire-lab attribution-train --teacher models/attribution --transfer
FILE`). No gold tags are read or written, and nothing of PolNeAR dev (which
chooses the epoch and scores the pipeline) is among them.

usage: scripts/attribution-transfer-text.py [--out FILE] [--paragraphs N] [--seed S]
"""
import argparse
import pathlib
import random

DATA = pathlib.Path("../shared/data")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="attribution-transfer.txt")
    ap.add_argument("--paragraphs", type=int, default=7000)
    ap.add_argument("--seed", type=int, default=13)
    args = ap.parse_args()
    paragraphs = []
    for path in sorted((DATA / "corpora" / "bbc").glob("*/*.txt")):
        text = path.read_text(encoding="utf-8", errors="replace")
        lines = [line.strip() for line in text.split("\n")]
        paragraphs += [line for line in lines if line][1:]
    random.seed(args.seed)
    random.shuffle(paragraphs)
    chosen = paragraphs[: args.paragraphs]
    pathlib.Path(args.out).write_text("\n".join(chosen) + "\n", encoding="utf-8")
    print(f"{len(chosen)} of {len(paragraphs)} paragraphs -> {args.out}")


if __name__ == "__main__":
    main()
