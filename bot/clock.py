"""Time as a dependency: the service reads and waits through a ``Clock``, never ``time``/``sleep``.

Tests use ``FakeClock`` and call ``advance()``: everything waiting in ``sleep`` whose due time has
passed wakes up, so timers, backoff and pacing are tested without real waiting (Home Assistant's
``async_fire_time_changed`` idea).
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


class FakeClock:
    """A clock that moves only when told to; ``sleep`` resolves when ``advance`` passes its due time."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
        self._sleepers: list[tuple[datetime, int, asyncio.Future[None]]] = []
        self._counter = itertools.count()

    def now(self) -> datetime:
        return self._now

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self._now + timedelta(seconds=seconds), next(self._counter), future))
        await future

    def advance(self, seconds: float = 0, **delta: float) -> datetime:
        """Move time forward and wake every sleeper that is now due."""
        self._now += timedelta(seconds=seconds, **delta)
        while self._sleepers and self._sleepers[0][0] <= self._now:
            _due, _n, future = heapq.heappop(self._sleepers)
            if not future.done():
                future.set_result(None)
        return self._now

    def set(self, when: datetime) -> None:
        self._now = when


def iso(moment: datetime | None) -> str | None:
    """The one text form of a time in the store: ISO 8601 UTC with 'Z', sortable as text."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_iso(text: str | None) -> datetime | None:
    if not text:
        return None
    return datetime.fromisoformat(text)
