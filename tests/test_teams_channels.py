"""Which Teams channel a department means, from what the bot has seen (pure: store only, no SDK)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.platforms import teams_channels as channels
from bot.store import Store

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
URL = "https://smba.trafficmanager.net/emea/"


@pytest.fixture
def store() -> Store:
    store = Store.open(":memory:")
    for channel_id, name, team_id, team_name in [
        ("19:gen-a@thread.tacv2", "General", "19:gen-a@thread.tacv2", "Comms"),
        ("19:pr@thread.tacv2", "PR", "19:gen-a@thread.tacv2", "Comms"),
        ("19:gen-b@thread.tacv2", "General", "19:gen-b@thread.tacv2", "Care"),
        ("19:billing@thread.tacv2", "Billing", "19:gen-b@thread.tacv2", "Care"),
    ]:
        ref = channels.ChannelRef(channel_id, name, team_id, team_name, "tenant-1", URL)
        channels.save(store, ref, "bot-id", "Siloless", NOW)
    return store


@pytest.mark.parametrize(("wanted", "expected"), [
    ("PR", "19:pr@thread.tacv2"),
    ("#billing", "19:billing@thread.tacv2"),
    ("Care/General", "19:gen-b@thread.tacv2"),
    ("comms/general", "19:gen-a@thread.tacv2"),
    ("19:pr@thread.tacv2", "19:pr@thread.tacv2"),
])
def test_a_department_names_its_channel_by_name_team_and_name_or_id(store: Store, wanted: str,
                                                                    expected: str) -> None:
    found = channels.resolve(store, wanted)
    assert isinstance(found, channels.ChannelRef)
    assert found.channel_id == expected and found.service_url == URL and found.tenant_id == "tenant-1"


@pytest.mark.parametrize(("wanted", "words"), [
    ("General", "ambiguous"),
    ("Press", 'install the app in the team that owns "Press"'),
    ("19:unknown@thread.tacv2", "has not been installed"),
])
def test_unusable_names_say_what_to_do(store: Store, wanted: str, words: str) -> None:
    found = channels.resolve(store, wanted)
    assert isinstance(found, str) and words in found


def test_channels_from_activities() -> None:
    team = {"id": "19:gen-a@thread.tacv2", "name": "Comms"}
    message = {"serviceUrl": URL, "conversation": {"id": "19:pr@thread.tacv2;messageid=1", "tenantId": "t"},
               "channelData": {"team": team, "channel": {"id": "19:pr@thread.tacv2", "name": "PR"},
                               "tenant": {"id": "t"}}}
    assert channels.channels_from_activity(message) == [
        channels.ChannelRef("19:pr@thread.tacv2", "PR", team["id"], "Comms", "t", URL)]
    general = {"serviceUrl": URL, "channelData": {"team": team, "channel": {"id": team["id"]}}}
    assert channels.channels_from_activity(general)[0].channel_name == "General"
    team_only = {"serviceUrl": URL, "channelData": {"team": team}}
    assert channels.channels_from_activity(team_only)[0].channel_id == team["id"]
    chat = {"serviceUrl": URL, "conversation": {"id": "19:c@thread.v2", "conversationType": "groupChat",
                                                "name": "Ops chat", "tenantId": "t"}}
    assert channels.channels_from_activity(chat) == [
        channels.ChannelRef("19:c@thread.v2", "Ops chat", "", "", "t", URL, is_chat=True)]
    personal = {"serviceUrl": URL, "conversation": {"id": "a:1", "conversationType": "personal"}}
    assert channels.channels_from_activity(personal) == []
    assert channels.channels_from_activity({"channelData": {"team": team}}) == []  # no serviceUrl: useless


def test_saving_again_refreshes_the_reference(store: Store) -> None:
    moved = "https://smba.trafficmanager.net/amer/"
    channels.save(store, channels.ChannelRef("19:pr@thread.tacv2", "Press room", "19:gen-a@thread.tacv2", "Comms",
                                             "tenant-1", moved), "bot-id", "Siloless", NOW)
    found = channels.find(store, "19:pr@thread.tacv2")
    assert found is not None and found.channel_name == "Press room" and found.service_url == moved
    assert len(channels.known(store)) == 4
