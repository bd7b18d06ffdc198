"""Figure extraction speed: characters per second on one core, full extraction
(figures, securities and regions) of the corpus texts.

    .venv/bin/python bench/figures.py [--passes N] [--against SRC]

Each pass extracts every corpus text once and is timed in CPU time of this
process (the machine is shared: wall time also counts the time other guests
hold the core). The best pass and the median pass are reported.

--against SRC loads a second copy of the extractor from another checkout's
`src` directory (for example a `git worktree` of an older commit) and times
the two alternately in the same process, so that both see the same machine;
the ratio of their best passes is printed.

Recognizers-Text and JioNLP are measured by the same loop when they are
installed (`pip install recognizers-text-suite jionlp`, for the benchmark only).
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"
SHARED = HERE.parent.parent / "shared" / "corpus"


def texts() -> list[str]:
    sys.path.insert(0, str(SRC))
    from caixun.clean.html import clean_body
    from caixun.collect.jekyll import read_posts
    from caixun.model import RawItem

    out = [clean_body(i.body, i.body_format)[1] for i in read_posts([SHARED / "finews"]) if isinstance(i, RawItem)]
    for p in sorted((SHARED / "extra").rglob("*")):
        if p.is_file() and p.suffix in (".md", ".txt"):
            out.append(re.sub(r"<[^>]+>", "", p.read_text(encoding="utf-8", errors="ignore")))
    return [t for t in out if t.strip()]


def load(src: Path) -> dict:
    """The extraction functions of the caixun package under `src`, imported
    afresh (the modules of any other copy are dropped from sys.modules first;
    the functions keep their own module globals)."""
    for name in [m for m in sys.modules if m == "caixun" or m.startswith("caixun.")]:
        del sys.modules[name]
    sys.path.insert(0, str(src))
    try:
        from caixun.enrich import facts, figures, regions, securities

        assert Path(facts.__file__).resolve().is_relative_to(src.resolve()), facts.__file__
        regions.gazetteer()  # loaded once per process, as in ingest
        return {"facts": facts.extract, "figures": figures.extract_figures,
                "securities": securities.extract_securities, "regions": regions.extract_regions}  # fmt: skip
    finally:
        sys.path.remove(str(src))


def one_pass(fn, docs: list[str]) -> float:
    t = time.process_time()
    for d in docs:
        fn(d)
    return time.process_time() - t


def report(name: str, times: list[float], chars: int) -> None:
    print(f"| {name} | {chars / min(times):,.0f} | {chars / statistics.median(times):,.0f} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--passes", type=int, default=15, help="timed passes over the corpus (default 15)")
    ap.add_argument("--against", type=Path, help="the src directory of another checkout to compare with")
    args = ap.parse_args()
    docs = texts()
    chars = sum(map(len, docs))
    print(f"{len(docs)} texts, {chars:,} characters, {args.passes} passes, CPU time\n")
    ours = load(SRC)
    other = load(args.against) if args.against else None
    for fn in (ours["facts"], *([other["facts"]] if other else [])):
        one_pass(fn, docs)  # warm-up: compiled patterns, automata, caches
    print("| extractor | chars/s, best pass | chars/s, median pass |")
    print("|---|---|---|")
    if other:
        mine, theirs = [], []
        for _ in range(args.passes):
            mine.append(one_pass(ours["facts"], docs))
            theirs.append(one_pass(other["facts"], docs))
        report("caixun facts (figures, securities, regions)", mine, chars)
        report(f"caixun facts of {args.against}", theirs, chars)
        print(f"\nratio of best passes: {min(theirs) / min(mine):.3f}; of medians: "
              f"{statistics.median(theirs) / statistics.median(mine):.3f}\n")
    else:
        report("caixun facts (figures, securities, regions)", [one_pass(ours["facts"], docs) for _ in range(args.passes)], chars)
    for name in ("figures", "securities", "regions"):
        report(f"caixun {name} alone", [one_pass(ours[name], docs) for _ in range(args.passes)], chars)
    try:
        from recognizers_number import Culture
        from recognizers_number import NumberRecognizer as NR
        from recognizers_number_with_unit import NumberWithUnitRecognizer

        rec = NumberWithUnitRecognizer(Culture.Chinese)
        nr = NR(Culture.Chinese)
        models = [rec.get_currency_model(), rec.get_dimension_model(), nr.get_number_model(), nr.get_percentage_model()]
        report("Recognizers-Text (number, percent, currency, dimension)",
               [one_pass(lambda d: [m.parse(d) for m in models], docs)], chars)  # fmt: skip
    except ImportError:
        print("| Recognizers-Text | not installed | |")
    try:
        import jionlp

        report("JioNLP ner.extract_money (money only)", [one_pass(jionlp.ner.extract_money, docs) for _ in range(3)], chars)
    except ImportError:
        print("| JioNLP | not installed | |")


if __name__ == "__main__":
    main()
