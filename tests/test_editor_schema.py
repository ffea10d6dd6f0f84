"""The editor schema (`gpuaas schema`) accepts and rejects the portfolios the CLI does, but
for the rules JSON Schema cannot say, which the README lists (Editor completion)."""
from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from .conftest import HEAD, PORTFOLIOS, REPO

CORPUS = sorted((REPO / "tests" / "corpus").glob("*.yaml"))

# A good portfolio, and one line changed: values the CLI takes as written (lax) and the
# mistakes it refuses.
BASE = HEAD + """\
platform: {openshift: "4.20"}
serving: {vllm: "0.11"}
pools: [{name: l4, gpu: L4, instanceType: g6.12xlarge, nodes: 2}]
models:
  - name: granite
    source: hf://ibm-granite/granite-3.1-8b-instruct
    params: 8B
    precision: bf16
    gpus: 1
    sizeGB: 9
    maxModelLen: 4096
"""
VARIANTS = {
    "lax-gpus-text": ("gpus: 1", 'gpus: "1"'),
    "lax-size-text": ("sizeGB: 9", 'sizeGB: "13.8"'),
    "lax-openshift-number": ('openshift: "4.20"', "openshift: 4.20"),
    "lax-vllm-number": ('vllm: "0.11"', "vllm: 0.11"),
    "lax-bool-text": ("sizeGB: 9", 'sizeGB: 9\n    enforceEager: "yes"'),
    "lax-params-number": ("params: 8B", "params: 8000000000"),
    "bad-name-upper": ("name: granite", "name: Granite"),
    "bad-name-underscore": ("name: granite", "name: granite_8b"),
    "bad-name-54": ("name: granite", "name: " + "g" * 54),
    "bad-params-words": ("params: 8B", "params: 24 billion"),
    "bad-params-zero": ("params: 8B", "params: 0"),
    "bad-params-zero-text": ("params: 8B", "params: 0B"),
    "bad-repo-url": ("repoURL: https://example.com/repo.git", "repoURL: my repo"),
    "bad-source-ftp": ("source: hf://", "source: ftp://"),
    "bad-gpu": ("gpu: L4", "gpu: L5"),
    "bad-instance": ("instanceType: g6.12xlarge", "instanceType: g6.huge"),
    "bad-gpus-zero": ("gpus: 1", "gpus: 0"),
    "bad-env-name": ("name: prod", "name: Prod"),
    "bad-taint-key": ("nodes: 2", "nodes: 2, taintKey: 'a b'"),
    "bad-openshift": ('openshift: "4.20"', "openshift: 4.18"),
}

# What the CLI refuses and JSON Schema cannot say, each with the finding the README lists.
CANNOT_SAY = {
    "duplicate-model-names": "DUPLICATE_NAME",
    "unknown-pool": "POOL_UNKNOWN",           # references to other parts of the portfolio
    "quota-unknown-pool": "QUOTA_POOL",
    "too-many-gpus": "POOL_TOO_SMALL",
    "oci-too-large": "OCI_TOO_LARGE",         # sizes computed from several fields
    "bare-chat-template": "VLLM_ARG",         # vLLM's arguments against the model
    "quantization-vs-compressed-tensors": "VLLM_ARG",
}


def _cases(tmp: Path) -> list[Path]:
    paths = list(CORPUS) + list(PORTFOLIOS)
    for name, (old, new) in VARIANTS.items():
        assert BASE.count(old) >= 1, name
        path = tmp / f"{name}.yaml"
        path.write_text(BASE.replace(old, new, 1))
        paths.append(path)
    return paths


def _cli_accepts(path: Path) -> tuple[bool, set[str]]:
    from gpuaas import pipeline
    from gpuaas.errors import UserError
    try:
        builts = pipeline.build_all([path], with_files=False)
    except UserError as exc:
        return False, {f.code for f in exc.findings}
    codes = {f.code for b in builts for f in b.findings if f.severity == "error"}
    return not codes, codes


def _read(path: Path):
    """The document as the CLI's reader sees it (YAML 1.2), or None: unreadable YAML is
    refused by the editor too."""
    from gpuaas.errors import UserError
    from gpuaas.portfolio import fastload
    from gpuaas.portfolio.limits import MAX_DEPTH
    from gpuaas.portfolio.roundtrip import round_trip
    text = path.read_text(encoding="utf-8")
    try:
        fast = fastload.load(text, str(path), MAX_DEPTH)
        return (fast or round_trip(text, str(path)))[0], True
    except UserError:
        return None, False


def test_the_editor_schema_agrees_with_the_cli(tmp_path: Path):
    from gpuaas.portfolio.jsonschema import portfolio_schema
    validator = jsonschema.Draft202012Validator(portfolio_schema())
    disagree, cannot = [], {}
    for path in _cases(tmp_path):
        cli_ok, codes = _cli_accepts(path)
        data, readable = _read(path)
        schema_ok = readable and validator.is_valid(data)
        if path.stem in CANNOT_SAY:
            cannot[path.stem] = (cli_ok, schema_ok, codes)
        elif cli_ok != schema_ok:
            disagree.append((path.name, cli_ok, schema_ok, sorted(codes)))
    assert not disagree
    # the list stays honest: each exception is one the CLI refuses and the schema lets by
    for stem, code in CANNOT_SAY.items():
        cli_ok, schema_ok, codes = cannot[stem]
        assert not cli_ok and schema_ok and code in codes, (stem, codes)


def test_the_variants_mean_what_they_say(tmp_path: Path):
    for path in _cases(tmp_path):
        if path.parent == tmp_path:
            assert _cli_accepts(path)[0] == path.stem.startswith("lax-"), path.name


def test_the_readme_lists_what_the_schema_cannot_say():
    section = (REPO / "docs" / "portfolio.md").read_text()
    section = section[section.index("**Editor completion.**"):]
    for code in set(CANNOT_SAY.values()):
        assert f"`{code}`" in section, code


def test_the_committed_schema_is_current(cli):
    committed = json.loads((REPO / "schema" / "portfolio.schema.json").read_text())
    assert committed == json.loads(cli("schema").stdout), \
        "run `gpuaas schema > schema/portfolio.schema.json` and commit"


@pytest.mark.parametrize("value", ["4", " 4 ", "1_000", "4.0"])
def test_quoted_integers_are_taken_as_the_cli_takes_them(value):
    from pydantic import TypeAdapter
    from gpuaas.portfolio.jsonschema import _INT_TEXT
    import re
    assert re.match(_INT_TEXT, value) and TypeAdapter(int).validate_python(value)


def test_every_field_explains_itself_on_hover():
    """An editor shows the description: every field of every section has one, and no entry
    names a field that does not exist."""
    from gpuaas.portfolio.descriptions import DESCRIPTIONS
    from gpuaas.portfolio.jsonschema import portfolio_schema
    schema = portfolio_schema()
    fields = [("Portfolio", name, prop) for name, prop in schema["properties"].items()]
    fields += [(model, name, prop) for model, node in schema["$defs"].items()
               for name, prop in (node.get("properties") or {}).items()]
    missing = [f"{model}.{name}" for model, name, prop in fields if not prop.get("description")]
    assert missing == []
    assert set(DESCRIPTIONS) == {f"{model}.{name}" for model, name, _ in fields}
    assert all(20 <= len(text) <= 400 and "\n" not in text for text in DESCRIPTIONS.values())
