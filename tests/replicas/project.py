"""A small real Django project, written to a temp dir, wired for read replicas as docs/replicas.md says.

Its views report which server answered each query with ``inet_server_port()``, so tests can tell the primary
from the standby by port.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

FILES: dict[str, str] = {
    "manage.py": """
        import os
        import sys

        if __name__ == "__main__":
            os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_cfg.settings")
            from django.core.management import execute_from_command_line

            execute_from_command_line(sys.argv)
    """,
    "site_cfg/__init__.py": "",
    "site_cfg/settings.py": """
        from djhelm.runtime import db

        SECRET_KEY = "replica-tests-only"
        DEBUG = False
        ALLOWED_HOSTS = ["*"]
        USE_TZ = True
        INSTALLED_APPS = [
            "django.contrib.contenttypes",
            "django.contrib.auth",
            "djhelm.runtime",
            "items",
        ]
        MIDDLEWARE = [db.MIDDLEWARE]
        ROOT_URLCONF = "site_cfg.urls"
        DATABASES = db.databases_from_env()
        DATABASE_ROUTERS = [db.ROUTER]
        DJHELM_REPLICAS = db.replica_options_from_env()
        DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
        LOGGING = {
            "version": 1,
            "handlers": {"stderr": {"class": "logging.StreamHandler"}},
            "loggers": {"djhelm.replicas": {"handlers": ["stderr"], "level": "INFO"}},
        }
    """,
    "site_cfg/urls.py": """
        from django.urls import path

        from items import views

        urlpatterns = [
            path("read", views.read),
            path("aread", views.aread),
            path("write", views.write),
            path("atomic-read", views.atomic_read),
            path("read-kill-read", views.read_kill_read),
            path("stream-kill", views.stream_kill),
        ]
    """,
    "site_cfg/wsgi.py": """
        import os

        from django.core.wsgi import get_wsgi_application

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_cfg.settings")
        application = get_wsgi_application()
    """,
    "site_cfg/asgi.py": """
        import os

        from django.core.asgi import get_asgi_application

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_cfg.settings")
        application = get_asgi_application()
    """,
    "items/__init__.py": "",
    "items/migrations/__init__.py": "",
    "items/models.py": """
        from django.db import models
        from django.db.models import Func


        class Item(models.Model):
            name = models.CharField(max_length=50)
            # the port of the server that executed the INSERT: proves where writes land
            port = models.IntegerField(db_default=Func(function="inet_server_port"))
    """,
    "items/migrations/0001_initial.py": """
        from django.db import migrations, models
        from django.db.models import Func


        class Migration(migrations.Migration):
            initial = True
            dependencies = []
            operations = [
                migrations.CreateModel(
                    name="Item",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                        ("name", models.CharField(max_length=50)),
                        ("port", models.IntegerField(db_default=Func(function="inet_server_port"))),
                    ],
                ),
            ]
    """,
    "items/views.py": """
        import os

        import psycopg
        from asgiref.sync import sync_to_async
        from django.db import connections, transaction
        from django.http import JsonResponse

        from items.models import Item


        def read_port():
            # an ORM read routed like any other: the raw query goes through db_for_read
            row = list(Item.objects.raw("SELECT 0 AS id, inet_server_port() AS server_port"))[0]
            return row.server_port


        def read(request):
            return JsonResponse({"port": read_port(), "items": Item.objects.count()})


        async def aread(request):
            return JsonResponse({"port": await sync_to_async(read_port)()})


        def write(request):
            item = Item.objects.create(name=request.GET.get("name", "x"))
            return JsonResponse({"written_on": item.port, "read_after_write": read_port()})


        def atomic_read(request):
            with transaction.atomic():
                return JsonResponse({"port": read_port()})


        def read_kill_read(request):
            first = read_port()
            pid = connections["replica_1"].connection.info.backend_pid
            # end this worker's replica session from outside, as a replica restart or failover would
            with psycopg.connect(os.environ["STANDBY_DSN"], autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", [pid])
            second = read_port()
            third = read_port()
            return JsonResponse({"ports": [first, second, third]})


        def stream_kill(request):
            # a streamed read (server-side cursor, one row per fetch) whose replica session ends mid-stream
            seen = []
            try:
                for item in Item.objects.order_by("id").iterator(chunk_size=1):
                    if not seen:
                        replica = connections["replica_1"]
                        pid = replica.connection.info.backend_pid if replica.connection else None
                        with psycopg.connect(os.environ["STANDBY_DSN"], autocommit=True) as admin:
                            admin.execute("SELECT pg_terminate_backend(%s)", [pid])
                    seen.append(item.port)
            except Exception as exc:
                return JsonResponse({"error": type(exc).__name__, "module": type(exc).__module__,
                                     "ports": seen})
            return JsonResponse({"error": None, "ports": seen})
    """,
}


def write_project(root: Path) -> Path:
    for relative, text in FILES.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text).lstrip())
    return root
