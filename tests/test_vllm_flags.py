"""vLLM's own argument parser decides: every vllmArgs entry is checked against the flag table
of the vLLM each environment serves (gpuaas/vllm_flags/, from vLLM's parser of that release)."""
from __future__ import annotations

import json

import pytest

from gpuaas import catalog, vllmflags

from .conftest import REPO

TRAIN = REPO / "portfolios" / "release-train.yaml"     # dev: vLLM 0.24 (3.5), prod: 0.13 (3.3)


def plan_findings(tmp_path, cli, args: list[str]) -> list[dict]:
    text = TRAIN.read_text().replace(
        "    maxModelLen: 16384\n  - name: qwen-32b-fp8",
        f"    maxModelLen: 16384\n    vllmArgs: {json.dumps(args)}\n  - name: qwen-32b-fp8", 1)
    path = tmp_path / "p.yaml"
    path.write_text(text)
    report = json.loads(cli("validate", str(path), "--format", "json").stdout)
    return [f for f in report["findings"] if f["code"] == "VLLM_ARG"]


@pytest.mark.parametrize(("arg", "says"), [
    ("--gpu-memory-utilisation=0.95", "did you mean '--gpu-memory-utilization'"),
    ("--enable-prefix-cachin", "did you mean '--enable-prefix-caching'"),
    ("--max-num-seqs=lots", "takes an integer, not 'lots'"),
    ("--kv-cache-dtype=fp9", "does not take 'fp9' (did you mean 'fp8'?)"),
    ("--enable-prefix-caching=true", "is a switch and takes no value"),
    ("--tokenizer", "needs a value"),
    ("--compilation-config=level3", "takes a JSON object"),
    ("--max-model-len.foo=3", "takes no sub-keys"),
])
def test_what_vllms_parser_refuses_is_an_error_with_the_fix(tmp_path, cli, arg, says):
    found = plan_findings(tmp_path, cli, [arg])
    assert [f["severity"] for f in found] == ["error"], found      # one finding, for both versions
    assert says in found[0]["message"] and "(vLLM 0.13, 0.24)" in found[0]["message"]


def test_a_flag_one_release_dropped_names_the_environment(tmp_path, cli):
    [found] = plan_findings(tmp_path, cli, ["--swap-space=4"])     # 0.13 has it, 0.24 not
    assert "gone by vLLM 0.18 (0.13 had it)" in found["message"] and found["message"].endswith("(vLLM 0.24: dev)")


@pytest.mark.parametrize("arg", [
    "--enable-prefix-caching", "--no-enable-prefix-caching", "--enable_chunked_prefill",
    "--max-num-batched-tokens=16k", "--compilation-config.cudagraph_mode=PIECEWISE",
    "--compilation-config={\"level\": 3}", "--kv-cache-dtype=fp8", "--quantization=fp8",
    "--limit-mm-per-prompt={\"image\": 0}", "--disable-log-stats",
])
def test_what_vllms_parser_takes_passes(tmp_path, cli, arg):
    assert plan_findings(tmp_path, cli, [arg]) == []


def test_a_value_vllm_checks_later_is_a_warning(tmp_path, cli):
    [found] = plan_findings(tmp_path, cli, ["--quantization=fp9"])
    assert found["severity"] == "warning" and "did you mean 'fp8'" in found["message"]


def test_every_release_has_the_table_of_its_vllm_with_its_source():
    for release in catalog.RELEASES.values():
        table = vllmflags.table(release.vllm)
        assert table is not None, release.version
        assert table["version"].startswith(release.vllm + ".") and "vllm-project/vllm@v" in table["source"]
        assert "--gpu-memory-utilization" in table["flags"] and len(table["flags"]) > 150
    assert vllmflags.table("0.9") is None      # no table: the rules' own checks only
