"""Write YAML text with comments, deterministically.

PyYAML cannot emit comments, and the point of ``djhelm init``'s output is its comments. The subset
needed is small: nested mappings, flow mappings of scalars, flow lists of scalars, and entries that are
written commented out (options shown but not enabled). Strings are always double-quoted JSON strings, which
are valid YAML and never change type (``"no"`` stays a string, ``"1.10"`` is not a number).
"""

from __future__ import annotations

import json
import re
import textwrap
from dataclasses import dataclass, field

Scalar = str | int | bool
Flow = Scalar | list["Flow"] | dict[str, "Flow"]
MAX_LINE = 110

_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


@dataclass
class Block:
    """A nested block mapping; with no enabled entries it is written as ``{}`` after its commented ones."""

    entries: list[Entry]


@dataclass
class Entry:
    """``key: value``, with comment lines above it, an optional trailing comment, maybe commented out.

    Lists and dicts are written in flow style on one line; a Block is written as a nested mapping.
    """

    key: str
    value: Flow | Block
    comment: list[str] = field(default_factory=list)
    note: str = ""
    disabled: bool = False


def _scalar(value: Scalar) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def _key(key: str) -> str:
    return key if _PLAIN_KEY.match(key) else json.dumps(key, ensure_ascii=False)


def _flow(value: Flow) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_key(k)}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    return _scalar(value)


def _lines(entry: Entry, indent: int, disabled: bool) -> list[str]:
    pad = " " * indent
    off = "# " if disabled else ""
    out = [line for text in entry.comment for line in _comment(text, pad)]
    value = entry.value
    if isinstance(value, Block):
        head = f"{pad}{off}{_key(entry.key)}:"
        if not disabled and not any(not child.disabled for child in value.entries):
            # Only commented-out children: show them, then an explicit empty mapping (a bare key is null).
            for child in value.entries:
                out.extend(_lines(child, indent + 2, True))
            out.extend(_with_note(f"{pad}{_key(entry.key)}: {{}}", entry.note, pad))
            return out
        out.extend(_with_note(head, entry.note, pad))
        for child in value.entries:
            out.extend(_lines(child, indent + 2, disabled or child.disabled))
        return out
    out.extend(_with_note(f"{pad}{off}{_key(entry.key)}: {_flow(value)}", entry.note, pad))
    return out


def _with_note(line: str, note: str, pad: str) -> list[str]:
    """The line with its note as a trailing comment, or the note above it when that would be too long."""
    if not note:
        return [line]
    inline = f"{line}  # {note}"
    return [inline] if len(inline) <= MAX_LINE else [*_comment(note, pad), line]


def _comment(text: str, pad: str) -> list[str]:
    """``text`` as comment lines no wider than MAX_LINE; continuation lines keep the text's own indent."""
    if len(pad) + 2 + len(text) <= MAX_LINE:
        return [f"{pad}# {text}".rstrip()]
    indent = " " * (len(text) - len(text.lstrip(" ")))
    if text.lstrip().startswith("- ") or indent:
        indent += "  "
    wrapped = textwrap.wrap(
        text,
        width=MAX_LINE - len(pad) - 2,
        subsequent_indent=indent,
        break_long_words=False,
        break_on_hyphens=False,
    )
    return [f"{pad}# {line}".rstrip() for line in wrapped]


def render(header: list[str], entries: list[Entry]) -> str:
    """The whole document: header comment lines, then top-level entries separated by blank lines."""
    lines = [line for text in header for line in _comment(text, "")]
    for entry in entries:
        lines.append("")
        lines.extend(_lines(entry, 0, entry.disabled))
    return "\n".join(_printable(line) for line in lines) + "\n"


def _printable(line: str) -> str:
    """Escape what YAML would read as a line break or a control character (NEL, LS, a newline in a folder
    name): in a comment it would end the comment and start a YAML line. Strings are double-quoted, where the
    escape means the same character, so values are unchanged."""
    if line.isprintable():
        return line
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in line)
