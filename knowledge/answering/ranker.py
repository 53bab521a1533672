"""The learned sentence ranker and answer confidence, loaded from a small JSON data file.

`bench/train_ranker.py` writes `knowledge/data/ranker.json` from SQuAD articles 1-24 only:
linear weights over `features.FEATURES` (a pairwise logistic ranker), a logistic confidence
model over `CONFIDENCE_FEATURES`, and the abstention threshold chosen on data. Scoring is plain
Python, so scikit-learn is needed only to train.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

from knowledge.answering.features import FEATURES
from knowledge.errors import CitebotError

# Coverage counts a missing word by its nearest library word (the soft forms), so a paraphrase
# ("spouse" for "husband") is not taken for missing evidence; names must still match exactly.
CONFIDENCE_FEATURES: tuple[str, ...] = (
    "best_score",
    "rare_cov",
    "window_soft",
    "para_soft",
    "known_soft",
    "names_known",
    "names_found",
    "type_match",
    "sent_sim",
    "para_sim",
    "reader_answer",  # the best candidate's reader outputs (0 with the reader off)
    "reader_passage",
    "reader_best",  # the highest "states the answer" probability among the read candidates
)
DEFAULT_THRESHOLD = 0.5


class ModelError(CitebotError, ValueError):
    """The ranker data file is missing fields or names features this code does not know."""


@dataclass(frozen=True)
class RankerModel:
    weights: tuple[float, ...]  # aligned with FEATURES
    confidence_weights: tuple[float, ...]  # aligned with CONFIDENCE_FEATURES
    confidence_bias: float
    threshold: float
    provenance: dict = field(default_factory=dict, compare=False, hash=False)

    def score(self, features: list[float]) -> float:
        return sum(w * x for w, x in zip(self.weights, features, strict=True))

    def confidence(self, features: list[float]) -> float:
        z = self.confidence_bias + sum(
            w * x for w, x in zip(self.confidence_weights, features, strict=True)
        )
        return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))

    @classmethod
    def from_dict(cls, data: dict) -> RankerModel:
        try:
            ranker = dict(zip(data["features"], data["weights"], strict=True))
            conf = data["confidence"]
            cweights = dict(zip(conf["features"], conf["weights"], strict=True))
            bias, threshold = float(conf["bias"]), float(data["threshold"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(f"ranker data is incomplete: {exc}") from exc
        unknown = (set(ranker) - set(FEATURES)) | (set(cweights) - set(CONFIDENCE_FEATURES))
        if unknown:
            raise ModelError(f"ranker data names unknown features: {sorted(unknown)}")
        return cls(
            weights=tuple(float(ranker.get(name, 0.0)) for name in FEATURES),
            confidence_weights=tuple(float(cweights.get(n, 0.0)) for n in CONFIDENCE_FEATURES),
            confidence_bias=bias,
            threshold=threshold,
            provenance=data.get("provenance", {}),
        )

    def to_dict(self) -> dict:
        return {
            "features": list(FEATURES),
            "weights": [round(w, 6) for w in self.weights],
            "confidence": {
                "features": list(CONFIDENCE_FEATURES),
                "weights": [round(w, 6) for w in self.confidence_weights],
                "bias": round(self.confidence_bias, 6),
            },
            "threshold": round(self.threshold, 6),
            "provenance": self.provenance,
        }


def model_path(reader: bool = False) -> Path:
    """The lexical model (ranker.json), or the one trained with the reader's features."""
    name = "ranker_reader.json" if reader else "ranker.json"
    return Path(str(resources.files("knowledge") / "data" / name))


def load_model(path: Path | str | None = None) -> RankerModel:
    path = Path(path) if path is not None else model_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ModelError(f"cannot read ranker data {path}: {exc}") from exc
    return RankerModel.from_dict(data)


@lru_cache(maxsize=1)
def default_model() -> RankerModel:
    """The shipped lexical model, read once per process."""
    return load_model()


@lru_cache(maxsize=1)
def reader_ranker() -> RankerModel:
    """The shipped model over the lexical and the reader's features, read once per process."""
    return load_model(model_path(reader=True))


def untrained_model() -> RankerModel:
    """Best-overlap ranking with no learning: the baseline the trained weights replace."""
    weights = {"sent_bm25": 1.0, "para_bm25": 0.3}
    return RankerModel(
        weights=tuple(weights.get(name, 0.0) for name in FEATURES),
        confidence_weights=tuple(4.0 if n == "window_cov" else 0.0 for n in CONFIDENCE_FEATURES),
        confidence_bias=-2.0,
        threshold=DEFAULT_THRESHOLD,
    )
