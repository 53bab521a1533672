"""Answers the community confirms, through the service, on both store backends (a real SQLite
file, a real PostgreSQL database): the threshold, one vote per member, reports against,
per server, a moderator's confirm and dismiss, a restart."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.render_text import render_answer
from bot.service import Asker, Service, ServiceError
from tests.store_support import settings_for

QUESTION = "how do kim and ivanka stay in touch"
REWORDING = "how do ivanka and kim keep in touch"
GUILD, OTHER = "77", "99"


def member(n: int, guild: str = GUILD) -> Asker:
    return Asker(user_id=str(n), display_name=f"member {n}", guild_id=guild, channel_id="1")


@pytest.fixture
def settings(tmp_path: Path, store_target):
    settings = settings_for(tmp_path / "data")
    settings.database_url = str(store_target)
    return settings


def place(quote) -> tuple[str, int]:
    return quote.source_id, quote.paragraph


async def click(service: Service, n: int, passage: int = 2, guild: str = GUILD):
    """Member n asks the question and clicks "This answered me" on its passage."""
    answer = await service.ask(QUESTION, member(n, guild))
    shown = answer.quotes if answer.answered else answer.closest
    await service.answered_me(answer.answer_id, passage, member(n, guild))
    return place(shown[passage - 1])


async def test_three_members_put_a_passage_first_for_rewordings_in_their_server(service):
    chosen = await click(service, 1)
    await click(service, 2)
    before = await service.ask(REWORDING, member(4))
    assert before.community is None  # two members are not enough
    assert await click(service, 3) == chosen
    after = await service.ask(REWORDING, member(4))
    assert after.answered and place(after.quotes[0]) == chosen
    assert after.community is not None and after.community.members == 3
    assert "3 members found this answered them." in render_answer(after)
    elsewhere = await service.ask(REWORDING, member(4, OTHER))
    assert elsewhere.community is None
    (pending,) = await service.community_answers("pending", GUILD)
    assert (pending.members, pending.against, pending.score) == (3, 0, 3)
    assert await service.community_answers("pending", OTHER) == []


async def test_one_member_counts_once_and_a_report_counts_against(service):
    for n in (1, 1, 2, 3):
        await click(service, n)
    (pending,) = await service.community_answers("pending", GUILD)
    assert pending.members == 3
    shown = await service.ask(QUESTION, member(5))
    assert shown.community is not None
    await service.report(shown.answer_id, member(5), "wrong", "that is not how")
    (pending,) = await service.community_answers("pending", GUILD)
    assert (pending.members, pending.against) == (3, 1)
    assert (await service.ask(QUESTION, member(6))).community is None  # 3 - 1 < 3


async def test_a_moderator_confirms_it_into_a_correction_or_dismisses_it(service):
    for n in (1, 2, 3):
        await click(service, n)
    (pending,) = await service.community_answers("pending", GUILD)
    with pytest.raises(ServiceError, match="no community answer"):
        await service.close_community(pending.community_id, "Mo", confirm=True, guild_id=OTHER)
    confirmed = await service.close_community(
        pending.community_id, "Mo", confirm=True, guild_id=GUILD
    )
    assert confirmed.status == "confirmed" and confirmed.correction_id is not None
    fixed = await service.ask(REWORDING, member(4))
    assert fixed.corrected is not None and fixed.corrected.by == "Mo"
    assert fixed.community is None and place(fixed.quotes[0]) == place(pending)
    assert "Corrected by a moderator" in render_answer(fixed)
    with pytest.raises(ServiceError, match="already confirmed"):
        await service.close_community(pending.community_id, "Mo", confirm=False)


async def test_a_dismissed_passage_is_not_put_first_again(service):
    for n in (1, 2, 3):
        await click(service, n)
    (pending,) = await service.community_answers("pending", GUILD)
    await service.close_community(pending.community_id, "Mo", confirm=False)
    await click(service, 4)
    assert (await service.ask(QUESTION, member(5))).community is None
    (dismissed,) = await service.community_answers("dismissed", GUILD)
    assert dismissed.members == 4


async def test_the_threshold_is_a_setting_and_survives_a_restart(settings, library):
    settings.confirm_min_members = 2
    async with await Service.open(settings, library=library) as service:
        chosen = await click(service, 1)
        await click(service, 2)
    async with await Service.open(settings, library=library) as service:
        again = await service.ask(REWORDING, member(3))
        assert again.community is not None and again.community.members == 2
        assert place(again.quotes[0]) == chosen
        exported = await service.export_community("csv", "all", GUILD)
        assert exported.splitlines()[0].startswith("community_id,guild_id")
        assert len(exported.splitlines()) == 2


async def cli_clicks(library) -> None:
    """Three command-line users (the command line's own 'server') click passage 2."""
    from bot.settings import Settings

    async with await Service.open(Settings(), library=library) as service:
        for n in (1, 2, 3):
            asker = Asker(display_name=f"user {n}")
            answer = await service.ask(QUESTION, asker)
            await service.answered_me(answer.answer_id, 2, asker)


def test_moderators_review_community_answers_from_the_command_line(library, capsys):
    import asyncio
    import json

    from bot.cli import main

    asyncio.run(cli_clicks(library))
    assert main(["reports", "--json"]) == 0
    (shown,) = json.loads(capsys.readouterr().out)["community"]
    assert shown["members"] == 3 and shown["status"] == "pending"
    assert main(["reports"]) == 0
    assert "Community answers served first" in capsys.readouterr().out
    assert main(["reports", "confirm", str(shown["community_id"]), "--moderator", "Mo"]) == 0
    assert "confirmed: correction #" in capsys.readouterr().out
    assert main(["reports", "community", "--status", "confirmed", "--json"]) == 0
    (confirmed,) = json.loads(capsys.readouterr().out)["community"]
    assert confirmed["moderator"] == "Mo" and confirmed["correction_id"] is not None
    assert main(["reports", "dismiss", str(shown["community_id"])]) == 2  # a usage error
    assert "already confirmed" in capsys.readouterr().err
    assert main(["reports", "export", "--community", "--format", "jsonl"]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    assert json.loads(line)["status"] == "confirmed"


async def test_chat_lists_and_dismisses_community_answers(library):
    import io

    from bot.cli.chat_session import ChatSession
    from bot.settings import Settings

    await cli_clicks(library)
    out = io.StringIO()
    async with await Service.open(Settings(), library=library) as service:
        session = ChatSession(service, out, "mo")
        await session.handle("/reports community")
        assert "#1 \u00b7 3 answered, 0 reported" in out.getvalue()
        await session.handle("/reports dismiss 1")
        assert "Community answer #1 dismissed" in out.getvalue()
        await session.handle("/reports dismiss x")
        assert "usage: /reports dismiss COMMUNITY_ID" in out.getvalue()
        assert (await service.ask(QUESTION, Asker(display_name="x"))).community is None


async def test_message_links_survive_a_restart_on_both_backends(settings, library):
    """A Discord message's answer (what a reply follows up), and a thread relinked to its
    latest answer, on SQLite and PostgreSQL alike."""
    async with await Service.open(settings, library=library) as service:
        first = await service.ask(QUESTION, member(1))
        later = await service.ask(REWORDING, member(1))
        await service.link_message(111, first.answer_id, member(1))
        await service.link_message(222, first.answer_id, member(1))
        await service.link_message(222, later.answer_id, member(1))  # the thread moves on
        await service.clear_cache()  # linked answers are kept for follow-ups
    async with await Service.open(settings, library=library) as service:
        assert await service.answer_of_message(111) == first.answer_id
        assert await service.answer_of_message("222") == later.answer_id
        assert await service.answer_of_message(333) is None
        assert await service.get_answer(first.answer_id) is not None
