"""`djhelm migrations check` on generated migration histories: operations drawn from what Django writes
(and some it never would), module code that prints, exits or raises. Exit 0, 1 or 2, a JSON report on
stdout for 0 and 1, and for 2 a message that names the problem, never a traceback or an internal error."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz.settings import CORPUS, fuzz_settings
from tests.safety.support import migration, run_check, write_project

pytestmark = [pytest.mark.fuzz, pytest.mark.slow]

FIELD_SOURCES = [
    "models.CharField(max_length=20, null=True)",
    "models.CharField(max_length=20, default='x')",
    "models.CharField(max_length=20, blank=True, db_index=True)",
    "models.TextField(null=True)",
    "models.TextField(db_index=True, default='')",
    "models.IntegerField(null=True)",
    "models.IntegerField(default=0)",
    "models.IntegerField(db_default=0)",
    "models.BigIntegerField(null=True, unique=True)",
    "models.BooleanField(default=False)",
    "models.DecimalField(max_digits=8, decimal_places=2, null=True)",
    "models.DateTimeField(auto_now_add=True)",
    "models.DateTimeField(null=True, db_index=True)",
    "models.JSONField(default=dict)",
    "models.UUIDField(null=True)",
    "models.UUIDField(default=uuid.uuid4)",
    "models.GenericIPAddressField(null=True)",
    "models.SlugField(max_length=30, unique=True, null=True)",
    "models.EmailField(max_length=254, null=True)",
    "models.FloatField(null=True)",
]
RUN_SQL = [
    "migrations.RunSQL('SELECT 1', migrations.RunSQL.noop)",
    "migrations.RunSQL('ALTER SEQUENCE IF EXISTS s RENAME TO t', migrations.RunSQL.noop)",
    "migrations.RunSQL('ALTER TABLE IF EXISTS x RENAME COLUMN a TO b')",
    "migrations.RunSQL('CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON x (a)')",
    "migrations.RunSQL(\"UPDATE x SET a = '{{ .Values }}' WHERE b = '\\\\u0000'\")",
    "migrations.RunSQL('DROP TABLE IF EXISTS x CASCADE')",
    "migrations.RunSQL([('SELECT %s', [1])])",
    "migrations.RunSQL('not sql at all ;;; (')",
    "migrations.RunSQL('')",
    "migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop)",
    "migrations.RunPython(lambda apps, schema_editor: None)",
]
MODULE_CODE = [
    "",
    "print('importing a migration')",
    "import sys\nsys.stdout.write('noise\\n')",
    "import warnings\nwarnings.warn('deprecated')",
    "import sys\nsys.exit(0)",
    "raise RuntimeError('migration module failed')",
    "import sys\nsys.stdout.close()",
]


_PK = "('id', models.BigAutoField(primary_key=True, serialize=False))"
_CASCADE = "django.db.models.deletion.CASCADE"
_OPTIONS = ["", "options={'managed': False}, ", "options={'db_table': 'legacy_t'}, "]
_KINDS = [
    "create", "add", "remove", "alter", "rename_field", "index", "constraint", "sql", "delete",
    "rename_model", "unique_together", "table", "options", "state_only", "bogus",
]  # fmt: skip


class _App:
    """One app's migrations, drawn operation by operation against the model state they build."""

    def __init__(self, draw: st.DrawFn, label: str) -> None:
        self.draw, self.label = draw, label
        self.models: dict[str, list[str]] = {}
        self.counter = 0

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def field(self) -> str:
        return self.draw(st.sampled_from(FIELD_SOURCES))

    def operation(self) -> str | None:
        kind = self.draw(st.sampled_from(_KINDS))
        if kind == "create" or not self.models:
            return self.create()
        if kind in ("sql",):
            return str(self.draw(st.sampled_from(RUN_SQL)))
        model = self.draw(st.sampled_from(sorted(self.models)))
        method = getattr(self, kind)
        result: str | None = method(model, model.lower(), self.models[model])
        return result

    def create(self) -> str:
        name = self.fresh("Model")
        fields = [self.fresh("f") for _ in range(self.draw(st.integers(0, 3)))]
        lines = [_PK, *(f"('{f}', {self.field()})" for f in fields)]
        if self.models and self.draw(st.booleans()):
            target = self.draw(st.sampled_from(sorted(self.models))).lower()
            to = f"'{self.label}.{target}'"
            lines.append(f"('parent', models.ForeignKey(on_delete={_CASCADE}, to={to}, null=True))")
            fields.append("parent")
        options = self.draw(st.sampled_from(_OPTIONS))
        self.models[name] = fields
        return f"migrations.CreateModel(name='{name}', fields=[{', '.join(lines)}], {options})"

    def add(self, model: str, lower: str, fields: list[str]) -> str:
        field = self.fresh("f")
        fields.append(field)
        return f"migrations.AddField('{lower}', '{field}', {self.field()})"

    def remove(self, model: str, lower: str, fields: list[str]) -> str | None:
        if not fields:
            return None
        field = self.draw(st.sampled_from(fields))
        fields.remove(field)
        return f"migrations.RemoveField('{lower}', '{field}')"

    def alter(self, model: str, lower: str, fields: list[str]) -> str | None:
        plain = [f for f in fields if f != "parent"]
        if not plain:
            return None
        return f"migrations.AlterField('{lower}', '{self.draw(st.sampled_from(plain))}', {self.field()})"

    def rename_field(self, model: str, lower: str, fields: list[str]) -> str | None:
        if not fields:
            return None
        old, new = self.draw(st.sampled_from(fields)), self.fresh("r")
        fields[fields.index(old)] = new
        return f"migrations.RenameField('{lower}', '{old}', '{new}')"

    def index(self, model: str, lower: str, fields: list[str]) -> str | None:
        if not fields:
            return None
        index = f"models.Index(fields=['{self.draw(st.sampled_from(fields))}'], name='{self.fresh('ix')}')"
        return f"migrations.AddIndex('{lower}', {index})"

    def constraint(self, model: str, lower: str, fields: list[str]) -> str | None:
        if not fields:
            return None
        field = self.draw(st.sampled_from(fields))
        unique = f"models.UniqueConstraint(fields=['{field}'], name='{self.fresh('uq')}')"
        check = f"models.CheckConstraint(condition=models.Q(id__gt=0), name='{self.fresh('ck')}')"
        return f"migrations.AddConstraint('{lower}', {self.draw(st.sampled_from([unique, check]))})"

    def delete(self, model: str, lower: str, fields: list[str]) -> str | None:
        if any("parent" in others for other, others in self.models.items() if other != model):
            return None  # keep foreign keys pointing at existing models
        del self.models[model]
        return f"migrations.DeleteModel('{model}')"

    def rename_model(self, model: str, lower: str, fields: list[str]) -> str | None:
        if any("parent" in others for others in self.models.values()):
            return None
        new = self.fresh("Renamed")
        self.models[new] = self.models.pop(model)
        return f"migrations.RenameModel('{model}', '{new}')"

    def unique_together(self, model: str, lower: str, fields: list[str]) -> str | None:
        if len(fields) < 2:
            return None
        return f"migrations.AlterUniqueTogether('{lower}', {{('{fields[0]}', '{fields[1]}')}})"

    def table(self, model: str, lower: str, fields: list[str]) -> str:
        return f"migrations.AlterModelTable('{lower}', '{self.fresh('tbl')}')"

    def options(self, model: str, lower: str, fields: list[str]) -> str:
        return f"migrations.AlterModelOptions('{lower}', {{'ordering': ['id']}})"

    def state_only(self, model: str, lower: str, fields: list[str]) -> str:
        field = self.fresh("s")
        fields.append(field)
        state = f"migrations.AddField('{lower}', '{field}', models.IntegerField(null=True))"
        database = "migrations.RunSQL('SELECT 1')"
        return (
            f"migrations.SeparateDatabaseAndState(state_operations=[{state}], "
            f"database_operations=[{database}])"
        )

    def bogus(self, model: str, lower: str, fields: list[str]) -> str:
        """What no Django writes: a field or a model that does not exist."""
        return str(self.draw(st.sampled_from([
            f"migrations.RemoveField('{lower}', 'nope')",
            "migrations.AlterField('ghost', 'x', models.IntegerField())",
            f"migrations.RenameField('{lower}', 'nope', 'nope2')",
        ])))  # fmt: skip


@st.composite
def histories(draw: st.DrawFn) -> dict[str, dict[str, str]]:
    """App label -> {migration name: source}."""
    apps: dict[str, dict[str, str]] = {}
    for app_index in range(draw(st.integers(1, 2))):
        app = _App(draw, f"app{app_index}")
        files: dict[str, str] = {}
        previous: str | None = None
        for number in range(1, draw(st.integers(1, 5)) + 1):
            operations = [op for _ in range(draw(st.integers(1, 4))) if (op := app.operation())]
            source = migration(
                *(operations or ["migrations.RunPython(migrations.RunPython.noop)"]),
                deps=[(app.label, previous)] if previous else [],
                imports="import uuid",
                initial=previous is None,
            )
            code = draw(st.sampled_from(MODULE_CODE)) if draw(st.integers(0, 9)) == 0 else ""
            previous = f"{number:04d}_step"
            files[previous] = f"{code}\n{source}" if code else source
        apps[app.label] = files
    return apps


def check_history(apps: dict[str, dict[str, str]]) -> None:
    with tempfile.TemporaryDirectory() as workdir:
        root = write_project(Path(workdir) / "project", apps)
        result = run_check(root)
    assert result.returncode in (0, 1, 2), (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    assert "internal error" not in result.stderr, result.stderr
    if result.returncode == 2:
        # project code may print to stderr first (its stdout is sent there too)
        assert any(line.startswith("error: ") for line in result.stderr.splitlines()), result.stderr
        assert result.stdout == "", result.stdout
        return
    report = json.loads(result.stdout)
    blocked = [m for m in report["migrations"] if m["phase"] == "blocked"]
    assert bool(blocked) is (result.returncode == 1)
    for judged in report["migrations"]:
        rules = {f["rule"] for f in judged["findings"]}
        # a migration that emits no SQL is never blocked (only a malformed declaration can block it)
        if all(effect == "any" for effect in judged["operations"]) and not rules & _DECLARATION_PROBLEMS:
            assert judged["phase"] != "blocked", judged
        # severity follows the claim: a remark (info) never says that traffic waits
        for finding in judged["findings"]:
            if finding["severity"] == "info" and "acknowledged" not in finding:
                claims = [c for c in _TRAFFIC_WAITS if c in finding["message"]]
                assert claims == [], finding


_DECLARATION_PROBLEMS = {"invalid-override", "ack-without-reason"}
_TRAFFIC_WAITS = (
    "reads and writes wait", "no reads or writes", "writes wait", "blocks writes", "blocks every",
    "reads wait",
)


@fuzz_settings(ci_examples=25)
@given(apps=histories())
def test_migrations_check_fuzz(apps: dict[str, dict[str, str]]) -> None:
    check_history(apps)


@pytest.mark.parametrize("case", sorted((CORPUS / "migrations").glob("*.json")), ids=lambda p: p.name)
def test_migrations_check_corpus(case: Path) -> None:
    check_history(json.loads(case.read_text(encoding="utf-8")))
