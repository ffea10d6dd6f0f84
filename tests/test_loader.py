"""Loading portfolios: every mistake is one located line, exit 2, no traceback."""
from __future__ import annotations

from pathlib import Path

import pytest

from gpuaas.errors import UserError
from gpuaas.portfolio import load_portfolio, load_text
from gpuaas.portfolio.schema import parse_params

from .conftest import DEMO, HEAD, PORTFOLIOS, REPO

MINIMAL = HEAD + """\
pools:
  - name: l4
    gpu: L4
    instanceType: g6.4xlarge
models:
  - name: m1
    source: hf://org/model
    params: 8B
    precision: fp8
    gpus: 1
"""


def messages(text: str, file: str = "p.yaml") -> list[str]:
    with pytest.raises(UserError) as info:
        load_text(text, file)
    return [f"{f.where()}: {f.message}" for f in info.value.findings]


@pytest.mark.parametrize("path", PORTFOLIOS, ids=lambda p: p.name)
def test_examples_load(path: Path):
    loaded = load_portfolio(path)
    assert loaded.portfolio.models


def test_minimal_defaults():
    p = load_text(MINIMAL).portfolio
    m = p.models[0]
    assert (m.state, m.storage, m.task, m.replicas) == ("active", "auto", "chat", 1)
    assert p.platform.rhoai.channel is None and p.platform.rhoai.version == "3.0.0"
    # without a version or channel: what every portfolio rendered before releases were a choice
    from gpuaas.releases import targets
    [t] = targets(p).values()
    assert (t.release.version, t.channel, t.csv, t.kueue_channel, t.kueue_api, t.vllm) == (
        "3.0", "fast-3.x", "rhods-operator.3.0.0", "stable-v1.1", "v1beta1", "0.11")
    assert p.gitops.argocdNamespace == "openshift-gitops"


def test_typo_gets_did_you_mean_and_location():
    text = MINIMAL.replace("    gpus: 1", "    gpu: 1")
    assert messages(text) == [
        "p.yaml:11:5: models[0].gpus: required field is missing: add `gpus`",
        "p.yaml:15:5: models[0].gpu: unknown field: did you mean `gpus`?",
    ]


def test_unknown_top_level_key():
    assert messages(MINIMAL + "modles: []\n") == [
        "p.yaml:16:1: modles: unknown field: did you mean `models`?"]


def test_wrong_type_names_field_and_line():
    text = MINIMAL.replace("    gpus: 1", "    gpus: four")
    [line] = messages(text)
    assert line.startswith("p.yaml:15:5: models[0].gpus: ")
    assert "integer" in line


def test_bad_enum_value():
    [line] = messages(MINIMAL.replace("precision: fp8", "precision: fp9"))
    assert line.startswith("p.yaml:14:5: models[0].precision: ")
    assert "'fp9'" in line and "bf16" in line


def test_state_off_is_a_state_not_a_boolean():
    loaded = load_text(MINIMAL + "    state: off\n")
    assert loaded.portfolio.models[0].state == "off"


def test_broken_yaml_is_located():
    [line] = messages(MINIMAL.replace("metadata: {name: demo}", "metadata: {name: demo"))
    assert line.startswith("p.yaml:4:") and "invalid YAML" in line


def test_duplicate_key_is_refused():
    [line] = messages(MINIMAL.replace("    gpus: 1", "    gpus: 1\n    gpus: 2"))
    assert "duplicate key" in line and line.startswith("p.yaml:16:")


def test_tabs_are_explained():
    [line] = messages(MINIMAL.replace("    gpus: 1", "\tgpus: 1"))
    assert "tab" in line


def test_empty_and_non_mapping():
    assert messages("") == ["p.yaml:1: the portfolio is empty: start from `gpuaas init` or "
                            "the example in the README"]
    assert "mapping" in messages("- a\n- b\n")[0]


def test_name_must_be_a_short_dns_label():
    [line] = messages(MINIMAL.replace("name: m1", "name: M_1"))
    assert line.startswith("p.yaml:11:5: models[0].name:") and "DNS-1123" in line
    [line] = messages(MINIMAL.replace("name: m1", "name: " + "m" * 60))
    assert "at most 53" in line


def test_params_parsing():
    assert parse_params("24B") == 24e9
    assert parse_params("350M") == 350e6
    assert parse_params("14.7b") == 14.7e9
    assert parse_params(7e9) == 7e9
    for bad in ("lots", "-3B", "0"):
        with pytest.raises(ValueError):
            parse_params(bad)


def test_files_that_are_not_portfolios(tmp_path: Path):
    with pytest.raises(UserError, match="is a directory"):
        load_portfolio(tmp_path)
    with pytest.raises(UserError, match="no such file"):
        load_portfolio(tmp_path / "nope.yaml")
    binary = tmp_path / "b.yaml"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff\xfe")
    with pytest.raises(UserError, match="not UTF-8|NUL"):
        load_portfolio(binary)
    bom = tmp_path / "bom.yaml"
    bom.write_bytes(b"\xef\xbb\xbf" + MINIMAL.encode())
    assert load_portfolio(bom).portfolio.metadata.name == "demo"


def test_billion_laughs_is_refused_quickly():
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        refs = ",".join([f"*a{i-1}"] * 9)
        lines.append(f"a{i}: &a{i} [{refs}]")
    with pytest.raises(UserError, match="too large"):
        load_text("\n".join(lines) + "\n")


def test_json_schema_of_the_format(cli):
    import json
    result = cli("schema")
    schema = json.loads(result.stdout)
    assert schema["additionalProperties"] is False
    assert "gpus" in schema["$defs"]["Model"]["properties"]
    shipped = (DEMO.parents[1] / "schema" / "portfolio.schema.json").read_text()
    assert json.loads(shipped) == schema, "schema/portfolio.schema.json is stale: gpuaas schema > it"
    for path in PORTFOLIOS:
        assert path.read_text().startswith(
            "# yaml-language-server: $schema=../schema/portfolio.schema.json\n")


GRAMMAR_BASE = """\
apiVersion: gpuaas/v1
kind: Portfolio
metadata: {name: demo}
gitops: {repoURL: https://example.com/repo.git}
environments: [{name: prod}]
storage: {s3: {connection: c, bucket: BUCKET}}
serving: {runtime: {image: IMAGE}}
pools: [{name: l4, gpu: L4, instanceType: g6.12xlarge}]
models:
  - {name: m, source: SOURCE, params: 8B, precision: fp8, gpus: 1, revision: REV}
"""
GOOD = {"BUCKET": "models", "IMAGE": "registry.redhat.io/rhaiis/vllm-cuda-rhel9:3.2.3",
        "SOURCE": "hf://RedHatAI/granite-3.1-8b-instruct", "REV": "main"}


def grammar_text(**bad: str) -> str:
    text = GRAMMAR_BASE
    for key, value in {**GOOD, **bad}.items():
        text = text.replace(key, value)
    return text


@pytest.mark.parametrize("bad, field", [
    ({"SOURCE": "hf://../../../etc/passwd"}, "models[0].source"),
    ({"SOURCE": "hf://org--x/model"}, "models[0].source"),
    ({"SOURCE": "oci://../../etc:1"}, "models[0].source"),
    ({"SOURCE": "s3://../../../x/y"}, "models[0].source"),
    ({"SOURCE": "s3://models/a/../../b"}, "models[0].source"),
    ({"SOURCE": "pvc://Weights/m"}, "models[0].source"),
    ({"REV": "../.."}, "models[0].revision"),
    ({"BUCKET": "'../../..'"}, "storage.s3.bucket"),
    ({"BUCKET": "My_Bucket"}, "storage.s3.bucket"),
    ({"IMAGE": "'quay.io/x/y:1 --privileged'"}, "serving.runtime.image"),
    ({"IMAGE": "'quay.io/x/y\"'"}, "serving.runtime.image"),
])
def test_names_are_checked_by_their_real_grammars(tmp_path: Path, bad: dict, field: str):
    from gpuaas.errors import UserError
    from gpuaas.portfolio.load import load_text
    load_text(grammar_text(), "p.yaml")           # the good ones load
    with pytest.raises(UserError) as caught:
        load_text(grammar_text(**bad), "p.yaml")
    assert [f.code for f in caught.value.findings] == ["SCHEMA"]
    assert caught.value.findings[0].message.startswith(field + ":")


@pytest.mark.parametrize("source", ["oci://registry.redhat.io/rhelai1/modelcar-granite-3-1-8b-instruct:1.5",
                                    "oci://quay.io/org/model@sha256:" + "a" * 64,
                                    "s3://models/granite/8b", "pvc://weights/models/granite",
                                    "hf://meta-llama/Llama-3.1-8B-Instruct"])
def test_real_sources_pass_their_grammars(source: str):
    from gpuaas.portfolio.load import load_text
    load_text(grammar_text(SOURCE=source), "p.yaml")


def test_an_unknown_key_under_an_optional_list_is_located_with_its_neighbours(tmp_path):
    """`overrides.pools` and `fleet.clusters[].pools` are `list[Pool] | None`: the did-you-mean
    walks into the union's branches (it recursed on the union itself before)."""
    from gpuaas.portfolio.load import load_text
    text = (REPO / "portfolios" / "fleet.yaml").read_text().replace(
        "nodes: 1}\n    - name: us-east-edge", "nodez: 1}\n    - name: us-east-edge")
    with pytest.raises(UserError) as exc:
        load_text(text, "fleet.yaml")
    [f] = exc.value.findings
    assert f.message == "fleet.clusters[0].pools[0].nodez: unknown field: did you mean `nodes`?"
