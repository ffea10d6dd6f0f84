"""Every bundled tree comes up: Argo CD's sync waves, health checks and retries played against
scripted cluster timelines (tests/sim: the models and their sources).

Each case asserts that every Application ends Healthy and synced (or exactly the ones that
should not, and why), and that nothing started before what it needs: no object applied
before the operator that defines its kind, no benchmark during its model's evaluation, no
object owned by two Applications.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from gpuaas import catalog, olm, pipeline
from gpuaas.releases import targets

from .conftest import PORTFOLIOS, write
from .sim.cluster import Timeline
from .sim.run import Outcome, simulate

TIMELINES = {
    "fresh": Timeline(),                                  # OLM asks for approval; operators take minutes
    "slow-kueue": Timeline("slow-kueue", kueue_start=300),
    "standby-upload-fails": Timeline("standby-upload-fails"),   # models filled in per tree
    "slow-upload": Timeline("slow-upload"),               # every active model's upload takes 40 min
    "long-lmeval": Timeline("long-lmeval", lmeval=600),
    "pin-change": Timeline("pin-change"),                 # a later commit moves RHOAI's pin
}
NEW_PIN = "3.3.0"      # where a 3.0 tree moves; a newer tree comes from an earlier pin of its release


def built(path: Path):
    out = pipeline.build(path)
    p = out.plan.portfolio
    return out, p.gitops.path.strip("/") or f"rendered/{p.metadata.name}"


def uploaded(plan, state: str) -> frozenset[str]:
    return frozenset(mp.name for env in plan.environments for mp in env.rendered_models
                     if mp.state == state and mp.storage.upload)


def load12(path: Path):
    """A portfolio as gpuaas reads it: YAML 1.2 (`off` stays a string)."""
    from ruamel.yaml import YAML
    return YAML(typ="safe").load(path.read_text())


def dump(data) -> str:
    import io

    from ruamel.yaml import YAML
    out = io.StringIO()
    YAML(typ="safe", pure=True).dump(data, out)
    return out.getvalue()


def with_pin(path: Path, tmp_path: Path, version: str, channel: str | None = "fast-3.x") -> Path:
    data = load12(path)
    rhoai = data.setdefault("platform", {}).setdefault("rhoai", {})
    rhoai["version"] = version
    if channel:
        rhoai["channel"] = channel
    else:
        rhoai.pop("channel", None)
    return write(tmp_path / path.name, dump(data))


def earlier_pins(path: Path, tmp_path: Path) -> Path | None:
    """The portfolio with each environment pinned to the CSV before its own on its channel
    (same release and Kueue operator, so one commit moves it up); None when no environment
    has one (a channel that offers only the pinned CSV)."""
    p = built(path)[0].plan.portfolio
    data = load12(path)
    moved = False
    for env, spec in zip(p.environments, data["environments"]):
        t = targets(p)[env.name]
        order = olm.head_first(catalog.RHOAI_CHANNELS.get(t.channel, ()))
        if t.csv not in order or order.index(t.csv) + 1 >= len(order):
            continue
        earlier = order[order.index(t.csv) + 1].removeprefix("rhods-operator.")
        spec.setdefault("overrides", {}).setdefault("platform", {})["rhoai"] = {
            "version": earlier, "channel": t.channel}
        moved = True
    tmp_path.mkdir(exist_ok=True)
    return write(tmp_path / path.name, dump(data)) if moved else None


def run(path: Path, tmp_path: Path, timeline: Timeline, files=None, **kw) -> Outcome:
    out, root = built(path)
    return simulate(files or out.files, root, tmp_path / "repo", timeline, **kw)


def installed_rhoai(outcome: Outcome) -> set[str]:
    return {s.status.get("installedCSV") for c in outcome.clusters.values()
            for s in c.get("operators.coreos.com", "Subscription") if s.spec["name"] == "rhods-operator"}


@pytest.mark.parametrize("timeline", TIMELINES)
@pytest.mark.parametrize("path", PORTFOLIOS, ids=lambda p: p.stem)
def test_every_bundled_tree_converges(path: Path, timeline: str, tmp_path: Path):
    out, _ = built(path)
    t = TIMELINES[timeline]
    commits = []
    if timeline == "standby-upload-fails":
        t = dataclasses.replace(t, failed_uploads=uploaded(out.plan, "standby"))
    if timeline == "slow-upload":
        t = dataclasses.replace(t, slow_uploads=uploaded(out.plan, "active"))
    pins = {t.csv for t in targets(out.plan.portfolio).values()}
    files = None
    if timeline == "pin-change" and pins == {"rhods-operator.3.0.0"}:
        commits = [(2 * 3600, built(with_pin(path, tmp_path, NEW_PIN))[0].files)]
        pins = {f"rhods-operator.{NEW_PIN}"}
    elif timeline == "pin-change":      # the tree as bundled is the later commit
        earlier = earlier_pins(path, tmp_path / "earlier")
        if earlier is None:
            pytest.skip("every environment's channel offers only its pinned CSV: no earlier pin")
        files, commits = built(earlier)[0].files, [(2 * 3600, out.files)]
    outcome = run(path, tmp_path, t, files=files, commits=commits)
    assert outcome.violations == []
    expected_down = {name for name in outcome.health if name.endswith("-uploads")} \
        if t.failed_uploads else set()
    down = set(outcome.unhealthy())
    assert down == expected_down, outcome.unhealthy()
    for name in down:    # a failed upload shows on its own Application, and holds nothing back
        assert outcome.health[name][0] == "Degraded" and outcome.seen_by_parent[name] == "Healthy"
    if not down:
        assert outcome.converged_at is not None
    rhoai = installed_rhoai(outcome)
    if rhoai:
        assert rhoai == pins


# --- each defect, reproduced on the tree as it was -------------------------------------------

DEMO_PATHS = {p.stem: p for p in PORTFOLIOS}


def mutated(path: Path, edits: dict[str, tuple[str, str]]) -> dict[str, str]:
    files = dict(built(path)[0].files)
    for rel, (old, new) in edits.items():
        assert old in files[rel], (rel, old)
        files[rel] = files[rel].replace(old, new)
    return files


def test_an_approver_in_a_later_wave_than_its_subscription_deadlocks(tmp_path: Path):
    path = DEMO_PATHS["signet"]
    files = mutated(path, {"components/prod/operators/rhoai-installplan-approver.yaml": (
        'argocd.argoproj.io/sync-wave: "-3"\nspec:\n  backoffLimit',
        'argocd.argoproj.io/sync-wave: "-2"\nspec:\n  backoffLimit')})
    outcome = run(path, tmp_path, Timeline(), files=files, until=3 * 3600)
    assert outcome.converged_at is None
    assert outcome.health["signet-prod-operators"][0] == "Missing"      # the Job is never applied
    assert "signet-prod-serving" not in outcome.health
    assert installed_rhoai(outcome) == {None}


def test_a_kueue_start_read_as_degraded_exhausts_the_umbrellas_retries(tmp_path: Path):
    """The Kueue operator's Degraded=True of a start fails the umbrella's sync at the kueue
    wave; without a retry policy Argo CD gives up on that commit."""
    path = DEMO_PATHS["signet"]
    files = mutated(path, {
        "bootstrap/argocd-health-checks.yaml": (
            'if c.reason == "UnavailableReplicas" or c.reason == "NoReplicasReady" then',
            'if false then'),
        "charts/argocd-apps/templates/applicationset-umbrella.yaml": ("        retry:\n", "        noretry:\n")})
    outcome = run(path, tmp_path, Timeline(kueue_start=300), files=files, until=3 * 3600)
    umbrella = outcome.apps["signet-prod"]
    assert umbrella.attempted and umbrella.attempted[1] == "Failed"
    assert sum(h.startswith("Failed") for h in umbrella.history) == 6      # 1 + Argo CD's 5 retries
    assert "signet-prod-serving" not in outcome.health                     # never applied
    fixed = run(path, tmp_path / "fixed", Timeline(kueue_start=300))
    assert fixed.converged_at is not None and not fixed.unhealthy()


def test_a_failed_standby_upload_would_hold_serving_back_without_the_gate(tmp_path: Path):
    path = DEMO_PATHS["enterprise-demo"]
    out, _ = built(path)
    standby = uploaded(out.plan, "standby")
    assert standby, "the demo uploads a standby model"
    files = mutated(path, {"charts/enterprise-demo-umbrella/templates/app-uploads.yaml": (
        '    gpuaas.io/wave-gate: "applied"\n', "")})
    outcome = run(path, tmp_path, Timeline(failed_uploads=standby), files=files, until=4 * 3600)
    assert "enterprise-demo-prod-serving" not in outcome.health
    assert outcome.apps["enterprise-demo-prod"].attempted[1] == "Failed"


def test_an_active_models_failed_upload_holds_back_only_what_needs_that_model(tmp_path: Path):
    path = DEMO_PATHS["enterprise-demo"]
    out, _ = built(path)
    active = sorted(uploaded(out.plan, "active"))
    outcome = run(path, tmp_path, Timeline(failed_uploads=frozenset(active[:1])), until=3 * 3600)
    down = outcome.unhealthy()
    assert down["enterprise-demo-prod-uploads"].startswith("Degraded")
    assert down["enterprise-demo-prod-serving"].startswith("Progressing")
    assert "waiting for the upload" in down["enterprise-demo-prod-serving"]
    # the umbrella waits at serving's wave: nothing after it is applied, nothing else is down
    assert set(down) == {"enterprise-demo-prod-uploads", "enterprise-demo-prod-serving",
                         "enterprise-demo-prod"}
    assert "enterprise-demo-prod-loadtest" not in outcome.health
    assert outcome.violations == []


def test_without_an_lmevaljob_check_the_benchmark_runs_during_the_evaluation(tmp_path: Path):
    path = DEMO_PATHS["stage1-serving"]
    check = "    - group: trustyai.opendatahub.io\n      kind: LMEvalJob\n"
    files = mutated(path, {"bootstrap/argocd-health-checks.yaml": (check, "    - group: trustyai.opendatahub.io\n      kind: LMEvalJobOff\n")})
    outcome = run(path, tmp_path, Timeline(lmeval=600), files=files)
    assert any("ran while lmeval-" in v for v in outcome.violations), outcome.violations


def test_other_projects_get_no_share_of_the_gpu_quota(tmp_path: Path):
    """OpenShift AI adds a LocalQueue into the portfolio's ClusterQueue to every Kueue-managed
    namespace; Kueue admits nothing from them."""
    path = DEMO_PATHS["enterprise-demo"]
    out, _ = built(path)
    p = out.plan.portfolio
    outcome = run(path, tmp_path, Timeline())
    [cluster] = [c for c in outcome.clusters.values() if c.get("kueue.x-k8s.io", "ClusterQueue")]
    [foreign] = cluster.get("kueue.x-k8s.io", "LocalQueue", "team-a")
    assert foreign.spec["clusterQueue"] == p.quota.clusterQueue
    assert cluster.admits("team-a", p.quota.localQueue) is None
    assert cluster.admits(p.serving.namespace, p.quota.localQueue) == p.quota.clusterQueue
    selector = mutated(path, {"components/prod/kueue/clusterqueue.yaml": (
        f'kubernetes.io/metadata.name: "{p.serving.namespace}"', 'kueue.openshift.io/managed: "true"')})
    before = run(path, tmp_path / "before", Timeline(), files=selector)
    [cluster] = [c for c in before.clusters.values() if c.get("kueue.x-k8s.io", "ClusterQueue")]
    assert cluster.admits("team-a", p.quota.localQueue) == p.quota.clusterQueue


def test_the_argocd_rbac_has_one_owner_across_environments(tmp_path: Path):
    path = DEMO_PATHS["signet"]
    out, _ = built(path)
    assert len(out.plan.environments) == 2
    rbac = "charts/argocd-apps/templates/rbac-argocd-cluster.yaml"
    assert rbac in out.files and not any("rbac" in f for f in out.files if "-umbrella/" in f)
    files = dict(out.files)    # as it was: in the umbrella, applied by every environment
    files["charts/signet-umbrella/templates/rbac-argocd-cluster.yaml"] = files.pop(rbac)
    outcome = run(path, tmp_path, Timeline(), files=files, until=3600)
    assert any("ClusterRole signet-argocd-manage owned by both" in v for v in outcome.violations)


def test_a_pin_beyond_the_next_offered_version_is_reached_hop_by_hop(tmp_path: Path):
    """From 3.0.0 OLM offers 3.2.1 (skipRange), then 3.3.0: the approver takes each."""
    path = DEMO_PATHS["enterprise-demo"]
    later = built(with_pin(path, tmp_path, NEW_PIN))[0].files
    outcome = run(path, tmp_path, Timeline(), commits=[(3600, later)])
    assert installed_rhoai(outcome) == {f"rhods-operator.{NEW_PIN}"}
    approved = [m for _, m in outcome.log if m.startswith("approved ")]
    assert [m.split("(")[1].rstrip(")") for m in approved] == [
        "rhods-operator.3.0.0", "rhods-operator.3.2.1", "rhods-operator.3.3.0"]
    assert not outcome.unhealthy()


def test_a_release_move_validate_refuses_never_converges(tmp_path: Path):
    """3.0.0 on fast-3.x to 3.3 on stable-3.3: no entry of stable-3.3 replaces 3.0.0, so OLM
    offers nothing and the approver waits (UPGRADE_PATH refuses this commit); through 3.3.1
    on fast-3.x, the move validate accepts, the same tree comes up."""
    path = next(p for p in PORTFOLIOS if p.stem == "bare-metal")
    for sub in ("jump", "step", "a", "b"):
        (tmp_path / sub).mkdir()
    jump = built(with_pin(path, tmp_path / "jump", "3.3", channel=None))[0].files
    stuck = run(path, tmp_path / "a", Timeline(), commits=[(2 * 3600, jump)], until=5 * 3600)
    assert any("approve-rhods-operator" in why for why in stuck.unhealthy().values()), stuck.unhealthy()
    step = built(with_pin(path, tmp_path / "step", "3.3"))[0].files      # 3.3.1 on fast-3.x
    assert run(path, tmp_path / "b", Timeline(), commits=[(2 * 3600, step)]).unhealthy() == {}
