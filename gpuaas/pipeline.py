"""load -> check -> plan -> render, for one portfolio file. Pure apart from reading it
(and, for build_all with an output directory, the render kept from an earlier run: see
buildcache).

The portfolio model (pydantic), the rules, the plan and the templates (Jinja) are imported
when a portfolio is built: a run whose builds all come from the cache needs none of them."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from . import repo
from .findings import Finding, errors
from .errors import UserError

# the cluster an Argo CD runs on, as its Applications name it
IN_CLUSTER = "https://kubernetes.default.svc"

if TYPE_CHECKING:
    from .buildcache import Reused
    from .plan import Plan
    from .portfolio import Loaded


@dataclass
class Built:
    loaded: Loaded
    findings: list[Finding]
    plan: Plan | None = None
    files: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.loaded.portfolio.metadata.name

    @property
    def ok(self) -> bool:
        return not errors(self.findings)

    @property
    def file(self) -> str:
        return self.loaded.file

    @property
    def kubernetes(self) -> str:
        """The Kubernetes version of the portfolio's OpenShift (which schemas apply)."""
        from .catalog import KUBERNETES_FOR_OPENSHIFT
        return KUBERNETES_FOR_OPENSHIFT[self.loaded.portfolio.platform.openshift]

    @property
    def name_at(self) -> tuple[int | None, int | None]:
        """Line and column of metadata.name."""
        return self.loaded.locations.of(("metadata", "name"))

    @property
    def place(self) -> tuple[str, bool, int | None, int | None]:
        """Where Argo CD reads the tree (gitops.path, else rendered/<name>), whether
        gitops.path is set, and the line and column of the field that says so."""
        from .render import tree_path
        portfolio = self.loaded.portfolio
        given = ("gitops", "path") if portfolio.gitops.path else ("metadata", "name")
        return (tree_path(portfolio), bool(portfolio.gitops.path), *self.loaded.locations.of(given))

    @property
    def owned(self) -> dict[str, str]:
        """What the tree owns that another portfolio's must not: its Argo CD Applications
        (`<portfolio>-<env>` and `<portfolio>-<env>-<component>` meet across portfolios:
        `team-a` with `prod` and `team` with `a-prod`), as {key: what}."""
        if self.plan is None:
            return {}
        from . import components
        p = self.plan.portfolio
        ns, name = p.gitops.argocdNamespace, p.metadata.name
        out = {}
        for env in self.plan.environments:
            apps = [f"{name}-{env.name}"] + [f"{name}-{env.name}-{c.name}" for c in components.REGISTRY
                                               if env.components[c.name]]
            for app in apps:
                out[f"Application {ns}/{app}"] = f"the Argo CD Application {app} (environment {env.name})"
            # the one-per-cluster objects (DataScienceCluster, Kueue, ClusterQueue, ...): one
            # portfolio per cluster named by its API URL (the in-cluster URL is whichever cluster
            # the syncing Argo CD runs on: portfolios of one repository may have different ones);
            # a fleet's profile lands only on clusters that join later
            owned = [n for n, _ in components.singletons(self.plan, env)]
            if owned and env.cluster != IN_CLUSTER and not any(
                    e.name == env.name and e.clusters for e in p.environments):
                out[f"cluster {env.cluster}"] = f"environment {env.name}"
        return out

    @property
    def overlays(self) -> dict[str, list[str]]:
        """Per environment, the bundled schema overlays of the release it runs (gpuaas/schemas/
        <overlay>): its objects are checked against those, then the base bundle."""
        if self.plan is None:
            return {}
        return {env.name: list(env.target.schemas) for env in self.plan.environments}

    tree = None     # a build read back from the cache has the tree it was checked against


# Rule errors after which no plan can be resolved (a pool or name the plan looks up).
UNPLANNABLE = {"DUPLICATE_NAME", "POOL_UNKNOWN", "QUOTA_POOL"}


def build(path: str | Path, with_files: bool = True) -> Built:
    """Raises UserError when the file cannot be loaded. The plan is resolved despite rule
    errors (it shows what they mean, e.g. a model vLLM would refuse), unless the portfolio's
    names do not resolve; nothing is rendered when there is an error."""
    from . import rules
    from .plan import resolve
    from .portfolio import load_portfolio
    from .render import render
    loaded = load_portfolio(path)
    built = Built(loaded, rules.check(loaded))
    if not any(f.severity == "error" and f.code in UNPLANNABLE for f in built.findings):
        built.plan = resolve(loaded.portfolio)
        if with_files and built.ok:
            built.files = render(built.plan)
    return built


def build_all(paths: list[Path], with_files: bool = True, out_dir: Path | None = None,
              cache: bool = False) -> list[Built | Reused]:
    """Every portfolio; one that does not load does not hide what the others say: raises one
    UserError with the findings of all of them. With `out_dir` and `cache`, a portfolio
    whose render is kept (same inputs, the tree in out_dir/<name> exactly as rendered) is
    not built: its entry stands for it (buildcache.Reused, which holds the files as read)."""
    builts: list[Built | Reused] = []
    broken: list[Finding] = []
    for path in paths:
        slot = None
        if with_files and cache and out_dir is not None:
            from .buildcache import Slot
            slot = Slot(path, out_dir)
            reused = slot.reuse()
            if reused is not None:
                builts.append(reused)
                continue
        try:
            if slot is not None:
                from . import catalog
                catalog.CONSULTED.clear()
            built = build(path, with_files)
            builts.append(built)
            if slot is not None:
                slot.store(built, set(catalog.CONSULTED))
        except UserError as exc:
            broken += exc.findings
    if broken:
        raise UserError(broken + [f for b in builts for f in b.findings])
    return builts


@dataclass
class Before:
    """A portfolio as committed at a revision: its plan, or why there is none."""
    file: str                   # REV:path, as findings name it
    exists: bool
    plan: Plan | None = None
    findings: list[Finding] = field(default_factory=list)


def build_before(path: Path, commit: str, rev: str) -> Before:
    """The plan of `path` at `commit`, read from Git's objects (no checkout). A committed
    portfolio that no longer loads or resolves is reported as a warning: the diff then
    shows it as added, since there is no plan to compare with."""
    from . import rules
    from .plan import resolve
    from .portfolio.load import load_text
    raw = repo.show(path, commit, path)
    file = f"{rev}:{repo.place(path)}"
    if raw is None:
        return Before(file, False)
    try:
        loaded = load_text(raw.decode("utf-8-sig"), file)
    except (UserError, UnicodeDecodeError) as exc:
        found = exc.findings if isinstance(exc, UserError) else [
            Finding(file, None, "YAML", "is not UTF-8 text")]
        return Before(file, True, None, [_warning(f) for f in found])
    found = rules.check(loaded)
    if any(f.severity == "error" and f.code in UNPLANNABLE for f in found):
        return Before(file, True, None, [_warning(f) for f in found if f.severity == "error"])
    return Before(file, True, resolve(loaded.portfolio))


def _warning(f: Finding) -> Finding:
    return Finding(f.file, f.line, f.code, f"{f.message} (no plan at this revision: shown as "
                   "added)", "warning", f.column, f.object)


def portfolio_paths(given: list[Path] | None, root: Path = Path(".")) -> list[Path]:
    """The named portfolios, else every portfolios/*.yaml under root."""
    if given:
        return list(given)
    found = sorted((root / "portfolios").glob("*.yaml")) + sorted((root / "portfolios").glob("*.yml"))
    if not found:
        raise UserError([Finding(str(root / "portfolios"), None, "INPUT",
                                 "no portfolio given and no portfolios/*.yaml here: run from the "
                                 "root of the GitOps repo, name a file, or run `gpuaas init`")])
    return found


def check_unique_names(builts: Sequence[Built | Reused]) -> list[Finding]:
    """Across the portfolios of a repository: one directory per name, one owner for every
    Argo CD Application."""
    seen: dict[str, str] = {}
    owners: dict[str, tuple[str, str]] = {}
    out = []
    for b in builts:
        line, col = b.name_at
        if b.name in seen:
            out.append(Finding(b.file, line, "DUPLICATE_NAME",
                               f"metadata.name {b.name!r} is also used by {seen[b.name]}: both "
                               "would render into the same directory", column=col))
            continue
        seen[b.name] = b.file
        clashes: dict[str, list[str]] = {}      # the other portfolio -> what both would own
        for key, what in b.owned.items():
            if key in owners and owners[key][0] != b.file:
                if key.startswith("cluster "):
                    out.append(Finding(b.file, line, "SHARED_CLUSTER", f"{what} deploys to "
                                       f"{key.removeprefix('cluster ')}, as {owners[key][1]} of "
                                       f"{owners[key][0]} does: both would own its one-per-cluster "
                                       "objects (the DataScienceCluster, Kueue, the ClusterQueue), and "
                                       "pruning one deletes them from the other; give each portfolio "
                                       "its own cluster, or switch those components off in one",
                                       column=col))
                else:
                    clashes.setdefault(owners[key][0], []).append(what)
            owners.setdefault(key, (b.file, what))
        for other, both in clashes.items():     # one finding per pair of portfolios
            out.append(Finding(b.file, line, "DUPLICATE_NAME", f"{'; '.join(both)}: also rendered "
                               f"by {other}; rename the portfolio or the environment", column=col))
    return out


def check_place(built: Built | Reused, root: Path) -> list[Finding]:
    """The tree goes to `root`; Argo CD reads `gitops.path`. They must be the same place in
    the repository, or every Application points at a path that does not exist."""
    expected, has_path, line, col = built.place
    actual = repo.place(root)
    if actual is None or expected == actual:
        return []
    fix = (f"set gitops.path: {actual}" if has_path else
           f"add gitops.path: {actual}, or render with --out so the tree lands in {expected}")
    return [Finding(built.file, line, "GITOPS_PATH", f"the tree is written to {actual} but "
                    f"Argo CD reads {expected} from Git: {fix}", column=col)]


def builds_before(paths: list[Path], rev: str, every_portfolio: bool) -> list[Before]:
    """plan --diff REV: the plans of `paths` at REV, read from Git; with `every_portfolio`
    (no portfolio named), also portfolios/*.yaml at REV that are gone now (shown as removed)."""
    from . import repo
    where = paths[0] if paths else Path(".")
    try:
        commit = repo.commit_of(where, rev)
        removed = [p for p in repo.listed(where, commit, Path("portfolios"))
                   if p.suffix in (".yaml", ".yml") and p not in paths] if every_portfolio else []
        return [build_before(p, commit, rev) for p in [*paths, *removed]]
    except repo.GitError as exc:
        raise UserError([Finding(str(where), None, "GIT", f"--diff {rev}: {exc}")]) from None
