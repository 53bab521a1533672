"""Where exports and backups are written (issue 21, defects 6 and 9): into what the user named,
never replacing a symlink, a pipe or a device by a regular file; with the umask's mode; and
an error names the destination and its real fault.

No test touches the machine's own /dev: the devices are made in the test's folder (mknod,
root only; skipped otherwise) with the numbers of /dev/full."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.cli_support import clean_env, run_cli
from tests.store_support import cli, run_unprivileged

QUESTION = "Where did they first meet?"
# Each command that writes a file the user names: its arguments before the destination.
WRITERS = {
    "reports export": ("reports", "export", "--format", "jsonl", "--status", "all", "--output"),
    "db export": ("db", "export"),
    "db backup": ("db", "backup"),
}


@pytest.fixture
def data(tmp_path: Path) -> Path:
    folder = tmp_path / "D"
    answer_id = json.loads(run_cli(folder, "ask", "--json", QUESTION).stdout)["answer_id"]
    assert run_cli(folder, "report", answer_id, "--reason", "kept").returncode == 0
    return folder


def _looks_written(command: str, content: bytes) -> bool:
    if command == "db backup":
        return content.startswith(b"SQLite format 3\0")
    return b"kept" in content if command == "reports export" else b"citebot-export" in content


def _citebot(data: Path, *args: str, umask: int = 0o022) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        env=clean_env({"CITEBOT_DATA": str(data)}),
        capture_output=True,
        timeout=120,
        check=False,
        preexec_fn=lambda: os.umask(umask),
    )


@pytest.mark.parametrize("command", WRITERS)
def test_a_symlink_is_followed_and_kept(data: Path, tmp_path: Path, command: str) -> None:
    target, link = tmp_path / "target", tmp_path / "link"
    target.write_text("old")
    link.symlink_to(target)
    done = _citebot(data, *WRITERS[command], str(link))
    assert done.returncode == 0, done.stderr
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert _looks_written(command, target.read_bytes())


@pytest.mark.parametrize("command", WRITERS)
def test_a_fifo_is_written_into_not_replaced(data: Path, tmp_path: Path, command: str) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    done = _citebot(data, *WRITERS[command], str(fifo))
    reader.join(timeout=30)
    assert done.returncode == 0, done.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert received and _looks_written(command, received[0])


@pytest.mark.parametrize("command", WRITERS)
def test_a_full_device_is_an_error_and_stays_a_device(
    data: Path, tmp_path: Path, command: str
) -> None:
    device = tmp_path / "full"
    try:
        os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 7))  # /dev/full's numbers
    except PermissionError:
        pytest.skip("making a device node needs root")
    done = _citebot(data, *WRITERS[command], str(device))
    assert done.returncode == 2, done.stdout
    assert done.stderr.decode().count("\n") == 1
    assert f"cannot write {'the backup ' if command == 'db backup' else ''}{device}" in (
        done.stderr.decode()
    )
    assert "No space left on device" in done.stderr.decode()
    assert stat.S_ISCHR(os.lstat(device).st_mode)


@pytest.mark.parametrize("command", WRITERS)
def test_proc_self_fd_1_writes_to_standard_output(data: Path, command: str) -> None:
    done = _citebot(data, *WRITERS[command], "/proc/self/fd/1")
    assert done.returncode == 0, done.stderr
    assert _looks_written(command, done.stdout)


@pytest.mark.parametrize("command", WRITERS)
def test_a_new_file_honours_the_umask_and_a_replaced_one_keeps_its_mode(
    data: Path, tmp_path: Path, command: str
) -> None:
    new = tmp_path / "new"
    assert _citebot(data, *WRITERS[command], str(new), umask=0o027).returncode == 0
    assert stat.S_IMODE(new.stat().st_mode) == 0o640
    old = tmp_path / "old"
    old.write_text("old")
    old.chmod(0o604)
    assert _citebot(data, *WRITERS[command], str(old), umask=0o077).returncode == 0
    assert stat.S_IMODE(old.stat().st_mode) == 0o604 and _looks_written(command, old.read_bytes())


def test_a_folder_is_refused(data: Path, tmp_path: Path) -> None:
    for command, args in WRITERS.items():
        done = _citebot(data, *args, str(tmp_path))
        assert done.returncode == 2, command
        assert "it is a folder, not a file" in done.stderr.decode(), command


def test_a_backup_error_names_the_destination_and_its_fault(data: Path, tmp_path: Path) -> None:
    missing = run_cli(data, "db", "backup", str(tmp_path / "nowhere" / "b.db"))
    assert missing.returncode == 2 and missing.stderr.count("\n") == 1
    assert f"cannot write the backup {tmp_path / 'nowhere' / 'b.db'}" in missing.stderr
    assert f"folder {tmp_path / 'nowhere'} does not exist" in missing.stderr
    assert "citebot.sqlite3" not in missing.stderr  # not the live database
    locked = tmp_path / "read-only"
    locked.mkdir()
    locked.chmod(0o555)
    denied = run_unprivileged(
        cli("db", "backup", locked / "b.db"), env=clean_env({"CITEBOT_DATA": str(data)})
    )
    assert denied.returncode == 2, denied.stderr
    assert denied.stderr == (
        f"citebot: error: cannot write the backup {locked / 'b.db'} (Permission denied)\n"
    )
