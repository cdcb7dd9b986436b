"""The ``siloless`` command: run · replay · demo · classify · train · eval · doctor · mentions · silences.

Each subcommand is a small function over the same ``Service``/``Store`` the server uses. Errors a
person can fix (a bad config, a missing file, a malformed line) are printed as one clear message
and a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import importlib.util
import json
import logging
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bot import __version__
from bot.config import Config, ConfigError, load_config

console = Console()
err_console = Console(stderr=True)

DEFAULT_CONFIG = "siloless.toml"


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        return int(args.func(args) or 0)
    except ConfigError as exc:
        err_console.print(f"[bold red]Config error:[/] {_plain(str(exc))}")
        return 2
    except KeyboardInterrupt:
        return 130


def _plain(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="siloless",
        description="Route public brand mentions to the department that owns the problem, in Slack and Teams.",
    )
    parser.add_argument("--version", action="version", version=f"siloless {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    p = sub.add_parser("run", help="run the service: HTTP endpoints, sources, outbox and timers",
                       description="Run Siloless: the HTTP server (Slack, Teams, /ingest, /healthz, /metrics), "
                       "every configured source, the delivery outbox and the escalation timers.")
    _config_arg(p)
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("replay", help="push a JSONL file of mentions through the whole pipeline",
                       description="Ingest every mention in a JSON Lines file, deliver all alerts, print a summary. "
                       "Malformed lines are reported with their line number; the rest still go through.")
    _config_arg(p)
    p.add_argument("file", help='mentions file (JSON Lines), or "-" for stdin')
    p.add_argument("--quiet", action="store_true", help="do not print each alert")
    p.add_argument("--wait", type=float, default=120.0, help="seconds to wait for deliveries (default 120)")
    p.set_defaults(func=cmd_replay)

    p = sub.add_parser("demo", help="run the bundled demo: no Slack or Teams account needed",
                       description="Replay the bundled demo mentions (two fictional brands, English and Dutch) "
                       "through the full pipeline into the terminal, act on a few as people would, and leave a "
                       "SQLite file to inspect.")
    p.add_argument("--db", default="siloless-demo.db", help="SQLite file to create (default siloless-demo.db)")
    p.add_argument("--quiet", action="store_true", help="print only the summary")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("classify", help="classify a text, or Mention JSONL from stdin",
                       description="With TEXT: print a readable verdict. Without: read Mention JSON Lines on stdin and "
                       "write one JSON object a line (id, lang, intent, intent_scores, urgency, department with "
                       "--config), in input order.")
    p.add_argument("text", nargs="?", help="the text to classify")
    p.add_argument("--config", help="also route: adds the department each mention would go to")
    p.add_argument("--followers", type=int, help="author follower count (urgency uses it)")
    p.set_defaults(func=cmd_classify)

    p = sub.add_parser("doctor", help="check config, store, platforms and sources; say what to fix",
                       description="Validate the config, open the store, test tokens and channel access, check "
                       "sources, and list failed deliveries, each with what to do about it.")
    _config_arg(p)
    p.set_defaults(func=cmd_doctor)

    _mentions_parser(sub)
    _silences_parser(sub)
    for module in ("bot.cli_intents", "bot.cli_teams"):
        if importlib.util.find_spec(module) is not None:
            importlib.import_module(module).register(sub)
    return parser


def _config_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", default=DEFAULT_CONFIG, help=f"config file (default {DEFAULT_CONFIG})")


def _logging(args: argparse.Namespace) -> None:
    from rich.logging import RichHandler

    level = logging.DEBUG if getattr(args, "verbose", False) else logging.INFO
    logging.basicConfig(level=level, format="%(message)s", handlers=[RichHandler(console=err_console,
                                                                                   show_path=False)], force=True)
    for noisy in ("aiohttp.access", "slack_bolt", "slack_sdk", "msrest", "botbuilder"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))


# -- run ------------------------------------------------------------------------------------------


def cmd_run(args: argparse.Namespace) -> int:
    from bot.service import Service

    config = load_config(args.config)
    _logging(args)

    async def run() -> None:
        import signal

        service = Service(config)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await service.start()
        logging.getLogger("siloless").info(
            "Siloless is running (%s); Ctrl-C stops it", ", ".join(service.platforms) or "no platform")
        await stop.wait()
        await service.stop()

    asyncio.run(run())
    return 0


# -- replay and demo --------------------------------------------------------------------------------


def cmd_replay(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    _logging(args)
    logging.getLogger().setLevel(logging.WARNING)
    if args.file != "-" and not Path(args.file).is_file():
        err_console.print(f"[bold red]No such file:[/] {_plain(args.file)}")
        return 2
    report = asyncio.run(_replay(config, args.file, quiet=args.quiet, wait=args.wait))
    _print_summary(report)
    return 1 if report["errors"] or report["pending"] else 0


async def _replay(config: Config, path: str, *, quiet: bool, wait: float,
                  after: Callable[[Any], Awaitable[None]] | None = None) -> dict[str, Any]:
    from adapters.replay import LineError, read_mentions
    from bot.platforms.console import ConsolePlatform
    from bot.service import Service

    started = time.perf_counter()
    service = Service(config, console=ConsolePlatform(console, quiet=quiet))
    await service.start(serve_http=False, run_sources=False, run_workers=False)
    errors: list[str] = []
    batch: list[Any] = []
    try:
        handle = sys.stdin if path == "-" else open(path, encoding="utf-8")  # noqa: SIM115
        with handle:
            for _number, parsed in read_mentions(handle):
                if isinstance(parsed, LineError):
                    errors.append(str(parsed))
                    continue
                batch.append((parsed, None))
                if len(batch) >= 64:
                    service.pipeline.ingest_batch(batch)
                    batch = []
        if batch:
            service.pipeline.ingest_batch(batch)
    except UnicodeDecodeError as exc:
        errors.append(f"the file is not UTF-8 text ({exc.reason})")
    await _deliver_within(service, wait)
    if after is not None:
        await after(service)
        await _deliver_within(service, wait)
    counts = service.store.delivery_counts()
    report = {
        "summary": service.store.summary(),
        "outcomes": dict(service.pipeline.stats.counts),
        "errors": errors,
        "delivered": counts.get("done", 0),
        "failed": counts.get("failed", 0),
        "pending": counts.get("pending", 0),
        "seconds": time.perf_counter() - started,
        "db": config.store.path,
    }
    await service.stop()
    service.store.close()
    return report


async def _deliver_within(service: Any, seconds: float) -> None:
    """Deliver what is pending, giving up after ``seconds`` (the summary then reports what still waits)."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(service.outbox.drain(), timeout=seconds)


def _print_summary(report: dict[str, Any]) -> None:
    for error in report["errors"]:
        err_console.print(f"[bold red]Skipped[/] {_plain(error)}")
    table = Table(title="Mentions per department and urgency")
    levels = ["critical", "high", "normal", "low"]
    table.add_column("department")
    for level in levels:
        table.add_column(level, justify="right")
    table.add_column("total", justify="right", style="bold")
    by_dept: dict[str, dict[str, int]] = {}
    for row in report["summary"]:
        by_dept.setdefault(row["department"], {})[row["urgency"] or "normal"] = row["n"]
    for dept, counts in sorted(by_dept.items()):
        table.add_row(dept, *[str(counts.get(level, 0)) for level in levels], str(sum(counts.values())))
    console.print(table)
    outcomes = ", ".join(f"{k} {v}" for k, v in sorted(report["outcomes"].items()))
    console.print(f"Mentions: {outcomes or 'none'}. Deliveries: {report['delivered']} done, "
                  f"{report['failed']} failed, {report['pending']} pending. "
                  f"Time taken: {report['seconds']:.2f} s. Store: {report['db']}")
    if report["pending"]:
        err_console.print("[yellow]Some deliveries are still pending; `siloless run` will deliver them, and "
                          "`siloless doctor` says why they wait.[/]")


def demo_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "demo"


def cmd_demo(args: argparse.Namespace) -> int:
    from bot.config import parse_config

    folder = demo_dir()
    config_path, mentions = folder / "config.toml", folder / "mentions.jsonl"
    if not config_path.is_file() or not mentions.is_file():
        err_console.print(f"[bold red]The demo files are missing from {folder}.[/] Run the demo from a clone of "
                          "the repository (pip install -e .).")
        return 2
    import tomllib

    raw = tomllib.loads(config_path.read_text(encoding="utf-8"))
    raw.setdefault("store", {})["path"] = args.db
    config = parse_config(raw, path=config_path, env={})
    for suffix in ("", "-wal", "-shm"):
        Path(args.db + suffix).unlink(missing_ok=True)
    _logging(args)
    logging.getLogger().setLevel(logging.WARNING)
    console.rule("[bold]Siloless demo[/]: public mentions → the department that owns the problem")
    report = asyncio.run(_replay(config, str(mentions), quiet=args.quiet, wait=60.0, after=_demo_people))
    console.rule("Summary")
    _print_summary(report)
    console.print(f"\nInspect it: [bold]sqlite-utils tables {args.db} --counts[/], "
                  f"[bold]sqlite-utils {args.db} \"select id, status, department, urgency, intent from mentions\" "
                  "--table[/], or [bold]siloless mentions list --config demo/config.toml[/] after editing its "
                  "store path.")
    return 0


async def _demo_people(service: Any) -> None:
    """A few people acting on alerts, so the demo shows claims, resolutions and a reassignment."""
    from bot.lifecycle import Actor

    ann = Actor("console", "ann", "Ann (support)")
    bram = Actor("console", "bram", "Bram (billing)")
    rows = service.store.list_mentions(limit=500)
    by_intent: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        if row["status"] in ("new", "alerted"):
            by_intent.setdefault(row["intent"], []).append(row)
    console.rule("People act on the alerts")
    script: list[tuple[Actor, str]] = []
    if by_intent.get("question"):
        first = by_intent["question"][-1]["id"]
        script += [(ann, f"claim M-{first}"), (ann, f"resolve M-{first} answered in a reply")]
    if by_intent.get("billing"):
        script.append((bram, f"claim M-{by_intent['billing'][-1]['id']}"))
    if by_intent.get("complaint"):
        script.append((ann, f"reassign M-{by_intent['complaint'][-1]['id']} billing"))
    if by_intent.get("other"):
        script.append((ann, f"dismiss M-{by_intent['other'][-1]['id']} not relevant"))
    if script:
        script.append((ann, f"claim M-{int(script[0][1].split('M-')[1].split()[0])}"))  # an illegal repeat, refused
    for actor, text in script:
        reply = service.core.command(text, actor)
        mark = "[green]✓[/]" if reply.ok else "[red]✗[/]"
        console.print(f"{mark} {actor.display}: [bold]{_plain(text)}[/] → {_plain(reply.text)}")


# -- classify ---------------------------------------------------------------------------------------


def cmd_classify(args: argparse.Namespace) -> int:
    from adapters.base import Mention, MentionError
    from intents import Post, classify_many

    config = load_config(args.config) if args.config else None
    if args.text is not None:
        verdict = classify_many([Post(text=args.text, followers=args.followers)])[0]
        department = _department(config, verdict, args.text)
        console.print(f"[bold]{verdict.intent}[/] · urgency [bold]{verdict.urgency}[/] · language {verdict.lang}"
                      + (f" · → [bold]{department}[/]" if department else ""))
        console.print("scores: " + ", ".join(f"{k} {v:.2f}" for k, v in verdict.top_intents(4)))
        if verdict.urgency_reasons:
            console.print("urgency because: " + _plain(", ".join(verdict.urgency_reasons)))
        console.print(f"[dim]model: {verdict.model}[/]")
        return 0
    failures = 0
    pending: list[tuple[int, Mention | str]] = []

    def flush() -> None:
        posts = [m for _n, m in pending if not isinstance(m, str)]
        verdicts = iter(classify_many([Post(text=m.text, lang=m.lang, followers=m.author.followers,
                                            reposts=m.metrics.get("reposts"), likes=m.metrics.get("likes"))
                                       for m in posts]))
        for number, item in pending:
            if isinstance(item, str):
                print(json.dumps({"line": number, "error": item}, ensure_ascii=False))
                continue
            verdict = next(verdicts)
            out: dict[str, Any] = {"id": item.id or None, "lang": verdict.lang, "intent": verdict.intent,
                                   "intent_scores": {k: round(v, 4) for k, v in verdict.intent_scores.items()},
                                   "urgency": verdict.urgency}
            if config is not None:
                out["department"] = _department(config, verdict, item.text)
            print(json.dumps(out, ensure_ascii=False))
        pending.clear()

    for number, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        try:
            pending.append((number, Mention.from_json_line(line, require_source=False)))
        except MentionError as exc:
            failures += 1
            pending.append((number, str(exc)))
        if len(pending) >= 256:
            flush()
    flush()
    return 1 if failures else 0


def _department(config: Config | None, verdict: Any, text: str) -> str | None:
    if config is None:
        return None
    from bot.routing import route
    from intents.prefilter import BrandMatcher

    brand = BrandMatcher({b.name: b.terms for b in config.brands}).match(text) or ""
    return route(config, intent=verdict.intent, urgency=verdict.urgency, brand=brand, lang=verdict.lang,
                 text=text).primary


# -- doctor -------------------------------------------------------------------------------------------


def cmd_doctor(args: argparse.Namespace) -> int:
    from bot.doctor import run_doctor

    config = load_config(args.config)
    console.print(f"[green]✓[/] config {args.config} is valid")
    findings = asyncio.run(run_doctor(config))
    errors = 0
    for level, message in findings:
        mark = {"ok": "[green]✓[/]", "warn": "[yellow]![/]", "error": "[red]✗[/]"}[level]
        errors += level == "error"
        console.print(f"{mark} {_plain(message)}")
    return 1 if errors else 0


# -- mentions and silences ---------------------------------------------------------------------------


def _mentions_parser(sub: Any) -> None:
    p = sub.add_parser("mentions", help="list, show and act on mentions as an operator",
                       description="Operator access to mentions: list and show them (with the audit trail) and "
                       "claim, resolve, dismiss, reassign or snooze them, acting as 'cli'.")
    msub = p.add_subparsers(title="actions", metavar="ACTION")
    lp = msub.add_parser("list", help="list mentions", description="List mentions, newest first.")
    _config_arg(lp)
    lp.add_argument("--status", help="only this status (new, alerted, claimed, snoozed, resolved, dismissed, "
                    "silenced, grouped)")
    lp.add_argument("--department", help="only this department")
    lp.add_argument("--silenced", action="store_true", help="only silenced mentions")
    lp.add_argument("--limit", type=int, default=50, help="at most this many (default 50)")
    lp.add_argument("--json", action="store_true", help="one JSON array, for scripts")
    lp.set_defaults(func=cmd_mentions_list)
    sp = msub.add_parser("show", help="one mention with its versions, copies and audit trail",
                         description="Show a mention: its text and every later version, its alert copies, the "
                         "author's history and the audit trail.")
    _config_arg(sp)
    sp.add_argument("id", help="mention id, e.g. M-12")
    sp.add_argument("--json", action="store_true", help="one JSON object, for scripts")
    sp.set_defaults(func=cmd_mentions_show)
    for verb, arg_help in (("claim", None), ("unclaim", None), ("resolve", "note"), ("dismiss", "reason"),
                           ("reassign", "department"), ("snooze", "duration, e.g. 2h"), ("reopen", "why")):
        ap = msub.add_parser(verb, help=f"{verb} a mention as cli", description=f"{verb.capitalize()} a mention, "
                             "acting as 'cli'; every copy in Slack and Teams is updated by the running service.")
        _config_arg(ap)
        ap.add_argument("id", help="mention id, e.g. M-12")
        if arg_help:
            ap.add_argument("rest", nargs="*" if verb in ("resolve", "dismiss", "reopen") else 1, help=arg_help)
        ap.add_argument("--json", action="store_true", help="print the outcome as JSON")
        ap.set_defaults(func=cmd_mentions_act, verb=verb)


def _silences_parser(sub: Any) -> None:
    p = sub.add_parser("silences", help="mute matching mentions for a while (stored, never dropped)",
                       description="List, add and end silences. Pattern fields: brand:, term:, author:, intent:, "
                       "department:. Example: siloless silences add term:giveaway 2h spam wave")
    ssub = p.add_subparsers(title="actions", metavar="ACTION")
    lp = ssub.add_parser("list", help="active silences", description="List the silences in force now.")
    _config_arg(lp)
    lp.set_defaults(func=cmd_silences, verb="silences", words=[])
    ap = ssub.add_parser("add", help="add a silence", description="Add a silence: PATTERN… DURATION [reason], "
                         "e.g. brand:parcelo intent:complaint 2h known outage.")
    _config_arg(ap)
    ap.add_argument("words", nargs="+", help="pattern fields, a duration (30m, 2h, 1d) and an optional reason")
    ap.set_defaults(func=cmd_silences, verb="silence")
    ep = ssub.add_parser("end", help="end a silence early", description="End a silence before it expires.")
    _config_arg(ep)
    ep.add_argument("words", nargs=1, metavar="ID", help="silence id, e.g. S-3")
    ep.set_defaults(func=cmd_silences, verb="unsilence")


def _cli_actor() -> Any:
    from bot.lifecycle import Actor

    try:
        user = getpass.getuser()
    except Exception:
        user = "operator"
    return Actor("cli", user, f"{user} (cli)")


def _core(config: Config) -> Any:
    from bot.clock import SystemClock
    from bot.core import Core
    from bot.store import Store

    return Core(config, Store.open(config.store.path), SystemClock())


def cmd_mentions_list(args: argparse.Namespace) -> int:
    core = _core(load_config(args.config))
    rows = core.store.list_mentions(status=args.status, department=args.department,
                                    silenced=True if args.silenced else None, limit=args.limit)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, default=str))
        return 0
    if not rows:
        console.print("No mentions match.")
        return 0
    table = Table(show_lines=False)
    for column in ("id", "status", "urgency", "intent", "department", "owner", "author", "text"):
        table.add_column(column, overflow="fold" if column == "text" else "ellipsis")
    for row in rows:
        owner = row["claimed_by_name"] or row["resolved_by_name"] or ""
        if row["silence_id"]:
            owner = f"silenced by S-{row['silence_id']}"
        table.add_row(f"M-{row['id']}", row["status"], row["urgency"], row["intent"], row["department"], owner,
                      row["author_handle"] or "", " ".join((row["text"] or "").split())[:90])
    console.print(table)
    return 0


def cmd_mentions_show(args: argparse.Namespace) -> int:
    from bot.alerts import author_history
    from bot.lifecycle import resolve_mention

    core = _core(load_config(args.config))
    row = resolve_mention(core.store, args.id)
    if row is None:
        err_console.print(f"No mention {_plain(args.id)}; see `siloless mentions list`.")
        return 1
    versions = core.store.versions(row["id"])
    events = core.store.events(row["id"])
    copies = core.store.alerts(row["id"])
    members = core.store.list_mentions(case_id=row["id"], limit=500)
    history = author_history(core.store, row, now=core.clock.now())
    if args.json:
        print(json.dumps({"mention": row, "versions": versions, "events": events, "copies": copies,
                          "case_members": [m["id"] for m in members], "author_history": history},
                         ensure_ascii=False, default=str))
        return 0
    from rich.text import Text

    console.print(Text(f"M-{row['id']} · {row['status']} · {row['urgency']} {row['intent']} · {row['department']}",
                       style="bold"))
    console.print(Text(f"{row['author_handle']} ({row['author_followers']} followers) on {row['source']} "
                       f"at {row['created_at']} · {row['url']}"))
    console.print(Text("Original text:", style="bold"))
    console.print(Text(row["text"]))
    for version in versions:
        label = "Deleted by author" if version["kind"] == "delete" else "Edited"
        console.print(Text(f"{label} at {version['at']}:", style="bold yellow"))
        if version["text"]:
            console.print(Text(version["text"]))
    console.print(Text(f"Why here: {row['route']}; urgency reasons: {', '.join(row['urgency_reasons']) or 'none'}"))
    if history:
        console.print(Text(f"Author: {history}"))
    if members:
        listed = ", ".join(f"M-{m['id']}" for m in members[:20])
        console.print(Text(f"Case: {len(members)} more mention(s): {listed}"))
    for copy in copies:
        where = f"{copy['platform']} {copy['channel']} ({copy['purpose']})"
        console.print(Text(f"Copy: {where} posted {copy['posted_at']}"))
    table = Table(title="Audit trail")
    for column in ("at", "actor", "action", "detail"):
        table.add_column(column, overflow="fold")
    for event in events:
        detail = ", ".join(f"{k}={v}" for k, v in event["detail"].items() if v not in (None, "", [], {}))
        table.add_row(event["at"][:19], event["actor_name"] or event["actor"], event["action"], detail[:200])
    console.print(table)
    return 0


def cmd_mentions_act(args: argparse.Namespace) -> int:
    core = _core(load_config(args.config))
    rest = " ".join(getattr(args, "rest", None) or [])
    reply = core.command(f"{args.verb} {args.id} {rest}".strip(), _cli_actor())
    if args.json:
        print(json.dumps({"ok": reply.ok, "message": reply.text, "mention": f"M-{reply.mention_id}"
                          if reply.mention_id else None}))
    else:
        (console if reply.ok else err_console).print(_plain(reply.text))
    return 0 if reply.ok else 1


def cmd_silences(args: argparse.Namespace) -> int:
    core = _core(load_config(args.config))
    reply = core.silence_command(args.verb, " ".join(args.words), _cli_actor())
    (console if reply.ok else err_console).print(_plain(reply.text))
    return 0 if reply.ok else 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
