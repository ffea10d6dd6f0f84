"""Presenting a plan: a rich table for people, the JSON contract for scripts."""
from __future__ import annotations

from rich.console import Console
from rich.table import Table

from .plan import EnvPlan, Plan

STYLE = {"Admitted": "green", "Pending": "yellow", "Standby": "dim", "Off": "dim"}


def plan_json(plan: Plan, envs: list[EnvPlan]) -> dict:
    return {
        "portfolio": plan.portfolio.metadata.name,
        "environments": [{
            "name": e.name,
            "kueue": e.components["kueue"],     # false: no quota applies, node fit only
            "quota": {p.name: {"gpus": p.quota_gpus, "used": e.used[p.name],
                               "pending": e.pending[p.name]} for p in e.pools},
            "monthlyUSD": round(sum(m.monthly_usd for m in e.models), 2),
            "models": [{
                "name": m.name, "state": m.state, "gpus": m.model.gpus,
                "replicas": m.replicas, "pool": m.flavor or (m.pools[0] if m.pools else None),
                "flavors": m.flavors,
                "pools": m.pools, "storage": m.storage.kind, "storageReason": m.storage.reason,
                "weightsGB": round(m.fit.weights_gb, 2),
                "kvCacheGB": None if m.fit.kv_gb is None else round(m.fit.kv_gb, 2),
                "usableGB": round(m.fit.usable_gb, 2), "fits": m.fit.fits,
                "admission": m.admission, "reason": m.reason,
                "monthlyUSD": round(m.monthly_usd, 2),
            } for m in e.models],
        } for e in envs],
    }


def print_plan(console: Console, plan: Plan, envs: list[EnvPlan]) -> None:
    for e in envs:
        table = Table(title=f"{plan.portfolio.metadata.name} / {e.name}", title_justify="left")
        for col, justify in (("model", "left"), ("state", "left"), ("GPUs", "right"),
                             ("pool", "left"), ("storage", "left"), ("weights/usable GB", "right"),
                             ("fit", "center"), ("admission", "left"), ("$/month", "right"),
                             ("reason", "left")):
            table.add_column(col, justify=justify)
        for m in e.models:
            fit = "-" if m.fit.fits is None else ("yes" if m.fit.fits else "NO")
            kv = f"+{m.fit.kv_gb:.1f}" if m.fit.kv_gb else ""
            style = STYLE.get(m.admission, "")
            table.add_row(m.name, m.state, f"{m.model.gpus}x{m.model.replicas}" if m.model.replicas > 1
                          else str(m.model.gpus), ", ".join(dict.fromkeys(m.flavors)) or ", ".join(m.pools) or "-",
                          m.storage.kind, f"{m.fit.weights_gb:.1f}{kv}/{m.fit.usable_gb:.1f}", fit,
                          f"[{style}]{m.admission}[/{style}]" if style else m.admission,
                          f"{m.monthly_usd:,.0f}" if m.monthly_usd else "-", m.reason)
        console.print(table)
        used = sum(e.used.values())
        kueue = e.components["kueue"]
        quota = sum(p.quota_gpus if kueue else p.capacity for p in e.pools)
        if not kueue:
            console.print("  no Kueue in this environment: no quota applies, node fit only")
        for p in e.pools:
            console.print(f"  {p.name}: {e.used[p.name]}/{p.quota_gpus if kueue else p.capacity} "
                          f"GPUs {'used' if kueue else 'on nodes'}"
                          + (f", {e.pending[p.name]} pending" if e.pending[p.name] else "")
                          + f" ({p.pool.nodes} x {p.pool.instanceType}, ${p.hourly_usd:.4f}/h per node)")
        total = sum(m.monthly_usd for m in e.models)
        console.print(f"  total: {used}/{quota} GPUs {'admitted' if kueue else 'running'}, "
                      f"${total:,.0f}/month at on-demand prices\n")
