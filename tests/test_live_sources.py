"""Sources added, changed and removed while the library serves: only the changed sources are
read again, removed ones are never quoted (nor served from the cache), and the merged library
scores as a fresh build of the folder does."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import numpy as np
import pytest

from bot.service import Service
from knowledge.answering.segments import answer_live
from knowledge.corpus import default_corpus_dir
from knowledge.errors import UserError
from knowledge.search.library import open_library
from knowledge.search.live import LiveLibrary
from tests.source_files import NEWS_PARAGRAPHS, PDF_PARAGRAPHS, news_page, pdf_bytes
from tests.store_support import settings_for

TOWER = "How much will the Gannet Point tower restoration cost?"
TRUST = "How many households are members of the canal trust?"
BUNDLED = "Where did Kim and Ivanka first meet?"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    shutil.copytree(default_corpus_dir(), folder)
    return folder


@pytest.fixture
def settings(tmp_path: Path, folder: Path):
    return settings_for(tmp_path / "data", folder)


def _quoted(answer) -> set[str]:
    return {q.source_id for q in (*answer.quotes, *answer.closest)}


def test_a_new_source_is_read_alone_into_a_segment(folder, tmp_path):
    base = open_library(folder, tmp_path / "data")
    (folder / "tower.html").write_text(news_page())
    live, changes = LiveLibrary(base).refreshed()
    assert changes.added == ("tower",) and not changes.removed and not changes.changed
    assert live.base is base and live.segment is not None
    assert [s.source_id for s in live.segment.sources] == ["tower"]
    answer = answer_live(live, TOWER)
    assert answer.answered and answer.quotes[0].source_id == "tower"
    assert answer.quotes[0].text in NEWS_PARAGRAPHS[answer.quotes[0].paragraph - 1]


def test_a_segment_is_scored_with_the_statistics_of_the_whole_folder(folder, tmp_path):
    """IDF and mean length over base and segment: the segment's BM25 scores are those a fresh
    build of the folder gives its passages."""
    base = open_library(folder, tmp_path / "data")
    (folder / "tower.html").write_text(news_page())
    live, _ = LiveLibrary(base).refreshed()
    fresh = open_library(folder, tmp_path / "fresh-data")
    assert live.segment is not None
    offset = fresh.data.position("tower", 1)
    n = len(NEWS_PARAGRAPHS)
    for term in ("tower", "restor", "guild", "crown", "the", "kim"):
        assert live.segment.index.idf(term) == pytest.approx(fresh.index.idf(term), rel=1e-9)
        mine = live.segment.index.scores([term])
        theirs = fresh.index.scores([term])[offset : offset + n]
        np.testing.assert_allclose(mine, theirs, rtol=1e-5)


def test_a_removed_source_is_never_found_and_a_changed_one_is_read_again(folder, tmp_path):
    (folder / "tower.html").write_text(news_page())
    base = open_library(folder, tmp_path / "data")
    assert answer_live(LiveLibrary(base), TOWER).quotes[0].source_id == "tower"
    (folder / "tower.html").unlink()
    live, changes = LiveLibrary(base).refreshed()
    assert changes.removed == ("tower",) and live.hidden == {"tower"}
    assert "tower" not in _quoted(answer_live(live, TOWER))
    assert all(s.source_id != "tower" for s, _ in live.sources())
    edited = news_page().replace("old signal tower", "ruined signal tower")
    (folder / "tower.html").write_text(edited)
    live, changes = live.refreshed()
    assert changes.added == ("tower",)  # back, as a new version
    texts = [q.text for q in answer_live(live, TOWER).quotes if q.source_id == "tower"]
    assert texts and not any("old signal tower" in t for t in texts)


def test_only_changed_files_are_read_again(folder, tmp_path, monkeypatch):
    import knowledge.search.live as live_module

    base = open_library(folder, tmp_path / "data")
    live, _ = LiveLibrary(base).refreshed()  # every file's digest, read once
    read: list[str] = []
    real = live_module.read_source_file
    monkeypatch.setattr(
        live_module, "read_source_file", lambda p, r: read.append(p.name) or real(p, r)
    )
    (folder / "report.pdf").write_bytes(pdf_bytes(PDF_PARAGRAPHS))
    live, changes = live.refreshed()
    assert changes.added == ("report",) and read == ["report.pdf"]


@pytest.fixture
async def service(settings):
    async with await Service.open(settings) as service:
        yield service


async def test_service_add_answer_remove_and_the_cache(service: Service, folder: Path):
    bundled = await service.ask(BUNDLED)
    assert bundled.answered and not bundled.cached
    added = await service.add_source_file("Tower Story.html", news_page().encode())
    assert (added.source_id, added.kind, added.paragraphs) == ("tower-story", "html", 4)
    assert (folder / "tower-story.html").is_file()
    tower = await service.ask(TOWER)
    assert tower.answered and tower.quotes[0].source_id == "tower-story"
    assert tower.quotes[0].url == "https://news.example.org/vellmar/tower"
    assert (await service.ask(TOWER)).cached
    assert (await service.ask(BUNDLED)).cached  # an answer not involving the change stays
    assert await service.remove_source("tower-story") == ["tower-story.html"]
    again = await service.ask(TOWER)
    assert not again.cached and "tower-story" not in _quoted(again)
    assert (await service.ask(BUNDLED)).cached
    assert "tower-story" not in {s.source_id for s in await service.sources()}


async def test_a_refused_file_changes_nothing(service: Service, folder: Path):
    before = sorted(p.name for p in folder.iterdir())
    with pytest.raises(UserError, match=r"locked\.pdf cannot be read: the PDF is encrypted"):
        await service.add_source_file("locked.pdf", pdf_bytes(PDF_PARAGRAPHS, encrypt="pw"))
    with pytest.raises(UserError, match="not a kind of file"):
        await service.add_source_file("photo.png", b"\x89PNG....")
    assert sorted(p.name for p in folder.iterdir()) == before
    await service.add_source_file("tower.html", news_page().encode())
    with pytest.raises(UserError, match="exists already"):
        await service.add_source_file("tower.html", news_page().encode())
    with pytest.raises(UserError, match="no source 'nothing-here'"):
        await service.remove_source("nothing-here")


async def test_merged_library_scores_as_a_fresh_build(service: Service, folder: Path, tmp_path):
    await service.add_source_file("tower.html", news_page().encode())
    await service.add_source_file("report.pdf", pdf_bytes(PDF_PARAGRAPHS, repeat=2))
    await service.remove_source(sorted(p.stem for p in folder.glob("*.txt"))[0])
    before = service.live
    assert before.segment is not None and before.hidden
    await service.updates.start_merge()
    merged = service.live
    assert merged.segment is None and not merged.hidden and merged.base is not before.base
    fresh = open_library(folder, tmp_path / "fresh-data", rebuild=True)
    assert merged.base.fingerprint == fresh.fingerprint
    for term in ("tower", "trust", "household", "kim", "ivanka", "the"):
        np.testing.assert_array_equal(merged.base.index.scores([term]), fresh.index.scores([term]))
    answer = await service.ask(TRUST)
    assert answer.answered and answer.quotes[0].source_id == "report"


async def test_a_later_process_opens_the_last_build_and_applies_the_changes(settings, folder):
    async with await Service.open(settings) as first:
        built = first.library.fingerprint
    (folder / "tower.html").write_text(news_page())
    async with await Service.open(settings) as later:
        assert later.live.base.fingerprint == built  # not rebuilt: the changes applied
        assert later.live.segment is not None
        assert (await later.ask(TOWER)).quotes[0].source_id == "tower"


async def test_asks_during_changes_never_quote_a_removed_source(service: Service, folder: Path):
    await service.add_source_file("tower.html", news_page().encode())
    stop = asyncio.Event()
    removed_at: list[int] = []
    seen: list[tuple[int, set[str]]] = []

    async def asking() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            asked_after_removal = len(removed_at)  # an ask begun before may finish after
            answer = await service.ask(f"{TOWER} ({n})")
            seen.append((asked_after_removal, _quoted(answer)))

    async def until(condition) -> None:  # however slow the machine: wait for the asks
        while not condition():
            await asyncio.sleep(0.02)

    askers = [asyncio.ensure_future(asking()) for _ in range(3)]
    await asyncio.wait_for(until(lambda: any("tower" in q for _, q in seen)), 120)
    await service.remove_source("tower")
    removed_at.append(1)
    await asyncio.wait_for(until(lambda: sum(r for r, _ in seen) >= 6), 120)
    stop.set()
    await asyncio.gather(*askers)
    after = [quoted for removed, quoted in seen if removed]
    assert after and all("tower" not in quoted for quoted in after)
    assert any("tower" in quoted for removed, quoted in seen if not removed)
