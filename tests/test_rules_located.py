"""Portfolio-wide rules: each finding's code, severity, line, column and message exactly,
and the order check() returns them in."""
from __future__ import annotations

import pytest

from gpuaas import rules
from gpuaas.plan import resolve
from gpuaas.portfolio import load_text

BASE = """\
apiVersion: gpuaas/v1
kind: Portfolio
metadata: {name: demo}
gitops: {repoURL: https://example.com/repo.git}
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
         "declare it under quota.priorities"),
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
    ("QUOTA_POOL", ("gpus: {l4-1: 1}", "gpus: {l4-1: 1, nope: 1}")),
])
def test_name_errors_stop_the_environment_rules(code, edit):
    """A plan of a portfolio with broken names would be wrong: per-environment rules (here
    GPU_MEMORY of a 70B model) wait until the names are fixed."""
    big = BASE.replace("params: 8B", "params: 70B")
    assert "GPU_MEMORY" in {f[0] for f in located(big)}
    found = {f[0] for f in located(big.replace(*edit))}
    assert code in found and "GPU_MEMORY" not in found


def test_only_errors_stop_the_environment_rules():
    big = BASE.replace("params: 8B", "params: 70B")
    warned = big.replace("gpu: L4, instanceType: g6.4xlarge}", "gpu: L4, instanceType: g6.4xlarge, nodes: 1}")
    assert "GPU_MEMORY" in {f[0] for f in located(warned.replace("{l4-1: 1}", "{l4-1: 2}"))}


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
