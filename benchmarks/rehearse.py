"""Benchmark: a full `djhelm rehearse` of the shop example (v1 -> v2: two expand migrations, a concurrent
index, a contract; phases on), and how much CPU the harness itself takes beside what it plays.

The rehearsal runs in this process, so `getrusage(RUSAGE_SELF)` is the harness (probes, endpoints, HTTP
load threads, lock sampler, report) and `RUSAGE_CHILDREN` is what it plays (gunicorn pods, migration Jobs,
the ORM workloads, PostgreSQL's own processes are not children and are not counted). The harness must stay
well below one core so that it is not the bottleneck of the load it measures.

Usage: python benchmarks/rehearse.py [--duration-scale 0.2] [--rounds 2]
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from tests.rehearse.releases import shop_expand_contract  # noqa: E402

from djhelm.rehearse.play import Options, rehearse  # noqa: E402
from djhelm.rehearse.record import Recorder  # noqa: E402
from djhelm.rehearse.report import build_report  # noqa: E402
from djhelm.validation.helm import find_helm  # noqa: E402


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def one_round(scale: float) -> dict[str, float]:
    folder = Path(tempfile.mkdtemp(prefix="djhelm-bench-rehearse-"))
    try:
        repo = shop_expand_contract(folder, phases=True)
        options = Options(project_dir=repo.project, from_ref="v1", to_ref="v2", config=Path("djhelm.yaml"),
                          helm=find_helm("helm"), duration_scale=scale, rows=200)
        recorder = Recorder()
        harness_before, children_before = _cpu(resource.RUSAGE_SELF), _cpu(resource.RUSAGE_CHILDREN)
        began = time.monotonic()
        notes = rehearse(options, recorder)
        wall = time.monotonic() - began
        report = build_report(recorder, "v1", "v2", "helm3", notes)
        return {
            "wall": wall,
            "harness_cpu": _cpu(resource.RUSAGE_SELF) - harness_before,
            "played_cpu": _cpu(resource.RUSAGE_CHILDREN) - children_before,
            "requests": sum(r.total for r in report.rows if r.kind == "http"),
            "orm_ops": sum(r.total for r in report.rows if r.kind == "orm"),
            "failed": report.failed_requests + report.failed_operations,
        }
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration-scale", type=float, default=0.2)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    rounds = [one_round(args.duration_scale) for _ in range(args.rounds)]
    print(f"djhelm rehearse, shop v1 -> v2 (phases), --duration-scale {args.duration_scale}, "
          f"{args.rounds} round(s)")
    print(f"{'round':>5} {'wall s':>8} {'harness CPU s':>14} {'harness cores':>14} {'played CPU s':>13} "
          f"{'requests':>9} {'ORM ops':>8} {'failed':>7}")
    for index, r in enumerate(rounds, start=1):
        print(f"{index:>5} {r['wall']:>8.1f} {r['harness_cpu']:>14.1f} {r['harness_cpu'] / r['wall']:>14.2f} "
              f"{r['played_cpu']:>13.1f} {r['requests']:>9.0f} {r['orm_ops']:>8.0f} {r['failed']:>7.0f}")
    best = min(rounds, key=lambda r: r["wall"])
    print(f"best wall time {best['wall']:.1f} s (target: under 60 s on 2 cores); the harness used "
          f"{best['harness_cpu'] / best['wall']:.2f} of a core, the played processes "
          f"{best['played_cpu'] / best['wall']:.2f}")


if __name__ == "__main__":
    main()
