"""The workbench's notebook: the GPU-as-a-Service demo's three scenarios (resource conflict, handover,
efficiency) for one environment of a portfolio, each step with what `gpuaas plan` predicts
for it, so the notebook and the plan cannot disagree.

Pure: the steps are plans (plan.resolve_env with the step's states), the notebook is text
with fixed cell ids (the same portfolio gives the same bytes).
"""
from __future__ import annotations

import pprint
from dataclasses import dataclass
from importlib import resources

from .plan import EnvPlan, ModelPlan, resolve_env
from .portfolio.schema import Portfolio

NOTEBOOK = "GPU-Orchestrator.ipynb"
SCENARIOS = (("conflict", "resource conflict"), ("handover", "handover"), ("efficiency", "efficiency"))
NOT_PLAYED = ("A conflict needs a standby model that would queue; a handover, an admitted model "
              "whose release lets it in; efficiency, standby models with fewer GPUs than the "
              "largest active one that may run on its pool (no `pool` pins them elsewhere).")
HELPERS = "switchboard.py"


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    story: str
    states: dict[str, str]      # every rendered model's state in this step
    changes: dict[str, str]     # what this step switches, from the one before
    plan: EnvPlan

    def model(self, name: str) -> ModelPlan:
        return next(m for m in self.plan.models if m.name == name)


def steps(p: Portfolio, env: EnvPlan) -> list[Step]:
    """Baseline, then each scenario the portfolio can play; a scenario it cannot (no model on
    standby, nothing to release) is left out rather than faked."""
    base = {mp.name: mp.state for mp in env.rendered_models}

    def step(key, title, story, states, changes):
        return Step(key, title, story, states, changes, resolve_env(p, env.name, states))

    out = [Step("baseline", "Baseline", "what the portfolio runs", base, {}, env)]
    standby = [mp for mp in env.rendered_models if mp.state == "standby"]
    conflict = None
    for mp in standby:      # the first standby model that would queue: request more than there is
        trial = step("conflict", "", "", {**base, mp.name: "active"}, {mp.name: "active"})
        if trial.model(mp.name).admission == "Pending":
            conflict = trial
            break
    if conflict:
        name = next(iter(conflict.changes))
        out.append(Step("conflict", "Scenario 1: resource conflict",
                        f"activate {name}: more GPUs requested than the quota has",
                        conflict.states, conflict.changes, conflict.plan))
        # release the first admitted model whose GPUs let the waiting one in
        for mp in conflict.plan.models:
            if mp.admission != "Admitted" or mp.name == name:
                continue
            trial = step("handover", "Scenario 2: handover",
                         f"release {mp.name}: {name} takes its GPUs",
                         {**conflict.states, mp.name: "standby"}, {mp.name: "standby"})
            if trial.model(name).admission == "Admitted":
                out.append(trial)
                break
    active = [mp for mp in env.rendered_models if mp.state == "active"]
    if active:
        big = max(active, key=lambda mp: mp.model.gpus)
        freed = set(big.flavors)    # smaller models that may run where it ran
        small = [mp.name for mp in standby if mp.model.gpus < big.model.gpus and freed & set(mp.pools)]
        if small:
            changes = {big.name: "standby", **{n: "active" for n in small}}
            out.append(step("efficiency", "Scenario 3: efficiency",
                            f"trade {big.name} ({big.model.gpus} GPUs) for {len(small)} smaller "
                            f"model(s): {', '.join(small)}", {**base, **changes}, changes))
    return out


def expectation(s: Step) -> dict:
    models = {}
    for mp in s.plan.rendered_models:
        models[mp.name] = {"admission": mp.admission, "reason": mp.reason, "replicas": mp.replicas,
                           "admitted": mp.admitted_replicas, "flavors": list(mp.flavors)}
    return {"states": dict(s.states), "models": models,
            "used": {pool: s.plan.used[pool] for pool in s.plan.used}}


def data(p: Portfolio, env: EnvPlan, switching: str, chosen: list[Step]) -> dict:
    return {"portfolio": p.metadata.name, "environment": env.name,
            "environments": len(p.environments), "namespace": p.serving.namespace,
            "switching": switching,
            "quota": {pool.name: pool.quota_gpus for pool in env.pools},
            "models": {mp.name: {"gpus": mp.model.gpus, "replicas": mp.model.replicas,
                                 "pools": mp.pools} for mp in env.rendered_models},
            "steps": {s.key: expectation(s) for s in chosen}}


def predicted(s: Step) -> str:
    """The plan's verdict on a step, as Markdown lines."""
    lines = []
    for mp in s.plan.rendered_models:
        note = f": {mp.reason}" if mp.reason and mp.admission in ("Admitted", "Pending") else ""
        lines.append(f"- `{mp.name}` ({mp.model.gpus} GPU{'s' if mp.model.gpus != 1 else ''}): "
                     f"**{mp.admission}**{note}")
    used = sum(s.plan.used.values())
    quota = sum(pool.quota_gpus for pool in s.plan.pools)
    lines.append(f"\n{used}/{quota} GPUs admitted (" + ", ".join(
        f"{pool.name} {s.plan.used[pool.name]}/{pool.quota_gpus}" for pool in s.plan.pools) + ").")
    return "\n".join(lines)


def notebook(p: Portfolio, env: EnvPlan, switching: str) -> str:
    import nbformat
    from nbformat import v4
    chosen = steps(p, env)
    how = ("**live**: `switch()` patches the InferenceServices' `minReplicas`/`maxReplicas`; "
           "Argo CD leaves those two fields to the workbench (`ignoreDifferences` with "
           "`RespectIgnoreDifferences=true` on the serving Application), so a switch stays until "
           "the next switch. `go('baseline')` hands the models back to what the portfolio says."
           if switching == "live" else
           "**commit**: the tree in Git decides what runs. `go()` prints the `gpuaas activate` / "
           "`deactivate` commands of a switch; once the commit is pushed and Argo CD has synced, "
           "`wait()` reads the cluster until it is as predicted.")
    cells = [
        v4.new_markdown_cell(
            f"# GPU orchestrator: {p.metadata.name} / {env.name}\n\n"
            f"Three GPU-as-a-Service scenarios (resource conflict, handover, efficiency) on this "
            f"portfolio's models in `{p.serving.namespace}`: each "
            "step shows what `gpuaas plan` predicts, switches, and reads the InferenceServices "
            "and Kueue Workloads until the cluster matches the prediction.\n\n"
            f"Switching is {how}\n\n"
            "Generated by gpuaas from the portfolio and refreshed with every sync (read-only "
            "here): to keep edits, save a copy outside `gpuaas/`."),
        v4.new_code_cell((resources.files("gpuaas") / "scripts" / HELPERS).read_text()),
        v4.new_code_cell("# What gpuaas planned for each step (the notebook compares the cluster with it)\n"
                         "PORTFOLIO = " + pprint.pformat(data(p, env, switching, chosen), width=100,
                                                         sort_dicts=False)),
    ]
    for s in chosen:
        intro = (f"## {s.title}\n\n" + (f"Step: {s.story}.\n\n" if s.changes else
                                        "The models as the portfolio has them.\n\n") +
                 "`gpuaas plan` predicts:\n\n" + predicted(s))
        cells.append(v4.new_markdown_cell(intro))
        if s.key != "baseline" or switching == "live":
            cells.append(v4.new_code_cell(f"go({s.key!r})"))
        cells.append(v4.new_code_cell(f"wait({s.key!r})"))
    missing = [title for key, title in SCENARIOS if key not in {s.key for s in chosen}]
    if missing:
        cells.append(v4.new_markdown_cell(
            f"Not played here: {', '.join(missing)}. " + NOT_PLAYED))
    if len(chosen) > 1:
        cells.append(v4.new_markdown_cell("## Back to the baseline"))
        cells.append(v4.new_code_cell("go('baseline')\nwait('baseline')"))
    nb = v4.new_notebook(cells=cells, metadata={
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"}})
    for i, cell in enumerate(nb.cells):     # fixed ids: the same portfolio, the same bytes
        cell["id"] = f"gpuaas-{i:02d}"
    nbformat.validate(nb)
    return nbformat.writes(nb) + "\n"
