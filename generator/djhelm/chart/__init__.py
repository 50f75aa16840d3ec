"""Config -> chart files (render), files -> disk (write_chart), and the drift check CI runs (chart_drift)."""

from __future__ import annotations

from djhelm.chart.render import render_chart
from djhelm.chart.values import build_values
from djhelm.chart.writer import chart_drift, write_chart

__all__ = ["build_values", "chart_drift", "render_chart", "write_chart"]
