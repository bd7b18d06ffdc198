"""Text to data: figures, regions and stock codes (pure; see docs/figures.md)."""

# Bump when extraction changes what it finds: stored facts of an older version
# are re-extracted by `caixun facts --rebuild --stale`. Kept here, not in
# facts.py, so that the store can read it without compiling the extractor's
# patterns (that costs every command a tenth of a second at start).
EXTRACTOR_VERSION = 72


def is_shown(figure: dict) -> bool:
    """Figures worth a reader's eye and about something: every kind but the
    bare numbers (十九届, 3个方面); a number with a unit (沪指3128.56点, 45倍) is
    one too. (The store's figures query says the same in SQL.)"""
    return figure["kind"] != "number" or bool(figure.get("unit"))
