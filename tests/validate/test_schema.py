"""Strict schema validation against the vendored Kubernetes schemas, per version."""

from __future__ import annotations

import textwrap

import pytest

from djhelm.errors import InputError
from djhelm.validation import Report, Source, validate_documents
from tests.validate.support import app, findings, obj, run, schema_errors, web

VERSIONS = ("1.29", "1.37")


def validate_text(text: str, versions: tuple[str, ...] = VERSIONS, strict_kinds: bool = False) -> Report:
    return validate_documents(
        [Source(textwrap.dedent(text), "in.yaml")], versions, strict_kinds=strict_kinds, rules=False
    )


def test_the_fixture_app_is_valid_on_every_default_version() -> None:
    report = run(app())
    assert report.valid, [f.message for f in report.findings]
    assert {o.status for o in report.objects} == {"valid"}
    assert len(report.objects) == 2 * 10


@pytest.mark.parametrize("version", VERSIONS)
def test_unknown_field_is_an_error_with_its_path_and_line(version: str) -> None:
    report = validate_text(
        """\
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: cfg
          labelz: {a: b}
        data: {A: b}
        """,
        (version,),
    )
    [error] = schema_errors(report)
    assert error.rule == "K8S001"
    assert error.path == "metadata.labelz"
    assert error.location.line == 5
    assert error.kube_version == version
    assert "unknown field" in error.message


@pytest.mark.parametrize("version", VERSIONS)
def test_wrong_type_is_an_error(version: str) -> None:
    objects = app()
    obj(objects, "Deployment", "shop-web")["spec"]["replicas"] = "two"
    report = run(objects, (version,))
    [error] = schema_errors(report)
    assert error.path == "spec.replicas"
    assert "expected integer, got string" in error.message
    assert not report.valid


def test_unknown_field_deep_in_a_pod_template() -> None:
    objects = app()
    web(objects)["imagePullPolicyy"] = "Always"
    report = run(objects)
    errors = schema_errors(report)
    assert [e.path for e in errors] == ["spec.template.spec.containers[0].imagePullPolicyy"] * 2
    assert [e.kube_version for e in errors] == list(VERSIONS)


def test_a_field_that_only_newer_versions_know() -> None:
    # Read from the schemas: Lifecycle.stopSignal first appears in 1.33. (lifecycle.preStop.sleep is already
    # in 1.29's schema, as an alpha field, so it cannot show the difference; ZD003 warns about it instead.)
    objects = app()
    web(objects)["lifecycle"]["stopSignal"] = "SIGTERM"
    report = run(objects, ("1.29", "1.32", "1.33", "1.37"))
    failing = sorted({e.kube_version for e in schema_errors(report)})
    assert failing == ["1.29", "1.32"]
    assert all(e.path.endswith("lifecycle.stopSignal") for e in schema_errors(report))


def test_prestop_sleep_action_is_in_the_1_29_schema_already() -> None:
    objects = app()
    web(objects)["lifecycle"]["preStop"] = {"sleep": {"seconds": 10}}
    report = run(objects)
    assert schema_errors(report) == []
    # ...but the feature gate is off by default on 1.29, so the rule warns on that version only.
    assert [f.kube_version for f in findings(report, "ZD003", "warning")] == ["1.29"]


def test_removed_api_version_names_the_current_one() -> None:
    report = validate_text(
        """\
        apiVersion: policy/v1beta1
        kind: PodDisruptionBudget
        metadata: {name: pdb}
        spec: {maxUnavailable: 1}
        """
    )
    errors = schema_errors(report)
    assert len(errors) == 2 and errors[0].rule == "K8S002"
    assert "use apiVersion policy/v1" in errors[0].fix


def test_unknown_kind_is_a_warning_or_with_strict_kinds_an_error() -> None:
    text = """\
        apiVersion: monitoring.coreos.com/v1
        kind: ServiceMonitor
        metadata: {name: shop}
        spec: {}
        """
    report = validate_text(text)
    assert report.valid
    assert [f.severity for f in findings(report, "K8S002")] == ["warning", "warning"]
    assert "no schema for kind ServiceMonitor" in findings(report, "K8S002")[0].message
    assert {o.status for o in report.objects} == {"no-schema"}
    strict = validate_text(text, strict_kinds=True)
    assert not strict.valid
    assert [f.severity for f in findings(strict, "K8S002")] == ["error", "error"]


def test_duplicate_keys_are_errors_with_both_lines() -> None:
    report = validate_text(
        """\
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: cfg
        data:
          A: "1"
          A: "2"
        """
    )
    [dup] = findings(report, "K8S003")
    assert dup.severity == "error"
    assert dup.location.file == "in.yaml" and dup.location.line == 7
    assert "first at line 6" in dup.message
    assert dup.kube_version is None  # found while reading, the same on every version
    assert not report.valid


def test_kind_list_items_are_validated_one_by_one() -> None:
    report = validate_text(
        """\
        apiVersion: v1
        kind: List
        items:
          - apiVersion: v1
            kind: ConfigMap
            metadata: {name: ok}
          - apiVersion: v1
            kind: ConfigMap
            metadata: {name: bad}
            datta: {}
        """,
        ("1.37",),
    )
    assert [(o.kind, o.name, o.location.item) for o in report.objects] == [
        ("ConfigMap", "ok", 0),
        ("ConfigMap", "bad", 1),
    ]
    [error] = schema_errors(report)
    assert error.path == "datta"
    assert error.location.item == 1 and error.location.line == 10


def test_empty_documents_and_separators_are_skipped() -> None:
    report = validate_text(
        """\
        ---
        ---
        # only a comment
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: a}
        ---
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: b}
        """,
        ("1.37",),
    )
    assert report.valid
    assert [(o.name, o.location.document, o.location.line) for o in report.objects] == [
        ("a", 2, 5),
        ("b", 4, 10),
    ]


def test_a_document_that_is_not_an_object() -> None:
    report = validate_text("- a\n- b\n---\napiVersion: v1\nmetadata: {name: x}\n", ("1.37",))
    assert [f.rule for f in schema_errors(report)] == ["K8S004", "K8S004"]
    assert "no kind" in schema_errors(report)[1].message


def test_yaml_that_does_not_parse_is_an_input_error() -> None:
    with pytest.raises(InputError) as caught:
        validate_text("apiVersion: v1\nkind: [ConfigMap\n")
    assert "in.yaml:" in str(caught.value)


def test_unsupported_version_is_an_input_error() -> None:
    with pytest.raises(InputError) as caught:
        validate_text("apiVersion: v1\n", ("1.12",))
    assert "unsupported Kubernetes version '1.12'" in str(caught.value)


def test_versions_are_normalised() -> None:
    report = validate_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n", ("v1.30.2", "1.30", "1.37.0")
    )
    assert report.kube_versions == ("1.30", "1.37")


def test_httproute_has_a_compact_strict_schema() -> None:
    route = """\
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: shop}
        spec:
          parentRefs: [{name: main, namespace: gateway}]
          hostnames: [shop.example.com]
          rules:
            - matches: [{path: {type: PathPrefix, value: /}}]
              backendRefs: [{name: shop, port: 80}]
        """
    assert validate_text(route).valid
    assert validate_text(route.replace("hostnames: [shop.example.com]", "hostnames: null")).valid
    wrong_type = validate_text(route.replace("port: 80", "port: eighty"))
    assert [e.path for e in schema_errors(wrong_type)] == ["spec.rules[0].backendRefs[0].port"] * 2
    broken = validate_text(route.replace("backendRefs", "backends"))
    assert [e.path for e in schema_errors(broken)] == ["spec.rules[0].backends"] * 2


def test_helm_output_locations_name_the_template_and_count_from_its_source_line() -> None:
    text = (
        "---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n"
        "---\n# Source: c/templates/b.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\nbad: 1\n"
    )
    report = validate_documents([Source(text, "<stdin>", helm_output=True)], ["1.37"], rules=False)
    [error] = schema_errors(report)
    assert (error.location.file, error.location.line, error.location.document) == ("c/templates/b.yaml", 4, 1)
    assert [(o.location.file, o.location.line) for o in report.objects] == [
        ("c/templates/a.yaml", 1),
        ("c/templates/b.yaml", 1),
    ]


def test_field_lines_are_found_again_in_every_document_shape() -> None:
    """Positions are read again only for a document with a finding, from its own lines: block, indented,
    flow and kind: List documents of one stream all point at the line of the bad field."""
    text = (
        "apiVersion: v1\n"                     # 1
        "kind: ConfigMap\n"
        "metadata: {name: a}\n"
        "data: {A: b}\n"
        "---\n"                                # 5
        "apiVersion: v1\n"
        "kind: ConfigMap\n"
        "metadata:\n"
        "  name: b\n"
        "  labelz: {x: y}\n"                   # 10: block document
        "---\n"
        "  apiVersion: v1\n"
        "  kind: ConfigMap\n"
        "  metadata:\n"
        "    name: c\n"                        # 15
        "    labelz: {x: y}\n"                 # 16: indented document
        "--- {apiVersion: v1, kind: ConfigMap,\n"
        "  metadata: {name: d,\n"
        "    labelz: {x: y}}}\n"               # 19: flow document
        "---\n"                                # 20
        "apiVersion: v1\n"
        "kind: List\n"
        "items:\n"
        "- apiVersion: v1\n"
        "  kind: ConfigMap\n"                  # 25
        "  metadata:\n"
        "    name: e\n"
        "    labelz: {x: y}\n"                 # 28: List item
    )
    report = validate_documents([Source(text, "in.yaml")], ("1.37",), rules=False)
    lines = sorted(f.location.line for f in schema_errors(report) if f.path == "metadata.labelz")
    assert lines == [10, 16, 19, 28]


def test_no_yaml_node_tree_is_kept_per_object() -> None:
    """Memory stays flat with the number of objects: node trees are dropped once the data is built."""
    import gc

    from yaml.nodes import Node

    from djhelm.validation.loader import parse_manifests

    def nodes() -> int:
        # type(), not isinstance(): a lazy object (Django's settings) would set itself up on isinstance
        gc.collect()
        return sum(1 for o in gc.get_objects() if issubclass(type(o), Node))

    stream = "".join(f"---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c{i}}}\ndata: {{A: b}}\n"
                     for i in range(200))
    before = nodes()  # other tests of this process may hold node trees of their own
    loaded = parse_manifests(stream, "in.yaml")
    assert len(loaded.objects) == 200
    assert nodes() - before == 0
    assert loaded.objects[150].locate(("data", "A")).line == 5 * 150 + 5
