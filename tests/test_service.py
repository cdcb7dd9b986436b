"""The service as it runs: `siloless run` as a real process, and sources driven with their cursors."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import aiohttp

from adapters.webhook import sign
from bot.clock import FakeClock
from bot.platforms.console import ConsolePlatform
from bot.service import Service
from bot.store import Store
from tests.conftest import BASE_TOML, console_of, fixed_classifier

SECRET = "service-test-webhook-secret"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _wait_http(url: str, deadline: float) -> None:
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            try:
                async with session.get(url) as resp:
                    if resp.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError(f"{url} did not come up")


async def test_siloless_run_serves_ingest_health_and_stops_cleanly(tmp_path: Path) -> None:
    port = _free_port()
    config = tmp_path / "siloless.toml"
    config.write_text(BASE_TOML.format(db=tmp_path / "s.db").replace("port = 0", f"port = {port}")
                      + f'\n[[sources]]\ntype = "webhook"\nsecret = "{SECRET}"\n')
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "run", "--config", str(config)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=tmp_path)
    try:
        base = f"http://127.0.0.1:{port}"
        await _wait_http(f"{base}/healthz", time.monotonic() + 30)
        body = json.dumps({"source": "zap", "id": "1", "text": "Parcelo lost my parcel"}).encode()
        async with aiohttp.ClientSession() as session:
            async with session.post(f"{base}/ingest", data=body,
                                    headers={"X-Siloless-Signature": sign(SECRET, body)}) as resp:
                assert resp.status == 202
            for _ in range(100):  # the outbox delivers to the console within moments
                async with session.get(f"{base}/healthz") as resp:
                    if (await resp.json())["pending_deliveries"] == 0:
                        break
                await asyncio.sleep(0.1)
    finally:
        proc.send_signal(signal.SIGTERM)
        output = proc.communicate(timeout=20)[0].decode()
    assert proc.returncode == 0, output
    store = Store.open(str(tmp_path / "s.db"))
    row = store.find_mention("zap", "1")
    assert row is not None and row["status"] == "alerted"
    assert "Parcelo lost my parcel" in output  # printed by the console platform


async def test_replay_source_saves_its_cursor_and_resumes(write_config, clock: FakeClock, tmp_path: Path) -> None:
    feed = tmp_path / "feed.jsonl"
    texts = {1: "Parcelo lost my parcel", 2: "how do I change my Parcelo address", 3: "Parcelo invoice is wrong"}
    feed.write_text("".join(json.dumps({"source": "feed", "id": str(i), "text": text}) + "\n"
                            for i, text in texts.items()))
    config = write_config(f'\n[[sources]]\nname = "file"\ntype = "replay"\npath = "{feed}"\n')
    classifier = fixed_classifier({}, default=("question", "normal"))

    async def run_once() -> Service:
        svc = Service(config, clock=clock, console=ConsolePlatform(quiet=True), classifier=classifier)
        await svc.start(serve_http=False, run_sources=True, run_workers=False)
        for _ in range(200):
            await asyncio.sleep(0.01)
            if all(task.done() for task in svc._tasks):
                break
        return svc

    first = await run_once()
    assert first.store.cursor("file") == "3" and first.store.count_mentions() == 3
    await first.stop()
    with feed.open("a") as handle:
        late = {"source": "feed", "id": "5", "text": "the Parcelo courier was lovely"}
        handle.write("{broken\n" + json.dumps(late) + "\n")
    second = await run_once()
    assert second.store.cursor("file") == "5"
    assert second.store.count_mentions() == 4  # one new, the broken line skipped, none repeated
    assert second.pipeline.stats.counts == {"stored": 1, "ignored": 1}
    await second.outbox.drain()
    assert len(console_of(second).posts()) == 4  # the first run's three were still pending
    await second.stop()
