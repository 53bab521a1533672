"""Answers the community confirms: "This answered me" clicks counted per server, question (as
corrections fold rewordings) and passage, one vote per member, reports counting against. At
CITEBOT_CONFIRM_MIN_MEMBERS the passage is served first for that question and its rewordings
in that server, marked, until a moderator confirms it (a correction) or dismisses it.

The service (bot/service.py) is the one way in; this module keeps its bookkeeping apart.
"""

from __future__ import annotations

import asyncio

from bot.store import CommunityAnswer, NewCorrection, Store, question_key
from knowledge.answering.corrections import PassageRef, best_rewording, locate
from knowledge.models import Answer, Quote
from knowledge.search.library import Library

ANSWERED, AGAINST = 1, -1  # a member's vote


class CommunityDesk:
    """The community answers of one store, with the threshold that puts one first."""

    def __init__(self, store: Store, min_members: int) -> None:
        self.store, self.min_members = store, min_members

    async def vote(
        self,
        library: Library,
        corpus: str,
        question: str,
        quote: Quote,
        voter: tuple[str | None, str, str | None],
        vote: int,
    ) -> CommunityAnswer:
        """Count a member's vote on a passage for a question, in the pending community answer
        of the same passage whose question this one rewords, if any. `voter`: (user id,
        name, guild id)."""
        guild_id = voter[2]
        into = await self._fold(
            library, corpus, question, (quote.source_id, quote.paragraph), guild_id
        )
        return await self._cast(corpus, question, quote, voter, vote, into)

    async def report_against(
        self,
        library: Library,
        corpus: str,
        answer: Answer,
        question: str,
        voter: tuple[str | None, str, str | None],
    ) -> CommunityAnswer | None:
        """A report on an answer counts against the community answer it showed first (marked,
        or the pending one of its first quote's passage for this question); None if none."""
        if not answer.answered or not answer.quotes:
            return None
        first = answer.quotes[0]
        guild_id = voter[2]
        into = answer.community.community_id if answer.community else None
        if into is None:
            passage_of = (first.source_id, first.paragraph)
            into = await self._fold(library, corpus, question, passage_of, guild_id)
        if into is None:
            return None
        return await self._cast(corpus, question, first, voter, AGAINST, into)

    async def _cast(
        self,
        corpus: str,
        question: str,
        quote: Quote,
        voter: tuple[str | None, str, str | None],
        vote: int,
        into: int | None,
    ) -> CommunityAnswer:
        """Store one member's vote on the quote's passage for the question."""
        user_id, name, guild_id = voter
        passage = NewCorrection(quote.source_id, quote.paragraph, None, quote.text, corpus)
        return await self.store.community_vote(
            passage,
            guild_id=guild_id,
            question=question,
            user=(user_id, name),
            vote=vote,
            into=into,
        )

    async def _fold(
        self,
        library: Library,
        corpus: str,
        question: str,
        passage: tuple[str, int],
        guild_id: str | None,
    ) -> int | None:
        """The pending community answer of this passage whose question is this one or a
        rewording of it (the corrections' test), else None."""
        same = [
            c
            for c in await self.store.community_answers(
                "pending", guild_id, exact_guild=True, corpus=corpus
            )
            if (c.source_id, c.paragraph) == passage
        ]
        key = question_key(question)
        exact = next((c for c in same if question_key(c.question) == key), None)
        if exact is not None or not same:
            return exact.community_id if exact else None
        i = await asyncio.to_thread(
            best_rewording,
            library,
            question,
            [c.question for c in same],
            passages=[(c.source_id, c.paragraph) for c in same],
        )
        return same[i].community_id if i is not None else None

    async def any_pending(self, guild_id: str | None, corpus: str) -> bool:
        """Whether this server has community answers that may be served (then the cache alone
        cannot answer: a rewording needs the library to be recognised)."""
        pending = await self.store.community_answers(
            "pending", guild_id, exact_guild=True, corpus=corpus
        )
        return any(c.score >= self.min_members for c in pending)

    async def for_question(
        self, library: Library, corpus: str, question: str, guild_id: str | None
    ) -> tuple[CommunityAnswer, Quote] | None:
        """The community answer to serve first for this question in this server: its own
        words first, else the best rewording, among those enough members confirmed."""
        ready = [
            c
            for c in await self.store.community_answers(
                "pending", guild_id, exact_guild=True, corpus=corpus
            )
            if c.score >= self.min_members
        ]
        key = question_key(question)
        chosen = next((c for c in ready if question_key(c.question) == key), None)
        if chosen is None and ready:
            i = await asyncio.to_thread(
                best_rewording,
                library,
                question,
                [c.question for c in ready],
                passages=[(c.source_id, c.paragraph) for c in ready],
            )
            chosen = ready[i] if i is not None else None
        if chosen is None:
            return None
        found = locate(library, PassageRef(chosen.source_id, chosen.paragraph, None), chosen.quote)
        return (chosen, found[1]) if found is not None else None
