"""Fleets: clusters chosen by label from an inventory, one environment per cluster, rendered
on Argo CD's cluster generator (a cluster that joins with the labels is picked up) and
planned as a matrix of clusters."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from gpuaas import fleetplan, pipeline
from gpuaas.errors import UserError
from gpuaas.portfolio.load import load_portfolio

from .conftest import REPO, write
from .sim.cluster import Timeline
from .sim.run import simulate

FLEET = REPO / "portfolios" / "fleet.yaml"


@pytest.fixture(scope="module")
def built():
    return pipeline.build(FLEET)


def edited(tmp_path: Path, *changes: tuple[str, str]) -> Path:
    text = FLEET.read_text()
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new)
    return write(tmp_path / "fleet.yaml", text)


def found(path: Path) -> list:
    try:
        return pipeline.build(path).findings
    except UserError as exc:
        return exc.findings


def test_each_selected_cluster_is_an_environment_with_what_differs_there(built):
    envs = {e.name: e for e in built.plan.environments}
    # every edge cluster, and the edge profile; two of the three core clusters, no profile
    assert sorted(envs) == ["core-ap-south-core", "core-eu-west-core", "edge", "edge-ap-south-edge",
                            "edge-eu-west-edge", "edge-us-east-edge"]
    core = envs["core-ap-south-core"]
    assert core.cluster == "https://api.ap-south-core.example.com:6443"
    assert core.target.release.version == "3.5" and [p.name for p in core.pools] == ["nvidia-l40s"]
    assert envs["core-eu-west-core"].target.release.version == "3.3"
    edge = envs["edge-eu-west-edge"]
    assert [p.name for p in edge.pools] == ["nvidia-l4-1gpu"]
    # the environment's own overrides hold on each of its clusters
    assert next(m for m in edge.models if m.name == "qwen-32b-fp8").state == "off"


def test_a_fleet_of_every_match_follows_the_labels_a_counted_one_lists_its_clusters(built):
    values = yaml.safe_load(built.files["charts/argocd-apps/values.yaml"])
    assert [e["name"] for e in values["envs"]] == ["core-ap-south-core", "core-eu-west-core"]
    [edge] = values["fleets"]
    assert edge["matchLabels"] == {"tier": "edge"}
    assert [m["cluster"] for m in edge["members"]] == ["ap-south-edge", "eu-west-edge", "us-east-edge"]
    template = built.files["charts/argocd-apps/templates/applicationset-fleets.yaml"]
    assert "- clusters:" in template and "mergeKeys:" in template


def test_a_cluster_that_joins_with_the_labels_comes_up_with_the_fleets_profile(built, tmp_path):
    """Argo CD's cluster generator (simulated from applicationset/generators) makes an
    Application for a cluster Secret with tier=edge that no inventory lists: it gets the
    edge environment and comes up; the listed clusters keep their own."""
    joined = {"name": "sa-east-edge", "server": "https://api.sa-east-edge.example.com:6443",
              "labels": {"tier": "edge", "region": "sa-east"}}
    outcome = simulate(built.files, "rendered/fleet", tmp_path, Timeline(), joined=[joined])
    assert outcome.violations == [] and not outcome.unhealthy()
    assert "fleet-edge-sa-east-edge" in outcome.health
    apps = {a.key[3]: a.spec for c in outcome.clusters.values()
            for a in c.get("argoproj.io", "Application") if a.key[3].startswith("fleet-edge-")}
    serving = apps["fleet-edge-sa-east-edge-serving"]
    assert serving["source"]["path"] == "rendered/fleet/components/edge/serving"
    assert serving["destination"]["server"] == joined["server"]
    assert apps["fleet-edge-eu-west-edge-serving"]["source"]["path"].endswith("/edge-eu-west-edge/serving")


def test_a_selector_that_matches_nothing_names_the_clusters(tmp_path):
    path = edited(tmp_path, ("matchLabels: {tier: edge}", "matchLabels: {tier: egde}"))
    [f] = [f for f in found(path) if f.code == "FLEET"]
    assert f.line == FLEET.read_text().splitlines().index("      matchLabels: {tier: edge}") + 1
    assert "which no cluster of the inventory has" in f.message and "eu-west-edge (region=eu-west, tier=edge)" in f.message


def test_a_count_above_the_matches_is_refused(tmp_path):
    path = edited(tmp_path, ("      count: 2", "      count: 5"))
    assert [f for f in found(path) if f.code == "FLEET" and "needs 5 clusters" in f.message]


def test_a_model_that_cannot_fit_on_one_cluster_is_an_error_naming_it(tmp_path):
    path = edited(tmp_path, ("        qwen-32b-fp8: {state: off}", "        qwen-32b-fp8: {state: active}"))
    errors = [f for f in found(path) if f.code == "POOL_TOO_SMALL"]
    assert [f for f in errors if "environment edge-eu-west-edge" in f.message]
    assert not [f for f in errors if "edge-us-east-edge" in f.message]


def test_a_shared_inventory_file(tmp_path):
    """Several portfolios read one inventory; a change to it is a change to their renders."""
    text = FLEET.read_text()
    clusters = yaml.safe_load(text)["fleet"]["clusters"]
    (tmp_path / "clusters.yaml").write_text(yaml.safe_dump({"clusters": clusters}))
    path = write(tmp_path / "fleet.yaml", text[:text.index("fleet:\n")] + "fleet:\n  inventory: clusters.yaml\n")
    p = load_portfolio(path).portfolio
    assert sorted(p.fleet.selected["edge"]["environments"]) == [
        "edge-ap-south-edge", "edge-eu-west-edge", "edge-us-east-edge"]
    fewer = [c for c in clusters if c["name"] not in ("eu-west-edge", "ap-south-edge")]
    (tmp_path / "clusters.yaml").write_text(yaml.safe_dump({"clusters": fewer}))
    assert load_portfolio(path).portfolio.fleet.selected["edge"]["environments"] == ["edge-us-east-edge"]
    (tmp_path / "clusters.yaml").unlink()
    assert [f for f in found(path) if f.code == "FLEET" and "no inventory file clusters.yaml" in f.message]


def test_the_inventory_says_only_what_gpuaas_computes(tmp_path):
    path = edited(tmp_path, ("fleet:\n  clusters:", "fleet:\n  selected: {edge: {}}\n  clusters:"))
    assert [f for f in found(path) if "is what gpuaas computes" in f.message]


def test_the_plan_is_a_matrix_of_clusters(built, tmp_path, cli):
    # a third 1-GPU model: the 2-GPU eu-west edge cluster cannot admit it, the others can
    path = edited(tmp_path, ("\nmodels:\n", "\nmodels:\n  - {name: granite-2b, source: 'hf://ibm-granite/granite-3.1-2b-instruct', "
                                           "storage: hf, params: 2.5B, precision: bf16, gpus: 1, maxModelLen: 8192}\n"
                                           "  - {name: granite-8b-b, source: 'hf://ibm-granite/granite-3.1-8b-instruct', "
                                           "storage: hf, params: 8.2B, precision: bf16, gpus: 1, maxModelLen: 8192}\n"))
    plan = pipeline.build(path).plan
    edge = next(f for f in fleetplan.fleets(plan) if f.name == "edge")
    assert edge.pending() == [("granite-8b", "eu-west-edge")]     # the third, in portfolio order
    row = next(r for r in edge.rows if r.cluster == "eu-west-edge")
    assert (row.used, row.gpus, row.headroom) == (2, 2, 0)
    report = json.loads(cli("plan", str(path), "--format", "json").stdout)
    fleets = {f["name"]: f for f in report["fleets"]}
    assert fleets["edge"]["pending"] == [{"model": "granite-8b", "cluster": "eu-west-edge"}]
    assert fleets["core"]["selector"] == "tier=core; 2 of them" and fleets["core"]["profile"] is None
    markdown = cli("plan", str(path), "--format", "markdown").stdout
    assert markdown.index("fleet edge") < markdown.index("<details>")   # the summary first
    assert "| eu-west-edge | 3.3 | 2/2 | 0 | granite-8b |" in markdown


ARGOCD_LIST = [   # `argocd cluster list -o json`: v1alpha1.Cluster objects (argo-cd pkg/apis/application/v1alpha1/types.go)
    {"server": "https://api.eu-west-edge.example.com:6443", "name": "eu-west-edge",
     "config": {"tlsClientConfig": {"insecure": False}}, "connectionState": {"status": "Successful"},
     "labels": {"tier": "edge", "region": "eu-west"}},
    {"server": "https://api.us-east-core.example.com:6443", "name": "us-east-core", "config": {},
     "labels": {"tier": "core"}},
]
MANAGED = {"apiVersion": "v1", "kind": "List", "items": [   # `oc get managedclusters -o json` (ACM)
    {"apiVersion": "cluster.open-cluster-management.io/v1", "kind": "ManagedCluster",
     "metadata": {"name": "ap-south-edge", "labels": {"tier": "edge", "cloud": "Amazon"}},
     "spec": {"hubAcceptsClient": True, "managedClusterClientConfigs": [
         {"url": "https://api.ap-south-edge.example.com:6443", "caBundle": "LS0t"}]},
     "status": {"clusterClaims": [{"name": "region.open-cluster-management.io", "value": "ap-south-1"}]}}]}


def test_an_inventory_imported_from_argocd_or_acm_selects_like_one_written(tmp_path, cli):
    (tmp_path / "argocd.json").write_text(json.dumps(ARGOCD_LIST))
    (tmp_path / "acm.json").write_text(json.dumps(MANAGED))
    clusters = []
    for name in ("argocd.json", "acm.json"):
        result = cli("fleet", "import", str(tmp_path / name))
        assert result.exit_code == 0, result.output
        clusters += yaml.safe_load(result.stdout)["clusters"]
    assert [c["name"] for c in clusters] == ["eu-west-edge", "us-east-core", "ap-south-edge"]
    assert clusters[2] == {"name": "ap-south-edge", "server": "https://api.ap-south-edge.example.com:6443",
                           "labels": {"tier": "edge", "cloud": "Amazon",
                                      "region.open-cluster-management.io": "ap-south-1"}}
    text = FLEET.read_text()
    (tmp_path / "clusters.yaml").write_text(yaml.safe_dump({"clusters": clusters}))
    path = write(tmp_path / "fleet.yaml", text[:text.index("fleet:\n")] + "fleet:\n  inventory: clusters.yaml\n")
    path.write_text(path.read_text().replace("      count: 2", "      count: 1"))
    selected = load_portfolio(path).portfolio.fleet.selected
    assert selected["edge"]["environments"] == ["edge-ap-south-edge", "edge-eu-west-edge"]
    assert selected["core"]["environments"] == ["core-us-east-core"]


def test_a_cluster_the_inventory_cannot_hold_is_named(tmp_path, cli):
    bad = [dict(ARGOCD_LIST[0], name="arn:aws:eks:eu-west-1:1234:cluster/prod")]
    (tmp_path / "argocd.json").write_text(json.dumps(bad))
    result = cli("fleet", "import", str(tmp_path / "argocd.json"))
    assert result.exit_code == 2 and "arn:aws:eks" in result.output and "DNS label" in result.output


def test_two_portfolios_on_one_cluster_are_refused_across_the_repository(tmp_path):
    """Each would own the cluster's DataScienceCluster, Kueue and ClusterQueue. The in-cluster
    URL is whichever cluster the syncing Argo CD runs on, so it is not compared across."""
    train = (REPO / "portfolios" / "release-train.yaml").read_text()
    a = write(tmp_path / "a.yaml", train)
    b = write(tmp_path / "b.yaml", train.replace("name: release-train\n", "name: train-b\n")
              .replace("path: rendered/release-train", "path: rendered/train-b"))
    found = pipeline.check_unique_names(pipeline.build_all([a, b], with_files=False))
    shared = [f for f in found if f.code == "SHARED_CLUSTER"]
    assert len(shared) == 2 and all(f.file == str(b) for f in shared)
    assert "https://api.prod.example.com:6443" in shared[1].message and str(a) in shared[1].message
    local = [write(tmp_path / f"{n}.yaml", (REPO / "portfolios" / f"{n}.yaml").read_text())
             for n in ("enterprise-demo", "triple-play")]      # both in-cluster
    assert not [f for f in pipeline.check_unique_names(pipeline.build_all(local, with_files=False))
                if f.code == "SHARED_CLUSTER"]


def test_a_model_placed_by_label_runs_only_on_those_clusters(tmp_path):
    path = edited(tmp_path, ("    format: compressed-tensors\n", "    format: compressed-tensors\n"
                                                                  "    clusters: {matchLabels: {region: eu-west}}\n"))
    plan = pipeline.build(path).plan
    state = {e.name: next(m.state for m in e.models if m.name == "qwen-32b-fp8") for e in plan.environments}
    assert state["core-eu-west-core"] == "active" and state["core-ap-south-core"] == "off"
    assert state["edge-eu-west-edge"] == "off"      # the edge environment switches it off itself
    core = next(f for f in fleetplan.fleets(plan) if f.name == "core")
    assert {r.cluster: r.admission["qwen-32b-fp8"] for r in core.rows} == {
        "ap-south-core": "Off", "eu-west-core": "Admitted"}


def test_the_acm_form_places_the_fleets_and_passes_the_strict_gate(tmp_path):
    """engine: acm — a Placement per fleet over the ManagedClusters' labels (a counted fleet
    exactly the clusters the plan chose), a GitOpsCluster registering them in Argo CD, and the
    clusterDecisionResource generator (argo-cd applicationset/generators/duck_type.go)."""
    import subprocess
    import sys
    repo = tmp_path / "gitops"
    (repo / "portfolios").mkdir(parents=True)
    (repo / "portfolios" / "fleet.yaml").write_text(FLEET.read_text().replace("fleet:\n  clusters:", "fleet:\n  engine: acm\n  clusters:"))
    gpuaas = str(Path(sys.executable).parent / "gpuaas")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run(git + ["init", "-q"], cwd=repo, check=True)
    assert subprocess.run([gpuaas, "render"], cwd=repo, capture_output=True).returncode == 0
    subprocess.run(git + ["add", "-A"], cwd=repo, check=True)
    run = subprocess.run([gpuaas, "validate", "--strict"], cwd=repo, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    templates = repo / "rendered/fleet/charts/argocd-apps/templates"
    assert not (templates / "applicationset-umbrella.yaml").exists()    # every environment is placed
    from gpuaas.validate import engines
    apps = repo / "rendered/fleet/charts/argocd-apps"
    docs = [d for d in yaml.safe_load_all(engines.helm_template(
        apps, yaml.safe_load((apps / "values.yaml").read_text()), "a", "openshift-gitops")) if d]
    placements = {d["metadata"]["name"]: d["spec"] for d in docs if d["kind"] == "Placement"}
    edge = placements["fleet-edge"]["predicates"][0]["requiredClusterSelector"]["labelSelector"]
    assert edge == {"matchLabels": {"tier": "edge"}}
    core = placements["fleet-core"]["predicates"][0]["requiredClusterSelector"]["labelSelector"]
    assert core["matchExpressions"] == [{"key": "name", "operator": "In",
                                         "values": ["ap-south-core", "eu-west-core"]}]
    gitops = {d["metadata"]["name"]: d["spec"] for d in docs if d["kind"] == "GitOpsCluster"}
    assert gitops["fleet-core"]["placementRef"]["name"] == "fleet-core"
    appsets = {d["metadata"]["name"]: d["spec"] for d in docs if d["kind"] == "ApplicationSet"}
    base = appsets["fleet-edge"]["generators"][0]["merge"]["generators"][0]["clusterDecisionResource"]
    assert base["labelSelector"]["matchLabels"] == {"cluster.open-cluster-management.io/placement": "fleet-edge"}
    assert "Advanced Cluster Management" in (repo / "rendered/fleet/README.md").read_text()


def test_the_pull_request_comment_names_the_cluster_a_change_hits(tmp_path):
    """plan --diff compares each cluster's environment with the last commit: one more 1-GPU
    model is Pending on the 2-GPU eu-west edge cluster only, and the comment says so."""
    import subprocess
    import sys
    repo = tmp_path / "gitops"
    (repo / "portfolios").mkdir(parents=True)
    path = repo / "portfolios" / "fleet.yaml"
    path.write_text(FLEET.read_text())
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "fleet"]):
        subprocess.run(git + args, cwd=repo, check=True)
    path.write_text(FLEET.read_text().replace("\nmodels:\n", "\nmodels:\n  - {name: granite-2b, source: "
                                              "'hf://ibm-granite/granite-3.1-2b-instruct', storage: hf, "
                                              "params: 2.5B, precision: bf16, gpus: 1, maxModelLen: 8192}\n"
                                              "  - {name: granite-8b-b, source: 'hf://ibm-granite/granite-3.1-8b-instruct', "
                                              "storage: hf, params: 8.2B, precision: bf16, gpus: 1, maxModelLen: 8192}\n"))
    gpuaas = str(Path(sys.executable).parent / "gpuaas")
    run = subprocess.run([gpuaas, "plan", "--diff", "HEAD", "--format", "markdown"], cwd=repo,
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    comment = run.stdout
    hit = [line for line in comment.splitlines() if line.startswith("### ") and "edge-eu-west-edge" in line]
    assert hit and "Pending" in hit[0], comment[:3000]
    others = [line for line in comment.splitlines() if line.startswith("### ") and "edge-us-east-edge" in line]
    assert others and "Pending" not in others[0]
    # the fleets first, readable at a hundred clusters; the clusters folded below
    summary = next(line for line in comment.splitlines() if line.startswith("**fleet edge**"))
    assert "3 of 3 cluster(s) change" in summary and "becomes Pending: granite-8b on eu-west-edge" in summary
    assert comment.index("**fleet edge**") < comment.index("<details>") < comment.index("### fleet / edge-eu-west-edge")
