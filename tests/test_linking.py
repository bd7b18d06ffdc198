"""Linking floors: indicator, subject and period of the figures annotated in
tests/data/linking_gold.json and linking_gold_2.json (texts of
../shared/corpus/extra; skipped when that folder is absent). Raise the floors
when linking gets better."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from caixun.enrich.facts import extract
from caixun.enrich.indicators import canonical
from tests.conftest import SHARED

DATA = Path(__file__).parent / "data"
GOLD = json.loads((DATA / "linking_gold.json").read_text(encoding="utf-8"))
# The second set was annotated before any rule was written for its texts.
GOLD_2 = json.loads((DATA / "linking_gold_2.json").read_text(encoding="utf-8"))
EXTRA = SHARED / "corpus" / "extra"
# Measured when the set was made (stop 27); a regression below them fails.
# Of the fields the texts leave empty, the share given a value anyway.
CEILING_INVENTED = 0.10
FLOORS = {"indicator_exact": 0.85, "indicator_near": 0.92, "subject": 0.96, "period": 0.97}
# The second set, first scored at 62% / 77% / 14% / 54% and 42% invented (stop
# 28, before the rules its misses showed were written: companies without a
# code, an index has no subject, a market's day, balance-sheet names).
CEILING_INVENTED_2 = 0.22
FLOORS_2 = {"indicator_exact": 0.84, "indicator_near": 0.84, "subject": 0.78, "period": 0.79}


def _names(value) -> list[str]:
    return value if isinstance(value, list) else [value]


def score(gold: dict = GOLD) -> dict[str, float]:
    hits = {"indicator_exact": 0, "indicator_near": 0, "subject": 0, "period": 0, "invented": 0}
    counts = {"indicator": 0, "subject": 0, "period": 0, "invented": 0}
    for t in gold["texts"]:
        text = (EXTRA / t["path"]).read_text(encoding="utf-8")
        by_start = {f["start"]: f for f in extract(text, date.fromisoformat(t["date"]))["figures"]}
        for g in t["figures"]:
            at = -1
            for _ in range(g["occurrence"]):
                at = text.index(g["text"], at + 1)
            got = by_start.get(at)
            assert got is not None and got["text"] == g["text"], f"{t['path']}: {g['text']} #{g['occurrence']} is not read as a figure"
            if g["indicator"] is not None:
                counts["indicator"] += 1
                names = _names(g["indicator"])
                ind = got["indicator"]
                exact = ind is not None and (ind in names or canonical(ind) in {canonical(n) for n in names})
                hits["indicator_exact"] += exact
                hits["indicator_near"] += exact or (ind is not None and any(ind in n or n in ind for n in names))
            if g["subject"] is not None:
                counts["subject"] += 1
                hits["subject"] += got["subject"] in _names(g["subject"])
            if g["period"] is not None:
                counts["period"] += 1
                hits["period"] += got["period"] == g["period"]
            for k in ("indicator", "subject", "period"):  # a value where the text states none
                if g[k] is None:
                    counts["invented"] += 1
                    hits["invented"] += got[k] is not None
    return {k: v / counts[k.split("_")[0]] for k, v in hits.items()}


def test_linking_stays_above_its_floors():
    if not EXTRA.exists():
        pytest.skip("../shared/corpus/extra is not here")
    got = score()
    print("linking:", {k: round(v, 3) for k, v in got.items()})
    assert all(got[k] >= floor for k, floor in FLOORS.items()), (got, FLOORS)
    assert got["invented"] <= CEILING_INVENTED, got


def test_linking_of_the_second_set_stays_above_its_floors():
    if not EXTRA.exists():
        pytest.skip("../shared/corpus/extra is not here")
    got = score(GOLD_2)
    print("linking, second set:", {k: round(v, 3) for k, v in got.items()})
    assert all(got[k] >= floor for k, floor in FLOORS_2.items()), (got, FLOORS_2)
    assert got["invented"] <= CEILING_INVENTED_2, got
