"""Without PostgreSQL's server binaries the PostgreSQL tests skip, saying why; with
CITEBOT_REQUIRE_POSTGRES=1 (what .ci/run sets) they fail instead."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ONE_TEST = "tests/test_store.py::test_cache_miss_then_hit_across_a_restart"


def _pytest(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != "CITEBOT_REQUIRE_POSTGRES"}
    environment.update(env, CITEBOT_POSTGRES_BIN=str(tmp_path))  # a folder without them
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-rs", "-p", "no:cacheprovider", ONE_TEST],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_missing_binaries_skip_with_the_reason(tmp_path: Path) -> None:
    done = _pytest(tmp_path)
    assert done.returncode == 0, done.stdout
    assert "1 passed, 1 skipped" in done.stdout
    assert "PostgreSQL server binaries (initdb, pg_ctl) not found" in done.stdout
    assert "apt-get install postgresql" in done.stdout


def test_missing_binaries_fail_when_postgresql_is_required(tmp_path: Path) -> None:
    done = _pytest(tmp_path, CITEBOT_REQUIRE_POSTGRES="1")
    assert done.returncode == 1
    assert "CITEBOT_REQUIRE_POSTGRES=1 but PostgreSQL server binaries" in done.stdout
