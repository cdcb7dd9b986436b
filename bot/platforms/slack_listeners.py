"""Bolt listeners: buttons, the reassign select, the More menu, reactions and the slash command → the core.

Each listener only translates (bolt's adapter idea): it acks first, so Slack gets its answer within
3 seconds whatever happens next, then builds an ``Actor``, changes state only through
``core.act``/``core.command`` and, when there is something to say, answers the person
ephemerally with the core's words, escaped. The alert message itself is never edited here: the
core has already queued an update of every copy, which the outbox delivers.

Slack retries an event it thinks we missed (``X-Slack-Retry-Num``); the dedupe middleware drops
an ``event_id`` seen before, and the lifecycle answers a repeated action "already done" anyway.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.response import BoltResponse

from bot import messages
from bot.lifecycle import Action, Actor, Outcome
from bot.platforms.base import CoreAPI
from bot.platforms.slack_blocks import BUTTON_VERBS, MORE, MORE_OPTIONS, REASSIGN, render_answer
from bot.platforms.slack_directory import SlackDirectory
from bot.platforms.slack_text import unwrap
from bot.store import parse_short_id, short_id

log = logging.getLogger("siloless.slack")

#: reaction name (skin tones stripped) → lifecycle verb; reactions on anything but an alert are ignored
REACTION_VERBS = {"eyes": "claim", "white_check_mark": "resolve", "heavy_check_mark": "resolve"}
SOMETHING_WENT_WRONG = "Something went wrong on our side and it is logged. Try again in a minute."
_BUTTONS = re.compile("^(" + "|".join(map(re.escape, BUTTON_VERBS)) + ")$")

Respond = Callable[..., Awaitable[Any]]


class SlackListeners:
    """The listeners, holding what they need: the core, cached look-ups and the in-flight work."""

    def __init__(self, core: CoreAPI, directory: SlackDirectory, command: str = "/siloless") -> None:
        self.core = core
        self.directory = directory
        self.command = command
        self.watched_groups = tuple(sorted({g for d in core.config.departments for g in d.allow_slack_groups}))
        self.inflight: set[asyncio.Task[Any]] = set()

    def register(self, app: AsyncApp) -> None:
        app.middleware(self.dedupe_events)
        app.action(_BUTTONS)(self.on_button)
        app.action(REASSIGN)(self.on_reassign)
        app.action(MORE)(self.on_more)
        app.event("reaction_added")(self.on_reaction)
        app.command(self.command)(self.on_command)
        app.error(self.on_error)

    # -- middleware --------------------------------------------------------------------------

    async def dedupe_events(self, body: dict[str, Any], req: Any, next: Callable[[], Awaitable[Any]]) -> Any:
        """Answer 200 to an event delivered before (Slack's retries reuse the ``event_id``), doing nothing."""
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id and not self.core.store.first_time_seen(f"slack:{event_id}", self._now()):
            retry = (req.headers.get("x-slack-retry-num") or ["?"])[0]
            log.info("Slack event %s already handled; retry %s ignored", event_id, retry)
            return BoltResponse(status=200, body="")
        return await next()

    # -- interactivity -----------------------------------------------------------------------

    async def on_button(self, ack: Callable[..., Awaitable[Any]], body: dict[str, Any], action: dict[str, Any],
                        respond: Respond) -> None:
        await ack()
        self._track()
        verb = BUTTON_VERBS[action["action_id"]]
        await self._act(body, action, respond, lambda mention, actor: Action(verb, mention, actor))

    async def on_reassign(self, ack: Callable[..., Awaitable[Any]], body: dict[str, Any], action: dict[str, Any],
                          respond: Respond) -> None:
        await ack()
        self._track()
        department = str((action.get("selected_option") or {}).get("value") or "")
        await self._act(body, action, respond,
                        lambda mention, actor: Action("reassign", mention, actor, department=department))

    async def on_more(self, ack: Callable[..., Awaitable[Any]], body: dict[str, Any], action: dict[str, Any],
                      respond: Respond) -> None:
        """The More menu speaks the command language (``snooze M-4 1h``), so it needs no parser of its own."""
        await ack()
        self._track()
        choice = MORE_OPTIONS.get(str((action.get("selected_option") or {}).get("value") or ""))
        mention_id = self._mention_of(body, action)
        if choice is None or mention_id is None:
            await self._say(respond, "That alert or option is unknown; use the slash command instead.")
            return
        verb, argument, _label = choice
        actor = await self._actor(body.get("user") or {})
        reply = self.core.command(f"{verb} {short_id(mention_id)} {argument}", actor)
        if not reply.ok or (reply.outcome is not None and not reply.outcome.changed):
            await self._say(respond, reply.text)

    async def _act(self, body: dict[str, Any], action: dict[str, Any], respond: Respond,
                   build: Callable[[int, Actor], Action]) -> None:
        mention_id = self._mention_of(body, action)
        if mention_id is None:
            await self._say(respond, "This message is not a Siloless alert I know; use the slash command instead.")
            return
        actor = await self._actor(body.get("user") or {})
        outcome = self.core.act(build(mention_id, actor))
        if _worth_saying(outcome):
            await self._say(respond, outcome.message)

    def _mention_of(self, body: dict[str, Any], action: dict[str, Any]) -> int | None:
        """The mention behind a clicked message: by the message itself, else by the id the button carries."""
        container = body.get("container") or {}
        channel, ts = container.get("channel_id"), container.get("message_ts")
        if channel and ts:
            found = self.core.mention_for_message("slack", f"{channel}:{ts}")
            if found is not None:
                return found
        return parse_short_id(str(action.get("value") or action.get("block_id") or ""))

    # -- reactions ---------------------------------------------------------------------------

    async def on_reaction(self, event: dict[str, Any], context: Any, client: Any) -> None:
        """``:eyes:`` claims, ``:white_check_mark:`` resolves: only on an alert, never the bot's own."""
        item = event.get("item") or {}
        verb = REACTION_VERBS.get(str(event.get("reaction", "")).split("::", 1)[0])
        user = str(event.get("user") or "")
        if verb is None or item.get("type") != "message" or not user or user == context.get("bot_user_id"):
            return
        mention_id = self.core.mention_for_message("slack", f"{item.get('channel')}:{item.get('ts')}")
        if mention_id is None:
            return
        self._track()
        try:
            actor = await self._actor({"id": user})
            outcome = self.core.act(Action(verb, mention_id, actor))
            if not outcome.ok:
                await client.chat_postEphemeral(channel=item["channel"], user=user, thread_ts=item["ts"],
                                                text=render_answer(outcome.message))
        except Exception:
            log.exception("reaction %s by %s on %s failed", verb, user, item)

    # -- the slash command -------------------------------------------------------------------

    async def on_command(self, ack: Callable[..., Awaitable[Any]], command: dict[str, Any],
                         respond: Respond) -> None:
        await ack()
        self._track()
        actor = await self._actor({"id": command.get("user_id", ""), "username": command.get("user_name", "")})
        reply = self.core.command(unwrap(str(command.get("text") or "")), actor)
        text = reply.text
        if text == messages.HELP:  # the shared help lists bare verbs; say how to type them here
            text = f"Type {self.command} followed by one of these.\n```{text}```"
        await self._say(respond, text)

    # -- shared ------------------------------------------------------------------------------

    async def on_error(self, error: Exception, body: dict[str, Any], respond: Respond | None = None) -> None:
        """A listener failed after its ack: log it, and tell the person when Slack gave us a way to."""
        log.error("Slack listener failed: %s", error, exc_info=error)
        if respond is not None and body.get("response_url"):
            await self._say(respond, SOMETHING_WENT_WRONG)

    async def _actor(self, user: dict[str, Any]) -> Actor:
        user_id = str(user.get("id") or "")
        fallback = str(user.get("name") or user.get("username") or user_id)
        name = await self.directory.display_name(user_id, fallback) if user_id else fallback
        groups = await self.directory.groups_of(user_id, self.watched_groups) if self.watched_groups else ()
        return Actor("slack", user_id, name, groups)

    async def _say(self, respond: Respond, text: str) -> None:
        try:
            await respond(text=render_answer(text), response_type="ephemeral", replace_original=False)
        except Exception as exc:  # an expired or used-up response_url must not hide the action's result
            log.warning("could not answer on Slack's response_url: %s", exc)

    def _track(self) -> None:
        """Remember the running listener so ``stop()`` can let it finish before the store closes."""
        task = asyncio.current_task()
        if task is not None:
            self.inflight.add(task)
            task.add_done_callback(self.inflight.discard)

    def _now(self) -> datetime:
        return self.core.clock.now()


def _worth_saying(outcome: Outcome) -> bool:
    """A click that worked shows on the alert itself; say something only when it did not."""
    return not outcome.ok or not outcome.changed
