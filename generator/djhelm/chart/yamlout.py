"""Write values as block YAML with a comment above each documented key.

Scalars go through PyYAML one by one, so quoting is always right: a `{{` or a newline in a config string
is emitted as YAML data that Helm reads back unchanged and never evaluates.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import yaml

_WIDTH = 2**31 - 1


# Strings left unquoted: plain words and paths. Everything else is double-quoted, because Helm's YAML 1.1
# parser reads more plain scalars as non-strings than PyYAML does (`n`, `y`, `0o17`, `1_000`, `.5`, ...).
_PLAIN = re.compile(r"^[A-Za-z_/][A-Za-z0-9_./-]*$")
_YAML11_WORDS = frozenset(["y", "n", "yes", "no", "true", "false", "on", "off", "null", "~"])


def scalar(value: Any) -> str:
    """One scalar on one line that both PyYAML and Helm read back as exactly ``value``."""
    if isinstance(value, str):
        if _PLAIN.match(value) and value.lower() not in _YAML11_WORDS:
            return value
        return yaml.safe_dump(value, default_style='"', allow_unicode=True, width=_WIDTH).removesuffix("\n")
    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=_WIDTH)
    return text.removesuffix("\n...\n").removesuffix("\n")


def dump_documented(values: Mapping[str, Any], docs: dict[str, str]) -> str:
    lines: list[str] = []
    _mapping(values, (), 0, docs, lines)
    return "\n".join(lines) + "\n"


def _mapping(
    values: Mapping[str, Any], path: tuple[str, ...], indent: int, docs: dict[str, str], lines: list[str]
) -> None:
    pad = " " * indent
    for key, value in values.items():
        here = (*path, key)
        doc = docs.get(".".join(here))
        if doc is not None:
            if not path and lines:
                lines.append("")
            lines.append(f"{pad}# {doc}")
        head = f"{pad}{scalar(key)}:"
        if isinstance(value, dict) and value:
            lines.append(head)
            _mapping(value, here, indent + 2, docs, lines)
        elif isinstance(value, dict):
            lines.append(f"{head} {{}}")
        elif isinstance(value, list) and value:
            lines.append(head)
            for item in value:
                if isinstance(item, dict | list):
                    raise TypeError(f"{'.'.join(here)}: lists of objects are not supported in values")
                lines.append(f"{pad}  - {scalar(item)}")
        elif isinstance(value, list):
            lines.append(f"{head} []")
        else:
            lines.append(f"{head} {scalar(value)}")
