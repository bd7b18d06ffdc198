"""Connectors: each turns one kind of source into RawItems. Only this package
talks HTTP, and only through `caixun.collect.http.HttpClient`."""

from __future__ import annotations

from dataclasses import dataclass, field

from caixun.model import RawItem, Rejection


@dataclass(slots=True)
class CollectResult:
    """What one poll of one source brought back.

    `validators` are the ETag / Last-Modified to send next time, per URL; a
    connector leaves a list's validators out when some of its items could not
    be fetched, so that the next poll sees the list again.
    """

    items: list[RawItem] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    validators: dict[str, dict[str, str | None]] = field(default_factory=dict)
    not_modified: bool = False
    listed: int | None = None  # items on the newest page (None: not read, or not modified)
    pages: int = 1  # pages read
    broken: str | None = None  # the items were read, but part of the source is broken (why)
