#!/usr/bin/env python3
"""Writes FNC-1's train bodies as article files for `stancewire-lab quotes`.

Usage: scripts/fnc-train-articles.py OUT_DIR [DATA_DIR]

One file per body the talos holdout list (FNC-1's dev split, which the
source-stance dev set reads) does not hold and some headline is related to:
that headline on the first line (the file's title, as `ingest files` reads
it), a blank line, the body. `quotes --statement-pairs` over them gives the
rumour-and-denial pairs the 3-layer statement reader learned its teacher on
(`models/statement-stance-fast/MODEL_CARD.md`). Deterministic: the first
related headline in `train_stances.csv` order.
"""
import csv
import pathlib
import sys


def main() -> None:
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    out = pathlib.Path(sys.argv[1])
    data = pathlib.Path(sys.argv[2] if len(sys.argv) == 3 else "../shared/data/fnc-1")
    holdout = set((data / "talos_holdout_body_ids.txt").read_text().split())
    headlines = {}
    with open(data / "train_stances.csv", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            if row["Stance"] != "unrelated":
                headlines.setdefault(row["Body ID"], row["Headline"])
    out.mkdir(parents=True, exist_ok=True)
    written = 0
    with open(data / "train_bodies.csv", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            body = row["Body ID"]
            if body in holdout or body not in headlines:
                continue
            text = headlines[body].strip() + "\n\n" + row["articleBody"]
            (out / f"{body}.txt").write_text(text, encoding="utf-8")
            written += 1
    print(f"{written} articles in {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
