"""Each rule: a portfolio that trips it (with the location and the fix) and one that passes."""
from __future__ import annotations

import pytest

from gpuaas import rules
from gpuaas.plan import resolve
from gpuaas.portfolio import load_text

from .conftest import HEAD

BASE = HEAD + """\
pools:
  - {name: l4-1, gpu: L4, instanceType: g6.4xlarge}
  - {name: l4-4, gpu: L4, instanceType: g6.12xlarge}
quota:
  gpus: {l4-1: 1, l4-4: 4}
  priorities: {critical: 1000}
storage:
  s3: {connection: minio, bucket: models}
models:
  - name: m
    source: SOURCE
    params: PARAMS
    precision: PRECISION
    gpus: GPUS
    pool: POOL
    vllmArgs: ARGS
"""


def portfolio(source="hf://org/model", params="8B", precision="fp8", gpus="1", pool="l4-1",
              args="[]", extra=""):
    return (BASE.replace("SOURCE", source).replace("PARAMS", params)
            .replace("PRECISION", precision).replace("GPUS", gpus).replace("POOL", pool)
            .replace("ARGS", args) + extra)


def findings(text: str, code: str):
    return [f for f in rules.check(load_text(text, "p.yaml")) if f.code == code]


CASES = [
    # code, failing portfolio, passing portfolio, expected words in the message
    ("GPU_MEMORY", portfolio(params="24B", precision="fp8"),
     portfolio(params="24B", precision="w4a16"), "do not fit 1 x 21.7 GB"),
    ("GPU_MEMORY", portfolio(params="24B", precision="bf16", gpus="2", pool="l4-4"),
     portfolio(params="24B", precision="bf16", gpus="4", pool="l4-4"), "48.0 GB of weights"),
    ("OCI_TOO_LARGE", portfolio(source="oci://quay.io/x/modelcar:1", params="24B", precision="bf16",
                                gpus="4", pool="l4-4"),
     portfolio(source="oci://quay.io/x/modelcar:1", params="24B", precision="w4a16"), "no space left on device"),
    ("TP_MISMATCH", portfolio(args="[--tensor-parallel-size=2]"),
     portfolio(args="[--tensor-parallel-size=1]"), "must be equal"),
    ("POOL_TOO_SMALL", portfolio(params="24B", precision="bf16", gpus="4", pool="l4-1"),
     portfolio(params="24B", precision="bf16", gpus="4", pool="l4-4"), "do not fit one node"),
    ("VLLM_ARG", portfolio(args="[--chat-template=granite]"),
     portfolio(args="[--chat-template=/opt/app/granite.jinja]"), "path-like"),
    ("VLLM_ARG", portfolio(args="[--quantization=fp8]", extra="    format: compressed-tensors\n"),
     portfolio(extra="    format: compressed-tensors\n"), "compressed-tensors"),
    ("VLLM_ARG", portfolio(args="[--tool-call-parser=granite]"),
     portfolio(args="[--enable-auto-tool-choice, --tool-call-parser=granite]"), "--enable-auto-tool-choice"),
    ("VLLM_ARG", portfolio(args="[--max-num-seqs=8, --max-num-seqs=16]"),
     portfolio(args="[--max-num-seqs=8]"), "given 2 times"),
    ("VLLM_ARG", portfolio(args="[--served-model-name=x]"), portfolio(), "set by the ServingRuntime"),
    ("VLLM_ARG", portfolio(args="[--enable-auto-tool-choice, --tool-call-parser=openai]",
                           extra="serving: {vllm: '0.10.1'}\n"),
     portfolio(args="[--enable-auto-tool-choice, --tool-call-parser=openai]",
               extra="serving: {vllm: '0.11'}\n"), "needs vLLM >= 0.10.2"),
    ("VLLM_ARG", portfolio(args="[--task=embed]", extra="    task: embed\nserving: {vllm: '0.13'}\n"),
     portfolio(extra="    task: embed\nserving: {vllm: '0.13'}\n"), "removed in vLLM 0.13"),
    ("TASK", portfolio(args="[--runner=generate]", extra="    task: embed\n"),
     portfolio(extra="    task: embed\n"), "pooling runner"),
    ("NO_GPU", portfolio(gpus="0"), portfolio(), "CPU inference is never allowed"),
    ("QUOTA_POOL", portfolio().replace("gpus: {l4-1: 1, l4-4: 4}", "gpus: {l4-1: 1, l4-8: 4}"),
     portfolio(), "unknown pool 'l4-8'"),
    ("POOL_UNKNOWN", portfolio(pool="l4-9"), portfolio(), "unknown pool 'l4-9'"),
    ("DUPLICATE_NAME", portfolio().replace("  - {name: l4-4,", "  - {name: l4-1,"), portfolio(),
     "duplicate name 'l4-1'"),
    ("PRIORITY_UNKNOWN", portfolio(extra="    priority: urgent\n"),
     portfolio(extra="    priority: critical\n"), "quota.priorities"),
    ("STORAGE", portfolio(extra="    storage: oci\n"), portfolio(extra="    storage: s3\n"), "does not work"),
    ("SECRET_VALUE", portfolio(extra="    displayName: hf_abcdefghijklmnopqrstuvwxyzABCDEF12\n"),
     portfolio(extra="    displayName: Granite agent\n"), "Hugging Face token"),
    # seed 000: RedHatAI's FP8-dynamic granite with --quantization=fp8, no `format` written
    ("VLLM_ARG", portfolio(source="hf://RedHatAI/granite-3.1-8b-instruct-FP8-dynamic",
                           args="[--quantization=fp8]"),
     portfolio(source="hf://RedHatAI/granite-3.1-8b-instruct-FP8-dynamic"),
     "RedHatAI publishes compressed-tensors checkpoints"),
    ("VLLM_ARG", portfolio(args="['--max-num-seqs 16']"), portfolio(args="[--max-num-seqs=16]"),
     "write --max-num-seqs=16"),
    ("STORAGE", portfolio(source="s3://other/granite/"), portfolio(source="s3://models/granite/"),
     "bucket 'other' is not storage.s3.bucket 'models'"),
    ("VLLM_ARG", portfolio(args="[--enable-auto-tool-choice, --tool-call-parser=mistral]"),
     portfolio(args="[--tokenizer-mode=mistral, --enable-auto-tool-choice, --tool-call-parser=mistral]"),
     "add --tokenizer-mode=mistral"),
    ("PRECISION", portfolio().replace("{name: l4-1, gpu: L4, instanceType: g6.4xlarge}",
                                      "{name: l4-1, gpu: A10G, instanceType: g5.4xlarge}"),
     portfolio(), "A10G has no FP8 tensor cores"),
    ("QUOTA_CAPACITY", portfolio().replace("gpus: {l4-1: 1, l4-4: 4}", "gpus: {l4-1: 1, l4-4: 8}"),
     portfolio(), "quota of 8 GPUs in pool l4-4, which has 4"),
]


@pytest.mark.parametrize("code,bad,good,words", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_rule_fails_and_passes(code, bad, good, words):
    found = findings(bad, code)
    assert found, f"{code} not raised"
    assert any(words in f.message for f in found), [f.message for f in found]
    assert all(f.file == "p.yaml" and f.line for f in found)
    assert not findings(good, code), [f.message for f in findings(good, code)]


def test_gpu_memory_numbers_from_the_seed():
    """24B FP8 (~24 GB) does not fit a 24 GB L4; W4A16 (~13.5 GB) fits with ~8 GB for the KV
    cache; BF16 (~48 GB) fits 4 x L4."""
    def fit(text):
        return resolve(load_text(text).portfolio).environments[0].models[0].fit
    fp8 = fit(portfolio(params="24B", precision="fp8"))
    assert fp8.weights_gb == pytest.approx(24) and fp8.fits is False
    w4 = fit(portfolio(params="24B", precision="w4a16"))
    assert w4.weights_gb == pytest.approx(13.5) and w4.fits and w4.headroom_gb == pytest.approx(8.2, abs=0.3)
    bf16 = fit(portfolio(params="24B", precision="bf16", gpus="4", pool="l4-4"))
    assert bf16.weights_gb == pytest.approx(48) and bf16.fits


def test_kv_cache_counts_when_the_architecture_is_known():
    text = portfolio(source="hf://mistralai/Mistral-Small-24B-Instruct-2501", params="24B",
                     precision="w4a16", extra="    maxModelLen: 131072\n")
    [finding] = findings(text, "GPU_MEMORY")
    assert "KV cache for maxModelLen 131072" in finding.message
    assert not findings(text.replace("131072", "4096"), "GPU_MEMORY")


def test_without_max_model_len_the_full_context_counts():
    """vLLM sizes the KV cache for the model's whole context when maxModelLen is not set:
    granite 3.1 8B FP8 (131072 tokens, 21.5 GB of cache) does not fit one L4 that way."""
    text = portfolio(source="hf://RedHatAI/granite-3.1-8b-instruct-FP8-dynamic")
    [finding] = findings(text, "GPU_MEMORY")
    assert "full 131072-token context" in finding.message
    assert "maxModelLen 82944 or less would fit" in finding.message
    assert not findings(text + "    maxModelLen: 16384\n", "GPU_MEMORY")


def test_hf_pull_without_s3_is_a_warning():
    text = portfolio().replace("storage:\n  s3: {connection: minio, bucket: models}\n", "")
    [f] = findings(text, "STORAGE_HF")
    assert f.severity == "warning" and "egress" in f.message
