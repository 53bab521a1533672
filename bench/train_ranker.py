"""Learn the sentence ranker and the answer confidence from SQuAD articles 1-24; choose the
abstention threshold on data; write knowledge/data/ranker.json.

    python -m bench.train_ranker [--squad PATH] [--out FILE]
    python -m bench.train_ranker --reader      # knowledge/data/ranker_reader.json

Deterministic: same data, same file. Only articles 1-24 (file order) are read for learning;
articles 25-48 stay held out for evaluation (bench.quality).

- Ranker: pairwise logistic regression (no intercept) on feature differences between a
  sentence that holds a gold answer in the question's own paragraph and the other candidates.
- Confidence: logistic regression on the best candidate's confidence features; positives are
  questions asked of their own articles, negatives the same questions asked of the other half
  of the training articles (no answer there) and the questions of articles 1-12 asked of the
  bundled articles (off-topic questions that share a few common words with them).
- Chat rewrites (bench/chat_rewrite.py): every training question is also asked the way
  people type in a chat (lowercase, fragments, near words, typos); the ranker and the
  confidence learn from both forms (`--chat 0` trains on SQuAD's wording alone).
- With `--reader`: the neural reader's outputs (knowledge/answering/reader.py) are features
  of both models too (ranker_reader.json). Only the reserve the reader was not trained on is
  used (bench.train_reader.split): its SQuAD questions (and their chat rewrites) and its
  written chat-style questions (bench/data/squad_chat.jsonl) are the answerable ones; its SQuAD
  2.0 unanswerable questions and written near misses, asked of the training articles, are
  further negatives of the confidence and, those of articles 13-24, near misses of the threshold.
- Threshold: calibrated on how people ask. Among the thresholds that abstain on >= 98% of the
  questions of articles 13-24 (SQuAD's and their chat forms) asked of the bundled articles and
  >= 95% of the article questions (tests/data/questions*.jsonl, dev sets only) asked of the
  SQuAD training paragraphs, the one with the lowest cost, where a wrongly abstained answerable
  casual question (questions_people.jsonl, and chat forms of articles 13-24 asked of their own
  articles) costs ABSTAIN_COST and an answered on-topic unanswerable one (the dev sets' near
  misses) costs 1: a low-confidence answer shows its passages, a wrong abstention shows none.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from bench.chat_rewrite import ChatRewriter
from bench.questions import DATA, load_questions
from bench.squad import TRAIN_ARTICLES, SquadQuestion, holds_answer, open_squad
from knowledge.answering.features import FEATURES
from knowledge.answering.ranker import (
    CONFIDENCE_FEATURES,
    RankerModel,
    load_model,
    model_path,
    untrained_model,
)
from knowledge.answering.ranking import Options, Ranking, rank
from knowledge.search.library import Library, open_library

SEED = 20240501
MAX_NEGATIVES = 40
ABSTAIN_SQUAD_ON_ARTICLES = 0.98
ABSTAIN_ARTICLES_ON_SQUAD = 0.85  # was 0.95: it cost 14% of people's questions (README)
ABSTAIN_COST = 3.0  # a wrong abstention on an answerable question, vs answering a near miss
CALIBRATION_SET = DATA / "questions.jsonl"
PEOPLE_SET = DATA / "questions_people.jsonl"  # dev: tuned on; questions_holdout.jsonl is not


def with_chat(questions: list[SquadQuestion], chat: int, variant: int = 0) -> list[SquadQuestion]:
    """The questions followed by `chat` chat-style rewrites of each (same gold answers)."""
    if chat <= 0:
        return list(questions)
    rewriter = ChatRewriter()
    rewrites = [
        replace(q, question=rewriter.rewrite(q.question, variant + v))
        for v in range(chat)
        for q in questions
    ]
    return list(questions) + rewrites


def rankings(library: Library, questions: list[str], options: Options) -> list[Ranking]:
    return [rank(library, q, options) for q in questions]


def pairwise_data(
    library: Library, ranked: list[Ranking], golds: list[tuple[str, tuple[str, ...]]]
) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(SEED)
    rows: list[np.ndarray] = []
    stats = library.sentences
    for ranking, (source_id, answers) in zip(ranked, golds, strict=True):
        feats = np.array([c.features for c in ranking.candidates], dtype=np.float64)
        if not len(feats):
            continue
        positive = np.array(
            [
                library.passages[c.passage].source_id == source_id
                and holds_answer(stats.texts[c.sentence], answers)
                for c in ranking.candidates
            ]
        )
        pos, neg = feats[positive], feats[~positive]
        if not len(pos) or not len(neg):
            continue
        if len(neg) > MAX_NEGATIVES:
            neg = neg[rng.choice(len(neg), MAX_NEGATIVES, replace=False)]
        for p in pos:
            rows.append(p - neg)
    diffs = np.vstack(rows)
    x = np.vstack([diffs, -diffs])
    y = np.concatenate([np.ones(len(diffs)), np.zeros(len(diffs))])
    return x, y


def fit_ranker(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    model = LogisticRegression(fit_intercept=False, C=1.0, max_iter=2000)
    model.fit(x, y)
    return model.coef_[0]


def rescore(ranked: list[Ranking], model: RankerModel) -> None:
    for r in ranked:
        r.model = model
        for c in r.candidates:
            c.score = model.score(c.features)
        r.candidates.sort(key=lambda c: (-c.score, c.sentence))


def confidence_rows(ranked: list[Ranking]) -> np.ndarray:
    return np.array([r.confidence_features() for r in ranked], dtype=np.float64)


def fit_confidence(pos: np.ndarray, neg: np.ndarray) -> tuple[np.ndarray, float]:
    x = np.vstack([pos, neg])
    y = np.concatenate([np.ones(len(pos)), np.zeros(len(neg))])
    model = LogisticRegression(C=1.0, max_iter=2000, class_weight="balanced")
    model.fit(x, y)
    return model.coef_[0], float(model.intercept_[0])


def confidences(ranked: list[Ranking]) -> np.ndarray:
    return np.array([r.confidence() for r in ranked])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.train_ranker", description=__doc__)
    parser.add_argument("--squad", type=Path, default=None, help="path to dev-v1.1.json")
    parser.add_argument("--out", type=Path, default=model_path())
    parser.add_argument("--chat", type=int, default=1, help="chat rewrites per question")
    parser.add_argument(
        "--calibrate", type=Path, default=None, help="only choose the threshold of this model"
    )
    parser.add_argument("--reader", action="store_true", help="with the reader's features")
    args = parser.parse_args(argv)
    if args.reader and args.out == model_path():
        args.out = model_path(reader=True)
    t0 = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="citebot-train-"))
    lib_all, squad = open_squad(args.squad, TRAIN_ARTICLES, work / "all")
    half = len(TRAIN_ARTICLES) // 2
    first, second = range(0, half), range(half, len(TRAIN_ARTICLES))
    lib_first, _ = open_squad(args.squad, first, work / "first")
    lib_second, _ = open_squad(args.squad, second, work / "second")
    bundled = open_library(None, None)
    squad_questions = squad.of_articles(TRAIN_ARTICLES)
    written: list[SquadQuestion] = []
    unstated: list[tuple[int, str]] = []  # (article, question) of on-topic unanswerable ones
    if args.reader:
        squad_questions, written, unstated = reader_reserve(squad_questions)
    questions = with_chat(squad_questions, args.chat) + written
    texts = [q.question for q in questions]
    base = Options(model=untrained_model(), reader=args.reader)
    log(f"{len(questions)} training questions over {len(lib_all.passages)} paragraphs", t0)
    if args.calibrate is not None:
        model = load_model(args.calibrate)
        return calibrate(model, args, lib_all, bundled, squad_questions, [], t0, written, unstated)

    ranked = rankings(lib_all, texts, base)
    x, y = pairwise_data(lib_all, ranked, [(q.source_id, q.answers) for q in questions])
    weights = fit_ranker(x, y)
    log(f"ranker fitted on {len(x) // 2} pairs", t0)
    ranker = replace(untrained_model(), weights=tuple(float(w) for w in weights))
    rescore(ranked, ranker)

    # Out-of-domain: each half's questions asked of the other half's paragraphs, and the first
    # half's asked of the bundled articles (the second half's choose the threshold below).
    qa = [q.question for q in questions if q.article in first]
    qb = [q.question for q in questions if q.article in second]
    scored = replace(base, model=ranker)
    outside = (
        rankings(lib_second, qa, scored)
        + rankings(lib_first, qb, scored)
        + rankings(bundled, qa, scored)
    )
    outside += rankings(lib_all, [q for _, q in unstated], scored)
    cw, cb = fit_confidence(confidence_rows(ranked), confidence_rows(outside))
    provenance = {
        "training": "SQuAD v1.1 dev, articles 1-24 in file order "
        f"({len(squad_questions)} questions, {len(lib_all.passages)} paragraphs), "
        f"each also asked in {args.chat} chat-style rewrite(s) (bench.chat_rewrite)",
        "ranker": f"pairwise logistic regression on {len(x) // 2} sentence pairs, "
        f"up to {MAX_NEGATIVES} negatives per question, seed {SEED}",
        "confidence": "logistic regression: questions of their own articles (answerable) vs "
        "the same questions against the other half of the training articles and articles "
        "1-12's questions against the bundled articles, each in both forms",
    }
    model = replace(
        ranker,
        confidence_weights=tuple(float(w) for w in cw),
        confidence_bias=cb,
        provenance=provenance,
    )
    log("confidence fitted", t0)

    rescore(ranked, model)
    return calibrate(model, args, lib_all, bundled, squad_questions, ranked, t0, written, unstated)


def calibrate(
    model: RankerModel,
    args: argparse.Namespace,
    lib_all: Library,
    bundled: Library,
    squad_questions: list[SquadQuestion],
    ranked: list[Ranking],
    t0: float,
    written: list[SquadQuestion],
    unstated: list[tuple[int, str]],
) -> int:
    """Choose the threshold on how people ask (see the module docstring) and write the model."""
    second = range(len(TRAIN_ARTICLES) // 2, len(TRAIN_ARTICLES))
    opts = Options(model=model, reader=args.reader)
    dev = load_questions(CALIBRATION_SET) + load_questions(PEOPLE_SET)
    articles = [q.question for q in dev if q.answerable]
    near_misses = [q.question for q in dev if not q.answerable]
    people = [q.question for q in load_questions(PEOPLE_SET) if q.answerable]
    late = [q for q in squad_questions if q.article in second]
    late_chat = with_chat(late, args.chat, variant=args.chat)[len(late) :] or late
    squad_on_bundled = confidences(rankings(bundled, [q.question for q in late + late_chat], opts))
    articles_on_squad = confidences(rankings(lib_all, articles, opts))
    casual = [
        confidences(rankings(bundled, people, opts)),
        confidences(rankings(lib_all, [q.question for q in late_chat], opts)),
    ]
    late_written = [q.question for q in written if q.article in second]
    if late_written:
        casual.append(confidences(rankings(lib_all, late_written, opts)))
    late_unstated = [q for a, q in unstated if a in second]
    near = np.concatenate(
        [
            confidences(rankings(bundled, near_misses, opts)),
            confidences(rankings(lib_all, late_unstated, opts)),
        ]
    )
    answerable = np.concatenate(
        [confidences(ranked), confidences(rankings(bundled, articles, opts))]
    )
    threshold = choose_threshold(squad_on_bundled, articles_on_squad, casual, near)
    provenance = {
        **model.provenance,
        "made_by": "python -m bench.train_ranker",
        "date": dt.date.today().isoformat(),
        "threshold": f"lowest cost (wrong abstention {ABSTAIN_COST:g}, answered near miss 1) "
        f"on {PEOPLE_SET.name} and chat forms of articles 13-24, among thresholds abstaining "
        f"on >= {ABSTAIN_SQUAD_ON_ARTICLES:.0%} of articles 13-24's questions (and chat "
        f"forms) asked of the bundled articles and >= {ABSTAIN_ARTICLES_ON_SQUAD:.0%} of the "
        "dev article questions asked of SQuAD",
        "at_threshold": {
            "squad_on_bundled_abstained": round(float(np.mean(squad_on_bundled < threshold)), 4),
            "articles_on_squad_abstained": round(float(np.mean(articles_on_squad < threshold)), 4),
            "answerable_abstained": round(float(np.mean(answerable < threshold)), 4),
            "casual_answerable_abstained": [
                round(float(np.mean(c < threshold)), 4) for c in casual
            ],
            "near_misses_abstained": round(float(np.mean(near < threshold)), 4),
        },
    }
    model = replace(model, threshold=threshold, provenance=provenance)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(model.to_dict(), indent=2) + "\n", encoding="utf-8")
    log(f"wrote {args.out}: threshold {threshold:.4f}, {provenance['at_threshold']}", t0)
    for name, w in zip(FEATURES, model.weights, strict=True):
        print(f"  {name:16} {w:+.3f}")
    for name, w in zip(CONFIDENCE_FEATURES, model.confidence_weights, strict=True):
        print(f"  conf {name:11} {w:+.3f}")
    return 0


def choose_threshold(
    squad_on_bundled: np.ndarray,
    articles_on_squad: np.ndarray,
    casual: list[np.ndarray] | None = None,
    near_misses: np.ndarray | None = None,
) -> float:
    """The threshold (rounded up to 1e-4) meeting both off-topic abstention floors with the
    lowest cost on people's questions: ABSTAIN_COST times the share of answerable casual
    questions abstained (the mean over the `casual` sets, each counting alike whatever its
    size) plus the share of near misses answered. Without them: the lowest meeting the floors.
    """
    needed = 0.0
    for values, floor in (
        (squad_on_bundled, ABSTAIN_SQUAD_ON_ARTICLES),
        (articles_on_squad, ABSTAIN_ARTICLES_ON_SQUAD),
    ):
        # abstain when confidence < t: t must exceed the floor-quantile of these confidences
        needed = max(needed, float(np.quantile(values, floor, method="higher")) + 1e-4)
    needed = round(needed, 4)
    if not casual or near_misses is None or not len(near_misses):
        return needed
    candidates = sorted({needed, *(round(float(v) + 1e-4, 4) for v in near_misses)})

    def cost(t: float) -> float:
        abstained = float(np.mean([np.mean(c < t) for c in casual]))
        return ABSTAIN_COST * abstained + float(np.mean(near_misses >= t))

    return min((t for t in candidates if t >= needed), key=lambda t: (cost(t), t))


def reader_reserve(
    squad_questions: list[SquadQuestion],
) -> tuple[list[SquadQuestion], list[SquadQuestion], list[tuple[int, str]]]:
    """What the reader was not trained on (bench.train_reader.split): its SQuAD questions, its
    written chat questions (as SquadQuestions: the written answer, else the sentence, is the
    gold), and its unanswerable questions and near misses as (article, question)."""
    from bench.train_reader import split, training_kinds

    reserve = split(training_kinds(squad_questions))[1]
    kept = {a.qid for a in reserve["squad"]}
    squad = [q for q in squad_questions if q.qid in kept]
    written = [
        SquadQuestion(
            a.qid,
            a.question,
            a.answers or (a.sentence or "",),
            a.article,
            a.source_id,
        )
        for a in reserve["chat"]
        if a.source_id is not None
    ]
    unstated = [(a.article, a.question) for a in reserve["unanswerable"] + reserve["near"]]
    return squad, written, unstated


def log(message: str, t0: float) -> None:
    print(f"[{time.perf_counter() - t0:6.1f}s] {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
