"""FakeDiscord: an aiohttp server on 127.0.0.1 speaking enough Discord for discord.py.

One instance holds the world (guilds, members), every message ever created, every REST
request received, the synced commands and the gateway sessions, so a test can restart the
bot against the same instance and click a button on a message sent before the restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

import discord
from aiohttp import web

from . import limits
from .gateway import (
    DIRECT_MESSAGES,
    GUILD_MEMBERS,
    GUILD_MESSAGES,
    GUILD_PRESENCES,
    MESSAGE_CONTENT,
    PRIVILEGED_INTENTS,
    GatewayConnection,
    GatewaySession,
)
from .interactions import (
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    AUTOCOMPLETE_RESULT,
    CHANNEL_MESSAGE,
    DEFERRED_CHANNEL_MESSAGE,
    DEFERRED_UPDATE,
    INTERACTIVE_TYPES,
    MESSAGE_COMMAND,
    MESSAGE_COMPONENT,
    MODAL,
    MODAL_SUBMIT,
    UPDATE_MESSAGE,
    USER_COMMAND,
    FakeDiscordError,
    SentInteraction,
    command_data,
    flatten_components,
    modal_submit_components,
)
from .records import FaultRule, RecordedFile, RecordedRequest
from .world import (
    BOT_PERMISSIONS,
    MENTION_EVERYONE,
    FakeChannel,
    FakeMember,
    FakeUser,
    default_world,
    iso_now,
    new_snowflake,
)

T = TypeVar("T")
Handler = Callable[..., Awaitable[tuple[int, Any]]]

EPHEMERAL = 1 << 6
LOADING = 1 << 7
# Application flags telling which privileged intents are switched on in the portal.
APP_FLAG_PRESENCE, APP_FLAG_MEMBERS, APP_FLAG_CONTENT = 1 << 12, 1 << 14, 1 << 18


def _error(status: int, code: int, message: str) -> tuple[int, dict[str, Any]]:
    return status, {"message": message, "code": code}


class FakeDiscord:
    """A Discord emulator for one test. Use ``async with FakeDiscord() as fake`` or the
    ``fake_discord`` pytest fixture. See the package docstring for the API."""

    def __init__(
        self,
        *,
        token: str = "fake-bot-token",
        interaction_deadline: float | None = 3.0,
        strict_commands: bool = False,
        allowed_privileged_intents: int = PRIVILEGED_INTENTS,
        echo_bot_messages: bool = True,
        heartbeat_interval_ms: int = 41_250,
    ) -> None:
        self.token = token
        self.interaction_deadline = interaction_deadline
        self.strict_commands = strict_commands
        self.allowed_privileged_intents = allowed_privileged_intents
        self.echo_bot_messages = echo_bot_messages
        self.heartbeat_interval_ms = heartbeat_interval_ms

        self.world, cast = default_world()
        self.bot_user: FakeUser = self.world.bot_user
        self.application_id: int = self.bot_user.id
        self.guild = cast["guild"]
        self.channel: FakeChannel = cast["channel"]
        self.questions_channel: FakeChannel = cast["questions_channel"]
        self.moderators_role = cast["moderators_role"]
        self.reviewers_role = cast["reviewers_role"]
        self.owner: FakeMember = cast["owner"]
        self.bot_member: FakeMember = cast["bot_member"]
        self.moderator: FakeMember = cast["moderator"]
        self.member: FakeMember = cast["member"]
        self.reviewer: FakeMember = cast["reviewer"]

        self.requests: list[RecordedRequest] = []
        self.unhandled: list[RecordedRequest] = []
        self.faults: list[FaultRule] = []
        self.messages: dict[int, dict[str, Any]] = {}
        self.attachments: dict[int, bytes] = {}
        self.commands: dict[int | None, list[dict[str, Any]]] = {}
        self.interactions: dict[int, SentInteraction] = {}
        self.identifies: list[dict[str, Any]] = []
        self.presence_updates: list[dict[str, Any]] = []
        self.sessions: dict[str, GatewaySession] = {}
        self.connections: list[GatewayConnection] = []

        self._changed: asyncio.Event | None = None
        self._runner: web.AppRunner | None = None
        self._port = 0
        self._saved_discord_urls: tuple[str, Any] | None = None
        self._routes = self._build_routes()

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> FakeDiscord:
        self._changed = asyncio.Event()
        app = web.Application()
        app.router.add_route("*", "/api/v{version:\\d+}/{tail:.*}", self._handle_rest)
        app.router.add_get("/gateway", self._handle_ws)
        app.router.add_get("/attachments/{channel}/{id}/{filename}", self._handle_attachment)
        app.on_shutdown.append(self._close_websockets)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = self._runner.addresses[0][1]
        return self

    async def close(self) -> None:
        self.restore_discord_py()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _close_websockets(self, _app: web.Application) -> None:
        for conn in list(self.connections):
            with contextlib.suppress(Exception):
                await conn.close(1001, "Fake Discord shutting down.")

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    @property
    def api_base_url(self) -> str:
        """Value for ``discord.http.Route.BASE`` / ``DISCORD_API_BASE_URL``."""
        return f"{self.base_url}/api/v10"

    @property
    def gateway_url(self) -> str:
        """Value for ``DiscordWebSocket.DEFAULT_GATEWAY`` / ``DISCORD_GATEWAY_URL``."""
        return f"ws://127.0.0.1:{self._port}/gateway"

    def env(self) -> dict[str, str]:
        """Environment variables pointing a bot process at this fake."""
        return {
            "DISCORD_TOKEN": self.token,
            "DISCORD_API_BASE_URL": self.api_base_url,
            "DISCORD_GATEWAY_URL": self.gateway_url,
            "CITEBOT_GUILD_IDS": str(self.guild.id),
        }

    def patch_discord_py(self) -> None:
        """Point discord.py's class-level URLs at the fake (restored by ``close()``)."""
        import yarl

        if self._saved_discord_urls is None:
            self._saved_discord_urls = (
                discord.http.Route.BASE,
                discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY,
            )
        discord.http.Route.BASE = self.api_base_url
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.gateway_url)

    def restore_discord_py(self) -> None:
        if self._saved_discord_urls is not None:
            base, gateway = self._saved_discord_urls
            discord.http.Route.BASE = base
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = gateway
            self._saved_discord_urls = None

    @contextlib.asynccontextmanager
    async def running(
        self, client: discord.Client, *, patch: bool = True, ready_timeout: float = 10.0
    ) -> AsyncIterator[discord.Client]:
        """Run ``client`` against the fake until the block exits, then close it cleanly.

        Waits for discord.py's ``on_ready`` (build the client with a small
        ``guild_ready_timeout``, e.g. 0.1, or ready takes discord.py's default 2 s).
        """
        if patch:
            self.patch_discord_py()
        task = asyncio.create_task(client.start(self.token), name="fake-discord-client")
        try:
            waiter = asyncio.create_task(client.wait_until_ready())
            done, _ = await asyncio.wait(
                {task, waiter}, timeout=ready_timeout, return_when=asyncio.FIRST_COMPLETED
            )
            if waiter not in done:
                waiter.cancel()
                if task in done:
                    task.result()  # re-raise the client's startup error
                raise AssertionError(f"client not ready after {ready_timeout}s")
            yield client
        finally:
            await client.close()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(task, timeout=5.0)

    # ------------------------------------------------------------------ waiting

    def _notify(self) -> None:
        if self._changed is not None:
            self._changed.set()
            self._changed = asyncio.Event()

    async def wait_until(
        self, check: Callable[[], T | None], timeout: float = 5.0, what: str = "condition"
    ) -> T:
        """Re-evaluates ``check`` whenever the fake's state changes; returns its first
        truthy value or fails with an AssertionError listing recent requests."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            result = check()
            if result:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                recent = "\n  ".join(repr(r) for r in self.requests[-15:]) or "(none)"
                raise AssertionError(f"timed out after {timeout}s waiting for {what}; recent "
                                     f"requests:\n  {recent}")  # fmt: skip
            assert self._changed is not None, "FakeDiscord is not started"
            with contextlib.suppress(TimeoutError):
                # Also poll: ``check`` may look at the bot's state, which does not notify.
                await asyncio.wait_for(self._changed.wait(), min(remaining, 0.02))

    def find_requests(
        self,
        method: str = "*",
        path_regex: str = ".*",
        *,
        status: int | None = None,
        ok: bool | None = None,
        predicate: Callable[[RecordedRequest], bool] | None = None,
    ) -> list[RecordedRequest]:
        """Recorded requests matching all the given filters, oldest first."""
        return [
            r
            for r in self.requests
            if r.matches(method, path_regex)
            and (status is None or r.status == status)
            and (ok is None or r.ok == ok)
            and (predicate is None or predicate(r))
        ]

    async def wait_for_request(
        self,
        method: str,
        path_regex: str,
        *,
        status: int | None = None,
        ok: bool | None = None,
        predicate: Callable[[RecordedRequest], bool] | None = None,
        nth: int = 0,
        timeout: float = 5.0,
    ) -> RecordedRequest:
        """The ``nth`` (0-based) recorded request matching the filters, waiting for it if
        it has not arrived yet. Already-recorded requests count, so there is no race."""

        def check() -> RecordedRequest | None:
            found = self.find_requests(
                method, path_regex, status=status, ok=ok, predicate=predicate
            )
            return found[nth] if len(found) > nth else None

        return await self.wait_until(check, timeout, f"request #{nth} {method} {path_regex}")

    async def wait_for_session(self, timeout: float = 5.0) -> GatewaySession:
        """The most recent identified session with an open connection."""
        return await self.wait_until(self._live_session, timeout, "an identified gateway session")

    def _live_session(self) -> GatewaySession | None:
        live = [s for s in self.sessions.values() if s.connection and s.connection.open]
        return live[-1] if live else None

    # ------------------------------------------------------------------ faults

    def fail_next(
        self,
        method: str,
        path_regex: str,
        *,
        times: int = 1,
        status: int = 429,
        retry_after: float = 0.05,
        is_global: bool = False,
        body: dict[str, Any] | None = None,
    ) -> FaultRule:
        """Answer the next ``times`` matching requests with ``status`` (429 by default,
        with Retry-After). ``path_regex`` must match the whole API path, e.g.
        ``r"/webhooks/\\d+/[^/]+"`` for interaction follow-ups."""
        rule = FaultRule(method.upper(), path_regex, times, status, retry_after, is_global, body)
        self.faults.append(rule)
        return rule

    # ------------------------------------------------------------------ gateway side

    async def dispatch(self, event: str, data: dict[str, Any], *, timeout: float = 5.0) -> None:
        """Send a DISPATCH event to the bot's live session (waits for one to exist)."""
        session = await self.wait_for_session(timeout)
        assert session.connection is not None
        await session.connection.dispatch(event, data)

    async def _dispatch_if_connected(self, event: str, data: dict[str, Any]) -> None:
        session = self._live_session()
        if session is None or session.connection is None:
            return
        if not self._deliverable(session, data):
            return
        await session.connection.dispatch(event, data)

    def _deliverable(self, session: GatewaySession, message: dict[str, Any]) -> bool:
        needed = GUILD_MESSAGES if "guild_id" in message else DIRECT_MESSAGES
        return session.has_intent(needed)

    async def reconnect(self) -> None:
        """Ask the client to reconnect (op 7); discord.py then RESUMEs its session."""
        session = await self.wait_for_session()
        assert session.connection is not None
        await session.connection.send({"op": 7, "d": None})

    async def _handle_ws(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=0, autoping=True)
        await ws.prepare(request)
        conn = GatewayConnection(self, ws, dict(request.query))
        self.connections.append(conn)
        self._notify()
        try:
            await conn.run()
        finally:
            self._notify()
        return ws

    # ------------------------------------------------------------------ users' actions

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
            message["referenced_message"] = reference
        return message

    async def send_message(
        self,
        content: str,
        *,
        author: FakeMember | FakeUser | None = None,
        channel: FakeChannel | None = None,
        reply_to: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A user posts ``content``; the bot gets MESSAGE_CREATE if its intents allow.

        Mentions written as ``<@id>`` (e.g. ``fake.bot_user.mention``) fill ``mentions``.
        Without the message content intent Discord blanks the content of guild messages
        that do not mention the bot; the fake does the same. Returns the stored message
        (full content) whether or not it was delivered.
        """
        channel, user, member = self._context(author, channel)
        message = self._user_message(content, channel, user, member, reply_to)
        self._store(message)
        session = await self.wait_for_session()
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
        session = await self.wait_for_session()
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
        data = command_data(command, options or {}, synced, new_snowflake())
        return await self._send_interaction(APPLICATION_COMMAND, data, user, ch)

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
        channel = self.world.get_channel(int(target["channel_id"]))
        return await self._send_interaction(
            MESSAGE_COMPONENT, data, user, channel, message=dict(target)
        )

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

    # ------------------------------------------------------------------ messages

    def _new_message(
        self, channel: FakeChannel, author: FakeUser, payload: dict[str, Any]
    ) -> dict[str, Any]:
        message: dict[str, Any] = {
            "id": str(new_snowflake()),
            "channel_id": str(channel.id),
            "author": author.payload(),
            "content": payload.get("content") or "",
            "timestamp": iso_now(),
            "edited_timestamp": None,
            "tts": bool(payload.get("tts", False)),
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": [self._embed(e) for e in payload.get("embeds") or []],
            "components": payload.get("components") or [],
            "reactions": [],
            "pinned": False,
            "type": 0,
            "flags": int(payload.get("flags") or 0),
        }
        if channel.guild is not None:
            message["guild_id"] = str(channel.guild.id)
        if payload.get("poll"):
            message["poll"] = payload["poll"]
        return message

    @staticmethod
    def _embed(embed: dict[str, Any]) -> dict[str, Any]:
        return {"type": "rich", **embed}

    def _store(self, message: dict[str, Any]) -> dict[str, Any]:
        self.messages[int(message["id"])] = message
        self._notify()
        return message

    def _attachments(
        self, channel_id: int, payload: dict[str, Any], files: list[RecordedFile], keep: list[Any]
    ) -> list[dict[str, Any]]:
        """Attachment objects for uploaded ``files[n]`` plus kept existing ones."""
        existing = {a["id"]: a for a in keep}
        result = []
        declared = payload.get("attachments")
        uploaded = {f.field: f for f in files}
        entries = declared if declared is not None else [
            {"id": i} for i in range(len(files))
        ]  # fmt: skip
        for entry in entries:
            key = str(entry.get("id"))
            if key in existing:
                result.append(existing[key])
                continue
            file = uploaded.get(f"files[{key}]")
            if file is None:
                continue
            attachment_id = new_snowflake()
            self.attachments[attachment_id] = file.data
            url = f"{self.base_url}/attachments/{channel_id}/{attachment_id}/{file.filename}"
            attachment = {
                "id": str(attachment_id),
                "filename": entry.get("filename") or file.filename,
                "size": len(file.data),
                "url": url,
                "proxy_url": url,
                "content_type": file.content_type,
            }
            if entry.get("description"):
                attachment["description"] = entry["description"]
            result.append(attachment)
        return result

    def _message_from_payload(
        self,
        channel: FakeChannel,
        payload: dict[str, Any],
        files: list[RecordedFile],
        interaction: SentInteraction | None = None,
    ) -> dict[str, Any]:
        message = self._new_message(channel, self.bot_user, payload)
        message["attachments"] = self._attachments(channel.id, payload, files, [])
        message["mentions"] = self._allowed_user_mentions(message["content"], payload)
        if interaction is not None:
            message["webhook_id"] = str(self.application_id)
            message["application_id"] = str(self.application_id)
            message["interaction_metadata"] = {
                "id": str(interaction.id),
                "type": interaction.type,
                "user": interaction.user.payload(),
                "authorizing_integration_owners": interaction.payload.get(
                    "authorizing_integration_owners", {}
                ),
            }
        return message

    def _allowed_user_mentions(self, content: str, payload: dict[str, Any]) -> list[dict]:
        """Users a bot message actually pings, honouring ``allowed_mentions``."""
        allowed = payload.get("allowed_mentions")
        ids = [int(i) for i in re.findall(r"<@!?(\d+)>", content)]
        if allowed is not None:
            explicit = {int(u) for u in allowed.get("users", [])}
            parse = allowed.get("parse", [])
            ids = [i for i in ids if "users" in parse or i in explicit]
        users = [self.world.get_user(i) for i in dict.fromkeys(ids)]
        return [u.payload() for u in users if u is not None]

    def _edit_message(
        self, message: dict[str, Any], payload: dict[str, Any], files: list[RecordedFile]
    ) -> dict[str, Any]:
        if "content" in payload:
            message["content"] = payload["content"] or ""
        if "components" in payload:
            message["components"] = payload["components"] or []
        if "embeds" in payload:
            message["embeds"] = [self._embed(e) for e in payload["embeds"] or []]
        if "attachments" in payload or files:
            message["attachments"] = self._attachments(
                int(message["channel_id"]), payload, files, message["attachments"]
            )
        if "flags" in payload and payload["flags"] is not None:
            message["flags"] = (message["flags"] & (EPHEMERAL | LOADING)) | int(payload["flags"])
        message["flags"] &= ~LOADING
        message["edited_timestamp"] = iso_now()
        self._notify()
        return message

    async def _echo(self, event: str, message: dict[str, Any]) -> None:
        if self.echo_bot_messages and not message["flags"] & EPHEMERAL:
            await self._dispatch_if_connected(event, message)

    # ------------------------------------------------------------------ REST plumbing

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
            ("PUT", react, self._react, True),
            ("DELETE", react, self._unreact, True),
            ("GET", rf"/guilds/{guild}", self._get_guild, True),
            ("GET", rf"/guilds/{guild}/channels", self._get_guild_channels, True),
            ("GET", rf"/guilds/{guild}/roles", self._get_guild_roles, True),
            ("GET", rf"/guilds/{guild}/members/(?P<user>\d+)", self._get_member, True),
        ]  # fmt: skip
        return [(m, re.compile(p), h, auth) for m, p, h, auth in table]

    async def _read_body(self, request: web.Request) -> tuple[Any, list[RecordedFile]]:
        if not request.body_exists:
            return None, []
        if request.content_type.startswith("multipart/"):
            payload: Any = None
            files: list[RecordedFile] = []
            reader = await request.multipart()
            async for part in reader:
                data = await part.read(decode=False)  # type: ignore[union-attr]
                if part.name == "payload_json":
                    payload = json.loads(data.decode())
                else:
                    content_type = part.headers.get("Content-Type", "application/octet-stream")
                    name = part.filename or part.name or ""
                    files.append(RecordedFile(part.name or "", name, content_type, bytes(data)))
            return payload, files
        raw = await request.read()
        if not raw:
            return None, []
        try:
            return json.loads(raw), []
        except ValueError:
            return raw.decode(errors="replace"), []

    async def _handle_rest(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        body, files = await self._read_body(request)
        headers = {k: v for k, v in request.headers.items() if k.lower() != "authorization"}
        record = RecordedRequest(
            method=request.method,
            path=path,
            query=dict(request.query),
            json=body,
            files=files,
            headers=headers,
            authorized=request.headers.get("Authorization") == f"Bot {self.token}",
            index=len(self.requests),
        )
        reply_headers: dict[str, str] = {}
        fault = next((f for f in self.faults if f.applies_to(request.method, path)), None)
        if fault is not None:
            fault.hits.append(record)
            record.injected = True
            status, reply_headers, data = fault.response()
        else:
            status, data = await self._route(record)
        record.status, record.response = status, data
        self.requests.append(record)
        self._notify()
        if data is None:
            return web.Response(status=status, headers=reply_headers)
        reply_headers["Content-Type"] = "application/json"
        return web.Response(status=status, body=json.dumps(data).encode(), headers=reply_headers)

    async def _route(self, record: RecordedRequest) -> tuple[int, Any]:
        path_matched = False
        for method, pattern, handler, needs_auth in self._routes:
            match = pattern.fullmatch(record.path)
            if match is None:
                continue
            path_matched = True
            if method != record.method:
                continue
            if needs_auth and not record.authorized:
                return _error(401, 0, "401: Unauthorized")
            try:
                return await handler(record, **match.groupdict())
            except FakeDiscordError as exc:
                return _error(400, 0, str(exc))
        self.unhandled.append(record)
        if path_matched:
            return _error(405, 0, "405: Method Not Allowed")
        return _error(404, 0, "404: Not Found")

    async def _handle_attachment(self, request: web.Request) -> web.StreamResponse:
        data = self.attachments.get(int(request.match_info["id"]))
        if data is None:
            return web.Response(status=404)
        return web.Response(body=data)

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
        return (200, found.payload()) if found else _error(404, 10013, "Unknown User")

    async def _create_dm(self, r: RecordedRequest) -> tuple[int, Any]:
        found = self.world.get_user(int((r.json or {}).get("recipient_id", 0)))
        if found is None:
            return _error(404, 10013, "Unknown User")
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
            return _error(403, 50001, "Missing Access")
        specs = r.json or []
        names = [(c["name"], c.get("type", 1)) for c in specs]
        if len(names) != len(set(names)):
            return _error(400, 50035, "Invalid Form Body: duplicate command names")
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
            return _error(404, 10062, "Unknown interaction")
        if ix.callback is not None:
            return _error(400, 40060, "Interaction has already been acknowledged.")
        age = asyncio.get_running_loop().time() - ix.created
        if self.interaction_deadline is not None and age > self.interaction_deadline:
            return _error(404, 10062, "Unknown interaction")
        body = r.json or {}
        kind = body.get("type")
        data = body.get("data") or {}
        message: dict[str, Any] | None = None
        if kind in (CHANNEL_MESSAGE, UPDATE_MESSAGE):
            errors = limits.message_errors(data)
            if errors:
                return 400, limits.invalid_form_body(errors)
        if kind == CHANNEL_MESSAGE:
            if not (data.get("content") or data.get("embeds") or r.files or data.get("components")):
                return _error(400, 50006, "Cannot send an empty message")
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
                return _error(400, 40004, "This interaction has no message to update")
            ix.original_message_id = ix.source_message_id
            message = self.messages[ix.source_message_id]
            if kind == UPDATE_MESSAGE:
                self._edit_message(message, data, r.files)
                await self._echo("MESSAGE_UPDATE", message)
        elif kind == AUTOCOMPLETE_RESULT:
            if ix.type != AUTOCOMPLETE:
                return _error(400, 50035, "Invalid Form Body: not an autocomplete interaction")
            errors = limits.autocomplete_errors(data)
            if errors:
                return 400, limits.invalid_form_body(errors)
            ix.choices = data.get("choices") or []
        elif kind == MODAL:
            if ix.type == MODAL_SUBMIT:
                return _error(400, 50035, "Invalid Form Body: cannot answer a modal with a modal")
            errors = limits.modal_errors(data)
            if errors:
                return 400, limits.invalid_form_body(errors)
            ix.modal = data
        elif kind != 1:
            return _error(400, 50035, f"Invalid Form Body: unsupported callback type {kind}")
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
            return _error(404, 10015, "Unknown Webhook")
        data = r.json or {}
        errors = limits.message_errors(data)
        if errors:
            return 400, limits.invalid_form_body(errors)
        if not (data.get("content") or data.get("embeds") or r.files or data.get("components")):
            return _error(400, 50006, "Cannot send an empty message")
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
            return _error(404, 10015, "Unknown Webhook")
        except _UnknownMessage:
            return _error(404, 10008, "Unknown Message")

    async def _wh_edit(
        self, r: RecordedRequest, app: str, token: str, message: str
    ) -> tuple[int, Any]:
        try:
            found = self._webhook_message(app, token, message)
        except _UnknownWebhook:
            return _error(404, 10015, "Unknown Webhook")
        except _UnknownMessage:
            return _error(404, 10008, "Unknown Message")
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
            return _error(404, 10015, "Unknown Webhook")
        except _UnknownMessage:
            return _error(404, 10008, "Unknown Message")
        del self.messages[int(found["id"])]
        self._notify()
        return 204, None

    # ------------------------------------------------------------------ REST: channels

    async def _get_channel(self, _r: RecordedRequest, channel: str) -> tuple[int, Any]:
        found = self.world.get_channel(int(channel))
        return (200, found.payload()) if found else _error(404, 10003, "Unknown Channel")

    async def _post_message(self, r: RecordedRequest, channel: str) -> tuple[int, Any]:
        found = self.world.get_channel(int(channel))
        if found is None:
            return _error(404, 10003, "Unknown Channel")
        data = r.json or {}
        errors = limits.message_errors(data)
        if errors:
            return 400, limits.invalid_form_body(errors)
        if not (data.get("content") or data.get("embeds") or r.files or data.get("components")
                or data.get("sticker_ids") or data.get("poll")):  # fmt: skip
            return _error(400, 50006, "Cannot send an empty message")
        message = self._message_from_payload(found, data, r.files)
        reference = data.get("message_reference")
        if reference:
            ref_id = int(reference.get("message_id", 0))
            referenced = self.messages.get(ref_id)
            if referenced is None and reference.get("fail_if_not_exists", True):
                return 400, limits.invalid_form_body(
                    {"message_reference": "Unknown message"}
                )  # fmt: skip
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

    def _channel_message(self, channel: str, message: str) -> dict[str, Any] | None:
        found = self.messages.get(int(message))
        return found if found is not None and found["channel_id"] == channel else None

    async def _get_message(
        self, _r: RecordedRequest, channel: str, message: str
    ) -> tuple[int, Any]:
        found = self._channel_message(channel, message)
        return (200, found) if found else _error(404, 10008, "Unknown Message")

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
            return _error(404, 10008, "Unknown Message")
        if found["author"]["id"] != str(self.bot_user.id):
            return _error(403, 50005, "Cannot edit a message authored by another user")
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
            return _error(404, 10008, "Unknown Message")
        del self.messages[int(message)]
        self._notify()
        return 204, None

    async def _react(
        self, _r: RecordedRequest, channel: str, message: str, emoji: str
    ) -> tuple[int, Any]:
        found = self._channel_message(channel, message)
        if found is None:
            return _error(404, 10008, "Unknown Message")
        found.setdefault("fake_reactions", []).append(emoji)
        return 204, None

    async def _unreact(
        self, _r: RecordedRequest, channel: str, message: str, emoji: str
    ) -> tuple[int, Any]:
        found = self._channel_message(channel, message)
        if found is None:
            return _error(404, 10008, "Unknown Message")
        reactions = found.setdefault("fake_reactions", [])
        if emoji in reactions:
            reactions.remove(emoji)
        return 204, None

    # ------------------------------------------------------------------ REST: guilds

    async def _get_guild(self, _r: RecordedRequest, guild: str) -> tuple[int, Any]:
        found = self.world.get_guild(int(guild))
        if found is None:
            return _error(404, 10004, "Unknown Guild")
        data = found.payload()
        for key in ("channels", "members", "threads", "presences", "voice_states"):
            data.pop(key)
        return 200, data

    async def _get_guild_channels(self, _r: RecordedRequest, guild: str) -> tuple[int, Any]:
        found = self.world.get_guild(int(guild))
        if found is None:
            return _error(404, 10004, "Unknown Guild")
        return 200, [c.payload() for c in found.channels]

    async def _get_guild_roles(self, _r: RecordedRequest, guild: str) -> tuple[int, Any]:
        found = self.world.get_guild(int(guild))
        if found is None:
            return _error(404, 10004, "Unknown Guild")
        return 200, [r.payload() for r in found.roles]

    async def _get_member(self, _r: RecordedRequest, guild: str, user: str) -> tuple[int, Any]:
        found = self.world.get_guild(int(guild))
        member = found.get_member(int(user)) if found else None
        return (200, member.payload()) if member else _error(404, 10007, "Unknown Member")


class _UnknownWebhook(Exception):
    pass


class _UnknownMessage(Exception):
    pass
