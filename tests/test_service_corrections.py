"""Corrections and "This answered me" through the service, on both store backends (a real
SQLite file, a real PostgreSQL database)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.service import Asker, Service, ServiceError
from bot.store import check_store, database_target
from knowledge.search.library import open_library
from tests.store_support import settings_for

HERE = Asker(user_id="1", display_name="Ada", guild_id="77", channel_id="88")
THERE = Asker(user_id="2", display_name="Bob", guild_id="99", channel_id="98")
QUESTION = "where do ivanka n jared live rn"
REWORDING = "where is ivanka living now"
ANSWER = "000:2:4"  # "... while Trump lives in Palm Beach ..."


async def correct(service: Service, question: str = QUESTION, asker: Asker = HERE, ref=ANSWER):
    answer = await service.ask(question, asker)
    report = await service.report(answer.answer_id, asker, "wrong", "it says Palm Beach")
    return await service.resolve(report.report_id, "Mo", "resolved", "see 000", answer=ref)


@pytest.fixture
def settings(tmp_path: Path, store_target):
    settings = settings_for(tmp_path / "data")
    settings.database_url = str(store_target)
    return settings


def first(answer) -> tuple[str, int]:
    quote = answer.quotes[0]
    return quote.source_id, quote.paragraph


async def test_the_question_and_its_rewordings_get_the_corrected_quote_in_that_guild_only(
    service: Service,
) -> None:
    before_here = await service.ask(REWORDING, HERE)  # cached before the correction
    report = await correct(service)
    assert report.status == "resolved" and report.answer_ref == "000_f42420c014769c46:2:4"
    assert report.correction_status == "active"
    for question in (QUESTION, QUESTION.upper() + "?", REWORDING):
        fixed = await service.ask(question, HERE)
        assert fixed.corrected is not None and fixed.corrected.by == "Mo"
        assert first(fixed) == ("000_f42420c014769c46", 2)
        assert "Palm Beach" in fixed.quotes[0].text and fixed.answered
    fixed = await service.ask(REWORDING, HERE)
    assert fixed.cached and fixed.answer_id != before_here.answer_id  # its own cache entry
    assert (await service.get_answer(fixed.answer_id)).corrected is not None  # reportable
    elsewhere = await service.ask(REWORDING, THERE)
    assert elsewhere.corrected is None and elsewhere.answer_id == before_here.answer_id
    unrelated = await service.ask("where did kim and ivanka first meet", HERE)
    assert unrelated.corrected is None


async def test_corrections_survive_a_restart_and_can_be_withdrawn(settings, library) -> None:
    async with await Service.open(settings, library=library) as service:
        await correct(service)
    async with await Service.open(settings, library=library) as service:
        assert (await service.ask(REWORDING, HERE)).corrected is not None
        (active,) = await service.corrections()
        assert active.question == QUESTION and active.guild_id == "77" and active.report_id == 1
        withdrawn = await service.withdraw_correction(active.correction_id, "Mo")
        assert withdrawn.status == "withdrawn" and withdrawn.closed_by == "Mo"
        assert (await service.ask(REWORDING, HERE)).corrected is None
        assert await service.corrections() == []
        assert [c.status for c in await service.corrections("all")] == ["withdrawn"]
        with pytest.raises(ServiceError, match="already withdrawn"):
            await service.withdraw_correction(active.correction_id, "Mo")
        with pytest.raises(ServiceError, match="no correction #9"):
            await service.withdraw_correction(9, "Mo")


async def test_a_new_correction_of_the_same_question_replaces_the_old_one(service) -> None:
    await correct(service)
    await correct(service, ref="001:2:1")
    (active,) = await service.corrections()
    assert active.answer_ref == "001_2309abed9a7bf6a3:2:1"
    assert first(await service.ask(QUESTION, HERE)) == ("001_2309abed9a7bf6a3", 2)
    old = [c for c in await service.corrections("all") if c.status == "withdrawn"]
    assert old and old[0].closed_note == f"replaced by correction #{active.correction_id}"


async def test_a_guild_moderator_corrects_only_their_guild(service) -> None:
    answer = await service.ask(QUESTION, THERE)
    report = await service.report(answer.answer_id, THERE, "wrong", "x")
    with pytest.raises(ServiceError, match="no report"):
        await service.resolve(report.report_id, "Mo", "resolved", "n", guild_id="77", answer=ANSWER)
    (correction,) = [await correct(service, asker=THERE)]
    assert (await service.corrections(guild_id="77")) == []
    with pytest.raises(ServiceError, match="no correction"):
        await service.withdraw_correction(correction.correction_id, "Mo", guild_id="77")


@pytest.mark.parametrize(
    ("ref", "message"),
    [("zzz:1", "is not a source"), ("000:99", "has paragraphs"), ("x", "cannot read")],
)
async def test_a_bad_passage_is_refused_and_the_report_stays_open(service, ref, message) -> None:
    answer = await service.ask(QUESTION, HERE)
    report = await service.report(answer.answer_id, HERE, "wrong", "x")
    with pytest.raises(ServiceError, match=message):
        await service.resolve(report.report_id, "Mo", "resolved", "n", answer=ref)
    with pytest.raises(ServiceError, match="only be named when resolving"):
        await service.resolve(report.report_id, "Mo", "rejected", "n", answer=ANSWER)
    assert (await service.reports())[0].status == "open"


async def test_exports_carry_the_passage(service) -> None:
    await correct(service)
    csv_text = await service.export_reports("csv")
    assert "answer_ref" in csv_text.splitlines()[0]
    assert "000_f42420c014769c46:2:4" in csv_text
    assert '"answer_ref":"000_f42420c014769c46:2:4"' in await service.export_reports("jsonl")


async def test_a_corpus_change_that_removes_the_passage_retires_the_correction(
    settings, tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    article = corpus / "a.md"
    article.write_text(
        "---\ntitle: Homes\ndate: 2024-01-01\n---\n\nAda lives in Paris with her cat.\n\n"
        "Bob lives in Rome.\n",
        encoding="utf-8",
    )
    async with await Service.open(settings, library=open_library(corpus, None)) as service:
        asker = Asker(display_name="Ada")
        answer = await service.ask("where does ada live", asker)
        report = await service.report(answer.answer_id, asker, "wrong", "x")
        await service.resolve(report.report_id, "Mo", "resolved", "n", answer="a:1")
        assert (await service.ask("where does ada live", asker)).corrected is not None
    article.write_text(
        "---\ntitle: Homes\ndate: 2024-01-01\n---\n\nAda moved to Oslo.\n\nBob lives in Rome.\n",
        encoding="utf-8",
    )
    async with await Service.open(settings, library=open_library(corpus, None)) as service:
        assert service.warnings == [
            "correction #1 retired: its passage a:1 is no longer in the sources"
        ]
        assert (
            await service.ask("where does ada live", Asker(display_name="Ada"))
        ).corrected is None
        (retired,) = await service.corrections("retired")
        assert retired.closed_by == "citebot"


async def test_this_answered_me_is_stored_once_per_user_and_listed_per_guild(
    service, settings
) -> None:
    answer = await service.ask("What religion did Ivanka adopt?", HERE)
    shown = answer.quotes if answer.answered else answer.closest
    feedback, new = await service.answered_me(answer.answer_id, 1, HERE)
    assert new and (feedback.source_id, feedback.paragraph) == first_of(shown)
    _, again = await service.answered_me(answer.answer_id, 1, HERE)
    assert not again
    await service.answered_me(answer.answer_id, 1, THERE)
    assert len(await service.feedback()) == 2 and len(await service.feedback("77")) == 1
    with pytest.raises(ServiceError, match="showed"):
        await service.answered_me(answer.answer_id, 9, HERE)
    with pytest.raises(ServiceError, match="no answer with id"):
        await service.answered_me("nope", 1, HERE)
    assert await service.clear_cache() >= 1  # answers with feedback are kept
    assert len(await service.feedback()) == 2
    check = await check_store(database_target(settings.database_url, settings.data_dir))
    assert check.ok and check.counts["feedback"] == 2  # and, on SQLite, no dangling reference


def first_of(quotes) -> tuple[str, int]:
    return quotes[0].source_id, quotes[0].paragraph


async def test_corrections_are_checked_concurrently_without_interleaving(service) -> None:
    await correct(service)
    answers = await asyncio.gather(*(service.ask(REWORDING, HERE) for _ in range(10)))
    assert all(a.corrected is not None for a in answers)
    assert len({a.answer_id for a in answers}) == 1


async def test_another_corpus_in_the_same_data_folder_neither_uses_nor_retires_them(
    settings, library, tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.md").write_text(
        "---\ntitle: Homes\ndate: 2024-01-01\n---\n\nAda lives in Paris with her cat.\n",
        encoding="utf-8",
    )
    own = open_library(corpus, None)
    asker = Asker(display_name="Ada")
    async with await Service.open(settings, library=own) as service:
        answer = await service.ask("where does ada live", asker)
        report = await service.report(answer.answer_id, asker, "wrong", "x")
        await service.resolve(report.report_id, "Mo", "resolved", "n", answer="a:1")
    async with await Service.open(settings, library=library) as service:  # the bundled one
        assert service.warnings == []
        assert (await service.ask("where does ada live", asker)).corrected is None
        assert [c.corpus for c in await service.corrections()] == [str(corpus.resolve())]
    async with await Service.open(settings, library=own) as service:
        assert (await service.ask("where does ada live", asker)).corrected is not None


HOMES = "---\ntitle: Homes\ndate: 2024-01-01\n---\n\nAda lives in Paris with her cat.\n\n"
OTHER = "---\ntitle: Pets\ndate: 2024-01-02\n---\n\nThe cat sleeps all day long.\n"


async def _corrected_corpus(settings, corpus: Path) -> None:
    """A two-source corpus and a correction of "where does ada live" to a:1."""
    corpus.mkdir()
    (corpus / "a.md").write_text(HOMES + "Bob lives in Rome.\n", encoding="utf-8")
    (corpus / "b.md").write_text(OTHER, encoding="utf-8")
    async with await Service.open(settings, library=open_library(corpus, None)) as service:
        asker = Asker(display_name="Ada")
        answer = await service.ask("where does ada live", asker)
        report = await service.report(answer.answer_id, asker, "wrong", "x")
        await service.resolve(report.report_id, "Mo", "resolved", "n", answer="a:1")


async def test_a_source_unreadable_for_a_moment_keeps_its_corrections(
    settings, tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus"
    await _corrected_corpus(settings, corpus)
    article = corpus / "a.md"
    good = article.read_bytes()
    article.write_bytes(good + b"\xff")  # not UTF-8: skipped with a warning, not removed
    async with await Service.open(settings, library=open_library(corpus, None)) as service:
        assert not any("retired" in w for w in service.warnings)
        assert [c.status for c in await service.corrections("all")] == ["active"]
    article.write_bytes(good)
    async with await Service.open(settings, library=open_library(corpus, None)) as service:
        fixed = await service.ask("where does ada live", Asker(display_name="Ada"))
        assert fixed.corrected is not None and "Paris" in fixed.quotes[0].text


async def test_a_retired_correction_is_restored_once_its_passage_is_back(
    settings, tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus"
    await _corrected_corpus(settings, corpus)
    article = corpus / "a.md"
    good = article.read_text(encoding="utf-8")
    article.write_text(good.replace("Paris with her cat", "Oslo"), encoding="utf-8")
    async with await Service.open(settings, library=open_library(corpus, None)) as service:
        assert service.warnings == [
            "correction #1 retired: its passage a:1 is no longer in the sources"
        ]
        with pytest.raises(ServiceError, match="passage a:1 is still not in the sources"):
            await service.restore_correction(1, "Mo")
    article.write_text(good, encoding="utf-8")
    async with await Service.open(settings, library=open_library(corpus, None)) as service:
        restored = await service.restore_correction(1, "Mo")
        assert restored.status == "active" and restored.closed_by is None
        fixed = await service.ask("where does ada live", Asker(display_name="Ada"))
        assert fixed.corrected is not None and "Paris" in fixed.quotes[0].text
        with pytest.raises(ServiceError, match="correction #1 is active"):
            await service.restore_correction(1, "Mo")
        await service.withdraw_correction(1, "Mo")
        with pytest.raises(ServiceError, match="withdrawn by a moderator"):
            await service.restore_correction(1, "Mo")
        with pytest.raises(ServiceError, match="no correction #9"):
            await service.restore_correction(9, "Mo")


async def test_after_a_correction_the_reported_quote_is_no_longer_shown(service: Service):
    wrong = await service.ask(QUESTION, HERE)
    reported = first(wrong)
    assert reported != ("000_f42420c014769c46", 2)  # the answerer's own pick was elsewhere
    await correct(service)
    fixed = await service.ask(QUESTION, HERE)
    assert first(fixed) == ("000_f42420c014769c46", 2)
    assert reported not in [(q.source_id, q.paragraph) for q in fixed.quotes]
