"""FakeDiscord: an aiohttp server on 127.0.0.1 speaking enough Discord for discord.py.

One instance holds the world (guilds, members), every message ever created, every REST
request received, the synced commands and the gateway sessions, so a test can restart the
bot against the same instance and click a button on a message sent before the restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, TypeVar

import discord
from aiohttp import web

from .actions import UserActions
from .gateway import (
    DIRECT_MESSAGES,
    GUILD_MESSAGES,
    PRIVILEGED_INTENTS,
    GatewayConnection,
    GatewaySession,
)
from .interactions import (
    FakeDiscordError,
    SentInteraction,
)
from .messages import MessageStore
from .records import FaultRule, RecordedFile, RecordedRequest
from .rest import RestApi, error_reply
from .world import (
    FakeChannel,
    FakeMember,
    FakeUser,
    default_world,
)

T = TypeVar("T")


def _stop_views(client: discord.Client) -> None:
    """Stop the views a closed client still tracks: their timeout tasks outlive
    ``Client.close()``, which is harmless at process exit but leaks into the next test."""
    store = getattr(client._connection, "_view_store", None)
    for items in list(getattr(store, "_views", {}).values()):
        for item in list(items.values()):
            if item.view is not None:
                item.view.stop()


class FakeDiscord(UserActions, MessageStore, RestApi):
    """A Discord emulator for one test. Use ``async with FakeDiscord() as fake`` or the
    ``fake_discord`` pytest fixture. See the package docstring for the API."""

    def __init__(
        self,
        *,
        token: str = "ZmFrZS1kaXNjb3JkLWJvdA.ZmFrZQ.ZmFrZS1ib3QtdG9rZW4tZm9yLXRlc3Rz",
        interaction_deadline: float | None = 3.0,
        strict_commands: bool = False,
        allowed_privileged_intents: int = PRIVILEGED_INTENTS,
        echo_bot_messages: bool = True,
        heartbeat_interval_ms: int = 41_250,
    ) -> None:
        self.token = token
        self.interaction_deadline = interaction_deadline
        self.clients: list[discord.Client] = []  # the clients `running` runs now
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
        self._via_shard: int | None = None
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
        ``guild_ready_timeout``, e.g. 0.05, or ready takes discord.py's default 2 s).
        A startup failure (bad token, disallowed intents) or a crash of the client task
        is raised here.
        """
        if patch:
            self.patch_discord_py()
        task = asyncio.create_task(client.start(self.token), name="fake-discord-client")
        self.clients.append(client)
        try:
            await self.wait_until(
                lambda: client.is_ready() or task.done(), ready_timeout, "the client's on_ready"
            )
            if task.done():
                task.result()  # raises the client's startup error
                raise AssertionError("the client stopped before it was ready")
            yield client
        finally:
            self.clients.remove(client)
            await client.close()
            _stop_views(client)
            await asyncio.wait({task}, timeout=5.0)
            if not task.done():
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        if not task.cancelled() and task.exception() is not None:
            raise task.exception()  # type: ignore[misc]

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
                raise AssertionError(
                    f"timed out after {timeout}s waiting for {what}; recent requests:\n  {recent}"
                )
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

    async def wait_for_session(
        self, timeout: float = 5.0, *, guild_id: int | None = None, routed: bool = False
    ) -> GatewaySession:
        """The most recent identified session with an open connection; `routed`: the one
        whose shard Discord routes `guild_id`'s events to (None: direct messages)."""
        return await self.wait_until(
            lambda: self._live_session(guild_id, routed), timeout, "an identified gateway session"
        )

    def _live_session(
        self, guild_id: int | None = None, routed: bool = False
    ) -> GatewaySession | None:
        live = [s for s in self.sessions.values() if s.connection and s.connection.open]
        if self._via_shard is not None:
            live = [s for s in live if s.shard[0] == self._via_shard]
        elif routed:
            live = [s for s in live if s.covers(guild_id)]
        return live[-1] if live else None

    @contextlib.contextmanager
    def via_shard(self, shard_id: int) -> Iterator[None]:
        """Deliver the block's user actions to shard `shard_id` whatever their guild: the
        guild's events as another process would get them after a resharding, to show that
        state lives in the shared database, not in the process."""
        self._via_shard = shard_id
        try:
            yield
        finally:
            self._via_shard = None

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
        guild_id = int(data["guild_id"]) if data.get("guild_id") else None
        session = self._live_session(guild_id, routed=True)
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

    # ------------------------------------------------------------------ REST plumbing

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
                return error_reply(401, 0, "401: Unauthorized")
            try:
                return await handler(record, **match.groupdict())
            except FakeDiscordError as exc:
                return error_reply(400, 0, str(exc))
        self.unhandled.append(record)
        if path_matched:
            return error_reply(405, 0, "405: Method Not Allowed")
        return error_reply(404, 0, "404: Not Found")

    async def _handle_attachment(self, request: web.Request) -> web.StreamResponse:
        data = self.attachments.get(int(request.match_info["id"]))
        if data is None:
            return web.Response(status=404)
        return web.Response(body=data)
