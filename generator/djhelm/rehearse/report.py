"""What a rehearsal found, from what it recorded: per phase and release, requests and ORM operations with
their failures and latencies; migration runs; lock waits; rollback safety; a verdict. Text, Markdown (for a
pull request) and JSON; the structure is the same for the same inputs, the timings are not."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from djhelm.rehearse.locks import INTERVAL_SECONDS
from djhelm.rehearse.record import LockWait, MigrationRun, Recorder, Sample

PLAYED = ("steady-from", "pre", "rollout", "post", "steady-to")
ROLLBACK_PROBES = {"rollback-after-pre": "after pre", "rollback-after-post": "after post"}


def _percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


@dataclass(frozen=True)
class Stats:
    phase: str
    release: str
    kind: str
    total: int
    failed: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    errors: list[tuple[int, str]]  # (count, first line), most frequent first

    def as_dict(self) -> dict[str, Any]:
        return {
            "phase": self.phase,
            "release": self.release,
            "kind": self.kind,
            "total": self.total,
            "failed": self.failed,
            "p50_ms": round(self.p50_ms, 1),
            "p99_ms": round(self.p99_ms, 1),
            "max_ms": round(self.max_ms, 1),
            "errors": [{"count": count, "error": text} for count, text in self.errors],
        }


def _stats(phase: str, release: str, kind: str, samples: list[Sample]) -> Stats:
    latencies = [s.ms for s in samples if s.ok]
    errors = Counter(s.error for s in samples if not s.ok)
    return Stats(
        phase,
        release,
        kind,
        len(samples),
        sum(not s.ok for s in samples),
        _percentile(latencies, 0.5),
        _percentile(latencies, 0.99),
        max(latencies, default=0.0),
        [(count, text) for text, count in sorted(errors.items(), key=lambda kv: (-kv[1], kv[0]))[:3]],
    )


@dataclass
class Report:
    from_ref: str
    to_ref: str
    hook_timing: str
    rows: list[Stats]
    migrations: list[MigrationRun]
    lock_waits: list[LockWait]
    locks_taken: dict[str, list[str]]
    rollback: dict[str, bool | None]  # "after pre" / "after post" -> safe? (None: not probed)
    phases: list[tuple[str, float, float]]
    samples: list[Sample] = field(repr=False, default_factory=list)
    events: list[tuple[float, str, bool]] = field(repr=False, default_factory=list)
    notes: list[str] = field(default_factory=list)
    server_errors: list[tuple[str, int, str]] = field(default_factory=list)  # (release, count, line)
    database_errors: list[tuple[str, int, str]] = field(default_factory=list)  # (release, count, "err | sql")

    @property
    def failed_requests(self) -> int:
        return sum(r.failed for r in self.rows if r.kind == "http" and r.phase in PLAYED)

    @property
    def failed_operations(self) -> int:
        return sum(r.failed for r in self.rows if r.kind == "orm" and r.phase in PLAYED)

    @property
    def failed_jobs(self) -> list[str]:
        return [run.job for run in self.migrations if not run.ok]

    @property
    def passed(self) -> bool:
        return not self.failed_requests and not self.failed_operations and not self.failed_jobs

    def verdict(self) -> str:
        probes = (
            ", ".join(
                f"{'safe' if safe else 'NOT safe'} {where}"
                for where, safe in self.rollback.items()
                if safe is not None
            )
            or "not probed"
        )
        if self.passed:
            return (
                f"PASS: 0 failed requests and 0 failed ORM operations from {self.from_ref} to "
                f"{self.to_ref}; rolling back: {probes}"
            )
        parts = []
        for kind, label in (("http", "request"), ("orm", "ORM operation")):
            by_phase: Counter[str] = Counter()
            for row in self.rows:
                if row.kind == kind and row.phase in PLAYED:
                    by_phase[row.phase] += row.failed
            total = sum(by_phase.values())
            if total:
                where = ", ".join(f"{phase}: {count}" for phase, count in by_phase.items() if count)
                parts.append(f"{total} failed {label}{'s' if total != 1 else ''} ({where})")
        if self.failed_jobs:
            parts.append(f"migration job failed: {', '.join(self.failed_jobs)}")
        return f"FAIL: {'; '.join(parts)}; rolling back: {probes}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "from": self.from_ref,
            "to": self.to_ref,
            "hookTiming": self.hook_timing,
            "passed": self.passed,
            "verdict": self.verdict(),
            "failedRequests": self.failed_requests,
            "failedOrmOperations": self.failed_operations,
            "paths": self.by_path(),
            "phases": [{"phase": p, "start": round(a, 2), "end": round(b, 2)} for p, a, b in self.phases],
            "load": [row.as_dict() for row in self.rows],
            "migrations": [
                {
                    "job": m.job,
                    "phase": m.phase,
                    "command": m.command,
                    "ok": m.ok,
                    "seconds": round(m.seconds, 2),
                    "retries": m.retries,
                    "attempts": m.attempts,
                    "migrations": [{"name": n, "seconds": round(s, 3)} for n, s in m.migrations],
                    **({} if m.ok else {"outputTail": m.output_tail}),
                }
                for m in self.migrations
            ],
            "lockWaits": [
                {
                    "phase": w.phase,
                    "seconds": round(w.seconds + INTERVAL_SECONDS, 1),
                    "mode": w.mode,
                    "relation": w.relation,
                    "statement": w.query,
                    "blockedBy": w.blocked_by,
                }
                for w in self.longest_waits()
            ],
            "lockModesTakenByMigrations": self.locks_taken,
            "rollback": {where: safe for where, safe in self.rollback.items()},
            "serverErrors": [{"release": r, "count": c, "error": e} for r, c, e in self.server_errors],
            "failedStatements": [
                {"release": r, "count": c, "error": e.partition(" | ")[0], "statement": e.partition(" | ")[2]}
                for r, c, e in self.database_errors
            ],
            "notes": self.notes,
        }

    def by_path(self) -> dict[str, dict[str, int]]:
        """Responses per URL path in the played phases: status code (or "none") -> count."""
        table: dict[str, Counter[str]] = {}
        for sample in self.samples:
            if sample.kind == "http" and sample.phase in PLAYED:
                table.setdefault(sample.target, Counter())[str(sample.status or "none")] += 1
        return {path: dict(sorted(counts.items())) for path, counts in sorted(table.items())}

    def longest_waits(self, limit: int = 10) -> list[LockWait]:
        return sorted(self.lock_waits, key=lambda w: -w.seconds)[:limit]


def build_report(
    recorder: Recorder, from_ref: str, to_ref: str, hook_timing: str, notes: list[str]
) -> Report:
    groups: dict[tuple[str, str, str], list[Sample]] = {}
    for sample in recorder.samples:
        groups.setdefault((sample.phase, sample.release, sample.kind), []).append(sample)
    order = {phase: i for i, phase in enumerate((*PLAYED, *ROLLBACK_PROBES))}
    rows = [
        _stats(phase, release, kind, samples)
        for (phase, release, kind), samples in sorted(
            groups.items(), key=lambda kv: (order.get(kv[0][0], 99), kv[0][1:])
        )
        if phase in order
    ]
    rollback: dict[str, bool | None] = {}
    for phase, where in ROLLBACK_PROBES.items():
        probed = [s for s in recorder.samples if s.phase == phase and s.release == "from"]
        rollback[where] = all(s.ok for s in probed) if probed else None
    return Report(
        from_ref,
        to_ref,
        hook_timing,
        rows,
        list(recorder.migrations),
        list(recorder.lock_waits),
        {session: sorted(modes) for session, modes in sorted(recorder.locks_taken.items())},
        rollback,
        list(recorder.phases),
        list(recorder.samples),
        [(e.at, e.text, e.pod_change) for e in recorder.events],
        notes,
        sorted(
            ((release, count, line) for (release, line), count in recorder.server_errors.items()),
            key=lambda item: (item[0], -item[1], item[2]),
        )[:10],
        sorted(
            ((release, count, text) for (release, text), count in recorder.database_errors.items()),
            key=lambda item: (item[0], -item[1], item[2]),
        )[:10],
    )


def _table(header: list[str], rows: list[list[str]], markdown: bool) -> list[str]:
    if markdown:
        return [
            "| " + " | ".join(header) + " |",
            "|" + "---|" * len(header),
            *["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows],
        ]
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)]
    line = "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))
    return [line, *["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]]


def render_text(report: Report, markdown: bool = False) -> str:
    h = "## " if markdown else ""
    out = [
        f"{'# ' if markdown else ''}djhelm rehearse: {report.from_ref} -> {report.to_ref} "
        f"(post hook timing: {report.hook_timing})",
        "",
        f"**{report.verdict()}**" if markdown else report.verdict(),
        "",
    ]
    out.append(f"{h}Load by phase")
    out.append("")
    load_rows = [
        [
            r.phase,
            r.release or "-",
            "requests" if r.kind == "http" else "ORM ops",
            str(r.total),
            str(r.failed),
            f"{r.p50_ms:.0f}",
            f"{r.p99_ms:.0f}",
            f"{r.max_ms:.0f}",
        ]
        for r in report.rows
    ]
    out += _table(
        ["phase", "code", "what", "total", "failed", "p50 ms", "p99 ms", "max ms"], load_rows, markdown
    )
    paths = report.by_path()
    if paths:
        out += ["", f"{h}Responses by path", ""]
        out += _table(
            ["path", "responses"],
            [
                [path, ", ".join(f"{status}: {count}" for status, count in counts.items())]
                for path, counts in paths.items()
            ],
            markdown,
        )
    failures = [(r, count, text) for r in report.rows for count, text in r.errors]
    if failures:
        out += ["", f"{h}First errors", ""]
        for row, count, text in failures:
            out.append(
                f"- {row.phase}, {row.release or 'no pod'} {'request' if row.kind == 'http' else 'ORM'}: "
                f"{count} x `{text}`"
                if markdown
                else f"  {row.phase}, {row.release or 'no pod'} {row.kind}: {count} x {text}"
            )
    if report.server_errors:
        out += ["", f"{h}Errors the servers logged", ""]
        for release, count, line in report.server_errors:
            out.append(f"- {release}: {count} x `{line}`" if markdown else f"  {release}: {count} x {line}")
    if report.database_errors:
        out += ["", f"{h}Failed statements (the database's log)", ""]
        for release, count, text in report.database_errors:
            error, _, statement = text.partition(" | ")
            out.append(
                f"- {release}: {count} x {error}: `{statement}`"
                if markdown
                else f"  {release}: {count} x {error}: {statement}"
            )
    out += ["", f"{h}Migrations", ""]
    migration_rows = [
        [
            m.job,
            m.phase,
            m.command,
            "ok" if m.ok else "FAILED",
            f"{m.seconds:.1f}",
            str(m.retries),
            str(m.attempts),
            ", ".join(f"{n} {s:.2f}s" for n, s in m.migrations) or "-",
        ]
        for m in report.migrations
    ]
    out += _table(
        ["job", "phase", "command", "result", "seconds", "lock retries", "pods", "applied"],
        migration_rows,
        markdown,
    )
    for m in report.migrations:
        if not m.ok:
            out += [
                "",
                f"{m.job} output (last lines):",
                "```" if markdown else "",
                m.output_tail,
                "```" if markdown else "",
            ]
    out += ["", f"{h}Lock waits", ""]
    waits = report.longest_waits()
    if waits:
        wait_rows = [
            [
                w.phase,
                f"{w.seconds + INTERVAL_SECONDS:.1f}",
                w.mode,
                w.relation,
                w.blocked_by or "-",
                " ".join(w.query.split())[:80],
            ]
            for w in waits
        ]
        out += _table(
            ["phase", "seconds (<=)", "waits for", "on", "held by", "statement"], wait_rows, markdown
        )
        by_mode = Counter(w.mode for w in report.lock_waits)
        out += ["", "waits by mode: " + ", ".join(f"{mode} {count}" for mode, count in by_mode.most_common())]
    else:
        out.append("no session waited on a lock for a full sampling interval (100 ms)")
    for session, modes in report.locks_taken.items():
        out.append(f"{session} took: {', '.join(modes)}")
    out += ["", f"{h}Rolling back", ""]
    for where, safe in report.rollback.items():
        state = (
            "not probed" if safe is None else ("safe" if safe else "NOT safe (the old code fails, see above)")
        )
        out.append(f"- {where}: {state}" if markdown else f"  {where}: {state}")
    if report.notes:
        out += ["", f"{h}Notes", "", *[f"- {note}" for note in report.notes]]
    return "\n".join(out) + "\n"


def render_json(report: Report) -> str:
    return json.dumps(report.as_dict(), indent=2) + "\n"
