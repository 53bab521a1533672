from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.cli import main
from bot.settings import DISCORD_API_BASE_URL, DISCORD_GATEWAY_URL, Settings
from tests.cli_support import run_cli

DISCORD_VARS = (
    "DISCORD_TOKEN",
    "CITEBOT_GUILD_IDS",
    "CITEBOT_MODERATOR_ROLE",
    "CITEBOT_ASK_CHANNELS",
    "CITEBOT_COOLDOWN_QUESTIONS",
    "CITEBOT_COOLDOWN_SECONDS",
    "DISCORD_API_BASE_URL",
    "DISCORD_GATEWAY_URL",
)


@pytest.fixture(autouse=True)
def _no_discord_env(monkeypatch):
    for name in DISCORD_VARS:
        monkeypatch.delenv(name, raising=False)


def test_defaults_point_at_discord_and_need_no_token():
    s = Settings()
    assert s.discord_token is None and s.guild_ids == [] and s.ask_channels == []
    assert s.discord_api_base_url == DISCORD_API_BASE_URL == "https://discord.com/api/v10"
    assert s.discord_gateway_url == DISCORD_GATEWAY_URL
    assert (s.cooldown_questions, s.cooldown_seconds) == (1, 5.0)
    assert s.moderator_role is None


def test_environment_is_read(monkeypatch):
    monkeypatch.setenv("DISCORD_TOKEN", "  abc.def.ghi \n")
    monkeypatch.setenv("CITEBOT_GUILD_IDS", "111, 222 333")
    monkeypatch.setenv("CITEBOT_ASK_CHANNELS", "444")
    monkeypatch.setenv("CITEBOT_MODERATOR_ROLE", "Fact checkers")
    monkeypatch.setenv("CITEBOT_COOLDOWN_SECONDS", "0")
    monkeypatch.setenv("DISCORD_API_BASE_URL", "http://127.0.0.1:9/api/v10/")
    s = Settings()
    assert s.discord_token.get_secret_value() == "abc.def.ghi"
    assert s.guild_ids == [111, 222, 333] and s.ask_channels == [444]
    assert s.moderator_role == "Fact checkers" and s.cooldown_seconds == 0
    assert s.discord_api_base_url == "http://127.0.0.1:9/api/v10/"


def test_dotenv_file_in_the_working_directory(tmp_path):
    (tmp_path / ".env").write_text("DISCORD_TOKEN=from-dotenv\nCITEBOT_GUILD_IDS=5\n")
    s = Settings()
    assert s.discord_token.get_secret_value() == "from-dotenv" and s.guild_ids == [5]


def test_token_never_shows_in_reprs_or_dumps(monkeypatch):
    monkeypatch.setenv("DISCORD_TOKEN", "super-secret-token")
    s = Settings()
    assert "super-secret-token" not in repr(s) and "super-secret-token" not in str(s)
    assert "super-secret-token" not in s.model_dump_json()


def test_blank_token_counts_as_missing(monkeypatch):
    monkeypatch.setenv("DISCORD_TOKEN", "   ")
    assert Settings().discord_token is None


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CITEBOT_GUILD_IDS", "12,abc"),
        ("CITEBOT_COOLDOWN_SECONDS", "-1"),
        ("DISCORD_GATEWAY_URL", "localhost:9"),
    ],
)
def test_bad_values_are_refused(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError):
        Settings()


def test_cli_reports_a_bad_setting_in_one_line(monkeypatch, capsys):
    monkeypatch.setenv("CITEBOT_GUILD_IDS", "not-a-number")
    assert main(["sync"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("citebot: error: invalid setting CITEBOT_GUILD_IDS:")
    assert "not-a-number" in err and err.count("\n") == 1


@pytest.mark.parametrize(
    ("values", "says"),
    [
        ({"CITEBOT_SHARD_COUNT": "2", "CITEBOT_SHARD_IDS": "0,0"}, "shard 0 is listed twice"),
        ({"CITEBOT_SHARD_COUNT": str(10**20)}, "less than or equal to"),
        ({"CITEBOT_LATENCY_LOG_SECONDS": "inf"}, "finite number"),
        ({"CITEBOT_COOLDOWN_SECONDS": "inf"}, "finite number"),
    ],
)
def test_impossible_shards_and_intervals_are_refused(monkeypatch, capsys, values, says):
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    assert main(["sync"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("citebot: error: invalid setting") and says in err
    assert err.count("\n") == 1


@pytest.mark.parametrize("where", ["missing/health.json", "folder"])
def test_a_health_file_that_cannot_be_written_stops_run_at_start(tmp_path, where):
    (tmp_path / "folder").mkdir()
    token = "MTk4NjIyNDgzNDcxOTI1MjQ4.Cl2FMQ.ZnCjm1XVW7vRze4b7Cq4se7kKWs"
    env = {"DISCORD_TOKEN": token, "CITEBOT_HEALTH_FILE": str(tmp_path / where),
           "DISCORD_API_BASE_URL": "http://127.0.0.1:9/api/v10"}  # fmt: skip
    done = run_cli(tmp_path / "data", "run", env=env)
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert done.stderr.startswith("citebot: error: CITEBOT_HEALTH_FILE") and where in done.stderr
