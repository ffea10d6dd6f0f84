"""A newcomer's first commands: version, help, a starter that renders clean."""
from __future__ import annotations

import io
import json
from pathlib import Path

from .conftest import PORTFOLIOS


def test_version(cli):
    from importlib.metadata import version
    result = cli("--version")
    assert result.exit_code == 0 and result.stdout.strip() == f"gpuaas {version('gpuaas')}"


def test_flags_show_no_type_in_help(cli):
    for command in (["render", "--help"], ["validate", "--help"], ["plan", "--help"], ["init", "--help"]):
        text = cli(*command).stdout
        flag_lines = [l for l in text.splitlines() if any(f in l for f in ("--check ", "--strict ", "--list ", "--fail-on-pending "))]
        assert flag_lines and not any("<bool>" in l for l in flag_lines), text


def test_init_lists_the_examples(cli, tmp_path: Path):
    result = cli("init", "--list", cwd=tmp_path)
    names = [l.split()[0] for l in result.stdout.splitlines()]
    assert names == [p.stem for p in PORTFOLIOS] and "efficiency" in names
    assert not (tmp_path / "portfolios").exists()


def test_a_named_starter_renders_without_warnings(cli, tmp_path: Path):
    result = cli("init", "--name", "my-gpus", cwd=tmp_path)
    assert result.exit_code == 0
    text = (tmp_path / "portfolios/my-gpus.yaml").read_text()
    assert "\n  name: my-gpus " in text and "path: rendered/my-gpus " in text and "starter" not in text
    schema = json.loads((tmp_path / "schema/portfolio.schema.json").read_text())
    assert schema == json.loads(cli("schema").stdout)  # what the modeline points to
    rendered = cli("render", cwd=tmp_path)
    assert rendered.exit_code == 0 and "warning" not in rendered.output, rendered.output
    assert (tmp_path / "rendered/my-gpus/README.md").exists()
    again = cli("init", "--name", "my-gpus", cwd=tmp_path)
    assert again.exit_code == 2 and "exists" in again.output


def test_init_finds_what_you_meant(cli, tmp_path: Path):
    result = cli("init", "--example", "tripleplay", cwd=tmp_path)
    assert result.exit_code == 2 and "did you mean 'triple-play'" in result.output
    bad = cli("init", "--name", "My_GPUs", cwd=tmp_path)
    assert bad.exit_code == 2 and "--name" in bad.output
    assert not (tmp_path / "portfolios").exists()


def test_no_active_model_gives_one_load_test_warning_not_two(tmp_path: Path):
    from gpuaas import pipeline
    from .conftest import HEAD, write
    body = HEAD + ("pools: [{name: l4, gpu: L4, instanceType: g6.4xlarge}]\n"
                   "models: [{name: m, source: hf://org/m, params: 8B, precision: fp8, gpus: 1, state: standby}]\n"
                   "loadtest: {enabled: true, chatShare: 0.5}\n")
    tasks = [f for f in pipeline.build(write(tmp_path / "p.yaml", body)).findings if f.code == "TASK"]
    assert len(tasks) == 1 and "no model is active" in tasks[0].message


def test_one_bad_portfolio_does_not_hide_the_others(cli, tmp_path: Path):
    from .conftest import DEMO
    (tmp_path / "portfolios").mkdir()
    (tmp_path / "portfolios/a-broken.yaml").write_text("apiVersion: gpuaas/v1\nkind: Portfolio\nbogus: 1\n")
    demo = DEMO.read_text().replace("    maxModelLen: 4096\n", "    maxModelLen: 4096\n    bogus: 2\n", 1)
    (tmp_path / "portfolios/b-demo.yaml").write_text(demo)
    for command in (["render"], ["validate"], ["plan"]):
        result = cli(*command, cwd=tmp_path)
        assert result.exit_code == 2, command
        assert "a-broken.yaml" in result.output and "b-demo.yaml" in result.output, (command, result.output)


def test_the_plan_table_prints_no_markup(cli):
    from .conftest import DEMO
    result = cli("plan", str(DEMO))
    assert result.exit_code == 0 and "Admitted" in result.stdout
    assert "[green]" not in result.stdout and "[/" not in result.stdout


def test_switching_finds_the_portfolio_and_what_you_meant(cli, tmp_path: Path):
    from .conftest import PORTFOLIOS
    (tmp_path / "portfolios").mkdir()
    for path in PORTFOLIOS:
        (tmp_path / "portfolios" / path.name).write_text(path.read_text())
    demo = tmp_path / "portfolios/enterprise-demo.yaml"
    before = demo.read_text()
    # only the demo has devstral-2: no -p needed
    result = cli("activate", "devstral-2", cwd=tmp_path)
    assert result.exit_code == 0 and "state active" in result.output and demo.read_text() != before
    again = cli("activate", "devstral-2", cwd=tmp_path)
    assert again.exit_code == 0 and "already active" in again.output
    typo = cli("deactivate", "devstral2", cwd=tmp_path)
    assert typo.exit_code == 2 and "did you mean 'devstral-2'" in typo.output
    env = cli("activate", "devstral-2", "--env", "prd", cwd=tmp_path)
    assert env.exit_code == 2 and "did you mean 'prod'" in env.output


def test_a_mistyped_priority_gets_the_close_one(tmp_path: Path):
    from gpuaas import pipeline
    from .conftest import HEAD, write
    body = HEAD + ("quota: {priorities: {critical: 100, batch: 1}}\n"
                   "pools: [{name: l4, gpu: L4, instanceType: g6.4xlarge}]\n"
                   "models: [{name: m, source: hf://org/m, params: 8B, precision: fp8, gpus: 1, priority: critcal}]\n")
    [finding] = [f for f in pipeline.build(write(tmp_path / "p.yaml", body)).findings if f.code == "PRIORITY_UNKNOWN"]
    assert "did you mean 'critical'" in finding.message


def _plan_text(width: int) -> str:
    from rich.console import Console
    from gpuaas import pipeline, report
    from .conftest import PORTFOLIOS
    console = Console(width=width, record=True, markup=False, emoji=False, highlight=False,
                      color_system=None, file=io.StringIO())
    names = []
    for path in PORTFOLIOS:
        plan = pipeline.build(path, with_files=False).plan
        report.print_plan(console, plan, plan.environments)
        names += [(m.name, p) for e in plan.environments for m in e.models
                  for p in (m.flavors or m.pools)]
    return console.export_text(), names


def test_the_plan_cuts_no_name_at_80_or_120_columns():
    for width in (80, 120):
        text, names = _plan_text(width)
        assert "…" not in text, width
        assert all(len(line) <= width for line in text.splitlines()), width
        cells = {cell.strip() for line in text.splitlines() for cell in line.split("│")}
        shown = "pool" in cells       # at 80 columns state, fit and cost come first
        for model, pool in names:
            assert model in cells and (pool in cells or not shown), (width, model, pool)
        assert "admission" in text and "not shown at" in text


def test_the_plan_keeps_every_column_when_there_is_room():
    text, _ = _plan_text(200)
    assert "KV tokens" in text and "storage" in text and "not shown at" not in text


def test_plan_takes_several_portfolios(cli):
    from .conftest import PORTFOLIOS
    two = [str(p) for p in PORTFOLIOS[:2]]
    result = cli("plan", *two, "--format", "json")
    assert result.exit_code == 0, result.output
    documents = json.loads(result.stdout)
    assert [d["portfolio"] for d in documents] == [p.stem for p in PORTFOLIOS[:2]]
    one = json.loads(cli("plan", two[0], "--format", "json").stdout)
    assert one == documents[0]        # one portfolio: one object, as before
    text = cli("plan", *two).stdout
    assert all(f"{p.stem} / " in text for p in PORTFOLIOS[:2])


def test_h_is_help_and_the_shell_completes_commands_and_options(cli):
    import os
    import subprocess
    import sys
    assert cli("-h").stdout.startswith("Usage: ") and cli("plan", "-h").stdout.startswith("Usage: ")
    gpuaas = str(Path(sys.executable).parent / "gpuaas")

    def complete(words: str) -> list[str]:
        env = {**os.environ, "_GPUAAS_COMPLETE": "complete_bash", "COMP_WORDS": words,
               "COMP_CWORD": str(len(words.split()) - 1)}
        return subprocess.run([gpuaas], env=env, capture_output=True, text=True, timeout=60).stdout.split()
    assert complete("gpuaas pl") == ["plan"]
    assert complete("gpuaas validate --form") == ["--format"]
    assert "--install-completion" in cli("--help").stdout
