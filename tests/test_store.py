"""bot/store/ on both backends (a real SQLite file, a real PostgreSQL database): cache, reports,
migrations, locking; and, SQLite only, damaged files and unusable folders."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

import bot.store.backend as store_backend
from bot.store import (
    DB_FILENAME,
    MIGRATIONS,
    SCHEMA_VERSION,
    Backend,
    CacheKey,
    RecordNotFound,
    ReportClosed,
    Store,
    StoreBusyError,
    StoreError,
    check_database,
    check_store,
    open_backend,
    question_key,
)

KEY = CacheKey(question_key("Where did they first meet?"), "fp-one", "v1")
ANSWER_JSON = '{"question": "Where did they first meet?", "answered": false, "quotes": []}'


def _report_fields(answer_id: str, **overrides: str | None) -> dict[str, str | None]:
    fields: dict[str, str | None] = {
        "answer_id": answer_id,
        "question": "Where did they first meet?",
        "answer_text": "> a quote\n  - a source",
        "reporter_id": "1001",
        "reporter_name": "Ada",
        "guild_id": "77",
        "channel_id": "88",
        "category": "wrong",
        "reason": "they met at a party",
    }
    fields.update(overrides)
    return fields


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
async def store(store_target: str | Path):
    store = await Store.open(store_target)
    yield store
    await store.close()


# -- keys -------------------------------------------------------------------------------------
def test_question_key_folds_case_whitespace_and_end_punctuation() -> None:
    base = question_key("Where did they first meet?")
    for variant in (
        "where did they first meet",
        "  WHERE did they\tfirst   meet ?! ",
        "Where did they first meet...",
        "Where did they first meet\u2026",
    ):
        assert question_key(variant) == base
    assert question_key("Where did they last meet?") != base
    assert question_key("Who is Sánchez?") == question_key("who is sanchez")
    assert question_key("Was it in the U.S.?") != question_key("Was it in the US?")


# -- setup ------------------------------------------------------------------------------------
async def test_new_database_uses_wal_foreign_keys_and_a_busy_timeout(tmp_path: Path) -> None:
    async with await Store.open(tmp_path / "deep" / "er" / DB_FILENAME, busy_timeout=3) as store:
        db = store.backend._db
        assert (await (await db.execute("PRAGMA journal_mode")).fetchone())[0] == "wal"
        assert (await (await db.execute("PRAGMA foreign_keys")).fetchone())[0] == 1
        assert (await (await db.execute("PRAGMA busy_timeout")).fetchone())[0] == 3000
    with sqlite3.connect(tmp_path / "deep" / "er" / DB_FILENAME) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


# -- cache ------------------------------------------------------------------------------------
async def test_cache_miss_then_hit_across_a_restart(store_target: str | Path) -> None:
    async with await Store.open(store_target) as store:
        assert await store.lookup(KEY) is None
        answer_id = await store.save(KEY, "Where did they first meet?", ANSWER_JSON)
    async with await Store.open(store_target) as store:
        hit = await store.lookup(KEY)
        assert hit is not None
        assert (hit.answer_id, hit.answer_json) == (answer_id, ANSWER_JSON)
        stats = await store.cache_stats()
    assert (stats.entries, stats.hits, stats.misses, stats.hit_rate) == (1, 1, 1, 0.5)
    assert stats.counting_since is not None


async def test_a_new_fingerprint_or_answerer_never_gets_an_old_answer(store: Store) -> None:
    answer_id = await store.save(KEY, "q", ANSWER_JSON)
    for other in (KEY._replace(fingerprint="fp-two"), KEY._replace(answerer_version="v2")):
        assert await store.lookup(other) is None
        other_id = await store.save(other, "q", ANSWER_JSON.replace("false", "true"))
        assert other_id != answer_id
        hit = await store.lookup(other)
        assert hit is not None and hit.answer_id == other_id
    hit = await store.lookup(KEY)
    assert hit is not None and hit.answer_id == answer_id


async def test_the_answer_id_is_stable_for_a_key_and_survives_recomputation(store: Store) -> None:
    first = await store.save(KEY, "q", ANSWER_JSON)
    assert await store.save(KEY, "q", ANSWER_JSON) == first
    assert len(first) == 10
    assert await store.clear_cache() == 1
    assert await store.lookup(KEY) is None
    assert await store.save(KEY, "q", ANSWER_JSON) == first


async def test_an_open_report_evicts_the_answer_until_it_is_resolved(store: Store) -> None:
    answer_id = await store.save(KEY, "q", ANSWER_JSON)
    report = await store.add_report(**_report_fields(answer_id))
    assert await store.lookup(KEY) is None
    await store.save(KEY, "q", ANSWER_JSON)  # recomputed: still not served while open
    assert await store.lookup(KEY) is None
    await store.resolve(report.report_id, moderator="mod", status="rejected", note="it is right")
    hit = await store.lookup(KEY)
    assert hit is not None and hit.answer_id == answer_id


async def test_clearing_the_cache_keeps_answers_that_reports_refer_to(store: Store) -> None:
    reported = await store.save(KEY, "q", ANSWER_JSON)
    other_key = KEY._replace(question_key="who are they")
    unreported = await store.save(other_key, "q2", ANSWER_JSON)
    await store.add_report(**_report_fields(reported))
    assert await store.clear_cache() == 2
    assert await store.lookup(other_key) is None
    assert await store.answer(unreported) is None
    kept = await store.answer(reported)
    assert kept is not None and kept.answer_json == ANSWER_JSON
    assert [r.answer_id for r in await store.reports()] == [reported]


# -- reports ----------------------------------------------------------------------------------
async def test_a_second_report_by_the_same_reporter_merges_and_keeps_both_reasons(
    store: Store,
) -> None:
    answer_id = await store.save(KEY, "q", ANSWER_JSON)
    first = await store.add_report(**_report_fields(answer_id))
    second = await store.add_report(
        **_report_fields(answer_id, category="outdated", reason="it was in 2019")
    )
    again = await store.add_report(**_report_fields(answer_id, reason="it was in 2019"))
    assert first.report_id == second.report_id == again.report_id
    assert again.reason == "they met at a party\n\nit was in 2019"
    assert second.category == "outdated"
    assert second.updated_at > second.created_at == first.created_at
    assert len(await store.reports(None)) == 1


async def test_reports_by_other_people_other_guilds_or_after_closing_are_separate(
    store: Store,
) -> None:
    answer_id = await store.save(KEY, "q", ANSWER_JSON)
    mine = await store.add_report(**_report_fields(answer_id))
    theirs = await store.add_report(**_report_fields(answer_id, reporter_id="1002"))
    elsewhere = await store.add_report(**_report_fields(answer_id, guild_id="99"))
    cli_a = await store.add_report(**_report_fields(answer_id, reporter_id=None, guild_id=None))
    cli_b = await store.add_report(
        **_report_fields(answer_id, reporter_id=None, guild_id=None, reason="more")
    )
    assert len({mine.report_id, theirs.report_id, elsewhere.report_id, cli_a.report_id}) == 4
    assert cli_b.report_id == cli_a.report_id
    await store.resolve(mine.report_id, moderator="mod", status="resolved", note="fixed")
    later = await store.add_report(**_report_fields(answer_id, reason="still wrong"))
    assert later.report_id not in {mine.report_id, theirs.report_id}
    assert [r.report_id for r in await store.reports("open", guild_id="77")] == [
        theirs.report_id,
        later.report_id,
    ]
    assert len(await store.reports(None)) == 5


async def test_reports_need_a_stored_answer(store: Store) -> None:
    with pytest.raises(RecordNotFound):
        await store.add_report(**_report_fields("0123456789"))


async def test_resolve_records_the_moderator_and_refuses_closed_or_foreign_reports(
    store: Store,
) -> None:
    answer_id = await store.save(KEY, "q", ANSWER_JSON)
    report = await store.add_report(**_report_fields(answer_id))
    with pytest.raises(RecordNotFound):
        await store.resolve(
            report.report_id, moderator="m", status="resolved", note="", guild_id="1"
        )
    with pytest.raises(RecordNotFound):
        await store.resolve(999, moderator="m", status="resolved", note="")
    done = await store.resolve(report.report_id, moderator="Mo", status="resolved", note="fixed")
    assert (done.status, done.moderator, done.resolution_note) == ("resolved", "Mo", "fixed")
    assert done.resolved_at is not None
    with pytest.raises(ReportClosed):
        await store.resolve(report.report_id, moderator="m", status="rejected", note="")


# -- migrations -------------------------------------------------------------------------------
async def _make_database_at(target: str | Path, version: int) -> None:
    """A database as an older citebot left it: the first `version` migrations and some data."""
    backend = await open_backend(target)
    try:
        async with backend.transaction() as tx:
            for step in MIGRATIONS[:version]:
                for statement in step:
                    await tx.execute(statement)
            if version:
                await backend.set_schema_version(tx, version)
            if version >= 1:
                await tx.execute(
                    "INSERT INTO answers VALUES ('old0000001', ?, ?, ?, 'Where?', ?, '2024-01-01')",
                    (*KEY, ANSWER_JSON),
                )
                await tx.execute(
                    "INSERT INTO cache (answer_id, cached_at) VALUES ('old0000001', 'x')"
                )
            if version >= 2:
                await tx.execute(
                    """INSERT INTO reports (answer_id, question, answer_text, reporter_key,
                           reporter_name, category, reason, created_at, updated_at, status)
                       VALUES ('old0000001', 'Where?', 'text', 'name:ann', 'ann', 'other', 'old',
                               '2024-01-01T00:00:00+00:00', '2024-01-01T00:00:00+00:00',
                               'resolved')"""
                )
    finally:
        await backend.close()


@pytest.mark.parametrize("version", range(SCHEMA_VERSION))
async def test_migrates_forward_from_every_earlier_version(
    store_target: str | Path, version: int
) -> None:
    await _make_database_at(store_target, version)
    async with await Store.open(store_target) as store:
        hit = await store.lookup(KEY)
        if version >= 1:
            assert hit is not None and hit.answer_id == "old0000001"
            report = await store.add_report(**_report_fields("old0000001"))
            assert report.status == "open"
        else:
            assert hit is None
        old_reports = [r for r in await store.reports(None) if r.reason == "old"]
        assert len(old_reports) == (1 if version >= 2 else 0)
        stats = await store.cache_stats()
        assert stats.hits + stats.misses == 1
    result = await check_store(store_target)
    assert result.ok and result.schema_version == SCHEMA_VERSION


async def test_two_stores_opening_a_fresh_database_at_once_migrate_it_once(
    store_target: str | Path,
) -> None:
    stores = await asyncio.gather(*(Store.open(store_target) for _ in range(4)))
    for store in stores:
        await store.close()
    assert (await check_store(store_target)).schema_version == SCHEMA_VERSION


async def _schema_version(target: str | Path) -> int:
    backend: Backend = await open_backend(target)
    try:
        async with backend.read() as tx:
            return await backend.schema_version(tx)
    finally:
        await backend.close()


async def test_a_database_from_a_newer_citebot_is_refused_untouched(
    store_target: str | Path,
) -> None:
    backend = await open_backend(store_target)
    async with backend.transaction() as tx:
        await backend.set_schema_version(tx, SCHEMA_VERSION + 1)
    await backend.close()
    before = _digest(store_target) if isinstance(store_target, Path) else None
    with pytest.raises(StoreError, match="newer citebot"):
        await Store.open(store_target)
    assert await _schema_version(store_target) == SCHEMA_VERSION + 1
    if before is not None:
        assert _digest(store_target) == before


async def test_someone_elses_database_is_refused_untouched(store_target: str | Path) -> None:
    backend = await open_backend(store_target)
    async with backend.transaction() as tx:
        await tx.execute("CREATE TABLE recipes (name TEXT)")
        await tx.execute("INSERT INTO recipes VALUES ('soup')")
    await backend.close()
    before = _digest(store_target) if isinstance(store_target, Path) else None
    with pytest.raises(StoreError, match="not citebot's") as caught:
        await Store.open(store_target)
    assert str(store_target).split("@")[-1] in str(caught.value)
    assert await _schema_version(store_target) == 0
    if before is not None:
        assert _digest(store_target) == before
    result = await check_store(store_target)
    assert not result.ok and "not citebot's" in result.problems[0]


# -- damaged files and unusable folders -------------------------------------------------------
async def test_a_file_that_is_not_a_database_is_reported_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / DB_FILENAME
    path.write_text("my shopping list\n" * 50)
    before = _digest(path)
    with pytest.raises(StoreError) as caught:
        await Store.open(path)
    message = str(caught.value)
    assert str(path) in message and "not a citebot database" in message
    assert "move or rename" in message
    assert _digest(path) == before
    result = check_database(path)
    assert not result.ok and result.problems == ["file is not a database"]


def _damage_pages(path: Path) -> None:
    """Keep the header page, scribble over every other page."""
    data = bytearray(path.read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    data[page_size:] = b"\xa5" * (len(data) - page_size)
    path.write_bytes(bytes(data))


async def test_a_damaged_database_is_reported_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / DB_FILENAME
    async with await Store.open(path) as store:
        answer_id = await store.save(KEY, "q", ANSWER_JSON)
        await store.add_report(**_report_fields(answer_id))
    _damage_pages(path)
    before = _digest(path)
    with pytest.raises(StoreError, match="damaged") as caught:
        store = await Store.open(path)
        try:
            await store.lookup(KEY)
        finally:
            await store.close()
    assert str(path) in str(caught.value)
    assert _digest(path) == before
    result = check_database(path)
    assert not result.ok
    assert any("malformed" in problem for problem in result.problems)


async def test_a_data_folder_that_cannot_be_created_is_reported(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(StoreError, match="cannot create the data folder") as caught:
        await Store.open(blocker / "data" / DB_FILENAME)
    assert str(blocker / "data") in str(caught.value)
    assert blocker.read_text() == "not a folder"


async def test_a_folder_in_place_of_the_database_file_is_reported(tmp_path: Path) -> None:
    (tmp_path / DB_FILENAME).mkdir()
    with pytest.raises(StoreError, match="is not a file"):
        await Store.open(tmp_path / DB_FILENAME)


# -- locking and concurrency ------------------------------------------------------------------
@contextlib.asynccontextmanager
async def write_lock_held_by(other: Store) -> AsyncIterator[None]:
    """Another process (its own store) holds the write lock for the block's duration."""
    held, release = asyncio.Event(), asyncio.Event()

    async def hold() -> None:
        async with other.backend.transaction() as tx:
            await tx.execute("INSERT INTO counters (name, value) VALUES ('other', 1)")
            held.set()
            await release.wait()

    holder = asyncio.ensure_future(hold())
    await held.wait()
    try:
        yield
    finally:
        release.set()
        await holder


async def test_a_write_waits_for_another_process_to_release_its_lock(store_target) -> None:
    async with await Store.open(store_target) as store, await Store.open(store_target) as other:
        answer_id = await store.save(KEY, "q", ANSWER_JSON)
        async with write_lock_held_by(other):
            pending = asyncio.ensure_future(store.add_report(**_report_fields(answer_id)))
            await asyncio.sleep(0.3)
            assert not pending.done()  # waiting on the lock, not failing
        report = await pending
        assert report.status == "open"
        assert (await store.cache_stats()).open_reports == 1


async def test_a_write_that_must_wait_says_so_then_reports_busy(
    store_target, monkeypatch, caplog
) -> None:
    monkeypatch.setattr(store_backend, "WAIT_NOTICE_S", 0.1)
    async with (
        await Store.open(store_target, busy_timeout=0.5) as store,
        await Store.open(store_target) as other,
    ):
        async with write_lock_held_by(other):
            with caplog.at_level(logging.WARNING), pytest.raises(StoreBusyError) as caught:
                await store.save(KEY, "q", ANSWER_JSON)
        assert await store.save(KEY, "q", ANSWER_JSON)  # usable again once released
    assert "waiting for the database" in caplog.text
    message = str(caught.value)
    assert "is busy" in message and "nothing was changed" in message
    assert "locked by another citebot process" in message


async def test_pending_hit_counts_never_hold_up_closing(store_target) -> None:
    async with await Store.open(store_target) as store:
        await store.save(KEY, "q", ANSWER_JSON)
    store = await Store.open(store_target)
    async with await Store.open(store_target) as other:
        await store.lookup(KEY)
        async with write_lock_held_by(other):
            started = asyncio.get_running_loop().time()
            await store.close()  # written if it can be at once, else dropped: a statistic
            assert asyncio.get_running_loop().time() - started < 1.0


async def test_a_cache_hit_does_not_wait_for_another_process_writing(store_target) -> None:
    async with (
        await Store.open(store_target, busy_timeout=20) as store,
        await Store.open(store_target) as other,
    ):
        await store.save(KEY, "q", ANSWER_JSON)
        async with write_lock_held_by(other):
            hit = await asyncio.wait_for(store.lookup(KEY), 5.0)  # a wait would be 20 s
        assert hit is not None
        assert (await store.cache_stats()).hits == 1  # counted, written later
        assert (await other.cache_stats()).hits == 0
    async with await Store.open(store_target) as again:
        assert (await again.cache_stats()).hits == 1  # written on close


async def test_no_report_is_lost_when_two_processes_file_at_once(store_target) -> None:
    """Two stores (two processes' worth of connections) filing 60 reports concurrently: every
    distinct reporter gets one report, and one reporter's repeats merge into one."""
    async with await Store.open(store_target) as one, await Store.open(store_target) as two:
        answer_id = await one.save(KEY, "q", ANSWER_JSON)
        filings = [
            (one if n % 2 else two).add_report(
                **_report_fields(answer_id, reporter_id=f"u{n % 20}", reason=f"reason {n}")
            )
            for n in range(60)
        ]
        filed = await asyncio.gather(*filings)
        reports = await two.reports("open")
    assert len(reports) == 20 == len({r.report_id for r in filed})
    for report in reports:
        assert len(report.reason.split("\n\n")) == 3  # its three reasons, none lost


async def test_a_cancelled_caller_leaves_the_connection_usable(store: Store) -> None:
    answer_id = await store.save(KEY, "q", ANSWER_JSON)
    for delay in range(6):  # cancel at different points of the transaction
        pending = asyncio.ensure_future(
            store.add_report(**_report_fields(answer_id, reporter_id=str(delay)))
        )
        for _ in range(delay):
            await asyncio.sleep(0)
        pending.cancel()
        with pytest.raises(asyncio.CancelledError):
            await pending
        other = await store.add_report(**_report_fields(answer_id, reporter_id=f"x{delay}"))
        assert other.status == "open"
    # A report whose caller gave up was still recorded whole (or, cancelled before it
    # started, not at all): never half-written.
    reporters = {r.reporter_id for r in await store.reports()}
    assert {f"x{n}" for n in range(6)} <= reporters


async def test_an_export_lists_every_table_by_its_key_whatever_was_updated(store: Store) -> None:
    """PostgreSQL returns an updated row after the others unless asked for an order."""
    answer_id = await store.save(KEY, "q", ANSWER_JSON)
    for reporter in ("1001", "1002", "1003"):
        await store.add_report(**_report_fields(answer_id, reporter_id=reporter))
    await store.resolve(1, moderator="mod", status="rejected", note="it is right")
    rows: list[tuple[str, dict]] = []
    await store.export_rows(lambda table, row: rows.append((table, row)))
    assert [row["report_id"] for table, row in rows if table == "reports"] == [1, 2, 3]
    for table in {table for table, _ in rows}:
        keys = [next(iter(row.values())) for name, row in rows if name == table]
        assert keys == sorted(keys), table
