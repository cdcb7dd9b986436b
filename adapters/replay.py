"""Replay: a JSON Lines file (or stdin) of mentions, for the demo, tests and backfills.

The cursor is the number of the last line handled, so a restarted replay of the same file goes on
after it. A malformed line is reported with its line number and skipped; the rest still go in.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, TextIO

from adapters.base import Emitted, Mention, MentionError, SourceContext, SourceCounters, SourceMisconfigured


@dataclass(frozen=True)
class LineError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass(frozen=True)
class ReplaySettings:
    path: str  # a file path, or "-" for stdin


def read_mentions(stream: TextIO, *, start_after: int = 0) -> Iterator[tuple[int, Mention | LineError]]:
    """Yield ``(line_number, Mention or LineError)`` for each non-blank line after ``start_after``."""
    for number, line in enumerate(stream, start=1):
        if number <= start_after or not line.strip():
            continue
        try:
            yield number, Mention.from_json_line(line)
        except MentionError as exc:
            yield number, LineError(number, str(exc))


class ReplaySource:
    type: ClassVar[str] = "replay"

    def __init__(self, settings: ReplaySettings, context: SourceContext) -> None:
        self.settings = settings
        self.context = context
        self.counters = SourceCounters()
        self.errors: list[LineError] = []

    @classmethod
    def from_config(cls, settings: Mapping[str, Any], context: SourceContext) -> ReplaySource:
        unknown = set(settings) - {"path"}
        if unknown:
            raise SourceMisconfigured(sorted(unknown)[0], "unknown key for a replay source; it takes only 'path'")
        path = settings.get("path")
        if not isinstance(path, str) or not path:
            raise SourceMisconfigured("path", 'required: the JSON Lines file to replay, or "-" for stdin')
        return cls(ReplaySettings(path=path), context)

    async def check(self) -> None:
        if self.settings.path != "-" and not Path(self.settings.path).is_file():
            raise SourceMisconfigured("path", f"no such file: {self.settings.path}")

    async def stream(self, cursor: str | None) -> AsyncIterator[Emitted]:
        start_after = int(cursor) if cursor and cursor.isdigit() else 0
        if self.settings.path == "-":
            for item in self._emit(sys.stdin, start_after):
                yield item
            return
        try:
            handle = open(self.settings.path, encoding="utf-8")  # noqa: SIM115 - closed below
        except OSError as exc:
            raise SourceMisconfigured("path", f"cannot read {self.settings.path}: {exc.strerror}") from exc
        with handle:
            for item in self._emit(handle, start_after):
                yield item

    def _emit(self, handle: TextIO, start_after: int) -> Iterator[Emitted]:
        try:
            for number, parsed in read_mentions(handle, start_after=start_after):
                self.counters.received += 1
                if isinstance(parsed, LineError):
                    self.counters.errors += 1
                    self.errors.append(parsed)
                    yield Emitted(None, str(number))
                else:
                    self.counters.matched += 1
                    yield Emitted(parsed, str(number))
        except UnicodeDecodeError as exc:
            self.counters.errors += 1
            self.errors.append(LineError(0, f"the file is not UTF-8 text ({exc.reason})"))
