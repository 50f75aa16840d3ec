"""Two releases of an example project, committed by the test into a real git repository: v1 is the example
as it is (plus whatever a scenario adds), v2 changes the schema the way real releases do."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-C", str(repo), "-c", "user.email=rehearse@test", "-c", "user.name=rehearse", *args],
        check=True,
        capture_output=True,
    )


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{path}: {old!r} not found (the example changed)"
    path.write_text(text.replace(old, new, 1))


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@dataclass(frozen=True)
class Repo:
    root: Path
    project: Path  # the example's folder inside it


def copy_example(tmp: Path, example: str) -> Repo:
    root = tmp / "repo"
    project = root / example
    shutil.copytree(
        REPO_ROOT / "examples" / example, project, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
    )
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    return Repo(root, project)


def commit(repo: Repo, tag: str) -> None:
    _git(repo.root, "add", "-A")
    _git(repo.root, "commit", "-q", "-m", tag)
    _git(repo.root, "tag", tag)


def set_migrations(repo: Repo, **values: str) -> None:
    """Change keys of djhelm.yaml's migrations section (`phases="true"`)."""
    config = repo.project / "djhelm.yaml"
    lines = config.read_text().splitlines()
    inside = False
    for index, line in enumerate(lines):
        if line.startswith("migrations:"):
            inside = True
            continue
        if inside and line and not line.startswith(" "):
            break
        key = line.strip().split(":", 1)[0]
        if inside and key in values:
            lines[index] = f"  {key}: {values[key]}"
    config.write_text("\n".join(lines) + "\n")


MIGRATION = """from django.db import migrations, models


class Migration(migrations.Migration):
{extra}    dependencies = [("{app}", "{parent}")]
    operations = [
{operations}
    ]
"""


def migration(repo: Repo, app: str, name: str, parent: str, operations: str, extra: str = "") -> None:
    _write(
        repo.project / app / "migrations" / f"{name}.py",
        MIGRATION.format(app=app, parent=parent, operations=operations, extra=extra),
    )


def doomed_model(repo: Repo, app: str, name: str, parent: str, extra_operations: str = "") -> None:
    """v1's model that v2 deletes: the class and its migration 0004."""
    models = repo.project / app / "models.py"
    models.write_text(models.read_text() + f'''

class {name}(models.Model):
    """Only v1 has it: v2 deletes the model."""

    label = models.CharField(max_length=200)
''')
    migration(repo, app, f"0004_{name.lower()}", parent, f"""        migrations.CreateModel(
            name="{name}",
            fields=[("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                    ("label", models.CharField(max_length=200))],
        ),{extra_operations}""")


def expand_contract_migrations(repo: Repo, app: str, model: str, indexed: str, index: str, dropped: str,
                               deleted: str) -> None:
    """v2's migrations 0005-0007: a nullable and a db_default column, a concurrent index (its own migration,
    not atomic), then the contract: ``dropped`` field and ``deleted`` model. The models must match."""
    models = repo.project / app / "models.py"
    models.write_text(models.read_text().split(f"\n\nclass {deleted}(")[0] + "\n")
    expand = f"""        migrations.AddField("{model}", "sku",
                            models.CharField(max_length=40, null=True, blank=True)),
        migrations.AddField("{model}", "featured", models.BooleanField(db_default=False, default=False)),"""
    migration(repo, app, "0005_expand", f"0004_{deleted.lower()}", expand)
    index_model = f'models.Index(fields=["{indexed}"], name="{index}")'
    build = f"""        AddIndexConcurrently("{model}", {index_model}),"""
    migration(repo, app, "0006_index", "0005_expand", build, extra="    atomic = False\n")
    _edit(repo.project / app / "migrations" / "0006_index.py", "from django.db import migrations, models\n",
          "from django.contrib.postgres.operations import AddIndexConcurrently\n"
          "from django.db import migrations, models\n")
    contract = f"""        migrations.RemoveField("{model}", "{dropped}"),
        migrations.DeleteModel("{deleted}"),"""
    migration(repo, app, "0007_contract", "0006_index", contract)


NEW_FIELDS = ("    sku = models.CharField(max_length=40, null=True, blank=True)\n"
              "    featured = models.BooleanField(db_default=False, default=False)\n")


# ---- shop: expand (nullable column, db_default column, concurrent index), contract (field, model) ----------


def shop_expand_contract(tmp: Path, phases: bool) -> Repo:
    repo = copy_example(tmp, "shop")
    set_migrations(repo, phases="true" if phases else "false")
    doomed_model(repo, "catalog", "Banner", "0003_product_in_stock")
    commit(repo, "v1")

    models = repo.project / "catalog" / "models.py"
    _edit(models, "    description = models.TextField(null=True, blank=True)\n", "")
    _edit(models, "    in_stock = models.BooleanField(db_default=True, default=True)\n",
          "    in_stock = models.BooleanField(db_default=True, default=True)\n" + NEW_FIELDS)
    _edit(models, '        ordering = ["name"]\n\n    def __str__',
          '        ordering = ["name"]\n'
          '        indexes = [models.Index(fields=["name"], name="product_name_idx")]'
          "\n\n    def __str__")
    _edit(repo.project / "catalog" / "views.py", '        "description": product.description or "",\n', "")
    expand_contract_migrations(repo, "catalog", "product", "name", "product_name_idx", "description",
                               "Banner")
    commit(repo, "v2")
    return repo


# ---- shop: a raw SQL view only a rehearsal can catch -------------------------------------------------------


def shop_raw_sql(tmp: Path) -> Repo:
    """v1 reads `legacy_code` with raw SQL (no model field, so no checker sees the dependency); v2's author
    declares the migration that drops it `pre`."""
    repo = copy_example(tmp, "shop")
    set_migrations(repo, phases="true")
    migration(
        repo,
        "catalog",
        "0004_legacy_code",
        "0003_product_in_stock",
        """        migrations.RunSQL("ALTER TABLE catalog_product ADD COLUMN legacy_code varchar(20)",
                          "ALTER TABLE catalog_product DROP COLUMN legacy_code"),""",
    )
    _edit(
        repo.project / "catalog" / "views.py",
        "from django.shortcuts import get_object_or_404\n",
        "from django.db import connection\nfrom django.shortcuts import get_object_or_404\n",
    )
    (repo.project / "catalog" / "views.py").write_text(
        (repo.project / "catalog" / "views.py").read_text()
        + """

def legacy_codes(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT legacy_code FROM catalog_product ORDER BY id LIMIT 5")
        return JsonResponse({"codes": [row[0] for row in cursor.fetchall()]})
"""
    )
    _edit(
        repo.project / "shop" / "urls.py",
        '    path("", catalog_views.product_list, name="product-list"),',
        '    path("", catalog_views.product_list, name="product-list"),\n'
        '    path("legacy/", catalog_views.legacy_codes),',
    )
    commit(repo, "v1")
    migration(
        repo,
        "catalog",
        "0005_drop_legacy_code",
        "0004_legacy_code",
        """        migrations.RunSQL("ALTER TABLE catalog_product DROP COLUMN legacy_code",
                          "ALTER TABLE catalog_product ADD COLUMN legacy_code varchar(20)"),""",
        # the checker refuses a `pre` drop; the author overrides it, sure that nothing reads it any more
        extra='    djhelm_phase = "pre"\n    djhelm_ack = {"declared-phase-conflict": "nothing reads it"}\n',
    )
    commit(repo, "v2")
    return repo


# ---- events: the same kinds of change, with the job strategy and Celery beside -----------------------------


def events_expand_contract(tmp: Path, strategy: str, phases: bool) -> Repo:
    repo = copy_example(tmp, "events")
    set_migrations(repo, strategy=strategy, phases="true" if phases else "false")
    models = repo.project / "agenda" / "models.py"
    # a nullable column v1 still reads and v2 drops (a NOT NULL one would need a release relaxing it first)
    _edit(models, "    created_at = models.DateTimeField(auto_now_add=True)\n",
          "    created_at = models.DateTimeField(auto_now_add=True)\n"
          "    note = models.TextField(null=True, blank=True)\n")
    doomed_model(repo, "agenda", "Sponsor", "0003_event_reminder_sent",
                 '\n        migrations.AddField("registration", "note",'
                 ' models.TextField(null=True, blank=True)),')
    commit(repo, "v1")

    _edit(models, "    note = models.TextField(null=True, blank=True)\n", NEW_FIELDS)
    _edit(models, '    def __str__(self) -> str:\n        return f"{self.email} @ {self.event}"',
          "    class Meta:\n"
          '        indexes = [models.Index(fields=["email"], name="registration_email_idx")]\n\n'
          '    def __str__(self) -> str:\n        return f"{self.email} @ {self.event}"')
    expand_contract_migrations(repo, "agenda", "registration", "email", "registration_email_idx", "note",
                               "Sponsor")
    commit(repo, "v2")
    return repo
