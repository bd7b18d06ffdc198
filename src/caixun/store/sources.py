"""Sources: their names and slugs, their polls' health, the pollers' leases
(the Store's part; see caixun.store)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    insert,
    select,
    update,
)

from caixun.clean.normalize import is_valid_slug, slugify
from caixun.store.schema import (
    source_events,
    source_state,
    sources,
)

if TYPE_CHECKING:
    pass

# A source whose newest page is empty this many polls in a row is broken.
EMPTY_BROKEN = 3


class Sources:
    """The Store's sources (a mixin: `self` is the Store)."""

    # -- sources and their slugs ------------------------------------------------

    def source_slugs(self, refresh: bool = False) -> dict[str, str]:
        """Slug of every source, cached; `refresh` reads them again (another
        process may have added some)."""
        if self._slugs is None or refresh:
            with self.engine.connect() as conn:
                self._slugs = dict(conn.execute(select(sources.c.name, sources.c.slug)).all())
        return self._slugs

    def ensure_sources(self, wanted: dict[str, str | None]) -> dict[str, str]:
        """Slug of every source name, registering new ones.

        The hint (a slug the source already uses) wins when it is a valid slug;
        otherwise the pinyin of the name. Slugs are unique: a second source whose
        slug is taken gets a suffix derived from its name, so it is stable."""
        slugs = self.source_slugs()
        new = {name: hint for name, hint in wanted.items() if name not in slugs}
        if new:
            with self._writing() as conn:
                # Read again under the write lock: another process may have
                # registered some of them since (two `fetch` at once failed
                # on sources.name).
                present = dict(conn.execute(select(sources.c.name, sources.c.slug)).all())
                taken = set(present.values())
                slugs.update({n: s for n, s in present.items() if n in new})
                now = datetime.now(UTC)
                for name, hint in new.items():
                    if name in present:
                        continue
                    slug = _slug_for(name, hint)
                    if slug in taken:
                        slug = f"{slug}-{hashlib.sha1(name.encode()).hexdigest()[:6]}"
                    taken.add(slug)
                    conn.execute(insert(sources).values(name=name, slug=slug, created_at=now))
                    slugs[name] = slug
        return {name: slugs[name] for name in wanted}

    # -- polling state --------------------------------------------------------------

    def source_states(self) -> dict[str, dict[str, Any]]:
        with self.engine.connect() as conn:
            return {r["name"]: dict(r) for r in conn.execute(select(source_state)).mappings()}

    def source_events(self, limit: int = 50) -> list[dict[str, Any]]:
        """The latest changes of sources' health, newest first."""
        with self.engine.connect() as conn:
            q = (
                select(source_events)
                .order_by(source_events.c.at.desc(), source_events.c.id.desc())
                .limit(limit)
            )
            return [dict(r) for r in conn.execute(q).mappings()]

    def validators(self, name: str) -> dict[str, dict[str, str | None]]:
        with self.engine.connect() as conn:
            q = select(source_state.c.validators).where(source_state.c.name == name)
            return conn.execute(q).scalar() or {}

    # Leases are written on a connection of their own, not behind this
    # process's write lock: a poll storing a large first page holds that lock
    # for seconds, and a lease not renewed meanwhile ran out and let another
    # poller poll the same source at once (tests/test_pollers.py).

    def claim_source(self, name: str, holder: str, now: datetime, lease: float) -> bool:
        """Take a due source's lease for `lease` seconds (caixun.store.leases)."""
        from caixun.store.leases import claim

        with self.write_engine.begin() as conn:
            return claim(conn, name, holder, now, lease)

    def renew_leases(self, leases: dict[str, float], holder: str, now: datetime) -> None:
        """Keep this holder's leases (source name -> seconds) while it polls."""
        from caixun.store.leases import renew

        if leases:
            with self.write_engine.begin() as conn:
                renew(conn, list(leases), holder, now, leases)

    def record_poll(
        self,
        name: str,
        *,
        now: datetime,
        interval: float,
        error: str | None,
        broken: str | None = None,
        listed: int | None = None,
        not_modified: bool = False,
        added: int = 0,
        validators: dict[str, dict[str, str | None]] | None = None,
    ) -> dict[str, Any]:
        """Remember one poll. A failing source waits interval × 2^(failures-1),
        at most an hour (or its interval, if longer), before the next try.
        `broken` says why the source answers in a shape its connector does not
        read; `listed` is the number of items its newest page held: after
        EMPTY_BROKEN empty answers in a row, the source is broken too (a list
        of news that stays empty has changed, or blocks us quietly)."""
        with self._writing() as conn:
            row = (
                conn.execute(select(source_state).where(source_state.c.name == name))
                .mappings()
                .first()
            )
            state = (
                dict(row)
                if row
                else {
                    "name": name,
                    "failures": 0,
                    "items_added": 0,
                    "validators": {},
                    "empty_polls": 0,
                }
            )
            state["last_attempt_at"] = now
            if not_modified and state.get("last_listed") == 0:
                listed = 0  # still the empty list it was
            if listed is not None:
                state["last_listed"] = listed
                state["empty_polls"] = 0 if listed else (state.get("empty_polls") or 0) + 1
            if broken is None and listed == 0 and state["empty_polls"] >= EMPTY_BROKEN:
                broken = f"empty list {state['empty_polls']} polls in a row where news is expected"
            if broken is None and error is None and not_modified:
                broken = state.get("broken")  # the same answer as when it was judged
            state["broken"] = broken
            if error is None and broken is None:
                state.update(failures=0, last_error=None, last_success_at=now)
                wait = interval
            elif error is None:  # read, but partly broken (full text): stored what it could
                state.update(failures=0, last_error=broken, last_success_at=now)
                wait = interval
            else:
                state["failures"] += 1
                state["last_error"] = error
                wait = min(interval * 2 ** (state["failures"] - 1), max(3600.0, interval))
            state["next_due_at"] = now + timedelta(seconds=wait)
            state["lease_holder"] = None  # the poll is over: the lease ends
            state["items_added"] += added
            was, now_health = health(dict(row)) if row else "never polled", health(state)
            if was != now_health:
                reason = state["broken"] or (
                    state["last_error"] if now_health == "failing" else None
                )
                conn.execute(
                    insert(source_events).values(
                        name=name, at=now, health=now_health, reason=reason
                    )
                )
            if validators:
                state["validators"] = {**state["validators"], **validators}
            if row:
                conn.execute(update(source_state).where(source_state.c.name == name).values(state))
            else:
                conn.execute(insert(source_state).values(state))
        return state


def health(state: dict[str, Any] | None) -> str:
    """ok, failing (network or server errors, retried with backoff), broken
    (answers in a shape the connector does not read), or never polled."""
    if not state or state.get("last_attempt_at") is None:
        return "never polled"
    if state.get("broken"):
        return "broken"
    return "ok" if state.get("failures", 0) == 0 else "failing"


def _slug_for(name: str, hint: str | None) -> str:
    if hint and is_valid_slug(hint):
        return hint
    if hint:
        fixed = slugify(hint)
        if fixed != "source":
            return fixed
    return slugify(name)
