"""A real multi-release Django project on disk (code trees sharing one database), plus its load driver.

v1: shop.Product(name, legacy_code) and shop.Note.
v2: adds Product.sku (nullable) and Product.stock (db_default), builds an index concurrently, drops
    legacy_code (the v2 model no longer has it) and deletes Note. 0002-0004 expand (pre), 0005-0006 contract.
v3: v2 plus 0007 adding Product.color (pre), to show an earlier release's missing contract phase.
v4: v2 plus two RunPython migrations declared pre (0007 atomic, 0008 not) that report the session's
    timeouts and can be made slow (to be killed midway).
v5: v2 plus 0007 adding a NOT NULL field with a Python-side default: blocked by the checker.
v6: v2 plus 0007 creating Tag and 0008 adding a NOT NULL field with a Python-side default to it: fine, the
    table is new in this release (old code has never heard of it).
"""

from __future__ import annotations

import textwrap
from pathlib import Path

SETTINGS = """
import os
import dj_database_url

SECRET_KEY = "test-only"
DEBUG = False
USE_TZ = True
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "djhelm.runtime",
    "shop",
]
DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"])}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
ROOT_URLCONF = "proj.urls"
DJHELM_MIGRATIONS = {"LOCK_TIMEOUT": "200ms", "RETRY_DELAY": "100ms", "RETRY_MAX_DELAY": "400ms",
                     "LOCK_RETRIES": 30, "WAIT_INTERVAL": "100ms"}
"""

MANAGE = """
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proj.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
"""

MODELS_V1 = """
from django.db import models


class Product(models.Model):
    name = models.CharField(max_length=100)
    legacy_code = models.CharField(max_length=20, null=True)


class Note(models.Model):
    text = models.TextField()
"""

MODELS_V2 = """
from django.db import models


class Product(models.Model):
    name = models.CharField(max_length=100)
    sku = models.CharField(max_length=20, null=True)
    stock = models.IntegerField(db_default=0)

    class Meta:
        indexes = [models.Index(fields=["name"], name="shop_product_name_idx")]
"""

MODELS_V3 = MODELS_V2.replace(
    "    stock = models.IntegerField(db_default=0)\n",
    "    stock = models.IntegerField(db_default=0)\n    color = models.CharField(max_length=20, null=True)\n",
)

M0001 = """
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [
        migrations.CreateModel(
            name="Product",
            fields=[
                ("id", models.BigAutoField(
                    auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=100)),
                ("legacy_code", models.CharField(max_length=20, null=True)),
            ],
        ),
        migrations.CreateModel(
            name="Note",
            fields=[
                ("id", models.BigAutoField(
                    auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("text", models.TextField()),
            ],
        ),
    ]
"""

M0002 = """
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]
    operations = [migrations.AddField("product", "sku", models.CharField(max_length=20, null=True))]
"""

M0003 = """
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0002_product_sku")]
    operations = [migrations.AddField("product", "stock", models.IntegerField(db_default=0))]
"""

M0004 = """
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("shop", "0003_product_stock")]
    operations = [
        AddIndexConcurrently("product", models.Index(fields=["name"], name="shop_product_name_idx")),
    ]
"""

M0005 = """
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("shop", "0004_product_name_idx")]
    operations = [migrations.RemoveField("product", "legacy_code")]
"""

M0006 = """
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("shop", "0005_remove_product_legacy_code")]
    operations = [migrations.DeleteModel("Note")]
"""

M0007 = """
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0006_delete_note")]
    operations = [migrations.AddField("product", "color", models.CharField(max_length=20, null=True))]
"""

PROBE = """
import json
import os
import time

from django.db import migrations


def probe(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute("SHOW lock_timeout")
        lock_timeout = cursor.fetchone()[0]
        cursor.execute("SHOW statement_timeout")
        statement_timeout = cursor.fetchone()[0]
    if os.environ.get("SHOP_PROBE_FILE"):
        with open(os.environ["SHOP_PROBE_FILE"], "a") as handle:
            handle.write(json.dumps({"migration": __name__.rsplit(".", 1)[-1], "lock_timeout": lock_timeout,
                                     "statement_timeout": statement_timeout,
                                     "in_transaction": connection.in_atomic_block}) + "\\n")
    if os.environ.get("SHOP_PROBE_FAIL"):
        raise ValueError("probe failed on purpose")
    if ATOMIC and os.environ.get("SHOP_SLOW_SECONDS"):
        apps.get_model("shop", "Product").objects.create(name="half-done")
        open(os.environ["SHOP_SLOW_MARKER"], "w").close()
        time.sleep(float(os.environ["SHOP_SLOW_SECONDS"]))


class Migration(migrations.Migration):
    atomic = ATOMIC
    djhelm_phase = "pre"
    dependencies = [("shop", "PARENT")]
    operations = [migrations.RunPython(probe, migrations.RunPython.noop)]
"""

M0007_BLOCKED = """
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0006_delete_note")]
    operations = [migrations.AddField("product", "weight", models.IntegerField(default=1))]
"""

M0007_TAG = """
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0006_delete_note")]
    operations = [
        migrations.CreateModel(
            name="Tag",
            fields=[
                ("id", models.BigAutoField(
                    auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("label", models.CharField(max_length=20)),
            ],
        ),
    ]
"""

M0008_TAG_WEIGHT = """
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0007_tag")]
    operations = [migrations.AddField("tag", "weight", models.IntegerField(default=1))]
"""

MODELS_V6 = MODELS_V2 + """

class Tag(models.Model):
    label = models.CharField(max_length=20)
    weight = models.IntegerField(default=1)
"""

# Reads and writes through the ORM in a loop until the stop file appears; one JSON summary at the end.
LOAD = """
import collections
import json
import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proj.settings")
import django

django.setup()
from django.db import connection
from shop import models

stop_file, out_file, ready_file = sys.argv[1:4]
ok = failed = 0
worst = 0.0
errors = collections.Counter()


def ops_v1(i):
    models.Product.objects.create(name=f"p{i}", legacy_code="L")
    list(models.Product.objects.order_by("-id")[:20])
    models.Note.objects.create(text="n")
    models.Note.objects.count()


def ops_v2(i):
    product = models.Product.objects.create(name=f"p{i}", sku="S")
    list(models.Product.objects.order_by("-id")[:20])
    models.Product.objects.filter(stock__gte=0).count()
    models.Product.objects.filter(pk=product.pk).update(sku="T")


ops = ops_v2 if hasattr(models.Product, "sku") else ops_v1
i = 0
while not os.path.exists(stop_file):
    i += 1
    started = time.monotonic()
    try:
        ops(i)
        ok += 1
    except Exception as exc:
        failed += 1
        errors[f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"] += 1
    worst = max(worst, time.monotonic() - started)
    if i == 1:
        open(ready_file, "w").close()
    time.sleep(0.002)
with open(out_file, "w") as handle:
    json.dump({"iterations": i, "ok": ok, "failed": failed, "worst_ms": round(worst * 1000, 1),
               "errors": dict(errors.most_common(5))}, handle)
"""


# A page that reads the model as this release's code knows it (v1 selects legacy_code too).
URLS = """
from django.http import JsonResponse
from django.urls import path

from shop.models import Product


def products(request):
    return JsonResponse({"names": [p.name for p in Product.objects.order_by("-id")[:20]]})


urlpatterns = [path("products/", products)]
"""

WSGI = """
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proj.settings")
application = get_wsgi_application()
"""


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip())


def write_release(root: Path, version: int) -> Path:
    """Write the code tree of release ``version`` (1 to 6) under ``root``; returns its directory."""
    tree = root / f"v{version}"
    _write(tree / "manage.py", MANAGE)
    _write(tree / "load.py", LOAD)
    _write(tree / "proj" / "__init__.py", "")
    _write(tree / "proj" / "settings.py", SETTINGS)
    _write(tree / "proj" / "urls.py", URLS)
    _write(tree / "proj" / "wsgi.py", WSGI)
    _write(tree / "shop" / "__init__.py", "")
    models = {1: MODELS_V1, 3: MODELS_V3, 6: MODELS_V6}.get(version, MODELS_V2)
    if version == 5:
        models += "    weight = models.IntegerField(default=1)\n"
    _write(tree / "shop" / "models.py", models)
    migrations = {"0001_initial": M0001}
    if version >= 2:
        migrations |= {
            "0002_product_sku": M0002,
            "0003_product_stock": M0003,
            "0004_product_name_idx": M0004,
            "0005_remove_product_legacy_code": M0005,
            "0006_delete_note": M0006,
        }
    if version == 3:
        migrations["0007_product_color"] = M0007
    if version == 4:
        migrations["0007_probe_atomic"] = PROBE.replace("ATOMIC", "True").replace(
            "PARENT", "0006_delete_note"
        )
        migrations["0008_probe_not_atomic"] = PROBE.replace("ATOMIC", "False").replace(
            "PARENT", "0007_probe_atomic"
        )
    if version == 5:
        migrations["0007_product_weight"] = M0007_BLOCKED
    if version == 6:
        migrations |= {"0007_tag": M0007_TAG, "0008_tag_weight": M0008_TAG_WEIGHT}
    _write(tree / "shop" / "migrations" / "__init__.py", "")
    for name, text in migrations.items():
        _write(tree / "shop" / "migrations" / f"{name}.py", text)
    return tree
