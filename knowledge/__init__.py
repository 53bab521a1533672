"""Pure, synchronous question answering over source articles: no Discord, no asyncio.

Grouped by pipeline, each sub-package's docstring saying what it owns:

- text/       reading text: words, stems, lemmas, names and aliases, typed spans, word vectors,
              and a question as people type it (chat forms, typos, casing)
- search/     what a corpus becomes once built (the saved library) and finding paragraphs in it
- answering/  from a question to quoted, cited sentences, or an abstention; corrections
- timeline/   dated mentions merged into events, filtered, saved
- temporal/   the rule-based date tagger the timeline and answer types use

At the top: models (the data every layer shares, the JSON contract), errors (the exception
root), files (atomic writes) and corpus (reading a folder of sources safely).
"""
