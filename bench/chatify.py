"""Rewrite a question set the way people type in chat, to check how questions are read.

    python -m bench.chatify tests/data/questions.jsonl ... > out.jsonl [--seed N]

Deterministic (seeded): every question is lowercased, apostrophes dropped ("kim's" -> "kims"),
the final "?" dropped half the time, standard words swapped for a chat form from
`knowledge/data/chat_lexicon.txt` (read backwards: "birthday" -> "bday", "you" -> "u"), and one
letter pair swapped in the longest word of seven letters or more in every other question
("election" -> "eletcion"). Ids get a "c" prefix; everything else is kept, so
`python -m bench.questions out.jsonl` measures the rewritten set against the same gold.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from pathlib import Path

from bench.questions import load_questions
from knowledge.text.chat_forms import default_lexicon

_WORD = re.compile(r"[A-Za-z0-9']+")


def chat_forms() -> dict[str, str]:
    """Standard words -> the first chat form the lexicon lists for them."""
    out: dict[str, str] = {}
    for form, standard in default_lexicon().items():
        if form.isalnum():
            out.setdefault(standard, form)
    return out


def chatify(question: str, rng: random.Random, typo: bool, forms: dict[str, str]) -> str:
    text = question.lower().replace("\u2019", "'")
    for standard in sorted(forms, key=len, reverse=True):
        if rng.random() < 0.8:
            text = re.sub(rf"\b{re.escape(standard)}\b", forms[standard], text)
    text = text.replace("'", "")
    if rng.random() < 0.5:
        text = text.rstrip("?").rstrip()
    if typo:
        long_words = [w for w in _WORD.findall(text) if len(w) >= 7 and w.isalpha()]
        if long_words:
            word = max(long_words, key=len)
            i = rng.randrange(1, len(word) - 2)
            swapped = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
            text = re.sub(rf"\b{word}\b", swapped, text, count=1)
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.chatify", description=__doc__)
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--seed", type=int, default=10)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    forms = chat_forms()
    n = 0
    for path in args.files:
        for q in load_questions(path):
            q.id = "c" + q.id
            q.question = chatify(q.question, rng, typo=n % 2 == 1, forms=forms)
            sys.stdout.write(q.model_dump_json() + "\n")
            n += 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
