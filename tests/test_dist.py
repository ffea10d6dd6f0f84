"""The release a team installs: the wheel `make dist` builds, installed (not editable) in a
new environment, renders, plans and validates from a directory outside the source, and
renders what the source renders, byte for byte."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gpuaas import pipeline

from .conftest import REPO


@pytest.mark.slow
def test_the_wheel_works_outside_the_source(tmp_path: Path):
    dist = tmp_path / "dist"
    try:
        subprocess.run([sys.executable, "-c", f"from setuptools import build_meta as b; b.build_wheel({str(dist)!r})"],
                       cwd=REPO, check=True, capture_output=True, timeout=300)
    finally:
        shutil.rmtree(REPO / "build", ignore_errors=True)
    [wheel] = dist.glob("gpuaas-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check",
           "-c", str(REPO / "constraints.txt")]
    subprocess.run(pip + [f"{wheel}[validate]"], check=True, capture_output=True, timeout=900)
    gpuaas = str(venv / "bin" / "gpuaas")
    work = tmp_path / "gitops"
    work.mkdir()

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([gpuaas, *args], cwd=work, capture_output=True, text=True, timeout=300,
                              env={"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": str(tmp_path)})

    assert run("--version").stdout.strip() == f"gpuaas {project_version()}"
    assert run("init", "--example", "enterprise-demo").returncode == 0
    assert run("render").returncode == 0
    plan = run("plan")
    assert plan.returncode == 0 and "mistral-3-bf16" in plan.stdout
    validate = run("validate")
    assert validate.returncode == 0, validate.stdout + validate.stderr
    assert validate.stdout.startswith("ok:")
    # the same tree as the source renders from the same portfolio
    expected = pipeline.build(work / "portfolios" / "enterprise-demo.yaml").files
    tree = work / "rendered" / "enterprise-demo"
    got = {str(p.relative_to(tree)): p.read_text() for p in tree.rglob("*") if p.is_file()}
    assert got == expected


def project_version() -> str:
    import tomllib
    return tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
