"""Turn what was read from a Django project into a commented djhelm.yaml.

Every choice gets a comment saying where it came from and what to change; options that need the user's
knowledge (hosts, image, replicas) get safe placeholders marked TODO.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from djhelm.chart.generated import default_of
from djhelm.init.secrets import is_chart_owned, is_secret, secret_key_name
from djhelm.init.yamltext import Block, Entry, Flow, render
from djhelm.project import DjangoProject, EnvRead

# Settings packages named like this say nothing about the project; the folder name is used instead.
_GENERIC_PACKAGES = frozenset(
    ("config", "settings", "project", "core", "conf", "src", "app", "main", "django", "web", "site")
)
_HOSTS = re.compile(r"ALLOWED_HOSTS$")
_ORIGINS = re.compile(r"(TRUSTED_ORIGINS|CORS_ALLOWED_ORIGINS)$")
_DEBUG = re.compile(r"^(DJANGO_)?DEBUG$")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
MAX_NAME = 53  # Helm release names stop at 53 characters; a chart name longer than that is never useful


def _declared(path: str, **details: Any) -> Entry:
    """The key at ``path`` with the default declared for it (values_spec), which init writes out so the
    file shows what the chart will do."""
    default = default_of(path)
    if not isinstance(default, str | int):
        raise TypeError(f"{path}: init writes scalar defaults only, not {default!r}")
    return Entry(path.rpartition(".")[2], default, **details)


def dns_label(text: str) -> str:
    """``My_Shop`` -> ``my-shop``: a DNS-1123 label usable as the chart name."""
    label = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:MAX_NAME].strip("-")
    if label and not label[0].isalpha():
        label = f"app-{label}"[:MAX_NAME].strip("-")
    return label or "django-app"


def project_name(project: DjangoProject) -> str:
    package = project.settings_module.split(".")[0]
    if package.lower() in _GENERIC_PACKAGES:
        return dns_label(project.root.name)
    return dns_label(package)


def _relative_dir(project_root: Path, output: Path) -> str:
    relative = os.path.relpath(project_root, output.resolve().parent)
    return Path(relative).as_posix()


def _where(read: EnvRead) -> str:
    return f"read in {read.source}"


def _env_entries(project: DjangoProject, name: str) -> tuple[list[Entry], list[Entry]]:
    """(env entries, secretEnv entries) for every variable the settings read."""
    env: list[Entry] = []
    secret: list[Entry] = []
    for read in sorted(project.env_reads, key=lambda r: r.name):
        if is_chart_owned(read.name):
            continue
        if not _ENV_NAME.match(read.name):
            # The config schema refuses such a name; shown commented (without its value, which may be a
            # secret) so the user learns about it, instead of init failing on its own output.
            note = f"not a name djhelm.yaml accepts ([A-Za-z_][A-Za-z0-9_]*); {_where(read)}"
            env.append(Entry(read.name, "", note=note, disabled=True))
            continue
        if is_secret(read.name, read.default):
            reference: dict[str, Flow] = {"secretName": f"{name}-django", "key": secret_key_name(read.name)}
            if read.required:
                note = _where(read)
            elif read.default is not None:
                # A default in the code is usually a developer's value (redis://localhost): do not fall back.
                note = f"{_where(read)}; required here, so the code's default never reaches production"
            else:
                # The code runs without it (a feature switched off): a missing key must not stop the pod.
                reference["optional"] = True
                note = f"{_where(read)}; optional: the settings work without it"
            secret.append(Entry(read.name, reference, note=note))
        elif _HOSTS.search(read.name):
            env.append(
                Entry(read.name, f"{name}.example.com", note=f"TODO: your public host names; {_where(read)}")
            )
        elif _ORIGINS.search(read.name):
            env.append(Entry(read.name, f"https://{name}.example.com", note=f"TODO: {_where(read)}"))
        elif _DEBUG.match(read.name):
            # the spelling the settings read as off: ast.literal_eval("false") raises; "False" != "0"
            value = read.false_value or "false"
            env.append(Entry(read.name, value, note=f"never true in production; {_where(read)}"))
        elif read.required and read.false_value is not None:
            # parsed as a switch: a placeholder would crash the parse (decouple) or might read as on;
            # off is the one value that cannot start a feature nobody asked for
            env.append(
                Entry(
                    read.name,
                    read.false_value,
                    note=f"TODO: required by the settings, which read it as on/off; off here; {_where(read)}",
                )
            )
        elif read.required:
            env.append(Entry(read.name, "change-me", note=f"TODO: required by the settings; {_where(read)}"))
        elif read.default is not None:
            env.append(
                Entry(read.name, read.default, note=f"the settings' default; {_where(read)}", disabled=True)
            )
        else:
            env.append(Entry(read.name, "", note=f"optional; {_where(read)}", disabled=True))
    if not any(read.name in {"SECRET_KEY", "DJANGO_SECRET_KEY"} for read in project.env_reads):
        secret.append(
            Entry(
                "SECRET_KEY",
                {"secretName": f"{name}-django", "key": "secret-key"},
                note="TODO: the settings do not read it from the environment yet",
            )
        )
        secret.sort(key=lambda entry: entry.key)
    return env, secret


def _web(project: DjangoProject) -> Entry:
    entry = project.entrypoint
    health = project.health
    readiness = health.readiness or "/healthz/ready"
    liveness = health.liveness or "/healthz/live"
    found = f"found in {health.source}" if health.source else ""
    ready_note = (
        found if health.readiness else "TODO: not found in urls.py; add a view that checks the database"
    )
    live_note = (
        found if health.liveness else "TODO: not found in urls.py; add a view that never touches the database"
    )
    server_comment = [f"{entry.server}: {entry.reason}."]
    if entry.server == "uvicorn":
        server_comment.append(
            "The chart runs `uvicorn <application> --timeout-graceful-shutdown <graceful>`."
        )
    elif entry.server == "granian":
        server_comment.append(
            "The chart runs `granian --interface <interface> <application> "
            "--workers-kill-timeout <graceful>`."
        )
    else:
        server_comment.append("The chart runs `gunicorn <application> --graceful-timeout <graceful>`.")
    return Entry(
        "web",
        Block(
            [
                Entry("server", entry.server, comment=server_comment),
                Entry("application", entry.application),
                *([Entry("interface", entry.interface)] if entry.interface else []),
                _declared("web.port"),
                _declared("web.replicas", note="two or more, so a rolling update always has a ready pod"),
                _declared("web.workers", note="server worker processes per pod"),
                _declared(
                    "web.gracefulTimeoutSeconds",
                    comment=[
                        "On SIGTERM the server finishes in-flight requests for this long; the chart sizes "
                        "the pod's terminationGracePeriodSeconds from it plus preStopSeconds (the wait for "
                        "load balancers to let go).",
                    ],
                ),
                _declared("web.preStopSeconds"),
                Entry(
                    "readinessPath",
                    readiness,
                    note=ready_note,
                    comment=[
                        "Readiness may check the database; liveness must not (a database outage would "
                        "restart every pod).",
                    ],
                ),
                Entry("livenessPath", liveness, note=live_note),
                Entry("startupPath", liveness, note="gives slow boots time before liveness counts"),
                Entry(
                    "resources",
                    Block(
                        [
                            Entry("requests", {"cpu": "100m", "memory": "256Mi"}),
                            Entry("limits", {"memory": "512Mi"}),
                        ]
                    ),
                    note="TODO: measure your app and adjust",
                ),
                Entry(
                    "autoscaling",
                    {
                        "enabled": False,
                        "minReplicas": 2,
                        "maxReplicas": 6,
                        "targetCPUUtilizationPercentage": 70,
                    },
                ),
            ]
        ),
        comment=["The web Deployment."],
    )


def _database(project: DjangoProject, name: str) -> Entry:
    migration = next((r for r in project.env_reads if r.name == "DATABASE_MIGRATION_URL"), None)
    if project.reads_database_url:
        read = next(r for r in project.env_reads if r.name == "DATABASE_URL")
        comment = [f"The settings read DATABASE_URL ({read.source}); the chart sets it from this Secret key."]
    else:
        comment = [
            "TODO: the settings do not read DATABASE_URL, but the chart passes the database that way.",
            'Make them read it, e.g. DATABASES = {"default": dj_database_url.config()}.',
        ]
    comment.append(
        "Secrets are referenced, never copied: create them before installing (see the top of this file)."
    )
    return Entry(
        "database",
        Block(
            [
                Entry("url", {"secretName": f"{name}-db", "key": "url"}),
                Entry(
                    "migrationUrl",
                    {"secretName": f"{name}-db", "key": "direct-url"},
                    disabled=migration is None,
                    comment=[
                        "Migrations through a direct connection to the primary (not PgBouncer), when you "
                        "have one:",
                        "the chart passes it as DATABASE_MIGRATION_URL to migration Jobs only.",
                    ],
                ),
                Entry(
                    "replicas",
                    [{"name": "replica1", "secretName": f"{name}-db", "key": "replica1-url", "weight": 1}],
                    disabled=True,
                    comment=["Read replicas (DATABASE_REPLICA_URLS in web and worker pods):"],
                ),
            ]
        ),
        comment=comment,
    )


def _migrations(project: DjangoProject) -> Entry:
    if project.uses_djhelm_runtime:
        phases_note = "djhelm.runtime is in INSTALLED_APPS: expand before the rollout, contract after it"
    else:
        phases_note = 'add "djhelm.runtime" to INSTALLED_APPS to split expand (pre) and contract (post)'
    return Entry(
        "migrations",
        Block(
            [
                _declared(
                    "migrations.strategy",
                    note="a pre-install/pre-upgrade Job; argocd for Argo CD, job for plain Jobs",
                ),
                Entry("phases", project.uses_djhelm_runtime, note=phases_note),
                _declared(
                    "migrations.lockTimeout",
                    note="a DDL statement gives up instead of queueing every query behind it",
                ),
                _declared("migrations.statementTimeout"),
                _declared("migrations.activeDeadlineSeconds", note="below `helm upgrade --timeout 10m`"),
                _declared("migrations.backoffLimit"),
                _declared(
                    "migrations.waitTimeoutSeconds", note="how long new pods wait for the schema they need"
                ),
            ]
        ),
        comment=["How and when `manage.py migrate` runs during install and upgrade."],
    )


def _processes(project: DjangoProject) -> Entry | None:
    celery = project.celery
    if celery is None:
        return None
    return Entry(
        "processes",
        Block(
            [
                Entry(
                    "worker", {"kind": "celery-worker", "app": celery.app, "replicas": 2, "concurrency": 2}
                ),
                Entry(
                    "beat",
                    {"kind": "celery-beat", "app": celery.app},
                    disabled=not celery.has_beat_schedule,
                    note=celery.beat_reason
                    + ("; beat always runs as a single pod" if celery.has_beat_schedule else ""),
                ),
            ]
        ),
        comment=[f"Celery app found in {celery.source}."],
    )


def _monitoring(project: DjangoProject) -> Entry:
    """On when the project already exports request metrics (django-prometheus), else off with the hint."""
    exporter = project.installed_apps is not None and "django_prometheus" in project.installed_apps
    if not exporter:
        return Entry(
            "monitoring",
            {"enabled": False},
            note="add django-prometheus to the image and INSTALLED_APPS, then enable (docs/monitoring.md)",
        )
    return Entry(
        "monitoring",
        Block(
            [
                Entry("enabled", True, note="django_prometheus is in INSTALLED_APPS"),
                Entry(
                    "labels",
                    {"release": "kube-prometheus-stack"},
                    disabled=True,
                    note="TODO: the labels your Prometheus selects PodMonitors and PrometheusRules by",
                ),
            ]
        ),
        comment=["A metrics container, a PodMonitor and deploy alerts (prometheus-operator CRDs)."],
    )


def _header(
    project: DjangoProject, name: str, secrets: list[Entry], project_dir: str, file_name: str
) -> list[str]:
    read = ["manage.py", *project.settings_files]
    if project.health.source:
        read.append(project.health.source)
    if project.celery:
        read.append(project.celery.source.file)
    lines = [
        f"{file_name} for the Django project in {project_dir} (written by `djhelm init`).",
        f"Read, without importing anything: {', '.join(dict.fromkeys(read))}.",
        f"Edit the lines marked TODO, then: djhelm render {file_name} --output charts/{name}",
        "Every key is described in djhelm's docs/init.md and schemas/djhelm-config.schema.json.",
        "",
        "Secrets this chart references (create them in the release namespace first):",
        f"  kubectl create secret generic {name}-db --from-literal=url='postgres://USER:PASSWORD@HOST:5432/DB'",
    ]
    keys = " ".join(
        f"--from-literal={entry.value['key']}=..."
        for entry in secrets  # type: ignore[index]
        if isinstance(entry.value, dict)
    )
    if keys:
        lines.append(f"  kubectl create secret generic {name}-django {keys}")
    if project.notes:
        lines.extend(["", "Check:", *(f"  - {note}" for note in project.notes)])
    return lines


def build(project: DjangoProject, output: Path) -> str:
    """The text of djhelm.yaml for ``project``, to be written at ``output`` (its paths are relative to it)."""
    name = project_name(project)
    env, secret = _env_entries(project, name)
    project_dir = _relative_dir(project.root, output)
    static = (
        f"STATIC_URL is {project.static_url!r}, STATIC_ROOT is {project.static_root}: run collectstatic "
        "while building the image"
        if project.static_root
        else "STATIC_ROOT is not set: set it and run collectstatic while building the image"
    )
    entries = [
        Entry("name", name, note="chart name (DNS-1123 label)"),
        Entry("description", f"Django project {project.settings_module.split('.')[0]}"),
        Entry(
            "image",
            Block(
                [
                    Entry(
                        "repository",
                        f"registry.example.com/{name}",
                        note="TODO: where your CI pushes the image",
                    ),
                    Entry("tag", "0.1.0", note="TODO: set per release (helm upgrade --set image.tag=...)"),
                    Entry("pullPolicy", "IfNotPresent"),
                ]
            ),
            comment=[static + "."],
        ),
        Entry(
            "django",
            Block(
                [
                    Entry(
                        "settingsModule",
                        project.settings_module,
                        note="manage.py's DJANGO_SETTINGS_MODULE default",
                    ),
                    Entry("projectDir", project_dir, note="folder with manage.py, relative to this file"),
                ]
            ),
        ),
        _web(project),
        Entry(
            "ingress",
            {
                "enabled": False,
                "className": "nginx",
                "host": f"{name}.example.com",
                "tlsSecretName": f"{name}-tls",
            },
            note="TODO: enable and set your host",
        ),
        Entry(
            "env",
            Block(env),
            comment=[
                "Non-secret settings (a ConfigMap). Commented lines are variables the settings read that "
                "have a default in the code; uncomment to override.",
            ],
        ),
        Entry(
            "secretEnv",
            Block(secret),
            comment=["Variables whose values are secrets: Secret references, never values."],
        ),
        _database(project, name),
        _migrations(project),
        _monitoring(project),
    ]
    processes = _processes(project)
    if processes:
        entries.append(processes)
    return render(_header(project, name, secret, project_dir, output.name), entries)
