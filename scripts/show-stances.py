#!/usr/bin/env python3
"""Prints an EnrichedArticle record (JSON, one per line on stdin): quotes with
their speakers, claims, each source's stance with its evidence, the
article's own stance toward its headline claim, and tracked-claim matches."""
import json
import sys


def short(text, n=100):
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def span(s):
    return f"[{s.get('start', 0)}..{s.get('end', 0)}]" if s else ""


for line in sys.stdin:
    line = line.strip()
    if not line:
        continue
    r = json.loads(line)
    meta = r.get("meta", {})
    print(f"article {meta.get('articleId')}  version {meta.get('version')}  "
          f"model {meta.get('producer', {}).get('modelVersion')}")
    claims = {c["id"]: c for c in r.get("claims", [])}
    print("\nquotes:")
    for q in r.get("quotes", []):
        kind = q.get("kind", "").replace("QUOTE_KIND_", "").lower()
        print(f"  {kind:<8} {q.get('speakerName', '?'):<18} {q.get('cue', ''):<14} "
              f"{span(q.get('span'))} {short(q.get('text', ''))}")
    print("\nclaims:")
    for c in claims.values():
        print(f"  {c['id']}  {c.get('text')}")
    print("\nstances:")
    for s in r.get("stances", []):
        label = s.get("label", "").replace("STANCE_LABEL_", "").lower()
        claim = claims.get(s.get("claimId"), {}).get("text", s.get("claimId"))
        source = s.get("sourceName") or "(the article)"
        print(f"  {source:<18} {label:<8} {s.get('confidence', 0):.2f}  on: {short(claim, 70)}")
        print(f"  {'':<18} evidence {span(s.get('evidence'))} {short(s.get('evidenceText', ''))}")
    a = r.get("articleStance")
    if a:
        label = a.get("label", "").replace("STANCE_LABEL_", "").lower()
        claim = claims.get(a.get("claimId"), {}).get("text", a.get("claimId"))
        print(f"\nthe article toward its headline claim: {label} ({a.get('confidence', 0):.2f})  claim: {claim}")
        print(f"  evidence {span(a.get('evidence'))} {short(a.get('evidenceText', ''))}")
    print("\ntracked claims matched:")
    for m in r.get("claimMatches", []) or []:
        rel = m.get("relation", "").replace("CLAIM_RELATION_", "").lower()
        print(f"  {m['claimId']:<24} {rel:<10} {m.get('confidence', 0):.2f} evidence {span(m.get('evidence'))}")
    if not r.get("claimMatches"):
        print("  (none)")
