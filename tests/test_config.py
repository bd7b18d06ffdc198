from __future__ import annotations

import pytest

from caixun.config import ConfigError, load_config, parse_interval, parse_size


def test_intervals_and_sizes():
    assert parse_interval("5m") == 300 and parse_interval("90s") == 90 and parse_interval("1h30m") == 5400
    assert parse_interval(60) == 60
    assert parse_size("10MB") == 10 * 1024**2 and parse_size(500) == 500
    for bad in ("soon", "-5m", "0s"):
        with pytest.raises(ConfigError):
            parse_interval(bad)


def test_full_config(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text(
        '[settings]\nuser_agent = "me"\nper_host = 2\nmax_body = "2MB"\n'
        '[[sources]]\nname = "东财市场"\nkind = "eastmoney"\napi = "market"\nmarket_type = 38\n'
        'url = "http://x/m"\ntext_url = "http://x/t?id={code}"\ninterval = "2m"\n'
        '[[sources]]\nname = "某博客"\nkind = "feed"\nurl = "http://x/feed.xml"\n',
        encoding="utf-8",
    )
    config = load_config(cfg)
    assert config.http.user_agent == "me" and config.http.max_body == 2 * 1024**2
    market = config.source("东财市场")
    assert market.market_type == "38" and market.interval == 120 and market.key_prefix == "eastmoney"
    assert config.source("某博客").interval == 300


@pytest.mark.parametrize(
    "body, message",
    [
        ('[[sources]]\nname = "a"\nkind = "rss"\nurl = "http://x"\n', "kind must be one of"),
        ('[[sources]]\nname = "a"\nkind = "feed"\n', "'url' is required"),
        ('[[sources]]\nname = "a"\nkind = "eastmoney"\napi = "market"\nurl = "http://x"\n', "market_type"),
        ('[[sources]]\nname = "a"\nkind = "eastmoney"\napi = "rolling"\nurl = "http://x"\ntext_url = "http://x"\n', "{code}"),
        ('[[sources]]\nname = "a"\nkind = "feed"\nurl = "http://x"\ncolour = "red"\n', "unknown key"),
        ('[settings]\nspeed = 1\n', "unknown key"),
        ("not toml = = =", "not valid TOML"),
    ],
)
def test_config_errors_say_what(tmp_path, body, message):
    cfg = tmp_path / "c.toml"
    cfg.write_text(body, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_config(cfg)


def test_base_url_defaults_to_the_local_server_and_must_be_http(tmp_path):
    from caixun.config import DEFAULT_BASE_URL

    path = tmp_path / "c.toml"
    path.write_text("sources = []\n", encoding="utf-8")
    assert load_config(path).base_url == DEFAULT_BASE_URL == "http://127.0.0.1:8000"
    path.write_text('base_url = "https://news.example.org/"\nsources = []\n', encoding="utf-8")
    assert load_config(path).base_url == "https://news.example.org"
    path.write_text('base_url = "javascript:alert(1)"\nsources = []\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="base_url"):
        load_config(path)
