"""The HTTP client against a real server on loopback."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from caixun.collect.http import (
    BodyTooLarge,
    FetchError,
    HttpClient,
    HttpStatusError,
    decode_body,
    retry_after_seconds,
)
from caixun.config import HttpSettings
from tests.newsapi import NewsApi, sample_items

FAST = HttpSettings(backoff=0.01, max_backoff=5, retries=3, read_timeout=0.5, connect_timeout=0.5)


@pytest.fixture
def api():
    with NewsApi(sample_items(), slow_seconds=1.5) as server:
        yield server


def run(coro):
    return asyncio.run(coro)


async def get_json(url: str, settings: HttpSettings = FAST, sleeps: list | None = None, jitter=None, **kw):
    async def sleep(seconds: float) -> None:
        if sleeps is not None:
            sleeps.append(seconds)
        await asyncio.sleep(min(seconds, 0.01))

    extra = {"jitter": jitter} if jitter else {}
    async with HttpClient(settings, sleep=sleep, **extra) as client:
        return await client.get_json(url, **kw)


ROLLING = "/web/webapi"


@pytest.mark.parametrize("fault", ["500", "garbage", "truncate", "slow"])
def test_transient_faults_are_retried(api, fault):
    api.faults[ROLLING] = [fault, fault]
    data, resp = run(get_json(f"{api.base}{ROLLING}?type=102"))
    assert len(data["records"]) == 6
    assert resp.attempts == 3 and api.hits[ROLLING] == 3


def test_429_waits_for_retry_after(api):
    api.faults[ROLLING] = ["429"]
    sleeps: list[float] = []
    data, _ = run(get_json(f"{api.base}{ROLLING}?type=102", sleeps=sleeps))
    assert sleeps == [1.0] and data["records"]


def test_backoff_grows_and_gives_up_with_a_clear_error(api):
    api.faults[ROLLING] = ["500"] * 10
    sleeps: list[float] = []
    with pytest.raises(FetchError, match=r"HTTP 500 \(after 4 attempts\)"):
        # fixed jitter: random jitter (x0.5-1.5) may reorder two consecutive waits
        run(get_json(f"{api.base}{ROLLING}?type=102", sleeps=sleeps, jitter=lambda: 0.5))
    assert len(sleeps) == 3 and sleeps[0] < sleeps[1] < sleeps[2]


def test_404_is_not_retried(api):
    with pytest.raises(HttpStatusError, match="HTTP 404"):
        run(get_json(f"{api.base}/nothing"))
    assert api.hits["/nothing"] == 1


def test_connection_refused_is_a_fetch_error():
    with pytest.raises(FetchError, match="ConnectError"):
        run(get_json("http://127.0.0.1:9/x", HttpSettings(retries=1, backoff=0.01)))


def test_body_size_cap(api):
    with pytest.raises(BodyTooLarge):
        run(get_json(f"{api.base}{ROLLING}?type=102", HttpSettings(max_body=100)))


def test_gbk_is_decoded():
    with NewsApi(sample_items(), gbk_text=True) as api:
        data, resp = run(get_json(f"{api.base}/text?id=NW202303010000000101"))
    assert "GBK" in resp.content_type and "江城市一季度地区生产总值" in data["content"]


def test_etag_gives_not_modified(api):
    _, first = run(get_json(f"{api.base}{ROLLING}?type=102"))
    data, second = run(get_json(f"{api.base}{ROLLING}?type=102", etag=first.etag))
    assert first.etag and second.not_modified and data is None


def test_per_host_cap(api):
    api.slow_seconds = 0.2
    api.faults["/text?id=NW202303010000000101"] = ["slow"] * 6
    settings = HttpSettings(per_host=2, read_timeout=5)

    async def many():
        async with HttpClient(settings) as client:
            await asyncio.gather(*(client.get(f"{api.base}/text?id=NW202303010000000101") for _ in range(6)))

    run(many())
    assert api.max_inflight == 2


def test_user_agent_is_configurable(api):
    seen = {}

    async def go():
        async with HttpClient(HttpSettings(user_agent="caixun-test/1")) as client:
            r = await client._client.get(f"{api.base}{ROLLING}?type=102")
            seen["ua"] = r.request.headers["user-agent"]

    run(go())
    assert seen["ua"] == "caixun-test/1"


def test_decode_body_charsets():
    text = "人民币汇率"
    assert decode_body(text.encode("gbk"), "text/html; charset=gb2312") == text
    assert decode_body(text.encode("gb18030"), "") == text  # not UTF-8: GB18030 guessed
    assert decode_body(b'<meta charset="gbk">' + text.encode("gbk"), "text/html").endswith(text)
    assert decode_body(text.encode("utf-8"), "application/json") == text


def test_retry_after_forms():
    now = datetime(2023, 3, 1, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("7") == 7.0
    assert retry_after_seconds("Wed, 01 Mar 2023 00:00:30 GMT", now) == 30.0
    assert retry_after_seconds("soon") is None
