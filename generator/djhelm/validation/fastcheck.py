"""A yes/no pre-check compiled from the Kubernetes schemas, to skip jsonschema for objects that are valid.

jsonschema is the reference: it explains every error, and it decides whenever this pre-check says "no".
The pre-check understands only the keywords the vendored schemas use (type, enum, properties,
additionalProperties, required, items, oneOf, $ref, minimum, maximum, pattern, minLength); a schema with any
other keyword is not compiled and jsonschema handles it alone. So a wrong "no" costs time, never
correctness; a wrong "yes" would hide an error, which the differential tests
(tests/validate/test_fastcheck.py) guard against.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

Check = Callable[[Any], bool]

KNOWN_KEYWORDS = frozenset(
    {
        "type",
        "enum",
        "properties",
        "additionalProperties",
        "required",
        "items",
        "oneOf",
        "$ref",
        "$defs",
        "minimum",
        "maximum",
        "pattern",
        "minLength",
    }
)
_DEFS = "#/$defs/"


class Unsupported(Exception):
    """The schema uses a keyword the pre-check does not implement."""


def _is_integer(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


_TYPE_TESTS: dict[str, Check] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "integer": _is_integer,
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "null": lambda v: v is None,
}


def _same(a: Any, b: Any) -> bool:
    """JSON equality: true is not 1, 1.0 is 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, str) or isinstance(b, str):
        return isinstance(a, str) and isinstance(b, str) and a == b
    return bool(a == b)


class Compiler:
    """Compiles schemas that $ref into one shared definitions table, each definition once."""

    def __init__(self, definitions: dict[str, Any]) -> None:
        self.definitions = definitions
        self.compiled: dict[str, Check] = {}

    def definition(self, name: str) -> Check:
        if name not in self.compiled:
            if name not in self.definitions:
                raise Unsupported(f"dangling $ref {name}")
            # Placeholder first: a recursive definition refers to itself through the table at call time.
            self.compiled[name] = _never
            self.compiled[name] = self.compile(self.definitions[name])
        table = self.compiled
        return lambda value: table[name](value)

    def compile(self, schema: Any) -> Check:
        if schema is True:
            return _always
        if schema is False:
            return _never
        if not isinstance(schema, dict):
            raise Unsupported(f"schema is a {type(schema).__name__}")
        unknown = set(schema) - KNOWN_KEYWORDS
        if unknown:
            raise Unsupported(", ".join(sorted(unknown)))
        checks: list[Check] = []
        ref = schema.get("$ref")
        if ref is not None:
            if not isinstance(ref, str) or not ref.startswith(_DEFS):
                raise Unsupported(f"$ref {ref}")
            checks.append(self.definition(ref[len(_DEFS) :]))
        if "type" in schema:
            checks.append(_type_check(schema["type"]))
        if "enum" in schema:
            choices = list(schema["enum"])
            checks.append(lambda v: any(_same(v, c) for c in choices))
        if {"properties", "additionalProperties", "required"} & set(schema):
            checks.append(self._object_check(schema))
        if "minimum" in schema or "maximum" in schema:
            checks.append(_bounds_check(schema.get("minimum"), schema.get("maximum")))
        if "pattern" in schema:
            # jsonschema's own test: re.search on strings; anything else passes
            search = re.compile(schema["pattern"]).search
            checks.append(lambda v: not isinstance(v, str) or search(v) is not None)
        if "minLength" in schema:
            shortest = int(schema["minLength"])
            checks.append(lambda v: not isinstance(v, str) or len(v) >= shortest)
        if "items" in schema:
            item = self.compile(schema["items"])
            checks.append(lambda v: not isinstance(v, list) or all(item(x) for x in v))
        if "oneOf" in schema:
            options = [self.compile(s) for s in schema["oneOf"]]
            checks.append(lambda v: sum(1 for o in options if o(v)) == 1)
        if not checks:
            return _always
        if len(checks) == 1:
            return checks[0]
        first, *rest = checks

        def all_of(value: Any) -> bool:
            if not first(value):
                return False
            return all(check(value) for check in rest)

        return all_of

    def _object_check(self, schema: dict[str, Any]) -> Check:
        properties = {name: self.compile(s) for name, s in (schema.get("properties") or {}).items()}
        extra_schema = schema.get("additionalProperties", True)
        extra: Check | None = None if extra_schema is False else self.compile(extra_schema)
        closed = extra_schema is False
        required = tuple(schema.get("required") or ())

        def object_check(value: Any) -> bool:
            if not isinstance(value, dict):
                return True
            for name in required:
                if name not in value:
                    return False
            for key, item in value.items():
                check = properties.get(key)
                if check is not None:
                    if not check(item):
                        return False
                elif closed or (extra is not None and not extra(item)):
                    return False
            return True

        return object_check


def _type_check(declared: Any) -> Check:
    names = declared if isinstance(declared, list) else [declared]
    try:
        tests = [_TYPE_TESTS[n] for n in names]
    except (KeyError, TypeError):
        raise Unsupported(f"type {declared!r}") from None
    if names == ["object", "null"]:
        return lambda v: v is None or isinstance(v, dict)
    if names == ["string", "null"]:
        return lambda v: v is None or isinstance(v, str)
    if len(tests) == 1:
        return tests[0]
    return lambda v: any(t(v) for t in tests)


def _bounds_check(low: Any, high: Any) -> Check:
    """JSON Schema bounds apply to numbers only (a bool is not one); anything else passes."""

    def within(value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return True
        return (low is None or value >= low) and (high is None or value <= high)

    return within


def _always(value: Any) -> bool:
    return True


def _never(value: Any) -> bool:
    return False
