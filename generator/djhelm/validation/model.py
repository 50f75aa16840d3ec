"""The validator's data: where an object came from, what was found, and the report that gathers both.

Pure data; nothing here reads files or prints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

Severity = Literal["error", "warning", "info"]
ObjectStatus = Literal["valid", "invalid", "no-schema"]
SEVERITY_ORDER: dict[str, int] = {"error": 0, "warning": 1, "info": 2}


@dataclass(frozen=True)
class Location:
    """A place in the input: file, 1-based line, 0-based document index, item index in a kind: List."""

    file: str
    line: int | None = None
    document: int | None = None
    item: int | None = None

    def render(self) -> str:
        text = self.file if self.line is None else f"{self.file}:{self.line}"
        extras = []
        if self.document is not None:
            extras.append(f"doc {self.document}")
        if self.item is not None:
            extras.append(f"item {self.item}")
        return f"{text} ({', '.join(extras)})" if extras else text

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "document": self.document, "item": self.item}


class Labelled:
    """The annotations and labels of anything with Kubernetes metadata (an object, a pod template); a value
    of the wrong shape reads as empty, as the schema check reports it separately."""

    if TYPE_CHECKING:  # a field of a pod template, a property of an object: declared for mypy only

        @property
        def metadata(self) -> dict[str, Any]: ...

    @property
    def annotations(self) -> dict[str, Any]:
        value = self.metadata.get("annotations")
        return value if isinstance(value, dict) else {}

    @property
    def labels(self) -> dict[str, Any]:
        value = self.metadata.get("labels")
        return value if isinstance(value, dict) else {}


@dataclass
class ManifestObject(Labelled):
    """One Kubernetes object as read from the input, with a way back to the YAML lines of its fields."""

    data: dict[str, Any]
    location: Location
    # Maps a field path (tuple of keys and indexes) to its 1-based line; filled lazily by the loader.
    line_of: Any = field(default=None, repr=False, compare=False)

    @property
    def api_version(self) -> str:
        value = self.data.get("apiVersion")
        return value if isinstance(value, str) else ""

    @property
    def kind(self) -> str:
        value = self.data.get("kind")
        return value if isinstance(value, str) else ""

    @property
    def metadata(self) -> dict[str, Any]:
        value = self.data.get("metadata")
        return value if isinstance(value, dict) else {}

    @property
    def name(self) -> str:
        value = self.metadata.get("name")
        return value if isinstance(value, str) else ""

    @property
    def namespace(self) -> str | None:
        value = self.metadata.get("namespace")
        return value if isinstance(value, str) else None

    @property
    def ref(self) -> str:
        return f"{self.kind or '?'}/{self.name or '?'}"

    def locate(self, path: tuple[str | int, ...] = ()) -> Location:
        """The location of a field inside this object (falls back to the object's own line)."""
        line = self.line_of(path) if self.line_of is not None and path else None
        if line is None:
            return self.location
        return Location(self.location.file, line, self.location.document, self.location.item)


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: Severity
    message: str
    location: Location
    fix: str = ""
    kube_version: str | None = None
    path: str = ""
    object_ref: str = ""
    api_version: str = ""
    kind: str = ""
    name: str = ""

    def sort_key(self) -> tuple[Any, ...]:
        loc = self.location
        return (
            self.kube_version or "",
            loc.file,
            loc.document if loc.document is not None else -1,
            loc.item if loc.item is not None else -1,
            loc.line or 0,
            SEVERITY_ORDER[self.severity],
            self.rule,
            self.path,
            self.message,
        )


@dataclass(frozen=True)
class ObjectResult:
    """One object validated against one Kubernetes version."""

    kube_version: str
    api_version: str
    kind: str
    name: str
    namespace: str | None
    location: Location
    # valid: schema passed; invalid: schema errors; no-schema: kind unknown to the schemas
    status: ObjectStatus


@dataclass
class Report:
    source: str
    kube_versions: tuple[str, ...]
    objects: list[ObjectResult] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity == "warning")

    @property
    def infos(self) -> int:
        return sum(1 for f in self.findings if f.severity == "info")

    @property
    def valid(self) -> bool:
        return self.errors == 0

    def sort(self) -> None:
        self.findings.sort(key=Finding.sort_key)
        self.objects.sort(
            key=lambda o: (
                o.kube_version,
                o.location.file,
                o.location.document if o.location.document is not None else -1,
                o.location.item if o.location.item is not None else -1,
            )
        )
