"""The REST routes: what each Discord endpoint the bot calls answers, and what it changes."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from typing import Any

from . import limits
from .gateway import GUILD_MEMBERS, GUILD_PRESENCES, MESSAGE_CONTENT
from .interactions import (
    AUTOCOMPLETE,
    AUTOCOMPLETE_RESULT,
    CHANNEL_MESSAGE,
    DEFERRED_CHANNEL_MESSAGE,
    DEFERRED_UPDATE,
    MODAL,
    MODAL_SUBMIT,
    UPDATE_MESSAGE,
    FakeDiscordError,
    SentInteraction,
)
from .messages import EPHEMERAL, LOADING
from .records import RecordedRequest
from .world import new_snowflake

Handler = Callable[..., Awaitable[tuple[int, Any]]]
# Application flags telling which privileged intents are switched on in the portal.
APP_FLAG_PRESENCE, APP_FLAG_MEMBERS, APP_FLAG_CONTENT = 1 << 12, 1 << 14, 1 << 18


def error_reply(status: int, code: int, message: str) -> tuple[int, dict[str, Any]]:
    return status, {"message": message, "code": code}


class RestApi:
    """Mixin of FakeDiscord: one handler per Discord endpoint; see ``_build_routes``."""

    def _build_routes(self) -> list[tuple[str, re.Pattern[str], Handler, bool]]:
        app = r"(?P<app>\d+)"
        guild = r"(?P<guild>\d+)"
        chan = r"(?P<channel>\d+)"
        msg = r"(?P<message>\d+)"
        tok = r"(?P<token>[^/]+)"
        wh_msg = rf"/webhooks/{app}/{tok}/messages/(?P<message>\d+|@original)"
        react = rf"/channels/{chan}/messages/{msg}/reactions/(?P<emoji>[^/]+)/@me"
        table: list[tuple[str, str, Handler, bool]] = [
            ("GET", r"/gateway", self._get_gateway, False),
            ("GET", r"/gateway/bot", self._get_gateway_bot, True),
            ("GET", r"/users/@me", self._get_me, True),
            ("GET", r"/users/(?P<user>\d+)", self._get_user, True),
            ("POST", r"/users/@me/channels", self._create_dm, True),
            ("GET", r"/(oauth2/)?applications/@me", self._get_application, True),
            ("GET", rf"/applications/{app}/commands", self._get_commands, True),
            ("PUT", rf"/applications/{app}/commands", self._put_commands, True),
            ("POST", rf"/applications/{app}/commands", self._post_command, True),
            ("DELETE", rf"/applications/{app}/commands/(?P<cmd>\d+)", self._del_command, True),
            ("GET", rf"/applications/{app}/guilds/{guild}/commands", self._get_commands, True),
            ("PUT", rf"/applications/{app}/guilds/{guild}/commands", self._put_commands, True),
            ("POST", rf"/applications/{app}/guilds/{guild}/commands", self._post_command, True),
            (
                "DELETE",
                rf"/applications/{app}/guilds/{guild}/commands/(?P<cmd>\d+)",
                self._del_command,
                True,
            ),
            ("GET", rf"/applications/{app}/guilds/{guild}/commands/permissions", self._empty, True),
            ("POST", rf"/interactions/(?P<interaction>\d+)/{tok}/callback", self._callback, False),
            ("POST", rf"/webhooks/{app}/{tok}", self._followup, False),
            ("GET", wh_msg, self._wh_get, False),
            ("PATCH", wh_msg, self._wh_edit, False),
            ("DELETE", wh_msg, self._wh_delete, False),
            ("GET", rf"/channels/{chan}", self._get_channel, True),
            ("POST", rf"/channels/{chan}/messages", self._post_message, True),
            ("GET", rf"/channels/{chan}/messages", self._get_history, True),
            ("GET", rf"/channels/{chan}/messages/{msg}", self._get_message, True),
            ("PATCH", rf"/channels/{chan}/messages/{msg}", self._patch_message, True),
            ("DELETE", rf"/channels/{chan}/messages/{msg}", self._delete_message, True),
            ("POST", rf"/channels/{chan}/typing", self._no_content, True),
            ("POST", rf"/channels/{chan}/messages/{msg}/threads", self._start_thread, True),
            ("PUT", react, self._react, True),
            ("DELETE", react, self._unreact, True),
            ("GET", rf"/guilds/{guild}", self._get_guild, True),
            ("GET", rf"/guilds/{guild}/channels", self._get_guild_channels, True),
            ("GET", rf"/guilds/{guild}/roles", self._get_guild_roles, True),
            ("GET", rf"/guilds/{guild}/members/(?P<user>\d+)", self._get_member, True),
        ]  # fmt: skip
        return [(m, re.compile(p), h, auth) for m, p, h, auth in table]

    # ------------------------------------------------------------------ REST: identity

    async def _get_gateway(self, _r: RecordedRequest) -> tuple[int, Any]:
        return 200, {"url": self.gateway_url}

    async def _get_gateway_bot(self, _r: RecordedRequest) -> tuple[int, Any]:
        limit = {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
        return 200, {"url": self.gateway_url, "shards": 1, "session_start_limit": limit}

    async def _get_me(self, _r: RecordedRequest) -> tuple[int, Any]:
        return 200, {**self.bot_user.payload(), "verified": True, "mfa_enabled": False}

    async def _get_user(self, _r: RecordedRequest, user: str) -> tuple[int, Any]:
        found = self.world.get_user(int(user))
        return (200, found.payload()) if found else error_reply(404, 10013, "Unknown User")

    async def _create_dm(self, r: RecordedRequest) -> tuple[int, Any]:
        found = self.world.get_user(int((r.json or {}).get("recipient_id", 0)))
        if found is None:
            return error_reply(404, 10013, "Unknown User")
        return 200, self.world.dm_channel(found).payload()

    @property
    def application_flags(self) -> int:
        flags = 0
        allowed = self.allowed_privileged_intents
        for intent, flag in (
            (GUILD_PRESENCES, APP_FLAG_PRESENCE),
            (GUILD_MEMBERS, APP_FLAG_MEMBERS),
            (MESSAGE_CONTENT, APP_FLAG_CONTENT),
        ):
            if allowed & intent:
                flags |= flag
        return flags

    async def _get_application(self, _r: RecordedRequest) -> tuple[int, Any]:
        return 200, {
            "id": str(self.application_id),
            "name": self.bot_user.username,
            "description": "",
            "icon": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "owner": self.world.app_owner.payload(),
            "team": None,
            "verify_key": "0" * 64,
            "flags": self.application_flags,
            "summary": "",
            "bot": self.bot_user.payload(),
            "interactions_endpoint_url": None,
            "redirect_uris": [],
            "tags": [],
        }

    async def _empty(self, _r: RecordedRequest, **_: str) -> tuple[int, Any]:
        return 200, []

    async def _no_content(self, _r: RecordedRequest, **_: str) -> tuple[int, Any]:
        return 204, None

    # ------------------------------------------------------------------ REST: commands

    def _check_app(self, app: str) -> None:
        if int(app) != self.application_id:
            raise FakeDiscordError(f"unknown application {app}")

    def _normalise_command(self, spec: dict[str, Any], guild: str | None) -> dict[str, Any]:
        scope = int(guild) if guild else None
        kind = spec.get("type", 1)
        same = [c for c in self.commands.get(scope, []) if c["name"] == spec["name"]]
        old = next((c for c in same if c["type"] == kind), None)
        command = {
            "name_localizations": None,
            "description_localizations": None,
            "options": [],
            "default_member_permissions": None,
            "dm_permission": True,
            "nsfw": False,
            **spec,
            "id": old["id"] if old else str(new_snowflake()),
            "application_id": str(self.application_id),
            "version": str(new_snowflake()),
            "type": kind,
            "description": spec.get("description", ""),
        }
        if guild:
            command["guild_id"] = guild
        return command

    async def _get_commands(
        self, _r: RecordedRequest, app: str, guild: str | None = None
    ) -> tuple[int, Any]:
        self._check_app(app)
        return 200, self.commands.get(int(guild) if guild else None, [])

    async def _put_commands(
        self, r: RecordedRequest, app: str, guild: str | None = None
    ) -> tuple[int, Any]:
        self._check_app(app)
        if guild and self.world.get_guild(int(guild)) is None:
            return error_reply(403, 50001, "Missing Access")
        specs = r.json or []
        names = [(c["name"], c.get("type", 1)) for c in specs]
        if len(names) != len(set(names)):
            return error_reply(400, 50035, "Invalid Form Body: duplicate command names")
        commands = [self._normalise_command(spec, guild) for spec in specs]
        self.commands[int(guild) if guild else None] = commands
        return 200, commands

    async def _post_command(
        self, r: RecordedRequest, app: str, guild: str | None = None
    ) -> tuple[int, Any]:
        self._check_app(app)
        command = self._normalise_command(r.json or {}, guild)
        scope = self.commands.setdefault(int(guild) if guild else None, [])
        scope[:] = [c for c in scope if c["id"] != command["id"]] + [command]
        return 201, command

    async def _del_command(
        self, _r: RecordedRequest, app: str, cmd: str, guild: str | None = None
    ) -> tuple[int, Any]:
        self._check_app(app)
        scope = self.commands.setdefault(int(guild) if guild else None, [])
        scope[:] = [c for c in scope if c["id"] != cmd]
        return 204, None

    # ------------------------------------------------------------------ REST: interactions

    def _interaction_by_token(self, token: str) -> SentInteraction | None:
        return next((ix for ix in self.interactions.values() if ix.token == token), None)

    async def _callback(self, r: RecordedRequest, interaction: str, token: str) -> tuple[int, Any]:
        ix = self.interactions.get(int(interaction))
        if ix is None or ix.token != token:
            return error_reply(404, 10062, "Unknown interaction")
        if ix.callback is not None:
            return error_reply(400, 40060, "Interaction has already been acknowledged.")
        age = asyncio.get_running_loop().time() - ix.created
        if self.interaction_deadline is not None and age > self.interaction_deadline:
            return error_reply(404, 10062, "Unknown interaction")
        body = r.json or {}
        kind = body.get("type")
        data = body.get("data") or {}
        message: dict[str, Any] | None = None
        if kind in (CHANNEL_MESSAGE, UPDATE_MESSAGE):
            errors = limits.message_errors(data)
            if errors:
                return 400, limits.invalid_form_body(errors)
        if kind == CHANNEL_MESSAGE:
            if limits.is_empty(data, r.files):
                return error_reply(400, 50006, "Cannot send an empty message")
            message = self._store(self._message_from_payload(ix.channel, data, r.files, ix))
            ix.original_message_id = int(message["id"])
            await self._echo("MESSAGE_CREATE", message)
        elif kind == DEFERRED_CHANNEL_MESSAGE:
            flags = int(data.get("flags") or 0) & EPHEMERAL | LOADING
            message = self._message_from_payload(ix.channel, {"flags": flags}, [], ix)
            self._store(message)
            ix.original_message_id = int(message["id"])
            await self._echo("MESSAGE_CREATE", message)
        elif kind in (DEFERRED_UPDATE, UPDATE_MESSAGE):
            if ix.source_message_id is None or ix.source_message_id not in self.messages:
                return error_reply(400, 40004, "This interaction has no message to update")
            ix.original_message_id = ix.source_message_id
            message = self.messages[ix.source_message_id]
            if kind == UPDATE_MESSAGE:
                self._edit_message(message, data, r.files)
                await self._echo("MESSAGE_UPDATE", message)
        elif kind == AUTOCOMPLETE_RESULT:
            if ix.type != AUTOCOMPLETE:
                return error_reply(400, 50035, "Invalid Form Body: not an autocomplete interaction")
            errors = limits.autocomplete_errors(data)
            if errors:
                return 400, limits.invalid_form_body(errors)
            ix.choices = data.get("choices") or []
        elif kind == MODAL:
            if ix.type == MODAL_SUBMIT:
                return error_reply(
                    400, 50035, "Invalid Form Body: cannot answer a modal with a modal"
                )
            errors = limits.modal_errors(data)
            if errors:
                return 400, limits.invalid_form_body(errors)
            ix.modal = data
        elif kind != 1:
            return error_reply(400, 50035, f"Invalid Form Body: unsupported callback type {kind}")
        ix.callback = r
        self._notify()
        if r.query.get("with_response") not in ("1", "true", "True"):
            return 204, None
        info: dict[str, Any] = {"id": str(ix.id), "type": ix.type}
        response: dict[str, Any] = {"interaction": info}
        if message is not None:
            info.update(
                response_message_id=message["id"],
                response_message_loading=kind == DEFERRED_CHANNEL_MESSAGE,
                response_message_ephemeral=bool(message["flags"] & EPHEMERAL),
            )
            response["resource"] = {"type": kind, "message": message}
        return 200, response

    def _webhook_interaction(self, app: str, token: str) -> SentInteraction:
        ix = self._interaction_by_token(token)
        if int(app) != self.application_id or ix is None or ix.callback is None:
            raise _UnknownWebhook
        return ix

    async def _followup(self, r: RecordedRequest, app: str, token: str) -> tuple[int, Any]:
        try:
            ix = self._webhook_interaction(app, token)
        except _UnknownWebhook:
            return error_reply(404, 10015, "Unknown Webhook")
        data = r.json or {}
        errors = limits.message_errors(data)
        if errors:
            return 400, limits.invalid_form_body(errors)
        if limits.is_empty(data, r.files):
            return error_reply(400, 50006, "Cannot send an empty message")
        original = ix.original
        if original is not None and original["flags"] & LOADING:
            # Discord: the first follow-up after a deferred response replaces the
            # "thinking..." message (keeping the defer's ephemeral choice).
            message = self._edit_message(original, {**data, "flags": None}, r.files)
            await self._echo("MESSAGE_UPDATE", message)
        else:
            message = self._store(self._message_from_payload(ix.channel, data, r.files, ix))
            await self._echo("MESSAGE_CREATE", message)
        ix.followup_message_ids.append(int(message["id"]))
        self._notify()
        if r.query.get("wait") in ("1", "true", "True"):
            return 200, message
        return 204, None

    def _webhook_message(self, app: str, token: str, message: str) -> dict[str, Any]:
        ix = self._webhook_interaction(app, token)
        msg_id = ix.original_message_id if message == "@original" else int(message)
        found = self.messages.get(msg_id) if msg_id is not None else None
        if found is None:
            raise _UnknownMessage
        return found

    async def _wh_get(
        self, _r: RecordedRequest, app: str, token: str, message: str
    ) -> tuple[int, Any]:
        try:
            return 200, self._webhook_message(app, token, message)
        except _UnknownWebhook:
            return error_reply(404, 10015, "Unknown Webhook")
        except _UnknownMessage:
            return error_reply(404, 10008, "Unknown Message")

    async def _wh_edit(
        self, r: RecordedRequest, app: str, token: str, message: str
    ) -> tuple[int, Any]:
        try:
            found = self._webhook_message(app, token, message)
        except _UnknownWebhook:
            return error_reply(404, 10015, "Unknown Webhook")
        except _UnknownMessage:
            return error_reply(404, 10008, "Unknown Message")
        errors = limits.message_errors(r.json or {})
        if errors:
            return 400, limits.invalid_form_body(errors)
        self._edit_message(found, r.json or {}, r.files)
        await self._echo("MESSAGE_UPDATE", found)
        return 200, found

    async def _wh_delete(
        self, _r: RecordedRequest, app: str, token: str, message: str
    ) -> tuple[int, Any]:
        try:
            found = self._webhook_message(app, token, message)
        except _UnknownWebhook:
            return error_reply(404, 10015, "Unknown Webhook")
        except _UnknownMessage:
            return error_reply(404, 10008, "Unknown Message")
        del self.messages[int(found["id"])]
        self._notify()
        return 204, None

    # ------------------------------------------------------------------ REST: channels

    async def _get_channel(self, _r: RecordedRequest, channel: str) -> tuple[int, Any]:
        found = self.world.get_channel(int(channel))
        return (200, found.payload()) if found else error_reply(404, 10003, "Unknown Channel")

    async def _post_message(self, r: RecordedRequest, channel: str) -> tuple[int, Any]:
        found = self.world.get_channel(int(channel))
        if found is None:
            return error_reply(404, 10003, "Unknown Channel")
        data = r.json or {}
        errors = limits.message_errors(data)
        if errors:
            return 400, limits.invalid_form_body(errors)
        if limits.is_empty(data, r.files):
            return error_reply(400, 50006, "Cannot send an empty message")
        message = self._message_from_payload(found, data, r.files)
        reference = data.get("message_reference")
        if reference:
            ref_id = int(reference.get("message_id", 0))
            referenced = self.messages.get(ref_id)
            if referenced is None and reference.get("fail_if_not_exists", True):
                return 400, limits.invalid_form_body({"message_reference": "Unknown message"})
            if referenced is not None:
                message["type"] = 19
                message["message_reference"] = {
                    "type": reference.get("type", 0),
                    "message_id": str(ref_id),
                    "channel_id": referenced["channel_id"],
                    **({"guild_id": referenced["guild_id"]} if "guild_id" in referenced else {}),
                }
                message["referenced_message"] = dict(referenced)
                allowed = data.get("allowed_mentions")
                replied = allowed is None or bool(allowed.get("replied_user", False))
                if replied and referenced["author"]["id"] != str(self.bot_user.id):
                    message["mentions"].append(referenced["author"])
        self._store(message)
        await self._echo("MESSAGE_CREATE", message)
        return 200, message

    async def _start_thread(
        self, r: RecordedRequest, channel: str, message: str
    ) -> tuple[int, Any]:
        """A public thread on a message: it takes the message's id; THREAD_CREATE follows."""
        parent = self.world.get_channel(int(channel))
        if parent is None or parent.guild is None or parent.parent is not None:
            return error_reply(404, 10003, "Unknown Channel")
        if self._channel_message(channel, message) is None:
            return error_reply(404, 10008, "Unknown Message")
        if parent.guild.get_channel(int(message)) is not None:
            return error_reply(400, 160004, "A thread has already been created for this message")
        name = str((r.json or {}).get("name", ""))
        if not 1 <= len(name) <= 100:
            return 400, limits.invalid_form_body({"name": "Must be between 1 and 100 in length."})
        thread = parent.guild.add_thread(parent, int(message), name, self.bot_user.id)
        await self._dispatch_if_connected(
            "THREAD_CREATE", {**thread.payload(), "newly_created": True}
        )
        return 201, thread.payload()

    def _channel_message(self, channel: str, message: str) -> dict[str, Any] | None:
        found = self.messages.get(int(message))
        return found if found is not None and found["channel_id"] == channel else None

    async def _get_message(
        self, _r: RecordedRequest, channel: str, message: str
    ) -> tuple[int, Any]:
        found = self._channel_message(channel, message)
        return (200, found) if found else error_reply(404, 10008, "Unknown Message")

    async def _get_history(self, r: RecordedRequest, channel: str) -> tuple[int, Any]:
        limit = int(r.query.get("limit", 50))
        found = [m for m in self.messages.values() if m["channel_id"] == channel]
        found.sort(key=lambda m: int(m["id"]), reverse=True)
        return 200, found[:limit]

    async def _patch_message(
        self, r: RecordedRequest, channel: str, message: str
    ) -> tuple[int, Any]:
        found = self._channel_message(channel, message)
        if found is None:
            return error_reply(404, 10008, "Unknown Message")
        if found["author"]["id"] != str(self.bot_user.id):
            return error_reply(403, 50005, "Cannot edit a message authored by another user")
        errors = limits.message_errors(r.json or {})
        if errors:
            return 400, limits.invalid_form_body(errors)
        self._edit_message(found, r.json or {}, r.files)
        await self._echo("MESSAGE_UPDATE", found)
        return 200, found

    async def _delete_message(
        self, _r: RecordedRequest, channel: str, message: str
    ) -> tuple[int, Any]:
        found = self._channel_message(channel, message)
        if found is None:
            return error_reply(404, 10008, "Unknown Message")
        del self.messages[int(message)]
        self._notify()
        return 204, None

    async def _react(
        self, _r: RecordedRequest, channel: str, message: str, emoji: str
    ) -> tuple[int, Any]:
        found = self._channel_message(channel, message)
        if found is None:
            return error_reply(404, 10008, "Unknown Message")
        found.setdefault("fake_reactions", []).append(emoji)
        return 204, None

    async def _unreact(
        self, _r: RecordedRequest, channel: str, message: str, emoji: str
    ) -> tuple[int, Any]:
        found = self._channel_message(channel, message)
        if found is None:
            return error_reply(404, 10008, "Unknown Message")
        reactions = found.setdefault("fake_reactions", [])
        if emoji in reactions:
            reactions.remove(emoji)
        return 204, None

    # ------------------------------------------------------------------ REST: guilds

    async def _get_guild(self, _r: RecordedRequest, guild: str) -> tuple[int, Any]:
        found = self.world.get_guild(int(guild))
        if found is None:
            return error_reply(404, 10004, "Unknown Guild")
        data = found.payload()
        for key in ("channels", "members", "threads", "presences", "voice_states"):
            data.pop(key)
        return 200, data

    async def _get_guild_channels(self, _r: RecordedRequest, guild: str) -> tuple[int, Any]:
        found = self.world.get_guild(int(guild))
        if found is None:
            return error_reply(404, 10004, "Unknown Guild")
        return 200, [c.payload() for c in found.channels]

    async def _get_guild_roles(self, _r: RecordedRequest, guild: str) -> tuple[int, Any]:
        found = self.world.get_guild(int(guild))
        if found is None:
            return error_reply(404, 10004, "Unknown Guild")
        return 200, [r.payload() for r in found.roles]

    async def _get_member(self, _r: RecordedRequest, guild: str, user: str) -> tuple[int, Any]:
        found = self.world.get_guild(int(guild))
        member = found.get_member(int(user)) if found else None
        return (200, member.payload()) if member else error_reply(404, 10007, "Unknown Member")


class _UnknownWebhook(Exception):
    pass


class _UnknownMessage(Exception):
    pass
