"""Installs are reproducible: one lock file pins every version the project installs."""
from __future__ import annotations

import re

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
