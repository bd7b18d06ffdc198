"""`/watches/`: the watches on the web, and a small form to make, change and
remove them.

The rest of the site is read-only and needs no login. Changing watches is
writing, so it needs the administrator's token: set CAIXUN_ADMIN_TOKEN (16
characters or more) in the environment of `caixun serve` / `caixun run` and
type it into the form. Without it the page lists the watches and says how to
turn the form on. The token travels in the form's body (use TLS in front of
the server), is compared in constant time, and a wrong one costs the sender
half a second; a page of another site cannot post here without knowing it, so
the form needs no other CSRF token. Plain HTML forms: the CSP forbids every
script, and none is needed.

Watches from the config file are shown but changed only there (the next
command that reads the config would put them back).
"""

from __future__ import annotations

import asyncio
import hmac
import re
from typing import Any
from urllib.parse import parse_qs

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from caixun.publish import pages
from caixun.store import Store
from caixun.watch.rules import RuleError, watch_spec

TOKEN_MIN = 16
FORM_MAX = 64 * 1024  # bytes of a form's body
FIELDS = ("name", "words", "securities", "regions", "sources", "important", "figure", "channels", "mode", "replace")


class AdminTokenError(ValueError):
    pass


def check_token(token: str | None) -> str | None:
    """The administrator's token from the environment, or None; too short a
    token is refused at start (a guessable token would open the writes)."""
    if not token:
        return None
    if len(token) < TOKEN_MIN or not token.isprintable():
        raise AdminTokenError(f"CAIXUN_ADMIN_TOKEN must be at least {TOKEN_MIN} printable characters")
    return token


def form_table(form: dict[str, str]) -> dict[str, Any]:
    """A [[watches]] table from the form's fields (pure): lists split on
    spaces, commas and new lines; channels one per line."""

    def items(key: str, sep: str = r"[\s,，、]+") -> list[str]:
        return [x for x in re.split(sep, form.get(key, "")) if x]

    table: dict[str, Any] = {"name": form.get("name", "").strip()}
    for key in ("words", "figure", "mode"):
        if form.get(key, "").strip():
            table[key] = form[key].strip()
    for key in ("securities", "regions"):
        if values := items(key):
            table[key] = values
    if values := items("sources", r"[\n,，、]+"):
        table["sources"] = [v.strip() for v in values if v.strip()]
    if values := items("channels", r"\s+"):
        table["channels"] = values
    if form.get("important"):
        table["important"] = True
    return table


async def read_form(request: Request) -> dict[str, str] | None:
    """The urlencoded body as one value per field (the last), or None when it
    is too large or not a form."""
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return None
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > FORM_MAX:
            return None
    parsed = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True, max_num_fields=len(FIELDS) + 4)
    return {k: v[-1] for k, v in parsed.items()}


def add_watch_routes(app: FastAPI, store: Store, site: pages.Site, token: str | None) -> None:
    from caixun.store.watches import delete_watch, save_watch, watch_rows

    def page(status: int = 200, error: str | None = None, form: dict[str, str] | None = None) -> HTMLResponse:
        return HTMLResponse(pages.watches(site, watch_rows(store), writable=token is not None, error=error, form=form or {}),
                            status_code=status)  # fmt: skip

    async def authorized(form: dict[str, str]) -> bool:
        given = form.get("token", "")
        if token is not None and hmac.compare_digest(given.encode(), token.encode()):
            return True
        await asyncio.sleep(0.5)  # guessing costs time
        return False

    def origin_of(name: str) -> str | None:
        found = watch_rows(store, name=name)
        return found[0]["origin"] if found else None

    @app.get("/watches/", response_class=HTMLResponse, include_in_schema=False)
    def watches_page() -> HTMLResponse:
        return page()

    @app.post("/watches/", include_in_schema=False)
    async def save(request: Request) -> Response:
        form = await read_form(request)
        if form is None:
            return page(400, "表单无法读取（须为 application/x-www-form-urlencoded，且不超过 64 KB）")
        shown = {k: v for k, v in form.items() if k != "token"}  # the token is never written back into the page
        if token is None:
            return page(403, "网页表单未开启：启动服务时设置环境变量 CAIXUN_ADMIN_TOKEN", shown)
        if not await authorized(form):
            return page(403, "管理口令不对", shown)
        try:
            spec = watch_spec(form_table(form))
        except RuleError as exc:
            return page(400, f"规则有误：{exc}", shown)
        if origin_of(spec.name) == "config":
            return page(409, f"“{spec.name}”在配置文件中定义，请在文件中修改", shown)
        try:
            await asyncio.to_thread(save_watch, store, spec, "web", replace=bool(form.get("replace")))
        except ValueError:
            return page(409, f"已有名为“{spec.name}”的关注；要修改它，请勾选“替换同名关注”", shown)
        return RedirectResponse("./", status_code=303)

    @app.post("/watches/delete", include_in_schema=False)
    async def remove(request: Request) -> Response:
        form = await read_form(request)
        if form is None:
            return page(400, "表单无法读取")
        if token is None:
            return page(403, "网页表单未开启：启动服务时设置环境变量 CAIXUN_ADMIN_TOKEN")
        if not await authorized(form):
            return page(403, "管理口令不对")
        name = form.get("name", "")
        if origin_of(name) == "config":
            return page(409, f"“{name}”在配置文件中定义，请在文件中删除")
        if not await asyncio.to_thread(delete_watch, store, name):
            return page(404, f"没有名为“{name}”的关注")
        return RedirectResponse("./", status_code=303)
