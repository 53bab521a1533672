"""Reports are rate-limited per member on Discord (issue 11, item 16), through the fake Discord."""

from __future__ import annotations

import pytest

from bot.discord.cogs.common import Cooldowns
from tests.test_e2e_discord import (
    EPHEMERAL,
    MESSAGE,
    MODAL,
    QUESTION,
    report_rows,
    running_bot,
    settings_for,
)


async def test_a_member_reporting_too_fast_is_asked_to_wait(fake_discord, tmp_path):
    fake = fake_discord
    settings = settings_for(
        fake,
        tmp_path / "data",
        CITEBOT_REPORT_COOLDOWN_REPORTS="2",
        CITEBOT_REPORT_COOLDOWN_SECONDS="600",
    )
    async with running_bot(fake, settings) as (_bot, service):
        ix = await fake.slash("ask", {"question": QUESTION}, user=fake.member)
        answer = await ix.wait_original()
        aid = (await service.ask(QUESTION)).answer_id
        for reason in ("first", "second"):
            done = await fake.slash("report", {"answer_id": aid, "reason": reason})
            assert (await done.wait_original())["content"].startswith("Thanks")

        third = await fake.slash("report", {"answer_id": aid, "reason": "third"})
        callback = (await third.wait_callback()).json
        assert callback["type"] == MESSAGE and callback["data"]["flags"] & EPHEMERAL
        assert "reporting quickly" in callback["data"]["content"]

        # The button and the message menu refuse at once instead of opening the form.
        click = await fake.click(answer, label="Report wrong answer")
        refused = (await click.wait_callback()).json
        assert refused["type"] == MESSAGE and "reporting quickly" in refused["data"]["content"]
        menu = await fake.message_command("Report answer", answer)
        assert "reporting quickly" in (await menu.wait_callback()).json["data"]["content"]

        # Another member is not affected.
        other = await fake.click(answer, label="Report wrong answer", user=fake.reviewer)
        assert (await other.wait_callback()).json["type"] == MODAL
        (row,) = report_rows(service.database)
        assert row["reason"] == "first\n\nsecond"


def test_peek_does_not_spend():
    now = [1000.0]
    cooldowns = Cooldowns(rate=1, per=10, clock=lambda: now[0])
    assert cooldowns.peek(1) is None and cooldowns.peek(1) is None
    assert cooldowns.retry_after(1) is None
    assert cooldowns.peek(1) == pytest.approx(10, abs=0.01)
    assert cooldowns.retry_after(1) == pytest.approx(10, abs=0.01)
    now[0] = 1010.5
    assert cooldowns.peek(1) is None
