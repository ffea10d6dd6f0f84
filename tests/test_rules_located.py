"""Portfolio-wide rules: each finding's code, severity, line, column and message exactly,
and the order check() returns them in."""
from __future__ import annotations

import pytest

from gpuaas import rules
from gpuaas.plan import resolve
from gpuaas.portfolio import load_text

from .conftest import PREAMBLE

BASE = PREAMBLE + """\
environments:
  - name: prod
    overrides:
      models: {ghost: {state: active}}
pools:
  - {name: l4-1, gpu: L4, instanceType: g6.4xlarge}
quota:
  gpus: {l4-1: 1}
  priorities: {critical: 1000}
models:
  - name: m
    source: hf://org/model
    params: 8B
    precision: fp8
    gpus: 1
    priority: urgent
    maxModelLen: 4096
loadtest:
  maxTokens: [0, 10]
  promptChars: [-1, 5]
  embedBatch: [3, 2]
  embedChars: [0, 4]
"""


def located(text: str) -> list[tuple[str, str, int | None, int | None, str]]:
    return [(f.code, f.severity, f.line, f.column, f.message)
            for f in rules.check(load_text(text, "p.yaml")) if f.code != "STORAGE_HF"]


def test_every_portfolio_rule_located_and_in_file_order():
    assert located(BASE) == [
        ("MODEL_UNKNOWN", "error", 8, 16, "environments[0].overrides.models.ghost: override for "
         "unknown model 'ghost'"),
        ("PRIORITY_UNKNOWN", "error", 20, 5, "models[0].priority: unknown priority 'urgent': "
         "declare it under quota.priorities, priorities are critical"),
        ("LOADTEST", "error", 23, 3, "loadtest.maxTokens: [0, 10] must be [min, max] with 1 <= "
         "min <= max"),
        ("LOADTEST", "error", 24, 3, "loadtest.promptChars: [-1, 5] must be [min, max] with 0 <= "
         "min <= max"),
        ("LOADTEST", "error", 25, 3, "loadtest.embedBatch: [3, 2] must be [min, max] with 1 <= "
         "min <= max"),
        ("LOADTEST", "error", 26, 3, "loadtest.embedChars: [0, 4] must be [min, max] with 1 <= "
         "min <= max"),
    ]


@pytest.mark.parametrize("key,good", [("maxTokens", "[1, 1]"), ("promptChars", "[0, 0]"),
                                      ("embedBatch", "[1, 1]"), ("embedChars", "[1, 1]")])
def test_loadtest_bounds_are_inclusive(key, good):
    text = BASE.replace(f"  {key}: ", f"  {key}: {good}  # ")
    assert not [f for f in located(text) if f[0] == "LOADTEST" and key in f[4]]


def test_secret_value_names_the_field_it_sits_in():
    token = "hf_abcdefghijklmnopqrstuvwxyzABCDEF12"
    text = BASE.replace("    params: 8B\n", f"    params: 8B\n    displayName: {token}\n")
    [f] = [f for f in rules.check(load_text(text, "p.yaml")) if f.code == "SECRET_VALUE"]
    assert (f.file, f.line, f.column, f.severity) == ("p.yaml", 18, 5, "error")
    assert f.message.startswith("models[0].displayName: looks like a Hugging Face token: put it in a "
                                "Secret and name the Secret here (then rotate the value)")
    # in a comment: no field on that line, the finding is at the line
    text = BASE.replace("  - name: m\n", f"  # {token}\n  - name: m\n")
    [f] = [f for f in rules.check(load_text(text, "p.yaml")) if f.code == "SECRET_VALUE"]
    assert (f.file, f.line, f.column) == ("p.yaml", 15, None)
    assert f.message.startswith("looks like a Hugging Face token")


@pytest.mark.parametrize("code,edit", [
    ("DUPLICATE_NAME", ("  - name: m\n", "  - {name: m, source: hf://o/x, params: 1B, precision: fp8, gpus: 1}\n  - name: m\n")),
    ("POOL_UNKNOWN", ("    gpus: 1\n", "    gpus: 1\n    pool: nope\n")),
    ("QUOTA_POOL", ("gpus: {l4-1: 2}", "gpus: {l4-1: 2, nope: 1}")),
])
def test_name_errors_stop_the_environment_rules(code, edit):
    """A plan of a portfolio with broken names would be wrong: per-environment rules (here
    QUOTA_CAPACITY, a quota of 2 on one 1-GPU node) wait until the names are fixed."""
    over = BASE.replace("gpus: {l4-1: 1}", "gpus: {l4-1: 2}")
    assert "QUOTA_CAPACITY" in {f[0] for f in located(over)}
    found = {f[0] for f in located(over.replace(*edit))}
    assert code in found and "QUOTA_CAPACITY" not in found


def test_only_errors_stop_the_environment_rules():
    # a 70B model of known architecture on one L4: GPU_MEMORY, an error of the environment rules
    over = BASE.replace("gpus: {l4-1: 1}", "gpus: {l4-1: 2}").replace("params: 8B", "params: 70B").replace(
        "hf://org/model", "hf://meta-llama/Llama-3.3-70B-Instruct")
    assert {"QUOTA_CAPACITY", "GPU_MEMORY"} <= {f[0] for f in located(over)}


def test_environment_overrides_resolve():
    text = BASE.replace("      models: {ghost: {state: active}}\n", """\
      quota: {queueingStrategy: StrictFIFO, preemption: Never}
      platform: {operators: {nfd: {enabled: false}}}
      models: {m: {state: off}}
""")
    env = resolve(load_text(text).portfolio).environments[0]
    assert (env.queueing, env.preemption) == ("StrictFIFO", "Never")
    assert env.operators == {"certManager": True, "kueue": True, "nfd": False, "nvidiaGpu": True}
    assert env.models[0].state == "off" and env.rendered_models == []
    assert env.components["uploads"] is False
    plain = resolve(load_text(BASE.replace("      models: {ghost: {state: active}}\n",
                                           "      quota: {preemption: Never}\n")).portfolio)
    env = plain.environments[0]
    assert (env.queueing, env.preemption) == ("BestEffortFIFO", "Never")
    assert env.components["uploads"] is False       # no storage.s3: nothing to upload
    assert env.cluster == "https://kubernetes.default.svc"


def test_uploads_and_loadtest_follow_the_rendered_models():
    s3 = BASE + "storage: {s3: {connection: minio, bucket: models}}\n"
    s3 = s3.replace("loadtest:\n", "loadtest:\n  enabled: true\n")
    s3 = s3.replace("      models: {ghost: {state: active}}\n",
                    "      loadtest: {replicas: 2, chatShare: 0.25, stages: [{duration: 1m, target: 3}]}\n")
    env = resolve(load_text(s3).portfolio).environments[0]
    assert env.components["uploads"] is True and env.components["loadtest"] is True
    assert (env.loadtest_replicas, env.chat_share) == (2, 0.25)
    assert [(s.duration, s.target) for s in env.loadtest_stages] == [("1m", 3)]
    off = s3.replace("    gpus: 1\n", "    gpus: 1\n    state: off\n")
    assert resolve(load_text(off).portfolio).environments[0].components["uploads"] is False
    plain = resolve(load_text(BASE + "storage: {s3: {connection: minio, bucket: models}}\n"
                              "").portfolio).environments[0]
    assert plain.components["loadtest"] is False and plain.chat_share == 0.5


NAMES = PREAMBLE + """\
environments:
  - name: prod
  - name: prod
pools:
  - {name: l4-1, gpu: L4, instanceType: g6.4xlarge}
  - {name: l4-1, gpu: L4, instanceType: g6.4xlarge}
quota:
  gpus: {l4-1: 1, nope: 1}
models:
  - {name: m, source: hf://o/a, params: 8B, precision: fp8, gpus: 0, pool: gone}
  - {name: m, source: hf://o/b, params: 8B, precision: fp8, gpus: 1}
"""


def test_name_findings_located_exactly():
    found = [(c, line, col, msg) for c, _, line, col, msg in located(NAMES) if c != "GPU_MEMORY"]
    assert found == [
        ("DUPLICATE_NAME", 6, 5, "environments[0].name: duplicate name 'prod': names must be unique, rename one"),
        ("DUPLICATE_NAME", 7, 5, "environments[1].name: duplicate name 'prod': names must be unique, rename one"),
        ("DUPLICATE_NAME", 9, 6, "pools[0].name: duplicate name 'l4-1': names must be unique, rename one"),
        ("DUPLICATE_NAME", 10, 6, "pools[1].name: duplicate name 'l4-1': names must be unique, rename one"),
        ("QUOTA_POOL", 12, 19, "quota.gpus.nope: quota for unknown pool 'nope': pools are l4-1"),
        ("DUPLICATE_NAME", 14, 6, "models[0].name: duplicate name 'm': names must be unique, rename one"),
        ("NO_GPU", 14, 61, "models[0].gpus: every model needs at least one GPU: CPU inference is never allowed"),
        ("POOL_UNKNOWN", 14, 70, "models[0].pool: unknown pool 'gone': pools are l4-1"),
        ("DUPLICATE_NAME", 15, 6, "models[1].name: duplicate name 'm': names must be unique, rename one"),
    ]


def test_pinned_pool_missing_in_an_environment_lists_the_pools():
    text = NAMES.replace("  - name: prod\n  - name: prod\n", """\
  - name: prod
  - name: dev
    cluster: https://api.dev.example.com:6443
    overrides: {pools: [{name: a, gpu: L4, instanceType: g6.4xlarge}, {name: b, gpu: L4, instanceType: g6.4xlarge}]}
""").replace("  - {name: l4-1, gpu: L4, instanceType: g6.4xlarge}\n  - {name: l4-1,", "  - {name: l4-1,").replace(
        ", nope: 1", "").replace("gpus: 0, pool: gone", "gpus: 1, pool: [l4-1]").replace("name: m, source: hf://o/b", "name: n, source: hf://o/b")
    assert [(c, msg) for c, _, _, _, msg in located(text)] == [
        ("POOL_UNKNOWN", "models[0].pool: pool 'l4-1' is not among environment dev's pools (a, b): add "
         "it to its overrides.pools or set the model's state to off there")]
