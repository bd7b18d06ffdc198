"""East Money news list APIs and the full-text endpoint.

Three list shapes (see docs/sources.md):

- rolling news (7x24 flashes): {"records": [{id, infoCode, title, digest, url_w, showtime}]}
- news by media outlet:        {"nodeList": [{infocode, from, title, showtime}]}
- market news:                 {"record": [{infoCode, medianame, title, datetime}]}

and the full text by info code: {"content": html, "text": html}. Items of the
media and market lists belong to the outlet that wrote them (`from`,
`medianame`), not to the configured source that polled them. Info codes are
unique across East Money, so every item's key is `<key_prefix>:<infoCode>`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from caixun.clean.normalize import DateError, default_tag, parse_datetime
from caixun.collect import CollectResult
from caixun.collect.http import FetchError, HttpClient
from caixun.model import RawItem, Rejection, Source

_SHAPES = {
    # api: (list key, code field, outlet field, time field)
    "rolling": ("records", ("infoCode", "id"), None, "showtime"),
    "media": ("nodeList", ("infocode", "infoCode"), "from", "showtime"),
    "market": ("record", ("infoCode", "infocode"), "medianame", "datetime"),
}


def list_url(source: Source) -> str:
    parts = urlsplit(source.url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    query.setdefault("count", str(source.count))  # a count written in the URL is kept
    if source.api == "market" and source.market_type:
        query["marketType"] = source.market_type
    return urlunsplit(parts._replace(query=urlencode(query)))


def parse_list(source: Source, data: Any) -> tuple[list[dict[str, Any]], list[Rejection]]:
    """Entries of a list response as plain dicts {code, outlet, title, digest, url, time}."""
    list_key, code_fields, outlet_field, time_field = _SHAPES[source.api]
    if isinstance(data, dict) and list_key not in data and isinstance(data.get("data"), dict):
        data = data["data"]
    entries = data.get(list_key) if isinstance(data, dict) else None
    if not isinstance(entries, list):
        return [], [Rejection(source.url, f"answer has no '{list_key}' list")]
    out, rejected = [], []
    for i, e in enumerate(entries):
        if not isinstance(e, dict):
            rejected.append(Rejection(f"{source.name}[{i}]", "list entry is not an object"))
            continue
        code = next((str(e[f]).strip() for f in code_fields if e.get(f)), "")
        if not code:
            rejected.append(Rejection(f"{source.name}[{i}]", "entry has no info code"))
            continue
        try:
            when = parse_datetime(str(e.get(time_field) or ""))
        except DateError as exc:
            rejected.append(Rejection(f"{source.name}:{code}", str(exc)))
            continue
        title = str(e.get("title") or "").strip()
        digest = str(e.get("digest") or "").strip()
        if digest.startswith(f"【{title}】"):
            digest = digest[len(title) + 2 :].strip()
        outlet = str(e.get(outlet_field) or "").strip() if outlet_field else ""
        out.append({"code": code, "outlet": outlet or source.name, "title": title,
                    "digest": digest, "url": str(e.get("url_w") or e.get("url") or ""), "time": when})  # fmt: skip
    return out, rejected


async def collect_eastmoney(
    source: Source,
    client: HttpClient,
    *,
    known_keys: Callable[[Iterable[str]], set[str]] = lambda keys: set(),
    validators: dict[str, str | None] | None = None,
) -> CollectResult:
    """Poll one list; fetch the full text of entries whose key `known_keys`
    does not report as already stored (the caller passes the store's lookup)."""
    result = CollectResult()
    url = list_url(source)
    validators = validators or {}
    try:
        data, resp = await client.get_json(url, etag=validators.get("etag"), last_modified=validators.get("last_modified"))
    except FetchError as exc:
        raise SourceFailed(str(exc), result) from None
    if resp.not_modified:
        result.not_modified = True
        return result
    entries, rejected = parse_list(source, data)
    result.rejected.extend(rejected)
    if rejected and not entries:
        result.rejected.remove(rejected[0])  # reported as the source's failure
        raise SourceFailed(f"{rejected[0].what}: {rejected[0].reason}", result)
    prefix = source.key_prefix or "eastmoney"
    known = known_keys([f"{prefix}:{e['code']}" for e in entries])
    new = [e for e in entries if f"{prefix}:{e['code']}" not in known]
    texts = await asyncio.gather(*(_full_text(source, client, e["code"]) for e in new))
    for entry, (body, error) in zip(new, texts, strict=True):
        if error:
            result.rejected.append(Rejection(f"{source.name}:{entry['code']}", error))
            continue
        result.items.append(_item(source, entry, body, prefix))
    if not any(r.what.startswith(f"{source.name}:") for r in result.rejected):
        result.validators[url] = {"etag": resp.etag, "last_modified": resp.last_modified}
    return result


class SourceFailed(Exception):
    """The source's list could not be read at all this time."""

    def __init__(self, message: str, result: CollectResult):
        super().__init__(message)
        self.result = result


async def _full_text(source: Source, client: HttpClient, code: str) -> tuple[str, str | None]:
    if not source.text_url:
        return "", None
    url = source.text_url.format(code=quote(code))
    try:
        data, _ = await client.get_json(url)
    except FetchError as exc:
        return "", f"full text: {exc.reason}"
    if not isinstance(data, dict):
        return "", "full text: answer is not an object"
    if isinstance(data.get("data"), dict):
        data = data["data"]
    fields = ("content", "text") if source.api == "rolling" else ("text", "content")
    body = next((data[f] for f in fields if isinstance(data.get(f), str) and data[f].strip()), "")
    return body.replace("\u3000\u3000", ""), None


def _item(source: Source, e: dict[str, Any], body: str, prefix: str) -> RawItem:
    outlet = e["outlet"]
    own = outlet == source.name
    return RawItem(
        key=f"{prefix}:{e['code']}",
        source=outlet,
        item_id=e["code"],
        title=e["title"],
        body=body or e["digest"],
        body_format="html" if body else "text",
        url=e["url"],
        published=e["time"],
        digest=e["digest"],
        category=source.slug if own else None,
        tags=((source.tag if own and source.tag else default_tag(outlet)),),
        origin=source.name,
    )
