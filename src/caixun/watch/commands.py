"""`caixun watch add|list|show|edit|rm|deliver`: watches on the command line."""

from __future__ import annotations

import json
import sys

import click

from caixun.watch.rules import RuleError, WatchSpec, watch_spec

EXIT_USAGE = 2


def rule_options(f):
    for opt in reversed([
        click.option("--words", metavar="SPEC", help="Words: plain (any of them), +must, !exclude, /regex/ ('+人民币 !传闻')."),
        click.option("--security", "securities", multiple=True, metavar="CODE", help="A security (600519.SH, 00700.HK); repeatable."),
        click.option("--region", "regions", multiple=True, metavar="CODE", help="A region by administrative code, with the places inside it; repeatable."),
        click.option("--source", "sources", multiple=True, metavar="NAME", help="Only articles of this source; repeatable."),
        click.option("--important", is_flag=True, default=None, help="Only what the provider marked important (重要)."),
        click.option("--figure", metavar="RULE", help="A figure: '北向资金净流入 > 100亿元', 'CPI 同比 >= 3%', 'GDP@介休市 > 100亿元'."),
        click.option("--channel", "channels", multiple=True, metavar="URL", help="An Apprise URL to push to (json://host/hook, mailto://…, dingtalk://…); repeatable."),
        click.option("--mode", metavar="MODE", help="'instant' (default) or 'digest 15m' (one message per period)."),
    ]):  # fmt: skip
        f = opt(f)
    return f


def _table(name: str, given: dict) -> dict:
    table = {"name": name}
    for key in ("words", "figure", "mode"):
        if given.get(key) is not None:
            table[key] = given[key]
    for key in ("securities", "regions", "sources", "channels"):
        if given.get(key):
            table[key] = list(given[key])
    if given.get("important"):
        table["important"] = True
    return table


def _spec(table: dict) -> WatchSpec:
    try:
        return watch_spec(table)
    except RuleError as exc:
        raise click.UsageError(str(exc)) from None


@click.group("watch")
def watch_cmd() -> None:
    """Watches: be told when news matching a rule arrives (docs/watch.md).

    \b
      caixun watch add 人民币 --words '+人民币 !传闻' --channel json://127.0.0.1:9000/hook
      caixun watch add 茅台 --security 600519.SH --mode 'digest 15m' --channel 'mailto://me:pw@mail.example.org'
      caixun watch add 北向 --figure '北向资金净流入 > 100亿元'
      caixun watch list

    A watch alerts once per story, on articles first seen after it was made;
    `caixun fetch` delivers before it exits, `caixun run` as it goes. Each
    watch also has a feed (/watch/<id>/feed.atom) and /api/watches/<id>.
    """


@watch_cmd.command("add")
@click.argument("name")
@rule_options
@click.pass_obj
def add(obj, name: str, **given) -> None:
    """Make a watch named NAME."""
    from caixun.store.watches import save_watch

    spec = _spec(_table(name, given))
    try:
        save_watch(obj.store, spec, "cli")
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(f"watch {spec.name!r} made")


@watch_cmd.command("edit")
@click.argument("name")
@rule_options
@click.option("--clear", "clear", multiple=True, type=click.Choice(["words", "securities", "regions", "sources", "important", "figure", "channels"]),
              help="Drop this part of the rule (repeatable).")  # fmt: skip
@click.pass_obj
def edit(obj, name: str, clear: tuple[str, ...], **given) -> None:
    """Change a watch: the parts given replace the old ones."""
    from caixun.store.watches import save_watch, watch_rows

    rows = watch_rows(obj.store, name)
    if not rows:
        raise click.UsageError(f"no watch named {name!r} (caixun watch list)")
    old = rows[0]
    table = {"name": name, **old["rule"], "mode": old["mode"]}

    from caixun.store.watches import watch_channels

    table["channels"] = watch_channels(obj.store, name)  # unmasked, as stored
    table.update({k: v for k, v in _table(name, given).items() if k != "name"})
    for part in clear:
        table.pop(part, None)
    save_watch(obj.store, _spec(table), "cli", replace=True)
    click.echo(f"watch {name!r} changed")


@watch_cmd.command("rm")
@click.argument("name")
@click.pass_obj
def rm(obj, name: str) -> None:
    """Delete a watch, its matches and its pending alerts."""
    from caixun.store.watches import delete_watch

    if not delete_watch(obj.store, name):
        click.echo(f"error: no watch named {name!r}", err=True)
        sys.exit(EXIT_USAGE)
    click.echo(f"watch {name!r} deleted")


def _print_rows(rows: list[dict], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2, default=str))
        return
    for r in rows:
        health = "; ".join(f"{c['channel']} {c['health']}" + (f" ({c['reason']})" if c["reason"] else "") for c in r["channels"])
        rule = " ".join(f"{k}={v}" for k, v in r["rule"].items())
        click.echo(f"{r['name']}  [{r['mode']}, {r['matches']} matches]  {rule}" + (f"  → {health}" if health else ""))


@watch_cmd.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def list_cmd(obj, as_json: bool) -> None:
    """Every watch: its rule, mode, matches and channels' health (channels masked)."""
    from caixun.cli import sync_watches
    from caixun.store.watches import watch_rows

    sync_watches(obj.config, obj.store)  # the config's too, before any poll made them
    _print_rows(watch_rows(obj.store), as_json)


@watch_cmd.command("show")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def show(obj, name: str, as_json: bool) -> None:
    """A watch and the stories it matched lately."""
    from caixun.cli import sync_watches
    from caixun.store.watches import recent_matches, watch_rows

    sync_watches(obj.config, obj.store)
    rows = watch_rows(obj.store, name)
    if not rows:
        click.echo(f"error: no watch named {name!r}", err=True)
        sys.exit(EXIT_USAGE)
    rows[0]["recent"] = recent_matches(obj.store, rows[0]["id"], 20)
    if as_json:
        _print_rows(rows, True)
        return
    _print_rows(rows, False)
    for m in rows[0]["recent"]:
        click.echo(f"  {m['article_id']}  {m['title']}  ({m['source']})  {'；'.join(m['matched'])}")


@watch_cmd.command("deliver")
@click.pass_obj
def deliver(obj) -> None:
    """Send the alerts waiting in the outbox now (fetch and run do it themselves)."""
    from caixun.watch.deliver import deliver_due

    report = deliver_due(obj.store, obj.config.base_url)
    for e in report.errors:
        click.echo(f"not sent: {e}", err=True)
    click.echo(f"alerts: {report.sent} sent, {report.failed} failed")
