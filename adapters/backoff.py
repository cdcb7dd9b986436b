"""Waiting between retries: exponential backoff with jitter, and reading a server's Retry-After.

Jitter keeps many instances (or many sources after a network blip) from reconnecting in lockstep.
The wait goes through the injected ``sleep`` (``SourceContext.sleep``) so tests never really sleep.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from email.utils import parsedate_to_datetime

#: Never wait longer than this on a server's say-so (a bogus Retry-After must not park a source for days).
MAX_RETRY_AFTER = 3600.0


class Backoff:
    """Delays of base·2ⁿ capped at ``cap``, each drawn from [d/2, d] ("equal jitter") so it never hits 0."""

    def __init__(
        self,
        sleep: Callable[[float], Awaitable[None]],
        *,
        base: float = 1.0,
        cap: float = 300.0,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self._sleep = sleep
        self._base = base
        self._cap = cap
        self._rng = rng
        self.attempts = 0

    def next_delay(self) -> float:
        ceiling = min(self._cap, self._base * 2 ** min(self.attempts, 32))
        self.attempts += 1
        return ceiling / 2 + self._rng() * ceiling / 2

    def reset(self) -> None:
        """Call after a success, so the next failure starts from a short wait again."""
        self.attempts = 0

    async def wait(self, retry_after: float | None = None) -> float:
        """Sleep for the server's ``retry_after`` when given, else the next backoff delay; return it."""
        if retry_after is not None:
            self.attempts += 1
            delay = min(max(retry_after, 0.0), MAX_RETRY_AFTER)
        else:
            delay = self.next_delay()
        await self._sleep(delay)
        return delay


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` value: delta-seconds or an HTTP date; ``None`` if unusable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - now, 0.0)


def retry_after_from(headers: Mapping[str, str], now: float) -> float | None:
    """The wait a rate-limited reply asks for.

    ``Retry-After`` first; then ``X-RateLimit-Reset``/``X-Ratelimit-Reset``, which Reddit sends as
    seconds until the window resets and Mastodon as an ISO 8601 time.
    """
    found = parse_retry_after(headers.get("Retry-After"), now)
    if found is not None:
        return found
    reset = headers.get("X-RateLimit-Reset") or headers.get("X-Ratelimit-Reset")
    if not reset:
        return None
    try:
        return max(float(reset), 0.0)
    except ValueError:
        pass
    try:
        return max(datetime.fromisoformat(reset.replace("Z", "+00:00")).timestamp() - now, 0.0)
    except ValueError:
        return None
