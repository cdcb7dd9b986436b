"""Shared fixtures: a fake clock, configs written to tmp files, a started service, loopback only."""

from __future__ import annotations

import ipaddress
import json
import socket
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from adapters.base import Author, Mention
from bot.clock import FakeClock
from bot.config import Config, load_config
from bot.platforms.console import ConsolePlatform
from bot.service import Service

BASE_TOML = """
[store]
path = "{db}"

[server]
host = "127.0.0.1"
port = 0

[brands.parcelo]
terms = ["Parcelo", "@parcelo", "#parcelo"]

[brands.stroomly]
terms = ["Stroomly", "@stroomly", "#stroomly"]

[[departments]]
name = "support"
intents = ["complaint", "question", "other", "praise"]
slack_channel = "#support"
teams_channel = "Support"
default = true

[[departments]]
name = "billing"
intents = ["billing", "sales"]
slack_channel = "#billing"
teams_channel = "Billing"

[[departments]]
name = "engineering"
intents = ["outage", "feature_request"]
slack_channel = "#engineering"

[[departments]]
name = "security"
intents = ["security", "legal", "press", "careers"]
slack_channel = "#security"
slack_oncall = "S0SECURITY"

[escalation]
slack_channel = "#escalations"
"""


# -- network: tests may only talk to loopback ---------------------------------------------------------

_real_connect = socket.socket.connect


def _loopback_only(self: socket.socket, address: Any) -> Any:
    if self.family in (socket.AF_INET, socket.AF_INET6):
        host = address[0]
        try:
            allowed = ipaddress.ip_address(host).is_loopback
        except ValueError:
            allowed = host == "localhost"
        if not allowed:
            raise ConnectionRefusedError(f"tests may only connect to loopback, not {host}")
    return _real_connect(self, address)


@pytest.fixture(autouse=True)
def _no_internet(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _loopback_only)
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "MicrosoftAppId",
                 "MicrosoftAppPassword"):
        monkeypatch.delenv(name, raising=False)


# -- building blocks ------------------------------------------------------------------------------------


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def write_config(tmp_path: Path) -> Callable[..., Config]:
    """``write_config(extra_toml="", base=BASE_TOML)`` → a validated Config backed by a tmp SQLite file."""

    def make(extra: str = "", *, base: str = BASE_TOML, name: str = "siloless.toml") -> Config:
        path = tmp_path / name
        path.write_text(base.format(db=tmp_path / "siloless.db") + "\n" + extra, encoding="utf-8")
        return load_config(path, env={})

    return make


@pytest.fixture
def config(write_config: Callable[..., Config]) -> Config:
    return write_config()


def make_mention(text: str, *, source: str = "mastodon", id: str | None = None, handle: str = "@ann@example.social",
                 followers: int | None = 120, **kw: Any) -> Mention:
    make_mention.counter += 1  # type: ignore[attr-defined]
    return Mention(source=source, id=id or f"m{make_mention.counter}", text=text,  # type: ignore[attr-defined]
                   url=f"https://example.social/@ann/{make_mention.counter}",  # type: ignore[attr-defined]
                   author=Author(handle=handle, name="Ann", followers=followers), **kw)


make_mention.counter = 0  # type: ignore[attr-defined]


@pytest.fixture
async def service(config: Config, clock: FakeClock) -> AsyncIterator[Service]:
    """A started service with a quiet console platform, no HTTP, no background workers (tests drive them)."""
    svc = Service(config, clock=clock, console=ConsolePlatform(quiet=True))
    await svc.start(serve_http=False, run_sources=False, run_workers=False)
    yield svc
    await svc.stop()
    svc.store.close()


def console_of(service: Service) -> ConsolePlatform:
    platform = service.platforms["console"]
    assert isinstance(platform, ConsolePlatform)
    return platform


def fixed_classifier(table: dict[str, tuple[str, str]], default: tuple[str, str] = ("question", "normal")
                     ) -> Callable[[Any], list[Any]]:
    """A classifier whose answers the test decides: ``{"substring": (intent, urgency)}``.

    Tests of routing, storage and delivery use it so their expectations do not move when the trained
    model does; the model itself is tested in tests/test_intents_*.py.
    """
    from intents.labels import INTENTS
    from intents.verdict import Verdict

    def classify(posts: Any) -> list[Verdict]:
        out = []
        for post in posts:
            intent, urgency = next((v for k, v in table.items() if k in post.text), default)
            scores = {label: (0.9 if label == intent else 0.1 / (len(INTENTS) - 1)) for label in INTENTS}
            out.append(Verdict(lang=post.lang or "en", intent=intent, intent_scores=scores, urgency=urgency,
                               urgency_reasons=(), model="test-fixed"))
        return out

    return classify


async def drain(svc: Service, clock: FakeClock, *, max_steps: int = 10_000) -> None:
    """Deliver everything, jumping the fake clock to each next due time instead of waiting."""
    for _ in range(max_steps):
        if await svc.outbox.run_once():
            continue
        next_due = svc.store.next_delivery_due()
        if next_due is None:
            return
        if next_due > clock.now():
            clock.set(next_due)
    raise AssertionError("outbox did not drain")


# -- Slack: a fake Slack and a service wired to it (tests/test_slack_*.py) ------------------------------------


@pytest.fixture
async def fake() -> AsyncIterator[Any]:
    from tests.fakes.fake_slack import FakeSlack

    async with FakeSlack() as running:
        yield running


@pytest.fixture
async def slack(request: pytest.FixtureRequest, write_config: Callable[..., Config], clock: FakeClock,
                fake: Any) -> AsyncIterator[Any]:
    """A started service on the fake Slack; the test module's ``CLASSIFIER`` (if any) classifies."""
    from tests.fakes.fake_slack import slack_harness, slack_toml

    classifier = getattr(request.module, "CLASSIFIER", None)
    async with slack_harness(write_config(slack_toml(fake)), clock, fake, classifier=classifier) as harness:
        yield harness


def distinct_texts(n: int, brand: str = "Parcelo") -> list[str]:
    """``n`` genuinely different posts naming ``brand``: real texts from the labelled training data.

    Random bags of a few words look alike to the grouping similarity; real posts do not (their pairwise
    similarity stays under 0.25, well below the 0.4 threshold), so "different mentions" tests use these.
    """
    path = Path(__file__).resolve().parent.parent / "intents" / "data" / "train.jsonl"
    texts: list[str] = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            texts.append(f"{brand}: {json.loads(line)['text']}")
            if len(texts) == n:
                return texts
    raise AssertionError(f"only {len(texts)} texts in {path}")
