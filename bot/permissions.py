"""Who may act on a department's mentions.

By default anyone who can see the department's channel (the platform already limits who sees
it). A department may restrict this with allow-lists; once any list is set the department is
restricted on every platform, so forgetting the Teams list never opens a Slack-only department to
everyone on Teams. The CLI and the system are operators and always may.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.config import DepartmentConfig

if TYPE_CHECKING:
    from bot.lifecycle import Actor


def is_restricted(dept: DepartmentConfig) -> bool:
    return bool(dept.allow_slack_users or dept.allow_slack_groups or dept.allow_teams_users)


def may_act(dept: DepartmentConfig, actor: Actor) -> tuple[bool, str]:
    """(allowed, reason shown to the person when not)."""
    if actor.platform in ("cli", "system", "console") or not is_restricted(dept):
        return True, ""
    if actor.platform == "slack":
        if actor.user_id in dept.allow_slack_users or set(actor.groups) & set(dept.allow_slack_groups):
            return True, ""
        return False, f"only the people on {dept.name}'s Slack allow-list may act on its mentions"
    if actor.platform == "teams":
        if actor.user_id in dept.allow_teams_users or (actor.name and actor.name in dept.allow_teams_users):
            return True, ""
        return False, f"only the people on {dept.name}'s Teams allow-list may act on its mentions"
    return False, f"{dept.name} restricts who may act, and {actor.platform} users are not on its lists"
