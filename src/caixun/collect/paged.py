"""Polling a provider of `caixun.collect.providers`: pages back to what we
have, full text, and breakage told apart from failure.

A poll reads the newest page. If none of its items is stored yet, the items
between it and the archive may be on older pages (a long outage, a first
poll): it follows the provider's cursor back until a page holds a stored
item, the provider has no older page, `max_pages` pages were read, or the
page reaches `backfill_hours` before the newest item. A page that fails
after the client's retries fails the whole poll, and nothing of it is
stored: the next poll starts again from the newest page, so no gap is left
between what was stored and what was not.

Failing and broken are different: `SourceFailed` is a network or server
error, retried with backoff; `SourceBroken` is an answer in a shape this
connector does not read (an HTML anti-crawl page, a renamed field, an error
code, 403/404), which polling again will not fix. Its message says what a
person should look at.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from datetime import timedelta
from urllib.parse import parse_qsl, urlsplit

from lxml import html as lxml_html

from caixun.clean.normalize import default_tag
from caixun.collect import CollectResult
from caixun.collect.eastmoney import SourceFailed
from caixun.collect.http import FetchError, HttpClient, NotData
from caixun.collect.providers import NEXT_PAGE, PROVIDERS, Broken, Entry, Page, Provider
from caixun.model import RawItem, Rejection, Source

# HTTP answers that say the endpoint moved, vanished or refuses us for good.
_BROKEN_STATUS = {
    401: "refused: authentication now required",
    403: "forbidden (anti-crawl, or a required parameter or Referer missing?)",
    404: "not found (endpoint moved or removed?)",
    410: "gone (endpoint removed)",
}


class SourceBroken(SourceFailed):
    """The provider answers, but not with what the connector expects."""


def broken_reason(exc: FetchError) -> str | None:
    """Why a failed request means the connector is broken, or None if it is a plain failure."""
    if isinstance(exc, NotData):
        return exc.reason
    if exc.status in _BROKEN_STATUS:
        return f"HTTP {exc.status}: {_BROKEN_STATUS[exc.status]}"
    return None


def _start_page(source: Source, param: str) -> int:
    value = dict(parse_qsl(urlsplit(source.url).query)).get(param, "1")
    return int(value) if value.isdigit() else 1


_PAGE_PARAM = {"eastmoney-column": "page_index", "sina-zhibo": "page"}


async def _get_page(provider: Provider, source: Source, client: HttpClient, cursor: str | None,
                    validators: dict | None, result: CollectResult) -> Page | None:  # fmt: skip
    url, headers = provider.request(source, cursor)
    v = validators or {}
    try:
        data, resp = await client.get_parsed(url, provider.parse, headers=headers,
                                             etag=v.get("etag"), last_modified=v.get("last_modified"))  # fmt: skip
    except FetchError as exc:
        reason = broken_reason(exc)
        if reason:
            raise SourceBroken(reason, result) from None
        raise SourceFailed(str(exc), result) from None
    if resp.not_modified:
        return None
    if cursor is None:
        result.validators[source.url] = {"etag": resp.etag, "last_modified": resp.last_modified}
    try:
        return provider.read(source, data)
    except Broken as exc:
        raise SourceBroken(str(exc), result) from None


async def collect_provider(
    source: Source,
    client: HttpClient,
    *,
    known_keys: Callable[[Iterable[str]], set[str]] = lambda keys: set(),
    validators: dict[str, str | None] | None = None,
) -> CollectResult:
    provider = PROVIDERS[source.kind]
    prefix = source.key_prefix or provider.key_prefix
    result = CollectResult()
    page = await _get_page(provider, source, client, None, validators, result)
    if page is None:
        result.not_modified = True
        return result
    result.listed = len(page.entries) + len(page.bad)
    first = page.entries
    entries: dict[str, Entry] = {}  # new items by key
    read: set[str] = set()  # every key read in this poll
    newest = max((e.published for e in page.entries), default=None)
    page_no = _start_page(source, _PAGE_PARAM.get(source.kind, ""))
    pages = 1
    while True:
        for item_id, reason in page.bad:
            result.rejected.append(Rejection(f"{source.name}:{item_id}", reason))
        keys = {f"{prefix}:{e.item_id}": e for e in page.entries}
        fresh = [k for k in keys if k not in entries and k not in read]
        read.update(keys)
        known = known_keys(keys)
        for key, e in keys.items():
            if key not in known:
                entries.setdefault(key, e)
        oldest = min((e.published for e in page.entries), default=None)
        too_old = newest is not None and oldest is not None and oldest < newest - timedelta(hours=source.backfill_hours)
        if known or not fresh or not page.cursor or pages >= source.max_pages or too_old:
            break
        if page.cursor == NEXT_PAGE:
            page_no += 1
            cursor = str(page_no)
        else:
            cursor = page.cursor
        page = await _get_page(provider, source, client, cursor, None, result)
        pages += 1
        if page is None:  # a 304 for an older page: nothing more to read
            break
    result.pages = pages
    bodies = await _full_texts(source, client, [(k, e) for k, e in entries.items()], result)
    if source.text_url and not entries and first:
        # Nothing new: the newest item's article page tells whether full
        # texts still read (one request, so a broken page is noticed now, not
        # at the next new item).
        _body, problem = await _article_body(source, client, first[0].item_id)
        if problem:
            result.broken = f"full text: {problem}"
    for key, e in entries.items():
        result.items.append(_item(source, key, e, bodies.get(key)))
    return result


async def _full_texts(source: Source, client: HttpClient, entries: list[tuple[str, Entry]],
                      result: CollectResult) -> dict[str, str]:  # fmt: skip
    """Article pages of the new items, when the source has a text_url. An item
    whose page cannot be read is kept with the summary the list gave (nothing
    is lost); when no page could be read for a reason of shape, the source is
    reported broken after its items are stored."""
    if not source.text_url or not entries:
        return {}
    got = await asyncio.gather(*(_article_body(source, client, e.item_id) for _, e in entries))
    bodies, problems = {}, []
    for (key, _e), (body, problem) in zip(entries, got, strict=True):
        if body:
            bodies[key] = body
        elif problem:
            problems.append(problem)
    if problems and len(problems) == len(entries):
        result.broken = f"full text: {problems[0]} ({len(problems)} of {len(entries)} article pages)"
    return bodies


async def _article_body(source: Source, client: HttpClient, code: str) -> tuple[str, str | None]:
    """(the body's HTML, "") or ("", why it could not be read as a shape problem)."""
    url = source.text_url.format(code=code)
    try:
        resp = await client.get(url, headers={"Referer": "https://finance.eastmoney.com/"})
    except FetchError as exc:
        return "", broken_reason(exc)
    return article_body(resp.text)


def article_body(page: str) -> tuple[str, str | None]:
    """East Money's article page: the HTML of div#ContentBody without the
    outlet line it ends with; ("", reason) when the page has no such div or
    it is empty (pure)."""
    try:
        root = lxml_html.document_fromstring(page)
    except (ValueError, lxml_html.etree.ParserError):
        return "", "article page is not HTML"
    found = root.xpath('//div[@id="ContentBody"]')
    if not found:
        return "", "div#ContentBody missing from the article page"
    body = found[0]
    for el in body.xpath('.//*[contains(concat(" ", normalize-space(@class), " "), " em_media ")]'):
        el.drop_tree()
    inner = (body.text or "") + "".join(lxml_html.tostring(c, encoding="unicode") for c in body)
    if not lxml_html.fragment_fromstring(inner, create_parent="div").text_content().strip():
        return "", "div#ContentBody is empty"
    return inner, None


def _item(source: Source, key: str, e: Entry, body: str | None) -> RawItem:
    outlet = e.outlet or source.name
    own = outlet == source.name
    meta = {}
    if e.important:
        meta["important"] = True
    if e.securities:
        meta["securities"] = e.securities
    if e.tags:
        meta["provider_tags"] = list(e.tags)
    text = body or e.text
    return RawItem(
        key=key,
        source=outlet,
        item_id=e.item_id,
        title=e.title,
        body=text,
        body_format="html" if body or "<" in text else "text",
        url=e.url,
        published=e.published,
        digest=e.text if body else "",
        category=source.slug if own else None,
        tags=((source.tag if own and source.tag else default_tag(outlet)),),
        origin=source.name,
        meta=meta,
    )
