"""The suite's guard: tests never reach an address off this machine (tests/conftest.py)."""

from __future__ import annotations

import asyncio
import socket

import aiohttp
import pytest


def test_a_connection_off_the_machine_fails_at_once() -> None:
    with (
        socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock,
        pytest.raises(OSError, match=r"127\.0\.0\.1 only"),
    ):
        sock.connect(("192.0.2.1", 443))  # TEST-NET-1: refused here, before a packet is sent


def test_a_name_lookup_fails_at_once() -> None:
    with pytest.raises(socket.gaierror, match="only localhost"):
        socket.getaddrinfo("discord.com", 443)


async def test_discord_py_s_http_client_cannot_reach_discord() -> None:
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.ClientConnectorError, match="only localhost"):
            await session.get("https://discord.com/api/v10/gateway")


async def test_loopback_still_works() -> None:
    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"ok")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        reader, writer = await asyncio.open_connection("localhost", port)
        assert await reader.read() == b"ok"
        writer.close()
