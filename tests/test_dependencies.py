"""The dependency rule of docs/architecture.md, read from the imports."""

from __future__ import annotations

import ast
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "src" / "caixun"
PURE = ("model", "clean", "dedupe", "searchtext", "enrich")
OUTER = ("caixun.collect", "caixun.store", "caixun.publish", "caixun.web", "caixun.cli", "caixun.pipeline")


def imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def modules(*parts: str) -> list[Path]:
    out = []
    for part in parts:
        p = PKG / part
        out += sorted(p.rglob("*.py")) if p.is_dir() else [p.with_suffix(".py")]
    return out


def test_pure_stages_import_no_io_layer():
    for path in modules(*PURE):
        bad = {m for m in imports(path) if m.startswith(OUTER) or m in ("httpx", "sqlalchemy", "psycopg")}
        assert not bad, f"{path.name} imports {bad}"


def test_only_collect_imports_httpx_and_only_store_imports_drivers():
    for path in PKG.rglob("*.py"):
        mods = imports(path)
        rel = path.relative_to(PKG).parts
        if any(m.split(".")[0] == "httpx" for m in mods):
            assert rel[0] == "collect", path
        if any(m.split(".")[0] in ("sqlalchemy", "psycopg", "sqlite3") for m in mods):
            assert rel[0] == "store", path
