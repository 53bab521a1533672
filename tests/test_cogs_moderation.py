from __future__ import annotations

import discord
import pytest

from bot.discord.cogs.moderation import is_moderator, refusal

NOBODY = discord.Permissions.none()


@pytest.mark.parametrize(
    ("permissions", "roles", "setting", "allowed"),
    [
        (discord.Permissions(manage_messages=True), [], None, True),
        (discord.Permissions(administrator=True), [], None, True),
        (NOBODY, ["Fact Checkers"], "fact checkers", True),
        (NOBODY, ["Members"], "Fact Checkers", False),
        (NOBODY, ["Fact Checkers"], None, False),
        (discord.Permissions(send_messages=True, read_messages=True), [], "Mods", False),
    ],
)
def test_moderators_need_manage_messages_or_the_named_role(permissions, roles, setting, allowed):
    assert is_moderator(permissions, roles, setting) is allowed


def test_refusal_says_what_is_needed():
    assert "Manage Messages" in refusal(None) and "role" not in refusal(None)
    assert "**Fact \\*Checkers\\*** role" in refusal("Fact *Checkers*")


async def test_reports_group_is_server_only_and_visible_to_role_moderators(command_payloads):
    reports = command_payloads["reports"]
    assert reports["contexts"] == [0] and reports["dm_permission"] is False
    # No default permission: members with the moderator role must be able to see it;
    # the permission check happens when the command runs.
    assert reports["default_member_permissions"] is None
    subcommands = {o["name"]: o for o in reports["options"]}
    assert set(subcommands) == {
        "list", "resolve", "reject", "export", "corrections", "withdraw",
        "community", "confirm", "dismiss",
    }  # fmt: skip
    community = [c["value"] for c in subcommands["community"]["options"][0]["choices"]]
    assert community == ["pending", "confirmed", "dismissed", "all"]
    statuses = [c["value"] for c in subcommands["list"]["options"][0]["choices"]]
    assert statuses == ["open", "resolved", "rejected", "all"]
    resolve = {o["name"]: o for o in subcommands["resolve"]["options"]}
    assert resolve["answer"]["autocomplete"] is True and not resolve["answer"]["required"]
    assert resolve["answer"]["max_length"] == 100
    kinds = [c["value"] for c in subcommands["corrections"]["options"][0]["choices"]]
    assert kinds == ["active", "withdrawn", "retired", "all"]
