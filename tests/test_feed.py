"""RSS/Atom through feedparser, served over loopback with conditional GET."""

from __future__ import annotations

import asyncio
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from caixun.collect.http import HttpClient
from caixun.model import Source
from caixun.pipeline import poll_source
from caixun.store import Store

RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>某财经博客</title><link>http://blog.example.com/</link><description>d</description>
<item><title>人民币汇率 &amp; 利率</title><link>http://blog.example.com/a?utm_source=rss</link><guid>a-1</guid>
<pubDate>Wed, 01 Mar 2023 02:00:00 GMT</pubDate><description>&lt;p&gt;正文一&lt;script&gt;alert(1)&lt;/script&gt;&lt;/p&gt;</description></item>
<item><title>第二篇</title><link>http://blog.example.com/b</link><guid>b-2</guid><description>正文二</description></item>
</channel></rss>"""


def serve():
    hits = {"n": 0, "304": 0}

    class H(BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_GET(self):
            hits["n"] += 1
            if self.headers.get("If-Modified-Since") == "Wed, 01 Mar 2023 03:00:00 GMT":
                hits["304"] += 1
                self.send_response(304)
                self.end_headers()
                return
            body = RSS.encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
            self.send_header("Last-Modified", "Wed, 01 Mar 2023 03:00:00 GMT")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, hits


def test_feed_poll_stores_entries_and_uses_last_modified(tmp_path):
    server, hits = serve()
    store = Store(str(tmp_path / "f.db"))
    source = Source(name="某财经博客", kind="feed", url=f"http://127.0.0.1:{server.server_address[1]}/feed.xml")

    async def poll():
        async with HttpClient() as client:
            return await poll_source(source, client, store)

    try:
        first = asyncio.run(poll())
        second = asyncio.run(poll())
    finally:
        server.shutdown()
    assert first.result.added == 2 and first.error is None
    assert second.not_modified and hits["304"] == 1
    arts = sorted(store.iter_articles(), key=lambda a: a.title)
    assert arts[0].title == "人民币汇率 & 利率" and arts[0].url == "http://blog.example.com/a"
    assert "alert" not in arts[0].html and arts[0].text == "正文一"
    assert arts[0].category == "moucaijingboke" and arts[0].tags == ("某财经博客新闻",)
