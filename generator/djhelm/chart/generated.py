"""What is generated from the declarations of `djhelm.chart.values_spec`.

The chart's values.schema.json, djhelm.yaml's schema, the comments of values.yaml and the README's
parameters, docs/config-reference.md, and the defaults that the chart, the config loader and init share.
`scripts/generate-values-schema.py` writes the checked-in files; tests fail while one of them drifts.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from djhelm.chart.values_spec import CONFIG_ONLY, VALUES, Value
from djhelm.jsonvalue import JSON

__all__ = [
    "config_reference_text",
    "config_schema",
    "config_schema_text",
    "declared",
    "default_of",
    "default_value",
    "empty_value",
    "value_docs",
    "values_schema",
    "values_schema_text",
]


def declared(path: str) -> Value:
    """The declaration of ``path`` (a chart value or a djhelm.yaml-only key)."""
    for entry in (*VALUES, *CONFIG_ONLY):
        if entry.path == path:
            return entry
    raise KeyError(path)


def empty_value(schema: Mapping[str, Any]) -> JSON:
    """What a value holds when nothing sets it: the empty string, list or map of its type."""
    kinds = schema.get("type")
    if kinds is None and "oneOf" in schema:
        kinds = [option.get("type") for option in schema["oneOf"]]
    kinds = kinds if isinstance(kinds, list) else [kinds]
    for kind, empty in (("string", ""), ("array", []), ("object", {})):
        if kind in kinds:
            return copy.deepcopy(empty)
    if "additionalProperties" in schema or "properties" in schema:
        return {}
    raise ValueError(f"no empty value for a schema of type {kinds}: declare a default")


def default_of(path: str) -> JSON:
    """The declared default of ``path``, else its empty value (a copy: callers may change it)."""
    return default_value(declared(path))


def default_value(entry: Value) -> JSON:
    """The default of the declaration ``entry``, else its empty value (a copy)."""
    if entry.has_default:
        result: JSON = copy.deepcopy(entry.default)
        return result
    if entry.schema is None:
        raise ValueError(f"{entry.path} is a group: it has no default of its own")
    return empty_value(entry.schema)


def value_docs() -> dict[str, str]:
    """Path -> one-line doc, in declaration order (values.yaml comments, the README's parameters)."""
    return {entry.path: entry.doc for entry in VALUES}


def _assemble(
    root: dict[str, Any],
    entries: Iterable[Value],
    group_node: Callable[[Value], dict[str, Any]],
    leaf_node: Callable[[Value], dict[str, Any]],
    required: Callable[[Value], bool],
) -> dict[str, Any]:
    """Nest ``entries`` (dotted paths, each group before its keys) into ``root``'s `properties`; a group's
    `required` list, left empty, is dropped."""
    groups: dict[str, dict[str, Any]] = {"": root}
    for entry in entries:
        parent_path, _, name = entry.path.rpartition(".")
        parent = groups[parent_path]
        if entry.schema is None:
            node = groups[entry.path] = group_node(entry)
        else:
            node = leaf_node(entry)
        parent["properties"][name] = node
        if required(entry):
            parent.setdefault("required", []).append(name)
    for group in groups.values():
        if group.get("required") == []:
            del group["required"]
    return root


def values_schema() -> dict[str, Any]:
    """The chart's values.schema.json (JSON Schema draft 7, as Helm validates values)."""
    root: dict[str, Any] = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "Values of a djhelm-generated chart",
        "type": "object",
        "additionalProperties": False,
        "required": [],
        # Helm passes `global` to every chart; an umbrella chart may set it.
        "properties": {"global": {"type": "object"}},
    }
    return _assemble(
        root,
        VALUES,
        lambda entry: {
            "type": "object",
            "description": entry.doc,
            "properties": {},
            "additionalProperties": False,
            "required": [],
        },
        lambda entry: {"description": entry.doc, **(entry.schema or {})},
        lambda entry: entry.required,
    )


def values_schema_text() -> str:
    """The bytes of schemas/chart-values.schema.json."""
    return json.dumps(values_schema(), indent=2) + "\n"


def _config_entries() -> Iterator[Value]:
    # djhelm's own top-level keys (name, version) come first, as a user reads the file.
    yield from (entry for entry in CONFIG_ONLY if "." not in entry.path)
    yield from (entry for entry in VALUES if entry.config is not None)
    yield from (entry for entry in CONFIG_ONLY if "." in entry.path)


def config_schema(base: Mapping[str, Any]) -> dict[str, Any]:
    """djhelm.yaml's JSON Schema: every key from the declarations; ``base`` gives the file's title, `$id`
    and the `$defs` that declarations refer to."""
    root: dict[str, Any] = {
        key: copy.deepcopy(val) for key, val in base.items() if key not in ("required", "properties")
    }
    root["required"] = []
    root["properties"] = {}

    def leaf(entry: Value) -> dict[str, Any]:
        assert entry.config is not None
        node = {"description": entry.doc, **copy.deepcopy(entry.config.schema or entry.schema or {})}
        if entry.has_default:
            node["default"] = copy.deepcopy(entry.default)
        return node

    return _assemble(
        root,
        _config_entries(),
        lambda entry: {
            "type": "object",
            "description": entry.doc,
            "additionalProperties": False,
            "properties": {},
            **copy.deepcopy(entry.config.schema if entry.config and entry.config.schema else {}),
        },
        leaf,
        lambda entry: entry.config is not None and entry.config.required,
    )


def config_schema_text(current: str) -> str:
    """The bytes of schemas/djhelm-config.schema.json, from the declarations and the file's own head."""
    return json.dumps(config_schema(json.loads(current)), indent=2, ensure_ascii=False) + "\n"


def _shown_default(entry: Value) -> str:
    if entry.computed is not None:
        return entry.computed.replace("|", "\\|")
    if entry.has_default:
        return "`" + json.dumps(entry.default, ensure_ascii=False).replace("|", "\\|") + "`"
    if entry.config is not None and entry.config.required:
        return "required"
    return "none"


def config_reference_text() -> str:
    """docs/config-reference.md: every key of djhelm.yaml with its default and doc."""
    lines = [
        "# djhelm.yaml reference",
        "",
        "Generated from `generator/djhelm/chart/values_spec.py` by `scripts/generate-values-schema.py`;",
        "do not edit by hand. The same declarations give the schema that checks djhelm.yaml",
        "(`schemas/djhelm-config.schema.json`) and the chart's values. A key without a default is left out",
        "of the chart (or empty) unless set.",
        "",
        "| key | default | what it does |",
        "|---|---|---|",
    ]
    for entry in _config_entries():
        if entry.schema is None:
            continue
        doc = " ".join(entry.doc.split()).replace("|", "\\|")
        lines.append(f"| `{entry.path}` | {_shown_default(entry)} | {doc} |")
    return "\n".join(lines) + "\n"
