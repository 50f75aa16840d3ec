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
from tests.chart.support import EXAMPLES, committed_chart, example_config


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
