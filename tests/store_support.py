"""Helpers shared by the store, service and CLI tests."""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
_PR_CAPBSET_DROP = 24
# CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER: what lets root ignore file permissions.
_OVERRIDE_CAPS = (1, 2, 3)


def settings_for(data_dir: Path, corpus_dir: Path | None = None) -> Settings:
    settings = Settings()
    settings.data_dir = data_dir
    settings.corpus_dir = corpus_dir
    return settings


def _drop_permission_overrides() -> None:  # runs in the child between fork and exec
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in _OVERRIDE_CAPS:
        if libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


def run_unprivileged(args: list[str], **kwargs) -> subprocess.CompletedProcess[str]:
    """Run `python args...` in a child process for which file permissions hold.

    As root (tests often run as root, where chmod stops nothing) the child drops the
    capabilities that bypass permission checks before it starts; root still owns the files, so
    a 0o555 folder is then read-only to it, honestly.
    """
    preexec = None
    if os.geteuid() == 0:
        if not sys.platform.startswith("linux"):
            pytest.skip("root on a non-Linux system: cannot drop the permission override")
        preexec = _drop_permission_overrides
    try:
        return subprocess.run(
            [sys.executable, *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            preexec_fn=preexec,
            **kwargs,
        )
    except subprocess.SubprocessError as exc:
        if preexec is not None and not isinstance(exc, subprocess.TimeoutExpired):
            pytest.skip(f"cannot drop root's permission override here: {exc}")
        raise


def cli(*args: str | Path) -> list[str]:
    return ["-m", "bot.cli", *map(str, args)]
