#!/usr/bin/env python3
"""Turn a GuideLLM report into the properties published to the model's registry version.

Runs in the benchmark Job after GuideLLM (standard library only):

  benchmark_results.py REPORT.json [--metrics URL] > results.json
  register_models.py --publish results.json

Environment: REGISTERED_MODEL and MODEL_VERSION (the registry names gpuaas rendered).
For each rate GuideLLM ran (constant requests per second) it writes, with <r> the rate:
  benchmark.<r>rps.ttft_ms_p50 / ttft_ms_p95       time to first token
  benchmark.<r>rps.itl_ms_p50 / itl_ms_p95         inter-token latency
  benchmark.<r>rps.output_tokens_per_s             output throughput (mean)
  benchmark.<r>rps.requests_per_s                  completed requests per second (mean)
  benchmark.<r>rps.requests_ok / requests_failed   counts
and benchmark.tool (GuideLLM and its version). What the model held, as observed:
  observed.max_concurrency        the most requests it served at once (GuideLLM's
                                  request_concurrency, the highest of the rates)
  observed.kv_cache_tokens        with --metrics (the model's /metrics, the token in
                                  API_TOKEN): vLLM's vllm:cache_config_info, num_gpu_blocks x
                                  block_size (vllm/v1/metrics/loggers.py log_metrics_info)
and prints "GPU KV cache size: N tokens" as vLLM does, so `oc logs` of this container goes to
`gpuaas calibrate` like a start-up log. Prints the properties as a table on stderr.
Exit codes: 0 done, 1 a report without benchmarks, 2 configuration error.
"""
from __future__ import annotations

import json
import os
import re
import ssl
import sys
import urllib.request

# vllm:cache_config_info{block_size="16",...,num_gpu_blocks="9789",...} 1.0
_INFO = re.compile(r'^vllm:cache_config_info\{(?P<labels>[^}]*)\}', re.MULTILINE)
_LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def rate_label(rate) -> str:
    return f"{rate:g}" if isinstance(rate, (int, float)) else str(rate)


def summarise(report: dict) -> dict:
    props: dict[str, object] = {}
    version = (report.get("metadata") or {}).get("guidellm_version")
    props["benchmark.tool"] = f"guidellm {version}" if version else "guidellm"
    peak = 0.0
    for bench in report.get("benchmarks") or []:
        strategy = (bench.get("config") or {}).get("strategy") or {}
        key = f"benchmark.{rate_label(strategy.get('rate', strategy.get('type_', '?')))}rps"
        m = bench["metrics"]

        def stat(name, which, m=m):
            ok = m[name]["successful"]
            value = ok["median"] if which == "p50" else ok["percentiles"][which] if which != "mean" else ok["mean"]
            return round(float(value), 3)

        props[f"{key}.ttft_ms_p50"] = stat("time_to_first_token_ms", "p50")
        props[f"{key}.ttft_ms_p95"] = stat("time_to_first_token_ms", "p95")
        props[f"{key}.itl_ms_p50"] = stat("inter_token_latency_ms", "p50")
        props[f"{key}.itl_ms_p95"] = stat("inter_token_latency_ms", "p95")
        props[f"{key}.output_tokens_per_s"] = stat("output_tokens_per_second", "mean")
        props[f"{key}.requests_per_s"] = stat("requests_per_second", "mean")
        totals = m.get("request_totals") or {}
        props[f"{key}.requests_ok"] = int(totals.get("successful", 0))
        props[f"{key}.requests_failed"] = int(totals.get("errored", 0)) + int(totals.get("incomplete", 0))
        concurrency = (m.get("request_concurrency") or {}).get("successful") or {}
        if concurrency.get("max") is not None:
            peak = max(float(concurrency["max"]), peak)
            props["observed.max_concurrency"] = round(peak, 2)
    return props


def kv_tokens(metrics: str) -> int | None:
    """The KV cache's tokens from vLLM's /metrics: num_gpu_blocks x block_size of the first
    engine's cache_config_info; None when the text has none."""
    found = _INFO.search(metrics)
    if not found:
        return None
    labels = dict(_LABEL.findall(found.group("labels")))
    try:
        return int(labels["num_gpu_blocks"]) * int(labels["block_size"])
    except (KeyError, ValueError):
        return None


def scrape(url: str, token: str | None) -> str:
    """The model's /metrics, as the benchmark reached it (certificates unverified, as
    GuideLLM's backend was told: the in-cluster endpoint's certificate is the service CA's)."""
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    context = ssl._create_unverified_context()      # noqa: S323 - as the benchmark itself
    with urllib.request.urlopen(request, timeout=30, context=context) as response:
        return response.read(16 * 1024 * 1024).decode("utf-8", "replace")


def main(argv=None, environ=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    environ = os.environ if environ is None else environ
    model, version = environ.get("REGISTERED_MODEL"), environ.get("MODEL_VERSION")
    metrics_url = None
    if len(argv) == 3 and argv[1] == "--metrics":
        argv, metrics_url = argv[:1], argv[2]
    if len(argv) != 1 or not model or not version:
        print("benchmark_results: error: usage: REGISTERED_MODEL=... MODEL_VERSION=... "
              "benchmark_results.py REPORT.json [--metrics URL]", file=sys.stderr)
        return 2
    try:
        with open(argv[0], encoding="utf-8") as f:
            report = json.load(f)
        props = summarise(report)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        print(f"benchmark_results: error: cannot read the GuideLLM report {argv[0]}: {exc!r}",
              file=sys.stderr)
        return 1
    if len(props) == 1:
        print(f"benchmark_results: error: {argv[0]} holds no benchmark", file=sys.stderr)
        return 1
    if metrics_url:
        try:
            tokens = kv_tokens(scrape(metrics_url, environ.get("API_TOKEN")))
        except (OSError, ValueError) as exc:     # no /metrics through this route: not a failure
            print(f"benchmark_results: no KV cache observed: {metrics_url}: {exc}", file=sys.stderr)
            tokens = None
        if tokens is not None:
            props["observed.kv_cache_tokens"] = tokens
            print(f"GPU KV cache size: {tokens:,} tokens (vllm:cache_config_info)", file=sys.stderr)
    for key, value in props.items():
        print(f"{key:45} {value}", file=sys.stderr)
    json.dump({"registeredModel": model, "version": version, "customProperties": props},
              sys.stdout, indent=2, sort_keys=True)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
