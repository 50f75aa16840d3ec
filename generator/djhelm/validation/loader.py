"""Read Kubernetes manifests from YAML text: duplicate keys, empty documents, kind: List, and field lines.

PyYAML's C parser builds the node tree; construction stays in Python so duplicate keys can be caught with
the line of both occurrences. Nodes are kept per document so a finding's field path can be turned into a
line only when a finding needs it (most objects have none, so no line map is ever built for them).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from djhelm.errors import InputError, Problem
from djhelm.validation.model import Finding, Location, ManifestObject, Severity

_Loader: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Composer = _Loader  # positions only: composing a document again needs no constructor
_MERGE_TAG = "tag:yaml.org,2002:merge"
_HELM_SOURCE = re.compile(r"^# Source: (.+?)\s*$")


_STR_TAG = "tag:yaml.org,2002:str"
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_INT_TAG = "tag:yaml.org,2002:int"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_NULL_TAG = "tag:yaml.org,2002:null"
# Tags whose values have a JSON form; the API server sees every manifest as JSON (sigs.k8s.io/yaml).
_JSON_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "map", "seq", "merge")
)


class _StrictLoader(_Loader):  # type: ignore[misc,valid-type]
    """A safe loader that records duplicate mapping keys instead of silently keeping the last one.

    Plain maps, sequences, strings and decimal integers (nearly everything in a manifest) are built here
    directly from the node tree, which is several times faster than PyYAML's generic constructor; any
    other node (merge keys, timestamps, floats, custom tags) goes through SafeConstructor unchanged.
    """

    # Plain scalars repeat a lot in manifests (true, 80, http, IfNotPresent...): resolve each text once.
    _resolved: dict[str, str] = {}

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicates: list[tuple[str, int, int]] = []
        # (severity, message, fix, line) of values that kubectl reads differently from a YAML library
        self.notes: list[tuple[Severity, str, str, int]] = []

    def _note(self, node: Node, severity: Severity, message: str, fix: str) -> None:
        self.notes.append((severity, message, fix, node.start_mark.line + 1))

    def _key(self, node: Node, key: Any) -> Any:
        """A mapping key as the API server receives it: sigs.k8s.io/yaml turns scalar keys into strings.

        Its JSON conversion (convertToJSONableObject) writes int and bool keys as their text and refuses
        a null key, so a manifest with `1:` or `true:` under annotations means the strings "1" and "true".
        """
        text = _key_text(node, key)
        if key is None:
            self._note(
                node,
                "error",
                "a null mapping key; kubectl and Helm refuse the object (unsupported map key)",
                "quote the key, or remove it",
            )
        else:
            self._note(
                node,
                "warning",
                f"key {text} is read as {_json_name(key)}; the API server gets the string {text!r}",
                f"quote the key ('{text}') so every tool reads the same string",
            )
        return text

    def build(self, root: Node) -> Any:
        built: dict[int, Any] = {}  # aliases share a node: build it once, as PyYAML does
        duplicates = self.duplicates

        def build(node: Node) -> Any:
            cls = type(node)
            if cls is ScalarNode:
                tag = node.tag
                if tag == _STR_TAG:
                    return node.value
                if tag == _INT_TAG and node.value.isdigit() and (node.value == "0" or node.value[0] != "0"):
                    return int(node.value)
                if tag == _TIMESTAMP_TAG:
                    # go-yaml keeps a timestamp as its text when decoding into interface{} (yaml.v2
                    # decode.go), so kubectl and Helm send `2020-01-01` as that string.
                    return node.value
                if tag not in _JSON_TAGS:
                    return self._foreign(node)
                return self.construct_object(node, deep=True)
            known = built.get(id(node))
            if known is not None:
                return known
            if cls is SequenceNode and node.tag == _SEQ_TAG:
                items: list[Any] = []
                built[id(node)] = items
                items.extend(build(child) for child in node.value)
                return items
            if cls is MappingNode and node.tag == _MAP_TAG:
                if any(key.tag == _MERGE_TAG for key, _ in node.value):
                    return self.construct_object(node, deep=True)
                mapping: dict[Any, Any] = {}
                built[id(node)] = mapping
                for key_node, value_node in node.value:
                    key = build(key_node)
                    if not isinstance(key, str) and isinstance(key_node, ScalarNode):
                        key = self._key(key_node, key)
                    try:
                        present = key in mapping
                    except TypeError:
                        raise yaml.constructor.ConstructorError(
                            "while constructing a mapping",
                            node.start_mark,
                            "found unhashable key",
                            key_node.start_mark,
                        ) from None
                    if present:
                        first = next(
                            k for k, _ in node.value if k is not key_node and _key_text(k, build(k)) == key
                        )
                        duplicates.append((str(key), key_node.start_mark.line + 1, first.start_mark.line + 1))
                    mapping[key] = build(value_node)
                return mapping
            if node.tag not in _JSON_TAGS:
                return self._foreign(node)
            return self.construct_object(node, deep=True)

        try:
            return build(root)
        finally:
            self.constructed_objects.clear()
            self.recursive_objects.clear()


    def _foreign(self, node: Node) -> Any:
        """A value tagged !!set, !!omap, !!pairs, !!binary or a custom tag: it has no JSON form.

        Reported as an error, and built as go-yaml would hand it on (a set as a mapping to nulls, ordered
        maps as a list, scalars as their text), so the rest of validation sees plain JSON data.
        """
        tag = node.tag.replace("tag:yaml.org,2002:", "!!")
        self._note(
            node,
            "error",
            f"YAML tag {tag} has no JSON form; the API server cannot read this value",
            "remove the tag and write a plain mapping, list or string",
        )
        if isinstance(node, MappingNode):
            plain = MappingNode(_MAP_TAG, node.value, node.start_mark, node.end_mark, node.flow_style)
            return self.build(plain)
        if isinstance(node, SequenceNode):
            plain_seq = SequenceNode(_SEQ_TAG, node.value, node.start_mark, node.end_mark, node.flow_style)
            return self.build(plain_seq)
        return str(node.value)


FieldPath = tuple[str | int, ...]


@dataclass(frozen=True)
class _Span:
    """Where one document's root node is written in the stream: enough to read its positions again.

    Keeping the node tree of every document for line numbers cost ~33 KB per object; a span costs a few
    integers, and only a document with a finding is composed again (from whole lines, so indentation
    is kept, with the line count added back)."""

    text: str
    start: int  # index of the first character of the line the node starts on
    end: int
    first_line: int  # 0-based line of ``start`` in the stream

    def compose(self) -> Node | None:
        try:
            node = yaml.compose(self.text[self.start : self.end], Loader=_Composer)
        except yaml.YAMLError:
            return None
        if node is not None:
            _shift_lines(node, self.first_line)
        return node


def _shift_lines(root: Node, offset: int) -> None:
    stack = [root]
    while stack:
        node = stack.pop()
        node.start_mark = _Shifted(node.start_mark.line + offset)
        stack.extend(_children(node))


@dataclass(frozen=True)
class _Shifted:
    line: int


def _lazy_line_finder(span: _Span, prefix: FieldPath = ()) -> Callable[[FieldPath], int | None]:
    """A field path -> line function that composes the document only when first asked."""
    composed: list[Node | None] = []

    def find(path: FieldPath) -> int | None:
        if not composed:
            composed.append(span.compose())
        root = composed[0]
        if root is None:
            return span.first_line + 1
        return _line_finder(root, prefix)(path)

    return find


def _line_finder(root: Node, prefix: FieldPath = ()) -> Callable[[FieldPath], int | None]:
    """Return a function mapping a field path (relative to the object) to the line where it is written."""

    def find(path: tuple[str | int, ...]) -> int | None:
        node: Node = root
        line = node.start_mark.line + 1
        for step in (*prefix, *path):
            if isinstance(node, MappingNode):
                for key_node, value_node in node.value:
                    if isinstance(key_node, ScalarNode) and key_node.value == str(step):
                        line = key_node.start_mark.line + 1
                        node = value_node
                        break
                else:
                    return line
            elif isinstance(node, SequenceNode) and isinstance(step, int) and 0 <= step < len(node.value):
                node = node.value[step]
                line = node.start_mark.line + 1
            else:
                return line
        return line

    return find


@dataclass
class LoadResult:
    objects: list[ManifestObject] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    documents: int = 0


def _relocate(
    source_lines: list[tuple[int, str]], name: str
) -> Callable[[int | None], tuple[str, int | None]]:
    """For `helm template` output: name the template each line came from, counting lines within it."""
    starts = [start for start, _ in source_lines]

    def where(line: int | None) -> tuple[str, int | None]:
        if line is None:
            return name, line
        position = bisect_left(starts, line) - 1  # the last Source comment above the line
        if position < 0:
            return name, line
        start, source = source_lines[position]
        return source, line - start

    return where


def parse_manifests(text: str, name: str, *, helm_sources: bool = False) -> LoadResult:
    """Parse one YAML stream into objects. Raises InputError (exit 2) for YAML that does not parse.

    With ``helm_sources`` the ``# Source: chart/templates/x.yaml`` comments Helm writes are used to name
    the template of each finding; lines then count from that comment.
    """
    result = LoadResult()
    source_lines: list[tuple[int, str]] = []
    if helm_sources:
        for number, raw in enumerate(text.splitlines(), start=1):
            match = _HELM_SOURCE.match(raw)
            if match:
                source_lines.append((number, match.group(1)))
    where = _relocate(source_lines, name)

    loader = _StrictLoader(text)
    # Aliases need an anchor (&) and a reference (*); most manifests have neither, so skip the check.
    may_alias = "&" in text and "*" in text
    try:
        index = -1
        while loader.check_node():
            index += 1
            node = loader.get_node()
            # an alias is written *name: a document without "*" has none (the usual case, and Helm's)
            if may_alias and node is not None and "*" in text[node.start_mark.index : node.end_mark.index]:
                _check_aliases(node, where)
            before = len(loader.duplicates)
            notes_before = len(loader.notes)
            data = loader.build(node) if node is not None else None
            result.documents += 1
            doc_line = node.start_mark.line + 1 if node is not None else None
            for key, line, first in loader.duplicates[before:]:
                file, rel = where(line)
                _, first_rel = where(first)
                result.findings.append(
                    Finding(
                        rule="K8S003",
                        severity="error",
                        message=f"duplicate key {key!r} (first at line {first_rel}); YAML keeps the last",
                        fix="remove one of the two keys",
                        location=Location(file, rel, index),
                    )
                )
            for severity, message, fix, line in loader.notes[notes_before:]:
                file, rel = where(line)
                result.findings.append(
                    Finding(
                        rule="K8S007",
                        severity=severity,
                        message=message,
                        fix=fix,
                        location=Location(file, rel, index),
                    )
                )
            if data is None or node is None:
                continue
            line_start = text.rfind("\n", 0, node.start_mark.index) + 1
            span = _Span(text, line_start, node.end_mark.index, node.start_mark.line)
            _add_document(result, data, node, span, index, doc_line, where)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        error_line: int | None = mark.line + 1 if mark is not None else None
        file, rel = where(error_line)
        problem = getattr(error, "problem", None) or str(error)
        raise InputError(
            Problem(file, f"YAML does not parse: {problem}", line=rel, fix="fix the YAML syntax")
        ) from None
    finally:
        loader.dispose()
    return result


# Values an alias may add by repetition. kubectl (sigs.k8s.io/yaml) refuses "excessive aliasing" as well;
# expanding a nested-alias bomb would take hours and gigabytes in the schema check.
MAX_ALIAS_VALUES = 1_000_000


def _check_aliases(root: Node, where: Callable[[int | None], tuple[str, int | None]]) -> None:
    """Refuse a document whose aliases refer to themselves or expand to millions of values."""
    sizes: dict[int, int] = {}  # expanded size of each finished node
    open_nodes: set[int] = set()
    distinct = 0
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            open_nodes.discard(key)
            sizes[key] = 1 + sum(sizes[id(child)] for child in _children(node))
            continue
        if key in sizes:
            continue
        if key in open_nodes:
            file, line = where(node.start_mark.line + 1)
            raise InputError(
                Problem(
                    file, "YAML alias refers to itself", line=line, fix="remove the self-referencing anchor"
                )
            )
        open_nodes.add(key)
        distinct += 1
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node))
    if sizes[id(root)] - distinct > MAX_ALIAS_VALUES:
        file, line = where(root.start_mark.line + 1)
        raise InputError(
            Problem(
                file,
                f"YAML aliases expand to more than {MAX_ALIAS_VALUES} values",
                line=line,
                fix="write the values out instead of nesting aliases",
            )
        )


def _children(node: Node) -> list[Node]:
    if isinstance(node, MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, SequenceNode):
        return list(node.value)
    return []


def _add_document(
    result: LoadResult,
    data: Any,
    node: Node,
    span: _Span,
    index: int,
    doc_line: int | None,
    where: Callable[[int | None], tuple[str, int | None]],
) -> None:
    file, line = where(doc_line)
    location = Location(file, line, index)
    if not isinstance(data, dict):
        result.findings.append(
            Finding(
                rule="K8S004",
                severity="error",
                message=f"document is a {type(data).__name__}, not a Kubernetes object",
                fix="each YAML document must be a mapping with apiVersion, kind and metadata",
                location=location,
            )
        )
        return
    if data.get("kind") == "List" and not isinstance(data.get("items"), list):
        result.findings.append(
            Finding(
                rule="K8S004",
                severity="error",
                message=f"kind: List needs `items` to be a list, not {_json_name(data.get('items'))}",
                fix="write the objects as a YAML list under items",
                location=location,
            )
        )
        return
    if data.get("kind") == "List":
        for item_index, item in enumerate(data["items"]):
            item_file, item_rel = where(_line_finder(node, ("items", item_index))(()))
            item_location = Location(item_file, item_rel, index, item_index)
            if not isinstance(item, dict):
                result.findings.append(
                    Finding(
                        rule="K8S004",
                        severity="error",
                        message=f"List item is a {type(item).__name__}, not a Kubernetes object",
                        fix="each item of a kind: List must be a mapping with apiVersion and kind",
                        location=item_location,
                    )
                )
                continue
            result.objects.append(
                ManifestObject(
                    item, item_location,
                    line_of=_relative(_lazy_line_finder(span, ("items", item_index)), where),
                )
            )
        return
    result.objects.append(ManifestObject(data, location, line_of=_relative(_lazy_line_finder(span), where)))


def _key_text(node: Node, key: Any) -> Any:
    """The string kubectl makes of a scalar key (see _StrictLoader._key); other keys are left as built."""
    if isinstance(key, str) or not isinstance(node, ScalarNode):
        return key
    if key is None:
        return "null"
    if isinstance(key, bool):
        return "true" if key else "false"
    return str(key) if isinstance(key, int) else str(node.value)


def _json_name(value: Any) -> str:
    if value is None:
        return "missing or null"
    names = {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean", int: "an integer"}
    return names.get(type(value), "a number" if isinstance(value, float) else type(value).__name__)


def _relative(
    finder: Callable[[FieldPath], int | None], where: Callable[[int | None], tuple[str, int | None]]
) -> Callable[[FieldPath], int | None]:
    return lambda path: where(finder(path))[1]
