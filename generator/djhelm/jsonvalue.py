"""The type of data that JSON and YAML carry: what values.yaml, djhelm.yaml and the schemas are made of."""

from __future__ import annotations

from typing import TypeAlias

JSON: TypeAlias = "str | int | float | bool | list[JSON] | dict[str, JSON] | None"
JSONObject: TypeAlias = "dict[str, JSON]"
