"""The demo's scenarios as `gpuaas plan` predicts them, and the cost story."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from gpuaas import pipeline
from gpuaas.plan import resolve
from gpuaas.portfolio import load_portfolio
from gpuaas.portfolio.edit import set_state

from .conftest import DEMO, REPO

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    path = tmp_path / "enterprise-demo.yaml"
    shutil.copy(DEMO, path)
    return path


def admissions(path: Path) -> dict[str, str]:
    env = resolve(load_portfolio(path).portfolio).environments[0]
    return {m.name: m.admission for m in env.models}


def gpus_used(path: Path) -> int:
    return sum(resolve(load_portfolio(path).portfolio).environments[0].used.values())


def test_baseline(demo: Path):
    assert admissions(demo) == {"mistral-3-bf16": "Admitted", "mistral-3-int4": "Admitted",
                                "devstral-2": "Standby", "gpt-oss-20b": "Standby",
                                "granite-8b-agent": "Standby"}
    assert gpus_used(demo) == 5


def test_handover(demo: Path):
    set_state(demo, ["devstral-2"], "active")
    env = resolve(load_portfolio(demo).portfolio).environments[0]
    devstral = next(m for m in env.models if m.name == "devstral-2")
    assert devstral.admission == "Pending" and "quota" in devstral.reason
    set_state(demo, ["mistral-3-bf16"], "standby")
    assert admissions(demo)["devstral-2"] == "Admitted"
    assert gpus_used(demo) == 5


def test_efficiency_four_specialists_fill_the_freed_node(tmp_path: Path):
    path = tmp_path / "efficiency.yaml"
    shutil.copy(REPO / "portfolios" / "efficiency.yaml", path)
    before = admissions(path)
    assert before["mistral-3-bf16"] == "Admitted"
    assert sum(a == "Admitted" for a in before.values()) == 2
    specialists = ["granite-8b-agent", "gpt-oss-20b", "granite-8b-rag", "qwen-7b"]
    set_state(path, specialists, "active")
    # while the 4-GPU model holds its node, the specialists queue
    assert {admissions(path)[m] for m in specialists} == {"Pending"}
    set_state(path, ["mistral-3-bf16"], "standby")
    env = resolve(load_portfolio(path).portfolio).environments[0]
    admitted = [m for m in env.models if m.admission == "Admitted"]
    assert len(admitted) == 5 and sum(env.used.values()) == 5
    assert sorted(m.name for m in admitted if m.flavor == "nvidia-l4-4gpu") == [
        "gpt-oss-20b", "granite-8b-agent", "granite-8b-rag", "qwen-7b"]
    # and the whole check passes: every specialist starts on one L4 (the CLI's exit code)
    from gpuaas import pipeline
    built = pipeline.build(path)
    assert built.ok, [f for f in built.findings if f.severity == "error"]
    assert all(m.fit.fits for m in built.plan.environments[0].models if m.state == "active")


def test_priority_queue(demo: Path):
    set_state(demo, ["devstral-2", "gpt-oss-20b", "granite-8b-agent"], "active")
    env = resolve(load_portfolio(demo).portfolio).environments[0]
    assert sum(env.used.values()) == 5
    pending = {m.name: m.reason for m in env.models if m.admission == "Pending"}
    assert set(pending) == {"devstral-2", "gpt-oss-20b", "granite-8b-agent"}
    assert all("needs" in reason for reason in pending.values())
    set_state(demo, ["mistral-3-bf16"], "standby")
    after = admissions(demo)
    assert after["devstral-2"] == "Admitted" and after["gpt-oss-20b"] == "Pending"


def test_each_step_is_a_replicas_change_in_the_tree(demo: Path):
    before = pipeline.build(demo).files
    set_state(demo, ["devstral-2"], "active")
    after = pipeline.build(demo).files
    changed = {p for p in after if before.get(p) != after[p]}
    isvc = "components/prod/serving/isvc-devstral-2.yaml"
    assert isvc in changed
    # the load test, the tree README's calls, the registration (the version's state, the
    # inference service DEPLOYED) and the workbench's notebook (its baseline) follow the
    # active models; nothing else moves
    assert changed <= {isvc, "components/prod/loadtest/configmap-script.yaml", "README.md",
                       "components/prod/registry/configmap-registration.yaml",
                       "components/prod/registry/job-register.yaml",
                       "components/prod/workbench/configmap-notebook.yaml"}
    diff = [(a, b) for a, b in zip(before[isvc].splitlines(), after[isvc].splitlines()) if a != b]
    assert diff == [("    minReplicas: 0", "    minReplicas: 1"), ("    maxReplicas: 0", "    maxReplicas: 1")]


def test_edits_keep_comments_and_layout(demo: Path):
    original = demo.read_text()
    set_state(demo, ["devstral-2"], "active")
    changed = [(a, b) for a, b in zip(original.splitlines(), demo.read_text().splitlines()) if a != b]
    assert changed == [("    state: standby", "    state: active")]
    assert len(original.splitlines()) == len(demo.read_text().splitlines())
    # a trailing comment keeps its column, and a round trip gives the file back
    set_state(demo, ["mistral-3-bf16"], "standby")
    assert "    state: standby                      # active | standby | off" in demo.read_text()
    set_state(demo, ["mistral-3-bf16"], "active")
    set_state(demo, ["devstral-2"], "standby")
    assert demo.read_text() == original


def test_cli_activate_unknown_model_is_exit_2(demo: Path, cli):
    result = cli("activate", "nope", "--portfolio", str(demo))
    assert result.exit_code == 2 and "no model named 'nope'" in result.stderr


def test_cli_fail_on_pending(demo: Path, cli):
    assert cli("plan", str(demo), "--fail-on-pending").exit_code == 0
    result = cli("activate", "devstral-2", "--portfolio", str(demo))
    assert result.exit_code == 0 and "Pending" in result.stdout
    assert cli("plan", str(demo), "--fail-on-pending").exit_code == 1


def test_plan_json_contract(cli):
    data = json.loads(cli("plan", str(DEMO), "--format", "json").stdout)
    env = data["environments"][0]
    assert data["portfolio"] == "enterprise-demo" and env["name"] == "prod"
    assert env["quota"]["nvidia-l4-4gpu"]["gpus"] == 4 and env["quota"]["nvidia-l4-4gpu"]["used"] == 4
    model = env["models"][0]
    assert set(model) >= {"name", "state", "gpus", "pool", "storage", "storageReason", "weightsGB",
                          "usableGB", "fits", "admission", "reason", "monthlyUSD"}
    assert model["storage"] == "s3" and model["admission"] == "Admitted"


def test_cost_of_quantisation_triple_play_and_demo():
    """BF16 on 4 x L4 against the quantised model on one L4: 75% fewer GPUs; at catalog
    prices (g6.12xlarge vs g6.4xlarge) the monthly saving is 71%."""
    env = resolve(load_portfolio(DEMO).portfolio).environments[0]
    cost = {m.name: m.monthly_usd for m in env.models}
    bf16, int4 = cost["mistral-3-bf16"], cost["mistral-3-int4"]
    assert round(bf16) == round(4.6016 * 730) and round(int4) == round(1.3232 * 730)
    assert 1 - int4 / bf16 == pytest.approx(0.712, abs=0.005)
    gpus = {m.name: m.model.gpus for m in env.models}
    assert 1 - gpus["mistral-3-int4"] / gpus["mistral-3-bf16"] == 0.75
    triple = resolve(load_portfolio(REPO / "portfolios" / "triple-play.yaml").portfolio).environments[0]
    assert sum(triple.used.values()) == 9
    assert all(m.admission == "Admitted" for m in triple.models)


def test_serving_off_means_nothing_runs():
    env = resolve(load_portfolio(REPO / "portfolios" / "signet.yaml").portfolio).environments[1]
    assert env.name == "local"
    assert {m.admission for m in env.models} == {"Off"} and sum(env.used.values()) == 0


def test_init_writes_a_bundled_example(tmp_path: Path, cli):
    result = cli("init", "--example", "signet", cwd=tmp_path)
    assert result.exit_code == 0
    written = tmp_path / "portfolios" / "signet.yaml"
    assert written.read_text() == (REPO / "portfolios" / "signet.yaml").read_text()
    assert cli("init", "--example", "signet", cwd=tmp_path).exit_code == 2
    assert cli("init", "--example", "nope", cwd=tmp_path).exit_code == 2
    assert cli("plan", cwd=tmp_path).exit_code == 0


def test_bundled_examples_are_the_repository_examples():
    """One copy: the package's examples are the repository's portfolios (a link the wheel
    resolves into files; test_dist installs it)."""
    assert (REPO / "gpuaas" / "examples").resolve() == (REPO / "portfolios").resolve()


def test_env_override_edit_adds_only_the_override(demo: Path):
    original = demo.read_text().splitlines()
    set_state(demo, ["devstral-2"], "active", env="prod")
    lines = demo.read_text().splitlines()
    added = [l for l in lines if l not in original]
    assert added == ["    overrides:", "      models:", "        devstral-2:", "          state: active"]
    assert len(lines) == len(original) + 4
    env = resolve(load_portfolio(demo).portfolio).environments[0]
    assert next(m for m in env.models if m.name == "devstral-2").admission == "Pending"
    set_state(demo, ["devstral-2"], "standby", env="prod")
    assert len(demo.read_text().splitlines()) == len(original) + 4
    assert "          state: standby" in demo.read_text()


def test_quota_above_the_hardware_admits_pods_that_cannot_run(demo: Path):
    """The GPU-as-a-Service demo: 5 GPUs of quota for 5 GPUs of nodes. A quota of 8 on one 4-GPU node lets
    Kueue admit devstral beside mistral, but no node has room: the plan says Pending, with
    why, and counts no cost for it."""
    text = demo.read_text().replace("gpus: {nvidia-l4-4gpu: 4, nvidia-l4-1gpu: 1}",
                                    "gpus: {nvidia-l4-4gpu: 8, nvidia-l4-1gpu: 1}")
    demo.write_text(text)
    set_state(demo, ["devstral-2"], "active")
    env = resolve(load_portfolio(demo).portfolio).environments[0]
    models = {m.name: m for m in env.models}
    assert models["mistral-3-bf16"].admission == "Admitted"
    devstral = models["devstral-2"]
    assert devstral.admission == "Pending" and devstral.monthly_usd == 0
    assert "no nvidia-l4-4gpu node has 4 free GPUs" in devstral.reason
    assert env.used["nvidia-l4-4gpu"] == 8   # Kueue's view: both admitted


def test_plan_reports_vllms_numbers_per_model(cli):
    """fits, weights and KV pool per GPU, KV tokens and concurrency at maxModelLen, as vLLM
    would log them at start-up (docs/gpu-fit.md)."""
    data = json.loads(cli("plan", str(DEMO), "--format", "json").stdout)
    models = {m["name"]: m for m in data["environments"][0]["models"]}
    int4 = models["mistral-3-int4"]
    assert int4["fits"] is True and int4["architecture"] == "mistralai/Mistral-Small-24B-Instruct-2501"
    assert int4["weightsGiB"] == pytest.approx(13.4, abs=0.1)
    assert int4["kvPoolGiB"] == pytest.approx(5.15, abs=0.1)
    assert int4["kvTokens"] == 33728 and int4["maxConcurrency"] == pytest.approx(8.24, abs=0.05)
    assert int4["maxModelLen"] == 4096 and int4["fitReason"] is None
    assert all(m["fits"] for m in models.values())


def test_a_model_that_does_not_fit_is_a_row_not_the_end_of_the_plan(demo: Path, cli):
    """Before, a GPU_MEMORY error stopped `plan` before the table: the fit column could never
    say NO. Now the findings and the table are both printed; the exit code stays 2."""
    text = demo.read_text().replace("    maxModelLen: 4096\n",
                                    "    maxModelLen: 32768\n    gpuMemoryUtilization: 0.86\n", 1)
    demo.write_text(text)
    result = cli("plan", str(demo))
    assert result.exit_code == 2
    assert "[GPU_MEMORY]" in result.stderr and "27648 or less would start" in result.stderr
    row = next(line for line in result.stdout.splitlines() if "mistral-3-int4" in line)
    assert " NO " in row and "mistral-3-bf16" in result.stdout
    data = json.loads(cli("plan", str(demo), "--format", "json").stdout)
    int4 = next(m for m in data["environments"][0]["models"] if m["name"] == "mistral-3-int4")
    assert int4["fits"] is False and int4["largestMaxModelLen"] == 27648
    assert int4["fitReason"].startswith("To serve at least one request with the model's max seq len (32768)")


def test_every_bundled_model_is_sized(cli):
    """The examples name catalog models (or say which model S3/PVC weights are): no model
    plans as "architecture unknown"."""
    for path in sorted((REPO / "portfolios").glob("*.yaml")):
        for env in resolve(load_portfolio(path).portfolio).environments:
            for m in env.models:     # off where no pool holds it (a fleet's 1-GPU edge)
                assert m.fit.fits is True or (m.state == "off" and m.fit.reason == "no eligible pool"), \
                    (path.name, m.name, m.fit.reason)
