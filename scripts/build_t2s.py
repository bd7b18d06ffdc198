"""Build src/caixun/data/t2s.tsv, the Traditional -> Simplified character
table that search, watches and figure extraction fold text with.

Source: OpenCC (https://github.com/BYVoid/OpenCC, Apache License 2.0), its
Python package `opencc` (1.4.2 when this was written), configurations
t2s (Traditional), hk2s (Hong Kong) and tw2s (Taiwan). Each Han character is
converted alone; where a conversion gives one other character, the pair is
kept (t2s's answer first when the three disagree). Chains are resolved
(麼 -> 么 when 么 itself folds) so that folding twice changes nothing.

Characters only, not OpenCC's phrases: folding must keep the text's length,
so that offsets into the folded text are offsets into the original (figures
point into the stored text). For search this is exactly right: the index
and the queries are folded the same way, so 證券 finds 证券 and the reverse.
A few Simplified characters stand for several Traditional ones (發/髮 -> 发,
後/后 -> 后); folded, they all match each other, as in every Chinese search
engine that folds.

    pip install opencc==1.4.2
    python scripts/build_t2s.py
"""

from __future__ import annotations

from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "src/caixun/data/t2s.tsv"
# Han ideographs: extension A, the basic block, compatibility forms, extensions B-F.
# Characters of everyday Simplified text that hk2s or tw2s still convert
# (什么, 著名): t2s leaves them, and so do we.
SIMPLIFIED_TOO = "么著"
RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x2EBEF))


def build() -> dict[str, str]:
    import opencc

    t2s, hk2s, tw2s = (opencc.OpenCC(c) for c in ("t2s", "hk2s", "tw2s"))
    table: dict[str, str] = {}
    for lo, hi in RANGES:
        for cp in range(lo, hi + 1):
            ch = chr(cp)
            if t2s.convert(ch) == ch and ch in SIMPLIFIED_TOO:
                continue
            outs = [c.convert(ch) for c in (t2s, hk2s, tw2s)]
            single = [o for o in outs if len(o) == 1 and o != ch]
            if single:
                table[ch] = single[0]  # t2s first
    for ch in list(table):  # resolve chains
        seen = {ch}
        while table[ch] in table and table[ch] not in seen:
            seen.add(table[ch])
            table[ch] = table[table[ch]]
    return {k: v for k, v in table.items() if k != v}


def main() -> None:
    table = build()
    lines = [f"{k}\t{v}" for k, v in sorted(table.items())]
    OUT.write_text("# Traditional\tSimplified, from OpenCC (Apache-2.0) by scripts/build_t2s.py\n" + "\n".join(lines) + "\n",
                   encoding="utf-8")  # fmt: skip
    print(f"{len(lines)} pairs in {OUT}")


if __name__ == "__main__":
    main()
