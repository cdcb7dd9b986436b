"""The one aiohttp application: webhook ingest, health, metrics, and whatever platforms mount.

Every endpoint has a body limit (``server.max_body_bytes``; aiohttp answers 413 above it) and
answers bad input with a 4xx and a JSON error, never a 500.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from aiohttp import web

from adapters.webhook import SIGNATURE_HEADER, WebhookRejected, WebhookSource

if TYPE_CHECKING:
    from bot.service import Service

log = logging.getLogger("siloless.server")
SERVICE_KEY: web.AppKey[Service] = web.AppKey("service")


def build_app(service: Service) -> web.Application:
    app = web.Application(client_max_size=service.config.server.max_body_bytes, middlewares=[_errors_as_json])
    app[SERVICE_KEY] = service
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    app.router.add_post("/ingest", ingest)
    app.router.add_post("/ingest/{name}", ingest)
    for platform in service.platforms.values():
        platform.routes(app)
    return app


@web.middleware
async def _errors_as_json(request: web.Request, handler):  # type: ignore[no-untyped-def]
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status >= 400 and exc.content_type != "application/json":
            return web.json_response({"error": exc.reason}, status=exc.status, headers=_retry_headers(exc))
        raise
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return web.json_response({"error": "internal error; see the server log"}, status=500)


def _retry_headers(exc: web.HTTPException) -> dict[str, str]:
    value = exc.headers.get("Retry-After") if exc.headers else None
    return {"Retry-After": value} if value else {}


async def healthz(request: web.Request) -> web.Response:
    service = request.app[SERVICE_KEY]
    return web.json_response({"status": "ok", "schema_version": service.store.schema_version,
                              "pending_deliveries": service.store.delivery_counts().get("pending", 0)})


async def metrics(request: web.Request) -> web.Response:
    return web.Response(text=request.app[SERVICE_KEY].metrics_text(), content_type="text/plain", charset="utf-8")


async def ingest(request: web.Request) -> web.Response:
    service = request.app[SERVICE_KEY]
    webhooks = {name: src for name, src in service.sources.items() if isinstance(src, WebhookSource)}
    name = request.match_info.get("name")
    if not webhooks:
        return web.json_response({"error": "no webhook source is configured; add a [[sources]] with type = "
                                  '"webhook"'}, status=404)
    if name is None:
        if len(webhooks) > 1:
            return web.json_response({"error": f"several webhook sources; POST to /ingest/<name>, one of "
                                      f"{sorted(webhooks)}"}, status=404)
        name = next(iter(webhooks))
    source = webhooks.get(name)
    if source is None:
        return web.json_response({"error": f'no webhook source named "{name[:60]}"'}, status=404)
    if request.content_length is not None and request.content_length > source.settings.max_body_bytes:
        return web.json_response({"error": f"body is larger than {source.settings.max_body_bytes} bytes"}, status=413)
    try:
        body = await _read_limited(request, source.settings.max_body_bytes)
        mentions = source.parse(body, request.headers.get(SIGNATURE_HEADER))
    except WebhookRejected as exc:
        return web.json_response({"error": exc.message}, status=exc.status)
    results = service.pipeline.ingest_batch([(m, None) for m in mentions])
    return web.json_response(
        {"accepted": len(results),
         "mentions": [{"id": m.id, "outcome": r.outcome, "mention": f"M-{r.mention_id}" if r.mention_id else None}
                      for m, r in zip(mentions, results, strict=True)]},
        status=202,
    )


async def _read_limited(request: web.Request, limit: int) -> bytes:
    chunks, size = [], 0
    async for chunk in request.content.iter_chunked(65536):
        size += len(chunk)
        if size > limit:
            raise WebhookRejected(413, f"body is larger than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)
