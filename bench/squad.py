"""SQuAD v1.1 as a citebot corpus: one Markdown source per paragraph, loaded by the real loader.

Also the official SQuAD answer normalisation, so "answer accuracy" means what SQuAD means by it.
"""

from __future__ import annotations

import json
import re
import string
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from knowledge.search.library import Library, open_library

DEFAULT_SQUAD = Path(__file__).resolve().parents[2] / "shared" / "data" / "squad" / "dev-v1.1.json"
FALLBACK_SQUAD = Path("/work/shared/data/squad/dev-v1.1.json")
TRAIN_ARTICLES = range(0, 24)  # articles 1-24 (file order): the only ones training may see
HELD_OUT_ARTICLES = range(24, 48)  # articles 25-48: evaluation only


@dataclass(frozen=True)
class SquadQuestion:
    qid: str
    question: str
    answers: tuple[str, ...]
    article: int  # 0-based position of the article in the file
    source_id: str  # the paragraph's source id in the written corpus


@dataclass
class SquadSet:
    folder: Path
    questions: list[SquadQuestion]
    titles: list[str]

    def of_articles(self, articles: range) -> list[SquadQuestion]:
        return [q for q in self.questions if q.article in articles]


def squad_path(path: Path | str | None = None) -> Path:
    for candidate in (path, DEFAULT_SQUAD, FALLBACK_SQUAD):
        if candidate is not None and Path(candidate).is_file():
            return Path(candidate)
    raise FileNotFoundError("SQuAD dev-v1.1.json not found; pass --squad PATH")


def source_id(article: int, paragraph: int) -> str:
    return f"a{article + 1:03d}_p{paragraph + 1:03d}"


def read_squad(
    path: Path | str | None = None, articles: range | None = None, folder: Path | None = None
) -> SquadSet:
    """The chosen articles' questions; with `folder`, their paragraphs are written there as
    Markdown sources with front matter."""
    data = json.loads(squad_path(path).read_text(encoding="utf-8"))["data"]
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
    questions: list[SquadQuestion] = []
    titles: list[str] = []
    for a, article in enumerate(data):
        title = article["title"].replace("_", " ")
        titles.append(title)
        if articles is not None and a not in articles:
            continue
        for p, paragraph in enumerate(article["paragraphs"]):
            sid = source_id(a, p)
            if folder is not None:
                front = f"---\ntitle: {json.dumps(title)}\n---\n\n"
                (folder / f"{sid}.md").write_text(front + paragraph["context"] + "\n", "utf-8")
            for qa in paragraph["qas"]:
                answers = tuple(dict.fromkeys(x["text"] for x in qa["answers"]))
                questions.append(SquadQuestion(qa["id"], qa["question"], answers, a, sid))
    return SquadSet(folder=folder or Path(), questions=questions, titles=titles)


def write_squad(
    folder: Path, path: Path | str | None = None, articles: range | None = None
) -> SquadSet:
    """Write the chosen articles' paragraphs as Markdown sources with front matter."""
    return read_squad(path, articles, folder)


def open_squad(
    path: Path | str | None = None, articles: range | None = None, workdir: Path | None = None
) -> tuple[Library, SquadSet]:
    """A Library over SQuAD paragraphs (all 48 articles unless `articles` is given)."""
    folder = Path(workdir or tempfile.mkdtemp(prefix="citebot-squad-")) / "corpus"
    squad = write_squad(folder, path, articles)
    return open_library(folder, None, strict=True), squad


# --- official SQuAD v1.1 evaluation normalisation --------------------------------------------
_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCT = frozenset(string.punctuation)


def normalize_answer(text: str) -> str:
    """Lowercase, drop punctuation and articles, squeeze whitespace (evaluate-v1.1.py)."""
    text = "".join(ch for ch in text.lower() if ch not in _PUNCT)
    return " ".join(_ARTICLES.sub(" ", text).split())


def holds_answer(text: str, answers: tuple[str, ...] | list[str]) -> bool:
    """True when the normalised text contains a normalised gold answer as whole words."""
    haystack = f" {normalize_answer(text)} "
    return any(f" {norm} " in haystack for norm in (normalize_answer(a) for a in answers) if norm)


def iter_subset(questions: list[SquadQuestion], limit: int | None) -> Iterator[SquadQuestion]:
    """An evenly spread, deterministic subset (every k-th question) for quick runs."""
    if not limit or limit >= len(questions):
        yield from questions
        return
    step = len(questions) / limit
    for i in range(limit):
        yield questions[int(i * step)]
