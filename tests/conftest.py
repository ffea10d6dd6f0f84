from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
PORTFOLIOS = sorted((REPO / "portfolios").glob("*.yaml"))
DEMO = REPO / "portfolios" / "enterprise-demo.yaml"


@pytest.fixture
def cli():
    from gpuaas.cli import app
    runner = CliRunner()

    def run(*args: str, cwd: Path | None = None):
        import os
        old = os.getcwd()
        if cwd:
            os.chdir(cwd)
        try:
            return runner.invoke(app, list(args), catch_exceptions=False)
        finally:
            os.chdir(old)
    return run


@pytest.fixture
def gitops_repo(tmp_path: Path) -> Path:
    """A GitOps repo laid out as portfolios/*.yaml -> rendered/<name>/, with the demo."""
    (tmp_path / "portfolios").mkdir()
    shutil.copy(DEMO, tmp_path / "portfolios" / DEMO.name)
    return tmp_path


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path
