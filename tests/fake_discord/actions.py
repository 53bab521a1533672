"""What users do: run commands, click, fill modals, post messages (INTERACTION_CREATE,
MESSAGE_CREATE payloads built the way Discord builds them)."""

from __future__ import annotations

import asyncio
import re
import secrets
from typing import Any

from .gateway import MESSAGE_CONTENT
from .interactions import (
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    INTERACTIVE_TYPES,
    MESSAGE_COMMAND,
    MESSAGE_COMPONENT,
    MODAL_SUBMIT,
    USER_COMMAND,
    FakeDiscordError,
    SentInteraction,
    command_data,
    flatten_components,
    modal_submit_components,
)
from .world import (
    BOT_PERMISSIONS,
    MENTION_EVERYONE,
    FakeAttachment,
    FakeChannel,
    FakeMember,
    FakeUser,
    new_snowflake,
)


def listens_for(client: Any, message_id: int, custom_id: str) -> bool:
    """Whether the client has a view item (of that message, persistent or dynamic) that
    would take a click on `custom_id`: the bot registers a message's view only once it has
    read Discord's reply to its send, a moment after the message exists."""
    store = getattr(client._connection, "_view_store", None)
    if store is None:
        return True
    views = getattr(store, "_views", {})
    for key in (message_id, None):
        if any(found == custom_id for _kind, found in views.get(key, {})):
            return True
    return any(p.fullmatch(custom_id) for p in getattr(store, "_dynamic_items", {}))


class UserActions:
    """Mixin of FakeDiscord: the test's side of the conversation."""

    def _author(self, user: FakeMember | FakeUser | None) -> FakeMember | FakeUser:
        return self.member if user is None else user

    def _context(
        self, user: FakeMember | FakeUser | None, channel: FakeChannel | None
    ) -> tuple[FakeChannel, FakeUser, FakeMember | None]:
        author = self._author(user)
        plain = author.user if isinstance(author, FakeMember) else author
        if channel is None:
            channel = author.guild.channels[0] if isinstance(author, FakeMember) else None
            channel = channel or self.world.dm_channel(plain)
        if channel.guild is None:
            return channel, plain, None
        member = channel.guild.get_member(plain.id)
        if member is None:
            raise FakeDiscordError(f"{plain.username} is not a member of {channel.guild.name}")
        return channel, plain, member

    def _user_message(
        self,
        content: str,
        channel: FakeChannel,
        user: FakeUser,
        member: FakeMember | None,
        reference: dict[str, Any] | None = None,
        reference_gone: bool = False,
    ) -> dict[str, Any]:
        mentions = []
        for uid in dict.fromkeys(int(i) for i in re.findall(r"<@!?(\d+)>", content)):
            target = self.world.get_user(uid)
            if target is None:
                continue
            entry = target.payload()
            if channel.guild is not None and (m := channel.guild.get_member(uid)) is not None:
                entry["member"] = m.payload(with_user=False)
            mentions.append(entry)
        roles = re.findall(r"<@&(\d+)>", content)
        everyone = bool(re.search(r"@(everyone|here)\b", content)) and (
            member is not None and member.has(MENTION_EVERYONE)
        )
        message = self._new_message(channel, user, {"content": content})
        message.update(mentions=mentions, mention_roles=roles, mention_everyone=everyone)
        if member is not None:
            message["member"] = member.payload(with_user=False)
        if reference is not None:
            message["type"] = 19
            message["message_reference"] = {
                "type": 0,
                "message_id": reference["id"],
                "channel_id": reference["channel_id"],
                **({"guild_id": reference["guild_id"]} if "guild_id" in reference else {}),
            }
            # Discord sends null for a replied-to message that was deleted since.
            message["referenced_message"] = None if reference_gone else reference
        return message

    async def send_message(
        self,
        content: str,
        *,
        author: FakeMember | FakeUser | None = None,
        channel: FakeChannel | None = None,
        reply_to: dict[str, Any] | None = None,
        reply_gone: bool = False,
    ) -> dict[str, Any]:
        """A user posts ``content``; the bot gets MESSAGE_CREATE if its intents allow.
        ``reply_to``: the message it replies to; ``reply_gone``: that message was deleted
        (Discord then sends the reference with a null ``referenced_message``).

        Mentions written as ``<@id>`` (e.g. ``fake.bot_user.mention``) fill ``mentions``.
        Without the message content intent Discord blanks the content of guild messages
        that do not mention the bot; the fake does the same. Returns the stored message
        (full content) whether or not it was delivered.
        """
        channel, user, member = self._context(author, channel)
        message = self._user_message(content, channel, user, member, reply_to, reply_gone)
        self._store(message)
        guild_id = channel.guild.id if channel.guild is not None else None
        session = await self.wait_for_session(guild_id=guild_id, routed=True)
        if not self._deliverable(session, message):
            return message
        delivered = dict(message)
        mentioned = any(m["id"] == str(self.bot_user.id) for m in message["mentions"])
        if channel.guild is not None and not mentioned and not session.has_intent(MESSAGE_CONTENT):
            delivered.update(content="", embeds=[], attachments=[], components=[])
        assert session.connection is not None
        await session.connection.dispatch("MESSAGE_CREATE", delivered)
        return message

    def _interaction_base(
        self,
        kind: int,
        data: dict[str, Any],
        channel: FakeChannel,
        user: FakeUser,
        member: FakeMember | None,
    ) -> dict[str, Any]:
        interaction_id = new_snowflake()
        payload: dict[str, Any] = {
            "id": str(interaction_id),
            "application_id": str(self.application_id),
            "type": kind,
            "data": data,
            "token": "fake-interaction-" + secrets.token_urlsafe(32),
            "version": 1,
            "channel_id": str(channel.id),
            "channel": channel.payload(),
            "locale": "en-US",
            "entitlements": [],
            "attachment_size_limit": 10 * 1024 * 1024,
            "app_permissions": str(BOT_PERMISSIONS),
        }
        if channel.guild is not None:
            assert member is not None
            bot_member = channel.guild.get_member(self.bot_user.id)
            payload.update(
                guild_id=str(channel.guild.id),
                guild={"id": str(channel.guild.id), "locale": "en-US", "features": []},
                guild_locale="en-US",
                member=member.payload(with_permissions=True),
                app_permissions=str(bot_member.permissions if bot_member else 0),
                context=0,
                authorizing_integration_owners={"0": str(channel.guild.id)},
            )
        else:
            payload.update(
                user=user.payload(), context=1, authorizing_integration_owners={"0": "0"}
            )
        return payload

    async def _send_interaction(
        self,
        kind: int,
        data: dict[str, Any],
        user: FakeMember | FakeUser | None,
        channel: FakeChannel | None,
        message: dict[str, Any] | None = None,
    ) -> SentInteraction:
        channel, plain, member = self._context(user, channel)
        payload = self._interaction_base(kind, data, channel, plain, member)
        if message is not None:
            payload["message"] = message
        guild_id = channel.guild.id if channel.guild is not None else None
        session = await self.wait_for_session(guild_id=guild_id, routed=True)
        loop = asyncio.get_running_loop()
        handle = SentInteraction(
            fake=self,
            id=int(payload["id"]),
            token=payload["token"],
            type=kind,
            payload=payload,
            channel=channel,
            user=plain,
            created=loop.time(),
            source_message_id=int(message["id"]) if message else None,
            shard=session.shard[0],
        )
        self.interactions[handle.id] = handle
        assert session.connection is not None
        await session.connection.dispatch("INTERACTION_CREATE", payload)
        return handle

    def find_command(
        self, name: str, guild_id: int | None = None, kind: int = 1
    ) -> dict[str, Any] | None:
        """A synced command: the guild's own first, then the global one (like Discord)."""
        for scope in ([guild_id] if guild_id else []) + [None]:
            for cmd in self.commands.get(scope, []):
                if cmd["name"] == name and cmd.get("type", 1) == kind:
                    return cmd
        return None

    def _command_for(
        self, name: str, channel: FakeChannel, member: FakeMember | None, kind: int
    ) -> dict[str, Any] | None:
        guild_id = channel.guild.id if channel.guild else None
        synced = self.find_command(name, guild_id, kind)
        if synced is None and self.strict_commands:
            raise FakeDiscordError(f"command {name!r} (type {kind}) was never synced")
        needed = synced.get("default_member_permissions") if synced else None
        if needed is not None and member is not None and not member.has(int(needed)):
            raise FakeDiscordError(
                f"{member.user.username} lacks default_member_permissions={needed} for "
                f"{name!r}; Discord would not offer the command"
            )
        return synced

    async def slash(
        self,
        command: str,
        options: dict[str, Any] | None = None,
        *,
        user: FakeMember | FakeUser | None = None,
        channel: FakeChannel | None = None,
    ) -> SentInteraction:
        """A user runs a slash command. ``command`` is "ask", "reports list" or
        "group sub cmd"; ``options`` maps option names to values (FakeMember/FakeUser,
        FakeChannel, FakeRole values are sent as resolved entities)."""
        ch, _plain, member = self._context(user, channel)
        synced = self._command_for(command.split()[0], ch, member, 1)
        for value in (options or {}).values():
            if isinstance(value, FakeAttachment):
                self._upload(value, ch)
        data = command_data(command, options or {}, synced, new_snowflake())
        return await self._send_interaction(APPLICATION_COMMAND, data, user, ch)

    def _upload(self, attachment: FakeAttachment, channel: FakeChannel) -> None:
        """Store an attached file's bytes, served at its URL as Discord's CDN serves it."""
        attachment_id = new_snowflake()
        self.attachments[attachment_id] = attachment.data
        url = f"{self.base_url}/attachments/{channel.id}/{attachment_id}/{attachment.filename}"
        attachment.payload = {
            "id": str(attachment_id),
            "filename": attachment.filename,
            "size": len(attachment.data),
            "url": url,
            "proxy_url": url,
            "content_type": attachment.content_type,
        }

    async def autocomplete(
        self,
        command: str,
        options: dict[str, Any],
        focused: str,
        *,
        user: FakeMember | FakeUser | None = None,
        channel: FakeChannel | None = None,
    ) -> SentInteraction:
        """A user is typing option ``focused`` (its partial text is ``options[focused]``).
        The bot's answer is ``(await ix.wait_callback()).json["data"]["choices"]``."""
        ch, _plain, member = self._context(user, channel)
        synced = self._command_for(command.split()[0], ch, member, 1)
        data = command_data(command, options, synced, new_snowflake(), focused=focused)
        return await self._send_interaction(AUTOCOMPLETE, data, user, ch)

    def _target_message(self, message: dict[str, Any] | int) -> dict[str, Any]:
        msg_id = message if isinstance(message, int) else int(message["id"])
        stored = self.messages.get(msg_id)
        if stored is None:
            raise FakeDiscordError(f"message {msg_id} does not exist (deleted or never sent)")
        return stored

    async def message_command(
        self,
        name: str,
        message: dict[str, Any] | int,
        *,
        user: FakeMember | FakeUser | None = None,
    ) -> SentInteraction:
        """A user picks the message context-menu command ``name`` on ``message``."""
        target = self._target_message(message)
        channel = self.world.get_channel(int(target["channel_id"]))
        ch, _plain, member = self._context(user, channel)
        synced = self._command_for(name, ch, member, MESSAGE_COMMAND)
        data: dict[str, Any] = {
            "id": str(synced["id"]) if synced else str(new_snowflake()),
            "name": name,
            "type": MESSAGE_COMMAND,
            "target_id": target["id"],
            "resolved": {"messages": {target["id"]: dict(target)}},
        }
        if synced and synced.get("guild_id"):
            data["guild_id"] = synced["guild_id"]
        return await self._send_interaction(APPLICATION_COMMAND, data, user, ch)

    async def user_command(
        self,
        name: str,
        target: FakeMember | FakeUser,
        *,
        user: FakeMember | FakeUser | None = None,
        channel: FakeChannel | None = None,
    ) -> SentInteraction:
        """A user picks the user context-menu command ``name`` on ``target``."""
        ch, _plain, member = self._context(user, channel)
        synced = self._command_for(name, ch, member, USER_COMMAND)
        resolved: dict[str, Any] = {"users": {}}
        plain = target.user if isinstance(target, FakeMember) else target
        resolved["users"][str(plain.id)] = plain.payload()
        if isinstance(target, FakeMember):
            resolved["members"] = {str(plain.id): target.payload(with_user=False)}
        data: dict[str, Any] = {
            "id": str(synced["id"]) if synced else str(new_snowflake()),
            "name": name,
            "type": USER_COMMAND,
            "target_id": str(plain.id),
            "resolved": resolved,
        }
        if synced and synced.get("guild_id"):
            data["guild_id"] = synced["guild_id"]
        return await self._send_interaction(APPLICATION_COMMAND, data, user, ch)

    @staticmethod
    def components(message: dict[str, Any]) -> list[dict[str, Any]]:
        """The interactive components (buttons, selects) of a stored message."""
        found = flatten_components(message.get("components") or [])
        return [c for c in found if c.get("type") in INTERACTIVE_TYPES and c.get("custom_id")]

    async def click(
        self,
        message: dict[str, Any] | int,
        custom_id: str | None = None,
        *,
        label: str | None = None,
        values: list[str] | None = None,
        user: FakeMember | FakeUser | None = None,
    ) -> SentInteraction:
        """A user clicks a button (or picks ``values`` in a select) on a stored message.

        The component is found by ``custom_id``, by ``label``, or is the message's only
        interactive component. The interaction carries the message as Discord holds it,
        which is what discord.py's DynamicItem and persistent views read."""
        target = self._target_message(message)
        candidates = self.components(target)
        if custom_id is not None:
            candidates = [c for c in candidates if c["custom_id"] == custom_id]
        if label is not None:
            candidates = [c for c in candidates if c.get("label") == label]
        if len(candidates) != 1:
            raise FakeDiscordError(
                f"expected one component matching custom_id={custom_id!r} label={label!r} on "
                f"message {target['id']}, found {len(candidates)}: "
                f"{[(c.get('label'), c['custom_id']) for c in self.components(target)]}"
            )
        component = candidates[0]
        if component.get("disabled"):
            raise FakeDiscordError(f"component {component['custom_id']!r} is disabled")
        data: dict[str, Any] = {
            "custom_id": component["custom_id"],
            "component_type": component["type"],
            "id": component.get("id", 0),
        }
        if component["type"] != 2:
            data["values"] = list(values or [])
        elif values is not None:
            raise FakeDiscordError("values= is for select menus, not buttons")
        await self._until_listening(int(target["id"]), component["custom_id"])
        channel = self.world.get_channel(int(target["channel_id"]))
        return await self._send_interaction(
            MESSAGE_COMPONENT, data, user, channel, message=dict(target)
        )

    async def _until_listening(self, message_id: int, custom_id: str, limit: float = 2.0) -> None:
        """A person cannot click a button the instant its message appears; a test can. Wait
        (briefly) until a running bot has the button's view, so the click is not dropped by
        that race; a click on a view the bot no longer has is still sent after `limit`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit
        clients = getattr(self, "clients", [])
        while clients and loop.time() < deadline:
            if any(listens_for(c, message_id, custom_id) for c in clients):
                return
            await asyncio.sleep(0.01)

    @property
    def modals(self) -> list[SentInteraction]:
        """Interactions the bot answered with a modal, oldest first."""
        return [ix for ix in self.interactions.values() if ix.modal is not None]

    async def submit_modal(
        self,
        values: dict[str, Any],
        *,
        modal: SentInteraction | dict[str, Any] | None = None,
        user: FakeMember | FakeUser | None = None,
    ) -> SentInteraction:
        """A user fills in and submits a modal the bot opened.

        ``modal`` is the interaction answered with the modal (default: the latest one) or
        the modal's data. ``values`` maps an input's custom_id or label to its text (or a
        list of option values for a select). Missing required inputs raise, like the
        Discord client refuses to submit."""
        source: SentInteraction | None
        if modal is None:
            if not self.modals:
                raise FakeDiscordError("the bot has not opened any modal")
            source = self.modals[-1]
            data = source.modal
        elif isinstance(modal, SentInteraction):
            source, data = modal, modal.modal
            if data is None:
                raise FakeDiscordError(f"interaction {modal.id} was not answered with a modal")
        else:
            source, data = None, modal
        assert data is not None
        components, used = modal_submit_components(data, values)
        unknown = set(values) - used
        if unknown:
            raise FakeDiscordError(f"modal {data.get('title')!r} has no inputs {sorted(unknown)}")
        submit = {"custom_id": data["custom_id"], "components": components}
        channel = source.channel if source else None
        message = None
        if source is not None and source.source_message_id in self.messages:
            message = dict(self.messages[source.source_message_id])
        if user is None and source is not None:
            user = self._member_or_user(source.user, source.channel)
        return await self._send_interaction(MODAL_SUBMIT, submit, user, channel, message=message)

    def _member_or_user(self, user: FakeUser, channel: FakeChannel) -> FakeMember | FakeUser:
        if channel.guild is not None:
            return channel.guild.get_member(user.id) or user
        return user
