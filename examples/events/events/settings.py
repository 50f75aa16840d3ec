"""Settings for the events example (ASGI under uvicorn, background work in Celery). Everything that differs
between environments comes from environment variables; the Helm chart sets them from its ConfigMap and
Secrets.
"""

import os
from pathlib import Path

from djhelm.runtime.db import ROUTER, databases_from_env, replica_options_from_env

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ["SECRET_KEY"]
DEBUG = env_bool("DEBUG")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # request, latency and status metrics; the chart's metrics container serves them (docs/monitoring.md)
    "django_prometheus",
    "djhelm.runtime",
    "agenda",
]

MIDDLEWARE = [
    # First, so Kubernetes probes (Host: <pod IP>) are answered before ALLOWED_HOSTS is enforced.
    "events.health.ProbeMiddleware",
    # after the probe answers, so the kubelet's checks do not count as traffic
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Read-your-writes: after a client writes, its reads go to the primary for a few seconds.
    "djhelm.runtime.replicas.middleware.ReplicaPinningMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "events.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

ASGI_APPLICATION = "events.asgi.application"

# The primary comes from DATABASE_URL; read replicas, when the chart configures them, from
# DATABASE_REPLICA_URLS / DATABASE_REPLICA_WEIGHTS. The router sends reads to healthy replicas and falls
# back to the primary. Under ASGI each request may run its queries on another thread, so persistent
# connections would pile up (Django's docs: disable them under ASGI); put PgBouncer in front for pooling.
DATABASES = databases_from_env(conn_max_age=0)
DATABASE_ROUTERS = [ROUTER]
DJHELM_REPLICAS = replica_options_from_env()
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = int(
        os.environ.get("DATABASE_CONNECT_TIMEOUT", "3")
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = os.environ.get("DJANGO_STATIC_ROOT", str(BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT")
SECURE_REDIRECT_EXEMPT = [r"^healthz/"]
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_SECURE_HSTS_SECONDS", "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS")
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD")
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# Celery: the broker URL usually carries a password, so the chart takes it from a Secret.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "redis://localhost:6379/0")
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or None
if CELERY_BROKER_URL.startswith("filesystem://"):
    # Local development and tests without Redis: messages are files in one shared folder.
    _queue_dir = os.environ.get("CELERY_FILESYSTEM_DIR", str(BASE_DIR / ".celery-queue"))
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": _queue_dir,
        "data_folder_out": _queue_dir,
        "control_folder": os.path.join(_queue_dir, "control"),
    }
# A task is acknowledged after it ran: a worker stopped mid-task (rolling update, eviction) hands it back.
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
# Beat keeps its schedule state on a writable path even when the image's filesystem is read-only.
CELERY_BEAT_SCHEDULE_FILENAME = os.environ.get("CELERY_BEAT_SCHEDULE_FILENAME", "/tmp/celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "send-event-reminders": {
        "task": "agenda.tasks.send_reminders",
        "schedule": float(os.environ.get("EVENTS_REMINDER_INTERVAL_SECONDS", "300")),
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
}
