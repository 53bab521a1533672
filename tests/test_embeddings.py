"""Static word vectors: WordPiece splitting, the data file, and what the shipped table says."""

from __future__ import annotations

import json

import numpy as np
import pytest

from knowledge.text.embeddings import (
    TAIL_WEIGHT,
    EmbeddingError,
    WordVectors,
    default_vectors,
    embeddings_path,
    load_vectors,
    wordpiece,
)

VOCAB = {"play": 0, "##ing": 1, "##er": 2, "un": 3, "##play": 4, "cat": 5}


def test_wordpiece_is_greedy_longest_match():
    assert wordpiece("playing", VOCAB) == ["play", "##ing"]
    assert wordpiece("unplayer", VOCAB) == ["un", "##play", "##er"]
    assert wordpiece("cat", VOCAB) == ["cat"]
    assert wordpiece("dog", VOCAB) is None  # no piece spells it
    assert wordpiece("", VOCAB) is None


def write_table(path, tokens, rows):
    np.savez(
        path,
        tokens=np.array("\n".join(tokens)),
        vectors=np.array(rows, dtype=np.float16),
        provenance=np.array(json.dumps({"made_by": "test"})),
    )


def test_a_word_is_its_first_piece_plus_a_little_of_the_rest(tmp_path):
    path = tmp_path / "t.npz"
    write_table(path, ["play", "##ing", "cat"], [[1, 0], [0, 1], [-1, 0]])
    wv = load_vectors(path)
    assert wv.provenance == {"made_by": "test"}
    expected = np.array([1.0, TAIL_WEIGHT]) / np.hypot(1.0, TAIL_WEIGHT)
    assert np.allclose(wv.vector("playing"), expected, atol=1e-3)
    assert wv.similarity("play", "cat") == pytest.approx(-1.0, abs=1e-3)
    assert wv.vector("dog") is None and wv.similarity("dog", "cat") == 0.0
    words, matrix = wv.matrix(["cat", "dog", "play"])
    assert words == ["cat", "play"] and matrix.shape == (2, 2)
    mean = wv.mean(["play", "cat", "play"], [1.0, 1.0, 1.0])
    assert np.allclose(mean, [1.0, 0.0], atol=1e-3)


def test_a_broken_table_is_a_clear_error(tmp_path):
    with pytest.raises(EmbeddingError, match="cannot read"):
        load_vectors(tmp_path / "missing.npz")
    path = tmp_path / "bad.npz"
    write_table(path, ["a", "b", "c"], [[1.0, 0.0], [0.0, 1.0]])
    with pytest.raises(EmbeddingError, match="rows"):
        load_vectors(path)


def test_shipped_table_is_small_and_says_how_it_was_made():
    assert embeddings_path().stat().st_size < 10_000_000
    wv = default_vectors()
    assert isinstance(wv, WordVectors) and 64 <= wv.dim <= 256
    assert "MiniLM" in wv.provenance["model"] and wv.provenance["model_license"] == "Apache-2.0"
    v = wv.vector("husband")
    assert v is not None and np.linalg.norm(v) == pytest.approx(1.0, abs=1e-4)


@pytest.mark.parametrize(
    ("word", "related", "unrelated"),
    [
        ("spouse", "husband", "yogurt"),
        ("purchase", "bought", "river"),
        ("perfume", "fragrance", "senate"),
        ("meal", "dinner", "prison"),
    ],
)
def test_shipped_table_puts_related_words_closer(word, related, unrelated):
    wv = default_vectors()
    assert wv.similarity(word, related) > 0.6
    assert wv.similarity(word, related) > wv.similarity(word, unrelated) + 0.3
