"""The one atomic-write helper and the one exception root (knowledge.files, knowledge.errors)."""

import os
import stat

import pytest

from knowledge import errors
from knowledge.files import write_atomically


def test_write_atomically_replaces_whole_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    write_atomically(target, "new text\n")
    assert target.read_text() == "new text\n"
    write_atomically(target, b"\x00bytes")
    assert target.read_bytes() == b"\x00bytes"
    assert os.listdir(tmp_path) == ["out.txt"]


def test_write_atomically_keeps_old_file_when_writing_fails(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    with pytest.raises(TypeError):
        write_atomically(target, 42)  # type: ignore[arg-type]
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["out.txt"]


def test_every_knowledge_exception_derives_from_the_root():
    import importlib
    import inspect
    import pkgutil

    import knowledge

    own = []
    for info in pkgutil.walk_packages(knowledge.__path__, "knowledge."):
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == info.name and issubclass(cls, BaseException):
                own.append(cls)
    assert len(own) >= 10
    assert [c.__name__ for c in own if not issubclass(c, errors.CitebotError)] == []


def test_written_files_and_folders_honour_the_umask(tmp_path):
    from knowledge.search.build_once import replace_folder

    old = os.umask(0o027)
    try:
        write_atomically(tmp_path / "new.txt", "x")
        replace_folder(lambda folder: write_atomically(folder / "f", "x"), tmp_path / "built")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.txt").stat().st_mode) == 0o640
    assert stat.S_IMODE((tmp_path / "built").stat().st_mode) == 0o750
    assert stat.S_IMODE((tmp_path / "built" / "f").stat().st_mode) == 0o640
