"""Put rendered files on disk all at once, or compare them with what is there (the CI drift gate)."""

from __future__ import annotations

import difflib
import os
import shutil
import tempfile
from pathlib import Path

from djhelm.errors import InputError, OutputExistsError, Problem

# Written into Chart.yaml by the generator; lets us recognise a directory we may replace.
GENERATED_MARK = b"djhelm.dev/generated-by: djhelm"


def write_chart(files: dict[str, bytes], output: Path, force: bool = False) -> None:
    """Replace ``output`` with exactly ``files``.

    Everything is written into a temporary sibling directory first and swapped in with renames, so an error
    (or a crash) leaves either the old chart or the new one, never a mix. A non-empty directory that djhelm
    did not generate is only replaced with ``force``.
    """
    output = output.absolute()
    if output.is_symlink():
        # Replace the chart the link points to; renaming the link itself would leave the target stale.
        output = output.resolve()
    if output.exists() and not output.is_dir():
        raise InputError(Problem(str(output), "exists and is not a directory", fix="pick another --output"))
    if output.is_dir() and any(output.iterdir()) and not force and not _is_generated(output):
        raise OutputExistsError(Problem(
            str(output), f"not empty and not a djhelm chart (no '{GENERATED_MARK.decode()}' in Chart.yaml)",
            fix="pick an empty --output directory, or pass --force to replace its contents",
        ))
    staging: Path | None = None
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{output.name}.new-", dir=output.parent))
        for relative, content in files.items():
            target = staging / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
            target.chmod(0o644)
        staging.chmod(0o755)
        _swap(staging, output)
    except OSError as error:
        raise InputError(
            Problem(
                str(output),
                f"cannot write the chart: {error.strerror or error}",
                fix="check free space and permissions; the previous contents were left untouched",
            )
        ) from None
    finally:
        if staging is not None and staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def _swap(staging: Path, output: Path) -> None:
    if not output.exists():
        staging.rename(output)
        return
    retired = Path(tempfile.mkdtemp(prefix=f".{output.name}.old-", dir=output.parent))
    retired.rmdir()
    output.rename(retired)
    try:
        staging.rename(output)
    except OSError:
        retired.rename(output)
        raise
    shutil.rmtree(retired, ignore_errors=True)


def _is_generated(directory: Path) -> bool:
    chart = directory / "Chart.yaml"
    try:
        return GENERATED_MARK in chart.read_bytes()
    except OSError:
        return False


def chart_drift(files: dict[str, bytes], output: Path) -> str:
    """A unified diff from what is in ``output`` to ``files``; empty when they are identical."""
    on_disk: dict[str, bytes] = {}
    if output.is_dir():
        for path in sorted(output.rglob("*")):
            if path.is_file():
                on_disk[path.relative_to(output).as_posix()] = path.read_bytes()
    chunks: list[str] = []
    for relative in sorted(set(on_disk) | set(files)):
        old, new = on_disk.get(relative), files.get(relative)
        if old == new:
            continue
        old_name = f"a/{relative}" if old is not None else os.devnull
        new_name = f"b/{relative}" if new is not None else os.devnull
        chunks.extend(
            difflib.unified_diff(_lines(old), _lines(new), fromfile=old_name, tofile=new_name, lineterm="\n")
        )
    return "".join(
        chunk if chunk.endswith("\n") else chunk + "\n\\ No newline at end of file\n" for chunk in chunks
    )


def _lines(content: bytes | None) -> list[str]:
    if content is None:
        return []
    return content.decode("utf-8", errors="replace").splitlines(keepends=True)
