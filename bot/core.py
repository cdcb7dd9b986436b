"""The core as the platforms see it: act, run a command, render a view, find a mention by message.

One object, handed to every platform, so Slack, Teams and the CLI share one path into the
lifecycle, and every change wakes the outbox so copies everywhere update within seconds.
"""

from __future__ import annotations

from collections.abc import Callable

from bot import lifecycle
from bot.alerts import AlertView, build_view
from bot.clock import Clock
from bot.commands import Reply, run_command
from bot.config import Config
from bot.lifecycle import Action, Actor, Outcome
from bot.store import Store


class Core:
    def __init__(self, config: Config, store: Store, clock: Clock, *, wake: Callable[[], None] = lambda: None) -> None:
        self.config = config
        self.store = store
        self.clock = clock
        self.wake = wake

    def act(self, action: Action) -> Outcome:
        outcome = lifecycle.apply(self.store, self.config, self.clock, action)
        if outcome.changed:
            self.wake()
        return outcome

    def command(self, text: str, actor: Actor) -> Reply:
        return run_command(self, text, actor)

    def view(self, mention_id: int, alert_id: int | None = None) -> AlertView | None:
        return build_view(self.store, self.config, mention_id, alert_id=alert_id, now=self.clock.now())

    def mention_for_message(self, platform: str, message_key: str) -> int | None:
        alert = self.store.find_alert(platform, message_key)
        return alert["mention_id"] if alert else None

    def silence_command(self, verb: str, args: str, actor: Actor) -> Reply:
        from bot.silences import run_silence_command

        reply = run_silence_command(self.store, self.config, self.clock, verb, args, actor)
        return reply
