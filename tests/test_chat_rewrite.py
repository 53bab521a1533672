"""The chat-style question rewriter used to train for how people ask (bench/chat_rewrite.py)."""

from __future__ import annotations

import random

import numpy as np

from bench.chat_rewrite import ChatRewriter, Rates, typo
from knowledge.text.embeddings import WordVectors


def _vectors() -> WordVectors:
    """Four made-up words: "purchase" and "buying" point the same way, the rest apart."""
    tokens = ["purchase", "buying", "company", "building"]
    table = np.array(
        [[1.0, 0.0, 0.0], [0.95, 0.31, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]], dtype=np.float32
    )
    return WordVectors({t: i for i, t in enumerate(tokens)}, table)


NONE = Rates(
    lowercase=0.0, drop_function=0.0, drop_wh=0.0, swap=0.0, typo=0.0, drop_mark=0.0,
    drop_apostrophe=0.0,
)  # fmt: skip


def test_no_step_keeps_the_question():
    rewriter = ChatRewriter(_vectors(), NONE)
    q = "Why did the company purchase the building?"
    assert rewriter.rewrite(q) == q


def test_lowercase_and_function_words_dropped():
    rates = Rates(lowercase=1.0, drop_function=1.0, drop_wh=0.0, swap=0.0, typo=0.0, drop_mark=1.0)
    out = ChatRewriter(_vectors(), rates).rewrite("Why did the Company purchase the building?")
    assert out == "why company purchase building"


def test_fragment_moves_the_question_word_last():
    rates = Rates(lowercase=1.0, drop_function=1.0, drop_wh=1.0, swap=0.0, typo=0.0, drop_mark=1.0)
    out = ChatRewriter(_vectors(), rates).rewrite("Why did the company purchase the building?")
    assert out == "company purchase building why"


def test_content_word_swapped_for_a_near_word_never_a_name_or_number():
    rates = Rates(lowercase=0.0, drop_function=0.0, swap=1.0, typo=0.0, drop_mark=0.0)
    rewriter = ChatRewriter(_vectors(), rates)
    assert rewriter.near_words("purchase") == ["buying"]
    assert rewriter.near_words("company") == []  # nothing near enough
    out = rewriter.rewrite("Did Purchase purchase the building in 1990?")
    assert out == "Did Purchase buying the building in 1990?"


def test_same_question_same_rewrite_and_variants_differ():
    rewriter = ChatRewriter(_vectors(), Rates(typo=0.5, swap=0.5))
    q = "Why did the company purchase the expensive building?"
    assert rewriter.rewrite(q) == rewriter.rewrite(q)
    assert len({rewriter.rewrite(q, v) for v in range(8)}) > 1


def test_typo_changes_one_letter_inside_the_word():
    for seed in range(30):
        out = typo("building", random.Random(seed))
        assert out[0] == "b"
        assert abs(len(out) - len("building")) <= 1


def test_possessive_apostrophe_dropped():
    rates = Rates(lowercase=1.0, drop_function=0.0, swap=0.0, typo=0.0, drop_mark=1.0,
                  drop_apostrophe=1.0)  # fmt: skip
    assert ChatRewriter(_vectors(), rates).rewrite("Who is Ann's company?") == "who is anns company"
