#!/usr/bin/env python3
"""Wait for an LMEvalJob and turn its scores into the properties published to the model's
registry version (standard library only):

  lmeval_results.py > results.json && register_models.py --publish results.json

Environment:
  LMEVALJOB, NAMESPACE       the LMEvalJob gpuaas rendered
  REGISTERED_MODEL, MODEL_VERSION   the registry names of the model and its version
  KUBE_API                   optional API server URL (default: the in-cluster one)
  KUBE_TOKEN_FILE, KUBE_CA_FILE     optional (default: the pod's ServiceAccount token and CA)
  WAIT_SECONDS               how long to wait for the evaluation (default 86400)
  POLL_SECONDS               between two reads (default 30)

The LMEvalJob is read until its state is Complete; a reason other than Succeeded, or no
results, is an error. Each task's numeric scores become `lmeval.<task>.<metric>` (lm-eval's
",none" filter suffix dropped; standard errors left out), plus lmeval.tasks.
Exit codes: 0 done, 1 the evaluation failed or never finished, 2 configuration error.
"""
from __future__ import annotations

import json
import os
import ssl
import sys
import time
import urllib.error
import urllib.request

SA_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"
GROUP = "/apis/trustyai.opendatahub.io/v1alpha1"


class Failure(Exception):
    exit_code = 1


class ConfigError(Failure):
    exit_code = 2


def scores(results_text: str) -> dict:
    try:
        results = json.loads(results_text)["results"]
    except (ValueError, KeyError, TypeError) as exc:
        raise Failure(f"the LMEvalJob's results are not lm-eval's JSON: {exc!r}") from None
    props: dict[str, object] = {"lmeval.tasks": ", ".join(sorted(results))}
    for task, metrics in sorted(results.items()):
        for key, value in sorted(metrics.items()):
            metric = key.split(",")[0]
            if isinstance(value, bool) or not isinstance(value, (int, float)) or "stderr" in metric:
                continue
            props[f"lmeval.{task}.{metric}"] = round(float(value), 6)
    return props


def read_job(api: str, namespace: str, name: str, token: str | None, context) -> dict:
    request = urllib.request.Request(f"{api}{GROUP}/namespaces/{namespace}/lmevaljobs/{name}",
                                     headers={"Accept": "application/json"})
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30, context=context) as resp:
            return json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        raise Failure(f"reading LMEvalJob {namespace}/{name}: HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise Failure(f"reading LMEvalJob {namespace}/{name}: {exc}") from None


def wait_for_results(environ) -> dict:
    name, namespace = environ.get("LMEVALJOB"), environ.get("NAMESPACE")
    if not name or not namespace:
        raise ConfigError("LMEVALJOB and NAMESPACE name the LMEvalJob to wait for")
    api = environ.get("KUBE_API")
    if not api:
        host, port = environ.get("KUBERNETES_SERVICE_HOST"), environ.get("KUBERNETES_SERVICE_PORT", "443")
        if not host:
            raise ConfigError("KUBE_API is not set and this is not a pod (no KUBERNETES_SERVICE_HOST)")
        api = f"https://{host}:{port}"
    token_file = environ.get("KUBE_TOKEN_FILE") or f"{SA_DIR}/token"
    token = open(token_file, encoding="utf-8").read().strip() if os.path.exists(token_file) else None
    context = None
    if api.startswith("https://"):
        ca = environ.get("KUBE_CA_FILE") or f"{SA_DIR}/ca.crt"
        context = ssl.create_default_context(cafile=ca if os.path.exists(ca) else None)
    try:
        wait, poll = float(environ.get("WAIT_SECONDS", "86400")), float(environ.get("POLL_SECONDS", "30"))
    except ValueError:
        raise ConfigError("WAIT_SECONDS and POLL_SECONDS are numbers of seconds") from None
    deadline = time.monotonic() + wait
    while True:
        status = read_job(api, namespace, name, token, context).get("status") or {}
        state = status.get("state", "New")
        if state == "Complete":
            if status.get("reason") != "Succeeded":
                raise Failure(f"LMEvalJob {name} ended {status.get('reason')}: {status.get('message', '')}")
            if not status.get("results"):
                raise Failure(f"LMEvalJob {name} is complete but holds no results")
            return scores(status["results"])
        if state == "Cancelled":
            raise Failure(f"LMEvalJob {name} was cancelled")
        if time.monotonic() > deadline:
            raise Failure(f"LMEvalJob {name} still {state} after {wait:g} s")
        print(f"LMEvalJob {name}: {state}", file=sys.stderr, flush=True)
        time.sleep(poll)


def main(environ=None) -> int:
    environ = os.environ if environ is None else environ
    try:
        model, version = environ.get("REGISTERED_MODEL"), environ.get("MODEL_VERSION")
        if not model or not version:
            raise ConfigError("REGISTERED_MODEL and MODEL_VERSION name the registry version")
        props = wait_for_results(environ)
    except Failure as exc:
        print(f"lmeval_results: error: {exc}", file=sys.stderr)
        return exc.exit_code
    json.dump({"registeredModel": model, "version": version, "customProperties": props},
              sys.stdout, indent=2, sort_keys=True)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
