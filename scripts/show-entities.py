#!/usr/bin/env python3
"""Prints an ArticleEntities record (JSON, one per line on stdin) as a table:
type, canonical name, salience, mentions, roles, aliases."""
import json
import sys

for line in sys.stdin:
    line = line.strip()
    if not line:
        continue
    record = json.loads(line)
    meta = record.get("meta", {})
    print(f"article {meta.get('articleId')}  version {meta.get('version')}  "
          f"model {meta.get('producer', {}).get('modelVersion')}")
    article = record.get("article", {})
    print(f"authors (metadata, not story entities): {', '.join(article.get('authors', []))}; "
          f"editors: {', '.join(article.get('editors', []))}")
    print(f"{'type':<5} {'entity':<36} {'salience':>8} {'mentions':>8}  roles / aliases")
    for e in record.get("entities", []):
        kind = e.get("type", "").replace("ENTITY_TYPE_", "")
        roles = "; ".join(r["text"] for r in e.get("roles", []))
        aliases = ", ".join(e.get("aliases", []))
        title = " (in title)" if e.get("inTitle") else ""
        print(f"{kind:<5} {e['canonicalName'] + title:<36} {e.get('salience', 0):>8.3f} "
              f"{len(e.get('mentionIndexes', [])):>8}  {roles + ' | ' if roles else ''}{aliases}")
