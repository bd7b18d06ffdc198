"""A small East Money-style news API on loopback, for tests (our own data).

Faults are scripted per path, so tests are deterministic: `faults[path]` is a
list of what the next requests to that path get ("500", "429", "garbage",
"truncate", "slow", "gbk-off"), consumed one per request; then normal answers.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


class NewsApi:
    def __init__(self, items: list[dict], *, gbk_text: bool = False, slow_seconds: float = 3.0):
        self.items = items  # dicts: code, title, body, time, outlet, list ("rolling"|"media"|"37")
        self.faults: dict[str, list[str]] = defaultdict(list)
        self.hits: dict[str, int] = defaultdict(int)
        self.gbk_text = gbk_text
        self.slow_seconds = slow_seconds
        self.lock = threading.Lock()
        self.inflight = 0
        self.max_inflight = 0
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> NewsApi:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def next_fault(self, path: str) -> str | None:
        with self.lock:
            self.hits[path] += 1
            return self.faults[path].pop(0) if self.faults[path] else None

    def payload(self, path: str, q: dict[str, str]) -> dict | None:
        count = int(q.get("count", 100))
        if path == "/web/webapi" and q.get("type") == "102":
            rows = [i for i in self.items if i["list"] == "rolling"][:count]
            return {"records": [{"id": i["code"], "infoCode": i["code"], "title": i["title"], "digest": f"【{i['title']}】{i['body'][:30]}",
                                 "url_w": i.get("url", f"http://finance.example.com/news/{i['code']}.html"), "showtime": i["time"]} for i in rows]}  # fmt: skip
        if path == "/web/webapi" and q.get("type") == "45":
            rows = [i for i in self.items if i["list"] == "media"][:count]
            return {"nodeList": [{"infocode": i["code"], "from": i["outlet"], "title": i["title"], "showtime": i["time"]} for i in rows]}
        if path == "/market" and q.get("marketType"):
            rows = [i for i in self.items if i["list"] == q["marketType"]][:count]
            return {"record": [{"infoCode": i["code"], "medianame": i["outlet"], "title": i["title"], "datetime": i["time"]} for i in rows]}
        return None

    def _handler(self):
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def send(self, status: int, body: bytes, ctype="application/json; charset=utf-8", headers=None, truncate=False):
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body[: len(body) // 2] if truncate else body)
                if truncate:
                    self.close_connection = True

            def do_GET(self):
                with api.lock:
                    api.inflight += 1
                    api.max_inflight = max(api.max_inflight, api.inflight)
                try:
                    self.answer()
                finally:
                    with api.lock:
                        api.inflight -= 1

            def answer(self):
                url = urlparse(self.path)
                q = {k: v[0] for k, v in parse_qs(url.query).items()}
                fault = api.next_fault(url.path + ("?id=" + q["id"] if "id" in q else ""))
                if fault == "slow":
                    time.sleep(api.slow_seconds)
                if fault == "500":
                    return self.send(500, b'{"error":"boom"}')
                if fault == "429":
                    return self.send(429, b'{"error":"slow down"}', headers={"Retry-After": "1"})
                if url.path == "/text":
                    item = next((i for i in api.items if i["code"] == q.get("id")), None)
                    if item is None:
                        return self.send(404, b'{"error":"no such id"}')
                    body = json.dumps({"content": item["body"], "text": item["body"]}, ensure_ascii=False)
                    if api.gbk_text:
                        return self.send(200, body.encode("gbk"), "application/json; charset=GBK", truncate=fault == "truncate")
                    data = body.encode("utf-8")
                else:
                    payload = api.payload(url.path, q)
                    if payload is None:
                        return self.send(404, b'{"error":"unknown"}')
                    data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
                etag = '"' + hashlib.sha1(data).hexdigest()[:12] + '"'
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if fault == "garbage":
                    data = data[: len(data) // 3] + b"<<not json"
                self.send(200, data, headers={"ETag": etag}, truncate=fault == "truncate")

        return Handler


def sample_items() -> list[dict]:
    """Our own items: 6 rolling flashes, 2 media articles, 3 market items (2 overlap rolling)."""
    rolling = [
        {"code": f"2023030100000{n:05d}", "title": f"快讯{n}：某指数收涨{n}%", "body": f"<p>某指数今日收涨{n}%，成交额{n * 100}亿元。</p>",
         "time": f"2023-03-01 10:{n:02d}:00", "outlet": "东财滚动", "list": "rolling"} for n in range(1, 7)
    ]  # fmt: skip
    media = [
        {"code": "NW202303010000000101", "title": "江城一季度经济回顾", "body": "<p>江城市一季度地区生产总值增长6.1%。</p><p><strong>投资</p><p></strong>新签约项目12个。</p>",
         "time": "2023-03-01 08:00:00", "outlet": "江城日报", "list": "media"},
        {"code": "NW202303010000000102", "title": "河东区推进城市更新", "body": "<p>河东区今年将改造老旧小区30个，惠及居民1.2万户。</p>",
         "time": "2023-03-01 08:30:00", "outlet": "河东晚报", "list": "media"},
    ]  # fmt: skip
    market = [dict(rolling[0], outlet="东方财富网", list="37"), dict(rolling[1], outlet="东方财富网", list="37"),
              {"code": "202303010000099999", "title": "债市午盘走强", "body": "<p>国债期货午盘全线上涨，30年期主力合约涨0.4%。</p>",
               "time": "2023-03-01 11:30:00", "outlet": "东方财富网", "list": "37"}]  # fmt: skip
    return rolling + media + market


def config_toml(base: str, **settings) -> str:
    values = {"backoff": 0.01, "max_backoff": 5, "retries": 4, "read_timeout": 1.0, "connect_timeout": 1.0} | settings
    lines = ["[settings]", *(f"{k} = {v!r}" for k, v in values.items())]
    text = f"{base}/text?id={{code}}"
    lines += [
        "", "[[sources]]", 'name = "东财滚动"', 'kind = "eastmoney"', 'api = "rolling"', f'url = "{base}/web/webapi?type=102"',
        f'text_url = "{text}"', 'slug = "emnews"', 'interval = "5m"',
        "", "[[sources]]", 'name = "东财媒体"', 'kind = "eastmoney"', 'api = "media"', f'url = "{base}/web/webapi?type=45"', f'text_url = "{text}"',
        "", "[[sources]]", 'name = "东财市场37"', 'kind = "eastmoney"', 'api = "market"', 'market_type = "37"', f'url = "{base}/market"',
        f'text_url = "{text}"',
    ]  # fmt: skip
    return "\n".join(lines) + "\n"
