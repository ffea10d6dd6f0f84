"""OLM's choice of the next version of a Subscription, from a channel of the real catalog.

The resolver offers the bundles that replace the installed CSV or whose skipRange includes
its version, head of the channel first (operator-framework/operator-lifecycle-manager,
pkg/controller/registry/resolver/resolver.go: SkipRangeIncludesPredicate / ReplacesPredicate,
candidates ordered head-first); with Manual approval that bundle's InstallPlan waits in
RequiresApproval (pkg/controller/operators/catalog/operator.go).
"""
from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Entry:
    name: str
    replaces: str | None = None
    skip_range: str | None = None


# channel fast-3.x of rhods-operator: red-hat-data-services/RHOAI-Build-Config@rhoai-3.3
# (f5fd3889e7b6577f9a98d37e15f2bb326cb7007f), catalog/v4.20/rhods-operator/catalog.yaml
FAST_3X = (
    Entry("rhods-operator.3.0.0"),
    Entry("rhods-operator.3.2.0", "rhods-operator.3.0.0", ">=3.0.0 <3.2.0"),
    Entry("rhods-operator.3.3.0", "rhods-operator.3.2.1", ">=3.2.0 <3.3.0"),
    Entry("rhods-operator.3.2.1", "rhods-operator.3.2.0", ">=3.0.0 <3.2.1"),
    Entry("rhods-operator.3.3.1", "rhods-operator.3.3.0", ">=3.3.0 <3.3.1"),
)


def version(csv: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", csv.partition(".")[2]))


def in_range(v: tuple[int, ...], spec: str) -> bool:
    ok = True
    for op, bound in re.findall(r"(>=|<=|<|>|=)\s*([0-9][0-9.\-]*)", spec):
        b = tuple(int(n) for n in re.findall(r"\d+", bound))
        ok &= {">=": v >= b, "<=": v <= b, "<": v < b, ">": v > b, "=": v == b}[op]
    return ok


def head_first(channel: tuple[Entry, ...]) -> list[str]:
    """The channel from its head (the entry nothing replaces) down the replaces chain."""
    replaced = {e.replaces for e in channel}
    by_name = {e.name: e for e in channel}
    [head] = [e for e in channel if e.name not in replaced]
    order, at = [], head
    while at is not None:
        order.append(at.name)
        at = by_name.get(at.replaces) if at.replaces else None
    return order + [e.name for e in channel if e.name not in order]


def next_version(channel: tuple[Entry, ...], installed: str) -> str | None:
    """The CSV OLM offers after `installed`, or None at the head."""
    order = head_first(channel)
    candidates = [e.name for e in channel if e.name != installed and (
        e.replaces == installed or (e.skip_range and in_range(version(installed), e.skip_range)))]
    return min(candidates, key=order.index) if candidates else None
