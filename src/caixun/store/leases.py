"""Leases: several pollers (`caixun run --role poll`, on one or more machines)
share the sources of one database, and no source is polled twice in one
interval.

A source's lease is its `next_due_at`: a poller claims a due source with one
conditional UPDATE (`… SET next_due_at = now + interval, lease_holder = me
WHERE name = … AND (next_due_at IS NULL OR next_due_at <= now)`). Of two
pollers claiming at once exactly one changes the row: on PostgreSQL the
second UPDATE waits for the first to commit, then finds the row no longer
due (READ COMMITTED re-reads it), the way Miniflux's workers take jobs with
`FOR UPDATE SKIP LOCKED`; on SQLite writes are serialized anyway. While it
polls, the holder moves `next_due_at` one interval ahead at every tick
(`renew`), so a poll longer than its interval is not taken over; when it has
polled, `Store.record_poll` sets the next due time and clears the holder. A
poller that dies stops renewing: its lease runs out within one interval and
the next poller to look takes the source over, within two intervals of the
last poll.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime, timedelta

from sqlalchemy import Connection, or_, select, update

from caixun.store.schema import source_state


def holder_id() -> str:
    """This process, as the leases name it: host, pid and a random part
    (pids are reused)."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def claim(conn: Connection, name: str, holder: str, now: datetime, lease: float) -> bool:
    """Take the source's lease if it is due; True when this caller got it."""
    exists = conn.execute(select(source_state.c.name).where(source_state.c.name == name)).first()
    if exists is None:  # never polled: its row first (two pollers may both try: one row)
        if conn.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as dialect_insert
        else:
            from sqlalchemy.dialects.sqlite import insert as dialect_insert
        conn.execute(dialect_insert(source_state).values(name=name, failures=0, items_added=0, validators={}, empty_polls=0)
                     .on_conflict_do_nothing())  # fmt: skip
    c = source_state.c
    done = conn.execute(
        update(source_state)
        .where(c.name == name, or_(c.next_due_at.is_(None), c.next_due_at <= now))
        .values(next_due_at=now + timedelta(seconds=lease), lease_holder=holder)
    )
    return done.rowcount == 1


def renew(conn: Connection, names: list[str], holder: str, now: datetime, lease: dict[str, float]) -> None:
    """Keep the leases of the sources this holder is polling."""
    c = source_state.c
    for name in names:
        conn.execute(update(source_state).where(c.name == name, c.lease_holder == holder)
                     .values(next_due_at=now + timedelta(seconds=lease[name])))  # fmt: skip
