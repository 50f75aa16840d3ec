#!/usr/bin/env python3
"""Write schemas/chart-values.schema.json from the chart's value declarations (djhelm/chart/values_spec.py).

Run it after adding or changing a chart value; tests/chart/test_schemas.py fails while the file is stale.
Usage: python scripts/generate-values-schema.py
"""

from __future__ import annotations

from pathlib import Path

from djhelm.chart.values_spec import values_schema_text

TARGET = Path(__file__).resolve().parent.parent / "schemas" / "chart-values.schema.json"

if __name__ == "__main__":
    TARGET.write_text(values_schema_text(), encoding="utf-8")
    print(f"wrote {TARGET}")
