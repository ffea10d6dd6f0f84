"""OLM's upgrade graph: which bundle a Subscription moves to next, and whether a change of
channel or pinned version is one that OLM can make at all.

The resolver offers the bundles that replace the installed CSV, list it in `skips`, or whose
skipRange includes its version, head of the channel first
(operator-framework/operator-lifecycle-manager, pkg/controller/registry/resolver/resolver.go:
ReplacesPredicate / SkipRangeIncludesPredicate, candidates ordered head-first); an installed
CSV that no bundle of the new channel replaces stays where it is (the Subscription reports no
upgrade). The graphs themselves are facts: catalog.RHOAI_CHANNELS.
"""
from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Entry:
    """One `olm.channel` entry of a file-based catalog."""
    name: str                       # the CSV, e.g. rhods-operator.3.3.6
    replaces: str | None = None
    skip_range: str | None = None
    skips: tuple[str, ...] = ()

    @property
    def version(self) -> tuple[int, ...]:
        return version(self.name)


def version(csv: str) -> tuple[int, ...]:
    """rhods-operator.3.3.6 -> (3, 3, 6); a pre-release suffix is ignored."""
    return tuple(int(n) for n in re.findall(r"\d+", csv.partition(".")[2].split("-")[0]))


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
    heads = [e for e in channel if e.name not in replaced]
    order: list[str] = []
    at = max(heads, key=lambda e: e.version) if heads else None
    while at is not None and at.name not in order:
        order.append(at.name)
        at = by_name.get(at.replaces) if at.replaces else None
    return order + [e.name for e in channel if e.name not in order]


def upgrades(e: Entry, installed: str) -> bool:
    """Whether bundle `e` is offered as an upgrade of the installed CSV."""
    return e.name != installed and (
        e.replaces == installed or installed in e.skips
        or bool(e.skip_range and in_range(version(installed), e.skip_range)))


def next_version(channel: tuple[Entry, ...], installed: str) -> str | None:
    """The CSV OLM offers after `installed` on `channel`, or None (at the head, or nothing
    in the channel replaces it)."""
    order = head_first(channel)
    candidates = [e.name for e in channel if upgrades(e, installed)]
    return min(candidates, key=order.index) if candidates else None


def reaches(channel: tuple[Entry, ...], installed: str, target: str) -> bool:
    """Whether a Subscription on `channel` with `installed` gets to `target` by approving
    the install plans OLM offers one after another (what the approver Job does)."""
    if installed == target:
        return True
    seen, at = {installed}, installed
    while True:
        nxt = next_version(channel, at)
        if nxt is None or nxt in seen:
            return False
        if nxt == target:
            return True
        if version(nxt) > version(target):
            # OLM offers the newest replacement first: a pin it jumps over is never offered
            return False
        seen.add(nxt)
        at = nxt


def _contains(channel: tuple[Entry, ...], csv: str) -> bool:
    return any(e.name == csv for e in channel)


def head(channel: tuple[Entry, ...]) -> str | None:
    order = head_first(channel)
    return order[0] if order else None


def one_step(channels: dict[str, tuple[Entry, ...]], installed: str, channel: str, target: str) -> bool:
    """Whether a Subscription moved to `channel`, with `installed` running, gets to `target`."""
    entries = channels.get(channel, ())
    if not _contains(entries, target):
        return False
    return installed == target or reaches(entries, installed, target)


def path(channels: dict[str, tuple[Entry, ...]], installed: str, channel: str,
         target: str) -> list[tuple[str, str]] | None:
    """The fewest (channel, CSV) moves, one commit each, from `installed` to `target` on
    `channel`; None when the graph has no way (a downgrade, a CSV no channel reaches)."""
    goal = (channel, target)
    frontier: list[tuple[str, list[tuple[str, str]]]] = [(installed, [])]
    seen = {installed}
    while frontier:
        nxt_frontier: list[tuple[str, list[tuple[str, str]]]] = []
        for at, steps in frontier:
            if one_step(channels, at, channel, target):
                return [*steps, goal]
            for name, entries in channels.items():
                for e in sorted(entries, key=lambda e: e.version, reverse=True):   # newest first
                    if e.name not in seen and version(e.name) > version(at) and reaches(entries, at, e.name):
                        seen.add(e.name)
                        nxt_frontier.append((e.name, [*steps, (name, e.name)]))
        frontier = nxt_frontier
    return None


def upgrade_problem(channels: dict[str, tuple[Entry, ...]], before: tuple[str, str],
                    after: tuple[str, str], what: str) -> str | None:
    """What is wrong with moving a Subscription from (channel, CSV) `before` to `after`, or
    None when OLM makes the move on its own (an install plan at a time)."""
    (old_channel, old), (new_channel, new) = before, after
    if (old_channel, old) == (new_channel, new):
        return None
    v_old, v_new = old.partition(".")[2], new.partition(".")[2]
    if version(new) < version(old):
        return (f"{what} moves down from {v_old} to {v_new}: OLM never downgrades an operator "
                f"(a new CSV must replace the installed one); keep {v_old}")
    if one_step(channels, old, new_channel, new):
        return None
    steps = path(channels, old, new_channel, new)
    if steps is None:
        return (f"{what} cannot move from {v_old} ({old_channel}) to {v_new} ({new_channel}): no "
                f"entry of {new_channel} replaces {v_old} or covers it by skipRange")
    via = ", then ".join(f"{csv.partition('.')[2]} on {ch}" for ch, csv in steps[:-1])
    return (f"{what} cannot move from {v_old} ({old_channel}) to {v_new} ({new_channel}) in one "
            f"step: nothing on {new_channel} upgrades {v_old}. Move to {via} first, one commit "
            "each, and let each sync finish")
