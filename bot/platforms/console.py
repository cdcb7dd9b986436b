"""The console platform: alerts printed as their department channel would show them.

It is the demo's sink (no Slack or Teams account needed) and a real platform for tests: it keeps
every post, update and thread line in memory. Post text is untrusted, so it is printed as plain
``rich.text.Text``, never as markup.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any, ClassVar

from rich.console import Console
from rich.panel import Panel
from rich.text import Text

from bot.alerts import AlertView
from bot.platforms import wording
from bot.platforms.base import Finding, MessageRef


@dataclass
class ConsoleRecord:
    kind: str  # post | update | reply
    channel: str
    message_id: str
    view: AlertView | None = None
    text: str = ""
    ping: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


class ConsolePlatform:
    name: ClassVar[str] = "console"

    def __init__(self, console: Console | None = None, *, quiet: bool = False, post_interval: float = 0.0,
                 edit_interval: float = 0.0) -> None:
        self.console = console or Console()
        self.quiet = quiet
        self.post_interval = post_interval
        self.edit_interval = edit_interval
        self.records: list[ConsoleRecord] = []
        self._ids = itertools.count(1)

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    def routes(self, app: Any) -> None:
        return None

    async def doctor(self) -> list[Finding]:
        return [Finding("ok", "console: alerts are printed to the terminal")]

    async def post(self, channel: str, alert: AlertView) -> MessageRef:
        message_id = f"c{next(self._ids)}"
        self.records.append(ConsoleRecord("post", channel, message_id, view=alert))
        if not self.quiet:
            self.console.print(render_panel(channel, alert))
        return MessageRef(self.name, channel, message_id, key=f"{channel}:{message_id}")

    async def update(self, ref: MessageRef, alert: AlertView) -> None:
        self.records.append(ConsoleRecord("update", ref.channel, ref.message_id, view=alert))
        if not self.quiet:
            line = Text(f"  ✎ {ref.channel} {alert.short_id} now ", style="dim")
            line.append(status_line(alert), style="bold")
            self.console.print(line)

    async def reply(self, ref: MessageRef, text: str, *, ping: str = "") -> None:
        self.records.append(ConsoleRecord("reply", ref.channel, ref.message_id, text=text, ping=ping))
        if not self.quiet:
            line = Text(f"  ↳ {ref.channel} thread: ", style="dim")
            line.append(text)
            if ping:
                line.append(f"  (pings {ping})", style="yellow")
            self.console.print(line)

    def posts(self, channel: str | None = None) -> list[ConsoleRecord]:
        return [r for r in self.records if r.kind == "post" and (channel is None or r.channel == channel)]


def status_line(alert: AlertView) -> str:
    status = wording.STATUS_WORDS.get(alert.status, alert.status)
    if alert.moved_to:
        return f"moved to {alert.moved_to}"
    if alert.status == "claimed" and alert.claimed_by_name:
        return f"{status} by {alert.claimed_by_name}"
    if alert.status in ("resolved", "dismissed") and alert.resolved_by_name:
        return f"{status} by {alert.resolved_by_name}"
    return status


def render_panel(channel: str, alert: AlertView) -> Panel:
    """One alert as a terminal panel; every untrusted string goes in as plain Text."""
    title = Text(f"{channel} · {alert.short_id} · ")
    title.append(f"{wording.URGENCY_EMOJI.get(alert.urgency, '')} {alert.urgency}", style="bold")
    title.append(f" · {wording.INTENT_WORDS.get(alert.intent, alert.intent)}")
    body = Text()
    body.append(alert.author_handle or "(unknown author)", style="bold")
    body.append(f" · {wording.followers(alert.author_followers)} · {alert.source} · "
                f"{wording.LANG_WORDS.get(alert.lang, alert.lang)} · {alert.brand}\n", style="dim")
    text, _cut = wording.cut(alert.text, 400)
    body.append(text + "\n")
    if alert.url:
        body.append(alert.url + "\n", style="blue")
    why = f"why: {alert.route_reason}; {wording.scores(alert.top_intents)}"
    if alert.urgency_reasons:
        why += f"; {', '.join(alert.urgency_reasons)}"
    body.append(why, style="dim italic")
    if alert.author_history:
        body.append(f"\n{alert.author_history}", style="dim")
    if alert.purpose == "escalation":
        title = Text("ESCALATION · ", style="bold red") + title
    return Panel(body, title=title, title_align="left", subtitle=status_line(alert), subtitle_align="right",
                 border_style={"critical": "red", "high": "yellow"}.get(alert.urgency, "blue"))
