"""pytest fixtures for the fake Discord server (registered in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from .server import FakeDiscord


@pytest.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    """A started FakeDiscord on 127.0.0.1:<ephemeral>; stopped, and discord.py's
    Route.BASE / DEFAULT_GATEWAY restored, after the test."""
    import discord

    saved = (discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
    async with FakeDiscord() as fake:
        yield fake
    # The bot under test may have set these itself from its settings.
    discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = saved
