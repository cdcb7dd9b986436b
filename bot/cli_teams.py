"""``siloless teams-package``: build the Teams app package to sideload (CLI glue only).

``bot/cli.py`` owns the parser and calls ``register(subparsers)``. The manifest and icons are made
by ``bot.platforms.teams_manifest`` (no SDK import, so building a package never loads botbuilder).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape

EXIT_OK, EXIT_USAGE = 0, 2


def register(subparsers: Any) -> None:
    """Add ``teams-package`` to the ``siloless`` argument parser."""
    parser = subparsers.add_parser(
        "teams-package",
        help="build the Teams app package (manifest.json + icons) as a zip to sideload",
        description="Write a Teams app package for the bot registration in --config ([teams] app_id): "
        "manifest.json (schema 1.17, bot scopes team, groupChat and personal, the command list) and two "
        "icons, zipped. Upload it in Teams under Apps → Manage your apps → Upload an app, then add the app "
        "to each team whose channels receive alerts. See docs/teams.md.",
    )
    parser.add_argument("--config", default="siloless.toml", help="config file (default siloless.toml)")
    parser.add_argument("--output", "-o", type=Path, default=Path("siloless-teams.zip"),
                        help="zip to write (default siloless-teams.zip)")
    parser.add_argument("--app-version", default="1.0.0",
                        help="package version, x.y.z; raise it for every new upload (default 1.0.0)")
    parser.add_argument("--developer", default="Siloless", help="publisher name shown in Teams")
    parser.add_argument("--website", default="https://example.com/siloless", help="https URL of your website")
    parser.add_argument("--privacy-url", default="https://example.com/siloless/privacy",
                        help="https URL of your privacy statement")
    parser.add_argument("--terms-url", default="https://example.com/siloless/terms",
                        help="https URL of your terms of use")
    parser.set_defaults(func=run_package)


def run_package(args: argparse.Namespace) -> int:
    from bot.config import load_config
    from bot.platforms.teams_manifest import PackageError, PackageInfo, build_package

    out = Console()
    err = Console(stderr=True)
    config = load_config(args.config)
    if not config.teams.app_id:
        err.print("[bold red]No app id:[/] set [teams] app_id to the Microsoft App ID of your Azure Bot "
                  "registration (docs/teams.md, step 1); the package names the bot by it.", highlight=False)
        return EXIT_USAGE
    info = PackageInfo(app_id=config.teams.app_id, bot_name=config.teams.bot_name, version=args.app_version,
                       developer=args.developer, website_url=args.website, privacy_url=args.privacy_url,
                       terms_url=args.terms_url)
    try:
        data = build_package(info)
    except PackageError as exc:
        err.print(f"[bold red]Cannot build the package:[/] {escape(str(exc))}", highlight=False)
        return EXIT_USAGE
    try:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_bytes(data)
    except OSError as exc:
        err.print(f"[bold red]Cannot write {escape(str(args.output))}:[/] {escape(exc.strerror or str(exc))}")
        return EXIT_USAGE
    out.print(f"[green]✓[/] wrote {escape(str(args.output))} ({len(data)} bytes) for bot "
              f"{escape(config.teams.app_id)}", highlight=False)
    out.print("  Next: Teams → Apps → Manage your apps → Upload an app → this zip; then add it to each team "
              "whose channels get alerts.", highlight=False)
    if "example.com" in (args.website + args.privacy_url + args.terms_url):
        out.print("  [yellow]![/] the developer URLs are placeholders; pass --website, --privacy-url and "
                  "--terms-url before publishing beyond your own tenant.", highlight=False)
    return EXIT_OK
