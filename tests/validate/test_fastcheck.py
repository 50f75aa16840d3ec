"""The compiled pre-check must agree with jsonschema (the reference) on every object, valid or not."""

from __future__ import annotations

import copy
import random
from typing import Any

import pytest

from djhelm.validation.fastcheck import Compiler, Unsupported
from djhelm.validation.schemas import schema_set
from tests.validate.support import app

VERSIONS = ("1.29", "1.37")


def _containers(data: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a dict or list inside ``data``."""
    found = [path]
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else []
    for key, value in items:
        if isinstance(value, dict | list):
            found.extend(_containers(value, (*path, key)))
    return found


def _at(data: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        data = data[step]
    return data


_SWAPS: list[Any] = ["text", 7, 2.5, True, None, [], {}, {"x": 1}, ["a"], "25%", -1]


def mutate(obj: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    result = copy.deepcopy(obj)
    target = _at(result, rng.choice(_containers(result)))
    action = rng.randrange(4)
    if isinstance(target, dict) and target:
        key = rng.choice(sorted(target, key=str))
        if action == 0:
            target[f"unknown{rng.randrange(9)}"] = rng.choice(_SWAPS)
        elif action == 1:
            del target[key]
        else:
            target[key] = rng.choice(_SWAPS)
    elif isinstance(target, list) and target:
        index = rng.randrange(len(target))
        if action == 1:
            del target[index]
        else:
            target[index] = rng.choice(_SWAPS)
    return result


@pytest.mark.parametrize("version", VERSIONS)
def test_precheck_agrees_with_jsonschema_on_thousands_of_mutations(version: str) -> None:
    schemas = schema_set(version)
    rng = random.Random(20261125)
    originals = app()
    disagreements = []
    checked = invalid = 0
    for round_ in range(250):
        for original in originals:
            candidate = original if round_ == 0 else mutate(original, rng)
            definition = schemas.lookup(original["apiVersion"], original["kind"]).definition
            assert definition is not None
            fast = schemas.precheck(definition)
            assert fast is not None
            reference = not any(True for _ in schemas.validator(definition).iter_errors(candidate))
            checked += 1
            invalid += not reference
            if fast(candidate) != reference:
                disagreements.append(candidate)
    assert disagreements == []
    assert checked == 250 * len(originals) and invalid > checked // 3  # the mutations do break things


def test_every_vendored_kind_compiles() -> None:
    for version in VERSIONS:
        schemas = schema_set(version)
        assert all(schemas.precheck(d) is not None for d in set(schemas.kinds.values()))


def test_unknown_keywords_are_left_to_jsonschema() -> None:
    with pytest.raises(Unsupported):
        Compiler({}).compile({"type": "string", "format": "date-time"})
    with pytest.raises(Unsupported):
        Compiler({}).compile({"$ref": "https://example.com/x.json"})


@pytest.mark.parametrize(
    ("schema", "value"),
    [
        ({"pattern": "^(0|[0-9]+(ms|s|m|h))$"}, "30s"),
        ({"pattern": "^(0|[0-9]+(ms|s|m|h))$"}, "30 s"),
        ({"pattern": "b"}, "abc"),  # unanchored, as jsonschema searches
        ({"pattern": "^a"}, 5),
        ({"minLength": 1}, ""),
        ({"minLength": 1}, "é"),
        ({"minLength": 2}, ["a"]),
    ],
)
def test_pattern_and_min_length_agree_with_jsonschema(schema: dict[str, object], value: object) -> None:
    import jsonschema

    expected = jsonschema.Draft202012Validator(schema).is_valid(value)
    assert Compiler({}).compile(schema)(value) is expected


def test_json_equality_in_enums() -> None:
    check = Compiler({}).compile({"enum": [1, "a"]})
    assert check(1) and check(1.0) and check("a")
    assert not check(True) and not check("1")


@pytest.mark.parametrize("value", [2**31 - 1, 2**31, -(2**31), -(2**31) - 1, 2**63, 2.0**31, True, None])
def test_integer_bounds_agree_with_jsonschema(value: Any) -> None:
    schemas = schema_set("1.37")
    definition = schemas.lookup("apps/v1", "Deployment").definition
    assert definition is not None
    deployment = copy.deepcopy(next(o for o in app() if o["kind"] == "Deployment"))
    deployment["spec"]["replicas"] = value
    precheck = schemas.precheck(definition)
    assert precheck is not None
    expected = not list(schemas.validator(definition).iter_errors(deployment))
    assert precheck(deployment) is expected
    assert expected is (value is None or (not isinstance(value, bool) and -(2**31) <= value < 2**31))
