"""The state machine: every legal and illegal edge, idempotent repeats, permissions, audit, fan-out."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.clock import FakeClock, iso
from bot.config import Config
from bot.lifecycle import _ALREADY, STATES, SYSTEM, SYSTEM_VERBS, TRANSITIONS, VERBS, Action, Actor, apply
from bot.service import Service
from bot.store import Store
from tests.conftest import console_of, fixed_classifier, make_mention

ANN = Actor("slack", "U_ANN", "Ann")
BOB = Actor("teams", "aad-bob", "Bob")
CLASSIFIER = fixed_classifier({"charged": ("billing", "normal"), "hacked": ("security", "critical")})


def _seed(store: Store, config: Config, clock: FakeClock, status: str) -> int:
    record = {"source": "t", "source_id": f"{status}-{clock.now().timestamp()}", "text": "Parcelo charged twice",
              "received_at": iso(clock.now()), "department": "billing", "intent": "billing", "urgency": "normal",
              "intent_scores": {"billing": 0.8, "complaint": 0.2}, "status": status}
    if status == "claimed":
        record.update(claimed_by=ANN.key, claimed_by_name="Ann", claimed_at=iso(clock.now()))
    if status in ("resolved", "dismissed"):
        record.update(resolved_by=ANN.key, resolved_by_name="Ann", resolved_at=iso(clock.now()))
    if status == "snoozed":
        record.update(snoozed_until=iso(clock.now() + timedelta(hours=1)))
    return store.insert_mention(record).mention_id


def _action(verb: str, mention_id: int, clock: FakeClock) -> Action:
    actor = SYSTEM if verb in SYSTEM_VERBS else ANN
    return Action(verb, mention_id, actor, department="support" if verb == "reassign" else "",
                  until=clock.now() + timedelta(hours=2) if verb == "snooze" else None)


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("verb", VERBS)
def test_every_edge(state: str, verb: str, config: Config, clock: FakeClock, tmp_path) -> None:
    store = Store.open(str(tmp_path / "t.db"))
    mention_id = _seed(store, config, clock, state)
    before = len(store.events(mention_id))
    outcome = apply(store, config, clock, _action(verb, mention_id, clock))
    row = store.mention(mention_id)
    if (state, verb) in TRANSITIONS:
        assert outcome.ok and outcome.changed, outcome.message
        assert row["status"] == TRANSITIONS[(state, verb)]
        events = store.events(mention_id)
        assert len(events) == before + 1 and events[-1]["action"] == verb
        assert events[-1]["actor"] == ("system" if verb in SYSTEM_VERBS else "slack:U_ANN")
    elif (state, verb) in _ALREADY:
        assert outcome.ok and not outcome.changed
        assert "already" in outcome.message
        assert row["status"] == state and len(store.events(mention_id)) == before
    else:
        assert not outcome.ok and not outcome.changed
        assert outcome.message  # the person is told why
        assert row["status"] == state and len(store.events(mention_id)) == before


def test_people_cannot_take_system_actions(config: Config, clock: FakeClock, tmp_path) -> None:
    store = Store.open(str(tmp_path / "t.db"))
    mention_id = _seed(store, config, clock, "claimed")
    outcome = apply(store, config, clock, Action("expire", mention_id, ANN))
    assert not outcome.ok and "done by Siloless itself" in outcome.message


def test_claim_by_someone_else_is_refused_and_names_the_owner(config: Config, clock: FakeClock, tmp_path) -> None:
    store = Store.open(str(tmp_path / "t.db"))
    mention_id = _seed(store, config, clock, "alerted")
    assert apply(store, config, clock, Action("claim", mention_id, ANN)).changed
    repeat = apply(store, config, clock, Action("claim", mention_id, ANN))
    assert repeat.ok and not repeat.changed  # a double click
    other = apply(store, config, clock, Action("claim", mention_id, BOB))
    assert not other.ok and "already claimed by Ann" in other.message
    assert store.mention(mention_id)["claimed_by"] == "slack:U_ANN"


def test_unknown_ids_and_bad_arguments(config: Config, clock: FakeClock, tmp_path) -> None:
    store = Store.open(str(tmp_path / "t.db"))
    mention_id = _seed(store, config, clock, "alerted")
    assert "No mention" in apply(store, config, clock, Action("claim", "M-999", ANN)).message
    assert "No mention" in apply(store, config, clock, Action("claim", "'; DROP TABLE mentions;--", ANN)).message
    refused = apply(store, config, clock, Action("reassign", mention_id, ANN, department="marketing"))
    assert not refused.ok and 'no department "marketing"' in refused.message
    same = apply(store, config, clock, Action("reassign", mention_id, ANN, department="billing"))
    assert not same.ok and "already with billing" in same.message
    assert store.count_mentions() == 1


def test_allow_list_refuses_outsiders_and_attributes_insiders(write_config, clock: FakeClock, tmp_path) -> None:
    config = write_config(base=_restricted_base())
    store = Store.open(str(tmp_path / "t.db"))
    mention_id = _seed(store, config, clock, "alerted")
    outsider = apply(store, config, clock, Action("resolve", mention_id, BOB))
    assert not outsider.ok and "allow-list" in outsider.message
    member = Actor("slack", "U_OTHER", "Ola", groups=("S_BILLING",))
    assert apply(store, config, clock, Action("resolve", mention_id, member)).ok
    event = store.events(mention_id)[-1]
    assert (event["actor"], event["actor_name"]) == ("slack:U_OTHER", "Ola")


def _restricted_base() -> str:
    from tests.conftest import BASE_TOML

    return BASE_TOML.replace('teams_channel = "Billing"\n', 'teams_channel = "Billing"\nallow_slack_groups = '
                             '["S_BILLING"]\n')


async def test_a_change_updates_every_copy_and_adds_a_quiet_thread_line(write_config, clock: FakeClock) -> None:
    from bot.platforms.console import ConsolePlatform

    config = write_config("[console]\nenabled = true\n")
    svc = Service(config, clock=clock, console=ConsolePlatform(quiet=True), classifier=CLASSIFIER)
    await svc.start(serve_http=False, run_sources=False, run_workers=False)
    mention_id = svc.pipeline.ingest(make_mention("Parcelo charged me twice")).mention_id
    await svc.outbox.drain()
    assert svc.core.act(Action("claim", mention_id, ANN)).changed
    clock.advance(5)
    await svc.outbox.drain()
    records = console_of(svc).records
    assert [r.kind for r in records] == ["post", "update", "reply"]
    assert records[1].view.claimed_by_name == "Ann" and records[1].view.status == "claimed"
    assert records[2].text == "Claimed by Ann." and "<@" not in records[2].text and not records[2].ping
    await svc.stop()


async def test_reassign_posts_in_the_new_channel_and_points_the_old_copy(config: Config, clock: FakeClock) -> None:
    from bot.platforms.console import ConsolePlatform

    svc = Service(config, clock=clock, console=ConsolePlatform(quiet=True), classifier=CLASSIFIER)
    await svc.start(serve_http=False, run_sources=False, run_workers=False)
    mention_id = svc.pipeline.ingest(make_mention("Parcelo charged me twice")).mention_id
    await svc.outbox.drain()
    outcome = svc.core.act(Action("reassign", mention_id, ANN, department="support"))
    assert outcome.changed and svc.store.mention(mention_id)["department"] == "support"
    clock.advance(5)
    await svc.outbox.drain()
    console = console_of(svc)
    assert [p.channel for p in console.posts()] == ["#billing", "#support"]
    old_update = next(r for r in console.records if r.kind == "update" and r.channel == "#billing")
    assert old_update.view.moved_to == "support"
    new_post = console.posts("#support")[0]
    assert new_post.view.moved_to == "" and new_post.view.status == "alerted"
    feedback = svc.store.feedback_examples()
    assert feedback == [{"text": "Parcelo charged me twice", "lang": "en", "intent": "complaint",
                         "mention_id": mention_id}]
    await svc.stop()


def test_dismiss_as_not_relevant_teaches_other(config: Config, clock: FakeClock, tmp_path) -> None:
    store = Store.open(str(tmp_path / "t.db"))
    mention_id = _seed(store, config, clock, "alerted")
    assert apply(store, config, clock, Action("dismiss", mention_id, ANN, note="not relevant, a cat named Parcelo")).ok
    assert store.feedback_examples()[0]["intent"] == "other"
    other_id = _seed(store, config, clock.advance(1) and clock, "alerted")
    assert apply(store, config, clock, Action("dismiss", other_id, ANN, note="handled by phone")).ok
    assert [f["mention_id"] for f in store.feedback_examples()] == [mention_id]


def test_a_change_from_another_process_in_between_is_not_overwritten(config: Config, clock: FakeClock,
                                                                      tmp_path) -> None:
    """The CLI and the service share the file: an action applies to the state as it is when written."""
    path = str(tmp_path / "t.db")
    service_store, cli_store = Store.open(path), Store.open(path)
    mention_id = _seed(service_store, config, clock, "alerted")
    real_mention = service_store.mention
    raced = []

    def mention_then_race(mid: int):  # type: ignore[no-untyped-def]
        row = real_mention(mid)
        if not raced:  # right after the service read it, the CLI claims it for Bob
            raced.append(apply(cli_store, config, clock, Action("claim", mention_id, BOB)))
        return row

    service_store.mention = mention_then_race  # type: ignore[method-assign]
    outcome = apply(service_store, config, clock, Action("claim", mention_id, ANN))
    assert raced[0].changed
    assert not outcome.ok and "already claimed by Bob" in outcome.message
    assert real_mention(mention_id)["claimed_by"] == BOB.key
    assert [e["action"] for e in service_store.events(mention_id)] == ["claim"]
