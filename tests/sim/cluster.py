"""A cluster as a rendered tree meets it: the API server (kinds known or not, objects and their
status) and the controllers that move them, along a scripted timeline.

Each controller plays what its upstream source does, at the level a sync wave or a health
check can see:
- OLM: a Subscription resolves to an InstallPlan (RequiresApproval when Manual), an approved
  plan installs its CSV, whose CRDs then exist; the next version of the channel is offered at
  once (operator-lifecycle-manager, pkg/controller/operators/catalog/operator.go and
  subscription/state.go; the graph in sim/olm.py).
- The install plan approver Job runs the rendered script's logic (gpuaas/scripts/approve_installplan.sh).
- The Red Hat build of Kueue operator: Degraded=True (NoReplicasReady, UnavailableReplicas)
  while its controller starts, Available once it runs, nothing at all without cert-manager
  (openshift/kueue-operator@release-1.1, target_config_reconciler.go buildOperatorConditions, sync).
- OpenShift AI 3.0: the DataScienceCluster's components install their CRDs when Managed, its
  Ready condition follows them; with Kueue Unmanaged it creates the default ClusterQueue if
  missing and a LocalQueue into it in every Kueue-managed namespace
  (rhods-operator@rhoai-3.0, internal/controller/components/kueue/kueue_controller_actions.go).
- KServe RawDeployment: Ready follows the predictor Deployment's Available (a standby model's
  0 replicas are Available); an active model's pod is admitted by Kueue, waits in its init
  container for its upload, then loads (kserve@rhoai-3.0, inference_service_status.go
  PropagateRawStatus).
- Jobs, LMEvalJobs (state Complete with reason Succeeded/Failed: trustyai-service-operator
  lmevaljob_types.go), ModelRegistry (Available: model-registry-operator), PVCs, Deployments.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from .olm import CHANNELS, Entry, head_first, next_version

Key = tuple[str, str, str, str]          # group, kind, namespace, name

# What exists on an OpenShift cluster with OpenShift GitOps before any tree is applied.
BASE_KINDS = {
    ("", k) for k in ("Namespace", "ConfigMap", "Secret", "ServiceAccount", "Service",
                      "PersistentVolumeClaim", "Pod")} | {
    ("apps", "Deployment"), ("batch", "Job"), ("networking.k8s.io", "NetworkPolicy"),
    *(("rbac.authorization.k8s.io", k) for k in ("Role", "RoleBinding", "ClusterRole",
                                                  "ClusterRoleBinding")),
    *(("operators.coreos.com", k) for k in ("Subscription", "OperatorGroup", "InstallPlan")),
    ("argoproj.io", "Application"), ("argoproj.io", "ApplicationSet"),
}

# The kinds each operator's bundle installs (its CSV's owned CRDs).
OPERATOR_KINDS = {
    "rhods-operator": {("datasciencecluster.opendatahub.io", "DataScienceCluster"),
                       ("infrastructure.opendatahub.io", "HardwareProfile")},
    "kueue-operator": {("kueue.openshift.io", "Kueue")},
    "openshift-cert-manager-operator": {("cert-manager.io", "Certificate")},
    "nfd": {("nfd.openshift.io", "NodeFeatureDiscovery")},
    "gpu-operator-certified": {("nvidia.com", "ClusterPolicy")},
}
# The kinds the Kueue operator's operand installs, and OpenShift AI's components
KUEUE_KINDS = {("kueue.x-k8s.io", k) for k in ("ResourceFlavor", "ClusterQueue", "LocalQueue",
                                               "WorkloadPriorityClass")}
DSC_KINDS = {
    "kserve": {("serving.kserve.io", "InferenceService"), ("serving.kserve.io", "ServingRuntime"),
               ("serving.kserve.io", "LLMInferenceService")},
    "trustyai": {("trustyai.opendatahub.io", "LMEvalJob")},
    "modelregistry": {("modelregistry.opendatahub.io", "ModelRegistry")},
    "workbenches": {("kubeflow.org", "Notebook")},
}
CONDITION = {"dashboard": "DashboardReady", "kserve": "KserveReady", "kueue": "KueueReady",
             "trustyai": "TrustyAIReady", "modelregistry": "ModelRegistryReady",
             "workbenches": "WorkbenchesReady"}


@dataclass
class Timeline:
    """How long the cluster's controllers take, and what fails (seconds)."""
    name: str = "fresh"
    olm_resolve: float = 30
    operator_install: float = 120
    kueue_start: float = 60
    dsc_ready: float = 240
    model_load: float = 300
    upload: float = 600
    slow_uploads: frozenset[str] = frozenset()       # models whose upload takes `slow_upload`
    slow_upload: float = 2400
    failed_uploads: frozenset[str] = frozenset()     # models whose upload fails
    lmeval: float = 300
    registry_ready: float = 120
    job: float = 60
    # (package, channel) -> its entries: the real catalog's channels
    channels: dict[tuple[str, str], tuple[Entry, ...]] = field(default_factory=lambda: dict(CHANNELS))


@dataclass
class Obj:
    key: Key
    manifest: dict
    created: float
    status: dict = field(default_factory=dict)
    owner: str | None = None
    version: int = 0                   # bumped on every change: health is cached per version
    text: str = ""                     # the manifest as applied, canonical JSON
    state: dict = field(default_factory=dict)   # the controllers' own bookkeeping

    def set_status(self, status: dict) -> None:
        if status != self.status:
            self.status = status
            self.version += 1

    @property
    def spec(self) -> dict:
        return self.manifest.get("spec") or {}

    @property
    def annotations(self) -> dict:
        return (self.manifest.get("metadata") or {}).get("annotations") or {}

    @property
    def labels(self) -> dict:
        return (self.manifest.get("metadata") or {}).get("labels") or {}

    def view(self) -> dict:
        """The object as a health check reads it."""
        return {**self.manifest, "status": self.status}


def key_of(doc: dict, namespace: str | None = None) -> Key:
    group = doc["apiVersion"].rpartition("/")[0] if "/" in doc["apiVersion"] else ""
    meta = doc.get("metadata") or {}
    return group, doc["kind"], meta.get("namespace") or namespace or "", meta["name"]


def cond(type_: str, status: bool | str, reason: str = "", message: str = "") -> dict:
    s = status if isinstance(status, str) else ("True" if status else "False")
    return {"type": type_, "status": s, "reason": reason, "message": message}


def env_of(container: dict) -> dict[str, str]:
    return {e["name"]: e.get("value") for e in container.get("env") or []}


class ApplyError(Exception):
    pass


class Cluster:
    def __init__(self, timeline: Timeline, name: str = "in-cluster"):
        self.t = timeline
        self.name = name
        self.now = 0.0
        self.kinds: set[tuple[str, str]] = set(BASE_KINDS)
        self.objects: dict[Key, Obj] = {}
        self.installed: dict[str, float] = {}     # operator package -> when its CSV succeeded
        self.log: list[tuple[float, str]] = []
        self.violations: list[str] = []           # something started before what it needs
        self.kueue_running_at: float | None = None
        self.dsc_ready_at: float | None = None

    # --- the API server ----------------------------------------------------------------

    def apply(self, doc: dict, owner: str | None, namespace: str | None = None) -> Obj:
        key = key_of(doc, namespace)
        if key[:2] not in self.kinds:
            self.violations.append(f"{self.now:.0f}s: {key[1]} {key[3]} applied before its CRD existed")
            raise ApplyError(f'the server could not find the requested resource ({key[1]})')
        text = json.dumps(doc, sort_keys=True)
        manifest = json.loads(text)
        if namespace and key[2] and "namespace" not in manifest["metadata"]:
            manifest["metadata"]["namespace"] = namespace
            text = json.dumps(manifest, sort_keys=True)
        live = self.objects.get(key)
        if live is not None and owner and live.owner and live.owner != owner:
            # Argo CD reports a SharedResourceWarning, and either Application's prune deletes it
            self.violations.append(f"{self.now:.0f}s: {key[1]} {key[3]} owned by both {live.owner} and {owner}")
        if live is None:
            live = self.objects[key] = Obj(key, manifest, self.now, owner=owner, text=text)
            self.log.append((self.now, f"created {key[1]} {key[2]}/{key[3]}"))
        elif live.text != text:
            live.manifest, live.text = manifest, text
            live.version += 1
        return live

    def delete(self, key: Key) -> None:
        if self.objects.pop(key, None) is not None:
            self.log.append((self.now, f"deleted {key[1]} {key[2]}/{key[3]}"))

    def get(self, group: str, kind: str, namespace: str = "", name: str | None = None) -> list[Obj]:
        return [o for k, o in self.objects.items() if k[0] == group and k[1] == kind
                and (not namespace or k[2] == namespace) and (name is None or k[3] == name)]

    def namespace_labels(self, ns: str) -> dict:
        found = self.get("", "Namespace", name=ns)
        return {**(found[0].labels if found else {}), "kubernetes.io/metadata.name": ns}

    # --- the controllers ---------------------------------------------------------------

    def tick(self, now: float) -> None:
        self.now = now
        for obj in list(self.objects.values()):
            step = getattr(self, f"_{obj.key[1]}", None)
            if step is not None and obj.key in self.objects:
                step(obj)

    def _Subscription(self, sub: Obj) -> None:
        spec, st = sub.spec, sub.state
        package, ns = spec["name"], sub.key[2]
        channel = self.t.channels.get((package, spec.get("channel", "")))
        head = channel and head_first(channel)[0]
        if "plan" not in st:
            if self.now - sub.created < self.t.olm_resolve:
                return
            first = spec.get("startingCSV") or head or f"{package}.v1.0.0"
            self._new_plan(sub, first)
        plan = self.objects.get(st["plan"])
        installed = st.get("installed")
        if plan is not None and plan.spec.get("approved") and "installing_since" not in plan.state:
            plan.state["installing_since"] = self.now
        if plan is not None and "installing_since" in plan.state and \
                self.now - plan.state["installing_since"] >= self.t.operator_install and \
                plan.state.get("done") is None:
            plan.state["done"] = self.now
            installed = st["installed"] = plan.spec["clusterServiceVersionNames"][0]
            self.installed[package] = self.now
            self.kinds |= OPERATOR_KINDS.get(package, set())
            self.log.append((self.now, f"installed {installed}"))
            offered = next_version(channel, installed) if channel else None
            if offered:
                self._new_plan(sub, offered)
                plan = self.objects[st["plan"]]
            else:
                plan = None
        pending = plan is not None and plan.state.get("done") is None
        conditions = []
        if pending:
            reason = "Installing" if plan.spec.get("approved") else "RequiresApproval"
            conditions.append(cond("InstallPlanPending", True, reason))
        status = {"state": "UpgradePending" if pending else "AtLatestKnown", "conditions": conditions,
                  "currentCSV": plan.spec["clusterServiceVersionNames"][0] if pending else installed}
        if installed:
            status["installedCSV"] = installed
        if pending:
            status["installPlanRef"] = {"name": plan.key[3], "namespace": ns}
        sub.set_status(status)

    def _new_plan(self, sub: Obj, csv: str) -> None:
        n = sum(1 for o in self.objects if o[1] == "InstallPlan" and o[2] == sub.key[2])
        doc = {"apiVersion": "operators.coreos.com/v1alpha1", "kind": "InstallPlan",
               "metadata": {"name": f"install-{n}", "namespace": sub.key[2]},
               "spec": {"approved": sub.spec.get("installPlanApproval") != "Manual",
                        "clusterServiceVersionNames": [csv]}}
        sub.state["plan"] = self.apply(doc, None).key

    def _Job(self, job: Obj) -> None:
        st = job.state
        if "done" in st:
            return
        pod = job.spec["template"]["spec"]
        env = {k: v for c in pod.get("initContainers", []) + pod["containers"] for k, v in env_of(c).items()}
        name = job.key[3]
        outcome = None
        if name.startswith("approve-"):
            outcome = self._approver(job, env)
        elif name.startswith("upload-"):
            model = name[len("upload-"):].rsplit("-", 1)[0]
            fails = model in self.t.failed_uploads
            took = self.t.slow_upload if model in self.t.slow_uploads else self.t.upload
            if self.now - job.created >= (60 if fails else took):
                outcome = not fails
        elif name.startswith("benchmark-") or name.startswith("lmeval-publish-"):
            outcome = self._evaluation_job(job, env)
        elif name.startswith("register-"):
            ready = [r for r in self.get("modelregistry.opendatahub.io", "ModelRegistry")
                     if r.state.get("available")]
            st.setdefault("waited", self.now)
            if ready and self.now - max(job.created, ready[0].state["available"]) >= 30:
                outcome = True
            elif not ready and self.now - job.created > 600 * 7:   # WAIT_SECONDS x (backoffLimit + 1)
                outcome = False
        elif self.now - job.created >= self.t.job:
            outcome = True
        if outcome is None:
            job.set_status({"active": 1})
            return
        st["done"] = self.now
        job.set_status({"conditions": [cond("Complete" if outcome else "Failed", True)],
                        "succeeded" if outcome else "failed": 1})
        self.log.append((self.now, f"job {name} {'complete' if outcome else 'failed'}"))

    def _approver(self, job: Obj, env: dict[str, str]) -> bool | None:
        """approve_installplan.sh: approve each plan of the package up to the pin, every 10 s,
        until the Subscription reports the pin installed."""
        csv, ns, sub_name = env["CSV"], env["NAMESPACE"], env.get("SUBSCRIPTION")
        package, pin = csv.split(".", 1)
        [sub] = self.get("operators.coreos.com", "Subscription", ns, sub_name) or [None]
        if sub is not None and sub.status.get("installedCSV") == csv:
            return True
        for plan in self.get("operators.coreos.com", "InstallPlan", ns):
            if plan.spec.get("approved"):
                continue
            for name in plan.spec["clusterServiceVersionNames"]:
                if name.startswith(package + ".") and _vle(name.split(".", 1)[1], pin):
                    plan.manifest["spec"]["approved"] = True
                    plan.version += 1
                    self.log.append((self.now, f"approved {plan.key[3]} ({name})"))
        if self.now - job.created > 3600 * 11:      # an hour per attempt, backoffLimit 10
            return False
        return None

    def _Kueue(self, kueue: Obj) -> None:
        if "openshift-cert-manager-operator" in self.needs_cert_manager and \
                "openshift-cert-manager-operator" not in self.installed:
            kueue.set_status({})     # release-1.1 stops before writing any condition
            return
        started = kueue.state.setdefault("started", self.now)
        up = self.now - started >= self.t.kueue_start
        if up:
            if self.kueue_running_at is None:
                self.kueue_running_at = self.now
            kueue.set_status({"conditions": [cond("Available", True, "AllReplicasReady"),
                                             cond("Progressing", False, "AsExpected"),
                                             cond("Degraded", False, "AsExpected")]})
        else:
            half = self.now - started >= self.t.kueue_start / 2
            kueue.set_status({"conditions": [
                cond("Available", False, "NotEnoughReplicas", f"{1 if half else 0}/2 replicas are ready"),
                cond("Progressing", True, "Reconciling"),
                cond("Degraded", True, "UnavailableReplicas" if half else "NoReplicasReady",
                     "1 replicas unavailable" if half else "No replicas ready (desired: 2)")]})
        if self.now - started >= 20:      # the operand's CRDs, as the operator reconciles
            self.kinds |= KUEUE_KINDS

    @property
    def needs_cert_manager(self) -> set[str]:
        """cert-manager is the tree's when it subscribes to it, else already on the cluster."""
        return {s.spec["name"] for s in self.get("operators.coreos.com", "Subscription")
                if s.spec["name"] == "openshift-cert-manager-operator"}

    def _DataScienceCluster(self, dsc: Obj) -> None:
        components = dsc.spec.get("components") or {}
        started = dsc.state.setdefault("started", self.now)
        conditions, ready = [], True
        for name, part in sorted(components.items()):
            state = (part or {}).get("managementState")
            if name not in CONDITION or state not in ("Managed", "Unmanaged"):
                continue
            ok = self.now - started >= self.t.dsc_ready
            if name == "kueue":       # Unmanaged needs the Red Hat build of Kueue operator
                ok = ("kueue.openshift.io", "Kueue") in self.kinds
                if ok and self.kueue_running_at is not None:
                    self._rhoai_default_queues(part)
            if name == "trustyai" and ("serving.kserve.io", "InferenceService") not in self.kinds:
                ok = False            # "InferenceServices CRD does not exist"
            if ok and name in DSC_KINDS:
                self.kinds |= DSC_KINDS[name]
            conditions.append(cond(CONDITION[name], ok))
            ready &= ok
        if ready and self.dsc_ready_at is None:
            self.dsc_ready_at = self.now
        conditions.append(cond("Ready", ready, "", "" if ready else "Some components are not ready"))
        dsc.set_status({"phase": "Ready" if ready else "Not Ready", "conditions": conditions})

    def _rhoai_default_queues(self, kueue: dict) -> None:
        """Create-only-if-missing: the default ClusterQueue (the whole cluster's quota) and a
        LocalQueue into it in every Kueue-managed namespace."""
        cq = kueue.get("defaultClusterQueueName", "default")
        lq = kueue.get("defaultLocalQueueName", "default")
        if not self.get("kueue.x-k8s.io", "ClusterQueue", name=cq):
            self.apply({"apiVersion": "kueue.x-k8s.io/v1beta1", "kind": "ClusterQueue",
                        "metadata": {"name": cq}, "spec": {"namespaceSelector": {
                            "matchLabels": {"kueue.openshift.io/managed": "true"}},
                            "resourceGroups": [{"flavors": [{"name": "default-flavor", "resources": [
                                {"name": "nvidia.com/gpu", "nominalQuota": 1000}]}]}]}}, "rhoai")
        for ns in self.get("", "Namespace"):
            if ns.labels.get("kueue.openshift.io/managed") == "true" and \
                    not self.get("kueue.x-k8s.io", "LocalQueue", ns.key[3], lq):
                self.apply({"apiVersion": "kueue.x-k8s.io/v1beta1", "kind": "LocalQueue",
                            "metadata": {"name": lq, "namespace": ns.key[3]},
                            "spec": {"clusterQueue": cq}}, "rhoai")

    def admits(self, namespace: str, queue: str) -> str | None:
        """The ClusterQueue Kueue admits a workload of `namespace` labelled `queue` into, or None."""
        [lq] = self.get("kueue.x-k8s.io", "LocalQueue", namespace, queue) or [None]
        if lq is None or self.kueue_running_at is None:
            return None
        [cq] = self.get("kueue.x-k8s.io", "ClusterQueue", name=lq.spec["clusterQueue"]) or [None]
        if cq is None:
            return None
        wanted = (cq.spec.get("namespaceSelector") or {}).get("matchLabels") or {}
        labels = self.namespace_labels(namespace)
        return cq.key[3] if all(labels.get(k) == v for k, v in wanted.items()) else None

    def _InferenceService(self, isvc: Obj) -> None:
        predictor, st = isvc.spec.get("predictor") or {}, isvc.state
        ns = isvc.key[2]
        runtime = (predictor.get("model") or {}).get("runtime")
        if runtime and not self.get("serving.kserve.io", "ServingRuntime", ns, runtime):
            isvc.set_status({"conditions": [cond("Ready", False, "NoSupportingRuntime")]})
            return
        if predictor.get("minReplicas") == 0:     # a standby model: 0 replicas are Available
            isvc.set_status({"conditions": [cond("Stopped", False), cond("PredictorReady", True),
                                            cond("Ready", True)],
                             "modelStatus": {"transitionStatus": "InProgress"}})
            return
        queue = isvc.labels.get("kueue.x-k8s.io/queue-name")
        if queue and "admitted" not in st:
            if self.admits(ns, queue) is None:
                isvc.set_status({"conditions": [cond("Ready", False, "", "pod gated by Kueue")]})
                return
            st["admitted"] = self.now
        st.setdefault("admitted", self.now)
        waits = [c for c in predictor.get("initContainers") or [] if c["name"] == "wait-for-upload"]
        if waits and "uploaded" not in st:
            prefix = env_of(waits[0])["S3_PREFIX"]
            done = [j for j in self.get("batch", "Job") if j.key[3].startswith("upload-")
                    and env_of(j.spec["template"]["spec"]["containers"][0]).get("S3_PREFIX") == prefix
                    and any(c["type"] == "Complete" for c in j.status.get("conditions", []))]
            if not done:
                isvc.set_status({"conditions": [cond("Ready", False, "", "waiting for the upload")],
                                 "modelStatus": {"transitionStatus": "InProgress"}})
                return
            st["uploaded"] = self.now
        loading = max(st["admitted"], st.get("uploaded", 0))
        if self.now - loading >= self.t.model_load:
            st.setdefault("ready", self.now)
            isvc.set_status({"conditions": [cond("Stopped", False), cond("PredictorReady", True),
                                            cond("Ready", True)],
                             "modelStatus": {"transitionStatus": "UpToDate"}})
        else:
            isvc.set_status({"conditions": [cond("Stopped", False), cond("Ready", False, "", "loading")],
                             "modelStatus": {"transitionStatus": "InProgress"}})

    def _LLMInferenceService(self, svc: Obj) -> None:
        """llm-d (red-hat-data-services/kserve@rhoai-3.0, pkg/controller/llmisvc/): the
        Deployment `<name>-kserve` carries the kueue.x-k8s.io labels to its pods, which Kueue
        admits like the predictor's; the router (scheduler, InferencePool, HTTPRoute) needs the
        inference Gateway, a prerequisite. Ready = WorkloadsReady and RouterReady."""
        st, ns = svc.state, svc.key[2]
        router = cond("RouterReady", True)
        if svc.spec.get("replicas", 1) == 0:        # standby: no pods, nothing to wait for
            svc.set_status({"conditions": [cond("WorkloadsReady", True), router, cond("Ready", True)]})
            return
        queue = svc.labels.get("kueue.x-k8s.io/queue-name")
        if queue and "admitted" not in st:
            if self.admits(ns, queue) is None:
                svc.set_status({"conditions": [cond("WorkloadsReady", False, "", "pods gated by Kueue"),
                                               router, cond("Ready", False, "", "pods gated by Kueue")]})
                return
            st["admitted"] = self.now
        st.setdefault("admitted", self.now)
        if self.now - st["admitted"] >= self.t.model_load:
            st.setdefault("ready", self.now)
            svc.set_status({"conditions": [cond("WorkloadsReady", True), router, cond("Ready", True)]})
        else:
            svc.set_status({"conditions": [cond("WorkloadsReady", False, "", "loading"), router,
                                           cond("Ready", False, "", "loading")]})

    def model_ready(self, url: str) -> str | None:
        """The model serving `url` (an in-cluster predictor or llm-d workload URL) if it is Ready."""
        for pattern, kind in ((r"https?://(.+)-predictor\.([^.]+)\.svc", "InferenceService"),
                              (r"https?://(.+)-kserve-workload-svc\.([^.]+)\.svc", "LLMInferenceService")):
            match = re.match(pattern, url or "")
            if match:
                [obj] = self.get("serving.kserve.io", kind, match.group(2), match.group(1)) or [None]
                return match.group(1) if obj is not None and "ready" in obj.state else None
        return None

    def _LMEvalJob(self, job: Obj) -> None:
        st = job.state
        if "done" in st:
            return
        args = {a["name"]: a["value"] for a in job.spec.get("modelArgs") or []}
        model = job.labels.get("gpuaas.io/model")
        st.setdefault("running", self.now)
        if "checked" not in st:
            st["checked"] = True
            if self.model_ready(args.get("base_url", "")) is None:
                self.violations.append(f"{self.now:.0f}s: LMEvalJob {job.key[3]} started before {model} was Ready")
                st["done"] = self.now
                job.set_status({"state": "Complete", "reason": "Failed", "message": "connection refused"})
                return
        if self.now - st["running"] >= self.t.lmeval:
            st["done"] = self.now
            job.set_status({"state": "Complete", "reason": "Succeeded", "message": "job completed"})
        else:
            job.set_status({"state": "Running", "reason": "NoReason", "message": "evaluating"})

    def _evaluation_job(self, job: Obj, env: dict[str, str]) -> bool | None:
        st = job.state
        if job.key[3].startswith("lmeval-publish-"):   # polls its LMEvalJob until Complete
            [lm] = self.get("trustyai.opendatahub.io", "LMEvalJob", job.key[2], env["LMEVALJOB"]) or [None]
            if lm is not None and lm.status.get("state") == "Complete":
                return lm.status.get("reason") == "Succeeded"
            return None
        if "checked" not in st:       # GuideLLM: the endpoint to itself
            st["checked"] = True
            model = env["MODEL"]
            if self.model_ready(env["TARGET"]) is None:
                self.violations.append(f"{self.now:.0f}s: benchmark of {model} started before it was Ready")
            busy = [lm.key[3] for lm in self.get("trustyai.opendatahub.io", "LMEvalJob")
                    if lm.labels.get("gpuaas.io/model") == model and lm.status.get("state") != "Complete"]
            if busy:
                self.violations.append(f"{self.now:.0f}s: benchmark of {model} ran while {busy[0]} evaluated it")
        return True if self.now - job.created >= self.t.job else None

    def _ModelRegistry(self, reg: Obj) -> None:
        if self.now - reg.created >= self.t.registry_ready:
            reg.state.setdefault("available", self.now)
            reg.set_status({"conditions": [cond("Available", True, "DeploymentAvailable")]})
        else:
            reg.set_status({"conditions": [cond("Available", False, "DeploymentUnavailable")]})

    def _PersistentVolumeClaim(self, pvc: Obj) -> None:
        # WaitForFirstConsumer: bound once a pod (a Notebook's) uses it
        used = any(pvc.key[3] in json.dumps(n.spec) for n in self.get("kubeflow.org", "Notebook", pvc.key[2]))
        pvc.set_status({"phase": "Bound" if used else "Pending"})

    def _Deployment(self, dep: Obj) -> None:
        replicas = dep.spec.get("replicas", 1)
        up = replicas if self.now - dep.created >= 30 else 0
        dep.set_status({"observedGeneration": 1, "replicas": replicas, "updatedReplicas": replicas,
                        "availableReplicas": up, "readyReplicas": up})


def _vle(a: str, b: str) -> bool:
    """`sort -V -C` on two versions: a <= b."""
    def parts(v: str) -> list:
        return [int(p) if p.isdigit() else p for p in re.split(r"[.\-]", v)]
    return parts(a) <= parts(b)
