"""Versioned migrations, recorded in `schema_migrations`.

Each migration is (version, name, function taking a Connection). A fresh
database gets the current schema from `schema.py` at once and every version
recorded; an existing one runs, in order and each in its own transaction, the
migrations newer than its version. A database newer than this code is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, inspect, select

from caixun.store import schema


class SchemaError(RuntimeError):
    pass


def _initial(conn: Connection) -> None:
    schema.metadata.create_all(conn)


MIGRATIONS: list[tuple[int, str, Callable[[Connection], None]]] = [
    (1, "initial schema: articles, history, bands, sources, source state", _initial),
]
LATEST = MIGRATIONS[-1][0]


def current_version(conn: Connection) -> int | None:
    if not inspect(conn).has_table("schema_migrations"):
        return None
    return conn.execute(select(schema.schema_migrations.c.version).order_by(schema.schema_migrations.c.version.desc()).limit(1)).scalar()


def migrate(engine: Engine) -> list[int]:
    """Bring the database to LATEST; returns the versions applied."""
    now = datetime.now(UTC)
    with engine.begin() as conn:
        version = current_version(conn)
        if version is None:
            schema.metadata.create_all(conn)
            conn.execute(
                schema.schema_migrations.insert(),
                [{"version": v, "name": n, "applied_at": now} for v, n, _ in MIGRATIONS],
            )
            return [v for v, _, _ in MIGRATIONS]
    if version > LATEST:
        raise SchemaError(f"database schema version {version} is newer than this caixun ({LATEST}); upgrade caixun")
    applied = []
    for v, name, step in MIGRATIONS:
        if v <= version:
            continue
        with engine.begin() as conn:
            step(conn)
            conn.execute(schema.schema_migrations.insert().values(version=v, name=name, applied_at=now))
        applied.append(v)
    return applied
