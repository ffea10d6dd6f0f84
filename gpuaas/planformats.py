"""The formats of `gpuaas plan`, by the name `--format` takes: each prints the plans of a
run, and the diffs of `plan --diff`. Text is rich's tables, JSON the contract (one object
per portfolio, a list for several), Markdown a pull-request comment. The modules that make
each are imported when it prints: the CLI reads the names at start-up."""
from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from .reporters import print_json

if TYPE_CHECKING:
    from rich.console import Console

    from .findings import Finding
    from .plan import EnvPlan, Plan
    from .plandiff import PortfolioDiff

Plans = list[tuple["Plan", list["EnvPlan"], list["Finding"]]]   # with each one's findings


@dataclass(frozen=True)
class PlanFormat:
    plans: Callable[[Console, Plans], None]
    diffs: Callable[[Console, list[PortfolioDiff], str], None]


def _one_or_list(documents: list[dict]) -> None:
    if documents:
        print_json(documents[0] if len(documents) == 1 else documents)


def _text_plans(console: Console, plans: Plans) -> None:
    from .report import print_plan
    for plan, envs, _ in plans:
        print_plan(console, plan, envs)


def _text_diffs(console: Console, diffs: list[PortfolioDiff], rev: str) -> None:
    from .report import print_diff
    print_diff(console, diffs, rev)


def _json_plans(console: Console, plans: Plans) -> None:
    from .report import plan_json
    _one_or_list([plan_json(plan, envs, found) for plan, envs, found in plans])


def _json_diffs(console: Console, diffs: list[PortfolioDiff], rev: str) -> None:
    from .plandiff import diff_json
    _one_or_list([diff_json(d, rev) for d in diffs])


def _markdown_plans(console: Console, plans: Plans) -> None:
    from .markdown import plan_markdown
    for plan, envs, _ in plans:
        sys.stdout.write(plan_markdown(plan, envs))


def _markdown_diffs(console: Console, diffs: list[PortfolioDiff], rev: str) -> None:
    from .markdown import diff_markdown
    sys.stdout.write(diff_markdown(diffs, rev))


FORMATS: dict[str, PlanFormat] = {
    "text": PlanFormat(_text_plans, _text_diffs),
    "json": PlanFormat(_json_plans, _json_diffs),
    "markdown": PlanFormat(_markdown_plans, _markdown_diffs),
}


# `gpuaas schemas list`: the schemas validate checks (schema_check.schema_index rows), for
# the release `release` with the Kueue channel `kueue` and the other releases `others`.
def _text_schemas(console: Console, rows: list[dict], release: str, kueue: str, others: list[str]) -> None:
    from rich.table import Table
    table = Table(box=None, pad_edge=False)
    for header in ("apiVersion", "kind", "CEL rules", "source"):
        table.add_column(header, overflow="fold")
    for row in rows:
        source = (f"bundled: {row['repo']}@{row['ref']} ({row['commit'][:12]}, {row['license']})"
                  if row["source"] == "bundled" else row["source"])
        cel = row["cel"]
        rules = f"{cel['evaluated']}/{cel['rules']}" if cel["rules"] else "-"
        table.add_row(f"{row['group']}/{row['version']}", row["kind"], rules, source)
    console.print(table)
    skipped = sum(len(row["cel"]["skipped"]) for row in rows)
    evaluated = sum(row["cel"]["evaluated"] for row in rows)
    console.print(f"OpenShift AI {release} (with the Kueue operator of {kueue}); "
                  f"the others: {', '.join(f'--release {v}' for v in others)}")
    console.print(f"{len(rows)} CRD schemas; {evaluated} CEL rules evaluated, {skipped} not "
                  "(--format json lists each with why); built-in Kubernetes kinds come from "
                  "kubernetes-validate")


def _json_schemas(console: Console, rows: list[dict], release: str, kueue: str, others: list[str]) -> None:
    print_json(rows)


SCHEMA_FORMATS: dict[str, Callable[[Console, list[dict], str, str, list[str]], None]] = {
    "text": _text_schemas, "json": _json_schemas}
