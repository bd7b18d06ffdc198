"""Small helpers for SQL sent straight through the driver (both backends)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

from sqlalchemy import Connection, DateTime

# SQLite caps the number of parameters of one statement.
CHUNK = 500


def placeholder(conn: Connection) -> str:
    """The driver's parameter marker: ? for sqlite3, %s for psycopg."""
    return "?" if conn.dialect.paramstyle == "qmark" else "%s"


def marks(conn: Connection, n: int) -> str:
    return ", ".join([placeholder(conn)] * n)


def shared_file(database: str | None) -> bool:
    """Whether a SQLite database name is a file that other connections and
    processes can open (not an in-memory database, which is one
    connection's own, nor a `file:` URI, which may be one)."""
    return bool(database) and database != ":memory:" and not database.startswith("file:")


def chunks(values: list, size: int = CHUNK) -> Iterator[list]:
    for i in range(0, len(values), size):
        yield values[i : i + size]


def db_time(conn: Connection, moment: datetime) -> object:
    """An aware time as a parameter of SQL written by hand, in the form the
    store's UTCDateTime columns hold it (on SQLite a string that compares
    in time order with the stored ones, on PostgreSQL a UTC timestamp)."""
    naive = moment.astimezone(UTC).replace(tzinfo=None)
    convert = DateTime().bind_processor(conn.dialect)
    return convert(naive) if convert else naive
