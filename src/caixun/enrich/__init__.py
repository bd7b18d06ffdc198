"""Text to data: figures, regions and stock codes (pure; see docs/figures.md)."""

# Bump when extraction changes what it finds: stored facts of an older version
# are re-extracted by `caixun facts --rebuild --stale`. Kept here, not in
# facts.py, so that the store can read it without compiling the extractor's
# patterns (that costs every command a tenth of a second at start).
EXTRACTOR_VERSION = 58
