"""A fake Slack for tests: the Web API, response_url hooks and Socket Mode on 127.0.0.1, plus signed requests.

The real slack_sdk and bolt talk to it (``[slack] api_url`` points the client here), so tests run
our production code paths offline. It records every call (method, query, form, JSON body,
headers) and checks what a real Slack would refuse: a wrong token, an unknown channel, an edit of
a message it never posted, and blocks beyond Block Kit's limits (checked independently of our
renderer). Failures are scripted per method (``fail("chat.postMessage", status=429,
retry_after=2)``). The other half of Slack, the requests it sends *to* us, is built and signed by
``SlackRequests`` exactly as Slack signs them.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from aiohttp import WSMsgType, web
from aiohttp.test_utils import TestServer
from slack_sdk.signature import SignatureVerifier

from tests.fakes.polling import poll_until

TOKEN = "xoxb-test-token"
APP_TOKEN = "xapp-test-token"
SIGNING_SECRET = "test-signing-secret"
TEAM = "T0TEST"
BOT_USER = "UBOT"
BOT_ID = "BBOT"
ALL_SCOPES = ("chat:write,chat:write.public,commands,reactions:read,channels:read,groups:read,usergroups:read,"
              "users:read,channels:history,groups:history")
CHANNELS = {"support": "C0SUPPORT", "billing": "C0BILLING", "engineering": "C0ENGINEERING",
            "security": "C0SECURITY", "escalations": "C0ESCALATIONS", "random": "C0RANDOM"}
USERS = {"U0ANN": "Ann Example", "U0BOB": "Bob Builder", "U0EVE": "Eve <!channel>"}


@dataclass
class Call:
    method: str
    query: dict[str, str]
    form: dict[str, str]
    json: dict[str, Any]
    headers: dict[str, str]
    at: float

    @property
    def args(self) -> dict[str, Any]:
        """Query, form and JSON merged: what the method was asked, however it was sent."""
        return {**self.query, **self.form, **self.json}


@dataclass
class Failure:
    status: int = 200
    error: str = ""
    retry_after: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class FakeSlack:
    def __init__(self, *, channels: dict[str, str] | None = None, members: set[str] | None = None,
                 scopes: str = ALL_SCOPES, page_size: int = 2) -> None:
        self.channels = dict(CHANNELS if channels is None else channels)
        #: channel ids the bot is a member of (conversations.list ``is_member``)
        self.members = set(self.channels.values()) if members is None else set(members)
        self.private: set[str] = set()
        self.scopes = scopes
        self.page_size = page_size
        self.users = dict(USERS)
        self.usergroups: dict[str, list[str]] = {}
        self.calls: list[Call] = []
        self.messages: dict[tuple[str, str], dict[str, Any]] = {}
        self.hooks: dict[str, list[dict[str, Any]]] = {}
        self.socket_acks: list[dict[str, Any]] = []
        self.failures: dict[str, list[Failure]] = {}
        self.delays: dict[str, float] = {}
        #: slow answers *after* the call took effect (a post that landed but whose answer is late)
        self.reply_delays: dict[str, float] = {}
        self.chaos_rate = 0.0
        self.chaos_methods: tuple[str, ...] = ()
        self.chaos_hang = 0.0
        self.chaos_rng = random.Random(0)
        self.injected: Counter[str] = Counter()
        self._ts = itertools.count(1)
        self._last_ts = 0.0
        self._sockets: list[web.WebSocketResponse] = []
        self._server: TestServer | None = None

    # -- running -----------------------------------------------------------------------------

    async def __aenter__(self) -> FakeSlack:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/hooks/{name}", self._hook)
        app.router.add_get("/socket", self._socket)
        self._server = TestServer(app, host="127.0.0.1")
        await self._server.start_server()
        return self

    async def __aexit__(self, *exc: object) -> None:
        for ws in list(self._sockets):
            await ws.close()
        if self._server is not None:
            await self._server.close()

    @property
    def base(self) -> str:
        assert self._server is not None, "use `async with FakeSlack()`"
        return f"http://127.0.0.1:{self._server.port}"

    @property
    def api_url(self) -> str:
        return self.base + "/api/"

    def hook_url(self, name: str = "r1") -> str:
        return f"{self.base}/hooks/{name}"

    # -- scripting and reading ---------------------------------------------------------------

    def fail(self, method: str, *, status: int = 200, error: str = "", retry_after: float | None = None,
             times: int = 1, **extra: Any) -> None:
        """The next ``times`` calls of ``method`` fail this way (429 with Retry-After, 500, ``ok:false``)."""
        self.failures.setdefault(method, []).extend(Failure(status, error, retry_after, extra) for _ in range(times))

    def chaos(self, rate: float, *, seed: int = 0, methods: tuple[str, ...] = ("chat.postMessage", "chat.update"),
              hang_seconds: float = 2.0) -> None:
        """Fail a share ``rate`` of calls to ``methods`` at random: 429 with Retry-After, 500, a hang (the
        client times out) or a reset connection. 500s, hangs and resets happen before or *after* the call
        took effect, as on a real network, so a post may land even though its caller saw a failure."""
        self.chaos_rate, self.chaos_methods, self.chaos_hang = rate, methods, hang_seconds
        self.chaos_rng = random.Random(seed)

    def posts_by_key(self) -> Counter[str]:
        """How many top-level messages carry each Siloless idempotency key (exactly-once checks)."""
        keys: Counter[str] = Counter()
        for message in self.messages.values():
            metadata = message.get("metadata") or {}
            key = (metadata.get("event_payload") or {}).get("key")
            if key and not message.get("thread_ts"):
                keys[key] += 1
        return keys

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def hook_messages(self) -> list[dict[str, Any]]:
        return [m for messages in self.hooks.values() for m in messages]

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 3.0, what: str = "") -> Any:
        """Poll until ``predicate()`` is truthy (side effects run after the ack, in the background)."""
        return await poll_until(predicate, timeout=timeout, interval=0.02, describe_failure=lambda: (
            f"timed out waiting for {what or predicate}; calls: {[c.method for c in self.calls]}"))

    async def send_envelope(self, envelope: dict[str, Any]) -> None:
        """Push a Socket Mode envelope to the connected app."""
        await self.wait_for(lambda: self._sockets, what="a Socket Mode connection")
        await self._sockets[-1].send_str(json.dumps(envelope))

    # -- the Web API -------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        call = await self._record(method, request)
        if method in self.delays:
            await asyncio.sleep(self.delays[method])
        scripted = self.failures.get(method)
        if scripted:
            return self._failure(scripted.pop(0))
        expected = APP_TOKEN if method == "apps.connections.open" else TOKEN
        if call.headers.get("Authorization") != f"Bearer {expected}":
            return _ok_false("invalid_auth")
        handler = getattr(self, "_m_" + method.replace(".", "_"), None)
        if handler is None:
            return _ok_false("unknown_method")
        fault = self._pick_fault(method)
        if fault in ("429", "500-before", "reset-before"):
            return await self._inject(fault, request)
        result = handler(call.args)
        if method in self.reply_delays:
            await asyncio.sleep(self.reply_delays[method])
        if fault is not None:
            return await self._inject(fault, request)
        if isinstance(result, web.StreamResponse):
            return result
        headers = {"x-oauth-scopes": self.scopes} if method == "auth.test" else None
        return web.json_response({"ok": True, **result}, headers=headers)

    def _pick_fault(self, method: str) -> str | None:
        if method not in self.chaos_methods or self.chaos_rng.random() >= self.chaos_rate:
            return None
        return self.chaos_rng.choice(["429", "500-before", "500-after", "hang-after", "reset-before", "reset-after"])

    async def _inject(self, fault: str, request: web.Request) -> web.StreamResponse:
        self.injected[fault] += 1
        if fault == "429":
            return web.json_response({"ok": False, "error": "ratelimited"}, status=429,
                                     headers={"Retry-After": str(self.chaos_rng.choice([0, 1]))})
        if fault.startswith("500"):
            return web.json_response({"ok": False, "error": "internal_error"}, status=500)
        if fault.startswith("hang"):
            await asyncio.sleep(self.chaos_hang)
            return web.json_response({"ok": False, "error": "too_late"}, status=504)
        if request.transport is not None:  # reset: drop the connection without an answer
            request.transport.close()
        return web.Response(status=500)

    async def _record(self, method: str, request: web.Request) -> Call:
        form: dict[str, str] = {}
        body: dict[str, Any] = {}
        if request.content_type == "application/json":
            body = await request.json()
        elif request.can_read_body:
            form = {k: str(v) for k, v in (await request.post()).items()}
        call = Call(method, dict(request.query), form, body, dict(request.headers), time.monotonic())
        self.calls.append(call)
        return call

    def _failure(self, failure: Failure) -> web.StreamResponse:
        if failure.status == 429:
            return web.json_response({"ok": False, "error": "ratelimited"}, status=429,
                                     headers={"Retry-After": str(failure.retry_after or 1)})
        if failure.status >= 500:
            return web.Response(status=failure.status, text="upstream connect error", content_type="text/plain")
        return _ok_false(failure.error or "internal_error", **failure.extra)

    def _m_auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"url": "https://fake.slack.test/", "team": "Fake Team", "user": "siloless", "team_id": TEAM,
                "user_id": BOT_USER, "bot_id": BOT_ID}

    def _m_apps_connections_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"url": self.base.replace("http://", "ws://") + "/socket"}

    def _m_chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any] | web.StreamResponse:
        channel = str(args.get("channel", ""))
        if channel not in self.channels.values():
            return _ok_false("channel_not_found")
        problem = self._message_problem(args)
        if problem:
            return _ok_false(problem)
        if args.get("thread_ts") and (channel, args["thread_ts"]) not in self.messages:
            return _ok_false("thread_not_found")
        ts = self._next_ts()
        message = {"ts": ts, "text": args.get("text", ""), "blocks": args.get("blocks"),
                   "thread_ts": args.get("thread_ts"), "bot_id": BOT_ID, "metadata": args.get("metadata")}
        self.messages[(channel, ts)] = message
        return {"channel": channel, "ts": ts, "message": message}

    def _next_ts(self) -> str:
        """Like Slack: the wall-clock time of the post, made unique (``oldest`` filters by it)."""
        self._last_ts = max(time.time(), self._last_ts + 0.000001)
        next(self._ts)
        return f"{self._last_ts:.6f}"

    def _m_chat_update(self, args: dict[str, Any]) -> dict[str, Any] | web.StreamResponse:
        key = (str(args.get("channel", "")), str(args.get("ts", "")))
        if key not in self.messages:
            return _ok_false("message_not_found")
        problem = self._message_problem(args)
        if problem:
            return _ok_false(problem)
        self.messages[key].update(text=args.get("text", ""), blocks=args.get("blocks"))
        return {"channel": key[0], "ts": key[1], "text": args.get("text", "")}

    def _m_chat_postEphemeral(self, args: dict[str, Any]) -> dict[str, Any] | web.StreamResponse:
        if str(args.get("channel", "")) not in self.channels.values():
            return _ok_false("channel_not_found")
        return {"message_ts": f"{1_800_000_000 + next(self._ts)}.000001"}

    def _m_conversations_list(self, args: dict[str, Any]) -> dict[str, Any]:
        types = str(args.get("types", "public_channel"))
        everything = [self._channel(name, cid) for name, cid in sorted(self.channels.items())
                      if "private_channel" in types or cid not in self.private]
        start = int(args.get("cursor") or 0)
        page = everything[start:start + self.page_size]
        following = start + self.page_size
        return {"channels": page,
                "response_metadata": {"next_cursor": str(following) if following < len(everything) else ""}}

    def _m_conversations_history(self, args: dict[str, Any]) -> dict[str, Any] | web.StreamResponse:
        channel = str(args.get("channel", ""))
        if channel not in self.channels.values():
            return _ok_false("channel_not_found")
        oldest = float(args.get("oldest") or 0)
        newest_first = sorted((m for (c, _ts), m in self.messages.items()
                               if c == channel and not m["thread_ts"] and float(m["ts"]) >= oldest),
                              key=lambda m: float(m["ts"]), reverse=True)
        with_metadata = str(args.get("include_all_metadata", "")).lower() in ("1", "true")
        start, limit = int(args.get("cursor") or 0), int(args.get("limit") or 100)
        page = [{k: v for k, v in m.items() if k != "metadata" or (with_metadata and v)}
                for m in newest_first[start:start + limit]]
        following = start + limit
        return {"messages": page, "has_more": following < len(newest_first),
                "response_metadata": {"next_cursor": str(following) if following < len(newest_first) else ""}}

    def _m_conversations_info(self, args: dict[str, Any]) -> dict[str, Any] | web.StreamResponse:
        for name, cid in self.channels.items():
            if cid == args.get("channel"):
                return {"channel": self._channel(name, cid)}
        return _ok_false("channel_not_found")

    def _m_users_info(self, args: dict[str, Any]) -> dict[str, Any] | web.StreamResponse:
        user = str(args.get("user", ""))
        if user not in self.users:
            return _ok_false("user_not_found")
        real = self.users[user]
        return {"user": {"id": user, "name": real.split()[0].lower(), "real_name": real,
                         "profile": {"display_name": "", "real_name": real}}}

    def _m_usergroups_users_list(self, args: dict[str, Any]) -> dict[str, Any] | web.StreamResponse:
        group = str(args.get("usergroup", ""))
        if group not in self.usergroups:
            return _ok_false("no_such_subteam")
        return {"users": self.usergroups[group]}

    def _channel(self, name: str, cid: str) -> dict[str, Any]:
        return {"id": cid, "name": name, "is_channel": True, "is_private": cid in self.private,
                "is_archived": False, "is_member": cid in self.members}

    def _message_problem(self, args: dict[str, Any]) -> str:
        blocks = args.get("blocks")
        if isinstance(blocks, str):
            blocks = json.loads(blocks)
        if blocks is None:
            return "" if args.get("text") else "no_text"
        problems = block_kit_problems(blocks)
        if problems:
            return "msg_blocks_too_long" if problems == ["too many characters"] else "invalid_blocks"
        return ""

    # -- response_url and Socket Mode --------------------------------------------------------

    async def _hook(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        self.calls.append(Call("hook", {}, {}, await request.json(), dict(request.headers), time.monotonic()))
        used = self.hooks.setdefault(name, [])
        if len(used) >= 5:
            return web.Response(status=404, text="used_up")
        used.append(self.calls[-1].json)
        return web.Response(text="ok")

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_str(json.dumps({"type": "hello", "num_connections": 1}))
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                self.socket_acks.append(json.loads(message.data))
        self._sockets.remove(ws)
        return ws


def _ok_false(error: str, **extra: Any) -> web.Response:
    return web.json_response({"ok": False, "error": error, **extra})


# -- Block Kit limits, checked independently of the renderer -----------------------------------

_PLAIN_LIMITS = {"header": 150}


def block_kit_problems(blocks: list[dict[str, Any]]) -> list[str]:
    """What Slack would refuse in ``blocks`` (docs.slack.dev/reference/block-kit/blocks)."""
    problems: list[str] = []
    if len(blocks) > 50:
        problems.append(f"{len(blocks)} blocks > 50")
    block_ids: set[str] = set()
    for i, block in enumerate(blocks):
        where = f"blocks[{i}] ({block.get('type')})"
        block_id = block.get("block_id")
        if block_id is not None:
            if len(block_id) > 255 or block_id in block_ids:
                problems.append(f"{where}: bad or duplicate block_id")
            block_ids.add(block_id)
        problems += _block_problems(block, where)
    if not problems and _chars(blocks) > 12_000:
        problems.append("too many characters")
    return problems


def _block_problems(block: dict[str, Any], where: str) -> list[str]:
    kind, out = block.get("type"), []
    if kind == "header":
        text = block.get("text") or {}
        if text.get("type") != "plain_text" or not 0 < len(text.get("text", "")) <= 150:
            out.append(f"{where}: header must be plain_text of 1-150 chars")
    elif kind == "section":
        text, fields = block.get("text"), block.get("fields") or []
        if text is None and not fields:
            out.append(f"{where}: section needs text or fields")
        if text is not None and not 0 < len(text.get("text", "")) <= 3000:
            out.append(f"{where}: section text must be 1-3000 chars")
        if len(fields) > 10 or any(len(f.get("text", "")) > 2000 for f in fields):
            out.append(f"{where}: at most 10 fields of 2000 chars")
    elif kind == "context":
        elements = block.get("elements") or []
        if not 0 < len(elements) <= 10 or any(not 0 < len(e.get("text", "")) <= 3000 for e in elements):
            out.append(f"{where}: context needs 1-10 elements of 1-3000 chars")
    elif kind == "actions":
        elements = block.get("elements") or []
        if not 0 < len(elements) <= 25:
            out.append(f"{where}: actions needs 1-25 elements")
        action_ids = [e.get("action_id") for e in elements]
        if len(set(action_ids)) != len(action_ids):
            out.append(f"{where}: duplicate action_id")
        for element in elements:
            out += _element_problems(element, where)
    elif kind != "divider":
        out.append(f"{where}: block type not expected in an alert")
    return out


def _element_problems(element: dict[str, Any], where: str) -> list[str]:
    out = []
    if len(element.get("action_id", "")) > 255:
        out.append(f"{where}: action_id > 255")
    if element.get("type") == "button":
        if not 0 < len(element["text"]["text"]) <= 75 or len(element.get("value", "")) > 2000:
            out.append(f"{where}: button text 1-75, value <= 2000")
        if len(element.get("url", "")) > 3000:
            out.append(f"{where}: button url > 3000")
    elif element.get("type") in ("static_select", "overflow"):
        options = element.get("options") or []
        most = 100 if element["type"] == "static_select" else 5
        least = 1 if element["type"] == "static_select" else 2
        if not least <= len(options) <= most:
            out.append(f"{where}: {element['type']} needs {least}-{most} options")
        for option in options:
            if not 0 < len(option["text"]["text"]) <= 75 or not 0 < len(option.get("value", "")) <= 150:
                out.append(f"{where}: option text 1-75, value 1-150")
    else:
        out.append(f"{where}: element type {element.get('type')} not expected")
    return out


def _chars(node: Any) -> int:
    if isinstance(node, dict):
        return sum(len(v) if k == "text" and isinstance(v, str) else _chars(v) for k, v in node.items())
    if isinstance(node, list):
        return sum(_chars(v) for v in node)
    return 0


# -- requests Slack sends to us ------------------------------------------------------------------


class SlackRequests:
    """Builds events, slash commands and interactivity payloads and signs them as Slack does."""

    def __init__(self, fake: FakeSlack, *, secret: str = SIGNING_SECRET, command: str = "/siloless") -> None:
        self.fake = fake
        self.secret = secret
        self.command_name = command
        self._ids = itertools.count(1)

    def headers(self, body: str, *, timestamp: int | None = None, secret: str | None = None,
                content_type: str = "application/x-www-form-urlencoded") -> dict[str, str]:
        ts = str(int(time.time()) if timestamp is None else timestamp)
        signature = SignatureVerifier(secret or self.secret).generate_signature(timestamp=ts, body=body)
        return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature, "Content-Type": content_type}

    def event(self, event: dict[str, Any], *, event_id: str | None = None) -> str:
        return json.dumps({
            "token": "legacy", "team_id": TEAM, "api_app_id": "A0APP", "type": "event_callback",
            "event_id": event_id or f"Ev{next(self._ids):06d}", "event_time": int(time.time()),
            "authorizations": [{"team_id": TEAM, "user_id": BOT_USER, "is_bot": True}],
            "event": event,
        })

    def reaction(self, reaction: str, channel: str, ts: str, *, user: str = "U0ANN") -> dict[str, Any]:
        return {"type": "reaction_added", "user": user, "reaction": reaction, "item_user": BOT_USER,
                "item": {"type": "message", "channel": channel, "ts": ts}, "event_ts": f"{time.time():.6f}"}

    def slash(self, text: str, *, user: str = "U0ANN", user_name: str = "ann", channel: str = "C0SUPPORT",
              hook: str = "cmd") -> str:
        return urlencode({
            "token": "legacy", "team_id": TEAM, "team_domain": "fake", "channel_id": channel,
            "channel_name": "support", "user_id": user, "user_name": user_name, "command": self.command_name,
            "text": text, "api_app_id": "A0APP", "is_enterprise_install": "false",
            "response_url": self.fake.hook_url(hook), "trigger_id": f"{next(self._ids)}.trigger",
        })

    def block_action(self, action_id: str, channel: str, ts: str, *, value: str = "", user: str = "U0ANN",
                     selected: str | None = None, hook: str = "act", block_id: str = "") -> dict[str, Any]:
        action: dict[str, Any] = {"action_id": action_id, "block_id": block_id or value or "blk",
                                  "action_ts": f"{time.time():.6f}"}
        if selected is None:
            action.update(type="button", value=value, text={"type": "plain_text", "text": action_id})
        else:
            action.update(type="static_select", selected_option={"text": {"type": "plain_text", "text": selected},
                                                                 "value": selected})
        return {
            "type": "block_actions", "user": {"id": user, "username": user.lower(), "name": user.lower(),
                                              "team_id": TEAM},
            "api_app_id": "A0APP", "team": {"id": TEAM, "domain": "fake"}, "trigger_id": f"{next(self._ids)}.t",
            "channel": {"id": channel, "name": "x"},
            "container": {"type": "message", "message_ts": ts, "channel_id": channel, "is_ephemeral": False},
            "message": {"ts": ts, "bot_id": BOT_ID, "type": "message"}, "state": {"values": {}},
            "response_url": self.fake.hook_url(hook), "actions": [action],
        }

    @staticmethod
    def interactive(payload: dict[str, Any]) -> str:
        return "payload=" + quote(json.dumps(payload))


# -- wiring a service to the fake ------------------------------------------------------------------


def slack_toml(fake: FakeSlack, *, signing: bool = True, app_token: bool = False, command: str = "",
               post_interval: float = 0.0, edit_interval: float = 0.0) -> str:
    """The ``[slack]`` section that points a Siloless service at ``fake``."""
    lines = ["[slack]", f'bot_token = "{TOKEN}"', f'api_url = "{fake.api_url}"',
             f"post_interval_seconds = {post_interval}", f"edit_interval_seconds = {edit_interval}"]
    if signing:
        lines.append(f'signing_secret = "{SIGNING_SECRET}"')
    if app_token:
        lines.append(f'app_token = "{APP_TOKEN}"')
    if command:
        lines.append(f'command = "{command}"')
    return "\n".join(lines) + "\n"


@dataclass
class Answer:
    status: int
    text: str
    seconds: float

    def json(self) -> Any:
        return json.loads(self.text)


class SlackClient:
    """Sends what Slack sends to ``POST /slack/events`` on a running service, signed unless told not to."""

    def __init__(self, session: Any, url: str, requests: SlackRequests) -> None:
        self.session = session
        self.url = url
        self.requests = requests

    async def send(self, body: str, *, json_body: bool = False, signed: bool = True, timestamp: int | None = None,
                   secret: str | None = None, headers: dict[str, str] | None = None) -> Answer:
        content_type = "application/json" if json_body else "application/x-www-form-urlencoded"
        sent = (self.requests.headers(body, timestamp=timestamp, secret=secret, content_type=content_type)
                if signed else {"Content-Type": content_type})
        sent.update(headers or {})
        start = time.monotonic()
        async with self.session.post(self.url, data=body.encode(), headers=sent) as response:
            return Answer(response.status, await response.text(), time.monotonic() - start)

    async def event(self, event: dict[str, Any], *, event_id: str | None = None, retry: int = 0) -> Answer:
        headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"} if retry else None
        return await self.send(self.requests.event(event, event_id=event_id), json_body=True, headers=headers)

    async def slash(self, text: str, **kw: Any) -> Answer:
        return await self.send(self.requests.slash(text, **kw))

    async def click(self, action_id: str, channel: str, ts: str, **kw: Any) -> Answer:
        return await self.send(self.requests.interactive(self.requests.block_action(action_id, channel, ts, **kw)))


@dataclass
class SlackHarness:
    """A started service wired to a fake Slack, with a client that sends it signed Slack requests."""

    service: Any
    fake: FakeSlack
    requests: SlackRequests
    client: SlackClient

    def ingest(self, mention: Any) -> int:
        result = self.service.pipeline.ingest(mention)
        assert result.mention_id is not None, result
        return int(result.mention_id)

    def alert_of(self, mention_id: int, purpose: str = "alert") -> tuple[str, str]:
        """(channel id, ts) of the Slack copy of a mention's alert."""
        for alert in self.service.store.alerts(mention_id):
            if alert["platform"] == "slack" and alert["purpose"] == purpose:
                return alert["ref"]["channel"], alert["ref"]["message_id"]
        raise AssertionError(f"M-{mention_id} has no Slack {purpose} copy")

    def status(self, mention_id: int) -> str:
        return str(self.service.store.mention(mention_id)["status"])

    async def deliver(self, timeout: float = 5.0) -> None:
        """Drain the outbox; bounded, because a delivery waiting on the fake clock would wait forever."""
        await asyncio.wait_for(self.service.outbox.drain(), timeout)

    async def idle(self) -> None:
        """Let listeners started by the last request run to the end (they run after the ack)."""
        listeners = self.service.platforms["slack"].listeners
        for _ in range(5):
            await asyncio.sleep(0)
        await self.fake.wait_for(lambda: not listeners.inflight, what="listeners to finish")

    async def settle(self, predicate: Callable[[], Any], what: str = "") -> None:
        """Wait for a listener's effect on the store, then deliver what it queued."""
        await self.fake.wait_for(predicate, what=what)
        await self.deliver()


@asynccontextmanager
async def slack_harness(config: Any, clock: Any, fake: FakeSlack, *, classifier: Any = None,
                        serve_http: bool = True, run_workers: bool = False) -> AsyncIterator[SlackHarness]:
    import aiohttp

    from bot.service import Service

    service = Service(config, clock=clock, **({"classifier": classifier} if classifier else {}))
    await service.start(serve_http=serve_http, run_sources=False, run_workers=run_workers)
    try:
        requests = SlackRequests(fake, command=config.slack.command)
        async with aiohttp.ClientSession() as session:
            client = SlackClient(session, f"http://127.0.0.1:{service.port}/slack/events", requests)
            yield SlackHarness(service, fake, requests, client)
    finally:
        await service.stop()
        service.store.close()
