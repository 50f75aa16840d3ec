#!/usr/bin/env python3
"""Write the schemas generated from the chart's value declarations (djhelm/chart/values_spec.py):
schemas/chart-values.schema.json, and the sections of schemas/djhelm-config.schema.json that djhelm.yaml
passes to the chart unchanged (CONFIG_SECTIONS).

Run it after adding or changing a chart value; tests/chart/test_schemas.py fails while the file is stale.
Usage: python scripts/generate-values-schema.py
"""

from __future__ import annotations

from pathlib import Path

from djhelm.chart.values_spec import config_schema_text, values_schema_text

SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"

if __name__ == "__main__":
    values_target = SCHEMAS / "chart-values.schema.json"
    values_target.write_text(values_schema_text(), encoding="utf-8")
    config_target = SCHEMAS / "djhelm-config.schema.json"
    config_target.write_text(config_schema_text(config_target.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"wrote {values_target} and {config_target}")
