"""Draft linking annotations (indicator, subject, period of each figure) for
tests/data/linking_gold.json from the extractor's output, to be corrected by
reading each text. Prints each figure with the words before it, and the JSON.

    .venv/bin/python bench/make_linking_draft.py > /tmp/linking_draft.txt
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
EXTRA = HERE.parent.parent / "shared" / "corpus" / "extra"

from caixun.enrich.facts import extract  # noqa: E402

# (file, the article's date, how many figures from the start to annotate)
TEXTS = [("09-pmi-feb-2011.txt", "2011-03-01", 25), ("35-provinces-q1-gdp-2021.txt", "2021-04-26", 25),
         ("21-dow-25000-2018.txt", "2018-01-05", 25), ("25-chinese-big-banks-h1-2018.txt", "2018-08-31", 25),
         ("28-month-end-liquidity-2018.txt", "2018-08-31", 25)]  # fmt: skip


def main() -> None:
    out = []
    for name, day, most in TEXTS:
        text = (EXTRA / name).read_text(encoding="utf-8")
        figs = [f for f in extract(text, date.fromisoformat(day))["figures"] if f["kind"] != "number" or f["unit"]][:most]
        rows = []
        for f in figs:
            occ = text[: f["start"]].count(f["text"]) + 1
            print(f"{name} | {text[max(0, f['start'] - 40) : f['start']]!r} [{f['text']}] -> {f['indicator']} / {f['subject']} / {f['period']}",
                  file=sys.stderr)  # fmt: skip
            rows.append({"text": f["text"], "occurrence": occ, "indicator": f["indicator"], "subject": f["subject"], "period": f["period"]})
        out.append({"path": name, "date": day, "figures": rows})
    print(json.dumps(out, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
