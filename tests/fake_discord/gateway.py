"""The gateway websocket: HELLO, IDENTIFY/READY/GUILD_CREATE, heartbeats, RESUME, dispatch.

A client that identifies with ``shard: [id, count]`` gets only the guilds Discord would route to
that shard, (guild_id >> 22) % count == id, and their events (direct messages go to shard 0).

discord.py asks for ``compress=zlib-stream`` (or ``zstd-stream`` when a zstd module is
installed) in the URL. For zlib-stream the fake compresses every frame with one shared zlib
context flushed with Z_SYNC_FLUSH, exactly what discord.py's decompressor expects. For any
other value it sends plain text frames, which discord.py also accepts (only binary frames
are decompressed).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

if TYPE_CHECKING:
    from .server import FakeDiscord

DISPATCH, HEARTBEAT, IDENTIFY, PRESENCE, VOICE = 0, 1, 2, 3, 4
RESUME, RECONNECT, REQUEST_MEMBERS, INVALID_SESSION, HELLO, HEARTBEAT_ACK = 6, 7, 8, 9, 10, 11

# Close codes discord.py reacts to.
NOT_AUTHENTICATED = 4003
AUTHENTICATION_FAILED = 4004
ALREADY_AUTHENTICATED = 4005
INVALID_SHARD = 4010
DISALLOWED_INTENTS = 4014

GUILDS = 1 << 0
GUILD_MEMBERS = 1 << 1
GUILD_PRESENCES = 1 << 8
GUILD_MESSAGES = 1 << 9
DIRECT_MESSAGES = 1 << 12
MESSAGE_CONTENT = 1 << 15
PRIVILEGED_INTENTS = GUILD_MEMBERS | GUILD_PRESENCES | MESSAGE_CONTENT


@dataclass(eq=False)
class GatewaySession:
    """One identified session; survives a dropped connection so RESUME can replay events."""

    id: str
    identify: dict[str, Any]
    seq: int = 0
    events: list[dict[str, Any]] = field(default_factory=list)
    connection: GatewayConnection | None = None
    resumes: int = 0

    @property
    def intents(self) -> int:
        return int(self.identify.get("intents", 0))

    def has_intent(self, bit: int) -> bool:
        return bool(self.intents & bit)

    @property
    def shard(self) -> tuple[int, int]:
        """(shard_id, shard_count) from IDENTIFY; (0, 1) when the client does not shard."""
        value = self.identify.get("shard") or (0, 1)
        return int(value[0]), int(value[1])

    def covers(self, guild_id: int | None) -> bool:
        """Discord's routing: a guild's events go to shard (guild_id >> 22) % shard_count,
        direct messages to shard 0."""
        shard_id, count = self.shard
        return shard_id == (0 if guild_id is None else (guild_id >> 22) % count)


class GatewayConnection:
    """One websocket from a client."""

    def __init__(self, fake: FakeDiscord, ws: web.WebSocketResponse, query: dict[str, str]):
        self.fake = fake
        self.ws = ws
        self.query = query
        self.session: GatewaySession | None = None
        self.heartbeats = 0
        self.received: list[dict[str, Any]] = []
        self._lock = asyncio.Lock()
        self._zlib = zlib.compressobj() if query.get("compress") == "zlib-stream" else None

    @property
    def open(self) -> bool:
        return not self.ws.closed

    async def send(self, payload: dict[str, Any]) -> None:
        text = json.dumps(payload)
        async with self._lock:
            if self.ws.closed:
                return
            if self._zlib is not None:
                data = self._zlib.compress(text.encode()) + self._zlib.flush(zlib.Z_SYNC_FLUSH)
                await self.ws.send_bytes(data)
            else:
                await self.ws.send_str(text)

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        session = self.session
        assert session is not None
        session.seq += 1
        payload = {"op": DISPATCH, "t": event, "s": session.seq, "d": data}
        session.events.append(payload)
        await self.send(payload)

    async def close(self, code: int, message: str = "") -> None:
        await self.ws.close(code=code, message=message.encode())

    async def run(self) -> None:
        interval = self.fake.heartbeat_interval_ms
        await self.send({"op": HELLO, "d": {"heartbeat_interval": interval}, "s": None, "t": None})
        async for msg in self.ws:
            if msg.type == WSMsgType.TEXT:
                payload = json.loads(msg.data)
            elif msg.type == WSMsgType.BINARY:
                payload = json.loads(msg.data.decode())
            else:
                break
            self.received.append(payload)
            self.fake._notify()
            await self._handle(payload)

    async def _handle(self, payload: dict[str, Any]) -> None:
        op, data = payload.get("op"), payload.get("d")
        if op == HEARTBEAT:
            self.heartbeats += 1
            await self.send({"op": HEARTBEAT_ACK})
        elif op == IDENTIFY:
            await self._identify(data)
        elif op == RESUME:
            await self._resume(data)
        elif self.session is None:
            await self.close(NOT_AUTHENTICATED, "Not authenticated.")
        elif op == REQUEST_MEMBERS:
            await self._request_members(data)
        elif op == PRESENCE:
            self.fake.presence_updates.append(data)

    async def _identify(self, data: dict[str, Any]) -> None:
        fake = self.fake
        fake.identifies.append(data)
        if self.session is not None:
            await self.close(ALREADY_AUTHENTICATED, "Already authenticated.")
            return
        if data.get("token") != fake.token:
            await self.close(AUTHENTICATION_FAILED, "Authentication failed.")
            return
        intents = int(data.get("intents", 0))
        if intents & PRIVILEGED_INTENTS & ~fake.allowed_privileged_intents:
            await self.close(DISALLOWED_INTENTS, "Disallowed intent(s).")
            return
        shard = data.get("shard")
        if shard is not None and not 0 <= int(shard[0]) < int(shard[1]):
            await self.close(INVALID_SHARD, "Invalid shard.")
            return
        self.session = GatewaySession(id=secrets.token_hex(16), identify=data, connection=self)
        fake.sessions[self.session.id] = self.session
        guilds = [g for g in fake.world.guilds if self.session.covers(g.id)]
        ready: dict[str, Any] = {
            "v": 10,
            "user": {**fake.bot_user.payload(), "verified": True, "mfa_enabled": False},
            "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "session_id": self.session.id,
            "session_type": "normal",
            "resume_gateway_url": fake.gateway_url,
            "application": {"id": str(fake.application_id), "flags": fake.application_flags},
            "private_channels": [],
            "presences": [],
            "relationships": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "user_settings": {},
            "_trace": ["fake-discord"],
        }
        if "shard" in data:
            ready["shard"] = data["shard"]
        await self.dispatch("READY", ready)
        for guild in guilds:
            if intents & GUILDS:
                await self.dispatch("GUILD_CREATE", guild.payload())
        fake._notify()

    async def _resume(self, data: dict[str, Any]) -> None:
        fake = self.fake
        session = fake.sessions.get(data.get("session_id", ""))
        if session is None or data.get("token") != fake.token:
            await self.send({"op": INVALID_SESSION, "d": False})
            return
        old = session.connection
        session.connection = self
        session.resumes += 1
        self.session = session
        if old is not None and old is not self and old.open:
            with contextlib.suppress(Exception):
                await old.close(4000, "Session resumed elsewhere.")
        seen = int(data.get("seq") or 0)
        for event in [e for e in session.events if e["s"] > seen]:
            await self.send(event)
        await self.dispatch("RESUMED", {"_trace": ["fake-discord"]})
        fake._notify()

    async def _request_members(self, data: dict[str, Any]) -> None:
        guild = self.fake.world.get_guild(int(data["guild_id"]))
        if guild is None:
            return
        members = guild.members
        if data.get("user_ids"):
            ids = {int(i) for i in data["user_ids"]}
            members = [m for m in members if m.user.id in ids]
        elif data.get("query"):
            prefix = data["query"].lower()
            members = [m for m in members if m.user.username.lower().startswith(prefix)]
        if data.get("limit"):
            members = members[: int(data["limit"])]
        chunk: dict[str, Any] = {
            "guild_id": str(guild.id),
            "members": [m.payload() for m in members],
            "chunk_index": 0,
            "chunk_count": 1,
        }
        if data.get("nonce") is not None:
            chunk["nonce"] = data["nonce"]
        if data.get("presences"):
            chunk["presences"] = []
        await self.dispatch("GUILD_MEMBERS_CHUNK", chunk)
