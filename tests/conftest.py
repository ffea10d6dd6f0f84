from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
PORTFOLIOS = sorted((REPO / "portfolios").glob("*.yaml"))
DEMO = REPO / "portfolios" / "enterprise-demo.yaml"

# The head every small inline test portfolio starts with.
HEAD = """\
apiVersion: gpuaas/v1
kind: Portfolio
metadata: {name: demo}
gitops: {repoURL: https://example.com/repo.git}
environments: [{name: prod}]
"""


@pytest.fixture(scope="session")
def crd_schemas(tmp_path_factory) -> Path:
    """The upstream CRDs of shared/crds converted once, in kubeconform's layout."""
    from gpuaas.validate import crd_import
    out = tmp_path_factory.mktemp("crd-schemas")
    schemas = {}
    for crd in crd_import.load_crds(str(SHARED / "crds" / "yaml")):
        schemas.update(crd_import.convert_crd(crd))
    crd_import.write_schemas(schemas, out)
    return out


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
