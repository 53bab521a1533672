"""compose.yaml, checked without Docker (and with `docker compose config` where it exists): its
shape, and that every citebot service's environment
is a valid configuration (a misspelt or malformed setting would only show at deploy time)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from bot.settings import Settings
from bot.store import database_target, is_postgres_url

ROOT = Path(__file__).resolve().parent.parent
CITEBOT_SERVICES = ("index", "shard-0", "shard-1")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def _interpolated(value: str) -> str:
    """${NAME:-default} as compose fills it when NAME is unset."""
    return re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", value)


def test_postgres_has_a_health_check_the_shards_wait_for(compose: dict) -> None:
    services = compose["services"]
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert services["index"]["command"] == ["index"]
    for name in ("shard-0", "shard-1"):
        service = services[name]
        assert service["command"] == ["run"]
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert service["depends_on"]["index"]["condition"] == "service_completed_successfully"
        assert service["healthcheck"]["test"] == ["CMD", "citebot", "health"]
        assert service["environment"]["CITEBOT_HEALTH_FILE"]
    mounts = {name: services[name]["volumes"] for name in CITEBOT_SERVICES}
    assert len({m[0].split()[0] for m in mounts.values()}) == 1  # one shared index volume
    assert set(compose["volumes"]) == {"citebot-data", "postgres-data"}


def test_each_citebot_service_is_a_valid_configuration(compose: dict, monkeypatch) -> None:
    shards = []
    for name in CITEBOT_SERVICES:
        environment = {k: _interpolated(str(v)) for k, v in
                       compose["services"][name]["environment"].items()}  # fmt: skip
        known = {field.alias for field in Settings.model_fields.values()}
        assert set(environment) <= known, f"{name}: unknown settings"
        settings = Settings(**environment)
        assert is_postgres_url(database_target(settings.database_url, settings.data_dir))
        assert "@postgres:5432/" in settings.database_url
        if name != "index":
            assert settings.shard_count == 2
            shards += settings.shard_ids
    assert sorted(shards) == [0, 1]  # every shard run, by exactly one service


@pytest.mark.skipif(shutil.which("docker") is None, reason="docker is not installed")
def test_docker_compose_accepts_the_file(tmp_path: Path) -> None:
    probe = subprocess.run(["docker", "compose", "version"], capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.skip("docker has no compose plugin here")
    shutil.copy(ROOT / "compose.yaml", tmp_path / "compose.yaml")
    (tmp_path / ".env").write_text("DISCORD_TOKEN=placeholder\n")
    done = subprocess.run(["docker", "compose", "-f", str(tmp_path / "compose.yaml"), "config",
                           "--quiet"], capture_output=True, text=True, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
