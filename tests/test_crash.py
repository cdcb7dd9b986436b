"""Crash safety: `siloless run` killed with SIGKILL at random points, restarted, and nothing lost or doubled.

A real process, a fake Slack that answers slowly (each post lands before its answer goes out, so a kill
often falls between "Slack has it" and "we recorded it"), 1,000 mentions through the webhook, several
kills. Afterwards every accepted mention is stored once, alerted exactly once (by the fake's own record of
messages), and its audit trail holds exactly one ingest and one alert event.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import aiohttp
import pytest

from adapters.webhook import sign
from bot.store import Store
from tests.conftest import BASE_TOML
from tests.fakes.fake_slack import FakeSlack, slack_toml

SECRET = "crash-test-webhook-secret"
TOTAL = 1000
BATCH = 20
KILLS = 4
WORDS = ("parcel", "invoice", "courier", "refund", "locker", "driver", "label", "tracking", "weekend", "door",
         "neighbour", "receipt", "discount", "return", "pickup", "address", "phone", "email", "box", "van", "stairs",
         "garden", "office", "school", "holiday", "monday", "friday", "morning", "evening", "night")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _mention(i: int, rng: random.Random) -> dict[str, object]:
    words = " ".join(rng.sample(WORDS, 8))
    return {"source": "crash", "id": f"c{i}", "text": f"Parcelo {words} ({i * 7919 % 100003})",
            "author": {"handle": f"@user{i}@example.social", "followers": 50}}


class Bot:
    def __init__(self, config: Path, port: int, log: Path) -> None:
        self.config, self.port, self.log = config, port, log
        self.proc: subprocess.Popen[bytes] | None = None

    async def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "run", "--config", str(self.config)],
                                         stdout=out, stderr=subprocess.STDOUT, env={**os.environ,
                                                                                     "PYTHONUNBUFFERED": "1"})
        deadline = time.monotonic() + 60
        async with aiohttp.ClientSession() as session:
            while time.monotonic() < deadline:
                assert self.proc.poll() is None, self.log.read_text()[-3000:]
                try:
                    async with session.get(f"http://127.0.0.1:{self.port}/healthz") as resp:
                        if resp.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.05)
        raise AssertionError("siloless run did not come up:\n" + self.log.read_text()[-3000:])

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=30)


async def _feed(port: int, items: list[dict[str, object]]) -> bool:
    body = json.dumps(items).encode()
    try:
        async with aiohttp.ClientSession() as session, session.post(
                f"http://127.0.0.1:{port}/ingest", data=body, headers={"X-Siloless-Signature": sign(SECRET, body)},
                timeout=aiohttp.ClientTimeout(total=10)) as resp:
            return resp.status == 202
    except (aiohttp.ClientError, TimeoutError):
        return False  # the process died under us: not accepted, sent again after the restart


@pytest.mark.timeout(300)
async def test_sigkill_at_random_points_loses_nothing_and_doubles_nothing(tmp_path: Path) -> None:
    rng = random.Random(20261123)
    mentions = [_mention(i, rng) for i in range(TOTAL)]
    port = _free_port()
    async with FakeSlack() as fake:
        fake.reply_delays["chat.postMessage"] = 0.01  # slow Slack: the post exists before we hear back
        config = tmp_path / "siloless.toml"
        config.write_text(
            BASE_TOML.format(db=tmp_path / "s.db").replace("port = 0", f"port = {port}")
            + slack_toml(fake) + f'\n[grouping]\nsimilarity = 0.97\n\n[[sources]]\ntype = "webhook"\n'
            f'secret = "{SECRET}"\nmax_body_bytes = 5000000\n'
        )
        bot = Bot(config, port, tmp_path / "run.log")
        accepted: set[str] = set()
        sent = 0
        for _round in range(KILLS):
            await bot.start()
            kill_at = time.monotonic() + rng.uniform(0.5, 2.5)
            while time.monotonic() < kill_at:
                if sent < TOTAL:
                    batch = mentions[sent:sent + BATCH]
                    if await _feed(port, batch):
                        accepted.update(str(m["id"]) for m in batch)
                        sent += len(batch)
                else:
                    await asyncio.sleep(0.05)
            bot.kill()
        await bot.start()
        while sent < TOTAL:
            batch = mentions[sent:sent + BATCH]
            assert await _feed(port, batch)
            accepted.update(str(m["id"]) for m in batch)
            sent += len(batch)
        store = Store.open(str(tmp_path / "s.db"))
        deadline = time.monotonic() + 150
        while time.monotonic() < deadline:
            counts = store.delivery_counts()
            if not counts.get("pending") and not counts.get("sending"):
                break
            await asyncio.sleep(0.2)
        bot.stop()
        store.close()

        store = Store.open(str(tmp_path / "s.db"))
        assert len(accepted) == TOTAL
        rows = {row["source_id"]: row for row in store.list_mentions(limit=TOTAL * 2)}
        assert set(rows) == accepted, "every accepted mention is stored, and nothing else"
        assert store.delivery_counts().get("failed", 0) == 0
        posted = fake.posts_by_key()
        doubled = {key: n for key, n in posted.items() if n > 1}
        assert not doubled, f"posted more than once: {list(doubled.items())[:5]}"
        alerted = [row for row in rows.values() if row["status"] != "grouped"]
        for row in alerted:
            copies = store.alerts(row["id"])
            assert len(copies) == 1, (row["id"], copies)
            key = f"siloless:{row['id']}:alert:slack:{row['department'] and copies[0]['channel']}"
            assert posted[key] == 1, f"M-{row['id']} was posted {posted[key]} times"
            actions = Counter(event["action"] for event in store.events(row["id"]))
            assert actions["ingest"] == 1 and actions["alert"] == 1, (row["id"], actions)
        assert len(alerted) > TOTAL * 0.95  # distinct texts: (almost) all alert on their own
        log_text = (tmp_path / "run.log").read_text()
        assert "xoxb-test-token" not in log_text and SECRET not in log_text
