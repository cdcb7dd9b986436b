"""Load benchmark: `siloless run` (a real process) fed through /ingest at rising rates against the fake Slack,
then held at a rate it sustains; plus `siloless replay` of a large file. Writes its results into
docs/benchmarks.md (between the load markers) and prints them.

    python bench/load.py                       # ramp, then 10 minutes sustained (the published figures)
    python bench/load.py --sustain 60 --quick  # a short smoke run

What is measured, per phase: mentions accepted per second (202 from /ingest), mentions alerted per second
(chat.postMessage received by the fake), ingest→alert latency (from sending the request to the fake
receiving the post; both clocks are this process's monotonic clock) p50/p99, the bot's peak RSS, and loss:
every accepted mention must be stored and posted exactly once (the fake's record of messages).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from adapters.webhook import sign  # noqa: E402
from bot.store import Store  # noqa: E402
from tests.conftest import BASE_TOML  # noqa: E402
from tests.fakes.fake_slack import FakeSlack, slack_toml  # noqa: E402

SECRET = "load-benchmark-webhook-secret"
WORDS = ("parcel", "invoice", "courier", "refund", "locker", "driver", "label", "tracking", "weekend", "door",
         "neighbour", "receipt", "discount", "return", "pickup", "address", "phone", "email", "box", "van", "stairs",
         "garden", "office", "school", "holiday", "monday", "friday", "morning", "evening", "night", "app", "login",
         "password", "charge", "bill", "lawyer", "journalist", "job", "feature", "thanks")
BATCH = 10


@dataclass
class Phase:
    name: str
    rate: float
    seconds: float
    sent_at: dict[str, float] = field(default_factory=dict)
    accepted: int = 0
    refused: int = 0


class Bot:
    def __init__(self, config: Path, port: int, log: Path) -> None:
        self.config, self.port, self.log = config, port, log
        self.proc: subprocess.Popen[bytes] | None = None

    async def start(self) -> None:
        out = self.log.open("ab")
        self.proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "run", "--config", str(self.config)],
                                     stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
        async with aiohttp.ClientSession() as session:
            for _ in range(600):
                try:
                    async with session.get(f"http://127.0.0.1:{self.port}/healthz") as resp:
                        if resp.status == 200:
                            return
                except aiohttp.ClientError:
                    await asyncio.sleep(0.1)
        raise SystemExit("siloless run did not start; see " + str(self.log))

    def peak_rss_mb(self) -> float:
        assert self.proc is not None
        text = Path(f"/proc/{self.proc.pid}/status").read_text()
        match = re.search(r"VmHWM:\s+(\d+) kB", text)
        return int(match.group(1)) / 1024 if match else float("nan")

    def stop(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=60)


def _mention(n: int, rng: random.Random) -> dict[str, object]:
    return {"source": "load", "id": f"l{n}", "text": f"Parcelo {' '.join(rng.sample(WORDS, 9))} {n}",
            "author": {"handle": f"@user{n % 5000}@example.social", "followers": rng.choice([10, 200, 4000])}}


async def _drive(session: aiohttp.ClientSession, port: int, phase: Phase, counter: list[int],
                 rng: random.Random) -> None:
    """Send ``phase.rate`` mentions a second (in batches of BATCH) for ``phase.seconds``."""
    interval = BATCH / phase.rate
    start = time.monotonic()
    next_at = start
    pending: set[asyncio.Task[None]] = set()

    async def send(items: list[dict[str, object]]) -> None:
        body = json.dumps(items).encode()
        sent = time.monotonic()
        try:
            async with session.post(f"http://127.0.0.1:{port}/ingest", data=body,
                                    headers={"X-Siloless-Signature": sign(SECRET, body)}) as resp:
                ok = resp.status == 202
        except aiohttp.ClientError:
            ok = False
        if ok:
            phase.accepted += len(items)
            for item in items:
                phase.sent_at[str(item["id"])] = sent
        else:
            phase.refused += len(items)

    while time.monotonic() - start < phase.seconds:
        items = [_mention(counter[0] + i, rng) for i in range(BATCH)]
        counter[0] += BATCH
        task = asyncio.create_task(send(items))
        pending.add(task)
        task.add_done_callback(pending.discard)
        next_at += interval
        await asyncio.sleep(max(0.0, next_at - time.monotonic()))
    if pending:
        await asyncio.wait(pending)


def _posted_at(fake: FakeSlack) -> dict[int, float]:
    """mention id → when the fake received its alert post."""
    out: dict[int, float] = {}
    for call in fake.calls_to("chat.postMessage"):
        metadata = call.args.get("metadata") or {}
        if isinstance(metadata, str):
            metadata = json.loads(metadata)
        key = (metadata.get("event_payload") or {}).get("key", "")
        match = re.match(r"siloless:(\d+):alert:", key)
        if match:
            out.setdefault(int(match.group(1)), call.at)
    return out


async def _wait_delivered(store_path: Path, timeout: float) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        store = Store.open(str(store_path))
        counts = store.delivery_counts()
        store.close()
        if not counts.get("pending") and not counts.get("sending"):
            return time.monotonic()
        await asyncio.sleep(0.5)
    return float("nan")


def _phase_report(phase: Phase, fake: FakeSlack, store_path: Path) -> dict[str, object]:
    store = Store.open(str(store_path))
    ids = {row["source_id"]: row["id"] for row in store.list_mentions(limit=10_000_000) if row["source"] == "load"}
    store.close()
    posted = _posted_at(fake)
    latencies = sorted(posted[ids[s]] - t for s, t in phase.sent_at.items() if s in ids and ids[s] in posted)
    times = [posted[ids[s]] for s in phase.sent_at if s in ids and ids[s] in posted]
    span = (max(times) - min(times)) if len(times) > 1 else float("nan")
    return {
        "phase": phase.name, "offered/s": phase.rate, "accepted": phase.accepted, "refused": phase.refused,
        "alerted": len(latencies), "alerted/s": round(len(times) / span, 1) if span and span == span else None,
        "p50 ms": round(statistics.median(latencies) * 1000) if latencies else None,
        "p99 ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000) if latencies else None,
        "lost": phase.accepted - sum(1 for s in phase.sent_at if s in ids),
    }


async def run(args: argparse.Namespace) -> dict[str, object]:
    rng = random.Random(7)
    work = Path(tempfile.mkdtemp(prefix="siloless-load-"))
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    results: dict[str, object] = {"phases": []}
    async with FakeSlack() as fake:
        config = work / "siloless.toml"
        config.write_text(BASE_TOML.format(db=work / "s.db").replace("port = 0", f"port = {port}")
                          + slack_toml(fake) + "\n[grouping]\nsimilarity = 0.97\n"
                          + f'\n[[sources]]\ntype = "webhook"\nsecret = "{SECRET}"\nmax_body_bytes = 5000000\n')
        bot = Bot(config, port, work / "run.log")
        await bot.start()
        counter = [0]
        async with aiohttp.ClientSession() as session:
            rates = [25, 50, 100, 200] if args.quick else [25, 50, 100, 150, 200, 300, 400]
            held = rates[0]
            for rate in rates:
                phase = Phase(f"ramp {rate}/s", rate, args.step)
                await _drive(session, port, phase, counter, rng)
                await _wait_delivered(work / "s.db", 120)
                report = _phase_report(phase, fake, work / "s.db")
                results["phases"].append(report)  # type: ignore[union-attr]
                print(report, flush=True)
                if report["p99 ms"] is None or report["p99 ms"] > 2000 or report["refused"]:
                    break
                held = rate
            sustain_rate = max(10, int(held * 0.8))
            phase = Phase(f"sustained {sustain_rate}/s for {args.sustain:.0f} s", sustain_rate, args.sustain)
            await _drive(session, port, phase, counter, rng)
            await _wait_delivered(work / "s.db", 300)
            report = _phase_report(phase, fake, work / "s.db")
            results["phases"].append(report)  # type: ignore[union-attr]
            print(report, flush=True)
        results["peak_rss_mb"] = round(bot.peak_rss_mb(), 1)
        bot.stop()
        doubles = {k: n for k, n in fake.posts_by_key().items() if n > 1}
        store = Store.open(str(work / "s.db"))
        results["stored"] = store.count_mentions()
        results["failed_deliveries"] = store.delivery_counts().get("failed", 0)
        store.close()
        results["posted_twice"] = len(doubles)
        results["sent"] = counter[0]

        # the replay source: a whole file through `siloless replay`
        replay_file = work / "replay.jsonl"
        replay_file.write_text("".join(json.dumps({**_mention(10_000_000 + i, rng), "source": "replay"}) + "\n"
                                       for i in range(args.replay)))
        replay_config = work / "replay.toml"
        replay_config.write_text(BASE_TOML.format(db=work / "r.db") + slack_toml(fake)
                                 + "\n[grouping]\nsimilarity = 0.97\n")
        started = time.monotonic()
        replay = await asyncio.create_subprocess_exec(  # async: the fake Slack runs on this loop
            sys.executable, "-m", "bot.cli", "replay", "--config", str(replay_config), str(replay_file), "--quiet",
            cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        output, _ = await replay.communicate()
        if replay.returncode != 0:
            raise SystemExit(f"siloless replay failed:\n{output.decode()[-2000:]}")
        seconds = time.monotonic() - started
        store = Store.open(str(work / "r.db"))
        done = store.delivery_counts().get("done", 0)
        store.close()
        results["replay"] = {"mentions": args.replay, "seconds": round(seconds, 1),
                             "mentions/s (process start to all delivered)": round(args.replay / seconds, 1),
                             "deliveries done": done}
    return results


def write_doc(results: dict[str, object], command: str) -> None:
    cpu = platform.processor() or platform.machine()
    machine = f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"
    rows = "\n".join(
        f"| {p['phase']} | {p['accepted']} | {p['alerted']} | {p['alerted/s']} | {p['p50 ms']} | {p['p99 ms']} "
        f"| {p['lost']} |" for p in results["phases"])  # type: ignore[union-attr]
    replay = results["replay"]
    section = f"""<!-- load:start -->
## Load: `siloless run` under a stream of mentions

Measured with `{command}` on {time.strftime('%Y-%m-%d')}: {machine}; the bot is a separate process (one
core), the load generator and the fake Slack share the other. SQLite in WAL mode with `synchronous=FULL`;
every alert goes through the outbox to the fake Slack (which answers at once; no pacing:
`post_interval_seconds = 0`). Latency is from sending `POST /ingest` to the fake receiving the alert.

| phase | accepted | alerted | alerted/s | p50 ms | p99 ms | lost |
|---|---|---|---|---|---|---|
{rows}

- Peak memory of the bot process (VmHWM): {results['peak_rss_mb']} MB.
- Loss: mentions sent {results['sent']}, stored {results['stored']}, posted twice {results['posted_twice']},
  failed deliveries {results['failed_deliveries']}.
- `siloless replay` of {replay['mentions']} mentions (process start, classification, storage and every
  alert delivered to the fake): {replay['seconds']} s, {replay['mentions/s (process start to all delivered)']}
  mentions/s.
<!-- load:end -->"""
    path = ROOT / "docs" / "benchmarks.md"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    if "<!-- load:start -->" in text:
        text = re.sub(r"<!-- load:start -->.*<!-- load:end -->", lambda _m: section, text, flags=re.S)
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    path.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--step", type=float, default=20.0, help="seconds per ramp step")
    parser.add_argument("--sustain", type=float, default=600.0, help="seconds at the sustained rate")
    parser.add_argument("--replay", type=int, default=5000, help="mentions in the replay phase")
    parser.add_argument("--quick", action="store_true", help="fewer ramp steps")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    args = parser.parse_args()
    results = asyncio.run(run(args))
    print(json.dumps(results, indent=2))
    if not args.no_write:
        write_doc(results, "python bench/load.py " + " ".join(sys.argv[1:]))


if __name__ == "__main__":
    main()
