"""Reading a Django project from its files: environment reads, split settings, URLs, Celery, names."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

from djhelm.init import dns_label
from djhelm.init.secrets import is_chart_owned, is_secret
from djhelm.project import read_project
from djhelm.project.envreads import env_reads, merge_reads
from tests.init.conftest import manage_py, write_tree


def reads(source: str) -> dict[str, tuple[str | None, bool]]:
    found = merge_reads(env_reads(ast.parse(textwrap.dedent(source)), "settings.py"))
    return {read.name: (read.default, read.required) for read in found}


def test_os_environ_forms() -> None:
    assert reads("""
        import os
        from os import environ, getenv
        A = os.environ["A"]
        B = os.environ.get("B", "bee")
        C = os.getenv("C")
        D = environ.get("D", 3)
        E = getenv("E", True)
        os.environ.setdefault("F", "eff")
    """) == {"A": (None, True), "B": ("bee", False), "C": (None, False), "D": ("3", False),
             "E": ("true", False), "F": ("eff", False)}


def test_writes_and_computed_names_are_not_reads() -> None:
    assert reads("""
        import os
        os.environ["WRITTEN"] = "1"
        name = "X"
        VALUE = os.environ.get(name)
        OTHER = os.environ.get(f"PREFIX_{name}")
    """) == {}


def test_django_environ_and_decouple() -> None:
    assert reads("""
        import environ
        from decouple import config
        settings_env = environ.Env(DEBUG=(bool, False))
        DEBUG = settings_env.bool("DEBUG", default=False)
        DATABASES = {"default": settings_env.db()}
        CACHES = {"default": settings_env.cache("REDIS_URL")}
        HOSTS = settings_env.list("ALLOWED_HOSTS", default=["a"])
        KEY = settings_env("SECRET_KEY")
        TOKEN = config("API_TOKEN")
        LEVEL = config("LOG_LEVEL", default="INFO")
    """) == {"DEBUG": ("false", False), "DATABASE_URL": (None, True), "REDIS_URL": (None, True),
             "ALLOWED_HOSTS": (None, False), "SECRET_KEY": (None, True), "API_TOKEN": (None, True),
             "LOG_LEVEL": ("INFO", False)}


def test_dj_database_url_config_reads_database_url() -> None:
    assert reads("""
        import dj_database_url
        DATABASES = {"default": dj_database_url.config(conn_max_age=60)}
        OTHER = dj_database_url.config(env="REPORTING_DB_URL", default="sqlite:///x")
    """) == {"DATABASE_URL": (None, True), "REPORTING_DB_URL": ("sqlite:///x", False)}


def test_local_helpers_whose_first_parameter_names_the_variable() -> None:
    assert reads("""
        import os
        def env_bool(name, default=False):
            return os.environ.get(name, str(default)).lower() == "true"
        def required(key):
            return os.environ[key]
        DEBUG = env_bool("DEBUG")
        SSL = env_bool("SSL_REDIRECT", True)
        KEY = required("SECRET_KEY")
    """) == {"DEBUG": ("false", False), "SSL_REDIRECT": ("true", False), "SECRET_KEY": (None, True)}


def test_split_settings_are_followed_in_import_order(tmp_path: Path) -> None:
    project = write_tree(tmp_path / "My_Site", {
        "manage.py": manage_py("config.settings"),
        "config/__init__.py": "",
        "config/settings/__init__.py": "from .production import *\n",
        "config/settings/base.py": """
            import os
            SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
            WSGI_APPLICATION = "config.wsgi.application"
            ROOT_URLCONF = "config.urls"
            STATIC_URL = "/assets/"
        """,
        "config/settings/production.py": """
            from config.settings.base import *
            import os
            ASGI_APPLICATION = "config.asgi.application"
            SENTRY_DSN = os.environ.get("SENTRY_DSN")
        """,
        "config/urls.py": """
            from django.urls import include, path
            urlpatterns = [path("ops/", include("ops.urls")), path("<slug:x>/", lambda r: r)]
        """,
        "ops/urls.py": """
            from django.urls import path, re_path
            urlpatterns = [re_path(r"^ping$", lambda r: r), path("status/ready", lambda r: r)]
        """,
    })
    found = read_project(project)
    assert found.settings_files == ("config/settings/__init__.py", "config/settings/production.py",
                                    "config/settings/base.py")
    assert [read.name for read in found.env_reads] == ["DJANGO_SECRET_KEY", "SENTRY_DSN"]
    # A later file's ASGI_APPLICATION wins over base's WSGI_APPLICATION, as at import time.
    assert (found.entrypoint.server, found.entrypoint.application) == ("uvicorn", "config.asgi:application")
    assert found.static_url == "/assets/"
    assert (found.health.readiness, found.health.liveness) == ("/ops/status/ready", "/ops/ping")


def test_entrypoint_from_files_when_settings_say_nothing(tmp_path: Path) -> None:
    project = write_tree(tmp_path / "p", {
        "manage.py": manage_py("app1.settings"),
        "app1/settings.py": "X = 1\n",
        "app1/asgi.py": "application = None\n",
    })
    found = read_project(project)
    assert (found.entrypoint.server, found.entrypoint.application) == ("uvicorn", "app1.asgi:application")


def test_lone_health_url_is_readiness_only(tmp_path: Path) -> None:
    project = write_tree(tmp_path / "p", {
        "manage.py": manage_py("p.settings"),
        "p/settings.py": 'ROOT_URLCONF = "p.urls"\n',
        "p/urls.py": 'from django.urls import path\nurlpatterns = [path("health/", lambda r: r)]\n',
    })
    health = read_project(project).health
    assert (health.readiness, health.liveness) == ("/health/", None)


def test_routes_under_a_parameter_are_not_probe_paths_and_inline_includes_keep_their_prefix(
        tmp_path: Path) -> None:
    """pretalx's `event/<slug:event>/` include holds a `live` route (an organiser page that puts an event
    live, behind a login): it is not `/live`, and no probe can use it."""
    urls = textwrap.dedent("""
        from django.urls import include, path
        urlpatterns = [
            path("orga/event/<slug:event>/", include([path("live", v), path("ping", v)])),
            path("ops/", include([path("ready", v), path("alive/", v)])),
        ]
    """)
    project = write_tree(tmp_path / "p", {
        "manage.py": manage_py("p.settings"),
        "p/settings.py": 'ROOT_URLCONF = "p.urls"\n',
        "p/urls.py": urls,
    })
    health = read_project(project).health
    assert (health.readiness, health.liveness) == ("/ops/ready", "/ops/alive/")


def test_env_reads_in_a_module_the_settings_import_by_name_count(tmp_path: Path) -> None:
    """pretalx: settings call build_config() from a project module that reads PRETALX_DB_*; a library's
    module (not in the project) and that module's own imports are not read."""
    project = write_tree(tmp_path / "p", {
        "manage.py": manage_py("p.settings"),
        "p/settings.py": "from p.conf import build\nimport json\nDATABASES = build()\n",
        "p/conf.py": "import os\nfrom p import deep\ndef build():\n    return os.getenv('P_DB_NAME')\n",
        "p/deep.py": "import os\nX = os.environ['DEEP_ONLY']\n",
    })
    assert [read.name for read in read_project(project).env_reads] == ["P_DB_NAME"]


@pytest.mark.parametrize(("files", "told"), [
    ({"requirements.txt": "Django>=5\ngunicorn==23.0  # server\n"}, False),
    ({"requirements/base.txt": "Django\nUvicorn[standard]\n"}, True),  # uvicorn is no gunicorn
    ({"pyproject.toml": '[project]\nname="x"\ndependencies=["django", "gunicorn>=22"]\n'}, False),
    ({"pyproject.toml": '[tool.poetry.dependencies]\npython="^3.11"\nGunicorn="*"\n'}, False),
    ({"setup.cfg": "[options]\ninstall_requires =\n    django\n    celery\n"}, True),
    ({"Dockerfile": 'FROM python\nRUN pip install -r requirements.txt && pip install "gunicorn==25.1.0"\n',
      "requirements.txt": "django\n"}, False),
    ({}, False),  # nothing says what the image installs: nothing to tell
])
def test_a_server_the_image_does_not_install_is_told(tmp_path: Path, files: dict[str, str],
                                                     told: bool) -> None:
    project = write_tree(tmp_path / "p", {"manage.py": manage_py("p.settings"), "p/settings.py": "X = 1\n",
                                          "p/wsgi.py": "application = None\n", **files})
    notes = [note for note in read_project(project).notes if "the chart runs gunicorn" in note]
    assert bool(notes) == told, notes


@pytest.mark.parametrize(("files", "where"), [
    ({"Dockerfile": "FROM python\nCMD set -xe; python manage.py migrate --noinput; gunicorn p.wsgi\n"},
     "Dockerfile:2"),
    ({"Procfile": "release: python manage.py migrate\nweb: python manage.py migrate && gunicorn p.wsgi\n"},
     "Procfile:2"),
    ({"Procfile": "release: python manage.py migrate\nweb: gunicorn p.wsgi\n"}, None),
    ({"Dockerfile": 'FROM python\nCMD ["sh", "-c", "python manage.py migrate --check && gunicorn p.wsgi"]\n'},
     None),
])
def test_migrate_in_the_images_serving_command_is_told(tmp_path: Path, files: dict[str, str],
                                                       where: str | None) -> None:
    project = write_tree(tmp_path / "p", {"manage.py": manage_py("p.settings"), "p/settings.py": "X = 1\n",
                                          "p/wsgi.py": "application = None\n", **files})
    notes = [note for note in read_project(project).notes if "runs `manage.py migrate`" in note]
    assert [note.split(" ")[0] for note in notes] == ([where] if where else [])


def test_celery_app_beside_settings_wins(tmp_path: Path) -> None:
    project = write_tree(tmp_path / "p", {
        "manage.py": manage_py("main.settings"),
        "main/settings.py": "INSTALLED_APPS = ['django_celery_beat']\n",
        "main/celery.py": "from celery import Celery\ncelery_app = Celery('main')\n",
        "other/worker.py": "from celery import Celery\napp = Celery('other')\n",
        "docs/notes.py": "text = 'Celery(' \n",
    })
    celery = read_project(project).celery
    assert celery is not None
    assert celery.app == "main.celery:celery_app"
    assert celery.has_beat_schedule and "django_celery_beat" in celery.beat_reason


def test_no_celery(tmp_path: Path) -> None:
    project = write_tree(tmp_path / "p", {"manage.py": manage_py("p.settings"), "p/settings.py": "X = 1\n"})
    assert read_project(project).celery is None


@pytest.mark.parametrize(("text", "label"), [
    ("shop", "shop"), ("My_Site", "my-site"), ("2fast", "app-2fast"), ("___", "django-app"),
    ("a" * 80, "a" * 53),
])
def test_dns_label(text: str, label: str) -> None:
    assert dns_label(text) == label


@pytest.mark.parametrize(("name", "default", "secret"), [
    ("SECRET_KEY", None, True), ("DJANGO_SECRET_KEY", None, True), ("EMAIL_HOST_PASSWORD", None, True),
    ("GITHUB_TOKEN", None, True), ("STRIPE_API_KEY", None, True), ("SENTRY_DSN", None, True),
    ("CELERY_BROKER_URL", None, True), ("REDIS_URL", None, True), ("AWS_SECRET_ACCESS_KEY", None, True),
    ("CACHE_LOCATION", "redis://user:hunter2@cache:6379/0", True),
    ("DEBUG", None, False), ("DJANGO_ALLOWED_HOSTS", None, False), ("SITE_URL", "https://x.example", False),
    ("KEY_PREFIX", None, False),
    ("db_password", None, True), ("Secret_Key", None, True), ("PASS", None, True),
    ("CACHES", ' redis://user:hunter2@cache:6379/0', True),
])
def test_secret_classification(name: str, default: str | None, secret: bool) -> None:
    assert is_secret(name, default) is secret


@pytest.mark.parametrize(("name", "default"), [
    ("db_password", None), ("Secret_Key", None), ("PASS", None), ("DB_PASS", None), ("api_token", None),
    ("sentry_dsn", None), ("CONF", '{"url": "postgres://u:pw@db/x"}'), ("CACHES", " redis://u:pw@c/0"),
    ("DEBUG", None), ("SITE_URL", "https://x.example"),
])
def test_init_never_writes_an_env_entry_render_rejects(name: str, default: str | None) -> None:
    """init puts every non-secret variable under `env`; the config checker must accept all of them."""
    import json

    from djhelm.config import parse_config
    from djhelm.errors import ConfigError

    config = {
        "name": "shop",
        "image": {"repository": "ghcr.io/acme/shop", "tag": "1.0"},
        "django": {"settingsModule": "shop.settings"},
        "web": {"application": "shop.wsgi:application"},
        "database": {"url": {"secretName": "shop-db", "key": "url"}},
        "env": {name: default or "change-me"},
    }
    try:
        parse_config(json.dumps(config))
    except ConfigError as error:
        assert is_secret(name, default), f"render would reject init's env entry {name}: {error}"


def test_chart_owned_variables() -> None:
    assert is_chart_owned("DATABASE_URL") and is_chart_owned("DJHELM_LOCK_TIMEOUT")
    assert not is_chart_owned("DATABASE_CONNECT_TIMEOUT")


def test_cookiecutter_django_layout(tmp_path: Path) -> None:
    """manage.py defaults to the local settings; production settings sit beside them (django-environ)."""
    project = write_tree(tmp_path / "acme_portal", {
        "manage.py": manage_py("config.settings.local"),
        "config/__init__.py": "",
        "config/settings/__init__.py": "",
        "config/settings/base.py": """
            import environ
            env = environ.Env()
            DATABASES = {"default": env.db("DATABASE_URL")}
            WSGI_APPLICATION = "config.wsgi.application"
            ROOT_URLCONF = "config.urls"
            CELERY_BROKER_URL = env("CELERY_BROKER_URL")
        """,
        "config/settings/local.py": """
            from .base import *
            SECRET_KEY = env("DJANGO_SECRET_KEY", default="dev-only")
            DEBUG = True
        """,
        "config/settings/production.py": """
            from .base import *
            SECRET_KEY = env("DJANGO_SECRET_KEY")
            ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["example.com"])
            SENTRY_DSN = env("SENTRY_DSN")
        """,
        "config/wsgi.py": "application = None\n",
        "config/celery_app.py": """
            from celery import Celery
            app = Celery("acme_portal")
        """,
        "config/urls.py": "urlpatterns = []\n",
    })
    found = read_project(project)
    assert found.settings_module == "config.settings.production"
    assert "manage.py defaults to config.settings.local" in found.notes[0]
    assert (found.entrypoint.server, found.entrypoint.application) == ("gunicorn", "config.wsgi:application")
    assert {read.name for read in found.env_reads} == {
        "DATABASE_URL", "CELERY_BROKER_URL", "DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "SENTRY_DSN"}
    assert found.celery is not None and found.celery.app == "config.celery_app:app"
    assert not any("DEBUG = True" in note for note in found.notes)  # that was the local settings


def test_settings_module_without_a_production_sibling_is_kept(tmp_path: Path) -> None:
    project = write_tree(tmp_path / "p", {"manage.py": manage_py("p.settings.dev"),
                                          "p/settings/__init__.py": "", "p/settings/dev.py": "X = 1\n"})
    assert read_project(project).settings_module == "p.settings.dev"


@pytest.mark.parametrize(("line", "server", "application"), [
    ("web: gunicorn proj.wsgi --log-file -", "gunicorn", "proj.wsgi:application"),
    ("web: gunicorn -w 3 -k uvicorn.workers.UvicornWorker proj.asgi:application", "uvicorn",
     "proj.asgi:application"),
    ("web: exec python -m uvicorn --host 0.0.0.0 --port $PORT proj.asgi:app", "uvicorn", "proj.asgi:app"),
    ("web: daphne -b 0.0.0.0 -p $PORT proj.asgi:application", "uvicorn", "proj.asgi:application"),
    ("web: granian --interface wsgi --workers 4 proj.wsgi:application", "granian", "proj.wsgi:application"),
    ("web: granian --interface asgi --host 0.0.0.0 proj.asgi:application", "granian",
     "proj.asgi:application"),
])
def test_procfile_web_process_decides_the_server(tmp_path: Path, line: str, server: str,
                                                 application: str) -> None:
    project = write_tree(tmp_path / "p", {
        "manage.py": manage_py("proj.settings"),
        "proj/settings.py": 'WSGI_APPLICATION = "proj.wsgi.application"\n',
        "Procfile": f"release: python manage.py migrate\n{line}\nworker: celery -A proj worker\n",
    })
    entrypoint = read_project(project).entrypoint
    assert (entrypoint.server, entrypoint.application) == (server, application)
    assert "Procfile:2" in entrypoint.reason


@pytest.mark.parametrize("line", [
    "web: python manage.py runserver 0.0.0.0:$PORT",
    # An application djhelm.yaml cannot hold (a variable, a dash in the module): init must not copy it.
    "web: gunicorn -k uvicorn.workers.UvicornWorker $APP_MODULE",
    "web: gunicorn proj-x.wsgi:application",
])
def test_procfile_without_a_known_web_server_is_ignored(tmp_path: Path, line: str) -> None:
    project = write_tree(tmp_path / "p", {
        "manage.py": manage_py("proj.settings"),
        "proj/settings.py": 'WSGI_APPLICATION = "proj.wsgi.application"\n',
        "Procfile": line + "\n",
    })
    entrypoint = read_project(project).entrypoint
    assert (entrypoint.server, entrypoint.application) == ("gunicorn", "proj.wsgi:application")
    assert "WSGI_APPLICATION" in entrypoint.reason


def test_granian_keeps_its_interface_and_daphne_is_replaced_with_a_reason(tmp_path: Path) -> None:
    files = {"manage.py": manage_py("proj.settings"),
             "proj/settings.py": 'WSGI_APPLICATION = "proj.wsgi.app"\n'}
    granian = read_project(write_tree(tmp_path / "g", {
        **files, "Procfile": "web: granian --interface asgi proj.asgi:application\n"})).entrypoint
    assert granian.interface == "asgi"
    # granian's own default interface is RSGI, which Django does not speak: not taken from the Procfile
    rsgi = read_project(write_tree(tmp_path / "r", {
        **files, "Procfile": "web: granian proj.asgi:application\n"})).entrypoint
    assert rsgi.server == "gunicorn" and "WSGI_APPLICATION" in rsgi.reason
    daphne = read_project(write_tree(tmp_path / "d", {
        **files, "Procfile": "web: daphne proj.asgi:application\n"})).entrypoint
    assert "daphne, which closes in-flight requests on SIGTERM" in daphne.reason


def test_a_uwsgi_procfile_is_named_in_a_note_and_the_settings_decide(tmp_path: Path) -> None:
    project = read_project(write_tree(tmp_path / "u", {
        "manage.py": manage_py("proj.settings"),
        "proj/settings.py": 'WSGI_APPLICATION = "proj.wsgi.application"\n',
        "Procfile": "web: uwsgi --http-socket :$PORT --module proj.wsgi:application --master\n",
    }))
    entrypoint = project.entrypoint
    assert (entrypoint.server, entrypoint.application) == ("gunicorn", "proj.wsgi:application")
    [note] = [note for note in project.notes if "uwsgi" in note]
    assert "Procfile:1" in note and "install it in the image" in note


def _false_values(source: str) -> dict[str, str | None]:
    found = merge_reads(env_reads(ast.parse(textwrap.dedent(source)), "settings.py"))
    return {read.name: read.false_value for read in found}


def test_how_the_settings_spell_off() -> None:
    assert _false_values("""
        import ast, os
        A = ast.literal_eval(os.environ.get("A", "False"))
        B = os.environ.get("B", "False") == "True"
        C = os.environ.get("C", "0") == "1"
        D = os.getenv("D", "no")
        E = bool(os.environ.get("E", ""))
        F = int(os.environ.get("F", "0"))
        G = os.environ.get("G")
    """) == {"A": "False", "B": "False", "C": "0", "D": "no", "E": "", "F": "0", "G": None}


def test_switches_without_a_default_get_their_parsers_off_spelling() -> None:
    """Required reads parsed as on/off: django-environ's env.bool and cast=bool, decouple's cast=bool (its
    strtobool raises on anything but its spellings), a comparison of os.environ[...]."""
    assert _false_values("""
        import os
        import environ
        from decouple import config
        env = environ.Env()
        A = env.bool("A")
        B = env("B", cast=bool)
        C = config("C", cast=bool)
        D = os.environ["D"] == "yes"
        E = config("E")
    """) == {"A": "false", "B": "False", "C": "False", "D": "no", "E": None}


def test_a_read_guarded_by_a_presence_test_is_optional() -> None:
    assert reads("""
        import os
        if "SENTRY_DSN" in os.environ:
            SENTRY = os.environ["SENTRY_DSN"]
        if os.getenv("REDIS_URL"):
            CACHE = os.environ["REDIS_URL"]
        KEY = os.environ["SECRET_KEY"]
    """) == {"SENTRY_DSN": (None, False), "REDIS_URL": (None, False), "SECRET_KEY": (None, True)}


@pytest.mark.parametrize(("settings", "warned"), [
    ("MIDDLEWARE = ['django.middleware.security.SecurityMiddleware']\n", True),
    ("MIDDLEWARE = ['django.middleware.security.SecurityMiddleware', "
     "'whitenoise.middleware.WhiteNoiseMiddleware']\n", False),
    ("MIDDLEWARE = []\nSTORAGES = {'staticfiles': {'BACKEND': 'storages.backends.s3.S3Storage'}}\n", False),
    ("MIDDLEWARE = BASE_MIDDLEWARE + ['x']\n", False),  # not a literal: djhelm cannot tell
])
def test_a_project_nothing_serves_static_files_for_is_told(
        tmp_path: Path, settings: str, warned: bool) -> None:
    write_tree(tmp_path, {"manage.py": manage_py("proj.settings"), "proj/__init__.py": "",
                          "proj/settings.py": settings})
    notes = read_project(tmp_path).notes
    assert any("nothing serves static files" in note for note in notes) is warned


@pytest.mark.parametrize(("dockerfile", "expected"), [
    ('HEALTHCHECK CMD curl -fsS http://localhost:8000/status/ || exit 1\n', ("/status/", "Dockerfile:1")),
    ('FROM python\nHEALTHCHECK --interval=30s \\\n  CMD wget -qO- "http://127.0.0.1/-/ready?full=1"\n',
     ("/-/ready", "Dockerfile:2")),
    ("HEALTHCHECK CMD python -c \"import urllib.request as u; u.urlopen('http://0.0.0.0:9000/ping')\"\n",
     ("/ping", "Dockerfile:1")),
    ("HEALTHCHECK NONE\n", None),
    ("HEALTHCHECK CMD pg_isready\n", None),
    ("CMD curl http://localhost/health/\n", None),  # not a health check
])
def test_the_dockerfiles_own_health_check(tmp_path: Path, dockerfile: str,
                                          expected: tuple[str, str] | None) -> None:
    from djhelm.project.dockerfile import healthcheck_path

    (tmp_path / "Dockerfile").write_text(dockerfile)
    assert healthcheck_path(tmp_path) == expected


def test_init_uses_the_dockerfile_health_check_when_urls_have_none(tmp_path: Path) -> None:
    write_tree(tmp_path, {"manage.py": manage_py("proj.settings"), "proj/__init__.py": "",
                          "proj/settings.py": "ROOT_URLCONF = 'proj.urls'\n",
                          "proj/urls.py": "urlpatterns = []\n",
                          "Dockerfile": "HEALTHCHECK CMD curl -f http://localhost:8000/status/\n"})
    health = read_project(tmp_path).health
    assert (health.readiness, health.source) == ("/status/", "Dockerfile:1")


@pytest.mark.parametrize(("dockerfile", "server", "application", "line"), [
    ('FROM python:3.12\nCMD ["gunicorn", "proj.wsgi:application", "--bind", "0.0.0.0:8000"]\n',
     "gunicorn", "proj.wsgi:application", 2),
    # shell form, migrations first: the last command is the server
    ("FROM python:3.12\nCMD python manage.py migrate && \\\n"
     "    exec uvicorn proj.asgi:application --port 80\n",
     "uvicorn", "proj.asgi:application", 2),
    ('FROM python:3.12\nCMD ["sh", "-c", "python manage.py collectstatic --noinput; granian --interface wsgi '
     'proj.wsgi:application"]\n', "granian", "proj.wsgi:application", 2),
    # the server as ENTRYPOINT, its arguments in CMD
    ('FROM python:3.12\nENTRYPOINT ["gunicorn"]\nCMD ["proj.wsgi:application", "-w", "4"]\n',
     "gunicorn", "proj.wsgi:application", 2),
    # an entrypoint script runs CMD; a multi-stage build's last CMD is the image's
    ('FROM python:3.12 AS build\nCMD ["pytest"]\nFROM python:3.12\nENTRYPOINT ["/docker-entrypoint.sh"]\n'
     'CMD ["uvicorn", "proj.asgi:application"]\n', "uvicorn", "proj.asgi:application", 5),
])
def test_the_dockerfile_cmd_decides_the_server(tmp_path: Path, dockerfile: str, server: str,
                                               application: str, line: int) -> None:
    project = write_tree(tmp_path / "p", {
        "manage.py": manage_py("proj.settings"),
        "proj/settings.py": 'WSGI_APPLICATION = "proj.wsgi.application"\n',
        "Dockerfile": dockerfile,
    })
    entrypoint = read_project(project).entrypoint
    assert (entrypoint.server, entrypoint.application) == (server, application)
    assert f"Dockerfile:{line}" in entrypoint.reason


def test_a_uwsgi_image_is_named_in_a_note(tmp_path: Path) -> None:
    project = read_project(write_tree(tmp_path / "u", {
        "manage.py": manage_py("proj.settings"),
        "proj/settings.py": 'WSGI_APPLICATION = "proj.wsgi.application"\n',
        "Dockerfile": 'FROM python:3.12\nCMD ["uwsgi", "--ini", "uwsgi.ini"]\n',
    }))
    assert project.entrypoint.server == "gunicorn" and "WSGI_APPLICATION" in project.entrypoint.reason
    assert any("uwsgi" in note and "Dockerfile:2" in note for note in project.notes)
