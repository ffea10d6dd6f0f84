"""Argo CD syncing a rendered tree: the ApplicationSet, the umbrella and child Applications,
their automated syncs, waves, health and retries.

Followed from the source (argoproj/argo-cd@37ee0097, whose gitops-engine/ is the sync engine;
the standalone argoproj/gitops-engine@5baed560 behaves the same in what is modelled here):
- Sync() (gitops-engine/pkg/sync/sync_context.go): tasks sorted by phase, wave, kind order
  (sync_tasks.go kindOrder) and name, a Namespace moved before the first object in it; one
  wave applied per step; a non-hook object is done when Healthy or without a health check;
  Degraded fails the operation; the operation waits for running tasks only when it spans
  more than one wave, so the last wave is never waited for; a kind the API server does not
  know fails the dry run unless SkipDryRunOnMissingResource, and then fails the apply.
- Retries (controller/appcontroller.go processRequestedAppOperation, types.go NextRetryAt):
  automated syncs retry 5 times by default (5 s x 2^n, at most 3 min), or as syncPolicy.retry
  says; when they are spent, autoSync never tries that revision again (alreadyAttemptedSync).
- Application health (controller/health.go setApplicationHealth): the worst of its resources'
  (Healthy < Suspended < Progressing < Missing < Degraded < Unknown), skipping resources with
  no health check, and child Applications that are Missing; a missing resource counts as
  Missing (Argo CD 3.3 and earlier, which OpenShift GitOps ships).
- Health checks: the tree's resourceHealthChecks (run in Lua 5.1, as gopher-lua does) over
  Argo CD's built-in ones; built-in Go checks for Job, Deployment and PVC (pkg/health/
  health_job.go, health_deployment.go, health_pvc.go). Argo CD has no built-in check for any
  other kind this tree renders (resource_customizations/ holds only Subscription and
  InferenceService, both replaced by the tree's).
- ApplicationSet list generator with goTemplate: one Application per element.
- Hooks: none are rendered; the model refuses a tree that has one rather than guess.
"""
from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from gpuaas.validate import engines

from .cluster import ApplyError, Cluster, Key, key_of

IN_CLUSTER = "https://kubernetes.default.svc"
ORDER = ["Healthy", "Suspended", "Progressing", "Missing", "Degraded", "Unknown"]
KIND_ORDER = ["Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange", "PodSecurityPolicy",
              "PodDisruptionBudget", "ServiceAccount", "Secret", "SecretList", "ConfigMap",
              "StorageClass", "PersistentVolume", "PersistentVolumeClaim",
              "CustomResourceDefinition", "ClusterRole", "ClusterRoleList", "ClusterRoleBinding",
              "ClusterRoleBindingList", "Role", "RoleList", "RoleBinding", "RoleBindingList",
              "Service", "DaemonSet", "Pod", "ReplicationController", "ReplicaSet", "Deployment",
              "HorizontalPodAutoscaler", "StatefulSet", "Job", "CronJob", "IngressClass",
              "Ingress", "APIService"]
DEFAULT_RETRY = {"limit": 5}
DEFAULT_BACKOFF = {"duration": "5s", "factor": 2, "maxDuration": "3m"}


def seconds(text: str | int) -> float:
    if isinstance(text, (int, float)):
        return float(text)
    total = 0.0
    for number, unit in re.findall(r"(\d+(?:\.\d+)?)([hms]?)", text):
        total += float(number) * {"h": 3600, "m": 60, "s": 1, "": 1}[unit]
    return total


def kind_rank(kind: str) -> int:
    return KIND_ORDER.index(kind) - len(KIND_ORDER) if kind in KIND_ORDER else 0


def wave(doc: dict) -> int:
    return int(((doc.get("metadata") or {}).get("annotations") or {}).get("argocd.argoproj.io/sync-wave", "0"))


def option(doc: dict, name: str) -> bool:
    opts = ((doc.get("metadata") or {}).get("annotations") or {}).get("argocd.argoproj.io/sync-options", "")
    return name in [o.strip() for o in opts.split(",")]


class Health:
    """Health of live objects: the tree's Lua checks over the built-in ones."""

    def __init__(self, checks: dict[str, str]):
        from lupa.lua51 import LuaRuntime
        self.lua = LuaRuntime(unpack_returned_tuples=True)
        self.checks = {gk: self.lua.eval(f"function(obj)\n{src}\nend") for gk, src in checks.items()}
        self.cache: dict[tuple[Key, int], tuple[str, str] | None] = {}

    def _table(self, value):
        if isinstance(value, dict):
            return self.lua.table_from({k: self._table(v) for k, v in value.items()})
        if isinstance(value, list):
            return self.lua.table_from([self._table(v) for v in value])
        return value

    def run(self, group_kind: str, view: dict) -> tuple[str, str]:
        """The tree's check of that kind on an object as Argo CD hands it over."""
        result = self.checks[group_kind](self._table(view))
        return result["status"], result["message"] or ""

    def of(self, obj) -> tuple[str, str] | None:
        if (obj.key, obj.version) in self.cache:
            return self.cache[(obj.key, obj.version)]
        group, kind = obj.key[:2]
        if f"{group}/{kind}" in self.checks:
            out: tuple[str, str] | None = self.run(f"{group}/{kind}", obj.view())
        else:
            out = builtin(kind, obj)
        self.cache[(obj.key, obj.version)] = out
        return out


def builtin(kind: str, obj) -> tuple[str, str] | None:
    status = obj.status
    if kind == "Job":
        for c in status.get("conditions") or []:
            if c["type"] == "Failed" and c["status"] == "True":
                return "Degraded", c.get("message", "")
            if c["type"] == "Complete" and c["status"] == "True":
                return "Healthy", ""
        return "Progressing", "running"
    if kind == "Deployment":
        replicas = obj.spec.get("replicas", 1)
        if status.get("availableReplicas", 0) < replicas:
            return "Progressing", "waiting for rollout"
        return "Healthy", ""
    if kind == "PersistentVolumeClaim":
        phase = status.get("phase")
        return ("Healthy", "") if phase == "Bound" else ("Degraded", "lost") if phase == "Lost" \
            else ("Progressing", "pending")
    return None


@dataclass
class Task:
    key: Key
    doc: dict | None            # None: prune
    wave: int
    state: str = "pending"      # pending | running | succeeded | failed
    message: str = ""

    def sort_key(self):
        return (self.wave, kind_rank(self.key[1]), self.key[1], self.key[3])


@dataclass
class Operation:
    revision: int
    retries: int = 0
    tasks: list[Task] | None = None
    not_before: float = 0.0
    phase: str = "Running"
    message: str = ""


@dataclass
class App:
    name: str
    obj_key: Key                # the Application object, in Argo CD's cluster
    attempted: tuple[int, str] | None = None     # (revision, phase) of the last operation
    op: Operation | None = None
    history: list[str] = field(default_factory=list)


class ArgoCD:
    def __init__(self, repo: "Repo", clusters: dict[str, Cluster], health: Health, namespace: str,
                 secrets: list[dict] = ()):
        self.repo, self.clusters, self.health, self.ns = repo, clusters, health, namespace
        # Argo CD's cluster Secrets: {name, server, labels}, what its cluster generator selects
        self.secrets = list(secrets)
        self.home = clusters[IN_CLUSTER]
        self.apps: dict[str, App] = {}
        self.desired_cache: dict[tuple, list[dict]] = {}

    # --- the ApplicationSet controller -------------------------------------------------

    def params(self, gen: dict) -> list[dict]:
        """A generator's parameter sets (applicationset/generators/list.go, cluster.go,
        merge.go): list elements; the cluster Secrets whose labels match, with `values`; a
        merge of those by `mergeKeys`, later generators deep-merged over the first (mergo)."""
        if "list" in gen:
            return [dict(e) for e in gen["list"]["elements"]]
        if "clusters" in gen:
            wanted = gen["clusters"].get("selector", {}).get("matchLabels", {})
            return [{"name": c["name"], "nameNormalized": c["name"], "server": c["server"],
                     "metadata": {"labels": c["labels"]}, "values": dict(gen["clusters"].get("values", {}))}
                    for c in self.secrets if all(c["labels"].get(k) == v for k, v in wanted.items())]
        if "merge" in gen:
            keys = gen["merge"]["mergeKeys"]
            base, *others = [self.params(g) for g in gen["merge"]["generators"]]
            for other in others:
                by_key = {json.dumps([o.get(k) for k in keys]): o for o in other}
                for item in base:
                    over = by_key.get(json.dumps([item.get(k) for k in keys]))
                    if over:
                        merge(item, over)
            return base
        raise AssertionError(f"a generator the model does not evaluate: {sorted(gen)}")

    def generate(self) -> None:
        for appset in self.home.get("argoproj.io", "ApplicationSet", self.ns):
            for gen in appset.spec["generators"]:
                for element in self.params(gen):
                    text = json.dumps(appset.spec["template"])

                    def field(m, element=element):
                        value = element
                        for part in m.group(1).split("."):
                            value = value[part]     # missingkey=error
                        return str(value)
                    text = re.sub(r"\{\{\s*\.([\w.]+)\s*\}\}", field, text)
                    assert "{{" not in text, "a Go template the model does not evaluate"
                    template = json.loads(text)
                    doc = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
                           "metadata": {**template["metadata"], "namespace": self.ns},
                           "spec": template["spec"]}
                    self.home.apply(doc, owner=appset.key[3])

    # --- what an Application wants -----------------------------------------------------

    def desired(self, spec: dict) -> list[dict]:
        source = spec["source"]
        cache_key = (self.repo.revision, json.dumps(source, sort_keys=True))
        if cache_key not in self.desired_cache:
            path = self.repo.path / source["path"]
            if "helm" in source:
                values: dict = {}
                for name in source["helm"].get("valueFiles", []):
                    merge(values, yaml.safe_load((path / name).read_text()) or {})
                for param in source["helm"].get("parameters", []):
                    set_path(values, param["name"], typed(param["value"]))
                text = engines.helm_template(path, values, "release", self.ns)
            else:
                built = engines.kustomize_builds([path])[path]
                if isinstance(built, Exception):
                    raise built
                text = built
            docs = [d for d in yaml.safe_load_all(text) if d]
            for doc in docs:
                if ((doc.get("metadata") or {}).get("annotations") or {}).get("argocd.argoproj.io/hook"):
                    raise AssertionError(f"hook {doc['metadata']['name']}: not modelled")
            self.desired_cache[cache_key] = docs
        return self.desired_cache[cache_key]

    # --- the application controller ----------------------------------------------------

    def reconcile(self, now: float) -> None:
        for obj in self.home.get("argoproj.io", "Application", self.ns):
            app = self.apps.setdefault(obj.key[3], App(obj.key[3], obj.key))
            self._reconcile(app, obj, now)

    def _target(self, obj) -> tuple[Cluster, str | None]:
        dest = obj.spec["destination"]
        return self.clusters[dest.get("server", IN_CLUSTER)], dest.get("namespace")

    def wanted(self, spec: dict, namespace: str | None) -> tuple[list[Key], list[dict], list[str]]:
        """Keys, documents as applied (namespace filled in) and their canonical text."""
        cache_key = ("wanted", self.repo.revision, json.dumps(spec["source"], sort_keys=True), namespace)
        if cache_key not in self.desired_cache:
            docs = []
            for d in self.desired(spec):
                d = copy.deepcopy(d)
                if namespace and _namespaced(d):
                    d["metadata"].setdefault("namespace", namespace)
                docs.append(d)
            keys = [key_of(d) for d in docs]
            self.desired_cache[cache_key] = (keys, docs, [canonical(d) for d in docs])
        return self.desired_cache[cache_key]

    def _reconcile(self, app: App, obj, now: float) -> None:
        cluster, namespace = self._target(obj)
        keys, docs, texts = self.wanted(obj.spec, namespace)
        owned = {k for k, o in cluster.objects.items() if o.owner == app.name}
        extra = {k for k in owned - set(keys)
                 if not option(cluster.objects[k].manifest, "Prune=false")}
        # an object tracked by another Application is OutOfSync here (and a shared resource)
        synced = not extra and all(k in cluster.objects and cluster.objects[k].text == text
                                   and cluster.objects[k].owner == app.name
                                   for k, text in zip(keys, texts))
        # health
        worst, message = "Healthy", ""
        for k in keys:
            live = cluster.objects.get(k)
            if live is None:
                if k[1] != "Application" and (self.health.checks.get(f"{k[0]}/{k[1]}") or
                                              k[1] in ("Job", "Deployment", "PersistentVolumeClaim")):
                    state, why = "Missing", f"{k[1]} {k[3]} missing"
                else:
                    continue
            else:
                found = self.health.of(live)
                if found is None:
                    continue
                state, why = found
                if k[1] == "Application" and state == "Missing":
                    continue
            if ORDER.index(state) > ORDER.index(worst):
                worst, message = state, f"{k[1]} {k[3]}: {why}"
        # automated sync
        policy = obj.spec.get("syncPolicy") or {}
        if app.op is None and "automated" in policy and not synced:
            if app.attempted is None or app.attempted[0] != self.repo.revision:
                app.op = Operation(self.repo.revision)
            elif app.attempted[1] == "Succeeded" and policy["automated"].get("selfHeal"):
                app.op = Operation(self.repo.revision)
        if app.op is not None:
            self._step(app, obj, cluster, namespace, docs, keys, extra, now)
        op = app.op
        phase = op.phase if op else (app.attempted[1] if app.attempted else None)
        obj.set_status({"health": {"status": worst, "message": message},
                        "sync": {"status": "Synced" if synced else "OutOfSync"},
                        **({"operationState": {"phase": phase}} if phase else {})})

    def _step(self, app: App, obj, cluster: Cluster, namespace, docs, keys, extra, now) -> None:
        op = app.op
        if now < op.not_before:
            return
        options = (obj.spec.get("syncPolicy") or {}).get("syncOptions") or []
        if op.tasks is None:
            if "CreateNamespace=true" in options and namespace and \
                    not cluster.get("", "Namespace", name=namespace):
                cluster.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}}, None)
            op.tasks = [Task(k, d, wave(d)) for k, d in zip(keys, docs)]
            op.tasks += [Task(k, None, wave(cluster.objects[k].manifest)) for k in extra]
            _namespaces_first(op.tasks)
            skip_all = "SkipDryRunOnMissingResource=true" in options
            invalid = [t for t in op.tasks if t.doc is not None and t.key[:2] not in cluster.kinds
                       and not (skip_all or option(t.doc, "SkipDryRunOnMissingResource=true"))]
            if invalid:
                return self._fail(app, obj, now, "one or more synchronization tasks are not valid: "
                                  + ", ".join(f"{t.key[1]} {t.key[3]}" for t in invalid))
        tasks = op.tasks
        for t in tasks:
            if t.state == "running":
                live = cluster.objects.get(t.key)
                found = self.health.of(live) if live is not None else None
                if live is None:
                    continue
                if found is None or found[0] == "Healthy":
                    t.state = "succeeded"
                elif found[0] == "Degraded":
                    t.state, t.message = "failed", found[1]
        last_wave = max(t.wave for t in tasks) if tasks else 0
        multistep = any(t.wave != last_wave for t in tasks)
        if multistep and any(t.state == "running" for t in tasks):
            return
        failed = [t for t in tasks if t.state == "failed"]
        if failed:
            return self._fail(app, obj, now, "; ".join(f"{t.key[1]} {t.key[3]}: {t.message}" for t in failed))
        pending = [t for t in tasks if t.state == "pending"]
        if not pending:
            return self._succeed(app)
        current = min(t.wave for t in pending)
        for t in sorted((t for t in pending if t.wave == current), key=Task.sort_key):
            if t.doc is None:
                cluster.delete(t.key)
                t.state = "succeeded"
                continue
            try:
                cluster.apply(t.doc, owner=app.name).owner = app.name
                t.state = "running"
            except ApplyError as exc:
                t.state, t.message = "failed", str(exc)
        if any(t.state == "failed" for t in tasks):
            return self._fail(app, obj, now, "one or more objects failed to apply")
        if current == last_wave:
            self._succeed(app)

    def _succeed(self, app: App) -> None:
        app.attempted = (app.op.revision, "Succeeded")
        app.history.append("Succeeded")
        app.op = None

    def _fail(self, app: App, obj, now: float, message: str) -> None:
        op = app.op
        retry = {**DEFAULT_RETRY, **((obj.spec.get("syncPolicy") or {}).get("retry") or {})}
        backoff = {**DEFAULT_BACKOFF, **(retry.get("backoff") or {})}
        limit = int(retry["limit"])
        app.history.append(f"Failed: {message}")
        if limit < 0 or op.retries < limit:
            wait = min(seconds(backoff["duration"]) * float(backoff["factor"]) ** op.retries,
                       seconds(backoff["maxDuration"]))
            op.retries += 1
            op.tasks, op.not_before, op.message = None, now + wait, message
            return
        app.attempted = (op.revision, "Failed")
        app.op = None


def _namespaced(doc: dict) -> bool:
    return doc["kind"] not in {"Namespace", "ClusterRole", "ClusterRoleBinding", "DataScienceCluster",
                               "Kueue", "ResourceFlavor", "ClusterQueue", "WorkloadPriorityClass",
                               "ClusterPolicy"}


def _namespaces_first(tasks: list[Task]) -> None:
    """adjustDeps: a Namespace takes the wave of the first object created in it."""
    for ns in [t for t in tasks if t.key[1] == "Namespace"]:
        inside = [t.wave for t in tasks if t.key[2] == ns.key[3] and t is not ns]
        if inside:
            ns.wave = min(ns.wave, min(inside))


def canonical(doc: dict) -> str:
    return json.dumps(doc, sort_keys=True)


def merge(base: dict, extra: dict) -> dict:
    for k, v in extra.items():
        if isinstance(v, dict) and isinstance(base.get(k), dict):
            merge(base[k], v)
        else:
            base[k] = copy.deepcopy(v)
    return base


def set_path(values: dict, dotted: str, value) -> None:
    parts = dotted.split(".")
    for part in parts[:-1]:
        values = values.setdefault(part, {})
    values[parts[-1]] = value


def typed(text: str):
    """helm --set: true/false and integers are typed."""
    if text in ("true", "false"):
        return text == "true"
    return int(text) if re.fullmatch(r"-?\d+", text) else text


@dataclass
class Repo:
    """The GitOps repository at its current commit, checked out at `path`."""
    path: Path
    revision: int = 0
