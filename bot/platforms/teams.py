"""Microsoft Teams: Adaptive Card alerts in department channels, acted on in place. The ONLY botbuilder user.

Every ``botbuilder``/``botframework``/``msrest`` import in Siloless is in this file, on purpose:
Microsoft archived the Bot Framework SDK in favour of the Microsoft 365 Agents SDK, which speaks the
same Bot Connector protocol, so moving over is a rewrite of this one file (cards, channel lookup and
the manifest are SDK-free in ``teams_cards.py``, ``teams_channels.py`` and ``teams_manifest.py``).

Inbound, ``POST /api/messages`` authenticates the Bot Framework JWT *first* (any failure is a 401,
never a 500), then runs the turn: channel references are remembered from every activity, @mention
text goes to the shared command parser, and ``adaptiveCard/action`` invokes change state through
the core and answer with the refreshed card. Outbound, the outbox calls ``post``/``update``/``reply``,
which turn Bot Connector failures into ``DeliveryError`` (retry with ``Retry-After``, or give up).
With an empty ``[teams] app_id`` the endpoint runs the local-emulator profile, with auth OFF.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime
from typing import Any, ClassVar

from aiohttp import web
from botbuilder.core import ActivityHandler, InvokeResponse, TurnContext, serializer_helper
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import (
    Activity,
    ActivityTypes,
    AdaptiveCardInvokeResponse,
    Attachment,
    ChannelAccount,
    ConversationAccount,
    ConversationParameters,
    ConversationReference,
    Mention,
)
from botframework.connector.auth import (
    AuthenticateRequestResult,
    AuthenticationConstants,
    ClaimsIdentity,
    ConnectorFactory,
    ServiceClientCredentialsFactory,
)
from botframework.connector.teams import TeamsConnectorClient
from msrest.exceptions import ClientRequestError, HttpOperationError

from bot.alerts import AlertView
from bot.config import Config
from bot.lifecycle import Action, Actor, Outcome
from bot.platforms import teams_cards as cards
from bot.platforms import teams_channels as channels
from bot.platforms.base import CoreAPI, DeliveryError, Finding, MessageRef

log = logging.getLogger("siloless.teams")

ROUTE = "/api/messages"
#: Teams activities are small (a card action is a few KB); refuse anything far larger early.
MAX_BODY_BYTES = 512_000
#: Outbound Bot Connector calls give up after this long; the outbox retries.
CONNECTOR_TIMEOUT = 20
#: JWT validation fetches Microsoft's signing keys with blocking HTTP; it runs in a thread, bounded.
AUTH_TIMEOUT = 15.0
#: Stand-in app id when auth is off: botbuilder needs a non-empty ``bot_app_id`` (issue #2036).
EMULATOR_APP_ID = "siloless-local-emulator"
MEMBER_CACHE_SECONDS = 3600.0
_RETRYABLE = frozenset({408, 412, 429, 500, 502, 503, 504})
_TAGS = re.compile(r"<[^>]{0,200}>")


class _QuietInvokeValue(logging.Filter):
    """msrest warns on every card click that ``trigger`` is unknown to ``AdaptiveCardInvokeValue``."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "AdaptiveCardInvokeValue" not in record.getMessage()


_MSREST_LOG = logging.getLogger("msrest.serialization")
if not any(isinstance(f, _QuietInvokeValue) for f in _MSREST_LOG.filters):
    _MSREST_LOG.addFilter(_QuietInvokeValue())


class TeamsPlatform:
    """The Teams bot: one CloudAdapter, one handler, and the outbox's three calls."""

    name: ClassVar[str] = "teams"

    def __init__(self, config: Config, core: CoreAPI, *,
                 credentials_factory: ServiceClientCredentialsFactory | None = None,
                 openid_metadata_url: str | None = None) -> None:
        settings = config.teams
        self.config = config
        self.core = core
        self.post_interval = settings.post_interval_seconds
        self.edit_interval = settings.edit_interval_seconds
        self.auth_enabled = bool(settings.app_id)
        self.app_id = settings.app_id or EMULATOR_APP_ID
        self.bot_name = settings.bot_name
        self.max_body = min(MAX_BODY_BYTES, config.server.max_body_bytes)
        self._auth = _Authentication(_settings(config, openid_metadata_url), credentials_factory=credentials_factory)
        self.adapter = CloudAdapter(self._auth)
        self.adapter.on_turn_error = self._on_turn_error
        self.handler = _Handler(self)
        self._members: dict[tuple[str, str], tuple[float, tuple[str, str] | None]] = {}

    # -- Platform: lifecycle and HTTP ---------------------------------------------------------

    async def start(self) -> None:
        if not self.auth_enabled:
            log.warning(
                "Teams: [teams] app_id is empty, so %s runs the LOCAL EMULATOR PROFILE with authentication OFF: "
                "anyone who can reach it can act as any Teams user. Use it only with the Bot Framework Emulator "
                "on this machine; set app_id and app_password before exposing the port.", ROUTE)
        else:
            log.info("Teams: bot %s, JWT validation on for %s", self.config.teams.app_id, ROUTE)

    async def stop(self) -> None:
        return None

    def routes(self, app: web.Application) -> None:
        app.router.add_post(ROUTE, self.handle)

    async def handle(self, request: web.Request) -> web.Response:
        """``POST /api/messages``: parse, authenticate (any failure → 401), then run the turn."""
        if "application/json" not in (request.headers.get("Content-Type") or ""):
            return _error(415, "send the activity as application/json")
        if request.content_length is not None and request.content_length > self.max_body:
            return _error(413, f"body is larger than {self.max_body} bytes")
        raw = bytearray()
        async for chunk in request.content.iter_chunked(65536):
            raw += chunk
            if len(raw) > self.max_body:
                return _error(413, f"body is larger than {self.max_body} bytes")
        try:
            body = json.loads(bytes(raw))
        except (ValueError, UnicodeDecodeError):
            return _error(400, "the body is not valid JSON")
        if not isinstance(body, dict):
            return _error(400, "the body must be a JSON object (a Bot Framework activity)")
        try:
            activity = Activity().deserialize(body)
        except Exception:
            return _error(400, "the body is not a Bot Framework activity")
        if not activity.type:
            return _error(400, 'the activity has no "type"')
        try:
            auth = await self._authenticate(activity, request.headers.get("Authorization", ""))
        except Exception as exc:  # botbuilder raises PermissionError, PyJWT errors, IndexError, AttributeError…
            log.info("Teams: refused an activity on %s: %s: %s", ROUTE, type(exc).__name__, str(exc)[:200])
            return _error(401, "unauthorized: the Bot Framework token is missing or not valid")
        invoke_response = await self.adapter.process_activity(auth, activity, self.handler.on_turn)
        if invoke_response:
            status = invoke_response.status
            if status >= 500:  # botbuilder answers 501 to an invoke it has no handler for: the request's fault
                log.warning("Teams: an invoke botbuilder could not handle (%s) answered 400", activity.name)
                status = 400
            return web.json_response(_invoke_body(invoke_response.body), status=status)
        return web.Response(status=201)

    async def _authenticate(self, activity: Activity, header: str) -> AuthenticateRequestResult:
        if not self.auth_enabled:
            return await self._auth.authenticate_request(activity, header)
        # botbuilder fetches the OpenID metadata and signing keys with blocking ``requests`` calls inside
        # this coroutine; run it on its own loop in a thread so the service's loop never stalls on it.
        def validate() -> AuthenticateRequestResult:
            return asyncio.run(self._auth.authenticate_request(activity, header))

        return await asyncio.wait_for(asyncio.to_thread(validate), AUTH_TIMEOUT)

    async def _on_turn_error(self, context: TurnContext, error: Exception) -> None:
        log.error("Teams: turn failed for a %s activity", context.activity.type, exc_info=error)
        if context.activity.type == ActivityTypes.message:
            with contextlib.suppress(Exception):
                await context.send_activity(_message("Sorry, that failed on our side; it has been logged."))

    # -- Platform: delivery -------------------------------------------------------------------

    async def post(self, channel: str, alert: AlertView) -> MessageRef:
        target = channels.resolve(self.core.store, channel)
        if isinstance(target, str):
            raise DeliveryError(target, permanent=True)
        try:
            return await self._post_card(target, cards.fitted_card(alert), alert)
        except _TooLarge:
            log.warning("Teams: the card for %s was too large for %s; posting the compact card", alert.short_id,
                        target.label)
            try:
                return await self._post_card(target, cards.alert_card(alert, compact=True), alert)
            except _TooLarge as exc:
                raise DeliveryError(f"even the compact card for {alert.short_id} is too large", permanent=True) from exc

    async def update(self, ref: MessageRef, alert: AlertView) -> None:
        activity = _card_activity(cards.fitted_card(alert), alert)
        activity.id = ref.message_id
        try:
            await self._continue(ref, lambda ctx: ctx.update_activity(activity), what=f"update {alert.short_id}")
        except _TooLarge:
            compact = _card_activity(cards.alert_card(alert, compact=True), alert)
            compact.id = ref.message_id
            await self._continue(ref, lambda ctx: ctx.update_activity(compact), what=f"update {alert.short_id}")

    async def reply(self, ref: MessageRef, text: str, *, ping: str = "") -> None:
        who = await self._resolve_member(ref, ping) if ping else None
        line = cards.thread_text(text)
        activity = _message(line)
        if who is not None:
            member_id, member_name = who
            tag = f"<at>{_tag_safe(member_name)}</at>"
            activity.text = f"{tag} {line}"
            activity.entities = [Mention(mentioned=ChannelAccount(id=member_id, name=member_name), text=tag,
                                         type="mention")]
        elif ping:
            activity.text = f"{line} (on-call: {cards.escape_md(ping)})"
        await self._continue(ref, lambda ctx: ctx.send_activity(activity), what="thread reply")

    async def doctor(self) -> list[Finding]:
        findings: list[Finding] = []
        if self.auth_enabled:
            findings.append(Finding("ok", f"teams: bot {self.config.teams.app_id}; /api/messages checks tokens"))
            findings.append(await self._check_token())
        else:
            findings.append(Finding("warn", "teams: app_id is empty, so /api/messages runs the local emulator "
                                            "profile with NO authentication; set [teams] app_id and app_password "
                                            "(docs/teams.md) before exposing it"))
        known = channels.known(self.core.store)
        if not known:
            findings.append(Finding("warn", "teams: the bot has not been installed in any team yet; sideload the "
                                            "app package (siloless teams-package) and add it to a team"))
        wanted = [(f"department {d.name}", d.teams_channel) for d in self.config.departments if d.teams_channel]
        if self.config.escalation.teams_channel:
            wanted.append(("escalation", self.config.escalation.teams_channel))
        for owner, name in wanted:
            target = channels.resolve(self.core.store, name)
            if isinstance(target, str):
                findings.append(Finding("error", f"teams: {owner}: {target}"))
            else:
                findings.append(Finding("ok", f"teams: {owner} posts to {target.label} ({target.channel_id})"))
        return findings

    async def _check_token(self) -> Finding:
        try:
            creds = await self._auth.credentials_factory.create_credentials(
                self.config.teams.app_id, AuthenticationConstants.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE,
                AuthenticationConstants.TO_CHANNEL_FROM_BOT_LOGIN_URL, True)
            getter = getattr(creds, "get_access_token", None)
            if getter is not None:
                await asyncio.wait_for(asyncio.to_thread(getter), AUTH_TIMEOUT)
            return Finding("ok", "teams: the app id and password get a Bot Framework token")
        except Exception as exc:
            return Finding("error", f"teams: cannot get a Bot Framework token with [teams] app_id/app_password "
                                    f"({type(exc).__name__}: {str(exc)[:160]}); check the client secret in Azure "
                                    "(Bot → Configuration → Manage password) and tenant_id for single-tenant bots")

    # -- outbound plumbing ----------------------------------------------------------------------

    async def _post_card(self, target: channels.ChannelRef, card: dict[str, Any], alert: AlertView) -> MessageRef:
        activity = _card_activity(card, alert)
        if target.is_chat:  # a group chat has no threads: the card is a plain message in the chat
            sent: dict[str, str] = {}

            async def send(ctx: TurnContext) -> None:
                response = await ctx.send_activity(activity)
                sent["id"] = response.id if response else ""

            ref = MessageRef(self.name, target.channel_id, "", "",
                             {"conversation": target.channel_id, "service_url": target.service_url,
                              "tenant_id": target.tenant_id, "team_id": ""})
            await self._continue(ref, send, what=f"post {alert.short_id}")
            return MessageRef(self.name, target.channel_id, sent["id"], sent["id"], ref.extra)
        created: dict[str, str] = {}

        async def remember(ctx: TurnContext) -> None:
            created["id"] = ctx.activity.id
            created["conversation"] = ctx.activity.conversation.id

        channel_data: dict[str, Any] = {"channel": {"id": target.channel_id}}
        if target.tenant_id:
            channel_data["tenant"] = {"id": target.tenant_id}
        params = ConversationParameters(is_group=True, channel_data=channel_data, activity=activity,
                                        tenant_id=target.tenant_id or None,
                                        bot=ChannelAccount(id=self.app_id, name=self.bot_name))
        try:
            await self.adapter.create_conversation(self.app_id, remember, params, "msteams", target.service_url)
        except Exception as exc:
            raise _delivery_error(exc, target.label) from exc
        message_id = created.get("id") or ""
        conversation = created.get("conversation") or f"{target.channel_id};messageid={message_id}"
        return MessageRef(self.name, target.channel_id, message_id, message_id,
                          {"conversation": conversation, "service_url": target.service_url,
                           "tenant_id": target.tenant_id, "team_id": target.team_id})

    async def _continue(self, ref: MessageRef, work: Callable[[TurnContext], Awaitable[Any]], *, what: str) -> None:
        """Run ``work`` in the alert's thread (a proactive turn); map connector failures to DeliveryError."""
        known = channels.find(self.core.store, ref.channel)
        service_url = (known.service_url if known else "") or ref.extra.get("service_url") or ""
        if not service_url:
            raise DeliveryError(f"no serviceUrl known for Teams channel {ref.channel}; "
                                f"{channels.not_installed(ref.channel)}", permanent=True)
        tenant = ref.extra.get("tenant_id") or (known.tenant_id if known else "")
        reference = ConversationReference(
            channel_id="msteams", service_url=service_url,
            conversation=ConversationAccount(id=ref.extra.get("conversation") or ref.channel, is_group=True,
                                             conversation_type="channel", tenant_id=tenant or None),
            bot=ChannelAccount(id=self.app_id, name=self.bot_name))
        failure: list[BaseException] = []

        async def run(ctx: TurnContext) -> None:
            # botbuilder gives the continuation activity a random id, and every send would become a
            # "reply to" that id; make sends reply to the card itself (the thread root) instead.
            ctx.activity.id = ref.message_id or None
            try:
                await work(ctx)
            except Exception as exc:  # keep it from on_turn_error: the outbox must see it
                failure.append(exc)

        try:
            await self.adapter.continue_conversation(reference, run, bot_app_id=self.app_id)
        except Exception as exc:
            raise _delivery_error(exc, ref.channel) from exc
        if failure:
            raise _delivery_error(failure[0], ref.channel) from failure[0]

    async def _resolve_member(self, ref: MessageRef, wanted: str) -> tuple[str, str] | None:
        """The (id, name) of the configured on-call: by AAD/Teams id, or by name/e-mail in the team."""
        scope = ref.extra.get("team_id") or ref.channel
        key = (scope, wanted)
        cached = self._members.get(key)
        if cached and time.monotonic() - cached[0] < MEMBER_CACHE_SECONDS:
            return cached[1]
        found: list[tuple[str, str] | None] = [None]

        async def look(ctx: TurnContext) -> None:
            client = ctx.turn_state[self.adapter.BOT_CONNECTOR_CLIENT_KEY]
            try:
                if _looks_like_user_id(wanted):
                    member = await client.conversations.get_conversation_member(scope, wanted)
                    found[0] = (member.id or wanted, member.name or wanted)
                    return
                target = wanted.casefold().lstrip("@")
                for member in await client.conversations.get_conversation_members(scope):
                    extra = member.additional_properties or {}
                    names = {str(v).casefold() for v in (member.name, extra.get("email"),
                                                          extra.get("userPrincipalName")) if v}
                    if target in names:
                        found[0] = (member.id, member.name or wanted)
                        return
            except Exception as exc:
                log.warning("Teams: could not look up on-call %r in %s: %s", wanted, scope, exc)

        try:
            await self._continue(ref, look, what="member lookup")
        except DeliveryError as exc:
            log.warning("Teams: could not look up on-call %r: %s", wanted, exc)
            return None
        if found[0] is None:
            log.warning("Teams: on-call %r is not a member of %s; the line is posted without a mention", wanted,
                        scope)
            if _looks_like_user_id(wanted):
                return None
        self._members[key] = (time.monotonic(), found[0])
        return found[0]

    # -- inbound: what the handler calls ----------------------------------------------------------

    def remember(self, activity: Activity) -> list[channels.ChannelRef]:
        """Save the channel an activity came from (Teams may move a tenant's serviceUrl at any time)."""
        seen = channels.channels_from_activity(activity.serialize())
        now = self.now()
        for ref in seen:
            channels.save(self.core.store, ref, self.app_id, self.bot_name, now)
            if ref.team_id:  # the whole team moved, not just this channel
                for sibling in channels.known(self.core.store):
                    if sibling.team_id == ref.team_id and sibling.service_url != ref.service_url:
                        channels.save(self.core.store, replace(sibling, service_url=ref.service_url),
                                      self.app_id, self.bot_name, now)
        return seen

    async def discover(self, context: TurnContext, team: channels.ChannelRef) -> int:
        """Save every channel of ``team`` (the Bot Connector's channel list), so departments can name any."""
        client = context.turn_state.get(self.adapter.BOT_CONNECTOR_CLIENT_KEY)
        if client is None or team.is_chat:
            return 0
        credentials = client.config.credentials
        timeout = max(1.0, self.config.teams.api_timeout_seconds)

        def fetch() -> list[tuple[str, str | None]]:
            teams_client = TeamsConnectorClient(credentials, team.service_url)
            teams_client.config.retry_policy.retries = 0
            teams_client.config.connection.timeout = timeout
            result = teams_client.teams.get_teams_channels(team.team_id)
            return [(c.id, c.name) for c in result.conversations or [] if c.id]

        try:  # the Teams operations client is synchronous (requests): keep it off the loop
            listed = await asyncio.wait_for(asyncio.to_thread(fetch), timeout + 5)
        except Exception as exc:
            log.warning("Teams: could not list the channels of team %s: %s", team.team_name or team.team_id, exc)
            return 0
        now = self.now()
        for channel_id, name in listed:
            channels.save(self.core.store, channels.team_channel(team, channel_id, name), self.app_id, self.bot_name,
                          now)
        log.info("Teams: installed in team %s; %d channels known", team.team_name or team.team_id, len(listed))
        return len(listed)

    def now(self) -> datetime:
        return self.core.clock.now()

    def actor(self, activity: Activity) -> Actor:
        sender = activity.from_property or ChannelAccount()
        aad = getattr(sender, "aad_object_id", None) or (sender.additional_properties or {}).get("aadObjectId")
        return Actor("teams", aad or sender.id or "", sender.name or "")

    def act(self, context: TurnContext, action: cards.CardAction) -> tuple[Outcome, AlertView | None]:
        """Apply a card action through the core; return the outcome and the refreshed view of this copy."""
        key = _card_key(context.activity)
        alert = self.core.store.find_alert(self.name, key) if key else None
        mention = alert["mention_id"] if alert else action.mention
        outcome = self.core.act(Action(action.verb, mention, self.actor(context.activity), note=action.note,
                                       department=action.department))
        view = self.core.view(outcome.mention_id or mention, alert["id"] if alert else None)
        return outcome, view


class _Handler(ActivityHandler):
    """Turns Teams activities into core calls; every answer is escaped text or a card built from a view."""

    def __init__(self, platform: TeamsPlatform) -> None:
        self.platform = platform

    async def on_turn(self, turn_context: TurnContext) -> None:
        seen = self.platform.remember(turn_context.activity)
        activity = turn_context.activity
        event = (activity.channel_data or {}).get("eventType") if isinstance(activity.channel_data, dict) else None
        installed = activity.type == ActivityTypes.installation_update and (activity.action or "add").startswith("add")
        bot_added = any(m.id == (activity.recipient.id if activity.recipient else None)
                        for m in activity.members_added or [])
        team_event = activity.type == ActivityTypes.conversation_update and (
            (event == "teamMemberAdded" and bot_added)
            or event in ("channelCreated", "channelRenamed", "channelRestored", "teamRenamed", "teamRestored"))
        if (installed or team_event) and seen and not seen[0].is_chat:
            await self.platform.discover(turn_context, seen[0])
        await super().on_turn(turn_context)

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        if activity.value is not None and not (activity.text or "").strip():
            await self._on_submit(turn_context)
            return
        store = self.platform.core.store
        now = self.platform.now()
        if activity.id and not store.first_time_seen(f"teams:{activity.conversation.id}:{activity.id}", now):
            return  # Teams re-delivered a message we already answered
        text = _command_text(activity)
        reply = self.platform.core.command(text, self.platform.actor(activity))
        await turn_context.send_activity(_message(_lines(reply.text)))

    async def _on_submit(self, turn_context: TurnContext) -> None:
        """The Action.Submit fallback of old clients: act, then let the outbox refresh every copy."""
        value = turn_context.activity.value
        parsed = cards.parse_action(None, value if isinstance(value, dict) else None)
        if isinstance(parsed, str):
            await turn_context.send_activity(_message(cards.escape_md(parsed)))
            return
        outcome, _view = self.platform.act(turn_context, parsed)
        if not outcome.ok:
            await turn_context.send_activity(_message(cards.escape_md(outcome.message)))

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse | None:
        if turn_context.activity.name != "adaptiveCard/action":
            return await super().on_invoke_activity(turn_context)
        try:  # botbuilder's own checks: missing value/action → 400, not Action.Execute → 400 NotSupported
            invoke_value = self._get_adaptive_card_invoke_value(turn_context.activity)
        except Exception:
            return await super().on_invoke_activity(turn_context)
        # Answer with a plain dict: botbuilder's AdaptiveCardInvokeResponse cannot serialize a string value.
        return InvokeResponse(status=200, body=self.card_action(turn_context, invoke_value.action or {}))

    def card_action(self, turn_context: TurnContext, action: dict[str, Any]) -> dict[str, Any]:
        """An Action.Execute click: act through the core, answer with the refreshed card or why not."""
        parsed = cards.parse_action(action.get("verb"), action.get("data") or {})
        if isinstance(parsed, str):
            return {"statusCode": 400, "type": "application/vnd.microsoft.error",
                    "value": {"code": "BadRequest", "message": parsed}}
        outcome, view = self.platform.act(turn_context, parsed)
        if not outcome.ok or view is None:
            # Refusals (illegal transition, not allowed, claimed by someone else) are told to the clicker only.
            return {"statusCode": 200, "type": "application/vnd.microsoft.activity.message", "value": outcome.message}
        # The clicker sees the new state at once; the core has queued an update of every copy for everyone.
        return {"statusCode": 200, "type": cards.CARD_CONTENT_TYPE, "value": cards.fitted_card(view)}

    async def on_conversation_update_activity(self, turn_context: TurnContext) -> None:
        return None  # handled in on_turn (remember + discover); nothing to say in the channel

    async def on_installation_update(self, turn_context: TurnContext) -> None:
        return None


# -- authentication: botbuilder's, with our connector settings ----------------------------------------


class _Settings:
    """The attribute bag ``ConfigurationBotFrameworkAuthentication`` reads (botbuilder's config.py style)."""

    def __init__(self, **values: Any) -> None:
        self.__dict__.update(values)


def _settings(config: Config, openid_metadata_url: str | None) -> _Settings:
    teams = config.teams
    values: dict[str, Any] = {"APP_ID": teams.app_id, "APP_PASSWORD": teams.app_password,
                              "CONNECTOR_TIMEOUT": max(1.0, teams.api_timeout_seconds)}
    if teams.tenant_id:
        values.update(APP_TYPE="SingleTenant", APP_TENANTID=teams.tenant_id)
    if openid_metadata_url:  # tests point JWT validation at a local key server
        values.update(TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL=openid_metadata_url,
                      TO_BOT_FROM_CHANNEL_TOKEN_ISSUER=AuthenticationConstants.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER)
    return _Settings(**values)


class _Authentication(ConfigurationBotFrameworkAuthentication):
    """botbuilder's configuration auth, with connector clients that leave retrying to our outbox."""

    def __init__(self, settings: _Settings, *, credentials_factory: ServiceClientCredentialsFactory | None) -> None:
        from botbuilder.integration.aiohttp import ConfigurationServiceClientCredentialFactory

        self.credentials_factory = credentials_factory or ConfigurationServiceClientCredentialFactory(settings)
        self.timeout = float(getattr(settings, "CONNECTOR_TIMEOUT", CONNECTOR_TIMEOUT))
        super().__init__(settings, credentials_factory=self.credentials_factory)

    async def authenticate_request(self, activity: Activity, auth_header: str) -> AuthenticateRequestResult:
        result = await super().authenticate_request(activity, auth_header)
        if result.connector_factory is not None:
            result.connector_factory = _NoRetryConnectorFactory(result.connector_factory, self.timeout)
        return result

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        return _NoRetryConnectorFactory(super().create_connector_factory(claims_identity), self.timeout)


class _NoRetryConnectorFactory(ConnectorFactory):
    """msrest would retry 5xx itself for seconds, hidden from the outbox's pacing and Retry-After."""

    def __init__(self, inner: ConnectorFactory, timeout: float) -> None:
        self._inner = inner
        self._timeout = timeout

    async def create(self, service_url: str, audience: str | None = None) -> Any:
        client = await self._inner.create(service_url, audience)
        client.config.retry_policy.retries = 0
        client.config.connection.timeout = self._timeout
        return client


# -- helpers ------------------------------------------------------------------------------------------


class _TooLarge(DeliveryError):
    """413 MessageSizeTooBig: the caller retries once with the compact card."""


def _delivery_error(exc: BaseException, where: str) -> DeliveryError:
    """A Bot Connector failure as the outbox understands it."""
    if isinstance(exc, DeliveryError):
        return exc
    if isinstance(exc, HttpOperationError) and exc.response is not None:
        status = int(getattr(exc.response, "status_code", 0) or 0)
        headers = getattr(exc.response, "headers", None) or {}
        code, message = _error_code(exc)
        detail = f"Teams answered {status} {code}: {message}".strip()
        if status == 413:
            return _TooLarge(detail, permanent=True)
        if status in _RETRYABLE or status >= 500:
            return DeliveryError(detail, retry_after=_retry_after(headers.get("Retry-After")))
        if status in (403, 404):
            return DeliveryError(f"{detail}; the bot cannot reach {where}: install the app in {where} "
                                 "(or add it back to that team)", permanent=True)
        if status == 401:
            return DeliveryError(f"{detail}; check [teams] app_id/app_password", permanent=True)
        return DeliveryError(detail, permanent=400 <= status < 500)
    if isinstance(exc, ClientRequestError | asyncio.TimeoutError | OSError):
        return DeliveryError(f"cannot reach the Bot Connector for {where}: {exc}")
    return DeliveryError(f"{type(exc).__name__}: {exc}")


def _error_code(exc: HttpOperationError) -> tuple[str, str]:
    error = getattr(getattr(exc, "error", None), "error", None)
    code = getattr(error, "code", "") or ""
    message = getattr(error, "message", "") or ""
    if not code:
        with contextlib.suppress(Exception):
            body = exc.response.json()
            code = body.get("error", {}).get("code", "")
            message = body.get("error", {}).get("message", "")
    return code, message[:200]


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        from email.utils import parsedate_to_datetime

        with contextlib.suppress(Exception):
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    return None


def _invoke_body(body: Any) -> Any:
    """JSON for an invoke response. ActivityHandler has already serialized it to a dict; botbuilder's own
    ``CloudAdapter.process`` serializes it a second time and crashes on card invokes (``'dict' object has
    no attribute 'is_xml_model'``), which is one reason this route does not use ``process``."""
    if body is None or isinstance(body, dict | list | str | int | float | bool):
        return body
    if isinstance(body, AdaptiveCardInvokeResponse) and isinstance(body.value, Exception):
        # botbuilder's own invoke errors carry ``Exception(code, message)``, which msrest cannot serialize
        code, message = ([*body.value.args, "", ""])[:2]
        body = AdaptiveCardInvokeResponse(status_code=int(body.status_code or 500), type=body.type,
                                          value={"code": str(code), "message": str(message)})
    return serializer_helper(body)


def _card_activity(card: dict[str, Any], alert: AlertView) -> Activity:
    return Activity(type=ActivityTypes.message, summary=cards.summary(alert),
                    attachments=[Attachment(content_type=cards.CARD_CONTENT_TYPE, content=card)])


def _message(text: str) -> Activity:
    return Activity(type=ActivityTypes.message, text=text, text_format="markdown")


def _lines(text: str) -> str:
    """A multi-line core reply as escaped markdown, one paragraph per line."""
    return "\n\n".join(cards.escape_md(line) for line in (text or "").splitlines() if line.strip()) or "(nothing)"


def _command_text(activity: Activity) -> str:
    """The message text minus the bot's @mention (Teams keeps ``<at>Name</at>`` in the text)."""
    text = activity.text or ""
    recipient = activity.recipient.id if activity.recipient else None
    for entity in activity.entities or []:
        props = entity.additional_properties or {}
        if entity.type and entity.type.lower() == "mention" and (props.get("mentioned") or {}).get("id") == recipient:
            text = text.replace(props.get("text") or "", " ", 1)
    text = re.sub(r"^\s*<at>[^<]{0,100}</at>", " ", text)  # a mention of the bot without an entity
    return " ".join(html.unescape(_TAGS.sub(" ", text)).split())


def _card_key(activity: Activity) -> str:
    """The card's activity id: ``replyToId``, or the thread root in ``conversation.id``."""
    if activity.reply_to_id:
        return activity.reply_to_id
    conversation = activity.conversation.id if activity.conversation else ""
    _, _, root = (conversation or "").partition(";messageid=")
    return root


def _looks_like_user_id(value: str) -> bool:
    return bool(re.fullmatch(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}", value)
                or value.startswith(("29:", "8:orgid:")))


def _tag_safe(name: str) -> str:
    return re.sub(r"[<>&\\]", "", name)[:80] or "on-call"


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


async def create(config: Config, core: CoreAPI, **options: Any) -> TeamsPlatform | None:
    """The service's factory: a Teams platform when ``[teams] enabled``, else None."""
    if not config.teams.enabled:
        return None
    return TeamsPlatform(config, core, **options)
