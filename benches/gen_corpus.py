#!/usr/bin/env python3
"""Generates a large achievements corpus (NDJSON, the import shape) by recombining the real
sentences, titles and keywords of the CSL records shipped in data/csl. Deterministic (seeded).

usage: gen_corpus.py COUNT OUT.ndjson [--prefix P]
"""
import json
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIELDS = ["lab", "small_scale", "pilot", "industrialization"]
MODES = [["transfer"], ["license", "transfer"], ["joint_development"], ["license", "try_before_buy"], ["equity"]]


def main() -> None:
    count = int(sys.argv[1])
    out = Path(sys.argv[2])
    prefix = sys.argv[4] if len(sys.argv) > 4 and sys.argv[3] == "--prefix" else "bench"
    records = [json.loads(l) for l in (ROOT / "data/csl/achievements.jsonl").read_text(encoding="utf-8").splitlines()]
    by_field: dict[str, list[dict]] = {}
    for r in records:
        by_field.setdefault(r["technology_field"], []).append(r)
    rng = random.Random(20261122)
    with out.open("w", encoding="utf-8") as f:
        for i in range(count):
            field = rng.choice(list(by_field))
            pool = by_field[field]
            a, b = rng.choice(pool), rng.choice(pool)
            sentences = [s for s in re.split(r"(?<=[。；.;])", a["summary"] + b["summary"]) if s.strip()]
            rng.shuffle(sentences)
            summary = "".join(sentences[: rng.randint(3, 6)])[:2000]
            if len(summary) < 20:
                summary = a["summary"][:2000]
            keywords = [k for k in dict.fromkeys(a["keywords"][:5] + b["keywords"][:5]) if len(k) <= 50][:10]
            title = a["title"] if rng.random() < 0.5 else b["title"]
            title = f"{title}（{i % 97}型）"[:200]
            body = {
                "external_ref": f"{prefix}-{i}",
                "title": title,
                "summary": summary,
                "keywords": keywords or ["技术"],
                "technology_field": field,
                "maturity": FIELDS[i % 4],
                "cooperation_modes": MODES[i % len(MODES)],
                "asking_price_fen": None if i % 5 == 0 else rng.randint(1, 500) * 1_000_000,
            }
            f.write(json.dumps(body, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
