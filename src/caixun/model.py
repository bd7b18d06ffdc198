"""The data passed between stages.

Every stage takes and returns these small frozen dataclasses; no parser object,
raw JSON or HTML tree gets past the connector that read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

BodyFormat = Literal["html", "text"]


@dataclass(frozen=True, slots=True)
class Source:
    """A configured place to poll (one `[[sources]]` table of the config)."""

    name: str
    kind: str  # see caixun.config.KINDS
    url: str = ""
    interval: float = 300.0  # seconds between polls
    api: str | None = None  # eastmoney: rolling | media | market
    text_url: str | None = None  # eastmoney: full-text endpoint with {code}
    market_type: str | None = None  # eastmoney market news: 37, 38, 39...
    count: int = 100  # items asked of a list endpoint
    slug: str | None = None  # category slug for items of this source
    tag: str | None = None  # tag for items of this source (default <name>新闻)
    key_prefix: str = ""  # namespace of item keys; see RawItem.key
    enabled: bool = True
    # Paged providers (caixun.collect.paged): how far back one poll may read.
    max_pages: int = 50
    backfill_hours: float = 24.0


@dataclass(frozen=True, slots=True)
class RawItem:
    """One item as a connector read it, before cleaning.

    `key` identifies the item across every connector: two connectors that can
    see the same upstream item (East Money's rolling and market lists, or a
    Jekyll post written from East Money's API) give it the same key.
    """

    key: str
    source: str  # name of the outlet the article is from
    item_id: str  # the source's own id for it
    title: str
    body: str  # as received: HTML or plain text
    body_format: BodyFormat = "html"
    url: str = ""
    published: datetime | None = None  # aware, or naive meaning Asia/Shanghai
    digest: str = ""
    category: str | None = None  # slug the source already uses, if any
    tags: tuple[str, ...] = ()
    origin: str = ""  # file path or URL it was read from, for messages
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Article:
    """A cleaned article, ready to store (id and cluster_id set by the store)."""

    key: str
    source: str
    source_item_id: str
    url: str  # canonical URL, "" when the source gave none
    title: str
    published_at: datetime  # timezone-aware
    category: str
    tags: tuple[str, ...]
    html: str  # sanitized
    text: str  # plain text, paragraphs separated by blank lines
    digest: str
    content_hash: str
    fetched_at: datetime
    raw_body: str = ""  # the body exactly as received (nothing is lost)
    meta: dict[str, Any] = field(default_factory=dict)
    minhash: bytes = b""  # signature for near-duplicate search
    id: int | None = None
    cluster_id: int | None = None
    version: int = 1
    search_key: int | None = None  # publication order, set by the store
    # Search tokens of title and text (caixun.searchtext.index_text), made by
    # `prepare` so that a worker process does it; the store makes them if empty.
    search_tokens: tuple[str, str] = ("", "")
    # Figures and entities of `text` (caixun.enrich.facts.extract) as rows of
    # the store's tables (caixun.store.facts.fact_rows), made by `prepare`;
    # None means not extracted (the store then stores none).
    facts: FactRows | None = field(default=None, compare=False)
    facts_version: int | None = None  # as stored


@dataclass(frozen=True, slots=True)
class FactRows:
    """An article's figures and entities as rows of the store's `figures` and
    `entities` tables without the article id (their layout is
    caixun.store.facts.FIGURE_ROW and ENTITY_ROW). Tuples, not the dicts that
    extraction gives: a worker process prepares articles and the storing
    process unpickles them, and dicts cost it twice as much (measured: 14 µs
    against 5 µs per article for the facts, on top of 34 µs for the rest)."""

    figures: tuple[tuple, ...] = ()
    entities: tuple[tuple, ...] = ()


@dataclass(frozen=True, slots=True)
class Rejection:
    """Why one input (a file, a list item, a response) was not stored."""

    what: str  # a path, URL or item key
    reason: str

    def __str__(self) -> str:
        return f"{self.what}: {self.reason}"


@dataclass(slots=True)
class IngestResult:
    """Counts of one batch (mutable: the pipeline adds to it as it goes)."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    seen_elsewhere: int = 0  # same key already stored from another list
    rejected: list[Rejection] = field(default_factory=list)
    matched: int = 0  # stories newly matched by a watch (caixun.watch)

    def merge(self, other: IngestResult) -> None:
        self.added += other.added
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.seen_elsewhere += other.seen_elsewhere
        self.rejected.extend(other.rejected)
        self.matched += other.matched

    def as_dict(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "seen_elsewhere": self.seen_elsewhere,
            "rejected": [str(r) for r in self.rejected],
        }
