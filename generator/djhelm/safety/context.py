"""What a rule sees about one operation: where it is, and the model before and after it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import migrations

from djhelm.safety.model import Finding, Phase, Severity
from djhelm.safety.overrides import Overrides

if TYPE_CHECKING:
    from django.db.migrations import Migration
    from django.db.migrations.operations.base import Operation
    from django.db.migrations.state import ModelState, ProjectState

ModelKey = tuple[str, str]  # (app_label, model_name_lower), as in ProjectState.models


@dataclass
class OperationContext:
    """One operation of one judged migration, after ``state_forwards`` has been applied.

    ``model_before`` is a shallow snapshot taken before the operation (its ``fields`` and ``options``
    are copies, the field objects are shared and never mutated by Django's state code);
    ``model_after`` is the live model state right after it. ``state`` is the live project state after
    the operation: use it to look up other models (foreign key targets), not to keep references.
    """

    app_label: str
    migration: Migration
    index: int
    operation: Operation
    state: ProjectState
    model_key: ModelKey | None = None
    model_before: ModelState | None = None
    model_after: ModelState | None = None
    created_in_migration: frozenset[ModelKey] = frozenset()
    # Tables created by earlier *pending* migrations (only when the judged set is a list of unapplied
    # migrations, e.g. djhelm.runtime's plan or --since): they do not exist yet, so they are empty too.
    created_in_release: frozenset[ModelKey] = frozenset()
    vendor: str = "postgresql"
    # What the migration declares (its own djhelm_phase / safe / djhelm_ack, or the project's PHASES).
    overrides: Overrides = field(default_factory=Overrides)
    # The app is an installed package's (not under the project): its files cannot be annotated.
    third_party: bool = False
    # Extra facts a rule computed for later rules of the same migration (rarely needed).
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def migration_name(self) -> str:
        return str(self.migration.name)

    @property
    def atomic(self) -> bool:
        return bool(getattr(self.migration, "atomic", True))

    @property
    def model_deleted_later_in_migration(self) -> bool:
        """A later operation of this migration drops the model's table (makemigrations removes a model's
        foreign keys first, then deletes it): what this operation drops goes with the table."""
        if self.model_key is None:
            return False
        current = self.model_key[1]
        for later in self.migration.operations[self.index + 1 :]:
            if isinstance(later, migrations.RenameModel) and later.old_name_lower == current:
                current = later.new_name_lower
            elif isinstance(later, migrations.DeleteModel) and later.name_lower == current:
                return True
        return False

    @property
    def model_is_new(self) -> bool:
        """The model's table is created earlier in this migration (or in an earlier pending one of the
        same release): it is empty and no old code uses it."""
        if self.model_key is None:
            return False
        return self.model_key in self.created_in_migration or self.model_key in self.created_in_release

    def table_name(self, when: str = "after") -> str | None:
        model = self.model_after if when == "after" else self.model_before
        if model is None:
            model = self.model_before if when == "after" else self.model_after
        if model is None:
            return None
        return table_name(model)

    def finding(
        self,
        rule: str,
        severity: Severity,
        message: str,
        fix: str = "",
        effect: Phase | None = None,
        effect_when_acknowledged: Phase | None = None,
    ) -> Finding:
        """A finding about this operation (its index is filled in)."""
        return Finding(
            rule=rule,
            severity=severity,
            operation=self.index,
            message=message,
            fix=fix,
            effect=effect,
            effect_when_acknowledged=effect_when_acknowledged,
        )


def table_name(model: ModelState) -> str:
    options: Mapping[str, Any] = model.options
    explicit = options.get("db_table")
    if explicit:
        return str(explicit)
    return f"{model.app_label}_{model.name_lower}"
