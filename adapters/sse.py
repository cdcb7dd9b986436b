"""Server-sent events (``text/event-stream``) read from an aiohttp response, one event at a time.

Written here rather than with ``readline`` because a Mastodon status can exceed aiohttp's line
limit, and because a stream cut mid-event must drop the partial event instead of emitting half a
JSON document. Comment lines (``:thump`` heartbeats) are skipped; a line over ``max_line`` bytes
is discarded along with the event it belongs to and reported through ``on_error``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import aiohttp

MAX_LINE_BYTES = 2_000_000


@dataclass(frozen=True)
class Event:
    event: str
    data: str
    id: str | None = None


class _Builder:
    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.event = "message"
        self.data: list[str] = []
        self.id: str | None = None
        self.broken = False

    def line(self, text: str) -> Event | None:
        if not text:
            return self._dispatch()
        if text.startswith(":"):
            return None
        field, _, value = text.partition(":")
        value = value.removeprefix(" ")
        if field == "event":
            self.event = value
        elif field == "data":
            self.data.append(value)
        elif field == "id":
            self.id = value
        return None

    def _dispatch(self) -> Event | None:
        event = None if self.broken or not self.data else Event(self.event, "\n".join(self.data), self.id)
        self.reset()
        return event


async def read_events(
    content: aiohttp.StreamReader, *, on_error: Callable[[str], None] = lambda _msg: None,
    max_line: int = MAX_LINE_BYTES,
) -> AsyncIterator[Event]:
    """Yield complete events until the stream ends; the caller decides whether to reconnect."""
    builder = _Builder()
    buffer = b""
    overflow = False
    async for chunk in content.iter_any():
        buffer += chunk
        while True:
            cut = buffer.find(b"\n")
            if cut < 0:
                break
            raw, buffer = buffer[:cut], buffer[cut + 1:]
            if overflow:  # the tail of a line we already gave up on
                overflow = False
                continue
            event = builder.line(raw.rstrip(b"\r").decode("utf-8", "replace"))
            if event is not None:
                yield event
        if len(buffer) > max_line:
            if not overflow:
                on_error(f"event-stream line longer than {max_line} bytes; event dropped")
            buffer, overflow, builder.broken = b"", True, True
