"""One way to make HTTP requests from an adapter: a session with our User-Agent, and ``fetch``.

``fetch`` turns every way a request can fail into one of two errors, so adapters have a single
retry path: ``SourceUnavailable`` (network, timeouts, 408/429/5xx; carries ``Retry-After``) is
waited out, and ``Refused`` (any other unexpected status) is a subclass of it that ``check()``
turns into ``SourceMisconfigured`` naming the key to fix (a 401 means the token, a 404 the URL).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp

from adapters.backoff import retry_after_from
from adapters.base import SourceContext, SourceUnavailable

#: A listing or feed bigger than this is not one we want to parse.
MAX_BODY_BYTES = 10_000_000
_TRANSIENT = frozenset({408, 425, 429, 500, 502, 503, 504, 520, 521, 522, 523, 524})


class Refused(SourceUnavailable):
    """The server answered, but not with what we asked for (401, 403, 404, 400…)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Reply:
    status: int
    headers: Mapping[str, str]
    body: bytes
    url: str

    def json(self) -> Any:
        """The body as JSON; a body that is not JSON is a transient failure (a proxy's error page)."""
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise SourceUnavailable(f"{self.url}: reply is not JSON ({exc})") from None


def client_session(context: SourceContext, *, user_agent: str | None = None, timeout: float = 30.0,
                   headers: Mapping[str, str] | None = None) -> aiohttp.ClientSession:
    """A session that names us in every request (Reddit and polite feeds insist on it)."""
    all_headers = {"User-Agent": user_agent or context.user_agent, **(headers or {})}
    return aiohttp.ClientSession(
        headers=all_headers, timeout=aiohttp.ClientTimeout(total=None, sock_connect=timeout, sock_read=timeout)
    )


async def fetch(
    session: aiohttp.ClientSession,
    url: str,
    *,
    now: Callable[[], float],
    method: str = "GET",
    params: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    data: Mapping[str, str] | None = None,
    ok: tuple[int, ...] = (200,),
) -> Reply:
    """One request; raise ``SourceUnavailable``/``Refused`` unless the status is in ``ok``."""
    try:
        async with session.request(method, url, params=params, headers=headers, data=data) as resp:
            body = await resp.content.read(MAX_BODY_BYTES + 1)
            status, resp_headers = resp.status, resp.headers
    except (TimeoutError, aiohttp.ClientError, OSError) as exc:
        raise SourceUnavailable(f"{method} {url}: {type(exc).__name__}: {exc}") from exc
    if len(body) > MAX_BODY_BYTES:
        raise SourceUnavailable(f"{url}: reply larger than {MAX_BODY_BYTES} bytes")
    if status not in ok:
        _raise(status, resp_headers, body, f"{method} {url}", now())
    return Reply(status, resp_headers, body, url)


async def expect_ok(resp: aiohttp.ClientResponse, now: Callable[[], float]) -> None:
    """For long-lived responses (event streams): fail like ``fetch`` unless the status is 200."""
    if resp.status != 200:
        _raise(resp.status, resp.headers, await resp.content.read(200), f"{resp.method} {resp.url}", now())


def _raise(status: int, headers: Mapping[str, str], body: bytes, what: str, now: float) -> None:
    message = f"{what} answered {status}: {body[:200].decode('utf-8', 'replace').strip()}"
    if status in _TRANSIENT:
        raise SourceUnavailable(message, retry_after=retry_after_from(headers, now))
    raise Refused(status, message)


def bearer(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}
