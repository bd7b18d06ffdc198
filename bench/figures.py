"""Figure extraction speed: characters per second on one core, full extraction
(figures, securities and regions) of the corpus texts.

    .venv/bin/python bench/figures.py [--passes N] [--against SRC]

Each pass extracts every corpus text once and is timed in CPU time of this
process (the machine is shared: wall time also counts the time other guests
hold the core). The best pass and the median pass are reported, and the
median of passes that start with the extractor's caches emptied (readings of
numerals and unit words are memoized because news repeats them; a pass over
texts never seen has fewer hits than a second pass over the same ones).
Each post is extracted with its own date, as ingest does (the date resolves
今年/去年 and bare months).

--against SRC loads a second copy of the extractor from another checkout's
`src` directory (for example a `git worktree` of an older commit) and times
the two in the same process, taking turns text by text, so that both see the
same moments of the machine; the ratios of their times are printed.

Recognizers-Text and JioNLP are measured by the same loop when they are
installed (`pip install recognizers-text-suite jionlp`, for the benchmark only).
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"
SHARED = HERE.parent.parent / "shared" / "corpus"


def texts() -> list[tuple[str, date | None]]:
    """(text, date) of every corpus text; the long-form articles have no date."""
    sys.path.insert(0, str(SRC))
    from caixun.clean.html import clean_body
    from caixun.clean.normalize import to_shanghai
    from caixun.collect.jekyll import read_posts
    from caixun.model import RawItem

    out = [(clean_body(i.body, i.body_format)[1], to_shanghai(i.published).date() if i.published else None)
           for i in read_posts([SHARED / "finews"]) if isinstance(i, RawItem)]  # fmt: skip
    for p in sorted((SHARED / "extra").rglob("*")):
        if p.is_file() and p.suffix in (".md", ".txt"):
            out.append((re.sub(r"<[^>]+>", "", p.read_text(encoding="utf-8", errors="ignore")), None))
    return [(t, d) for t, d in out if t.strip()]


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
        caches = [f for mod in (facts, figures, regions, securities) for f in vars(mod).values()
                  if hasattr(f, "cache_clear") and f is not regions.gazetteer]  # fmt: skip
        return {"facts": facts.extract, "figures": figures.extract_figures,
                "securities": lambda text, _: securities.extract_securities(text),
                "regions": lambda text, _: regions.extract_regions(text),
                "clear": lambda: [f.cache_clear() for f in caches]}  # fmt: skip
    finally:
        sys.path.remove(str(src))


def one_pass(fn, docs: list[tuple[str, date | None]]) -> float:
    t = time.process_time()
    for text, day in docs:
        fn(text, day)
    return time.process_time() - t


def paired_pass(copies: list[tuple[str, dict]], docs: list[tuple[str, date | None]], clear: bool, n: int) -> dict[str, float]:
    """One pass over the texts with every copy of the extractor, the copies
    taking turns text by text (in an order that alternates), so that each
    sees the same moments of a noisy machine: {name: CPU seconds}."""
    if clear:
        for _, lib in copies:
            lib["clear"]()
    spent = {name: 0.0 for name, _ in copies}
    for i, (text, day) in enumerate(docs):
        for name, lib in copies if (i + n) % 2 == 0 else copies[::-1]:
            t = time.process_time()
            lib["facts"](text, day)
            spent[name] += time.process_time() - t
    return spent


def report(name: str, times: list[float], chars: int, cold: list[float] | None = None) -> None:
    print(f"| {name} | {chars / min(times):,.0f} | {chars / statistics.median(times):,.0f} | "
          f"{f'{chars / statistics.median(cold):,.0f}' if cold else ''} |")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--passes", type=int, default=15, help="timed passes over the corpus (default 15)")
    ap.add_argument("--against", type=Path, help="the src directory of another checkout to compare with")
    args = ap.parse_args()
    docs = texts()
    chars = sum(len(t) for t, _ in docs)
    print(f"{len(docs)} texts, {chars:,} characters, {args.passes} passes, CPU time\n")
    ours = load(SRC)
    copies = [("caixun facts (figures, securities, regions)", ours)]
    if args.against:
        copies.append((f"caixun facts of {args.against}", load(args.against)))
    for _, lib in copies:
        one_pass(lib["facts"], docs)  # warm-up: compiled patterns, automata
    print("| extractor | chars/s, best pass | chars/s, median pass | chars/s, median pass from empty caches |")
    print("|---|---|---|---|")
    warm: dict[str, list[float]] = {name: [] for name, _ in copies}
    cold: dict[str, list[float]] = {name: [] for name, _ in copies}
    for n in range(args.passes):
        for times, clear in ((cold, True), (warm, False)):
            for name, t in paired_pass(copies, docs, clear, n).items():
                times[name].append(t)
    for name, _ in copies:
        report(name, warm[name], chars, cold[name])
    for name in ("figures", "securities", "regions"):
        report(f"caixun {name} alone", [one_pass(ours[name], docs) for _ in range(args.passes)], chars)
    if args.against:
        (a, _), (b, _) = copies
        print(f"\nratio (other copy's time / this one's): best passes {min(warm[b]) / min(warm[a]):.3f}, "
              f"medians {statistics.median(warm[b]) / statistics.median(warm[a]):.3f}, "
              f"medians from empty caches {statistics.median(cold[b]) / statistics.median(cold[a]):.3f}\n")
    texts_only = [(t, None) for t, _ in docs]
    try:
        from recognizers_number import Culture
        from recognizers_number import NumberRecognizer as NR
        from recognizers_number_with_unit import NumberWithUnitRecognizer

        rec = NumberWithUnitRecognizer(Culture.Chinese)
        nr = NR(Culture.Chinese)
        models = [rec.get_currency_model(), rec.get_dimension_model(), nr.get_number_model(), nr.get_percentage_model()]
        report("Recognizers-Text (number, percent, currency, dimension)",
               [one_pass(lambda d, _: [m.parse(d) for m in models], texts_only)], chars)  # fmt: skip
    except ImportError:
        print("| Recognizers-Text | not installed | | |")
    try:
        import jionlp

        report("JioNLP ner.extract_money (money only)",
               [one_pass(lambda d, _: jionlp.ner.extract_money(d), texts_only) for _ in range(3)], chars)  # fmt: skip
    except ImportError:
        print("| JioNLP | not installed | | |")


if __name__ == "__main__":
    main()
