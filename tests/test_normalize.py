from __future__ import annotations

from datetime import UTC, datetime

import pytest

from caixun.clean.normalize import (
    DateError,
    date_from_item_id,
    is_valid_slug,
    parse_datetime,
    slugify,
    source_from_tag,
    title_from_text,
)


@pytest.mark.parametrize(
    "value, utc",
    [
        ("2021-12-08 10:46:18", datetime(2021, 12, 8, 2, 46, 18, tzinfo=UTC)),
        ("2021-12-08 10:46:18 +0800", datetime(2021, 12, 8, 2, 46, 18, tzinfo=UTC)),
        ("2021-12-08T10:46:18+08:00", datetime(2021, 12, 8, 2, 46, 18, tzinfo=UTC)),
        ("2021-12-08T02:46:18Z", datetime(2021, 12, 8, 2, 46, 18, tzinfo=UTC)),
        ("2021/12/08 10:46", datetime(2021, 12, 8, 2, 46, tzinfo=UTC)),
        ("2021年12月8日", datetime(2021, 12, 7, 16, 0, tzinfo=UTC)),
    ],
)
def test_dates_are_aware_and_naive_means_shanghai(value, utc):
    parsed = parse_datetime(value)
    assert parsed.tzinfo is not None and parsed == utc


@pytest.mark.parametrize("bad", ["", " +0800", "yesterday", "2021-02-30 10:00:00"])
def test_bad_dates_raise(bad):
    with pytest.raises(DateError):
        parse_datetime(bad)


@pytest.mark.parametrize(
    "name, slug",
    [
        ("山西晚报", "shanxiwanbao"),
        ("安信国际证券(香港)", "anxinguojizhengquan-xianggang"),
        ("21世纪经济报道 21财经APP", "21shijijingjibaodao-21caijingapp"),
        ("TechWeb", "techweb"),
        ("重庆日报", "chongqingribao"),
    ],
)
def test_slugs_are_lowercase_ascii_without_spaces_or_parentheses(name, slug):
    assert slugify(name) == slug
    assert is_valid_slug(slugify(name))


def test_slug_is_stable_across_calls():
    assert slugify("证券时报") == slugify("证券时报") == "zhengquanshibao"


def test_source_from_tag_and_item_id_date():
    assert source_from_tag("山西晚报新闻") == "山西晚报"
    assert source_from_tag("站长消息") == "站长消息"
    assert date_from_item_id("NW202201282264891522").date().isoformat() == "2022-01-28"
    assert date_from_item_id("init") is None


def test_title_from_text():
    assert title_from_text("【快讯标题】正文") == "快讯标题"
    assert title_from_text("第一句。第二句。") == "第一句"
    assert len(title_from_text("长" * 100)) == 40
