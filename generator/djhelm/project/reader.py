"""Read a Django project from disk into a DjangoProject, by parsing its files (never importing them)."""

from __future__ import annotations

import ast
from pathlib import Path

from djhelm.project.celery import find_celery_app
from djhelm.project.dockerfile import healthcheck_path, migrate_in_web_command, web_command
from djhelm.project.envreads import merge_reads
from djhelm.project.installs import image_installs
from djhelm.project.locate import module_file, require_manage_py, settings_module_in_manage_py, shown
from djhelm.project.model import DjangoProject, Entrypoint, HealthPaths, Source
from djhelm.project.procfile import UNSUPPORTED, migrate_in_web_line, read_procfile
from djhelm.project.pysource import literal_str, parse_file
from djhelm.project.settings import SettingsInfo, read_settings
from djhelm.project.urls import find_health_paths


def _setting_str(info: SettingsInfo, name: str) -> tuple[str | None, Source | None]:
    if name not in info.values:
        return None, None
    node, source = info.values[name]
    if isinstance(node, ast.JoinedStr | ast.BinOp):
        return None, source
    return literal_str(node), source


def _setting_text(info: SettingsInfo, name: str) -> str | None:
    """A setting's literal value, or the source text of its expression (``BASE_DIR / "static"``)."""
    if name not in info.values:
        return None
    node, _ = info.values[name]
    value = literal_str(node)
    return value if value is not None else ast.unparse(node)


def _installed_apps(info: SettingsInfo) -> tuple[str, ...] | None:
    if "INSTALLED_APPS" not in info.values:
        return None
    node, _ = info.values["INSTALLED_APPS"]
    if not isinstance(node, ast.List | ast.Tuple):
        return None
    return tuple(value for value in (literal_str(item) for item in node.elts) if value)


def _as_app_path(dotted: str) -> str:
    """``shop.wsgi.application`` (Django's setting form) -> ``shop.wsgi:application`` (the server's form)."""
    module, _, attribute = dotted.rpartition(".")
    return f"{module}:{attribute}"


def _entrypoint(root: Path, info: SettingsInfo, settings_module: str) -> tuple[Entrypoint, list[str]]:
    notes: list[str] = []
    asgi, asgi_at = _setting_str(info, "ASGI_APPLICATION")
    wsgi, wsgi_at = _setting_str(info, "WSGI_APPLICATION")
    package = settings_module.rsplit(".", 1)[0] if "." in settings_module else settings_module
    # Settings in a sub-package (proj/settings/prod.py) still sit beside proj/wsgi.py.
    while package.endswith(".settings") or package == "settings":
        package = package.rpartition(".")[0]
    asgi_file = module_file(root, f"{package}.asgi") if package else None
    wsgi_file = module_file(root, f"{package}.wsgi") if package else None
    apps = _installed_apps(info) or ()
    if asgi:
        return Entrypoint("uvicorn", _as_app_path(asgi), f"ASGI_APPLICATION is set ({asgi_at})"), notes
    for command in (read_procfile(root), web_command(root)):
        if command is None:
            continue
        if not command.server:
            notes.append(
                f"the production command runs {UNSUPPORTED[command.replaced]} ({command.where}): the chart "
                "runs another server below; install it in the image (gunicorn, uvicorn or granian drain "
                "in-flight requests on SIGTERM), or keep yours with `server: command` and `command: [...]` "
                "if it finishes in-flight requests within gracefulTimeoutSeconds after SIGTERM"
            )
            continue
        if command.replaced:
            runs = UNSUPPORTED.get(command.replaced, command.replaced)
            reason = (f"the production command runs {runs} ({command.where}); uvicorn serves the same ASGI "
                      "application and drains")
        else:
            reason = f"the production command runs it ({command.where})"
        return Entrypoint(command.server, command.application, reason, command.interface), notes
    if "channels" in apps or "daphne" in apps:
        target = f"{package}.asgi:application"
        return Entrypoint("uvicorn", target, "channels/daphne is in INSTALLED_APPS, which needs ASGI"), notes
    if wsgi:
        reason = f"WSGI_APPLICATION is set ({wsgi_at})"
        if asgi_file is not None:
            reason += (
                f"; {shown(root, asgi_file)} exists too: switch to uvicorn if the project serves async views"
            )
        return Entrypoint("gunicorn", _as_app_path(wsgi), reason), notes
    if asgi_file is not None and wsgi_file is None:
        return Entrypoint(
            "uvicorn", f"{package}.asgi:application", f"only {shown(root, asgi_file)} exists"
        ), notes
    if wsgi_file is not None:
        return Entrypoint(
            "gunicorn", f"{package}.wsgi:application", f"{shown(root, wsgi_file)} exists"
        ), notes
    notes.append(
        f"no WSGI_APPLICATION/ASGI_APPLICATION setting and no {package}/wsgi.py or asgi.py: "
        "check web.application"
    )
    return Entrypoint("gunicorn", f"{package}.wsgi:application", "Django's default layout (not found)"), notes


_DEVELOPMENT = {"local", "dev", "develop", "development", "debug"}
_PRODUCTION = ("production", "prod")


def _production_sibling(root: Path, module: str) -> str:
    """``config.settings.production`` when manage.py points at ``config.settings.local`` (cookiecutter-django
    and similar layouts keep the development settings as manage.py's default)."""
    package, _, last = module.rpartition(".")
    if not package or last not in _DEVELOPMENT:
        return module
    for name in _PRODUCTION:
        if module_file(root, f"{package}.{name}") is not None:
            return f"{package}.{name}"
    return module


def _hard_coded(info: SettingsInfo) -> list[str]:
    """Settings that must differ in production but are written into the code."""
    notes = []
    key, key_at = _setting_str(info, "SECRET_KEY")
    if key is not None:
        notes.append(
            f"SECRET_KEY is written in the code ({key_at}): read it from the environment "
            '(SECRET_KEY = os.environ["SECRET_KEY"]); secretEnv.SECRET_KEY then supplies it'
        )
    if "DEBUG" in info.values:
        node, at = info.values["DEBUG"]
        if isinstance(node, ast.Constant) and node.value is True:
            notes.append(f"DEBUG = True in the code ({at}): read it from the environment, false by default")
    if "ALLOWED_HOSTS" in info.values:
        node, at = info.values["ALLOWED_HOSTS"]
        if isinstance(node, ast.List | ast.Tuple):
            notes.append(
                f"ALLOWED_HOSTS is a fixed list ({at}): read it from the environment "
                "(e.g. DJANGO_ALLOWED_HOSTS, comma-separated) so each environment sets its hosts"
            )
    return notes


def _literal_strings(info: SettingsInfo, name: str) -> list[str] | None:
    if name not in info.values:
        return None
    node, _ = info.values[name]
    if not isinstance(node, ast.List | ast.Tuple):
        return None
    items = [item for item in node.elts if isinstance(item, ast.Constant)]
    return [item.value for item in items if isinstance(item.value, str)]


def _static_serving(info: SettingsInfo) -> list[str]:
    """Nothing serves static files in production when neither WhiteNoise nor a remote storage does:
    Django itself serves them only with DEBUG on, so the admin and every stylesheet answer 404."""
    middleware = _literal_strings(info, "MIDDLEWARE")
    if middleware is None or any("whitenoise" in entry.lower() for entry in middleware):
        return []
    storages = [text for name in ("STORAGES", "STATICFILES_STORAGE") if name in info.values
                for text in [ast.unparse(info.values[name][0])]]
    remote = ("storages.backends", "s3", "gcloud", "google", "azure", "cloudinary", "cdn")
    if any(word in text.lower() for text in storages for word in remote):
        return []
    return ["nothing serves static files in production: no WhiteNoise middleware and no remote static "
            "storage, and Django serves them only with DEBUG on (the admin and every stylesheet would "
            "answer 404). Add whitenoise.middleware.WhiteNoiseMiddleware after SecurityMiddleware, or a "
            "storage backend / CDN for STORAGES['staticfiles']"]


def _image_notes(root: Path, entrypoint: Entrypoint) -> list[str]:
    """What the image does that the chart will not: lack the server the chart runs, or migrate in its
    serving command (the chart gives pods their own command and migrates once, in a Job)."""
    notes = []
    installs = image_installs(root)
    if entrypoint.server and installs is not None and entrypoint.server not in installs[0]:
        notes.append(
            f"the chart runs {entrypoint.server}, which none of {', '.join(installs[1])} installs: add it to "
            "the image's requirements, or set web.server to the server the image has"
        )
    for where in (migrate_in_web_line(root), migrate_in_web_command(root)):
        if where is not None:
            notes.append(
                f"{where} runs `manage.py migrate` before the server: in the chart every pod gets its own "
                "command (the server only) and migrations run once per release in the migration Job; drop "
                "the migrate there, or keep it for local runs only"
            )
    return notes


def read_project(root: Path) -> DjangoProject:
    """Read the project whose manage.py is in ``root``. Raises ProjectError naming the file and the fix."""
    root = root.resolve()
    manage = require_manage_py(root)
    default_module = settings_module_in_manage_py(parse_file(manage, shown(root, manage)), str(manage))
    settings_module = _production_sibling(root, default_module)
    info = read_settings(root, settings_module)
    entrypoint, notes = _entrypoint(root, info, settings_module)
    if settings_module != default_module:
        notes.insert(
            0,
            f"manage.py defaults to {default_module}, a development settings module; the chart uses "
            f"{settings_module} (change django.settingsModule if that is wrong)",
        )
    apps = _installed_apps(info)
    urlconf, _ = _setting_str(info, "ROOT_URLCONF")
    health = find_health_paths(root, urlconf)
    if health.readiness is None:
        checked = healthcheck_path(root)
        if checked is not None:
            # the project's own container health check: an endpoint it already answers without a login
            health = HealthPaths(checked[0], health.liveness, checked[1])
    celery = find_celery_app(
        root,
        settings_module.split(".")[0],
        "CELERY_BEAT_SCHEDULE" in info.values,
        apps is not None and "django_celery_beat" in apps,
    )
    if apps is None:
        notes.append("INSTALLED_APPS is not a literal list: djhelm could not check for djhelm.runtime")
    notes.extend(_hard_coded(info))
    notes.extend(_static_serving(info))
    notes.extend(_image_notes(root, entrypoint))
    return DjangoProject(
        root=root,
        settings_module=settings_module,
        settings_files=tuple(info.files),
        entrypoint=entrypoint,
        env_reads=merge_reads(info.reads),
        installed_apps=apps,
        static_url=_setting_text(info, "STATIC_URL"),
        static_root=_setting_text(info, "STATIC_ROOT"),
        health=health,
        celery=celery,
        notes=tuple(notes),
    )
