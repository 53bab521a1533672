"""Follow-ups through the fake Discord: a reply to one of the bot's answers is read after it,
across a restart and when the replied-to message is gone."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot import render
from bot.discord.cogs.reports import CUSTOM_ID_PREFIX
from bot.service import Service
from bot.settings import Settings
from tests.fake_discord import FakeDiscord
from tests.test_e2e_discord import QUESTION, running_bot, settings_for

SEARCHED = "Searched for:"


@pytest.fixture
def settings(fake_discord: FakeDiscord, tmp_path: Path) -> Settings:
    """Pointed at the fake Discord (never at discord.com)."""
    return settings_for(fake_discord, tmp_path / "data")


async def linked(service: Service, message_id: int | str, to: str | None = None) -> str:
    """The answer a message or thread is linked to (`to`, if given), once the bot has stored
    the link (it does so right after Discord accepts the message, so a test can be ahead)."""
    found = None
    for _ in range(100):
        found = await service.answer_of_message(message_id)
        if found is not None and to in (None, found):
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"message {message_id} linked to {found}, not {to or 'an answer'}")


def answer_id_of(message: dict) -> str:
    """The answer a message shows, from its report button."""
    (report,) = [
        c for c in FakeDiscord.components(message) if c.get("label") == "Report wrong answer"
    ]
    return report["custom_id"].removeprefix(CUSTOM_ID_PREFIX)


def embed_text(body: dict) -> str:
    (embed,) = body["embeds"]
    return " ".join(str(v) for v in embed.values())


async def test_a_reply_chain_is_a_conversation_across_a_restart(fake_discord, settings):
    fake = fake_discord
    me, channel = fake.bot_user.mention, fake.channel.id
    posted = rf"/channels/{channel}/messages"
    async with running_bot(fake, settings) as (_bot, service):
        await fake.send_message(f"{me} {QUESTION}", author=fake.member)
        first = await fake.wait_for_request("POST", posted, ok=True)
        await linked(service, first.response["id"])
        assert SEARCHED not in embed_text(first.json)
        await fake.send_message(
            f"{me} what year was that", author=fake.member, reply_to=first.response
        )
        second = await fake.wait_for_request("POST", posted, ok=True, nth=1)
        await linked(service, second.response["id"])
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


async def test_a_thread_opened_for_an_answer_is_a_conversation(fake_discord, tmp_path):
    fake = fake_discord
    settings = settings_for(fake, tmp_path / "data", CITEBOT_ASK_THREADS=str(fake.guild.id))
    me, channel = fake.bot_user.mention, fake.channel.id
    async with running_bot(fake, settings) as (_bot, service):
        asked = await fake.send_message(f"{me} {QUESTION}", author=fake.member)
        opened = await fake.wait_for_request(
            "POST", rf"/channels/{channel}/messages/{asked['id']}/threads", ok=True
        )
        assert opened.json["name"] == QUESTION
        thread = fake.guild.get_channel(int(asked["id"]))  # a thread takes its message's id
        assert thread is not None and thread.parent is fake.channel
        in_thread = rf"/channels/{thread.id}/messages"
        first = await fake.wait_for_request("POST", in_thread, ok=True)
        assert SEARCHED not in embed_text(first.json)
        assert await linked(service, thread.id) == await linked(service, first.response["id"])
        # In the thread no mention is needed, and the follow-up is read after the answer.
        await fake.send_message("when?", author=fake.member, channel=thread)
        second = await fake.wait_for_request("POST", in_thread, ok=True, nth=1)
        await linked(service, second.response["id"])
        assert "Searched for: when *did Kim Kardashian" in embed_text(second.json)
        # /ask in the thread follows the latest answer there.
        ix = await fake.slash("ask", {"question": "and where?"}, user=fake.member, channel=thread)
        followup = (await ix.wait_followup()).json
        assert "Searched for: where *did Kim Kardashian" in embed_text(followup)
        shown = await ix.wait_original()
        await linked(service, thread.id, to=answer_id_of(shown))  # now the latest
        # A message outside the thread without a mention is not a question.
        await fake.send_message("when?", author=fake.member)
        await asyncio.sleep(0.3)
        posted_in_channel = [
            r
            for r in fake.requests
            if r.method == "POST" and r.path == f"/api/v10/channels/{channel}/messages"
        ]
        assert posted_in_channel == []


COMMUNITY_QUESTION = "whats kims fav pizza topping"  # abstains, two closest passages
COMMUNITY_REWORDING = "what is kim's favorite pizza topping"


async def test_three_members_confirm_a_passage_a_moderator_makes_it_a_correction(
    fake_discord, settings
):
    fake = fake_discord
    other = fake.world.add_guild("Other Guild")
    other_channel = other.add_text_channel("general")
    visitor = other.add_member("vic")
    bob, carol, dave = (fake.guild.add_member(name) for name in ("bob", "carol", "dave"))
    async with running_bot(fake, settings) as (_bot, service):
        ix = await fake.slash("ask", {"question": COMMUNITY_QUESTION}, user=fake.member)
        answer = await ix.wait_original()
        stored = await service.get_answer(answer_id_of(answer))
        chosen = stored.closest[1].text
        for who in (fake.member, bob, carol):
            clicked = await fake.click(answer, label="This answered me (2)", user=who)
            assert "passage 2 answered you" in (await clicked.wait_original())["content"]

        reworded = await fake.slash("ask", {"question": COMMUNITY_REWORDING}, user=dave)
        (embed,) = (await reworded.wait_original())["embeds"]
        marked, first = embed["description"].split("\n\n")[:2]
        assert marked == "*3 members found this answered them.*"
        assert render.plain(first).startswith("> " + chosen[:40])

        await fake.send_message(
            f"{fake.bot_user.mention} {COMMUNITY_REWORDING}", author=visitor, channel=other_channel
        )
        elsewhere = await fake.wait_for_request(
            "POST", rf"/channels/{other_channel.id}/messages", ok=True
        )
        assert "members found this" not in elsewhere.json["embeds"][0]["description"]

        listing = await fake.slash("reports list", {}, user=fake.moderator)
        community = (await listing.wait_original())["embeds"][1]
        assert community["title"] == "Community answers (pending)"
        assert community["fields"][0]["name"].startswith("#1 \u00b7 3 answered, 0 reported")
        done = await fake.slash("reports confirm", {"id": 1}, user=fake.moderator)
        assert "confirmed as correction #1" in (await done.wait_original())["content"]

        again = await fake.slash("ask", {"question": COMMUNITY_REWORDING}, user=dave)
        (embed,) = (await again.wait_original())["embeds"]
        assert embed["description"].startswith("*Corrected by a moderator on ")
        assert "members found this" not in embed["description"]
        assert render.plain(embed["description"].split("\n\n")[1]).startswith("> " + chosen[:40])


async def test_clicks_are_rate_limited_like_reports(fake_discord, tmp_path):
    fake = fake_discord
    settings = settings_for(
        fake,
        tmp_path / "data",
        CITEBOT_REPORT_COOLDOWN_REPORTS="1",
        CITEBOT_REPORT_COOLDOWN_SECONDS="600",
    )
    async with running_bot(fake, settings) as (_bot, service):
        ix = await fake.slash("ask", {"question": COMMUNITY_QUESTION}, user=fake.member)
        answer = await ix.wait_original()
        first = await fake.click(answer, label="This answered me (1)", user=fake.member)
        assert "passage 1 answered you" in (await first.wait_original())["content"]
        second = await fake.click(answer, label="This answered me (2)", user=fake.member)
        refused = await second.wait_callback()
        assert "You're reporting quickly" in refused.json["data"]["content"]
        (pending,) = await service.community_answers("pending")
        stored = await service.get_answer(answer_id_of(answer))
        assert pending.members == 1 and pending.paragraph == stored.closest[0].paragraph


async def test_this_answered_me_on_the_quote_of_an_answer_counts(fake_discord, settings):
    fake = fake_discord
    async with running_bot(fake, settings) as (_bot, service):
        ix = await fake.slash("ask", {"question": QUESTION}, user=fake.member)
        answer = await ix.wait_original()
        labels = [c["label"] for c in FakeDiscord.components(answer) if c["type"] == 2]
        assert labels == ["This answered me", "Report wrong answer"]
        clicked = await fake.click(answer, label="This answered me", user=fake.member)
        assert "passage 1 answered you" in (await clicked.wait_original())["content"]
        stored = await service.get_answer(answer_id_of(answer))
        (pending,) = await service.community_answers("pending", str(fake.guild.id))
        assert pending.members == 1 and pending.quote == stored.quotes[0].text


async def test_a_members_own_thread_does_not_become_a_question_thread(fake_discord, tmp_path):
    fake = fake_discord
    settings = settings_for(fake, tmp_path / "data", CITEBOT_ASK_THREADS=str(fake.guild.id))
    async with running_bot(fake, settings) as (_bot, service):
        started = await fake.send_message("let's talk about kim", author=fake.member)
        thread = fake.guild.add_thread(fake.channel, int(started["id"]), "kim", fake.member.user.id)
        await fake.dispatch("THREAD_CREATE", {**thread.payload(), "newly_created": True})
        ix = await fake.slash("ask", {"question": QUESTION}, user=fake.member, channel=thread)
        answer = await ix.wait_original()
        await linked(service, answer["id"])
        assert await service.answer_of_message(thread.id) is None
        await fake.send_message("when?", author=fake.member, channel=thread)
        await asyncio.sleep(0.3)
        posted = [
            r
            for r in fake.requests
            if r.method == "POST" and r.path.endswith(f"/channels/{thread.id}/messages")
        ]
        assert posted == []
