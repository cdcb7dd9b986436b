"""The Teams app package: ``manifest.json`` plus two icons, zipped, ready to sideload. No SDK, no new dependency.

Teams installs a bot from this zip (Apps → Manage your apps → Upload an app). The manifest names the
bot registration (``botId`` = ``[teams] app_id``), where it may live (team, group chat, personal)
and the commands Teams suggests after an @mention, which are the shared commands of
``bot/commands.py``. The icons are drawn here and encoded as PNG with ``zlib``/``struct``.
"""

from __future__ import annotations

import io
import json
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from typing import Any

MANIFEST_VERSION = "1.17"
MANIFEST_SCHEMA = f"https://developer.microsoft.com/en-us/json-schemas/teams/v{MANIFEST_VERSION}/MicrosoftTeams.schema.json"
COLOR_SIZE = 192
OUTLINE_SIZE = 32
ACCENT = (0x1F, 0x6F, 0xEB)
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_SEMVER = re.compile(r"^\d{1,4}\.\d{1,4}\.\d{1,4}$")

#: (title, description) as Teams shows them in the command menu; titles ≤ 32, descriptions ≤ 128.
COMMANDS: tuple[tuple[str, str], ...] = (
    ("help", "What I can do"),
    ("list", "Open mentions; add a department, mine, or a status"),
    ("show", "One mention and its history: show M-12"),
    ("claim", "Take a mention: claim M-12"),
    ("resolve", "Close it with a note: resolve M-12 refunded"),
    ("dismiss", "Not for us: dismiss M-12 spam"),
    ("reassign", "Hand it to another department: reassign M-12 billing"),
    ("unclaim", "Give a claimed mention back: unclaim M-12"),
    ("snooze", "Hide it for a while: snooze M-12 2h"),
    ("reopen", "Reopen a closed mention: reopen M-12"),
)


class PackageError(ValueError):
    """Something in the inputs that makes the package invalid, said with what to change."""


@dataclass(frozen=True)
class PackageInfo:
    app_id: str
    bot_name: str = "Siloless"
    version: str = "1.0.0"
    developer: str = "Siloless"
    website_url: str = "https://example.com/siloless"
    privacy_url: str = "https://example.com/siloless/privacy"
    terms_url: str = "https://example.com/siloless/terms"
    #: the Teams app's own id; Teams allows it to equal the bot's app id, which keeps one id to manage
    manifest_id: str = ""


def manifest(info: PackageInfo) -> dict[str, Any]:
    """The manifest as a dict (validated: ids are GUIDs, version is x.y.z, URLs are https)."""
    if not _GUID.match(info.app_id or ""):
        raise PackageError(f'[teams] app_id "{info.app_id}" is not a GUID; copy the Microsoft App ID of the Azure '
                           "Bot registration (docs/teams.md, step 1)")
    manifest_id = info.manifest_id or info.app_id
    if not _GUID.match(manifest_id):
        raise PackageError(f'manifest id "{manifest_id}" is not a GUID')
    if not _SEMVER.match(info.version):
        raise PackageError(f'version "{info.version}" must look like 1.0.0; raise it for every new upload')
    for label, url in (("website", info.website_url), ("privacy", info.privacy_url), ("terms", info.terms_url)):
        if not url.startswith("https://"):
            raise PackageError(f'{label} URL "{url}" must start with https://')
    name = info.bot_name.strip()[:30] or "Siloless"
    scopes = ["team", "groupChat", "personal"]
    return {
        "$schema": MANIFEST_SCHEMA,
        "manifestVersion": MANIFEST_VERSION,
        "version": info.version,
        "id": manifest_id,
        "developer": {"name": info.developer[:32], "websiteUrl": info.website_url, "privacyUrl": info.privacy_url,
                      "termsOfUseUrl": info.terms_url},
        "name": {"short": name, "full": f"{name}: brand mentions to the right team"[:100]},
        "description": {
            "short": "Public mentions of your brand, routed to the team that owns them."[:80],
            "full": ("Posts each public social mention of your brand to the department channel that owns the "
                     "problem, as a card with Claim, Resolve, Dismiss and Reassign. The card stays current "
                     "wherever someone acts (Teams, Slack or the CLI). @mention the bot with help to see "
                     "the commands.")[:4000],
        },
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": "#{:02X}{:02X}{:02X}".format(*ACCENT),
        "bots": [{
            "botId": info.app_id,
            "scopes": scopes,
            "isNotificationOnly": False,
            "supportsFiles": False,
            "commandLists": [{"scopes": scopes, "commands": [{"title": t, "description": d} for t, d in COMMANDS]}],
        }],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [],
    }


def build_package(info: PackageInfo) -> bytes:
    """The zip Teams accepts: manifest.json and the two icons at the top level."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest(info), indent=2, ensure_ascii=False))
        archive.writestr("color.png", color_icon())
        archive.writestr("outline.png", outline_icon())
    return buffer.getvalue()


# -- icons --------------------------------------------------------------------------------------


def color_icon(size: int = COLOR_SIZE) -> bytes:
    """Full-colour icon: a white funnel-and-ring mark on the accent colour (opaque, as Teams asks)."""
    def pixel(x: float, y: float) -> tuple[int, int, int, int]:
        return (255, 255, 255, 255) if _mark(x, y) else (*ACCENT, 255)

    return png(size, size, pixel)


def outline_icon(size: int = OUTLINE_SIZE) -> bytes:
    """Outline icon: the same mark in white on a transparent background."""
    def pixel(x: float, y: float) -> tuple[int, int, int, int]:
        return (255, 255, 255, 255) if _mark(x, y) else (0, 0, 0, 0)

    return png(size, size, pixel)


def _mark(x: float, y: float) -> bool:
    """The logo in unit coordinates (0..1): a ring with a dot, like a mention reaching its target."""
    dx, dy = x - 0.5, y - 0.5
    r = (dx * dx + dy * dy) ** 0.5
    return 0.28 <= r <= 0.40 or r <= 0.12


def png(width: int, height: int, pixel: Any) -> bytes:
    """An RGBA PNG; ``pixel(x, y)`` gets the centre of each pixel in 0..1 coordinates."""
    rows = bytearray()
    for j in range(height):
        rows.append(0)  # filter type: none
        for i in range(width):
            rows.extend(pixel((i + 0.5) / width, (j + 0.5) / height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes(rows), 9))
            + chunk(b"IEND", b""))


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) of a PNG, read from its IHDR chunk."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise ValueError("not a PNG")
    width, height = struct.unpack(">II", data[16:24])
    return width, height
