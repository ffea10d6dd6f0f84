"""Policy on the rendered objects, what the API server and the admission webhooks would
refuse or never admit: each object against its strict schema, per object (NAME_LENGTH,
GPU_REQUEST, QUEUE_LABEL) and across objects (QUEUE_COVERAGE)."""
from __future__ import annotations

import re
from pathlib import Path

from ..findings import Finding
from . import cel_rules
from .objects import Obj
from .schema_check import SchemaValidator

DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
ISVC_NAME_MAX = 53     # 63 minus KServe's "-predictor"


def schema_findings(obj: Obj, validator: SchemaValidator, strict: bool, stats: dict) -> list[Finding]:
    problems = validator.validate(obj.data)
    unserved = validator.unserved.get((obj.data.get("apiVersion"), obj.data.get("kind")))  # type: ignore[arg-type]
    if problems is None and unserved:
        overlay, served = unserved
        return [Finding(obj.file, obj.line, "NO_SCHEMA", f"{obj.data.get('apiVersion')} "
                        f"{obj.data.get('kind')} is not served by what this environment runs "
                        f"(the CRDs of {overlay} serve {', '.join(served)}): re-render, or set the "
                        "environment's release to one that serves it", "error", object=obj.ref)]
    if problems is None:
        return [Finding(obj.file, obj.line, "NO_SCHEMA", f"no schema for {obj.data.get('apiVersion')} "
                        f"{obj.data.get('kind')}: import its CRD from your cluster (`gpuaas schemas import "
                        "--from-cluster` or a CRD file) and pass --schemas",
                        "error" if strict else "warning", object=obj.ref)]
    stats["schemaChecked"] += 1
    out = []
    for p in problems:
        line, column = obj.locate(p.parts)
        out.append(Finding(obj.file, line, "SCHEMA", f"{obj.ref}: {p.path}: {p.message}",
                           column=column, object=obj.ref))
    schema = validator.cel_schema(obj.data["apiVersion"], obj.data["kind"])
    if not problems and schema is not None:  # the API server runs CEL on schema-valid objects
        for outcome in cel_rules.evaluate(obj.data, schema):
            stats["celViolations"] = stats.get("celViolations", 0) + outcome.violated
            line, column = obj.locate(outcome.path)
            where = ".".join(str(p) for p in outcome.path) or "<root>"
            out.append(Finding(obj.file, line, "CEL" if outcome.violated else "CEL_UNEVALUATED",
                               f"{obj.ref}: {where}: {outcome.message}",
                               "error" if outcome.violated else "warning", column, obj.ref))
    return out


def policy(objects: list[Obj]) -> list[Finding]:
    """Checks across objects, per environment: each one is a cluster of its own, and one
    without Kueue has no queue its InferenceServices must name."""
    out: list[Finding] = []
    facts: list[dict] = []
    for obj in objects:
        found, their_facts = object_policy(obj)
        out += found
        facts += their_facts
    return out + cross_policy(facts)


def object_policy(obj: Obj) -> tuple[list[Finding], list[dict]]:
    """The policy on one object, and the facts about it that the checks across objects
    need (kept in the cache with the file's results, as JSON)."""
    out: list[Finding] = []
    facts: list[dict] = []
    kind = obj.data.get("kind")
    env = _environment(obj)
    if kind == "ClusterQueue":
        covers = [str(r) for group in (obj.data.get("spec") or {}).get("resourceGroups") or []
                  for r in group.get("coveredResources") or []]
        facts.append({"fact": "covers", "env": env, "resources": covers})
    if kind == "LocalQueue":
        facts.append({"fact": "queue", "env": env})
    if kind == "Secret" and (obj.data.get("data") or obj.data.get("stringData")):
        out.append(Finding(obj.file, obj.line, "SECRET_VALUE", f"{obj.ref} carries data: the tree "
                           "holds Secret references only", object=obj.ref))
    if kind != "InferenceService":
        return out, facts
    meta = obj.data.get("metadata") or {}
    name = str(meta.get("name", ""))
    if len(name) > ISVC_NAME_MAX or not DNS_LABEL.match(name):
        out.append(Finding(obj.file, obj.line, "NAME_LENGTH", f"{obj.ref}: the name must be a "
                           f"DNS-1123 label of at most {ISVC_NAME_MAX} characters (KServe adds "
                           "-predictor)", object=obj.ref))
    labels = meta.get("labels") or {}
    model = ((obj.data.get("spec") or {}).get("predictor") or {}).get("model") or {}
    resources = model.get("resources") or {}
    requests, limits = resources.get("requests") or {}, resources.get("limits") or {}
    gpu_req, gpu_lim = requests.get("nvidia.com/gpu"), limits.get("nvidia.com/gpu")
    if not gpu_lim or str(gpu_lim) in ("0", "") or (gpu_req is not None and str(gpu_req) != str(gpu_lim)):
        out.append(Finding(obj.file, obj.line, "GPU_REQUEST", f"{obj.ref} must request "
                           "nvidia.com/gpu with limits = requests: CPU inference is never "
                           "allowed", object=obj.ref))
    facts.append({"fact": "isvc", "env": env, "file": obj.file, "line": obj.line, "ref": obj.ref,
                  "queued": bool(labels.get("kueue.x-k8s.io/queue-name")),
                  "asks": sorted(set(map(str, requests)) | set(map(str, limits)))})
    return out, facts


def cross_policy(facts: list[dict]) -> list[Finding]:
    """QUEUE_LABEL and QUEUE_COVERAGE: an InferenceService against its environment's
    LocalQueues and ClusterQueues."""
    out = []
    covered: dict[str | None, set[str]] = {}
    queues: set[str | None] = set()     # environments with a LocalQueue
    for fact in facts:
        if fact["fact"] == "covers":
            covered.setdefault(fact["env"], set()).update(fact["resources"])
        elif fact["fact"] == "queue":
            queues.add(fact["env"])
    for fact in facts:
        if fact["fact"] != "isvc":
            continue
        env, ref = fact["env"], fact["ref"]
        if env in queues and not fact["queued"]:
            out.append(Finding(fact["file"], fact["line"], "QUEUE_LABEL", f"{ref} has no "
                               "kueue.x-k8s.io/queue-name label: RHOAI's webhook denies it in a "
                               "Kueue-managed namespace", object=ref))
        if covered.get(env):
            for resource in sorted(set(fact["asks"]) - covered[env]):
                out.append(Finding(fact["file"], fact["line"], "QUEUE_COVERAGE", f"{ref} requests "
                                   f"{resource}, which the ClusterQueue does not cover: Kueue would "
                                   "never admit it", object=ref))
    return out


def _environment(obj: Obj) -> str | None:
    """<env> of a file at components/<env>/<component>/<file>; None for the charts."""
    parts = Path(obj.file).parts
    return parts[-3] if len(parts) >= 4 and parts[-4] == "components" else None
