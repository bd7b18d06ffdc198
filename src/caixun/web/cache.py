"""Answers kept in memory while the database is unchanged.

At 100,000 articles the home page takes about 25 ms to make (40 sources'
newest stories); at 16 requests at once that was a p99 of 1.5 s, and a 304
still made the page to digest it. Every page, feed and API answer is a pure
function of the database and the URL (and of the time, for health), so an
answer is kept, keyed by URL and encoding, until the database's generation
moves (anything committed by anyone: caixun.store.changes) or `max_age`
seconds pass. Bounded by entries and bytes, least recently used first out.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Answer:
    body: bytes
    headers: list[tuple[bytes, bytes]]
    etag: str
    generation: object
    made: float


class AnswerCache:
    def __init__(self, *, max_entries: int = 512, max_bytes: int = 64 << 20, max_age: float = 10.0):
        self._items: OrderedDict[tuple, Answer] = OrderedDict()
        self._lock = threading.Lock()
        self._bytes = 0
        self.max_entries, self.max_bytes, self.max_age = max_entries, max_bytes, max_age
        self.hits = self.misses = 0

    def get(self, key: tuple, generation: object) -> Answer | None:
        with self._lock:
            answer = self._items.get(key)
            if answer is None or answer.generation != generation or time.monotonic() - answer.made > self.max_age:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return answer

    def put(self, key: tuple, answer: Answer) -> None:
        size = len(answer.body)
        if size > self.max_bytes // 16:
            return  # a very large answer would push out many small ones
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= len(old.body)
            self._items[key] = answer
            self._bytes += size
            while len(self._items) > self.max_entries or self._bytes > self.max_bytes:
                _, dropped = self._items.popitem(last=False)
                self._bytes -= len(dropped.body)
