"""The one HTTP client every connector uses (httpx, async).

It is created once by the caller and passed in, so tests point it at a local
server (or swap the transport). Library errors become our own small tree
(`FetchError` and subclasses) here, at the boundary.

What it does for every request: connect/read timeouts and a deadline for
the whole answer; retries with exponential
backoff and jitter on connection errors, timeouts, truncated bodies, 5xx and
(for `get_json`) malformed JSON; 429 and 503 honour `Retry-After`; conditional
GET with ETag / Last-Modified; at most `per_host` requests under way per host;
a cap on body size; charset detection that reads GBK/GB2312 as GB18030.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from caixun.config import HttpSettings


class FetchError(Exception):
    """A request failed for good (after retries where retrying made sense)."""

    def __init__(
        self,
        url: str,
        reason: str,
        *,
        status: int | None = None,
        retryable: bool = True,
        retry_after: float | None = None,
    ):
        super().__init__(f"{url}: {reason}")
        self.url, self.reason, self.status = url, reason, status
        self.retryable, self.retry_after = retryable, retry_after


class HttpStatusError(FetchError):
    pass


class BodyTooLarge(FetchError):
    pass


class BadContent(FetchError):
    """The server answered 200 but the body is not what we asked for (bad JSON)."""


class NotData(BadContent):
    """The server answered an HTML page where data (JSON, JavaScript) was asked
    for: an anti-crawl or error page. Not retried: asking again gets the same."""


def _check_data(url: str, resp: Response, parse: Callable[[str], Any]) -> None:
    try:
        parse(resp.text)
    except ValueError as exc:
        # Some servers send JSON as text/html: only a body that is not data counts.
        if resp.text.lstrip()[:1] == "<":
            raise NotData(url, "answered HTML (anti-crawl page?) where JSON was expected", retryable=False) from None
        where = f" ({exc.msg} at {exc.pos})" if isinstance(exc, json.JSONDecodeError) else f" ({exc})"
        raise BadContent(url, "malformed JSON" + where) from None


@dataclass(frozen=True, slots=True)
class Response:
    url: str
    status: int
    content: bytes
    text: str
    content_type: str
    etag: str | None
    last_modified: str | None
    attempts: int

    @property
    def not_modified(self) -> bool:
        return self.status == 304


_GB = {"gbk", "gb2312", "gb_2312", "gb-2312", "x-gbk", "gb18030", "cp936", "euc-cn", "hz-gb-2312"}
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w-]+)""", re.I)


def decode_body(content: bytes, content_type: str) -> str:
    """Text of a body: the declared charset (GBK family read as GB18030, its
    superset), else a <meta charset>, else UTF-8, else GB18030."""
    declared = None
    m = re.search(r"charset\s*=\s*[\"']?([\w-]+)", content_type or "", re.I)
    if m:
        declared = m.group(1).lower()
    elif (mm := _META_CHARSET.search(content[:4096])) is not None:
        declared = mm.group(1).decode("ascii", "ignore").lower()
    if declared in _GB:
        return content.decode("gb18030", errors="replace")
    if declared and declared not in ("utf-8", "utf8"):
        try:
            return content.decode(declared, errors="replace")
        except LookupError:
            pass
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("gb18030", errors="replace")


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class HttpClient:
    def __init__(
        self,
        settings: HttpSettings | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        jitter: Callable[[], float] = random.random,
    ):
        self.settings = settings or HttpSettings()
        s = self.settings
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(s.read_timeout, connect=s.connect_timeout),
            headers={"User-Agent": s.user_agent, "Accept-Encoding": "gzip, deflate"},
            follow_redirects=True,
            transport=transport,
        )
        self._sleep = sleep
        self._jitter = jitter
        self._hosts: dict[str, asyncio.Semaphore] = {}

    async def __aenter__(self) -> HttpClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    def _backoff(self, attempt: int) -> float:
        s = self.settings
        return min(s.max_backoff, s.backoff * (2**attempt) * (0.5 + self._jitter()))

    async def get(self, url: str, *, etag: str | None = None, last_modified: str | None = None,
                  headers: dict[str, str] | None = None) -> Response:  # fmt: skip
        return await self._request(url, etag, last_modified, None, headers)

    async def get_json(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None, headers: dict[str, str] | None = None
    ) -> tuple[Any, Response]:
        """Parsed JSON (None for a 304) and the response; bad JSON is retried."""
        return await self.get_parsed(url, json.loads, etag=etag, last_modified=last_modified, headers=headers)

    async def get_parsed(
        self, url: str, parse: Callable[[str], Any], *, etag: str | None = None, last_modified: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[Any, Response]:
        """`parse(text)` of the body (None for a 304) and the response. A body
        that `parse` refuses with ValueError is retried (a cut or garbled
        answer); an HTML page where data was asked for is not: it is an
        anti-crawl or error page, and `NotData` says so."""
        resp = await self._request(url, etag, last_modified, parse, headers)
        return (None if resp.not_modified else parse(resp.text)), resp

    async def _request(self, url: str, etag: str | None, last_modified: str | None,
                       parse: Callable[[str], Any] | None, extra: dict[str, str] | None = None) -> Response:  # fmt: skip
        headers = dict(extra or {})
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        host = urlsplit(url).netloc
        sem = self._hosts.setdefault(host, asyncio.Semaphore(self.settings.per_host))
        attempts = self.settings.retries + 1
        for attempt in range(attempts):
            delay = self._backoff(attempt)
            try:
                async with sem:
                    resp = await self._once(url, headers, attempt + 1)
                if parse is not None and not resp.not_modified:
                    _check_data(url, resp, parse)
                return resp
            except FetchError as exc:
                error = exc
                if exc.status in (429, 503) and exc.retry_after is not None:
                    if exc.retry_after > self.settings.max_backoff:
                        raise FetchError(
                            url, f"HTTP {exc.status}, asked to wait {exc.retry_after:.0f}s", status=exc.status
                        ) from None
                    delay = exc.retry_after
            if not error.retryable or attempt == attempts - 1:
                break
            await self._sleep(delay)
        if attempts > 1 and error.retryable:
            raise type(error)(error.url, f"{error.reason} (after {attempts} attempts)", status=error.status)
        raise error

    async def _once(self, url: str, headers: dict[str, str], attempt: int) -> Response:
        deadline = self.settings.request_deadline
        try:
            async with asyncio.timeout(deadline):
                return await self._read(url, headers, attempt)
        except TimeoutError:
            raise FetchError(url, f"no whole answer within {deadline:g}s (request_deadline)") from None

    async def _read(self, url: str, headers: dict[str, str], attempt: int) -> Response:
        max_body = self.settings.max_body
        try:
            async with self._client.stream("GET", url, headers=headers) as r:
                length = r.headers.get("content-length")
                if length and length.isdigit() and int(length) > max_body:
                    raise BodyTooLarge(url, f"body of {length} bytes is over the {max_body}-byte cap", retryable=False)
                chunks, size = [], 0
                async for chunk in r.aiter_bytes():
                    size += len(chunk)
                    if size > max_body:
                        raise BodyTooLarge(url, f"body over the {max_body}-byte cap", retryable=False)
                    chunks.append(chunk)
        except httpx.TimeoutException as exc:
            raise FetchError(url, f"timed out ({type(exc).__name__})") from None
        except httpx.TransportError as exc:
            raise FetchError(url, f"{type(exc).__name__}: {exc}".rstrip(": ")) from None
        except httpx.InvalidURL as exc:
            raise FetchError(url, f"invalid URL: {exc}", retryable=False) from None
        status = r.status_code
        if status >= 400:
            raise HttpStatusError(
                url,
                f"HTTP {status}",
                status=status,
                retryable=status >= 500 or status in (408, 429),
                retry_after=retry_after_seconds(r.headers.get("retry-after")),
            )
        content = b"".join(chunks)
        ctype = r.headers.get("content-type", "")
        return Response(
            url=str(r.url),
            status=status,
            content=content,
            text=decode_body(content, ctype) if status != 304 else "",
            content_type=ctype,
            etag=r.headers.get("etag"),
            last_modified=r.headers.get("last-modified"),
            attempts=attempt,
        )

