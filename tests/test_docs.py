"""The documentation site: its generated pages are current, and it builds in MkDocs' strict
mode (a broken link, anchor or nav entry fails)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from .conftest import REPO


def test_the_generated_pages_are_current():
    run = subprocess.run([sys.executable, str(REPO / "tools" / "make_docs.py"), "--check"],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr


def test_the_site_builds_strictly(tmp_path):
    mkdocs = shutil.which("mkdocs", path=os.path.dirname(sys.executable))
    if mkdocs is None:
        pytest.skip("mkdocs is not installed (make test installs it)")
    run = subprocess.run([mkdocs, "build", "--strict", "--site-dir", str(tmp_path / "site")],
                         cwd=REPO, capture_output=True, text=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert run.returncode == 0, run.stderr[-3000:]
    assert (tmp_path / "site" / "reference" / "portfolio-fields" / "index.html").exists()


def test_the_readme_stays_short_and_links_into_the_docs():
    readme = (REPO / "README.md").read_text()
    assert len(readme.splitlines()) < 300
    for link in ("docs/getting-started.md", "docs/tutorial.md", "docs/reference/cli.md",
                 "docs/reference/portfolio-fields.md"):
        assert f"]({link})" in readme and (REPO / link).exists(), link
