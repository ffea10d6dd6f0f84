"""A render killed at any point leaves the previous tree or the new one, whole; concurrent
renders of one portfolio do not corrupt each other."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from generate import portfolio  # noqa: E402

GPUAAS = str(Path(sys.executable).parent / "gpuaas")


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def big(tmp_path: Path) -> Path:
    (tmp_path / "portfolios").mkdir()
    (tmp_path / "portfolios" / "p.yaml").write_text(portfolio(300, 2, name="big"))
    subprocess.run([GPUAAS, "render"], cwd=tmp_path, check=True, capture_output=True)
    return tmp_path


# Runs `gpuaas render` in a child that SIGKILLs itself at one fixed point of the write:
# mid-write (after some files of the new tree), just before the swap, during the swap (just
# after the first rename or removal once the new tree is complete: an exchange done in two
# steps dies between them) and just after the swap (before the temporary tree is removed).
KILLER = """
import os, pathlib, shutil, signal, sys
from gpuaas import output
point = os.environ["KILL_AT"]
def die():
    os.kill(os.getpid(), signal.SIGKILL)
written = [0]
write_text = pathlib.Path.write_text
def counting(self, *a, **k):
    written[0] += 1
    if point == "mid-write" and written[0] == 40:
        die()
    return write_text(self, *a, **k)
pathlib.Path.write_text = counting
armed = [False]
fsync = output._fsync_tree
def arm(root):
    fsync(root)
    armed[0] = point == "mid-swap"
output._fsync_tree = arm
for owner, name in ((os, "rename"), (os, "replace"), (shutil, "rmtree"), (os, "rmdir")):
    real = getattr(owner, name)
    def guarded(*a, _real=real, **k):
        result = _real(*a, **k)
        if armed[0]:
            die()
        return result
    setattr(owner, name, guarded)
exchange = output._exchange
def swap(a, b):
    if point == "before-swap":
        die()
    exchange(a, b)
    if point == "after-swap":
        die()
output._exchange = swap
from gpuaas.cli import app
sys.argv = ["gpuaas", "render"]
app()
"""


@pytest.mark.parametrize("point,outcome", [("mid-write", "old"), ("before-swap", "old"),
                                           ("mid-swap", None), ("after-swap", "new")])
@pytest.mark.slow
def test_sigkill_at_fixed_points_leaves_a_whole_tree(big: Path, point: str, outcome: str | None):
    root = big / "rendered" / "big"
    old = snapshot(root)
    source = big / "portfolios" / "p.yaml"
    source.write_text(source.read_text().replace("maxModelLen: 8192", "maxModelLen: 4096"))
    subprocess.run([GPUAAS, "render", "--out", str(big / "expected")], cwd=big, check=True,
                   capture_output=True)
    new = snapshot(big / "expected" / "big")
    assert new != old and len(new) > 40
    killed = subprocess.run([sys.executable, "-c", KILLER], cwd=big, capture_output=True,
                            env={**os.environ, "KILL_AT": point})
    assert killed.returncode == -signal.SIGKILL, killed.stderr.decode()[-2000:]
    now = snapshot(root)
    assert now in (old, new), "a killed render left a mixed or missing tree"
    if outcome:
        assert now == (old if outcome == "old" else new)
    # the next render finishes the job and cleans up what the killed one left
    subprocess.run([GPUAAS, "render"], cwd=big, check=True, capture_output=True)
    assert snapshot(root) == new
    assert not list((big / "rendered").glob(".gpuaas-tmp-*")), "temporary trees left behind"
    assert sorted(p.name for p in (big / "rendered").iterdir()) == ["big"]


@pytest.mark.slow
def test_concurrent_renders_do_not_corrupt(big: Path):
    expected = snapshot(big / "rendered" / "big")
    source = big / "portfolios" / "p.yaml"
    source.write_text(source.read_text().replace("maxModelLen: 8192", "maxModelLen: 2048"))
    procs = [subprocess.Popen([GPUAAS, "render"], cwd=big, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE) for _ in range(3)]
    assert [p.wait() for p in procs] == [0, 0, 0]
    final = snapshot(big / "rendered" / "big")
    assert final != expected and set(final) == set(expected)
    assert subprocess.run([GPUAAS, "render", "--check"], cwd=big, capture_output=True).returncode == 0
    assert not list((big / "rendered").glob(".gpuaas-tmp-*"))


@pytest.mark.parametrize("rel", ["../escaped.yaml", "/etc/escaped.yaml", "a/../../escaped.yaml",
                                 "components/./x.yaml", "-rf", "a//b.yaml"])
def test_nothing_is_written_outside_the_tree(tmp_path: Path, rel: str):
    from gpuaas import output
    root = tmp_path / "out" / "tree"
    with pytest.raises(ValueError, match="not a plain path inside the tree"):
        output.write_tree({"README.md": "ok\n", rel: "x\n"}, root)
    assert not any(tmp_path.rglob("*escaped*"))
    assert not root.exists()
