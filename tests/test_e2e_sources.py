"""End to end through the fake Discord: a source editor adds a page by its link (served on
127.0.0.1), a member asks and is quoted that page; the page is removed and the same question no
longer quotes it. Files attached to /sources add, and who may change the sources."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot import render
from knowledge.corpus import default_corpus_dir
from tests.fake_discord import FakeAttachment, FakeDiscord
from tests.page_server import body, page_server
from tests.source_files import PDF_PARAGRAPHS, news_page, pdf_bytes
from tests.test_e2e_discord import EPHEMERAL, running_bot, settings_for

TOWER = "How much will the Gannet Point tower restoration cost?"
TITLE = "Guild votes to restore Gannet Point tower"


@pytest.fixture
def settings(fake_discord: FakeDiscord, tmp_path: Path):
    folder = tmp_path / "corpus"
    shutil.copytree(default_corpus_dir(), folder)
    return settings_for(
        fake_discord,
        tmp_path / "data",
        CITEBOT_CORPUS=str(folder),
        CITEBOT_SOURCE_ROLE="Reviewers",
        CITEBOT_ALLOW_PRIVATE_URLS="1",
    )


async def _ask_text(fake: FakeDiscord) -> str:
    ix = await fake.slash("ask", {"question": TOWER}, user=fake.member)
    followup = (await ix.wait_followup(timeout=30)).json
    return render.plain(followup["embeds"][0]["description"])


async def _finished(fake: FakeDiscord, ix) -> str:
    done = await fake.wait_until(
        lambda: (ix.original or {}).get("content", "")[:1] in ("\u2705", "\u274c") and ix.original,
        30,
        "the add to finish",
    )
    return done["content"]


async def test_a_page_added_by_link_is_quoted_then_removed(fake_discord, settings):
    fake = fake_discord
    async with (
        page_server({"/vellmar/tower": body(news_page(url=""), "text/html")}) as base,
        running_bot(fake, settings),
    ):
        link = base + "/vellmar/tower"
        assert TITLE not in await _ask_text(fake)
        ix = await fake.slash("sources add", {"link": link}, user=fake.reviewer)
        callback = (await ix.wait_callback()).json
        assert callback["type"] == 4 and callback["data"]["flags"] & EPHEMERAL
        content = await _finished(fake, ix)
        assert content.startswith("\u2705 Added") and TITLE in content and link in content
        edits = [r for r in ix.requests if r.method == "PATCH"]
        assert len(edits) >= 3  # fetching, reading, indexing, done: one message, edited
        text = await _ask_text(fake)
        assert TITLE in text and "Gannet Point" in text
        listing = await fake.slash("sources list", user=fake.member)
        embed = (await listing.wait_followup()).json["embeds"][0]
        assert TITLE in render.plain(embed["description"]) and link in embed["description"]
        source_id = content.split("`")[1]
        removal = await fake.slash("sources remove", {"source": source_id}, user=fake.reviewer)
        await removal.wait_callback()
        removed = await fake.wait_until(
            lambda: next((f for f in removal.followups if "Removed" in f["content"]), None),
            10,
            "the removal",
        )
        assert source_id in removed["content"]
        assert TITLE not in await _ask_text(fake)


async def test_an_attached_pdf_is_added_and_members_cannot_change_sources(fake_discord, settings):
    fake = fake_discord
    pdf = FakeAttachment("Canal Trust Report.pdf", pdf_bytes(PDF_PARAGRAPHS), "application/pdf")
    async with running_bot(fake, settings) as (_bot, service):
        refused = await fake.slash("sources add", {"file": pdf}, user=fake.member)
        reply = (await refused.wait_callback()).json
        assert reply["data"]["flags"] & EPHEMERAL and "owners" in reply["data"]["content"]
        ix = await fake.slash("sources add", {"file": pdf}, user=fake.owner)
        content = await _finished(fake, ix)
        assert content.startswith("\u2705 Added `canal-trust-report`") and "pdf" in content
        assert "canal-trust-report" in {s.source_id for s in await service.sources()}
        image = FakeAttachment("photo.png", b"\x89PNG\r\n", "image/png")
        wrong = await fake.slash("sources add", {"file": image}, user=fake.owner)
        assert "not a kind of file" in (await wrong.wait_callback()).json["data"]["content"]
        both = await fake.slash(
            "sources add", {"file": pdf, "link": "https://example.org/"}, user=fake.owner
        )
        assert "either a file or a link" in (await both.wait_callback()).json["data"]["content"]
        bad = FakeAttachment("broken.pdf", b"%PDF-1.4 nothing else", "application/pdf")
        failed = await fake.slash("sources add", {"file": bad}, user=fake.owner)
        assert (await _finished(fake, failed)).startswith("\u274c Not added: broken.pdf")
