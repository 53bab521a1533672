"""Benchmarks: answer quality (SQuAD, own questions) and speed/memory at scale. Not run in CI."""
