"""Validate one object against one version's schema and say what is wrong in plain words."""

from __future__ import annotations

import json
from typing import Any

import jsonschema

from djhelm.fieldpath import dotted as render_path
from djhelm.validation.model import Finding, ManifestObject, ObjectStatus
from djhelm.validation.schemas import SchemaSet

_JSON_TYPES = {dict: "object", list: "array", str: "string", bool: "boolean", int: "integer", float: "number"}


def _json_type(value: Any) -> str:
    return "null" if value is None else _JSON_TYPES.get(type(value), type(value).__name__)


def _short(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= 40 else text[:37] + "..."


def check_schema(
    obj: ManifestObject, schemas: SchemaSet, strict_kinds: bool, use_precheck: bool = True
) -> tuple[ObjectStatus, list[Finding]]:
    """Return the object's status (valid, invalid, no-schema) and its findings on this version."""
    api_version, kind, version = obj.api_version, obj.kind, schemas.version
    common = {
        "kube_version": version,
        "object_ref": obj.ref,
        "api_version": api_version,
        "kind": kind,
        "name": obj.name,
    }
    if not api_version or not kind:
        missing = " and ".join(f for f, v in (("apiVersion", api_version), ("kind", kind)) if not v)
        return "invalid", [
            Finding(
                rule="K8S004",
                severity="error",
                message=f"object has no {missing}",
                fix="every Kubernetes object needs apiVersion and kind strings",
                location=obj.location,
                **common,
            )
        ]
    lookup = schemas.lookup(api_version, kind)
    if lookup.definition is None:
        if lookup.alternatives:
            return "invalid", [
                Finding(
                    rule="K8S002",
                    severity="error",
                    message=f"Kubernetes {version} has no {kind} in {api_version}",
                    fix=f"use apiVersion {' or '.join(lookup.alternatives)}",
                    location=obj.locate(("apiVersion",)),
                    path="apiVersion",
                    **common,
                )
            ]
        return "no-schema", [
            Finding(
                rule="K8S002",
                severity="error" if strict_kinds else "warning",
                message=f"no schema for kind {kind} ({api_version}) on Kubernetes {version}; not validated",
                fix="validate custom resources with their CRD's schema (e.g. kubeconform -schema-location)",
                location=obj.location,
                **common,
            )
        ]
    precheck = schemas.precheck(lookup.definition) if use_precheck else None
    if precheck is not None and precheck(obj.data):
        return "valid", []
    validator = schemas.validator(lookup.definition)
    findings: list[Finding] = []
    for error in validator.iter_errors(obj.data):
        findings.extend(_describe(error, obj, common))
    return ("invalid" if findings else "valid"), findings


def _describe(
    error: jsonschema.ValidationError, obj: ManifestObject, common: dict[str, Any]
) -> list[Finding]:
    path = tuple(error.absolute_path)
    kind, version = common["kind"], common["kube_version"]
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
        out = []
        for name in sorted(k for k in error.instance if k not in known):
            field_path = (*path, name)
            out.append(
                Finding(
                    rule="K8S001",
                    severity="error",
                    message=f"unknown field {render_path(field_path)!r}",
                    fix=f"remove it or fix its spelling/indentation: the {kind} schema of Kubernetes "
                    f"{version} has no such field",
                    location=obj.locate(field_path),
                    path=render_path(field_path),
                    **common,
                )
            )
        return out
    where = render_path(path) or "(object)"
    if error.validator == "type":
        expected = error.validator_value
        expected_list = [t for t in (expected if isinstance(expected, list) else [expected]) if t != "null"]
        message = (
            f"{where}: expected {' or '.join(expected_list)}, got {_json_type(error.instance)} "
            f"{_short(error.instance)}"
        )
        fix = "quote or unquote the value to give it the expected type"
    elif error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        message = f"{where}: missing required field {missing!r}"
        fix = f"add {missing}"
    elif error.validator == "enum":
        allowed = ", ".join(_short(v) for v in error.validator_value)
        message = f"{where}: {_short(error.instance)} is not one of {allowed}"
        fix = "use one of the allowed values"
    elif error.validator in ("oneOf", "anyOf"):
        kinds = sorted(
            {
                t
                for sub in error.validator_value
                if isinstance(sub, dict)
                for t in _types(sub.get("type"))
                if t != "null"
            }
        )
        message = (
            f"{where}: expected {' or '.join(kinds) or 'another shape'}, got "
            f"{_json_type(error.instance)} {_short(error.instance)}"
        )
        fix = "give the value one of the accepted types"
    elif error.validator in ("minimum", "maximum"):
        bits = 32 if abs(error.validator_value) < 2**32 else 64
        message = f"{where}: {error.message} (a {bits}-bit integer field; the API server refuses it)"
        fix = "use a value the field can hold"
    else:
        message = f"{where}: {error.message}"
        fix = ""
    return [
        Finding(
            rule="K8S001",
            severity="error",
            message=message,
            fix=fix,
            location=obj.locate(path),
            path=render_path(path),
            **common,
        )
    ]


def _types(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)] if value else []
