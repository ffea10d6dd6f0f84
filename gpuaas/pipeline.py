"""load -> check -> plan -> render, for one portfolio file. Pure apart from reading it."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from . import repo, rules
from .findings import Finding, UserError, errors
from .plan import Plan, resolve
from .portfolio import Loaded, load_portfolio
from .portfolio.load import load_text
from .render import render, tree_path


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


# Rule errors after which no plan can be resolved (a pool or name the plan looks up).
UNPLANNABLE = {"DUPLICATE_NAME", "POOL_UNKNOWN", "QUOTA_POOL"}


def build(path: str | Path, with_files: bool = True) -> Built:
    """Raises UserError when the file cannot be loaded. The plan is resolved despite rule
    errors (it shows what they mean, e.g. a model vLLM would refuse), unless the portfolio's
    names do not resolve; nothing is rendered when there is an error."""
    loaded = load_portfolio(path)
    built = Built(loaded, rules.check(loaded))
    if not any(f.severity == "error" and f.code in UNPLANNABLE for f in built.findings):
        built.plan = resolve(loaded.portfolio)
        if with_files and built.ok:
            built.files = render(built.plan)
    return built


def build_all(paths: list[Path], with_files: bool = True) -> list[Built]:
    """Every portfolio; one that does not load does not hide what the others say: raises one
    UserError with the findings of all of them."""
    builts, broken = [], []
    for path in paths:
        try:
            builts.append(build(path, with_files))
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


def check_unique_names(builts: list[Built]) -> list[Finding]:
    seen: dict[str, str] = {}
    out = []
    for b in builts:
        if b.name in seen:
            line, col = b.loaded.locations.of(("metadata", "name"))
            out.append(Finding(b.loaded.file, line, "DUPLICATE_NAME",
                               f"metadata.name {b.name!r} is also used by {seen[b.name]}: both "
                               "would render into the same directory", column=col))
        seen.setdefault(b.name, b.loaded.file)
    return out


def check_place(built: Built, root: Path) -> list[Finding]:
    """The tree goes to `root`; Argo CD reads `gitops.path`. They must be the same place in
    the repository, or every Application points at a path that does not exist."""
    portfolio = built.loaded.portfolio
    expected, actual = tree_path(portfolio), repo.place(root)
    if actual is None or expected == actual:
        return []
    given = ("gitops", "path") if portfolio.gitops.path else ("metadata", "name")
    line, col = built.loaded.locations.of(given)
    fix = (f"set gitops.path: {actual}" if portfolio.gitops.path else
           f"add gitops.path: {actual}, or render with --out so the tree lands in {expected}")
    return [Finding(built.loaded.file, line, "GITOPS_PATH", f"the tree is written to {actual} but "
                    f"Argo CD reads {expected} from Git: {fix}", column=col)]
