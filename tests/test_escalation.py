"""Deadlines as stored timers: escalation levels, claim expiry, snooze, and exactly once across restarts."""

from __future__ import annotations

from bot import escalation
from bot.clock import FakeClock
from bot.config import Config
from bot.lifecycle import Action, Actor
from bot.platforms.console import ConsolePlatform
from bot.service import Service
from tests.conftest import console_of, fixed_classifier, make_mention

ANN = Actor("slack", "U_ANN", "Ann")
CLASSIFIER = fixed_classifier({"hacked": ("security", "critical"), "charged": ("billing", "normal"),
                               "thanks": ("praise", "low")})
EXTRA = """
[[departments]]
name = "pr"
intents = []
slack_channel = "#pr"
claim_within = { critical = "2m" }
claim_expires_after = "1h"
return_to_pool = true
"""


async def _service(config: Config, clock: FakeClock) -> Service:
    svc = Service(config, clock=clock, console=ConsolePlatform(quiet=True), classifier=CLASSIFIER)
    await svc.start(serve_http=False, run_sources=False, run_workers=False)
    return svc


async def _tick(svc: Service, clock: FakeClock, **delta: float) -> int:
    clock.advance(**delta)
    fired = escalation.fire_due(svc.store, svc.config, clock)
    await svc.outbox.drain()
    return fired


async def test_unclaimed_critical_escalates_then_escalates_again(config: Config, clock: FakeClock) -> None:
    svc = await _service(config, clock)
    mention_id = svc.pipeline.ingest(make_mention("my Parcelo account was hacked")).mention_id
    await svc.outbox.drain()
    assert await _tick(svc, clock, minutes=4) == 0
    assert await _tick(svc, clock, minutes=1, seconds=1) == 1  # 5m critical deadline
    row = svc.store.mention(mention_id)
    assert row["escalation_level"] == 1
    console = console_of(svc)
    assert [p.channel for p in console.posts()] == ["#security", "#escalations"]
    ping = next(r for r in console.records if r.kind == "reply" and r.channel == "#security")
    assert ping.ping == "S0SECURITY" and "escalated" in ping.text
    assert await _tick(svc, clock, minutes=29) == 0
    assert await _tick(svc, clock, minutes=2) == 1  # second_level_after 30m
    assert svc.store.mention(mention_id)["escalation_level"] == 2
    assert [e["detail"]["level"] for e in svc.store.events(mention_id) if e["action"] == "escalate"] == [1, 2]
    assert await _tick(svc, clock, hours=5) == 0  # nothing more
    await svc.stop()


async def test_claim_stops_the_deadline(config: Config, clock: FakeClock) -> None:
    svc = await _service(config, clock)
    mention_id = svc.pipeline.ingest(make_mention("my Parcelo account was hacked")).mention_id
    await svc.outbox.drain()
    svc.core.act(Action("claim", mention_id, ANN))
    assert await _tick(svc, clock, minutes=10) == 0
    assert svc.store.mention(mention_id)["escalation_level"] == 0
    await svc.stop()


async def test_low_urgency_has_no_deadline(config: Config, clock: FakeClock) -> None:
    svc = await _service(config, clock)
    mention_id = svc.pipeline.ingest(make_mention("thanks Parcelo")).mention_id
    assert svc.store.timers(mention_id) == []
    await svc.stop()


async def test_restart_between_due_time_and_firing_fires_exactly_once(config: Config, clock: FakeClock) -> None:
    svc = await _service(config, clock)
    mention_id = svc.pipeline.ingest(make_mention("my Parcelo account was hacked")).mention_id
    await svc.outbox.drain()
    clock.advance(minutes=6)  # due now, but the process dies before the timer worker runs
    await svc.stop()
    svc.store.close()
    again = await _service(config, clock)
    assert escalation.fire_due(again.store, again.config, clock) == 1
    assert escalation.fire_due(again.store, again.config, clock) == 0
    await again.outbox.drain()
    escalations = [e for e in again.store.events(mention_id) if e["action"] == "escalate"]
    assert len(escalations) == 1
    assert [p.channel for p in console_of(again).posts()] == ["#escalations"]
    await again.stop()


async def test_department_override_and_claim_expiry_return_to_pool(write_config, clock: FakeClock) -> None:
    config = write_config(EXTRA + '\n[[routes]]\nintent = ["security"]\ndepartment = "pr"\n')
    svc = await _service(config, clock)
    mention_id = svc.pipeline.ingest(make_mention("my Parcelo account was hacked")).mention_id
    await svc.outbox.drain()
    assert await _tick(svc, clock, minutes=2, seconds=1) == 1  # pr's own 2m deadline
    svc.core.act(Action("claim", mention_id, ANN))
    assert await _tick(svc, clock, minutes=61) == 1  # reminder
    reminder = [r for r in console_of(svc).records if r.kind == "reply" and "Reminder" in r.text]
    assert reminder and reminder[0].ping == "U_ANN"
    assert svc.store.mention(mention_id)["status"] == "claimed"
    assert await _tick(svc, clock, minutes=61) == 1  # second expiry: back to the pool
    row = svc.store.mention(mention_id)
    assert row["status"] == "alerted" and row["claimed_by"] is None
    assert [e["action"] for e in svc.store.events(mention_id)][-1] == "expire"
    await svc.stop()


async def test_snooze_hides_then_brings_back(config: Config, clock: FakeClock) -> None:
    svc = await _service(config, clock)
    mention_id = svc.pipeline.ingest(make_mention("Parcelo charged me twice")).mention_id
    await svc.outbox.drain()
    reply = svc.core.command(f"snooze M-{mention_id} 2h", ANN)
    assert reply.ok and svc.store.mention(mention_id)["status"] == "snoozed"
    assert await _tick(svc, clock, hours=1) == 0
    assert await _tick(svc, clock, hours=1, seconds=1) == 1
    assert svc.store.mention(mention_id)["status"] == "alerted"
    assert any(r.text == "Snooze ended; back in the pool." for r in console_of(svc).records if r.kind == "reply")
    await svc.stop()


async def test_timer_worker_runs_in_the_service_loop(config: Config, clock: FakeClock) -> None:
    """The background loop (not just fire_due) picks timers up when the fake clock moves."""
    import asyncio

    svc = Service(config, clock=clock, console=ConsolePlatform(quiet=True), classifier=CLASSIFIER)
    await svc.start(serve_http=False, run_sources=False, run_workers=True)
    mention_id = svc.pipeline.ingest(make_mention("my Parcelo account was hacked")).mention_id
    for _ in range(400):
        clock.advance(seconds=2)
        await asyncio.sleep(0.005)
        if svc.store.mention(mention_id)["escalation_level"] == 1:
            break
    assert svc.store.mention(mention_id)["escalation_level"] == 1
    await svc.stop()
