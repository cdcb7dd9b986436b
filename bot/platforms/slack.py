"""The Slack platform: alerts as Block Kit messages in department channels, kept current, acted on in place.

Outbound (the outbox calls these): ``post`` sends a new alert, ``update`` re-renders it with
``chat.update``, ``reply`` adds a quiet line in its thread. Every Slack failure becomes a
``DeliveryError`` the outbox understands; slack_sdk's own sleeping retries are off for delivery
because the outbox owns retrying and pacing.

Inbound: one bolt ``AsyncApp`` serves ``POST /slack/events`` on the service's own aiohttp app
(events, slash commands and interactivity; bolt checks the signature), or, when an app-level
token is configured, the same app over Socket Mode. The listeners live in ``slack_listeners``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime
from typing import Any, ClassVar

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.app.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from bot.alerts import AlertView
from bot.config import Config, SlackConfig
from bot.platforms.base import CoreAPI, DeliveryError, Finding, MessageRef
from bot.platforms.slack_blocks import render_alert, render_thread_line
from bot.platforms.slack_directory import SlackDirectory
from bot.platforms.slack_doctor import run_doctor
from bot.platforms.slack_errors import TOO_BIG, error_code, to_delivery_error
from bot.platforms.slack_listeners import SlackListeners

log = logging.getLogger("siloless.slack")
DEFAULT_API_URL = "https://slack.com/api/"
EVENTS_PATH = "/slack/events"
SOCKET_CONNECT_SECONDS = 10.0
STOP_GRACE_SECONDS = 5.0
#: sent with every message: no link previews, no auto-linking of names (only explicit <…> markup works)
MESSAGE_OPTIONS: dict[str, Any] = {"unfurl_links": False, "unfurl_media": False, "parse": "none",
                                   "link_names": False}
#: message metadata type carrying an alert's idempotency key, so ``find_posted`` can recognise it
METADATA_TYPE = "siloless_alert"
#: how much recent channel history ``find_posted`` reads (pages of 100) looking for an in-doubt post
FIND_PAGES = 3
#: With a known queue time: read back to it (minus clock skew), up to this many pages of 200.
FIND_PAGES_SINCE = 50
FIND_SKEW_SECONDS = 300
#: errors that mean "cannot look": the outbox then posts again (at least once) instead of waiting forever
_CANNOT_LOOK = frozenset({"missing_scope", "not_in_channel", "channel_not_found", "not_allowed_token_type"})


async def create(config: Config, core: CoreAPI) -> SlackPlatform | None:
    """The service's factory: a Slack platform when ``[slack] bot_token`` is set, else None."""
    if not config.slack.enabled:
        return None
    return SlackPlatform(config.slack, core)


class SlackPlatform:
    name: ClassVar[str] = "slack"

    def __init__(self, settings: SlackConfig, core: CoreAPI) -> None:
        self.settings = settings
        self.core = core
        self.post_interval = settings.post_interval_seconds
        self.edit_interval = settings.edit_interval_seconds
        base_url = _base_url(settings.api_url)
        # delivery: no retries inside slack_sdk; the outbox retries, honouring Retry-After
        timeout = int(max(1, settings.api_timeout_seconds))
        self.client = AsyncWebClient(token=settings.bot_token, base_url=base_url, timeout=timeout, retry_handlers=[])
        # listeners (after their ack): a short retry is better than a lost answer to a person
        listener_client = AsyncWebClient(
            token=settings.bot_token, base_url=base_url, timeout=timeout,
            retry_handlers=[AsyncConnectionErrorRetryHandler(max_retry_count=1),
                            AsyncRateLimitErrorRetryHandler(max_retry_count=1)],
        )
        self.directory = SlackDirectory(self.client)
        self.verifier = SignatureVerifier(settings.signing_secret or "unset")
        self.app = AsyncApp(client=listener_client, signing_secret=settings.signing_secret,
                            name="siloless", logger=logging.getLogger("siloless.slack.bolt"))
        self.listeners = SlackListeners(core, self.directory, settings.command)
        self.listeners.register(self.app)
        self._socket: Any = None
        self._socket_task: asyncio.Task[Any] | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Open the Socket Mode connection when an app-level token is configured (HTTP needs nothing)."""
        if not self.settings.app_token:
            return
        from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

        self._socket = AsyncSocketModeHandler(self.app, self.settings.app_token, web_client=self.app.client,
                                              logger=logging.getLogger("siloless.slack.socket"))
        self._socket_task = asyncio.create_task(self._socket.connect_async(), name="slack-socket-mode")
        done, _ = await asyncio.wait({self._socket_task}, timeout=SOCKET_CONNECT_SECONDS)
        if not done:
            log.warning("Slack Socket Mode is not connected after %.0f s; still trying (run siloless doctor)",
                        SOCKET_CONNECT_SECONDS)

    async def stop(self) -> None:
        if self._socket is not None:
            with contextlib.suppress(Exception):
                await self._socket.close_async()
            self._socket = None
        if self._socket_task is not None:
            self._socket_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._socket_task
            self._socket_task = None
        inflight = set(self.listeners.inflight)
        if inflight:
            await asyncio.wait(inflight, timeout=STOP_GRACE_SECONDS)

    def routes(self, app: web.Application) -> None:
        """Mount ``POST /slack/events``; without a signing secret requests cannot be verified, so nothing."""
        if not self.settings.signing_secret:
            log.info("no [slack] signing_secret: %s is not served (Socket Mode only)", EVENTS_PATH)
            return
        app.router.add_post(EVENTS_PATH, self.handle_http)

    async def handle_http(self, request: web.Request) -> web.Response:
        """bolt's aiohttp adapter on our own app: the raw body goes to bolt untouched, so signatures hold.

        bolt parses the body before it checks the signature, and a body that does not parse would escape
        as a 500; such a request is answered 401 when unsigned and 400 when signed but malformed.
        """
        try:
            bolt_request = await to_bolt_request(request)
        except Exception:  # bolt reads fields while parsing; a body of the wrong shape raises anything
            body = await request.read()
            try:
                signed = self.verifier.is_valid_request(body, dict(request.headers))
            except UnicodeDecodeError:  # not UTF-8: Slack never sends that
                signed = False
            return web.json_response({"error": "malformed body" if signed else "invalid request"},
                                     status=400 if signed else 401)
        try:
            bolt_response = await self.app.async_dispatch(bolt_request)
        except Exception:  # bolt chokes on some signed-but-malformed envelopes ("event": null)
            log.exception("could not handle a Slack request; answered 400")
            return web.json_response({"error": "malformed Slack request"}, status=400)
        if bolt_response.status >= 500:  # bolt's own error handler: the request did not fit what it expects
            log.warning("bolt could not handle a Slack request (%s); answered 400", bolt_response.body[:200])
            return web.json_response({"error": "malformed Slack request"}, status=400)
        return await to_aiohttp_response(bolt_response)

    async def doctor(self) -> list[Finding]:
        return await run_doctor(self)

    # -- delivery ----------------------------------------------------------------------------

    async def post(self, channel: str, alert: AlertView) -> MessageRef:
        channel_id = await self.directory.channel_id(channel)
        extra: dict[str, Any] = {}
        if alert.idempotency_key:
            extra["metadata"] = {"event_type": METADATA_TYPE,
                                 "event_payload": {"key": alert.idempotency_key, "mention": alert.short_id}}
        response = await self._send_alert("chat_postMessage", channel, alert, channel=channel_id, **extra)
        ts = str(response.get("ts") or "")
        posted_in = str(response.get("channel") or channel_id)
        if not ts:
            raise DeliveryError(f"Slack accepted the alert for {channel} but returned no ts; will retry")
        return MessageRef(self.name, posted_in, ts, key=f"{posted_in}:{ts}", extra={"channel_name": channel})

    async def find_posted(self, channel: str, key: str, *, since: datetime | None = None) -> MessageRef | None:
        """After a crash: the alert posted with idempotency ``key``, if it landed (read from its metadata).

        Looks through the channel's recent history only: an in-doubt post was made just before the
        restart. When Slack will not let us look (no ``channels:history``, bot not in the channel) the
        answer is None, so the outbox posts again rather than leaving the alert undelivered.
        """
        try:
            channel_id = await self.directory.channel_id(channel)
        except DeliveryError as exc:
            if exc.permanent:
                return None
            raise
        cursor = ""
        # Everything since the delivery was queued (a busy channel may have hundreds of newer alerts);
        # without that bound, only the most recent pages.
        window: dict[str, Any] = {"oldest": f"{since.timestamp() - FIND_SKEW_SECONDS:.6f}"} if since else {}
        for _ in range(FIND_PAGES_SINCE if since else FIND_PAGES):
            try:
                response = await self.client.conversations_history(
                    channel=channel_id, limit=200, include_all_metadata=True, **window,
                    **({"cursor": cursor} if cursor else {}))
            except SlackApiError as exc:
                if error_code(exc) in _CANNOT_LOOK:
                    log.warning("cannot read %s's history (%s) to check an in-doubt alert; it will be posted "
                                "again", channel, error_code(exc))
                    return None
                raise to_delivery_error(exc, channel) from exc
            for message in response.get("messages") or []:
                metadata = message.get("metadata") or {}
                if metadata.get("event_type") == METADATA_TYPE and (metadata.get("event_payload") or {}).get(
                        "key") == key:
                    ts = str(message["ts"])
                    return MessageRef(self.name, channel_id, ts, key=f"{channel_id}:{ts}",
                                      extra={"channel_name": channel})
            cursor = ((response.get("response_metadata") or {}).get("next_cursor")) or ""
            if not cursor:
                break
        return None

    async def update(self, ref: MessageRef, alert: AlertView) -> None:
        await self._send_alert("chat_update", _label(ref), alert, channel=ref.channel, ts=ref.message_id)

    async def reply(self, ref: MessageRef, text: str, *, ping: str = "") -> None:
        line = render_thread_line(text, ping)
        await self._call("chat_postMessage", _label(ref), channel=ref.channel, thread_ts=ref.message_id,
                         text=line, **MESSAGE_OPTIONS)

    async def _send_alert(self, method: str, label: str, alert: AlertView, **target: Any) -> dict[str, Any]:
        """Send the full alert; if Slack refuses its size or layout, send the compact one once."""
        try:
            return await self._call(method, label, **target, **render_alert(alert), **MESSAGE_OPTIONS, raw=True)
        except SlackApiError as exc:
            if error_code(exc) not in TOO_BIG:
                raise to_delivery_error(exc, label) from exc
            log.warning("Slack refused %s for %s (%s); sending the compact alert", alert.short_id, label,
                        error_code(exc))
        return await self._call(method, label, **target, **render_alert(alert, compact=True), **MESSAGE_OPTIONS)

    async def _call(self, method: str, label: str, *, raw: bool = False, **kwargs: Any) -> dict[str, Any]:
        """One Web API call; failures become ``DeliveryError`` (or stay ``SlackApiError`` when ``raw``)."""
        try:
            response = await getattr(self.client, method)(**kwargs)
        except SlackApiError as exc:
            if raw:
                raise
            raise to_delivery_error(exc, label) from exc
        except Exception as exc:
            raise to_delivery_error(exc, label) from exc
        return dict(response.data) if isinstance(response.data, dict) else {}


def _base_url(api_url: str) -> str:
    """slack_sdk joins method names onto the base URL, so it must end with a slash."""
    url = api_url.strip() or DEFAULT_API_URL
    return url if url.endswith("/") else url + "/"


def _label(ref: MessageRef) -> str:
    return str(ref.extra.get("channel_name") or ref.channel)
