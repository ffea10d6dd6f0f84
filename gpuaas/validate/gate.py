"""`gpuaas validate`: the read-only gate over portfolios and their committed trees.

For each portfolio: rules; drift against a fresh in-memory render (STALE); kustomize
builds (KUSTOMIZE); the charts render with a real Helm engine for every environment
(HELM) and wire every component (UNWIRED); every object passes strict schemas (SCHEMA,
NO_SCHEMA); policy on the objects (GPU_REQUEST, QUEUE_LABEL, QUEUE_COVERAGE, NAME_LENGTH,
SECRET_VALUE).
"""
from __future__ import annotations

import copy
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .. import output, pipeline, secrets
from ..catalog import KUBERNETES_FOR_OPENSHIFT
from ..findings import Finding
from ..portfolio.schema import COMPONENTS
from . import engines, manifests
from .schema_check import SchemaValidator

DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
ISVC_NAME_MAX = 53     # 63 minus KServe's "-predictor"


@dataclass
class Options:
    out_dir: Path = Path("rendered")
    schemas_dir: Path | None = Path(".gpuaas/schemas")
    strict: bool = False
    kustomize: str = "auto"        # auto | kubectl | python


@dataclass
class Obj:
    data: dict
    file: str
    line: int

    @property
    def ref(self) -> str:
        meta = self.data.get("metadata") or {}
        ns = f"{meta.get('namespace')}/" if meta.get("namespace") else ""
        return f"{self.data.get('kind')}/{ns}{meta.get('name')}"


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    stats: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)


def validate(paths: list[Path], options: Options) -> Report:
    """Raises UserError when a portfolio cannot be loaded (exit 2)."""
    start = time.perf_counter()
    report = Report()
    stats = {"portfolios": 0, "files": 0, "objects": 0, "schemaChecked": 0, "helmRenders": 0,
             "kustomizations": 0}
    builts = [pipeline.build(p) for p in paths]
    report.findings += pipeline.check_unique_names(builts)
    validators: dict[str, SchemaValidator] = {}
    for built in builts:
        stats["portfolios"] += 1
        report.findings += built.findings
        if not built.ok:
            continue
        root = options.out_dir / built.name
        kube = KUBERNETES_FOR_OPENSHIFT[built.loaded.portfolio.platform.openshift]
        if kube not in validators:
            dirs = [options.schemas_dir] if options.schemas_dir and options.schemas_dir.is_dir() else []
            validators[kube] = SchemaValidator(kube, dirs)
        report.findings += check_tree(built, root, validators[kube], options, stats)
    report.findings = sorted(dict.fromkeys(report.findings),
                             key=lambda f: (f.file, f.line or 0, f.code, f.message))
    stats["seconds"] = round(time.perf_counter() - start, 3)
    report.stats = stats
    return report


def check_tree(built: pipeline.Built, root: Path, validator: SchemaValidator, options: Options,
               stats: dict) -> list[Finding]:
    findings: list[Finding] = []
    tree = output.read_tree(root)
    drift = output.compare(built.files, root, tree=tree, diff=False)
    for rel in drift.changed:
        findings.append(Finding(str(root / rel), None, "STALE", "differs from a fresh render of "
                                f"{built.loaded.file}: run `gpuaas render` (hand edits are overwritten)"))
    for rel in drift.missing:
        findings.append(Finding(str(root / rel), None, "STALE", "missing: run `gpuaas render`"))
    for rel in drift.extra:
        findings.append(Finding(str(root / rel), None, "STALE", "generated earlier but no longer "
                                "belongs to the tree: run `gpuaas render` to remove it"))
    if not root.is_dir():
        return findings
    stats["files"] += len(tree)
    for path, text in tree.values():
        for line, what in secrets.scan(text):
            findings.append(Finding(str(path), line, "SECRET_VALUE", f"looks like a {what}: "
                                    "reference a Secret by name instead, and rotate this value"))
    objects: list[Obj] = []
    component_dirs = sorted(p.parent for p in root.glob("components/*/*/kustomization.yaml"))
    stats["kustomizations"] += len(component_dirs)
    for directory, result in engines.kustomize_builds(component_dirs, options.kustomize).items():
        if isinstance(result, engines.EngineError):
            findings.append(Finding(str(directory / "kustomization.yaml"), None, "KUSTOMIZE",
                                    f"does not build: {result}"))
        for name in sorted(p.name for p in directory.glob("*.yaml")):
            if name != "kustomization.yaml":
                read = tree.get((directory / name).relative_to(root).as_posix())
                objects += parse_objects(directory / name, findings, read[1] if read else None)
    chart_objects, wiring = check_charts(root, built, findings, stats)
    objects += chart_objects
    findings += wiring
    stats["objects"] += len(objects)
    for obj in objects:
        findings += schema_findings(obj, validator, options.strict, stats)
    findings += policy(objects)
    return findings


def parse_objects(path: Path, findings: list[Finding], text: str | None = None) -> list[Obj]:
    text = path.read_text(encoding="utf-8", errors="replace") if text is None else text
    out = []
    line = 1
    for chunk in re.split(r"(?m)^---[ \t]*$", text):
        try:
            data = manifests.load(chunk)
        except yaml.YAMLError as exc:
            findings.append(yaml_finding(path, exc, line))
            data = None
        if isinstance(data, dict):
            first = next((i for i, l in enumerate(chunk.split("\n"))
                          if l.strip() and not l.lstrip().startswith("#")), 0)
            out.append(Obj(data, str(path), line + first))
        elif data is not None:
            findings.append(Finding(str(path), line, "YAML", "a manifest must be a mapping"))
        line += chunk.count("\n") + 1
    return out


def yaml_finding(path: Path, exc: yaml.YAMLError, first_line: int = 1) -> Finding:
    mark = getattr(exc, "problem_mark", None)
    return Finding(str(path), first_line + (mark.line if mark else 0), "YAML",
                   f"invalid YAML: {getattr(exc, 'problem', None) or exc}")


# --- Helm and wiring -------------------------------------------------------------------

def check_charts(root: Path, built: pipeline.Built, findings: list[Finding],
                 stats: dict) -> tuple[list[Obj], list[Finding]]:
    wiring: list[Finding] = []
    if engines.helm_engine() is None:
        findings.append(Finding(str(root / "charts"), None, "HELM", "no Helm engine: install "
                                "`helm` or the PyPI package helm-python-sdk", "warning"))
        return [], wiring
    apps_dir = root / "charts" / "argocd-apps"
    umbrella = root / "charts" / f"{built.name}-umbrella"
    objects: list[Obj] = []
    try:
        apps_values = manifests.load((apps_dir / "values.yaml").read_text()) or {}
        text = engines.helm_template(apps_dir, apps_values, "argocd-apps", "openshift-gitops")
        stats["helmRenders"] += 1
    except yaml.YAMLError as exc:
        findings.append(yaml_finding(apps_dir / "values.yaml", exc))
        return objects, wiring
    except (OSError, engines.EngineError) as exc:
        findings.append(Finding(str(apps_dir), None, "HELM", f"does not render: {exc}"))
        return objects, wiring
    apps_file = apps_dir / "templates" / "applicationset-umbrella.yaml"
    appsets = [o for o in parse_objects(apps_file, findings, text) if o.data.get("kind") == "ApplicationSet"]
    objects += appsets
    try:
        common = manifests.load((umbrella / "values-common.yaml").read_text()) or {}
    except yaml.YAMLError as exc:
        findings.append(yaml_finding(umbrella / "values-common.yaml", exc))
        return objects, wiring
    except OSError as exc:
        findings.append(Finding(str(umbrella), None, "HELM", f"values-common.yaml: {exc}"))
        return objects, wiring
    if not appsets:
        wiring.append(Finding(str(apps_file), None, "UNWIRED", "renders no ApplicationSet"))
        return objects, wiring
    spec = appsets[0].data.get("spec") or {}
    elements = [e for g in spec.get("generators") or [] for e in (g.get("list") or {}).get("elements") or []]
    params = (((spec.get("template") or {}).get("spec") or {}).get("source") or {}).get("helm", {}).get("parameters") or []
    names = {p.get("name") for p in params}
    for component in (common.get("components") or {}):
        if f"components.{component}.enabled" not in names:
            wiring.append(Finding(str(apps_file), appsets[0].line, "UNWIRED",
                                  f"the umbrella's flag components.{component}.enabled is not a helm "
                                  "parameter of the ApplicationSet: every environment gets the "
                                  "default; run `gpuaas render`"))
    seen_envs = set()
    for element in elements:
        env = str(element.get("env"))
        seen_envs.add(env)
        values = copy.deepcopy(common)
        for p in params:
            value, missing = substitute(str(p.get("value", "")), element)
            if missing:
                wiring.append(Finding(str(apps_file), appsets[0].line, "UNWIRED",
                                      f"parameter {p.get('name')} uses {{{{.{missing}}}}}, which the "
                                      f"element for {env} does not set"))
                continue
            set_path(values, str(p.get("name")), value)
        try:
            rendered = engines.helm_template(umbrella, values, f"{built.name}-{env}", "openshift-gitops")
            stats["helmRenders"] += 1
        except engines.EngineError as exc:
            findings.append(Finding(str(umbrella), None, "HELM", f"does not render for {env}: {exc}"))
            continue
        apps = parse_objects(umbrella / "templates", findings, rendered)
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


def substitute(template: str, element: dict) -> tuple[str, str | None]:
    """Argo CD's Go-template fields as gpuaas uses them: `{{.key}}`, missingkey=error."""
    missing = None

    def one(match: re.Match) -> str:
        nonlocal missing
        key = match.group(1)
        if key not in element:
            missing = key
            return ""
        return str(element[key])
    return re.sub(r"\{\{\s*\.(\w+)\s*\}\}", one, template), missing


def set_path(values: dict, dotted: str, raw: str) -> None:
    """helm --set semantics for the scalars gpuaas passes: true/false become booleans."""
    value: object = {"true": True, "false": False}.get(raw, raw)
    keys = dotted.split(".")
    node = values
    for key in keys[:-1]:
        node = node.setdefault(key, {})
    node[keys[-1]] = value


# --- schemas and policy ----------------------------------------------------------------

def schema_findings(obj: Obj, validator: SchemaValidator, strict: bool, stats: dict) -> list[Finding]:
    problems = validator.validate(obj.data)
    if problems is None:
        return [Finding(obj.file, obj.line, "NO_SCHEMA", f"no schema for {obj.data.get('apiVersion')} "
                        f"{obj.data.get('kind')}: run `gpuaas schemas import` for its CRD",
                        "error" if strict else "warning", object=obj.ref)]
    stats["schemaChecked"] += 1
    return [Finding(obj.file, obj.line, "SCHEMA", f"{obj.ref}: {p.path}: {p.message}", object=obj.ref)
            for p in problems]


def policy(objects: list[Obj]) -> list[Finding]:
    """Checks across objects, per environment: each one is a cluster of its own, and one
    without Kueue has no queue its InferenceServices must name."""
    out = []
    covered: dict[str | None, set[str]] = {}
    queues: dict[str | None, set[str]] = {}
    for obj in objects:
        kind = obj.data.get("kind")
        env = _environment(obj)
        if kind == "ClusterQueue":
            for group in (obj.data.get("spec") or {}).get("resourceGroups") or []:
                covered.setdefault(env, set()).update(group.get("coveredResources") or [])
        if kind == "LocalQueue":
            queues.setdefault(env, set()).add((obj.data.get("metadata") or {}).get("name"))
        if kind == "Secret" and (obj.data.get("data") or obj.data.get("stringData")):
            out.append(Finding(obj.file, obj.line, "SECRET_VALUE", f"{obj.ref} carries data: the tree "
                               "holds Secret references only", object=obj.ref))
    for obj in objects:
        if obj.data.get("kind") != "InferenceService":
            continue
        meta = obj.data.get("metadata") or {}
        name = str(meta.get("name", ""))
        if len(name) > ISVC_NAME_MAX or not DNS_LABEL.match(name):
            out.append(Finding(obj.file, obj.line, "NAME_LENGTH", f"{obj.ref}: the name must be a "
                               f"DNS-1123 label of at most {ISVC_NAME_MAX} characters (KServe adds "
                               "-predictor)", object=obj.ref))
        labels = meta.get("labels") or {}
        env = _environment(obj)
        if queues.get(env) and not labels.get("kueue.x-k8s.io/queue-name"):
            out.append(Finding(obj.file, obj.line, "QUEUE_LABEL", f"{obj.ref} has no "
                               "kueue.x-k8s.io/queue-name label: RHOAI's webhook denies it in a "
                               "Kueue-managed namespace", object=obj.ref))
        model = ((obj.data.get("spec") or {}).get("predictor") or {}).get("model") or {}
        resources = model.get("resources") or {}
        requests, limits = resources.get("requests") or {}, resources.get("limits") or {}
        gpu_req, gpu_lim = requests.get("nvidia.com/gpu"), limits.get("nvidia.com/gpu")
        if not gpu_lim or str(gpu_lim) in ("0", "") or (gpu_req is not None and str(gpu_req) != str(gpu_lim)):
            out.append(Finding(obj.file, obj.line, "GPU_REQUEST", f"{obj.ref} must request "
                               "nvidia.com/gpu with limits = requests: CPU inference is never "
                               "allowed", object=obj.ref))
        if covered.get(env):
            asked = set(requests) | set(limits)
            for resource in sorted(asked - covered[env]):
                out.append(Finding(obj.file, obj.line, "QUEUE_COVERAGE", f"{obj.ref} requests "
                                   f"{resource}, which the ClusterQueue does not cover: Kueue would "
                                   "never admit it", object=obj.ref))
    return out


def _environment(obj: Obj) -> str | None:
    """<env> of a file at components/<env>/<component>/<file>; None for the charts."""
    parts = Path(obj.file).parts
    return parts[-3] if len(parts) >= 4 and parts[-4] == "components" else None
