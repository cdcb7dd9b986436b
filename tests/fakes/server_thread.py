"""A running service on loopback in its own thread and event loop, for synchronous fuzzers (hypothesis).

The service is built inside that thread (SQLite connections stay in the thread that made them); an
optional async context (a fake platform) is entered there first and handed to the builder.
"""

from __future__ import annotations

import asyncio
import json
import threading
import urllib.error
import urllib.request
from contextlib import AbstractAsyncContextManager
from typing import Any

from bot.service import Service


class ServerThread:
    """The real service on loopback, in its own thread and loop, so hypothesis can call it synchronously."""

    def __init__(self, make: Any, context: AbstractAsyncContextManager[Any] | None = None) -> None:
        self.make = make  # make(context value or None) -> Service, called inside the server's thread
        self.context = context
        self.entered: Any = None
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def __enter__(self) -> ServerThread:
        self.thread.start()

        async def start() -> Service:
            if self.context is not None:
                self.entered = await self.context.__aenter__()
            service = self.make(self.entered)
            await service.start(serve_http=True, run_sources=False, run_workers=False)
            return service

        self.service = asyncio.run_coroutine_threadsafe(start(), self.loop).result(30)
        return self

    def __exit__(self, *exc: object) -> None:
        async def stop() -> None:
            await self.service.stop()
            self.service.store.close()
            if self.context is not None:
                await self.context.__aexit__(None, None, None)

        asyncio.run_coroutine_threadsafe(stop(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)

    def run(self, coro: Any, timeout: float = 30) -> Any:
        """Run a coroutine on the server's loop (to read the store or a fake from the test thread)."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def post(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, Any]:
        request = urllib.request.Request(f"http://127.0.0.1:{self.service.port}{path}", data=body, headers=headers,
                                         method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, _decode(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, _decode(exc.read())


def _decode(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return raw.decode("utf-8", "replace")
