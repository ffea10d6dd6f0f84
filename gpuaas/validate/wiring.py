"""The charts as Argo CD renders them, with a real Helm engine: the ApplicationSet's elements
and parameters, the umbrella for every environment, and every component wired to its
directory (HELM, UNWIRED)."""
from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from .. import manifests, pipeline
from .. import resultcache as results
from ..component_names import ALL as COMPONENTS
from ..findings import Finding
from . import engines
from .checks import Checks
from .objects import Obj, parse_objects, yaml_finding

if TYPE_CHECKING:
    from ..buildcache import Reused

class _NoHelm(Exception):
    pass


def _helm(checks: Checks):
    """helm template, its output kept in the cache under the engine's build, the chart's
    files and the values (Helm's output depends on nothing else)."""
    engine: list = []

    def template(chart: Path, values: dict, release: str, namespace: str) -> str:
        fingerprint = engines.helm_fingerprint() if checks.cache.path else None
        key = fingerprint and checks.key("helm", fingerprint, results.tree_digest(chart),
                                         json.dumps(values, sort_keys=True, default=repr),
                                         release, namespace)
        hit = checks.cache.get(key) if key else None
        if isinstance(hit, str):
            return hit
        if not engine:
            engine.append(engines.helm_engine())
        if engine[0] is None:
            raise _NoHelm
        text = engines.helm_template(chart, values, release, namespace)
        if key:
            checks.cache.put(key, text)
        return text
    return template


def check_charts(root: Path, built: pipeline.Built | Reused, findings: list[Finding],
                 stats: dict, checks: Checks) -> tuple[list[Obj], list[Finding]]:
    try:
        return _check_charts(root, built, findings, stats, _helm(checks))
    except _NoHelm:
        findings.append(Finding(str(root / "charts"), None, "HELM", "no Helm engine: install "
                                "`helm` or the PyPI package helm-python-sdk", "warning"))
        return [], []


def _check_charts(root: Path, built: pipeline.Built | Reused, findings: list[Finding], stats: dict,
                  helm_template) -> tuple[list[Obj], list[Finding]]:
    wiring: list[Finding] = []
    apps_dir = root / "charts" / "argocd-apps"
    umbrella = root / "charts" / f"{built.name}-umbrella"
    objects: list[Obj] = []
    try:
        apps_values = manifests.load((apps_dir / "values.yaml").read_text()) or {}
        text = helm_template(apps_dir, apps_values, "argocd-apps", "openshift-gitops")
        stats["helmRenders"] += 1
    except yaml.YAMLError as exc:
        findings.append(yaml_finding(apps_dir / "values.yaml", exc))
        return objects, wiring
    except (OSError, engines.EngineError) as exc:
        findings.append(Finding(str(apps_dir), None, "HELM", f"does not render: {exc}"))
        return objects, wiring
    apps_file = apps_dir / "templates" / "applicationset-umbrella.yaml"
    appsets = [o for o in parse_objects(apps_file, findings, text, root / "charts")
               if o.data.get("kind") == "ApplicationSet"]
    objects += appsets
    loaded = {}
    for name in ("values-common.yaml", "values.yaml"):
        try:
            loaded[name] = manifests.load((umbrella / name).read_text()) or {}
        except yaml.YAMLError as exc:
            findings.append(yaml_finding(umbrella / name, exc))
            return objects, wiring
        except OSError as exc:
            findings.append(Finding(str(umbrella), None, "HELM", f"{name}: {exc}"))
            return objects, wiring
    common = loaded["values-common.yaml"]
    # the chart's values.yaml lists every component's switch (all off until set per environment)
    switches = (loaded["values.yaml"].get("components") or {}) if isinstance(loaded["values.yaml"], dict) else {}
    if not appsets:
        wiring.append(Finding(str(apps_file), None, "UNWIRED", "renders no ApplicationSet"))
        return objects, wiring
    seen_envs = set()
    for appset in appsets:
        spec = appset.data.get("spec") or {}
        params = (((spec.get("template") or {}).get("spec") or {}).get("source") or {}).get("helm", {}).get("parameters") or []
        names = {p.get("name") for p in params}
        for component in switches:
            if f"components.{component}.enabled" not in names:
                wiring.append(Finding(str(apps_file), appset.line, "UNWIRED",
                                      f"the umbrella's flag components.{component}.enabled is not a helm "
                                      "parameter of the ApplicationSet: every environment gets the "
                                      "default; run `gpuaas render`"))
        for element in generated(spec):
            values = copy.deepcopy(common)
            for p in params:
                value, missing = substitute(str(p.get("value", "")), element)
                if missing:
                    wiring.append(Finding(str(apps_file), appset.line, "UNWIRED",
                                          f"parameter {p.get('name')} uses {{{{.{missing}}}}}, which an "
                                          f"element of {appset.ref} does not set"))
                    continue
                set_path(values, str(p.get("name")), value)
            env = str(values.get("env"))
            seen_envs.add(env)
            try:
                rendered = helm_template(umbrella, values, f"{built.name}-{env}", "openshift-gitops")
                stats["helmRenders"] += 1
            except engines.EngineError as exc:
                findings.append(Finding(str(umbrella), None, "HELM", f"does not render for {env}: {exc}"))
                continue
            apps = parse_objects(umbrella / "templates", findings, rendered, root / "charts")
            objects += apps
            wiring += check_wiring(root, env, apps, values)
    for env_dir in sorted((root / "components").glob("*")):
        if env_dir.is_dir() and env_dir.name not in seen_envs:
            wiring.append(Finding(str(env_dir), None, "UNWIRED", f"environment {env_dir.name} has "
                                  "components but no ApplicationSet element"))
    return objects, wiring


def check_wiring(root: Path, env: str, apps: list[Obj], values: dict) -> list[Finding]:
    out = []
    prefix = str(values.get("componentsPath", "")).rstrip("/") + f"/{env}/"
    paths = {}
    for app in apps:
        if app.data.get("kind") == "Application":
            path = str(((app.data.get("spec") or {}).get("source") or {}).get("path", ""))
            paths[path] = app
    for component in COMPONENTS:
        directory = root / "components" / env / component
        wanted = prefix + component
        if directory.is_dir() and wanted not in paths:
            out.append(Finding(str(directory / "kustomization.yaml"), None, "UNWIRED",
                               f"no enabled Application deploys {component} in {env}: Argo CD would "
                               "never sync it (check the flag in the ApplicationSet element)"))
        if not directory.is_dir() and wanted in paths:
            app = paths[wanted]
            out.append(Finding(app.file, app.line, "UNWIRED", f"Application {app.ref} points at "
                               f"components/{env}/{component}, which does not exist"))
    return out


def generated(spec: dict) -> list[dict]:
    """The parameter sets an ApplicationSet's generators give, as gpuaas writes them: list
    elements, and a merge of a cluster generator (its `values`, for a cluster that joins with
    the labels: the fleet's profile) with list elements (the clusters the inventory lists)."""
    out: list[dict] = []
    for g in spec.get("generators") or []:
        out += (g.get("list") or {}).get("elements") or []
        for inner in (g.get("merge") or {}).get("generators") or []:
            # Argo CD's cluster Secrets, or ACM's placement decisions (applicationset/generators
            # cluster.go, duck_type.go): a cluster that joins gets these values
            clusters = inner.get("clusters") or inner.get("clusterDecisionResource")
            if clusters is not None:
                out.append({"name": "a-cluster-that-joins", "nameNormalized": "a-cluster-that-joins",
                            "server": "https://a-cluster-that-joins", "values": clusters.get("values") or {}})
            out += (inner.get("list") or {}).get("elements") or []
    return out


def substitute(template: str, element: dict) -> tuple[str, str | None]:
    """Argo CD's Go-template fields as gpuaas uses them: `{{.key}}` or `{{.key.sub}}`,
    missingkey=error."""
    missing = None

    def one(match: re.Match) -> str:
        nonlocal missing
        value: object = element
        for part in match.group(1).split("."):
            if not isinstance(value, dict) or part not in value:
                missing = match.group(1)
                return ""
            value = value[part]
        return str(value)
    return re.sub(r"\{\{\s*\.([\w.]+)\s*\}\}", one, template), missing


def set_path(values: dict, dotted: str, raw: str) -> None:
    """helm --set semantics for the scalars gpuaas passes: true/false become booleans."""
    value: object = {"true": True, "false": False}.get(raw, raw)
    keys = dotted.split(".")
    node = values
    for key in keys[:-1]:
        node = node.setdefault(key, {})
    node[keys[-1]] = value


# --- schemas and policy ----------------------------------------------------------------
