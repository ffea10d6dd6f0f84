"""Installs are reproducible: one lock file pins every version the project installs."""
from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
import yaml

from .conftest import REPO


def locked() -> dict[str, str]:
    pins = {}
    for line in (REPO / "constraints.txt").read_text().splitlines():
        name, _, version = line.partition("==")
        pins[re.sub(r"[-_.]+", "-", name).lower()] = version
    return pins


def test_the_hook_environment_takes_the_locked_versions():
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    pins = locked()
    for hook in hooks:
        for requirement in hook.get("additional_dependencies", []):
            name, _, version = requirement.partition("==")
            assert version == pins[re.sub(r"[-_.]+", "-", name).lower()], requirement


def test_make_installs_through_the_lock():
    makefile = (REPO / "Makefile").read_text()
    assert "-c $(LOCK)" in makefile and "LOCK := constraints.txt" in makefile
    pins = locked()
    for package in ("typer", "pydantic", "pyyaml", "ruamel-yaml", "jinja2", "rich", "pytest",
                    "helm-python-sdk", "kubernetes-validate", "jsonschema-rs", "setuptools", "pip"):
        assert re.fullmatch(r"\d+(\.\w+)+", pins[package]), package


@pytest.mark.slow
def test_the_lock_pins_what_a_plain_machine_installs_for_torch(tmp_path):
    """PyPI's Linux torch is the CUDA build: every package pip resolves for it from the index
    alone (no local wheel cache) is pinned at that version."""
    torch = locked()["torch"].split("+")[0]
    report = tmp_path / "report.json"
    run = subprocess.run([sys.executable, "-m", "pip", "install", "--isolated", "--dry-run", "-q",
                          "--ignore-installed", "--report", str(report), "-c", str(REPO / "constraints.txt"),
                          f"torch=={torch}"], capture_output=True, text=True, timeout=600)
    offline = ("NewConnectionError", "Temporary failure in name resolution", "Could not fetch URL")
    if run.returncode and any(sign in run.stderr for sign in offline):
        pytest.skip(f"the package index is out of reach: {run.stderr.strip()[-200:]}")
    assert run.returncode == 0, run.stderr      # a conflict with the lock fails here
    pins = locked()
    for item in json.loads(report.read_text())["install"]:
        name = re.sub(r"[-_.]+", "-", item["metadata"]["name"]).lower()
        assert pins.get(name) == item["metadata"]["version"], name
