"""The HTML report: the text report and a timeline to take in at a glance (one self-contained file, inline
SVG, no script): requests per second, failures and p99 latency per second, a band for each phase and a tick
for each pod change."""

from __future__ import annotations

from html import escape

from djhelm.rehearse.report import Report, render_text

WIDTH, HEIGHT, LEFT, TOP, PLOT_HEIGHT = 960, 330, 50, 20, 220
PHASE_COLOURS = {
    "setup": "#eeeeee",
    "steady-from": "#e3f2fd",
    "pre": "#fff3e0",
    "rollout": "#ede7f6",
    "post": "#fce4ec",
    "steady-to": "#e8f5e9",
}


def _buckets(report: Report) -> tuple[list[int], list[int], list[float]]:
    end = max((s.at for s in report.samples), default=0.0)
    seconds = int(end) + 1
    count = [0] * seconds
    failed = [0] * seconds
    latencies: list[list[float]] = [[] for _ in range(seconds)]
    for sample in report.samples:
        if sample.kind != "http":
            continue
        second = int(sample.at)
        count[second] += 1
        if sample.ok:
            latencies[second].append(sample.ms)
        else:
            failed[second] += 1
    p99 = [sorted(v)[min(len(v) - 1, int(0.99 * len(v)))] if v else 0.0 for v in latencies]
    return count, failed, p99


def timeline_svg(report: Report) -> str:
    count, failed, p99 = _buckets(report)
    span = max(len(count), 1)
    plot_width = WIDTH - LEFT - 20

    def x(t: float) -> float:
        return LEFT + plot_width * t / span

    top_rate = max(max(count, default=0), 1)
    top_latency = max(max(p99, default=0.0), 1.0)

    def y_rate(value: float) -> float:
        return TOP + PLOT_HEIGHT * (1 - value / top_rate)

    def y_latency(value: float) -> float:
        return TOP + PLOT_HEIGHT * (1 - value / top_latency)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'font-family="sans-serif" font-size="11">'
    ]
    for phase, start, finish in report.phases:
        colour = PHASE_COLOURS.get(phase, "#f5f5f5")
        parts.append(
            f'<rect x="{x(start):.1f}" y="{TOP}" width="{max(x(finish) - x(start), 1):.1f}" '
            f'height="{PLOT_HEIGHT}" fill="{colour}"><title>{escape(phase)}</title></rect>'
        )
        parts.append(f'<text x="{x(start) + 3:.1f}" y="{TOP + 12}" fill="#555">{escape(phase)}</text>')
    for second, failures in enumerate(failed):
        if failures:
            parts.append(
                f'<rect x="{x(second):.1f}" y="{y_rate(failures):.1f}" width="{max(x(1) - x(0), 1):.1f}" '
                f'height="{TOP + PLOT_HEIGHT - y_rate(failures):.1f}" fill="#d32f2f">'
                f"<title>{failures} failed at {second}s</title></rect>"
            )
    rate_points = " ".join(f"{x(s + 0.5):.1f},{y_rate(v):.1f}" for s, v in enumerate(count))
    latency_points = " ".join(f"{x(s + 0.5):.1f},{y_latency(v):.1f}" for s, v in enumerate(p99))
    parts.append(f'<polyline points="{rate_points}" fill="none" stroke="#1565c0" stroke-width="1.5"/>')
    parts.append(
        f'<polyline points="{latency_points}" fill="none" stroke="#ef6c00" stroke-width="1" '
        f'stroke-dasharray="3,2"/>'
    )
    for at, text, pod_change in report.events:
        if pod_change:
            parts.append(
                f'<line x1="{x(at):.1f}" x2="{x(at):.1f}" y1="{TOP + PLOT_HEIGHT}" '
                f'y2="{TOP + PLOT_HEIGHT + 10}" stroke="#333"><title>{escape(f"{at:.1f}s {text}")}'
                f"</title></line>"
            )
    axis = TOP + PLOT_HEIGHT
    parts.append(f'<line x1="{LEFT}" x2="{LEFT + plot_width}" y1="{axis}" y2="{axis}" stroke="#333"/>')
    for tick in range(0, span + 1, max(1, span // 10)):
        parts.append(f'<text x="{x(tick):.1f}" y="{axis + 24}" text-anchor="middle">{tick}s</text>')
    parts.append(f'<text x="4" y="{TOP + 8}" fill="#1565c0">{top_rate}/s</text>')
    parts.append(
        f'<text x="{WIDTH - 4}" y="{TOP + 8}" text-anchor="end" fill="#ef6c00">'
        f"p99 {top_latency:.0f} ms</text>"
    )
    legend = (
        f'<text x="{LEFT}" y="{HEIGHT - 8}">requests/s (blue), failed requests/s (red bars), p99 latency '
        f"(orange, dashed), pod started/ready/terminating/exited (ticks)</text>"
    )
    parts.append(legend)
    parts.append("</svg>")
    return "".join(parts)


def render_html(report: Report) -> str:
    status = "pass" if report.passed else "fail"
    return (
        '<!doctype html>\n<html><head><meta charset="utf-8">'
        f"<title>djhelm rehearse {escape(report.from_ref)} -&gt; {escape(report.to_ref)}</title>"
        "<style>body{font-family:sans-serif;margin:2em;max-width:1000px}"
        ".pass{color:#2e7d32}.fail{color:#c62828}pre{background:#fafafa;padding:1em;overflow:auto}</style>"
        "</head><body>"
        f"<h1>{escape(report.from_ref)} &rarr; {escape(report.to_ref)}</h1>"
        f'<p class="{status}"><strong>{escape(report.verdict())}</strong></p>'
        f"{timeline_svg(report)}"
        f"<pre>{escape(render_text(report))}</pre>"
        "</body></html>\n"
    )
