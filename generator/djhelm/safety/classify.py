"""Replay the migration graph's model state and judge each operation of the judged migrations.

No database: the graph comes from a ``MigrationLoader(None)``-style loader (or the runtime's real one),
and the model state is rebuilt with each operation's ``state_forwards``, so every rule sees the field
before and after the operation. Unrendered ``ModelState`` objects only: rendering model classes would
cost seconds on large projects and is not needed to know columns.
"""

from __future__ import annotations

import copy
import sys
from collections.abc import Collection, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import migrations
from django.db.migrations.state import ModelState, ProjectState

from djhelm.errors import InternalError, Problem, ProjectError
from djhelm.safety.combine import combine, depends_on_post, follows_post, operation_effect
from djhelm.safety.context import ModelKey, OperationContext
from djhelm.safety.model import Effect, Finding, MigrationVerdict
from djhelm.safety.overrides import Overrides, read_overrides
from djhelm.safety.registry import RuleSpec, load_rules, rules_for
from djhelm.safety.sqlfree import emits_sql

if TYPE_CHECKING:
    from django.db.migrations.graph import MigrationGraph
    from django.db.migrations.loader import MigrationLoader

Key = tuple[str, str]


@dataclass(frozen=True)
class OperationJudgement:
    effect: Effect
    findings: tuple[Finding, ...]


def full_plan(graph: MigrationGraph) -> list[Key]:
    """Every node of the graph in an order where parents come before children (deterministic)."""
    seen: set[Key] = set()
    plan: list[Key] = []
    for leaf in sorted(graph.leaf_nodes()):
        for key in graph.forwards_plan(leaf):
            if key not in seen:
                seen.add(key)
                plan.append(key)
    return plan


@contextmanager
def _reference_scan_only_for_rendered_apps() -> Iterator[None]:
    """ProjectState.alter_field asks ``field_is_referenced`` (a scan of every field of every model) only
    to choose how rendered model classes get reloaded, and reloads nothing when the state has no
    rendered apps. The checker never renders them, so the answer is unused; on a long history the scan
    was most of the replay. States with rendered apps still get Django's own answer."""
    from django.db.migrations import state as state_module

    django_answer = state_module.field_is_referenced

    def field_is_referenced(state: Any, model_tuple: Any, field_tuple: Any) -> bool:
        if "apps" not in state.__dict__:
            return False  # unused by reload_model without rendered apps
        return bool(django_answer(state, model_tuple, field_tuple))

    state_module.field_is_referenced = field_is_referenced
    try:
        yield
    finally:
        state_module.field_is_referenced = django_answer


def migration_path(migration: Any) -> str | None:
    module = sys.modules.get(type(migration).__module__)
    path = getattr(module, "__file__", None)
    return str(path) if path else None


def snapshot_model(model: ModelState | None) -> ModelState | None:
    if model is None:
        return None
    clone = copy.copy(model)
    clone.fields = dict(model.fields)
    clone.options = {k: list(v) if isinstance(v, list) else v for k, v in model.options.items()}
    return clone


def model_keys(app_label: str, op: Any) -> tuple[ModelKey | None, ModelKey | None]:
    if isinstance(op, migrations.RenameModel):
        return (app_label, op.old_name_lower), (app_label, op.new_name_lower)
    name = getattr(op, "model_name_lower", None)
    if name is None and isinstance(op, migrations.operations.models.ModelOperation):
        name = op.name_lower
    if name is None:
        return None, None
    return (app_label, name), (app_label, name)


def _is_djangos(op: Any) -> bool:
    return type(op).__module__.startswith("django.db.migrations.")


def declared_findings(spec: RuleSpec, findings: Iterable[Finding]) -> Iterator[Finding]:
    """``findings`` of the rule ``spec``, each under an id the rule declared (the ids make the docs and the
    SARIF rule list); a rule that hands inner operations to the other rules passes their ids on."""
    for finding in findings:
        if finding.rule not in spec.ids and not spec.delegates:
            raise InternalError(f"rule {spec.name} reported {finding.rule!r}, which its @rule does not list")
        yield finding


def judge_operation(ctx: OperationContext) -> OperationJudgement:
    """The findings of every rule for this operation, and what it needs (before acknowledgements)."""
    if not emits_sql(ctx):
        return OperationJudgement("any", ())
    findings: list[Finding] = []
    specs = rules_for(ctx.operation)
    for spec in specs:
        if spec.skip_new_tables and ctx.model_is_new:
            continue
        findings.extend(declared_findings(spec, spec.func(ctx)))
    if not specs and not _is_djangos(ctx.operation):
        cls = type(ctx.operation)
        # A declared phase is what the fix asks for: the remark stays, the warning goes.
        declared = ctx.overrides.declared is not None
        findings.append(ctx.finding(
            "unknown-operation",
            "info" if declared else "warning",
            f"{cls.__module__}.{cls.__qualname__} is not an operation djhelm knows; treated as pre-deploy",
            'djhelm_phase = "pre"  # or "post": declare what it needs on the Migration class',
        ))
    return OperationJudgement("pre", tuple(findings))


def _raw_effect(judgement: OperationJudgement) -> Effect:
    return operation_effect(judgement.effect, judgement.findings)


def _replay(app_label: str, migration: Any, state: ProjectState, path: str | None) -> None:
    for index, op in enumerate(migration.operations):
        _forwards(app_label, migration, index, op, state, path)


def _forwards(
    app_label: str, migration: Any, index: int, op: Any, state: ProjectState, path: str | None
) -> None:
    try:
        op.state_forwards(app_label, state)
    except BaseException as error:  # a custom operation may even call sys.exit()
        where = path or f"{app_label}.{migration.name}"
        raise ProjectError(Problem(
            where,
            f"operation {index} ({type(op).__name__}) cannot be replayed on the model state: "
            f"{type(error).__name__}: {error}",
        )) from None


def _judge_at(
    app_label: str,
    migration: Any,
    index: int,
    op: Any,
    state: ProjectState,
    path: str | None,
    created: set[ModelKey],
    earlier: frozenset[ModelKey],
    overrides: Overrides,
    third_party: bool,
) -> OperationJudgement:
    """Judge operation ``index``, advancing ``state`` past it and noting a model it creates in ``created``."""
    key_before, key_after = model_keys(app_label, op)
    before = snapshot_model(state.models.get(key_before)) if key_before else None
    _forwards(app_label, migration, index, op, state, path)
    after = state.models.get(key_after) if key_after else None
    renamed_new = isinstance(op, migrations.RenameModel) and key_before in created
    if key_after and (isinstance(op, migrations.CreateModel) or renamed_new):
        created.add(key_after)
    context = OperationContext(
        app_label=app_label,
        migration=migration,
        index=index,
        operation=op,
        state=state,
        model_key=key_after,
        model_before=before,
        model_after=after,
        created_in_migration=frozenset(created),
        created_in_release=earlier,
        overrides=overrides,
        third_party=third_party,
    )
    return judge_operation(context)


def judge_migration(
    app_label: str,
    migration: Any,
    state: ProjectState,
    release: set[ModelKey] | None = None,
    *,
    overrides: Overrides | None = None,
    third_party: bool = False,
) -> MigrationVerdict:
    """Judge one migration, advancing ``state`` past it. ``release``: tables created by earlier pending
    migrations; updated with this migration's CreateModel/DeleteModel when given. ``overrides``: what
    it declares (read from the file when not given); ``third_party``: an installed package's app."""
    path = migration_path(migration)
    if overrides is None:
        overrides = read_overrides(migration)
    created: set[ModelKey] = set()
    earlier = frozenset(release or ())
    judgements: list[OperationJudgement] = []
    for index, op in enumerate(migration.operations):
        try:
            judgements.append(_judge_at(
                app_label, migration, index, op, state, path, created, earlier, overrides, third_party))
        except (ProjectError, InternalError):
            raise
        except Exception as error:  # a shape no rule expected: name the operation instead of a bare bug
            where = path or f"{app_label}.{migration.name}"
            raise ProjectError(Problem(
                where,
                f"operation {index} ({type(op).__name__}) could not be judged: "
                f"{type(error).__name__}: {error}",
                fix="please report this operation to djhelm; `--app` can leave its app out meanwhile",
            )) from None
    if release is not None:
        release.update(created)
        for op in migration.operations:
            if isinstance(op, migrations.DeleteModel):
                release.discard((app_label, op.name_lower))
    phase, findings = combine([(j.effect, j.findings) for j in judgements], overrides)
    return MigrationVerdict(
        app=app_label,
        name=str(migration.name),
        phase=phase,
        findings=tuple(findings),
        path=path,
        declared=overrides.declared,
        operations=tuple(_raw_effect(j) for j in judgements),
    )


def expand_after_contract(
    graph: MigrationGraph, order: Iterable[Key], verdicts: Mapping[Key, MigrationVerdict]
) -> list[tuple[Key, Key]]:
    """(pre migration, the judged post migration it depends on, directly or through others), in order."""
    waits_for_post: dict[Key, Key | None] = {}
    found: list[tuple[Key, Key]] = []
    for key in order:
        culprit: Key | None = None
        for parent in sorted(p.key for p in graph.node_map[key].parents):
            if parent not in verdicts:
                continue
            if verdicts[parent].phase == "post":
                culprit = parent
            elif waits_for_post.get(parent) is not None:
                culprit = waits_for_post[parent]
            if culprit:
                break
        waits_for_post[key] = culprit
        if culprit is not None and verdicts[key].phase == "pre":
            found.append((key, culprit))
    return found


def _dependency_check(
    graph: MigrationGraph,
    order: Iterable[Key],
    verdicts: dict[Key, MigrationVerdict],
    overrides: Mapping[Key, Overrides],
) -> None:
    """Within one release: a pre migration that needs one of its post migrations cannot run before the
    rollout. One that emits no SQL simply follows it into the post phase; one that does is blocked."""
    for key, culprit in expand_after_contract(graph, order, verdicts):
        if verdicts[key].emits_sql:
            verdicts[key] = depends_on_post(
                verdicts[key], culprit, overrides[key])
        else:
            verdicts[key] = follows_post(verdicts[key], culprit)


def classify_loader(
    loader: MigrationLoader,
    app_labels: Collection[str] | None = None,
    only: Collection[tuple[str, str]] | None = None,
    *,
    project_dir: Any = None,
    dependencies: bool = True,
    only_is_pending: bool = False,
    listed_phases: Mapping[Key, str] | None = None,
) -> list[MigrationVerdict]:
    """Verdicts for the judged migrations, in dependency order. See djhelm.safety.classify_loader."""
    from djhelm.safety.apps import project_app_labels

    load_rules()
    graph = loader.graph
    plan = full_plan(graph)
    own = project_app_labels(loader.migrated_apps, project_dir)
    labels = own if app_labels is None else set(app_labels)
    listed = dict(listed_phases or {})
    wanted = set(only) if only is not None else None
    # A migration with a phase listed in the settings is judged with it, whichever app it belongs to.
    judged = [
        key for key in plan if (key[0] in labels or key in listed) and (wanted is None or key in wanted)
    ]
    judged_set = set(judged)
    if not judged:
        return []
    last = plan.index(judged[-1])
    state = ProjectState(real_apps=set(loader.unmigrated_apps))
    verdicts: dict[Key, MigrationVerdict] = {}
    declared: dict[Key, Overrides] = {}  # read once per judged migration, for its verdict and ordering
    # With an explicit list of unapplied migrations, tables they create do not exist yet.
    release: set[ModelKey] | None = set() if only is not None and only_is_pending else None
    with _reference_scan_only_for_rendered_apps():
        for key in plan[: last + 1]:
            migration = graph.nodes[key]
            if key in judged_set:
                verdicts[key] = judge_migration(
                    key[0], migration, state, release,
                    overrides=declared.setdefault(key, read_overrides(migration, listed.get(key))),
                    third_party=key[0] not in own)
            else:
                _replay(key[0], migration, state, migration_path(migration))
    if dependencies:
        _dependency_check(graph, judged, verdicts, declared)
    return [verdicts[key] for key in judged]
