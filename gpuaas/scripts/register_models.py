#!/usr/bin/env python3
"""Register the portfolio's models in Model Registry (REST API /api/model_registry/v1alpha3).

Runs inside the registration Job (mounted from a ConfigMap, standard library only).
Configuration comes from the environment:

  REGISTRY_URL         base URL of the registry's REST service, e.g.
                       https://gpuaas-registry.rhoai-model-registries.svc:8443
  MODELS_FILE          the JSON document gpuaas renders (default /opt/gpuaas/models.json)
  REGISTRY_TOKEN_FILE  optional bearer token file (default: the pod's ServiceAccount token,
                       when it exists); kube-rbac-proxy in front of the registry checks it
  REGISTRY_CA_FILE     optional CA bundle for https (default: the OpenShift service CA,
                       when it exists)
  WAIT_SECONDS         how long to wait for the registry to answer at all (default 600):
                       the Job starts while the operator is still rolling the registry out

For every model in MODELS_FILE it makes sure these exist, in this order:
  registered model (by name) -> model version (by name, under the registered model)
  -> model artifact (by name, under the version) -> serving environment (by name)
  -> inference service (by name, under the serving environment, pointing at the version).
An entity that exists is compared with what the document says: only fields that differ are
sent (PATCH), and custom properties are merged, so properties another writer added (the
evaluation's results) stay. A re-run with the same document sends no POST and no PATCH.
gpuaas names a version by a digest of what makes the model (source, revision, precision,
GPUs, pools, storage, vLLM arguments): a changed model is a new version, and the inference
service is moved to it; the old version stays as history.

`--publish RESULTS` is the evaluation's half: RESULTS is a JSON document
{"registeredModel": name, "version": name, "customProperties": {...}}; the properties are
merged into that version.

Output: one line per entity ("created|updated|unchanged <kind> <name>"), then the summary
"registered N models: C created, U updated, K unchanged". Exit codes: 0 done, 1 the
registry refused or never answered, 2 configuration error. Errors are one line on stderr:
"register_models: error: ...".
"""
from __future__ import annotations

import json
import os
import ssl
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

API = "/api/model_registry/v1alpha3"
SA_TOKEN = "/var/run/secrets/kubernetes.io/serviceaccount/token"
SERVICE_CA = "/var/run/secrets/kubernetes.io/serviceaccount/service-ca.crt"


class Failure(Exception):
    exit_code = 1


class ConfigError(Failure):
    exit_code = 2


def metadata_value(value):
    """A plain JSON value as the registry's MetadataValue."""
    if isinstance(value, bool):
        return {"metadataType": "MetadataBoolValue", "bool_value": value}
    if isinstance(value, int):
        return {"metadataType": "MetadataIntValue", "int_value": str(value)}
    if isinstance(value, float):
        return {"metadataType": "MetadataDoubleValue", "double_value": value}
    return {"metadataType": "MetadataStringValue", "string_value": str(value)}


def properties(plain):
    return {key: metadata_value(value) for key, value in sorted((plain or {}).items())}


class Registry:
    def __init__(self, url, token=None, context=None, wait=600.0):
        self.base = url.rstrip("/") + API
        self.token, self.context, self.wait = token, context, wait
        self.counts = {"created": 0, "updated": 0, "unchanged": 0}
        self.answered = False

    def call(self, method, path, body=None, query=None):
        """(status, JSON body); 404 is an answer, not an error (find* says "no such entity")."""
        url = self.base + path
        if query:
            url += "?" + urllib.parse.urlencode(query)
        data = None if body is None else json.dumps(body).encode()
        headers = {"Accept": "application/json"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        deadline = time.monotonic() + self.wait
        while True:
            request = urllib.request.Request(url, data=data, method=method, headers=headers)
            try:
                with urllib.request.urlopen(request, timeout=30, context=self.context) as resp:
                    self.answered = True
                    return resp.status, json.loads(resp.read() or b"null")
            except urllib.error.HTTPError as exc:
                text = exc.read().decode(errors="replace")
                # 503 while the registry's database comes up; retried like no answer at all
                if exc.code != 503 or time.monotonic() > deadline:
                    self.answered = True
                    if exc.code == 404:
                        return 404, None
                    raise Failure(f"{method} {path}: HTTP {exc.code}: {text[:300]}") from None
            except (urllib.error.URLError, OSError) as exc:
                if self.answered or time.monotonic() > deadline:
                    raise Failure(f"{method} {path}: {exc}") from None
            time.sleep(5)

    def find(self, kind, name, parent=None):
        query = {"name": name}
        if parent is not None:
            query["parentResourceId"] = parent
        status, body = self.call("GET", f"/{kind}", query=query)
        return body if status == 200 else None

    def ensure(self, kind, collection, existing, desired, label, create_path=None):
        """Create `desired` or bring `existing` to it; returns the entity."""
        if existing is None:
            _, body = self.call("POST", create_path or f"/{collection}", body=desired)
            self.report("created", kind, label)
            return body
        change = {}
        for key, value in desired.items():
            if key in ("name", "registeredModelId", "servingEnvironmentId", "artifactType"):
                continue   # set at creation; the API does not change them
            if key == "customProperties":
                merged = {**existing.get(key, {}), **value}
                if merged != existing.get(key, {}):
                    change[key] = merged
            elif existing.get(key) != value:
                change[key] = value
        if not change:
            self.report("unchanged", kind, label)
            return existing
        _, body = self.call("PATCH", f"/{collection}/{existing['id']}", body=change)
        self.report("updated", kind, label)
        return body

    def report(self, what, kind, label):
        self.counts[what] += 1
        print(f"{what} {kind} {label}", flush=True)


def register(registry, doc):
    env = doc["servingEnvironment"]
    serving_env = registry.ensure(
        "serving environment", "serving_environments", registry.find("serving_environment", env["name"]),
        {"name": env["name"], "description": env.get("description", ""),
         "customProperties": properties(env.get("customProperties"))}, env["name"])
    for model in doc["models"]:
        name = model["name"]
        rm = registry.ensure(
            "registered model", "registered_models", registry.find("registered_model", name),
            {"name": name, "description": model.get("description", ""), "state": "LIVE",
             "customProperties": properties(model.get("customProperties"))}, name)
        v = model["version"]
        version = registry.ensure(
            "model version", "model_versions",
            registry.find("model_version", v["name"], parent=rm["id"]),
            {"name": v["name"], "registeredModelId": rm["id"], "description": v.get("description", ""),
             "author": v.get("author", "gpuaas"), "state": "LIVE",
             "customProperties": properties(v.get("customProperties"))}, f"{name}/{v['name']}")
        a = model["artifact"]
        status, listing = registry.call("GET", f"/model_versions/{version['id']}/artifacts",
                                        query={"name": a["name"]})
        found = next((item for item in (listing or {}).get("items", [])
                      if item.get("name") == a["name"]), None) if status == 200 else None
        desired = {"artifactType": "model-artifact", "name": a["name"],
                   **{k: a[k] for k in sorted(a) if k not in ("name", "customProperties")},
                   "customProperties": properties(a.get("customProperties"))}
        if found is None:
            registry.ensure("model artifact", "model_artifacts", None, desired, a["name"],
                            create_path=f"/model_versions/{version['id']}/artifacts")
        else:
            registry.ensure("model artifact", "model_artifacts", found, desired, a["name"])
        s = model["inferenceService"]
        registry.ensure(
            "inference service", "inference_services",
            registry.find("inference_service", s["name"], parent=serving_env["id"]),
            {"name": s["name"], "registeredModelId": rm["id"], "servingEnvironmentId": serving_env["id"],
             "modelVersionId": version["id"], "runtime": s.get("runtime", ""),
             "desiredState": s.get("desiredState", "DEPLOYED"),
             "customProperties": properties(s.get("customProperties"))}, s["name"])
    c = registry.counts
    print(f"registered {len(doc['models'])} models: {c['created']} created, {c['updated']} updated, "
          f"{c['unchanged']} unchanged", flush=True)


def publish(registry, results):
    """Merge results into the version the model is registered with."""
    name, version_name = results["registeredModel"], results["version"]
    rm = registry.find("registered_model", name)
    if rm is None:
        raise Failure(f"registered model {name!r} not found: run the registration Job first")
    version = registry.find("model_version", version_name, parent=rm["id"])
    if version is None:
        raise Failure(f"model version {name}/{version_name} not found: run the registration Job first")
    registry.ensure("model version", "model_versions", version,
                    {"customProperties": properties(results.get("customProperties"))},
                    f"{name}/{version_name}")


def read_json(path, what):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read {what} {path}: {exc}") from None


def connect(environ):
    url = environ.get("REGISTRY_URL", "")
    if not url.startswith(("http://", "https://")):
        raise ConfigError("REGISTRY_URL must be the registry's http(s) base URL")
    token_file = environ.get("REGISTRY_TOKEN_FILE") or (SA_TOKEN if os.path.exists(SA_TOKEN) else "")
    token = None
    if token_file:
        try:
            with open(token_file, encoding="utf-8") as f:
                token = f.read().strip()
        except OSError as exc:
            raise ConfigError(f"cannot read REGISTRY_TOKEN_FILE: {exc}") from None
    context = None
    if url.startswith("https://"):
        ca = environ.get("REGISTRY_CA_FILE") or (SERVICE_CA if os.path.exists(SERVICE_CA) else None)
        context = ssl.create_default_context(cafile=ca)
    try:
        wait = float(environ.get("WAIT_SECONDS", "600"))
    except ValueError:
        raise ConfigError("WAIT_SECONDS must be a number of seconds") from None
    return Registry(url, token, context, wait)


def main(argv=None, environ=None):
    argv = sys.argv[1:] if argv is None else argv
    environ = os.environ if environ is None else environ
    try:
        if argv[:1] == ["--publish"]:
            if len(argv) != 2:
                raise ConfigError("usage: register_models.py --publish RESULTS.json")
            registry = connect(environ)
            publish(registry, read_json(argv[1], "results"))
        elif argv:
            raise ConfigError(f"unknown arguments {argv}: run without arguments, or --publish FILE")
        else:
            registry = connect(environ)
            register(registry, read_json(environ.get("MODELS_FILE", "/opt/gpuaas/models.json"),
                                         "MODELS_FILE"))
    except Failure as exc:
        print(f"register_models: error: {exc}", file=sys.stderr)
        return exc.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
