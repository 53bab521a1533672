from __future__ import annotations

from knowledge.corpus import load_corpus
from knowledge.text.names import named_things

ARTICLE = """---
title: A story
date: 2020-01-02
---

The gala was held at the Metropolitan Museum of Art in May. However, Ada Lovelace's speech was
the highlight. After dinner, Lovelace met Charles Babbage, who praised Ada Lovelace.

Guests met at the Met Gala on Monday. Babbage left early; the Met Gala ended late.
"""


def test_names_are_runs_of_capitalised_words_not_sentence_starts(tmp_path):
    (tmp_path / "story.md").write_text(ARTICLE, encoding="utf-8")
    names = named_things(load_corpus(tmp_path))
    assert names[:2] == ["Ada Lovelace", "Met Gala"]  # most mentioned first
    assert {"Metropolitan Museum of Art", "Charles Babbage", "Lovelace"} <= set(names)
    # Capitalised only because they start a sentence, or calendar words: not names.
    assert not {"The", "However", "After", "Guests", "May", "Monday", "Met"} & set(names)


def test_bundled_articles_name_their_people_and_places(corpus):
    names = named_things(corpus)
    assert {"Kim Kardashian", "Ivanka Trump", "Met Gala", "White House"} <= set(names)
    assert len(names) == len(set(names)) <= 200
