"""`citebot db restore`: a backup is checked against the schema it states before anything is
replaced, the replaced database is kept aside, and a restore never runs under another process
that has the database open (issue 21, defects 1 and 2)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.store import DB_FILENAME, CacheKey, Store, StoreBusyError, StoreError
from tests.cli_support import ROOT, clean_env, run_cli
from tests.test_store import ANSWER_JSON, KEY

# A live writer: files reports one after another, printing each one's id once it is committed.
WRITER = """
import asyncio, sys
from pathlib import Path
from bot.store import CacheKey, Store

async def main(target, stop):
    async with await Store.open(target) as store:
        answer_id = await store.save(CacheKey("live", "fp", "v"), "live", sys.argv[3])
        n = 0
        while not Path(stop).exists():
            n += 1
            report = await store.add_report(
                answer_id=answer_id, question="live", answer_text="a", reporter_id=str(n),
                reporter_name=f"writer {n}", guild_id=None, channel_id=None, category="wrong",
                reason=f"live {n}",
            )
            print(report.report_id, report.reason, flush=True)
            await asyncio.sleep(0.01)

target = sys.argv[1]
asyncio.run(main(target if "://" in target else Path(target), sys.argv[2]))
"""


async def _file_report(target: str | Path, reason: str) -> str:
    async with await Store.open(target) as store:
        answer_id = await store.save(KEY, "Where did they first meet?", ANSWER_JSON)
        await store.add_report(
            answer_id=answer_id, question="q", answer_text="a", reporter_id=reason,
            reporter_name="Ann", guild_id=None, channel_id=None, category="wrong", reason=reason,
        )  # fmt: skip
    return answer_id


def _reasons(data: Path, env: dict[str, str] | None = None) -> dict[int, str]:
    listed = run_cli(data, "reports", "--status", "all", "--json", env=env)
    assert listed.returncode == 0, listed.stderr
    return {r["report_id"]: r["reason"] for r in json.loads(listed.stdout)["reports"]}


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _foreign_file(path: Path, version: int) -> Path:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE answers (x)")  # a table of citebot's name, not its columns
        db.execute("INSERT INTO answers VALUES (1)")
        db.execute(f"PRAGMA user_version = {version}")
    return path


@pytest.mark.parametrize("version", [1, 4])
def test_a_foreign_sqlite_file_is_refused_and_the_database_kept(
    tmp_path: Path, version: int
) -> None:
    data = tmp_path / "D"
    asyncio.run(_file_report(data / DB_FILENAME, "kept"))
    before = _digest(data / DB_FILENAME)
    restored = run_cli(data, "db", "restore", str(_foreign_file(tmp_path / "x.db", version)))
    assert restored.returncode == 2 and restored.stderr.count("\n") == 1
    assert "not a usable citebot backup" in restored.stderr
    assert "table answers does not have schema" in restored.stderr
    assert "nothing was changed" in restored.stderr
    assert _digest(data / DB_FILENAME) == before
    assert list(_reasons(data).values()) == ["kept"]


def test_a_newer_backup_stating_an_older_schema_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "D"
    asyncio.run(_file_report(data / DB_FILENAME, "kept"))
    assert run_cli(data, "db", "backup", str(tmp_path / "b.db")).returncode == 0
    with sqlite3.connect(tmp_path / "b.db") as db:
        db.execute("PRAGMA user_version = 2")  # schema 4's tables, stated as 2
    restored = run_cli(data, "db", "restore", str(tmp_path / "b.db"))
    assert restored.returncode == 2, restored.stdout
    assert "is not in citebot's schema 2" in restored.stderr
    assert list(_reasons(data).values()) == ["kept"]  # still usable: nothing replaced


def test_the_replaced_database_is_moved_aside_not_overwritten(tmp_path: Path) -> None:
    data = tmp_path / "D"
    asyncio.run(_file_report(data / DB_FILENAME, "in the backup"))
    assert run_cli(data, "db", "backup", str(tmp_path / "b.db")).returncode == 0
    asyncio.run(_file_report(data / DB_FILENAME, "after the backup"))
    restored = run_cli(data, "db", "restore", str(tmp_path / "b.db"))
    assert restored.returncode == 0, restored.stderr
    (aside,) = data.glob(f"{DB_FILENAME}.replaced-*[0-9]Z")
    assert f"moved the replaced database aside to {aside}" in restored.stdout
    assert list(_reasons(data).values()) == ["in the backup"]
    with sqlite3.connect(aside) as db:  # what the restore replaced, whole
        kept = [row[0] for row in db.execute("SELECT reason FROM reports ORDER BY report_id")]
    assert kept == ["in the backup", "after the backup"]


def _start_writer(target: str | Path, stop: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(target), str(stop), ANSWER_JSON],
        env=clean_env({}),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _acknowledged(writer: subprocess.Popen[str], at_least: int) -> list[tuple[int, str]]:
    assert writer.stdout is not None
    lines = []
    while len(lines) < at_least:
        line = writer.stdout.readline()
        assert line, writer.stderr.read() if writer.stderr else "the writer stopped"
        number, reason = line.rstrip("\n").split(" ", 1)
        lines.append((int(number), reason))
    return lines


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_restore_is_refused_while_another_process_writes(
    request, tmp_path: Path, backend: str
) -> None:
    data = tmp_path / "D"
    target = data / DB_FILENAME if backend == "sqlite" else request.getfixturevalue("postgres_url")
    env = {"CITEBOT_DATABASE_URL": str(target)}
    asyncio.run(_file_report(target, "in the backup"))
    assert run_cli(data, "db", "backup", str(tmp_path / "b.db"), env=env).returncode == 0
    stop = tmp_path / "stop"
    writer = _start_writer(target, stop)
    try:
        acked = _acknowledged(writer, 3)
        refused = run_cli(data, "db", "restore", str(tmp_path / "b.db"), env=env)
        acked += _acknowledged(writer, 3)
    finally:
        stop.touch()
        out, _ = writer.communicate(timeout=60)
    acked += [(int(n), reason) for n, reason in (line.split(" ", 1) for line in out.splitlines())]
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1, refused.stdout
    assert "open in another citebot process" in refused.stderr
    reasons = _reasons(data, env)
    assert len({n for n, _ in acked}) == len(acked)  # no id given twice
    assert all(reasons.get(n) == reason for n, reason in acked)  # none lost
    restored = run_cli(data, "db", "restore", str(tmp_path / "b.db"), env=env)  # stopped: goes
    assert restored.returncode == 0, restored.stderr
    assert list(_reasons(data, env).values()) == ["in the backup"]
    assert {reason for _, reason in acked} <= set(_kept_reasons(data))  # the replaced: aside


def _kept_reasons(data: Path) -> list[str]:
    """The report reasons of what a restore replaced: an SQLite file moved aside, or (on
    PostgreSQL) an export of the replaced rows in the data folder."""
    for aside in data.glob(f"{DB_FILENAME}.replaced-*[0-9]Z"):
        with sqlite3.connect(aside) as db:
            return [row[0] for row in db.execute("SELECT reason FROM reports")]
    (kept,) = data.glob("citebot-export.replaced-*")
    items = [json.loads(line) for line in kept.read_text(encoding="utf-8").splitlines()[1:]]
    return [item["row"]["reason"] for item in items if item["table"] == "reports"]


async def test_opening_the_store_waits_while_a_restore_holds_it(store_target) -> None:
    async with await Store.open(store_target) as restoring:
        async with restoring.backend.sole_use():
            with pytest.raises(StoreBusyError, match="being restored"):
                await Store.open(store_target, busy_timeout=0.3)
            later = asyncio.create_task(Store.open(store_target, busy_timeout=30))
            await asyncio.sleep(0.5)
            assert not later.done()  # fenced
            await restoring.save(CacheKey("during", "fp", "v"), "during", ANSWER_JSON)
        other = await later
        try:
            assert await other.answer((await other.lookup(CacheKey("during", "fp", "v")))[0])
        finally:
            await other.close()


async def test_sole_use_is_refused_while_another_store_is_open(store_target) -> None:
    async with await Store.open(store_target) as first, await Store.open(store_target) as second:
        with pytest.raises(StoreError, match="open in another citebot process"):
            async with first.backend.sole_use():
                pass
        started = time.monotonic()
        await second.save(KEY, "q", ANSWER_JSON)  # both still work
        await first.save(KEY._replace(question_key="other"), "q", ANSWER_JSON)
        assert time.monotonic() - started < 10
    async with await Store.open(store_target) as alone, alone.backend.sole_use():
        pass  # alone: granted
