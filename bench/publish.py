"""Static publishing benchmark: `caixun export site` beside Jekyll and Hugo.

Generates N old-format posts (as bench/ingest.py), imports them, then times,
each in its own process with its peak RSS:

  export site       full export into an empty directory
  export site +10   after importing 10 new posts (incremental)
  jekyll build      Debian's jekyll on `caixun export jekyll` of the same posts
  hugo              Debian's hugo on the same posts as Hugo content

    .venv/bin/python bench/publish.py --posts 20000 [--runs 3] [--jekyll-timeout 300]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from ingest import generate  # noqa: E402

HUGO_LAYOUTS = {
    "layouts/_default/baseof.html": "<!doctype html><html><head><meta charset=utf-8><title>{{ .Title }}</title></head>"
    "<body>{{ block \"main\" . }}{{ end }}</body></html>",
    "layouts/_default/single.html": "{{ define \"main\" }}<h1>{{ .Title }}</h1><time>{{ .Date.Format \"2006-01-02 15:04\" }}</time>"
    "{{ .Content }}{{ end }}",
    "layouts/_default/list.html": "{{ define \"main\" }}<h1>{{ .Title }}</h1><ul>{{ range .Pages }}<li><a href=\"{{ .RelPermalink }}\">"
    "{{ .Title }}</a></li>{{ end }}</ul>{{ end }}",
    "layouts/index.html": "{{ define \"main\" }}{{ range $k, $v := .Site.Taxonomies.categories }}<h2>{{ $k }}</h2><ul>"
    "{{ range first 5 $v.Pages }}<li><a href=\"{{ .RelPermalink }}\">{{ .Title }}</a></li>{{ end }}</ul>{{ end }}{{ end }}",
}


def timed(cmd: list[str], **kw) -> tuple[float, float, str, float]:
    """Wall time, peak RSS (MB), last output line and CPU time (user + system)
    of a command, via GNU time. CPU time varies less than wall time on a shared
    machine."""
    fmt = "%e %M %U %S"
    os.sync()  # the previous build's dirty pages are written out before, not during, this one
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(["/usr/bin/time", "-f", fmt, *cmd], capture_output=True, text=True, timeout=kw.get("timeout"),
                              cwd=kw.get("cwd"), env=kw.get("env"))  # fmt: skip
    except subprocess.TimeoutExpired:
        return float("inf"), 0.0, "timeout", float("inf")
    wall = time.perf_counter() - t0
    last = proc.stderr.strip().splitlines()[-1].split()
    if proc.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return wall, int(last[1]) / 1024, (proc.stdout.strip().splitlines() or [""])[-1], float(last[2]) + float(last[3])


def _row(res: tuple[float, float, str, float]) -> tuple[float, float, float]:
    return res[0], res[1], res[3]


def hugo_site(posts: Path, out: Path) -> None:
    """The same posts as Hugo content: front matter title/date/categories/tags, HTML body."""
    (out / "content" / "posts").mkdir(parents=True)
    for rel, body in HUGO_LAYOUTS.items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_text(body, encoding="utf-8")
    (out / "config.toml").write_text('baseURL = "http://localhost/"\ntitle = "bench"\n[markup.goldmark.renderer]\nunsafe = true\n',
                                     encoding="utf-8")  # fmt: skip
    for p in sorted((posts / "_posts").glob("*.md")):
        text = p.read_text(encoding="utf-8")
        _, front, body = text.split("---\n", 2)
        fields = dict(line.split(": ", 1) for line in front.strip().splitlines())
        date = fields["date"].replace(" ", "T", 1)[:19] + "+08:00"
        hugo_front = (f"---\ntitle: {fields['title']}\ndate: {date}\ncategories: [{fields['categories']}]\n"
                      f"tags: [{fields['tags']}]\n---\n")  # fmt: skip
        (out / "content" / "posts" / p.name).write_text(hugo_front + body, encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--posts", type=int, default=20_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--jekyll-timeout", type=float, default=300)
    ap.add_argument("--no-jekyll", action="store_true")
    ap.add_argument("--keep", type=Path, help="work in this directory and keep it (posts, database, sites) for profiling")
    args = ap.parse_args()
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
    work = args.keep or Path(tempfile.mkdtemp(prefix="caixun-publish-"))
    env = dict(os.environ, PYTHONPATH=str(HERE.parent / "src"))
    # An installed caixun has its bytecode compiled (pip does it); without it
    # each run would compile the edited modules again.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    caixun = [sys.executable, "-m", "caixun.cli", "--db", str(work / "p.db")]
    generate(work / "posts", args.posts)
    generate(work / "more", args.posts + 10)  # the same posts, and 10 more
    extra = sorted((work / "more" / "_posts").glob("*.md"))
    names = {p.name for p in (work / "posts" / "_posts").glob("*.md")}
    new = [p for p in extra if p.name not in names][:10]
    print(f"posts: {args.posts:,}; new for the incremental run: {len(new)}", file=sys.stderr)
    subprocess.run([*caixun, "import", str(work / "posts")], env=env, check=False, capture_output=True)
    rows: dict[str, list[tuple[float, float]]] = {}
    hugo_dir = work / "hugo"
    if shutil.which("hugo"):
        hugo_site(work / "posts", hugo_dir)
    # caixun and Hugo alternate, run by run: the machine's speed drifts over
    # minutes, and runs of one after all runs of the other compared two moments.
    for run in range(args.runs):
        site = work / f"site{run}"
        rows.setdefault("caixun export site (full)", []).append(_row(timed([*caixun, "export", "site", str(site)], env=env)))
        if shutil.which("hugo"):
            shutil.rmtree(hugo_dir / "public", ignore_errors=True)
            rows.setdefault("hugo (full)", []).append(_row(timed(["hugo", "--quiet"], cwd=hugo_dir)))
    # incremental: 10 new posts, then export again into the last full site
    newdir = work / "new" / "_posts"
    newdir.mkdir(parents=True)
    for p in new:
        shutil.copy(p, newdir / p.name)
    subprocess.run([*caixun, "import", str(work / "new")], env=env, check=False, capture_output=True)
    # Each run starts from the manifest as it was before the first: the same
    # pages are out of date every time, so the runs do the same work.
    site = work / f"site{args.runs - 1}"
    before = (site / ".caixun-site.json").read_bytes()
    for _ in range(args.runs):
        (site / ".caixun-site.json").write_bytes(before)
        res = timed([*caixun, "export", "site", str(site)], env=env)
        line = res[2]
        rows.setdefault("caixun export site (+10 posts)", []).append(_row(res))
    print(f"  incremental: {line}", file=sys.stderr)
    # Jekyll on the old-format export of the same posts
    if shutil.which("jekyll") and not args.no_jekyll:
        jdir = work / "jekyll"
        subprocess.run([*caixun, "export", "jekyll", str(jdir)], env=env, check=True, capture_output=True)
        for p in (jdir / "_posts").glob("*.md"):
            if p.name not in names:
                p.unlink()  # the 10 new ones: build the same N posts as the others
        res = timed(["jekyll", "build", "--quiet"], cwd=jdir, timeout=args.jekyll_timeout)
        rows["jekyll build (full, 1 run)"] = [_row(res)]
    print(f"\n{args.posts:,} posts, {os.cpu_count()} cores; min / median of runs")
    print("| build | min s | median s | CPU s (min) | peak RSS MB |\n|---|---|---|---|---|")
    for name, vals in rows.items():
        walls = sorted(v[0] for v in vals)
        med = walls[len(walls) // 2]
        rss = max(v[1] for v in vals)
        fmt = (lambda x: "timeout" if x == float("inf") else f"{x:.2f}")  # noqa: E731
        cpu = min(v[2] for v in vals)
        print(f"| {name} | {fmt(walls[0])} | {fmt(med)} | {fmt(cpu)} | {rss:.0f} |")
    if not args.keep:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
