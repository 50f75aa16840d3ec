"""Every error djhelm shows a user. The CLI is the only place that turns them into text and exit codes."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class ExitCode(IntEnum):
    """What every djhelm command's exit status means."""

    OK = 0
    FINDINGS = 1  # it ran and found something: invalid manifests, blocked migrations, chart drift, failures
    INPUT = 2  # bad input, or a tool or setup it needs is missing: the message names the fix
    INTERNAL = 3  # a djhelm bug: a one-line report instead of a traceback


class DjhelmError(Exception):
    """Base class: a problem the user can fix. Its message is shown as is, without a traceback."""

    exit_code = ExitCode.INPUT


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one input: where it is, what is wrong, and how to fix it."""

    file: str
    message: str
    field: str = ""
    line: int | None = None
    fix: str = ""

    def render(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        what = f"{self.field}: {self.message}" if self.field else self.message
        text = f"{where}: {what}"
        return f"{text}\n  fix: {self.fix}" if self.fix else text


class InputError(DjhelmError):
    """Bad input (config, manifests, project). Carries one or more located problems."""

    def __init__(self, problems: list[Problem] | Problem) -> None:
        self.problems = problems if isinstance(problems, list) else [problems]
        super().__init__("\n".join(p.render() for p in self.problems))


class ConfigError(InputError):
    """djhelm.yaml is malformed or does not match schemas/djhelm-config.schema.json."""


class InternalError(DjhelmError):
    """A djhelm bug, shown as one line that names what it was doing."""

    exit_code = ExitCode.INTERNAL


class ProjectError(InputError):
    """The Django project cannot be read (settings not found, a migration that does not import, ...)."""


class ToolMissingError(DjhelmError):
    """An external tool (helm, kubeconform) is needed for this request and is not on PATH."""


class OutputExistsError(InputError):
    """A file would be overwritten without --force."""


class RehearsalError(DjhelmError):
    """`djhelm rehearse` could not set up what it plays (a release, the database, a command that never
    started): nothing was measured."""
