"""Webhook source: listening tools POST mentions to ``/ingest``; we check the HMAC and parse.

The route itself lives in ``bot/server.py``; this module only decides whether a body is genuine
and what mentions it holds, so it can be tested without a server. The signature is
``X-Siloless-Signature: sha256=<hex HMAC-SHA256 of the raw body>``, compared in constant time.
A body is one Mention object, a JSON array of them, or ``{"mentions": [...]}``.

Listening tools that post their own shape are configured with ``items``, ``mapping`` and
``constants`` (see ``adapters/mapping.py``), so Brandwatch, Talkwalker, Mention or a Zapier step
map onto a Mention without code. A malformed item is counted, logged and skipped; the request is
refused (400) only when no item in it is usable, so one odd item never costs a whole batch.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from adapters.base import Emitted, Mention, MentionError, SourceContext, SourceCounters, SourceMisconfigured
from adapters.mapping import FieldMapping

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Siloless-Signature"
DEFAULT_MAX_BODY = 1_000_000
MAX_MENTIONS_PER_BODY = 1000


class WebhookRejected(ValueError):
    """Why a request was refused, with the HTTP status to answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class WebhookSettings:
    secret: str
    max_body_bytes: int = DEFAULT_MAX_BODY
    default_source: str = "webhook"
    #: Set when the sender posts its own shape (``items``/``mapping``/``constants`` in the config).
    mapping: FieldMapping | None = None


def sign(secret: str, body: bytes) -> str:
    """The header value a sender puts in ``X-Siloless-Signature``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_signature(secret: str, body: bytes, header: str | None) -> None:
    if not header:
        raise WebhookRejected(401, f"missing {SIGNATURE_HEADER} header (sha256=<hex HMAC of the body>)")
    if not header.startswith("sha256="):
        raise WebhookRejected(401, f"{SIGNATURE_HEADER} must start with 'sha256='")
    if not hmac.compare_digest(sign(secret, body), header.strip()):
        raise WebhookRejected(401, "signature does not match the body")


class WebhookSource:
    type: ClassVar[str] = "webhook"

    def __init__(self, settings: WebhookSettings, context: SourceContext) -> None:
        self.settings = settings
        self.context = context
        self.counters = SourceCounters()

    @classmethod
    def from_config(cls, settings: Mapping[str, Any], context: SourceContext) -> WebhookSource:
        known = {"secret", "max_body_bytes", "default_source", "items", "mapping", "constants"}
        unknown = set(settings) - known
        if unknown:
            raise SourceMisconfigured(sorted(unknown)[0], f"unknown key; a webhook source takes {sorted(known)}")
        secret = settings.get("secret")
        if not isinstance(secret, str) or len(secret) < 16:
            raise SourceMisconfigured("secret", "required: a shared secret of at least 16 characters "
                                                '(write it as "${SILOLESS_WEBHOOK_SECRET}")')
        max_body = settings.get("max_body_bytes", DEFAULT_MAX_BODY)
        if not isinstance(max_body, int) or isinstance(max_body, bool) or not 1 <= max_body <= 50_000_000:
            raise SourceMisconfigured("max_body_bytes", "must be an integer between 1 and 50000000")
        default_source = settings.get("default_source", "webhook")
        if not isinstance(default_source, str) or not default_source:
            raise SourceMisconfigured("default_source", "must be a non-empty string")
        mapping = None
        if "mapping" in settings:
            mapping = FieldMapping.from_settings(settings.get("items"), settings["mapping"], settings.get("constants"))
        elif "items" in settings or "constants" in settings:
            key = "items" if "items" in settings else "constants"
            raise SourceMisconfigured(key, 'only works with a mapping table (e.g. mapping = { text = "content.body", '
                                           'id = "resource_id" })')
        return cls(WebhookSettings(secret, max_body, default_source, mapping), context)

    async def check(self) -> None:
        return None

    async def stream(self, cursor: str | None) -> AsyncIterator[Emitted]:
        """A push source: mentions arrive through ``/ingest``, so the stream has nothing to pull."""
        return
        yield  # pragma: no cover - makes this an async generator

    def parse(self, body: bytes, signature: str | None) -> list[Mention]:
        """Check size and signature, then decode; raise ``WebhookRejected`` with a 4xx status."""
        if len(body) > self.settings.max_body_bytes:
            raise WebhookRejected(413, f"body is larger than {self.settings.max_body_bytes} bytes")
        verify_signature(self.settings.secret, body, signature)
        try:
            payload = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise WebhookRejected(400, f"body is not valid JSON: {exc}") from None
        mapping = self.settings.mapping
        if mapping is None:
            items = self._items(payload)
        else:
            try:
                items = mapping.items_of(payload)
            except ValueError as exc:
                raise WebhookRejected(400, str(exc)) from None
            if len(items) > MAX_MENTIONS_PER_BODY:
                raise WebhookRejected(413, f"at most {MAX_MENTIONS_PER_BODY} mentions per request")
        mentions: list[Mention] = []
        first_error: str | None = None
        for index, item in enumerate(items):
            try:
                mentions.append(self._mention(item, mapping))
            except MentionError as exc:
                self.counters.errors += 1
                log.warning("webhook: skipped mention %d: %s", index, exc)
                first_error = first_error or f"mention {index}: {exc}"
        self.counters.received += len(items)
        if first_error and not mentions:
            raise WebhookRejected(400, first_error)
        self.counters.matched += len(mentions)
        return mentions

    def _mention(self, item: Any, mapping: FieldMapping | None) -> Mention:
        obj = mapping.apply(item) if mapping is not None else item
        if isinstance(obj, dict) and "source" not in obj:
            obj = {**obj, "source": self.settings.default_source}
        return Mention.from_json(obj)

    @staticmethod
    def _items(payload: Any) -> list[Any]:
        if isinstance(payload, dict) and isinstance(payload.get("mentions"), list):
            payload = payload["mentions"]
        items = payload if isinstance(payload, list) else [payload]
        if not items:
            raise WebhookRejected(400, "no mentions in the body")
        if len(items) > MAX_MENTIONS_PER_BODY:
            raise WebhookRejected(413, f"at most {MAX_MENTIONS_PER_BODY} mentions per request")
        return items
