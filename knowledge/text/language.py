"""Whether a question is plainly not in English, told cheaply, so that a question the English
sources cannot match is told they are read in English rather than "not found".

Two signals: the script (most letters outside the Latin alphabet: Cyrillic, Greek, Arabic,
CJK...), and, for Latin script, the function words of the commonest other languages written in
it (articles, pronouns, question words: words no English question uses) against English's own.
A dictionary-based detector (simplemma's langdetect) was measured first: as accurate on these
questions but 3.3 s and over 400 MB to load its lexicons, too much for a bot that answers in
milliseconds. False positives on every English question set in tests/data: 0
(tests/test_language.py).
"""

from __future__ import annotations

import re
import unicodedata

from knowledge.text.analysis import STOPWORDS

# Function words of each language that are not English words (so "die", "also", "see" are out).
_FUNCTION_WORDS = {
    "de": "der das dem den des ein eine einen einem einer und ist sind war wurde wer wie wo wann "
    "warum welche welcher was nicht mit sich auf für von zum zur hat haben über auch noch",
    "fr": "le la les un une des du et est sont était qui que quoi où quand pourquoi comment "
    "quel quelle avec pour dans sur pas ont ses leur elle ils elles cette",
    "es": "el la los las un una unos del y es son fue era quién quien qué dónde donde cuándo "
    "cuando por qué cómo con para en se su sus ella ellos esta este",
    "it": "il lo la gli le un una del della dei e è sono era chi che cosa dove quando perché "
    "come con per nel nella si suo sua hanno questa questo",
    "pt": "o a os as um uma do da dos das e é são foi era quem que onde quando porque como "
    "com para em se seu sua eles elas esta este não",
    "nl": "de het een en is zijn was wie wat waar wanneer waarom hoe met voor van op niet "
    "ze hij zij heeft hebben deze dit",
}
_ENGLISH_TOO = frozenset(
    ["a", "o", "as", "is", "was", "die", "also", "see", "hat", "do", "son", "come"]
)
FOREIGN_WORDS = {
    lang: frozenset(w for w in words.split() if w not in STOPWORDS and w not in _ENGLISH_TOO)
    for lang, words in _FUNCTION_WORDS.items()
}
_WORD = re.compile(r"[^\W\d_]+")
MIN_FOREIGN = 2  # function words of one language needed to call the question foreign


def latin_share(text: str) -> float:
    """The share of letters that are Latin (1.0 when there are none)."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return 1.0
    latin = sum(1 for c in letters if "LATIN" in unicodedata.name(c, ""))
    return latin / len(letters)


def looks_foreign(question: str) -> bool:
    """True when the question is plainly in another language than English."""
    if latin_share(question) < 0.5:
        return True
    words = [w.casefold() for w in _WORD.findall(question)]
    english = sum(1 for w in words if w in STOPWORDS)
    foreign = max(sum(1 for w in words if w in vocabulary) for vocabulary in FOREIGN_WORDS.values())
    return foreign >= MIN_FOREIGN and foreign > english
