"""The outbox: retries with backoff, Retry-After, permanent failures, pacing, restart, convergence."""

from __future__ import annotations

import itertools
from datetime import timedelta

from bot.alerts import AlertView
from bot.clock import FakeClock
from bot.config import Config
from bot.lifecycle import Action, Actor
from bot.platforms.base import DeliveryError, MessageRef
from bot.platforms.console import ConsolePlatform
from bot.service import Service
from tests.conftest import drain, fixed_classifier, make_mention

CLASSIFIER = fixed_classifier({}, default=("billing", "normal"))


class ScriptedPlatform(ConsolePlatform):
    """The console platform with failures scripted per call: a stand-in for a misbehaving chat API."""

    def __init__(self, failures: list[DeliveryError | None], *, post_interval: float = 0.0,
                 edit_interval: float = 0.0) -> None:
        super().__init__(quiet=True, post_interval=post_interval, edit_interval=edit_interval)
        self.failures = failures
        self.calls: list[tuple[str, object]] = []

    def _maybe_fail(self) -> None:
        if self.failures:
            failure = self.failures.pop(0)
            if failure is not None:
                raise failure

    async def post(self, channel: str, alert: AlertView) -> MessageRef:
        self.calls.append(("post", self.clock_now()))
        self._maybe_fail()
        return await super().post(channel, alert)

    async def update(self, ref: MessageRef, alert: AlertView) -> None:
        self.calls.append(("update", self.clock_now()))
        self._maybe_fail()
        await super().update(ref, alert)

    def clock_now(self) -> object:
        return self.clock.now() if hasattr(self, "clock") else None


async def _service(config: Config, clock: FakeClock, platform: ScriptedPlatform) -> Service:
    platform.clock = clock  # type: ignore[attr-defined]
    svc = Service(config, clock=clock, console=platform, classifier=CLASSIFIER)
    await svc.start(serve_http=False, run_sources=False, run_workers=False)
    return svc


async def test_retry_after_is_honoured(config: Config, clock: FakeClock) -> None:
    platform = ScriptedPlatform([DeliveryError("ratelimited", retry_after=30), None])
    svc = await _service(config, clock, platform)
    svc.pipeline.ingest(make_mention("Parcelo invoice"))
    start = clock.now()
    await drain(svc, clock)
    assert [kind for kind, _ in platform.calls] == ["post", "post"]
    assert platform.calls[1][1] - start >= timedelta(seconds=30)
    assert len(platform.posts()) == 1
    await svc.stop()


async def test_backoff_grows_and_then_succeeds(config: Config, clock: FakeClock) -> None:
    platform = ScriptedPlatform([DeliveryError("500"), DeliveryError("500"), DeliveryError("timeout"), None])
    svc = await _service(config, clock, platform)
    svc.pipeline.ingest(make_mention("Parcelo invoice"))
    await drain(svc, clock)
    times = [at for _, at in platform.calls]
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
    assert len(gaps) == 3 and gaps[0] < gaps[1] < gaps[2]  # 1s, 2s, 4s with ±50 % jitter
    row = svc.store.deliveries(status="done")[0]
    assert row["attempts"] == 4
    await svc.stop()


async def test_permanent_failure_stops_and_is_audited(config: Config, clock: FakeClock) -> None:
    platform = ScriptedPlatform([DeliveryError("channel_not_found: invite the bot", permanent=True)])
    svc = await _service(config, clock, platform)
    mention_id = svc.pipeline.ingest(make_mention("Parcelo invoice")).mention_id
    await drain(svc, clock)
    assert len(platform.calls) == 1
    failed = svc.store.deliveries(status="failed")
    assert len(failed) == 1 and "channel_not_found" in failed[0]["last_error"]
    assert svc.store.events(mention_id)[-1]["action"] == "delivery_failed"
    await svc.stop()


async def test_gives_up_after_max_attempts(write_config, clock: FakeClock) -> None:
    config = write_config("[outbox]\nmax_attempts = 3\n")
    platform = ScriptedPlatform([DeliveryError("500")] * 10)
    svc = await _service(config, clock, platform)
    svc.pipeline.ingest(make_mention("Parcelo invoice"))
    await drain(svc, clock)
    assert len(platform.calls) == 3
    assert svc.store.deliveries(status="failed")[0]["attempts"] == 3
    await svc.stop()


async def test_posts_are_paced_per_channel(config: Config, clock: FakeClock) -> None:
    platform = ScriptedPlatform([], post_interval=1.0)
    svc = await _service(config, clock, platform)
    for text in ("Parcelo invoice wrong", "Parcelo lost my box", "Parcelo driver rude", "Parcelo app crashes",
                 "when does Parcelo open"):
        svc.pipeline.ingest(make_mention(text))
    await drain(svc, clock)
    times = [at for kind, at in platform.calls if kind == "post"]
    assert len(times) == 5
    assert all((b - a).total_seconds() >= 1.0 for a, b in itertools.pairwise(times))
    await svc.stop()


async def test_burst_of_changes_becomes_few_edits_showing_the_final_state(config: Config, clock: FakeClock) -> None:
    platform = ScriptedPlatform([], edit_interval=3.0)
    svc = await _service(config, clock, platform)
    mention_id = svc.pipeline.ingest(make_mention("Parcelo invoice")).mention_id
    await drain(svc, clock)
    ann = Actor("slack", "U1", "Ann")
    for verb in ("claim", "unclaim", "claim", "unclaim", "claim"):
        svc.core.act(Action(verb, mention_id, ann))
    svc.core.act(Action("resolve", mention_id, ann, note="refunded"))
    await drain(svc, clock)
    updates = [r for r in platform.records if r.kind == "update"]
    assert 1 <= len(updates) <= 2
    assert updates[-1].view.status == "resolved" and updates[-1].view.note == "refunded"
    await svc.stop()


class RememberingPlatform(ConsolePlatform):
    """A console that can find a posted alert by its idempotency key, as Slack can through message metadata."""

    async def find_posted(self, channel: str, key: str, *, since: object = None) -> MessageRef | None:
        for record in self.records:
            if record.kind == "post" and record.channel == channel and record.view.idempotency_key == key:
                return MessageRef(self.name, channel, record.message_id, key=f"{channel}:{record.message_id}")
        return None


async def _crash_after_post(config: Config, clock: FakeClock, platform: ConsolePlatform) -> int:
    """Post once, then make the store look as if the process died before recording the post."""
    svc = Service(config, clock=clock, console=platform, classifier=CLASSIFIER)
    await svc.start(serve_http=False, run_sources=False, run_workers=False)
    mention_id = svc.pipeline.ingest(make_mention("Parcelo invoice")).mention_id
    row = svc.store.due_deliveries(clock.now())[0]
    view = svc.core.view(mention_id)
    from dataclasses import replace

    from bot.outbox import copy_key

    await platform.post(row["channel"], replace(view, idempotency_key=copy_key(row)))
    svc.store.set_delivery(row["id"], {"status": "sending"}, clock.now())
    await svc.stop()
    svc.store.close()
    return mention_id


async def test_in_flight_post_found_after_a_crash_is_recorded_not_reposted(config: Config, clock: FakeClock) -> None:
    platform = RememberingPlatform(quiet=True)
    mention_id = await _crash_after_post(config, clock, platform)
    again = Service(config, clock=clock, console=platform, classifier=CLASSIFIER)
    await again.start(serve_http=False, run_sources=False, run_workers=False)
    await drain(again, clock)
    assert len(platform.posts()) == 1
    assert len(again.store.alerts(mention_id)) == 1
    assert again.store.mention(mention_id)["status"] == "alerted"
    await again.stop()


async def test_in_flight_post_that_did_not_land_is_posted(config: Config, clock: FakeClock) -> None:
    platform = RememberingPlatform(quiet=True)
    mention_id = await _crash_after_post(config, clock, platform)
    platform.records.clear()  # the platform never got it
    again = Service(config, clock=clock, console=platform, classifier=CLASSIFIER)
    await again.start(serve_http=False, run_sources=False, run_workers=False)
    await drain(again, clock)
    assert len(platform.posts()) == 1 and len(again.store.alerts(mention_id)) == 1
    await again.stop()
