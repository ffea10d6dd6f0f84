"""Each rule: a portfolio that trips it (with the location and the fix) and one that passes."""
from __future__ import annotations

import pytest

from gpuaas import rules
from gpuaas.plan import resolve
from gpuaas.portfolio import load_text

from .conftest import HEAD
from .test_secrets import TOKENS

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


MISTRAL = "hf://mistralai/Mistral-Small-24B-Instruct-2501"
GRANITE = "hf://RedHatAI/granite-3.1-8b-instruct-FP8-dynamic"
LEN4K = "    maxModelLen: 4096\n"


def findings(text: str, code: str):
    return [f for f in rules.check(load_text(text, "p.yaml")) if f.code == code]


CASES = [
    # code, failing portfolio, passing portfolio, expected words in the message
    ("POOL_GPU", portfolio().replace("{name: l4-1, gpu: L4,", "{name: l4-1, gpu: H100,"), portfolio(),
     "g6.4xlarge (line 7) carries 1 x L4"),
    ("POOL_GPU", portfolio().replace("{name: l4-4, gpu: L4, instanceType: g6.12xlarge}",
                                     "{name: l4-4, gpu: L4, instanceType: Standard_NC40ads_H100_v5}"),
     portfolio(), "carries 1 x H100-NVL"),
    ("POOL_NODES", portfolio().replace("environments: [{name: prod}]", "environments: [{name: prod, overrides: "
                                       "{pools: [{name: l4-1, gpu: L4, gpusPerNode: 1}, {name: l4-4, gpu: L4, "
                                       "instanceType: g6.12xlarge}]}}]"), portfolio(),
     "cpuPerNode and memoryGiBPerNode not given"),
    ("GPU_MEMORY", portfolio(source=MISTRAL, params="24B", precision="fp8", extra=LEN4K),
     portfolio(source=MISTRAL, params="24B", precision="w4a16", extra=LEN4K),
     "No available memory for the cache blocks"),
    ("GPU_MEMORY", portfolio(source=MISTRAL, params="24B", precision="bf16", gpus="2", pool="l4-4",
                             extra=LEN4K),
     portfolio(source=MISTRAL, params="24B", precision="bf16", gpus="4", pool="l4-4", extra=LEN4K),
     "4 GPUs (tensor parallel) would start"),
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
     portfolio(extra="    task: embed\nserving: {vllm: '0.13'}\n"), "gone by vLLM 0.13"),
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
    # the GPU-as-a-Service demo: RedHatAI's FP8-dynamic granite with --quantization=fp8, no `format` written
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


def fit_of(text):
    return resolve(load_text(text).portfolio).environments[0].models[0].fit


def test_gpu_memory_numbers_from_the_deployments():
    """24B FP8 (23.6 GiB with its 16-bit embeddings) leaves vLLM no cache blocks on a 22 GiB
    L4; W4A16 (4 bits and a 16-bit scale per 128 weights: 13.4 GiB) starts with a 5.1 GiB KV
    pool; BF16 starts on 4 x L4."""
    fp8 = fit_of(portfolio(source=MISTRAL, params="24B", precision="fp8", extra=LEN4K))
    assert fp8.weights_gb == pytest.approx(24) and fp8.fits is False
    assert fp8.weights_gib == pytest.approx(23.6, abs=0.1) and fp8.kv_pool_gib < 0
    w4 = fit_of(portfolio(source=MISTRAL, params="24B", precision="w4a16", extra=LEN4K))
    assert w4.fits and w4.weights_gib == pytest.approx(13.4, abs=0.1)
    assert w4.kv_pool_gib == pytest.approx(5.1, abs=0.1) and w4.max_concurrency > 8
    bf16 = fit_of(portfolio(source=MISTRAL, params="24B", precision="bf16", gpus="4", pool="l4-4",
                            extra="    maxModelLen: 32768\n"))
    assert bf16.fits and bf16.weights_gib == pytest.approx(11.2, abs=0.1)


def test_gpu_memory_names_the_longest_max_model_len_that_starts():
    text = portfolio(source=MISTRAL, params="24B", precision="w4a16",
                     extra="    maxModelLen: 32768\n    gpuMemoryUtilization: 0.86\n")
    [finding] = findings(text, "GPU_MEMORY")
    assert "max seq len (32768), 5.00 GiB KV cache is needed" in finding.message
    assert "maxModelLen 27648 or less would start" in finding.message
    assert finding.line == text.splitlines().index("    maxModelLen: 32768") + 1
    assert not findings(text.replace("32768", "27648"), "GPU_MEMORY")
    assert findings(text.replace("32768", "28672"), "GPU_MEMORY")


def test_without_max_model_len_the_full_context_counts():
    """vLLM sizes for the model's whole context when maxModelLen is not set: granite 3.1 8B
    FP8 at 131072 tokens needs 20 GiB of KV cache, more than one L4 has left."""
    text = portfolio(source=GRANITE)
    [finding] = findings(text, "GPU_MEMORY")
    assert "max seq len (131072)" in finding.message
    assert "maxModelLen 75776 or less would start" in finding.message
    assert not findings(text + "    maxModelLen: 16384\n", "GPU_MEMORY")


def test_the_demos_granite_arguments_plan_as_fits():
    """The GPU-as-a-Service demo's working arguments: the max model length written in vllmArgs counts."""
    text = portfolio(source=GRANITE, args="[--max-model-len=16384, --enable-auto-tool-choice, "
                     "--tool-call-parser=granite]")
    assert fit_of(text).fits is True and fit_of(text).estimate.max_model_len == 16384
    assert not findings(text, "GPU_MEMORY") and not findings(text, "VLLM_ARG")


@pytest.mark.parametrize("field,value,flag", [
    ("maxModelLen", "16384", "--max-model-len=8192"),
    ("gpuMemoryUtilization", "0.9", "--gpu-memory-utilization=0.8"),
    ("kvCacheDtype", "fp8", "--kv-cache-dtype=auto"),
    ("maxNumSeqs", "64", "--max-num-seqs=32"),
    ("enforceEager", "false", "--enforce-eager"),
])
def test_a_field_and_its_argument_must_agree(field, value, flag):
    text = portfolio(source=GRANITE, args=f"[{flag}]", extra=f"    {field}: {value}\n")
    [finding] = findings(text, "VLLM_ARG")
    field_line = text.splitlines().index(f"    {field}: {value}") + 1
    assert f"contradicts {field}: {value} (line {field_line})" in finding.message
    assert finding.line == text.splitlines().index(f"    vllmArgs: [{flag}]") + 1
    same = flag.split("=")[0] + ("=" + value if "=" in flag else "")
    if field != "enforceEager":
        assert not findings(portfolio(source=GRANITE, args=f"[{same}]",
                                      extra=f"    {field}: {value}\n"), "VLLM_ARG")


def test_tp_mismatch_names_the_gpus_line():
    text = portfolio(args="[--tensor-parallel-size=2]")
    [finding] = findings(text, "TP_MISMATCH")
    assert f"(line {text.splitlines().index('    gpus: 1') + 1})" in finding.message


def test_arguments_and_fields_mean_the_same_to_the_plan():
    by_field = fit_of(portfolio(source=GRANITE, extra="    maxModelLen: 16384\n    kvCacheDtype: fp8\n"
                                "    gpuMemoryUtilization: 0.8\n    maxNumSeqs: 64\n"))
    by_args = fit_of(portfolio(source=GRANITE, args="[--max-model-len=16384, --kv-cache-dtype=fp8, "
                               "--gpu-memory-utilization=0.8, --max-num-seqs=64]"))
    assert by_field.estimate == by_args.estimate and by_field.fits


def test_max_model_len_above_the_context_is_an_error():
    text = portfolio(source=MISTRAL, params="24B", precision="w4a16", extra="    maxModelLen: 65536\n")
    [finding] = findings(text, "MAX_MODEL_LEN")
    assert "context of 32768 tokens" in finding.message and finding.severity == "error"
    assert findings(portfolio(source=MISTRAL, args="[--max-model-len=40000]"), "MAX_MODEL_LEN")
    assert not findings(text.replace("65536", "32768"), "MAX_MODEL_LEN")


def test_concurrency_below_min_concurrency_is_a_warning():
    text = portfolio(source=MISTRAL, params="24B", precision="w4a16",
                     extra="    maxModelLen: 16384\n    minConcurrency: 4\n")
    [finding] = findings(text, "GPU_CONCURRENCY")
    assert finding.severity == "warning" and "fewer than minConcurrency 4" in finding.message
    assert not findings(text.replace("minConcurrency: 4", "minConcurrency: 1"), "GPU_CONCURRENCY")


def test_unknown_architecture_never_fits_silently(tmp_path):
    unknown = fit_of(portfolio())
    assert unknown.fits is None and "architecture unknown" in unknown.reason
    assert not findings(portfolio(), "GPU_MEMORY")
    bad = portfolio(extra="    architecture: nowhere/config.json\n")
    [finding] = findings(bad, "ARCHITECTURE")
    assert "nowhere/config.json" in finding.message
    named = fit_of(portfolio(extra="    architecture: ibm-granite/granite-3.1-8b-instruct\n"
                             "    maxModelLen: 8192\n"))
    assert named.fits is True and named.architecture == "ibm-granite/granite-3.1-8b-instruct"


def test_architecture_from_a_local_config_json(tmp_path):
    """An offline Hugging Face cache directory: snapshots/<rev>/config.json."""
    snapshot = tmp_path / "models--org--model" / "snapshots" / "abc123"
    snapshot.mkdir(parents=True)
    (snapshot / "config.json").write_text(
        '{"num_hidden_layers": 32, "hidden_size": 4096, "num_attention_heads": 32, '
        '"num_key_value_heads": 8, "intermediate_size": 14336, "vocab_size": 128256, '
        '"max_position_embeddings": 131072, "tie_word_embeddings": false}')
    text = portfolio(extra=f"    architecture: {tmp_path / 'models--org--model'}\n    maxModelLen: 8192\n")
    fit = fit_of(text)
    assert fit.fits is True and fit.architecture.endswith("config.json")
    assert fit.estimate.sequence_gib == pytest.approx(8192 * 128 / 1024 / 1024)
    assert not findings(text, "ARCHITECTURE")


def test_hf_pull_without_s3_is_a_warning():
    text = portfolio().replace("storage:\n  s3: {connection: minio, bucket: models}\n", "")
    [f] = findings(text, "STORAGE_HF")
    assert f.severity == "warning" and "egress" in f.message


def test_a_gated_repository_needs_a_token_where_it_is_downloaded(tmp_path):
    from gpuaas import pipeline
    from .conftest import HEAD, write
    model = ("pools: [{name: a, gpu: A100-40GB, instanceType: p4d.24xlarge}]\n"
             "models: [{name: llama, source: hf://meta-llama/Llama-3.1-8B-Instruct, params: 8B, "
             "precision: bf16, gpus: 1}]\n")
    pulled = pipeline.build(write(tmp_path / "a.yaml", HEAD + model))
    [finding] = [f for f in pulled.findings if f.code == "GATED_TOKEN"]
    assert finding.severity == "error" and finding.line == 7 and "serving.hfTokenSecret" in finding.message
    s3 = "storage: {s3: {connection: c, bucket: models}}\n"
    uploaded = pipeline.build(write(tmp_path / "b.yaml", HEAD + s3 + model))
    [finding] = [f for f in uploaded.findings if f.code == "GATED_TOKEN"]
    assert "storage.uploads.hfTokenSecret" in finding.message and finding.line == 8
    token = "storage: {s3: {connection: c, bucket: models}, uploads: {hfTokenSecret: hf}}\n"
    assert not [f for f in pipeline.build(write(tmp_path / "c.yaml", HEAD + token + model)).findings
                if f.code == "GATED_TOKEN"]
    ungated = model.replace("meta-llama/Llama-3.1-8B-Instruct", "Qwen/Qwen3-8B")
    assert not [f for f in pipeline.build(write(tmp_path / "d.yaml", HEAD + ungated)).findings
                if f.code == "GATED_TOKEN"]


@pytest.mark.parametrize("what", TOKENS)
@pytest.mark.parametrize("field", ["displayName", "revision", "architecture"])
def test_a_credential_in_any_field_is_refused(what: str, field: str):
    """A field with a grammar (a revision, a repository) refuses a URL before its secret is
    looked for; free text takes anything, and every credential is found there."""
    if "://" in TOKENS[what] and field != "displayName":
        pytest.skip("not a revision or a repository: refused by the field's grammar first")
    [finding] = findings(portfolio(extra=f"    {field}: '{TOKENS[what]}'\n"), "SECRET_VALUE")
    assert f".{field}: looks like a" in finding.message


def test_a_token_as_url_userinfo_and_in_the_gitops_url_is_refused():
    text = portfolio().replace("https://example.com/repo.git",
                               "https://ghp0123456789abcdefghijklmn@example.com/repo.git")
    assert text != portfolio()
    [finding] = findings(text, "SECRET_VALUE")
    assert "gitops.repoURL: looks like a" in finding.message


@pytest.mark.parametrize("flag", ["--api-key=abc123", "--hf-token=whatever"])
def test_vllm_flags_that_carry_a_credential_are_refused(flag: str):
    [finding] = findings(portfolio(args=f"[{flag}]"), "SECRET_VALUE")
    assert "rendered into the InferenceService" in finding.message and "vllmArgs" in finding.message


@pytest.mark.parametrize("params", [".nan", ".inf", "-.inf"])
def test_params_must_be_a_finite_number(params: str):
    from gpuaas.errors import UserError
    with pytest.raises(UserError) as caught:
        load_text(portfolio(params=params), "p.yaml")
    assert any("params" in f.message for f in caught.value.findings)


def test_an_environment_named_like_another_ones_component_is_refused():
    text = portfolio().replace("environments: [{name: prod}]",
                               "environments: [{name: prod}, {name: prod-serving, cluster: 'https://api.b:6443'}]")
    assert text != portfolio()
    [finding] = findings(text, "DUPLICATE_NAME")
    assert "demo-prod-serving" in finding.message and finding.line == 5
