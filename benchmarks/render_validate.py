"""Wall time of `djhelm render` + `djhelm validate` for an example, beside `helm template` + `helm lint`.

Target: render + validate together under 1 s. Each command runs as a fresh process (what CI pays), several
times; the table shows the median and the fastest run.

    python benchmarks/render_validate.py [--example shop|events] [--runs 5] [--helm helm3]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KUBE_VERSIONS = ("1.29", "1.37")


def _timed(command: list[str], stdin: str | None = None) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    proc = subprocess.run(command, input=stdin, capture_output=True, text=True, check=False)
    return time.perf_counter() - start, proc


def _helm(name: str) -> str:
    found = ROOT / ".tools" / "bin" / name
    return str(found) if found.exists() else (shutil.which(name) or sys.exit(f"{name} not found"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--example", default="events", choices=["shop", "events"])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--helm", default="helm3")
    args = parser.parse_args()

    djhelm = str(Path(sys.executable).parent / "djhelm")
    helm = _helm(args.helm)
    config = ROOT / "examples" / args.example / "djhelm.yaml"
    kube_flags = [flag for version in KUBE_VERSIONS for flag in ("--kube-version", version)]
    timings: dict[str, list[float]] = {}
    notes: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as scratch:
        chart = Path(scratch) / args.example
        for _ in range(args.runs):
            seconds, proc = _timed([djhelm, "render", str(config), "--output", str(chart)])
            if proc.returncode != 0:
                sys.exit(proc.stderr)
            timings.setdefault("djhelm render", []).append(seconds)

            template = [helm, "template", "bench", str(chart), "--kube-version", KUBE_VERSIONS[-1]]
            seconds, proc = _timed(template)
            if proc.returncode != 0:
                sys.exit(proc.stderr)
            timings.setdefault("helm template", []).append(seconds)
            manifests = proc.stdout

            seconds, proc = _timed([djhelm, "validate", "-", *kube_flags], stdin=manifests)
            if proc.returncode in (0, 1):
                timings.setdefault("djhelm validate (2 kube versions)", []).append(seconds)
                if proc.returncode == 1:
                    notes["djhelm validate (2 kube versions)"] = "exit 1 (findings)"
            else:
                notes["djhelm validate (2 kube versions)"] = "not available: " + proc.stderr.strip()[-60:]

            seconds, proc = _timed([helm, "lint", "--strict", str(chart)])
            timings.setdefault("helm lint --strict", []).append(seconds)

    print(f"example: {args.example}, runs: {args.runs}, helm: {helm}")
    print(f"{'step':<36} {'median s':>9} {'min s':>7}  note")
    for step, values in timings.items():
        print(f"{step:<36} {statistics.median(values):>9.3f} {min(values):>7.3f}  {notes.get(step, '')}")
    for step, note in notes.items():
        if step not in timings:
            print(f"{step:<36} {'-':>9} {'-':>7}  {note}")
    ours = [timings[s] for s in ("djhelm render", "djhelm validate (2 kube versions)") if s in timings]
    theirs = [timings[s] for s in ("helm template", "helm lint --strict")]
    print(f"{'djhelm render + validate':<36} {sum(statistics.median(v) for v in ours):>9.3f}")
    print(f"{'helm template + lint':<36} {sum(statistics.median(v) for v in theirs):>9.3f}")


if __name__ == "__main__":
    main()
