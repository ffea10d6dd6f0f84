"""The plan and its diff as Markdown for a pull-request comment: compact tables (changed rows
first) and a Mermaid chart of GPU quota use per pool. Pure: data in, text out.

Every value from a portfolio goes through `cell` (or `mermaid.text`), so a name cannot start
a table column, a link, HTML or a code span.
"""
from __future__ import annotations

import re
from collections.abc import Collection

from . import components, fleetplan, mermaid
from .plan import EnvPlan, Plan
from .plandiff import EnvDiff, PortfolioDiff, Use
from .report import model_cells, signed_usd, usd

# The first line of every diff comment: a workflow finds its earlier comment by it.
DIFF_MARKER = "<!-- gpuaas plan --diff -->"
PLAN_MARKER = "<!-- gpuaas plan -->"


def cell(value: object) -> str:
    """A table cell: one line, HTML and Markdown punctuation escaped."""
    text = re.sub(r"\s+", " ", str(value)).strip()
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"([\\`*_\[\]|#!~])", r"\\\1", text) or "-"


def code(value: object) -> str:
    """Text for a code span: nothing in it is read as Markdown, but a backtick would end it."""
    return re.sub(r"[`\s]+", " ", str(value)).strip() or "-"


def row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def table(headers: list[str], rows: list[list[str]], right: Collection[str] = frozenset()) -> list[str]:
    rule = ["---:" if h in right else "---" for h in headers]
    return [row(headers), row(rule), *(row(r) for r in rows)]


def chart(title: str, bars: list[tuple[str, int, int]]) -> list[str]:
    return ["```mermaid", *mermaid.quota_chart(title, bars).splitlines(), "```",
            "", "<sub>Bars: GPU quota per pool (behind) and GPUs admitted (in front).</sub>"]


# --- plan ----------------------------------------------------------------------------

def fleet_markdown(plan: Plan, envs: list[EnvPlan]) -> list[str]:
    """Each fleet first, a row per cluster: readable at a hundred clusters, the environments'
    own tables below, folded."""
    lines: list[str] = []
    for f in fleetplan.fleets(plan, envs):
        cost = "cost n/a" if f.monthly_usd is None else f"${f.monthly_usd:,.0f}/month"
        lines += ["", f"### {cell(plan.portfolio.metadata.name)} / fleet {cell(f.name)} "
                  f"({cell(f.selector)}): {f.used}/{f.gpus} GPUs admitted on {len(f.rows)} "
                  f"cluster(s), {cost}", ""]
        lines += table(["cluster", "OpenShift AI", "GPUs used", "headroom", "Pending", "$/month"],
                       [[cell(r.cluster), r.release, f"{r.used}/{r.gpus}", str(r.headroom),
                         cell(", ".join(m for m, a in r.admission.items() if a == "Pending") or "-"),
                         "n/a" if r.monthly_usd is None else usd(r.monthly_usd)] for r in f.rows],
                       right={"GPUs used", "headroom", "$/month"})
    return lines


def plan_markdown(plan: Plan, envs: list[EnvPlan]) -> str:
    name = plan.portfolio.metadata.name
    lines = [PLAN_MARKER]
    fleet = fleet_markdown(plan, envs)
    lines += fleet
    if fleet:
        lines += ["", "<details><summary>Each cluster's environment</summary>"]
    for e in envs:
        total = sum(m.monthly_usd for m in e.models)
        pending = [m for m in e.models if m.admission == "Pending"]
        refused = [m for m in e.models if m.fit.fits is False]
        lines += ["", f"### {cell(name)} / {cell(e.name)}: "
                  f"{sum(e.used.values())}/{sum(p.quota_gpus for p in e.pools)} GPUs admitted, "
                  f"${total:,.0f}/month" + (f", {len(pending)} Pending" if pending else "")
                  + (f", {len(refused)} would not start" if refused else ""), ""]
        # what needs a reviewer's eye first: Pending, or a model vLLM would refuse
        first = [m for m in e.models if m.admission == "Pending" or m.fit.fits is False]
        models = first + [m for m in e.models if m not in first]
        lines += table(["model", "state", "GPUs", "pool", "fit", "admission", "$/month", "reason"],
                       [[cell(m.name), m.state, m.gpus_text, cell(m.flavor or ", ".join(m.pools) or "-"),
                         ("?" if m.fit.fits is None else "yes" if m.fit.fits else "**NO**")
                         + (" (measured)" if m.fit.measured else ""),
                         f"**{m.admission}**" if m.admission == "Pending" else m.admission,
                         usd(m.monthly_usd),
                         cell(m.reason if m.fit.fits else f"{m.fit.reason} ({m.reason})")]
                        for m in models], right={"GPUs", "$/month"})
        lines += [""] + table(["pool", "GPUs used", "pending", "quota"],
                              [[cell(p.name), str(e.used[p.name]), str(e.pending[p.name] or "-"),
                                str(p.quota_gpus)] for p in e.pools],
                              right={"GPUs used", "pending", "quota"})
        on = [(c.name, summary) for c in components.REGISTRY
              if e.components[c.name] and (summary := c.summary(plan.portfolio, e))]
        if on:
            lines += [""] + [f"- `{name}`: {cell(summary)}" for name, summary in on]
        lines += [""] + chart(f"{name} / {e.name}: GPUs per pool", mermaid.env_bars(e))
    if fleet:
        lines += ["", "</details>"]
    return "\n".join(lines) + "\n\n"


# --- diff ----------------------------------------------------------------------------

def _use(u: Use | None) -> str:
    if u is None:
        return "-"
    return f"{u.used}/{u.quota}" + (f" (+{u.pending} pending)" if u.pending else "")


def _headline(name: str, e: EnvDiff) -> str:
    became = [m.name for m in e.models if m.became_pending]
    parts = [f"{signed_usd(e.monthly_delta)}/month"]
    if e.status in ("added", "removed"):
        parts.insert(0, f"environment {e.status}")
    elif not e.changed_models:
        parts.insert(0, "no model changes")
    else:
        parts.insert(0, f"{len(e.changed_models)} model(s) change")
    if became:
        parts.append(f"{len(became)} become(s) Pending")
    return f"### {cell(name)} / {cell(e.name)}: " + ", ".join(parts)


def _env_lines(name: str, e: EnvDiff) -> list[str]:
    lines = ["", _headline(name, e), ""]
    rows = []
    for m in e.models:    # changed first (plandiff orders them)
        state, gpus, pool, fit, admission, replicas, cost, change = (cell(c) for c in model_cells(m))
        if m.became_pending:
            admission = f"**{admission}**"
        model = f"**{cell(m.name)}**" if m.changed else cell(m.name)
        rows.append([model, state, gpus, pool, fit, admission, replicas, cost, change or "-"])
    lines += table(["model", "state", "GPUs", "pool", "fit", "admission", "replicas", "$/month",
                    "changed"], rows, right={"GPUs", "replicas", "$/month"})
    lines += [""] + table(["pool", "before", "after"],
                          [[cell(p.name), _use(p.before), _use(p.after)] for p in e.pools])
    lines += ["", f"Monthly: ${e.monthly_before:,.0f} → ${e.monthly_after:,.0f} "
              f"(**{signed_usd(e.monthly_delta)}**) at on-demand prices."]
    became = [f"- **{cell(m.name)}** becomes Pending: {cell(m.after.reason)}"
              for m in e.models if m.became_pending and m.after is not None]
    lines += [""] + became if became else []
    if e.release:
        lines += ["", f"OpenShift AI: {cell(e.release.before)} → {cell(e.release.after)}."]
        lines += [f"- **cannot sync**: {cell(p)}" for p in e.release.problems]
    bars = []
    for p in e.pools:
        for when, u in (("before", p.before), ("after", p.after)):
            if u is not None:
                bars.append((f"{p.name} {when}" + (f" +{u.pending} pending" if u.pending else ""),
                             u.quota, u.used))
    lines += [""] + chart(f"{name} / {e.name}: GPUs per pool, before and after", bars)
    return lines


def diff_markdown(diffs: list[PortfolioDiff], rev: str) -> str:
    became = sum(len(d.became_pending) for d in diffs)
    delta = sum(e.monthly_delta for d in diffs for e in d.environments)
    lines = [DIFF_MARKER, f"## gpuaas plan against `{code(rev)}`", "",
             f"{sum(d.status != 'unchanged' for d in diffs)} of {len(diffs)} portfolio(s) "
             f"change the plan; monthly cost {signed_usd(delta)}"
             + (f"; **{became} model(s) become Pending**" if became else "") + "."]
    # portfolios that change come first, in the order they were given
    for d in sorted(diffs, key=lambda d: d.status == "unchanged"):
        if d.status == "unchanged":
            lines += ["", f"`{code(d.file)}` ({cell(d.name)}): no change to the plan."]
            continue
        if d.status in ("added", "removed"):
            lines += ["", f"**Portfolio {d.status}**: `{code(d.file)}` ({cell(d.name)})."]
        lines += _fleet_summary(d)
        if d.fleets:        # a hundred clusters stay readable: the fleets above, each one folded
            lines += ["", "<details><summary>Each environment and cluster</summary>"]
        for e in d.environments:
            if e.status != "unchanged":
                lines += _env_lines(d.name, e)
        same = [e.name for e in d.environments if e.status == "unchanged"]
        if same:
            lines += ["", f"{cell(d.name)}: no change in {', '.join(cell(n) for n in same)}."]
        if d.fleets:
            lines += ["", "</details>"]
    return "\n".join(lines) + "\n"


def _fleet_summary(d: PortfolioDiff) -> list[str]:
    """Per fleet: how many of its clusters change, the cost, and where a model becomes Pending."""
    lines: list[str] = []
    by_name = {e.name: e for e in d.environments}
    for fleet, members in d.fleets.items():
        envs = [by_name[m] for m in members if m in by_name]
        changed = [e for e in envs if e.status != "unchanged"]
        delta = sum(e.monthly_delta for e in envs)
        pending = [f"{cell(m.name)} on {cell(e.name.removeprefix(fleet + '-'))}"
                   for e in envs for m in e.models if m.became_pending]
        lines += ["", f"**fleet {cell(fleet)}**: {len(changed)} of {len(envs)} cluster(s) change, "
                  f"{signed_usd(delta)}/month" + (f"; becomes Pending: {', '.join(pending)}" if pending else "") + "."]
    return lines
