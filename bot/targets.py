"""Where a department's alerts go: one (platform, channel) per enabled platform.

A department may have a Slack channel, a Teams channel, or both; every enabled platform with a
channel gets its own copy of the alert, and the core keeps them all in step. The console platform
(the demo's sink) shows each department as the channel it would have in Slack.
"""

from __future__ import annotations

from bot.config import Config, DepartmentConfig


def enabled_platforms(config: Config) -> tuple[str, ...]:
    names = []
    if config.slack.enabled:
        names.append("slack")
    if config.teams.enabled:
        names.append("teams")
    if config.console_enabled:
        names.append("console")
    return tuple(names)


def console_channel(dept: DepartmentConfig) -> str:
    if dept.slack_channel.startswith("#"):
        return dept.slack_channel
    return f"#{dept.name}"


def targets_for(config: Config, department: str) -> list[tuple[str, str]]:
    dept = config.department(department)
    if dept is None:
        return []
    return _channels(config, dept.slack_channel, dept.teams_channel, console_channel(dept))


def escalation_targets(config: Config) -> list[tuple[str, str]]:
    esc = config.escalation
    console = esc.slack_channel if esc.slack_channel.startswith("#") else "#escalations"
    return _channels(config, esc.slack_channel, esc.teams_channel, console)


def _channels(config: Config, slack: str, teams: str, console: str) -> list[tuple[str, str]]:
    """(platform, channel) for every enabled platform that has a channel here."""
    wanted = {"slack": slack, "teams": teams, "console": console}
    return [(platform, wanted[platform]) for platform in enabled_platforms(config) if wanted[platform]]
