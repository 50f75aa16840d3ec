"""The environment variables between the chart and the runtime are the ones djhelm/envnames.py declares:
the templates set exactly the chart-owned ones, the runtime spells none of them by hand, and djhelm.yaml
refuses every one of them as a user variable."""

from __future__ import annotations

import re
from pathlib import Path

from djhelm import envnames
from djhelm.config.checks import is_chart_owned

REPO_ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = REPO_ROOT / "templates" / "chart" / "templates"
RUNTIME = REPO_ROOT / "generator" / "djhelm" / "runtime"
# the names the contract is about: djhelm's own, the database URLs, and the two other tools' variables
_NAME = re.compile(
    r"\b(DJHELM_[A-Z0-9_]*[A-Z0-9]|DATABASE_[A-Z0-9_]*[A-Z0-9]|PGOPTIONS|PROMETHEUS_MULTIPROC_DIR)\b"
)


def _names_in(folder: Path, pattern: str) -> set[str]:
    files = [path for path in folder.rglob(pattern) if path.is_file()]
    return {match for path in files for match in _NAME.findall(path.read_text())}


def test_the_templates_set_exactly_the_chart_owned_names() -> None:
    in_templates = {n for n in _names_in(TEMPLATES, "*")
                    if not n.startswith(envnames.DATABASE_REPLICA_URL_PREFIX.rstrip("_"))
                    or n == envnames.DATABASE_REPLICA_URLS}
    chart_owned = {n.name for n in envnames.ENV_NAMES.values() if n.set_by == "chart"}
    assert in_templates - set(envnames.ENV_NAMES) == set(), "set by the chart, not declared"
    assert chart_owned - in_templates == set(), "declared as set by the chart, not in any template"


def test_the_runtime_reads_the_names_by_their_declaration() -> None:
    """No env name as a string literal in djhelm.runtime: a rename in envnames.py reaches every reader."""
    spelled = []
    for path in RUNTIME.rglob("*.py"):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            code = line.split("#", 1)[0]
            for literal in re.findall(r"[\"']([A-Z][A-Z0-9_]+)[\"']", code):
                # DJHELM_MIGRATIONS and DJHELM_REPLICAS are Django settings, not environment variables
                if _NAME.fullmatch(literal) and literal not in ("DJHELM_MIGRATIONS", "DJHELM_REPLICAS"):
                    spelled.append(f"{path.relative_to(REPO_ROOT)}:{number}: {literal}")
    assert spelled == []


def test_a_user_cannot_set_a_name_the_chart_owns() -> None:
    for name in envnames.ENV_NAMES:
        assert is_chart_owned(name), name
    assert is_chart_owned(f"{envnames.DATABASE_REPLICA_URL_PREFIX}EU")
    assert is_chart_owned("DJANGO_SETTINGS_MODULE")
    assert not is_chart_owned("DJANGO_ALLOWED_HOSTS") and not is_chart_owned("DATABASE_NAME")


def test_the_runtime_and_the_chart_default_the_shared_timeouts_alike() -> None:
    """A `migrate_phase` run outside the chart uses the timeouts a chart would have set."""
    from djhelm.chart.generated import default_of as chart_default
    from djhelm.runtime.migration_settings import GuardConfig, parse_duration_ms

    guards = GuardConfig()
    for path, field_ms in (("migrations.lockTimeout", guards.lock_timeout_ms),
                           ("migrations.statementTimeout", guards.statement_timeout_ms)):
        assert parse_duration_ms(chart_default(path), path, bare_unit="ms") == field_ms
