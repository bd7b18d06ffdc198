"""Watches, their matches and the delivery outbox in the database.

Matches are written in the storing transaction of the articles they match
(`record_matches`, called by the Store), with the outbox rows of instant
watches: either the article, its matches and its alerts are stored, or
none. One match per watch and story: `UNIQUE (watch_id, cluster_id)`, so a
second outlet's report of a story alerts nobody again.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, insert, select, update

from caixun.model import Article, FactRows
from caixun.store.facts import ENTITY_ROW, FIGURE_ROW
from caixun.store.schema import alert_outbox, watch_matches, watches
from caixun.store.sql import chunks
from caixun.watch.rules import Facts, Matcher, Rule, parse_rule

# An imported post published this long before a watch was made is the
# archive's past (an import of old posts), not news: it does not alert.
# What a source's poll brings is news whatever its date says (a replay of
# old data, a feed whose clock is wrong).
PAST = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class Watch:
    id: int
    name: str
    rule: Rule
    channels: tuple[str, ...]
    digest_seconds: int | None  # None: instant
    created_at: datetime
    last_digest_at: datetime | None


_compiled: dict[tuple[int, str], Rule] = {}  # (id, rule json) -> Rule: parsed once per process


def load_watches(conn: Connection) -> list[Watch]:
    found = []
    for r in conn.execute(select(watches)).mappings():
        key = (r["id"], r["rule"])
        if key not in _compiled:
            _compiled[key] = parse_rule(json.loads(r["rule"]))
        found.append(Watch(r["id"], r["name"], _compiled[key], tuple(json.loads(r["channels"] or "[]")), r["digest_seconds"],
                           r["created_at"], r["last_digest_at"]))  # fmt: skip
    return found


_ENTITY_TYPE, _ENTITY_CODE = ENTITY_ROW.index("type"), ENTITY_ROW.index("code")
_FIGURE_REGION = FIGURE_ROW.index("region")


def facts_of(art: Article) -> Facts:
    """What a rule is matched against, from an article about to be stored."""
    rows = art.facts or FactRows()
    securities = {e[_ENTITY_CODE] for e in rows.entities if e[_ENTITY_TYPE] == "security"}
    securities.update(str(s).upper() for s in art.meta.get("securities", []) if isinstance(s, str))
    regions = {e[_ENTITY_CODE] for e in rows.entities if e[_ENTITY_TYPE] == "region"}
    regions.update(f[_FIGURE_REGION] for f in rows.figures if f[_FIGURE_REGION])
    return Facts(art.title, art.text, art.source, bool(art.meta.get("important")), frozenset(securities), frozenset(regions),
                 rows.figures)  # fmt: skip


def idempotency_key(watch_id: int, match_ids: list[int], channel: str) -> str:
    """The same alert to the same channel has the same key, across retries and restarts."""
    digest = hashlib.sha1(f"{watch_id}|{match_ids}|{channel}".encode()).hexdigest()[:16]
    return f"caixun-{watch_id}-{match_ids[0]}-{digest}"


_matchers: dict[tuple, Matcher] = {}


def matcher_for(found: list[Watch]) -> Matcher:
    key = tuple((w.id, id(w.rule)) for w in found)
    if key not in _matchers:
        _matchers.clear()
        _matchers[key] = Matcher([w.rule for w in found])
    return _matchers[key]


def record_matches(conn: Connection, found: list[Watch], new: list[tuple[int, int, datetime | None, Facts]], now: datetime) -> int:
    """Match newly stored articles (id, story, published, facts) against the
    watches, in the caller's transaction; returns the matches recorded.
    `published` is given for imported posts only (None: polled news). A
    story a watch has matched already is left out; the rest is written with
    one statement (per-match statements cost an import half its speed)."""
    matcher = matcher_for(found)
    oldest = min(w.created_at for w in found) - PAST
    pending: dict[tuple[int, int], dict] = {}
    for article_id, cluster_id, published, facts in new:
        if published is not None and published < oldest:
            continue
        for i, why in matcher.match(facts):
            w = found[i]
            if (published is None or published >= w.created_at - PAST) and (w.id, cluster_id) not in pending:
                pending[(w.id, cluster_id)] = {"watch_id": w.id, "article_id": article_id, "cluster_id": cluster_id,
                                               "matched": json.dumps(why, ensure_ascii=False), "created_at": now,
                                               "digested": w.digest_seconds is None}  # fmt: skip
    if not pending:
        return 0
    wids = sorted({w for w, _ in pending})
    cids = sorted({c for _, c in pending})
    known = set()
    for part in chunks(cids):
        known.update((w, c) for w, c in conn.execute(select(watch_matches.c.watch_id, watch_matches.c.cluster_id)
                                                     .where(watch_matches.c.watch_id.in_(wids), watch_matches.c.cluster_id.in_(part))))  # fmt: skip
    rows = [v for k, v in pending.items() if k not in known]
    if not rows:
        return 0
    _insert_matches(conn, rows)
    # The outbox rows of instant watches with channels, in the same transaction.
    by_id = {w.id: w for w in found}
    pushing = {r["watch_id"] for r in rows if by_id[r["watch_id"]].channels and by_id[r["watch_id"]].digest_seconds is None}
    if pushing:
        new_pairs = {(r["watch_id"], r["cluster_id"]) for r in rows if r["watch_id"] in pushing}
        ids = {}
        for part in chunks(sorted({c for _, c in new_pairs})):
            for mid, wid, cid in conn.execute(select(watch_matches.c.id, watch_matches.c.watch_id, watch_matches.c.cluster_id)
                                              .where(watch_matches.c.watch_id.in_(pushing), watch_matches.c.cluster_id.in_(part))):  # fmt: skip
                if (wid, cid) in new_pairs:
                    ids[(wid, cid)] = mid
        outbox = [{"watch_id": wid, "channel": ch, "match_ids": json.dumps([mid]), "idempotency_key": idempotency_key(wid, [mid], ch),
                   "status": "pending", "attempts": 0, "next_attempt_at": now, "created_at": now}
                  for (wid, _), mid in sorted(ids.items(), key=lambda kv: kv[1]) for ch in by_id[wid].channels]  # fmt: skip
        conn.execute(insert(alert_outbox), outbox)
    return len(rows)


def _insert_matches(conn: Connection, rows: list[dict]) -> None:
    """ON CONFLICT DO NOTHING: a second writer on PostgreSQL that stored the
    same story for the same watch a moment earlier wins, and this one goes on."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    conn.execute(dialect_insert(watch_matches).on_conflict_do_nothing(), rows)


def queue_digests(conn: Connection, now: datetime) -> int:
    """For each digest watch whose period has passed since its last digest,
    one outbox row per channel listing its matches not yet digested."""
    queued = 0
    for w in load_watches(conn):
        if w.digest_seconds is None:
            continue
        if w.last_digest_at is not None and now - w.last_digest_at < timedelta(seconds=w.digest_seconds):
            continue
        # The digest is this process's only if the watch's last digest is still
        # the one it read: two pollers queueing at once queue it once.
        last = watches.c.last_digest_at.is_(None) if w.last_digest_at is None else watches.c.last_digest_at == w.last_digest_at
        if conn.execute(update(watches).where(watches.c.id == w.id, last).values(last_digest_at=now)).rowcount != 1:
            continue
        ids = list(conn.execute(select(watch_matches.c.id).where(watch_matches.c.watch_id == w.id, watch_matches.c.digested.is_(False))
                                .order_by(watch_matches.c.id)).scalars())  # fmt: skip
        if not ids:
            continue
        conn.execute(update(watch_matches).where(watch_matches.c.id.in_(ids)).values(digested=True))
        for channel in w.channels:
            conn.execute(insert(alert_outbox).values(
                watch_id=w.id, channel=channel, match_ids=json.dumps(ids), idempotency_key=idempotency_key(w.id, ids, channel),
                status="pending", attempts=0, next_attempt_at=now, created_at=now))  # fmt: skip
            queued += 1
    return queued


def save_watch(store, spec, origin: str, *, replace: bool = False, now: datetime | None = None) -> bool:
    """Make the watch (or, with `replace`, change the one of that name,
    keeping the moment it was made). True when something changed."""
    from datetime import UTC

    now = now or datetime.now(UTC)
    values = {"rule": json.dumps(spec.rule, ensure_ascii=False, sort_keys=True), "channels": json.dumps(list(spec.channels)),
              "digest_seconds": spec.digest_seconds, "origin": origin, "updated_at": now}  # fmt: skip
    with store.write_engine.begin() as conn:
        row = conn.execute(select(watches).where(watches.c.name == spec.name)).mappings().first()
        if row is None:
            conn.execute(insert(watches).values(name=spec.name, created_at=now, **values))
            return True
        if not replace:
            raise ValueError(f"a watch named {spec.name!r} exists (caixun watch edit changes it)")
        if all(row[k] == v for k, v in values.items() if k != "updated_at"):
            return False
        conn.execute(update(watches).where(watches.c.id == row["id"]).values(**values))
        return True


def sync_config_watches(store, specs) -> None:
    """The config's [[watches]] made (now, before this command polls) or
    brought up to date; a watch made on the command line keeps its rule."""
    for spec in specs:
        with store.engine.connect() as conn:
            origin = conn.execute(select(watches.c.origin).where(watches.c.name == spec.name)).scalar()
        if origin in (None, "config"):
            save_watch(store, spec, "config", replace=True)


def delete_watch(store, name: str) -> bool:
    from sqlalchemy import delete

    from caixun.store.schema import delivery_attempts

    with store.write_engine.begin() as conn:
        wid = conn.execute(select(watches.c.id).where(watches.c.name == name)).scalar()
        if wid is None:
            return False
        outbox_ids = select(alert_outbox.c.id).where(alert_outbox.c.watch_id == wid)
        conn.execute(delete(delivery_attempts).where(delivery_attempts.c.outbox_id.in_(outbox_ids)))
        conn.execute(delete(alert_outbox).where(alert_outbox.c.watch_id == wid))
        conn.execute(delete(watch_matches).where(watch_matches.c.watch_id == wid))
        conn.execute(delete(watches).where(watches.c.id == wid))
        return True


def watch_rows(store, name: str | None = None, watch_id: int | None = None) -> list[dict[str, Any]]:
    """Watches with their counts and delivery health, as `watch list --json`
    and the API show them (channels masked: their URLs hold tokens)."""
    from sqlalchemy import func

    from caixun.watch.rules import masked

    with store.engine.connect() as conn:
        q = select(watches).order_by(watches.c.name)
        if name is not None:
            q = q.where(watches.c.name == name)
        if watch_id is not None:
            q = q.where(watches.c.id == watch_id)
        rows = []
        for w in conn.execute(q).mappings():
            n = conn.execute(select(func.count()).select_from(watch_matches).where(watch_matches.c.watch_id == w["id"])).scalar()
            channels = []
            for ch in json.loads(w["channels"]):
                last = conn.execute(select(alert_outbox.c.status, alert_outbox.c.attempts, alert_outbox.c.last_error)
                                    .where(alert_outbox.c.watch_id == w["id"], alert_outbox.c.channel == ch)
                                    .order_by(alert_outbox.c.id.desc()).limit(1)).first()  # fmt: skip
                failing = last is not None and last.status != "sent" and last.attempts >= 3
                channels.append({"channel": masked(ch), "health": "failing" if failing else "ok",
                                 "reason": last.last_error if failing else None})  # fmt: skip
            rows.append({"id": w["id"], "name": w["name"], "rule": json.loads(w["rule"]), "channels": channels,
                         "mode": "instant" if w["digest_seconds"] is None else f"digest {w['digest_seconds'] // 60}m",
                         "origin": w["origin"], "created_at": w["created_at"], "matches": n})  # fmt: skip
    return rows


def recent_matches(store, watch_id: int, limit: int = 50) -> list[dict[str, Any]]:
    from caixun.store.schema import articles

    with store.engine.connect() as conn:
        q = (select(watch_matches.c.id, watch_matches.c.matched, watch_matches.c.created_at, articles.c.id.label("article_id"),
                    articles.c.title, articles.c.source, articles.c.published_at)
             .join(articles, articles.c.id == watch_matches.c.article_id)
             .where(watch_matches.c.watch_id == watch_id).order_by(watch_matches.c.id.desc()).limit(limit))  # fmt: skip
        return [dict(r._mapping, matched=json.loads(r.matched)) for r in conn.execute(q)]


# -- the outbox, for caixun.watch.deliver ------------------------------------------


def queue_due_digests(store, now: datetime) -> None:
    with store.engine.connect() as conn:
        digests = conn.execute(select(watches.c.id).where(watches.c.digest_seconds.is_not(None)).limit(1)).first()
    if digests:  # the write lock only when there may be a digest to queue
        with store.write_engine.begin() as conn:
            queue_digests(conn, now)


def due_alerts(store, now: datetime, limit: int) -> list[dict[str, Any]]:
    """Pending alerts whose time has come, each with its watch's name and the
    matches it tells of (title, source, article id, what matched). Several
    pollers may take the same alert at once: the Idempotency-Key keeps a
    receiver that honours it from acting twice (claiming each alert first
    made a killed sender's alerts wait for the claim to run out, and
    `fetch` after a crash left them unsent)."""
    from caixun.store.schema import articles

    o = alert_outbox.c
    with store.engine.connect() as conn:
        due = [dict(r) for r in conn.execute(
            select(alert_outbox, watches.c.name).join(watches, watches.c.id == o.watch_id)
            .where(o.status == "pending", o.next_attempt_at <= now)
            .order_by(o.id).limit(limit)).mappings()]  # fmt: skip
    with store.engine.connect() as conn:
        for r in due:
            r["matches"] = [dict(m._mapping, matched=json.loads(m.matched)) for m in conn.execute(
                select(watch_matches.c.matched, articles.c.id, articles.c.title, articles.c.source)
                .join(articles, articles.c.id == watch_matches.c.article_id)
                .where(watch_matches.c.id.in_(json.loads(r["match_ids"]))).order_by(watch_matches.c.id))]  # fmt: skip
    return due


def record_attempt(store, outbox_id: int, at: datetime, values: dict[str, Any], error: str | None) -> None:
    from caixun.store.schema import delivery_attempts

    with store.write_engine.begin() as conn:
        conn.execute(update(alert_outbox).where(alert_outbox.c.id == outbox_id).values(**values))
        conn.execute(insert(delivery_attempts).values(outbox_id=outbox_id, at=at, ok=error is None, error=error))


def watch_channels(store, name: str) -> list[str] | None:
    """A watch's channels as stored (unmasked: for editing it)."""
    with store.engine.connect() as conn:
        raw = conn.execute(select(watches.c.channels).where(watches.c.name == name)).scalar()
    return None if raw is None else json.loads(raw)
