from __future__ import annotations

import pytest

from bot.discord.cogs.ask import question_from_message, should_answer
from bot.discord.cogs.common import Cooldowns
from knowledge.answering.answer import MAX_QUESTION_CHARS

BOT = 1234


@pytest.mark.parametrize(
    ("content", "question"),
    [
        (f"<@{BOT}> where did they first meet?", "where did they first meet?"),
        (f"<@!{BOT}>   where\n did   they meet?", "where did they meet?"),
        (f"so <@{BOT}>, who hosted the party?", "so , who hosted the party?"),
        (f"<@{BOT}>", ""),
        (f"<@{BOT}> ask <@999> about it", "ask <@999> about it"),
    ],
)
def test_question_from_message_drops_only_the_bots_mention(content, question):
    assert question_from_message(content, BOT) == question


def test_messages_are_answered_when_mentioned_or_in_an_ask_channel():
    assert should_answer(mentioned=True, channel_id=5, ask_channels=[])
    assert should_answer(mentioned=False, channel_id=5, ask_channels=[4, 5])
    assert not should_answer(mentioned=False, channel_id=6, ask_channels=[4, 5])


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_cooldown_allows_one_question_per_window_per_user():
    clock = Clock()
    cooldowns = Cooldowns(rate=1, per=5.0, clock=clock)
    assert cooldowns.retry_after(1) is None
    clock.now += 2
    assert cooldowns.retry_after(1) == pytest.approx(3.0)
    assert cooldowns.retry_after(2) is None  # another user is not affected
    clock.now += 3.01
    assert cooldowns.retry_after(1) is None


def test_cooldown_rate_and_off_switch():
    clock = Clock()
    two = Cooldowns(rate=2, per=10.0, clock=clock)
    assert two.retry_after(1) is None and two.retry_after(1) is None
    assert two.retry_after(1) == pytest.approx(10.0)
    off = Cooldowns(rate=1, per=0, clock=clock)
    assert all(off.retry_after(1) is None for _ in range(5))


def test_idle_users_are_forgotten():
    clock = Clock()
    cooldowns = Cooldowns(rate=1, per=5.0, clock=clock)
    for user in range(10_001):
        cooldowns.retry_after(user)
    clock.now += 60
    cooldowns.retry_after(-1)
    assert len(cooldowns._buckets) == 1


async def test_ask_command_declares_the_question_limits(command_payloads):
    ask = command_payloads["ask"]
    question, private = ask["options"]
    assert question["name"] == "question" and question["required"] is True
    assert question["max_length"] == MAX_QUESTION_CHARS
    assert private["name"] == "private" and private["type"] == 5 and not private["required"]
