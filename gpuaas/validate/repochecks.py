"""What the tree is in its Git repository: every rendered file committed (NOT_IN_GIT),
Kueue's labels unchanged on running models (KUEUE_IMMUTABLE), operators moved only where OLM
can take them (UPGRADE_PATH), nothing a crash left
(LEFTOVER), no tree left over by a removed portfolio (ORPHAN_TREE), no symbolic link
(SYMLINK)."""
from __future__ import annotations

import glob
import os
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from .. import errors, inputs, manifests, output, pipeline, repo, secrets
from ..findings import Finding

if TYPE_CHECKING:
    from ..buildcache import Reused

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


def _subscription(text: str) -> tuple[str, str | None] | None:
    """(channel, startingCSV) of the Subscription in an operator file."""
    try:
        docs = manifests.load_all(text)
    except yaml.YAMLError:
        return None
    for doc in docs:
        if isinstance(doc, dict) and doc.get("kind") == "Subscription":
            spec = doc.get("spec") or {}
            return str(spec.get("channel")), spec.get("startingCSV")
    return None


def operator_moves(built: pipeline.Built | Reused, root: Path) -> list[Finding]:
    """A Subscription's channel or pinned CSV changed since the last commit: OLM makes the
    move only along its catalog's graph (replaces, skips, skipRange), one install plan at a
    time, never down. A move it cannot make leaves the operator where it is while the rest
    of the tree expects the new release (UPGRADE_PATH names the steps between)."""
    names = sorted(rel for rel in built.files if rel.startswith("components/")
                   and "/operators/" in rel and rel.endswith("-operator.yaml"))
    before = repo.committed(root, names, unless={rel: built.files[rel] for rel in names})
    if not before:
        return []       # nothing changed: the catalog is not even loaded
    from .. import catalog
    from ..releases import move_problem
    graphs = {f"{k.lower()}-operator.yaml": k for k in catalog.OLM_GRAPHS}   # file -> its graph
    out = []
    for rel in names:
        key = graphs.get(rel.rpartition("/")[2])
        if rel not in before or key is None:
            continue    # new, unchanged, or an operator whose graph gpuaas does not hold
        old, new = _subscription(before[rel]), _subscription(built.files[rel])
        if old is None or new is None:
            continue
        problem = move_problem(key, old, new)
        if problem:
            line = next((i for i, l in enumerate(built.files[rel].splitlines(), 1)
                         if l.strip().startswith("channel:")), None)
            out.append(Finding(str(root / rel), line, "UPGRADE_PATH", problem))
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


def symlinks(root: Path) -> list[Finding]:
    """Symbolic links in a tree: gpuaas renders none. Git stores a link as the path it
    points at, Argo CD's repo server refuses a repository whose links leave it
    (argo-cd util/app/path/path.go CheckOutOfBoundsSymlinks, called by
    reposerver/repository/repository.go), and what a link
    inside the repository points at is checked where it lies. What the link reaches is still
    scanned for secret-looking strings: that is what a reviewer sees in the diff."""
    links: list[str] = []
    output.existing_files(root, links)
    out = []
    for rel in links:
        path = root / rel
        out.append(Finding(str(path), None, "SYMLINK", f"a symbolic link (to {os.readlink(path)}): "
                           "Git stores the target's path, not the file, and Argo CD refuses a link "
                           "that leaves the repository; put the file itself here or remove the link"))
        try:
            text = inputs.read_input(path).decode("utf-8", errors="replace")
        except (OSError, errors.Error):
            continue        # a folder, a device, a dangling or oversized target
        out += [Finding(str(path), line, "SECRET_VALUE", f"its target looks like a {what}: reference "
                        "a Secret by name instead, and rotate this value")
                for line, what in secrets.scan(text)]
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
