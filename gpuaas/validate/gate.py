"""`gpuaas validate`: the read-only gate over portfolios and their committed trees.

For each portfolio: rules; drift against a fresh in-memory render (STALE); kustomize
builds (KUSTOMIZE); the charts render with a real Helm engine for every environment
(HELM) and wire every component (UNWIRED); every object passes strict schemas (SCHEMA,
NO_SCHEMA); policy on the objects (GPU_REQUEST, QUEUE_LABEL, QUEUE_COVERAGE, NAME_LENGTH,
SECRET_VALUE).
"""
from __future__ import annotations

import copy
import functools
import glob
import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from .. import manifests, output, pipeline, repo, secrets
from .. import resultcache as results
from ..component_names import ALL as COMPONENTS
from ..findings import Finding
from . import cel_rules, engines
from .schema_check import BUNDLED, SchemaValidator

if TYPE_CHECKING:
    from ..buildcache import Reused

DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
ISVC_NAME_MAX = 53     # 63 minus KServe's "-predictor"


@dataclass
class Options:
    out_dir: Path = Path("rendered")
    schemas_dir: Path | None = Path(".gpuaas/schemas")
    strict: bool = False
    kustomize: str = "auto"        # auto | kubectl | python
    every_portfolio: bool = False  # the repo's whole set: a tree none of them renders is left over
    cache: bool = True             # keep per-file results between runs (gpuaas.resultcache)


@dataclass
class Obj:
    data: dict
    file: str
    line: int
    text: str = ""   # the document as written in `file`, to find a field's line and column
    base: int = 1    # the line of `file` where `text` starts

    def locate(self, parts: tuple) -> tuple[int, int | None]:
        """Line and column of the deepest part of a field path found in the source."""
        if not self.text:
            return _template_line(self.file, parts) or self.line, None
        node = yaml.compose(self.text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        if node is None:
            return self.line, None
        mark = node.start_mark
        for part in parts:
            if isinstance(node, yaml.MappingNode):
                found = next(((k, v) for k, v in node.value if k.value == part), None)
                if found is None:
                    break
                mark, node = found[0].start_mark, found[1]
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
                node = node.value[part]
                mark = node.start_mark
            else:
                break
        return self.base + mark.line, mark.column + 1

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
    stats: dict[str, float] = {"portfolios": 0, "files": 0, "objects": 0, "schemaChecked": 0, "helmRenders": 0,
             "kustomizations": 0}
    builts = pipeline.build_all(paths, out_dir=options.out_dir, cache=options.cache)
    report.findings += pipeline.check_unique_names(builts)
    validators: dict[str, SchemaValidator] = {}
    cache = results.ResultCache.for_tree(options.out_dir, options.cache)
    for built in builts:
        stats["portfolios"] += 1
        report.findings += built.findings
        if not built.ok:
            continue
        root = options.out_dir / built.name
        misplaced = pipeline.check_place(built, root)
        if misplaced:  # the tree's checks would all be about the wrong directory
            report.findings += misplaced
            continue
        kube = built.kubernetes
        if kube not in validators:
            dirs = [options.schemas_dir] if options.schemas_dir and options.schemas_dir.is_dir() else []
            validators[kube] = SchemaValidator(kube, dirs)
        checks = Checks(validators[kube], options.strict, cache)
        report.findings += check_tree(built, root, checks, options, stats)
    cache.save()
    report.findings += crash_leftovers(options.out_dir, paths)
    if options.every_portfolio and all(b.ok for b in builts):
        report.findings += leftover_trees(options.out_dir, {b.name for b in builts})
    report.findings = sorted(dict.fromkeys(report.findings),
                             key=lambda f: (f.file, f.line or 0, f.code, f.message))
    stats["seconds"] = round(time.perf_counter() - start, 3)
    report.stats = stats
    return report


def git_findings(built: pipeline.Built | Reused, root: Path) -> list[Finding]:
    """Argo CD deploys what is committed: inside a work tree, every rendered file must be in
    Git's index and nothing the render dropped may stay there (a pre-commit hook sees the
    working tree, where untracked files exist)."""
    try:
        index = repo.indexed(root)
    except repo.GitError as exc:
        return [Finding(str(root), None, "GIT", f"inside a Git work tree, but {exc}: whether every "
                        "rendered file is committed (NOT_IN_GIT) is not known; install git, or "
                        "make the repository readable to it (git config --global --add "
                        "safe.directory <path>)")]
    if index is None:
        return []
    out = [Finding(str(root / rel), None, "NOT_IN_GIT", f"not in Git: the commit would leave it out "
                   f"and Argo CD would not see it; run `git add {root}`")
           for rel in sorted(set(built.files) - index)]
    out += [Finding(str(root / rel), None, "NOT_IN_GIT", "deleted, but Git still has it: the commit "
                    f"would keep it; run `git add -A {root}` (or git rm)")
            for rel in sorted(index - set(built.files)) if not (root / rel).exists()]
    return out


KUEUE_LABELS = ("kueue.x-k8s.io/queue-name", "kueue.x-k8s.io/priority-class")


def kueue_label_changes(built: pipeline.Built | Reused, root: Path) -> list[Finding]:
    """Kueue's webhook refuses a change of queue-name or priority-class on a Deployment with
    ready replicas, and KServe copies the InferenceService's labels to it: compared with the
    last commit, such a change on a model active before and after would never reconcile."""
    names = sorted(rel for rel in built.files if "/serving/isvc-" in rel)
    before = repo.committed(root, names, unless={rel: built.files[rel] for rel in names})
    out = []
    for rel in names:
        if rel not in before or before[rel] == built.files[rel]:
            continue    # new, or unchanged: no label changes
        try:
            old, new = manifests.load(before[rel]) or {}, manifests.load(built.files[rel]) or {}
        except yaml.YAMLError:
            continue
        if not (_replicas(old) and _replicas(new)):
            continue
        old_labels = (old.get("metadata") or {}).get("labels") or {}
        new_labels = (new.get("metadata") or {}).get("labels") or {}
        for label in KUEUE_LABELS:
            if old_labels.get(label) != new_labels.get(label):
                line = next((i for i, l in enumerate(built.files[rel].splitlines(), 1)
                             if l.strip().startswith(label + ":")), None)
                out.append(Finding(str(root / rel), line, "KUEUE_IMMUTABLE", f"{label} of the active "
                                   f"model {new.get('metadata', {}).get('name')} changes from "
                                   f"{old_labels.get(label)!r} to {new_labels.get(label)!r}: Kueue refuses "
                                   "that while the model has ready pods, so it would never reconcile; "
                                   "deactivate it and commit, then change it and activate it", "warning"))
    return out


def _replicas(isvc: dict) -> int:
    predictor = (isvc.get("spec") or {}).get("predictor") or {}
    value = predictor.get("minReplicas", 1)
    return value if isinstance(value, int) else 0


def crash_leftovers(out_dir: Path, portfolios: list[Path]) -> list[Finding]:
    """What a killed render or `activate` leaves beside what it was writing: a temporary
    tree in the output directory, a temporary copy beside a portfolio. `git add -A` would
    commit either."""
    out = []
    if out_dir.is_dir():
        for entry in sorted(out_dir.iterdir()):
            if entry.name.startswith(output.TMP_PREFIX):
                out.append(Finding(str(entry), None, "LEFTOVER", "a temporary tree a stopped render "
                                   "left: delete it (rm -r) before committing"))
    for portfolio in portfolios:      # portfolio/edit.py writes .<name>.<random> first
        for entry in sorted(portfolio.parent.glob(f".{glob.escape(portfolio.name)}.*")):
            out.append(Finding(str(entry), None, "LEFTOVER", "a temporary copy a stopped "
                               "`gpuaas activate`/`deactivate` left beside the portfolio: delete it"))
    return out


def leftover_trees(out_dir: Path, names: set[str]) -> list[Finding]:
    """Generated trees that no portfolio renders any more (a renamed or deleted portfolio):
    an ApplicationSet in them would still deploy."""
    out = []
    for directory in sorted(out_dir.iterdir()) if out_dir.is_dir() else []:
        if directory.is_dir() and directory.name not in names:
            generated = [p for p in output.existing_files(directory).values() if output.is_generated(p)]
            if generated:
                out.append(Finding(str(directory), None, "ORPHAN_TREE", f"{len(generated)} generated "
                                   "file(s) that no portfolio renders any more: delete the directory "
                                   "(git rm -r) or restore its portfolio"))
    return out


class Checks:
    """The per-file checks with the schemas of one Kubernetes version, and their results
    kept in the cache under a key that holds everything they depend on."""

    def __init__(self, validator: SchemaValidator, strict: bool,
                 cache: results.ResultCache | None = None):
        self.validator, self.strict = validator, strict
        self.cache = cache or results.ResultCache(None)
        self._salt: str | None = None

    @property
    def salt(self) -> str:
        if self._salt is None:
            dirs = [*self.validator._crd_dirs]
            self._salt = results.key(
                str(results.FORMAT), results.code_digest(), self.validator.kube_version,
                str(self.strict), results.build_digest("jsonschema_rs", "cel", "kubernetes_validate"),
                *(f"{d}:{results.tree_digest(d) if d != BUNDLED else bundled_digest()}" for d in dirs))
        return self._salt

    def key(self, *parts: str | bytes) -> str | None:
        return results.key(self.salt, *parts) if self.cache.path is not None else None


@functools.cache
def bundled_digest() -> str:
    """The schemas bundled with gpuaas (3 MB): hashed once per process."""
    return results.tree_digest(BUNDLED)


def _reuse(hit: object, stats: dict, facts: list[dict] | None = None) -> list[Finding] | None:
    """A cached result: its findings, its counts added to `stats` and its facts to `facts`;
    None when there is none or it has another shape (then the file is checked again)."""
    if not isinstance(hit, dict):
        return None
    try:
        found = [Finding.from_row(row) for row in hit["findings"]]
        counts = dict(hit["stats"])
        their_facts = list(hit["facts"]) if facts is not None else []
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    for name, value in counts.items():
        stats[name] = stats.get(name, 0) + value
    if facts is not None:
        stats["fromCache"] = stats.get("fromCache", 0) + 1
        facts += their_facts
    return found


def file_checks(path: Path, text: str, checks: Checks, stats: dict, facts: list[dict],
                deployed: bool) -> list[Finding]:
    """What one file of a tree holds: secret-looking strings; for a file Argo CD deploys
    (listed by its kustomization), its objects against their schemas, CEL rules and the
    policy on each object. `facts` gets what the checks across objects need."""
    key = checks.key("file", str(path), str(deployed), text)
    cached = _reuse(checks.cache.get(key) if key else None, stats, facts)
    if cached is not None:
        return cached
    found = [Finding(str(path), line, "SECRET_VALUE", f"looks like a {what}: reference a Secret "
                     "by name instead, and rotate this value") for line, what in secrets.scan(text)]
    counts = {"objects": 0, "schemaChecked": 0}
    mine: list[dict] = []
    if deployed:
        objects = parse_objects(path, found, text)
        counts["objects"] = len(objects)
        local = {"schemaChecked": 0}
        for obj in objects:
            found += schema_findings(obj, checks.validator, checks.strict, local)
            policy_found, policy_facts = object_policy(obj)
            found += policy_found
            mine += policy_facts
        counts.update(local)
    for name, value in counts.items():
        stats[name] = stats.get(name, 0) + value
    facts += mine
    if key:
        checks.cache.put(key, {"findings": [f.row() for f in found], "stats": counts,
                               "facts": mine})
    return found


def object_checks(obj: Obj, checks: Checks, stats: dict, scope: str) -> list[Finding]:
    """schema_findings of an object read from Helm's output; `scope` names the chart's
    files, whose templates the findings' lines come from."""
    key = checks.key("object", scope, obj.file, str(obj.line),
                     json.dumps(obj.data, sort_keys=True, default=repr))
    cached = _reuse(checks.cache.get(key) if key else None, stats)
    if cached is not None:
        return cached
    local = {"schemaChecked": 0}
    found = schema_findings(obj, checks.validator, checks.strict, local)
    for name, value in local.items():
        stats[name] = stats.get(name, 0) + value
    if key:
        checks.cache.put(key, {"findings": [f.row() for f in found], "stats": local})
    return found


def check_tree(built: pipeline.Built | Reused, root: Path, checks: Checks, options: Options,
               stats: dict) -> list[Finding]:
    findings: list[Finding] = []
    tree = built.tree if built.tree is not None and root == options.out_dir / built.name \
        else output.read_tree(root)
    drift = output.compare(built.files, root, tree=tree, diff=False)
    for rel in drift.changed:
        findings.append(Finding(str(root / rel), None, "STALE", "differs from a fresh render of "
                                f"{built.file}: run `gpuaas render` (hand edits are overwritten)"))
    for rel in drift.missing:
        findings.append(Finding(str(root / rel), None, "STALE", "missing: run `gpuaas render`"))
    for rel in drift.extra:
        findings.append(Finding(str(root / rel), None, "STALE", "generated earlier but no longer "
                                "belongs to the tree: run `gpuaas render` to remove it"))
    if not root.is_dir():
        return findings
    findings += git_findings(built, root)
    findings += kueue_label_changes(built, root)
    stats["files"] += len(tree)
    facts: list[dict] = []
    component_dirs = sorted(p.parent for p in root.glob("components/*/*/kustomization.yaml"))
    stats["kustomizations"] += len(component_dirs)
    deployed: dict[Path, None] = {}
    for directory, result in engines.kustomize_builds(component_dirs, options.kustomize,
                                                       output=False).items():
        if isinstance(result, engines.EngineError):
            findings.append(Finding(str(directory / "kustomization.yaml"),
                                    _resources_line(tree, directory.relative_to(root)), "KUSTOMIZE",
                                    f"does not build: {result}"))
        # what Argo CD deploys: the files the kustomization lists (others are kept, not deployed)
        listed = engines.resources(directory)
        names = (listed if not isinstance(listed, engines.EngineError) else
                 [p.name for p in directory.glob("*.yaml") if p.name != "kustomization.yaml"])
        for name in sorted(n for n in names if (directory / n).is_file()):
            deployed[directory / name] = None
    for path, text in tree.values():
        findings += file_checks(path, text, checks, stats, facts, deployed.pop(path, False) is None)
    for path in deployed:       # listed but not in the tree as read (a symlink)
        text = path.read_text(encoding="utf-8", errors="replace")
        findings += file_checks(path, text, checks, stats, facts, True)
    chart_objects, wiring = check_charts(root, built, findings, stats, checks)
    findings += wiring
    stats["objects"] += len(chart_objects)
    scope = "charts:" + results.key(*(f"{rel}\0{text}" for rel, (_, text) in sorted(tree.items())
                                      if rel.startswith("charts/")))
    for obj in chart_objects:
        findings += object_checks(obj, checks, stats, scope)
        policy_found, policy_facts = object_policy(obj)
        findings += policy_found
        facts += policy_facts
    findings += cross_policy(facts)
    return findings


def _resources_line(tree: dict, directory: Path) -> int:
    """The line of `resources:` in a kustomization (what a broken one usually gets wrong)."""
    read = tree.get((directory / "kustomization.yaml").as_posix())
    lines = read[1].splitlines() if read else []
    return next((i for i, l in enumerate(lines, 1) if l.startswith("resources:")), 1)


def _template_line(file: str, parts: tuple) -> int | None:
    """Helm's output is not the template: the line of the field's key in the template."""
    keys = [p for p in parts if isinstance(p, str)]
    try:
        lines = Path(file).read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    for key in reversed(keys):
        pattern = re.compile(rf"^\s*(- )?{re.escape(key)}:")
        hit = next((i for i, l in enumerate(lines, 1) if pattern.match(l)), None)
        if hit:
            return hit
    return None


HELM_SOURCE = re.compile(r"(?m)^# Source: (\S+)$")


def parse_objects(path: Path, findings: list[Finding], text: str | None = None,
                  charts: Path | None = None) -> list[Obj]:
    """The objects of a file, or of Helm's output when `charts` is given: each then names the
    template it came from (Helm's `# Source:` line, relative to `charts`)."""
    text = path.read_text(encoding="utf-8", errors="replace") if text is None else text
    out = []
    line = 1
    source = None
    for chunk in re.split(r"(?m)^---[ \t]*$", text):
        source = (HELM_SOURCE.search(chunk) or source) if charts else None
        try:
            data = manifests.load(chunk)
        except yaml.YAMLError as exc:
            findings.append(yaml_finding(path, exc, line))
            data = None
        if isinstance(data, dict):
            first = next((i for i, l in enumerate(chunk.split("\n"))
                          if l.strip() and not l.lstrip().startswith("#")), 0)
            if source and charts is not None:
                template = charts / source.group(1)
                out.append(Obj(data, str(template), _template_line(str(template), ("kind",)) or 1))
            else:
                out.append(Obj(data, str(path), line + first, chunk, line))
        elif data is not None:
            findings.append(Finding(str(path), line, "YAML", "a manifest must be a mapping"))
        line += chunk.count("\n")  # the next chunk starts on the separator's own line
    return out


def yaml_finding(path: Path, exc: yaml.YAMLError, first_line: int = 1) -> Finding:
    mark = getattr(exc, "problem_mark", None)
    return Finding(str(path), first_line + (mark.line if mark else 0), "YAML",
                   f"invalid YAML: {getattr(exc, 'problem', None) or exc}")


# --- Helm and wiring -------------------------------------------------------------------

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
    spec = appsets[0].data.get("spec") or {}
    elements = [e for g in spec.get("generators") or [] for e in (g.get("list") or {}).get("elements") or []]
    params = (((spec.get("template") or {}).get("spec") or {}).get("source") or {}).get("helm", {}).get("parameters") or []
    names = {p.get("name") for p in params}
    for component in switches:
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
                        f"{obj.data.get('kind')}: import its CRD from your cluster (`gpuaas schemas import "
                        "--from-cluster` or a CRD file) and pass --schemas",
                        "error" if strict else "warning", object=obj.ref)]
    stats["schemaChecked"] += 1
    out = []
    for p in problems:
        line, column = obj.locate(p.parts)
        out.append(Finding(obj.file, line, "SCHEMA", f"{obj.ref}: {p.path}: {p.message}",
                           column=column, object=obj.ref))
    schema = validator.cel_schema(obj.data["apiVersion"], obj.data["kind"])
    if not problems and schema is not None:  # the API server runs CEL on schema-valid objects
        for outcome in cel_rules.evaluate(obj.data, schema):
            stats["celViolations"] = stats.get("celViolations", 0) + outcome.violated
            line, column = obj.locate(outcome.path)
            where = ".".join(str(p) for p in outcome.path) or "<root>"
            out.append(Finding(obj.file, line, "CEL" if outcome.violated else "CEL_UNEVALUATED",
                               f"{obj.ref}: {where}: {outcome.message}",
                               "error" if outcome.violated else "warning", column, obj.ref))
    return out


def policy(objects: list[Obj]) -> list[Finding]:
    """Checks across objects, per environment: each one is a cluster of its own, and one
    without Kueue has no queue its InferenceServices must name."""
    out: list[Finding] = []
    facts: list[dict] = []
    for obj in objects:
        found, their_facts = object_policy(obj)
        out += found
        facts += their_facts
    return out + cross_policy(facts)


def object_policy(obj: Obj) -> tuple[list[Finding], list[dict]]:
    """The policy on one object, and the facts about it that the checks across objects
    need (kept in the cache with the file's results, as JSON)."""
    out: list[Finding] = []
    facts: list[dict] = []
    kind = obj.data.get("kind")
    env = _environment(obj)
    if kind == "ClusterQueue":
        covers = [str(r) for group in (obj.data.get("spec") or {}).get("resourceGroups") or []
                  for r in group.get("coveredResources") or []]
        facts.append({"fact": "covers", "env": env, "resources": covers})
    if kind == "LocalQueue":
        facts.append({"fact": "queue", "env": env})
    if kind == "Secret" and (obj.data.get("data") or obj.data.get("stringData")):
        out.append(Finding(obj.file, obj.line, "SECRET_VALUE", f"{obj.ref} carries data: the tree "
                           "holds Secret references only", object=obj.ref))
    if kind != "InferenceService":
        return out, facts
    meta = obj.data.get("metadata") or {}
    name = str(meta.get("name", ""))
    if len(name) > ISVC_NAME_MAX or not DNS_LABEL.match(name):
        out.append(Finding(obj.file, obj.line, "NAME_LENGTH", f"{obj.ref}: the name must be a "
                           f"DNS-1123 label of at most {ISVC_NAME_MAX} characters (KServe adds "
                           "-predictor)", object=obj.ref))
    labels = meta.get("labels") or {}
    model = ((obj.data.get("spec") or {}).get("predictor") or {}).get("model") or {}
    resources = model.get("resources") or {}
    requests, limits = resources.get("requests") or {}, resources.get("limits") or {}
    gpu_req, gpu_lim = requests.get("nvidia.com/gpu"), limits.get("nvidia.com/gpu")
    if not gpu_lim or str(gpu_lim) in ("0", "") or (gpu_req is not None and str(gpu_req) != str(gpu_lim)):
        out.append(Finding(obj.file, obj.line, "GPU_REQUEST", f"{obj.ref} must request "
                           "nvidia.com/gpu with limits = requests: CPU inference is never "
                           "allowed", object=obj.ref))
    facts.append({"fact": "isvc", "env": env, "file": obj.file, "line": obj.line, "ref": obj.ref,
                  "queued": bool(labels.get("kueue.x-k8s.io/queue-name")),
                  "asks": sorted(set(map(str, requests)) | set(map(str, limits)))})
    return out, facts


def cross_policy(facts: list[dict]) -> list[Finding]:
    """QUEUE_LABEL and QUEUE_COVERAGE: an InferenceService against its environment's
    LocalQueues and ClusterQueues."""
    out = []
    covered: dict[str | None, set[str]] = {}
    queues: set[str | None] = set()     # environments with a LocalQueue
    for fact in facts:
        if fact["fact"] == "covers":
            covered.setdefault(fact["env"], set()).update(fact["resources"])
        elif fact["fact"] == "queue":
            queues.add(fact["env"])
    for fact in facts:
        if fact["fact"] != "isvc":
            continue
        env, ref = fact["env"], fact["ref"]
        if env in queues and not fact["queued"]:
            out.append(Finding(fact["file"], fact["line"], "QUEUE_LABEL", f"{ref} has no "
                               "kueue.x-k8s.io/queue-name label: RHOAI's webhook denies it in a "
                               "Kueue-managed namespace", object=ref))
        if covered.get(env):
            for resource in sorted(set(fact["asks"]) - covered[env]):
                out.append(Finding(fact["file"], fact["line"], "QUEUE_COVERAGE", f"{ref} requests "
                                   f"{resource}, which the ClusterQueue does not cover: Kueue would "
                                   "never admit it", object=ref))
    return out


def _environment(obj: Obj) -> str | None:
    """<env> of a file at components/<env>/<component>/<file>; None for the charts."""
    parts = Path(obj.file).parts
    return parts[-3] if len(parts) >= 4 and parts[-4] == "components" else None
