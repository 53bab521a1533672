"""The embedding builder's pieces on small data it makes (the real model run takes minutes)."""

from __future__ import annotations

import json
import struct

import numpy as np
import pytest

from bench.build_embeddings import Bert, mean_pool, pca, read_safetensors


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, array in tensors.items():
        raw = np.ascontiguousarray(array, dtype=np.float32).tobytes()
        header[name] = {
            "dtype": "F32",
            "shape": list(array.shape),
            "data_offsets": [offset, offset + len(raw)],
        }
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def test_safetensors_are_read_back_exactly(tmp_path):
    tensors = {"a": np.arange(6, dtype=np.float32).reshape(2, 3), "b": np.ones(4, np.float32)}
    write_safetensors(tmp_path / "m.safetensors", tensors)
    back = read_safetensors(tmp_path / "m.safetensors")
    assert set(back) == {"a", "b"}
    assert np.array_equal(back["a"], tensors["a"]) and back["a"].shape == (2, 3)


def tiny_bert(hidden=8, heads=2, vocab=10, inner=16):
    rng = np.random.default_rng(0)

    def w(*shape):
        return rng.normal(0, 0.3, shape).astype(np.float32)

    weights = {
        "embeddings.word_embeddings.weight": w(vocab, hidden),
        "embeddings.position_embeddings.weight": w(16, hidden),
        "embeddings.token_type_embeddings.weight": w(2, hidden),
        "embeddings.LayerNorm.weight": np.ones(hidden, np.float32),
        "embeddings.LayerNorm.bias": np.zeros(hidden, np.float32),
    }
    p = "encoder.layer.0"
    for name, shape in {
        "attention.self.query": (hidden, hidden),
        "attention.self.key": (hidden, hidden),
        "attention.self.value": (hidden, hidden),
        "attention.output.dense": (hidden, hidden),
        "intermediate.dense": (inner, hidden),
        "output.dense": (hidden, inner),
    }.items():
        weights[f"{p}.{name}.weight"] = w(*shape)
        weights[f"{p}.{name}.bias"] = w(shape[0])
    for name in ("attention.output.LayerNorm", "output.LayerNorm"):
        weights[f"{p}.{name}.weight"] = np.ones(hidden, np.float32)
        weights[f"{p}.{name}.bias"] = np.zeros(hidden, np.float32)
    config = {"num_hidden_layers": 1, "num_attention_heads": heads, "layer_norm_eps": 1e-12}
    return Bert(weights, config)


def test_forward_pass_ignores_padding_and_batches_independently():
    bert = tiny_bert()
    ids = np.array([[1, 4, 2, 0, 0], [1, 5, 6, 7, 2]])
    mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]])
    batch = mean_pool(bert(ids, mask), mask)
    alone = mean_pool(bert(ids[:1, :3], mask[:1, :3]), mask[:1, :3])
    assert batch.shape == (2, 8)
    assert np.allclose(batch[0], alone[0], atol=1e-5)  # padding changes nothing
    assert not np.allclose(batch[0], batch[1])


def test_pca_orders_directions_by_variance():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(200, 5)) * np.array([10.0, 3.0, 1.0, 0.1, 0.1])
    reduced, kept = pca(x, 2)
    assert reduced.shape == (200, 2)
    assert reduced[:, 0].var() > reduced[:, 1].var()
    assert kept == pytest.approx(109 / 110.02, abs=0.01)
