"""Follow-ups through the fake Discord: a reply to one of the bot's answers is read after it,
across a restart and when the replied-to message is gone."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import Settings
from tests.fake_discord import FakeDiscord
from tests.test_e2e_discord import QUESTION, running_bot, settings_for

SEARCHED = "Searched for:"


@pytest.fixture
def settings(fake_discord: FakeDiscord, tmp_path: Path) -> Settings:
    """Pointed at the fake Discord (never at discord.com)."""
    return settings_for(fake_discord, tmp_path / "data")


def embed_text(body: dict) -> str:
    (embed,) = body["embeds"]
    return " ".join(str(v) for v in embed.values())


async def test_a_reply_chain_is_a_conversation_across_a_restart(fake_discord, settings):
    fake = fake_discord
    me, channel = fake.bot_user.mention, fake.channel.id
    posted = rf"/channels/{channel}/messages"
    async with running_bot(fake, settings):
        await fake.send_message(f"{me} {QUESTION}", author=fake.member)
        first = await fake.wait_for_request("POST", posted, ok=True)
        assert SEARCHED not in embed_text(first.json)
        await fake.send_message(
            f"{me} what year was that", author=fake.member, reply_to=first.response
        )
        second = await fake.wait_for_request("POST", posted, ok=True, nth=1)
        text = embed_text(second.json)
        assert SEARCHED in text and "Met Gala" in text
        # A complete question in the same chain is answered on its own.
        await fake.send_message(
            f"{me} who is Kim Kardashian's ex-husband?",
            author=fake.member,
            reply_to=second.response,
        )
        third = await fake.wait_for_request("POST", posted, ok=True, nth=2)
        assert SEARCHED not in embed_text(third.json)
    async with running_bot(fake, settings, sync=False):  # a restart: the links are stored
        await fake.send_message(
            f"{me} and who was there?", author=fake.member, reply_to=first.response, reply_gone=True
        )
        fourth = await fake.wait_for_request("POST", posted, ok=True, nth=3)
        text = embed_text(fourth.json)
        assert SEARCHED in text and "at Met Gala" in text


async def test_a_reply_to_someone_elses_message_is_a_question_alone(fake_discord, settings):
    fake = fake_discord
    me, channel = fake.bot_user.mention, fake.channel.id
    async with running_bot(fake, settings):
        other = await fake.send_message("I think they met in 2014", author=fake.member)
        await fake.send_message(f"{me} when was that?", author=fake.member, reply_to=other)
        reply = await fake.wait_for_request("POST", rf"/channels/{channel}/messages", ok=True)
        assert SEARCHED not in embed_text(reply.json)
