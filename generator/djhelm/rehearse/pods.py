"""One pod as the kubelet runs it, on its own loopback address: the container's command with its env, the
startup, readiness and liveness probes at their periods and thresholds, and termination in Kubernetes'
order: the endpoint goes (after the propagation delay), preStop runs, then SIGTERM, then SIGKILL when the
grace period (counted from the start of preStop) is over.
https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#container-probes and #pod-termination
"""

from __future__ import annotations

import contextlib
import http.client
import os
import random
import re
import signal
import socket
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from djhelm.rehearse.endpoints import Endpoints
from djhelm.rehearse.manifests import Container, Probe
from djhelm.rehearse.record import Recorder
from djhelm.rehearse.releases import Release

MIN_PERIOD = 0.2
_EXCEPTION = re.compile(
    r"^[A-Za-z_][\w.]*(Error|Exception): \S"
)  # a scaled probe period never goes below this: the harness must not become the load


def next_address(port: int = 8000) -> str:
    """A loopback address of its own per pod (Linux routes all of 127.0.0.0/8 to lo), drawn at random and
    checked free on ``port``: another rehearsal, or anything else, may be listening on a given one."""
    while True:
        address = f"127.{random.randint(64, 254)}.{random.randint(0, 255)}.{random.randint(1, 254)}"
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind((address, port))
            except OSError:
                continue
        return address


def local_mounts(env: dict[str, str], mounts: dict[str, str], pod_folder: Path) -> dict[str, str]:
    """Every volume of the pod is a folder of its own here (an emptyDir, shared by the pod's containers):
    a variable naming a mounted path points into that folder instead (PROMETHEUS_MULTIPROC_DIR=/run/...).
    /tmp stays the machine's."""
    result = dict(env)
    for volume, path in mounts.items():
        if path == "/tmp":
            continue
        local = pod_folder / volume
        local.mkdir(parents=True, exist_ok=True)
        for name, value in env.items():
            if value == path or value.startswith(path.rstrip("/") + "/"):
                result[name] = str(local) + value[len(path) :]
    return result


def argv_for(container: Container, release: Release, address: str) -> list[str]:
    """The container's command on this machine: its programs from the release's environment, every
    0.0.0.0 listen address replaced by the pod's own."""
    argv = [word.replace("0.0.0.0", address) for word in container.argv]
    if argv and argv[0] == "python":
        argv[0] = str(release.python)
    elif argv and (release.bin / argv[0]).exists():
        argv[0] = str(release.bin / argv[0])
    return argv


@dataclass(frozen=True)
class Timing:
    scale: float  # applied to every timer the rehearsal plays: preStop, probe periods, minReadySeconds, ...
    endpoint_delay: float

    def seconds(self, value: float) -> float:
        return value * self.scale

    def period(self, value: float) -> float:
        return max(MIN_PERIOD, value * self.scale)


class Pod:
    def __init__(
        self,
        name: str,
        release: Release,
        container: Container,
        env: dict[str, str],
        address: str,
        grace_seconds: float,
        timing: Timing,
        endpoints: Endpoints | None,
        recorder: Recorder,
        log_dir: Path,
        init_containers: list[tuple[Container, dict[str, str]]] | None = None,
    ) -> None:
        self.name = name
        self.release = release.label
        self._release = release
        self.container = container
        self.env = env
        self.address = address
        self.port = container.ports.get("http", next(iter(container.ports.values()), 8000))
        self._grace = grace_seconds
        self._timing = timing
        self._endpoints = endpoints
        self._recorder = recorder
        self.log = log_dir / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.ready = threading.Event()
        self.ready_since: float | None = None
        self.terminating = threading.Event()
        self.exited = threading.Event()
        self.exit_code: int | None = None
        self._prober: threading.Thread | None = None
        self._inits = init_containers or []
        self.init_failures = 0  # an init container that exited non-zero (the kubelet retries it)

    # -- lifecycle ---------------------------------------------------------------------------------------

    def start(self) -> None:
        """Init containers in order (each until it succeeds, as the kubelet retries them), then the app."""
        threading.Thread(target=self._start, name=f"start-{self.name}", daemon=True).start()

    def _start(self) -> None:
        for container, env in self._inits:
            argv = argv_for(container, self._release, self.address)
            while not self.terminating.is_set():
                with open(self.log, "ab") as out:
                    done = subprocess.run(
                        argv,
                        cwd=self._release.project,
                        env=env,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                        check=False,
                    )
                if done.returncode == 0:
                    break
                self.init_failures += 1
                self._recorder.event(f"{self.name}: init container {container.name} exited {done.returncode}")
                if not self._wait(self._timing.period(10)):  # the kubelet's back-off, scaled
                    return
        if self.terminating.is_set():
            return
        self._launch()
        self._recorder.event(f"{self.name} ({self.release}) started", pod_change=True)
        self._prober = threading.Thread(target=self._probe_loop, name=f"probe-{self.name}", daemon=True)
        self._prober.start()

    def terminate(self, wait: bool = False) -> threading.Thread:
        """Delete the pod: endpoints removal (delayed), preStop, SIGTERM, SIGKILL at the grace period."""
        thread = threading.Thread(target=self._terminate, name=f"terminate-{self.name}", daemon=True)
        thread.start()
        if wait:
            thread.join()
        return thread

    def _terminate(self) -> None:
        self.terminating.set()
        started = time.monotonic()
        self._recorder.event(f"{self.name} ({self.release}) terminating", pod_change=True)
        if self._endpoints is not None:
            self._endpoints.gone(self)
        pre_stop = self._timing.seconds(self.container.pre_stop_seconds)
        grace = self._grace - self.container.pre_stop_seconds + pre_stop
        time.sleep(pre_stop)
        process = self.process
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)  # to PID 1 of the container: the server, not its group
            try:
                process.wait(timeout=max(0.0, grace - (time.monotonic() - started)))
            except subprocess.TimeoutExpired:
                self._recorder.event(f"{self.name}: SIGKILL after the grace period ({grace:.1f}s)")
            self._kill_group()
        self.exit_code = process.returncode if process is not None else None
        self._recorder.event(
            f"{self.name} ({self.release}) exited ({self.exit_code}) "
            f"{time.monotonic() - started:.1f}s after deletion",
            pod_change=True,
        )
        self.exited.set()

    def _kill_group(self) -> None:
        process = self.process
        if process is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def kill(self) -> None:
        """End of the rehearsal: whatever still runs goes at once."""
        self.terminating.set()
        self._kill_group()
        self.exited.set()

    # -- probes ------------------------------------------------------------------------------------------

    def _http(self, probe: Probe) -> bool:
        port = probe.port if isinstance(probe.port, int) else self.port
        connection = http.client.HTTPConnection(self.address, port, timeout=max(probe.timeout, 1.0))
        try:
            connection.request("GET", probe.path, headers={"Host": probe.host or f"{self.address}:{port}"})
            status = connection.getresponse().status
        except OSError:
            return False
        finally:
            connection.close()
        return 200 <= status < 400  # the kubelet's rule for an HTTP probe

    def _wait(self, seconds: float) -> bool:
        """Sleep unless the pod is going away; False when it is."""
        return not self.terminating.wait(seconds)

    def _probe_loop(self) -> None:
        startup = self.container.startup
        readiness = self.container.readiness
        liveness = self.container.liveness
        if startup is not None:
            if not self._wait(self._timing.seconds(startup.initial_delay)):
                return
            failures = 0
            while not self._http(startup):
                failures += 1
                if failures >= startup.failure_threshold:
                    self._recorder.event(f"{self.name}: startup probe failed {failures} times")
                    self._restart()
                    failures = 0
                if not self._wait(self._timing.period(startup.period)):
                    return
        ready_streak = unready_streak = live_failures = 0
        next_ready = next_live = time.monotonic()
        while not self.terminating.is_set():
            now = time.monotonic()
            if readiness is None and not self.ready.is_set():
                self._became_ready()
            if readiness is not None and now >= next_ready:
                next_ready = now + self._timing.period(readiness.period)
                if self._http(readiness):
                    ready_streak, unready_streak = ready_streak + 1, 0
                    if not self.ready.is_set() and ready_streak >= readiness.success_threshold:
                        self._became_ready()
                else:
                    ready_streak, unready_streak = 0, unready_streak + 1
                    if self.ready.is_set() and unready_streak >= readiness.failure_threshold:
                        self.ready.clear()
                        self._recorder.event(f"{self.name} ({self.release}) unready", pod_change=True)
                        if self._endpoints is not None:
                            self._endpoints.gone(self)
            if liveness is not None and now >= next_live:
                next_live = now + self._timing.period(liveness.period)
                live_failures = 0 if self._http(liveness) else live_failures + 1
                if live_failures >= liveness.failure_threshold:
                    self._recorder.event(
                        f"{self.name}: liveness probe failed {live_failures} times, restarted"
                    )
                    self._restart()
                    live_failures = 0
            if not self._wait(MIN_PERIOD / 2):
                return

    def _became_ready(self) -> None:
        self.ready_since = time.monotonic()
        self.ready.set()
        self._recorder.event(f"{self.name} ({self.release}) ready", pod_change=True)
        if self._endpoints is not None:
            self._endpoints.ready(self)

    def _restart(self) -> None:
        self.ready.clear()
        if self._endpoints is not None:
            self._endpoints.gone(self)
        self._kill_group()
        self._launch()

    def _launch(self) -> None:
        """The container's process, in a session of its own (its workers die with it on SIGKILL)."""
        argv = argv_for(self.container, self._release, self.address)
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen(
                argv,
                cwd=self._release.project,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def crashed(self) -> bool:
        """The app's process ended on its own (not deleted): what the kubelet reports as a crash."""
        process = self.process
        return process is not None and process.poll() is not None and not self.terminating.is_set()

    def available(self, min_ready_seconds: float) -> bool:
        """Ready for minReadySeconds without a break (what a rolling update waits for)."""
        return (
            self.ready.is_set()
            and self.ready_since is not None
            and time.monotonic() - self.ready_since >= min_ready_seconds
        )

    def logged_errors(self) -> list[str]:
        """The last line of every Python traceback in the pod's log (`ProgrammingError: column ...`)."""
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return []
        return [line.strip()[:300] for line in text.splitlines() if _EXCEPTION.match(line)]

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""
