"""Write a JSON Schema as Python TypedDicts, so mypy checks code that reads data the schema validated.

`scripts/generate-values-schema.py` writes djhelm.yaml's model (`djhelm/config/model.py`) and the chart
values' model (`djhelm/chart/values_model.py`) with it; a test fails while either is stale. Every key is
ReadOnly: validated config is read, never changed. The generated modules are imported for type checking only
(they use typing_extensions, a development dependency).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from djhelm.config.schema import is_option_group

__all__ = ["MODELS", "typed_model_text"]

# (schema file, root TypedDict, what it describes, module under generator/djhelm/)
MODELS = (
    ("djhelm-config.schema.json", "ConfigData", "djhelm.yaml (defaults filled in)", "config/model.py"),
    ("chart-values.schema.json", "ChartValues", "a generated chart's values", "chart/values_model.py"),
)


def _class_name(path: tuple[str, ...], root: str) -> str:
    parts = [re.sub(r"[^A-Za-z0-9]", "", part[:1].upper() + part[1:]) for part in path]
    return root + "".join(parts)


class _Writer:
    def __init__(self, root_schema: Mapping[str, Any], root_name: str) -> None:
        self.root_schema = root_schema
        self.root_name = root_name
        self.classes: list[str] = []
        self.defined: set[str] = set()

    def resolve(self, schema: Mapping[str, Any]) -> Mapping[str, Any]:
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            resolved: Mapping[str, Any] = self.root_schema["$defs"][ref.removeprefix("#/$defs/")]
            return resolved
        return schema

    def type_of(self, schema: Mapping[str, Any], path: tuple[str, ...]) -> str:
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            name = ref.removeprefix("#/$defs/")
            return self.type_of(self.resolve(schema), ("defs", name))
        if "const" in schema:
            return f"Literal[{json.dumps(schema['const'])}]"
        if "enum" in schema:
            return "Literal[" + ", ".join(json.dumps(option) for option in schema["enum"]) + "]"
        for combinator in ("oneOf", "anyOf"):
            if combinator in schema:
                options = [self.type_of(option, (*path, f"option{i}"))
                           for i, option in enumerate(schema[combinator])]
                return " | ".join(dict.fromkeys(options))
        kinds = schema.get("type")
        if isinstance(kinds, list):
            return " | ".join(self.type_of({**schema, "type": kind}, path) for kind in kinds)
        if kinds == "string":
            return "str"
        if kinds == "integer":
            return "int"
        if kinds == "number":
            return "float"
        if kinds == "boolean":
            return "bool"
        if kinds == "array":
            items = schema.get("items")
            return f"list[{self.type_of(items, (*path, 'item')) if isinstance(items, Mapping) else 'JSON'}]"
        if schema.get("properties"):
            return self.typed_dict(schema, path)
        extra = schema.get("additionalProperties")
        if isinstance(extra, Mapping):
            return f"dict[str, {self.type_of(extra, (*path, 'entry'))}]"
        if kinds == "object" or extra is False:
            return "dict[str, JSON]"
        return "JSON"

    def typed_dict(self, schema: Mapping[str, Any], path: tuple[str, ...]) -> str:
        name = _class_name(path, self.root_name)
        if name in self.defined:
            return name
        self.defined.add(name)
        required = set(schema.get("required", []))
        fields = []
        for key, child in schema["properties"].items():
            child_type = self.type_of(child, (*path, key))
            resolved = self.resolve(child)
            always = key in required or "default" in resolved or is_option_group(resolved, self.resolve)
            wrapped = f"ReadOnly[{child_type}]" if always else f"NotRequired[ReadOnly[{child_type}]]"
            fields.append(f"        {json.dumps(key)}: {wrapped},")
        # The functional form: keys such as `for` or `ephemeral-storage` are not identifiers.
        body = "\n".join(fields)
        self.classes.append(f'{name} = TypedDict(\n    "{name}",\n    {{\n{body}\n    }},\n)\n')
        return name


def typed_model_text(schema: Mapping[str, Any], root_name: str, source: str) -> str:
    """The module text: one TypedDict per object of ``schema``, the root named ``root_name``."""
    writer = _Writer(schema, root_name)
    writer.typed_dict(schema, ())
    header = (
        f'"""Types of {source}, generated from its JSON Schema by\n'
        'scripts/generate-values-schema.py: do not edit. Imported for type checking only."""\n\n'
        "from __future__ import annotations\n\n"
        "from typing import Literal, NotRequired, TypedDict\n\n"
        "from typing_extensions import ReadOnly\n\n"
        "from djhelm.jsonvalue import JSON\n\n"
    )
    return header + "\n".join(writer.classes)
