"""Shared fixtures: the bundled corpus loaded once, and isolated data folders."""

from __future__ import annotations

import errno
import ipaddress
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from knowledge.corpus import Corpus, load_corpus
from knowledge.search.library import Library, open_library

# The suite runs the lexical path unless a test turns the neural reader on: most tests are about
# what surrounds the answer (stores, faces, reports), and the reader's ~1 s start-up per process
# and 0.1 s per answer more than doubled the suite. The reader, the shipped default, has its own
# tests (test_reader.py, the Discord end-to-end test of the default, corrections, the README's
# samples); CITEBOT_READER=on python -m pytest runs everything with it.
os.environ.setdefault("CITEBOT_READER", "off")

# The fake Discord server (`fake_discord` fixture) for end-to-end tests.
pytest_plugins = ("tests.fake_discord.fixtures",)

# Property-based tests (tests/test_fuzz.py): a fixed, modest set of examples so the suite stays
# fast and repeatable; HYPOTHESIS_PROFILE=thorough explores far more, with fresh examples.
hypothesis_settings.register_profile(
    "citebot",
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
hypothesis_settings.register_profile(
    "thorough",
    max_examples=3000,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "citebot"))


def _loopback(host: object) -> bool:
    if not isinstance(host, str):
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


@pytest.fixture(scope="session", autouse=True)
def _loopback_only() -> Iterator[None]:
    """Tests reach 127.0.0.1 only: a connection or a name lookup for anything else fails at
    once, in this process, so a fixture that forgets to point discord.py (or a link fetch) at
    a local server can never send traffic off the machine."""
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def refused(address: object) -> OSError:
        return OSError(errno.ENETUNREACH, f"tests connect to 127.0.0.1 only, not {address!r}")

    def connect(self: socket.socket, address: object) -> None:
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address[0]):  # type: ignore[index]
            raise refused(address)
        real_connect(self, address)  # type: ignore[arg-type]

    def connect_ex(self: socket.socket, address: object) -> int:
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address[0]):  # type: ignore[index]
            return errno.ENETUNREACH
        return real_connect_ex(self, address)  # type: ignore[arg-type]

    def getaddrinfo(host: object, *args: object, **kwargs: object) -> object:
        if host is not None and not _loopback(host):
            raise socket.gaierror(socket.EAI_NONAME, f"tests resolve only localhost, not {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)  # type: ignore[arg-type]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", connect)
        patch.setattr(socket.socket, "connect_ex", connect_ex)
        patch.setattr(socket, "getaddrinfo", getaddrinfo)
        yield


@pytest.fixture(scope="session")
def corpus() -> Corpus:
    return load_corpus()


@pytest.fixture(scope="session")
def library() -> Library:
    return open_library(None, None)


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch, tmp_path):
    """No test reads the developer's data folder, corpus setting or .env."""
    monkeypatch.setenv("CITEBOT_DATA", str(tmp_path / "citebot-data"))
    monkeypatch.delenv("CITEBOT_CORPUS", raising=False)
    monkeypatch.delenv("CITEBOT_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[object]:
    """One throwaway PostgreSQL server for the session (see tests/postgres_cluster.py)."""
    from tests.postgres_cluster import INSTALL_HINT, PostgresCluster, server_binaries

    binaries = server_binaries()
    if binaries is None:
        reason = f"PostgreSQL server binaries (initdb, pg_ctl) not found: {INSTALL_HINT}"
        if os.environ.get("CITEBOT_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"CITEBOT_REQUIRE_POSTGRES=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    cluster = PostgresCluster(binaries)
    cluster.start()
    yield cluster
    cluster.stop()


@pytest.fixture
def postgres_url(postgres_cluster) -> str:
    """A fresh, empty PostgreSQL database of the session's server."""
    return postgres_cluster.new_database()


@pytest.fixture(params=["sqlite", "postgres"])
def store_target(request, tmp_path: Path) -> str | Path:
    """What the store tests open, once per backend: an SQLite file, a PostgreSQL URL."""
    if request.param == "sqlite":
        return tmp_path / "store" / "citebot.sqlite3"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def settings(tmp_path):
    """Settings with a fresh data folder (the service tests' default)."""
    from tests.store_support import settings_for

    return settings_for(tmp_path / "data")


@pytest.fixture
async def service(settings, library):
    """A service over `settings` and the bundled library, closed after the test."""
    from bot.service import Service

    service = await Service.open(settings, library=library)
    yield service
    await service.close()


@pytest.fixture
async def command_payloads(monkeypatch):
    """The slash commands exactly as `citebot sync` would send them to Discord, by name."""
    for name in ("DISCORD_TOKEN", "CITEBOT_GUILD_IDS", "CITEBOT_ASK_CHANNELS"):
        monkeypatch.delenv(name, raising=False)
    from bot.discord.app import CiteBot
    from bot.discord.cogs import add_cogs
    from bot.settings import Settings

    bot = CiteBot(Settings(), None)
    await add_cogs(bot)
    payloads = {c.name: c.to_dict(bot.tree) for c in bot.tree.get_commands()}
    payloads.update(
        {c.name: c.to_dict(bot.tree) for c in bot.tree.get_commands(type=_message_type())}
    )
    await bot.close()
    return payloads


def _message_type():
    import discord

    return discord.AppCommandType.message


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The benchmark smoke tests (tests/test_bench_*.py) carry the `bench` marker, so
    `pytest -m "not bench"` is a quick loop; the default run (CI's) still runs them."""
    for item in items:
        if item.path.name.startswith("test_bench_"):
            item.add_marker(pytest.mark.bench)
