"""The server's two middlewares, as plain ASGI (Starlette's `@app.middleware`
wraps every request in tasks and streams: a third of a cached answer's time).

- SecurityHeaders: the CSP and the other security headers on every answer.
- Answers: HEAD answered as GET without the body; an ETag (a digest of the
  body) on every page, feed and API answer and 304 for a request that has it;
  a short Cache-Control; answers kept in memory while the database is
  unchanged (caixun.web.cache). Streams (figures.csv) pass through.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers

from caixun.web.cache import Answer, AnswerCache

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

PASS_THROUGH = ("/figures.csv",)


class SecurityHeaders:
    def __init__(self, app: ASGIApp, csp: str):
        self.app = app
        self.headers = [(b"content-security-policy", csp.encode()), (b"x-content-type-options", b"nosniff"),
                        (b"referrer-policy", b"no-referrer"), (b"x-frame-options", b"DENY"),
                        (b"cross-origin-opener-policy", b"same-origin")]  # fmt: skip
        self.names = {n for n, _ in self.headers}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [h for h in message.get("headers", []) if h[0].lower() not in self.names] + self.headers
            await send(message)

        await self.app(scope, receive, with_headers)


class Answers:
    def __init__(self, app: ASGIApp, generation: Callable[[], object | None], cache: AnswerCache, *, blocking: bool):
        """`generation`: the database's (caixun.store.Store.generation);
        `blocking`: whether asking it does I/O (PostgreSQL: run in a thread)."""
        self.app, self.generation, self.cache, self.blocking = app, generation, cache, blocking

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            return await self.app(scope, receive, send)
        head = scope["method"] == "HEAD"
        if head:
            scope = dict(scope, method="GET")
        if scope["path"] in PASS_THROUGH:
            return await self.app(scope, receive, _bodiless(send) if head else send)
        headers = Headers(scope=scope)
        key = (scope["path"], scope.get("query_string", b""), "gzip" in headers.get("accept-encoding", ""), headers.get("host", ""))
        generation = await run_in_threadpool(self.generation) if self.blocking else self.generation()
        answer = self.cache.get(key, generation) if generation is not None else None
        if answer is None:
            start, body = await _collect(self.app, scope, receive)
            if start["status"] != 200:
                await send(start)
                await send({"type": "http.response.body", "body": b"" if head else body})
                return
            kept = [(n, v) for n, v in start.get("headers", []) if n.lower() not in (b"content-length", b"etag")]
            etag = '"' + hashlib.sha1(body).hexdigest()[:20] + '"'
            kept.append((b"etag", etag.encode()))
            if not any(n.lower() == b"cache-control" for n, _ in kept):
                kept.append((b"cache-control", b"public, max-age=30"))
            answer = Answer(body, kept, etag, generation, time.monotonic())
            if generation is not None:
                self.cache.put(key, answer)
        if answer.etag in [t.strip() for t in headers.get("if-none-match", "").split(",")]:
            await send({"type": "http.response.start", "status": 304,
                        "headers": [(n, v) for n, v in answer.headers if n.lower() != b"content-type"]})  # fmt: skip
            await send({"type": "http.response.body", "body": b""})
            return
        await send({"type": "http.response.start", "status": 200,
                    "headers": [*answer.headers, (b"content-length", str(len(answer.body)).encode())]})  # fmt: skip
        await send({"type": "http.response.body", "body": b"" if head else answer.body})


async def _collect(app: ASGIApp, scope: Scope, receive: Receive) -> tuple[Message, bytes]:
    """Run the app to the end; its start message and whole body."""
    start: Message = {}
    chunks: list[bytes] = []

    async def keep(message: Message) -> None:
        if message["type"] == "http.response.start":
            start.update(message)
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, keep)
    return start, b"".join(chunks)


def _bodiless(send: Send) -> Send:
    async def without_body(message: Message) -> None:
        if message["type"] == "http.response.body":
            message = {**message, "body": b""}
        await send(message)

    return without_body
