"""The running service: store, platforms, pipeline, outbox, timers, sources and the HTTP server.

Shared by ``siloless run``, ``replay``, ``demo`` and the tests (Alertmanager's ``app/`` idea), so
what the tests start is what production runs. ``start()`` brings the pieces up in dependency
order; ``stop()`` takes them down in reverse and leaves nothing running.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

from aiohttp import web

from adapters.base import Source, SourceContext, SourceMisconfigured, SourceUnavailable
from adapters.registry import load as load_source
from bot import escalation
from bot.clock import Clock, SystemClock
from bot.config import Config, ConfigError
from bot.core import Core
from bot.lifecycle import SYSTEM, Action
from bot.outbox import Outbox
from bot.pipeline import Classifier, Pipeline
from bot.platforms.base import Platform
from bot.platforms.console import ConsolePlatform
from bot.platforms.registry import load_factory
from bot.redact import install_redaction
from bot.server import build_app
from bot.store import Store
from bot.targets import enabled_platforms

log = logging.getLogger("siloless.service")
#: Inbound event ids (Slack retries) are remembered this long; Slack retries for at most ~5 minutes.
PROCESSED_EVENTS_TTL = timedelta(days=1)
PRUNE_EVERY = timedelta(hours=1)


class Service:
    def __init__(self, config: Config, *, clock: Clock | None = None, console: ConsolePlatform | None = None,
                 platforms: Mapping[str, Platform] | None = None, store: Store | None = None,
                 classifier: Classifier | None = None) -> None:
        self.config = config
        self.clock = clock or SystemClock()
        self.store = store or Store.open(config.store.path)
        self._given_platforms = dict(platforms or {})
        self._console = console
        self.platforms: dict[str, Platform] = {}
        self.core = Core(config, self.store, self.clock, wake=self._wake_outbox)
        self.pipeline = Pipeline(config, self.store, self.clock, on_enqueued=self._wake_outbox,
                                 **({"classifier": classifier} if classifier else {}))
        self.outbox = Outbox(self.store, self.platforms, self.clock, self.core.view, config.outbox,
                             on_alerted=self._mark_alerted, rng=random.Random())
        self.sources: dict[str, Source] = {}
        self.app: web.Application | None = None
        self.port: int | None = None
        self._runner: web.AppRunner | None = None
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[Any]] = []
        install_redaction(config)

    # -- lifecycle ----------------------------------------------------------------------------

    async def start(self, *, serve_http: bool = True, run_sources: bool = True, run_workers: bool = True) -> None:
        await self._start_platforms()
        await self.outbox.recover()
        self._build_sources()
        if serve_http:
            self.app = build_app(self)
            self._runner = web.AppRunner(self.app, access_log=None)
            await self._runner.setup()
            site = web.TCPSite(self._runner, self.config.server.host, self.config.server.port)
            await site.start()
            server = site._server
            sockets = getattr(server, "sockets", None) or []
            self.port = sockets[0].getsockname()[1] if sockets else self.config.server.port
            log.info("listening on http://%s:%s", self.config.server.host, self.port)
        if run_workers:
            self._tasks.append(asyncio.create_task(self.outbox.run_forever(self._stop), name="outbox"))
            self._tasks.append(asyncio.create_task(self._timers_forever(), name="timers"))
        if run_sources:
            for name, source in self.sources.items():
                self._tasks.append(asyncio.create_task(self._run_source(name, source), name=f"source:{name}"))

    async def stop(self) -> None:
        self._stop.set()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        for platform in self.platforms.values():
            with contextlib.suppress(Exception):
                await platform.stop()

    async def _start_platforms(self) -> None:
        for name in enabled_platforms(self.config):
            platform: Platform | None
            if name in self._given_platforms:
                platform = self._given_platforms[name]
            elif name == "console":
                platform = self._console or ConsolePlatform()
            else:
                platform = await load_factory(name)(self.config, self.core)
            if platform is None:
                continue
            await platform.start()
            self.platforms[name] = platform

    def _build_sources(self) -> None:
        terms = tuple(term for brand in self.config.brands for term in brand.terms)
        matcher = self.pipeline.matcher
        for index, entry in enumerate(self.config.sources):
            context = SourceContext(name=entry.name, terms=terms, matches=lambda text: matcher.match(text) is not None,
                                    known=self._known_post(entry.name))
            try:
                cls = load_source(entry.type)
                self.sources[entry.name] = cls.from_config(entry.settings, context)
            except SourceMisconfigured as exc:
                raise ConfigError(f"sources[{index}] ({entry.name}).{exc.key}: {exc.detail}") from None

    def _known_post(self, source_name: str) -> Callable[[str], bool]:
        """Whether a post id from this source is stored: adapters pass edits and deletes of known posts on."""
        return lambda post_id: self.store.find_mention(source_name, post_id) is not None

    # -- workers ------------------------------------------------------------------------------

    def _wake_outbox(self) -> None:
        self.outbox.wake()

    def _mark_alerted(self, mention_id: int) -> None:
        escalation_row = self.store.mention(mention_id)
        if escalation_row is not None and escalation_row["status"] == "new":
            self.core.act(Action("alert", mention_id, SYSTEM))

    async def _timers_forever(self) -> None:
        pruned_at = self.clock.now()
        while not self._stop.is_set():
            try:
                if escalation.fire_due(self.store, self.config, self.clock):
                    self._wake_outbox()
                if self.clock.now() - pruned_at >= PRUNE_EVERY:
                    pruned_at = self.clock.now()
                    self.store.forget_processed_before(pruned_at - PROCESSED_EVENTS_TTL)
            except Exception:
                log.exception("timer pass failed; retrying")
            next_due = self.store.next_timer_due()
            wait = 1.0 if next_due is None else (next_due - self.clock.now()).total_seconds()
            await self.clock.sleep(min(max(wait, 0.05), 1.0))

    async def _run_source(self, name: str, source: Source) -> None:
        delay = 1.0
        while not self._stop.is_set():
            try:
                async for item in source.stream(self.store.cursor(name)):
                    cursor = (name, item.cursor) if item.cursor is not None else None
                    self.pipeline.ingest_batch([(item.mention, cursor)])
                    delay = 1.0
                return  # a finite source (replay) is done
            except asyncio.CancelledError:
                raise
            except SourceUnavailable as exc:
                wait = max(delay, exc.retry_after or 0)
                log.warning("source %s unavailable (%s); retrying in %.0fs", name, exc, wait)
            except Exception:
                wait = delay
                log.exception("source %s failed; restarting from its cursor in %.0fs", name, wait)
            await self.clock.sleep(wait * (0.5 + random.random() / 2))
            delay = min(delay * 2, 300.0)

    # -- observability --------------------------------------------------------------------------

    def metrics_text(self) -> str:
        lines = ["# HELP siloless_mentions_total Mentions handled by the pipeline, by outcome.",
                 "# TYPE siloless_mentions_total counter"]
        for outcome, count in sorted(self.pipeline.stats.counts.items()):
            lines.append(f'siloless_mentions_total{{outcome="{outcome}"}} {count}')
        lines += ["# HELP siloless_deliveries Outbox rows by status.", "# TYPE siloless_deliveries gauge"]
        for status, count in sorted(self.store.delivery_counts().items()):
            lines.append(f'siloless_deliveries{{status="{status}"}} {count}')
        lines += ["# HELP siloless_source_items_total Items seen per source.",
                  "# TYPE siloless_source_items_total counter"]
        for name, source in sorted(self.sources.items()):
            counters = source.counters
            for key in ("received", "matched", "errors", "retries"):
                lines.append(f'siloless_source_items_total{{source="{_label(name)}",kind="{key}"}} '
                             f"{getattr(counters, key)}")
        lines += ["# HELP siloless_outbox_delivered_total Deliveries done by this process.",
                  "# TYPE siloless_outbox_delivered_total counter",
                  f"siloless_outbox_delivered_total {self.outbox.delivered}",
                  f"siloless_outbox_failed_total {self.outbox.failed}"]
        return "\n".join(lines) + "\n"


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
