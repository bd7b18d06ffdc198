"""Regular-expression building blocks shared by the figure stages (pure)."""

from __future__ import annotations

import re


def _alt(words, tail=lambda word: "") -> str:
    """The alternation of `words`, longest first (a longer word wins over its
    prefix), written as a trie: 亿元|亿美元|亿 becomes 亿(?:美元|元|). Each
    word is followed by `tail(word)`. The regex engine tries the branches of an
    alternation one after another, and the unit alternation has over 400
    words: a trie tests each first character once instead of each word.
    Branches that begin with different characters cannot both match, so the
    trie matches exactly what the flat alternation matches."""

    def render(items: list[tuple[str, str]]) -> tuple[str, int]:
        groups: dict[str, list[tuple[str, str]]] = {}
        ends = []
        for rest, end in items:
            if rest:
                groups.setdefault(rest[0], []).append((rest[1:], end))
            else:
                ends.append(end)  # a word ending here is shorter than those going on: tried after them
        parts = []
        for char, sub in groups.items():
            inner, n = render(sub)
            parts.append(re.escape(char) + (inner if n <= 1 else f"(?:{inner})"))
        parts += ends
        return "|".join(parts), len(parts)

    ordered = sorted(set(words), key=lambda w: (-len(w), w))
    alternation, branches = render([(w, tail(w)) for w in ordered])
    if branches <= 8:
        return alternation
    # Where no word starts (after most numbers, no unit), one look at a
    # character class fails at once instead of a test per branch (1.4× faster
    # figure pattern).
    return f"(?=[{re.escape(''.join(sorted({w[0] for w in ordered})))}])(?:{alternation})"
