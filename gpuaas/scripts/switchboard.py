"""The switchboard notebook's helpers: read the InferenceServices and Kueue Workloads of the
serving namespace through the API server with the workbench's ServiceAccount token, switch
models, and compare what runs with what `gpuaas plan` predicted for each step.

Standard library only: any workbench image runs it. The notebook's next cell sets PORTFOLIO
(the plan gpuaas rendered the notebook from).
"""
import json
import os
import ssl
import time
import urllib.error
import urllib.request

SA_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"
# In the workbench: the API server's Service. Elsewhere, e.g. behind `oc proxy`:
# KUBERNETES_API=http://127.0.0.1:8001 (no token file: the proxy authenticates).
API = os.environ.get("KUBERNETES_API", "https://kubernetes.default.svc")
FIELD_MANAGER = "gpuaas-workbench"
PORTFOLIO: dict = {}


class APIError(Exception):
    pass


def api(method, path, body=None, content_type="application/json"):
    headers = {"Accept": "application/json"}
    token = os.path.join(SA_DIR, "token")
    if os.path.exists(token):           # read each time: the kubelet rotates it
        with open(token) as f:
            headers["Authorization"] = "Bearer " + f.read().strip()
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = content_type
    context = None
    if API.startswith("https://"):
        ca = os.path.join(SA_DIR, "ca.crt")
        context = ssl.create_default_context(cafile=ca if os.path.exists(ca) else None)
    request = urllib.request.Request(API + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30, context=context) as response:
            return json.load(response)
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode(errors="replace")
        try:
            detail = json.loads(detail).get("message", detail)
        except (ValueError, AttributeError):
            pass
        raise APIError(f"{method} {path}: HTTP {exc.code}: {detail}") from None


def _isvcs():
    return f"/apis/serving.kserve.io/v1beta1/namespaces/{PORTFOLIO['namespace']}/inferenceservices"


def _workloads():
    return f"/apis/kueue.x-k8s.io/v1beta1/namespaces/{PORTFOLIO['namespace']}/workloads"


def _condition(obj, kind):
    for c in obj.get("status", {}).get("conditions", []):
        if c.get("type") == kind:
            return c
    return {}


def _model_of(workload, names):
    """Kueue makes one Workload per predictor pod (`<model>-predictor-...`), owned by the pod."""
    for ref in workload["metadata"].get("ownerReferences", []):
        if ref.get("kind") == "Pod":
            found = [n for n in names if ref.get("name", "").startswith(n + "-predictor-")]
            if found:
                return max(found, key=len)
    return None


def live():
    """{model: replicas, admitted, pending, flavors, message}: the cluster now."""
    names = list(PORTFOLIO["models"])
    out = {n: {"replicas": None, "admitted": 0, "pending": 0, "flavors": [], "message": ""}
           for n in names}
    for isvc in api("GET", _isvcs())["items"]:
        name = isvc["metadata"]["name"]
        if name in out:
            out[name]["replicas"] = isvc["spec"].get("predictor", {}).get("minReplicas", 1)
    for wl in api("GET", _workloads())["items"]:
        name = _model_of(wl, names)
        if name is None or _condition(wl, "Finished").get("status") == "True":
            continue
        if _condition(wl, "Admitted").get("status") == "True":
            out[name]["admitted"] += 1
            for podset in wl["status"].get("admission", {}).get("podSetAssignments", []):
                flavor = podset.get("flavors", {}).get("nvidia.com/gpu")
                if flavor:
                    out[name]["flavors"].append(flavor)
        else:
            out[name]["pending"] += 1
            out[name]["message"] = _condition(wl, "QuotaReserved").get("message", "")
    return out


def differences(step, now=None):
    """Where the cluster is not what the plan predicted for `step` (empty: as predicted)."""
    now = live() if now is None else now
    out = []
    for name, want in PORTFOLIO["steps"][step]["models"].items():
        got = now[name]
        if got["replicas"] is None:
            out.append(f"{name}: no InferenceService in {PORTFOLIO['namespace']}")
        elif got["replicas"] != want["replicas"]:
            out.append(f"{name}: replicas {got['replicas']}, the plan says {want['replicas']}")
        elif got["admitted"] != want["admitted"]:
            out.append(f"{name}: {got['admitted']} pod(s) admitted, the plan says {want['admitted']}")
        elif want["admission"] == "Pending" and not got["pending"]:
            out.append(f"{name}: nothing queued yet, the plan says Pending")
        elif sorted(got["flavors"]) != sorted(want["flavors"]):
            out.append(f"{name}: on {', '.join(got['flavors'])}, the plan says {', '.join(want['flavors'])}")
    return out


def show(step="baseline"):
    """The models as they run, beside what the plan predicted for `step`."""
    now = live()
    rows = [("model", "GPUs", "replicas", "admitted", "pending", "flavor", "plan says")]
    for name, want in PORTFOLIO["steps"][step]["models"].items():
        got = now[name]
        rows.append((name, str(PORTFOLIO["models"][name]["gpus"]), str(got["replicas"]),
                     str(got["admitted"]), str(got["pending"]), ", ".join(got["flavors"]) or "-",
                     f"{want['admission']}: {want['reason']}" if want["reason"] else want["admission"]))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)) + "  " + r[-1])
    for name, got in now.items():
        if got["message"]:
            print(f"\n{name} waits: {got['message']}")
    diffs = differences(step, now)
    print("\n" + ("As the plan predicted." if not diffs else "Not (yet) as predicted:\n  " + "\n  ".join(diffs)))
    return not diffs


def switch(changes):
    """{model: "active" | "standby"}. live: the InferenceServices' replicas are patched
    (Argo CD leaves these two fields to the workbench). commit: the commit that does it."""
    if not changes:
        print("Nothing to switch: the cluster already runs this step's models.")
        return
    if PORTFOLIO["switching"] == "live":
        for name, state in changes.items():
            n = PORTFOLIO["models"][name]["replicas"] if state == "active" else 0
            api("PATCH", f"{_isvcs()}/{name}?fieldManager={FIELD_MANAGER}",
                {"spec": {"predictor": {"minReplicas": n, "maxReplicas": n}}},
                "application/merge-patch+json")
            print(f"{name}: {state} (minReplicas = maxReplicas = {n})")
        return
    env = f" --env {PORTFOLIO['environment']}" if PORTFOLIO["environments"] > 1 else ""
    print("Switching is a commit here: in a clone of the GitOps repository, run")
    for verb, state in (("activate", "active"), ("deactivate", "standby")):
        names = [n for n, s in changes.items() if s == state]
        if names:
            print(f"  gpuaas {verb} {' '.join(names)}{env}")
    print("  gpuaas render && git commit -am 'Switch models' && git push")
    print("then run the next cell: it waits for Argo CD's sync and Kueue.")


def go(step):
    """Switch whatever differs between the cluster and `step`'s models."""
    now = live()
    want = PORTFOLIO["steps"][step]["states"]
    switch({n: s for n, s in want.items() if bool(now[n]["replicas"]) != (s == "active")})


def wait(step, timeout=900, every=10):
    """Read the cluster until it is as the plan predicted for `step`, or `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        diffs = differences(step)
        if not diffs:
            return show(step)
        if time.monotonic() >= deadline:
            print(f"After {timeout} s:")
            return show(step)
        time.sleep(every)
