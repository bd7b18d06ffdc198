"""A value that changes whenever anything is committed to the database, by
any connection of any process: what the web server's page cache checks
before it answers from memory (a poller in another process adds articles).

SQLite: `PRAGMA data_version` on a connection of our own changes exactly when
another connection has committed since the last time it was asked (a few
microseconds). PostgreSQL: the current snapshot (`xmin:xmax:xip`), which
moves when a writing transaction starts or ends; read-only transactions
leave it alone. An in-memory SQLite database has no other connections to
watch from: None (no caching).
"""

from __future__ import annotations

import sqlite3
import threading

from sqlalchemy import Engine, text


class ChangeWatch:
    def __init__(self, engine: Engine, backend: str, sqlite_file: str | None):
        self._engine, self._backend, self._file = engine, backend, sqlite_file
        self._lock = threading.Lock()
        self._watch: sqlite3.Connection | None = None

    def generation(self) -> object | None:
        if self._backend == "postgresql":
            with self._engine.connect() as conn:
                return conn.execute(text("SELECT pg_current_snapshot()::text")).scalar()
        if self._backend != "sqlite" or not self._file:
            return None
        with self._lock:
            if self._watch is None:
                self._watch = sqlite3.connect(self._file, check_same_thread=False)
            return self._watch.execute("PRAGMA data_version").fetchone()[0]

    def close(self) -> None:
        with self._lock:
            if self._watch is not None:
                self._watch.close()
                self._watch = None
