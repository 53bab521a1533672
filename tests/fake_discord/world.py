"""The fake's guilds, channels, roles, members and users, and their Discord JSON payloads.

Payloads carry every key discord.py indexes directly, so its real parsers run unchanged.
Permissions are computed like Discord does for a member without channel overwrites:
owner or Administrator -> everything, otherwise the OR of @everyone and the member's roles.
"""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import discord

DISCORD_EPOCH_MS = 1_420_070_400_000

_snowflake_lock = threading.Lock()
_last_snowflake = 0


def new_snowflake() -> int:
    """A unique, increasing snowflake stamped with the current time, like Discord's."""
    global _last_snowflake
    with _snowflake_lock:
        value = (int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22
        _last_snowflake = max(value, _last_snowflake + 1)
        return _last_snowflake


def iso_now() -> str:
    return datetime.now(UTC).isoformat()


ALL_PERMISSIONS = discord.Permissions.all().value
EVERYONE_PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    read_message_history=True,
    add_reactions=True,
    embed_links=True,
    attach_files=True,
    use_application_commands=True,
    use_external_emojis=True,
    change_nickname=True,
    create_instant_invite=True,
).value
BOT_PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    read_message_history=True,
    add_reactions=True,
    embed_links=True,
    attach_files=True,
    use_external_emojis=True,
).value
MANAGE_MESSAGES = discord.Permissions(manage_messages=True).value
ADMINISTRATOR = discord.Permissions(administrator=True).value
MENTION_EVERYONE = discord.Permissions(mention_everyone=True).value


@dataclass(eq=False)
class FakeUser:
    id: int
    username: str
    bot: bool = False
    global_name: str | None = None

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"

    def payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "username": self.username,
            "discriminator": "0",
            "global_name": self.global_name,
            "avatar": None,
            "banner": None,
            "accent_color": None,
            "avatar_decoration_data": None,
            "bot": self.bot,
            "public_flags": 0,
            "flags": 0,
        }


@dataclass(eq=False)
class FakeRole:
    id: int
    name: str
    permissions: int
    position: int = 0
    bot_id: int | None = None

    @property
    def mention(self) -> str:
        return f"<@&{self.id}>"

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "name": self.name,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "position": self.position,
            "permissions": str(self.permissions),
            "managed": self.bot_id is not None,
            "mentionable": False,
            "flags": 0,
        }
        if self.bot_id is not None:
            data["tags"] = {"bot_id": str(self.bot_id)}
        return data


@dataclass(eq=False)
class FakeChannel:
    """A guild text channel (type 0), a DM (type 1, ``recipient`` set) or a public thread
    (type 11, ``parent`` set; its id is the id of the message it was started on)."""

    id: int
    name: str
    guild: FakeGuild | None = None
    type: int = 0
    position: int = 0
    recipient: FakeUser | None = None
    parent: FakeChannel | None = None
    owner_id: int | None = None

    @property
    def mention(self) -> str:
        return f"<#{self.id}>"

    def payload(self) -> dict[str, Any]:
        if self.guild is None:
            recipients = [self.recipient.payload()] if self.recipient else []
            return {"id": str(self.id), "type": self.type, "recipients": recipients}
        if self.parent is not None:
            return self._thread_payload()
        return {
            "id": str(self.id),
            "type": self.type,
            "guild_id": str(self.guild.id),
            "name": self.name,
            "position": self.position,
            "permission_overwrites": [],
            "topic": None,
            "nsfw": False,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "parent_id": None,
            "flags": 0,
        }

    def _thread_payload(self) -> dict[str, Any]:
        assert self.guild is not None and self.parent is not None
        return {
            "id": str(self.id),
            "type": self.type,
            "guild_id": str(self.guild.id),
            "parent_id": str(self.parent.id),
            "owner_id": str(self.owner_id),
            "name": self.name,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "message_count": 0,
            "member_count": 1,
            "flags": 0,
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": 1440,
                "archive_timestamp": iso_now(),
                "locked": False,
            },
        }


@dataclass(eq=False)
class FakeMember:
    user: FakeUser
    guild: FakeGuild
    roles: list[FakeRole] = field(default_factory=list)
    nick: str | None = None
    joined_at: str = field(default_factory=iso_now)

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def mention(self) -> str:
        return self.user.mention

    @property
    def permissions(self) -> int:
        """Guild-level permissions (no channel overwrites are modelled)."""
        if self.user.id == self.guild.owner_id:
            return ALL_PERMISSIONS
        value = self.guild.everyone.permissions
        for role in self.roles:
            value |= role.permissions
        return ALL_PERMISSIONS if value & ADMINISTRATOR else value

    def has(self, permissions: int) -> bool:
        return self.permissions & permissions == permissions

    def payload(self, *, with_user: bool = True, with_permissions: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {
            "roles": [str(role.id) for role in self.roles],
            "nick": self.nick,
            "avatar": None,
            "banner": None,
            "joined_at": self.joined_at,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "pending": False,
            "flags": 0,
            "communication_disabled_until": None,
        }
        if with_user:
            data["user"] = self.user.payload()
        if with_permissions:
            data["permissions"] = str(self.permissions)
        return data


@dataclass(eq=False)
class FakeGuild:
    id: int
    name: str
    owner_id: int
    roles: list[FakeRole] = field(default_factory=list)
    channels: list[FakeChannel] = field(default_factory=list)
    members: list[FakeMember] = field(default_factory=list)
    threads: list[FakeChannel] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.roles:
            self.roles.append(FakeRole(self.id, "@everyone", EVERYONE_PERMISSIONS, position=0))

    @property
    def everyone(self) -> FakeRole:
        return self.roles[0]

    def add_role(self, name: str, permissions: int | discord.Permissions = 0) -> FakeRole:
        value = permissions.value if isinstance(permissions, discord.Permissions) else permissions
        role = FakeRole(new_snowflake(), name, value, position=len(self.roles))
        self.roles.append(role)
        return role

    def add_text_channel(self, name: str) -> FakeChannel:
        channel = FakeChannel(new_snowflake(), name, guild=self, position=len(self.channels))
        self.channels.append(channel)
        return channel

    def add_member(
        self, user: FakeUser | str, roles: list[FakeRole] | None = None, nick: str | None = None
    ) -> FakeMember:
        if isinstance(user, str):
            user = FakeUser(new_snowflake(), user)
        member = FakeMember(user, self, list(roles or []), nick=nick)
        self.members.append(member)
        return member

    def get_member(self, user_id: int) -> FakeMember | None:
        return next((m for m in self.members if m.user.id == user_id), None)

    def get_channel(self, channel_id: int) -> FakeChannel | None:
        return next((c for c in [*self.channels, *self.threads] if c.id == channel_id), None)

    def add_thread(
        self, parent: FakeChannel, message_id: int, name: str, owner_id: int
    ) -> FakeChannel:
        """A public thread started on message `message_id` of `parent` (it takes its id)."""
        thread = FakeChannel(
            message_id, name, guild=self, type=11, parent=parent, owner_id=owner_id
        )
        self.threads.append(thread)
        return thread

    def get_role(self, role_id: int) -> FakeRole | None:
        return next((r for r in self.roles if r.id == role_id), None)

    def payload(self) -> dict[str, Any]:
        """The GUILD_CREATE payload: the whole guild, available."""
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(self.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "premium_progress_bar_enabled": False,
            "preferred_locale": "en-US",
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "vanity_url_code": None,
            "application_id": None,
            "features": [],
            "roles": [role.payload() for role in self.roles],
            "emojis": [],
            "stickers": [],
            "channels": [channel.payload() for channel in self.channels],
            "threads": [thread.payload() for thread in self.threads],
            "members": [member.payload() for member in self.members],
            "member_count": len(self.members),
            "presences": [],
            "voice_states": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "large": False,
            "unavailable": False,
            "joined_at": iso_now(),
            "max_members": 500_000,
        }


@dataclass(eq=False)
class World:
    """Everything the fake knows about: the bot, its application owner and the guilds."""

    bot_user: FakeUser
    app_owner: FakeUser
    guilds: list[FakeGuild] = field(default_factory=list)
    dm_channels: list[FakeChannel] = field(default_factory=list)

    def users(self) -> list[FakeUser]:
        seen = {self.bot_user.id: self.bot_user, self.app_owner.id: self.app_owner}
        for member in itertools.chain.from_iterable(g.members for g in self.guilds):
            seen.setdefault(member.user.id, member.user)
        for channel in self.dm_channels:
            if channel.recipient is not None:
                seen.setdefault(channel.recipient.id, channel.recipient)
        return list(seen.values())

    def get_user(self, user_id: int) -> FakeUser | None:
        return next((u for u in self.users() if u.id == user_id), None)

    def get_guild(self, guild_id: int) -> FakeGuild | None:
        return next((g for g in self.guilds if g.id == guild_id), None)

    def get_channel(self, channel_id: int) -> FakeChannel | None:
        every = (*(g.channels for g in self.guilds), *(g.threads for g in self.guilds))
        for channel in itertools.chain(self.dm_channels, *every):
            if channel.id == channel_id:
                return channel
        return None

    def dm_channel(self, user: FakeUser) -> FakeChannel:
        """The DM channel between ``user`` and the bot, created on first use."""
        for channel in self.dm_channels:
            if channel.recipient is user:
                return channel
        channel = FakeChannel(new_snowflake(), "", type=1, recipient=user)
        self.dm_channels.append(channel)
        return channel

    def add_guild(self, name: str, owner: FakeUser | None = None) -> FakeGuild:
        owner = owner or FakeUser(new_snowflake(), f"{name.lower().replace(' ', '-')}-owner")
        guild = FakeGuild(new_snowflake(), name, owner.id)
        guild.add_member(owner)
        bot_role = guild.add_role(self.bot_user.username, BOT_PERMISSIONS)
        bot_role.bot_id = self.bot_user.id
        guild.add_member(self.bot_user, roles=[bot_role])
        self.guilds.append(guild)
        return guild


def default_world() -> tuple[World, dict[str, Any]]:
    """The standard cast: one guild with #general and #questions, a Moderators role
    (Manage Messages), a Reviewers role (no permissions) and one member of each kind."""
    bot_user = FakeUser(new_snowflake(), "citebot", bot=True)
    owner = FakeUser(new_snowflake(), "owner")
    world = World(bot_user=bot_user, app_owner=owner)
    guild = world.add_guild("Test Guild", owner=owner)
    general = guild.add_text_channel("general")
    questions = guild.add_text_channel("questions")
    moderators = guild.add_role("Moderators", MANAGE_MESSAGES)
    reviewers = guild.add_role("Reviewers", 0)
    cast = {
        "guild": guild,
        "channel": general,
        "questions_channel": questions,
        "moderators_role": moderators,
        "reviewers_role": reviewers,
        "owner": guild.get_member(owner.id),
        "bot_member": guild.get_member(bot_user.id),
        "moderator": guild.add_member("mod", roles=[moderators]),
        "member": guild.add_member("alice"),
        "reviewer": guild.add_member("rita", roles=[reviewers]),
    }
    return world, cast
