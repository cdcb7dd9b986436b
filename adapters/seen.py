"""Remembering what a source already delivered, in a form small enough to live in its cursor.

Two shapes cover every adapter:

* ``RecentIds``: a bounded, insertion-ordered set (feed entry ids, ids already emitted). The oldest
  fall out first, so its size is fixed whatever the source's volume.
* ``SeenWindow``: for polled, time-sorted searches (Reddit, Hacker News). It keeps the newest
  creation time ``T`` and the ids created in ``[T - window, T]``. The next query asks for items
  created at or after ``T - window`` and skips the ids it holds, so an item indexed late (search
  indexes lag) or created in the same second as the last one is neither lost nor repeated. With
  ``window = 0`` it is exactly "last time plus the ids at that second".
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


class RecentIds:
    def __init__(self, limit: int, ids: Iterable[str] = ()) -> None:
        self.limit = limit
        self._ids: dict[str, None] = {}
        for item in ids:
            self.add(item)

    def __contains__(self, item: object) -> bool:
        return item in self._ids

    def __len__(self) -> int:
        return len(self._ids)

    def add(self, item: str) -> None:
        """Add ``item``, or move it to the newest end if present (so ids still in use never expire)."""
        self._ids.pop(item, None)
        self._ids[item] = None
        while len(self._ids) > self.limit:
            del self._ids[next(iter(self._ids))]

    def newest(self, count: int) -> list[str]:
        return list(self._ids)[-count:] if count else []

    def to_list(self) -> list[str]:
        return list(self._ids)


class SeenWindow:
    def __init__(self, window: float, *, newest: float | None = None, ids: dict[str, float] | None = None,
                 limit: int = 5000) -> None:
        self.window = window
        self.newest = newest
        self.ids: dict[str, float] = dict(ids or {})
        self.limit = limit

    @classmethod
    def from_json(cls, obj: Any, window: float) -> SeenWindow:
        """Read the cursor form; anything unreadable starts afresh (the lookback then applies)."""
        if not isinstance(obj, dict) or not isinstance(obj.get("t"), int | float):
            return cls(window)
        raw = obj.get("ids")
        ids = {str(k): float(v) for k, v in raw.items() if isinstance(v, int | float)} if isinstance(raw, dict) else {}
        return cls(window, newest=float(obj["t"]), ids=ids)

    def to_json(self) -> dict[str, Any]:
        return {"t": self.newest, "ids": {k: _compact(v) for k, v in self.ids.items()}}

    def floor(self, now: float, lookback: float) -> float:
        """The earliest creation time still of interest: ``T - window``, or ``now - lookback`` on a first run."""
        return self.newest - self.window if self.newest is not None else now - lookback

    def is_new(self, item_id: str, created: float, floor: float) -> bool:
        return created >= floor and item_id not in self.ids

    def add(self, item_id: str, created: float) -> None:
        self.ids[item_id] = created
        if self.newest is None or created > self.newest:
            self.newest = created
        edge = self.newest - self.window
        self.ids = {k: t for k, t in self.ids.items() if t >= edge}
        if len(self.ids) > self.limit:  # a burst bigger than the window can hold: keep the newest
            keep = sorted(self.ids.items(), key=lambda kv: kv[1])[-self.limit:]
            self.ids = dict(keep)


def _compact(value: float) -> int | float:
    return int(value) if value == int(value) else value
