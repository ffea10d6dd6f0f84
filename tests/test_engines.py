"""The committed trees through the real engines: Helm for every chart and environment,
kubectl kustomize for every kustomization, strict schemas for every object."""
from __future__ import annotations

import copy

import shutil
from pathlib import Path

import pytest
import yaml

from gpuaas import pipeline
from gpuaas.validate import engines, gate, wiring

from .conftest import PORTFOLIOS, REPO


def test_a_helm_engine_is_available():
    assert engines.helm_engine() in ("helm", "helm-python-sdk")


@pytest.mark.parametrize("path", PORTFOLIOS, ids=lambda p: p.name)
def test_every_chart_renders_for_every_environment(path: Path):
    built = pipeline.build(path)
    root = REPO / "rendered" / built.name
    apps = yaml.safe_load((root / "charts/argocd-apps/values.yaml").read_text())
    text = engines.helm_template(root / "charts/argocd-apps", apps, "argocd-apps", "openshift-gitops")
    common = yaml.safe_load((root / f"charts/{built.name}-umbrella/values-common.yaml").read_text())
    wired = {}      # every environment, from the element (or a fleet's cluster) that deploys it
    for appset in (d for d in yaml.safe_load_all(text) if d and d["kind"] == "ApplicationSet"):
        params = appset["spec"]["template"]["spec"]["source"]["helm"]["parameters"]
        for element in wiring.generated(appset["spec"]):
            values = copy.deepcopy(common)
            for p in params:
                value, missing = wiring.substitute(p["value"], element)
                assert missing is None
                wiring.set_path(values, p["name"], value)
            wired[values["env"]] = values
    assert sorted(wired) == sorted(e.name for e in built.plan.environments)
    for env in built.plan.environments:
        values = wired[env.name]
        rendered = engines.helm_template(root / f"charts/{built.name}-umbrella", values, "u", "openshift-gitops")
        apps = [d for d in yaml.safe_load_all(rendered) if d and d["kind"] == "Application"]
        deployed = sorted(a["spec"]["source"]["path"].rsplit("/", 1)[1] for a in apps)
        assert deployed == sorted(c for c, on in env.components.items() if on), env.name


@pytest.mark.skipif(not shutil.which("kubectl"), reason="kubectl is not installed")
def test_every_kustomization_builds_with_kubectl():
    dirs = sorted(p.parent for p in (REPO / "rendered").glob("*/components/*/*/kustomization.yaml"))
    assert len(dirs) >= 15
    for directory, result in engines.kustomize_builds(dirs, engine="kubectl").items():
        assert not isinstance(result, engines.EngineError), f"{directory}: {result}"
        built = sorted(ref(d) for d in yaml.safe_load_all(result) if d)
        listed = yaml.safe_load((directory / "kustomization.yaml").read_text())["resources"]
        expected = sorted(ref(d) for name in listed
                          for d in yaml.safe_load_all((directory / name).read_text()) if d)
        assert built and built == expected, directory


def ref(doc: dict) -> tuple[str, str, str]:
    meta = doc["metadata"]
    return doc["kind"], meta.get("namespace", ""), meta["name"]


def on_30(path: Path) -> bool:
    from gpuaas.releases import targets
    return {t.release.version for t in targets(pipeline.build(path).plan.portfolio).values()} == {"3.0"}


@pytest.mark.parametrize("imported", [False, True], ids=["bundled", "imported-3.0"])
def test_whole_gate_passes_strictly_on_every_example(crd_schemas: Path, imported: bool):
    """Every example against the schemas of the releases it runs; the 3.0 ones also against
    CRDs imported from a 3.0 cluster (which take precedence, so they apply to 3.0 trees only)."""
    paths = [p for p in PORTFOLIOS if on_30(p)] if imported else PORTFOLIOS
    report = gate.validate(paths, gate.Options(REPO / "rendered", crd_schemas if imported else None,
                                               strict=True))
    errors = [f for f in report.findings if f.severity == "error"]
    assert not errors, "\n".join(f"{f.where()}: {f.code} {f.message}" for f in errors[:20])
    assert not [f for f in report.findings if f.code == "NO_SCHEMA"]
    assert report.stats["objects"] == report.stats["schemaChecked"] > 150
