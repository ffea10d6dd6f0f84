"""A render killed at any point leaves the previous tree or the new one, whole; concurrent
renders of one portfolio do not corrupt each other."""
from __future__ import annotations

import random
import subprocess
import sys
import time
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


def test_sigkill_at_random_points_leaves_a_whole_tree(big: Path):
    root = big / "rendered" / "big"
    old = snapshot(root)
    source = big / "portfolios" / "p.yaml"
    source.write_text(source.read_text().replace("maxModelLen: 8192", "maxModelLen: 4096"))
    new_dir = big / "expected"
    subprocess.run([GPUAAS, "render", "--out", str(new_dir)], cwd=big, check=True, capture_output=True)
    new = snapshot(new_dir / "big")
    assert new != old
    rng = random.Random(7)
    outcomes = set()
    for _ in range(8):
        proc = subprocess.Popen([GPUAAS, "render"], cwd=big, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.2, 1.5))
        proc.kill()
        proc.wait()
        now = snapshot(root)
        assert now in (old, new), "a killed render left a mixed tree"
        outcomes.add("new" if now == new else "old")
        if now == new:   # start again from the old tree
            source.write_text(source.read_text().replace("maxModelLen: 4096", "maxModelLen: 8192"))
            subprocess.run([GPUAAS, "render"], cwd=big, check=True, capture_output=True)
            source.write_text(source.read_text().replace("maxModelLen: 8192", "maxModelLen: 4096"))
    assert "old" in outcomes, "no kill landed before the swap: the test proves nothing"
    subprocess.run([GPUAAS, "render"], cwd=big, check=True, capture_output=True)
    assert snapshot(root) == new
    assert not list((big / "rendered").glob(".gpuaas-tmp-*")), "temporary trees left behind"
    assert sorted(p.name for p in (big / "rendered").iterdir()) == ["big"]


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
