"""Ingest end to end on the embedded default: prefilter, classify, route, store, outbox, console."""

from __future__ import annotations

import json
from pathlib import Path

from adapters.base import Mention
from bot.clock import FakeClock
from bot.config import Config
from bot.platforms.console import ConsolePlatform
from bot.service import Service
from tests.conftest import console_of, fixed_classifier, make_mention

CLASSIFIER = fixed_classifier({
    "charged twice": ("billing", "normal"),
    "app is down": ("outage", "high"),
    "lawyer": ("legal", "critical"),
    "furious": ("complaint", "critical"),
})


async def _service(config: Config, clock: FakeClock) -> Service:
    svc = Service(config, clock=clock, console=ConsolePlatform(quiet=True), classifier=CLASSIFIER)
    await svc.start(serve_http=False, run_sources=False, run_workers=False)
    return svc


async def test_mention_is_routed_stored_and_delivered(config: Config, clock: FakeClock) -> None:
    svc = await _service(config, clock)
    result = svc.pipeline.ingest(make_mention("Parcelo charged twice for one parcel"))
    assert result.outcome == "stored" and result.departments == ("billing",)
    row = svc.store.mention(result.mention_id)
    assert row["status"] == "new" and row["intent"] == "billing" and row["brand"] == "parcelo"
    assert [e["action"] for e in svc.store.events(row["id"])] == ["ingest"]
    await svc.outbox.drain()
    posts = console_of(svc).posts()
    assert [(p.channel, p.view.short_id) for p in posts] == [("#billing", f"M-{row['id']}")]
    assert svc.store.mention(row["id"])["status"] == "alerted"
    assert [e["action"] for e in svc.store.events(row["id"])] == ["ingest", "alert"]
    await svc.stop()


async def test_prefilter_drops_posts_without_a_brand(config: Config, clock: FakeClock) -> None:
    svc = await _service(config, clock)
    assert svc.pipeline.ingest(make_mention("parcels are late everywhere")).outcome == "ignored"
    assert svc.pipeline.ingest(make_mention("Parcelonia is a nice name")).outcome == "ignored"
    assert svc.store.count_mentions() == 0
    await svc.stop()


async def test_the_same_mention_twice_is_stored_and_delivered_once(config: Config, clock: FakeClock) -> None:
    svc = await _service(config, clock)
    mention = make_mention("the Parcelo app is down again", id="same")
    assert svc.pipeline.ingest(mention).outcome == "stored"
    await svc.outbox.drain()
    again = svc.pipeline.ingest(mention)
    assert again.outcome == "duplicate"
    await svc.outbox.drain()
    assert svc.store.count_mentions() == 1
    assert len(console_of(svc).posts()) == 1
    await svc.stop()


async def test_continue_route_fans_out_and_each_copy_knows_its_department(write_config, clock: FakeClock) -> None:
    config = write_config('[[routes]]\nintent = ["complaint"]\nmin_urgency = "critical"\ndepartment = "security"\n'
                          "continue = true\n")
    svc = await _service(config, clock)
    result = svc.pipeline.ingest(make_mention("I am furious with Parcelo"))
    assert result.departments == ("security", "support")
    await svc.outbox.drain()
    assert sorted(p.channel for p in console_of(svc).posts()) == ["#security", "#support"]
    copies = {a["channel"]: a["department"] for a in svc.store.alerts(result.mention_id)}
    assert copies == {"#security": "security", "#support": "support"}
    await svc.stop()


async def test_unknown_fields_are_kept(config: Config, clock: FakeClock) -> None:
    svc = await _service(config, clock)
    mention = Mention.from_json({"source": "webhook", "id": "x1", "text": "Parcelo charged twice",
                                 "sentiment_hint": "neg", "x_meta": {"a": 1}})
    result = svc.pipeline.ingest(mention)
    assert svc.store.mention(result.mention_id)["extra"] == {"sentiment_hint": "neg", "x_meta": {"a": 1}}
    await svc.stop()


async def test_edit_and_delete_keep_the_original(config: Config, clock: FakeClock) -> None:
    svc = await _service(config, clock)
    original = make_mention("Parcelo charged twice, I want my money", id="p1")
    mention_id = svc.pipeline.ingest(original).mention_id
    await svc.outbox.drain()
    edit = Mention(source=original.source, id="p1", text="never mind", kind="edit")
    assert svc.pipeline.ingest(edit).outcome == "edited"
    assert svc.pipeline.ingest(Mention(source=original.source, id="p1", text="", kind="delete")).outcome == "deleted"
    row = svc.store.mention(mention_id)
    assert row["text"] == "Parcelo charged twice, I want my money"
    assert row["edited_at"] and row["deleted_at"]
    assert [(v["kind"], v["text"]) for v in svc.store.versions(mention_id)] == [("edit", "never mind"),
                                                                                 ("delete", "")]
    await svc.outbox.drain()
    updates = [r for r in console_of(svc).records if r.kind == "update"]
    assert updates and updates[-1].view.deleted_at is not None
    await svc.stop()


async def test_author_reply_reopens_a_resolved_mention(config: Config, clock: FakeClock) -> None:
    from bot.lifecycle import Action, Actor

    svc = await _service(config, clock)
    first = svc.pipeline.ingest(make_mention("how do I track a Parcelo parcel?", id="q1"))
    await svc.outbox.drain()
    ann = Actor("slack", "U1", "Ann")
    assert svc.core.act(Action("resolve", first.mention_id, ann, note="answered")).ok
    reply = make_mention("@parcelo still not solved", id="q2", in_reply_to="q1")
    result = svc.pipeline.ingest(reply)
    assert result.outcome == "followup"
    assert svc.store.mention(first.mention_id)["status"] == "alerted"
    assert svc.store.mention(result.mention_id)["case_id"] == first.mention_id
    other_author = make_mention("@parcelo same here", id="q3", in_reply_to="q1", handle="@bob@example.social")
    joined = svc.pipeline.ingest(other_author)  # another person in the same thread joins the case, no reopen
    assert joined.outcome == "grouped" and svc.store.mention(joined.mention_id)["case_id"] == first.mention_id
    await svc.stop()


async def test_restart_resumes_pending_deliveries(config: Config, clock: FakeClock) -> None:
    svc = await _service(config, clock)
    mention_id = svc.pipeline.ingest(make_mention("Parcelo charged twice")).mention_id
    await svc.stop()  # stopped before the outbox ran: the row waits in the store
    svc.store.close()
    again = await _service(config, clock)
    await again.outbox.drain()
    assert [p.view.mention_id for p in console_of(again).posts()] == [mention_id]
    await again.stop()


def test_replay_file_twice_delivers_each_mention_once(config: Config, tmp_path: Path) -> None:
    from bot.cli import main

    path = tmp_path / "m.jsonl"
    texts = ["Parcelo parcel is late", "my Parcelo invoice looks wrong", "Parcelo courier was rude to my mum",
             "where can I find the Parcelo opening hours", "thanks Parcelo for the quick delivery"]
    lines = [json.dumps({"source": "t", "id": str(i), "text": text}) for i, text in enumerate(texts)]
    path.write_text("\n".join(lines) + "\n")
    assert main(["replay", "--config", str(config.path), str(path), "--quiet"]) == 0
    assert main(["replay", "--config", str(config.path), str(path), "--quiet"]) == 0
    from bot.store import Store

    store = Store.open(config.store.path)
    assert store.count_mentions() == 5
    posts = [d for d in store.deliveries() if d["kind"] == "post"]
    assert len(posts) == 5 and all(d["status"] == "done" for d in posts)


def test_replay_reports_malformed_lines_and_ingests_the_rest(config: Config, tmp_path: Path, capsys) -> None:
    from bot.cli import main

    path = tmp_path / "m.jsonl"
    path.write_text(
        json.dumps({"source": "t", "id": "1", "text": "Parcelo is late"}) + "\n"
        + "{not json\n"
        + json.dumps({"source": "t", "id": "3"}) + "\n"
        + json.dumps({"source": "t", "id": "4", "text": "Parcelo lost my parcel"}) + "\n"
    )
    assert main(["replay", "--config", str(config.path), str(path), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "line 2: not valid JSON" in err
    assert "line 3: 'text' is required" in err
    from bot.store import Store

    assert Store.open(config.store.path).count_mentions() == 2


def test_replay_missing_file_is_a_clear_error(config: Config, capsys) -> None:
    from bot.cli import main

    assert main(["replay", "--config", str(config.path), "/nonexistent/file.jsonl"]) == 2
    assert "No such file" in capsys.readouterr().err
