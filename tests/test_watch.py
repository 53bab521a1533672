"""`citebot run` follows the corpus folder: a file saved there (by rename, as editors do) is
answered from, a deleted one is no longer quoted, without a restart."""

from __future__ import annotations

import asyncio

from bot.service import Service
from bot.watch import watch_corpus
from knowledge.files import write_atomically
from tests.source_files import news_page
from tests.store_support import settings_for

TOWER = "How much will the Gannet Point tower restoration cost?"


async def _until(condition, what: str, tries: int = 200) -> None:
    for _ in range(tries):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"never happened: {what}")


async def test_the_watcher_applies_saves_and_deletions(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "seed.md").write_text("# Seed\n\nA short paragraph about the weather in spring.\n")
    async with await Service.open(settings_for(tmp_path / "data", folder)) as service:
        stop = asyncio.Event()
        watching = asyncio.ensure_future(watch_corpus(service, folder, stop=stop))
        try:
            await asyncio.sleep(0.3)  # the watcher is listening
            write_atomically(folder / "tower.html", news_page())
            await _until(lambda: "tower" in service.live.served(), "the new page served")
            answer = await service.ask(TOWER)
            assert answer.answered and answer.quotes[0].source_id == "tower"
            (folder / "tower.html").unlink()
            await _until(lambda: "tower" not in service.live.served(), "the page dropped")
            again = await service.ask(TOWER)
            assert all(q.source_id != "tower" for q in (*again.quotes, *again.closest))
        finally:
            stop.set()
            await asyncio.wait_for(watching, 10)
