"""A damaged or busy database: refused with a way out, never replaced; backups; cached reads."""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import time
from pathlib import Path

import pytest

from bot.store import (
    DB_FILENAME,
    Store,
    StoreBusyError,
    StoreError,
    backup_database,
    check_database,
    restore_database,
)
from bot.store import backend as store_backend
from tests.cli_support import run_cli
from tests.test_store import ANSWER_JSON, KEY


async def _with_a_report(path: Path) -> str:
    async with await Store.open(path) as store:
        answer_id = await store.save(KEY, "Where did they first meet?", ANSWER_JSON)
        await store.add_report(
            answer_id=answer_id, question="q", answer_text="a", reporter_id="1",
            reporter_name="Ann", guild_id=None, channel_id=None, category="wrong", reason="r",
        )  # fmt: skip
    return answer_id


async def test_a_truncated_database_is_refused_not_replaced(tmp_path: Path) -> None:
    path = tmp_path / DB_FILENAME
    await _with_a_report(path)
    path.write_bytes(b"")
    with pytest.raises(StoreError) as caught:
        await Store.open(path)
    message = str(caught.value)
    assert "0 bytes" in message and "citebot db restore FILE" in message
    assert path.stat().st_size == 0  # left as it was for the operator
    result = check_database(path)
    assert not result.ok and "empty (0 bytes)" in result.problems[0]


def test_the_cli_refuses_a_truncated_database_and_db_check_finds_it(tmp_path: Path) -> None:
    data = tmp_path / "D"
    asyncio.run(_with_a_report(data / DB_FILENAME))
    (data / DB_FILENAME).write_bytes(b"")
    listed = run_cli(data, "reports")
    assert listed.returncode == 2 and listed.stdout == ""
    assert listed.stderr.startswith("citebot: error: ") and listed.stderr.count("\n") == 1
    assert "truncated" in listed.stderr and "citebot db restore" in listed.stderr
    checked = run_cli(data, "db", "check")
    assert checked.returncode == 1 and "empty (0 bytes)" in checked.stderr


async def test_many_processes_creating_the_database_at_once_never_see_an_empty_file(
    tmp_path: Path,
) -> None:
    for attempt in range(5):
        path = tmp_path / str(attempt) / DB_FILENAME
        stores = await asyncio.gather(*(Store.open(path) for _ in range(6)))
        for store in stores:
            await store.close()
    left = [p for p in tmp_path.rglob(".*") if p.is_file() and not p.name.endswith(".in-use")]
    assert not left  # no temporary files left (the .in-use lock file stays, as the database)


def test_backup_while_writing_then_restore_after_truncation(tmp_path: Path) -> None:
    data = tmp_path / "D"
    path = data / DB_FILENAME
    answer_id = asyncio.run(_with_a_report(path))
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # another process is writing: the backup goes on
    writer.execute("UPDATE reports SET reason = 'uncommitted'")
    done = run_cli(data, "db", "backup", str(tmp_path / "backup.db"))
    writer.execute("ROLLBACK")
    writer.close()
    assert done.returncode == 0, done.stderr
    assert "reports: 1" in done.stdout
    path.write_bytes(b"")
    restored = run_cli(data, "db", "restore", str(tmp_path / "backup.db"))
    assert restored.returncode == 0, restored.stderr
    assert "moved the damaged database aside" in restored.stdout
    assert [p.name for p in data.glob(f"{DB_FILENAME}.damaged-*")]  # kept, not deleted
    reports = json.loads(run_cli(data, "reports", "--json").stdout)["reports"]
    assert [(r["answer_id"], r["reason"]) for r in reports] == [(answer_id, "r")]


def test_backup_refuses_a_missing_database_and_its_own_file(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no database"):
        backup_database(tmp_path / DB_FILENAME, tmp_path / "b.db")
    asyncio.run(_with_a_report(tmp_path / DB_FILENAME))
    with pytest.raises(StoreError, match="the database itself"):
        backup_database(tmp_path / DB_FILENAME, tmp_path / DB_FILENAME)
    (tmp_path / "junk.db").write_text("not a database")
    with pytest.raises(StoreError):
        restore_database(tmp_path / "junk.db", tmp_path / DB_FILENAME)


async def test_a_cache_hit_is_a_read_that_never_waits_for_the_write_lock(tmp_path: Path) -> None:
    path = tmp_path / DB_FILENAME
    async with await Store.open(path, busy_timeout=5) as store:
        await store.save(KEY, "q", ANSWER_JSON)
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN EXCLUSIVE")
        try:
            started = time.perf_counter()
            hit = await store.lookup(KEY)
            assert hit is not None and time.perf_counter() - started < 1.0
            assert (await store.cache_stats()).hits == 1  # counted, written later
        finally:
            other.execute("ROLLBACK")
            other.close()
        await store.save(KEY._replace(question_key="another"), "q2", ANSWER_JSON)
        row = (
            await (await store.backend._db.execute("SELECT hits FROM cache LIMIT 1")).fetchone()
        )[0]
        assert row == 1  # written with the next write


async def test_the_hits_are_written_on_close_or_dropped_when_busy(tmp_path: Path) -> None:
    path = tmp_path / DB_FILENAME
    async with await Store.open(path) as store:
        await store.save(KEY, "q", ANSWER_JSON)
        await store.lookup(KEY)
    async with await Store.open(path) as store:
        assert (await store.cache_stats()).hits == 1
        await store.lookup(KEY)
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN EXCLUSIVE")
        started = time.perf_counter()
        await store.close()  # does not wait the busy timeout for a statistic
        assert time.perf_counter() - started < 1.0
        other.execute("ROLLBACK")
        other.close()


def test_a_cached_ask_does_not_wait_for_another_process_holding_the_lock(tmp_path: Path) -> None:
    data = tmp_path / "D"
    question = "Who is Ivanka Trump married to?"
    assert run_cli(data, "ask", question).returncode == 0
    holder = sqlite3.connect(data / DB_FILENAME, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        started = time.perf_counter()
        asked = run_cli(data, "ask", "--json", question)
        elapsed = time.perf_counter() - started
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert asked.returncode == 0, asked.stderr
    assert json.loads(asked.stdout)["cached"] and elapsed < 10  # was 15.8 s, then exit 1


async def test_a_write_that_must_wait_says_so_then_reports_busy(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(store_backend, "WAIT_NOTICE_S", 0.1)
    path = tmp_path / DB_FILENAME
    async with await Store.open(path, busy_timeout=0.5) as store:
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            with caplog.at_level(logging.WARNING), pytest.raises(StoreBusyError) as caught:
                await store.save(KEY, "q", ANSWER_JSON)
        finally:
            other.execute("ROLLBACK")
            other.close()
    assert "waiting for the database" in caplog.text
    assert "is busy" in str(caught.value) and "nothing was changed" in str(caught.value)
