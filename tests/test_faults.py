"""Platform faults: the fake Slack and fake Bot Connector fail at a set rate, and still every alert arrives
exactly once and every edit converges on the mention's final state.

Slack faults include failures *after* the post took effect (a 500 or a hang after Slack stored the
message, a reset connection): the outbox asks Slack (message metadata) before it posts again, so an
ambiguous failure never becomes a second alert. The Bot Connector cannot be asked, so its faults are
refusals before the call takes effect (see docs/reliability.md).
"""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest

from bot.clock import FakeClock
from bot.lifecycle import Action, Actor
from bot.platforms.slack_blocks import fallback_text
from bot.platforms.teams_cards import status_words
from bot.service import Service
from tests.conftest import distinct_texts, drain, fixed_classifier, make_mention
from tests.fakes.fake_slack import FakeSlack, slack_toml
from tests.fakes.fake_teams import TEAMS_TOML, teams_service

CLASSIFIER = fixed_classifier({"invoice": ("billing", "normal")}, default=("question", "normal"))
ANN = Actor("slack", "U0ANN", "Ann Example")
RATE = 0.3




@pytest.mark.timeout(120)
async def test_slack_faults_every_alert_once_and_edits_converge(write_config, clock: FakeClock) -> None:
    async with FakeSlack() as fake:
        config = write_config(slack_toml(fake) + "api_timeout_seconds = 1\n")
        svc = Service(config, clock=clock, classifier=CLASSIFIER)
        await svc.start(serve_http=False, run_sources=False, run_workers=False)
        fake.chaos(RATE, seed=7, hang_seconds=1.5)
        ids = [svc.pipeline.ingest(make_mention(text, handle=f"@u{i}@x")).mention_id
               for i, text in enumerate(distinct_texts(40))]
        await drain(svc, clock)
        for mention_id in ids[:15]:
            svc.core.act(Action("claim", mention_id, ANN))
        for mention_id in ids[:8]:
            svc.core.act(Action("resolve", mention_id, ANN, note="done"))
        for mention_id in ids[20:25]:
            svc.core.act(Action("dismiss", mention_id, ANN, note="not relevant"))
        await drain(svc, clock)

        assert sum(fake.injected.values()) >= 15, fake.injected
        assert {"429", "500-after", "hang-after", "reset-after"} <= set(fake.injected), fake.injected
        assert svc.store.delivery_counts().get("failed", 0) == 0
        posted = fake.posts_by_key()
        assert len(posted) == len(ids) and set(posted.values()) == {1}, posted.most_common(3)
        for mention_id in ids:
            (copy,) = svc.store.alerts(mention_id)
            message = fake.messages[(copy["ref"]["channel"], copy["ref"]["message_id"])]
            assert message["text"] == fallback_text(svc.core.view(mention_id)), f"M-{mention_id} did not converge"
        await svc.stop()
        svc.store.close()


@pytest.mark.timeout(120)
async def test_teams_faults_every_card_once_and_edits_converge(write_config, clock: FakeClock) -> None:
    config = write_config(TEAMS_TOML + "\n[console]\nenabled = false\n")
    async with teams_service(config, clock, classifier=CLASSIFIER, workers=False) as h:
        await h.install()
        svc, fake = h.service, h.fake
        fake.chaos(RATE, seed=11, kinds=("create", "update", "reply"))
        ids = [svc.pipeline.ingest(make_mention(text, handle=f"@u{i}@x")).mention_id
               for i, text in enumerate(distinct_texts(30))]
        await drain(svc, clock)
        teams_ann = Actor("teams", "aad-ann", "Ann Agent")
        for mention_id in ids[:12]:
            svc.core.act(Action("claim", mention_id, teams_ann))
        for mention_id in ids[:6]:
            svc.core.act(Action("resolve", mention_id, teams_ann, note="done"))
        await drain(svc, clock)

        assert sum(fake.injected.values()) >= 10, fake.injected
        assert svc.store.delivery_counts().get("failed", 0) == 0
        created = fake.of("create")
        cards_per_mention = Counter(m for c in created for m in ids
                                    if re.search(rf"\bM-{m}\b", json.dumps(c.body)))
        assert len(created) == len(ids) and set(cards_per_mention.values()) == {1}, cards_per_mention
        by_activity = {c.activity_id: c for c in created}
        for mention_id in ids:
            (copy,) = svc.store.alerts(mention_id)
            assert copy["ref"]["message_id"] in by_activity
        for mention_id in ids[:12]:  # the ones people acted on: their cards show the final state
            (copy,) = svc.store.alerts(mention_id)
            updates = [c for c in fake.of("update") if c.activity_id == copy["ref"]["message_id"]]
            last = updates[-1].body if updates else by_activity[copy["ref"]["message_id"]].body
            view = svc.core.view(mention_id)
            assert status_words(view).split(" ")[0] in json.dumps(last), f"M-{mention_id} did not converge"
