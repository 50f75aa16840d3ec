"""Just enough of PromQL to list the series an expression selects: metric names and their label matchers.

Enough for the expressions djhelm writes (rules and dashboard panels): vector selectors, functions,
aggregations with by/without, binary operators with on/ignoring/group_*, range and subquery brackets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TOKEN = re.compile(
    r'\s*(?:(?P<string>"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`)'
    r"|(?P<ident>[a-zA-Z_:][a-zA-Z0-9_:]*)"
    r"|(?P<number>[0-9][0-9.eE+-]*[a-z]*)"
    r"|(?P<op>=~|!~|!=|==|>=|<=|[-+*/%^<>=(){}\[\],:$@]))"
)
_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "bool",
             "offset", "inf", "nan"}
_LABEL_LISTS = {"by", "without", "on", "ignoring", "group_left", "group_right"}


@dataclass(frozen=True)
class Selector:
    metric: str
    matchers: tuple[tuple[str, str, str], ...]  # (label, operator, value)

    def text(self) -> str:
        inner = ",".join(f'{label}{op}"{value}"' for label, op, value in self.matchers)
        return f"{self.metric}{{{inner}}}"


def tokens(expr: str) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    position = 0
    expr = expr.rstrip()
    while position < len(expr):
        match = _TOKEN.match(expr, position)
        if match is None or match.end() == position:
            raise ValueError(f"cannot read PromQL at {expr[position:position + 20]!r} in {expr!r}")
        kind = match.lastgroup or ""
        found.append((kind, match.group(kind)))
        position = match.end()
    return found


def _unquote(text: str) -> str:
    if text.startswith("`"):
        return text[1:-1]
    return bytes(text[1:-1], "utf-8").decode("unicode_escape")


def selectors(expr: str) -> list[Selector]:
    items = tokens(expr)
    result: list[Selector] = []
    index = 0
    while index < len(items):
        kind, text = items[index]
        following = items[index + 1][1] if index + 1 < len(items) else ""
        if text == "[":  # range or subquery: durations and Grafana's $__rate_interval
            depth = 1
            index += 1
            while depth:
                depth += {"[": 1, "]": -1}.get(items[index][1], 0)
                index += 1
            continue
        if kind == "ident" and text in _LABEL_LISTS and following == "(":
            index = items.index(("op", ")"), index) + 1  # a list of label names, not series
            continue
        if kind == "ident" and text not in _KEYWORDS and following not in ("(", "by", "without"):
            matchers: list[tuple[str, str, str]] = []
            index += 1
            if following == "{":
                index += 1
                while items[index][1] != "}":
                    label, op, value = items[index][1], items[index + 1][1], items[index + 2][1]
                    matchers.append((label, op, _unquote(value)))
                    index += 3
                    if items[index][1] == ",":
                        index += 1
                index += 1
            result.append(Selector(text, tuple(matchers)))
            continue
        index += 1
    return result


def metric_names(expr: str) -> set[str]:
    return {selector.metric for selector in selectors(expr)}
