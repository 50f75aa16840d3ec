"""Check config data against schemas/djhelm-config.schema.json; explain each problem with line and fix."""

from __future__ import annotations

import datetime
import difflib
import json
import re
from collections.abc import Callable, Iterator, Mapping
from functools import cache
from typing import Any

import jsonschema

from djhelm.config.yamlsource import SourceMap
from djhelm.credentials import credential_in
from djhelm.errors import Problem
from djhelm.fieldpath import dotted
from djhelm.resources import schemas_dir

SCHEMA_FILE = "djhelm-config.schema.json"


@cache
def config_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((schemas_dir() / SCHEMA_FILE).read_text(encoding="utf-8"))
    return schema


@cache
def _validator() -> jsonschema.protocols.Validator:
    schema = config_schema()
    # The schema itself is checked by the test suite (check_schema costs more than validating a config).
    cls = jsonschema.validators.validator_for(schema)
    strict = jsonschema.validators.extend(cls, {"pattern": _pattern})
    return strict(schema)


def _pattern(
    validator: jsonschema.protocols.Validator, pattern: str, instance: Any, schema: dict[str, Any]
) -> Iterator[jsonschema.ValidationError]:
    # JSON Schema patterns are ECMA-262, where `$` ends the text; Python's `$` also matches before a final
    # newline, which would accept "shop\n" as a chart name. Every pattern in our schema ends in `$` (a test
    # keeps it so), so that one anchor is made strict.
    if validator.is_type(instance, "string") and not _compiled(pattern).search(instance):
        yield jsonschema.ValidationError(f"{instance!r} does not match {pattern!r}")


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1] + r"\Z"
    return re.compile(pattern)


def schema_problems(data: Any, source: SourceMap, filename: str) -> list[Problem]:
    """Every schema violation in ``data`` as a Problem, sorted by line."""
    problems = [_explain(error, source, filename) for error in _validator().iter_errors(data)]
    problems.sort(key=lambda p: (p.line or 0, p.field, p.message))
    return problems


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        resolved: dict[str, Any] = config_schema()["$defs"][ref.removeprefix("#/$defs/")]
        return resolved
    return schema


def _explain(error: jsonschema.ValidationError, source: SourceMap, filename: str) -> Problem:
    path = tuple(error.absolute_path)
    schema = error.schema if isinstance(error.schema, dict) else {}
    kind = error.validator
    in_names = "propertyNames" in error.relative_schema_path
    if kind == "additionalProperties" and isinstance(error.instance, dict):
        known = sorted(schema.get("properties", {}))
        unknown = sorted(key for key in error.instance if key not in known)
        key = unknown[0] if unknown else ""
        close = difflib.get_close_matches(key, known, n=1, cutoff=0.5)
        hint = f"did you mean '{close[0]}'? " if close else ""
        return Problem(
            filename,
            f"unknown key {key!r}",
            dotted((*path, key)),
            source.line_of((*path, key)),
            f"{hint}known keys here: {', '.join(known)}",
        )
    if kind == "required":
        missing = str(error.message).split("'")[1] if "'" in str(error.message) else str(error.message)
        description = _resolve(schema.get("properties", {}).get(missing, {})).get("description", "")
        return Problem(
            filename,
            f"missing required key '{missing}'",
            dotted(path),
            source.line_of(path),
            f"add '{missing}:' here" + (f" ({description})" if description else ""),
        )
    if in_names:
        name = error.instance
        line = source.line_of((*path, str(name)))
        if kind == "not":
            return Problem(
                filename,
                f"'{name}' is a reserved name",
                dotted((*path, str(name))),
                line,
                "pick another name",
            )
        pattern = schema.get("pattern", "")
        return Problem(
            filename,
            f"invalid name {name!r}",
            dotted((*path, str(name))),
            line,
            f"names here must match {pattern}",
        )
    line = source.line_of(path)
    field = dotted(path)
    if kind == "pattern":
        description = schema.get("description", "")
        return Problem(
            filename,
            f"{_shown(error.instance)} is not valid here",
            field,
            line,
            f"{description} Expected to match {schema.get('pattern')}".strip(),
        )
    if kind == "enum":
        options = [str(option) for option in schema.get("enum", [])]
        close = difflib.get_close_matches(str(error.instance), options, n=1, cutoff=0.5)
        hint = f"did you mean '{close[0]}'? " if close else ""
        return Problem(
            filename,
            f"{_shown(error.instance)} is not one of {', '.join(options)}",
            field,
            line,
            f"{hint}use one of: {', '.join(options)}",
        )
    if kind == "type" and {"secretName", "key"} <= set(schema.get("properties", {})):
        # The value written here is likely the secret itself: never show it.
        return Problem(
            filename,
            "a secret is not written in djhelm.yaml: name the key of an existing Kubernetes Secret instead",
            field,
            line,
            "use {secretName: <Secret name>, key: <key inside it>} and create the Secret outside the chart",
        )
    if kind == "type":
        wanted = schema.get("type")
        wanted_text = " or ".join(wanted) if isinstance(wanted, list) else str(wanted)
        fix = f"use a value of type {wanted_text}"
        if wanted == "string":
            fix += ' (quote it, e.g. "true" or "8000")'
        message = f"{_as_written(error.instance)} is not of type {' or '.join(map(repr, _as_list(wanted)))}"
        return Problem(filename, message, field, line, fix)
    return Problem(filename, error.message, field, line, _generic_fix(kind, schema))


def _shown(value: Any) -> str:
    """A rejected value as the message quotes it; one carrying a credential is not repeated in CI logs."""
    if isinstance(value, str) and credential_in(value) is not None:
        return "this value (not shown: it carries a credential)"
    return repr(value)


def _as_written(value: Any) -> str:
    """A scalar roughly as YAML shows it (false, null, 2024-01-31), where Python's repr would confuse."""
    if isinstance(value, str):
        return _shown(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    return repr(value)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _generic_fix(kind: Any, schema: dict[str, Any]) -> str:
    if kind in ("minimum", "maximum"):
        low, high = schema.get("minimum"), schema.get("maximum")
        return f"use a number between {low} and {high}" if low is not None and high is not None else ""
    if kind in ("minLength", "maxLength"):
        return "change the length of this string"
    if kind == "uniqueItems":
        return "remove the repeated entries"
    return str(schema.get("description", ""))


def with_defaults(data: dict[str, Any]) -> dict[str, Any]:
    """A copy of valid ``data`` with the schema's defaults filled in, one level of objects at a time."""
    filled: dict[str, Any] = _fill(config_schema(), data)
    return filled


def _fill(schema: dict[str, Any], value: Any) -> Any:
    schema = _resolve(schema)
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [_fill(schema["items"], item) for item in value]
    if not isinstance(value, dict):
        return value
    extra = schema.get("additionalProperties")
    if "properties" not in schema:
        if isinstance(extra, dict):
            return {key: _fill(extra, item) for key, item in value.items()}
        return value
    result = dict(value)
    for key, sub in schema["properties"].items():
        sub = _resolve(sub)
        if key in result:
            result[key] = _fill(sub, result[key])
        elif "default" in sub:
            result[key] = sub["default"]
        elif is_option_group(sub, _resolve):
            result[key] = _fill(sub, {})
    return result


def is_option_group(
    schema: Mapping[str, Any], resolve: Callable[[Any], Mapping[str, Any]]
) -> bool:
    """An object the loader fills in when djhelm.yaml leaves it out (web.autoscaling, migrations, ...): not
    required, with defaults of its own; never a reference that needs user values. The generated typed model
    marks the same keys as always present."""
    return (
        schema.get("type") == "object"
        and not schema.get("required")
        and any("default" in resolve(sub) for sub in schema.get("properties", {}).values())
    )
