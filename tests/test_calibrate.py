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
