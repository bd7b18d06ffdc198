"""Build src/caixun/enrich/data/regions.tsv from JioNLP's gazetteer.

Source: JioNLP (https://github.com/dongrixinyu/JioNLP, Apache License 2.0),
file jionlp/dictionary/china_location.txt, which lists China's provinces,
prefectures and counties with the six-digit administrative division codes
published by the Ministry of Civil Affairs (民政部《县级以上行政区划代码》).
We keep only the three levels with codes, in a flat table:

    code  name  aliases  level  parent

`aliases` are the short names (山西 for 山西省), separated by "/". Placeholder
rows such as 省直辖县级行政区划 are dropped and their counties hang from the
province, as in the official chain. Hong Kong, Macao and Taiwan are kept at the
province level only (their districts have no codes of their own in the source).

    pip download --no-deps jionlp==1.5.31 && unzip jionlp-*.whl 'jionlp/dictionary/china_location.txt'
    python scripts/build_regions.py jionlp/dictionary/china_location.txt
"""

from __future__ import annotations

import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "src/caixun/enrich/data/regions.tsv"
LEVELS = ("province", "prefecture", "county")


def build(lines: list[str]) -> list[tuple[str, str, str, str, str]]:
    rows: dict[str, tuple[str, str, str, str, str]] = {}
    parents: list[str | None] = [None, None, None]
    for raw in lines:
        line = raw.rstrip("\r\n")
        depth = len(line) - len(line.lstrip("\t"))
        cells = line.strip().split("\t")
        if depth > 2 or len(cells) != 3 or not cells[1].isdigit():
            continue
        name, code, alias = cells
        if depth == 1 and code == parents[0]:
            parents[1] = code  # 上海市 under 上海市: the municipality itself
            continue
        if "直辖" in name or code in rows and depth == 2:
            parents[depth] = None if "直辖" in name else code
            continue  # placeholder rows, and districts sharing one code (Hong Kong, Macao)
        parent = next((p for p in reversed(parents[:depth]) if p), "")
        aliases = "/".join(a for a in alias.split("/") if a and a != name)
        rows[code] = (code, name, aliases, LEVELS[depth], parent)
        parents[depth] = code
        for d in range(depth + 1, 3):
            parents[d] = None
    return sorted(rows.values())


def main() -> None:
    src = Path(sys.argv[1])
    rows = build(src.read_text(encoding="utf-8").splitlines())
    header = (
        "# China's administrative divisions (province, prefecture, county) with their official codes.\n"
        "# Built by scripts/build_regions.py from JioNLP 1.5.31, jionlp/dictionary/china_location.txt\n"
        "# (Apache License 2.0, https://github.com/dongrixinyu/JioNLP), which compiles the codes\n"
        "# published by the Ministry of Civil Affairs. Columns: code, name, aliases (/), level, parent.\n"
    )
    OUT.write_text(header + "".join("\t".join(r) + "\n" for r in rows), encoding="utf-8")
    print(f"{len(rows)} regions -> {OUT}")


if __name__ == "__main__":
    main()
