"""Find the templates/ and schemas/ folders both in a checkout (editable install) and inside a wheel."""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


@cache
def data_dir(name: str) -> Path:
    """Return the folder ``name`` ("templates" or "schemas").

    A wheel carries them under djhelm/_data/ (hatch force-include); an editable install or a plain
    checkout does not, so fall back to the repository root two levels above the package.
    """
    for candidate in (_PACKAGE_DIR / "_data" / name, _PACKAGE_DIR.parent.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"djhelm installation is incomplete: no {name}/ folder next to {_PACKAGE_DIR}")


def templates_dir() -> Path:
    return data_dir("templates")


def schemas_dir() -> Path:
    return data_dir("schemas")
