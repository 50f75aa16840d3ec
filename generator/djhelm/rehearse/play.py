"""The timeline of a rehearsal, in Kubernetes' and Helm's order:

1. setup: the database at the `from` release's schema (its `manage.py migrate`), rows in every model;
2. steady-from: the `from` release's web pods, as many as its chart says, under HTTP and ORM load;
3. pre: the `to` chart's migration Jobs that run before the Deployment changes (pre-install/pre-upgrade
   hooks, Argo CD PreSync), then a rollback probe (a fresh `from` pod and its ORM load on that schema);
4. rollout: a rolling update with the chart's maxSurge, maxUnavailable and minReadySeconds; a plain
   migration Job (`strategy: job`) runs beside it, as `kubectl apply` would start it;
5. post: the post-upgrade Job, started when Helm would start it (`--hook-timing helm3`: the new ReplicaSet's
   pods are ready, old ones not looked at; `helm4`: all new pods available and every old pod deleted, still
   draining), then a second rollback probe;
6. steady-to: the `to` release alone.

Kubernetes and Helm cannot run here; what they would do is played from their documented behaviour:
rolling updates https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#rolling-update-deployment,
Helm 3 `--wait` (pkg/kube/ready.go: the new ReplicaSet's readyReplicas only), Helm 4 (kstatus: terminating
pods not counted), pod termination and probes as in pods.py, endpoint propagation as in endpoints.py.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from djhelm import envnames
from djhelm.errors import InputError, Problem, RehearsalError
from djhelm.rehearse.database import Database, failed_statements, throwaway_postgres
from djhelm.rehearse.endpoints import Endpoints
from djhelm.rehearse.jobs import APPLICATION_NAME as JOB_APPLICATION_NAME
from djhelm.rehearse.jobs import run_job
from djhelm.rehearse.kubeenv import SecretSource, container_env, host_env
from djhelm.rehearse.load import HttpLoad, OrmLoad, fill
from djhelm.rehearse.locks import LockSampler, LongTransaction
from djhelm.rehearse.manifests import Container, Job, Manifests, Workload, read_manifests
from djhelm.rehearse.pods import Pod, Timing, local_mounts, next_address
from djhelm.rehearse.record import Recorder
from djhelm.rehearse.releases import Release, checked_out

READY_TIMEOUT_SECONDS = 180
APPLICATION_PREFIX = "djhelm-rehearse"


@dataclass(frozen=True)
class Options:
    project_dir: Path
    from_ref: str
    to_ref: str
    config: Path  # djhelm.yaml, relative to the project folder of each release
    helm: str
    database_url: str | None = None
    python_from: Path | None = None
    python_to: Path | None = None
    load_paths: tuple[str, ...] = ()
    secrets: dict[str, str] = field(default_factory=dict)
    duration_scale: float = 1.0
    endpoint_delay: float = 2.0
    steady_seconds: float = 10.0
    rows: int = 200
    rate: float = 20.0
    hook_timing: str = "helm3"  # helm3 | helm4 | argocd
    data: Path | None = None  # a Django fixture loaded after the from release's migrate, before the rows
    long_transaction: tuple[str, float] | None = None  # (table, seconds): held from the start of pre
    logs: Path | None = None  # where every pod's and Job's log is kept; None: thrown away with the rest
    kube_version: str = "1.33"


@dataclass
class Stage:
    """One release as the rehearsal plays it: its code, its rendered chart, its pods."""

    release: Release
    manifests: Manifests
    host: str  # the Host header its probes send (a name ALLOWED_HOSTS takes)
    paths: list[str]


def _render(release: Release, options: Options, workdir: Path) -> Manifests:
    from djhelm.chart import render_chart, write_chart
    from djhelm.config import load_config
    from djhelm.validation.helm import render_chart as helm_template

    config_path = release.project / options.config
    if not config_path.is_file():
        raise InputError(
            Problem(
                f"{release.ref}:{options.config}",
                "no djhelm.yaml in this release",
                "--config",
                fix="run `djhelm init` in the project and commit djhelm.yaml",
            )
        )
    files = render_chart(load_config(config_path), config_label=options.config.name)
    chart = workdir / f"chart-{release.label}"
    write_chart(files, chart, force=True)
    rendered = helm_template(options.helm, chart, options.kube_version, release="rehearsal")
    return read_manifests(rendered.text, f"{release.ref}:{options.config}")


def _paths(release: Release, manifests: Manifests, given: tuple[str, ...]) -> list[str]:
    if given:
        return list(given)
    from djhelm.project.locate import require_manage_py, settings_module_in_manage_py
    from djhelm.project.pysource import parse_file
    from djhelm.project.settings import read_settings
    from djhelm.project.urls import fixed_routes

    manage = require_manage_py(release.project)
    module = settings_module_in_manage_py(parse_file(manage, "manage.py"), str(manage))
    info = read_settings(release.project, module)
    urlconf = info.values.get("ROOT_URLCONF")
    import ast

    name = urlconf[0].value if urlconf and isinstance(urlconf[0], ast.Constant) else None
    probes = {
        p.path
        for p in (
            manifests.web.container.readiness,
            manifests.web.container.liveness,
            manifests.web.container.startup,
        )
        if p is not None
    }
    routes = [
        path
        for path in fixed_routes(release.project, str(name) if name else None)
        if path not in probes and not path.startswith("/admin")
    ]
    return routes or ["/"]


def _host(manifests: Manifests) -> str:
    container = manifests.web.container
    for probe in (container.readiness, container.startup, container.liveness):
        if probe is not None and probe.host:
            return probe.host
    return "localhost"


class Rehearsal:
    def __init__(self, options: Options, recorder: Recorder, workdir: Path) -> None:
        self.options = options
        self.recorder = recorder
        self.workdir = workdir
        self.logs = workdir / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.timing = Timing(options.duration_scale, options.endpoint_delay * options.duration_scale)
        self.endpoints = Endpoints(self.timing.endpoint_delay)
        self.pods: list[Pod] = []
        self.loads: list[HttpLoad | OrmLoad] = []
        self.secrets: SecretSource | None = None
        self._count = 0
        self.notes: list[str] = []

    # -- pods and env ------------------------------------------------------------------------------------

    def env(self, stage: Stage, container: Container, address: str, pod_name: str) -> dict[str, str]:
        """The container's env as the kubelet gives it, its volumes folders of the pod's own here."""
        assert self.secrets is not None
        fields = {
            "status.podIP": address,
            "metadata.name": pod_name,
            "metadata.namespace": "rehearsal",
            "spec.nodeName": "rehearsal-node",
            "status.hostIP": "127.0.0.1",
        }
        env = container_env(
            container.env,
            container.env_from,
            stage.manifests.config_maps,
            self.secrets,
            fields,
            host_env(stage.release.bin),
        )
        # libpq names the session after the pod, so the database's log says whose code sent a failed statement
        env.setdefault("PGAPPNAME", f"{APPLICATION_PREFIX}:{pod_name}")
        return local_mounts(env, container.mounts, self.workdir / "pods" / pod_name)

    def new_pod(self, stage: Stage, endpoints: Endpoints | None = None) -> Pod:
        self._count += 1
        web = stage.manifests.web
        name = f"{stage.release.label}-web-{self._count}"
        address = next_address(web.container.ports.get("http", 8000))
        inits = [(c, self.env(stage, c, address, name)) for c in web.init_containers]
        env = self.env(stage, web.container, address, name)
        pod = Pod(
            name,
            stage.release,
            web.container,
            env,
            address,
            web.grace_seconds,
            self.timing,
            endpoints,
            self.recorder,
            self.logs,
            inits,
        )
        self.pods.append(pod)
        pod.start()
        return pod

    def wait_ready(self, pods: list[Pod]) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        for pod in pods:
            while not pod.ready.wait(0.2):
                if pod.crashed():
                    raise RehearsalError(
                        f"{pod.name} ({pod.release}) exited before it was ready; its log ends:\n"
                        f"{pod.log_tail()}"
                    )
                if time.monotonic() > deadline:
                    raise RehearsalError(
                        f"{pod.name} ({pod.release}) was not ready after {READY_TIMEOUT_SECONDS}s; "
                        f"its log ends:\n{pod.log_tail()}"
                    )

    def orm_load(self, stage: Stage, phase: str | None = None) -> OrmLoad:
        web = stage.manifests.web
        env = self.env(stage, web.container, "127.0.0.1", f"{stage.release.label}-orm")
        # the workload is this release's code running: it registers like a server, so a post phase waits
        # (unless the user turned the registry off for the rehearsal, to see what happens without it)
        env.setdefault(envnames.PROCESS_REGISTRY, "on")
        load = OrmLoad(
            stage.release,
            env,
            self.recorder,
            self.logs / f"orm-{stage.release.label}.log",
            rate=max(2.0, self.options.rate / 2),
            phase=phase,
        )
        load.start()
        self.loads.append(load)
        return load

    # -- steps -------------------------------------------------------------------------------------------

    def prepare_database(self, old: Stage) -> None:
        env = self.env(old, old.manifests.web.container, "127.0.0.1", "setup")
        steps = [("migrating the database to", ["migrate", "--noinput"])]
        if self.options.data is not None:
            steps.append(("loading --data with", ["loaddata", str(self.options.data.absolute())]))
        for what, arguments in steps:
            done = subprocess.run(
                [str(old.release.python), "manage.py", *arguments],
                cwd=old.release.project,
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            with open(self.logs / "setup.log", "a", encoding="utf-8") as log:
                log.write(done.stdout + done.stderr)
            if done.returncode != 0:
                raise RehearsalError(
                    f"{what} the {old.release.ref} release failed:\n"
                    f"{(done.stderr or done.stdout).strip()[-3000:]}"
                )
        summary = fill(old.release, env, self.options.rows, self.logs / "setup-fill.log")
        self.recorder.event(f"database at {old.release.ref}'s schema; {summary}")

    def run_jobs(self, stage: Stage, jobs: list[Job]) -> bool:
        ok = True
        for job in jobs:
            address = next_address()

            def env_of(name: str, job: Job = job, address: str = address) -> dict[str, str]:
                container = next(c for c in job.containers if c.name == name)
                return self.env(stage, container, address, job.name)

            run = run_job(job, stage.release, env_of, self.recorder, self.logs, address)
            ok = ok and run.ok
        return ok

    def rollback_probe(self, old: Stage, phase: str) -> None:
        """A rollback starts pods of the old release on the schema as it is now: one such pod, its HTTP load
        and its ORM load, for a few seconds."""
        self.recorder.event(f"rollback probe: one {old.release.ref} pod on the current schema")
        private = Endpoints(0)
        pod = self.new_pod(old, private)
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS * self.timing.scale + 30
        # a refusing init container (the rollback guard) or a crash settles it: no need to wait it out
        while (
            not pod.ready.is_set()
            and time.monotonic() < deadline
            and not pod.init_failures
            and not pod.crashed()
        ):
            time.sleep(0.1)
        if not pod.ready.is_set():
            last = (pod.log_tail(5).splitlines() or ["(no output)"])[-1]
            self.recorder.sample(
                old.release.label,
                "http",
                "(pod start)",
                False,
                0.0,
                f"the {old.release.ref} pod did not become ready: {last}",
                phase=phase,
            )
        http = HttpLoad(
            private,
            old.paths,
            old.host,
            self.recorder,
            rate=max(4.0, self.options.rate / 2),
            threads=2,
            phase=phase,
        )
        orm = self.orm_load(old, phase=phase)
        if pod.ready.is_set():
            http.start()
        time.sleep(max(2.0, 5 * self.timing.scale))
        if pod.ready.is_set():
            http.stop()
        orm.stop()
        pod.terminate(wait=True)

    def roll(
        self,
        old: Stage,
        new: Stage,
        old_pods: list[Pod],
        with_jobs: list[Job],
        post_jobs: list[Job],
        start_new_orm: threading.Event,
    ) -> bool:
        """The Deployment controller's rolling update, and the post hook at Helm's moment."""
        web = new.manifests.web
        desired = web.replicas
        max_total = desired + web.max_surge
        min_available = desired - web.max_unavailable
        min_ready = self.timing.seconds(web.min_ready_seconds)
        new_pods: list[Pod] = []
        beside_ok: list[bool] = []
        beside = threading.Thread(target=lambda: beside_ok.append(self.run_jobs(new, with_jobs)), daemon=True)
        beside.start()
        post_thread: threading.Thread | None = None
        post_ok = [True]
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS + desired * (web.grace_seconds + 60)
        while True:
            if beside_ok == [False] and not any(p.ready.is_set() for p in new_pods):
                # the new pods wait for migrations that failed: in a cluster the Deployment stalls until
                # progressDeadlineSeconds and the old pods keep serving; nothing more to play
                self.recorder.event("rollout stalled: the new pods wait for migrations whose Job failed")
                for pod in new_pods:
                    pod.terminate()
                return False
            if time.monotonic() > deadline:
                raise RehearsalError(
                    "the rolling update made no progress: "
                    + "; ".join(f"{p.name}: {p.log_tail(3)}" for p in new_pods)
                )
            alive_old = [p for p in old_pods if not p.terminating.is_set()]
            if len(alive_old) + len(new_pods) < max_total and len(new_pods) < desired:
                new_pods.append(self.new_pod(new, self.endpoints))
                continue
            if any(p.ready.is_set() for p in new_pods):
                start_new_orm.set()
            available = sum(p.available(min_ready) for p in new_pods) + sum(
                p.ready.is_set() for p in alive_old
            )
            removable = available - min_available
            for pod in alive_old[: max(0, removable)]:
                pod.terminate()
            if post_thread is None and post_jobs and self._post_may_start(new_pods, old_pods, desired, web):
                self.recorder.enter("post")
                post_thread = threading.Thread(
                    target=lambda: post_ok.__setitem__(0, self.run_jobs(new, post_jobs)), daemon=True
                )
                post_thread.start()
            if not alive_old and len(new_pods) == desired and all(p.available(min_ready) for p in new_pods):
                break
            time.sleep(0.05)
        self.recorder.event("rollout complete: every new pod available")
        for pod in old_pods:
            pod.exited.wait(timeout=web.grace_seconds + 30)
        beside.join()
        if post_thread is not None:
            post_thread.join()
        return post_ok[0] and beside_ok != [False]

    def _post_may_start(self, new_pods: list[Pod], old_pods: list[Pod], desired: int, web: Workload) -> bool:
        if self.options.hook_timing in ("helm4", "argocd"):
            # Helm 4's kstatus Current and Argo CD's Healthy (which gates PostSync) agree here: updated ==
            # available == replicas, terminating pods not counted
            min_ready = self.timing.seconds(web.min_ready_seconds)
            return (
                len(new_pods) == desired
                and all(p.available(min_ready) for p in new_pods)
                and all(p.terminating.is_set() for p in old_pods)
            )
        # Helm 3 --wait: the new ReplicaSet's readyReplicas >= replicas - maxUnavailable; old pods ignored
        ready = sum(p.ready.is_set() for p in new_pods)
        return ready >= desired - web.max_unavailable

    def stop_everything(self) -> None:
        for load in self.loads:
            load.stop()
        for pod in self.pods:
            pod.kill()
            for line in pod.logged_errors():
                self.recorder.server_error(pod.release, line)
        self.endpoints.close()


def _release_of(application_name: str) -> str:
    """djhelm-rehearse:from-web-1 -> from; a migration Job's session -> migration job; else other."""
    if application_name.startswith(JOB_APPLICATION_NAME):
        return "migration job"
    name = application_name.removeprefix(f"{APPLICATION_PREFIX}:")
    return name.split("-", 1)[0] if name.startswith(("from-", "to-")) else "other"


@contextmanager
def _database(options: Options) -> Iterator[Database]:
    if options.database_url:
        yield Database(options.database_url, None)
    else:
        with throwaway_postgres() as database:
            yield database


@contextmanager
def _cleaned_up_on_signals() -> Iterator[None]:
    """SIGTERM and SIGHUP end the rehearsal through its `finally` blocks (pods killed, worktrees and the
    throwaway database removed) instead of leaving servers listening behind it."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def rehearse(options: Options, recorder: Recorder) -> list[str]:
    """Play the rollout; everything observed lands in ``recorder``. Returns notes for the report."""
    with _cleaned_up_on_signals():
        return _rehearse(options, recorder)


def _rehearse(options: Options, recorder: Recorder) -> list[str]:
    workdir = Path(tempfile.mkdtemp(prefix="djhelm-rehearse-"))
    notes: list[str] = []
    try:
        with ExitStack() as stack:
            old_release = stack.enter_context(
                checked_out(options.project_dir, options.from_ref, "from", options.python_from, workdir)
            )
            new_release = stack.enter_context(
                checked_out(options.project_dir, options.to_ref, "to", options.python_to, workdir)
            )
            old_manifests = _render(old_release, options, workdir)
            new_manifests = _render(new_release, options, workdir)
            old = Stage(
                old_release,
                old_manifests,
                _host(old_manifests),
                _paths(old_release, old_manifests, options.load_paths),
            )
            new = Stage(
                new_release,
                new_manifests,
                _host(new_manifests),
                _paths(new_release, new_manifests, options.load_paths),
            )
            database = stack.enter_context(_database(options))
            play = Rehearsal(options, recorder, workdir)
            play.secrets = SecretSource(database.url, dict(options.secrets))
            try:
                _play(play, old, new, database.url)
            finally:
                play.stop_everything()
                notes.extend(play.notes)
                if database.log is not None:
                    for application, error, statement in failed_statements(database.log):
                        recorder.database_error(_release_of(application), error, statement)
    finally:
        if options.logs is not None and (workdir / "logs").is_dir():
            shutil.copytree(workdir / "logs", options.logs, dirs_exist_ok=True)
        shutil.rmtree(workdir, ignore_errors=True)
    return notes


def _play(play: Rehearsal, old: Stage, new: Stage, url: str) -> None:
    recorder = play.recorder
    steady = max(2.0, play.options.steady_seconds * play.timing.scale)
    recorder.enter("setup")
    play.prepare_database(old)
    sampler = LockSampler(url, recorder)
    sampler.start()
    try:
        recorder.enter("steady-from")
        old_pods = [play.new_pod(old, play.endpoints) for _ in range(old.manifests.web.replicas)]
        play.wait_ready(old_pods)
        time.sleep(play.timing.endpoint_delay + 0.1)  # the balancers learn of the pods
        http = HttpLoad(
            play.endpoints,
            sorted(set(old.paths) | set(new.paths)),
            new.host,
            recorder,
            rate=play.options.rate,
        )
        http.start()
        play.loads.append(http)
        old_orm = play.orm_load(old)
        time.sleep(steady)

        holder: LongTransaction | None = None
        if play.options.long_transaction is not None:
            table, seconds = play.options.long_transaction
            holder = LongTransaction(url, table, seconds, recorder)
            holder.start()
            time.sleep(0.5)  # it holds its lock before any migration asks for one
        jobs = new.manifests.jobs
        before = [j for j in jobs if j.when == "before"]
        beside = [j for j in jobs if j.when == "with"]
        after = [j for j in jobs if j.when == "after"]
        if before:
            recorder.enter("pre")
            if not play.run_jobs(new, before):
                recorder.event("a pre-upgrade hook failed: Helm stops the upgrade here")
                time.sleep(steady)
                return
            play.rollback_probe(old, "rollback-after-pre")
        recorder.enter("rollout")
        start_new_orm = threading.Event()

        def new_code_runs() -> None:
            start_new_orm.wait()  # the first new pod is ready: the new code runs from now on
            play.orm_load(new)

        def old_code_gone() -> None:
            for pod in old_pods:
                pod.exited.wait()
            old_orm.stop()  # the old code's workload ends with its last pod

        threading.Thread(target=new_code_runs, daemon=True).start()
        old_gone = threading.Thread(target=old_code_gone, daemon=True)
        old_gone.start()
        play.roll(old, new, old_pods, beside, after, start_new_orm)
        old_gone.join(timeout=60)
        if holder is not None:
            holder.join()
            if holder.error:
                play.notes.append(holder.error)
        recorder.enter("steady-to")
        time.sleep(steady)
        if after:
            # last, so that the phases above stay the release's own; the schema is the same by now
            play.rollback_probe(old, "rollback-after-post")
    finally:
        sampler.stop()
        if sampler.error:
            play.notes.append(sampler.error)
        recorder.finish()
