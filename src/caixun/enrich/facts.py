"""All of a text's data at once: figures and entities (pure)."""

from __future__ import annotations

from datetime import date
from typing import Any

from caixun.enrich.figures import extract_figures
from caixun.enrich.securities import extract_securities


def extract(text: str, today: date | None = None) -> dict[str, list[dict[str, Any]]]:
    """{"figures": [...], "entities": [...]} with character offsets into `text`.
    Figures that are the digits of a stock code are left to the entities."""
    entities = extract_securities(text)
    code_spans = [(e.start, e.end) for e in entities]
    figures = [f for f in extract_figures(text, today) if not any(s <= f.start and f.end <= e for s, e in code_spans)]
    return {"figures": [f.as_dict() for f in figures], "entities": [e.as_dict() for e in entities]}
