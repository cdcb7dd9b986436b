"""``siloless doctor``: everything that would stop alerts from arriving, each with what to do."""

from __future__ import annotations

import contextlib

from adapters.base import SourceMisconfigured, SourceUnavailable
from bot.config import Config, ConfigError
from bot.store import Store


async def run_doctor(config: Config) -> list[tuple[str, str]]:
    from bot.service import Service

    findings: list[tuple[str, str]] = []
    try:
        store = Store.open(config.store.path)
    except Exception as exc:
        return [("error", f"store {config.store.path} cannot be opened: {exc}; check the path and permissions")]
    findings.append(("ok", f"store {config.store.path} at schema version {store.schema_version}, "
                           f"{store.count_mentions()} mentions"))
    service = Service(config, store=store)
    try:
        await service.start(serve_http=False, run_sources=False, run_workers=False)
    except ConfigError as exc:
        findings.append(("error", str(exc)))
        return findings
    try:
        if not service.platforms:
            findings.append(("warn", "no platform is on: set [slack] bot_token or [teams] enabled, or [console]"))
        for platform in service.platforms.values():
            for finding in await platform.doctor():
                findings.append((finding.level, finding.message))
        for name, source in service.sources.items():
            try:
                await source.check()
                findings.append(("ok", f"source {name} ({source.type}) answers"))
            except SourceMisconfigured as exc:
                findings.append(("error", f"source {name}: {exc}"))
            except SourceUnavailable as exc:
                findings.append(("warn", f"source {name} is unreachable right now: {exc}; it will retry"))
            except Exception as exc:
                findings.append(("error", f"source {name}: {type(exc).__name__}: {exc}"))
        failed = store.deliveries(status="failed")
        for row in failed[-10:]:
            findings.append(("error", f"delivery to {row['platform']} {row['channel']} for M-{row['mention_id']} "
                                      f"failed: {row['last_error']}"))
        if len(failed) > 10:
            findings.append(("error", f"… {len(failed) - 10} more failed deliveries"))
        pending = store.delivery_counts().get("pending", 0)
        if pending:
            findings.append(("warn", f"{pending} deliveries are waiting; `siloless run` delivers them"))
    finally:
        with contextlib.suppress(Exception):
            await service.stop()
    return findings
