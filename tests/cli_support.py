"""Running `citebot` as a real process from tests: a clean environment, one data folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def clean_env(extra: dict[str, str]) -> dict[str, str]:
    """This environment without any DISCORD_ or CITEBOT_ setting but the suite's reader switch
    (tests/conftest.py), plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "CITEBOT_"))}
    if "CITEBOT_READER" in os.environ:
        env["CITEBOT_READER"] = os.environ["CITEBOT_READER"]
    env.update(extra)
    env["PYTHONPATH"] = str(ROOT)
    return env


def run_cli(data: Path, *args: str, env: dict[str, str] | None = None):
    """`citebot ARGS` on data folder `data`, waited for, output captured as text."""
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        env=clean_env({"CITEBOT_DATA": str(data), **(env or {})}),
        cwd=data.parent,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
