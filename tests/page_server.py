"""A web server on 127.0.0.1 for the link-fetching tests: pages, PDFs, redirects, a server
that never answers, an endless body. It stops itself when the test's context ends."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web


@asynccontextmanager
async def page_server(routes: dict[str, web.StreamResponse | object]) -> AsyncIterator[str]:
    """Serve `routes` (path -> handler) on a free loopback port; yields the base URL."""
    app = web.Application()
    for path, handler in routes.items():
        app.router.add_get(path, handler)  # type: ignore[arg-type]
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


def body(content: bytes | str, content_type: str):
    async def handler(request: web.Request) -> web.Response:
        data = content.encode() if isinstance(content, str) else content
        return web.Response(body=data, content_type=content_type)

    return handler


def redirect(location: str):
    async def handler(request: web.Request) -> web.Response:
        raise web.HTTPFound(location)

    return handler


def silent(seconds: float = 30.0):
    async def handler(request: web.Request) -> web.Response:
        await asyncio.sleep(seconds)
        return web.Response(text="too late")

    return handler


def endless(chunk: bytes = b"<p>" + b"x" * 65536):
    async def handler(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/html"})
        await response.prepare(request)
        for _ in range(10_000):
            await response.write(chunk)
        return response

    return handler
