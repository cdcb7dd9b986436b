"""Cases, not pings: near-duplicates, same links and threads join one case; spikes raise urgency."""

from __future__ import annotations

from bot.clock import FakeClock
from bot.config import Config
from bot.grouping import links, normalise, shingles, similarity
from bot.lifecycle import Actor
from bot.platforms.console import ConsolePlatform
from bot.service import Service
from tests.conftest import console_of, distinct_texts, drain, fixed_classifier, make_mention

CLASSIFIER = fixed_classifier({"charged": ("billing", "normal"), "kwijt": ("complaint", "normal"),
                               "lost": ("complaint", "normal"), "hacked": ("security", "critical")},
                              default=("complaint", "normal"))
ANN = Actor("slack", "U1", "Ann")
VIRAL = "Parcelo lost my parcel AGAIN and support just closed my ticket. Never using them again #parcelo"


async def _service(config: Config, clock: FakeClock, edit_interval: float = 0.0) -> Service:
    svc = Service(config, clock=clock, console=ConsolePlatform(quiet=True, edit_interval=edit_interval),
                  classifier=CLASSIFIER)
    await svc.start(serve_http=False, run_sources=False, run_workers=False)
    return svc


def test_similarity_survives_noise_in_english_and_dutch() -> None:
    base = shingles(VIRAL)
    variant = shingles("RT @someone: parcelo lost my parcel again and support just closed my ticket!! never using "
                       "them again https://t.example/x")
    unrelated = shingles("How do I change the delivery address for a Parcelo parcel?")
    assert similarity(base, variant) >= 0.6 > similarity(base, unrelated)
    nl = shingles("Parcelo is mijn pakket wéér kwijt en de klantenservice sluit gewoon mijn ticket #parcelo")
    nl_variant = shingles("parcelo is mn pakket weer kwijt en klantenservice sluit gwn mijn ticket 😡")
    assert similarity(nl, nl_variant) >= 0.6
    assert normalise("Wéér @parcelo #Kwijt! https://x.example") == "weer kwijt"


def test_links_ignore_tracking_and_the_post_itself() -> None:
    text = "see https://news.example/story?utm_source=x and https://news.example/story."
    assert links(text, own_url="https://mastodon.example/1") == {"https://news.example/story"}


async def test_near_duplicates_across_sources_are_one_case(config: Config, clock: FakeClock) -> None:
    svc = await _service(config, clock)
    first = svc.pipeline.ingest(make_mention(VIRAL, source="mastodon"))
    await drain(svc, clock)
    outcomes = []
    for i, source in enumerate(("bluesky", "reddit", "mastodon")):
        clock.advance(30)
        text = VIRAL.replace("AGAIN", "again!!") + f" {'🙄' * i}"
        outcomes.append(svc.pipeline.ingest(make_mention(text, source=source, handle=f"@p{i}@x")).outcome)
    assert outcomes == ["grouped"] * 3
    await drain(svc, clock)
    console = console_of(svc)
    assert len(console.posts()) == 1
    last = [r for r in console.records if r.kind == "update"][-1]
    assert last.view.case_summary.startswith("+3 similar in the last") and "3 sources" in last.view.case_summary
    assert len(last.view.case_examples) == 3
    members = svc.store.list_mentions(case_id=first.mention_id)
    assert {m["status"] for m in members} == {"grouped"}
    await svc.stop()


async def test_same_link_joins_and_different_stories_do_not(config: Config, clock: FakeClock) -> None:
    svc = await _service(config, clock)
    svc.pipeline.ingest(make_mention("Parcelo in the news: https://news.example/parcelo-strike"))
    same_link = svc.pipeline.ingest(make_mention("wow, look at this Parcelo story https://news.example/parcelo-strike"))
    other = svc.pipeline.ingest(make_mention("Parcelo charged me twice for one delivery"))
    assert (same_link.outcome, other.outcome) == ("grouped", "stored")
    await svc.stop()


async def test_a_claim_on_a_member_acts_on_the_whole_case(config: Config, clock: FakeClock) -> None:
    svc = await _service(config, clock)
    case_id = svc.pipeline.ingest(make_mention(VIRAL)).mention_id
    member = svc.pipeline.ingest(make_mention(VIRAL + " 😡", handle="@other@x")).mention_id
    reply = svc.core.command(f"claim M-{member}", ANN)
    assert reply.ok and reply.mention_id == case_id
    assert svc.store.mention(case_id)["status"] == "claimed"
    await svc.stop()


async def test_window_closes_and_resolved_cases_do_not_absorb(config: Config, clock: FakeClock) -> None:
    svc = await _service(config, clock)
    case_id = svc.pipeline.ingest(make_mention(VIRAL)).mention_id
    clock.advance(hours=3)  # past the 2h window
    assert svc.pipeline.ingest(make_mention(VIRAL + "!", handle="@b@x")).outcome == "stored"
    svc.core.command(f"resolve M-{case_id}", ANN)
    assert svc.pipeline.ingest(make_mention(VIRAL + "!!", handle="@c@x")).outcome == "grouped"  # joins the newer one
    await svc.stop()


async def test_burst_of_200_near_duplicates_is_one_alert_and_few_edits(config: Config, clock: FakeClock) -> None:
    svc = await _service(config, clock, edit_interval=3.0)
    svc.pipeline.ingest(make_mention(VIRAL))
    for i in range(200):
        clock.advance(0.3)  # 200 in a minute
        svc.pipeline.ingest(make_mention(f"{VIRAL} {'!' * (i % 5)} #{i % 7}", handle=f"@u{i}@x",
                                         source=("mastodon", "bluesky", "reddit")[i % 3]))
        if i % 10 == 0:
            await svc.outbox.run_once()
    await drain(svc, clock)
    records = console_of(svc).records
    posts = [r for r in records if r.kind == "post"]
    updates = [r for r in records if r.kind == "update"]
    assert len(posts) == 1
    assert 1 <= len(updates) <= 25  # a few seconds apart at most one edit, over one minute
    assert updates[-1].view.case_summary.startswith("+200 similar")
    case = svc.store.mention(posts[0].view.mention_id)
    assert case["urgency"] == "high" and any("spike" in r for r in case["urgency_reasons"])
    assert [e["action"] for e in svc.store.events(case["id"])].count("spike") == 1
    await svc.stop()


async def test_200_different_mentions_are_all_delivered_and_paced(config: Config, clock: FakeClock) -> None:
    svc = Service(config, clock=clock, console=ConsolePlatform(quiet=True, post_interval=1.0),
                  classifier=fixed_classifier({}, default=("question", "normal")))
    await svc.start(serve_http=False, run_sources=False, run_workers=False)
    for i, text in enumerate(distinct_texts(200)):
        svc.pipeline.ingest(make_mention(text, handle=f"@q{i}@x"))
    grouped = sum(1 for m in svc.store.list_mentions(limit=500) if m["status"] == "grouped")
    await drain(svc, clock)
    posts = console_of(svc).posts("#support")
    assert grouped == 0 and len(posts) == 200
    assert len({p.view.mention_id for p in posts}) == len(posts)
    await svc.stop()


async def test_volume_spike_against_the_hourly_baseline(write_config, clock: FakeClock) -> None:
    config = write_config("[grouping]\nspike_count = 5\nbaseline_factor = 4.0\n")
    svc = await _service(config, clock)
    texts = distinct_texts(60)  # all classified as complaints for support (the test classifier's default)
    for hour in range(48):  # a quiet baseline: one complaint an hour for two days
        clock.advance(hours=1)
        svc.pipeline.ingest(make_mention(texts[hour], handle=f"@b{hour}@x"))
    clock.advance(hours=1)
    outcomes = []
    for i in range(12):
        clock.advance(minutes=2)
        outcomes.append(svc.pipeline.ingest(make_mention(texts[48 + i], handle=f"@s{i}@x")).outcome)
    assert outcomes == ["stored"] * 12  # different mentions: each still delivered
    rows = sorted(svc.store.list_mentions(limit=12), key=lambda r: r["id"])
    raised = [r for r in rows if r["urgency"] == "high"]
    assert len(raised) == 1  # the 5th crossed 4x the baseline (and spike_count); raised once per window
    assert "usual hourly rate" in raised[0]["urgency_reasons"][-1]
    assert [e["action"] for e in svc.store.events(raised[0]["id"])] == ["ingest", "spike"]
    await svc.stop()
