"""Text analysis: the language knowledge every other layer reads text with.

Owns tokenizing, folding and stemming (analysis), dictionary forms (lemmas), proper names
and their aliases (names, aliases), typed spans of a sentence (mentions), word vectors
(embeddings), and reading a question as people type it: chat forms, typos, casing
(chat_forms, spelling, query_reading). No index, no library: pure functions of text and
small data files.
"""
