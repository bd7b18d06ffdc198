"""Watches of every kind over today's providers, as ../shared/tools/news_replay.py
serves them with --grow (six providers telling the same stories): every story
that matches is delivered exactly once per channel, and nothing that does not
match is. What "matches" is worked out here again from the stored archive,
with plain Python and SQL, not with caixun.watch."""

from __future__ import annotations

import json
import re
import sqlite3
import unicodedata
from decimal import Decimal
from email import message_from_string

import pytest

from caixun.enrich.indicators import names_of
from caixun.han import fold_han
from tests.test_providers import Replay, replay_config
from tests.test_watch import Receiver, caixun, smtp  # noqa: F401 (smtp: the fixture)

WATCHES = {
    "港股词": {"words": "+港股 !传闻"},
    "港交所": {"securities": ["00388.HK"]},
    "上海": {"regions": ["310000"]},
    "见闻": {"sources": ["华尔街见闻"]},
    "重要": {"important": True},
    "CPI": {"figure": "CPI >= 2%"},
}


def toml_value(v) -> str:
    return json.dumps(v, ensure_ascii=False) if not isinstance(v, bool) else str(v).lower()


def fold(text: str) -> str:
    return fold_han(unicodedata.normalize("NFKC", text).casefold())


def expected_stories(db) -> dict[str, set[int]]:
    """Story (cluster) ids each watch should alert on: the stories with at
    least one report that matches, read from the stored archive."""
    conn = sqlite3.connect(db)
    arts = {i: (c or i, s, t, x, json.loads(m)) for i, c, s, t, x, m in
            conn.execute("SELECT id, cluster_id, source, title, text, meta FROM articles")}  # fmt: skip
    ents = conn.execute("SELECT article_id, type, code FROM entities").fetchall()
    out: dict[str, set[int]] = {name: set() for name in WATCHES}
    for story, source, title, text, meta in arts.values():
        hay = fold(title + "\n" + text)
        if "港股" in hay and "传闻" not in hay:
            out["港股词"].add(story)
        if source == "华尔街见闻":
            out["见闻"].add(story)
        if meta.get("important"):
            out["重要"].add(story)
    for i, kind, code in ents:
        if kind == "security" and code == "00388.HK":
            out["港交所"].add(arts[i][0])
        if kind == "region" and code.startswith("31"):
            out["上海"].add(arts[i][0])
    cpi = set(names_of("CPI"))
    for i, indicator, unit, value, direction in conn.execute("SELECT article_id, indicator, unit, value, direction FROM figures"):
        if indicator in cpi and unit == "%":
            v = Decimal(value)
            if direction == "down" and v > 0:
                v = -v  # 下降3.2%: a change of -3.2% (docs/watch.md)
            if v >= 2:
                out["CPI"].add(arts[i][0])
    return out


@pytest.mark.replay
def test_watches_of_every_kind_alert_once_per_matching_story_over_six_providers(tmp_path, smtp):  # noqa: F811
    hook = Receiver()
    mail = f"mailto://127.0.0.1:{smtp.port}?from=caixun@example.org&to=analyst@example.org"
    replay = Replay("--grow", "400")
    try:
        cfg = replay_config(replay.base, tmp_path / "c.toml")
        text = 'base_url = "https://news.example.org"\n' + cfg.read_text(encoding="utf-8")
        for name, rule in WATCHES.items():
            channels = [hook.url] + ([mail] if name == "CPI" else [])
            text += f"\n[[watches]]\nname = {toml_value(name)}\nchannels = {toml_value(channels)}\n"
            text += "".join(f"{k} = {toml_value(v)}\n" for k, v in rule.items())
        cfg.write_text(text, encoding="utf-8")
        db = tmp_path / "w.db"
        first = caixun(db, str(cfg), "fetch", check=False)
        assert first.returncode in (0, 1) and "Traceback" not in first.stderr, first.stderr
        again = caixun(db, str(cfg), "fetch", check=False)  # more of each list, and nothing sent twice
        assert "Traceback" not in again.stderr, again.stderr
    finally:
        replay.close()

    conn = sqlite3.connect(db)
    story_of = {i: c or i for i, c in conn.execute("SELECT id, cluster_id FROM articles")}
    delivered: dict[str, list[int]] = {name: [] for name in WATCHES}
    for msg in hook.received:
        name = msg["title"].removeprefix("财讯提醒 · ")
        ids = [int(x) for x in re.findall(r"/article/(\d+)\.html", msg["message"])]
        assert len(ids) == 1, msg  # instant: one story per message
        delivered[name].append(story_of[ids[0]])
    expected = expected_stories(db)
    for name in WATCHES:
        assert expected[name], f"the replay's data gives watch {name} nothing to match: choose another rule"
        assert sorted(delivered[name]) == sorted(expected[name]), (name, set(delivered[name]) ^ expected[name])
    assert len(set(hook.keys)) == len(hook.received) == sum(len(v) for v in expected.values())
    # The e-mail channel of the CPI watch got the same stories.
    bodies = [message_from_string(m).get_payload(decode=True).decode("utf-8") for m in smtp.messages]
    assert sorted(story_of[int(re.search(r"/article/(\d+)\.html", b)[1])] for b in bodies) == sorted(expected["CPI"])
