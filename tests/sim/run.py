"""Bring a rendered tree up as its README says (health checks, then the argocd-apps chart
applied once) on fresh clusters, step the clusters and Argo CD every 5 seconds along a
timeline, and report what became Healthy, when, and what started before what it needs."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from gpuaas.validate import engines

from .argocd import IN_CLUSTER, App, ArgoCD, Health, Repo
from .cluster import Cluster, Timeline

STEP = 5.0


@dataclass
class Outcome:
    health: dict[str, tuple[str, str]]       # Application -> its own (health, message)
    seen_by_parent: dict[str, str]           # Application -> health as its parent's check sees it
    apps: dict[str, App]
    converged_at: float | None               # when every Application was Healthy and synced
    violations: list[str]
    clusters: dict[str, Cluster]
    log: list[tuple[float, str]] = field(default_factory=list)

    def unhealthy(self) -> dict[str, str]:
        return {name: f"{h}: {m}" for name, (h, m) in self.health.items() if h != "Healthy"}


def write_tree(files: dict[str, str], root: str, into: Path) -> Path:
    for rel, text in files.items():
        path = into / root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return into


def simulate(files: dict[str, str], root: str, workdir: Path, timeline: Timeline,
             commits: list[tuple[float, dict[str, str]]] = (), until: float = 6 * 3600,
             settle: float = 600, joined: list[dict] = ()) -> Outcome:
    """`joined`: clusters registered in Argo CD ({name, server, labels}) that the tree does
    not list (a fleet's cluster generator picks them up). `commits`: (time, tree) pushed later. Runs until every Application has been Healthy and
    synced for `settle` seconds after the last commit, or until `until`."""
    repo = Repo(write_tree(files, root, workdir / "r0"))
    patch = yaml.safe_load(files["bootstrap/argocd-health-checks.yaml"])
    health = Health({f"{c['group']}/{c['kind']}": c["check"] for c in patch["spec"]["resourceHealthChecks"]})
    apps_chart = repo.path / root / "charts" / "argocd-apps"
    values = yaml.safe_load((apps_chart / "values.yaml").read_text())
    ns = values["argocdNamespace"]
    clusters = {IN_CLUSTER: Cluster(timeline, IN_CLUSTER)}
    for env in values["envs"]:
        clusters.setdefault(env["cluster"], Cluster(timeline, env["cluster"]))
    secrets = []        # the fleets' clusters, registered in Argo CD with the labels they select by
    for fleet in values.get("fleets") or []:
        for member in fleet["members"]:
            clusters.setdefault(member["server"], Cluster(timeline, member["server"]))
            secrets.append({"name": member["cluster"], "server": member["server"],
                            "labels": dict(fleet["matchLabels"])})
    for cluster in joined:
        clusters.setdefault(cluster["server"], Cluster(timeline, cluster["server"]))
        secrets.append(dict(cluster))
    for cluster in clusters.values():
        # another team's Kueue-managed project, as on any shared cluster
        cluster.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {
            "name": "team-a", "labels": {"kueue.openshift.io/managed": "true"}}}, None)
    for doc in yaml.safe_load_all(engines.helm_template(apps_chart, {}, "argocd-apps", ns)):
        if doc:
            clusters[IN_CLUSTER].apply(doc, None, namespace=ns)
    _existing_namespaces(files, root, repo.path, clusters, values)
    argocd = ArgoCD(repo, clusters, health, ns, secrets)
    pending = sorted(commits, key=lambda c: c[0])
    now, converged, healthy_since = 0.0, None, None
    while now <= until:
        if pending and now >= pending[0][0]:
            _, tree = pending.pop(0)
            repo.revision += 1
            repo.path = write_tree(tree, root, workdir / f"r{repo.revision}")
            converged = healthy_since = None
        for cluster in clusters.values():
            cluster.tick(now)
        argocd.generate()
        argocd.reconcile(now)
        apps = clusters[IN_CLUSTER].get("argoproj.io", "Application", ns)
        ok = apps and all(a.status.get("health", {}).get("status") == "Healthy"
                          and a.status.get("sync", {}).get("status") == "Synced" for a in apps)
        if ok:
            healthy_since = now if healthy_since is None else healthy_since
            converged = healthy_since if converged is None else converged
            if not pending and now - healthy_since >= settle:
                break
        else:
            healthy_since = None
            converged = None
        now += STEP
    apps = clusters[IN_CLUSTER].get("argoproj.io", "Application", ns)
    own = {a.key[3]: (a.status["health"]["status"], a.status["health"]["message"]) for a in apps}
    seen = {a.key[3]: health.of(a)[0] for a in apps}
    return Outcome(own, seen, argocd.apps, converged,
                   [v for c in clusters.values() for v in c.violations], clusters,
                   sorted(e for c in clusters.values() for e in c.log))


def _existing_namespaces(files, root, path, clusters, values) -> None:
    """A namespace the tree deploys into but does not create (serving.createNamespace: false)
    exists already, labelled as the tree README asks."""
    rendered = set()
    for rel, text in files.items():
        if rel.startswith("components/"):
            for doc in yaml.safe_load_all(text):
                if doc and doc.get("kind") == "Namespace":
                    rendered.add(doc["metadata"]["name"])
    for rel in files:
        if rel.startswith("components/") and rel.endswith("/serving/kustomization.yaml"):
            env = rel.split("/")[1]
            for doc in yaml.safe_load_all(files[rel.replace("kustomization.yaml", "servingruntime.yaml")]):
                ns = doc["metadata"]["namespace"]
                if ns not in rendered:
                    server = next(e["cluster"] for e in values["envs"] if e["name"] == env)
                    clusters[server].apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {
                        "name": ns, "labels": {"kueue.openshift.io/managed": "true",
                                               "opendatahub.io/dashboard": "true"}}}, None)
