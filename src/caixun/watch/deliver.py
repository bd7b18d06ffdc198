"""Sending the outbox: each pending alert to its channel through Apprise,
every attempt recorded, failures retried with backoff.

At least once: an alert leaves the outbox only when a send succeeded and
was recorded. Never twice to a receiver that honours the key: a crash
between sending and recording sends it again after a restart with the same
`Idempotency-Key` header (json://, jsons://, form://, xml:// channels; the
key is in every message's last line for the others).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import insert, select, update

from caixun.store.schema import alert_outbox, articles, delivery_attempts, watch_matches, watches

log = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(hours=1)
GIVE_UP_AFTER = 20  # attempts; then the alert is kept as failed, shown on the watch
_HEADER_SCHEMES = ("json", "jsons", "form", "forms", "xml", "xmls")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def masked(channel: str) -> str:
    """A channel as shown to people: its scheme and host, never its tokens."""
    parts = urlsplit(channel)
    return f"{parts.scheme}://{parts.hostname or '…'}/…" if parts.scheme else "…"


def with_key(channel: str, key: str) -> str:
    if urlsplit(channel).scheme.lower() not in _HEADER_SCHEMES:
        return channel
    return channel + ("&" if "?" in channel else "?") + f"+Idempotency-Key={key}"


def apprise_send(channel: str, title: str, body: str) -> str | None:
    """Send one message; None when it went, else why not (Apprise's own words)."""
    import apprise

    sender = apprise.Apprise()
    if not sender.add(channel):
        return f"not a channel Apprise knows: {masked(channel)}"
    with apprise.LogCapture(level=apprise.logging.WARNING) as logs:
        ok = sender.notify(title=title, body=body, body_format=apprise.NotifyFormat.TEXT)
        said = logs.getvalue().strip().splitlines()
    return None if ok else (said[-1] if said else "the channel refused the message")


def _clean(text: str, limit: int) -> str:
    text = _CONTROL.sub(" ", text).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def message(conn, watch_name: str, match_ids: list[int], base_url: str, key: str) -> tuple[str, str]:
    """The title and text of an alert: what matched and where to read it."""
    rows = conn.execute(select(watch_matches.c.matched, articles.c.id, articles.c.title, articles.c.source)
                        .join(articles, articles.c.id == watch_matches.c.article_id)
                        .where(watch_matches.c.id.in_(match_ids)).order_by(watch_matches.c.id)).all()  # fmt: skip
    base = base_url.rstrip("/")
    lines = []
    for r in rows:
        why = "；".join(json.loads(r.matched))
        lines.append(f"{_clean(r.title, 200)}（{_clean(r.source, 40)}）\n{_clean(why, 300)}\n{base}/article/{r.id}.html")
    count = f"{len(rows)} 条" if len(rows) > 1 else ""
    title = _clean(f"财讯提醒 · {watch_name}{' · ' + count if count else ''}", 120)
    return title, "\n\n".join(lines) + f"\n\n(caixun {key})"


def deliver_due(store, base_url: str, *, now: datetime | None = None,
                send: Callable[[str, str, str], str | None] = apprise_send, limit: int = 200) -> DeliveryReport:  # fmt: skip
    """Queue due digests, then send every pending alert whose time has come."""
    from caixun.watch.store import queue_digests

    now = now or datetime.now(UTC)
    report = DeliveryReport()
    with store.engine.connect() as conn:
        digests = conn.execute(select(watches.c.id).where(watches.c.digest_seconds.is_not(None)).limit(1)).first()
    if digests:  # the write lock only when there may be a digest to queue
        with store.write_engine.begin() as conn:
            queue_digests(conn, now)
    with store.engine.connect() as conn:
        due = conn.execute(select(alert_outbox, watches.c.name).join(watches, watches.c.id == alert_outbox.c.watch_id)
                           .where(alert_outbox.c.status == "pending", alert_outbox.c.next_attempt_at <= now)
                           .order_by(alert_outbox.c.id).limit(limit)).mappings().all()  # fmt: skip
        messages = {r["id"]: message(conn, r["name"], json.loads(r["match_ids"]), base_url, r["idempotency_key"]) for r in due}
    for r in due:
        title, body = messages[r["id"]]
        try:
            error = send(with_key(r["channel"], r["idempotency_key"]), title, body)
        except Exception as exc:  # a channel's library failing is that channel's failure
            error = f"{type(exc).__name__}: {exc}"
        attempts = r["attempts"] + 1
        at = datetime.now(UTC)
        values: dict = {"attempts": attempts, "last_error": error}
        if error is None:
            values.update(status="sent", sent_at=at)
            report.sent += 1
        else:
            wait = min(MAX_BACKOFF, timedelta(seconds=5 * 2 ** (attempts - 1)))
            values.update(status="failed" if attempts >= GIVE_UP_AFTER else "pending", next_attempt_at=at + wait)
            report.failed += 1
            report.errors.append(f"{r['name']} → {masked(r['channel'])}: {error}")
        with store.write_engine.begin() as conn:
            conn.execute(update(alert_outbox).where(alert_outbox.c.id == r["id"]).values(**values))
            conn.execute(insert(delivery_attempts).values(outbox_id=r["id"], at=at, ok=error is None, error=error))
    return report
