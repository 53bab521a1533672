"""knowledge/answering/corrections.py: passage references, corrected answers, telling
rewordings apart."""

from __future__ import annotations

import datetime as dt

import pytest

from knowledge.answering.corrections import (
    PARAPHRASE_THRESHOLD,
    PassageRef,
    RefError,
    best_rewording,
    corrected_answer,
    locate,
    match_score,
    parse_ref,
    passage_choices,
    resolve_ref,
    rewording_score,
)
from knowledge.answering.ranking import Options, rank
from knowledge.models import Answer
from knowledge.search.library import SavedCorpus, open_library

AT = dt.datetime(2026, 1, 2, 3, 4, tzinfo=dt.UTC)


def test_a_reference_names_a_paragraph_or_one_of_its_sentences(library) -> None:
    source = library.corpus.sources[1]
    passage = source.passages[1]
    ref, quote = resolve_ref(library, f"{source.source_id}:{passage.paragraph}")
    assert ref == PassageRef(source.source_id, passage.paragraph)
    assert quote.text == passage.text and (quote.start, quote.end) == (0, len(passage.text))
    ref, quote = resolve_ref(library, f"{source.source_id[:3]}:{passage.paragraph}:2")
    assert ref.source_id == source.source_id and ref.sentence == 2  # a unique prefix will do
    span = passage.sentences[1]
    assert quote.text == passage.text[span.start : span.end] and quote.title == source.title


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("nope", "cannot read the passage"),
        ("001_x:1:", "cannot read the passage"),
        ("zzz:1", "is not a source"),
        ("00:1", "matches several sources"),
        ("001:99", "has paragraphs 1 to"),
        ("001:2:99", "has sentences 1 to"),
        ("001:\u0662", "cannot read the passage"),  # an Arabic-Indic two is not a paragraph number
        ("001:2:\u0663", "cannot read the passage"),
    ],
)
def test_a_bad_reference_says_what_is_wrong(library, text: str, message: str) -> None:
    with pytest.raises(RefError, match=message):
        resolve_ref(library, text)


def test_parse_ref_keeps_colons_in_source_ids() -> None:
    assert parse_ref(" a:b:3:1 ") == PassageRef("a:b", 3, 1)
    assert str(PassageRef("a", 3)) == "a:3" and str(PassageRef("a", 3, 2)) == "a:3:2"


def test_locate_follows_a_moved_passage_and_gives_up_on_a_removed_one(tmp_path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.md").write_text(
        "---\ntitle: A\ndate: 2024-01-01\n---\n\nFirst paragraph here.\n\nThe answer is 42. "
        "It really is.\n",
        encoding="utf-8",
    )
    before = open_library(corpus, None)
    ref, quote = resolve_ref(before, "a:2:1")
    assert quote.text == "The answer is 42."
    (corpus / "a.md").write_text(
        "---\ntitle: A\ndate: 2024-01-01\n---\n\nA new first paragraph.\n\nFirst paragraph "
        "here.\n\nThe answer is 42. It really is.\n",
        encoding="utf-8",
    )
    moved = locate(open_library(corpus, None), ref, quote.text)
    assert moved is not None and moved[0] == PassageRef("a", 3, 1)
    (corpus / "a.md").write_text(
        "---\ntitle: A\ndate: 2024-01-01\n---\n\nThe answer is 41.\n", encoding="utf-8"
    )
    assert locate(open_library(corpus, None), ref, quote.text) is None


def test_the_corrected_quote_comes_first_and_the_answer_is_marked(library) -> None:
    _, good = resolve_ref(library, "000:2:4")
    other = good.model_copy(update={"paragraph": 5, "text": "other", "score": 7.5})
    same = good.model_copy(update={"score": 3.0})
    base = Answer(question="q", answered=True, quotes=[other, same], confidence=0.3)
    fixed = corrected_answer(base, good, "Mo", AT)
    assert [q.text for q in fixed.quotes] == [good.text, "other"]
    assert fixed.quotes[0].score == 7.5  # ranked as the best computed quote was
    assert fixed.corrected is not None and fixed.corrected.by == "Mo" and fixed.corrected.at == AT
    assert fixed.answered and fixed.confidence == 1.0 and fixed.note is None
    unanswered = Answer(question="q", answered=False, note="no", closest=[other])
    fixed = corrected_answer(unanswered, good, "Mo", AT)
    assert fixed.answered and [q.text for q in fixed.quotes] == [good.text] and not fixed.closest
    assert fixed.model_dump(mode="json")["corrected"] == {"by": "Mo", "at": "2026-01-02T03:04:00Z"}


def test_answers_without_a_correction_say_so_in_json() -> None:
    assert Answer(question="q", answered=False).model_dump()["corrected"] is None


@pytest.mark.parametrize(
    ("question", "corrected"),
    [
        ("where is ivanka living now", "Where does Ivanka live these days?"),
        ("what did jared title his memoir", "whats the title of jareds memior"),  # typos
        ("names of ivanka's boys?", "ivanka's boys names?"),
        ("kim n ivanka went to whose wedding in italy?", "whose weding did kim n ivanka go to"),
    ],
)
def test_rewordings_are_recognised(library, question: str, corrected: str) -> None:
    assert rewording_score(library, question, corrected) >= PARAPHRASE_THRESHOLD


@pytest.mark.parametrize(
    ("question", "corrected"),
    [
        ("where does kim live", "where does ivanka live these days"),  # someone else
        ("when did ivanka live in new york", "where does ivanka live these days"),  # other kind
        ("when did jared's memoir come out", "whats the title of jareds memior"),
        ("what happened in 2020", "what happened in 2018"),  # numbers must agree
        ("when did ivanka get married", "ivanka switched religions when she got married? to what"),
        ("when was kim's 43rd birthday party", "kim's birthday is what day of october"),
    ],
)
def test_other_questions_are_not_rewordings(library, question: str, corrected: str) -> None:
    assert rewording_score(library, question, corrected) < PARAPHRASE_THRESHOLD


def test_questions_are_read_as_the_answerer_reads_them(library) -> None:
    """Chat forms ("bday", "wat") and typos ("ivanak") go through knowledge/text/query_reading.py,
    the one reading the answerer uses, not a private copy."""
    pairs = [
        ("wat did kim write on ivanka's bday", "what did kim write on ivanka's birthday"),
        ("ivanak's sons names?", "names of ivanka's sons"),
    ]
    for question, corrected in pairs:
        assert rewording_score(library, question, corrected) >= PARAPHRASE_THRESHOLD


def test_questions_naming_different_things_are_not_rewordings(library) -> None:
    # Both name something, nothing in common: Kim and Kanye are not "the two of them in 2006".
    question = "where did kim and kanye go on vacation"
    assert rewording_score(library, question, "where did they vacation in 2006") == 0.0


FIRST = "000_f42420c014769c46"


@pytest.mark.parametrize(
    ("question", "corrected", "passage"),
    [
        # from tests/data/corrections_dev.jsonl: words too far apart, retrieval agrees
        ("when did kim divorce kanye", "When did Kim Kardashian file for divorce from Kanye West?",
         (FIRST, 8)),
        ("what did trump say about kim on truth social",
         "What did Donald Trump call Kim Kardashian on Truth Social?", (FIRST, 7)),
    ],
)  # fmt: skip
def test_retrieval_carries_rewordings_the_words_miss(library, question, corrected, passage):
    assert rewording_score(library, question, corrected) < PARAPHRASE_THRESHOLD
    assert match_score(library, question, corrected, passage) is not None
    assert match_score(library, question, corrected) is None  # no passage: words alone


@pytest.mark.parametrize(
    ("question", "corrected", "passage"),
    [
        # the same passage retrieved, another question: another kind, head noun or number
        ("when did trump post about kim on truth social",
         "What did Donald Trump call Kim Kardashian on Truth Social?", (FIRST, 7)),
        ("What is the name of Kim's perfume?", "Which store sold Kim's perfume?", (FIRST, 5)),
        ("how long did kim study law", "How long have Kim and Ivanka known each other?",
         ("003_b322379a8092fc22", 2)),
        ("what did kourtney post about the party",
         "Why did Kourtney Kardashian miss the birthday party?", ("002_a57a7b017964c452", 1)),
    ],
)  # fmt: skip
def test_retrieval_never_carries_other_questions(library, question, corrected, passage):
    assert match_score(library, question, corrected, passage) is None


def test_best_rewording_picks_the_closest_correction_or_none(library) -> None:
    corrected = ["where does kim live", "where does ivanka live these days"]
    assert best_rewording(library, "where is ivanka living now", corrected) == 1
    assert best_rewording(library, "who is ivanka's husband", corrected) is None
    assert best_rewording(library, "anything", []) is None


def test_passage_choices_follow_what_is_typed_or_the_reported_question(library) -> None:
    typed = passage_choices(library, "pardoned", limit=5)
    assert typed and all("pardon" in c.text.lower() for c in typed)
    sentences = passage_choices(library, "000:2")
    assert sentences[0].ref == PassageRef(sentences[0].ref.source_id, 2)
    assert [c.ref.sentence for c in sentences[1:]] == list(range(1, len(sentences)))
    asked = passage_choices(library, "", "Who is Ivanka Trump's husband?", limit=3)
    assert len(asked) == 3 and any("Kushner" in c.text for c in asked)
    assert len(passage_choices(library, "", None, limit=4)) == 4


@pytest.mark.parametrize("reader", [False, True])
def test_passage_choices_for_a_question_rank_as_the_answerer_does(library, reader) -> None:
    """With the reader on, the moderator's list follows the reader's ranking, not the lexical
    one (they differ for this question), so the passage the answer quoted is offered first."""
    question = "what does jared do for a living"
    options = Options(reader=reader)
    offered = [(c.ref.source_id, c.ref.paragraph) for c in
               passage_choices(library, "", question, limit=5, options=options)]  # fmt: skip
    ranked = rank(library, question, options).paragraphs[:5]
    expected = [(library.passages[p].source_id, library.passages[p].paragraph) for p in ranked]
    assert offered == expected


def test_references_and_moved_quotes_are_found_without_walking_the_sources(
    tmp_path, monkeypatch
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.md").write_text("---\ntitle: A\n---\n\nCafé ends here.\n\nStart of it.\n")
    (corpus / "b.md").write_text(
        "---\ntitle: B\n---\n\nFirst one.\n\nSecond. Café ends here. Start of it.\n"
    )
    library = open_library(corpus, tmp_path / "data")

    def walked(*args, **kwargs):
        raise AssertionError("walked every source")

    monkeypatch.setattr(SavedCorpus, "sources", property(walked))
    monkeypatch.setattr(SavedCorpus, "source", walked)
    ref, quote = resolve_ref(library, "b:2:2")
    assert ref == PassageRef("b", 2, 2)
    assert quote.text == "Café ends here." and quote.title == "B"
    with pytest.raises(RefError, match="has paragraphs 1 to 2"):
        resolve_ref(library, "b:3")
    # Not at its reference any more: found where a paragraph holds it, after a multi-byte
    # character (offsets are characters); a match across two paragraphs is no match.
    moved = locate(library, PassageRef("b", 1), "Start of it.")
    assert moved is not None and moved[0] == PassageRef("a", 2, 1)
    assert locate(library, PassageRef("b", 1), "here.Start") is None  # a:1 then a:2
    found = locate(library, PassageRef("b", 1), "ends here. Start")
    assert found is not None and found[0] == PassageRef("b", 2, None)
    assert (found[1].start, found[1].end) == (13, 29)
