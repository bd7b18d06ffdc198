"""Names of one indicator (pure): 地区生产总值 is GDP, 社零 is 社会消费品零售总额.

The table is data, `data/indicators.tsv`, kept in the repository: one line per
indicator, its canonical name first. Figures keep the name their text gives
(what an annotator checks); series, charts, watches and the figures filter
read every name of a line as the canonical one.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_TABLE = Path(__file__).parent / "data" / "indicators.tsv"


@cache
def _groups() -> dict[str, tuple[str, ...]]:
    """Every name -> (canonical, *other names)."""
    out: dict[str, tuple[str, ...]] = {}
    for line in _TABLE.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        canonical, _, others = line.partition("\t")
        group = (canonical.strip(), *(o.strip() for o in others.split("|") if o.strip()))
        for name in group:
            if name in out:
                raise ValueError(f"{_TABLE.name}: {name} is listed twice")
            out[name] = group
    return out


def canonical(name: str | None) -> str | None:
    """The canonical name of an indicator (itself when the table has no line for it)."""
    if not name:
        return name
    group = _groups().get(name)
    return group[0] if group else name


def names_of(name: str) -> tuple[str, ...]:
    """Every name of the indicator `name` is one of, the canonical one first."""
    return _groups().get(name) or (name,)
