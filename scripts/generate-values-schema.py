#!/usr/bin/env python3
"""Write what is generated from the declarations in djhelm/chart/values_spec.py:
schemas/chart-values.schema.json, schemas/djhelm-config.schema.json and docs/config-reference.md.

Run it after adding or changing a chart value or a djhelm.yaml key; tests/chart/test_schemas.py fails while
a file is stale.
Usage: python scripts/generate-values-schema.py
"""

from __future__ import annotations

from pathlib import Path

from djhelm.chart.generated import config_reference_text, config_schema_text, values_schema_text

ROOT = Path(__file__).resolve().parent.parent

if __name__ == "__main__":
    values_target = ROOT / "schemas" / "chart-values.schema.json"
    values_target.write_text(values_schema_text(), encoding="utf-8")
    config_target = ROOT / "schemas" / "djhelm-config.schema.json"
    config_target.write_text(config_schema_text(config_target.read_text(encoding="utf-8")), encoding="utf-8")
    reference_target = ROOT / "docs" / "config-reference.md"
    reference_target.write_text(config_reference_text(), encoding="utf-8")
    print(f"wrote {values_target}, {config_target} and {reference_target}")
