"""Parse YAML into plain data while remembering the line of every key, and refuse duplicate keys.

PyYAML's plain loaders forget positions and silently keep the last of two equal keys; walking the composed
node tree ourselves gives us both: a line for every error message and a hard error for duplicates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from djhelm.errors import ConfigError, Problem
from djhelm.fieldpath import dotted

Path = tuple[str | int, ...]

# Far above any real djhelm.yaml (a few hundred values), far below what would take noticeable time.
MAX_VALUES = 100_000
# A constructor needs no stream; one shared instance turns scalar nodes into Python values.
_CONSTRUCTOR = yaml.SafeLoader("")

# Characters a config string cannot carry into a chart. Helm prints values with Go's JSON encoder, which
# leaves DEL, the C1 controls and U+FFFE/U+FFFF unescaped, and then its YAML reader (go-yaml's reader
# check) refuses them with "control characters are not allowed"; a lone surrogate (from a "\ud800"
# escape) cannot be written as UTF-8 at all. Other controls are escaped on the way and read back intact.
_UNWRITABLE = re.compile("[\x7f-\x84\x86-\x9f\ufffe\uffff\ud800-\udfff]")


@dataclass
class SourceMap:
    """Line numbers (1-based) of every node, keyed by its path from the document root."""

    lines: dict[Path, int] = field(default_factory=dict)

    def line_of(self, path: Path) -> int | None:
        """The line of ``path``, or of its nearest ancestor with one (a missing key lives in its parent)."""
        probe = tuple(path)
        while True:
            if probe in self.lines:
                return self.lines[probe]
            if not probe:
                return None
            probe = probe[:-1]


def load_yaml(text: str, filename: str) -> tuple[Any, SourceMap]:
    """Parse one YAML document. Raises ConfigError with file:line for every syntax or structure problem."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else None
        what = " ".join(part for part in (error.context, error.problem) if part) or "invalid YAML"
        raise ConfigError(
            Problem(filename, f"malformed YAML: {what}", line=line, fix="fix the YAML syntax at this line")
        ) from None
    except yaml.YAMLError as error:  # e.g. several documents in one file
        raise ConfigError(
            Problem(filename, f"malformed YAML: {error}", fix="keep one YAML document")
        ) from None
    except RecursionError:
        raise ConfigError(
            Problem(filename, "malformed YAML: nested too deeply", line=1, fix="flatten the structure")
        ) from None
    source = SourceMap()
    if node is None:
        return None, source
    try:
        return _build(node, (), source, filename, [MAX_VALUES]), source
    except RecursionError:  # an anchor that contains its own alias
        raise ConfigError(
            Problem(filename, "malformed YAML: a recursive alias", fix="remove the self-referencing anchor")
        ) from None


_PLAIN_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp")
)


def _build(node: yaml.Node, path: Path, source: SourceMap, filename: str, budget: list[int]) -> Any:
    # Every alias is expanded in full (each copy gets its own path and line), so nested aliases could
    # multiply into billions of values: a fixed budget stops such a file early.
    budget[0] -= 1
    if budget[0] < 0:
        raise ConfigError(
            Problem(
                filename,
                f"YAML aliases expand to more than {MAX_VALUES} values",
                dotted(path),
                node.start_mark.line + 1,
                "write the values out instead of nesting aliases",
            )
        )
    source.lines.setdefault(path, node.start_mark.line + 1)
    if node.tag not in _PLAIN_TAGS:
        raise ConfigError(
            Problem(
                filename,
                f"unsupported YAML tag {node.tag}",
                dotted(path),
                node.start_mark.line + 1,
                "remove the tag and write a plain value",
            )
        )
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise ConfigError(
                    Problem(
                        filename,
                        "YAML merge keys (<<) are not supported",
                        dotted(path),
                        key_node.start_mark.line + 1,
                        "write the keys out in full",
                    )
                )
            key = _scalar(key_node, path, filename)
            if not isinstance(key, str):
                key = str(key)
            child = (*path, key)
            if key in result:
                raise ConfigError(
                    Problem(
                        filename,
                        f"duplicate key {key!r} (first at line {source.lines[child]})",
                        dotted(child),
                        key_node.start_mark.line + 1,
                        "remove one of the two keys",
                    )
                )
            source.lines[child] = key_node.start_mark.line + 1
            result[key] = _build(value_node, child, source, filename, budget)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [
            _build(item, (*path, index), source, filename, budget) for index, item in enumerate(node.value)
        ]
    return _scalar(node, path, filename)


def _scalar(node: yaml.Node, path: Path, filename: str) -> Any:
    if not isinstance(node, yaml.ScalarNode):
        raise ConfigError(
            Problem(
                filename,
                "a mapping key must be a plain value",
                dotted(path),
                node.start_mark.line + 1,
                "use a simple string as the key",
            )
        )
    try:
        value = _CONSTRUCTOR.construct_object(node, deep=True)  # type: ignore[no-untyped-call]
    except yaml.YAMLError as error:
        raise ConfigError(
            Problem(
                filename,
                f"cannot read value: {getattr(error, 'problem', None) or error}",
                dotted(path),
                node.start_mark.line + 1,
                "use a plain string, number, boolean, list or mapping",
            )
        ) from None
    if isinstance(value, str):
        bad = _UNWRITABLE.search(value)
        if bad is not None:
            raise ConfigError(
                Problem(
                    filename,
                    f"contains U+{ord(bad.group()):04X}, which Helm cannot carry into a manifest",
                    dotted(path),
                    node.start_mark.line + 1,
                    "remove the character (write \\u escapes only for printable characters)",
                )
            )
    return value
