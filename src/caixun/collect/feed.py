"""RSS and Atom feeds through feedparser, fetched by our client (conditional GET)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import feedparser

from caixun.clean.normalize import default_tag
from caixun.collect import CollectResult
from caixun.collect.eastmoney import SourceFailed
from caixun.collect.http import FetchError, HttpClient
from caixun.model import RawItem, Rejection, Source


def parse_feed(source: Source, content: bytes, content_type: str = "") -> CollectResult:
    """Entries of an RSS/Atom document as RawItems (pure: no network)."""
    result = CollectResult()
    parsed = feedparser.parse(content, response_headers={"content-type": content_type} if content_type else None)
    if parsed.bozo and not parsed.entries:
        reason = getattr(parsed.get("bozo_exception"), "getMessage", lambda: None)() or str(parsed.get("bozo_exception"))
        raise SourceFailed(f"not a feed: {reason}", result)
    for i, entry in enumerate(parsed.entries):
        link = entry.get("link", "")
        entry_id = entry.get("id") or link or entry.get("title", "")
        if not entry_id:
            result.rejected.append(Rejection(f"{source.name}[{i}]", "entry has no id, link or title"))
            continue
        struct = entry.get("published_parsed") or entry.get("updated_parsed")
        published = datetime(*struct[:6], tzinfo=UTC) if struct else None
        content = entry.get("content") or []
        body = content[0].get("value", "") if content else entry.get("summary", "")
        item_id = hashlib.sha1(entry_id.encode("utf-8")).hexdigest()[:16]
        result.items.append(
            RawItem(
                key=f"feed:{source.name}:{item_id}",
                source=source.name,
                item_id=item_id,
                title=entry.get("title", ""),
                body=body,
                body_format="html",
                url=link,
                published=published,
                digest=entry.get("summary", "") if content else "",
                category=source.slug,
                tags=(source.tag or default_tag(source.name),),
                origin=source.url,
                meta={"entry_id": entry_id},
            )
        )
    return result


async def collect_feed(source: Source, client: HttpClient, *, validators: dict[str, str | None] | None = None) -> CollectResult:
    validators = validators or {}
    try:
        resp = await client.get(source.url, etag=validators.get("etag"), last_modified=validators.get("last_modified"))
    except FetchError as exc:
        raise SourceFailed(str(exc), CollectResult()) from None
    if resp.not_modified:
        return CollectResult(not_modified=True)
    result = parse_feed(source, resp.content, resp.content_type)
    result.validators[source.url] = {"etag": resp.etag, "last_modified": resp.last_modified}
    return result
