"""A full disk under the data folder (issue 21, defect 5): reading commands work, writing ones
say the disk is full. The disk is real: a 16 MiB tmpfs mounted for the test and filled to the
last byte (mounting needs root; the test is skipped without it)."""

from __future__ import annotations

import errno
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli_support import run_cli

QUESTION = "Where did they first meet?"
CACHED = "Who is Kanye West?"  # asked before the disk fills, never reported: served from cache


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "disk"
    mount.mkdir()
    try:
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mount)],
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError as exc:
        pytest.skip(f"cannot mount a small tmpfs here: {exc}")
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here (needs root): {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(folder: Path) -> Path:
    """Write zeros until the disk refuses even one more byte."""
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        for chunk in (1 << 20, 1 << 12, 1):
            while True:
                try:
                    os.write(fd, b"\0" * chunk)
                except OSError as exc:
                    assert exc.errno == errno.ENOSPC
                    break
    finally:
        os.close(fd)
    return filler


def test_a_full_disk_still_reads_and_says_so_when_writing(small_disk: Path, tmp_path: Path) -> None:
    data = small_disk / "data"
    asked = run_cli(data, "ask", "--json", QUESTION)
    answer_id = json.loads(asked.stdout)["answer_id"]
    assert run_cli(data, "report", answer_id, "--reason", "before").returncode == 0
    cached_id = json.loads(run_cli(data, "ask", "--json", CACHED).stdout)["answer_id"]
    filler = _fill(small_disk)

    listed = run_cli(data, "reports", "--json")
    assert listed.returncode == 0, listed.stderr
    assert [r["reason"] for r in json.loads(listed.stdout)["reports"]] == ["before"]
    exported = run_cli(
        data, "reports", "export", "--format", "csv", "--output", str(tmp_path / "r.csv")
    )
    assert exported.returncode == 0, exported.stderr
    assert "before" in (tmp_path / "r.csv").read_text(encoding="utf-8")
    dumped = run_cli(data, "db", "export", str(tmp_path / "db.jsonl"))
    assert dumped.returncode == 0, dumped.stderr
    cached = run_cli(data, "ask", CACHED)
    assert cached.returncode == 0, cached.stderr
    assert f"[answer {cached_id}, from the cache;" in cached.stdout

    refused = run_cli(data, "report", answer_id, "--reason", "during")
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1, refused.stdout
    assert "is full, so nothing was changed; free some space" in refused.stderr
    assert "cannot commit" not in refused.stderr

    filler.unlink()  # room again: nothing was broken
    assert run_cli(data, "report", answer_id, "--reason", "after").returncode == 0
    listed = run_cli(data, "reports", "--json")
    assert [r["reason"] for r in json.loads(listed.stdout)["reports"]] == ["before\n\nafter"]


async def test_a_store_open_when_the_disk_fills_reads_and_refuses_writes(small_disk: Path) -> None:
    from bot.store import CacheKey, Store, StoreError

    key = CacheKey("q", "fp", "v")
    async with await Store.open(small_disk / "citebot.sqlite3") as store:  # like a running bot
        await store.save(key, "q", '{"question": "q", "answered": false, "quotes": []}')
        filler = _fill(small_disk)
        assert (await store.lookup(key)) is not None
        with pytest.raises(StoreError, match="is full, so nothing was changed"):
            for n in range(10_000):  # until the WAL needs a page the disk does not have
                await store.save(key._replace(question_key=f"q{n}"), "q", "x" * 4000)
        filler.unlink()
        await store.save(key._replace(question_key="after"), "q", "{}")
