"""The abstention threshold calibrated on people's questions (bench.train_ranker)."""

from __future__ import annotations

import numpy as np

from bench.squad import SquadQuestion
from bench.train_ranker import ABSTAIN_COST, choose_threshold, with_chat


def test_floors_alone_give_the_lowest_threshold_meeting_them():
    off_topic = np.linspace(0.0, 0.5, 101)  # 98% of these lie below ~0.49
    t = choose_threshold(off_topic, np.zeros(10))
    assert np.mean(off_topic < t) >= 0.98 and t < 0.5


def test_a_wrong_abstention_costs_more_than_an_answered_near_miss():
    off_topic = np.zeros(100)  # any threshold above 0 meets the floors
    casual = np.array([0.2, 0.3, 0.6, 0.9])  # answerable questions people asked
    near = np.array([0.25, 0.5])  # unanswerable ones about the same articles
    t = choose_threshold(off_topic, off_topic, [casual], near)
    # abstaining on both near misses (t > 0.5) would abstain on 2 of 4 answerable: 2 x 0.5 x
    # ABSTAIN_COST > 1, so the threshold stays low and the near misses are answered
    assert ABSTAIN_COST > 1
    assert t <= 0.2 + 1e-3
    # with no answerable question below them, abstaining on the near misses is free
    t = choose_threshold(off_topic, off_topic, [np.array([0.8, 0.9])], near)
    assert 0.5 < t <= 0.8


def test_with_chat_adds_rewrites_with_the_same_gold():
    q = SquadQuestion("1", "Why did the company purchase the building?", ("tax",), 0, "a001_p001")
    out = with_chat([q], 1)
    assert out[0] == q and len(out) == 2
    assert out[1].answers == q.answers and out[1].source_id == q.source_id
    assert with_chat([q], 0) == [q]
