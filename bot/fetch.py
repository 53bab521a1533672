"""Fetching a page someone names by its address, safely (`citebot sources add URL`, Discord).

The address a member types must never make the bot reach inside its own network: every host
is resolved here, each address checked to be a public one, and the connection made to that very
address (the Host header and TLS name still the host's), so a DNS answer that changes between
the check and the connection cannot get round it. Redirects are followed by hand, at most
`MAX_REDIRECTS`, each checked the same way. Timeouts, a size cap and the content type bound
the rest. CITEBOT_ALLOW_PRIVATE_URLS=1 lifts the address rule (tests on loopback, intranets).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

from knowledge.errors import UserError

MAX_REDIRECTS = 5
MAX_FETCH_BYTES = 20 * 1024 * 1024
TIMEOUT = httpx.Timeout(15.0, connect=5.0)
TOTAL_SECONDS = 60.0
USER_AGENT = "citebot (+https://github.com/citebot; fetches one page a member asked for)"
# What a source can be, by the content type a server gives: the suffix it is saved under.
CONTENT_TYPES = {
    "text/html": ".html",
    "application/xhtml+xml": ".html",
    "application/pdf": ".pdf",
    "text/plain": ".txt",
    "text/markdown": ".md",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
}


class FetchError(UserError):
    """The page cannot be fetched or is not one citebot reads; the message says why."""


@dataclass(frozen=True)
class Fetched:
    url: str  # where the page was found, after redirects
    content: bytes
    suffix: str  # what it is saved as: .html, .pdf, .txt or .md


def check_address(address: str, *, allow_private: bool) -> None:
    """Refuse any address that is not on the public internet (unless allowed)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if allow_private or (ip.is_global and not ip.is_multicast):
        return
    raise FetchError(f"refused: the address {ip} is not a public internet address")


def resolve(host: str, port: int, *, allow_private: bool) -> str:
    """The first address of `host`, after checking every address it resolves to (an address
    given as such is checked as it is, without a lookup)."""
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        check_address(str(literal), allow_private=allow_private)
        return str(literal)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(f"cannot find the host {host!r}") from exc
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise FetchError(f"cannot find the host {host!r}")
    for address in addresses:
        check_address(address, allow_private=allow_private)
    return addresses[0]


def _target(url: str, *, allow_private: bool) -> tuple[str, str, str]:
    """(URL with the checked address in place of the host, Host header, host name)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError("only http:// and https:// links can be added")
    if parts.username or parts.password:
        raise FetchError("a link with a user name or password is refused")
    host = parts.hostname
    port = parts.port or (443 if parts.scheme == "https" else 80)
    address = resolve(host, port, allow_private=allow_private)
    shown = f"[{address}]" if ":" in address else address
    pinned = urlunsplit((parts.scheme, f"{shown}:{port}", parts.path or "/", parts.query, ""))
    header = host if parts.port is None else f"{host}:{parts.port}"
    return pinned, header, host


async def fetch(url: str, *, allow_private: bool = False) -> Fetched:
    """The page at `url`, its final address and kind; a FetchError says why not."""
    try:
        return await asyncio.wait_for(_fetch(url, allow_private), TOTAL_SECONDS)
    except TimeoutError as exc:
        raise FetchError(f"the server took over {TOTAL_SECONDS:.0f} s; try again later") from exc


async def _fetch(url: str, allow_private: bool) -> Fetched:
    async with httpx.AsyncClient(
        timeout=TIMEOUT, follow_redirects=False, trust_env=False
    ) as client:
        for _ in range(MAX_REDIRECTS + 1):
            pinned, host_header, host = await asyncio.to_thread(
                _target, url, allow_private=allow_private
            )
            request = client.build_request(
                "GET",
                pinned,
                headers={"Host": host_header, "User-Agent": USER_AGENT, "Accept": _ACCEPT},
                extensions={"sni_hostname": host},
            )
            try:
                response = await client.send(request, stream=True)
            except httpx.TimeoutException as exc:
                raise FetchError("the server did not answer in time") from exc
            except httpx.HTTPError as exc:
                raise FetchError(f"cannot fetch the page ({type(exc).__name__})") from exc
            try:
                if response.is_redirect:
                    url = urljoin(url, response.headers.get("location", ""))
                    continue
                return await _read(response, url)
            finally:
                await response.aclose()
    raise FetchError(f"more than {MAX_REDIRECTS} redirects")


_ACCEPT = ", ".join(CONTENT_TYPES) + ";q=0.9"


async def _read(response: httpx.Response, url: str) -> Fetched:
    if response.status_code != 200:
        raise FetchError(f"the server answered {response.status_code} {response.reason_phrase}")
    kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
    suffix = CONTENT_TYPES.get(kind)
    if suffix is None:
        raise FetchError(f"the link is {kind or 'of no stated type'}, not a web page or a PDF")
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_FETCH_BYTES:
        raise FetchError(f"the page is over {MAX_FETCH_BYTES // 2**20} MB")
    content = bytearray()
    try:
        async for chunk in response.aiter_bytes():
            content += chunk
            if len(content) > MAX_FETCH_BYTES:
                raise FetchError(f"the page is over {MAX_FETCH_BYTES // 2**20} MB")
    except httpx.TimeoutException as exc:
        raise FetchError("the server stopped sending the page") from exc
    except httpx.HTTPError as exc:
        raise FetchError(f"the page could not be read whole ({type(exc).__name__})") from exc
    return Fetched(url=url, content=bytes(content), suffix=suffix)
