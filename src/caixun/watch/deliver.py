"""Sending the outbox: each pending alert to its channel through Apprise,
every attempt recorded, failures retried with backoff.

At least once: an alert leaves the outbox only when a send succeeded and
was recorded. Never twice to a receiver that honours the key: a crash
between sending and recording sends it again after a restart with the same
`Idempotency-Key` header (json://, jsons://, form://, xml:// channels; the
key is in every message's last line for the others).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from caixun.watch.rules import masked

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


def message(watch_name: str, matches: list[dict], base_url: str, key: str) -> tuple[str, str]:
    """The title and text of an alert: what matched and where to read it."""
    base = base_url.rstrip("/")
    lines = []
    for m in matches:
        why = "；".join(m["matched"])
        lines.append(f"{_clean(m['title'], 200)}（{_clean(m['source'], 40)}）\n{_clean(why, 300)}\n{base}/article/{m['id']}.html")
    count = f" · {len(matches)} 条" if len(matches) > 1 else ""
    title = _clean(f"财讯提醒 · {watch_name}{count}", 120)
    return title, "\n\n".join(lines) + f"\n\n(caixun {key})"


def deliver_due(store, base_url: str, *, now: datetime | None = None,
                send: Callable[[str, str, str], str | None] = apprise_send, limit: int = 200) -> DeliveryReport:  # fmt: skip
    """Queue due digests, then send every pending alert whose time has come."""
    from caixun.store.watches import due_alerts, queue_due_digests, record_attempt

    now = now or datetime.now(UTC)
    report = DeliveryReport()
    queue_due_digests(store, now)
    due = due_alerts(store, now, limit)
    for r in due:
        title, body = message(r["name"], r["matches"], base_url, r["idempotency_key"])
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
        record_attempt(store, r["id"], at, values, error)
    return report
