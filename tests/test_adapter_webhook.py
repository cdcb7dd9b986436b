"""Webhook adapter: signatures, plain Mention JSON, vendor field mappings, partial batches."""

from __future__ import annotations

import json
import re
import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from adapters.base import SourceMisconfigured
from adapters.mapping import resolve
from adapters.webhook import WebhookRejected, WebhookSource, sign
from tests.fakes.fake_sources import InstantClock, make_context

SECRET = "s3cret-s3cret-s3cret"
DOC = Path(__file__).resolve().parent.parent / "docs" / "sources.md"


def from_docs(name: str) -> dict[str, Any]:
    """The documented example entry called ``name``, with its secret set to SECRET."""
    for block in re.findall(r"```toml\n(.*?)```", DOC.read_text(), re.S):
        for entry in tomllib.loads(block)["sources"]:
            if entry["name"] == name:
                settings = {k: v for k, v in entry.items() if k not in ("name", "type")}
                return {**settings, "secret": SECRET}
    raise AssertionError(f"no example named {name} in docs/sources.md")


def build(**settings: Any) -> WebhookSource:
    return WebhookSource.from_config({"secret": SECRET, **settings}, make_context(InstantClock()))


def post(source: WebhookSource, payload: Any) -> list[Any]:
    body = json.dumps(payload).encode()
    return source.parse(body, sign(SECRET, body))


def test_signature_is_required_and_checked() -> None:
    source = build()
    body = b'{"id": "1", "text": "hi"}'
    for header in (None, "md5=abc", "sha256=" + "0" * 64):
        with pytest.raises(WebhookRejected) as caught:
            source.parse(body, header)
        assert caught.value.status == 401
    [mention] = source.parse(body, sign(SECRET, body))
    assert (mention.source, mention.id) == ("webhook", "1")


def test_brandwatch_like_mapping_from_the_docs() -> None:
    source = build(**{k: v for k, v in from_docs("brandwatch").items() if k != "secret"})
    results = [
        {"resource_id": 9876543210, "content": {"body": "Parcelo lost my parcel"}, "permalink": "https://x.example/1",
         "published": "2027-01-15T08:00:00.000+0000", "language": "en", "site": "twitter", "sentiment": "negative",
         "author": {"username": "@ann", "display_name": "Ann", "reach": "15300"},
         "engagement": {"likes": 4, "shares": "2"}},
        {"resource_id": "abc", "content": {"snippet": "Parcelo snippet only"}, "title": "ignored",
         "author": {"username": "@bob"}},
    ]
    first, second = post(source, {"results": results, "resultsTotal": 2})
    assert (first.source, first.id, first.text, first.url) == (
        "brandwatch", "9876543210", "Parcelo lost my parcel", "https://x.example/1")
    assert first.created_at == datetime(2027, 1, 15, 8, tzinfo=UTC)
    assert (first.author.handle, first.author.name, first.author.followers) == ("@ann", "Ann", 15300)
    assert dict(first.metrics) == {"likes": 4, "reposts": 2}
    assert first.extra == {"platform": "twitter", "vendor_sentiment": "negative"}
    assert second.text == "Parcelo snippet only" and second.author.followers is None


def test_zapier_like_mapping_from_the_docs() -> None:
    source = build(**{k: v for k, v in from_docs("zapier").items() if k != "secret"})
    [mention] = post(source, {"post_id": "17841", "post_text": "Is Parcelo down?", "post_url": "https://ig.example/p",
                              "posted_at": "1800000000", "network": "instagram",
                              "user": {"screen_name": "carla", "name": "Carla", "followers_count": "120"}})
    assert (mention.source, mention.id, mention.author.followers) == ("zapier", "17841", 120)
    assert mention.created_at == datetime.fromtimestamp(1_800_000_000, UTC)
    assert mention.extra == {"network": "instagram"}


def test_epoch_milliseconds_and_rfc2822_dates() -> None:
    source = build(mapping={"id": "i", "text": "t", "created_at": "d"})
    ms, rfc = post(source, [{"i": 1, "t": "a", "d": 1_800_000_000_000}, {"i": 2, "t": "b",
                                                                          "d": "Fri, 15 Jan 2027 08:00:00 +0000"}])
    assert ms.created_at == datetime.fromtimestamp(1_800_000_000, UTC)
    assert rfc.created_at == datetime(2027, 1, 15, 8, tzinfo=UTC)


def test_a_bad_item_is_skipped_and_only_an_all_bad_body_is_refused() -> None:
    source = build(mapping={"id": "id", "text": "body", "author.followers": "reach"}, items="data")
    good = post(source, {"data": [{"id": 1, "body": "ok"}, {"id": 2}, {"id": 3, "body": "x", "reach": "lots"}]})
    assert [m.id for m in good] == ["1"]
    assert (source.counters.received, source.counters.matched, source.counters.errors) == (3, 1, 2)
    with pytest.raises(WebhookRejected) as caught:
        post(source, {"data": [{"id": 2}]})
    assert caught.value.status == 400 and "mention 0" in caught.value.message
    with pytest.raises(WebhookRejected) as caught:
        post(source, {"other": []})
    assert caught.value.status == 400 and '"data"' in caught.value.message
    assert post(source, {"data": []}) == []


def test_plain_bodies_keep_working_and_skip_bad_items() -> None:
    source = build(default_source="tool")
    mentions = post(source, {"mentions": [{"id": "1", "text": "a"}, {"id": "2"}]})
    assert [(m.source, m.id) for m in mentions] == [("tool", "1")]
    with pytest.raises(WebhookRejected):
        post(source, [])


@pytest.mark.parametrize(("settings", "key"), [
    ({"mapping": {"txt": "body", "id": "id"}}, "mapping.txt"),
    ({"mapping": {"text": "body"}}, "mapping"),
    ({"mapping": {"text": "", "id": "id"}}, "mapping.text"),
    ({"mapping": {"text": "b", "id": "i", "extra.text": "t"}}, "mapping.extra.text"),
    ({"mapping": {"text": "b", "id": "i", "author.reach": "r"}}, "mapping.author.reach"),
    ({"mapping": {"text": "b", "id": "i"}, "constants": {"id": "x"}}, "constants.id"),
    ({"mapping": {"text": "b", "id": "i"}, "constants": {"lang": ["en"]}}, "constants.lang"),
    ({"mapping": {"text": "b", "id": "i"}, "items": ""}, "items"),
    ({"items": "results"}, "items"),
    ({"constants": {"source": "x"}}, "constants"),
    ({"mapping": "text=body"}, "mapping"),
    ({"mappings": {}}, "mappings"),
])
def test_bad_mappings_name_the_key(settings: dict[str, Any], key: str) -> None:
    with pytest.raises(SourceMisconfigured) as caught:
        build(**settings)
    assert caught.value.key == key


def test_resolve_steps_into_objects_and_lists() -> None:
    doc = {"a": {"b": [{"c": 1}, {"c": 2}]}}
    assert resolve(doc, "a.b.1.c") == 2
    assert resolve(doc, "a.b.-1.c") == 2
    assert resolve(doc, "a.b.5.c") is None
    assert resolve(doc, "a.x.c") is None
