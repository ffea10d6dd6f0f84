"""The `gpuaas` command line: parses options, calls the core, prints. No logic of its own."""
from __future__ import annotations

import os
import sys
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, List, Optional, cast

import typer
from typer.core import TyperGroup

from . import errors, planformats, reporters
from .findings import Finding, did_you_mean
from .errors import UserError

if TYPE_CHECKING:
    from rich.console import Console


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version
        out.print(f"gpuaas {version('gpuaas')}")
        raise typer.Exit()


# Plain help (rich_markup_mode=None): typer's rich help imports rich's Markdown and its
# parser, most of the start-up time of `gpuaas --help`; and help texts are shown as written
# (rich markup would take "[default: ...]" in them for a tag).
class _Commands(TyperGroup):
    """Every command's errors (gpuaas.errors.Error) are printed as findings and end it with
    their exit code, here and nowhere else."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except errors.Error as exc:
            report(exc.reported())
            raise typer.Exit(exc.exit_code) from None


app = typer.Typer(cls=_Commands, help="Render, validate and plan GitOps trees for GPU model serving on "
                  "OpenShift AI (3.0, 3.3, 3.4, 3.5 EUS) from one portfolio file.", no_args_is_help=True,
                  pretty_exceptions_enable=False, rich_markup_mode=None,
                  context_settings={"help_option_names": ["-h", "--help"]})
schemas_app = typer.Typer(cls=_Commands, help="CRD schemas for `validate` (kubeconform layout).",
                          no_args_is_help=True, rich_markup_mode=None,
                          context_settings={"help_option_names": ["-h", "--help"]})
app.add_typer(schemas_app, name="schemas")
fleet_app = typer.Typer(cls=_Commands, help="The clusters of a fleet (fleet.clusters, or an inventory file).",
                        no_args_is_help=True, rich_markup_mode=None,
                        context_settings={"help_option_names": ["-h", "--help"]})
app.add_typer(fleet_app, name="fleet")

# Tables keep their columns when piped or captured (CI logs): 160 columns off a terminal,
# unless COLUMNS says otherwise.
_WIDTH = None if sys.stdout.isatty() or os.environ.get("COLUMNS", "").isdigit() else 160


class _Console:
    """rich's Console, made on first use: importing rich is a good part of the start-up
    time, and `--help` or a clean run never prints through it."""

    def __init__(self, stderr: bool):
        self._stderr = stderr
        self._console: Console | None = None

    def __getattr__(self, name: str):
        if self._console is None:
            from rich.console import Console
            # No markup, no emoji codes: what is printed holds the user's names and values verbatim.
            self._console = Console(stderr=self._stderr, highlight=False, soft_wrap=True,
                                    width=_WIDTH, markup=False, emoji=False)
        return getattr(self._console, name)


out = cast("Console", _Console(stderr=False))
err = cast("Console", _Console(stderr=True))

@app.callback()
def _options(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                          help="Print gpuaas's version and exit.", metavar="")) -> None:
    """Render, validate and plan GitOps trees for GPU model serving on OpenShift AI 3.0 from
    one portfolio file."""


Portfolios = typer.Argument(None, help="Portfolio files (default: every portfolios/*.yaml).",
                            show_default=False)


# --format of validate: the formats of findings (gpuaas/reporters.py)
Format = Enum("Format", {name: name for name in reporters.FORMATS}, type=str)  # type: ignore[misc]


SchemaOutput = Enum("SchemaOutput", {name: name for name in planformats.SCHEMA_FORMATS}, type=str)  # type: ignore[misc]


# --format of plan: gpuaas/planformats.py
PlanOutput = Enum("PlanOutput", {name: name for name in planformats.FORMATS}, type=str)  # type: ignore[misc]


class Kustomize(str, Enum):
    auto = "auto"
    kubectl = "kubectl"
    python = "python"


def report(findings: list[Finding]) -> None:
    reporters.as_text(err, findings)


@app.command()
def init(example: str = typer.Option("starter", "--example",
                                     help="Which bundled example to start from (see --list)."),
         name: Optional[str] = typer.Option(None, "--name", help="The portfolio's name (its file, "
                                            "metadata.name and gitops.path follow it)."),
         directory: Path = typer.Option(Path("portfolios"), "--dir"),
         list_examples: bool = typer.Option(False, "--list", help="List the bundled examples.",
                                            metavar="")) -> None:
    """Write a starter portfolios/<name>.yaml from a bundled example (and the editor schema)."""
    from . import starter
    if list_examples:
        for key, description in starter.examples().items():
            out.print(f"{key:16} {description}")
        return
    files = starter.starter(example, name, directory)
    target = next(iter(files))
    if target.exists():
        from rich.text import Text
        err.print(Text(f"{target} exists: nothing written; name another portfolio with "
                       f"--name (e.g. `gpuaas init --example {example} --name my-gpus`)"), style="red")
        raise typer.Exit(errors.BAD_INPUT)
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    out.print(f"wrote {', '.join(map(str, files))}: edit the portfolio, then `gpuaas plan` and "
              "`gpuaas render`")


@app.command()
def render(portfolios: Optional[List[Path]] = Portfolios,
           out_dir: Path = typer.Option(Path("rendered"), "--out", help="Where trees are written."),
           check: bool = typer.Option(False, "--check", metavar="", help="Write nothing; print a diff and "
                                      "exit 1 when the tree on disk is stale."),
           no_cache: bool = typer.Option(False, "--no-cache", metavar="", help="Render every "
                                         "portfolio, without the render kept from an earlier run "
                                         "(in $GPUAAS_CACHE_DIR, else ~/.cache/gpuaas).")) -> None:
    """Write rendered/<name>/ for each portfolio (the whole GitOps tree)."""
    from . import output, pipeline
    if no_cache:
        _no_cache()
    builts = pipeline.build_all(pipeline.portfolio_paths(portfolios), out_dir=out_dir,
                                cache=not no_cache)
    findings = [f for b in builts for f in b.findings] + pipeline.check_unique_names(builts)
    findings += [f for b in builts if b.ok for f in pipeline.check_place(b, out_dir / b.name)]
    report(findings)
    if any(f.severity == "error" for f in findings):
        err.print("nothing written: fix the errors above and run again", style="red")
        raise typer.Exit(errors.BAD_INPUT)
    stale = False
    if not check:
        output.writable(out_dir)
    for b in builts:
        root = out_dir / b.name
        if check:
            drift = output.compare(b.files, root, label=f"{root}/", tree=b.tree)
            if drift.stale:
                stale = True
                sys.stdout.write(drift.diff)
                err.print(f"{root} is stale: {len(drift.changed)} changed, "
                          f"{len(drift.missing)} missing, {len(drift.extra)} extra; "
                          "run `gpuaas render` and commit", style="red")
            else:
                out.print(f"{root}: up to date ({len(b.files)} files)")
        else:
            drift = output.write(b.files, root, tree=b.tree)
            changes = len(drift.changed) + len(drift.missing) + len(drift.extra)
            what = f"{changes} file(s) changed" if changes else "unchanged"
            out.print(f"{root}: {len(b.files)} files, {what}")
    if stale:
        raise typer.Exit(errors.FOUND)


@app.command()
def plan(portfolios: Optional[List[Path]] = Portfolios,
         env: Optional[str] = typer.Option(None, "--env", help="Only this environment."),
         format: PlanOutput = typer.Option(PlanOutput["text"], "--format",
                                           help="json: one object per portfolio (a list for "
                                           "several); markdown: a PR comment with a Mermaid chart."),
         fail_on_pending: bool = typer.Option(False, "--fail-on-pending", metavar="",
                                              help="Exit 1 when an active model would queue "
                                              "(with --diff: one that becomes Pending)."),
         diff: Optional[str] = typer.Option(None, "--diff", metavar="REV",
                                            help="Compare with the same portfolios at this Git "
                                            "revision (read from Git, no checkout).")) -> None:
    """What Kueue will admit, what will queue, GPU memory fit and monthly cost."""
    from . import pipeline
    paths = pipeline.portfolio_paths(portfolios)
    builts = pipeline.build_all(paths, with_files=False)
    if diff is not None:
        _plan_diff(portfolios, paths, builts, diff, env, format, fail_on_pending)
        return
    report([f for b in builts for f in b.findings])
    plans = []
    for b in builts:
        if b.plan is None:      # names that do not resolve: the findings above say which
            continue
        envs = [e for e in b.plan.environments if env is None or e.name == env]
        if env is not None and not envs:
            _no_env(env, b.loaded.file, [e.name for e in b.plan.environments])
        plans.append((b.plan, envs, b.findings))
    planformats.FORMATS[format.value].plans(out, plans)
    pending = any(m.admission == "Pending" for _, envs, _ in plans for e in envs for m in e.models)
    if not all(b.ok for b in builts):
        raise typer.Exit(errors.BAD_INPUT)     # the plan is shown, and what would not start is an error
    if fail_on_pending and pending:
        raise typer.Exit(errors.FOUND)


def _no_env(env: str, file: str, names: list[str]) -> None:
    err.print(f"no environment {env!r} in {file}: {', '.join(names)}", style="red")
    raise typer.Exit(errors.BAD_INPUT)


def _plan_diff(portfolios: Optional[List[Path]], paths: List[Path], builts: list, rev: str,
               env: Optional[str], format: PlanOutput, fail_on_pending: bool) -> None:
    """plan --diff REV: each portfolio's plan now against its plan at REV. Without
    PORTFOLIO..., portfolios/*.yaml at REV that are gone now are shown as removed."""
    from . import pipeline, plandiff
    befores = pipeline.builds_before(paths, rev, every_portfolio=not portfolios)
    report([f for b in builts for f in b.findings] + [f for b in befores for f in b.findings])
    diffs = []
    for i, before in enumerate(befores):
        after = builts[i] if i < len(builts) else None
        if after is not None and after.plan is None:
            continue            # names that do not resolve now: the findings above say which
        plans = [x.environments for x in (before.plan, after and after.plan) if x is not None]
        if env is not None and not any(e.name == env for envs in plans for e in envs):
            _no_env(env, after.loaded.file if after else before.file,
                    sorted({e.name for envs in plans for e in envs}))
        name = (after.name if after else before.plan.portfolio.metadata.name if before.plan
                else Path(before.file).stem)
        diffs.append(plandiff.diff_plans(name, after.loaded.file if after else before.file,
                                         before.plan, after.plan if after else None, env))
    planformats.FORMATS[format.value].diffs(out, diffs, rev)
    if not all(b.ok for b in builts):
        raise typer.Exit(errors.BAD_INPUT)
    if any(d.upgrade_problems for d in diffs):
        raise typer.Exit(errors.FOUND)     # a move OLM cannot make: the commit would not come up
    if fail_on_pending and any(d.became_pending for d in diffs):
        raise typer.Exit(errors.FOUND)


def _no_cache() -> None:
    """--no-cache: no kept result is used, the compiled templates' cache included."""
    from . import templating
    templating.disable_bytecode_cache()


def _engines(command: str, module: str):
    """A module that needs the validate engines (jsonschema-rs, Helm, the Kubernetes schemas),
    which the plain install leaves out: without them, the same clean exit for every command."""
    import importlib
    try:
        return importlib.import_module(module, __package__)
    except ImportError as exc:
        err.print(f"{command} needs its engines ({exc.name} is missing): "
                  "pip install 'gpuaas[validate]'", style="red")
        raise typer.Exit(errors.BAD_INPUT) from None


@app.command()
def validate(portfolios: Optional[List[Path]] = Portfolios,
             out_dir: Path = typer.Option(Path("rendered"), "--out", help="Where the trees are."),
             schemas: Optional[Path] = typer.Option(None, "--schemas", help="CRD schemas imported "
                                                    "from your cluster (kubeconform layout); they take "
                                                    "precedence over the bundled ones [default: "
                                                    ".gpuaas/schemas when it exists]."),
             format: Optional[Format] = typer.Option(None, "--format", help="text, json or github "
                                                     "(default: github under GitHub Actions)."),
             strict: bool = typer.Option(False, "--strict", metavar="", help="Objects without a schema are "
                                         "errors."),
             kustomize: Kustomize = typer.Option(Kustomize.auto, "--kustomize", help="auto: plain "
                                                 "resource lists in Python, others with kubectl."),
             no_cache: bool = typer.Option(False, "--no-cache", metavar="", help="Check every file "
                                           "again, without the results kept from earlier runs "
                                           "(in $GPUAAS_CACHE_DIR, else ~/.cache/gpuaas)."),
             staged: bool = typer.Option(False, "--staged", metavar="", help="Check what `git commit` "
                                         "would record (Git's index), not the files on disk; the "
                                         "default in a plain Git hook (GIT_INDEX_FILE set).")) -> None:
    """The whole gate, read-only: rules, drift, Helm, kustomize, strict schemas, policy."""
    import os
    # Git runs its hooks with GIT_INDEX_FILE set to the index the commit records (index.lock
    # for `commit -a`); pre-commit (PRE_COMMIT) stashes what is not staged instead
    if os.environ.get("GIT_INDEX_FILE") and not os.environ.get("PRE_COMMIT"):
        staged = True
    if staged:
        from . import repo
        here = Path.cwd()
        top = repo.toplevel(here)
        try:
            with repo.staged(here) as copy:
                os.chdir(copy / os.path.relpath(here, top) if top else copy)
                try:
                    err.print("checking what is staged (Git's index), not the working tree")
                    _gate(portfolios, out_dir, schemas, format, strict, kustomize, no_cache)
                finally:
                    os.chdir(here)
        except repo.GitError as exc:
            raise UserError([Finding(".", None, "GIT", f"--staged: {exc}")]) from None
        return
    _gate(portfolios, out_dir, schemas, format, strict, kustomize, no_cache)


def _gate(portfolios: Optional[list[Path]], out_dir: Path, schemas: Optional[Path],
          format: Optional[Format], strict: bool, kustomize: Kustomize, no_cache: bool) -> None:
    """validate on the files in the current directory (the work tree, or the staged copy)."""
    import os
    from . import pipeline
    gate = _engines("validate", ".validate.gate")
    if no_cache:
        _no_cache()
    chosen = format.value if format is not None else (
        "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text")
    show = reporters.FORMATS[chosen]
    schemas = _schemas_dir(schemas)
    try:
        result = gate.validate(pipeline.portfolio_paths(portfolios),
                               gate.Options(out_dir, schemas, strict, kustomize.value,
                                            every_portfolio=not portfolios, cache=not no_cache))
    except UserError as exc:
        # text goes to stderr when nothing was checked, like every command's bad input
        stats = {"portfolios": 0, "files": 0, "objects": 0, "schemaChecked": 0}
        show(err, exc.findings, stats if chosen == "json" else None, False)
        raise typer.Exit(errors.BAD_INPUT) from None
    show(out, result.findings, result.stats, result.ok)
    raise typer.Exit(errors.OK if result.ok else errors.FOUND)


def _schemas_dir(given: Optional[Path]) -> Optional[Path]:
    """An explicit --schemas must exist; the default directory is used only when it does."""
    if given is None:
        default = Path(".gpuaas/schemas")
        return default if default.is_dir() else None
    if not given.is_dir():
        raise UserError([Finding(str(given), None, "INPUT", "--schemas: no such directory: give the "
                                "--out of `gpuaas schemas import`, or leave it out to use the "
                                "bundled schemas")])
    return given


@schemas_app.command("list")
def schemas_list(schemas: Optional[Path] = typer.Option(None, "--schemas", help="Also the schemas "
                                                        "imported here (they take precedence)."),
                 release: Optional[str] = typer.Option(None, "--release", help="The OpenShift AI "
                                                       "release whose schemas to list (default: 3.0)."),
                 format: SchemaOutput = typer.Option(SchemaOutput["text"], "--format")) -> None:
    """Which CRD kinds validate checks, and where each schema comes from, per OpenShift AI release."""
    from . import catalog
    schema_index = _engines("schemas list", ".validate.schema_check").schema_index
    directory = _schemas_dir(schemas)
    chosen = catalog.RELEASES.get(release or catalog.DEFAULT_RELEASE)
    if chosen is None:
        raise UserError([Finding("--release", None, "INPUT", f"no release {release!r}"
                                f"{did_you_mean(str(release), catalog.RELEASES)}: "
                                f"{', '.join(catalog.RELEASES)}")])
    kueue = catalog.KUEUE_OPERATORS[chosen.kueue_channel]
    overlays = ([f"releases/{chosen.schemas}"] if chosen.schemas else []) + [f"kueue-operator/{kueue.schemas}"]
    rows = schema_index([directory] if directory else [], overlays)
    planformats.SCHEMA_FORMATS[format.value](out, rows, chosen.version, chosen.kueue_channel,
                                             [v for v in catalog.RELEASES if v != chosen.version])


@schemas_app.command("import")
def schemas_import(crds: Optional[List[str]] = typer.Argument(None, help="CRD YAML files or "
                                                              "directories, or - for stdin."),
                   from_cluster: bool = typer.Option(False, "--from-cluster", metavar="", help="Read the CRDs "
                                                     "of the kinds gpuaas renders with kubectl."),
                   out_dir: Path = typer.Option(Path(".gpuaas/schemas"), "--out")) -> None:
    """Convert CRDs into JSON Schemas in kubeconform's layout, for `validate --schemas`."""
    crd_import = _engines("schemas import", ".validate.crd_import")
    if from_cluster:
        text = crd_import.crds_from_cluster()
        docs = crd_import.load_crds(text)
    elif not crds:
        raise crd_import.CRDError("nothing to import: name CRD files or directories, - for "
                                  "stdin, or --from-cluster (the kube context's CRDs). validate "
                                  "already has the bundled schemas: `gpuaas schemas list`")
    else:
        docs = crd_import.load_crds([sys.stdin.read() if c == "-" else c for c in crds])
    schemas: dict = {}
    for doc in docs:
        schemas.update(crd_import.convert_crd(doc))
    written = crd_import.write_schemas(schemas, out_dir)
    out.print(f"{len(written)} schema(s) from {len(docs)} CRD(s) written to {out_dir}")


def _switch(models: List[str], portfolio: Optional[Path], env: Optional[str], state: str) -> None:
    from . import pipeline
    from .portfolio.edit import set_state
    path = portfolio or _portfolio_with(models, pipeline.portfolio_paths(None))
    changed = set_state(path, models, state, env)
    where = f" in {env}" if env else ""
    if changed is None:
        err.print(f"{', '.join(models)}: already {state}{where} ({path}); nothing changed")
    else:
        err.print(f"{', '.join(models)}: state {state}{where} ({path}); run `gpuaas render` and commit")
    plan([path], env, PlanOutput["text"], False, None)


def _portfolio_with(models: List[str], paths: List[Path]) -> Path:
    """The one portfolio holding every named model, so -p is needed only when it is ambiguous."""
    if len(paths) == 1:
        return paths[0]
    from .portfolio import load_portfolio
    names = {path: {m.name for m in load_portfolio(path).portfolio.models} for path in paths}
    holding = [path for path, known in names.items() if set(models) <= known]
    if len(holding) == 1:
        return holding[0]
    if holding:
        raise UserError([Finding("portfolios", None, "INPUT", f"{', '.join(map(str, holding))} all "
                                 "have these models: name one with --portfolio")])
    everything = set().union(*names.values())
    raise UserError([Finding("portfolios", None, "MODEL_UNKNOWN", f"no portfolio has a model named "
                             f"{m!r}{did_you_mean(m, everything)}") for m in models if m not in everything]
                    or [Finding("portfolios", None, "MODEL_UNKNOWN", "no single portfolio has all of "
                                f"{', '.join(models)}: switch them one portfolio at a time")])


@app.command()
def activate(models: List[str] = typer.Argument(..., help="Model names."),
             portfolio: Optional[Path] = typer.Option(None, "--portfolio", "-p"),
             env: Optional[str] = typer.Option(None, "--env", help="Write the environment's override.")) -> None:
    """Set `state: active` (edits the portfolio in place, keeping comments), then plan."""
    _switch(models, portfolio, env, "active")


@app.command()
def deactivate(models: List[str] = typer.Argument(..., help="Model names."),
               portfolio: Optional[Path] = typer.Option(None, "--portfolio", "-p"),
               env: Optional[str] = typer.Option(None, "--env", help="Write the environment's override.")) -> None:
    """Set `state: standby` (rendered, no pods, no GPUs), then plan."""
    _switch(models, portfolio, env, "standby")


@app.command()
def calibrate(log: Path = typer.Argument(..., help="The vLLM start-up log (`oc logs <pod>`), or - for stdin."),
              model: str = typer.Option(..., "--model", help="The model of the portfolio that logged it."),
              portfolio: Optional[Path] = typer.Option(None, "--portfolio", "-p", help="The portfolio "
                                                       "(default: the one in portfolios/ with that model)."),
              env: Optional[str] = typer.Option(None, "--env", help="Its environment (default: the first)."),
              keep: bool = typer.Option(False, "--keep", help="Keep what the log measured in the model's "
                                        "`measured` list: the plan then uses it on this GPU, GPU count "
                                        "and vLLM release."),
              format: SchemaOutput = typer.Option(SchemaOutput["text"], "--format")) -> None:
    """What the plan predicted for a model against what vLLM logged as it started."""
    from . import calibrate as cal
    from . import pipeline
    text = _read(log)
    path = portfolio or _portfolio_with([model], pipeline.portfolio_paths(None))
    built = pipeline.build(path, with_files=False)
    if built.plan is None:
        raise UserError(built.findings)
    envs = [e for e in built.plan.environments if env is None or e.name == env]
    if not envs:
        _no_env(str(env), str(path), [e.name for e in built.plan.environments])
    mp = next((m for m in envs[0].models if m.name == model), None)
    if mp is None:
        raise UserError([Finding(str(path), None, "MODEL_UNKNOWN", f"no model {model!r} in {envs[0].name}"
                                 f"{did_you_mean(model, [m.name for m in envs[0].models])}")])
    logged = cal.read_log(text)
    rows = cal.compare(mp, logged)
    kept = None
    if keep:
        kept = cal.measurement(envs[0], mp, logged, text)
        if kept is None:
            raise UserError([Finding(str(log), None, "CALIBRATE", "nothing to keep: the log has no "
                                     "\"Model loading took\" or no \"Available KV cache memory\" line, "
                                     f"or {model} has no pool in {envs[0].name}")])
        from .portfolio.edit import set_measured
        set_measured(path, model, kept)
    if format.value == "json":
        reporters.print_json(cal.rows_json(model, envs[0].name, rows, logged, kept))
        return
    from rich.table import Table
    table = Table(title=f"{model} in {envs[0].name}: plan against the log", title_justify="left")
    for name, justify in (("what", "left"), ("plan", "right"), ("vLLM logged", "right"), ("error", "right")):
        table.add_column(name, justify=justify)     # type: ignore[arg-type]
    for r in rows:
        table.add_row(r.what, "-" if r.predicted is None else f"{r.predicted:,}" if isinstance(r.predicted, (int, float)) else r.predicted,
                      "-" if r.logged is None else f"{r.logged:,}" if isinstance(r.logged, (int, float)) else r.logged,
                      "" if r.error is None else f"{r.error:+.1%}")
    out.print(table)
    from rich.text import Text
    if logged.refused:
        out.print(Text(f"vLLM: {logged.refused}"))
    if kept:
        out.print(Text(f"kept in {path}: {model} on {kept['gpus']} x {kept['gpu']} with vLLM {kept['vllm']} "
                       f"plans from this log's {kept['weightsGiB']} GiB of weights and {kept['overheadGiB']} GiB "
                       "of activation and non-torch memory"))


@fleet_app.command("import")
def fleet_import(source: Path = typer.Argument(..., help="`argocd cluster list -o json`, or "
                                               "`oc get managedclusters -o json` (ACM), saved to a file; - for stdin.")) -> None:
    """Print an inventory (YAML, `clusters:`) from the clusters Argo CD or ACM knows, offline."""
    import yaml

    from .portfolio.fleet import import_clusters
    text = _read(source)
    clusters = import_clusters(text, str(source))
    sys.stdout.write("# gpuaas fleet import: add each cluster's pools, release and quota where they\n"
                     "# differ from the portfolio's; point fleet.inventory at this file.\n")
    sys.stdout.write(yaml.safe_dump({"clusters": clusters}, sort_keys=False))


def _read(path: Path) -> str:
    """A text file the user names, or standard input for -."""
    if str(path) == "-":
        return sys.stdin.read()
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError([Finding(str(path), None, "INPUT", f"cannot read: {exc}")]) from None


@app.command()
def explain(code: str = typer.Argument(..., help="A finding's code, as printed in brackets.")) -> None:
    """Say what a finding code catches and what to do about it."""
    from .codes import CODES
    from .findings import did_you_mean
    found = CODES.get(code.upper())
    if found is None:
        raise UserError([Finding("-", None, "INPUT", f"no finding code {code!r}"
                                f"{did_you_mean(code.upper(), CODES)}; docs/findings.md lists them all")])
    from rich.text import Text
    out.print(Text(f"{code.upper()} ({found.severity}, found by {found.stage})\n"
                   f"catches: {found.catches}\nfix: {found.fix}"))


@app.command()
def schema() -> None:
    """Print the portfolio's JSON Schema (for editors, via yaml-language-server)."""
    from .portfolio.jsonschema import portfolio_schema
    reporters.print_json(portfolio_schema())


# The command list shows each command's whole first line (click would cut it to fit 80
# columns with "...").
for _typer in (app, schemas_app, fleet_app):
    for _info in _typer.registered_commands:
        if _info.short_help is None and _info.callback.__doc__:
            _info.short_help = _info.callback.__doc__.strip().split("\n\n")[0]


def main() -> None:
    """Bugs get one line and a way to see the traceback; bad input never reaches here."""
    import os
    # gpuaas's own models need no pydantic plugins, and looking for them reads the metadata
    # of every installed package on each start.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    try:
        app()
    except Exception as exc:  # noqa: BLE001 - the last line of defence
        if os.environ.get("GPUAAS_DEBUG"):
            raise
        err.print(f"gpuaas: internal error {type(exc).__name__}: {exc}\n"
                  "This is a bug in gpuaas, not in your input. Run again with GPUAAS_DEBUG=1 "
                  "for the traceback and report it.")
        sys.exit(errors.BUG)
