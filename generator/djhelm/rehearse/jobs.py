"""A migration Job as Kubernetes runs it (restartPolicy Never, backoffLimit retries): its init containers,
then its container, with the chart's env. Each migration's duration comes from the command's own output:
`migrate_phase` prints a JSON line per migration, `migrate` prints `Applying app.name... OK`."""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from djhelm.rehearse.manifests import Job
from djhelm.rehearse.pods import argv_for
from djhelm.rehearse.record import MigrationRun, Recorder
from djhelm.rehearse.releases import Release

APPLICATION_NAME = "djhelm-rehearse-job"  # PGAPPNAME of migration sessions, for the lock sampler
_APPLYING = re.compile(r"Applying ([\w.]+)\.\.\.")


class _Progress:
    """A migration command's output as it comes: `migrate` writes "  Applying app.name..." and only later
    " OK" on the same line, so a migration's duration is the time between the two."""

    def __init__(self) -> None:
        self.applied: list[tuple[str, float]] = []
        self.retries = 0
        self.lines: list[str] = []
        self._partial = ""
        self._applying: tuple[str, float] | None = None

    def feed(self, text: str, now: float) -> None:
        self._partial += text
        *complete, self._partial = self._partial.split("\n")
        for line in complete:
            self._line(line, now)
        if self._applying is None and (match := _APPLYING.search(self._partial)):
            self._applying = (match.group(1), now)

    def _line(self, line: str, now: float) -> None:
        if not line.strip():
            return
        self.lines = [*self.lines, line.rstrip()][-40:]
        match = _APPLYING.search(line)
        if match:
            started = self._applying[1] if self._applying and self._applying[0] == match.group(1) else now
            if line.rstrip().endswith("OK"):
                self.applied.append((match.group(1), now - started))
            self._applying = None
        elif line.startswith("{"):
            try:
                event = json.loads(line)
            except ValueError:
                return
            if event.get("event") == "migration" and event.get("outcome") == "applied":
                self.applied.append((f"{event['app']}.{event['name']}", event["duration_ms"] / 1000))
                self.retries += int(event.get("retries", 0))


def run_job(
    job: Job,
    release: Release,
    env_of: Callable[[str], dict[str, str]],
    recorder: Recorder,
    log_dir: Path,
    address: str,
) -> MigrationRun:
    """``env_of(container name)``: the container's environment."""
    began = time.monotonic()
    migrations: list[tuple[str, float]] = []
    retries = 0
    tail: list[str] = []
    ok = True
    command = ""
    recorder.event(f"job {job.name} ({release.label}) started")
    attempts = 0
    with open(log_dir / f"{job.name}.log", "a", encoding="utf-8") as log:
        # restartPolicy Never: a failed pod is replaced by a new one, up to backoffLimit times
        while True:
            attempts += 1
            ok = True
            for container in job.containers:
                env = {**env_of(container.name), "PGAPPNAME": f"{APPLICATION_NAME}:{job.name}"}
                argv = argv_for(container, release, address)
                command = " ".join(container.argv[1:] if container.argv[:1] == ["python"] else container.argv)
                process = subprocess.Popen(
                    argv, cwd=release.project, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
                )
                assert process.stdout is not None
                progress = _Progress()
                while chunk := os.read(process.stdout.fileno(), 65536):
                    text = chunk.decode(errors="replace")
                    log.write(text)
                    progress.feed(text, time.monotonic())
                progress.feed("\n", time.monotonic())
                migrations.extend(progress.applied)
                retries += progress.retries
                tail = [*tail, *progress.lines][-40:]
                if process.wait() != 0:
                    ok = False
                    break
            if ok or attempts > job.backoff_limit:
                break
            recorder.event(
                f"job {job.name}: pod failed, Kubernetes starts another ({attempts}/{job.backoff_limit})"
            )
    run = MigrationRun(
        job.name,
        recorder.phase,
        command,
        ok,
        time.monotonic() - began,
        migrations,
        retries,
        "\n".join(tail),
        attempts,
    )
    recorder.migration(run)
    recorder.event(
        f"job {job.name} ({release.label}) {'succeeded' if ok else 'failed'} in {run.seconds:.1f}s"
    )
    return run
