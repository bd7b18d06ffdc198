"""Figure extraction speed: characters per second on one core, full extraction
(figures, securities and regions) of the corpus texts, repeated to about 2 M characters.

    .venv/bin/python bench/figures.py [--repeat N]

Recognizers-Text and JioNLP are measured by the same loop when they are
installed (`pip install recognizers-text-suite jionlp`, for the benchmark only).
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
SHARED = HERE.parent.parent / "shared" / "corpus"


def texts() -> list[str]:
    from caixun.clean.html import clean_body
    from caixun.collect.jekyll import read_posts
    from caixun.model import RawItem

    out = [clean_body(i.body, i.body_format)[1] for i in read_posts([SHARED / "finews"]) if isinstance(i, RawItem)]
    for p in sorted((SHARED / "extra").rglob("*")):
        if p.is_file() and p.suffix in (".md", ".txt"):
            out.append(re.sub(r"<[^>]+>", "", p.read_text(encoding="utf-8", errors="ignore")))
    return [t for t in out if t.strip()]


def rate(fn, docs: list[str], repeat: int) -> tuple[float, int]:
    chars = sum(map(len, docs)) * repeat
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        for _ in range(repeat):
            for d in docs:
                fn(d)
        best = min(best, time.perf_counter() - t)
    return chars / best, chars


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=0, help="passes over the corpus (default: to about 2 M chars)")
    args = ap.parse_args()
    from caixun.enrich.facts import extract

    docs = texts()
    size = sum(map(len, docs))
    repeat = args.repeat or max(1, 2_000_000 // size)
    print(f"{len(docs)} texts, {size:,} characters, {repeat} passes")
    from caixun.enrich.figures import extract_figures
    from caixun.enrich.regions import extract_regions, gazetteer
    from caixun.enrich.securities import extract_securities

    gazetteer()  # loaded once per process, as in ingest
    cps, chars = rate(extract, docs, repeat)
    print(f"| caixun facts (figures, securities, regions) | {cps:,.0f} chars/s |")
    for name, fn in (("figures", extract_figures), ("securities", extract_securities), ("regions", extract_regions)):
        part, _ = rate(fn, docs, repeat)
        print(f"| caixun {name} alone | {part:,.0f} chars/s |")
    try:
        from recognizers_number import Culture, NumberRecognizer  # noqa: F401
        from recognizers_number_with_unit import NumberWithUnitRecognizer

        rec = NumberWithUnitRecognizer(Culture.Chinese)
        models = [rec.get_currency_model(), rec.get_dimension_model()]
        from recognizers_number import NumberRecognizer as NR

        nr = NR(Culture.Chinese)
        models += [nr.get_number_model(), nr.get_percentage_model()]
        cps_rt, _ = rate(lambda d: [m.parse(d) for m in models], docs, 1)
        print(f"| Recognizers-Text (number, percent, currency, dimension) | {cps_rt:,.0f} chars/s |")
    except ImportError:
        print("| Recognizers-Text | not installed |")
    try:
        import jionlp

        cps_j, _ = rate(lambda d: jionlp.ner.extract_money(d), docs, 1)
        print(f"| JioNLP ner.extract_money (money only) | {cps_j:,.0f} chars/s |")
    except ImportError:
        print("| JioNLP | not installed |")


if __name__ == "__main__":
    main()
