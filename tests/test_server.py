"""The HTTP server: webhook ingest with HMAC, body limits, clear 4xx errors, health and metrics."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import aiohttp
import pytest

from adapters.webhook import sign
from bot.clock import FakeClock
from bot.platforms.console import ConsolePlatform
from bot.service import Service
from tests.conftest import fixed_classifier

SECRET = "a-very-long-webhook-secret"
WEBHOOK = f"""
[[sources]]
name = "listening"
type = "webhook"
secret = "{SECRET}"
max_body_bytes = 4096
"""


@pytest.fixture
async def running(write_config, clock: FakeClock) -> AsyncIterator[tuple[Service, str]]:
    config = write_config(WEBHOOK)
    svc = Service(config, clock=clock, console=ConsolePlatform(quiet=True),
                  classifier=fixed_classifier({}, default=("billing", "normal")))
    await svc.start(serve_http=True, run_sources=False, run_workers=False)
    yield svc, f"http://127.0.0.1:{svc.port}"
    await svc.stop()


async def _post(url: str, body: bytes, headers: dict[str, str] | None = None) -> tuple[int, dict]:
    async with aiohttp.ClientSession() as session, session.post(url, data=body, headers=headers or {}) as resp:
        return resp.status, await resp.json()


def _body(**fields: object) -> bytes:
    return json.dumps({"source": "brandwatch", "id": "bw-1", "text": "Parcelo double charged me", **fields}).encode()


async def test_signed_webhook_is_accepted_and_stored(running: tuple[Service, str]) -> None:
    svc, base = running
    body = _body()
    status, payload = await _post(f"{base}/ingest", body, {"X-Siloless-Signature": sign(SECRET, body)})
    assert status == 202
    assert payload["mentions"][0]["outcome"] == "stored"
    assert svc.store.find_mention("brandwatch", "bw-1")["intent"] == "billing"
    status, payload = await _post(f"{base}/ingest/listening", body, {"X-Siloless-Signature": sign(SECRET, body)})
    assert status == 202 and payload["mentions"][0]["outcome"] == "duplicate"


@pytest.mark.parametrize("signature", [None, "sha256=deadbeef", "md5=abc", sign("wrong-secret-wrong-secret", b"x")])
async def test_bad_signature_is_refused_and_stores_nothing(running: tuple[Service, str], signature: str | None) -> None:
    svc, base = running
    headers = {"X-Siloless-Signature": signature} if signature else {}
    status, payload = await _post(f"{base}/ingest", _body(), headers)
    assert status == 401 and payload["error"]
    assert svc.store.count_mentions() == 0


async def test_malformed_and_oversized_bodies(running: tuple[Service, str]) -> None:
    svc, base = running
    for body, expected in ((b"{not json", 400), (json.dumps({"source": "x", "id": "1"}).encode(), 400),
                           (b"[]", 400), (b"x" * 5000, 413)):
        status, payload = await _post(f"{base}/ingest", body, {"X-Siloless-Signature": sign(SECRET, body)})
        assert status == expected, (body[:20], payload)
        assert isinstance(payload["error"], str) and payload["error"]
    assert svc.store.count_mentions() == 0


async def test_unknown_webhook_name_and_method(running: tuple[Service, str]) -> None:
    _svc, base = running
    status, payload = await _post(f"{base}/ingest/nope", b"{}")
    assert status == 404 and "no webhook source named" in payload["error"]
    async with aiohttp.ClientSession() as session, session.get(f"{base}/ingest") as resp:
        assert resp.status == 405


async def test_health_and_metrics(running: tuple[Service, str]) -> None:
    _svc, base = running
    body = _body()
    await _post(f"{base}/ingest", body, {"X-Siloless-Signature": sign(SECRET, body)})
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{base}/healthz") as resp:
            health = await resp.json()
            assert resp.status == 200 and health["status"] == "ok" and health["pending_deliveries"] == 1
        async with session.get(f"{base}/metrics") as resp:
            text = await resp.text()
    assert 'siloless_mentions_total{outcome="stored"} 1' in text
    assert 'siloless_deliveries{status="pending"} 1' in text
    assert 'siloless_source_items_total{source="listening",kind="received"} 1' in text
