"""Read manifests from a file, a directory of *.yaml/*.yml (sorted), or stdin. Errors exit with code 2."""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

from djhelm.errors import InputError, Problem
from djhelm.validation.core import Source

STDIN = "-"


def is_chart(path: Path) -> bool:
    return path.is_dir() and (path / "Chart.yaml").is_file()


def read_manifests(path: str, stdin: TextIO | None = None) -> list[Source]:
    if path == STDIN:
        if stdin is None:
            raise InputError(Problem("-", "no standard input to read"))
        try:
            text = stdin.read()
            # Python hands undecodable bytes over as surrogates (surrogateescape); YAML cannot take them.
            text.encode("utf-8")
        except (UnicodeDecodeError, UnicodeEncodeError) as error:
            raise InputError(
                Problem("<stdin>", f"not UTF-8 text ({error.reason})", fix="pass YAML manifests")
            ) from None
        return [Source(text, "<stdin>", helm_output=_from_helm(text))]
    target = Path(path)
    if target.is_file():
        return [_read(target, path)]
    if target.is_dir():
        files = sorted(p for p in target.rglob("*") if p.is_file() and p.suffix in (".yaml", ".yml"))
        charts = sorted(str(f.parent) for f in files if f.name == "Chart.yaml")
        if charts:
            # Chart templates are Go templates, not manifests: parsing them only yields YAML syntax errors.
            raise InputError(
                Problem(
                    path,
                    f"holds Helm charts ({', '.join(charts)}); validate one chart directory at a time",
                    fix=f"run `djhelm validate {charts[0]}` for each chart",
                )
            )
        if not files:
            raise InputError(
                Problem(
                    path,
                    "directory holds no *.yaml or *.yml files",
                    fix="pass a chart directory (with Chart.yaml), a manifest file, a folder of them, or -",
                )
            )
        return [_read(f, str(f)) for f in files]
    if target.exists():  # /dev/zero, a FIFO, a socket: reading one would never end or never start
        raise InputError(
            Problem(
                path, "is not a regular file (a device, FIFO or socket)", fix="pass a file, a directory or -"
            )
        )
    raise InputError(Problem(path, "no such file or directory", fix="pass an existing file, directory or -"))


def _read(path: Path, name: str) -> Source:
    try:
        text = path.read_text(encoding="utf-8")
        return Source(text, name, helm_output=_from_helm(text))
    except UnicodeDecodeError as error:
        raise InputError(
            Problem(name, f"not UTF-8 text ({error.reason})", fix="pass YAML manifests")
        ) from None
    except OSError as error:
        raise InputError(Problem(name, f"cannot read: {error.strerror}")) from None


def _from_helm(text: str) -> bool:
    """`helm template` output: findings then name the template of each object (from its # Source: line)."""
    return text.startswith("---\n# Source: ") or "\n# Source: " in text[:4096]
