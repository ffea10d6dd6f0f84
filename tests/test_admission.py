"""Admission as Kueue decides it, in the cases the demo does not reach: queueing strategies,
several replicas, several flavors, environments without Kueue, and the pod size that both
the plan and the InferenceService use."""
from __future__ import annotations

import json

import pytest
import yaml

from gpuaas import catalog, pipeline
from gpuaas.plan import resolve
from gpuaas.portfolio import load_text

from .conftest import HEAD, write

# Two 4-GPU nodes, a quota of 6 GPUs: m1 and m2 (high) need 4 each, m3 (low) 2.
FIFO = HEAD + """\
pools:
  - {name: l4-4, gpu: L4, instanceType: g6.12xlarge, nodes: 2}
quota:
  gpus: {l4-4: 6}
  priorities: {high: 100, low: 1}
  queueingStrategy: STRATEGY
  preemption: PREEMPTION
models:
  - {name: m1, source: hf://org/a, params: 8B, precision: bf16, gpus: 4, maxModelLen: 4096, priority: high}
  - {name: m3, source: hf://org/c, params: 8B, precision: bf16, gpus: 2, maxModelLen: 4096, priority: low}
  - {name: m2, source: hf://org/b, params: 8B, precision: bf16, gpus: 4, maxModelLen: 4096, priority: high}
"""


def env_of(text: str, index: int = 0):
    return resolve(load_text(text, "p.yaml").portfolio).environments[index]


def by_name(env) -> dict:
    return {m.name: m for m in env.models}


def fifo(strategy: str, preemption: str = "LowerPriority") -> str:
    return FIFO.replace("STRATEGY", strategy).replace("PREEMPTION", preemption)


@pytest.mark.parametrize("preemption", ["LowerPriority", "Never"])
def test_best_effort_fifo_admits_what_fits_behind_a_waiting_workload(preemption):
    models = by_name(env_of(fifo("BestEffortFIFO", preemption)))
    assert [models[n].admission for n in ("m1", "m2", "m3")] == ["Admitted", "Pending", "Admitted"]
    assert "quota: needs 4 GPUs" in models["m2"].reason


@pytest.mark.parametrize("preemption", ["LowerPriority", "Never"])
def test_strict_fifo_blocks_everything_behind_the_head(preemption):
    env = env_of(fifo("StrictFIFO", preemption))
    models = by_name(env)
    assert [models[n].admission for n in ("m1", "m2", "m3")] == ["Admitted", "Pending", "Pending"]
    assert models["m3"].reason.startswith("blocked behind m2")
    assert "quota: needs 4 GPUs" in models["m2"].reason
    assert env.used == {"l4-4": 4} and env.pending == {"l4-4": 6}
    assert models["m3"].monthly_usd == 0


def test_strict_fifo_from_an_environment_override():
    text = fifo("BestEffortFIFO").replace(
        "environments: [{name: prod}]",
        "environments: [{name: prod}, {name: dev, overrides: {quota: {queueingStrategy: StrictFIFO}}}]")
    prod, dev = (by_name(e) for e in resolve(load_text(text).portfolio).environments)
    assert prod["m3"].admission == "Admitted"
    assert dev["m3"].admission == "Pending" and "blocked behind m2" in dev["m3"].reason


REPLICAS = HEAD + """\
pools:
  - {name: a, gpu: L4, instanceType: g6.4xlarge, nodes: 2}
  - {name: b, gpu: L4, instanceType: g6.4xlarge, nodes: 2}
quota:
  gpus: {a: QA, b: QB}
models:
  - {name: m, source: hf://org/a, params: 8B, precision: fp8, gpus: 1, replicas: 2, maxModelLen: 4096}
"""


def test_a_partly_admitted_model_is_pending_with_the_count():
    env = env_of(REPLICAS.replace("QA", "1").replace("QB", "0"))
    [m] = env.models
    assert m.admitted_replicas == 1 and m.admission == "Pending"
    assert m.reason.startswith("1/2 replicas admitted; quota: needs 1 GPUs")
    assert m.monthly_usd == pytest.approx(catalog.INSTANCES["g6.4xlarge"].hourly_usd * catalog.HOURS_PER_MONTH)


def test_replicas_spread_over_two_flavors_are_reported_as_such(cli, tmp_path):
    text = REPLICAS.replace("QA", "1").replace("QB", "1")
    [m] = env_of(text).models
    assert m.admission == "Admitted" and m.flavors == ["a", "b"]
    assert m.reason == "on flavors a (1), b (1)"
    data = json.loads(cli("plan", str(write(tmp_path / "p.yaml", text)), "--format", "json").stdout)
    model = data["environments"][0]["models"][0]
    assert model["flavors"] == ["a", "b"] and model["replicas"] == 2


def test_two_replicas_on_one_flavor():
    [m] = env_of(REPLICAS.replace("QA", "2").replace("QB", "2")).models
    assert m.flavors == ["a", "a"] and m.reason == "on flavor a"


NO_KUEUE = HEAD.replace("environments: [{name: prod}]", """\
environments:
  - name: prod
  - name: lab
    cluster: https://api.lab.example.com:6443
    overrides: {components: {kueue: false}}
""") + """\
pools:
  - {name: l4-4, gpu: L4, instanceType: g6.12xlarge, nodes: 2}
quota:
  gpus: {l4-4: 4}
  priorities: {high: 100}
models:
  - {name: m1, source: hf://org/a, params: 8B, precision: bf16, gpus: 4, maxModelLen: 4096}
  - {name: m2, source: hf://org/b, params: 8B, precision: bf16, gpus: 4, maxModelLen: 4096, priority: high}
  - {name: m3, source: hf://org/c, params: 8B, precision: bf16, gpus: 1, maxModelLen: 4096}
"""


def test_without_kueue_only_node_fit_counts():
    prod, lab = resolve(load_text(NO_KUEUE).portfolio).environments
    assert [m.admission for m in prod.models] == ["Pending", "Admitted", "Pending"]
    lab_models = by_name(lab)
    # no quota, no priority labels: portfolio order onto the two nodes
    assert [lab_models[n].admission for n in ("m1", "m2", "m3")] == ["Admitted", "Admitted", "Pending"]
    assert "node fit only" in lab_models["m1"].reason
    assert lab_models["m3"].reason == "no node of l4-4 has 1 free GPUs (no Kueue here: node fit only)"
    assert lab.used == {"l4-4": 8}


def test_plan_says_node_fit_only_and_fail_on_pending_follows_nodes(cli, tmp_path):
    text = NO_KUEUE.replace("  - {name: m3,", "  - {name: m3, state: standby,")
    path = write(tmp_path / "p.yaml", text)
    result = cli("plan", str(path), "--env", "lab", "--fail-on-pending")
    assert result.exit_code == 0, result.stdout
    assert "no Kueue in this environment" in result.stdout
    assert cli("plan", str(path), "--env", "prod", "--fail-on-pending").exit_code == 1
    data = json.loads(cli("plan", str(path), "--format", "json").stdout)
    assert [e["kueue"] for e in data["environments"]] == [True, False]


SIZES = HEAD + """\
pools:
  - {name: l4-1, gpu: L4, instanceType: g6.4xlarge}
  - {name: l4-4, gpu: L4, instanceType: g6.12xlarge}
quota:
  gpus: {l4-1: 1, l4-4: 4}
models:
  - {name: m, source: hf://org/a, params: 8B, precision: fp8, gpus: 1, maxModelLen: 4096, pool: [l4-1, l4-4]}
"""


def test_pod_size_is_the_smallest_eligible_node_share_in_plan_and_render(tmp_path):
    small, big = catalog.INSTANCES["g6.4xlarge"], catalog.INSTANCES["g6.12xlarge"]
    cpu = min(small.vcpu // small.gpus, big.vcpu // big.gpus) // 2
    mem = min(small.memory_gib // small.gpus, big.memory_gib // big.gpus) // 2
    assert (cpu, mem) == (6, 24)        # g6.12xlarge's share is the smaller one
    built = pipeline.build(write(tmp_path / "p.yaml", SIZES))
    [m] = built.plan.environments[0].models
    assert (m.cpu, m.memory_gib) == (cpu, mem)
    isvc = yaml.safe_load(built.files["components/prod/serving/isvc-m.yaml"])
    requests = isvc["spec"]["predictor"]["model"]["resources"]["requests"]
    assert requests["cpu"] == str(cpu) and requests["memory"] == f"{mem}Gi"


def test_admission_counts_the_pod_size_the_render_requests():
    """Quota of cpu and memory is each GPU's full share; a 2-GPU pod sized on the smallest
    node asks less than its share, so two of them fit where the GPUs do."""
    text = SIZES.replace("gpus: 1, maxModelLen", "gpus: 2, replicas: 2, maxModelLen").replace(
        "pool: [l4-1, l4-4]", "pool: l4-4")
    [m] = env_of(text).models
    assert (m.cpu, m.memory_gib) == (12, 48)
    assert m.admission == "Admitted" and m.flavors == ["l4-4", "l4-4"]


def test_pool_order_in_a_model_does_not_change_the_flavor_order():
    """Kueue tries the ClusterQueue's flavors in their order; a model's `pool` list only
    narrows them."""
    env = env_of(SIZES.replace("pool: [l4-1, l4-4]", "pool: [l4-4, l4-1]"))
    [m] = env.models
    assert m.pools == ["l4-1", "l4-4"] and m.flavor == "l4-1"


# --- the reasons and counts the plan prints, exactly --------------------------------


def test_strict_fifo_reasons_and_counts_exactly():
    env = env_of(fifo("StrictFIFO").replace("gpus: 2, maxModelLen", "gpus: 2, replicas: 2, maxModelLen"))
    models = by_name(env)
    assert models["m2"].reason == "quota: needs 4 GPUs (l4-4 2/6 free)"
    assert models["m3"].reason == ("blocked behind m2: StrictFIFO admits no workload while the head "
                                   "of the queue waits")
    assert env.pending == {"l4-4": 4 + 2 * 2}


def test_a_model_no_pool_holds_also_blocks_under_strict_fifo():
    text = fifo("StrictFIFO").replace("gpus: 4, maxModelLen: 4096, priority: high}\n  - {name: m3",
                                      "gpus: 8, maxModelLen: 4096, priority: high}\n  - {name: m3")
    models = by_name(env_of(text))
    assert models["m1"].admission == "Pending" and models["m1"].pools == []
    assert models["m1"].reason == "no pool can hold it: see the GPU findings"
    assert models["m2"].reason.startswith("blocked behind m1")
    assert by_name(env_of(text.replace("StrictFIFO", "BestEffortFIFO")))["m2"].admission == "Admitted"


def test_states_and_serving_off_reasons():
    text = fifo("BestEffortFIFO").replace("priority: high}\n  - {name: m3", "priority: high, state: standby}\n  - {name: m3")
    text = text.replace("gpus: 2, maxModelLen: 4096, priority: low", "gpus: 2, maxModelLen: 4096, priority: low, state: off")
    models = by_name(env_of(text))
    assert (models["m1"].admission, models["m1"].reason) == ("Standby", "replicas 0: holds no GPUs")
    assert (models["m3"].admission, models["m3"].reason) == ("Off", "not rendered")
    off = env_of(text.replace("environments: [{name: prod}]",
                              "environments: [{name: prod, overrides: {components: {serving: false}}}]"))
    assert {(m.admission, m.reason) for m in off.models} == {("Off", "serving is off in this environment")}


def test_cost_counts_every_admitted_replica():
    [m] = env_of(REPLICAS.replace("QA", "2").replace("QB", "0")).models
    hourly = catalog.INSTANCES["g6.4xlarge"].hourly_usd
    assert m.monthly_usd == pytest.approx(2 * hourly * catalog.HOURS_PER_MONTH)


def test_without_kueue_priority_does_not_order_the_pods():
    """One 4-GPU node: m1 (no priority) comes first in the portfolio and takes it."""
    text = NO_KUEUE.replace("nodes: 2}", "nodes: 1}")
    prod, lab = resolve(load_text(text).portfolio).environments
    assert [m.admission for m in prod.models][:2] == ["Pending", "Admitted"]
    assert [m.admission for m in lab.models][:2] == ["Admitted", "Pending"]
    assert lab.models[0].reason == "on pool l4-4 (no Kueue here: node fit only)"
    assert lab.models[1].reason == "no node of l4-4 has 4 free GPUs (no Kueue here: node fit only)"
    assert lab.pending == {"l4-4": 4 + 1} and lab.used == {"l4-4": 4}


def test_without_kueue_replicas_and_cost():
    text = REPLICAS.replace("QA", "0").replace("QB", "0").replace(
        "environments: [{name: prod}]", "environments: [{name: prod, overrides: {components: {kueue: false}}}]")
    [m] = env_of(text).models
    assert m.admitted_replicas == 2 and m.flavors == ["a", "a"] and m.flavor == "a"
    hourly = catalog.INSTANCES["g6.4xlarge"].hourly_usd
    assert m.monthly_usd == pytest.approx(2 * hourly * catalog.HOURS_PER_MONTH)
    [m] = env_of(text.replace("replicas: 2", "replicas: 5")).models
    assert m.admission == "Pending" and m.admitted_replicas == 4
    assert m.reason == "4/5 replicas run; no node of a, b has 1 free GPUs (no Kueue here: node fit only)"
    assert m.monthly_usd == pytest.approx(4 * hourly * catalog.HOURS_PER_MONTH)


def test_no_priority_counts_as_zero():
    """Kueue gives a workload without a priority class priority 0: below `low: 1`, so the
    later model with `low` goes first."""
    text = fifo("BestEffortFIFO").replace("priority: high}\n  - {name: m3", "}\n  - {name: m3").replace(
        "gpus: 2, maxModelLen: 4096, priority: low", "gpus: 4, maxModelLen: 4096, priority: low").replace(
        "gpus: 4, maxModelLen: 4096, priority: high}\n", "gpus: 4, maxModelLen: 4096, priority: high, state: off}\n")
    models = by_name(env_of(text))
    assert (models["m1"].admission, models["m3"].admission) == ("Pending", "Admitted")


def test_models_after_a_blocked_one_are_all_decided():
    text = fifo("StrictFIFO") + ("  - {name: m4, source: hf://org/d, params: 8B, precision: bf16, gpus: 1, "
                                 "maxModelLen: 4096, state: standby}\n")
    models = by_name(env_of(text))
    assert [models[n].admission for n in ("m1", "m2", "m3", "m4")] == ["Admitted", "Pending", "Pending", "Standby"]


def test_every_pending_replica_is_counted():
    env = env_of(REPLICAS.replace("QA", "0").replace("QB", "0"))
    assert env.pending == {"a": 2, "b": 0} and env.used == {"a": 0, "b": 0}
