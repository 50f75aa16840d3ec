"""The declarations in values_spec are complete and consistent, and one entry is all a new knob needs."""

from __future__ import annotations

import copy
import dataclasses
import functools
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from djhelm.chart import generated
from djhelm.chart import values as values_module
from djhelm.chart.generated import config_schema, default_of, values_schema
from djhelm.chart.values import DERIVED, build_values
from djhelm.chart.values_spec import CONFIG_ONLY, SAME, VALUES, Value, value
from djhelm.config import Config, load_config
from djhelm.config.schema import config_schema as config_schema_on_disk
from djhelm.errors import InternalError
from djhelm.resources import schemas_dir
from djhelm.typedmodel import MODELS, typed_model_text
from tests.chart.support import REPO_ROOT, example_config

LEAVES = [entry for entry in VALUES if entry.schema is not None]


# djhelm.yaml must set these, so their chart value never falls back to a default.
ALWAYS_GIVEN = {e.path for e in LEAVES if e.config is not None and e.config.required}


@pytest.mark.parametrize(
    "entry", [e for e in LEAVES if e.path not in set(DERIVED) | ALWAYS_GIVEN], ids=lambda e: e.path
)
def test_every_value_not_computed_has_a_default_that_its_schema_accepts(entry: Value) -> None:
    assert entry.schema is not None
    default = default_of(entry.path)  # raises for a boolean or number declared without a default
    jsonschema.validators.validator_for(entry.schema)(entry.schema).validate(default)


@pytest.mark.parametrize(
    "entry", [e for e in (*VALUES, *CONFIG_ONLY) if e.config and e.has_default], ids=lambda e: e.path
)
def test_every_djhelm_yaml_default_passes_djhelm_yamls_own_schema(entry: Value) -> None:
    assert entry.config is not None
    node = {**(entry.config.schema or entry.schema or {}), "$defs": config_schema_on_disk()["$defs"]}
    jsonschema.Draft202012Validator(node).validate(entry.default)


def test_the_values_build_values_computes_are_the_ones_declared_computed() -> None:
    assert set(DERIVED) == {entry.path for entry in LEAVES if entry.computed}


def test_a_config_key_sits_under_a_group_djhelm_yaml_also_has() -> None:
    declared_groups = {"", *(e.path for e in VALUES if e.schema is None and e.config is not None)}
    for entry in (*VALUES, *CONFIG_ONLY):
        if entry.config is not None:
            assert entry.path.rpartition(".")[0] in declared_groups, entry.path


def _with_knob(monkeypatch: pytest.MonkeyPatch, knob: Value) -> None:
    index = next(i for i, e in enumerate(VALUES) if e.path == "web.workers") + 1
    patched = (*VALUES[:index], knob, *VALUES[index:])
    for module in (values_module, generated):
        monkeypatch.setattr(module, "VALUES", patched)
    # build_values checks its output against the values schema of the declarations: a fresh cache for these.
    monkeypatch.setattr(
        values_module, "_values_validator", functools.cache(values_module._values_validator.__wrapped__)
    )


def test_one_declaration_adds_a_knob_to_both_schemas_the_docs_and_values(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    knob = value(
        "web.keepAliveSeconds",
        "Seconds an idle connection stays open.",
        {"type": "integer", "minimum": 1},
        default=5,
        config=dataclasses.replace(SAME, schema={"type": "integer", "minimum": 1, "maximum": 75}),
    )
    _with_knob(monkeypatch, knob)
    schema = config_schema(config_schema_on_disk())
    assert schema["properties"]["web"]["properties"]["keepAliveSeconds"] == {
        "description": "Seconds an idle connection stays open.",
        "type": "integer",
        "minimum": 1,
        "maximum": 75,
        "default": 5,
    }
    chart_schema = values_schema()["properties"]["web"]["properties"]["keepAliveSeconds"]
    assert chart_schema == {
        "description": "Seconds an idle connection stays open.",
        "type": "integer",
        "minimum": 1,
    }
    assert "| `web.keepAliveSeconds` | `5` | Seconds an idle connection stays open. |" in (
        generated.config_reference_text()
    )

    config = load_config(example_config("shop"))
    assert build_values(config)["web"]["keepAliveSeconds"] == 5
    data: dict[str, Any] = copy.deepcopy(config.data)
    data["web"]["keepAliveSeconds"] = 30
    built = build_values(Config(data, Path(config.path)))
    assert built["web"]["keepAliveSeconds"] == 30
    assert list(built["web"]).index("keepAliveSeconds") == list(built["web"]).index("workers") + 1


def test_a_chart_only_knob_takes_its_default_whatever_djhelm_yaml_holds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _with_knob(monkeypatch, value("web.keepAliveSeconds", "Idle seconds.", {"type": "integer"}, default=5))
    config = load_config(example_config("shop"))
    data: dict[str, Any] = copy.deepcopy(config.data)
    data["web"]["keepAliveSeconds"] = 30
    assert build_values(Config(data, Path(config.path)))["web"]["keepAliveSeconds"] == 5
    assert "keepAliveSeconds" not in config_schema(config_schema_on_disk())["properties"]["web"]["properties"]


def test_a_map_of_names_is_written_sorted_whatever_order_djhelm_yaml_used() -> None:
    config = load_config(example_config("shop"))
    data: dict[str, Any] = copy.deepcopy(config.data)
    data["env"] = {"ZED": "1", "ALPHA": "2", "MIDDLE": "3"}
    data["monitoring"]["alertLabels"] = {"team": "web", "service": "shop"}
    built = build_values(Config(data, Path(config.path)))
    assert list(built["env"]) == ["ALPHA", "MIDDLE", "ZED"]
    assert list(built["monitoring"]["alertLabels"]) == ["service", "team"]


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model[3])
def test_the_typed_models_mypy_checks_against_are_generated_from_the_schemas(
    model: tuple[str, str, str, str],
) -> None:
    schema_file, root_name, source, target = model
    schema = json.loads((schemas_dir() / schema_file).read_text(encoding="utf-8"))
    on_disk = (REPO_ROOT / "generator" / "djhelm" / target).read_text(encoding="utf-8")
    assert on_disk == typed_model_text(schema, root_name, source), (
        "stale: run scripts/generate-values-schema.py"
    )


def test_a_computed_value_the_chart_schema_refuses_is_an_internal_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(DERIVED, "web.probeHost", lambda data: "not a host name!")
    with pytest.raises(InternalError, match=r"values schema at web\.probeHost"):
        build_values(load_config(example_config("shop")))
