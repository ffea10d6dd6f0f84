"""`make bench`: whole-process wall time of render and validate, and peak memory, on the
enterprise demo and on generated portfolios; ratios say whether cost grows linearly."""
from __future__ import annotations

import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import portfolio  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def timed(cmd: list[str], cwd: Path, repeat: int = 3) -> tuple[float, float]:
    """Best wall time of `repeat` runs, and the peak RSS (MiB) of the children."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
        best = min(best, time.perf_counter() - start)
        if proc.returncode not in (0, 1):
            raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr[-2000:]}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return best, peak


def main() -> None:
    gpuaas = str(BIN / "gpuaas")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        cases = [("enterprise demo", None, 1)] + [(f"{n} models x {e} env", (n, e), e)
                                                 for n, e in ((10, 3), (100, 3), (1000, 3), (5000, 3))]
        for label, spec, envs in cases:
            repo = work / label.replace(" ", "-")
            (repo / "portfolios").mkdir(parents=True)
            if spec is None:
                shutil.copy(ROOT / "portfolios" / "enterprise-demo.yaml", repo / "portfolios")
            else:
                (repo / "portfolios" / "p.yaml").write_text(portfolio(spec[0], spec[1]))
            render_s, render_mb = timed([gpuaas, "render"], repo, repeat=1 if spec and spec[0] >= 1000 else 3)
            validate_s, validate_mb = timed([gpuaas, "validate"], repo,
                                            repeat=1 if spec and spec[0] >= 1000 else 3)
            objects = sum(p.read_text().count("\nkind: ") for p in (repo / "rendered").rglob("*.yaml"))
            rows.append((label, spec[0] if spec else 5, objects, render_s, validate_s, validate_mb))
    print(f"{'portfolio':24} {'models':>7} {'objects':>8} {'render s':>9} {'validate s':>11} {'peak MiB':>9}")
    for label, models, objects, r, v, mb in rows:
        print(f"{label:24} {models:>7} {objects:>8} {r:>9.3f} {v:>11.3f} {mb:>9.0f}")
    print("\nratios between successive generated sizes (x10 models, x5 for the last): "
          "time ratio / size ratio near 1 means linear")
    gen = rows[1:]
    for (a, b) in zip(gen, gen[1:]):
        size = b[1] / a[1]
        print(f"  {a[1]:>5} -> {b[1]:>5} models: render x{b[3] / a[3]:.1f}, validate x{b[4] / a[4]:.1f} "
              f"(size x{size:.0f})")
    if shutil.which("kubeconform"):
        print("\nkubeconform is on PATH: compare with `kubeconform -schema-location` on the same tree")


if __name__ == "__main__":
    main()
