"""Presenting a plan: a rich table for people, the JSON contract for scripts."""
from __future__ import annotations

import functools

from rich.cells import cell_len
from rich.console import Console, JustifyMethod
from rich.text import Text
from rich.table import Table

from . import fleetplan, components
from .catalog import GB, GIB
from .plan import EnvPlan, Fit, Plan, unpriced

STYLE = {"Admitted": "green", "Pending": "yellow", "Standby": "dim", "Off": "dim"}


def plan_json(plan: Plan, envs: list[EnvPlan], findings: list | None = None) -> dict:
    from .reporters import finding_json
    return {
        "portfolio": plan.portfolio.metadata.name,
        # what the rules found in the portfolio (the same records as validate's)
        "findings": [finding_json(f) for f in findings or []],
        "fleets": [fleetplan.fleet_json(f) for f in fleetplan.fleets(plan, envs)],
        "environments": [{
            "name": e.name,
            "kueue": e.components["kueue"],     # false: no quota applies, node fit only
            "openshiftAI": release_json(e),
            "clusterWide": [name for name, _ in components.singletons(plan, e)],
            # the components beyond the core that are on here, each with what it renders
            "components": {c.name: summary for c in components.REGISTRY
                           if e.components[c.name] and (summary := c.summary(plan.portfolio, e))},
            "quota": {p.name: {"gpus": p.quota_gpus, "used": e.used[p.name],
                               "pending": e.pending[p.name]} for p in e.pools},
            # null when a pool in use has no price: never an invented number
            "monthlyUSD": None if unpriced(e) else round(sum(m.monthly_usd for m in e.models), 2),
            "models": [{
                "name": m.name, "state": m.state, "gpus": m.model.gpus, "nodes": m.model.nodes,
                "replicas": m.replicas, "pool": m.flavor or (m.pools[0] if m.pools else None),
                "flavors": m.flavors,
                "pools": m.pools, "storage": m.storage.kind, "storageReason": m.storage.reason,
                "weightsGB": round(m.fit.weights_gb, 2), **fit_json(m.fit, m.model.gpus),
                "admission": m.admission, "reason": m.reason,
                "monthlyUSD": None if unpriced(e, m) else round(m.monthly_usd, 2),
            } for m in e.models],
        } for e in envs],
    }


def release_json(e: EnvPlan) -> dict:
    t = e.target
    return {"release": t.release.version, "channel": t.channel, "version": t.version,
            "kueueChannel": t.kueue_channel, "kueueAPI": f"kueue.x-k8s.io/{t.kueue_api}",
            "vllm": t.vllm, "image": t.image}


def release_line(e: EnvPlan) -> str:
    t = e.target
    return (f"OpenShift AI {t.version or t.release.version + ' (following the channel)'} on "
            f"{t.channel}, vLLM {t.vllm}, Kueue operator {t.kueue_channel} "
            f"(kueue.x-k8s.io/{t.kueue_api})")


def fit_json(fit: Fit, gpus: int) -> dict:
    """GPU fit per model: vLLM's start-up numbers per GPU (see docs/gpu-fit.md); kvCacheGB and
    usableGB keep their meaning of before, over all of the model's GPUs in decimal GB."""
    e = fit.estimate

    def r(value):
        return None if value is None else round(value, 2)
    total = gpus * GIB / GB
    return {
        "fits": fit.fits, "architecture": fit.architecture or None,
        "weightsGiB": r(e and e.weights_gib), "kvPoolGiB": r(e and e.kv_pool_gib),
        "kvTokens": e.kv_tokens if e else None, "maxConcurrency": r(e and e.max_concurrency),
        "maxModelLen": e.max_model_len if e else None,
        "kvCacheGB": r(e and e.sequence_gib * total),      # one maxModelLen sequence
        "usableGB": r(e and (e.weights_gib + e.activation_gib + e.non_torch_gib + e.kv_pool_gib)
                      * total),                                  # GPUs x memory x utilisation
        "fitReason": fit.reason or None,
        "largestMaxModelLen": fit.largest_max_model_len, "smallestTensorParallel": fit.smallest_tp,
        "measured": fit.measured or None,
    }


def fit_cells(fit: Fit) -> tuple[str, str, str, str, str]:
    """weights GiB, KV pool GiB, KV tokens, concurrency, fit."""
    e = fit.estimate
    verdict = "?" if fit.fits is None else ("yes" if fit.fits else "NO")
    if fit.measured:        # from a kept start-up log, not the estimate
        verdict += " (measured)"
    if not e:
        return "-", "-", "-", "-", verdict
    pool = f"{e.kv_pool_gib:.1f}" if e.kv_pool_gib > 0 else "0"
    return (f"{e.weights_gib:.1f}", pool, f"{e.kv_tokens:,}" if e.kv_tokens else "-",
            f"{e.max_concurrency:.1f}" if e.max_concurrency else "0", verdict)


# The plan table's columns, with the order in which they are left out when the console is
# too narrow (highest first); 0: always shown. Names are never cut (`mistral-3-bf…` and
# `mistral-3-in…` looked alike): the reason column wraps instead.
# At 80 columns the table keeps what a reader decides on: state, fit, admission and cost.
COLUMNS: tuple[tuple[str, JustifyMethod, int], ...] = (
    ("model", "left", 0), ("state", "left", 0), ("GPUs", "right", 1), ("pool", "left", 3),
    ("storage", "left", 6), ("weights", "right", 8), ("KV pool", "right", 5),
    ("KV tokens", "right", 7), ("conc", "right", 4), ("fit", "center", 0),
    ("admission", "left", 0), ("$/month", "right", 0), ("reason", "left", 0))
REASON_MIN = 16     # the reason wraps, but not one word a line


def plan_rows(e: EnvPlan) -> list[list[str | Text]]:
    rows: list[list[str | Text]] = []
    for m in e.models:
        # a model vLLM would refuse (or cannot be sized) says why; others their admission
        reason = m.reason if m.fit.fits else f"{m.fit.reason} ({m.reason})"
        rows.append([m.name, m.state, m.gpus_text, ", ".join(dict.fromkeys(m.flavors)) or ", ".join(m.pools) or "-",
                     m.storage.kind, *fit_cells(m.fit), Text(m.admission, style=STYLE.get(m.admission, "")),
                     "n/a" if unpriced(e, m) else f"{m.monthly_usd:,.0f}" if m.monthly_usd else "-",
                     Text(reason)])
    return rows


def fitting_columns(rows: list[list[str | Text]], width: int) -> list[int]:
    """Indexes of the columns that fit in `width` (a heavy-head table: 3 characters around
    each cell, 1 at the edge), leaving out the least needed first."""
    widths = [max([cell_len(str(r[i])) for r in rows] + [len(name)]) for i, (name, _, _) in enumerate(COLUMNS)]
    widths[-1] = min(widths[-1], REASON_MIN)
    keep = list(range(len(COLUMNS)))
    for i in sorted((i for i, c in enumerate(COLUMNS) if c[2]), key=lambda i: -COLUMNS[i][2]):
        if 1 + sum(widths[k] + 3 for k in keep) <= width:
            break
        keep.remove(i)
    return keep


def print_plan(console: Console, plan: Plan, envs: list[EnvPlan]) -> None:
    for e in envs:
        # weights and KV pool in GiB per GPU; conc: maxModelLen requests the KV pool holds
        table = Table(title=f"{plan.portfolio.metadata.name} / {e.name}", title_justify="left")
        rows = plan_rows(e)
        keep = fitting_columns(rows, console.width)
        for i in keep:
            name, justify, priority = COLUMNS[i]
            longest = max([cell_len(str(r[i])) for r in rows] + [len(name)])
            # names and short values keep their width; only the reason gives way, and below
            # that a name folds onto a second line rather than lose its end
            table.add_column(name, justify=justify, overflow="fold",
                             min_width=None if name == "reason" else longest)
        for row in rows:
            table.add_row(*(row[i] for i in keep))
        console.print(table)
        # the lines under the table wrap at the terminal's width (findings never do)
        say = functools.partial(console.print, soft_wrap=False)
        left_out = [COLUMNS[i][0] for i in range(len(COLUMNS)) if i not in keep]
        if left_out:
            say(f"  not shown at {console.width} columns: {', '.join(left_out)} "
                          "(a wider terminal or --format json has them)")
        used = sum(e.used.values())
        kueue = e.components["kueue"]
        quota = sum(p.quota_gpus if kueue else p.capacity for p in e.pools)
        if not kueue:
            say("  no Kueue in this environment: no quota applies, node fit only")
        for p in e.pools:
            say(f"  {p.name}: {e.used[p.name]}/{p.quota_gpus if kueue else p.capacity} "
                          f"GPUs {'used' if kueue else 'on nodes'}"
                          + (f", {e.pending[p.name]} pending" if e.pending[p.name] else "")
                          + f" ({p.nodes_text}, "
                          + ("no price: cost n/a)" if p.hourly_usd is None else f"${p.hourly_usd:.4f}/h per node)"))
        total = sum(m.monthly_usd for m in e.models)
        cost = ("cost n/a (a pool in use has no hourlyUSD)" if unpriced(e) else
                f"${total:,.0f}/month at on-demand prices")
        say(f"  total: {used}/{quota} GPUs {'admitted' if kueue else 'running'}, {cost}")
        say(Text(f"  {release_line(e)}"))
        for c in components.REGISTRY:
            if e.components[c.name] and (summary := c.summary(plan.portfolio, e)):
                say(Text(f"  {c.name}: {summary}"))
        owned = components.singletons(plan, e)
        if owned:
            say(Text(f"  cluster-wide objects a sync writes: {', '.join(n for n, _ in owned)} "
                               "(the tree README says what it sets on each)"))
        console.print()
    for f in fleetplan.fleets(plan, envs):
        print_fleet(console, plan, f)


def print_fleet(console: Console, plan: Plan, f: fleetplan.FleetPlan) -> None:
    """A fleet's matrix: a row per cluster, what queues there, and the fleet's totals."""
    table = Table(title=f"{plan.portfolio.metadata.name} / fleet {f.name} ({f.selector}): "
                        f"{len(f.rows)} cluster(s)", title_justify="left")
    for name, justify in (("cluster", "left"), ("OpenShift AI", "left"), ("GPUs used", "right"),
                          ("headroom", "right"), ("admitted", "right"), ("Pending", "left"),
                          ("$/month", "right")):
        table.add_column(name, justify=justify, overflow="fold")   # type: ignore[arg-type]
    for r in f.rows:
        admitted = sum(a == "Admitted" for a in r.admission.values())
        pending = [m for m, a in r.admission.items() if a == "Pending"]
        table.add_row(r.cluster, r.release, f"{r.used}/{r.gpus}", str(r.headroom), str(admitted),
                      Text(", ".join(pending) or "-", style="yellow" if pending else ""),
                      "n/a" if r.monthly_usd is None else f"{r.monthly_usd:,.0f}")
    console.print(table)
    cost = "cost n/a" if f.monthly_usd is None else f"${f.monthly_usd:,.0f}/month"
    where = (f"; a cluster that joins with {f.selector} gets environment {f.profile}"
             if f.profile else "; no other cluster joins (count)")
    console.print(Text(f"  fleet {f.name}: {f.used}/{f.gpus} GPUs admitted on {len(f.rows)} "
                       f"cluster(s), {cost}{where}"), soft_wrap=False)
    console.print()


# --- the plan's diff -------------------------------------------------------------------

def arrow(before: object, after: object) -> str:
    """One cell of a diff: the value, or `old → new` when it changed."""
    if before == after:
        return str(after)
    return f"{'-' if before is None else before} → {'-' if after is None else after}"


def usd(value: float) -> str:
    return f"{value:,.0f}" if value else "-"


def signed_usd(value: float) -> str:
    """+$3,359 / -$3,359 / $0: the sign is the news."""
    rounded = round(value)
    return f"+${rounded:,}" if rounded > 0 else f"-${-rounded:,}" if rounded < 0 else "$0"


def model_cells(m) -> list[str]:
    """state, GPUs, pool, fit, admission, replicas, $/month, change: before → after."""
    b, a = m.before, m.after

    def get(s, attr):
        return None if s is None else getattr(s, attr)
    cells = [arrow(get(b, f), get(a, f)) for f in ("state", "gpus", "pool", "fit", "admission", "replicas")]
    cells.append(arrow(usd(b.monthly_usd) if b else None, usd(a.monthly_usd) if a else None))
    change = ("added" if b is None else "removed" if a is None else
              ", ".join(m.changed) if m.changed else "")
    return cells + [change]


def use_cell(u) -> str:
    if u is None:
        return "-"
    return f"{u.used}/{u.quota}" + (f" (+{u.pending} pending)" if u.pending else "")


def diff_summary(d) -> str:
    if d.status in ("added", "removed"):
        return f"{d.name} ({d.file}): portfolio {d.status}"
    return f"{d.name} ({d.file}): {d.status}"


def print_diff(console: Console, diffs: list, rev: str) -> None:
    for d in diffs:
        console.print(diff_summary(d) + f", against {rev}")
        for e in d.environments:
            title = f"{d.name} / {e.name}" + ("" if e.status == "changed" else f" ({e.status})")
            changed = e.changed_models
            if changed:
                table = Table(title=title, title_justify="left")
                for col in ("model", "state", "GPUs", "pool", "fit", "admission", "replicas",
                            "$/month", "changed"):
                    table.add_column(col, justify="right" if col in ("GPUs", "replicas", "$/month") else "left")
                for m in changed:
                    table.add_row(m.name, *model_cells(m))
                console.print(table)
            else:
                console.print(f"{title}: no model changes")
            for p in e.pools:
                console.print(f"  {p.name}: {use_cell(p.before)} → {use_cell(p.after)} GPUs used"
                              if p.changed else f"  {p.name}: {use_cell(p.after)} GPUs used (unchanged)")
            console.print(f"  monthly: ${e.monthly_before:,.0f} → ${e.monthly_after:,.0f} "
                          f"({signed_usd(e.monthly_delta)})")
            if e.release:
                console.print(Text(f"  OpenShift AI: {e.release.before} → {e.release.after}"))
                for problem in e.release.problems:
                    console.print(Text(f"  error: {problem}"))
            for m in e.models:
                if m.became_pending:
                    console.print(f"  becomes Pending: {m.name}: {m.after.reason}")
        console.print("")
