"""CRD -> strict JSON Schema conversion, checked against the real upstream CRDs."""

from __future__ import annotations

import copy
import io
import json
import re
from functools import cache
from pathlib import Path

import jsonschema
import pytest
import yaml

from gpuaas.validate.crd_import import DRAFT4, CRDError, convert_crd, load_crds, write_schemas

CRD_DIR = Path(__file__).resolve().parents[1] / "crds" / "yaml"
CRD_FILES = sorted(CRD_DIR.glob("*/*.yaml"))


@cache
def converted(file: Path) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for crd in load_crds(file):
        out.update(convert_crd(crd))
    return out


@cache
def all_schemas() -> dict[str, dict]:
    out: dict[str, dict] = {}
    for file in CRD_FILES:
        out.update(converted(file))
    return out


def errors(rel: str, obj: dict) -> list[jsonschema.ValidationError]:
    # The pure-Python validator is a second, independent implementation
    # (SchemaValidator uses jsonschema_rs).
    return list(jsonschema.Draft4Validator(all_schemas()[rel]).iter_errors(obj))


def test_crd_directory_is_there():
    assert CRD_DIR.is_dir(), f"upstream CRDs expected at {CRD_DIR}"
    assert len(CRD_FILES) >= 25


# --------------------------------------------------------------------------- every CRD


@pytest.mark.parametrize("file", CRD_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_crd_converts_to_valid_draft4_and_draft7(file):
    schemas = converted(file)
    crd = load_crds(file)[0]
    group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
    served = {v["name"] for v in crd["spec"]["versions"] if v["served"]}
    assert set(schemas) == {f"{group}/{kind.lower()}_{v}.json" for v in served}
    for rel, schema in schemas.items():
        assert schema["$schema"] == DRAFT4
        jsonschema.Draft4Validator.check_schema(schema)
        jsonschema.Draft7Validator.check_schema(schema)
        version = rel.rsplit("_", 1)[1].removesuffix(".json")
        assert schema["properties"]["apiVersion"]["enum"] == [f"{group}/{version}"]
        assert schema["properties"]["kind"]["enum"] == [kind]
        assert schema["additionalProperties"] is False


def test_layout_file_names():
    names = set(all_schemas())
    assert {
        "serving.kserve.io/inferenceservice_v1beta1.json",
        "serving.kserve.io/servingruntime_v1alpha1.json",
        "kueue.x-k8s.io/clusterqueue_v1beta1.json",
        "kueue.x-k8s.io/clusterqueue_v1beta2.json",
        "route.openshift.io/route_v1.json",
        "datasciencecluster.opendatahub.io/datasciencecluster_v2.json",
        "operators.coreos.com/operatorgroup_v1alpha2.json",
        "kubeflow.org/notebook_v1beta1.json",
    } <= names
    assert all(re.fullmatch(r"[a-z0-9.-]+/[a-z0-9]+_v\d+((alpha|beta)\d+)?\.json", n) for n in names), names


def test_conversion_is_pure_and_deterministic():
    crd = load_crds(CRD_DIR / "route.openshift.io" / "routes.yaml")[0]
    before = copy.deepcopy(crd)
    first = convert_crd(crd)
    assert crd == before
    assert json.dumps(first, sort_keys=True) == json.dumps(convert_crd(crd), sort_keys=True)


def test_unserved_versions_are_skipped():
    crd = copy.deepcopy(load_crds(CRD_DIR / "kueue.x-k8s.io" / "clusterqueues.yaml")[0])
    for version in crd["spec"]["versions"]:
        version["served"] = version["name"] == "v1beta2"
    assert list(convert_crd(crd)) == ["kueue.x-k8s.io/clusterqueue_v1beta2.json"]


# --------------------------------------------------------------------------- strictness

ISVC = "serving.kserve.io/inferenceservice_v1beta1.json"
ROUTE = "route.openshift.io/route_v1.json"


def isvc(**model) -> dict:
    return {
        "apiVersion": "serving.kserve.io/v1beta1",
        "kind": "InferenceService",
        "metadata": {
            "name": "granite",
            "namespace": "models",
            "generateName": "g-",
            "labels": {"app.kubernetes.io/name": "granite"},
            "annotations": {"serving.kserve.io/deploymentMode": "RawDeployment"},
        },
        "spec": {
            "predictor": {
                "minReplicas": 1,
                "model": {
                    "modelFormat": {"name": "vLLM"},
                    "runtime": "vllm-cuda",
                    "storageUri": "oci://registry.example.com/granite:1.0",
                    "resources": {"limits": {"nvidia.com/gpu": 1, "memory": "24Gi"}},
                    **model,
                },
            }
        },
    }


def route(**spec) -> dict:
    return {
        "apiVersion": "route.openshift.io/v1",
        "kind": "Route",
        "metadata": {"name": "granite"},
        "spec": {"to": {"kind": "Service", "name": "granite-predictor"}, **spec},
    }


def test_minimal_inferenceservice_passes():
    assert errors(ISVC, isvc()) == []


def test_unknown_field_under_predictor_model_fails_with_its_path():
    found = errors(ISVC, isvc(foo=1))
    assert [list(e.absolute_path) for e in found] == [["spec", "predictor", "model"]]
    assert "'foo' was unexpected" in found[0].message


@pytest.mark.parametrize(
    "path",
    [("spec", "canary"), ("spec", "predictor", "storageUris"), ("status", "anything")],
)
def test_closed_and_open_objects(path):
    obj = isvc()
    node = obj
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node[path[-1]] = {}
    # Upstream-only fields are rejected; status preserves unknown fields.
    assert bool(errors(ISVC, obj)) is (path[0] != "status")


@pytest.mark.slow
def test_apiversion_and_kind_are_pinned():
    assert errors(ISVC, {**isvc(), "apiVersion": "serving.kserve.io/v1alpha1"})
    assert errors(ISVC, {**isvc(), "kind": "ServingRuntime"})
    no_kind = isvc()
    del no_kind["kind"]
    assert errors(ISVC, no_kind)


def test_route_without_host_or_wildcard_policy_passes():
    # wildcardPolicy defaults to None on the server, which satisfies the anyOf.
    assert errors(ROUTE, route()) == []
    assert errors(ROUTE, route(host="granite.apps.example.com")) == []
    assert errors(ROUTE, route(wildcardPolicy="None")) == []


def test_route_real_violations_still_fail():
    assert errors(ROUTE, route(wildcardPolicy="Subdomain"))  # Subdomain needs a host
    assert errors(ROUTE, route(wildcardPolicy="Subdomain", host="x.example.com")) == []
    assert errors(ROUTE, route(path="/v1", tls={"termination": "passthrough"}))
    assert errors(ROUTE, route(tls={"termination": "passthrough"})) == []
    assert errors(ROUTE, route(tls={"termination": "edge", "destinationCACertificate": "x"}))


def test_required_with_default_is_not_required():
    # Route spec.to.kind defaults to Service; spec.to.name has no default.
    assert errors(ROUTE, route(to={"name": "svc"})) == []
    assert errors(ROUTE, route(to={"kind": "Service"}))
    workload = {
        "apiVersion": "kueue.x-k8s.io/v1beta1",
        "kind": "Workload",
        "metadata": {"name": "w"},
        "spec": {"podSets": [{"name": "main", "template": {"spec": {"containers": [{"name": "c"}]}}}]},
    }
    assert errors("kueue.x-k8s.io/workload_v1beta1.json", workload) == []  # count defaults to 1


def test_int_or_string():
    for port in (8080, "http"):
        assert errors(ROUTE, route(port={"targetPort": port})) == []
    for port in ([8080], 1.5, None, 0, ""):  # 0 and "" are excluded by the CRD's own allOf
        assert errors(ROUTE, route(port={"targetPort": port})), port
    for quantity in (2, "2", "500m"):
        assert errors(ISVC, isvc(resources={"limits": {"cpu": quantity}})) == []
    assert errors(ISVC, isvc(resources={"limits": {"cpu": "two"}}))


def test_nullable_accepts_null():
    rel = "nfd.openshift.io/nodefeaturediscovery_v1.json"
    base = {"apiVersion": "nfd.openshift.io/v1", "kind": "NodeFeatureDiscovery", "metadata": {"name": "nfd"}}
    assert errors(rel, {**base, "spec": {"extraLabelNs": None, "labelWhiteList": None}}) == []
    assert errors(rel, {**base, "spec": {"extraLabelNs": ["nvidia.com"]}}) == []
    assert errors(rel, {**base, "spec": {"extraLabelNs": "nvidia.com"}})
    assert errors(rel, {**base, "spec": {"instance": None}})  # not nullable


def test_list_type_set_rejects_duplicates():
    rel = "kueue.openshift.io/kueue_v1.json"
    schema = all_schemas()[rel]["properties"]["spec"]["properties"]["config"]["properties"]["integrations"]
    frameworks = schema["properties"]["frameworks"]
    assert jsonschema.Draft4Validator(frameworks).is_valid(["Deployment", "Pod"])
    assert not jsonschema.Draft4Validator(frameworks).is_valid(["Pod", "Pod"])


# --------------------------------------------------------------------------- synthetic CRD


def synthetic_crd(version_schema: dict) -> dict:
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {
            "group": "example.com",
            "names": {"kind": "Widget", "plural": "widgets"},
            "scope": "Namespaced",
            "versions": [{"name": "v1", "served": True, "storage": True, "schema": {"openAPIV3Schema": version_schema}}],
        },
    }


def widget_schema() -> dict:
    spec = {
        "type": "object",
        "properties": {
            "mode": {"type": "string", "default": "Auto", "enum": ["Auto", "Manual"]},
            "level": {"type": "integer", "default": 3},
            "owner": {"type": "string"},
            "legacy": {"type": "boolean"},
            "extra": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
            "labels": {"type": "object", "additionalProperties": {"type": "string"}},
        },
        # Manual mode needs an owner; level must stay below 5 unless an owner is set.
        "allOf": [
            {"anyOf": [{"not": {"properties": {"mode": {"enum": ["Manual"]}}}}, {"required": ["owner"]}]},
            {"anyOf": [{"properties": {"level": {"maximum": 4}}}, {"required": ["owner"]}]},
            # mode is always there (defaulted), so this forbids `legacy`.
            {"oneOf": [{"required": ["mode"]}, {"required": ["legacy"]}]},
        ],
    }
    return {"type": "object", "properties": {"spec": spec}}


def widget(**spec) -> dict:
    return {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": spec}


def test_combinator_branches_judge_absent_fields_by_their_default():
    schema = convert_crd(synthetic_crd(widget_schema()))["example.com/widget_v1.json"]
    jsonschema.Draft4Validator.check_schema(schema)
    check = jsonschema.Draft4Validator(schema)
    assert check.is_valid(widget())  # mode=Auto, level=3 by default
    assert not check.is_valid(widget(mode="Manual"))
    assert check.is_valid(widget(mode="Manual", owner="me"))
    assert not check.is_valid(widget(level=9))
    assert check.is_valid(widget(level=9, owner="me"))
    assert not check.is_valid(widget(legacy=True))
    assert not check.is_valid(widget(legacy=True, mode="Auto"))
    assert check.is_valid(widget(extra={"anything": 1}, labels={"a": "b"}))
    assert not check.is_valid(widget(labels={"a": 1}))
    assert not check.is_valid(widget(unknown=1))


def test_branches_are_never_closed():
    schema = convert_crd(synthetic_crd(widget_schema()))["example.com/widget_v1.json"]
    for branch in schema["properties"]["spec"]["allOf"]:
        assert "additionalProperties" not in json.dumps(branch)


def test_root_metadata_missing_from_crd_is_added_open():
    schema = convert_crd(synthetic_crd({"type": "object", "properties": {"spec": {"type": "object"}}}))
    check = jsonschema.Draft4Validator(schema["example.com/widget_v1.json"])
    assert check.is_valid({**widget(), "metadata": {"name": "w", "labels": {"a": "b"}, "finalizers": ["x"]}})


def test_root_preserving_unknown_fields_stays_open():
    crd = synthetic_crd({"type": "object", "x-kubernetes-preserve-unknown-fields": True})
    check = jsonschema.Draft4Validator(convert_crd(crd)["example.com/widget_v1.json"])
    assert check.is_valid({**widget(), "anything": 1})
    assert not check.is_valid({**widget(), "kind": "Gadget"})


# --------------------------------------------------------------------------- loading


def test_load_multidoc_ignores_other_documents():
    crd = synthetic_crd({"type": "object"})
    text = yaml.safe_dump_all([{"apiVersion": "v1", "kind": "ConfigMap"}, None, crd])
    assert load_crds(text) == [crd]
    assert load_crds(io.StringIO(text)) == [crd]
    assert load_crds(yaml.safe_dump({"apiVersion": "v1", "kind": "List", "items": [crd, crd]})) == [crd, crd]


def test_load_directory_file_and_list(tmp_path):
    paths = [CRD_DIR / "route.openshift.io" / "routes.yaml", CRD_DIR / "kueue.x-k8s.io"]
    kinds = [c["spec"]["names"]["kind"] for c in load_crds(paths)]
    assert kinds[0] == "Route" and "ClusterQueue" in kinds and len(kinds) == 7
    assert len(load_crds(str(paths[0]))) == 1


def test_load_directory_skips_files_without_crds(tmp_path):
    (tmp_path / "kustomization.yaml").write_text("resources: [crd.yaml]\n")
    (tmp_path / "crd.yaml").write_text(yaml.safe_dump(synthetic_crd({"type": "object"})))
    assert [c["spec"]["group"] for c in load_crds(tmp_path)] == ["example.com"]
    (tmp_path / "crd.yaml").unlink()
    with pytest.raises(CRDError, match="no CustomResourceDefinition"):
        load_crds(tmp_path)


def test_load_reports_yaml_errors_with_file_and_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: v1\nkind: CustomResourceDefinition\nspec: [unclosed\n")
    with pytest.raises(CRDError, match=r"bad\.yaml:\d+:\d+: invalid YAML"):
        load_crds(bad)


@pytest.mark.parametrize(
    "text, reason",
    [
        ("apiVersion: v1\nkind: ConfigMap\n", "no CustomResourceDefinition"),
        ("kind: CustomResourceDefinition\napiVersion: apiextensions.k8s.io/v1\n", "missing spec"),
        (
            "kind: CustomResourceDefinition\napiVersion: apiextensions.k8s.io/v1\nspec: {group: a.b, names: {kind: A}}\n",
            "missing spec.versions",
        ),
    ],
)
def test_load_rejects_non_crds(text, reason):
    with pytest.raises(CRDError, match=reason):
        load_crds(text)


def test_load_missing_file(tmp_path):
    with pytest.raises(CRDError, match="cannot read"):
        load_crds(tmp_path / "nope.yaml")


def test_convert_rejects_non_crd():
    with pytest.raises(CRDError):
        convert_crd({"apiVersion": "v1", "kind": "ConfigMap"})


# --------------------------------------------------------------------------- writing


def test_write_schemas_is_deterministic(tmp_path):
    schemas = converted(CRD_DIR / "kueue.x-k8s.io" / "clusterqueues.yaml")
    paths = write_schemas(schemas, tmp_path / "a")
    assert [p.relative_to(tmp_path / "a").as_posix() for p in paths] == sorted(schemas)
    write_schemas(dict(reversed(list(schemas.items()))), tmp_path / "b")
    for path in paths:
        text = path.read_text()
        twin = tmp_path / "b" / path.relative_to(tmp_path / "a")
        assert text == twin.read_text()
        assert text.endswith("}\n") and text.startswith('{\n  "$schema"')
        assert json.loads(text) == schemas[path.relative_to(tmp_path / "a").as_posix()]
