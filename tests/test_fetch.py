"""Adding a page by its link: fetched within bounds, and never from an address inside the
network unless explicitly allowed (tests connect to 127.0.0.1 only)."""

from __future__ import annotations

import socket

import pytest

import bot.fetch
from bot.fetch import FetchError, check_address, fetch
from bot.service import Service
from tests.page_server import body, endless, page_server, redirect, silent
from tests.source_files import PDF_PARAGRAPHS, news_page, pdf_bytes
from tests.store_support import settings_for


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.9",
        "192.168.1.1",
        "169.254.169.254",
        "::1",
        "fe80::1",
        "fc00::5",
        "0.0.0.0",
        "100.64.0.1",
        "::ffff:127.0.0.1",
        "224.0.0.1",
    ],
)
def test_addresses_inside_a_network_are_refused(address):
    with pytest.raises(FetchError, match="not a public internet address"):
        check_address(address, allow_private=False)
    check_address(address, allow_private=True)  # the explicit setting lifts the rule


def test_public_addresses_pass():
    for address in ("93.184.216.34", "2606:4700::1111"):
        check_address(address, allow_private=False)


async def test_a_loopback_link_is_refused_without_the_setting():
    async with page_server({"/": body(news_page(), "text/html")}) as base:
        with pytest.raises(FetchError, match=r"127\.0\.0\.1 is not a public"):
            await fetch(base + "/")
        page = await fetch(base + "/", allow_private=True)
    assert page.suffix == ".html" and b"Gannet Point" in page.content


async def test_a_name_resolving_to_any_private_address_is_refused(monkeypatch):
    """Every address a name resolves to is checked, not only the first."""

    def resolved(host, port, *args, **kwargs):
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", port)),
        ]

    monkeypatch.setattr(bot.fetch.socket, "getaddrinfo", resolved)
    with pytest.raises(FetchError, match=r"10\.0\.0\.7"):
        await fetch("http://news.example.test/story")


async def test_the_connection_goes_to_the_checked_address_with_the_host_named(monkeypatch):
    """The name is resolved once, checked, and that address connected to: the page is asked
    for with the name in the Host header."""
    seen: list[str] = []

    async def host_echo(request):
        from aiohttp import web

        seen.append(request.headers["Host"])
        return web.Response(text=news_page(), content_type="text/html")

    real = socket.getaddrinfo
    async with page_server({"/story": host_echo}) as base:
        port = int(base.rsplit(":", 1)[1])
        calls: list[str] = []

        def resolved(host, *args, **kwargs):
            calls.append(host)
            return real("127.0.0.1", *args, **kwargs)

        monkeypatch.setattr(bot.fetch.socket, "getaddrinfo", resolved)
        page = await fetch(f"http://pages.example.test:{port}/story", allow_private=True)
    assert calls == ["pages.example.test"] and seen == [f"pages.example.test:{port}"]
    assert page.url == f"http://pages.example.test:{port}/story"


async def test_every_redirect_is_checked_before_it_is_followed(monkeypatch):
    """Only the test server's own address is let through; a redirect to a private address is
    refused before any connection to it."""
    real_check = bot.fetch.check_address

    def only_loopback_server(address, *, allow_private):
        real_check(address, allow_private=address == "127.0.0.1")

    monkeypatch.setattr(bot.fetch, "check_address", only_loopback_server)
    async with page_server(
        {
            "/hop": redirect("/page"),
            "/page": body(news_page(), "text/html"),
            "/away": redirect("http://10.20.30.40/admin"),
        }
    ) as base:
        page = await fetch(base + "/hop")
        assert page.url == base + "/page"
        with pytest.raises(FetchError, match=r"10\.20\.30\.40 is not a public"):
            await fetch(base + "/away")


async def test_redirect_loops_sizes_types_and_silence_are_bounded(monkeypatch):
    monkeypatch.setattr(bot.fetch, "TIMEOUT", bot.fetch.httpx.Timeout(0.5))
    monkeypatch.setattr(bot.fetch, "MAX_FETCH_BYTES", 2**20)
    async with page_server(
        {
            "/loop": redirect("/loop"),
            "/big": endless(),
            "/image": body(b"\x89PNG", "image/png"),
            "/silent": silent(),
            "/gone": body("", "text/html"),
        }
    ) as base:
        cases = {
            "/loop": "more than 5 redirects",
            "/big": "over 1 MB",
            "/image": "image/png, not a web page",
            "/silent": "did not answer in time",
        }
        for path, reason in cases.items():
            with pytest.raises(FetchError, match=reason):
                await fetch(base + path, allow_private=True)
        with pytest.raises(FetchError, match="only http"):
            await fetch("file:///etc/passwd", allow_private=True)


async def test_service_adds_a_linked_page_and_a_pdf_citing_the_link(tmp_path, monkeypatch):
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "seed.md").write_text("# Seed\n\nA short paragraph about nothing in particular.\n")
    settings = settings_for(tmp_path / "data", folder)
    settings.allow_private_urls = True
    async with (
        page_server(
            {
                "/vellmar/tower": body(news_page(url=""), "text/html"),
                "/report.pdf": body(pdf_bytes(PDF_PARAGRAPHS), "application/pdf"),
            }
        ) as base,
        await Service.open(settings) as service,
    ):
        steps: list[str] = []

        async def progress(step: str) -> None:
            steps.append(step)

        added = await service.add_source_url(base + "/vellmar/tower", progress=progress)
        assert added.kind == "html" and added.url == base + "/vellmar/tower"
        assert steps[0] == "fetching the page" and steps[-1].startswith("indexing")
        answer = await service.ask("How much will the Gannet Point tower restoration cost?")
        assert answer.quotes[0].source_id == added.source_id
        assert answer.quotes[0].url == base + "/vellmar/tower"
        saved = (folder / f"{added.source_id}.html").read_bytes()
        assert saved.startswith(b"<!-- citebot-source {") and base.encode() in saved.split(b"\n")[0]
        report = await service.add_source_url(base + "/report.pdf")
        assert report.kind == "pdf" and (folder / f"{report.source_id}.pdf").is_file()
