"""``siloless teams-package``: a zip Teams accepts for sideloading, built without any SDK."""

from __future__ import annotations

import json
import struct
import zipfile
import zlib
from pathlib import Path

import pytest

from bot.cli import build_parser, main
from bot.platforms import teams_manifest

APP_ID = "0f6f0c1e-1111-4222-8333-944455556666"
CONFIG = """
[store]
path = "{db}"

[brands.parcelo]
terms = ["Parcelo"]

[[departments]]
name = "support"
teams_channel = "Support"
default = true

[teams]
enabled = true
app_id = "{app_id}"
app_password = "secret"
bot_name = "Parcelo Care"
"""


def write(tmp_path: Path, app_id: str = APP_ID) -> Path:
    path = tmp_path / "siloless.toml"
    path.write_text(CONFIG.replace("{db}", str(tmp_path / "s.db")).replace("{app_id}", app_id), encoding="utf-8")
    return path


def pixels(png: bytes) -> list[tuple[int, int, int, int]]:
    """Decode our own PNGs (8-bit RGBA, filter 0) back to pixels."""
    width, height = teams_manifest.png_size(png)
    idat = b""
    pos = 8
    while pos < len(png):
        length, kind = struct.unpack(">I4s", png[pos:pos + 8])
        if kind == b"IDAT":
            idat += png[pos + 8:pos + 8 + length]
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * 4 + 1
    assert len(raw) == stride * height
    return [tuple(raw[r * stride + 1 + c * 4: r * stride + 5 + c * 4]) for r in range(height)  # type: ignore[misc]
            for c in range(width)]


def test_the_package_holds_a_valid_manifest_and_both_icons(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "pkg" / "siloless-teams.zip"
    assert main(["teams-package", "--config", str(write(tmp_path)), "-o", str(out), "--app-version", "1.2.3"]) == 0
    assert "wrote" in capsys.readouterr().out
    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(archive.read("manifest.json"))
        color, outline = archive.read("color.png"), archive.read("outline.png")
    assert tuple(int(p) for p in manifest["manifestVersion"].split(".")) >= (1, 16)
    assert manifest["$schema"].endswith(f"/v{manifest['manifestVersion']}/MicrosoftTeams.schema.json")
    assert manifest["id"] == APP_ID and manifest["version"] == "1.2.3"
    assert manifest["name"]["short"] == "Parcelo Care" and len(manifest["description"]["short"]) <= 80
    bot = manifest["bots"][0]
    assert bot["botId"] == APP_ID
    assert {"team", "groupChat"} <= set(bot["scopes"])
    commands = bot["commandLists"][0]["commands"]
    assert {c["title"] for c in commands} >= {"claim", "resolve", "dismiss", "reassign", "list", "show", "help"}
    assert len(commands) <= 10 and all(len(c["title"]) <= 32 and len(c["description"]) <= 128 for c in commands)
    assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}
    assert all(manifest["developer"][k].startswith("https://") for k in ("websiteUrl", "privacyUrl", "termsOfUseUrl"))
    assert teams_manifest.png_size(color) == (192, 192) and teams_manifest.png_size(outline) == (32, 32)
    color_pixels, outline_pixels = pixels(color), pixels(outline)
    assert all(a == 255 for *_rgb, a in color_pixels)  # the colour icon is opaque
    assert {p for p in outline_pixels} == {(255, 255, 255, 255), (0, 0, 0, 0)}  # white on transparent


@pytest.mark.parametrize(("app_id", "words"), [("", "No app id"), ("not-a-guid", "not a GUID")])
def test_without_a_real_app_id_it_says_what_to_set(tmp_path: Path, capsys: pytest.CaptureFixture, app_id: str,
                                                   words: str) -> None:
    config = write(tmp_path, app_id)
    if not app_id:
        config.write_text(config.read_text().replace('app_password = "secret"\n', ""), encoding="utf-8")
    assert main(["teams-package", "--config", str(config), "-o", str(tmp_path / "x.zip")]) == 2
    assert words in capsys.readouterr().err
    assert not (tmp_path / "x.zip").exists()


def test_the_subcommand_is_documented_in_the_parser() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    command = sub.choices["teams-package"]  # type: ignore[attr-defined]
    assert "Upload it in Teams" in command.description
    helps = {a.dest: a.help for a in sub._choices_actions}  # type: ignore[attr-defined]
    assert helps["teams-package"]


@pytest.mark.parametrize("bad", [dict(version="1.0"), dict(website_url="http://insecure.example")])
def test_manifest_inputs_are_validated(bad: dict) -> None:
    with pytest.raises(teams_manifest.PackageError):
        teams_manifest.manifest(teams_manifest.PackageInfo(app_id=APP_ID, **bad))
