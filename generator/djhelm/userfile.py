"""Read a file a user named, refusing what is not a regular file before reading a byte of it.

`path.read_bytes()` on /dev/zero reads until memory runs out, and on a FIFO waits forever for a writer;
a size check after the read comes too late for both. Opening without blocking and asking the open file
what it is closes both holes, and reading at most ``limit + 1`` bytes bounds the memory a read can take.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from djhelm.errors import InputError, Problem


def read_regular_file(path: Path, limit: int, what: str) -> bytes:
    """The bytes of ``path``. Raises InputError when it is missing, not a regular file, or over ``limit``."""
    name = str(path)
    try:
        # O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer before fstat can refuse it.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise InputError(Problem(name, "file not found", fix=f"pass the path of {what}")) from None
    except IsADirectoryError:
        raise InputError(Problem(name, "is a directory", fix=f"pass the path of {what}")) from None
    except OSError as error:
        raise InputError(Problem(name, f"cannot read: {error.strerror}")) from None
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise InputError(Problem(name, "is a directory", fix=f"pass the path of {what}"))
        if not stat.S_ISREG(mode):
            raise InputError(
                Problem(
                    name, "is not a regular file (a device, FIFO or socket)", fix=f"pass the path of {what}"
                )
            )
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as error:
        raise InputError(Problem(name, f"cannot read: {error.strerror}")) from None
    finally:
        os.close(fd)
    if size > limit:
        raise InputError(
            Problem(name, f"file is larger than {_human(limit)}", fix=f"is this really {what}?")
        )
    return b"".join(chunks)


def _human(size: int) -> str:
    return f"{size // 1_000_000} MB" if size >= 1_000_000 and size % 1_000_000 == 0 else f"{size} bytes"
