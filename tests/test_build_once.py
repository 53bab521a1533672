"""The index is built once per data folder and shared: real processes racing for it."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from filelock import FileLock

from knowledge.corpus import Corpus
from knowledge.search.build_once import lock_path
from knowledge.search.library import index_dir, open_library
from tests.store_support import ROOT

OPEN = (
    "import sys; from pathlib import Path; from knowledge.search.library import open_library; "
    "library = open_library(None, Path(sys.argv[1])); "
    "print('built' if library.rebuilt else 'loaded', len(library.index.search(['kim'], 3)))"
)


def _start(data: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", OPEN, str(data)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_processes_starting_together_build_the_index_once(corpus: Corpus, tmp_path: Path) -> None:
    data = tmp_path / "data"
    folder = index_dir(data, corpus.fingerprint)
    folder.parent.mkdir(parents=True)
    lock = lock_path(data, "index", corpus.fingerprint)
    lock.parent.mkdir()
    with FileLock(lock):  # as if a build were under way
        processes = [_start(data) for _ in range(3)]
        time.sleep(2.0)
        assert all(p.poll() is None for p in processes)  # waiting, not building a copy
        assert not folder.exists()
    outputs = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        outputs.append(out.split()[0])
    assert sorted(outputs) == ["built", "loaded", "loaded"]
    assert [p.name for p in folder.parent.iterdir() if p.name.startswith(".")] == []


def test_a_half_written_index_is_never_loaded(corpus: Corpus, tmp_path: Path) -> None:
    data = tmp_path / "data"
    folder = index_dir(data, corpus.fingerprint)
    crashed = folder.with_name(f".{folder.name}.x1y2.tmp")  # a build killed mid-write
    crashed.mkdir(parents=True)
    (crashed / "citebot.json").write_text("{")
    library = open_library(None, data)
    assert library.rebuilt and (folder / "citebot.json").is_file()
    assert not open_library(None, data).rebuilt


def test_rebuilding_leaves_running_processes_their_mapped_index(
    corpus: Corpus, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    running = open_library(None, data)
    before = running.index.search(["kim"], 3)
    rebuilt = open_library(None, data, rebuild=True)  # what `citebot index` does
    assert rebuilt.rebuilt
    assert running.index.search(["kim"], 3) == before == rebuilt.index.search(["kim"], 3)


HOLD_LOCK = (
    "import sys, time; from filelock import FileLock; lock = FileLock(sys.argv[1]); "
    "lock.acquire(); print('held', flush=True); time.sleep(60)"
)


def test_a_build_killed_midway_leaves_nothing_behind_after_the_next_build(
    corpus: Corpus, tmp_path: Path
) -> None:
    """A scratch folder whose process is gone (SIGKILL mid-build) goes with the next build; one
    whose build is still under way (its fingerprint's lock is held) stays."""
    data = tmp_path / "data"
    index_root = index_dir(data, corpus.fingerprint).parent
    killed = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    killed.kill()
    killed.wait()
    same = index_root / f".{corpus.fingerprint}.{killed.pid}.building"
    other = index_root / f".{'0' * 16}.{killed.pid}.building"
    live_lock = lock_path(data, "index", "1" * 16)
    live_lock.parent.mkdir(parents=True)
    live = index_root / f".{'1' * 16}.{killed.pid}.building"
    for scratch in (same, other, live):
        (scratch / "library").mkdir(parents=True)
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(live_lock)],
                              stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        assert open_library(None, data).rebuilt
        assert not same.exists() and not other.exists()
        assert live.exists()  # another process is building that corpus right now
    finally:
        holder.kill()
        holder.wait()
