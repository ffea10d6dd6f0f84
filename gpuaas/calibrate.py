"""What the plan predicted for a model against what vLLM logged when it started: read from
the start-up log as `oc logs` prints it. Pure: text and a plan in, rows out.

The lines, as vLLM writes them (vllm/v1/worker/gpu_model_runner.py load_model,
vllm/v1/worker/gpu_worker.py determine_available_memory, vllm/v1/core/kv_cache_utils.py
check_enough_kv_cache_memory and _report_kv_cache_config):

    Model loading took 14.9920 GiB [memory] and 5.34 seconds
    Available KV cache memory: 22.50 GiB
    GPU KV cache size: 184,096 tokens
    Maximum concurrency for 16,384 tokens per request: 11.24x
    ValueError: No available memory for the cache blocks. ...
    ValueError: To serve at least one request with the models's max seq len (X), (Y GiB KV
    cache is needed, which is larger than the available KV cache memory (Z GiB). ...
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from . import catalog
from .plan import EnvPlan, ModelPlan, serving_for

_WEIGHTS = re.compile(r"Model loading took ([0-9.]+) GiB")
_POOL = re.compile(r"Available KV cache memory: (-?[0-9.]+) GiB")
_TOKENS = re.compile(r"GPU KV cache size: ([0-9,]+) tokens")
_CONCURRENCY = re.compile(r"Maximum concurrency for ([0-9,]+) tokens per request: ([0-9.]+)x")
_REFUSED = re.compile(r"(No available memory for the cache blocks|To serve at least one request "
                      r"with the models?'s max seq len)")


@dataclass
class Logged:
    weights_gib: float | None = None
    kv_pool_gib: float | None = None
    kv_tokens: int | None = None
    max_model_len: int | None = None
    max_concurrency: float | None = None
    refused: str | None = None          # vLLM's refusal, when it did not start

    @property
    def started(self) -> bool | None:
        if self.refused:
            return False
        return True if self.kv_tokens is not None or self.max_concurrency is not None else None


def read_log(text: str) -> Logged:
    """The last start-up in the log (a pod that restarted logs several)."""
    out = Logged()
    for line in text.splitlines():
        if m := _WEIGHTS.search(line):
            out = Logged(weights_gib=float(m.group(1)))     # a new start-up begins here
        elif m := _POOL.search(line):
            out.kv_pool_gib = float(m.group(1))
        elif m := _TOKENS.search(line):
            out.kv_tokens = int(m.group(1).replace(",", ""))
        elif m := _CONCURRENCY.search(line):
            out.max_model_len = int(m.group(1).replace(",", ""))
            out.max_concurrency = float(m.group(2))
        elif m := _REFUSED.search(line):
            out.refused = line[m.start():].strip()
    return out


@dataclass(frozen=True)
class Row:
    what: str
    predicted: float | str | None
    logged: float | str | None

    @property
    def error(self) -> float | None:
        """(predicted - logged) / logged, for numbers both sides have."""
        if isinstance(self.predicted, (int, float)) and isinstance(self.logged, (int, float)) and self.logged:
            return (self.predicted - self.logged) / abs(self.logged)
        return None


def compare(mp: ModelPlan, logged: Logged) -> list[Row]:
    """One row per quantity vLLM logs, per GPU as it logs them (the concurrency per engine)."""
    e = mp.fit.estimate
    started = None if mp.fit.fits is None else ("starts" if mp.fit.fits else "refused")
    rows = [Row("start", started, None if logged.started is None else "starts" if logged.started else "refused")]
    if e is not None:
        rows += [Row("weights per GPU, GiB", round(e.weights_gib, 2), logged.weights_gib),
                 Row("KV cache pool per GPU, GiB", round(e.kv_pool_gib, 2), logged.kv_pool_gib),
                 Row("KV cache tokens", e.kv_tokens, logged.kv_tokens),
                 Row(f"concurrency at {e.max_model_len:,} tokens", round(e.max_concurrency, 2),
                     logged.max_concurrency if logged.max_model_len in (None, e.max_model_len) else None)]
    return rows


def rows_json(model: str, env: str, rows: list[Row], logged: Logged, kept: dict | None = None) -> dict:
    return {"model": model, "environment": env, "refused": logged.refused, "kept": kept,
            "rows": [{"what": r.what, "predicted": r.predicted, "logged": r.logged,
                      "error": None if r.error is None else round(r.error, 4)} for r in rows]}


def measurement(env: EnvPlan, mp: ModelPlan, logged: Logged, text: str) -> dict | None:
    """What `--keep` writes into the model's `measured`: the logged weights, and the
    activation and non-torch memory the log implies (what gpu-memory-utilization allows, less
    the weights, the logged KV pool and, where this vLLM takes them first, the CUDA graphs);
    None when the log lacks the weights or the pool, or the model has no pool here."""
    pool = next((p for p in env.pools if p.name == mp.fit.pool), None)
    if pool is None or logged.weights_gib is None or logged.kv_pool_gib is None:
        return None
    s = serving_for(mp.model, pool, env.target.vllm)
    graphs = s.engine.graphs_gib if s.engine.graphs_before_kv and not s.enforce_eager else 0.0
    overhead = s.gpu_gib * s.utilization - logged.weights_gib - logged.kv_pool_gib - graphs
    import hashlib
    return {"gpu": pool.pool.gpu, "gpus": s.tp, "vllm": catalog.vllm_minor(env.target.vllm), "weightsGiB": round(logged.weights_gib, 2),
            "overheadGiB": round(overhead, 2),
            "log": "sha256:" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:12]}
