"""INTERACTION_CREATE payloads as Discord builds them, and the handle a test keeps for each.

Option types come from the command the bot synced to the fake when there is one (so a test
fails, like Discord would refuse, when it uses an option the command does not declare);
otherwise they are inferred from the Python values given.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .records import RecordedRequest
from .world import FakeAttachment, FakeChannel, FakeMember, FakeRole, FakeUser

if TYPE_CHECKING:
    from .server import FakeDiscord

# Interaction types
PING, APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 1, 2, 3, 4, 5
# Application command types
CHAT_INPUT, USER_COMMAND, MESSAGE_COMMAND = 1, 2, 3
# Option types
SUB_COMMAND, SUB_COMMAND_GROUP, STRING, INTEGER, BOOLEAN = 1, 2, 3, 4, 5
USER, CHANNEL, ROLE, MENTIONABLE, NUMBER, ATTACHMENT = 6, 7, 8, 9, 10, 11
# Callback types
DEFERRED_CHANNEL_MESSAGE, CHANNEL_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE = 5, 4, 6, 7
AUTOCOMPLETE_RESULT, MODAL = 8, 9

SELECT_TYPES = {3, 5, 6, 7, 8}
INTERACTIVE_TYPES = {2} | SELECT_TYPES


class FakeDiscordError(AssertionError):
    """The test asked for something Discord's own client could not do."""


@dataclass(eq=False)
class SentInteraction:
    """An interaction the fake dispatched; collects what the bot did with it."""

    fake: FakeDiscord
    id: int
    token: str
    type: int
    payload: dict[str, Any]
    channel: FakeChannel
    user: FakeUser
    created: float
    source_message_id: int | None = None
    shard: int = 0  # the shard of the gateway session it was delivered to
    callback: RecordedRequest | None = None
    original_message_id: int | None = None
    followup_message_ids: list[int] = field(default_factory=list)
    modal: dict[str, Any] | None = None
    choices: list[dict[str, Any]] | None = None

    @property
    def callback_type(self) -> int | None:
        return self.callback.json["type"] if self.callback else None

    @property
    def original(self) -> dict[str, Any] | None:
        """The interaction's response message as Discord holds it now (None before any)."""
        if self.original_message_id is None:
            return None
        return self.fake.messages.get(self.original_message_id)

    @property
    def followups(self) -> list[dict[str, Any]]:
        """Messages produced by follow-up requests, in order (current state)."""
        return [self.fake.messages[i] for i in self.followup_message_ids if i in self.fake.messages]

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every REST request that used this interaction's id or token."""
        return [r for r in self.fake.requests if self._mine(r)]

    def _mine(self, request: RecordedRequest) -> bool:
        return f"/{self.token}" in request.path

    async def wait_callback(self, timeout: float = 5.0) -> RecordedRequest:
        """The accepted initial response (POST .../callback); ``.json["type"]`` is 4/5/6/7/8/9."""
        return await self.fake.wait_until(
            lambda: self.callback, timeout, f"a callback for interaction {self.id}"
        )

    async def wait_followup(self, index: int = 0, timeout: float = 5.0) -> RecordedRequest:
        """The ``index``-th accepted follow-up request (POST /webhooks/{app}/{token})."""
        path = rf"/webhooks/\d+/{re.escape(self.token)}"
        return await self.fake.wait_for_request("POST", path, ok=True, nth=index, timeout=timeout)

    async def wait_original(self, timeout: float = 5.0) -> dict[str, Any]:
        """The response message once it has content (not a "thinking..." placeholder)."""

        def ready() -> dict[str, Any] | None:
            msg = self.original
            return msg if msg is not None and not msg["flags"] & 128 else None

        return await self.fake.wait_until(ready, timeout, f"a response to interaction {self.id}")

    async def wait_request(
        self, method: str, suffix_regex: str = "", timeout: float = 5.0
    ) -> RecordedRequest:
        """An accepted request on this interaction's callback or webhook,
        e.g. ``wait_request("PATCH", "/messages/@original")``."""
        path = rf"/(webhooks/\d+|interactions/{self.id})/{re.escape(self.token)}{suffix_regex}"
        return await self.fake.wait_for_request(method, path, ok=True, timeout=timeout)


def _option_type(value: Any) -> int:
    if isinstance(value, FakeAttachment):
        return ATTACHMENT
    if isinstance(value, bool):
        return BOOLEAN
    if isinstance(value, int):
        return INTEGER
    if isinstance(value, float):
        return NUMBER
    if isinstance(value, FakeUser | FakeMember):
        return USER
    if isinstance(value, FakeChannel):
        return CHANNEL
    if isinstance(value, FakeRole):
        return ROLE
    return STRING


def _resolve(value: Any, resolved: dict[str, dict[str, Any]]) -> str:
    """Adds an entity option value to ``resolved`` and returns its id string."""
    if isinstance(value, FakeMember):
        resolved.setdefault("users", {})[str(value.id)] = value.user.payload()
        member = value.payload(with_user=False, with_permissions=True)
        resolved.setdefault("members", {})[str(value.id)] = member
        return str(value.id)
    if isinstance(value, FakeUser):
        resolved.setdefault("users", {})[str(value.id)] = value.payload()
        return str(value.id)
    if isinstance(value, FakeChannel):
        channel = {**value.payload(), "permissions": str(0)}
        resolved.setdefault("channels", {})[str(value.id)] = channel
        return str(value.id)
    if isinstance(value, FakeRole):
        resolved.setdefault("roles", {})[str(value.id)] = value.payload()
        return str(value.id)
    if isinstance(value, FakeAttachment) and value.payload is not None:
        resolved.setdefault("attachments", {})[value.payload["id"]] = value.payload
        return value.payload["id"]
    raise FakeDiscordError(f"cannot resolve {value!r}")


def _leaf_options(
    command: str,
    values: dict[str, Any],
    schema: list[dict[str, Any]] | None,
    focused: str | None,
    resolved: dict[str, dict[str, Any]],
) -> list[dict[str, Any]]:
    by_name = {o["name"]: o for o in schema} if schema is not None else None
    if by_name is not None:
        unknown = set(values) - set(by_name)
        if unknown:
            raise FakeDiscordError(f"/{command} has no option(s) {sorted(unknown)}")
        missing = [n for n, o in by_name.items() if o.get("required") and n not in values]
        if missing and focused is None:
            raise FakeDiscordError(f"/{command} requires option(s) {missing}")
    options = []
    for name, value in values.items():
        spec = by_name[name] if by_name is not None else None
        kind = spec["type"] if spec else _option_type(value)
        if name == focused:
            if spec is not None and not spec.get("autocomplete"):
                raise FakeDiscordError(f"/{command} option {name!r} has no autocomplete")
            options.append({"name": name, "type": kind, "value": value, "focused": True})
            continue
        if kind in (USER, CHANNEL, ROLE, MENTIONABLE, ATTACHMENT):
            value = _resolve(value, resolved)
        elif spec is not None and spec.get("choices"):
            allowed = [c["value"] for c in spec["choices"]]
            if value not in allowed:
                raise FakeDiscordError(f"/{command} {name}={value!r} is not one of {allowed}")
        options.append({"name": name, "type": kind, "value": value})
    return options


def command_data(
    path: str,
    values: dict[str, Any],
    synced: dict[str, Any] | None,
    fallback_id: int,
    focused: str | None = None,
) -> dict[str, Any]:
    """``data`` for a chat-input command; ``path`` is "name" or "group sub" or "name sub"."""
    names = path.split()
    resolved: dict[str, dict[str, Any]] = {}
    schema = synced.get("options", []) if synced else None
    chain: list[tuple[str, int]] = []
    for name in names[1:]:
        spec = None
        if schema is not None:
            spec = next((o for o in schema if o["name"] == name and o["type"] in (1, 2)), None)
            if spec is None:
                raise FakeDiscordError(f"/{names[0]} has no subcommand {name!r}")
            schema = spec.get("options", [])
        chain.append((name, spec["type"] if spec else SUB_COMMAND))
    if synced is None and chain:
        # Without a schema: the last name is the subcommand, any before it a group.
        chain = [(n, SUB_COMMAND_GROUP) for n, _ in chain[:-1]] + [(chain[-1][0], SUB_COMMAND)]
    options = _leaf_options(path, values, schema, focused, resolved)
    for name, kind in reversed(chain):
        options = [{"name": name, "type": kind, "options": options}]
    data: dict[str, Any] = {
        "id": str(synced["id"]) if synced else str(fallback_id),
        "name": names[0],
        "type": CHAT_INPUT,
        "options": options,
    }
    if synced and synced.get("guild_id"):
        data["guild_id"] = synced["guild_id"]
    if resolved:
        data["resolved"] = resolved
    return data


def flatten_components(components: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every component inside rows, labels, sections and containers, depth first."""
    found = []
    for component in components:
        found.append(component)
        found.extend(flatten_components(component.get("components") or []))
        for key in ("component", "accessory"):
            if isinstance(component.get(key), dict):
                found.extend(flatten_components([component[key]]))
    return found


def modal_submit_components(
    modal: dict[str, Any], values: dict[str, Any]
) -> tuple[list[dict[str, Any]], set[str]]:
    """The submitted ``components`` mirroring the modal's layout.

    ``values`` is keyed by an input's custom_id or its label. Returns the components and
    the keys used (so unknown keys can be reported).
    """
    used: set[str] = set()

    def submitted(item: dict[str, Any], label: str | None) -> dict[str, Any] | None:
        custom_id = item.get("custom_id")
        if custom_id is None:
            return None
        label = item.get("label") or label
        key = custom_id if custom_id in values else label if label in values else None
        if key is not None:
            used.add(key)
        value = values.get(key) if key is not None else None
        if item["type"] == 4:
            text = "" if value is None else str(value)
            if item.get("required", True) and not text:
                raise FakeDiscordError(f"modal input {label or custom_id!r} is required")
            return {"type": 4, "id": item.get("id", 0), "custom_id": custom_id, "value": text}
        if item["type"] in SELECT_TYPES:
            chosen = [] if value is None else [value] if isinstance(value, str) else list(value)
            if item["type"] == 3:
                allowed = [o["value"] for o in item.get("options", [])]
                bad = [v for v in chosen if v not in allowed]
                if bad:
                    raise FakeDiscordError(f"select {label or custom_id!r}: {bad} not in {allowed}")
            if item.get("required", True) and not chosen:
                raise FakeDiscordError(f"modal select {label or custom_id!r} is required")
            kind = item["type"]
            return {"type": kind, "id": item.get("id", 0), "custom_id": custom_id, "values": chosen}
        return None

    out: list[dict[str, Any]] = []
    for top in modal.get("components", []):
        if top["type"] == 1:
            row = [c for c in (submitted(i, None) for i in top.get("components", [])) if c]
            out.append({"type": 1, "id": top.get("id", 0), "components": row})
        elif top["type"] == 18:
            inner = submitted(top["component"], top.get("label"))
            if inner:
                out.append({"type": 18, "id": top.get("id", 0), "component": inner})
    return out, used
