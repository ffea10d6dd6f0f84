"""`gpuaas validate`: the read-only gate over portfolios and their committed trees.

For each portfolio: rules; drift against a fresh in-memory render (STALE); kustomize
builds (KUSTOMIZE); the charts render with a real Helm engine for every environment
(HELM) and wire every component (UNWIRED); every object passes strict schemas (SCHEMA,
NO_SCHEMA); policy on the objects (GPU_REQUEST, QUEUE_LABEL, QUEUE_COVERAGE, NAME_LENGTH,
SECRET_VALUE).
"""
from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from .. import output, pipeline, secrets
from .. import resultcache as results
from ..findings import Finding
from . import engines
from .checks import Checks, _reuse
from .objects import Obj, parse_objects
from .policy import cross_policy, object_policy, schema_findings
from .repochecks import (crash_leftovers, git_findings, kueue_label_changes, leftover_trees, operator_moves,
                         symlinks)
from .schema_check import BUNDLED, SchemaValidator
from .wiring import check_charts

if TYPE_CHECKING:
    from ..buildcache import Reused


@dataclass
class Options:
    out_dir: Path = Path("rendered")
    schemas_dir: Path | None = Path(".gpuaas/schemas")
    strict: bool = False
    kustomize: str = "auto"        # auto | kubectl | python
    every_portfolio: bool = False  # the repo's whole set: a tree none of them renders is left over
    cache: bool = True             # keep per-file results between runs (gpuaas.resultcache)


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
    validators: dict[tuple[str, tuple[str, ...]], Checks] = {}
    cache = results.ResultCache.for_tree(options.out_dir, options.cache)
    user = [options.schemas_dir] if options.schemas_dir and options.schemas_dir.is_dir() else []

    def checks_for(kube: str, overlays: tuple[str, ...]) -> Checks:
        """The checks with the schemas of one Kubernetes version and one release's overlays
        (the user's imported schemas first, then the overlays, then the base bundle)."""
        if (kube, overlays) not in validators:
            validators[(kube, overlays)] = Checks(
                SchemaValidator(kube, [*user, *(BUNDLED / o for o in overlays)]), options.strict, cache)
        return validators[(kube, overlays)]

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
        kube, overlays = built.kubernetes, built.overlays

        def per_env(env: str | None, kube: str = kube, overlays: dict = overlays) -> Checks:
            return checks_for(kube, tuple(overlays.get(env or "", ())))
        report.findings += check_tree(built, root, per_env, options, stats)
    cache.save()
    report.findings += crash_leftovers(options.out_dir, paths)
    if options.every_portfolio and all(b.ok for b in builts):
        report.findings += leftover_trees(options.out_dir, {b.name for b in builts})
    report.findings = sorted(dict.fromkeys(report.findings),
                             key=lambda f: (f.file, f.line or 0, f.code, f.message))
    stats["seconds"] = round(time.perf_counter() - start, 3)
    report.stats = stats
    return report


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
    if deployed and "\ufffd" in text:      # read with replacement: was it UTF-8 at all?
        try:
            path.read_bytes().decode("utf-8")
        except UnicodeDecodeError as exc:
            found.append(Finding(str(path), None, "YAML", f"is not UTF-8 (byte {exc.start}), which "
                                 "kustomize refuses (MalformedYAMLError): save it as UTF-8"))
        except OSError:
            pass
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


def check_tree(built: pipeline.Built | Reused, root: Path, checks_for: Callable[[str | None], Checks],
               options: Options, stats: dict) -> list[Finding]:
    """`checks_for(env)`: the checks for the files of an environment's components (the
    schemas of its release); None for the charts, which hold no release's kinds."""
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
    findings += symlinks(root)
    findings += kueue_label_changes(built, root)
    findings += operator_moves(built, root)
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
        for name in sorted(n for n in names if os.path.isfile(directory / n)):
            deployed[directory / name] = None
    def env_of(path: Path) -> str | None:
        parts = path.relative_to(root).parts if path.is_relative_to(root) else ()
        return parts[1] if len(parts) > 2 and parts[0] == "components" else None

    for path, text in tree.values():
        findings += file_checks(path, text, checks_for(env_of(path)), stats, facts,
                                deployed.pop(path, False) is None)
    for path in deployed:       # listed but not in the tree as read (a symlink)
        text = path.read_text(encoding="utf-8", errors="replace")
        findings += file_checks(path, text, checks_for(env_of(path)), stats, facts, True)
    checks = checks_for(None)
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


