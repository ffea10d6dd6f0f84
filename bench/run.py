"""`make bench`: whole-process wall time (median of several runs) and peak memory of the
commands people wait for: `--help`, render and validate on the enterprise demo and on
generated portfolios, and a warm pre-commit run of the hooks; ratios say whether cost grows
linearly. render and validate are timed twice: warm (the cache holds the render and the
results of an earlier run on the same files, as in a pre-commit hook run after run) and
cold (--no-cache: every portfolio rendered, every file checked). Times vary with the machine: they belong here, never in tests."""
from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import fleet, portfolio  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
# Bytecode is written as on any user's machine: where PYTHONDONTWRITEBYTECODE is set, every
# run would compile gpuaas's modules again and the bench would measure the compiler.
ENV = {**{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
       "PATH": f"{BIN}:{os.environ['PATH']}", "GIT_AUTHOR_NAME": "bench",
       "GIT_AUTHOR_EMAIL": "bench@example.com", "GIT_COMMITTER_NAME": "bench",
       "GIT_COMMITTER_EMAIL": "bench@example.com"}
# the targets, seconds (the median of whole-process runs on a 2-core machine)
TARGETS = {"gpuaas --help": 0.15, "validate enterprise demo": 0.4, "render 1000 models x 3 env": 1.0,
           "validate 1000 models x 3 env": 2.0, "pre-commit gpuaas-validate, warm (demo)": 0.8}
# the hook the README recommends (validate reports a stale tree too), and every hook shipped
RECOMMENDED_HOOKS = ("gpuaas-validate",)


def timed(cmd: list[str], cwd: Path, repeat: int = 5) -> tuple[float, float]:
    """Median wall time of `repeat` runs, and the peak RSS (MiB) of the children so far."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=ENV)
        times.append(time.perf_counter() - start)
        if proc.returncode not in (0, 1):
            raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return statistics.median(times), peak


def hooks_config(ids: tuple[str, ...] | None = None) -> str:
    """The hooks of .pre-commit-hooks.yaml (those named, else all) as local hooks on this
    environment's gpuaas (what a warm pre-commit runs, without installing the hook
    environment)."""
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    local = [{"id": h["id"], "name": h["name"], "entry": h["entry"], "language": "system",
              "pass_filenames": h.get("pass_filenames", True), "files": h.get("files", "")}
             for h in hooks if ids is None or h["id"] in ids]
    return yaml.safe_dump({"repos": [{"repo": "local", "hooks": local}]}, sort_keys=False)


def main() -> None:
    gpuaas = str(BIN / "gpuaas")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        ENV["GPUAAS_CACHE_DIR"] = str(work / "cache")   # render's and validate's cache: starts empty
        # gpuaas's bytecode, as an installation (pip compiles) or any first run leaves it
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "gpuaas")], check=True)
        help_s, _ = timed([gpuaas, "--help"], work)
        rows.append(("gpuaas --help", "", "", help_s, None))
        cases = [("enterprise demo", None, 1)] + [(f"{n} models x {e} env", (n, e), e)
                                                 for n, e in ((10, 3), (100, 3), (1000, 3), (5000, 3))]
        sizes = []
        for label, spec, _envs in cases:
            repo = work / label.replace(" ", "-")
            (repo / "portfolios").mkdir(parents=True)
            if spec is None:
                shutil.copy(ROOT / "portfolios" / "enterprise-demo.yaml", repo / "portfolios")
            else:
                (repo / "portfolios" / "p.yaml").write_text(portfolio(spec[0], spec[1]))
            repeat = 1 if spec and spec[0] >= 5000 else 3 if spec and spec[0] >= 1000 else 5
            render_cold_s, render_cold_mb = timed([gpuaas, "render", "--no-cache"], repo, repeat)
            timed([gpuaas, "render"], repo, 1)      # fills the cache
            render_s, render_mb = timed([gpuaas, "render"], repo, repeat)
            cold_s, cold_mb = timed([gpuaas, "validate", "--no-cache"], repo, repeat)
            timed([gpuaas, "validate"], repo, 1)    # fills the cache
            validate_s, validate_mb = timed([gpuaas, "validate"], repo, repeat)
            objects = sum(p.read_text().count("\nkind: ") for p in (repo / "rendered").rglob("*.yaml"))
            models = spec[0] if spec else 5
            rows.append((f"render {label}", models, objects, render_s, render_mb))
            rows.append(("  cold: render --no-cache", models, objects, render_cold_s, render_cold_mb))
            rows.append((f"validate {label}", models, objects, validate_s, validate_mb))
            rows.append(("  cold: validate --no-cache", models, objects, cold_s, cold_mb))
            if spec:
                sizes.append((models, render_s, validate_s, cold_s, render_cold_s))
            if spec is None:
                subprocess.run(["git", "init", "-q"], cwd=repo, check=True, env=ENV)
                subprocess.run(["git", "add", "-A"], cwd=repo, check=True, env=ENV)
                pre_commit = [str(BIN / "pre-commit"), "run", "--all-files"]
                for ids, name in ((RECOMMENDED_HOOKS, "pre-commit gpuaas-validate, warm (demo)"),
                                  (None, "pre-commit every hook, warm (demo)")):
                    (repo / ".pre-commit-config.yaml").write_text(hooks_config(ids))
                    timed(pre_commit, repo, 1)      # warm: pre-commit's own first-run set-up
                    hooks_s, hooks_mb = timed(pre_commit, repo)
                    rows.append((name, models, objects, hooks_s, hooks_mb))
        fleets = []     # a fleet of growing size: clusters x 50 models, cold
        for clusters in (25, 50, 100, 200):
            repo = work / f"fleet-{clusters}"
            (repo / "portfolios").mkdir(parents=True)
            (repo / "portfolios" / "p.yaml").write_text(fleet(clusters, 50))
            plan_s, plan_mb = timed([gpuaas, "plan", "--format", "json"], repo, 1)
            render_s, render_mb = timed([gpuaas, "render", "--no-cache"], repo, 1)
            subprocess.run(["git", "init", "-q"], cwd=repo, check=True, env=ENV)
            subprocess.run(["git", "add", "-A"], cwd=repo, check=True, env=ENV)
            validate_s, validate_mb = timed([gpuaas, "validate", "--no-cache"], repo, 1)
            objects = sum(p.read_text().count("\nkind: ") for p in (repo / "rendered").rglob("*.yaml"))
            for what, seconds, mb in (("plan", plan_s, plan_mb), ("render --no-cache", render_s, render_mb),
                                      ("validate --no-cache", validate_s, validate_mb)):
                rows.append((f"{what} fleet {clusters} clusters", 50, objects, seconds, mb))
            fleets.append((clusters, plan_s, render_s, validate_s))
    print(f"{'command':40} {'models':>7} {'objects':>8} {'median s':>9} {'target s':>9} {'peak MiB':>9}")
    for label, models, objects, seconds, mb in rows:
        target = TARGETS.get(label)
        print(f"{label:40} {models:>7} {objects:>8} {seconds:>9.3f} "
              f"{'' if target is None else f'{target:.2f}':>9} {'' if mb is None else f'{mb:.0f}':>9}")
    print("\nratios between successive generated sizes (x10 models, x5 for the last): "
          "time ratio / size ratio near 1 means linear")
    for a, b in zip(sizes, sizes[1:]):
        print(f"  {a[0]:>5} -> {b[0]:>5} models: render x{b[1] / a[1]:.1f}, render --no-cache "
              f"x{b[4] / a[4]:.1f}, validate x{b[2] / a[2]:.1f}, validate --no-cache "
              f"x{b[3] / a[3]:.1f} (size x{b[0] / a[0]:.0f})")
    print("\nfleets (50 models each): time ratio / clusters ratio near 1 means linear")
    for a, b in zip(fleets, fleets[1:]):
        print(f"  {a[0]:>4} -> {b[0]:>4} clusters: plan x{b[1] / a[1]:.1f}, render x{b[2] / a[2]:.1f}, "
              f"validate x{b[3] / a[3]:.1f} (size x{b[0] / a[0]:.0f})")
    if shutil.which("kubeconform"):
        print("\nkubeconform is on PATH: compare with `kubeconform -schema-location` on the same tree")


if __name__ == "__main__":
    main()
