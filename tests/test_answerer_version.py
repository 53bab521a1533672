"""The answerer version covers all the knowledge code, sub-packages included."""

from __future__ import annotations

import knowledge
from bot import service


def _version(monkeypatch) -> str:
    monkeypatch.setattr(service, "_DIGEST", None)
    return service.answerer_version()


def test_editing_a_module_in_a_knowledge_subpackage_changes_the_answerer_version(
    tmp_path, monkeypatch
):
    """Cached answers are keyed by this version: code moved into a sub-package must count."""
    (tmp_path / "__init__.py").write_text("", encoding="utf-8")
    package = tmp_path / "timeline"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    rules = package / "rules.py"
    rules.write_text("LIMIT = 1\n", encoding="utf-8")
    monkeypatch.setattr(knowledge, "__file__", str(tmp_path / "__init__.py"))
    before = _version(monkeypatch)
    rules.write_text("LIMIT = 2\n", encoding="utf-8")
    assert _version(monkeypatch) != before


def test_data_files_of_a_subpackage_count_and_compiled_files_do_not(tmp_path, monkeypatch):
    (tmp_path / "__init__.py").write_text("", encoding="utf-8")
    data = tmp_path / "answering" / "data"
    data.mkdir(parents=True)
    weights = data / "weights.json"
    weights.write_text("{}", encoding="utf-8")
    monkeypatch.setattr(knowledge, "__file__", str(tmp_path / "__init__.py"))
    before = _version(monkeypatch)
    cache = tmp_path / "answering" / "__pycache__"
    cache.mkdir()
    (cache / "rules.cpython-311.pyc").write_bytes(b"\0")
    assert _version(monkeypatch) == before
    weights.write_text('{"w": 1}', encoding="utf-8")
    assert _version(monkeypatch) != before
