"""SchemaValidator: kubernetes_validate strict schemas for built-ins, converted CRDs for the rest."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from gpuaas.validate.crd_import import convert_crd, load_crds, write_schemas
from gpuaas.validate.schema_check import SchemaProblem, SchemaValidator, kubernetes_version_for

CRD_DIR = Path(__file__).resolve().parents[1] / "crds" / "yaml"


@cache
def crd_schemas() -> dict[str, dict]:
    out: dict[str, dict] = {}
    for crd in load_crds(CRD_DIR):
        out.update(convert_crd(crd))
    return out


@pytest.fixture(scope="module")
def validator() -> SchemaValidator:
    return SchemaValidator("1.33", crd_schemas=crd_schemas())


def deployment(**pod_spec) -> dict:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "demo", "labels": {"app.kubernetes.io/name": "web"}},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "web"}},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 0}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {
                    "containers": [
                        {
                            "name": "web",
                            "image": "registry.example.com/web:1",
                            "ports": [{"containerPort": 8080}],
                            "resources": {"limits": {"nvidia.com/gpu": 1, "memory": "1Gi"}},
                        }
                    ],
                    **pod_spec,
                },
            },
        },
    }


def isvc(**model) -> dict:
    return {
        "apiVersion": "serving.kserve.io/v1beta1",
        "kind": "InferenceService",
        "metadata": {"name": "granite", "namespace": "models"},
        "spec": {"predictor": {"model": {"modelFormat": {"name": "vLLM"}, "runtime": "vllm", **model}}},
    }


ROUTE = {
    "apiVersion": "route.openshift.io/v1",
    "kind": "Route",
    "metadata": {"name": "granite"},
    "spec": {"to": {"name": "granite-predictor"}, "port": {"targetPort": "http"}, "tls": {"termination": "edge"}},
}


# --------------------------------------------------------------------------- versions


@pytest.mark.parametrize("openshift, kube", [("4.19", "1.32"), ("4.20", "1.33"), ("4.20.5", "1.33")])
def test_kubernetes_version_for(openshift, kube):
    assert kubernetes_version_for(openshift) == kube


@pytest.mark.parametrize("bad", ["3.11", "4.99", "nonsense"])
def test_kubernetes_version_for_unknown(bad):
    with pytest.raises(ValueError, match="unknown OpenShift version"):
        kubernetes_version_for(bad)


def test_unsupported_kube_version():
    with pytest.raises(ValueError, match="no schemas for Kubernetes"):
        SchemaValidator("1.2")
    assert SchemaValidator("v1.33.4").kube_version == "1.33"


# --------------------------------------------------------------------------- built-ins


def test_builtin_objects_pass(validator):
    assert validator.validate({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "demo"}}) == []
    assert validator.validate(deployment()) == []
    configmap = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": "b"}}
    assert validator.validate(configmap) == []


def test_unknown_field_in_pod_spec_fails(validator):
    assert validator.validate(deployment(bogus=True)) == [
        SchemaProblem("spec.template.spec.bogus", "unknown field")
    ]
    broken = deployment()
    broken["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"] = 3
    [problem] = validator.validate(broken)
    assert problem.path == "spec.template.spec.containers[0].imagePullPolicy"


def test_builtin_type_errors_and_missing_fields(validator):
    problems = validator.validate(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "labels": {"app.kubernetes.io/x": 1}}, "data": {"a": 1}}
    )
    assert {p.path for p in problems} == {'metadata.labels["app.kubernetes.io/x"]', "data.a"}
    no_containers = deployment()
    del no_containers["spec"]["template"]["spec"]["containers"]
    assert validator.validate(no_containers) == [
        SchemaProblem("spec.template.spec.containers", "required field is missing")
    ]


def test_unknown_kinds_return_none(validator):
    assert validator.validate({"apiVersion": "example.com/v1", "kind": "Gadget", "metadata": {"name": "g"}}) is None
    # kubernetes_validate's file naming would map this onto apps/v1 Deployment; it must not.
    assert validator.validate({**deployment(), "apiVersion": "apps.example.com/v1"}) is None
    assert validator.validate({"apiVersion": "v1", "kind": "PodSpec"}) is None  # a definition, not a kind
    assert validator.validate({"kind": "Namespace"}) is None
    assert validator.validate({}) is None
    assert not validator.has_schema("example.com/v1", "Gadget")
    assert validator.has_schema("v1", "Namespace")


# --------------------------------------------------------------------------- CRDs


def check_crd_kinds(validator: SchemaValidator) -> None:
    assert validator.validate(isvc()) == []
    assert validator.validate(isvc(foo=1)) == [SchemaProblem("spec.predictor.model.foo", "unknown field")]
    assert validator.validate(ROUTE) == []
    problems = validator.validate({**ROUTE, "spec": {**ROUTE["spec"], "wildcardPolicy": "Subdomain"}})
    assert [p.path for p in problems] == ["spec"] and "anyOf" in problems[0].message
    queue = {
        "apiVersion": "kueue.x-k8s.io/v1beta1",
        "kind": "ClusterQueue",
        "metadata": {"name": "gpu"},
        "spec": {"cohort": "all", "namespaceSelector": {}},
    }
    assert validator.validate(queue) == []
    assert validator.validate({**queue, "apiVersion": "kueue.x-k8s.io/v1beta2"}) == [
        SchemaProblem("spec.cohort", "unknown field (did you mean 'cohortName'?)")
    ]


def test_crd_kinds_from_memory(validator):
    check_crd_kinds(validator)


def test_crd_kinds_from_directory(tmp_path):
    write_schemas(crd_schemas(), tmp_path)
    check_crd_kinds(SchemaValidator("1.33", crd_schema_dirs=[tmp_path / "missing", tmp_path]))


def test_problem_str():
    assert str(SchemaProblem("spec.x", "unknown field")) == "spec.x: unknown field"
    assert str(SchemaProblem("", "bad")) == "<root>: bad"


def test_each_kind_is_compiled_once(monkeypatch):
    """Hundreds of objects per hook run: a schema is read and compiled once per kind."""
    objects = [deployment(), isvc(), ROUTE, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "n"}}] * 100
    compiled = []
    original = SchemaValidator._compile
    monkeypatch.setattr(SchemaValidator, "_compile",
                        lambda self, *key: compiled.append(key) or original(self, *key))
    fresh = SchemaValidator("1.33", crd_schemas=crd_schemas())
    assert all(fresh.validate(obj) == [] for obj in objects)
    assert sorted(compiled) == sorted({(o["apiVersion"], o["kind"]) for o in objects})
