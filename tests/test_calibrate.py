"""Calibration: a vLLM start-up log (the lines as vLLM's source writes them) read back and
set against the plan's prediction for that model."""
from __future__ import annotations

import json

from gpuaas import calibrate

from .conftest import REPO

STARTED = """\
(EngineCore_DP0 pid=187) INFO 12-08 10:00:01 [gpu_model_runner.py:2653] Model loading took 15.2611 GiB and 6.12 seconds
(EngineCore_DP0 pid=187) INFO 12-08 10:00:21 [gpu_worker.py:376] Available KV cache memory: 23.90 GiB
(EngineCore_DP0 pid=187) INFO 12-08 10:00:22 [kv_cache_utils.py:1291] GPU KV cache size: 156,624 tokens
(EngineCore_DP0 pid=187) INFO 12-08 10:00:22 [kv_cache_utils.py:1297] Maximum concurrency for 16,384 tokens per request: 9.56x
"""
REFUSED = """\
INFO 12-08 09:58:01 [gpu_model_runner.py:3660] Model loading took 15.2611 GiB memory and 6.120000 seconds
INFO 12-08 09:58:20 [gpu_worker.py:376] Available KV cache memory: 1.20 GiB
ERROR 12-08 09:58:21 [core.py:708] ValueError: To serve at least one request with the models's max seq len \
(131072), (16.00 GiB KV cache is needed, which is larger than the available KV cache memory (1.20 GiB).
"""


def test_the_log_is_read_as_vllm_writes_it():
    logged = calibrate.read_log(STARTED)
    assert (logged.weights_gib, logged.kv_pool_gib, logged.kv_tokens) == (15.2611, 23.9, 156_624)
    assert (logged.max_model_len, logged.max_concurrency, logged.started) == (16_384, 9.56, True)
    refused = calibrate.read_log(REFUSED)
    assert refused.started is False and refused.refused.startswith("To serve at least one request")
    # a pod that restarted: the last start-up counts
    assert calibrate.read_log(REFUSED + STARTED).started is True


def test_the_plan_is_set_against_the_log(cli, tmp_path):
    path = REPO / "portfolios" / "starter.yaml"
    started, refused_log = tmp_path / "started.log", tmp_path / "refused.log"
    started.write_text(STARTED)
    refused_log.write_text(REFUSED)
    result = cli("calibrate", str(started), "--model", "granite-8b", "-p", str(path), "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    rows = {r["what"]: r for r in report["rows"]}
    assert rows["start"]["predicted"] == "starts" and rows["start"]["logged"] == "starts"
    assert rows["KV cache tokens"]["logged"] == 156_624
    assert abs(rows["KV cache tokens"]["error"]) < 0.05
    assert rows["concurrency at 16,384 tokens"]["logged"] == 9.56
    refused = json.loads(cli("calibrate", str(refused_log), "--model", "granite-8b", "-p", str(path),
                             "--format", "json").stdout)
    assert {r["what"]: r["logged"] for r in refused["rows"]}["start"] == "refused"
    assert refused["refused"].startswith("To serve")
    unknown = cli("calibrate", str(started), "--model", "granit-8b", "-p", str(path))
    assert unknown.exit_code == 2 and "did you mean 'granite-8b'" in unknown.output


def test_a_kept_measurement_is_what_the_plan_then_uses_and_shows(cli, tmp_path):
    """--keep writes the log's weights and implied overhead into the model's `measured`; the
    plan then reproduces the logged pool on that GPU and says it is measured. A second log
    for the same GPU replaces the first; the rest of the file is as the user wrote it."""
    import shutil
    path = tmp_path / "starter.yaml"
    shutil.copy(REPO / "portfolios" / "starter.yaml", path)
    before = path.read_text()
    log = tmp_path / "started.log"
    log.write_text(STARTED)
    result = cli("calibrate", str(log), "--model", "granite-8b", "-p", str(path), "--keep", "--format", "json")
    assert result.exit_code == 0, result.output
    kept = json.loads(result.stdout)["kept"]
    assert kept["weightsGiB"] == 15.26 and kept["log"].startswith("sha256:")
    text = path.read_text()
    assert text.startswith(before.split("models:")[0]) and "measured:" in text
    plan = json.loads(cli("plan", str(path), "--format", "json").stdout)
    model = next(m for m in plan["environments"][0]["models"] if m["name"] == "granite-8b")
    assert model["measured"] == kept["log"]
    assert model["weightsGiB"] == 15.26 and abs(model["kvPoolGiB"] - 23.90) < 0.01
    assert "yes (measured)" in cli("plan", str(path)).stdout
    # the same GPU again: replaced, not appended
    log.write_text(STARTED.replace("23.90 GiB", "22.90 GiB"))
    assert cli("calibrate", str(log), "--model", "granite-8b", "-p", str(path), "--keep").exit_code == 0
    assert path.read_text().count("gpu: ") == text.count("gpu: ")
    plan = json.loads(cli("plan", str(path), "--format", "json").stdout)
    model = next(m for m in plan["environments"][0]["models"] if m["name"] == "granite-8b")
    assert abs(model["kvPoolGiB"] - 22.90) < 0.01


def test_keep_needs_the_weights_and_the_pool(cli, tmp_path):
    import shutil
    path = tmp_path / "starter.yaml"
    shutil.copy(REPO / "portfolios" / "starter.yaml", path)
    log = tmp_path / "partial.log"
    log.write_text(STARTED.splitlines()[0] + "\n")
    result = cli("calibrate", str(log), "--model", "granite-8b", "-p", str(path), "--keep")
    assert result.exit_code == 2 and "[CALIBRATE]" in result.output
    assert path.read_text() == (REPO / "portfolios" / "starter.yaml").read_text()
