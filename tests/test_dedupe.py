"""Near-duplicate detection: the threshold against labelled pairs, and clusters in the store."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st

from caixun.dedupe import (
    NEAR_DUPLICATE_THRESHOLD,
    Candidate,
    canonical_url,
    choose_cluster,
    content_hash,
    numbers_of,
    signature,
    similarities,
    similarity,
)
from caixun.dedupe.minhash import numbers_agree, shingle_codes
from caixun.model import RawItem
from caixun.pipeline import import_paths, ingest
from tests.conftest import CORPUS, needs_corpus

PAIRS = json.loads((Path(__file__).parent / "data" / "near_duplicate_pairs.json").read_text(encoding="utf-8"))["pairs"]


def judged_same(a: str, b: str) -> bool:
    agree = numbers_agree(numbers_of(a), numbers_of(b))
    return agree and similarity(signature(a), signature(b)) >= NEAR_DUPLICATE_THRESHOLD


def test_threshold_merges_no_different_stories_and_most_rewrites():
    wrong_merges = [p for p in PAIRS if not p["same"] and judged_same(p["a"], p["b"])]
    rewrites = [p for p in PAIRS if p["same"]]
    found = [p for p in rewrites if judged_same(p["a"], p["b"])]
    assert wrong_merges == []
    assert len(found) / len(rewrites) >= 0.6


def test_minhash_estimates_jaccard_of_character_shingles():
    for p in PAIRS:
        a, b = set(shingle_codes(p["a"]).tolist()), set(shingle_codes(p["b"]).tolist())
        exact = len(a & b) / len(a | b)
        assert abs(similarity(signature(p["a"]), signature(p["b"])) - exact) < 0.15


def test_shingles_are_characters_not_whitespace_tokens():
    # one whitespace "token", yet many shingles: Chinese has no spaces
    assert len(shingle_codes("沪指午间收涨创业板指涨两市成交额放大")) > 10
    assert signature("太短") == b""  # too short to compare: exact matches only


def test_signature_is_stable():
    assert signature("央行今日开展逆回购操作，中标利率持平") == signature("央行今日开展逆回购操作，中标利率持平")


def test_exact_keys():
    assert canonical_url("HTTP://News.Example.com:80/a?utm_source=x&b=2&a=1#top") == "http://news.example.com/a?a=1&b=2"
    assert canonical_url("") == ""
    assert content_hash("全年增长 8.5%") == content_hash("全年增长８．５％")


def test_similarities_match_pairwise_similarity():
    texts = ["布伦特原油期货日内涨超2%，现报85.6美元/桶", "国际油价走高，布伦特原油期货日内涨超2%，现报85.6美元/桶",
             "沪深两市成交额连续第三日突破万亿元", "短"]  # fmt: skip
    sig = signature(texts[0])
    others = [signature(t) for t in texts]
    assert similarities(sig, others) == [similarity(sig, o) for o in others]
    assert similarities(sig, others)[0] == 1.0 and similarities(sig, others)[3] == 0.0
    assert similarities(b"", others) == [0.0] * 4


def test_choose_cluster_prefers_exact_then_best_near():
    sig = signature("布伦特原油期货日内涨超2%，现报85.6美元/桶")
    near_text = "国际油价走高，布伦特原油期货日内涨超2%，现报85.6美元/桶"
    near = Candidate(5, 5, "", "h5", signature(near_text), near_text)
    other_numbers = Candidate(3, 3, "", "h3", sig, "布伦特原油期货日内涨超3%，现报90.1美元/桶")
    exact = Candidate(9, 7, "http://a/x", "h9", b"")
    assert choose_cluster("http://a/x", "zz", sig, [near, exact], numbers=frozenset({"2", "85.6"})) == 7
    assert choose_cluster("", "zz", sig, [near], numbers=frozenset({"2", "85.6"})) == 5
    assert choose_cluster("", "zz", sig, [other_numbers], numbers=frozenset({"2", "85.6"})) is None


def _item(key: str, source: str, text: str, url: str = "") -> RawItem:
    return RawItem(key=key, source=source, item_id=key, title=text[:10], body=text, body_format="text", url=url,
                   published=datetime(2023, 3, 1, 9, tzinfo=UTC))  # fmt: skip


def test_store_clusters_same_story_across_sources(store):
    pairs = [p for p in PAIRS if p["same"] and judged_same(p["a"], p["b"])][:3]
    items = []
    for i, p in enumerate(pairs):
        items += [_item(f"a:{i}", "甲网", p["a"]), _item(f"b:{i}", "乙报", p["b"])]
    used = {t for p in pairs for t in (p["a"], p["b"])}
    unrelated = [p for p in PAIRS if not p["same"] and not {p["a"], p["b"]} & used][:3]
    for i, p in enumerate(unrelated):
        items += [_item(f"c:{i}", "丙社", p["a"]), _item(f"d:{i}", "丁刊", p["b"])]
    # The first half in one batch, the rest in a later one: both paths must match.
    ingest(store, items[:5])
    ingest(store, items[5:])
    got = {k: store.get_article_by_key(k).cluster_id for k in (i.key for i in items)}
    for i in range(len(pairs)):
        assert got[f"a:{i}"] == got[f"b:{i}"]
    for i in range(len(unrelated)):
        assert got[f"c:{i}"] != got[f"d:{i}"]
    assert len(set(got.values())) == len(pairs) + 2 * len(unrelated)


def test_same_url_or_same_text_is_one_story(store):
    ingest(store, [_item("a:1", "甲网", "完全相同的一条快讯正文内容，数字为12。", url="http://x.example/1"),
                   _item("b:1", "乙报", "完全相同的一条快讯正文内容，数字为12。"),
                   _item("c:1", "丙社", "另一条。", url="http://X.example/1#frag")])  # fmt: skip
    ids = {store.get_article_by_key(k).cluster_id for k in ("a:1", "b:1", "c:1")}
    assert len(ids) == 1


def test_corpus_identical_flashes_share_a_cluster_and_others_do_not(sqlite_store):
    needs_corpus()
    import_paths(sqlite_store, [CORPUS])
    twin_a = sqlite_store.get_article_by_key("eastmoney:202112082206748961")
    twin_b = sqlite_store.get_article_by_key("eastmoney:202112082206749391")
    offshore = sqlite_store.get_article_by_key("eastmoney:202112082206672930")
    assert twin_a.cluster_id == twin_b.cluster_id
    assert offshore.cluster_id != twin_a.cluster_id
    members = sqlite_store.cluster_members(twin_a.cluster_id)
    assert {m.key for m in members} == {twin_a.key, twin_b.key}


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("0123456789０１２３４５６７８９.,．，亿元% ")), max_size=40))
@example("增长1．5%")
@example("共3，000家，１２亿元")
def test_numbers_of_looks_for_full_width_forms_before_translating(text):
    # the fast path must give what translating every text gave
    from caixun.dedupe.minhash import _FULLWIDTH_DIGITS, _NUMBER

    assert numbers_of(text) == frozenset(_NUMBER.findall(text.translate(_FULLWIDTH_DIGITS)))
