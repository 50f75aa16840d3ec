#!/usr/bin/env python3
"""Write what is generated from the declarations in djhelm/chart/values_spec.py:
schemas/chart-values.schema.json, schemas/djhelm-config.schema.json, docs/config-reference.md, and the
TypedDicts mypy checks the render path with (djhelm/config/model.py, djhelm/chart/values_model.py).

Run it after adding or changing a chart value or a djhelm.yaml key; tests/chart/test_schemas.py fails while
a file is stale.
Usage: python scripts/generate-values-schema.py
"""

from __future__ import annotations

import json
from pathlib import Path

from djhelm.chart.generated import config_reference_text, config_schema_text, values_schema_text
from djhelm.typedmodel import MODELS, typed_model_text

ROOT = Path(__file__).resolve().parent.parent

if __name__ == "__main__":
    values_target = ROOT / "schemas" / "chart-values.schema.json"
    values_target.write_text(values_schema_text(), encoding="utf-8")
    config_target = ROOT / "schemas" / "djhelm-config.schema.json"
    config_target.write_text(config_schema_text(config_target.read_text(encoding="utf-8")), encoding="utf-8")
    reference_target = ROOT / "docs" / "config-reference.md"
    reference_target.write_text(config_reference_text(), encoding="utf-8")
    package = ROOT / "generator" / "djhelm"
    for schema_file, root_name, source, target in MODELS:
        schema = json.loads((ROOT / "schemas" / schema_file).read_text(encoding="utf-8"))
        (package / target).write_text(typed_model_text(schema, root_name, source), encoding="utf-8")
    print(f"wrote {values_target}, {config_target}, {reference_target} and the typed models")
