from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.store import DB_FILENAME
from tests.cli_support import clean_env

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "Where did Kim Kardashian and Ivanka Trump first meet?"


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_ask_prints_quotes_with_citations(capsys):
    code, out, err = run(capsys, "ask", QUESTION)
    assert code == 0 and err == ""
    assert "> " in out and "paragraph" in out and "\u2014 " in out


def test_flagship_question_quotes_the_met_gala(capsys):
    _, out, _ = run(capsys, "ask", QUESTION)
    assert "Met Gala" in out.split("\u2014")[0]


def test_ask_json_is_one_object_with_the_contract(capsys):
    code, out, _ = run(capsys, "ask", "--json", QUESTION)
    assert code == 0
    payload = json.loads(out)
    assert {"question", "answered", "quotes", "note"} <= payload.keys()
    assert payload["question"] == QUESTION and payload["answered"] is True
    for quote in payload["quotes"]:
        assert {"text", "source_id", "title", "date", "paragraph", "score"} <= quote.keys()
        assert isinstance(quote["paragraph"], int) and isinstance(quote["score"], float)
        assert quote["date"] is None or len(quote["date"]) == 10


def test_ask_json_stdin_answers_one_line_per_question(capsys, monkeypatch):
    import io

    monkeypatch.setattr(
        sys, "stdin", io.StringIO(f"{QUESTION}\n\nWhat is the capital of Australia?\n")
    )
    code, out, _ = run(capsys, "ask", "--json", "-")
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(lines) == 2
    assert lines[0]["answered"] is True and lines[1]["answered"] is False


def test_off_topic_question_abstains(capsys):
    code, out, _ = run(capsys, "ask", "--json", "What is the capital of Australia?")
    payload = json.loads(out)
    assert code == 0 and payload["answered"] is False and payload["quotes"] == []
    assert payload["note"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["ask", "   "], "empty"),
        (["ask", "x" * 501], "500"),
        (["ask", "--corpus", "/nonexistent/folder", "hello"], "does not exist"),
        (["ask", "-", "--corpus", "."], ""),
    ],
)
def test_bad_input_exits_2_with_one_line(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.startswith("citebot: error:") and message in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_sources_lists_the_bundled_articles(capsys):
    code, out, _ = run(capsys, "sources", "--json")
    rows = json.loads(out)["sources"]
    assert code == 0 and len(rows) == 5
    assert {r["paragraphs"] for r in rows} == {13, 7, 9, 8}


def test_index_rebuilds_and_prints_counts(capsys, tmp_path):
    code, out, _ = run(capsys, "index", "--data", str(tmp_path / "d"))
    assert code == 0 and "5 sources, 44 passages" in out


def test_custom_corpus_with_a_bad_file_warns_and_answers(capsys, tmp_path):
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "ok.md").write_text(
        "---\ntitle: Koalas\n---\n\nKoalas sleep up to "
        "twenty hours a day.\n\nThey eat eucalyptus leaves."
        "\n\nJoeys live in a pouch.\n",
        encoding="utf-8",
    )
    (tmp_path / "c" / "bad.txt").write_bytes(b"\xff\xfe\x00broken")
    code, out, err = run(
        capsys, "ask", "--corpus", str(tmp_path / "c"), "--json", "How long do koalas sleep?"
    )
    assert code == 0 and "bad.txt" in err and "warning" in err
    assert json.loads(out)["quotes"][0]["title"] == "Koalas"
    code, out, err = run(capsys, "ask", "--strict", "--corpus", str(tmp_path / "c"), "koalas")
    assert code == 2 and "bad.txt" in err


def test_console_script_runs_without_importing_discord(tmp_path):
    code = (
        "import sys; from bot.cli import main; rc = main(['ask', '--json', 'who is Kushner?']);"
        "assert 'discord' not in sys.modules, 'discord imported on the ask path'; sys.exit(rc)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**_env(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["question"] == "who is Kushner?"


def _env(tmp_path):
    import os

    return {**os.environ, "CITEBOT_DATA": str(tmp_path / "data")}


def test_internal_failure_exits_1_with_one_line(capsys, monkeypatch):
    import bot.service  # `ask` composes answers through the service

    def broken(*_args, **_kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(bot.service, "answer_live", broken)
    code, out, err = run(capsys, "ask", "hello there")
    assert code == 1 and out == ""
    assert "internal error" in err and "disk on fire" in err and "Traceback" not in err


@pytest.mark.parametrize("command", [["sources", "--json"], ["timeline", "--json"], ["index"]])
def test_commands_reading_the_sources_alone_never_open_the_database(tmp_path, capsys, command):
    """`sources`, `index` and `timeline` go through the service without its database: an
    unusable database file (here empty, which every other command refuses) does not stop them."""
    (tmp_path / DB_FILENAME).write_bytes(b"")
    assert main([*command, "--data", str(tmp_path)]) == 0, capsys.readouterr().err
    assert (tmp_path / DB_FILENAME).stat().st_size == 0


def test_ask_json_spacing_is_the_same_for_an_argument_and_for_stdin(tmp_path: Path) -> None:
    from tests.cli_support import run_cli

    data = tmp_path / "data"
    one = run_cli(data, "ask", "--json", "who is kim").stdout.strip()
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "ask", "--json", "-"], input="who is kim\n",
        capture_output=True, text=True, env=clean_env({"CITEBOT_DATA": str(data)}), timeout=120,
    )  # fmt: skip
    lines = [one, done.stdout.strip()]
    assert all(line == json.dumps(json.loads(line), ensure_ascii=False) for line in lines)


def test_sources_align_ids_of_different_lengths(tmp_path: Path, capsys) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("a", "a-much-longer-id"):
        (corpus / f"{name}.txt").write_text("A paragraph of text about things.\n")
    assert main(["sources", "--corpus", str(corpus), "--data", str(tmp_path / "d")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and len({line.index("undated") for line in lines}) == 1


def test_run_says_nothing_about_voice_support(tmp_path: Path) -> None:
    """citebot never uses voice: no PyNaCl or davey warning at start."""
    from tests.cli_support import run_cli

    token = "MTk4NjIyNDgzNDcxOTI1MjQ4.Cl2FMQ.ZnCjm1XVW7vRze4b7Cq4se7kKWs"
    done = run_cli(tmp_path / "data", "sync", "--guild", "1", env={
        "DISCORD_TOKEN": token, "DISCORD_API_BASE_URL": "http://127.0.0.1:9/api/v10"})  # fmt: skip
    assert done.returncode != 0 and done.stderr  # nothing listens there
    assert "PyNaCl" not in done.stderr and "davey" not in done.stderr and "voice" not in done.stderr


def test_sync_with_the_api_unreachable_says_so_without_an_internal_error(tmp_path: Path) -> None:
    """Nothing listens on the port: one line naming the address and what to check."""
    import socket

    from tests.cli_support import run_cli

    with socket.socket() as probe:  # a free loopback port, closed again before the run
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/api/v10"
    token = "MTk4NjIyNDgzNDcxOTI1MjQ4.Cl2FMQ.ZnCjm1XVW7vRze4b7Cq4se7kKWs"
    done = run_cli(tmp_path / "data", "sync", "--guild", "1",
                   env={"DISCORD_TOKEN": token, "DISCORD_API_BASE_URL": url})  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert f"cannot reach the Discord API at {url}" in done.stderr
    assert "internal error" not in done.stderr and "Traceback" not in done.stderr
    assert token not in done.stderr and len(done.stderr.strip().splitlines()) == 1
