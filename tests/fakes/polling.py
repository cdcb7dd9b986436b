"""Waiting on a fake's recorded calls without fixed sleeps: the one polling loop both fakes share."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any


async def poll_until(predicate: Callable[[], Any], *, timeout: float, interval: float,
                     describe_failure: Callable[[], str]) -> Any:
    """Return ``predicate()``'s first truthy value; after ``timeout`` seconds fail with ``describe_failure()``.

    Side effects of a request run after its ack, in the background, so tests poll for them.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(describe_failure())
        await asyncio.sleep(interval)
