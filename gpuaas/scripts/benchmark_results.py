#!/usr/bin/env python3
"""Turn a GuideLLM report into the properties published to the model's registry version.

Runs in the benchmark Job after GuideLLM (standard library only):

  benchmark_results.py REPORT.json > results.json
  register_models.py --publish results.json

Environment: REGISTERED_MODEL and MODEL_VERSION (the registry names gpuaas rendered).
For each rate GuideLLM ran (constant requests per second) it writes, with <r> the rate:
  benchmark.<r>rps.ttft_ms_p50 / ttft_ms_p95       time to first token
  benchmark.<r>rps.itl_ms_p50 / itl_ms_p95         inter-token latency
  benchmark.<r>rps.output_tokens_per_s             output throughput (mean)
  benchmark.<r>rps.requests_per_s                  completed requests per second (mean)
  benchmark.<r>rps.requests_ok / requests_failed   counts
and benchmark.tool (GuideLLM and its version). Prints the properties as a table on stderr.
Exit codes: 0 done, 1 a report without benchmarks, 2 configuration error.
"""
from __future__ import annotations

import json
import os
import sys


def rate_label(rate) -> str:
    return f"{rate:g}" if isinstance(rate, (int, float)) else str(rate)


def summarise(report: dict) -> dict:
    props: dict[str, object] = {}
    version = (report.get("metadata") or {}).get("guidellm_version")
    props["benchmark.tool"] = f"guidellm {version}" if version else "guidellm"
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
    return props


def main(argv=None, environ=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    environ = os.environ if environ is None else environ
    model, version = environ.get("REGISTERED_MODEL"), environ.get("MODEL_VERSION")
    if len(argv) != 1 or not model or not version:
        print("benchmark_results: error: usage: REGISTERED_MODEL=... MODEL_VERSION=... "
              "benchmark_results.py REPORT.json", file=sys.stderr)
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
    for key, value in props.items():
        print(f"{key:45} {value}", file=sys.stderr)
    json.dump({"registeredModel": model, "version": version, "customProperties": props},
              sys.stdout, indent=2, sort_keys=True)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
