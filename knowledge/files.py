"""Writing files: atomically (a reader sees the old file or the whole new one, never half of
it), honouring the umask, and, where a user names the destination, into what they named: a
symlink's target, a pipe or a device, never replacing them by a regular file."""

import os
import secrets
import stat
from pathlib import Path
from typing import Literal

# Paths that name an open stream rather than a file (/dev/stdout, /dev/fd/N, /proc/self/fd/N).
STREAM_FOLDERS = ("/dev/", "/proc/")


def write_atomically(path: Path, data: str | bytes, *, encoding: str = "utf-8") -> None:
    """Write `data` to a temporary file beside `path`, flush it to disk, then rename it over
    `path` (os.replace is atomic within one file system). A new file gets the umask's mode, a
    replaced one keeps its own. The temporary file is removed on any failure, and the error is
    raised."""
    path = Path(path)
    fd, tmp = create_beside(path)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data.encode(encoding) if isinstance(data, str) else data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def process_alive(pid: int) -> bool:
    """Whether a process with this id runs on this machine (one of another user's counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except (OverflowError, ValueError):
        return False
    return pid > 0


def create_beside(path: Path, suffix: str = ".tmp") -> tuple[int, Path]:
    """A new, empty, hidden file beside `path`, open for writing: mode 0o666 less the umask (as
    any program's new file), or the mode of `path` when it exists (what it will replace)."""
    try:
        mode: int | None = stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        mode = None
    for _ in range(100):
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}{suffix}")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
        except FileExistsError:
            continue
        if mode is not None:
            os.fchmod(fd, mode)
        return fd, tmp
    raise FileExistsError(f"no free temporary name beside {path}")


def folder_beside(path: Path, suffix: str = ".tmp") -> Path:
    """A new, empty, hidden folder beside `path`, mode 0o777 less the umask (tempfile.mkdtemp
    would make it 0o700 whatever the umask says)."""
    for _ in range(100):
        folder = path.with_name(f".{path.name}.{secrets.token_hex(4)}{suffix}")
        try:
            folder.mkdir(0o777)
        except FileExistsError:
            continue
        return folder
    raise FileExistsError(f"no free temporary name beside {path}")


def destination(path: Path) -> tuple[Literal["file", "stream"], Path]:
    """Where writing to a user-named `path` goes, and how: ("stream", path) for a pipe, a
    character device or an open stream's name (written into as it is), ("file", real path) for
    a regular file or a new name (a symlink followed to its target, which is what is replaced).
    OSError for anything else (a folder, a block device, a socket)."""
    path = Path(path)
    try:
        mode = os.stat(path).st_mode  # follows symlinks
    except FileNotFoundError:
        mode = None
    if mode is not None and (stat.S_ISFIFO(mode) or stat.S_ISCHR(mode)):
        return "stream", path
    if mode is not None and stat.S_ISREG(mode) and os.path.abspath(path).startswith(STREAM_FOLDERS):
        return "stream", path  # /proc/self/fd/1 names stdout, even when it is a file
    if mode is not None and not stat.S_ISREG(mode):
        kind = "folder" if stat.S_ISDIR(mode) else "block device or socket"
        raise OSError(f"it is a {kind}, not a file")
    return "file", Path(os.path.realpath(path))


def write_output(path: Path, data: str, *, encoding: str = "utf-8") -> None:
    """Write `data` where a user asked for it (see destination): a file atomically, a pipe or
    a device in place."""
    how, target = destination(path)
    if how == "file":
        write_atomically(target, data, encoding=encoding)
        return
    with open(target, "w", encoding=encoding, newline="") as stream:
        stream.write(data)
