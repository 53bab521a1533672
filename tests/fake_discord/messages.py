"""Messages as Discord stores them: created from a bot's payload or a user's text, edited,
with uploaded files turned into attachment objects."""

from __future__ import annotations

import re
from typing import Any

from .interactions import SentInteraction
from .records import RecordedFile
from .world import FakeChannel, FakeUser, iso_now, new_snowflake

EPHEMERAL = 1 << 6
LOADING = 1 << 7


class MessageStore:
    """Mixin of FakeDiscord: ``messages`` (id -> dict) and ``attachments`` (id -> bytes)."""

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
        entries = declared if declared is not None else [{"id": i} for i in range(len(files))]
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
        self._set_pings(message, payload)
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

    def _set_pings(self, message: dict[str, Any], payload: dict[str, Any]) -> None:
        """Who a bot message pings: ``<@user>``, ``<@&role>`` and @everyone/@here in its
        content, filtered by ``allowed_mentions`` (absent = Discord's default: all).
        The bot's Mention Everyone permission is not checked, so a test can assert from
        ``mentions``/``mention_roles``/``mention_everyone`` that a message pings nobody."""
        content = message["content"]
        allowed = payload.get("allowed_mentions")
        parse = ["users", "roles", "everyone"] if allowed is None else allowed.get("parse", [])
        users = {int(u) for u in (allowed or {}).get("users", [])}
        roles = {int(r) for r in (allowed or {}).get("roles", [])}
        user_ids = [int(i) for i in re.findall(r"<@!?(\d+)>", content)]
        role_ids = [int(i) for i in re.findall(r"<@&(\d+)>", content)]
        wanted = [i for i in dict.fromkeys(user_ids) if "users" in parse or i in users]
        pinged = [self.world.get_user(i) for i in wanted]
        message["mentions"] = [u.payload() for u in pinged if u is not None]
        message["mention_roles"] = [
            str(i) for i in dict.fromkeys(role_ids) if "roles" in parse or i in roles
        ]
        everyone = re.search(r"@(everyone|here)\b", content) is not None
        message["mention_everyone"] = everyone and "everyone" in parse

    def _edit_message(
        self, message: dict[str, Any], payload: dict[str, Any], files: list[RecordedFile]
    ) -> dict[str, Any]:
        if "content" in payload:
            message["content"] = payload["content"] or ""
            self._set_pings(message, payload)
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
