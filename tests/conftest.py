from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

# pytest-xdist's workers inherit COLUMNS=80 and LINES=24: the CLI would print 80-column
# tables, where a log or a pipe gets 160 (gpuaas.cli._WIDTH reads it once, at import).
if os.environ.get("PYTEST_XDIST_WORKER"):
    for _name in ("COLUMNS", "LINES"):
        os.environ.pop(_name, None)

REPO = Path(__file__).resolve().parents[1]
CRDS = REPO / "crds" / "yaml"  # upstream CRDs, the source of the bundled schemas
PORTFOLIOS = sorted((REPO / "portfolios").glob("*.yaml"))
DEMO = REPO / "portfolios" / "enterprise-demo.yaml"

# The lines every small inline test portfolio starts with, and with one environment.
PREAMBLE = """\
apiVersion: gpuaas/v1
kind: Portfolio
metadata: {name: demo}
gitops: {repoURL: https://example.com/repo.git}
"""
HEAD = PREAMBLE + "environments: [{name: prod}]\n"


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Under REQUIRE_ENGINES=1 (make test, CI) a real engine that is missing (kubectl, git,
    Helm, k6) fails its tests instead of skipping them: a green run then means they ran."""
    if os.environ.get("REQUIRE_ENGINES") != "1":
        return
    for marker in item.iter_markers("skipif"):
        if marker.args and marker.args[0] is True:
            pytest.fail(f"engine required but missing: {marker.kwargs.get('reason', '')}", pytrace=False)


def tree(tmp_path: Path, text: str) -> dict[str, str]:
    """The files `gpuaas render` makes of a portfolio text."""
    from gpuaas.pipeline import build
    path = tmp_path / "p.yaml"
    path.write_text(text)
    return build(path).files


@pytest.fixture(autouse=True)
def _validate_cache(tmp_path_factory, monkeypatch):
    """validate keeps per-file results between runs: each test starts with an empty cache
    of its own, never the user's."""
    monkeypatch.setenv("GPUAAS_CACHE_DIR", str(tmp_path_factory.mktemp("gpuaas-cache")))
    monkeypatch.delenv("GPUAAS_NO_CACHE", raising=False)


@pytest.fixture(scope="session")
def crd_schemas(tmp_path_factory) -> Path:
    """The upstream CRDs of crds/yaml converted once, in kubeconform's layout."""
    from gpuaas.validate import crd_import
    out = tmp_path_factory.mktemp("crd-schemas")
    schemas = {}
    for crd in crd_import.load_crds(str(CRDS)):
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


MERMAID = REPO / "tools" / "mermaid"
# Mermaid's own parser under node, installed from tools/mermaid/package-lock.json (`make mermaid`).
needs_mermaid = pytest.mark.skipif(
    not (shutil.which("node") and (MERMAID / "node_modules" / "mermaid").is_dir()),
    reason="Mermaid's parser is not installed: make mermaid (needs node and npm)")


def mermaid_parse(diagrams: list[str]) -> list[dict]:
    """Each diagram through mermaid.parse: {"ok": True, "type": ...} or {"ok": False, "error": ...}."""
    import json
    import subprocess
    proc = subprocess.run(["node", str(MERMAID / "parse.mjs")], input=json.dumps(diagrams),
                          capture_output=True, text=True, timeout=120, check=True)
    return json.loads(proc.stdout)


def mermaid_blocks(markdown: str) -> list[str]:
    """The ```mermaid blocks of a Markdown text."""
    import re
    return re.findall(r"^```mermaid\n(.*?)^```$", markdown, re.MULTILINE | re.DOTALL)


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


@pytest.fixture(autouse=True)
def _registered_codes(monkeypatch):
    """Every finding made in a test carries a code of gpuaas/codes.py."""
    from gpuaas.codes import CODES
    from gpuaas.findings import Finding
    made: list[str] = []
    init = Finding.__init__

    def recording(self, *args, **kwargs):
        init(self, *args, **kwargs)
        made.append(self.code)
    monkeypatch.setattr(Finding, "__init__", recording)
    yield
    unregistered = sorted(set(made) - set(CODES))
    assert not unregistered, f"finding codes not in gpuaas/codes.py: {unregistered}"
