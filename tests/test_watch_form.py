"""The watches' web form (caixun.web.watch_form): off without the
administrator's token, every write checked against it, rules checked as on
the command line, config watches left to the config; and the form filled in
a real browser (Debian's Chromium), hostile names shown as text."""

from __future__ import annotations

import threading
import time
from urllib.parse import quote

import pytest
import uvicorn
from fastapi.testclient import TestClient

from caixun.store.watches import save_watch, watch_rows
from caixun.watch.rules import watch_spec
from caixun.web.app import create_app
from caixun.web.watch_form import AdminTokenError, check_token, form_table
from tests.conftest import free_port

TOKEN = "correct-horse-battery-staple"


def test_form_fields_become_a_watch_table():
    table = form_table({"name": " 茅台 ", "words": "+茅台 !传闻", "securities": "600519.SH, 00700.HK", "regions": "520000",
                        "sources": "财联社电报\n华尔街见闻", "important": "1", "figure": "", "channels": "json://127.0.0.1:9/h\n\nmailto://a@b.org",
                        "mode": "digest 15m", "token": "x"})  # fmt: skip
    assert table == {"name": "茅台", "words": "+茅台 !传闻", "securities": ["600519.SH", "00700.HK"], "regions": ["520000"],
                     "sources": ["财联社电报", "华尔街见闻"], "important": True,
                     "channels": ["json://127.0.0.1:9/h", "mailto://a@b.org"], "mode": "digest 15m"}  # fmt: skip
    assert watch_spec(table).digest_seconds == 900


def test_a_short_token_is_refused_at_start():
    assert check_token(None) is None and check_token("") is None
    with pytest.raises(AdminTokenError):
        check_token("short")


def post(c, path, **form):
    return c.post(path, content="&".join(f"{k}={quote(str(v))}" for k, v in form.items()),
                  headers={"Content-Type": "application/x-www-form-urlencoded"}, follow_redirects=False)  # fmt: skip


def test_without_a_token_the_page_lists_and_the_form_is_off(sqlite_store):
    save_watch(sqlite_store, watch_spec({"name": "央行", "words": "央行"}), "cli")
    c = TestClient(create_app(sqlite_store))
    page = c.get("/watches/")
    assert page.status_code == 200 and "央行" in page.text and "CAIXUN_ADMIN_TOKEN" in page.text and "watch-form" not in page.text
    r = post(c, "/watches/", name="新", words="新", token=TOKEN)
    assert r.status_code == 403 and len(watch_rows(sqlite_store)) == 1


def test_writes_need_the_token_and_rules_are_checked(sqlite_store):
    save_watch(sqlite_store, watch_spec({"name": "配置的", "words": "央行"}), "config")
    c = TestClient(create_app(sqlite_store, admin_token=TOKEN))
    assert "watch-form" in c.get("/watches/").text
    started = time.monotonic()
    r = post(c, "/watches/", name="茅台", securities="600519.SH", token="wrong-token-of-some-length")
    assert r.status_code == 403 and "管理口令不对" in r.text and time.monotonic() - started >= 0.5
    assert "wrong-token" not in r.text  # never written back
    r = post(c, "/watches/", name="茅台", securities="600519.SH", channels="json://127.0.0.1:9/h", token=TOKEN)
    assert r.status_code == 303 and r.headers["location"] == "./"
    row = watch_rows(sqlite_store, name="茅台")[0]
    assert row["origin"] == "web" and row["rule"] == {"securities": ["600519.SH"]} and len(row["channels"]) == 1
    r = post(c, "/watches/", name="坏", figure="> 3%", token=TOKEN)
    assert r.status_code == 400 and "规则有误" in r.text and 'value="&gt; 3%"' in r.text  # the form keeps what was typed
    assert post(c, "/watches/", name="空", token=TOKEN).status_code == 400  # a watch needs a rule
    assert post(c, "/watches/", name="茅台", words="茅台", token=TOKEN).status_code == 409
    assert post(c, "/watches/", name="茅台", words="茅台", replace="1", token=TOKEN).status_code == 303
    assert watch_rows(sqlite_store, name="茅台")[0]["rule"] == {"words": "茅台"}
    assert post(c, "/watches/", name="配置的", words="x", replace="1", token=TOKEN).status_code == 409
    assert post(c, "/watches/delete", name="配置的", token=TOKEN).status_code == 409
    assert post(c, "/watches/delete", name="茅台", token="nope-nope-nope-nope").status_code == 403
    assert post(c, "/watches/delete", name="茅台", token=TOKEN).status_code == 303
    assert [w["name"] for w in watch_rows(sqlite_store)] == ["配置的"]
    assert post(c, "/watches/delete", name="茅台", token=TOKEN).status_code == 404
    big = c.post("/watches/", content="name=" + "x" * 70_000, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert big.status_code == 400
    assert c.post("/watches/", json={"name": "x"}).status_code == 400  # a form, nothing else


@pytest.mark.browser
def test_the_form_in_a_real_browser(sqlite_store):
    from tests.conftest import require
    from tests.test_browser import CHROMIUM, FLAGS, assert_inert

    require(CHROMIUM.exists(), "Debian's chromium is not installed (/usr/bin/chromium)")
    from playwright.sync_api import sync_playwright

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(sqlite_store, admin_token=TOKEN), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 20
    while not server.started and time.time() < deadline:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    hostile = '<img src=x onerror=alert(1)><script>alert(2)</script>'
    try:
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
            page = b.new_page()
            page.dialogs = []
            page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
            page.goto(base + "/watches/")
            page.fill("input[name=name]", "北向" + hostile)
            page.fill("input[name=figure]", "北向资金净流入 > 100亿元")
            page.fill("input[name=words]", "+北向 " + hostile)
            page.fill(".watch-form input[name=token]", TOKEN)
            page.click(".watch-form button[type=submit]")
            page.wait_for_url(base + "/watches/")
            assert ("北向" + hostile) in page.locator("table.watches").inner_text()
            assert page.dialogs == []
            assert_inert(page, base + "/watches/")
            page.fill(".watch-form input[name=name]", "错的")
            page.fill(".watch-form input[name=figure]", "> 3%")
            page.fill(".watch-form input[name=token]", TOKEN)
            page.click(".watch-form button[type=submit]")
            assert "规则有误" in page.locator("p.error").inner_text()
            page.goto(base + "/watches/")
            page.fill("form.inline input[name=token]", TOKEN)
            page.click("form.inline button[type=submit]")
            page.wait_for_url(base + "/watches/")
            assert watch_rows(sqlite_store) == [] and page.dialogs == []
            b.close()
    finally:
        server.should_exit = True
        thread.join(timeout=10)
