"""What a commit changes in the plan: the plan of each portfolio before (at a Git revision)
and after (the working tree), compared per environment. Pure: plans in, data out.

A model is listed as changed when what the cluster would do with it changes: its state,
predicted admission, vLLM fit, flavor, replicas or monthly cost. Quota use is compared per
pool, and the monthly cost per environment; a move of the OpenShift AI release (or the Kueue
operator) is checked against OLM's upgrade graph.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .plan import EnvPlan, ModelPlan, Plan
from .releases import Target, move_problem

FIELDS = ("state", "admission", "fit", "pool", "replicas", "monthlyUSD")


@dataclass(frozen=True)
class ModelState:
    state: str
    gpus: int
    admission: str
    reason: str
    fit: str                    # yes | NO | ? (as in the plan's table)
    pool: str | None
    replicas: int
    monthly_usd: float

    def value(self, field: str) -> object:
        return {"state": self.state, "admission": self.admission, "fit": self.fit,
                "pool": self.pool, "replicas": self.replicas,
                "monthlyUSD": round(self.monthly_usd, 2)}[field]


@dataclass(frozen=True)
class ModelDiff:
    name: str
    before: ModelState | None   # None: not in the portfolio before
    after: ModelState | None    # None: removed from the portfolio
    changed: tuple[str, ...]    # FIELDS that differ (all of them when added or removed)

    @property
    def became_pending(self) -> bool:
        """Pending after and not before: what `--fail-on-pending` counts in a diff."""
        return (self.after is not None and self.after.admission == "Pending"
                and (self.before is None or self.before.admission != "Pending"))

    @property
    def monthly_delta(self) -> float:
        return ((self.after.monthly_usd if self.after else 0.0)
                - (self.before.monthly_usd if self.before else 0.0))


@dataclass(frozen=True)
class Use:
    quota: int
    used: int
    pending: int


@dataclass(frozen=True)
class PoolDiff:
    name: str
    before: Use | None
    after: Use | None

    @property
    def changed(self) -> bool:
        return self.before != self.after


@dataclass(frozen=True)
class ReleaseMove:
    """The environment's OpenShift AI (and the Kueue operator it pairs with) before and after,
    and what OLM says of the move: None when it makes it by itself."""
    before: str                 # "3.0.0 on fast-3.x"
    after: str
    problems: tuple[str, ...]


@dataclass(frozen=True)
class EnvDiff:
    name: str
    status: str                 # added | removed | changed | unchanged
    models: list[ModelDiff]     # changed models first, each group in portfolio order
    pools: list[PoolDiff]
    monthly_before: float
    monthly_after: float
    release: ReleaseMove | None = None      # None: the same release, channel and pins

    @property
    def changed_models(self) -> list[ModelDiff]:
        return [m for m in self.models if m.changed]

    @property
    def monthly_delta(self) -> float:
        return self.monthly_after - self.monthly_before


@dataclass(frozen=True)
class PortfolioDiff:
    name: str
    file: str
    status: str                 # added | removed | changed | unchanged
    environments: list[EnvDiff]
    fleets: dict[str, list[str]] = field(default_factory=dict)     # fleet -> its clusters' environments

    @property
    def became_pending(self) -> list[str]:
        return [f"{e.name}/{m.name}" for e in self.environments for m in e.models
                if m.became_pending]

    @property
    def upgrade_problems(self) -> list[str]:
        """Operator moves OLM cannot make: the plan diff fails on them."""
        return [f"{e.name}: {p}" for e in self.environments if e.release for p in e.release.problems]


def model_state(mp: ModelPlan) -> ModelState:
    fit = "?" if mp.fit.fits is None else ("yes" if mp.fit.fits else "NO")
    return ModelState(mp.state, mp.model.gpus, mp.admission, mp.reason, fit,
                      mp.flavor or (mp.pools[0] if mp.pools else None), mp.replicas,
                      mp.monthly_usd)


def _union(after: list[str], before: list[str]) -> list[str]:
    """Names in the new order, then the ones that are gone, in their old order."""
    return after + [n for n in before if n not in after]


def _use(env: EnvPlan | None, pool: str) -> Use | None:
    if env is None or pool not in env.used:
        return None
    quota = next(p.quota_gpus for p in env.pools if p.name == pool)
    return Use(quota, env.used[pool], env.pending[pool])


def _side(t: Target) -> str:
    return f"{t.version or t.release.version} on {t.channel} (Kueue operator {t.kueue_channel})"


def release_move(before: EnvPlan | None, after: EnvPlan | None) -> ReleaseMove | None:
    if before is None or after is None:
        return None
    b, a = before.target, after.target
    if (b.channel, b.version, b.kueue_channel) == (a.channel, a.version, a.kueue_channel):
        return None
    problems = [problem for key, old, new in (
        ("rhoai", (b.channel, b.csv), (a.channel, a.csv)),
        ("kueue", (b.kueue_channel, None), (a.kueue_channel, None)))
        if (problem := move_problem(key, old, new))]
    return ReleaseMove(_side(b), _side(a), tuple(problems))


def diff_env(name: str, before: EnvPlan | None, after: EnvPlan | None) -> EnvDiff:
    old = {m.name: model_state(m) for m in before.models} if before else {}
    new = {m.name: model_state(m) for m in after.models} if after else {}
    models = []
    for model in _union(list(new), list(old)):
        b, a = old.get(model), new.get(model)
        changed = FIELDS if b is None or a is None else tuple(
            f for f in FIELDS if b.value(f) != a.value(f))
        models.append(ModelDiff(model, b, a, changed))
    models = [m for m in models if m.changed] + [m for m in models if not m.changed]
    pools = [PoolDiff(p, _use(before, p), _use(after, p)) for p in _union(
        [p.name for p in after.pools] if after else [], [p.name for p in before.pools] if before else [])]
    release = release_move(before, after)
    status = ("added" if before is None else "removed" if after is None else
              "changed" if any(m.changed for m in models) or any(p.changed for p in pools) or release
              else "unchanged")
    return EnvDiff(name, status, models, pools,
                   sum(m.monthly_usd for m in before.models) if before else 0.0,
                   sum(m.monthly_usd for m in after.models) if after else 0.0, release)


def diff_plans(name: str, file: str, before: Plan | None, after: Plan | None,
               only_env: str | None = None) -> PortfolioDiff:
    old = {e.name: e for e in before.environments} if before else {}
    new = {e.name: e for e in after.environments} if after else {}
    envs = [diff_env(e, old.get(e), new.get(e)) for e in _union(list(new), list(old))
            if only_env is None or e == only_env]
    status = ("added" if before is None else "removed" if after is None else
              "changed" if any(e.status != "unchanged" for e in envs) else "unchanged")
    fleets = {fleet: list(chosen["environments"]) for plan in (before, after) if plan is not None
              for fleet, chosen in plan.portfolio.fleet.selected.items()}
    return PortfolioDiff(name, file, status, envs, fleets)


# --- the JSON contract ---------------------------------------------------------------

def _state_json(s: ModelState | None) -> dict | None:
    if s is None:
        return None
    return {"state": s.state, "gpus": s.gpus, "admission": s.admission, "reason": s.reason,
            "fit": s.fit, "pool": s.pool, "replicas": s.replicas,
            "monthlyUSD": round(s.monthly_usd, 2)}


def _use_json(u: Use | None) -> dict | None:
    return None if u is None else {"gpus": u.quota, "used": u.used, "pending": u.pending}


def diff_json(d: PortfolioDiff, rev: str) -> dict:
    return {
        "portfolio": d.name, "file": d.file, "revision": rev, "status": d.status,
        "becamePending": d.became_pending,
        "environments": [{
            "name": e.name, "status": e.status,
            "monthlyUSD": {"before": round(e.monthly_before, 2), "after": round(e.monthly_after, 2),
                           "delta": round(e.monthly_delta, 2)},
            "quota": {p.name: {"before": _use_json(p.before), "after": _use_json(p.after)}
                      for p in e.pools},
            "openshiftAI": None if e.release is None else {
                "before": e.release.before, "after": e.release.after,
                "problems": list(e.release.problems)},
            "models": [{"name": m.name, "changed": list(m.changed),
                        "becamePending": m.became_pending,
                        "before": _state_json(m.before), "after": _state_json(m.after)}
                       for m in e.models],
        } for e in d.environments],
    }
