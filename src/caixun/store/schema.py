"""The current database schema (SQLAlchemy Core tables, both backends).

A fresh database is created from these tables and stamped with the newest
migration; an older database is brought here by the migrations in
`migrations.py` (Alembic's "create_all, then stamp head" recipe, without
Alembic's machinery). `tests/test_store_contract.py` checks that the two paths
give the same columns.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator

metadata = MetaData()

# SQLite only auto-increments an INTEGER PRIMARY KEY (its rowid).
Id = BigInteger().with_variant(Integer, "sqlite")


class UTCDateTime(TypeDecorator):
    """Aware datetimes in, aware (UTC) datetimes out, on every backend.

    SQLite has no time zones and SQLAlchemy drops them there; storing UTC
    without a zone and re-attaching it on read gives the same behaviour on
    SQLite and PostgreSQL."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=UTC)


schema_migrations = Table(
    "schema_migrations",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("name", String(200), nullable=False),
    Column("applied_at", UTCDateTime, nullable=False),
)

sources = Table(
    "sources",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("slug", String(200), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
)

articles = Table(
    "articles",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("key", String(300), nullable=False),
    Column("source", String(200), nullable=False),
    Column("source_item_id", String(200), nullable=False),
    Column("url", Text, nullable=False, default=""),
    Column("title", Text, nullable=False),
    Column("published_at", UTCDateTime, nullable=False),
    Column("category", String(200), nullable=False),
    Column("tags", JSON, nullable=False),
    Column("html", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("raw_body", Text, nullable=False),
    Column("digest", Text, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("cluster_id", BigInteger),
    Column("minhash", LargeBinary),
    Column("meta", JSON, nullable=False),
    Column("version", Integer, nullable=False, default=1),
    Column("fetched_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # Publication order for search and pages: see store/search.py.
    Column("search_key", BigInteger),
    # EXTRACTOR_VERSION (caixun.enrich.facts) of the stored figures and
    # entities; NULL when they were never extracted (older archives).
    Column("facts_version", Integer),
    UniqueConstraint("key", name="uq_articles_key"),
    Index("ix_articles_search_key", "search_key", unique=True),
    Index("ix_articles_source_search_key", "source", "search_key"),
    Index("ix_articles_url", "url"),
    Index("ix_articles_content_hash", "content_hash"),
    Index("ix_articles_cluster", "cluster_id"),
)

article_history = Table(
    "article_history",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("article_id", BigInteger, ForeignKey("articles.id", ondelete="CASCADE"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("title", Text, nullable=False),
    Column("html", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("raw_body", Text, nullable=False),
    Column("digest", Text, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("published_at", UTCDateTime, nullable=False),
    Column("replaced_at", UTCDateTime, nullable=False),
    Index("ix_history_article", "article_id", "version"),
)

minhash_bands = Table(
    "minhash_bands",
    metadata,
    Column("band_key", BigInteger, primary_key=True, autoincrement=False),
    Column("article_id", BigInteger, primary_key=True, autoincrement=False),
    # On SQLite the rows live in the primary-key b-tree itself: one b-tree
    # written per band row instead of a table and an index (32 rows per article).
    sqlite_with_rowid=False,
)

source_state = Table(
    "source_state",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("last_attempt_at", UTCDateTime),
    Column("last_success_at", UTCDateTime),
    Column("next_due_at", UTCDateTime),
    Column("failures", Integer, nullable=False, default=0),
    Column("last_error", Text),
    Column("items_added", BigInteger, nullable=False, default=0),
    Column("validators", JSON, nullable=False),
    # Why the source is broken (it answers, but not as its connector
    # expects), or NULL; newest-page answers with an empty list in a row;
    # items on the newest page of the last answer (schema 8).
    Column("broken", Text),
    Column("empty_polls", Integer, nullable=False, default=0),
    Column("last_listed", Integer),
    # The poller polling the source now (schema 11): while it polls, it keeps
    # next_due_at one interval ahead, which is its lease (caixun.store.leases).
    Column("lease_holder", String(100)),
)

# Every change of a source's health (ok, failing, broken), for the Atom feed
# of health changes and for looking back at an outage (schema 8).
source_events = Table(
    "source_events",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("health", String(20), nullable=False),
    Column("reason", Text),
    Index("ix_source_events_at", "at"),
)

# Watches (caixun.watch, schema 9): named rules, the stories they matched
# (one per watch and story), and the alerts to send, each attempt recorded.
watches = Table(
    "watches",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("rule", Text, nullable=False),  # JSON: {words, securities, regions, sources, important, figure}
    Column("channels", Text, nullable=False),  # JSON list of Apprise URLs
    Column("digest_seconds", Integer),  # NULL: instant
    Column("origin", String(10), nullable=False),  # "cli" or "config"
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("last_digest_at", UTCDateTime),
)

watch_matches = Table(
    "watch_matches",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("watch_id", Id, ForeignKey("watches.id", ondelete="CASCADE"), nullable=False),
    Column("article_id", Id, nullable=False),
    Column("cluster_id", Id, nullable=False),
    Column("matched", Text, nullable=False),  # JSON list: what matched, for the message
    Column("created_at", UTCDateTime, nullable=False),
    Column("digested", Boolean, nullable=False),
    UniqueConstraint("watch_id", "cluster_id", name="uq_watch_matches_story"),
)

alert_outbox = Table(
    "alert_outbox",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("watch_id", Id, ForeignKey("watches.id", ondelete="CASCADE"), nullable=False),
    Column("channel", Text, nullable=False),
    Column("match_ids", Text, nullable=False),  # JSON list
    Column("idempotency_key", String(100), nullable=False, unique=True),
    Column("status", String(10), nullable=False),  # pending, sent, failed
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("last_error", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Column("sent_at", UTCDateTime),
    Index("ix_alert_outbox_due", "status", "next_attempt_at"),
)

delivery_attempts = Table(
    "delivery_attempts",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("outbox_id", Id, ForeignKey("alert_outbox.id", ondelete="CASCADE"), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("ok", Boolean, nullable=False),
    Column("error", Text),
)

# Figures and entities of each article's text (caixun.enrich.facts), replaced
# as a whole whenever the article's text changes or the archive is re-extracted.
# Offsets point into articles.text.
figures = Table(
    "figures",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("article_id", BigInteger, ForeignKey("articles.id", ondelete="CASCADE"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("pos_start", Integer, nullable=False),
    Column("pos_end", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("value", Text, nullable=False),  # exact decimal string
    Column("value_max", Text),
    Column("value_num", Float),  # the same value as a float, for sorting and charts
    Column("unit", String(32)),
    Column("approx", String(8)),
    Column("direction", String(8)),
    Column("indicator", String(100)),
    Column("subject", String(100)),
    Column("period", String(20)),
    Column("scope", String(100)),
    Column("region", String(6)),
    Column("security", String(12)),
    Column("measure", String(12)),  # caixun.enrich.measures; null from an extractor before version 61
    Index("ix_figures_article", "article_id", "seq"),
    Index("ix_figures_indicator", "indicator", "period"),
    Index("ix_figures_region", "region"),
    Index("ix_figures_security", "security"),
)

entities = Table(
    "entities",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("article_id", BigInteger, ForeignKey("articles.id", ondelete="CASCADE"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("type", String(16), nullable=False),  # region | security
    Column("code", String(12), nullable=False),
    Column("name", String(100)),
    Column("text", Text, nullable=False),
    Column("pos_start", Integer, nullable=False),
    Column("pos_end", Integer, nullable=False),
    Index("ix_entities_code", "type", "code", "article_id"),
    Index("ix_entities_article", "article_id"),
)
