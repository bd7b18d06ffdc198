"""All of a text's data at once: figures and entities (pure)."""

from __future__ import annotations

from datetime import date
from typing import Any

from caixun.enrich.figures import extract_figures
from caixun.enrich.regions import extract_regions
from caixun.enrich.securities import extract_securities


def extract(text: str, today: date | None = None) -> dict[str, list[dict[str, Any]]]:
    """{"figures": [...], "entities": [...]} with character offsets into `text`.

    Entities are securities and regions, in text order. Figures that are the
    digits of a stock code are left to the entities, and a place name inside a
    company's name (上海机场(600009)) is not a region mention."""
    securities = extract_securities(text)
    code_spans = [(e.start, e.end) for e in securities]
    figures = [f for f in extract_figures(text, today) if not any(s <= f.start and f.end <= e for s, e in code_spans)]
    regions = [r for r in extract_regions(text) if not any(s <= r.start and r.end <= e for s, e in code_spans)]
    entities = sorted([*securities, *regions], key=lambda e: e.start)
    return {"figures": [f.as_dict() for f in figures], "entities": [e.as_dict() for e in entities]}
