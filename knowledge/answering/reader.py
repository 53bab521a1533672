"""The neural reader: a small cross-encoder that reads the question and a candidate sentence
together and says whether the sentence states the answer (issue 17).

The model is all-MiniLM-L6-v2 fine-tuned as a cross-encoder by `python -m bench.train_reader`,
exported to ONNX with int8 weights (`knowledge/data/reader.onnx`, its card `reader.json`) and
run by onnxruntime with the HF `tokenizers` WordPiece tokenizer (`reader_tokenizer.json`).
Both libraries and the model are loaded lazily, once per process, on the first uncached answer.

It has two outputs per (question, candidate) pair, both logits:
- `answer`: the sentence (read with its paragraph's title and previous sentence) states the
  answer to the question;
- `passage`: the candidate's paragraph holds the answer (an answerability signal: near misses,
  questions on topic whose fact is not stated, score low on both).

A missing or damaged model file gives one warning and `None` from `default_reader()`: the
ranker then runs on its lexical features alone, as with `CITEBOT_READER=off`.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from knowledge.search.library import Library

log = logging.getLogger(__name__)

MAX_TOKENS = 96  # question + candidate text (word pieces), as in training
MAX_QUESTION_TOKENS = 40
THREADS = 2  # intra-op threads: the machine's two cores, shared with the event loop
ENV_SWITCH = "CITEBOT_READER"
MODEL_FILE = "reader.onnx"
CARD_FILE = "reader.json"
TOKENIZER_FILE = "reader_tokenizer.json"


def data_path(name: str) -> Path:
    return Path(str(resources.files("knowledge") / "data" / name))


def candidate_text(title: str, section: str | None, sentence: str, previous: str | None) -> str:
    """What the reader sees of a candidate: the sentence first (so truncation cuts context,
    never the sentence), then where it stands (title, heading) and the sentence before it,
    which names what its pronouns refer to."""
    where = f"{title} - {section}" if section and section != title else title
    parts = [sentence.strip(), f"({where})"]
    if previous:
        parts.append(previous.strip())
    return " ".join(p for p in parts if p)


def library_text(library: Library, s: int) -> str:
    """`candidate_text` of sentence `s` of a library."""
    stats, data = library.sentences, library.data
    p = int(stats.passage_of[s])
    title = data.sources[int(data.arrays["source_of"][p])].title
    previous = stats.texts[s - 1] if s > stats.first[p] else None
    return candidate_text(title, data.section(p), stats.texts[s], previous)


@dataclass(frozen=True)
class ReaderScores:
    answer: np.ndarray  # logits, one per candidate
    passage: np.ndarray


class Reader:
    """An onnxruntime session and its tokenizer; `score` reads a batch of candidates."""

    def __init__(self, model: Path, tokenizer: Path, threads: int = THREADS) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(tokenizer))
        self.tokenizer.enable_truncation(MAX_TOKENS, strategy="only_second")
        self.tokenizer.enable_padding()
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = ort.InferenceSession(
            str(model), sess_options=opts, providers=["CPUExecutionProvider"]
        )
        self.inputs = {i.name for i in self.session.get_inputs()}
        self._lock = threading.Lock()

    def encode(self, question: str, texts: Sequence[str]) -> dict[str, np.ndarray]:
        q = _clip_question(self.tokenizer, question)
        encodings = self.tokenizer.encode_batch([(q, t) for t in texts])
        feeds = {
            "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
        }
        return {k: v for k, v in feeds.items() if k in self.inputs}

    def score(self, question: str, texts: Sequence[str]) -> ReaderScores:
        if not texts:
            empty = np.zeros(0, dtype=np.float32)
            return ReaderScores(empty, empty)
        feeds = self.encode(question, texts)
        with self._lock:  # one run at a time: the session's threads are the machine's cores
            (logits,) = self.session.run(None, feeds)
        logits = np.asarray(logits, dtype=np.float32)
        return ReaderScores(answer=logits[:, 0], passage=logits[:, 1])


def _clip_question(tokenizer: Any, question: str) -> str:
    """A very long question is cut to its first MAX_QUESTION_TOKENS word pieces, so the
    candidate keeps its room."""
    enc = tokenizer.encode(question, add_special_tokens=False)
    if len(enc.ids) <= MAX_QUESTION_TOKENS:
        return question
    end = enc.offsets[MAX_QUESTION_TOKENS - 1][1]
    return question[:end]


def reader_enabled() -> bool:
    """`CITEBOT_READER=off` (or 0, false, no) turns the reader off for the process."""
    return os.environ.get(ENV_SWITCH, "on").strip().lower() not in {"off", "0", "false", "no"}


_loaded: dict[str, Reader | None] = {}
_load_lock = threading.Lock()


def default_reader() -> Reader | None:
    """The shipped reader, loaded on first use; None (after one warning) when it cannot load."""
    with _load_lock:
        if "default" not in _loaded:
            _loaded["default"] = load_reader(data_path(MODEL_FILE), data_path(TOKENIZER_FILE))
        return _loaded["default"]


def load_reader(model: Path, tokenizer: Path) -> Reader | None:
    try:
        if not model.is_file():
            raise FileNotFoundError(f"{model} is missing")
        return Reader(model, tokenizer)
    except Exception as exc:  # onnxruntime raises its own types for a damaged file
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        log.warning("reader model unusable, answering without it: %s", first[:300])
        return None


def reader_card() -> dict:
    """The model card: base model, training command, data, seed, outputs."""
    return json.loads(data_path(CARD_FILE).read_text(encoding="utf-8"))
