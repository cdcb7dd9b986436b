"""A fake Bot Connector service on 127.0.0.1, for botbuilder's real ``ConnectorClient`` to talk to.

Teams activities name the service that answers the bot (``serviceUrl``); every test activity points
it here, so the real CloudAdapter, msrest serialization and our platform code run unchanged. The
fake records every call, assigns activity ids the way Teams does (a counter), and can be scripted
to answer 429 with ``Retry-After``, a 5xx, or "conversation not found"; it answers 413 above
100 KB like the real service. It also builds activities as Teams posts them to ``/api/messages``.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import aiohttp
from aiohttp import web
from msrest.authentication import Authentication

from tests.fakes.polling import poll_until

MAX_ACTIVITY_BYTES = 100_000
TENANT = "tenant-0001"
TEAM_ID = "19:team-comms@thread.tacv2"
BOT_ID = "28:test-app"
OLGA_AAD = "0b0e6a51-0000-4000-8000-00000000a11a"
ANN_AAD = "a11ce000-0000-4000-8000-0000000000a1"


@dataclass
class Call:
    kind: str  # create | send | reply | update | delete | channels | members | member | team
    method: str
    path: str
    conversation_id: str = ""
    activity_id: str = ""
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    at: float = field(default_factory=time.monotonic)
    status: int = 200

    @property
    def card(self) -> dict[str, Any] | None:
        """The Adaptive Card this call carried (the activity's first card attachment), if any."""
        activity = (self.body or {}).get("activity", self.body) if self.kind == "create" else self.body
        for attachment in (activity or {}).get("attachments") or []:
            if attachment.get("contentType") == "application/vnd.microsoft.card.adaptive":
                return attachment["content"]
        return None

    @property
    def text(self) -> str:
        activity = (self.body or {}).get("activity", self.body) if self.kind == "create" else self.body
        return (activity or {}).get("text") or ""


@dataclass
class Failure:
    status: int
    retry_after: str | None = None
    body: dict[str, Any] | None = None


@dataclass
class Channel:
    id: str
    name: str | None


class FakeBotConnector:
    """``async with FakeBotConnector() as fake``: ``fake.url`` is the ``serviceUrl`` to put in activities."""

    def __init__(self, channels: list[tuple[str, str | None]] | None = None) -> None:
        self.calls: list[Call] = []
        self.channels: dict[str, list[Channel]] = {
            TEAM_ID: [Channel(id, name) for id, name in (channels or [
                (TEAM_ID, None),  # the General channel: same id as the team, no name
                ("19:support@thread.tacv2", "Support"),
                ("19:billing@thread.tacv2", "Billing"),
            ])]
        }
        self.members: dict[str, list[dict[str, Any]]] = {TEAM_ID: [
            {"id": "29:oncall", "name": "Olga On-call", "aadObjectId": OLGA_AAD, "email": "olga@example.com",
             "userPrincipalName": "olga@example.com", "tenantId": TENANT},
            {"id": "29:ann", "name": "Ann Agent", "aadObjectId": ANN_AAD, "email": "ann@example.com",
             "userPrincipalName": "ann@example.com", "tenantId": TENANT},
        ]}
        #: conversation ids (channel or thread) that answer 404 ConversationNotFound
        self.missing: set[str] = set()
        #: conversation ids that answer 403 (the bot is not in that team any more)
        self.forbidden: set[str] = set()
        self._failures: dict[str, list[Failure]] = {}
        self.chaos_rate = 0.0
        self.chaos_kinds: tuple[str, ...] = ()
        self.chaos_rng = random.Random(0)
        self.injected: Counter[str] = Counter()
        self._ids = itertools.count(1_700_000_000_001)
        self._runner: web.AppRunner | None = None
        self.url = ""

    # -- scripting ------------------------------------------------------------------------------

    def fail_next(self, kind: str, status: int, *, retry_after: str | None = None, times: int = 1,
                  body: dict[str, Any] | None = None) -> None:
        """The next ``times`` calls of ``kind`` (create/send/reply/update) answer ``status``."""
        self._failures.setdefault(kind, []).extend(Failure(status, retry_after, body) for _ in range(times))

    def chaos(self, rate: float, *, seed: int = 0, kinds: tuple[str, ...] = ("create", "update")) -> None:
        """Refuse a share ``rate`` of calls at random with 429 (Retry-After), 412, 500, 502 or a reset
        connection, always *before* the call takes effect: the Bot Connector has no way to look a message
        up afterwards, so a failure after acceptance cannot be told from one before (docs/reliability.md)."""
        self.chaos_rate, self.chaos_kinds, self.chaos_rng = rate, kinds, random.Random(seed)

    def of(self, kind: str) -> list[Call]:
        return [c for c in self.calls if c.kind == kind and c.status < 300]

    def failed(self, kind: str) -> list[Call]:
        return [c for c in self.calls if c.kind == kind and c.status >= 300]

    async def wait_for(self, predicate: Callable[[], Any], *, timeout: float = 3.0, what: str = "a call") -> Any:
        """Poll ``predicate`` until it returns something truthy (no fixed sleeps in tests)."""
        return await poll_until(predicate, timeout=timeout, interval=0.01, describe_failure=lambda: (
            f"timed out waiting for {what}; calls so far: "
            f"{[(c.kind, c.status, c.conversation_id) for c in self.calls]}"))

    # -- server ---------------------------------------------------------------------------------

    async def __aenter__(self) -> FakeBotConnector:
        app = web.Application(client_max_size=10_000_000)
        app.router.add_post("/v3/conversations", self._create)
        app.router.add_post("/v3/conversations/{cid}/activities", self._send)
        app.router.add_post("/v3/conversations/{cid}/activities/{aid}", self._reply)
        app.router.add_put("/v3/conversations/{cid}/activities/{aid}", self._update)
        app.router.add_delete("/v3/conversations/{cid}/activities/{aid}", self._delete)
        app.router.add_get("/v3/conversations/{cid}/members", self._members)
        app.router.add_get("/v3/conversations/{cid}/members/{uid}", self._member)
        app.router.add_get("/v3/teams/{tid}/conversations", self._channels)
        app.router.add_get("/v3/teams/{tid}", self._team)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}/"
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    # -- handlers -------------------------------------------------------------------------------

    async def _record(self, request: web.Request, kind: str) -> tuple[Call, web.Response | None]:
        raw = await request.read()
        body = json.loads(raw) if raw else None
        call = Call(kind, request.method, request.path, request.match_info.get("cid", ""),
                    request.match_info.get("aid", ""), body, dict(request.headers))
        self.calls.append(call)
        scripted = self._failures.get(kind)
        if scripted:
            failure = scripted.pop(0)
            call.status = failure.status
            headers = {"Retry-After": failure.retry_after} if failure.retry_after is not None else {}
            error = failure.body or {"error": {"code": "ServiceError", "message": f"scripted {failure.status}"}}
            return call, web.json_response(error, status=failure.status, headers=headers)
        if kind in self.chaos_kinds and self.chaos_rng.random() < self.chaos_rate:
            fault = self.chaos_rng.choice(["429", "412", "500", "502", "reset"])
            self.injected[fault] += 1
            if fault == "reset" and request.transport is not None:
                request.transport.close()
                call.status = 599
                return call, web.Response(status=500)
            call.status = int(fault) if fault != "reset" else 500
            headers = {"Retry-After": str(self.chaos_rng.choice([0, 1]))} if fault == "429" else {}
            return call, web.json_response({"error": {"code": "ServiceError", "message": f"chaos {fault}"}},
                                           status=call.status, headers=headers)
        conversation = call.conversation_id or ((body or {}).get("channelData") or {}).get("channel", {}).get("id", "")
        base = conversation.split(";")[0]
        if base in self.forbidden or conversation in self.forbidden:
            call.status = 403
            return call, web.json_response({"error": {"code": "BotNotInConversationRoster",
                                                      "message": "The bot is not part of the conversation roster."}},
                                           status=403)
        if base in self.missing or conversation in self.missing:
            call.status = 404
            return call, web.json_response({"error": {"code": "ConversationNotFound",
                                                      "message": "Conversation not found."}}, status=404)
        if kind in ("create", "send", "reply", "update") and len(raw) > MAX_ACTIVITY_BYTES:
            call.status = 413
            return call, web.json_response({"error": {"code": "MessageSizeTooBig",
                                                      "message": "Message size too big."}}, status=413)
        return call, None

    def _new_id(self) -> str:
        return str(next(self._ids))

    async def _create(self, request: web.Request) -> web.Response:
        call, refused = await self._record(request, "create")
        if refused:
            return refused
        channel = ((call.body or {}).get("channelData") or {}).get("channel", {}).get("id")
        if not channel:
            call.status = 400
            return web.json_response({"error": {"code": "BadArgument", "message": "channel id missing"}}, status=400)
        activity_id = self._new_id()
        call.activity_id = activity_id
        return web.json_response({"id": f"{channel};messageid={activity_id}", "activityId": activity_id}, status=201)

    async def _send(self, request: web.Request) -> web.Response:
        call, refused = await self._record(request, "send")
        if refused:
            return refused
        call.activity_id = self._new_id()
        return web.json_response({"id": call.activity_id}, status=201)

    async def _reply(self, request: web.Request) -> web.Response:
        _call, refused = await self._record(request, "reply")
        if refused:
            return refused
        return web.json_response({"id": self._new_id()}, status=201)

    async def _update(self, request: web.Request) -> web.Response:
        call, refused = await self._record(request, "update")
        if refused:
            return refused
        return web.json_response({"id": call.activity_id}, status=200)

    async def _delete(self, request: web.Request) -> web.Response:
        _call, refused = await self._record(request, "delete")
        return refused or web.Response(status=200)

    async def _channels(self, request: web.Request) -> web.Response:
        _call, refused = await self._record(request, "channels")
        if refused:
            return refused
        team = request.match_info["tid"]
        return web.json_response({"conversations": [{"id": c.id, "name": c.name} for c in self.channels.get(team, [])]})

    async def _team(self, request: web.Request) -> web.Response:
        _call, refused = await self._record(request, "team")
        return refused or web.json_response({"id": request.match_info["tid"], "name": "Comms"})

    async def _members(self, request: web.Request) -> web.Response:
        _call, refused = await self._record(request, "members")
        return refused or web.json_response(self.members.get(request.match_info["cid"], []))

    async def _member(self, request: web.Request) -> web.Response:
        call, refused = await self._record(request, "member")
        if refused:
            return refused
        for member in self.members.get(request.match_info["cid"], []):
            if request.match_info["uid"] in (member["id"], member["aadObjectId"]):
                return web.json_response(member)
        call.status = 404
        return web.json_response({"error": {"code": "MemberNotFoundInConversation", "message": "no"}}, status=404)


# -- activities as Teams posts them to /api/messages ------------------------------------------------

_activity_ids = itertools.count(1_800_000_000_001)


def _base(service_url: str, *, channel_id: str, channel_name: str | None, thread_root: str | None = None,
          user: tuple[str, str, str] = ("29:ann", "Ann Agent", ANN_AAD), bot_name: str = "Siloless"
          ) -> dict[str, Any]:
    user_id, user_name, aad = user
    conversation = f"{channel_id};messageid={thread_root}" if thread_root else channel_id
    channel: dict[str, Any] = {"id": channel_id}
    if channel_name is not None:
        channel["name"] = channel_name
    return {
        "id": str(next(_activity_ids)),
        "timestamp": "2026-11-23T10:00:00.000Z",
        "channelId": "msteams",
        "serviceUrl": service_url,
        "from": {"id": user_id, "name": user_name, "aadObjectId": aad},
        "recipient": {"id": BOT_ID, "name": bot_name},
        "conversation": {"id": conversation, "isGroup": True, "conversationType": "channel", "tenantId": TENANT},
        "channelData": {
            "teamsChannelId": channel_id,
            "teamsTeamId": TEAM_ID,
            "channel": channel,
            "team": {"id": TEAM_ID, "name": "Comms", "aadGroupId": "group-0001"},
            "tenant": {"id": TENANT},
        },
        "locale": "en-US",
    }


def installation_update(service_url: str, *, channel_id: str = TEAM_ID, channel_name: str | None = None
                        ) -> dict[str, Any]:
    """The bot was added to a team (Teams names the General channel, whose id is the team's)."""
    activity = _base(service_url, channel_id=channel_id, channel_name=channel_name)
    activity.update(type="installationUpdate", action="add")
    return activity


def bot_added(service_url: str, *, channel_id: str = TEAM_ID, channel_name: str | None = None) -> dict[str, Any]:
    """``conversationUpdate`` / ``teamMemberAdded`` with the bot as the new member."""
    activity = _base(service_url, channel_id=channel_id, channel_name=channel_name)
    activity.update(type="conversationUpdate", membersAdded=[{"id": BOT_ID}])
    activity["channelData"]["eventType"] = "teamMemberAdded"
    return activity


def channel_created(service_url: str, channel_id: str, channel_name: str) -> dict[str, Any]:
    activity = _base(service_url, channel_id=channel_id, channel_name=channel_name)
    activity.update(type="conversationUpdate")
    activity["channelData"]["eventType"] = "channelCreated"
    return activity


def mention_message(service_url: str, command: str, *, channel_id: str = "19:support@thread.tacv2",
                    channel_name: str | None = "Support", thread_root: str | None = None,
                    user: tuple[str, str, str] = ("29:ann", "Ann Agent", ANN_AAD), bot_name: str = "Siloless"
                    ) -> dict[str, Any]:
    """A channel message that @mentions the bot, as Teams sends it (the mention tag is in the text)."""
    activity = _base(service_url, channel_id=channel_id, channel_name=channel_name, user=user, bot_name=bot_name)
    root = thread_root or activity["id"]
    activity["conversation"]["id"] = f"{channel_id};messageid={root}"
    activity.update(
        type="message",
        text=f"<at>{bot_name}</at> {command}",
        textFormat="plain",
        entities=[{"type": "mention", "mentioned": {"id": BOT_ID, "name": bot_name}, "text": f"<at>{bot_name}</at>"},
                  {"type": "clientInfo", "locale": "en-US", "country": "US", "platform": "Web"}],
    )
    if thread_root:
        activity["replyToId"] = thread_root
    return activity


def card_action(service_url: str, card_id: str, verb: str, data: dict[str, Any], *,
                channel_id: str = "19:support@thread.tacv2", channel_name: str | None = "Support",
                user: tuple[str, str, str] = ("29:ann", "Ann Agent", ANN_AAD), action_type: str = "Action.Execute"
                ) -> dict[str, Any]:
    """An ``adaptiveCard/action`` invoke: someone clicked an Action.Execute button on the card ``card_id``."""
    activity = _base(service_url, channel_id=channel_id, channel_name=channel_name, thread_root=card_id, user=user)
    activity.update(type="invoke", name="adaptiveCard/action", replyToId=card_id,
                    value={"action": {"type": action_type, "id": verb, "verb": verb, "data": data},
                           "trigger": "manual"})
    return activity


def card_submit(service_url: str, card_id: str, data: dict[str, Any], *,
                channel_id: str = "19:support@thread.tacv2", channel_name: str | None = "Support",
                user: tuple[str, str, str] = ("29:ann", "Ann Agent", ANN_AAD)) -> dict[str, Any]:
    """The Action.Submit fallback: a message with ``value`` and no text, replying to the card."""
    activity = _base(service_url, channel_id=channel_id, channel_name=channel_name, thread_root=card_id, user=user)
    activity.update(type="message", replyToId=card_id, value=data)
    return activity


# -- Microsoft's token signing keys, for real JWT validation offline -----------------------------------


class FakeOpenIdServer:
    """OpenID metadata and a JWKS on a *threaded* stdlib server, plus a token signer (PyJWT, RS256).

    botbuilder fetches both documents with blocking ``requests.get``; an in-loop aiohttp fake could
    deadlock, a thread cannot. Each instance serves under a unique path because botbuilder caches
    metadata per URL in a class-level dict.
    """

    ISSUER = "https://api.botframework.com"

    def __init__(self, *, endorsements: tuple[str, ...] = ("msteams",)) -> None:
        from cryptography.hazmat.primitives.asymmetric import rsa

        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "k1"
        self.endorsements = list(endorsements)
        self.prefix = f"/{uuid.uuid4().hex}"
        self.requests: list[str] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.base = ""

    @property
    def metadata_url(self) -> str:
        return f"{self.base}{self.prefix}/openidconfiguration"

    def _jwk(self) -> dict[str, Any]:
        numbers = self.key.public_key().public_numbers()
        return {"kty": "RSA", "use": "sig", "kid": self.kid, "n": _b64(numbers.n), "e": _b64(numbers.e),
                "endorsements": self.endorsements}

    def __enter__(self) -> FakeOpenIdServer:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                fake.requests.append(self.path)
                if self.path == f"{fake.prefix}/openidconfiguration":
                    body = {"issuer": fake.ISSUER, "jwks_uri": f"{fake.base}{fake.prefix}/keys",
                            "id_token_signing_alg_values_supported": ["RS256"]}
                elif self.path == f"{fake.prefix}/keys":
                    body = {"keys": [fake._jwk()]}
                else:
                    self.send_error(404)
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                return None

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-openid", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def token(self, service_url: str, *, audience: str = "test-app", issuer: str = ISSUER, expires_in: int = 300,
              key: Any = None, kid: str | None = None, claims: dict[str, Any] | None = None) -> str:
        import jwt

        now = int(time.time())
        payload = {"iss": issuer, "aud": audience, "serviceurl": service_url, "nbf": now - 10, "iat": now - 10,
                   "exp": now + expires_in, **(claims or {})}
        return jwt.encode(payload, key or self.key, algorithm="RS256", headers={"kid": kid or self.kid})


def _b64(number: int) -> str:
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class StubCredentials(Authentication):
    """Outbound credentials without MSAL: a fixed bearer token the fake connector can see."""

    def __init__(self, app_id: str) -> None:
        self.microsoft_app_id = app_id

    def signed_session(self, session: Any = None) -> Any:
        session = super().signed_session(session)
        session.headers["Authorization"] = f"Bearer outbound-{self.microsoft_app_id}"
        return session


class StubCredentialsFactory:
    """botbuilder's ServiceClientCredentialsFactory, duck-typed: auth on, one valid app id, no network.

    ``asked`` records every app id botbuilder wanted credentials for: an empty one is issue #2036
    (a proactive call without ``bot_app_id``), which auth-disabled mode would hide.
    """

    def __init__(self, app_id: str = "test-app") -> None:
        self.app_id = app_id
        self.asked: list[str] = []

    async def is_valid_app_id(self, app_id: str) -> bool:
        return app_id == self.app_id

    async def is_authentication_disabled(self) -> bool:
        return False

    async def create_credentials(self, app_id: str, oauth_scope: str, login_endpoint: str,
                                 validate_authority: bool) -> Authentication:
        self.asked.append(app_id)
        if app_id != self.app_id:
            raise PermissionError(f"credentials requested for app id {app_id!r}, expected {self.app_id!r}")
        return StubCredentials(app_id)


# -- the service with Teams on, and a client for /api/messages ----------------------------------------

TEAMS_TOML = """
[teams]
enabled = true
bot_name = "Siloless"
post_interval_seconds = 0
edit_interval_seconds = 0
"""


class TeamsHarness:
    """A started Service (HTTP on 127.0.0.1:0) with Teams on, the fake connector, and an HTTP client."""

    def __init__(self, service: Any, fake: FakeBotConnector, session: aiohttp.ClientSession) -> None:
        self.service = service
        self.fake = fake
        self.session = session

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.service.port}/api/messages"

    async def send(self, activity: dict[str, Any] | None = None, *, raw: bytes | None = None,
                   token: str | None = None, headers: dict[str, str] | None = None) -> tuple[int, Any]:
        """POST an activity as Teams does; returns (status, parsed JSON or text)."""
        sent_headers = {"Content-Type": "application/json; charset=utf-8"}
        if token is not None:
            sent_headers["Authorization"] = f"Bearer {token}"
        sent_headers.update(headers or {})
        data = raw if raw is not None else json.dumps(activity).encode()
        async with self.session.post(self.url, data=data, headers=sent_headers,
                                     timeout=aiohttp.ClientTimeout(total=10)) as response:
            text = await response.text()
            try:
                return response.status, json.loads(text) if text else None
            except ValueError:
                return response.status, text

    async def install(self, **kw: Any) -> None:
        status, _ = await self.send(installation_update(self.fake.url), **kw)
        assert status == 201, status

    def ref(self, mention_id: int, channel_name: str | None = None) -> dict[str, Any]:
        """The stored MessageRef of a mention's Teams card (in ``channel_name`` if given)."""
        for alert in self.service.store.alerts(mention_id):
            if alert["platform"] == "teams" and (channel_name is None or alert["channel"] == channel_name):
                return alert["ref"]
        raise AssertionError(f"no Teams card for mention {mention_id}")

    async def settled(self) -> None:
        """Wait until the outbox has nothing pending (the next change then gets its own update row)."""
        await self.fake.wait_for(lambda: not self.service.store.delivery_counts().get("pending", 0),
                                 what="the outbox to finish")

    async def card_posted(self, mention_id: int, channel_name: str | None = None) -> dict[str, Any]:
        """Wait until the outbox recorded the mention's card; return its MessageRef."""
        def posted() -> dict[str, Any] | None:
            try:
                return self.ref(mention_id, channel_name)
            except AssertionError:
                return None

        return await self.fake.wait_for(posted, what=f"a Teams card for mention {mention_id}")


@contextlib.asynccontextmanager
async def teams_service(config: Any, clock: Any, *, classifier: Any = None, workers: bool = True,
                        channels: list[tuple[str, str | None]] | None = None) -> AsyncIterator[TeamsHarness]:
    from bot.service import Service

    async with FakeBotConnector(channels) as fake, aiohttp.ClientSession() as session:
        service = Service(config, clock=clock, **({"classifier": classifier} if classifier else {}))
        await service.start(serve_http=True, run_sources=False, run_workers=workers)
        try:
            yield TeamsHarness(service, fake, session)
        finally:
            await service.stop()
            service.store.close()


def walk_card(node: Any) -> Iterator[dict[str, Any]]:
    """Every object in an Adaptive Card (or any JSON), depth first: tests read texts and actions from it."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk_card(value)
    elif isinstance(node, list):
        for item in node:
            yield from walk_card(item)
