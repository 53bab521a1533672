"""Search: what a corpus becomes once built, and finding paragraphs in it.

Owns the BM25 index (index), query expansion (expansion), word-vector neighbours
(semantic), per-sentence statistics (sentences), and the library: built once per corpus
fingerprint, saved, checked and reopened (library, library_build, library_data,
reading_data, integrity, build_once, housekeeping, progress).
"""
