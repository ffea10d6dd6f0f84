"""Mermaid text for the pictures gpuaas puts in Markdown: a bar chart of GPU quota use per
pool (plan and diff) and the structure of a rendered tree (its README). Pure: data in, text
out. Labels are always quoted and stripped of what would end a quoted string, so a name from
a portfolio can never change the diagram's syntax.
"""
from __future__ import annotations

import re

from .plan import EnvPlan, Plan


def text(value: object) -> str:
    """A label inside double quotes: quotes, backticks and line breaks cannot survive there,
    and `#...;` is Mermaid's entity syntax."""
    return re.sub(r'["`\r\n#;<>]', " ", str(value)).strip() or "-"


def quota_chart(title: str, bars: list[tuple[str, int, int]]) -> str:
    """xychart-beta of (label, quota, used) per bar position. Bars drawn later sit in front,
    so the used GPUs show inside the quota."""
    top = max([1] + [max(q, u) for _, q, u in bars])
    labels = ", ".join(f'"{text(label)}"' for label, _, _ in bars)
    return (f'xychart-beta\n'
            f'    title "{text(title)}"\n'
            f'    x-axis [{labels}]\n'
            f'    y-axis "GPUs" 0 --> {top}\n'
            f'    bar [{", ".join(str(q) for _, q, _ in bars)}]\n'
            f'    bar [{", ".join(str(u) for _, _, u in bars)}]\n')


def env_bars(env: EnvPlan) -> list[tuple[str, int, int]]:
    return [(p.name + (f" +{env.pending[p.name]} pending" if env.pending[p.name] else ""),
             p.quota_gpus, env.used[p.name]) for p in env.pools]


class _Graph:
    """Flowchart lines with generated node ids (names never become ids)."""

    def __init__(self) -> None:
        self.lines = ["flowchart LR"]
        self.count = 0

    def node(self, lines: list[str], shape: str = "[ ]", indent: int = 1) -> str:
        """A node whose label is `lines`, each made safe, joined by Mermaid's line break."""
        self.count += 1
        ident = f"n{self.count}"
        left, right = shape.split(" ")
        label = "<br/>".join(text(line) for line in lines)
        self.lines.append(f'{"    " * indent}{ident}{left}"{label}"{right}')
        return ident

    def edge(self, a: str, b: str, label: str | None = None, dotted: bool = False) -> None:
        arrow = "-.->" if dotted else "-->"
        middle = f'{arrow}|"{text(label)}"|' if label else arrow
        self.lines.append(f"    {a} {middle} {b}")


def _kinds(kinds: dict[str, list[tuple[str, str]]], named: tuple[str, ...]) -> list[str]:
    """One line per kind: `kind x count`, or the names for the kinds a reviewer looks for."""
    lines = []
    for kind, items in kinds.items():
        if kind in named:
            lines.append(f"{kind}: {', '.join(n for n, _ in items)}")
        else:
            lines.append(f"{kind} x{len(items)}" if len(items) > 1 else f"{kind} {items[0][0]}")
    return lines


def tree_diagram(plan: Plan, components: dict[str, dict[str, list[tuple[str, str]]]],
                 waves: dict[str, int]) -> str:
    """ApplicationSet -> one umbrella Application per environment -> one child Application
    per enabled component (sync wave) -> what the component deploys, with Kueue's flavors
    and queues spelled out. `components` maps "env/component" to {kind: [(name, note)]},
    read from the rendered files."""
    name = plan.portfolio.metadata.name
    g = _Graph()
    appset = g.node([f"ApplicationSet {name}-umbrella"])
    edges: list[tuple] = []
    for i, env in enumerate(plan.environments):
        g.lines.append(f'    subgraph env{i}["{text(env.name)}: {text(env.cluster)}"]')
        umbrella = g.node([f"Application {name}-{env.name}", "umbrella chart"], indent=2)
        edges.append((appset, umbrella))
        for component, wave in waves.items():
            if not env.components.get(component):
                continue
            app = g.node([f"Application {name}-{env.name}-{component}", f"sync wave {wave}"],
                         "( )", 2)
            edges.append((umbrella, app))
            kinds = dict(components.get(f"{env.name}/{component}", {}))
            if component == "kueue":
                flavors = [g.node([f"ResourceFlavor {n}", note], "[/ /]", 2)
                           for n, note in kinds.pop("ResourceFlavor", [])]
                cqs = [g.node([f"ClusterQueue {n}", note], "[[ ]]", 2)
                       for n, note in kinds.pop("ClusterQueue", [])]
                lqs = [g.node([f"LocalQueue {n}"], "[[ ]]", 2) for n, _ in kinds.pop("LocalQueue", [])]
                for node in lqs + cqs + flavors:
                    edges.append((app, node))
                edges += [(lq, cq, "admits through", True) for lq in lqs for cq in cqs]
                edges += [(cq, f, "GPU quota", True) for cq in cqs for f in flavors]
            if kinds:
                edges.append((app, g.node(_kinds(kinds, ("InferenceService", "WorkloadPriorityClass")),
                                          indent=2)))
        g.lines.append("    end")
    for edge in edges:
        g.edge(*edge)
    return "\n".join(g.lines) + "\n"


def bringup_diagram(stages: list[tuple[int, list[tuple[str, str]]]]) -> str:
    """The umbrella's sync waves top to bottom: one box per wave, each component in it with
    what makes it Healthy; the next wave is applied only then."""
    g = _Graph()
    g.lines[0] = "flowchart TD"
    previous = None
    for wave, parts in stages:
        node = g.node([f"sync wave {wave}"] + [f"{name}: {healthy}" for name, healthy in parts])
        if previous is not None:
            g.edge(previous, node, "then")
        previous = node
    return "\n".join(g.lines) + "\n"
