"""The diagrams gpuaas writes, through Mermaid's own parser (tools/mermaid): each rendered
tree README's picture of what it deploys."""
from __future__ import annotations

import re

from gpuaas import mermaid, pipeline
from gpuaas.render import component_objects

from .conftest import DEMO, PORTFOLIOS, REPO, mermaid_blocks, mermaid_parse, needs_mermaid


@needs_mermaid
def test_every_tree_readme_diagram_parses():
    readmes = [(REPO / "rendered" / pipeline.build(p).name / "README.md").read_text() for p in PORTFOLIOS]
    diagrams = [d for text in readmes for d in mermaid_blocks(text)]
    assert len(diagrams) == 2 * len(PORTFOLIOS)      # what it deploys; the order it comes up in
    results = mermaid_parse(diagrams)
    assert all(r["ok"] and r["type"] == "flowchart-v2" for r in results), results


@needs_mermaid
def test_the_parser_rejects_what_is_not_mermaid():
    """The check has teeth: a broken flowchart and an xychart with an unclosed list fail."""
    results = mermaid_parse(["flowchart LR\n    n1[\"a\" --> n2\n",
                             "xychart-beta\n    x-axis [\"a\", \"b\"\n    bar [1, 2]\n"])
    assert [r["ok"] for r in results] == [False, False]


def test_the_bringup_diagram_follows_the_waves_of_the_components_on():
    readme = pipeline.build(DEMO).files["README.md"]
    [_, order] = mermaid_blocks(readme)
    waves = [int(w) for w in re.findall(r'"sync wave (-?\d+)<br/>', order)]
    assert waves == sorted(waves) == [-3, -2, -1, 0, 1]
    assert "uploads: applied" in order and "evaluation" not in order    # the demo evaluates nothing
    assert order.count('-->|"then"|') == len(waves) - 1


def test_demo_diagram_shows_applications_components_and_kueue():
    readme = pipeline.build(DEMO).files["README.md"]
    [diagram, _] = mermaid_blocks(readme)
    assert '"ApplicationSet enterprise-demo-umbrella"' in diagram
    assert '"Application enterprise-demo-prod<br/>umbrella chart"' in diagram
    for component, wave in (("operators", -3), ("kueue", -2), ("rhoai", -1), ("uploads", -1),
                            ("serving", 0), ("loadtest", 1)):
        assert f'("Application enterprise-demo-prod-{component}<br/>sync wave {wave}")' in diagram
    assert ("InferenceService: devstral-2, gpt-oss-20b, granite-8b-agent, mistral-3-bf16, "
            "mistral-3-int4") in diagram
    # flavors in the ClusterQueue's order, with the quota the tree gives them
    four = diagram.index('[/"ResourceFlavor nvidia-l4-4gpu<br/>quota: 4 GPUs"/]')
    one = diagram.index('[/"ResourceFlavor nvidia-l4-1gpu<br/>quota: 1 GPU"/]')
    assert four < one
    assert '[["ClusterQueue rhoai-main-queue<br/>BestEffortFIFO"]]' in diagram
    assert '[["LocalQueue gpuaas"]]' in diagram
    assert diagram.count("GPU quota") == 2 and "admits through" in diagram


def test_diagram_follows_the_tree_not_the_portfolio_alone():
    """Switching a component off removes its Application and objects from the picture."""
    built = pipeline.build(REPO / "portfolios" / "signet.yaml")
    [diagram, _] = mermaid_blocks(built.files["README.md"])
    plan = built.plan
    for env in plan.environments:
        for component, enabled in env.components.items():
            app = f"Application signet-{env.name}-{component}<br/>"
            assert (app in diagram) == enabled, (env.name, component)
    objects = component_objects(built.files)
    assert all(key.split("/")[1] in [c for c, on in next(
        e for e in plan.environments if e.name == key.split("/")[0]).components.items() if on]
        for key in objects)


def test_names_cannot_break_out_of_a_label():
    """Labels are quoted and lose what would end the quote or start an entity."""
    assert mermaid.text('a"b`c#d;e<f>\ng') == "a b c d e f  g"
    chart = mermaid.quota_chart('t"itle', [('p"ool', 2, 1)])
    assert chart.count('"') == 6
