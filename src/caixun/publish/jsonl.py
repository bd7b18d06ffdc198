"""`export jsonl`: one JSON object per article, one per line."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import IO, Any

from caixun.model import Article


def article_record(a: Article) -> dict[str, Any]:
    return {
        "id": a.id,
        "key": a.key,
        "source": a.source,
        "source_item_id": a.source_item_id,
        "url": a.url,
        "title": a.title,
        "published_at": a.published_at.isoformat(),
        "category": a.category,
        "tags": list(a.tags),
        "digest": a.digest,
        "html": a.html,
        "text": a.text,
        "content_hash": a.content_hash,
        "cluster_id": a.cluster_id,
        "version": a.version,
        "first_seen_at": a.fetched_at.isoformat(),
        "fetched_at": a.fetched_at.isoformat(),  # the same: the name of exports before 0.3
    }


def export_jsonl(articles: Iterable[Article], out: IO[str], on_progress: Callable[[int], None] | None = None) -> int:
    n = 0
    for a in articles:
        out.write(json.dumps(article_record(a), ensure_ascii=False))
        out.write("\n")
        n += 1
        if on_progress:
            on_progress(1)
    return n
