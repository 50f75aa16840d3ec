"""The JSON Schemas shipped with djhelm are themselves valid, and the example configs satisfy them."""

from __future__ import annotations

import json

import jsonschema
import pytest
import yaml

from djhelm.chart import build_values
from djhelm.config import load_config
from djhelm.config.schema import config_schema
from djhelm.resources import schemas_dir
from tests.chart.support import EXAMPLES, REPO_ROOT, committed_chart, example_config


def test_config_schema_is_a_valid_schema() -> None:
    schema = config_schema()
    jsonschema.validators.validator_for(schema).check_schema(schema)


@pytest.mark.parametrize("name", EXAMPLES)
def test_values_schema_accepts_generated_values(name: str) -> None:
    schema = json.loads((schemas_dir() / "chart-values.schema.json").read_text())
    jsonschema.validators.validator_for(schema).check_schema(schema)
    values = build_values(load_config(example_config(name)))
    jsonschema.validate(values, schema)
    # values.yaml as written reads back as exactly the values the generator built
    assert yaml.safe_load((committed_chart(name) / "values.yaml").read_text()) == values


def test_values_schema_rejects_a_bad_override() -> None:
    schema = json.loads((schemas_dir() / "chart-values.schema.json").read_text())
    values = build_values(load_config(example_config("shop")))
    values["web"]["port"] = "abc"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(values, schema)


def test_values_schema_file_is_generated_from_the_value_declarations() -> None:
    """One declaration per chart value (djhelm/chart/values_spec.py): the checked-in schema is its output."""
    from djhelm.chart.generated import values_schema_text

    on_disk = (schemas_dir() / "chart-values.schema.json").read_text(encoding="utf-8")
    assert on_disk == values_schema_text(), "stale: run `python scripts/generate-values-schema.py`"


def test_config_schema_and_reference_are_generated_from_the_same_declarations() -> None:
    """djhelm.yaml's schema and docs/config-reference.md carry no key written by hand."""
    from djhelm.chart.generated import config_reference_text, config_schema_text

    on_disk = (schemas_dir() / "djhelm-config.schema.json").read_text(encoding="utf-8")
    assert on_disk == config_schema_text(on_disk), "stale: run `python scripts/generate-values-schema.py`"
    reference = REPO_ROOT / "docs" / "config-reference.md"
    assert reference.read_text(encoding="utf-8") == config_reference_text(), "stale docs/config-reference.md"


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_value_is_declared_and_every_declared_value_is_built(name: str) -> None:
    from djhelm.chart.values_spec import VALUES

    values = build_values(load_config(example_config(name)))
    declared = {entry.path for entry in VALUES}
    groups = {entry.path for entry in VALUES if entry.schema is None}

    def built(node: dict[str, object], prefix: str = "") -> set[str]:
        paths = set()
        for key, item in node.items():
            path = f"{prefix}{key}"
            paths.add(path)
            if path in groups and isinstance(item, dict):
                paths |= built(item, path + ".")
        return paths

    assert built(values) == declared
