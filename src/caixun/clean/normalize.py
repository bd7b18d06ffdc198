"""Dates, slugs, tags and titles (pure functions)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")

_DATE = re.compile(
    r"^\s*(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?"
    r"(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?\s*$"
)


class DateError(ValueError):
    pass


def parse_datetime(value: str) -> datetime:
    """Parse the date forms news sources use; a time without zone is Asia/Shanghai.

    '2021-12-08 10:46:18', '2021-12-08 10:46:18 +0800', '2021-12-08T10:46:18+08:00',
    '2021/12/08 10:46', '2021年12月8日'. Raises DateError for anything else.
    """
    m = _DATE.match(value)
    if not m:
        raise DateError(f"unrecognised date {value!r}")
    y, mo, d, h, mi, s, frac, zone = m.groups()
    try:
        naive = datetime(
            int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0), int((frac or "0").ljust(6, "0"))
        )
    except ValueError as exc:
        raise DateError(f"impossible date {value!r}: {exc}") from exc
    return naive.replace(tzinfo=parse_offset(zone) if zone else SHANGHAI)


def parse_offset(zone: str) -> timezone:
    if zone == "Z":
        return UTC
    sign = -1 if zone[0] == "-" else 1
    digits = zone[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:])
    if hours > 14 or minutes > 59:  # UTC-12 to UTC+14 are the zones there are
        raise DateError(f"impossible time zone offset {zone!r}")
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


# What the archive can order: search keys count from 1970 (an article before
# it was stored but never found), and 2100 is beyond any real news date.
EARLIEST = datetime(1970, 1, 2, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)


def check_date(value: datetime) -> datetime:
    """The aware date if the archive can order it, else DateError with the reason."""
    try:
        aware = as_aware(value)
        ok = EARLIEST <= aware.astimezone(UTC) < LATEST
    except (OverflowError, ValueError):
        ok = False
    if not ok:
        raise DateError(f"date {value:%Y-%m-%d %H:%M} is outside what the archive can order (1970-01-02 to 2099)")
    return aware


_SURROGATE = re.compile("[\ud800-\udfff]")
# C0 controls but tab, newline and carriage return, DEL, and the two
# non-characters: XML cannot hold them (feeds, sitemaps), PostgreSQL no NUL.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def repair_chars(value: str) -> tuple[str, list[str]]:
    """The text with lone surrogates replaced by U+FFFD and control characters
    removed, and what was repaired (pure). A title with one bad character is
    still an article: it is repaired and stored, not rejected."""
    problems = []
    if _SURROGATE.search(value):
        value = _SURROGATE.sub("\ufffd", value)
        problems.append("lone surrogate replaced")
    if _CONTROL.search(value):
        value = _CONTROL.sub("", value)
        problems.append("control characters removed")
    return value, problems


def repair_json(value):  # noqa: ANN001, ANN201 (JSON-like: dict, list, str, numbers)
    """repair_chars over every string of a JSON-like value (keys too)."""
    if isinstance(value, str):
        return repair_chars(value)[0]
    if isinstance(value, dict):
        return {repair_json(k): repair_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [repair_json(v) for v in value]
    return value


def as_aware(value: datetime) -> datetime:
    """Naive source times mean Asia/Shanghai."""
    return value.replace(tzinfo=SHANGHAI) if value.tzinfo is None else value


def to_shanghai(value: datetime) -> datetime:
    return as_aware(value).astimezone(SHANGHAI)


def date_from_item_id(item_id: str) -> datetime | None:
    """East Money info codes start with the publication day: 202205262391921712."""
    m = re.match(r"^(?:[A-Z]{2})?(20\d{2})(\d{2})(\d{2})\d{6,}$", item_id)
    if not m:
        return None
    try:
        return datetime(int(m[1]), int(m[2]), int(m[3]), tzinfo=SHANGHAI)
    except ValueError:
        return None


_SLUG_JUNK = re.compile(r"[^a-z0-9]+")


@lru_cache(maxsize=4096)
def slugify(name: str) -> str:
    """Stable ASCII slug: pinyin of the Chinese, letters and digits kept, the rest
    turned into single hyphens. '山西晚报' -> 'shanxiwanbao',
    '安信国际证券(香港)' -> 'anxinguojizhengquan-xianggang'."""
    # Imported here: pypinyin loads its phrase dictionary (a quarter of a
    # second) and only new sources need a slug.
    from pypinyin import lazy_pinyin

    pinyin = "".join(lazy_pinyin(name, errors=lambda chars: list(chars)))
    slug = _SLUG_JUNK.sub("-", pinyin.lower()).strip("-")
    return slug or "source"


def is_valid_slug(slug: str) -> bool:
    return bool(re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", slug))


def default_tag(source_name: str) -> str:
    return f"{source_name}新闻"


def source_from_tag(tag: str) -> str:
    """The old posts tag each article '<source>新闻'; the source is the tag without it."""
    return tag[:-2] if tag.endswith("新闻") and len(tag) > 2 else tag


_SENTENCE_END = re.compile(r"[。！？!?；;\n]")


def title_from_text(text: str, limit: int = 40) -> str:
    """A title for an item that came without one: its first sentence, shortened."""
    text = text.strip()
    if text.startswith("【") and "】" in text[:80]:
        return text[1 : text.index("】")]
    first = _SENTENCE_END.split(text, maxsplit=1)[0].strip()
    return first if len(first) <= limit else first[: limit - 1] + "…"
