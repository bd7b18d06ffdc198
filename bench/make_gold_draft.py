"""Draft annotations for tests/data/figures_gold.json from the extractor's
output (money, quantity, percent, rank), to be corrected by reading each text.
Prints JSON; the corrections made by hand are listed in docs/figures.md.

    .venv/bin/python bench/make_gold_draft.py > /tmp/draft.json
"""

from __future__ import annotations

import importlib.util
import json
import sys
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
SHARED = HERE.parent.parent / "shared"

from caixun.enrich.figures import extract_figures  # noqa: E402


def main() -> None:
    spec = importlib.util.spec_from_file_location("score", SHARED / "tools" / "score_figures.py")
    score = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(score)
    root = SHARED / "corpus" / "finews"
    paths = [root / "old_post/2022-01-28-NW202201282264891522.md"] + sorted((root / "_posts").glob("2021-12-08-*.md"))[:62]
    articles = []
    for p in paths:
        text, day = score.post_text(p.read_text(encoding="utf-8"))
        seen: dict[str, int] = {}
        figs = []
        for f in extract_figures(text, date.fromisoformat(day) if day else None):
            if f.kind == "number":
                continue
            seen[f.text] = seen.get(f.text, 0) + 1
            # occurrence counts matches of the text anywhere, as the scorer does
            occ = text[: f.start].count(f.text) + 1
            figs.append({"text": f.text, "occurrence": occ, "kind": f.kind, "value": f.value, "unit": f.unit,
                         "direction": f.direction})  # fmt: skip
        articles.append({"path": str(p.relative_to(root)), "figures": figs})
    print(json.dumps({"articles": articles}, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
