"""The plan of a fleet as a matrix: per cluster its release, GPU quota, use and headroom,
cost, and each model's admission there; fleet totals. Pure: the plan in, records out (the
reports print them)."""
from __future__ import annotations

from dataclasses import dataclass, field

from .plan import EnvPlan, Plan, unpriced


@dataclass
class ClusterRow:
    cluster: str
    env: str
    release: str
    gpus: int                   # the quota (node capacity where Kueue is off)
    used: int
    pending: int
    monthly_usd: float | None   # None: a pool without a price
    admission: dict[str, str] = field(default_factory=dict)     # model -> Admitted, Pending, ...

    @property
    def headroom(self) -> int:
        return self.gpus - self.used


@dataclass
class FleetPlan:
    name: str                   # the environment that selects the clusters
    selector: str               # its labels, k=v, ...
    rows: list[ClusterRow]
    profile: str | None         # the environment a cluster that joins gets (None: a counted fleet)

    @property
    def gpus(self) -> int:
        return sum(r.gpus for r in self.rows)

    @property
    def used(self) -> int:
        return sum(r.used for r in self.rows)

    @property
    def monthly_usd(self) -> float | None:
        costs = [r.monthly_usd for r in self.rows]
        return None if any(c is None for c in costs) else sum(c for c in costs if c is not None)

    def pending(self) -> list[tuple[str, str]]:
        """(model, cluster) of every model that queues somewhere in the fleet."""
        return [(m, r.cluster) for r in self.rows for m, a in r.admission.items() if a == "Pending"]


def row(env: EnvPlan, cluster: str) -> ClusterRow:
    kueue = env.components["kueue"]
    return ClusterRow(cluster, env.name, env.target.release.version,
                      sum(p.quota_gpus if kueue else p.capacity for p in env.pools),
                      sum(env.used.values()), sum(env.pending.values()),
                      None if unpriced(env) else round(sum(m.monthly_usd for m in env.models), 2),
                      {m.name: m.admission for m in env.models})


def fleets(plan: Plan, envs: list[EnvPlan] | None = None) -> list[FleetPlan]:
    """Each fleet with a row per cluster; with `envs` (plan --env), only their clusters, and
    only the fleets that keep one."""
    by_name = {e.name: e for e in plan.environments}
    shown = {e.name for e in (plan.environments if envs is None else envs)}
    out = []
    for name, chosen in plan.portfolio.fleet.selected.items():
        rows = [row(by_name[m], m.removeprefix(f"{name}-")) for m in chosen["environments"] if m in shown]
        if not rows:
            continue
        labels = ", ".join(f"{k}={v}" for k, v in chosen["matchLabels"].items())
        out.append(FleetPlan(name, labels + (f"; {chosen['count']} of them" if chosen["count"] else ""),
                             rows, name if name in by_name else None))
    return out


def fleet_json(f: FleetPlan) -> dict:
    return {"name": f.name, "selector": f.selector, "profile": f.profile,
            "gpus": f.gpus, "used": f.used,
            "monthlyUSD": None if f.monthly_usd is None else round(f.monthly_usd, 2),
            "pending": [{"model": m, "cluster": c} for m, c in f.pending()],
            "clusters": [{"name": r.cluster, "environment": r.env, "openshiftAI": r.release,
                          "gpus": r.gpus, "used": r.used, "headroom": r.headroom,
                          "pending": r.pending, "monthlyUSD": r.monthly_usd,
                          "models": r.admission} for r in f.rows]}
