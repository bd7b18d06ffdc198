"""Traditional Chinese characters folded to Simplified, one for one (pure).

The table (data/t2s.tsv) comes from OpenCC's t2s, hk2s and tw2s conversions
character by character (scripts/build_t2s.py; tests/test_han.py checks it
against OpenCC when the `opencc` package is installed). One character for
one keeps a text's length, so offsets found in the folded text point into
the original: figures are found in 六個百分點 as in 六个百分点 and given as
written. Search, watches and figure extraction all fold with it.
"""

from __future__ import annotations

import re
from pathlib import Path


def _pairs() -> dict[int, str]:
    pairs = {}
    for line in (Path(__file__).parent / "data" / "t2s.tsv").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            trad, simp = line.split("\t")
            pairs[ord(trad)] = simp
    return pairs


T2S: dict[int, str] = _pairs()


def _char_class(codes: list[int]) -> str:
    """A regex character class of these code points, as ranges."""
    parts, start, prev = [], codes[0], codes[0]
    for c in [*codes[1:], -1]:
        if c == prev + 1:
            prev = c
            continue
        parts.append(re.escape(chr(start)) + ("-" + re.escape(chr(prev)) if prev > start else ""))
        start = prev = c
    return "[" + "".join(parts) + "]"


# "Any Traditional character here?" is asked of every text, and most have
# none: a class of the Basic Multilingual Plane's ones as ranges takes 9 ns
# a character, where a set's isdisjoint took 73 and translating the text 190
# (a class with the rarer characters of the supplementary planes is slow,
# so those are a set, looked at only when the text has any such character).
_ANY_BMP = re.compile(_char_class(sorted(c for c in T2S if c < 0x10000)))
_ASTRAL = frozenset(chr(c) for c in T2S if c >= 0x10000)
_ANY_SUPPLEMENTARY = re.compile("[\U00010000-\U0010ffff]")

# For the figure reader: 個 is also Cantonese for the dollar (個九 = HK$1.9,
# 三個二 = HK$3.2, 個半 = HK$1.5), so before a numeral it stays as written;
# 參 is the financial numeral 叁 (參拾參 = 33), not 参 (参加) as OpenCC has it;
# 乾 is Simplified too, in place names (乾县, 乾安县) that must stay found.
_T2S_BUT_GE = {**{k: v for k, v in T2S.items() if k not in (ord("個"), ord("乾"))}, ord("參"): "叁"}
_GE_NOT_DOLLAR = re.compile("個(?![半一二三四五六七八九])")


def fold_han(text: str) -> str:
    """Every Traditional character to its Simplified form (個 -> 个, 億 -> 亿);
    the text itself when it has none (looking is 20 times cheaper than
    translating)."""
    return text.translate(T2S) if has_traditional(text) else text


def has_traditional(text: str) -> bool:
    if _ANY_BMP.search(text):
        return True
    return bool(_ANY_SUPPLEMENTARY.search(text)) and not _ASTRAL.isdisjoint(text)


def fold_for_figures(text: str) -> str:
    """fold_han, but 個 before a numeral stays (the Cantonese dollar); the text
    itself (the same object) when nothing changes, as in most texts."""
    if not has_traditional(text):
        return text
    folded = text.translate(_T2S_BUT_GE)
    if "個" in folded:
        folded = _GE_NOT_DOLLAR.sub("个", folded)
    return text if folded == text else folded
