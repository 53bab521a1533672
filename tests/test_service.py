"""bot/service.py against real SQLite files: what the CLI and the Discord bot rely on."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import shutil
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import bot.service
from bot.render_text import render_answer
from bot.service import Asker, Report, ServedAnswer, Service, ServiceError
from bot.settings import Settings
from bot.store import DB_FILENAME
from knowledge.corpus import default_corpus_dir
from knowledge.search.library import open_library
from tests.store_support import ROOT

ADA = Asker(user_id="1001", display_name="Ada", guild_id="77", channel_id="88")
QUESTION = "Where did Kim and Ivanka first meet?"


def _questions(library, count: int) -> list[str]:
    """Distinct questions made from the corpus' own paragraphs (no hand-picked phrasing)."""
    questions: list[str] = []
    for passage in library.passages:
        words = passage.text.split()[:7]
        question = f"What about {' '.join(words)}?"
        if len(words) == 7 and question not in questions:
            questions.append(question)
    assert len(questions) >= count
    return questions[:count]


def _count_rows(data_dir: Path, sql: str) -> int:
    with sqlite3.connect(data_dir / DB_FILENAME) as db:
        count = db.execute(sql).fetchone()[0]
    db.close()
    return count


# -- asking -----------------------------------------------------------------------------------
async def test_ask_is_cached_across_a_restart_with_a_stable_answer_id(settings, library) -> None:
    async with await Service.open(settings, library=library) as service:
        first = await service.ask(QUESTION)
    async with await Service.open(settings, library=library) as service:
        second = await service.ask(QUESTION)
    assert (first.cached, second.cached) == (False, True)
    assert first.answer_id == second.answer_id
    assert second.model_dump(exclude={"cached"}) == first.model_dump(exclude={"cached"})
    payload = second.model_dump(mode="json")
    assert payload["answer_id"] == first.answer_id and payload["cached"] is True


async def test_questions_differing_in_case_space_or_end_punctuation_share_an_entry(
    service: Service,
) -> None:
    first = await service.ask(QUESTION)
    folded = await service.ask("  where did KIM and ivanka   first meet ")
    assert folded.cached and folded.answer_id == first.answer_id
    assert folded.question == "where did KIM and ivanka first meet"  # the asker's own wording
    other = await service.ask("Where did Kim and Ivanka last meet?")
    assert not other.cached and other.answer_id != first.answer_id


async def test_a_changed_corpus_is_never_served_an_old_answer(settings, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(default_corpus_dir(), corpus)
    before = open_library(corpus, None)
    async with await Service.open(settings, library=before) as service:
        old = await service.ask(QUESTION)
    first_file = sorted(corpus.glob("*.txt"))[0]
    first_file.write_text(first_file.read_text() + "\nA new paragraph added later.\n")
    after = open_library(corpus, None)
    assert after.fingerprint != before.fingerprint
    async with await Service.open(settings, library=after) as service:
        new = await service.ask(QUESTION)
        assert not new.cached and new.answer_id != old.answer_id
        assert (await service.ask(QUESTION)).cached


async def test_answers_are_composed_off_the_event_loop(service: Service, monkeypatch) -> None:
    threads: list[int] = []
    real = bot.service.answer_live

    def recording(library, question, options=None):
        threads.append(threading.get_ident())
        return real(library, question, options)

    monkeypatch.setattr(bot.service, "answer_live", recording)
    await service.ask(QUESTION)
    assert threads and threads[0] != threading.get_ident()


async def test_the_library_is_loaded_once_per_process(settings) -> None:
    async with await Service.open(settings) as one, await Service.open(settings) as two:
        assert one.library is two.library
    lazy = await Service.open(settings, load_library=False)
    async with lazy:
        with pytest.raises(RuntimeError):
            _ = lazy.library
        assert (await lazy.ask(QUESTION)).answer_id
        assert lazy.library is one.library


async def test_an_empty_or_overlong_question_is_a_service_error(service: Service) -> None:
    for bad in ("   ", "why " * 200):
        with pytest.raises(ServiceError):
            await service.ask(bad)


async def test_get_answer_returns_the_stored_answer(service: Service) -> None:
    served = await service.ask(QUESTION)
    again = await service.get_answer(served.answer_id)
    assert isinstance(again, ServedAnswer)
    assert again.answer_id == served.answer_id and again.quotes == served.quotes
    assert await service.get_answer("nope") is None


async def test_100_concurrent_asks_against_one_file(settings, library) -> None:
    questions = _questions(library, 20)
    variants = [
        variant
        for question in questions
        for variant in (question, question.lower(), question.upper(), question[:-1], f" {question}")
    ]
    async with await Service.open(settings, library=library) as service:
        served = await asyncio.gather(*(service.ask(q) for q in variants))
        stats = await service.cache_stats()
    assert len(served) == 100
    ids = [answer.answer_id for answer in served]
    for start in range(0, 100, 5):
        assert len(set(ids[start : start + 5])) == 1  # the five wordings share one answer
    assert len(set(ids)) == 20
    assert stats.hits + stats.misses == 100 and stats.entries == 20
    async with await Service.open(settings, library=library) as service:
        again = await asyncio.gather(*(service.ask(q) for q in questions))
    assert all(answer.cached for answer in again)
    assert [a.answer_id for a in again] == ids[::5]


# -- reports ----------------------------------------------------------------------------------
async def test_a_report_is_committed_before_it_is_acknowledged(service, settings) -> None:
    served = await service.ask(QUESTION)
    report = await service.report(served.answer_id, ADA, "wrong", "  they met at a party  ")
    assert isinstance(report, Report)
    with sqlite3.connect(settings.data_dir / DB_FILENAME) as db:  # another connection sees it
        row = db.execute(
            "SELECT status, reason, reporter_id, guild_id, channel_id FROM reports "
            "WHERE report_id = ?",
            (report.report_id,),
        ).fetchone()
    db.close()
    assert row == ("open", "they met at a party", "1001", "77", "88")
    assert report.question == served.question
    assert report.answer_text == render_answer(served).strip()


async def test_bad_reports_are_refused_with_clear_errors(service: Service) -> None:
    served = await service.ask(QUESTION)
    with pytest.raises(ServiceError, match="no answer with id 'zzzz'"):
        await service.report("zzzz", ADA, "wrong", "x")
    with pytest.raises(ServiceError, match="1001 characters"):
        await service.report(served.answer_id, ADA, "wrong", "x" * 1001)
    with pytest.raises(ServiceError, match="unknown category 'rude'"):
        await service.report(served.answer_id, ADA, "rude", "x")
    with pytest.raises(ServiceError, match="needs a name"):
        await service.report(served.answer_id, Asker(display_name="  "), "wrong", "x")
    assert await service.reports("all") == []
    ok = await service.report(served.answer_id, ADA, "missing-source", "x" * 1000)
    assert len(ok.reason) == 1000


async def test_reporting_evicts_and_resolving_allows_caching_again(service: Service) -> None:
    served = await service.ask(QUESTION)
    assert (await service.ask(QUESTION)).cached
    report = await service.report(served.answer_id, ADA, "wrong", "wrong meeting")
    recomputed = await service.ask(QUESTION)
    assert not recomputed.cached and recomputed.answer_id == served.answer_id
    assert not (await service.ask(QUESTION)).cached
    resolved = await service.resolve(report.report_id, "Mo", "resolved", "corpus fixed")
    assert resolved.status == "resolved" and resolved.moderator == "Mo"
    assert (await service.ask(QUESTION)).cached


async def test_a_repeat_report_updates_the_first_and_keeps_both_reasons(service: Service) -> None:
    served = await service.ask(QUESTION)
    first = await service.report(served.answer_id, ADA, "wrong", "first reason")
    second = await service.report(served.answer_id, ADA, "outdated", "second reason")
    assert second.report_id == first.report_id
    assert "first reason" in second.reason and "second reason" in second.reason
    assert second.category == "outdated"
    assert len(await service.reports()) == 1


async def test_moderation_filters_by_status_and_guild(service: Service) -> None:
    served = await service.ask(QUESTION)
    here = await service.report(served.answer_id, ADA, "wrong", "a")
    there = await service.report(
        served.answer_id, Asker(user_id="5", display_name="Bo", guild_id="99"), "other", "b"
    )
    cli = await service.report(served.answer_id, Asker(display_name="carol"), "wrong", "c")
    assert [r.report_id for r in await service.reports(guild_id="77")] == [here.report_id]
    with pytest.raises(ServiceError, match="no report"):
        await service.resolve(there.report_id, "Mo", "resolved", "n", guild_id="77")
    rejected = await service.resolve(there.report_id, "Mo", "rejected", "fine", guild_id="99")
    assert rejected.status == "rejected"
    with pytest.raises(ServiceError, match="already rejected by Mo"):
        await service.resolve(there.report_id, "Mo", "resolved", "again")
    with pytest.raises(ServiceError, match="status must be"):
        await service.resolve(cli.report_id, "Mo", "open", "n")
    with pytest.raises(ServiceError, match="unknown status"):
        await service.reports("closed")
    assert [r.report_id for r in await service.reports()] == [here.report_id, cli.report_id]
    assert [r.report_id for r in await service.reports("rejected")] == [there.report_id]
    assert len(await service.reports("all")) == len(await service.reports(None)) == 3


async def test_export_as_jsonl_and_spreadsheet_safe_csv(service: Service) -> None:
    served = await service.ask(QUESTION)
    await service.report(served.answer_id, ADA, "wrong", '=HYPERLINK("http://x")')
    await service.report(served.answer_id, Asker(display_name="Bo"), "other", 'line one\n"two"')
    lines = (await service.export_reports("jsonl")).splitlines()
    exact = [Report.model_validate_json(line) for line in lines]
    assert [r.reason for r in exact] == ['=HYPERLINK("http://x")', 'line one\n"two"']
    rows = list(csv.DictReader(io.StringIO(await service.export_reports("csv"))))
    assert [row["reason"] for row in rows] == ['\'=HYPERLINK("http://x")', 'line one\n"two"']
    assert rows[1]["guild_id"] == "" and rows[0]["reporter_id"] == "1001"
    with pytest.raises(ServiceError, match="unknown export format"):
        await service.export_reports("xml")


async def test_100_concurrent_reports_against_one_file(settings, library) -> None:
    async with await Service.open(settings, library=library) as service:
        answers = await asyncio.gather(*(service.ask(q) for q in _questions(library, 5)))
        reporters = [
            Asker(user_id=str(n), display_name=f"user{n}", guild_id="1") for n in range(100)
        ]
        reports = await asyncio.gather(
            *(
                service.report(answers[n % 5].answer_id, reporter, "wrong", f"reason {n}")
                for n, reporter in enumerate(reporters)
            )
        )
        # One reporter hammering the same answer merges into one report, losing no reason.
        same = await asyncio.gather(
            *(service.report(answers[0].answer_id, ADA, "wrong", f"take {n}") for n in range(20))
        )
    assert len({r.report_id for r in reports}) == 100
    assert len({r.report_id for r in same}) == 1
    assert _count_rows(settings.data_dir, "SELECT count(*) FROM reports") == 101
    with sqlite3.connect(settings.data_dir / DB_FILENAME) as db:
        (merged,) = db.execute("SELECT reason FROM reports WHERE reporter_id = '1001'").fetchone()
    db.close()
    assert sorted(merged.split("\n\n")) == sorted(f"take {n}" for n in range(20))


_REPORTER_PROCESS = """
import asyncio, sys, time
from pathlib import Path
from bot.service import Asker, Service
from tests.store_support import settings_for

data, answer_id, name, go = sys.argv[1], sys.argv[2], sys.argv[3], Path(sys.argv[4])

async def main():
    async with await Service.open(settings_for(Path(data)), load_library=False) as service:
        while not go.exists():
            await asyncio.sleep(0.001)
        for n in range(150):
            await service.report(answer_id, Asker(display_name=f"{name}-{n}"), "wrong", name)

asyncio.run(main())
"""


async def test_two_processes_reporting_at_once_lose_nothing(
    settings, library, tmp_path: Path
) -> None:
    async with await Service.open(settings, library=library) as service:
        answer_id = (await service.ask(QUESTION)).answer_id
    go = tmp_path / "go"
    children = [
        subprocess.Popen(
            [sys.executable, "-c", _REPORTER_PROCESS, str(settings.data_dir), answer_id, name, go],
            cwd=ROOT,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("left", "right")
    ]
    await asyncio.sleep(0.5)  # let both open the database before either starts writing
    go.touch()
    for child in children:
        _, stderr = await asyncio.to_thread(child.communicate, timeout=120)
        assert child.returncode == 0, stderr
    count = "SELECT count(*) FROM reports WHERE reason = '{}'"
    assert _count_rows(settings.data_dir, count.format("left")) == 150
    assert _count_rows(settings.data_dir, count.format("right")) == 150


# -- timeline ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("filters", "flags"),
    [
        ({}, []),
        ({"year": 2018}, ["--year", "2018"]),
        ({"start": "2016", "end": "2019-06"}, ["--from", "2016", "--to", "2019-06"]),
        ({"about": "prison reform"}, ["--about", "prison reform"]),
    ],
)
async def test_timeline_matches_the_command_line(service, settings, capsys, filters, flags) -> None:
    from bot.cli import main

    served = await service.timeline(**filters)
    assert served.events  # the bundled articles date something in each of these ranges
    code = await asyncio.to_thread(
        main, ["timeline", "--json", "--data", str(settings.data_dir), *flags]
    )
    assert code == 0
    printed = json.loads(capsys.readouterr().out)
    assert [e.model_dump(mode="json") for e in served.events] == printed["events"]
    assert [m.model_dump(mode="json") for m in served.unresolved] == printed["unresolved"]


async def test_timeline_filters_that_cannot_apply_are_service_errors(service) -> None:
    for filters in (
        {"year": "twenty"},
        {"start": "last spring"},
        {"start": "2020", "end": "2018"},
        {"about": "the of"},
    ):
        with pytest.raises(ServiceError):
            await service.timeline(**filters)


async def test_the_reader_setting_reaches_the_answerer_and_the_cache_key(tmp_path, monkeypatch):
    """CITEBOT_READER=on answers with the reader and caches apart from the default (off)."""
    seen: list[bool] = []
    real = bot.service.answer_live

    def recording(live, question, options=None):
        seen.append(options.reader)
        return real(live, question, options)

    monkeypatch.setattr(bot.service, "answer_live", recording)
    versions = []
    for switch in ("off", "on"):
        settings = Settings(CITEBOT_DATA=str(tmp_path / "data"), CITEBOT_READER=switch)
        async with await Service.open(settings) as service:
            await service.ask(QUESTION)
            versions.append(service.answerer_version)
    assert seen == [False, True]  # the same database: "on" did not reuse "off"'s answer
    assert versions[1] == versions[0] + "+reader"
